"""The documentation: a README a newcomer reads in minutes, whose links lead somewhere, and a docs/ site
that builds offline with mkdocs in strict mode (every internal link and anchor checked)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def anchors(markdown):
    """GitHub's and mkdocs' heading ids: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_readme_is_short():
    assert len(README.splitlines()) <= 300


def test_every_link_of_the_readme_leads_somewhere():
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    assert len(links) > 15
    for link in links:
        if re.match(r"\w+://", link):
            continue
        target, _, anchor = link.partition("#")
        path = ROOT / target if target else ROOT / "README.md"
        assert path.exists(), f"README links to {link}, which does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in anchors(path.read_text(encoding="utf-8")), f"README links to {link}: no such heading"


def test_the_docs_site_builds_offline_with_every_link_checked(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
               "--site-dir", str(tmp_path / "site")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    # The API reference came from the docstrings, and the side-by-side table from the README.
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert 'id="jisrgeo.dataset.Dataset.control"' in api and "Load a dataset." in api
    table = (tmp_path / "site" / "reference" / "python-and-shell" / "index.html").read_text(encoding="utf-8")
    assert "ds.control_matrix" in table and "<table" in table
