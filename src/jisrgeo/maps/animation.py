"""The animated map: a time slider over control intervals and events (folium Timeline).

One small record per control interval and per event, expanded into features in the
browser; names, styles, popups and sources sit once in the shared tables (see
_places.py). The page grows with the number of changes and events, not with places x days.
"""

import pandas as pd
from folium.plugins import Timeline, TimelineSlider
from folium.template import Template
from folium.utilities import JsCode

from ._base import ANIMATED_PADDING, RawHTML, add_html, base_map, esc, legend_html, stable_ids
from ._places import LabelLayer, StateStyles, add_library, change_rows, ints, to_js
from .popups import killed_text

DAY_MS = 86_400_000

# Records are expanded into GeoJSON features in the browser: the page carries a few numbers per
# interval or event instead of a full feature each. Day numbers count from the period's start;
# intervals are [s, e) so a place never shows two states at once.
EXPAND = """
function jgFeatures(rows, kind) {
  return {type: 'FeatureCollection', features: rows.map(function(r) {
    var c = kind === 'front' ? [JG.edges[r[2]][2][0][0][1], JG.edges[r[2]][2][0][0][0]] : r.length > 7 ? [r[7], r[8]] : JG.coords[r[3]];
    return {type: 'Feature', geometry: {type: 'Point', coordinates: c}, properties: {kind: kind, r: r}};
  })};
}
function jgDay(n) { return new Date(JG_T0 + n * 86400000).toISOString().slice(0, 10); }
"""
GET_INTERVAL = JsCode("""
function(f) {
  var r = f.properties.r;
  return {start: JG_T0 + r[0] * 86400000, end: JG_T0 + r[1] * 86400000, startExclusive: false, endExclusive: true};
}""")
# interval record: [s, e, state style, place row, change row]
PLACE_TO_LAYER = JsCode("""
function(f, latlng) {
  var r = f.properties.r, marker = jgMarker(r[3], r[2], r[4], latlng), area = jgArea(r[3], r[2]);
  return area ? L.featureGroup([area, marker]) : marker;
}""")
# front record: [s, e, edge row]; drawn as the shared edge of the two cells
FRONT_TO_LAYER = JsCode("""
function(f, latlng) { return jgFront(f.properties.r[2]); }""")
# event record: [s, e, type, place row, claimant, killed text, [refs], (lon, lat if not at the place)]
EVENT_TO_LAYER = JsCode("""
function(f, latlng) {
  var r = f.properties.r, t = JG_EVENTS.types[r[2]];
  var when = jgDay(r[0]) + (r[1] - r[0] > 1 ? ' to ' + jgDay(r[1] - 1) : '');
  var m = L.circleMarker(latlng, {radius: 5, color: '#222222', weight: 1, fillColor: t[1], fillOpacity: 0.9,
                                  className: 'jg-event jg-event-' + t[0]});
  m.bindTooltip(when + ' ' + t[2]);
  m.bindPopup('<div class="jg-popup"><h4>' + t[2] + ': ' + when + '</h4><div>' + JG.names[r[3]] + '</div><div><b>Claimed by:</b> '
    + JG_EVENTS.texts[r[4]] + '</div><div>' + JG_EVENTS.texts[r[5]] + '</div><b>Sources</b><ol>'
    + r[6].map(function(x) { return '<li>' + JG.sources[x] + '</li>'; }).join('') + '</ol></div>', {maxWidth: 340});
  return m;
}""")


