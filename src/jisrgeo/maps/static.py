"""Publication PNGs: one day's map, a series of days, the key-days sheet, and the animated GIF.

Each map has the Natural Earth context, labels placed without overlap (adjustText), a scale bar,
a north arrow, a locator of the country with the battle boxed, the legend of the dataset's sides,
a title with the date and a caption naming the source and what is estimated.

A series draws the parts that do not change (context, locator, legend, scale, caption) once and
blits each day's marks over a copy of them, so a PNG per day costs tens of milliseconds. The bytes
depend only on the drawing: same data, same PNG.
"""

import io
import math
import textwrap
import warnings

# Figure with its own Agg canvas: no pyplot, no matplotlib.use(), so a notebook's backend is left alone.
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, PathPatch, Rectangle
from matplotlib.collections import PathCollection
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib import patheffects
from PIL import Image, PngImagePlugin

from .. import schema
from ..cvd import FILL_ALPHA
from . import context
from ._extent import is_town_scale, map_extent
from ._text import display_text
from ..output import PNG_SOFTWARE
from ..style import UNKNOWN_COLOR

# Above this many places in frame, labels would bury the map: draw the points alone.
MAX_LABELS = 150
# Kinds that get a label; checkpoints, hills and areas sit too close to them to label legibly.
LABEL_KINDS = {"city", "town", "village", "military_base", "airbase", "hospital"}
# Area fills: the opacity the side colours are checked at for colour-blind readers (cvd.py), one declaration.
AREA_ALPHA = FILL_ALPHA
SEA, LAND, BORDER = "#d6e4ee", "#f2efe8", "#8c8378"
# The offline context: rivers and lake shores, and the grey of context towns (never a side's colour).
WATER, TOWN_COLOR = "#5b93c7", "#6b6b6b"
TOWN_FONTSIZE = 5.5
MAX_TOWN_LABELS = 25
DPI = 110
# Figure inches and where its parts sit (left, bottom, width, height as fractions): the map on the left
# under the title, a column on the right with the locator above the legend, the caption across the foot.
DAY_SIZE = (9.6, 6.6)
DAY_MAP_BOX = (0.01, 0.1, 0.7, 0.82)
DAY_LOCATOR_BOX = (0.73, 0.6, 0.25, 0.32)
DAY_LEGEND_AT = (0.73, 0.56)
GIF_WIDTH = 640
GIF_FRAME_MS = 600
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def _set_extent(ax, extent):
    """Frame `ax` on (west, south, east, north) with equal metres per degree at its middle latitude."""
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect(1 / math.cos(math.radians((extent[1] + extent[3]) / 2)))


def _ground(ax, extent, margin=0.0, tolerance=0.0, linewidth=0.8, home=None, detail=False, avoid=(), keep_out=()):
    """Frame `ax` on `extent` with no degree axes, sea behind and the countries (`home` shaded) on it.

    With `detail`, the offline context too (maps/context.py): first-level borders, lakes, rivers and
    the larger GeoNames towns as small grey labels, none within reach of the dataset's own places
    (`avoid`: their (lon, lat)), so a context town is never mistaken for one of the battle's places,
    nor inside `keep_out` boxes (west, south, east, north) kept for the scale bar and north arrow.
    """
    _set_extent(ax, extent)
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for name, shape in context.countries(extent, margin=margin):
        for polygon in shapely.get_parts(shapely.simplify(shape, tolerance) if tolerance else shape):
            if polygon.geom_type == "Polygon":
                ax.add_patch(PathPatch(_path(polygon), facecolor="#e2d9c4" if name == home else LAND,
                                       edgecolor=BORDER, linewidth=linewidth, zorder=0))
    if not detail:
        return
    ground = context.features(extent, margin)
    for row in ground.itertuples():
        if row.layer == "admin1":
            for line in shapely.get_parts(row.geometry):
                ax.plot(*line.xy, color=BORDER, linewidth=0.6, linestyle=(0, (4, 2)), zorder=0.2)
        elif row.layer == "lake":
            for polygon in shapely.get_parts(row.geometry):
                if polygon.geom_type == "Polygon":
                    ax.add_patch(PathPatch(_path(polygon), facecolor=SEA, edgecolor=WATER, linewidth=0.5, zorder=0.3))
        elif row.layer == "river":
            for line in shapely.get_parts(row.geometry):
                ax.plot(*line.xy, color=WATER, linewidth=0.9, solid_capstyle="round", zorder=0.3)
    _towns(ax, extent, ground[ground["layer"] == "town"], avoid, keep_out)


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
        ax.plot(tx, ty, marker="o", markersize=2.2, color=TOWN_COLOR, linestyle="", zorder=0.5)
        # GeoNames' ASCII names write the ayn as a backquote; a typographic apostrophe reads better.
        ax.text(tx + 0.05 * per_in[0], ty, display_text(name.replace("`", "\u2019"), limit=30), fontsize=TOWN_FONTSIZE, color=TOWN_COLOR,
                style="italic", va="center", ha="left", parse_math=False, zorder=0.5)
        drawn += 1


