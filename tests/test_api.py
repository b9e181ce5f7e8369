"""The Python API's conventions (docs/reference/conventions.md): dates, frames, filters, errors, plotting; and the
CLI's manners (usage, tables, titles, our own exports given as --data)."""

import datetime
import inspect
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import jisrgeo
from jisrgeo.cli import _common

DAY_FORMS = ["2015-05-10", datetime.date(2015, 5, 10), datetime.datetime(2015, 5, 10, 14, 30),
             pd.Timestamp("2015-05-10"), np.datetime64("2015-05-10"), np.datetime64("2015-05-10T08:00")]


@pytest.mark.parametrize("day", DAY_FORMS, ids=lambda d: type(d).__name__)
def test_every_date_form_names_the_same_day(bundled, day):
    want = bundled.control("2015-05-10")
    pd.testing.assert_frame_equal(bundled.control(day).drop(columns="geometry"), want.drop(columns="geometry"))
    assert len(bundled.changes(day, day)) == len(bundled.changes("2015-05-10", "2015-05-10"))


def test_a_month_is_its_first_day_or_as_an_end_its_last(bundled):
    # 13 with al-Mastouma hill (ref 73), taken with the camp on 19 May
    assert len(bundled.changes("2015-05", "2015-05")) == len(bundled.changes("2015-05-01", "2015-05-31")) == 13
    assert bundled.window("2015-05", "2015-05").period == (pd.Timestamp("2015-05-01"), pd.Timestamp("2015-05-31"))
    with pytest.raises(jisrgeo.BadDate, match="not a valid date"):
        bundled.control("2015-13")


def test_every_date_column_is_datetime64_ns(bundled):
    frames = {"control": bundled.control("2015-05-10"), "changes": bundled.changes(), "timeline": bundled.timeline(),
              "history": bundled.history("hospital"), "events": bundled.events, "routes": bundled.routes,
              "intervals": bundled.intervals, "control_changes": bundled.control_changes}
    dated = {"date", "date_end", "effective", "since", "start", "end"}
    for name, frame in frames.items():
        for column in dated & set(frame.columns):
            assert frame[column].dtype == "datetime64[ns]", (name, column, frame[column].dtype)
    assert bundled.control_matrix().index.dtype == "datetime64[ns]"


def test_frames_about_places_carry_their_point_and_index_by_place(bundled):
    state = bundled.control("2015-05-10")
    assert state.loc["national_hospital", "controller"] == "government"
    assert state.loc["national_hospital", "since"] == pd.Timestamp("2015-04-25")
    for frame in (state, bundled.changes(), bundled.timeline(), bundled.history("hospital")):
        assert isinstance(frame, gpd.GeoDataFrame) and frame.crs == "EPSG:4326"
        assert "place_id" in frame.columns and "name" in frame.columns
        points = bundled.places.set_index("place_id").geometry
        assert all(points[p].equals(g) for p, g in zip(frame["place_id"], frame.geometry))


def test_place_filter_is_the_same_argument_on_every_query(bundled):
    one = bundled.control("2015-05-10", place="hospital")
    assert list(one.index) == ["national_hospital"]
    two = bundled.control("2015-05-10", place=["hospital", "Ariha"])
    assert list(two["place_id"]) == ["national_hospital", "ariha"]
    assert set(bundled.changes(place="hospital")["place_id"]) == {"national_hospital"}
    assert set(bundled.timeline(place="Jisr al-Choghour")["place_id"]) == {"jisr_al_shughur"}
    assert set(bundled.events_filtered(place="hospital")["place_id"]) == {"national_hospital"}
    may = bundled.timeline("2015-05-01", "2015-05-31")
    assert ((may["start"] <= "2015-05-31") & (may["end"] > "2015-05-01")).all()
    spans = bundled.events_filtered(start="2015-05-01", end="2015-05-31")
    last = spans["date_end"].fillna(spans["date"])
    assert ((spans["date"] <= "2015-05-31") & (last >= "2015-05-01")).all() and len(spans) < len(bundled.events)
    with pytest.raises(jisrgeo.UnknownPlace):
        bundled.changes(place="Atlantis")


def test_errors_name_the_arguments_and_the_cli_names_its_options(bundled, cli):
    with pytest.raises(jisrgeo.BadDate) as caught:
        bundled.changes("2015-05-10", "2015-05-01")
    assert "end (2015-05-01) comes before start (2015-05-10)" in str(caught.value) and "--" not in str(caught.value)
    result = cli("changes", "--from", "2015-05-10", "--to", "2015-05-01")
    assert result.exit_code == 2 and "--to 2015-05-01 comes before --from 2015-05-10" in result.output


def test_control_matrix_carries_its_key(bundled):
    matrix = bundled.control_matrix("2015-05-01", "2015-05-03")
    key = matrix.attrs["sides"]
    assert key[-1] is None and [key[i] for i in range(len(bundled.sides))] == list(bundled.sides)
    assert key[int(matrix.loc["2015-05-03", "national_hospital"])] == "government"


