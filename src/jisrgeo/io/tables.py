"""The tables every reader gives, and the Dataset's frames built from them once they are valid.

One layer is a table: its file name, the collection's type and crs member, each row's position in
the file (`index`; features without properties are listed apart, in `broken`), one column of values
per field (MISSING where a record has no such field), the geometry's type and coordinates, and each
list of objects (control states, figures) as a child table whose rows name their owner row and
position (`owner`, `seq`; items that are not objects in `odd`). rules.validate checks them; build()
turns valid ones into Dataset(...) keyword arguments.

A folder's GeoJSON is decoded straight into typed records (msgspec structs generated from schema.py)
when it can be: a value of the wrong type fails that decoding, and the layer is then parsed as plain
JSON, whose odd values the validation describes. Both give the same table.
"""

from functools import cache
from operator import attrgetter
from collections.abc import Sequence
from typing import Any, Optional, Union

from .. import schema
from ..shape import MISSING, TEXT_KINDS, Table, lon_lat

SPATIAL = tuple(schema.GEOMETRY)
NUMBER = Union[int, float]  # an int stays an int, as json.loads leaves it
SCALARS = {"string": str, "date": str, "slug": str, "color": str, "integer": int, "number": NUMBER, "boolean": bool}
# Arrays are decoded as tuples, not lists: the cycle collector stops tracking a tuple of strings,
# numbers or gc=False records after one look, while every list stays tracked and is walked again at
# each collection. At war scale that is 1.3 s of decoding against 0.5 s. Frames get lists (_lists).
ARRAYS = {kind: tuple[SCALARS[item], ...] for kind, item in schema.ARRAY_ITEMS.items()}  # type: ignore[valid-type]
COORDINATES = {"Point": tuple[NUMBER, ...], "LineString": tuple[tuple[NUMBER, ...], ...]}


# -- typed decoding -------------------------------------------------------------------------------------

def _type(field, owner):
    if field.type in SCALARS:
        kind = SCALARS[field.type]
    elif field.type in ARRAYS:
        kind = ARRAYS[field.type]
    elif field.type == "objects":
        kind = tuple[_struct(f"{owner}_{field.name}", field.fields), ...]
    else:
        raise ValueError(f"no typed decoding for {field.type} fields")
    return Optional[kind] if field.nullable else kind


def _struct(name, spec):
    """A record type with the declared fields; undeclared ones are skipped, as the format allows. A missing
    refs stays MISSING (a null one is allowed, a missing one is not). gc=False: decoded records hold no
    cycles, and 200,000 of them would otherwise be walked by the cycle collector again and again."""
    import msgspec

    fields = [(f.name, _type(f, name)) if f.required else (f.name, _type(f, name), MISSING if f.type == "refs" else None)
              for f in spec]
    return msgspec.defstruct(name, fields, kw_only=True, gc=False)


@cache
def decoder(layer: str) -> Any:
    """A JSON decoder for one GeoJSON layer, typed by its declaration in schema.py."""
    import msgspec

    info = schema.FILES[layer]
    geometry = msgspec.defstruct(f"{layer}_geometry", [("type", str), ("coordinates", COORDINATES[str(info["geometry"])])],
                                 gc=False)
    feature = msgspec.defstruct(f"{layer}_feature", [("geometry", geometry),
                                                     ("properties", _struct(layer, info["fields"]))], gc=False)
    collection = msgspec.defstruct(f"{layer}_collection", [("type", str), ("features", list[feature]),  # type: ignore[valid-type]
                                                           ("crs", Optional[msgspec.Raw], None)])
    return msgspec.json.Decoder(collection)


def typed_table(text: str | bytes, layer: str) -> Table | None:
    """The table of a GeoJSON text by typed decoding, or None when a value does not fit its declaration."""
    import msgspec

    try:
        collection = decoder(layer).decode(text)
        crs = msgspec.json.decode(collection.crs) if collection.crs is not None else None
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    records = [f.properties for f in collection.features]
    geometry = [f.geometry for f in collection.features]
    columns = {f.name: _column(records, f.name) for f in schema.fields(layer)}
    nested = {f.name: _children(columns[f.name], f.fields, attrgetter) for f in schema.fields(layer) if f.type == "objects"}
    return new_table(layer, columns, _column(geometry, "type"), _column(geometry, "coordinates"), nested,
                     range(len(records)), type=collection.type, crs=crs, typed=True)


