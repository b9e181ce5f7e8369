"""The day viewer: one page that shows any day of the period (#YYYY-MM-DD in its URL).

The page holds no day of its own: jisrgeo.js draws the chosen day from the tables in places.js
(see _places.py and _days.py), with previous/next, the arrow keys and a date picker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from branca.element import MacroElement
from folium.template import Template

from ._base import RawHTML, base_map, esc_attr, stable_ids
from ._places import payload_js
from ._states import to_js

if TYPE_CHECKING:
    import folium

    from ..dataset import Dataset

VIEWER_HTML = "day.html"


class Viewer(MacroElement):
    """Starts jisrgeo.js on the page's map with the page's options (JG_PAGE, a JSON script in the head).

    folium compiles what a MacroElement renders as Jinja, so no data reaches this template: only the map's name.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
jgStart({{ this._parent.get_name() }}, JG_PAGE);
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "Viewer"


def viewer_page(dataset: Dataset, mode: str, date: str | None = None, data_src: str | None = None,
                index_href: str | None = None, title: str | None = None) -> folium.Map:
    """A folium.Map driven by jisrgeo.js: mode 'day' (the viewer) or 'animated' (the slider)."""
    m = base_map(dataset, title or dataset.name)
    root: Any = m.get_root()  # a branca Figure
    head = root.header
    if data_src:
        head.add_child(RawHTML(f'<script src="{esc_attr(data_src)}"></script>'), name="jg_data")
    else:
        head.add_child(RawHTML(f"<script>{payload_js(dataset)}</script>"), name="jg_data")
    options = {"mode": mode, "date": date, "index": index_href}
    head.add_child(RawHTML(f"<script>var JG_PAGE = {to_js(options)};</script>"), name="jg_page")
    Viewer().add_to(m)
    return stable_ids(m)


def day_map(dataset: Dataset, date: object = None, data_src: str | None = None, index_href: str | None = None) -> folium.Map:
    """The day viewer opened on `date` (default: the period's first day), as a folium.Map (shows inline
    in a notebook). Any other day is a click away; the URL's #YYYY-MM-DD wins over `date`.

    data_src: URL of a shared places.js (as `jisrgeo build` writes); default: tables inline.
    """
    key = f"{dataset.day(date):%Y-%m-%d}" if date is not None else None
    title = f"{dataset.name}, {key}" if key else dataset.name
    return viewer_page(dataset, "day", key, data_src, index_href, title)


def redirect_stub(dataset: Dataset, key: str, viewer_href: str) -> str:
    """A small page at an old per-day URL (days/YYYY-MM-DD.html) that sends the reader to the viewer."""
    from ..signatures import HTML_SIGNATURE

    target = f"{viewer_href}#{key}"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">{HTML_SIGNATURE}'
            f"<title>{esc_attr(dataset.name)}, {key}</title>"
            f'<meta http-equiv="refresh" content="0; url={target}"><link rel="canonical" href="{target}">'
            f"<script>location.replace({to_js(target)});</script></head>"
            f'<body><p>This day\'s map is at <a href="{target}">{target}</a>.</p></body></html>\n')
