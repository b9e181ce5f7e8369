"""Read a dataset folder: bounded, confined to the folder, and every fault a Problem (never a traceback).

read_folder() returns the parsed files as plain Python structures for the checks (shape.py,
rules.py); frames() turns a checked folder into the tidy tables a Dataset is built from.
"""

import csv
import io as _io
import json
import os
from importlib import resources
from pathlib import Path

from .. import schema
from ..errors import DataError, Problem


def bundled_path():
    """The folder of the bundled battle, wherever the package is installed."""
    installed = Path(str(resources.files("jisrgeo"))) / "geodata"
    # An editable install has no copy inside the package: use the checkout's geodata/.
    return installed if installed.is_dir() else Path(__file__).resolve().parents[3] / "geodata"


def _fail(file, reason, field=""):
    raise DataError([Problem(file, "", field, reason)])


def _read_text(path, name):
    try:
        if not path.is_file():
            _fail(name, f"missing file {path}" if not path.exists() else f"{path} is not a regular file")
        size = path.stat().st_size
        if size > schema.MAX_FILE_BYTES:
            _fail(name, f"file is {size:,} bytes, above the {schema.MAX_FILE_BYTES:,}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        _fail(name, f"cannot read {path}: {exc.strerror or exc}")
    if not raw.strip():
        _fail(name, "file is empty")
    try:
        return raw.decode("utf-8-sig")  # a BOM from Windows tools is harmless
    except UnicodeDecodeError as exc:
        _fail(name, f"not UTF-8 text (byte {exc.start}); re-save the file as UTF-8")


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number (write a finite number or null)")


def parse_json(name, text):
    """JSON with standard numbers only (no NaN/Infinity) and bounded nesting, or a DataError."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        _fail(name, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    except ValueError as exc:
        _fail(name, f"invalid JSON: {exc}")
    except RecursionError:
        _fail(name, "JSON nested too deeply to read (about a thousand levels or more; the format needs fewer than ten)")


def read_json(path, name=None):
    return parse_json(name or path.name, _read_text(path, name or path.name))


def read_csv(path, name=None):
    name = name or path.name
    text = _read_text(path, name)
    try:
        rows = list(csv.DictReader(_io.StringIO(text)))
    except csv.Error as exc:
        _fail(name, f"invalid CSV: {exc}")
    if not rows:
        _fail(name, "CSV has a header but no rows")
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
        path = Path(os.path.realpath(root / filename))
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
    meta_file = folder / "dataset.json"
    meta = read_json(meta_file) if meta_file.exists() else {}
    if not isinstance(meta, dict):
        _fail("dataset.json", "must be a JSON object")
    data = {"meta": meta, "folder": folder, "nul_layers": set()}
    problems = []
    for layer, (file, declared) in layer_files(folder, meta).items():
        name = schema.FILES[layer]["file"]
        if not file.exists() and layer not in schema.REQUIRED_LAYERS and not declared:
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

def _feature_list(content):
    return content["features"] if isinstance(content, dict) else []


def _geometries(features):
    """Shapely geometries in 2D (a height in the coordinates is dropped), one vectorized call for points."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    if features and all(f["geometry"]["type"] == "Point" for f in features):
        return shapely.points(np.array([f["geometry"]["coordinates"][:2] for f in features], dtype=float))
    return shapely.force_2d([shape(f["geometry"]) for f in features])


def _layer_frame(features, layer):
    import geopandas as gpd
    import pandas as pd

    columns = schema.columns(layer)
    data = {c: [f["properties"].get(c) for f in features] for c in columns}
    return gpd.GeoDataFrame(pd.DataFrame(data, columns=columns), geometry=_geometries(features), crs="EPSG:4326")


def _changes_frame(place_features):
    import pandas as pd

    columns = schema.columns("places", "control")
    rows = [(f["properties"]["place_id"], seq, state)
            for f in place_features for seq, state in enumerate(f["properties"]["control"])]
    data = {"place_id": [p for p, _, _ in rows], "seq": [q for _, q, _ in rows]}
    data.update({c: [state.get(c) for _, _, state in rows] for c in columns})
    return pd.DataFrame(data, columns=["place_id", "seq", *columns])


def _casualties_frame(event_features):
    import pandas as pd

    rows = [{"event_id": f["properties"]["event_id"], "kind": kind, **fig}
            for f in event_features
            for kind in ("casualties", "counts")
            for fig in f["properties"].get(kind) or []]
    return pd.DataFrame(rows, columns=["event_id", "kind", *schema.columns("events", "casualties")])


def frames(data):
    """The tidy tables of a checked folder: keyword arguments for Dataset(...)."""
    import pandas as pd

    places = _feature_list(data["places"])
    events = _feature_list(data.get("events"))
    sources = pd.DataFrame(data["sources"]) if data.get("sources") else None
    return {
        "places": _layer_frame(places, "places"),
        "changes": _changes_frame(places),
        "events": _layer_frame(events, "events"),
        "casualties": _casualties_frame(events),
        "routes": _layer_frame(_feature_list(data.get("routes")), "routes"),
        "sources": sources,
        "meta": data["meta"], "forces": data.get("forces"), "claims": data.get("claims"), "folder": data["folder"],
    }
