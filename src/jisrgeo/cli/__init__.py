"""The `jisrgeo` command: a thin shell over the Python API, one module per command group.

Heavy libraries (geopandas, folium, matplotlib) are imported inside the commands,
so `jisrgeo --help` and quick queries start fast.
"""

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from typing import NoReturn, TextIO

import click

from . import areas, data, geo, interop, publish, reference, start, timeline
from ._common import DATA_HELP

EPILOG = """\b
Examples (on the bundled battle; add --data PATH for yours):
  jisrgeo validate                         check the dataset
  jisrgeo init kobani --name "Siege of Kobani" --period 2014-09-13 2015-01-26 --sides ypg,islamic_state
                                           start a new battle (an empty dataset that validates)
  jisrgeo place "Jisr al-Choghour" --format json
  jisrgeo control --date 2015-05-10        who held what at the end of 10 May
  jisrgeo within hospital 10km --date 2015-05-09 --controller opposition
  jisrgeo build                            all maps and exports into maps/
  jisrgeo schema places                    the JSON Schema of places.geojson
  jisrgeo import ucdp ged.csv --out ged    UCDP GED (or ACLED) events as a dataset
  jisrgeo compare ged                      match our events with theirs
Every command takes --data PATH (a dataset folder, or a GeoPackage from
`jisrgeo export`); set JISRGEO_DATA to make a dataset the default."""


SHORT_USAGE = """\
Usage: jisrgeo COMMAND [ARGS]...   (jisrgeo --help lists every command)

  jisrgeo control --date 2015-05-10        who held what at the end of 10 May
  jisrgeo within hospital 10km             places within 10 km of the hospital
  jisrgeo build                            all maps and exports into maps/"""


@click.group(epilog=EPILOG, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="jisrgeo")
@click.option("--data", "data_path", type=click.Path(), default=None, help=DATA_HELP)
@click.pass_context
def main(ctx: click.Context, data_path: str | None) -> None:
    """Maps, queries and exports for battles as cited day-by-day geodata (bundled: the second
    battle of Jisr al-Shughur, 2015)."""
    ctx.with_resource(one_line_warnings())
    if ctx.invoked_subcommand is None:  # `jisrgeo` alone: a short usage, on stdout, and success
        click.echo(SHORT_USAGE)


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """While a command runs, each warning is one line on stderr ("warning: ..."), without the library's own
    file and line that Python prints by default; restored afterwards (nothing process-wide is left changed).
    Deprecation notices are for developers of the libraries we call, not for a reader of our output: left out
    here even where a test runner or PYTHONWARNINGS turned them on (they would end up in piped JSON)."""
    from ._common import safe

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: TextIO | None = None,
             line: str | None = None) -> None:
        # Through sys.stderr as it is now: while build's progress bar runs, rich stands in for it and prints the
        # line above the bar (click.echo(err=True) would reach the terminal under the bar, on the bar's line).
        click.echo(safe(f"warning: {' '.join(str(message).split())}"), file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        for category in (DeprecationWarning, PendingDeprecationWarning):
            warnings.simplefilter("ignore", category)
        yield


for module in (start, data, timeline, geo, areas, publish, interop, reference):
    for command in module.COMMANDS:
        main.add_command(command)


def run() -> NoReturn:
    """The console entry point: main(), then a full standard output is one message, not a traceback; a
    reader that stopped reading (`jisrgeo frontlines | head`) ends the command quietly, with success."""
    from ..output import os_error_message

    if sys.stdout is None:  # started with stdout closed (>&-): say so rather than print into nothing
        print("Error: cannot write <standard output>: it is closed", file=sys.stderr)
        sys.exit(1)
    try:
        main.main(prog_name="jisrgeo")
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(sys.stdout, click.utils.PacifyFlushWrapper):  # click's sign that the pipe closed (EPIPE)
            code = _reader_gone()
    except BrokenPipeError:
        code = _reader_gone()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        code = _reader_gone()
    except OSError as exc:
        code = code or 1
        print(f"Error: {os_error_message(exc, '<standard output>')}", file=sys.stderr)
        _stdout_to_devnull()
    sys.exit(code)


def _reader_gone():
    """What a closed pipe means: the reader has what it wanted (head, less). Nothing more is said."""
    _stdout_to_devnull()
    return 0


def _stdout_to_devnull():
    # Python flushes stdout again on exit: point it at nothing so that cannot fail loudly.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
