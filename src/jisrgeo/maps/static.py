"""Publication maps: one day's map (PNG, or vector PDF/SVG), the key-days sheet and the animated GIF.

Each map has the Natural Earth context, labels placed around the markers (labels.py, candidate
positions as in QGIS's PAL), a scale bar, a north arrow, a locator of the country with the battle
boxed, the legend of the dataset's sides, a title with the date and a caption naming the source
and what is estimated.

Certainty is drawn, never lightened: a place whose state is inferred, or whose change falls in a
range of days that holds the date, has a white centre; inferred zones are hatched, not filled.
Places that changed hands that day carry a black halo, and the day's main change is called out
("25 Apr: Opposition takes Jisr al-Shughur").

A series draws the parts that do not change within a frame (context, locator, legend, scale,
caption) once and blits each day's marks over a copy of them; days whose picture equals the day
before's reuse it. The bytes depend only on the drawing: same data, same file.

The rooms: this module draws the day (its facts, marks, callout, labels) and lays out the series and
the sheet; frame.py says what each day frames, ground.py draws the land under it, legend.py the key,
caption and title, pictures.py writes PNG, PDF, SVG and GIF bytes, labels.py places labels.
"""

from __future__ import annotations

import bisect
import json
import math
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

# Figure with its own Agg canvas: no pyplot, no matplotlib.use(), so a notebook's backend is left alone.
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox
from PIL import Image

from .. import schema
from .extent import map_extent
from .describe import agree, day_description, day_events, day_headline
from .frame import NOT_ACTION
from .extent import KM_PER_DEGREE
# The rooms of the static maps (issue 32): the ground, the legend and the picture files; the names
# other modules and tests read from here are re-exported.
from .ground import (CORNERS, HALO, HALO_WIDTH, LAND, MIN_NAME_PX, RIVER_Z, SEA, TOWN_FONTSIZE, WATER, corner_boxes, draw_frame,  # noqa: F401
                     line_style, draw_locator, polygon_path, draw_rivers, scale_and_north, set_extent, home_country,
                     draw_towns, ground_keys, ground_only, locator_news)
from .legend import draw_caption, draw_legend, draw_title  # noqa: F401
from .pictures import (DPI, GIF_FRAME_MS, GIF_HOLD_DAYS, GIF_KEY_PAUSE_MS, GIF_MAX_FRAMES, TIME_BAR_PX,  # noqa: F401
                       VECTOR_FORMATS, animation_gif, encode_png, encode_vector, gif_frame, palette_image, time_bar)
from .frame import day_frame, frames, steady_frames, theatre
from ._text import display_text
from .labels import Label, Placed, place
from ..names import display_name
from ..style import CHANGED_CASING, CHANGED_MARK, FILL_ALPHA, LINE_STYLES, UNKNOWN_COLOR

# Above this many places in frame, only the first by priority get a label (the rest stay markers).
MAX_LABELS = 500
# Which places win a label when space is short: bigger places first; kinds a dataset adds rank as villages.
LABEL_PRIORITY = {"city": 6, "town": 5, "airbase": 4, "military_base": 4, "hospital": 3, "village": 2,
                  "checkpoint": 1, "hill": 1, "area": 0, "governorate": 0}
LABEL_PT = 8  # place labels, in points, on every static map (8 pt is the smallest read in print)
# Area fills: the opacity the side colours are checked at for colour-blind readers (style.py, cvd.py).
AREA_ALPHA = FILL_ALPHA
# Zones fade towards the edge of their reach: a band FADE_SPACINGS local spacings wide at EDGE_ALPHA; the
# core over it at CORE_ALPHA, so the two laid together give AREA_ALPHA exactly.
FADE_SPACINGS = 0.3
EDGE_ALPHA = AREA_ALPHA / 2
CORE_ALPHA = 1 - (1 - AREA_ALPHA) / (1 - EDGE_ALPHA)
HATCHED_BASES = ("inferred", "unreported_change")  # zones drawn hatched, without fill (contract: zones)
CHANGED_EDGE = CHANGED_MARK  # halo around a place that changed hands that day (style.py: >= 3:1 on any fill)
MARKER_S, UNKNOWN_S, CENTRE_S, HALO_S = 45, 18, 10, 170  # marker areas in points²
RING_WIDTH = 2.2
# Figure inches and where its parts sit (left, bottom, width, height as fractions): the map on the left
# under the title, a column on the right with the locator above the legend, the caption across the foot.
DAY_SIZE = (9.6, 6.6)
DAY_MAP_BOX = (0.01, 0.1, 0.7, 0.82)
DAY_LOCATOR_BOX = (0.73, 0.6, 0.25, 0.32)
DAY_LEGEND_AT = (0.73, 0.56)
TITLE_BAND = 0.925  # the strip of the figure above this fraction holds the title alone
DAY_CAPTION_PT = 8  # the caption under a day map: 8 pt at the PNG's recorded 110 dpi (at least 7 pt in print)
# The layouts of a day map: 'landscape' (the PNGs and the GIF) and 'portrait' (4:5, the phone GIF): the
# map on top, the legend and locator under it. Figure inches, then (left, bottom, width, height) fractions.
LAYOUTS: dict[str, dict[str, Any]] = {
    "landscape": {"size": DAY_SIZE, "map": DAY_MAP_BOX, "locator": DAY_LOCATOR_BOX, "legend": DAY_LEGEND_AT,
                  "legend_columns": 1, "legend_pt": 7, "title_y": 0.96, "title_band": TITLE_BAND, "caption_width": 0.96},
    # 704 x 836 px: with the GIF's time bar (TIME_BAR_PX) the frame is 704 x 880, 4:5.
    # The legend in two columns beside a narrower locator: a day with routes and roads has 17 entries.
    "portrait": {"size": (6.4, 7.6), "map": (0.02, 0.41, 0.96, 0.52), "locator": (0.76, 0.13, 0.22, 0.25),
                 "legend": (0.0, 0.4), "legend_columns": 2, "legend_pt": 6.3, "title_y": 0.965, "title_band": 0.94, "caption_width": 0.96},
}
# The key-days sheet: print resolution, panels wide enough for 8-point labels.
SHEET_DPI = 300
SHEET_PANEL_WIDTH = 5.3
SHEET_COLUMNS = 3
CALLOUT_RINGS = (1, 2, 3.5, 5)  # how far the day's callout may sit from its place, in its heights
LEADER_MAX = 4  # a leader joins callout and place only across this many marker radii


# -- labels ------------------------------------------------------------------------------------------

def _in_frame(frame, extent):
    x, y = frame.geometry.x, frame.geometry.y
    return (x.between(extent[0], extent[2]) & y.between(extent[1], extent[3])).to_numpy()


def _marker_radius(dpi):
    """Half the size of a ringed or haloed marker, in pixels at `dpi`: what a label keeps clear of."""
    return (max(math.sqrt(MARKER_S) / 2 + RING_WIDTH, math.sqrt(HALO_S) / 2 + 1)) * dpi / 72


def _text_size(renderer, text, fontsize):
    width, height, _ = renderer.get_text_width_height_descent(text, FontProperties(size=fontsize), ismath=False)
    pad = HALO_WIDTH * renderer.points_to_pixels(1)  # the white halo around the letters
    return width + pad, height + pad


