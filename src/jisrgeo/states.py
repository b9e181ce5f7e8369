"""Which control state holds on a day: the one core behind Dataset.control and the cached `jisrgeo control`.

numpy only, never pandas, so that the answer from the load cache (jisrgeo.quick) does not pay pandas'
import. On a war of 8,000 places and 68,000 intervals the pick takes about 0.2 ms; the same loop in pure
Python took 9.8 ms, which Dataset.control would have paid on every call.
"""

import numpy as np


def holding(start: np.ndarray, end: np.ndarray, row: np.ndarray, places: int, day: np.datetime64) -> np.ndarray:
    """For each of `places` places, the index of the interval that holds at the end of `day`, or -1.

    Interval k covers the days [start[k], end[k]) (datetime64 of any unit, end exclusive) of place row[k]
    (an index in 0..places-1), so the state "on D" is the one with start <= D < end. Where two intervals of
    a place hold (only in data that was never validated), the later one in the table wins.
    """
    hit = np.flatnonzero((start <= day) & (end > day))
    which = np.full(places, -1, dtype=np.intp)
    np.maximum.at(which, row[hit], hit)  # hit ascends: the later interval wins, explicitly
    return which
