"""The offline context layer: Natural Earth country shapes (borders, coastline) under every map.

The shapes ship in context.geojson, written by scripts/context_layer.py (public domain, see its
`source`). Maps clip them to their own frame with a margin, so a page or PNG carries only the
part it shows; a battle outside the shipped box simply has no context layer.
"""

import functools
import json
from importlib import resources

import shapely

# Degrees of context kept around a map's frame: enough to zoom out a few steps and still see the country.
HTML_MARGIN_DEG = 2.5
# Simplification of the shapes drawn in a web page, in degrees (about 100 m): finer than a pixel at the battle's zoom.
HTML_TOLERANCE_DEG = 0.001


@functools.cache
def _countries():
    """((name, shape), ...) of the shipped countries, read once per process."""
    text = resources.files("jisrgeo.maps").joinpath("context.geojson").read_text(encoding="utf-8")
    collection = json.loads(text)
    return tuple((f["properties"]["name"], shapely.geometry.shape(f["geometry"])) for f in collection["features"]), collection["source"]


def source():
    """Where the context shapes come from, for captions and attributions."""
    return _countries()[1]


def countries(bounds, margin=0.0):
    """[(name, shape)] of the countries inside (west, south, east, north) widened by `margin` degrees, clipped to it."""
    x0, y0, x1, y1 = bounds
    box = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    out = []
    for name, shape in _countries()[0]:
        if shape.intersects(box):
            out.append((name, shape.intersection(box)))
    return out


def country_at(lon, lat):
    """(name, shape) of the shipped country containing a point, or None."""
    point = shapely.Point(lon, lat)
    return next(((name, shape) for name, shape in _countries()[0] if shape.contains(point)), None)


def html_polygons(bounds):
    """Leaflet polygons ([[[lat, lng], ...] outer ring, holes...]) of the context around a frame, simplified for the browser."""
    polygons = []
    for _, shape in countries(bounds, HTML_MARGIN_DEG):
        for polygon in shapely.get_parts(shapely.simplify(shape, HTML_TOLERANCE_DEG)):
            if polygon.geom_type != "Polygon" or polygon.is_empty:
                continue
            polygons.append([[[round(y, 3), round(x, 3)] for x, y in ring.coords]
                             for ring in (polygon.exterior, *polygon.interiors)])
    return polygons
