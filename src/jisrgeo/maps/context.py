"""The offline context layer: the ground under every map (countries, governorates, coast, rivers, lakes, towns).

The shapes ship beside this module, written by scripts/context_layer.py from registry packages
(sources, versions and licences in each file's `source` and in the README):

- context-countries.bin.gz: countries (Natural Earth admin-0 polygons; their outlines are the borders);
- context-lines.bin.gz: `admin1` (first-level borders), `coast`, `river` lines and `lake` polygons;
- context-towns.bin.gz: `town` points (GeoNames cities1000) with their population.

The world is shipped (about 6 MB), so a battle anywhere gets its ground with no network.

Maps ask for the part they show with `features(bounds, margin)`: every shape is clipped to the
bounds widened by the margin, so a page or PNG carries only what it needs. A file that is not
shipped simply gives no rows of its layers.
"""

import functools
import gzip
import json
from importlib import resources

import numpy as np
import shapely

from ..rules import NO_TILES, tile_problem

# Degrees of context kept around a map's frame: enough to zoom out a few steps and still see the country.
HTML_MARGIN_DEG = 2.5
# Simplification of the shapes drawn in a web page, in degrees (about 100 m): finer than a pixel at the battle's zoom.
HTML_TOLERANCE_DEG = 0.001
# The layers `features` returns, bottom to top.
LAYERS = ("country", "admin1", "coast", "lake", "river", "town")
COUNTRIES_FILE = "context-countries.bin.gz"
LINES_FILE = "context-lines.bin.gz"
TOWNS_FILE = "context-towns.bin.gz"


def _unpack(name):
    """(header, {array name: int array}) of a shipped file (format: scripts/context_layer.py `_pack`), or None."""
    path = resources.files("jisrgeo.maps").joinpath(name)
    if not path.is_file():
        return None
    data = gzip.decompress(path.read_bytes())
    line, _, rest = data.partition(b"\n")
    header = json.loads(line)
    arrays, at = {}, 0
    for key, dtype, shape in header["arrays"]:
        dtype = np.dtype(dtype)
        count = int(np.prod(shape))
        planes = np.frombuffer(rest, dtype=np.uint8, count=count * dtype.itemsize, offset=at)
        arrays[key] = planes.reshape(dtype.itemsize, count).T.copy().view(dtype).reshape(shape).T
        at += count * dtype.itemsize
    return header, arrays


def _vertices(arrays, prefix, scale):
    """(lon/lat array of every vertex, part index of each) of the parts stored as start + steps."""
    start, steps, sizes = arrays[prefix + "start"], arrays[prefix + "steps"], arrays[prefix + "sizes"]
    part = np.repeat(np.arange(len(sizes)), sizes)
    rows = np.empty((len(part), 2), dtype=np.int64)
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    is_first = np.zeros(len(part), dtype=bool)
    is_first[first] = True
    rows[is_first] = start
    rows[~is_first] = steps
    # A running sum over everything, less the sum reached before each part began.
    total = np.cumsum(rows, axis=0)
    before = np.vstack([[0, 0], total[first[1:] - 1]])
    return (total - before[part]) / scale, part


def _polygons(arrays, prefix, scale):
    """Polygons (or MultiPolygons, one per group) of the arrays stored by `_polygon_arrays`."""
    xy, ring_part = _vertices(arrays, prefix, scale)
    rings = shapely.linearrings(xy, indices=ring_part)
    polygons = shapely.polygons(rings, indices=np.repeat(np.arange(len(arrays[prefix + "rings"])), arrays[prefix + "rings"]))
    return polygons, arrays[prefix + "polygons"]


def _indexed(names, shapes):
    return names, shapes, shapely.STRtree(shapes)


@functools.cache
def _countries():
    """((name, shape), ...) of the shipped countries, read once per process, and their source."""
    header, arrays = _unpack(COUNTRIES_FILE)
    polygons, counts = _polygons(arrays, "", header["scale"])
    shapes = shapely.multipolygons(polygons, indices=np.repeat(np.arange(len(counts)), counts))
    return tuple(zip(header["names"], shapes)), header["source"], tuple(header["credits"])


