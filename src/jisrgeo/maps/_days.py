"""The time tables of places.js: what any day shows, as rows the browser filters by day number.

Day numbers count from the period's first day. Intervals are [start, end) so a place never
shows two states at once; an event is drawn on one day only (see shown_on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..claims import casualty_totals
from ._base import esc, esc_attr
from ._states import ints
from .popups import casualty_figures_by_event, event_popup, fmt_figure, killed_text, route_popup, when_text

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..sides import Vocabulary

# Earlier events (a layer toggled off): all of them for a battle, only the previous week's
# for datasets so large that every day would otherwise draw most of them.
RECENT_DAYS = 7
ALL_EARLIER_UP_TO = 1000


def shown_on(events: pd.DataFrame) -> pd.Series:
    """The day each event is drawn: tolls over a period on the day they end, others on their
    first (possibly uncertain) day, so no event repeats across the days of its range."""
    return events["date_end"].fillna(events["date"]).where(events["aggregate"], events["date"])


def _day(ts, start):
    return int((pd.Timestamp(ts) - start).days)


def time_tables(dataset: Dataset) -> dict[str, Any]:
    start, end = dataset.period
    return {"intervals": interval_rows(dataset, start),
            "shifts": shift_rows(dataset, start), **event_tables(dataset, start, end), **route_tables(dataset, start),
            "totals": totals_rows(dataset, start, end),
            "recentDays": RECENT_DAYS if len(dataset.events) > ALL_EARLIER_UP_TO else 0}


def interval_rows(dataset: Dataset, start: pd.Timestamp) -> list[list[int]]:
    """[start day, end day, state style, place row, change row] per control interval."""
    from ._states import StateStyles, change_rows

    rows = change_rows(dataset)
    states = StateStyles(dataset.vocabulary)
    position = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    tl = dataset.intervals
    s = ((tl["start"] - start).dt.days).to_numpy()
    e = ((tl["end"] - start).dt.days).to_numpy()
    return [[int(a), int(b), states.index(c, st, ch), position[p], rows[(p, q)]]
            for p, c, st, ch, q, a, b in zip(tl["place_id"], tl["controller"], tl["status"], tl["challenger"], tl["seq"], s, e)]


# ---- what changed: hand-overs apart from changes of status ----

def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def state_phrase(vocabulary: Vocabulary, controller: object, status: object, challenger: object) -> str:
    """'Government-held', 'Government-held, besieged by Opposition', 'no control recorded'."""
    holder, state, by = _text(controller), _text(status), _text(challenger)
    if holder is None:
        return "no control recorded"
    held = f"{vocabulary.label(holder)}-held"
    if state in (None, "held"):
        return held
    return f"{held}, {state}" + (f" by {vocabulary.label(by)}" if by else "")


def shift_text(vocabulary: Vocabulary, before: Any, after: Any) -> tuple[bool, str]:
    """(hand-over?, words) for a place's state going from `before` to `after` ((controller, status,
    challenger) tuples; before None at a first record). A hand-over is a new controller; anything
    else is a change of status: 'Government-held, now contested by Opposition'."""
    label = vocabulary.label
    old = _text(before[0]) if before else None
    new, status, challenger = _text(after[0]), _text(after[1]), _text(after[2])
    if old and new and old != new:
        tail = "" if status in (None, "held") else f", now {status}" + (f" by {label(challenger)}" if challenger else "")
        return True, f"taken by {label(new)} from {label(old)}{tail}"
    if old is None:
        return False, f"first recorded as {state_phrase(vocabulary, *after)}"
    if new is None:
        return False, f"{state_phrase(vocabulary, *before)}, now no control recorded"
    if status in (None, "held"):
        return False, f"{label(new)}-held, no longer {_text(before[1]) or 'challenged'}"
    return False, f"{label(new)}-held, now {status}" + (f" by {label(challenger)}" if challenger else "")


def shifts(dataset: Dataset) -> list[tuple[pd.Timestamp, str, str, bool, str, bool]]:
    """(day, place_id, name, hand-over?, words, estimated?) for every change of a place's state inside
    the period, from the control intervals (what the maps draw); the period's opening states are not changes."""
    changes = dataset.control_changes
    how = dict(zip(zip(changes["place_id"], changes["seq"]), zip(changes["basis"], changes["date_precision"])))
    names = dict(zip(dataset.places["place_id"], dataset.places["name"]))
    start = dataset.period[0]
    tl = dataset.intervals.sort_values(["place_id", "start"], kind="stable")
    out = []
    previous: Any = None  # (place_id, end, state) of the row before
    for place_id, first, end, controller, status, challenger, seq in zip(
            tl["place_id"], tl["start"], tl["end"], tl["controller"], tl["status"], tl["challenger"], tl["seq"]):
        state = (controller, status, challenger)
        before = previous[2] if previous is not None and previous[0] == place_id and previous[1] == first else None
        previous = (place_id, end, state)
        if first <= start or (before and tuple(map(_text, before)) == tuple(map(_text, state))):
            continue
        handover, words = shift_text(dataset.vocabulary, before, state)
        basis, precision = how.get((place_id, seq), (None, None))
        if basis == "inferred":
            words += " (inferred by us)"
        out.append((first, place_id, names[place_id], handover, words, basis == "inferred" or precision == "range"))
    return sorted(out, key=lambda s: (s[0], not s[3], str(s[2]), s[1]))


