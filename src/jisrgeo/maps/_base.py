"""What every folium map shares: stable element ids, the base map, the legend, escaping."""

import base64
import contextlib
import functools
import html
import itertools
import json
import re
from pathlib import Path

import branca.element
import folium

from ..output import HTML_SIGNATURE
from ._extent import map_extent
from ._text import display_text
from ..style import STATUS_LABELS, UNKNOWN_COLOR

CENTER = (35.82, 36.45)  # between Jisr al-Shughur and Ariha
ZOOM = 11


@contextlib.contextmanager
def stable_ids(prefix="e"):
    """Replace branca's random element ids with a counter while a map is built.

    Ids are fixed when an element is created, so the patch must cover construction
    and rendering; two builds then give byte-identical HTML.
    """
    counter = itertools.count()
    original = branca.element.Element.__dict__["_generate_id"]
    branca.element.Element._generate_id = classmethod(lambda cls: f"{prefix}{next(counter):05d}")
    try:
        yield
    finally:
        branca.element.Element._generate_id = original


class RawHTML(branca.element.Element):
    """Markup that is emitted as it is, never compiled as a template.

    branca's Element(text) compiles `text` as Jinja source, so data inside it would run as
    template code ({{ ... }}). Markup built from data (already escaped) goes through this instead.
    """

    def __init__(self, markup):
        super().__init__()
        self._name = "RawHTML"
        self.markup = str(markup)

    def render(self, **kwargs):
        return self.markup


VENDOR = Path(__file__).parent / "vendor"
# Scripts and styles folium loads by default that our pages never use.
UNUSED_ASSETS = ("jquery", "bootstrap", "Leaflet.awesome-markers", "leaflet.awesome.rotate")


def _elements(element):
    yield element
    for child in element._children.values():
        yield from _elements(child)


def use_vendored_assets(m, prefix):
    """Point the page's scripts and styles at the vendored copies under `prefix` (e.g. '../vendor/'), or
    with prefix=INLINE embed them in the page as data: URLs: the page then works from a disk with no
    network. Unused defaults are dropped."""
    files = json.loads((VENDOR / "assets.json").read_text(encoding="utf-8"))["files"]
    styles = []

    def local(url):
        if url not in files:
            return url
        return _data_url(files[url]) if prefix is INLINE else prefix + files[url]
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
MEDIA_TYPES = {".js": "text/javascript", ".woff2": "font/woff2", ".png": "image/png"}


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

    def embed(match):
        target = (path.parent / match.group(2)).resolve()
        if (target.name in EMBEDDED_FONTS or target.suffix == ".png") and target not in seen:
            seen.add(target)
            if target.is_relative_to(VENDOR.resolve()) and target.is_file():
                return f"url({_data_url(target.relative_to(VENDOR.resolve()).as_posix())})"
        return match.group(0)
    return re.sub(r"url\((['\"]?)([^)'\"?#]+)[^)'\"]*\1\)", embed, path.read_text(encoding="utf-8"))


def vendored_files():
    """(path under vendor/, absolute path) of every vendored file, for a build to copy."""
    return [(p.relative_to(VENDOR).as_posix(), p) for p in sorted(VENDOR.rglob("*"))
            if p.is_file() and p.name != "assets.json"]


def to_html(m, vendor=None):
    """The page's HTML; elements folium adds while rendering get stable ids too.

    vendor: a relative URL prefix to the vendored scripts and styles, INLINE to embed them in the page,
    or None for folium's CDN links.
    """
    if vendor is not None:
        use_vendored_assets(m, vendor)
    with stable_ids(prefix="r"):
        return m.get_root().render()


def esc_attr(value):
    """Data text made safe for an attribute or <title>: escaped, control characters replaced, long text cut."""
    return html.escape(display_text(value), quote=True)


def esc(value):
    """Data text for HTML content: as esc_attr, and isolated in <bdi> so right-to-left text
    or stray direction marks cannot reorder the page around it."""
    text = esc_attr(value)
    return f"<bdi>{text}</bdi>" if text else ""


# Pixels kept clear around the battle when a map opens: (top-left, bottom-right) padding.
# A day map has its summary panel top left; the animated map its legend top right and slider below.
DAY_PADDING = ((350, 10), (10, 10))
ANIMATED_PADDING = ((10, 10), (290, 100))


