"""A downloaded output folder can never make jisrgeo delete or write outside it (issue 28).

A manifest is a claim, not a proof: entries that leave the folder, or pass through a link, make the
whole manifest untrusted. Links inside an earlier output are kept as links and never written through.
Publishing swaps whole folders, so a run killed at any step leaves the old output or the new one.
"""

import errno
import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path

import pytest
from helpers import MINI

import jisrgeo
from jisrgeo import output
from jisrgeo.output import (
    MANIFEST,
    PARTIAL_MARK,
    TMP_SUFFIX,
    OutputError,
    output_folder,
    read_manifest,
)

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
        def unsupported(*args):
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
@pytest.mark.parametrize("stop_at", ["written", "carried", "manifest", "set aside", "swapped", "cleaning", "discarded"])
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

    def read_only(target, *args):
        raise OSError(30, os.strerror(30), str(target.parent / f".{target.name}.jisrgeo-lock"))

    monkeypatch.setattr(output, "_locked", read_only)
    result = cli("build", "--data", MINI, "--out", out, *WINDOW)
    assert result.exit_code == 1 and str(out) in result.output and "jisrgeo-lock" not in result.output
    assert "read-only" in result.output and not out.exists()


# -- a failure after the swap, a co-writer, folders carried as they were (issue 36) ------------------------

def publish_here(folder, version, **options):
    """One in-process run: a page and a day of this version (the old day is pruned by the next run)."""
    with output_folder(folder, **options) as tmp:
        (tmp / "page.html").write_text(version)
        (tmp / "days").mkdir()
        (tmp / "days" / f"{version}.html").write_text(version)