def shift_rows(dataset: Dataset, start: pd.Timestamp) -> list[list[Any]]:
    """[day, place row, 1 if hand-over, escaped item, 1 if estimated] per change of state."""
    position = {pid: i for i, pid in enumerate(dataset.places["place_id"])}
    return [[_day(day, start), position[pid], int(handover), f"{esc(name)}: {esc(words)}", int(estimated)]
            for day, pid, name, handover, words, estimated in shifts(dataset)]


# ---- events ----

def event_item(dataset: Dataset, event: dict[str, Any], names: dict[str, str]) -> str:
    """One line of the day's panel: 'Air strike at Ariha: Government 12 killed (2015-05-01 to 2015-05-03) [SOHR]'."""
    killed = killed_text(dataset, event)
    when = f" ({when_text(event)})" if pd.notna(event["date_end"]) else ""
    claimant = f" [{event['claimant']}]" if isinstance(event["claimant"], str) and event["claimant"] else ""
    return (f"{esc(dataset.vocabulary.label(event['type']))} at {esc(names.get(event['place_id']))}"
            f"{': ' + esc(killed) if killed else ''}{esc(when + claimant)}")


def event_tables(dataset: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, list[Any]]:
    """events: [day, type, lat, lon, popup row, panel item]; eventPopups; eventTypes: [icon, colour, label, code].
    The browser sets each icon beside its point, clear of the places (placeEvents in jisrgeo.js).
    Figures and source labels are gathered in one pass each, not looked up per event (a war has 50,000)."""
    events = dataset.events
    vocabulary = dataset.vocabulary
    types = sorted(set(events["type"]))
    type_index = {t: i for i, t in enumerate(types)}
    names = dict(zip(dataset.places["place_id"], dataset.places["name"]))
    days = ((shown_on(events) - start).dt.days).to_numpy()
    last = (end - start).days
    figures = casualty_figures_by_event(dataset)
    refs = sorted({int(r) for refs in events["refs"] for r in ints(refs)})
    labels = dict(zip(refs, dataset.source_labels(refs)))
    rows: list[list[Any]] = []
    popups: list[str] = []
    records = events.drop(columns=events.geometry.name).to_dict("records")
    ys, xs = events.geometry.y.to_numpy(), events.geometry.x.to_numpy()
    for k in sorted(range(len(records)), key=lambda k: days[k]):  # stable: the table's order within a day
        n = int(days[k])
        if not 0 <= n <= last:
            continue
        event = records[k]
        rows.append([n, type_index[event["type"]], round(float(ys[k]), 6), round(float(xs[k]), 6), len(popups),
                     event_item(dataset, event, names)])
        popups.append(event_popup(dataset, event, figures.get(event["event_id"], []),
                                  [labels[r] for r in ints(event["refs"])]))
    symbols = [[*vocabulary.event_symbol(t)[::2], esc(vocabulary.label(t)), esc_attr(t)] for t in types]
    return {"events": rows, "eventPopups": popups, "eventTypes": symbols}


