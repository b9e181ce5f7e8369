"""Estimated zones of control and front lines, derived from the places and their control: never observed.

Method (its text, METHOD, is carried on every feature as `method`, and in the legends):
1. Tiles. Every place that stands for ground gets a tile: one with a control state, of a kind that
   is ground (schema.PLACE_KIND_ROLES: not a region, not infrastructure such as a bridge, whose
   state is a mark on it instead: mark_intervals), and without parts of its own that get tiles (a
   city of neighbourhoods is drawn through them). Its tile is the part of its disc of radius `reach`
   that is nearer to it than to any other place whose disc covers it (a Voronoi cell among the
   places that reach there), in a local Lambert azimuthal equal-area projection (metres). The reach
   follows the local spacing of places, at any density: REACH_FACTOR x the distance to the place's
   second-nearest Delaunay neighbour, that distance bounded by LONE_FACTOR x the largest of its
   neighbours' spacings (a lone place stays as small as its neighbours), the reach within [MIN_REACH_M, MAX_REACH_M].
   A radius of doubt only shrinks it: reach x reach / (reach + doubt), and the ground it gives up
   goes to nobody (tiles are cut as if every position were sure, then clipped). Beyond the tiles
   there is no information, and nothing is drawn.
   So a boundary between two places is halfway between them, and ground between close places
   is contiguous, while a lone or doubtful place holds only a small disc.
2. Zones. On any day each tile takes its place's state. Neighbouring tiles of one side, held,
   with one basis, form one zone (a connected union of tiles); a contested or besieged place is
   a zone of its own, with its challenger. The basis is the state's (reported or inferred), or
   `unreported_change` where a held place is surrounded by ground of opposing sides that changed
   hands after its own state was last set: it is kept only because no source reports a change.
3. Fronts. A front line is the boundary two zones of opposing sides share (sides that are
   allies, or a neutral side, oppose nobody), merged into continuous lines.

Tiles are fixed; only states change. Zones and fronts are swept once over the dates on which a
state changes, re-forming only the zones that touch a changed place, so work follows the changes,
not the days. Areas are exact in the equal-area projection; lengths are measured in it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
import pandas as pd
import shapely
from pyproj import Geod, Transformer

from .schema import PLACE_KIND_ROLES
from .timeline import DayLike

if TYPE_CHECKING:
    import geopandas as gpd

    from .sides import Vocabulary

GEOD = Geod(ellps="WGS84")

# Reach follows the local spacing of places, at any density (city blocks 300 m apart to villages 8 km
# apart: tests/battlegen.py measures both ends), with no cap per kind:
#   spacing = the distance to a place's second-nearest Delaunay neighbour (its nearest when it has one),
#   bounded by LONE_FACTOR x the largest spacing among its Delaunay neighbours (a lone place among
#   close ones stays as small as they are), reach = REACH_FACTOR x spacing, within [MIN_REACH_M, MAX_REACH_M].
REACH_FACTOR = 1.5
LONE_FACTOR = 2.0
# The sparsest settlement the method is designed and tested for: a place with nothing nearer (a capital
# 200 km off) holds no more than the sparsest village would.
SPARSEST_SPACING_M = 8000.0
MAX_REACH_M = REACH_FACTOR * SPARSEST_SPACING_M
# A place with no other within twice the sparsest spacing belongs to no settled ground: it is given the
# dataset's median spacing (Latakia, Tartus, Damascus and Palmyra, off the bundled battle, hold what a
# typical place of the battle holds, not 12 km discs).
ISOLATED_M = 2 * SPARSEST_SPACING_M
MIN_REACH_M = 100.0
ALONE_REACH_M = 3000.0  # a dataset of one place: no spacing to follow
# What each kind stands for (schema.PLACE_KIND_ROLES): only "ground" kinds get a tile; "mark" kinds
# (infrastructure) show their state as a mark on the place; "region" kinds neither.
REGION_KINDS = frozenset(k for k, role in PLACE_KIND_ROLES.items() if role == "region")
MARK_KINDS = frozenset(k for k, role in PLACE_KIND_ROLES.items() if role == "mark")
BASES = ("reported", "inferred", "unreported_change")
STATUSES_HELD = "held"
METHOD = (f"each place that stands for ground (with a control state; not a region nor infrastructure; a place "
          f"with parts drawn through them) gets a tile: the part of its reach disc nearer to it than to any other "
          f"place reaching there (local equal-area projection); reach = {REACH_FACTOR} x the local spacing (the "
          f"distance to its second-nearest neighbour, at most {LONE_FACTOR:g} x the largest of its neighbours' spacings; "
          f"the dataset's median spacing for a place with no other within {ISOLATED_M / 1000:g} km; "
          f"reach at most {MAX_REACH_M / 1000:g} km), shrunk by doubt: reach x reach / (reach + doubt), the ground "
          f"given up going to nobody; "
          "tiles of one side and basis joined into zones (basis unreported_change: a held place surrounded by "
          "opposing ground that changed hands after its own state was set); fronts where zones of opposing sides "
          "meet; no information beyond the tiles")
FRONT_METHOD = "boundary shared by zones of two opposing sides (see the zones' method)"
AREA_COLUMNS = ["zone_id", "side", "status", "challenger", "basis", "place_id", "start", "end", "area_km2", "method",
                "ground"]
# Infrastructure (a bridge, a building) holds no ground: its state is a mark on its place.
MARK_METHOD = "the state of a place that is infrastructure, not ground: drawn as a mark on the place, never a zone"
FRONT_COLUMNS = ["front_id", "side_a", "side_b", "start", "end", "length_km", "method"]
EDGE_TOLERANCE_M = 0.01
# Tiles computed separately meet only to within floating point: zones are joined on a 1 cm grid,
# which closes the hairline gaps between their tiles (they would show as slivers and holes).
GRID_M = 0.01
# Segments per quarter circle of a reach disc: within 0.5 % of the radius (20 m at 4 km).
QUAD_SEGS = 8
MIN_EDGE_M = 5.0
# The most places with ground whose tiles and zones are computed: beyond, the run is refused before any
# geometry is made. Tiles grow faster than the places: 8,000 random places over Syria took 95 MB and 15 s,
# 25,000 took 575 MB and 125 s (a loaded 2-core machine), and 100,000 ended in GEOS's std::bad_alloc.
# Tiles, zones and fronts of a generated war (benchmarks/zones_war.py): 8,000 places, 60,000 changes,
# 19 s of CPU and 615 MB of peak memory.
MAX_TILED_PLACES = 25_000


# -- tiles ------------------------------------------------------------------------------------------

def projection(lons: ArrayLike, lats: ArrayLike) -> tuple[Transformer, Transformer]:
    """(forward, back) transformers of a Lambert azimuthal equal-area projection centred on the points
    (centred per extent by geodesy.local_crs, so sound at the poles and across the antimeridian)."""
    from .geodesy import local_crs

    crs = local_crs(lons, lats, proj="laea")
    return (Transformer.from_crs("EPSG:4326", crs, always_xy=True), Transformer.from_crs(crs, "EPSG:4326", always_xy=True))


# Straight edges are cut into pieces this long (metres) before leaving the projection: a straight
# edge is not quite straight in lon/lat, and two zones sharing an edge where only one has a vertex
# would otherwise overlap by a sliver (tens of m² over a 5 km edge). A 2 km piece bows by millimetres:
# on a 3,000-place war the zones of a day overlap by at most 0.8 cm of mean width with 2 km pieces
# as with 500 m ones (the 1 cm grid's hairlines), with a third of the vertices (zones and fronts
# 33 MB of WKB instead of 97); areas are measured before reprojection, so they do not change.
SEGMENT_M = 2000.0
TRANSFORM_BATCH = 2000


def to_crs(transformer: Transformer, geometries: ArrayLike) -> np.ndarray:
    """Geometries (an array) through a transformer, a batch of geometries per call: all coordinates at once
    would hold several copies of every zone's vertices (a war's zones: hundreds of MB) at one time."""
    geometries = np.asarray(geometries, dtype=object)
    out = np.empty(len(geometries), dtype=object)
    for start in range(0, len(geometries), TRANSFORM_BATCH):
        batch = shapely.segmentize(geometries[start:start + TRANSFORM_BATCH], SEGMENT_M)
        out[start:start + TRANSFORM_BATCH] = shapely.transform(
            batch, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    return out


def _delaunay_pairs(xy):
    """(i, j) index pairs of the Delaunay edges among the points (i < j): Voronoi neighbours."""
    if len(xy) < 2:
        return np.zeros((0, 2), dtype=int)
    if len(xy) == 2:
        return np.array([[0, 1]])
    edges = shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(xy), only_edges=True))
    if len(edges) == 0:  # all points on one line: join each to the next along it
        order = np.lexsort((xy[:, 1], xy[:, 0]))
        return np.sort(np.column_stack([order[:-1], order[1:]]), axis=1)
    ends = shapely.get_coordinates(edges).reshape(-1, 2, 2)
    index = {tuple(p): i for i, p in enumerate(xy.tolist())}
    pairs = np.array([[index[tuple(a)], index[tuple(b)]] for a, b in ends.tolist()])
    return np.unique(np.sort(pairs, axis=1), axis=0)


def _spacing(xy, pairs):
    """Each point's distance to its second-nearest Delaunay neighbour (its nearest when it has one; inf alone)."""
    out = np.full(len(xy), np.inf)
    if not len(pairs):
        return out
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    table = pd.DataFrame({"p": np.concatenate([pairs[:, 0], pairs[:, 1]]), "d": np.concatenate([length, length])})
    ordered = table.sort_values(["p", "d"], kind="stable")
    rank = ordered.groupby("p").cumcount().to_numpy()
    p, d = ordered["p"].to_numpy(), ordered["d"].to_numpy()
    for r in (0, 1):  # the second-nearest overwrites the nearest where there is one
        out[p[rank == r]] = d[rank == r]
    return out


