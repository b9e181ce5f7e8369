"""Commands about estimated ground: areas, frontlines."""

import click

from ._common import data_option, emit, format_option, handle_errors, load

AREA_COLUMNS = ["controller", "status", "challenger", "places", "area_km2", "method", "basis"]
FRONT_COLUMNS = ["side_a", "side_b", "segments", "length_km", "method", "basis"]


@click.command()
@click.option("--date", help="Day (YYYY-MM-DD): the areas at the end of it.")
@click.option("--from", "start", help="With --to: each side's area on every day from this one (a CSV curve).")
@click.option("--to", "end", help="Last day of the curve (YYYY-MM-DD).")
@data_option
@format_option("table", "json", "csv", "geojson")
@handle_errors
def areas(date, start, end, data_path, fmt):
    """Estimated areas of control (derived from the places, never observed), in km².

    \b
    --date D: one feature per side for the ground it holds, and one per contested or
    besieged place (with its challenger); areas are geodesic (WGS84).
    --from D --to D: each side's km² on every day, one row a day (the battle's curve).
    How the areas are drawn (Voronoi cells cut to a radius per kind of place) is in the
    README and in every feature's `method`.

    Python: ds.areas(DATE), ds.area_by_day(start, end)
    """
    ds = load(data_path)
    if date and (start or end):
        raise click.UsageError("give --date for one day, or --from and --to for the curve, not both")
    if date:
        emit(ds.areas(date), fmt, AREA_COLUMNS, title=f"{ds.name}: estimated areas at the end of {date}", ds=ds)
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
def frontlines(date, data_path, fmt):
    """Estimated front lines (derived): where areas of two different sides meet, with their length in km.

    One feature per pair of sides (side_a, side_b in alphabetical order), geodesic lengths.

    Python: ds.front_lines(DATE)
    """
    ds = load(data_path)
    emit(ds.front_lines(date), fmt, FRONT_COLUMNS, title=f"{ds.name}: estimated front lines at the end of {date}", ds=ds)


COMMANDS = [areas, frontlines]
