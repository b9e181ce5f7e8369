"""The previous derivation of areas and front lines (before issue 21), kept only as the benchmark's baseline.

Estimated areas of control and front lines, derived from the places and their control: never observed.

Method (carried on every feature as `method`):
1. Every place that can hold ground gets a cell: its Voronoi cell among all such places,
   computed in a local azimuthal-equidistant projection (metres, not degrees), cut to a disc
   around the place whose radius grows with its kind and its radius of doubt
   (radius = KIND_RADIUS_M[kind] + precision_m / 2, at most MAX_RADIUS_M).
2. On a day, a cell takes its place's state: the areas of a side are the union of the cells of
   the places it holds; a contested or besieged place keeps its own zone, with its challenger.
3. Front lines are the edges two cells share when their places are held by different sides.

The cells do not depend on the day, only their states do: so areas and front lines are kept as
intervals of the control intervals (one cell per interval, one shared edge per interval in which
its two sides differ), never as a copy per day. Areas and lengths are geodesic (pyproj Geod).
"""

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

GEOD = Geod(ellps="WGS84")
# Ground a place of each kind is taken to hold, before its radius of doubt is added (metres).
KIND_RADIUS_M = {"city": 6000, "town": 4000, "village": 2500, "area": 5000, "military_base": 2000, "airbase": 3000,
                 "hospital": 1000, "checkpoint": 1000, "hill": 1500}
DEFAULT_RADIUS_M = 2000
MAX_RADIUS_M = 15000
# Kinds that name a region rather than ground held around a point.
NO_CELL_KINDS = {"governorate"}
PRECISION_SHARE = 0.5
METHOD = ("Voronoi cell of each place among all places (local azimuthal equidistant projection), cut to a disc of "
          "radius = kind radius + half the radius of doubt (max 15 km); cells take their place's control on the day")
BASIS = "derived"


def radius_m(kind, precision_m):
    base = KIND_RADIUS_M.get(kind, DEFAULT_RADIUS_M)
    doubt = precision_m if isinstance(precision_m, (int, float)) and precision_m == precision_m else 0
    return min(base + PRECISION_SHARE * doubt, MAX_RADIUS_M)


def _projection(lons, lats):
    centre = f"+proj=aeqd +lat_0={float(np.mean(lats)):.6f} +lon_0={float(np.mean(lons)):.6f} +datum=WGS84 +units=m"
    crs = CRS.from_proj4(centre)
    return (Transformer.from_crs("EPSG:4326", crs, always_xy=True), Transformer.from_crs(crs, "EPSG:4326", always_xy=True))


def _to(transformer, geometry):
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def tessellate(places):
    """(cells, neighbours) of the places that hold ground, both in WGS84.

    cells: place_id, radius_m, geometry, in the places' order. Two places at one position share
    one Voronoi cell; the first of them (in the file's order) gets it, the others none, so cells
    never overlap. neighbours: a, b (place ids) and the edge their cells share: the possible
    front-line segments. Both are computed in metres and only then brought back to lon/lat.
    """
    holds = places[~places["kind"].isin(NO_CELL_KINDS) & places.geometry.notna()].reset_index(drop=True)
    table = pd.DataFrame({"place_id": holds["place_id"],
                          "radius_m": [radius_m(k, p) for k, p in zip(holds["kind"], holds["precision_m"])]})
    if holds.empty:
        return table.assign(geometry=shapely.from_wkt([])), pd.DataFrame(columns=["a", "b", "geometry"])
    forward, back = _projection(holds.geometry.x, holds.geometry.y)
    x, y = forward.transform(holds.geometry.x.to_numpy(), holds.geometry.y.to_numpy())
    xy = np.round(np.column_stack([x, y]), 1)  # a decimetre: same position, same point
    first = np.sort(np.unique(xy, axis=0, return_index=True)[1])
    points = shapely.points(xy[first])
    reach = table["radius_m"].max()
    box = shapely.box(*(xy.min(axis=0) - reach), *(xy.max(axis=0) + reach))
    if len(first) == 1:
        voronoi = np.array([box], dtype=object)
    else:
        voronoi = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=box, ordered=True))
    metric = np.array([shapely.Polygon()] * len(holds), dtype=object)
    discs = shapely.buffer(points, table["radius_m"].to_numpy()[first], quad_segs=16)
    metric[first] = shapely.intersection(shapely.intersection(voronoi, box), discs)
    cells = _without_overlaps(np.array([_to(back, g) for g in metric], dtype=object))
    table["geometry"] = cells
    return table, _shared_edges(table["place_id"].to_numpy(), cells)


# Cells that meet exactly in metres do not quite in lon/lat (a straight edge is not straight after
# reprojection where one side has a vertex the other lacks): within this many degrees (about 1 cm)
# two boundaries are taken to be one.
EDGE_TOLERANCE_DEG = 1e-7
MIN_EDGE_M = 5.0


def _without_overlaps(cells):
    """Each cell minus the cells before it, so reprojection slivers never count twice."""
    tree = shapely.STRtree(cells)
    out = cells.copy()
    for i, j in zip(*tree.query(cells, predicate="overlaps")):
        if j < i:
            out[i] = shapely.difference(out[i], cells[j])
    return out


def _shared_edges(ids, cells):
    """a, b and the edge their cells share (a front where they are held by different sides)."""
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="dwithin", distance=EDGE_TOLERANCE_DEG)
    keep = left < right
    left, right = left[keep], right[keep]
    edges = shapely.intersection(shapely.boundary(cells[left]), shapely.buffer(cells[right], EDGE_TOLERANCE_DEG))
    lines = np.array([_lines_only(g) for g in edges], dtype=object)
    keep = np.array([GEOD.geometry_length(g) > MIN_EDGE_M for g in lines], dtype=bool)  # a touch at a corner is no front
    return pd.DataFrame({"a": ids[left[keep]], "b": ids[right[keep]], "geometry": lines[keep]})


