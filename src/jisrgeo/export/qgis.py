"""QGIS styles (QML) stored in a GeoPackage's layer_styles table, so layers open styled and animated.

QGIS applies a layer's default style from layer_styles when it opens a GeoPackage
layer; the <temporal> element in the QML sets up the Temporal Controller.
"""

import os
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..signatures import GENERATOR
from ..style import FILL_ALPHA, LINE_STYLES, UNKNOWN_COLOR

if TYPE_CHECKING:
    from ..sides import Vocabulary

QGIS_VERSION = "3.22.0"
# Temporal modes and limits as QGIS numbers them (QgsVectorLayerTemporalProperties).
MODE_START_END_FIELDS = 2
INCLUDE_BEGIN_EXCLUDE_END = 0
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
# Characters XML 1.0 cannot hold even escaped (control characters, lone surrogates): shown as U+FFFD.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# (symbol layer class, its children): one layer of a QGIS symbol.
SymbolLayer = tuple[str, list[ET.Element]]
# A legend rule: (label, QGIS filter expression or "ELSE", symbol factory (name -> symbol) or None, child rules).
Rule = tuple[str, str, "Callable[[str], ET.Element] | None", list[Any]]


def xml_text(value: object) -> str:
    """A value as text any XML document can hold (ElementTree escapes <, & and quotes when writing)."""
    return _NOT_XML.sub("\ufffd", str(value))


def element(tag: str, attributes: Mapping[str, object] | None = None, *children: ET.Element,
            text: object = None) -> ET.Element:
    """An element whose attribute values and text are made XML-safe: every value passes xml_text."""
    node = ET.Element(tag, {key: xml_text(value) for key, value in (attributes or {}).items()})
    node.extend(children)
    if text is not None:
        node.text = xml_text(text)
    return node


def to_xml(node: ET.Element) -> str:
    return ET.tostring(node, encoding="unicode")


def _rgba(hex_color: str, alpha: int = 255) -> str:
    h = hex_color.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _options(**values: object) -> ET.Element:
    return element("Option", {"type": "Map"},
                   *(element("Option", {"type": "QString", "name": k, "value": v}) for k, v in values.items()))


def _symbol(kind: str, name: str, *layers: SymbolLayer) -> ET.Element:
    body = [element("layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"}, *inner) for cls, inner in layers]
    return element("symbol", {"type": kind, "name": name, "alpha": "1", "clip_to_extent": "1", "force_rhr": "0"}, *body)


def marker(name: str, color: str, shape: str = "circle", size: float = 3.2, outline: str = "#232323",
           outline_width: float = 0.4, fill_alpha: int = 255, outline_style: str = "solid") -> ET.Element:
    layer = _options(color=_rgba(color, fill_alpha), name=shape, size=size, size_unit="MM", outline_color=_rgba(outline),
                     outline_width=outline_width, outline_width_unit="MM", outline_style=outline_style, joinstyle="bevel",
                     angle=0, scale_method="diameter", horizontal_anchor_point=1, vertical_anchor_point=1)
    return _symbol("marker", name, ("SimpleMarker", [layer]))


def _line_layer(color: str, width: float, dash: bool = False) -> SymbolLayer:
    return ("SimpleLine", [_options(line_color=_rgba(color), line_width=width, line_width_unit="MM",
                                    line_style="dash" if dash else "solid", capstyle="round", joinstyle="round")])


def line(name: str, color: str, width: float = 0.8, dash: bool = False) -> ET.Element:
    return _symbol("line", name, _line_layer(color, width, dash))


def _fill_layer(color: str, alpha: int, outline: str | None = None, outline_width: float = 0.26) -> SymbolLayer:
    return ("SimpleFill", [_options(color=_rgba(color, alpha), style="solid" if alpha else "no",
                                    outline_style="solid" if outline else "no", outline_color=_rgba(outline or color),
                                    outline_width=outline_width, outline_width_unit="MM")])


