"""The QGIS project (.qgs) written beside a GeoPackage: layers styled and animated, a projected CRS,
the context under the data, and a print layout dated by its map's time.

Built with ElementTree as the XML QGIS itself writes (checked against a project saved by QGIS 3.22), so
no QGIS is needed to export. Dataset text reaches the project only as attribute values and text that
ElementTree escapes (the title, layer names, a project variable for the credits), never inside a QGIS
expression.
"""

import copy
import urllib.parse
import uuid
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyproj

from ..signatures import QGS_SIGNATURE
from .qgis import CONTEXT_STYLES, DOCTYPE, QGIS_VERSION, context_qml, element, layer_qml, to_xml

if TYPE_CHECKING:
    from ..sides import Vocabulary

# (west, south, east, north) in degrees; (xmin, ymin, xmax, ymax) in a projected CRS's metres.
Bounds = tuple[float, float, float, float]
# An atlas page: (its day, its frame).
Page = tuple[Any, Bounds]

# Layers the project opens, top of the legend first: (GeoPackage table, geometry, title in QGIS, visible).
PROJECT_LAYERS = (("events", "Point", "Events", True), ("control_intervals", "Point", "Control of places", True),
                  ("front_lines", "LineString", "Front lines (estimated)", True), ("routes", "LineString", "Routes", True),
                  ("control_areas", "Polygon", "Areas of control (estimated)", True),
                  ("places", "Point", "Places", False), ("control_changes", "Point", "Control changes", False))
# The context, top first, under the data in its own group.
CONTEXT_ORDER = ("dataset_points", "dataset_lines", "dataset_areas", "town", "river", "coast", "lake", "admin1",
                 "country")
CONTEXT_GROUP = "Context"
WGS84 = pyproj.CRS.from_epsg(4326)
# Widest extent drawn in one UTM zone (degrees): beyond it, scale error passes ~0.4% and a local
# equal-area projection centred on the extent serves better.
UTM_MAX_WIDTH_DEG = 6.0
# The print layout: A4 landscape, in millimetres.
PAGE = (297, 210)
MAP_BOX = (10, 24, 180, 164)  # x, y, width, height; the legend fills the right of the page in two columns
NORTH_ARROW = "://images/north_arrows/layout_default_north_arrow.svg"
# QGIS item type numbers (QgsLayoutItemRegistry).
PAGE_ITEM, MAP_ITEM, PICTURE_ITEM, LABEL_ITEM, LEGEND_ITEM, SCALEBAR_ITEM = 65638, 65639, 65640, 65641, 65642, 65646
DATE_FORMAT = "d MMMM yyyy"
# How to read the certainty marks, printed under the legend (fixed text, no expression inside).
READING_KEY = ("≈ before a name: position inferred. Hollow rings and hatching: control inferred, not reported. "
               "Areas and fronts are estimates drawn around the places.")
# Share of the frame's width and height added on each side in the project's views.
FRAME_MARGIN = 0.06


def layer_id(title: str, name: str) -> str:
    """A stable layer id in the form QGIS writes (name_uuid): QGIS 3.22 keeps an id read from a project
    only if it is longer than 10 characters (QgsMapLayer::readLayerXml), else it makes a new random one
    and the layer tree, which keeps the old id, finds no layer."""
    return f"{name}_{uuid.uuid5(uuid.NAMESPACE_URL, f'jisrgeo:{title}:{name}')}".replace("-", "_")


def project_crs(bounds: Bounds) -> pyproj.CRS:
    """A projected CRS for a (west, south, east, north) extent: the UTM zone of its centre, or a
    Lambert azimuthal equal-area projection centred on it when the extent is too wide for one zone."""
    from ..geodesy import local_crs

    west, south, east, north = bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    if east - west <= UTM_MAX_WIDTH_DEG and abs(lat) < 80:
        return local_crs([lon], [lat], "utm")
    lat, lon = round(lat, 1), round(lon, 1)
    return local_crs([lon], [lat], "laea", name=f"Equal-area (LAEA) centred on {lat}, {lon}")


