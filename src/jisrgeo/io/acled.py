"""ACLED rows as jisrgeo events (the mapping the README documents table by table)."""

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from . import owntags
from .imports import Row, SideRules, coordinates, number

REQUIRED = ("event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2",
            "country", "location", "latitude", "longitude", "geo_precision", "source", "fatalities")
# Codebook columns, in the order ACLED exports them (export --format acled writes these).
COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
           "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
           "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
           "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp")
# geo_precision: 1 the named town's own coordinates; 2 near a town, or a part of a region (the town's
# coordinates stand in); 3 only a larger region is known (its capital stands in). Radius of doubt, metres:
GEO_PRECISION_M = {1: 2_000, 2: 25_000, 3: 100_000}
PRECISION_M = GEO_PRECISION_M  # the radii a row may have (imports.Places indexes places by them)
# sub_event_type -> our event type (the verbatim type is kept in each event's note).
SUB_EVENT_TYPES = {
    "armed clash": "armed_clash",
    "government regains territory": "territory_taken",
    "non-state actor overtakes territory": "territory_taken",
    "non-violent transfer of territory": "territory_taken",
    "air/drone strike": "air_strike",
    "shelling/artillery/missile attack": "shelling",
    "suicide bomb": "suicide_attack",
    "remote explosive/landmine/ied": "remote_explosive",
    "grenade": "remote_explosive",
    "chemical weapon": "chemical_attack",
    "attack": "attack_on_civilians",
    "sexual violence": "attack_on_civilians",
    "abduction/forced disappearance": "capture",
    "arrests": "capture",
    "peaceful protest": "protest",
    "protest with intervention": "protest",
    "excessive force against protesters": "attack_on_civilians",
    "violent demonstration": "riot",
    "mob violence": "riot",
}
EVENT_TYPES = {"battles": "armed_clash", "explosions/remote violence": "shelling",
               "violence against civilians": "attack_on_civilians", "protests": "protest", "riots": "riot",
               "strategic developments": "strategic_development"}
SLUG = re.compile(r"^[a-z0-9_]+$")
# time_precision: 1 the day is known; 2 only the week (ACLED dates the event inside it); 3 only the month.
WEEK = timedelta(days=3)


def parse_date(text: str) -> date:
    """ISO (API downloads: 2015-04-25) or the long form of some exports (25 April 2015)."""
    text = text.strip()
    if len(text) == 10 and text[4] == "-":  # the usual ISO form, without strptime's locale lookups
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"event_date {text!r} is neither YYYY-MM-DD nor '25 April 2015'")


def dates(day: date, precision: int) -> tuple[str, str | None, str]:
    """(date, date_end, our date_precision) for an ACLED date and time_precision."""
    if precision == 1:
        return day.isoformat(), None, "day"
    if precision == 2:
        return (day - WEEK).isoformat(), (day + WEEK).isoformat(), "range"
    if precision == 3:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return first.isoformat(), last.isoformat(), "month"
    raise ValueError(f"time_precision {precision} is not 1, 2 or 3")


def row(record: Mapping[str, str], line: int, sides: SideRules) -> Row:
    day = parse_date(record["event_date"])
    precision = number(record["time_precision"], "time_precision", int)
    start, end, our_precision = dates(day, precision)
    lon, lat = coordinates(record)
    geo = number(record["geo_precision"], "geo_precision", int)
    if geo not in GEO_PRECISION_M:
        raise ValueError(f"geo_precision {geo} is not 1, 2 or 3")
    verbatim = f"{record['event_type']} / {record['sub_event_type']}"
    mapped = SUB_EVENT_TYPES.get(record["sub_event_type"].strip().casefold())
    kind = mapped or EVENT_TYPES.get(record["event_type"].strip().casefold(), "strategic_development")
    fatalities = number(record["fatalities"] or 0, "fatalities", int)
    tags = owntags.read(record.get("tags"))
    owntags.learn(tags, sides)
    deaths = [(None, None, None, fatalities, None)] if fatalities else []  # one toll, no side: unknown
    if tags["killed"] and sum(best or 0 for _, _, best, _ in tags["killed"]) == fatalities:
        deaths = [(side, None, low, best, high) for side, low, best, high in tags["killed"]]
    if SLUG.match(tags.get("type", "")):
        kind = mapped = tags["type"]  # our own type: mapped
    for actor in (record["actor1"], record["actor2"]):
        sides.side(actor)  # unmapped actors are listed in the report
    notes = record.get("notes", "").strip()
    iso = (record.get("iso") or "").strip()
    row = Row(line=line, event_id=f"acled_{record['event_id_cnty'].strip()}", date=start, date_end=end,
               date_precision=our_precision, lon=lon, lat=lat, precision_m=GEO_PRECISION_M[geo],
               location=record["location"].strip() or f"{lat:.4f}, {lon:.4f}",
               admin=tuple(record.get(k, "").strip() for k in ("admin1", "admin2", "admin3")),
               country=record["country"].strip(), type=kind, verbatim_type=verbatim,
               actor1=record["actor1"].strip(), actor2=record["actor2"].strip(), source=record["source"].strip(),
               deaths=deaths, incident=tags.get("incident") or None,
               unmapped_type=None if mapped or record["sub_event_type"].strip().casefold() == "other" else verbatim,
               note=f"ACLED {verbatim} (time_precision {precision}, geo_precision {geo}). {notes}".strip(),
               location_source=f"ACLED geo_precision {geo} (±{GEO_PRECISION_M[geo]:,} m)",
               country_meta={"name": record["country"].strip(), **({"iso": int(iso)} if iso.isdigit() else {})})
    owntags.restore(row, tags, fatalities, day.isoformat())
    return row
