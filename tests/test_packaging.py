"""pyproject.toml promises what CI tests: each floor is the version constraints-min.txt installs for the
minimum-versions run (scripts/test.sh), and the README's first command works where system pip is refused."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def pins(path):
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            found[re.sub(r"[-_.]+", "-", name).lower()] = Version(version)
    return found


def test_every_floor_is_the_minimum_version_tested():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    minimum = pins(ROOT / "constraints-min.txt")
    floors = {}
    for text in project["dependencies"]:
        requirement = Requirement(text)
        (spec,) = requirement.specifier
        assert spec.operator == ">=", text
        floors[re.sub(r"[-_.]+", "-", requirement.name).lower()] = Version(spec.version)
    assert floors == minimum, "pyproject's floors and constraints-min.txt must name the same versions"
    # The pinned versions (the committed maps' build) satisfy the floors.
    pinned = pins(ROOT / "constraints.txt")
    assert all(pinned[name] >= floor for name, floor in floors.items())


def test_dask_is_optional_and_the_readme_starts_with_a_virtual_environment():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any("dask" in d for d in project["dependencies"]) and "scale" in project["optional-dependencies"]
    quick = (ROOT / "README.md").read_text(encoding="utf-8").split("## Quick start", 1)[1].split("```sh", 1)[1]
    assert quick.strip().startswith("python3 -m venv .venv && . .venv/bin/activate && ")
    assert "constraints-min.txt" in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
