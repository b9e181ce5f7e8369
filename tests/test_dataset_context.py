"""A dataset's own ground: context.geojson (rivers, roads, plains, named points), loaded, checked, exported,
and lines that claims can check a place against (issue 33)."""

import json
import shutil

import pyogrio
import pytest

import jisrgeo

from helpers import FIXTURES

CITY = FIXTURES / "city"


def _copy(tmp_path, source=CITY):
    folder = tmp_path / "data"
    shutil.copytree(source, folder)
    return folder


def test_the_bundled_battle_brings_its_own_ground(bundled):
    own = bundled.context.set_index("name")
    assert {"Orontes", "Ghab plain", "Turkish border"} <= set(own.index)
    # The Ariha-Latakia road is a route (routes.geojson, with its refs), never drawn twice.
    assert "M4" not in set(own.index)
    assert own.loc["Orontes", "kind"] == "river" and own.loc["Ghab plain"].geometry.geom_type == "Polygon"
    # Every feature says where its geometry comes from and how far off it may be.
    assert own["source"].str.len().gt(20).all() and own["precision_m"].notna().all()
    # The Orontes runs through the town and the Ghab.
    for place, line in [("jisr_al_shughur", "Orontes"), ("qarqur", "Orontes"), ("darkoush", "Orontes")]:
        if place in set(bundled.places["place_id"]):
            assert bundled.place(place).geometry.distance(own.loc[line].geometry) < 0.01, (place, line)
    assert own.loc["Ghab plain"].geometry.contains(bundled.place("al_sermania").geometry)


def test_no_context_file_gives_an_empty_table(mini):
    assert mini.context.empty and list(mini.context.columns[:2]) == ["name", "kind"]


def test_a_bridge_is_checked_against_its_river(tmp_path, cli):
    from jisrgeo.claims import check_claims

    table = check_claims(jisrgeo.load(CITY)).set_index("claim_id")
    assert (table.loc[[f"c_bridge_{n}" for n in range(1, 6)], "verdict"] == "agrees").all()
    assert table.loc["c_bridge_3", "computed_m"] < 5
    # A bridge moved 600 m east of the river no longer agrees.
    folder = _copy(tmp_path)
    places = json.loads((folder / "places.geojson").read_text())
    for feature in places["features"]:
        if feature["properties"]["place_id"] == "bridge_3":
            feature["geometry"]["coordinates"][0] += 0.0066
    (folder / "places.geojson").write_text(json.dumps(places))
    moved = check_claims(jisrgeo.load(folder)).set_index("claim_id")
    assert moved.loc["c_bridge_3", "verdict"] == "disagrees (distance)" and moved.loc["c_bridge_3", "computed_m"] > 500
    result = cli("claims", "--data", folder)
    assert "c_bridge_3" in result.output and "disagrees" in result.output


@pytest.mark.parametrize("edit,expected", [
    (lambda c: c["features"][0]["geometry"].update(type="GeometryCollection"),
     "Nahr al-Fidda:geometry: 'GeometryCollection' is not one of LineString"),
    (lambda c: c["features"][0]["geometry"].update(coordinates=[[38.1, 35.4]]),
     "a line needs at least two positions"),
    (lambda c: c["features"][3]["geometry"].update(coordinates=[38.1, 135.4]),
     "is not a [lon, lat] position"),
    (lambda c: c["features"][1]["properties"].update(name="Nahr al-Fidda"), "duplicate name"),
    (lambda c: c["features"][2]["properties"].pop("kind"), "kind"),
    (lambda c: c.update(type="Feature"), "must be a GeoJSON FeatureCollection"),
    # A feature's refs are checked against sources.csv (the check once looked at the properties instead).
    (lambda c: c["features"][0]["properties"].update(refs=[999]), "Nahr al-Fidda:refs: reference 999 is not in sources.csv"),
])
def test_validate_checks_the_context_file(tmp_path, cli, edit, expected):
    folder = _copy(tmp_path)
    content = json.loads((folder / "context.geojson").read_text())
    edit(content)
    (folder / "context.geojson").write_text(json.dumps(content))
    result = cli("validate", folder)
    assert result.exit_code != 0 and "context.geojson" in result.output and expected in result.output, result.output
    assert jisrgeo.validate(folder)


def test_a_line_claim_must_name_a_context_feature(tmp_path, cli):
    folder = _copy(tmp_path)
    claims = json.loads((folder / "claims.json").read_text())
    claims[0]["line"] = "Nile"
    (folder / "claims.json").write_text(json.dumps(claims))
    claims[1] = {**claims[0], "claim_id": "c_far", "line": None}  # a near_line claim needs its line (schema.CLAIM_NEEDS)
    (folder / "claims.json").write_text(json.dumps(claims))
    result = cli("validate", folder)
    assert result.exit_code != 0 and "'Nile' is not the name of a feature in context.geojson" in result.output
    assert "claims.json:c_far:line: a near_line claim needs line" in result.output


def test_a_context_file_outside_the_folder_is_refused(tmp_path, cli):
    folder = _copy(tmp_path)
    outside = tmp_path / "elsewhere.geojson"
    shutil.move(folder / "context.geojson", outside)
    (folder / "context.geojson").symlink_to(outside)
    result = cli("validate", folder)
    assert result.exit_code != 0 and "outside the dataset folder" in result.output


def test_the_geopackage_carries_the_datasets_own_ground(tmp_path, cli):
    result = cli("export", "--format", "gpkg", "--data", CITY, "--out", tmp_path / "city.gpkg")
    assert result.exit_code == 0, result.output
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "city.gpkg")}
    assert {"context_dataset_lines", "context_dataset_points"} <= layers
    lines = pyogrio.read_dataframe(tmp_path / "city.gpkg", layer="context_dataset_lines")
    assert set(lines["name"]) == {"Nahr al-Fidda", "Border", "Eastern road"}
    assert (lines.geometry.geom_type == "MultiLineString").all()
    # Read back, its near_line claims are not refused for want of the context.geojson it does not carry.
    assert jisrgeo.validate(tmp_path / "city.gpkg") == []