def _bounded_by_neighbours(spacing, pairs):
    """Each spacing bounded by LONE_FACTOR x the largest spacing among its Delaunay neighbours: a place far
    sparser than every one of its neighbours (a lone village beside a town's close quarters) is held to
    their scale, while a village ring around a dense city keeps its own (its village neighbours set it)."""
    if not len(pairs):
        return spacing
    table = pd.DataFrame({"p": np.concatenate([pairs[:, 0], pairs[:, 1]]),
                          "s": np.concatenate([spacing[pairs[:, 1]], spacing[pairs[:, 0]]])})
    largest = table.groupby("p")["s"].max()
    bound = np.full(len(spacing), np.inf)
    bound[largest.index.to_numpy()] = LONE_FACTOR * largest.to_numpy()
    return np.minimum(spacing, bound)


def _isolated_at_typical(xy, pairs, spacing):
    """An isolated place (no other within ISOLATED_M: a capital 200 km off the battle) is part of no settled
    ground whose spacing could set its reach: it gets the dataset's typical (median) spacing instead."""
    if not len(pairs):
        return spacing
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    nearest = np.full(len(xy), np.inf)
    np.minimum.at(nearest, pairs[:, 0], length)
    np.minimum.at(nearest, pairs[:, 1], length)
    isolated = nearest > ISOLATED_M
    if isolated.all():
        return spacing
    return np.where(isolated, np.median(spacing[~isolated]), spacing)


