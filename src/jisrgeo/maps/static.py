"""Publication maps: one day's map (PNG, or vector PDF/SVG), the key-days sheet and the animated GIF.

Each map has the Natural Earth context, labels placed around the markers (labels.py, candidate
positions as in QGIS's PAL), a scale bar, a north arrow, a locator of the country with the battle
boxed, the legend of the dataset's sides, a title with the date and a caption naming the source
and what is estimated.

Certainty is drawn, never lightened: a place whose state is inferred, or whose change falls in a
range of days that holds the date, has a white centre; inferred zones are hatched, not filled.
Places that changed hands that day carry a black halo, and the day's main change is called out
("25 Apr: Opposition takes Jisr al-Shughur").

A series draws the parts that do not change (context, locator, legend, scale, caption) once and
blits each day's marks over a copy of them; days whose picture equals the day before's reuse it.
The bytes depend only on the drawing: same data, same file (PDF and SVG carry no date or version).
"""

import bisect
import io
import json
import math
import textwrap
import warnings

# Figure with its own Agg canvas: no pyplot, no matplotlib.use(), so a notebook's backend is left alone.
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path
from matplotlib.transforms import Bbox
from matplotlib import patheffects
from PIL import Image, PngImagePlugin

from .. import schema
from ..cvd import FILL_ALPHA
from . import context
from .extent import map_extent
from ._text import display_text
from .labels import Label, Placed, place
from ..signatures import PNG_SOFTWARE, GENERATOR
from ..style import UNKNOWN_COLOR

# Above this many places in frame, only the first by priority get a label (the rest stay markers).
MAX_LABELS = 500
# Which places win a label when space is short: bigger places first; kinds a dataset adds rank as villages.
LABEL_PRIORITY = {"city": 6, "town": 5, "airbase": 4, "military_base": 4, "hospital": 3, "village": 2,
                  "checkpoint": 1, "hill": 1, "area": 0, "governorate": 0}
LABEL_PT = 8  # place labels, in points, on every static map (8 pt is the smallest read in print)
# Area fills: the opacity the side colours are checked at for colour-blind readers (cvd.py), one declaration.
AREA_ALPHA = FILL_ALPHA
HATCHED_BASES = ("inferred", "unreported_change")  # zones drawn hatched, without fill (contract: zones)
SEA, LAND, BORDER = "#d6e4ee", "#f2efe8", "#8c8378"
CHANGED_EDGE = "#111111"  # halo around a place that changed hands that day (not a side colour)
MARKER_S, UNKNOWN_S, CENTRE_S, HALO_S = 45, 18, 10, 170  # marker areas in points²
RING_WIDTH = 2.2
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
TITLE_BAND = 0.925  # the strip of the figure above this fraction holds the title alone
# The key-days sheet: print resolution, panels wide enough for 8-point labels.
SHEET_DPI = 300
SHEET_PANEL_WIDTH = 5.3
SHEET_COLUMNS = 3
# The GIF: the day maps at their own size (1056 px wide), a frame per day with something new, held
# while nothing changes (up to GIF_HOLD_DAYS frame times) and paused on key days.
GIF_FRAME_MS = 600
GIF_HOLD_DAYS = 3
GIF_KEY_PAUSE_MS = 2400
GIF_MAX_FRAMES = 200
CALLOUT_RINGS = (1, 2, 3.5, 5, 7, 9, 12)  # how far the day's callout may sit from its place, in its heights
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]
VECTOR_FORMATS = ("pdf", "svg")


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


# -- labels ------------------------------------------------------------------------------------------

def _in_frame(frame, extent):
    x, y = frame.geometry.x, frame.geometry.y
    return (x.between(extent[0], extent[2]) & y.between(extent[1], extent[3])).to_numpy()


def _marker_radius(dpi):
    """Half the size of a ringed or haloed marker, in pixels at `dpi`: what a label keeps clear of."""
    return (max(math.sqrt(MARKER_S) / 2 + RING_WIDTH, math.sqrt(HALO_S) / 2 + 1)) * dpi / 72


def _text_size(renderer, text, fontsize):
    width, height, _ = renderer.get_text_width_height_descent(text, FontProperties(size=fontsize), ismath=False)
    pad = 2.2 * renderer.points_to_pixels(1)  # the white halo around the letters
    return width + pad, height + pad


def _points(dataset):
    return list(zip(dataset.places.geometry.x, dataset.places.geometry.y))


