"""The ground under every static map: the frame on its land and sea, borders, rivers, lakes and context
towns (maps/context.py), the scale bar, the north arrow and the locator of the country."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from ..names import display_name
from ..style import LAND, LINE_STYLES
from . import context
from .extent import map_extent
from ._text import display_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# `dataset` arguments are a jisrgeo Dataset, typed Any (see query.py: an import of jisrgeo.dataset cycles).
Dataset = Any
Extent = tuple[float, float, float, float]  # (west, south, east, north) in degrees

SEA, BORDER = "#d6e4ee", "#8c8378"
# The offline context: rivers and lake shores, and the grey of context towns (never a side's colour).
WATER, TOWN_COLOR = LINE_STYLES["river"]["color"], "#6b6b6b"
# Every name is drawn at least MIN_NAME_PX pixels high (its font size) at 1x on the day PNGs.
MIN_NAME_PX = 11
TOWN_FONTSIZE = 7.5  # 11.5 px at DPI
MAX_TOWN_LABELS = 25
RIVER_Z = 1.8  # rivers lie over the zones (zorder 1-1.5), under fronts, routes and places
TOWN_Z = 1.9  # context towns too: their names read over fills and hatching
# The white halo round every name: wide enough that hatching and fills stop short of the letters.
HALO_WIDTH = 3.2
HALO = [patheffects.withStroke(linewidth=HALO_WIDTH, foreground="white")]


def set_extent(ax: Axes, extent: Sequence[float]) -> None:
    """Frame `ax` on (west, south, east, north) with equal metres per degree at its middle latitude."""
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect(1 / math.cos(math.radians((extent[1] + extent[3]) / 2)))


def _ground(ax, extent, margin=0.0, tolerance=0.0, linewidth=0.8, home=None, detail=False, avoid=(), keep_out=(),
            rivers=True, towns=True):
    """Frame `ax` on `extent` with no degree axes, sea behind and the countries (`home` shaded) on it.

    With `detail`, the offline context too (maps/context.py): first-level borders, lakes, rivers and
    the larger GeoNames towns as small grey labels, none within reach of the dataset's own places
    (`avoid`: their (lon, lat)), so a context town is never mistaken for one of the battle's places,
    nor inside `keep_out` boxes (west, south, east, north) kept for the scale bar and north arrow.
    """
    set_extent(ax, extent)
    # A frame too wide for any ground (context.legible: a dataset with no places) is blank paper, not sea.
    ax.set_facecolor(SEA if context.legible(extent) else "white")
    ax.set_xticks([])
    ax.set_yticks([])
    for name, shape in context.countries(extent, margin=margin):
        for polygon in shapely.get_parts(shapely.simplify(shape, tolerance) if tolerance else shape):
            if polygon.geom_type == "Polygon":
                ax.add_patch(PathPatch(polygon_path(polygon), facecolor="#e2d9c4" if name == home else LAND,
                                       edgecolor=BORDER, linewidth=linewidth, zorder=0))
    if not detail:
        return
    ground = context.features(extent, margin)
    for row in ground.itertuples():
        if row.layer == "admin1":
            for line in shapely.get_parts(row.geometry):
                ax.plot(*line.xy, **line_style("admin1_border"), zorder=0.2)
        elif row.layer == "lake":
            for polygon in shapely.get_parts(row.geometry):
                if polygon.geom_type == "Polygon":
                    ax.add_patch(PathPatch(polygon_path(polygon), facecolor=SEA, edgecolor=WATER, linewidth=0.5, zorder=0.3))
        elif row.layer == "river" and rivers:
            _river(ax, extent, row)
    if towns:
        _towns(ax, extent, ground[ground["layer"] == "town"], avoid, keep_out)


def _river(ax, extent, row):
    """A river above the zone fills (zorder 1-1.5), under the fronts and places, with its name if known."""
    drawn = []
    for line in shapely.get_parts(row.geometry):
        drawn += ax.plot(*line.xy, **line_style("river"), solid_capstyle="round", zorder=RIVER_Z)
    return drawn + _name_line(ax, extent, row)


def draw_rivers(ax: Axes, extent: Extent, margin: float = 0.5, dataset: Dataset = None) -> list[Any]:
    """The context's rivers on `ax`, then the dataset's own context (context.geojson) when `dataset` is
    given; returns the artists."""
    drawn = [] if has_own_rivers(dataset) else [a for row in context.features(extent, margin).itertuples()
                                                  if row.layer == "river" for a in _river(ax, extent, row)]
    return drawn + (draw_dataset_context(ax, extent, dataset) if dataset is not None else [])


def has_own_rivers(dataset: Dataset) -> bool:
    """Whether the dataset draws its own rivers (context.geojson): then the built-in ones, coarse at a
    battle's scale, are left out rather than drawn as a second river beside each."""
    return dataset is not None and bool((dataset.context["kind"] == "river").any())


