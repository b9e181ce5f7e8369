"""Every file jisrgeo reads, hostile: a FIFO, a link to /dev/zero, JSON nested 200,000 deep, and containers
that declare millions of rows (issue 36, items 4 and 5). Each gets a one-line message, never a traceback
and never a hang: every run is guarded by an alarm, so a read that blocks fails the test instead of CI."""

import contextlib
import hashlib
import json
import os
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo.cli import main
from jisrgeo.io import cache

from helpers import MINI

DAY = "2015-04-15"
DEEP = 200_000
SECONDS = 60  # generous for a loaded 2-core machine; a hang would wait forever


@contextlib.contextmanager
def deadline(seconds=SECONDS):
    """Fail (rather than hang) when the body takes longer: SIGALRM interrupts a blocking open or read."""
    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: a read blocked")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(*args):
    with deadline():
        result = CliRunner().invoke(main, [str(a) for a in args])
    if isinstance(result.exception, TimeoutError):
        raise result.exception
    return result


def assert_one_line(result, *needles, codes=(1, 2)):
    """Exit code in `codes`, no traceback, and the message on one line holding every needle."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "RecursionError" not in result.output, result.output[-800:]
    assert result.exit_code in codes, result.output[-800:]
    lines = [line for line in result.output.splitlines() if all(n in line for n in needles)]
    assert lines, f"no line with {needles}: {result.output[-800:]}"


def fifo(path):
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def dev_zero(path):
    path.unlink(missing_ok=True)
    path.symlink_to("/dev/zero")


def deep(path):
    path.unlink(missing_ok=True)
    path.write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")


HOSTILE = {"fifo": fifo, "dev_zero": dev_zero, "deep": deep}
# What the one line says for each: a pipe or a device is refused before a byte is read; deep JSON before decoding.
SAYS = {"fifo": "not a regular file", "dev_zero": "not a regular file", "deep": "nested deeper than 128"}
# In a dataset folder, a link to a device is first of all a link out of the folder.
IN_FOLDER_SAYS = {**SAYS, "dev_zero": "outside the dataset folder"}


# -- the guarded JSON reader itself --------------------------------------------------------------------

@pytest.mark.parametrize("text, deeper", [
    ("[" * 129 + "]" * 129, True), ("[" * 128 + "]" * 128, False), ('{"a":' * 200 + "1" + "}" * 200, True),
    (json.dumps(["[" * 500]), False),  # brackets inside a string are text
    (json.dumps(['\\"' + "[" * 500, [[1]]]), False),  # an escaped quote does not end the string
    (json.dumps(["\\\\", "[" * 300]), False),  # an escaped backslash does not escape the quote after it
    ('["\\\\"' + "[" * 300, True),  # ... so the brackets after it are structure
    # Past 100,000 quotes and brackets the scan is vectorized: the same answers.
    ("[" + '"[",' * 60_000 + "[" * 200 + "]" * 200 + "]", True),
    ("[" + '"[",' * 60_000 + '"\\"' + "[" * 200 + '"' + "]", False),
])
def test_nesting_is_measured_before_decoding(text, deeper):
    from jisrgeo.io.folder import nested_deeper

    assert nested_deeper(text) is deeper
    assert nested_deeper(text.encode()) is deeper


# -- the dataset's own files, and the colour check's re-read of dataset.json -----------------------------

@pytest.mark.parametrize("layer", ["dataset.json", "events.geojson", "claims.json"])
@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_dataset_files(layer, hostile, mini_copy):
    HOSTILE[hostile](mini_copy / layer)
    with deadline():
        problems = jisrgeo.validate(mini_copy)
    says = IN_FOLDER_SAYS[hostile]
    assert any(p.file == layer and says in p.reason for p in problems), problems
    assert_one_line(run("validate", "--data", mini_copy), layer, says, codes=(1,))
    assert_one_line(run("control", "--date", DAY, "--data", mini_copy), layer, says, codes=(1,))


# -- options that name a file ----------------------------------------------------------------------------

@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_sides_file_of_an_import(hostile, tmp_path):
    sides = tmp_path / "sides.json"
    HOSTILE[hostile](sides)
    source = Path(__file__).parent / "fixtures" / "interop" / "acled.csv"
    result = run("import", "acled", source, "--sides", sides, "--out", tmp_path / "out")
    assert_one_line(result, "--sides", SAYS[hostile], codes=(2,))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_types_file_of_an_export(hostile, tmp_path):
    types = tmp_path / "types.json"
    HOSTILE[hostile](types)
    result = run("export", "--format", "acled", "--types", types, "--out", tmp_path / "out", "--data", MINI)
    assert_one_line(result, "--types", SAYS[hostile], codes=(2,))


# -- our own marks in an output folder: the manifest and the pictures' digests -----------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "site"
    result = CliRunner().invoke(main, ["build", "--data", str(MINI), "--out", str(out), "--from", DAY, "--to", DAY,
                                       "--png", "none"])
    assert result.exit_code == 0, result.output
    return out


def _site(built, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built, site, symlinks=True)
    return site


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_manifest_of_the_output(hostile, built, tmp_path):
    site = _site(built, tmp_path)
    HOSTILE[hostile](site / ".jisrgeo-manifest.json")
    result = run("build", "--data", MINI, "--out", site, "--from", DAY, "--to", DAY, "--png", "none")
    assert_one_line(result, ".jisrgeo-manifest.json", codes=(1,))
    if hostile == "deep":
        assert_one_line(result, ".jisrgeo-manifest.json", "nested deeper than 128", codes=(1,))
    result = run("normalize", "--data", MINI, "--out", site)
    assert_one_line(result, ".jisrgeo-manifest.json", codes=(1,))


def _list_in_manifest(site, rel):
    """The manifest re-signed for a file we doctored, as a downloaded project could ship it."""
    manifest = site / ".jisrgeo-manifest.json"
    content = json.loads(manifest.read_text(encoding="utf-8"))
    path = site / rel
    if path.is_file():
        content["files"][rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest.write_text(json.dumps(content), encoding="utf-8")


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_pictures_digest_of_the_output(hostile, built, tmp_path):
    site = _site(built, tmp_path)
    pictures = site / ".jisrgeo-pictures.json"
    HOSTILE[hostile](pictures)
    _list_in_manifest(site, pictures.name)
    result = run("build", "--data", MINI, "--out", site, "--from", DAY, "--to", DAY, "--png", "none")
    if hostile == "deep":  # ours by the manifest: read through the guarded reader, refused, every picture redrawn
        assert_one_line(result, ".jisrgeo-pictures.json", "nested deeper than 128", codes=(0,))
        assert json.loads(pictures.read_text(encoding="utf-8"))["generator"] == "jisrgeo"
    else:  # not a file we wrote: the build refuses to write over it
        assert_one_line(result, ".jisrgeo-pictures.json", codes=(1,))


# -- the load cache's files ------------------------------------------------------------------------------------

@pytest.fixture
def cached(tmp_path, monkeypatch, mini_copy):
    monkeypatch.setenv("JISRGEO_CACHE", str(tmp_path / "cache"))
    assert run("control", "--date", DAY, "--data", mini_copy).exit_code == 0  # loads, stores the entry
    entries = [p for p in (tmp_path / "cache").iterdir() if (p / cache.COMPLETE).is_file()]
    assert len(entries) == 1
    return mini_copy, entries[0], tmp_path / "cache"


@pytest.mark.parametrize("name", [cache.COMPLETE, cache.LISTS, "places.parquet", "record"])
@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_cache_files(name, hostile, cached):
    folder, entry, root = cached
    target = next((root / cache.STATS).iterdir()) if name == "record" else entry / name
    HOSTILE[hostile](target)
    for args in (["control", "--date", DAY], ["place", "alpha", "--format", "json"]):
        result = run(*args, "--data", folder)
        # The copy is ignored (at most a warning line), and the answer comes from the dataset's own files.
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output[-800:]
        assert "alpha" in result.output.lower()


# -- the fast warm path (issue 32) ------------------------------------------------------------------------------

def test_warm_cache_is_checked_by_file_signatures_and_still_refuses_an_edit(tmp_path, monkeypatch, mini_copy):
    import time

    monkeypatch.setenv("JISRGEO_CACHE", str(tmp_path / "cache"))
    jisrgeo.load(mini_copy)
    entry = next(p for p in (tmp_path / "cache").iterdir() if (p / cache.COMPLETE).is_file())
    old = time.time() - 3600  # settled: an hour old, so a file's time tells an edit
    for path in [*mini_copy.iterdir(), *entry.iterdir()]:
        os.utime(path, (old, old))
    jisrgeo.load(mini_copy)  # the times changed: everything hashed again, and the record written anew
    hashed = []
    real = cache.hashlib.file_digest
    monkeypatch.setattr(cache.hashlib, "file_digest", lambda *a, **k: hashed.append(1) or real(*a, **k))
    jisrgeo.load(mini_copy)
    assert run("control", "--date", DAY, "--data", mini_copy).exit_code == 0
    assert hashed == []  # nothing hashed: size, mtime_ns, inode and device vouch for every file
    monkeypatch.setenv("JISRGEO_CACHE_VERIFY", "full")
    jisrgeo.load(mini_copy)
    assert hashed  # on request, every file is hashed
    monkeypatch.delenv("JISRGEO_CACHE_VERIFY")
    places = entry / "places.parquet"
    places.write_bytes(places.read_bytes()[:-8] + b"\0" * 8)  # same size, a new mtime: a hand edit
    with pytest.warns(cache.CacheWarning, match="ignoring the cached copy"):
        again = jisrgeo.load(mini_copy)
    assert len(again.places) == len(jisrgeo.load(MINI).places)


# -- containers: views, row bombs --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    ds = jisrgeo.load(MINI)
    ds.to_gpkg(out / "mini.gpkg")
    ds.to_parquet(out / "pq")
    return out


def _doctored_gpkg(exports, tmp_path, *statements):
    data = tmp_path / "battle.gpkg"
    shutil.copy(exports / "mini.gpkg", data)
    with contextlib.closing(sqlite3.connect(data)) as db:
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
        for statement in statements:
            db.execute(statement)
        db.commit()
    return data


ENDLESS = ("CREATE VIEW sources AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
           "SELECT i AS ref, 'x' AS title, '' AS url, 'en' AS language, '' AS note FROM n")
ROW_BOMB = ("CREATE VIEW sources AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000000) "
            "SELECT 1 AS ref, 'x' AS title, '' AS url, 'en' AS language, '' AS note FROM n")


@pytest.mark.parametrize("view", [ENDLESS, ROW_BOMB], ids=["recursive_view", "row_bomb_view"])
def test_geopackage_view_is_refused_unread(view, exports, tmp_path):
    data = _doctored_gpkg(exports, tmp_path, "DROP TABLE sources", view)
    assert data.stat().st_size < 2_000_000
    assert_one_line(run("validate", "--data", data), "battle.gpkg:sources", "view", codes=(1,))
    assert_one_line(run("control", "--date", DAY, "--data", data), "battle.gpkg:sources", "view", codes=(1,))


def test_geopackage_table_beyond_the_row_budget(exports, tmp_path, monkeypatch):
    data = _doctored_gpkg(exports, tmp_path, "INSERT INTO sources (ref, title) WITH RECURSIVE n(i) AS "
                                             "(SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 140) SELECT i, 'x' FROM n")
    monkeypatch.setattr(jisrgeo.schema, "MAX_LAYER_ROWS", 40)  # counted through SQLite: stops at 41
    assert_one_line(run("validate", "--data", data), "battle.gpkg:sources", "more than 40 rows", codes=(1,))


def test_geoparquet_of_millions_of_identical_rows(exports, tmp_path):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "pq"
    shutil.copytree(exports / "pq", folder)
    sources = pq.read_table(folder / "sources.parquet")
    rows = 2_500_000
    zeros = pa.array(np.zeros(rows, dtype=np.int32))

    def repeated(column):  # the first row's value, 2.5 million times: indices into a one-value dictionary
        first = column.combine_chunks().slice(0, 1)
        return pa.nulls(rows, first.type) if first.null_count else pa.DictionaryArray.from_arrays(zeros, first)

    bomb = pa.table({c: repeated(sources.column(c)) for c in sources.column_names})
    pq.write_table(bomb, folder / "sources.parquet", compression="zstd")
    assert (folder / "sources.parquet").stat().st_size < 1_000_000
    with deadline(20):
        result = run("validate", "--data", folder)
    assert_one_line(result, "sources.parquet", "2,500,000 rows", codes=(1,))
    assert len(result.output.splitlines()) < 5


# -- many problems of one kind -----------------------------------------------------------------------------------

def test_identical_problems_are_counted_not_listed(mini_copy):
    content = json.loads((mini_copy / "events.geojson").read_text(encoding="utf-8"))
    content["features"] = [content["features"][0]] * 500
    (mini_copy / "events.geojson").write_text(json.dumps(content), encoding="utf-8")
    result = run("validate", "--data", mini_copy)
    assert result.exit_code == 1
    assert "more like this" in result.output and len(result.output.splitlines()) < 40, result.output[-2000:]
    listed = json.loads(run("validate", "--data", mini_copy, "--format", "json").stdout)
    counted = [p for p in listed if "omitted" in p]
    assert counted and len(listed) < 40  # at most ten of a kind, then one entry counting the rest of that kind
    found = jisrgeo.validate(mini_copy)
    for kind in counted:
        same = (kind["file"], kind["field"], kind["reason"])
        alike = [p for p in listed if (p["file"], p["field"], p["reason"]) == same]
        assert len(alike) == 11 and kind["omitted"] == sum((p.file, p.field, p.reason) == same for p in found) - 10


# -- the geometry work on a huge valid dataset ------------------------------------------------------------------------

def test_zones_beyond_the_place_budget_are_refused_with_one_line(monkeypatch, tmp_path):
    import jisrgeo.areas

    monkeypatch.setattr(jisrgeo.areas, "MAX_TILED_PLACES", 1)
    assert_one_line(run("areas", "--date", DAY, "--data", MINI), "places with ground, above the 1 ", codes=(1,))
    result = run("build", "--data", MINI, "--out", tmp_path / "site", "--from", DAY, "--to", DAY, "--png", "none")
    assert_one_line(result, "places with ground, above the 1 ", codes=(1,))
    assert not (tmp_path / "site").exists()


# -- what reaches a spreadsheet or a terminal (issue 36, lower items) ---------------------------------------------

FORMULA = "=HYPERLINK(\"http://x\")"


def test_piped_csv_is_spreadsheet_safe_unless_raw(mini_copy):
    import csv
    import io

    content = json.loads((mini_copy / "places.geojson").read_text(encoding="utf-8"))
    content["features"][0]["properties"]["name"] = FORMULA
    (mini_copy / "places.geojson").write_text(json.dumps(content), encoding="utf-8")
    for extra, shown in (([], "'" + FORMULA), (["--raw-csv"], FORMULA)):
        result = run("control", "--date", DAY, "--format", "csv", "--data", mini_copy, *extra)
        assert result.exit_code == 0, result.output
        names = [row["name"] for row in csv.DictReader(io.StringIO(result.output))]
        assert shown in names, names


def test_imported_sources_are_spreadsheet_safe_and_read_back_as_written(tmp_path):
    source = Path(__file__).parent / "fixtures" / "interop" / "acled.csv"
    rows = source.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    column = header.index("source")
    import csv
    import io

    records = list(csv.reader(io.StringIO("\n".join(rows))))
    records[1][column] = "@SUM(A1:A9)"
    doctored = tmp_path / "acled.csv"
    with open(doctored, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(records)
    result = run("import", "acled", doctored, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out" / "sources.csv").read_text(encoding="utf-8")
    assert "'@SUM(A1:A9)" in written and ",@SUM" not in written
    titles = " ".join(jisrgeo.load(tmp_path / "out").sources.astype(str).to_numpy().ravel())
    assert "@SUM(A1:A9)" in titles and "'@SUM" not in titles  # the apostrophe is taken off again


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_bidi_and_zero_width_characters_never_reach_the_terminal(fmt, mini_copy):
    content = json.loads((mini_copy / "places.geojson").read_text(encoding="utf-8"))
    content["features"][0]["properties"]["name"] = "Al\u202epha\u200b\u2066x\u2069\ufeff"
    (mini_copy / "places.geojson").write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    result = run("control", "--date", DAY, "--format", fmt, "--data", mini_copy)
    assert result.exit_code == 0, result.output
    assert not set("\u202e\u200b\u2066\u2069\ufeff") & set(result.output)
    if fmt == "json":  # escaped, so the JSON still means the same
        assert json.loads(result.output)[0]["name"] == "Al\u202epha\u200b\u2066x\u2069\ufeff"


def test_a_warning_is_one_line_naming_the_users_folder(tmp_path, monkeypatch, mini_copy):
    monkeypatch.setenv("JISRGEO_CACHE", str(tmp_path / "cache"))
    jisrgeo.load(mini_copy)
    for parquet in (tmp_path / "cache").rglob("places.parquet"):
        parquet.write_bytes(b"PAR1 not really")
    result = run("place", "alpha", "--data", mini_copy)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if "cached copy" in line]
    assert warned == [f"warning: ignoring the cached copy of {mini_copy} (damaged or changed); read from its files instead"]
    assert ".py:" not in result.output and "warnings.warn" not in result.output


def test_a_geopackage_path_without_its_suffix_exports_quietly(tmp_path):
    result = run("export", "--format", "gpkg", "--out", tmp_path / "battle", "--data", MINI)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [f"wrote {tmp_path / 'battle'} and the QGIS project {tmp_path / 'battle.qgs'}"]


# -- the partitioned event streams of jisrgeo.scale, before dask reads them ---------------------------------------

@pytest.fixture(scope="module")
def partitioned(tmp_path_factory):
    pytest.importorskip("dask_geopandas")
    from jisrgeo import scale

    return scale.write_partitioned(jisrgeo.load(MINI), tmp_path_factory.mktemp("war") / "war", npartitions=2)


@pytest.mark.parametrize("hostile", ["fifo", "dev_zero", "rows"])
def test_scale_partitions_go_through_the_guarded_reader_and_budgets(hostile, partitioned, tmp_path, monkeypatch):
    from jisrgeo import scale
    from jisrgeo.errors import DataError

    war = tmp_path / "war"
    shutil.copytree(partitioned, war)
    assert scale.event_counts(war).sum() == len(jisrgeo.load(MINI).events)  # the copy is readable as it is
    part = sorted((war / "events").glob("*.parquet"))[0]
    if hostile == "rows":
        monkeypatch.setattr(jisrgeo.schema, "MAX_LAYER_ROWS", 1)  # read from the footer: nothing is loaded
    else:
        HOSTILE[hostile](part)
    with deadline(20), pytest.raises(DataError) as refused:
        scale.event_counts(war)
    says = {"fifo": "not a regular file", "dev_zero": "outside the folder", "rows": "above the 1 a layer may hold"}
    assert says[hostile] in str(refused.value) and f"events/{part.name}" in str(refused.value)
    assert len(refused.value.problems) == 1


@pytest.mark.parametrize("escaped", [False, True], ids=["plain", "escaped_type"])
def test_a_geojson_layer_beyond_the_row_budget_is_refused_before_geometry_work(escaped, mini_copy, monkeypatch):
    if escaped:  # "\u0046eature" is "Feature" once decoded: the count after decoding still holds the budget
        path = mini_copy / "places.geojson"
        path.write_text(path.read_text(encoding="utf-8").replace('"Feature"', '"\\u0046eature"'), encoding="utf-8")
    monkeypatch.setattr(jisrgeo.schema, "MAX_LAYER_ROWS", 2)
    result = run("validate", "--data", mini_copy)
    assert_one_line(result, "places.geojson", "holds 3 features, above the 2 a layer may hold", codes=(1,))
    *lines, total = result.output.strip().splitlines()  # one line per layer over its budget (events: 4), nothing else
    assert all("a layer may hold" in line for line in lines) and total == f"{len(lines)} problem(s)", result.output
