"""Import event records from the standard conflict datasets (ACLED, UCDP GED) as a jisrgeo dataset.

The pipeline is shared; acled.py and ucdp.py say only how one of their rows becomes one of our
events. Rows stream from the CSV (any size, never all in memory as text), pass the filters, and are
grouped into places: rows naming the same location within its precision radius share one place.
Neither source records who controls what, so the result has no control changes; its period is the
span of the events. Actors become sides only through the user's mapping (--sides): an actor no rule
matches is listed in the report, never guessed.
"""

import contextlib
import csv
import fnmatch
import io
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any



from .. import schema
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

# A dataset's files held in memory, by file name: "dataset.json" (a dict), "places.geojson" and
# "events.geojson" (FeatureCollection dicts), "sources.csv" (rows of str, as csv.DictReader gives them).
Files = dict[str, Any]
# A GeoJSON Feature as a dict.
Feature = dict[str, Any]


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
    incident: str | None = None  # rival claims about one incident share it
    unmapped_type: str | None = None  # the source's type when no rule of ours maps it (reported)
    figures: list | None = None  # every figure as our own export stated it (owntags), in place of deaths
    declared_sides: dict = field(default_factory=dict)  # {code: {label, color, allies, neutral}} our export declared
    country_meta: dict | None = None  # {name, iso, gwno}: the country as the row states it


@dataclass
class Filters:
    country: str | None = None
    start: str | None = None  # ISO dates compare as text
    end: str | None = None
    bbox: tuple | None = None  # west, south, east, north
    within: tuple | None = None  # lon, lat, metres

    def keep(self, row: Row) -> bool:
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
    def sides(self) -> list[str]:
        return sorted(set(self.exact.values()) | {v for _, v in self.patterns})

    def learn(self, name: str, side: str) -> None:
        """A side our own export declared: its label names it, unless the user's rules name it already."""
        self.exact.setdefault(name.casefold(), side)

    def side(self, actor: str | None) -> str | None:
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
    skipped_rows: int = 0
    skipped: list = field(default_factory=list)  # (line, reason), the first MAX_LISTED
    unmatched_actors: dict = field(default_factory=dict)
    places: int = 0
    sources: int = 0
    unmapped_types: dict = field(default_factory=dict)
    encoding: str = "utf-8"
    encoding_note: str | None = None
    cut: list = field(default_factory=list)  # (line, column, length), the first MAX_LISTED
    cut_fields: int = 0

    def skip(self, line: int, reason: str) -> None:
        self.skipped_rows += 1
        if len(self.skipped) < MAX_LISTED:
            self.skipped.append((line, reason))

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "imported": self.imported, "filtered_out": self.filtered,
                "skipped_rows": self.skipped_rows,
                "skipped": [{"line": line, "reason": reason} for line, reason in self.skipped],
                "unmatched_actors": dict(sorted(self.unmatched_actors.items(), key=lambda kv: (-kv[1], kv[0]))),
                "places": self.places, "sources": self.sources,
                "unmapped_types": dict(sorted(self.unmapped_types.items())), "encoding": self.encoding,
                "encoding_note": self.encoding_note,
                "cut_fields": self.cut_fields,
                "cut": [{"line": line, "column": column, "length": length} for line, column, length in self.cut]}


# Text fields longer than this many characters are cut to it (and the cut is reported).
MAX_FIELD = 32_768
# A field beyond this many characters is no CSV field (a binary file, a lost quote): the import stops.
PARSER_LIMIT = 16 * 2**20
# Skipped rows and cut fields listed one by one in the report; the rest are counted.
MAX_LISTED = 1000
ENCODINGS = ("utf-8", "cp1252", "latin-1")


