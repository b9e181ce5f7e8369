"""The fast path for a clean dataset folder: typed decoding and column checks, no walk of every value.

read(folder) decodes each GeoJSON layer straight into typed records (msgspec structs generated from
schema.py, so a value of the wrong type, a missing required field or a null where none is allowed
fails the decode), checks every other rule column by column (screen.py) and returns the tables a
Dataset is built from. It only says yes or no: on any doubt it returns None, and jisrgeo.load takes
the describing path (folder.read_folder, then rules.check), which reports every problem with its
file, feature and field. It may turn away a clean folder (which is then only slower), never accept
a faulty one: tests/test_columnar.py holds it to that.
"""

import os
from functools import cache
from operator import attrgetter
from typing import Optional, Union

from .. import schema
from ..errors import DataError
from .folder import (_read_text, casualties_frame, changes_frame, geometries, layer_files, layer_frame, read_csv, read_json,
                     read_meta, SURROGATE_ESCAPE)

SPATIAL = tuple(schema.GEOMETRY)
NUMBER = Union[int, float]  # an int stays an int, as json.loads leaves it
SCALARS = {"string": str, "date": str, "slug": str, "color": str, "integer": int, "number": NUMBER, "boolean": bool}
# Arrays are decoded as tuples, not lists: the cycle collector stops tracking a tuple of strings,
# numbers or gc=False records after one look, while every list stays tracked and is walked again at
# each collection. At war scale that is 1.3 s of decoding against 0.5 s. Tables get lists (_lists).
ARRAYS = {"strings": tuple[str, ...], "dates": tuple[str, ...], "slugs": tuple[str, ...],
          "numbers": tuple[NUMBER, ...], "refs": tuple[int, ...]}
COORDINATES = {"Point": tuple[float, ...], "LineString": tuple[tuple[float, ...], ...]}


def _type(field, owner):
    if field.type in SCALARS:
        kind = SCALARS[field.type]
    elif field.type in ARRAYS:
        kind = ARRAYS[field.type]
    elif field.type == "object":
        kind = _struct(f"{owner}_{field.name}", field.fields)
    elif field.type == "objects":
        kind = tuple[_struct(f"{owner}_{field.name}", field.fields), ...]
    else:
        raise ValueError(f"no typed decoding for {field.type} fields")
    return Optional[kind] if field.nullable else kind


def _struct(name, spec):
    """A record type with the declared fields; undeclared ones are skipped, as the format allows.
    gc=False: decoded records hold no cycles, and 200,000 of them would otherwise be walked by the
    cycle collector again and again while they are made."""
    import msgspec

    fields = [(f.name, _type(f, name)) if f.required else (f.name, _type(f, name), None) for f in spec]
    return msgspec.defstruct(name, fields, kw_only=True, gc=False)


@cache
def decoder(layer):
    """A JSON decoder for one GeoJSON layer, typed by its declaration in schema.py."""
    import msgspec

    info = schema.FILES[layer]
    geometry = msgspec.defstruct(f"{layer}_geometry", [("type", str), ("coordinates", COORDINATES[info["geometry"]])],
                                 gc=False)
    feature = msgspec.defstruct(f"{layer}_feature", [("geometry", geometry),
                                                     ("properties", _struct(layer, info["fields"]))], gc=False)
    collection = msgspec.defstruct(f"{layer}_collection", [("type", str), ("features", list[feature]),
                                                           ("crs", Optional[msgspec.Raw], None)])
    return msgspec.json.Decoder(collection)


def _decode(path, layer):
    """The decoded FeatureCollection, or None where only the describing path can say what is wrong."""
    import msgspec

    text = _read_text(path, schema.FILES[layer]["file"])
    if "\\u0000" in text or SURROGATE_ESCAPE.search(text):  # a NUL or a lone surrogate in an escape: the
        return None  # describing path finds which field (or says which file)
    try:
        return decoder(layer).decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


def _column(records, name):
    return list(map(attrgetter(name), records))


def _layer(collection, layer):
    """The columns of a decoded layer ({field: values}), its coordinates, geometry types, crs and type."""
    features = collection.features
    records = [f.properties for f in features]
    geometry = [f.geometry for f in features]
    return {"columns": {f.name: _column(records, f.name) for f in schema.fields(layer)},
            "coordinates": _column(geometry, "coordinates"), "geometry_types": set(_column(geometry, "type")),
            "crs": collection.crs, "type": collection.type}


def _empty(layer):
    return {"columns": {f.name: [] for f in schema.fields(layer)}, "coordinates": [], "geometry_types": set(),
            "crs": None, "type": "FeatureCollection"}


