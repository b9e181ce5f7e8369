"""The key to a static map: the legend of the sides and marks, the caption with the source, the title."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..style import CHANGED_MARK as CHANGED_EDGE
from ..style import FILL_ALPHA as AREA_ALPHA
from ..style import UNKNOWN_COLOR
from . import context
from ._text import display_text
from .ground import line_style

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text


def _plain(text):
    """Legend text shown as written: a '$' would start TeX in matplotlib."""
    return display_text(text, limit=40).replace("$", r"\$")


# The legend's words for the kinds of line drawn (routes by their kind, the dataset's own context).
LINE_WORDS = {"breakout": "breakout route", "advance": "advance", "closest_approach": "closest reported approach",
              "road": "road", "river": "river", "border": "border", "area": "named area (its outline)"}


def legend_entries(dataset: Any, keys: Iterable[str] | None = None) -> list[tuple[Any, str]]:
    """(handle, text) of the legend, in order: the sides, the marks, the zones, the lines. With `keys`
    (what a picture draws: 'side:CODE', 'marker', 'unknown', 'ring', 'centre', 'halo', 'zone:reported',
    'zone:inferred', 'zone:disputed', 'front', 'route:KIND', 'line:river', 'line:road', 'line:border',
    'line:area'), only those; None: every entry but lines and routes."""
    def marker(face: str = "#ffffff", edge: str = "#222222", **style: Any) -> Line2D:
        return Line2D([], [], marker="o", linestyle="", markerfacecolor=face, markeredgecolor=edge, **style)

    grey = marker("#999999")
    entries: list[tuple[str, Any, str]] = [(f"side:{code}", marker(side.color), _plain(side.label)) for code, side in dataset.sides.items()]
    entries += [
        ("unknown", marker(UNKNOWN_COLOR, markersize=4.5), "no control recorded"),
        ("ring", marker(edge="#444444", markeredgewidth=2), "ring: besieged / contested by (ring colour)"),
        ("centre", (grey, marker("white", "white", markersize=3)), "white centre: inferred, or date in doubt"),
        ("halo", (grey, marker("none", CHANGED_EDGE, markersize=12, markeredgewidth=1.4)), "black halo: changed hands this day"),
        ("zone:reported", Patch(facecolor="#999999", alpha=AREA_ALPHA, edgecolor="none"),
         "estimated area (reported control),\nfading towards the edge of its reach"),
        ("zone:inferred", Patch(facecolor="none", edgecolor="#666666", hatch="\\\\\\"), "estimated area (inferred control)"),
        ("zone:disputed", Patch(facecolor="#999999", alpha=AREA_ALPHA, edgecolor="#444444", hatch="//", linewidth=0),
         "contested / besieged area: holder's fill,\nchallenger's hatch"),
        ("front", Line2D([], [], **line_style("estimated_front")), "estimated front line"),
    ]
    for kind in ("breakout", "advance", "closest_approach", "road"):
        entries.append((f"route:{kind}", Line2D([], [], **line_style(kind)), LINE_WORDS[kind]))
    entries += [("line:river", Line2D([], [], **line_style("river")), LINE_WORDS["river"]),
                ("line:road", Line2D([], [], **line_style("road")), LINE_WORDS["road"]),
                ("line:border", Line2D([], [], **line_style("country_border")), LINE_WORDS["border"]),
                ("line:area", Patch(facecolor="none", edgecolor="#6b6b6b", linestyle=(0, (1, 2))), LINE_WORDS["area"])]
    if keys is None:
        keys = {key for key, _, _ in entries if not key.startswith(("route:", "line:", "unknown"))}
    keys = set(keys)
    if "route:road" in keys:  # a road route and a road of the dataset's ground look the same: one entry
        keys = (keys - {"route:road"}) | {"line:road"}
    return [(handle, text) for key, handle, text in entries if key in keys]


def draw_legend(fig: Figure, dataset: Any, anchor: tuple[float, float] = (0.5, 0.085), loc: str = "center",
                ncol: int = 3, fontsize: float = 7, keys: Iterable[str] | None = None,
                animated: bool = False) -> Legend:
    """The legend of what a picture draws (`keys`, see legend_entries) on `fig`."""
    listed = legend_entries(dataset, keys) if keys is None or keys else []
    # A map with nothing on it (a new, empty dataset) says so rather than showing an empty key.
    handles, labels = zip(*(listed or [(Line2D([], [], linestyle=""), "nothing recorded to draw")]))
    options: dict[str, Any] = {"loc": loc, "bbox_to_anchor": anchor, "ncol": max(min(len(handles), ncol), 1),
                               "columnspacing": 0.8, "handlelength": 1.8}
    legend = fig.legend(handles=handles, labels=labels, **options,
                        fontsize=fontsize, frameon=False, title="Control at the end of the day",
                        title_fontsize=fontsize + 0.5, alignment="left")
    legend.set_animated(animated)
    return legend


def draw_caption(fig: Figure, dataset: Any, y: float = 0.02, width: float = 0.96, fontsize: float = 6) -> Text:
    source = display_text(dataset.meta.get("source") or "the dataset's cited sources", limit=200)
    text = (f"Source: {source}. Control is at the end of the day. Shaded areas and front lines are estimated "
            f"(drawn around the places, not observed); names marked ≈ in the data have inferred positions. "
            f"Ground: {', '.join(context.credits())}. Made with jisrgeo.")
    # About 19 characters of 6-point text per inch.
    lines = textwrap.fill(text, width=int(fig.get_figwidth() * width * 19 * 6 / fontsize))
    return fig.text(0.02, y, lines, fontsize=fontsize, color="#444444", parse_math=False, va="bottom")


def draw_title(fig: Figure, dataset: Any, day: Any, y: float = 0.96, animated: bool = False) -> Text:
    return fig.text(0.02, y, f"{display_text(dataset.name, limit=90)}: {day.day} {day:%B %Y}", ha="left",
                    va="center", fontsize=11, fontweight="bold", parse_math=False, animated=animated)