# How the kinds of a dataset's own context lines are drawn (style.LINE_STYLES); other kinds as a province border.
DATASET_LINE_KINDS = {"road": "road", "border": "country_border"}


def draw_dataset_context(ax: Axes, extent: Extent, dataset: Dataset) -> list[Any]:
    """The dataset's own ground (context.geojson: rivers, roads, borders, named areas and points) over the
    built-in ground, each with its name: rivers as the built-in ones, lines in their kind's style, areas
    as a dotted outline, points as a small mark. Returns the artists."""
    frame = dataset.context
    drawn = []
    for row in frame.itertuples():
        geometry = row.geometry
        if geometry is None or geometry.is_empty:
            continue
        if row.kind == "river":
            drawn += _river(ax, extent, row)
        elif geometry.geom_type.endswith("LineString"):
            style = line_style(DATASET_LINE_KINDS.get(row.kind, "admin1_border"))
            for line in shapely.get_parts(geometry):
                drawn += ax.plot(*line.xy, **style, zorder=RIVER_Z)
            drawn += _name_line(ax, extent, row)
        elif geometry.geom_type.endswith("Polygon"):
            for polygon in shapely.get_parts(geometry):
                drawn.append(ax.add_patch(PathPatch(polygon_path(polygon), facecolor="none", edgecolor=TOWN_COLOR,
                                                    linewidth=0.6, linestyle=(0, (1, 2)), zorder=0.4)))
            drawn += _name_at(ax, extent, geometry.representative_point(), row.name)
        else:
            drawn += ax.plot(geometry.x, geometry.y, marker="^", markersize=3, color=TOWN_COLOR, linestyle="",
                             zorder=RIVER_Z)
            drawn += _name_at(ax, extent, geometry, row.name, dx=0.004)
    return drawn


def ground_keys(dataset: Dataset, extent: Extent) -> set[str]:
    """The legend entries of the lines the ground draws in `extent` (see legend.legend_entries): 'line:river'
    (the built-in rivers or the dataset's own), 'line:road', 'line:border', 'line:area' (named areas)."""
    frame = shapely.box(*extent)
    keys = set()
    own = dataset.context
    for kind, geometry in zip(own["kind"], own.geometry):
        if geometry is None or geometry.is_empty or not geometry.intersects(frame):
            continue
        if geometry.geom_type.endswith("LineString"):
            keys.add({"river": "line:river", "road": "line:road", "border": "line:border"}.get(kind, "line:border"))
        elif geometry.geom_type.endswith("Polygon"):
            keys.add("line:area")
    if not has_own_rivers(dataset):
        rivers = context.features(extent, 0.5)
        rivers = rivers[rivers["layer"] == "river"]
        if len(rivers) and shapely.intersects(rivers.geometry.to_numpy(), frame).any():
            keys.add("line:river")
    return keys


def _name_at(ax, extent, point, name, dx=0.0):
    """An italic context name at `point` when it lies in the frame."""
    if not isinstance(name, str) or not name or not (extent[0] < point.x < extent[2] and extent[1] < point.y < extent[3]):
        return []
    return [ax.text(point.x + dx, point.y, display_name(display_text(name, limit=30)), fontsize=TOWN_FONTSIZE,
                    color=TOWN_COLOR, style="italic", ha="left" if dx else "center", va="center", parse_math=False,
                    path_effects=HALO, zorder=1.9)]


