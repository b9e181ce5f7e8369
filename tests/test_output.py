"""Outputs never delete or overwrite what jisrgeo did not write, and faults are one-line messages."""

import errno
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import jisrgeo
from jisrgeo.build import build
from jisrgeo.output import PARTIAL_MARK, TMP_SUFFIX, OutputError

from helpers import MINI

WINDOW = ("--from", "2015-04-09", "--to", "2015-04-10")


def user_folder(path):
    """A folder of the user's: a thesis, photos and a git repository."""
    (path / "photos").mkdir(parents=True)
    (path / ".git").mkdir()
    (path / "thesis.docx").write_bytes(b"years of work")
    (path / "photos" / "a.jpg").write_bytes(b"jpeg")
    (path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return snapshot(path)


def snapshot(path):
    return {p.relative_to(path): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_build_refuses_a_folder_of_the_users(cli, tmp_path):
    before = user_folder(tmp_path / "work")
    result = cli("build", "--data", MINI, "--out", tmp_path / "work", *WINDOW)
    assert result.exit_code == 1 and "did not write" in result.output and "--replace" in result.output
    assert snapshot(tmp_path / "work") == before


def test_replace_writes_beside_the_users_files_and_deletes_none(cli, tmp_path):
    before = user_folder(tmp_path / "work")
    result = cli("build", "--data", MINI, "--out", tmp_path / "work", *WINDOW, "--replace")
    assert result.exit_code == 0, result.output
    after = snapshot(tmp_path / "work")
    assert all(after[k] == v for k, v in before.items()) and (tmp_path / "work" / "index.html").is_file()


def test_normalize_refuses_a_folder_of_the_users(cli, tmp_path):
    before = user_folder(tmp_path / "work")
    result = cli("normalize", MINI, "--out", tmp_path / "work")
    assert result.exit_code == 1 and snapshot(tmp_path / "work") == before


def test_a_rebuild_keeps_files_the_user_added_and_prunes_ours(tmp_path):
    ds = jisrgeo.load(MINI)
    out = tmp_path / "site"
    build(ds, out, "2015-04-09", "2015-04-12", day_pages=True)
    (out / "notes.txt").write_text("mine")
    (out / "days" / "my-comment.md").write_text("mine too")
    build(ds, out, "2015-04-09", "2015-04-10", day_pages=True)
    assert (out / "notes.txt").read_text() == "mine" and (out / "days" / "my-comment.md").is_file()
    assert sorted(p.name for p in (out / "days").glob("*.html")) == ["2015-04-09.html", "2015-04-10.html"]
    listed = set(jisrgeo.output.read_manifest(out))
    assert "notes.txt" not in listed and "days/2015-04-10.html" in listed


def test_a_file_of_ours_the_user_edited_is_theirs_now(cli, tmp_path):
    out = tmp_path / "site"
    assert cli("build", "--data", MINI, "--out", out, *WINDOW).exit_code == 0
    (out / "index.html").write_text("my edited index")
    result = cli("build", "--data", MINI, "--out", out, *WINDOW)
    assert result.exit_code == 1 and "index.html" in result.output
    assert (out / "index.html").read_text() == "my edited index"


@pytest.mark.parametrize("where", ["data", "parent", "inside"])
def test_outputs_may_not_touch_the_input_dataset(cli, mini_copy, where):
    target = {"data": mini_copy, "parent": mini_copy.parent, "inside": mini_copy / "maps"}[where]
    before = snapshot(mini_copy.parent)
    for command in (["build", "--out", target, *WINDOW], ["normalize", mini_copy, "--out", target],
                    ["export", "--format", "geojson", "--out", target], ["export", "--format", "csv", "--out", target]):
        args = command if command[0] == "normalize" else [*command, "--data", mini_copy]
        result = cli(*args)
        assert result.exit_code == 1 and "input dataset" in result.output, (where, command, result.output)
    assert snapshot(mini_copy.parent) == before


def test_single_files_may_not_replace_input_layers(cli, mini_copy):
    before = snapshot(mini_copy)
    gpkg = cli("export", "--format", "gpkg", "--out", mini_copy / "places.geojson", "--data", mini_copy)
    html = cli("map", "--date", "2015-04-10", "-o", mini_copy / "day.html", "--data", mini_copy)
    # A layer's own name is not even a map format: refused as a usage error before any check or drawing.
    layer = cli("map", "--date", "2015-04-10", "-o", mini_copy / "events.geojson", "--data", mini_copy)
    assert gpkg.exit_code == html.exit_code == 1 and layer.exit_code == 2 and snapshot(mini_copy) == before


@pytest.mark.parametrize("out", ["", ".", "/", "~"])
def test_empty_root_home_and_current_folders_are_refused(cli, tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("x")
    result = cli("build", "--data", MINI, "--out", os.path.expanduser(out) if out == "~" else out, *WINDOW)
    assert result.exit_code == 1 and (tmp_path / "keep.txt").is_file()
    assert "Traceback" not in result.output


def test_a_plain_build_refuses_the_users_own_maps_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = user_folder(tmp_path / "maps")
    result = cli("build", "--data", MINI, *WINDOW)
    assert result.exit_code == 1 and snapshot(tmp_path / "maps") == before


def test_symlinked_outputs_are_refused_not_followed(cli, tmp_path):
    before = user_folder(tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "page.html").write_text("<meta name=\"generator\" content=\"jisrgeo\">mine")
    (tmp_path / "page-link.html").symlink_to(tmp_path / "real" / "page.html")
    assert cli("build", "--data", MINI, "--out", tmp_path / "link", *WINDOW).exit_code == 1
    result = cli("map", "--date", "2015-04-10", "-o", tmp_path / "page-link.html", "--data", MINI)
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert (tmp_path / "page-link.html").is_symlink() and snapshot(tmp_path / "real") == {**before, Path("page.html"):
                                                                                         b'<meta name="generator" content="jisrgeo">mine'}


def test_existing_files_we_did_not_write_need_replace(cli, tmp_path):
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "places.csv").write_text("my own table")
    (tmp_path / "battle.qgs").write_text("<qgis>my project</qgis>")
    (tmp_path / "day.html").write_text("<html>my page</html>")
    csv = cli("export", "--format", "csv", "--out", tmp_path / "exports", "--data", MINI)
    gpkg = cli("export", "--format", "gpkg", "--out", tmp_path / "battle.gpkg", "--data", MINI)
    html = cli("map", "--date", "2015-04-10", "-o", tmp_path / "day.html", "--data", MINI)
    assert csv.exit_code == gpkg.exit_code == html.exit_code == 1
    assert (tmp_path / "exports" / "places.csv").read_text() == "my own table"
    assert not (tmp_path / "battle.gpkg").exists() and (tmp_path / "battle.qgs").read_text() == "<qgis>my project</qgis>"
    again = cli("export", "--format", "csv", "--out", tmp_path / "exports", "--data", MINI, "--replace")
    assert again.exit_code == 0 and "my own table" not in (tmp_path / "exports" / "places.csv").read_text()


def test_our_own_single_files_are_replaced_without_asking(cli, tmp_path):
    for _ in range(2):
        assert cli("map", "--date", "2015-04-10", "-o", tmp_path / "d.html", "--png", tmp_path / "d.png",
                   "--data", MINI).exit_code == 0
        assert cli("export", "--format", "gpkg", "--out", tmp_path / "b.gpkg", "--data", MINI).exit_code == 0
    assert cli("export", "--format", "csv", "--out", tmp_path / "csv", "--data", MINI).exit_code == 0
    assert cli("export", "--format", "geojson", "--out", tmp_path / "csv", "--data", MINI).exit_code == 0
    assert {p.suffix for p in (tmp_path / "csv").iterdir()} >= {".csv", ".geojson"}  # the second kept the first


def test_a_device_is_written_through_never_replaced(cli):
    result = cli("map", "--date", "2015-04-10", "--png", "/dev/full", "--data", MINI)
    assert result.exit_code == 1 and "/dev/full" in result.output and "No space left" in result.output
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_fifo_is_written_through(cli, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("map", "--date", "2015-04-10", "-o", fifo, "--data", MINI)
    reader.join(timeout=60)
    assert result.exit_code == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert b'<meta name="generator" content="jisrgeo">' in received[0]


def test_map_to_stdout(tmp_path):
    result = subprocess.run([sys.executable, "-m", "jisrgeo.cli", "map", "--date", "2015-04-10", "-o", "/dev/stdout",
                             "--data", str(MINI)], capture_output=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith(b"<!DOCTYPE html>")


def test_stale_temporary_folders_are_removed_and_others_kept(tmp_path):
    stale = tmp_path / f".site.dead{TMP_SUFFIX}"
    stale.mkdir()
    (stale / PARTIAL_MARK).touch()
    lookalike = tmp_path / f".site.mine{TMP_SUFFIX}"
    lookalike.mkdir()
    (lookalike / "keep.txt").write_text("not ours: no mark")
    build(jisrgeo.load(MINI), tmp_path / "site", "2015-04-09", "2015-04-09")
    assert not stale.exists() and (lookalike / "keep.txt").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".site.mine" + TMP_SUFFIX, "site"])


def test_a_write_fault_is_one_line_and_leaves_the_previous_output(cli, tmp_path, monkeypatch):
    # The three faults one after another on the same earlier output: one first build, not one per fault.
    out = tmp_path / "site"
    assert cli("build", "--data", MINI, "--out", out, *WINDOW).exit_code == 0
    before = snapshot(out)
    for fault in (errno.EROFS, errno.ENOSPC, errno.EACCES):
        def failing(parent, first, second, fault=fault):  # the swap of the new folder for the old one fails
            raise OSError(fault, os.strerror(fault), second)

        monkeypatch.setattr("jisrgeo.output._exchange", failing)
        result = cli("build", "--data", MINI, "--out", out, "--from", "2015-04-09", "--to", "2015-04-11")
        name = errno.errorcode[fault]
        assert result.exit_code == 1 and os.strerror(fault) in result.output and "Traceback" not in result.output, name
        assert len(result.output.strip().splitlines()) == 1, name
        monkeypatch.undo()
        assert {k: v for k, v in snapshot(out).items()} == before or set(before) <= set(snapshot(out)), name
        assert not [p for p in tmp_path.iterdir() if TMP_SUFFIX in p.name], name


def test_a_parent_that_is_a_file(cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    for args in (["build", "--out", tmp_path / "afile" / "site", *WINDOW],
                 ["export", "--format", "gpkg", "--out", tmp_path / "afile" / "b.gpkg"],
                 ["map", "--date", "2015-04-10", "-o", tmp_path / "afile" / "d.html"]):
        result = cli(*args, "--data", MINI)
        assert result.exit_code == 1 and "afile" in result.output and "Traceback" not in result.output, args


def test_an_unreadable_input_file_is_a_problem(mini_copy, monkeypatch):
    import os

    real = os.open

    def deny(path, *args, **kwargs):  # the readers open files with os.open (O_NOFOLLOW, O_NONBLOCK), then fstat
        if str(path).endswith("events.geojson"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    (problem,) = jisrgeo.validate(mini_copy)
    assert problem.file == "events.geojson" and "Permission denied" in problem.reason


@pytest.mark.parametrize("redirect", ["> /dev/full", ">&-"])
def test_a_full_or_closed_stdout_is_one_message(redirect):
    command = f"{sys.executable} -m jisrgeo.cli control --date 2015-04-10 --data {MINI} {redirect}"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert "standard output" in result.stderr or "No space" in result.stderr or "Bad file" in result.stderr


def test_the_library_refuses_too():
    ds = jisrgeo.load(MINI)
    with pytest.raises(OutputError):
        ds.to_geojson(MINI)
