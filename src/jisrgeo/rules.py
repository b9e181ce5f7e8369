"""The one validation of a dataset: validate(tables) -> every Problem, with its file, feature, field and reason.

Every reader (a folder, a GeoPackage, a GeoParquet folder, an ACLED or UCDP import) gives the same
tables (see io/tables.py): per layer, one column of values per field, the raw geometries and each
row's position in its file; the lists of objects (control states, figures) as child tables whose
rows name their owner row. Field shapes are checked column by column against schema.py (each
distinct value is described once, by shape.Checker); the rules a schema cannot say (geometry,
references, the order of control changes, the period, alias collisions) run over the same columns.
It never changes anything and never raises on odd input.
"""

import datetime
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from . import names, schema
from .errors import Problem
from .shape import LABEL_CHARS, MISSING, Checker, Problems, Table, depth_problem, is_number, lon_lat, parse_date, show
from .sides import Vocabulary

GEOMETRY = schema.GEOMETRY
ID_FIELD = {layer: info["id"] for layer, info in schema.FILES.items() if "id" in info}
# A point this far (degrees) from the layer's median, whose swap lands near it, is called swapped.
SWAP_MIN_DEGREES = 0.3
TILE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._~/{}@%&=?+,;:-]*$")
NO_TILES = "none"
NUL_TEXT = "text holds a NUL character (\\x00); remove it"
# The stages of a report, in the order problems are listed.
HEAD, STRUCTURE, PERIOD, FEATURES, TAIL = range(5)
# What a value or record is found to be wrong in: [(field path, reason)].
Said = list[tuple[str, str]]
Vocab = Mapping[str, Sequence[str]]
Keys = dict[str, set]
Period = tuple[datetime.date, datetime.date] | None


def validate(tables: Table) -> Problems:
    """Every problem in a dataset's tables (io.folder.read_tables and the other readers give them)."""
    report = Report()
    layers: dict[str, Any] = {layer: tables.get(layer) for layer in GEOMETRY}
    states: Table | None = layers["places"]["nested"]["control"] if layers["places"] else None
    has_states = states is not None and len(states["owner"]) > len(states["odd"])
    vocab, keys = check_head(tables, used_sides(tables), has_states, report.at(HEAD))
    for i, layer in enumerate(GEOMETRY):
        if layers[layer] is not None:
            _check_structure(layers[layer], layer, report.at(STRUCTURE, i))
    keys.update(places=_ids(layers["places"], "places"), routes=_ids(layers["routes"], "routes"))
    dated = states is not None and any(d and d is not MISSING for d in states["columns"]["date"])
    has_events = bool(layers["events"] and layers["events"]["index"])
    period = check_period(tables["meta"], dated, has_events, report.at(PERIOD))
    for i, layer in enumerate(GEOMETRY):
        if layers[layer] is not None:
            _check_rows(layers[layer], layer, vocab, keys, period, report, i)
    check_tail(tables, vocab, keys, report.at(TAIL))
    if layers["places"] is not None:
        check_aliases(zip(*(_values(layers["places"], c) for c in ("place_id", "name", "aliases"))), report.at(TAIL, 1))
        check_parts(_values(layers["places"], "place_id"), _values(layers["places"], "part_of"), report.at(TAIL, 2))
    return report.problems()


class Report:
    """Problems gathered stage by stage (and feature by feature), listed in that order."""

    def __init__(self) -> None:
        self.keyed: list[tuple[tuple, Problems]] = []

    def at(self, *key: int) -> Problems:
        """A list for the problems filed under `key`."""
        problems: Problems = []
        self.keyed.append((key, problems))
        return problems

    def problems(self) -> Problems:
        return [p for _, group in sorted(self.keyed, key=lambda item: item[0]) for p in group]


def check_parts(place_ids: Sequence[Any], part_ofs: Sequence[Any], problems: Problems) -> None:
    """part_of may not name the place itself nor close a loop (a part of its own part)."""
    parent = {p: q for p, q in zip(place_ids, part_ofs) if isinstance(p, str) and isinstance(q, str)}
    for place, first in parent.items():
        seen, current = [place], first
        while current in parent and current not in seen:
            seen.append(current)
            current = parent[current]
        if current == place:
            loop = " -> ".join([*seen, place]) if len(seen) > 1 else f"{place} -> {place}"
            problems.append(Problem("places.geojson", str(place)[:LABEL_CHARS], "part_of",
                                    f"a place cannot be part of itself ({loop})"))


