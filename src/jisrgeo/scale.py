"""Event streams larger than memory: partitioned GeoParquet read with dask-geopandas.

A battle fits in memory; a whole war's event stream (hundreds of millions of rows, GDELT-sized) does
not. For that, write the events and their casualty figures as partitioned GeoParquet once, then let
dask compute summaries partition by partition (the optional extra: pip install 'jisrgeo[scale]').
The summaries use the same selection and merge rules as the in-memory ones (jisrgeo.claims), so both
paths give the same answers; dask schedules the work, we do not.

    >>> from jisrgeo import scale
    >>> scale.write_partitioned(ds, "war/", npartitions=64)      # or produce the same layout elsewhere
    >>> scale.event_counts("war/")                               # events per type
    >>> scale.casualty_totals("war/", end="2015-05-31")          # as jisrgeo.claims.casualty_totals
"""

import os
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd

from .claims import PER_INCIDENT, figure_rows, select_figures
from .timeline import DayLike

EVENTS, FIGURES = "events", "figures"


def _dask():
    try:
        import dask.dataframe as dd
        import dask_geopandas
    except ImportError:  # an optional extra: say how to get it
        raise ImportError("jisrgeo.scale needs dask-geopandas: pip install 'jisrgeo[scale]'") from None
    return dd, dask_geopandas


def _partitions(folder: str | os.PathLike, layer: str) -> list[str]:
    """The partition files of folder/layer, each passed through the guarded reader before dask opens it: a link
    out of the folder, a pipe, a device or a file above schema.MAX_FILE_BYTES is refused, and so is a partition
    whose footer declares more than schema.MAX_LAYER_ROWS rows or schema.MAX_LAYER_BYTES uncompressed (dask
    holds a partition in memory at a time: the per-layer budgets bound it). DataError, one line per file."""
    from .errors import DataError, Problem
    from .io.folder import inside
    from .io.parquet import check_size

    base = Path(folder) / layer
    try:
        names = os.listdir(base)
    except OSError as exc:
        raise DataError([Problem(layer, "", "", f"cannot read the partitions in {base}: {exc.strerror or exc} "
                                                "(write them with jisrgeo.scale.write_partitioned)")]) from None
    # part.2 before part.10, as dask orders them
    names = sorted((n for n in names if n.endswith(".parquet")),
                   key=lambda n: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", n)])
    if not names:
        raise DataError([Problem(layer, "", "", f"no .parquet partitions in {base}")])
    for name in names:
        if not inside(folder, base / name):
            raise DataError([Problem(f"{layer}/{name}", "", "", "a link to a file outside the folder: refused")])
        try:
            check_size(base / name)
        except DataError as exc:  # named by its layer too: every partition is called part.N.parquet
            raise DataError([Problem(f"{layer}/{name}", "", "", exc.problems[0].reason)]) from None
    return [str(base / name) for name in names]


def write_partitioned(ds: Any, folder: str | os.PathLike, npartitions: int = 4) -> Path:
    """The events (GeoParquet) and their casualty figures (Parquet) as `npartitions` files each, under
    folder/events/ and folder/figures/. Partitions follow event date order."""
    dd, dask_geopandas = _dask()
    folder = Path(folder)
    events = ds.events.drop(columns=["also_at", "refs"])  # lists stay in the in-memory dataset
    dask_geopandas.from_geopandas(events, npartitions=npartitions).to_parquet(folder / EVENTS, write_index=False)
    figures = figure_rows(ds).drop(columns=["text", "qualifier", "refs"], errors="ignore")
    dd.from_pandas(figures, npartitions=npartitions).to_parquet(folder / FIGURES, write_index=False)
    return folder


def event_counts(folder: str | os.PathLike, by: str = "type") -> pd.Series:
    """Number of events per value of `by`, counted partition by partition."""
    _, dask_geopandas = _dask()
    events = dask_geopandas.read_parquet(_partitions(folder, EVENTS), columns=[by, "geometry"])
    return events.groupby(by).size().compute().sort_index()


def casualty_totals(folder: str | os.PathLike, start: DayLike | None = None, end: DayLike | None = None,
                    types: Collection[str] | None = None, exclude: bool = False,
                    allegations: bool | str = False) -> pd.DataFrame:
    """Per side and outcome: sums of low/best/high over incidents, as jisrgeo.claims.casualty_totals
    (massacre allegations apart unless allegations=True, or alone with "only").

    Each partition selects and fills its figures; rival claims merge per incident across partitions
    (a tree reduction of min/max), and the incidents are then summed.
    """
    dd, _ = _dask()
    start = pd.Timestamp(start) if start is not None else None
    end = pd.Timestamp(end) if end is not None else None
    figures = dd.read_parquet(_partitions(folder, FIGURES))
    selected = figures.map_partitions(select_figures, start, end, types, exclude, allegations)
    per_incident = selected.groupby(["incident", "side", "outcome"]).agg(PER_INCIDENT).reset_index()
    totals = per_incident.groupby(["side", "outcome"]).agg(
        low=("low", "sum"), best=("best", "sum"), high=("high", "sum"), incidents=("incident", "count"))
    return totals.compute().reset_index().sort_values(["side", "outcome"], ignore_index=True)
