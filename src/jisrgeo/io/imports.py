"""Import event records from the standard conflict datasets (ACLED, UCDP GED) as a jisrgeo dataset.

The pipeline is shared; acled.py and ucdp.py say only how one of their rows becomes one of our
events. Rows stream from the CSV (any size, never all in memory as text), pass the filters, and are
grouped into places: rows naming the same location within its precision radius share one place.
Neither source records who controls what, so the result has no control changes; its period is the
span of the events. Actors become sides only through the user's mapping (--sides): an actor no rule
matches is listed in the report, never guessed.
"""

import csv
import fnmatch
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, Problem
from ..names import normalize

# Types the standard datasets need that ours lacks, declared in the written dataset.json.
EXTRA_EVENT_TYPES = {
    "attack_on_civilians": {"label": "attack on civilians", "symbol": "person-falling", "color": "#e31a1c"},
    "remote_explosive": {"label": "explosion / IED", "symbol": "bomb", "color": "#b15928"},
    "chemical_attack": {"label": "chemical attack", "symbol": "biohazard", "color": "#6a3d9a"},
    "protest": {"label": "protest", "symbol": "users", "color": "#666666"},
    "riot": {"label": "riot", "symbol": "fire", "color": "#ff7f00"},
    "strategic_development": {"label": "strategic development", "symbol": "chess", "color": "#666666"},
}
PLACE_KIND = "reported_location"
PLACE_KINDS = {PLACE_KIND: {"label": "reported location"}}


@dataclass
class Row:
    """One source row, in our terms; built by acled.row() or ucdp.row()."""

    line: int
    event_id: str
    date: str
    date_end: str | None
    date_precision: str
    lon: float
    lat: float
    precision_m: int
    location: str
    admin: tuple
    country: str
    type: str
    verbatim_type: str
    actor1: str
    actor2: str
    source: str
    deaths: list  # [(side or None, actor or None, low, best, high)]
    note: str
    location_source: str
    refs: list = field(default_factory=list)  # numbered when the sources are


@dataclass
class Filters:
    country: str | None = None
    start: str | None = None  # ISO dates compare as text
    end: str | None = None
    bbox: tuple | None = None  # west, south, east, north
    within: tuple | None = None  # lon, lat, metres

    def keep(self, row):
        if self.country and row.country.casefold() != self.country.casefold():
            return False
        if self.start and (row.date_end or row.date) < self.start:
            return False
        if self.end and row.date > self.end:
            return False
        if self.bbox and not (self.bbox[0] <= row.lon <= self.bbox[2] and self.bbox[1] <= row.lat <= self.bbox[3]):
            return False
        if self.within:
            from ..geodesy import GEOD

            return GEOD.inv(self.within[0], self.within[1], row.lon, row.lat)[2] <= self.within[2]
        return True


class SideRules:
    """Actor name -> side code, from the user's mapping: exact names (any case) first, then glob patterns."""

    def __init__(self, mapping=None):
        mapping = mapping or {}
        self.exact = {k.casefold(): v for k, v in mapping.items() if not any(c in k for c in "*?[")}
        self.patterns = [(k.casefold(), v) for k, v in mapping.items() if any(c in k for c in "*?[")]
        self.unmatched = {}

    @property
    def sides(self):
        return sorted(set(self.exact.values()) | {v for _, v in self.patterns})

    def side(self, actor):
        if not actor:
            return None
        key = actor.casefold()
        if key in self.exact:
            return self.exact[key]
        for pattern, side in self.patterns:
            if fnmatch.fnmatchcase(key, pattern):
                return side
        self.unmatched[actor] = self.unmatched.get(actor, 0) + 1
        return None


@dataclass
class Report:
    rows: int = 0
    imported: int = 0
    filtered: int = 0
    skipped: list = field(default_factory=list)  # (line, reason)
    unmatched_actors: dict = field(default_factory=dict)
    places: int = 0
    sources: int = 0

    def as_dict(self):
        return {"rows": self.rows, "imported": self.imported, "filtered_out": self.filtered,
                "skipped": [{"line": line, "reason": reason} for line, reason in self.skipped],
                "unmatched_actors": dict(sorted(self.unmatched_actors.items(), key=lambda kv: (-kv[1], kv[0]))),
                "places": self.places, "sources": self.sources}


def read_rows(path, make_row, required, filters, strict=False, on_progress=None):
    """(rows kept, Report) from a CSV: each record through make_row(record, line); bad rows reported."""
    report = Report()
    kept = []
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError([Problem(path.name, "", c, "column missing") for c in missing])
        for record in reader:
            line = reader.line_num
            report.rows += 1
            if on_progress and report.rows % 5000 == 0:
                on_progress(raw.tell(), size)
            try:
                if None in record or any(v is None for v in record.values()):
                    raise ValueError(f"{len(reader.fieldnames)} columns expected, the row has a different number")
                row = make_row(record, line)
            except ValueError as exc:
                if strict:
                    raise DataError([Problem(path.name, f"line {line}", "", str(exc))]) from None
                report.skipped.append((line, str(exc)))
                continue
            if filters.keep(row):
                kept.append(row)
            else:
                report.filtered += 1
        if on_progress:
            on_progress(size, size)
    return kept, report


