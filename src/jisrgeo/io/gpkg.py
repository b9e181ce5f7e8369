"""Read back the GeoPackage that `jisrgeo export --format gpkg` writes, as the tables of a Dataset.

A GeoPackage (or a GeoParquet folder, parquet.py) is only a container: its layers become the same
tables as a folder's (tables.py), checked by the same rules.validate and built by the same
tables.build, so a hand-edited file with a missing column, a bad reference, a bad date or a wrong
geometry gets the same list of problems, never a traceback.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..errors import DataError, Problem
from ..shape import MISSING
from .tables import new_table

if TYPE_CHECKING:
    import pandas as pd

LIST_SEPARATOR = ";"
NEEDED = ("places", "control_states", "events", "casualties", "routes", "sources", "dataset")
# The folder file each layer stands for, so problems can be told by the layer they are in.
STANDS_FOR = {"places.geojson": "places", "events.geojson": "events", "routes.geojson": "routes",
              "sources.csv": "sources", "dataset.json": "dataset", "forces.json": "dataset", "claims.json": "dataset"}


def read_gpkg(path: str | os.PathLike) -> dict[str, Any]:
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

    def read(layer: str, read_geometry: bool = True) -> pd.DataFrame:  # a GeoDataFrame with read_geometry
        try:
            return pyogrio.read_dataframe(path, layer=layer, read_geometry=read_geometry)
        except Exception as exc:  # a damaged layer: GDAL's own words
            raise DataError([Problem(name, layer, "", f"cannot read the layer: {exc}")]) from None
    return from_layers(read, path)


def check_layers(path: str | os.PathLike) -> set[str]:
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


def _cells(frame):
    """{column: plain values} of a frame (tables.py's columns), the geometry left out."""
    if frame is None:
        return {}
    return {c: [_plain(v) for v in frame[c].to_numpy(dtype=object)] for c in frame.columns if c != "geometry"}


def _geometries(frame):
    """(type, coordinates) per row: MISSING for none (GeoJSON's, by shapely)."""
    import shapely

    if frame is None or "geometry" not in frame.columns:
        return [], []
    types, coordinates = [], []
    for geometry in frame.geometry:
        content = {} if geometry is None or geometry.is_empty else json.loads(shapely.to_geojson(geometry))
        types.append(content.get("type", MISSING))
        coordinates.append(content.get("coordinates"))
    return types, coordinates


def _size(cells):
    return len(next(iter(cells.values()), []))


def _children(parents, key, cells, spec, file, problems, kind=None):
    """A child table (tables.py) of the rows whose `key` names each parent's, in their seq order (control
    states) or only those of one `kind` (figures)."""
    size = _size(cells)
    keys, seqs, kinds = (cells.get(c) or [None] * size for c in (key, "seq", "kind"))
    groups = {}
    for at in range(size):
        if kind is None or kinds[at] == kind:
            groups.setdefault(keys[at], []).append(at)
    owner, seq, picked = [], [], []
    for row, parent in enumerate(parents.get(key) or [None] * _size(parents)):
        mine = groups.get(parent, [])
        if kind is None:
            mine = sorted(mine, key=lambda at: seqs[at] or 0)
        owner += [row] * len(mine)
        seq += range(len(mine))
        picked += mine
    columns = _columns({c: [values[at] for at in picked] for c, values in cells.items()}, len(picked), spec, file,
                       problems)
    return {"owner": owner, "seq": seq, "columns": columns, "odd": [], "typed": False}


def _columns(cells, size, spec, file, problems):
    """{field: values} of `spec` (lists split; MISSING where a column is absent); a missing required
    column is a problem."""
    out = {}
    for field in spec:
        if field.type == "objects":
            continue
        values = cells.get(field.name)
        if values is None:
            if size and field.required:
                problems.append(Problem(file, "", field.name, "required column is missing"))
            out[field.name] = [MISSING] * size
            continue
        if field.type in schema.ARRAY_ITEMS:
            values = [_split(v, field) for v in values]
        out[field.name] = values if field.required else [MISSING if v is None else v for v in values]
    return out


def _layer(layer, frame, cells, problems, nested=None):
    file, spec = schema.FILES[layer]["file"], schema.fields(layer)
    size = _size(cells)
    columns = _columns(cells, size, spec, file, problems)
    columns.update({f.name: [[]] * size for f in spec if f.type == "objects"})
    return new_table(layer, columns, *_geometries(frame), nested or {}, list(range(size)))


def as_tables(layers: dict[str, Any], path: str | os.PathLike) -> tuple[dict[str, Any], list[Problem]]:
    """The tables (tables.py) of our flat export layers, and the problems of reading them."""
    from .folder import parse_json

    problems: list[Problem] = []
    cells = {layer: _cells(frame) for layer, frame in layers.items()}
    control = _children(cells["places"], "place_id", cells["control_states"], schema.fields("places", "control"),
                        "places.geojson", problems)
    nested = {kind: _children(cells["events"], "event_id", cells["casualties"], schema.fields("events", "casualties"),
                              "events.geojson", problems, kind) for kind in schema.FIGURE_LISTS}
    tables = {"folder": Path(path),
              "places": _layer("places", layers["places"], cells["places"], problems, {"control": control}),
              "events": _layer("events", layers["events"], cells["events"], problems, nested),
              "routes": _layer("routes", layers["routes"], cells["routes"], problems)}
    sources = cells["sources"]  # as csv.DictReader gives them: every value text
    tables["sources"] = [{c: "" if v is None else str(v) for c, v in zip(sources, row)}
                         for row in zip(*sources.values())] or None
    extra = {k: v for k, v in zip(cells["dataset"].get("key", []), cells["dataset"].get("value", [])) if isinstance(k, str)}
    if layers["dataset"] is not None and not {"key", "value"} <= set(layers["dataset"].columns):
        problems.append(Problem("dataset.json", "", "key,value", "the dataset layer needs key and value columns"))
    for key, file in (("meta", "dataset.json"), ("forces", "forces.json"), ("claims", "claims.json")):
        try:  # the JSON a cell holds, through the same bounded parser as a folder's files
            tables[key] = parse_json(file, extra.get(key) or "null") if isinstance(extra.get(key), (str, type(None))) else None
        except DataError as exc:
            problems += exc.problems
            tables[key] = None
    tables["meta"] = tables["meta"] if tables["meta"] is not None else {}
    if not isinstance(tables["meta"], dict):
        problems.append(Problem("dataset.json", "", "", "must be a JSON object"))
    return tables, problems


def renamed(problems: list[Problem], path: str | os.PathLike) -> list[Problem]:
    """Problems named by the container and the layer they are in (e.g. battle.gpkg:places)."""
    name = Path(path).name
    return [Problem(f"{name}:{STANDS_FOR.get(p.file, p.file)}", p.feature_id, p.field, p.reason) for p in problems]


def from_layers(read: Callable[..., Any], path: str | os.PathLike) -> dict[str, Any]:
    """The tables (tables.py) of our export layers; read(layer, read_geometry=True) gives one. Shared by
    the GeoPackage and the GeoParquet readers; DataError for what cannot be read as tables."""
    layers = {layer: read(layer, read_geometry=layer in ("places", "events", "routes")) for layer in NEEDED}
    tables, problems = as_tables(layers, path)
    if problems:
        raise DataError(renamed(problems, path))
    return tables
