"""What a schema cannot say: structure of the GeoJSON, geometry, references across files, the order
of control changes, the period, alias collisions. Field shapes are checked by shape.py against
schema.py. Returns Problems and never changes anything.
"""

import math

from . import names, schema
from .errors import Problem
from .shape import Checker, compile_fields, depth_problem, is_number, parse_date, show
from .sides import Vocabulary

GEOMETRY = schema.GEOMETRY
ID_FIELD = {layer: info["id"] for layer, info in schema.FILES.items() if "id" in info}
# A point this far (degrees) from the layer's median, whose swap lands near it, is called swapped.
SWAP_MIN_DEGREES = 0.3


def check(data):
    """All problems in a dataset read by io.read_folder."""
    problems = []
    states = [_states(f["properties"]) for f in _features(data, "places")]
    vocab, keys = check_head(data, used_sides(data), any(states), problems)
    for layer in GEOMETRY:
        if data.get(layer) is not None:
            _check_layer(layer, data[layer], problems)
    keys.update(places=_ids(data, "places"), routes=_ids(data, "routes"))
    dated = any(s.get("date") for place in states for s in place)
    period = check_period(data["meta"], dated, bool(_features(data, "events")), problems)
    for layer in GEOMETRY:
        check_features(layer, data, vocab, keys, period, problems)
    check_tail(data, vocab, keys, problems)
    check_aliases(_alias_records(data), problems)
    places = [f["properties"] for f in _features(data, "places")]
    check_parts([p.get("place_id") for p in places], [p.get("part_of") for p in places], problems)
    return problems


def check_parts(place_ids, part_ofs, problems):
    """part_of may not name the place itself nor close a loop (a part of its own part)."""
    parent = {p: q for p, q in zip(place_ids, part_ofs) if isinstance(p, str) and isinstance(q, str)}
    for place, first in parent.items():
        seen, current = [place], first
        while current in parent and current not in seen:
            seen.append(current)
            current = parent[current]
        if current == place:
            loop = " -> ".join([*seen, place]) if len(seen) > 1 else f"{place} -> {place}"
            problems.append(Problem("places.geojson", str(place)[:200], "part_of",
                                    f"a place cannot be part of itself ({loop})"))


def check_head(data, sides, has_states, problems):
    """dataset.json, the sides and sources.csv: the (vocabularies, keys) the layers are checked against."""
    meta = data["meta"]
    # Allies must be sides the file itself declares.
    _check_json_file("dataset", meta, Checker("dataset.json", Vocabulary(meta).lists(), {}, problems), problems)
    _check_extent(meta, problems)
    _check_tiles(meta, problems)
    vocabulary = Vocabulary(meta, sides)
    if not vocabulary.declared_sides and not vocabulary.sides and has_states:
        problems.append(Problem("dataset.json", "", "sides", "no side could be found: declare the sides"))
    keys = {}
    if data.get("sources") is not None:
        keys["sources"] = _check_sources(data["sources"], problems)
    return vocabulary.lists(), keys


def check_features(layer, data, vocab, keys, period, problems):
    """Every feature of one layer against its fields and rules, one by one (the describing path)."""
    check_feature = {"places": _check_place, "events": _check_event, "routes": _check_route}[layer]
    checker = Checker(schema.FILES[layer]["file"], vocab, keys, problems)
    nul = layer in data.get("nul_layers", GEOMETRY)
    spec = schema.fields(layer)
    clean = compile_fields(spec, vocab, keys)  # a quick screen; Checker says what is wrong
    for feature in _features(data, layer):
        label = _label(feature["properties"], layer)
        if nul:
            _check_text(checker, label, feature["properties"])
        if not clean(feature["properties"]):
            checker.fields(label, feature["properties"], spec)
        _check_refs(checker, label, "refs", feature["properties"], keys)
        check_feature(checker, label, feature["properties"], period)


def check_tail(data, vocab, keys, problems):
    """claims.json and forces.json, checked against the layers' ids."""
    if data.get("claims") is not None:
        _check_claims(data["claims"], Checker("claims.json", vocab, keys, problems), problems)
    if data.get("forces") is not None:
        _check_json_file("forces", data["forces"], Checker("forces.json", vocab, keys, problems), problems)
    names = _check_context(data.get("context"), Checker("context.geojson", vocab, keys, problems), problems)
    _check_line_claims(data.get("claims"), names, problems)