def check_head(tables: Table, sides: set[str], has_states: bool, problems: Problems) -> tuple[Vocab, Keys]:
    """dataset.json, the sides and sources.csv: the (vocabularies, keys) the layers are checked against."""
    meta = tables["meta"]
    # Allies must be sides the file itself declares.
    _check_json_file("dataset", meta, Checker("dataset.json", Vocabulary(meta).lists(), {}, problems), problems)
    _check_extent(meta, problems)
    problem = tile_problem(meta.get("tiles")) if isinstance(meta, dict) else None
    if problem:
        problems.append(Problem("dataset.json", "", "tiles", problem))
    vocabulary = Vocabulary(meta, sides)
    if not vocabulary.declared_sides and not vocabulary.sides and has_states:
        problems.append(Problem("dataset.json", "", "sides", "no side could be found: declare the sides"))
    keys = {}
    if tables.get("sources") is not None:
        keys["sources"] = _check_sources(tables["sources"], problems)
    return vocabulary.lists(), keys


def check_tail(tables: Table, vocab: Vocab, keys: Keys, problems: Problems) -> None:
    """claims.json and forces.json, checked against the layers' ids."""
    if tables.get("claims") is not None:
        _check_claims(tables["claims"], Checker("claims.json", vocab, keys, problems), problems)
    if tables.get("forces") is not None:
        _check_json_file("forces", tables["forces"], Checker("forces.json", vocab, keys, problems), problems)
    names = _check_context(tables.get("context"), Checker("context.geojson", vocab, keys, problems), problems)
    if "context" in tables:  # (a GeoPackage or GeoParquet export carries no context.geojson to name lines against)
        _check_line_claims(tables.get("claims"), names, problems)


def _check_context(content, checker, problems):
    """context.geojson: a FeatureCollection of named lines, areas and points. Returns the names found."""
    collection = isinstance(content, dict) and content.get("type") == "FeatureCollection" \
        and isinstance(content.get("features"), list)
    if content is None or not _readable("context.geojson", content, collection, "must be a GeoJSON FeatureCollection",
                                        problems):
        return set()
    names: set[str] = set()
    features = content["features"]
    for i, label, props in _records("context", [f.get("properties") if isinstance(f, dict) else None for f in features],
                                    checker, names):
        if props.get("refs") is not None:
            _check_refs(checker, label, "refs", props["refs"], checker.keys)
        reason = _context_geometry_problem(features[i].get("geometry"))
        if reason:
            problems.append(Problem("context.geojson", label, "geometry", reason))
    return names


# The files of records with a unique id: (the id field, a record's label without one, what a repeated id
# is told, (field, reason) for a record that is no JSON object).
RECORDS = {"claims": ("claim_id", "claim {}", "duplicate id", ("", "each claim must be a JSON object")),
           "context": ("name", "feature {}", "duplicate name (claims name a line by it)",
                       ("properties", "each feature needs properties"))}


def _records(file, records, checker, seen):
    """(position, label, record) of each record of claims.json (the claims) or context.geojson (the features'
    properties) that is a JSON object, its declared fields checked; a repeated id and a record that is no
    object are said. `seen` gathers the labels."""
    id_field, unnamed, repeated, (field, wrong) = RECORDS[file]
    for i, record in enumerate(records):
        name = record.get(id_field) if isinstance(record, dict) else None
        label = str(name)[:LABEL_CHARS] if isinstance(name, str) else unnamed.format(i)
        if not isinstance(record, dict):
            checker.add(label, field, wrong)
            continue
        if label in seen:
            checker.add(label, id_field, repeated)
        seen.add(label)
        checker.fields(label, record, schema.fields(file))
        yield i, label, record


def _context_geometry_problem(geometry):
    """What is wrong with a context feature's geometry, or None."""
    allowed = schema.CONTEXT_GEOMETRIES
    if not isinstance(geometry, dict) or geometry.get("type") not in allowed:
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        return f"{show(kind)} is not one of {', '.join(allowed)}"
    depth = {"Point": 0, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}[geometry["type"]]
    positions, stack = [], [(geometry.get("coordinates"), depth)]
    while stack:
        value, level = stack.pop()
        if not isinstance(value, list) or (level and not value):
            return "coordinates are not nested as a " + geometry["type"] + " needs"
        if level:
            stack.extend((v, level - 1) for v in value)
            if level == 1 and len(value) < 2:
                return "a line needs at least two positions"
        else:
            positions.append(value)
    for p in positions:
        if len(p) < 2 or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
                                 for c in p[:2]):
            return f"{show(p)} is not a [lon, lat] position"
        if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
            return f"{show(p)} is not a [lon, lat] position (lon -180..180, lat -90..90)"
    return None


