"""The frame of a dataset's maps (no mapping library needed).

A map frames what the battle is about: the dataset's `map_extent` when it declares one, else the
places whose control changes or where an event happened, with their neighbours. A place far from
all of those (a town mentioned once, 100 km away) does not stretch the frame, so a town-scale siege
is drawn at a town's scale and a valley campaign at a valley's.
"""

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ..dataset import Dataset

# (lon_min, lat_min, lon_max, lat_max) in degrees.
Extent = tuple[float, float, float, float]

# A place that matters is an outlier when it lies further from the others' middle than this many times
# their typical (median) distance from it, and further than OUTLIER_MIN_KM.
OUTLIER_FACTOR = 4.0
OUTLIER_MIN_KM = 50.0
# Neighbours: other places within this share of the frame's size around it (and at least
# NEIGHBOUR_MIN_KM) are framed too.
NEIGHBOUR_SHARE = 0.25
NEIGHBOUR_MIN_KM = 1.0
# Margin around the framed places: a share of the frame's size, at least MIN_PAD_KM.
PAD_SHARE = 0.06
MIN_PAD_KM = 0.4
KM_PER_DEGREE = 111.32


def _key_places(dataset):
    """Boolean mask of the places that matter: a dated control change, or an event at them."""
    places = dataset.places
    changes = dataset.control_changes
    changed = set(changes.loc[changes["effective"].notna(), "place_id"])
    events = dataset.events
    if "place_id" in events:
        changed |= set(events["place_id"].dropna())
    mask = places["place_id"].isin(changed).to_numpy()
    return mask if mask.any() else np.ones(len(places), dtype=bool)


def without_outliers(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """The rows of `xy` (lon, lat) that are not lone outliers far from the rest."""
    if len(xy) < 3:
        return xy
    middle = np.median(xy, axis=0)
    scale = np.array([math.cos(math.radians(middle[1])), 1.0]) * KM_PER_DEGREE
    km = np.hypot(*((xy - middle) * scale).T)
    limit = max(OUTLIER_FACTOR * float(np.median(km)), OUTLIER_MIN_KM)
    return xy[km <= limit]

# A dataset with no places yet (a new one from `jisrgeo init`) and no map_extent: the whole world.
WORLD = (-170.0, -60.0, 170.0, 75.0)


def map_extent(dataset: "Dataset") -> Extent:
    """(lon_min, lat_min, lon_max, lat_max) to frame: the dataset's `map_extent`, else the places that matter."""
    if dataset.meta.get("map_extent"):
        return tuple(dataset.meta["map_extent"])
    places = dataset.places
    if places.empty:
        return WORLD
    every = np.column_stack([places.geometry.x.to_numpy(), places.geometry.y.to_numpy()])
    kept = without_outliers(every[_key_places(dataset)])
    x0, y0 = kept.min(axis=0)
    x1, y1 = kept.max(axis=0)
    # Neighbours: the places just around the ones that matter (not across the country).
    reach = max(NEIGHBOUR_SHARE * max(x1 - x0, y1 - y0), NEIGHBOUR_MIN_KM / KM_PER_DEGREE)
    near = (every[:, 0] >= x0 - reach) & (every[:, 0] <= x1 + reach) & (every[:, 1] >= y0 - reach) & (every[:, 1] <= y1 + reach)
    x0, y0 = every[near].min(axis=0)
    x1, y1 = every[near].max(axis=0)
    cos = math.cos(math.radians((y0 + y1) / 2))
    least = MIN_PAD_KM / KM_PER_DEGREE
    pad_x = max((x1 - x0) * PAD_SHARE, least / max(cos, 0.1))
    pad_y = max((y1 - y0) * PAD_SHARE, least)
    return (float(x0 - pad_x), float(y0 - pad_y), float(x1 + pad_x), float(y1 + pad_y))


def width_km(extent: Extent) -> float:
    """The frame's width in km at its middle latitude."""
    x0, y0, x1, y1 = extent
    return (x1 - x0) * KM_PER_DEGREE * math.cos(math.radians((y0 + y1) / 2))
