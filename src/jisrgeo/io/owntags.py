"""What our ACLED and UCDP exports write beyond the codebooks, and how our importers read it back.

ACLED's free `tags` column and GED's `source_original` carry items "jisrgeo KEY: VALUE" joined by "; ",
so a round trip keeps what the codebooks cannot hold; other tools show them as text and ignore them:

    jisrgeo type: massacre_claim                    our event type (an allegation stays an allegation)
    jisrgeo incident: 2015-04-25-town               the incident rival claims share
    jisrgeo refs: 16, 41                            reference numbers
    jisrgeo dates: 2016-11-20 2016-11-22 range      the exact dates and their precision
    jisrgeo actors: rebel forces | Syrian Arab Army  the actors in their own words
    jisrgeo figure rebels killed: more_than low 200 best 200     every figure, as stated (no invented high)
    jisrgeo side rebels: Liberation Front | #2ca25f | allies brigades | neutral   a side's declaration
    jisrgeo country: Syria | iso 760 | gwno 652     the dataset's country
    jisrgeo killed SIDE: low 1, best 2, high 3      (older exports: killed figures only; still read)
"""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sides import Side
    from .imports import Row, SideRules

TAG = "jisrgeo"
SLUG = r"[a-z0-9_]+"
ITEM = re.compile(rf"^{TAG} (type|incident|refs|dates|actors|country|figure ({SLUG}) ({SLUG})|side ({SLUG})|"
                  rf"killed ({SLUG})):\s*(.*)$")
NUMBER = re.compile(r"(low|best|high) (-?\d+(?:\.\d+)?)")
FIGURE = re.compile(r"^(\S+)((?: (?:low|best|high) -?\d+(?:\.\d+)?)*)(?: text (.*))?$")
DATES = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{4}-\d{2}-\d{2}|-) (" + SLUG + ")$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# What read() finds in a cell (see its docstring).
Tags = dict[str, Any]
# A figure as a dict: side, outcome, qualifier, low, best, high, text.
Figure = Mapping[str, Any]


def _text(value):
    """A value as one item's text: no item or field separators, one line."""
    return " ".join(str(value).replace(";", ",").replace("|", "/").split())


def _present(value):
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _number(value):
    return f"{float(value):g}" if float(value) != int(float(value)) else str(int(float(value)))


def figure_item(figure: Figure) -> str:
    """One figure ({side, outcome, qualifier, low, best, high, text}) as a tag item."""
    parts: list[Any] = [figure.get("qualifier") if _present(figure.get("qualifier")) else "-"]
    parts += [f"{k} {_number(figure[k])}" for k in ("low", "best", "high") if _present(figure.get(k))]
    if _present(figure.get("text")) and str(figure["text"]).strip():
        parts.append(f"text {_text(figure['text'])}")
    return f"{TAG} figure {figure['side']} {figure['outcome']}: " + " ".join(parts)


def side_item(code: str, side: "Side") -> str:
    """A side's declaration (a sides.Side) as a tag item."""
    parts = [_text(side.label), side.color]
    if side.allies:
        parts.append("allies " + " ".join(side.allies))
    if side.neutral:
        parts.append("neutral")
    return f"{TAG} side {code}: " + " | ".join(parts)


def write(kind: str, incident: str | None = None, refs: Sequence[int] = (),
          dates: tuple[str, str | None, str] | None = None, actors: tuple[str | None, str | None] | None = None,
          figures: Iterable[Figure] = (), sides: Iterable[tuple[str, "Side"]] = (),
          country: Mapping[str, Any] | None = None) -> str:
    """The tag text of one exported event. dates: (start, end or None, precision); actors: (actor1, actor2);
    figures: dicts as in figure_item; sides: [(code, sides.Side)]; country: dataset.json's country object."""
    items = [f"{TAG} refs: " + ", ".join(str(int(r)) for r in refs)] if len(refs) else []
    items.append(f"{TAG} type: {kind}")
    if incident:
        items.append(f"{TAG} incident: {_text(incident)}")
    if dates:
        items.append(f"{TAG} dates: {dates[0]} {dates[1] or '-'} {dates[2]}")
    if actors and any(actors):
        items.append(f"{TAG} actors: " + " | ".join(_text(a or "") for a in actors))
    items += [figure_item(f) for f in figures]
    items += [side_item(code, side) for code, side in sides]
    if country and country.get("name"):
        items.append(f"{TAG} country: " + " | ".join(
            [_text(country["name"]), *(f"{k} {int(country[k])}" for k in ("iso", "gwno") if country.get(k))]))
    return "; ".join(items)


