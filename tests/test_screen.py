"""The fast screen (shape.compile_fields) never lets through a feature Checker would fault."""

import math
from pathlib import Path

from hypothesis import given, settings, strategies as st

from jisrgeo import rules, schema
from jisrgeo.io import read_folder
from jisrgeo.shape import Checker, compile_fields
from jisrgeo.sides import Vocabulary

DATA = read_folder(None)
VOCAB = Vocabulary(DATA["meta"], rules.used_sides(DATA)).lists()
KEYS = {"places": {f["properties"]["place_id"] for f in DATA["places"]["features"]}, "sources": set(range(1, 83))}

ODD = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                st.sampled_from(["", "x", "2015-04-25", "2015-02-30", "held", "opposition", "jisr_al_shughur",
                                 "Bad Slug", "#d7191c", "killed", "day", "range", "civilian"]),
                st.just([]), st.just([1, 2]), st.just(["a"]), st.just({"a": 1}))
FIGURE = st.dictionaries(st.sampled_from(["side", "outcome", "qualifier", "low", "best", "high", "text"]), ODD)


def _objects(layer):
    names = [f.name for f in schema.fields(layer)]
    value = st.one_of(ODD, st.lists(FIGURE, max_size=2), st.lists(ODD, max_size=2))
    return st.dictionaries(st.sampled_from(names), value)


def _agree(layer, obj):
    problems = []
    Checker("x", VOCAB, KEYS, problems).fields("l", obj, schema.fields(layer))
    if compile_fields(schema.fields(layer), VOCAB, KEYS)(obj):
        assert problems == [], (obj, problems)


@settings(max_examples=400, deadline=None)
@given(_objects("events"))
def test_screen_passes_no_event_that_checker_faults(obj):
    _agree("events", obj)


@settings(max_examples=400, deadline=None)
@given(_objects("places"))
def test_screen_passes_no_place_that_checker_faults(obj):
    _agree("places", obj)


def test_screen_passes_every_clean_feature_of_both_battles():
    """Otherwise the screen would be no faster than Checker alone."""
    aleppo = Path(__file__).resolve().parent / "fixtures" / "aleppo"
    for folder in (None, aleppo):
        data = read_folder(folder)
        vocab = Vocabulary(data["meta"], rules.used_sides(data)).lists()
        keys = {"places": {f["properties"]["place_id"] for f in data["places"]["features"]},
                "sources": {int(row["ref"]) for row in data["sources"] or []}}
        for layer in ("places", "events", "routes"):
            ok = compile_fields(schema.fields(layer), vocab, keys)
            assert all(ok(f["properties"]) for f in (data[layer] or {}).get("features", [])), (folder, layer)


def test_the_nan_and_bool_traps_are_caught():
    ok = compile_fields(schema.fields("events", "casualties"), VOCAB, KEYS)
    figure = {"side": "civilian", "outcome": "killed", "best": 3}
    assert ok(figure)
    assert not ok({**figure, "best": math.nan}) and not ok({**figure, "best": True}) and not ok({**figure, "best": -1})
