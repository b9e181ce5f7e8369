"""Our events in the column layouts of ACLED and UCDP GED, so they join with those datasets in any tool.

Self-describing: each side has one name in actor1/actor2 and side_a/side_b (its label; the actor's own
words go to assoc_actor_1/2), massacre allegations leave with no deaths counted and a note saying so, and
what the codebooks cannot hold (every figure as stated, exact dates, our type, the sides' labels and
colours, the country) rides in ACLED's `tags` and GED's `source_original` (io/owntags.py), which our
importers read back. Columns we have no value for stay empty. The reverse of jisrgeo.io.acled / io.ucdp.
"""

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..claims import allegation_mask, killed_figures
from ..io import acled, owntags, ucdp
from ..io.imports import SideRules

# `ds` arguments are typed Any: a Dataset (or a path jisrgeo.load opens), not imported here, as even
# a TYPE_CHECKING import of jisrgeo.dataset reads as an import cycle to tests/test_layers.py.

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


# How an allegation is marked where other tools read: the note says whose claim it is and that no death is counted.
ALLEGATION_NOTE = "Allegation by {claimant}, not a count of deaths: the figures are in the tags. "


def actor_rules(ds: Any) -> SideRules:
    """SideRules from the sides' declared `actors` (dataset.json), then their labels and codes."""
    mapping: dict[str, str] = {}
    for code, entry in (ds.meta.get("sides") or {}).items():
        actors = entry.get("actors") if isinstance(entry, dict) else None
        for pattern in actors if isinstance(actors, list) else []:
            if isinstance(pattern, str) and pattern.strip():
                mapping.setdefault(pattern.strip(), code)
    for code, side in ds.vocabulary.sides.items():
        mapping.setdefault(side.label, code)
        mapping.setdefault(code, code)
    return SideRules(mapping)


def actor_side(rules: SideRules, actor: object) -> str | None:
    """The side of an actor as events write it ('al-Nusra Front; Ahrar al-Sham': the first part a side names)."""
    if not isinstance(actor, str):
        return None
    for part in actor.split(";"):
        side = rules.side(part.strip()) if part.strip() else None
        if side:
            return side
    return None


def _killed(ds, events):
    """Per exported event: low/best/high killed in all, and per side (columns (measure, side)); allegations
    count no deaths."""
    killed = killed_figures(ds)
    documented = events.loc[~allegation_mask(events["type"]), "event_id"]
    killed = killed[killed["event_id"].isin(documented)]
    totals = killed.groupby("event_id")[["low", "best", "high"]].sum(min_count=1)
    by_side = killed.groupby(["event_id", "side"])[["low", "best", "high"]].sum(min_count=1).unstack("side")
    # "at least N" / "more than N" states no high: the event's high is then unknown, never N.
    c = ds.casualties
    open_ended = c[(c["kind"] == "casualties") & (c["outcome"] == "killed") & c["qualifier"].isin(["at_least", "more_than"])
                   & c["high"].isna()]["event_id"]
    totals.loc[totals.index.isin(open_ended), "high"] = float("nan")
    return totals, by_side


def _int(series):
    return series.round().astype("Int64")


def _precision_code(metres, table):
    """The smallest code whose radius covers `metres`."""
    for code, radius in sorted(table.items(), key=lambda kv: kv[1]):
        if metres <= radius:
            return code
    return max(table, key=table.get)


def _figures(ds, events):
    """{event_id: [figure dicts as stated]} of the exported events' casualty figures."""
    c = ds.casualties[(ds.casualties["kind"] == "casualties") & ds.casualties["event_id"].isin(events["event_id"])]
    out = {}
    for record in c.to_dict("records"):
        out.setdefault(record.pop("event_id"), []).append(record)
    return out


def _base(ds):
    """The events that are one incident each (period tolls left out: a toll over weeks is not an event
    in ACLED's or GED's sense, and adding it to theirs would count its deaths twice)."""
    events = ds.events[~ds.events["aggregate"].astype(bool)].reset_index(drop=True)
    places = ds.places.set_index("place_id")
    totals, by_side = _killed(ds, events)
    span = (events["date_end"] - events["date"]).dt.days.fillna(0)
    precision = events["precision_m"].fillna(events["place_id"].map(places["precision_m"])).astype(float)
    return events, places, totals, by_side, span, precision


def _words(value):
    return value.strip() if isinstance(value, str) else ""