def _figure(side, outcome, value):
    match = FIGURE.match(value.strip())
    if not match:
        return None
    qualifier, numbers, text = match.groups()
    figure = {"side": side, "outcome": outcome, "qualifier": None if qualifier == "-" else qualifier,
              "low": None, "best": None, "high": None}
    for key, number in NUMBER.findall(numbers):
        figure[key] = float(number) if "." in number else int(number)
    if text:
        figure["text"] = text.strip()
    return figure


def _side(value):
    parts = [p.strip() for p in value.split("|")]
    entry = {"label": parts[0]} if parts[0] else {}
    for part in parts[1:]:
        if COLOR.match(part):
            entry["color"] = part.lower()
        elif part.startswith("allies "):
            entry["allies"] = [a for a in part[7:].split() if re.fullmatch(SLUG, a)]
        elif part == "neutral":
            entry["neutral"] = True
    return entry


def _country(value):
    parts = [p.strip() for p in value.split("|")]
    country = {"name": parts[0]}
    for part in parts[1:]:
        key, _, number = part.partition(" ")
        if key in ("iso", "gwno") and number.isdigit():
            country[key] = int(number)
    return country


def read(text: str | None) -> Tags:
    """{'type', 'incident', 'refs', 'dates': (start, end, precision), 'actors': (a1, a2), 'figures': [dict],
    'killed': [(side, low, best, high)] (older exports), 'sides': {code: entry}, 'country': dict} from a cell;
    keys absent when the cell does not hold them. Items that are not ours are ignored."""
    found: Tags = {"killed": [], "figures": [], "sides": {}}
    for item in (text or "").split(";"):
        match = ITEM.match(item.strip())
        if not match:
            continue
        key, fig_side, fig_outcome, side_code, killed_side, value = match.groups()
        value = value.strip()
        if fig_side:
            figure = _figure(fig_side, fig_outcome, value)
            if figure:
                found["figures"].append(figure)
        elif side_code:
            found["sides"].setdefault(side_code, _side(value))
        elif killed_side:
            numbers = {k: int(float(v)) for k, v in NUMBER.findall(value)}
            found["killed"].append((killed_side, numbers.get("low"), numbers.get("best"), numbers.get("high")))
        elif key == "dates":
            dates = DATES.match(value)
            if dates:
                found["dates"] = (dates.group(1), None if dates.group(2) == "-" else dates.group(2), dates.group(3))
        elif key == "actors":
            actors = [a.strip() for a in value.split("|")] + [""]
            found["actors"] = (actors[0], actors[1])
        elif key == "refs":
            found["refs"] = [int(r) for r in re.findall(r"\d+", value)]
        elif key == "country":
            found["country"] = _country(value)
        else:
            found[key] = value
    return found


def killed_sum(figures: Iterable[Figure]) -> float:
    """The deaths our export counts for an event's figures (fatalities, GED best): each killed figure's best,
    else its low, else its high."""
    total = 0
    for f in figures:
        if f["outcome"] == "killed":
            value = next((f[k] for k in ("best", "low", "high") if f.get(k) is not None), 0)
            total += value
    return total


def learn(tags: Tags, rules: "SideRules") -> None:
    """Let the importer's SideRules name the sides our export declared by their labels (the user's rules first)."""
    for code, entry in tags["sides"].items():
        if entry.get("label"):
            rules.learn(entry["label"], code)


def restore(row: "Row", tags: Tags, total: float, first_day: str, last_day: str | None = None) -> None:
    """Put back on an imported Row what our own export wrote in its tags: the sides' declarations, the country,
    our type, the actors' words, the exact dates (when they agree with the row's own) and every figure as
    stated (when their deaths agree with the row's `total`: a row edited since keeps its columns' reading)."""
    from ..schema import UNVERIFIED_TYPES

    row.declared_sides.update(tags["sides"])
    if tags.get("country"):
        row.country_meta = {**(row.country_meta or {}), **tags["country"]}
    kind = tags.get("type", "")
    if not re.fullmatch(SLUG, kind):
        return
    row.type, row.unmapped_type = kind, None
    if tags.get("incident"):
        row.incident = tags["incident"]
    if "actors" in tags:
        row.actor1, row.actor2 = tags["actors"]
    dates = tags.get("dates")
    if dates and dates[0] == first_day and (last_day is None or (dates[1] or dates[0]) == last_day):
        row.date, row.date_end, row.date_precision = dates
    figures = tags["figures"]
    expected = 0 if kind in UNVERIFIED_TYPES else killed_sum(figures)
    if figures and round(expected) == total:
        row.figures = figures
