"""Estimated areas of control and front lines: the battle's story, the invariants on every day, any dataset."""

import json

import pandas as pd
import pyogrio
import pytest
import shapely

import jisrgeo
import jisrgeo.areas
from jisrgeo.areas import GEOD

from helpers import FIXTURES, edit_layer

IN_AREA_M = 1.0  # a point this close to an area counts as inside (floating point at the edge)
# Zones may overlap by a hairline: where a third tile's corner, snapped to the 1 cm grid, sits on the edge two
# tiles share. Measured as the overlap's mean width (area / half its perimeter), whatever the edge's length.
OVERLAP_WIDTH_M = 0.02


def _area_of(ds, date, pid, status="held"):
    """The zone (side, status) that holds a place on `date`, or None."""
    point = ds.places.set_index("place_id").geometry[pid]
    areas = ds.areas(date)
    hits = areas[areas.geometry.intersects(point.buffer(1e-6)) & (areas["status"] == status)]
    return tuple(hits[["side", "status"]].iloc[0]) if len(hits) else None


@pytest.mark.parametrize("date,place,expected", [
    ("2015-04-20", "jisr_al_shughur", ("government", "held")),
    ("2015-04-20", "national_hospital", ("government", "held")),
    ("2015-04-20", "ishtabraq", ("government", "held")),
    ("2015-04-20", "tal_waset", ("government", "held")),
    ("2015-04-20", "al_qahera", ("government", "held")),
    ("2015-04-20", "al_mansura", ("government", "held")),
    ("2015-04-20", "idlib", ("opposition", "held")),
    ("2015-04-20", "darkoush", None),  # the article never says who held it
    ("2015-04-25", "jisr_al_shughur", ("opposition", "held")),
    ("2015-04-25", "ishtabraq", ("opposition", "held")),
    ("2015-04-25", "tal_waset", ("opposition", "held")),
    ("2015-04-25", "al_mansura", ("opposition", "held")),
    ("2015-05-28", "ariha", ("opposition", "held")),
])
def test_the_battle_on_the_map(bundled, date, place, expected):
    assert _area_of(bundled, date, place) == expected


def test_the_hospital_pocket(bundled):
    areas = bundled.areas("2015-04-25")
    pocket = areas[areas["status"] == "besieged"]
    assert list(pocket["place_id"]) == ["national_hospital"]
    assert tuple(pocket[["side", "challenger"]].iloc[0]) == ("government", "opposition")
    town = bundled.place("jisr_al_shughur").geometry
    assert not pocket.geometry.iloc[0].contains(town)
    later = bundled.areas("2015-05-22")
    assert not ((later["place_id"] == "national_hospital") & (later["status"] == "besieged")).any()
    assert _area_of(bundled, "2015-05-22", "national_hospital") == ("opposition", "held")


def _check_invariants(ds, day):
    areas = ds.areas(day)
    state = ds.control(day).set_index("place_id")
    for i, a in areas.iterrows():  # areas of different sides do not overlap
        for j, b in areas.iterrows():
            if i < j:
                overlap = a.geometry.intersection(b.geometry)
                area, perimeter = GEOD.geometry_area_perimeter(overlap) if not overlap.is_empty else (0.0, 1.0)
                assert abs(area) / max(perimeter / 2, 1.0) < OVERLAP_WIDTH_M, (day, i, j, area)
    held = areas[areas["status"] == "held"]
    has_cell = set(ds.cells.loc[~shapely.is_empty(ds.cells["geometry"].to_numpy()), "place_id"])
    for pid, row in state[state["status"] == "held"].iterrows():  # every held place lies in its controller's area
        if pid not in has_cell:
            continue
        point = ds.places.set_index("place_id").geometry[pid]
        mine = held[held["side"] == row["controller"]]
        assert shapely.distance(mine.geometry.to_numpy(), point).min() < 1e-5, (day, pid)
    for front in ds.front_lines(day).itertuples():  # each front separates two different sides, on both their edges
        assert ds.vocabulary.opposed(front.side_a, front.side_b)
        for side in (front.side_a, front.side_b):
            ground = shapely.union_all(areas[areas["side"] == side].geometry.to_numpy())
            assert front.geometry.distance(ground) < 1e-5, (day, side)