def _furniture(ax, extent, points):
    """Pixel boxes of the scale bar and north arrow, in the emptiest corners (see _scale_and_north)."""
    to_px = ax.transData.transform
    return [(*to_px(box[:2]), *to_px(box[2:])) for box in _corner_boxes(extent, points)]


def _label_layout(ax, renderer, dataset, extent, fontsize):
    """Where the places' names go on `ax`: (spots in data coordinates, the labels' pixel boxes).

    A spot is (text, centre, leader) with leader None or ((x, y) at the marker, (x, y) at the text).
    Each label is placed by the candidate-position labeller (labels.py) around its marker, clear of
    every other marker, label, the scale bar and the north arrow; a label with no room is left out.
    """
    ax.apply_aspect()
    places = dataset.places[_in_frame(dataset.places, extent)]
    if places.empty:
        return [], []
    priority = places["kind"].map(LABEL_PRIORITY).fillna(LABEL_PRIORITY["village"]).to_numpy()
    order = np.argsort(-priority, kind="stable")
    chosen = np.zeros(len(places), dtype=bool)
    chosen[order[:MAX_LABELS]] = True
    xy = ax.transData.transform(np.column_stack([places.geometry.x, places.geometry.y]))
    radius = _marker_radius(ax.figure.dpi)
    inferred = places["location_source"].astype(str).str.startswith("inferred").to_numpy()
    names = [("≈ " if guess else "") + display_text(name, limit=40) for name, guess in zip(places["name"], inferred)]
    labels = [Label(name, x, y, *_text_size(renderer, name, fontsize), radius=radius, priority=p)
              for name, (x, y), p, keep in zip(names, xy, priority, chosen) if keep]
    unlabelled = [(x - radius, y - radius, x + radius, y + radius) for (x, y), keep in zip(xy, chosen) if not keep]
    placed = place(labels, obstacles=unlabelled + _furniture(ax, extent, _points(dataset)), frame=ax.bbox.extents)
    to_data = ax.transData.inverted().transform
    spots, boxes = [], []
    for spot in filter(None, placed):
        leader = None
        if spot.leader:
            end = np.array(spot.leader_end())
            start = np.array([spot.label.x, spot.label.y])
            start = start + (end - start) / max(np.hypot(*(end - start)), 1e-9) * spot.label.radius
            leader = (tuple(to_data(start)), tuple(to_data(end)))
        spots.append((spot.label.text, tuple(to_data(spot.centre)), leader))
        boxes.append(spot.box)
    return spots, boxes


def _draw_labels(ax, spots, fontsize, animated=False):
    """The labels of a layout with a white halo, and a thin leader line where they sit away from
    their place; returns the artists."""
    drawn = []
    for text, at, leader in spots:
        if leader is not None:
            drawn += ax.plot(*zip(*leader), color="#555555", linewidth=0.6, zorder=4.5, animated=animated)
        drawn.append(ax.text(*at, text, fontsize=fontsize, parse_math=False, path_effects=HALO, zorder=5,
                             ha="center", va="center", animated=animated))
    return drawn


# -- what a day shows ------------------------------------------------------------------------------

class DayFacts:
    """Per-day facts of a dataset the maps draw beyond control: what changed that day, which
    states are in doubt, and the days on which the picture changes."""

    def __init__(self, dataset):
        self.dataset = dataset
        changes = dataset.control_changes
        self.changes = changes
        # Each control interval with the basis of the change that began it (seq 0: the initial state).
        basis = changes.set_index(["place_id", "seq"])["basis"]
        intervals = dataset.intervals
        keys = pd.MultiIndex.from_arrays([intervals["place_id"], intervals["seq"]])
        self.inferred_intervals = intervals[basis.reindex(keys).to_numpy() == "inferred"]
        ranged = changes[changes["date_precision"].fillna("day") != "day"]
        self.ranges = ranged.assign(last=ranged["date_end"].fillna(ranged["date"]))
        self.change_days = sorted(set(changes["effective"].dropna()))
        routes = dataset.routes
        self.route_days = sorted(set(routes["date"].dropna())) if "date" in routes else []
        self._interval_hashes = None

    def state_digest(self, day):
        """Bytes that differ whenever any place's state at the end of `day` differs."""
        if self._interval_hashes is None:
            iv = self.dataset.intervals
            rows = iv[["place_id", "controller", "status", "challenger"]].astype(object)
            self._interval_hashes = pd.util.hash_pandas_object(rows, index=False).to_numpy()
            self._interval_days = (iv["start"].to_numpy(), iv["end"].to_numpy())
        start, end = self._interval_days
        day = np.datetime64(day)
        return np.sort(self._interval_hashes[(start <= day) & (end > day)]).tobytes()

    def uncertain(self, day):
        """place_ids whose state at the end of `day` is inferred, or may not have happened yet."""
        iv = self.inferred_intervals
        guessed = iv["place_id"][(iv["start"] <= day) & (iv["end"] > day)]
        r = self.ranges
        pending = r["place_id"][(r["date"] <= day) & (r["last"] >= day)]
        return set(guessed) | set(pending)

    def changed(self, day):
        return set(self.changes["place_id"][self.changes["effective"] == day])

    def eventful_days(self):
        """The first day and the days something new shows: a change, a dated route, a range of doubt."""
        days = {self.dataset.period[0], *self.change_days, *self.route_days, *self.ranges["date"]}
        start, end = self.dataset.period
        return sorted(d for d in days if start <= d <= end)

    def picture_starts(self):
        """The days on which the day map's picture differs from the day before's (besides its title)."""
        one = pd.Timedelta(days=1)
        # The halo of a change and a dated route show on their day alone; doubt ends after a range.
        after = [d + one for d in self.change_days + self.route_days] + [d + one for d in self.ranges["last"]]
        start, end = self.dataset.period
        return sorted(set(self.eventful_days()) | {d for d in after if start <= d <= end})


