"""The offline context layer: the ground under every map (countries, governorates, coast, rivers, lakes, towns).

The shapes ship beside this module, written by scripts/context_layer.py from registry packages
(sources, versions and licences in each file's `source` and in the README):

- context.geojson: countries (Natural Earth admin-0 polygons; their outlines are borders and coast);
- context-lines.geojson.gz: `admin1` (first-level borders), `coast`, `river` lines and `lake` polygons;
- context-towns.csv.gz: `town` points (GeoNames cities1000) with their population.

Maps ask for the part they show with `features(bounds, margin)`: every shape is clipped to the
bounds widened by the margin, so a page or PNG carries only what it needs. A file that is not
shipped simply gives no rows of its layers.
"""

import csv
import functools
import gzip
import io
import json
from importlib import resources

import numpy as np
import shapely

# Degrees of context kept around a map's frame: enough to zoom out a few steps and still see the country.
HTML_MARGIN_DEG = 2.5
# Simplification of the shapes drawn in a web page, in degrees (about 100 m): finer than a pixel at the battle's zoom.
HTML_TOLERANCE_DEG = 0.001
# The layers `features` returns, bottom to top.
LAYERS = ("country", "admin1", "coast", "lake", "river", "town")
COUNTRIES_FILE = "context.geojson"
LINES_FILE = "context-lines.geojson.gz"
TOWNS_FILE = "context-towns.csv.gz"


def _resource(name):
    path = resources.files("jisrgeo.maps").joinpath(name)
    return path if path.is_file() else None


@functools.cache
def _countries():
    """((name, shape), ...) of the shipped countries, read once per process, and their source."""
    collection = json.loads(_resource(COUNTRIES_FILE).read_text(encoding="utf-8"))
    return tuple((f["properties"]["name"], shapely.geometry.shape(f["geometry"])) for f in collection["features"]), collection["source"]


@functools.cache
def _lines():
    """{layer: (names, shapes array, STRtree)} of the shipped lines and lakes, and their sources."""
    path = _resource(LINES_FILE)
    if path is None:
        return {}, ()
    collection = json.loads(gzip.decompress(path.read_bytes()))
    grouped = {}
    for feature in collection["features"]:
        props = feature["properties"]
        grouped.setdefault(props["layer"], ([], []))
        grouped[props["layer"]][0].append(props.get("name"))
        grouped[props["layer"]][1].append(shapely.geometry.shape(feature["geometry"]))
    return {layer: _indexed(names, shapes) for layer, (names, shapes) in grouped.items()}, tuple(collection.get("sources", ()))


@functools.cache
def _towns():
    """(names, populations, points array, STRtree) of the shipped towns, and their sources."""
    path = _resource(TOWNS_FILE)
    if path is None:
        return None, ()
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    lines = text.splitlines()
    sources = tuple(s for s in lines[0].lstrip("# ").split(" | ") if s)
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    names = [r["name"] for r in rows]
    population = [int(r["population"] or 0) for r in rows]
    points = shapely.points([float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows])
    return (names, population, points, shapely.STRtree(points)), sources


def _indexed(names, shapes):
    array = np.empty(len(shapes), dtype=object)
    array[:] = shapes
    return names, array, shapely.STRtree(array)


def source():
    """Where the country shapes come from, for captions and attributions."""
    return _countries()[1]


def credits():
    """Short credit strings for every source the shipped context uses, e.g. ["Natural Earth", "GeoNames"]."""
    out = ["Natural Earth"]
    for name in (*_lines()[1], *_towns()[1]):
        short = name.split(" (")[0].split(" via ")[0].strip()
        if short and short not in out:
            out.append(short)
    return out


def _box(bounds, margin):
    x0, y0, x1, y1 = bounds
    return shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)


def countries(bounds, margin=0.0):
    """[(name, shape)] of the countries inside (west, south, east, north) widened by `margin` degrees, clipped to it."""
    box = _box(bounds, margin)
    out = []
    for name, shape in _countries()[0]:
        if shape.intersects(box):
            out.append((name, shape.intersection(box)))
    return out


def country_at(lon, lat):
    """(name, shape) of the shipped country containing a point, or None."""
    point = shapely.Point(lon, lat)
    return next(((name, shape) for name, shape in _countries()[0] if shape.contains(point)), None)


def _clipped(layer, box):
    """[(name, shape)] of one line/lake layer clipped to `box`."""
    entry = _lines()[0].get(layer)
    if entry is None:
        return []
    names, shapes, tree = entry
    out = []
    for i in sorted(tree.query(box, predicate="intersects")):
        clipped = shapely.intersection(shapes[i], box)
        if not clipped.is_empty:
            out.append((names[i], clipped))
    return out


def towns(bounds, margin=0.0):
    """[(name, population, point)] of the shipped towns inside the widened bounds, most populous first."""
    entry = _towns()[0]
    if entry is None:
        return []
    names, population, points, tree = entry
    hits = tree.query(_box(bounds, margin), predicate="intersects")
    return sorted(((names[i], population[i], points[i]) for i in hits), key=lambda t: (-t[1], t[0]))


def features(bounds, margin=0.0):
    """GeoDataFrame (EPSG:4326) of the context inside (west, south, east, north) widened by `margin` degrees.

    Columns: `layer` (one of LAYERS, bottom to top), `name` (str or None), `population` (towns; else 0)
    and geometry, every shape clipped to the widened bounds.
    """
    import geopandas

    box = _box(bounds, margin)
    rows = []
    for layer in LAYERS:
        if layer == "country":
            rows += [(layer, name, 0, shape) for name, shape in countries(bounds, margin)]
        elif layer == "town":
            rows += [(layer, name, pop, point) for name, pop, point in towns(bounds, margin)]
        else:
            rows += [(layer, name, 0, shape) for name, shape in _clipped(layer, box)]
    return geopandas.GeoDataFrame({"layer": [r[0] for r in rows], "name": [r[1] for r in rows],
                                   "population": [r[2] for r in rows]},
                                  geometry=[r[3] for r in rows], crs="EPSG:4326")


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
