"""Our events in the column layouts of ACLED and UCDP GED, so they join with those datasets in any tool.

Columns we have no value for stay empty. The mapping is the reverse of jisrgeo.io.acled / io.ucdp,
documented in the README.
"""

import pandas as pd

from ..claims import killed_figures
from ..io import acled, ucdp

# Our event types in ACLED's terms: (event_type, sub_event_type).
ACLED_TYPES = {
    "armed_clash": ("Battles", "Armed clash"), "assault": ("Battles", "Armed clash"),
    "breakout": ("Battles", "Armed clash"), "counter_offensive": ("Battles", "Armed clash"),
    "territory_taken": ("Battles", "Non-state actor overtakes territory"),
    "air_strike": ("Explosions/Remote violence", "Air/drone strike"),
    "barrel_bomb": ("Explosions/Remote violence", "Air/drone strike"),
    "shelling": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "suicide_attack": ("Explosions/Remote violence", "Suicide bomb"),
    "remote_explosive": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "chemical_attack": ("Explosions/Remote violence", "Chemical weapon"),
    "execution": ("Violence against civilians", "Attack"), "massacre_claim": ("Violence against civilians", "Attack"),
    "attack_on_civilians": ("Violence against civilians", "Attack"),
    "capture": ("Violence against civilians", "Abduction/forced disappearance"),
    "protest": ("Protests", "Peaceful protest"), "riot": ("Riots", "Violent demonstration"),
    "strategic_development": ("Strategic developments", "Other"),
}
OTHER = ("Strategic developments", "Other")
# Our other built-in types are ACLED's "Other" strategic developments; a type a dataset declares
# itself is no such thing: without the user's table it keeps its own name (and is reported).
for _kind in ("redeployment", "death_of_commander", "statement", "casualty_report"):
    ACLED_TYPES[_kind] = OTHER
ONE_SIDED = {"execution", "massacre_claim", "attack_on_civilians"}


# Tags we write into ACLED's free `tags` column so our own import reads back what the codebook
# cannot hold (per-side figures, the incident of rival claims, our event type); other tools ignore them.
TAG = "jisrgeo"


def _killed(ds, events):
    """Per exported event: low/best/high killed in all, and per side (columns (measure, side))."""
    killed = killed_figures(ds)
    killed = killed[killed["event_id"].isin(events["event_id"])]
    totals = killed.groupby("event_id")[["low", "best", "high"]].sum(min_count=1)
    by_side = killed.groupby(["event_id", "side"])[["low", "best", "high"]].sum(min_count=1).unstack("side")
    return totals, by_side


def _int(series):
    return series.round().astype("Int64")


def _precision_code(metres, table):
    """The smallest code whose radius covers `metres`."""
    for code, radius in sorted(table.items(), key=lambda kv: kv[1]):
        if metres <= radius:
            return code
    return max(table, key=table.get)


def _base(ds):
    """The events that are one incident each (period tolls left out: a toll over weeks is not an event
    in ACLED's or GED's sense, and adding it to theirs would count its deaths twice)."""
    events = ds.events[~ds.events["aggregate"].astype(bool)].reset_index(drop=True)
    places = ds.places.set_index("place_id")
    totals, by_side = _killed(ds, events)
    span = (events["date_end"] - events["date"]).dt.days.fillna(0)
    precision = events["precision_m"].fillna(events["place_id"].map(places["precision_m"])).astype(float)
    return events, places, totals, by_side, span, precision


def export_report(ds, fmt, types=None):
    """What an ACLED or UCDP export leaves out or cannot map: {'period_tolls_left_out': n,
    'period_tolls': [event ids], 'unmapped_types': {type: events}} (unmapped types are kept verbatim
    in ACLED's sub_event_type, and counted as state-based violence in GED)."""
    table = {**(ACLED_TYPES if fmt == "acled" else {t: 1 for t in ACLED_TYPES}), **(types or {})}
    tolls = ds.events.loc[ds.events["aggregate"].astype(bool), "event_id"].tolist()
    kept = ds.events.loc[~ds.events["aggregate"].astype(bool), "type"]
    unmapped = kept[~kept.isin(list(table))].value_counts().sort_index()
    return {"period_tolls_left_out": len(tolls), "period_tolls": tolls, "unmapped_types": unmapped.to_dict()}


def _acled_type(kind, types):
    """(event_type, sub_event_type): the user's table, ours, or Strategic developments with our type verbatim."""
    if kind in types:
        value = types[kind]
        return tuple(value) if isinstance(value, (list, tuple)) else tuple(v.strip() for v in str(value).split("/", 1))
    return ACLED_TYPES.get(kind, (OTHER[0], kind))


def _figure_text(row, side):
    parts = [f"{m} {int(round(row[(m, side)]))}" for m in ("low", "best", "high")
             if (m, side) in row.index and pd.notna(row[(m, side)])]
    return f"{TAG} killed {side}: " + ", ".join(parts)


def _acled_tags(events, by_side):
    tags = []
    for event_id, kind, incident, refs in zip(events["event_id"], events["type"], events["incident"], events["refs"]):
        items = [f"{TAG} refs: " + ", ".join(str(int(r)) for r in refs)] if len(refs) else []
        items.append(f"{TAG} type: {kind}")
        if isinstance(incident, str) and incident and incident != event_id:
            items.append(f"{TAG} incident: {incident}")
        if event_id in by_side.index:
            row = by_side.loc[event_id]
            items += [_figure_text(row, side) for side in row["best"].dropna().index]
        tags.append("; ".join(items))
    return tags


