"""Static maps: the labeller, map -o by suffix (PNG, PDF, SVG), certainty marks, the day's callout,
which days get a PNG, the GIF's frames and the key-days sheet at print resolution."""

import io
import itertools
import json
import time

import numpy as np
import pytest
import shapely
from PIL import Image

import jisrgeo
from jisrgeo.build import build
from jisrgeo.maps.labels import Label, place
from helpers import FIXTURES, MINI

ALEPPO = FIXTURES / "aleppo"


def _overlaps(boxes):
    geoms = shapely.box(*np.array(boxes, dtype=float).T)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    return int((a < b).sum())


# -- the labeller ----------------------------------------------------------------------------------

def test_labeller_places_hundreds_of_labels_without_overlap_quickly():
    rng = np.random.default_rng(7)
    points = rng.uniform(0, 2000, (400, 2))
    labels = [Label(f"Place {i}", x, y, 70, 14, radius=5, priority=i % 4) for i, (x, y) in enumerate(points)]
    markers = [(x - 5, y - 5, x + 5, y + 5) for x, y in points]
    t0 = time.perf_counter()
    placed = place(labels, frame=(0, 0, 2000, 2000))
    seconds = time.perf_counter() - t0
    boxes = [p.box for p in placed if p]
    assert len(boxes) > 300
    assert _overlaps(boxes) == 0
    # No label covers another place's marker (its own marker is beside it by construction).
    for spot, i in ((p, i) for i, p in enumerate(placed) if p):
        others = [m for j, m in enumerate(markers) if j != i]
        assert not shapely.intersects(shapely.box(*spot.box), shapely.box(*np.array(others).T)).any()
        assert 0 <= spot.box[0] and spot.box[2] <= 2000 and 0 <= spot.box[1] and spot.box[3] <= 2000
    assert place(labels, frame=(0, 0, 2000, 2000)) == placed  # deterministic
    assert seconds < 5  # a generous bound on a shared machine; benchmarks/run.py prints the real figure


def test_labeller_prefers_the_right_side_then_moves_then_drops_by_priority():
    lone = place([Label("A", 100, 100, 40, 10, radius=4)], frame=(0, 0, 400, 400))[0]
    assert lone.box[0] > 100 and lone.box[1] < 100 < lone.box[3] and not lone.leader  # right of its point
    # A wall to the right of the point: the label goes elsewhere, still clear of the wall.
    walled = place([Label("A", 100, 100, 40, 10, radius=4)], obstacles=[(104, 80, 200, 120)], frame=(0, 0, 400, 400))[0]
    assert walled.box[2] <= 104 or walled.box[1] >= 120 or walled.box[3] <= 80
    # Boxed in on every side, in a frame too small for any candidate: the lower priority label is dropped.
    a, b = place([Label("low", 50, 50, 60, 10, radius=4, priority=0), Label("high", 52, 50, 60, 10, radius=4, priority=9)],
                 frame=(0, 30, 130, 70))
    assert b is not None
    assert a is None or _overlaps([a.box, b.box]) == 0


# -- map -o by suffix --------------------------------------------------------------------------------

def test_map_output_suffix_decides_the_format(cli, tmp_path):
    names = {"d.html": b"<!DOCTYPE html", "d.png": b"\x89PNG", "d.pdf": b"%PDF", "d.svg": b"<?xml"}
    args = [x for name in names for x in ("-o", tmp_path / name)]
    result = cli("map", "--date", "2015-04-25", *args)
    assert result.exit_code == 0, result.output
    for name, magic in names.items():
        assert (tmp_path / name).read_bytes().startswith(magic), name
    assert b"<svg" in (tmp_path / "d.svg").read_bytes()[:1000]
    # Unknown suffix: refused with the suffixes we know, nothing written.
    result = cli("map", "--date", "2015-04-25", "-o", tmp_path / "d.jpg")
    assert result.exit_code == 2 and ".jpg" in result.output and ".pdf" in result.output
    assert not (tmp_path / "d.jpg").exists()
    # Our own PDF is replaced; somebody else's is not.
    assert cli("map", "--date", "2015-04-26", "-o", tmp_path / "d.pdf", "--quiet").exit_code == 0
    (tmp_path / "theirs.pdf").write_bytes(b"%PDF-1.4 not ours")
    result = cli("map", "--date", "2015-04-26", "-o", tmp_path / "theirs.pdf")
    assert result.exit_code == 1 and "not written by jisrgeo" in result.output
    assert (tmp_path / "theirs.pdf").read_bytes() == b"%PDF-1.4 not ours"