def _hatch_layer(color: str, angle: float = 45, distance: float = 1.6, width: float = 0.35) -> SymbolLayer:
    """Parallel lines in `color` across the polygon: the mark of an inferred or contested area."""
    sub = _symbol("line", "@hatch", _line_layer(color, width))
    return ("LinePatternFill", [_options(angle=angle, distance=distance, distance_unit="MM", line_width=width,
                                         line_width_unit="MM", color=_rgba(color), offset=0, offset_unit="MM"), sub])


def fill(name: str, color: str, alpha: float = 0.35, outline: str | None = None, hatch: str | None = None) -> ET.Element:
    """A polygon symbol: a solid fill of `color` at `alpha` (0: none), then a hatch in the `hatch` colour."""
    layers = [_fill_layer(color, int(255 * alpha), outline)]
    if hatch:
        layers.append(_hatch_layer(hatch))
    return _symbol("fill", name, *layers)


def _renderer(kind: str, **attributes: str) -> ET.Element:
    return element("renderer-v2", {"type": kind, **attributes, "symbollevels": "0", "enableorderby": "0",
                                   "forceraster": "0"})


def categorized(field: str, categories: Sequence[tuple[str, str, ET.Element]], fallback: ET.Element) -> ET.Element:
    """categories: [(value, label, symbol named str(i))]; fallback symbol for other values."""
    renderer = _renderer("categorizedSymbol", attr=field)
    renderer.append(element("categories", None, *(
        element("category", {"render": "true", "symbol": i, "value": value, "label": label})
        for i, (value, label, _) in enumerate(categories))))
    renderer.append(element("symbols", None, *(symbol for _, _, symbol in categories)))
    renderer.append(element("source-symbol", None, fallback))
    return renderer


def rule_based(rules: Iterable[Rule]) -> ET.Element:
    """rules: [(label, QGIS filter expression or 'ELSE', symbol factory (name -> symbol) or None, [child rules])],
    in legend order; a rule without a symbol only groups its children (a heading in the legend)."""
    symbols: list[ET.Element] = []
    counter = iter(range(1 << 30))

    def rule_element(label: str, expr: str, make_symbol: Callable[[str], ET.Element] | None,
                     children: Iterable[Rule] = ()) -> ET.Element:
        attributes = {"key": f"{{jisrgeo-rule-{next(counter)}}}", "filter": expr, "label": label}
        if make_symbol:
            attributes["symbol"] = str(len(symbols))
            symbols.append(make_symbol(str(len(symbols))))
        return element("rule", attributes, *(rule_element(*child) for child in children))

    items = [rule_element(*rule) for rule in rules]
    renderer = _renderer("RuleRenderer")
    renderer.append(element("rules", {"key": "{jisrgeo-rules}"}, *items))
    renderer.append(element("symbols", None, *symbols))
    return renderer


def single(symbol: ET.Element) -> ET.Element:
    renderer = _renderer("singleSymbol")
    renderer.append(element("symbols", None, symbol))
    return renderer


def temporal(start_field: str | None = None, end_field: str | None = None) -> ET.Element:
    if not start_field:
        return element("temporal", {"enabled": "0", "mode": "0"})
    return element("temporal", {
        "enabled": "1", "mode": MODE_START_END_FIELDS, "limitMode": INCLUDE_BEGIN_EXCLUDE_END,
        "startField": start_field, "endField": end_field or "", "accumulate": "0", "fixedDuration": "0",
        "durationUnit": "min", "durationField": "", "startExpression": "", "endExpression": ""},
        element("fixedRange", None, element("start", text=""), element("end", text="")))


def labels(expression: str, size: float = 9, color: str = "30,30,30,255", italic: bool = False,
           priority: int = 8) -> ET.Element:
    """Labels from a QGIS expression over the layer's own fields (never over dataset text). Where labels
    collide QGIS drops the lower `priority` (0-10) first: the battle's places win over context towns."""
    buffer = element("text-buffer", {"bufferDraw": "1", "bufferSize": "0.8", "bufferSizeUnits": "MM",
                                     "bufferColor": "255,255,255,255", "bufferOpacity": "0.8"})
    style = element("text-style", {"fieldName": expression, "fontSize": size, "fontSizeUnit": "Point",
                                   "textColor": color, "fontFamily": "Sans Serif", "fontItalic": int(italic),
                                   "isExpression": "1", "textOpacity": "1"}, buffer)
    placement = element("placement", {"placement": "0", "dist": "1.5", "distUnits": "MM", "quadOffset": "2",
                                      "priority": priority})
    rendering = element("rendering", {"scaleVisibility": "0", "obstacle": "1"})
    return element("labeling", {"type": "simple"},
                   element("settings", {"calloutType": "simple"}, style, placement, rendering))


