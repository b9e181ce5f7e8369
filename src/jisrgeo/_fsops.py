"""Folder work through directory descriptors, and the system's lock and exchange chosen at call time.

Every operation names an entry relative to a folder held open (dir_fd) and checks, at the moment of
use, that the entry is still the one listed (type, device and inode): another process that swaps a
component for a link can make a run fail, never make it act outside the folder. Nothing here follows a
link. fcntl and renameat2 are looked up when a run needs them, so importing needs neither (issue 32).
"""

import contextlib
import errno
import os
import stat
from collections.abc import Callable
from typing import Any

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _O_NOFOLLOW | _O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | _O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _O_CLOEXEC
NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC


def supported() -> bool:
    """Whether this system can work on folders through descriptors (every POSIX system; not Windows)."""
    return {os.open, os.mkdir} <= os.supports_dir_fd  # with them come stat, unlink, rename and link


class Changed(OSError):
    """An entry is no longer the one listed: another process changed the folder during the run."""

    def __init__(self, rel: str) -> None:
        super().__init__(errno.ESTALE, f"{rel} was changed by another process during the run (a link or a new "
                                       "file in its place); nothing was done through it", rel)


def ident(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def open_dir(name: str, dir_fd: int | None = None, expect: tuple[int, int] | None = None) -> int:
    """A descriptor of the real folder `name` (never a link), that is `expect` (device, inode) when given."""
    try:
        fd = os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if expect is not None and exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT):
            raise Changed(name) from None  # a listed folder that is now a link, a file or gone
        raise
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode) or (expect is not None and ident(info) != expect):
        os.close(fd)
        raise Changed(name)
    return fd


def entry(dir_fd: int, name: str) -> os.stat_result | None:
    """lstat of `name` in the folder, or None where there is nothing."""
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def scan(root_fd: int) -> dict[str, os.stat_result]:
    """{relative path: lstat} of everything below the folder open as root_fd, folders included, links never
    followed; each sub-folder is opened by descriptor and checked to be the one listed."""
    found = {}
    stack = [(root_fd, "", iter(sorted(os.listdir(root_fd))))]
    try:
        while stack:
            fd, base, names = stack[-1]
            name = next(names, None)
            if name is None:
                stack.pop()
                if fd != root_fd:
                    os.close(fd)
                continue
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            found[base + name] = info
            if stat.S_ISDIR(info.st_mode):
                sub = open_dir(name, fd, ident(info))
                stack.append((sub, f"{base}{name}/", iter(sorted(os.listdir(sub)))))
    finally:
        for fd, _, _ in stack:
            if fd != root_fd:
                os.close(fd)
    return found


class Tree:
    """A folder held open, with the lstat of each entry as listed: every operation re-checks the entry."""

    def __init__(self, fd: int, listed: dict[str, os.stat_result]) -> None:
        self.fd, self.listed, self._dirs = fd, listed, {"": fd}
        self.memo: dict[str, Any] = {}  # what the caller worked out from this listing
        self.mode: int | None = None

    @classmethod
    def open(cls, name: str, dir_fd: int | None = None, expect: tuple[int, int] | None = None) -> "Tree":
        fd = open_dir(name, dir_fd, expect)
        try:
            return cls(fd, scan(fd))
        except BaseException:
            os.close(fd)
            raise

    def close(self) -> None:
        for rel, fd in self._dirs.items():
            if rel:
                os.close(fd)
        os.close(self.fd)
        self._dirs = {}

    def rescan(self) -> None:
        """List the folder again (it may have changed since it was listed)."""
        for rel in [rel for rel in self._dirs if rel]:
            os.close(self._dirs.pop(rel))
        self.listed, self.memo = scan(self.fd), {}

    def dir(self, rel: str) -> int:
        """A descriptor of the listed sub-folder `rel` ('' for the root), checked at each step."""
        if rel in self._dirs:
            return self._dirs[rel]
        parent, _, name = rel.rpartition("/")
        info = self.listed.get(rel)
        fd = open_dir(name, self.dir(parent), ident(info) if info is not None else None)
        self._dirs[rel] = fd
        return fd

    def where(self, rel: str) -> tuple[int, str]:
        parent, _, name = rel.rpartition("/")
        return self.dir(parent), name

    def check(self, rel: str) -> tuple[int, str]:
        """The descriptor of the folder holding `rel` and its name, once the entry is checked to be as listed."""
        fd, name = self.where(rel)
        now = entry(fd, name)
        if now is None or ident(now) != ident(self.listed[rel]) or stat.S_IFMT(now.st_mode) != stat.S_IFMT(
                self.listed[rel].st_mode):
            raise Changed(rel)
        return fd, name

    def open_file(self, rel: str) -> int:
        """A read descriptor of the listed regular file `rel` (never through a link)."""
        fd, name = self.where(rel)
        handle = os.open(name, FILE_FLAGS, dir_fd=fd)
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or ident(info) != ident(self.listed[rel]):
            os.close(handle)
            raise Changed(rel)
        return handle

    def unlink(self, rel: str) -> None:
        fd, name = self.check(rel)
        os.unlink(name, dir_fd=fd)

    def rmdir(self, rel: str) -> None:
        fd, name = self.check(rel)
        held = self._dirs.pop(rel, None)
        if held is not None:
            os.close(held)
        os.rmdir(name, dir_fd=fd)

    def mkdir(self, rel: str, mode: int = 0o777) -> None:
        """Make the folder `rel` (its parents made or listed already), open it at once and list what was opened:
        a name taken meanwhile (a link put there first) or swapped right after raises Changed."""
        fd, name = self.where(rel)
        try:
            os.mkdir(name, mode, dir_fd=fd)
        except FileExistsError:
            raise Changed(rel) from None
        try:
            made = open_dir(name, fd, None)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT):
                raise Changed(rel) from None
            raise
        try:
            info = os.fstat(made)
            now = entry(fd, name)
            if now is None or ident(now) != ident(info):
                raise Changed(rel)
        except BaseException:
            os.close(made)
            raise
        self.listed[rel], self._dirs[rel] = info, made

    def add(self, rel: str) -> None:
        """List an entry made by this run."""
        fd, name = self.where(rel)
        self.listed[rel] = os.stat(name, dir_fd=fd, follow_symlinks=False)

    def write(self, rel: str, data: bytes) -> None:
        """Create the new file `rel` (never over an existing name, never through a link)."""
        fd, name = self.where(rel)
        handle = os.open(name, NEW_FILE_FLAGS, 0o666, dir_fd=fd)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        self.add(rel)


