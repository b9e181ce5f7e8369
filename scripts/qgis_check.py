"""Open a jisrgeo GeoPackage and its .qgs project in headless PyQGIS and report what QGIS sees, as JSON.

Run with the interpreter that has Debian's python3-qgis (not a virtualenv):

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py maps/data/jisrgeo.gpkg

Options: --pdf FILE exports the project's print layout as PDF; --png DATE FILE renders the
layout at DATE (YYYY-MM-DD) as a PNG (repeatable), as File > Export does with the Temporal
Controller at that day.
"""

import argparse
import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsDateTimeRange, QgsLayoutExporter, QgsLayoutItemLegend, QgsLayoutItemMap,  # noqa: E402
                       QgsProject, QgsRenderContext, QgsVectorLayer)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, Qt  # noqa: E402

DATA_LAYERS = ("places", "control_intervals", "control_changes", "events", "routes", "sources", "casualties",
               "control_areas", "front_lines")


def table(layer):
    """The GeoPackage table a layer reads (its name in QGIS may be a title)."""
    return layer.source().split("layername=")[-1].split("|")[0]


def describe(layer):
    renderer = layer.renderer()
    info = {
        "name": layer.name(),
        "id": layer.id(),
        "valid": layer.isValid(),
        "features": layer.featureCount(),
        "fields": {f.name(): f.typeName() for f in layer.fields()},
        "renderer": renderer.type() if renderer else None,
        "labels": layer.labelsEnabled(),
        "crs": layer.crs().authid(),
    }
    if renderer and renderer.type() == "categorizedSymbol":
        info["categories"] = {c.value(): c.symbol().color().name() for c in renderer.categories()}
        info["category_field"] = renderer.classAttribute()
    if layer.labelsEnabled() and layer.labeling() and hasattr(layer.labeling(), "settings"):
        info["label_expression"] = layer.labeling().settings().fieldName
    if renderer and renderer.type() == "RuleRenderer":
        info["rules"] = [{"label": r.label(), "filter": r.filterExpression(), "parent": r.parent().label(),
                          "parent_filter": r.parent().filterExpression(),
                          "color": r.symbol().color().name() if r.symbol() else None}
                         for r in renderer.rootRule().descendants()]
    tp = layer.temporalProperties()
    info["temporal"] = {"active": tp.isActive(), "mode": int(tp.mode()), "start": tp.startField(), "end": tp.endField(),
                        "limit_mode": int(tp.limitMode()) if hasattr(tp, "limitMode") else None}
    return info


def describe_tree(project):
    """Every layer node of the layer tree, and whether it finds its layer (QGIS drops nodes silently)."""
    nodes = []
    for node in project.layerTreeRoot().findLayers():
        layer = node.layer()
        nodes.append({"id": node.layerId(), "name": node.name(), "group": node.parent().name(),
                      "table": table(layer) if layer else None,
                      "resolved": layer is not None, "valid": bool(layer and layer.isValid()),
                      "features": layer.featureCount() if layer else None, "visible": node.isVisible()})
    return nodes


def describe_crs(crs):
    return {"valid": crs.isValid(), "geographic": crs.isGeographic(), "authid": crs.authid(),
            "description": crs.description(), "proj": crs.toProj()}


def _day(text):
    y, m, d = (int(v) for v in text.split("-"))
    return QDateTime(QDate(y, m, d), QTime(0, 0), Qt.UTC)


def export_layout(project, pdf=None, pngs=()):
    """Export the first print layout: PDF as it stands, PNGs with the map's time set to each day."""
    layouts = project.layoutManager().printLayouts()
    if not layouts:
        return {"error": "no print layout"}
    layout = layouts[0]
    exporter = QgsLayoutExporter(layout)
    out = {"name": layout.name()}
    if pdf:
        settings = QgsLayoutExporter.PdfExportSettings()
        # As File > Export as PDF does: the layout's own text format (1: text stays text, not outlines).
        settings.textRenderFormat = QgsRenderContext.TextRenderFormat(int(layout.customProperty("textFormat", 0)))
        out["pdf"] = int(exporter.exportToPdf(pdf, settings))
    maps = [item for item in layout.items() if isinstance(item, QgsLayoutItemMap)]
    for day, path in pngs:
        begin = _day(day)
        for item in maps:
            item.setIsTemporal(True)
            item.setTemporalRange(QgsDateTimeRange(begin, begin.addDays(1), True, False))
        settings = QgsLayoutExporter.ImageExportSettings()
        settings.dpi = 150
        out.setdefault("png", {})[day] = int(exporter.exportToImage(path, settings))
    return out


