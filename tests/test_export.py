"""Exports: every layer round-trips through GDAL; GeoJSON is RFC 7946; the GeoPackage carries QGIS styles."""

import json
import os
import re
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from jisrgeo.export import export_layers
import jisrgeo

# The bundled battle's own declaration (dataset.json sides).
SIDE_COLORS = {code: side.color for code, side in jisrgeo.load().sides.items()}

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module")
def exported(tmp_path_factory, bundled):
    out = tmp_path_factory.mktemp("export")
    bundled.to_gpkg(out / "battle.gpkg")
    bundled.to_geojson(out / "geojson")
    bundled.to_csv(out / "csv")
    return out, export_layers(bundled)


def _plain(value):
    if value is None or (not isinstance(value, (list, str)) and pd.isna(value)):
        return None
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value.item() if hasattr(value, "item") else value


def assert_same_rows(original, back, columns):
    assert len(original) == len(back)
    for col in columns:
        assert [_plain(v) for v in original[col]] == [_plain(v) for v in back[col]], col


def _read(path, layer=None):
    # CSV cannot tell an empty string from a missing one: read empties as null, as documented.
    options = {"EMPTY_STRING_AS_NULL": "YES"} if str(path).endswith(".csv") else {}
    return pyogrio.read_dataframe(path, layer=layer, **options)


@pytest.mark.parametrize("layer", ["places", "control_intervals", "control_changes", "events", "routes", "sources", "casualties"])
def test_gpkg_round_trip(exported, layer):
    out, layers = exported
    original = layers[layer]
    back = _read(out / "battle.gpkg", layer)
    columns = [c for c in original.columns if c != "geometry"]
    assert list(back.columns[: len(columns)]) == columns
    assert_same_rows(original, back, columns)
    if "geometry" in original.columns:
        assert back.geometry.geom_equals_exact(original.geometry.reset_index(drop=True), tolerance=1e-9).all()


@pytest.mark.parametrize("layer", ["places", "control_intervals", "control_changes", "events", "routes"])
def test_geojson_round_trip(exported, layer):
    out, layers = exported
    original = layers[layer]
    back = _read(out / "geojson" / f"{layer}.geojson")
    columns = [c for c in original.columns if c != "geometry"]
    assert_same_rows(original, back, columns)
    assert back.geometry.geom_equals_exact(original.geometry.reset_index(drop=True), tolerance=1e-6).all()


@pytest.mark.parametrize("layer", ["places", "control_intervals", "control_changes", "events", "routes", "sources", "casualties"])
def test_csv_round_trip(exported, layer):
    out, layers = exported
    original = layers[layer]
    back = _read(out / "csv" / f"{layer}.csv")
    columns = [c for c in original.columns if c != "geometry"]
    assert_same_rows(original, back, columns)
    if "geometry" in original.columns and (original.geom_type == "Point").all():
        assert np.allclose(back["lon"].astype(float), original.geometry.x, atol=1e-6)
        assert np.allclose(back["lat"].astype(float), original.geometry.y, atol=1e-6)
    elif "geometry" in original.columns:
        assert "WKT" in back.columns and back["WKT"].str.startswith("LINESTRING").all()


def test_field_types_are_real_types(exported):
    out, _ = exported
    types = {layer: dict(zip(*[pyogrio.read_info(out / "battle.gpkg", layer=layer)[k] for k in ("fields", "ogr_types")]))
             for layer in ("control_intervals", "events", "sources", "places")}
    assert types["control_intervals"]["start_date"] == types["control_intervals"]["end_date"] == "OFTDate"
    assert types["events"]["date"] == types["events"]["end_date"] == "OFTDate"
    assert types["events"]["killed_government_best"] == "OFTReal"
    assert types["sources"]["ref"] == "OFTInteger" and types["sources"]["date"] == "OFTDate"
    assert types["places"]["precision_m"] == "OFTInteger"
    csv_types = dict(zip(*[pyogrio.read_info(out / "csv" / "control_intervals.csv")[k] for k in ("fields", "ogr_types")]))
    assert csv_types["start_date"] == "OFTDate"
    gj_types = dict(zip(*[pyogrio.read_info(out / "geojson" / "events.geojson")[k] for k in ("fields", "ogr_types")]))
    assert gj_types["date"] == "OFTDate"


