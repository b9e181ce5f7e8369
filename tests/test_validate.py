"""Each validation rule, shown catching one broken copy of the mini dataset."""

import json

import pytest

import jisrgeo
from jisrgeo import DataError

from helpers import MINI, edit_layer


def place(content, pid):
    return next(f for f in content["features"] if f["properties"]["place_id"] == pid)["properties"]


def event(content, eid):
    return next(f for f in content["features"] if f["properties"]["event_id"] == eid)


def set_prop(layer_index, key, value):
    def change(content):
        content["features"][layer_index]["properties"][key] = value
    return change


# (layer file, change, expected file, feature id, field, words in the reason)
BROKEN = {
    "missing_required_field": ("places.geojson", lambda c: c["features"][0]["properties"].pop("name"),
                               "places.geojson", "alpha", "name", "required field is missing"),
    "wrong_type": ("places.geojson", set_prop(0, "precision_m", "500"), "places.geojson", "alpha", "precision_m", "should be"),
    "duplicate_place_id": ("places.geojson", set_prop(1, "place_id", "alpha"), "places.geojson", "alpha", "place_id", "duplicate id"),
    "bad_slug": ("places.geojson", set_prop(2, "place_id", "Charlie X"), "places.geojson", "Charlie X", "place_id", "ascii slug"),
    "unknown_kind": ("places.geojson", set_prop(0, "kind", "castle"), "places.geojson", "alpha", "kind", "not one of"),
    "unknown_place_ref": ("places.geojson", set_prop(0, "refs", [99]), "places.geojson", "alpha", "refs", "not in sources.csv"),
    "no_refs": ("places.geojson", set_prop(0, "refs", []), "places.geojson", "alpha", "refs", "no source reference"),
    "lat_out_of_range": ("places.geojson", lambda c: c["features"][0]["geometry"].update(coordinates=[236.3, 95.8]),
                         "places.geojson", "alpha", "geometry", "outside lon"),
    "lat_out_of_range_swappable": ("places.geojson", lambda c: c["features"][0]["geometry"].update(coordinates=[36.3, 95.8]),
                                   "places.geojson", "alpha", "geometry", "look swapped"),
    "lon_lat_swapped": ("places.geojson", lambda c: c["features"][0]["geometry"].update(coordinates=[35.8, 36.3]),
                        "places.geojson", "alpha", "geometry", "swapped"),
    "wrong_geometry_type": ("places.geojson", lambda c: c["features"][0].update(geometry={"type": "LineString", "coordinates": [[36, 35], [36.1, 35]]}),
                            "places.geojson", "alpha", "geometry", "expected Point"),
    "no_geometry": ("places.geojson", lambda c: c["features"][0].update(geometry=None), "places.geojson", "alpha", "geometry", "missing geometry"),
    "projected_crs": ("places.geojson", lambda c: c.update(crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32637"}}),
                      "places.geojson", "", "crs", "jisrgeo normalize"),
    "not_a_feature_collection": ("places.geojson", lambda c: c.update(type="Feature"), "places.geojson", "", "type", "not a GeoJSON FeatureCollection"),
    "impossible_date": ("places.geojson", lambda c: place(c, "alpha")["control"][1].update(date="2015-02-30"),
                        "places.geojson", "alpha", "control[1].date", "not a valid ISO date"),
    "ambiguous_date": ("events.geojson", lambda c: event(c, "e3")["properties"].update(date="05/04/2015"),
                       "events.geojson", "e3", "date", "not a valid ISO date"),
    "range_ends_before_start": ("events.geojson", lambda c: event(c, "e3")["properties"].update(date_end="2015-04-01", date_precision="range"),
                                "events.geojson", "e3", "date_end", "ends"),
    "event_outside_period": ("events.geojson", lambda c: event(c, "e3")["properties"].update(date="2016-01-01"),
                             "events.geojson", "e3", "date", "outside the dataset's period"),
    "unknown_event_place": ("events.geojson", lambda c: event(c, "e3")["properties"].update(place_id="zulu"),
                            "events.geojson", "e3", "place_id", "not a place"),
    "unknown_event_type": ("events.geojson", lambda c: event(c, "e3")["properties"].update(type="skirmish"),
                           "events.geojson", "e3", "type", "not one of"),
    "duplicate_event_id": ("events.geojson", lambda c: event(c, "e3")["properties"].update(event_id="e1"),
                           "events.geojson", "e1", "event_id", "duplicate id"),
    "figures_out_of_order": ("events.geojson", lambda c: event(c, "e3")["properties"]["casualties"][0].update(low=9),
                             "events.geojson", "e3", "casualties[0].low", "low <= best <= high"),
    "unknown_casualty_side": ("events.geojson", lambda c: event(c, "e3")["properties"]["casualties"][0].update(side="rebels"),
                              "events.geojson", "e3", "casualties[0].side", "not one of"),
    "control_out_of_order": ("places.geojson", lambda c: place(c, "bravo")["control"][2].update(date="2015-04-05", date_end=None, date_precision="day"),
                             "places.geojson", "bravo", "control[2].date", "date order"),
    "change_to_same_side": ("places.geojson", lambda c: place(c, "alpha")["control"][1].update(controller="government"),
                            "places.geojson", "alpha", "control[1].controller", "already holds"),
    "two_changes_one_day": ("places.geojson", lambda c: place(c, "bravo")["control"][2].update(date="2015-04-10", date_end=None, date_precision="day"),
                            "places.geojson", "bravo", "control[2].date", "two changes on 2015-04-10"),
    "unknown_status": ("places.geojson", lambda c: place(c, "alpha")["control"][1].update(status="occupied"),
                       "places.geojson", "alpha", "control[1].status", "not one of"),
    "besieged_without_challenger": ("places.geojson", lambda c: place(c, "bravo")["control"][1].update(challenger=None),
                                    "places.geojson", "bravo", "control[1].challenger", "needs the challenging side"),
    "range_without_end": ("places.geojson", lambda c: place(c, "bravo")["control"][2].update(date_end=None),
                          "places.geojson", "bravo", "control[2].date_end", "needs a date_end"),
    "exact_figure_with_low": ("events.geojson", lambda c: event(c, "e3")["properties"]["casualties"][0].update(
        qualifier="exact", low=4, best=4, high=None), "events.geojson", "e3", "casualties[0].low", "leaves low empty"),
    "at_least_without_low": ("events.geojson", lambda c: event(c, "e3")["properties"]["casualties"][0].update(
        qualifier="at_least", low=None, best=4, high=None), "events.geojson", "e3", "casualties[0].low", "needs low and best"),
    "vague_with_a_number": ("events.geojson", lambda c: event(c, "e3")["properties"]["casualties"][0].update(
        qualifier="vague", text="several"), "events.geojson", "e3", "casualties[0].low", "leaves low empty"),
    "vague_without_words": ("events.geojson", lambda c: event(c, "e3")["properties"]["casualties"][0].update(
        qualifier="vague", low=None, best=None, high=None), "events.geojson", "e3", "casualties[0].text", "needs its wording"),
    "inference_over_a_report": ("places.geojson", lambda c: place(c, "bravo")["control"].__setitem__(2, {
        **place(c, "bravo")["control"][2], "basis": "inferred", "date": "2015-04-09", "date_end": "2015-04-20"}),
        "places.geojson", "bravo", "control[2].date_end", "contains the reported change"),
    "inferred_holder_contradicts_report": ("places.geojson", lambda c: place(c, "bravo")["control"][0].update(
        basis="inferred", controller="opposition"), "places.geojson", "bravo", "control[0].controller", "the source reports"),
    "nul_in_text": ("places.geojson", set_prop(0, "note", "bad\x00byte"), "places.geojson", "alpha", "note", "NUL character"),
    "route_not_a_line": ("routes.geojson", lambda c: c["features"][0].update(geometry={"type": "Point", "coordinates": [36, 35]}),
                         "routes.geojson", "r1", "geometry", "expected LineString"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_rule_catches_its_broken_fixture(mini_copy, case):
    layer, change, file, fid, field, reason = BROKEN[case]
    edit_layer(mini_copy, layer, change)
    problems = jisrgeo.validate(mini_copy)
    assert any(p.file == file and p.feature_id == fid and p.field == field and reason in p.reason for p in problems), problems
    with pytest.raises(DataError):
        jisrgeo.load(mini_copy)


def test_clean_datasets_have_no_problems():
    assert jisrgeo.validate() == []
    assert jisrgeo.validate(MINI) == []


def test_source_ref_that_is_not_a_number(mini_copy):
    (mini_copy / "sources.csv").write_text("ref,publisher,title,language,date\nx,a,b,en,\n1,a,b,en,2015-13-01\n", encoding="utf-8")
    reasons = {(p.field, p.feature_id) for p in jisrgeo.validate(mini_copy)}
    assert ("ref", "line 2") in reasons and ("date", "line 3") in reasons


@pytest.mark.parametrize("content,reason", [
    (b"", "file is empty"),
    (b'{"type": "FeatureCollection", "features": [', "invalid JSON at line 1"),
    ("{\"type\": \"FeatureCollection\", \"features\": []}".encode("utf-16"), "not UTF-8"),
])
def test_unreadable_files_are_reported_not_raised(mini_copy, content, reason):
    (mini_copy / "events.geojson").write_bytes(content)
    problems = jisrgeo.validate(mini_copy)
    assert len(problems) == 1 and problems[0].file == "events.geojson" and reason in problems[0].reason


def test_a_bom_is_accepted(mini_copy):
    path = mini_copy / "places.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert jisrgeo.validate(mini_copy) == []


def test_missing_layer_file(mini_copy):
    (mini_copy / "places.geojson").unlink()
    (problem,) = jisrgeo.validate(mini_copy)
    assert problem.file == "places.geojson" and "missing file" in problem.reason


def test_a_layer_named_in_dataset_json_must_exist(mini_copy):
    edit_layer(mini_copy, "dataset.json", lambda meta: meta.update(layers={"events": "rival-events.geojson"}))
    (problem,) = jisrgeo.validate(mini_copy)
    assert problem.file == "events.geojson" and "missing file" in problem.reason and "rival-events.geojson" in problem.reason


def test_optional_layers_may_be_absent(mini_copy):
    for name in ("events.geojson", "routes.geojson", "sources.csv", "forces.json", "claims.json"):
        (mini_copy / name).unlink()
    assert jisrgeo.validate(mini_copy) == []
    ds = jisrgeo.load(mini_copy)
    assert len(ds.events) == 0 and len(ds.sources) == 0 and len(ds.places) > 0


def test_validate_never_modifies_the_files(mini_copy):
    edit_layer(mini_copy, "places.geojson", set_prop(0, "kind", "castle"))
    before = {p.name: p.read_bytes() for p in mini_copy.iterdir()}
    jisrgeo.validate(mini_copy)
    assert before == {p.name: p.read_bytes() for p in mini_copy.iterdir()}


def test_cli_validate_exit_codes_and_report(cli, mini_copy):
    ok = cli("validate", MINI)
    assert ok.exit_code == 0 and "no problems" in ok.output
    edit_layer(mini_copy, "places.geojson", set_prop(0, "kind", "castle"))
    bad = cli("validate", mini_copy, "--format", "json")
    assert bad.exit_code == 1
    (problem,) = json.loads(bad.stdout)
    assert problem == {"file": "places.geojson", "feature_id": "alpha", "field": "kind",
                       "reason": problem["reason"]} and "castle" in problem["reason"]


def test_cli_on_a_broken_dataset_is_one_clean_error(cli, mini_copy):
    edit_layer(mini_copy, "places.geojson", set_prop(0, "kind", "castle"))
    result = cli("control", "--date", "2015-04-10", "--data", mini_copy)
    assert result.exit_code == 1
    assert "places.geojson:alpha:kind" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("content,field,reason", [
    ("ref,title,language,date\n1,t,en,\n", "publisher", "missing column"),
    ("ref,publisher,title,language,date\n", "refs", "reference 2 is not in sources.csv"),  # no sources yet
    ("ref,publisher,title,language,date\n1,a,b,en,\n1,c,d,fr,\n", "ref", "duplicate reference 1"),
])
def test_broken_sources_csv(mini_copy, content, field, reason):
    (mini_copy / "sources.csv").write_text(content, encoding="utf-8")
    problems = jisrgeo.validate(mini_copy)
    assert any(p.field == field and reason in p.reason for p in problems), problems