@pytest.mark.parametrize("folder", ["bundled", "aleppo"])
def test_invariants_hold_on_every_change_day(folder):
    ds = jisrgeo.load(None if folder == "bundled" else FIXTURES / "aleppo")
    days = sorted(set(ds.changes()["effective"]) | {ds.period[0], ds.period[1]})
    for day in days:
        _check_invariants(ds, day)


def test_intervals_agree_with_the_day_by_day_answer(bundled):
    areas = bundled.area_intervals
    fronts = bundled.front_intervals
    for day in pd.date_range(*bundled.period, freq="7D"):
        on = areas[(areas["start"] <= day) & (areas["end"] > day)]
        held = bundled.area_by_day(day, day).iloc[0]
        for side in bundled.sides:
            assert on.loc[on["side"] == side, "area_km2"].sum() == pytest.approx(held[side], abs=0.01)
        live = fronts[(fronts["start"] <= day) & (fronts["end"] > day)]
        assert live["length_km"].sum() == pytest.approx(bundled.front_lines(day)["length_km"].sum(), abs=0.01), day


def _place(pid, lon, lat, controller, kind="village"):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"place_id": pid, "name": pid.title(), "aliases": [], "kind": kind, "precision_m": 200,
                           "location_source": "test", "refs": [1], "control": [
                               {"date": None, "controller": controller, "status": "held", "basis": "reported", "refs": [1]}]}}


@pytest.mark.parametrize("layout", ["spread_300km", "clustered_2km", "same_position", "one_side", "single_place"])
def test_any_layout_of_places(mini_copy, layout):
    positions = {
        "spread_300km": [(36.0, 35.0, "government"), (39.3, 35.2, "opposition"), (37.5, 36.5, "islamic_state")],
        "clustered_2km": [(36.300, 35.800, "government"), (36.305, 35.805, "opposition"), (36.310, 35.800, "government"),
                          (36.302, 35.812, "opposition")],
        "same_position": [(36.3, 35.8, "government"), (36.3, 35.8, "opposition"), (36.35, 35.8, "opposition")],
        "one_side": [(36.3, 35.8, "government"), (36.4, 35.9, "government")],
        "single_place": [(36.3, 35.8, "government")],
    }[layout]
    features = [_place(f"p{i}", lon, lat, side) for i, (lon, lat, side) in enumerate(positions)]
    edit_layer(mini_copy, "places.geojson", lambda c: c.update(features=features))
    for name in ("events.geojson", "routes.geojson", "claims.json", "forces.json"):
        (mini_copy / name).unlink()
    edit_layer(mini_copy, "dataset.json", lambda m: m.update(sides={"government": "", "opposition": "", "islamic_state": ""}))
    ds = jisrgeo.load(mini_copy)
    _check_invariants(ds, ds.period[0])
    areas = ds.areas(ds.period[0])
    assert set(areas["side"]) == {s for *_, s in positions}
    if layout == "same_position":
        assert len(ds.front_lines(ds.period[0])) == 1  # p0 takes the shared tile; p1 holds no ground of its own
    if layout == "clustered_2km":
        assert ds.front_lines(ds.period[0])["length_km"].sum() > 0.1
    if layout in ("one_side", "single_place"):
        assert ds.front_lines(ds.period[0]).empty


def test_cli_areas_and_frontlines(cli):
    collection = json.loads(cli("areas", "--date", "2015-04-25", "--format", "geojson").stdout)
    kinds = {(f["properties"]["side"], f["properties"]["status"]) for f in collection["features"]}
    assert ("government", "besieged") in kinds
    assert {f["properties"]["basis"] for f in collection["features"]} <= {"reported", "inferred", "unreported_change"}
    assert all(f["properties"]["method"] == jisrgeo.areas.METHOD for f in collection["features"])
    curve = cli("areas", "--from", "2015-04-20", "--to", "2015-04-26", "--format", "csv").stdout.splitlines()
    assert curve[0] == "date,government,opposition,islamic_state" and len(curve) == 8
    before, after = (float(curve[i].split(",")[2]) for i in (1, 7))
    assert after > before  # the town fell on the 25th
    fronts = json.loads(cli("frontlines", "--date", "2015-04-25", "--format", "json").stdout)
    assert fronts and {f["side_a"] for f in fronts} <= {"government", "islamic_state", "opposition"}
    assert cli("areas", "--date", "2015-04-25", "--from", "2015-04-20").exit_code == 2
    assert cli("areas", "--from", "2015-04-26", "--to", "2015-04-20").exit_code == 2


