"""Any battle: a second one (Aleppo 2012-2016, four sides, four years) through every command and the API."""

import gc
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo.io import bundled_path
import jisrgeo.maps
from jisrgeo.cli import main
from jisrgeo.dataset import Dataset
from jisrgeo.schema import json_schema

from helpers import FIXTURES, MINI, edit_layer

ALEPPO = FIXTURES / "aleppo"
DAY = "2016-08-10"


def commands(out):
    return [
        ["validate"], ["schema", "places"], ["place", "Qal'at Halab"], ["events"], ["events", "--format", "csv"],
        ["control", "--date", DAY], ["control", "--date", DAY, "--format", "geojson"], ["changes", "--from", "2016-01-01"],
        ["history", "ramouseh"], ["distance", "Aleppo Citadel", "al-Bab"], ["matrix", "Aleppo Citadel", "al-Bab", "Handarat"],
        ["route"], ["within", "Aleppo Citadel", "10km", "--date", DAY, "--controller", "kurdish_ypg"],
        ["nearest", "al-Bab", "-n", "3"], ["front", "--date", DAY], ["claims"], ["casualties", "--side", "kurdish_ypg"],
        ["map", "--date", DAY, "-o", out / "day.html", "--png", out / "day.png"],
        ["build", "--out", out / "site", "--from", "2016-08-04", "--to", "2016-08-08"],
        ["export", "--format", "gpkg", "--out", out / "aleppo.gpkg"], ["export", "--format", "geojson", "--out", out / "gj"],
        ["export", "--format", "csv", "--out", out / "csv"], ["normalize", "--out", out / "norm"],
        ["export", "--format", "parquet", "--out", out / "pq"], ["export", "--format", "acled", "--out", out / "acled"],
        ["export", "--format", "ucdp", "--out", out / "ucdp"], ["compare", bundled_path(), "--within", "20km"],
    ]


@pytest.fixture
def aleppo_copy(tmp_path):
    target = tmp_path / "aleppo"
    shutil.copytree(ALEPPO, target)
    return target


def _run_all(folder, out):
    outputs = {}
    for command in commands(out):
        result = CliRunner().invoke(main, [str(a) for a in command] + ["--data", str(folder)])
        assert result.exit_code == 0 and result.exception is None, f"{command}: {result.output[-400:]}"
        outputs[command[0]] = outputs.get(command[0], "") + result.output
    return outputs


def test_every_command_on_a_four_side_battle(tmp_path):
    outputs = _run_all(ALEPPO, tmp_path)
    assert "YPG" in outputs["control"] and "kurdish_ypg" in outputs["control"]  # table label, GeoJSON code
    assert "killed_kurdish_ypg_best" in outputs["events"]
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html")] + [(tmp_path / "day.html").read_text()]
    assert not any("Jisr" in page or "Choghour" in page for page in pages), "the bundled battle leaked"


@pytest.mark.parametrize("variant", ["places_only", "no_change_of_hands"])
def test_variants_of_the_second_battle(aleppo_copy, tmp_path, variant):
    if variant == "places_only":
        for name in ("events.geojson", "routes.geojson", "sources.csv", "forces.json", "claims.json"):
            (aleppo_copy / name).unlink()
    else:
        edit_layer(aleppo_copy, "places.geojson",
                   lambda c: [f["properties"].update(control=f["properties"]["control"][:1]) for f in c["features"]])
    assert jisrgeo.validate(aleppo_copy) == []
    _run_all(aleppo_copy, tmp_path / "out")


def test_sides_labels_and_colours_come_from_the_dataset(tmp_path):
    ds = jisrgeo.load(ALEPPO)
    assert list(ds.sides) == ["government", "opposition", "islamic_state", "kurdish_ypg"]
    assert ds.sides["opposition"].label == "Rebels" and ds.sides["government"].color == "#c0392b"
    ypg = ds.sides["kurdish_ypg"].color
    assert ypg not in {"#c0392b", "#27ae60", "#111111"} and ypg.startswith("#")  # from the palette
    assert ds.vocabulary.casualty_sides == ("government", "opposition", "islamic_state", "kurdish_ypg", "civilian", "unknown")
    from jisrgeo.maps._places import payload

    html = str(payload(ds)["legend"])
    assert all(label in html for label in ("Syrian government", "Rebels", "Islamic State", "YPG"))
    from jisrgeo.export import export_layers
    from jisrgeo.export.qgis import layer_qml

    qml = layer_qml(ds.vocabulary, export_layers(ds))["control_intervals"][1]
    assert all(f"&quot;controller&quot; = '{code}'" in qml for code in ds.sides) and 'label="YPG"' in qml
    matrix = ds.control_matrix("2016-08-10", "2016-08-10")
    assert matrix.loc["2016-08-10", "sheikh_maqsoud"] == 3 and matrix.loc["2016-08-10", "al_bab"] == 2


