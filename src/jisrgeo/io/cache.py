"""A validated columnar copy of a dataset folder, so the next command skips parsing and validation.

After a folder passes validation its tables are stored as GeoParquet in the user's cache directory
(platformdirs), under a key made of the package version and the bytes of every input file. A changed
file or a new version gives a new key; an entry that cannot be read (corrupt, half-written, wrong
schema) is ignored with a warning, and so is a cache directory that cannot be written. The cache
never decides whether data is valid: only a folder that passed every check is stored.

The fast warm path (as pip and Python's .pyc files do it): beside the entries, a small record per folder
keeps each input file's and each entry file's size, mtime_ns, inode and device as they were when last
hashed. While they all still match, and every one of those files is older than the record by more than
RACY_NS (a file changed within the same tick of a coarse clock could keep its time), neither the inputs
nor the entry are hashed again; otherwise everything is hashed in full, and a hand-edited entry is refused
as before. JISRGEO_CACHE_VERIFY=full hashes in full every time. Every file of the cache is read through
the guarded reader (io/folder.py: no pipe, device, oversized file or deep JSON).

JISRGEO_CACHE=off disables it; JISRGEO_CACHE=/some/dir puts it elsewhere.
"""

import hashlib
import json
import os
import re
import shutil
import warnings
from pathlib import Path
from collections.abc import Mapping
from typing import Any, BinaryIO, TypedDict


# Bumped when the stored layout changes, so old entries are not misread.
CACHE_FORMAT = 3
# Control intervals as plain lists (Dataset.control_lists), for answers without pandas (jisrgeo.quick).
LISTS = "control.json"
TABLES = ("places", "changes", "events", "casualties", "routes", "sources")
GEO_TABLES = ("places", "events", "routes")
EXTRA = ("meta", "forces", "claims")
# Our mark on an entry, written last: an entry without it is incomplete, never read, and not ours to prune.
COMPLETE = ".jisrgeo-cache.json"
# Entries kept per cache directory: the oldest go when more are written.
KEEP = 8
# Where the records of the fast warm path live (one small JSON file per dataset folder), and how many are kept.
STATS = ".jisrgeo-stat"
KEEP_STATS = 64
# A file whose mtime is this close to (or after) the moment its signature was recorded is hashed anyway:
# an edit within the same clock tick (2 s on FAT) may leave size and time as they were.
RACY_NS = 2_000_000_000
# Our own marks and records are small: a bigger one is not ours.
MARK_LIMIT = 64 << 20


class ControlLists(TypedDict):
    """Places and control intervals as plain lists (Dataset.control_lists()): what `jisrgeo control` answers
    from without pandas. `places` and `intervals` hold one list per column."""

    name: str
    period: list[str]
    used_sides: list[str]
    meta: dict[str, Any]
    places: dict[str, list[Any]]
    intervals: dict[str, list[Any]]


class CacheWarning(UserWarning):
    """The cache could not be used; the data was read from its files instead."""


def cache_root() -> Path | None:
    """The cache directory, or None when JISRGEO_CACHE=off."""
    setting = os.environ.get("JISRGEO_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    import platformdirs

    return Path(platformdirs.user_cache_dir("jisrgeo", appauthor=False))


def _inputs(folder, meta, files=None):
    """The input files a key is made of: `files`, else dataset.json and the folder's layer files."""
    from .folder import layer_files

    if files is None:
        files = [folder / "dataset.json"] + [file for file, _ in layer_files(folder, meta).values()]
    return list(files)


def _readable(folder, file):
    return file.is_file() and _inside(folder, file)  # never a link out of the folder


def _inside(folder, file):
    from .folder import inside

    return inside(folder, file)


def key(folder: Path, meta: dict[str, Any], files: list[Path] | None = None) -> str:
    """Hex digest of the package version, the cache format and every input file's name and bytes
    (`files`, else the dataset folder's layer files), each read through the guarded reader."""
    from .._version import __version__
    from .folder import open_file

    digest = hashlib.sha256(f"jisrgeo {__version__} cache {CACHE_FORMAT}\n".encode())
    for file in _inputs(folder, meta, files):
        digest.update(f"\n{file.name}\n".encode())
        if _readable(folder, file):
            with open_file(file, file.name, root=folder) as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def _signature(info):
    return [info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev]


def _input_signatures(folder, inputs):
    """[name, size, mtime_ns, inode, device] per input file ([name] alone for one a key skips)."""
    return [[file.name, *(_signature(os.stat(file)) if _readable(folder, file) else [])] for file in inputs]


def _stat_path(root, folder, inputs):
    """The record of these inputs for this version of the package and of the cache's layout."""
    from .._version import __version__

    ident = "\0".join([__version__, str(CACHE_FORMAT), os.path.realpath(folder), *(str(file) for file in inputs)])
    return root / STATS / f"{hashlib.sha256(ident.encode('utf-8', 'surrogatepass')).hexdigest()}.json"


def _settled(signatures, at):
    """True when every file was last changed well before `at` (its mtime then tells an edit)."""
    return all(len(s) < 3 or s[2] < at - RACY_NS for s in signatures)


def _record(root, folder, inputs):
    """The fast path's record for these inputs: {"key", "inputs", "entry", "at"}, or None when it does not
    apply (a changed or recent input, no record, a record that is not ours, or a full check asked for)."""
    from ..errors import DataError
    from .folder import read_json

    if os.environ.get("JISRGEO_CACHE_VERIFY", "").lower() == "full":
        return None
    path = _stat_path(root, folder, inputs)
    if not path.is_file():
        return None
    try:
        record = read_json(path, STATS, limit=MARK_LIMIT)
        signatures = _input_signatures(folder, inputs)
    except (DataError, OSError):
        return None
    if not (isinstance(record, dict) and isinstance(record.get("at"), int) and isinstance(record.get("entry"), dict)
            and isinstance(record.get("key"), str) and re.fullmatch("[0-9a-f]{64}", record["key"])):
        return None
    if record.get("inputs") != signatures or not _settled(signatures, record["at"]):
        return None
    return record


def _remember(root, folder, inputs, signatures, digest, files):
    """Write the fast path's record: the inputs' signatures (taken before they were hashed) and those of
    the entry's files that were checked ({name: signature}). A failure only means the next run hashes again."""
    import time

    path = _stat_path(root, folder, inputs)
    try:
        record = {"key": digest, "inputs": signatures, "entry": files, "at": time.time_ns()}
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, path)
        records = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        for old in records[:-KEEP_STATS]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


