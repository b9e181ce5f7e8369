"""One-off: the corrections of issue 14 (a line-by-line reading of the dataset against the article).

Kept as a script so that each change is reviewable in one place; run once from the repository root.
Every figure gets a `qualifier` from the article's wording (see docs/format.md, Figures).
"""

import json
from pathlib import Path

GEO = Path("geodata")
SOHR = "Syrian Observatory for Human Rights"


def load(name):
    return json.loads((GEO / name).read_text(encoding="utf-8"))


def save_layer(name, content):
    lines = ",\n".join(json.dumps(f, ensure_ascii=False) for f in content["features"])
    (GEO / name).write_text('{"type": "FeatureCollection", "features": [\n' + lines + "\n]}\n", encoding="utf-8")


def fig(side, outcome, qualifier, low=None, best=None, high=None, text=None):
    out = {"side": side, "outcome": outcome, "qualifier": qualifier, "low": low, "best": best, "high": high}
    if text:
        out["text"] = text
    return out


exact = lambda s, o, n: fig(s, o, "exact", best=n)  # noqa: E731
at_least = lambda s, o, n: fig(s, o, "at_least", n, n)  # noqa: E731
more_than = lambda s, o, n: fig(s, o, "more_than", n, n)  # noqa: E731
about = lambda s, o, n: fig(s, o, "about", best=n)  # noqa: E731

# event id: (casualties, counts) re-encoded from the article's wording
FIGURES = {
    "2015-04-21-jisr-shelling": ([exact("civilian", "killed", 7)], []),
    "2015-04-30-almasdar-toll": ([exact("government", "killed", 92), exact("government", "wounded", 112),
                                  fig("opposition", "killed", "range", 350, None, 500)], []),
    "2015-05-24-sohr-toll": ([at_least("government", "killed", 261), exact("government", "captured_or_missing", 300)],
                             [exact("government", "officers_killed", 90), exact("government", "generals_killed", 11),
                              exact("government", "colonels_killed", 11), exact("government", "lieutenant_colonels_killed", 3),
                              exact("government", "majors_killed", 10), exact("government", "captains_killed", 25),
                              exact("government", "lieutenants_killed", 29)]),
    "2015-tip-losses": ([at_least("opposition", "killed", 20)], []),
    "2015-04-23-opposition-dead": ([exact("opposition", "killed", 43)], [exact("opposition", "chechens_killed", 13)]),
    "2015-04-23-rebels-reach-town": ([], [fig("opposition", "fighters_engaged", "vague", text="several thousand")]),
    "2015-04-23-suicide-attacks": ([], [at_least("opposition", "suicide_bombers", 15)]),
    "2015-04-24-air-raids": ([], [exact("government", "air_raids", 70)]),
    "2015-04-24-checkpoints-fall": ([], [exact("government", "checkpoints_lost", 4), exact("government", "checkpoints_attacked", 7)]),
    "2015-04-25-air-strikes-town": ([exact("opposition", "killed", 20), at_least("civilian", "killed", 7)], []),
    "2015-04-25-clash-dead": ([exact("opposition", "killed", 5)], []),
    "2015-04-25-ghab-barrel-bombs": ([], [at_least("government", "barrel_bombs", 32)]),
    "2015-04-25-hospital-executions": ([exact("unknown", "killed", 23)], []),
    "2015-04-25-nusra-photos-claim": ([exact("unknown", "killed", 14)], []),
    "2015-04-25-prisoners-taken": ([exact("unknown", "captured", 200)], []),
    "2015-04-25-sana-massacre-claim": ([more_than("civilian", "killed", 30)], []),
    "2015-04-25-town-falls": ([at_least("government", "killed", 60)], []),
    "2015-04-26-darkoush-air-raids": ([at_least("unknown", "killed", 53)], [at_least("civilian", "women_and_children_killed", 17)]),
    "2015-04-26-darkoush-sohr-title": ([exact("unknown", "killed", 40)], []),
    "2015-04-26-idlib-bombing-toll": ([at_least("civilian", "killed", 73)],
                                      [exact("civilian", "women_killed", 11), exact("civilian", "children_killed", 19)]),
    "2015-04-27-ishtabraq-massacre-claim": ([exact("civilian", "killed", 200)], []),
    "2015-04-27-qarmid-barrel-bombs": ([], [about("government", "barrel_bombs", 10)]),
    "2015-04-27-qarmid-camp-taken": ([at_least("government", "killed", 15), exact("opposition", "killed", 8)],
                                     [exact("government", "tanks_destroyed", 3), exact("government", "tanks_captured", 7),
                                      exact("government", "guns_captured", 6), exact("opposition", "suicide_bombers_killed", 2)]),
    "2015-05-07-air-strikes": ([], [more_than("government", "air_raids", 50)]),
    "2015-05-07-alawin-frikah-attack": ([at_least("government", "killed", 14)], [exact("government", "tanks_destroyed", 2)]),
    "2015-05-10-hospital-assault": ([at_least("government", "killed", 32), at_least("opposition", "killed", 40)], []),
    "2015-05-14-brigadier-general": ([exact("government", "killed", 1)], []),
    "2015-05-14-mansour-dies": ([exact("government", "killed", 1)], []),
    "2015-05-14-rebel-dead": ([exact("opposition", "killed", 5)], []),
    "2015-05-22-nusra-dead": ([exact("opposition", "killed", 2)], []),
    "2015-05-28-ariha-executions": ([exact("government", "killed", 13)], []),
    "2015-05-28-ariha-falls": ([exact("government", "killed", 18)], []),
    "2015-06-06-maassara-road": ([at_least("opposition", "killed", 13), at_least("government", "killed", 32)],
                                 [about("government", "villages_lost", 10)]),
}