def drawing_fingerprint(dataset):
    """A digest of what every static map of `dataset` depends on besides the day: the drawing code and
    its libraries, the places as drawn (names, kinds, positions, doubt), the dataset's name, source,
    sides and frame. Used with day_fingerprint to tell which pictures of an earlier build still hold."""
    import hashlib
    from pathlib import Path

    import PIL

    sha = hashlib.sha256(f"{matplotlib.__version__} {PIL.__version__} {shapely.__version__}".encode())
    package = Path(__file__).parent
    for path in sorted([*package.glob("*.py"), *package.glob("*.geojson"), *package.glob("context*/**/*")]):
        if path.is_file():
            sha.update(path.name.encode() + path.read_bytes())
    places = dataset.places
    columns = [c for c in ("place_id", "name", "kind", "location_source", "precision_m") if c in places]
    sha.update(places[columns].to_json(orient="values").encode())
    sha.update(b"".join(shapely.to_wkb(places.geometry.to_numpy())))
    meta = {k: dataset.meta.get(k) for k in ("name", "source", "map_extent")}
    sides = [(s.code, s.label, s.color) for s in dataset.sides.values()]
    sha.update(json.dumps([meta, sides, str(dataset.period)], sort_keys=True, default=str).encode())
    return sha.hexdigest()


def day_fingerprint(dataset, day, facts):
    """A digest of what the map of `day` shows beyond drawing_fingerprint: every place's state that day
    and the day before (the callout says 'takes' or 'secures'), the doubt, the day's changes and routes."""
    import hashlib

    sha = hashlib.sha256(str(day).encode())
    sha.update(facts.state_digest(day - pd.Timedelta(days=1)) + facts.state_digest(day))
    sha.update(json.dumps(sorted(facts.uncertain(day))).encode())
    changes = facts.changes[facts.changes["effective"] == day]
    sha.update(changes.drop(columns=["refs", "note"], errors="ignore").to_json(orient="values", date_format="iso").encode())
    routes = dataset.routes
    if "date" in routes:
        shown = routes[routes["date"].isna() | (routes["date"] == day)]
        sha.update(shown.drop(columns="geometry").to_json(orient="values", date_format="iso", default_handler=str).encode())
        sha.update(b"".join(shapely.to_wkb(shown.geometry.to_numpy())))
    return sha.hexdigest()


def _side_label(dataset, code):
    side = dataset.sides.get(code) if isinstance(code, str) else None
    return side.label if side else ("an unknown side" if code is None or code != code else str(code))


