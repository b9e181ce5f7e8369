"""Write the export layers as GeoPackage, GeoJSON or CSV.

The write_* functions write into a place that is already ours (a build's temporary folder);
the to_* functions are the public ones: they refuse targets that are not ours (see output.py)
and publish atomically.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyogrio

from ..maps.frame import theatre
from ..output import OutputError, StrPath, atomic_file, check_file, os_error_message, output_folder
from .cells import spreadsheet_safe
from .layers import DERIVED_LAYERS, DERIVED_STEP, context_layers, iter_layers, layer_descriptions, style_fields
from .qgis import context_qml, layer_qml, write_styles
from .qgis_project import key_day_pages, project_xml

if TYPE_CHECKING:
    from ..dataset import Dataset

GEOJSON_OPTIONS = {"RFC7946": "YES", "COORDINATE_PRECISION": 6, "WRITE_NAME": "NO"}
# The derived zones and fronts are written at their own precision (layers.DERIVED_STEP, 5 decimals).
DERIVED_DECIMALS = round(-math.log10(DERIVED_STEP))
# GDAL writes a feature a line, its properties first: '{ "type": "Feature", "properties": { ... }, "geometry": ... }'.
FEATURE_HEAD, GEOMETRY_HEAD = '{ "type": "Feature", "properties": { ', ' }, "geometry": '


def _stamp(ds):
    """The one time written into a GeoPackage (last_change, layer_styles.update_time): the dataset's last
    day, never the clock, so building twice gives the same bytes."""
    return f"{pd.Timestamp(ds.period[1]):%Y-%m-%d}T00:00:00.000Z"


def _stamp_contents(gpkg, stamp):
    """GDAL stamps gpkg_contents.last_change with the clock; write the dataset's time over it, in the file
    itself (GDAL's OGR_CURRENT_DATE would do it through a process-wide setting)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(gpkg)) as db, db:
        db.execute("UPDATE gpkg_contents SET last_change = ?", (stamp,))


def _steady_header(gpkg):
    """SQLite counts the transactions that wrote a file in its header (the file change counter and the
    version-valid-for number, offsets 24 and 92); GDAL's count varies from run to run, so two builds of
    the same data differed in those 8 bytes. A closed file's counter only tells other connections that
    it changed, so one fixed value for a finished file keeps it valid and the bytes the same."""
    import struct

    with open(gpkg, "r+b") as handle:
        for offset in (24, 92):
            handle.seek(offset)
            handle.write(struct.pack(">I", 1))


def _why(path):
    """Why writing at `path` failed, when the file system can tell (read-only, full)."""
    import errno
    import os
    import shutil

    parent = Path(path)
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    try:
        if os.statvfs(parent).f_flag & os.ST_RDONLY:
            return errno.EROFS
        if shutil.disk_usage(parent).free < 1 << 20:
            return errno.ENOSPC
    except OSError:
        pass
    return errno.EACCES if not os.access(parent, os.W_OK) else None


@contextlib.contextmanager
def written(path: StrPath) -> Iterator[None]:
    """GDAL's, Arrow's and the OS's errors while writing the output `path` as one OutputError line that
    names `path` (never a temporary name): read-only, full disk, no permission."""
    try:
        yield
    except OutputError:
        raise
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as exc:
        code = _why(path) or getattr(exc, "errno", None)
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        detail = re.sub(r"[^\s()'\"]*jisrgeo-tmp[^\s()'\"]*", Path(path).name, detail)  # our temporary name: no news
        raise OutputError(os_error_message(OSError(code, exc.strerror if isinstance(exc, OSError) and exc.strerror
                                                   and code == exc.errno else os.strerror(code) if code else detail),
                                           path)) from None


def _is_spatial(frame):
    return hasattr(frame, "geometry") and "geometry" in frame.columns


def _credits(ds):
    """The layout's source line: the dataset, its source, the context's sources."""
    from ..maps import context

    source = ds.meta.get("source")
    parts = [f"Data: {ds.name}", f"Source: {source}" if isinstance(source, str) and source.strip() else None,
             f"Context: {', '.join(context.credits())}", "Made with jisrgeo; derived areas and fronts are estimates"]
    return " ".join(part.strip().rstrip(".") + "." for part in parts if part)


def write_gpkg(ds: Dataset, path: StrPath, project: bool = True) -> Path:
    """The GeoPackage (and its .qgs project) at `path`, each file atomically; no ownership checks."""
    path = Path(path)
    layers = {}  # what the styles need of each layer (style_fields), kept as each layer is written and let go
    context = context_layers(ds)
    stamp = _stamp(ds)
    with atomic_file(path) as tmp, written(path), warnings.catch_warnings():
        # A path the user gave without .gpkg lacks the suffix the GeoPackage specification asks for (the
        # staged file takes the target's name): GDAL says so once per layer written. Silenced here only.
        warnings.filterwarnings("ignore", message=r"(?s).*(non conformant file extension|extension should be 'gpkg')")
        described = layer_descriptions()
        for name, frame in iter_layers(ds):
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", use_arrow=True, append=tmp.exists(),
                                    dataset_options={"VERSION": "1.2"}, layer_options=_described(described, name))
            layers[name] = style_fields(frame)
        for kind, frame in context.items():
            pyogrio.write_dataframe(frame, tmp, layer=f"context_{kind}", driver="GPKG", use_arrow=True, append=True)
        _stamp_contents(tmp, stamp)
        write_styles(tmp, {**layer_qml(ds.vocabulary, layers), **context_qml(context)}, stamp)
        _steady_header(tmp)
    if project:
        start, end = ds.period
        with atomic_file(path.with_suffix(".qgs")) as tmp:
            # The animation runs to the end of the last day: QGIS ranges exclude their end.
            tmp.write_text(project_xml(ds.name, path.name, start, end + pd.Timedelta(days=1), ds.vocabulary,
                                       theatre(ds), layers, tuple(context), _credits(ds), atlas=key_day_pages(ds)),
                           encoding="utf-8")
    return path


