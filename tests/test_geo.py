"""Distances, bearings, routes and spatial queries, checked against values computed independently."""

import json
import math

import numpy as np
import pytest

import jisrgeo
from jisrgeo.geodesy import compass, distance_matrix, line_length
from jisrgeo.query import parse_radius

# WGS84 constants: one degree of longitude on the equator is a * pi / 180.
A = 6378137.0


def haversine(lon1, lat1, lon2, lat2, r=6371008.8):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def test_one_degree_of_longitude_on_the_equator():
    result = jisrgeo.distance((0, 0), (1, 0))
    assert result.distance_m == pytest.approx(A * math.pi / 180, abs=0.1)
    assert result.bearing_deg == pytest.approx(90)


def test_one_degree_of_latitude_at_the_equator_is_the_known_meridian_arc():
    # Meridian arc from 0 to 1 degree N on WGS84: 110,574.4 m (standard tables).
    assert jisrgeo.distance((0, 0), (0, 1)).distance_m == pytest.approx(110574.4, abs=1)


def test_place_distances_agree_with_a_spherical_formula(bundled):
    a, b = bundled.place("hospital").geometry, bundled.place("Ariha").geometry
    result = jisrgeo.distance("hospital", "Ariha", bundled)
    assert result.distance_m == pytest.approx(haversine(a.x, a.y, b.x, b.y), rel=0.005)
    assert 80 < result.bearing_deg < 95 and compass(result.bearing_deg) == result.compass == "E"


def test_compass_points():
    assert [compass(b) for b in (0, 11, 12, 45, 90, 180, 225, 315, 359)] == ["N", "N", "NNE", "NE", "E", "S", "SW", "NW", "N"]


def test_route_length_is_geodesic_along_the_line():
    from shapely.geometry import LineString

    line = LineString([(0, 0), (1, 0), (1, 1)])
    assert line_length(line) == pytest.approx(A * math.pi / 180 + jisrgeo.distance((1, 0), (1, 1)).distance_m, abs=0.5)


def test_breakout_route_is_about_3_km(bundled):
    route = bundled.routes.set_index("route_id").loc["hospital_breakout"]
    assert route["stated_length_m"] == 3000 and route["schematic"]
    assert line_length(route.geometry) == pytest.approx(3000, rel=0.02)


def test_distance_matrix_matches_pairwise_calls(bundled):
    m = bundled.distance_matrix(["hospital", "Ariha", "Idlib"])
    assert m.loc["national_hospital", "ariha"] == pytest.approx(jisrgeo.distance("hospital", "Ariha", bundled).distance_m, abs=0.1)
    assert np.allclose(m.to_numpy(), m.to_numpy().T) and (np.diag(m) == 0).all()
    assert distance_matrix([0, 1], [0, 0])[0, 1] == pytest.approx(A * math.pi / 180, abs=0.1)


@pytest.mark.parametrize("text,metres", [("10km", 10000), ("500m", 500), ("2.5 km", 2500), ("750m", 750), ("1KM", 1000)])
def test_radius_units(text, metres):
    assert parse_radius(text) == metres


@pytest.mark.parametrize("text", ["10kmm", "km", "-5km", "ten km", "nan", "10", "0.5"])
def test_bad_radius_units(text):
    with pytest.raises(ValueError):
        parse_radius(text)


def test_a_bare_number_is_refused_with_the_units_to_give(cli):
    with pytest.raises(ValueError, match="give a unit: 10km or 10m"):
        parse_radius("10")
    result = cli("within", "hospital", "10")
    assert result.exit_code == 2 and "give a unit: 10km or 10m" in result.output