def open_input(path: str | os.PathLike[str]) -> IO[bytes]:
    """A binary handle on a regular file; a device, pipe or socket (/dev/zero) is refused before a byte is read."""
    import os
    import stat

    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise DataError([Problem(path.name, "", "", f"cannot read {path}: {exc.strerror or exc}")]) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DataError([Problem(path.name, "", "", "not a regular file (a device, pipe or socket): refused")])
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def detect_encoding(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """(codec, note): UTF-8 when every byte decodes as UTF-8, else Windows-1252 when every byte does, else
    Latin-1 (which decodes any byte). One pass over the file in blocks, before any row is read."""
    import codecs

    for codec in ENCODINGS[:-1]:
        decoder = codecs.getincrementaldecoder(codec)()
        offset = 0
        try:
            with open_input(path) as raw:
                for block in iter(lambda: raw.read(1 << 20), b""):
                    decoder.decode(block)
                    offset += len(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if codec == "utf-8":
                first_bad = offset + exc.start
            continue
        if codec == "utf-8":
            return "utf-8-sig", None
        return codec, f"not UTF-8 (byte {first_bad:,}): read as {codec}"
    return ENCODINGS[-1], f"not UTF-8 (byte {first_bad:,}) nor Windows-1252: read as latin-1"


@contextlib.contextmanager
def _parser_limit():
    # The csv module's field limit (128 KiB) is process-wide: raised for this reading only, then put back.
    previous = csv.field_size_limit()
    csv.field_size_limit(PARSER_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _clean(record, line, report):
    """The record's values: NUL taken out, our spreadsheet apostrophe taken off, overlong text cut."""
    joined = "".join(v for v in record.values() if isinstance(v, str))
    if "\x00" not in joined and "'" not in joined and len(joined) <= MAX_FIELD:
        return record  # the usual row: nothing to take out, nothing too long
    out = {}
    for key, value in record.items():
        if isinstance(value, str) and value:
            if "\x00" in value:
                value = value.replace("\x00", "")
            if value[0] == "'" and value[1:2] in schema.FORMULA_START:
                value = value[1:]
            if len(value) > MAX_FIELD:
                report.cut_fields += 1
                if len(report.cut) < MAX_LISTED:
                    report.cut.append((line, key, len(value)))
                value = value[:MAX_FIELD]
        out[key] = value
    return out


def read_rows(path: str | os.PathLike[str], make_row: Callable[[dict[str, str], int], Row], required: Iterable[str],
              filters: Filters, strict: bool = False, on_progress: Callable[[int, int], object] | None = None,
              report: Report | None = None) -> Iterator[Row]:
    """Yield the rows kept from a CSV, each record through make_row(record, line); bad rows go to `report`.

    A generator: rows stream from the file and are never all held in memory."""
    report = report if report is not None else Report()
    path = Path(path)
    codec, report.encoding_note = detect_encoding(path)
    report.encoding = codec.replace("-sig", "")
    with open_input(path) as raw, _parser_limit():
        size = os.fstat(raw.fileno()).st_size
        text = io.TextIOWrapper(raw, encoding=codec, newline="")
        reader = csv.DictReader(text)
        try:
            fieldnames = reader.fieldnames or []
        except csv.Error as exc:
            raise DataError([Problem(path.name, "line 1", "", f"not a CSV header: {exc}")]) from None
        missing = [c for c in required if c not in fieldnames]
        if missing:
            raise DataError([Problem(path.name, "", c, "column missing") for c in missing])
        seen = set()
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise DataError([Problem(path.name, f"line {reader.line_num}", "", f"unreadable CSV: {exc}")]) from None
            line = reader.line_num
            report.rows += 1
            if on_progress and report.rows % 5000 == 0:
                on_progress(raw.tell(), size)
            try:
                if None in record or any(v is None for v in record.values()):
                    raise ValueError(f"{len(fieldnames)} columns expected, the row has a different number")
                row = make_row(_clean(record, line, report), line)
                if row.event_id in seen:
                    raise ValueError(f"event id {row.event_id[:60]!r} repeats an earlier row")
                for day in (row.date, row.date_end):
                    if day is not None and not (schema.DATE_MIN <= day <= schema.DATE_MAX):
                        raise ValueError(f"date {day} lies outside {schema.DATE_MIN}..{schema.DATE_MAX}")
            except ValueError as exc:
                if strict:
                    raise DataError([Problem(path.name, f"line {line}", "", str(exc))]) from None
                report.skip(line, str(exc))
                continue
            if filters.keep(row):
                seen.add(row.event_id)
                if row.unmapped_type:
                    report.unmapped_types[row.unmapped_type] = report.unmapped_types.get(row.unmapped_type, 0) + 1
                yield row
            else:
                report.filtered += 1
        if on_progress:
            on_progress(size, size)


def number(value: object, name: str, cast: Callable[[Any], Any] = float) -> Any:
    try:
        return cast(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a number") from None


def coordinates(record: Mapping[str, str], lat_key: str = "latitude", lon_key: str = "longitude") -> tuple[float, float]:
    lat, lon = record.get(lat_key, "").strip(), record.get(lon_key, "").strip()
    if not lat or not lon:
        raise ValueError("no coordinates (latitude/longitude empty)")
    lat, lon = number(lat, lat_key), number(lon, lon_key)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"coordinates out of range: {lat}, {lon}")
    return lon, lat


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", normalize(text)).strip("_") or "place"


# Angles are taken on a sphere of this radius; the margin of 1 % in the cell size covers the ellipsoid
# (its meridian radius of curvature is 6,335 km at the equator).
EARTH_MIN_RADIUS_M = 6_356_000
NEIGHBOURS = sorted(((dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)),
                    key=lambda d: abs(d[0]) + abs(d[1]) + abs(d[2]))  # the row's own cell first


class Places:
    """Rows grouped into places as they stream: a row joins the first place (in the order they were made)
    with its normalized name whose point lies within max(the place's precision, the row's) of the row;
    otherwise it makes a new place. A place takes the finest precision of its rows.

    Candidates come from grid indexes on the unit sphere (sound at the poles and across the antimeridian),
    one per precision level L the source uses, with cells about L wide: `within[L]` holds the places made
    by a row of precision L or finer, `made[L]` those made by a row of precision exactly L. A row of
    precision P looks at the 27 cells around it in within[P] (places that reach it only within P) and in
    made[L] for each coarser L (places made at L are more than L apart, so a few per cell); each cell's list
    is in the order places were made and is read only up to the best match found so far.
    """

    def __init__(self, levels):
        self.levels = sorted(set(levels))
        self.list = []
        self.within = {level: {} for level in self.levels}
        self.made = {level: {} for level in self.levels}
        self.keys = {}
        self.last = {}  # (key, lon, lat, precision) -> (place index, metres to it): repeated points

    def _key(self, name):
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = normalize(name)
        return key

    @staticmethod
    def _cell(lon, lat, level):
        size = 2 * math.sin(level / EARTH_MIN_RADIUS_M / 2) * 1.01
        lon, lat = math.radians(lon), math.radians(lat)
        x, y, z = math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)
        return math.floor(x / size), math.floor(y / size), math.floor(z / size)

    def _first(self, key, row):
        """(index, metres) of the first place `row` joins, or (None, 0)."""
        from ..geodesy import GEOD

        best, best_m = None, 0.0
        for level in self.levels:
            if level < row.precision_m:
                continue
            grid = (self.within if level == row.precision_m else self.made)[level]
            cx, cy, cz = self._cell(row.lon, row.lat, level)
            for dx, dy, dz in NEIGHBOURS:
                for i in grid.get((key, cx + dx, cy + dy, cz + dz), ()):
                    if best is not None and i >= best:
                        break
                    place = self.list[i]
                    metres = GEOD.inv(place["lon"], place["lat"], row.lon, row.lat)[2]
                    if metres <= max(place["precision_m"], row.precision_m):
                        best, best_m = i, metres
                        break
        return best, best_m

    def add(self, row: Row) -> int:
        """The index of the place `row` belongs to (made if need be)."""
        key = self._key(row.location)
        point = (key, row.lon, row.lat, row.precision_m)
        known = self.last.get(point)
        # The same point again: the place it joined is still the first within reach if it still reaches it
        # (places made before it did not reach it then, and their precision only ever shrinks).
        if known is not None and known[1] <= max(self.list[known[0]]["precision_m"], row.precision_m):
            index, metres = known
        else:
            index, metres = self._first(key, row)
            if index is None:
                index, metres = self._make(key, row), 0.0
        place = self.list[index]
        place["refs"].update(row.refs)
        place["precision_m"] = min(place["precision_m"], row.precision_m)
        self.last[point] = (index, metres)
        return index

    def _make(self, key, row):
        index = len(self.list)
        self.list.append({"name": row.location, "key": key, "lon": row.lon, "lat": row.lat,
                          "precision_m": row.precision_m, "admin": row.admin, "location_source": row.location_source,
                          "refs": set()})
        for level in self.levels:
            if level >= row.precision_m:
                self.within[level].setdefault((key, *self._cell(row.lon, row.lat, level)), []).append(index)
        self.made[row.precision_m].setdefault((key, *self._cell(row.lon, row.lat, row.precision_m)), []).append(index)
        return index

    def finish(self) -> list[dict[str, Any]]:
        """Names told apart by position where one name stays for places too far apart to be one; ids from names."""
        count: dict[str, int] = {}
        for place in self.list:
            count[place["key"]] = count.get(place["key"], 0) + 1
        first = set()
        for place in self.list:
            if count[place["key"]] > 1 and place["key"] in first:
                place["name"] = f"{place['name']} ({place['lat']:.3f} N, {place['lon']:.3f} E)"
            first.add(place["key"])
        taken = set()
        for place in self.list:  # ids from names, numbered when a name repeats
            base = slug(place["name"])
            pid, n = base, 2
            while pid in taken:
                pid, n = f"{base}_{n}", n + 1
            taken.add(pid)
            place["place_id"] = pid
        return self.list


PLACEHOLDER = "\x00"
PLACEHOLDER_JSON = '"\\u0000"'


class Scan:
    """One pass over a source CSV: events spooled to a temporary file (one JSON line each, with the index of
    their place), places, sources and dates kept; memory grows with places and sources, not rows."""

    def __init__(self, origin, levels, spool_dir=None):
        import tempfile

        self.origin = origin
        self.places = Places(levels)
        self.sources = {}
        self.first_cited = {}
        self.start = self.end = None
        self.events = 0
        self.named_sides, self.types = set(), set()
        self.declared_sides, self.countries = {}, {}
        self.spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8", dir=spool_dir)

    def add(self, row: Row) -> None:
        import json

        ref = self.sources.setdefault(row.source or f"{self.origin} (no source named)", len(self.sources) + 1)
        row.refs = [ref]
        self.first_cited[ref] = min(self.first_cited.get(ref, row.date), row.date)
        index = self.places.add(row)
        last = row.date_end or row.date
        self.start = row.date if self.start is None else min(self.start, row.date)
        self.end = last if self.end is None else max(self.end, last)
        self.events += 1
        # Side codes our own exports name (ACLED tags) join the user's mapped sides; so do their event types.
        self.named_sides.update(side for side, *_ in row.deaths if side and side not in ("civilian", "unknown"))
        self.named_sides.update(f["side"] for f in row.figures or () if f["side"] not in ("civilian", "unknown"))
        for code, entry in row.declared_sides.items():
            self.declared_sides.setdefault(code, entry)
        if row.country_meta and row.country_meta.get("name"):
            known = self.countries.setdefault(row.country_meta["name"], {})
            known.update({k: v for k, v in row.country_meta.items() if v})
        self.types.add(row.type)
        # The place id is known only at the end: a NUL stands for it (no value holds one, _clean takes them out).
        self.spool.write(f"{index}\t{json.dumps(_event_feature(row, PLACEHOLDER), ensure_ascii=False)}\n")

    def events_lines(self) -> Iterator[tuple[str, Feature]]:
        """Each spooled event as (JSON text, feature) with its final place id."""
        import json

        places = self.places.list
        self.spool.seek(0)
        for line in self.spool:
            index, text = line.rstrip("\n").split("\t", 1)
            text = text.replace(PLACEHOLDER_JSON, json.dumps(places[int(index)]["place_id"], ensure_ascii=False), 1)
            yield text, json.loads(text)

    def files(self, name: str, sides: Iterable[str]) -> Files:
        """The dataset files but events.geojson (streamed by events_lines): dataset.json, places, sources."""
        places = self.places.finish()
        place_features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                           "properties": {"place_id": p["place_id"], "name": p["name"], "aliases": [], "kind": PLACE_KIND,
                                          "governorate": p["admin"][0] if p["admin"] and p["admin"][0] else None,
                                          "precision_m": p["precision_m"], "location_source": p["location_source"],
                                          "refs": sorted(p["refs"]), "control": [],
                                          "note": ", ".join(a for a in p["admin"] if a) or None}}
                          for p in places]
        sides = sorted(set(sides) | self.named_sides)
        meta = {"name": name, "source": f"Imported from {self.origin}; each event cites the source its record names",
                # Sides our own export declared come back with their labels, colours and alliances.
                "sides": {code: self.declared_sides.get(code) or {"label": code.replace("_", " ")} for code in sides},
                "event_types": {**EXTRA_EVENT_TYPES, **_declared_types(self.types)}, "place_kinds": PLACE_KINDS}
        if self.start:
            meta["period"] = {"start": self.start, "end": self.end}
        if len(self.countries) == 1:  # one country in all the rows: the dataset's
            meta["country"] = next({"name": n, **codes} for n, codes in self.countries.items())
        # As csv.DictReader reads sources.csv back: every value a string.
        source_rows = [{"ref": str(ref), "publisher": text, "title": f"{self.origin} records citing {text}",
                        "language": "und", "date": self.first_cited.get(ref, self.start or "")}
                       for text, ref in self.sources.items()]
        return {"dataset.json": meta, "places.geojson": {"type": "FeatureCollection", "features": place_features},
                "sources.csv": source_rows}


