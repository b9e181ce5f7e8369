"""Repair what can be repaired mechanically, into a new folder: the input is never modified.

- GeoJSON layers in a projected CRS (a legacy 'crs' member, as QGIS exports) are reprojected to
  WGS84 lon/lat with pyproj and written without the member, 6 decimals, as RFC 7946 asks;
- a byte-order mark is dropped.
"""

import json
import math
import os
import stat
from typing import Any
from pathlib import Path

from pyproj import CRS, Transformer

from .output import OutputError, os_error_message, output_folder
from .errors import DataError, JisrgeoError, Problem
from .io.folder import parse_json, read_bytes
from .schema import LAYER_FILES
from .rules import crs_name, is_wgs84


def _reproject(content, source):
    try:
        transformer = Transformer.from_crs(CRS.from_user_input(source), "EPSG:4326", always_xy=True)
    except Exception as exc:  # pyproj raises several types for unknown names
        raise JisrgeoError(f"cannot reproject from {source!r}: {exc}") from None

    def convert(coords: Any) -> Any:  # a GeoJSON coordinates array, nested to any depth
        if not isinstance(coords, list):
            return coords  # not a position: left as it is, for validate to name
        if len(coords) >= 2 and all(_is_number(c) for c in coords[:2]):
            try:
                x, y = transformer.transform(coords[0], coords[1])
            except Exception:  # pyproj's errors for a point it cannot transform
                return coords
            if not (math.isfinite(x) and math.isfinite(y)):
                return coords  # outside the projection's domain: validate says where
            return [round(x, 6), round(y, 6), *coords[2:]]
        return [convert(c) for c in coords]

    features = content.get("features")
    for feature in features if isinstance(features, list) else []:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and "coordinates" in geometry:
            geometry["coordinates"] = convert(geometry["coordinates"])
    content.pop("crs", None)
    return content


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _write(target, data, out):
    """Write into the temporary copy; a failure (a full disk) names the output, never the input."""
    try:
        if isinstance(data, str):
            target.write_text(data, encoding="utf-8")
        else:
            target.write_bytes(data)
    except OSError as exc:
        raise OutputError(os_error_message(OSError(exc.errno, exc.strerror), Path(out) / target.name)) from None


def normalize(path: str | os.PathLike, out: str | os.PathLike, replace: bool = False) -> list[str]:
    """Write a repaired copy of the dataset folder `path` into `out`; returns what was changed.

    `out` must be new, empty or a previous copy of ours; it may not be, hold or lie inside `path`.
    Only regular files are copied: a symbolic link (and what it points to), a device, pipe or
    socket, or a sub-folder is left out, and said so.
    """
    src = Path(path).resolve()
    if not src.is_dir():
        raise JisrgeoError(f"{src} is not a dataset folder")
    changes = []
    with output_folder(out, [src], replace) as tmp:
        copied = {}
        for item in sorted(src.iterdir()):
            kind = _kind(item)
            if kind != "file":
                changes.append(f"{item.name}: not copied ({kind}; normalize copies regular files only)")
                continue
            try:
                copied[item.name] = read_bytes(item, item.name, root=src)
            except DataError as exc:
                changes.append(f"{item.name}: not copied ({exc.problems[0].reason})")
                continue
            _write(tmp / item.name, copied[item.name], out)
        for filename in LAYER_FILES.values():
            raw = copied.get(filename)
            if raw is None:
                continue
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
                _write(tmp / filename, raw, out)
                changes.append(f"{filename}: removed the byte-order mark")
            if filename.endswith(".geojson"):
                content = parse_json(filename, _text(raw, filename))
                source = crs_name(content.get("crs")) if isinstance(content, dict) else None
                if source and not is_wgs84(source):
                    _reproject(content, source)
                    _write(tmp / filename, json.dumps(content, ensure_ascii=False), out)
                    changes.append(f"{filename}: reprojected from {source} to WGS84 lon/lat and dropped the 'crs' member")
                elif source:
                    content.pop("crs")
                    _write(tmp / filename, json.dumps(content, ensure_ascii=False), out)
                    changes.append(f"{filename}: dropped the legacy 'crs' member (already WGS84)")
    return changes


def _kind(item):
    mode = os.lstat(item).st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "file" if stat.S_ISREG(mode) else "a device, pipe or socket"


def _text(raw, name):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError([Problem(name, "", "", f"not UTF-8 text (byte {exc.start}); re-save the file as UTF-8")]) from None
