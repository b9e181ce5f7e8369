"""Commands that read the dataset as it is: validate, place, events."""

import json
import sys

import click

from ._common import data_option, emit, format_option, handle_errors, load, plain


@click.command()
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def validate(path, fmt):
    """Check a dataset folder (default: the bundled one) and list every problem.

    Each problem names the file, the feature id, the field and the reason.
    Exit code 0 when clean, 1 when not. Files are never modified.

    Python: jisrgeo.validate(path)
    """
    from .. import validate as _validate

    problems = _validate(path)
    if fmt == "json":
        click.echo(json.dumps([p.__dict__ for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            click.echo(str(p))
        click.echo(f"{len(problems)} problem(s)" if problems else "OK: no problems found", err=bool(problems))
    sys.exit(1 if problems else 0)


@click.command()
@click.argument("name")
@data_option
@format_option("table", "json")
@handle_errors
def place(name, data_path, fmt):
    """Show one place, found by any alias (French, English, Arabic; accents and al-/el- optional).

    Python: jisrgeo.load().place(NAME)
    """
    row = load(data_path).place(name)
    record = {"place_id": row["place_id"], "name": row["name"], "lat": round(row.geometry.y, 6),
              "lon": round(row.geometry.x, 6), "kind": row["kind"], "aliases": list(row["aliases"]),
              "precision_m": plain(row["precision_m"]), "governorate": row["governorate"],
              "location_source": row["location_source"], "refs": list(row["refs"]), "note": row["note"]}
    if fmt == "json":
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        from ._common import table

        table([{"field": k, "value": v} for k, v in record.items()], title=record["name"])


EVENT_COLUMNS = ["event_id", "date", "date_end", "date_precision", "place_id", "type", "claimant",
                 "killed_government_best", "killed_opposition_best", "killed_civilian_best", "refs", "note"]


@click.command()
@click.option("--place", "place_name", help="Only events at this place (any alias).")
@click.option("--date", help="Only events on this day (YYYY-MM-DD); ranges that cover it count.")
@data_option
@format_option("table", "json", "csv")
@handle_errors
def events(place_name, date, data_path, fmt):
    """List dated events, with their claimant, casualties by side and references.

    Python: jisrgeo.load().events_filtered(place=..., date=...)
    """
    ds = load(data_path)
    if date is not None:
        ds.day(date)
    columns = EVENT_COLUMNS if fmt != "table" else [c for c in EVENT_COLUMNS if c not in ("note", "date_end", "date_precision")]
    emit(ds.events_filtered(place=place_name, date=date), fmt, columns)


@click.command()
@click.argument("path", type=click.Path(file_okay=False, exists=True))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="New folder for the repaired copy.")
@handle_errors
def normalize(path, out):
    """Write a repaired copy of a dataset folder into --out (PATH itself is never changed).

    Reprojects GeoJSON layers exported in a projected CRS (a legacy 'crs' member)
    to WGS84 lon/lat, and drops byte-order marks. Run `jisrgeo validate OUT` next.

    Python: jisrgeo.normalize(PATH, OUT)
    """
    from .. import normalize as _normalize

    changes = _normalize(path, out)
    for change in changes:
        click.echo(change)
    click.echo(f"wrote the repaired copy to {out}" if changes else f"nothing to repair; copied to {out}")


COMMANDS = [validate, place, events, normalize]