def event(eid, date, place, coords, type_, claimant, refs, note, date_end=None, casualties=(), counts=(), **extra):
    props = {"event_id": eid, "date": date, "date_end": date_end, "date_precision": "range" if date_end else "day",
             "place_id": place, "type": type_, "actor1": extra.pop("actor1", None), "actor2": extra.pop("actor2", None),
             "claimant": claimant, "casualties": list(casualties), "counts": list(counts),
             "incident": extra.pop("incident", eid), "aggregate": False, "refs": refs, "note": note, **extra}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coords}, "properties": props}


def fix_events():
    content = load("events.geojson")
    places = {f["properties"]["place_id"]: f["geometry"]["coordinates"] for f in load("places.geojson")["features"]}
    features = []
    for feature in content["features"]:
        p = feature["properties"]
        eid = p["event_id"]
        if eid in FIGURES:
            p["casualties"], p["counts"] = (list(x) for x in FIGURES[eid])
        if eid == "2015-05-17-mastouma-camp-taken":  # 1: the camp falls on 19 May; the fighting is its own record
            features.append(event("2015-05-17-mastouma-fighting", "2015-05-17", "al_mastouma_camp", places["al_mastouma_camp"],
                                  "armed_clash", SOHR, [71, 75], "Two days of fighting for the camp before it fell; SOHR "
                                  "counts at least 16 rebels killed over the fighting, without a day.", date_end="2015-05-19",
                                  casualties=[at_least("opposition", "killed", 16)], actor1="Army of Conquest",
                                  actor2="Syrian Arab Army"))
            features.append(event("2015-05-19-mastouma-camp-taken", "2015-05-19", "al_mastouma_camp", places["al_mastouma_camp"],
                                  "territory_taken", "AFP", [71, 72, 73, 74], "The Army of Conquest takes al-Mastouma, the "
                                  "regime's largest base in the Idlib region; loyalists fall back on Ariha and the Abu "
                                  "al-Duhur airbase.", actor1="Army of Conquest", actor2="Syrian Arab Army"))
            continue
        if eid == "2015-05-01-hospital-assault":  # 5: the assault is 1 May; the 14 dead keep 1-2 May
            p.update(date_end=None, date_precision="day", refs=[46], casualties=[fig(
                "government", "killed_or_wounded", "vague", text="several tens")], note="Rebel assault on the hospital "
                "opened by a suicide vehicle bomb; several tens of soldiers killed or wounded (no number given).")
            features.append(feature)
            features.append(event("2015-05-01-nusra-dead", "2015-05-01", "national_hospital", feature["geometry"]["coordinates"],
                                  "armed_clash", SOHR, [46, 9], "At least 14 al-Nusra fighters killed in the assault; the "
                                  "article dates them 1 May in one paragraph and 2 May in another, so the range.",
                                  date_end="2015-05-02", casualties=[at_least("opposition", "killed", 14)],
                                  incident="2015-05-01-hospital-assault", actor1="al-Nusra Front", actor2="Syrian Arab Army"))
            continue
        if eid == "2015-05-06-counter-offensive":  # 4: the 6,000 is SOHR's figure [1], not AFP's
            p.update(refs=[48, 43, 49, 50], counts=[], note="The army launches its counter-offensive under Colonel Suheil "
                     "al-Hassan, with foreign Shia fighters (Hezbollah, Fatemiyoun, Liwa Zulfiqar) and Iranian officers.")
            features.append(feature)
            features.append(event("2015-05-06-counter-offensive-strength", "2015-05-06", "jisr_al_shughur",
                                  feature["geometry"]["coordinates"], "counter_offensive", SOHR, [1],
                                  "SOHR's count of the soldiers and militiamen gathered for the counter-offensive.",
                                  counts=[more_than("government", "fighters_engaged", 6000)],
                                  incident="2015-05-06-counter-offensive", actor1="Syrian Arab Army and allies"))
            continue
        if eid == "2015-04-26-darkoush-air-raids":  # 3: the article's reference set on the article's figure
            p.update(refs=[62, 63, 64, 65], note="Regime air raids on Darkoush: at least 53 dead, at least 17 of them "
                     "women and children; the article does not say how many of the others were civilians.")
        if eid == "2015-04-26-darkoush-sohr-title":
            p["note"] = "SOHR's headline gives 40 people killed, a rival figure to the article's at least 53."
        if eid == "2015-04-25-prisoners-taken":  # 7: the town and Ishtabraq
            p.update(place_id="jisr_al_shughur", also_at=["ishtabraq"])
            feature["geometry"]["coordinates"] = places["jisr_al_shughur"]
        if eid == "2015-05-22-nusra-dead":  # 8: a nationwide daily toll, counted by the article among the battle's losses
            p.update(place_id="jisr_al_shughur", precision_m=10000, note="Two al-Nusra fighters killed on 22 May; the "
                     "reference is SOHR's nationwide toll of the day, so the position is only the battle area.")
            feature["geometry"]["coordinates"] = places["jisr_al_shughur"]
        if eid == "2015-05-14-rebel-dead":  # 8: 'the countryside of Idlib'
            p.update(place_id="idlib_governorate", precision_m=40000, note="Five rebels killed in renewed clashes in the "
                     "Idlib countryside (SOHR); no place is given.")
            feature["geometry"]["coordinates"] = places["idlib_governorate"]
        if eid == "2015-05-07-air-strikes":  # 8: ref 49's title puts the raids on the town
            p.update(place_id="jisr_al_shughur", note="More than 50 regime air raids on Jisr al-Shughur in support of the "
                     "army's attack east of the town.")
            feature["geometry"]["coordinates"] = places["jisr_al_shughur"]
        if eid == "2015-04-25-ghab-barrel-bombs":  # 8: 'this zone' = the villages just taken
            zone = ["ishtabraq", "al_sermania", "tal_waset", "al_qahera", "al_mansura"]
            lon = round(sum(places[z][0] for z in zone) / len(zone), 5)
            lat = round(sum(places[z][1] for z in zone) / len(zone), 5)
            p.update(place_id="tal_waset", also_at=[z for z in zone if z != "tal_waset"], precision_m=8000,
                     note="Helicopters drop at least 32 barrel bombs on the villages south of the town that the rebels "
                     "had just taken; placed at their centre.")
            feature["geometry"]["coordinates"] = [lon, lat]
        features.append(feature)
    content["features"] = sorted(features, key=lambda f: (f["properties"]["date"], f["properties"]["event_id"]))
    save_layer("events.geojson", content)


