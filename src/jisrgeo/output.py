"""The only place that writes: what is ours, atomic replacement, and OS faults as one-line messages.

A folder is ours only if the manifest we write into it lists the file with the hash we wrote.
Anything else (a user's thesis, a .git folder, a file we wrote and the user then edited) is
never deleted or overwritten without an explicit `replace=True` (`--replace`), and even then
only files of the same name are overwritten: nothing of the user's is deleted.

Every output is first written beside its target under a temporary name and renamed into
place, so an interrupted or failed run leaves the previous output intact. Temporary names are
made here rather than with tempfile.mkstemp: files and folders are then created with the
process's own umask, and no permission needs fixing (nor the umask reading) afterwards.
"""

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import stat
from pathlib import Path

from .errors import JisrgeoError

MANIFEST = ".jisrgeo-manifest.json"
GENERATOR = "jisrgeo"
# Temporary folders carry this mark file, so a later run can tell them from a user's folders.
PARTIAL_MARK = ".jisrgeo-partial"
TMP_SUFFIX = ".jisrgeo-tmp"
# What a file we wrote starts with (or holds), per suffix: how a single-file output is recognised.
HTML_SIGNATURE = '<meta name="generator" content="jisrgeo">'
QGS_SIGNATURE = "<!-- written by jisrgeo -->"
PNG_SOFTWARE = "jisrgeo"
# PDF and SVG maps name us as their creator (matplotlib metadata): in the info dictionary near a PDF's
# end, in the metadata at an SVG's head.
PDF_SIGNATURE = f"/Creator ({GENERATOR})".encode()
SVG_SIGNATURE = f"<dc:title>{GENERATOR}</dc:title>".encode()


class OutputError(JisrgeoError):
    """An output that may not be written, or could not be: names the path and the reason."""


def os_error_message(exc, path=None):
    """'PATH: reason' for an OSError, in words a user can act on."""
    where = exc.filename or path or "output"
    reason = exc.strerror or str(exc)
    hints = {errno.ENOSPC: " (the disk is full)", errno.EROFS: " (the file system is read-only)",
             errno.EACCES: " (no permission)", errno.ENOTDIR: " (a parent of this path is a file)"}
    return f"cannot write {where}: {reason}{hints.get(exc.errno, '')}"


@contextlib.contextmanager
def reported(path):
    """Turn any OSError raised while writing `path` into an OutputError naming it."""
    try:
        yield
    except OSError as exc:
        raise OutputError(os_error_message(exc, path)) from None


def _tmp_name(path):
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{TMP_SUFFIX}{''.join(path.suffixes[-1:])}")


def _real(path):
    """The absolute path with its parents' links resolved, its last component left as it is."""
    path = Path(os.path.abspath(os.path.expanduser(str(path))))
    return Path(os.path.realpath(path.parent)) / path.name


def _inside(child, parent):
    return child == parent or parent in child.parents


def check_location(path, inputs=(), folder=False):
    """Refuse output paths that would destroy something: empty, '/', home, the current folder
    (or one above it), or a path that is, holds or lies inside an input dataset folder."""
    if path is None or not str(path).strip():
        raise OutputError("the output path is empty (an unset shell variable?): give a file or folder name")
    real = _real(path)
    cwd = Path(os.path.realpath(os.getcwd()))
    if real == Path(real.anchor):
        raise OutputError(f"refusing to write into the root folder {real}")
    if folder and (real == Path(os.path.realpath(Path.home())) or _inside(cwd, real)):
        raise OutputError(f"refusing to write into {real}: it is your home or current folder, or holds it; "
                          "give a new folder name such as maps")
    for source in inputs:
        if source is None:
            continue
        source = Path(os.path.realpath(source))
        if _inside(real, source) or _inside(source, Path(os.path.realpath(real))):
            raise OutputError(f"refusing to write {real}: it is, holds or lies inside the input dataset folder {source}")
    return real


# -- single files ---------------------------------------------------------------------------------

def is_passthrough(path):
    """True for a device or pipe the user means to write through (-o /dev/stdout, a FIFO)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _written_by_us(path):
    """Whether an existing file is one we wrote, from its signature."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".gpkg":
            uri = f"file:{path}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
                return db.execute("SELECT 1 FROM layer_styles WHERE owner = ? LIMIT 1", (GENERATOR,)).fetchone() is not None
        with open(path, "rb") as handle:
            head = handle.read(4096)
            if suffix == ".pdf":
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - (1 << 18)))
                return head.startswith(b"%PDF") and PDF_SIGNATURE in handle.read()
    except (OSError, sqlite3.Error):
        return False
    if suffix == ".svg":
        return SVG_SIGNATURE in head
    if suffix == ".png":
        return b"tEXtSoftware\x00" + PNG_SOFTWARE.encode() in head
    return HTML_SIGNATURE.encode() in head or QGS_SIGNATURE.encode() in head


def check_file(path, inputs=(), replace=False, passthrough=False):
    """The checked target of a single-file output: refuses links, folders, special files and
    existing files we did not write (unless replace). Returns the path."""
    real = check_location(path, inputs)
    if passthrough and is_passthrough(real):
        return real
    try:
        info = os.lstat(real)
    except FileNotFoundError:
        return real
    except OSError as exc:
        raise OutputError(os_error_message(exc, real)) from None
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(f"{path} is a symbolic link: give the real path (a link is never replaced)")
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{path} is a folder: give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{path} is a special file (device, pipe or socket): it cannot be replaced")
    if not replace and not _written_by_us(real):
        raise OutputError(f"{path} exists and was not written by jisrgeo: pass --replace to overwrite it")
    return real