def reach_m(spacing: ArrayLike, doubt: ArrayLike) -> np.ndarray:
    """The radius a place's tile may reach: from the local spacing, shrunk (never grown) by doubt."""
    spacing = np.asarray(spacing, dtype=float)
    reach = np.where(np.isfinite(spacing), np.clip(REACH_FACTOR * spacing, MIN_REACH_M, MAX_REACH_M), ALONE_REACH_M)
    doubt = np.nan_to_num(np.asarray(doubt, dtype=float), nan=0.0).clip(min=0.0)
    return reach * reach / (reach + doubt)


def _nearest_reaching(xy, reach, discs):
    """Each place's tile: the points of its disc to which no other place that reaches them is nearer.
    Returns the tiles and the (i, j) pairs (i < j) whose discs meet: the only tiles that can share an edge."""
    tree = shapely.STRtree(discs)
    i, j = tree.query(discs, predicate="intersects")
    keep = i != j
    i, j = i[keep], j[keep]
    pairs = np.column_stack([i, j])
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    # j takes from i's disc only where their bisector crosses it, nearer than i's reach.
    gap = np.hypot(*(xy[j] - xy[i]).T)
    cuts = gap < 2 * reach[i]
    i, j, gap = i[cuts], j[cuts], gap[cuts]
    # Where j's disc (as drawn, its polygon's inner radius) reaches at least as far as i's, every point of
    # i's disc nearer to j lies in j's disc: j takes the whole half-plane, a cut made in numpy. Only a
    # neighbour that reaches less far takes a piece shaped by its own disc, cut by GEOS.
    wide = reach[j] * np.cos(np.pi / (4 * QUAD_SEGS)) >= reach[i]
    tiles = _cut_by_bisectors(discs, xy, i[wide], j[wide])
    i, j, gap = i[~wide], j[~wide], gap[~wide]
    if not len(i):
        return tiles, pairs
    # The part of j's disc nearer to j than to i: j's disc cut by the half-plane beyond their bisector
    # (all of j's disc when the bisector lies beyond it).
    whole = gap / 2 >= reach[j]
    taken = discs[j].copy()
    cut = np.flatnonzero(~whole)
    a, b = i[cut], j[cut]
    middle = (xy[a] + xy[b]) / 2
    along = (xy[b] - xy[a]) / gap[cut, None]
    across = np.column_stack([-along[:, 1], along[:, 0]])
    size = (reach[b] + gap[cut] + 1.0)[:, None]
    corners = np.stack([middle + across * size, middle + across * size + along * 2 * size,
                        middle - across * size + along * 2 * size, middle - across * size, middle + across * size], axis=1)
    taken[cut] = shapely.intersection(discs[b], shapely.polygons(corners))
    # Cut each disc by its k-th neighbour's piece in round k: a few vectorised calls, not one per place.
    order = np.argsort(i, kind="stable")
    rank = np.arange(len(i)) - np.searchsorted(i[order], i[order])
    for k in range(int(rank.max()) + 1):
        now = order[rank == k]
        tiles[i[now]] = shapely.difference(tiles[i[now]], taken[now])
    return tiles, pairs


def _cut_by_bisectors(discs, xy, i, j):
    """Each disc polygon cut, in numpy, by the half-planes nearer to its place i than to each listed j
    (a convex polygon clipped edge by edge: the part of each edge on i's side, and where it crosses)."""
    coords = shapely.get_coordinates(discs).reshape(len(discs), -1, 2)[:, :-1]  # open rings, same vertex count
    counts = np.full(len(discs), coords.shape[1])
    order = np.argsort(i, kind="stable")
    rank = np.arange(len(i)) - np.searchsorted(i[order], i[order])
    width = coords.shape[1]
    ring = np.zeros((len(discs), width + (int(rank.max()) + 1 if len(rank) else 0), 2))
    ring[:, :width] = coords
    for k in range(int(rank.max()) + 1 if len(rank) else 0):
        now = order[rank == k]
        a, b = i[now], j[now]
        normal = xy[b] - xy[a]
        offset = np.einsum("ij,ij->i", normal, (xy[a] + xy[b]) / 2)
        vertices, count = ring[a, :width], counts[a]
        slot = np.arange(width)
        valid = slot[None, :] < count[:, None]
        following = np.take_along_axis(vertices, ((slot[None, :] + 1) % count[:, None])[:, :, None], axis=1)
        side = np.einsum("nmk,nk->nm", vertices, normal) - offset[:, None]
        side_next = np.einsum("nmk,nk->nm", following, normal) - offset[:, None]
        inside, inside_next = side <= 0, side_next <= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t = side / (side - side_next)
            crossing = vertices + t[:, :, None] * (following - vertices)
        emitted = np.stack([vertices, crossing], axis=2).reshape(len(a), 2 * width, 2)
        mask = np.stack([inside & valid, (inside != inside_next) & valid], axis=2).reshape(len(a), 2 * width)
        keep = np.argsort(~mask, axis=1, kind="stable")
        count = mask.sum(axis=1)
        width = max(width, int(count.max()))
        packed = np.take_along_axis(emitted, keep[:, :width, None], axis=1)
        ring[a, :width] = packed
        counts[a] = count
    slot = np.arange(width)
    flat = ring[:, :width][slot[None, :] < counts[:, None]]
    rings = shapely.linearrings(flat, indices=np.repeat(np.arange(len(discs)), counts))
    return shapely.polygons(rings)