def test_public_api_has_numpydoc_docstrings():
    documented = [jisrgeo.load, jisrgeo.validate, jisrgeo.distance, jisrgeo.Dataset.control, jisrgeo.Dataset.changes,
                  jisrgeo.Dataset.timeline, jisrgeo.Dataset.history, jisrgeo.Dataset.events_filtered,
                  jisrgeo.Dataset.control_matrix, jisrgeo.Dataset.distance, jisrgeo.Dataset.plot,
                  jisrgeo.Dataset.explore, jisrgeo.Dataset.day, jisrgeo.geodesy.distance]
    for function in documented:
        doc = inspect.getdoc(function)
        assert doc and "Returns\n-------" in doc, function.__qualname__
    assert inspect.getdoc(jisrgeo.Dataset.sides) and "declaration order" in inspect.getdoc(jisrgeo.Dataset.sides)


def test_plot_draws_the_day_in_the_sides_colours_without_touching_matplotlib(bundled, tmp_path):
    from matplotlib.colors import to_hex
    from matplotlib.figure import Figure

    # In a fresh process: no pyplot (so no backend chosen), no rcParams changed.
    # (rcParams["backend"] itself would import pyplot to resolve the backend: it is left out.)
    code = ("import sys, matplotlib, jisrgeo; params = lambda: {k: matplotlib.rcParams[k] for k in matplotlib.rcParams "
            "if k != 'backend'}; before = params(); jisrgeo.load().plot('2015-05-10').figure.savefig('day.png'); "
            "print('matplotlib.pyplot' in sys.modules, params() == before)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.stdout.split() == ["False", "True"], done.stderr
    assert (tmp_path / "day.png").stat().st_size > 10_000
    ax = bundled.plot("2015-05-10")
    faces = {to_hex(p.get_facecolor()) for p in ax.patches if p.get_fill()}
    colours = {bundled.vocabulary.color(s) for s in set(bundled.areas("2015-05-10")["side"])}
    assert colours <= faces
    # Framed on the battle (the dataset's map_extent), not on every place it names (Damascus, Tartus).
    west, south, east, north = bundled.meta["map_extent"]
    assert ax.get_xlim() == (west, east) and ax.get_ylim() == (south, north)
    assert bundled.places.total_bounds[0] < west
    assert {t.get_text() for t in ax.texts} >= {"Ariha", "Idlib"}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [bundled.vocabulary.label(s) for s in bundled.sides]
    mine = Figure().add_subplot()
    assert bundled.plot("2015-04-25", ax=mine) is mine


def test_explore_returns_the_days_folium_map(bundled):
    import folium

    m = bundled.explore("2015-05-22")
    assert isinstance(m, folium.Map) and "2015-05-22" in m.get_root().render()


def test_jisrgeo_alone_prints_short_usage_on_stdout():
    done = subprocess.run([sys.executable, "-m", "jisrgeo.cli"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("Usage: jisrgeo") and len(done.stdout.splitlines()) < 10


def test_piped_tables_are_plain_tab_separated_lines(cli):
    title, *lines = cli("within", "hospital", "10km", "--date", "2015-05-09").stdout.splitlines()
    assert title == ("# Second battle of Jisr al-Shughur (2015): within 10 km of Jisr al-Shughur National Hospital, "
                     "control at the end of 2015-05-09")
    assert lines[0].split("\t") == ["place_id", "name", "distance_m", "controller", "status"]
    assert lines[1].split("\t")[:2] == ["jisr_al_shughur", "Jisr al-Shughur"]
    assert all(len(line.split("\t")) == 5 for line in lines)
    # A place with no recorded state prints empty cells, not "None" or "nan".
    unknown = cli("control", "--date", "2015-05-10").stdout
    assert "None" not in unknown and "nan" not in unknown.lower().replace("_nan", "")


def test_terminal_tables_fit_and_break_no_word(cli, monkeypatch):
    monkeypatch.setattr(_common, "_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "100")
    for args in (("control", "--date", "2015-05-10"), ("history", "hospital"), ("changes",),
                 ("within", "hospital", "10km", "--date", "2015-05-09")):
        out = cli(*args).stdout
        assert max(map(len, out.splitlines())) <= 100, args
    out = cli("control", "--date", "2015-05-10").stdout
    assert "al_mastouma_camp" in out and "national_hospital" in out  # ids whole
    history = cli("history", "hospital").stdout
    assert "Jisr al-Shughur National Hospital" in history  # the place's name, not what was typed
    assert "breaks out;" in " ".join(history.split())  # notes wrap at spaces: words stay whole
    within = cli("within", "hospital", "10km").stdout
    assert "within 10 km of Jisr al-Shughur National Hospital" in " ".join(within.split())


def test_our_own_gis_export_given_as_data_is_named_for_what_it_is(cli, tmp_path):
    assert cli("export", "--format", "geojson", "--out", tmp_path / "gj").exit_code == 0
    result = cli("control", "--date", "2015-05-10", "--data", tmp_path / "gj")
    assert result.exit_code == 1 and "this is a jisrgeo export" in result.output and "gpkg" in result.output
    assert len(result.output.splitlines()) <= 3
    problems = jisrgeo.validate(tmp_path / "gj")
    assert len(problems) == 1 and "export" in problems[0].reason