def test_the_json_schema_accepts_the_files_and_rejects_a_broken_one():
    for folder in (jisrgeo.io.bundled_path(), ALEPPO):
        ds = jisrgeo.load(folder)
        for layer in ("places", "events", "routes", "dataset", "claims", "forces"):
            content = json.loads((folder / jisrgeo.schema.LAYER_FILES.get(layer, "dataset.json")).read_text(encoding="utf-8"))
            jsonschema.validate(content, json_schema(layer, ds.vocabulary.lists()))
    places = json.loads((ALEPPO / "places.geojson").read_text(encoding="utf-8"))
    schema = json_schema("places", jisrgeo.load(ALEPPO).vocabulary.lists())
    for change in (lambda p: p.update(kind="castle"), lambda p: p.pop("name"), lambda p: p.update(precision_m="5"),
                   lambda p: p["control"][0].update(controller="hezbollah")):
        broken = json.loads(json.dumps(places))
        change(broken["features"][0]["properties"])
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def test_cli_schema_prints_the_datasets_schema(cli):
    printed = json.loads(cli("schema", "places", "--data", ALEPPO).stdout)
    jsonschema.Draft202012Validator.check_schema(printed)
    controller = printed["properties"]["features"]["items"]["properties"]["properties"]["properties"]["control"]
    assert "kurdish_ypg" in json.dumps(controller)
    assert "kurdish_ypg" not in cli("schema", "places", "--open", "--data", ALEPPO).stdout


def test_a_dataset_from_the_users_own_frames():
    base = jisrgeo.load(ALEPPO)
    places = base.places[["place_id", "name", "aliases", "kind", "precision_m", "location_source", "geometry"]]
    changes = base.control_changes[["place_id", "date", "controller", "status", "challenger"]]
    ds = Dataset(places, changes, meta={"sides": {"government": "", "opposition": "", "islamic_state": "", "kurdish_ypg": ""},
                                        "period": {"start": "2012-07-19", "end": "2016-12-22"}})
    unstated = ["since", "basis", "date_precision"]  # the user's frames say neither how nor how exactly it is known
    pd.testing.assert_frame_equal(ds.control("2016-08-10").drop(columns=unstated),
                                  base.control("2016-08-10").drop(columns=unstated), check_dtype=False)
    assert ds.control("2016-08-10")["basis"].isna().all()
    with pytest.raises(AttributeError):
        ds.places = ds.places.head(2)
    with pytest.raises(jisrgeo.DataError):
        Dataset(places.drop(columns="kind"), changes)


def test_window_and_subset_are_new_datasets():
    ds = jisrgeo.load(ALEPPO)
    window = ds.window("2016-07-01", "2016-09-30")
    assert window.period == (pd.Timestamp("2016-07-01"), pd.Timestamp("2016-09-30"))
    assert set(window.events["event_id"]) == {"e7"} and ds.period[0] == pd.Timestamp("2012-07-19")
    assert window.control("2016-07-01").set_index("place_id")["controller"]["castello_road"] == "opposition"
    part = ds.subset(["al-Bab", "Kweires"])
    assert sorted(part.places["place_id"]) == ["al_bab", "kuweires_airbase"] and set(part.events["event_id"]) == {"e3", "e5"}
    assert len(ds.places) == 14


def test_the_geopackage_round_trips(tmp_path):
    ds = jisrgeo.load(ALEPPO)
    ds.to_gpkg(tmp_path / "a.gpkg")
    again = jisrgeo.load(tmp_path / "a.gpkg")
    again.to_gpkg(tmp_path / "b.gpkg")
    assert again.name == ds.name and list(again.sides) == list(ds.sides)
    for layer in (name for name, _ in pyogrio.list_layers(tmp_path / "a.gpkg") if name != "layer_styles"):
        first = pyogrio.read_dataframe(tmp_path / "a.gpkg", layer=layer)
        second = pyogrio.read_dataframe(tmp_path / "b.gpkg", layer=layer)
        pd.testing.assert_frame_equal(first, second, check_dtype=False, obj=layer)
    assert again.control("2016-08-10").equals(ds.control("2016-08-10"))


NO_SIDE_EFFECTS = """
import gc, os, sys
import matplotlib
matplotlib.use("svg")
before = (dict(os.environ), os.umask(0o022), dict(matplotlib.rcParams))
os.umask(before[1])
gc.enable()
import jisrgeo, jisrgeo.maps
ds = jisrgeo.load(sys.argv[1])
assert gc.isenabled(), "gc"
jisrgeo.maps.day_png(ds, "2016-08-10")
jisrgeo.maps.day_static(ds, "2016-08-10", "svg")  # its settings live in an rc_context
ds.to_gpkg(sys.argv[2])
assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
# pyplot keeps a registry of figures and may pick a backend: the library never imports it.
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
assert dict(matplotlib.rcParams) == before[2], "rcParams"
assert dict(os.environ) == before[0], "environment"
assert os.umask(0o022) == before[1], "umask"
print("clean")
"""


def test_the_library_changes_no_process_wide_state(tmp_path):
    result = subprocess.run([sys.executable, "-c", NO_SIDE_EFFECTS, str(ALEPPO), str(tmp_path / "x.gpkg")],
                            capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "clean", result.stderr[-2000:]


def test_the_default_dataset_comes_from_the_environment(monkeypatch, cli):
    monkeypatch.setenv("JISRGEO_DATA", str(ALEPPO))
    assert jisrgeo.load().name.startswith("Battle of Aleppo")
    assert "Aleppo" in cli("control", "--date", DAY).output
    assert cli("validate").exit_code == 0
    monkeypatch.setenv("JISRGEO_DATA", str(MINI))
    assert cli("control", "--date", DAY).exit_code == 2  # outside the mini battle's period


def test_an_old_layout_sides_mapping_stays_valid(aleppo_copy):
    edit_layer(aleppo_copy, "dataset.json", lambda m: m.update(sides={s: "a description" for s in m["sides"]}))
    ds = jisrgeo.load(aleppo_copy)
    assert ds.sides["kurdish_ypg"].label == "a description" and gc.isenabled()  # the description, as written
    assert os.environ.get("OGR_CURRENT_DATE") is None
