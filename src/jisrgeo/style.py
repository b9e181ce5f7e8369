"""Default colours and symbols, shared by the maps and the QGIS styles.

Sides' colours and labels are the dataset's own (see sides.py); these are the defaults for
event types and route kinds, which a dataset may extend or override in dataset.json.
"""

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

# Event symbols: a Font Awesome icon name (maps) and a QGIS marker shape (exports), per event type.
EVENT_SYMBOLS = {
    "armed_clash": ("crosshairs", "cross2", "#ff7f00"),
    "assault": ("bolt", "triangle", "#ff7f00"),
    "territory_taken": ("flag", "star", "#6a3d9a"),
    "counter_offensive": ("arrow-right", "arrow", "#b15928"),
    "suicide_attack": ("burst", "diamond", "#e31a1c"),
    "shelling": ("bullseye", "circle", "#fb9a99"),
    "air_strike": ("plane", "triangle", "#1f78b4"),
    "barrel_bomb": ("helicopter", "pentagon", "#1f78b4"),
    "execution": ("skull", "cross", "#000000"),
    "massacre_claim": ("triangle-exclamation", "hexagon", "#e31a1c"),
    "capture": ("link", "square", "#6a3d9a"),
    "breakout": ("person-running", "arrowhead", "#d7191c"),
    "redeployment": ("truck", "rectangle", "#b15928"),
    "death_of_commander": ("user-xmark", "cross_fill", "#000000"),
    "statement": ("bullhorn", "square", "#666666"),
    "casualty_report": ("list", "square", "#666666"),
}
DEFAULT_EVENT_SYMBOL = ("circle", "circle", "#666666")


# Route kinds and their line colour.
ROUTE_COLORS = {"breakout": "#d7191c", "closest_approach": "#555555", "road": "#555555", "advance": "#555555"}