def line_style(kind: str, **over: Any) -> dict[str, Any]:
    """matplotlib keywords of one of style.LINE_STYLES (colour, width, dash)."""
    style = LINE_STYLES[kind]
    dash = style["dash"]
    return {"color": style["color"], "linewidth": style["width"],
            "linestyle": (0, tuple(dash)) if dash else "-", **over}


def _name_line(ax, extent, row):
    """A named context line (a river, once the context names it) labelled along its longest part in frame."""
    if not isinstance(getattr(row, "name", None), str) or not row.name:
        return []
    inside = shapely.clip_by_rect(row.geometry, *extent)
    parts = sorted(shapely.get_parts(inside), key=lambda g: -g.length) if not inside.is_empty else []
    if not parts or parts[0].length < 0.2 * (extent[2] - extent[0]):
        return []
    at = parts[0].interpolate(0.5, normalized=True)
    return [ax.text(at.x, at.y, display_name(display_text(row.name, limit=30)), fontsize=TOWN_FONTSIZE, color=WATER,
            style="italic", ha="center", va="bottom", parse_math=False, path_effects=HALO, zorder=1.9)]


def _towns(ax, extent, towns, avoid, keep_out=()):
    """The larger context towns in frame as grey dots and italic names, kept off each other and off the
    dataset's places: greedy by population, each name's box measured in inches on the axes."""
    ax.apply_aspect()
    box = ax.get_position()
    width_in, height_in = box.width * ax.figure.get_figwidth(), box.height * ax.figure.get_figheight()
    per_in = np.array([(extent[2] - extent[0]) / width_in, (extent[3] - extent[1]) / height_in])
    x, y = towns.geometry.x.to_numpy(), towns.geometry.y.to_numpy()
    inside = (x > extent[0]) & (x < extent[2]) & (y > extent[1]) & (y < extent[3])
    avoid = np.asarray(list(avoid), dtype=float).reshape(-1, 2)
    # Keep-out boxes (x0, y0, x1, y1) in degrees: each dataset place with room for its own label.
    taken = [(px - 0.55 * per_in[0], py - 0.12 * per_in[1], px + 0.55 * per_in[0], py + 0.12 * per_in[1]) for px, py in avoid]
    taken += list(keep_out)
    drawn = 0
    for name, tx, ty in zip(towns["name"][inside], x[inside], y[inside]):
        if drawn >= MAX_TOWN_LABELS:
            break
        w, h = len(name) * TOWN_FONTSIZE * 0.62 / 72 * per_in[0], TOWN_FONTSIZE * 1.3 / 72 * per_in[1]
        label = (tx - 0.03 * per_in[0], ty - h / 2, tx + 0.05 * per_in[0] + w, ty + h / 2)
        if label[2] > extent[2] or any(a[0] < label[2] and label[0] < a[2] and a[1] < label[3] and label[1] < a[3] for a in taken):
            continue
        taken.append(label)
        ax.plot(tx, ty, marker="o", markersize=2.2, color=TOWN_COLOR, linestyle="", zorder=TOWN_Z)
        ax.text(tx + 0.05 * per_in[0], ty, display_name(display_text(name, limit=30)), fontsize=TOWN_FONTSIZE, color=TOWN_COLOR,
                style="italic", va="center", ha="left", parse_math=False, path_effects=HALO, zorder=TOWN_Z)
        drawn += 1


def draw_frame(ax: Axes, dataset: Dataset, extent: Extent | None = None, rivers: bool = True, towns: bool = True,
               taken: Sequence[str] = ()) -> Extent:
    """The frame `extent` (default: the whole battle) on its ground (with the offline context); returns it.
    rivers=False leaves the rivers, towns=False the context towns, to a layer drawn over the day's zones
    (DaySeries' overlays, see draw_towns); `taken`: corners kept for an inset (see corner_boxes)."""
    frame: Extent = tuple(extent) if extent is not None else tuple(map_extent(dataset))  # type: ignore[assignment]
    extent = frame
    places = dataset.places
    points = list(zip(places.geometry.x, places.geometry.y))
    _ground(ax, frame, margin=0.5, detail=True, avoid=points, keep_out=corner_boxes(frame, points, taken),
            rivers=rivers and not has_own_rivers(dataset), towns=towns)
    if rivers:
        draw_dataset_context(ax, frame, dataset)
    return frame