def _points(dataset):
    return list(zip(dataset.places.geometry.x, dataset.places.geometry.y))


def _furniture(ax, extent, points, taken=()):
    """Pixel boxes of the scale bar and north arrow, in the emptiest corners (see scale_and_north)."""
    to_px = ax.transData.transform
    return [(*to_px(box[:2]), *to_px(box[2:])) for box in corner_boxes(extent, points, taken)]


class Layout(NamedTuple):
    """Where a map's place names go: spots (text, centre, leader) in data coordinates, with leader None or
    ((x, y) at the edge of the place's marker, (x, y) at the text); the labels' pixel boxes; and the
    crowded places, (x, y, weight) in pixels: a name left out (weight 2) or sent off on a leader (1)."""

    spots: list
    boxes: list
    crowded: list


def _label_layout(ax, renderer, dataset, extent, fontsize, furniture=True, taken=(), obstacles=()):
    """Where the places' names go on `ax` (a Layout).

    Each label is placed by the candidate-position labeller (labels.py) around its marker, clear of
    every other marker, label, `obstacles` (pixel boxes) and, with `furniture`, the scale bar and north
    arrow (their corners chosen leaving `taken` alone); a label with no room is left out.
    """
    ax.apply_aspect()
    places = dataset.places[_in_frame(dataset.places, extent)]
    if places.empty:
        return Layout([], [], [])
    priority = places["kind"].map(LABEL_PRIORITY).fillna(LABEL_PRIORITY["village"]).to_numpy()
    order = np.argsort(-priority, kind="stable")
    chosen = np.zeros(len(places), dtype=bool)
    chosen[order[:MAX_LABELS]] = True
    xy = ax.transData.transform(np.column_stack([places.geometry.x, places.geometry.y]))
    radius = _marker_radius(ax.figure.dpi)
    inferred = places["location_source"].astype(str).str.startswith("inferred").to_numpy()
    names = [("≈ " if guess else "") + display_name(display_text(name, limit=40)) for name, guess in zip(places["name"], inferred)]
    labels = [Label(name, x, y, *_text_size(renderer, name, fontsize), radius=radius, priority=p)
              for name, (x, y), p, keep in zip(names, xy, priority, chosen) if keep]
    unlabelled = [(x - radius, y - radius, x + radius, y + radius) for (x, y), keep in zip(xy, chosen) if not keep]
    walls = unlabelled + list(obstacles) + (_furniture(ax, extent, _points(dataset), taken) if furniture else [])
    placed = place(labels, obstacles=walls, frame=ax.bbox.extents)
    to_data = ax.transData.inverted().transform
    # A leader runs to the edge of its own place's dot (not to the wider ring or halo a marker may have,
    # which in a cluster would leave its end nearer a neighbour's marker than its own).
    dot = (math.sqrt(MARKER_S) / 2 + 0.5) * ax.figure.dpi / 72
    spots, boxes, crowded = [], [], []
    for label, spot in zip(labels, placed):
        if spot is None:
            crowded.append((label.x, label.y, 2))
            continue
        leader = None
        if spot.leader:
            crowded.append((label.x, label.y, 1))
            end = np.array(spot.leader_end())
            start = np.array([label.x, label.y])
            start = start + (end - start) / max(np.hypot(*(end - start)), 1e-9) * dot
            leader = (tuple(to_data(start)), tuple(to_data(end)))
        spots.append((label.text, tuple(to_data(spot.centre)), leader))
        boxes.append(spot.box)
    crowded += [(x, y, 2) for (x, y), keep in zip(xy, chosen) if not keep]
    return Layout(spots, boxes, crowded)


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


# -- the inset of a crowded cluster -------------------------------------------------------------------

# A cluster of places whose names cannot all sit on the map (a name left out, and others sent off on
# leaders round it) gets an inset: the map around it magnified INSET_ZOOM times in a corner, INSET_SHARES
# of the map wide, with a box on the map where it lies. Weights: a name left out counts 2, a name on a
# leader 1; an inset needs INSET_MIN_CROWD, so names on leaders alone (all read) get none.
INSET_ZOOM = 2.5
INSET_SHARES = (0.36, 0.3, 0.24)
_MARGIN_PX = 8  # an inset keeps this clear of the markers round it
INSET_MIN_CROWD = 2
INSET_PAD = 6  # pixels between the inset and the map's edge


class InsetPlan(NamedTuple):
    """An inset: the ground it magnifies (west, south, east, north), the corner it sits in, its place on
    the figure (left, bottom, width, height fractions) and its pixel box on the map."""

    footprint: tuple
    corner: str
    position: tuple
    box: tuple


def _inset_plan(ax, layout, points_px):
    """The inset the crowded places of `layout` need on `ax` (an InsetPlan), or None.

    The footprint is centred where the most crowding lies; the inset takes a corner where it hides none
    of the places' markers (`points_px`, pixels) and not the footprint itself, at INSET_SHARES of the
    map's width, the largest that fits; with no such corner there is no inset (it never hides a place).
    """
    crowd = np.array(layout.crowded, dtype=float).reshape(-1, 3)
    if crowd[:, 2].sum() < INSET_MIN_CROWD:
        return None
    x0, y0, x1, y1 = ax.bbox.extents
    pts = np.asarray(points_px, dtype=float).reshape(-1, 2)
    for share in INSET_SHARES:
        iw = share * (x1 - x0)
        ih = min(iw * 0.8, 0.45 * (y1 - y0))
        fw, fh = iw / INSET_ZOOM, ih / INSET_ZOOM

        def inside(cx: float, cy: float, fw: float = fw, fh: float = fh) -> np.ndarray:
            return (np.abs(crowd[:, 0] - cx) <= fw / 2) & (np.abs(crowd[:, 1] - cy) <= fh / 2)

        # Centred on a name left out, where the most crowding lies round it.
        centres = crowd[crowd[:, 2] >= 2]
        if not len(centres):
            return None
        scores = [crowd[inside(cx, cy), 2].sum() for cx, cy, _ in centres]
        best = int(np.argmax(scores))  # argmax keeps the first of equals
        if scores[best] < INSET_MIN_CROWD:
            continue
        members = crowd[inside(*centres[best, :2])]
        cx = min(max(np.average(members[:, 0], weights=members[:, 2]), x0 + fw / 2), x1 - fw / 2)
        cy = min(max(np.average(members[:, 1], weights=members[:, 2]), y0 + fh / 2), y1 - fh / 2)
        foot = (cx - fw / 2, cy - fh / 2, cx + fw / 2, cy + fh / 2)
        for corner in CORNERS:
            bx0 = x0 + INSET_PAD if corner.endswith("left") else x1 - INSET_PAD - iw
            by0 = y0 + INSET_PAD if corner.startswith("lower") else y1 - INSET_PAD - ih
            box = (bx0, by0, bx0 + iw, by0 + ih)
            near = _MARGIN_PX
            if box[0] < foot[2] + near and foot[0] - near < box[2] and box[1] < foot[3] + near and foot[1] - near < box[3]:
                continue  # the inset would hide what it shows
            if ((pts[:, 0] >= box[0] - near) & (pts[:, 0] <= box[2] + near) & (pts[:, 1] >= box[1] - near)
                    & (pts[:, 1] <= box[3] + near)).any():
                continue  # it would hide a place
            to_data = ax.transData.inverted().transform
            (fx0, fy0), (fx1, fy1) = to_data(foot[:2]), to_data(foot[2:])
            fig_w, fig_h = ax.figure.bbox.width, ax.figure.bbox.height
            position = (box[0] / fig_w, box[1] / fig_h, iw / fig_w, ih / fig_h)
            return InsetPlan((float(fx0), float(fy0), float(fx1), float(fy1)), corner, position, box)
    return None


