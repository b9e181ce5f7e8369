"""Who holds each place on a day: Dataset.control and `jisrgeo control` from the load cache (without pandas),
both through states.holding, against what is known to be true: the bundled battle's recorded control and a
generated war's states, looked up one by one."""

import calendar
import json
import random
import subprocess
import sys
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo.cli import main
from jisrgeo.io import bundled_path

from helpers import FIXTURES, edit_layer

ALEPPO = FIXTURES / "aleppo"
STATE = ("controller", "status", "challenger", "since", "basis", "date_precision")


def _run(folder, *args, env=None):
    result = CliRunner().invoke(main, ["control", "--data", str(folder), *args], env=env)
    return result.exit_code, result.output


def _dates(folder):
    ds = jisrgeo.load(folder)
    first, last = ds.period
    middle = first + (last - first) / 2
    changes = sorted({f"{d:%Y-%m-%d}" for d in ds.control_changes["effective"].dropna()})
    return [f"{first:%Y-%m-%d}", f"{middle:%Y-%m-%d}", f"{last:%Y-%m-%d}", changes[0]]


@pytest.mark.parametrize("folder", [bundled_path(), ALEPPO], ids=["bundled", "aleppo"])
def test_cached_answers_print_what_full_loads_print(folder, tmp_path, monkeypatch):
    """The pick is one (states.holding, checked below against known answers); the printing is not: the cached
    path writes its rows with emit_rows, a full load its frame with emit. Every format, byte for byte."""
    cache = {"JISRGEO_CACHE": str(tmp_path / "cache")}
    full = {}
    for day in _dates(folder):
        for fmt in ("table", "json", "csv", "geojson"):
            full[day, fmt] = _run(folder, "--date", day, "--format", fmt, env={"JISRGEO_CACHE": "off"})
            assert full[day, fmt][0] == 0, full[day, fmt]
    _run(folder, "--date", day, env=cache)  # loads once: fills the cache
    monkeypatch.setattr(jisrgeo, "load", lambda *a, **k: pytest.fail("a cached answer loaded the dataset"))
    for (day, fmt), expected in full.items():
        assert _run(folder, "--date", day, "--format", fmt, env=cache) == expected, (day, fmt)


@pytest.mark.parametrize("date", ["2015-13-01", "10/05/2015", "2014-01-01", "2031-01-01"])
def test_bad_dates_get_the_same_message_either_way(date, tmp_path):
    cache = {"JISRGEO_CACHE": str(tmp_path / "cache")}
    folder = bundled_path()
    _run(folder, "--date", "2015-05-10", env=cache)
    quick = _run(folder, "--date", date, env=cache)
    full = _run(folder, "--date", date, env={"JISRGEO_CACHE": "off"})
    assert quick == full and quick[0] == 2 and "Traceback" not in quick[1]


def test_a_changed_file_is_never_answered_from_the_old_entry(mini_copy, tmp_path):
    cache = {"JISRGEO_CACHE": str(tmp_path / "cache")}
    before = json.loads(_run(mini_copy, "--date", "2015-04-20", "--format", "json", env=cache)[1])
    edit_layer(mini_copy, "places.geojson", lambda c: c["features"][0]["properties"].update(name="Renamed"))
    after = json.loads(_run(mini_copy, "--date", "2015-04-20", "--format", "json", env=cache)[1])
    assert before[0]["name"] != "Renamed" and after[0]["name"] == "Renamed"


def test_a_warm_control_command_imports_neither_pandas_nor_geopandas(tmp_path):
    """numpy is imported (the pick of each place's state is states.holding, shared with Dataset.control); pandas,
    geopandas and shapely, the slow ones, are not."""
    env_cache = str(tmp_path / "cache")
    code = ("import os, sys; os.environ['JISRGEO_CACHE'] = %r\n"
            "from jisrgeo.cli import main\n"
            "try:\n    main(['control', '--date', '2015-05-10', '--format', 'csv'])\n"
            "except SystemExit:\n    pass\n"
            "print('HEAVY', sorted(m for m in ('pandas', 'geopandas', 'numpy', 'shapely') if m in sys.modules))")
    first = subprocess.run([sys.executable, "-c", code % env_cache], capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code % env_cache], capture_output=True, text=True, check=True)
    assert "HEAVY ['geopandas', 'numpy', 'pandas', 'shapely']" in first.stdout  # the first run loads
    assert "HEAVY ['numpy']" in second.stdout
    assert second.stdout.split("HEAVY")[0] == first.stdout.split("HEAVY")[0]


def _warm(folder, tmp_path, monkeypatch):
    """A cache filled by one load of `folder`, then no load allowed: every answer comes from the cache."""
    env = {"JISRGEO_CACHE": str(tmp_path / "cache")}
    assert _run(folder, "--date", jisrgeo.load(folder).period[0].strftime("%Y-%m-%d"), env=env)[0] == 0
    monkeypatch.setattr(jisrgeo, "load", lambda *a, **k: pytest.fail("a cached answer loaded the dataset"))
    return env


def _cached(folder, day, env):
    code, output = _run(folder, "--date", day, "--format", "json", env=env)
    assert code == 0, output
    return {row["place_id"]: row for row in json.loads(output)}