def number(value, name, cast=float):
    try:
        return cast(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a number") from None


def coordinates(record, lat_key="latitude", lon_key="longitude"):
    lat, lon = record.get(lat_key, "").strip(), record.get(lon_key, "").strip()
    if not lat or not lon:
        raise ValueError("no coordinates (latitude/longitude empty)")
    lat, lon = number(lat, lat_key), number(lon, lon_key)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"coordinates out of range: {lat}, {lon}")
    return lon, lat


def slug(text):
    return re.sub(r"[^a-z0-9]+", "_", normalize(text)).strip("_") or "place"


def group_places(rows):
    """{row index: place dict}: rows naming the same location within its precision radius share a place."""
    from ..geodesy import GEOD

    places, by_name, of_row = [], {}, {}
    for i, row in enumerate(rows):
        key = normalize(row.location)
        for place in by_name.get(key, []):
            reach = max(place["precision_m"], row.precision_m)
            if GEOD.inv(place["lon"], place["lat"], row.lon, row.lat)[2] <= reach:
                place["refs"] |= set(row.refs)
                place["precision_m"] = min(place["precision_m"], row.precision_m)
                of_row[i] = place
                break
        else:
            place = {"name": row.location, "lon": row.lon, "lat": row.lat, "precision_m": row.precision_m,
                     "admin": row.admin, "location_source": row.location_source, "refs": set(row.refs)}
            places.append(place)
            by_name.setdefault(key, []).append(place)
            of_row[i] = place
    for same in by_name.values():  # a name that stays for places too far apart to be one: told apart by position
        for place in same[1:]:
            place["name"] = f"{place['name']} ({place['lat']:.3f} N, {place['lon']:.3f} E)"
    taken = set()
    for place in places:  # ids from names, numbered when a name repeats
        base = slug(place["name"])
        pid, n = base, 2
        while pid in taken:
            pid, n = f"{base}_{n}", n + 1
        taken.add(pid)
        place["place_id"] = pid
    return places, of_row


def build_folder(rows, report, name, origin, sides):
    """The dataset files (name -> JSON-able content or CSV rows) for the kept rows."""
    sources = {}
    for row in rows:
        row.refs = [sources.setdefault(row.source or f"{origin} (no source named)", len(sources) + 1)]
    places, of_row = group_places(rows)
    report.imported, report.places, report.sources = len(rows), len(places), len(sources)
    first_cited = {}
    for row in rows:
        first_cited[row.refs[0]] = min(first_cited.get(row.refs[0], row.date), row.date)
    place_features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                       "properties": {"place_id": p["place_id"], "name": p["name"], "aliases": [], "kind": PLACE_KIND,
                                      "governorate": p["admin"][0] if p["admin"] and p["admin"][0] else None,
                                      "precision_m": p["precision_m"], "location_source": p["location_source"],
                                      "refs": sorted(p["refs"]), "control": [],
                                      "note": ", ".join(a for a in p["admin"] if a) or None}}
                      for p in places]
    event_features = [_event_feature(row, of_row[i]["place_id"]) for i, row in enumerate(rows)]
    dates = sorted({r.date for r in rows} | {r.date_end for r in rows if r.date_end})
    meta = {"name": name, "source": f"Imported from {origin}; each event cites the source its record names",
            "sides": {code: {"label": code.replace("_", " ")} for code in sides},
            "event_types": EXTRA_EVENT_TYPES, "place_kinds": PLACE_KINDS}
    if dates:
        meta["period"] = {"start": dates[0], "end": dates[-1]}
    # As csv.DictReader reads sources.csv back: every value a string.
    source_rows = [{"ref": str(ref), "publisher": text, "title": f"{origin} records citing {text}", "language": "und",
                    "date": first_cited.get(ref, dates[0] if dates else "")} for text, ref in sources.items()]
    return {"dataset.json": meta, "places.geojson": {"type": "FeatureCollection", "features": place_features},
            "events.geojson": {"type": "FeatureCollection", "features": event_features}, "sources.csv": source_rows}


def _event_feature(row, place_id):
    casualties = [{"side": side or "unknown", "outcome": "killed",
                   **{k: v for k, v in (("low", low), ("best", best), ("high", high)) if v is not None},
                   **({"text": f"deaths of {actor}"} if actor and not side else {})}
                  for side, actor, low, best, high in row.deaths if (best or high or low)]
    props = {"event_id": row.event_id, "date": row.date, "date_end": row.date_end, "date_precision": row.date_precision,
             "place_id": place_id, "precision_m": row.precision_m, "type": row.type, "actor1": row.actor1 or None,
             "actor2": row.actor2 or None, "claimant": row.source or "not named", "casualties": casualties,
             "refs": row.refs, "note": row.note}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
            "properties": {k: v for k, v in props.items() if v is not None and v != []}}


