"""A validated columnar copy of a dataset folder, so the next command skips parsing and validation.

After a folder passes validation its tables are stored as GeoParquet in the user's cache directory
(platformdirs), under a key made of the package version and the bytes of every input file. A changed
file or a new version gives a new key; an entry that cannot be read (corrupt, half-written, wrong
schema) is ignored with a warning, and so is a cache directory that cannot be written. The cache
never decides whether data is valid: only a folder that passed every check is stored.

JISRGEO_CACHE=off disables it; JISRGEO_CACHE=/some/dir puts it elsewhere.
"""

import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path


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


class CacheWarning(UserWarning):
    """The cache could not be used; the data was read from its files instead."""


def cache_root():
    """The cache directory, or None when JISRGEO_CACHE=off."""
    setting = os.environ.get("JISRGEO_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    import platformdirs

    return Path(platformdirs.user_cache_dir("jisrgeo", appauthor=False))


def key(folder, meta, files=None):
    """Hex digest of the package version, the cache format and every input file's name and bytes
    (`files`, else the dataset folder's layer files)."""
    from .._version import __version__
    from .folder import inside, layer_files

    digest = hashlib.sha256(f"jisrgeo {__version__} cache {CACHE_FORMAT}\n".encode())
    if files is None:
        files = [folder / "dataset.json"] + [file for file, _ in layer_files(folder, meta).values()]
    for file in files:
        digest.update(f"\n{file.name}\n".encode())
        if file.is_file() and inside(folder, file):  # never a link out of the folder
            with open(file, "rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def _entry(folder, files=None):
    """The complete cache entry for these input files (`files`, else the folder's layers), or None."""
    from ..errors import DataError
    from .folder import read_meta

    root = cache_root()
    if root is None or not folder.is_dir():
        return None
    try:
        meta = read_meta(folder) if files is None else {}
        entry = root / key(folder, meta if isinstance(meta, dict) else {}, files)
    except (DataError, OSError):
        return None  # the full read reports what is wrong
    return entry if (entry / COMPLETE).is_file() else None


def read(folder, files=None):
    """A Dataset's stored tables (for Dataset.from_tables) from the cache, or None (missing, disabled or unusable)."""
    entry = _entry(folder, files)
    if entry is None:
        return None
    try:
        return _read_entry(entry, folder)
    except Exception:  # whatever a damaged or edited file raises, the files themselves are still there
        # The entry's own path stays out of the message: it is ours, not the user's, and says nothing useful.
        warnings.warn("ignoring the cached copy of this dataset (damaged or changed); read from its files instead",
                      CacheWarning, stacklevel=3)
        return None


def _file_digest(path):
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _extra_digest(extra):
    return hashlib.sha256(json.dumps({k: v for k, v in extra.items() if k != "digest"}, sort_keys=True).encode()).hexdigest()


def _checked_extra(entry, only=None):
    """The entry's mark, once every file it lists (or those in `only`) and the mark itself still have the
    digest written with them: a hand-edited or half-copied entry is refused here rather than failing deeper."""
    extra = json.loads((entry / COMPLETE).read_text(encoding="utf-8"))
    if not isinstance(extra, dict) or extra.get("digest") != _extra_digest(extra):
        raise ValueError("the entry's mark does not match its digest")
    files = extra.get("files")
    present = {p.name for p in entry.iterdir()} - {COMPLETE}
    if not isinstance(files, dict) or set(files) != present:
        raise ValueError("the entry holds other files than it lists")
    for name, sha in files.items():
        if only is not None and name not in only:
            continue
        if (entry / name).is_symlink() or _file_digest(entry / name) != sha:
            raise ValueError(f"{name} changed since it was written")
    return extra


def _read_entry(entry, folder):
    import pyarrow.parquet as pq

    extra = _checked_extra(entry)
    tables = {}
    for name in TABLES:
        path = entry / f"{name}.parquet"
        tables[name] = _frame(pq.read_table(path), name in GEO_TABLES, extra["dtypes"][name]) if path.exists() else None
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


def read_lists(folder):
    """The control lists stored with a folder's cache entry (see write), or None; never imports pandas."""
    entry = _entry(folder)
    try:
        # Only the file it reads is hashed: the quick path must stay quick.
        return json.loads((entry / LISTS).read_text(encoding="utf-8")) if entry and _checked_extra(entry, {LISTS}) else None
    except (OSError, ValueError, TypeError):
        return None  # an entry without them, or one that cannot be read: the caller loads the dataset instead


def write(folder, meta, tables, files=None, lists=None):
    """Store a validated Dataset's tables (see Dataset.tables()) and, for a dataset folder, its control
    lists (Dataset.control_lists()); a failure only warns."""
    root = cache_root()
    if root is None:
        return
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
        files = {p.name: _file_digest(p) for p in sorted(temporary.iterdir())}
        extra = {**{k: tables.get(k) for k in EXTRA}, "dtypes": dtypes, "files": files}
        extra["digest"] = _extra_digest(extra)
        (temporary / COMPLETE).write_text(json.dumps(extra), encoding="utf-8")
        if entry.exists():
            shutil.rmtree(entry)
        temporary.rename(entry)
        _prune(root)
    except Exception as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        warnings.warn(f"could not cache the validated dataset ({reason}); set JISRGEO_CACHE to a writable folder, "
                      "or to off", CacheWarning, stacklevel=3)


def _prune(root):
    entries = sorted((p for p in root.iterdir() if (p / COMPLETE).is_file()), key=lambda p: (p / COMPLETE).stat().st_mtime)
    for old in entries[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)

