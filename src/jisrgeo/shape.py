"""Every value checked against its declaration in schema.py: presence, type, vocabulary, keys, range.

One checker serves every file (the columns of the layers, dataset.json, claims, forces), so a rule
about a field's shape is never written twice. It never raises on odd input: deep nesting, NaN,
lists where strings belong all become Problems.
"""

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from . import schema
from .errors import Problem

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SLUG = re.compile(r"^[a-z0-9_]+$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# How much of a wrong value a message quotes.
SHOW_CHARS = 60
# How much of an id a message names its record by.
LABEL_CHARS = 200


class _Missing:
    """A field a record does not have (unlike null), in a table's column."""

    def __repr__(self):
        return "MISSING"


MISSING = _Missing()
# A table (io/tables.py): {"file", "columns", "nested", ...}; a dataset's tables: {"meta", "places", ...}.
Table = dict[str, Any]
Problems = list[Problem]


def parse_date(text: object) -> date | None:
    """An ISO date or None; rejects impossible days like 2015-02-30 and days pandas cannot hold."""
    if not isinstance(text, str) or not ISO_DATE.match(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if schema.DATE_MIN <= text <= schema.DATE_MAX else None


def show(value: object) -> str:
    """A short, safe rendering of a wrong value for a message (never a 100,000-character repr)."""
    if isinstance(value, (list, tuple, dict)):
        return f"a {'JSON object' if isinstance(value, dict) else 'list'} of {len(value)} item(s)"
    text = repr(value)
    return text if len(text) <= SHOW_CHARS else text[:SHOW_CHARS] + "…"


def lon_lat(points: Sequence[Sequence[float]]) -> Any:
    """An (n, 2) float array of [lon, lat, ...] points (a height is dropped)."""
    import itertools

    import numpy as np

    if set(map(len, points)) <= {2}:  # the usual case: one flat pass instead of a list per row
        return np.fromiter(itertools.chain.from_iterable(points), float, count=2 * len(points)).reshape(-1, 2)
    return np.array([p[:2] for p in points], dtype=float).reshape(-1, 2)


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Checker:
    """Checks values of one file against their fields; problems accumulate in `problems`.

    vocab: {vocabulary name: allowed codes}; keys: {file: set of ids} for foreign keys
    (a file missing from `keys` is not checked, e.g. refs when there is no sources.csv).
    """

    def __init__(self, file: str, vocab: Mapping[str, Sequence[str]], keys: Mapping[str, set], problems: Problems):
        self.file, self.vocab, self.keys, self.problems = file, vocab, keys, problems

    def add(self, label: str, field: str, reason: str) -> None:
        self.problems.append(Problem(self.file, label, field, reason))

    def fields(self, label: str, obj: Mapping[str, Any], spec: Sequence[schema.Field], prefix: str = "") -> None:
        """Check an object's fields."""
        for field in spec:
            path = prefix + field.name
            if field.name not in obj:
                if field.required:
                    self.add(label, path, "required field is missing")
                continue
            self.value(label, path, field, obj[field.name])

    def value(self, label: str, path: str, field: schema.Field, value: Any) -> None:
        if value is None:
            if not field.nullable:
                self.add(label, path, f"null is not allowed: {field.doc}")
            return
        kind = field.type
        if kind == "objects" or kind in schema.ARRAY_ITEMS:
            self._array(label, path, field, value)
        elif kind == "object":
            if not isinstance(value, dict):
                self.add(label, path, f"{show(value)} should be a JSON object")
            else:
                self.fields(label, value, field.fields, path + ".")
        elif kind == "mapping":
            self._mapping(label, path, field, value)
        else:
            self.scalar(label, path, field, value, kind)

    def scalar(self, label: str, path: str, field: schema.Field, value: Any, kind: str) -> None:
        reason = _scalar_problem(value, kind)
        if reason:
            self.add(label, path, reason)
            return
        if is_number(value) and field.minimum is not None:
            if value < field.minimum or (field.exclusive_minimum and value == field.minimum):
                self.add(label, path, f"{show(value)} must be {'>' if field.exclusive_minimum else '>='} {field.minimum:g}")
        self.allowed(label, path, field, value)

    def allowed(self, label: str, path: str, field: schema.Field, value: Any) -> None:
        codes = self.vocab.get(field.vocab) if field.vocab else None
        if codes is not None and value not in codes:
            hint = " (declare the sides in dataset.json)" if field.vocab in ("sides", "casualty_sides") else \
                f' (a new one is declared in dataset.json: "{field.vocab}": {{"{value}": {{"label": "..."}}}})' \
                if field.vocab in schema.BUILTIN_VOCABULARIES and isinstance(value, str) else ""
            self.add(label, path, f"{show(value)} is not one of: {', '.join(codes)}{hint}")
        if field.ref and field.ref in self.keys and value not in self.keys[field.ref]:
            self.add(label, path, f"{show(value)} is not a{' place' if field.ref == 'places' else 'n id'} in "
                     f"{schema.FILES[field.ref]['file']}")

    def _array(self, label, path, field, value):
        if not isinstance(value, (list, tuple)):
            self.add(label, path, f"{show(value)} should be a list")
            return
        if field.length and len(value) != field.length:
            self.add(label, path, f"needs exactly {field.length} values, not {len(value)}")
        if field.type == "objects":
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    self.fields(label, item, field.fields, f"{path}[{i}].")
                else:
                    self.add(label, f"{path}[{i}]", f"{show(item)} should be a JSON object")
            return
        kind = schema.ARRAY_ITEMS[field.type]
        for i, item in enumerate(value):
            reason = _scalar_problem(item, kind)
            if reason:
                self.add(label, f"{path}[{i}]" if field.type != "refs" else path, reason)
            elif field.type != "refs":
                self.allowed(label, f"{path}[{i}]", field, item)

    def _mapping(self, label, path, field, value):
        if not isinstance(value, dict):
            self.add(label, path, f"{show(value)} should be a JSON object")
            return
        for key, item in value.items():
            where = f"{path}.{key}"
            if field.values in ("side", "vocab") and not SLUG.match(key):
                self.add(label, where, "codes must be slugs (a-z, 0-9, _)")
            if field.values == "filename":
                if not isinstance(item, str) or not item:
                    self.add(label, where, f"{show(item)} should be a file name")
                elif key not in schema.LAYER_FILES:
                    self.add(label, where, f"unknown layer; layers are {', '.join(schema.LAYER_FILES)}")
            elif field.values == "side" and isinstance(item, str):
                continue
            elif not isinstance(item, dict):
                self.add(label, where, f"{show(item)} should be a JSON object" + (" or a description" if field.values == "side" else ""))
            else:
                self.fields(label, item, schema.SIDE if field.values == "side" else schema.VOCAB_ENTRY, where + ".")


def _scalar_problem(value, kind):
    if kind in TEXT_KINDS:
        test, wrong = TEXT_KINDS[kind]
        if not isinstance(value, str):
            return f"{show(value)} should be {'a ' + kind if kind != 'string' else 'text'}"
        return f"{show(value)} {wrong}" if test and test(value) is None else None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{show(value)} should be true or false"
    if not is_number(value) or (kind == "integer" and not isinstance(value, int)):
        return f"{show(value)} should be {'an integer' if kind == 'integer' else 'a number'}"
    if not math.isfinite(value):
        return f"{show(value)} is not a finite number"
    return None


# The kinds held as text: (a test giving None for a wrong value, what such a value is told).
TEXT_KINDS: dict[str, tuple[Any, str]] = {
    "string": (None, ""), "slug": (SLUG.match, "must be an ascii slug (a-z, 0-9, _)"),
    "date": (parse_date, f"is not a valid ISO date (YYYY-MM-DD) between {schema.DATE_MIN} and {schema.DATE_MAX}"),
    "color": (COLOR.match, "is not a #rrggbb colour")}


def depth_problem(value: object, limit: int = schema.MAX_DEPTH) -> str | None:
    """None, or a reason when a parsed JSON value nests deeper than `limit` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return f"nested more than {limit} levels deep (the limit)"
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return None
