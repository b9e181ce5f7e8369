"""jisrgeo: the second battle of Jisr al-Shughur (2015) as cited geodata, with tools to query, map and export it.

    >>> import jisrgeo
    >>> ds = jisrgeo.load()                    # the bundled battle
    >>> ds.control("2015-05-10")               # who held what at the end of 10 May
    >>> jisrgeo.distance("hospital", "Ariha")  # metres and bearing on WGS84
"""

from .errors import BadDate, DataError, JisrgeoError, Problem, UnknownPlace

__all__ = ["load", "validate", "normalize", "distance", "Dataset", "JisrgeoError", "DataError", "UnknownPlace",
           "BadDate", "Problem"]
__version__ = "0.1.0"


def load(path=None):
    """Load a dataset folder (default: the bundled battle); DataError lists every problem."""
    from .dataset import Dataset
    from .io import read_folder, without_gc
    from .rules import check

    with without_gc():
        data = read_folder(path)
        problems = check(data)
        if problems:
            raise DataError(problems)
        return Dataset(data)


def validate(path=None):
    """Every Problem in a dataset folder (empty when clean); never modifies the files."""
    from .io import read_folder, without_gc
    from .rules import check

    try:
        with without_gc():
            return check(read_folder(path))
    except DataError as exc:
        return exc.problems


def normalize(path, out):
    """Write a repaired copy of a dataset folder (reprojected to WGS84, no BOM) into `out`."""
    from .repair import normalize as _normalize

    return _normalize(path, out)


def distance(a, b, dataset=None):
    """Geodesic distance in metres and initial bearing from a to b (names, ids or (lon, lat))."""
    from .geodesy import distance as _distance

    return _distance(a, b, dataset)


def __getattr__(name):
    # Dataset pulls in geopandas: import it only when asked for.
    if name == "Dataset":
        from .dataset import Dataset

        return Dataset
    raise AttributeError(f"module 'jisrgeo' has no attribute {name!r}")