def test_geojson_is_rfc7946(exported):
    out, _ = exported
    for path in (out / "geojson").glob("*.geojson"):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        assert data["type"] == "FeatureCollection" and "crs" not in data
        numbers = re.findall(r"-?\d+\.\d+", json.dumps([f["geometry"] for f in data["features"]]))
        assert all(len(n.split(".")[1]) <= 6 for n in numbers), path
        for feature in data["features"]:
            first = feature["geometry"]["coordinates"]
            while isinstance(first[0], list):  # the first position of a line or polygon
                first = first[0]
            assert 35 < first[0] < 39 and 33 < first[1] < 37, "lon/lat order"


def test_geojson_leaves_out_null_properties_but_reads_back_the_same_fields(exported):
    """After the first feature, a property with no value is left out (most of a war's casualty columns are
    null); the first names every field, so GDAL (QGIS, pyogrio) reads the GeoPackage's fields in its order.
    The derived zones and fronts are written to 5 decimals (layers.DERIVED_STEP), the data's own to 6."""
    out, layers = exported
    for name in ("places", "control_intervals", "control_changes", "events", "routes", "control_areas", "front_lines"):
        path = out / "geojson" / f"{name}.geojson"
        data = json.loads(path.read_text(encoding="utf-8"))
        first, *rest = [f["properties"] for f in data["features"]]
        fields = [c for c in layers[name].columns if c != "geometry"]
        assert list(first) == fields == list(pyogrio.read_info(path)["fields"]), name
        assert all(v is not None for p in rest for v in p.values()), name
        assert data["xy_coordinate_resolution"] == (1e-5 if name in ("control_areas", "front_lines") else 1e-6)
    events = json.loads((out / "geojson" / "events.geojson").read_text(encoding="utf-8"))["features"]
    assert any(len(f["properties"]) < len(layers["events"].columns) - 1 for f in events[1:])  # nulls left out


def test_geojson_compaction_keeps_text_that_looks_like_json(tmp_path):
    """Values holding quotes, commas, colons, 'null', braces and backslashes come back as written."""
    import geopandas as gpd
    from shapely.geometry import Point

    from jisrgeo.export.writers import GEOJSON_OPTIONS, _compact_geojson

    tricky = ['a", "b": null', 'ends with \\', '}, "geometry": null }', "plain", None, ' "x": null, ', "é ü"]
    frame = gpd.GeoDataFrame({"text": tricky, "n": [1.0, None, 3.5, None, 2.0, None, 0.0]},
                             geometry=[Point(36.1 + k / 10, 35.8) for k in range(len(tricky))], crs="EPSG:4326")
    raw, compact = tmp_path / "raw.geojson", tmp_path / "compact.geojson"
    pyogrio.write_dataframe(frame, raw, driver="GeoJSON", layer_options=GEOJSON_OPTIONS)
    _compact_geojson(raw, compact)
    assert compact.stat().st_size < raw.stat().st_size
    back = pyogrio.read_dataframe(compact)
    assert [None if pd.isna(v) else v for v in back["text"]] == tricky and back["n"].fillna(-1).tolist() == frame["n"].fillna(-1).tolist()
    assert back.geometry.geom_equals_exact(frame.geometry, 1e-9).all()


