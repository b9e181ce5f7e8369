"""Places drawn in the browser from compact tables, shared by the day maps and the animated map.

Static facts about places (names, positions, popups, control changes, sources) are written
once; a day map then carries only two small numbers per place (its style and the change that
produced its state), and the animated map one small record per control interval. That keeps
pages small at war scale: 8,000 places cost a few bytes each per day, not a copy of the data.
"""

import json

from branca.element import MacroElement
from folium.template import Template

from ..schema import STATUSES
from ..style import UNKNOWN_COLOR
from ._base import RawHTML, esc, esc_attr
from ._extent import map_extent
from .context import html_polygons

PLACES_JS = "places.js"
# Pan popups clear of the summary panel (top left) and the legend (bottom right).
POPUP_PADDING = {"autoPanPaddingTopLeft": [410, 20], "autoPanPaddingBottomRight": [280, 20]}

LIBRARY = """
function jgPopup(i, c) {
  var ch = JG.changes[c], html = JG.popups[i].replace('@STATE@', JG.stateText[ch[0]] + (ch[1] ? ', since ' + ch[1] : ', since the start of the period')
    + (ch[2] & 1 ? ' (inferred by us, not stated by a source)' : '') + (ch[2] & 2 ? ' (date known only within a range)' : ''));
  var refs = JG.placeRefs[i].concat(ch[3]).filter(function(r, k, all) { return all.indexOf(r) === k; }).sort(function(a, b) { return a - b; });
  return html.replace('@SOURCES@', refs.map(function(r) { return '<li>' + JG.sources[r] + '</li>'; }).join(''));
}
function jgMarker(i, k, c, latlng) {
  var s = JG.styles[k], here = latlng || [JG.coords[i][1], JG.coords[i][0]];
  // What we deduced is drawn paler than what a source states: an inferred state or a date known only as a range.
  var uncertain = c >= 0 && JG.changes[c][2] > 0;
  var m = L.circleMarker(here, {radius: s.radius, color: s.color, weight: s.weight, dashArray: s.dash, fillColor: s.fill,
    fillOpacity: uncertain ? s.opacity * 0.45 : s.opacity,
    className: 'jg-place place-' + JG.ids[i] + ' controller-' + s.side + (uncertain ? ' jg-uncertain' : '')
      + (JG.doubt[i] ? ' jg-inferred-position' : '')});
  m.bindTooltip(JG.names[i] + (JG.doubt[i] ? ' (position inferred, ±' + JG.doubt[i] + ' m)' : ''));
  if (JG.doubt[i]) {  // a position we placed by inference shows its radius of doubt on hover
    var doubt = L.circle(here, {radius: JG.doubt[i], color: '#444444', weight: 1, dashArray: '4 4', fill: false,
                                interactive: false, className: 'jg-doubt'});
    m.on('mouseover', function() { doubt.addTo(m._map); }).on('mouseout', function() { doubt.remove(); });
  }
  if (c >= 0) { m.bindPopup(jgPopup(i, c), POPUP_OPTIONS); } else { m.bindPopup(JG.popups[i].replace('@STATE@', 'no control recorded').replace('@SOURCES@', JG.placeRefs[i].map(function(r) { return '<li>' + JG.sources[r] + '</li>'; }).join('')), POPUP_OPTIONS); }
  return m;
}
// Natural Earth land and borders in a pane below the tiles: the map's ground when offline, hidden by the tiles online.
function jgContext(map) {
  if (!JG.context.length) { return; }
  map.createPane('jgContext').style.zIndex = 150;
  L.polygon(JG.context, {pane: 'jgContext', interactive: false, color: '#8c8378', weight: 1.2, fillColor: '#f2efe8',
                         fillOpacity: 1, className: 'jg-context'}).addTo(map);
}
function jgDrawPlaces(group, states) {
  for (var i = 0; i < states.length; i++) { jgMarker(i, states[i][0], states[i][1]).addTo(group); }
}
// Permanent labels, most important first (the day's changes, then cities, towns, bases, villages...);
// a label that would cover one already shown waits for a closer zoom.
function jgLabels(map, changed) {
  var labels = [];
  for (var i = 0; i < JG.ids.length; i++) {
    var rank = changed.indexOf(i) >= 0 ? -1 : JG.ranks[i];
    if (rank < 0 || rank <= 8) {
      var t = L.tooltip({permanent: true, direction: 'right', offset: [7, 0], interactive: false,
                         className: 'jg-label label-' + JG.ids[i] + (JG.doubt[i] ? ' jg-label-inferred' : '')})
        .setLatLng([JG.coords[i][1], JG.coords[i][0]]).setContent((JG.doubt[i] ? '≈ ' : '') + JG.names[i]);
      labels.push({tip: t, rank: rank, i: i});
    }
  }
  labels.sort(function(a, b) { return a.rank - b.rank || a.i - b.i; });
  labels.forEach(function(l) { l.tip.addTo(map); });
  function declutter() {
    var shown = [];
    labels.forEach(function(l) {
      var el = l.tip.getElement();
      if (!el) { return; }
      el.style.visibility = 'visible';
      var r = el.getBoundingClientRect();
      var clash = shown.some(function(s) { return r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top; });
      if (clash) { el.style.visibility = 'hidden'; } else { shown.push(r); }
    });
  }
  map.on('zoomend moveend', declutter);
  declutter();
}
function jgArea(i, k) {
  var c = JG.cells[i], s = JG.styles[k];
  if (!c || !s.controller) { return null; }
  var ring = s.challenger ? JG.sideColors[s.challenger] : null;
  var area = L.polygon(c, {stroke: !!ring, color: ring || s.fill, weight: 2.5, dashArray: '6 4', fillColor: s.fill,
                           fillOpacity: 0.22, className: 'jg-area area-' + JG.ids[i] + ' controller-' + s.side});
  area.bindTooltip('Estimated area: ' + JG.stateText[k] + ', around ' + JG.names[i]);
  area.bindPopup('<div class="jg-popup"><h4>Estimated area (derived, not observed)</h4><div>' + JG.stateText[k]
    + '</div><div>Defined by: ' + JG.names[i] + '</div><div><i>' + JG.areaMethod + '</i></div></div>', POPUP_OPTIONS);
  return area;
}
function jgDrawAreas(group, states) {
  for (var i = 0; i < states.length; i++) { var a = jgArea(i, states[i][0]); if (a) { a.addTo(group); } }
}
function jgFront(e) {
  var edge = JG.edges[e];
  return L.polyline(edge[2], {color: '#222222', weight: 3.5, opacity: 0.9, className: 'jg-front'})
    .bindTooltip('Estimated front line between ' + JG.names[edge[0]] + ' and ' + JG.names[edge[1]]);
}
function jgDrawFronts(group, fronts) { fronts.forEach(function(e) { jgFront(e).addTo(group); }); }
function jgDrawEvents(today, earlier, day) {
  day.today.forEach(function(e) {
    var t = day.types[e[2]];
    var icon = L.divIcon({html: '<div class="jg-event-icon"><i class="fa fa-' + t[0] + '" style="color:' + t[1] + '"></i></div>',
                          iconSize: [22, 22], iconAnchor: [11 - e[4], 11 - e[5]], className: 'jg-event jg-event-' + t[3]});
    L.marker([e[0], e[1]], {icon: icon}).bindTooltip(t[2]).bindPopup(day.popups[e[3]], POPUP_OPTIONS).addTo(today);
  });
  day.earlier.forEach(function(e) {
    L.circleMarker([e[0], e[1]], {radius: 4, color: '#666666', weight: 1, fillColor: '#999999', fillOpacity: 0.4,
                                  className: 'jg-earlier-event'}).bindPopup(day.popups[e[2]], POPUP_OPTIONS).addTo(earlier);
  });
}
function jgDrawRoutes(group, routes) {
  routes.forEach(function(r) {
    L.polyline(r[0], {color: r[1], weight: r[2], dashArray: r[3], opacity: 0.9, className: 'jg-route route-' + r[6]})
      .bindTooltip(r[4]).bindPopup(r[5], POPUP_OPTIONS).addTo(group);
  });
}
""".replace("POPUP_OPTIONS", json.dumps({"maxWidth": 340, **POPUP_PADDING}))