def test_vector_maps_are_byte_identical_and_undated(bundled):
    from jisrgeo.maps import day_static

    for fmt in ("pdf", "svg"):
        first = day_static(bundled, "2015-05-22", fmt)
        assert first == day_static(bundled, "2015-05-22", fmt), fmt
        assert b"CreationDate" not in first and b"Matplotlib" not in first and b"<dc:date>" not in first
    pdf = day_static(bundled, "2015-04-25", "pdf")
    assert b"/Creator (jisrgeo)" in pdf
    with pytest.raises(ValueError, match="unknown static map format"):
        day_static(bundled, "2015-04-25", "jpg")


# -- what a day map shows ----------------------------------------------------------------------------

def _pixel(series, image, lon, lat):
    x, y = series.ax.transData.transform((lon, lat))
    return np.asarray(image.convert("RGB"))[int(round(image.height - y)), int(round(x))]


def test_inferred_states_have_a_white_centre_reported_ones_are_filled(tmp_path):
    from jisrgeo.maps.static import DaySeries

    folder = tmp_path / "guess"
    import shutil

    shutil.copytree(MINI, folder)
    places = json.loads((folder / "places.geojson").read_text(encoding="utf-8"))
    # Alpha's change to the opposition on 10 April becomes inferred; Bravo's stays reported.
    places["features"][0]["properties"]["control"][1]["basis"] = "inferred"
    (folder / "places.geojson").write_text(json.dumps(places), encoding="utf-8")
    ds = jisrgeo.load(folder)
    series = DaySeries(ds)
    colour = np.array([int(ds.sides["opposition"].color[i:i + 2], 16) for i in (1, 3, 5)])
    alpha, bravo = ds.places.set_index("place_id").geometry[["alpha", "bravo"]]
    image = series.image("2015-04-25")
    assert (_pixel(series, image, alpha.x, alpha.y) >= 245).all()  # white centre: inferred
    assert np.abs(_pixel(series, image, bravo.x, bravo.y).astype(int) - colour).max() <= 12  # filled: reported
    # Bravo's change to the opposition is dated 18-20 April: in those days its state is in doubt.
    government = np.array([int(ds.sides["government"].color[i:i + 2], 16) for i in (1, 3, 5)])
    on_19 = series.image("2015-04-19")
    assert (_pixel(series, on_19, bravo.x, bravo.y) >= 245).all()
    assert np.abs(_pixel(series, series.image("2015-04-15"), bravo.x, bravo.y).astype(int) - government).max() <= 12


def test_the_days_main_change_is_called_out(bundled, mini):
    from jisrgeo.maps.static import main_change

    place_id, text = main_change(bundled, bundled.day("2015-04-25"))
    assert place_id == "jisr_al_shughur"
    assert text.startswith("25 Apr: Opposition takes Jisr al-Shughur")
    assert "more changes that day" in text
    assert main_change(bundled, bundled.day("2015-04-11")) is None  # nothing changed
    _, besieged = main_change(mini, mini.day("2015-04-10"))
    assert besieged.startswith("10 Apr:") and "Alpha" in besieged  # a change of hands beats a siege
    _, ranged = main_change(mini, mini.day("2015-04-20"))
    assert ranged == "20 Apr: Opposition takes Bravo (between 18 Apr and 20 Apr)"


def test_day_labels_avoid_each_other_and_the_markers(bundled):
    from jisrgeo.maps.static import DaySeries

    series = DaySeries(bundled, framing="whole")
    boxes = series.label_boxes()
    assert len(boxes) >= 15
    extents = [b.extents for b in boxes]
    assert _overlaps(extents) == 0
    xy = series.ax.transData.transform(np.column_stack([bundled.places.geometry.x, bundled.places.geometry.y]))
    dots = shapely.points(xy)
    assert not shapely.intersects(shapely.box(*np.array(extents).T)[:, None], dots[None, :]).any()


# -- builds --------------------------------------------------------------------------------------------

