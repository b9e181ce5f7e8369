"""The tables the map pages draw from (places.js), shared by the day viewer and the animated map.

Static facts about places (names, positions, popups, control changes, sources) are written
once, and time as intervals: one small record per control interval, per change of state and per
event. Any day is then a lookup in the browser (jisrgeo.js), so a day costs bytes in a table,
not a page: 8,000 places over a year cost their intervals, not 8,000 x 365 states.
"""


from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..style import CHANGED_CASING, CHANGED_MARK, FILL_ALPHA, LAND, LINE_STYLES, UNKNOWN_COLOR
from ._base import esc
from ._chunks import AREA_DECIMALS, SINGLE_FILE_DAYS, part, part_js, periods
from ._days import RECENT_DAYS
from ._states import StateStyles, ints, to_js
from ._text import display_text
from .popups import place_popup
from ..names import display_name
from .extent import map_extent
from .context import html_polygons

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from ..dataset import Dataset

PLACES_JS = "places.js"


def payload(dataset: Dataset) -> dict[str, Any]:
    """Every table a page draws from, in one: what never changes (places, styles, state texts, control
    changes, sources, routes) and, as parts[0], the whole period's time tables (see _chunks.py)."""
    return viewer_tables(dataset, chunked=False)[0]


def viewer_tables(dataset: Dataset, chunked: bool = True) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(places.js's tables, [the time tables of each period file]) for a build (chunked: a long period in
    files of a month or a quarter, see _chunks.periods), or everything in places.js (chunked=False)."""
    start, end = dataset.period
    tables = _everything(dataset)
    time = {name: tables.pop(name) for name in TIME_TABLES}
    plan = periods(start, end, single=not chunked)
    tables["chunks"] = [[a, b, src] for a, b, src in plan]
    # The slider's marks for the whole period, without loading it.
    tables["changeDays"] = sorted({s[0] for s in time["shifts"]})
    tables["eventDays"] = sorted({e[0] for e in time["events"]})
    # Every day's headline and frame, written here for any period (maps/describe.py and maps/frame.py, the words
    # and frames of the PNGs too); the longer alt text only for a period of up to a year (a war's would take hours).
    told = set(tables["changeDays"]) | set(tables["eventDays"]) if tables["meta"]["days"] <= SINGLE_FILE_DAYS else set()
    time["words"] = day_words(dataset, range(tables["meta"]["days"]), told)
    time["frames"] = day_frames(dataset)
    if len(plan) == 1:
        tables["parts"] = [time]
        return tables, []
    tables["recentDays"] = RECENT_DAYS  # earlier events of a week, not of years
    return tables, [part(time, a, b) for a, b, _ in plan]


def viewer_files(dataset: Dataset) -> dict[str, str]:
    """{relative path: text}: places.js and, for a long period, its period files (tables/...)."""
    tables, parts = viewer_tables(dataset)
    files = {PLACES_JS: f"var JG = {to_js(tables)};\n"}
    for k, ((_, _, src), tables) in enumerate(zip(periods(*dataset.period), parts)):
        files[str(src)] = part_js(k, tables)
    return files


def day_frames(dataset: Dataset) -> list[list[Any]]:
    """[[first day, [[south, west], [north, east]]]] each time the day's frame changes (maps/frame.py: the day's
    action and its surroundings, steady across a run of days with the same action), for the viewer to open on."""
    from .frame import frames

    start, end = dataset.period
    out: list[list[Any]] = []
    for day, (west, south, east, north) in sorted(frames(dataset, list(pd.date_range(start, end))).items()):
        box = [[round(south, 5), round(west, 5)], [round(north, 5), round(east, 5)]]
        if not out or out[-1][1] != box:
            out.append([(day - start).days, box])
    return out


def day_words(dataset: Dataset, days: Iterable[int], described: Collection[int] = ()) -> list[list[Any]]:
    """[[day, headline]] of `days` (numbers from the period's first day), from maps/describe.py (the words of the
    PNGs too), escaped for the page; [day, headline, description] for the days in `described` (the map's alt
    text: where a place is besieged, who holds how many). The headlines come in one pass (describe.day_headlines),
    seconds for a war's 4,000 days; a description costs a day's full state, so the page composes the rest."""
    from .describe import day_description, day_headlines

    start = dataset.period[0]
    dates = {n: start + pd.Timedelta(days=n) for n in days}
    lines = day_headlines(dataset, list(dates.values()))
    return [[n, esc(lines[day])] + ([esc(day_description(dataset, day))] if n in described else [])
            for n, day in dates.items()]


# The tables that change with the day: in places.js for a short period, else in the period files.
TIME_TABLES = ("intervals", "shifts", "events", "eventPopups", "zones", "fronts", "shapes", "totals")


def _everything(dataset):
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
        "popups": [place_popup(p) for _, p in places.iterrows()],
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


def meta(dataset: Dataset, has_context: bool) -> dict[str, Any]:
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
            "tiles": _tile_setting(tiles(dataset)),
            # the changed-today ring: one declaration (style.py), checked at 3:1 on every fill (cvd.mark_contrasts)
            "changed": {"mark": CHANGED_MARK, "casing": CHANGED_CASING},
            # zone fills at the opacity, over the land colour, the side colours are checked at (cvd.py)
            "fill": FILL_ALPHA, "land": LAND}


def _tile_setting(setting):
    """The tile layer to draw ({url, attribution}, the credit escaped), or None: offline ground only."""
    return {"url": setting["url"], "attribution": esc(setting["attribution"])} if setting else None


def frame(dataset: Dataset) -> list[list[float]]:
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


def context_tables(dataset: Dataset) -> dict[str, Any]:
    """{'lines': [[kind, latlngs]], 'lakes': [latlngs], 'towns', 'countries' and 'named': [[lat, lng, name]],
    'styles': {kind: path options}} of the context layer (countries named inside the dataset's extent) and of
    the dataset's own context.geojson."""
    import shapely

    from .context import HTML_TOLERANCE_DEG, features

    def coords(geometry: BaseGeometry) -> list[list[list[float]]]:
        return [[[round(y, 3), round(x, 3)] for x, y in part.coords] for part in shapely.get_parts(geometry) if not part.is_empty]
    try:
        found = features(map_extent(dataset), CONTEXT_MARGIN_DEG)
    except (OSError, ValueError):  # no shipped context for this part of the world: the dataset's own only
        import geopandas as gpd

        found = gpd.GeoDataFrame({"layer": [], "name": []}, geometry=[], crs="EPSG:4326")
    simple = shapely.simplify(found.geometry.to_numpy(), HTML_TOLERANCE_DEG)
    lines: list[Any] = []
    lakes: list[Any] = []
    towns: list[Any] = []
    places = shapely.points([(p.x, p.y) for p in dataset.places.geometry]) if len(dataset.places) else []
    tree = shapely.STRtree(places)
    skip = {"river"} if (dataset.context["kind"] == "river").any() else set()  # the dataset draws its own
    for layer, name, geometry in zip(found["layer"], found["name"], simple):
        if layer in skip:
            continue
        if layer in ("river", "admin1"):
            lines += [[layer, part] for part in coords(shapely.boundary(geometry) if geometry.geom_type.endswith("Polygon") else geometry)]
        elif layer == "lake":
            lakes += [[[[round(y, 3), round(x, 3)] for x, y in ring.coords] for ring in (part.exterior, *part.interiors)]
                      for part in shapely.get_parts(geometry) if part.geom_type == "Polygon"]
        elif layer == "town" and len(towns) < CONTEXT_TOWNS and isinstance(name, str) \
                and not len(tree.query(geometry.buffer(TOWN_CLEARANCE_DEG), predicate="intersects")):
            towns.append([round(geometry.y, 4), round(geometry.x, 4), esc(display_name(name))])
    # Countries named where the map opens: at a point inside each one's share of the dataset's extent.
    x0, y0, x1, y1 = map_extent(dataset)
    box = shapely.box(x0, y0, x1, y1)
    countries = []
    for layer, name, geometry in zip(found["layer"], found["name"], found.geometry):
        share = geometry.intersection(box) if layer == "country" and isinstance(name, str) else None
        if share is not None and share.area > 0.02 * box.area:
            point = share.representative_point()
            countries.append([round(point.y, 4), round(point.x, 4), esc(name)])
    own, named = dataset_context_tables(dataset, coords)
    return {"lines": lines + own, "lakes": lakes, "towns": towns, "countries": countries, "named": named,
            "styles": ground_line_styles()}


# Which style.LINE_STYLES entry draws each kind of ground line in the viewer (one declaration per colour).
GROUND_LINES = {"admin1": "admin1_border", "river": "river", "road": "road", "border": "country_border",
                "feature": "admin1_border"}


def ground_line_styles() -> dict[str, dict[str, Any]]:
    """{kind: Leaflet path options} of the ground's lines, from style.LINE_STYLES (dashes in px)."""
    out = {}
    for kind, name in GROUND_LINES.items():
        style: Any = LINE_STYLES[name]
        out[kind] = {"color": style["color"], "weight": style["width"]}
        if style["dash"]:
            out[kind]["dashArray"] = " ".join(f"{d * 2:g}" for d in style["dash"])
    return out


def dataset_context_tables(dataset: Dataset, coords: Callable[[Any], list[Any]]) -> tuple[list[Any], list[Any]]:
    """([kind, latlngs] lines, [lat, lng, name] labels) of the dataset's own context.geojson: rivers, roads
    and borders in their own style, areas as an outline, every feature named."""
    import shapely

    from .context import HTML_TOLERANCE_DEG

    lines, named = [], []
    own = dataset.context
    for kind, name, geometry in zip(own["kind"], own["name"], own.geometry):
        if geometry is None or geometry.is_empty:
            continue
        simple = shapely.simplify(geometry, HTML_TOLERANCE_DEG)
        if geometry.geom_type.endswith("Polygon"):
            lines += [["feature", part] for part in coords(shapely.boundary(simple))]
            at = geometry.representative_point()
        elif geometry.geom_type.endswith("LineString"):
            layer = kind if kind in ("river", "road", "border") else "feature"
            lines += [[layer, part] for part in coords(simple)]
            longest = max(shapely.get_parts(geometry), key=lambda g: g.length)
            at = longest.interpolate(0.5, normalized=True)
        else:
            at = geometry
        if isinstance(name, str) and name:
            named.append([round(at.y, 4), round(at.x, 4), esc(display_name(name))])
    return lines, named


# Which labels win a crowded map: lower first. A governorate names a region, not a point: no label.
LABEL_RANKS = {"city": 0, "town": 1, "airbase": 2, "military_base": 2, "hospital": 3, "village": 4, "checkpoint": 5,
               "hill": 6, "area": 7, "governorate": 99}
DEFAULT_LABEL_RANK = 4


# Zones and fronts are drawn in the browser at AREA_DECIMALS (_chunks.py, which packs them on that grid),
# simplified first within half a screen pixel at the zoom the map opens on (the frame across about
# OPENING_PX), and never finer than about 20 m: a battle keeps its 20 m, a war's zones shed what no reader
# of the whole country sees.
SHAPE_TOLERANCE_DEG = 0.0002
OPENING_PX = 1000


def shape_tolerance(dataset: Dataset) -> float:
    """Degrees within which zones and fronts are simplified: half a pixel of the opening view."""
    (south, west), (north, east) = frame(dataset)
    return max(SHAPE_TOLERANCE_DEG, max(east - west, north - south) / OPENING_PX / 2)


def _latlngs(geometry):
    """Leaflet [lat, lng] arrays, rounded: a list of polygons (each its rings) or a list of line parts."""
    import shapely

    def ring(coords: Iterable[Sequence[float]]) -> list[list[float]]:
        return [[round(y, AREA_DECIMALS), round(x, AREA_DECIMALS)] for x, y in coords]
    out = []
    for piece in shapely.get_parts(geometry):
        if piece.geom_type == "Polygon":
            out.append([ring(r.coords) for r in (piece.exterior, *piece.interiors)])
        elif not piece.is_empty:
            out.append(ring(piece.coords))
    return out


def area_tables(dataset: Dataset) -> dict[str, Any]:
    """Zones and front lines as intervals (ds.area_intervals / front_intervals, see areas.py), each distinct
    shape written once: zones [start day, end day, shape, side, status, challenger, basis, place row or -1,
    km², method]; fronts [start day, end day, shape, side a, side b, km]. Days count from the period's start."""
    import shapely

    start = dataset.period[0]
    position = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    shapes: list[Any] = []
    shape_index: dict[Any, int] = {}
    methods: list[str] = []
    tolerance = shape_tolerance(dataset)

    def shape(geometry: BaseGeometry) -> int:
        key = geometry.wkb
        if key not in shape_index:
            shape_index[key] = len(shapes)
            shapes.append(_latlngs(shapely.simplify(geometry, tolerance)))
        return shape_index[key]

    def method(text: str) -> int:
        if esc(text) not in methods:
            methods.append(esc(text))
        return methods.index(esc(text))

    def days(table: pd.DataFrame) -> tuple[list[int], list[int]]:  # [start, end) in day numbers; an open end (NaT) runs past the period
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


def payload_js(dataset: Dataset) -> str:
    """All the tables in one script, every day's included (a self-contained page; see viewer_files)."""
    return f"var JG = {to_js(payload(dataset))};\n"
