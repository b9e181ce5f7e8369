"""The QGIS project (.qgs) written beside a GeoPackage: layers styled and animated, a projected CRS,
the context under the data, and a print layout dated by its map's time.

Written by hand as the XML QGIS itself writes (checked against a project saved by QGIS 3.22), so no
QGIS is needed to export. Dataset text reaches the project only as XML-escaped values (the title, a
project variable for the credits), never inside a QGIS expression.
"""

import uuid
import warnings
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
import pyproj

from ..signatures import QGS_SIGNATURE
from .qgis import CONTEXT_STYLES, QGIS_VERSION, context_qml, layer_qml

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


def layer_id(title, name):
    """A stable layer id in the form QGIS writes (name_uuid): QGIS 3.22 keeps an id read from a project
    only if it is longer than 10 characters (QgsMapLayer::readLayerXml), else it makes a new random one
    and the layer tree, which keeps the old id, finds no layer."""
    return f"{name}_{uuid.uuid5(uuid.NAMESPACE_URL, f'jisrgeo:{title}:{name}')}".replace("-", "_")


def project_crs(bounds):
    """A projected CRS for a (west, south, east, north) extent: the UTM zone of its centre, or a
    Lambert azimuthal equal-area projection centred on it when the extent is too wide for one zone."""
    from ..geodesy import local_crs

    west, south, east, north = bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    if east - west <= UTM_MAX_WIDTH_DEG and abs(lat) < 80:
        return local_crs([lon], [lat], "utm")
    lat, lon = round(lat, 1), round(lon, 1)
    return local_crs([lon], [lat], "laea", name=f"Equal-area (LAEA) centred on {lat}, {lon}")


def spatialrefsys(crs):
    """A CRS in the <spatialrefsys> form QGIS writes: WKT2 first (what QGIS reads), then its other names."""
    authority = crs.to_authority()
    authid = ":".join(authority) if authority else ""
    srid = authority[1] if authority and authority[0] == "EPSG" else ""
    with warnings.catch_warnings():  # pyproj warns that a PROJ string loses detail: QGIS reads the WKT
        warnings.simplefilter("ignore", UserWarning)
        proj4 = crs.to_proj4()
        acronym = "longlat" if crs.is_geographic else crs.to_dict().get("proj", "")
    return (f"<spatialrefsys><wkt>{escape(crs.to_wkt('WKT2_2019'))}</wkt><proj4>{escape(proj4)}</proj4>"
            f"<srid>{srid}</srid><authid>{authid}</authid><description>{escape(crs.name)}</description>"
            f"<projectionacronym>{acronym}</projectionacronym><ellipsoidacronym>EPSG:7030</ellipsoidacronym>"
            f"<geographicflag>{'true' if crs.is_geographic else 'false'}</geographicflag></spatialrefsys>")


def projected_extent(bounds, crs, aspect=None):
    """(xmin, ymin, xmax, ymax) of the lon/lat bounds in `crs`, in whole metres, with a margin of FRAME_MARGIN
    each side (the zones drawn around the outermost places) and widened to `aspect` (width/height)."""
    x0, y0, x1, y1 = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True).transform_bounds(*bounds)
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * (1 + 2 * FRAME_MARGIN), (y1 - y0) * (1 + 2 * FRAME_MARGIN)
    x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
    if aspect:
        w, h = max(w, h * aspect), max(h, w / aspect)
        x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
    return tuple(round(v) for v in (x0, y0, x1, y1))


def _strip_qml(style):
    """The body of a QML document (temporal, renderer, labeling) for embedding in a project."""
    start = style.index(">", style.index("<qgis ")) + 1
    return style[start:style.rindex("</qgis>")]


def _layer(title, gpkg_name, name, geometry, label, style, visible):
    """(layer-tree node, maplayer element) of one GeoPackage layer, shown as `label`."""
    source = f"./{gpkg_name}|layername={name}"
    lid = layer_id(title, name)
    checked = "Qt::Checked" if visible else "Qt::Unchecked"
    node = (f'<layer-tree-layer id="{lid}" name={quoteattr(label)} source={quoteattr(source)} providerKey="ogr" '
            f'checked="{checked}" expanded="{int(visible)}"/>')
    labels_on = "1" if "<labeling" in style else "0"
    element = (f'<maplayer type="vector" geometry="{geometry}" labelsEnabled="{labels_on}">'
               f"<id>{lid}</id><datasource>{escape(source)}</datasource><layername>{escape(label)}</layername>"
               f'<srs>{spatialrefsys(WGS84)}</srs><provider encoding="UTF-8">ogr</provider>{_strip_qml(style)}</maplayer>')
    return node, element