def qml(renderer: ET.Element, temporal_element: ET.Element, labeling: ET.Element | None = None) -> str:
    """A QML document (what layer_styles and a .qml file hold) of a renderer, its temporal setting and labels."""
    root = element("qgis", {"version": QGIS_VERSION, "styleCategories": "AllStyleCategories",
                            "labelsEnabled": "1" if labeling is not None else "0"}, temporal_element, renderer)
    if labeling is not None:
        root.append(labeling)
    return f"{DOCTYPE}\n{to_xml(root)}\n"


def _side_categories(vocabulary: "Vocabulary", shape_size: float = 3.6) -> list[tuple[str, str, ET.Element]]:
    return [(side.code, side.label, marker(str(i), side.color, size=shape_size))
            for i, side in enumerate(vocabulary.sides.values())]


def _quoted(value: object) -> str:
    """A value as a QGIS expression string literal."""
    return "'" + str(value).replace("'", "''") + "'"


# "≈ " before the name of a place whose position we inferred (location_source 'inferred: ...').
# Names as drawn everywhere (names.display_name): a transliteration's backtick shows as the apostrophe ’.
DISPLAY_NAME = "replace(\"name\", '`', '\u2019')"
PLACE_LABEL = "CASE WHEN \"location_source\" LIKE 'inferred%' THEN '≈ ' ELSE '' END || " + DISPLAY_NAME
STATE_LABEL = "CASE WHEN \"position_inferred\" THEN '≈ ' ELSE '' END || " + DISPLAY_NAME


def _states(frame: Any, side_field: str) -> list[tuple[Any, str, str | None, bool]]:
    """The (side, status, challenger, reported) combinations present in a layer, in a fixed order."""
    if frame is None or frame.empty:
        return []
    basis = frame["basis"] if "basis" in frame.columns else None
    rows = {(s, st, c if isinstance(c, str) else None, b == "reported")
            for s, st, c, b in zip(frame[side_field], frame["status"], frame["challenger"],
                                   basis if basis is not None else ["reported"] * len(frame))}
    order = {"held": 0, "contested": 1, "besieged": 2}
    return sorted(rows, key=lambda r: (str(r[0]), order.get(r[1], 9), str(r[2]), not r[3]))


def _state_rule(vocabulary: "Vocabulary", state: tuple[Any, str, str | None, bool]) -> tuple[str, str]:
    """(legend label, filter) of one state under its side's heading."""
    _, status, challenger, reported = state
    expr = [f'"status" = {_quoted(status)}',
            f'"challenger" = {_quoted(challenger)}' if challenger else '"challenger" IS NULL',
            "\"basis\" = 'reported'" if reported else "coalesce(\"basis\", '') <> 'reported'"]
    label = status + (f" by {vocabulary.label(challenger)}" if challenger else "") + ("" if reported else " (inferred)")
    return label, " AND ".join(expr)


def _by_side(vocabulary: "Vocabulary", frame: Any, side_field: str, make_symbol: Callable[..., Any]) -> list[Rule]:
    """Rules grouped under one heading per side: the side's states present in the layer, each with its symbol."""
    groups: dict[Any, list[Rule]] = {}
    for state in _states(frame, side_field):
        label, expr = _state_rule(vocabulary, state)
        groups.setdefault(state[0], []).append((label, expr, make_symbol(state), []))
    return [(vocabulary.label(side), f'"{side_field}" = {_quoted(side)}', None, children)
            for side, children in groups.items()]


