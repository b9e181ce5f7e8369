"""Every figure the README and docs/ quote from a command is what a fresh run of that command gives.

The blocks between `<!-- figures:NAME start -->` and `<!-- figures:NAME end -->` are written by
scripts/figures.py; this test runs the same functions and compares. When it fails, run
`python3 scripts/figures.py` and commit the result (review the diff: a changed figure is news).
"""

import difflib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("figures", ROOT / "scripts" / "figures.py")
figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(figures)


def committed():
    """{block name: [(document, committed body)]} over README.md and docs/."""
    found = {}
    for path in figures.documents():
        for match in figures.MARKER.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group("name"), []).append((path.relative_to(ROOT), match.group("body")))
    return found


COMMITTED = committed()


@pytest.fixture
def run(request):
    # The build's figures come from the session's one build of the bundled battle, made only if asked for.
    return figures.Run(build=lambda: request.getfixturevalue("bundled_build"))


def test_every_generated_figure_has_a_place_in_the_docs():
    assert set(COMMITTED) == set(figures.BLOCKS), "a block is missing from the docs, or unknown to scripts/figures.py"
    for path in figures.documents():
        text = path.read_text(encoding="utf-8")
        starts, ends = text.count("<!-- figures:") - text.count(" end -->"), text.count(" end -->")
        assert starts == ends == len(figures.blocks_in(text)), f"{path}: a figures marker without its pair"


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_the_figures_are_those_of_a_fresh_run(name, run):
    fresh = figures.BLOCKS[name](run).rstrip("\n") + "\n"
    for path, body in COMMITTED[name]:
        diff = "".join(difflib.unified_diff(body.splitlines(True), fresh.splitlines(True), "committed", "fresh run"))
        assert body == fresh, f"{path}: figures '{name}' are stale: run python3 scripts/figures.py\n{diff}"


def test_a_stale_figure_is_found_and_rewritten(run):
    page = "Before.\n<!-- figures:dataset start -->\n| places | 9999 |\n<!-- figures:dataset end -->\nAfter.\n"
    fresh = figures.refresh(page, run)
    assert fresh != page and "9999" not in fresh
    assert fresh.startswith("Before.\n<!-- figures:dataset start -->\n")
    assert fresh.endswith("<!-- figures:dataset end -->\nAfter.\n")
    assert figures.refresh(fresh, run) == fresh  # a second run changes nothing
    with pytest.raises(SystemExit, match="unknown figures block"):
        figures.refresh("<!-- figures:nope start -->\n<!-- figures:nope end -->\n", run)


def test_the_cli_reference_shows_every_command():
    (body,) = [b for _, b in COMMITTED["cli"]]
    from jisrgeo.cli import main

    for name in main.commands:
        assert f"## `jisrgeo {name}`" in body
