"""QGIS styles and project are built with ElementTree (export/qgis.py, export/qgis_project.py): any text a
dataset brings (side labels, the battle's name, credits) reaches the XML as escaped text, never as markup."""

import json
import sqlite3
import xml.etree.ElementTree as ET

import pandas as pd

import jisrgeo
from jisrgeo.export.layers import export_layers
from jisrgeo.export.qgis import layer_qml
from jisrgeo.export.qgis_project import project_xml

from helpers import FIXTURES

HOSTILE = "Rebels <b>\"A&B\"</b> 'x' ]]> &amp;"


def _city_with_hostile_labels(tmp_path):
    import shutil

    folder = tmp_path / "city"
    shutil.copytree(FIXTURES / "city", folder)
    meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    meta["sides"]["rebels"]["label"] = HOSTILE
    meta["sides"]["garrison"]["label"] = "Garrison\x0bof the <city>"  # a control character XML cannot hold
    meta["name"] = "Siege of <Dar> & \"al-Nahr\""
    (folder / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    return jisrgeo.load(folder)


def _labels(style):
    root = ET.fromstring(style)
    return {node.get("label") for node in root.iter() if node.tag in ("rule", "category")}


def test_a_side_label_with_markup_survives_into_every_style_and_the_project(tmp_path):
    ds = _city_with_hostile_labels(tmp_path)
    styles = layer_qml(ds.vocabulary, export_layers(ds))
    areas, points, changes = (_labels(styles[name][1]) for name in ("control_areas", "control_intervals",
                                                                    "control_changes"))
    assert HOSTILE in areas and HOSTILE in points and HOSTILE in changes
    assert f"contested by {HOSTILE}" in areas
    # The character XML 1.0 cannot hold becomes U+FFFD; the rest of the label is kept.
    assert "Garrison\ufffdof the <city>" in areas
    start, end = ds.period
    project = project_xml(ds.name, "city.gpkg", start, end + pd.Timedelta(days=1), ds.vocabulary,
                          (36.0, 35.0, 36.1, 35.1), export_layers(ds), credits=HOSTILE)
    root = ET.fromstring(project.split("\n", 2)[2])
    assert root.findtext("title") == ds.name and root.get("projectname") == ds.name
    assert [v.text for v in root.iter("value")][-1] == HOSTILE
    assert HOSTILE in {node.get("label") for node in root.iter("rule")}


def test_the_gpkg_stores_the_same_escaped_styles_twice_over(tmp_path):
    ds = _city_with_hostile_labels(tmp_path)
    paths = [ds.to_gpkg(tmp_path / f"{i}" / "city.gpkg") for i in range(2)]
    stored = []
    for path in paths:
        with sqlite3.connect(path) as db:
            stored.append(dict(db.execute("SELECT f_table_name, styleQML FROM layer_styles").fetchall()))
    assert stored[0] == stored[1]  # deterministic
    assert HOSTILE in _labels(stored[0]["control_areas"])
    assert paths[0].with_suffix(".qgs").read_bytes() == paths[1].with_suffix(".qgs").read_bytes()


def test_each_layout_keeps_labels_off_its_own_scale_bar_and_arrow_and_filters_its_legend_by_day(tmp_path):
    ds = _city_with_hostile_labels(tmp_path)
    start, end = ds.period
    project = project_xml(ds.name, "city.gpkg", start, end + pd.Timedelta(days=1), ds.vocabulary,
                          (36.0, 35.0, 36.1, 35.1), export_layers(ds), atlas=[(start, (36.0, 35.0, 36.1, 35.1))])
    root = ET.fromstring(project.split("\n", 2)[2])
    layouts = root.find("Layouts").findall("Layout")
    assert [layout.get("name") for layout in layouts] == ["Map", "Key days"]
    for layout in layouts:
        uuids = {item.get("id"): item.get("uuid") for item in layout.iter("LayoutItem")}
        (map_item,) = [item for item in layout.iter("LayoutItem") if item.get("id") == "map"]
        blocking = {item.get("uuid") for item in map_item.find("labelBlockingItems")}
        assert blocking == {uuids["scalebar"], uuids["north"]}
        (legend,) = [item for item in layout.iter("LayoutItem") if item.get("id") == "legend"]
        filtered = {node.get("name") for node in legend.iter("layer-tree-layer")
                    if any(o.get("name") == "legend/expressionFilter" for o in node.iter("Option"))}
        assert filtered == {"Events", "Control of places", "Front lines (estimated)", "Areas of control (estimated)"}
        # Six sides: no layer is longer than a column, so none is split from its heading.
        assert legend.get("splitLayer") == "0"
