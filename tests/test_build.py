"""`jisrgeo build`: what it writes, that it is deterministic, atomic, and matches the committed maps/."""

import hashlib

import pandas as pd
from pathlib import Path

import pytest

import jisrgeo
from jisrgeo.build import build

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "maps"


def tree_digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(bundled_build):
    return bundled_build  # one build per session (conftest), shared with the docs' figures test


def test_build_writes_every_day_and_the_publication(built, bundled):
    out, summary = built
    days = (bundled.period[1] - bundled.period[0]).days + 1
    assert len(list((out / "days").glob("*.html"))) == days == summary["days"]
    for name in ("index.html", "animated.html", "png/key-days.png", "data/jisrgeo.gpkg",
                 "data/geojson/control_intervals.geojson", "data/csv/events.csv"):
        assert (out / name).is_file(), name
    assert summary["files"] == len([p for p in out.rglob("*") if p.is_file()])


def test_the_index_links_every_picture_the_build_writes(built):
    import re

    out, _ = built
    links = set(re.findall(r'href="([^"#]+)"', (out / "index.html").read_text(encoding="utf-8")))
    pictures = {p.relative_to(out).as_posix() for p in out.glob("*.gif")} | {"png/key-days.png", "png/key-days-screen.png"}
    assert pictures <= links, pictures - links  # the phone GIF and the screen sheet too, not only the print ones
    assert all((out / link.rstrip("/")).exists() for link in links if not link.startswith(("http", "vendor/"))), links


def test_two_builds_are_byte_identical(built, tmp_path):
    out, _ = built
    again = tmp_path / "again"
    build(jisrgeo.load(), again)
    assert tree_digest(out) == tree_digest(again)


def test_committed_maps_are_current(built):
    """Fails when geodata/ or code changed without `jisrgeo build` being rerun and committed."""
    out, _ = built
    assert COMMITTED.is_dir(), "maps/ is missing: run `jisrgeo build` and commit it"
    stale = {k for k, v in tree_digest(out).items() if tree_digest(COMMITTED).get(k) != v}
    extra = set(tree_digest(COMMITTED)) - set(tree_digest(out))
    assert not stale and not extra, f"maps/ is stale: {sorted(stale | extra)[:10]} (rebuild with `jisrgeo build`)"


