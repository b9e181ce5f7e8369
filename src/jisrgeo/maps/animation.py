"""The animated map: the day viewer's script with a time slider that plays the period day by day.

Its ticks scale with the period (days, weeks, months, quarters or years) and mark the days when a
place changed hands or status (tall) and the days with events (short); see buildSlider in jisrgeo.js.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .day import viewer_page

if TYPE_CHECKING:
    import folium

    from ..dataset import Dataset


def animated_map(dataset: Dataset, index_href: str | None = None, data_src: str | None = None) -> folium.Map:
    """A map whose time slider plays control changes and events day by day (a folium.Map)."""
    return viewer_page(dataset, "animated", None, data_src, index_href, f"{dataset.name}: animated control map")
