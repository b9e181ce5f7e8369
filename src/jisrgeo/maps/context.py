"""The offline context layer: the ground under every map (countries, governorates, coast, rivers, lakes, towns).

The shapes ship beside this module in one zstd-compressed GeoParquet file, context.parquet, written by
scripts/context_layer.py from registry packages (sources, versions and licences in the file's metadata
and in the docs): one
row per shape with its `layer` (LAYERS), `seq` (its drawing order within the layer), `name`,
`population` and `country` (towns). Natural Earth countries (their outlines are the borders), admin-1
borders, coast, GSHHG/WDBII rivers and lakes, and GeoNames cities1000 towns, for the whole world, so a
battle anywhere gets its ground with no network.

Maps ask for the part they show with `features(bounds, margin)`: pyarrow (through geopandas) reads only
the row groups whose bbox statistics meet the bounds widened by the margin (rows are sorted spatially,
so most groups are skipped), keeps the rows whose covering boxes meet them, and every shape is clipped
to them, so a page or PNG carries only what it needs. Without the file (a trimmed install) the layers
have no rows. The file is read by the guarded reader (a regular file, no link, bounded size) and
pyarrow reads those bytes in memory, never the path again.
"""

import functools
import json
import os
import stat
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry.base import BaseGeometry

from ..rules import NO_TILES, tile_problem

if TYPE_CHECKING:
    import geopandas

    from ..dataset import Dataset

# (west, south, east, north) in degrees.
Bounds = tuple[float, float, float, float]

# Degrees of context kept around a map's frame: enough to zoom out a few steps and still see the country.
HTML_MARGIN_DEG = 2.5
# Simplification of the shapes drawn in a web page, in degrees (about 100 m): finer than a pixel at the battle's zoom.
HTML_TOLERANCE_DEG = 0.001
# The layers `features` returns, bottom to top.
LAYERS = ("country", "admin1", "coast", "lake", "river", "town")
# The shipped file (scripts/context_layer.py writes it under this name).
FILE = "context.parquet"
# The file's schema-metadata key holding {"sources": [...], "credits": [...]} as JSON.
METADATA_KEY = b"jisrgeo_context"
# The columns read (the covering `bbox` column is only for skipping rows).
COLUMNS = ["layer", "seq", "name", "population", "country", "geometry"]
# The shipped file is about 16 MB; anything far larger is not ours and is refused unread.
MAX_FILE_BYTES = 64 * 1024 * 1024
# Above this span (degrees, the frame's longer side) only countries and coast are kept: rivers, lakes,
# admin-1 borders and towns of a continent cannot be read on one page, and drawing them took minutes.
DETAIL_MAX_SPAN_DEG = 30.0
# A frame this wide (half the world; what a dataset with no places frames) is no theatre: no ground at all.
# The world's ground made an empty dataset's first build take three minutes, 2 GB and 73 MB of output.
GROUND_MAX_SPAN_DEG = 180.0


def _path() -> Path:
    return Path(str(resources.files("jisrgeo.maps"))) / FILE


@functools.cache
def _shipped() -> bytes | None:
    """The shipped file's bytes, or None when it is not shipped.

    The file must not be a link and is read by the guarded reader (io.folder.read_bytes: a regular file
    of bounded size, inside the package, read once through one handle); pyarrow then reads these bytes
    in memory, so what is read is what was checked (no second look-up of the path, and no Python file
    object handed to pyarrow's I/O threads). Read once a process: a build asks for many boxes."""
    from ..io.folder import read_bytes

    path = _path()
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise OSError(f"{path} is a link; the shipped context layer must be a regular file")
    return read_bytes(path, FILE, root=path.parent, limit=MAX_FILE_BYTES)


def _read(bounds: Bounds, layers: Iterable[str]) -> "geopandas.GeoDataFrame | None":
    """The rows of `layers` whose boxes meet `bounds`, in drawing order; None when the file is not shipped.
    Callers must not change the frame: the last few reads are kept (a build asks for the same frame often)."""
    return _read_cached(tuple(float(v) for v in bounds), tuple(layer for layer in LAYERS if layer in set(layers)))


