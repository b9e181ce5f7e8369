"""The only place that writes: what is ours, atomic replacement, and OS faults as one-line messages.

A folder is ours only if the manifest we write into it lists the file with the hash we wrote.
Anything else (a user's thesis, a .git folder, a file we wrote and the user then edited) is
never deleted or overwritten without an explicit `replace=True` (`--replace`), and even then
only files of the same name are overwritten: nothing of the user's is deleted.

Every output is first written in a private staging folder (see _staging) and then moved into
place through a descriptor of the target's folder: a folder output by swapping whole folders, a
single file by one rename (or a copy under a temporary name, then a rename, across disks), so an
interrupted or failed run leaves the previous output intact. Files and folders are created with the
process's own umask, and no permission needs fixing (nor the umask reading) afterwards.
"""

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import stat
import sys
import tempfile
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import _fsops
from ._fsops import Tree, entry, ident, link_or_copy, open_dir
from .errors import DataError, JisrgeoError
from .signatures import (
    GENERATOR,
    HTML_SIGNATURE,
    LOCK_SUFFIX,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    OLD_SUFFIX,
    PARTIAL_MARK,
    PDF_SIGNATURE,
    PNG_SOFTWARE,
    QGS_SIGNATURE,
    STAGING_LOCK,
    STAGING_PREFIX,
    SVG_SIGNATURE,
    TMP_SUFFIX,
)


StrPath = str | os.PathLike[str]


class OutputError(JisrgeoError):
    """An output that may not be written, or could not be: names the path and the reason."""


def os_error_message(exc: OSError, path: StrPath | None = None) -> str:
    """'PATH: reason' for an OSError, in words a user can act on."""
    where = exc.filename or path or "output"
    reason = exc.strerror or str(exc)
    hints = {errno.ENOSPC: " (the disk is full)", errno.EROFS: " (the file system is read-only)",
             errno.EACCES: " (no permission)", errno.ENOTDIR: " (a parent of this path is a file)"}
    return f"cannot write {where}: {reason}{hints.get(exc.errno or 0, '')}"


@contextlib.contextmanager
def reported(path: StrPath) -> Iterator[None]:
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


def check_location(path: StrPath | None, inputs: Iterable[StrPath | None] = (), folder: bool = False) -> Path:
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

def is_passthrough(path: StrPath) -> bool:
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


def _existing(path, real, what):
    """The lstat of an output target, or None when nothing is there yet; a link is refused (never replaced)
    and any other fault is one line naming the path."""
    try:
        info = os.lstat(real)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(os_error_message(exc, real)) from None
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(f"{path} is a symbolic link: give the real {what} (a link is never replaced)")
    return info


def check_file(path: StrPath, inputs: Iterable[StrPath | None] = (), replace: bool = False,
               passthrough: bool = False) -> Path:
    """The checked target of a single-file output: refuses links, folders, special files and
    existing files we did not write (unless replace). Returns the path."""
    real = check_location(path, inputs)
    if passthrough and is_passthrough(real):
        return real
    info = _existing(path, real, "path")
    if info is None:
        return real
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{path} is a folder: give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{path} is a special file (device, pipe or socket): it cannot be replaced")
    if not replace and not _written_by_us(real):
        raise OutputError(f"{path} exists and was not written by jisrgeo: pass replace=True (--replace) to overwrite it")
    return real


