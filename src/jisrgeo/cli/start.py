"""Start a new battle: `jisrgeo init`."""

import click

from ._common import echo, handle_errors, replace_option, safe


@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--name", required=True, help="The battle's title, shown on every map.")
@click.option("--period", nargs=2, required=True, metavar="START END", help="First and last day (YYYY-MM-DD).")
@click.option("--sides", required=True, metavar="CODES",
              help="Comma-separated side codes (a-z, 0-9, _), each with an optional label: "
                   '"ypg=YPG,islamic_state=Islamic State,fsa=Free Syrian Army".')
@replace_option
@handle_errors
def init(folder: str, name: str, period: tuple[str, str], sides: str, replace: bool) -> None:
    """Write a new dataset FOLDER that validates, builds and exports as it is.

    \b
    dataset.json     the name, the period and the sides (labels as you write them, and
                     colours that colour-blind readers tell apart, up to eight sides)
    places.geojson   empty: add places with their control over time
    events.geojson   empty: add dated events with their casualty figures
    routes.geojson   empty
    sources.csv      the header: one row per reference your facts cite
    docs/format.md describes every field; `jisrgeo validate --data FOLDER` checks
    what you add; `jisrgeo build --data FOLDER` draws the maps.

    \b
    jisrgeo init kobani --name "Siege of Kobani" --period 2014-09-13 2015-01-26 \\
        --sides "ypg=YPG,islamic_state=Islamic State"
    Python: jisrgeo.init("kobani", "Siege of Kobani", ("2014-09-13", "2015-01-26"), "ypg=YPG,islamic_state=Islamic State")
    """
    from .. import init as _init

    written = _init(folder, name, period, sides, replace)
    echo(f"wrote {safe(written)}: an empty dataset; next: add places and sources, then "
         f"jisrgeo validate --data {safe(written)}")


COMMANDS = [init]
