"""The dataset as flat, typed tables: the one shape every export writes."""

from collections.abc import Collection, Iterator
from typing import Any

import geopandas as gpd
import shapely
import pandas as pd
import pyarrow as pa

from ..geodesy import line_length

# `ds` arguments are typed Any: a Dataset (or a path jisrgeo.load opens), not imported here, as even
# a TYPE_CHECKING import of jisrgeo.dataset reads as an import cycle to tests/test_layers.py.

LIST_SEPARATOR = ";"
ONE_DAY = pd.Timedelta(days=1)


def _joined(values):
    return LIST_SEPARATOR.join(str(v) for v in values) if isinstance(values, (list, tuple)) else None


def _refs(values):
    return _joined([int(v) for v in values]) if isinstance(values, (list, tuple)) else None


DATE = pd.ArrowDtype(pa.date32())


def _dates(series):
    """Timestamps or ISO strings -> an Arrow date32 column: a DATE field in GDAL, even when all null."""
    parsed = pd.to_datetime(series)
    return pd.Series([d.date() if not pd.isna(d) else None for d in parsed], index=series.index, dtype=DATE)


def _text(series):
    return series.astype(object).where(series.notna(), None)


def places(ds: Any) -> gpd.GeoDataFrame:
    """The places, lists joined with ';' and precision_m in whole metres."""
    df = ds.places.copy()
    df["aliases"] = df["aliases"].map(_joined)
    df["refs"] = df["refs"].map(_joined)
    df["precision_m"] = df["precision_m"].astype("float64").round().astype("int32")
    df["governorate"] = _text(df["governorate"])
    return df


def position_inferred(places: pd.DataFrame) -> pd.Series:
    """True for places whose coordinates we inferred (location_source 'inferred: how'), not took from a gazetteer."""
    return places["location_source"].astype(str).str.startswith("inferred")


def control_intervals(ds: Any) -> gpd.GeoDataFrame:
    """One row per place and state, at the place, with start_date, end_date (exclusive) and last_date."""
    # The timeline's rows (same order), with each state's basis from the control change that began it.
    tl = ds.intervals.sort_values(["place_id", "start"], ignore_index=True)
    basis = tl[["place_id", "seq"]].merge(ds.control_changes[["place_id", "seq", "basis"]], how="left")["basis"]
    by_place = ds.places.set_index("place_id")
    geometry = tl["place_id"].map(by_place.geometry)
    names = tl["place_id"].map(by_place["name"])
    df = pd.DataFrame({
        "place_id": tl["place_id"], "name": names, "controller": tl["controller"], "status": tl["status"],
        "challenger": _text(tl["challenger"]), "basis": _text(basis),
        "position_inferred": tl["place_id"].map(position_inferred(by_place)).astype(bool),
        "start_date": _dates(tl["start"]),
        "end_date": _dates(tl["end"]),  # exclusive: the day the next state begins
        "last_date": _dates(tl["end"] - ONE_DAY),  # inclusive, for readers
    })
    return gpd.GeoDataFrame(df, geometry=list(geometry), crs=ds.places.crs)


def control_states(ds: Any) -> pd.DataFrame:
    """Every control state, the initial ones (no date) included: what jisrgeo.load() reads back."""
    st = ds.control_changes
    return pd.DataFrame({
        "place_id": st["place_id"], "seq": st["seq"].astype("int32"), "date": _dates(st["date"]),
        "date_end": _dates(st["date_end"]), "date_precision": _text(st["date_precision"]),
        "controller": st["controller"], "status": st["status"], "challenger": _text(st["challenger"]),
        "basis": _text(st["basis"]), "refs": st["refs"].map(_refs), "note": _text(st["note"]),
    })


def control_changes(ds: Any) -> gpd.GeoDataFrame:
    """Every dated control change at its place, with the date it took effect (Dataset.changes)."""
    ch = ds.changes()
    geometry = ch["place_id"].map(ds.places.set_index("place_id").geometry)
    df = pd.DataFrame({
        "place_id": ch["place_id"], "name": ch["name"], "effective_date": _dates(ch["effective"]),
        "date": _dates(ch["date"]), "date_end": _dates(ch["date_end"]), "date_precision": _text(ch["date_precision"]),
        "controller": ch["controller"], "status": ch["status"], "challenger": _text(ch["challenger"]),
        "basis": ch["basis"], "refs": ch["refs"].map(_joined), "note": _text(ch["note"]),
    })
    return gpd.GeoDataFrame(df, geometry=list(geometry), crs=ds.places.crs)