def test_distance_is_a_documented_named_tuple(bundled):
    result = bundled.distance("hospital", "Ariha")
    assert isinstance(result, jisrgeo.Distance) and isinstance(result, tuple)
    assert result._fields == ("origin", "destination", "distance_m", "bearing_deg")
    assert result == jisrgeo.distance("hospital", "Ariha", bundled) == jisrgeo.distance("hospital", "Ariha")
    assert result.km == pytest.approx(result.distance_m / 1000)
    for field in result._fields:
        assert field in type(result).__doc__ and field in jisrgeo.Dataset.distance.__doc__
    # Coordinates need no dataset, and bad ones are refused with the argument's name.
    assert jisrgeo.distance((36.0, 35.0), (37.0, 35.0)).origin == "(36.0, 35.0)"
    with pytest.raises(ValueError, match="a = "):
        jisrgeo.distance((360, 0), (0, 0))


def test_within_radius_with_control(bundled):
    hits = bundled.within("hospital", 10000, date="2015-05-09", controller="opposition")
    assert hits["distance_m"].is_monotonic_increasing and (hits["distance_m"] <= 10000).all()
    assert (hits["controller"] == "opposition").all()
    assert "jisr_al_shughur" in set(hits["place_id"]) and "national_hospital" not in set(hits["place_id"])
    before = bundled.within("hospital", 10000, date="2015-04-22", controller="government")
    assert (before["controller"] == "government").all() and "jisr_al_shughur" in set(before["place_id"])
    # Within 10 km of the besieged hospital on 9 May the army held only Frikah village (no source says it fell).
    assert list(bundled.within("hospital", 10000, date="2015-05-09", controller="government")["place_id"]) == ["frikah"]


def test_nearest(bundled):
    near = bundled.nearest("Ariha", n=2)
    assert list(near["place_id"]) == ["nahlaya", "al_qarmid_camp"]  # the camp lies near Ariha (ref 68, issue 26)


def test_front_distance_pairs_each_place_with_the_other_side(bundled):
    front = bundled.front_distance("2015-05-10").set_index("place_id")
    assert front.loc["national_hospital", "nearest_other_side"] == "opposition"
    assert front.loc["national_hospital", "nearest_other_place"] == "jisr_al_shughur"
    assert front.loc["national_hospital", "distance_m"] == pytest.approx(
        jisrgeo.distance("hospital", "jisr_al_shughur", bundled).distance_m, abs=0.1)


def test_cli_distance_json_and_table(cli):
    result = json.loads(cli("distance", "hospital", "Ariha", "--format", "json").stdout)
    assert set(result) == {"origin", "destination", "distance_m", "bearing_deg"}
    assert result["origin"] == "national_hospital" and result["destination"] == "ariha"
    text = cli("distance", "36.0,35.0", "37.0,35.0").stdout
    assert "km" in text and "(E)" in text


def test_cli_within_route_matrix_front(cli):
    rows = json.loads(cli("within", "hospital", "10km", "--date", "2015-05-09", "--format", "json").stdout)
    assert rows[0]["place_id"] == "jisr_al_shughur" and set(rows[0]) == {"place_id", "name", "distance_m", "controller", "status"}
    bad = cli("within", "hospital", "10kmm")
    assert bad.exit_code == 2 and "not a distance" in bad.output
    routes = json.loads(cli("route", "hospital_breakout", "--format", "json").stdout)
    assert routes[0]["length_m"] == pytest.approx(3000, rel=0.02)
    matrix = json.loads(cli("matrix", "hospital", "Ariha", "--format", "json").stdout)
    assert matrix[0]["place_id"] == "national_hospital" and matrix[0]["ariha"] == pytest.approx(27.2, abs=0.1)
    front = json.loads(cli("front", "--date", "2015-05-10", "--format", "json").stdout)
    assert all(r["distance_m"] >= 0 for r in front)


def test_andoyer_matrix_is_within_1e5_of_geodesics():
    rng = np.random.default_rng(3)
    lons, lats = rng.uniform(35.7, 42.3, 300), rng.uniform(32.3, 37.3, 300)
    exact = distance_matrix(lons, lats)
    fast = distance_matrix(lons, lats, method="andoyer")
    off = np.abs(fast - exact)[exact > 0] / exact[exact > 0]
    assert off.max() < 1e-5
    with pytest.raises(ValueError):
        distance_matrix(lons, lats, method="flat")
