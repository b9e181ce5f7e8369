"""The small set of errors jisrgeo raises; the CLI turns each into one clean line."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Self


class JisrgeoError(Exception):
    """Base class: anything the user can fix by changing input or arguments."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dataset: where it is and why it is wrong."""

    file: str
    feature_id: str
    field: str
    reason: str
    # "error": the dataset is wrong; "warning": it loads and builds, but a reader may be misled (colours).
    severity: str = "error"

    def __str__(self):
        where = ":".join(p for p in (self.file, self.feature_id, self.field) if p)
        return f"{where}: {self.reason}"


class DataError(JisrgeoError):
    """A dataset folder that cannot be loaded; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:20]]
        more = len(self.problems) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more (run `jisrgeo validate` for the full list)")
        super().__init__(f"{len(self.problems)} problem(s) in the dataset:\n  " + "\n  ".join(lines))


class UnknownPlace(JisrgeoError, KeyError):
    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        self.name, self.suggestions = name, list(suggestions)
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown place {name!r}{hint}")

    def __str__(self):
        return self.args[0]


class BadDate(JisrgeoError, ValueError):
    """A date that is not ISO 8601 or lies outside the dataset's period."""

    @classmethod
    def malformed(cls, value: object) -> Self:
        """`value` is not a date jisrgeo can read."""
        return cls(f"{value!r} is not a valid date: use ISO 8601, YYYY-MM-DD (e.g. 2015-05-10) or YYYY-MM, "
                   "or a date, datetime, pandas Timestamp or numpy datetime64")

    # Set by order(): the CLI names its own options for them.
    start: date | None = None
    end: date | None = None

    @classmethod
    def order(cls, start: date, end: date, names: tuple[str, str] = ("start", "end")) -> Self:
        """`end` (a Timestamp) comes before `start`; `names` are the arguments that gave them."""
        exc = cls(f"{names[1]} ({end:%Y-%m-%d}) comes before {names[0]} ({start:%Y-%m-%d})")
        exc.start, exc.end = start, end
        return exc

    @classmethod
    def outside(cls, day: str | date, start: str | date, end: str | date) -> Self:
        """`day`, `start`, `end` as ISO text."""
        return cls(f"{day} is outside the dataset's period {start}..{end}: control is unknown there")
