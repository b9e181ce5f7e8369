"""Write the export layers as GeoPackage, GeoJSON or CSV, each file atomically."""

import contextlib
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyogrio

from ..atomic import atomic_file
from .layers import export_layers
from .qgis import STYLE_TIME, project_xml, write_styles

GEOJSON_OPTIONS = {"RFC7946": "YES", "COORDINATE_PRECISION": 6, "WRITE_NAME": "NO"}


@contextlib.contextmanager
def _fixed_gdal_clock():
    # GDAL stamps gpkg_contents.last_change with the current time unless told otherwise.
    previous = os.environ.get("OGR_CURRENT_DATE")
    os.environ["OGR_CURRENT_DATE"] = STYLE_TIME
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("OGR_CURRENT_DATE", None)
        else:
            os.environ["OGR_CURRENT_DATE"] = previous


def _is_spatial(frame):
    return hasattr(frame, "geometry") and "geometry" in frame.columns


def to_gpkg(ds, path, project=True):
    """One GeoPackage with every layer and QGIS default styles.

    With project=True a QGIS project (same name, .qgs) is written beside it that
    opens the layers styled with the Temporal Controller already active.
    """
    path = Path(path)
    with atomic_file(path) as tmp, _fixed_gdal_clock():
        for name, frame in export_layers(ds).items():
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", use_arrow=True, append=tmp.exists())
        write_styles(tmp)
    if project:
        start, end = ds.period
        with atomic_file(path.with_suffix(".qgs")) as tmp:
            # The animation runs to the end of the last day: QGIS ranges exclude their end.
            tmp.write_text(project_xml(ds.meta.get("name", path.stem), path.name, start, end + pd.Timedelta(days=1)),
                           encoding="utf-8")
    return path


def to_geojson(ds, folder):
    """One RFC 7946 GeoJSON file per spatial layer (tables go to CSV beside them)."""
    folder = Path(folder)
    written = []
    for name, frame in export_layers(ds).items():
        if _is_spatial(frame):
            target = folder / f"{name}.geojson"
            with atomic_file(target) as tmp:
                pyogrio.write_dataframe(frame, tmp, driver="GeoJSON", use_arrow=True, layer_options=GEOJSON_OPTIONS)
        else:
            target = _write_csv(frame, folder / f"{name}.csv")
        written.append(target)
    return written


def _write_csv(frame, target):
    """CSV with a .csvt sidecar so GDAL (and QGIS) read the column types back exactly."""
    options = {"CREATE_CSVT": "YES"}
    if _is_spatial(frame):
        if (frame.geom_type == "Point").all():
            frame = frame.assign(lon=frame.geometry.x.round(6), lat=frame.geometry.y.round(6)).drop(columns="geometry")
        else:
            options["GEOMETRY"] = "AS_WKT"
    target.parent.mkdir(parents=True, exist_ok=True)
    # GDAL writes .csv, .csvt (and .prj for WKT) together: write them aside, then move the two we keep.
    with tempfile.TemporaryDirectory(prefix=f".{target.stem}.", dir=target.parent) as scratch:
        written = Path(scratch) / target.name
        pyogrio.write_dataframe(frame, written, driver="CSV", use_arrow=True, layer_options=options)
        os.replace(written.with_suffix(".csvt"), target.with_suffix(".csvt"))
        os.replace(written, target)
    return target


def to_csv(ds, folder):
    """One CSV per layer: points as lon/lat columns, lines as WKT, types in .csvt sidecars."""
    folder = Path(folder)
    return [_write_csv(frame, folder / f"{name}.csv") for name, frame in export_layers(ds).items()]
