"""jisrgeo: the second battle of Jisr al-Shughur (2015) as cited geodata, with tools to query, map and export it.

    >>> import jisrgeo
    >>> ds = jisrgeo.load()                    # the bundled battle
    >>> ds.control("2015-05-10")               # who held what at the end of 10 May
    >>> jisrgeo.distance("hospital", "Ariha")  # metres and bearing on WGS84

Every submodule named in the README is an attribute of the package, imported on first use
(`jisrgeo.maps.day_map`, `jisrgeo.claims.check_claims`, ...), so `import jisrgeo` stays fast.
"""

from __future__ import annotations

import functools
import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from ._version import __version__
from .errors import BadDate, DataError, JisrgeoError, Problem, UnknownPlace

if TYPE_CHECKING:
    from .dataset import Dataset
    from .geodesy import Distance

# The public submodules, imported when first used (PEP 562).
SUBMODULES = ("areas", "build", "claims", "compare", "dataset", "errors", "export", "geodesy", "io", "maps",
              "names", "output", "query", "repair", "rules", "scale", "schema", "sides", "timeline")

__all__ = ["load", "validate", "init", "normalize", "as_dataset", "dataset_source", "distance", "read_acled", "read_ucdp", "Dataset", "Distance",
           "JisrgeoError", "DataError", "UnknownPlace", "BadDate", "Problem", "__version__", *SUBMODULES]


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
    from .io import cache, columnar, frames, read_folder, read_gpkg, read_parquet_folder
    from .rules import check

    kind, folder = dataset_source(path)
    if kind == "gpkg":
        return Dataset(**read_gpkg(folder))
    _refuse_layer_export(folder)
    if kind == "parquet":  # cached by its own files
        files = sorted(folder.glob("*.parquet"))
        cached = cache.read(folder, files)
        if cached is not None:
            return Dataset.from_tables(**cached)
        ds = Dataset(**read_parquet_folder(folder))
        cache.write(folder, ds.meta, ds.tables(), files)
        return ds
    cached = cache.read(folder)
    if cached is not None:
        return Dataset.from_tables(**cached)
    tables = columnar.read(folder)  # the fast path: a clean folder, checked column by column
    if tables is None:  # something is wrong (or unusual): read it value by value to say what
        data = read_folder(folder)
        problems = check(data)
        if problems:
            raise DataError(problems)
        tables = frames(data)
        del data  # the parsed JSON (half the peak at war scale) is not needed once the tables exist
    ds = Dataset(**tables)
    cache.write(folder, tables["meta"], ds.tables(), lists=ds.control_lists() if cache.cache_root() else None)
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
    from .cvd import colour_problems, folder_colour_problems

    kind, folder = dataset_source(path)
    if kind != "folder":  # an export: its tables are checked as load() reads them
        try:
            return colour_problems(load(folder).vocabulary)
        except DataError as exc:
            return exc.problems
    return _folder_errors(folder) + folder_colour_problems(folder)


def _folder_errors(folder):
    from .io import columnar, read_folder
    from .rules import check

    try:
        _refuse_layer_export(folder)
    except DataError as exc:
        return exc.problems
    if columnar.is_clean(folder):
        return []  # clean, by the column checks; only a folder with problems is walked value by value
    try:
        return check(read_folder(folder))
    except DataError as exc:
        return exc.problems


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


def init(folder, name, period, sides, replace=False):
    """Start a new battle: write `folder` with dataset.json (name, period (start, end) as ISO dates,
    sides: codes, {code: label} or 'ypg=YPG,isis'), empty places, events and routes, and a
    sources.csv header. The folder validates, builds and exports as it is; DataError on bad input.

        >>> jisrgeo.init("kobani", "Siege of Kobani", ("2014-09-13", "2015-01-26"), "ypg=YPG,islamic_state=Islamic State")
    """
    from .skeleton import init as _init

    return _init(folder, name, period, sides, replace)


def normalize(path: str | os.PathLike, out: str | os.PathLike, replace: bool = False) -> Any:
    """Write a repaired copy of a dataset folder (reprojected to WGS84, no BOM) into `out`.

    Parameters
    ----------
    path : str or path-like
        The dataset folder to repair (never modified).
    out : str or path-like
        Must be new, empty or an earlier copy of ours.
    replace : bool, default False
        Also write into a folder of yours (same names only).
    """
    from .repair import normalize as _normalize

    return _normalize(path, out, replace)


def distance(a: str | tuple[float, float], b: str | tuple[float, float], dataset: Dataset | str | os.PathLike | None = None) -> Distance:
    """Geodesic distance and initial bearing from `a` to `b` on WGS84.

    Parameters
    ----------
    a, b : str or tuple of float
        Place names, aliases or ids (of `dataset`), or (lon, lat) pairs.
    dataset : Dataset or path, optional
        Where names are looked up (default: the default dataset, loaded once per process).

    Returns
    -------
    jisrgeo.geodesy.Distance
        A NamedTuple (origin, destination, distance_m, bearing_deg), with `.km` and `.compass`.

    Examples
    --------
    >>> jisrgeo.distance("hospital", "Ariha").km          # doctest: +SKIP
    >>> jisrgeo.distance((36.3, 35.8), (36.6, 35.8))      # coordinates need no dataset
    """
    from .geodesy import distance as _distance

    if _is_pair(a) and _is_pair(b):
        return _distance(a, b)
    return as_dataset(dataset).distance(a, b)


def as_dataset(dataset: Dataset | str | os.PathLike | None) -> Dataset:
    """A Dataset from what a public function's `dataset` argument may be: a Dataset, a path (a folder,
    .gpkg or parquet export, as `load` takes), or None for the default dataset."""
    from .dataset import Dataset

    if dataset is None:
        return default_dataset()
    if isinstance(dataset, Dataset):
        return dataset
    return load(dataset)


def _is_pair(value: object) -> TypeGuard[tuple[float, float]]:
    return isinstance(value, (tuple, list)) and len(value) == 2


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


def _importer(kind: str):
    from .io.ingest import ORIGINS

    def read(path, sides=None, country=None, start=None, end=None, bbox=None, within=None, strict=False):
        from .dataset import Dataset
        from .io.imports import Filters, tables_of
        from .io.ingest import import_files

        files, report = import_files(kind, path, sides, Filters(country, start, end, bbox, within), strict)
        return Dataset(**tables_of(files)), report

    read.__name__ = read.__qualname__ = f"read_{kind}"
    read.__doc__ = (f"(Dataset, report) from a {ORIGINS[kind]} CSV export.\n\n"
                    "Parameters\n----------\n"
                    "path : str or path-like\n    The CSV file.\n"
                    "sides : dict, optional\n    {actor name or glob pattern: side code}, matched case-insensitively;\n"
                    "    unmatched actors are listed in report['unmatched_actors'].\n"
                    "country, start, end, bbox, within : optional\n    Filters: a country, ISO dates, (west, south, east,"
                    " north), (lon, lat, metres).\n"
                    "strict : bool, default False\n    Raise DataError on a malformed row instead of listing it in"
                    " report['skipped'].\n\n"
                    "Returns\n-------\ntuple of (Dataset, dict)\n")
    return read


def __getattr__(name: str) -> Any:
    # Submodules and the classes that pull in geopandas are imported only when first asked for.
    if name in SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name == "Dataset":
        from .dataset import Dataset

        return Dataset
    if name == "Distance":
        from .geodesy import Distance

        return Distance
    if name in ("read_acled", "read_ucdp"):
        reader = _importer(name[len("read_"):])
        globals()[name] = reader
        return reader
    raise AttributeError(f"module 'jisrgeo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
