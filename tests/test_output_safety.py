"""A downloaded output folder can never make jisrgeo delete or write outside it (issue 28).

A manifest is a claim, not a proof: entries that leave the folder, or pass through a link, make the
whole manifest untrusted. Links inside an earlier output are kept as links and never written through.
Publishing swaps whole folders, so a run killed at any step leaves the old output or the new one.
"""

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import jisrgeo
from jisrgeo import output
from jisrgeo.output import MANIFEST, PARTIAL_MARK, OutputError, output_folder, read_manifest

from helpers import MINI

WINDOW = ("--from", "2015-04-09", "--to", "2015-04-10")


def sha(data):
    return hashlib.sha256(data).hexdigest()


def tree(path):
    """{relative path: bytes, or 'link -> target'} of everything below `path`, links not followed."""
    out = {}
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            full = Path(root) / name
            rel = full.relative_to(path).as_posix()
            if full.is_symlink():
                out[rel] = f"link -> {os.readlink(full)}"
            elif full.is_file():
                out[rel] = full.read_bytes()
    return out


def doctored(folder, entries):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps({"generator": "jisrgeo", "files": entries}))


@pytest.fixture
def victims(tmp_path):
    """Files of the user's outside the output, and a link inside it pointing at them."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_bytes(b"# the user's shell\n")
    (home / "thesis.docx").write_bytes(b"years of work")
    (home / "empty").write_bytes(b"")
    return home


@pytest.mark.parametrize("entry", ["{home}/.bashrc", "../home/.bashrc", "png/../../home/.bashrc", "./../home/.bashrc",
                                   "link/.bashrc", "png\\..\\..\\home\\.bashrc", "//{home}/.bashrc"])
def test_a_doctored_manifest_deletes_nothing_outside(cli, tmp_path, victims, entry):
    out = tmp_path / "maps"
    out.mkdir()
    (out / "link").symlink_to(victims)
    entry = entry.format(home=victims)
    doctored(out, {entry: sha(b"# the user's shell\n"), "empty": sha(b"")})
    assert read_manifest(out) == {}  # one bad entry: the whole manifest is the user's, not ours
    before = tree(victims)
    result = cli("build", "--data", MINI, "--out", out, *WINDOW, "--replace")
    assert result.exit_code == 0, result.output
    assert tree(victims) == before and (out / "link").is_symlink()
    assert all(not rel.startswith("..") and not rel.startswith("/") for rel in read_manifest(out))


def test_a_maps_folder_holding_only_a_manifest_deletes_nothing(cli, tmp_path, victims):
    out = tmp_path / "maps"
    doctored(out, {str(victims / "empty"): sha(b""), str(victims / ".bashrc"): sha(b"# the user's shell\n")})
    before = tree(victims)
    assert cli("build", "--data", MINI, "--out", out, *WINDOW).exit_code == 0
    assert tree(victims) == before and set(os.listdir(victims.parent)) == {"home", "maps"}


def test_parent_folders_are_never_removed(tmp_path):
    (tmp_path / "outer" / "inner").mkdir(parents=True)
    out = tmp_path / "outer" / "inner" / "site"
    with output_folder(out) as tmp:
        (tmp / "a.txt").write_text("one")
    with output_folder(out) as tmp:
        (tmp / "b.txt").write_text("two")
    assert sorted(os.listdir(out)) == [MANIFEST, "b.txt"] and (tmp_path / "outer" / "inner").is_dir()


def test_a_symlinked_sub_folder_is_never_written_through(cli, tmp_path, victims):
    out = tmp_path / "maps"
    assert cli("build", "--data", MINI, "--out", out, *WINDOW).exit_code == 0
    (victims / "2015-04-09.png").write_bytes(b"the user's own picture")
    os.rename(out / "png", tmp_path / "old-png")
    (out / "png").symlink_to(victims)
    before_out, before_victims = tree(out), tree(victims)
    for replace in ((), ("--replace",)):
        result = cli("build", "--data", MINI, "--out", out, *WINDOW, *replace)
        assert result.exit_code == 1 and "png" in result.output and "link" in result.output, result.output
        assert tree(victims) == before_victims and tree(out) == before_out


def test_links_the_user_put_in_an_output_stay_links(cli, tmp_path, victims):
    out = tmp_path / "maps"
    assert cli("build", "--data", MINI, "--out", out, *WINDOW, "--day-pages").exit_code == 0
    (out / "my-notes").symlink_to(victims)
    (out / "days" / "draft.md").write_text("mine")
    before = tree(victims)
    assert cli("build", "--data", MINI, "--out", out, "--from", "2015-04-09", "--to", "2015-04-09", "--day-pages").exit_code == 0
    assert os.readlink(out / "my-notes") == str(victims) and tree(victims) == before
    assert (out / "days" / "draft.md").read_text() == "mine" and not (out / "days" / "2015-04-10.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_second_run_on_the_same_folder_is_told_so(cli, tmp_path):
    out = tmp_path / "maps"
    with output._locked(out):
        result = cli("build", "--data", MINI, "--out", out, *WINDOW)
    assert result.exit_code == 1 and "another jisrgeo run is writing" in result.output and str(out) in result.output
    assert not out.exists()
    assert cli("build", "--data", MINI, "--out", out, *WINDOW).exit_code == 0  # the lock went with its holder


# -- a kill at each publishing step -------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import errno, os, sys
    from pathlib import Path
    from jisrgeo import output
    folder, version, stop_at, exchange = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
    output._step = lambda name: os._exit(9) if name == stop_at else None
    if not exchange:
        def unsupported(first, second):
            raise OSError(errno.ENOSYS, "no renameat2")
        output._exchange = unsupported
    with output.output_folder(folder) as tmp:
        (tmp / "page.html").write_text(version)
        (tmp / version).mkdir()
        (tmp / version / "only-in-this-build.txt").write_text(version)
""")


