"""A day told in words, from the data alone: the headline and the alt text of every picture of the day.

`day_headline(ds, date)` gives one line ("25 April 2015: the opposition takes Jisr al-Shughur and six
more places"); `day_description(ds, date)` adds who holds how many places at the end of the day and the
day's events, for a PNG's "Description" chunk, an <img alt> or a screen reader's label of the web map.
Both are plain text (escape it where it goes into markup) and need no drawing library.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..names import display_name
from ._text import display_text

# Which changes make the headline: bigger places first (kinds a dataset adds rank as villages).
PLACE_RANK = {"city": 6, "town": 5, "airbase": 4, "military_base": 4, "hospital": 3, "village": 2,
              "checkpoint": 1, "hill": 1, "area": 0, "governorate": 0}
# Which event makes the headline of a day with no change: the gravest kind first, then the most killed.
EVENT_RANK = {"massacre_claim": 9, "suicide_attack": 8, "execution": 8, "breakout": 7, "death_of_commander": 7,
              "territory_taken": 6, "assault": 6, "counter_offensive": 6, "capture": 5, "barrel_bomb": 5,
              "air_strike": 4, "shelling": 4, "armed_clash": 3, "redeployment": 2, "casualty_report": 1,
              "statement": 0}
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
NAME_LIMIT = 40


def count_words(n: int, noun: str) -> str:
    """'one place', 'six more places', '12 places': numbers up to ten in words, as prose writes them."""
    word = NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"
    return f"{word} {noun}{'' if n == 1 else 's'}"


def side_phrase(ds: Any, code: Any) -> str:
    """A side as the subject of a sentence: 'the opposition', 'the Islamic State', 'the YPG'."""
    side = ds.sides.get(code) if isinstance(code, str) else None
    if side is None:
        return "an unrecorded side"
    label = display_text(side.label, limit=NAME_LIMIT).strip()
    # A one-word common noun ("Government") reads lower-case in a sentence; names and acronyms stay.
    if " " not in label and len(label) > 1 and not label[1].isupper():
        label = label[0].lower() + label[1:]
    return label if label.lower().startswith("the ") else f"the {label}"


def agree(subject: str, verb: str) -> str:
    """`verb` ('takes', 'holds') agreeing with `subject`: a side named by a plural noun ("Rebels", "the
    Jihadists") takes the plural form ("take"); a singular one ("the opposition", "Islamic State") keeps it."""
    words = subject.split()
    last = words[-1].lower() if words else ""
    plural = last.endswith("s") and not last.endswith(("ss", "us", "is")) and len(last) > 3
    return verb[:-1] if plural and verb.endswith("s") else verb


def _name(value):
    return display_name(display_text(value, limit=NAME_LIMIT))


def _date(day):
    return f"{day.day} {day:%B %Y}"


def _previous_controllers(ds, day):
    if day <= ds.period[0]:
        return {}
    before = ds.control(day - pd.Timedelta(days=1))
    return dict(zip(before["place_id"], before["controller"]))


def day_changes(ds: Any, date: Any) -> list[tuple[str, Any, str, Any]]:
    """The day's control changes as [(verb, side code, place name, place kind)], most important first:
    verb is 'takes' (a change of hands), 'besieges', 'contests' or 'secures'."""
    day = ds.day(date)
    changes = ds.changes(day, day)
    if changes.empty:
        return []
    previous = _previous_controllers(ds, day)
    kinds = dict(zip(ds.places["place_id"], ds.places["kind"]))
    return _ordered([_change(row.status, row.challenger, row.controller, previous.get(row.place_id), row.name,
                             kinds.get(row.place_id)) for row in changes.itertuples()])


def _change(status, challenger, controller, previous, name, kind):
    if status == "besieged":
        return "besieges", challenger, name, kind
    if status == "contested":
        return "contests", challenger, name, kind
    return ("takes" if previous != controller else "secures"), controller, name, kind


def _ordered(changes):
    verbs = ("takes", "besieges", "contests", "secures")
    # Stable sort: the data's order decides between equals.
    return sorted(changes, key=lambda c: (verbs.index(c[0]), -PLACE_RANK.get(c[3], PLACE_RANK["village"])))


def day_events(ds: Any, date: Any) -> pd.DataFrame:
    """The events dated to that very day (not ranges or totals), gravest first."""
    day = ds.day(date)
    events = ds.events
    if events.empty:
        return events
    return _gravest_first(events[events["date"] == day])


def _gravest_first(events):
    """Events dated to a single day (not ranges or totals), by day, then gravest first, then in the data's order."""
    same = events[events["date_precision"].fillna("day") == "day"]
    if "aggregate" in same:
        same = same[~same["aggregate"].fillna(False).astype(bool)]
    killed = same[[c for c in same.columns if c.startswith("killed_") and c.endswith("_best")]].fillna(0).sum(axis=1)
    rank = same["type"].map(EVENT_RANK).fillna(3)
    keys = pd.DataFrame({"date": same["date"].to_numpy(), "rank": -rank.to_numpy(), "killed": -killed.to_numpy(),
                         "i": np.arange(len(same))})
    return same.iloc[keys.sort_values(["date", "rank", "killed", "i"], kind="stable").index.to_numpy()]


def _event_phrase(ds, event, names=None):
    what = ds.vocabulary.label(event.type) if isinstance(event.type, str) else "event"
    what = what.replace("_", " ")
    names = names if names is not None else dict(zip(ds.places["place_id"], ds.places["name"]))
    where = names.get(event.place_id)
    return f"{what[0].lower()}{what[1:]}" + (f" at {_name(where)}" if where else "")


def day_headline(ds: Any, date: Any) -> str:
    """One line on the day's main news, written from the data, e.g. '25 April 2015: the opposition
    takes Jisr al-Shughur and six more places'. A day with no change of control is told by its gravest
    event ('22 May 2015: breakout at National Hospital'), a day with neither as such."""
    day = ds.day(date)
    return _headline(ds, day, day_changes(ds, date), list(day_events(ds, date).itertuples()))


def _headline(ds, day, changes, events, names=None):
    """The headline from the day's changes (as day_changes gives them) and events (rows, as day_events orders them)."""
    if changes:
        # One clause per side and verb, in order of importance: "the opposition takes Jisr al-Shughur and
        # five more places; the opposition besieges Jisr al-Shughur National Hospital".
        groups: dict = {}
        for verb, who, name, _ in changes:
            groups.setdefault((verb, who), []).append(name)
        clauses = [f"{side_phrase(ds, who)} {agree(side_phrase(ds, who), verb)} {_name(names[0])}"
                   + (f" and {count_words(len(names) - 1, 'more place')}" if len(names) > 1 else "")
                   for (verb, who), names in groups.items()]
        return f"{_date(day)}: {'; '.join(clauses)}"
    if len(events):
        text = _event_phrase(ds, events[0], names)
        if len(events) > 1:
            text += f" and {count_words(len(events) - 1, 'other event')}"
        return f"{_date(day)}: {text}"
    return f"{_date(day)}: no change of control or event recorded"


def day_description(ds: Any, date: Any) -> str:
    """A text description of the day's map, for alt text: the headline, who holds how many places at
    the end of the day, and the day's events, e.g.

    '25 April 2015: the opposition takes Jisr al-Shughur and six more places. At the end of the day
    the government holds 9 places, the opposition 21 ... Events that day: air strike at Jisr
    al-Shughur, ... Areas and front lines are estimated from the places.'
    """
    day = ds.day(date)
    state = ds.control(day)
    parts = [day_headline(ds, day) + "."]
    known = np.array([isinstance(c, str) for c in state["controller"]], dtype=bool)
    counts = state["controller"][known].value_counts()
    if len(counts):
        sides = [f"{side_phrase(ds, code)} {count_words(int(counts[code]), 'place')}"
                 for code in ds.sides if code in counts]
        parts.append("At the end of the day " + _join([_holds(sides[0])] + sides[1:]) + ".")
        challenged = state[state["status"].isin(("besieged", "contested"))]
        if len(challenged):
            told = _join([f"{_name(n)} is {s} by {side_phrase(ds, c)}"
                          for n, s, c in zip(challenged["name"], challenged["status"], challenged["challenger"])])
            parts.append(told[:1].upper() + told[1:] + ".")
    unknown = int((~known).sum())
    if unknown:
        parts.append(f"{count_words(unknown, 'place').capitalize()} with no control recorded.")
    events = day_events(ds, day)
    if len(events):
        told = {}
        for event in events.itertuples():  # the same kind at the same place once, with a count
            phrase = _event_phrase(ds, event)
            told[phrase] = told.get(phrase, 0) + 1
        parts.append("Events that day: " + _join([p if n == 1 else f"{p} ({n})" for p, n in told.items()]) + ".")
    parts.append("Areas and front lines are estimated from the places.")
    return " ".join(parts)


def _holds(phrase):
    """'the opposition six places' -> 'the opposition holds six places' (the side may be several words)."""
    words = phrase.split(" ")
    return " ".join(words[:-2] + [agree(" ".join(words[:-2]), "holds")] + words[-2:])


def _join(items):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def day_headlines(ds: Any, days: Iterable[Any]) -> dict[pd.Timestamp, str]:
    """{day: day_headline(ds, day)} for many days at once (a war's thousands): the changes, the state before
    them and the events are gathered in one pass each, then worded by the same code as day_headline."""
    days = [ds.day(d) for d in days]
    wanted = set(days)
    first = ds.period[0]
    changes = ds.changes(min(days), max(days)) if days else ds.changes().iloc[:0]
    changes = changes[changes["effective"].isin(wanted)]
    # Who held each changed place at the end of the day before (none before the period's first day).
    iv = ds.intervals
    before = changes["effective"] - pd.Timedelta(days=1)
    held = {}
    if len(changes):
        at = pd.DataFrame({"place_id": changes["place_id"].to_numpy(), "day": before.to_numpy(), "k": np.arange(len(changes))})
        table = pd.DataFrame({"place_id": iv["place_id"].to_numpy(), "start": iv["start"].to_numpy(),
                              "end": iv["end"].to_numpy(), "controller": iv["controller"].astype(object).to_numpy()})
        hit = at.merge(table, on="place_id")
        hit = hit[(hit["start"] <= hit["day"]) & (hit["day"] < hit["end"])]
        held = dict(zip(hit["k"], hit["controller"]))
    kinds = dict(zip(ds.places["place_id"], ds.places["kind"]))
    by_day: dict[pd.Timestamp, list[Any]] = {}
    for k, row in enumerate(changes.itertuples()):
        previous = held.get(k) if row.effective > first else None
        previous = previous if isinstance(previous, str) else None
        by_day.setdefault(row.effective, []).append(
            _change(row.status, row.challenger, row.controller, previous, row.name, kinds.get(row.place_id)))
    events = ds.events
    told: dict[pd.Timestamp, list[Any]] = {}
    if len(events):
        for row in _gravest_first(events[events["date"].isin(wanted)]).itertuples():
            told.setdefault(row.date, []).append(row)
    names = dict(zip(ds.places["place_id"], ds.places["name"]))
    return {day: _headline(ds, day, _ordered(by_day.get(day, [])), told.get(day, []), names) for day in days}