def link_or_copy(src: Tree, rel: str, dst: Tree, dst_rel: str) -> None:
    """A second name in `dst` for the listed entry `rel` of `src`: a hard link (the same file, never its content
    moved, never a link followed); a copy with its mode, owner, times and xattrs where linking is refused (an
    immutable file, another file system); a link is re-made as a link. Special files raise OSError."""
    fd, name = src.check(rel)
    info = src.listed[rel]
    to_fd, to_name = dst.where(dst_rel)
    try:
        os.link(name, to_name, src_dir_fd=fd, dst_dir_fd=to_fd, follow_symlinks=False)
    except OSError:
        if stat.S_ISLNK(info.st_mode):
            os.symlink(os.readlink(name, dir_fd=fd), to_name, dir_fd=to_fd)
        elif stat.S_ISREG(info.st_mode):
            copy_file(src, rel, to_fd, to_name)
        else:
            raise
    dst.add(dst_rel)
    made = dst.listed[dst_rel]
    if stat.S_IFMT(made.st_mode) != stat.S_IFMT(info.st_mode) or (made.st_nlink > 1 and ident(made) != ident(info)):
        os.unlink(to_name, dir_fd=to_fd)  # the name was swapped between the check and the link
        raise Changed(rel)


def copy_file(src: Tree, rel: str, to_fd: int, to_name: str) -> os.stat_result:
    """Copy the listed file `rel` of `src` into the new file `to_name` of the folder `to_fd` (made with O_EXCL and
    O_NOFOLLOW: never over a name, never through a link), with its mode, owner, times and xattrs; returns the new
    file's fstat. A failure removes what it made, if that is still the file at the name."""
    info = src.listed[rel]
    source = src.open_file(rel)
    try:
        target = os.open(to_name, NEW_FILE_FLAGS, 0o600, dir_fd=to_fd)
        made = os.fstat(target)
        try:
            while block := os.read(source, 1 << 20):
                write_all(target, block)
            copy_meta(source, info, target)
            os.fchmod(target, stat.S_IMODE(info.st_mode))
            os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
        except BaseException:
            remove_if(to_fd, to_name, made)
            raise
        finally:
            os.close(target)
        return made
    finally:
        os.close(source)


def is_entry(dir_fd: int, name: str, info: os.stat_result) -> bool:
    """True when `name` in the folder `dir_fd` is still the file `info` describes."""
    now = entry(dir_fd, name)
    return now is not None and ident(now) == ident(info)


