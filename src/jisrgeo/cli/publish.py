"""Commands that write files: build, map, export."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ._common import data_option, echo, handle_errors, json_file, load, progress_bar, replace_option, safe

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


# What `map -o FILE` writes, by the file's suffix; a device or pipe (no suffix) gets HTML.
MAP_FORMATS = {".html": "html", ".htm": "html", ".png": "png", ".pdf": "pdf", ".svg": "svg"}


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line (errors still show).")


def _map_format(path):
    """The format an output file's suffix asks for, or a usage error naming the suffixes we write."""
    from ..output import is_passthrough

    suffix = Path(path).suffix.lower()
    if suffix in MAP_FORMATS:
        return MAP_FORMATS[suffix]
    if not suffix and is_passthrough(path):
        return "html"
    raise click.UsageError(f"cannot tell the format of -o {path}: its suffix {suffix or '(none)'!r} is not one of "
                           f"{', '.join(MAP_FORMATS)} (HTML: interactive map; PNG: picture; PDF, SVG: vector for print)")


@click.command()
@data_option
@click.option("--out", default="maps", show_default=True, type=click.Path(),
              help="Output folder: new, empty, or an earlier build (it holds our manifest).")
@click.option("--from", "start", help="First day to map (YYYY-MM-DD); default: the period's start.")
@click.option("--to", "end", help="Last day to map (YYYY-MM-DD); default: the period's end.")
@tiles_option
@click.option("--png", "png", type=click.Choice(("all", "changes", "key", "none")), default="changes",
              show_default=True, help="Which days get a PNG map of their own: every day, key days and days with "
                                      "control changes or events, key days only, or none (the key-days sheet and "
                                      "the GIF are always written).")
@click.option("--day-pages/--no-day-pages", default=None,
              help="Write days/YYYY-MM-DD.html, a redirect to the day viewer for each day, for links to per-day "
                   "pages published earlier; default: the dataset's day_pages setting (dataset.json), else none.")
@replace_option
@quiet_option
@handle_errors
def build(data_path: str | None, out: str, start: str | None, end: str | None, tiles: str | None, png: str,
          day_pages: bool | None, replace: bool, quiet: bool) -> None:
    """Write every map and export: the day viewer (day.html#YYYY-MM-DD), the animated map, index.html, PNGs and data/.

    \b
    The main job. On the bundled data it regenerates the committed maps/ folder
    byte for byte (with the pinned versions in constraints.txt).
    Nothing in --out changes unless the whole build succeeds. Files of an earlier
    build are replaced (its .jisrgeo-manifest.json lists them); files you added
    are kept; a folder of yours is refused unless you pass --replace.

    \b
    Python: jisrgeo.build.build(jisrgeo.load(), "maps")
    """
    from ..build import build as _build

    ds = _load(data_path, tiles)
    with progress_bar(quiet) as bar:
        task = bar.add_task("building", total=None)

        def step(done: int, total: int, path: str) -> None:
            bar.update(task, completed=done, total=total, description=f"building {path}")

        summary = _build(ds, out, start, end, on_step=step, replace=replace, png=png, day_pages=day_pages)
    if not quiet:
        echo(f"wrote {summary['files']} files ({summary['bytes'] / 1e6:.1f} MB) for {summary['days']} days "
               f"to {summary['out']}/ in {summary['seconds']:.1f} s")


@click.command("map")
@click.option("--date", required=True, help="Day to map (YYYY-MM-DD).")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
              help="File to write; its suffix decides the format: .html (interactive, self-contained), .png "
                   "(picture), .pdf or .svg (vector, for print). Repeat -o for several. A pipe such as "
                   "/dev/stdout gets HTML.")
@click.option("--png", type=click.Path(dir_okay=False), help="Also write a static map to this .png file "
                                                             "(the same as -o FILE.png).")
@data_option
@tiles_option
@replace_option
@quiet_option
@handle_errors
def map_(date: str, outputs: tuple[str, ...], png: str | None, data_path: str | None, tiles: str | None,
         replace: bool, quiet: bool) -> None:
    """Map one day, in the format each output's suffix asks for.

    \b
      jisrgeo map --date 2015-04-25 -o day.html   interactive map, opens offline
      jisrgeo map --date 2015-04-25 -o day.png    picture with legend and scale
      jisrgeo map --date 2015-04-25 -o day.pdf    the same map as vector, for print
      jisrgeo map --date 2015-04-25 -o day.svg    vector, to edit in Inkscape or Illustrator

    The static maps show control at the end of the day, certainty (a white centre on inferred or
    range-dated states, hatched inferred zones), a halo on places that changed hands that day and
    a callout of the day's main change. The same data always gives the same bytes.

    An existing file is replaced only if jisrgeo wrote it (or with --replace).

    \b
    Python: jisrgeo.maps.day_map(ds, "2015-05-22")  # a folium.Map, shown inline in notebooks
    jisrgeo.maps.day_static(ds, "2015-05-22", "pdf")  # the file's bytes: "png", "pdf" or "svg"
    """
    from ..output import check_file, write_file

    targets = [*outputs, *([png] if png else [])]
    if not targets:
        raise click.UsageError("give -o FILE (.html, .png, .pdf or .svg)")
    formats = [_map_format(target) if target != png else "png" for target in targets]
    ds = _load(data_path, tiles)
    ds.day(date)
    inputs = [ds.folder] if ds.folder else []
    for target in targets:  # every target refused before any is drawn
        check_file(target, inputs, replace, passthrough=True)
    for target, fmt in zip(targets, formats):
        write_file(target, _map_bytes(ds, date, fmt), inputs, replace)
        if not quiet:
            echo(f"wrote {target}", err=True)


