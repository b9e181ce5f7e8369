"""Readers: one per format, each returning the tidy tables a Dataset is built from.

    folder.py   a dataset folder (GeoJSON layers, sources.csv, dataset.json, forces.json, claims.json)
    columnar.py the fast path for a clean folder: typed decoding (msgspec) and column checks (screen.py)
    gpkg.py     the GeoPackage that `jisrgeo export --format gpkg` writes
    parquet.py  the GeoParquet folder that `jisrgeo export --format parquet` writes
    cache.py    the validated GeoParquet copy of a folder kept in the user's cache directory
    imports.py  ACLED and UCDP GED CSV exports as dataset files (acled.py and ucdp.py map their rows);
                jisrgeo.read_acled / jisrgeo.read_ucdp make Datasets of them
"""

from . import cache, columnar
from .folder import bundled_path, frames, read_folder
from .gpkg import read_gpkg
from .parquet import read_parquet_folder

__all__ = ["bundled_path", "read_folder", "frames", "read_gpkg", "read_parquet_folder", "cache", "columnar"]
