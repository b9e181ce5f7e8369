"""`jisrgeo control` answers from the load cache without pandas, and says exactly what a full load says."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo.cli import main
from jisrgeo.io import bundled_path

from helpers import FIXTURES, edit_layer

ALEPPO = FIXTURES / "aleppo"


def _run(folder, *args, env=None):
    result = CliRunner().invoke(main, ["control", "--data", str(folder), *args], env=env)
    return result.exit_code, result.output


def _dates(folder):
    ds = jisrgeo.load(folder)
    first, last = ds.period
    middle = first + (last - first) / 2
    changes = sorted({f"{d:%Y-%m-%d}" for d in ds.control_changes["effective"].dropna()})
    return [f"{first:%Y-%m-%d}", f"{middle:%Y-%m-%d}", f"{last:%Y-%m-%d}", *changes[:6]]


@pytest.mark.parametrize("folder", [bundled_path(), ALEPPO], ids=["bundled", "aleppo"])
def test_cached_answers_equal_full_loads(folder, tmp_path, monkeypatch):
    cache = {"JISRGEO_CACHE": str(tmp_path / "cache")}
    full = {}
    for day in _dates(folder):
        for fmt in ("table", "json", "csv", "geojson"):
            full[day, fmt] = _run(folder, "--date", day, "--format", fmt, env={"JISRGEO_CACHE": "off"})
            assert full[day, fmt][0] == 0, full[day, fmt]
    _run(folder, "--date", day, env=cache)  # loads once: fills the cache
    monkeypatch.setattr(jisrgeo, "load", lambda *a, **k: pytest.fail("a cached answer loaded the dataset"))
    for (day, fmt), expected in full.items():
        assert _run(folder, "--date", day, "--format", fmt, env=cache) == expected, (day, fmt)


@pytest.mark.parametrize("date", ["2015-13-01", "10/05/2015", "2014-01-01", "2031-01-01"])
def test_bad_dates_get_the_same_message_either_way(date, tmp_path):
    cache = {"JISRGEO_CACHE": str(tmp_path / "cache")}
    folder = bundled_path()
    _run(folder, "--date", "2015-05-10", env=cache)
    quick = _run(folder, "--date", date, env=cache)
    full = _run(folder, "--date", date, env={"JISRGEO_CACHE": "off"})
    assert quick == full and quick[0] == 2 and "Traceback" not in quick[1]


def test_a_changed_file_is_never_answered_from_the_old_entry(mini_copy, tmp_path):
    cache = {"JISRGEO_CACHE": str(tmp_path / "cache")}
    before = json.loads(_run(mini_copy, "--date", "2015-04-20", "--format", "json", env=cache)[1])
    edit_layer(mini_copy, "places.geojson", lambda c: c["features"][0]["properties"].update(name="Renamed"))
    after = json.loads(_run(mini_copy, "--date", "2015-04-20", "--format", "json", env=cache)[1])
    assert before[0]["name"] != "Renamed" and after[0]["name"] == "Renamed"


def test_a_warm_control_command_imports_neither_pandas_nor_geopandas(tmp_path):
    """numpy is imported (the pick of each place's state is states.holding, shared with Dataset.control); pandas,
    geopandas and shapely, the slow ones, are not."""
    env_cache = str(tmp_path / "cache")
    code = ("import os, sys; os.environ['JISRGEO_CACHE'] = %r\n"
            "from jisrgeo.cli import main\n"
            "try:\n    main(['control', '--date', '2015-05-10', '--format', 'csv'])\n"
            "except SystemExit:\n    pass\n"
            "print('HEAVY', sorted(m for m in ('pandas', 'geopandas', 'numpy', 'shapely') if m in sys.modules))")
    first = subprocess.run([sys.executable, "-c", code % env_cache], capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code % env_cache], capture_output=True, text=True, check=True)
    assert "HEAVY ['geopandas', 'numpy', 'pandas', 'shapely']" in first.stdout  # the first run loads
    assert "HEAVY ['numpy']" in second.stdout
    assert second.stdout.split("HEAVY")[0] == first.stdout.split("HEAVY")[0]
