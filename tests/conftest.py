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
    """One build of the bundled battle per test session, shared: (folder, summary). Read it, never change it."""
    from jisrgeo.build import build

    out = tmp_path_factory.mktemp("build") / "maps"
    return out, build(jisrgeo.load(), out)


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
