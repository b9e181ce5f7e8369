"""Habits users bring from other tools: --data before or after the command, a closed pipe ends quietly,
radius arguments in Python as the CLI takes them, and a clone's edited geodata/ is never read silently."""

import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo.cli import main

from helpers import MINI

DAY = "2015-04-15"


def _run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.mark.parametrize("command", [["control", "--date", DAY], ["events", "--format", "json"], ["place", "alpha"]])
def test_data_goes_before_or_after_the_command(command):
    before, after = _run("--data", MINI, *command), _run(*command, "--data", MINI)
    assert before.exit_code == after.exit_code == 0, before.output
    assert before.output == after.output
    assert before.output != _run(*command).output  # the mini battle, not the bundled one


def test_the_data_after_the_command_wins_and_the_global_one_beats_the_variable():
    bundled = _run("control", "--date", DAY).output
    assert _run("--data", MINI, "control", "--date", DAY, "--data", jisrgeo.io.bundled_path()).output == bundled
    mini = _run("control", "--date", DAY, "--data", MINI).output
    assert _run("--data", MINI, "control", "--date", DAY, env={"JISRGEO_DATA": str(jisrgeo.io.bundled_path())}).output == mini


@pytest.mark.parametrize("command", [["events", "--format", "json"], ["frontlines", "--date", "2015-05-10"]])
def test_a_reader_that_stops_reading_ends_the_command_quietly(command):
    """As `jisrgeo events | head -1` does, with the pipe closed before anything is written."""
    process = subprocess.Popen([sys.executable, "-c", "from jisrgeo.cli import run; run()", *command],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0, stderr
    assert stderr == ""


def test_a_full_disk_still_says_so():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-c", "from jisrgeo.cli import run; run()", "events"], stdout=full,
                                stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1 and "disk is full" in result.stderr


def test_python_radius_takes_units_as_the_cli_does(mini):
    assert mini.within("alpha", "5km").equals(mini.within("alpha", 5000))
    assert mini.within("alpha", "500 m").equals(mini.within("alpha", 500.0))


@pytest.mark.parametrize("radius", [-5, "-5km", float("nan"), "5", "five km", [5]])
def test_a_bad_radius_is_refused_naming_the_argument(mini, radius):
    with pytest.raises(ValueError, match="^radius_m: "):
        mini.within("alpha", radius)


def test_compare_refuses_a_negative_window(mini):
    with pytest.raises(ValueError, match="^within_m: "):
        jisrgeo.compare.compare(mini, mini, within_m=-1)


@pytest.fixture
def clone(tmp_path, monkeypatch):
    """A checkout's layout (src/jisrgeo and geodata/ with the installed battle's files), entered."""
    root = tmp_path / "clone"
    (root / "src" / "jisrgeo").mkdir(parents=True)
    shutil.copytree(jisrgeo.io.bundled_path(), root / "geodata")
    monkeypatch.chdir(root / "src")
    return root


def test_a_clone_whose_geodata_was_edited_is_named(clone):
    assert "note:" not in _run("place", "hospital").stderr  # the same files: nothing to say
    places = clone / "geodata" / "places.geojson"
    places.write_text(places.read_text(encoding="utf-8").replace('"Jisr al-Shughur"', '"Jisr al-Shughur (edited)"', 1),
                      encoding="utf-8")
    result = _run("place", "jisr_al_shughur")
    assert result.exit_code == 0
    assert f"--data {clone / 'geodata'}" in result.stderr and "installed battle" in result.stderr
    assert "(edited)" not in result.stdout
    result = _run("place", "jisr_al_shughur", "--data", clone / "geodata")
    assert "(edited)" in result.stdout and "note:" not in result.stderr