def main_change(dataset, day):
    """(place_id, short text) of the day's main control change, e.g. '25 Apr: Opposition takes
    Jisr al-Shughur', or None. The main change is at the biggest place, a change of hands first."""
    changes = dataset.changes(day, day)
    if changes.empty:
        return None
    before = dataset.control(day - pd.Timedelta(days=1)) if day > dataset.period[0] else None
    previous = before.set_index("place_id")["controller"] if before is not None else pd.Series(dtype=object)
    kinds = dataset.places.set_index("place_id")["kind"]
    rows = list(changes.itertuples())

    def rank(row):
        handed = previous.get(row.place_id) != row.controller
        return (handed, LABEL_PRIORITY.get(kinds.get(row.place_id), LABEL_PRIORITY["village"]))

    row = max(rows, key=rank)  # max keeps the first of equals: the data's order decides ties
    name = display_text(row.name, limit=40)
    who, by = _side_label(dataset, row.controller), _side_label(dataset, row.challenger)
    if row.status == "besieged":
        text = f"{by} besieges {name}"
    elif row.status == "contested":
        text = f"{by} contests {name}"
    elif rank(row)[0]:
        text = f"{who} takes {name}"
    else:
        text = f"{who} secures {name}"
    text = f"{day.day} {day:%b}: {text}"
    if row.basis == "inferred":
        text += " (inferred)"
    if isinstance(row.date_precision, str) and row.date_precision != "day":
        text += f" (between {row.date.day} {row.date:%b} and {day.day} {day:%b})"
    if len(rows) > 1:
        text += f"\nand {len(rows) - 1} more change{'s' if len(rows) > 2 else ''} that day"
    return row.place_id, text


def _areas(ax, dataset, day, animated):
    """The day's zones: reported ones filled in the side colour, inferred ones hatched in it, and
    contested or besieged ones hatched in the challenger's colour; returns the artists."""
    vocabulary = dataset.vocabulary
    areas = dataset.areas(day)
    paths = [[_path(p) for p in shapely.get_parts(g) if not p.is_empty] for g in areas.geometry]
    hatched = areas["basis"].isin(HATCHED_BASES).to_numpy()
    marks = []

    def collection(rows, **style):
        kept = [ps for ps, keep in zip(paths, rows) if keep]
        colours = [vocabulary.color(c) for c in style.pop("codes")[rows]]
        style = {k: ([c for c, ps in zip(colours, kept) for _ in ps] if v == "side" else v) for k, v in style.items()}
        marks.append(ax.add_collection(PathCollection([p for ps in kept for p in ps], animated=animated, **style),
                                       autolim=False))

    if (~hatched).any():
        collection(~hatched, codes=areas["side"], facecolors="side", alpha=AREA_ALPHA, edgecolors="none",
                   zorder=1)
    if hatched.any():
        collection(hatched, codes=areas["side"], facecolors="none", edgecolors="side", hatch="\\\\\\",
                   linewidths=0.6, zorder=1)
    disputed = (areas["status"] != "held").to_numpy()
    if disputed.any():
        collection(disputed, codes=areas["challenger"], facecolors="none", hatch="////", edgecolors="side",
                   linewidths=0.8, linestyles="--", zorder=1.5)
    return marks


def _day_marks(ax, dataset, day, extent, facts, animated=False):
    """The day's areas, fronts, routes and places, as a list of the artists drawn."""
    vocabulary = dataset.vocabulary
    marks = _areas(ax, dataset, day, animated)
    fronts = shapely.get_parts(dataset.front_lines(day).geometry.to_numpy())
    if len(fronts):  # one collection for every segment: fast to make and to draw
        marks.append(ax.add_collection(LineCollection([np.asarray(line.coords)[:, :2] for line in fronts],
                                                      colors="#222222", linewidths=1.6, capstyle="round", zorder=2,
                                                      animated=animated), autolim=False))
    for route in dataset.routes.itertuples():
        dated = route.date == route.date  # not NaT
        if dated and route.date != day:
            continue
        marks += ax.plot(*route.geometry.xy, color=vocabulary.route_color(route.kind), zorder=2.5, animated=animated,
                         linestyle="-" if route.kind == "breakout" else "--", linewidth=1.4 if dated else 0.8)
    state = dataset.control(day)
    state = state[_in_frame(state, extent)]
    x, y = state.geometry.x.to_numpy(), state.geometry.y.to_numpy()
    changed = state["place_id"].isin(facts.changed(day)).to_numpy()
    if changed.any():  # a white ring under a black one: seen on any fill
        for colour, width in (("white", 3.2), (CHANGED_EDGE, 1.4)):
            marks.append(ax.scatter(x[changed], y[changed], s=HALO_S, facecolors="none", edgecolors=colour,
                                    linewidths=width, zorder=2.8, animated=animated))
    controlled = state["controller"].map(lambda c: isinstance(c, str)).to_numpy()
    for status in ("held", "contested", "besieged", None):
        rows = (state["status"] == status).to_numpy() if status else ~controlled
        if not rows.any():
            continue
        ringed = status in schema.CHALLENGED
        fill = [vocabulary.color(c) if ok else UNKNOWN_COLOR for c, ok in zip(state["controller"][rows], controlled[rows])]
        edges = [vocabulary.color(c) for c in state["challenger"][rows]] if ringed else "#222222"
        marks.append(ax.scatter(x[rows], y[rows], s=MARKER_S if status else UNKNOWN_S, c=fill, edgecolors=edges,
                                linewidths=RING_WIDTH if ringed else 0.6, zorder=3, animated=animated,
                                linestyle="--" if status == "contested" else "-"))
    doubt = state["place_id"].isin(facts.uncertain(day)).to_numpy() & controlled
    if doubt.any():  # a white centre: the side's colour stays as strong, the mark reads as open
        marks.append(ax.scatter(x[doubt], y[doubt], s=CENTRE_S, c="white", edgecolors="none", zorder=3.2,
                                animated=animated))
    return marks