def _frame(ax, dataset):
    """The dataset's frame on its ground (with the offline context); returns the extent."""
    extent = map_extent(dataset)
    places = dataset.places
    points = list(zip(places.geometry.x, places.geometry.y))
    _ground(ax, extent, margin=0.5, detail=True, avoid=points, keep_out=_corner_boxes(extent, points))
    return extent


def home_country(dataset, extent):
    """The country most of the framed places lie in (from the context layer), for the locator."""
    places = dataset.places
    x, y = places.geometry.x, places.geometry.y
    inside = x.between(extent[0], extent[2]) & y.between(extent[1], extent[3])
    return context.country_of(zip(x[inside], y[inside]))


def _path(polygon):
    """A matplotlib Path of a polygon with its holes."""
    rings = [polygon.exterior, *polygon.interiors]
    vertices = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
    codes = np.concatenate([[Path.MOVETO] + [Path.LINETO] * (len(r.coords) - 2) + [Path.CLOSEPOLY] for r in rings])
    return Path(vertices, codes)


def _emptiest_corners(extent, points):
    """The map's corners ('lower left', ...) ordered from the fewest to the most of `points` ((lon, lat)) in them."""
    x0, y0, x1, y1 = extent
    xy = np.asarray(list(points), dtype=float).reshape(-1, 2)
    counts = {}
    for corner in ("lower left", "lower right", "upper left", "upper right"):
        # A corner is the 35 % x 22 % of the frame a scale bar or arrow may cover.
        left = corner.endswith("left")
        lower = corner.startswith("lower")
        in_x = xy[:, 0] <= x0 + 0.35 * (x1 - x0) if left else xy[:, 0] >= x1 - 0.35 * (x1 - x0)
        in_y = xy[:, 1] <= y0 + 0.22 * (y1 - y0) if lower else xy[:, 1] >= y1 - 0.22 * (y1 - y0)
        counts[corner] = int((in_x & in_y).sum())
    return sorted(counts, key=lambda c: (counts[c], ("lower left", "lower right", "upper left", "upper right").index(c)))


# Where the scale bar (the emptiest corner) and the north arrow (the next) sit, as (x0, y0, x1, y1) axes fractions.
SCALE_BOX = {"left": (0.0, 0.35), "right": (0.65, 1.0)}
NORTH_X = {"left": 0.035, "right": 0.965}
NORTH_Y = {"lower": (0.08, 0.2), "upper": (0.82, 0.94)}


def _corner_boxes(extent, points):
    """(west, south, east, north) of the scale bar's and the north arrow's corners, for the context to keep clear."""
    scale, north = _emptiest_corners(extent, points)[:2]
    x0, y0, x1, y1 = extent
    fx = lambda f: x0 + f * (x1 - x0)
    fy = lambda f: y0 + f * (y1 - y0)
    sx, sy = SCALE_BOX[scale.split()[1]], (0.0, 0.2) if scale.startswith("lower") else (0.8, 1.0)
    nx, ny = NORTH_X[north.split()[1]], NORTH_Y[north.split()[0]]
    return [(fx(sx[0]), fy(sy[0]), fx(sx[1]), fy(sy[1])), (fx(nx - 0.04), fy(ny[0] - 0.03), fx(nx + 0.04), fy(ny[1] + 0.02))]


def _scale_and_north(ax, extent, fontsize=7, points=()):
    """A scale bar and a north arrow, each in a corner of the map with the fewest of `points` (the places)."""
    from matplotlib_scalebar.scalebar import ScaleBar

    corners = _emptiest_corners(extent, points)
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