def events(ds: Any) -> gpd.GeoDataFrame:
    """The events with Arrow dates, lists joined with ';' and end_date (exclusive) for QGIS's Temporal Controller."""
    ev = ds.events.copy()
    last = pd.to_datetime(ev["date_end"].fillna(ev["date"]))
    ev["end_date"] = _dates(last + ONE_DAY)  # exclusive, for the Temporal Controller
    ev["date"] = _dates(ev["date"])
    ev["date_end"] = _dates(ev["date_end"])
    ev["refs"] = ev["refs"].map(_joined)
    ev["also_at"] = ev["also_at"].map(_joined)
    ev["precision_m"] = ev["precision_m"].astype("float64")
    for col in ("actor1", "actor2", "note"):
        ev[col] = _text(ev[col])
    killed = [c for c in ev.columns if c.startswith("killed_")]
    ev[killed] = ev[killed].astype("float64")
    columns = ["event_id", "date", "date_end", "end_date", "date_precision", "place_id", "also_at", "precision_m", "type",
               "actor1", "actor2",
               "claimant", "incident", "aggregate", *killed, "refs", "note", "geometry"]
    return ev[columns]


def routes(ds: Any) -> gpd.GeoDataFrame:
    """The routes with their geodesic length_m, Arrow dates and lists joined with ';'."""
    df = ds.routes.copy()
    df["length_m"] = [round(line_length(g), 1) for g in df.geometry]
    df["date"] = _dates(df["date"])
    df["date_end"] = _dates(df["date_end"])
    df["stated_length_m"] = df["stated_length_m"].astype("float64")
    df["refs"] = df["refs"].map(_joined)
    for col in ("date_precision", "to_place_id", "from_place_id", "note", "stated_length_text"):
        df[col] = _text(df[col])
    return df


def sources(ds: Any) -> pd.DataFrame:
    """The sources table, ref as int32 and date as an Arrow date."""
    df = ds.sources.copy()
    df["ref"] = df["ref"].astype("int32")
    df["date"] = _dates(df["date"].replace("", None))
    return df


def casualties(ds: Any) -> pd.DataFrame:
    """The casualty figures, low/best/high as float64 (empty where unknown)."""
    df = ds.casualties.copy()
    for col in ("low", "best", "high"):
        df[col] = df[col].astype("float64")
    return df


# The precision of exported coordinates (degrees): 6 decimals, about 0.1 m. The dataset's own coordinates
# (places, events, routes) are written as the dataset gives them, to this step.
COORDINATE_STEP = 1e-6
# The precision of the derived zones and fronts (degrees): 5 decimals, about 1.1 m, the same rule for every
# dataset. They are estimates drawn from places whose stated precision is hundreds of metres at best (a tile's
# reach is kilometres), so a metre claims nothing the data lacks; finer steps only kept the reprojection's
# densified points along straight tile edges (half the vertices of a war's zones and fronts).
DERIVED_STEP = 1e-5

# What the derived layers are and how they were made: said once per layer (the GeoPackage's and the GeoJSON's
# layer description, and the `dataset` table's "methods" row), not repeated in every row. Read when exporting,
# so a dataset's areas module is the one source of the text.
DERIVED_LAYERS = ("control_areas", "front_lines")


def layer_descriptions() -> dict[str, str]:
    """{layer name: how its rows were derived} for the layers derived from the places (zones and fronts)."""
    from ..areas import FRONT_METHOD, METHOD

    return {"control_areas": METHOD, "front_lines": FRONT_METHOD}


def exported_shapes(shapes: Any, family: str) -> list[Any]:
    """Each shape as the exports write it: one Multi geometry of `family` ('Polygon' or 'LineString'), simplified
    within DERIVED_STEP (Douglas-Peucker keeping each shape valid: no ring crosses itself or another) and its
    vertices on the DERIVED_STEP grid: every point of the written shape lies within about two steps of the
    derived one and the other way round (the reprojection's densified points go: at the precision written,
    nothing is lost).

    A shape that recurs (a zone or front that comes back unchanged) is made once and shared, so a war's
    thousands of intervals cost the memory of their distinct shapes."""
    multi = shapely.multipolygons if family == "Polygon" else shapely.multilinestrings
    made: dict[int, Any] = {}
    out = []
    for shape in shapes:
        key = id(shape)
        if key not in made:
            snapped = shapely.set_precision(shapely.simplify(shape, DERIVED_STEP), DERIVED_STEP)
            made[key] = multi([p for p in shapely.get_parts(snapped) if p.geom_type == family and not p.is_empty])
        out.append(made[key])
    return out


