"""Issue 31: tables that say what they know (changes with the state before, control with its challenger,
events with range-only figures)."""

import csv
import io
import json

import pytest

from conflictgen import city_battle


def test_changes_carry_the_previous_state_and_their_kind(bundled):
    table = bundled.changes()
    hospital = table[table["place_id"] == "national_hospital"].set_index("effective")
    besieged, taken = hospital.iloc[0], hospital.iloc[1]
    assert (besieged["kind"], besieged["previous_controller"], besieged["previous_status"]) == ("status", "government", "held")
    assert (taken["kind"], taken["previous_controller"], taken["previous_status"], taken["previous_challenger"]) == \
        ("hands", "government", "besieged", "opposition")
    # a kind agrees with the states on either side of the change, for every change
    assert ((table["kind"] == "hands") == (table["controller"] != table["previous_controller"])).all()
    hands = bundled.changes(kind="hands")
    assert set(hands["kind"]) == {"hands"} and len(hands) + len(bundled.changes(kind="status")) == len(table)
    with pytest.raises(ValueError, match="kind must be one of"):
        bundled.changes(kind="captures")


def test_cli_changes_by_place_and_kind(cli):
    rows = json.loads(cli("changes", "--place", "hôpital national", "--format", "json").stdout)
    assert [(r["kind"], r["previous_controller"], r["controller"]) for r in rows] == \
        [("status", "government", "government"), ("hands", "government", "opposition")]
    rows = json.loads(cli("changes", "--kind", "hands", "--from", "2015-05-19", "--to", "2015-05-19",
                          "--format", "json").stdout)
    assert {r["place_id"] for r in rows} == {"al_mastouma_camp", "al_mastouma", "al_mastouma_hill"}
    assert all(r["previous_controller"] == "government" for r in rows)
    result = cli("changes", "--kind", "captures")
    assert result.exit_code == 2 and "hands" in result.output


@pytest.mark.parametrize("fmt", ["table", "json", "geojson", "csv"])
def test_control_shows_the_challenger_in_every_format(cli, fmt):
    out = cli("control", "--date", "2015-05-10", "--format", fmt).stdout
    if fmt == "json":
        hospital = next(r for r in json.loads(out) if r["place_id"] == "national_hospital")
    elif fmt == "geojson":
        hospital = next(f["properties"] for f in json.loads(out)["features"]
                        if f["properties"]["place_id"] == "national_hospital")
    elif fmt == "csv":
        hospital = next(r for r in csv.DictReader(io.StringIO(out)) if r["place_id"] == "national_hospital")
    else:
        lines = [line.split("\t") for line in out.splitlines() if not line.startswith("#")]
        hospital = dict(zip(lines[0], next(line for line in lines if line[0] == "national_hospital")))
    assert hospital["status"] == "besieged" and hospital["challenger"] in ("opposition", "Opposition")


def test_events_table_shows_range_only_figures(cli, tmp_path):
    out = cli("events", "--date", "2015-04-26").stdout  # al-Masdar's 350 to 500 Islamist dead (ref 61)
    assert "350–500" in out
    folder = city_battle(tmp_path / "city")
    lines = [line.split("\t") for line in cli("events", "--data", folder).stdout.splitlines() if not line.startswith("#")]
    rows = {line[0]: dict(zip(lines[0], line)) for line in lines[1:]}
    assert rows["c2"]["killed_rebels_best"] == "900–1,200" and rows["c1"]["killed_rebels_best"] == "200"