@contextlib.contextmanager
def atomic_file(path: StrPath) -> Iterator[Path]:
    """Yield a path to write the file at, in a private staging folder (see _staging); when the block succeeds
    the file replaces `path` in one step, through a descriptor of its folder (see _place_file).

    The yielded path does not exist yet: writers such as GDAL create the file themselves. Nothing is written
    beside `path` while the block runs, and a failure leaves the previous file as it was.
    """
    target = _real(path)
    if not _fsops.supported():  # Windows: a temporary file beside the target, then os.replace, by path
        with _beside(target) as tmp:
            yield tmp
        return
    with _named(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        parent = open_dir(str(target.parent))
    try:
        _sweep_staging()
        with _named(target), _staging(target) as staged:
            yield staged / target.name
            _step("staged file")
            _place_file(parent, target, staged)
    finally:
        os.close(parent)


@contextlib.contextmanager
def _beside(path):
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


def _place_file(parent, target, staged):
    """Give the file the block wrote in `staged` the name of `target` in its folder, held open as `parent`: renamed
    there in one step on the same disk; on another, copied into a new file of a temporary name in that folder and
    renamed onto the target. The folder is checked to be still the one at its path before each step: a co-writer
    who swaps it for a link fails the run (Changed), never redirects it."""
    name = target.name
    source = Tree.open(str(staged))
    try:
        info = source.listed.get(name)
        if info is None or not stat.S_ISREG(info.st_mode):
            raise OSError(errno.ENOENT, "the writer left no plain file to publish", str(target))
        _still_there(parent, target.parent)
        try:
            os.rename(name, name, src_dir_fd=source.fd, dst_dir_fd=parent)
            return
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        tmp = _tmp_name(target).name
        made = _fsops.copy_file(source, name, parent, tmp)
        try:
            _step("copied file")
            _still_there(parent, target.parent)
            if not _fsops.is_entry(parent, tmp, made):
                raise _fsops.Changed(tmp)
            os.rename(tmp, name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            _fsops.remove_if(parent, tmp, made)
            raise
    finally:
        source.close()


def _still_there(fd, folder):
    """Raise Changed unless the folder open as `fd` is still the real folder at the path `folder`."""
    try:
        now = os.lstat(folder)
    except OSError:
        now = None
    if now is None or ident(now) != ident(os.fstat(fd)):
        raise _fsops.Changed(str(folder))


def write_file(path: StrPath, content: str | bytes, inputs: Iterable[StrPath | None] = (),
               replace: bool = False) -> Path:
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
# A folder output is built in a sibling temporary folder (mode 0700 while it is built: nobody else enters),
# then swapped with the old one in one step (renameat2 RENAME_EXCHANGE where the system has it, else two
# renames undone by the next run), so a killed run leaves the old build or the new one, never a mix. What the
# user keeps in the folder is carried into the new one as hard links (nothing is copied or moved), its folders
# made again with their mode, owner and extended attributes (ACLs included); the old folder is then emptied
# only of what is provably ours or provably carried. All of it works through folders held open (_fsops):
# another process changing the folder meanwhile can make a run fail, never make it act outside.
# The build itself writes by path only into a private staging folder outside the output (see _staging), from
# which each file is moved into the temporary folder through descriptors.

_SHA256 = re.compile(r"[0-9a-f]{64}")


def _digest(tree, rel):
    fd = tree.open_file(rel)
    sha = hashlib.sha256()
    with os.fdopen(fd, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _plain_name(rel):
    """A relative name we could have written: '/'-separated, no '..', '.', empty part, backslash or control character."""
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel:
        return False
    if not rel.isprintable() and any(unicodedata.category(ch)[0] == "C" for ch in rel):  # isprintable: the fast path
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def _entry_is_safe(listed, rel):
    """A manifest entry is a claim: a plain name whose every existing component is a real folder and whose
    last is a regular file (as listed without following any link)."""
    if not _plain_name(rel):
        return False
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        info = listed.get("/".join(parts[:i]))
        if info is None:
            return True  # a file we listed and that is gone: nothing to touch
        if not (stat.S_ISREG if i == len(parts) else stat.S_ISDIR)(info.st_mode):
            return False
    return True


def _load_manifest(tree):
    """(the parsed manifest of an open folder or None, why not or None). The one place our manifest is read:
    bounded by size before a byte is read, parsed by the dataset reader's guarded JSON parser."""
    from .io.folder import parse_json

    info = tree.listed.get(MANIFEST)
    if info is None:
        return None, None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MANIFEST_MAX_BYTES:
        return None, f"{MANIFEST} is not a plain file of at most {MANIFEST_MAX_BYTES >> 20} MB"
    try:
        with os.fdopen(tree.open_file(MANIFEST), "rb") as handle:
            raw = handle.read(MANIFEST_MAX_BYTES + 1)
        if len(raw) > MANIFEST_MAX_BYTES:
            return None, f"{MANIFEST} is not a plain file of at most {MANIFEST_MAX_BYTES >> 20} MB"
        return parse_json(MANIFEST, raw.decode("utf-8")), None
    except DataError as exc:
        return None, f"{MANIFEST} is not readable JSON: {exc.problems[0].reason}"
    except (OSError, UnicodeDecodeError):
        return None, f"{MANIFEST} is not readable JSON"


def _manifest(tree):
    """(entries, why they are not trusted or None)."""
    if "manifest" not in tree.memo:
        tree.memo["manifest"] = _trusted(tree)
    return tree.memo["manifest"]


def _trusted(tree):
    content, why = _load_manifest(tree)
    if content is None:
        return {}, why
    files = content.get("files") if isinstance(content, dict) and content.get("generator") == GENERATOR else None
    if not isinstance(files, dict):
        return {}, f"{MANIFEST} is not one of ours"
    for rel, sha in files.items():
        if not (isinstance(sha, str) and _SHA256.fullmatch(sha) and _entry_is_safe(tree.listed, rel)):
            return {}, (f"its {MANIFEST} lists {rel!r}, which is not a file inside the folder reached without a "
                        "link, so none of it is trusted")
    return dict(files), None


def _ours(tree):
    """The files of the open folder that we wrote and nobody changed since: {relative path: sha256}."""
    if "ours" in tree.memo:
        return tree.memo["ours"]
    ours = {}
    for rel, sha in _manifest(tree)[0].items():
        info = tree.listed.get(rel)
        if info is not None and stat.S_ISREG(info.st_mode) and _digest(tree, rel) == sha:
            ours[rel] = sha
    tree.memo["ours"] = ours
    return ours


def _bookkeeping(rel):
    return rel in (MANIFEST, PARTIAL_MARK)


def _files(tree):
    """{relative path: lstat} of every file, link and special file of the open folder."""
    return {rel: info for rel, info in tree.listed.items() if not stat.S_ISDIR(info.st_mode)}


def _folders(tree):
    return [rel for rel, info in tree.listed.items() if stat.S_ISDIR(info.st_mode)]


@contextlib.contextmanager
def _opened(folder, dir_fd=None, expect=None):
    tree = Tree.open(str(folder), dir_fd, expect)
    try:
        yield tree
    finally:
        tree.close()


def read_manifest(folder: StrPath) -> dict[str, str]:
    """{relative path: sha256} of the files we wrote into `folder` ({} without a trustworthy manifest).

    One entry that is not a plain name inside the folder (absolute, '..', a link on its path, a hash that
    is not one) makes the whole manifest untrustworthy: the folder is then treated as the user's.
    """
    try:
        with _opened(folder) as tree:
            return _manifest(tree)[0]
    except (FileNotFoundError, NotADirectoryError):
        return {}


def files_we_wrote(folder: StrPath) -> dict[str, str]:
    """{relative path: sha256} of the files of `folder` we wrote and nobody changed since."""
    try:
        with _opened(folder) as tree:
            return _ours(tree)
    except (FileNotFoundError, NotADirectoryError):
        return {}


def _refuse_mounts(tree, where):
    """A file system mounted inside the output is never crossed (its files would be copied out and deleted)."""
    device = os.fstat(tree.fd).st_dev
    mounts = sorted(rel for rel, info in tree.listed.items() if info.st_dev != device)
    if mounts:
        raise OutputError(f"{Path(where) / mounts[0]} is a mount point (another file system) inside the output: "
                          "jisrgeo never carries a mount across; unmount it or move it out, then run again")


def _check_folder(path, inputs, replace):
    real = check_location(path, inputs, folder=True)
    info = _existing(path, real, "folder")
    if info is None:
        return real
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{path} exists and is not a folder")
    with reported(real):
        if os.stat(real.parent).st_dev != info.st_dev:
            raise OutputError(f"{real} is a mount point: jisrgeo replaces its output folder as a whole, which a "
                              "mount point cannot be; give a folder inside it")
        with _opened(real) as tree:
            _refuse_mounts(tree, real)
            ours = _ours(tree)
            foreign = {rel for rel in _files(tree) if rel not in ours and not _bookkeeping(rel)}
            distrust = _manifest(tree)[1]
    # A previous output of ours may hold files the user added: they are kept.
    if foreign and not ours and not replace:
        sample = ", ".join(sorted(foreign)[:5]) + (" ..." if len(foreign) > 5 else "")
        why = f" ({distrust})" if distrust else ""
        raise OutputError(f"{path} holds files jisrgeo did not write{why}: {sample}; give a new or empty folder, "
                          "or pass replace=True (--replace) to write into it (files of the same name are overwritten, "
                          "nothing else is deleted)")
    return real


def check_folder(path: StrPath, inputs: Iterable[StrPath | None] = (), replace: bool = False) -> Path:
    """Refuse, before any work is done, a folder output_folder() would refuse (OutputError)."""
    return _check_folder(path, inputs, replace)


def keep_earlier(folder: StrPath, rel: str, destination: StrPath) -> None:
    """Give `destination` (a new name in the folder output_folder yields) the file `rel` of the earlier output `folder`: a
    hard link (the same file, its times kept), or a copy where linking is refused. Reached through descriptors
    and never through a link: a component swapped meanwhile raises OSError, never reaches outside."""
    if not _plain_name(rel):
        raise OSError(errno.EINVAL, "not a plain relative name", rel)
    *folders, name = rel.split("/")
    fd = open_dir(str(folder))
    try:
        for part in folders:
            sub = open_dir(part, fd)
            os.close(fd)
            fd = sub
        source = os.open(name, _fsops.FILE_FLAGS, dir_fd=fd)
        try:
            info = os.fstat(source)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", rel)
            Path(destination).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(name, destination, src_dir_fd=fd, follow_symlinks=False)
            except OSError:
                with open(destination, "xb") as out:
                    while block := os.read(source, 1 << 20):
                        out.write(block)
                return
            if not os.path.samestat(os.lstat(destination), info):  # the name was swapped between open and link
                os.unlink(destination)
                raise _fsops.Changed(rel)
        finally:
            os.close(source)
    finally:
        os.close(fd)


# -- the lock and what a killed run left ------------------------------------------------------------

_KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFDIR: "a folder", stat.S_IFSOCK: "a socket",
          stat.S_IFIFO: "a pipe", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


@contextlib.contextmanager
def _locked(target, parent=None, portable=False):
    """Hold the lock beside `target` for the whole run: a second run fails at once, naming the folder."""
    target = Path(target)
    name = f".{target.name}{LOCK_SUFFIX}"
    lock = target.parent / name
    own = parent is None
    if own:
        parent = open_dir(str(target.parent))
    try:
        info = entry(parent, name)
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise OutputError(f"the lock file {lock} is {_KINDS.get(stat.S_IFMT(info.st_mode), 'not a file')}, not one "
                              f"jisrgeo made: remove it (no jisrgeo run uses it) and run again")
        try:
            release = _fsops.lock_file(parent, name, portable)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise OutputError(f"another jisrgeo run is writing {target}: wait for it to finish (if none is "
                                  f"running, delete {lock})") from None
            if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO, errno.EEXIST):
                raise OutputError(f"the lock file {lock} is not one jisrgeo made: remove it and run again") from None
            raise
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                release()
    finally:
        if own:
            os.close(parent)


def _siblings(parent, name, suffix):
    """Names of the real folders beside the output named like our temporary or set-aside folders for it."""
    found = []
    for entry_name in sorted(os.listdir(parent)):
        if entry_name.startswith(f".{name}.") and entry_name.endswith(suffix):
            info = entry(parent, entry_name)
            if info is not None and stat.S_ISDIR(info.st_mode):
                found.append(entry_name)
    return found


def _marked(tree):
    """The text of a folder's partial mark, or None when it carries none."""
    info = tree.listed.get(PARTIAL_MARK)
    if info is None or not stat.S_ISREG(info.st_mode):
        return None
    with contextlib.suppress(OSError, UnicodeDecodeError):
        with os.fdopen(tree.open_file(PARTIAL_MARK), "rb") as handle:
            return handle.read(4096).decode("utf-8").strip()
    return ""


def _recover(parent, target):
    """Finish or undo what a killed run left beside `target`, before this run starts."""
    name = target.name
    if entry(parent, name) is None:
        # Killed between the two renames of a swap: the old build is set aside, put it back.
        for aside in _siblings(parent, name, OLD_SUFFIX)[:1]:
            os.rename(aside, name, src_dir_fd=parent, dst_dir_fd=parent)
    info = entry(parent, name)
    if info is not None and stat.S_ISDIR(info.st_mode):
        with _opened(name, parent) as new:
            mark = _marked(new)
            if mark is not None:
                _finish(parent, target, new, mark)
        for aside in _siblings(parent, name, OLD_SUFFIX):
            _salvage(parent, target, aside)
    for stale in _siblings(parent, name, TMP_SUFFIX):
        # A build that never reached its swap: its own files and links to the user's, whose originals
        # are still in the target (or in a set-aside old build).
        with _opened(stale, parent) as tree:
            if _marked(tree) is not None:
                _fsops.clear(tree.fd)
                _remove_folder(parent, stale, tree)


def _finish(parent, target, new, mark):
    """Killed after the swap: the new build is in place, the old one lies where the mark says; clear it away."""
    name = target.name
    if mark.startswith(f".{name}.") and mark in _siblings(parent, name, TMP_SUFFIX) + _siblings(parent, name, OLD_SUFFIX):
        with _opened(mark, parent) as old:
            if _marked(old) is None:
                new.mode = stat.S_IMODE(os.fstat(old.fd).st_mode)
                _discard(parent, target, old, mark, new)
    try:
        new.unlink(PARTIAL_MARK)
        if new.mode is not None:
            os.fchmod(new.fd, new.mode)  # the mode the old build had, which the stopped run had not yet set
    except OSError as exc:
        raise OutputError(f"cannot remove {target / PARTIAL_MARK} ({exc.strerror}): a run was stopped after publishing "
                          f"and {target} holds its complete build; delete that mark file, then run again") from None


def _salvage(parent, target, aside):
    """An old build set aside by a run killed between its two renames, while a new folder was made in its place:
    drop what is provably ours, keep the user's files where they are, and say so."""
    with _opened(aside, parent) as old:
        if _marked(old) is not None or MANIFEST not in old.listed or _manifest(old)[1] is not None:
            return  # not an old build of ours: the user's to look at
        ours = _ours(old)
        for rel in ours:
            with contextlib.suppress(OSError):
                _unlink(old, rel)
        with contextlib.suppress(OSError):
            _unlink(old, MANIFEST)
        _prune_folders(old)
        left = sorted(_files(old))
        if not left:
            _remove_folder(parent, aside, old)
            return
    _warn(f"kept {target.parent / aside}: the old build of a run stopped while swapping folders, set aside "
                  f"when {target} was made anew; jisrgeo's files are removed from it, {len(left)} of yours stay there "
                  f"({', '.join(left[:3])}{' ...' if len(left) > 3 else ''}): move them where you want them")


def _remove_folder(parent, name, tree):
    """rmdir the (empty) folder `name` of `parent` if it is still the one held open."""
    now = entry(parent, name)
    if now is not None and ident(now) == ident(os.fstat(tree.fd)):
        os.rmdir(name, dir_fd=parent)


def _prune_folders(tree):
    for rel in sorted(_folders(tree), key=lambda r: r.count("/"), reverse=True):
        with contextlib.suppress(OSError):
            _writable(tree, rel, tree.rmdir)


def _unlink(tree, rel):
    _writable(tree, rel, tree.unlink)


def _writable(tree, rel, remove):
    """Remove a listed entry; in a read-only folder we own (going away anyway), make it writable first."""
    try:
        remove(rel)
    except PermissionError:
        fd, _ = tree.where(rel)
        info = os.fstat(fd)
        if info.st_uid != os.geteuid() or info.st_mode & stat.S_IWUSR:
            raise
        os.fchmod(fd, stat.S_IMODE(info.st_mode) | stat.S_IWUSR)
        remove(rel)


# -- one run ----------------------------------------------------------------------------------------

def _step(name):
    """A point between two publishing steps (the tests stop the process, or change the folder, here)."""


@contextlib.contextmanager
def _staging(target):
    """A private folder (mkdtemp: 0700, a random name, in the system's temporary folder) where the block writes.

    The writers of a build and an export (GDAL, Arrow, pathlib) write by path, and a path is resolved anew at each
    open: a co-writer of the output's folder (a sync tool, a shared folder) that swaps a sub-folder of our
    temporary folder for a link between our mkdir and their open would send the files into the folder the link
    names. So nothing writes by path into the shared folder: the block writes here, out of the co-writer's reach,
    and _Run.take then moves each finished file into the temporary folder through descriptors (a hard link and an
    unlink on the same disk, else a copy), opening every folder on the way without following a link. The cost is
    a copy of the build where the system's temporary folder is on another disk (TMPDIR chooses it).

    The block writes into its sub-folder `build`; beside it lies STAGING_LOCK, locked for the whole run, so that a
    later run can tell the folder of a killed run (lock free: _sweep_staging removes it) from a live one."""
    try:
        folder = tempfile.mkdtemp(prefix=STAGING_PREFIX, suffix=TMP_SUFFIX)
    except OSError as exc:  # also Python's "no usable temporary directory", when no candidate can be written
        where = tempfile.tempdir or os.environ.get("TMPDIR") or "the temporary folder"
        raise OutputError(f"cannot write {target}: {os_error_message(exc, where)} (the output is made in the system's "
                          "temporary folder first: set TMPDIR to a folder you can write)") from None
    lock = None
    try:
        try:
            lock = _hold_staging(folder)
            os.mkdir(os.path.join(folder, "build"), 0o700)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {os_error_message(OSError(exc.errno, exc.strerror), folder)} "
                              "(the output is made in the system's temporary folder first: set TMPDIR to a folder "
                              "with room that you can write)") from None
        yield Path(folder) / "build"
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT) or not str(exc.filename or "").startswith(folder):
            raise
        raise OutputError(f"cannot write {target}: the disk of the temporary folder {Path(folder).parent} is full "
                          "(the output is made there first: set TMPDIR to a folder on a disk with room)") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # ours alone; rmtree works through descriptors, never follows a link
        if lock is not None:
            os.close(lock)  # only now: the folder is never without its lock while it has content