def _declared_types(types):
    from ..sides import BUILTIN_VOCABULARIES

    known = set(BUILTIN_VOCABULARIES["event_types"]) | set(EXTRA_EVENT_TYPES)
    return {t: {"label": t.replace("_", " ")} for t in sorted(set(types) - known)}


def _event_feature(row, place_id):
    if row.figures is not None:
        return _feature(row, place_id, [{k: v for k, v in f.items() if v is not None} for f in row.figures])
    casualties = [{"side": side or "unknown", "outcome": "killed",
                   **{k: v for k, v in (("low", low), ("best", best), ("high", high)) if v is not None},
                   **({"text": f"deaths of {actor}"} if actor and not side else {})}
                  for side, actor, low, best, high in row.deaths if (best or high or low)]
    return _feature(row, place_id, casualties)


def _feature(row, place_id, casualties):
    props = {"event_id": row.event_id, "date": row.date, "date_end": row.date_end, "date_precision": row.date_precision,
             "place_id": place_id, "precision_m": row.precision_m, "type": row.type, "actor1": row.actor1 or None,
             "actor2": row.actor2 or None, "claimant": row.source or "not named", "casualties": casualties,
             "incident": row.incident, "refs": row.refs, "note": row.note}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
            "properties": {k: v for k, v in props.items() if v is not None and v != []}}