def test_png_choice_decides_which_days_get_a_png(tmp_path, mini):
    build(mini, tmp_path / "none", png="none")
    assert sorted(p.name for p in (tmp_path / "none" / "png").iterdir()) == ["key-days-screen.png", "key-days.png"]
    assert (tmp_path / "none" / "animation.gif").is_file() and (tmp_path / "none" / "animation-portrait.gif").is_file()
    build(mini, tmp_path / "changes")
    days = sorted(p.stem for p in (tmp_path / "changes" / "png").glob("2*.png"))
    # Mini: changes on 10 and 20 April, events on their days, a route on the 20th; nothing else happens.
    expected = sorted({f"{d:%Y-%m-%d}" for d in mini.control_changes["effective"].dropna()} |
                      {f"{d:%Y-%m-%d}" for d in mini.events["date"]})
    assert days == expected and "2015-04-05" not in days
    index = (tmp_path / "changes" / "index.html").read_text(encoding="utf-8")
    assert 'href="png/2015-04-10.png"' in index and 'href="png/2015-04-05.png"' not in index
    build(mini, tmp_path / "all", png="all")
    assert len(list((tmp_path / "all" / "png").glob("2*.png"))) == 30
    # A day drawn from the cache of an unchanged picture is the same as one drawn afresh.
    assert (tmp_path / "all" / "png" / "2015-04-10.png").read_bytes() == (tmp_path / "changes" / "png" / "2015-04-10.png").read_bytes()
    with pytest.raises(ValueError, match="png must be one of"):
        build(mini, tmp_path / "bad", png="some")
    assert not (tmp_path / "bad").exists()


def test_cli_build_png_option_and_quiet(cli, tmp_path):
    result = cli("build", "--data", MINI, "--out", tmp_path / "q", "--png", "key", "--quiet")
    assert result.exit_code == 0 and result.output == ""
    assert cli("build", "--data", MINI, "--out", tmp_path / "x", "--png", "some").exit_code == 2


def test_gif_is_wide_holds_quiet_days_and_pauses_on_key_days(tmp_path):
    from jisrgeo.maps.static import GIF_FRAME_MS, GIF_KEY_PAUSE_MS, TRANSITION_MS, TRANSITION_STEPS

    ds = jisrgeo.load(ALEPPO)  # 1,618 days, 33 changes
    build(ds, tmp_path / "a", png="none")
    gif = Image.open(tmp_path / "a" / "animation.gif")
    assert gif.width >= 960
    from jisrgeo.maps.describe import day_headline

    assert day_headline(ds, ds.meta["key_days"][0]) in gif.info["comment"].decode("utf-8")  # its alt text
    durations = []
    for i in range(gif.n_frames):
        gif.seek(i)
        durations.append(gif.info["duration"])
    days = (ds.period[1] - ds.period[0]).days + 1
    assert gif.n_frames < 100 < days  # a frame per picture, not per day
    # Between key days the frame holds; it changes on a key day after TRANSITION_STEPS short gliding frames.
    glides = [d for d in durations if d == TRANSITION_MS]
    assert glides and len(glides) % TRANSITION_STEPS == 0
    assert max(durations) >= GIF_KEY_PAUSE_MS and min(d for d in durations if d != TRANSITION_MS) >= GIF_FRAME_MS
    assert sum(d >= GIF_KEY_PAUSE_MS for d in durations) >= len(ds.meta["key_days"])
    # The phone edition: portrait 4:5, the same frames and times.
    portrait = Image.open(tmp_path / "a" / "animation-portrait.gif")
    assert portrait.size == (704, 880) and portrait.n_frames == gif.n_frames


def test_the_gif_time_bar_marks_the_day_along_the_period(bundled):
    import pandas as pd
    from jisrgeo.maps.static import TIME_BAR_PX, time_bar

    start, end = bundled.period
    blank = Image.new("RGB", (600, 100), "white")
    early, late = (np.asarray(time_bar(blank, start + pd.Timedelta(days=d), start, end).convert("L"))
                   for d in (5, 50))
    assert early.shape == (100 + TIME_BAR_PX, 600)
    dark = [np.nonzero(bar[100 + 13, 24:-24] < 80)[0] for bar in (early, late)]  # the bar's own row
    # The filled part of the bar (dark, up to the day's dot) reaches further on a later day.
    assert dark[1].max() > dark[0].max() + 300


