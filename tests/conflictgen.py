"""A six-side city battle of a kind the bundled one is not, for the casualty rule and the ACLED/UCDP round trips.

    folder = city_battle(tmp_path / "city")

Eight districts of a river city held by six sides: two government allies, two rebel allies, a third force
and a neutral monitoring mission. Its events carry what a round trip must keep: exact date ranges, "more
than N" (no high), "about N", a range, missing and captured people, wounded, a vague figure, rival claims
about one incident, three sides' dead in one event, and massacre allegations (one of them by an actor the
user's sides file names). The country is declared (Iraq: ISO 368, Gleditsch-Ward 645).
"""

import json
from pathlib import Path

SIDES = {
    "army": {"label": "National Army", "color": "#0072b2", "allies": ["guard"],
             "actors": ["*National Army*", "Air Force*"]},
    "guard": {"label": "Republican Guard", "color": "#56b4e9", "actors": ["Republican Guard*"]},
    "rebels": {"label": "Liberation Front", "color": "#009e73", "allies": ["brigades"],
               "actors": ["rebel*", "Liberation Front*"]},
    "brigades": {"label": "Dawn Brigades", "color": "#e69f00", "actors": ["Dawn Brigades*"]},
    "militia": {"label": "River Militia", "color": "#d55e00", "actors": ["River Militia"]},
    "monitors": {"label": "Monitoring Mission", "color": "#cc79a7", "neutral": True, "actors": ["UN monitors"]},
}
# What a user writes for real data: actor names and patterns, not our side codes.
ACTOR_RULES = {"*National Army*": "army", "Air Force*": "army", "Republican Guard*": "guard", "rebel*": "rebels",
               "Liberation Front*": "rebels", "Dawn Brigades*": "brigades", "River Militia": "militia",
               "UN monitors": "monitors"}
DISTRICTS = [  # id, lon, lat, first holder, (day, new holder)
    ("old_bridge", 43.120, 36.340, "army", ("2016-11-21", "rebels")),
    ("souk", 43.132, 36.346, "army", None),
    ("university", 43.145, 36.352, "guard", ("2016-11-25", "brigades")),
    ("tanneries", 43.110, 36.330, "rebels", None),
    ("river_port", 43.100, 36.352, "militia", None),
    ("hills", 43.160, 36.330, "brigades", ("2016-11-28", "guard")),
    ("airport", 43.150, 36.310, "army", None),
    ("mission_camp", 43.090, 36.320, "monitors", None),
]


def _fig(side, outcome, qualifier, low=None, best=None, high=None, text=None):
    figure = {"side": side, "outcome": outcome, "qualifier": qualifier, "low": low, "best": best, "high": high}
    return {**figure, "text": text} if text else figure


EVENTS = [  # id, date, date_end, precision, place, type, actor1, actor2, claimant, casualties, incident
    ("c1", "2016-11-20", "2016-11-22", "range", "old_bridge", "armed_clash", "rebel fighters", "National Army units",
     "Monitor A", [_fig("rebels", "killed", "more_than", 200, 200), _fig("army", "killed", "about", best=40),
                   _fig("army", "missing", "exact", best=36)], None),
    ("c2", "2016-11-21", None, "day", "old_bridge", "armed_clash", "National Army", "rebel fighters", "Ministry",
     [_fig("rebels", "killed", "range", 900, None, 1200)], "c1"),
    ("c3", "2016-11-22", None, "day", "souk", "air_strike", "Air Force", "civilians", "Monitor B",
     [_fig("civilian", "killed", "at_least", 12, 12), _fig("civilian", "wounded", "exact", best=30)], None),
    ("c4", "2016-11-23", None, "day", "tanneries", "massacre_claim", "Liberation Front", "civilians", "Ministry",
     [_fig("civilian", "killed", "exact", best=100)], None),
    ("c5", "2016-11-24", None, "day", "souk", "massacre_claim", "National Army", "civilians", "Liberation Front",
     [_fig("civilian", "killed", "more_than", 50, 50), _fig("unknown", "killed", "exact", best=7)], None),
    ("c6", "2016-11-25", None, "day", "university", "assault", "Dawn Brigades", "Republican Guard", "Monitor A",
     [_fig("guard", "killed", "exact", best=18), _fig("brigades", "killed", "exact", best=9),
      _fig("guard", "captured", "exact", best=25), _fig("militia", "killed", "exact", best=3)], None),
    ("c7", "2016-11-26", None, "day", "river_port", "shelling", "River Militia", "Dawn Brigades", "Monitor B",
     [_fig("militia", "killed", "vague", text="several"), _fig("brigades", "killed", "at_least", 4, 4)], None),
    ("c8", "2016-11-01", "2016-11-30", "month", "mission_camp", "statement", "UN monitors", "", "Mission",
     [], None),
    ("c9", "2016-11-28", None, "day", "hills", "territory_taken", "Republican Guard", "Dawn Brigades", "Monitor A",
     [_fig("brigades", "killed", "exact", best=11), _fig("guard", "killed", "exact", best=6),
      _fig("unknown", "captured_or_missing", "exact", best=14)], None),
    ("c10", "2016-11-20", "2016-11-30", "range", "souk", "casualty_report", "Monitor A", "", "Monitor A",
     [_fig("army", "killed", "exact", best=500)], None),
]


def city_battle(folder):
    """Write the six-side city battle into `folder` (a new dataset folder) and return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    places = []
    for pid, lon, lat, first, change in DISTRICTS:
        control = [{"date": None, "controller": first, "status": "held", "basis": "reported", "refs": [1]}]
        if change:
            control.append({"date": change[0], "date_precision": "day", "controller": change[1], "status": "held",
                            "basis": "reported", "refs": [1]})
        places.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                       "properties": {"place_id": pid, "name": pid.replace("_", " ").title(), "aliases": [],
                                      "kind": "area", "governorate": "Nineveh", "precision_m": 500,
                                      "location_source": "generated", "refs": [1], "control": control}})
    coords = {d[0]: [d[1], d[2]] for d in DISTRICTS}
    events = []
    for eid, day, end, precision, pid, kind, actor1, actor2, claimant, figures, incident in EVENTS:
        events.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": coords[pid]}, "properties": {
            "event_id": eid, "date": day, "date_end": end, "date_precision": precision, "place_id": pid, "type": kind,
            "actor1": actor1, "actor2": actor2, "claimant": claimant, "casualties": figures, "counts": [],
            "incident": incident or eid, "aggregate": kind == "casualty_report", "refs": [1],
            "note": f"Generated event {eid}."}})
    meta = {"name": "Generated six-side city battle", "period": {"start": "2016-11-01", "end": "2016-11-30"},
            "country": {"name": "Iraq", "iso": 368, "gwno": 645}, "sides": SIDES}
    for name, content in (("places.geojson", {"type": "FeatureCollection", "features": places}),
                          ("events.geojson", {"type": "FeatureCollection", "features": events}),
                          ("dataset.json", meta)):
        (folder / name).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    (folder / "sources.csv").write_text("ref,publisher,title,language,date\n1,Generator,Generated battle,en,\n",
                                        encoding="utf-8")
    return folder