def _footprint_box(ax, plan, animated=False):
    """The box on the map round the ground the inset magnifies."""
    x0, y0, x1, y1 = plan.footprint
    return ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", edgecolor="#222222",
                                  linewidth=1.1, zorder=5.5, animated=animated))


def _inset_axes(fig, plan):
    """The inset's axes, framed on its footprint, with a dark border and no ticks."""
    inset = fig.add_axes(plan.position)
    set_extent(inset, plan.footprint)
    for spine in inset.spines.values():
        spine.set_linewidth(1.1)
        spine.set_edgecolor("#222222")
    inset.set_zorder(3)
    return inset


# -- what a day shows ------------------------------------------------------------------------------

FRAMINGS = ("action", "steady", "whole")


class DayFacts:
    """Per-day facts of a dataset the maps draw beyond control: what changed that day, which
    states are in doubt, the days on which the picture changes and each day's frame."""

    def __init__(self, dataset: Any, framing: str = "action", aspect: float | None = None,
                 key_days: Sequence[Any] = ()) -> None:
        self.dataset = dataset
        self.framing, self.aspect = framing, aspect
        self.key_days = [pd.Timestamp(d) for d in key_days]
        self._frames: dict | None = None
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
        self._interval_hashes: Any = None

    def frame(self, day: Any) -> tuple:
        """The day's frame (west, south, east, north): see maps/frame.py."""
        if self._frames is None:
            days = pd.date_range(*self.dataset.period)
            if self.framing == "steady":
                self._frames = steady_frames(self.dataset, days, self.key_days, aspect=self.aspect)
            else:
                self._frames = frames(self.dataset, days, whole=self.framing == "whole", aspect=self.aspect)
        return tuple(self._frames.get(pd.Timestamp(day), map_extent(self.dataset)))

    def state_digest(self, day: Any) -> bytes:
        """Bytes that differ whenever any place's state at the end of `day` differs."""
        if self._interval_hashes is None:
            iv = self.dataset.intervals
            rows = iv[["place_id", "controller", "status", "challenger"]].astype(object)
            self._interval_hashes = pd.util.hash_pandas_object(rows, index=False).to_numpy()
            self._interval_days = (iv["start"].to_numpy(), iv["end"].to_numpy())
        start, end = self._interval_days
        day = np.datetime64(day)
        return np.sort(self._interval_hashes[(start <= day) & (end > day)]).tobytes()

    def uncertain(self, day: Any) -> set:
        """place_ids whose state at the end of `day` is inferred, or may not have happened yet."""
        iv = self.inferred_intervals
        guessed = iv["place_id"][(iv["start"] <= day) & (iv["end"] > day)]
        r = self.ranges
        pending = r["place_id"][(r["date"] <= day) & (r["last"] >= day)]
        return set(guessed) | set(pending)

    def changed(self, day: Any) -> set:
        return set(self.changes["place_id"][self.changes["effective"] == day])

    def eventful_days(self) -> list[pd.Timestamp]:
        """The first day and the days something new shows: a change, a dated route, a range of doubt."""
        days = {self.dataset.period[0], *self.change_days, *self.route_days, *self.ranges["date"]}
        start, end = self.dataset.period
        return sorted(d for d in days if start <= d <= end)

    def picture_starts(self) -> list[pd.Timestamp]:
        """The days on which the day map's picture differs from the day before's (besides its title)."""
        one = pd.Timedelta(days=1)
        # The halo of a change and a dated route show on their day alone; doubt ends after a range.
        after = [d + one for d in self.change_days + self.route_days] + [d + one for d in self.ranges["last"]]
        start, end = self.dataset.period
        return sorted(set(self.eventful_days()) | {d for d in after if start <= d <= end})


def drawing_fingerprint(dataset: Any) -> str:
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
    own = dataset.context  # the dataset's own ground, drawn on every picture
    sha.update(own.drop(columns="geometry").to_json(orient="values").encode() + b"".join(shapely.to_wkb(own.geometry.to_numpy())))
    meta = {k: dataset.meta.get(k) for k in ("name", "source", "map_extent")}
    sides = [(s.code, s.label, s.color) for s in dataset.sides.values()]
    sha.update(json.dumps([meta, sides, str(dataset.period)], sort_keys=True, default=str).encode())
    return sha.hexdigest()


def day_fingerprint(dataset: Any, day: pd.Timestamp, facts: DayFacts) -> str:
    """A digest of what the map of `day` shows beyond drawing_fingerprint: every place's state that day
    and the day before (the callout says 'takes' or 'secures'), the doubt, the day's changes and routes."""
    import hashlib

    sha = hashlib.sha256(f"{day} {facts.frame(day)}".encode())
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


def main_change(dataset: Any, day: pd.Timestamp) -> tuple[str, str] | None:
    """(place_id, short text) of the day's main control change, e.g. '25 Apr: Opposition takes
    Jisr al-Shughur', or None. The main change is at the biggest place, a change of hands first."""
    changes = dataset.changes(day, day)
    if changes.empty:
        return None
    before = dataset.control(day - pd.Timedelta(days=1)) if day > dataset.period[0] else None
    previous = before.set_index("place_id")["controller"] if before is not None else pd.Series(dtype=object)
    kinds = dataset.places.set_index("place_id")["kind"]
    rows = list(changes.itertuples())

    def rank(row: Any) -> tuple[bool, int]:
        handed = previous.get(row.place_id) != row.controller
        return (handed, LABEL_PRIORITY.get(kinds.get(row.place_id), LABEL_PRIORITY["village"]))

    row = max(rows, key=rank)  # max keeps the first of equals: the data's order decides ties
    name = display_name(display_text(row.name, limit=40))
    who, by = _side_label(dataset, row.controller), _side_label(dataset, row.challenger)
    if row.status == "besieged":
        text = f"{by} {agree(by, 'besieges')} {name}"
    elif row.status == "contested":
        text = f"{by} {agree(by, 'contests')} {name}"
    elif rank(row)[0]:
        text = f"{who} {agree(who, 'takes')} {name}"
    else:
        text = f"{who} {agree(who, 'secures')} {name}"
    text = f"{day.day} {day:%b}: {text}"
    if row.basis == "inferred":
        text += " (inferred)"
    if isinstance(row.date_precision, str) and row.date_precision != "day":
        text += f" (between {row.date.day} {row.date:%b} and {day.day} {day:%b})"
    if len(rows) > 1:
        text += f"\nand {len(rows) - 1} more change{'s' if len(rows) > 2 else ''} that day"
    return row.place_id, text