def _around_its_place(tiles, points):
    """Each tile cut to its piece around its own place. Where another place's reach ends, a scrap of the
    ground nearer to this one can lie beyond it, cut off from this place's own piece; a place stands for
    the ground around it, so such scraps go to nobody."""
    parts, owner = shapely.get_parts(tiles, return_index=True)
    if len(parts) == len(tiles):
        return tiles
    gap = shapely.distance(parts, points[owner])
    keep = np.zeros(len(parts), dtype=bool)
    order = np.lexsort((gap, owner))          # per tile, its nearest part first
    first = np.r_[True, owner[order][1:] != owner[order][:-1]]
    keep[order[first]] = True
    out = np.array([shapely.Polygon() for _ in tiles], dtype=object)
    out[owner[keep]] = parts[keep]
    return out


def _disjoint(tiles, pairs):
    """The tiles with any overlap between neighbours taken from the later one. Tiles cut separately agree
    only to floating point at their shared edges, and once snapped to the grid a long edge's ends may
    move apart by a centimetre: a sliver of tens of m² along a 5 km edge. The later tile then follows
    the earlier one's edge vertex for vertex, so the two also agree once reprojected."""
    if not len(pairs):
        return tiles
    i, j = pairs[:, 0], pairs[:, 1]
    overlap = shapely.relate_pattern(tiles[i], tiles[j], "2********")  # interiors meet: a predicate, no overlay
    out = tiles.copy()
    for later in np.unique(j[overlap]):
        earlier = tiles[i[overlap & (j == later)]]
        out[later] = _polygonal(shapely.difference(out[later], shapely.union_all(earlier, grid_size=GRID_M),
                                                   grid_size=GRID_M))
    return out