def acled_frame(ds, types=None):
    """Our events as ACLED rows (codebook column names and order); period tolls are left out (see
    export_report). types: {our type: (event_type, sub_event_type)} for types ours does not map."""
    events, places, totals, by_side, span, precision = _base(ds)
    types = [_acled_type(t, types or {}) for t in events["type"]]
    frame = pd.DataFrame({
        "event_id_cnty": events["event_id"],
        "event_date": events["date"].dt.strftime("%Y-%m-%d"),
        "year": events["date"].dt.year,
        "time_precision": [1 if s == 0 else 2 if s <= 7 else 3 for s in span],
        "event_type": [t[0] for t in types], "sub_event_type": [t[1] for t in types],
        "actor1": events["actor1"], "actor2": events["actor2"],
        "admin1": events["place_id"].map(places["governorate"]),
        "location": events["place_id"].map(places["name"]),
        "latitude": events.geometry.y.round(6), "longitude": events.geometry.x.round(6),
        "geo_precision": [_precision_code(m, acled.GEO_PRECISION_M) for m in precision],
        "source": events["claimant"], "notes": events["note"],
        "fatalities": _int(events["event_id"].map(totals["best"]).fillna(0)),
        "tags": _acled_tags(events, by_side),
    })
    return frame.reindex(columns=list(acled.COLUMNS))


def _ucdp_sides(ds, events, by_side):
    """Per event: the two combatant sides with the most deaths (their labels become side_a/side_b and
    their deaths deaths_a/deaths_b, as in GED), else the actors; other deaths go to deaths_unknown."""
    best = by_side["best"] if len(by_side) else pd.DataFrame()
    order = list(ds.vocabulary.sides)
    rows = []
    for event_id, actor1, actor2 in zip(events["event_id"], events["actor1"], events["actor2"]):
        figures = best.loc[event_id].dropna() if event_id in best.index else pd.Series(dtype=float)
        fighting = [s for s in order if s in figures.index]
        named = fighting[:2]
        # The actors when no side's deaths are known; one side's label alone (never beside an actor of
        # unknown side, which might be the same side) when only that side's are.
        labels = [ds.vocabulary.label(s) for s in named] + ([actor1, actor2] if not named else [None])[:2 - len(named)]
        deaths = [figures[s] for s in named] + [None] * (2 - len(named))
        rest = [figures[s] for s in figures.index if s not in named and s != "civilian"]
        rows.append((labels[0], labels[1], deaths[0], deaths[1], sum(rest) if rest else None))
    return pd.DataFrame(rows, columns=["side_a", "side_b", "deaths_a", "deaths_b", "deaths_unknown"])


def ucdp_frame(ds, types=None):
    """Our events as UCDP GED rows (codebook column names and order); period tolls are left out (see
    export_report). types: {our type: type_of_violence 1, 2 or 3} for types ours does not map."""
    events, places, totals, by_side, span, precision = _base(ds)
    sides = _ucdp_sides(ds, events, by_side)
    civilian = by_side[("best", "civilian")] if ("best", "civilian") in by_side.columns else pd.Series(dtype=float)
    violence = {**{t: 3 for t in ONE_SIDED}, **(types or {})}
    frame = pd.DataFrame({
        # relid carries the incident: rival claims about one incident share it (GED's own relids are unique).
        "id": events["event_id"], "relid": events["incident"].fillna(events["event_id"]), "year": events["date"].dt.year,
        "type_of_violence": [int(violence.get(t, 1)) for t in events["type"]],
        "dyad_name": [" - ".join(a for a in (a1, a2) if isinstance(a, str) and a) or None
                      for a1, a2 in zip(events["actor1"], events["actor2"])],
        "side_a": sides["side_a"], "side_b": sides["side_b"],
        "source_article": events["claimant"],
        "where_prec": [_precision_code(m, ucdp.WHERE_PREC_M) for m in precision],
        "where_coordinates": events["place_id"].map(places["name"]),
        "where_description": events["place_id"].map(places["name"]),
        "source_headline": events["note"],
        "adm_1": events["place_id"].map(places["governorate"]),
        "latitude": events.geometry.y.round(6), "longitude": events.geometry.x.round(6),
        "geom_wkt": [f"POINT ({p.x:.6f} {p.y:.6f})" for p in events.geometry],
        "date_prec": [1 if s == 0 else 2 if s <= 6 else 3 if s == 7 else 4 if s <= 30 else 5 for s in span],
        "date_start": events["date"].dt.strftime("%Y-%m-%d"),
        "date_end": events["date_end"].fillna(events["date"]).dt.strftime("%Y-%m-%d"),
        "deaths_a": _int(sides["deaths_a"].astype(float)), "deaths_b": _int(sides["deaths_b"].astype(float)),
        "deaths_civilians": _int(events["event_id"].map(civilian).astype(float)),
        "deaths_unknown": _int(sides["deaths_unknown"].astype(float)),
        "best": _int(events["event_id"].map(totals["best"])), "low": _int(events["event_id"].map(totals["low"])),
        "high": _int(events["event_id"].map(totals["high"])),
    })
    return frame.reindex(columns=list(ucdp.COLUMNS))


def _safe(frame, raw):
    from .cells import spreadsheet_safe

    return frame if raw else spreadsheet_safe(frame)


def write_acled(ds, folder, types=None, raw=False):
    from pathlib import Path

    target = Path(folder) / "acled.csv"
    _safe(acled_frame(ds, types), raw).to_csv(target, index=False)
    return [target]


def write_ucdp(ds, folder, types=None, raw=False):
    from pathlib import Path

    target = Path(folder) / "ucdp_ged.csv"
    _safe(ucdp_frame(ds, types), raw).to_csv(target, index=False)
    return [target]