# What the sources say about the bundled battle (geodata/places.geojson), as STATE, day by day.
KNOWN = {
    "2015-04-22": {"jisr_al_shughur": ("government", "held", None, None, "reported", None)},
    "2015-04-23": {"jisr_al_shughur": ("government", "contested", "opposition", "2015-04-23", "reported", "day")},
    "2015-04-24": {"national_hospital": ("government", "held", None, None, "reported", None)},
    "2015-04-25": {"jisr_al_shughur": ("opposition", "held", None, "2015-04-25", "reported", "day"),
                   "national_hospital": ("government", "besieged", "opposition", "2015-04-25", "reported", "day")},
    "2015-05-13": {"palmyra": ("government", "held", None, None, "inferred", None)},
    "2015-05-20": {"palmyra": ("government", "contested", "islamic_state", "2015-05-14", "inferred", "day")},
    "2015-05-21": {"national_hospital": ("government", "besieged", "opposition", "2015-04-25", "reported", "day"),
                   "palmyra": ("islamic_state", "held", None, "2015-05-21", "reported", "day")},
    "2015-05-22": {"national_hospital": ("opposition", "held", None, "2015-05-22", "reported", "day")},
}


def test_cached_answers_give_the_bundled_battles_known_control(tmp_path, monkeypatch):
    env = _warm(bundled_path(), tmp_path, monkeypatch)
    for day, places in KNOWN.items():
        rows = _cached(bundled_path(), day, env)
        for place, expected in places.items():
            assert tuple(rows[place][c] for c in STATE) == expected, (day, place)


SIDES = ("government", "opposition", "islamic_state", "kurdish_ypg", "tribal_forces")
PERIOD = (date(1990, 3, 1), date(1994, 2, 28))  # a leap day inside


def _war(folder, places=300, seed=5):
    """A generated war written as a dataset folder: five sides, changes dated by day, range or month, some
    inferred, places whose history starts with a dated change and places with none. Returns its truth, per
    place its states in order as (effective day or None for the initial state, the state control gives)."""
    rng, truth, features = random.Random(seed), {}, []
    for i in range(places):
        control, states, last = [], [], PERIOD[0] - timedelta(days=1)
        if rng.random() < 0.85:
            control.append(_state(rng, None, None, None, None))
        for _ in range(rng.choice((0, 0, 1, 3, 8))):
            day = last + timedelta(days=rng.randint(1, 300))
            first, precision = day, rng.choice(("day", "day", "range", "month"))
            if precision == "month":
                first, day = day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
            elif precision == "range":
                first = day - timedelta(days=rng.randint(1, 6))
            if first <= last or day > PERIOD[1]:
                break
            control.append(_state(rng, control[-1] if control else None, first, day if day != first else None, precision))
            last = day
        for state in control:
            effective = state["date_end"] or state["date"]
            states.append((effective, {**{c: state[c] for c in STATE if c != "since"}, "since": effective}))
        truth[f"w{i:03d}"] = states
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [40 + i % 20 * 0.07, 36 + i // 20 * 0.05]},
                         "properties": {"place_id": f"w{i:03d}", "name": f"Place {i}", "aliases": [], "kind": "village",
                                        "precision_m": 500, "location_source": "generated", "refs": [1], "note": "",
                                        "control": control}})
    folder.mkdir()
    (folder / "places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    (folder / "events.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    (folder / "sources.csv").write_text("ref,publisher,title,language,date\n1,Generated,Report 1,en,\n", encoding="utf-8")
    meta = {"name": "Generated war", "period": {"start": str(PERIOD[0]), "end": str(PERIOD[1])},
            "sides": {side: {"label": side.replace("_", " ").title()} for side in SIDES}}
    (folder / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    return truth


def _state(rng, previous, first, end, precision):
    """A control state that changes something of `previous`; an inferred one is never followed by a reported
    challenge from another controller (a contradiction the rules refuse)."""
    while True:
        controller, status = rng.choice(SIDES), rng.choice(("held", "held", "contested", "besieged"))
        challenger = rng.choice([s for s in SIDES if s != controller]) if status != "held" else None
        if previous and previous["basis"] == "inferred" and status != "held":
            controller = previous["controller"]
            challenger = rng.choice([s for s in SIDES if s != controller])
        if not previous or (controller, status, challenger) != tuple(previous[c] for c in STATE[:3]):
            break
    return {"date": first and str(first), "date_end": end and str(end), "date_precision": precision,
            "controller": controller, "status": status, "challenger": challenger,
            "basis": "inferred" if rng.random() < 0.25 else "reported", "refs": [1], "note": ""}


def _reference(truth, day):
    """Brute force, from the states themselves: each place's last state in effect at the end of `day`."""
    out = {}
    for place, states in truth.items():
        held = [state for effective, state in states if effective is None or effective <= str(day)]
        out[place] = held[-1] if held else dict.fromkeys(STATE)
    return out


def test_a_generated_war_gets_the_brute_force_answer_both_ways(tmp_path, monkeypatch):
    folder = tmp_path / "war"
    truth = _war(folder)
    assert jisrgeo.validate(folder) == []
    ds = jisrgeo.load(folder)
    effective = sorted({e for states in truth.values() for e, _ in states if e is not None})
    days = {PERIOD[0], PERIOD[1], *(date.fromisoformat(e) + timedelta(days=d) for e in random.Random(1).sample(effective, 8)
                                    for d in (-1, 0))}
    env = _warm(folder, tmp_path, monkeypatch)
    for day in sorted(d for d in days if PERIOD[0] <= d <= PERIOD[1]):
        expected = _reference(truth, day)
        frame = ds.control(day)[list(STATE)]
        frame["since"] = frame["since"].dt.strftime("%Y-%m-%d")
        full = frame.astype(object).where(frame.notna(), None).to_dict("index")
        cached = {p: {c: row[c] for c in STATE} for p, row in _cached(folder, str(day), env).items()}
        assert full == expected, day
        assert cached == expected, day
