"""The dataset's controlled vocabularies and column names, defined once."""

SIDES = ("government", "opposition", "islamic_state")
STATUSES = ("held", "contested", "besieged")
DATE_PRECISIONS = ("day", "range", "month")
PLACE_KINDS = ("city", "town", "village", "hospital", "checkpoint", "military_base", "airbase",
               "hill", "area", "governorate")
# Modelled on ACLED's sub-event types, narrowed to what this kind of source reports.
EVENT_TYPES = {
    "armed_clash": "ground fighting between two sides (ACLED: Battles / Armed clash)",
    "assault": "one side attacks a position (ACLED: Battles)",
    "territory_taken": "a side takes a place (ACLED: Battles / territory taken)",
    "counter_offensive": "a step of the army's counter-offensive (ACLED: Battles)",
    "suicide_attack": "suicide bombers or vehicle bombs (ACLED: Explosions / Suicide bomb)",
    "shelling": "artillery or mortar fire (ACLED: Explosions / Shelling)",
    "air_strike": "fixed-wing air raids (ACLED: Explosions / Air strike)",
    "barrel_bomb": "barrel bombs dropped from helicopters (ACLED: Explosions / Air strike)",
    "execution": "killing of prisoners (ACLED: Violence against civilians)",
    "massacre_claim": "an allegation of mass killing made by one party",
    "capture": "prisoners taken",
    "breakout": "a besieged force leaves its position",
    "redeployment": "forces moved between fronts (ACLED: Strategic developments)",
    "death_of_commander": "a named or senior commander killed",
    "statement": "a political statement about the battle (ACLED: Strategic developments)",
    "casualty_report": "a toll over a period rather than one incident",
}
CASUALTY_SIDES = ("government", "opposition", "civilian", "unknown")
OUTCOMES = ("killed", "wounded", "captured", "missing", "captured_or_missing", "killed_or_wounded")
BASES = ("reported", "inferred")
ROUTE_KINDS = ("breakout", "closest_approach", "road", "advance")

# Column names used across timeline, maps and exports.
PLACE_ID, CONTROLLER, STATUS, CHALLENGER, SINCE = "place_id", "controller", "status", "challenger", "since"
START, END = "start", "end"
