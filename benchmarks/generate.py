"""Generate synthetic datasets in jisrgeo's layout, seeded and deterministic.

    python benchmarks/generate.py OUT [--places 8000] [--changes 60000] [--events 200000] [--seed 1]
    python benchmarks/generate.py OUT --battle DAYS [--places 66] [--changes 60]

The war: places spread over Syria's extent; control changes and events over 2014-2024.
The battle (--battle): villages around one town, the same changes (same places, same order, same
fractions of the period) spread over DAYS days, so builds of different lengths differ only in days.
"""

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np

SYRIA = (35.7, 32.3, 42.3, 37.3)  # lon_min, lat_min, lon_max, lat_max
START, END = date(2014, 1, 1), date(2024, 12, 31)
SIDES = np.array(["government", "opposition", "islamic_state"])
STATUSES = np.array(["held", "contested", "besieged"])
TYPES = np.array(["armed_clash", "assault", "air_strike", "shelling", "barrel_bomb", "territory_taken"])
N_REFS = 500


def _day(offsets):
    base = np.datetime64(START.isoformat())
    return np.datetime_as_string(base + offsets.astype("timedelta64[D]"), unit="D")


def generate(out, places=8000, changes=60000, events=200000, seed=1):
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n_days = (END - START).days + 1
    lon = np.round(rng.uniform(SYRIA[0], SYRIA[2], places), 5)
    lat = np.round(rng.uniform(SYRIA[1], SYRIA[3], places), 5)
    # Spread the changes over places; each place's changes on distinct, increasing days.
    owner = np.sort(rng.integers(0, places, changes))
    features = []
    cursor = 0
    for i in range(places):
        count = int(np.searchsorted(owner, i, side="right") - cursor)
        cursor += count
        days = np.sort(rng.choice(np.arange(1, n_days), size=min(count, n_days - 1), replace=False))
        controller = rng.integers(0, 3)
        control = [{"date": None, "controller": SIDES[controller], "status": "held", "basis": "reported", "refs": [1], "note": ""}]
        for d in _day(days):
            controller = (controller + rng.integers(1, 3)) % 3
            status = STATUSES[rng.integers(0, 3)]
            challenger = None if status == "held" else SIDES[(controller + rng.integers(1, 3)) % 3]
            control.append({"date": str(d), "date_precision": "day", "controller": SIDES[controller], "status": status,
                            "challenger": challenger, "basis": "reported", "refs": [int(rng.integers(1, N_REFS + 1))], "note": ""})
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
                         "properties": {"place_id": f"p{i:05d}", "name": f"Place {i}", "aliases": [f"Locality {i}"],
                                        "kind": "village", "governorate": None, "precision_m": 1000,
                                        "location_source": "synthetic", "refs": [1], "note": "", "control": control}})
    _write_collection(out / "places.geojson", features)
    where = rng.integers(0, places, events)
    when = _day(rng.integers(0, n_days, events))
    kind = TYPES[rng.integers(0, len(TYPES), events)]
    killed = rng.integers(0, 30, events)
    side = SIDES[rng.integers(0, 2, events)]
    event_features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(lon[p]), float(lat[p])]},
         "properties": {"event_id": f"e{j:06d}", "date": str(when[j]), "date_precision": "day", "place_id": f"p{p:05d}",
                        "type": str(kind[j]), "actor1": "", "actor2": "", "claimant": "synthetic",
                        "casualties": [{"side": str(side[j]), "outcome": "killed", "low": int(killed[j]), "best": int(killed[j]), "high": None}],
                        "refs": [int(rng.integers(1, N_REFS + 1))], "note": ""}}
        for j, p in enumerate(where)]
    _write_collection(out / "events.geojson", event_features)
    (out / "sources.csv").write_text("ref,publisher,title,language,date\n" +
                                     "".join(f"{r},Synthetic,Report {r},en,\n" for r in range(1, N_REFS + 1)), encoding="utf-8")
    meta = {"name": f"Synthetic war ({places} places)", "period": {"start": START.isoformat(), "end": END.isoformat()}}
    (out / "dataset.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return out


def generate_battle(out, days, places=66, changes=60, seed=1):
    """A valley battle of `places` villages and `changes` control changes spread over `days` days."""
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lon = np.round(36.3 + rng.uniform(-0.25, 0.25, places), 5)
    lat = np.round(35.8 + rng.uniform(-0.18, 0.18, places), 5)
    who = rng.integers(0, places, changes)
    when = np.sort(rng.uniform(0.02, 0.98, changes))  # fractions of the period, the same for any length
    inferred = rng.uniform(size=changes) < 0.3
    start = np.datetime64("2015-04-01")
    features, events = [], []
    for i in range(places):
        control = [{"date": None, "controller": "government", "status": "held", "basis": "reported", "refs": [1],
                    "note": ""}]
        last = None
        for j in np.flatnonzero(who == i):
            day = start + int(round(when[j] * (days - 1)))
            if last is not None and day <= last:
                continue  # one change a day per place
            last = day
            side = ("opposition", "government")[len(control) % 2 == 0]
            control.append({"date": str(day), "date_precision": "day", "controller": side, "status": "held",
                            "challenger": None, "basis": "inferred" if inferred[j] else "reported", "refs": [1],
                            "note": ""})
            events.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
                           "properties": {"event_id": f"e{j:03d}", "date": str(day), "date_precision": "day",
                                          "place_id": f"v{i:03d}", "type": "territory_taken", "actor1": "", "actor2": "",
                                          "claimant": "synthetic", "casualties": [], "refs": [1], "note": ""}})
        kind = "town" if i == 0 else "village"
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
                         "properties": {"place_id": f"v{i:03d}", "name": f"Village {i}", "aliases": [], "kind": kind,
                                        "governorate": None, "precision_m": 500, "location_source": "synthetic",
                                        "refs": [1], "note": "", "control": control}})
    _write_collection(out / "places.geojson", features)
    _write_collection(out / "events.geojson", sorted(events, key=lambda e: e["properties"]["event_id"]))
    (out / "sources.csv").write_text("ref,publisher,title,language,date\n1,Synthetic,Report 1,en,\n", encoding="utf-8")
    end = start + (days - 1)
    meta = {"name": f"Synthetic battle ({places} villages, {days} days)",
            "period": {"start": str(start), "end": str(end)}}
    (out / "dataset.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return out


def _write_collection(path, features):
    with path.open("w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection", "features": [\n')
        f.write(",\n".join(json.dumps(feat) for feat in features))
        f.write("\n]}\n")


def generate_acled(path, rows=1_000_000, locations=5000, seed=1):
    """An ACLED-layout CSV of `rows` events at `locations` named places (many rows per name, some names
    shared by places far apart), written in chunks so the generator itself stays small."""
    import csv

    from jisrgeo.io.acled import COLUMNS

    rng = np.random.default_rng(seed)
    lon = rng.uniform(SYRIA[0], SYRIA[2], locations).round(4)
    lat = rng.uniform(SYRIA[1], SYRIA[3], locations).round(4)
    names = np.array([f"Town {i % (locations // 2)}" for i in range(locations)])  # each name twice, far apart
    actors = np.array(["Military Forces of Syria (2000-)", "Jaish al-Fatah", "Islamic State (Syria)", "Civilians (Syria)"])
    subs = np.array(["Armed clash", "Air/drone strike", "Shelling/artillery/missile attack", "Attack"])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for first in range(0, rows, 100_000):
            n = min(100_000, rows - first)
            at = rng.integers(0, locations, n)
            days = _day(rng.integers(0, (END - START).days, n))
            who = rng.integers(0, len(actors), (n, 2))
            sub = rng.integers(0, len(subs), n)
            deaths = rng.poisson(2, n)
            geo = rng.integers(1, 4, n)
            for i in range(n):
                k = at[i]
                writer.writerow([f"SYR{first + i}", days[i], days[i][:4], 1, "Political violence", "Battles", subs[sub[i]],
                                 actors[who[i, 0]], "", "", actors[who[i, 1]], "", "", "", "", "760", "Middle East",
                                 "Syria", "Idleb", "", "", names[k], lat[k], lon[k], geo[i], f"Source {k % 300}",
                                 "National", "Synthetic event for the import benchmark", deaths[i], "", "1618000000"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--places", type=int, default=8000)
    parser.add_argument("--changes", type=int, default=60000)
    parser.add_argument("--events", type=int, default=200000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--battle", type=int, metavar="DAYS", help="a battle of 66 villages over DAYS days instead")
    args = parser.parse_args()
    if args.battle:
        generate_battle(args.out, args.battle, seed=args.seed)
    else:
        generate(args.out, args.places, args.changes, args.events, args.seed)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
