"""One day's control map: places by controller, that day's events, earlier events, routes, summary."""

import math
import weakref

import folium
import pandas as pd

from ..claims import casualty_totals
from branca.element import MacroElement
from folium.template import Template

from ._base import RawHTML, add_html, base_map, esc, esc_attr, legend_html, stable_ids
from ._places import LabelLayer, PlaceLayer, add_library, day_fronts, day_states, to_js
from .popups import event_popup, fmt_figure, killed_text, route_popup, when_text

# Earlier events (a layer toggled off): all of them for a battle, only the previous week's
# for datasets so large that every page would otherwise repeat most of them.
RECENT_DAYS = 7
ALL_EARLIER_UP_TO = 1000
# A day's events closer than this are drawn as one group, spread on a ring of icons (pixels, so at any
# zoom every icon stays whole and clickable); ICON_PX is an icon's width plus a gap.
GROUP_M = 5000
ICON_PX = 25


def _place_layer(dataset, day):
    group = folium.FeatureGroup(name="Places (control at the end of the day)")
    group.add_child(PlaceLayer())
    return group


class DayLayers(MacroElement):
    """Fills the routes and events groups from the page's JG_DAY table (a script, never template source).

    folium compiles whatever a MacroElement renders as Jinja once more, so data must not reach
    one: this element's output holds only the groups' names.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
jgDrawAreas({{ this.areas.get_name() }}, JG_DAY.states);
jgDrawFronts({{ this.fronts.get_name() }}, JG_DAY.fronts);
jgDrawRoutes({{ this.routes.get_name() }}, JG_DAY.routes);
jgDrawEvents({{ this.today.get_name() }}, {{ this.earlier.get_name() }}, JG_DAY);
{% endmacro %}
""")

    def __init__(self, areas, fronts, routes, today, earlier):
        super().__init__()
        self._name = "DayLayers"
        self.areas, self.fronts, self.routes, self.today, self.earlier = areas, fronts, routes, today, earlier


def _spread(events):
    """(lat, lon, dx, dy) per event: events within GROUP_M of each other share their group's centre and
    sit on a ring around it, dx/dy pixels from it (0, 0 for an event alone)."""
    from ..geodesy import GEOD

    def distance(a, b):
        return GEOD.inv(a[0], a[1], b[0], b[1])[2]

    points = [(e.geometry.x, e.geometry.y) for e in events.itertuples()]
    group = list(range(len(points)))

    def root(i):
        while group[i] != i:
            i = group[i]
        return i

    for i, a in enumerate(points):  # groups are the connected components of "closer than GROUP_M"
        for j in range(i):
            if distance(a, points[j]) < GROUP_M:
                group[root(i)] = root(j)
    group = [root(i) for i in range(len(points))]
    out = []
    for i in range(len(points)):
        members = [k for k, g in enumerate(group) if g == group[i]]
        lon = sum(points[k][0] for k in members) / len(members)
        lat = sum(points[k][1] for k in members) / len(members)
        n, k = len(members), members.index(i)
        radius = ICON_PX / 2 / math.sin(math.pi / n) if n > 1 else 0.0  # neighbours on the ring ICON_PX apart
        angle = 2 * math.pi * k / n - math.pi / 2
        out.append((lat, lon, round(radius * math.cos(angle)), round(radius * math.sin(angle))))
    return out


def shown_on(events):
    """The day each event is drawn: tolls over a period on the day they end, others on their
    first (possibly uncertain) day, so no event repeats across the days of its range."""
    return events["date_end"].fillna(events["date"]).where(events["aggregate"], events["date"])


def _day_events(dataset, day):
    """(today's events, the earlier ones shown) for the map of `day`."""
    events = dataset.events
    shown = shown_on(events)
    today, earlier = events[shown == day], events[shown < day]
    if len(events) > ALL_EARLIER_UP_TO:
        earlier = earlier[shown >= day - pd.Timedelta(days=RECENT_DAYS)]
    return today, earlier


