"""Issue 26: `jisrgeo init` writes a new battle that validates, builds and exports, empty or with one place."""

import json
import sqlite3

import pytest

import jisrgeo
from jisrgeo import DataError

from helpers import edit_layer

PERIOD = ("2014-09-13", "2014-09-15")  # three days: the build stays quick


def _init(cli, folder):
    result = cli("init", folder, "--name", "Siege of Kobani", "--period", *PERIOD,
                 "--sides", "ypg=YPG,islamic_state=Islamic State,fsa")
    assert result.exit_code == 0, result.output
    return folder


def _add_place(folder):
    def add(content):
        content["features"].append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [38.3536, 36.8906]},
                                    "properties": {"place_id": "mishtenur", "name": "Mishtenur hill", "aliases": [],
                                                   "kind": "hill", "precision_m": 500, "location_source": "test",
                                                   "refs": [1], "control": [
                                                       {"date": None, "controller": "ypg", "status": "held",
                                                        "basis": "reported", "refs": [1]},
                                                       {"date": "2014-09-14", "controller": "islamic_state",
                                                        "status": "held", "basis": "reported", "refs": [1]}]}})
    edit_layer(folder, "places.geojson", add)
    with open(folder / "sources.csv", "a", encoding="utf-8") as handle:
        handle.write("1,Test Wire,,A test dispatch,en,2014-09-14\n")


@pytest.mark.parametrize("with_place", [False, True], ids=["empty", "one-place"])
def test_init_then_validate_build_and_export(cli, tmp_path, with_place):
    folder = _init(cli, tmp_path / "kobani")
    meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    assert meta["period"] == {"start": PERIOD[0], "end": PERIOD[1]}
    assert {c: s["label"] for c, s in meta["sides"].items()} == {"ypg": "YPG", "islamic_state": "Islamic State", "fsa": "fsa"}
    assert (folder / "sources.csv").read_text(encoding="utf-8").startswith("ref,publisher,agency,title,language,date")
    if with_place:
        _add_place(folder)
    assert cli("validate", "--data", folder).exit_code == 0
    result = cli("build", "--data", folder, "--out", tmp_path / "maps")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "maps" / "index.html").is_file()
    for fmt, out in (("gpkg", tmp_path / "k.gpkg"), ("csv", tmp_path / "csv"), ("geojson", tmp_path / "gj")):
        result = cli("export", "--format", fmt, "--data", folder, "--out", out)
        assert result.exit_code == 0, result.output
    assert cli("validate", tmp_path / "k.gpkg").exit_code == 0  # the export reads back
    with sqlite3.connect(tmp_path / "k.gpkg") as db:
        assert {r[0] for r in db.execute("SELECT last_change FROM gpkg_contents")} == {f"{PERIOD[1]}T00:00:00.000Z"}
    ds = jisrgeo.load(folder)
    if with_place:
        assert ds.control("2014-09-14").set_index("place_id").loc["mishtenur", "controller"] == "islamic_state"
    else:
        assert ds.places.empty and ds.events.empty


def test_python_twin_and_bad_input(tmp_path):
    folder = jisrgeo.init(tmp_path / "k", "Kobani", PERIOD, ["ypg", "islamic_state"])
    assert jisrgeo.validate(folder) == []
    assert jisrgeo.load(folder).vocabulary.sides["islamic_state"].label == "islamic state"
    with pytest.raises(DataError) as caught:
        jisrgeo.init(tmp_path / "bad", "Kobani", ("2014-09-15", "2014-09-13"), "Y P G")
    reasons = " ".join(p.reason for p in caught.value.problems)
    assert "before it starts" in reasons and "is not a code" in reasons
    assert not (tmp_path / "bad").exists()  # nothing half-written


def test_init_never_overwrites_a_researchers_work(cli, tmp_path):
    folder = _init(cli, tmp_path / "kobani")
    _add_place(folder)
    result = cli("init", folder, "--name", "Again", "--period", *PERIOD, "--sides", "ypg")
    assert result.exit_code == 1 and "did not write" in result.output
    assert "mishtenur" in (folder / "places.geojson").read_text(encoding="utf-8")


def test_init_end_to_end_in_a_real_process(tmp_path):
    import subprocess
    import sys

    def jisrgeo_cmd(*args):
        return subprocess.run([sys.executable, "-m", "jisrgeo.cli", *map(str, args)], capture_output=True, text=True,
                              timeout=300)

    made = jisrgeo_cmd("init", tmp_path / "k", "--name", "Kobani", "--period", *PERIOD, "--sides", "ypg=YPG")
    assert made.returncode == 0, made.stderr
    checked = jisrgeo_cmd("validate", "--data", tmp_path / "k")
    assert checked.returncode == 0 and "OK: no problems found" in checked.stdout + checked.stderr
    refused = jisrgeo_cmd("init", tmp_path / "bad", "--name", "Kobani", "--period", "2014-13-01", PERIOD[1], "--sides", "ypg")
    assert refused.returncode == 1 and "is not a date" in refused.stderr and "Traceback" not in refused.stderr
