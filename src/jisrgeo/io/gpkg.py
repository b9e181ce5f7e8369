"""Read back the GeoPackage that `jisrgeo export --format gpkg` writes, as the tables of a Dataset."""

import json
from pathlib import Path

from .. import schema
from ..errors import DataError, Problem

LIST_SEPARATOR = ";"
NEEDED = ("places", "control_states", "events", "casualties", "routes", "sources", "dataset")


def _split(value, cast=str):
    if not isinstance(value, str) or not value:
        return []
    return [cast(v) for v in value.split(LIST_SEPARATOR)]


def _refs(series):
    # Through a plain object array: iterating an Arrow-backed column value by value is several times slower.
    return [_split(v, int) for v in series.to_numpy(dtype=object, na_value=None)]


def read_gpkg(path):
    """Keyword arguments for Dataset(...) from one of our GeoPackages; DataError if it is not one."""
    import pyogrio

    path = Path(path)
    name = path.name
    try:
        present = {row[0] for row in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio raises its own DataSourceError, OSError...
        raise DataError([Problem(name, "", "", f"cannot open as a GeoPackage: {exc}")]) from None
    missing = [layer for layer in NEEDED if layer not in present]
    if missing:
        raise DataError([Problem(name, "", layer, "layer missing: not a GeoPackage written by jisrgeo export")
                         for layer in missing])
    return from_layers(lambda layer, **kw: pyogrio.read_dataframe(path, layer=layer, **kw), path)


def from_layers(read, path):
    """Dataset(...) keyword arguments from our export layers; read(layer, read_geometry=True) gives one.

    Shared by the GeoPackage and the GeoParquet readers: both hold the same flat layers.
    """
    name = Path(path).name
    places = read("places")
    places["aliases"] = places["aliases"].map(_split)
    places["refs"] = _refs(places["refs"])
    states = read("control_states", read_geometry=False)
    states["refs"] = _refs(states["refs"])
    events = read("events")
    events["refs"] = _refs(events["refs"])
    events["also_at"] = events["also_at"].map(lambda v: _split(v) or None)
    events = events[[*schema.columns("events"), "geometry"]]
    routes = read("routes")
    routes["refs"] = _refs(routes["refs"])
    routes = routes[[*schema.columns("routes"), "geometry"]]
    extra = dict(zip(*read("dataset", read_geometry=False)[["key", "value"]].T.values))
    try:
        meta, forces, claims = (json.loads(extra.get(k) or "null") for k in ("meta", "forces", "claims"))
    except ValueError as exc:
        raise DataError([Problem(name, "dataset", "value", f"invalid JSON: {exc}")]) from None
    return {"places": places[[*schema.columns("places"), "geometry"]], "changes": states, "events": events,
            "casualties": read("casualties", read_geometry=False), "routes": routes,
            "sources": read("sources", read_geometry=False), "meta": meta, "forces": forces, "claims": claims,
            "folder": Path(path)}