def _callout(ax, dataset, day, obstacles, animated=False):
    """The box naming the day's main change, placed clear of the labels with a leader to its place."""
    found = main_change(dataset, day)
    if found is None:
        return []
    place_id, text = found
    where = dataset.places.set_index("place_id").geometry[place_id]
    box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": CHANGED_EDGE, "linewidth": 0.8}
    style = {"fontsize": LABEL_PT + 1, "fontweight": "bold", "parse_math": False, "zorder": 6, "animated": animated}
    renderer = ax.figure.canvas.get_renderer()
    probe = ax.text(0, 0, text, bbox=box, **style)
    size = probe.get_window_extent(renderer)
    probe.remove()
    px, py = ax.transData.transform((where.x, where.y))
    radius = math.sqrt(HALO_S) / 2 * ax.figure.dpi / 72
    spot = place([Label(text, px, py, size.width, size.height, radius=radius)], obstacles=obstacles,
                 frame=ax.bbox.extents, gap=radius, far_rings=CALLOUT_RINGS)[0]
    if spot is None:  # no room around the place: the free corner of the map nearest it, else the top left
        spot = _corner(ax, size, (px, py), obstacles)
    at = ax.transData.inverted().transform(spot.centre)
    kwargs = {"xytext": at, "textcoords": "data", "ha": "center", "va": "center"}
    arrow = {"arrowstyle": "-", "color": CHANGED_EDGE, "linewidth": 0.8, "shrinkB": radius * 72 / ax.figure.dpi}
    return [ax.annotate(text, xy=(where.x, where.y), xycoords="data", bbox=box, arrowprops=arrow, **kwargs, **style)]


def _corner(ax, size, point, obstacles):
    """A Placed box of `size` in a corner of the map: the free one nearest `point`, else the top left."""
    x0, y0, x1, y1 = ax.bbox.extents
    pad = 6
    w, h = size.width, size.height
    corners = [(x0 + pad, y1 - pad - h), (x1 - pad - w, y1 - pad - h), (x0 + pad, y0 + pad), (x1 - pad - w, y0 + pad)]
    boxes = shapely.box(*np.array([(cx, cy, cx + w, cy + h) for cx, cy in corners]).T)
    walls = shapely.box(*np.array(obstacles, dtype=float).reshape(-1, 4).T)
    busy = set(shapely.STRtree(walls).query(boxes)[0].tolist()) if len(walls) else set()
    free = [i for i in range(len(corners)) if i not in busy] or [0]
    best = min(free, key=lambda i: (math.dist(point, (corners[i][0] + w / 2, corners[i][1] + h / 2)), i))
    cx, cy = corners[best]
    return Placed(Label("", *point, w, h), (cx, cy, cx + w, cy + h), True)


def _plain(text):
    """Legend text shown as written: a '$' would start TeX in matplotlib."""
    return display_text(text, limit=40).replace("$", r"\$")


def _legend(fig, dataset, anchor=(0.5, 0.085), loc="center", ncol=3, fontsize=7):
    def marker(face="#ffffff", edge="#222222", **style):
        return Line2D([], [], marker="o", linestyle="", markerfacecolor=face, markeredgecolor=edge, **style)

    grey = marker("#999999")
    entries = [(marker(side.color), _plain(side.label)) for side in dataset.sides.values()]
    entries += [
        (marker(edge="#444444", markeredgewidth=2), "ring: besieged / contested by (ring colour)"),
        ((grey, marker("white", "white", markersize=3)), "white centre: inferred, or date in doubt"),
        ((grey, marker("none", CHANGED_EDGE, markersize=12, markeredgewidth=1.4)), "black halo: changed hands this day"),
        (Patch(facecolor="#999999", alpha=AREA_ALPHA, edgecolor="none"), "estimated area (reported control)"),
        (Patch(facecolor="none", edgecolor="#666666", hatch="\\\\\\"), "estimated area (inferred control)"),
        (Line2D([], [], color="#222222", linewidth=1.6), "estimated front line"),
    ]
    handles, labels = zip(*entries)
    fig.legend(handles=handles, labels=labels, loc=loc, bbox_to_anchor=anchor, ncol=min(len(handles), ncol),
               fontsize=fontsize, frameon=False, title="Control at the end of the day", title_fontsize=fontsize + 0.5,
               alignment="left")


