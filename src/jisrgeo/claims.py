"""The source's own numbers, checked: stated geography against the gazetteer, casualty sums against the infobox."""

from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from . import schema
from .loader import as_dataset
from .geodesy import COMPASS_DEG, GEOD, angle_between, line_length
from .timeline import DayLike

# A stated compass direction agrees when the computed bearing is within this many degrees.
DIRECTION_TOLERANCE_DEG = 45.0
# "Near" or "on the outskirts" with no figure: agrees within this distance plus both places' radius of doubt.
NEAR_M = 3000.0

# `dataset`/`ds` arguments are typed Any: a Dataset (or a path jisrgeo.load opens), not imported here, as even
# a TYPE_CHECKING import of jisrgeo.dataset reads as an import cycle to tests/test_layers.py.


def _route(dataset, route_id):
    return dataset.routes.loc[dataset.routes["route_id"] == route_id].iloc[0]


def _precision(dataset, *place_ids):
    table = dataset.places.set_index("place_id")["precision_m"]
    return float(sum(table.get(p, 0) for p in place_ids if p))


def check_claim(dataset: Any, claim: dict[str, Any]) -> dict[str, Any]:
    """One claim's stated and computed values, with a verdict and its margin."""
    kind = claim["kind"]
    if kind == "near_line":
        return check_line_claim(dataset, claim)
    row = {"claim_id": claim["claim_id"], "text": claim["text"], "refs": claim["refs"],
           "stated_m": claim.get("stated_m"), "computed_m": None, "stated_direction": claim.get("direction"),
           "computed_direction": None, "bearing_deg": None, "margin": "", "verdict": "agrees"}
    problems = []
    if kind == "route_length":
        route = _route(dataset, claim["route_id"])
        row["computed_m"] = round(line_length(route.geometry), 1)
        if route["schematic"]:
            row["margin"] = "schematic line: drawn to the stated length, so this checks the drawing only; "
    elif kind == "route_radius":
        route = _route(dataset, claim["route_id"])
        centre = dataset.place(claim["from"]).geometry
        xs, ys = route.geometry.xy
        _, _, d = GEOD.inv([centre.x] * len(xs), [centre.y] * len(xs), list(xs), list(ys))
        row["computed_m"] = round(float(pd.Series(d).mean()), 1)
        row["margin"] = "position not stated by the source, only the distance; "
    else:
        result = dataset.distance(claim["from"], claim["to"])
        row["computed_m"], row["bearing_deg"] = result.distance_m, result.bearing_deg
        row["computed_direction"] = result.compass
    stated = claim.get("stated_m")
    if kind == "near":
        slack = NEAR_M + _precision(dataset, claim["from"], claim["to"])
        row["margin"] = f"{row['computed_m'] / 1000:.1f} km apart; 'near' allows {slack / 1000:.1f} km"
        if row["computed_m"] > slack:
            problems.append("distance")
    elif stated is not None:
        slack = stated * claim.get("tolerance", 0.2) + _precision(dataset, claim.get("from"), claim.get("to"))
        off = row["computed_m"] - stated
        relative = f" ({off / stated:+.0%})" if stated else ""
        row["margin"] += f"{off / 1000:+.1f} km{relative}; allowed ±{slack / 1000:.1f} km"
        if abs(off) > slack:
            problems.append("distance")
    if claim.get("direction") and row["bearing_deg"] is not None:
        gap = angle_between(row["bearing_deg"], COMPASS_DEG[claim["direction"]])
        row["margin"] += ("; " if row["margin"] else "") + f"bearing {row['bearing_deg']:.0f}° is {gap:.0f}° from {claim['direction']}"
        if gap > DIRECTION_TOLERANCE_DEG:
            problems.append("direction")
    if problems:
        row["verdict"] = "disagrees (" + ", ".join(problems) + ")"
    return row


