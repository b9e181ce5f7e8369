"""jisrgeo: the second battle of Jisr al-Shughur (2015) as cited geodata, with tools to query, map and export it.

    >>> import jisrgeo
    >>> ds = jisrgeo.load()                    # the bundled battle
    >>> ds.control("2015-05-10")               # who held what at the end of 10 May
    >>> jisrgeo.distance("hospital", "Ariha")  # metres and bearing on WGS84

Every submodule named in the README is an attribute of the package, imported on first use
(`jisrgeo.maps.day_map`, `jisrgeo.claims.check_claims`, ...), so `import jisrgeo` stays fast.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from ._version import __version__
from .errors import BadDate, DataError, JisrgeoError, Problem, UnknownPlace
from .loader import as_dataset, dataset_source, load, validate
from .loader import default_dataset as default_dataset, default_path as default_path  # kept public

if TYPE_CHECKING:
    from .dataset import Dataset
    from .geodesy import Distance

# The public submodules, imported when first used (PEP 562).
SUBMODULES = ("areas", "build", "claims", "compare", "dataset", "errors", "export", "geodesy", "io", "maps",
              "names", "output", "query", "repair", "rules", "scale", "schema", "sides", "timeline")

__all__ = ["load", "validate", "init", "normalize", "as_dataset", "dataset_source", "distance", "read_acled", "read_ucdp", "Dataset", "Distance",
           "JisrgeoError", "DataError", "UnknownPlace", "BadDate", "Problem", "__version__", *SUBMODULES]


def init(folder: str | os.PathLike[str], name: str, period: tuple[str | date, str | date],
         sides: str | dict[str, str] | Iterable[str], replace: bool = False) -> Path:
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


def _is_pair(value: object) -> TypeGuard[tuple[float, float]]:
    return isinstance(value, (tuple, list)) and len(value) == 2


def read_acled(path: str | os.PathLike[str], sides: Mapping[str, str] | None = None, country: str | None = None,
               start: str | None = None, end: str | None = None, bbox: tuple[float, float, float, float] | None = None,
               within: tuple[float, float, float] | None = None, strict: bool = False) -> tuple[Dataset, dict[str, Any]]:
    """(Dataset, report) from an ACLED CSV export.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    sides : dict, optional
        {actor name or glob pattern: side code}, matched case-insensitively; unmatched actors are listed
        in report['unmatched_actors'].
    country, start, end, bbox, within : optional
        Filters: a country, ISO dates, (west, south, east, north), (lon, lat, metres).
    strict : bool, default False
        Raise DataError on a malformed row instead of listing it in report['skipped'].

    Returns
    -------
    tuple of (Dataset, dict)
    """
    return _read_import("acled", path, sides, country, start, end, bbox, within, strict)


def read_ucdp(path: str | os.PathLike[str], sides: Mapping[str, str] | None = None, country: str | None = None,
              start: str | None = None, end: str | None = None, bbox: tuple[float, float, float, float] | None = None,
              within: tuple[float, float, float] | None = None, strict: bool = False) -> tuple[Dataset, dict[str, Any]]:
    """(Dataset, report) from a UCDP GED CSV export; parameters and result as in read_acled."""
    return _read_import("ucdp", path, sides, country, start, end, bbox, within, strict)


def _read_import(kind, path, sides, country, start, end, bbox, within, strict):
    from .dataset import Dataset
    from .io.imports import Filters, tables_of
    from .io.ingest import import_files

    files, report = import_files(kind, path, sides, Filters(country, start, end, bbox, within), strict)
    return Dataset(**tables_of(files)), report


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
    raise AttributeError(f"module 'jisrgeo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