def _caption(fig, dataset, y=0.02, width=0.96, fontsize=6):
    source = display_text(dataset.meta.get("source") or "the dataset's cited sources", limit=200)
    text = (f"Source: {source}. Control is at the end of the day. Shaded areas and front lines are estimated "
            f"(drawn around the places, not observed); names marked ≈ in the data have inferred positions. "
            f"Ground: {', '.join(context.credits())}. Made with jisrgeo.")
    # About 19 characters of 6-point text per inch.
    lines = textwrap.fill(text, width=int(fig.get_figwidth() * width * 19 * 6 / fontsize))
    fig.text(0.02, y, lines, fontsize=fontsize, color="#444444", parse_math=False, va="bottom")


def _title(fig, dataset, day, y=0.96, animated=False):
    return fig.text(0.02, y, f"{display_text(dataset.name, limit=90)}: {day.day} {day:%B %Y}", ha="left",
                    va="center", fontsize=11, fontweight="bold", parse_math=False, animated=animated)


def encode_png(image, dpi=DPI):
    """PNG bytes of an RGBA image or buffer, signed as ours, with no time or version in them; `dpi`
    is recorded so the picture prints at the size it was drawn for."""
    image = palette_image(image)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", PNG_SOFTWARE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, compress_level=6, dpi=(dpi, dpi))
    return buffer.getvalue()


def palette_image(image):
    """An image or RGBA buffer in 256 colours: they lose nothing a map of flat fills needs and make a PNG a
    third of the size; one palette per image keeps the side colours exact, no dithering keeps fills clean.
    A palette image is returned as it is, so a day's PNG and GIF frame share one quantization."""
    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.asarray(image))
    if image.mode == "P":
        return image
    return image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def encode_vector(fig, fmt):
    """PDF or SVG bytes of a figure, with no date, version or random id in them."""
    if fmt not in VECTOR_FORMATS:
        raise ValueError(f"not a vector format: {fmt!r} (use one of {', '.join(VECTOR_FORMATS)})")
    buffer = io.BytesIO()
    metadata = ({"Creator": GENERATOR, "Producer": GENERATOR, "CreationDate": None} if fmt == "pdf"
                else {"Creator": GENERATOR, "Date": None})
    # rc_context restores the settings afterwards: the salt fixes SVG ids, and nothing process-wide changes.
    with matplotlib.rc_context({"svg.hashsalt": GENERATOR, "svg.fonttype": "path", "pdf.compression": 6}):
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