@contextlib.contextmanager
def atomic_file(path):
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds.

    The temporary path does not exist yet: writers such as GDAL create the file themselves.
    """
    path = Path(path)
    with reported(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    try:
        with reported(path):
            yield tmp
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_file(path, content, inputs=(), replace=False):
    """Write bytes or text to a single-file output, checked and atomic (or through a device/pipe)."""
    target = check_file(path, inputs, replace, passthrough=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if is_passthrough(target):
        with reported(path), open(target, "wb") as handle:
            handle.write(data)
        return target
    with atomic_file(target) as tmp:
        tmp.write_bytes(data)
    return target


# -- folders ----------------------------------------------------------------------------------------

def _digest(path):
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def read_manifest(folder):
    """{relative path: sha256} of the files we wrote into `folder` ({} without a manifest)."""
    try:
        content = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = content.get("files") if isinstance(content, dict) and content.get("generator") == GENERATOR else None
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(files, dict) else {}


def _files(folder):
    """Relative paths of every file and link below `folder` (links are not followed)."""
    out = set()
    for root, dirs, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        out.update((base / name).as_posix() for name in files)
        out.update((base / name).as_posix() for name in dirs if os.path.islink(Path(root) / name))
    return out


def _ours(folder):
    """The files of `folder` that we wrote and nobody changed since: {relative path: sha256}."""
    listed = read_manifest(folder)
    ours = {}
    for rel, sha in listed.items():
        file = folder / rel
        if not file.is_symlink() and file.is_file() and _digest(file) == sha:
            ours[rel] = sha
    return ours


def files_we_wrote(folder):
    """{relative path: sha256} of the files of `folder` we wrote and nobody changed since."""
    return _ours(Path(folder))


def _remove_stale_temps(parent, name):
    """Temporary folders of a killed run beside the output (recognised by their mark) are removed."""
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            if (entry.name.startswith(f".{name}.") and entry.name.endswith(TMP_SUFFIX) and not entry.is_symlink()
                    and (entry / PARTIAL_MARK).is_file()):
                shutil.rmtree(entry, ignore_errors=True)


def _check_folder(path, inputs, replace):
    real = check_location(path, inputs, folder=True)
    if real.is_symlink():
        raise OutputError(f"{path} is a symbolic link: give the real folder (a link is never replaced)")
    if real.exists() and not real.is_dir():
        raise OutputError(f"{path} exists and is not a folder")
    if real.is_dir():
        with reported(real):
            ours = _ours(real)
            foreign = _files(real) - set(ours) - {MANIFEST}
        # A previous output of ours may hold files the user added: they are kept (and never clash
        # unless the user gave one of our names, which _publish refuses).
        if foreign and not ours and not replace:
            sample = ", ".join(sorted(foreign)[:5]) + (" ..." if len(foreign) > 5 else "")
            raise OutputError(f"{path} holds files jisrgeo did not write ({sample}); give a new or empty folder, "
                              "or pass --replace to write into it (files of the same name are overwritten, "
                              "nothing else is deleted)")
    return real


def check_folder(path, inputs=(), replace=False):
    """Refuse, before any work is done, a folder output_folder() would refuse (OutputError)."""
    return _check_folder(path, inputs, replace)


@contextlib.contextmanager
def output_folder(path, inputs=(), replace=False, prune=True):
    """Yield a temporary folder whose files are published into `path` when the block succeeds.

    prune: files we wrote into `path` before and that this run did not write are removed
    (a build); with prune=False they stay (an export beside another one).
    Files that are not ours are kept; overwriting one of them needs replace=True.
    """
    real = _check_folder(path, inputs, replace)
    _remove_stale_temps(real.parent, real.name)
    with reported(real):
        real.parent.mkdir(parents=True, exist_ok=True)
        tmp = _tmp_name(real)
        tmp.mkdir()
        (tmp / PARTIAL_MARK).touch()
    try:
        yield tmp
        with reported(real):
            _publish(tmp, real, replace, prune)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _manifest_text(files):
    return json.dumps({"generator": GENERATOR, "about": "files written by jisrgeo; only these are replaced by its "
                       "next run", "files": dict(sorted(files.items()))}, indent=1) + "\n"


def _publish(tmp, target, replace, prune):
    (tmp / PARTIAL_MARK).unlink()
    new = {rel: _digest(tmp / rel) for rel in _files(tmp)}
    if not target.exists():
        # A new folder: one rename publishes everything at once.
        (tmp / MANIFEST).write_text(_manifest_text(new), encoding="utf-8")
        os.rename(tmp, target)
        return
    ours = _ours(target)
    foreign = _files(target) - set(ours) - {MANIFEST}
    clashes = sorted(foreign & set(new))
    if clashes and not replace:
        raise OutputError(f"{target} holds files of the same names that jisrgeo did not write ({', '.join(clashes[:5])}); "
                          "pass --replace to overwrite them")
    for rel in sorted(new):
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / rel, target / rel)
    kept = {rel: sha for rel, sha in ours.items() if rel not in new}
    if prune:
        for rel in kept:
            (target / rel).unlink()
            _remove_empty_parents(target / rel, target)
        kept = {}
    write_file_atomic(target / MANIFEST, _manifest_text({**kept, **new}))


def _remove_empty_parents(file, top):
    parent = file.parent
    while parent != top and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def write_file_atomic(path, text):
    """Atomic write of a file we own (no checks): the manifest and files inside a temporary folder."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
