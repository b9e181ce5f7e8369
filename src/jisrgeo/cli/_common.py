"""What every command shares: --data, --format, loading, output and error handling."""

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

if TYPE_CHECKING:
    import pandas as pd
    from rich.progress import Progress

    from ..dataset import Dataset
    from ..sides import Vocabulary

# A command function, as click's decorators take and give it back.
F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")
R = TypeVar("R")
# Rows as the commands print them: {column: a plain JSON-ready value}.
Rows = list[dict[str, Any]]

# Characters that reorder or hide what a terminal shows: bidirectional overrides, embeddings and isolates
# (a name could print backwards, "Trojan Source"), and zero-width ones (two names that look the same).
INVISIBLE = "\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069"
# No terminal escape sequences from data: C0/C1 control characters (newline and tab aside) are replaced, and
# so are the invisible ones above. Unpaired surrogates (from a JSON escape such as \ud800) cannot be encoded
# for the terminal: replaced as well.
UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{INVISIBLE}]")


C1 = re.compile(f"[\x7f-\x9f{INVISIBLE}]")


def safe(text: object) -> str:
    return UNSAFE.sub("\ufffd", str(text))


def json_text(text: str) -> str:
    """JSON for a terminal: json.dumps escapes C0 controls; DEL and C1 (which some terminals obey, e.g. CSI
    as U+009B) and the invisible characters are escaped too, so the JSON means the same and no escape
    sequence, reordering or hidden character reaches the terminal."""
    return C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

def echo(message: object = None, **kwargs: Any) -> None:
    """click.echo for text that may quote the data: no terminal control sequence gets through (JSON stays JSON:
    C1 characters become \\u escapes, C0 ones are escaped by json.dumps already)."""
    click.echo(safe(json_text(message)) if isinstance(message, str) else message, **kwargs)

FORMATS = ("table", "json", "csv")


def progress_bar(quiet: bool = False) -> "Progress":
    """A progress bar on stderr (stdout stays for data), hidden with --quiet or off a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    transient=True, disable=quiet, console=Console(stderr=True))


DATA_HELP = ("Dataset folder in jisrgeo's layout, or a GeoPackage from `jisrgeo export` (default: the bundled "
             "battle). Before or after the command: `jisrgeo --data X control` is `jisrgeo control --data X`.")


def _data_path(ctx, param, value):
    """--data after the command wins; else `jisrgeo --data X COMMAND`; else JISRGEO_DATA; else the bundled battle."""
    import os

    given = ctx.find_root().params.get("data_path")
    # (click has not recorded where `value` came from yet: None is "not given", the variable's value is the variable)
    if given is not None and (value is None or value == os.environ.get("JISRGEO_DATA")):
        return given
    if value is None:
        _clone_note()
    return value


def _clone_note():
    """Inside a checkout of jisrgeo whose geodata/ is not the battle the installed package reads (an edited
    clone, a package installed from elsewhere), say on stderr which one the command reads and how to read
    the other: reading the clone's by the current folder alone would make a command's answer depend on
    where it is run."""
    import os
    from pathlib import Path

    from ..io.folder import bundled_path

    here = Path.cwd()
    root = next((f for f in (here, *here.parents) if (f / "geodata" / "dataset.json").is_file()
                 and (f / "src" / "jisrgeo").is_dir()), None)
    installed = bundled_path()
    if root is None or os.path.realpath(root / "geodata") == os.path.realpath(installed):
        return
    if _same_folder(root / "geodata", installed):
        return
    click.echo(f"note: this reads the installed battle ({installed}), not this clone's geodata/, which differs "
               f"from it: add --data {root / 'geodata'} to read yours", err=True)


def _same_folder(a, b):
    """True when two dataset folders hold the same files with the same bytes (read by the guarded reader)."""
    from ..errors import DataError
    from ..io.folder import read_bytes

    names = sorted(p.name for p in a.iterdir() if p.is_file())
    if names != sorted(p.name for p in b.iterdir() if p.is_file()):
        return False
    try:
        return all(read_bytes(a / n, n, root=a) == read_bytes(b / n, n, root=b) for n in names)
    except DataError:
        return False


def data_option(fn: F) -> F:
    return click.option("--data", "data_path", type=click.Path(), default=None, envvar="JISRGEO_DATA", show_envvar=True,
                        callback=_data_path, help=DATA_HELP)(fn)


def replace_option(fn: F) -> F:
    return click.option("--replace", is_flag=True,
                        help="Also write over files jisrgeo did not write (same names only; nothing is deleted).")(fn)


def format_option(*choices: str, default: str = "table") -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        if "csv" in (choices or FORMATS):
            fn = click.option("--raw-csv", is_flag=True, expose_value=False,
                              callback=lambda ctx, param, value: ctx.meta.__setitem__("raw_csv", value),
                              help="With --format csv: text cells as they are. By default a cell starting with =, "
                                   "+, -, @, a tab or a carriage return gets a leading apostrophe, so a spreadsheet "
                                   "shows it as text instead of running it as a formula.")(fn)
        return click.option("--format", "fmt", type=click.Choice(choices or FORMATS), default=default,
                            show_default=True, help="Output format.")(fn)
    return decorate


def json_file(path: str | os.PathLike[str], hint: str) -> Any:
    """The JSON a file named by an option holds, through the guarded reader (no pipe, device, oversized
    or deeply nested file is read); otherwise a usage error naming the option and the file."""
    from pathlib import Path

    from ..errors import DataError
    from ..io.folder import read_json

    try:
        return read_json(Path(path), name=str(path))
    except DataError as exc:
        reason = exc.problems[0].reason
        raise click.BadParameter(safe(reason if str(path) in reason else f"{path}: {reason}"), param_hint=hint) from None


def radius_param(ctx: click.Context | None, param: click.Parameter | None, value: str) -> float:
    """Click callback: a distance like 10km, 500m or 1200 as metres, or a usage error."""
    from ..query import parse_radius

    try:
        return parse_radius(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Domain errors become one clean line: bad arguments exit 2; bad data, refused or failed output exit 1."""
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from ..errors import BadDate, JisrgeoError, UnknownPlace
        from ..output import os_error_message

        try:
            return fn(*args, **kwargs)
        except BadDate as exc:
            if exc.start is not None:  # the library names its arguments; here they are options
                raise click.UsageError(f"--to {exc.end:%Y-%m-%d} comes before --from {exc.start:%Y-%m-%d}") from None
            raise click.UsageError(safe(exc)) from None
        except UnknownPlace as exc:
            raise click.UsageError(safe(exc)) from None
        except JisrgeoError as exc:
            raise click.ClickException(safe(str(exc).replace("replace=True (--replace)", "--replace"))) from None
        except BrokenPipeError:
            raise  # the reader has gone (`jisrgeo events | head`): the entry point ends quietly
        except OSError as exc:  # a full disk, an unreadable file: the path and the reason
            raise click.ClickException(safe(os_error_message(exc))) from None
    return wrapper