def _locator(inset, extent, home=None):
    """A small map of the battle's country (`home`, else the one under the frame's middle) with the frame boxed."""
    x0, y0, x1, y1 = extent
    where = next(((n, g) for n, g in context.countries(extent, 180) if n == home), None) if home else None
    where = where or context.country_at((x0 + x1) / 2, (y0 + y1) / 2)
    bounds = where[1].bounds if where else (x0 - 3, y0 - 3, x1 + 3, y1 + 3)
    pad = 0.15 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    _ground(inset, (bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad), tolerance=0.02,
            linewidth=0.4, home=where[0] if where else None)
    # A frame smaller than a few pixels of the locator is marked by a ring around it, so it stays visible.
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    least = 0.03 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    w, h = max(x1 - x0, least), max(y1 - y0, least)
    inset.add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, facecolor="none", edgecolor="#222222", linewidth=1.2))
    if where:
        inset.text(0.04, 0.04, display_text(where[0], limit=30), transform=inset.transAxes, fontsize=6, parse_math=False)


def _label_layout(ax, dataset, extent, fontsize):
    """Where the main places' names go on `ax`: [(text, (x, y), place xy if a leader line is needed, else None)].

    adjustText moves the names off each other and off the points; the layout is then reused by every
    panel or frame of the same size and extent, so it is computed once.
    """
    from adjustText import adjust_text

    places = dataset.places
    x, y = places.geometry.x, places.geometry.y
    in_frame = x.between(extent[0], extent[2]) & y.between(extent[1], extent[3])
    # At a town's scale its districts, hills and checkpoints are what the reader looks for: label every kind.
    chosen = places[in_frame & (True if is_town_scale(extent) else places["kind"].isin(LABEL_KINDS))]
    if len(chosen) > MAX_LABELS or chosen.empty:
        return []
    inferred = chosen["location_source"].astype(str).str.startswith("inferred")
    names = [("≈ " if guess else "") + display_text(name, limit=40) for name, guess in zip(chosen["name"], inferred)]
    targets = list(zip(chosen.geometry.x, chosen.geometry.y))
    texts = [ax.text(px, py, name, fontsize=fontsize, parse_math=False) for name, (px, py) in zip(names, targets)]
    # Fixed iterations and no time limit: the placement, and so the PNG, is the same on every run.
    texts, arrows = adjust_text(texts, x=x[in_frame].to_numpy(), y=y[in_frame].to_numpy(), ax=ax, iter_lim=300,
                                time_lim=None, min_arrow_len=8, arrowprops={"arrowstyle": "-"})
    led = {id(a.patchA) for a in arrows}
    layout = [(t.get_text(), t.get_position(), target if id(t) in led else None) for t, target in zip(texts, targets)]
    for artist in [*texts, *arrows]:
        artist.remove()
    return layout


def _draw_labels(ax, layout, fontsize):
    """The labels of a layout, centred where adjustText put them, with a white halo and a thin leader line
    to their place when they moved away from it; returns the artists."""
    drawn = []
    for text, at, target in layout:
        label = ax.text(*at, text, fontsize=fontsize, parse_math=False, path_effects=HALO, zorder=5, ha="center",
                        va="center")
        if target is not None:
            drawn.append(ax.add_patch(FancyArrowPatch(posA=at, posB=target, patchA=label, arrowstyle="-",
                                                      color="#555555", linewidth=0.5, zorder=4.5)))
        drawn.append(label)
    return drawn


def _day_marks(ax, dataset, day, extent):
    """The day's areas, fronts, routes and places, as a list of the artists drawn."""
    vocabulary = dataset.vocabulary
    marks = []
    areas = dataset.areas(day)
    # One collection for all fills and one for the hatching of contested and besieged areas: fast to draw.
    paths = [[_path(p) for p in shapely.get_parts(g) if not p.is_empty] for g in areas.geometry]
    fills = [vocabulary.color(c) for c in areas["side"]]
    marks.append(ax.add_collection(PathCollection([p for ps in paths for p in ps], alpha=AREA_ALPHA, edgecolors="none",
                                                  facecolors=[f for f, ps in zip(fills, paths) for _ in ps], zorder=1),
                                   autolim=False))
    disputed = (areas["status"] != "held").to_numpy()
    if disputed.any():
        rings = [vocabulary.color(c) for c in areas["challenger"][disputed]]
        kept = [ps for ps, d in zip(paths, disputed) if d]
        marks.append(ax.add_collection(PathCollection([p for ps in kept for p in ps], facecolors="none", hatch="////",
                                                      edgecolors=[r for r, ps in zip(rings, kept) for _ in ps],
                                                      linewidths=0.8, linestyles="--", zorder=1.5), autolim=False))
    for front in dataset.front_lines(day).itertuples():
        for line in shapely.get_parts(front.geometry):
            marks += ax.plot(*line.xy, color="#222222", linewidth=1.6, solid_capstyle="round", zorder=2)
    for route in dataset.routes.itertuples():
        dated = route.date == route.date  # not NaT
        if dated and route.date != day:
            continue
        marks += ax.plot(*route.geometry.xy, color=vocabulary.route_color(route.kind), zorder=2.5,
                         linestyle="-" if route.kind == "breakout" else "--", linewidth=1.4 if dated else 0.8)
    state = dataset.control(day)
    state = state[state.geometry.x.between(extent[0], extent[2]) & state.geometry.y.between(extent[1], extent[3])]
    controlled = state["controller"].map(lambda c: isinstance(c, str))
    for status in ("held", "contested", "besieged", None):
        rows = (state["status"] == status).to_numpy() if status else ~controlled.to_numpy()
        if not rows.any():
            continue
        ringed = status in schema.CHALLENGED
        fill = [vocabulary.color(c) if ok else UNKNOWN_COLOR for c, ok in zip(state["controller"][rows], controlled[rows])]
        edges = [vocabulary.color(c) for c in state["challenger"][rows]] if ringed else "#222222"
        marks.append(ax.scatter(state.geometry.x[rows], state.geometry.y[rows], s=45 if status else 18, c=fill,
                                edgecolors=edges, linewidths=2.2 if ringed else 0.6,
                                linestyle="--" if status == "contested" else "-", zorder=3))
    return marks


