"""Side colours every reader tells apart (issue 34): CIEDE2000 after simulating colour-blind vision,
between markers and between zone fills as drawn, in validate (CLI and Python), init and the palette."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo import cvd
from jisrgeo.cli import main as cli
from jisrgeo.sides import PALETTE, Vocabulary
from jisrgeo.style import FILL_ALPHA, LAND, UNKNOWN_COLOR

# Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula", Table 1: L1 a1 b1 L2 a2 b2 dE00.
SHARMA = """50.0000 2.6772 -79.7751 50.0000 0.0000 -82.7485 2.0425
50.0000 3.1571 -77.2803 50.0000 0.0000 -82.7485 2.8615
50.0000 2.8361 -74.0200 50.0000 0.0000 -82.7485 3.4412
50.0000 -1.3802 -84.2814 50.0000 0.0000 -82.7485 1.0000
50.0000 -1.1848 -84.8006 50.0000 0.0000 -82.7485 1.0000
50.0000 -0.9009 -85.5211 50.0000 0.0000 -82.7485 1.0000
50.0000 0.0000 0.0000 50.0000 -1.0000 2.0000 2.3669
50.0000 -1.0000 2.0000 50.0000 0.0000 0.0000 2.3669
50.0000 2.4900 -0.0010 50.0000 -2.4900 0.0009 7.1792
50.0000 2.4900 -0.0010 50.0000 -2.4900 0.0010 7.1792
50.0000 2.4900 -0.0010 50.0000 -2.4900 0.0011 7.2195
50.0000 2.4900 -0.0010 50.0000 -2.4900 0.0012 7.2195
50.0000 -0.0010 2.4900 50.0000 0.0009 -2.4900 4.8045
50.0000 -0.0010 2.4900 50.0000 0.0010 -2.4900 4.8045
50.0000 -0.0010 2.4900 50.0000 0.0011 -2.4900 4.7461
50.0000 2.5000 0.0000 50.0000 0.0000 -2.5000 4.3065
50.0000 2.5000 0.0000 73.0000 25.0000 -18.0000 27.1492
50.0000 2.5000 0.0000 61.0000 -5.0000 29.0000 22.8977
50.0000 2.5000 0.0000 56.0000 -27.0000 -3.0000 31.9030
50.0000 2.5000 0.0000 58.0000 24.0000 15.0000 19.4535
50.0000 2.5000 0.0000 50.0000 3.1736 0.5854 1.0000
50.0000 2.5000 0.0000 50.0000 3.2972 0.0000 1.0000
50.0000 2.5000 0.0000 50.0000 1.8634 0.5757 1.0000
50.0000 2.5000 0.0000 50.0000 3.2592 0.3350 1.0000
60.2574 -34.0099 36.2677 60.4626 -34.1751 39.4387 1.2644
63.0109 -31.0961 -5.8663 62.8187 -29.7946 -4.0864 1.2630
61.2901 3.7196 -5.3901 61.4292 2.2480 -4.9620 1.8731
35.0831 -44.1164 3.7933 35.0232 -40.0716 1.5901 1.8645
22.7233 20.0904 -46.6940 23.0331 14.9730 -42.5619 2.0373
36.4612 47.8580 18.3852 36.2715 50.5065 21.2231 1.4146
90.8027 -2.0831 1.4410 91.1528 -1.6435 0.0447 1.4441
90.9257 -0.5406 -0.9208 88.6381 -0.8985 -0.7239 1.5381
6.7747 -0.2908 -2.4247 5.8714 -0.0985 -2.2286 0.6377
2.0776 0.0795 -1.1350 0.9033 -0.0636 -0.5514 0.9082"""

SIX = {"army": {}, "rebels": {}, "militia": {"allies": ["army"]}, "kurds": {}, "jihadists": {}, "un": {"neutral": True}}


def test_ciede2000_matches_sharmas_published_pairs_both_ways():
    rows = np.array([[float(x) for x in line.split()] for line in SHARMA.splitlines()])
    assert len(rows) == 34
    np.testing.assert_allclose(cvd.ciede2000(rows[:, :3], rows[:, 3:6]), rows[:, 6], atol=1e-4)
    np.testing.assert_allclose(cvd.ciede2000(rows[:, 3:6], rows[:, :3]), rows[:, 6], atol=1e-4)


def _assert_apart(colors):
    assert cvd.problems(dict(enumerate(colors)), UNKNOWN_COLOR) == []
    for (vision, mode), least in cvd.worst(colors).items():
        assert least >= (cvd.FILL_MIN if mode == "fill" else cvd.MARKER_MIN), (vision, mode, least)


@pytest.mark.parametrize("n", [2, 3, 6, 8])
def test_the_default_palette_passes_for_any_number_of_sides_up_to_eight(n):
    _assert_apart(PALETTE[:n])
    vocabulary = Vocabulary({"sides": {f"s{i}": {} for i in range(n)}})
    assert [s.color for s in vocabulary.sides.values()] == list(PALETTE[:n])


def test_the_first_three_sides_differ_in_lightness_for_a_greyscale_print():
    lightness = sorted(float(cvd.lab(cvd.rgb(c))[0]) for c in PALETTE[:3])
    assert min(b - a for a, b in zip(lightness, lightness[1:])) >= 30


def test_bundled_battle_keeps_red_and_green_and_passes():
    ds = jisrgeo.load()
    colors = {code: side.color for code, side in ds.sides.items()}
    assert cvd.problems(colors, UNKNOWN_COLOR) == []
    lab = {code: cvd.lab(cvd.rgb(c)) for code, c in colors.items()}
    hue = {code: np.degrees(np.arctan2(v[2], v[1])) % 360 for code, v in lab.items()}
    assert 15 < hue["government"] < 50 and 100 < hue["opposition"] < 160  # red and green to normal vision
    assert jisrgeo.validate() == []


def test_fills_are_measured_as_drawn_over_the_real_land():
    from jisrgeo.maps import ground, static

    assert ground.LAND == LAND and static.AREA_ALPHA == FILL_ALPHA
    # A fill as drawn is the colour laid over the land: black at FILL_ALPHA is a mid grey, not black.
    drawn = cvd.as_drawn(cvd.rgb("#000000"))
    assert np.allclose(drawn, (1 - FILL_ALPHA) * cvd.rgb(LAND))
    assert cvd.distance("#000000", "#ffffff", fill=True) < cvd.distance("#000000", "#ffffff")


def test_the_old_colours_fail_as_the_issue_measured():
    """The check can fail: the old red/green are one olive to deuteranopes."""
    assert cvd.distance("#f82800", "#38a848", "deuteranopia") < 10
    assert cvd.distance("#f82800", "#38a848", "normal") > 40
    found = cvd.problems({"g": "#f82800", "o": "#38a848"})
    assert ("g", "o", "deuteranopia", "marker", round(cvd.distance("#f82800", "#38a848", "deuteranopia"), 1)) in found
    assert any(p[3] == "fill" for p in found)


def _folder(tmp_path, sides):
    """A new empty battle (jisrgeo init) whose dataset.json then declares `sides`."""
    folder = tmp_path / "battle"
    jisrgeo.init(folder, "Colour test", ("2020-01-01", "2020-01-02"), list(sides), replace=True)
    meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    meta["sides"] = sides
    (folder / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def test_validate_returns_colour_problems_in_python_and_warns_in_the_cli(tmp_path):
    folder = _folder(tmp_path, {"red": {"color": "#f82800"}, "green": {"color": "#38a848"}})
    found = jisrgeo.validate(folder)
    warnings = [p for p in found if p.severity == "warning"]
    assert warnings and all(p.field.startswith("sides.") for p in warnings)
    assert not [p for p in found if p.severity != "warning"]
    fix = warnings[0].reason.rsplit("passes: ", 1)[1]
    assert cvd.problems({"red": "#f82800", "green": fix}, UNKNOWN_COLOR) == []  # the suggestion passes
    assert cvd.distance(fix, "#38a848") < 40  # and is near the colour it replaces
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 0  # a warning, not a problem
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert any("red (#f82800) and green (#38a848)" in w and "deuteranopia" in w and "CIEDE2000" in w for w in lines)

    folder = _folder(tmp_path, {"red": {"color": "#f82800"}, "green": {"color": fix}})
    assert jisrgeo.validate(folder) == []
    assert "warning:" not in CliRunner().invoke(cli, ["validate", str(folder)]).stderr


def test_six_sides_some_declared_get_passing_colours(tmp_path):
    sides = dict(SIX, army={"color": "#c0392b"}, rebels={"color": "#1e8449"})
    vocabulary = Vocabulary({"sides": sides})
    colors = {code: s.color for code, s in vocabulary.sides.items()}
    assert colors["army"] == "#c0392b"
    picked = {k: v for k, v in colors.items() if k not in ("army", "rebels")}
    # The sides that declare none get colours that pass against each other and the declared ones.
    assert not [p for p in cvd.problems(colors, UNKNOWN_COLOR) if set(p[:2]) & set(picked)]


def test_init_writes_passing_colours_for_six_and_eight_sides(tmp_path):
    for n in (6, 8):
        codes = ",".join(f"side_{i}" for i in range(n))
        folder = tmp_path / f"battle{n}"
        result = CliRunner().invoke(cli, ["init", str(folder), "--name", "Test", "--period", "2020-01-01",
                                          "2020-01-05", "--sides", codes])
        assert result.exit_code == 0, result.output
        meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        colors = {code: side["color"] for code, side in meta["sides"].items()}
        assert len(colors) == n
        assert cvd.problems(colors, UNKNOWN_COLOR) == []
        assert jisrgeo.validate(folder) == []


@pytest.mark.parametrize("sides", ["bundled", "palette"])
def test_the_changed_today_mark_reads_on_the_land_and_every_fill(sides):
    from jisrgeo.style import CHANGED_MARK, NONTEXT_CONTRAST_MIN

    colors = ({c: s.color for c, s in jisrgeo.load().sides.items()} if sides == "bundled"
              else dict(enumerate(PALETTE)))
    contrasts = cvd.mark_contrasts(CHANGED_MARK, colors)
    assert min(contrasts.values()) >= NONTEXT_CONTRAST_MIN, contrasts
    # The check can fail: the old yellow halo on a green zone.
    assert cvd.contrast("#ffd700", cvd.as_drawn(cvd.rgb("#38a848"))) < 1.5
    assert round(cvd.contrast("#000000", "#ffffff"), 1) == 21.0


def test_event_glyphs_and_lines_never_borrow_a_sides_hue():
    from jisrgeo.style import EVENT_SYMBOLS, LINE_STYLES

    for _, _, color in EVENT_SYMBOLS.values():
        assert float(np.hypot(*cvd.lab(cvd.rgb(color))[1:])) < 5  # neutral: no chroma
    styles = {(s["color"], s["width"], tuple(s["dash"])) for s in LINE_STYLES.values()}
    assert len(styles) == len(LINE_STYLES)  # roads, rings, borders, fronts each look their own
    river = LINE_STYLES["river"]["color"]
    assert min(cvd.distance(river, c) for c in PALETTE) >= cvd.MARKER_MIN