def _item(kind, uuid_name, box, attributes="", body="", frame=False, background=False):
    x, y, w, h = box
    return (f'<LayoutItem type="{kind}" uuid="{{jisrgeo-{uuid_name}}}" id="{uuid_name}" position="{x},{y},mm" '
            f'positionOnPage="{x},{y},mm" size="{w},{h},mm" referencePoint="0" itemRotation="0" visibility="1" '
            f'frame="{str(frame).lower()}" background="{str(background).lower()}" zValue="1" opacity="1" blendMode="0" '
            f"{attributes}>"
            '<FrameColor alpha="255" red="0" green="0" blue="0"/><BackgroundColor alpha="255" red="255" green="255" blue="255"/>'
            f"{body}</LayoutItem>")


def _label(name, box, text, size, bold=False, halign=1):
    font = f'<LabelFont description="Sans Serif,{size},-1,5,{75 if bold else 50},0,0,0,0,0" style=""/>'
    return _item(LABEL_ITEM, name, box, f'labelText={quoteattr(text)} halign="{halign}" valign="32" marginX="0" '
                 'marginY="0" htmlState="0"', font + '<FontColor alpha="255" red="20" green="20" blue="20"/>')


def _text_style(size):
    return (f'<text-style fontFamily="Sans Serif" fontSize="{size}" fontSizeUnit="Point" textColor="0,0,0,255" '
            'textOpacity="1" fontWeight="50"/>')


def layout_xml(day, extent):
    """An A4 print layout: title and date (an expression over the map's time), the map at `day`, legend,
    scale bar, north arrow and the credits (the project variable jisrgeo_credits)."""
    map_date = f"format_date(map_get(item_variables('map'), 'map_start_time'), '{DATE_FORMAT}')"
    xmin, ymin, xmax, ymax = extent
    end = f"{day:%Y-%m-%d}T23:59:59Z"  # the range includes its end: the whole day and not the next one
    map_item = _item(MAP_ITEM, "map", MAP_BOX,
                     f'isTemporal="1" temporalRangeBegin="{day:%Y-%m-%d}T00:00:00Z" temporalRangeEnd="{end}" '
                     'keepLayerSet="false" drawCanvasItems="true" mapRotation="0" followPreset="false" labelMargin="0,mm" '
                     'mapFlags="0"',
                     f'<Extent xmin="{xmin}" ymin="{ymin}" xmax="{xmax}" ymax="{ymax}"/><LayerSet/>'
                     '<AtlasMap atlasDriven="0" scalingMode="2" margin="0.1"/>', frame=True, background=True)
    legend_styles = "".join(
        f'<style name="{name}" marginTop="{top}" alignment="1" indent="0"><styleFont description="Sans Serif,{size},-1,5,'
        f'{weight},0,0,0,0,0" style=""/></style>'
        for name, size, top, weight in (("title", 10, 0, 75), ("group", 7.5, 2, 75), ("subgroup", 7.5, 1.5, 75),
                                        ("symbol", 6.5, 1, 50), ("symbolLabel", 6.5, 1, 50)))
    legend_x = MAP_BOX[0] + MAP_BOX[2] + 4
    legend = _item(LEGEND_ITEM, "legend", (legend_x, MAP_BOX[1], PAGE[0] - legend_x - 6, MAP_BOX[3]),
                   'map_uuid="{jisrgeo-map}" title="Legend" resizeToContents="1" legendFilterByMap="1" '
                   'legendFilterByAtlas="0" symbolWidth="4.5" symbolHeight="3" columnCount="2" splitLayer="1" '
                   'wrapChar="" boxSpace="1" columnSpace="2" fontColor="#000000" titleAlignment="1" equalColumnWidth="0"',
                   f"<styles>{legend_styles}</styles>")
    bottom = MAP_BOX[1] + MAP_BOX[3]
    scalebar = _item(SCALEBAR_ITEM, "scalebar", (MAP_BOX[0] + 4, bottom - 14, 60, 10),
                     'mapUuid="{jisrgeo-map}" style="Single Box" unitType="kilometers" unitLabel="km" '
                     'numMapUnitsPerScaleBarUnit="1000" segmentSizeMode="1" minBarWidth="25" maxBarWidth="50" '
                     'numSegments="2" numSegmentsLeft="0" numSubdivisions="1" numUnitsPerSegment="5" height="2" '
                     'labelBarSpace="2" boxContentSpace="1" alignment="0"', _text_style(7), background=True)
    arrow = _item(PICTURE_ITEM, "north", (MAP_BOX[0] + MAP_BOX[2] - 16, MAP_BOX[1] + 4, 10, 14),
                  f'file="{NORTH_ARROW}" mode="0" resizeMode="0" mapUuid="{{jisrgeo-map}}" northMode="1" northOffset="0" '
                  'pictureRotation="0" anchorPoint="0" svgFillColor="255,255,255,255" svgBorderColor="0,0,0,255" '
                  'svgBorderWidth="0.2"')
    title = _label("title", (10, 6, PAGE[0] - 20, 9), "[% @project_title %]", 16, bold=True)
    date = _label("date", (10, 15.5, PAGE[0] - 20, 6),
                  f"[% 'Situation at the end of ' || {map_date} %]", 11)
    credits = _label("credits", (MAP_BOX[0], bottom + 2, MAP_BOX[2], PAGE[1] - bottom - 5), "[% @jisrgeo_credits %]", 6.5)
    key = _label("key", (legend_x, bottom + 2, PAGE[0] - legend_x - 6, PAGE[1] - bottom - 5), READING_KEY, 6.5)
    page = _item(PAGE_ITEM, "page", (0, 0, *PAGE), background=True)
    return ('<Layouts><Layout name="Map" units="mm" printResolution="300" worldFileMap="">'
            f"<PageCollection>{page}<GuideCollection visible=\"1\"/></PageCollection>"
            f"{map_item}{legend}{scalebar}{arrow}{title}{date}{credits}{key}"
            # textFormat 1: File > Export as PDF keeps text as text (searchable, selectable), not outlines.
            '<customproperties><Option type="Map"><Option type="int" name="textFormat" value="1"/>'
            '<Option type="bool" name="singleFile" value="true"/></Option></customproperties>'
            '<Atlas enabled="0" coverageLayer="" hideCoverage="0" filterFeatures="0" sortFeatures="0" pageNameExpression=""/>'
            "</Layout></Layouts>")


