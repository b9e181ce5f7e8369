"""The exported QGIS project as QGIS 3.22 itself reads it (Debian's python3-qgis, headless).

Each battle is exported once; scripts/qgis_check.py opens the GeoPackage and the .qgs in PyQGIS
and reports what QGIS sees (layer tree, CRS, time settings, layouts) as JSON.
"""

import json
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

import jisrgeo
from helpers import edit_layer
from jisrgeo.export.layers import context_layers

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"
DATA_LAYERS = {"events", "control_intervals", "front_lines", "routes", "control_areas", "places", "control_changes"}


def _has_pyqgis():
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not _has_pyqgis() and not os.environ.get("CI"),
                                reason="Debian's python3-qgis is not installed")


def qgis_report(gpkg, *options):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([SYSTEM_PYTHON, str(ROOT / "scripts" / "qgis_check.py"), str(gpkg), *map(str, options)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


@pytest.fixture(scope="module", params=["bundled", "aleppo"])
def battle(request, tmp_path_factory):
    ds = jisrgeo.load() if request.param == "bundled" else jisrgeo.load(ROOT / "tests" / "fixtures" / "aleppo")
    out = tmp_path_factory.mktemp(f"qgis-{request.param}")
    gpkg = ds.to_gpkg(out / "battle.gpkg")
    # The first page of the key-days atlas is exported too (one more page costs seconds; all of them, minutes).
    return ds, gpkg, qgis_report(gpkg, "--pdf", out / "map.pdf", "--atlas-png", out, "--atlas-pages", 1)


def test_every_layer_tree_node_finds_its_layer(battle):
    _, _, report = battle
    tree = report["project"]["tree"]
    lost = [node["name"] for node in tree if not node["resolved"] or not node["valid"]]
    assert not lost, f"layer-tree nodes QGIS could not resolve: {lost}"
    assert DATA_LAYERS <= {node["table"] for node in tree if node["group"] == ""}
    # Ids survive the round trip: the tree points at the ids the project declared.
    assert {node["id"] for node in tree} == {info["id"] for info in report["project"]["layers"].values()}


def test_project_crs_is_projected_and_layers_stay_wgs84(battle):
    ds, _, report = battle
    crs = report["project"]["crs"]
    assert crs["valid"] and not crs["geographic"], crs
    assert "+units=m" in crs["proj"]
    assert all(info["crs"] == "EPSG:4326" for info in report["project"]["layers"].values())


@pytest.mark.parametrize("bounds, expected", [
    ((36.1, 35.6, 36.5, 36.0), "EPSG:32637"),  # Jisr al-Shughur: UTM 37N
    ((-60.0, -35.0, -58.0, -33.0), "EPSG:32721"),  # southern hemisphere: UTM 21S
    ((20.0, 10.0, 45.0, 40.0), "laea"),  # too wide for one zone: equal-area, centred
])
def test_project_crs_follows_the_extent(bounds, expected):
    from jisrgeo.export.qgis_project import project_crs

    crs = project_crs(bounds)
    assert crs.is_projected
    if expected == "laea":
        params = crs.to_dict()
        assert params["proj"] == "laea" and params["lon_0"] == 32.5 and params["lat_0"] == 25
    else:
        assert ":".join(crs.to_authority()) == expected


def test_context_layers_lie_under_the_data(battle):
    ds, _, report = battle
    tree = report["project"]["tree"]
    tables = [node["table"] for node in tree]
    context = [node for node in tree if node["group"] == "Context"]
    # Every kind of ground jisrgeo.maps.context has around the battle (borders at least) is in the project.
    expected = {f"context_{kind}" for kind in context_layers(ds)}
    assert "context_country" in expected and {node["table"] for node in context} == expected
    assert all(node["features"] > 0 for node in context)
    # Drawn under the data: every context node comes after every data layer in the tree.
    assert min(tables.index(node["table"]) for node in context) > max(tables.index(t) for t in DATA_LAYERS)


def test_temporal_controller_spans_the_period_day_by_day(battle):
    ds, _, report = battle
    start, end = ds.period
    project = report["project"]
    assert project["time_range"] == [f"{start:%Y-%m-%d}", f"{end + pd.Timedelta(days=1):%Y-%m-%d}"]
    assert project["time_step"] == [1.0, 4]  # one QgsUnitTypes::TemporalDays
    for table in ("control_intervals", "events", "control_areas", "front_lines"):
        assert project["layers"][table]["temporal"]["active"], table


def test_states_are_styled_by_status_and_basis(battle):
    ds, _, report = battle
    layers = report["project"]["layers"]
    states = layers["control_intervals"]
    assert states["renderer"] == "RuleRenderer"
    labels = [(rule["parent"], rule["label"]) for rule in states["rules"]]
    # One legend entry per state present in the data, under its side's heading, in the side's colour.
    for side, status in {(s, st) for s, st in zip(ds.timeline()["controller"], ds.timeline()["status"])}:
        entries = [r for r in states["rules"] if r["parent"] == ds.vocabulary.label(side) and r["label"].startswith(status)]
        assert entries and all(r["color"] == ds.sides[side].color for r in entries), (side, status, labels)
    assert layers["control_areas"]["renderer"] == "RuleRenderer"
    assert "≈" in layers["places"]["label_expression"] and "≈" in states["label_expression"]


def test_print_layout_exports_a_dated_credited_pdf(battle, tmp_path):
    ds, gpkg, report = battle
    assert report["project"]["layouts"] == ["Map", "Key days"]
    assert report["project"]["export"]["pdf"] == 0  # QgsLayoutExporter.Success
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: scripts/setup-test-tools.sh")
    text = subprocess.run(["pdftotext", "-layout", str(gpkg.parent / "map.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(unicodedata.normalize("NFKC", text).split())  # NFKC: the PDF's "ﬁ" ligature is "fi"
    last = ds.period[1]
    assert ds.name in flat
    assert f"{last.day} {last:%B %Y}" in flat  # the map's date, from the title's expression
    assert "Natural Earth" in flat and "jisrgeo" in flat


def test_a_battle_wider_than_a_utm_zone_gets_a_local_equal_area_projection(mini_copy, tmp_path):
    def spread(content):  # the mini battle's three places 24 degrees apart, across the equator
        for feature, lonlat in zip(content["features"], [[20.0, -4.0], [30.0, 2.0], [44.0, 9.0]]):
            feature["geometry"]["coordinates"] = lonlat

    edit_layer(mini_copy, "places.geojson", spread)
    gpkg = jisrgeo.load(mini_copy).to_gpkg(tmp_path / "wide.gpkg")
    project = qgis_report(gpkg)["project"]
    crs = project["crs"]
    assert crs["valid"] and not crs["geographic"] and "+proj=laea" in crs["proj"], crs
    assert "Equal-area" in crs["description"]
    assert all(node["resolved"] for node in project["tree"])


def test_dataset_text_reaches_the_layout_verbatim_never_as_an_expression(mini_copy, tmp_path):
    name = "Siege <of> \"X\" & [% 'evil' || 'code' %]"
    source = "a [% @project_title %] source & <b>"
    meta = json.loads((mini_copy / "dataset.json").read_text(encoding="utf-8"))
    (mini_copy / "dataset.json").write_text(json.dumps({**meta, "name": name, "source": source}), encoding="utf-8")
    gpkg = jisrgeo.load(mini_copy).to_gpkg(tmp_path / "hostile.gpkg")
    report = qgis_report(gpkg, "--pdf", tmp_path / "hostile.pdf")
    assert report["project"]["title"] == name and report["project"]["export"]["pdf"] == 0
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: scripts/setup-test-tools.sh")
    text = subprocess.run(["pdftotext", str(tmp_path / "hostile.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(unicodedata.normalize("NFKC", text).split())
    assert name in flat and f"Source: {source}" in flat and "evilcode" not in flat


def test_key_days_atlas_has_a_page_per_key_day_at_its_frame_and_date(battle):
    from jisrgeo.build import key_days

    ds, _, report = battle
    pages = report["project"]["atlas"]["Key days"]
    days = [f"{d:%Y-%m-%d}" for d in key_days(ds, *ds.period)]
    assert [p[0] for p in pages] == days
    assert [p[1] for p in pages] == days  # each page's map shows its own day
    widths = {round(p[2][2] - p[2][0]) for p in pages}
    assert len(widths) >= 2  # framed on each day's action, not one frame for all


def test_the_legend_lists_what_is_drawn_and_fits_any_number_of_sides(battle):
    from jisrgeo.export.qgis_project import LEGEND_MAX_COLUMNS, LEGEND_ROWS, legend_layout

    ds, _, report = battle
    categories = set(report["project"]["layers"]["events"]["categories"])
    assert categories and categories <= set(ds.events["type"])  # no symbol for a type the data never has
    for entries in (20, 90, 200):
        columns, size = legend_layout(entries)
        assert columns <= LEGEND_MAX_COLUMNS
        assert entries * size / 6.5 <= LEGEND_ROWS * columns + 1e-9 or size == 4.0


def test_an_exported_atlas_page_shows_a_map_not_a_blank_page(battle):
    from PIL import Image

    from jisrgeo.build import key_days
    from jisrgeo.export.qgis_project import MAP_BOX, PAGE

    ds, gpkg, report = battle
    assert len(report["project"]["atlas"]["Key days"]) == len(key_days(ds, *ds.period))
    ((name, result, path, legend),) = report["project"]["atlas_png"]["Key days"]
    assert result == 0 and name == report["project"]["atlas"]["Key days"][0][0]
    image = Image.open(path).convert("RGB")
    assert abs(image.width / image.height - PAGE[0] / PAGE[1]) < 0.01
    scale = image.width / PAGE[0]  # pixels per millimetre
    x, y, w, h = (round(v * scale) for v in MAP_BOX)
    inside = image.crop((x + 2, y + 2, x + w - 2, y + h - 2))
    colours = inside.getcolors(maxcolors=1 << 20)
    # A drawn map: many colours (fills, hatching, labels), none covering nearly all of the frame.
    assert len(colours) > 200 and max(count for count, _ in colours) < 0.8 * inside.width * inside.height
    # The legend lists the event types drawn on the page's day (as QGIS animates the layer: from its date,
    # up to its end date excluded), not every type of the battle.
    events = pyogrio.read_dataframe(gpkg, layer="events", read_geometry=False)
    day = pd.Timestamp(name)
    start, end = pd.to_datetime(events["date"]), pd.to_datetime(events["end_date"])
    drawn = events[(start <= day) & (end.isna() | (end > day))]
    assert legend["events"] == drawn["type"].nunique() < events["type"].nunique(), (legend, sorted(set(drawn["type"])))


# Every feature's attributes as QGIS reads them, and the fields (name, type), of each GeoJSON file given.
QGIS_READ = """
import json, sys
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
out = []
for path in sys.argv[1:]:
    layer = QgsVectorLayer(path, "layer", "ogr")
    out.append([layer.isValid(), [[f.name(), f.typeName()] for f in layer.fields()],
                [[str(v) for v in f.attributes()] for f in layer.getFeatures()]])
print(json.dumps(out))
"""


def test_qgis_reads_the_compact_geojson_as_gdals_own(tmp_path):
    """A GeoJSON export leaves null properties out after the first feature (writers._compact_geojson); QGIS reads
    the same fields, types and values as from GDAL's own file of the same layer (events: most killed_* are null)."""
    from jisrgeo.export import export_layers
    from jisrgeo.export.writers import GEOJSON_OPTIONS

    ds = jisrgeo.load()
    ds.to_geojson(tmp_path / "gj")
    pyogrio.write_dataframe(export_layers(ds)["events"], tmp_path / "gdal.geojson", driver="GeoJSON",
                            layer_options=GEOJSON_OPTIONS)
    run = subprocess.run([SYSTEM_PYTHON, "-c", QGIS_READ, str(tmp_path / "gdal.geojson"), str(tmp_path / "gj" / "events.geojson")],
                         capture_output=True, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    gdal, ours = json.loads(run.stdout.strip().splitlines()[-1])
    assert gdal[0] and ours[0] and len(ours[2]) == len(ds.events)
    assert ours[1] == gdal[1] and ours[2] == gdal[2]
    assert (tmp_path / "gj" / "events.geojson").stat().st_size < (tmp_path / "gdal.geojson").stat().st_size