class CompactTimeline(Timeline):
    """folium's Timeline fed by records expanded in the browser (see EXPAND)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
          var {{ this.get_name() }}_options = {{ this.options|tojavascript }};
          var {{ this.get_name() }} = L.timeline(jgFeatures({{ this.rows }}, {{ this.kind|tojson }}), {{ this.get_name() }}_options);
          {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, rows, kind, **kwargs):
        super().__init__({"type": "FeatureCollection", "features": []}, **kwargs)
        self.rows, self.kind = to_js(rows), kind


def _ms(ts):
    return int(pd.Timestamp(ts).value // 1_000_000)


def _interval_rows(dataset, start):
    """[s, e, state style, place row, change row] per control interval."""
    rows = change_rows(dataset)
    states = StateStyles(dataset.vocabulary)
    position = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    tl = dataset.intervals
    s = ((tl["start"] - start).dt.days).to_numpy()
    e = ((tl["end"] - start).dt.days).to_numpy()
    return [[int(a), int(b), states.index(c, st, ch), position[p], rows[(p, q)]]
            for p, c, st, ch, q, a, b in zip(tl["place_id"], tl["controller"], tl["status"], tl["challenger"], tl["seq"], s, e)]


def _front_rows(dataset, start):
    """[s, e, edge row] per interval in which an edge separates two sides."""
    from ..areas import edge_front_intervals
    from ._places import edge_rows

    rows = edge_rows(dataset)
    fronts = edge_front_intervals(dataset._neighbours, dataset.intervals, dataset.vocabulary.opposed)
    s = ((fronts["start"] - start).dt.days).to_numpy()
    e = ((fronts["end"] - start).dt.days).to_numpy()
    return [[int(a), int(b), rows[(p, q)]] for p, q, a, b in zip(fronts["place_a"], fronts["place_b"], s, e)]


def _event_rows(dataset, start):
    """Event records and the tables they index: types (name, colour, label) and texts (deduplicated)."""
    types = sorted(dataset.events["type"].unique())
    type_index = {t: i for i, t in enumerate(types)}
    position = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    place_xy = {pid: (round(p.x, 5), round(p.y, 5)) for pid, p in zip(dataset.places["place_id"], dataset.places.geometry)}
    texts, text_index = [], {}

    def text(value):
        if value not in text_index:
            text_index[value] = len(texts)
            texts.append(esc(value))
        return text_index[value]

    rows = []
    for event in dataset.events.itertuples(index=False):
        first = (event.date - start).days
        last = (event.date_end - start).days if pd.notna(event.date_end) else first
        row = [first, last + 1, type_index[event.type], position[event.place_id], text(event.claimant),
               text(killed_text(dataset, event._asdict())), ints(event.refs)]
        xy = (round(event.geometry.x, 5), round(event.geometry.y, 5))
        if xy != place_xy[event.place_id]:
            row += list(xy)
        rows.append(row)
    vocabulary = dataset.vocabulary
    return rows, {"types": [[t, vocabulary.event_symbol(t)[2], esc(vocabulary.label(t))] for t in types], "texts": texts}


def animated_map(dataset, index_href=None, data_src=None):
    """A map whose time slider plays control changes and events day by day."""
    start, end = dataset.period
    with stable_ids():
        m = base_map(dataset, f"{dataset.name}: animated control map", padding=ANIMATED_PADDING)
        add_library(m, data_src, dataset)
        events, table = _event_rows(dataset, start)
        m.get_root().header.add_child(RawHTML(
            f"<script>var JG_T0 = {_ms(start)}; var JG_EVENTS = {to_js(table)};{EXPAND}</script>"), name="jg_events")
        places = CompactTimeline(_interval_rows(dataset, start), "interval", get_interval=GET_INTERVAL,
                                 point_to_layer=PLACE_TO_LAYER)
        events_layer = CompactTimeline(events, "event", get_interval=GET_INTERVAL, point_to_layer=EVENT_TO_LAYER)
        fronts = CompactTimeline(_front_rows(dataset, start), "front", get_interval=GET_INTERVAL,
                                 point_to_layer=FRONT_TO_LAYER)
        places.add_to(m)
        fronts.add_to(m)
        events_layer.add_to(m)
        LabelLayer().add_to(m)
        days = (end - start).days + 1
        # One slider step per day, each landing on a day's start.
        TimelineSlider(auto_play=False, date_options="YYYY-MM-DD", start=_ms(start), end=_ms(end),
                       steps=max(days - 1, 1), playback_duration=min(days * 400, 120_000), enable_keyboard_controls=True,
                       show_ticks=days <= 400).add_timelines(places, fronts, events_layer).add_to(m)
        back = f'<div><a href="{index_href}">« index</a></div>' if index_href else ""
        add_html(m, legend_html(dataset, extra=back + "<div>Move the slider to change the day.</div>", top=True))
    return m
