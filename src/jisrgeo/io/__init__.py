"""Readers: one per format, each returning the tidy tables a Dataset is built from.

    folder.py   a dataset folder (GeoJSON layers, sources.csv, dataset.json, forces.json, claims.json)
    tables.py   the tables every reader gives (rules.validate checks them) and the Dataset's frames
    gpkg.py     the GeoPackage that `jisrgeo export --format gpkg` writes
    parquet.py  the GeoParquet folder that `jisrgeo export --format parquet` writes
    cache.py    the validated GeoParquet copy of a folder kept in the user's cache directory
    imports.py  ACLED and UCDP GED CSV exports as dataset files (acled.py and ucdp.py map their rows);
                jisrgeo.read_acled / jisrgeo.read_ucdp make Datasets of them
"""

import os
from typing import Any

from ..errors import DataError, Problem
from . import cache
from .folder import bundled_path, read_tables
from .gpkg import read_gpkg
from .parquet import read_parquet_folder
from .tables import build

__all__ = ["bundled_path", "read_tables", "build", "read", "read_gpkg", "read_parquet_folder", "cache"]


def read(kind: str, path: str | os.PathLike) -> tuple[dict[str, Any] | None, list[Problem]]:
    """(tables, problems) of a dataset: kind 'folder', 'gpkg' or 'parquet' (jisrgeo.dataset_source says
    which); problems lists everything rules.validate finds, or why a file could not be read at all."""
    from ..rules import validate
    from .gpkg import renamed

    try:
        tables = {"folder": read_tables, "gpkg": read_gpkg, "parquet": read_parquet_folder}[kind](path)
        problems = validate(tables)
    except DataError as exc:
        return None, exc.problems
    except RecursionError:
        tables, problems = None, [Problem("dataset.json", "", "", "nested too deeply to read")]
    return tables, renamed(problems, path) if kind != "folder" else problems