def beside(folder):
    """The names left beside the output: our temporary, set-aside or kept folders."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


def fail():
    raise OSError(errno.EIO, "Input/output error (injected)")


def hook(monkeypatch, at, action):
    monkeypatch.setattr(output, "_step", lambda name: action() if name == at else None)


def test_a_failure_after_the_swap_keeps_both_builds_and_the_next_run_recovers(tmp_path, monkeypatch):
    site = tmp_path / "site"
    publish_here(site, "old")
    (site / "mine.txt").write_text("the user's")
    (site / "days" / "notes.md").write_text("mine too")
    hook(monkeypatch, "swapped", fail)
    with pytest.raises(OutputError) as error:
        publish_here(site, "new")
    monkeypatch.undo()
    (old,) = beside(site)  # the old build is where the message says, not deleted wholesale
    assert str(site) in str(error.value) and old in str(error.value) and "next run" in str(error.value)
    assert contents(site) == {"page.html": b"new", "days/new.html": b"new", "mine.txt": b"the user's",
                              "days/notes.md": b"mine too"}
    assert (tmp_path / old / "days" / "old.html").read_text() == "old" and (site / PARTIAL_MARK).exists()
    publish_here(site, "next")  # recovers by itself: the old build cleared away, the user's files kept
    assert beside(site) == [] and not (site / PARTIAL_MARK).exists()
    assert contents(site)["mine.txt"] == b"the user's" and contents(site)["days/notes.md"] == b"mine too"


def test_a_mark_that_cannot_be_removed_is_named_with_what_to_do(tmp_path, monkeypatch):
    site = tmp_path / "site"
    publish_here(site, "old")
    hook(monkeypatch, "swapped", fail)
    with pytest.raises(OutputError):
        publish_here(site, "new")
    monkeypatch.undo()
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if os.fspath(path) == PARTIAL_MARK:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(OutputError, match=f"cannot remove {site / PARTIAL_MARK} .*complete build; delete that mark"):
        publish_here(site, "next")
    monkeypatch.undo()
    publish_here(site, "next")
    assert beside(site) == [] and contents(site)["page.html"] == b"next"


def test_a_file_that_cannot_be_removed_and_one_saved_meanwhile_are_both_kept(tmp_path, monkeypatch):
    site = tmp_path / "site"
    publish_here(site, "old")
    (site / "locked.txt").write_text("immutable")
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):  # as with chattr +i: the name cannot be removed, even by root
        if os.fspath(path).endswith("locked.txt"):
            raise PermissionError(errno.EPERM, "Operation not permitted", path)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    # A process saving into the folder after the user's files were carried: the file lands in the old build.
    hook(monkeypatch, "manifest", lambda: (site / "saved-meanwhile.txt").write_text("late"))
    with pytest.warns(UserWarning, match="locked.txt.*Operation not permitted") as said:
        publish_here(site, "new")
    monkeypatch.undo()
    assert contents(site) == {"page.html": b"new", "days/new.html": b"new", "locked.txt": b"immutable",
                              "saved-meanwhile.txt": b"late"}
    (kept,) = beside(site)
    assert kept in str(said[0].message) and sorted(os.listdir(tmp_path / kept)) == ["locked.txt"]
    publish_here(site, "next")  # the next run works, and leaves the folder it told the user about alone
    assert beside(site) == [kept] and contents(site)["locked.txt"] == b"immutable"


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("chattr"), reason="chattr +i needs root")
def test_an_immutable_user_file_is_kept(tmp_path):
    site = tmp_path / "site"
    publish_here(site, "old")
    (site / "locked.txt").write_text("immutable")
    if subprocess.run(["chattr", "+i", str(site / "locked.txt")], capture_output=True).returncode:
        pytest.skip("this file system has no immutable flag")
    try:
        with pytest.warns(UserWarning, match="locked.txt"):
            publish_here(site, "new")
        assert contents(site) == {"page.html": b"new", "days/new.html": b"new", "locked.txt": b"immutable"}
        publish_here(site, "next")
        assert contents(site)["locked.txt"] == b"immutable"
    finally:
        for path in tmp_path.rglob("locked.txt"):
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def as_ordinary_user(action, uid=65534):
    """Run `action` without root's rights: directly when not root, else in a forked child that drops them.
    Returns what it printed as its last line (the child's), or raises its failure."""
    if os.geteuid() != 0:
        return action()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.close(read)
            os.setgid(uid)
            os.setuid(uid)
            result = action()
            os.write(write, repr(result).encode())
            code = 0
        except BaseException as exc:
            os.write(write, f"{type(exc).__name__}: {exc}".encode())
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        said = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, said
    return said


def test_read_only_folders_as_an_ordinary_user():
    base = Path(tempfile.mkdtemp(prefix="jisrgeo-ro-"))  # not under pytest's root-only folders
    site = base / "site"
    if os.geteuid() == 0:
        os.chown(base, 65534, 65534)

    def rebuild():
        publish_here(site, "old")
        (site / "ro").mkdir()
        (site / "ro" / "mine.txt").write_text("mine")
        os.chmod(site / "ro", 0o555)
        os.chmod(site, 0o555)
        publish_here(site, "new")
        return sorted(contents(site).items()), oct(os.stat(site).st_mode & 0o7777), \
            oct(os.stat(site / "ro").st_mode & 0o7777), beside(site)

    said = as_ordinary_user(rebuild)
    assert "'ro/mine.txt', b'mine'" in str(said) and "'0o555', '0o555', []" in str(said), said
    assert "'page.html', b'new'" in str(said) and "days/old.html" not in str(said)
    for folder in (site, site / "ro"):
        os.chmod(folder, 0o755)
    shutil.rmtree(base)


def test_a_co_writer_swapping_an_old_folder_for_a_link_during_the_clean_up(tmp_path, victims, monkeypatch):
    site = tmp_path / "site"
    publish_here(site, "old")
    (victims / "old.html").write_text("old")  # the same name and content as our file: its digest matches
    before = tree(victims)

    def swap():
        (old,) = [name for name in beside(site) if name.endswith(TMP_SUFFIX)]  # the old build, swapped aside
        os.rename(tmp_path / old / "days", tmp_path / "days-moved")
        (tmp_path / old / "days").symlink_to(victims)

    hook(monkeypatch, "discarding", swap)
    with pytest.warns(UserWarning, match="kept"):
        publish_here(site, "new")
    assert tree(victims) == before and contents(site) == {"page.html": b"new", "days/new.html": b"new"}


def test_a_link_put_into_the_new_build_is_refused(tmp_path, victims, monkeypatch):
    site = tmp_path / "site"
    publish_here(site, "old")
    before, before_site = tree(victims), tree(site)

    def swap():
        (tmp,) = [name for name in beside(site) if name.endswith(TMP_SUFFIX)]
        os.rename(tmp_path / tmp / "days", tmp_path / "days-moved")
        (tmp_path / tmp / "days").symlink_to(victims)

    hook(monkeypatch, "written", swap)
    with pytest.raises(OutputError, match="days of the new build is not a plain file"):
        publish_here(site, "new")
    assert tree(victims) == before and tree(site) == before_site and beside(site) == ["days-moved", "home"]


def test_a_second_name_for_a_file_outside_is_refused(tmp_path, victims):
    site = tmp_path / "site"
    publish_here(site, "old")
    with pytest.raises(OutputError, match="second name"):
        with output_folder(site) as tmp:  # as a build keeping an earlier picture whose name was swapped
            os.link(victims / "thesis.docx", tmp / "picture.png")
    assert "picture.png" not in read_manifest(site) and (victims / "thesis.docx").read_bytes() == b"years of work"


@pytest.mark.skipif(os.geteuid() != 0, reason="a co-writer of another user needs root to stage")
def test_a_co_writer_of_another_user_cannot_enter_the_build(tmp_path, victims, monkeypatch):
    site = tmp_path / "site"
    publish_here(site, "old")
    os.chmod(tmp_path, 0o777)
    before = tree(victims)

    def intrude():
        (tmp,) = [name for name in beside(site) if name.endswith(TMP_SUFFIX)]
        try:
            as_ordinary_user(lambda: (tmp_path / tmp / "days").symlink_to(victims), uid=1234)
        except AssertionError as refused:
            assert "PermissionError" in str(refused)
        else:
            raise AssertionError("another user could write into the temporary folder")

    hook(monkeypatch, "opened", intrude)
    publish_here(site, "new")
    assert tree(victims) == before and contents(site) == {"page.html": b"new", "days/new.html": b"new"}


@pytest.mark.parametrize("what", ["user folder", "our picture"])
def test_a_component_swapped_for_a_link_after_the_checks_fails_the_run(tmp_path, victims, monkeypatch, what):
    site = tmp_path / "site"
    with output_folder(site) as tmp:
        (tmp / "picture.png").write_bytes(b"ours")
    (site / "mine").mkdir()
    (site / "mine" / "thesis.docx").write_bytes(b"a copy")
    before, before_site = tree(victims), tree(site)
    name, target = {"user folder": ("mine", victims), "our picture": ("picture.png", victims / "thesis.docx")}[what]

    def swap():
        os.rename(site / name, tmp_path / "moved")
        (site / name).symlink_to(target)

    hook(monkeypatch, "carrying", swap)
    with pytest.raises(OutputError, match="changed by another process"):
        with output_folder(site, prune=False) as tmp:
            (tmp / "page.html").write_text("new")
    assert tree(victims) == before and "page.html" not in tree(site)
    assert all(not rel.startswith(name) or rel == name for rel in read_manifest(site))
    assert (site / name).is_symlink() and before_site  # the co-writer's link stays; nothing went through it


def test_folders_keep_their_mode_owner_and_extended_attributes(tmp_path):
    site = tmp_path / "site"
    publish_here(site, "old")
    modes = {"": 0o700, "private": 0o700, "shared": 0o2775, "frozen": 0o555, "days": 0o750}
    for rel in modes:
        (site / rel).mkdir(exist_ok=True)
        (site / rel / "file.txt").write_text(rel) if rel not in ("", "days") else None
    try:
        os.setxattr(site / "shared", "user.note", b"kept")
    except OSError:
        pass  # a file system without user xattrs: the rest still holds
    if os.geteuid() == 0:
        os.chown(site / "private", 1234, 1234)
    for rel, mode in sorted(modes.items(), key=lambda item: -len(item[0])):
        os.chmod(site / rel, mode)
    before = {rel: os.stat(site / rel) for rel in modes}
    xattrs = {rel: {key: os.getxattr(site / rel, key) for key in os.listxattr(site / rel)} for rel in modes}
    publish_here(site, "new")
    for rel, mode in modes.items():
        now = os.stat(site / rel)
        assert stat.S_IMODE(now.st_mode) == mode, (rel, oct(now.st_mode))
        assert (now.st_uid, now.st_gid) == (before[rel].st_uid, before[rel].st_gid), rel
        assert {key: os.getxattr(site / rel, key) for key in os.listxattr(site / rel)} == xattrs[rel], rel
    assert (site / "frozen" / "file.txt").read_text() == "frozen" and beside(site) == []
    fresh = tmp_path / "fresh"
    publish_here(fresh, "one")  # a new output gets what the umask gives any new folder
    os.mkdir(tmp_path / "plain")
    assert stat.S_IMODE(os.stat(fresh).st_mode) == stat.S_IMODE(os.stat(tmp_path / "plain").st_mode)
    os.chmod(site / "frozen", 0o755)


def test_a_mount_inside_the_output_is_refused(tmp_path, monkeypatch):
    site = tmp_path / "site"
    publish_here(site, "old")
    (site / "mnt").mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "none", str(site / "mnt")],
                                                   capture_output=True).returncode == 0
    if not mounted:  # no right to mount here: the same folder, reported as another file system
        real_scan = output._fsops.scan

        def scan(fd):
            found = real_scan(fd)
            if "mnt" in found:
                fields = list(found["mnt"])
                fields[stat.ST_DEV] += 1
                found["mnt"] = os.stat_result(fields)
            return found

        monkeypatch.setattr(output._fsops, "scan", scan)
    try:
        (site / "mnt" / "data.txt").write_text("on the mount")
        with pytest.raises(OutputError, match=r"site/mnt is a mount point"):
            publish_here(site, "new")
        assert (site / "mnt" / "data.txt").read_text() == "on the mount" and contents(site)["page.html"] == b"old"
        assert beside(site) == []
    finally:
        if mounted:
            subprocess.run(["umount", str(site / "mnt")], check=True)


