import shutil

import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo.cli import main

from helpers import MINI

@pytest.fixture(scope="session")
def bundled():
    return jisrgeo.load()


@pytest.fixture(scope="session")
def mini():
    return jisrgeo.load(MINI)


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
