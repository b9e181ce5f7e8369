"""One day of a dataset on a matplotlib Axes, as geopandas users expect of `.plot()` (Dataset.plot).

Areas, front lines and places in the dataset's own side colours, labels on the main places, a legend
of the sides, framed on the battle. Nothing process-wide changes: pyplot is never imported here. With
no `ax`, a figure comes from pyplot only if the caller has imported pyplot (a notebook usually has),
else it is a plain matplotlib Figure (`ax.figure`) that pyplot does not track.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path

from .. import schema
from ..names import display_name
from ..style import FILL_ALPHA, LINE_STYLES, UNKNOWN_COLOR
from .extent import map_extent

if TYPE_CHECKING:
    from ..dataset import Dataset, DateLike

LABEL_KINDS = {"city", "town", "village", "military_base", "airbase", "hospital"}
MAX_LABELS = 60
AREA_ALPHA = FILL_ALPHA  # one declaration (style.py), checked for colour-blind readers (cvd.py)
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]
FIGSIZE = (9, 7)
DOUBTFUL = ("inferred", "unreported_change")  # the bases drawn hatched, never as a solid fill


def new_axes(figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """An Axes on a new figure: pyplot's when the caller uses pyplot, else a Figure of its own."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        return pyplot.subplots(figsize=figsize)[1]
    return Figure(figsize=figsize).add_subplot()


def _path(polygon):
    rings = [polygon.exterior, *polygon.interiors]
    vertices = [xy[:2] for ring in rings for xy in ring.coords]
    codes = [c for ring in rings for c in [Path.MOVETO] + [Path.LINETO] * (len(ring.coords) - 2) + [Path.CLOSEPOLY]]
    return Path(vertices, codes)


def _polygons(geometry):
    return [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]


def plot_day(dataset: Dataset, date: DateLike, ax: Axes | None = None, labels: bool = True, legend: bool = True) -> Axes:
    """Draw the state at the end of `date` on `ax` (a new one if None) and return the Axes."""
    day = dataset.day(date)
    vocabulary = dataset.vocabulary
    ax = new_axes() if ax is None else ax
    areas = dataset.areas(day)
    side = "side" if "side" in areas.columns else "controller"  # the zones contract names it `side`
    for row in areas.itertuples(index=False):
        colour = vocabulary.color(getattr(row, side))
        doubtful = getattr(row, "basis", None) in DOUBTFUL
        challenged = row.status in schema.CHALLENGED
        for polygon in _polygons(row.geometry):
            # Drawing rule (contract): reported = solid fill in the side's colour; inferred = hatched in it;
            # contested or besieged = hatched in the challenger's colour. Never a lighter shade for doubt.
            if not doubtful:
                ax.add_patch(PathPatch(_path(polygon), facecolor=colour, alpha=AREA_ALPHA, edgecolor="none", zorder=1))
            if doubtful or challenged:
                hatch_colour = vocabulary.color(row.challenger) if challenged else colour
                ax.add_patch(PathPatch(_path(polygon), facecolor="none", edgecolor=hatch_colour, hatch="////",
                                       linewidth=0.8, zorder=1.5))
    front = LINE_STYLES["estimated_front"]  # estimated: lighter than anything observed
    for line in shapely.get_parts(dataset.front_lines(day).geometry.to_numpy()):
        for part in shapely.get_parts(line):
            ax.plot(*part.xy, color=front["color"], linewidth=front["width"], linestyle=(0, tuple(front["dash"])),
                    zorder=2)
    state = dataset.control(day)
    colours = [vocabulary.color(c) if isinstance(c, str) else UNKNOWN_COLOR for c in state["controller"]]
    ax.scatter(state.geometry.x, state.geometry.y, s=40, c=colours, edgecolors="#222222", linewidths=0.6, zorder=3)
    extent = map_extent(dataset)
    if labels:
        _labels(ax, dataset, extent)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect(1 / math.cos(math.radians((extent[1] + extent[3]) / 2)))
    ax.set_title(f"{dataset.name}: {day:%Y-%m-%d} (areas estimated)", fontsize=10)
    ax.tick_params(labelsize=7)
    if legend:
        handles = [Patch(facecolor=vocabulary.color(code), alpha=0.8, label=vocabulary.label(code))
                   for code in dataset.sides]
        ax.legend(handles=handles, loc="best", fontsize=8, framealpha=0.85)
    return ax


def _labels(ax, dataset, extent):
    places = dataset.places
    x, y = places.geometry.x, places.geometry.y
    inside = x.between(extent[0], extent[2]) & y.between(extent[1], extent[3]) & places["kind"].isin(LABEL_KINDS)
    chosen = places[inside]
    if len(chosen) > MAX_LABELS:
        chosen = chosen[chosen["kind"].isin({"city", "town"})]
    east_third = extent[0] + (extent[2] - extent[0]) * 2 / 3
    for name, px, py in zip(chosen["name"], chosen.geometry.x, chosen.geometry.y):
        east = px > east_third  # labels in the east third go left of their point, so they stay in the frame
        ax.annotate(display_name(name), (px, py), xytext=(-4 if east else 4, 4), textcoords="offset points", fontsize=7,
                    ha="right" if east else "left", parse_math=False, path_effects=HALO, zorder=4, clip_on=True)
