"""Repair what can be repaired mechanically, into a new folder: the input is never modified.

- GeoJSON layers in a projected CRS (a legacy 'crs' member, as QGIS exports) are reprojected to
  WGS84 lon/lat with pyproj and written without the member, 6 decimals, as RFC 7946 asks;
- a byte-order mark is dropped.
"""

import json
import shutil
from pathlib import Path

from pyproj import CRS, Transformer

from .output import output_folder
from .errors import JisrgeoError
from .io.folder import read_json
from .schema import LAYER_FILES
from .rules import crs_name, is_wgs84


def _reproject(content, source):
    try:
        transformer = Transformer.from_crs(CRS.from_user_input(source), "EPSG:4326", always_xy=True)
    except Exception as exc:  # pyproj raises several types for unknown names
        raise JisrgeoError(f"cannot reproject from {source!r}: {exc}") from None

    def convert(coords):
        if coords and isinstance(coords[0], (int, float)):
            x, y = transformer.transform(coords[0], coords[1])
            return [round(x, 6), round(y, 6)]
        return [convert(c) for c in coords]

    for feature in content.get("features", []):
        geometry = feature.get("geometry")
        if isinstance(geometry, dict) and "coordinates" in geometry:
            geometry["coordinates"] = convert(geometry["coordinates"])
    content.pop("crs", None)
    return content


def normalize(path, out, replace=False):
    """Write a repaired copy of the dataset folder `path` into `out`; returns what was changed.

    `out` must be new, empty or a previous copy of ours; it may not be, hold or lie inside `path`.
    """
    src = Path(path).resolve()
    if not src.is_dir():
        raise JisrgeoError(f"{src} is not a dataset folder")
    changes = []
    with output_folder(out, [src], replace) as tmp:
        for item in sorted(src.iterdir()):
            if item.is_file():
                shutil.copy2(item, tmp / item.name)
        for filename in LAYER_FILES.values():
            file = src / filename
            if not file.exists():
                continue
            raw = file.read_bytes()
            if raw.startswith(b"\xef\xbb\xbf"):
                (tmp / filename).write_bytes(raw[3:])
                changes.append(f"{filename}: removed the byte-order mark")
            if filename.endswith(".geojson"):
                content = read_json(file)
                source = crs_name(content)
                if source and not is_wgs84(source):
                    _reproject(content, source)
                    (tmp / filename).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
                    changes.append(f"{filename}: reprojected from {source} to WGS84 lon/lat and dropped the 'crs' member")
                elif source:
                    content.pop("crs")
                    (tmp / filename).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
                    changes.append(f"{filename}: dropped the legacy 'crs' member (already WGS84)")
    return changes