def base_map(dataset, title, padding=DAY_PADDING):
    x0, y0, x1, y1 = map_extent(dataset)
    # Quarter zoom steps: the battle fills the space the panels leave instead of dropping a whole level.
    m = folium.Map(location=((y0 + y1) / 2, (x0 + x1) / 2), control_scale=True, tiles=None, zoom_snap=0.25)
    m.fit_bounds([[y0, x0], [y1, x1]], padding_top_left=padding[0], padding_bottom_right=padding[1])
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False).add_to(m)
    head = m.get_root().header
    head.add_child(RawHTML(f"{HTML_SIGNATURE}<title>{esc_attr(title)}</title>"), name="jg_title")
    head.add_child(RawHTML(PAGE_CSS), name="jg_css")
    return m


PAGE_CSS = """<style>
html .leaflet-container {background: #d6e4ee;}  /* the sea, where no tile covers it */
.jg-panel {position: fixed; z-index: 650; background: rgba(255,255,255,0.95); padding: 8px 10px;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,0.4); font: 13px/1.35 system-ui, sans-serif;}
.jg-legend {bottom: 30px; right: 10px; max-width: 260px;}
.jg-legend.jg-top {bottom: auto; top: 10px;}
.jg-summary {top: 10px; left: 55px; max-width: 340px; max-height: 70vh; overflow-y: auto;}
.jg-summary h2 {font-size: 16px; margin: 0 0 4px 0;}
.jg-summary h3 {font-size: 13px; margin: 6px 0 2px 0;}
.jg-summary ul {margin: 0; padding-left: 16px;}
.jg-nav a {margin-right: 8px;}
.jg-swatch {display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin-right: 5px; vertical-align: middle;}
.jg-event-icon {background: white; border-radius: 11px; border: 1px solid #444; width: 22px; height: 22px;
  text-align: center; line-height: 20px; font-size: 12px;}
.jg-popup {font: 12px/1.35 system-ui, sans-serif; max-width: 320px; overflow-wrap: anywhere;}
.leaflet-tooltip.jg-label {background: rgba(255,255,255,0.8); border: none; box-shadow: none; padding: 0 3px;
  font: 600 11px/1.3 system-ui, sans-serif; color: #222;}
.leaflet-tooltip.jg-label::before {display: none;}
.leaflet-tooltip.jg-label-inferred {font-style: italic; font-weight: 400;}
.jg-popup h4 {font-size: 14px; margin: 0 0 4px 0;}
.jg-popup ol {padding-left: 18px; margin: 2px 0;}
</style>"""


def legend_html(dataset, extra="", top=False):
    """The key: the dataset's sides in their colours, then what rings mean."""
    rows = "".join(f'<div><span class="jg-swatch" style="background:{esc_attr(side.color)}"></span>{esc(side.label)}</div>'
                   for side in dataset.sides.values())
    rows += f'<div><span class="jg-swatch" style="background:{UNKNOWN_COLOR}"></span>no control recorded</div>'
    statuses = "".join(f"<div>{esc(text)}</div>" for text in STATUS_LABELS.values())
    statuses += ('<div><span class="jg-swatch" style="background:#999;opacity:.4"></span>'
                 "paler: control inferred by us, or its date known only within a range</div>"
                 "<div><i>≈ Name</i>: position inferred (hover: its radius of doubt)</div>"
                 '<div><span class="jg-swatch" style="background:#999;opacity:.35;border-radius:0"></span>'
                 "estimated area around each place (derived, not observed)</div>"
                 '<div><span class="jg-swatch" style="background:#222;height:3px;border-radius:0"></span>'
                 "estimated front line</div>")
    position = " jg-top" if top else ""
    return (f'<div class="jg-panel jg-legend{position}"><b>Control at the end of the day</b>{rows}'
            f'<div style="margin-top:4px">{statuses}</div>{extra}</div>')


def add_html(m, markup):
    m.get_root().html.add_child(RawHTML(markup))


PAGE_STYLE_INDEX = """<style>
body {font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; padding: 0 1em;}
table {border-collapse: collapse; width: 100%;} td, th {border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left;}
td:first-child {white-space: nowrap;}
</style>"""
