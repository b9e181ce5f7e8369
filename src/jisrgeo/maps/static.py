"""Static PNG maps for reports (matplotlib via geopandas), byte-identical from build to build."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from ._text import display_text  # noqa: E402
from ..style import SIDE_COLORS, SIDE_LABELS, UNKNOWN_COLOR, side_color  # noqa: E402

# The theatre around Jisr al-Shughur and Ariha; far places (Damascus, Palmyra) are left out of frame.
EXTENT = (36.15, 35.62, 36.75, 36.05)  # lon_min, lat_min, lon_max, lat_max
# No software/version text chunk: the bytes depend only on the drawing.
PNG_METADATA = {"Software": None}


def _draw(ax, dataset, day):
    state = dataset.control(day)
    ax.set_xlim(EXTENT[0], EXTENT[2])
    ax.set_ylim(EXTENT[1], EXTENT[3])
    ax.set_aspect(1 / 0.81)  # roughly equal metres per degree at 36°N (cos 36°)
    for _, route in dataset.routes.iterrows():
        dated = isinstance(route["date"], str)
        if dated and route["date"] != day.strftime("%Y-%m-%d"):
            continue
        xs, ys = route.geometry.xy
        ax.plot(xs, ys, color="#d7191c" if route["kind"] == "breakout" else "#999999",
                linestyle="-" if route["kind"] == "breakout" else "--", linewidth=1.2 if dated else 0.8)
    for _, place in state.iterrows():
        x, y = place.geometry.x, place.geometry.y
        if not (EXTENT[0] <= x <= EXTENT[2] and EXTENT[1] <= y <= EXTENT[3]):
            continue
        controller = place["controller"] if isinstance(place["controller"], str) else None
        edge, width = "#222222", 0.6
        if place["status"] in ("besieged", "contested"):
            edge, width = side_color(place["challenger"]), 2.2
        ax.scatter([x], [y], s=55 if controller else 20, c=side_color(controller) if controller else UNKNOWN_COLOR,
                   edgecolors=edge, linewidths=width, zorder=3,
                   linestyle="--" if place["status"] == "contested" else "-")
        ax.annotate(display_text(place["name"], limit=40), (x, y), xytext=(4, 3), textcoords="offset points", fontsize=5.5)
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
