"""ACLED and UCDP GED CSV exports read into dataset files: the entry point over imports.py (the shared
row handling) and acled.py / ucdp.py (each source's columns), so neither of those imports the other."""

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from . import acled, ucdp
from .imports import Files, Filters, Report, Scan, SideRules, checked_events, read_rows, write_files

# {actor name or glob pattern: side code}, the user's --sides mapping.
ActorSides = Mapping[str, str]
# Called now and then with (bytes read, file size).
Progress = Callable[[int, int], object]

ORIGINS = {"acled": "ACLED", "ucdp": "UCDP GED"}
MODULES = {"acled": acled, "ucdp": ucdp}


def scan(kind: str, path: str | os.PathLike[str], sides: ActorSides | None = None, filters: Filters | None = None,
         strict: bool = False, on_progress: Progress | None = None,
         spool_dir: str | os.PathLike[str] | None = None) -> tuple[Scan, Report, SideRules]:
    """(Scan, Report, SideRules) for an ACLED or UCDP GED CSV: one streaming pass (see imports.Scan)."""
    module = MODULES[kind]
    rules = SideRules(sides)
    report = Report()
    result = Scan(ORIGINS[kind], module.PRECISION_M.values(), spool_dir)
    try:
        for row in read_rows(path, lambda record, line: module.row(record, line, rules), module.REQUIRED,
                             filters or Filters(), strict, on_progress, report):
            result.add(row)
    except BaseException:
        result.spool.close()
        raise
    report.imported, report.unmatched_actors = result.events, rules.unmatched
    return result, report, rules


def import_files(kind: str, path: str | os.PathLike[str], sides: ActorSides | None = None,
                 filters: Filters | None = None, strict: bool = False, name: str | None = None,
                 on_progress: Progress | None = None) -> tuple[Files, dict[str, Any]]:
    """(dataset files, report dict) for an ACLED or UCDP GED CSV, all in memory: see read_acled / read_ucdp."""
    result, report, rules = scan(kind, path, sides, filters, strict, on_progress)
    with result.spool:
        files = result.files(name or f"{ORIGINS[kind]} events from {Path(path).name}", rules.sides)
        files["events.geojson"] = {"type": "FeatureCollection", "features": [f for _, f in result.events_lines()]}
    report.places, report.sources = len(result.places.list), len(result.sources)
    return files, report.as_dict()


def import_folder(kind: str, path: str | os.PathLike[str], out: str | os.PathLike[str],
                  sides: ActorSides | None = None, filters: Filters | None = None, strict: bool = False,
                  name: str | None = None, on_progress: Progress | None = None, replace: bool = False,
                  inputs: Iterable[str | os.PathLike[str]] = ()) -> dict[str, Any]:
    """Import a CSV straight into the dataset folder `out`, streaming: rows are spooled inside the output's
    temporary folder, events are checked against the rules in chunks as they are written, and the folder
    is published only if every check passed (nothing is written otherwise). Returns the report dict."""
    from ..output import OutputError, os_error_message, output_folder

    with output_folder(out, list(inputs), replace, prune=False) as tmp:
        try:
            result, report, rules = scan(kind, path, sides, filters, strict, on_progress, spool_dir=tmp)
            with result.spool:
                files = result.files(name or f"{ORIGINS[kind]} events from {Path(path).name}", rules.sides)
                write_files(files, tmp, checked_events(files, result.events_lines()))
        except OSError as exc:  # writing the spool or the files (a full disk): named by the output, not our temp files
            if exc.filename and not str(exc.filename).startswith(str(tmp)):
                raise
            raise OutputError(os_error_message(OSError(exc.errno, exc.strerror), Path(out))) from None
    report.places, report.sources = len(result.places.list), len(result.sources)
    return report.as_dict()