def _check_context(content, checker, problems):
    """context.geojson: a FeatureCollection of named lines, areas and points. Returns the names found."""
    if content is None:
        return set()
    if not isinstance(content, dict) or content.get("type") != "FeatureCollection" \
            or not isinstance(content.get("features"), list):
        problems.append(Problem("context.geojson", "", "", "must be a GeoJSON FeatureCollection"))
        return set()
    depth = depth_problem(content)
    if depth:
        problems.append(Problem("context.geojson", "", "", depth))
        return set()
    names = set()
    for i, feature in enumerate(content["features"]):
        props = feature.get("properties") if isinstance(feature, dict) else None
        label = str(props.get("name"))[:200] if isinstance(props, dict) and isinstance(props.get("name"), str) \
            else f"feature {i}"
        if not isinstance(props, dict):
            problems.append(Problem("context.geojson", label, "properties", "each feature needs properties"))
            continue
        if label in names:
            problems.append(Problem("context.geojson", label, "name", "duplicate name (claims name a line by it)"))
        names.add(label)
        checker.fields(label, props, schema.fields("context"))
        if props.get("refs") is not None:
            _check_refs(checker, label, "refs", props, checker.keys)
        reason = _context_geometry_problem(feature.get("geometry"))
        if reason:
            problems.append(Problem("context.geojson", label, "geometry", reason))
    return names


def _context_geometry_problem(geometry):
    """What is wrong with a context feature's geometry, or None."""
    allowed = schema.CONTEXT_GEOMETRIES
    if not isinstance(geometry, dict) or geometry.get("type") not in allowed:
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        return f"{show(kind)} is not one of {', '.join(allowed)}"
    depth = {"Point": 0, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}[geometry["type"]]
    positions, stack = [], [(geometry.get("coordinates"), depth)]
    while stack:
        value, level = stack.pop()
        if not isinstance(value, list) or (level and not value):
            return "coordinates are not nested as a " + geometry["type"] + " needs"
        if level:
            stack.extend((v, level - 1) for v in value)
            if level == 1 and len(value) < 2:
                return "a line needs at least two positions"
        else:
            positions.append(value)
    for p in positions:
        if len(p) < 2 or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
                                 for c in p[:2]):
            return f"{show(p)} is not a [lon, lat] position"
        if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
            return f"{show(p)} is not a [lon, lat] position (lon -180..180, lat -90..90)"
    return None


def _check_line_claims(claims, names, problems):
    """A near_line claim names a context.geojson feature and states how near."""
    for i, claim in enumerate(claims if isinstance(claims, list) else []):
        if not isinstance(claim, dict) or claim.get("kind") != "near_line":
            continue
        label = str(claim.get("claim_id")) if isinstance(claim.get("claim_id"), str) else f"claim {i}"
        for field in ("from", "line", "stated_m"):
            if claim.get(field) is None:
                problems.append(Problem("claims.json", label, field, f"a near_line claim needs {field}"))
        if isinstance(claim.get("line"), str) and claim["line"] not in names:
            problems.append(Problem("claims.json", label, "line", f"{show(claim['line'])} is not the name of a "
                                    "feature in context.geojson"))


def _check_tiles(meta, problems):
    from .maps.context import tile_problem

    problem = tile_problem(meta.get("tiles")) if isinstance(meta, dict) else None
    if problem:
        problems.append(Problem("dataset.json", "", "tiles", problem))


def _check_extent(meta, problems):
    extent = meta.get("map_extent") if isinstance(meta, dict) else None
    if isinstance(extent, list) and len(extent) == 4 and all(is_number(v) and math.isfinite(v) for v in extent):
        x0, y0, x1, y1 = extent
        if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
            problems.append(Problem("dataset.json", "", "map_extent",
                                    "must be [lon_min, lat_min, lon_max, lat_max] with min < max, in degrees"))


def used_sides(data):
    """Every side code the places name as controller or challenger."""
    return {state.get(k) for f in _features(data, "places") for state in _states(f["properties"])
            for k in ("controller", "challenger") if isinstance(state.get(k), str)}


def _states(props):
    control = props.get("control")
    return [s for s in control if isinstance(s, dict)] if isinstance(control, list) else []


