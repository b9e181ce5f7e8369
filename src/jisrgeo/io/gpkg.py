"""Read back the GeoPackage that `jisrgeo export --format gpkg` writes, as the tables of a Dataset.

A GeoPackage (or a GeoParquet folder, parquet.py) is only a container: its layers are turned back
into the features and rows of a dataset folder and go through the same checks (rules.check) and the
same table builder (folder.frames) as a folder, so a hand-edited file with a missing column, a bad
reference, a bad date or a wrong geometry gets the same list of problems, never a traceback.
"""

import json
import math
from pathlib import Path

from .. import schema
from ..errors import DataError, Problem

LIST_SEPARATOR = ";"
NEEDED = ("places", "control_states", "events", "casualties", "routes", "sources", "dataset")
# The folder file each layer stands for, so problems can be told by the layer they are in.
STANDS_FOR = {"places.geojson": "places", "events.geojson": "events", "routes.geojson": "routes",
              "sources.csv": "sources", "dataset.json": "dataset", "forces.json": "dataset", "claims.json": "dataset"}


def read_gpkg(path):
    """Keyword arguments for Dataset(...) from one of our GeoPackages; DataError if it is not one."""
    import pyogrio

    path = Path(path)
    name = path.name
    if not path.is_file():
        raise DataError([Problem(name, "", "", "missing file" if not path.exists() else "not a regular file")])
    if path.stat().st_size > schema.MAX_FILE_BYTES:
        raise DataError([Problem(name, "", "", f"file is {path.stat().st_size:,} bytes, above the "
                                                f"{schema.MAX_FILE_BYTES:,}-byte limit")])
    present = check_layers(path)  # through SQLite, before GDAL opens it: no view, no layer beyond the row budget
    missing = [layer for layer in NEEDED if layer not in present]
    if missing:
        raise DataError([Problem(name, "", layer, "layer missing: not a GeoPackage written by jisrgeo export")
                         for layer in missing])

    def read(layer, read_geometry=True):
        try:
            return pyogrio.read_dataframe(path, layer=layer, read_geometry=read_geometry)
        except Exception as exc:  # a damaged layer: GDAL's own words
            raise DataError([Problem(name, layer, "", f"cannot read the layer: {exc}")]) from None
    return from_layers(read, path)


def check_layers(path):
    """Refuse, before any row is read, a GeoPackage whose layers we read are views (a view can be endless,
    or recursive), virtual tables, missing from gpkg_contents, or hold more than schema.MAX_LAYER_ROWS
    rows. Read through a read-only SQLite connection; counting stops one row past the budget. Returns the
    names gpkg_contents lists."""
    import contextlib
    import sqlite3

    name = Path(path).name
    problems = []
    try:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            listed = {row[0] for row in db.execute("SELECT table_name FROM gpkg_contents")}
            kinds = {row[0]: (row[1], row[2] or "") for row in db.execute("SELECT name, type, sql FROM sqlite_master")}
            for layer in NEEDED:
                kind, sql = kinds.get(layer, (None, ""))
                if layer not in listed or kind is None:
                    continue  # reported as a missing layer by the caller
                if kind != "table" or sql.lstrip().upper().startswith("CREATE VIRTUAL"):
                    problems.append(Problem(name, layer, "", f"is a {'view' if kind == 'view' else 'virtual table'}, "
                                                             "not a table: refused unread (a view can be endless)"))
                    continue
                quoted = '"' + layer.replace('"', '""') + '"'
                rows = db.execute(f"SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT ?)",
                                  (schema.MAX_LAYER_ROWS + 1,)).fetchone()[0]
                if rows > schema.MAX_LAYER_ROWS:
                    problems.append(Problem(name, layer, "", f"holds more than {schema.MAX_LAYER_ROWS:,} rows, the "
                                                             "most a layer may hold: refused unread"))
    except sqlite3.Error as exc:
        raise DataError([Problem(name, "", "", f"cannot open as a GeoPackage: {exc}")]) from None
    if problems:
        raise DataError(problems)
    return listed


# -- values from a table cell to what a folder's JSON holds -----------------------------------------------

def _missing(value):
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT, pd.NA
    except (TypeError, ValueError):
        return False


def _plain(value):
    """A JSON-like value for a table cell: None for missing, ISO text for a date, Python numbers."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) == 1:
        return [_plain(v) for v in value.tolist()]
    if _missing(value):
        return None
    if hasattr(value, "strftime"):
        try:
            return value.strftime("%Y-%m-%d")
        except ValueError:
            return str(value)
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _split(value, field):
    """A list field: our exports join lists with ';'. Items that are not numbers stay text, for the checks to name."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if not isinstance(value, str) or not value:
        return [] if field.required or field.type != "strings" or field.name == "aliases" else None
    items = value.split(LIST_SEPARATOR)
    if field.type == "refs":
        return [int(v) if v.strip().isdigit() else v for v in items]
    return items