def load(data_path: str | os.PathLike[str] | None) -> "Dataset":
    from .. import load as _load

    return _load(data_path)


def plain(value: Any) -> Any:
    """A JSON-ready version of a pandas/numpy value."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) == 1:  # numpy array from a list column
        return [plain(v) for v in value.tolist()]
    if value is None or _missing(value):
        return None
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value in (float("inf"), float("-inf")):  # JSON has no such number
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)  # counts print as 32, not 32.0
    return value


def _missing(value):
    """True for NaN, NaT and pd.NA, without importing pandas."""
    try:
        return bool(value != value)
    except TypeError:  # pd.NA refuses to be a bool
        return True


def records(frame: "pd.DataFrame", columns: Sequence[str] | None = None) -> Rows:
    columns = columns or [c for c in frame.columns if c != "geometry"]
    return [{c: plain(row[c]) for c in columns} for _, row in frame.iterrows()]


SIDE_COLUMNS = ("controller", "challenger", "side", "nearest_other_side", "side_a", "side_b", "previous_controller",
                "previous_challenger")


def emit(frame: "pd.DataFrame", fmt: str, columns: Sequence[str] | None = None, title: str | None = None,
         ds: "Dataset | None" = None) -> None:
    """Print a DataFrame as a table, JSON list, CSV or GeoJSON (see emit_rows)."""
    columns = columns or [c for c in frame.columns if c != "geometry"]
    geometry = [g.__geo_interface__ for g in frame.geometry] if fmt == "geojson" else None
    emit_rows(records(frame, columns), fmt, columns, title, ds.vocabulary if ds is not None else None, geometry)


def emit_rows(rows: Rows, fmt: str, columns: Sequence[str] | None, title: str | None = None,
              vocabulary: "Vocabulary | None" = None, geometry: Sequence[dict[str, Any]] | None = None) -> None:
    """Print rows (dicts of plain values) as a table, JSON list, CSV or GeoJSON (with `geometry`,
    one GeoJSON geometry per row).

    Tables are for people: with the dataset's `vocabulary`, side codes show as its labels.
    JSON, CSV and GeoJSON keep the codes, for programs.
    """
    if fmt == "table" and vocabulary is not None:
        rows = [{c: vocabulary.label(v) if c in SIDE_COLUMNS and isinstance(v, str) else v for c, v in row.items()}
                for row in rows]
    if fmt == "geojson":
        assert geometry is not None, "GeoJSON rows need their geometry"
        features = [{"type": "Feature", "geometry": g, "properties": row} for g, row in zip(geometry, rows)]
        echo(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    elif fmt == "json":
        echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv

        from ..schema import formula_safe

        # To a terminal, control characters from the data are replaced; piped, the CSV keeps every byte.
        # Either way a cell a spreadsheet would run as a formula gets an apostrophe, unless --raw-csv.
        context = click.get_current_context(silent=True)
        raw = context is not None and context.meta.get("raw_csv", False)
        tty = safe if sys.stdout is not None and sys.stdout.isatty() else (lambda v: v)
        clean = tty if raw else (lambda v: tty(formula_safe(v)))
        writer = csv.DictWriter(sys.stdout, fieldnames=columns or (list(rows[0]) if rows else []), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: clean(";".join(map(str, v)) if isinstance(v, list) else v) if isinstance(v, (str, list))
                             else v for k, v in row.items()})
    else:
        table(rows, title)


def table(rows: Rows, title: str | None = None) -> None:
    """Rows as a table for people: fitted to the terminal, or plain tab-separated lines when piped."""
    keys = list(rows[0]) if rows else []
    cells = [[_cell_text(v) for v in row.values()] for row in rows]
    if not _terminal():
        # Piped: the title as a '#' comment line, a header and one line per row, tab-separated, never wrapped.
        heading = " ".join(safe(title).split()) if title else ""
        if not rows:  # an empty table still says which one it is
            click.echo(f"# {heading}: (no rows)" if heading else "# (no rows)")
            return
        lines = [f"# {heading}"] if heading else []
        lines.append("\t".join(keys))
        lines += ["\t".join(" ".join(text.split()) for text in line) for line in cells]
        click.echo("\n".join(lines))  # one write: a click.echo per row is most of a warm `control` on 8,000 places
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text  # Text, not markup: data like "[red]" must print as written

    console = Console(soft_wrap=False)
    if not rows:  # an empty table still says which one it is
        console.print(Text(f"{safe(title)}: (no rows)" if title else "(no rows)"))
        return
    # A column of single tokens (ids, codes, dates, numbers) is never broken; text wraps at spaces, and
    # needs room for its longest word. A table that cannot fit so is shown one record at a time.
    widths = []
    for i, key in enumerate(keys):
        column = [line[i] for line in cells]
        tokens = all(" " not in text for text in column)
        words = [len(w) for text in column for w in text.split()] or [0]
        widths.append((tokens, max([len(key), *map(len, column)]) if tokens else max(len(key), min(max(words), 24))))
    if sum(w for _, w in widths) + 3 * len(keys) + 1 > console.width:
        _records(console, keys, cells, title)
        return
    out = Table(title=Text(safe(title)) if title else None, show_lines=False)
    for key, (tokens, width) in zip(keys, widths):
        out.add_column(key, overflow="fold", no_wrap=tokens, min_width=width)
    for line in cells:
        out.add_row(*(Text(text) for text in line))
    console.print(out)


def _records(console, keys, cells, title):
    """Rows too wide for the terminal, as blocks of `field  value` lines (values wrapped at spaces)."""
    import textwrap

    from rich.text import Text

    pad = max(map(len, keys)) + 2
    room = max(console.width - pad, 20)
    if title:
        console.print(Text(safe(title), style="bold"))
    for n, line in enumerate(cells, 1):
        console.print(Text(f"-- {n} --", style="dim"))
        for key, text in zip(keys, line):
            wrapped = textwrap.wrap(text, room, break_long_words=False, break_on_hyphens=False) or [""]
            console.print(Text(key.ljust(pad) + wrapped[0]))
            for more in wrapped[1:]:
                console.print(Text(" " * pad + more))


def _cell_text(value):
    text = "" if value is None else ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return safe(text)


def _terminal():
    return sys.stdout is not None and sys.stdout.isatty()
