"""Issue 15: the validated load cache, GeoParquet export and load, the default dataset reused per
process, and the dask path for event streams bigger than memory."""

import json
import warnings

import pandas as pd
import pytest

import jisrgeo
from jisrgeo.io import cache
from pathlib import Path

from helpers import MINI

ROOT = Path(__file__).resolve().parents[1]

ALEPPO = ROOT / "tests" / "fixtures" / "aleppo"


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("JISRGEO_CACHE", str(folder))
    return folder


@pytest.fixture
def checks(monkeypatch):
    """Counts validations: a load served by the cache makes none."""
    calls = []
    import jisrgeo.rules

    real_validate = jisrgeo.rules.validate
    monkeypatch.setattr(jisrgeo.rules, "validate", lambda tables: calls.append(1) or real_validate(tables))
    return calls


def _same(a, b):
    for name in ("places", "control_changes", "events", "casualties", "routes", "sources"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert (a.meta, a.forces, a.claims) == (b.meta, b.forces, b.claims)


@pytest.mark.parametrize("folder", [None, ALEPPO], ids=["bundled", "aleppo"])
def test_second_load_comes_from_the_cache_and_is_the_same(own_cache, checks, folder):
    first = jisrgeo.load(folder)
    second = jisrgeo.load(folder)
    assert len(checks) == 1  # validated once
    _same(first, second)
    day = first.period[0] + (first.period[1] - first.period[0]) / 2
    assert first.control(day).equals(second.control(day))


def test_a_changed_file_invalidates_the_cache(own_cache, checks, mini_copy):
    jisrgeo.load(mini_copy)
    places = json.loads((mini_copy / "places.geojson").read_text())
    places["features"][0]["properties"]["name"] = "Renamed"
    (mini_copy / "places.geojson").write_text(json.dumps(places))
    assert "Renamed" in set(jisrgeo.load(mini_copy).places["name"])
    assert len(checks) == 2


def test_a_broken_file_is_still_reported_after_a_cached_load(own_cache, mini_copy):
    jisrgeo.load(mini_copy)
    (mini_copy / "places.geojson").write_text("{not json")
    with pytest.raises(jisrgeo.DataError, match="places.geojson"):
        jisrgeo.load(mini_copy)


def test_a_new_version_invalidates_the_cache(own_cache, checks, monkeypatch):
    jisrgeo.load(MINI)
    monkeypatch.setattr(jisrgeo._version, "__version__", "99.0.0")
    jisrgeo.load(MINI)
    assert len(checks) == 2


def test_a_corrupt_cache_is_ignored_with_a_warning(own_cache, checks):
    good = jisrgeo.load(MINI)
    for file in own_cache.rglob("*.parquet"):
        file.write_bytes(b"PAR1 not really")
    with pytest.warns(cache.CacheWarning, match="ignoring the cached copy"):
        again = jisrgeo.load(MINI)
    _same(good, again)
    assert len(checks) == 2


def test_an_unwritable_cache_is_ignored_with_a_warning(tmp_path, monkeypatch, checks):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("JISRGEO_CACHE", str(blocker / "cache"))
    with pytest.warns(cache.CacheWarning, match="could not cache"):
        ds = jisrgeo.load(MINI)
    assert len(ds.places) > 0 and blocker.read_text() == "not a folder"


def test_cache_off(monkeypatch, checks):
    monkeypatch.setenv("JISRGEO_CACHE", "off")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jisrgeo.load(MINI)
        jisrgeo.load(MINI)
    assert len(checks) == 2


@pytest.mark.parametrize("folder", [None, ALEPPO], ids=["bundled", "aleppo"])
def test_geoparquet_export_loads_back(tmp_path, cli, folder):
    import pyarrow.parquet as pq

    ds = jisrgeo.load(folder)
    out = tmp_path / "parquet"
    args = ["export", "--format", "parquet", "--out", out] + (["--data", folder] if folder else [])
    assert cli(*args).exit_code == 0
    back = jisrgeo.load(out)
    day = ds.period[0] + (ds.period[1] - ds.period[0]) / 2
    assert back.control(day)[["place_id", "controller", "status"]].equals(ds.control(day)[["place_id", "controller", "status"]])
    assert back.events["event_id"].tolist() == ds.events["event_id"].tolist()
    assert list(back.places["aliases"]) == list(ds.places["aliases"])
    geo = json.loads(pq.read_schema(out / "places.parquet").metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["columns"]["geometry"]["encoding"] == "WKB"
    assert str(pq.read_schema(out / "control_intervals.parquet").field("start_date").type) == "date32[day]"
    again = tmp_path / "again"
    back.to_parquet(again)
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in out.iterdir())


def test_an_incomplete_parquet_folder_is_a_clear_error(tmp_path, cli):
    out = tmp_path / "parquet"
    jisrgeo.load(MINI).to_parquet(out)
    (out / "events.parquet").unlink()
    result = cli("control", "--date", "2015-05-01", "--data", out)
    assert result.exit_code == 1 and "events.parquet" in result.output


def test_distance_reuses_one_default_dataset(monkeypatch):
    import jisrgeo.loader

    jisrgeo.loader._loaded.cache_clear()  # name-resolving conveniences live above geodesy (jisrgeo.loader)
    loads = []
    real = jisrgeo.loader.load
    monkeypatch.setattr(jisrgeo.loader, "load", lambda *a: loads.append(a) or real(*a))
    first = jisrgeo.distance("hospital", "Ariha")
    for _ in range(5):
        assert jisrgeo.distance("hospital", "Ariha") == first
    assert len(loads) == 1


@pytest.mark.parametrize("folder", [None, ALEPPO], ids=["bundled", "aleppo"])
def test_partitioned_events_give_the_in_memory_answers(tmp_path, folder):
    pytest.importorskip("dask_geopandas")
    from jisrgeo import scale
    from jisrgeo.claims import casualty_totals

    ds = jisrgeo.load(folder)
    scale.write_partitioned(ds, tmp_path / "war", npartitions=3)
    assert len(list((tmp_path / "war" / "events").glob("*.parquet"))) == 3
    assert scale.event_counts(tmp_path / "war").to_dict() == ds.events.groupby("type").size().to_dict()
    middle = ds.period[0] + (ds.period[1] - ds.period[0]) / 2
    for kwargs in ({}, {"end": middle}, {"types": ["massacre_claim"], "exclude": True}):
        ours = scale.casualty_totals(tmp_path / "war", **kwargs)
        memory = casualty_totals(ds, **kwargs).sort_values(["side", "outcome"], ignore_index=True)
        pd.testing.assert_frame_equal(ours, memory, check_dtype=False)


def test_a_parquet_folder_is_cached_by_its_own_files(own_cache, tmp_path, monkeypatch):
    import jisrgeo.io

    jisrgeo.load(MINI).to_parquet(tmp_path / "pq")
    reads = []
    real = jisrgeo.io.read_parquet_folder
    monkeypatch.setattr(jisrgeo.io, "read_parquet_folder", lambda folder: reads.append(folder) or real(folder))
    first = jisrgeo.load(tmp_path / "pq")
    _same(first, jisrgeo.load(tmp_path / "pq"))
    assert len(reads) == 1
    jisrgeo.load(ALEPPO).to_parquet(tmp_path / "pq", replace=True)  # other files, same folder
    assert jisrgeo.load(tmp_path / "pq").name == jisrgeo.load(ALEPPO).name and len(reads) == 2
