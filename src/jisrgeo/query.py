"""Spatial questions about places: within a radius, nearest, distance to the other side."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .loader import as_dataset
from .geodesy import GEOD, distance_matrix
from .timeline import DayLike

if TYPE_CHECKING:
    import geopandas as gpd

# `dataset` arguments are typed Any: a Dataset (or a path jisrgeo.load opens), not imported here, as even
# a TYPE_CHECKING import of jisrgeo.dataset reads as an import cycle to tests/test_layers.py.

UNITS = {"m": 1.0, "km": 1000.0}


def parse_radius(text: str) -> float:
    """'10km', '500 m' or '2.5km' -> metres; ValueError otherwise (a bare number is refused: km or m?)."""
    value = str(text).strip().lower().replace(" ", "")
    for unit in ("km", "m"):
        if value.endswith(unit):
            number = value[: -len(unit)]
            break
    else:
        try:
            float(value)
        except ValueError:
            raise ValueError(f"{text!r} is not a distance: use metres or km, e.g. 500m, 10km") from None
        raise ValueError(f"{text!r} has no unit: give a unit: 10km or 10m")
    try:
        metres = float(number) * UNITS[unit]
    except ValueError:
        raise ValueError(f"{text!r} is not a distance: use metres or km, e.g. 500m, 10km") from None
    if not np.isfinite(metres) or metres < 0:
        raise ValueError(f"{text!r} is not a distance: it must be a positive number")
    return metres


def metres(value: float | str, name: str = "radius_m") -> float:
    """A distance in metres: a number of metres, or a text with its unit as the CLI takes it ('5km', '500 m').
    ValueError naming the argument `name` for a negative, NaN or unitless value."""
    if isinstance(value, str):
        try:
            return parse_radius(value)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: {value!r} is not a distance: give metres (a number) or a text like '5km'")
    if np.isnan(value) or value < 0:
        raise ValueError(f"{name}: {value!r} is not a distance: it must be a positive number of metres")
    return float(value)


def _with_distances(dataset, origin, date):
    """All places with controller/status (if date) and geodesic distance from `origin`."""
    pid = dataset.resolve(origin)
    places = dataset.control(date) if date is not None else dataset.places[["place_id", "name", "geometry"]].copy()
    here = dataset.places.loc[dataset.places["place_id"] == pid].geometry.iloc[0]
    n = len(places)
    _, _, metres = GEOD.inv(np.full(n, here.x), np.full(n, here.y), places.geometry.x.to_numpy(), places.geometry.y.to_numpy())
    return places.assign(distance_m=np.round(metres, 1)), pid


def within(dataset: Any, place: str, radius_m: float | str, date: DayLike | None = None,
           controller: str | None = None) -> gpd.GeoDataFrame:
    """Places within radius_m of `place` (itself excluded), nearest first. radius_m: metres, or a text
    with its unit ('5km')."""
    radius_m = metres(radius_m, "radius_m")
    dataset = as_dataset(dataset)  # a Dataset or a path
    places, pid = _with_distances(dataset, place, date)
    hits = places[(places["distance_m"] <= radius_m) & (places["place_id"] != pid)]
    if controller is not None:
        if date is None:
            raise ValueError("filtering by controller needs a date")
        hits = hits[hits["controller"] == controller]
    return hits.sort_values(["distance_m", "place_id"]).reset_index(drop=True)


def nearest(dataset: Any, place: str, n: int = 5, date: DayLike | None = None,
            controller: str | None = None) -> gpd.GeoDataFrame:
    """The n places nearest to `place`, optionally held by `controller` on `date`."""
    dataset = as_dataset(dataset)  # a Dataset or a path
    return within(dataset, place, np.inf, date, controller).head(n)


def front_distance(dataset: Any, date: DayLike) -> gpd.GeoDataFrame:
    """For each controlled place, the distance to the nearest place held by a side it fights: not its own,
    not an ally, never a neutral side (dataset.json sides), as the front lines are drawn."""
    dataset = as_dataset(dataset)  # a Dataset or a path
    state = dataset.control(date)
    state = state[state["controller"].notna()].reset_index(drop=True)
    if state.empty:
        return state.assign(nearest_other_place=None, nearest_other_side=None, distance_m=np.nan)
    matrix = distance_matrix(state.geometry.x, state.geometry.y)
    sides = state["controller"].to_numpy()
    codes, index = np.unique(sides.astype(str), return_inverse=True)
    opposed = np.array([[dataset.vocabulary.opposed(a, b) for b in codes] for a in codes], dtype=bool).reshape(
        len(codes), len(codes))
    other = opposed[index[:, None], index[None, :]]
    masked = np.where(other, matrix, np.inf)
    idx = masked.argmin(axis=1)
    best = masked[np.arange(len(state)), idx]
    has = np.isfinite(best)
    return state.assign(
        nearest_other_place=pd.Series(np.where(has, state["place_id"].to_numpy()[idx], None), dtype=object),
        nearest_other_side=pd.Series(np.where(has, sides[idx], None), dtype=object),
        distance_m=np.where(has, np.round(best, 1), np.nan),
    ).sort_values("distance_m", ignore_index=True)
