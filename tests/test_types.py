"""The public API's type hints are checked by mypy (configured in pyproject.toml), and mean something."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mypy", reason="mypy comes with the test extras: pip install -e '.[test]'")


def mypy(*args, cwd=ROOT):
    # MYPYPATH: an editable install is an import hook mypy cannot follow; the source is what is installed.
    env = {**os.environ, "MYPYPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600, env=env)


def test_the_public_modules_type_check():
    done = mypy()
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_wrong_call_is_caught(tmp_path):
    user = tmp_path / "user.py"
    user.write_text("import jisrgeo\nds = jisrgeo.load()\nds.control('2015-05-10', place=3)\njisrgeo.distance('a', 3)\n"
                    "km: str = jisrgeo.distance('a', 'b').km\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    done = mypy("--config-file", str(tmp_path / "pyproject.toml"), str(user), cwd=tmp_path)
    assert done.returncode == 1
    assert "user.py:3" in done.stdout and "user.py:4" in done.stdout and "user.py:5" in done.stdout, done.stdout