def place_style(state, vocabulary):
    """CircleMarker options for a place's state: fill = controller, ring = challenger."""
    controller, status = state.get("controller"), state.get("status")
    if not isinstance(controller, str):
        return {"radius": 5, "color": "#555555", "weight": 1, "fill_color": UNKNOWN_COLOR, "fill_opacity": 0.6}
    style = {"radius": 8, "color": "#222222", "weight": 1.5, "fill_color": vocabulary.color(controller), "fill_opacity": 0.9}
    if status == "besieged":
        style.update(color=vocabulary.color(state.get("challenger")), weight=5, radius=9)
    elif status == "contested":
        style.update(color=vocabulary.color(state.get("challenger")), weight=4, dash_array="4 3", radius=9)
    return style


def to_js(value):
    """JSON for a <script>: compact, and '<' escaped so no data can close the script element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def ints(values):
    """A list of reference numbers (none where the data has none)."""
    return [int(v) for v in values] if isinstance(values, (list, tuple)) or hasattr(values, "tolist") else []


class StateStyles:
    """Every (controller, status, challenger) a dataset's sides allow, numbered: pages carry the number."""

    def __init__(self, vocabulary):
        self.vocabulary = vocabulary
        sides = list(vocabulary.sides)
        self.keys = [(None, None, None)]
        for side in sides:
            for status in STATUSES:
                challengers = [None] if status == "held" else [s for s in sides if s != side]
                self.keys += [(side, status, c) for c in challengers]
        self._index = {key: i for i, key in enumerate(self.keys)}

    def index(self, controller, status, challenger):
        clean = lambda v: v if isinstance(v, str) else None  # noqa: E731
        return self._index.get((clean(controller), clean(status), clean(challenger)), 0)

    def styles(self):
        out = []
        for controller, status, challenger in self.keys:
            s = place_style({"controller": controller, "status": status, "challenger": challenger}, self.vocabulary)
            out.append({"radius": s["radius"], "color": s["color"], "weight": s["weight"], "dash": s.get("dash_array"),
                        "fill": s["fill_color"], "opacity": s["fill_opacity"], "side": controller or "none",
                        "controller": controller, "challenger": challenger})
        return out

    def text(self, controller, status, challenger):
        if controller is None:
            return "no control recorded"
        label = self.vocabulary.label
        return esc(f"{label(controller)}, {status}" + (f" (challenged by {label(challenger)})" if challenger else ""))