# Events checked together by the rules (with the places and sources): bounded memory, the same checks as validate.
CHECK_CHUNK = 50_000


def checked_events(files: Files, events: Iterable[tuple[str, Feature]]) -> Iterator[str]:
    """Yield the JSON texts of `events` ((text, feature) pairs), checking them CHECK_CHUNK at a time against
    the dataset's rules; DataError (the problems of every chunk) at the end if any failed, so the caller
    never publishes a dataset that validate would reject."""
    from ..rules import validate
    from .tables import content_tables

    problems: list[Problem] = []
    chunk: list[Feature] = []

    def run() -> None:
        tables = content_tables({"dataset.json": files["dataset.json"], "places.geojson": files["places.geojson"],
                                 "events.geojson": {"type": "FeatureCollection", "features": chunk},
                                 "sources.csv": files.get("sources.csv")})
        problems.extend(validate(tables)[:max(0, 100 - len(problems))])

    for text, feature in events:
        chunk.append(feature)
        yield text
        if len(chunk) >= CHECK_CHUNK:
            run()
            chunk = []
    if chunk or not problems:
        run()
    if problems:
        raise DataError(problems)


def write_folder(files: Files, out: str | os.PathLike[str], replace: bool = False,
                 inputs: Iterable[str | os.PathLike[str]] = (), events: Iterable[Feature | str] | None = None) -> Path:
    """Write the files into `out` through output.py (atomic; never over a folder that is not ours).

    events: an iterable of event features written line by line into events.geojson (streamed), instead of
    files["events.geojson"]."""
    from ..output import output_folder

    with output_folder(out, list(inputs), replace, prune=False) as tmp:
        write_files(files, tmp, events)
    return Path(out)


