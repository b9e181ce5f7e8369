"""Quick answers from the load cache, with the standard library only.

Importing pandas and geopandas takes longer than `jisrgeo control --date D` should take in all.
Once a dataset folder has been loaded, its cache entry (io/cache.py) also holds the places and
their control intervals as plain lists (Dataset.control_lists), under the same key: the package
version and the bytes of every input file. control() answers from them exactly as
Dataset.control() would; it returns None whenever there is no such entry, and the caller then
loads the dataset as usual. Nothing here decides whether data is valid.

Why a second control() and not one core shared with Dataset.control (issue 32 asked; measured on a
war of 8,000 places and 68,000 intervals): the pick of each place's interval takes 0.15 ms with
numpy and 9.8 ms as this loop over lists. A pure-Python core would make Dataset.control (2.3 ms in
all) four times slower; a numpy core would add numpy's import (115 ms) to every warm command, whose
whole budget is 0.5 s, and break its promise of no pandas/numpy. tests/test_quick.py holds the two
answers equal, day by day and format by format, on the bundled battle and on Aleppo.
"""

import os

from .errors import BadDate
from .shape import parse_date

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
    state: list[int | None] = [None] * len(places["place_id"])
    # ISO days compare as the days they name; intervals are [start, end).
    for k, (row, first, last) in enumerate(zip(iv["row"], iv["start"], iv["end"])):
        if first <= day < last:
            state[row] = k
    rows = [{"place_id": pid, "name": name, **{c: (iv[c][k] if k is not None else None) for c in COLUMNS}}
            for pid, name, k in zip(places["place_id"], places["name"], state)]
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
