"""The one validation path (io/tables.py, rules.validate): a folder's layers are decoded into typed records
where they fit, else parsed as plain JSON; both readings give the same tables, so the same frames and the
same problems, for clean folders and broken ones alike."""

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import jisrgeo
import jisrgeo.io.tables
from jisrgeo.io import build, read_tables

from helpers import FIXTURES, MINI, edit_layer
from test_validate import BROKEN

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate  # noqa: E402

TABLES = ("places", "changes", "events", "casualties", "routes", "sources")


@pytest.fixture(scope="module")
def small_war(tmp_path_factory):
    """A synthetic war (the benchmark's generator at a small size): many places, changes and events."""
    folder = tmp_path_factory.mktemp("war")
    generate(folder, places=300, changes=2500, events=6000, seed=7)
    return folder


@pytest.fixture
def plain(monkeypatch):
    """A context in which no layer is decoded into typed records: all are parsed as plain JSON."""
    import contextlib

    @contextlib.contextmanager
    def reading():
        with monkeypatch.context() as patch:
            patch.setattr(jisrgeo.io.tables, "typed_table", lambda text, layer: None)
            yield
    return reading


def _problems(folder, plain):
    with plain():
        slow = jisrgeo.validate(folder)
    return jisrgeo.validate(folder), slow


def _assert_same_tables(folder, plain):
    typed = read_tables(Path(folder))
    assert all(typed[layer]["typed"] for layer in ("places", "events", "routes") if typed[layer] is not None), \
        f"the typed decoding refused a clean folder: {folder}"
    fast = build(typed)
    with plain():
        slow = build(read_tables(Path(folder)))
    for name in TABLES:
        if slow[name] is None:
            assert fast[name] is None
            continue
        pd.testing.assert_frame_equal(fast[name], slow[name], obj=f"{folder} {name}")
        if "geometry" in slow[name]:
            assert list(fast[name].geometry.to_wkb()) == list(slow[name].geometry.to_wkb())
    assert (fast["meta"], fast["forces"], fast["claims"]) == (slow["meta"], slow["forces"], slow["claims"])


@pytest.mark.parametrize("folder", [None, FIXTURES / "aleppo", MINI], ids=["bundled", "aleppo", "mini"])
def test_typed_and_plain_readings_build_the_same_tables(folder, plain):
    _assert_same_tables(folder if folder is not None else jisrgeo.io.bundled_path(), plain)


def test_typed_and_plain_readings_build_the_same_tables_of_a_synthetic_war(small_war, plain):
    _assert_same_tables(small_war, plain)


def test_interleaved_casualties_and_counts_keep_the_files_order(mini_copy, plain):
    """Each event's casualties then its counts, event by event, as the describing path reads them."""
    def add(content):
        for i, feature in enumerate(content["features"]):
            feature["properties"]["counts"] = [{"side": "civilian", "outcome": "air_raids", "best": i + 1}]
    edit_layer(mini_copy, "events.geojson", add)
    _assert_same_tables(mini_copy, plain)
    kinds = build(read_tables(mini_copy))["casualties"]["kind"].tolist()
    assert "counts" in kinds and kinds != sorted(kinds)  # interleaved, not all casualties first


def _state(content, pid, i):
    return next(f for f in content["features"] if f["properties"]["place_id"] == pid)["properties"]["control"][i]


# Rules the random damage below reaches too rarely, each broken once more.
MORE_BROKEN = {
    "later_state_without_date": ("places.geojson", lambda c: _state(c, "bravo", 2).update(date=None, date_end=None)),
    "challenger_is_controller": ("places.geojson", lambda c: _state(c, "bravo", 1).update(
        challenger=_state(c, "bravo", 1)["controller"])),
    "state_outside_period": ("places.geojson", lambda c: _state(c, "bravo", 2).update(date="2016-03-01", date_end=None,
                                                                                      date_precision="day")),
    "state_cites_nothing": ("places.geojson", lambda c: _state(c, "bravo", 1).pop("refs")),
    "event_place_in_also_at_unknown": ("events.geojson", lambda c: c["features"][0]["properties"].update(also_at=["zulu"])),
    "negative_precision": ("events.geojson", lambda c: c["features"][0]["properties"].update(precision_m=-1)),
    "figure_without_number": ("events.geojson", lambda c: c["features"][0]["properties"]["casualties"][0].update(
        qualifier=None, low=None, best=None, high=None)),
    "route_of_one_point": ("routes.geojson", lambda c: c["features"][0]["geometry"].update(coordinates=[[36, 35]])),
    "route_outside_period": ("routes.geojson", lambda c: c["features"][0]["properties"].update(date="2016-03-01")),
}


@pytest.mark.parametrize("case", sorted(BROKEN) + sorted(MORE_BROKEN))
def test_every_broken_fixture_gets_the_same_problems_from_both_readings(mini_copy, case, plain):
    layer, change, *_ = BROKEN.get(case) or MORE_BROKEN[case]
    edit_layer(mini_copy, layer, change)
    typed, slow = _problems(mini_copy, plain)
    assert typed, case
    assert typed == slow, case