# -- the lower items ----------------------------------------------------------------------------------------

def test_an_old_build_set_aside_before_a_new_folder_was_made_is_not_abandoned(tmp_path):
    site = tmp_path / "site"
    assert publish(site, "old").returncode == 0
    (site / "mine.txt").write_text("the user's")
    assert publish(site, "new", "set aside", exchange=False).returncode == 9
    site.mkdir()  # the user, finding no site, makes a new one before the next run
    with pytest.warns(UserWarning, match="mine.txt") as said:
        publish_here(site, "next")
    (aside,) = beside(site)
    assert aside in str(said[0].message) and tree(tmp_path / aside) == {"mine.txt": b"the user's"}
    assert contents(site)["page.html"] == b"next"
    publish_here(site, "again")  # said once: the folder now holds only the user's file
    assert beside(site) == [aside]


def test_the_old_manifest_goes_last(tmp_path, monkeypatch):
    site = tmp_path / "site"
    publish_here(site, "old")
    removed = []
    real_unlink = os.unlink
    monkeypatch.setattr(os, "unlink", lambda path, *a, **k: removed.append(os.fspath(path)) or real_unlink(path, *a, **k))
    publish_here(site, "new")
    assert removed.index(MANIFEST) > removed.index("old.html") and removed.count(MANIFEST) == 1