def _polygonal(geometry):
    """The polygons of a geometry: a difference snapped to the grid can leave a collection holding the
    polygon and the hair-thin lines of an edge it followed; a zone is ground, never a line."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    polygons = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]
    if not polygons:
        return shapely.Polygon()
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


class Tiles:
    """The fixed part of the zones: each ground place's tile and the edges tiles share, in metres.

    ids, geometry (metric), reach_m: one entry per place that got a tile; edges: (i, j) indices
    into them and the shared boundary line; forward/back: the projection's transformers.
    """

    forward: Any  # Transformer, None when no place has a tile
    back: Any

    def __init__(self, places: gpd.GeoDataFrame, not_ground: Collection[str] = REGION_KINDS | MARK_KINDS,
                 stateful: Collection[str] | None = None) -> None:
        ground = standing_for_ground(places, not_ground, stateful)
        if len(ground) > MAX_TILED_PLACES:
            from .errors import JisrgeoError

            raise JisrgeoError(f"zones of control: {len(ground):,} places with ground, above the {MAX_TILED_PLACES:,} "
                               "whose tiles fit in memory; refused before any was drawn (split the dataset, or mark "
                               "regions with dataset.json place_kinds)")
        if ground.empty:
            self.forward = self.back = None
            self.ids, self.reach = np.array([], dtype=object), np.array([])
            self.geometry = np.array([], dtype=object)
            self.edges, self.edge_lines = np.zeros((0, 2), dtype=int), np.array([], dtype=object)
            return
        self.forward, self.back = projection(ground.geometry.x, ground.geometry.y)
        x, y = self.forward.transform(ground.geometry.x.to_numpy(), ground.geometry.y.to_numpy())
        xy = np.round(np.column_stack([x, y]), 1)
        # Two places at one position: the first (in the file's order) gets the tile.
        first = np.sort(np.unique(xy, axis=0, return_index=True)[1])
        xy = xy[first]
        ground = ground.iloc[first]
        precision = pd.to_numeric(ground["precision_m"], errors="coerce").to_numpy(dtype=float)
        self.ids = ground["place_id"].to_numpy(dtype=object)
        delaunay = _delaunay_pairs(xy)
        spacing = _bounded_by_neighbours(_isolated_at_typical(xy, delaunay, _spacing(xy, delaunay)), delaunay)
        # Doubt only shrinks a place's reach, and what it gives up goes to nobody: the tiles are cut as if
        # every position were sure, then each doubtful place's tile is clipped to its shrunk disc. So doubt
        # never gives a neighbour, or a side, more ground than it would have without it.
        sure = reach_m(spacing, np.zeros(len(xy)))
        self.reach = reach_m(spacing, precision)
        points = shapely.points(xy)
        tiles, pairs = _nearest_reaching(xy, sure, shapely.buffer(points, sure, quad_segs=QUAD_SEGS))
        tiles = _around_its_place(tiles, points)
        shrunk = self.reach < sure
        tiles[shrunk] = shapely.intersection(tiles[shrunk], shapely.buffer(points[shrunk], self.reach[shrunk],
                                                                           quad_segs=QUAD_SEGS))
        self.geometry = _disjoint(shapely.set_precision(tiles, GRID_M), pairs)  # on the grid the zones are joined on
        self.edges, self.edge_lines = self._shared(pairs)

    def _shared(self, pairs):
        if not len(pairs):
            return pairs, np.array([], dtype=object)
        # Tiles whose discs meet mostly do not touch: only pairs within the tolerance can share an edge,
        # and each tile's boundary and grown copy are made once, not once per pair.
        shapely.prepare(self.geometry)
        pairs = pairs[shapely.dwithin(self.geometry[pairs[:, 0]], self.geometry[pairs[:, 1]], EDGE_TOLERANCE_M)]
        shapely.destroy_prepared(self.geometry)
        boundary = np.empty(len(self.geometry), dtype=object)
        grown = np.empty(len(self.geometry), dtype=object)
        first, second = np.unique(pairs[:, 0]), np.unique(pairs[:, 1])
        boundary[first] = shapely.boundary(self.geometry[first])
        grown[second] = shapely.buffer(self.geometry[second], EDGE_TOLERANCE_M)
        lines = shapely.intersection(boundary[pairs[:, 0]], grown[pairs[:, 1]])
        lines = np.array([_lines_only(g) for g in lines], dtype=object)
        keep = shapely.length(lines) > MIN_EDGE_M  # a touch at a corner is no boundary
        return pairs[keep], lines[keep]

    def neighbours(self) -> list[list[int]]:
        """Per tile, the indices of the tiles it shares an edge with."""
        out: list[list[int]] = [[] for _ in self.ids]
        for i, j in self.edges.tolist():
            out[i].append(j)
            out[j].append(i)
        return [sorted(n) for n in out]

    def cells(self) -> pd.DataFrame:
        """place_id, reach_m and tile geometry (WGS84), for tables and the web map's per-place drawing."""
        geometry = to_crs(self.back, self.geometry) if len(self.ids) else self.geometry
        return pd.DataFrame({"place_id": self.ids, "radius_m": np.round(self.reach, 1), "geometry": geometry})


# Pieces of a boundary shorter than this (metres) are crumbs of the tolerance at the ends of an arc.
CRUMB_M = 1.0


def _lines_only(geometry):
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("LineString", "LinearRing") and p.length > CRUMB_M]
    return shapely.line_merge(shapely.multilinestrings(parts)) if parts else shapely.LineString()


def standing_for_ground(places: gpd.GeoDataFrame, not_ground: Collection[str],
                        stateful: Collection[str] | None = None) -> gpd.GeoDataFrame:
    """The places that get a tile: of a ground kind, located, with a control state (when `stateful`, the ids
    that have one, is given), and not drawn through parts of their own (a city of neighbourhoods)."""
    ground = places[~places["kind"].isin(not_ground) & places.geometry.notna()]
    ground = ground[~ground.geometry.is_empty]
    if stateful is not None:
        ground = ground[ground["place_id"].isin(stateful)]
    if "part_of" in ground.columns:
        parents = set(ground["part_of"].dropna())
        ground = ground[~ground["place_id"].isin(parents)]
    return ground


def kind_roles(vocabulary: Vocabulary) -> dict[str, str]:
    """kind -> "ground", "mark" or "region": the built-in roles (schema.PLACE_KIND_ROLES), a dataset's own
    kinds ground, and dataset.json's place_kinds "region": true or "ground": true/false over both."""
    roles = dict(PLACE_KIND_ROLES)
    for kind, entry in vocabulary.extra["place_kinds"].items():
        if entry.get("region") is True:
            roles[kind] = "region"
        elif entry.get("ground") is False:
            roles[kind] = "mark"
        elif entry.get("ground") is True or kind not in roles:
            roles[kind] = "ground"
    return roles


def region_kinds(vocabulary: Vocabulary) -> frozenset[str]:
    """The kinds that name a region (no zone, no mark)."""
    return frozenset(k for k, role in kind_roles(vocabulary).items() if role == "region")


def not_ground_kinds(vocabulary: Vocabulary) -> frozenset[str]:
    """The kinds that get no tile: regions and infrastructure."""
    return frozenset(k for k, role in kind_roles(vocabulary).items() if role != "ground")


