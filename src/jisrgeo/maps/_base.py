"""What every folium map shares: stable element ids, the base map, the legend, escaping."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import base64
import functools
import html
import json
import re
from pathlib import Path

import branca.element
import folium

from ..signatures import HTML_SIGNATURE
from .extent import map_extent
from ._text import display_text
from folium.template import Template

if TYPE_CHECKING:
    from ..dataset import Dataset

ZOOM = 11  # until the script fits the map to the places


def stable_ids(m: Any, prefix: str = "e") -> Any:
    """Give every element of the page `m` belongs to an id numbered in tree order, replacing branca's
    random ones (`_id`, which get_name() reads when the page is rendered). Nothing outside this page
    changes, so pages built at once in threads each get the same ids; two builds give byte-identical HTML.
    Layers are always given a name=, so no id is kept in a string before this runs."""
    # The map first: its id is the one the page's script names (map_e00000).
    elements = [m, *(e for e in _elements(m.get_root()) if e is not m)]
    for n, element in enumerate(elements):
        element._id = f"{prefix}{n:05d}"
    return m


class RawHTML(branca.element.Element):
    """Markup that is emitted as it is, never compiled as a template.

    branca's Element(text) compiles `text` as Jinja source, so data inside it would run as
    template code ({{ ... }}). Markup built from data (already escaped) goes through this instead.
    """

    def __init__(self, markup: object) -> None:
        super().__init__()
        self._name = "RawHTML"
        self.markup = str(markup)

    def render(self, **kwargs: Any) -> str:
        return self.markup


VENDOR = Path(__file__).parent / "vendor"
# Scripts and styles folium loads by default that our pages never use.
UNUSED_ASSETS = ("jquery", "bootstrap", "Leaflet.awesome-markers", "leaflet.awesome.rotate")


def _elements(element):
    """Every element under `element`, itself first, children in the order they were added (and a
    Figure's header, html and script sections)."""
    yield element
    for section in ("header", "html", "script"):
        if isinstance(getattr(element, section, None), branca.element.Element) and getattr(element, section) is not element:
            yield from _elements(getattr(element, section))
    for child in element._children.values():
        yield from _elements(child)


def use_vendored_assets(m: Any, prefix: object) -> None:
    """Point the page's scripts and styles at the vendored copies under `prefix` (e.g. '../vendor/'), or
    with prefix=INLINE embed them in the page as data: URLs: the page then works from a disk with no
    network. Unused defaults are dropped."""
    files = json.loads((VENDOR / "assets.json").read_text(encoding="utf-8"))["files"]
    styles = []

    own = {own_asset_url(relative): relative for relative in OWN_ASSETS}

    def local(url: str) -> str:  # prefix is a str (a folder URL) unless INLINE
        if url in own:
            return url if prefix is INLINE else cast(str, prefix) + own[url]
        if url not in files:
            return url
        return _data_url(files[url]) if prefix is INLINE else cast(str, prefix) + files[url]
    for element in _elements(m.get_root()):
        for attr in ("default_js", "default_css"):
            links = [(name, url) for name, url in getattr(element, attr, None) or []
                     if not any(word in url for word in UNUSED_ASSETS)]
            if prefix is INLINE and attr == "default_css":  # stylesheets go in the page as text
                styles += [_stylesheet(files[url]) for _, url in links if url in files]
                links = [(name, url) for name, url in links if url not in files]
            if getattr(element, attr, None):
                setattr(element, attr, [(name, local(url)) for name, url in links])
    for n, css in enumerate(dict.fromkeys(styles)):
        m.get_root().header.add_child(RawHTML(f"<style>{css}</style>"), name=f"jg_vendor_css_{n}")


# to_html(m, vendor=INLINE): one self-contained file (`jisrgeo map -o`), about 0.8 MB more than a linked page.
INLINE = object()
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2", ".png": "image/png"}


# Fonts a self-contained page embeds: the solid and regular icon sets. The brand logos are never drawn.
EMBEDDED_FONTS = ("fa-solid-900.woff2", "fa-regular-400.woff2", "fa-v4compatibility.woff2")


@functools.cache
def _data_url(relative):
    """A vendored file as a base64 data: URL."""
    path = VENDOR / relative
    return f"data:{MEDIA_TYPES[path.suffix]};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@functools.cache
def _stylesheet(relative):
    """A vendored stylesheet's text, with the icon fonts and images it uses embedded as data: URLs.

    Only a file's first use is embedded: Font Awesome's later @font-face rules repeat the solid font for
    its version 4 family names, which our icons (Font Awesome 6 Free) do not use.
    """
    path = VENDOR / relative
    seen = set()

    def embed(match: re.Match[str]) -> str:
        target = (path.parent / match.group(2)).resolve()
        if (target.name in EMBEDDED_FONTS or target.suffix == ".png") and target not in seen:
            seen.add(target)
            if target.is_relative_to(VENDOR.resolve()) and target.is_file():
                return f"url({_data_url(target.relative_to(VENDOR.resolve()).as_posix())})"
        return match.group(0)
    return re.sub(r"url\((['\"]?)([^)'\"?#]+)[^)'\"]*\1\)", embed, path.read_text(encoding="utf-8"))


def vendored_files() -> list[tuple[str, Path]]:
    """(path under vendor/, absolute path) of every vendored file, for a build to copy."""
    return [(p.relative_to(VENDOR).as_posix(), p) for p in sorted(VENDOR.rglob("*"))
            if p.is_file() and p.name != "assets.json"] + sorted(OWN_ASSETS.items())


def to_html(m: Any, vendor: object = None) -> str:
    """The page's HTML; elements folium adds while rendering get stable ids too.

    vendor: a relative URL prefix to the vendored scripts and styles, INLINE to embed them in the page,
    or None for folium's CDN links.
    """
    if vendor is not None:
        use_vendored_assets(m, vendor)
    return stable_ids(m).get_root().render()


def esc_attr(value: object) -> str:
    """Data text made safe for an attribute or <title>: escaped, control characters replaced, long text cut."""
    return html.escape(display_text(value), quote=True)


def esc(value: object) -> str:
    """Data text for HTML content: as esc_attr, and isolated in <bdi> so right-to-left text
    or stray direction marks cannot reorder the page around it."""
    text = esc_attr(value)
    return f"<bdi>{text}</bdi>" if text else ""


# The pages' own script and stylesheet (markup lives in these files; data reaches them only as JSON).
OWN_ASSETS = {"jisrgeo/jisrgeo.js": Path(__file__).parent / "jisrgeo.js",
              "jisrgeo/jisrgeo.css": Path(__file__).parent / "jisrgeo.css"}


def own_asset_url(relative: str) -> str:
    """Our script or stylesheet as a data: URL: a page works as it is (a notebook, one file) until
    to_html points it at the vendored copy."""
    path = OWN_ASSETS[relative]
    return f"data:{MEDIA_TYPES[path.suffix]};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


class ViewerMap(folium.Map):
    """folium's Map with a viewport the reader may zoom, and no page styles of its own (jisrgeo.css has them)."""

    _template = Template("""
{% macro header(this, kwargs) %}
<meta name="viewport" content="width=device-width, initial-scale=1">
{% endmacro %}
{% macro html(this, kwargs) %}
<div class="folium-map" id={{ this.get_name()|tojson }}></div>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {center: {{ this.location|tojson }},
    crs: L.CRS.{{ this.crs }}, ...{{ this.options|tojavascript }}});
{%- if this.control_scale %}
L.control.scale().addTo({{ this.get_name() }});
{%- endif %}
{% endmacro %}
""")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_js = [*self.default_js, ("jisrgeo_js", own_asset_url("jisrgeo/jisrgeo.js"))]
        self.default_css = [*self.default_css, ("jisrgeo_css", own_asset_url("jisrgeo/jisrgeo.css"))]


def base_map(dataset: Dataset, title: str) -> ViewerMap:
    """The page's map, opened near the battle (jisrgeo.js then fits it to the places and the screen)."""
    x0, y0, x1, y1 = map_extent(dataset)
    m = ViewerMap(location=((y0 + y1) / 2, (x0 + x1) / 2), zoom_start=ZOOM, control_scale=True, tiles=None, zoom_snap=0.1)
    root: Any = m.get_root()  # a branca Figure
    head = root.header
    head.add_child(RawHTML(f"{HTML_SIGNATURE}<title>{esc_attr(title)}</title>"), name="jg_title")
    return m


PAGE_STYLE_INDEX = """<style>
body {font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; padding: 0 1em;}
table {border-collapse: collapse; width: 100%;} td, th {border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left;}
td:first-child {white-space: nowrap;}
</style>"""