class DaySeries:
    """Draws the fixed parts of a dataset's day map once; `png(day)` then adds one day's marks."""

    def __init__(self, dataset):
        self.dataset = dataset
        self.facts = DayFacts(dataset)
        self._starts = self.facts.picture_starts()
        self.fig = Figure(figsize=DAY_SIZE, dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes(DAY_MAP_BOX)
        self.extent = _frame(self.ax, dataset)
        _locator(self.fig.add_axes(DAY_LOCATOR_BOX), self.extent, home_country(dataset, self.extent))
        _legend(self.fig, dataset, anchor=DAY_LEGEND_AT, loc="upper left", ncol=1)
        _caption(self.fig, dataset)
        with _quiet():
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            band = Bbox.from_extents(0, self.fig.bbox.height * TITLE_BAND, self.fig.bbox.width, self.fig.bbox.height)
            self.title_background = self.canvas.copy_from_bbox(band)
            self.layout, boxes = _label_layout(self.ax, self.canvas.get_renderer(), dataset, self.extent, LABEL_PT)
            self.labels = _draw_labels(self.ax, self.layout, LABEL_PT, animated=True)
            self._overlay = self._label_overlay()
        state = dataset.control(dataset.period[0])
        xy = self.ax.transData.transform(np.column_stack([state.geometry.x, state.geometry.y]))
        r = _marker_radius(DPI)
        self._obstacles = boxes + [(x - r, y - r, x + r, y + r) for x, y in xy] + _furniture(self.ax, self.extent, _points(dataset))
        self._last = None  # (picture index, RGBA array) of the last day drawn

    def _label_overlay(self):
        """The labels drawn once on a transparent copy of the map: (pixel indices, RGB, alpha) of the
        pixels they cover, laid over every day's marks (text with a halo is slow to draw each day)."""
        fig = Figure(figsize=DAY_SIZE, dpi=DPI)
        fig.patch.set_alpha(0)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes(DAY_MAP_BOX)
        _set_extent(ax, self.extent)
        ax.set_axis_off()
        _draw_labels(ax, self.layout, LABEL_PT)
        # Scale bar and north arrow ride on this top layer too: over the day's areas, never under them.
        _scale_and_north(ax, self.extent, points=_points(self.dataset))
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        where = np.nonzero(rgba[..., 3])
        return where, rgba[where][:, :3].astype(np.float32), rgba[where][:, 3:].astype(np.float32) / 255

    def _lay_labels(self):
        """Composite the label overlay into the canvas, over what is drawn so far."""
        where, rgb, alpha = self._overlay
        pixels = np.asarray(self.canvas.buffer_rgba())
        base = pixels[where][:, :3].astype(np.float32)
        pixels[where[0], where[1], :3] = np.rint(rgb * alpha + base * (1 - alpha)).astype(np.uint8)

    def label_boxes(self):
        """The labels' boxes in pixels (matplotlib Bboxes), to check they do not overlap."""
        renderer = self.canvas.get_renderer()
        return [t.get_window_extent(renderer) for t in self.labels if hasattr(t, "get_text")]

    def _artists(self, day, animated):
        marks = _day_marks(self.ax, self.dataset, day, self.extent, self.facts, animated=animated)
        marks += _callout(self.ax, self.dataset, day, self._obstacles, animated=animated)
        return marks, _title(self.fig, self.dataset, day, animated=animated)

    def image(self, date):
        """The day's map as an RGBA image."""
        day = self.dataset.day(date)
        picture = bisect.bisect_right(self._starts, day)
        with _quiet():
            if self._last is not None and self._last[0] == picture:
                # The same picture as the last day drawn: only the title changes.
                self.canvas.restore_region(self._last[1])
                self.canvas.restore_region(self.title_background)
                title = _title(self.fig, self.dataset, day, animated=True)
                self.fig.draw_artist(title)
                title.remove()
            else:
                self.canvas.restore_region(self.background)
                marks, title = self._artists(day, animated=True)
                callout = [a for a in marks if a.get_zorder() > 5]  # above the labels
                for artist in sorted((a for a in marks if a not in callout), key=lambda a: a.get_zorder()):
                    self.ax.draw_artist(artist)
                self._lay_labels()
                for artist in callout:
                    self.ax.draw_artist(artist)
                self.fig.draw_artist(title)
                for artist in [*marks, title]:
                    artist.remove()
                self._last = (picture, self.canvas.copy_from_bbox(self.fig.bbox))
            return Image.fromarray(np.asarray(self.canvas.buffer_rgba()).copy())

    def png(self, date):
        """PNG bytes of the day's map."""
        return encode_png(self.image(date))

    def vector(self, date, fmt):
        """PDF or SVG bytes of the day's map (text stays text-shaped paths in SVG, fonts embedded in PDF)."""
        day = self.dataset.day(date)
        with _quiet():
            marks, title = self._artists(day, animated=False)
            for artist in self.labels:
                artist.set_animated(False)
            try:
                return encode_vector(self.fig, fmt)
            finally:
                for artist in [*marks, title]:
                    artist.remove()
                for artist in self.labels:
                    artist.set_animated(True)
                self._last = None


class _quiet(warnings.catch_warnings):
    """A label in a script the font lacks is drawn with boxes; that is no reason to warn per glyph."""

    def __enter__(self):
        super().__enter__()
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)


def day_png(dataset, date):
    """PNG bytes of one day's control map."""
    return DaySeries(dataset).png(date)


STATIC_FORMATS = ("png", *VECTOR_FORMATS)


def day_static(dataset, date, fmt="png"):
    """Bytes of one day's static map: 'png' (1056 px), or vector 'pdf' or 'svg' for print."""
    if fmt == "png":
        return day_png(dataset, date)
    if fmt not in STATIC_FORMATS:
        raise ValueError(f"unknown static map format {fmt!r}: use one of {', '.join(STATIC_FORMATS)}")
    return DaySeries(dataset).vector(date, fmt)