class _Entry:
    """A cache entry being read: where it is, what it was found from, and the fast path's record (or None)."""

    def __init__(self, root, folder, inputs, signatures, record):
        self.root, self.folder, self.inputs, self.signatures, self.record = root, folder, inputs, signatures, record
        self.path = root / (record["key"] if record else key(folder, {}, inputs))
        self.hashed = record is None  # whether anything was hashed, so the record is worth writing again
        self.checked = {}  # {name: signature} of the entry's files known unchanged, by the record or a digest

    def trusted(self, name: str, handle: BinaryIO) -> bool:
        """True when the fast path vouches for this open file: the same size, time, inode and device as
        when it was last hashed, and settled then."""
        if self.record is None:
            return False
        now = _signature(os.fstat(handle.fileno()))
        return self.record["entry"].get(name) == now and _settled([[name, *now]], self.record["at"])

    def remember(self) -> None:
        if self.hashed and self.signatures is not None:
            _remember(self.root, self.folder, self.inputs, self.signatures, self.path.name, self.checked)


def _entry(folder, files=None):
    """The complete cache entry (an _Entry) for these input files (`files`, else the folder's layers), or None."""
    from ..errors import DataError
    from .folder import read_meta

    root = cache_root()
    if root is None or not folder.is_dir():
        return None
    try:
        meta = read_meta(folder) if files is None else {}
        inputs = _inputs(folder, meta if isinstance(meta, dict) else {}, files)
        record = _record(root, folder, inputs)
        # Signatures before hashing: a file changed while it is hashed shows on the next run.
        found = _Entry(root, folder, inputs, record["inputs"] if record else _input_signatures(folder, inputs), record)
    except (DataError, OSError):
        return None  # the full read reports what is wrong
    return found if (found.path / COMPLETE).is_file() else None


def read(folder: Path, files: list[Path] | None = None) -> dict[str, Any] | None:
    """A Dataset's stored tables (for Dataset.from_tables) from the cache, or None (missing, disabled or unusable)."""
    entry = _entry(folder, files)
    if entry is None:
        return None
    try:
        tables = _read_entry(entry, folder)
    except Exception:  # whatever a damaged or edited file raises, the files themselves are still there
        # The entry's own path stays out of the message: it is ours, not the user's, and says nothing useful.
        warnings.warn(f"ignoring the cached copy of {folder} (damaged or changed); read from its files instead",
                      CacheWarning, stacklevel=3)
        return None
    entry.remember()
    return tables


def _file_digest(path):
    from .folder import open_file

    with open_file(path, path.name) as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _extra_digest(extra):
    return hashlib.sha256(json.dumps({k: v for k, v in extra.items() if k != "digest"}, sort_keys=True).encode()).hexdigest()


def _checked_extra(entry):
    """The entry's mark, once the mark itself still has the digest written with it and the entry holds
    exactly the files it lists: a hand-edited or half-copied entry is refused here rather than failing deeper."""
    from .folder import read_json

    extra = read_json(entry.path / COMPLETE, COMPLETE, root=entry.path, limit=MARK_LIMIT)
    if not isinstance(extra, dict) or extra.get("digest") != _extra_digest(extra):
        raise ValueError("the entry's mark does not match its digest")
    files = extra.get("files")
    present = {p.name for p in entry.path.iterdir()} - {COMPLETE}
    if not isinstance(files, dict) or set(files) != present:
        raise ValueError("the entry holds other files than it lists")
    return extra


