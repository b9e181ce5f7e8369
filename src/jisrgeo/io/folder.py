"""Read a dataset folder: bounded, confined to the folder, and every fault a Problem (never a traceback).

read_tables() gives the tables of a folder (tables.py) for rules.validate; every file, our own
marks and caches too, is read through read_bytes.
"""

import csv
import io as _io
import json
import os
import re
import stat
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from .. import schema
from ..errors import DataError, Problem

PathLike = str | os.PathLike


def bundled_path() -> Path:
    """The folder of the bundled battle, wherever the package is installed."""
    installed = Path(str(resources.files("jisrgeo"))) / "geodata"
    # An editable install has no copy inside the package: use the checkout's geodata/.
    return installed if installed.is_dir() else Path(__file__).resolve().parents[3] / "geodata"


def dataset_folder(path: PathLike | None = None) -> Path:
    """The folder a path names, or the bundled battle's when it is None."""
    return bundled_path() if path is None else Path(path)


def is_parquet_export(folder: PathLike) -> bool:
    """True for a folder written by `jisrgeo export --format parquet` (read by parquet.py, not here)."""
    return (Path(folder) / "places.parquet").is_file()


def _fail(file: str, reason: str, field: str = "") -> NoReturn:
    raise DataError([Problem(file, "", field, reason)])


def _row_budget(name: str, rows: int) -> None:
    """A GeoJSON layer holds at most schema.MAX_LAYER_ROWS features, as a GeoPackage or GeoParquet layer."""
    if rows > schema.MAX_LAYER_ROWS:
        _fail(name, f"holds {rows:,} features, above the {schema.MAX_LAYER_ROWS:,} a layer may hold: refused")


def inside(folder: PathLike, path: PathLike) -> bool:
    """True when `path`, its links resolved, lies inside `folder` (its links resolved too)."""
    root, real = os.path.realpath(folder), os.path.realpath(path)
    return real.startswith(root.rstrip(os.sep) + os.sep)


def checked_name(filename: str) -> str | None:
    """The reason a file name from a dataset cannot name a file (NUL, unpaired surrogate), or None."""
    if "\x00" in filename:
        return "holds a NUL character, which no file name can"
    try:
        os.fsencode(filename)
    except UnicodeError:
        return "holds characters this system cannot use in a file name (an unpaired surrogate?)"
    return None


