"""Issue 26: meaning kept across formats (ACLED/UCDP round trips, --into, CSV dates, GeoPackage stamps, labels)."""

import csv
import json
import re
import shutil
import sqlite3

import pytest

import jisrgeo
from jisrgeo import claims
from jisrgeo.export.conflict import acled_frame, export_report
from jisrgeo.io import ucdp

from helpers import FIXTURES, MINI

ALEPPO = FIXTURES / "aleppo"


def _killed_totals(ds):
    totals = claims.casualty_totals(ds)
    return totals[totals["outcome"] == "killed"].set_index("side")[["low", "best", "high"]].sort_index()


def _side_rules(ds, path):
    path.write_text(json.dumps({ds.vocabulary.label(c): c for c in ds.vocabulary.sides}), encoding="utf-8")
    return path


@pytest.mark.parametrize("data", [None, MINI], ids=["bundled", "mini-with-period-toll"])
@pytest.mark.parametrize("fmt, name", [("acled", "acled.csv"), ("ucdp", "ucdp_ged.csv")])
def test_round_trip_keeps_every_sides_casualty_totals(cli, tmp_path, data, fmt, name):
    ds = jisrgeo.load(data)
    tolls = int(ds.events["aggregate"].sum())
    assert tolls  # both battles hold period tolls
    args = ("--data", data) if data else ()
    result = cli("export", "--format", fmt, "--out", tmp_path / "out", *args)
    assert result.exit_code == 0, result.output
    assert f"left out {tolls} period toll(s)" in result.stderr
    rows = list(csv.DictReader(open(tmp_path / "out" / name, newline="", encoding="utf-8")))
    assert len(rows) == len(ds.events) - tolls
    result = cli("import", fmt, tmp_path / "out" / name, "--out", tmp_path / "back",
                 "--sides", _side_rules(ds, tmp_path / "sides.json"))
    assert result.exit_code == 0, result.output
    back = jisrgeo.load(tmp_path / "back")
    ours, theirs = _killed_totals(ds), _killed_totals(back)
    assert list(theirs.index) == list(ours.index)
    # GED keeps one best figure per side (low/high only for the event as a whole); our ACLED tags keep all three.
    columns = ["low", "best", "high"] if fmt == "acled" else ["best"]
    assert theirs[columns].equals(ours[columns])


def test_custom_event_types_are_kept_verbatim_and_reported_or_mapped(cli, tmp_path):
    ds = jisrgeo.load(ALEPPO)
    custom = set(ds.events["type"]) - set(jisrgeo.sides.BUILTIN_VOCABULARIES["event_types"])
    assert custom == {"evacuation"}
    frame = acled_frame(ds)
    assert set(frame.loc[frame["sub_event_type"] == "evacuation", "event_type"]) == {"Strategic developments"}
    assert export_report(ds, "acled")["unmapped_types"] == {"evacuation": 1}
    result = cli("export", "--format", "acled", "--data", ALEPPO, "--out", tmp_path / "a")
    assert result.exit_code == 0 and "evacuation (1 events)" in result.stderr
    (tmp_path / "types.json").write_text('{"evacuation": ["Strategic developments", "Non-violent transfer of territory"]}')
    result = cli("export", "--format", "acled", "--data", ALEPPO, "--out", tmp_path / "b", "--types", tmp_path / "types.json")
    assert result.exit_code == 0 and "evacuation" not in result.stderr
    rows = list(csv.DictReader(open(tmp_path / "b" / "acled.csv", newline="", encoding="utf-8")))
    assert "Non-violent transfer of territory" in {r["sub_event_type"] for r in rows}
    # our own type comes back on import
    assert cli("import", "acled", tmp_path / "a" / "acled.csv", "--out", tmp_path / "back").exit_code == 0
    assert "evacuation" in set(jisrgeo.load(tmp_path / "back").events["type"])


def _ged_row(**values):
    row = dict.fromkeys(ucdp.COLUMNS, "")
    row.update(id="900001", relid="900001", year="2015", type_of_violence="1", side_a="Government of Syria",
               side_b="Jaish al-Fatah", source_article="Test wire", where_prec="1", country="Syria",
               date_prec="1", deaths_a="0", deaths_b="0", deaths_civilians="0", deaths_unknown="0",
               low="0", best="0", high="0")
    row.update(values)
    return row


