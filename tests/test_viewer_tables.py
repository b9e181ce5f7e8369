"""The tables the day viewer draws from (places.js): what any day shows is a lookup in them."""

import pandas as pd
import pytest

import jisrgeo
from jisrgeo.maps._days import shifts, totals_html, totals_rows
from jisrgeo.maps._places import payload

ALEPPO = "tests/fixtures/aleppo"


@pytest.mark.parametrize("folder", [None, ALEPPO])
def test_killed_to_date_from_the_running_totals_equals_a_fresh_sum_on_every_day(folder):
    ds = jisrgeo.load(folder) if folder else jisrgeo.load()
    start, end = ds.period
    rows = totals_rows(ds, start, end)
    assert rows and [r[0] for r in rows] == sorted({r[0] for r in rows})
    for day in sorted(set(ds.events["date"].dropna()) | {start, end}):
        if not start <= day <= end:
            continue
        n = (day - start).days
        shown = next((html for first, html in reversed(rows) if first <= n), "")
        assert shown == totals_html(ds, day), day


def test_a_days_changes_are_the_intervals_that_start_that_day_worded_apart():
    ds = jisrgeo.load()
    day = pd.Timestamp("2015-04-25")
    today = [s for s in shifts(ds) if s[0] == day]
    assert {s[1] for s in today} == set(ds.changes(day, day)["place_id"])
    words = {s[1]: (s[3], s[4]) for s in today}
    assert words["jisr_al_shughur"] == (True, "taken by Opposition from Government")
    assert words["national_hospital"] == (False, "Government-held, now besieged by Opposition")


def test_the_tables_cover_every_day_and_carry_no_missing_value_as_text():
    ds = jisrgeo.load(ALEPPO)
    tables = payload(ds)
    assert tables["meta"]["days"] == (ds.period[1] - ds.period[0]).days + 1
    assert tables["chunks"] == [[0, tables["meta"]["days"], None]]  # a self-contained page: one part, inline
    whole = tables["parts"][0]
    assert len(whole["zones"]) == len(ds.area_intervals) and len(whole["fronts"]) == len(ds.front_intervals)
    assert len(whole["intervals"]) == len(ds.intervals)
    text = str(tables)
    for word in (">nan<", ">None<", " nan ", "NaT"):
        assert word not in text, word
