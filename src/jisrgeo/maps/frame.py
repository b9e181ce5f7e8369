"""Frames that follow the action: which part of the ground a day's picture shows (issue 33).

`day_frame(ds, date)` covers the day's control changes and events and the places around them;
`frames(ds, days)` gives every day its frame and keeps one frame across a run of days whose action
fits in it, so a series (PNGs, GIF, atlas, the web viewer's opening view) does not jump about;
`theatre(ds)` is the whole battle (the dataset's `map_extent`, else its places that matter).
Frames are (west, south, east, north) in degrees; they need no drawing library.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .extent import KM_PER_DEGREE, PAD_SHARE, without_outliers, map_extent

# Around the day's action, this many times the local spacing of places (the median distance from a
# place to its nearest neighbour), so a siege of city blocks and a valley of villages both read.
SURROUND_SPACINGS = 2.5
# A frame is never narrower than this many spacings (a lone change is shown with its neighbours) ...
MIN_SPACINGS = 8.0
# ... nor than this many km, whatever the spacing.
MIN_KM = 1.5
# A day keeps the frame before it when its action lies inside it (a spacing from its edges) and its own
# frame is at least this share of that frame's width.
KEEP_SHARE = 0.6
# Events that are said, not fought (a statement in the capital), do not move the frame.
NOT_ACTION = ("statement", "casualty_report")
# Action further out than this share of the theatre's size beyond it (a raid 200 km away) does not either.
THEATRE_MARGIN = 0.25


def _xy(ds):
    places = ds.places
    return np.column_stack([places.geometry.x.to_numpy(), places.geometry.y.to_numpy()])


def spacing_km(ds: Any) -> float:
    """The median distance from a place to its nearest neighbour, in km (1 km with fewer than two places)."""
    xy = _xy(ds)
    if len(xy) < 2:
        return 1.0
    cos = math.cos(math.radians(float(np.median(xy[:, 1]))))
    km = xy * np.array([cos, 1.0]) * KM_PER_DEGREE
    blocks = []
    for i in range(0, len(km), 512):  # in blocks: a war-scale dataset's full matrix would not fit
        d = np.hypot(*(km[i:i + 512, None, :] - km[None, :, :]).transpose(2, 0, 1))
        d[np.arange(len(d)), np.arange(i, i + len(d))] = np.inf
        blocks.append(d.min(axis=1))
    nearest = np.concatenate(blocks)
    return float(np.median(nearest[np.isfinite(nearest) & (nearest > 0)])) if (nearest > 0).any() else 1.0


def theatre(ds: Any) -> tuple[float, float, float, float]:
    """The whole battle's frame: the dataset's `map_extent`, else every place that stands for ground (no
    region) bar lone outliers far from the rest, with a margin (a spacing, and PAD_SHARE of its size)."""
    if ds.meta.get("map_extent"):
        return map_extent(ds)
    from ..areas import region_kinds

    places = ds.places[~ds.places["kind"].isin(region_kinds(ds.vocabulary))]
    if places.empty:
        return map_extent(ds)
    xy = without_outliers(np.column_stack([places.geometry.x.to_numpy(), places.geometry.y.to_numpy()]))
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    cos = max(math.cos(math.radians((y0 + y1) / 2)), 0.1)
    pad = max(spacing_km(ds) / KM_PER_DEGREE, PAD_SHARE * max(x1 - x0, y1 - y0))
    return (float(x0 - pad / cos), float(y0 - pad), float(x1 + pad / cos), float(y1 + pad))


def _action_table(ds):
    """{day: set of place_ids} of every day's action (see action_places), computed once per dataset."""
    changes = ds.control_changes
    table = {}
    for day, place_id in zip(changes["effective"], changes["place_id"]):
        if day == day:  # not NaT
            table.setdefault(day, set()).add(place_id)
    events = ds.events
    if len(events) and "place_id" in events:
        same = events[(events["date_precision"].fillna("day") == "day") & ~events["type"].isin(NOT_ACTION)
                      & events["place_id"].notna() & events["date"].notna()]
        if "aggregate" in same:
            same = same[~same["aggregate"].fillna(False).astype(bool)]
        for day, place_id in zip(same["date"], same["place_id"]):
            table.setdefault(day, set()).add(place_id)
    # A region (a governorate) is not a spot on the ground, and action far beyond the theatre (a raid
    # 200 km away) is not this battle's: neither moves the frame.
    from ..areas import region_kinds

    places = ds.places
    x0, y0, x1, y1 = theatre(ds)
    mx, my = THEATRE_MARGIN * (x1 - x0), THEATRE_MARGIN * (y1 - y0)
    near = places.geometry.x.between(x0 - mx, x1 + mx) & places.geometry.y.between(y0 - my, y1 + my)
    kept = set(places["place_id"][near & ~places["kind"].isin(region_kinds(ds.vocabulary))])
    return {day: ids & kept for day, ids in table.items()}


def action_places(ds: Any, date: Any) -> set:
    """place_ids of the day's action: its control changes and the places of events dated that day
    (statements and tallies aside), within reach of the theatre."""
    return set(_action_table(ds).get(ds.day(date), set()))


def _where(ds):
    """{place_id: (x, y)}: looked up per day, where a war's thousands of days would each filter every place."""
    return dict(zip(ds.places["place_id"], map(tuple, _xy(ds))))


def _points(ds, ids, where):
    if where is None:
        return _xy(ds)[ds.places["place_id"].isin(ids).to_numpy()]
    return np.array([where[i] for i in ids if i in where], dtype=float).reshape(-1, 2)


