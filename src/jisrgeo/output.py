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
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import stat
import unicodedata
import warnings
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


@contextlib.contextmanager
def _named(path):
    """Like reported(), but the message names `path` whatever file of ours beside it the OS named."""
    try:
        yield
    except OSError as exc:
        raise OutputError(os_error_message(OSError(exc.errno, exc.strerror), path)) from None


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
        raise OutputError(f"{path} exists and was not written by jisrgeo: pass replace=True (--replace) to overwrite it")
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
#
# A folder output is built in a sibling temporary folder, then swapped with the old one in one step
# (renameat2 RENAME_EXCHANGE where the system has it, else two renames undone by the next run), so a
# killed run leaves the old build or the new one, never a mix. What the user keeps in the folder is
# carried into the new one as hard links (nothing is copied or moved), and the old folder is then
# emptied only of what is provably ours or provably carried: nothing outside the output is ever
# touched, whatever the manifest says.

OLD_SUFFIX = ".jisrgeo-old"
LOCK_SUFFIX = ".jisrgeo-lock"
MANIFEST_MAX_BYTES = 64 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _digest(path):
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _mode(path):
    """lstat's mode of a path, or None where there is nothing."""
    try:
        return os.lstat(path).st_mode
    except FileNotFoundError:
        return None


def _plain_name(rel):
    """A relative name we could have written: '/'-separated, no '..', '.', empty part, backslash or control character."""
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel:
        return False
    if any(unicodedata.category(ch)[0] == "C" for ch in rel):
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def _entry_is_safe(folder, rel):
    """A manifest entry is a claim: a plain name whose every existing component is a real folder and whose
    last is a regular file (checked with lstat, so no link anywhere on the path is followed)."""
    if not _plain_name(rel):
        return False
    parts = rel.split("/")
    path = folder
    for i, part in enumerate(parts):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return True  # a file we listed and that is gone: nothing to touch
        except OSError:
            return False
        wanted = stat.S_ISREG if i == len(parts) - 1 else stat.S_ISDIR
        if not wanted(mode):
            return False
    return True


def read_manifest(folder):
    """{relative path: sha256} of the files we wrote into `folder` ({} without a trustworthy manifest).

    One entry that is not a plain name inside the folder (absolute, '..', a link on its path, a hash that
    is not one) makes the whole manifest untrustworthy: the folder is then treated as the user's.
    """
    return _manifest(Path(folder))[0]


def _manifest(folder):
    """(entries, why they are not trusted or None)."""
    file = folder / MANIFEST
    mode = _mode(file)
    if mode is None:
        return {}, None
    if not stat.S_ISREG(mode) or os.lstat(file).st_size > MANIFEST_MAX_BYTES:
        return {}, f"{MANIFEST} is not a plain file of reasonable size"
    from .errors import DataError
    from .io.folder import read_json  # the guarded reader: no pipe, device or deep nesting

    try:
        content = read_json(file, MANIFEST, root=folder, limit=MANIFEST_MAX_BYTES)
    except DataError as exc:
        return {}, f"{MANIFEST} is not readable JSON ({exc.problems[0].reason})"
    files = content.get("files") if isinstance(content, dict) and content.get("generator") == GENERATOR else None
    if not isinstance(files, dict):
        return {}, f"{MANIFEST} is not one of ours"
    for rel, sha in files.items():
        if not (isinstance(sha, str) and _SHA256.fullmatch(sha) and _entry_is_safe(folder, rel)):
            return {}, (f"its {MANIFEST} lists {rel!r}, which is not a file inside the folder reached without a "
                        "link, so none of it is trusted")
    return dict(files), None


def _inventory(folder):
    """(entries, folders) below `folder`, links never followed: entries maps each relative path of a file,
    link or special file to its lstat mode; folders lists the real sub-folders."""
    entries, folders = {}, []
    for root, dirs, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in dirs + files:
            rel = (base / name).as_posix()
            mode = os.lstat(Path(root) / name).st_mode
            if stat.S_ISDIR(mode):
                folders.append(rel)
            else:
                entries[rel] = mode
    return entries, folders


def _files(folder):
    """Relative paths of every file, link and special file below `folder` (links are not followed)."""
    return set(_inventory(folder)[0])


def _ours(folder):
    """The files of `folder` that we wrote and nobody changed since: {relative path: sha256}."""
    ours = {}
    for rel, sha in read_manifest(folder).items():
        file = folder / rel
        mode = _mode(file)
        if mode is not None and stat.S_ISREG(mode) and _digest(file) == sha:
            ours[rel] = sha
    return ours


def _bookkeeping(rel):
    return rel in (MANIFEST, PARTIAL_MARK)


def _foreign(folder, ours):
    return {rel for rel in _files(folder) if rel not in ours and not _bookkeeping(rel)}


