"""Control state over time: the intervals table and the questions asked of it (vectorized).

Which interval holds on one day is states.holding (numpy only, shared with the cached `jisrgeo control`)."""

from collections.abc import Sequence
from datetime import date
from typing import TypeAlias

import numpy as np
import pandas as pd

from .schema import CHANGE_KINDS

# Column names of the intervals table.
PLACE_ID, CONTROLLER, STATUS, CHALLENGER, SINCE = "place_id", "controller", "status", "challenger", "since"
START, END = "start", "end"

ONE_DAY = pd.Timedelta(days=1)

# A day as the API takes it: ISO text, a date, a pandas Timestamp or a numpy datetime64.
DayLike: TypeAlias = str | date | pd.Timestamp | np.datetime64


def intervals(changes: pd.DataFrame, period_start: DayLike, period_end: DayLike) -> pd.DataFrame:
    """One row per place and state: [start, end) in days, end exclusive.

    `changes` has one row per control state (the initial one with a null date).
    The initial state starts at the period's start; the last state ends the day
    after the period ends, so an interval always has both bounds.
    """
    df = changes.sort_values([PLACE_ID, "seq"]).reset_index(drop=True)
    start = df["effective"].fillna(pd.Timestamp(period_start))
    next_start = start.groupby(df[PLACE_ID]).shift(-1)
    out = df[[PLACE_ID, CONTROLLER, STATUS, CHALLENGER]].copy()
    out[START] = start
    out[END] = next_start.fillna(pd.Timestamp(period_end) + ONE_DAY)
    # A window's initial states keep the day they began (Dataset.window): `since` over `effective`.
    out[SINCE] = df[SINCE].fillna(df["effective"]) if SINCE in df.columns else df["effective"]
    out["seq"] = df["seq"]  # which change opened the interval
    return out


def control_matrix(intervals_df: pd.DataFrame, place_ids: Sequence[str], start: DayLike, end: DayLike,
                   sides: Sequence[str]) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """days x places array of side codes (index into `sides`, -1 where unknown), filled per interval.

    Work grows with the number of intervals, not places x days lookups.
    """
    days = pd.date_range(start, end, freq="D")
    codes = np.full((len(days), len(place_ids)), -1, dtype=np.int8)
    columns = pd.Index(place_ids).get_indexer(intervals_df[PLACE_ID])
    values = intervals_df[CONTROLLER].map({s: i for i, s in enumerate(sides)}).to_numpy()
    first = np.clip((intervals_df[START] - days[0]).dt.days.to_numpy(), 0, len(days))
    last = np.clip((intervals_df[END] - days[0]).dt.days.to_numpy(), 0, len(days))
    for column, a, b, value in zip(columns, first, last, values):
        if b > a:
            codes[a:b, column] = value
    return days, codes


PREVIOUS = {CONTROLLER: "previous_controller", STATUS: "previous_status", CHALLENGER: "previous_challenger"}


def with_previous(changes: pd.DataFrame) -> pd.DataFrame:
    """The control states with the state each one follows (previous_controller, previous_status,
    previous_challenger: missing for a place's first state) and their kind: 'hands' when the controller
    differs from the previous one (or there is none), else 'status'."""
    changes = changes.reset_index(drop=True)  # a unique index, to put the rows back in their order
    df = changes.sort_values([PLACE_ID, "seq"], kind="stable")
    previous = df.groupby(PLACE_ID, sort=False)[list(PREVIOUS)].shift(1).rename(columns=PREVIOUS)
    df = df.assign(**{c: previous[c] for c in PREVIOUS.values()})
    same = df[CONTROLLER].eq(df["previous_controller"]) & df["previous_controller"].notna()
    return df.assign(kind=same.map({True: "status", False: "hands"})).loc[changes.index]


def changes_between(changes: pd.DataFrame, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None,
                    kind: str | None = None) -> pd.DataFrame:
    """Dated changes with effective date in [start, end] (inclusive), with the state each follows and its
    kind (with_previous); kind: only 'hands' or only 'status' changes."""
    if kind is not None and kind not in CHANGE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CHANGE_KINDS)}, not {kind!r}")
    changes = with_previous(changes)
    dated = changes[changes["effective"].notna()]
    if kind is not None:
        dated = dated[dated["kind"] == kind]
    if start is not None:
        dated = dated[dated["effective"] >= start]
    if end is not None:
        dated = dated[dated["effective"] <= end]
    return dated.sort_values(["effective", PLACE_ID])