def _box_around(ds, ids, spacing, where=None):
    """The frame around the places `ids` with SURROUND_SPACINGS of ground about them, at least MIN_SPACINGS
    (and MIN_KM) wide and high; None when none of them is a known place."""
    xy = _points(ds, ids, where)
    if not len(xy):
        return None
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    cos = max(math.cos(math.radians((y0 + y1) / 2)), 0.1)
    pad_km = SURROUND_SPACINGS * spacing
    least_km = max(MIN_SPACINGS * spacing, MIN_KM)
    half_w = max((x1 - x0) / 2 + pad_km / KM_PER_DEGREE / cos, least_km / 2 / KM_PER_DEGREE / cos)
    half_h = max((y1 - y0) / 2 + pad_km / KM_PER_DEGREE, least_km / 2 / KM_PER_DEGREE)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (float(cx - half_w), float(cy - half_h), float(cx + half_w), float(cy + half_h))


def fit_aspect(extent: Sequence[float], aspect: float) -> tuple[float, float, float, float]:
    """`extent` grown (never cut) to `aspect` (width / height, in ground metres), about its centre."""
    x0, y0, x1, y1 = extent
    cos = max(math.cos(math.radians((y0 + y1) / 2)), 0.1)
    w, h = (x1 - x0) * cos, y1 - y0
    if w / h < aspect:
        grow = (h * aspect / cos - (x1 - x0)) / 2
        return (x0 - grow, y0, x1 + grow, y1)
    grow = (w / aspect - h) / 2
    return (x0, y0 - grow, x1, y1 + grow)


def day_frame(ds: Any, date: Any, whole: bool = False, aspect: float | None = None) -> tuple:
    """The frame of one day's picture: its changes and events with their surroundings, else the theatre
    (a day with no action, or `whole=True`). With `aspect` (width / height), grown to that shape."""
    spacing = spacing_km(ds)
    box = None if whole else _box_around(ds, action_places(ds, date), spacing)
    box = box or theatre(ds)
    return fit_aspect(box, aspect) if aspect else box


def _holds(ds, frame, ids, spacing, where=None):
    """Whether the places `ids` lie inside `frame`, at least one spacing from its edges."""
    xy = _points(ds, ids, where)
    x, y = xy[:, 0], xy[:, 1]
    cos = max(math.cos(math.radians((frame[1] + frame[3]) / 2)), 0.1)
    dx, dy = spacing / KM_PER_DEGREE / cos, spacing / KM_PER_DEGREE
    return bool(((x >= frame[0] + dx) & (x <= frame[2] - dx) & (y >= frame[1] + dy) & (y <= frame[3] - dy)).all())


def frames(ds: Any, days: Iterable[Any], whole: bool = False, aspect: float | None = None) -> dict:
    """{day: frame} for `days` (date-likes), steady across runs: a day keeps the frame before it when
    its own action fits inside that frame and is not lost in it (at least KEEP_SHARE of its width); a
    day with no action keeps the frame before it (the first such day takes the theatre)."""
    spacing = spacing_km(ds)
    table = _action_table(ds)
    where = _where(ds)
    out, current = {}, None
    for date in days:
        day = ds.day(date)
        if whole:
            out[day] = fit_aspect(theatre(ds), aspect) if aspect else theatre(ds)
            continue
        action = table.get(day, set())
        own = _box_around(ds, action, spacing, where) if action else None
        if own is not None:
            own = fit_aspect(own, aspect) if aspect else own
        if own is None:
            current = current or (fit_aspect(theatre(ds), aspect) if aspect else theatre(ds))
        elif current is None or not _holds(ds, current, action, spacing, where) or \
                (own[2] - own[0]) < KEEP_SHARE * (current[2] - current[0]):
            current = own
        out[day] = current
    return out


def steady_frames(ds: Any, days: Iterable[Any], keys: Iterable[Any], aspect: float | None = None) -> dict:
    """{day: frame} for `days` that changes only on key days (`keys`): from one key day to the next, one
    frame holding all the action of those days (the GIF, which a reader follows best when it holds still);
    a stretch with no action keeps the frame before it (the first takes the theatre)."""
    spacing = spacing_km(ds)
    table = _action_table(ds)
    days = [ds.day(d) for d in days]
    cuts = sorted({pd.Timestamp(k) for k in keys})
    out: dict = {}
    current = None
    stretch: list = []

    def close() -> None:
        nonlocal current
        boxes = [b for b in (_box_around(ds, table.get(d, set()), spacing) for d in stretch) if b is not None]
        if boxes:
            current = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                       max(b[3] for b in boxes))
        elif current is None:
            current = theatre(ds)
        frame = fit_aspect(current, aspect) if aspect else current
        out.update({d: frame for d in stretch})
        stretch.clear()

    for day in days:
        if stretch and day in cuts:
            close()
        stretch.append(day)
    if stretch:
        close()
    return out


# When a dataset names no key days: at most this many days with control changes, evenly spaced.
MAX_KEY_DAYS = 6


def key_days(ds: Any, start: Any, end: Any) -> list[pd.Timestamp]:
    """The dataset's chosen key days in the window, else up to six days with control changes."""
    chosen = [pd.Timestamp(d) for d in ds.meta.get("key_days", [])]
    days = [d for d in chosen if start <= d <= end]
    if not days:
        changes = sorted(set(ds.changes(start, end)["effective"]))
        step = max(1, len(changes) // MAX_KEY_DAYS)
        days = changes[::step][:MAX_KEY_DAYS] or [start]
    return days
