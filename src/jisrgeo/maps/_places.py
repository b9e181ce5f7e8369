"""The tables the map pages draw from (places.js), shared by the day viewer and the animated map.

Static facts about places (names, positions, popups, control changes, sources) are written
once, and time as intervals: one small record per control interval, per change of state and per
event. Any day is then a lookup in the browser (jisrgeo.js), so a day costs bytes in a table,
not a page: 8,000 places over a year cost their intervals, not 8,000 x 365 states.
"""


from ..style import UNKNOWN_COLOR
from ._base import esc
from ._states import StateStyles, ints, to_js
from ._text import display_text
from .extent import map_extent
from .context import html_polygons

PLACES_JS = "places.js"


def _metres(value):
    return f"{value:.0f}" if isinstance(value, (int, float)) and value == value else "?"


def _static_popup(place):
    aliases = ", ".join(a for a in place["aliases"] if isinstance(a, str)) if isinstance(place["aliases"], (list, tuple)) else ""
    return (f'<div class="jg-popup"><h4>{esc(place["name"])}</h4><div><i>{esc(aliases)}</i></div>'
            f"<div>{esc(place['kind'])}, {esc(place['governorate'])}</div><div><b>Control:</b> @STATE@</div>"
            f"<div><b>Location:</b> ±{esc(_metres(place['precision_m']))} m, {esc(place['location_source'])}</div>"
            f"<div>{esc(place['note'])}</div><b>Sources</b><ol>@SOURCES@</ol></div>")


def payload(dataset):
    """Every table a page draws from: places, styles, state texts, control changes, sources, and the
    time tables (intervals, changes of state, events, routes, totals) that let one page show any day."""
    from ._days import time_tables

    places = dataset.places
    changes = dataset.control_changes
    since = changes["effective"].dt.strftime("%Y-%m-%d").astype(object).where(changes["effective"].notna(), None)
    sources = {int(r): label for r, label in zip(dataset.sources["ref"], dataset.source_labels(dataset.sources["ref"]))}
    states = StateStyles(dataset.vocabulary)
    context = html_polygons(map_extent(dataset))
    ground = context_tables(dataset)
    return {
        "meta": meta(dataset, bool(context) or any(ground.values())),
        "ground": ground,
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
        "context": context,
        "ranks": [LABEL_RANKS.get(kind, DEFAULT_LABEL_RANK) for kind in places["kind"]],
        "legend": {"sides": [[esc(side.label), side.color] for side in dataset.sides.values()], "unknown": UNKNOWN_COLOR},
        **area_tables(dataset),
        **time_tables(dataset),
    }


# The dataset's own source is credited in a few words; the full line is in the title strip.
CREDIT_CHARS = 40


def _short(text):
    text = display_text(text)
    return text if len(text) <= CREDIT_CHARS else text[:CREDIT_CHARS].rsplit(" ", 1)[0] + "…"


def _sentence(text):
    text = display_text(text).strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def meta(dataset, has_context):
    """Title, source, credits, the period (first day and length) and the frame to fit."""
    from .context import credits as context_credits, tiles

    start, end = dataset.period
    source_text = dataset.meta.get("source")
    credits = [f"Data: {esc(_short(source_text))}"] if source_text else []
    if has_context:
        credits.append(f"Context: {esc(', '.join(context_credits()))}")
    return {"name": esc(dataset.name), "title": display_text(dataset.name, 200),
            "source": esc(_sentence(source_text)) or "not stated in the dataset.", "credits": credits,
            "t0": f"{start:%Y-%m-%d}", "days": (end - start).days + 1, "frame": frame(dataset),
            "tiles": _tile_setting(tiles(dataset))}


def _tile_setting(setting):
    """The tile layer to draw ({url, attribution}, the credit escaped), or None: offline ground only."""
    return {"url": setting["url"], "attribution": esc(setting["attribution"])} if setting else None


def frame(dataset):
    """[[south, west], [north, east]] the map opens on: the places inside the dataset's declared
    extent (all places if none is declared), so outlying places do not shrink the battle."""
    x0, y0, x1, y1 = map_extent(dataset)
    points = [(p.x, p.y) for p in dataset.places.geometry if x0 <= p.x <= x1 and y0 <= p.y <= y1]
    if not points:
        return [[y0, x0], [y1, x1]]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    pad = 0.01  # degrees (about 1 km): a marker and its ring stay inside
    return [[round(min(ys) - pad, 5), round(min(xs) - pad, 5)], [round(max(ys) + pad, 5), round(max(xs) + pad, 5)]]


# The context drawn under the battle: rivers, lakes, admin-1 borders and towns (jisrgeo.maps.context), within
# this many degrees of the frame; the towns most populous first, up to CONTEXT_TOWNS, and none where a place of
# the dataset already stands (within TOWN_CLEARANCE_DEG).
CONTEXT_MARGIN_DEG = 0.5
CONTEXT_TOWNS = 60
TOWN_CLEARANCE_DEG = 0.03