def write_geojson(ds: Dataset, folder: StrPath, raw: bool = False, tables: bool = True,
                  derived: bool = True) -> list[Path]:
    """One RFC 7946 GeoJSON file per spatial layer (tables go to CSV beside them unless tables=False: a
    build's data/csv has them already), into `folder`; derived=False leaves out the derived zones and
    fronts (DERIVED_LAYERS: a build's GeoPackage has them)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written, described = [], layer_descriptions()
    for name, frame in iter_layers(ds, skip=() if derived else DERIVED_LAYERS):
        if not tables and not _is_spatial(frame):
            continue
        if _is_spatial(frame):
            target = folder / f"{name}.geojson"
            options = {**GEOJSON_OPTIONS, **_described(described, name)}
            if name in DERIVED_LAYERS:
                options["COORDINATE_PRECISION"] = DERIVED_DECIMALS
            with atomic_file(target) as tmp:
                gdal = tmp.with_name(tmp.name + ".gdal")  # GDAL's own text, compacted into tmp
                try:
                    pyogrio.write_dataframe(frame, gdal, driver="GeoJSON", use_arrow=True, layer_options=options)
                    _compact_geojson(gdal, tmp)
                finally:
                    gdal.unlink(missing_ok=True)
        else:
            target = _write_csv(frame, folder / f"{name}.csv", raw)
        written.append(target)
    return written


def _compact_geojson(source: Path, target: Path) -> None:
    """GDAL's GeoJSON `source` as `target` without the spaces between tokens and, after the first feature,
    without the properties that are null. The first feature keeps every property, so GDAL (and QGIS, and
    pyogrio) read the same fields in the same order with the same types: a missing member reads as null.
    A war's events file shrinks by more than half (most casualty columns are null).

    Each feature's properties are read member by member (MEMBER: a key and a string, number or literal);
    a line that does not read as GDAL writes it is copied as it is."""
    from ..io.folder import open_file

    with open_file(source, source.name, limit=1 << 62) as handle, \
            open(target, "w", encoding="utf-8", newline="") as out:
        first = True
        for line in io.TextIOWrapper(handle, encoding="utf-8", newline=""):
            members = _members(line) if line.startswith(FEATURE_HEAD) else None
            if members is None:
                out.write(line)
                continue
            properties, geometry = members
            if not first:
                properties = [(key, value) for key, value in properties if value != "null"]
            first = False
            out.write('{"type":"Feature","properties":{' + ",".join(f'"{k}":{v}' for k, v in properties)
                      + '},"geometry":' + geometry.replace(" ", ""))  # a geometry holds no text with spaces


# A property as GDAL writes it: "key": value, the value a JSON string (escapes included), number or literal.
MEMBER = re.compile(r'"((?:[^"\\]|\\.)*)": ("(?:[^"\\]|\\.)*"|[^",{}\[\] ]+)')


def _members(line: str) -> tuple[list[tuple[str, str]], str] | None:
    """([(key, value text)], the rest of the line from the geometry on) of a feature line, or None."""
    found, at = [], len(FEATURE_HEAD)
    while not line.startswith(GEOMETRY_HEAD, at):
        member = MEMBER.match(line, at)
        if member is None:
            return None
        found.append((member[1], member[2]))
        at = member.end() + (2 if line.startswith(", ", member.end()) else 0)
    return found, line[at + len(GEOMETRY_HEAD):]


def _described(descriptions, name):
    """The layer option that carries a derived layer's method (GeoPackage gpkg_contents, GeoJSON member)."""
    return {"DESCRIPTION": descriptions[name]} if name in descriptions else {}


