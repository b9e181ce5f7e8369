"""Commands about control over time: control, changes, history."""

import click

from .. import schema
from ._common import data_option, emit, emit_rows, format_option, handle_errors, load

CONTROL_COLUMNS = ["place_id", "name", "controller", "status", "since", "basis", "date_precision"]
STATE_COLUMNS = schema.columns("places", "control")
CHANGE_COLUMNS = ["effective", "place_id", "name", *STATE_COLUMNS]


@click.command()
@click.option("--date", required=True, help="Day (YYYY-MM-DD); the state is the one at the end of that day.")
@data_option
@format_option("table", "json", "geojson", "csv")
@handle_errors
def control(date, data_path, fmt):
    """Who held each place at the end of DATE, with status, the date of that state and how it is
    known: basis (reported by a source, or inferred by the dataset's authors) and date_precision
    (day, range, month; empty for the state at the start of the period).

    \b
    json: a list of {place_id, name, controller, status, since, basis, date_precision}
    geojson: the same as Point features

    \b
    Python: jisrgeo.load().control("2015-05-10")
    """
    from ..quick import control as cached_control

    answer = cached_control(data_path, date)  # from the load cache, without importing pandas
    if answer is not None:
        rows, geometry, lists = answer
        from ..sides import Vocabulary

        rows = [{c: row[c] for c in CONTROL_COLUMNS} for row in rows]
        emit_rows(rows, fmt, CONTROL_COLUMNS, f"{lists['name']}: control at the end of {date}",
                  Vocabulary(lists["meta"], lists["used_sides"]), geometry)
        return
    ds = load(data_path)
    emit(ds.control(date), fmt, CONTROL_COLUMNS, title=f"{ds.name}: control at the end of {ds.day(date):%Y-%m-%d}",
         ds=ds)


@click.command()
@click.option("--from", "start", help="First day (YYYY-MM-DD), inclusive.")
@click.option("--to", "end", help="Last day (YYYY-MM-DD), inclusive.")
@data_option
@format_option("table", "json", "csv")
@handle_errors
def changes(start, end, data_path, fmt):
    """Control changes that took effect between --from and --to.

    A change known only within a date range takes effect at the range's end.

    \b
    Python: jisrgeo.load().changes("2015-04-22", "2015-04-30")
    """
    ds = load(data_path)
    emit(ds.changes(start, end), fmt, CHANGE_COLUMNS, ds=ds)


@click.command()
@click.argument("name")
@data_option
@format_option("table", "json", "csv")
@handle_errors
def history(name, data_path, fmt):
    """Every state of one place, from the start of the period.

    \b
    Python: jisrgeo.load().history("hospital")
    """
    columns = ["effective", *STATE_COLUMNS]
    ds = load(data_path)
    emit(ds.history(name), fmt, columns, title=f"{ds.place(name)['name']}: every state", ds=ds)


COMMANDS = [control, changes, history]