def context_tables(dataset):
    """{'lines': [[kind, latlngs]], 'lakes': [latlngs], 'towns': [[lat, lng, name]]} of the context layer."""
    import shapely

    from .context import HTML_TOLERANCE_DEG, features

    def coords(geometry):
        return [[[round(y, 3), round(x, 3)] for x, y in part.coords] for part in shapely.get_parts(geometry) if not part.is_empty]
    try:
        found = features(map_extent(dataset), CONTEXT_MARGIN_DEG)
    except (OSError, ValueError):  # no shipped context for this part of the world
        return {"lines": [], "lakes": [], "towns": []}
    simple = shapely.simplify(found.geometry.to_numpy(), HTML_TOLERANCE_DEG)
    lines, lakes, towns = [], [], []
    places = shapely.points([(p.x, p.y) for p in dataset.places.geometry]) if len(dataset.places) else []
    tree = shapely.STRtree(places)
    for layer, name, geometry in zip(found["layer"], found["name"], simple):
        if layer in ("river", "admin1"):
            lines += [[layer, part] for part in coords(shapely.boundary(geometry) if geometry.geom_type.endswith("Polygon") else geometry)]
        elif layer == "lake":
            lakes += [[[[round(y, 3), round(x, 3)] for x, y in ring.coords] for ring in (part.exterior, *part.interiors)]
                      for part in shapely.get_parts(geometry) if part.geom_type == "Polygon"]
        elif layer == "town" and len(towns) < CONTEXT_TOWNS and isinstance(name, str) \
                and not len(tree.query(geometry.buffer(TOWN_CLEARANCE_DEG), predicate="intersects")):
            towns.append([round(geometry.y, 4), round(geometry.x, 4), esc(name)])
    return {"lines": lines, "lakes": lakes, "towns": towns}


# Which labels win a crowded map: lower first. A governorate names a region, not a point: no label.
LABEL_RANKS = {"city": 0, "town": 1, "airbase": 2, "military_base": 2, "hospital": 3, "village": 4, "checkpoint": 5,
               "hill": 6, "area": 7, "governorate": 99}
DEFAULT_LABEL_RANK = 4


# Zones and fronts are drawn in the browser at this many decimals (about 10 m), simplified within about 20 m
# first: the zones' 500 m densified edges would otherwise double what places.js carries, for nothing visible.
AREA_DECIMALS = 4
SHAPE_TOLERANCE_DEG = 0.0002


def _latlngs(geometry):
    """Leaflet [lat, lng] arrays, rounded: a list of polygons (each its rings) or a list of line parts."""
    import shapely

    def ring(coords):
        return [[round(y, AREA_DECIMALS), round(x, AREA_DECIMALS)] for x, y in coords]
    out = []
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon":
            out.append([ring(r.coords) for r in (part.exterior, *part.interiors)])
        elif not part.is_empty:
            out.append(ring(part.coords))
    return out


def area_tables(dataset):
    """Zones and front lines as intervals (ds.area_intervals / front_intervals, see areas.py), each distinct
    shape written once: zones [start day, end day, shape, side, status, challenger, basis, place row or -1,
    km², method]; fronts [start day, end day, shape, side a, side b, km]. Days count from the period's start."""
    import shapely

    start = dataset.period[0]
    position = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    shapes, shape_index, methods = [], {}, []

    def shape(geometry):
        key = geometry.wkb
        if key not in shape_index:
            shape_index[key] = len(shapes)
            shapes.append(_latlngs(shapely.simplify(geometry, SHAPE_TOLERANCE_DEG)))
        return shape_index[key]

    def method(text):
        if esc(text) not in methods:
            methods.append(esc(text))
        return methods.index(esc(text))

    def days(table):  # [start, end) in day numbers; an open end (NaT) runs past the period
        last = (dataset.period[1] - start).days + 1
        return ([int(x) for x in (table["start"] - start).dt.days],
                [int(x) for x in (table["end"] - start).dt.days.fillna(last)])

    text = lambda v: v if isinstance(v, str) else None  # noqa: E731
    zones = dataset.area_intervals
    zs, ze = days(zones)
    zone_rows = [[a, b, shape(g), side, status, text(ch), basis, position.get(pid, -1) if text(pid) else -1,
                  round(float(km2), 1), method(m)]
                 for a, b, g, side, status, ch, basis, pid, km2, m in zip(
                     zs, ze, zones.geometry, zones["side"], zones["status"], zones["challenger"], zones["basis"],
                     zones["place_id"], zones["area_km2"], zones["method"])]
    fronts = dataset.front_intervals
    fs, fe = days(fronts)
    front_rows = [[a, b, shape(g), sa, sb, round(float(km), 1)]
                  for a, b, g, sa, sb, km in zip(fs, fe, fronts.geometry, fronts["side_a"], fronts["side_b"], fronts["length_km"])]
    return {"zones": zone_rows, "fronts": front_rows, "shapes": shapes, "methods": methods,
            "sideColors": {code: side.color for code, side in dataset.sides.items()},
            "sideLabels": {code: esc(side.label) for code, side in dataset.sides.items()}}


def payload_js(dataset):
    """The shared tables: places.js, loaded once by every page (the drawing code is jisrgeo.js)."""
    return f"var JG = {to_js(payload(dataset))};\n"