def _check_json_file(file, content, checker, problems):
    """dataset.json or forces.json: an object of declared fields (forces: other keys hold cited records)."""
    info = schema.FILES[file]
    if not isinstance(content, dict):
        problems.append(Problem(info["file"], "", "", f"must be a JSON object, not {show(content)}"))
        return
    depth = depth_problem(content)
    if depth:
        problems.append(Problem(info["file"], "", "", depth))
        return
    checker.fields("", content, info["fields"])
    declared = {f.name for f in info["fields"]}
    for key, value in content.items():
        if key in declared or not info.get("extra"):
            continue
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.append(Problem(info["file"], "", key, "should be a list of records (JSON objects with refs)"))
            continue
        for i, record in enumerate(value):
            _check_refs(checker, "", f"{key}[{i}].refs", record, checker.keys, field="refs")


def _check_claims(claims, checker, problems):
    if not isinstance(claims, list):
        problems.append(Problem("claims.json", "", "", f"must be a JSON list of claims, not {show(claims)}"))
        return
    depth = depth_problem(claims)
    if depth:
        problems.append(Problem("claims.json", "", "", depth))
        return
    needs = {"distance": ("from", "to", "stated_m"), "direction": ("from", "to", "direction"), "near": ("from", "to"),
             "route_length": ("route_id", "stated_m"), "route_radius": ("route_id", "from", "stated_m")}
    seen = set()
    for i, claim in enumerate(claims):
        if not isinstance(claim, dict):
            problems.append(Problem("claims.json", f"claim {i}", "", "each claim must be a JSON object"))
            continue
        label = str(claim.get("claim_id")) if isinstance(claim.get("claim_id"), str) else f"claim {i}"
        if label in seen:
            problems.append(Problem("claims.json", label, "claim_id", "duplicate id"))
        seen.add(label)
        checker.fields(label, claim, schema.fields("claims"))
        _check_refs(checker, label, "refs", claim, checker.keys)
        for field in needs.get(claim.get("kind"), ()):
            if claim.get(field) is None:
                checker.add(label, field, f"a {claim['kind']} claim needs {field}")


def _features(data, layer):
    content = data.get(layer)
    if not isinstance(content, dict) or not isinstance(content.get("features"), list):
        return []
    return [f for f in content["features"] if isinstance(f, dict) and isinstance(f.get("properties"), dict)]


def _key(value):
    """A hashable stand-in for an id of any JSON type (a list id is wrong, but must not crash)."""
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)[:200]


def _label(props, layer):
    fid = props.get(ID_FIELD[layer])
    return str(fid)[:200] if isinstance(fid, (str, int)) and fid != "" else "?"


def _ids(data, layer):
    return {_key(f["properties"].get(ID_FIELD[layer])) for f in _features(data, layer)}


def check_period(meta, dated, has_events, problems):
    """The declared period as dates, or None; a dataset with no date anywhere needs one."""
    period = meta.get("period") if isinstance(meta, dict) else None
    if isinstance(period, dict):
        start, end = parse_date(period.get("start")), parse_date(period.get("end"))
        if start and end and end < start:
            problems.append(Problem("dataset.json", "", "period.end", f"the period ends ({end}) before it starts ({start})"))
        return (start, end) if start and end and start <= end else None
    if not dated and not has_events:
        problems.append(Problem("dataset.json", "", "period", "required: no place changes hands and there are no events, "
                                "so the period cannot be worked out from the data (add \"period\": {\"start\": ..., \"end\": ...})"))
    return None


def _check_sources(rows, problems):
    """sources.csv: columns present, reference numbers unique; returns the set of references."""
    if not isinstance(rows, list) or not rows:
        return set()
    missing = [f.name for f in schema.fields("sources") if f.required and f.name not in rows[0]]
    if missing:
        problems.append(Problem("sources.csv", "", ",".join(missing), "missing column(s)"))
    refs = set()
    for line, row in enumerate(rows, start=2):
        value = (row.get("ref") or "").strip()
        if not value.isdigit() or int(value) < 1:
            problems.append(Problem("sources.csv", f"line {line}", "ref", f"{show(value)} is not a reference number"))
        elif int(value) in refs:
            problems.append(Problem("sources.csv", f"line {line}", "ref", f"duplicate reference {value}"))
        else:
            refs.add(int(value))
        if row.get("date") and parse_date(row["date"]) is None:
            problems.append(Problem("sources.csv", f"line {line}", "date", f"{show(row['date'])} is not an ISO date (YYYY-MM-DD)"))
        if any("\x00" in (v or "") for v in row.values() if isinstance(v, str)):
            problems.append(Problem("sources.csv", f"line {line}", "", "text holds a NUL character (\\x00); remove it"))
    return refs