def mark_intervals(places: gpd.GeoDataFrame, intervals: pd.DataFrame, basis_of: Mapping[tuple[str, int], str],
                   mark_kinds: Collection[str]) -> gpd.GeoDataFrame:
    """The states of infrastructure places (a bridge, a building) as marks: AREA_COLUMNS, Point geometry,
    ground False, area 0: one row per state and interval, for drawers to show on the place."""
    import geopandas as gpd

    marks = places[places["kind"].isin(mark_kinds) & places.geometry.notna()]
    iv = intervals[intervals["place_id"].isin(set(marks["place_id"])) & intervals["controller"].notna()]
    where = marks.set_index("place_id").geometry
    rows = []
    for p, q, s, e, c, st, ch in zip(iv["place_id"], iv["seq"], iv["start"], iv["end"], iv["controller"], iv["status"],
                                     iv["challenger"]):
        held = st == STATUSES_HELD
        basis = basis_of.get((p, q), "reported")
        rows.append((f"{c}.{st}.{p}" if not held else f"{c}.{basis}.{p}", c, st, None if held else ch, basis, p, s, e,
                     0.0, MARK_METHOD, False, where[p]))
    table = pd.DataFrame(rows, columns=[*AREA_COLUMNS, "geometry"])
    table["challenger"] = table["challenger"].astype(object).where(table["challenger"].notna(), None)
    table = table.sort_values(["start", "zone_id"], kind="stable").reset_index(drop=True)
    for column in ("start", "end"):
        table[column] = table[column].astype(intervals["start"].dtype)
    return gpd.GeoDataFrame(table, geometry="geometry", crs="EPSG:4326")


# -- zones and fronts, swept over the dates of change ----------------------------------------------------

class _Zone:
    __slots__ = ("serial", "key", "members", "start", "member_set")

    def __init__(self, serial, key, members, start):
        self.serial, self.key, self.members, self.start = serial, key, members, start
        self.member_set = None  # made when a front first needs it


def place_states(intervals: pd.DataFrame, basis_of: Mapping[tuple[str, int], str], tiles: Tiles) -> list[list[tuple]]:
    """Per tile index, its states as sorted (start, end, side, status, challenger, basis) tuples."""
    index = {p: i for i, p in enumerate(tiles.ids)}
    iv = intervals[intervals["place_id"].isin(index)]
    basis = [basis_of.get((p, q), "reported") for p, q in zip(iv["place_id"], iv["seq"])]
    out: list[list[tuple]] = [[] for _ in tiles.ids]
    for p, s, e, c, st, ch, b in zip(iv["place_id"], _instants(iv["start"]), _instants(iv["end"]), iv["controller"],
                                     iv["status"], iv["challenger"], basis):
        c = c if isinstance(c, str) else None
        out[index[p]].append((s, e, c, st if c else None, ch if isinstance(ch, str) else None, b if b in BASES else "reported"))
    return [sorted(x) for x in out]


def _instants(column):
    """Dates as integer nanoseconds where none is missing: the sweep compares and hashes them by the
    hundred thousand, and ints are far quicker than pandas Timestamps (derive turns them back)."""
    values = column.to_numpy()
    if values.dtype.kind != "M" or np.isnat(values).any():
        return list(values) if values.dtype.kind != "M" else list(column)
    return values.astype("datetime64[ns]").view("int64").tolist()


def _as_dates(values, dtype):
    """A start or end column back from the sweep's integer nanoseconds (or as it was) to the intervals' dtype."""
    values = pd.Series(values)
    if values.dtype.kind in "iu":
        values = pd.Series(values.to_numpy(dtype="int64").view("datetime64[ns]"))
    return values.astype(dtype)


