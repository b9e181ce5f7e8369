"""Open a jisrgeo GeoPackage and its .qgs project in headless PyQGIS and report what QGIS sees, as JSON.

Run with the interpreter that has Debian's python3-qgis (not a virtualenv):

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py maps/data/jisrgeo.gpkg
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer  # noqa: E402


def describe(layer):
    renderer = layer.renderer()
    info = {
        "valid": layer.isValid(),
        "features": layer.featureCount(),
        "fields": {f.name(): f.typeName() for f in layer.fields()},
        "renderer": renderer.type() if renderer else None,
        "labels": layer.labelsEnabled(),
    }
    if renderer and renderer.type() == "categorizedSymbol":
        info["categories"] = {c.value(): c.symbol().color().name() for c in renderer.categories()}
        info["category_field"] = renderer.classAttribute()
    tp = layer.temporalProperties()
    info["temporal"] = {"active": tp.isActive(), "mode": int(tp.mode()), "start": tp.startField(), "end": tp.endField(),
                        "limit_mode": int(tp.limitMode()) if hasattr(tp, "limitMode") else None}
    return info


def main(gpkg):
    app = QgsApplication([], False)
    app.initQgis()
    report = {"qgis": app.applicationVersion() if hasattr(app, "applicationVersion") else "", "layers": {}, "project": {}}
    for name in ("places", "control_intervals", "control_changes", "events", "routes", "sources", "casualties",
                 "control_areas", "front_lines"):
        report["layers"][name] = describe(QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr"))
    project = QgsProject.instance()
    qgs = gpkg[: -len(".gpkg")] + ".qgs"
    report["project"]["read"] = os.path.exists(qgs) and project.read(qgs)
    settings = project.timeSettings()
    report["project"]["time_range"] = [settings.temporalRange().begin().toString("yyyy-MM-dd"),
                                       settings.temporalRange().end().toString("yyyy-MM-dd")]
    report["project"]["layers"] = {layer.name(): describe(layer) for layer in project.mapLayers().values()}
    print(json.dumps(report, indent=1, sort_keys=True))
    app.exitQgis()


if __name__ == "__main__":
    main(sys.argv[1])