def _areas(ax, dataset, day, animated, keys, extent):
    """The day's zones: reported ones filled in the side colour, inferred ones hatched in it, and
    contested or besieged ones hatched in the challenger's colour; returns the artists and adds to
    `keys` (a set) the legend entries they need."""
    vocabulary = dataset.vocabulary
    areas = dataset.areas(day)
    if len(areas):
        areas = areas[shapely.intersects(areas.geometry.to_numpy(), shapely.box(*extent))]
    paths = [[polygon_path(p) for p in shapely.get_parts(g) if not p.is_empty] for g in areas.geometry]
    hatched = areas["basis"].isin(HATCHED_BASES).to_numpy()
    marks = []

    def collection(rows: np.ndarray, **style: Any) -> None:
        kept = [ps for ps, keep in zip(paths, rows) if keep]
        colours = [vocabulary.color(c) for c in style.pop("codes")[rows]]
        style = {k: ([c for c, ps in zip(colours, kept) for _ in ps] if v == "side" else v) for k, v in style.items()}
        marks.append(ax.add_collection(PathCollection([p for ps in kept for p in ps], animated=animated, **style),
                                       autolim=False))

    keys.update(f"side:{c}" for c in areas["side"])
    keys.update({"zone:reported"} if (~hatched).any() else set())
    keys.update({"zone:inferred"} if hatched.any() else set())
    if (~hatched).any():
        # Estimated ground fades towards the edge of its reach: a paler band (EDGE_ALPHA) round a core
        # that reaches AREA_ALPHA, the fill the colour check measures.
        collection(~hatched, codes=areas["side"], facecolors="side", alpha=EDGE_ALPHA, edgecolors="none", zorder=1)
        cores = _cores(areas.geometry.to_numpy(), _fade_width(dataset))
        paths[:] = [[polygon_path(p) for p in shapely.get_parts(g) if not p.is_empty and p.geom_type == "Polygon"]
                    for g in cores]
        collection(~hatched, codes=areas["side"], facecolors="side", alpha=CORE_ALPHA, edgecolors="none", zorder=1.05)
        paths[:] = [[polygon_path(p) for p in shapely.get_parts(g) if not p.is_empty] for g in areas.geometry]
    if hatched.any():
        collection(hatched, codes=areas["side"], facecolors="none", edgecolors="side", hatch="\\\\\\",
                   linewidths=0.6, zorder=1)
    disputed = (areas["status"] != "held").to_numpy()
    if disputed.any():
        keys.add("zone:disputed")
        # The challenger's sparse hatch over the holder's fill: the holder's colour stays the ground's.
        collection(disputed, codes=areas["challenger"], facecolors="none", hatch="//", edgecolors="side",
                   linewidths=0.5, zorder=1.5)
    return marks


def _fade_width(dataset):
    """How wide the fading edge of a zone is, in degrees: a share of the places' local spacing."""
    from .frame import spacing_km

    return FADE_SPACINGS * spacing_km(dataset) / 111.32


def _cores(geometries, width):
    """Each zone shrunk by `width` (its core, where the fill reaches full strength)."""
    return shapely.buffer(geometries, -width, quad_segs=2)


def _day_marks(ax, dataset, day, extent, facts, animated=False, keys=None):
    """The day's areas, fronts, routes and places, as a list of the artists drawn; `keys` (a set) gets
    the legend entries of what is drawn in `extent` (see legend.draw_legend)."""
    vocabulary = dataset.vocabulary
    keys = set() if keys is None else keys
    marks = _areas(ax, dataset, day, animated, keys, extent)
    fronts = shapely.get_parts(dataset.front_lines(day).geometry.to_numpy())
    fronts = fronts[shapely.intersects(fronts, shapely.box(*extent))] if len(fronts) else fronts
    if len(fronts):
        keys.add("front")  # one collection for every segment: fast to make and to draw
        front = line_style("estimated_front")  # estimated: lighter than anything observed
        marks.append(ax.add_collection(LineCollection([np.asarray(line.coords)[:, :2] for line in fronts],
                                                      colors=front["color"], linewidths=front["linewidth"],
                                                      linestyles=front["linestyle"], capstyle="round", zorder=2,
                                                      animated=animated), autolim=False))
    for route in dataset.routes.itertuples():
        dated = route.date == route.date  # not NaT
        if dated and route.date != day:
            continue
        kind = route.kind if route.kind in LINE_STYLES else "advance"
        if route.geometry is None or not route.geometry.intersects(shapely.box(*extent)):
            continue
        keys.add(f"route:{kind}")
        marks += ax.plot(*route.geometry.xy, **line_style(kind, color=vocabulary.route_color(route.kind)),
                         zorder=2.5, animated=animated)
    state = dataset.control(day)
    state = state[_in_frame(state, extent)]
    x, y = state.geometry.x.to_numpy(), state.geometry.y.to_numpy()
    changed = state["place_id"].isin(facts.changed(day)).to_numpy()
    if changed.any():  # a white ring under a black one: seen on any fill
        keys.add("halo")
        for colour, width in ((CHANGED_CASING, 3.2), (CHANGED_EDGE, 1.4)):
            marks.append(ax.scatter(x[changed], y[changed], s=HALO_S, facecolors="none", edgecolors=colour,
                                    linewidths=width, zorder=2.8, animated=animated))
    controlled = state["controller"].map(lambda c: isinstance(c, str)).to_numpy()
    for status in ("held", "contested", "besieged", None):
        rows = (state["status"] == status).to_numpy() if status else ~controlled
        if not rows.any():
            continue
        ringed = status in schema.CHALLENGED
        keys.update(f"side:{c}" for c in state["controller"][rows] if isinstance(c, str))
        keys.add("ring" if ringed else "marker" if status else "unknown")
        fill = [vocabulary.color(c) if ok else UNKNOWN_COLOR for c, ok in zip(state["controller"][rows], controlled[rows])]
        edges = [vocabulary.color(c) for c in state["challenger"][rows]] if ringed else "#222222"
        marks.append(ax.scatter(x[rows], y[rows], s=MARKER_S if status else UNKNOWN_S, c=fill, edgecolors=edges,
                                linewidths=RING_WIDTH if ringed else 0.6, zorder=3, animated=animated,
                                linestyle="--" if status == "contested" else "-"))
    doubt = state["place_id"].isin(facts.uncertain(day)).to_numpy() & controlled
    if doubt.any():  # a white centre: the side's colour stays as strong, the mark reads as open
        keys.add("centre")
        marks.append(ax.scatter(x[doubt], y[doubt], s=CENTRE_S, c="white", edgecolors="none", zorder=3.2,
                                animated=animated))
    return marks


def day_callout(dataset: Any, day: pd.Timestamp) -> tuple[str, str] | None:
    """(place_id, text) of the day's callout: its main change (main_change), else its gravest event at a
    place ('22 May: breakout at Jisr al-Shughur National Hospital'), else None."""
    found = main_change(dataset, day)
    if found is not None:
        return found
    events = day_events(dataset, day)
    events = events[events["place_id"].isin(dataset.places["place_id"])] if len(events) else events
    if not len(events) or events.iloc[0]["type"] in NOT_ACTION:
        return None
    event = events.iloc[0]
    phrase = day_headline(dataset, day).split(": ", 1)[1].split(" and ")[0]
    return event["place_id"], f"{day.day} {day:%b}: {phrase[:1].upper()}{phrase[1:]}"