def _sheet(dataset, days):
    """The key-days figure: one panel per day, with one legend, caption and locator."""
    days = [dataset.day(d) for d in days]
    facts = DayFacts(dataset)
    extent = map_extent(dataset)
    cols = min(SHEET_COLUMNS, len(days))
    rows = -(-len(days) // cols)
    aspect = (extent[3] - extent[1]) / ((extent[2] - extent[0]) * math.cos(math.radians((extent[1] + extent[3]) / 2)))
    panel_w = SHEET_PANEL_WIDTH
    panel_h = panel_w * min(max(aspect, 0.5), 1.5) + 0.5  # and room for the panel's title
    # Inches: a band on top for the title, panels, a band below for the legend, caption and locator.
    top, foot = 0.6, 2.2
    width, height = panel_w * cols + 0.3, top + panel_h * rows + foot
    fig = Figure(figsize=(width, height), dpi=SHEET_DPI)
    canvas = FigureCanvasAgg(fig)
    legend_room = foot / height
    axes = fig.subplots(rows, cols, squeeze=False,
                        gridspec_kw={"bottom": legend_room, "top": 1 - top / height, "left": 0.01,
                                     "right": 0.99, "hspace": 0.5 / panel_h, "wspace": 0.03})
    with _quiet():
        layout = None
        for ax, day in zip(axes.flat, days):
            _frame(ax, dataset)
            _day_marks(ax, dataset, day, extent, facts)
            found = main_change(dataset, day)
            title = f"{day.day} {day:%B %Y}" + (f": {found[1].split(': ', 1)[1].splitlines()[0]}" if found else "")
            ax.set_title(title, fontsize=LABEL_PT + 1, fontweight="bold")
            _scale_and_north(ax, extent, fontsize=LABEL_PT - 1, points=_points(dataset))
            if layout is None:  # every panel has the same frame and size: one layout serves all
                canvas.draw()
                layout = _label_layout(ax, canvas.get_renderer(), dataset, extent, LABEL_PT)[0]
            _draw_labels(ax, layout, LABEL_PT)
        _locator(fig.add_axes((0.86, 0.01, 0.13, legend_room * 0.95)), extent, home_country(dataset, extent))
        for ax in list(axes.flat)[len(days):]:
            ax.set_visible(False)
        fig.suptitle(display_text(dataset.name, limit=120), fontsize=14, fontweight="bold", parse_math=False,
                     y=1 - 0.25 / height)
        _legend(fig, dataset, anchor=(0.45, legend_room * 0.6), ncol=4, fontsize=LABEL_PT)
        _caption(fig, dataset, y=legend_room * 0.06, width=0.82, fontsize=LABEL_PT - 1)
    return fig


def key_days_png(dataset, days):
    """PNG bytes of a small-multiples sheet, one panel per key day, at print resolution (300 dpi,
    8-point labels)."""
    fig = _sheet(dataset, days)
    with _quiet():
        fig.canvas.draw()
        return encode_png(fig.canvas.buffer_rgba(), dpi=SHEET_DPI)


gif_frame = palette_image  # a GIF frame is the day map at its own size, in the PNG's 256 colours


def gif_schedule(dataset, start, end, key_days=()):
    """[(day, milliseconds)] of the GIF's frames between start and end: the first day and each day with
    something new (its map, halo and callout included), held GIF_FRAME_MS per day until the next up to
    GIF_HOLD_DAYS, and paused GIF_KEY_PAUSE_MS more on key days. Past GIF_MAX_FRAMES such days, key
    days and evenly spread days are kept."""
    keys = {pd.Timestamp(d) for d in key_days}
    days = [d for d in DayFacts(dataset).eventful_days() if start <= d <= end]
    days = sorted(set(days) | {d for d in keys if start <= d <= end} | {start})
    if len(days) > GIF_MAX_FRAMES:
        spread = set(days[:: -(-len(days) // GIF_MAX_FRAMES)])
        days = sorted(d for d in days if d in spread or d in keys)
    schedule = []
    for day, following in zip(days, [*days[1:], end + pd.Timedelta(days=1)]):
        held = min((following - day).days, GIF_HOLD_DAYS)
        schedule.append((day, GIF_FRAME_MS * held + (GIF_KEY_PAUSE_MS if day in keys else 0)))
    return schedule


def animation_gif(frames, durations=GIF_FRAME_MS):
    """GIF bytes, one frame per image of `frames` (see gif_frame), looping; durations in milliseconds
    (one for all frames or one per frame)."""
    frames = list(frames)
    if not frames:
        raise ValueError("an animation needs at least one frame")
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return buffer.getvalue()