def files_we_wrote(folder):
    """{relative path: sha256} of the files of `folder` we wrote and nobody changed since."""
    return _ours(Path(folder))


def _check_folder(path, inputs, replace):
    real = check_location(path, inputs, folder=True)
    if real.is_symlink():
        raise OutputError(f"{path} is a symbolic link: give the real folder (a link is never replaced)")
    if real.exists() and not real.is_dir():
        raise OutputError(f"{path} exists and is not a folder")
    if real.is_dir():
        with reported(real):
            ours = _ours(real)
            foreign = _foreign(real, ours)
            distrust = _manifest(real)[1]
        # A previous output of ours may hold files the user added: they are kept.
        if foreign and not ours and not replace:
            sample = ", ".join(sorted(foreign)[:5]) + (" ..." if len(foreign) > 5 else "")
            why = f" ({distrust})" if distrust else ""
            raise OutputError(f"{path} holds files jisrgeo did not write{why}: {sample}; give a new or empty folder, "
                              "or pass replace=True (--replace) to write into it (files of the same name are overwritten, "
                              "nothing else is deleted)")
    return real


def check_folder(path, inputs=(), replace=False):
    """Refuse, before any work is done, a folder output_folder() would refuse (OutputError)."""
    return _check_folder(path, inputs, replace)


# -- the lock and what a killed run left ------------------------------------------------------------

@contextlib.contextmanager
def _locked(target):
    """Hold the lock beside `target` for the whole run: a second run fails at once, naming the folder."""
    lock = target.parent / f".{target.name}{LOCK_SUFFIX}"
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(f"another jisrgeo run is writing {target}: wait for it to finish") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.lstat(lock))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous holder removed the file we opened: lock the new one
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def _siblings(target, suffix):
    """Real folders beside `target` named like our temporary or set-aside folders for it."""
    found = []
    with contextlib.suppress(OSError):
        for entry in sorted(target.parent.iterdir()):
            if entry.name.startswith(f".{target.name}.") and entry.name.endswith(suffix):
                mode = _mode(entry)
                if mode is not None and stat.S_ISDIR(mode):
                    found.append(entry)
    return found


def _marked(folder):
    """The text of a folder's partial mark, or None when it carries none."""
    mode = _mode(folder / PARTIAL_MARK)
    if mode is None or not stat.S_ISREG(mode):
        return None
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return (folder / PARTIAL_MARK).read_text(encoding="utf-8").strip()
    return ""


def _recover(target):
    """Finish or undo what a killed run left beside `target`, before this run starts."""
    if _mode(target) is None:
        # Killed between the two renames of a swap: the old build is set aside, put it back.
        for aside in _siblings(target, OLD_SUFFIX)[:1]:
            os.rename(aside, target)
    mark = _marked(target) if _mode(target) is not None and stat.S_ISDIR(_mode(target)) else None
    if mark is not None:
        # Killed after the swap: the new build is in place, the old one lies where the mark says.
        old = target.parent / mark
        if mark and old.parent == target.parent and old.name.startswith(f".{target.name}.") and old in (
                _siblings(target, TMP_SUFFIX) + _siblings(target, OLD_SUFFIX)) and _marked(old) is None:
            _discard(old, target)
        (target / PARTIAL_MARK).unlink()
    for stale in _siblings(target, TMP_SUFFIX):
        # A build that never reached its swap: its own files and links to the user's, whose originals
        # are still in the target.
        if _marked(stale) is not None:
            shutil.rmtree(stale, ignore_errors=True)


# -- one run ----------------------------------------------------------------------------------------

def _step(name):
    """A point between two publishing steps (the tests stop the process here)."""


@contextlib.contextmanager
def output_folder(path, inputs=(), replace=False, prune=True):
    """Yield a temporary folder whose files are published as `path` when the block succeeds.

    prune: files we wrote into `path` before and that this run did not write are dropped (a build);
    with prune=False they stay (an export beside another one). Files that are not ours are kept;
    overwriting one of them needs replace=True. The old folder is replaced in one step.
    """
    real = _check_folder(path, inputs, replace)
    with contextlib.ExitStack() as stack:
        with _named(real):  # a read-only or full disk names the output, not our lock or temporary folder
            real.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(_locked(real))
            _recover(real)
        real = _check_folder(path, inputs, replace)
        with _named(real):
            tmp = _tmp_name(real)
            tmp.mkdir()
            (tmp / PARTIAL_MARK).write_text(tmp.name, encoding="utf-8")
        published = False
        try:
            yield tmp
            _step("written")
            with reported(real):
                _publish(tmp, real, replace, prune)
            published = True
        finally:
            if not published:
                shutil.rmtree(tmp, ignore_errors=True)


def _manifest_text(files):
    return json.dumps({"generator": GENERATOR, "about": "files written by jisrgeo; only these are replaced by its "
                       "next run", "files": dict(sorted(files.items()))}, indent=1) + "\n"