def _callout(ax, dataset, day, obstacles, animated=False, found=False):
    """The box naming the day's main news, placed clear of the labels near its place; a short leader
    joins them only when the box sits beside the place (never a line across the map)."""
    found = day_callout(dataset, day) if found is False else found
    if found is None:
        return []
    place_id, text = found
    where = dataset.places.set_index("place_id").geometry[place_id]
    px, py = ax.transData.transform((where.x, where.y))
    x0, y0, x1, y1 = ax.bbox.extents
    off = not (x0 <= px <= x1 and y0 <= py <= y1)
    if off:  # the news lies off this frame: said so, in a corner, and ringed on the locator
        text += "\n" + _away(ax, where.x, where.y) + ", off this map: ringed on the locator"
    box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": CHANGED_EDGE, "linewidth": 0.8}
    style = {"fontsize": LABEL_PT + 1, "fontweight": "bold", "parse_math": False, "zorder": 6, "animated": animated}
    renderer = ax.figure.canvas.get_renderer()
    probe = ax.text(0, 0, text, bbox=box, **style)
    size = probe.get_window_extent(renderer)
    probe.remove()
    radius = math.sqrt(HALO_S) / 2 * ax.figure.dpi / 72
    spot = None if off else place([Label(text, px, py, size.width, size.height, radius=radius)], obstacles=obstacles,
                 frame=ax.bbox.extents, gap=radius, far_rings=CALLOUT_RINGS)[0]
    if off:
        spot = _corner(ax, size, (min(max(px, x0), x1), min(max(py, y0), y1)), obstacles)
        at = ax.transData.inverted().transform(spot.centre)
        return [ax.text(*at, text, bbox=box, ha="center", va="center", **style)]
    if spot is None:  # no room around the place: the free corner of the map nearest it, else the top left
        spot = _corner(ax, size, (px, py), obstacles)
    at = ax.transData.inverted().transform(spot.centre)
    kwargs = {"xytext": at, "textcoords": "data", "ha": "center", "va": "center"}
    bx0, by0, bx1, by1 = spot.box
    gap = math.hypot(max(bx0 - px, 0, px - bx1), max(by0 - py, 0, py - by1))
    arrow = {"arrowstyle": "-", "color": CHANGED_EDGE, "linewidth": 0.8, "shrinkB": radius * 72 / ax.figure.dpi}
    if gap > LEADER_MAX * radius:  # far off (a corner): no line; the place's halo says which it is
        return [ax.text(*at, text, bbox=box, ha="center", va="center", **style)]
    return [ax.annotate(text, xy=(where.x, where.y), xycoords="data", bbox=box, arrowprops=arrow, **kwargs, **style)]


COMPASS = ("east", "north-east", "north", "north-west", "west", "south-west", "south", "south-east")