def spatialrefsys(crs: pyproj.CRS) -> ET.Element:
    """A CRS in the <spatialrefsys> form QGIS writes: WKT2 first (what QGIS reads), then its other names."""
    authority = crs.to_authority()
    authid = ":".join(authority) if authority else ""
    srid = authority[1] if authority and authority[0] == "EPSG" else ""
    with warnings.catch_warnings():  # pyproj warns that a PROJ string loses detail: QGIS reads the WKT
        warnings.simplefilter("ignore", UserWarning)
        proj4 = crs.to_proj4()
        acronym = "longlat" if crs.is_geographic else crs.to_dict().get("proj", "")
    fields = (("wkt", crs.to_wkt("WKT2_2019")), ("proj4", proj4), ("srid", srid), ("authid", authid),
              ("description", crs.name), ("projectionacronym", acronym), ("ellipsoidacronym", "EPSG:7030"),
              ("geographicflag", "true" if crs.is_geographic else "false"))
    return element("spatialrefsys", None, *(element(name, text=value) for name, value in fields))


def _wrapped(tag: str, *children: ET.Element) -> ET.Element:
    return element(tag, None, *children)


def projected_extent(bounds: Bounds, crs: pyproj.CRS, aspect: float | None = None) -> tuple[int, int, int, int]:
    """(xmin, ymin, xmax, ymax) of the lon/lat bounds in `crs`, in whole metres, with a margin of FRAME_MARGIN
    each side (the zones drawn around the outermost places) and widened to `aspect` (width/height)."""
    x0, y0, x1, y1 = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True).transform_bounds(*bounds)
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * (1 + 2 * FRAME_MARGIN), (y1 - y0) * (1 + 2 * FRAME_MARGIN)
    x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
    if aspect:
        w, h = max(w, h * aspect), max(h, w / aspect)
        x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
    return round(x0), round(y0), round(x1), round(y1)


def _qml_body(style: str) -> list[ET.Element]:
    """The children of a QML document's <qgis> (temporal, renderer, labeling), for embedding in a project."""
    return list(ET.fromstring(style))


def _layer(title: str, gpkg_name: str, name: str, geometry: str, label: str, style: str,
           visible: bool) -> tuple[ET.Element, ET.Element]:
    """(layer-tree node, maplayer element) of one GeoPackage layer, shown as `label`."""
    source = f"./{gpkg_name}|layername={name}"
    lid = layer_id(title, name)
    node = element("layer-tree-layer", {"id": lid, "name": label, "source": source, "providerKey": "ogr",
                                        "checked": "Qt::Checked" if visible else "Qt::Unchecked",
                                        "expanded": int(visible)})
    body = _qml_body(style)
    labels_on = "1" if any(child.tag == "labeling" for child in body) else "0"
    layer = element("maplayer", {"type": "vector", "geometry": geometry, "labelsEnabled": labels_on},
                    element("id", text=lid), element("datasource", text=source), element("layername", text=label),
                    _wrapped("srs", spatialrefsys(WGS84)), element("provider", {"encoding": "UTF-8"}, text="ogr"), *body)
    return node, layer


def _item(kind: int, uuid_name: str, box: Sequence[float], attributes: Mapping[str, object] | None = None,
          body: Iterable[ET.Element] = (), frame: bool = False, background: bool = False) -> ET.Element:
    x, y, w, h = box
    return element("LayoutItem", {
        "type": kind, "uuid": f"{{jisrgeo-{uuid_name}}}", "id": uuid_name, "position": f"{x},{y},mm",
        "positionOnPage": f"{x},{y},mm", "size": f"{w},{h},mm", "referencePoint": "0", "itemRotation": "0",
        "visibility": "1", "frame": str(frame).lower(), "background": str(background).lower(), "zValue": "1",
        "opacity": "1", "blendMode": "0", **(attributes or {})},
        element("FrameColor", {"alpha": "255", "red": "0", "green": "0", "blue": "0"}),
        element("BackgroundColor", {"alpha": "255", "red": "255", "green": "255", "blue": "255"}), *body)