@functools.cache
def _lines():
    """{layer: (names, shapes array, STRtree)} of the shipped lines and lakes, and their sources."""
    unpacked = _unpack(LINES_FILE)
    if unpacked is None:
        return {}, (), ()
    header, arrays = unpacked
    layers = {}
    for layer in header["lines"]:
        xy, part = _vertices(arrays, layer + ".", header["scale"])
        shapes = shapely.linestrings(xy, indices=part)
        layers[layer] = _indexed([None] * len(shapes), shapes)
    for layer in header["polygons"]:
        shapes = _polygons(arrays, layer + ".", header["scale"])[0]
        layers[layer] = _indexed([None] * len(shapes), shapes)
    return layers, tuple(header["sources"]), tuple(header["credits"])


@functools.cache
def _towns():
    """(names, populations, points array, STRtree) of the shipped towns, and their source."""
    unpacked = _unpack(TOWNS_FILE)
    if unpacked is None:
        return None, (), ()
    header, arrays = unpacked
    xy = arrays["xy"] / header["scale"]
    points = shapely.points(xy)
    countries = [header["countries"][i] for i in arrays["country"].tolist()]
    table = (header["names"].split("\n"), arrays["population"].tolist(), points, shapely.STRtree(points), countries)
    return table, (header["source"],), tuple(header["credits"])


def source():
    """Where the country shapes come from, for captions and attributions."""
    return _countries()[1]


def credits():
    """Short credit strings for every source the shipped context uses, e.g. ["Natural Earth", "GeoNames"]."""
    return list(dict.fromkeys((*_countries()[2], *_lines()[2], *_towns()[2])))


def sources():
    """The full source line of every shipped file: data set, licence, package and version."""
    return [_countries()[1], *_lines()[1][1:], *_towns()[1]]


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
    names, population, points, tree, _ = entry
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


# A place takes the country of the nearest GeoNames town within this many degrees (about 11 km).
TOWN_COUNTRY_REACH_DEG = 0.1


def country_of(points):
    """Name of the country most of `points` ((lon, lat) pairs) lie in, or None when none is known.

    Each point takes the country of its nearest GeoNames town (GeoNames places a border town on the
    right side, where a 1:10m border line can be a kilometre off), else the country shape it falls in.
    """
    counts = {}
    entry = _towns()[0]
    for lon, lat in points:
        point = shapely.Point(lon, lat)
        name = None
        if entry is not None:
            hit, distance = entry[3].query_nearest(point, max_distance=TOWN_COUNTRY_REACH_DEG, return_distance=True)
            name = entry[4][int(min(hit))] if len(hit) else None
        if name is None:
            found = country_at(lon, lat)
            name = found[0] if found else None
        if name:
            counts[name] = counts.get(name, 0) + 1
    return max(sorted(counts), key=counts.get) if counts else None


# A tile layer is an https URL template with {z}, {x} and {y} ({s} and {r} allowed), nothing that could
# leave a quoted string. Tiles are off by default: the offline context above is the ground.
def tiles(dataset=None, override=None):
    """The tile layer a web page draws over the offline context: {"url", "attribution"}, or None (the default).

    `override` (the CLI's --tiles URL|none) wins over the dataset's `tiles` setting (dataset.json: a URL
    template or "none"; its credit in `tiles_attribution`). Raises ValueError on a bad setting.
    """
    value = override if override is not None else (dataset.meta.get("tiles") if dataset is not None else None)
    problem = tile_problem(value)
    if problem:
        raise ValueError(f"tiles: {problem}")
    if value is None or value == NO_TILES:
        return None
    attribution = dataset.meta.get("tiles_attribution") if dataset is not None else None
    return {"url": value, "attribution": attribution if isinstance(attribution, str) and attribution
            else "Map tiles: see the tile provider's terms"}


def with_tiles(dataset, override):
    """`dataset` with its `tiles` setting replaced for this run (the CLI's --tiles); checked first."""
    if override is None:
        return dataset
    tiles(None, override)  # raises on a bad URL
    dataset.meta = {**dataset.meta, "tiles": override}
    return dataset
