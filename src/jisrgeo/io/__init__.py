"""Readers: one per format, each returning the tidy tables a Dataset is built from.

    folder.py   a dataset folder (GeoJSON layers, sources.csv, dataset.json, forces.json, claims.json)
    gpkg.py     the GeoPackage that `jisrgeo export --format gpkg` writes
"""

from .folder import bundled_path, frames, read_folder
from .gpkg import read_gpkg

__all__ = ["bundled_path", "read_folder", "frames", "read_gpkg"]
