"""The README and the CLI stay in step: every command has help text, an example of its Python twin, and a README row."""

from pathlib import Path

import pytest

from jisrgeo.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_documented(name, cli):
    command = main.commands[name]
    assert command.help and len(command.help.strip()) > 20, f"{name} lacks help text"
    assert "Python:" in command.help, f"{name}'s help does not name its Python twin"
    assert f"jisrgeo {name}" in README, f"README does not show `jisrgeo {name}`"
    result = cli(name, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_the_format_reference_is_generated_from_the_schema():
    from jisrgeo.schema import markdown

    committed = (Path(__file__).resolve().parents[1] / "docs" / "format.md").read_text(encoding="utf-8")
    assert committed == markdown(), "docs/format.md is stale: run python scripts/format_doc.py"


def test_readme_quick_start_has_the_two_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "python3 -m pip install -c constraints.txt . && jisrgeo build" in quick
    assert "bash scripts/test.sh" in quick
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci


def test_every_subpackage_ships_in_the_wheel():
    """pyproject lists the packages by hand (geodata/ maps into the package): a new folder must be listed."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(root / "src").parts) for p in (root / "src" / "jisrgeo").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject's packages: {sorted(found - listed)}"