def _plain(text):
    """Legend text shown as written: a '$' would start TeX in matplotlib."""
    return display_text(text, limit=40).replace("$", r"\$")


def _legend(fig, dataset, anchor=(0.5, 0.085), loc="center", ncol=3):
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=side.color, markeredgecolor="#222222",
                      label=_plain(side.label)) for side in dataset.sides.values()]
    handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="#ffffff", markeredgecolor="#444444",
                          markeredgewidth=2, label="ring: besieged / contested by (ring colour)"))
    handles.append(Patch(facecolor="#999999", alpha=AREA_ALPHA, edgecolor="none", label="estimated area (derived)"))
    handles.append(Line2D([], [], color="#222222", linewidth=1.6, label="estimated front line"))
    fig.legend(handles=handles, loc=loc, bbox_to_anchor=anchor, ncol=min(len(handles), ncol), fontsize=7,
               frameon=False, title="Control at the end of the day", title_fontsize=7.5, alignment="left")


def _caption(fig, dataset, y=0.02, width=0.96):
    source = display_text(dataset.meta.get("source") or "the dataset's cited sources", limit=200)
    text = (f"Source: {source}. Control is at the end of the day. Shaded areas and front lines are estimated "
            f"(drawn around the places, not observed); names marked ≈ in the data have inferred positions. "
            f"Ground: {', '.join(context.credits())}. Made with jisrgeo.")
    # About 19 characters of 6-point text per inch.
    lines = textwrap.fill(text, width=int(fig.get_figwidth() * width * 19))
    fig.text(0.02, y, lines, fontsize=6, color="#444444", parse_math=False, va="bottom")


def _title(fig, dataset, day, y=0.96):
    return fig.text(0.02, y, f"{display_text(dataset.name, limit=90)}: {day.day} {day:%B %Y}", ha="left",
                    va="center", fontsize=11, fontweight="bold", parse_math=False)


def encode_png(image):
    """PNG bytes of an RGBA image or buffer, signed as ours, with no time or version in them."""
    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.asarray(image))
    # 256 colours lose nothing a map of flat fills needs, and make the file a third of the size.
    image = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", PNG_SOFTWARE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, compress_level=6)
    return buffer.getvalue()