def _check_line_claims(claims, names, problems):
    """A near_line claim names a context.geojson feature (what it needs besides is checked with the claims)."""
    for i, claim in enumerate(claims if isinstance(claims, list) else []):
        if isinstance(claim, dict) and claim.get("kind") == "near_line" and isinstance(claim.get("line"), str) \
                and claim["line"] not in names:
            label = str(claim["claim_id"])[:LABEL_CHARS] if isinstance(claim.get("claim_id"), str) else f"claim {i}"
            problems.append(Problem("claims.json", label, "line", f"{show(claim['line'])} is not the name of a "
                                    "feature in context.geojson"))


def tile_problem(value: object) -> str | None:
    """Why `value` is not a usable `tiles` setting (a URL template or "none"), or None when it is."""
    if value is None or value == NO_TILES:
        return None
    if not isinstance(value, str) or not TILE_URL.match(value) or not all(k in value for k in ("{z}", "{x}", "{y}")):
        return "give an https URL template with {z}, {x} and {y} (e.g. https://tile.example.org/{z}/{x}/{y}.png), or \"none\""
    return None


def _check_extent(meta, problems):
    extent = meta.get("map_extent") if isinstance(meta, dict) else None
    if isinstance(extent, list) and len(extent) == 4 and all(is_number(v) and math.isfinite(v) for v in extent):
        x0, y0, x1, y1 = extent
        if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
            problems.append(Problem("dataset.json", "", "map_extent",
                                    "must be [lon_min, lat_min, lon_max, lat_max] with min < max, in degrees"))


def used_sides(tables: Table) -> set[str]:
    """Every side code the places name as controller or challenger."""
    states = tables["places"]["nested"]["control"] if tables.get("places") else None
    return {v for k in ("controller", "challenger") for v in states["columns"][k] if isinstance(v, str)} if states else set()


def _readable(file, content, fits, wrong, problems):
    """True when a JSON file holds the kind of value it should (else `wrong` is said) and does not nest too deep."""
    reason = depth_problem(content) if fits else wrong
    if reason:
        problems.append(Problem(file, "", "", reason))
    return not reason


def _check_json_file(file, content, checker, problems):
    """dataset.json or forces.json: an object of declared fields (forces: other keys hold cited records)."""
    info = schema.FILES[file]
    if not _readable(info["file"], content, isinstance(content, dict), f"must be a JSON object, not {show(content)}",
                     problems):
        return
    checker.fields("", content, info["fields"])
    declared = {f.name for f in info["fields"]}
    for key, value in content.items():
        if key in declared or not info.get("extra"):
            continue
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.append(Problem(info["file"], "", key, "should be a list of records (JSON objects with refs)"))
            continue
        for i, record in enumerate(value):
            _check_refs(checker, "", f"{key}[{i}].refs", record.get("refs", MISSING), checker.keys)


def _check_claims(claims, checker, problems):
    if not _readable("claims.json", claims, isinstance(claims, list), f"must be a JSON list of claims, not {show(claims)}",
                     problems):
        return
    for _, label, claim in _records("claims", claims, checker, set()):
        _check_refs(checker, label, "refs", claim.get("refs", MISSING), checker.keys)
        kind = claim.get("kind")
        for field in schema.CLAIM_NEEDS.get(kind, ()) if isinstance(kind, str) else ():
            if claim.get(field) is None:
                checker.add(label, field, f"a {kind} claim needs {field}")


def _key(value):
    """A hashable stand-in for an id of any JSON type (a list id is wrong, but must not crash)."""
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)[:LABEL_CHARS]


def label_of(fid: object) -> str:
    return str(fid)[:LABEL_CHARS] if isinstance(fid, (str, int)) and fid != "" else "?"


def _ids(table, layer):
    if table is None:
        return set()
    return {_key(None if v is MISSING else v) for v in table["columns"][ID_FIELD[layer]]}


def check_period(meta: object, dated: bool, has_events: bool, problems: Problems) -> Period:
    """The declared period as dates, or None; a dataset with no date anywhere needs one."""
    period = meta.get("period") if isinstance(meta, dict) else None
    if isinstance(period, dict):
        start, end = parse_date(period.get("start")), parse_date(period.get("end"))
        if start and end and end < start:
            problems.append(Problem("dataset.json", "", "period.end", f"the period ends ({end}) before it starts ({start})"))
        return (start, end) if start and end and start <= end else None
    if not dated and not has_events:
        problems.append(Problem("dataset.json", "", "period", "required: no place changes hands and there are no events, "
                                "so the period cannot be worked out from the data (add \"period\": {\"start\": ..., \"end\": ...})"))
    return None


