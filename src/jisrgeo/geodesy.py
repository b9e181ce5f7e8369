"""Distances, bearings and line lengths on the WGS84 ellipsoid (pyproj.Geod), in metres."""

import numpy as np
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
COMPASS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
COMPASS_DEG = {name: i * 22.5 for i, name in enumerate(COMPASS)}


def compass(bearing_deg):
    """The 16-point compass name of a bearing in degrees."""
    return COMPASS[int(((bearing_deg % 360) + 11.25) // 22.5) % 16]


def angle_between(a_deg, b_deg):
    """Smallest absolute difference between two bearings, 0..180."""
    return abs((a_deg - b_deg + 180) % 360 - 180)


def _lonlat(point, dataset):
    if isinstance(point, (tuple, list)) and len(point) == 2:
        return float(point[0]), float(point[1]), f"({point[0]}, {point[1]})"
    if dataset is None:
        from . import load

        dataset = load()
    row = dataset.place(point)
    return row.geometry.x, row.geometry.y, row["place_id"]


def distance(a, b, dataset=None):
    """{'from', 'to', 'distance_m', 'bearing_deg'} between two places or (lon, lat) pairs."""
    lon1, lat1, name_a = _lonlat(a, dataset)
    lon2, lat2, name_b = _lonlat(b, dataset)
    bearing, _, metres = GEOD.inv(lon1, lat1, lon2, lat2)
    return {"from": name_a, "to": name_b, "distance_m": round(float(metres), 1),
            "bearing_deg": round(float(bearing % 360), 1)}


def line_length(geometry):
    """Geodesic length in metres of a (Multi)LineString in lon/lat."""
    return float(GEOD.geometry_length(geometry))


def distance_matrix(lons, lats):
    """Pairwise geodesic distances (n x n metres), computed in one vectorized call."""
    lons, lats = np.asarray(lons, float), np.asarray(lats, float)
    n = len(lons)
    i, j = np.triu_indices(n, k=1)
    _, _, d = GEOD.inv(lons[i], lats[i], lons[j], lats[j])
    out = np.zeros((n, n))
    out[i, j] = d
    out[j, i] = d
    return out
