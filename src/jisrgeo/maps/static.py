"""Static PNG maps for reports (matplotlib via geopandas), byte-identical from build to build."""

import io
import math
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from ._text import display_text  # noqa: E402
from ._extent import map_extent  # noqa: E402
from ..style import SIDE_COLORS, SIDE_LABELS, UNKNOWN_COLOR, side_color  # noqa: E402

# Above this many places in frame, labels would bury the map: draw the points alone.
MAX_LABELS = 150
# Kinds that get a label; checkpoints, hills and areas sit too close to them to label legibly.
LABEL_KINDS = {"city", "town", "village", "military_base", "airbase"}
# No software/version text chunk: the bytes depend only on the drawing.
PNG_METADATA = {"Software": None}


def _draw(ax, dataset, day):
    state = dataset.control(day)
    extent = map_extent(dataset)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    # Equal metres per degree at the frame's middle latitude.
    ax.set_aspect(1 / math.cos(math.radians((extent[1] + extent[3]) / 2)))
    in_frame = state.geometry.x.between(extent[0], extent[2]) & state.geometry.y.between(extent[1], extent[3])
    label = int(in_frame.sum()) <= MAX_LABELS
    for _, route in dataset.routes.iterrows():
        dated = isinstance(route["date"], str)
        if dated and route["date"] != day.strftime("%Y-%m-%d"):
            continue
        xs, ys = route.geometry.xy
        ax.plot(xs, ys, color="#d7191c" if route["kind"] == "breakout" else "#999999",
                linestyle="-" if route["kind"] == "breakout" else "--", linewidth=1.2 if dated else 0.8)
    state = state[in_frame]
    controlled = state["controller"].map(lambda c: isinstance(c, str))
    colors = [side_color(c) if ok else UNKNOWN_COLOR for c, ok in zip(state["controller"], controlled)]
    for status, linestyle in (("held", "-"), ("contested", "--"), ("besieged", "-"), (None, "-")):
        rows = (state["status"] == status) if status else ~controlled
        if not rows.any():
            continue
        ringed = status in ("contested", "besieged")
        edges = [side_color(c) for c in state.loc[rows, "challenger"]] if ringed else "#222222"
        ax.scatter(state.geometry.x[rows], state.geometry.y[rows], s=55 if status else 20,
                   c=[col for col, r in zip(colors, rows) if r], edgecolors=edges, linewidths=2.2 if ringed else 0.6,
                   linestyle=linestyle, zorder=3)
    if label:
        kinds = state["place_id"].map(dataset.places.set_index("place_id")["kind"])
        labelled = state[kinds.isin(LABEL_KINDS)]
        for name, x, y in zip(labelled["name"], labelled.geometry.x, labelled.geometry.y):
            ax.annotate(display_text(name, limit=40), (x, y), xytext=(4, 3), textcoords="offset points", fontsize=5.5)
    ax.set_title(day.strftime("%d %B %Y").lstrip("0"), fontsize=9)
    ax.tick_params(labelsize=5)


def _legend(fig):
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=c, markeredgecolor="#222222", label=SIDE_LABELS[s])
               for s, c in SIDE_COLORS.items()]
    handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="#ffffff", markeredgecolor=SIDE_COLORS["opposition"],
                          markeredgewidth=2, label="ring: besieged / contested by"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=7, frameon=False)


def _png(fig):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # A label in a script the font lacks is drawn with boxes; that is no reason to warn per glyph.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.savefig(buffer, format="png", dpi=130, metadata=PNG_METADATA)
    plt.close(fig)
    return buffer.getvalue()


def day_png(dataset, date):
    """PNG bytes of one day's control map."""
    day = dataset.day(date)
    fig, ax = plt.subplots(figsize=(6, 5))
    _draw(ax, dataset, day)
    _legend(fig)
    return _png(fig)


def key_days_png(dataset, days):
    """PNG bytes of a small-multiples figure, one panel per day."""
    days = [dataset.day(d) for d in days]
    cols = 3
    rows = -(-len(days) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.6 * rows), squeeze=False)
    for ax, day in zip(axes.flat, days):
        _draw(ax, dataset, day)
    for ax in list(axes.flat)[len(days):]:
        ax.set_visible(False)
    fig.suptitle(display_text(dataset.meta.get("name", ""), limit=120), fontsize=11)
    _legend(fig)
    return _png(fig)
