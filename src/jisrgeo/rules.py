"""Every rule a dataset must satisfy; returns Problems and never changes anything."""

import math
import re
from datetime import date

from . import vocab
from .errors import Problem

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER = (int, float)
# field: (accepted types, required). None in the types means null is allowed.
PLACE_FIELDS = {
    "place_id": ((str,), True), "name": ((str,), True), "aliases": ((list,), True),
    "kind": ((str,), True), "governorate": ((str, type(None)), False),
    "precision_m": (NUMBER, True), "location_source": ((str,), True),
    "refs": ((list,), True), "note": ((str, type(None)), False), "control": ((list,), True),
}
STATE_FIELDS = {
    "date": ((str, type(None)), True), "date_end": ((str, type(None)), False),
    "date_precision": ((str, type(None)), False), "controller": ((str,), True),
    "status": ((str,), True), "challenger": ((str, type(None)), False),
    "basis": ((str,), True), "refs": ((list,), True), "note": ((str, type(None)), False),
}
EVENT_FIELDS = {
    "event_id": ((str,), True), "date": ((str,), True), "date_end": ((str, type(None)), False),
    "date_precision": ((str,), True), "place_id": ((str,), True), "type": ((str,), True),
    "actor1": ((str, type(None)), False), "actor2": ((str, type(None)), False),
    "claimant": ((str,), True), "casualties": ((list,), False), "counts": ((list,), False),
    "incident": ((str, type(None)), False), "aggregate": ((bool,), False),
    "refs": ((list,), True), "note": ((str, type(None)), False),
}
FIGURE_FIELDS = {"side": ((str,), True), "outcome": ((str,), True), "low": (NUMBER + (type(None),), False),
                 "best": (NUMBER + (type(None),), False), "high": (NUMBER + (type(None),), False)}
ROUTE_FIELDS = {
    "route_id": ((str,), True), "name": ((str,), True), "kind": ((str,), True),
    "date": ((str, type(None)), False), "schematic": ((bool,), True),
    "stated_length_m": (NUMBER + (type(None),), False), "refs": ((list,), True),
    "note": ((str, type(None)), False),
}
# layer: (field spec, the field with a vocabulary, its allowed values)
LAYER_RULES = {
    "places": (PLACE_FIELDS, "kind", vocab.PLACE_KINDS),
    "events": (EVENT_FIELDS, "type", tuple(vocab.EVENT_TYPES)),
    "routes": (ROUTE_FIELDS, "kind", vocab.ROUTE_KINDS),
}
SOURCE_COLUMNS = ("ref", "publisher", "title", "language", "date")
GEOMETRY = {"places": "Point", "events": "Point", "routes": "LineString"}
ID_FIELD = {"places": "place_id", "events": "event_id", "routes": "route_id"}
# A point this far (degrees) from the layer's median, whose swap lands near it, is called swapped.
SWAP_MIN_DEGREES = 0.3


def parse_date(text):
    """An ISO date or None; rejects impossible days like 2015-02-30."""
    if not isinstance(text, str) or not ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def check(data):
    """All problems in a dataset read by io.read_folder."""
    problems = []
    refs = _check_sources(data["sources"], problems)
    for layer in ("places", "events", "routes"):
        if data.get(layer) is not None:
            _check_layer(layer, data[layer], problems)
    ctx = {"refs": refs, "places": _ids(data, "places"), "period": _period(data, problems),
           "nul_layers": data.get("nul_layers", {"places", "events", "routes"})}
    for feature in _features(data, "places"):
        _check_place(feature, ctx, problems)
    for feature in _features(data, "events"):
        _check_event(feature, ctx, problems)
    for feature in _features(data, "routes"):
        _check_route(feature, ctx, problems)
    return problems


def _features(data, layer):
    content = data.get(layer)
    if not isinstance(content, dict) or not isinstance(content.get("features"), list):
        return []
    return [f for f in content["features"] if isinstance(f, dict) and isinstance(f.get("properties"), dict)]


def _key(value):
    """A hashable stand-in for an id of any JSON type (a list id is wrong, but must not crash)."""
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _ids(data, layer):
    return {_key(f["properties"].get(ID_FIELD[layer])) for f in _features(data, layer)}


def _period(data, problems):
    period = data["meta"].get("period") or {}
    start, end = parse_date(period.get("start")), parse_date(period.get("end"))
    if period and (start is None or end is None or end < start):
        problems.append(Problem("dataset.json", "", "period", "needs ISO start and end dates with start <= end"))
        return None
    return (start, end) if period else None


