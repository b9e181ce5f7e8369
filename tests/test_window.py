"""Dataset.window(): every table cut to the window, each one checked against the full dataset's answer."""

import pandas as pd
import pytest

import jisrgeo
from helpers import FIXTURES

WINDOWS = [("bundled", "2015-05-01", "2015-05-31"), ("bundled", "2015-04-26", "2015-04-26"),
           ("bundled", "2015-04-20", "2015-05-20"), ("aleppo", "2016-07-01", "2016-09-30")]


@pytest.fixture(scope="module")
def datasets():
    return {"bundled": jisrgeo.load(), "aleppo": jisrgeo.load(FIXTURES / "aleppo")}


def _days(start, end):
    return pd.date_range(start, end, freq="D")


def test_may_has_the_changes_of_may_only(datasets):
    ds = datasets["bundled"]
    may = ds.window("2015-05-01", "2015-05-31")
    assert len(may.changes()) == len(ds.changes("2015-05-01", "2015-05-31")) == 13  # with al-Mastouma hill (ref 73)
    assert may.changes()["effective"].min() >= pd.Timestamp("2015-05-01")


@pytest.mark.parametrize("name,start,end", WINDOWS)
def test_changes_are_the_full_answer_for_the_window(datasets, name, start, end):
    ds = datasets[name]
    window = ds.window(start, end)
    columns = ["place_id", "effective", "controller", "status", "challenger"]
    got = window.changes()[columns].sort_values(columns[:2], ignore_index=True)
    want = ds.changes(start, end)[columns].sort_values(columns[:2], ignore_index=True)
    pd.testing.assert_frame_equal(got, want)
    # Changes before the start are folded into the initial state, one per place at most.
    initial = window.control_changes[window.control_changes["effective"].isna()]
    assert not initial["place_id"].duplicated().any()


@pytest.mark.parametrize("name,start,end", WINDOWS)
def test_control_on_every_day_of_the_window_is_the_full_answer(datasets, name, start, end):
    ds = datasets[name]
    window = ds.window(start, end)
    for day in _days(start, end):
        got, want = window.control(day), ds.control(day)
        pd.testing.assert_frame_equal(got.drop(columns="geometry"), want.drop(columns="geometry"))
        assert got.geometry.equals(want.geometry)
    with pytest.raises(jisrgeo.BadDate):
        window.control(pd.Timestamp(end) + pd.Timedelta(days=1))


@pytest.mark.parametrize("name,start,end", WINDOWS)
def test_intervals_are_clipped_to_the_window(datasets, name, start, end):
    ds = datasets[name]
    first, after = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    full = ds.intervals[(ds.intervals["start"] < after) & (ds.intervals["end"] > first)]
    full = full.assign(start=full["start"].clip(lower=first), end=full["end"].clip(upper=after))
    columns = ["place_id", "controller", "status", "challenger", "start", "end", "since"]
    key = ["place_id", "start"]
    got = ds.window(start, end).intervals[columns].sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(got, full[columns].sort_values(key, ignore_index=True))
    assert (got["start"] >= first).all() and (got["end"] <= after).all()


@pytest.mark.parametrize("name,start,end", WINDOWS)
def test_events_and_casualties_are_those_of_the_window(datasets, name, start, end):
    ds = datasets[name]
    window = ds.window(start, end)
    overlapping = set()
    for day in _days(start, end):
        overlapping |= set(ds.events_filtered(date=day)["event_id"])
    assert set(window.events["event_id"]) == overlapping
    want = ds.casualties[ds.casualties["event_id"].isin(overlapping)].reset_index(drop=True)
    pd.testing.assert_frame_equal(window.casualties.reset_index(drop=True), want, check_dtype=False)
    killed = [c for c in ds.events.columns if c.startswith("killed_")]
    pd.testing.assert_frame_equal(window.events.set_index("event_id")[killed].sort_index(),
                                  ds.events.set_index("event_id").loc[sorted(overlapping), killed])


def test_routes_outside_the_window_are_dropped(datasets):
    ds = datasets["bundled"]
    window = ds.window("2015-05-01", "2015-05-15")
    for _, route in window.routes.iterrows():
        if pd.notna(route["date"]):
            last = route["date_end"] if pd.notna(route["date_end"]) else route["date"]
            assert route["date"] <= pd.Timestamp("2015-05-15") and last >= pd.Timestamp("2015-05-01")
    dated = ds.routes[ds.routes["date"].notna()]
    assert len(window.routes) < len(ds.routes) or dated["date"].between("2015-05-01", "2015-05-15").all()


def test_a_window_of_a_window_is_the_inner_window(datasets):
    ds = datasets["bundled"]
    inner = ds.window("2015-04-20", "2015-05-31").window("2015-05-10", "2015-05-20")
    direct = ds.window("2015-05-10", "2015-05-20")
    for day in _days("2015-05-10", "2015-05-20"):
        pd.testing.assert_frame_equal(inner.control(day).drop(columns="geometry"),
                                      direct.control(day).drop(columns="geometry"))
    assert len(inner.changes()) == len(direct.changes())


def test_a_window_exported_and_loaded_back_answers_the_same(datasets, tmp_path):
    ds = datasets["bundled"]
    may = ds.window("2015-05-01", "2015-05-31")
    may.to_gpkg(tmp_path / "may.gpkg")
    back = jisrgeo.load(tmp_path / "may.gpkg")
    assert len(back.changes()) == 13
    for day in ("2015-05-01", "2015-05-31"):
        got, want = back.control(day), ds.control(day)
        assert got[["place_id", "controller", "status"]].equals(want[["place_id", "controller", "status"]])