def ground_only(ax: Axes, extent: Extent) -> None:
    """`ax` framed on `extent` with the sea and the countries alone (a small locator's ground)."""
    _ground(ax, extent, margin=0.5, tolerance=0.002, linewidth=0.4)


def draw_towns(ax: Axes, dataset: Dataset, extent: Extent, taken: Sequence[str] = ()) -> None:
    """The context towns of draw_frame alone (for a layer over the day's zones)."""
    places = dataset.places
    points = list(zip(places.geometry.x, places.geometry.y))
    ground = context.features(extent, 0.5)
    _towns(ax, extent, ground[ground["layer"] == "town"], points, corner_boxes(extent, points, taken))


def home_country(dataset: Dataset, extent: Sequence[float]) -> str | None:
    """The country most of the framed places lie in (from the context layer), for the locator."""
    places = dataset.places
    x, y = places.geometry.x, places.geometry.y
    inside = x.between(extent[0], extent[2]) & y.between(extent[1], extent[3])
    return context.country_of(zip(x[inside], y[inside]))


def polygon_path(polygon: Any) -> Path:
    """A matplotlib Path of a polygon with its holes."""
    rings = [polygon.exterior, *polygon.interiors]
    vertices = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
    codes = np.concatenate([[Path.MOVETO] + [Path.LINETO] * (len(r.coords) - 2) + [Path.CLOSEPOLY] for r in rings])
    return Path(vertices, codes)


CORNERS = ("lower left", "lower right", "upper left", "upper right")


def _emptiest_corners(extent, points, taken=()):
    """The map's corners ('lower left', ...) ordered from the fewest to the most of `points` ((lon, lat)) in
    them; corners `taken` (by an inset) come last."""
    x0, y0, x1, y1 = extent
    xy = np.asarray(list(points), dtype=float).reshape(-1, 2)
    counts = {}
    for corner in CORNERS:
        # A corner is the 35 % x 22 % of the frame a scale bar or arrow may cover.
        left = corner.endswith("left")
        lower = corner.startswith("lower")
        in_x = xy[:, 0] <= x0 + 0.35 * (x1 - x0) if left else xy[:, 0] >= x1 - 0.35 * (x1 - x0)
        in_y = xy[:, 1] <= y0 + 0.22 * (y1 - y0) if lower else xy[:, 1] >= y1 - 0.22 * (y1 - y0)
        counts[corner] = int((in_x & in_y).sum())
    return sorted(counts, key=lambda c: (c in taken, counts[c], CORNERS.index(c)))


# Where the scale bar (the emptiest corner) and the north arrow (the next) sit, as (x0, y0, x1, y1) axes fractions.
SCALE_BOX = {"left": (0.0, 0.35), "right": (0.65, 1.0)}
NORTH_X = {"left": 0.035, "right": 0.965}
NORTH_Y = {"lower": (0.08, 0.2), "upper": (0.82, 0.94)}


def corner_boxes(extent: Extent, points: Sequence[tuple[float, float]], taken: Sequence[str] = ()) -> list[Extent]:
    """(west, south, east, north) of the scale bar's and the north arrow's corners, for the context to keep
    clear; corners `taken` (by an inset) are not used while another is free."""
    scale, north = _emptiest_corners(extent, points, taken)[:2]
    x0, y0, x1, y1 = extent

    def fx(f: float) -> float:
        return x0 + f * (x1 - x0)

    def fy(f: float) -> float:
        return y0 + f * (y1 - y0)
    sx, sy = SCALE_BOX[scale.split()[1]], (0.0, 0.2) if scale.startswith("lower") else (0.8, 1.0)
    nx, ny = NORTH_X[north.split()[1]], NORTH_Y[north.split()[0]]
    return [(fx(sx[0]), fy(sy[0]), fx(sx[1]), fy(sy[1])), (fx(nx - 0.04), fy(ny[0] - 0.03), fx(nx + 0.04), fy(ny[1] + 0.02))]