def _check_sources(rows, problems):
    if not isinstance(rows, list):
        return set()
    missing = [c for c in SOURCE_COLUMNS if c not in rows[0]]
    if missing:
        problems.append(Problem("sources.csv", "", ",".join(missing), "missing column(s)"))
    refs = set()
    for line, row in enumerate(rows, start=2):
        value = (row.get("ref") or "").strip()
        if not value.isdigit():
            problems.append(Problem("sources.csv", f"line {line}", "ref", f"{value!r} is not a reference number"))
        elif int(value) in refs:
            problems.append(Problem("sources.csv", f"line {line}", "ref", f"duplicate reference {value}"))
        else:
            refs.add(int(value))
        if row.get("date") and parse_date(row["date"]) is None:
            problems.append(Problem("sources.csv", f"line {line}", "date", f"{row['date']!r} is not an ISO date (YYYY-MM-DD)"))
    return refs


def _check_layer(layer, content, problems):
    file = f"{layer}.geojson"
    if not isinstance(content, dict) or content.get("type") != "FeatureCollection" or not isinstance(content.get("features"), list):
        problems.append(Problem(file, "", "type", "not a GeoJSON FeatureCollection"))
        return set()
    crs = crs_name(content)
    if crs and not is_wgs84(crs):
        # One clear message instead of one out-of-range coordinate per feature.
        problems.append(Problem(file, "", "crs", f"coordinates are in {crs}, not WGS84 lon/lat: run "
                                "`jisrgeo normalize PATH --out NEW` to reproject them (GeoJSON is EPSG:4326 by RFC 7946)"))
        return
    seen, points = set(), []
    for i, feature in enumerate(content["features"]):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            problems.append(Problem(file, f"feature {i}", "properties", "feature without properties"))
            continue
        fid = _key(props.get(ID_FIELD[layer]))
        label = str(fid) if fid else f"feature {i}"
        if fid in seen:
            problems.append(Problem(file, label, ID_FIELD[layer], "duplicate id"))
        seen.add(fid)
        if _check_geometry(file, label, layer, feature.get("geometry"), problems) and layer != "routes":
            points.append((label, *feature["geometry"]["coordinates"][:2]))
    _check_swapped(file, points, problems)


def crs_name(content):
    """The name in a legacy GeoJSON 'crs' member, or None."""
    crs = content.get("crs") if isinstance(content, dict) else None
    if not isinstance(crs, dict):
        return None
    name = (crs.get("properties") or {}).get("name") if isinstance(crs.get("properties"), dict) else None
    return str(name) if name else "an unnamed CRS"


def is_wgs84(name):
    """True for the names QGIS and GDAL write for plain WGS84 lon/lat."""
    return name.replace("::", ":").upper().endswith(("CRS84", "EPSG:4326", "EPSG:4326:")) or name.upper() == "WGS84"