def _check_layer(layer, content, problems):
    file = schema.FILES[layer]["file"]
    if not isinstance(content, dict) or content.get("type") != "FeatureCollection" or not isinstance(content.get("features"), list):
        problems.append(Problem(file, "", "type", "not a GeoJSON FeatureCollection"))
        return
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
        label = _label(props, layer) if fid else f"feature {i}"
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
        problems.append(Problem(file, label, "geometry", f"{show(geometry.get('type'))} geometry, expected {want}"))
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
    # A third (height) or fourth value is allowed by RFC 7946 and dropped when the layer is read.
    if not (isinstance(point, list) and 2 <= len(point) <= 4 and all(is_number(v) for v in point)):
        return f"coordinate {show(point)} is not [lon, lat]"
    lon, lat = point[:2]
    if not all(math.isfinite(v) for v in point):
        return f"coordinate {show(point)} is not finite"
    if abs(lat) > 90 or abs(lon) > 180:
        if abs(lon) <= 90 and abs(lat) <= 180:
            return f"coordinate {show(point)} has latitude out of range: longitude and latitude look swapped (GeoJSON is [lon, lat])"
        return f"coordinate {show(point)} is outside lon -180..180 / lat -90..90 (a projected CRS? GeoJSON must be WGS84 degrees)"
    return None


def _check_refs(checker, label, path, obj, keys, field="refs"):
    """With a sources.csv, every fact cites at least one reference found in it."""
    refs = obj.get(field)
    if "sources" not in keys or not isinstance(refs, list):
        if "sources" in keys and field not in obj:
            checker.add(label, path, "required field is missing: every fact needs a source reference")
        return
    if not refs:
        checker.add(label, path, "no source reference: every fact needs one")
    for ref in refs:
        if is_number(ref) and ref not in keys["sources"]:
            checker.add(label, path, f"reference {show(ref)} is not in sources.csv")


