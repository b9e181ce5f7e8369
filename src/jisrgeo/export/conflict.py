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
}
OTHER = ("Strategic developments", "Other")
ONE_SIDED = {"execution", "massacre_claim", "attack_on_civilians"}


def _killed(ds):
    """Per event: low, best and high killed in all, and the civilian and unknown-side bests."""
    killed = killed_figures(ds)
    totals = killed.groupby("event_id")[["low", "best", "high"]].sum(min_count=1)
    by_side = killed.groupby(["event_id", "side"])["best"].sum(min_count=1).unstack("side")
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
    events = ds.events
    places = ds.places.set_index("place_id")
    totals, by_side = _killed(ds)
    span = (events["date_end"] - events["date"]).dt.days.fillna(0)
    precision = events["precision_m"].fillna(events["place_id"].map(places["precision_m"])).astype(float)
    return events, places, totals, by_side, span, precision


def acled_frame(ds):
    """Our events as ACLED rows (codebook column names and order)."""
    events, places, totals, by_side, span, precision = _base(ds)
    types = [ACLED_TYPES.get(t, OTHER) for t in events["type"]]
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
        "tags": ["jisrgeo refs: " + ", ".join(str(int(r)) for r in refs) if refs else None for refs in events["refs"]],
    })
    return frame.reindex(columns=list(acled.COLUMNS))


def ucdp_frame(ds):
    """Our events as UCDP GED rows (codebook column names and order)."""
    events, places, totals, by_side, span, precision = _base(ds)
    side = lambda name: events["event_id"].map(by_side[name]) if name in by_side.columns else pd.Series(index=events.index, dtype=float)  # noqa: E731
    combatants = [c for c in by_side.columns if c not in ("civilian", "unknown")]
    unknown = events["event_id"].map(by_side[combatants + (["unknown"] if "unknown" in by_side else [])].sum(axis=1, min_count=1)) \
        if combatants or "unknown" in by_side.columns else pd.Series(index=events.index, dtype=float)
    frame = pd.DataFrame({
        "id": events["event_id"], "relid": events["event_id"], "year": events["date"].dt.year,
        "type_of_violence": [3 if t in ONE_SIDED else 1 for t in events["type"]],
        "side_a": events["actor1"], "side_b": events["actor2"],
        "source_article": events["claimant"],
        "where_prec": [_precision_code(m, ucdp.WHERE_PREC_M) for m in precision],
        "where_coordinates": events["place_id"].map(places["name"]),
        "where_description": events["note"],
        "adm_1": events["place_id"].map(places["governorate"]),
        "latitude": events.geometry.y.round(6), "longitude": events.geometry.x.round(6),
        "geom_wkt": [f"POINT ({p.x:.6f} {p.y:.6f})" for p in events.geometry],
        "date_prec": [1 if s == 0 else 2 if s <= 6 else 3 if s == 7 else 4 if s <= 30 else 5 for s in span],
        "date_start": events["date"].dt.strftime("%Y-%m-%d"),
        "date_end": events["date_end"].fillna(events["date"]).dt.strftime("%Y-%m-%d"),
        # Our casualty sides are not GED's side_a/side_b: combatant deaths go to deaths_unknown.
        "deaths_civilians": _int(side("civilian")), "deaths_unknown": _int(unknown),
        "best": _int(events["event_id"].map(totals["best"])), "low": _int(events["event_id"].map(totals["low"])),
        "high": _int(events["event_id"].map(totals["high"])),
    })
    return frame.reindex(columns=list(ucdp.COLUMNS))


def _safe(frame, raw):
    from .writers import spreadsheet_safe

    return frame if raw else spreadsheet_safe(frame)


def write_acled(ds, folder, raw=False):
    from pathlib import Path

    target = Path(folder) / "acled.csv"
    _safe(acled_frame(ds), raw).to_csv(target, index=False)
    return [target]


def write_ucdp(ds, folder, raw=False):
    from pathlib import Path

    target = Path(folder) / "ucdp_ged.csv"
    _safe(ucdp_frame(ds), raw).to_csv(target, index=False)
    return [target]
