"""The animated map: a time slider over control intervals and events (folium Timeline).

One feature per control interval and one per event, so the page grows with the
number of changes, not with places x days.
"""

import folium
import pandas as pd
from folium.plugins import Timeline, TimelineSlider
from folium.utilities import JsCode

from ..style import event_symbol, side_color
from ._base import add_html, base_map, esc, legend_html, stable_ids
from .popups import event_popup

DAY_MS = 86_400_000

# Drawn in the browser from each feature's own style properties.
POINT_TO_LAYER = JsCode("""
function(feature, latlng) {
  var p = feature.properties;
  return L.circleMarker(latlng, {radius: p.radius, color: p.stroke, weight: p.weight, dashArray: p.dash,
    fillColor: p.fill, fillOpacity: p.opacity, className: p.css});
}""")
# Intervals are [start, end): a place shows its new state on the day of a change, not both.
GET_INTERVAL = JsCode("""
function(feature) {
  return {start: feature.properties.start, end: feature.properties.end, startExclusive: false, endExclusive: true};
}""")
ON_EACH_FEATURE = JsCode("""
function(feature, layer) {
  layer.bindPopup(feature.properties.popup, {maxWidth: 340});
  layer.bindTooltip(feature.properties.tooltip);
}""")


def _ms(ts):
    return int(pd.Timestamp(ts).value // 1_000_000)


def _interval_features(dataset):
    from .day import place_style

    names = dataset.places.set_index("place_id")["name"]
    feats = []
    for row in dataset.timeline().itertuples():
        style = place_style({"controller": row.controller, "status": row.status, "challenger": row.challenger})
        point = dataset.places.loc[dataset.places["place_id"] == row.place_id].geometry.iloc[0]
        label = f"{names[row.place_id]}: {row.controller}, {row.status} ({row.start:%Y-%m-%d} to {row.end - pd.Timedelta(days=1):%Y-%m-%d})"
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [point.x, point.y]},
                      "properties": {"start": _ms(row.start), "end": _ms(row.end), "radius": style["radius"],
                                     "stroke": style["color"], "weight": style["weight"], "dash": style.get("dash_array"),
                                     "fill": style["fill_color"], "opacity": style["fill_opacity"],
                                     "css": f"jg-place place-{row.place_id} controller-{row.controller}",
                                     "tooltip": esc(label), "popup": f'<div class="jg-popup">{esc(label)}</div>'}})
    return feats


def _event_features(dataset):
    feats = []
    for _, event in dataset.events.iterrows():
        _, _, color = event_symbol(event["type"])
        end = event["date_end"] if isinstance(event["date_end"], str) else event["date"]
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [event.geometry.x, event.geometry.y]},
                      "properties": {"start": _ms(event["date"]), "end": _ms(end) + DAY_MS, "radius": 5,
                                     "stroke": "#222222", "weight": 1, "dash": None, "fill": color, "opacity": 0.9,
                                     "css": f"jg-event jg-event-{event['type']}",
                                     "tooltip": esc(f"{event['date']} {event['type'].replace('_', ' ')}"),
                                     "popup": event_popup(dataset, event)}})
    return feats


def animated_map(dataset, index_href=None):
    """A map whose time slider plays control changes and events day by day."""
    start, end = dataset.period
    with stable_ids():
        m = base_map("Jisr al-Shughur, 2015: animated control map")
        common = {"point_to_layer": POINT_TO_LAYER, "on_each_feature": ON_EACH_FEATURE, "get_interval": GET_INTERVAL}
        places = Timeline({"type": "FeatureCollection", "features": _interval_features(dataset)}, **common)
        events = Timeline({"type": "FeatureCollection", "features": _event_features(dataset)}, **common)
        places.add_to(m)
        events.add_to(m)
        days = (end - start).days + 1
        # One slider step per day, each landing on a day's start.
        TimelineSlider(auto_play=False, date_options="YYYY-MM-DD", start=_ms(start), end=_ms(end),
                       steps=days - 1, playback_duration=days * 400, enable_keyboard_controls=True,
                       show_ticks=True).add_timelines(places, events).add_to(m)
        back = f'<div><a href="{index_href}">« index</a></div>' if index_href else ""
        add_html(m, legend_html(extra=back + "<div>Move the slider to change the day.</div>", top=True))
    return m