def test_a_failed_build_leaves_the_previous_output_intact(built, tmp_path, monkeypatch):
    out, _ = built
    target = tmp_path / "maps"
    build(jisrgeo.load(), target, start="2015-05-01", end="2015-05-03")
    before = tree_digest(target)

    def explode(*args, **kwargs):
        raise RuntimeError("injected failure half-way through the build")

    monkeypatch.setattr("jisrgeo.maps.animation.animated_map", explode)
    monkeypatch.setattr("jisrgeo.maps.animated_map", explode)
    with pytest.raises(RuntimeError, match="injected"):
        build(jisrgeo.load(), target)
    assert tree_digest(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["maps"]  # no stray temp folders


def test_window_build_maps_only_the_window(tmp_path):
    summary = build(jisrgeo.load(), tmp_path / "w", start="2015-05-20", end="2015-05-23")
    assert sorted(p.stem for p in (tmp_path / "w" / "days").glob("*.html")) == [
        "2015-05-20", "2015-05-21", "2015-05-22", "2015-05-23"]
    assert summary["days"] == 4


def test_hostile_text_is_escaped_in_every_page(tmp_path, mini_copy):
    import json

    places = json.loads((mini_copy / "places.geojson").read_text(encoding="utf-8"))
    places["features"][0]["properties"]["name"] = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    places["features"][0]["properties"]["note"] = '<a href="javascript:alert(1)">click</a>'
    (mini_copy / "places.geojson").write_text(json.dumps(places), encoding="utf-8")
    out = tmp_path / "site"
    build(jisrgeo.load(mini_copy), out)
    for page in [*out.rglob("*.html"), out / "places.js"]:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text and '<a href="javascript:' not in text, page
    tables = (out / "places.js").read_text(encoding="utf-8")  # the viewer's data: every day's names and popups
    assert "&lt;script&gt;alert" in tables


def test_cli_build_and_map(cli, tmp_path):
    result = cli("build", "--out", tmp_path / "m", "--from", "2015-05-21", "--to", "2015-05-22")
    assert result.exit_code == 0 and "wrote" in result.output and "2 days" in result.output
    result = cli("map", "--date", "2015-05-22", "-o", tmp_path / "d.html", "--png", tmp_path / "d.png")
    assert result.exit_code == 0
    assert (tmp_path / "d.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli("map", "--date", "2015-05-22").exit_code == 2
    assert cli("build", "--out", tmp_path / "x", "--from", "2015-05-22", "--to", "2015-05-01").exit_code == 2


def test_day_map_returns_a_folium_map(bundled):
    import folium

    from jisrgeo.maps import day_map

    assert isinstance(day_map(bundled, "2015-05-10"), folium.Map)


def test_a_publication_png_for_every_eventful_day_and_an_animation(built, bundled):
    from PIL import Image

    out, _ = built
    days = [d.strftime("%Y-%m-%d") for d in pd.date_range(*bundled.period)]
    eventful = ({f"{d:%Y-%m-%d}" for d in bundled.control_changes["effective"].dropna()} |
                {f"{d:%Y-%m-%d}" for d in bundled.events["date"]} | set(bundled.meta["key_days"]))
    drawn = sorted(p.stem for p in (out / "png").glob("2*.png"))
    assert drawn == sorted(d for d in days if d in eventful) and len(drawn) < len(days)
    first = Image.open(out / "png" / f"{drawn[0]}.png")
    assert first.size == (1056, 726) and first.info["Software"].startswith("jisrgeo")
    # Day maps differ where control changed: the city fell on 25 April.
    assert (out / "png" / "2015-04-24.png").read_bytes() != (out / "png" / "2015-04-25.png").read_bytes()
    gif = Image.open(out / "animation.gif")
    assert gif.width >= 960 and 1 < gif.n_frames < len(days) and gif.info["loop"] == 0
    index = (out / "index.html").read_text()
    assert 'href="animation.gif"' in index and 'href="png/2015-04-25.png"' in index


def _has_colour(png_path, hex_colour, tolerance=10):
    """Whether some pixel is within `tolerance` per channel of the colour (PNGs are stored in 256 colours)."""
    from PIL import Image

    pixels = [c[1] for c in Image.open(png_path).convert("RGB").getcolors(1 << 20)]
    want = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return any(all(abs(a - b) <= tolerance for a, b in zip(p, want)) for p in pixels)


def test_day_png_shows_the_sides_in_their_colours_over_the_context(built, bundled):
    out, _ = built
    png = out / "png" / "2015-05-22.png"
    assert _has_colour(png, bundled.sides["government"].color) and _has_colour(png, bundled.sides["opposition"].color)
    assert not _has_colour(png, "#7b3294")  # a colour no side has
    from jisrgeo.maps.static import LAND, SEA

    assert _has_colour(png, LAND, 3) and _has_colour(png, SEA, 3)  # Natural Earth land (map, locator) and sea (locator)


def test_png_legend_and_labels_come_from_the_dataset(tmp_path):
    """Another battle's sides fill the legend; its labels are placed without overlapping each other."""
    from jisrgeo.maps.static import DaySeries

    ds = jisrgeo.load(ROOT / "tests" / "fixtures" / "aleppo")
    series = DaySeries(ds)
    legend = series.legend_texts("2016-08-10")  # the sides drawn that day, in the dataset's order, first
    drawn = [label for label in (side.label for side in ds.sides.values()) if label in legend]
    assert len(drawn) >= 2 and legend[:len(drawn)] == drawn
    png = series.png("2016-08-10")
    assert png == DaySeries(ds).png("2016-08-10")  # deterministic, label placement included
    boxes = series.label_boxes()
    assert len(boxes) >= 5
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1:]), "two labels overlap"


def test_key_days_sheet_has_every_key_day(bundled):
    from PIL import Image
    import io
    from jisrgeo.maps import key_days_png

    sheet = Image.open(io.BytesIO(key_days_png(bundled, bundled.meta["key_days"])))
    assert sheet.width > 1200 and sheet.height > 900
    two = Image.open(io.BytesIO(key_days_png(bundled, bundled.meta["key_days"][:2])))
    assert two.height < sheet.height  # one row of panels, not two


def test_single_file_map_links_nothing_outside(cli, tmp_path):
    import re

    out = tmp_path / "day.html"
    assert cli("map", "--date", "2015-05-22", "-o", out).exit_code == 0
    page = out.read_text()
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?:', page)
    assert "<style>" in page and "font/woff2;base64," in page
    assert len(page) < 1_000_000  # the icon font once, not once per alias family


def test_a_war_s_gif_keeps_fewer_frames_but_its_key_days_and_its_length():
    from jisrgeo.build import GIF_MIN_FRAMES, _thinned

    days = list(pd.date_range("2014-01-01", periods=200, freq="7D"))
    schedule = [(d, 400) for d in days]
    keys = [days[5], days[101]]
    thinned = _thinned(schedule, keys, places=3000)
    assert len(thinned) <= GIF_MIN_FRAMES + len(keys) and thinned[0][0] == days[0]
    assert {days[5], days[101]} <= {d for d, _ in thinned}
    assert sum(ms for _, ms in thinned) == sum(ms for _, ms in schedule)  # the GIF lasts as long
    assert _thinned(schedule, keys, places=30) == schedule  # a battle keeps every frame
