"""ACLED and UCDP GED CSV exports read into dataset files: the entry point over imports.py (the shared
row handling) and acled.py / ucdp.py (each source's columns), so neither of those imports the other."""

from pathlib import Path

from . import acled, imports, ucdp

ORIGINS = {"acled": "ACLED", "ucdp": "UCDP GED"}


def import_files(kind, path, sides=None, filters=None, strict=False, name=None, on_progress=None):
    """(dataset files, report dict) for an ACLED or UCDP GED CSV: see read_acled / read_ucdp."""
    module = {"acled": acled, "ucdp": ucdp}[kind]
    rules = imports.SideRules(sides)
    rows, report = imports.read_rows(path, lambda record, line: module.row(record, line, rules), module.REQUIRED,
                                     filters or imports.Filters(), strict, on_progress)
    files = imports.build_folder(rows, report, name or f"{ORIGINS[kind]} events from {Path(path).name}",
                                 ORIGINS[kind], rules.sides)
    report.unmatched_actors = rules.unmatched
    return files, report.as_dict()