def test_key_days_sheet_has_a_screen_edition_with_readable_labels(bundled):
    from jisrgeo.maps import key_days_png
    from jisrgeo.maps.static import LABEL_PT, MIN_NAME_PX

    sheet = Image.open(io.BytesIO(key_days_png(bundled, bundled.meta["key_days"], edition="screen")))
    assert 1200 <= sheet.width <= 1600
    assert (LABEL_PT - 1) * sheet.info["dpi"][0] / 72 >= MIN_NAME_PX >= 11
    assert sheet.info["Description"].startswith("22 April 2015: ")
    with pytest.raises(ValueError, match="edition"):
        key_days_png(bundled, bundled.meta["key_days"], edition="poster")


def test_day_png_carries_its_description_and_names_are_big_enough(bundled):
    from jisrgeo.maps.describe import day_description
    from jisrgeo.maps.static import DPI, LABEL_PT, MIN_NAME_PX, TOWN_FONTSIZE, DaySeries

    series = DaySeries(bundled)
    png = Image.open(io.BytesIO(series.png("2015-04-25")))
    assert png.info["Description"] == day_description(bundled, "2015-04-25")
    assert min(LABEL_PT, TOWN_FONTSIZE) * DPI / 72 >= MIN_NAME_PX
    texts = [t for t in series.fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
             if t.get_text().strip()]
    assert all("`" not in t.get_text() for t in texts)
    assert min(t.get_fontsize() for t in texts) * DPI / 72 >= 9  # every word on the map, legend and caption
    caption = [t for t in texts if t.get_text().startswith("Source:")]
    assert caption and caption[0].get_fontsize() >= 7 and png.info["dpi"][0] == pytest.approx(DPI, abs=0.01)
    # Every place name carries a white halo at least HALO_WIDTH wide, so hatching stops short of the letters.
    from jisrgeo.maps.ground import HALO_WIDTH

    strokes = [e._gc.get("linewidth") for t in series.labels if hasattr(t, "get_text") for e in t.get_path_effects()]
    assert strokes and min(strokes) >= HALO_WIDTH >= 3


def test_key_days_sheet_is_print_resolution(bundled):
    from jisrgeo.maps import key_days_png
    from jisrgeo.maps.static import LABEL_PT, SHEET_DPI

    sheet = Image.open(io.BytesIO(key_days_png(bundled, bundled.meta["key_days"])))
    assert round(sheet.info["dpi"][0]) == SHEET_DPI == 300 and LABEL_PT >= 8
    assert sheet.width >= 15 * SHEET_DPI  # three panels of 5.3 inches


def test_a_rebuild_after_editing_one_place_redraws_only_the_days_it_changes(tmp_path, mini_copy):
    import hashlib
    import os

    from helpers import edit_layer

    out = tmp_path / "site"
    first = build(jisrgeo.load(mini_copy), out)
    assert first["kept"] == 0
    inodes = {p.name: p.stat().st_ino for p in (out / "png").iterdir()}
    assert build(jisrgeo.load(mini_copy), out)["kept"] == len(inodes) + 2  # every PNG and both GIFs
    assert {p.name: p.stat().st_ino for p in (out / "png").iterdir()} == inodes

    def contest(layer):  # Bravo, taken between 18 and 20 April, is contested by the government instead
        bravo = next(f for f in layer["features"] if f["properties"]["place_id"] == "bravo")
        bravo["properties"]["control"][-1].update(status="contested", challenger="government")

    edit_layer(mini_copy, "places.geojson", contest)
    again = build(jisrgeo.load(mini_copy), out)
    now = {p.name: p.stat().st_ino for p in (out / "png").iterdir()}
    for day in ("2015-04-01", "2015-04-10", "2015-04-15"):  # before the edit: the same files, not rewritten
        assert now[f"{day}.png"] == inodes[f"{day}.png"], day
    assert now["2015-04-20.png"] != inodes["2015-04-20.png"]
    assert 3 <= again["kept"] < first["files"]

    # What the incremental build holds is exactly what a fresh build of the edited data writes.
    fresh = tmp_path / "fresh"
    build(jisrgeo.load(mini_copy), fresh)

    def digest(folder):
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file() and os.sep + "." not in os.sep + str(p.relative_to(folder))}

    assert digest(out) == digest(fresh)
    assert (out / ".jisrgeo-pictures.json").read_bytes() == (fresh / ".jisrgeo-pictures.json").read_bytes()


