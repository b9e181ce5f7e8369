"""Read a dataset folder into plain Python structures; nothing is checked here but readability."""

import contextlib
import csv
import gc
import io as _io
import json
from importlib import resources
from pathlib import Path

from .errors import DataError, Problem

DEFAULT_LAYERS = {
    "places": "places.geojson",
    "events": "events.geojson",
    "routes": "routes.geojson",
    "sources": "sources.csv",
    "forces": "forces.json",
    "claims": "claims.json",
}
REQUIRED = ("places", "events", "sources")
# A layer file above this size is refused before parsing rather than exhausting memory.
MAX_FILE_BYTES = 512 * 1024 * 1024


@contextlib.contextmanager
def without_gc():
    """Pause the cycle collector while a dataset is read: parsing builds millions of small dicts
    and lists, none of them cycles, and the collector would rescan them again and again
    (it triples the time of a war-scale load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def bundled_path():
    """The folder of the bundled battle, wherever the package is installed."""
    installed = Path(str(resources.files("jisrgeo"))) / "geodata"
    # An editable install has no copy inside the package: use the checkout's geodata/.
    return installed if installed.is_dir() else Path(__file__).resolve().parents[2] / "geodata"


def _read_text(path):
    name = path.name
    if not path.is_file():
        raise DataError([Problem(name, "", "", f"missing file {path}")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataError([Problem(name, "", "", f"file is {size:,} bytes, above the {MAX_FILE_BYTES:,}-byte limit")])
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError([Problem(name, "", "", "file is empty")])
    try:
        return raw.decode("utf-8-sig")  # a BOM from Windows tools is harmless
    except UnicodeDecodeError as exc:
        raise DataError([Problem(name, "", "", f"not UTF-8 text (byte {exc.start}); re-save the file as UTF-8")]) from None


def read_json(path):
    return parse_json(path, _read_text(path))


def parse_json(path, text):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError([Problem(path.name, "", "", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")]) from None


def read_csv(path):
    text = _read_text(path)
    try:
        rows = list(csv.DictReader(_io.StringIO(text)))
    except csv.Error as exc:
        raise DataError([Problem(path.name, "", "", f"invalid CSV: {exc}")]) from None
    if not rows:
        raise DataError([Problem(path.name, "", "", "CSV has a header but no rows")])
    return rows


def read_folder(path=None):
    """Return {'meta': ..., 'folder': Path, layer: parsed content} for a dataset folder."""
    folder = bundled_path() if path is None else Path(path)
    if not folder.is_dir():
        raise DataError([Problem(str(folder), "", "", "not a dataset folder (expected places.geojson, events.geojson, sources.csv)")])
    meta_file = folder / "dataset.json"
    meta = read_json(meta_file) if meta_file.exists() else {}
    if not isinstance(meta, dict):
        raise DataError([Problem("dataset.json", "", "", "must be a JSON object")])
    layers = {**DEFAULT_LAYERS, **meta.get("layers", {})}
    data = {"meta": meta, "folder": folder, "nul_layers": set()}
    for layer, filename in layers.items():
        file = folder / filename
        if not file.exists() and layer not in REQUIRED:
            data[layer] = None
            continue
        if filename.endswith(".csv"):
            data[layer] = read_csv(file)
            continue
        text = _read_text(file)
        # JSON can only carry NUL as \u0000: one scan of the text spares a walk of every string.
        if "\\u0000" in text:
            data["nul_layers"].add(layer)
        data[layer] = parse_json(file, text)
    return data