def _check_swapped(file, points, problems):
    """Flag points that sit far from the others but would sit among them with lon and lat swapped."""
    if len(points) < 3:
        return
    lons = sorted(p[1] for p in points)
    lats = sorted(p[2] for p in points)
    mid_lon, mid_lat = lons[len(lons) // 2], lats[len(lats) // 2]
    for label, lon, lat in points:
        off = math.hypot(lon - mid_lon, lat - mid_lat)
        swapped_off = math.hypot(lat - mid_lon, lon - mid_lat)
        if off > SWAP_MIN_DEGREES and swapped_off < off / 3:
            problems.append(Problem(file, label, "geometry", f"coordinate [{lon}, {lat}] lies far from the other features "
                                    "but among them if swapped: longitude and latitude look swapped (GeoJSON is [lon, lat])"))


def _check_geometry(file, label, layer, geometry, problems):
    want = GEOMETRY[layer]
    if not isinstance(geometry, dict):
        problems.append(Problem(file, label, "geometry", f"missing geometry (expected {want})"))
        return False
    if geometry.get("type") != want:
        problems.append(Problem(file, label, "geometry", f"{geometry.get('type')} geometry, expected {want}"))
        return False
    coords = geometry.get("coordinates")
    points = [coords] if want == "Point" else coords
    if not isinstance(points, list) or not points or (want == "LineString" and len(points) < 2):
        problems.append(Problem(file, label, "geometry", "missing or too few coordinates"))
        return False
    for point in points:
        reason = _coordinate_problem(point)
        if reason:
            problems.append(Problem(file, label, "geometry", reason))
            return False
    return True


def _coordinate_problem(point):
    if not (isinstance(point, list) and len(point) >= 2 and all(isinstance(v, NUMBER) and not isinstance(v, bool) for v in point[:2])):
        return f"coordinate {point!r} is not [lon, lat]"
    lon, lat = point[:2]
    if not all(math.isfinite(v) for v in (lon, lat)):
        return f"coordinate {point!r} is not finite"
    if abs(lat) > 90 or abs(lon) > 180:
        if abs(lon) <= 90 and abs(lat) <= 180:
            return f"coordinate {point!r} has latitude out of range: longitude and latitude look swapped (GeoJSON is [lon, lat])"
        return f"coordinate {point!r} is outside lon -180..180 / lat -90..90 (a projected CRS? GeoJSON must be WGS84 degrees)"
    return None


def _check_fields(file, label, props, spec, problems, prefix=""):
    # Exact type match: JSON gives only these types, and it keeps true/false out of numbers.
    for field, (types, required) in spec.items():
        if field not in props:
            if required:
                problems.append(Problem(file, label, prefix + field, "required field is missing"))
        elif type(props[field]) not in types:
            names = "/".join("null" if t is type(None) else t.__name__ for t in types)
            problems.append(Problem(file, label, prefix + field, f"{props[field]!r} should be {names}"))


def _check_refs(file, label, field, refs, ctx, problems):
    if not isinstance(refs, list):
        return
    if not refs:
        problems.append(Problem(file, label, field, "no source reference: every fact needs one"))
    for ref in refs:
        if not isinstance(ref, int) or isinstance(ref, bool) or ref not in ctx["refs"]:
            problems.append(Problem(file, label, field, f"reference {ref!r} is not in sources.csv"))


def _check_vocab(file, label, field, value, allowed, problems, nullable=False):
    if value is None and nullable:
        return
    if value not in allowed:
        problems.append(Problem(file, label, field, f"{value!r} is not one of: {', '.join(allowed)}"))


def _check_dates(file, label, prefix, props, ctx, problems, in_period=True):
    """date/date_end/date_precision of an event, a state or a route; returns (start, end) or None."""
    start = parse_date(props.get("date"))
    if props.get("date") is not None and start is None:
        problems.append(Problem(file, label, prefix + "date", f"{props.get('date')!r} is not a valid ISO date (YYYY-MM-DD)"))
        return None
    end = parse_date(props.get("date_end")) if props.get("date_end") is not None else None
    if props.get("date_end") is not None and end is None:
        problems.append(Problem(file, label, prefix + "date_end", f"{props.get('date_end')!r} is not a valid ISO date (YYYY-MM-DD)"))
        return None
    if end and start and end < start:
        problems.append(Problem(file, label, prefix + "date_end", f"range ends ({end}) before it starts ({start})"))
    precision = props.get("date_precision")
    if start is not None:
        _check_vocab(file, label, prefix + "date_precision", precision, vocab.DATE_PRECISIONS, problems)
        if precision == "range" and end is None:
            problems.append(Problem(file, label, prefix + "date_end", "date_precision 'range' needs a date_end"))
    period = ctx["period"]
    if in_period and period and start and not (period[0] <= start <= period[1]):
        problems.append(Problem(file, label, prefix + "date", f"{start} is outside the dataset's period {period[0]}..{period[1]}"))
    return (start, end or start) if start else None


def _check_text(file, label, value, problems, field=""):
    """NUL cannot be stored by GDAL's formats and is never meaningful: refuse it wherever it hides."""
    if isinstance(value, str):
        if "\x00" in value:
            problems.append(Problem(file, label, field, "text holds a NUL character (\\x00); remove it"))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(file, label, item, problems, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_text(file, label, item, problems, f"{field}[{i}]")


def _check_common(layer, feature, ctx, problems):
    """What every feature of a layer must satisfy: text, field types, its vocabulary field, refs."""
    spec, field, allowed = LAYER_RULES[layer]
    props, file = feature["properties"], f"{layer}.geojson"
    label = str(props.get(ID_FIELD[layer]) or "?")
    if layer in ctx["nul_layers"]:
        _check_text(file, label, props, problems)
    _check_fields(file, label, props, spec, problems)
    _check_vocab(file, label, field, props.get(field), allowed, problems)
    _check_refs(file, label, "refs", props.get("refs"), ctx, problems)
    return props, file, label


def _check_place(feature, ctx, problems):
    props, file, label = _check_common("places", feature, ctx, problems)
    pid = props.get("place_id")
    if isinstance(pid, str) and not re.fullmatch(r"[a-z0-9_]+", pid):
        problems.append(Problem(file, label, "place_id", "must be an ascii slug (a-z, 0-9, _)"))
    if isinstance(props.get("precision_m"), NUMBER) and props["precision_m"] < 0:
        problems.append(Problem(file, label, "precision_m", "must be >= 0"))
    if isinstance(props.get("control"), list):
        _check_control(file, label, props["control"], ctx, problems)


def _check_control(file, label, states, ctx, problems):
    previous, previous_day = None, None
    for i, state in enumerate(states):
        prefix = f"control[{i}]."
        if not isinstance(state, dict):
            problems.append(Problem(file, label, prefix[:-1], "each control state must be an object"))
            return
        _check_fields(file, label, state, STATE_FIELDS, problems, prefix)
        _check_vocab(file, label, prefix + "controller", state.get("controller"), vocab.SIDES, problems)
        _check_vocab(file, label, prefix + "status", state.get("status"), vocab.STATUSES, problems)
        _check_vocab(file, label, prefix + "challenger", state.get("challenger"), vocab.SIDES, problems, nullable=True)
        _check_vocab(file, label, prefix + "basis", state.get("basis"), vocab.BASES, problems)
        _check_refs(file, label, prefix + "refs", state.get("refs"), ctx, problems)
        if state.get("status") in ("contested", "besieged") and not state.get("challenger"):
            problems.append(Problem(file, label, prefix + "challenger", f"a {state.get('status')} place needs the challenging side"))
        if i == 0 and state.get("date") is None:
            previous = state
            continue
        if state.get("date") is None:
            problems.append(Problem(file, label, prefix + "date", "only the first (initial) state may have no date"))
            continue
        dates = _check_dates(file, label, prefix, state, ctx, problems)
        if dates is None:
            continue
        day = dates[1]  # a change known only within a range takes effect at its end
        if previous_day and day < previous_day:
            problems.append(Problem(file, label, prefix + "date", f"{day} comes before the previous change ({previous_day}): keep changes in date order"))
        elif previous_day and day == previous_day:
            problems.append(Problem(file, label, prefix + "date", f"two changes on {day}: merge them or date them apart"))
        if previous and all(previous.get(k) == state.get(k) for k in ("controller", "status", "challenger")):
            problems.append(Problem(file, label, prefix + "controller",
                                    f"no change: {state.get('controller')} already holds it with status {state.get('status')}"))
        previous, previous_day = state, day


def _check_event(feature, ctx, problems):
    props, file, label = _check_common("events", feature, ctx, problems)
    _check_dates(file, label, "", props, ctx, problems)
    if _key(props.get("place_id")) not in ctx["places"]:
        problems.append(Problem(file, label, "place_id", f"{props.get('place_id')!r} is not a place in places.geojson"))
    for key in ("casualties", "counts"):
        for i, figure in enumerate(props.get(key) or []):
            _check_figure(file, label, f"{key}[{i}].", figure, key == "casualties", problems)


def _check_figure(file, label, prefix, figure, is_casualty, problems):
    if not isinstance(figure, dict):
        problems.append(Problem(file, label, prefix[:-1], "must be an object"))
        return
    _check_fields(file, label, figure, FIGURE_FIELDS, problems, prefix)
    if is_casualty:
        _check_vocab(file, label, prefix + "side", figure.get("side"), vocab.CASUALTY_SIDES, problems)
        _check_vocab(file, label, prefix + "outcome", figure.get("outcome"), vocab.OUTCOMES, problems)
    values = [figure.get(k) for k in ("low", "best", "high")]
    numbers = [v for v in values if isinstance(v, NUMBER) and not isinstance(v, bool)]
    if not numbers:
        problems.append(Problem(file, label, prefix + "best", "needs at least one of low, best, high"))
    elif any(v < 0 for v in numbers):
        problems.append(Problem(file, label, prefix + "low", "figures cannot be negative"))
    elif numbers != sorted(numbers):
        problems.append(Problem(file, label, prefix + "low", f"low <= best <= high is not true of {values}"))


def _check_route(feature, ctx, problems):
    props, file, label = _check_common("routes", feature, ctx, problems)
    _check_dates(file, label, "", props, ctx, problems)
