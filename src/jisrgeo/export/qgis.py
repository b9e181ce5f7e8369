"""QGIS styles (QML) stored in a GeoPackage's layer_styles table, so layers open styled and animated.

QGIS applies a layer's default style from layer_styles when it opens a GeoPackage
layer; the <temporal> element in the QML sets up the Temporal Controller.
"""

import sqlite3
from xml.sax.saxutils import escape, quoteattr

from ..output import GENERATOR, QGS_SIGNATURE
from ..style import UNKNOWN_COLOR

QGIS_VERSION = "3.22.0"
# Temporal modes and limits as QGIS numbers them (QgsVectorLayerTemporalProperties).
MODE_START_END_FIELDS = 2
INCLUDE_BEGIN_EXCLUDE_END = 0
# A fixed update_time keeps the GeoPackage byte-identical from build to build.
STYLE_TIME = "2015-06-06T00:00:00.000Z"


def _rgba(hex_color, alpha=255):
    h = hex_color.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _options(**values):
    items = "".join(f'<Option type="QString" name="{k}" value={quoteattr(str(v))}/>' for k, v in values.items())
    return f'<Option type="Map">{items}</Option>'


def marker(name, color, shape="circle", size=3.2, outline="#232323", outline_width=0.4):
    layer = _options(color=_rgba(color), name=shape, size=size, size_unit="MM", outline_color=_rgba(outline),
                     outline_width=outline_width, outline_width_unit="MM", outline_style="solid", joinstyle="bevel",
                     angle=0, scale_method="diameter", horizontal_anchor_point=1, vertical_anchor_point=1)
    return (f'<symbol type="marker" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleMarker" enabled="1" locked="0" pass="0">{layer}</layer></symbol>')


def line(name, color, width=0.8, dash=False):
    layer = _options(line_color=_rgba(color), line_width=width, line_width_unit="MM",
                     line_style="dash" if dash else "solid", capstyle="round", joinstyle="round")
    return (f'<symbol type="line" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleLine" enabled="1" locked="0" pass="0">{layer}</layer></symbol>')


