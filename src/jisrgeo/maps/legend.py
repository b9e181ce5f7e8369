"""The key to a static map: the legend of the sides and marks, the caption with the source, the title."""

import textwrap

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..style import CHANGED_MARK as CHANGED_EDGE
from ..style import FILL_ALPHA as AREA_ALPHA
from . import context
from ._text import display_text
from .ground import line_style


def _plain(text):
    """Legend text shown as written: a '$' would start TeX in matplotlib."""
    return display_text(text, limit=40).replace("$", r"\$")


def draw_legend(fig, dataset, anchor=(0.5, 0.085), loc="center", ncol=3, fontsize=7):
    def marker(face="#ffffff", edge="#222222", **style):
        return Line2D([], [], marker="o", linestyle="", markerfacecolor=face, markeredgecolor=edge, **style)

    grey = marker("#999999")
    entries = [(marker(side.color), _plain(side.label)) for side in dataset.sides.values()]
    entries += [
        (marker(edge="#444444", markeredgewidth=2), "ring: besieged / contested by (ring colour)"),
        ((grey, marker("white", "white", markersize=3)), "white centre: inferred, or date in doubt"),
        ((grey, marker("none", CHANGED_EDGE, markersize=12, markeredgewidth=1.4)), "black halo: changed hands this day"),
        (Patch(facecolor="#999999", alpha=AREA_ALPHA, edgecolor="none"),
         "estimated area (reported control),\nfading towards the edge of its reach"),
        (Patch(facecolor="none", edgecolor="#666666", hatch="\\\\\\"), "estimated area (inferred control)"),
        (Patch(facecolor="#999999", alpha=AREA_ALPHA, edgecolor="#444444", hatch="//", linewidth=0),
         "contested / besieged area: holder's fill,\nchallenger's hatch"),
        (Line2D([], [], **line_style("estimated_front")), "estimated front line"),
    ]
    handles, labels = zip(*entries)
    fig.legend(handles=handles, labels=labels, loc=loc, bbox_to_anchor=anchor, ncol=min(len(handles), ncol),
               fontsize=fontsize, frameon=False, title="Control at the end of the day", title_fontsize=fontsize + 0.5,
               alignment="left")


def draw_caption(fig, dataset, y=0.02, width=0.96, fontsize=6):
    source = display_text(dataset.meta.get("source") or "the dataset's cited sources", limit=200)
    text = (f"Source: {source}. Control is at the end of the day. Shaded areas and front lines are estimated "
            f"(drawn around the places, not observed); names marked ≈ in the data have inferred positions. "
            f"Ground: {', '.join(context.credits())}. Made with jisrgeo.")
    # About 19 characters of 6-point text per inch.
    lines = textwrap.fill(text, width=int(fig.get_figwidth() * width * 19 * 6 / fontsize))
    fig.text(0.02, y, lines, fontsize=fontsize, color="#444444", parse_math=False, va="bottom")


def draw_title(fig, dataset, day, y=0.96, animated=False):
    return fig.text(0.02, y, f"{display_text(dataset.name, limit=90)}: {day.day} {day:%B %Y}", ha="left",
                    va="center", fontsize=11, fontweight="bold", parse_math=False, animated=animated)
