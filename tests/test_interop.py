"""Issue 16: ACLED and UCDP GED in (import), out (export) and side by side (compare)."""

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

import jisrgeo
from jisrgeo.export.conflict import actor_rules, actor_side
from jisrgeo.io import acled, ucdp

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "interop"
ACLED, GED, SIDES = FIXTURES / "acled.csv", FIXTURES / "ucdp_ged.csv", FIXTURES / "sides.json"


def _import(cli, kind, source, out, *extra):
    result = cli("import", kind, source, "--out", out, "--sides", SIDES, "--report", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _events(ds):
    return ds.events.set_index("event_id")


def test_acled_import_maps_dates_places_types_and_deaths(cli, tmp_path):
    report = _import(cli, "acled", ACLED, tmp_path / "a")
    assert cli("validate", "--data", tmp_path / "a").exit_code == 0
    assert [s["line"] for s in report["skipped"]] == [9, 13]  # no coordinates; too few columns
    assert "no coordinates" in report["skipped"][0]["reason"]
    assert "Unidentified Armed Group (Syria)" in report["unmatched_actors"]
    assert "Jaish al-Fatah" not in report["unmatched_actors"]  # matched, case-insensitively
    ds = jisrgeo.load(tmp_path / "a")
    events = _events(ds)
    assert str(events.loc["acled_SYR1002", "date"].date()) == "2015-04-23"  # '23 April 2015'
    week = events.loc["acled_SYR1003"]  # time_precision 2: the week around the date
    assert (str(week["date"].date()), str(week["date_end"].date()), week["date_precision"]) == ("2015-04-22", "2015-04-28", "range")
    month = events.loc["acled_SYR1004"]
    assert (str(month["date"].date()), str(month["date_end"].date()), month["date_precision"]) == ("2015-05-01", "2015-05-31", "month")
    assert events.loc["acled_SYR1004", "precision_m"] == 25_000 and events.loc["acled_SYR1007", "precision_m"] == 100_000
    assert events.loc["acled_SYR1002", "type"] == "air_strike" and events.loc["acled_SYR1010", "type"] == "remote_explosive"
    assert "Explosions/Remote violence / Air/drone strike" in events.loc["acled_SYR1002", "note"]  # verbatim kept
    assert '"dozens" of militants killed, state media says' in events.loc["acled_SYR1002", "note"]  # quoted comma
    assert events.loc["acled_SYR1002", "killed_unknown_best"] == 30  # fatalities: best, side unknown
    assert events.loc["acled_SYR1002", "claimant"] == "SANA"
    ariha = ds.places[ds.places["name"].str.startswith("Ariha")]
    assert len(ariha) == 2  # 17 km apart: two places; the two rows 60 m apart share one
    assert set(ds.sources["publisher"]) >= {"SOHR", "SANA", "SOHR; Reuters"}
    assert len(ds.changes()) == 0 and ds.period[0].date().isoformat() == "2015-04-22"


def test_ged_import_maps_ranges_precisions_and_deaths_by_side(cli, tmp_path):
    report = _import(cli, "ucdp", GED, tmp_path / "g")
    assert cli("validate", "--data", tmp_path / "g").exit_code == 0
    assert len(report["skipped"]) == 2 and report["imported"] == 8
    assert set(report["unmatched_actors"]) == {"Civilians", "Some Armed Faction"}
    events = _events(jisrgeo.load(tmp_path / "g"))
    assert events.loc["ged_200001", "date_precision"] == "day"
    for gid, start, end in (("ged_200002", "2015-05-21", "2015-05-23"), ("ged_200003", "2015-05-04", "2015-05-10"),
                            ("ged_200004", "2015-05-01", "2015-05-28"), ("ged_200005", "2015-05-13", "2015-06-20")):
        row = events.loc[gid]
        assert (str(row["date"].date()), str(row["date_end"].date()), row["date_precision"]) == (start, end, "range")
    expected = {f"ged_20000{i}": ucdp.WHERE_PREC_M[p] for i, p in ((1, 1), (4, 2), (5, 3), (3, 4), (6, 5), (7, 6), (8, 7))}
    assert {k: events.loc[k, "precision_m"] for k in expected} == expected
    first = events.loc["ged_200001"]  # side_a government, side_b opposition, through sides.json
    assert (first["killed_government_best"], first["killed_opposition_best"], first["killed_civilian_best"]) == (30, 20, 5)
    assert "low 40, best 55, high 90" in first["note"]
    assert events.loc["ged_200005", "killed_islamic_state_best"] == 50  # "IS", an exact rule
    assert events.loc["ged_200003", "type"] == "attack_on_civilians"


def test_strict_stops_at_the_first_bad_row(cli, tmp_path):
    result = cli("import", "acled", ACLED, "--out", tmp_path / "a", "--strict")
    assert result.exit_code == 1 and "line 9" in result.output and not (tmp_path / "a").exists()


@pytest.mark.parametrize("extra, kept", [
    (["--country", "syria"], 9),
    (["--from", "2015-05-20", "--to", "2015-05-31"], 5),  # the month-long range of SYR1004 overlaps
    (["--bbox", "36.2", "35.7", "36.4", "35.9"], 4),
    (["--within", "Jisr al-Shughur", "3km"], 4),
    (["--within", "38.28,34.56", "1km"], 1),
])
def test_filters(cli, tmp_path, extra, kept):
    report = _import(cli, "acled", ACLED, tmp_path / "a", *extra)
    assert report["imported"] == kept and report["filtered_out"] == 10 - kept


def test_bad_input_is_one_clear_line(cli, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("event_id_cnty,event_date\nX,2015-01-01\n")
    result = cli("import", "acled", broken, "--out", tmp_path / "a")
    assert result.exit_code == 1 and "latitude" in result.output and "column missing" in result.output
    bad_sides = tmp_path / "sides.json"
    bad_sides.write_text('["not", "a", "mapping"]')
    assert cli("import", "ucdp", GED, "--out", tmp_path / "g", "--sides", bad_sides).exit_code == 2
    assert cli("import", "ucdp", GED, "--out", tmp_path / "g", "--from", "May").exit_code == 2


def test_imported_events_are_mapped_and_exported(cli, tmp_path):
    _import(cli, "ucdp", GED, tmp_path / "g")
    assert cli("build", "--data", tmp_path / "g", "--out", tmp_path / "maps").exit_code == 0
    assert (tmp_path / "maps" / "day.html").is_file()
    assert not (tmp_path / "maps" / "days").exists()  # no old per-day links to keep: no redirect per day
    assert cli("export", "--format", "gpkg", "--data", tmp_path / "g", "--out", tmp_path / "g.gpkg").exit_code == 0


def test_python_twins_return_a_dataset_and_the_report():
    ds, report = jisrgeo.read_acled(ACLED, sides=json.loads(SIDES.read_text()), country="Syria")
    assert len(ds.events) == report["imported"] == 9 and report["skipped"][0]["line"] == 9
    ds, report = jisrgeo.read_ucdp(GED, start="2015-05-01", end="2015-05-31")
    assert set(ds.events["event_id"]) == {"ged_200002", "ged_200003", "ged_200004", "ged_200005"}


def test_import_into_an_existing_dataset_keeps_rival_records_apart(cli, tmp_path):
    _import(cli, "ucdp", GED, tmp_path / "merged", "--into", jisrgeo.io.bundled_path())
    merged, bundled = jisrgeo.load(tmp_path / "merged"), jisrgeo.load()
    assert len(merged.events) == len(bundled.events) + 8
    breakout = _events(merged).loc["ged_200002"]
    assert breakout["place_id"] == "national_hospital"  # same name, 36 m away: the existing place
    assert breakout["claimant"].startswith("AFP")
    assert len(merged.sources) == len(bundled.sources) + 8
    state, before = merged.control("2015-05-10"), bundled.control("2015-05-10")
    assert state.head(len(before)).equals(before)  # control untouched
    assert state.iloc[len(before):]["controller"].isna().all()  # new places: no control recorded


@pytest.mark.parametrize("fmt, module, name", [("acled", acled, "acled.csv"), ("ucdp", ucdp, "ucdp_ged.csv")])
def test_export_in_their_layouts_round_trips(cli, tmp_path, fmt, module, name):
    assert cli("export", "--format", fmt, "--out", tmp_path / "out").exit_code == 0
    with open(tmp_path / "out" / name, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(module.COLUMNS)
    bundled = jisrgeo.load()
    events = bundled.events[~bundled.events["aggregate"]]  # period tolls are left out
    assert len(rows) == len(events)
    report = _import(cli, fmt, tmp_path / "out" / name, tmp_path / "back")
    assert report["imported"] == len(events) and report["skipped"] == []
    back = jisrgeo.load(tmp_path / "back")
    ours = bundled.events.set_index("event_id")
    prefix = "acled_" if fmt == "acled" else "ged_"
    for event_id in ("2015-05-22-hospital-breakout", "2015-04-25-town-falls"):
        assert back.events.set_index("event_id").loc[prefix + event_id, "date"] == ours.loc[event_id, "date"]


def test_compare_a_ged_import_with_the_bundled_battle(cli, tmp_path):
    _import(cli, "ucdp", GED, tmp_path / "g")
    result = cli("compare", tmp_path / "g", "--within", "2km", "--days", "1", "--format", "json")
    assert result.exit_code == 0
    parts = json.loads(result.stdout)
    pairs = {(p["event_id_a"], p["event_id_b"]) for p in parts["matched"]}
    assert ("2015-05-22-hospital-breakout", "ged_200002") in pairs
    breakout = next(p for p in parts["matched"] if p["event_id_b"] == "ged_200002")
    assert breakout["killed_b"] == "government: 45; opposition: 10; unknown: 2" and breakout["distance_m"] < 2000
    matched_b = {p["event_id_b"] for p in parts["matched"]}
    assert {e["event_id"] for e in parts["only-theirs"]} == {f"ged_20000{i}" for i in range(1, 9)} - matched_b
    assert "ged_200008" in {e["event_id"] for e in parts["only-theirs"]}  # at sea: nothing of ours near
    assert not any(p["aggregate_a"] for p in parts["matched"])  # period tolls are not events
    table = cli("compare", tmp_path / "g", "--within", "2km")
    assert table.exit_code == 0 and "matched" in table.output
    assert cli("compare", tmp_path / "g", "--within", "far").exit_code == 2


def test_a_refused_out_is_said_before_reading_and_nothing_of_yours_is_touched(cli, tmp_path, monkeypatch):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.md").write_text("my words")
    import jisrgeo.io.ingest as ingest

    def read_rows(*args, **kwargs):
        raise RuntimeError("the file was read")
    monkeypatch.setattr(ingest, "read_rows", read_rows)
    result = cli("import", "acled", ACLED, "--out", mine)
    assert result.exit_code == 1 and "thesis" in result.output
    assert [p.name for p in mine.iterdir()] == ["chapter1.md"]
    copy = tmp_path / "csvs"
    copy.mkdir()
    (copy / "acled.csv").write_bytes(ACLED.read_bytes())
    assert cli("import", "acled", copy / "acled.csv", "--out", copy).exit_code == 1  # the folder holding the input
    with pytest.raises(RuntimeError, match="was read"):  # an allowed --out: only then is the file read
        cli("import", "acled", copy / "acled.csv", "--out", copy / "out")


def test_compare_prefers_the_precisely_dated_event(tmp_path):
    """Theirs: a month-long range on the spot and a dated event 90 m away. Ours, dated, pairs with the dated one."""
    from jisrgeo.compare import compare

    with open(GED, newline="", encoding="utf-8") as handle:
        base = list(csv.DictReader(handle))[1]

    def dataset(name, *rows):
        target = tmp_path / f"{name}.csv"
        with open(target, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(ucdp.COLUMNS))
            writer.writeheader()
            writer.writerows({**base, **row} for row in rows)
        return jisrgeo.read_ucdp(target)[0]
    ours = dataset("ours", {"id": "1", "date_prec": "1", "date_start": "2015-05-22", "date_end": "2015-05-22"})
    theirs = dataset("theirs", {"id": "2", "date_prec": "4", "date_start": "2015-05-01", "date_end": "2015-05-30"},
                     {"id": "3", "date_prec": "1", "date_start": "2015-05-22", "date_end": "2015-05-22", "latitude": "35.8060"})
    pairs = compare(ours, theirs, within_m=2000, days=0)["matched"]
    assert list(pairs["event_id_b"]) == ["ged_3"]


def test_hostile_text_in_an_import_reaches_the_maps_as_text(cli, tmp_path):
    """Actor, location, source and notes of a CSV are data: escaped in every page, never run as a template."""
    payload = "<script>alert(1)</script>{{ 7*7 }}{% for x in y %}"
    with open(ACLED, newline="", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    row.update(location=payload, actor1=payload, source=payload, notes=payload)
    target = tmp_path / "hostile.csv"
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(acled.COLUMNS))
        writer.writeheader()
        writer.writerow(row)
    _import(cli, "acled", target, tmp_path / "data")
    assert cli("build", "--data", tmp_path / "data", "--out", tmp_path / "maps").exit_code == 0
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "maps").rglob("*.html")]
    pages.append((tmp_path / "maps" / "places.js").read_text(encoding="utf-8"))
    assert not any("<script>alert(1)" in page for page in pages)
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in page for page in pages)
    assert not any(">49<" in page or "alert(1)</script>49" in page for page in pages)