def test_exports_carry_areas_and_front_lines_as_intervals(bundled, tmp_path):
    bundled.to_gpkg(tmp_path / "b.gpkg")
    areas = pyogrio.read_dataframe(tmp_path / "b.gpkg", layer="control_areas")
    fronts = pyogrio.read_dataframe(tmp_path / "b.gpkg", layer="front_lines")
    assert len(areas) == len(bundled.area_intervals) and set(areas.geom_type) == {"MultiPolygon"}
    joined = jisrgeo.export.layers.joined_intervals(bundled.front_intervals, "front_id")  # runs of one front as one row
    assert len(fronts) == len(joined) and set(fronts.geom_type) == {"MultiLineString"}
    info = pyogrio.read_info(tmp_path / "b.gpkg", layer="control_areas")
    assert dict(zip(info["fields"], info["dtypes"]))["start_date"].startswith("datetime64")
    bundled.to_csv(tmp_path / "csv")
    assert (tmp_path / "csv" / "control_areas.csv").read_text().startswith("WKT,")


def test_cli_zones_on_the_second_battle(cli):
    """The town-scale siege of Aleppo through the CLI: the contract's columns, a side for every zone, fronts."""
    aleppo = FIXTURES / "aleppo"
    zones = json.loads(cli("areas", "--date", "2016-08-01", "--data", aleppo, "--format", "geojson").stdout)["features"]
    assert zones and set(zones[0]["properties"]) == set(jisrgeo.areas.AREA_COLUMNS)
    sides = json.loads((aleppo / "dataset.json").read_text())["sides"]
    assert {z["properties"]["side"] for z in zones} <= set(sides)
    assert all(z["geometry"]["type"] in ("Polygon", "MultiPolygon") for z in zones)
    fronts = json.loads(cli("frontlines", "--date", "2016-08-01", "--data", aleppo, "--format", "json").stdout)
    assert fronts and all(f["length_km"] > 0 and f["side_a"] < f["side_b"] for f in fronts)
    table = cli("areas", "--date", "2016-08-01", "--data", aleppo).stdout
    assert "zone_id" in table and "second-nearest" not in table  # the method is in --help and the files, not the table


# -- ground only from places that stand for ground (issue 33), on the city fixture --------------------------

CITY = FIXTURES / "city"
CITY_DAYS = ["2024-01-01", "2024-03-15", "2024-04-20", "2024-07-15", "2024-09-30"]


@pytest.fixture(scope="module")
def city():
    return jisrgeo.load(CITY)


def test_the_city_fixture_is_valid(cli):
    result = cli("validate", CITY)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("day", CITY_DAYS)
def test_a_city_drawn_through_its_neighbourhoods(city, day):
    places = city.places.set_index("place_id")
    zones = city.areas(day)
    # Every neighbourhood lies in a zone of the side that holds it (or that it is besieged/contested in).
    state = city.control(day).set_index("place_id")
    for pid in places.index[places["kind"] == "neighbourhood"]:
        inside = zones[zones.geometry.intersects(places.geometry[pid].buffer(1e-6))]
        assert state.loc[pid, "controller"] in set(inside["side"]), (day, pid)
    # The city's own point (no state of its own) draws nothing and carves no wedge: the old city around it,
    # river included, is covered by its neighbourhoods' zones.
    assert "dar_al_nahr" not in set(city.cells["place_id"])
    centre = places.geometry["dar_al_nahr"]
    old_city = shapely.buffer(centre, 0.012)  # about 1.1 km
    covered = shapely.union_all(zones.geometry.to_numpy()).intersection(old_city).area / old_city.area
    assert covered > 0.99, f"{covered:.1%} of the old city has ground on {day}"
    # Nor is the city ringed by a gap: the villages around it keep a village's reach (about 4 km away, 3-6 km
    # apart), so the settled country out to the inner villages is covered too, but for the edges doubt leaves.
    country = shapely.buffer(centre, 0.035)  # about 3.5 km
    covered = shapely.union_all(zones.geometry.to_numpy()).intersection(country).area / country.area
    assert covered > 0.95, f"{covered:.1%} of the city and its near country has ground on {day}"
    # Zones are ground; fronts run only between enemies: never among the three allies, never the neutral.
    assert zones["ground"].all()
    allies = {"garrison", "guard", "militia"}
    for a, b in zip(*[city.front_lines(day)[c] for c in ("side_a", "side_b")]):
        assert not {a, b} <= allies and "border_state" not in (a, b), (day, a, b)


def test_bridges_are_marks_not_zones(city):
    infrastructure = {"bridge_1", "bridge_2", "bridge_3", "bridge_4", "bridge_5", "great_mosque"}
    assert not infrastructure & set(city.cells["place_id"])
    assert not infrastructure & set(city.area_intervals["place_id"].dropna())
    marks = city.marks("2024-04-20")
    contested = marks[marks["status"] == "contested"]
    assert set(contested["place_id"]) == {"bridge_1", "bridge_2", "bridge_3", "bridge_4", "bridge_5"}
    assert set(contested["challenger"]) == {"rebels"} and set(contested["side"]) == {"garrison"}
    assert (~marks["ground"]).all() and (marks.geometry.geom_type == "Point").all() and (marks["area_km2"] == 0).all()
    # The month before the crossing no zone in the attacker's colour lies across the river at a bridge.
    zones = city.areas("2024-04-20")
    bridge = city.place("bridge_3").geometry
    at_bridge = zones[zones.geometry.intersects(bridge.buffer(1e-6))]
    assert "contested" not in set(at_bridge["status"])


def test_a_place_with_no_state_takes_no_ground(city):
    assert "village_16" not in set(city.cells["place_id"])  # Wadi Sabun: nobody is said to hold it
    assert pd.isna(city.control("2024-01-01").set_index("place_id").loc["village_16", "controller"])


def _edited_city(tmp_path, places=None, meta=None):
    import shutil

    folder = tmp_path / "city"
    shutil.copytree(CITY, folder)
    if places:
        content = json.loads((folder / "places.geojson").read_text())
        for feature in content["features"]:
            places(feature["properties"])
        (folder / "places.geojson").write_text(json.dumps(content))
    if meta:
        content = json.loads((folder / "dataset.json").read_text())
        meta(content)
        (folder / "dataset.json").write_text(json.dumps(content))
    return folder


def test_a_parent_with_a_state_is_still_drawn_through_its_parts(tmp_path):
    def give_the_city_a_state(p):
        if p["place_id"] == "dar_al_nahr":
            p["control"] = [{"date": None, "controller": "garrison", "status": "held", "basis": "reported", "refs": [1]}]
    ds = jisrgeo.load(_edited_city(tmp_path, give_the_city_a_state))
    assert "dar_al_nahr" not in set(ds.cells["place_id"])

    def no_parts(p):
        give_the_city_a_state(p)
        p.pop("part_of", None)
    ds = jisrgeo.load(_edited_city(tmp_path / "2", no_parts))
    assert "dar_al_nahr" in set(ds.cells["place_id"])


def test_a_dataset_says_which_kinds_are_ground(tmp_path):
    def bridges_are_ground(meta):
        meta["place_kinds"] = {"bridge": {"label": "bridge", "ground": True},
                               "hospital": {"label": "hospital", "ground": False}}
    ds = jisrgeo.load(_edited_city(tmp_path, meta=bridges_are_ground))
    tiled = set(ds.cells["place_id"])
    assert "bridge_3" in tiled and "city_hospital" not in tiled
    assert "city_hospital" in set(ds.mark_intervals["place_id"])


@pytest.mark.parametrize("part_of,expected", [
    ("nowhere", "part_of: 'nowhere' is not a place in places.geojson"),
    ("hayy_00", "a place cannot be part of itself (hayy_00 -> hayy_00)"),
])
def test_validate_checks_part_of(tmp_path, cli, part_of, expected):
    def edit(p):
        if p["place_id"] == "hayy_00":
            p["part_of"] = part_of
    result = cli("validate", _edited_city(tmp_path, edit))
    assert result.exit_code != 0 and expected in result.output, result.output


def test_validate_finds_a_loop_of_parts(tmp_path, cli):
    def edit(p):
        if p["place_id"] == "dar_al_nahr":
            p["part_of"] = "hayy_00"
    result = cli("validate", _edited_city(tmp_path, edit))
    assert result.exit_code != 0 and "dar_al_nahr -> hayy_00 -> dar_al_nahr" in result.output, result.output


def test_front_distance_pairs_only_enemies(city, cli):
    day = "2024-07-15"
    near = city.front_distance(day)
    opposed = city.vocabulary.opposed
    paired = near[near["nearest_other_side"].notna()]
    assert len(paired) and all(opposed(a, b) for a, b in zip(paired["controller"], paired["nearest_other_side"]))
    # The neutral border state fights nobody: its places have no distance, and nobody's nearest is one of them.
    neutral = near[near["controller"] == "border_state"]
    assert len(neutral) and neutral["distance_m"].isna().all()
    assert "border_state" not in set(paired["nearest_other_side"])
    # A garrison neighbourhood next to a guard one (allies) measures to the rebels or jihadists across the river.
    assert set(paired.loc[paired["controller"].isin(["garrison", "guard", "militia"]), "nearest_other_side"]) <= {
        "rebels", "jihadists"}
    # The CLI says the same.
    rows = json.loads(cli("front", "--date", day, "--data", CITY, "--format", "json").stdout)
    assert {(r["controller"], r["nearest_other_side"]) for r in rows if r["nearest_other_side"]} == set(
        zip(paired["controller"], paired["nearest_other_side"]))


def test_an_isolated_place_holds_what_a_typical_one_does(bundled):
    # Latakia, Tartus, Damascus and Palmyra lie 50-200 km off the battle: no spacing of theirs is the
    # spacing of settled ground, so each holds the battle's typical reach, not the 12 km the sparsest
    # villages may, and the battle's curve is not made of them.
    reach = bundled.cells.set_index("place_id")["radius_m"]
    typical = reach.drop(["latakia", "tartus", "damascus", "palmyra"]).median()
    # Twice the median reach: the median moves with the data (al-Mastouma's hill, added from ref 73, shrank
    # three reaches near it), while a cap per kind (6 km for a city) would be over three times it.
    for pid in ("latakia", "tartus", "damascus", "palmyra"):
        assert reach[pid] <= 2 * typical, (pid, reach[pid], typical)
    assert reach.max() <= jisrgeo.areas.MAX_REACH_M


@pytest.mark.parametrize("seed", [3, 8])
def test_tiles_follow_their_definition_at_mixed_reaches(seed):
    """Each tile is the part of its disc to which no other place reaching there is nearer, however the reaches
    differ (a town's close quarters beside sparse villages): the cut in numpy for neighbours that reach as far,
    and GEOS's for those that reach less far, against the definition computed place by place."""
    import numpy as np

    rng = np.random.default_rng(seed)
    xy = np.round(np.vstack([rng.normal(0, 400, (25, 2)), rng.uniform(-6000, 6000, (25, 2))]), 1)
    reach = np.concatenate([rng.uniform(200, 700, 25), rng.uniform(1500, 4000, 25)])
    discs = shapely.buffer(shapely.points(xy), reach, quad_segs=jisrgeo.areas.QUAD_SEGS)
    tiles, _ = jisrgeo.areas._nearest_reaching(xy, reach, discs)
    for i in range(len(xy)):
        tile = discs[i]
        for j in range(len(xy)):
            if j == i:
                continue
            along = (xy[j] - xy[i]) / np.hypot(*(xy[j] - xy[i]))
            across = np.array([-along[1], along[0]])
            middle, size = (xy[i] + xy[j]) / 2, 2e5
            beyond = shapely.Polygon([middle + across * size, middle + across * size + along * size,
                                      middle - across * size + along * size, middle - across * size])
            tile = shapely.difference(tile, shapely.intersection(discs[j], beyond))
        assert shapely.area(shapely.symmetric_difference(tile, tiles[i])) < 1e-6 * max(tile.area, 1.0), i
