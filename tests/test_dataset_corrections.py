"""Facts corrected against the article in issue 26, each pinned through the public API and CLI."""

import json
import shutil

import pandas as pd
from click.testing import CliRunner

from jisrgeo import claims
from jisrgeo.cli import main


def _event(ds, eid):
    return ds.events.set_index("event_id").loc[eid]


def _place(ds, pid):
    return ds.places.set_index("place_id").loc[pid]


def test_darkoush_has_no_inferred_controller_and_the_articles_refs(bundled):
    # Refs 62-65: the article never says who held Darkoush, only that it was bombed.
    assert bundled.history("darkoush").empty
    assert sorted(_place(bundled, "darkoush")["refs"]) == [62, 63, 64, 65]
    state = bundled.control("2015-04-09").set_index("place_id").loc["darkoush"]
    assert pd.isna(state["controller"])


def test_muhambal_never_changes_hands(bundled):
    # The article never names Muhambal (ref 80 speaks of the Maassara checkpoint and "a dozen villages"):
    # it stays only as a locator, with no control and so no ground of its own.
    assert bundled.history("muhambal").empty
    for day in ("2015-06-05", "2015-06-06"):
        assert pd.isna(bundled.control(day).set_index("place_id").loc["muhambal", "controller"])
        zones = bundled.areas(day)
        assert not zones["zone_id"].str.endswith(".muhambal").any() and "muhambal" not in set(zones["place_id"])


def test_mastouma_camp_opening_state_is_inferred(bundled):
    # Ref 22 counts five bases without naming them; ref 23 has the camp attacked on 9 April.
    first = bundled.history("al_mastouma_camp").iloc[0]
    assert first["basis"] == "inferred" and sorted(first["refs"]) == [22, 23]


def test_hospital_location_cites_only_the_source(bundled):
    source = _place(bundled, "national_hospital")["location_source"]
    assert "other reports" not in source and "ref 41" in source and "ref 54" in source


def test_checkpoint_and_camp_positions_agree_with_the_article(bundled):
    table = claims.check_claims(bundled).set_index("claim_id")
    # Tal Hekmah is on the town's outskirts (ref 12); al-Qarmid is near Ariha (ref 68).
    assert table.loc["tal_hekmah_on_outskirts", "verdict"] == "agrees"
    assert table.loc["tal_hekmah_on_outskirts", "computed_m"] < 4000
    assert table.loc["qarmid_near_ariha", "verdict"] == "agrees"
    assert table.loc["qarmid_near_ariha", "computed_m"] < 5000
    for pid in ("tal_hekmah", "al_qarmid_camp"):
        assert "not in GeoNames cities1000" in _place(bundled, pid)["location_source"]
    # events at these places sit on the corrected positions
    for eid, pid in (("2015-04-24-checkpoints-fall", "tal_hekmah"), ("2015-04-27-qarmid-camp-taken", "al_qarmid_camp")):
        assert _event(bundled, eid).geometry.equals(_place(bundled, pid).geometry)


def test_claims_command_flags_a_far_away_near_claim(tmp_path, bundled):
    folder = tmp_path / "battle"
    shutil.copytree(bundled.folder, folder)
    places = json.loads((folder / "places.geojson").read_text(encoding="utf-8"))
    for f in places["features"]:
        if f["properties"]["place_id"] == "al_qarmid_camp":
            f["geometry"]["coordinates"] = [36.64, 35.89]  # the old position, 8.9 km from Ariha
    (folder / "places.geojson").write_text(json.dumps(places, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["claims", "--data", str(folder), "--format", "csv"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("qarmid_near_ariha"))
    assert "disagrees (distance)" in row


def test_may_1_assault_is_credited_to_the_rebels(bundled):
    assert _event(bundled, "2015-05-01-hospital-assault")["actor1"] == "rebel forces"  # ref 46: "les rebelles"


def test_may_22_pursuit_losses_are_an_unquantified_figure(bundled):
    figures = bundled.casualties[bundled.casualties["event_id"] == "2015-05-22-hospital-breakout"]
    assert len(figures) == 1
    figure = figures.iloc[0]
    assert (figure["side"], figure["qualifier"]) == ("government", "vague")
    assert figure[["low", "best", "high"]].isna().all()


def test_infobox_coordinate_is_recorded(bundled):
    assert "35°48′00″N 36°19′00″E" in _place(bundled, "jisr_al_shughur")["location_source"]


def test_sources_publishers(bundled):
    sources = bundled.sources.set_index("ref")
    assert not sources.at[18, "publisher"]  # an author (Hasan Mustafa), no outlet
    assert not sources.at[24, "publisher"] and sources.at[24, "agency"] == "AFP"  # archive.fo is an archive host
    assert sources.at[15, "publisher"] == "The Long War Journal"
    assert sources.at[78, "publisher"] == "Twitter"
    assert (sources.at[81, "publisher"], sources.at[81, "agency"]) == ("AP NEWS", "AP")


def test_notes_keep_plain_numbers_plain(bundled):
    # The article gives 50,000 inhabitants, 3 km and three hours without "about".
    assert "about 50,000" not in _place(bundled, "jisr_al_shughur")["note"]
    assert "about 3 km" not in _event(bundled, "2015-05-22-hospital-breakout")["note"]
    assert "about three hours" not in _event(bundled, "2015-05-28-ariha-falls")["note"]
    assert "about three hours" not in _place(bundled, "ariha")["note"]
    assert "about 3 km" not in next(c["text"] for c in bundled.claims if c["claim_id"] == "breakout_length")
    breakout = bundled.routes.set_index("route_id").loc["hospital_breakout"]
    assert "about" not in breakout["stated_length_text"] and "about" not in breakout["note"]
    # SOHR's 150 besieged soldiers (refs 42, 43) are a plain number; "a hundred civilians" is the article's own "about"
    sohr = bundled.forces["hospital_garrison"][0]
    assert sohr["note"].startswith("150 soldiers") and "around a hundred civilians" in sohr["note"]