def new_table(layer: str, columns: dict[str, list[Any]], types: list[Any], coordinates: list[Any], nested: Table,
              index: Sequence[int] | None, **rest: Any) -> Table:
    """One layer's table as every reader gives it (see above); `rest`: the collection's type and crs, and
    broken, nul and typed, where they are not those of a clean GeoJSON read as plain JSON."""
    return {"file": schema.FILES[layer]["file"], "type": "FeatureCollection", "crs": None, "index": index, "broken": [],
            "columns": columns, "geometry_type": types, "coordinates": coordinates, "nested": nested, "nul": False,
            "typed": False, **rest}


def _column(records, name):
    return list(map(attrgetter(name), records))


def _children(values, spec, getter):
    """The objects of one list field, flattened: their columns, each one's owner (row) and position in
    its list, and the items that are not objects."""
    owner, seq, records, odd = [], [], [], []
    for row, items in enumerate(values):
        if not isinstance(items, (list, tuple)):
            continue
        for i, item in enumerate(items):
            if getter is _get and not isinstance(item, dict):
                odd.append((len(owner), item))
            owner.append(row)
            seq.append(i)
            records.append(item)
    columns = {f.name: [getter(f.name)(r) for r in records] if getter is _get else _column(records, f.name) for f in spec}
    return {"owner": owner, "seq": seq, "columns": columns, "odd": odd, "typed": getter is not _get}


def _get(name):
    return lambda record: record.get(name, MISSING) if isinstance(record, dict) else MISSING


# -- tables of parsed JSON (a folder that did not fit the typed decoding, the importers' files in memory) ----

def layer_table(content: Any, layer: str, nul: bool = False) -> Table:
    """The table of a parsed GeoJSON layer, whatever its content. nul: also keep undeclared fields'
    columns, for the NUL check."""
    features = content.get("features") if isinstance(content, dict) else None
    rows = [(i, f) for i, f in enumerate(features)] if isinstance(features, list) else []
    good = [(i, f) for i, f in rows if isinstance(f, dict) and isinstance(f.get("properties"), dict)]
    props = [f["properties"] for _, f in good]
    names = [f.name for f in schema.fields(layer)]
    if nul:
        names += [k for k in dict.fromkeys(k for p in props for k in p) if k not in names]
    columns = {name: [p.get(name, MISSING) for p in props] for name in names}
    geometry = [f.get("geometry") for _, f in good]
    collection = content if isinstance(content, dict) else {}
    return new_table(layer, columns, [g.get("type") if isinstance(g, dict) else MISSING for g in geometry],
                     [g.get("coordinates") if isinstance(g, dict) else None for g in geometry],
                     {f.name: _children(columns[f.name], f.fields, _get) for f in schema.fields(layer) if f.type == "objects"},
                     [i for i, _ in good] if isinstance(features, list) else None, type=collection.get("type"),
                     crs=collection.get("crs"), nul=nul,
                     broken=[i for i, f in rows if not (isinstance(f, dict) and isinstance(f.get("properties"), dict))])


def content_tables(files: dict[str, Any], folder: Any = None) -> Table:
    """Tables of a dataset's files held in memory ({file name: parsed content}, as the importers make them)."""
    return {"folder": folder, "meta": files["dataset.json"], "sources": files.get("sources.csv"),
            "forces": files.get("forces.json"), "claims": files.get("claims.json"),
            **{layer: layer_table(files[name], layer) if files.get(name) is not None else None
               for layer, name in (("places", "places.geojson"), ("events", "events.geojson"), ("routes", "routes.geojson"))}}


def empty_table(layer: str) -> Table:
    return layer_table({"type": "FeatureCollection", "features": []}, layer)


# -- the Dataset's frames ---------------------------------------------------------------------------------