def atlas_pages(project, first=None):
    """(layout, atlas, page index) for each page of every atlas layout (the first `first` pages when given),
    each page sought and its maps refreshed; the atlas is rendered around the walk."""
    for layout in project.layoutManager().printLayouts():
        atlas = layout.atlas()
        if not atlas.enabled():
            continue
        maps = [item for item in layout.items() if isinstance(item, QgsLayoutItemMap)]
        atlas.beginRender()
        for i in range(atlas.count() if first is None else min(first, atlas.count())):
            atlas.seekTo(i)
            for item in maps:
                item.refreshDataDefinedProperty()
            yield layout, atlas, i
        atlas.endRender()


def describe_atlases(project):
    """{layout: [(page name, map's first day, map extent)]} of every layout with an atlas enabled."""
    out = {}
    for layout, atlas, i in atlas_pages(project):
        first_map = next(item for item in layout.items() if isinstance(item, QgsLayoutItemMap))
        extent = first_map.extent()
        out.setdefault(layout.name(), []).append(
            [atlas.nameForPage(i), first_map.temporalRange().begin().toString("yyyy-MM-dd"),
             [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()]])
    return out


def legend_entries(layout):
    """{layer table: legend entries shown} of the layout's legend as it stands (after its map filter)."""
    out = {}
    for legend in (item for item in layout.items() if isinstance(item, QgsLayoutItemLegend)):
        legend.updateFilterByMap(False)
        model = legend.model()
        for node in model.rootGroup().findLayers():
            if node.layer() is not None and node.layer().providerType() == "ogr":  # not the atlas frames
                out[table(node.layer())] = len(model.layerLegendNodes(node))
    return out


def export_atlas(project, folder, first=None):
    """PNG of each page of every atlas layout (only the first `first` pages when given), at 100 dpi:
    {layout: [[page name, export result, PNG path, {layer: legend entries shown}], ...]}."""
    out = {}
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 100
    for layout, atlas, i in atlas_pages(project, first):
        # As QGIS's own atlas export leaves it: the legend filtered by the page's map (frame and day).
        for legend in (item for item in layout.items() if isinstance(item, QgsLayoutItemLegend)):
            legend.updateFilterByMap(False)
        path = os.path.join(folder, f"{layout.name().replace(' ', '-')}-{i + 1:02d}-{atlas.nameForPage(i)}.png")
        result = int(QgsLayoutExporter(layout).exportToImage(path, settings))
        out.setdefault(layout.name(), []).append([atlas.nameForPage(i), result, path, legend_entries(layout)])
    return out


def main(gpkg, pdf=None, pngs=(), atlas_folder=None, atlas_pages=None):
    app = QgsApplication([], False)
    app.initQgis()
    report = {"qgis": app.applicationVersion() if hasattr(app, "applicationVersion") else "", "layers": {}, "project": {}}
    for name in DATA_LAYERS:
        report["layers"][name] = describe(QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr"))
    project = QgsProject.instance()
    qgs = gpkg[: -len(".gpkg")] + ".qgs"
    report["project"]["read"] = os.path.exists(qgs) and project.read(qgs)
    settings = project.timeSettings()
    report["project"]["time_range"] = [settings.temporalRange().begin().toString("yyyy-MM-dd"),
                                       settings.temporalRange().end().toString("yyyy-MM-dd")]
    report["project"]["time_step"] = [settings.timeStep(), int(settings.timeStepUnit())]
    report["project"]["title"] = project.title()
    report["project"]["crs"] = describe_crs(project.crs())
    report["project"]["tree"] = describe_tree(project)
    report["project"]["layers"] = {table(layer): describe(layer) for layer in project.mapLayers().values()}
    report["project"]["layouts"] = [layout.name() for layout in project.layoutManager().printLayouts()]
    report["project"]["atlas"] = describe_atlases(project)
    if pdf or pngs:
        report["project"]["export"] = export_layout(project, pdf, pngs)
    if atlas_folder:
        report["project"]["atlas_png"] = export_atlas(project, atlas_folder, atlas_pages)
    print(json.dumps(report, indent=1, sort_keys=True))
    app.exitQgis()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("gpkg")
    parser.add_argument("--pdf")
    parser.add_argument("--png", nargs=2, action="append", default=[], metavar=("DATE", "FILE"))
    parser.add_argument("--atlas-png", metavar="FOLDER", help="export every atlas page as a PNG into FOLDER")
    parser.add_argument("--atlas-pages", type=int, metavar="N", help="with --atlas-png: only the first N pages")
    args = parser.parse_args()
    main(args.gpkg, args.pdf, args.png, args.atlas_png, args.atlas_pages)
