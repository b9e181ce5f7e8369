import json


def test_place_json_has_the_documented_keys(cli):
    result = cli("place", "Jisr al-Choghour", "--format", "json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert {"place_id", "name", "lat", "lon", "kind", "aliases", "precision_m"} <= set(record)
    assert record["place_id"] == "jisr_al_shughur"
    assert abs(record["lat"] - 35.81426) < 1e-6 and abs(record["lon"] - 36.32062) < 1e-6


def test_place_table_shows_the_name(cli):
    result = cli("place", "ariha")
    assert result.exit_code == 0 and "Ariha" in result.stdout and "35.81374" in result.stdout


def test_unknown_place_is_a_usage_error_with_suggestions(cli):
    result = cli("place", "Jisr al-Choghur")
    assert result.exit_code == 2
    assert "did you mean" in result.output and "Jisr al-Shughur" in result.output


def test_events_json_filtered_by_place_and_date(cli, bundled):
    result = cli("events", "--place", "hôpital national", "--date", "2015-05-10", "--format", "json")
    rows = json.loads(result.stdout)
    assert [r["event_id"] for r in rows] == ["2015-05-10-hospital-assault", "2015-05-10-hospital-building-entered"]
    assert {"event_id", "date", "place_id", "type", "refs"} <= set(rows[0])
    assert rows[0]["refs"] == [42, 53, 54, 55, 8]


def test_events_date_filter_includes_ranges_covering_the_day(cli):
    rows = json.loads(cli("events", "--date", "2015-05-02", "--format", "json").stdout)
    assert "2015-05-01-nusra-dead" in [r["event_id"] for r in rows]  # dated 1-2 May (the article says both)


def test_events_table_and_bad_date(cli):
    assert "2015-04-25-town-falls" in cli("events", "--place", "Jisr al-Shughur").stdout
    bad = cli("events", "--date", "05/06/2015")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