@functools.lru_cache(maxsize=16)
def _read_cached(bounds: Bounds, layers: tuple[str, ...]) -> "geopandas.GeoDataFrame | None":
    import geopandas

    if not layers:
        return None if _shipped() is None else geopandas.GeoDataFrame({c: [] for c in COLUMNS[:-1]}, geometry=[],
                                                                        crs="EPSG:4326")
    frame = _rows([("layer", "in", list(layers))], bounds)
    return None if frame is None else frame.sort_values(["layer", "seq"], kind="stable").reset_index(drop=True)


def _rows(filters: list[tuple[str, str, Any]], bbox: Bounds | None = None) -> "geopandas.GeoDataFrame | None":
    """The shipped rows passing the parquet `filters` (and meeting `bbox`); None when the file is not shipped."""
    import geopandas
    import pyarrow

    data = _shipped()
    if data is None:
        return None
    return geopandas.read_parquet(pyarrow.BufferReader(data), columns=COLUMNS, bbox=bbox, filters=filters)


@functools.cache
def _metadata() -> dict[str, list[str]]:
    """{"sources": [...], "credits": [...]} of the shipped file ([] each without it)."""
    import pyarrow
    import pyarrow.parquet

    data = _shipped()
    meta = (pyarrow.parquet.read_schema(pyarrow.BufferReader(data)).metadata or {}) if data is not None else {}
    found = json.loads(meta.get(METADATA_KEY, b"{}"))
    return {key: [str(v) for v in found.get(key, [])] for key in ("sources", "credits")}


def source() -> str:
    """Where the country shapes come from, for captions and attributions."""
    return next(iter(_metadata()["sources"]), "")


def credits() -> list[str]:
    """Short credit strings for every source the shipped context uses, e.g. ["Natural Earth", "GeoNames"]."""
    return list(_metadata()["credits"])


def sources() -> list[str]:
    """The full source line of every shipped source: data set, licence, package and version."""
    return list(_metadata()["sources"])


def _box(bounds: Bounds, margin: float) -> shapely.Polygon:
    x0, y0, x1, y1 = bounds
    return shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)


def legible(bounds: Bounds) -> tuple[str, ...]:
    """The LAYERS drawn for a frame (west, south, east, north): fewer as it widens (DETAIL_MAX_SPAN_DEG)."""
    span = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    if span >= GROUND_MAX_SPAN_DEG:
        return ()
    return LAYERS if span <= DETAIL_MAX_SPAN_DEG else ("country", "coast")


def _clipped(layers: Iterable[str], bounds: Bounds, margin: float) -> "geopandas.GeoDataFrame | None":
    """The rows of `layers` meeting the widened bounds, each shape clipped to them; None without the file.
    Only the layers legible at the frame's width are read (legible)."""
    box = _box(bounds, margin)
    kept = set(legible(bounds))
    frame = _read(tuple(box.bounds), [layer for layer in layers if layer in kept])
    if frame is None:
        return None
    shapes = frame.geometry.to_numpy()  # shapely's own arrays: through pandas' ufunc path clipping took seconds
    meets = shapely.intersects(shapes, box)
    frame = frame[meets].copy()
    frame["geometry"] = shapely.intersection(shapes[meets], box)
    return frame[~frame.geometry.is_empty]


def countries(bounds: Bounds, margin: float = 0.0) -> list[tuple[str, BaseGeometry]]:
    """[(name, shape)] of the countries inside (west, south, east, north) widened by `margin` degrees, clipped to it."""
    frame = _clipped(("country",), bounds, margin)
    return [] if frame is None else list(zip(frame["name"], frame.geometry))


@functools.lru_cache(maxsize=4)
def country_named(name: str) -> BaseGeometry | None:
    """The whole shape of the shipped country called `name`, or None (a locator's country, read once)."""
    frame = _rows([("layer", "==", "country"), ("name", "==", name)])
    return frame.geometry.iloc[0] if frame is not None and len(frame) else None


def country_at(lon: float, lat: float) -> tuple[str, BaseGeometry] | None:
    """(name, shape) of the shipped country containing a point, or None."""
    frame = _read((lon, lat, lon, lat), ("country",))
    point = shapely.Point(lon, lat)
    if frame is None:
        return None
    return next(((name, shape) for name, shape in zip(frame["name"], frame.geometry) if shape.contains(point)), None)