def route_tables(dataset: Dataset, start: pd.Timestamp) -> dict[str, list[Any]]:
    """routes: [lat/lng line, colour, weight, dash, name, popup, id, kind row, day or -1 (always shown)]."""
    vocabulary = dataset.vocabulary
    kinds = sorted(set(dataset.routes["kind"]))
    dash = {k: None if k == "breakout" else "6 6" for k in kinds}
    routes = []
    for _, route in dataset.routes.iterrows():
        dated = pd.notna(route["date"])
        routes.append([[[round(y, 6), round(x, 6)] for x, y in route.geometry.coords], vocabulary.route_color(route["kind"]),
                       4 if dated else 2, dash[route["kind"]], esc(route["name"]), route_popup(dataset, route),
                       esc_attr(route["route_id"]), kinds.index(route["kind"]), _day(route["date"], start) if dated else -1])
    return {"routes": routes, "routeKinds": [[esc(vocabulary.label(k)), vocabulary.route_color(k), dash[k]] for k in kinds]}


# ---- casualty totals to date ----

def totals_html(dataset: Dataset, day: pd.Timestamp) -> str:
    items = []
    for label, claims_only in (("", False), ("unverified massacre claims, ", True)):
        totals = casualty_totals(dataset, end=day, allegations="only" if claims_only else False)
        killed = totals[totals["outcome"] == "killed"]
        items += [f"<li>{label}{esc(dataset.vocabulary.label(r.side))}: {esc(fmt_figure(r.low, r.best, r.high))}</li>"
                  for r in killed.itertuples()]
    return f"<ul>{''.join(items)}</ul>" if items else ""


def totals_rows(dataset: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> list[list[Any]]:
    """[first day, totals] each time the totals to date change: on days with a dated figure.

    One pass over the figures instead of a fresh sum per day: per incident and side, rival claims merge
    as in claims.casualty_totals (lowest low, highest best and high) as they arrive, and each arrival adds
    its change to the running totals. Equal to casualty_totals(end=day) on every day (tests check it).
    """
    from ..claims import figure_rows, select_figures

    rows = figure_rows(dataset)
    running = []
    for label, claims_only in (("", False), ("unverified massacre claims, ", True)):
        figures = select_figures(rows, None, end, allegations="only" if claims_only else False)
        figures = figures[figures["outcome"] == "killed"].sort_values("date", kind="stable")
        if figures.empty:
            continue
        group = figures.groupby(["incident", "side"], sort=False)
        merged = pd.DataFrame({"low": group["low"].cummin(), "best": group["best"].cummax(), "high": group["high"].cummax()})
        step = merged - merged.groupby([figures["incident"], figures["side"]], sort=False).shift().fillna(0)
        step = step.assign(side=figures["side"], date=figures["date"])
        for side, part in step.groupby("side", sort=True):
            sums = part[["low", "best", "high"]].cumsum().assign(date=part["date"]).groupby("date").last()
            running += [(date, label, side, r.low, r.best, r.high) for date, r in sums.iterrows()]
    out: list[list[Any]] = []
    last: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
    for date in sorted({r[0] for r in running}):
        for _, label, side, low, best, high in (r for r in running if r[0] == date):
            last[(label, side)] = (low, best, high)
        items = [f"<li>{label}{esc(dataset.vocabulary.label(side))}: {esc(fmt_figure(*last[(label, side)]))}</li>"
                 for label in ("", "unverified massacre claims, ") for side in sorted(s for lb, s in last if lb == label)]
        html = f"<ul>{''.join(items)}</ul>"
        if start <= date and (not out or out[-1][1] != html):
            out.append([max(_day(date, start), 0), html])
        elif date < start:
            out[:] = [[0, html]]
    return out