def fill(name, color, alpha=0.35):
    layer = _options(color=_rgba(color, int(255 * alpha)), style="solid", outline_style="no", outline_color=_rgba(color))
    return (f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleFill" enabled="1" locked="0" pass="0">{layer}</layer></symbol>')


def categorized(field, categories, fallback):
    """categories: [(value, label, symbol_xml_with_name_str(i))]; fallback symbol for other values."""
    cats = "".join(f'<category render="true" symbol="{i}" value={quoteattr(v)} label={quoteattr(label)}/>'
                   for i, (v, label, _) in enumerate(categories))
    symbols = "".join(sym for _, _, sym in categories)
    return (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" enableorderby="0" forceraster="0">'
            f"<categories>{cats}</categories><symbols>{symbols}</symbols>"
            f"<source-symbol>{fallback}</source-symbol></renderer-v2>")


def single(symbol):
    return f'<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{symbol}</symbols></renderer-v2>'


def temporal(start_field=None, end_field=None):
    if not start_field:
        return '<temporal enabled="0" mode="0"/>'
    return (f'<temporal enabled="1" mode="{MODE_START_END_FIELDS}" limitMode="{INCLUDE_BEGIN_EXCLUDE_END}" '
            f'startField="{start_field}" endField="{end_field}" accumulate="0" fixedDuration="0" durationUnit="min" '
            'durationField="" startExpression="" endExpression=""><fixedRange><start></start><end></end></fixedRange></temporal>')


def labels(field):
    return ('<labeling type="simple"><settings calloutType="simple">'
            f'<text-style fieldName={quoteattr(field)} fontSize="9" fontSizeUnit="Point" textColor="30,30,30,255" '
            'fontFamily="Sans Serif" isExpression="0" textOpacity="1">'
            '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.8"/>'
            '</text-style><placement placement="0" dist="1.5" distUnits="MM" quadOffset="2"/>'
            '<rendering scaleVisibility="0" obstacle="1"/></settings></labeling>')


def qml(renderer, temporal_xml, labeling=""):
    enabled = "1" if labeling else "0"
    return (f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="{QGIS_VERSION}" styleCategories="AllStyleCategories" labelsEnabled="{enabled}">'
            f"{temporal_xml}{renderer}{labeling}</qgis>\n")


def _side_categories(vocabulary, shape_size=3.6):
    return [(side.code, side.label, marker(str(i), side.color, size=shape_size))
            for i, side in enumerate(vocabulary.sides.values())]


def layer_qml(vocabulary):
    """{layer: (description, qml)} for each spatial layer of the export, in the dataset's own colours."""
    lists = vocabulary.lists()
    sides = categorized("controller", _side_categories(vocabulary), marker("0", UNKNOWN_COLOR))
    event_cats = []
    for i, kind in enumerate(lists["event_types"]):
        _, shape, color = vocabulary.event_symbol(kind)
        event_cats.append((kind, vocabulary.label(kind), marker(str(i), color, shape=shape, size=3.4)))
    route_cats = [(k, vocabulary.label(k), line(str(i), vocabulary.route_color(k), width=1.0 if k == "breakout" else 0.5,
                                                  dash=k != "breakout")) for i, k in enumerate(lists["route_kinds"])]
    return {
        "places": ("Places with labels", qml(single(marker("0", "#ffffff", outline="#333333", size=2.6)), temporal(), labels("name"))),
        "control_intervals": ("Control by side; animated by the Temporal Controller",
                              qml(sides, temporal("start_date", "end_date"), labels("name"))),
        "control_changes": ("Control changes by new controller", qml(sides, temporal())),
        "events": ("Events by type; animated by the Temporal Controller", qml(categorized("type", event_cats, marker("0", "#666666")),
                                                                              temporal("date", "end_date"))),
        "routes": ("Routes by kind", qml(categorized("kind", route_cats, line("0", "#555555")), temporal())),
        "control_areas": ("Estimated areas of control (derived), by side; animated by the Temporal Controller",
                          qml(categorized("side", [(s.code, s.label, fill(str(i), s.color))
                                                         for i, s in enumerate(vocabulary.sides.values())], fill("0", UNKNOWN_COLOR)),
                              temporal("start_date", "end_date"))),
        "front_lines": ("Estimated front lines (derived); animated by the Temporal Controller",
                        qml(single(line("0", "#222222", width=1.2)), temporal("start_date", "end_date"))),
    }


def write_styles(gpkg_path, vocabulary, geometry_column="geom"):
    """Add a default QGIS style per spatial layer to the GeoPackage's layer_styles table."""
    with sqlite3.connect(gpkg_path) as db:
        db.execute("""CREATE TABLE IF NOT EXISTS layer_styles (
            id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
            f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
            styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
            update_time DATETIME DEFAULT CURRENT_TIMESTAMP)""")
        for layer, (description, style) in layer_qml(vocabulary).items():
            db.execute("""INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
                          styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time)
                          VALUES ('', '', ?, ?, ?, ?, '', 1, ?, ?, NULL, ?)""",
                       (layer, geometry_column, f"jisrgeo {layer}", style, description, GENERATOR, STYLE_TIME))
        # Register the table as a GeoPackage attributes table, as QGIS itself does.
        db.execute("""INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
                      VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?)""", (STYLE_TIME,))


# Layers the project opens, top of the legend first, with whether they start visible.
PROJECT_LAYERS = (("events", "Point", True), ("control_intervals", "Point", True), ("front_lines", "LineString", True),
                  ("routes", "LineString", True), ("control_areas", "Polygon", True), ("places", "Point", False),
                  ("control_changes", "Point", False))
WGS84 = ("<spatialrefsys><proj4>+proj=longlat +datum=WGS84 +no_defs</proj4><srid>4326</srid>"
         "<authid>EPSG:4326</authid><description>WGS 84</description><projectionacronym>longlat</projectionacronym>"
         "<ellipsoidacronym>EPSG:7030</ellipsoidacronym><geographicflag>true</geographicflag></spatialrefsys>")


def _strip_qml(style):
    """The body of a QML document (temporal, renderer, labeling) for embedding in a project."""
    start = style.index(">", style.index("<qgis ")) + 1
    return style[start:style.rindex("</qgis>")]


def project_xml(title, gpkg_name, start, end, vocabulary):
    """A QGIS project that opens the GeoPackage's layers styled, with the Temporal Controller ready.

    QGIS resets a layer's temporal 'active' flag after applying a GeoPackage default style,
    so a project is the one way to open the layers already animated. Paths are relative.
    """
    styles = layer_qml(vocabulary)
    tree, layers = [], []
    for name, geometry, visible in PROJECT_LAYERS:
        source = f"./{gpkg_name}|layername={name}"
        checked = "Qt::Checked" if visible else "Qt::Unchecked"
        tree.append(f'<layer-tree-layer id="{name}" name="{name}" source={quoteattr(source)} providerKey="ogr" '
                    f'checked="{checked}" expanded="1"/>')
        labels_on = "1" if "<labeling" in styles[name][1] else "0"
        layers.append(f'<maplayer type="vector" geometry="{geometry}" labelsEnabled="{labels_on}">'
                      f"<id>{name}</id><datasource>{escape(source)}</datasource><layername>{name}</layername>"
                      f'<srs>{WGS84}</srs><provider encoding="UTF-8">ogr</provider>{_strip_qml(styles[name][1])}</maplayer>')
    return (f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n{QGS_SIGNATURE}\n"
            f'<qgis version="{QGIS_VERSION}" projectname={quoteattr(title)}>'
            f'<homePath path=""/><title>{escape(title)}</title><projectCrs>{WGS84}</projectCrs>'
            f'<layer-tree-group>{"".join(tree)}</layer-tree-group>'
            f'<projectlayers>{"".join(layers)}</projectlayers>'
            '<properties><Paths><Absolute type="bool">false</Absolute></Paths></properties>'
            f'<ProjectTimeSettings cumulativeTemporalRange="0" timeStep="1" timeStepUnit="d" frameRate="2">'
            f"<TemporalRange><start>{start:%Y-%m-%d}T00:00:00Z</start><end>{end:%Y-%m-%d}T00:00:00Z</end></TemporalRange>"
            "</ProjectTimeSettings></qgis>\n")