def write_files(files: Files, folder: Path, events: Iterable[Feature | str] | None = None) -> None:
    import json

    for name, content in files.items():
        target = folder / name
        if name.endswith(".csv"):
            with open(target, "w", encoding="utf-8", newline="") as handle:
                fields = list(dict.fromkeys(key for row in content for key in row))
                writer = csv.DictWriter(handle, fieldnames=fields)
                writer.writeheader()
                # Spreadsheet-safe, as our CSV exports: a dataset's sources.csv is opened in spreadsheets too,
                # and every reader of a dataset folder takes the apostrophe off again (io/folder.read_csv).
                writer.writerows({k: schema.formula_safe(v) for k, v in row.items()} for row in content)
        elif name.endswith(".geojson"):
            _write_collection(target, content["features"])
        else:
            target.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if events is not None:
        _write_collection(folder / "events.geojson", events)


def _write_collection(target, features):
    """One feature per line: readable, diffable, written as it comes and by json's fast C encoder.
    `features` may hold JSON texts already encoded."""
    import json

    with open(target, "w", encoding="utf-8") as handle:
        handle.write('{"type": "FeatureCollection", "features": [\n')
        first = True
        for feature in features:
            text = feature if isinstance(feature, str) else json.dumps(feature, ensure_ascii=False)
            handle.write(text if first else ",\n" + text)
            first = False
        handle.write("\n]}\n")


