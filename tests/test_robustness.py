"""Foreign data: QGIS exports, projected CRSs, hostile text, huge files, and random datasets and corruptions."""

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

import jisrgeo
from jisrgeo import DataError
from jisrgeo.build import build
from jisrgeo.export import export_layers

from helpers import MINI, edit_layer

HOSTILE = ('<script>alert("x")</script><img src=x onerror=alert(1)>'
           '<a href="javascript:alert(1)">link</a>\x07\x1b[31mred\u202eRTL\u200f mark')


def test_qgis_style_wgs84_crs_member_is_accepted(mini_copy):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    edit_layer(mini_copy, "places.geojson", lambda c: c.update(crs=crs))
    assert jisrgeo.validate(mini_copy) == []


def _project(folder, epsg):
    to_utm = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)

    def convert(coords):
        return list(to_utm.transform(*coords)) if isinstance(coords[0], float) else [convert(c) for c in coords]

    for layer in ("places.geojson", "events.geojson", "routes.geojson"):
        def change(content):
            content["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
            for f in content["features"]:
                f["geometry"]["coordinates"] = convert(f["geometry"]["coordinates"])
        edit_layer(folder, layer, change)


def test_projected_crs_is_reported_once_per_file_and_normalize_repairs_it(mini_copy, tmp_path, cli):
    _project(mini_copy, 32637)
    problems = jisrgeo.validate(mini_copy)
    assert {(p.file, p.field) for p in problems} == {(f, "crs") for f in ("places.geojson", "events.geojson", "routes.geojson")}
    assert all("EPSG::32637" in p.reason and "jisrgeo normalize" in p.reason for p in problems)
    before = {p.name: p.read_bytes() for p in mini_copy.iterdir()}
    result = cli("normalize", mini_copy, "--out", tmp_path / "fixed")
    assert result.exit_code == 0 and "reprojected from urn:ogc:def:crs:EPSG::32637" in result.output
    assert str(tmp_path / "fixed") in result.output
    assert before == {p.name: p.read_bytes() for p in mini_copy.iterdir()}, "normalize changed its input"
    fixed, original = jisrgeo.load(tmp_path / "fixed"), jisrgeo.load(MINI)
    assert fixed.places.geometry.geom_equals_exact(original.places.geometry, tolerance=1e-6).all()
    assert cli("normalize", mini_copy, "--out", mini_copy).exit_code == 1


def test_normalize_drops_a_bom(mini_copy, tmp_path):
    path = mini_copy / "sources.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    changes = jisrgeo.normalize(mini_copy, tmp_path / "out")
    assert changes == ["sources.csv: removed the byte-order mark"]
    assert not (tmp_path / "out" / "sources.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_file_above_the_size_limit_is_refused_clearly(mini_copy, monkeypatch):
    monkeypatch.setattr("jisrgeo.schema.MAX_FILE_BYTES", 100)
    problems = jisrgeo.validate(mini_copy)
    assert problems and all("above the 100-byte limit" in p.reason for p in problems)
    assert {p.file for p in problems} >= {"places.geojson", "events.geojson"}


@pytest.fixture
def hostile(mini_copy):
    def change(content):
        props = content["features"][0]["properties"]
        props["name"] = HOSTILE
        props["note"] = "N" * 100_000
        props["aliases"] = [HOSTILE]
    edit_layer(mini_copy, "places.geojson", change)
    edit_layer(mini_copy, "events.geojson", lambda c: c["features"][0]["properties"].update(note=HOSTILE, claimant=HOSTILE))
    return mini_copy


def test_hostile_text_is_inert_and_readable_in_html(hostile, tmp_path):
    out = tmp_path / "site"
    build(jisrgeo.load(hostile), out)
    pages = {p: p.read_text(encoding="utf-8") for p in [*out.rglob("*.html"), *out.rglob("*.js")]
             if "vendor" not in p.relative_to(out).parts}  # ours, not the vendored libraries
    for page, text in pages.items():
        for bad in ("<script>alert", "<img src=x", '<a href="javascript:', "\x07", "\x1b"):
            assert bad not in text, (page, bad)
    places = pages[out / "places.js"].split("\n", 1)[0]  # the data line (the drawing functions follow it)
    assert places.startswith("var JG = ") and "<" not in places, "data for scripts is JSON with '<' escaped"
    assert "\\u003cbdi>&lt;script&gt;alert" in places
    assert "more characters in the data" in places and "N" * 100_000 not in places
    assert "\\u003cbdi> [&lt;script&gt;alert" in places  # the event's claimant, in the day's list of what happened


def test_hostile_text_is_kept_intact_in_every_export(hostile, tmp_path):
    import pyogrio

    ds = jisrgeo.load(hostile)
    ds.to_gpkg(tmp_path / "b.gpkg")
    ds.to_geojson(tmp_path / "gj")
    ds.to_csv(tmp_path / "csv")
    expected = export_layers(ds)["places"]["name"].iloc[0]
    assert expected == HOSTILE
    for path, layer in ((tmp_path / "b.gpkg", "places"), (tmp_path / "gj" / "places.geojson", None),
                        (tmp_path / "csv" / "places.csv", None)):
        back = pyogrio.read_dataframe(path, layer=layer)
        assert back["name"].iloc[0] == HOSTILE, path
        assert len(back["note"].iloc[0]) == 100_000


def test_cli_table_output_cannot_carry_terminal_escapes(hostile, cli):
    result = cli("place", "alpha", "--data", hostile)
    assert result.exit_code == 0 and "\x1b[31m" not in result.output and "<script>" in result.output


# -- property-based: random valid datasets ----------------------------------------------------

PERIOD_START = date(2015, 4, 1)
SIDES = ["government", "opposition", "islamic_state"]


@st.composite
def datasets(draw):
    """A random valid dataset in jisrgeo's layout (as a dict of file name -> JSON/CSV text)."""
    n_refs = draw(st.integers(1, 5))
    n_days = draw(st.integers(2, 60))
    n_places = draw(st.integers(3, 12))
    text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
    places = []
    for i in range(n_places):
        lon = draw(st.floats(35.5, 36.5))
        lat = draw(st.floats(34.0, 35.0))
        controller = draw(st.sampled_from(SIDES))
        control = [{"date": None, "controller": controller, "status": "held", "basis": "reported", "refs": [1], "note": ""}]
        day = 0
        for _ in range(draw(st.integers(0, 4))):
            day += draw(st.integers(1, 10))
            if day >= n_days:
                break
            controller = draw(st.sampled_from([s for s in SIDES if s != controller]))
            status = draw(st.sampled_from(["held", "contested", "besieged"]))
            challenger = None if status == "held" else draw(st.sampled_from([s for s in SIDES if s != controller]))
            control.append({"date": (PERIOD_START + timedelta(days=day)).isoformat(), "date_precision": "day",
                            "controller": controller, "status": status, "challenger": challenger, "basis": "reported",
                            "refs": [draw(st.integers(1, n_refs))], "note": draw(text)})
        places.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                       "properties": {"place_id": f"p{i}", "name": f"{draw(text)} p{i}x", "aliases": [f"{draw(text)} p{i}x"],
                                      "kind": "village", "precision_m": draw(st.integers(0, 5000)),
                                      "location_source": "generated", "refs": [1], "note": draw(text), "control": control}})
    events = []
    for i in range(draw(st.integers(1, 10))):
        place = draw(st.sampled_from(places))
        low = draw(st.integers(0, 50))
        events.append({"type": "Feature", "geometry": place["geometry"], "properties": {
            "event_id": f"e{i}", "date": (PERIOD_START + timedelta(days=draw(st.integers(0, n_days - 1)))).isoformat(),
            "date_precision": "day", "place_id": place["properties"]["place_id"], "type": "armed_clash",
            "claimant": draw(text) or "someone", "casualties": [{"side": "civilian", "outcome": "killed", "low": low,
                                                                  "best": low + draw(st.integers(0, 9)), "high": None}],
            "refs": [draw(st.integers(1, n_refs))], "note": draw(text)}})
    sources = "ref,publisher,title,language,date\n" + "".join(f"{r},pub,title {r},en,\n" for r in range(1, n_refs + 1))
    meta = {"name": "generated", "period": {"start": PERIOD_START.isoformat(),
                                            "end": (PERIOD_START + timedelta(days=n_days - 1)).isoformat()}}
    return {"dataset.json": json.dumps(meta), "sources.csv": sources,
            "places.geojson": json.dumps({"type": "FeatureCollection", "features": places}),
            "events.geojson": json.dumps({"type": "FeatureCollection", "features": events})}