# -- issue 31: self-describing exports, round trips that keep meaning -----------------------------------------

BUNDLED_ACTOR_RULES = {"rebel*": "opposition", "*Syrian Arab Army*": "government", "Islamic State": "islamic_state",
                       "Army of Conquest*": "opposition", "al-Nusra Front*": "opposition",
                       "Syrian Air Force*": "government"}
FILES = {"acled": "acled.csv", "ucdp": "ucdp_ged.csv"}


def _totals(ds, **kwargs):
    from jisrgeo import claims

    return {(r.side, r.outcome): (r.low, r.best, r.high) for r in claims.casualty_totals(ds, **kwargs).itertuples()}


def _round_trip(cli, tmp_path, fmt, folder, rules):
    out = tmp_path / f"out-{fmt}"
    args = ("--data", folder) if folder else ()
    result = cli("export", "--format", fmt, "--out", out, *args)
    assert result.exit_code == 0, result.output
    extra = ()
    if rules is not None:
        (tmp_path / "actors.json").write_text(json.dumps(rules), encoding="utf-8")
        extra = ("--sides", tmp_path / "actors.json")
    result = cli("import", fmt, out / FILES[fmt], "--out", tmp_path / f"back-{fmt}", *extra)
    assert result.exit_code == 0, result.output
    with open(out / FILES[fmt], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows, jisrgeo.load(tmp_path / f"back-{fmt}")


@pytest.mark.parametrize("fmt", ["acled", "ucdp"])
@pytest.mark.parametrize("battle", ["bundled", "city"])
@pytest.mark.parametrize("with_rules", [False, True], ids=["no-sides-file", "actor-names"])
def test_round_trip_keeps_every_sides_totals_and_allegations_apart(cli, tmp_path, fmt, battle, with_rules):
    from conflictgen import ACTOR_RULES, city_battle

    folder = city_battle(tmp_path / "city") if battle == "city" else None
    ds = jisrgeo.load(folder)
    rules = (ACTOR_RULES if battle == "city" else BUNDLED_ACTOR_RULES) if with_rules else None
    rows, back = _round_trip(cli, tmp_path, fmt, folder, rules)
    assert _totals(back) == _totals(ds)  # every side, every outcome (missing, captured), low/best/high
    assert _totals(back, allegations="only") == _totals(ds, allegations="only") != {}
    # sides come back with their labels, colours, alliances and neutrality, without any sides file
    assert {c: (s.label, s.color, s.allies, s.neutral) for c, s in back.vocabulary.sides.items()} == \
        {c: (s.label, s.color, s.allies, s.neutral) for c, s in ds.vocabulary.sides.items()}
    assert back.meta["country"] == ds.meta["country"]
    # other tools see one name per side and no alleged deaths
    labels = {s.label for s in ds.vocabulary.sides.values()}
    rules_of_ds = actor_rules(ds)
    alleged = {e for e, t in zip(ds.events["event_id"], ds.events["type"]) if t == "massacre_claim"}
    country = ds.meta["country"]
    for row in rows:
        if fmt == "acled":
            assert (row["country"], row["iso"]) == (country["name"], str(country["iso"]))
            named = [row["actor1"], row["actor2"]]
            deaths = [row["fatalities"]]
        else:
            assert (row["country"], row["country_id"]) == (country["name"], str(country["gwno"]))
            named = [row["side_a"], row["side_b"]]
            deaths = [row[k] for k in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best")]
        event = row["event_id_cnty" if fmt == "acled" else "id"]
        # one name per side: an actor a side declares is written as that side's label, never in its own words
        assert all(n in labels for n in named if actor_side(rules_of_ds, n)), row
        if event in alleged:
            assert set(deaths) <= {"0"} and (row["notes" if fmt == "acled" else "source_headline"]).startswith("Allegation")


def test_city_round_trip_keeps_dates_qualifiers_types_and_actors(cli, tmp_path):
    from conflictgen import city_battle

    folder = city_battle(tmp_path / "city")
    ds = jisrgeo.load(folder)
    for fmt in ("acled", "ucdp"):
        rows, back = _round_trip(cli, tmp_path, fmt, folder, None)
        by_note = back.events.set_index(back.events["note"].str.extract(r"Generated event (c\d+)")[0])
        first = by_note.loc["c1"]
        assert (str(first["date"].date()), str(first["date_end"].date()), first["date_precision"]) == \
            ("2016-11-20", "2016-11-22", "range")  # not widened to the week
        assert (first["actor1"], first["type"]) == ("rebel fighters", "armed_clash")
        assert by_note.loc["c8", "date_precision"] == "month"
        assert sorted(back.events["type"]) == sorted(ds.events.loc[~ds.events["aggregate"], "type"])
        figures = back.casualties.merge(back.events[["event_id", "note"]], on="event_id")
        more = figures[figures["note"].str.contains("event c1\\.") & (figures["side"] == "rebels")].iloc[0]
        assert (more["qualifier"], more["low"], more["best"]) == ("more_than", 200, 200) and pd.isna(more["high"])
        missing = figures[figures["outcome"] == "missing"].iloc[0]
        assert (missing["side"], missing["best"]) == ("army", 36)
        vague = figures[figures["qualifier"] == "vague"].iloc[0]
        assert vague["text"] == "several" and pd.isna(vague["best"])
        row = next(r for r in rows if r["event_id_cnty" if fmt == "acled" else "id"] == "c1")
        if fmt == "ucdp":
            assert row["high"] == ""  # "more than 200" states no high: none is invented
            assert (row["side_a"], row["side_b"]) == ("Liberation Front", "National Army")
        else:
            assert (row["actor1"], row["assoc_actor_1"]) == ("Liberation Front", "rebel fighters")