def write_folder(files, out, replace=False, inputs=()):
    """Write the files into `out` through output.py (atomic; never over a folder that is not ours)."""
    import json

    from ..output import output_folder

    with output_folder(out, list(inputs), replace, prune=False) as tmp:
        for name, content in files.items():
            target = tmp / name
            if name.endswith(".csv"):
                with open(target, "w", encoding="utf-8", newline="") as handle:
                    fields = list(dict.fromkeys(key for row in content for key in row))
                    writer = csv.DictWriter(handle, fieldnames=fields)
                    writer.writeheader()
                    writer.writerows(content)
            elif name.endswith(".geojson"):
                # One feature per line: readable, diffable, and written by json's fast C encoder.
                lines = ",\n".join(json.dumps(f, ensure_ascii=False) for f in content["features"])
                target.write_text(f'{{"type": "FeatureCollection", "features": [\n{lines}\n]}}\n', encoding="utf-8")
            else:
                target.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return Path(out)


# -- the public entry points ------------------------------------------------------------------------

def tables_of(files, folder=None):
    """The checked tables (what Dataset() takes) of dataset files held in memory; DataError lists any problem.
    The Dataset itself is built above io (jisrgeo.read_acled, jisrgeo.read_ucdp): io never imports dataset."""
    from ..rules import check
    from .folder import frames

    data = {"meta": files["dataset.json"], "folder": folder, "nul_layers": set(),
            "places": files["places.geojson"], "events": files.get("events.geojson"), "routes": files.get("routes.geojson"),
            "sources": files.get("sources.csv"), "forces": files.get("forces.json"), "claims": files.get("claims.json")}
    problems = check(data)
    if problems:
        raise DataError(problems)
    return frames(data)




def merge_into(files, folder):
    """The files of dataset `folder` with the imported ones added as a separate claimant: imported places
    that name an existing place (any alias) within their precision radius become that place; sources
    and event ids are renumbered so nothing collides. The folder itself is never changed."""
    from .. import schema
    from ..geodesy import GEOD
    from .folder import layer_files, read_csv, read_json

    folder = Path(folder)
    declared = read_json(folder / "dataset.json") if (folder / "dataset.json").is_file() else {}
    # Written back under the default file names, so the layers map is no longer needed.
    meta = {k: v for k, v in declared.items() if k != "layers"}
    merged = {"dataset.json": meta}
    for layer, (file, _) in layer_files(folder, declared).items():
        if file.is_file():
            name = schema.FILES[layer]["file"]
            merged[name] = read_csv(file) if name.endswith(".csv") else read_json(file)
    places = merged["places.geojson"]["features"]
    events = merged.setdefault("events.geojson", {"type": "FeatureCollection", "features": []})["features"]
    sources = merged.setdefault("sources.csv", [])
    offset = max((int(s["ref"]) for s in sources), default=0)
    for source in files["sources.csv"]:
        sources.append({**source, "ref": str(int(source["ref"]) + offset)})
    names = {}
    for feature in places:
        props = feature["properties"]
        for alias in [props["name"], *(props.get("aliases") or [])]:
            names.setdefault(normalize(alias), []).append(feature)
    taken = {f["properties"]["place_id"] for f in places}
    renamed = {}
    for feature in files["places.geojson"]["features"]:
        props, (lon, lat) = feature["properties"], feature["geometry"]["coordinates"]
        match = next((f for f in names.get(normalize(props["name"]), [])
                      if GEOD.inv(*f["geometry"]["coordinates"][:2], lon, lat)[2] <= props["precision_m"]), None)
        if match is not None:
            renamed[props["place_id"]] = match["properties"]["place_id"]
            continue
        pid = props["place_id"]
        while pid in taken:
            pid += "_imported"
        taken.add(pid)
        renamed[props["place_id"]] = pid
        places.append({**feature, "properties": {**props, "place_id": pid, "refs": [r + offset for r in props["refs"]]}})
    for feature in files["events.geojson"]["features"]:
        props = feature["properties"]
        events.append({**feature, "properties": {**props, "place_id": renamed[props["place_id"]],
                                                 "refs": [r + offset for r in props["refs"]]}})
    imported = files["dataset.json"]
    for key in ("event_types", "place_kinds"):
        meta[key] = {**imported.get(key, {}), **meta.get(key, {})}
    if meta.get("sides"):  # a dataset that declares its sides gets the imported ones it lacks
        meta["sides"] = {**meta["sides"], **{k: v for k, v in imported["sides"].items() if k not in meta["sides"]}}
    if meta.get("period") and imported.get("period"):
        meta["period"] = {"start": min(meta["period"]["start"], imported["period"]["start"]),
                          "end": max(meta["period"]["end"], imported["period"]["end"])}
    return merged