def _tags(ds, events, actor_sides):
    """Per event, our tags (io/owntags.py); the first row also declares every side and the country."""
    figures = _figures(ds, events)
    sides = ds.vocabulary.sides
    out = []
    for i, event in enumerate(events.itertuples(index=False)):
        own = figures.get(event.event_id, [])
        named = [s for s in (*actor_sides[i], *(f["side"] for f in own)) if s in sides]
        declared = list(sides) if i == 0 else list(dict.fromkeys(named))
        # Always written: the importer renames events, so an incident named after its first event needs saying.
        incident = event.incident if isinstance(event.incident, str) and event.incident else event.event_id
        end = event.date_end.strftime("%Y-%m-%d") if pd.notna(event.date_end) else None
        out.append(owntags.write(event.type, incident, event.refs,
                                 (event.date.strftime("%Y-%m-%d"), end, event.date_precision),
                                 (_words(event.actor1), _words(event.actor2)), own,
                                 [(code, sides[code]) for code in declared], ds.meta.get("country") if i == 0 else None))
    return out


def _notes(events, text):
    """The note, or for an allegation the note after a mark other tools show."""
    alleged = allegation_mask(events["type"])
    return [ALLEGATION_NOTE.format(claimant=c) + (n if isinstance(n, str) else "") if a else n
            for a, c, n in zip(alleged, events["claimant"], text)]


def _country(ds, key):
    country = ds.meta.get("country")
    return country.get(key) if isinstance(country, dict) else None


def export_report(ds: Any, fmt: str, types: Mapping[str, Any] | None = None) -> dict[str, Any]:
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


def acled_frame(ds: Any, types: Mapping[str, str | Sequence[str]] | None = None) -> pd.DataFrame:
    """Our events as ACLED rows (codebook column names and order); period tolls are left out (see
    export_report). types: {our type: (event_type, sub_event_type)} for types ours does not map."""
    events, places, totals, _, span, precision = _base(ds)
    kinds = [_acled_type(t, types or {}) for t in events["type"]]
    rules = actor_rules(ds)
    actor_sides = [(actor_side(rules, a1), actor_side(rules, a2)) for a1, a2 in zip(events["actor1"], events["actor2"])]
    label = ds.vocabulary.label

    columns = {}
    for n, key in ((1, "actor1"), (2, "actor2")):
        codes = [pair[n - 1] for pair in actor_sides]
        words = [_words(w) for w in events[key]]
        columns[key] = [label(c) if c else w for c, w in zip(codes, words)]
        columns[f"assoc_actor_{n}"] = [w if c and w != label(c) else "" for c, w in zip(codes, words)]
    alleged = allegation_mask(events["type"]).to_numpy()
    fatalities = events["event_id"].map(totals["best"]).fillna(0)
    frame = pd.DataFrame({
        "event_id_cnty": events["event_id"],
        "event_date": events["date"].dt.strftime("%Y-%m-%d"),
        "year": events["date"].dt.year,
        "time_precision": [1 if s == 0 else 2 if s <= 7 else 3 for s in span],
        "event_type": [t[0] for t in kinds], "sub_event_type": [t[1] for t in kinds],
        **columns,
        "iso": _country(ds, "iso"), "country": _country(ds, "name"),
        "admin1": events["place_id"].map(places["governorate"]),
        "location": events["place_id"].map(places["name"]),
        "latitude": events.geometry.y.round(6), "longitude": events.geometry.x.round(6),
        "geo_precision": [_precision_code(m, acled.GEO_PRECISION_M) for m in precision],
        "source": events["claimant"], "notes": _notes(events, events["note"]),
        "fatalities": _int(fatalities.where(~alleged, 0)),
        "tags": _tags(ds, events, actor_sides),
    })
    return frame.reindex(columns=list(acled.COLUMNS))


def _ucdp_sides(ds, events, by_side, actor_sides):
    """Per event: side_a/side_b, each a side's label: the actors' sides first, then the sides with deaths
    (in the dataset's order); an actor of no side keeps its words. deaths_a/deaths_b are those sides' deaths,
    deaths_unknown the rest but civilians (other sides' too: GED has two sides)."""
    best = by_side["best"] if len(by_side) else pd.DataFrame()
    order = list(ds.vocabulary.sides)
    rows = []
    for i, (event_id, actor1, actor2) in enumerate(zip(events["event_id"], events["actor1"], events["actor2"])):
        figures = best.loc[event_id].dropna() if event_id in best.index else pd.Series(dtype=float)
        named = list(dict.fromkeys(s for s in (*actor_sides[i], *(s for s in order if s in figures.index)) if s))[:2]
        labels = [ds.vocabulary.label(s) for s in named]
        for code, words in zip(actor_sides[i], (actor1, actor2)):
            if len(labels) < 2 and not code and _words(words):
                labels.append(_words(words))
        labels += [None] * (2 - len(labels))
        deaths = [figures.get(s) for s in named] + [None] * (2 - len(named))
        rest = [figures[s] for s in figures.index if s not in named and s != "civilian"]
        rows.append((labels[0], labels[1], deaths[0], deaths[1], sum(rest) if rest else None))
    return pd.DataFrame(rows, columns=["side_a", "side_b", "deaths_a", "deaths_b", "deaths_unknown"])