def _write_ged(path, *rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ucdp.COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_import_into_reuses_the_place_and_links_the_rival_claim(cli, tmp_path):
    bundled = jisrgeo.load()
    checkpoint = bundled.place("maassara_checkpoint").geometry
    # 300 m from the checkpoint, no where_coordinates: snapped by distance within the radius of doubt.
    ged = _write_ged(tmp_path / "ged.csv", _ged_row(
        latitude=f"{checkpoint.y + 0.0027:.5f}", longitude=f"{checkpoint.x:.5f}", where_description="M4 road",
        date_start="2015-06-06", date_end="2015-06-06", deaths_a="40", best="40", low="40", high="40"))
    (tmp_path / "s.json").write_text('{"Government of Syria": "government", "Jaish al-Fatah": "opposition"}')
    result = cli("import", "ucdp", ged, "--out", tmp_path / "m", "--into", bundled.folder, "--sides", tmp_path / "s.json")
    assert result.exit_code == 0, result.output
    assert "1 imported place(s) are existing places, 1 event(s) linked as rival claims" in result.output
    merged = jisrgeo.load(tmp_path / "m")
    assert len(merged.places) == len(bundled.places)  # no new place at the coordinates of ours
    event = merged.events.set_index("event_id").loc["ged_900001"]
    assert event["place_id"] == "maassara_checkpoint" and event["incident"] == "2015-06-06-maassara-road"
    # The rival figure (40) and ours (32) are one incident: the sum grows by 8, not by 40.
    before = _killed_totals(bundled).loc["government"]
    after = _killed_totals(merged).loc["government"]
    assert after["best"] == before["best"] + 8 and after["low"] == before["low"]


def test_where_description_names_the_place(tmp_path):
    ged = _write_ged(tmp_path / "ged.csv", _ged_row(latitude="36.8906", longitude="38.3536",
                                                      where_description="Mishtenur hill", date_start="2014-10-05",
                                                      date_end="2014-10-05"))
    ds, _ = jisrgeo.read_ucdp(ged)
    assert list(ds.places["name"]) == ["Mishtenur hill"]


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_every_csv_writes_iso_dates(cli, tmp_path, fmt):
    assert cli("export", "--format", fmt, "--data", ALEPPO, "--out", tmp_path / "o").exit_code == 0
    checked = 0
    for path in sorted((tmp_path / "o").glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\d{4}/\d{2}/\d{2}", text), path.name
        sidecar = path.with_suffix(".csvt")
        if sidecar.exists() and "Date" in sidecar.read_text():
            checked += 1
    assert checked  # date columns are still declared Date for GDAL and QGIS
    table = "control_states.csv" if fmt == "geojson" else "events.csv"
    rows = list(csv.DictReader(open(tmp_path / "o" / table, newline="", encoding="utf-8")))
    dated = [r["date"] for r in rows if r["date"]]
    assert dated and all(len(d) == 10 and d[4] == d[7] == "-" for d in dated)


@pytest.mark.parametrize("data, day", [(None, "2015-06-06"), (ALEPPO, "2016-12-22")])
def test_geopackage_timestamps_come_from_the_dataset(cli, tmp_path, data, day):
    args = ("--data", data) if data else ()
    assert cli("export", "--format", "gpkg", "--out", tmp_path / "x.gpkg", *args).exit_code == 0
    with sqlite3.connect(tmp_path / "x.gpkg") as db:
        stamps = {r[0] for r in db.execute("SELECT last_change FROM gpkg_contents")}
        stamps |= {r[0] for r in db.execute("SELECT update_time FROM layer_styles")}
    assert stamps == {f"{day}T00:00:00.000Z"}


def test_side_labels_come_from_a_description_as_written(tmp_path):
    folder = tmp_path / "kobani"
    shutil.copytree(MINI, folder)
    meta = json.loads((folder / "dataset.json").read_text())
    meta["sides"] = {"government": "YPG", "opposition": {"description": "FSA"}, "islamic_state": {}}
    (folder / "dataset.json").write_text(json.dumps(meta))
    sides = jisrgeo.load(folder).vocabulary.sides
    assert (sides["government"].label, sides["opposition"].label, sides["islamic_state"].label) == ("YPG", "FSA", "Islamic state")


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "geojson"])
def test_control_says_how_each_state_is_known(cli, fmt):
    result = cli("control", "--date", "2015-05-10", "--format", fmt)
    assert result.exit_code == 0
    assert "basis" in result.stdout and "date_precision" in result.stdout
    if fmt == "json":
        rows = {r["place_id"]: r for r in json.loads(result.stdout)}
        assert (rows["frikah"]["basis"], rows["frikah"]["date_precision"]) == ("inferred", None)
        assert (rows["tal_hekmah"]["basis"], rows["tal_hekmah"]["date_precision"]) == ("reported", "range")
        assert rows["al_mastouma_camp"]["basis"] == "inferred"  # issue 26: ref 22 names no base


