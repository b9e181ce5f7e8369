"""Read a dataset folder: bounded, confined to the folder, and every fault a Problem (never a traceback).

read_folder() returns the parsed files as plain Python structures for the checks (shape.py,
rules.py); frames() turns a checked folder into the tidy tables a Dataset is built from.
"""

import csv
import io as _io
import json
import os
import re
import stat
from importlib import resources
from pathlib import Path

from .. import schema
from ..errors import DataError, Problem


def bundled_path():
    """The folder of the bundled battle, wherever the package is installed."""
    installed = Path(str(resources.files("jisrgeo"))) / "geodata"
    # An editable install has no copy inside the package: use the checkout's geodata/.
    return installed if installed.is_dir() else Path(__file__).resolve().parents[3] / "geodata"


def dataset_folder(path=None):
    """The folder a path names, or the bundled battle's when it is None."""
    return bundled_path() if path is None else Path(path)


def is_parquet_export(folder):
    """True for a folder written by `jisrgeo export --format parquet` (read by parquet.py, not here)."""
    return (Path(folder) / "places.parquet").is_file()


def _fail(file, reason, field=""):
    raise DataError([Problem(file, "", field, reason)])


def inside(folder, path):
    """True when `path`, its links resolved, lies inside `folder` (its links resolved too)."""
    root, real = os.path.realpath(folder), os.path.realpath(path)
    return real.startswith(root.rstrip(os.sep) + os.sep)


def checked_name(filename):
    """The reason a file name from a dataset cannot name a file (NUL, unpaired surrogate), or None."""
    if "\x00" in filename:
        return "holds a NUL character, which no file name can"
    try:
        os.fsencode(filename)
    except UnicodeError:
        return "holds characters this system cannot use in a file name (an unpaired surrogate?)"
    return None


def open_file(path, name, root=None, limit=None):
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


def read_bytes(path, name, root=None, limit=None):
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


def _read_text(path, name, root=None, limit=None):
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


def nested_deeper(text, limit=schema.MAX_JSON_DEPTH):
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
    if len(marks) < _SMALL:  # our marks, dataset.json, --sides: a loop, so quick answers never import numpy
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

    marks = np.frombuffer(marks, np.uint8)
    brackets = np.flatnonzero(marks != ord('"'))
    # The k-th bracket at position p has p - k quotes before it: an even count puts it outside strings.
    outside = marks[brackets[((brackets - np.arange(len(brackets))) & 1) == 0]]
    step = np.where((outside == ord("[")) | (outside == ord("{")), 1, -1)
    return bool(len(step)) and int(np.cumsum(step).max()) > limit


def parse_json(name, text):
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


def read_json(path, name=None, root=None, limit=None):
    """The safe JSON reader: a regular file (open_file's checks), UTF-8, nesting bounded before decoding,
    standard numbers; every fault a DataError naming `name` (default: the file's name)."""
    path = Path(path)
    name = name or path.name
    return parse_json(name, _read_text(path, name, root, limit))


def read_meta(folder):
    """dataset.json of a folder ({} when there is none), kept inside the folder like every layer."""
    meta_file = Path(folder) / "dataset.json"
    return read_json(meta_file, root=folder) if os.path.lexists(meta_file) else {}


def read_csv(path, name=None, root=None):
    name = name or path.name
    text = _read_text(path, name, root)
    try:
        rows = list(csv.DictReader(_io.StringIO(text)))
    except csv.Error as exc:
        _fail(name, f"invalid CSV: {exc}")
    if "'" in text:  # a cell written spreadsheet-safe (jisrgeo import) stands for its text without the apostrophe
        rows = [{k: schema.formula_text(v) for k, v in row.items()} for row in rows]
    # A header alone is a dataset with no sources yet (jisrgeo init writes one); facts citing refs fail
    # the reference check instead.
    return rows


def layer_files(folder, meta):
    """{layer: (path, declared)}: dataset.json's `layers` over the defaults, each kept inside the folder."""
    declared = meta.get("layers") if isinstance(meta.get("layers"), dict) else {}
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


def read_folder(path=None):
    """{'meta', 'folder', 'nul_layers', layer: parsed content or None} for a dataset folder."""
    folder = bundled_path() if path is None else Path(path)
    if not folder.is_dir():
        _fail(str(folder), "not a dataset folder (expected at least places.geojson)")
    meta = read_meta(folder)
    if not isinstance(meta, dict):
        _fail("dataset.json", "must be a JSON object")
    data = {"meta": meta, "folder": folder, "nul_layers": set()}
    problems = []
    for layer, (file, declared) in layer_files(folder, meta).items():
        name = schema.FILES[layer]["file"]
        if not os.path.lexists(file) and layer not in schema.REQUIRED_LAYERS and not declared:
            data[layer] = None
            continue
        try:
            if name.endswith(".csv"):
                data[layer] = read_csv(file, name)
                continue
            text = _read_text(file, name)
            # JSON can only carry NUL as \u0000: one scan of the text spares a walk of every string.
            if "\\u0000" in text:
                data["nul_layers"].add(layer)
            data[layer] = parse_json(name, text)
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    return data