def _fcntl():
    """The fcntl module, or None on a system without it (looked up when a run needs it: issue 32)."""
    try:
        import fcntl
    except ImportError:
        return None
    return fcntl


def _hold_staging(folder):
    """Lock a new file and only then give it the name STAGING_LOCK: a sweeping run never sees the name unlocked
    while this run lives. Returns its descriptor (closed at the end of the run), or None without fcntl: such a
    folder has no lock file, and no later run removes it."""
    fcntl = _fcntl()
    if fcntl is None:
        return None
    fd = open_dir(folder)
    try:
        lock = os.open(f"{STAGING_LOCK}.new", _fsops.NEW_FILE_FLAGS, 0o600, dir_fd=fd)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.rename(f"{STAGING_LOCK}.new", STAGING_LOCK, src_dir_fd=fd, dst_dir_fd=fd)
        except BaseException:
            os.close(lock)
            raise
        return lock
    finally:
        os.close(fd)


def _sweep_staging():
    """Remove the staging folders that killed runs left in the system's temporary folder: one listing of it, and only
    folders named like ours, real (not links), ours (our uid, mode 0700) and holding our lock file, whose lock we can
    take (a lock the system released when its run died). A live run's folder, anyone else's and a look-alike are left
    alone; a folder that cannot be removed is left too, with one warning."""
    fcntl = _fcntl()
    if fcntl is None:
        return  # no staging folder here has a lock: none can be told to be dead
    try:
        top = os.open(tempfile.gettempdir(), os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return  # _staging names the temporary folder if it cannot be written
    try:
        left = []
        for name in sorted(os.listdir(top)):
            if name.startswith(STAGING_PREFIX) and name.endswith(TMP_SUFFIX):
                with contextlib.suppress(OSError):
                    if _sweep_one(top, name, fcntl) is False:
                        left.append(name)
    except OSError:
        return
    finally:
        os.close(top)
    if left:
        _warn(f"kept {Path(tempfile.gettempdir()) / left[0]}{f' and {len(left) - 1} more' if len(left) > 1 else ''}: "
              "the staging folder of a jisrgeo run that was stopped, which could not be removed; delete it")


def _sweep_one(top, name, fcntl):
    """Remove the staging folder `name` if it is ours and its run is dead: True when removed, False when it was
    but could not be emptied, None when it is not one to touch."""
    info = entry(top, name)
    if (info is None or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid()
            or stat.S_IMODE(info.st_mode) != 0o700):
        return None
    fd = open_dir(name, top, ident(info))
    try:
        try:
            lock = os.open(STAGING_LOCK, _fsops.FILE_FLAGS, dir_fd=fd)
        except OSError:
            return None  # no lock file of ours (or a link in its place): perhaps someone else's
        try:
            held = os.fstat(lock)
            if not stat.S_ISREG(held.st_mode) or held.st_uid != os.geteuid():
                return None
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return None  # its run is alive
            try:
                _fsops.clear(fd)
                _remove_folder(top, name, Tree(fd, {}))
            except OSError:
                return False
            return True
        finally:
            os.close(lock)
    finally:
        os.close(fd)


@contextlib.contextmanager
def output_folder(path: StrPath, inputs: Iterable[StrPath | None] = (), replace: bool = False, prune: bool = True,
                  *, portable: bool = False) -> Iterator[Path]:
    """Yield a private folder to write into; its files are published as `path` when the block succeeds.

    prune: files we wrote into `path` before and that this run did not write are dropped (a build);
    with prune=False they stay (an export beside another one). Files that are not ours are kept;
    overwriting one of them needs replace=True. The old folder is replaced in one step.
    portable: use the lock file and the two renames every system has, even where flock and renameat2 exist.
    """
    if not _fsops.supported():
        raise OutputError(f"cannot write the folder {path}: this system cannot work on folders through directory "
                          "descriptors (Linux, macOS and the BSDs can; on Windows use WSL)")
    real = _check_folder(path, inputs, replace)
    with _named(real):  # a read-only or full disk names the output, not our lock or temporary folder
        real.parent.mkdir(parents=True, exist_ok=True)
        parent = open_dir(str(real.parent))
    run = _Run(parent, real, replace, prune, portable)
    try:
        with contextlib.ExitStack() as stack:
            with _named(real):
                stack.enter_context(_locked(real, parent, portable))
                _recover(parent, real)
            _check_folder(path, inputs, replace)
            with _named(real):
                run.start()
            _step("opened")
            _sweep_staging()
            try:
                with _staging(real) as staged:
                    yield staged
                    with _named(real):
                        run.take(staged)
                _step("written")
                with _named(real):
                    run.publish()
            except BaseException:
                run.abandon()
                raise
    finally:
        run.close()


def _manifest_text(files):
    return json.dumps({"generator": GENERATOR, "about": "files written by jisrgeo; only these are replaced by its "
                       "next run", "files": dict(sorted(files.items()))}, indent=1) + "\n"


class _Run:
    """One publication: the output's parent, the temporary folder and the old folder, all held open."""

    def __init__(self, parent, target, replace, prune, portable):
        self.parent, self.target, self.name = parent, target, target.name
        self.replace, self.prune, self.portable = replace, prune, portable
        self.tmp = self.old = None
        self.tmp_name = self.old_name = None
        self.swapped = False

    def close(self) -> None:
        for tree in (self.tmp, self.old):
            if tree is not None:
                tree.close()
        os.close(self.parent)

    def start(self) -> None:
        self.tmp_name = f".{self.name}.{secrets.token_hex(4)}{TMP_SUFFIX}"
        os.mkdir(self.tmp_name, 0o777, dir_fd=self.parent)
        self.tmp = Tree(open_dir(self.tmp_name, self.parent), {})
        self.mode = stat.S_IMODE(os.fstat(self.tmp.fd).st_mode)  # what the umask gives a new folder
        os.fchmod(self.tmp.fd, 0o700)  # nobody else enters while we build; the final mode is set when published
        self.tmp.write(PARTIAL_MARK, self.tmp_name.encode())

    def abandon(self) -> None:
        """A failure before the swap: the temporary folder is ours alone, remove it. After the swap the new build
        is in place and marked; the next run clears the old one away (never a wholesale delete)."""
        if self.tmp is None or self.swapped:
            return
        with contextlib.suppress(OSError):
            _fsops.clear(self.tmp.fd)
            _remove_folder(self.parent, self.tmp_name, self.tmp)

    def take(self, staged: Path) -> None:
        """Move what the block wrote in the private folder `staged` into the temporary folder, through descriptors:
        each folder made and opened without following a link, each file given its name with linkat (never over a
        name that exists) or copied into a file made with O_EXCL|O_NOFOLLOW. A co-writer that puts a link or a
        file in the way makes the run fail (Changed); nothing is written outside."""
        source = Tree.open(str(staged))
        try:
            made = []
            for rel, info in sorted(source.listed.items()):  # a folder sorts before what it holds
                if stat.S_ISDIR(info.st_mode):
                    self.tmp.mkdir(rel, 0o700)  # its own mode once everything is in it
                    made.append((rel, stat.S_IMODE(info.st_mode) | stat.S_IRWXU))
                elif not stat.S_ISREG(info.st_mode):
                    raise OutputError(f"{self.target}: {rel} of the new build is not a plain file or folder (a link or "
                                      "a special file): nothing was published")
            _step("staged folders")
            for rel, info in sorted(source.listed.items()):
                if stat.S_ISREG(info.st_mode):
                    try:
                        link_or_copy(source, rel, self.tmp, rel)
                    except FileExistsError:
                        raise _fsops.Changed(rel) from None
                    source.unlink(rel)  # on another disk, the copy's space is given back as we go
            for rel, mode in reversed(made):
                os.fchmod(self.tmp.dir(rel), mode)
        finally:
            source.close()

    def publish(self) -> None:
        tmp = self.tmp
        tmp.rescan()  # what is there now, every sub-folder opened anew
        if entry(self.parent, self.name) is not None:
            self.old = Tree.open(self.name, self.parent)
            self.old_name = self.tmp_name
            _refuse_mounts(self.old, self.target)
        self._check_written()
        new = {rel: _digest(tmp, rel) for rel in _files(tmp) if not _bookkeeping(rel)}
        kept, replaced = {}, set()
        if self.old is not None:
            kept, replaced = _carry(self.old, tmp, new, self.replace, self.prune, self.target)
        tmp.write(MANIFEST, _manifest_text({**kept, **new}).encode("utf-8"))
        _step("manifest")
        _unchanged(tmp)
        if self.old is None:
            os.fchmod(tmp.fd, self.mode | stat.S_IRWXU)  # so a run killed after the rename leaves the usual mode
            os.rename(self.tmp_name, self.name, src_dir_fd=self.parent, dst_dir_fd=self.parent)
            self.swapped = True
            _step("renamed")
            tmp.unlink(PARTIAL_MARK)
            os.fchmod(tmp.fd, self.mode)
            return
        self._swap()
        self.swapped = True
        try:
            _step("swapped")
            _discard(self.parent, self.target, self.old, self.old_name, tmp, replaced)
            _step("discarded")
            tmp.unlink(PARTIAL_MARK)
            os.fchmod(tmp.fd, stat.S_IMODE(self.old.listed_root.st_mode))
        except OSError as exc:
            raise OutputError(f"{self.target} holds the new build, but clearing away the old one failed "
                              f"({os_error_message(exc)}); it lies in {self.target.parent / self.old_name}, and the "
                              "next run finishes the work") from None

    def _check_written(self):
        """What the block wrote is plain files and folders on one disk: a link, a special file or a second name
        for a file outside (made by the build or by another process meanwhile) is refused, nothing published."""
        device = os.fstat(self.tmp.fd).st_dev
        ours = {}
        if self.old is not None:
            ours = {rel: ident(self.old.listed[rel]) for rel in _ours(self.old)}
        for rel, info in self.tmp.listed.items():
            if info.st_dev != device or not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
                raise OutputError(f"{self.target}: {rel} of the new build is not a plain file or folder (a link, "
                                  "a special file or a mount, made while the build ran): nothing was published")
            if stat.S_ISREG(info.st_mode) and info.st_nlink > 1 and ours.get(rel) != ident(info):
                raise OutputError(f"{self.target}: {rel} of the new build is a second name (a hard link) for a file "
                                  "that is not the one jisrgeo wrote there (or the output changed during the run): "
                                  "nothing was published")

    def _swap(self):
        """Put the new folder in the place of the old one; afterwards old_name names where the old one lies."""
        old_id, new_id = ident(os.fstat(self.old.fd)), ident(os.fstat(self.tmp.fd))
        for name, want in ((self.name, old_id), (self.tmp_name, new_id)):
            now = entry(self.parent, name)
            if now is None or ident(now) != want:
                raise _fsops.Changed(name)
        self.old.listed_root = os.fstat(self.old.fd)
        _carry_root(self.old, self.tmp)
        if not self.portable:
            try:
                _exchange(self.parent, self.tmp_name, self.name)
                return
            except OSError as exc:
                if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
                    raise
        # No atomic exchange here: set the old folder aside, then move the new one in. A kill between the
        # two renames is undone by the next run (_recover puts the old folder back).
        aside = self.tmp_name[: -len(TMP_SUFFIX)] + OLD_SUFFIX
        self.tmp.write(f"{PARTIAL_MARK}.new", aside.encode())  # the mark changes in one step: a kill leaves one
        os.replace(f"{PARTIAL_MARK}.new", PARTIAL_MARK, src_dir_fd=self.tmp.fd, dst_dir_fd=self.tmp.fd)
        self.tmp.add(PARTIAL_MARK)
        del self.tmp.listed[f"{PARTIAL_MARK}.new"]
        os.rename(self.name, aside, src_dir_fd=self.parent, dst_dir_fd=self.parent)
        self.old_name = aside
        _step("set aside")
        try:
            os.rename(self.tmp_name, self.name, src_dir_fd=self.parent, dst_dir_fd=self.parent)
        except OSError:
            os.rename(aside, self.name, src_dir_fd=self.parent, dst_dir_fd=self.parent)
            self.old_name = self.tmp_name
            raise


def _unchanged(tree):
    """Every folder of the new build is still the one made and listed (a co-writer's link in the place of one,
    put there after the checks, fails the run here rather than being published with our manifest)."""
    for rel, info in tree.listed.items():
        if stat.S_ISDIR(info.st_mode):
            tree.check(rel)


def _exchange(parent, first, second):
    """Swap two names of the folder `parent` in one step; OSError where the system cannot (see _fsops)."""
    _fsops.exchange(parent, first, second)


def _carry_root(old, tmp):
    """The new folder takes the old one's owner and extended attributes now, its mode once published (until
    then we keep the right to write into it)."""
    info = old.listed_root
    _fsops.copy_meta(old.fd, info, tmp.fd)
    os.fchmod(tmp.fd, stat.S_IMODE(info.st_mode) | stat.S_IRWXU)


def _carry(old, tmp, new, replace, prune, target):
    """Link into `tmp` what stays from the old folder: the user's files, links and folders, and (prune=False) our
    earlier files this run did not write. Every folder of the old one that the new one has takes its mode, owner
    and xattrs. Returns ({kept rel: sha}, {user files this run replaces})."""
    ours = _ours(old)
    entries, folders = _files(old), _folders(old)
    clashes = sorted(rel for rel in entries if rel not in ours and not _bookkeeping(rel) and rel in new)
    if clashes and not replace:
        raise OutputError(f"{target} holds files of the same names that jisrgeo did not write "
                          f"({', '.join(clashes[:5])}); pass replace=True (--replace) to overwrite them")
    theirs = {rel for rel in entries if rel not in ours}
    blocked = sorted(rel for rel in new if rel in folders or any(parent in theirs for parent in _parents(rel)))
    if blocked:
        raise OutputError(f"{target}: jisrgeo writes {blocked[0]}, but a file, folder or link of yours stands in "
                          "its way (a link is never written through): move it away")
    carried = [rel for rel in sorted(entries)
               if not (_bookkeeping(rel) or rel in new or (rel in ours and prune))]
    holding = {parent for rel in entries for parent in _parents(rel)}
    wanted = {rel for rel in folders if rel not in holding}  # the user's empty folders (we never leave one)
    wanted |= {parent for rel in carried + sorted(wanted) for parent in _parents(rel)}
    for rel in sorted(wanted):
        if rel not in tmp.listed:
            tmp.mkdir(rel, 0o700)
    _step("carrying")
    for rel in carried:
        try:
            link_or_copy(old, rel, tmp, rel)
        except OSError:
            if stat.S_ISREG(entries[rel].st_mode) or stat.S_ISLNK(entries[rel].st_mode):
                raise
            raise OutputError(f"{target / rel} is a special file jisrgeo cannot keep in place: move it away") from None
    _carry_folders(old, tmp)
    _step("carried")
    return {rel: ours[rel] for rel in carried if rel in ours}, set(clashes)


def _carry_folders(old, tmp, only=None):
    """Each folder of the old tree that the new one has takes its owner, xattrs and then mode (deepest first,
    so a read-only folder is closed only once everything is in it)."""
    for rel in sorted(only if only is not None else _folders(old), key=lambda r: r.count("/"), reverse=True):
        info = tmp.listed.get(rel)
        if info is None or not stat.S_ISDIR(info.st_mode):
            continue
        source, target = old.dir(rel), tmp.dir(rel)
        _fsops.copy_meta(source, old.listed[rel], target)
        os.fchmod(target, stat.S_IMODE(old.listed[rel].st_mode))


def _parents(rel):
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _discard(parent, target, old, old_name, new, replaced=()):
    """Empty and remove the old folder, deleting only what is provably ours, provably kept in the new one (the
    same file under the same name) or replaced on the user's request. A file of the user's that arrived after
    the carry is linked into the new folder first. What cannot be removed stays, and a warning names the
    folder; the old manifest goes last, so a run killed meanwhile leaves it for the next run."""
    old.rescan()
    ours = _ours(old)
    _step("discarding")
    left = []
    for rel in sorted(_files(old)):
        if rel == MANIFEST:
            continue
        try:
            if not (rel in ours or _bookkeeping(rel) or rel in replaced or _kept_in(old, rel, new)):
                if not _late(old, rel, new):
                    left.append((rel, f"a different file of that name is in {target.name}"))
                    continue
            _unlink(old, rel)
            _step("cleaning")
        except OSError as exc:
            left.append((rel, exc.strerror or str(exc)))
    if MANIFEST in old.listed and not any(rel in ours for rel, _ in left):
        with contextlib.suppress(OSError):
            _unlink(old, MANIFEST)
    _prune_folders(old)
    try:
        _remove_folder(parent, old_name, old)
        if entry(parent, old_name) is None:
            return
    except OSError:
        pass
    said = "; ".join(f"{rel} ({why})" for rel, why in left[:3]) or "files added while it was being emptied"
    _warn(f"kept {target.parent / old_name}: the old build of {target.name}, where jisrgeo could not clear "
                  f"away {len(left) or 'some'} file(s): {said}{' ...' if len(left) > 3 else ''}; the new build is "
                  "complete; look inside, then delete that folder")


def _warn(message):
    """A UserWarning shown at the first caller outside jisrgeo (a script's own line, not our internals)."""
    package, frame, level = os.path.dirname(__file__), sys._getframe(1), 2
    while frame is not None and (frame.f_code.co_filename.startswith(package)
                                 or frame.f_code.co_filename == contextlib.__file__):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


def _late(old, rel, new):
    """Link into the new folder a file of the user's that arrived after the carry (same name, nothing there)."""
    if rel in new.listed:
        return False
    made = []
    for folder in _parents(rel):
        info = new.listed.get(folder)
        if info is None:
            new.mkdir(folder, 0o700)
            made.append(folder)
        elif not stat.S_ISDIR(info.st_mode):
            return False
    try:
        link_or_copy(old, rel, new, rel)
    except FileExistsError:
        return False
    _carry_folders(old, new, [folder for folder in made if folder in old.listed])
    return True


def _kept_in(old, rel, new):
    """Whether the new folder holds the same file or link as the old one under `rel` (a link, or the same content)."""
    a, b = old.listed.get(rel), new.listed.get(rel)
    if a is None or b is None:
        return False
    if ident(a) == ident(b):
        return True
    if stat.S_ISLNK(a.st_mode) and stat.S_ISLNK(b.st_mode):
        (fa, na), (fb, nb) = old.check(rel), new.check(rel)
        return os.readlink(na, dir_fd=fa) == os.readlink(nb, dir_fd=fb)
    return (stat.S_ISREG(a.st_mode) and stat.S_ISREG(b.st_mode) and a.st_size == b.st_size
            and _digest(old, rel) == _digest(new, rel))