def _write(files, folder):
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(files=datasets())
def test_random_valid_datasets_load_query_and_export(tmp_path, files):
    import pyogrio

    folder = _write(files, tmp_path / "data")
    assert jisrgeo.validate(folder) == []
    ds = jisrgeo.load(folder)
    for day in (ds.period[0], ds.period[1]):
        state = ds.control(day)
        assert len(state) == len(ds.places) and state["controller"].notna().all()
    ds.to_gpkg(tmp_path / "out.gpkg")
    for name, frame in export_layers(ds).items():
        back = pyogrio.read_dataframe(tmp_path / "out.gpkg", layer=name)
        assert len(back) == len(frame)
        if "name" in frame.columns:
            assert list(back["name"]) == list(frame["name"])


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=datasets())
def test_random_valid_datasets_build(tmp_path, files):
    folder = _write(files, tmp_path / "data")
    ds = jisrgeo.load(folder)
    summary = build(ds, tmp_path / "site", start=ds.period[0], end=min(ds.period[1], ds.period[0] + timedelta(days=1)))
    assert summary["files"] > 5


# -- property-based: random corruptions -------------------------------------------------------

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.text(max_size=20),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@st.composite
def corruptions(draw):
    files = draw(datasets())
    layer = draw(st.sampled_from(["places.geojson", "events.geojson"]))
    content = json.loads(files[layer])
    feature = draw(st.sampled_from(content["features"]))
    target = draw(st.sampled_from(["property", "geometry", "control", "feature"]))
    if target == "property":
        key = draw(st.sampled_from(sorted(feature["properties"])))
        if draw(st.booleans()):
            del feature["properties"][key]
        else:
            feature["properties"][key] = draw(JUNK)
    elif target == "geometry":
        feature["geometry"] = draw(st.one_of(JUNK, st.fixed_dictionaries({"type": st.just("Point"), "coordinates": JUNK})))
    elif target == "control" and feature["properties"].get("control"):
        state = draw(st.sampled_from(feature["properties"]["control"]))
        state[draw(st.sampled_from(sorted(state)))] = draw(JUNK)
    else:
        content["features"][content["features"].index(feature)] = draw(JUNK)
    files[layer] = json.dumps(content)
    return files


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=corruptions())
def test_random_corruptions_are_reported_never_crash(tmp_path, files):
    folder = _write(files, tmp_path / "data")
    problems = jisrgeo.validate(folder)  # must not raise
    if problems:
        with pytest.raises(DataError):
            jisrgeo.load(folder)
        assert all(p.file and p.reason for p in problems)
    else:  # the junk happened to be valid (e.g. a note replaced by text): it must then load and work
        ds = jisrgeo.load(folder)
        ds.control(ds.period[0])


def test_fixtures_folder_is_untouched():
    assert Path(MINI, "places.geojson").read_text(encoding="utf-8").startswith('{"type": "FeatureCollection"')
