"""The rules of shape.py and rules.py, column by column, answering only yes or no.

The fast path (io/columnar.py) has decoded each layer into typed records, so every value already
has its declared type and every required field is present. What is left is checked here on whole
columns: dates, slugs, vocabularies, minimums and references on the set of distinct values;
coordinates and the swapped-axis test on numpy arrays; ids, refs, date ranges, figure wording and
the order of each place's control states in single passes. Any doubt is a no, and the describing
path (rules.check) then finds and words every problem. It never reports, so it never needs to be
kind: refusing a clean folder only makes that load slower.
"""

import numpy as np

from . import rules, schema
from .io.folder import lon_lat
from .shape import COLOR, ITEM_KIND, SLUG, parse_date

SPATIAL = tuple(schema.GEOMETRY)

def clean(data, layers, nested):
    """True when rules.check would find nothing wrong with this folder.

    data: meta, sources, claims, forces as read_folder gives them; layers: {layer: decoded columns,
    coordinates, geometry types, crs, type}; nested: {list field: flattened records} (columnar.py).
    """
    problems = []
    states = nested["control"]["columns"]
    sides = {s for k in ("controller", "challenger") for s in states[k] if s is not None}
    vocab, keys = rules.check_head(data, sides, bool(states["controller"]), problems)
    if problems or not all(_geometry_ok(layer, layers[layer]) for layer in SPATIAL):
        return False
    ids = {layer: layers[layer]["columns"][rules.ID_FIELD[layer]] for layer in SPATIAL}
    if any(len(set(values)) != len(values) for values in ids.values()):
        return False
    keys.update(places=set(ids["places"]), routes=set(ids["routes"]))
    dated = any(d is not None for d in states["date"])
    period = rules.check_period(data["meta"], dated, bool(ids["events"]), problems)
    if problems:
        return False
    period = (period[0].isoformat(), period[1].isoformat()) if period else None
    for layer in SPATIAL:
        columns = layers[layer]["columns"]
        if not (fields_ok(columns, schema.fields(layer), vocab, keys, nested) and refs_ok(columns["refs"], keys)
                and dates_ok(columns.get("date"), columns.get("date_end"), columns.get("date_precision"), period)):
            return False
    if not (refs_ok(states["refs"], keys) and states_ok(nested["control"], period)
            and all(figures_ok(nested[kind]["columns"]) for kind in schema.FIGURE_LISTS)):
        return False
    places = layers["places"]["columns"]
    rules.check_tail(data, vocab, keys, problems)
    rules.check_aliases(zip(places["place_id"], places["name"], places["aliases"]), problems)
    rules.check_parts(places["place_id"], places["part_of"], problems)
    return not problems


# -- field shapes -------------------------------------------------------------------------------------

def fields_ok(columns, spec, vocab, keys, nested):
    """Every field of `spec` in `columns` ({name: values}); a list of objects is found in `nested`."""
    for field in spec:
        if field.type == "objects":
            if not fields_ok(nested[field.name]["columns"], field.fields, vocab, keys, nested):
                return False
        elif field.type in ("object", "mapping"):
            return False  # not in a layer's properties; a type the typed decoding does not make
        elif not values_ok(field, columns[field.name], vocab, keys):
            return False
    return True


def values_ok(field, values, vocab, keys):
    """One field's values (null, or of the declared type) against the rest of its declaration."""
    kind, allowed = field.type, True
    if kind in ITEM_KIND:
        kind, allowed = ITEM_KIND[kind], kind != "refs"
    codes = vocab.get(field.vocab) if field.vocab and allowed else None
    known = keys.get(field.ref) if field.ref and allowed else None
    if kind in ("string", "boolean") and codes is None and known is None and not field.length:
        return True  # the typed decoding has checked all there is to check
    if field.type in ITEM_KIND:
        if field.length and any(v is not None and len(v) != field.length for v in values):
            return False
        distinct = {item for v in values if v for item in v}
    else:
        distinct = set(values)
        distinct.discard(None)
    if kind == "date" and not all(parse_date(v) is not None for v in distinct):
        return False
    if kind in ("slug", "color") and not all((SLUG if kind == "slug" else COLOR).match(v) for v in distinct):
        return False
    if kind in ("number", "integer") and field.minimum is not None and distinct:
        low = min(distinct)
        if low < field.minimum or (field.exclusive_minimum and low == field.minimum):
            return False
    return (codes is None or distinct <= set(codes)) and (known is None or distinct <= known)


# -- rules ----------------------------------------------------------------------------------------------

def refs_ok(refs, keys):
    """With a sources.csv, every record cites at least one reference, all of them in it."""
    if "sources" not in keys:
        return True
    if not all(refs):  # a missing, null or empty list (null alone would pass; the describing path says so)
        return False
    return {r for record in refs for r in record} <= keys["sources"]


def _text(values):
    return np.array(values, dtype=object)


def dates_ok(dates, ends, precisions, period):
    """A range ends on or after its start, a 'range' has an end, and a dated record overlaps the period.
    Dates are valid ISO strings here, which compare as the days they name."""
    if dates is None or not len(dates):
        return True
    dates, ends = _text(dates), _text(ends)
    dated, ranged = dates != None, ends != None  # noqa: E711 (elementwise on object arrays)
    both = dated & ranged
    if (ends[both] < dates[both]).any():
        return False
    if (dated & ~ranged & (_text(precisions) == "range")).any():
        return False
    last = np.where(ranged, ends, dates)
    # A dated record belongs to the period when it overlaps it (a range may start before it: a window's toll).
    return not period or bool(((last[dated] >= period[0]) & (dates[dated] <= period[1])).all())


