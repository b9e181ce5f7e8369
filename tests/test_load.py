import json
import subprocess
import sys

import pytest

from jisrgeo import UnknownPlace


def test_bundled_layers_are_geodataframes_in_wgs84(bundled):
    for layer in (bundled.places, bundled.events, bundled.routes):
        assert layer.crs.to_epsg() == 4326
        assert layer.geometry.notna().all()
    assert len(bundled.sources) == 82
    assert bundled.sources["ref"].tolist() == list(range(1, 83))


def test_every_fact_cites_a_known_reference(bundled):
    known = set(bundled.sources["ref"])
    for layer in (bundled.places, bundled.events, bundled.routes):
        for refs in layer["refs"]:
            assert refs and set(refs) <= known
    for refs in bundled.control_changes["refs"]:
        assert refs and set(refs) <= known


def test_places_named_in_the_brief_are_present(bundled):
    for name in ["Jisr al-Choghour", "hôpital national", "Ishtabraq", "al-Mastouma", "Ariha", "al-Sermania",
                 "Tal Waset", "al-Qahera", "al-Mansura", "Tal Hekmah", "al-Alawin", "Frikah", "Nahlaya",
                 "Maamal al-Karmid", "barrage de Maassara", "Abou Douhour", "Darkoush", "Idleb",
                 "Lattaquié", "Palmyre", "Ghab"]:
        bundled.resolve(name)


@pytest.mark.parametrize("spelling", ["Jisr al-Choghour", "jisr ash-shughur", "جسر الشغور", "JISR EL-CHOUGHOUR",
                                      "Jisr al Shughur", "jisr_al_shughur"])
def test_aliases_find_the_city(bundled, spelling):
    assert bundled.resolve(spelling) == "jisr_al_shughur"


@pytest.mark.parametrize("spelling,place_id", [("Lattaquie", "latakia"), ("Palmyre", "palmyra"), ("tadmur", "palmyra"),
                                               ("Abu al-Duhur", "abu_al_duhur_airbase"), ("el-Mastouma", "al_mastouma"),
                                               ("Mastouma", "al_mastouma"), ("المسطومة", "al_mastouma")])
def test_aliases_are_accent_case_and_article_insensitive(bundled, spelling, place_id):
    assert bundled.resolve(spelling) == place_id


def test_unknown_place_suggests_close_names(bundled):
    with pytest.raises(UnknownPlace) as info:
        bundled.place("Jisr al-Choghur")
    assert "Jisr al-Shughur" in info.value.suggestions
    assert "did you mean" in str(info.value)


def test_load_a_folder_in_the_same_layout(mini):
    assert sorted(mini.places["place_id"]) == ["alpha", "bravo", "charlie"]
    assert mini.place("ALPHA")["name"] == "Alpha"
    assert mini.place("Bravo")["kind"] == "hospital"


def test_events_carry_casualties_by_side(bundled):
    ev = bundled.events.set_index("event_id").loc["2015-05-10-hospital-assault"]
    assert ev["killed_government_best"] == 32 and ev["killed_opposition_best"] == 40
    assert ev["claimant"] == "Syrian Observatory for Human Rights"


def test_rival_claims_stay_separate_records(bundled):
    darkoush = bundled.events[bundled.events["incident"] == "2015-04-26-darkoush"]
    assert sorted(darkoush["killed_unknown_best"].astype(int)) == [40, 53]  # the article does not say civilians
    assert darkoush["claimant"].nunique() == 2


def test_installed_package_ships_the_data_and_works_from_any_directory(tmp_path):
    out = subprocess.run([sys.executable, "-m", "jisrgeo.cli", "place", "Ariha", "--format", "json"], cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["place_id"] == "ariha"


def test_import_does_not_load_mapping_libraries():
    code = ("import sys, jisrgeo; ds = jisrgeo.load(); ds.control('2015-05-10'); "
            "print([m for m in ('folium', 'matplotlib', 'branca') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_help_does_not_import_geopandas():
    code = "import sys; from jisrgeo.cli import main; print('geopandas' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
