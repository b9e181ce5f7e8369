"""Default colours and symbols, shared by the maps and the QGIS styles.

Sides' colours and labels are the dataset's own (see sides.py); these are the defaults for
event types and route kinds, which a dataset may extend or override in dataset.json.
"""

from typing import TypedDict


class LineStyle(TypedDict):
    color: str
    width: float
    dash: list[float]

UNKNOWN_COLOR = "#8c8c8c"

# The ground every map draws zones over, and how strongly a zone is filled: the web viewer and the
# static pictures use these two, and the colour check (cvd.py) measures the fills as drawn with them.
LAND = "#f2efe8"
FILL_ALPHA = 0.45
STATUS_LABELS = {
    "held": "held (filled circle)",
    "contested": "contested (dashed ring of the challenger's colour)",
    "besieged": "besieged (thick ring of the besieger's colour)",
}

# Event symbols: a Font Awesome icon name (maps), a QGIS marker shape (exports) and a colour, per event
# type. Every glyph is a neutral dark ink: the shape tells the kind, so no event borrows a side's hue
# (issue 34); a dataset may still declare its own colour for a type it adds.
EVENT_INK = "#2b2b2b"
EVENT_SYMBOLS = {
    "armed_clash": ("crosshairs", "cross2", EVENT_INK),
    "assault": ("bolt", "triangle", EVENT_INK),
    "territory_taken": ("flag", "star", EVENT_INK),
    "counter_offensive": ("arrow-right", "arrow", EVENT_INK),
    "suicide_attack": ("burst", "diamond", EVENT_INK),
    "shelling": ("bullseye", "circle", EVENT_INK),
    "air_strike": ("plane", "triangle", EVENT_INK),
    "barrel_bomb": ("helicopter", "pentagon", EVENT_INK),
    "execution": ("skull", "cross", EVENT_INK),
    "massacre_claim": ("triangle-exclamation", "hexagon", EVENT_INK),
    "capture": ("link", "square", EVENT_INK),
    "breakout": ("person-running", "arrowhead", EVENT_INK),
    "redeployment": ("truck", "rectangle", EVENT_INK),
    "death_of_commander": ("user-xmark", "cross_fill", EVENT_INK),
    "statement": ("bullhorn", "square", "#6b6b6b"),
    "casualty_report": ("list", "square", "#6b6b6b"),
}
DEFAULT_EVENT_SYMBOL = ("circle", "circle", EVENT_INK)

# "Changed hands this day": a dark ring on a white casing, at least 3:1 (WCAG 1.4.11) against the land
# and every side's fill as drawn (tests/test_colours.py measures it); never a side's colour.
CHANGED_MARK = "#111111"
CHANGED_CASING = "#ffffff"
NONTEXT_CONTRAST_MIN = 3.0

# Lines, each told apart by ink, width and dash (dash: on/off lengths in line widths' units, [] solid):
# roads solid grey, the closest-approach ring dotted, advances dashed, a breakout dash-dot and heavier;
# first-level borders dash-dot in the land's brown, country borders solid; estimated fronts lighter than
# anything observed (a mid grey, dashed); rivers in a blue no default side uses, above the zone fills.
LINE_STYLES: dict[str, LineStyle] = {
    "road": {"color": "#6b6b6b", "width": 1.6, "dash": []},
    "closest_approach": {"color": "#333333", "width": 1.1, "dash": [1, 2.5]},
    "advance": {"color": "#333333", "width": 1.3, "dash": [6, 3]},
    "breakout": {"color": "#111111", "width": 2.0, "dash": [7, 2, 1.5, 2]},
    "admin1_border": {"color": "#9c8f80", "width": 0.7, "dash": [5, 2, 1, 2]},
    "country_border": {"color": "#8c8378", "width": 0.9, "dash": []},
    "estimated_front": {"color": "#7a7a7a", "width": 1.3, "dash": [4, 2]},
    "river": {"color": "#3fb6e0", "width": 1.4, "dash": []},
}
RIVER = LINE_STYLES["river"]["color"]

# Route kinds and their line colour (the style of each is LINE_STYLES[kind]).
ROUTE_COLORS = {kind: LINE_STYLES[kind]["color"] for kind in ("breakout", "closest_approach", "road", "advance")}

# Colours for sides that declare none, in this order (and what `jisrgeo init` writes). Any first n of
# them, up to all eight, stay apart for colour-blind readers: at least cvd.MARKER_MIN CIEDE2000 units
# between markers and cvd.FILL_MIN between zone fills as drawn, with deuteranopia, protanopia and
# tritanopia simulated, from each other, the "no control" grey and the bare land (tests/test_colours.py).
# Red and green keep the field's convention by lightness: a mid red, a light green, a near-black third,
# so a greyscale print keeps the first three apart too (CIE L* about 47, 90 and 4).
PALETTE = ("#ce2c07", "#a2fb14", "#3e0002", "#197ce9", "#0c0633", "#febbff", "#0000cb", "#5b525e")
