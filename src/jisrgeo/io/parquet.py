"""Read back the GeoParquet folder that `jisrgeo export --format parquet` writes, as the tables of a Dataset."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..errors import DataError, Problem
from .folder import inside
from .gpkg import NEEDED, from_layers

if TYPE_CHECKING:
    import pandas as pd


def check_size(path: str | os.PathLike) -> None:
    """Refuse a GeoParquet layer whose footer declares more than schema.MAX_LAYER_ROWS rows or more than
    schema.MAX_LAYER_BYTES uncompressed, from its metadata alone (a 92 KB file can hold millions of rows)."""
    import pyarrow.parquet as pq

    from .folder import open_file

    name = Path(path).name
    with open_file(path, name) as handle:
        try:
            meta = pq.ParquetFile(handle).metadata
        except Exception as exc:  # pyarrow raises its own types for a file that is no Parquet
            raise DataError([Problem(name, "", "", f"cannot read as GeoParquet: {exc}")]) from None
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if meta.num_rows > schema.MAX_LAYER_ROWS:
        raise DataError([Problem(name, "", "", f"holds {meta.num_rows:,} rows, above the {schema.MAX_LAYER_ROWS:,} a "
                                               "layer may hold: refused unread")])
    if size > schema.MAX_LAYER_BYTES:
        raise DataError([Problem(name, "", "", f"declares {size:,} bytes uncompressed, above the "
                                               f"{schema.MAX_LAYER_BYTES:,} a layer may take: refused unread")])


def read_parquet_folder(folder: str | os.PathLike) -> dict[str, Any]:
    """Keyword arguments for Dataset(...) from a folder of our GeoParquet layers; DataError if incomplete."""
    import geopandas as gpd
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    folder = Path(folder)
    missing = [layer for layer in NEEDED if not (folder / f"{layer}.parquet").is_file()]
    if missing:
        raise DataError([Problem(f"{layer}.parquet", "", "", "missing: not a folder written by jisrgeo export --format parquet")
                         for layer in missing])
    for layer in NEEDED:
        path = folder / f"{layer}.parquet"
        if not inside(folder, path):
            raise DataError([Problem(path.name, "", "", "a link to a file outside the folder: refused")])
        if not stat.S_ISREG(os.stat(path).st_mode) or os.stat(path).st_size > schema.MAX_FILE_BYTES:
            raise DataError([Problem(path.name, "", "", f"not a regular file, or above the {schema.MAX_FILE_BYTES:,}-byte limit")])

    for layer in NEEDED:  # every layer's budget before any is read
        check_size(folder / f"{layer}.parquet")

    def read(layer: str, read_geometry: bool = True) -> pd.DataFrame:  # a GeoDataFrame with read_geometry
        path = folder / f"{layer}.parquet"
        try:
            frame = gpd.read_parquet(path) if read_geometry else pd.read_parquet(path)
        except Exception as exc:  # pyarrow and geopandas raise their own types for a damaged file
            raise DataError([Problem(path.name, "", "", f"cannot read as GeoParquet: {exc}")]) from None
        # Arrow dates come back as date32 columns: the Dataset wants ISO text, as a folder gives it.
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.ArrowDtype) and pa.types.is_date(frame[column].dtype.pyarrow_dtype):
                # Arrow writes a date32 as its ISO text in one call, instead of a date object per value.
                frame[column] = pc.cast(pa.array(frame[column].array), pa.string()).to_pylist()
        return frame
    return from_layers(read, folder)