def _open_checked(entry, extra, name, limit=None):
    """A guarded handle on one file of the entry, positioned at its start, once it is known unchanged:
    by the fast path's record, else by its digest (computed from the same handle)."""
    from .folder import open_file

    handle = open_file(entry.path / name, name, root=entry.path, limit=limit)
    try:
        if not entry.trusted(name, handle):
            entry.hashed = True
            if hashlib.file_digest(handle, "sha256").hexdigest() != extra["files"].get(name):
                raise ValueError(f"{name} changed since it was written")
            handle.seek(0)
        entry.checked[name] = _signature(os.fstat(handle.fileno()))
    except BaseException:
        handle.close()
        raise
    return handle


def _read_entry(entry, folder):
    import pyarrow.parquet as pq

    extra = _checked_extra(entry)
    tables = {}
    for name in TABLES:
        if f"{name}.parquet" not in extra["files"]:
            tables[name] = None
            continue
        with _open_checked(entry, extra, f"{name}.parquet") as handle:  # read from the handle that was checked
            tables[name] = _frame(pq.read_table(handle), name in GEO_TABLES, extra["dtypes"][name])
    for name in set(extra["files"]) - set(entry.checked):  # the lists too: one changed file refuses the entry
        _open_checked(entry, extra, name).close()
    return {**tables, **{k: extra[k] for k in EXTRA}, "folder": folder}


def _frame(table, geo, dtypes):
    """A pandas frame of an Arrow table: list cells as Python lists (what the rest of the code expects),
    pandas' own dtypes restored from the file's metadata, WKB geometry decoded in one vectorized call."""
    import pyarrow as pa

    lists = [f.name for f in table.schema if pa.types.is_list(f.type) or pa.types.is_large_list(f.type)]
    frame = table.drop_columns(lists + (["geometry"] if geo else [])).to_pandas()
    for name in lists:
        frame[name] = table.column(name).to_pylist()
    if geo:
        import geopandas as gpd
        import shapely

        geometry = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
        frame = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    frame = frame[table.column_names]
    # Parquet has no object or second-precision columns: give each column back the dtype it was built with.
    for column, dtype in dtypes.items():
        if column != "geometry" and str(frame[column].dtype) != dtype:
            frame[column] = frame[column].astype(dtype)
    return frame


def read_lists(folder: Path) -> ControlLists | None:
    """The control lists stored with a folder's cache entry (see write), or None; never imports pandas."""
    from ..errors import DataError
    from .folder import parse_json

    entry = _entry(folder)
    if entry is None:
        return None
    try:
        # Only the file it reads is checked: the quick path must stay quick.
        extra = _checked_extra(entry)
        if LISTS not in extra["files"]:
            return None
        with _open_checked(entry, extra, LISTS) as handle:
            lists = parse_json(LISTS, handle.read().decode("utf-8"))
    except (DataError, OSError, ValueError, TypeError, KeyError):
        return None  # an entry without them, or one that cannot be read: the caller loads the dataset instead
    entry.remember()
    return lists


def write(folder: Path, meta: dict[str, Any], tables: Mapping[str, Any], files: list[Path] | None = None,
          lists: ControlLists | None = None) -> None:
    """Store a validated Dataset's tables (see Dataset.tables()) and, for a dataset folder, its control
    lists (Dataset.control_lists()); a failure only warns."""
    root = cache_root()
    if root is None:
        return
    inputs = _inputs(folder, meta if isinstance(meta, dict) else {}, files)
    try:
        signatures = _input_signatures(folder, inputs)  # before hashing: a change meanwhile shows next time
    except OSError:
        signatures = None  # no record then: the next run hashes
    entry = root / key(folder, meta, files)
    temporary = root / f".{entry.name}.{os.getpid()}.tmp"
    dtypes = {}
    try:
        temporary.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            table = tables.get(name)
            if table is None:
                continue
            dtypes[name] = {column: str(dtype) for column, dtype in table.dtypes.items()}
            if name in GEO_TABLES:
                table.to_wkb().to_parquet(temporary / f"{name}.parquet", index=False)
            else:
                table.to_parquet(temporary / f"{name}.parquet", index=False)
        if lists is not None:
            (temporary / LISTS).write_text(json.dumps(lists, ensure_ascii=False), encoding="utf-8")
        digests = {p.name: _file_digest(p) for p in sorted(temporary.iterdir())}
        extra = {**{k: tables.get(k) for k in EXTRA}, "dtypes": dtypes, "files": digests}
        extra["digest"] = _extra_digest(extra)
        (temporary / COMPLETE).write_text(json.dumps(extra), encoding="utf-8")
        if entry.exists():
            shutil.rmtree(entry)
        temporary.rename(entry)
        _prune(root)
        if signatures is not None:  # every file was just hashed
            _remember(root, folder, inputs, signatures, entry.name,
                      {p.name: _signature(os.lstat(p)) for p in entry.iterdir() if p.name != COMPLETE})
    except Exception as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        warnings.warn(f"could not cache the validated dataset ({reason}); set JISRGEO_CACHE to a writable folder, "
                      "or to off", CacheWarning, stacklevel=3)


def _prune(root):
    entries = sorted((p for p in root.iterdir() if (p / COMPLETE).is_file()), key=lambda p: (p / COMPLETE).stat().st_mtime)
    for old in entries[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)

