"""What a dataset's data may say, and how it looks: sides, kinds and types from its own dataset.json.

The sides are the dataset's declaration (dataset.json `sides`), never the code's; a dataset
that declares none uses the codes its places use. A side without a colour takes the next one of
a fixed colour-blind-safe palette, in declaration order, so colours are stable. Place kinds,
event types and route kinds are the built-in lists below, extended by dataset.json.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import schema
from .schema import BUILTIN_VOCABULARIES
from .style import DEFAULT_EVENT_SYMBOL, EVENT_SYMBOLS, PALETTE, ROUTE_COLORS, UNKNOWN_COLOR

# The default palette is declared once, in style.py (see the note there).
SAFE_PALETTE_SIZE = len(PALETTE)
NON_COMBATANT_COLORS = {"civilian": "#7f7f7f", "unknown": UNKNOWN_COLOR}
NON_COMBATANT_LABELS = {"civilian": "Civilians", "unknown": "Side not stated"}

FIXED_VOCABULARIES = {"statuses": schema.STATUSES, "date_precisions": schema.DATE_PRECISIONS, "bases": schema.BASES,
                      "outcomes": schema.OUTCOMES, "claim_kinds": schema.CLAIM_KINDS, "compass": schema.COMPASS,
                      "figure_qualifiers": schema.FIGURE_QUALIFIERS}
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
SLUG = re.compile(r"^[a-z0-9_]+$")


def default_label(code: object) -> str:
    return str(code).replace("_", " ").capitalize()


@dataclass(frozen=True)
class Side:
    code: str
    label: str
    color: str
    description: str = ""
    neutral: bool = False
    allies: tuple = ()


def _declared(meta, key):
    """A mapping from dataset.json, or {} when absent or of the wrong shape (shape.py reports that)."""
    value = meta.get(key) if isinstance(meta, dict) else None
    return {k: v for k, v in value.items() if isinstance(k, str) and SLUG.match(k)} if isinstance(value, dict) else {}


def _entry(value):
    return value if isinstance(value, dict) else {"description": value} if isinstance(value, str) else {}


def _allies(code, declared):
    """A side's allies: those it names and those that name it (alliances are symmetric), declared sides only."""
    own = _entry(declared.get(code)).get("allies")
    named = {a for a in own if isinstance(a, str)} if isinstance(own, list) else set()
    named |= {other for other, v in declared.items()
              if isinstance(_entry(v).get("allies"), list) and code in _entry(v)["allies"]}
    return tuple(sorted(a for a in named if a in declared and a != code))


def _default_colors(n, declared):
    """Colours for `n` sides that declare none: the palette's in order when no side declares one (the
    common case, no colour science needed), else the first that pass against the declared ones."""
    if n <= 0:
        return []
    declared = list(declared)
    if not declared:
        return list(PALETTE[:n])
    from .cvd import pick

    picked = pick(n, declared, UNKNOWN_COLOR)
    spare = iter(c for c in PALETTE if c not in declared and c not in picked)
    return [c or next(spare, UNKNOWN_COLOR) for c in picked]


class Vocabulary:
    """The sides, their labels and colours, and every vocabulary a dataset's fields are checked against."""

    def __init__(self, meta: Mapping[str, Any] | None = None, used_sides: Iterable[object] = ()) -> None:
        meta = meta or {}
        declared = _declared(meta, "sides")
        codes = list(declared) or sorted({s for s in used_sides if isinstance(s, str) and SLUG.match(s)})
        given = {code: _entry(declared.get(code)).get("color") for code in codes}
        given = {code: c.lower() for code, c in given.items() if isinstance(c, str) and COLOR.match(c)}
        palette = iter(_default_colors(len(codes) - len(given), given.values()))
        self.sides = {}
        for code in codes:
            entry = _entry(declared.get(code))
            color = given.get(code)
            description = entry.get("description") if isinstance(entry.get("description"), str) else ""
            # No label: the description as written (a side declared as "YPG" stays "YPG"), else one from the code.
            label = next((t for t in (entry.get("label"), description.strip()) if isinstance(t, str) and t), None) \
                or default_label(code)
            self.sides[code] = Side(code, label, (color or next(palette, UNKNOWN_COLOR)).lower(), description,
                                    entry.get("neutral") is True, _allies(code, declared))
        self.declared_sides = bool(declared)
        self.casualty_sides = tuple(self.sides) + tuple(s for s in schema.NON_COMBATANT_SIDES if s not in self.sides)
        self.extra = {name: {code: _entry(v) for code, v in _declared(meta, name).items()} for name in BUILTIN_VOCABULARIES}

    def lists(self) -> dict[str, tuple[str, ...]]:
        """{vocabulary name: allowed codes} for shape checks and JSON Schemas."""
        out = {"sides": tuple(self.sides), "casualty_sides": self.casualty_sides, **FIXED_VOCABULARIES}
        for name, builtin in BUILTIN_VOCABULARIES.items():
            out[name] = builtin + tuple(c for c in self.extra[name] if c not in builtin)
        return out

    def opposed(self, a: str | None, b: str | None) -> bool:
        """Whether a front line may run between ground of sides a and b: two different sides,
        neither neutral, not allies (alliances are symmetric: declared on either side is enough)."""
        if a == b or a is None or b is None:
            return False
        first, second = self.sides.get(a), self.sides.get(b)
        if (first and first.neutral) or (second and second.neutral):
            return False
        return not ((first and b in first.allies) or (second and a in second.allies))

    def label(self, code: str | None) -> str:
        """A side's (or any code's) label for legends and tables."""
        if code in self.sides:
            return self.sides[code].label
        if code in NON_COMBATANT_LABELS:
            return NON_COMBATANT_LABELS[code]
        for entries in self.extra.values():
            if isinstance(entries.get(code, {}).get("label"), str):
                return entries[code]["label"]
        return code.replace("_", " ") if isinstance(code, str) else "no control recorded"

    def color(self, code: str | None) -> str:
        if code in self.sides:
            return self.sides[code].color
        return NON_COMBATANT_COLORS.get(code or "", UNKNOWN_COLOR)

    def event_symbol(self, event_type: str) -> tuple[str, str, str]:
        """(Font Awesome icon, QGIS marker shape, colour) of an event type, built-in or declared."""
        icon, shape, color = EVENT_SYMBOLS.get(event_type, DEFAULT_EVENT_SYMBOL)
        extra = self.extra["event_types"].get(event_type, {})
        symbol = extra.get("symbol") if isinstance(extra.get("symbol"), str) and SLUG.match(extra["symbol"].replace("-", "_")) else icon
        declared = extra.get("color")
        return symbol, shape, declared.lower() if isinstance(declared, str) and COLOR.match(declared) else color

    def route_color(self, kind: str) -> str:
        declared = self.extra["route_kinds"].get(kind, {}).get("color")
        return declared.lower() if isinstance(declared, str) and COLOR.match(declared) else ROUTE_COLORS.get(kind, "#555555")
