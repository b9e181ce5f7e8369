"""One day's control map: places by controller, that day's events, earlier events, routes, summary."""

import math

import folium
import pandas as pd

from ..claims import casualty_totals
from ._base import add_html, base_map, esc, legend_html, stable_ids
from ._places import PlaceLayer, add_library, day_states
from .popups import event_popup, fmt_figure, killed_text, route_popup, when_text

# Popups pan clear of the summary panel (top left) and the legend (bottom right).
POPUP_OPTIONS = {"auto_pan_padding_top_left": (410, 20), "auto_pan_padding_bottom_right": (280, 20)}
# Earlier events (a layer toggled off): all of them for a battle, only the previous week's
# for datasets so large that every page would otherwise repeat most of them.
RECENT_DAYS = 7
ALL_EARLIER_UP_TO = 1000
# Events sharing a place on one day are spread on a small ring so each can be clicked.
SPREAD_DEG = 0.006


def _place_layer(dataset, day):
    group = folium.FeatureGroup(name="Places (control at the end of the day)")
    group.add_child(PlaceLayer(day_states(dataset, day)))
    return group


def _event_icon(dataset, event_type):
    icon, _, color = dataset.vocabulary.event_symbol(event_type)
    return folium.DivIcon(html=f'<div class="jg-event-icon"><i class="fa fa-{icon}" style="color:{color}"></i></div>',
                          icon_size=(22, 22), icon_anchor=(11, 11), class_name=f"jg-event jg-event-{event_type}")


def _spread(events):
    """(lat, lon) per event, spread around the place when several share it."""
    positions, seen = [], {}
    counts = events["place_id"].value_counts()
    for event in events.itertuples():
        k = seen.get(event.place_id, 0)
        seen[event.place_id] = k + 1
        n = counts[event.place_id]
        angle = 2 * math.pi * k / n
        offset = SPREAD_DEG if n > 1 else 0.0
        positions.append((event.geometry.y + offset * math.cos(angle), event.geometry.x + offset * math.sin(angle)))
    return positions


def shown_on(events):
    """The day each event is drawn: tolls over a period on the day they end, others on their
    first (possibly uncertain) day, so no event repeats across the days of its range."""
    return events["date_end"].fillna(events["date"]).where(events["aggregate"], events["date"])


def _event_layers(dataset, day):
    key = day.strftime("%Y-%m-%d")
    events = dataset.events
    shown = shown_on(events)
    today = events[shown == day]
    earlier = events[shown < day]
    recent_only = len(events) > ALL_EARLIER_UP_TO
    if recent_only:
        earlier = earlier[shown >= day - pd.Timedelta(days=RECENT_DAYS)]
    group_today = folium.FeatureGroup(name=f"Events on {key} ({len(today)})")
    for (lat, lon), (_, event) in zip(_spread(today), today.iterrows()):
        folium.Marker([lat, lon], icon=_event_icon(dataset, event["type"]), tooltip=esc(dataset.vocabulary.label(event["type"])),
                      popup=folium.Popup(event_popup(dataset, event), max_width=340, **POPUP_OPTIONS)).add_to(group_today)
    label = f"Events of the previous {RECENT_DAYS} days" if recent_only else "Earlier events"
    group_earlier = folium.FeatureGroup(name=f"{label} ({len(earlier)})", show=False)
    for _, event in earlier.iterrows():
        folium.CircleMarker([event.geometry.y, event.geometry.x], radius=4, color="#666666", weight=1,
                            fill_color="#999999", fill_opacity=0.4, class_name="jg-earlier-event",
                            popup=folium.Popup(event_popup(dataset, event), max_width=340, **POPUP_OPTIONS)).add_to(group_earlier)
    return group_today, group_earlier, today


def _route_layer(dataset, day):
    group = folium.FeatureGroup(name="Routes")
    for _, route in dataset.routes.iterrows():
        dated = pd.notna(route["date"])
        if dated and route["date"] != day:
            continue
        color = dataset.vocabulary.route_color(route["kind"])
        folium.PolyLine([(y, x) for x, y in route.geometry.coords], color=color, weight=4 if dated else 2,
                        dash_array=None if route["kind"] == "breakout" else "6 6", opacity=0.9,
                        class_name=f"jg-route route-{route['route_id']}",
                        popup=folium.Popup(route_popup(dataset, route), max_width=340, **POPUP_OPTIONS),
                        tooltip=esc(route["name"])).add_to(group)
    return group


def _changes_items(dataset, day):
    changes = dataset.changes(day, day)
    return "".join(
        f"<li>{esc(c['name'])}: {esc(dataset.vocabulary.label(c['controller']))}, {esc(c['status'])}"
        f"{' (date inferred)' if c['basis'] == 'inferred' else ''}</li>" for _, c in changes.iterrows())


def _event_items(dataset, events):
    names = dataset.places.set_index("place_id")["name"]
    items = []
    for _, e in events.iterrows():
        killed = killed_text(dataset, e)
        when = f" ({when_text(e)})" if pd.notna(e["date_end"]) else ""
        claim = f"{when} [{e['claimant']}]"
        items.append(f"<li>{esc(dataset.vocabulary.label(e['type']))} at {esc(names[e['place_id']])}"
                     f"{': ' + esc(killed) if killed else ''}{esc(claim)}</li>")
    return "".join(items)


def _totals_items(dataset, day):
    items = []
    for label, claims_only in (("", False), ("unverified massacre claims, ", True)):
        totals = casualty_totals(dataset, end=day, types=["massacre_claim"], exclude=not claims_only)
        killed = totals[totals["outcome"] == "killed"]
        items += [f"<li>{label}{esc(dataset.vocabulary.label(r.side))}: {esc(fmt_figure(r.low, r.best, r.high))}</li>"
                  for r in killed.itertuples()]
    return "".join(items)


def summary_html(dataset, day, events, nav):
    key = day.strftime("%Y-%m-%d")
    prev_href, next_href, index_href = nav or (None, None, None)
    links = "".join(f'<a href="{href}" class="jg-{label.split()[0].lower()}">{label}</a>'
                    for label, href in (("« previous day", prev_href), ("index", index_href), ("next day »", next_href)) if href)
    changes = _changes_items(dataset, day) or "<li>none</li>"
    happened = _event_items(dataset, events) or "<li>none reported</li>"
    return (f'<div class="jg-panel jg-summary"><h2>{esc(key)}</h2><div class="jg-nav">{links}</div>'
            f"<details open><summary>Summary of the day</summary><h3>Changed hands</h3><ul>{changes}</ul><h3>What happened</h3><ul>{happened}</ul>"
            f"<h3>Killed to date (sum of dated incidents; rival figures as low–high)</h3><ul>{_totals_items(dataset, day) or '<li>none</li>'}</ul></details></div>")


def day_map(dataset, date, nav=None, data_src=None):
    """The control map for one day, as a folium.Map (shows inline in a notebook).

    nav: optional (previous, next, index) hrefs for the summary panel's links.
    data_src: URL of a shared places.js (as `jisrgeo build` writes); default: tables inline.
    """
    day = dataset.day(date)
    with stable_ids():
        m = base_map(dataset, f"{dataset.name}, {day:%Y-%m-%d}")
        add_library(m, data_src, dataset)
        _route_layer(dataset, day).add_to(m)
        today, earlier, events = _event_layers(dataset, day)
        earlier.add_to(m)
        _place_layer(dataset, day).add_to(m)
        today.add_to(m)
        folium.LayerControl(collapsed=False).add_to(m)
        add_html(m, legend_html(dataset))
        add_html(m, summary_html(dataset, day, events, nav))
    return m

