"""Commands about control over time: control, changes, history."""

import click

from .. import schema
from ._common import data_option, emit, emit_rows, format_option, handle_errors, load

CONTROL_COLUMNS = ["place_id", "name", "controller", "status", "challenger", "since", "basis", "date_precision"]
STATE_COLUMNS = schema.columns("places", "control")
CHANGE_COLUMNS = ["effective", "place_id", "name", "kind", "previous_controller", "previous_status",
                  "previous_challenger", *STATE_COLUMNS]


@click.command()
@click.option("--date", required=True, help="Day (YYYY-MM-DD); the state is the one at the end of that day.")
@data_option
@format_option("table", "json", "geojson", "csv")
@handle_errors
def control(date: str, data_path: str | None, fmt: str) -> None:
    """Who held each place at the end of DATE, with status, the side attacking or besieging it
    (challenger), the date of that state and how it is known: basis (reported by a source, or
    inferred by the dataset's authors) and date_precision (day, range, month; empty for the state
    at the start of the period).

    \b
    json: a list of {place_id, name, controller, status, challenger, since, basis, date_precision}
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
@click.option("--place", "place_name", help="Only changes at this place (any alias).")
@click.option("--kind", type=click.Choice(schema.CHANGE_KINDS),
              help="hands: the place changed hands (another controller); status: only its status or challenger changed.")
@data_option
@format_option("table", "json", "csv")
@handle_errors
def changes(start: str | None, end: str | None, place_name: str | None, kind: str | None, data_path: str | None,
            fmt: str) -> None:
    """Control changes that took effect between --from and --to, each beside the state it
    follows (previous_controller, previous_status, previous_challenger) and its kind: hands
    (captured: another controller) or status (the same controller, now contested, besieged
    or held again).

    A change known only within a date range takes effect at the range's end.

    \b
    jisrgeo changes --kind hands                 what changed hands, and from whom
    jisrgeo changes --place hospital --format json
    Python: jisrgeo.load().changes("2015-04-22", "2015-04-30", place="hospital", kind="hands")
    """
    ds = load(data_path)
    emit(ds.changes(start, end, place=place_name, kind=kind), fmt, CHANGE_COLUMNS, ds=ds)


@click.command()
@click.argument("name")
@data_option
@format_option("table", "json", "csv")
@handle_errors
def history(name: str, data_path: str | None, fmt: str) -> None:
    """Every state of one place, from the start of the period.

    \b
    Python: jisrgeo.load().history("hospital")
    """
    columns = ["effective", *STATE_COLUMNS]
    ds = load(data_path)
    emit(ds.history(name), fmt, columns, title=f"{ds.place(name)['name']}: every state", ds=ds)


COMMANDS = [control, changes, history]
