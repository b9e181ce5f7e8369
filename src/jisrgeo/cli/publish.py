"""Commands that write files: build, map, export."""

from pathlib import Path

import click

from ._common import data_option, echo, handle_errors, load, replace_option

tiles_option = click.option(
    "--tiles", metavar="URL|none",
    help="Web pages: draw map tiles from this https URL template ({z}/{x}/{y}) over the offline ground, or "
         "'none'. Default: dataset.json's `tiles`, else none (the pages need no network).")


def _load(data_path, tiles):
    from ..maps.context import with_tiles

    try:
        return with_tiles(load(data_path), tiles)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tiles") from None


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    transient=True)


@click.command()
@data_option
@click.option("--out", default="maps", show_default=True, type=click.Path(),
              help="Output folder: new, empty, or an earlier build (it holds our manifest).")
@click.option("--from", "start", help="First day to map (YYYY-MM-DD); default: the period's start.")
@click.option("--to", "end", help="Last day to map (YYYY-MM-DD); default: the period's end.")
@tiles_option
@replace_option
@handle_errors
def build(data_path, out, start, end, tiles, replace):
    """Write every map and export: the day viewer (day.html#YYYY-MM-DD), the animated map, index.html, PNGs and data/.

    \b
    The main job. On the bundled data it regenerates the committed maps/ folder
    byte for byte (with the pinned versions in constraints.txt).
    Nothing in --out changes unless the whole build succeeds. Files of an earlier
    build are replaced (its .jisrgeo-manifest.json lists them); files you added
    are kept; a folder of yours is refused unless you pass --replace.

    Python: jisrgeo.build.build(jisrgeo.load(), "maps")
    """
    from ..build import build as _build

    ds = _load(data_path, tiles)
    with _progress() as bar:
        task = bar.add_task("building", total=None)

        def step(done, total, path):
            bar.update(task, completed=done, total=total, description=f"building {path}")

        summary = _build(ds, out, start, end, on_step=step, replace=replace)
    echo(f"wrote {summary['files']} files ({summary['bytes'] / 1e6:.1f} MB) for {summary['days']} days "
               f"to {summary['out']}/ in {summary['seconds']:.1f} s")


@click.command("map")
@click.option("--date", required=True, help="Day to map (YYYY-MM-DD).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the interactive map to this .html file (or a pipe such as /dev/stdout).")
@click.option("--png", type=click.Path(dir_okay=False), help="Write a static map to this .png file.")
@data_option
@tiles_option
@replace_option
@handle_errors
def map_(date, output, png, data_path, tiles, replace):
    """Map one day: an interactive HTML map (-o) and/or a static PNG (--png).

    The HTML file is self-contained (scripts, styles and fonts embedded): it opens offline.

    An existing file is replaced only if jisrgeo wrote it (or with --replace).

    Python: jisrgeo.maps.day_map(ds, DATE) returns a folium.Map (shown inline in notebooks);
    jisrgeo.maps.day_png(ds, DATE) returns PNG bytes.
    """
    from ..output import check_file, write_file

    if not output and not png:
        raise click.UsageError("give -o FILE.html and/or --png FILE.png")
    ds = _load(data_path, tiles)
    ds.day(date)
    inputs = [ds.folder] if ds.folder else []
    for target in filter(None, (output, png)):  # both refused before either is drawn
        check_file(target, inputs, replace, passthrough=True)
    if output:
        from ..maps import day_map
        from ..maps._base import INLINE, to_html

        # Scripts, styles and fonts embedded: the one file works offline, wherever it is copied.
        write_file(output, to_html(day_map(ds, date), vendor=INLINE), inputs, replace)
        echo(f"wrote {output}", err=True)
    if png:
        from ..maps import day_png

        write_file(png, day_png(ds, date), inputs, replace)
        echo(f"wrote {png}", err=True)


@click.command()
@click.option("--format", "fmt", type=click.Choice(("gpkg", "geojson", "csv", "parquet", "acled", "ucdp")), required=True,
              help="gpkg: one styled GeoPackage; geojson: one RFC 7946 file per layer; csv: one file per layer; "
                   "parquet: one GeoParquet 1.1 file per layer; acled, ucdp: the events as one CSV with the "
                   "column names of ACLED or UCDP GED.")
@click.option("--out", required=True, type=click.Path(),
              help="A .gpkg file for gpkg; a folder for the others.")
@data_option
@replace_option
@handle_errors
def export(fmt, out, data_path, replace):
    """Export the layers for QGIS and other tools.

    \b
    Layers: places, control_intervals (start_date/end_date as DATE fields, end
    exclusive), control_changes, events, routes, and the tables sources,
    casualties, control_states and dataset (what `jisrgeo load` reads back).
    Lists such as refs are joined with ';'. Files are replaced only when complete,
    and only if jisrgeo wrote them (or with --replace). A gpkg file and a parquet
    folder are whole datasets: `--data` and jisrgeo.load() read them back.

    Python: ds.to_gpkg(path), ds.to_geojson(folder), ds.to_csv(folder), ds.to_parquet(folder),
    jisrgeo.export.to_acled(ds, folder), jisrgeo.export.to_ucdp(ds, folder)
    """
    from .. import export as _export

    ds = load(data_path)
    writer = {"gpkg": _export.to_gpkg, "geojson": _export.to_geojson, "csv": _export.to_csv,
              "parquet": _export.to_parquet, "acled": _export.to_acled, "ucdp": _export.to_ucdp}[fmt]
    if fmt == "gpkg" and Path(out).is_dir():
        raise click.UsageError(f"--out {out} is a folder; give a .gpkg file name")
    written = writer(ds, out, replace=replace)
    if fmt == "gpkg":
        echo(f"wrote {out} and the QGIS project {Path(out).with_suffix('.qgs')}")
    else:
        echo(f"wrote {len(written)} file(s) to {out}")


COMMANDS = [build, map_, export]