def test_gpkg_carries_default_qgis_styles(exported):
    out, _ = exported
    with sqlite3.connect(out / "battle.gpkg") as db:
        geometry_columns = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        styles = db.execute("SELECT f_table_schema, f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles").fetchall()
    assert {row[1] for row in styles} - {"context_country", "context_admin1", "context_coast", "context_river",
                                         "context_lake", "context_town", "context_dataset_lines",
                                         "context_dataset_areas", "context_dataset_points"} == {
        "places", "control_intervals", "control_changes", "events", "routes", "control_areas", "front_lines"}
    for schema, table, column, default, qml in styles:
        assert schema == "" and default == 1 and column == geometry_columns[table]
        root = ET.fromstring(qml.split("\n", 1)[1])
        assert root.tag == "qgis" and root.find("renderer-v2") is not None
    qml = {row[1]: ET.fromstring(row[4].split("\n", 1)[1]) for row in styles}
    rules = qml["control_intervals"].find("renderer-v2")
    assert rules.get("type") == "RuleRenderer"
    colours = {}
    for heading in rules.find("rules"):
        side = re.match(r'"controller" = \'(\w+)\'$', heading.get("filter"))
        for rule in heading if side else ():
            symbol = rules.find(f"symbols/symbol[@name='{rule.get('symbol')}']")
            rgba = symbol.find("layer/Option/Option[@name='color']").get("value")
            colours.setdefault(side.group(1), set()).add("#%02x%02x%02x" % tuple(int(v) for v in rgba.split(",")[:3]))
    colours = {side: colour.pop() for side, colour in colours.items() if len(colour) == 1}
    assert colours == SIDE_COLORS
    temporal = qml["control_intervals"].find("temporal")
    assert (temporal.get("enabled"), temporal.get("mode"), temporal.get("startField"), temporal.get("endField")) == (
        "1", "2", "start_date", "end_date")
    assert qml["places"].get("labelsEnabled") == "1"


def test_gpkg_comes_with_a_relative_qgis_project(exported):
    out, _ = exported
    root = ET.fromstring((out / "battle.qgs").read_text(encoding="utf-8").split("\n", 1)[1])
    sources = [e.text for e in root.iter("datasource")]
    # Every layer reads the GeoPackage beside the project, by a relative path; the key-days atlas reads a
    # virtual layer of its frames (a query of our own dates and numbers, naming no file).
    files = [s for s in sources if not s.startswith("?query=")]
    assert files and all(s.startswith("./battle.gpkg|layername=") for s in files)
    assert all("/" not in s.split("&", 1)[0].replace("%2F", "/") for s in sources if s.startswith("?query="))
    active = {layer.find("datasource").text.split("layername=")[1]: layer.find("temporal").get("enabled")
              for layer in root.iter("maplayer") if "layername=" in layer.find("datasource").text}
    assert active["control_intervals"] == active["events"] == "1"


def test_exports_are_deterministic(exported, bundled, tmp_path):
    out, _ = exported
    bundled.to_gpkg(tmp_path / "battle.gpkg")
    assert (tmp_path / "battle.gpkg").read_bytes() == (out / "battle.gpkg").read_bytes()


