"""Side colours stay apart for colour-blind readers (issue 22): CIE76 distances under simulated CVD."""

import itertools
import json

from click.testing import CliRunner

import jisrgeo
from jisrgeo import cvd
from jisrgeo.cli import main as cli
from jisrgeo.sides import PALETTE, SAFE_PALETTE_SIZE, Vocabulary
from jisrgeo.style import UNKNOWN_COLOR


def _all_distances(colors):
    """{(a, b, vision, fill): CIE76} for every pair of `colors` plus the "no control" grey."""
    entries = list(colors) + [UNKNOWN_COLOR]
    return {(a, b, v, f): cvd.distance(a, b, v, f) for a, b in itertools.combinations(entries, 2)
            for v in cvd.VISIONS for f in (False, True)}


def _assert_apart(colors):
    for (a, b, vision, fill), d in _all_distances(colors).items():
        least = cvd.FILL_MIN if fill else cvd.SOLID_MIN
        assert d >= least, f"{a} and {b}: {d:.1f} CIE76 units {'as fills' if fill else 'solid'} under {vision}"


def test_bundled_side_colours_stay_apart_under_every_simulated_vision():
    colors = [s.color for s in jisrgeo.load().vocabulary.sides.values()]
    assert len(colors) == 3
    _assert_apart(colors)


def test_default_palette_stays_apart_for_its_safe_colours():
    _assert_apart(PALETTE[:SAFE_PALETTE_SIZE])
    # Sides that declare no colour get them in order: three undeclared sides are safe.
    vocabulary = Vocabulary({"sides": {"a": {}, "b": {}, "c": {}}})
    _assert_apart([s.color for s in vocabulary.sides.values()])


def test_the_old_colours_fail_as_the_issue_measured():
    """The check can fail: the old red/green collapse for deuteranopes (about 5 units as fills)."""
    d = cvd.distance("#d7191c", "#1a9641", "deuteranopia", fill=True)
    assert 3 < d < 7
    assert cvd.distance("#d7191c", "#1a9641", "normal", fill=False) > 60
    assert ("g", "o", "deuteranopia", "fill", round(d, 1)) in cvd.problems({"g": "#d7191c", "o": "#1a9641"})


def test_validate_warns_about_confusable_colours_and_still_exits_0(tmp_path):
    folder = tmp_path / "battle"
    folder.mkdir()
    meta = {"name": "Colour test", "period": {"start": "2020-01-01", "end": "2020-01-02"},
            "sides": {"red": {"color": "#d7191c"}, "green": {"color": "#1a9641"}},
            "layers": {"places": "places.geojson"}}
    (folder / "dataset.json").write_text(json.dumps(meta))
    place = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.3, 35.8]},
             "properties": {"place_id": "p1", "name": "P", "kind": "town", "refs": [],
                            "control": [{"date": "2020-01-01", "controller": "red", "status": "held", "refs": []}]}}
    (folder / "places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [place]}))
    problems = jisrgeo.validate(folder)
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == (1 if problems else 0)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert any("red (#d7191c) and green (#1a9641)" in w and "deuteranopia" in w for w in warnings), result.stderr

    meta["sides"] = {"red": {"color": "#f82800"}, "green": {"color": "#38a848"}}
    (folder / "dataset.json").write_text(json.dumps(meta))
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert "warning:" not in result.stderr


def test_bundled_validate_prints_no_colour_warning():
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0
    assert "warning:" not in result.stderr
