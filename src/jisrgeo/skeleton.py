"""A new, empty dataset folder that validates: the start of a researcher's own battle.

dataset.json declares the name, the period and the sides; the layers are empty; sources.csv has
its header only. Each place, event and source is then added by hand (docs/format.md says how).
"""

import csv
import io
import json
import os
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from . import schema
from .errors import DataError, Problem

SLUG = re.compile(r"^[a-z0-9_]+$")
EMPTY_LAYER = '{"type": "FeatureCollection", "features": [\n]}\n'


def parse_sides(text: str) -> dict[str, str]:
    """{code: label} from 'ypg=YPG,is=Islamic State,fsa' (a code alone is its own label, spaces for _)."""
    sides = {}
    for item in (part.strip() for part in str(text).split(",")):
        if not item:
            continue
        code, _, label = (s.strip() for s in item.partition("="))
        sides[code] = label or code.replace("_", " ")
    return sides


def _problems(name, start, end, sides):
    problems = []
    if not str(name).strip():
        problems.append(Problem("dataset.json", "", "name", "must not be empty"))
    days = []
    for field, text in (("period.start", start), ("period.end", end)):
        try:
            days.append(date.fromisoformat(str(text)))
        except ValueError:
            problems.append(Problem("dataset.json", "", field, f"{text!r} is not a date (YYYY-MM-DD)"))
    if len(days) == 2 and days[1] < days[0]:
        problems.append(Problem("dataset.json", "", "period", f"ends ({end}) before it starts ({start})"))
    if not sides:
        problems.append(Problem("dataset.json", "", "sides", "give at least one side, e.g. government,opposition"))
    for code in sides:
        if not SLUG.match(code):
            problems.append(Problem("dataset.json", "", "sides", f"{code!r} is not a code: use a-z, 0-9 and _ "
                                    "(a label goes after '=', e.g. ypg=YPG)"))
    return problems


def init(folder: str | os.PathLike[str], name: str, period: tuple[str | date, str | date],
         sides: str | dict[str, str] | Iterable[str], replace: bool = False) -> Path:
    """Write a new dataset folder: dataset.json (name, period, sides with colours that colour-blind readers
    tell apart, up to eight), empty places, events and routes,
    and a sources.csv header. sides: codes, {code: label}, or 'a=Label,b'. Refuses a folder holding
    files jisrgeo did not write (replace=True overwrites only the skeleton's own file names).
    Returns the folder's Path."""
    from .output import output_folder

    sides = parse_sides(sides) if isinstance(sides, str) else \
        dict(sides) if isinstance(sides, dict) else {c: c.replace("_", " ") for c in sides}
    start, end = period
    problems = _problems(name, start, end, sides)
    if problems:
        raise DataError(problems)
    # Each side gets a colour colour-blind readers tell from the others (cvd.py), written down so the
    # dataset says what its maps show and a user can change one knowingly (`validate` checks it).
    from .cvd import pick
    from .style import UNKNOWN_COLOR

    colors = pick(len(sides), unknown=UNKNOWN_COLOR)
    meta = {"name": str(name).strip(), "period": {"start": str(start), "end": str(end)}, "source": "",
            "sides": {code: {"label": label, **({"color": color} if color else {})}
                      for (code, label), color in zip(sides.items(), colors)}}
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([f.name for f in schema.FILES["sources"]["fields"]])
    with output_folder(folder, (), replace, prune=False) as tmp:
        (tmp / "dataset.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        for layer in ("places", "events", "routes"):
            (tmp / schema.FILES[layer]["file"]).write_text(EMPTY_LAYER, encoding="utf-8")
        (tmp / schema.FILES["sources"]["file"]).write_text(header.getvalue(), encoding="utf-8")
    return Path(folder)
