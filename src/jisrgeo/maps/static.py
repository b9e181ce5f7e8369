"""Static PNG maps for reports (matplotlib via geopandas), byte-identical from build to build."""

import io
import math
import warnings

# Figure with its own Agg canvas: no pyplot, no matplotlib.use(), so a notebook's backend is left alone.
import numpy as np
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path

from ._text import display_text
from ._extent import map_extent
from ..output import PNG_SOFTWARE
from ..style import UNKNOWN_COLOR

# Above this many places in frame, labels would bury the map: draw the points alone.
MAX_LABELS = 150
# Kinds that get a label; checkpoints, hills and areas sit too close to them to label legibly.
LABEL_KINDS = {"city", "town", "village", "military_base", "airbase"}
# Our name and no version or time: the bytes depend only on the drawing, and the file is recognisably ours.
PNG_METADATA = {"Software": PNG_SOFTWARE}


def _draw(ax, dataset, day):
    state = dataset.control(day)
    extent = map_extent(dataset)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    # Equal metres per degree at the frame's middle latitude.
    ax.set_aspect(1 / math.cos(math.radians((extent[1] + extent[3]) / 2)))
    in_frame = state.geometry.x.between(extent[0], extent[2]) & state.geometry.y.between(extent[1], extent[3])
    label = int(in_frame.sum()) <= MAX_LABELS
    vocabulary = dataset.vocabulary
    _draw_areas(ax, dataset, day)
    for _, route in dataset.routes.iterrows():
        dated = route["date"] == route["date"]  # not NaT
        if dated and route["date"] != day:
            continue
        xs, ys = route.geometry.xy
        ax.plot(xs, ys, color=vocabulary.route_color(route["kind"]),
                linestyle="-" if route["kind"] == "breakout" else "--", linewidth=1.2 if dated else 0.8)
    state = state[in_frame]
    controlled = state["controller"].map(lambda c: isinstance(c, str))
    colors = [vocabulary.color(c) if ok else UNKNOWN_COLOR for c, ok in zip(state["controller"], controlled)]
    for status, linestyle in (("held", "-"), ("contested", "--"), ("besieged", "-"), (None, "-")):
        rows = (state["status"] == status) if status else ~controlled
        if not rows.any():
            continue
        ringed = status in ("contested", "besieged")
        edges = [vocabulary.color(c) for c in state.loc[rows, "challenger"]] if ringed else "#222222"
        ax.scatter(state.geometry.x[rows], state.geometry.y[rows], s=55 if status else 20,
                   c=[col for col, r in zip(colors, rows) if r], edgecolors=edges, linewidths=2.2 if ringed else 0.6,
                   linestyle=linestyle, zorder=3)
    if label:
        kinds = state["place_id"].map(dataset.places.set_index("place_id")["kind"])
        labelled = state[kinds.isin(LABEL_KINDS)]
        for name, x, y in zip(labelled["name"], labelled.geometry.x, labelled.geometry.y):
            # parse_math=False: a '$' in a name is text, not TeX.
            ax.annotate(display_text(name, limit=40), (x, y), xytext=(4, 3), textcoords="offset points", fontsize=5.5,
                        parse_math=False)
    ax.set_title(day.strftime("%d %B %Y").lstrip("0"), fontsize=9)
    ax.tick_params(labelsize=5)


AREA_ALPHA = 0.28


def _path(polygon):
    """A matplotlib Path of a polygon with its holes."""
    rings = [polygon.exterior, *polygon.interiors]
    vertices = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
    codes = np.concatenate([[Path.MOVETO] + [Path.LINETO] * (len(r.coords) - 2) + [Path.CLOSEPOLY] for r in rings])
    return Path(vertices, codes)


def _draw_areas(ax, dataset, day):
    """Estimated areas (light fill; hatched in the challenger's colour where contested or besieged) and front lines."""
    vocabulary = dataset.vocabulary
    for area in dataset.areas(day).itertuples():
        held = area.status == "held"
        for polygon in shapely.get_parts(area.geometry):
            if polygon.is_empty:
                continue
            ax.add_patch(PathPatch(_path(polygon), facecolor=vocabulary.color(area.controller), alpha=AREA_ALPHA,
                                   edgecolor="none", zorder=1))
            if not held:
                ax.add_patch(PathPatch(_path(polygon), facecolor="none", edgecolor=vocabulary.color(area.challenger),
                                       hatch="////", linewidth=0.8, linestyle="--", zorder=1.5))
    for front in dataset.front_lines(day).itertuples():
        for line in shapely.get_parts(front.geometry):
            xs, ys = line.xy
            ax.plot(xs, ys, color="#222222", linewidth=1.6, solid_capstyle="round", zorder=2)


def _plain(text):
    """Legend text shown as written: a '$' would start TeX in matplotlib."""
    return display_text(text, limit=40).replace("$", r"\$")


def _legend(fig, dataset):
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=side.color, markeredgecolor="#222222",
                      label=_plain(side.label)) for side in dataset.sides.values()]
    handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="#ffffff", markeredgecolor="#444444",
                          markeredgewidth=2, label="ring: besieged / contested by (ring colour)"))
    handles.append(Patch(facecolor="#999999", alpha=AREA_ALPHA, edgecolor="none", label="estimated area (derived)"))
    handles.append(Line2D([], [], color="#222222", linewidth=1.6, label="estimated front line"))
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 3), fontsize=7, frameon=False)


def _png(fig):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # A label in a script the font lacks is drawn with boxes; that is no reason to warn per glyph.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.savefig(buffer, format="png", dpi=130, metadata=PNG_METADATA, bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


def day_png(dataset, date):
    """PNG bytes of one day's control map."""
    day = dataset.day(date)
    fig = Figure(figsize=(6, 5))
    ax = fig.subplots()
    _draw(ax, dataset, day)
    _legend(fig, dataset)
    return _png(fig)


def key_days_png(dataset, days):
    """PNG bytes of a small-multiples figure, one panel per day."""
    days = [dataset.day(d) for d in days]
    cols = 3
    rows = -(-len(days) // cols)
    fig = Figure(figsize=(4 * cols, 3.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, day in zip(axes.flat, days):
        _draw(ax, dataset, day)
    for ax in list(axes.flat)[len(days):]:
        ax.set_visible(False)
    fig.suptitle(display_text(dataset.name, limit=120), fontsize=11, parse_math=False)
    _legend(fig, dataset)
    return _png(fig)
