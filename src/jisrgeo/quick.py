"""Quick answers from the load cache, without pandas.

Importing pandas and geopandas takes longer than `jisrgeo control --date D` should take in all.
Once a dataset folder has been loaded, its cache entry (io/cache.py) also holds the places and
their control intervals as plain lists (Dataset.control_lists), under the same key: the package
version and the bytes of every input file. control() picks each place's state with the core
Dataset.control uses (states.holding); it returns None whenever there is no such entry, and the
caller then loads the dataset as usual. Nothing here decides whether data is valid.
"""

import os

import numpy as np

from .errors import BadDate
from .shape import parse_date
from .states import holding

COLUMNS = ("controller", "status", "challenger", "since", "basis", "date_precision")


def control(data_path: str | os.PathLike | None, date: str) -> tuple[list[dict], list[dict], dict] | None:
    """(rows, geometries, lists) of control at the end of `date`, or None without a cached answer.

    rows: {place_id, name, controller, status, challenger, since, basis, date_precision} per place in the dataset's order
    (None where no state is recorded); geometries: GeoJSON points; lists: the cached lists
    (name, period, meta, used_sides). BadDate as Dataset.control raises it.
    """
    lists = _lists(data_path)
    if lists is None:
        return None
    parsed = parse_date(date)
    if parsed is None:
        raise BadDate.malformed(date)
    start, end = lists["period"]
    day = parsed.isoformat()
    if not start <= day <= end:
        raise BadDate.outside(day, start, end)
    places, iv = lists["places"], lists["intervals"]
    if any(c not in iv for c in COLUMNS):
        return None  # a cache entry written before these columns: loaded as usual
    which = holding(np.array(iv["start"], dtype="datetime64[D]"), np.array(iv["end"], dtype="datetime64[D]"),
                    np.array(iv["row"], dtype=np.intp), len(places["place_id"]), np.datetime64(day, "D"))
    rows = [{"place_id": pid, "name": name, **{c: (iv[c][k] if k >= 0 else None) for c in COLUMNS}}
            for pid, name, k in zip(places["place_id"], places["name"], which.tolist())]
    geometry = [{"type": "Point", "coordinates": [lon, lat]} for lon, lat in zip(places["lon"], places["lat"])]
    return rows, geometry, lists


def _lists(data_path):
    from .loader import default_path
    from .io import cache
    from .io.folder import dataset_folder, is_parquet_export

    folder = dataset_folder(default_path(data_path))
    if not folder.is_dir() or is_parquet_export(folder):
        return None  # a GeoPackage or a parquet export: loaded as usual
    return cache.read_lists(folder)