def _check_text(checker, label, props):
    """NUL cannot be stored by GDAL's formats and is never meaningful: refuse it wherever it hides
    (walked with a stack, not recursion, so no nesting can overflow it)."""
    stack = [(props, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                checker.add(label, path, "text holds a NUL character (\\x00); remove it")
        elif isinstance(value, dict):
            stack.extend((item, f"{path}.{key}" if path else str(key)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))


def _check_dates(checker, label, prefix, props, period, in_period=True):
    """Range and period rules of a dated record (the shapes were checked already); (start, end) or None."""
    start, end = parse_date(props.get("date")), parse_date(props.get("date_end"))
    if start is None:
        return None
    if end and end < start:
        checker.add(label, prefix + "date_end", f"range ends ({end}) before it starts ({start})")
    if props.get("date_precision") == "range" and end is None:
        checker.add(label, prefix + "date_end", "date_precision 'range' needs a date_end")
    # A range that starts before the period but reaches into it belongs to it (a toll carried into a window).
    if in_period and period and not (start <= period[1] and (end or start) >= period[0]):
        checker.add(label, prefix + "date", f"{start} is outside the dataset's period {period[0]}..{period[1]}")
    return start, end or start


def _check_place(checker, label, props, period):
    control = props.get("control")
    states = control if isinstance(control, list) and all(isinstance(s, dict) for s in control) else []
    _check_sequence(checker, label, states, period)
    _check_inferences(checker, label, states)


def _check_inferences(checker, label, states):
    """What we inferred may not contradict what a source reports about the same place."""
    for i, state in enumerate(states):
        if state.get("basis") != "reported":
            continue
        day = parse_date(state.get("date"))
        for j, other in enumerate(states):
            start, end = parse_date(other.get("date")), parse_date(other.get("date_end"))
            if other.get("basis") == "inferred" and day and start and end and start < day < end:
                checker.add(label, f"control[{j}].date_end", f"the inferred range {start}..{end} contains the reported "
                            f"change of {day} (control[{i}]): end the inference before it")
        previous = states[i - 1] if i else None
        if (previous and previous.get("basis") == "inferred" and state.get("status") in schema.CHALLENGED
                and state.get("controller") != previous.get("controller")):
            checker.add(label, f"control[{i - 1}].controller", f"inferred as held by {show(previous.get('controller'))}, "
                        f"but the source reports {show(state.get('controller'))} holding it when it was "
                        f"{state.get('status')} (control[{i}])")


def _check_sequence(checker, label, states, period):
    previous, previous_day = None, None
    for i, state in enumerate(states):
        if not isinstance(state, dict):
            return
        prefix = f"control[{i}]."
        _check_refs(checker, label, prefix + "refs", state, checker.keys)
        if state.get("status") in schema.CHALLENGED and not state.get("challenger"):
            checker.add(label, prefix + "challenger", f"a {state.get('status')} place needs the challenging side")
        if state.get("challenger") is not None and state.get("challenger") == state.get("controller"):
            checker.add(label, prefix + "challenger", "a side cannot challenge itself")
        if i == 0 and state.get("date") is None:
            previous = state
            continue
        if state.get("date") is None:
            checker.add(label, prefix + "date", "only the first (initial) state may have no date")
            continue
        dates = _check_dates(checker, label, prefix, state, period)
        if dates is None:
            continue
        day = dates[1]  # a change known only within a range takes effect at its end
        if previous_day and day < previous_day:
            checker.add(label, prefix + "date", f"{day} comes before the previous change ({previous_day}): keep changes in date order")
        elif previous_day and day == previous_day:
            checker.add(label, prefix + "date", f"two changes on {day}: merge them or date them apart")
        if previous and all(previous.get(k) == state.get(k) for k in ("controller", "status", "challenger")):
            checker.add(label, prefix + "controller",
                        f"no change: {show(state.get('controller'))} already holds it with status {show(state.get('status'))}")
        previous, previous_day = state, day


def _check_event(checker, label, props, period):
    _check_dates(checker, label, "", props, period)
    for key in schema.FIGURE_LISTS:
        figures = props.get(key)
        for i, figure in enumerate(figures if isinstance(figures, list) else []):
            if isinstance(figure, dict):
                _check_figure(checker, label, f"{key}[{i}].", figure)


# qualifier: (fields that must hold a number, fields that must be empty)
FIGURE_ENCODING = {"exact": (("best",), ("low", "high")), "about": (("best",), ("low", "high")),
                   "at_least": (("low", "best"), ("high",)), "more_than": (("low", "best"), ("high",)),
                   "range": (("low", "high"), ()), "vague": ((), ("low", "best", "high"))}


def _check_figure(checker, label, prefix, figure):
    values = [figure.get(k) for k in ("low", "best", "high")]
    numbers = [v for v in values if is_number(v) and math.isfinite(v)]
    qualifier = figure.get("qualifier")
    if qualifier in FIGURE_ENCODING:
        filled, empty = FIGURE_ENCODING[qualifier]
        for field in filled:
            if not is_number(figure.get(field)):
                checker.add(label, prefix + field, f"a figure worded '{qualifier}' needs {' and '.join(filled)}")
        for field in empty:
            if figure.get(field) is not None:
                checker.add(label, prefix + field, f"a figure worded '{qualifier}' leaves {field} empty")
        if qualifier in ("at_least", "more_than") and figure.get("low") != figure.get("best"):
            checker.add(label, prefix + "best", f"'{qualifier}' N is written low = best = N")
        if qualifier == "vague" and not figure.get("text"):
            checker.add(label, prefix + "text", "a vague quantity needs its wording in text")
    elif not numbers:
        checker.add(label, prefix + "best", "needs at least one of low, best, high (or qualifier 'vague' and a text)")
    if numbers != sorted(numbers):
        checker.add(label, prefix + "low", f"low <= best <= high is not true of {values}")


def _check_route(checker, label, props, period):
    _check_dates(checker, label, "", props, period)


def _alias_records(data):
    for feature in _features(data, "places"):
        props = feature["properties"]
        aliases = props.get("aliases")
        yield props.get("place_id"), props.get("name"), aliases if isinstance(aliases, list) else []


def check_aliases(records, problems):
    """Two places answering to one spelling, from (place_id, name, aliases) records: a lookup would
    silently pick the first."""
    owner = {}
    for pid, name, aliases in records:
        if not isinstance(pid, str):
            continue
        for spelling in {names.normalize(s) for s in (pid, name, *aliases) if isinstance(s, str)} - {""}:
            other = owner.setdefault(spelling, pid)
            if other != pid:
                problems.append(Problem("places.geojson", pid, "aliases",
                                        f"{spelling!r} also names {other}: a lookup could not tell them apart"))