class _Sweep:
    """Zones and fronts over time, re-formed only around the places whose state changes on a date."""

    def __init__(self, tiles, states, opposed):
        self.tiles, self.states = tiles, states
        self.opposed = functools.cache(opposed)  # asked hundreds of thousands of times, of a few sides
        self.nbrs = tiles.neighbours()
        self.edge_of = {(i, j): k for k, (i, j) in enumerate(tiles.edges.tolist())}
        self.current = [None] * len(tiles.ids)   # (side, status, challenger, basis, start)
        self.key = [None] * len(tiles.ids)
        self.zone_of = {}
        self.open_fronts = {}                    # (serial, serial) -> (zone, zone, start)
        self.fronts_of = {}                      # serial -> the open fronts' pairs it is in
        self.zone_rows, self.front_rows = [], []
        self.serial = 0

    def run(self) -> tuple[list, list]:
        """(zone rows, front rows): each zone with its start and end day, each front with its two zones and days."""
        starts: dict = {}
        for i, states in enumerate(self.states):
            for state in states:
                starts.setdefault(state[0], []).append((i, state))
        end = max((s[-1][1] for s in self.states if s), default=None)
        for day in sorted(starts):
            self._step(day, starts[day])
        for zone in sorted({z.serial: z for z in self.zone_of.values()}.values(), key=lambda z: z.serial):
            self._close_zone(zone, end)
        return self.zone_rows, self.front_rows

    def _pocket(self, i, side, start):
        """Held, surrounded by opposing ground, some of which changed hands after this state was set."""
        current, opposed = self.current, self.opposed
        around = [c for c in (current[j] for j in self.nbrs[i]) if c is not None and c[0]]
        return (bool(around) and any(c[4] > start for c in around)
                and all(opposed(side, c[0]) for c in around))

    def _key(self, i):
        cur = self.current[i]
        if cur is None or cur[0] is None:
            return None
        side, status, challenger, basis, start = cur
        if status == STATUSES_HELD and self._pocket(i, side, start):
            basis = "unreported_change"
        return (side, status, challenger, basis)

    def _step(self, day, started):
        changed_places = set()
        for i, (s, _, side, status, challenger, basis) in started:
            self.current[i] = (side, status, challenger, basis, s)
            changed_places.add(i)
        candidates = set(changed_places)
        for i in changed_places:
            candidates.update(self.nbrs[i])
        changed = []
        for i in sorted(candidates):
            key = self._key(i)
            if key != self.key[i]:
                self.key[i] = key
                changed.append(i)
        if not changed:
            return
        # Only zones that lose a changed place, or that a changed place may join (held, of its key next to
        # it), can change; any other zone beside a change stays as it is, and is not re-formed.
        zone_of, keys, nbrs = self.zone_of, self.key, self.nbrs
        affected = {}
        for i in changed:
            zone = zone_of.get(i)
            if zone is not None:
                affected[zone.serial] = zone
            key = keys[i]
            if key is not None and key[1] == STATUSES_HELD:
                for k in nbrs[i]:
                    if keys[k] == key and k in zone_of:
                        affected[zone_of[k].serial] = zone_of[k]
        pool = {i for z in affected.values() for i in z.members} | {i for i in changed if self.key[i] is not None}
        for zone in affected.values():
            for i in zone.members:
                self.zone_of.pop(i, None)
        old = {(z.key, z.members): z for z in affected.values()}
        fresh = []
        for key, members in self._components(pool):
            zone = old.pop((key, members), None)
            if zone is None:
                self.serial += 1
                zone = _Zone(self.serial, key, members, day)
                fresh.append(zone)
            for i in members:
                self.zone_of[i] = zone
        for zone in sorted(old.values(), key=lambda z: z.serial):
            self._close_zone(zone, day)
        for zone in fresh:
            self._open_fronts(zone, day)

    def _components(self, pool):
        """(key, members) of the zones the pool's places form: held tiles of one key joined across edges."""
        seen = set()
        keys, nbrs = self.key, self.nbrs
        for i in sorted(pool):
            if i in seen:
                continue
            key = keys[i]
            seen.add(i)
            if key[1] != STATUSES_HELD:  # a contested or besieged place is a zone of its own
                yield key, (i,)
                continue
            members, stack = [], [i]
            while stack:
                j = stack.pop()
                members.append(j)
                for k in nbrs[j]:
                    if k not in seen and k in pool and keys[k] == key:
                        seen.add(k)
                        stack.append(k)
            yield key, tuple(sorted(members))

    def _close_zone(self, zone, day):
        self.zone_rows.append((zone, zone.start, day))
        for pair in sorted(self.fronts_of.pop(zone.serial, ())):
            if pair in self.open_fronts:
                a, b, start = self.open_fronts.pop(pair)
                self.front_rows.append((a, b, start, day))
                other = pair[0] if pair[1] == zone.serial else pair[1]
                self.fronts_of.get(other, set()).discard(pair)

    def _open_fronts(self, zone, day):
        zone_of, nbrs, side, opposed = self.zone_of, self.nbrs, zone.key[0], self.opposed
        others = {}
        for i in zone.members:
            for k in nbrs[i]:
                other = zone_of.get(k)
                if other is not None and other is not zone:
                    others[other.serial] = other
        for other in others.values():
            if not opposed(side, other.key[0]):
                continue
            pair = tuple(sorted((zone.serial, other.serial)))
            if pair not in self.open_fronts:
                self.open_fronts[pair] = (zone, other, day)
                for serial in pair:
                    self.fronts_of.setdefault(serial, set()).add(pair)

    def front_edges(self, a: _Zone, b: _Zone) -> list[int]:
        """Indices of the shared edges between two zones."""
        if len(a.members) > len(b.members):  # walk the smaller zone's neighbours: the same edges
            a, b = b, a
        if b.member_set is None:
            b.member_set = frozenset(b.members)
        theirs, nbrs, edge_of = b.member_set, self.nbrs, self.edge_of
        return sorted(edge_of[(i, k) if i < k else (k, i)] for i in a.members for k in nbrs[i] if k in theirs)


def _zone_id(key, members, ids):
    side, status, _, basis = key
    anchor = ids[members[0]]  # named after its first place in the file's order: stable, and usually the main one
    return f"{side}.{status}.{anchor}" if status != STATUSES_HELD else f"{side}.{basis}.{anchor}"