def state_points(vocabulary: "Vocabulary", frame: Any, side_field: str = "controller") -> ET.Element:
    """Control of places: filled in the side's colour when reported, hollow when inferred; a ring in the
    challenger's colour when contested (circle) or besieged (square)."""
    def symbol(state: tuple[Any, str, str | None, bool]) -> Callable[[str], ET.Element]:
        side, status, challenger, reported = state
        color = vocabulary.color(side)
        ring = vocabulary.color(challenger) if challenger else ("#232323" if reported else color)
        return lambda name: marker(name, color, shape="square" if status == "besieged" else "circle", size=3.6,
                                   outline=ring, outline_width=1.0 if challenger or not reported else 0.4,
                                   fill_alpha=255 if reported else 0)

    other: Rule = ("other", "ELSE", lambda name: marker(name, UNKNOWN_COLOR), [])
    return rule_based(_by_side(vocabulary, frame, side_field, symbol) + [other])


def state_areas(vocabulary: "Vocabulary", frame: Any, side_field: str = "controller") -> ET.Element:
    """Areas of control: a solid fill in the side's colour when reported; hatched in the side's colour when
    inferred; hatched in the challenger's colour when contested or besieged. Never a lighter shade."""
    def symbol(state: tuple[Any, str, str | None, bool]) -> Callable[[str], ET.Element]:
        side, _, challenger, reported = state
        color = vocabulary.color(side)
        hatch = vocabulary.color(challenger) if challenger else (None if reported else color)
        return lambda name: fill(name, color, alpha=FILL_ALPHA if reported else 0, outline=color, hatch=hatch)

    other: Rule = ("other", "ELSE", lambda name: fill(name, UNKNOWN_COLOR), [])
    return rule_based(_by_side(vocabulary, frame, side_field, symbol) + [other])


def _side_field(frame: Any) -> str:
    # The zones workstream names the column 'side' (contract); older exports call it 'controller'.
    return "side" if frame is not None and "side" in frame.columns else "controller"


# Context layers: (layer, geometry type, title, QML) - drawn under the data, never animated.
CONTEXT_STYLES: dict[str, tuple[str, str, Callable[[], str]]] = {
    "country": ("Polygon", "Countries and borders",
                lambda: qml(single(fill("0", "#f4f1ea", alpha=1.0, outline="#8c8c8c")), temporal())),
    "admin1": ("LineString", "Province borders", lambda: qml(single(line("0", "#a0a0a0", width=0.3, dash=True)), temporal())),
    "lake": ("Polygon", "Lakes", lambda: qml(single(fill("0", "#cfe0ef", alpha=1.0)), temporal())),
    "coast": ("LineString", "Coastline", lambda: qml(single(line("0", "#6f93b8", width=0.4)), temporal())),
    "river": ("LineString", "Rivers", lambda: qml(single(line("0", "#8fb3d9", width=0.35)), temporal())),
    "town": ("Point", "Towns", lambda: qml(single(marker("0", "#6e6e6e", size=1.6, outline="#ffffff", outline_width=0.2)),
                                          temporal(), labels(DISPLAY_NAME, size=7, color="90,90,90,255", italic=True,
                                                 priority=2))),
    # The dataset's own context.geojson, above the built-in ground and named.
    "dataset_areas": ("Polygon", "The dataset's own areas (plains, features)",
                      lambda: qml(single(fill("0", "#e8e2cf", alpha=0.5, outline="#a89f7f")), temporal(),
                                  labels('"name"', size=8, color="110,100,70,255", italic=True, priority=3))),
    "dataset_lines": ("LineString", "The dataset's own rivers, roads and lines",
                      lambda: qml(single(line("0", "#4f7fb0", width=0.6)), temporal(),
                                  labels('"name"', size=8, color="50,80,120,255", italic=True, priority=4))),
    "dataset_points": ("Point", "The dataset's own named features",
                       lambda: qml(single(marker("0", "#7a7a7a", size=1.8, outline="#ffffff", outline_width=0.2)),
                                   temporal(), labels('"name"', size=8, color="70,70,70,255", italic=True, priority=4))),
}


