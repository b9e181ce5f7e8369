"""The tables the day viewer draws from (places.js): what any day shows is a lookup in them."""

import re

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


def test_a_long_period_in_files_by_quarter_shows_every_day_as_the_whole_table_does():
    """The aleppo fixture (1,618 days) in period files: each day's part holds what the whole tables say of it."""
    from jisrgeo.maps._chunks import periods
    from jisrgeo.maps._places import viewer_tables

    ds = jisrgeo.load(ALEPPO)
    whole = payload(ds)["parts"][0]
    tables, parts = viewer_tables(ds)
    plan = periods(*ds.period)
    assert len(parts) == len(plan) == len(tables["chunks"]) > 12 and "parts" not in tables
    assert all(re.fullmatch(r"tables/\d{4}-Q[1-4]\.js", src) for _, _, src in plan)  # by quarter: 4.4 years
    assert plan[0][0] == 0 and plan[-1][1] == tables["meta"]["days"]
    assert all(a[1] == b[0] for a, b in zip(plan, plan[1:]))  # no day missing, none twice

    def on(rows, n, span=True):
        return sorted(map(str, (r for r in rows if (r[0] <= n < r[1] if span else r[0] == n))))
    for n in range(0, tables["meta"]["days"], 37):
        k = next(i for i, (a, b, _) in enumerate(plan) if a <= n < b)
        part = parts[k]
        assert on(part["intervals"], n) == on(whole["intervals"], n)
        assert on(part["shifts"], n, span=False) == on(whole["shifts"], n, span=False)
        shapes = lambda t, rows, n=n: sorted(str(t["shapes"][r[2]]) for r in rows if r[0] <= n < r[1])  # noqa: E731
        assert shapes(part, part["zones"]) == shapes(whole, whole["zones"])
        in_force = lambda t, n=n: next((h for d, h in reversed(t["totals"]) if d <= n), "")  # noqa: E731
        assert in_force(part) == in_force(whole)
        today = [e[5] for e in part["events"] if e[0] == n]
        assert today == [e[5] for e in whole["events"] if e[0] == n]
        # Every day of a long period opens on its own frame with the battle's wording (maps/frame.py, describe.py).
        said = lambda t, n=n: [w[1] for w in t["words"] if w[0] == n]  # noqa: E731
        assert said(part) == said(whole) and len(said(part)) == 1
        framed = lambda t, n=n: next((box for d, box in reversed(t["frames"]) if d <= n), None)  # noqa: E731
        assert framed(part) == framed(whole) is not None


@pytest.mark.parametrize("folder,step", [(None, 1), ("tests/fixtures/city", 5), (ALEPPO, 29)])
def test_the_headlines_of_every_day_in_one_pass_are_the_pictures_headlines(folder, step):
    """describe.day_headlines (the viewer's, seconds for a war) words each day as day_headline (the PNGs') does."""
    from jisrgeo.maps.describe import day_headline, day_headlines

    ds = jisrgeo.load(folder) if folder else jisrgeo.load()
    days = list(pd.date_range(*ds.period))
    lines = day_headlines(ds, days)
    assert list(lines) == days
    assert len({line.split(": ", 1)[1] for line in lines.values()}) > 3  # days told apart, not one stock line
    for day in days[::step]:
        assert lines[day] == day_headline(ds, day), day
