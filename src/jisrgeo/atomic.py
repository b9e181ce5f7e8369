"""Write-to-temp-then-rename for every output, so an interrupted run leaves the old output intact."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publishable(path, mode):
    """mkstemp/mkdtemp create private (0600/0700) entries: give the final output normal permissions."""
    os.chmod(path, mode & ~_umask())


@contextlib.contextmanager
def atomic_file(path):
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keep the real extension last: drivers such as GDAL's GPKG check it.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # writers such as GDAL want to create the file themselves
    tmp = Path(tmp)
    try:
        yield tmp
        _publishable(tmp, 0o666)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path, text):
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(path, data):
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def atomic_dir(path):
    """Yield a temporary folder beside `path`; it replaces `path` as a whole only if the block succeeds."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    old = path.with_name(f".{path.name}.old")
    try:
        yield tmp
        _publishable(tmp, 0o777)
        if old.exists():
            shutil.rmtree(old)
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