def _area_km2(geometry):
    return round(abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e6, 3) if not geometry.is_empty else 0.0


def _length_km(geometry):
    return round(GEOD.geometry_length(geometry) / 1000, 3) if not geometry.is_empty else 0.0


def areas_on(cell_table, state, names, vocabulary):
    """The areas on one day: one feature per side for held ground, one per contested or besieged place."""
    import geopandas as gpd

    table = cell_table.merge(state[["place_id", "controller", "status", "challenger"]], on="place_id")
    table = table[table["controller"].notna() & ~shapely.is_empty(table["geometry"].to_numpy())]
    held = table["status"] == "held"
    rows = []
    for side, group in table[held].groupby("controller", sort=False):
        rows.append((side, "held", None, group))
    for _, row in table[~held].iterrows():
        rows.append((row["controller"], row["status"], row["challenger"], table.loc[[row.name]]))
    order = {s: i for i, s in enumerate(vocabulary.sides)}
    rows.sort(key=lambda r: (r[1] != "held", order.get(r[0], len(order)), r[3]["place_id"].iloc[0]))
    features = []
    for side, status, challenger, group in rows:
        geometry = shapely.union_all(group["geometry"].to_numpy())
        features.append({"controller": side, "status": status, "challenger": challenger,
                         "places": ";".join(names[p] for p in group["place_id"]), "area_km2": _area_km2(geometry),
                         "method": METHOD, "basis": BASIS, "geometry": geometry})
    columns = ["controller", "status", "challenger", "places", "area_km2", "method", "basis", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(features, columns=columns), geometry="geometry", crs="EPSG:4326")


def _lines_only(geometry):
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("LineString", "LinearRing")]
    return shapely.line_merge(shapely.multilinestrings(parts)) if parts else shapely.LineString()


def _sides(a, b):
    return (a, b) if a <= b else (b, a)


def fronts_on(pairs, state, vocabulary):
    """The front lines on one day: the shared edges of cells held by different sides, merged per pair of sides."""
    import geopandas as gpd

    controller = state.set_index("place_id")["controller"]
    a, b = pairs["a"].map(controller).to_numpy(), pairs["b"].map(controller).to_numpy()
    mask = pd.notna(a) & pd.notna(b) & (a != b)
    sides = [_sides(x, y) for x, y in zip(a[mask], b[mask])]
    live = pd.DataFrame({"side_a": [s[0] for s in sides], "side_b": [s[1] for s in sides],
                         "geometry": pairs["geometry"].to_numpy()[mask]})
    features = []
    for (side_a, side_b), group in live.groupby(["side_a", "side_b"], sort=True):
        geometry = shapely.line_merge(shapely.union_all(group["geometry"].to_numpy()))
        features.append({"side_a": side_a, "side_b": side_b, "segments": len(group), "length_km": _length_km(geometry),
                         "method": "edges shared by cells of places held by different sides (see areas)", "basis": BASIS,
                         "geometry": geometry})
    columns = ["side_a", "side_b", "segments", "length_km", "method", "basis", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(features, columns=columns), geometry="geometry", crs="EPSG:4326")


def area_intervals(cell_table, intervals):
    """One row per control interval with its place's cell: the areas over the whole period, as intervals."""
    import geopandas as gpd

    table = intervals.merge(cell_table, on="place_id")
    table = table[table["controller"].notna() & ~shapely.is_empty(table["geometry"].to_numpy())].reset_index(drop=True)
    table["area_km2"] = [_area_km2(g) for g in table["geometry"]]
    return gpd.GeoDataFrame(table, geometry="geometry", crs="EPSG:4326")


def front_intervals(pairs, intervals):
    """One row per shared edge and interval in which its two places are held by different sides.

    Each pair's two interval lists are merged on their boundaries: work grows with pairs x changes
    at those two places, never with days.
    """
    import geopandas as gpd

    by_place = {p: g[["start", "end", "controller"]].to_numpy() for p, g in intervals.groupby("place_id", sort=False)}
    rows = []
    for a, b, geometry in pairs[["a", "b", "geometry"]].itertuples(index=False):
        if a not in by_place or b not in by_place:
            continue
        for start, end, side_a, side_b in _overlaps(by_place[a], by_place[b]):
            if isinstance(side_a, str) and isinstance(side_b, str) and side_a != side_b:
                first, second = _sides(side_a, side_b)
                rows.append((a, b, first, second, start, end, geometry))
    table = pd.DataFrame(rows, columns=["place_a", "place_b", "side_a", "side_b", "start", "end", "geometry"])
    table = table.astype({"start": intervals["start"].dtype, "end": intervals["end"].dtype})  # datetimes, even when empty
    table["length_km"] = [_length_km(g) for g in table["geometry"]]
    return gpd.GeoDataFrame(table, geometry="geometry", crs="EPSG:4326")


def _overlaps(first, second):
    """(start, end, state of a, state of b) for each overlap of two sorted [start, end) interval lists."""
    i = j = 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if start < end:
            yield start, end, first[i][2], second[j][2]
        if first[i][1] <= second[j][1]:
            i += 1
        else:
            j += 1


def side_area_by_day(cell_table, matrix, sides):
    """km² held by each side on each day, from the days x places control matrix: one matrix product."""
    area = pd.Series([_area_km2(g) for g in cell_table["geometry"]], index=cell_table["place_id"])
    area = area.reindex(matrix.columns).fillna(0.0).to_numpy()
    codes = matrix.to_numpy()
    data = {side: (codes == i).astype(float) @ area for i, side in enumerate(sides)}
    return pd.DataFrame(data, index=matrix.index).round(3)