def _check_sources(rows, problems):
    """sources.csv: columns present, reference numbers unique; returns the set of references."""
    if not isinstance(rows, list) or not rows:
        return set()
    missing = [f.name for f in schema.fields("sources") if f.required and f.name not in rows[0]]
    if missing:
        problems.append(Problem("sources.csv", "", ",".join(missing), "missing column(s)"))
    refs = set()
    for line, row in enumerate(rows, start=2):
        value = (row.get("ref") or "").strip()
        if not value.isdigit() or int(value) < 1:
            problems.append(Problem("sources.csv", f"line {line}", "ref", f"{show(value)} is not a reference number"))
        elif int(value) in refs:
            problems.append(Problem("sources.csv", f"line {line}", "ref", f"duplicate reference {value}"))
        else:
            refs.add(int(value))
        if row.get("date") and parse_date(row["date"]) is None:
            problems.append(Problem("sources.csv", f"line {line}", "date", f"{show(row['date'])} is not an ISO date (YYYY-MM-DD)"))
        if any("\x00" in (v or "") for v in row.values() if isinstance(v, str)):
            problems.append(Problem("sources.csv", f"line {line}", "", NUL_TEXT))
    return refs


# -- a layer's structure: the collection, its CRS, ids and geometries --------------------------------------

def _check_structure(table, layer, problems):
    file = table["file"]
    if table["type"] != "FeatureCollection" or table["index"] is None:
        problems.append(Problem(file, "", "type", "not a GeoJSON FeatureCollection"))
        return
    crs = crs_name(table["crs"])
    if crs and not is_wgs84(crs):
        # One clear message instead of one out-of-range coordinate per feature.
        problems.append(Problem(file, "", "crs", f"coordinates are in {crs}, not WGS84 lon/lat: run "
                                "`jisrgeo normalize PATH --out NEW` to reproject them (GeoJSON is EPSG:4326 by RFC 7946)"))
        return
    ids = table["columns"][ID_FIELD[layer]]

    def label(row: int) -> str:
        fid = None if ids[row] is MISSING else ids[row]
        return label_of(fid) if _key(fid) else f"feature {table['index'][row]}"
    bad_geometry = _geometry_problems(table, GEOMETRY[layer])
    out = [(table["index"][row], Problem(file, label(row), ID_FIELD[layer], "duplicate id")) for row in _repeated(ids)]
    out += [(table["index"][row], Problem(file, label(row), "geometry", reason)) for row, reason in bad_geometry.items()]
    out += [(position, Problem(file, f"feature {position}", "properties", "feature without properties"))
            for position in table["broken"]]
    problems += [p for _, p in sorted(out, key=lambda item: item[0])]  # in file order (stable: an id before its geometry)
    if GEOMETRY[layer] == "Point":
        good = [row for row in range(len(ids)) if row not in bad_geometry] if bad_geometry else range(len(ids))
        for row, lon, lat in _swapped(table["coordinates"], good):
            problems.append(Problem(file, label(row), "geometry", f"coordinate [{lon}, {lat}] lies far from the other "
                                    "features but among them if swapped: longitude and latitude look swapped (GeoJSON is [lon, lat])"))


def _repeated(ids):
    """Rows whose id an earlier row has already."""
    try:
        distinct = set(ids)
        if len(distinct) == len(ids) and not (None in distinct and MISSING in distinct):  # (both read as no id)
            return []
    except TypeError:
        pass
    seen, out = set(), []
    for row, value in enumerate(ids):
        fid = _key(None if value is MISSING else value)
        if fid in seen:
            out.append(row)
        seen.add(fid)
    return out


def crs_name(crs: object) -> str | None:
    """The name in a legacy GeoJSON 'crs' member (its value), or None."""
    if not isinstance(crs, dict):
        return None
    name = (crs.get("properties") or {}).get("name") if isinstance(crs.get("properties"), dict) else None
    return str(name) if name else "an unnamed CRS"