def check_line_claim(dataset: Any, claim: dict[str, Any]) -> dict[str, Any]:
    """A place within stated_m of a line of the dataset's context.geojson (a bridge on its river): the
    geodesic distance from the place to the nearest point of the line, allowing the place's and the line's
    radius of doubt. Measured in an azimuthal equidistant projection centred on the place, where every
    distance from the centre is true."""
    import shapely
    from pyproj import Transformer

    from .geodesy import local_crs

    row = {"claim_id": claim["claim_id"], "text": claim["text"], "refs": claim["refs"],
           "stated_m": claim.get("stated_m"), "computed_m": None, "stated_direction": None,
           "computed_direction": None, "bearing_deg": None, "margin": "", "verdict": "agrees"}
    place = dataset.place(claim["from"]).geometry
    lines = dataset.context[dataset.context["name"] == claim["line"]]
    if lines.empty:
        row["verdict"], row["margin"] = "disagrees (line)", f"no context feature named {claim['line']!r}"
        return row
    to_metric = Transformer.from_crs("EPSG:4326", local_crs([place.x], [place.y]), always_xy=True)
    line = shapely.transform(shapely.segmentize(lines.geometry.iloc[0], 0.001),
                             lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))
    row["computed_m"] = round(float(shapely.distance(shapely.Point(0, 0), line)), 1)
    precision = pd.to_numeric(lines["precision_m"].iloc[0], errors="coerce")
    slack = claim["stated_m"] + _precision(dataset, claim["from"]) + (0.0 if pd.isna(precision) else float(precision))
    row["margin"] = f"{row['computed_m']:.0f} m from {claim['line']}; allowed {slack:.0f} m"
    if row["computed_m"] > slack:
        row["verdict"] = "disagrees (distance)"
    return row


def check_claims(dataset: Any) -> pd.DataFrame:
    """Every stated distance and direction in the dataset's claims, checked."""
    dataset = as_dataset(dataset)  # a Dataset or a path
    return pd.DataFrame([check_claim(dataset, c) for c in dataset.claims], columns=CLAIM_COLUMNS)


CLAIM_COLUMNS = ["claim_id", "text", "refs", "stated_m", "computed_m", "stated_direction", "computed_direction",
                 "bearing_deg", "margin", "verdict"]


def figure_rows(dataset: Any) -> pd.DataFrame:
    """One row per casualty figure with its event's incident, type, dates and aggregate flag: the input of
    every casualty sum (in memory here, or partition by partition in jisrgeo.scale)."""
    figures = dataset.casualties[dataset.casualties["kind"] == "casualties"]
    # A vague quantity ("several tens") has no number to add: it stays out of every sum.
    figures = figures[figures[["low", "best", "high"]].notna().any(axis=1)]
    events = dataset.events[["event_id", "incident", "type", "date", "date_end", "aggregate"]]
    return figures.merge(events, on="event_id")


def filled(figures: pd.DataFrame) -> pd.DataFrame:
    """Figures with gaps filled so sums never treat a missing figure as zero: no low -> the best figure,
    no best -> the low one ("at least N"), no high -> the best, else the low."""
    low = figures["low"].fillna(figures["best"]).fillna(figures["high"])
    best = figures["best"].fillna(figures["low"]).fillna(figures["high"])
    return figures.assign(low=low, best=best, high=figures["high"].fillna(best))


def killed_figures(dataset: Any) -> pd.DataFrame:
    """Every figure of people killed (not counts of equipment), gaps filled."""
    c = dataset.casualties
    return filled(c[(c["kind"] == "casualties") & (c["outcome"] == "killed")])


# Massacre allegations: one party's accusation, not a documented death. Every sum (the CLI, the maps' running
# totals, the exports) leaves them apart unless asked: allegations=True adds them in, "only" sums them alone.
UNVERIFIED_TYPES = schema.UNVERIFIED_TYPES
ALLEGATIONS = (False, True, "only")


def allegation_mask(types: pd.Series) -> pd.Series:
    """True where an event type is an allegation (a Series of types in, a boolean Series out)."""
    return types.isin(UNVERIFIED_TYPES)


def _check_allegations(allegations):
    if not any(allegations is a or (isinstance(a, str) and allegations == a) for a in ALLEGATIONS):
        raise ValueError(f"allegations must be False (apart, the default), True (added in) or 'only', not {allegations!r}")


def select_figures(figures: pd.DataFrame, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None,
                   types: Collection[str] | None = None, exclude: bool = False,
                   allegations: bool | str = False) -> pd.DataFrame:
    """The figures of events overlapping [start, end], of `types` (or all but them with exclude=True),
    leaving out aggregate tolls and, unless allegations is True (or "only"), massacre allegations;
    gaps filled (see filled)."""
    _check_allegations(allegations)
    if allegations is not True:
        figures = figures[allegation_mask(figures["type"]) == (allegations == "only")]
    if types is not None:
        figures = figures[figures["type"].isin(types) != exclude]
    if start is not None:
        figures = figures[figures["date_end"].fillna(figures["date"]) >= start]
    if end is not None:
        figures = figures[figures["date"] <= end]
    return filled(figures[~figures["aggregate"].astype(bool)])


# Rival claims about one incident merge into a range: the lowest low, the highest best and high.
PER_INCIDENT = {"low": "min", "best": "max", "high": "max"}