def _write_csv(frame, target, raw=False):
    """CSV with a .csvt sidecar so GDAL (and QGIS) read the column types back exactly; spreadsheet-safe
    text cells unless raw (see cells.py)."""
    options = {"CREATE_CSVT": "YES"}
    if not raw:
        frame = spreadsheet_safe(frame)
    if _is_spatial(frame):
        if (frame.geom_type == "Point").all():
            frame = frame.assign(lon=frame.geometry.x.round(6), lat=frame.geometry.y.round(6)).drop(columns="geometry")
        else:
            options["GEOMETRY"] = "AS_WKT"
    # GDAL's CSV driver writes Date fields as 2015/04/25; ISO 8601 text is written instead, and the
    # .csvt sidecar still declares those columns Date so GDAL and QGIS read them back as dates.
    dates = [c for c in frame.columns if c != "geometry" and _is_date(frame[c])]
    frame = frame.assign(**{c: _iso_text(frame[c]) for c in dates})
    pyogrio.write_dataframe(frame, target, driver="CSV", use_arrow=True, layer_options=options)
    target.with_suffix(".prj").unlink(missing_ok=True)  # WKT lines come with a .prj; lon/lat say it all
    if dates:
        sidecar = target.with_suffix(".csvt")
        header = next(csv.reader([target.read_text(encoding="utf-8").split("\n", 1)[0]]))
        types = sidecar.read_text(encoding="utf-8").strip().split(",")
        types = ["Date" if name in dates else kind for name, kind in zip(header, types)]
        sidecar.write_text(",".join(types), encoding="utf-8")
    return target


def _is_date(column):
    kind = str(column.dtype)
    return kind.startswith("date32") or kind.startswith("datetime64")


def _iso_text(column):
    text = pd.to_datetime(column).dt.strftime("%Y-%m-%d")
    return text.where(column.notna(), None).astype(object)


