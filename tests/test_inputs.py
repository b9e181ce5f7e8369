"""Issue 28 (inputs): links and special files, the import's grouping index, spreadsheet-safe CSV, control
characters on the terminal, hand-edited cache entries and failing disks: each answered, never a traceback."""

import csv
import errno
import json
import os
import random
import warnings

import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo.cli import main
from jisrgeo.io import cache
from jisrgeo.io.imports import Places, Row

from helpers import MINI, edit_layer


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# -- links ------------------------------------------------------------------------------------------------

def test_normalize_copies_no_link_and_no_link_target(mini_copy, tmp_path):
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY")
    (mini_copy / "notes.txt").symlink_to(secret)
    (mini_copy / "inside.txt").symlink_to(mini_copy / "sources.csv")
    os.mkfifo(mini_copy / "pipe")
    result = _run("normalize", mini_copy, "--out", tmp_path / "copy")
    assert result.exit_code == 0, result.output
    assert "notes.txt: not copied (a symbolic link" in result.output and "pipe: not copied" in result.output
    copied = {p.name for p in (tmp_path / "copy").iterdir()}
    assert {"notes.txt", "inside.txt", "pipe"}.isdisjoint(copied) and "places.geojson" in copied
    assert not any("PRIVATE KEY" in p.read_text(errors="replace") for p in (tmp_path / "copy").iterdir() if p.is_file())


def test_normalize_does_not_read_dev_zero(mini_copy, tmp_path):
    (mini_copy / "places.geojson").unlink()
    (mini_copy / "places.geojson").symlink_to("/dev/zero")
    result = _run("normalize", mini_copy, "--out", tmp_path / "copy")
    assert result.exit_code == 0 and "places.geojson: not copied" in result.output


def test_a_link_that_stays_inside_the_folder_is_read(mini_copy):
    (mini_copy / "real-events.json").write_bytes((mini_copy / "events.geojson").read_bytes())
    (mini_copy / "events.geojson").unlink()
    (mini_copy / "events.geojson").symlink_to("real-events.json")
    assert jisrgeo.validate(mini_copy) == [] and len(jisrgeo.load(mini_copy).events) == 4


def test_a_disk_full_normalize_names_the_output(mini_copy, tmp_path, monkeypatch):
    from pathlib import Path

    real = Path.write_bytes

    def full(self, data):
        if ".jisrgeo-tmp" in str(self):
            raise OSError(errno.ENOSPC, "No space left on device", str(mini_copy / "places.geojson"))
        return real(self, data)
    monkeypatch.setattr(Path, "write_bytes", full)
    result = _run("normalize", mini_copy, "--out", tmp_path / "copy")
    assert result.exit_code == 1 and "disk is full" in result.output
    assert str(tmp_path / "copy") in result.output and str(mini_copy) not in result.output
    assert not (tmp_path / "copy").exists()