@pytest.mark.parametrize("kind", ["symlink", "folder", "socket"])
def test_a_lock_that_is_not_a_file_is_named(tmp_path, kind):
    site = tmp_path / "site"
    lock = tmp_path / f".site{output.LOCK_SUFFIX}"
    if kind == "symlink":
        lock.symlink_to(tmp_path / "elsewhere")
    elif kind == "folder":
        lock.mkdir()
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(lock))
    with pytest.raises(OutputError, match=f"lock file {lock} is a") as error:
        publish_here(site, "new")
    assert "remove it" in str(error.value) and not site.exists() and not (tmp_path / "elsewhere").exists()


def test_a_huge_manifest_is_refused_by_its_size(tmp_path):
    site = tmp_path / "site"
    publish_here(site, "old")
    with open(site / MANIFEST, "r+b") as handle:
        handle.truncate(60 << 20)  # 60 MB, sparse: refused before a byte is read
    with pytest.raises(OutputError, match="at most 16 MB"):
        publish_here(site, "new")
    assert read_manifest(site) == {}


# -- a writer that runs anywhere (issue 32) ------------------------------------------------------------------

NO_FCNTL = textwrap.dedent("""
    import ctypes, importlib, pkgutil, sys, warnings
    from pathlib import Path
    sys.modules["fcntl"] = None  # as on a system without it: `import fcntl` raises ImportError

    class NoRenameat2(ctypes.CDLL):  # a C library without renameat2 (macOS, the BSDs, old glibc)
        def __getattr__(self, name):
            if name == "renameat2":
                raise AttributeError(name)
            return super().__getattr__(name)

    ctypes.CDLL = NoRenameat2
    import jisrgeo
    for module in pkgutil.walk_packages(jisrgeo.__path__, "jisrgeo."):
        if not module.name.startswith("jisrgeo.cli.__main__"):
            importlib.import_module(module.name)
    from jisrgeo import output
    steps = []
    output._step = steps.append
    site = Path(sys.argv[1])
    for version in ("old", "new"):
        with output.output_folder(site) as tmp:
            (tmp / "page.html").write_text(version)
            lock = site.parent / f".site{output.LOCK_SUFFIX}"
            print("lock", lock.read_text().strip() == str(__import__("os").getpid()))
        (site / "mine.txt").write_text("the user's")
    print("steps", "set aside" in steps, sorted(p.name for p in site.parent.iterdir()))
""")