def test_a_faulty_folder_gets_the_same_problems_from_validate_and_load(monkeypatch, mini_copy):
    monkeypatch.setenv("JISRGEO_CACHE", "off")
    edit_layer(mini_copy, "places.geojson", lambda c: c["features"][0]["properties"].update(kind="castle", refs=[99]))
    problems = jisrgeo.validate(mini_copy)
    assert {p.field for p in problems} == {"kind", "refs"}
    with pytest.raises(jisrgeo.DataError) as caught:
        jisrgeo.load(mini_copy)
    assert caught.value.problems == problems


@pytest.mark.parametrize("raw,accepted", [
    (b'"zz_extra": {"deep": [[[[1]]]]}', True),  # undeclared fields are ignored by both paths
    (b'"zz_extra": "\xff"', False),  # not UTF-8, even in an ignored field
    (b'"zz_extra": "\\u0000"', False),  # a NUL, even in an ignored field
    (b'"zz_extra": ' + b"[" * 5000 + b"]" * 5000, False),  # too deep for either parser
    (b'"name": "A", "name": "B"', True),  # a repeated key: the last one wins in both
])
def test_odd_json_gets_the_same_answer_from_both_readings(mini_copy, raw, accepted, plain):
    path = mini_copy / "places.geojson"
    text = path.read_bytes()
    at = text.index(b'"place_id"')
    path.write_bytes(text[:at] + raw + b", " + text[at:])
    typed, slow = _problems(mini_copy, plain)
    assert (typed == []) is accepted
    assert typed == slow


@pytest.mark.parametrize("refs, ok", [(None, True), ("missing", False)])
def test_a_null_refs_is_allowed_and_a_missing_one_is_not(mini_copy, refs, ok, plain):
    """The typed records tell a null from a missing field, as the plain reading does."""
    props = lambda c: c["features"][0]["properties"]  # noqa: E731
    edit_layer(mini_copy, "places.geojson", lambda c: props(c).pop("refs") if refs == "missing" else props(c).update(refs=None))
    typed, slow = _problems(mini_copy, plain)
    assert (typed == []) is ok
    assert typed == slow


# -- random damage: both readings find the same problems ----------------------------------------------------

ODD = st.one_of(st.none(), st.none(), st.none(), st.booleans(), st.integers(-3, 3), st.floats(-1e3, 1e3), st.just(1e400),
                st.sampled_from(["", "x", "2015-04-25", "2015-02-30", "2016-01-01", "held", "contested", "besieged",
                                 "government", "opposition", "alpha", "bravo", "Bad Slug", "killed", "day", "range",
                                 "civilian", "reported", "inferred", "exact", "at_least", "vague", "town"]),
                st.just([]), st.just([1]), st.just([99]), st.just(["alpha"]), st.just({"a": 1}))
PLACE_FIELDS = [f.name for f in jisrgeo.schema.fields("places")] + ["geometry"]
STATE_FIELDS = [f.name for f in jisrgeo.schema.fields("places", "control")]
EVENT_FIELDS = [f.name for f in jisrgeo.schema.fields("events")] + ["geometry"]
FIGURE_FIELDS = [f.name for f in jisrgeo.schema.fields("events", "casualties")]


def _damage(content, target, index, field, value, inner):
    feature = content["features"][index % len(content["features"])]
    if field == "geometry":
        feature["geometry"]["coordinates"] = value if isinstance(value, list) else [value, 35.0]
        return
    props = feature["properties"]
    if target is not None and isinstance(props.get(target), list) and props[target]:
        items, at = props[target], inner % len(props[target])
        if isinstance(items[at], dict):
            items[at][field] = value
        else:  # an earlier damage replaced the list's items: this one replaces the item itself
            items[at] = value
    elif value is None and index % 2:
        props.pop(field, None)
    else:
        props[field] = value


DAMAGE = st.one_of(
    st.tuples(st.just("places.geojson"), st.none(), st.integers(0, 9), st.sampled_from(PLACE_FIELDS), ODD, st.integers(0, 9)),
    st.tuples(st.just("places.geojson"), st.just("control"), st.integers(0, 9), st.sampled_from(STATE_FIELDS), ODD,
              st.integers(0, 9)),
    st.tuples(st.just("events.geojson"), st.none(), st.integers(0, 9), st.sampled_from(EVENT_FIELDS), ODD, st.integers(0, 9)),
    st.tuples(st.just("events.geojson"), st.just("casualties"), st.integers(0, 9), st.sampled_from(FIGURE_FIELDS), ODD,
              st.integers(0, 9)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(DAMAGE, min_size=1, max_size=3))
def test_both_readings_find_the_same_problems_in_random_damage(tmp_path, plain, damages):
    folder = tmp_path / "mini"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(MINI, folder)
    for file, target, index, field, value, inner in damages:
        path = folder / file
        content = json.loads(path.read_text(encoding="utf-8"))
        _damage(content, target, index, field, value, inner)
        path.write_text(json.dumps(content), encoding="utf-8")
    typed, slow = _problems(folder, plain)
    assert typed == slow, damages