def _font(tag: str, size: float, bold: bool = False) -> ET.Element:
    return element(tag, {"description": f"Sans Serif,{size},-1,5,{75 if bold else 50},0,0,0,0,0", "style": ""})


def _label(name: str, box: Sequence[float], text: str, size: float, bold: bool = False, halign: int = 1) -> ET.Element:
    return _item(LABEL_ITEM, name, box, {"labelText": text, "halign": halign, "valign": "32", "marginX": "0",
                                         "marginY": "0", "htmlState": "0"},
                 [_font("LabelFont", size, bold), element("FontColor", {"alpha": "255", "red": "20", "green": "20",
                                                                        "blue": "20"})])


def _text_style(size: float) -> ET.Element:
    return element("text-style", {"fontFamily": "Sans Serif", "fontSize": size, "fontSizeUnit": "Point",
                                  "textColor": "0,0,0,255", "textOpacity": "1", "fontWeight": "50"})


# The legend fits its box for any number of sides: a column holds about this many entries at the
# largest symbol text; more entries take more columns (up to LEGEND_MAX_COLUMNS), then smaller text.
LEGEND_ROWS = 40
LEGEND_MAX_COLUMNS = 3
LEGEND_TEXT_PT = 6.5


def legend_layout(entries: int) -> tuple[int, float]:
    """(columns, symbol text size in points) for a legend of `entries` lines in the layout's legend box."""
    columns = min(max(2, -(-entries // LEGEND_ROWS)), LEGEND_MAX_COLUMNS)
    size = LEGEND_TEXT_PT * min(1.0, LEGEND_ROWS * columns / max(entries, 1))
    return columns, round(max(size, 4.0), 1)


def legend_entries(styles: Iterable[str]) -> int:
    """How many lines a legend of these QML styles has: a line per layer, rule and category."""
    total = 0
    for style in styles:
        root = ET.fromstring(style)
        total += 1 + sum(1 for node in root.iter() if node.tag in ("rule", "category"))
    return total


def legend_filter(style: str) -> str | None:
    """A legend filter expression listing only the features a temporal layer draws at the map's time, built
    from the layer's own temporal fields (QGIS 3.22's legend "filter by map" looks at the extent, not the
    time: without it a day's page lists every event type of the whole battle). None for a layer that is
    not animated. The fields are ours, never dataset text."""
    found = ET.fromstring(style).find("temporal")
    if found is None or found.get("enabled") != "1":
        return None
    start, end = found.get("startField"), found.get("endField")
    # As QGIS filters a layer by start and end fields (begin included, end excluded): a null end is open.
    return (f'("{start}" <= to_date(@map_end_time) OR "{start}" IS NULL) AND '
            f'("{end}" > to_date(@map_start_time) OR "{end}" IS NULL)')


def legend_tree(tree: ET.Element, filters: Mapping[str, str]) -> ET.Element:
    """The legend's own copy of the project's layer tree, each animated layer ({layer id: expression})
    filtered to what its map shows on the map's day."""
    legend = copy.deepcopy(tree)
    for node in legend.iter("layer-tree-layer"):
        expression = filters.get(node.get("id", ""))
        if expression:
            node.append(element("customproperties", None, element("Option", {"type": "Map"},
                element("Option", {"type": "QString", "name": "legend/expressionFilter", "value": expression}),
                element("Option", {"type": "bool", "name": "legend/expressionFilterEnabled", "value": "true"}))))
    return legend


def layout_xml(day: date, extent: Sequence[float], entries: int = LEGEND_ROWS,
               legend_layers: ET.Element | None = None, largest: int = 0) -> ET.Element:
    """An A4 print layout: title and date (an expression over the map's time), the map at `day`, legend,
    scale bar, north arrow and the credits (the project variable jisrgeo_credits). Returns <Layouts>.
    `legend_layers`: the legend's own layer tree (legend_tree), else the legend follows the project's.
    `largest`: the most lines one layer has; a layer splits across columns only when it cannot fit one (a
    side's heading then stays beside its states)."""
    map_date = f"format_date(map_get(item_variables('map'), 'map_start_time'), '{DATE_FORMAT}')"
    columns, text = legend_layout(entries)
    xmin, ymin, xmax, ymax = extent
    end = f"{day:%Y-%m-%d}T23:59:59Z"  # the range includes its end: the whole day and not the next one
    map_item = _item(MAP_ITEM, "map", MAP_BOX,
                     {"isTemporal": "1", "temporalRangeBegin": f"{day:%Y-%m-%d}T00:00:00Z", "temporalRangeEnd": end,
                      "keepLayerSet": "false", "drawCanvasItems": "true", "mapRotation": "0", "followPreset": "false",
                      "labelMargin": "0,mm", "mapFlags": "0"},
                     [element("Extent", {"xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax}), element("LayerSet"),
                      element("AtlasMap", {"atlasDriven": "0", "scalingMode": "2", "margin": "0.1"}),
                      # The map places no label under the scale bar or the north arrow drawn over it.
                      element("labelBlockingItems", None, *(element("item", {"uuid": f"{{jisrgeo-{name}}}"})
                                                            for name in ("scalebar", "north")))],
                     frame=True, background=True)
    legend_styles = element("styles", None, *(
        element("style", {"name": name, "marginTop": top, "alignment": "1", "indent": "0"}, _font("styleFont", size, bold))
        for name, size, top, bold in (("title", 10, 0, True), ("group", 7.5, 2, True), ("subgroup", 7.5, 1.5, True),
                                      ("symbol", text, 1, False), ("symbolLabel", text, 1, False))))
    legend_x = MAP_BOX[0] + MAP_BOX[2] + 4
    legend = _item(LEGEND_ITEM, "legend", (legend_x, MAP_BOX[1], PAGE[0] - legend_x - 6, MAP_BOX[3]),
                   {"map_uuid": "{jisrgeo-map}", "title": "Legend", "resizeToContents": "1", "legendFilterByMap": "1",
                    "legendFilterByAtlas": "0", "symbolWidth": "4.5", "symbolHeight": "3", "columnCount": columns,
                    "splitLayer": "1" if largest > LEGEND_ROWS else "0", "wrapChar": "", "boxSpace": "1", "columnSpace": "2", "fontColor": "#000000",
                    "titleAlignment": "1", "equalColumnWidth": "0"},
                   [legend_styles] + ([legend_layers] if legend_layers is not None else []))
    bottom = MAP_BOX[1] + MAP_BOX[3]
    scalebar = _item(SCALEBAR_ITEM, "scalebar", (MAP_BOX[0] + 4, bottom - 14, 60, 10),
                     {"mapUuid": "{jisrgeo-map}", "style": "Single Box", "unitType": "kilometers", "unitLabel": "km",
                      "numMapUnitsPerScaleBarUnit": "1000", "segmentSizeMode": "1", "minBarWidth": "25",
                      "maxBarWidth": "50", "numSegments": "2", "numSegmentsLeft": "0", "numSubdivisions": "1",
                      "numUnitsPerSegment": "5", "height": "2", "labelBarSpace": "2", "boxContentSpace": "1",
                      "alignment": "0"}, [_text_style(7)], background=True)
    arrow = _item(PICTURE_ITEM, "north", (MAP_BOX[0] + MAP_BOX[2] - 16, MAP_BOX[1] + 4, 10, 14),
                  {"file": NORTH_ARROW, "mode": "0", "resizeMode": "0", "mapUuid": "{jisrgeo-map}", "northMode": "1",
                   "northOffset": "0", "pictureRotation": "0", "anchorPoint": "0", "svgFillColor": "255,255,255,255",
                   "svgBorderColor": "0,0,0,255", "svgBorderWidth": "0.2"})
    title = _label("title", (10, 6, PAGE[0] - 20, 9), "[% @project_title %]", 16, bold=True)
    date_label = _label("date", (10, 15.5, PAGE[0] - 20, 6), f"[% 'Situation at the end of ' || {map_date} %]", 11)
    credits = _label("credits", (MAP_BOX[0], bottom + 2, MAP_BOX[2], PAGE[1] - bottom - 5), "[% @jisrgeo_credits %]", 6.5)
    key = _label("key", (legend_x, bottom + 2, PAGE[0] - legend_x - 6, PAGE[1] - bottom - 5), READING_KEY, 6.5)
    page = _item(PAGE_ITEM, "page", (0, 0, *PAGE), background=True)
    # textFormat 1: File > Export as PDF keeps text as text (searchable, selectable), not outlines.
    properties = element("customproperties", None, element("Option", {"type": "Map"}, *(
        element("Option", {"type": kind, "name": name, "value": value})
        for kind, name, value in (("int", "textFormat", "1"), ("bool", "singleFile", "true")))))
    atlas = element("Atlas", {"enabled": "0", "coverageLayer": "", "hideCoverage": "0", "filterFeatures": "0",
                              "sortFeatures": "0", "pageNameExpression": ""})
    layout = element("Layout", {"name": "Map", "units": "mm", "printResolution": "300", "worldFileMap": ""},
                     element("PageCollection", None, page, element("GuideCollection", {"visible": "1"})),
                     map_item, legend, scalebar, arrow, title, date_label, credits, key, properties, atlas)
    return element("Layouts", None, layout)


# The key-days atlas: a virtual layer of each key day's frame (ours: ISO dates and numbers only, never
# dataset text, inside its SQL) drives a second layout, a page per key day at its frame and date.
ATLAS_LAYER = "key_day_frames"
ATLAS_TITLE = "Key days (atlas pages)"
ATLAS_LAYOUT = "Key days"


def atlas_source(pages: Iterable[Page]) -> str:
    """The virtual layer's data source: one polygon per (day, (west, south, east, north)) of `pages`."""
    rows = []
    for i, (day, (w, s_, e, n)) in enumerate(pages, 1):
        ring = ", ".join(f"{x:.6f} {y:.6f}" for x, y in ((w, s_), (e, s_), (e, n), (w, n), (w, s_)))
        rows.append(f"SELECT {i} AS id, '{day:%Y-%m-%d}' AS day, GeomFromText('POLYGON(({ring}))', 4326) AS geometry")
    query = " UNION ALL ".join(rows)
    return "?" + urllib.parse.urlencode({"query": query, "geometry": "geometry:Polygon:4326", "uid": "id"},
                                        quote_via=urllib.parse.quote)


def _atlas_layer(title: str, pages: Sequence[Page]) -> tuple[ET.Element, ET.Element, str]:
    """(layer-tree node, maplayer element, layer id) of the key days' frames: unchecked, it only drives the atlas."""
    lid = layer_id(title, ATLAS_LAYER)
    source = atlas_source(pages)
    node = element("layer-tree-layer", {"id": lid, "name": ATLAS_TITLE, "source": source, "providerKey": "virtual",
                                        "checked": "Qt::Unchecked", "expanded": "0"})
    layer = element("maplayer", {"type": "vector", "geometry": "Polygon"}, element("id", text=lid),
                    element("datasource", text=source), element("layername", text=ATLAS_TITLE),
                    element("provider", {"encoding": "UTF-8"}, text="virtual"), _wrapped("srs", spatialrefsys(WGS84)))
    return node, layer, lid


def atlas_layout_xml(layouts: ET.Element, lid: str, source: str) -> ET.Element:
    """The key-days layout: a copy of the main layout (in `layouts`) turned into an atlas over the frames
    layer, its map following each page's frame and showing that page's day (data-defined start and end of
    its time range). Returns the <Layout>."""
    page_layout = copy.deepcopy(layouts.find("Layout"))
    if page_layout is None:
        raise ValueError("no <Layout> to make an atlas of")
    page_layout.set("name", ATLAS_LAYOUT)
    for item in page_layout.iter("LayoutItem"):
        item.set("uuid", item.get("uuid", "").replace("{jisrgeo-", "{jisrgeo-atlas-"))
        for key in ("map_uuid", "mapUuid"):
            if item.get(key):
                item.set(key, item.get(key, "").replace("{jisrgeo-", "{jisrgeo-atlas-"))
        for blocking in item.iter("item"):  # the map's label-blocking items
            blocking.set("uuid", blocking.get("uuid", "").replace("{jisrgeo-", "{jisrgeo-atlas-"))
        if item.get("id") == "map":
            _atlas_map(item)
    atlas = page_layout.find("Atlas")
    if atlas is not None:
        atlas.attrib.update({"enabled": "1", "coverageLayer": lid, "coverageLayerName": ATLAS_TITLE,
                             "coverageLayerSource": source, "coverageLayerProvider": "virtual", "hideCoverage": "1",
                             "sortFeatures": "1", "sortKey": "day", "sortAscending": "1", "pageNameExpression": '"day"'})
    return page_layout


def _atlas_map(item: ET.Element) -> None:
    """Make the layout's map follow the atlas page: its frame, and its day as the map's time range."""
    atlas_map = item.find("AtlasMap")
    if atlas_map is not None:
        atlas_map.attrib.update({"atlasDriven": "1", "scalingMode": "2", "margin": "0"})
    # As QgsLayoutObject writes them: <LayoutObject><dataDefinedProperties><Option type="Map">...
    properties = []
    for name, time in (("dataDefinedStartDateTime", "00:00:00"), ("dataDefinedEndDateTime", "23:59:59")):
        properties.append(element("Option", {"type": "Map", "name": name},
                                  element("Option", {"type": "bool", "name": "active", "value": "true"}),
                                  element("Option", {"type": "QString", "name": "expression",
                                                     "value": f"to_datetime(\"day\" || ' {time}')"}),
                                  element("Option", {"type": "int", "name": "type", "value": "3"})))
    option = element("Option", {"type": "Map"}, element("Option", {"type": "QString", "name": "name", "value": ""}),
                     element("Option", {"type": "Map", "name": "properties"}, *properties),
                     element("Option", {"type": "QString", "name": "type", "value": "collection"}))
    item.append(element("LayoutObject", None, element("dataDefinedProperties", None, option)))


def project_xml(title: str, gpkg_name: str, start: pd.Timestamp, end: pd.Timestamp, vocabulary: "Vocabulary",
                bounds: Bounds, frames: Mapping[str, Any] | None = None, context: Iterable[str] = (),
                credits: str = "", atlas: Sequence[Page] = ()) -> str:
    """A QGIS project that opens the GeoPackage's layers styled, with the Temporal Controller ready.

    start, end: the animation's range (end exclusive). frames: the export's layers (for the legend's
    states); context: the context layer kinds written in the GeoPackage; atlas: [(day, frame)] of the key
    days, each a page of the "Key days" layout at its frame (maps/frame.py). QGIS resets a layer's temporal
    'active' flag after applying a GeoPackage default style, so a project is the one way to open the
    layers already animated. Paths are relative.
    """
    context = tuple(context)
    styles = layer_qml(vocabulary, frames)
    crs = project_crs(bounds)
    data = [_layer(title, gpkg_name, name, geometry, label, styles[name][1], visible)
            for name, geometry, label, visible in PROJECT_LAYERS]
    ctx_styles = context_qml(context)
    ctx = [_layer(title, gpkg_name, f"context_{kind}", CONTEXT_STYLES[kind][0], CONTEXT_STYLES[kind][1],
                  ctx_styles[f"context_{kind}"][1], True)
           for kind in CONTEXT_ORDER if kind in context]
    tree = element("layer-tree-group", None, *(node for node, _ in data))
    atlas_layer = _atlas_layer(title, atlas) if atlas else None
    if atlas_layer:
        tree.append(atlas_layer[0])
        data.append(atlas_layer[:2])
    if ctx:
        tree.append(element("layer-tree-group", {"name": CONTEXT_GROUP, "checked": "Qt::Checked", "expanded": "0"},
                            *(node for node, _ in ctx)))
    shown = [styles[name][1] for name, _, _, visible in PROJECT_LAYERS if visible]
    legend_styles = shown + [style for _, style in ctx_styles.values()]
    entries = legend_entries(legend_styles)
    largest = max((legend_entries([style]) for style in legend_styles), default=0)
    x0, y0, x1, y1 = projected_extent(bounds, crs)
    last_day = end - pd.Timedelta(days=1)
    root = element("qgis", {"version": QGIS_VERSION, "projectname": title},
                   element("homePath", {"path": ""}), element("title", text=title),
                   _wrapped("projectCrs", spatialrefsys(crs)), tree,
                   element("projectlayers", None, *(layer for _, layer in data + ctx)))
    extent = element("extent", None, *(element(k, text=v) for k, v in (("xmin", x0), ("ymin", y0), ("xmax", x1),
                                                                        ("ymax", y1))))
    root.append(element("mapcanvas", {"name": "theMapCanvas", "annotationsVisible": "1"},
                        element("units", text="meters"), extent, element("rotation", text="0"),
                        _wrapped("destinationsrs", spatialrefsys(crs)), element("rendermaptile", text="0")))
    variables = element("Variables", None,
                        element("variableNames", {"type": "QStringList"}, element("value", text="jisrgeo_credits")),
                        element("variableValues", {"type": "QStringList"}, element("value", text=credits)))
    root.append(element("properties", None,
                        element("Paths", None, element("Absolute", {"type": "bool"}, text="false")),
                        # Without this flag QGIS 3.22 ignores <projectCrs> and falls back to its default CRS.
                        element("SpatialRefSys", None, element("ProjectionsEnabled", {"type": "int"}, text="1")),
                        variables))
    root.append(element("ProjectViewSettings", {"UseProjectScales": "0"}, element("Scales"),
                        element("DefaultViewExtent", {"xmin": x0, "ymin": y0, "xmax": x1, "ymax": y1},
                                spatialrefsys(crs))))
    time_range = element("TemporalRange", None, element("start", text=f"{start:%Y-%m-%d}T00:00:00Z"),
                         element("end", text=f"{end:%Y-%m-%d}T00:00:00Z"))
    root.append(element("ProjectTimeSettings", {"cumulativeTemporalRange": "0", "timeStep": "1", "timeStepUnit": "d",
                                                "frameRate": "2"}, time_range))
    filters = {layer_id(title, name): legend_filter(styles[name][1]) for name, _, _, _ in PROJECT_LAYERS}
    layouts = layout_xml(last_day, projected_extent(bounds, crs, MAP_BOX[2] / MAP_BOX[3]), entries,
                         legend_tree(tree, {k: v for k, v in filters.items() if v}), largest)
    if atlas_layer:
        layouts.append(atlas_layout_xml(layouts, atlas_layer[2], atlas_source(atlas)))
    root.append(layouts)
    return f"{DOCTYPE}\n{QGS_SIGNATURE}\n{to_xml(root)}\n"


def key_day_pages(ds: Any) -> list[Page]:
    """[(day, frame)] of the dataset's key days, each framed on its action (maps/frame.py), for the atlas."""
    from ..maps.frame import key_days
    from ..maps.frame import frames

    start, end = ds.period
    days = key_days(ds, start, end)
    aspect = MAP_BOX[2] / MAP_BOX[3]
    framed = frames(ds, pd.date_range(start, end), aspect=aspect)
    return [(day, framed[day]) for day in days if day in framed]