def test_normalize_leaves_odd_coordinates_for_validate(mini_copy, tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32637"}}

    def odd(content):
        content["crs"] = crs
        coordinates = [[1], ["a", "b"], [1e308, -1e308]]
        for feature, value in zip(content["features"], coordinates):
            feature["geometry"]["coordinates"] = value
    edit_layer(mini_copy, "places.geojson", odd)
    result = _run("normalize", mini_copy, "--out", tmp_path / "copy")
    assert result.exit_code == 0, result.output
    assert jisrgeo.validate(tmp_path / "copy"), "odd coordinates were left for validate to name"


# -- the import's grouping: the index gives the answer of a scan of every place ------------------------------

def _reference(rows):
    """The rule as first written: each row against every place of its name, in order (quadratic)."""
    from jisrgeo.geodesy import GEOD
    from jisrgeo.names import normalize

    places, of_row = [], []
    for row in rows:
        for i, place in enumerate(places):
            if place["key"] == normalize(row.location) and \
                    GEOD.inv(place["lon"], place["lat"], row.lon, row.lat)[2] <= max(place["precision_m"], row.precision_m):
                place["precision_m"] = min(place["precision_m"], row.precision_m)
                of_row.append(i)
                break
        else:
            places.append({"key": normalize(row.location), "lon": row.lon, "lat": row.lat, "precision_m": row.precision_m})
            of_row.append(len(places) - 1)
    return of_row


def _row(i, name, lon, lat, precision):
    return Row(line=i, event_id=str(i), date="2015-01-01", date_end=None, date_precision="day", lon=lon, lat=lat,
               precision_m=precision, location=name, admin=("", "", ""), country="", type="armed_clash",
               verbatim_type="", actor1="", actor2="", source="", deaths=[], note="", location_source="")


@pytest.mark.parametrize("where", ["syria", "dense", "antimeridian", "north_pole"])
def test_grouping_with_the_index_matches_the_scan_of_every_place(where):
    rng = random.Random(28)
    centre = {"syria": (36.5, 35.8), "dense": (36.5, 35.8), "antimeridian": (179.95, -16.5), "north_pole": (0.0, 89.9)}[where]
    spread = 0.1 if where == "dense" else 1.0
    levels = (1_000, 25_000, 50_000, 150_000)
    rows = []
    for i in range(1500):
        lon = (centre[0] + rng.uniform(-2, 2) * spread * (30 if where == "north_pole" else 1) + 180) % 360 - 180
        lat = min(90.0, max(-90.0, centre[1] + rng.uniform(-1.5, 1.5) * spread))
        if rows and rng.random() < 0.3:  # a repeated point, as conflict data is full of
            lon, lat = rows[rng.randrange(len(rows))].lon, rows[rng.randrange(len(rows))].lat
        rows.append(_row(i, rng.choice(["Ariha", "Ariḥa", "al-Bara", "Kafr Nabl"]), lon, lat, rng.choice(levels)))
    groups = Places(levels)
    assert [groups.add(row) for row in rows] == _reference(rows)


# -- spreadsheet-safe CSV ---------------------------------------------------------------------------------------

FORMULAS = {"name": "=HYPERLINK(\"http://evil\",\"click\")", "note": "-2+3", "claimant": "@SUM(A1)", "title": "\tTab"}


@pytest.fixture
def formulas(mini_copy):
    edit_layer(mini_copy, "places.geojson", lambda c: c["features"][0]["properties"].update(
        name=FORMULAS["name"], note=FORMULAS["note"]))
    edit_layer(mini_copy, "events.geojson", lambda c: c["features"][1]["properties"].update(claimant=FORMULAS["claimant"]))
    assert jisrgeo.validate(mini_copy) == []
    return mini_copy


def _cells(folder):
    cells = set()
    for path in folder.glob("*.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            cells |= {cell for row in csv.reader(handle) for cell in row}
    return cells


def test_csv_exports_put_an_apostrophe_before_formulas_and_raw_csv_does_not(formulas, tmp_path):
    assert _run("export", "--format", "csv", "--data", formulas, "--out", tmp_path / "safe").exit_code == 0
    assert _run("export", "--format", "csv", "--raw-csv", "--data", formulas, "--out", tmp_path / "raw").exit_code == 0
    safe, raw = _cells(tmp_path / "safe"), _cells(tmp_path / "raw")
    for value in (FORMULAS["name"], FORMULAS["note"], FORMULAS["claimant"]):
        assert "'" + value in safe and value not in safe
        assert value in raw and "'" + value not in raw
    assert not any(cell[:1] in "=+@\t\r" for cell in safe if cell)
    numbers = [cell for cell in safe if cell.startswith("'-") and cell[2:].replace(".", "").isdigit()]
    assert numbers == [], "a negative number is not text"


def test_acled_export_is_safe_and_our_import_takes_the_apostrophe_off(formulas, tmp_path):
    assert _run("export", "--format", "acled", "--data", formulas, "--out", tmp_path / "a").exit_code == 0
    assert "'" + FORMULAS["claimant"] in _cells(tmp_path / "a")
    result = _run("import", "acled", tmp_path / "a" / "acled.csv", "--out", tmp_path / "back")
    assert result.exit_code == 0, result.output
    events = jisrgeo.load(tmp_path / "back").events
    assert FORMULAS["claimant"] in set(events["claimant"])


# -- control characters never reach the terminal ---------------------------------------------------------------

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"


@pytest.fixture
def escapes(mini_copy):
    edit_layer(mini_copy, "places.geojson", lambda c: c["features"][1]["properties"].update(
        name="Bravo" + OSC52 + "\x9b31m", note="\x1b[2J cleared"))
    return mini_copy


def test_did_you_mean_carries_no_escape(escapes):
    result = _run("place", "bravoo", "--data", escapes)
    assert result.exit_code == 2 and "did you mean" in result.output
    assert not any(ch in result.output for ch in "\x1b\x07\x9b")


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_no_escape_in_terminal_output(escapes, fmt, monkeypatch):
    import sys

    runner = CliRunner()
    with runner.isolation() as (out, err, *_):
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
        try:
            main.main(["control", "--date", "2015-04-15", "--format", fmt, "--data", str(escapes)], standalone_mode=False)
        finally:
            sys.stdout.flush()
            shown = out.getvalue().decode("utf-8")
    # (rich styles a table for a terminal with its own escapes: the data's are what must not get through)
    assert "Bravo" in shown and not any(seq in shown for seq in ("\x1b]", "\x07", "\x9b", "\x1b[2J")), shown
    if fmt == "json":
        assert json.loads(shown)[1]["name"] == "Bravo" + OSC52 + "\x9b31m"  # escaped, not lost


# -- hand-edited cache entries --------------------------------------------------------------------------------

@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JISRGEO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _edit_mark(entry):
    mark = entry / cache.COMPLETE
    extra = json.loads(mark.read_text())
    extra["meta"]["sides"] = ["not", "a", "mapping"]
    mark.write_text(json.dumps(extra))


@pytest.mark.parametrize("edit", [
    _edit_mark,
    lambda entry: (entry / "places.parquet").write_bytes(b"PAR1"),
    lambda entry: (entry / "extra.parquet").write_bytes(b""),
    lambda entry: (entry / cache.COMPLETE).write_text("[]"),
    lambda entry: (entry / cache.LISTS).write_text('{"x": 1}'),
])
def test_a_hand_edited_cache_entry_is_ignored_with_a_warning_naming_no_path(own_cache, mini_copy, edit):
    first = jisrgeo.load(mini_copy)
    entries = [p for p in own_cache.iterdir() if (p / cache.COMPLETE).is_file()]
    assert len(entries) == 1
    edit(entries[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = jisrgeo.load(mini_copy)
        result = _run("control", "--date", "2015-04-15", "--data", mini_copy)
    assert again.meta == first.meta and result.exit_code == 0, result.output
    messages = [str(w.message) for w in caught if issubclass(w.category, cache.CacheWarning)]
    assert messages and not any(str(own_cache) in m or entries[0].name in m for m in messages)


# -- a GeoPackage onto a disk that refuses ---------------------------------------------------------------------

def test_gpkg_export_onto_a_refusing_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    import pyogrio

    def refuse(*args, **kwargs):
        raise pyogrio.errors.DataSourceError(f"sqlite3_open({args[1]}) failed: unable to open database file")
    monkeypatch.setattr(pyogrio, "write_dataframe", refuse)
    result = _run("export", "--format", "gpkg", "--data", MINI, "--out", tmp_path / "out.gpkg")
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert f"cannot write {tmp_path / 'out.gpkg'}" in result.output and "jisrgeo-tmp" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_import_onto_a_full_disk_names_the_output_and_leaves_nothing(tmp_path, monkeypatch):
    import tempfile
    from pathlib import Path

    real = tempfile.TemporaryFile

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda *a, **k: Full(real(*a, **k)))
    source = Path(__file__).parent / "fixtures" / "interop" / "acled.csv"
    result = _run("import", "acled", source, "--out", tmp_path / "out")
    assert result.exit_code == 1 and f"cannot write {tmp_path / 'out'}: No space left" in result.output, result.output
    assert list(tmp_path.iterdir()) == []
