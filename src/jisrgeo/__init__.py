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
    """Load a dataset (default: $JISRGEO_DATA, else the bundled battle); DataError lists every problem.

    `path` is a dataset folder, a GeoPackage written by `jisrgeo export --format gpkg`, or a folder of
    GeoParquet files written by `jisrgeo export --format parquet`. A folder that passed validation is
    cached as GeoParquet (see jisrgeo.io.cache), so loading it again skips parsing and checking.
    """
    from .dataset import Dataset
    from .io import cache, columnar, frames, read_folder, read_gpkg, read_parquet_folder
    from .io.folder import dataset_folder, is_parquet_export
    from .rules import check

    path = default_path(path)
    if path is not None and str(path).lower().endswith(".gpkg"):
        return Dataset(**read_gpkg(path))
    folder = dataset_folder(path)
    if is_parquet_export(folder):  # cached by its own files
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


def validate(path=None):
    """Every Problem in a dataset folder (empty when clean); never modifies the files."""
    from .io import columnar, read_folder
    from .io.folder import dataset_folder
    from .rules import check

    from .io.folder import is_parquet_export

    path = default_path(path)
    if path is not None and (str(path).lower().endswith(".gpkg") or is_parquet_export(path)):
        try:  # a GeoPackage or GeoParquet dataset: checked as it is loaded, by the same rules
            load(path)
            return []
        except DataError as exc:
            return exc.problems
    if columnar.is_clean(dataset_folder(path)):
        return []  # clean, by the column checks; only a folder with problems is walked value by value
    try:
        return check(read_folder(path))
    except DataError as exc:
        return exc.problems


def default_path(path=None):
    """The dataset to use: `path`, else the JISRGEO_DATA environment variable, else None (bundled)."""
    import os

    if path is not None and str(path) != "":
        return path
    return os.environ.get("JISRGEO_DATA") or None


def normalize(path, out, replace=False):
    """Write a repaired copy of a dataset folder (reprojected to WGS84, no BOM) into `out`.

    `out` must be new, empty or an earlier copy (replace=True also writes into a folder of yours).
    """
    from .repair import normalize as _normalize

    return _normalize(path, out, replace)


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