def _away(ax, lon, lat):
    """How far and which way (lon, lat) lies from the middle of the map on `ax`: '170 km east'."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    dx = (lon - cx) * math.cos(math.radians((cy + lat) / 2)) * KM_PER_DEGREE
    dy = (lat - cy) * KM_PER_DEGREE
    sector = round(math.degrees(math.atan2(dy, dx)) / 45) % 8
    return f"{round(math.hypot(dx, dy), -1 if math.hypot(dx, dy) >= 20 else 0):.0f} km {COMPASS[sector]}"


def off_frame_news(dataset: Any, day: pd.Timestamp, extent: tuple, facts: DayFacts,
                   found: Any = False) -> list[tuple[float, float, str]]:
    """(lon, lat, name) of the day's control changes and callout place that lie off `extent`: the
    locator rings them, so every change of the day is seen somewhere on the picture."""
    ids = set(facts.changed(day))
    found = day_callout(dataset, day) if found is False else found  # None: the changes alone
    if found is not None:
        ids.add(found[0])
    places = dataset.places[dataset.places["place_id"].isin(ids)]
    off = ~_in_frame(places, extent)
    return [(float(g.x), float(g.y), display_name(display_text(name, limit=30)))
            for g, name in zip(places.geometry[off], places["name"][off])]


def _corner(ax, size, point, obstacles):
    """A Placed box of `size` at an edge of the map (a corner, or the middle of the top or foot): the free one
    nearest `point`, else the one covering the least of the obstacles (an inset, labels, the scale bar)."""
    x0, y0, x1, y1 = ax.bbox.extents
    pad = 6
    w, h = size.width, size.height
    mid = (x0 + x1 - w) / 2
    corners = [(x0 + pad, y1 - pad - h), (x1 - pad - w, y1 - pad - h), (x0 + pad, y0 + pad), (x1 - pad - w, y0 + pad),
               (mid, y1 - pad - h), (mid, y0 + pad)]
    boxes = shapely.box(*np.array([(cx, cy, cx + w, cy + h) for cx, cy in corners]).T)
    walls = shapely.box(*np.array(obstacles, dtype=float).reshape(-1, 4).T)
    covered = [float(shapely.area(shapely.intersection(b, walls)).sum()) if len(walls) else 0.0 for b in boxes]
    best = min(range(len(corners)), key=lambda i: (covered[i] > 0, covered[i],
                                                   math.dist(point, (corners[i][0] + w / 2, corners[i][1] + h / 2)), i))
    cx, cy = corners[best]
    return Placed(Label("", *point, w, h), (cx, cy, cx + w, cy + h), True)






class DaySeries:
    """Draws the fixed parts of a dataset's day map once per frame; `png(day)` then adds one day's marks.

    framing: 'action' (each day framed on its action, steady across runs: maps/frame.py), 'steady' (one
    frame from a key day to the next, covering all their action: the GIF) or 'whole' (the whole battle
    every day). key_days: the days a 'steady' series may change frame on.
    """

    def __init__(self, dataset: Any, framing: str = "action", layout: str = "landscape",
                 key_days: Sequence[Any] = ()) -> None:
        if framing not in FRAMINGS:
            raise ValueError(f"framing must be one of {', '.join(FRAMINGS)}, not {framing!r}")
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
        self.dataset = dataset
        self.layout_name, self.box = layout, LAYOUTS[layout]
        width, height = self.box["size"]
        # Frames take the map box's shape, so the map fills it.
        aspect = (width * self.box["map"][2]) / (height * self.box["map"][3])
        self.facts = DayFacts(dataset, framing, aspect, key_days)
        self._starts = self.facts.picture_starts()
        self.fig = Figure(figsize=self.box["size"], dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        self.extent: Any = None
        self._setup(self.facts.frame(dataset.period[0]))

    def _setup(self, extent, light=False):
        """Draw the parts that do not change within a frame: ground, locator, caption, labels, the inset."""
        dataset = self.dataset
        self.fig.clear()
        box = self.box
        self.ax = self.fig.add_axes(box["map"])
        set_extent(self.ax, extent)
        renderer = self.canvas.get_renderer()
        with _quiet():
            first = (Layout([], [], []) if light else _label_layout(self.ax, renderer, dataset, extent, LABEL_PT))
        markers = _marker_pixels(self.ax, dataset, extent)
        self.plan = _inset_plan(self.ax, first, markers)
        self.taken = (self.plan.corner,) if self.plan else ()
        self.extent = draw_frame(self.ax, dataset, extent, rivers=False, towns=False, taken=self.taken)
        self.inset = None
        if self.plan:
            self.inset = _inset_axes(self.fig, self.plan)
            draw_frame(self.inset, dataset, self.plan.footprint, rivers=False, towns=False)
        reach = [(float(g.x), float(g.y)) for g in dataset.places.geometry[
            dataset.places["place_id"].isin(self.facts.changes["place_id"])]]
        self.locator = self.fig.add_axes(box["locator"])
        draw_locator(self.locator, self.extent, home_country(dataset, self.extent), reach=reach)
        draw_caption(self.fig, dataset, width=box["caption_width"], fontsize=DAY_CAPTION_PT)
        self.ground_keys = ground_keys(dataset, self.extent) | (ground_keys(dataset, self.plan.footprint)
                                                                 if self.plan else set())
        with _quiet():
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            band = Bbox.from_extents(0, self.fig.bbox.height * self.box["title_band"], self.fig.bbox.width,
                                     self.fig.bbox.height)
            self.title_background = self.canvas.copy_from_bbox(band)
            self.inset_background = (self.canvas.copy_from_bbox(Bbox.from_extents(*self.plan.box))
                                     if self.plan else None)
            obstacles = [self.plan.box] if self.plan else []
            layout = (_label_layout(self.ax, renderer, dataset, self.extent, LABEL_PT, taken=self.taken,
                                    obstacles=obstacles) if self.plan else first)
            self.layout, boxes = layout.spots, layout.boxes
            self.labels = _draw_labels(self.ax, self.layout, LABEL_PT, animated=True)
            self.inset_layout = []
            if self.inset is not None:
                self.inset_layout = _label_layout(self.inset, renderer, dataset, self.plan.footprint, LABEL_PT,
                                                  furniture=False).spots
                self.labels += _draw_labels(self.inset, self.inset_layout, LABEL_PT, animated=True)
            self._overlay = self._label_overlay()
            self._river_overlay = self._label_overlay(rivers=True)
            self._inset_rivers = self._label_overlay(rivers=True, inset=True) if self.inset else None
        r = _marker_radius(DPI)
        self._obstacles = (boxes + [(x - r, y - r, x + r, y + r) for x, y in markers] + obstacles
                           + _furniture(self.ax, self.extent, _points(dataset), self.taken))
        self._last = None  # ((picture index, frame), RGBA array) of the last day drawn

    def _overlay_axes(self, fig, inset):
        ax = fig.add_axes(self.plan.position if inset else self.box["map"])
        set_extent(ax, self.plan.footprint if inset else self.extent)
        ax.set_axis_off()
        return ax

    def _label_overlay(self, rivers=False, inset=False):
        """The labels drawn once on a transparent copy of the map: (pixel indices, RGB, alpha) of the
        pixels they cover, laid over every day's marks (text with a halo is slow to draw each day).
        rivers=True: the rivers alone, laid over the day's zones and under its places; inset=True: the
        inset's rivers. The map's own layers leave the inset's pixels alone."""
        fig = Figure(figsize=self.box["size"], dpi=DPI)
        fig.patch.set_alpha(0)
        canvas = FigureCanvasAgg(fig)
        if rivers:
            ax = self._overlay_axes(fig, inset)
            draw_rivers(ax, self.plan.footprint if inset else self.extent, dataset=self.dataset)
        else:
            ax = self._overlay_axes(fig, False)
            draw_towns(ax, self.dataset, self.extent, self.taken)
            _draw_labels(ax, self.layout, LABEL_PT)
            # Scale bar and north arrow ride on this top layer too: over the day's areas, never under them.
            scale_and_north(ax, self.extent, points=_points(self.dataset), taken=self.taken)
            if self.plan:
                _footprint_box(ax, self.plan)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba()).copy()
        if self.plan and not inset:
            _clear_box(rgba, self.plan.box)
        if self.plan and not rivers:  # the inset's towns, labels and border over it
            fig.clear()
            fig.patch.set_alpha(0)
            ax = fig.add_axes(self.plan.position)
            set_extent(ax, self.plan.footprint)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.patch.set_alpha(0)
            for spine in ax.spines.values():
                spine.set_linewidth(1.1)
                spine.set_edgecolor("#222222")
            draw_towns(ax, self.dataset, self.plan.footprint)
            _draw_labels(ax, self.inset_layout, LABEL_PT)
            canvas.draw()
            top = np.asarray(canvas.buffer_rgba())
            alpha = top[..., 3:].astype(np.float32) / 255
            rgba[..., :3] = np.rint(top[..., :3] * alpha + rgba[..., :3] * (1 - alpha)).astype(np.uint8)
            rgba[..., 3] = np.maximum(rgba[..., 3], top[..., 3])
        where = np.nonzero(rgba[..., 3])
        return where, rgba[where][:, :3].astype(np.float32), rgba[where][:, 3:].astype(np.float32) / 255

    def _lay_labels(self, overlay=None):
        """Composite the label overlay (or another) into the canvas, over what is drawn so far."""
        where, rgb, alpha = overlay or self._overlay
        pixels = np.asarray(self.canvas.buffer_rgba())
        base = pixels[where][:, :3].astype(np.float32)
        pixels[where[0], where[1], :3] = np.rint(rgb * alpha + base * (1 - alpha)).astype(np.uint8)

    def label_boxes(self) -> list[Bbox]:
        """The labels' boxes in pixels (matplotlib Bboxes), to check they do not overlap."""
        renderer = self.canvas.get_renderer()
        return [t.get_window_extent(renderer) for t in self.labels if hasattr(t, "get_text") and t.axes is self.ax]

    def _artists(self, day, animated):
        """The day's marks on the map, on the inset and on the locator, the callout, the legend of what
        is drawn, and the title: (map marks, inset marks, the rest)."""
        keys = set(self.ground_keys)
        marks = _day_marks(self.ax, self.dataset, day, self.extent, self.facts, animated=animated, keys=keys)
        found = day_callout(self.dataset, day)
        marks += _callout(self.ax, self.dataset, day, self._obstacles, animated=animated, found=found)
        inset = (_day_marks(self.inset, self.dataset, day, self.plan.footprint, self.facts, animated=animated,
                            keys=keys) if self.inset is not None else [])
        news = off_frame_news(self.dataset, day, self.extent, self.facts, found)
        rest = [a for x, y, name in news for a in locator_news(self.locator, x, y, name)]
        # The locator's ring is the halo of a change; round an event's place alone it is no change of hands.
        keys |= {"halo"} if news and off_frame_news(self.dataset, day, self.extent, self.facts, None) else set()
        rest.append(draw_legend(self.fig, self.dataset, anchor=self.box["legend"], loc="upper left",
                                ncol=self.box["legend_columns"], fontsize=self.box["legend_pt"], keys=keys,
                                animated=animated))
        rest.append(draw_title(self.fig, self.dataset, day, y=self.box["title_y"], animated=animated))
        for artist in rest:
            artist.set_animated(animated)
        return marks, inset, rest

    def legend_texts(self, date: Any) -> list[str]:
        """The words of the day map's legend: what the picture of `date` draws."""
        day = self.dataset.day(date)
        if self.facts.frame(day) != self.extent:
            self._setup(self.facts.frame(day))
        with _quiet():
            marks, inset, rest = self._artists(day, animated=True)
        legend = rest[-2]
        texts = [t.get_text() for t in legend.get_texts()]
        for artist in [*marks, *inset, *rest]:
            artist.remove()
        return texts

    def image(self, date: Any, extent: tuple | None = None) -> Image.Image:
        """The day's map as an RGBA image (`extent`: another frame than the day's, for a transition)."""
        day = self.dataset.day(date)
        extent = tuple(extent) if extent is not None else self.facts.frame(day)
        picture = (bisect.bisect_right(self._starts, day), extent)
        with _quiet():
            if extent != self.extent:
                # A glide between two frames shows for a moment: its names are left out (drawn faster).
                self._setup(extent, light=extent != self.facts.frame(day))
            if self._last is not None and self._last[0] == picture:
                # The same picture as the last day drawn: only the title changes.
                self.canvas.restore_region(self._last[1])
                self.canvas.restore_region(self.title_background)
                title = draw_title(self.fig, self.dataset, day, y=self.box["title_y"], animated=True)
                self.fig.draw_artist(title)
                title.remove()
            else:
                self.canvas.restore_region(self.background)
                marks, inset, rest = self._artists(day, animated=True)
                callout = [a for a in marks if a.get_zorder() > 5]  # above the labels
                self._draw_layers([a for a in marks if a not in callout], self.ax, self._river_overlay)
                if self.inset is not None:
                    self.canvas.restore_region(self.inset_background)
                    self._draw_layers(inset, self.inset, self._inset_rivers)
                self._lay_labels()
                for artist in callout:
                    self.ax.draw_artist(artist)
                for artist in rest:
                    self.fig.draw_artist(artist)
                for artist in [*marks, *inset, *rest]:
                    artist.remove()
                self._last = (picture, self.canvas.copy_from_bbox(self.fig.bbox))
            return Image.fromarray(np.asarray(self.canvas.buffer_rgba()).copy())

    def _draw_layers(self, marks, ax, rivers):
        """The marks under the rivers, the rivers' overlay, then the marks over them, on `ax`."""
        marks = sorted(marks, key=lambda a: a.get_zorder())
        for artist in (a for a in marks if a.get_zorder() < RIVER_Z):
            ax.draw_artist(artist)
        self._lay_labels(rivers)
        for artist in (a for a in marks if a.get_zorder() >= RIVER_Z):
            ax.draw_artist(artist)

    def png(self, date: Any) -> bytes:
        """PNG bytes of the day's map, its description (maps/describe.py) in a "Description" text chunk."""
        return encode_png(self.image(date), description=day_description(self.dataset, date))

    def vector(self, date: Any, fmt: str) -> bytes:
        """PDF or SVG bytes of the day's map (text stays text-shaped paths in SVG, fonts embedded in PDF)."""
        day = self.dataset.day(date)
        with _quiet():
            if self.facts.frame(day) != self.extent:
                self._setup(self.facts.frame(day))
            before = {id(a) for owner in (self.ax, self.inset, self.locator, self.fig) if owner is not None
                      for a in owner.get_children()}
            self._artists(day, animated=False)
            draw_rivers(self.ax, self.extent, dataset=self.dataset)
            draw_towns(self.ax, self.dataset, self.extent, self.taken)
            scale_and_north(self.ax, self.extent, points=_points(self.dataset), taken=self.taken)
            if self.plan:
                _footprint_box(self.ax, self.plan)
                draw_rivers(self.inset, self.plan.footprint, dataset=self.dataset)
                draw_towns(self.inset, self.dataset, self.plan.footprint)
            for artist in self.labels:
                artist.set_animated(False)
            try:
                return encode_vector(self.fig, fmt)
            finally:
                for owner in (self.ax, self.inset, self.locator, self.fig):
                    for artist in [] if owner is None else owner.get_children():
                        if id(artist) not in before:
                            artist.remove()
                for artist in self.labels:
                    artist.set_animated(True)
                self._last = None