# -- tidy tables --------------------------------------------------------------------------------------
# The builders take columns (lists of values), so the describing path here and the typed fast path
# (columnar.py) make the same tables from the same values.

def _feature_list(content):
    return content["features"] if isinstance(content, dict) else []


def lon_lat(points):
    """An (n, 2) float array of [lon, lat, ...] points (a height is dropped)."""
    import itertools

    import numpy as np

    if all(len(p) == 2 for p in points):  # the usual case: one flat pass instead of a list per row
        return np.fromiter(itertools.chain.from_iterable(points), float, count=2 * len(points)).reshape(-1, 2)
    return np.array([p[:2] for p in points], dtype=float).reshape(-1, 2)


def geometries(kind, coordinates):
    """Shapely geometries in 2D, one vectorized call for points."""
    import numpy as np
    import shapely

    if kind == "Point":
        return shapely.points(lon_lat(coordinates))
    return np.array([shapely.LineString(lon_lat(line)) for line in coordinates], dtype=object)


TEXT_TYPES = ("string", "date", "slug", "color")


def _typed(columns, spec):
    """Columns ready for a DataFrame: text columns go through Arrow, which is several times quicker than
    pandas inferring the same str dtype value by value (all-null columns are left to pandas)."""
    import pyarrow as pa

    out = dict(columns)
    for field in spec:
        values = columns.get(field.name)
        if field.type in TEXT_TYPES and values is not None and any(v is not None for v in values):
            out[field.name] = text_array(pa.array(values, type=pa.large_string()))
    return out


def layer_frame(layer, columns, geometry):
    """A layer's GeoDataFrame from its property columns ({field: values}) and its geometries."""
    import geopandas as gpd
    import pandas as pd

    names = schema.columns(layer)
    columns = _typed({c: columns[c] for c in names}, schema.fields(layer))
    return gpd.GeoDataFrame(pd.DataFrame(columns, columns=names), geometry=geometry, crs="EPSG:4326")


def changes_frame(place_ids, seqs, columns):
    """Every control state: its place, its position in the place's list and the state's fields."""
    import pandas as pd

    names = schema.columns("places", "control")
    columns = _typed({"place_id": place_ids, **{c: columns[c] for c in names}}, schema.fields("places", "control"))
    return pd.DataFrame({"place_id": columns.pop("place_id"), "seq": seqs, **columns}, columns=["place_id", "seq", *names])


def casualties_frame(event_ids, kinds, columns):
    """Every figure of every event (casualties, then counts): its event, kind and fields."""
    import pandas as pd

    names = schema.columns("events", "casualties")
    columns = _typed({c: columns[c] for c in names}, schema.fields("events", "casualties"))
    return pd.DataFrame({"event_id": event_ids, "kind": kinds, **columns}, columns=["event_id", "kind", *names])


def _properties(features, layer):
    props = [f["properties"] for f in features]
    return {c: [p.get(c) for p in props] for c in schema.columns(layer)}


def frames(data):
    """The tidy tables of a checked folder: keyword arguments for Dataset(...)."""
    import pandas as pd

    tables = {}
    for layer in ("places", "events", "routes"):
        features = _feature_list(data.get(layer))
        coordinates = [f["geometry"]["coordinates"] for f in features]
        tables[layer] = layer_frame(layer, _properties(features, layer), geometries(schema.GEOMETRY[layer], coordinates))
    places = [f["properties"] for f in _feature_list(data["places"])]
    states = [(p["place_id"], seq, state) for p in places for seq, state in enumerate(p["control"])]
    tables["changes"] = changes_frame([s[0] for s in states], [s[1] for s in states],
                                      {c: [s[2].get(c) for s in states] for c in schema.columns("places", "control")})
    figures = [(f["properties"]["event_id"], kind, fig) for f in _feature_list(data.get("events"))
               for kind in schema.FIGURE_LISTS for fig in f["properties"].get(kind) or []]
    tables["casualties"] = casualties_frame([f[0] for f in figures], [f[1] for f in figures],
                                            {c: [f[2].get(c) for f in figures] for c in schema.columns("events", "casualties")})
    tables["sources"] = pd.DataFrame(data["sources"]) if data.get("sources") else None
    return {**tables, "meta": data["meta"], "forces": data.get("forces"), "claims": data.get("claims"),
            "folder": data["folder"]}


def text_array(values):
    """A pandas array of text with missing values missing: pandas 3's "str" dtype (through Arrow, several
    times quicker than inferring); pandas 2's "str" would turn None into the text 'None', so there it
    stays object."""
    import pandas as pd
    import pyarrow as pa

    if int(pd.__version__.split(".")[0]) >= 3:
        return pd.array(values, dtype="str")
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = values.to_numpy(zero_copy_only=False)
    return pd.array(values, dtype=object)