def open_file(path: PathLike, name: str, root: PathLike | None = None, limit: int | None = None) -> _io.BufferedReader:
    """A binary handle on a regular file, or a DataError: a link leaving `root` (the dataset folder), a
    device, pipe or socket, or a file above the size limit is refused before a byte is read. The one
    guarded way in for every file we read; read from the handle, never from the path again."""
    limit = schema.MAX_FILE_BYTES if limit is None else limit
    path = Path(path)
    try:
        os.lstat(path)
    except FileNotFoundError:
        _fail(name, f"missing file {path}")
    except (OSError, ValueError) as exc:
        _fail(name, f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
    if root is not None and not inside(root, path):
        _fail(name, f"{path} is a link to a file outside the dataset folder; copy the file in instead")
    real = os.path.realpath(path)
    # O_NONBLOCK: opening a pipe must not wait for a writer; O_NOFOLLOW: the resolved path is not swapped for a link.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        _fail(name, f"cannot read {path}: {exc.strerror or exc}")
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            _fail(name, f"{path} is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            _fail(name, f"{path} is not a regular file (a device, pipe or socket): refused")
        _fail(name, f"file is {info.st_size:,} bytes, above the {limit:,}-byte limit")
    return os.fdopen(fd, "rb")


def read_bytes(path: PathLike, name: str, root: PathLike | None = None, limit: int | None = None) -> bytes:
    """The bytes of a regular file, through open_file's checks; a file that grows past the limit while
    read is refused too."""
    limit = schema.MAX_FILE_BYTES if limit is None else limit
    with open_file(path, name, root, limit) as handle:
        try:
            raw = handle.read(limit + 1)
        except OSError as exc:
            _fail(name, f"cannot read {path}: {exc.strerror or exc}")
    if len(raw) > limit:  # grew while read
        _fail(name, f"file is above the {limit:,}-byte limit")
    return raw


def read_text(path: PathLike, name: str, root: PathLike | None = None, limit: int | None = None) -> str:
    raw = read_bytes(path, name, root, limit)
    if not raw.strip():
        _fail(name, "file is empty")
    try:
        return raw.decode("utf-8-sig")  # a BOM from Windows tools is harmless
    except UnicodeDecodeError as exc:
        _fail(name, f"not UTF-8 text (byte {exc.start}); re-save the file as UTF-8")


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number (write a finite number or null)")


# A \\uD800-\\uDFFF escape: paired, it is one character; alone, it is no character and no file can hold it.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


# Every byte but the ones that open or close a string, an array or an object.
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
# Fewer quotes and brackets than this are scanned by a plain loop (a few milliseconds), more by numpy.
_SMALL = 100_000


def nested_deeper(text: str | bytes | bytearray | memoryview, limit: int = schema.MAX_JSON_DEPTH) -> bool:
    """True when JSON text (str or bytes) opens more than `limit` arrays or objects inside one another.
    Brackets inside strings do not count. A scan of the bytes, without recursion, before any decoder
    sees them (a decoder recurses once per level): about 0.1 s for 80 MB."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text) if not isinstance(text, bytes) else text
    if b"\\" in raw:
        # An escaped backslash, then an escaped quote, are no structure: every '"' left opens or closes a
        # string. (A run of backslashes pairs from the left, as JSON reads it.)
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = raw.translate(None, _NOT_STRUCTURE)  # quotes and brackets only
    if marks.count(b"[") + marks.count(b"{") <= limit:
        return False  # too few brackets to nest that deep
    if len(marks) < _SMALL:  # our marks, dataset.json, --sides: a loop scans them before numpy could be imported
        depth, inside = 0, False
        for mark in marks:
            if mark == 34:  # '"'
                inside = not inside
            elif not inside:
                depth += 1 if mark in (91, 123) else -1  # '[' '{', else ']' '}'
                if depth > limit:
                    return True
        return False
    import numpy as np

    codes = np.frombuffer(marks, np.uint8)
    brackets = np.flatnonzero(codes != ord('"'))
    # The k-th bracket at position p has p - k quotes before it: an even count puts it outside strings.
    outside = codes[brackets[((brackets - np.arange(len(brackets))) & 1) == 0]]
    step = np.where((outside == ord("[")) | (outside == ord("{")), 1, -1)
    return bool(len(step)) and int(np.cumsum(step).max()) > limit


def parse_json(name: str, text: str) -> Any:
    """JSON with standard numbers only (no NaN/Infinity), bounded nesting (checked before decoding) and
    valid Unicode, or a DataError."""
    if nested_deeper(text):
        _fail(name, f"JSON nested deeper than {schema.MAX_JSON_DEPTH} levels: refused unread; the format needs "
                    "fewer than ten")
    try:
        content = json.loads(text, parse_constant=_no_constant)
        if SURROGATE_ESCAPE.search(text):
            json.dumps(content, ensure_ascii=False).encode("utf-8")
        return content
    except UnicodeEncodeError as exc:
        _fail(name, f"text holds an unpaired surrogate escape ({ascii(exc.object[exc.start:exc.end])}), which is "
                    "no character: remove it")
    except json.JSONDecodeError as exc:
        _fail(name, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    except ValueError as exc:
        _fail(name, f"invalid JSON: {exc}")
    except RecursionError:
        _fail(name, "JSON nested too deeply to read (about a thousand levels or more; the format needs fewer than ten)")


def read_json(path: PathLike, name: str | None = None, root: PathLike | None = None, limit: int | None = None) -> Any:
    """The safe JSON reader: a regular file (open_file's checks), UTF-8, nesting bounded before decoding,
    standard numbers; every fault a DataError naming `name` (default: the file's name)."""
    path = Path(path)
    name = name or path.name
    return parse_json(name, read_text(path, name, root, limit))


def read_meta(folder: PathLike) -> Any:
    """dataset.json of a folder ({} when there is none), kept inside the folder like every layer."""
    meta_file = Path(folder) / "dataset.json"
    return read_json(meta_file, root=folder) if os.path.lexists(meta_file) else {}


def read_csv(path: PathLike, name: str | None = None, root: PathLike | None = None) -> list[dict[str, Any]]:
    name = name or Path(path).name
    text = read_text(path, name, root)
    try:
        rows = list(csv.DictReader(_io.StringIO(text)))
    except csv.Error as exc:
        _fail(name, f"invalid CSV: {exc}")
    if "'" in text:  # a cell written spreadsheet-safe (jisrgeo import) stands for its text without the apostrophe
        rows = [{k: schema.formula_text(v) for k, v in row.items()} for row in rows]
    # A header alone is a dataset with no sources yet (jisrgeo init writes one); facts citing refs fail
    # the reference check instead.
    return rows


def layer_files(folder: PathLike, meta: dict[str, Any]) -> dict[str, tuple[Path, bool]]:
    """{layer: (path, declared)}: dataset.json's `layers` over the defaults, each kept inside the folder."""
    declared: dict[str, Any] = meta["layers"] if isinstance(meta.get("layers"), dict) else {}
    if "layers" in meta and not isinstance(meta["layers"], dict):
        _fail("dataset.json", "should map layer names to file names, e.g. {\"places\": \"places.geojson\"}", "layers")
    root = Path(os.path.realpath(folder))
    out = {}
    for layer, default in schema.LAYER_FILES.items():
        filename = declared.get(layer, default)
        if not isinstance(filename, str) or not filename.strip():
            _fail("dataset.json", f"{filename!r:.60} is not a file name", f"layers.{layer}")
        if checked_name(filename):
            _fail("dataset.json", f"{ascii(filename):.200} {checked_name(filename)}", f"layers.{layer}")
        path = Path(os.path.realpath(root / filename))
        if not Path(filename).is_absolute() and ".." not in Path(filename).parts and root not in path.parents:
            _fail("dataset.json" if layer in declared else filename,
                  f"{filename!r:.200} is a symbolic link to a file outside the dataset folder; copy the file in instead",
                  f"layers.{layer}" if layer in declared else "")
        if Path(filename).is_absolute() or root not in path.parents:
            _fail("dataset.json", f"{filename!r:.200} lies outside the dataset folder; layer files must be inside it",
                  f"layers.{layer}")
        out[layer] = (path, layer in declared)
    return out


def read_tables(path: PathLike | None = None) -> dict[str, Any]:
    """The tables of a dataset folder (see tables.py), each file read once through the guarded reader;
    DataError for a folder, or any file, that cannot be read at all."""
    from .tables import layer_table, typed_table

    folder = bundled_path() if path is None else Path(path)
    if not folder.is_dir():
        _fail(str(folder), "not a dataset folder (expected at least places.geojson)")
    meta = read_meta(folder)
    if not isinstance(meta, dict):
        _fail("dataset.json", "must be a JSON object")
    tables = {"meta": meta, "folder": folder}
    problems = []
    for layer, (file, declared) in layer_files(folder, meta).items():
        name = schema.LAYER_FILES[layer]
        if not os.path.lexists(file) and layer not in schema.REQUIRED_LAYERS and not declared:
            tables[layer] = None
            continue
        try:
            if name.endswith(".csv"):
                tables[layer] = read_csv(file, name)
                continue
            text = read_text(file, name)
            if layer not in schema.GEOMETRY:
                tables[layer] = parse_json(name, text)
                continue
            _row_budget(name, text.count('"Feature"'))  # each feature names its type: counted before decoding
            # JSON can only carry NUL as \u0000, and a lone surrogate only as an escape: one scan of the text
            # says whether the typed decoding may be tried, and whether every string needs the NUL check.
            odd = "\\u0000" in text or SURROGATE_ESCAPE.search(text)
            table = (not odd and typed_table(text, layer)) or layer_table(parse_json(name, text), layer,
                                                                          nul="\\u0000" in text)
            _row_budget(name, len(table["geometry_type"]) + len(table["broken"]))  # escaped ones too
            tables[layer] = table
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    return tables


def context_frame(folder: PathLike | None, meta: Any) -> Any:
    """The GeoDataFrame of a folder's context.geojson (schema FILES["context"]), empty without one: read
    through the guarded reader, each geometry built by shapely; DataError if it is not a valid file."""
    import geopandas as gpd
    import pandas as pd
    import shapely.errors
    import shapely.geometry

    names = schema.columns("context")
    rows, shapes = [], []
    if folder is not None and Path(folder).is_dir():
        path, declared = layer_files(Path(folder), meta if isinstance(meta, dict) else {})["context"]
        if os.path.lexists(path) or declared:
            content = read_json(path, "context.geojson")
            features = content["features"] if isinstance(content, dict) else []
            for i, feature in enumerate(features):
                try:
                    shape = shapely.geometry.shape(feature["geometry"])
                except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.ShapelyError) as exc:
                    _fail("context.geojson", f"feature {i}: its geometry cannot be read ({exc})", "geometry")
                if shape.geom_type not in schema.CONTEXT_GEOMETRIES:
                    _fail("context.geojson", f"feature {i}: {shape.geom_type} is not a context geometry", "geometry")
                rows.append([feature.get("properties", {}).get(c) for c in names])
                shapes.append(shape)
    frame = pd.DataFrame(rows, columns=names).astype({c: object for c in names})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(shapes, crs="EPSG:4326"), crs="EPSG:4326")