# -- the day in words and the day's frame (shared with the web viewer) -----------------------------

def test_day_headline_and_description_are_written_from_the_data(bundled):
    from jisrgeo.maps.describe import day_description, day_headline

    assert day_headline(bundled, "2015-04-25").startswith(
        "25 April 2015: the opposition takes Jisr al-Shughur and five more places; the opposition besieges")
    text = day_description(bundled, "2015-04-25")
    held = bundled.control("2015-04-25")["controller"].value_counts()
    assert f"the government holds {held['government']} places" in text
    assert "besieged by the opposition" in text and "execution at" in text
    # A day without a change is told by its gravest event, never by a statement in the capital.
    assert day_headline(bundled, "2015-05-01").startswith("1 May 2015: assault at Jisr al-Shughur National Hospital")


def test_display_names_use_a_typographic_apostrophe():
    from jisrgeo.names import display_name, normalize

    assert display_name("Ma`arratmisrin") == "Ma\u2019arratmisrin"
    assert normalize(display_name("Ma`arratmisrin")) == normalize("Ma'arratmisrin")


def test_frames_follow_the_action_and_stay_put_across_a_run(bundled):
    import pandas as pd
    from jisrgeo.maps.extent import width_km
    from jisrgeo.maps.frame import action_places, day_frame, frames, theatre

    whole = theatre(bundled)
    day = day_frame(bundled, "2015-04-25")
    assert width_km(day) < 0.6 * width_km(whole)
    xy = bundled.places.set_index("place_id").geometry
    for place_id in action_places(bundled, "2015-04-25"):
        assert day[0] < xy[place_id].x < day[2] and day[1] < xy[place_id].y < day[3]
    assert "damascus" not in action_places(bundled, "2015-05-22")  # a statement in the capital is no action
    assert day_frame(bundled, "2015-04-25", whole=True) == whole
    days = pd.date_range(*bundled.period)
    series = frames(bundled, days)
    assert len(set(series.values())) <= len(days) / 4  # steady: few distinct frames over the period
    # A quiet day keeps the frame of the day before.
    assert series[pd.Timestamp("2015-04-23")] == series[pd.Timestamp("2015-04-22")]
    portrait = day_frame(bundled, "2015-04-25", aspect=0.8)
    assert abs(width_km(portrait) / ((portrait[3] - portrait[1]) * 111.32) - 0.8) < 0.01


# -- a six-side battle, measured on the picture as drawn ------------------------------------------------

SIX_SIDES = ("army", "rebels", "militia", "kurds", "jihadists", "tribes")


def six_side_battle(folder):
    """Six sides in six sectors of villages 2 km apart around a town (named with a transliteration's
    backtick), no side declaring a colour; on day 2 the rebels take two army villages."""
    import math

    folder.mkdir(parents=True, exist_ok=True)
    features = []
    centre = (36.60, 35.40)
    for i in range(11):
        for j in range(11):
            dx, dy = (i - 5) * 2.0, (j - 5) * 2.0  # km
            if math.hypot(dx, dy) < 2.5 or math.hypot(dx, dy) > 11:
                continue
            side = SIX_SIDES[int(((math.degrees(math.atan2(dy, dx)) + 360) % 360) // 60)]
            control = [{"date": None, "controller": side, "status": "held", "basis": "reported", "refs": [1]}]
            if side == "army" and j == 5 and i in (8, 9):
                control.append({"date": "2021-05-02", "controller": "rebels", "status": "held", "basis": "reported",
                                "refs": [1]})
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
                round(centre[0] + dx / (111.32 * math.cos(math.radians(centre[1]))), 5), round(centre[1] + dy / 111.32, 5)]},
                "properties": {"place_id": f"v{i}_{j}", "name": f"Ma`ar {i}-{j}", "aliases": [], "kind": "village",
                               "precision_m": 200, "location_source": "generated", "refs": [1], "control": control}})
    (folder / "places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    (folder / "dataset.json").write_text(json.dumps({
        "name": "Six-side test battle", "period": {"start": "2021-05-01", "end": "2021-05-03"},
        "sides": {s: {"label": s.capitalize()} for s in SIX_SIDES}}))
    (folder / "sources.csv").write_text("ref,publisher,title,language,date\n1,Generator,Generated battle,en,\n")
    return folder