def _map_bytes(ds, date, fmt):
    if fmt == "html":
        from ..maps import INLINE, day_map, to_html

        # Scripts, styles and fonts embedded: the one file works offline, wherever it is copied.
        return to_html(day_map(ds, date), vendor=INLINE)
    from ..maps import day_static

    return day_static(ds, date, fmt)


@click.command()
@click.option("--format", "fmt", type=click.Choice(("gpkg", "geojson", "csv", "parquet", "acled", "ucdp")), required=True,
              help="gpkg: one styled GeoPackage; geojson: one RFC 7946 file per layer; csv: one file per layer; "
                   "parquet: one GeoParquet 1.1 file per layer; acled, ucdp: the events as one CSV with the "
                   "column names of ACLED or UCDP GED.")
@click.option("--out", required=True, type=click.Path(),
              help="A .gpkg file for gpkg; a folder for the others.")
@click.option("--types", "types_file", type=click.Path(exists=True, dir_okay=False),
              help="acled, ucdp: JSON object mapping event types of yours their codebook lacks, e.g. "
                   '{"siege": ["Battles", "Armed clash"]} for acled, {"siege": 1} (type_of_violence) for ucdp. '
                   "Unmapped types are kept verbatim (acled) or counted as 1 (ucdp), and listed.")
@click.option("--raw-csv", is_flag=True,
              help="Write CSV text cells as they are. By default a cell starting with =, +, -, @, a tab or a carriage "
                   "return gets a leading apostrophe, so a spreadsheet shows it as text instead of running it as a "
                   "formula (jisrgeo import takes the apostrophe off again).")
@data_option
@replace_option
@handle_errors
def export(fmt: str, out: str, types_file: str | None, data_path: str | None, replace: bool, raw_csv: bool) -> None:
    """Export the layers for QGIS and other tools.

    \b
    Layers: places, control_intervals (start_date/end_date as DATE fields, end
    exclusive), control_changes, events, routes, and the tables sources,
    casualties, control_states and dataset (what `jisrgeo load` reads back).
    Lists such as refs are joined with ';'. Files are replaced only when complete,
    and only if jisrgeo wrote them (or with --replace). A gpkg file and a parquet
    folder are whole datasets: `--data` and jisrgeo.load() read them back.

    \b
    Python: ds.to_gpkg("battle.gpkg"), ds.to_geojson("geojson"), ds.to_csv("csv"), ds.to_parquet("parquet"),
    jisrgeo.export.to_acled(ds, "acled"), jisrgeo.export.to_ucdp(ds, "ucdp")
    """
    from .. import export as _export

    ds = load(data_path)
    # The writers differ in what they take and return: called as each is below.
    writers: dict[str, Callable[..., Any]] = {"gpkg": _export.to_gpkg, "geojson": _export.to_geojson, "csv": _export.to_csv,
                                              "parquet": _export.to_parquet, "acled": _export.to_acled,
                                              "ucdp": _export.to_ucdp}
    writer = writers[fmt]
    if fmt == "gpkg" and Path(out).is_dir():
        raise click.UsageError(f"--out {out} is a folder; give a .gpkg file name")
    if fmt in ("acled", "ucdp"):
        _export_conflict(ds, fmt, out, types_file, replace, raw_csv)
        return
    if types_file:
        raise click.UsageError("--types applies to --format acled or ucdp only")
    written = writer(ds, out, replace=replace) if fmt in ("gpkg", "parquet") else writer(ds, out, replace=replace,
                                                                                            raw=raw_csv)
    if fmt == "gpkg":
        echo(f"wrote {out} and the QGIS project {Path(out).with_suffix('.qgs')}")
    else:
        echo(f"wrote {len(written)} file(s) to {out}")


def _export_conflict(ds, fmt, out, types_file, replace, raw=False):
    from .. import export as _export
    from ..export.conflict import export_report

    types = None
    if types_file:
        types = json_file(types_file, "--types")
        if not isinstance(types, dict):
            raise click.BadParameter(f"{types_file}: must be a JSON object of event type -> mapping", param_hint="--types")
    written = (_export.to_acled if fmt == "acled" else _export.to_ucdp)(ds, out, replace=replace, types=types, raw=raw)
    report = export_report(ds, fmt, types)
    events = len(ds.events) - report["period_tolls_left_out"]
    echo(f"wrote {len(written)} file(s) to {out}: {events} events")
    if report["period_tolls_left_out"]:
        echo(f"left out {report['period_tolls_left_out']} period toll(s) (aggregate events: a toll over a period is not "
             f"one event): {', '.join(safe(e) for e in report['period_tolls'])}", err=True)
    if report["unmapped_types"]:
        how = "kept verbatim as sub_event_type" if fmt == "acled" else "counted as type_of_violence 1"
        echo(f"event types without a mapping ({how}; map them with --types):", err=True)
        for kind, n in report["unmapped_types"].items():
            echo(f"  {safe(kind)} ({n} events)", err=True)


COMMANDS = [build, map_, export]