def _present(codes: Iterable[str], frame: Any, field: str) -> list[str]:
    """The codes of `codes` the layer `frame` uses in `field` (every code when there is no frame)."""
    if frame is None or field not in getattr(frame, "columns", ()):
        return list(codes)
    used = set(frame[field].dropna())
    return [c for c in codes if c in used]


def layer_qml(vocabulary: "Vocabulary", frames: Mapping[str, Any] | None = None) -> dict[str, tuple[str, str]]:
    """{layer: (description, qml)} for each spatial layer of the export, in the dataset's own colours.

    `frames` (the export's layers) decide which control states get a legend entry: only those present."""
    frames = frames or {}
    lists = vocabulary.lists()
    sides = categorized("controller", _side_categories(vocabulary), marker("0", UNKNOWN_COLOR))
    event_cats = []
    # The legend lists what is drawn: the event types and route kinds the data has (all, without frames).
    for i, kind in enumerate(_present(lists["event_types"], frames.get("events"), "type")):
        _, shape, color = vocabulary.event_symbol(kind)
        event_cats.append((kind, vocabulary.label(kind), marker(str(i), color, shape=shape, size=3.4)))
    route_cats = [(k, vocabulary.label(k), line(str(i), vocabulary.route_color(k), width=1.0 if k == "breakout" else 0.5,
                                                  dash=k != "breakout"))
                  for i, k in enumerate(_present(lists["route_kinds"], frames.get("routes"), "kind"))]
    areas = frames.get("control_areas")
    return {
        "places": ("Places with labels (≈: position inferred)",
                   qml(single(marker("0", "#ffffff", outline="#333333", size=2.6)), temporal(), labels(PLACE_LABEL))),
        "control_intervals": ("Control of places by side and status (hollow: inferred); animated by the Temporal Controller",
                              qml(state_points(vocabulary, frames.get("control_intervals")),
                                  temporal("start_date", "end_date"), labels(STATE_LABEL))),
        "control_changes": ("Control changes by new controller", qml(sides, temporal())),
        "events": ("Events by type; animated by the Temporal Controller", qml(categorized("type", event_cats, marker("0", "#666666")),
                                                                              temporal("date", "end_date"))),
        "routes": ("Routes by kind", qml(categorized("kind", route_cats, line("0", "#555555")), temporal())),
        "control_areas": ("Estimated areas of control (derived) by side and status (hatched: inferred or challenged); "
                          "animated by the Temporal Controller",
                          qml(state_areas(vocabulary, areas, _side_field(areas)), temporal("start_date", "end_date"))),
        "front_lines": ("Estimated front lines (derived); animated by the Temporal Controller",
                        # Estimated: lighter than anything observed, dashed (style.LINE_STYLES).
                        qml(single(line("0", str(LINE_STYLES["estimated_front"]["color"]), width=0.6, dash=True)),
                            temporal("start_date", "end_date"))),
    }


def context_qml(kinds: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{gpkg layer: (description, qml)} for the context layers present."""
    return {f"context_{kind}": (CONTEXT_STYLES[kind][1], CONTEXT_STYLES[kind][2]()) for kind in kinds}


def write_styles(gpkg_path: str | os.PathLike[str], styles: Mapping[str, tuple[str, str]], stamp: str,
                 geometry_column: str = "geom") -> None:
    """Add a default QGIS style per spatial layer ({layer: (description, qml)}) to the GeoPackage's layer_styles table.

    `stamp` is the update time written (the dataset's last day, not the clock: builds stay byte-identical)."""
    with sqlite3.connect(gpkg_path) as db:
        db.execute("""CREATE TABLE IF NOT EXISTS layer_styles (
            id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
            f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
            styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
            update_time DATETIME DEFAULT CURRENT_TIMESTAMP)""")
        for layer, (description, style) in styles.items():
            db.execute("""INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
                          styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time)
                          VALUES ('', '', ?, ?, ?, ?, '', 1, ?, ?, NULL, ?)""",
                       (layer, geometry_column, f"jisrgeo {layer}", style, description, GENERATOR, stamp))
        # Register the table as a GeoPackage attributes table, as QGIS itself does.
        db.execute("""INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
                      VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?)""", (stamp,))
