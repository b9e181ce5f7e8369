"""Spreadsheet-safe CSV cells (OWASP "CSV injection").

A spreadsheet runs a cell starting with one of schema.FORMULA_START as a formula: in CSV exports such
text cells get a leading apostrophe, which spreadsheets show as text and hide. raw=True (--raw-csv)
writes them as they are; jisrgeo's importers take the apostrophe off again.
"""

import pandas as pd

from ..schema import FORMULA_START


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells that a spreadsheet would take for a formula start with an apostrophe."""
    out = frame
    for column in frame.columns:
        series = frame[column]
        if column == "geometry" or not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        values = series.astype(object)
        risky = values.map(lambda v: isinstance(v, str) and v[:1] in FORMULA_START).astype(bool)
        if risky.any():
            out = out.assign(**{column: values.where(~risky, "'" + values[risky].astype(str)).astype(series.dtype)})
    return out
