"""Control on known days: before, on and after each change."""

import json

import numpy as np
import pandas as pd
import pytest

from jisrgeo import BadDate
from jisrgeo.states import holding


def state(ds, place, day):
    row = ds.control(day).set_index("place_id").loc[place]
    return row["controller"], row["status"]


@pytest.mark.parametrize("day,expected", [
    ("2015-04-24", ("government", "held")),
    ("2015-04-25", ("government", "besieged")),
    ("2015-05-10", ("government", "besieged")),
    ("2015-05-21", ("government", "besieged")),
    ("2015-05-22", ("opposition", "held")),
    ("2015-06-06", ("opposition", "held")),
])
def test_the_hospital_is_besieged_from_25_april_to_22_may(bundled, day, expected):
    assert state(bundled, "national_hospital", day) == expected


@pytest.mark.parametrize("place,before,on", [
    ("jisr_al_shughur", "2015-04-22", "2015-04-23"),
    ("ariha", "2015-05-27", "2015-05-28"),
    ("palmyra", "2015-05-20", "2015-05-21"),
    ("maassara_checkpoint", "2015-06-05", "2015-06-06"),
    ("al_qarmid_camp", "2015-04-26", "2015-04-27"),
])
def test_each_change_takes_effect_on_its_day(bundled, place, before, on):
    assert state(bundled, place, before) != state(bundled, place, on)


# (place, start, end) per interval, days of May 2015; place 1 has none.
INTERVALS = [(0, 1, 3), (0, 3, 5), (2, 3, 3), (2, 1, 9), (3, 1, 9), (3, 2, 4)]


@pytest.mark.parametrize("day,expected", [
    (1, [0, -1, 3, 4]),
    (2, [0, -1, 3, 5]),   # place 3: two intervals hold (never in validated data): the later one
    (3, [1, -1, 3, 5]),   # a change on the 3rd holds at the end of the 3rd; an empty interval never holds
    (4, [1, -1, 3, 4]),
    (5, [-1, -1, 3, 4]),  # ends are exclusive
    (9, [-1, -1, -1, -1]),
])
def test_holding_picks_the_interval_in_effect_at_the_end_of_the_day(day, expected):
    place, start, end = (np.array(column) for column in zip(*INTERVALS))
    may = np.datetime64("2015-05-01", "ns") - np.timedelta64(1, "D")  # any unit: ns intervals, a day-unit day
    picked = holding(may + start.astype("timedelta64[D]"), may + end.astype("timedelta64[D]"), place, 4,
                     np.datetime64(f"2015-05-{day:02d}"))
    assert picked.tolist() == expected


def test_a_state_on_day_d_is_the_state_at_the_end_of_d(bundled):
    row = bundled.control("2015-04-25").set_index("place_id").loc["jisr_al_shughur"]
    assert (row["controller"], row["status"], row["since"]) == ("opposition", "held", pd.Timestamp("2015-04-25"))
    assert bundled.control("2015-04-23").set_index("place_id").loc["jisr_al_shughur", "status"] == "contested"


def test_range_dated_change_takes_effect_at_the_range_end(mini):
    assert state(mini, "bravo", "2015-04-19") == ("government", "besieged")
    assert state(mini, "bravo", "2015-04-20") == ("opposition", "held")


def test_initial_state_has_no_since_and_places_without_history_are_unknown(mini):
    rows = mini.control("2015-04-05").set_index("place_id")
    assert pd.isna(rows.loc["alpha", "since"]) and rows.loc["alpha", "controller"] == "government"
    assert pd.isna(rows.loc["charlie", "controller"])


def test_control_has_one_row_per_place(bundled):
    rows = bundled.control("2015-05-10")
    assert len(rows) == len(bundled.places) and rows["place_id"].is_unique
    assert list(rows.columns) == ["place_id", "name", "controller", "status", "challenger", "since", "basis",
                                  "date_precision", "geometry"]


@pytest.mark.parametrize("day", ["2015-04-08", "2015-06-07", "2014-01-01"])
def test_dates_outside_the_period_are_an_error(bundled, day):
    with pytest.raises(BadDate, match="outside the dataset's period"):
        bundled.control(day)


