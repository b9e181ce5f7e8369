"""The source's own numbers, checked: stated geography against the gazetteer, casualty sums against the infobox."""

import pandas as pd

from .loader import as_dataset
from .geodesy import COMPASS_DEG, GEOD, angle_between, line_length

# A stated compass direction agrees when the computed bearing is within this many degrees.
DIRECTION_TOLERANCE_DEG = 45.0
# "Near" or "on the outskirts" with no figure: agrees within this distance plus both places' radius of doubt.
NEAR_M = 3000.0


def _route(dataset, route_id):
    return dataset.routes.loc[dataset.routes["route_id"] == route_id].iloc[0]


def _precision(dataset, *place_ids):
    table = dataset.places.set_index("place_id")["precision_m"]
    return float(sum(table.get(p, 0) for p in place_ids if p))


def check_claim(dataset, claim):
    """One claim's stated and computed values, with a verdict and its margin."""
    kind = claim["kind"]
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


def check_claims(dataset):
    """Every stated distance and direction in the dataset's claims, checked."""
    dataset = as_dataset(dataset)  # a Dataset or a path
    return pd.DataFrame([check_claim(dataset, c) for c in dataset.claims], columns=CLAIM_COLUMNS)


CLAIM_COLUMNS = ["claim_id", "text", "refs", "stated_m", "computed_m", "stated_direction", "computed_direction",
                 "bearing_deg", "margin", "verdict"]


def figure_rows(dataset):
    """One row per casualty figure with its event's incident, type, dates and aggregate flag: the input of
    every casualty sum (in memory here, or partition by partition in jisrgeo.scale)."""
    figures = dataset.casualties[dataset.casualties["kind"] == "casualties"]
    # A vague quantity ("several tens") has no number to add: it stays out of every sum.
    figures = figures[figures[["low", "best", "high"]].notna().any(axis=1)]
    events = dataset.events[["event_id", "incident", "type", "date", "date_end", "aggregate"]]
    return figures.merge(events, on="event_id")


def filled(figures):
    """Figures with gaps filled so sums never treat a missing figure as zero: no low -> the best figure,
    no best -> the low one ("at least N"), no high -> the best, else the low."""
    low = figures["low"].fillna(figures["best"]).fillna(figures["high"])
    best = figures["best"].fillna(figures["low"]).fillna(figures["high"])
    return figures.assign(low=low, best=best, high=figures["high"].fillna(best))


def killed_figures(dataset):
    """Every figure of people killed (not counts of equipment), gaps filled."""
    c = dataset.casualties
    return filled(c[(c["kind"] == "casualties") & (c["outcome"] == "killed")])


def select_figures(figures, start=None, end=None, types=None, exclude=False):
    """The figures of events overlapping [start, end], of `types` (or all but them with exclude=True),
    leaving out aggregate tolls, gaps filled (see filled)."""
    if types is not None:
        figures = figures[figures["type"].isin(types) != exclude]
    if start is not None:
        figures = figures[figures["date_end"].fillna(figures["date"]) >= start]
    if end is not None:
        figures = figures[figures["date"] <= end]
    return filled(figures[~figures["aggregate"].astype(bool)])


# Rival claims about one incident merge into a range: the lowest low, the highest best and high.
PER_INCIDENT = {"low": "min", "best": "max", "high": "max"}


def _incident_figures(dataset, start=None, end=None, types=None, exclude=False):
    """Killed/captured figures per incident: rival claims merged (low=min, best=max, high=max).

    types: only events of these types (or, with exclude=True, all but these).
    """
    figures = select_figures(figure_rows(dataset), start, end, types, exclude)
    return figures.groupby(["incident", "side", "outcome"], as_index=False).agg(
        **{k: (k, how) for k, how in PER_INCIDENT.items()}, events=("event_id", "count"),
        types=("type", lambda s: ",".join(sorted(set(s)))))


def casualty_totals(dataset, side=None, start=None, end=None, types=None, exclude=False):
    """Per side and outcome: sums of low/best/high over incidents in [start, end].

    types/exclude: only (or all but) events of these types, e.g. massacre claims.
    """
    dataset = as_dataset(dataset)  # a Dataset or a path
    if start is not None or end is not None:
        start, end = dataset.span(start, end)
    per_incident = _incident_figures(dataset, start, end, types, exclude)
    if side is not None:
        per_incident = per_incident[per_incident["side"] == side]
    totals = per_incident.groupby(["side", "outcome"], as_index=False).agg(
        low=("low", "sum"), best=("best", "sum"), high=("high", "sum"), incidents=("incident", "nunique"))
    return totals


# Allegations of massacres are counted apart from documented deaths when comparing totals.
UNVERIFIED_TYPES = ["massacre_claim"]


def infobox_comparison(dataset):
    """The infobox's casualty totals beside the sums of the events over the same dates and places.

    Massacre allegations are left out of the sums and reported in their own column.
    """
    dataset = as_dataset(dataset)  # a Dataset or a path
    rows = []
    for entry in dataset.forces.get("infobox_casualties", []):
        start, end = pd.Timestamp(entry["start"]), pd.Timestamp(entry["end"])
        per_incident = _incident_figures(dataset, start, end, UNVERIFIED_TYPES, exclude=True)
        alleged = _incident_figures(dataset, start, end, UNVERIFIED_TYPES)
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


def aggregate_reports(dataset):
    """Tolls reported over a period (not incidents): shown beside the sums, never added to them."""
    dataset = as_dataset(dataset)  # a Dataset or a path
    agg = dataset.events[dataset.events["aggregate"].astype(bool)][["event_id", "date", "date_end", "claimant", "refs"]]
    figures = dataset.casualties[dataset.casualties["kind"] == "casualties"]
    return agg.merge(figures, on="event_id")[["event_id", "date", "date_end", "claimant", "side", "outcome", "low", "best", "high", "refs"]]