def _marker_pixels(ax, dataset, extent):
    """Pixel positions of the places in `extent` on `ax`."""
    places = dataset.places[_in_frame(dataset.places, extent)]
    return ax.transData.transform(np.column_stack([places.geometry.x, places.geometry.y])).reshape(-1, 2)


def _clear_box(rgba, box):
    """Make the pixels of `box` (x0, y0, x1, y1 in pixels, y up) transparent in an RGBA array."""
    height = rgba.shape[0]
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    rgba[max(height - y1, 0):max(height - y0, 0), max(x0, 0):max(x1, 0), 3] = 0


class _quiet(warnings.catch_warnings):
    """A label in a script the font lacks is drawn with boxes; that is no reason to warn per glyph."""

    def __enter__(self):
        super().__enter__()
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)


def day_png(dataset: Any, date: Any) -> bytes:
    """PNG bytes of one day's control map."""
    return DaySeries(dataset).png(date)


STATIC_FORMATS = ("png", *VECTOR_FORMATS)


def day_static(dataset: Any, date: Any, fmt: str = "png") -> bytes:
    """Bytes of one day's static map: 'png' (1056 px), or vector 'pdf' or 'svg' for print."""
    if fmt == "png":
        return day_png(dataset, date)
    if fmt not in STATIC_FORMATS:
        raise ValueError(f"unknown static map format {fmt!r}: use one of {', '.join(STATIC_FORMATS)}")
    return DaySeries(dataset).vector(date, fmt)