def test_a_failed_export_keeps_the_previous_file(tmp_path, bundled, monkeypatch):
    target = tmp_path / "battle.gpkg"
    bundled.to_gpkg(target)
    before = target.read_bytes()

    def explode(*args, **kwargs):
        raise RuntimeError("injected failure while writing styles")

    monkeypatch.setattr("jisrgeo.export.writers.write_styles", explode)
    with pytest.raises(RuntimeError, match="injected"):
        bundled.to_gpkg(target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["battle.gpkg", "battle.qgs"]


def test_cli_export(cli, tmp_path):
    result = cli("export", "--format", "gpkg", "--out", tmp_path / "b.gpkg")
    assert result.exit_code == 0 and (tmp_path / "b.gpkg").exists()
    result = cli("export", "--format", "geojson", "--out", tmp_path / "gj")
    assert result.exit_code == 0 and len(list((tmp_path / "gj").glob("*.geojson"))) == 7
    assert cli("export", "--format", "gpkg", "--out", tmp_path).exit_code == 2
    assert cli("export", "--format", "shp", "--out", tmp_path / "x").exit_code == 2


def _has_pyqgis():
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _has_pyqgis() and not os.environ.get("CI"), reason="Debian's python3-qgis is not installed")
def test_qgis_opens_the_layers_styled_and_the_project_animated(exported):
    out, _ = exported
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([SYSTEM_PYTHON, str(ROOT / "scripts" / "qgis_check.py"), str(out / "battle.gpkg")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    layers = report["layers"]
    assert all(info["valid"] for info in layers.values())
    assert {r["color"] for r in layers["control_intervals"]["rules"]} >= set(SIDE_COLORS.values())
    assert layers["control_intervals"]["fields"]["start_date"] == "Date"
    assert layers["events"]["fields"]["date"] == "Date" and layers["events"]["renderer"] == "categorizedSymbol"
    assert layers["places"]["labels"] is True
    project = report["project"]
    assert project["read"] is True and project["time_range"] == ["2015-04-09", "2015-06-07"]
    assert {r["color"] for r in layers["control_areas"]["rules"]} >= set(SIDE_COLORS.values())
    assert layers["control_areas"]["features"] > 0
    assert layers["front_lines"]["fields"]["end_date"] == "Date" and layers["front_lines"]["features"] > 0
    for name in ("control_intervals", "events", "control_areas", "front_lines"):
        temporal = project["layers"][name]["temporal"]
        assert temporal["active"] and temporal["mode"] == 2 and temporal["limit_mode"] == 0
    assert project["layers"]["control_intervals"]["temporal"]["start"] == "start_date"


def test_derived_layers_say_their_method_once_and_keep_their_outline(exported, bundled):
    """Zones and fronts: the method in the layer's description and the dataset table, not in every row; shapes
    within the written precision of the derived ones, with fewer vertices (the reprojection's straight-edge points)."""
    import shapely

    from jisrgeo.areas import FRONT_METHOD, METHOD
    from jisrgeo.export.layers import DERIVED_STEP, joined_intervals

    out, layers = exported
    with sqlite3.connect(out / "battle.gpkg") as db:
        described = dict(db.execute("SELECT table_name, description FROM gpkg_contents"))
    assert described["control_areas"] == METHOD and described["front_lines"] == FRONT_METHOD
    assert json.loads((out / "geojson" / "control_areas.geojson").read_text(encoding="utf-8"))["description"] == METHOD
    table = pyogrio.read_dataframe(out / "csv" / "dataset.csv")
    assert json.loads(table.set_index("key").loc["methods", "value"]) == {"control_areas": METHOD, "front_lines": FRONT_METHOD}
    for name, derived in (("control_areas", bundled.area_intervals),
                          ("front_lines", joined_intervals(bundled.front_intervals, "front_id"))):
        back = _read(out / "battle.gpkg", name)
        assert "method" not in back.columns and len(back) == len(derived)
        written, exact = back.geometry.to_numpy(), derived.geometry.to_numpy()
        assert shapely.get_num_coordinates(written).sum() < shapely.get_num_coordinates(exact).sum()
        near = 2 * DERIVED_STEP  # snapping (half a step per axis) plus the straight-line tolerance (a step)
        assert shapely.covers(shapely.buffer(written, near), exact).all(), name
        assert shapely.covers(shapely.buffer(exact, near), written).all(), name


def test_a_build_writes_each_table_once(bundled_build):
    """data/geojson holds the dataset's spatial layers only; its tables and layers are in data/csv; the GeoPackage
    has every layer, and is the one home of the derived zones and fronts."""
    from jisrgeo.export.layers import DERIVED_LAYERS

    out, _ = bundled_build
    geojson = {p.name for p in (out / "data" / "geojson").iterdir()}
    csv = {p.stem for p in (out / "data" / "csv").glob("*.csv")}
    spatial = {name for name, frame in export_layers(jisrgeo.load()).items() if "geometry" in frame.columns}
    assert geojson == {f"{name}.geojson" for name in spatial - set(DERIVED_LAYERS)}
    gpkg = set(pyogrio.list_layers(out / "data" / "jisrgeo.gpkg")[:, 0])
    assert set(DERIVED_LAYERS) <= gpkg and set(DERIVED_LAYERS) <= spatial
    assert csv == gpkg - {"layer_styles"} - {n for n in gpkg if n.startswith("context_")} - set(DERIVED_LAYERS)


def test_front_lines_export_shows_the_same_fronts_every_day_in_fewer_rows(exported, bundled):
    """A front split only because a zone beside it changed elsewhere is one row: on every day where anything
    changes, the exported rows covering it are the derived fronts of that day, same ids and lengths."""
    out, _ = exported
    fronts = _read(out / "battle.gpkg", "front_lines")
    derived = bundled.front_intervals
    assert len(fronts) < len(derived)
    for day in sorted(set(derived["start"]) | set(derived["end"] - pd.Timedelta(days=1))):
        covering = fronts[(pd.to_datetime(fronts["start_date"]) <= day) & (pd.to_datetime(fronts["end_date"]) > day)]
        assert sorted(zip(covering["front_id"], covering["length_km"])) == sorted(
            zip(*[bundled.front_lines(day)[c] for c in ("front_id", "length_km")])), day