def test_every_module_imports_and_a_build_works_without_fcntl_or_renameat2(tmp_path):
    result = subprocess.run([sys.executable, "-c", NO_FCNTL, str(tmp_path / "site")], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[:3] == ["lock True", "lock True", "steps True ['site']"], result.stdout
    assert (tmp_path / "site" / "page.html").read_text() == "new"
    assert (tmp_path / "site" / "mine.txt").read_text() == "the user's"


def test_the_portable_lock_and_renames_on_request(tmp_path, monkeypatch):
    site = tmp_path / "site"
    publish_here(site, "old")
    (site / "mine.txt").write_text("the user's")
    steps = []
    monkeypatch.setattr(output, "_step", steps.append)
    lock = tmp_path / f".site{output.LOCK_SUFFIX}"
    with output_folder(site, portable=True) as tmp:
        assert lock.read_text().strip() == str(os.getpid())  # the lock file names its holder
        with pytest.raises(OutputError, match="another jisrgeo run is writing"):
            with output_folder(site, portable=True):
                pass
        (tmp / "page.html").write_text("new")
    assert "set aside" in steps and not lock.exists() and beside(site) == []
    assert contents(site) == {"page.html": b"new", "mine.txt": b"the user's"}
    lock.write_text("999999999\n")  # a lock left by a run that died: taken over
    publish_here(site, "again", portable=True)
    assert contents(site)["page.html"] == b"again" and not lock.exists()


def test_an_earlier_picture_swapped_for_a_link_is_never_reached(tmp_path, victims, monkeypatch):
    from jisrgeo.build import build

    site = tmp_path / "site"
    ds = jisrgeo.load(MINI)
    build(ds, site, "2015-04-09", "2015-04-10")
    for picture in (site / "png").iterdir():
        (victims / picture.name).write_bytes(b"the victim's own picture")
    before = tree(victims)

    def swap():  # after the build listed the pictures it may keep, before it keeps them
        os.rename(site / "png", tmp_path / "png-moved")
        (site / "png").symlink_to(victims)

    hook(monkeypatch, "opened", swap)
    with pytest.raises(OutputError, match="png|nothing was published"):
        build(ds, site, "2015-04-09", "2015-04-10")
    assert tree(victims) == before and all(not rel.startswith("png/") for rel in read_manifest(site))


def test_the_cli_says_a_failure_after_the_swap_in_one_line(cli, tmp_path, monkeypatch):
    out = tmp_path / "maps"
    assert cli("build", "--data", MINI, "--out", out, *WINDOW, "--png", "none").exit_code == 0
    hook(monkeypatch, "swapped", fail)
    result = cli("build", "--data", MINI, "--out", out, "--from", "2015-04-09", "--to", "2015-04-09", "--png", "none")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    (line,) = [line for line in result.output.splitlines() if line.strip()]
    assert str(out) in line and "jisrgeo-tmp" in line and "next run finishes" in line
    monkeypatch.undo()
    assert cli("build", "--data", MINI, "--out", out, *WINDOW, "--png", "none").exit_code == 0
    assert beside(out) == [] and not (out / PARTIAL_MARK).exists()


# -- a co-writer inside the temporary folder while the build writes (issue 36, the last path race) -----------

SWAPPED = {"data": "data", "nested": "data/geojson", "pictures": "png"}


def plant(site, rel, victims):
    """The co-writer: `rel` of our temporary folder made a link to the victim folder (its parents real folders)."""
    (tmp,) = [name for name in beside(site) if name.endswith(TMP_SUFFIX)]
    where = site.parent / tmp / rel
    if where.is_dir() and not where.is_symlink():
        os.rename(where, site.parent / "moved")
    where.parent.mkdir(parents=True, exist_ok=True)
    where.symlink_to(victims)


@pytest.mark.parametrize("what", sorted(SWAPPED))
def test_a_folder_of_the_build_made_a_link_while_it_writes_sends_nothing_outside(cli, tmp_path, victims, monkeypatch,
                                                                                 what):
    out = tmp_path / "maps"
    before = tree(victims)
    hook(monkeypatch, "opened", lambda: plant(out, SWAPPED[what], victims))  # before any export is written
    result = cli("build", "--data", MINI, "--out", out, "--from", "2015-04-09", "--to", "2015-04-09", "--png", "none")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    (line,) = [line for line in result.output.splitlines() if line.strip()]
    assert str(out) in line and "changed by another process" in line
    assert tree(victims) == before and not out.exists()


@pytest.mark.parametrize("step", ["staged folders", "written", "carrying"])
@pytest.mark.parametrize("what", sorted(SWAPPED))
def test_a_folder_of_the_new_build_swapped_for_a_link_at_each_step(tmp_path, victims, monkeypatch, what, step):
    site = tmp_path / "site"
    publish_here(site, "old")
    before, before_site = tree(victims), tree(site)
    hook(monkeypatch, step, lambda: plant(site, SWAPPED[what], victims))
    with pytest.raises(OutputError) as error:
        with output_folder(site) as tmp:  # the layout of a build: exports in data/ and data/geojson/, pictures in png/
            for rel in ("data/jisrgeo.gpkg", "data/geojson/places.geojson", "png/key-days.png", "page.html"):
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                (tmp / rel).write_text("new")
    assert "\n" not in str(error.value) and ("changed by another process" in str(error.value)
                                             or "not a plain file or folder" in str(error.value)), error.value
    assert tree(victims) == before and tree(site) == before_site


def test_the_kept_warning_is_one_line_in_the_cli_and_names_the_callers_line_in_python(cli, tmp_path, monkeypatch):
    out = tmp_path / "maps"
    assert cli("build", "--data", MINI, "--out", out, *WINDOW, "--png", "none").exit_code == 0
    (out / "locked.txt").write_text("immutable")
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):  # as with chattr +i
        if os.fspath(path).endswith("locked.txt"):
            raise PermissionError(errno.EPERM, "Operation not permitted", path)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    result = cli("build", "--data", MINI, "--out", out, "--from", "2015-04-09", "--to", "2015-04-09", "--png", "none")
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if "locked.txt" in line]
    assert line.startswith("warning: kept ") and ".py:" not in result.output, result.output
    assert "UserWarning" not in result.output and "warnings.warn" not in result.output
    with pytest.warns(UserWarning, match="kept") as said:  # in Python: at the caller's line, not inside jisrgeo
        publish_here(out, "again")
    assert said[0].filename == __file__