def write_csv(ds: Dataset, folder: StrPath, raw: bool = False, derived: bool = True) -> list[Path]:
    """One CSV per layer into `folder`: points as lon/lat columns, lines as WKT, types in .csvt sidecars;
    text a spreadsheet would run as a formula starts with an apostrophe unless raw=True. derived=False
    leaves out the derived zones and fronts (DERIVED_LAYERS: a build's GeoPackage has them)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [_write_csv(frame, folder / f"{name}.csv", raw)
            for name, frame in iter_layers(ds, skip=() if derived else DERIVED_LAYERS)]


def write_parquet(ds: Dataset, folder: StrPath) -> list[Path]:
    """One GeoParquet file per layer (GeoParquet 1.1, WKB geometry, dates as date32) into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in iter_layers(ds):
        target = folder / f"{name}.parquet"
        if _is_spatial(frame):
            frame.to_parquet(target, index=False, schema_version="1.1.0", geometry_encoding="WKB", write_covering_bbox=True)
        else:
            frame.to_parquet(target, index=False)
        written.append(target)
    return written


def _inputs(ds):
    return [ds.folder] if getattr(ds, "folder", None) else []


def to_gpkg(ds: Dataset, path: StrPath, replace: bool = False) -> Path:
    """One GeoPackage with every layer and QGIS default styles, and a QGIS project (.qgs) beside it
    that opens the layers styled with the Temporal Controller active.

    Refuses to overwrite a file jisrgeo did not write unless replace=True.
    """
    target = check_file(path, _inputs(ds), replace)
    check_file(target.with_suffix(".qgs"), _inputs(ds), replace)
    return write_gpkg(ds, target)


def _to_folder(write, ds, folder, replace, **options):
    with output_folder(folder, _inputs(ds), replace, prune=False) as tmp, written(Path(folder)):
        names = [p.name for p in write(ds, tmp, **options)]
    return [Path(folder) / name for name in names]


def to_geojson(ds: Dataset, folder: StrPath, replace: bool = False, raw: bool = False) -> list[Path]:
    """One RFC 7946 GeoJSON file per spatial layer in `folder` (tables as CSV beside them).

    Files of the same name that jisrgeo did not write are overwritten only with replace=True;
    nothing else in the folder is touched.
    """
    return _to_folder(write_geojson, ds, folder, replace, raw=raw)


def to_csv(ds: Dataset, folder: StrPath, replace: bool = False, raw: bool = False) -> list[Path]:
    """One CSV per layer in `folder` (points as lon/lat, lines as WKT, .csvt type sidecars).

    Text cells starting with =, +, -, @, a tab or a carriage return get a leading apostrophe, so a
    spreadsheet shows them as text instead of running them as formulas; raw=True writes them as they are.
    """
    return _to_folder(write_csv, ds, folder, replace, raw=raw)


def to_parquet(ds: Dataset, folder: StrPath, replace: bool = False) -> list[Path]:
    """One GeoParquet file per layer in `folder`; jisrgeo.load(folder) reads it back."""
    return _to_folder(write_parquet, ds, folder, replace)


def to_acled(ds: Dataset, folder: StrPath, replace: bool = False,
             types: Mapping[str, str | Sequence[str]] | None = None, raw: bool = False) -> list[Path]:
    """acled.csv in `folder`: our events with ACLED's column names (empty where we have nothing).

    Period tolls (aggregate events) are left out; types maps our event types ACLED's table lacks to
    (event_type, sub_event_type), others keep our type as sub_event_type. What was left out or kept
    verbatim: jisrgeo.export.conflict.export_report(ds, "acled", types). Text is spreadsheet-safe
    unless raw=True (see to_csv).
    """
    from .conflict import write_acled

    return _to_folder(lambda d, tmp: write_acled(d, tmp, types, raw), ds, folder, replace)


def to_ucdp(ds: Dataset, folder: StrPath, replace: bool = False, types: Mapping[str, int] | None = None,
            raw: bool = False) -> list[Path]:
    """ucdp_ged.csv in `folder`: our events with UCDP GED's column names (empty where we have nothing).

    Period tolls (aggregate events) are left out; types maps our event types to type_of_violence
    (1, 2 or 3; unmapped ones count as 1 and are listed by jisrgeo.export.conflict.export_report).
    Text is spreadsheet-safe unless raw=True (see to_csv).
    """
    from .conflict import write_ucdp

    return _to_folder(lambda d, tmp: write_ucdp(d, tmp, types, raw), ds, folder, replace)
