"""Facts of the bundled dataset checked against the article (issue 14's reading), through the public API."""

import pandas as pd



def _event(ds, eid):
    return ds.events.set_index("event_id").loc[eid]


def _figures(ds, eid):
    return ds.casualties[ds.casualties["event_id"] == eid].set_index("outcome")


def test_al_mastouma_camp_falls_on_19_may(bundled):
    taken = _event(bundled, "2015-05-19-mastouma-camp-taken")
    assert taken["date"] == pd.Timestamp("2015-05-19") and pd.isna(taken["date_end"]) and taken["date_precision"] == "day"
    state = bundled.control("2015-05-17").set_index("place_id").loc["al_mastouma_camp"]
    assert (state["controller"], state["status"]) == ("government", "contested")
    fighting = _figures(bundled, "2015-05-17-mastouma-fighting").loc["killed"]
    assert fighting["low"] == 16 and fighting["qualifier"] == "at_least"


def test_frikah_village_never_changes_hands(bundled):
    assert len(bundled.history("frikah")) == 1 and bundled.history("frikah")["controller"].iloc[0] == "government"


def test_darkoush_keeps_the_articles_references_and_no_invented_side(bundled):
    raid = _event(bundled, "2015-04-26-darkoush-air-raids")
    assert sorted(raid["refs"]) == [62, 63, 64, 65]
    figures = _figures(bundled, "2015-04-26-darkoush-air-raids")
    assert figures.loc["killed", "side"] == "unknown" and figures.loc["women_and_children_killed", "low"] == 17


def test_the_6000_figure_is_sohrs(bundled):
    strength = _event(bundled, "2015-05-06-counter-offensive-strength")
    assert strength["claimant"] == "Syrian Observatory for Human Rights" and list(strength["refs"]) == [1]
    assert _event(bundled, "2015-05-06-counter-offensive")["claimant"] == "AFP"


def test_vague_quantities_carry_no_invented_number(bundled):
    vague = bundled.casualties[bundled.casualties["qualifier"] == "vague"]
    assert set(vague["text"]) == {"several tens", "several thousand", "several killed, wounded or taken prisoner in the pursuit"}
    assert vague[["low", "best", "high"]].isna().all().all()
    assert _event(bundled, "2015-05-01-hospital-assault")["date_precision"] == "day"


def test_officer_ranks_are_structured(bundled):
    ranks = _figures(bundled, "2015-05-24-sohr-toll")
    listed = ranks.loc[["generals_killed", "colonels_killed", "lieutenant_colonels_killed", "majors_killed",
                        "captains_killed", "lieutenants_killed"], "best"].sum()
    assert ranks.loc["officers_killed", "best"] == 90 and listed == 89  # the article lists 89 ranks for 90 officers


def test_every_figure_says_how_it_is_worded(bundled):
    assert bundled.casualties["qualifier"].notna().all()


def test_publisher_and_agency_are_two_fields(bundled):
    sources = bundled.sources.set_index("ref")
    assert not sources.drop(78)["publisher"].str.contains(r"\(", regex=True).any()  # 78 names the account, not an agency
    assert {r for r in sources.index if sources.at[r, "agency"] == "AFP"} >= {8, 12, 16, 29, 33, 42, 44, 45, 57, 64, 71, 76, 77, 80}
    assert sources.at[47, "agency"] == "Reuters" and not sources.at[18, "publisher"]  # 18 names an author, no outlet


def test_no_fate_without_a_source(bundled):
    sabha = next(c for c in bundled.forces["commanders"] if c["name"] == "Colonel Sabha")
    assert sabha["fate"] is None and "breakout" not in sabha["note"]


def test_nahlaya_date_is_an_inference(bundled):
    assert bundled.history("nahlaya")["basis"].iloc[-1] == "inferred"