# Per dataset (read-only, so safe to keep): every event's popup, and the casualty totals per set of events
# counted, so a build of many days renders each once instead of once per page.
_POPUPS = weakref.WeakKeyDictionary()
_TOTALS = weakref.WeakKeyDictionary()


def _event_popups(dataset):
    if dataset not in _POPUPS:
        _POPUPS[dataset] = {e["event_id"]: event_popup(dataset, e) for _, e in dataset.events.iterrows()}
    return _POPUPS[dataset]


def day_table(dataset, day, today, earlier):
    """JG_DAY: the page's events and routes as rows of numbers and escaped text, drawn by jgDrawEvents/Routes."""
    vocabulary = dataset.vocabulary
    types = sorted(set(today["type"]))
    popups, rows = [], {"today": [], "earlier": []}
    known = _event_popups(dataset)
    for (lat, lon, dx, dy), (_, event) in zip(_spread(today), today.iterrows()):
        rows["today"].append([round(lat, 6), round(lon, 6), types.index(event["type"]), len(popups), dx, dy])
        popups.append(known[event["event_id"]])
    for event_id, point in zip(earlier["event_id"], earlier.geometry):
        rows["earlier"].append([round(point.y, 6), round(point.x, 6), len(popups)])
        popups.append(known[event_id])
    routes = []
    for _, route in dataset.routes.iterrows():
        dated = pd.notna(route["date"])
        if dated and route["date"] != day:
            continue
        breakout = route["kind"] == "breakout"
        routes.append([[[round(y, 6), round(x, 6)] for x, y in route.geometry.coords], vocabulary.route_color(route["kind"]),
                       4 if dated else 2, None if breakout else "6 6", esc(route["name"]), route_popup(dataset, route),
                       esc_attr(route["route_id"])])
    symbols = [[*vocabulary.event_symbol(t)[::2], esc(vocabulary.label(t)), esc_attr(t)] for t in types]
    index = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    changed = [index[p] for p in dataset.changes(day, day)["place_id"]]
    return {**rows, "types": symbols, "popups": popups, "routes": routes, "states": day_states(dataset, day),
            "fronts": day_fronts(dataset, day), "changed": changed}


def _layers(m, dataset, day):
    """Routes, earlier events, places and today's events, in drawing order; returns today's events."""
    today, earlier = _day_events(dataset, day)
    key = day.strftime("%Y-%m-%d")
    m.get_root().header.add_child(RawHTML(f"<script>var JG_DAY = {to_js(day_table(dataset, day, today, earlier))};</script>"),
                                  name="jg_day")
    areas = folium.FeatureGroup(name="Estimated areas of control (derived)").add_to(m)
    fronts = folium.FeatureGroup(name="Estimated front lines (derived)").add_to(m)
    routes = folium.FeatureGroup(name="Routes").add_to(m)
    recent = len(dataset.events) > ALL_EARLIER_UP_TO
    label = f"Events of the previous {RECENT_DAYS} days" if recent else "Earlier events"
    group_earlier = folium.FeatureGroup(name=f"{label} ({len(earlier)})", show=False).add_to(m)
    _place_layer(dataset, day).add_to(m)
    group_today = folium.FeatureGroup(name=f"Events on {key} ({len(today)})").add_to(m)
    DayLayers(areas, fronts, routes, group_today, group_earlier).add_to(m)
    LabelLayer().add_to(m)
    return today


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
    # Totals to the end of `day` depend only on which events are dated up to it: days without a new event share them.
    key = int((dataset.events["date"] <= day).sum())
    cache = _TOTALS.setdefault(dataset, {})
    if key not in cache:
        cache[key] = _totals_html(dataset, day)
    return cache[key]


def _totals_html(dataset, day):
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
        events = _layers(m, dataset, day)
        folium.LayerControl(collapsed=False).add_to(m)
        add_html(m, legend_html(dataset))
        add_html(m, summary_html(dataset, day, events, nav))
    return m