def towns(bounds: Bounds, margin: float = 0.0) -> list[tuple[str, int, shapely.Point]]:
    """[(name, population, point)] of the shipped towns inside the widened bounds, most populous first."""
    frame = _clipped(("town",), bounds, margin)
    if frame is None:
        return []
    found = zip(frame["name"], frame["population"].tolist(), frame.geometry)
    return sorted(found, key=lambda t: (-t[1], t[0]))


def features(bounds: Bounds, margin: float = 0.0) -> "geopandas.GeoDataFrame":
    """GeoDataFrame (EPSG:4326) of the context inside (west, south, east, north) widened by `margin` degrees.

    Columns: `layer` (one of LAYERS, bottom to top), `name` (str or None), `population` (towns; else 0)
    and geometry, every shape clipped to the widened bounds.
    """
    import geopandas
    import pandas

    frame = _clipped(LAYERS, bounds, margin)
    parts = []
    if frame is not None:
        for layer in LAYERS:
            part = frame[frame["layer"] == layer]
            if layer == "town":  # labelled most populous first
                part = part.assign(_key=-part["population"]).sort_values(["_key", "name"], kind="stable")
            parts.append(part)
    rows = pandas.concat(parts) if parts else None
    names = [] if rows is None else [None if n is None or n != n else str(n) for n in rows["name"]]
    return geopandas.GeoDataFrame(
        {"layer": [] if rows is None else rows["layer"].tolist(), "name": names,
         "population": [] if rows is None else [int(p) for p in rows["population"]]},
        geometry=[] if rows is None else list(rows.geometry), crs="EPSG:4326")


def html_polygons(bounds: Bounds) -> list[list[list[list[float]]]]:
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


def country_of(points: Iterable[tuple[float, float]]) -> str | None:
    """Name of the country most of `points` ((lon, lat) pairs) lie in, or None when none is known.

    Each point takes the country of its nearest GeoNames town (GeoNames places a border town on the
    right side, where a 1:10m border line can be a kilometre off), else the country shape it falls in.
    """
    points = [(float(lon), float(lat)) for lon, lat in points]
    if not points:
        return None
    names: list[str | None] = [None] * len(points)
    for layer, reach in (("town", TOWN_COUNTRY_REACH_DEG), ("country", 0.0)):
        left = [i for i, name in enumerate(names) if name is None]
        if not left:
            break
        for i, hit in _first_hits([points[i] for i in left], layer, reach).items():
            names[left[i]] = hit
    counts: dict[str, int] = {}
    for known in names:
        if known:
            counts[known] = counts.get(known, 0) + 1
    return max(sorted(counts), key=counts.__getitem__) if counts else None


# A tile layer is an https URL template with {z}, {x} and {y} ({s} and {r} allowed), nothing that could
# leave a quoted string. Tiles are off by default: the offline context above is the ground.
def tiles(dataset: "Dataset | None" = None, override: str | None = None) -> dict[str, str] | None:
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


def with_tiles(dataset: "Dataset", override: str | None) -> "Dataset":
    """`dataset` with its `tiles` setting replaced for this run (the CLI's --tiles); checked first."""
    if override is None:
        return dataset
    tiles(None, override)  # raises on a bad URL
    dataset.meta = {**dataset.meta, "tiles": override}
    return dataset


def _first_hits(points: list[tuple[float, float]], layer: str, reach: float) -> dict[int, str]:
    """{index of a point: its country} by one read of `layer` around all the points: for towns the nearest
    within `reach` degrees (the first in drawing order among equals), for countries the first shape holding
    the point (as country_at). One read and one tree for every point, not a read per point."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    found = _read((min(xs) - reach, min(ys) - reach, max(xs) + reach, max(ys) + reach), (layer,))
    if found is None or found.empty:
        return {}
    tree, where = shapely.STRtree(found.geometry.values), shapely.points(points)
    if layer == "town":
        pairs = tree.query_nearest(where, max_distance=reach)
        labels = found["country"].tolist()
    else:
        pairs = tree.query(where, predicate="within")
        labels = found["name"].tolist()
    hits: dict[int, str] = {}
    for point, row in sorted(zip(pairs[0].tolist(), pairs[1].tolist())):
        hits.setdefault(point, labels[row])
    return hits