def test_six_sides_stay_apart_as_drawn_on_the_png_for_every_simulated_vision(tmp_path):
    from collections import Counter

    from jisrgeo import cvd
    from jisrgeo.maps.static import DaySeries

    folder = six_side_battle(tmp_path / "six")
    assert jisrgeo.validate(folder) == []  # no colour warning: the palette's six pass
    ds = jisrgeo.load(folder)
    series = DaySeries(ds, framing="whole")
    image = np.asarray(Image.open(io.BytesIO(series.png("2021-05-02"))).convert("RGB"))
    state = ds.control("2021-05-02")
    xy = series.ax.transData.transform(np.column_stack([state.geometry.x, state.geometry.y]))
    height = image.shape[0]
    fills = {}
    for side in SIX_SIDES:
        # The most common colour just beside this side's villages: the zone's fill as drawn.
        seen = Counter()
        for (x, y), who in zip(xy, state["controller"]):
            if who == side:
                for ox, oy in ((14, 9), (-14, -9), (9, -14), (-9, 14)):
                    seen[tuple(image[int(round(height - y + oy)), int(round(x + ox))])] += 1
        fills[side] = np.array(seen.most_common(1)[0][0]) / 255
    for vision in cvd.VISIONS:
        labs = {s: cvd.lab(v, vision) for s, v in fills.items()}
        for a, b in itertools.combinations(SIX_SIDES, 2):
            d = float(cvd.ciede2000(labs[a], labs[b]))
            assert d >= cvd.FILL_MIN - 1, f"{a} and {b} fills {d:.1f} apart under {vision}"  # 1: PNG palette rounding
    assert "Ma\u2019ar" in " ".join(t.get_text() for t in series.labels if hasattr(t, "get_text"))


def test_sides_named_by_a_plural_take_plural_verbs():
    import re
    from pathlib import Path

    import jisrgeo
    from jisrgeo.maps.describe import agree, day_headline

    assert agree("the Rebels", "takes") == "take" and agree("the opposition", "takes") == "takes"
    assert agree("the Islamic State", "besieges") == "besieges" and agree("Jihadists", "holds") == "hold"
    city = jisrgeo.load(Path(__file__).parent / "fixtures" / "city")
    days = sorted(set(city.changes()["effective"]))
    headlines = [day_headline(city, d) for d in days]
    assert any(re.search(r"\brebels (take|contest|besiege)\b", h, re.I) for h in headlines), headlines
    assert not any(re.search(r"\b(rebels|jihadists) (takes|contests|besieges|secures)\b", h, re.I) for h in headlines)


# -- issue 33's review: leaders, insets, news off the frame, the legend, steady GIF frames ----------------

def _nearest_marker_is_own(dataset, ax, spots):
    """For each label on a leader: (its place, the place whose marker the leader's marker end is nearest,
    that distance in pixels)."""
    places = dataset.places
    xy = ax.transData.transform(np.column_stack([places.geometry.x, places.geometry.y]))
    out = []
    for text, _, leader in spots:
        if leader is None:
            continue
        end = ax.transData.transform(leader[0])
        d = np.hypot(*(xy - end).T)
        names = [n for n in places["name"] if text.endswith(n)]
        out.append((max(names, key=len), places["name"].iloc[int(np.argmin(d))], float(d.min())))
    return out


def test_each_leader_ends_at_its_own_places_marker(bundled):
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from jisrgeo.maps.frame import theatre
    from jisrgeo.maps.static import LABEL_PT, MARKER_S, SHEET_DPI, _label_layout, set_extent

    # The whole battle in a key-days panel, where the Jisr and al-Mastouma clusters send names off on leaders.
    fig = Figure(figsize=(5.3, 4.2), dpi=SHEET_DPI)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    set_extent(ax, theatre(bundled))
    spots = _label_layout(ax, canvas.get_renderer(), bundled, theatre(bundled), LABEL_PT).spots
    found = _nearest_marker_is_own(bundled, ax, spots)
    assert len(found) >= 3
    dot = (MARKER_S ** 0.5 / 2 + 0.5) * SHEET_DPI / 72
    for own, nearest, distance in found:
        assert nearest == own and distance <= dot + 0.5, (own, nearest, distance)


