"""Opening a dataset: what a path names (a folder, a GeoPackage or a GeoParquet export), reading and
validating it (io), then the Dataset; and what a public function's `dataset` argument may be. The
top-level API (jisrgeo.load, jisrgeo.validate, ...) re-exports these; the library's own modules
(query, claims, compare) import them from here, below the top-level API.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataError, Problem
from .sides import Vocabulary

if TYPE_CHECKING:
    from .dataset import Dataset


def load(path: str | os.PathLike | None = None) -> Dataset:
    """Load a dataset.

    Parameters
    ----------
    path : str or path-like, optional
        A dataset folder, a GeoPackage written by ``jisrgeo export --format gpkg``, or a folder of
        GeoParquet files written by ``jisrgeo export --format parquet``. Default: the JISRGEO_DATA
        environment variable, else the bundled battle.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Listing every problem of a dataset that cannot be loaded.

    Notes
    -----
    A folder that passed validation is cached as GeoParquet (see jisrgeo.io.cache), so loading it
    again skips parsing and checking.
    """
    from .dataset import Dataset
    from .io import build, cache, read

    kind, folder = dataset_source(path)
    if kind != "gpkg":
        _refuse_layer_export(folder)
    files = sorted(folder.glob("*.parquet")) if kind == "parquet" else None  # a parquet export is cached by its files
    cached = cache.read(folder, files) if kind != "gpkg" else None
    if cached is not None:
        return Dataset.from_tables(**cached)
    tables, problems = read(kind, folder)
    if problems or tables is None:
        raise DataError(problems)
    frames = build(tables)
    del tables  # the parsed values (half the peak at war scale) are not needed once the frames exist
    ds = Dataset(**frames)
    if kind == "parquet":
        cache.write(folder, ds.meta, ds.tables(), files)
    elif kind == "folder":
        cache.write(folder, frames["meta"], ds.tables(), lists=ds.control_lists() if cache.cache_root() else None)
    return ds


def validate(path: str | os.PathLike | None = None) -> list[Problem]:
    """Every problem in a dataset folder (empty when clean); never modifies the files.

    Parameters
    ----------
    path : str or path-like, optional
        The dataset folder (default as in `load`).

    Returns
    -------
    list of Problem
        Each with file, feature_id, field, reason and severity: "error" (the dataset is wrong) or
        "warning" (side colours that colour-blind readers may confuse, with the nearest colour that
        passes; see jisrgeo.cvd). A dataset with warnings only still loads and builds.
    """
    from .cvd import colour_problems
    from .io import read
    from .rules import used_sides

    kind, folder = dataset_source(path)
    if kind != "gpkg":
        try:
            _refuse_layer_export(folder)
        except DataError as exc:
            return exc.problems
    tables, errors = read(kind, folder)
    if kind == "folder":
        return errors + colour_problems(Vocabulary(_meta_or_empty(folder)))
    # The sides a loaded Dataset would have, from the tables just read (not a second read and build).
    return errors or colour_problems(Vocabulary(tables["meta"], used_sides(tables)) if tables else Vocabulary())


def _meta_or_empty(folder):
    """dataset.json through the guarded reader, or {} when it cannot be read (validate has said why)."""
    from .io.folder import read_meta

    try:
        meta = read_meta(folder)
    except DataError:
        return {}
    return meta if isinstance(meta, dict) else {}


def dataset_source(path: str | os.PathLike | None = None) -> tuple[str, Path]:
    """The one rule for what a dataset path is, shared by load, validate and every --data: ('gpkg', file)
    for a .gpkg written by `jisrgeo export`, ('parquet', folder) for a folder of its GeoParquet files,
    else ('folder', folder) for a dataset folder (None: $JISRGEO_DATA, else the bundled battle)."""
    from .io.folder import dataset_folder, is_parquet_export

    path = default_path(path)
    if path is not None and str(path).lower().endswith(".gpkg"):
        return "gpkg", Path(path)
    folder = dataset_folder(path)
    return ("parquet" if is_parquet_export(folder) else "folder"), folder


# Written by `jisrgeo export --format geojson|csv` (layers for GIS), never part of a dataset folder.
EXPORT_MARKERS = ("control_states.csv", "control_intervals.geojson", "control_intervals.csv")


def _refuse_layer_export(folder: Path) -> None:
    """DataError with one clear line for a GeoJSON or CSV export of ours given as a dataset folder."""
    folder = Path(folder)
    if (folder / "dataset.json").is_file() or not any((folder / m).is_file() for m in EXPORT_MARKERS):
        return
    siblings = sorted(p.name for p in folder.parent.glob("*.gpkg")) + sorted(
        p.name for p in folder.parent.iterdir() if p.is_dir() and (p / "places.parquet").is_file())
    hint = f" (next to it: {', '.join(siblings)})" if siblings else ""
    raise DataError([Problem(str(folder), "", "", "this is a jisrgeo export of GIS layers, not a dataset folder: load "
                             "the .gpkg or the GeoParquet folder that `jisrgeo export --format gpkg|parquet` writes"
                             + hint)])


def default_path(path: str | os.PathLike | None = None) -> str | os.PathLike | None:
    """The dataset to use: `path`, else the JISRGEO_DATA environment variable, else None (bundled)."""
    if path is not None and str(path) != "":
        return path
    return os.environ.get("JISRGEO_DATA") or None


def as_dataset(dataset: Dataset | str | os.PathLike | None) -> Dataset:
    """A Dataset from what a public function's `dataset` argument may be: a Dataset, a path (a folder,
    .gpkg or parquet export, as `load` takes), or None for the default dataset."""
    from .dataset import Dataset

    if dataset is None:
        return default_dataset()
    if isinstance(dataset, Dataset):
        return dataset
    return load(dataset)


def default_dataset() -> Dataset:
    """The default dataset ($JISRGEO_DATA, else the bundled battle), loaded once per process and
    loaded again only when one of its files changes (their sizes and modification times are compared)."""
    from .io import bundled_path

    folder = Path(default_path() or bundled_path())
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*")) if p.is_file()) \
        if folder.is_dir() else ()
    return _loaded(str(folder), stamp)


@functools.lru_cache(maxsize=4)
def _loaded(folder: str, stamp: tuple) -> Dataset:
    return load(folder)
