"""Colours and symbols, defined once and shared by the maps and the QGIS styles."""

# Map readers' convention for the Syrian war: government red, opposition green, IS black.
SIDE_COLORS = {
    "government": "#d7191c",
    "opposition": "#1a9641",
    "islamic_state": "#000000",
}
UNKNOWN_COLOR = "#8c8c8c"
SIDE_LABELS = {"government": "Government", "opposition": "Opposition", "islamic_state": "Islamic State"}
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


def side_color(side):
    return SIDE_COLORS.get(side, UNKNOWN_COLOR)


def event_symbol(event_type):
    """(font awesome icon, QGIS marker name, colour) for an event type."""
    return EVENT_SYMBOLS.get(event_type, DEFAULT_EVENT_SYMBOL)