def test_control_basis_from_the_quick_path_and_the_full_load_agree(cli, tmp_path):
    folder = tmp_path / "aleppo"
    shutil.copytree(ALEPPO, folder)
    first = cli("control", "--date", "2014-01-23", "--data", folder, "--format", "csv").stdout  # loads, fills the cache
    again = cli("control", "--date", "2014-01-23", "--data", folder, "--format", "csv").stdout  # from the cache
    assert first == again and first.splitlines()[0].endswith(",basis,date_precision")
    assert {line.split(",")[-2] for line in first.splitlines()[1:]} <= {"reported", "inferred", ""}


def test_events_show_date_ranges_and_mark_period_tolls(cli):
    table = cli("events", "--date", "2015-04-25").stdout
    lines = table.splitlines()  # piped: a '# title' line, a header, then tab-separated rows
    header = next(line for line in lines if not line.startswith("#")).split("\t")
    row = dict(zip(header, next(line for line in lines if "2015-05-24-sohr-toll" in line).split("\t")))
    assert "period toll" in " ".join(row.values())
    assert "2015-04-22..2015-05-23" in row.values()
    rows = {r["event_id"]: r for r in json.loads(cli("events", "--date", "2015-04-25", "--format", "json").stdout)}
    toll = rows["2015-05-24-sohr-toll"]
    assert (toll["date"], toll["date_end"], toll["aggregate"]) == ("2015-04-22", "2015-05-23", True)
    assert rows["2015-04-25-town-falls"]["aggregate"] is False
    header = cli("events", "--format", "csv").stdout.splitlines()[0].split(",")
    assert {"date_end", "date_precision", "aggregate"} <= set(header)


def test_empty_tables_say_which_they_are(cli):
    output = cli("casualties", "--data", ALEPPO).stdout + cli("events", "--date", "2015-04-09", "--data", ALEPPO).stdout
    assert "(no rows)" in output
    assert all(line.strip() != "(no rows)" for line in output.splitlines())  # never untitled


def test_kind_and_within_errors_say_where_to_look(cli, mini_copy):
    from helpers import edit_layer

    edit_layer(mini_copy, "places.geojson", lambda c: c["features"][0]["properties"].update(kind="castle"))
    result = cli("validate", "--data", mini_copy)
    assert result.exit_code == 1 and '"place_kinds": {"castle"' in result.output
    result = cli("import", "ucdp", FIXTURES / "interop" / "ucdp_ged.csv", "--out", mini_copy.parent / "o",
                 "--within", "Kobani", "20km")
    assert result.exit_code == 2
    assert "Second battle of Jisr al-Shughur" in result.output and "bundled battle" in result.output
    assert "lon,lat" in result.output
    # with --into, the place is looked up there
    result = cli("import", "ucdp", FIXTURES / "interop" / "ucdp_ged.csv", "--out", mini_copy.parent / "o",
                 "--within", "Charlie", "20km", "--into", MINI)
    assert result.exit_code == 0, result.output


def test_public_functions_take_a_dataset_or_a_path(bundled):
    from jisrgeo import compare, query

    by_path = jisrgeo.distance("alpha", "charlie", dataset=MINI)
    by_dataset = jisrgeo.distance("alpha", "charlie", dataset=jisrgeo.load(MINI))
    assert by_path == by_dataset and by_path.distance_m == pytest.approx(27138, abs=5)
    with pytest.raises(jisrgeo.DataError):
        jisrgeo.distance("kobani", "suruc", dataset="no-such-battle")  # a clear error, not an AttributeError
    assert claims.check_claims(ALEPPO).equals(claims.check_claims(jisrgeo.load(ALEPPO)))
    assert query.within(MINI, "alpha", 50_000).equals(query.within(jisrgeo.load(MINI), "alpha", 50_000))
    assert len(compare.compare(MINI, MINI)["matched"]) == 3  # the period toll is not an event


@pytest.mark.parametrize("fmt, out", [("gpkg", "x.gpkg"), ("parquet", "pq")])
def test_validate_accepts_what_data_accepts(cli, tmp_path, fmt, out):
    assert cli("export", "--format", fmt, "--data", ALEPPO, "--out", tmp_path / out).exit_code == 0
    assert cli("validate", tmp_path / out).exit_code == 0
    assert cli("validate", "--data", tmp_path / out).exit_code == 0
    assert jisrgeo.validate(tmp_path / out) == []
    assert jisrgeo.load(tmp_path / out).name == jisrgeo.load(ALEPPO).name
    (tmp_path / "broken.gpkg").write_text("not a geopackage")
    result = cli("validate", tmp_path / "broken.gpkg")
    assert result.exit_code == 1 and "cannot open as a GeoPackage" in result.output