def states_ok(states, period):
    """Each place's control states: challengers, one initial state at most, strictly later changes,
    each one a change, and no inference contradicting a reported state (rules._check_sequence)."""
    c = states["columns"]
    owner, seq = np.asarray(states["owner"]), np.asarray(states["seq"])
    dates, ends, basis = _text(c["date"]), _text(c["date_end"]), _text(c["basis"])
    controller, status, challenger = _text(c["controller"]), _text(c["status"]), _text(c["challenger"])
    challenged = np.logical_or.reduce([status == s for s in schema.CHALLENGED])
    if (challenged & (challenger == None)).any() or ((challenger != None) & (challenger == controller)).any():  # noqa: E711
        return False
    dated = dates != None  # noqa: E711
    if (~dated & (seq > 0)).any() or not dates_ok(c["date"], c["date_end"], c["date_precision"], period):
        return False
    days = np.where(ends != None, ends, dates)  # noqa: E711 (a range takes effect at its end)
    same = owner[1:] == owner[:-1]  # each state and the one before it, in the same place
    was_dated = same & dated[:-1]
    if (days[1:][was_dated] <= days[:-1][was_dated]).any():
        return False
    unchanged = (controller[1:] == controller[:-1]) & (status[1:] == status[:-1]) & (challenger[1:] == challenger[:-1])
    if (same & unchanged).any():
        return False
    turned = (basis[1:] == "reported") & (basis[:-1] == "inferred") & challenged[1:] & (controller[1:] != controller[:-1])
    if (same & turned).any():
        return False
    return _inferences_ok(owner, dates, ends, basis)


def _inferences_ok(owner, dates, ends, basis):
    """No day a source reports a change lies strictly inside a range we inferred for the same place."""
    ranges = {}
    for i in np.flatnonzero((basis == "inferred") & (dates != None) & (ends != None)):  # noqa: E711
        ranges.setdefault(owner[i], []).append((dates[i], ends[i]))
    reported = np.flatnonzero((basis == "reported") & (dates != None) & np.isin(owner, list(ranges)))  # noqa: E711
    return not any(start < dates[i] < end for i in reported for start, end in ranges[owner[i]])


def figures_ok(columns):
    """How each figure is worded matches the numbers it fills, and low <= best <= high (rules._check_figure)."""
    qualifier = np.array(columns["qualifier"], dtype=object)
    numbers = {k: np.array(columns[k], dtype=float) for k in ("low", "best", "high")}  # None -> NaN
    filled = {k: ~np.isnan(v) for k, v in numbers.items()}
    for wording, (needs, empties) in rules.FIGURE_ENCODING.items():
        rows = qualifier == wording
        if not rows.any():
            continue
        if not all(filled[k][rows].all() for k in needs) or any(filled[k][rows].any() for k in empties):
            return False
        if wording in ("at_least", "more_than") and not (numbers["low"][rows] == numbers["best"][rows]).all():
            return False
        if wording == "vague" and not all(t for t, r in zip(columns["text"], rows) if r):
            return False
    unworded = np.array([q not in rules.FIGURE_ENCODING for q in columns["qualifier"]], dtype=bool)
    if unworded.any() and not (filled["low"] | filled["best"] | filled["high"])[unworded].all():
        return False
    low, best, high = numbers["low"], numbers["best"], numbers["high"]
    return not ((low > best).any() or (best > high).any() or (low > high).any())  # NaN compares False


# -- geometry ---------------------------------------------------------------------------------------------

def _geometry_ok(layer, decoded):
    """A FeatureCollection in WGS84 whose geometries are of the layer's type, with coordinates in range."""
    if decoded["type"] != "FeatureCollection" or decoded["geometry_types"] - {schema.GEOMETRY[layer]}:
        return False
    if decoded["crs"] is not None:
        import msgspec

        name = rules.crs_name({"crs": msgspec.json.decode(decoded["crs"])})
        if name and not rules.is_wgs84(name):
            return False
    coordinates = decoded["coordinates"]
    if schema.GEOMETRY[layer] == "LineString":
        if not all(len(line) >= 2 for line in coordinates):
            return False
        coordinates = [point for line in coordinates for point in line]
    if not all(2 <= len(point) <= 4 for point in coordinates):
        return False
    xy = lon_lat(coordinates)
    if not ((np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()):
        return False
    return layer == "routes" or not _swapped(xy)


def _swapped(xy):
    """rules._check_swapped on arrays: any point far from the median but near it with its axes swapped."""
    if len(xy) < 3:
        return False
    mid_lon, mid_lat = np.sort(xy[:, 0])[len(xy) // 2], np.sort(xy[:, 1])[len(xy) // 2]
    off = np.hypot(xy[:, 0] - mid_lon, xy[:, 1] - mid_lat)
    swapped_off = np.hypot(xy[:, 1] - mid_lon, xy[:, 0] - mid_lat)
    return bool(((off > rules.SWAP_MIN_DEGREES) & (swapped_off < off / 3)).any())