def project_xml(title, gpkg_name, start, end, vocabulary, bounds, frames=None, context=(), credits=""):
    """A QGIS project that opens the GeoPackage's layers styled, with the Temporal Controller ready.

    start, end: the animation's range (end exclusive). frames: the export's layers (for the legend's
    states); context: the context layer kinds written in the GeoPackage. QGIS resets a layer's temporal
    'active' flag after applying a GeoPackage default style, so a project is the one way to open the
    layers already animated. Paths are relative.
    """
    styles = layer_qml(vocabulary, frames)
    crs = project_crs(bounds)
    data = [_layer(title, gpkg_name, name, geometry, label, styles[name][1], visible)
            for name, geometry, label, visible in PROJECT_LAYERS]
    ctx_styles = context_qml(context)
    ctx = [_layer(title, gpkg_name, f"context_{kind}", CONTEXT_STYLES[kind][0], CONTEXT_STYLES[kind][1],
                  ctx_styles[f"context_{kind}"][1], True)
           for kind in CONTEXT_ORDER if kind in context]
    tree = "".join(node for node, _ in data)
    if ctx:
        tree += (f'<layer-tree-group name="{CONTEXT_GROUP}" checked="Qt::Checked" expanded="0">'
                 f'{"".join(node for node, _ in ctx)}</layer-tree-group>')
    layers = "".join(element for _, element in data + ctx)
    srs = spatialrefsys(crs)
    canvas = projected_extent(bounds, crs)
    x0, y0, x1, y1 = canvas
    last_day = end - pd.Timedelta(days=1)
    return (f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n{QGS_SIGNATURE}\n"
            f'<qgis version="{QGIS_VERSION}" projectname={quoteattr(title)}>'
            f'<homePath path=""/><title>{escape(title)}</title><projectCrs>{srs}</projectCrs>'
            f"<layer-tree-group>{tree}</layer-tree-group>"
            f"<projectlayers>{layers}</projectlayers>"
            '<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>meters</units>'
            f"<extent><xmin>{x0}</xmin><ymin>{y0}</ymin><xmax>{x1}</xmax><ymax>{y1}</ymax></extent>"
            f"<rotation>0</rotation><destinationsrs>{srs}</destinationsrs><rendermaptile>0</rendermaptile></mapcanvas>"
            '<properties><Paths><Absolute type="bool">false</Absolute></Paths>'
            # Without this flag QGIS 3.22 ignores <projectCrs> and falls back to its default CRS.
            '<SpatialRefSys><ProjectionsEnabled type="int">1</ProjectionsEnabled></SpatialRefSys>'
            '<Variables><variableNames type="QStringList"><value>jisrgeo_credits</value></variableNames>'
            f'<variableValues type="QStringList"><value>{escape(credits)}</value></variableValues></Variables></properties>'
            f'<ProjectViewSettings UseProjectScales="0"><Scales/><DefaultViewExtent xmin="{x0}" ymin="{y0}" xmax="{x1}" '
            f'ymax="{y1}">{srs}</DefaultViewExtent></ProjectViewSettings>'
            f'<ProjectTimeSettings cumulativeTemporalRange="0" timeStep="1" timeStepUnit="d" frameRate="2">'
            f"<TemporalRange><start>{start:%Y-%m-%d}T00:00:00Z</start><end>{end:%Y-%m-%d}T00:00:00Z</end></TemporalRange>"
            "</ProjectTimeSettings>"
            f"{layout_xml(last_day, projected_extent(bounds, crs, MAP_BOX[2] / MAP_BOX[3]))}</qgis>\n")