def _publish(tmp, target, replace, prune):
    new = {rel: _digest(tmp / rel) for rel in _files(tmp) if not _bookkeeping(rel)}
    kept, replaced = {}, set()
    if _mode(target) is not None:
        kept, replaced = _carry(target, tmp, new, replace, prune)
    (tmp / MANIFEST).write_text(_manifest_text({**kept, **new}), encoding="utf-8")
    _step("manifest")
    if _mode(target) is None:
        os.rename(tmp, target)
        _step("renamed")
        (target / PARTIAL_MARK).unlink()
        return
    old = _swap(tmp, target)
    _step("swapped")
    _discard(old, target, replaced)
    _step("discarded")
    (target / PARTIAL_MARK).unlink()


def _carry(target, tmp, new, replace, prune):
    """Link into `tmp` what stays from `target`: the user's files, links and folders, and (prune=False) our
    earlier files this run did not write. Returns ({kept rel: sha}, {user files this run replaces})."""
    ours = _ours(target)
    entries, folders = _inventory(target)
    clashes = sorted(rel for rel in entries if rel not in ours and not _bookkeeping(rel) and rel in new)
    if clashes and not replace:
        raise OutputError(f"{target} holds files of the same names that jisrgeo did not write "
                          f"({', '.join(clashes[:5])}); pass replace=True (--replace) to overwrite them")
    theirs = {rel for rel in entries if rel not in ours}
    blocked = sorted(rel for rel in new if rel in folders or any(parent in theirs for parent in _parents(rel)))
    if blocked:
        raise OutputError(f"{target}: jisrgeo writes {blocked[0]}, but a file, folder or link of yours stands in "
                          "its way (a link is never written through): move it away")
    holding = {parent for rel in entries for parent in _parents(rel)}
    for rel in folders:  # the user's empty folders (we never leave one)
        if rel not in holding:
            (tmp / rel).mkdir(parents=True, exist_ok=True)
    kept = {}
    for rel, mode in entries.items():
        if _bookkeeping(rel) or rel in new or (rel in ours and prune):
            continue
        _link(target / rel, tmp / rel, mode)
        if rel in ours:
            kept[rel] = ours[rel]
    _step("carried")
    return kept, set(clashes)


def _parents(rel):
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _link(source, destination, mode):
    """A second name for the user's file or link (never its content moved, never a link followed)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        if stat.S_ISLNK(mode):
            os.symlink(os.readlink(source), destination)
        elif stat.S_ISREG(mode):
            shutil.copy2(source, destination, follow_symlinks=False)
        else:
            raise OutputError(f"{source} is a special file jisrgeo cannot keep in place: move it away") from None


def _exchange(first, second):
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); OSError where unsupported."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(second))


AT_FDCWD = -100
RENAME_EXCHANGE = 2


def _swap(tmp, target):
    """Put `tmp` in the place of `target`; returns where the old folder now lies."""
    try:
        _exchange(tmp, target)
        return tmp
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
            raise
    # No atomic exchange here: set the old folder aside, then move the new one in. A kill between the
    # two renames is undone by the next run (_recover puts the old folder back).
    aside = tmp.with_name(tmp.name[: -len(TMP_SUFFIX)] + OLD_SUFFIX)
    (tmp / PARTIAL_MARK).write_text(aside.name, encoding="utf-8")
    os.rename(target, aside)
    _step("set aside")
    os.rename(tmp, target)
    return aside


def _discard(old, target, replaced=()):
    """Empty and remove the old folder, deleting only what is provably ours, provably kept in `target`
    (the same file under the same name) or replaced on the user's request. Anything else stays."""
    ours = _ours(old)
    entries, folders = _inventory(old)
    for rel in entries:
        if rel in ours or _bookkeeping(rel) or rel in replaced or _kept_in(old / rel, target / rel):
            (old / rel).unlink()
    for rel in sorted(folders, key=lambda r: r.count("/"), reverse=True):
        with contextlib.suppress(OSError):
            (old / rel).rmdir()
    try:
        old.rmdir()
    except OSError:
        warnings.warn(f"kept {old}: it holds files jisrgeo cannot account for; look inside before deleting it",
                      stacklevel=2)


def _kept_in(old, new):
    """Whether `new` is the same file or link as `old` (a hard link, or the same content)."""
    try:
        a, b = os.lstat(old), os.lstat(new)
    except OSError:
        return False
    if os.path.samestat(a, b):
        return True
    if stat.S_ISLNK(a.st_mode) and stat.S_ISLNK(b.st_mode):
        return os.readlink(old) == os.readlink(new)
    return stat.S_ISREG(a.st_mode) and stat.S_ISREG(b.st_mode) and a.st_size == b.st_size and _digest(old) == _digest(new)