def _sheet(dataset, days, columns=SHEET_COLUMNS):
    """The key-days figure: one panel per day, each framed on its day's action (frame.py's day_frame) with
    a small locator of the whole battle in a corner and, where a cluster's names cannot fit, an inset; one
    legend of what the panels draw, the caption and the country's locator at the foot."""
    days = [dataset.day(d) for d in days]
    facts = DayFacts(dataset)
    whole = theatre(dataset)
    cols = min(columns, len(days))
    rows = -(-len(days) // cols)
    aspect = (whole[3] - whole[1]) / ((whole[2] - whole[0]) * math.cos(math.radians((whole[1] + whole[3]) / 2)))
    panel_w = SHEET_PANEL_WIDTH
    map_h = panel_w * min(max(aspect, 0.5), 1.5)
    panel_h = map_h + 0.5  # and room for the panel's title
    # Inches: a band on top for the title, panels, a band below for the legend, caption and locator.
    top, foot = 0.75, 2.2
    width, height = panel_w * cols + 0.3, top + panel_h * rows + foot
    fig = Figure(figsize=(width, height), dpi=SHEET_DPI)
    canvas = FigureCanvasAgg(fig)
    legend_room = foot / height
    axes = fig.subplots(rows, cols, squeeze=False,
                        gridspec_kw={"bottom": legend_room, "top": 1 - top / height, "left": 0.01,
                                     "right": 0.99, "hspace": 0.5 / panel_h, "wspace": 0.03})
    keys: set = set()
    with _quiet():
        renderer = canvas.get_renderer()
        for ax, day in zip(axes.flat, days):
            ax.apply_aspect()
            box = ax.get_position()
            shape = box.width * width / (box.height * height)
            extent = day_frame(dataset, day, aspect=shape)
            set_extent(ax, extent)
            first = _label_layout(ax, renderer, dataset, extent, LABEL_PT, taken=("upper right",))
            plan = _inset_plan(ax, first, _marker_pixels(ax, dataset, extent))
            taken = ("upper right", plan.corner) if plan else ("upper right",)
            draw_frame(ax, dataset, extent, taken=taken)
            keys |= ground_keys(dataset, extent)
            _day_marks(ax, dataset, day, extent, facts, keys=keys)
            found = day_callout(dataset, day)  # the main change, else the main event
            title = f"{day.day} {day:%B %Y}" + (f": {found[1].split(': ', 1)[1].splitlines()[0]}" if found else "")
            ax.set_title(title, fontsize=LABEL_PT + 1, fontweight="bold")
            scale_and_north(ax, extent, fontsize=LABEL_PT - 1, points=_points(dataset), taken=taken)
            mini = _panel_locator(fig, ax, whole, extent, _points(dataset))
            walls = [_box_of(mini, renderer)] + ([plan.box] if plan else [])
            layout = _label_layout(ax, renderer, dataset, extent, LABEL_PT, taken=taken, obstacles=walls)
            _draw_labels(ax, layout.spots, LABEL_PT)
            if plan:
                _footprint_box(ax, plan)
                inset = _inset_axes(fig, plan)
                draw_frame(inset, dataset, plan.footprint)
                keys |= ground_keys(dataset, plan.footprint)
                _day_marks(inset, dataset, day, plan.footprint, facts, keys=keys)
                _draw_labels(inset, _label_layout(inset, renderer, dataset, plan.footprint, LABEL_PT,
                                                  furniture=False).spots, LABEL_PT)
        draw_locator(fig.add_axes((0.86, 0.01, 0.13, legend_room * 0.95)), whole, home_country(dataset, whole))
        for ax in list(axes.flat)[len(days):]:
            ax.set_visible(False)
        fig.suptitle(display_text(dataset.name, limit=120), fontsize=14, fontweight="bold", parse_math=False,
                     y=1 - 0.25 / height)
        draw_legend(fig, dataset, anchor=(0.45, legend_room * 0.6), ncol=4 if cols >= 3 else 3, fontsize=LABEL_PT,
                    keys=keys)
        draw_caption(fig, dataset, y=legend_room * 0.06, width=0.82, fontsize=LABEL_PT - 1)
    return fig


PANEL_LOCATOR_SHARE = 0.22  # a panel's locator of the whole battle, this share of the panel wide


def _panel_locator(fig, ax, whole, extent, places_xy):
    """A small map of the whole battle in the panel's upper right corner, the panel's frame boxed on it."""
    pos = ax.get_position()
    w = PANEL_LOCATOR_SHARE * pos.width
    fig_w, fig_h = fig.get_size_inches()
    cos = math.cos(math.radians((whole[1] + whole[3]) / 2))
    h = w * fig_w / fig_h * (whole[3] - whole[1]) / ((whole[2] - whole[0]) * cos)
    h = min(h, 0.35 * pos.height)
    mini = fig.add_axes((pos.x1 - w - 0.004, pos.y1 - h - 0.004 * fig_w / fig_h, w, h))
    xy = np.array(places_xy, dtype=float).reshape(-1, 2)
    if not len(xy):  # no place yet (a new dataset): no battle to locate
        mini.set_visible(False)
        return mini
    ground_only(mini, whole)
    mini.scatter(xy[:, 0], xy[:, 1], s=2, c="#555555", linewidths=0)
    x0, y0, x1, y1 = extent
    mini.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="#222222", alpha=0.15, edgecolor="#222222",
                             linewidth=1.2))
    mini.set_zorder(3)
    return mini


def _box_of(ax, renderer):
    """The pixel box (x0, y0, x1, y1) of an axes."""
    return tuple(ax.get_window_extent(renderer).extents)


SHEET_EDITIONS = ("print", "screen")
# The screen edition: two columns, at most SCREEN_MAX_WIDTH px wide, no label under MIN_NAME_PX.
SCREEN_MAX_WIDTH = 1600
SCREEN_COLUMNS = 2


def key_days_png(dataset: Any, days: Sequence[Any], edition: str = "print") -> bytes:
    """PNG bytes of a small-multiples sheet, one panel per key day: 'print' at 300 dpi (8-point labels,
    three columns), or 'screen' at most SCREEN_MAX_WIDTH px wide in two columns with labels of at least
    MIN_NAME_PX px. Its description names each day's news."""
    if edition not in SHEET_EDITIONS:
        raise ValueError(f"edition must be one of {', '.join(SHEET_EDITIONS)}, not {edition!r}")
    fig = _sheet(dataset, days, SCREEN_COLUMNS if edition == "screen" else SHEET_COLUMNS)
    dpi = SHEET_DPI
    if edition == "screen":
        dpi = math.floor(SCREEN_MAX_WIDTH / fig.get_figwidth())
        if (LABEL_PT - 1) * dpi / 72 < MIN_NAME_PX:
            raise ValueError("the screen sheet would draw labels under MIN_NAME_PX; use fewer columns")
        fig.set_dpi(dpi)
    description = " ".join(day_headline(dataset, d) + "." for d in days)
    with _quiet():
        fig.canvas.draw()
        return encode_png(fig.canvas.buffer_rgba(), dpi=dpi, description=description)




def gif_schedule(dataset: Any, start: pd.Timestamp, end: pd.Timestamp,
                 key_days: Sequence[Any] = ()) -> list[tuple[pd.Timestamp, int]]:
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


# The GIF changes frame only on key days (framing 'steady'), gliding there in TRANSITION_STEPS frames of
# TRANSITION_MS each, the day before still shown, so a reader keeps their place.
TRANSITION_STEPS = 1
TRANSITION_MS = 350


def gif_plan(series: DaySeries, schedule: Sequence[tuple[pd.Timestamp, int]]) -> list[tuple[pd.Timestamp, int, tuple | None]]:
    """The GIF's frames as (day, milliseconds, extent): the schedule's days (extent None: the day's own
    frame in `series`) with, where the frame changes, TRANSITION_STEPS frames of the day before at extents
    between the two frames."""
    out: list[tuple[pd.Timestamp, int, tuple | None]] = []
    before = None
    for day, ms in schedule:
        frame = series.facts.frame(day)
        if before is not None and before[1] != frame:
            for step in range(1, TRANSITION_STEPS + 1):
                share = step / (TRANSITION_STEPS + 1)
                between = tuple(a + (b - a) * share for a, b in zip(before[1], frame))
                out.append((before[0], TRANSITION_MS, between))
        out.append((day, ms, None))
        before = (day, frame)
    return out