def build(tables: Table) -> dict[str, Any]:
    """Dataset(...) keyword arguments from valid tables."""
    import geopandas as gpd
    import pandas as pd

    out = {}
    for layer in SPATIAL:
        table = tables.get(layer) or empty_table(layer)
        out[layer] = gpd.GeoDataFrame(_frame((layer,), {}, _lists(table, schema.fields(layer))),
                                      geometry=geometries(str(schema.GEOMETRY[layer]), table["coordinates"]), crs="EPSG:4326")
    places = tables["places"]
    states = places["nested"]["control"]
    place_ids = places["columns"]["place_id"]
    out["changes"] = _frame(("places", "control"), {"place_id": [place_ids[i] for i in states["owner"]],
                                                    "seq": states["seq"]}, _lists(states, schema.fields("places", "control")))
    events = tables.get("events") or empty_table("events")
    event_ids, kinds, figures = _figures(events["columns"]["event_id"], events["nested"])
    out["casualties"] = _frame(("events", "casualties"), {"event_id": event_ids, "kind": kinds}, figures)
    out["sources"] = pd.DataFrame(tables["sources"]) if tables.get("sources") else None
    return {**out, "meta": tables["meta"], "forces": tables.get("forces"), "claims": tables.get("claims"),
            "folder": tables.get("folder")}


def _lists(table, spec):
    """The columns a frame holds: arrays as lists (as json.loads gives), nothing MISSING."""
    out = {}
    for field in spec:
        values = table["columns"][field.name]
        if field.type in ARRAYS:
            values = [list(v) if isinstance(v, (list, tuple)) else None for v in values]
        elif not table.get("typed", True) or field.type == "refs":
            values = [None if v is MISSING else v for v in values]
        out[field.name] = values
    return out


def _figures(event_ids, nested):
    """(event ids, kinds, columns) of every figure in the order the file gives them: each event's
    casualties, then its counts."""
    import numpy as np

    parts = [(kind, nested[kind]) for kind in schema.FIGURE_LISTS if nested[kind]["owner"]]
    spec = schema.fields("events", "casualties")
    if len(parts) < 2:  # one kind only: already in file order
        kind, part = parts[0] if parts else (None, nested["casualties"])
        return [event_ids[i] for i in part["owner"]], [kind] * len(part["owner"]), _lists(part, spec)
    owner = np.concatenate([np.asarray(part["owner"], dtype=np.int64) for _, part in parts])
    seq = np.concatenate([np.asarray(part["seq"], dtype=np.int64) for _, part in parts])
    which = np.concatenate([np.full(len(part["owner"]), i) for i, (_, part) in enumerate(parts)])
    order = np.lexsort((seq, which, owner))
    kinds = [kind for kind, part in parts for _ in part["owner"]]
    columns = {c: [v for _, part in parts for v in _lists(part, spec)[c]] for c in schema.columns("events", "casualties")}
    return ([event_ids[i] for i in owner[order]], [kinds[i] for i in order],
            {c: [values[i] for i in order] for c, values in columns.items()})


def geometries(kind: str, coordinates: list[Any]) -> Any:
    """Shapely geometries in 2D, one vectorized call for points."""
    import numpy as np
    import shapely

    if kind == "Point":
        return shapely.points(lon_lat(coordinates))
    return np.array([shapely.LineString(lon_lat(line)) for line in coordinates], dtype=object)


def _typed(columns, spec):
    """Columns ready for a DataFrame: text columns go through Arrow, which is several times quicker than
    pandas inferring the same str dtype value by value (all-null columns are left to pandas)."""
    import pyarrow as pa

    out = dict(columns)
    for field in spec:
        values = columns.get(field.name)
        if field.type in TEXT_KINDS and values is not None and any(v is not None for v in values):
            out[field.name] = text_array(pa.array(values, type=pa.large_string()))
    return out


def _frame(path, lead, columns):
    """A DataFrame of the `lead` columns, then the fields declared at `path` (schema.fields(*path))."""
    import pandas as pd

    names = schema.columns(*path)
    typed = _typed({c: columns[c] for c in names}, schema.fields(*path))
    return pd.DataFrame({**lead, **typed}, columns=[*lead, *names])


def text_array(values: Any) -> Any:
    """A pandas array of text with missing values missing: pandas 3's "str" dtype (through Arrow, several
    times quicker than inferring); pandas 2's "str" would turn None into the text 'None', so there it
    stays object."""
    import pandas as pd
    import pyarrow as pa

    if int(pd.__version__.split(".")[0]) >= 3:
        return pd.array(values, dtype="str")
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = values.to_numpy(zero_copy_only=False)
    return pd.array(values, dtype=object)