def publish(folder, version, stop_at="never", exchange=True):
    return subprocess.run([sys.executable, "-c", WRITER, str(folder), version, stop_at, "1" if exchange else "0"],
                          capture_output=True, text=True, timeout=60)


def contents(folder):
    return {rel: data for rel, data in tree(folder).items() if rel not in (MANIFEST, PARTIAL_MARK)}


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
@pytest.mark.parametrize("stop_at", ["written", "carried", "manifest", "set aside", "swapped", "discarded"])
def test_a_kill_at_any_step_leaves_old_or_new(tmp_path, stop_at, exchange):
    if exchange and stop_at == "set aside":
        pytest.skip("an atomic exchange has no set-aside step")
    site = tmp_path / "site"
    assert publish(site, "old").returncode == 0
    (site / "mine.txt").write_text("the user's")
    old = contents(site)
    killed = publish(site, "new", stop_at, exchange)
    assert killed.returncode == 9, killed.stderr
    new = {"page.html": b"new", "new/only-in-this-build.txt": b"new", "mine.txt": b"the user's"}
    if site.exists():
        assert contents(site) in (old, new)
    else:
        assert not exchange and stop_at == "set aside"
    # The next run finds its way from whatever was left, and nothing but the output remains.
    assert publish(site, "next").returncode == 0
    assert contents(site)["mine.txt"] == b"the user's" and contents(site)["page.html"] == b"next"
    assert "old/only-in-this-build.txt" not in contents(site) and "new/only-in-this-build.txt" not in contents(site)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_kill_mid_swap_without_exchange_is_undone_by_the_next_run(tmp_path):
    site = tmp_path / "site"
    assert publish(site, "old").returncode == 0
    assert publish(site, "new", "set aside", exchange=False).returncode == 9
    assert not site.exists()  # between the two renames: the old build is set aside, not lost
    with output_folder(site) as tmp:  # the next run puts it back before it starts
        assert (site / "page.html").read_text() == "old"
        (tmp / "page.html").write_text("next")
    assert (site / "page.html").read_text() == "next" and sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_library_refuses_a_folder_whose_manifest_lies(tmp_path, victims):
    out = tmp_path / "site"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    doctored(out, {"../home/thesis.docx": sha(b"years of work")})
    with pytest.raises(OutputError, match="did not write"):
        jisrgeo.load(MINI).to_geojson(out)
    assert tree(victims)["thesis.docx"] == b"years of work"


def test_a_read_only_disk_names_the_output_not_our_files_beside_it(cli, tmp_path, monkeypatch):
    out = tmp_path / "maps"

    def read_only(target):
        raise OSError(30, os.strerror(30), str(target.parent / f".{target.name}.jisrgeo-lock"))

    monkeypatch.setattr(output, "_locked", read_only)
    result = cli("build", "--data", MINI, "--out", out, *WINDOW)
    assert result.exit_code == 1 and str(out) in result.output and "jisrgeo-lock" not in result.output
    assert "read-only" in result.output and not out.exists()