def _metres(value):
    return f"{value:.0f}" if isinstance(value, (int, float)) and value == value else "?"


def _static_popup(place):
    aliases = ", ".join(a for a in place["aliases"] if isinstance(a, str)) if isinstance(place["aliases"], (list, tuple)) else ""
    return (f'<div class="jg-popup"><h4>{esc(place["name"])}</h4><div><i>{esc(aliases)}</i></div>'
            f"<div>{esc(place['kind'])}, {esc(place['governorate'])}</div><div><b>Control:</b> @STATE@</div>"
            f"<div><b>Location:</b> ±{esc(_metres(place['precision_m']))} m, {esc(place['location_source'])}</div>"
            f"<div>{esc(place['note'])}</div><b>Sources</b><ol>@SOURCES@</ol></div>")


def payload(dataset):
    """The shared tables: places, styles, state texts, control changes and source labels."""
    places = dataset.places
    changes = dataset.control_changes
    since = changes["effective"].dt.strftime("%Y-%m-%d").astype(object).where(changes["effective"].notna(), None)
    sources = {int(r): label for r, label in zip(dataset.sources["ref"], dataset.source_labels(dataset.sources["ref"]))}
    states = StateStyles(dataset.vocabulary)
    return {
        "ids": list(places["place_id"]),
        "names": [esc(n) for n in places["name"]],
        "coords": [[round(p.x, 6), round(p.y, 6)] for p in places.geometry],
        "popups": [_static_popup(p) for _, p in places.iterrows()],
        "placeRefs": [ints(refs) for refs in places["refs"]],
        "styles": states.styles(),
        "stateText": [states.text(*key) for key in states.keys],
        # Each change: state key, since (ISO day or null), flags (1 inferred, 2 date only a range), refs.
        "changes": [[states.index(c, s, ch), d, int(b == "inferred") + 2 * int(p == "range"), ints(refs)]
                    for c, s, ch, d, b, p, refs in zip(changes["controller"], changes["status"], changes["challenger"],
                                                       since, changes["basis"], changes["date_precision"], changes["refs"])],
        # Radius of doubt of positions placed by inference (0: taken from a gazetteer or a source).
        "doubt": [int(p) if isinstance(src, str) and src.startswith("inferred") and p == p else 0
                  for p, src in zip(places["precision_m"], places["location_source"])],
        "sources": {r: esc(label) for r, label in sources.items()},
        "context": html_polygons(map_extent(dataset)),
        "ranks": [LABEL_RANKS.get(kind, DEFAULT_LABEL_RANK) for kind in places["kind"]],
        **area_tables(dataset),
    }