def _incident_figures(dataset, start=None, end=None, types=None, exclude=False, allegations=False):
    """Killed/captured figures per incident: rival claims merged (low=min, best=max, high=max).

    types: only events of these types (or, with exclude=True, all but these); allegations: see select_figures.
    """
    figures = select_figures(figure_rows(dataset), start, end, types, exclude, allegations)
    return figures.groupby(["incident", "side", "outcome"], as_index=False).agg(
        **{k: (k, how) for k, how in PER_INCIDENT.items()}, events=("event_id", "count"),
        types=("type", lambda s: ",".join(sorted(set(s)))))


def casualty_totals(dataset: Any, side: str | None = None, start: DayLike | None = None, end: DayLike | None = None,
                    types: Collection[str] | None = None, exclude: bool = False,
                    allegations: bool | str = False) -> pd.DataFrame:
    """Per side and outcome: sums of low/best/high over incidents in [start, end]: what `jisrgeo casualties`
    prints, and what the maps' running totals and the examples show.

    Massacre allegations stay apart by default; allegations=True adds them into the sums, allegations="only"
    sums the allegations alone (the CLI's second table). types/exclude: only (or all but) events of these types.
    """
    dataset = as_dataset(dataset)  # a Dataset or a path
    _check_allegations(allegations)
    if start is not None or end is not None:
        start, end = dataset.span(start, end)
    per_incident = _incident_figures(dataset, start, end, types, exclude, allegations)
    if side is not None:
        per_incident = per_incident[per_incident["side"] == side]
    totals = per_incident.groupby(["side", "outcome"], as_index=False).agg(
        low=("low", "sum"), best=("best", "sum"), high=("high", "sum"), incidents=("incident", "nunique"))
    return totals


def infobox_comparison(dataset: Any) -> pd.DataFrame:
    """The infobox's casualty totals beside the sums of the events over the same dates and places.

    Massacre allegations are left out of the sums and reported in their own column.
    """
    dataset = as_dataset(dataset)  # a Dataset or a path
    rows = []
    for entry in dataset.forces.get("infobox_casualties", []):
        start, end = pd.Timestamp(entry["start"]), pd.Timestamp(entry["end"])
        per_incident = _incident_figures(dataset, start, end)
        alleged = _incident_figures(dataset, start, end, allegations="only")
        alleged = alleged[(alleged["side"] == entry["side"]) & (alleged["outcome"] == entry["outcome"])]
        match = per_incident[(per_incident["side"] == entry["side"]) & (per_incident["outcome"] == entry["outcome"])]
        if entry.get("scope"):
            in_scope = dataset.events.loc[dataset.events["place_id"].isin(entry["scope"]), "incident"]
            match = match[match["incident"].isin(in_scope)]
        if entry.get("types"):
            match = match[match["types"].isin(entry["types"])]
        low, best, high = (float(match[c].sum()) for c in ("low", "best", "high"))
        figure = entry["figure"]
        if low <= figure <= high:
            verdict = "agrees: the infobox figure lies within the events' low..high"
        elif figure > high:
            verdict = f"disagrees: the events itemise only {high:g} of {figure:g}; {figure - high:g} are not dated in the source"
        else:
            verdict = f"disagrees: the events sum to {low:g}, {low - figure:g} more than the infobox's {figure:g}"
        rows.append({"side": entry["side"], "outcome": entry["outcome"], "infobox": figure,
                     "qualifier": entry.get("qualifier", ""), "refs": entry["refs"],
                     "period": f"{entry['start']}..{entry['end']}",
                     "events_low": low, "events_best": best, "events_high": high,
                     "incidents": ", ".join(sorted(match["incident"].unique())),
                     "alleged_massacres_best": float(alleged["best"].sum()), "verdict": verdict})
    return pd.DataFrame(rows, columns=INFOBOX_COLUMNS)


INFOBOX_COLUMNS = ["side", "outcome", "infobox", "qualifier", "refs", "period", "events_low", "events_best", "events_high",
                   "incidents", "alleged_massacres_best", "verdict"]


def aggregate_reports(dataset: Any) -> pd.DataFrame:
    """Tolls reported over a period (not incidents): shown beside the sums, never added to them."""
    dataset = as_dataset(dataset)  # a Dataset or a path
    agg = dataset.events[dataset.events["aggregate"].astype(bool)][["event_id", "date", "date_end", "claimant", "refs"]]
    figures = dataset.casualties[dataset.casualties["kind"] == "casualties"]
    return agg.merge(figures, on="event_id")[["event_id", "date", "date_end", "claimant", "side", "outcome", "low", "best", "high", "refs"]]