def derive(tiles: Tiles, intervals: pd.DataFrame, basis_of: Mapping[tuple[str, int], str],
           opposed: Callable[[str, str], bool]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(area_intervals, front_intervals) GeoDataFrames (EPSG:4326), the columns of AREA_COLUMNS / FRONT_COLUMNS."""
    sweep = _Sweep(tiles, place_states(intervals, basis_of, tiles), opposed)
    zone_rows, front_rows = sweep.run()
    ids = tiles.ids
    zone_ids = {}
    rows: list[tuple] = []
    shapes = []
    for zone, start, end in zone_rows:
        side, status, challenger, basis = zone.key
        zone_ids[zone.serial] = _zone_id(zone.key, zone.members, ids)
        held = status == STATUSES_HELD
        rows.append((zone_ids[zone.serial], side, status, None if held else challenger, basis,
                     None if held else ids[zone.members[0]], start, end))
        shapes.append(zone.members)
    metric = _unions(tiles.geometry, shapes)
    areas = pd.DataFrame(rows, columns=AREA_COLUMNS[:8])
    areas["area_km2"] = np.round(shapely.area(metric) / 1e6, 3) if len(metric) else []
    areas["method"] = METHOD
    areas["ground"] = True
    order = np.lexsort((areas["zone_id"].to_numpy(dtype=str), areas["start"].to_numpy()))
    areas = _frame(areas, metric, tiles, order, AREA_COLUMNS)
    del metric, shapes  # the zones in metres are done with: let them go before the fronts are made

    rows, merged = [], {}
    lines: Any = []  # the fronts' shapes, then their array
    for a, b, start, end in front_rows:
        if (a.key[0], zone_ids[a.serial]) > (b.key[0], zone_ids[b.serial]):
            a, b = b, a
        edges = sweep.front_edges(a, b)
        if not edges:
            continue
        rows.append((f"{zone_ids[a.serial]}|{zone_ids[b.serial]}", a.key[0], b.key[0], start, end))
        key = tuple(edges)
        if key not in merged:
            merged[key] = tiles.edge_lines[edges[0]] if len(edges) == 1 else _lines_only(shapely.union_all(tiles.edge_lines[edges]))
        lines.append(merged[key])
    lines = np.array(lines, dtype=object)
    fronts = pd.DataFrame(rows, columns=FRONT_COLUMNS[:5])
    fronts["length_km"] = np.round(shapely.length(lines) / 1000, 3) if len(lines) else []
    fronts["method"] = FRONT_METHOD
    order = np.lexsort((fronts["front_id"].to_numpy(dtype=str), fronts["start"].to_numpy()))
    fronts = _frame(fronts, lines, tiles, order, FRONT_COLUMNS)
    dtype = intervals["start"].dtype
    for table in (areas, fronts):
        for column in ("start", "end"):
            table[column] = _as_dates(table[column].to_numpy(), dtype).to_numpy()
    return areas, fronts


def _unions(tiles, groups):
    """The union of each group of tiles, each distinct group computed once."""
    cache = {}
    out = np.empty(len(groups), dtype=object)
    for n, members in enumerate(groups):
        if members not in cache:
            parts = tiles[list(members)]
            cache[members] = parts[0] if len(parts) == 1 else _without_pinholes(shapely.union_all(parts, grid_size=GRID_M))
        out[n] = cache[members]
    return out


# Holes smaller than this (m²) where three tiles almost meet are arithmetic, not a lack of information.
PINHOLE_M2 = 100.0


def _without_pinholes(geometry):
    polygons = []
    for part in shapely.get_parts(geometry):
        if part.geom_type != "Polygon":
            continue
        holes = [ring for ring in part.interiors if shapely.Polygon(ring).area >= PINHOLE_M2]
        polygons.append(shapely.Polygon(part.exterior, holes) if len(holes) < len(part.interiors) else part)
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _frame(table, metric, tiles, order, columns):
    import geopandas as gpd

    # A zone or front that comes back unchanged is one shape: reproject each distinct shape once.
    first, index = {}, []
    for g in metric:
        index.append(first.setdefault(id(g), len(first)))
    distinct = np.array([None] * len(first), dtype=object)
    for g, n in zip(metric, index):
        distinct[n] = g
    if len(metric):
        distinct = to_crs(tiles.back, distinct)
        # A hole that touches its outline at a point (where doubt left ground to nobody) may cross it by a
        # hair once reprojected: repaired, keeping the polygons (a zone) or the lines (a front).
        broken = ~shapely.is_valid(distinct)
        distinct[broken] = [_repaired(g) for g in distinct[broken]]
    geometry = distinct[np.array(index, dtype=int)] if len(metric) else np.array([], dtype=object)
    table = table.iloc[order].reset_index(drop=True)[columns]
    return gpd.GeoDataFrame(table, geometry=list(geometry[order]) if len(order) else [], crs="EPSG:4326")


def _repaired(geometry):
    fixed = shapely.make_valid(geometry, method="structure") if geometry.geom_type.endswith("Polygon") \
        else shapely.make_valid(geometry)
    family = "Polygon" if geometry.geom_type.endswith("Polygon") else "LineString"
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type == family]
    if not parts:
        return fixed
    if len(parts) == 1:
        return parts[0]
    return shapely.MultiPolygon(parts) if family == "Polygon" else shapely.MultiLineString(parts)


def covering(table: pd.DataFrame, day: DayLike) -> pd.DataFrame:
    """The rows of an interval table that hold at the end of `day`."""
    day = np.datetime64(day)
    hit = (table["start"].to_numpy() <= day) & (table["end"].to_numpy() > day)
    return table[hit].reset_index(drop=True)


def side_area_by_day(tiles: Tiles, matrix: pd.DataFrame, sides: Sequence[str]) -> pd.DataFrame:
    """km² held by each side on each day, from the days x places control matrix: one matrix product.
    Tile areas are measured as the zones' are (in the equal-area projection), so the two agree."""
    area = pd.Series(shapely.area(tiles.geometry) / 1e6 if len(tiles.ids) else [], index=tiles.ids, dtype=float)
    area = area.reindex(matrix.columns).fillna(0.0).to_numpy()
    codes = matrix.to_numpy()
    data = {side: (codes == i).astype(float) @ area for i, side in enumerate(sides)}
    return pd.DataFrame(data, index=matrix.index).round(3)