# Which labels win a crowded map: lower first. A governorate names a region, not a point: no label.
LABEL_RANKS = {"city": 0, "town": 1, "airbase": 2, "military_base": 2, "hospital": 3, "village": 4, "checkpoint": 5,
               "hill": 6, "area": 7, "governorate": 99}
DEFAULT_LABEL_RANK = 4


# Cells and front edges are drawn in the browser at this many decimals (about 10 m).
AREA_DECIMALS = 4


def _latlngs(geometry):
    """Leaflet [lat, lng] rings of a polygon or the parts of a line, rounded."""
    import shapely

    out = []
    for part in shapely.get_parts(geometry):
        rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
        out += [[[round(y, AREA_DECIMALS), round(x, AREA_DECIMALS)] for x, y in ring.coords] for ring in rings]
    return out


def area_tables(dataset):
    """The estimated areas' fixed parts: each place's cell, each shared edge, and the side colours."""
    from ..areas import METHOD

    cells = dataset.cells.set_index("place_id")["geometry"]
    index = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    return {
        "cells": [(_latlngs(cells[p]) or None) if p in cells.index else None for p in dataset.places["place_id"]],
        "edges": [[index[a], index[b], _latlngs(g)] for a, b, g in dataset._neighbours[["a", "b", "geometry"]].itertuples(index=False)],
        "sideColors": {code: side.color for code, side in dataset.sides.items()},
        "areaMethod": esc(METHOD),
    }


def edge_rows(dataset):
    """Row number in payload()['edges'] of each (a, b) pair of neighbouring places."""
    return {(a, b): i for i, (a, b) in enumerate(zip(dataset._neighbours["a"], dataset._neighbours["b"]))}


def day_fronts(dataset, day):
    """Indices of the edges that are front lines at the end of `day`."""
    controller = dataset.control(day).set_index("place_id")["controller"]
    pairs = dataset._neighbours
    a, b = pairs["a"].map(controller), pairs["b"].map(controller)
    opposed = dataset.vocabulary.opposed
    return [int(i) for i, x, y in zip(pairs.index, a, b) if opposed(x if isinstance(x, str) else None,
                                                                     y if isinstance(y, str) else None)]


def payload_js(dataset):
    """The shared tables and the functions that draw from them: places.js, loaded once for all pages."""
    return f"var JG = {to_js(payload(dataset))};\n{LIBRARY}"


def change_rows(dataset):
    """Row number in payload()['changes'] of each (place_id, seq)."""
    changes = dataset.control_changes
    return {(p, q): i for i, (p, q) in enumerate(zip(changes["place_id"], changes["seq"]))}


def day_states(dataset, day):
    """[state key, change row] per place (in places order) at the end of `day`; [0, -1] without control."""
    from ..timeline import state_on

    rows = change_rows(dataset)
    states = StateStyles(dataset.vocabulary)
    state = state_on(dataset.intervals, day)
    by_place = {p: [states.index(c, s, ch), rows[(p, q)]]
                for p, c, s, ch, q in zip(state["place_id"], state["controller"], state["status"], state["challenger"], state["seq"])}
    return [by_place.get(p, [0, -1]) for p in dataset.places["place_id"]]


def add_library(m, data_src=None, dataset=None):
    """Put the shared tables (inline, or a <script src>) and the drawing functions in the page head."""
    head = m.get_root().header
    if data_src:
        head.add_child(RawHTML(f'<script src="{esc_attr(data_src)}"></script>'), name="jg_data")
    else:
        head.add_child(RawHTML(f"<script>{payload_js(dataset)}</script>"), name="jg_data")
    ContextLayer().add_to(m)


class ContextLayer(MacroElement):
    """Draws the country shapes of the shared tables (JG.context) under the map's tiles."""

    _template = Template("""
{% macro script(this, kwargs) %}
jgContext({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "ContextLayer"


class PlaceLayer(MacroElement):
    """Draws every place, in its state for the page's day (JG_DAY.states), into a folium FeatureGroup."""

    _template = Template("""
{% macro script(this, kwargs) %}
jgDrawPlaces({{ this._parent.get_name() }}, JG_DAY.states);
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "PlaceLayer"


class LabelLayer(MacroElement):
    """Permanent place labels on the map, decluttered by rank; on a day map the day's changes come first."""

    _template = Template("""
{% macro script(this, kwargs) %}
jgLabels({{ this._parent.get_name() }}, typeof JG_DAY === 'undefined' ? [] : JG_DAY.changed);
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "LabelLayer"