def ucdp_frame(ds: Any, types: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Our events as UCDP GED rows (codebook column names and order); period tolls are left out (see
    export_report). types: {our type: type_of_violence 1, 2 or 3} for types ours does not map."""
    events, places, totals, by_side, span, precision = _base(ds)
    rules = actor_rules(ds)
    actor_sides = [(actor_side(rules, a1), actor_side(rules, a2)) for a1, a2 in zip(events["actor1"], events["actor2"])]
    sides = _ucdp_sides(ds, events, by_side, actor_sides)
    civilian = by_side[("best", "civilian")] if ("best", "civilian") in by_side.columns else pd.Series(dtype=float)
    violence = {**{t: 3 for t in ONE_SIDED}, **(types or {})}
    alleged = allegation_mask(events["type"]).to_numpy()

    def deaths(values: pd.Series | Sequence[float]) -> pd.Series:  # an allegation counts no deaths: 0, as GED writes an event with none
        return _int(pd.Series(values, dtype=float).where(~alleged, 0))

    frame = pd.DataFrame({
        # relid carries the incident: rival claims about one incident share it (GED's own relids are unique).
        "id": events["event_id"], "relid": events["incident"].fillna(events["event_id"]), "year": events["date"].dt.year,
        "type_of_violence": [int(violence.get(t, 1)) for t in events["type"]],
        "dyad_name": [" - ".join(s for s in (a, b) if isinstance(s, str) and s) or None for a, b in zip(sides["side_a"], sides["side_b"])],
        "side_a": sides["side_a"], "side_b": sides["side_b"],
        "source_article": events["claimant"],
        "source_headline": _notes(events, events["note"]),
        "source_original": _tags(ds, events, actor_sides),
        "where_prec": [_precision_code(m, ucdp.WHERE_PREC_M) for m in precision],
        "where_coordinates": events["place_id"].map(places["name"]),
        "where_description": events["place_id"].map(places["name"]),
        "adm_1": events["place_id"].map(places["governorate"]),
        "latitude": events.geometry.y.round(6), "longitude": events.geometry.x.round(6),
        "geom_wkt": [f"POINT ({p.x:.6f} {p.y:.6f})" for p in events.geometry],
        "country": _country(ds, "name"), "country_id": _country(ds, "gwno"),
        "event_clarity": [2 if a else None for a in alleged],
        "date_prec": [1 if s == 0 else 2 if s <= 6 else 3 if s == 7 else 4 if s <= 30 else 5 for s in span],
        "date_start": events["date"].dt.strftime("%Y-%m-%d"),
        "date_end": events["date_end"].fillna(events["date"]).dt.strftime("%Y-%m-%d"),
        "deaths_a": deaths(sides["deaths_a"]), "deaths_b": deaths(sides["deaths_b"]),
        "deaths_civilians": deaths(events["event_id"].map(civilian)),
        "deaths_unknown": deaths(sides["deaths_unknown"]),
        "best": deaths(events["event_id"].map(totals["best"])), "low": deaths(events["event_id"].map(totals["low"])),
        "high": _int(events["event_id"].map(totals["high"]).astype(float).where(~alleged, 0)),
    })
    frame["event_clarity"] = frame["event_clarity"].astype("Int64")
    frame["country_id"] = frame["country_id"].astype("Int64") if frame["country_id"].notna().any() else frame["country_id"]
    return frame.reindex(columns=list(ucdp.COLUMNS))


def _safe(frame, raw):
    from .cells import spreadsheet_safe

    return frame if raw else spreadsheet_safe(frame)


def write_acled(ds: Any, folder: str | os.PathLike, types: Mapping[str, str | Sequence[str]] | None = None,
                raw: bool = False) -> list[Path]:
    """Write folder/acled.csv (acled_frame); text a spreadsheet would run as a formula is defused unless raw=True.
    Returns the paths written."""
    target = Path(folder) / "acled.csv"
    _safe(acled_frame(ds, types), raw).to_csv(target, index=False)
    return [target]


def write_ucdp(ds: Any, folder: str | os.PathLike, types: Mapping[str, int] | None = None,
               raw: bool = False) -> list[Path]:
    """Write folder/ucdp_ged.csv (ucdp_frame); text a spreadsheet would run as a formula is defused unless raw=True.
    Returns the paths written."""
    target = Path(folder) / "ucdp_ged.csv"
    _safe(ucdp_frame(ds, types), raw).to_csv(target, index=False)
    return [target]
