"""ACLED and UCDP GED: import their CSV exports as datasets, and compare two datasets' events."""

import json
from pathlib import Path
from typing import Any

import click

from ._common import data_option, echo, emit, format_option, handle_errors, json_file, load, radius_param, replace_option, safe


def _sides(ctx, param, value):
    if value is None:
        return None
    mapping = json_file(value, "--sides")
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise click.BadParameter(f"{value}: must be a JSON object of actor name (or glob pattern) -> side code")
    return mapping


def _date(ctx, param, value):
    from ..shape import parse_date

    if value is None:
        return None
    day = parse_date(value)  # the dates a dataset may hold
    if day is None:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)")
    return day.isoformat()


def _import_options(fn):
    options = [
        click.argument("file", type=click.Path(exists=True, dir_okay=False)),
        click.option("--out", required=True, type=click.Path(), help="Dataset folder to write (new, empty or ours)."),
        click.option("--sides", "sides", callback=_sides, type=click.Path(exists=True, dir_okay=False),
                     help='JSON object: actor name or glob pattern -> side code, e.g. {"*Nusra*": "opposition"}. '
                          "Not needed for a file our own export wrote: its tags name the sides."),
        click.option("--country", help="Keep rows of this country only."),
        click.option("--from", "start", callback=_date, help="Keep events that end on or after this day."),
        click.option("--to", "end", callback=_date, help="Keep events that start on or before this day."),
        click.option("--bbox", nargs=4, type=float, metavar="W S E N", help="Keep events inside this lon/lat box."),
        click.option("--within", nargs=2, metavar="PLACE RADIUS",
                     help="Keep events within RADIUS (e.g. 20km) of PLACE: lon,lat, or a place of --into "
                          "(else of --data, else of the bundled battle)."),
        click.option("--into", type=click.Path(exists=True, file_okay=False),
                     help="Add the events to a copy of this dataset folder (as their own claimants) instead."),
        click.option("--strict", is_flag=True, help="Stop at the first malformed row instead of skipping it."),
        click.option("--report", "report_fmt", type=click.Choice(("table", "json")), default="table",
                     show_default=True, help="How to print the import report."),
        data_option, replace_option, handle_errors,
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _within(value, data_path, into=None):
    """(lon, lat, metres) for --within: PLACE looked up in --into when given, else in --data (the bundled
    battle by default), and the error says which dataset was searched."""
    if not value:
        return None
    from ..errors import UnknownPlace

    place, radius = value
    metres = radius_param(None, None, radius)
    parts = place.split(",")
    if len(parts) == 2:
        try:
            return float(parts[0]), float(parts[1]), metres
        except ValueError:
            pass
    ds = load(into or data_path)
    try:
        row = ds.place(place)
    except UnknownPlace as exc:
        where = "--into" if into else "--data" if data_path else "the bundled battle (no --data or --into given)"
        raise click.BadParameter(f"{exc} in {safe(ds.name)}, searched as {where}; give lon,lat (e.g. 38.35,36.89) "
                                 "or the dataset that names it with --data", param_hint="--within") from None
    return row.geometry.x, row.geometry.y, metres


def _run_import(kind, file, out, sides, country, start, end, bbox, within, into, strict, report_fmt, data_path, replace):
    from ..compare import rival_claims
    from ..dataset import Dataset
    from ..io.imports import Filters, merge_into, tables_of, write_folder
    from ..io.ingest import import_files, import_folder
    from ._common import progress_bar

    from ..output import check_folder

    inputs = [Path(file), *([Path(into)] if into else [])]
    check_folder(out, inputs, replace)  # a refused --out is said before the file is read
    if into:
        _check_into(into)
    filters = Filters(country, start, end, tuple(bbox) if bbox else None, _within(within, data_path, into))
    with progress_bar() as bar:
        task = bar.add_task(f"reading {Path(file).name}", total=Path(file).stat().st_size)
        progress = lambda done, total: bar.update(task, completed=done)  # noqa: E731
        if into:  # a merge holds both datasets in memory
            files, report = import_files(kind, file, sides, filters, strict, on_progress=progress)
        else:  # streamed: bounded memory whatever the number of rows, checked as it is written
            report = import_folder(kind, file, out, sides, filters, strict, on_progress=progress, replace=replace,
                                   inputs=inputs)
    if into:
        imported = Dataset(**tables_of(files))
        linked = rival_claims(load(into), imported)
        files = merge_into(files, into, report, linked)
        Dataset(**tables_of(files))  # everything we write passes validate
        write_folder(files, out, replace, inputs=inputs)
    _print_report(report, out, report_fmt)


def _check_into(into):
    """--into must be a dataset folder that loads: its own problems are listed before anything is read."""
    from .. import load as _load
    from ..errors import JisrgeoError
    from ..io.folder import is_parquet_export

    if is_parquet_export(into):
        raise JisrgeoError(f"--into {into} is a GeoParquet export: give a dataset folder (GeoJSON layers) to add to")
    _load(into)


def _print_report(report, out, fmt):
    if fmt == "json":
        echo(json.dumps({"out": str(out), **report}, ensure_ascii=False, indent=2))
        return
    echo(f"wrote {out}: {report['imported']} events at {report['places']} places, {report['sources']} sources "
         f"({report['rows']} rows read, {report['filtered_out']} filtered out, {report['skipped_rows']} skipped)")
    if report.get("encoding_note"):
        echo(f"  the file is {report['encoding_note']}", err=True)
    if report.get("cut_fields"):
        echo(f"  {report['cut_fields']} field(s) longer than {_max_field():,} characters were cut to that length:", err=True)
        for cut in report["cut"][:20]:
            echo(f"    line {cut['line']}, {safe(cut['column'])}: {cut['length']:,} characters", err=True)
    for skipped in report["skipped"][:20]:
        echo(f"  skipped line {skipped['line']}: {safe(skipped['reason'])}", err=True)
    if report["skipped_rows"] > 20:
        echo(f"  ... and {report['skipped_rows'] - 20} more skipped rows (--report json lists the first "
             f"{len(report['skipped'])})", err=True)
    if "places_reused" in report:
        echo(f"into {report.get('into', 'the dataset')}: {report['places_reused']} imported place(s) are existing places, "
             f"{len(report['claims_linked'])} event(s) linked as rival claims of an existing incident")
        for event_id, incident in list(report["claims_linked"].items())[:20]:
            echo(f"  {safe(event_id)} -> incident {safe(incident)}")
    if report.get("unmapped_types"):
        echo("source types no rule of ours maps (kept verbatim in each event's note):", err=True)
        for kind, n in list(report["unmapped_types"].items())[:20]:
            echo(f"  {safe(kind)} ({n} rows)", err=True)
    if report["unmatched_actors"]:
        echo("actors no --sides rule matched (their deaths are counted under 'unknown'):", err=True)
        for actor, n in list(report["unmatched_actors"].items())[:20]:
            echo(f"  {safe(actor)} ({n} rows)", err=True)


def _max_field():
    from ..io.imports import MAX_FIELD

    return MAX_FIELD


@click.group("import")
def import_() -> None:
    """Import event records from ACLED or UCDP GED as a dataset folder (`validate` passes it).

    \b
    Dates, location precision, event types, deaths and actors are mapped as the
    README's tables say; the verbatim source type stays in each event's note.
    Neither source records control: the maps show the events over their places.
    A file `jisrgeo export --format acled/ucdp` wrote comes back whole, with no
    --sides: its tags restore the sides (labels, colours), exact dates, every
    figure as stated, and massacre allegations as allegations.

    \b
    Python: other, report = jisrgeo.read_acled("acled.csv", sides={"Jaish al-Fatah": "opposition"});
    other, report = jisrgeo.read_ucdp("ged.csv")
    """


@import_.command("acled")
@_import_options
def import_acled(**kwargs: Any) -> None:
    """Import an ACLED CSV export (ISO or '25 April 2015' dates).

    \b
    jisrgeo import acled syria.csv --out acled-2015 --sides sides.json --country Syria \\
        --from 2015-04-01 --to 2015-06-30 --within "Jisr al-Shughur" 40km
    Python: other, report = jisrgeo.read_acled("acled.csv", sides={"Jaish al-Fatah": "opposition"}, country="Syria")
    """
    _run_import("acled", **kwargs)


@import_.command("ucdp")
@_import_options
def import_ucdp(**kwargs: Any) -> None:
    """Import a UCDP GED CSV export (ranges of every date_prec, where_prec 1-7).

    \b
    jisrgeo import ucdp ged.csv --out ged-2015 --sides sides.json --within 36.32,35.81 30km
    Python: other, report = jisrgeo.read_ucdp("ged.csv", sides={"Government of Syria": "government"})
    """
    _run_import("ucdp", **kwargs)


@click.command()
@click.argument("other", type=click.Path(exists=True))
@click.option("--within", "within", default="5km", show_default=True, callback=radius_param,
              help="Largest distance between matched events.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(min=0),
              help="Largest number of days between matched events' dates.")
@click.option("--show", type=click.Choice(("matched", "only-ours", "only-theirs", "all")), default="all",
              show_default=True, help="Which events to print.")
@format_option("table", "json", "csv")
@data_option
@handle_errors
def compare(other: str, within: float, days: int, show: str, fmt: str, data_path: str | None) -> None:
    """Match the events of --data (ours) with those of OTHER (a dataset folder, .gpkg or parquet folder).

    \b
    Pairs lie within --within of each other and --days of each other's dates; each
    pair shows both datasets' killed figures by side, as each states them. Then the
    events each has that the other lacks.

    \b
    Python: jisrgeo.compare.compare(jisrgeo.load(), jisrgeo.read_ucdp("ged.csv")[0], within_m=5000, days=1)
    """
    from ..compare import compare as _compare

    result = _compare(load(data_path), load(other), within_m=within, days=days)
    parts = {"matched": result["matched"], "only-ours": result["only_a"], "only-theirs": result["only_b"]}
    chosen = list(parts) if show == "all" else [show]
    if fmt == "json":
        from ._common import records

        echo(json.dumps({k: records(parts[k]) for k in chosen}, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        import pandas as pd

        frames = [parts[k].assign(part=k) for k in chosen]
        echo(pd.concat(frames, ignore_index=True).to_csv(index=False), nl=False)
        return
    columns = {"matched": ["date_a", "event_id_a", "killed_a", "date_b", "event_id_b", "killed_b", "distance_m", "days_apart"],
               "only-ours": ["date", "event_id", "type", "place_id", "killed"],
               "only-theirs": ["date", "event_id", "type", "place_id", "killed"]}
    for k in chosen:
        emit(parts[k], "table", columns[k], title=f"{k}: {len(parts[k])} events")


COMMANDS = [import_, compare]