def test_posix_acls_of_the_users_folders_survive_a_rebuild(tmp_path):
    if not (shutil.which("setfacl") and shutil.which("getfacl")):
        pytest.skip("setfacl/getfacl are missing (Debian package acl: scripts/setup-test-tools.sh installs it)")
    site = tmp_path / "site"
    publish_here(site, "old")
    (site / "team").mkdir()
    (site / "team" / "notes.md").write_text("shared with a colleague")
    acl = ["-m", "u:65534:rwx,g::r-x,m::rwx", "-d", "-m", "u:65534:r-x"]  # a named user and a default ACL
    for rel in ("team", "days"):  # a folder of the user's, and one our build writes into too
        refused = subprocess.run(["setfacl", "-m", "u:65534:rwx", site / rel], capture_output=True, text=True)
        if refused.returncode:
            pytest.skip(f"this file system refuses POSIX ACLs: {refused.stderr.strip()}")
        subprocess.run(["setfacl", *acl[:2], site / rel], check=True)
        subprocess.run(["setfacl", *acl[2:], site / rel], check=True)

    def acls(rel):
        return subprocess.run(["getfacl", "--omit-header", "--numeric", site / rel], capture_output=True, text=True,
                              check=True).stdout

    before = {rel: acls(rel) for rel in ("team", "days")}
    assert "user:65534:rwx" in before["team"] and "default:user:65534:r-x" in before["team"]
    publish_here(site, "new")
    assert {rel: acls(rel) for rel in ("team", "days")} == before
    assert (site / "team" / "notes.md").read_text() == "shared with a colleague" and (site / "days" / "new.html").exists()


def test_a_staging_folder_on_another_disk_is_copied_in_through_descriptors(tmp_path, monkeypatch):
    import tempfile

    other = Path("/dev/shm")
    if not other.is_dir() or os.stat(other).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no temporary folder on another file system here (/dev/shm)")
    monkeypatch.setattr(tempfile, "tempdir", str(other))  # as TMPDIR=/dev/shm: files cannot be linked across
    site = tmp_path / "site"
    publish_here(site, "old")
    (site / "mine.txt").write_text("the user's")
    publish_here(site, "new")
    assert contents(site) == {"page.html": b"new", "days/new.html": b"new", "mine.txt": b"the user's"}
    assert beside(site) == [] and not [p for p in other.iterdir() if p.name.endswith(TMP_SUFFIX)]
    fresh = tmp_path / "plain"
    fresh.mkdir()
    (fresh / "f").write_text("x")
    assert stat.S_IMODE(os.stat(site / "days").st_mode) == stat.S_IMODE(os.stat(fresh).st_mode)
    assert stat.S_IMODE(os.stat(site / "page.html").st_mode) == stat.S_IMODE(os.stat(fresh / "f").st_mode)


def test_a_full_or_missing_temporary_folder_is_named_with_what_to_do(tmp_path, monkeypatch):
    import tempfile

    site = tmp_path / "site"

    def full():
        with output_folder(site) as tmp:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp / "data" / "jisrgeo.gpkg"))

    with pytest.raises(OutputError, match=r"site: the disk of the temporary folder .* is full .*TMPDIR"):
        full()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    with pytest.raises(OutputError, match=r"cannot write .*site: .*gone.*TMPDIR"):
        publish_here(site, "new")
    assert not site.exists() and beside(site) == []  # nothing published, nothing left beside it


# -- staging folders left in TMPDIR by killed runs ---------------------------------------------------------

def staged_by_a_run(tmpdir, alive=False):
    """A staging folder made as _staging makes one, with a build's files in it; its lock released (the run is
    dead) unless `alive`, when the lock's descriptor is returned too."""
    folder = Path(tempfile.mkdtemp(prefix=output.STAGING_PREFIX, suffix=TMP_SUFFIX, dir=tmpdir))
    lock = output._hold_staging(str(folder))
    (folder / "build" / "data").mkdir(parents=True)
    (folder / "build" / "data" / "jisrgeo.gpkg").write_bytes(b"half a build")
    if alive:
        return folder, lock
    os.close(lock)
    return folder


def look_alike(tmpdir, victims, how):
    folder = Path(tempfile.mkdtemp(prefix=output.STAGING_PREFIX, suffix=TMP_SUFFIX, dir=tmpdir))
    (folder / "build").mkdir()
    (folder / "build" / "thesis.docx").write_bytes(b"someone's work")
    if how == "lock a link":
        (folder / output.STAGING_LOCK).symlink_to(victims / ".bashrc")
    elif how == "mode 0755":
        os.close(output._hold_staging(str(folder)))
        folder.chmod(0o755)
    return folder