def remove_if(dir_fd: int, name: str, info: os.stat_result) -> None:
    """Unlink `name` of the folder `dir_fd` if it is still the file `info` (one we made and nobody replaced)."""
    with contextlib.suppress(OSError):
        if is_entry(dir_fd, name, info):
            os.unlink(name, dir_fd=dir_fd)


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to the open file (os.write may take less than it was given, near a full disk)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def copy_meta(src_fd: int, info: os.stat_result, dst_fd: int) -> None:
    """Carry the owner (where permitted) and the extended attributes, ACLs included (system.posix_acl_*), from
    one open file or folder to another. The mode is set by the caller, last."""
    with contextlib.suppress(OSError):  # only root may give a file away; a user may still set a group of theirs
        now = os.fstat(dst_fd)
        if (now.st_uid, now.st_gid) != (info.st_uid, info.st_gid):
            os.fchown(dst_fd, info.st_uid if os.geteuid() == 0 else -1, info.st_gid)
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(src_fd)
    except OSError:
        return  # a file system without extended attributes
    for key in names:
        with contextlib.suppress(OSError):  # security.* and trusted.* need privileges we may lack
            os.setxattr(dst_fd, key, os.getxattr(src_fd, key))


def clear(fd: int) -> None:
    """Remove everything inside the folder open as fd (links removed, never followed); the folder stays."""
    for name in os.listdir(fd):
        info = entry(fd, name)
        if info is None:
            continue
        if stat.S_ISDIR(info.st_mode):
            sub = open_dir(name, fd, ident(info))
            try:
                clear(sub)
            finally:
                os.close(sub)
            os.rmdir(name, dir_fd=fd)
        else:
            os.unlink(name, dir_fd=fd)


# -- the lock and the exchange: the system's best, chosen when a run starts --------------------------------

def lock_file(dir_fd: int, name: str, portable: bool = False) -> Callable[[], None]:
    """Take the lock `name` in the folder; returns a release function. OSError(EWOULDBLOCK) when another run
    holds it. flock where fcntl exists (released by the system when the holder dies); elsewhere, or when
    `portable`, a file made with O_EXCL that holds the holder's process id (a dead holder's lock is taken over)."""
    module: Any = None
    if not portable:
        try:
            import fcntl as module
        except ImportError:
            pass
    return _flock(dir_fd, name, module) if module is not None else _pid_lock(dir_fd, name)


def _flock(dir_fd, name, fcntl):
    while True:
        fd = os.open(name, os.O_RDWR | os.O_CREAT | _O_NOFOLLOW | _O_CLOEXEC | getattr(os, "O_NONBLOCK", 0),
                     0o644, dir_fd=dir_fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(errno.EEXIST, "not a lock file", name)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OSError(errno.EWOULDBLOCK, "held by another run", name) from None
        now = entry(dir_fd, name)
        if now is not None and os.path.samestat(os.fstat(fd), now):
            break
        os.close(fd)  # the previous holder removed the file we opened: lock the new one

    def release() -> None:
        now = entry(dir_fd, name)
        if now is not None and os.path.samestat(os.fstat(fd), now):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)
        os.close(fd)
    return release


def _pid_lock(dir_fd, name):
    for _ in range(3):
        try:
            fd = os.open(name, NEW_FILE_FLAGS, 0o644, dir_fd=dir_fd)
        except FileExistsError:
            holder = _holder(dir_fd, name)
            if holder is None or _alive(holder):
                raise OSError(errno.EWOULDBLOCK, f"held by process {holder}" if holder else "held by another run",
                              name) from None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=dir_fd)  # its holder died: take it over
            continue
        os.write(fd, f"{os.getpid()}\n".encode())
        mine = os.fstat(fd)
        os.close(fd)

        def release(mine: os.stat_result = mine) -> None:
            now = entry(dir_fd, name)
            if now is not None and os.path.samestat(mine, now):
                os.unlink(name, dir_fd=dir_fd)
        return release
    raise OSError(errno.EWOULDBLOCK, "held by another run", name)


def _holder(dir_fd, name):
    info = entry(dir_fd, name)
    if info is None or not stat.S_ISREG(info.st_mode) or info.st_size > 64:
        return None
    try:
        fd = os.open(name, FILE_FLAGS, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        text = os.read(fd, 64).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    return int(text) if text.isdigit() else None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


RENAME_EXCHANGE = 2


def exchange(dir_fd: int, first: str, second: str) -> None:
    """Swap two names of one folder in one step (Linux renameat2 RENAME_EXCHANGE); OSError(ENOSYS) where the
    system has no such call."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (ImportError, OSError, AttributeError):
        raise OSError(errno.ENOSYS, "renameat2 is not available") from None
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(dir_fd, os.fsencode(first), dir_fd, os.fsencode(second), RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), second)
