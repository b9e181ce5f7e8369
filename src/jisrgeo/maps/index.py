"""index.html: the period at a glance, with the animated map linked first (templates/index.html)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..signatures import HTML_SIGNATURE
from ._base import PAGE_STYLE_INDEX
from ._days import shifts, shown_on
from ._templates import render

if TYPE_CHECKING:
    from ..dataset import Dataset


def index_page(dataset: Dataset, days: Iterable[Any], day_href: Callable[[str], str], animated_href: str,
               png_href: str | None = None, data_href: str | None = None, gif_href: str | None = None,
               png_day_href: Callable[[str], str] | None = None, changes: list[Any] | None = None,
               screen_png_href: str | None = None, portrait_gif_href: str | None = None) -> str:
    """Static HTML: a table of days with their control changes and events, linking each day's map.
    changes: shifts(dataset) when the caller has them already."""
    start, end = dataset.period
    shown = shown_on(dataset.events).value_counts()  # counted on the day each event's map shows it
    by_day: dict[Any, tuple[list[Any], list[Any]]] = {}
    for day, _, name, handover, words, _ in (shifts(dataset) if changes is None else changes):  # the viewer's wording
        by_day.setdefault(day, ([], []))[0 if handover else 1].append((name, words))
    rows = []
    for day in days:
        key = day.strftime("%Y-%m-%d")
        hands, status = by_day.get(day, ([], []))
        rows.append({"key": key, "href": day_href(key), "png": png_day_href(key) if png_day_href else None,
                     "what": [(title, items) for title, items in (("Changed hands", hands), ("Status", status)) if items],
                     "events": int(shown.get(day, 0))})
    extra = [(label, href) for label, href in (
        ("Key days (PNG, for print)", png_href), ("Key days (PNG, for screens)", screen_png_href),
        ("Animation of the day maps (GIF)", gif_href), ("Animation for phones (GIF, portrait)", portrait_gif_href),
        ("Data exports (GeoPackage, GeoJSON, CSV)", data_href)) if href]
    return render("index.html", signature=Markup(HTML_SIGNATURE), style=Markup(PAGE_STYLE_INDEX), name=dataset.name,
                  source=dataset.meta.get("source"), animated_href=animated_href, extra=extra, places=len(dataset.places),
                  events=len(dataset.events), changes=len(dataset.changes()), start=f"{start:%Y-%m-%d}",
                  end=f"{end:%Y-%m-%d}", days=rows) + "\n"