def _flatten(layer, name, values):
    """The objects of one list field of a layer, flattened: their columns, and each one's owner (the
    position of its feature) and position in the list."""
    owner, seq, records = [], [], []
    for position, items in enumerate(values):
        for i, item in enumerate(items or ()):
            owner.append(position)
            seq.append(i)
            records.append(item)
    return {"owner": owner, "seq": seq,
            "columns": {c: _column(records, c) for c in (f.name for f in schema.fields(layer, name))}}


def read(folder):
    """The tables of a clean folder (keyword arguments for Dataset), or None: see the module's docstring."""
    checked = _checked(folder)
    return _tables(*checked) if checked else None


def is_clean(folder):
    """True when the folder passes every check (what `jisrgeo validate` asks), without building tables."""
    return _checked(folder) is not None


def _checked(folder):
    try:
        return _decode_and_check(folder)
    except (DataError, OSError, OverflowError, RecursionError, TypeError, ValueError):
        return None  # whatever is odd, the describing path reads it and says what is wrong


def _decode_and_check(folder):
    meta = read_meta(folder)
    if not isinstance(meta, dict):
        return None
    data = {"meta": meta, "folder": folder}
    layers = {}
    for layer, (path, declared) in layer_files(folder, meta).items():
        present = os.path.lexists(path) or layer in schema.REQUIRED_LAYERS or declared
        if layer in SPATIAL:
            collection = _decode(path, layer) if present else None
            if present and collection is None:
                return None
            layers[layer] = _layer(collection, layer) if present else _empty(layer)
        elif present:
            data[layer] = read_csv(path, schema.FILES[layer]["file"]) if layer == "sources" else read_json(path)
        else:
            data[layer] = None
    from .. import screen  # numpy: imported when a folder is read, not with jisrgeo.io

    nested = {name: _flatten(layer, name, layers[layer]["columns"][name])
              for layer in SPATIAL for name in (f.name for f in schema.fields(layer) if f.type == "objects")}
    return (data, layers, nested) if screen.clean(data, layers, nested) else None


def _lists(columns, spec):
    """The columns with every array field's tuples as lists, the cells a table holds (as json.loads gives)."""
    out = dict(columns)
    for field in spec:
        if field.type in ARRAYS:
            out[field.name] = [list(v) if v is not None else None for v in columns[field.name]]
    return out


def _tables(data, layers, nested):
    import pandas as pd

    tables = {layer: layer_frame(layer, _lists(layers[layer]["columns"], schema.fields(layer)),
                                 geometries(schema.GEOMETRY[layer], layers[layer]["coordinates"]))
              for layer in SPATIAL}
    place_ids = layers["places"]["columns"]["place_id"]
    states = nested["control"]
    tables["changes"] = changes_frame([place_ids[i] for i in states["owner"]], states["seq"],
                                      _lists(states["columns"], schema.fields("places", "control")))
    tables["casualties"] = casualties_frame(*_figures(layers["events"]["columns"]["event_id"], nested))
    tables["sources"] = pd.DataFrame(data["sources"]) if data.get("sources") else None
    return {**tables, "meta": data["meta"], "forces": data.get("forces"), "claims": data.get("claims"),
            "folder": data["folder"]}


def _figures(event_ids, nested):
    """(event ids, kinds, columns) of every figure in the order the file gives them: each event's
    casualties, then its counts."""
    import numpy as np

    parts = [(kind, nested[kind]) for kind in schema.FIGURE_LISTS if nested[kind]["owner"]]
    if len(parts) < 2:  # one kind only: already in file order
        kind, part = parts[0] if parts else (None, {"owner": [], "columns": nested["casualties"]["columns"]})
        return [event_ids[i] for i in part["owner"]], [kind] * len(part["owner"]), part["columns"]
    owner = np.concatenate([np.asarray(part["owner"], dtype=np.int64) for _, part in parts])
    seq = np.concatenate([np.asarray(part["seq"], dtype=np.int64) for _, part in parts])
    which = np.concatenate([np.full(len(part["owner"]), i) for i, (_, part) in enumerate(parts)])
    order = np.lexsort((seq, which, owner))
    kinds = [kind for kind, part in parts for _ in part["owner"]]
    columns = {c: [v for _, part in parts for v in part["columns"][c]] for c in schema.columns("events", "casualties")}
    return ([event_ids[i] for i in owner[order]], [kinds[i] for i in order],
            {c: [values[i] for i in order] for c, values in columns.items()})