def scale_and_north(ax: Axes, extent: Extent, fontsize: float = 7, points: Sequence[tuple[float, float]] = (),
                    taken: Sequence[str] = ()) -> None:
    """A scale bar and a north arrow, each in a corner of the map with the fewest of `points` (the places),
    leaving the corners `taken` (by an inset) alone."""
    from matplotlib_scalebar.scalebar import ScaleBar

    corners = _emptiest_corners(extent, points, taken)
    # x is longitude: one unit is this many metres at the frame's middle latitude.
    metres_per_degree = 111_320 * math.cos(math.radians((extent[1] + extent[3]) / 2))
    ax.add_artist(ScaleBar(metres_per_degree, units="m", location=corners[0], length_fraction=0.22,
                           font_properties={"size": fontsize}, box_alpha=0.8, scale_loc="top",
                           rotation="horizontal-only"))
    north = corners[1]
    x = NORTH_X[north.split()[1]]
    y0, y1 = NORTH_Y[north.split()[0]]
    ax.annotate("N", xy=(x, y1), xytext=(x, y0), xycoords="axes fraction", ha="center", va="center",
                fontsize=fontsize + 2, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "#222222", "linewidth": 1.2})


def draw_locator(inset: Axes, extent: Extent, home: str | None = None,
                 news: Sequence[tuple[float, float, str]] = (), reach: Sequence[tuple[float, float]] = ()) -> list[Any]:
    """A small map of the battle's country (`home`, else the one under the frame's middle) with the frame
    boxed; `news`: (lon, lat, name) of the day's action off the frame, each a ringed dot with its name
    (the map's callout sends the reader here; see locator_news); `reach`: (lon, lat) the locator must
    show too (news to come). Returns the artists of the news."""
    x0, y0, x1, y1 = extent
    if not context.legible(extent):  # the frame is half the world or more: nothing to locate it in
        inset.set_visible(False)
        return []
    shape = context.country_named(home) if home else None
    where = (home, shape) if shape is not None else None
    where = where or context.country_at((x0 + x1) / 2, (y0 + y1) / 2)
    bounds = where[1].bounds if where else (x0 - 3, y0 - 3, x1 + 3, y1 + 3)
    reach = [*reach, *((x, y) for x, y, _ in news)]
    if reach:  # the locator reaches the news too
        xs, ys = [x for x, _ in reach], [y for _, y in reach]
        bounds = (min(bounds[0], *xs), min(bounds[1], *ys), max(bounds[2], *xs), max(bounds[3], *ys))
    pad = 0.15 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    _ground(inset, (bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad), tolerance=0.02,
            linewidth=0.4, home=where[0] if where else None)
    # A frame smaller than a few pixels of the locator is marked by a ring around it, so it stays visible.
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    least = 0.03 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    w, h = max(x1 - x0, least), max(y1 - y0, least)
    inset.add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, facecolor="none", edgecolor="#222222", linewidth=1.2))
    if where:
        inset.text(0.04, 0.04, display_text(where[0], limit=30), transform=inset.transAxes, fontsize=7.5, parse_math=False)
    return [artist for x, y, name in news for artist in locator_news(inset, x, y, name)]


def locator_news(inset: Axes, x: float, y: float, name: str) -> list[Any]:
    """One piece of news on the locator `inset`: a black ring on a white casing round a dot, and its name
    towards the locator's middle, so it stays inside. Returns the artists."""
    from ..style import CHANGED_CASING, CHANGED_MARK

    drawn: list[Any] = [inset.scatter([x], [y], s=90, facecolors="none", edgecolors=colour, linewidths=width, zorder=5)
             for colour, width in ((CHANGED_CASING, 3.0), (CHANGED_MARK, 1.4))]
    drawn += inset.plot([x], [y], marker="o", markersize=3, color=CHANGED_MARK, zorder=5)
    east = x >= sum(inset.get_xlim()) / 2
    drawn.append(inset.annotate(display_text(name, limit=30), (x, y), xytext=(-7 if east else 7, 7),
                                textcoords="offset points", ha="right" if east else "left", va="bottom",
                                fontsize=7.5, fontweight="bold", parse_math=False, path_effects=HALO, zorder=6))
    return drawn
