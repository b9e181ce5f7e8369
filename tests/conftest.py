import os
import shutil
import tempfile

import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo.cli import main

from helpers import MINI


def pytest_configure(config):
    # The load cache of the test run lives and dies with it: never the user's own cache directory.
    os.environ["JISRGEO_CACHE"] = tempfile.mkdtemp(prefix="jisrgeo-test-cache-")


def pytest_unconfigure(config):
    shutil.rmtree(os.environ.pop("JISRGEO_CACHE", ""), ignore_errors=True)

@pytest.fixture(scope="session")
def bundled():
    return jisrgeo.load()


@pytest.fixture(scope="session")
def mini():
    return jisrgeo.load(MINI)


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory):
    """One build of the bundled battle per test run, shared: (folder, summary). Read it, never change it.

    Under pytest-xdist (scripts/test.sh runs `-n`), the workers share it too: the first to ask builds it
    in the run's common temporary folder under a lock, the others wait for it and read it (a full build
    is ~40 s of CPU, not to be paid once per worker)."""
    import fcntl
    import pickle

    from jisrgeo.build import build

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # pytest-of-USER/pytest-N, the parent of every worker's own folder
    folder = root / "bundled-build"
    with open(root / "bundled-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        done = folder / "summary.pickle"
        if not done.exists():
            folder.mkdir(exist_ok=True)
            summary = build(jisrgeo.load(), folder / "maps")
            done.write_bytes(pickle.dumps(summary))
        return folder / "maps", pickle.loads(done.read_bytes())


@pytest.fixture
def mini_copy(tmp_path):
    """A writable copy of the mini dataset, for tests that break it."""
    target = tmp_path / "data"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke
