"""Estimated zones and fronts against generated battles whose right answer is known (tests/battlegen.py)."""

import json

import numpy as np
import pytest
import shapely

import jisrgeo

from battlegen import DAYS, alliance_battle, front_battle, measure, measure_front_battle, misses

INTERIOR_SHRINK_M = 4000
NEAR_M = 3500
STEP_M = 250


def _metric(battle, geometries):
    return shapely.transform(np.asarray(list(geometries), dtype=object),
                             lambda xy: np.column_stack(battle.to_metric.transform(xy[:, 0], xy[:, 1])))


def _samples(polygon, step=STEP_M):
    x0, y0, x1, y1 = polygon.bounds
    xs, ys = np.meshgrid(np.arange(x0, x1, step), np.arange(y0, y1, step))
    points = shapely.points(xs.ravel(), ys.ravel())
    return points[shapely.contains(polygon, points)]


def _along(line, step=100.0):
    parts = [p for p in shapely.get_parts(line) if p.length > 0]
    return np.concatenate([shapely.line_interpolate_point(p, np.arange(0, p.length, step)) for p in parts]) if parts else []


@pytest.fixture(scope="module", params=[7, 11, 23])
def battle(request, tmp_path_factory):
    truth = front_battle(tmp_path_factory.mktemp(f"battle{request.param}"), seed=request.param)
    return truth, jisrgeo.load(truth.folder)


@pytest.mark.parametrize("day", [0, 1])
def test_the_settled_interior_goes_to_the_right_side(battle, day):
    truth, ds = battle
    interior = shapely.buffer(truth.hull(), -INTERIOR_SHRINK_M)
    points = _samples(interior)
    zones = ds.areas(DAYS[day])
    shapes = _metric(truth, zones.geometry)
    tree = shapely.STRtree(shapes)
    point_i, zone_i = tree.query(points, predicate="within")
    given = np.full(len(points), None, dtype=object)
    given[point_i] = zones["side"].to_numpy()[zone_i]
    assigned = given != None  # noqa: E711 (elementwise)
    right = given[assigned] == truth.side(shapely.get_x(points[assigned]), shapely.get_y(points[assigned]), day)
    assert assigned.mean() >= 0.95, f"only {assigned.mean():.1%} of the settled interior given to a side"
    assert right.mean() >= 0.90, f"only {right.mean():.1%} of the given interior on the right side"


@pytest.mark.parametrize("day", [0, 1])
def test_the_derived_front_follows_the_true_one(battle, day):
    truth, ds = battle
    fronts = ds.front_lines(DAYS[day])
    assert set(zip(fronts["side_a"], fronts["side_b"])) == {("government", "opposition")}
    derived = shapely.union_all(_metric(truth, fronts.geometry))
    interior = shapely.buffer(truth.hull(), -INTERIOR_SHRINK_M)
    true_inside = shapely.intersection(truth.fronts[day], interior)
    covered = shapely.dwithin(_along(true_inside), derived, NEAR_M).mean()
    faithful = shapely.dwithin(_along(derived), truth.fronts[day], NEAR_M).mean()
    assert covered >= 0.85, f"only {covered:.1%} of the true front has a derived front within 3.5 km"
    assert faithful >= 0.80, f"only {faithful:.1%} of the derived front lies within 3.5 km of the true one"
    # Lengths are stated and agree with the geometry, within the projection's error.
    measured = sum(jisrgeo.areas.GEOD.geometry_length(g) for g in fronts.geometry) / 1000
    assert fronts["length_km"].sum() == pytest.approx(measured, rel=0.01)


@pytest.mark.parametrize("day", [0, 1])
def test_each_side_holds_contiguous_ground(battle, day):
    truth, ds = battle
    zones = ds.areas(DAYS[day])
    for side, group in zones.groupby("side"):
        pieces = shapely.get_parts(shapely.union_all(_metric(truth, group.geometry)))
        assert len(pieces) <= 2, f"{side} is split into {len(pieces)} pieces on day {day + 1}"


def test_the_front_shift_of_day_two_moves_the_zones(battle):
    truth, ds = battle
    # A point in the middle of the bulge: opposition on day 1, government on day 2.
    x = (truth.fronts[0].interpolate(0.5, normalized=True).x + truth.fronts[1].interpolate(0.5, normalized=True).x) / 2
    lon, lat = truth.to_lonlat.transform(x, 0.0)
    point = shapely.Point(lon, lat)
    sides = [set(ds.areas(d).loc[ds.areas(d).intersects(point), "side"]) for d in DAYS]
    assert sides == [{"opposition"}, {"government"}]


def test_doubt_never_adds_ground(tmp_path):
    for seed in (7, 11, 23):
        doubtful = jisrgeo.load(front_battle(tmp_path / f"doubt{seed}", seed=seed).folder)
        sure = jisrgeo.load(front_battle(tmp_path / f"sure{seed}", seed=seed, doubt_m=300).folder)
        for day in DAYS:
            with_doubt = doubtful.areas(day).groupby("side")["area_km2"].sum()
            without = sure.areas(day).groupby("side")["area_km2"].sum()
            growth = (with_doubt / without - 1).max()
            assert growth <= 0.0, f"doubt grew a side's area by {growth:.1%} (seed {seed}, {day})"
        # The doubtful village itself stands for less ground, never more.
        cells = [d.cells.set_index("place_id").geometry for d in (doubtful, sure)]
        pid = [p for p in doubtful.places["place_id"] if doubtful.place(p)["precision_m"] == 8000][0]
        assert cells[0][pid].area < cells[1][pid].area


def test_no_front_against_a_neutral_side_nor_between_allies(tmp_path, cli):
    ds = jisrgeo.load(alliance_battle(tmp_path / "kobani"))
    assert ds.sides["border_state"].neutral and set(ds.sides["ypg"].allies) == {"fsa", "peshmerga"}
    fronts = ds.front_lines("2014-10-01")
    pairs = set(zip(fronts["side_a"], fronts["side_b"]))
    assert pairs == {("islamic_state", "peshmerga")}
    # Every side's ground is still drawn, the neutral's in its own colour.
    assert set(ds.areas("2014-10-01")["side"]) == {"border_state", "ypg", "fsa", "peshmerga", "islamic_state"}
    # The same through the CLI, as GeoJSON.
    out = json.loads(cli("frontlines", "--date", "2014-10-01", "--data", tmp_path / "kobani", "--format", "geojson").stdout)
    assert {(f["properties"]["side_a"], f["properties"]["side_b"]) for f in out["features"]} == pairs
    # Without the declarations the same ground has fronts between every pair of neighbouring sides.
    meta = json.loads((tmp_path / "kobani" / "dataset.json").read_text())
    meta["sides"] = {code: {"label": side["label"]} for code, side in meta["sides"].items()}
    (tmp_path / "kobani" / "dataset.json").write_text(json.dumps(meta))
    plain = jisrgeo.load(tmp_path / "kobani").front_lines("2014-10-01")
    assert len(set(zip(plain["side_a"], plain["side_b"]))) >= 6


def test_allies_are_symmetric_and_only_declared_sides(tmp_path, cli):
    folder = alliance_battle(tmp_path / "k")
    meta = json.loads((folder / "dataset.json").read_text())
    meta["sides"]["ypg"]["allies"] = ["fsa", "nobody"]
    (folder / "dataset.json").write_text(json.dumps(meta))
    result = cli("validate", folder)
    assert result.exit_code != 0 and "sides.ypg.allies[1]: 'nobody' is not one of" in result.output
    meta["sides"]["ypg"]["allies"] = ["fsa"]
    meta["sides"]["fsa"].pop("allies")
    meta["sides"]["peshmerga"].pop("allies")
    (folder / "dataset.json").write_text(json.dumps(meta))
    ds = jisrgeo.load(folder)
    assert ds.sides["fsa"].allies == ("ypg",) and ds.sides["ypg"].allies == ("fsa",)
    assert ds.vocabulary.opposed("fsa", "peshmerga") and not ds.vocabulary.opposed("fsa", "ypg")
    pairs = set(zip(*[ds.front_lines("2014-10-01")[c] for c in ("side_a", "side_b")]))
    assert ("fsa", "peshmerga") in pairs and ("fsa", "ypg") not in pairs


