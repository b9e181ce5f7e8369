"""Commands that read the dataset as it is: validate, place, events."""

import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, NoReturn

import click

from .. import schema
from ._common import data_option, echo, emit, format_option, handle_errors, load, plain, replace_option, safe, table

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..errors import Problem


def _dataset_path(path, data_path):
    if path and data_path and path != data_path:
        raise click.UsageError("give the dataset either as PATH or with --data, not both")
    return path or data_path


@click.command()
@click.argument("path", required=False, type=click.Path())
@data_option
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def validate(path: str | None, data_path: str | None, fmt: str) -> NoReturn:
    """Check a dataset (PATH or --data; default: the bundled one) and list every problem.

    Each problem names the file, the feature id, the field and the reason.
    Exit code 0 when clean, 1 when not. Files are never modified. Side colours that colour-blind
    readers may confuse (CIEDE2000 after simulating deuteranopia, protanopia and tritanopia) are a
    warning (a line on stderr, with the nearest colour that passes), not a problem; in Python they
    come back with severity "warning".

    \b
    Python: jisrgeo.validate("geodata")
    """
    from .. import validate as _validate

    found = _validate(_dataset_path(path, data_path))
    problems = [p for p in found if p.severity != "warning"]
    for p in found:
        if p.severity == "warning":
            echo(safe(f"warning: {p}"), err=True)
    if fmt == "json":
        # Errors only (warnings went to stderr), in the shape they always had; as in the text, at most
        # SHOWN_ALIKE of a kind, then one entry per kind whose "omitted" counts the rest.
        shown, omitted = _alike(problems)
        listed = [{k: v for k, v in p.__dict__.items() if k != "severity"} for p in shown]
        listed += [{"file": file, "feature_id": "", "field": field, "reason": reason, "omitted": count}
                   for (file, field, reason), count in omitted]
        echo(json.dumps(listed, ensure_ascii=False, indent=2))
    else:
        for line in capped(problems):
            echo(safe(line))
        echo(f"{len(problems):,} problem(s)" if problems else "OK: no problems found", err=bool(problems))
    sys.exit(1 if problems else 0)


# Problems of one kind (same file, field and reason) listed one by one; the rest of that kind are counted.
SHOWN_ALIKE = 10


def _alike(problems: "Iterable[Problem]", keep: int = SHOWN_ALIKE
           ) -> tuple[list["Problem"], list[tuple[tuple[str, str, str], int]]]:
    """(the problems to show: at most `keep` of each kind (same file, field and reason), [(kind, how many more)])."""
    import collections

    seen: collections.Counter[tuple[str, str, str]] = collections.Counter()
    shown = []
    for p in problems:
        kind = (p.file, p.field, p.reason)
        seen[kind] += 1
        if seen[kind] <= keep:
            shown.append(p)
    return shown, [(kind, count - keep) for kind, count in seen.items() if count > keep]


def capped(problems: "Iterable[Problem]", keep: int = SHOWN_ALIKE) -> list[str]:
    """Lines for `problems`: at most `keep` of each kind, then one "... and N more like this" line per kind,
    so millions of identical rows never print millions of lines."""
    shown, omitted = _alike(problems, keep)
    lines = [str(p) for p in shown]
    for (file, field, reason), count in omitted:
        where = ":".join(x for x in (file, field) if x)
        lines.append(f"... and {count:,} more like this ({where}: {reason})")
    return lines


@click.command()
@click.argument("name")
@data_option
@format_option("table", "json", "csv", "geojson")
@handle_errors
def place(name: str, data_path: str | None, fmt: str) -> None:
    """Show one place, found by any alias (French, English, Arabic; accents and al-/el- optional).

    \b
    Python: jisrgeo.load().place("Jisr al-Choghour")
    """
    ds = load(data_path)
    row = ds.places[ds.places["place_id"] == ds.resolve(name)]
    if fmt in ("json", "table"):
        record = dict(zip(PLACE_COLUMNS, [plain(row.iloc[0][c]) for c in PLACE_COLUMNS]))
        record.update(lon=round(row.geometry.iloc[0].x, 6), lat=round(row.geometry.iloc[0].y, 6))
        if fmt == "json":
            echo(json.dumps(record, ensure_ascii=False, indent=2))
        else:
            table([{"field": k, "value": v} for k, v in record.items()], title=record["name"])
    else:
        emit(row, fmt, PLACE_COLUMNS)