def test_intervals_tile_the_period_without_gaps(bundled):
    tl = bundled.timeline()
    start, end = bundled.period
    for _pid, group in tl.groupby("place_id"):
        assert group["start"].iloc[0] == start
        assert (group["start"].iloc[1:].to_numpy() == group["end"].iloc[:-1].to_numpy()).all()
        assert group["end"].iloc[-1] == end + pd.Timedelta(days=1)


def test_hospital_interval_boundaries(bundled):
    tl = bundled.timeline()
    besieged = tl[(tl["place_id"] == "national_hospital") & (tl["status"] == "besieged")].iloc[0]
    assert (besieged["start"], besieged["end"]) == (pd.Timestamp("2015-04-25"), pd.Timestamp("2015-05-22"))


def test_changes_in_a_window(bundled):
    window = bundled.changes("2015-04-22", "2015-04-30")
    assert window["effective"].between("2015-04-22", "2015-04-30").all()
    assert {"jisr_al_shughur", "national_hospital", "ishtabraq", "al_qarmid_camp"} <= set(window["place_id"])
    assert "ariha" not in set(window["place_id"])


def test_history_of_a_place(bundled):
    hist = bundled.history("hospital")
    assert list(hist["status"]) == ["held", "besieged", "held"]
    assert list(hist["controller"]) == ["government", "government", "opposition"]


def test_cli_control_json_has_exactly_the_documented_keys(cli):
    rows = json.loads(cli("control", "--date", "2015-05-10", "--format", "json").stdout)
    assert all(set(r) == {"place_id", "name", "controller", "status", "challenger", "since", "basis", "date_precision"}
               for r in rows)
    hospital = next(r for r in rows if r["place_id"] == "national_hospital")
    assert hospital == {"place_id": "national_hospital", "name": "Jisr al-Shughur National Hospital",
                        "controller": "government", "status": "besieged", "challenger": "opposition",
                        "since": "2015-04-25",
                        "basis": "reported", "date_precision": "day"}


def test_cli_control_geojson_and_csv(cli):
    fc = json.loads(cli("control", "--date", "2015-05-22", "--format", "geojson").stdout)
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    hospital = next(f for f in fc["features"] if f["properties"]["place_id"] == "national_hospital")
    assert hospital["geometry"]["type"] == "Point" and hospital["properties"]["controller"] == "opposition"
    csv_lines = cli("control", "--date", "2015-05-22", "--format", "csv").stdout.splitlines()
    assert csv_lines[0] == "place_id,name,controller,status,challenger,since,basis,date_precision"
    assert "national_hospital,Jisr al-Shughur National Hospital,opposition,held,,2015-05-22,reported,day" in csv_lines


def test_cli_changes_and_history(cli):
    rows = json.loads(cli("changes", "--from", "2015-05-19", "--to", "2015-05-22", "--format", "json").stdout)
    assert [r["place_id"] for r in rows] == ["al_mastouma", "al_mastouma_camp", "al_mastouma_hill", "nahlaya", "palmyra",
                                             "national_hospital"]
    hist = json.loads(cli("history", "Palmyre", "--format", "json").stdout)
    assert [h["controller"] for h in hist] == ["government", "government", "islamic_state"]


def test_cli_control_bad_dates_exit_2(cli):
    for bad in ("2015-02-30", "10/05/2015", "2015-07-01"):
        result = cli("control", "--date", bad)
        assert result.exit_code == 2, bad


def test_control_matrix_agrees_with_control_on_every_day(bundled):
    SIDES = list(bundled.sides)
    matrix = bundled.control_matrix()
    assert matrix.shape == ((bundled.period[1] - bundled.period[0]).days + 1, len(bundled.places))
    for day in matrix.index[::5]:
        state = bundled.control(day).set_index("place_id")["controller"]
        expected = [SIDES.index(c) if isinstance(c, str) else -1 for c in state[matrix.columns]]
        assert list(matrix.loc[day]) == expected, day
