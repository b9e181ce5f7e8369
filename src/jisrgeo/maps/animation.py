"""The animated map: a time slider over control intervals and events (folium Timeline).

One small feature per control interval and one per event; names, styles, popups and
sources sit once in the shared tables (see _places.py). The page grows with the number
of changes and events, not with places x days.
"""

import folium
import pandas as pd
from folium.plugins import Timeline, TimelineSlider
from folium.utilities import JsCode

from ..style import event_symbol
from ._base import add_html, base_map, esc, legend_html, stable_ids
from ._places import add_library, change_rows, state_index, to_js
from .popups import fmt_figure

DAY_MS = 86_400_000

# Features carry day numbers from the period's start; [s, e) so a place never shows two states.
GET_INTERVAL = JsCode("""
function(f) {
  return {start: JG_T0 + f.properties.s * 86400000, end: JG_T0 + f.properties.e * 86400000,
          startExclusive: false, endExclusive: true};
}""")
PLACE_TO_LAYER = JsCode("""
function(f, latlng) { return jgMarker(f.properties.p, f.properties.k, f.properties.c, latlng); }""")
EVENT_TO_LAYER = JsCode("""
function(f, latlng) {
  var p = f.properties, t = JG_EVENTS.types[p.t], e = JG_EVENTS.rows[p.x];
  var m = L.circleMarker(latlng, {radius: 5, color: '#222222', weight: 1, fillColor: t[1], fillOpacity: 0.9,
                                  className: 'jg-event jg-event-' + t[0]});
  m.bindTooltip(e[0] + ' ' + t[2]);
  m.bindPopup('<div class="jg-popup"><h4>' + t[2] + ': ' + e[0] + '</h4><div>' + JG.names[p.p] + '</div><div><b>Claimed by:</b> '
    + e[1] + '</div><div>' + e[2] + '</div><b>Sources</b><ol>'
    + e[3].map(function(r) { return '<li>' + JG.sources[r] + '</li>'; }).join('') + '</ol></div>', {maxWidth: 340});
  return m;
}""")


def _ms(ts):
    return int(pd.Timestamp(ts).value // 1_000_000)


def _interval_features(dataset, start):
    """One feature per control interval: {s, e} day numbers, k style, p place row, c change row."""
    rows = change_rows(dataset)
    position = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    coords = [[round(p.x, 5), round(p.y, 5)] for p in dataset.places.geometry]
    tl = dataset.intervals
    s = ((tl["start"] - start).dt.days).to_numpy()
    e = ((tl["end"] - start).dt.days).to_numpy()
    return [{"type": "Feature", "geometry": {"type": "Point", "coordinates": coords[position[p]]},
             "properties": {"s": int(a), "e": int(b), "k": state_index(c, st, ch), "p": position[p], "c": rows[(p, q)]}}
            for p, c, st, ch, q, a, b in zip(tl["place_id"], tl["controller"], tl["status"], tl["challenger"], tl["seq"], s, e)]


def _killed_text(event):
    parts = [f"{side} {fmt_figure(event[f'killed_{side}_low'], event[f'killed_{side}_best'], event[f'killed_{side}_high'])} killed"
             for side in ("government", "opposition", "civilian", "unknown")
             if not (pd.isna(event[f"killed_{side}_best"]) and pd.isna(event[f"killed_{side}_low"]))]
    return ", ".join(parts)


def _event_tables(dataset, start):
    """Event features and the table their popups read: [when, claimant, killed, refs] per event."""
    types = sorted(dataset.events["type"].unique())
    type_index = {t: i for i, t in enumerate(types)}
    position = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    features, rows = [], []
    for x, event in enumerate(dataset.events.itertuples(index=False)):
        first = pd.Timestamp(event.date)
        last = pd.Timestamp(event.date_end) if isinstance(event.date_end, str) else first
        when = event.date + (f" to {event.date_end}" if isinstance(event.date_end, str) else "")
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(event.geometry.x, 5), round(event.geometry.y, 5)]},
                         "properties": {"s": (first - start).days, "e": (last - start).days + 1, "t": type_index[event.type],
                                        "p": position[event.place_id], "x": x}})
        rows.append([esc(when), esc(event.claimant), esc(_killed_text(event._asdict())), list(map(int, event.refs))])
    table = {"types": [[t, event_symbol(t)[2], esc(t.replace("_", " "))] for t in types], "rows": rows}
    return features, table


def animated_map(dataset, index_href=None, data_src=None):
    """A map whose time slider plays control changes and events day by day."""
    start, end = dataset.period
    with stable_ids():
        m = base_map(dataset, f"{dataset.meta.get('name', 'Battle')}: animated control map")
        add_library(m, data_src, dataset)
        events, table = _event_tables(dataset, start)
        m.get_root().header.add_child(folium.Element(
            f"<script>var JG_T0 = {_ms(start)}; var JG_EVENTS = {to_js(table)};</script>"), name="jg_events")
        places = Timeline({"type": "FeatureCollection", "features": _interval_features(dataset, start)},
                          get_interval=GET_INTERVAL, point_to_layer=PLACE_TO_LAYER)
        events_layer = Timeline({"type": "FeatureCollection", "features": events},
                                get_interval=GET_INTERVAL, point_to_layer=EVENT_TO_LAYER)
        places.add_to(m)
        events_layer.add_to(m)
        days = (end - start).days + 1
        # One slider step per day, each landing on a day's start.
        TimelineSlider(auto_play=False, date_options="YYYY-MM-DD", start=_ms(start), end=_ms(end),
                       steps=max(days - 1, 1), playback_duration=min(days * 400, 120_000), enable_keyboard_controls=True,
                       show_ticks=days <= 400).add_timelines(places, events_layer).add_to(m)
        back = f'<div><a href="{index_href}">« index</a></div>' if index_href else ""
        add_html(m, legend_html(extra=back + "<div>Move the slider to change the day.</div>", top=True))
    return m