def test_staging_folders_of_killed_runs_are_removed_and_no_other(tmp_path, victims, monkeypatch):
    if output._fcntl() is None:
        pytest.skip("no fcntl here: staging folders carry no lock and are never removed by a later run")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    dead = [staged_by_a_run(tmpdir) for _ in range(2)]
    live, lock = staged_by_a_run(tmpdir, alive=True)
    kept = [look_alike(tmpdir, victims, how) for how in ("no lock", "lock a link", "mode 0755")]
    link = tmpdir / f"{output.STAGING_PREFIX}victim{TMP_SUFFIX}"
    link.symlink_to(victims)
    (victims / output.STAGING_LOCK).write_bytes(b"")  # as if the victim were a dead run's folder
    if os.geteuid() == 0:
        theirs = staged_by_a_run(tmpdir)
        for path in (theirs, *theirs.rglob("*")):
            os.lchown(path, 65534, 65534)
        kept.append(theirs)
    before, before_kept = tree(victims), {folder: tree(folder) for folder in kept}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            publish_here(tmp_path / "site", "new")
        assert tree(live) == {".jisrgeo-staging-lock": b"", "build/data/jisrgeo.gpkg": b"half a build"}
    finally:
        os.close(lock)
    assert not any(folder.exists() for folder in dead)
    assert {folder: tree(folder) for folder in kept} == before_kept and tree(victims) == before
    assert link.is_symlink() and sorted(tmpdir.iterdir()) == sorted([live, link, *kept])
    publish_here(tmp_path / "site", "again")  # the live run has ended: its folder goes now
    assert sorted(tmpdir.iterdir()) == sorted([link, *kept])


KILLED_BUILD = textwrap.dedent("""
    import os, signal, sys
    from jisrgeo import output
    from jisrgeo.cli import main
    output._step = lambda name: os.kill(os.getpid(), signal.SIGKILL) if name == "staged folders" else None
    main(sys.argv[1:])
""")