class DaySeries:
    """Draws the fixed parts of a dataset's day map once; `png(day)` then adds one day's marks."""

    def __init__(self, dataset):
        self.dataset = dataset
        self.fig = Figure(figsize=DAY_SIZE, dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes(DAY_MAP_BOX)
        self.extent = _frame(self.ax, dataset)
        _locator(self.fig.add_axes(DAY_LOCATOR_BOX), self.extent, home_country(dataset, self.extent))
        _legend(self.fig, dataset, anchor=DAY_LEGEND_AT, loc="upper left", ncol=1)
        _caption(self.fig, dataset)
        with _quiet():
            self.canvas.draw()  # adjustText measures the labels as drawn
            layout = _label_layout(self.ax, dataset, self.extent, 7)
            self.canvas.draw()  # adjustText leaves the canvas cleared
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            self.labels = self._label_overlay(layout)

    def _label_overlay(self, layout):
        """The labels drawn once on a transparent copy of the map, laid over every day's marks."""
        fig = Figure(figsize=DAY_SIZE, dpi=DPI)
        fig.patch.set_alpha(0)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes(DAY_MAP_BOX)
        _set_extent(ax, self.extent)
        ax.set_axis_off()
        texts = [a for a in _draw_labels(ax, layout, 7) if isinstance(a, Text)]
        # Scale bar and north arrow ride on this top layer too: over the day's areas, never under them.
        places = self.dataset.places
        _scale_and_north(ax, self.extent, points=zip(places.geometry.x, places.geometry.y))
        canvas.draw()
        self._boxes = [t.get_window_extent(canvas.get_renderer()) for t in texts]
        return Image.fromarray(np.asarray(canvas.buffer_rgba()).copy())

    def label_boxes(self):
        """The labels' boxes in pixels (matplotlib Bboxes), to check they do not overlap."""
        return list(self._boxes)

    def image(self, date):
        """The day's map as an RGBA image."""
        day = self.dataset.day(date)
        with _quiet():
            self.canvas.restore_region(self.background)
            marks = _day_marks(self.ax, self.dataset, day, self.extent)
            title = _title(self.fig, self.dataset, day)
            for artist in sorted(marks, key=lambda a: a.get_zorder()):
                self.ax.draw_artist(artist)
            self.fig.draw_artist(title)
            image = Image.alpha_composite(Image.fromarray(np.asarray(self.canvas.buffer_rgba())), self.labels)
            for artist in [*marks, title]:
                artist.remove()
        return image

    def png(self, date):
        """PNG bytes of the day's map."""
        return encode_png(self.image(date))


class _quiet(warnings.catch_warnings):
    """A label in a script the font lacks is drawn with boxes; that is no reason to warn per glyph."""

    def __enter__(self):
        super().__enter__()
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module="adjustText")


def day_png(dataset, date):
    """PNG bytes of one day's control map."""
    return DaySeries(dataset).png(date)


def key_days_png(dataset, days):
    """PNG bytes of a small-multiples sheet, one panel per key day, with one legend, caption and locator."""
    days = [dataset.day(d) for d in days]
    cols = min(3, len(days))
    rows = -(-len(days) // cols)
    # Inches: a band on top for the title, panels, a band below for the legend, caption and locator.
    top, panel, foot = 0.45, 3.7, 1.3
    height = top + panel * rows + foot
    fig = Figure(figsize=(4 * cols, height), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    legend_room = foot / height
    axes = fig.subplots(rows, cols, squeeze=False,
                        gridspec_kw={"bottom": legend_room, "top": 1 - top / height, "left": 0.01,
                                     "right": 0.99, "hspace": 0.12, "wspace": 0.03})
    with _quiet():
        layout = None
        for ax, day in zip(axes.flat, days):
            extent = _frame(ax, dataset)
            _day_marks(ax, dataset, day, extent)
            ax.set_title(f"{day.day} {day:%B %Y}", fontsize=9)
            _scale_and_north(ax, extent, fontsize=5, points=zip(dataset.places.geometry.x, dataset.places.geometry.y))
            if layout is None:  # every panel has the same frame and size: one layout serves all
                canvas.draw()
                layout = _label_layout(ax, dataset, extent, 5)
            _draw_labels(ax, layout, 5)
        _locator(fig.add_axes((0.86, 0.01, 0.13, legend_room * 0.95)), extent, home_country(dataset, extent))
        for ax in list(axes.flat)[len(days):]:
            ax.set_visible(False)
        fig.suptitle(display_text(dataset.name, limit=120), fontsize=12, fontweight="bold", parse_math=False,
                     y=1 - 0.15 / height)
        _legend(fig, dataset, anchor=(0.45, legend_room * 0.62))
        _caption(fig, dataset, y=legend_room * 0.08, width=0.82)
        canvas.draw()
        return encode_png(canvas.buffer_rgba())


def gif_frame(image, width=GIF_WIDTH):
    """An image scaled to `width` pixels, in 128 colours (one palette per frame keeps the side colours exact,
    and no dithering keeps the frames free of noise)."""
    height = round(image.height * width / image.width)
    return (image.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
            .quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE))


def animation_gif(frames):
    """GIF bytes, one frame per image of `frames` (see gif_frame), looping, GIF_FRAME_MS each."""
    frames = list(frames)
    if not frames:
        raise ValueError("an animation needs at least one frame")
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=GIF_FRAME_MS, loop=0)
    return buffer.getvalue()