def control_areas(ds: Any) -> gpd.GeoDataFrame:
    """Estimated zones of control (derived): one row per zone and interval in which it is constant."""
    iv = ds.area_intervals
    df = pd.DataFrame({
        "zone_id": iv["zone_id"], "side": iv["side"], "status": iv["status"], "challenger": _text(iv["challenger"]),
        "basis": iv["basis"], "place_id": _text(iv["place_id"]), "start_date": _dates(iv["start"]),
        "end_date": _dates(iv["end"]), "last_date": _dates(iv["end"] - ONE_DAY),
        "area_km2": iv["area_km2"].astype("float64"),
    })
    # One geometry type per layer, as GIS formats want: every zone a MultiPolygon, snapped to the 1e-5 degree
    # grid (DERIVED_STEP) the exports write, so no writer has to repair a hair-thin neck into a geometry collection.
    return gpd.GeoDataFrame(df, geometry=exported_shapes(iv.geometry.array, "Polygon"), crs="EPSG:4326")


def joined_intervals(table: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """An interval table (sorted by start) with each run of rows of one `key` and the same shape, each starting
    the day the one before ends, as one row: the first's start and the last's end, in the table's order.
    (A front is split where a zone beside it changes elsewhere; the front itself did not.)"""
    ids, shapes = table[key].to_numpy(), table.geometry.array
    starts, ends = table["start"].to_numpy(), table["end"].to_numpy().copy()
    open_run: dict[Any, int] = {}
    keep = []
    for i in range(len(table)):
        j = open_run.get(ids[i])
        if j is not None and ends[j] == starts[i] and (shapes[j] is shapes[i] or shapes[j].equals_exact(shapes[i], 0.0)):
            ends[j] = ends[i]
            continue
        open_run[ids[i]] = i
        keep.append(i)
    out = table.iloc[keep].reset_index(drop=True)
    out["end"] = ends[keep]
    return out


def front_lines(ds: Any) -> gpd.GeoDataFrame:
    """Estimated front lines (derived): one row per front between two zones and interval in which it is constant."""
    fr = joined_intervals(ds.front_intervals, "front_id")
    df = pd.DataFrame({
        "front_id": fr["front_id"], "side_a": fr["side_a"], "side_b": fr["side_b"],
        "start_date": _dates(fr["start"]), "end_date": _dates(fr["end"]), "last_date": _dates(fr["end"] - ONE_DAY),
        "length_km": fr["length_km"].astype("float64"),
    })
    return gpd.GeoDataFrame(df, geometry=exported_shapes(fr.geometry.array, "LineString"), crs="EPSG:4326")


def dataset(ds: Any) -> pd.DataFrame:
    """dataset.json, forces.json and claims.json as JSON text, so the GeoPackage is a whole dataset, and the
    derived layers' methods ({layer: text}, see layer_descriptions)."""
    import json

    meta = {k: v for k, v in ds.meta.items() if k != "layers"}
    values = (meta, ds.forces, ds.claims, layer_descriptions())
    return pd.DataFrame({"key": ["meta", "forces", "claims", "methods"],
                         "value": [json.dumps(v, ensure_ascii=False) for v in values]})


LAYERS = {"places": places, "control_intervals": control_intervals, "control_changes": control_changes,
          "events": events, "routes": routes, "sources": sources, "casualties": casualties,
          "control_states": control_states, "dataset": dataset, "control_areas": control_areas,
          "front_lines": front_lines}


def _empty_as_null(frame):
    """An empty text is no value: exported as null so every format (CSV included) agrees."""
    for col in frame.columns:
        if col != "geometry" and (frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype)):
            frame[col] = frame[col].astype(object).where(frame[col].notna() & (frame[col].astype(object) != ""), None)
    return frame


# How far the context reaches beyond the map's frame (degrees): room to zoom out a few steps.
CONTEXT_MARGIN_DEG = 1.0
CONTEXT_GEOMETRY = {"country": "MultiPolygon", "admin1": "MultiLineString", "lake": "MultiPolygon",
                    "coast": "MultiLineString", "river": "MultiLineString", "town": "Point"}