def tables_of(files: Files, folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The checked tables (what Dataset() takes) of dataset files held in memory; DataError lists any problem.
    The Dataset itself is built above io (jisrgeo.read_acled, jisrgeo.read_ucdp): io never imports dataset."""
    from ..rules import validate
    from .tables import build, content_tables

    tables = content_tables(files, folder)
    problems = validate(tables)
    if problems:
        raise DataError(problems)
    return build(tables)




def merge_into(files: Files, folder: str | os.PathLike[str], report: dict[str, Any] | None = None,
               linked: Mapping[str, str] | None = None) -> Files:
    """The files of dataset `folder` with the imported ones added as a separate claimant. An imported
    place becomes an existing place that its name (or any alias) names within its radius of doubt, else
    the nearest existing place within that radius; an imported event that compare() pairs with one of
    the folder's joins that event's incident as a rival claim (sums count the incident once). Sources
    and event ids are renumbered so nothing collides. The folder itself is never changed.

    linked: {imported event id: incident} of the records compare() pairs (jisrgeo.compare.rival_claims).
    report (a dict, optional) receives 'places_reused' and 'claims_linked' ({imported: incident})."""
    from .. import schema
    from .folder import layer_files, read_csv, read_json

    folder = Path(folder)
    declared = read_json(folder / "dataset.json") if (folder / "dataset.json").is_file() else {}
    # Written back under the default file names, so the layers map is no longer needed.
    meta = {k: v for k, v in declared.items() if k != "layers"}
    merged: Files = {"dataset.json": meta}
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
    linked = dict(linked or {})
    taken = {f["properties"]["place_id"] for f in places}
    renamed, reused = {}, 0
    for feature in files["places.geojson"]["features"]:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"][:2]
        match = _existing_place(places, props["name"], lon, lat, props["precision_m"])
        if match is not None:
            renamed[props["place_id"]] = match["properties"]["place_id"]
            reused += 1
            continue
        pid = props["place_id"]
        while pid in taken:
            pid += "_imported"
        taken.add(pid)
        renamed[props["place_id"]] = pid
        places.append({**feature, "properties": {**props, "place_id": pid, "refs": [r + offset for r in props["refs"]]}})
    for feature in files["events.geojson"]["features"]:
        props = feature["properties"]
        incident = linked.get(props["event_id"], props.get("incident"))
        events.append({**feature, "properties": {**props, "place_id": renamed[props["place_id"]],
                                                 "refs": [r + offset for r in props["refs"]],
                                                 **({"incident": incident} if incident else {})}})
    if report is not None:
        report.update(places_reused=reused, claims_linked=linked)
    imported = files["dataset.json"]
    for key in ("event_types", "place_kinds"):
        meta[key] = {**imported.get(key, {}), **meta.get(key, {})}
    if meta.get("sides"):  # a dataset that declares its sides gets the imported ones it lacks
        meta["sides"] = {**meta["sides"], **{k: v for k, v in imported["sides"].items() if k not in meta["sides"]}}
    if meta.get("period") and imported.get("period"):
        meta["period"] = {"start": min(meta["period"]["start"], imported["period"]["start"]),
                          "end": max(meta["period"]["end"], imported["period"]["end"])}
    return merged


def _existing_place(places, name, lon, lat, radius):
    """The place of `places` that `name` names (name or alias) within `radius` metres, else the nearest
    one within it, else None."""
    from ..geodesy import GEOD

    key = normalize(name)
    near = []
    for feature in places:
        props = feature["properties"]
        metres = GEOD.inv(*feature["geometry"]["coordinates"][:2], lon, lat)[2]
        if metres > max(radius, props.get("precision_m") or 0):
            continue
        named = key in {normalize(a) for a in [props["name"], *(props.get("aliases") or [])]}
        near.append((not named, metres, feature))
    return min(near, key=lambda t: t[:2])[2] if near else None