def test_regions_and_collective_places_hold_no_ground(bundled, tmp_path):
    # The bundled battle's governorate, plain and "villages on the Ariha–Latakia road" draw no zone.
    tiled = set(bundled.cells["place_id"])
    assert not tiled & {"idlib_governorate", "ghab_plain", "ariha_latakia_road_villages"}
    assert {"jisr_al_shughur", "frikah", "idlib"} <= tiled
    # A dataset's own kind marked as a region is treated the same way.
    truth = front_battle(tmp_path / "b", seed=7)
    places = json.loads((truth.folder / "places.geojson").read_text())
    places["features"][0]["properties"]["kind"] = "village_cluster"
    (truth.folder / "places.geojson").write_text(json.dumps(places))
    meta = json.loads((truth.folder / "dataset.json").read_text())
    meta["place_kinds"] = {"village_cluster": {"label": "Villages along a road", "region": True}}
    (truth.folder / "dataset.json").write_text(json.dumps(meta))
    ds = jisrgeo.load(truth.folder)
    assert "v000" not in set(ds.cells["place_id"]) and "v001" in set(ds.cells["place_id"])


def test_a_place_kept_only_because_nobody_reports_a_change(bundled):
    # Frikah's government state is the initial one; once the ground around it has fallen it is marked as such.
    def frikah(day):
        zones = bundled.areas(day)
        point = bundled.place("frikah").geometry
        return zones.loc[zones.intersects(point), ["side", "basis"]].iloc[0].tolist()

    assert frikah("2015-04-20") == ["government", "inferred"]
    assert frikah("2015-06-06") == ["government", "unreported_change"]
    assert set(bundled.area_intervals["basis"]) == {"reported", "inferred", "unreported_change"}


# -- reach from local spacing (issue 33): the goals at every spacing, on battles varied as the world is ------

SPACED_CASES = [
    dict(spacing_km=0.3),                                     # city blocks
    dict(spacing_km=1.0, sides=5),                            # five sides, two of them allies
    dict(spacing_km=3.2, clusters=6),                         # towns ringed by checkpoints
    dict(spacing_km=5.5),                                     # the sparse villages issue 33 failed on
    dict(spacing_km=5.5, sinuous=False),
    dict(spacing_km=8.0, sides=8, clusters=4),                # the sparsest, eight sides, two alliances
]


@pytest.mark.parametrize("options", SPACED_CASES, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_the_zones_meet_their_goals_at_any_spacing(options):
    figures = measure(7, **options)
    assert not misses(figures), f"{options}: {misses(figures)} ({figures})"


def test_the_zones_do_not_depend_on_the_scale():
    # Everything in the generator scales with the spacing; so does the reach: the same battle drawn with
    # city blocks or with villages 5 km apart scores the same (a cap in kilometres would break this).
    small, large = measure(11, 0.3), measure(11, 5.0)
    for key in ("given", "right", "covered", "faithful", "pieces"):
        assert small[key] == pytest.approx(large[key], abs=0.002), key


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_issue_33s_sparse_valley(seed):
    # The first generator with villages 5.5 km apart and 18 % of the grid empty, judged within a fixed
    # 3.5 km, as the issue reported it (77 % given, 80-89 % of the front found, 2-3 pieces a side).
    figures = measure_front_battle(seed, 5.5, 0.18)
    assert figures["given"] >= 0.95 and figures["covered"] >= 0.85 and figures["faithful"] >= 0.80, figures
    assert figures["pieces"] <= 2 and figures["doubt_growth"] == 0.0, figures
    # Its front wiggles 1.2 km over 10 km, finer than villages 5.5 apart can show: 88.6 % at seed 7.
    assert figures["right"] >= 0.88, figures