def _one_type(shape, kind):
    """The parts of a clipped shape that match the layer's geometry type, as one Multi geometry (or None)."""
    family = CONTEXT_GEOMETRY[kind].replace("Multi", "")
    parts = [p for p in shapely.get_parts(shape) if p.geom_type == family and not p.is_empty]
    if not parts:
        return None
    if family == "Polygon":
        return shapely.multipolygons(parts)
    if family == "LineString":
        return shapely.multilinestrings(parts)
    return parts[0]


def context_layers(ds: Any) -> dict[str, gpd.GeoDataFrame]:
    """{kind: GeoDataFrame(name, [population,] geometry)} of the ground around the battle (borders, coast, rivers,
    lakes, towns): jisrgeo.maps.context.features() for the map's frame widened by CONTEXT_MARGIN_DEG."""
    from ..maps import context
    from ..maps.extent import map_extent

    found = context.features(map_extent(ds), CONTEXT_MARGIN_DEG)
    out = {}
    for kind in CONTEXT_GEOMETRY:
        rows = found[found["layer"] == kind]
        shapes = [_one_type(shape, kind) for shape in rows.geometry]
        keep = [shape is not None for shape in shapes]
        if not any(keep):
            continue
        frame = {"name": _text(rows["name"][keep].reset_index(drop=True))}
        if kind == "town":
            frame["population"] = rows["population"][keep].astype("int64").reset_index(drop=True)
        layer = gpd.GeoDataFrame(frame, geometry=[s for s in shapes if s is not None], crs="EPSG:4326")
        out[kind] = _away_from_places(layer, ds) if kind == "town" else layer
    return {**out, **dataset_context_layers(ds)}


# The dataset's own context.geojson, one layer per geometry family (as GIS formats want).
DATASET_CONTEXT = {"dataset_areas": "Polygon", "dataset_lines": "LineString", "dataset_points": "Point"}


def dataset_context_layers(ds: Any) -> dict[str, gpd.GeoDataFrame]:
    """{kind: GeoDataFrame(name, kind, precision_m, source, refs, note)} of ds.context by geometry family."""
    own = ds.context
    out = {}
    for kind, family in DATASET_CONTEXT.items():
        rows = own[own.geometry.geom_type.str.replace("Multi", "") == family]
        if rows.empty:
            continue
        frame = {"name": _text(rows["name"]), "kind": _text(rows["kind"]),
                 "precision_m": pd.to_numeric(rows["precision_m"], errors="coerce").astype("float64"),
                 "source": _text(rows["source"]),
                 "refs": _text(rows["refs"].map(lambda r: ";".join(map(str, r)) if isinstance(r, list) else None)),
                 "note": _text(rows["note"])}
        multi = {"Polygon": shapely.multipolygons, "LineString": shapely.multilinestrings}.get(family)
        geometry = [multi(shapely.get_parts(g)) if multi else g for g in rows.geometry]
        out[kind] = gpd.GeoDataFrame({k: pd.Series(v).reset_index(drop=True) for k, v in frame.items()},
                                     geometry=geometry, crs="EPSG:4326")
    return out


# A context town this close to one of the battle's places is that place (Darkush / Darkoush): left out,
# so the map does not name it twice.
SAME_PLACE_M = 2500


def _away_from_places(towns, ds):
    if ds.places.empty:  # a new battle with no places yet
        return towns
    metric = ds.places.estimate_utm_crs()
    near = ds.places.to_crs(metric).buffer(SAME_PLACE_M).union_all()
    return towns[~towns.to_crs(metric).within(near)].reset_index(drop=True)


def iter_layers(ds: Any, skip: Collection[str] = ()) -> Iterator[tuple[str, pd.DataFrame]]:
    """(layer name, GeoDataFrame or DataFrame) in export_layers' order, each made when asked for: a writer that
    writes one and lets it go holds one layer in memory, not a war's all at once. Layers named in `skip` are
    neither made nor given."""
    for name, make in LAYERS.items():
        if name not in skip:
            yield name, _empty_as_null(make(ds))


def export_layers(ds: Any) -> dict[str, pd.DataFrame]:
    """{layer name: GeoDataFrame or DataFrame} in a fixed order."""
    return dict(iter_layers(ds))


# The fields the QGIS styles are made from (which states, event types and route kinds occur: export/qgis.py).
STYLE_FIELDS = ("controller", "side", "status", "challenger", "basis", "type", "kind")


def style_fields(frame: pd.DataFrame) -> pd.DataFrame:
    """The distinct rows of a layer's STYLE_FIELDS: what the styles need of a layer once it is written."""
    return pd.DataFrame(frame[[c for c in STYLE_FIELDS if c in frame.columns]]).drop_duplicates(ignore_index=True)