def fix_places():
    content = load("places.geojson")
    for feature in content["features"]:
        p = feature["properties"]
        if p["place_id"] == "frikah":  # 2: no reference says the village changed hands
            p["control"] = p["control"][:1]
            p["note"] = ("Village on the M4 east of the town. The army attacked the hills of the village on 7 May; the "
                         "article never says the village itself changed hands, so it stays government-held here.")
        if p["place_id"] == "nahlaya":  # 9: the 19-20 May range is our inference
            p["control"][1]["basis"] = "inferred"
    save_layer("places.geojson", content)


def fix_forces():
    forces = load("forces.json")
    for commander in forces["commanders"]:
        if commander["name"] in ("Colonel Sabha", "Suheil al-Hassan"):  # 13: no reference gives their fate
            commander["fate"] = None
        if commander["name"] == "Colonel Sabha":
            commander["note"] = "Assad praised 'Sabha and his men' on the evening of 22 May."
    for entry in forces["infobox_casualties"]:  # 8 moved the 14 May dead to the Idlib countryside, which ref 10 counts
        if entry["side"] == "opposition" and "idlib_governorate" not in entry["scope"]:
            entry["scope"].append("idlib_governorate")
            entry["note"] = ("Built from SOHR's day-by-day counts, the 14 May ones [10] in the Idlib countryside "
                             "included.")
    forces["government_holdings_at_start"] = [{  # 7: the prelude
        "claimant": "AFP", "refs": [22], "places": ["jisr_al_shughur", "ariha", "abu_al_duhur_airbase"],
        "military_bases": 5, "villages": "a few",
        "note": "After the fall of Idlib city the army fell back south; in the governorate it then held only the towns of "
                "Jisr al-Shughur and Ariha, a few villages, the Abu al-Duhur airbase and five military bases."}]
    (GEO / "forces.json").write_text(json.dumps(forces, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    fix_events()
    fix_places()
    fix_forces()
    print("applied")