PLACE_COLUMNS = schema.columns("places")


def event_columns(ds: "Dataset", fmt: str) -> list[str]:
    """The events' own fields and the killed figure of each of the dataset's casualty sides; `aggregate`
    marks a toll over a period (never one day's figure)."""
    killed = [f"killed_{side}_best" for side in ds.vocabulary.casualty_sides]
    columns = schema.columns("events", exclude=("actor1", "actor2", "incident"))
    if fmt == "table":  # one `date` cell shows the range, one `toll` cell the period tolls
        columns = ["toll" if c == "aggregate" else c for c in columns if c not in ("note", "date_end", "date_precision")]
    return columns[:-1] + killed + columns[-1:] if columns[-1] == "note" else columns + killed


def _table_view(rows, killed):
    """Events for a terminal: a range as '2015-04-22..2015-05-22', a period toll marked as one, and each
    killed cell as its figure: the best one, else the stated range ('900–1,200'), else 'at least N'."""
    first = rows["date"].dt.strftime("%Y-%m-%d")
    last = rows["date_end"].dt.strftime("%Y-%m-%d")
    dates = first.where(rows["date_end"].isna() | (last == first), first + ".." + last)
    cells = {c: [_figure_cell(*v) for v in zip(*(rows[c.removesuffix("best") + m] for m in ("low", "best", "high")))]
             for c in killed}
    return rows.assign(date=dates, toll=rows["aggregate"].map({True: "period toll"}).fillna(""), **cells)


def _figure_cell(low, best, high):
    import pandas as pd  # loaded with the dataset already

    def number(value: float) -> str:
        return f"{value:,.0f}" if float(value).is_integer() else f"{float(value):,}"

    low, best, high = (None if pd.isna(v) else float(v) for v in (low, best, high))
    if best is not None:
        return number(best)
    if low is not None and high is not None:
        return f"{number(low)}–{number(high)}"
    return f"at least {number(low)}" if low is not None else f"up to {number(high)}" if high is not None else ""


@click.command()
@click.option("--place", "place_name", help="Only events at this place (any alias).")
@click.option("--date", help="Only events on this day (YYYY-MM-DD); ranges that cover it count.")
@data_option
@format_option("table", "json", "csv", "geojson")
@handle_errors
def events(place_name: str | None, date: str | None, data_path: str | None, fmt: str) -> None:
    """List dated events, with their claimant, killed by side (the dataset's sides) and references.

    An event known only within a range shows it (date..date_end); a toll over a period
    (aggregate) is marked "period toll": its figure covers the whole range, not that day.

    \b
    Python: jisrgeo.load().events_filtered(place="hospital", date="2015-05-10")
    """
    ds = load(data_path)
    if date is not None:
        ds.day(date)
    rows = ds.events_filtered(place=place_name, date=date)
    columns = event_columns(ds, fmt)
    if fmt == "table":  # a terminal is narrow: only the sides these rows have figures for
        rows = _table_view(rows, [c for c in columns if c.startswith("killed_")])
        columns = [c for c in columns if not c.startswith("killed_") or rows[c].astype(bool).any()]
    emit(rows, fmt, columns, title=f"{ds.name}: events" + (f" on {date}" if date else ""))


@click.command()
@click.argument("path", required=False, type=click.Path())
@data_option
@click.option("--out", required=True, type=click.Path(), help="New (or empty) folder for the repaired copy.")
@replace_option
@handle_errors
def normalize(path: str | None, data_path: str | None, out: str, replace: bool) -> None:
    """Write a repaired copy of a dataset folder into --out (PATH itself is never changed).

    Reprojects GeoJSON layers exported in a projected CRS (a legacy 'crs' member)
    to WGS84 lon/lat, and drops byte-order marks. Run `jisrgeo validate OUT` next.
    --out must be new, empty or an earlier copy; it may not lie inside PATH.

    \b
    Python: jisrgeo.normalize("geodata", "repaired")
    """
    from .. import normalize as _normalize

    source = _dataset_path(path, data_path)
    if not source:
        raise click.UsageError("give the dataset folder to repair as PATH or with --data")
    changes = _normalize(source, out, replace=replace)
    for change in changes:
        echo(change)
    echo(f"wrote the repaired copy to {out}" if changes else f"nothing to repair; copied to {out}")


COMMANDS = [validate, place, events, normalize]
