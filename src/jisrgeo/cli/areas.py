"""Commands about estimated ground: areas, frontlines."""

import click

from ._common import data_option, emit, format_option, handle_errors, load


def _columns(columns, fmt):
    """A table for people leaves out the long method text (it is in --help and the README); files keep it."""
    return [c for c in columns if c != "method"] if fmt == "table" else columns


@click.command()
@click.option("--date", help="Day (YYYY-MM-DD): the areas at the end of it.")
@click.option("--from", "start", help="With --to: each side's area on every day from this one (a CSV curve).")
@click.option("--to", "end", help="Last day of the curve (YYYY-MM-DD).")
@data_option
@format_option("table", "json", "csv", "geojson")
@handle_errors
def areas(date: str | None, start: str | None, end: str | None, data_path: str | None, fmt: str) -> None:
    """Estimated areas of control (derived from the places, never observed), in km².

    \b
    --date D: the zones that day: one per stretch of contiguous ground a side holds with
    one basis (reported, inferred, or unreported_change: kept only because no source
    reports a change), and one per contested or besieged place (with its challenger);
    then each place that is infrastructure, not ground (a bridge, a building), as a
    mark: ground false, area 0, the place's point (a contested bridge is no zone).
    --from D --to D: each side's km² on every day, one row a day (the battle's curve).
    How the zones are drawn (each place holds the ground nearer to it than to any other
    place, within a reach that follows the spacing of places and shrinks with its radius
    of doubt; beyond every reach nothing is drawn) is in the README and in every
    feature's `method`; areas are measured in a local equal-area projection.

    Python: ds.areas(DATE), ds.area_by_day(start, end)
    """
    from ..areas import AREA_COLUMNS  # here, not at the top: --help must not import pandas

    ds = load(data_path)
    if date and (start or end):
        raise click.UsageError("give --date for one day, or --from and --to for the curve, not both")
    if date:
        import pandas as pd

        # Infrastructure (bridges, buildings) follows as marks: ground false, area 0, the place's point.
        marks = ds.marks(date)
        table = pd.concat([ds.areas(date), marks], ignore_index=True) if len(marks) else ds.areas(date)
        emit(table, fmt, _columns(AREA_COLUMNS, fmt), title=f"{ds.name}: estimated zones at the end of {date}", ds=ds)
        return
    if fmt == "geojson":
        raise click.UsageError("the curve has no geometry: use --format csv, json or table (or --date for GeoJSON)")
    curve = ds.area_by_day(start, end)
    emit(curve.rename_axis("date").reset_index(), fmt, title=f"{ds.name}: km² held by each side")


@click.command()
@click.option("--date", required=True, help="Day (YYYY-MM-DD): the front lines at the end of it.")
@data_option
@format_option("table", "json", "csv", "geojson")
@handle_errors
def frontlines(date: str, data_path: str | None, fmt: str) -> None:
    """Estimated front lines (derived): where zones of two opposing sides meet, with their length in km.

    One feature per pair of neighbouring zones (side_a, side_b in alphabetical order).
    Allies and neutral sides (dataset.json sides) never get a front line between them.

    Python: ds.front_lines(DATE)
    """
    from ..areas import FRONT_COLUMNS

    ds = load(data_path)
    emit(ds.front_lines(date), fmt, _columns(FRONT_COLUMNS, fmt), title=f"{ds.name}: estimated front lines at the end of {date}", ds=ds)


COMMANDS = [areas, frontlines]