def _properties(rows, spec, file, problems, skip=()):
    """{field: value} per row for the fields of `spec` (lists split); a missing required column is a problem."""
    columns = set(rows[0]) if rows else set()
    wanted = [f for f in spec if f.type != "objects" and f.name not in skip]
    if rows:
        for field in wanted:
            if field.required and field.name not in columns:
                problems.append(Problem(file, "", field.name, "required column is missing"))
    out = []
    for row in rows:
        props = {}
        for field in wanted:
            if field.name not in row:
                continue
            value = row[field.name]
            if field.type in ("strings", "refs", "dates", "slugs", "numbers"):
                value = _split(value if isinstance(value, (str, list, tuple)) else _plain(value), field)
            else:
                value = _plain(value)
            if value is not None or field.required:
                props[field.name] = value
        out.append(props)
    return out


def _records(frame):
    if frame is None:
        return []
    columns = [c for c in frame.columns if c != "geometry"]
    values = [frame[c].to_numpy(dtype=object) for c in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def _geometries(frame):
    """GeoJSON geometry dicts (or None) per row."""
    import shapely

    if frame is None or "geometry" not in frame.columns:
        return [None] * (0 if frame is None else len(frame))
    out = []
    for geometry in frame.geometry:
        if geometry is None or geometry.is_empty:
            out.append(None)
        else:
            out.append(json.loads(shapely.to_geojson(geometry)))
    return out


def _grouped(rows, key):
    groups = {}
    for row in rows:
        groups.setdefault(_plain(row.get(key)), []).append(row)
    return groups


def _sources_rows(frame):
    """sources as csv.DictReader gives them: every value text."""
    rows = []
    for row in _records(frame):
        rows.append({k: "" if _plain(v) is None else str(_plain(v)) for k, v in row.items()})
    return rows


def as_folder(layers, path):
    """A dataset folder's content (what folder.read_folder returns) from our flat export layers."""
    from .folder import parse_json

    problems = []
    places, events = layers["places"], layers["events"]
    place_rows, event_rows = _records(places), _records(events)
    states = _grouped(_records(layers["control_states"]), "place_id")
    figures = _grouped(_records(layers["casualties"]), "event_id")
    place_props = _properties(place_rows, schema.fields("places"), "places.geojson", problems)
    control_spec = schema.fields("places", "control")
    for props, row in zip(place_props, place_rows):
        mine = sorted(states.get(_plain(row.get("place_id")), []), key=lambda s: _plain(s.get("seq")) or 0)
        props["control"] = _properties(mine, control_spec, "places.geojson", problems)
    event_props = _properties(event_rows, schema.fields("events"), "events.geojson", problems)
    figure_spec = schema.fields("events", "casualties")
    for props, row in zip(event_props, event_rows):
        for kind, items in _grouped(figures.get(_plain(row.get("event_id")), []), "kind").items():
            if kind in schema.FIGURE_LISTS:
                props[kind] = _properties(items, figure_spec, "events.geojson", problems)
    route_rows = _records(layers["routes"])
    route_props = _properties(route_rows, schema.fields("routes"), "routes.geojson", problems)
    data = {"folder": Path(path), "nul_layers": set()}
    for layer, frame, props in (("places", places, place_props), ("events", events, event_props),
                                ("routes", layers["routes"], route_props)):
        features = [{"type": "Feature", "geometry": g, "properties": p} for g, p in zip(_geometries(frame), props)]
        data[layer] = {"type": "FeatureCollection", "features": features}
    data["sources"] = _sources_rows(layers["sources"]) or None
    extra = {}
    for row in _records(layers["dataset"]):
        if isinstance(row.get("key"), str):
            extra[row["key"]] = row.get("value")
    if layers["dataset"] is not None and not {"key", "value"} <= set(layers["dataset"].columns):
        problems.append(Problem("dataset.json", "", "key,value", "the dataset layer needs key and value columns"))
    for key, file in (("meta", "dataset.json"), ("forces", "forces.json"), ("claims", "claims.json")):
        try:  # the JSON a cell holds, through the same bounded parser as a folder's files
            data[key] = parse_json(file, extra.get(key) or "null") if isinstance(extra.get(key), (str, type(None))) else None
        except DataError as exc:
            problems += exc.problems
            data[key] = None
    data["meta"] = data["meta"] if data["meta"] is not None else {}
    if not isinstance(data["meta"], dict):
        problems.append(Problem("dataset.json", "", "", "must be a JSON object"))
    return data, problems


def _renamed(problems, path):
    """Problems named by the container and the layer they are in (e.g. battle.gpkg:places)."""
    name = Path(path).name
    return [Problem(f"{name}:{STANDS_FOR.get(p.file, p.file)}", p.feature_id, p.field, p.reason) for p in problems]


def from_layers(read, path):
    """Dataset(...) keyword arguments from our export layers, checked as a folder is; read(layer,
    read_geometry=True) gives one. Shared by the GeoPackage and the GeoParquet readers."""
    from ..rules import check
    from .folder import frames

    layers = {layer: read(layer, read_geometry=layer in ("places", "events", "routes")) for layer in NEEDED}
    data, problems = as_folder(layers, path)
    if not problems:
        try:
            problems = check(data)
        except RecursionError:
            problems = [Problem("dataset.json", "", "", "nested too deeply to read")]
    if problems:
        raise DataError(_renamed(problems, path))
    return frames(data)