def test_a_crowded_cluster_gets_an_inset_and_every_change_is_seen(bundled):
    from jisrgeo.maps.static import DaySeries

    series = DaySeries(bundled, framing="whole")  # the Jisr cluster's names cannot all fit at this scale
    plan = series.plan
    assert plan is not None
    x0, y0, x1, y1 = plan.footprint
    xy = bundled.places.set_index("place_id").geometry
    inside = {p for p, g in xy.items() if x0 <= g.x <= x1 and y0 <= g.y <= y1}
    assert len(inside) >= 3
    # The inset labels its places; its box lies inside the map, clear of the footprint it magnifies.
    assert len(series.inset_layout) >= 3
    mx0, my0, mx1, my1 = series.ax.bbox.extents
    bx0, by0, bx1, by1 = plan.box
    assert mx0 <= bx0 < bx1 <= mx1 and my0 <= by0 < by1 <= my1
    fx0, fy0 = series.ax.transData.transform((x0, y0))
    fx1, fy1 = series.ax.transData.transform((x1, y1))
    assert bx1 < fx0 or fx1 < bx0 or by1 < fy0 or fy1 < by0
    # 14 May's only change (Palmyra) lies far off the frame: the callout says so and the locator rings it.
    day = DaySeries(bundled)
    day.image("2015-05-14")
    texts = [t.get_text() for t in day.locator.texts]
    marks, _, rest = day._artists(bundled.day("2015-05-14"), animated=True)
    callout = [a for a in marks if hasattr(a, "get_text") and "Palmyra" in a.get_text()]
    assert callout and "off this map" in callout[0].get_text() and not hasattr(callout[0], "arrow_patch")
    assert any(hasattr(a, "get_text") and a.get_text() == "Palmyra" for a in rest), texts
    for artist in [*marks, *rest]:
        artist.remove()


def test_the_legend_lists_what_the_picture_draws(bundled, mini):
    from jisrgeo.maps.static import DaySeries

    series = DaySeries(bundled)
    breakout = series.legend_texts("2015-05-22")
    assert "breakout route" in breakout and "road" in breakout and "river" in breakout
    assert "black halo: changed hands this day" in breakout
    quiet = series.legend_texts("2015-05-23")
    assert "breakout route" not in quiet and "black halo: changed hands this day" not in quiet
    assert "Islamic State" not in quiet  # no Islamic State mark or zone in this frame
    assert "road" not in DaySeries(mini).legend_texts("2015-04-25")  # mini has no roads


def test_the_gif_holds_its_frame_between_key_days(bundled):
    import pandas as pd
    from jisrgeo.maps.frame import steady_frames

    keys = [pd.Timestamp(d) for d in bundled.meta["key_days"]]
    days = pd.date_range(*bundled.period)
    frames = steady_frames(bundled, days, keys, aspect=1.2)
    for before, day in zip(days, days[1:]):
        if frames[day] != frames[before]:
            assert day in keys
    assert 1 < len(set(frames.values())) <= len(keys) + 1


def test_key_days_panels_take_their_days_frame_with_a_locator():
    from pathlib import Path
    from jisrgeo.maps.extent import width_km
    from jisrgeo.maps.frame import day_frame, theatre
    from jisrgeo.maps.static import _sheet

    city = jisrgeo.load(Path(__file__).parent / "fixtures" / "city")
    days = city.meta["key_days"][1:3]
    fig = _sheet(city, days, columns=2)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 2
    for ax, day in zip(panels, days):
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        own = day_frame(city, day)
        assert x0 <= own[0] and own[2] <= x1 and y0 <= own[1] and own[3] <= y1  # the day's action, all of it
        assert width_km((x0, y0, x1, y1)) < 0.5 * width_km(theatre(city))  # zoomed in on the city
        # The panel's locator: a small map of the whole battle with this frame shaded on it, inside the panel.
        mini = [a for a in fig.axes if a is not ax and ax.get_position().contains(*a.get_position().p0)
                and ax.get_position().contains(*a.get_position().p1) and a.get_xlim()[1] - a.get_xlim()[0] > x1 - x0]
        assert len(mini) == 1 and mini[0].patches