def test_a_build_killed_mid_run_leaves_a_staging_folder_the_next_run_removes(cli, tmp_path, monkeypatch):
    if output._fcntl() is None:
        pytest.skip("no fcntl here: staging folders carry no lock and are never removed by a later run")
    tmpdir, out = tmp_path / "tmp", tmp_path / "maps"
    tmpdir.mkdir()
    day = ("--from", "2015-04-09", "--to", "2015-04-09", "--png", "none")
    killed = subprocess.run([sys.executable, "-c", KILLED_BUILD, "build", "--data", MINI, "--out", out, *day],
                            capture_output=True, text=True, timeout=300, env={**os.environ, "TMPDIR": str(tmpdir)})
    assert killed.returncode == -9, killed.stderr[-2000:]
    (left,) = tmpdir.iterdir()  # the build stopped while moving its files out of the staging folder
    assert (left / output.STAGING_LOCK).is_file() and any((left / "build").rglob("*.html"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    assert cli("build", "--data", MINI, "--out", out, *day).exit_code == 0
    assert list(tmpdir.iterdir()) == [] and (out / "index.html").is_file()


def test_dead_staging_folders_that_cannot_be_removed_are_one_warning(tmp_path, monkeypatch):
    if output._fcntl() is None:
        pytest.skip("no fcntl here: staging folders carry no lock and are never removed by a later run")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    dead = sorted(staged_by_a_run(tmpdir) for _ in range(3))

    def refused(fd):
        raise PermissionError(errno.EPERM, "Operation not permitted (injected)")

    monkeypatch.setattr(output._fsops, "clear", refused)
    with pytest.warns(UserWarning) as said:
        publish_here(tmp_path / "site", "new")
    (line,) = [str(w.message) for w in said]
    assert str(dead[0]) in line and "and 2 more" in line and "\n" not in line
    assert all(folder.is_dir() for folder in dead) and (tmp_path / "site" / "page.html").read_text() == "new"


# -- single files: written in the staging folder, moved in through a descriptor of the target's folder -----------

def export_gpkg(cli, out, *options):
    return cli("export", "--format", "gpkg", "--out", out / "b.gpkg", "--data", MINI, "--replace", *options)


def one_line(result):
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    (line,) = [line for line in result.output.splitlines() if line.strip()]
    return line


def on_write(monkeypatch, action):
    """Run `action` once the GeoPackage's first layer is written; returns the paths the writer was given."""
    from jisrgeo.export import writers

    paths, write = [], writers.pyogrio.write_dataframe

    def writing(frame, path, *args, **kwargs):
        write(frame, path, *args, **kwargs)
        paths.append(Path(path))
        if len(paths) == 1:
            action()
    monkeypatch.setattr(writers.pyogrio, "write_dataframe", writing)
    return paths


@pytest.mark.parametrize("when", ["while writing", "when moved in", "when copied in"])
def test_a_single_files_folder_swapped_for_a_link_writes_nothing_outside(cli, tmp_path, victims, monkeypatch, when):
    out, moved = tmp_path / "out", tmp_path / "moved"
    if when == "when copied in":  # staged on another disk: copied under a temporary name, then renamed
        if not Path("/dev/shm").is_dir() or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
            pytest.skip("no second file system for the staging folder here")
        monkeypatch.setattr(tempfile, "tempdir", "/dev/shm")
    out.mkdir()
    (out / "b.gpkg").write_bytes(b"the previous export")
    (victims / "b.gpkg").write_bytes(b"the victim's own GeoPackage")
    before, before_out = tree(victims), tree(out)

    def swap():
        os.rename(out, moved)
        out.symlink_to(victims)

    if when == "while writing":
        on_write(monkeypatch, swap)
    else:
        hook(monkeypatch, {"when moved in": "staged file", "when copied in": "copied file"}[when], swap)
    result = export_gpkg(cli, out)
    assert tree(victims) == before and tree(moved) == before_out  # the old file intact, nothing left beside it
    line = one_line(result)
    assert str(out) in line and "changed by another process" in line


def test_a_single_file_staged_on_another_disk_is_the_same_file(tmp_path, monkeypatch):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system for the staging folder here")
    ds = jisrgeo.load(MINI)
    ds.to_gpkg(tmp_path / "same" / "b.gpkg")
    other = Path(tempfile.mkdtemp(dir=shm))
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(other))
        paths = on_write(monkeypatch, lambda: None)
        ds.to_gpkg(tmp_path / "other" / "b.gpkg")
        output.write_file(tmp_path / "other" / "c.html", "<p>map</p>")
        assert paths and all(other in path.parents for path in paths)  # GDAL wrote only in the staging folder
        assert list(other.iterdir()) == []
    finally:
        shutil.rmtree(other)
    for name in ("b.gpkg", "b.qgs"):
        same, copied = tmp_path / "same" / name, tmp_path / "other" / name
        assert same.read_bytes() == copied.read_bytes() and same.stat().st_mode == copied.stat().st_mode
    assert sorted(os.listdir(tmp_path / "other")) == ["b.gpkg", "b.qgs", "c.html"]


def test_a_single_file_with_no_temporary_folder_is_one_line_naming_tmpdir(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    out = tmp_path / "out"
    line = one_line(export_gpkg(cli, out))
    assert str(out / "b.gpkg") in line and "gone" in line and "TMPDIR" in line
    with pytest.raises(OutputError, match=r"c\.html.*gone.*TMPDIR"):
        output.write_file(out / "c.html", "<p>map</p>")
    assert list(out.iterdir()) == []


KILLED_EXPORT = textwrap.dedent("""
    import os, signal, sys
    from jisrgeo.cli import main
    from jisrgeo.export import writers
    write = writers.pyogrio.write_dataframe
    def killed(*args, **kwargs):
        write(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    writers.pyogrio.write_dataframe = killed
    main(sys.argv[1:])
""")


def test_a_single_file_export_killed_mid_write_leaves_nothing_beside_it(cli, tmp_path, monkeypatch):
    tmpdir, out = tmp_path / "tmp", tmp_path / "out"
    tmpdir.mkdir()
    out.mkdir()
    (out / "b.gpkg").write_bytes(b"the previous export")
    killed = subprocess.run([sys.executable, "-c", KILLED_EXPORT, "export", "--format", "gpkg", "--out", out / "b.gpkg",
                             "--data", MINI, "--replace"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TMPDIR": str(tmpdir)})
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert tree(out) == {"b.gpkg": b"the previous export"}
    if output._fcntl() is not None:  # the killed run's staging folder goes with the next run
        monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
        assert export_gpkg(cli, out).exit_code == 0 and list(tmpdir.iterdir()) == []
        assert sorted(os.listdir(out)) == ["b.gpkg", "b.qgs"]


def test_a_single_file_whose_copy_across_disks_fails_leaves_the_old_file_and_nothing_beside(tmp_path, monkeypatch):
    if not Path("/dev/shm").is_dir() or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system for the staging folder here")
    monkeypatch.setattr(tempfile, "tempdir", "/dev/shm")
    out = tmp_path / "out"
    output.write_file(out / "c.html", "the previous map")

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device (injected)")
    monkeypatch.setattr(output._fsops, "write_all", full, raising=False)
    with pytest.raises(OutputError, match=r"c\.html: No space left .*disk is full") as error:
        output.write_file(out / "c.html", "the new map" * 100_000, replace=True)
    assert "\n" not in str(error.value) and tree(out) == {"c.html": b"the previous map"}