def is_wgs84(name: str) -> bool:
    """True for a CRS name that means plain WGS84 lon/lat (as pyproj reads it: OGC CRS84 or EPSG:4326)."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    text = name.strip().rstrip(":")  # QGIS and GDAL spell it in several ways; PROJ reads them all but bare "CRS84"
    try:
        crs = CRS.from_user_input("OGC:CRS84" if text.upper().endswith("CRS84") else text)
    except CRSError:
        return False
    return crs.equals("OGC:CRS84", ignore_axis_order=True)


def _geometry_problems(table, want):
    """{row: reason} for every geometry that is not a `want` with [lon, lat] coordinates in range. Typed
    coordinates (numbers by their decoding) are screened as one array: only rows it doubts are described."""
    types, coordinates = table["geometry_type"], table["coordinates"]
    rows = range(len(types))
    if table.get("typed") and set(types) <= {want}:
        rows = _doubtful(coordinates, want)
    out = {}
    for row in rows:
        reason = _geometry_problem(types[row], coordinates[row], want)
        if reason:
            out[row] = reason
    return out


def _doubtful(coordinates, want):
    """Rows of typed [lon, lat] points that may be out of range or not finite (one array); every row of lines
    or of points with a height (few in a dataset: each is described)."""
    import numpy as np

    if want != "Point" or not set(map(len, coordinates)) <= {2}:
        return range(len(coordinates))
    xy = lon_lat(coordinates)
    return np.flatnonzero(~(np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90))).tolist()


def _geometry_problem(kind, coords, want):
    if kind is MISSING:
        return f"missing geometry (expected {want})"
    if kind != want:
        return f"{show(kind)} geometry, expected {want}"
    points = [coords] if want == "Point" else coords
    if not isinstance(points, (list, tuple)) or not points or (want == "LineString" and len(points) < 2):
        return "missing or too few coordinates"
    for point in points:
        reason = _coordinate_problem(point)
        if reason:
            return reason
    return None


def _coordinate_problem(point):
    # A third (height) or fourth value is allowed by RFC 7946 and dropped when the layer is read.
    if not (isinstance(point, (list, tuple)) and 2 <= len(point) <= 4 and all(is_number(v) for v in point)):
        return f"coordinate {show(point)} is not [lon, lat]"
    lon, lat = point[:2]
    if not all(math.isfinite(v) for v in point):
        return f"coordinate {show(point)} is not finite"
    if abs(lat) > 90 or abs(lon) > 180:
        if abs(lon) <= 90 and abs(lat) <= 180:
            return f"coordinate {show(point)} has latitude out of range: longitude and latitude look swapped (GeoJSON is [lon, lat])"
        return f"coordinate {show(point)} is outside lon -180..180 / lat -90..90 (a projected CRS? GeoJSON must be WGS84 degrees)"
    return None


def _swapped(coordinates, rows):
    """(row, lon, lat) of points far from the others' median that would sit among them with the axes swapped."""
    import numpy as np

    if len(rows) < 3:
        return []
    xy = lon_lat(coordinates if isinstance(rows, range) else [coordinates[row] for row in rows])
    mid_lon, mid_lat = np.sort(xy[:, 0])[len(xy) // 2], np.sort(xy[:, 1])[len(xy) // 2]
    off = np.hypot(xy[:, 0] - mid_lon, xy[:, 1] - mid_lat)
    swapped = (off > SWAP_MIN_DEGREES) & (np.hypot(xy[:, 1] - mid_lon, xy[:, 0] - mid_lat) < off / 3)
    return [(rows[i], *coordinates[rows[i]][:2]) for i in np.flatnonzero(swapped)]


# -- the rows of a layer: field shapes column by column, then references, dates, control and figures ------

def _check_rows(table, layer, vocab, keys, period, report, i):
    """Every row of one layer, each problem filed under its row so a feature's problems stay together."""
    file, columns, typed = table["file"], table["columns"], table.get("typed", False)
    ids = columns[ID_FIELD[layer]]

    def add(row: int, part: int, field: str, reason: str, *order: int) -> None:
        label = label_of(None if ids[row] is MISSING else ids[row])
        report.at(FEATURES, i, row, part, *order).append(Problem(file, label, field, reason))

    if table.get("nul"):
        for name, values in columns.items():
            for row, value in enumerate(values):
                for path in _nul_paths(value, name):
                    add(row, 0, path, NUL_TEXT)
    for f, field in enumerate(schema.fields(layer)):
        if field.type == "objects":
            _check_children(table, field, vocab, keys, lambda row, path, reason, *o, f=f: add(row, 1, path, reason, f, *o))
    _check_fields(columns, schema.fields(layer), typed, vocab, keys, lambda row, f, path, reason: add(row, 1, path, reason, f))
    if "sources" in keys:
        for row, path, reason in _found(columns["refs"], lambda v: refs_problems("refs", v, keys), typed):
            add(row, 2, path, reason)
    if layer != "places":
        _check_dates(table, period, lambda row, path, reason: add(row, 3, path, reason))
    if layer == "places":
        _check_control(table["nested"]["control"], keys, period, lambda row, path, reason, *o: add(row, 3, path, reason, *o))
    elif layer == "events":
        for k, kind in enumerate(schema.FIGURE_LISTS):
            _check_figures(table["nested"][kind], kind, lambda row, path, reason, *o, k=k: add(row, 4, path, reason, k, *o))


def by_value(values: Sequence[Any], describe_value: Callable[[Any], Said], typed: bool = False) -> dict[int, Said]:
    """{row: describe_value(value)} for the rows with something to say, each distinct value described once.
    typed: the values were decoded to their declared type (so 1 and True never share a column)."""
    try:
        kinds = {object} if typed else set(map(type, values))
        # One type (and None): a set of the values themselves; mixed ones must not merge True with 1 or 1.0.
        plain = len(kinds - {type(None)}) <= 1
        distinct = set(values) if plain else set(zip(map(type, values), values))
    except TypeError:  # lists and objects: each row is described
        return {row: r for row, r in ((row, describe_value(v)) for row, v in enumerate(values)) if r}
    said = {}
    for item in distinct:
        reasons = describe_value(item if plain else item[1])
        if reasons:
            said[item] = reasons
    if not said:
        return {}
    key = (lambda v: v) if plain else (lambda v: (type(v), v))
    return {row: said[key(v)] for row, v in enumerate(values) if key(v) in said}


def _found(values, describe_value, typed=False):
    """(row, path, reason) of everything by_value finds, row by row."""
    return [(row, path, reason) for row, said in by_value(values, describe_value, typed).items() for path, reason in said]


def _check_fields(columns, spec, typed, vocab, keys, put):
    """Each declared column (lists of objects aside) against its field, each distinct value once:
    put(row, field's position, path, reason)."""
    for f, field in enumerate(spec):
        if field.type != "objects" and not _plain_text(field, columns[field.name], typed):
            for row, path, reason in _found(columns[field.name], lambda v, field=field: describe(field, v, vocab, keys),
                                            typed):
                put(row, f, path, reason)


def _plain_text(field, values, typed=False):
    """True for a text or boolean column with nothing to check but its type, and every value of that type."""
    kind = {"string": str, "boolean": bool}.get(field.type)
    if kind is None or field.vocab or field.ref:
        return False
    if typed:
        return True
    kinds = set(map(type, values))
    return kinds <= ({kind, type(None)} if field.nullable else {kind})


def describe(field: schema.Field, value: Any, vocab: Vocab, keys: Keys) -> Said:
    """[(path, reason)] of one value of a field (MISSING: none) against its declaration ([] when it is right):
    the checker of whole objects, given an object of that one field."""
    problems: Problems = []
    Checker("", vocab, keys, problems).fields("", {} if value is MISSING else {field.name: value}, (field,))
    return [(p.field, p.reason) for p in problems]


def refs_problems(path: str, refs: Any, keys: Keys) -> Said:
    """With a sources.csv, every fact cites at least one reference found in it."""
    if refs is MISSING:
        return [(path, "required field is missing: every fact needs a source reference")]
    if not isinstance(refs, (list, tuple)):
        return []
    out = [] if refs else [(path, "no source reference: every fact needs one")]
    return out + [(path, f"reference {show(ref)} is not in sources.csv") for ref in refs
                  if is_number(ref) and ref not in keys["sources"]]


def _check_refs(checker, label, path, refs, keys):
    if "sources" in keys:
        for where, reason in refs_problems(path, refs, keys):
            checker.add(label, where, reason)


def _nul_paths(value, path):
    """The paths of every text holding NUL inside a value (walked with a stack, so no nesting overflows it)."""
    out, stack = [], [(value, path)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                out.append(path)
        elif isinstance(value, dict):
            stack.extend((item, f"{path}.{key}") for key, item in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
    return out


def _check_children(table, field, vocab, keys, add):
    """A list of objects (control states, figures): the list itself, then its items' fields column by column."""
    name = field.name
    if not table.get("typed"):  # (typed records hold a list here, or a null where one is allowed)
        for row, path, reason in _found(table["columns"][name], lambda v: [] if isinstance(v, (list, tuple))
                                        else describe(field, v, vocab, keys)):
            add(row, path, reason, -1)
    child = table["nested"][name]
    owner, seq = child["owner"], child["seq"]
    for at, item in child["odd"]:
        add(owner[at], f"{name}[{seq[at]}]", f"{show(item)} should be a JSON object", seq[at])
    odd = {at for at, _ in child["odd"]}

    def put(at: int, s: int, path: str, reason: str) -> None:
        if at not in odd:  # (an item that is no object is said above)
            add(owner[at], f"{name}[{seq[at]}].{path}", reason, seq[at], s)
    _check_fields(child["columns"], field.fields, child.get("typed", False), vocab, keys, put)


def _values(table, name):
    """A column of a table with missing values as None (what a rule about values sees). Typed records have
    no MISSING but in refs."""
    values = table["columns"].get(name)
    if values is None or (table.get("typed") and name != "refs"):
        return values
    return [None if v is MISSING else v for v in values]


def _check_dates(table, period, add):
    """The date rules of every dated row of a layer (events, routes)."""
    dates, ends, precisions = (_values(table, c) for c in ("date", "date_end", "date_precision"))
    days = {}
    # No record with a date_end or a range: then only the period rule can fail, and the extremes say whether it does.
    if all(e is None for e in ends) and "range" not in precisions:
        try:
            starts = [d for d in (_day(v, days) for v in set(dates)) if d is not None]
        except TypeError:  # a list where a date belongs
            starts = None
        if starts is not None and (not starts or not period or (min(starts) >= period[0] and max(starts) <= period[1])):
            return
    for row, (date, end, precision) in enumerate(zip(dates, ends, precisions)):
        start = _day(date, days)
        if start is not None:
            for path, reason in date_rules(start, _day(end, days), precision, "", period)[0]:
                add(row, path, reason)


def _day(value, days):
    """parse_date with a cache: a battle repeats its dates."""
    if not isinstance(value, str):
        return None
    day = days.get(value, MISSING)
    if day is MISSING:
        day = days[value] = parse_date(value)
    return day


def date_rules(start: datetime.date, end: datetime.date | None, precision: object, prefix: str,
               period: Period) -> tuple[Said, tuple[datetime.date, datetime.date]]:
    """([(path, reason)], (start, end)) of a record dated `start` (not None): the range and period rules
    (the shapes were checked already)."""
    out = []
    if end and end < start:
        out.append((prefix + "date_end", f"range ends ({end}) before it starts ({start})"))
    if precision == "range" and end is None:
        out.append((prefix + "date_end", "date_precision 'range' needs a date_end"))
    # A range that starts before the period but reaches into it belongs to it (a toll carried into a window).
    if period and not (start <= period[1] and (end or start) >= period[0]):
        out.append((prefix + "date", f"{start} is outside the dataset's period {period[0]}..{period[1]}"))
    return out, (start, end or start)


def _groups(child):
    """{owner row: [child rows]} for the owners whose list holds only objects."""
    odd = {child["owner"][at] for at, _ in child["odd"]}
    groups = {}
    for at, owner in enumerate(child["owner"]):
        if owner not in odd:
            groups.setdefault(owner, []).append(at)
    return groups


def _check_control(states, keys, period, add):
    """Each place's control states: cited, challengers named, dated in order, each a change; then no inference
    contradicting what a source reports."""
    c, seq, days = states["columns"], states["seq"], {}
    date, end, precision, basis, status, controller, challenger = (
        _values(states, k) for k in ("date", "date_end", "date_precision", "basis", "status", "controller", "challenger"))
    cited = by_value(c["refs"], lambda v: refs_problems("refs", v, keys), states.get("typed", False)) \
        if "sources" in keys else {}
    for owner, rows in _groups(states).items():
        def put(at: int, field: str, reason: str, owner: int = owner) -> None:
            add(owner, f"control[{seq[at]}].{field}", reason, 0, seq[at])
        previous, previous_day = None, None
        for k, at in enumerate(rows):
            for field, reason in cited.get(at, ()):
                put(at, field, reason)
            if status[at] in schema.CHALLENGED and not challenger[at]:
                put(at, "challenger", f"a {status[at]} place needs the challenging side")
            if challenger[at] is not None and _same(challenger[at], controller[at]):
                put(at, "challenger", "a side cannot challenge itself")
            if k == 0 and date[at] is None:
                previous = at
                continue
            if date[at] is None:
                put(at, "date", "only the first (initial) state may have no date")
                continue
            start = _day(date[at], days)
            if start is None:
                continue
            said, dates = date_rules(start, _day(end[at], days), precision[at], "", period)
            for field, reason in said:
                put(at, field, reason)
            day = dates[1]  # a change known only within a range takes effect at its end
            if previous_day and day < previous_day:
                put(at, "date", f"{day} comes before the previous change ({previous_day}): keep changes in date order")
            elif previous_day and day == previous_day:
                put(at, "date", f"two changes on {day}: merge them or date them apart")
            if previous is not None and all(_same(col[previous], col[at]) for col in (controller, status, challenger)) \
                    and not all(c[name][previous] is MISSING for name in c):  # (an empty state is said already)
                put(at, "controller", f"no change: {show(controller[at])} already holds it with status {show(status[at])}")
            previous, previous_day = at, day
        _check_inferences(rows, (date, end, basis, status, controller), seq, days,
                          lambda at, path, reason, owner=owner: add(owner, path, reason, 1, seq[at]))


def _same(a, b):
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _check_inferences(rows, columns, seq, days, add):
    """What we inferred may not contradict what a source reports about the same place."""
    date, end, basis, status, controller = columns
    inferred = [other for other in rows if basis[other] == "inferred" and end[other] is not None]
    for k, at in enumerate(rows):
        if basis[at] != "reported":
            continue
        day = _day(date[at], days)
        for other in inferred:
            start, stop = _day(date[other], days), _day(end[other], days)
            if day and start and stop and start < day < stop:
                add(other, f"control[{seq[other]}].date_end", f"the inferred range {start}..{stop} contains the reported "
                    f"change of {day} (control[{seq[at]}]): end the inference before it")
        before = rows[k - 1] if k else None
        if (before is not None and basis[before] == "inferred" and status[at] in schema.CHALLENGED
                and not _same(controller[at], controller[before])):
            add(before, f"control[{seq[before]}].controller", f"inferred as held by {show(controller[before])}, "
                f"but the source reports {show(controller[at])} holding it when it was {status[at]} (control[{seq[at]}])")


def _check_figures(child, kind, add):
    """Each figure's wording against the numbers it fills; a battle repeats its figures, so each distinct
    one is judged once."""
    c = child["columns"]
    text = [bool(v) and v is not MISSING for v in c["text"]]
    figures = list(zip(*(_values(child, k) for k in ("low", "best", "high", "qualifier")), text))
    odd, typed = {at for at, _ in child["odd"]}, child.get("typed", False)
    if not typed:  # True and 1 are equal as values, not as figures: the types are part of what is judged
        figures = [(*map(type, figure), *figure) for figure in figures]
    for at, field, reason in _found(figures, lambda figure: _figure_problems(*figure[-5:]), typed):
        if at not in odd:
            add(child["owner"][at], f"{kind}[{child['seq'][at]}].{field}", reason, child["seq"][at])


def _figure_problems(low, best, high, qualifier, text):
    figure = {"low": low, "best": best, "high": high}
    values = [low, best, high]
    numbers = [v for v in values if is_number(v) and math.isfinite(v)]
    out = []
    if isinstance(qualifier, str) and qualifier in schema.FIGURE_ENCODING:
        filled, empty = schema.FIGURE_ENCODING[qualifier]
        out += [(field, f"a figure worded '{qualifier}' needs {' and '.join(filled)}")
                for field in filled if not is_number(figure[field])]
        out += [(field, f"a figure worded '{qualifier}' leaves {field} empty") for field in empty if figure[field] is not None]
        if qualifier in ("at_least", "more_than") and not _same(figure["low"], figure["best"]):
            out.append(("best", f"'{qualifier}' N is written low = best = N"))
        if qualifier == "vague" and not text:
            out.append(("text", "a vague quantity needs its wording in text"))
    elif not numbers:
        out.append(("best", "needs at least one of low, best, high (or qualifier 'vague' and a text)"))
    if numbers != sorted(numbers):
        out.append(("low", f"low <= best <= high is not true of {values}"))
    return out


def check_aliases(records: Iterable[tuple[Any, Any, Any]], problems: Problems) -> None:
    """Two places answering to one spelling, from (place_id, name, aliases) records (aliases that are no
    list are said elsewhere): a lookup would silently pick the first."""
    owner: dict[str, str] = {}
    for pid, name, aliases in records:
        if not isinstance(pid, str):
            continue
        spellings = (pid, name, *(aliases if isinstance(aliases, (list, tuple)) else ()))
        for spelling in {names.normalize(s) for s in spellings if isinstance(s, str)} - {""}:
            other = owner.setdefault(spelling, pid)
            if other != pid:
                problems.append(Problem("places.geojson", pid, "aliases",
                                        f"{spelling!r} also names {other}: a lookup could not tell them apart"))
