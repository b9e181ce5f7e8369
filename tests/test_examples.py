"""Every Python line the README, the docs and the commands' --help show runs as written, in a fresh process
(so a submodule that `import jisrgeo` does not expose fails here as it would for a reader)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jisrgeo
from helpers import FIXTURES
from jisrgeo.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
STARTS = ("ds", "jisrgeo", "other", "import ")

RUNNER = r"""
import json, sys, traceback
snippets = json.loads(sys.stdin.read())
namespace = {}
failures = []
for source in snippets:
    try:
        exec(compile(source, "<snippet>", "exec"), namespace)
    except Exception:
        failures.append([source, traceback.format_exc(limit=3)])
print(json.dumps(failures))
"""


def readme_snippets():
    """The Python column of the side-by-side table and the notebook block of the quick start."""
    table = README.split("## Python and the shell", 1)[1].split("\n## ", 1)[0]
    snippets = []
    for line in table.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
        if len(cells) > 3 and not set(cells[2]) <= set("-"):
            snippets += [s for s in re.findall(r"`([^`]+)`", cells[2]) if s.startswith(STARTS)]
    block = README.split("## Quick start", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    snippets += [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
    return snippets


def split_top_level(text):
    """Statements separated by commas or ';' outside brackets and strings (a piece that does not start
    like a statement, as `report = ...` in `other, report = ...`, belongs to the one before)."""
    parts, depth, quote, current = [], 0, None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch in ",;" and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += ch
    statements = []
    for part in (p.strip() for p in parts + [current] if p.strip()):
        if statements and not part.startswith(STARTS):
            statements[-1] += ", " + part
        else:
            statements.append(part)
    return statements


def help_snippets():
    """The `Python:` lines of every command's help (a `#` starts a comment)."""
    found = {}
    commands = dict(main.commands)
    for name, command in list(commands.items()):  # and the subcommands of a group (import acled, ...)
        commands.update({f"{name} {sub}": c for sub, c in getattr(command, "commands", {}).items()})
    for name, command in sorted(commands.items()):
        text = command.help.split("Python:", 1)[1].split("\n\n", 1)[0]
        found[name] = [s for line in text.splitlines() for s in split_top_level(line.split("  #")[0])]
    return found


def run(snippets, tmp_path, prelude=("import jisrgeo",)):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(jisrgeo.io.bundled_path(), work / "geodata")
    shutil.copy(FIXTURES / "interop" / "acled.csv", work / "acled.csv")
    shutil.copy(FIXTURES / "interop" / "ucdp_ged.csv", work / "ged.csv")
    done = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps([*prelude, *snippets]), cwd=work,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_readme_has_python_lines_to_run():
    snippets = readme_snippets()
    assert snippets[0] == "ds = jisrgeo.load()" and len(snippets) > 35
    assert any(s.startswith("jisrgeo.maps.day_map") for s in snippets)


def test_every_python_line_of_the_readme_runs(tmp_path):
    pytest.importorskip("dask")  # jisrgeo[scale], installed with the test extras
    failures = run(readme_snippets(), tmp_path)
    assert not failures, "\n\n".join(f"{src}\n{tb}" for src, tb in failures)


def docs_snippets():
    """Each line of the ```python blocks of docs/ (one statement a line, a `  #` starts a comment)."""
    snippets = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for block in re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            snippets += [line.split("  #")[0].strip() for line in block.splitlines() if line.split("  #")[0].strip()]
    return snippets


def test_every_python_line_of_the_docs_runs(tmp_path):
    snippets = docs_snippets()
    assert any(s.startswith("ds.control_matrix") for s in snippets) and len(snippets) > 15
    failures = run(snippets, tmp_path)
    assert not failures, "\n\n".join(f"{src}\n{tb}" for src, tb in failures)


def test_every_python_line_of_every_help_runs(tmp_path):
    snippets = [s for lines in help_snippets().values() for s in lines]
    assert len(snippets) >= len(main.commands)
    # The names a usage line shows (DATE, start, end) stand for what a reader would type.
    prelude = ("import jisrgeo", "ds = jisrgeo.load()", "DATE, start, end = '2015-04-25', '2015-04-20', '2015-05-31'")
    failures = run(snippets, tmp_path, prelude=prelude)
    assert not failures, "\n\n".join(f"{src}\n{tb}" for src, tb in failures)


def test_import_is_fast_and_exposes_every_submodule():
    code = ("import sys, jisrgeo; heavy = [m for m in ('pandas', 'geopandas', 'matplotlib', 'folium') if m in sys.modules];"
            "print(heavy); [getattr(jisrgeo, m) for m in jisrgeo.SUBMODULES if m != 'scale']; print(sorted(dir(jisrgeo))[:3])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "[]"  # importing jisrgeo pulls in none of the heavy libraries
    for name in jisrgeo.SUBMODULES:
        assert name in dir(jisrgeo)
    with pytest.raises(AttributeError):
        _ = jisrgeo.no_such_module
