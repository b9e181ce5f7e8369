"""The one declaration of every file in a dataset folder: its fields, types, vocabularies and keys.

Everything else is generated from here: the shape checks (shape.py), the JSON Schemas that
`jisrgeo schema FILE` prints, the frame columns the readers build, the CLI's columns and the
format reference (docs/format.md). A field name is written once, in this file.

Types:
  string, integer, number, boolean, date (ISO YYYY-MM-DD), slug (a-z, 0-9, _),
  strings / dates / slugs (arrays of those), refs (a non-empty array of reference numbers
  found in sources.csv), object / objects (one object or an array of objects with `fields`),
  mapping (an object whose keys are codes and values of type `values`).
Vocabularies (`vocab`) name a list the dataset may extend (see sides.py); `ref` names the
file whose id the value must be.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from .style import EVENT_SYMBOLS, ROUTE_COLORS

# What each built-in place kind stands for on the zone maps (areas.py), one declaration:
#   ground: a settlement or a held position; it gets a tile of the ground around it.
#   mark: infrastructure (a bridge, a road, a building); its state is a mark on the place, it takes no
#         ground from its neighbours (a contested bridge is not a zone across the river).
#   region: it names a region or many places at once; no zone and no mark.
# A hospital, a checkpoint or a base is ground: each is a garrisoned position whose siege is a pocket
# of ground (the bundled battle's besieged hospital held out for a month). A dataset's own kinds are
# ground unless dataset.json's place_kinds says "ground": false or "region": true; either may also
# override a built-in kind.
PLACE_KIND_ROLES = {"city": "ground", "town": "ground", "village": "ground", "neighbourhood": "ground",
                    "hospital": "ground", "checkpoint": "ground", "military_base": "ground", "airbase": "ground",
                    "hill": "ground", "bridge": "mark", "road": "mark", "building": "mark",
                    "area": "region", "governorate": "region"}
# Built-in vocabularies: the defaults a dataset's own declarations extend (sides.py).
STATUSES = ("held", "contested", "besieged")
# The statuses that need a challenger: the side attacking or besieging the place.
CHALLENGED = ("contested", "besieged")
# What a dated control state is beside the one before: the place changed hands, or only its status/challenger.
CHANGE_KINDS = ("hands", "status")
# The list fields of an event whose objects are figures (the casualties table), in reading order.
FIGURE_LISTS = ("casualties", "counts")
DATE_PRECISIONS = ("day", "range", "month")
BASES = ("reported", "inferred")
OUTCOMES = ("killed", "wounded", "captured", "missing", "captured_or_missing", "killed_or_wounded",
            "killed_wounded_or_captured")
# The lists a dataset.json may extend (sides.Vocabulary), declared here so the format's doc needs no import of sides.
BUILTIN_VOCABULARIES = {
    "place_kinds": tuple(PLACE_KIND_ROLES),
    # Modelled on ACLED's sub-event types, narrowed to what a battle's sources report.
    "event_types": tuple(EVENT_SYMBOLS),
    "route_kinds": tuple(ROUTE_COLORS),
}
# Casualty sides beyond a dataset's own: people who are on no side, or whose side is not known.
NON_COMBATANT_SIDES = ("civilian", "unknown")
# The kinds of claim, and the fields each one needs.
CLAIM_NEEDS = {"distance": ("from", "to", "stated_m"), "direction": ("from", "to", "direction"), "near": ("from", "to"),
               "route_length": ("route_id", "stated_m"), "route_radius": ("route_id", "from", "stated_m"),
               "near_line": ("from", "line", "stated_m")}
CLAIM_KINDS = tuple(CLAIM_NEEDS)
# How a figure is worded, and so which of low/best/high it fills: qualifier -> (the fields that must hold a
# number, the fields that must be empty). "at least N" and "more than N" are written low = best = N.
FIGURE_ENCODING = {"exact": (("best",), ("low", "high")), "about": (("best",), ("low", "high")),
                   "at_least": (("low", "best"), ("high",)), "more_than": (("low", "best"), ("high",)),
                   "range": (("low", "high"), ()), "vague": ((), ("low", "best", "high"))}
FIGURE_QUALIFIERS = tuple(FIGURE_ENCODING)
# The array types and the type of each of their items (refs: reference numbers).
ARRAY_ITEMS = {"strings": "string", "dates": "date", "slugs": "slug", "numbers": "number", "refs": "integer"}
COMPASS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
# Layers a folder may hold, their default file names, and which must be there.
LAYER_FILES = {"places": "places.geojson", "events": "events.geojson", "routes": "routes.geojson",
               "sources": "sources.csv", "forces": "forces.json", "claims": "claims.json", "context": "context.geojson"}
# The geometry types a context.geojson feature may have (a river or road, a plain or a lake, a named point).
CONTEXT_GEOMETRIES = ("LineString", "MultiLineString", "Polygon", "MultiPolygon", "Point")
REQUIRED_LAYERS = ("places",)
# Files above this size are refused before parsing, and JSON nested deeper than this is refused.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 32
# Any JSON file we read (a layer, our own marks and caches, --sides) nesting deeper than this is refused
# before it is decoded: the format needs fewer than ten levels.
MAX_JSON_DEPTH = 128
# A layer of a GeoPackage or GeoParquet dataset holding more rows than this, or declaring more bytes
# uncompressed, is refused before it is read (a small file can declare millions of rows).
MAX_LAYER_ROWS = 2_000_000
MAX_LAYER_BYTES = 1 << 30
# Dates pandas can hold (nanosecond timestamps), so every date of a valid dataset can be computed with.
DATE_MIN, DATE_MAX = "1700-01-01", "2200-12-31"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    doc: str
    required: bool = False
    nullable: bool = True
    vocab: str | None = None
    ref: str | None = None
    fields: tuple = ()
    values: str | None = None
    minimum: float | None = None
    exclusive_minimum: bool = False
    length: int | None = None


def F(name: str, type_: str, doc: str, **kw: Any) -> Field:
    return Field(name, type_, doc, **kw)


def R(name: str, type_: str, doc: str, **kw: Any) -> Field:
    """A required field (present, and not null unless nullable=True says so)."""
    kw.setdefault("nullable", False)
    return Field(name, type_, doc, required=True, **kw)


REFS = F("refs", "refs", "reference numbers in sources.csv that state this (required, and non-empty, when the dataset has sources.csv)")
NOTE = F("note", "string", "our own words; never text copied from a source")


def _figure(side_vocab, outcome_doc, outcome_vocab=None):
    return (R("side", "slug", "the side the figure is about", vocab=side_vocab),
            R("outcome", "slug", outcome_doc, vocab=outcome_vocab),
            F("qualifier", "slug", "how the source words it: exact and about fill best only; at_least and more_than "
              "low = best; range low and high; vague no number, only text", vocab="figure_qualifiers"),
            F("low", "number", "smallest figure stated", minimum=0),
            F("best", "number", "the figure stated", minimum=0),
            F("high", "number", "largest figure stated", minimum=0),
            F("text", "string", "the quantity in words where no number is given ('several tens'), our wording"))


STATE = (
    R("date", "date", "the day of the change; null for the initial state (the first one only)", nullable=True),
    F("date_end", "date", "last possible day when the change is known only within a range"),
    F("date_precision", "slug", "how exactly the date is known", vocab="date_precisions"),
    R("controller", "slug", "the side that holds the place", vocab="sides"),
    R("status", "slug", "held, contested (attacked by the challenger) or besieged (surrounded by it)", vocab="statuses"),
    F("challenger", "slug", "the side attacking or besieging a contested or besieged place", vocab="sides"),
    R("basis", "slug", "reported by a source, or inferred by us (say how in the note)", vocab="bases"),
    REFS, NOTE,
)

SIDE = (
    F("label", "string", "name shown in legends and tables"),
    F("color", "color", "#rrggbb colour on maps (default: a colour-blind-safe palette)"),
    F("description", "string", "who fights on this side"),
    F("neutral", "boolean", "true for a side that fights nobody here (a neighbouring state, a border): its ground "
      "is drawn in its colour but no front line is ever drawn against it"),
    F("allies", "slugs", "codes of the sides it fights alongside (symmetric: naming it on either side is enough); "
      "their zones meet without a front line", vocab="sides"),
    F("actors", "strings", "names or glob patterns (any case) of the actors on this side as events' actor1/actor2 "
      "write them ('rebel*'); ACLED and UCDP exports write the side's label for them and keep the actor's words apart"),
)
VOCAB_ENTRY = (
    F("label", "string", "name shown in legends and tables"),
    F("symbol", "string", "Font Awesome icon name (maps) for an event type; ignored elsewhere"),
    F("color", "color", "#rrggbb colour of the symbol"),
    F("region", "boolean", "place kinds only: true for a kind that names a region or many places at once (like the "
      "built-in governorate and area); such places get no zone of control"),
    F("ground", "boolean", "place kinds only: false for a kind that is infrastructure rather than ground (like the "
      "built-in bridge, road and building): its state is shown as a mark on the place and it takes no ground from "
      "its neighbours; true makes a kind ground again"),
)

# Per file: "file" (its default name), "kind" (object, features, context, array or csv), "doc", "fields" (a
# tuple of Field), "geometry" for features and context files, "extra" where other keys are allowed.
FILES: dict[str, dict[str, Any]] = {
    "dataset": {
        "file": "dataset.json", "kind": "object",
        "doc": "What the dataset is: its name, period, sides and map settings (optional; see the defaults).",
        "fields": (
            F("name", "string", "the dataset's title, shown on every map"),
            F("source", "string", "where the facts come from, shown on the index page"),
            F("country", "object", "the country the battle is in, written to the country columns of ACLED and UCDP "
              "exports (and read back from them)", fields=(
                R("name", "string", "its name as ACLED and UCDP write it ('Syria')"),
                F("iso", "integer", "ISO 3166-1 numeric code (ACLED's iso: Syria 760)", minimum=1),
                F("gwno", "integer", "Gleditsch-Ward number (UCDP's country_id: Syria 652)", minimum=1))),
            F("period", "object", "first and last day covered; required when no place ever changes hands", fields=(
                R("start", "date", "first day"), R("end", "date", "last day"))),
            F("sides", "mapping", "the sides that can hold places: code -> description, or code -> "
              "{label, color, description, neutral, allies}; `neutral: true` marks a side no front line is drawn "
              "against, `allies: [codes]` sides it fights alongside (symmetric: no front line between them); "
              "default: the sides used in places.geojson", values="side"),
            F("layers", "mapping", "file name of a layer, relative to the folder and inside it "
              f"(defaults: {', '.join(f'{k}: {v}' for k, v in LAYER_FILES.items())})", values="filename"),
            F("key_days", "dates", "days for the key-days PNG"),
            F("map_extent", "numbers", "[lon_min, lat_min, lon_max, lat_max] to frame the maps", length=4),
            F("day_pages", "boolean", "true where links to per-day pages (days/YYYY-MM-DD.html) were published: "
              "`jisrgeo build` then writes a redirect to the day viewer at each (default: none)"),
            F("tiles", "string", "web map tiles over the offline ground: an https URL template with {z}/{x}/{y}, "
              "or 'none' (the default: offline context only); `jisrgeo build/map --tiles` overrides it"),
            F("tiles_attribution", "string", "the tile provider's credit shown on the web pages"),
            F("place_kinds", "mapping", "extra place kinds: code -> {label, region, ground}; `region: true` for a "
              "kind that names a region or many places at once (no zone of control, like the built-in governorate "
              "and area); `ground: false` for infrastructure (a mark, no zone, like the built-in bridge, road and "
              "building); either may be given for a built-in kind too", values="vocab"),
            F("event_types", "mapping", "extra event types: code -> {label, symbol, color}", values="vocab"),
            F("route_kinds", "mapping", "extra route kinds: code -> {label, color}", values="vocab"),
        ),
    },
    "places": {
        "file": "places.geojson", "kind": "features", "geometry": "Point", "id": "place_id",
        "doc": "Every place the source names, with its control over time.",
        "fields": (
            R("place_id", "slug", "unique id (a-z, 0-9, _)"),
            R("name", "string", "the name shown on maps"),
            R("aliases", "strings", "other spellings (any language); lookups accept any of them"),
            R("kind", "slug", "what the place is", vocab="place_kinds"),
            F("governorate", "string", "the administrative area"),
            F("part_of", "string", "the place this one is part of (a neighbourhood of its city, a hospital of its "
              "town): a place with parts that stand for ground draws its zones through them, not around its own "
              "point", ref="places"),
            R("precision_m", "number", "radius of doubt of the position, in metres", minimum=0),
            R("location_source", "string", "where the coordinates come from (a gazetteer, or 'inferred: how')"),
            REFS, NOTE,
            R("control", "objects", "the initial state (date null), then every change in date order; may be empty",
              fields=STATE),
        ),
    },
    "events": {
        "file": "events.geojson", "kind": "features", "geometry": "Point", "id": "event_id",
        "doc": "Dated events: fighting, air raids, executions, statements, casualty reports.",
        "fields": (
            R("event_id", "string", "unique id"),
            R("date", "date", "the day (the first possible day of a range)"),
            F("date_end", "date", "last possible day when the date is known only within a range"),
            R("date_precision", "slug", "how exactly the date is known", vocab="date_precisions"),
            R("place_id", "string", "the place it happened at or nearest to", ref="places"),
            F("also_at", "strings", "other places the source names for it", ref="places"),
            F("precision_m", "number", "radius of doubt of its position, in metres (vaguely placed events)", minimum=0),
            R("type", "slug", "what happened", vocab="event_types"),
            F("actor1", "string", "who acted"),
            F("actor2", "string", "who was acted upon"),
            R("claimant", "string", "who reports it (rival claims are separate events)"),
            F("casualties", "objects", "people killed, wounded, captured... by side",
              fields=_figure("casualty_sides", "what happened to them", "outcomes")),
            F("counts", "objects", "other figures: air raids, barrel bombs, tanks...",
              fields=_figure("casualty_sides", "what is counted (a slug such as air_raids)")),
            F("incident", "string", "rival claims about one incident share this id"),
            F("aggregate", "boolean", "a toll over a period, never added to incident sums"),
            REFS, NOTE,
        ),
    },
    "routes": {
        "file": "routes.geojson", "kind": "features", "geometry": "LineString", "id": "route_id",
        "doc": "Lines: breakouts, advances, roads, rings.",
        "fields": (
            R("route_id", "string", "unique id"),
            R("name", "string", "the name shown on maps"),
            R("kind", "slug", "what the line is", vocab="route_kinds"),
            F("date", "date", "the day it was used (null: always shown)"),
            F("date_end", "date", "last day of a range"),
            F("date_precision", "slug", "how exactly the date is known", vocab="date_precisions"),
            R("schematic", "boolean", "true when the line is drawn from a description, not traced"),
            F("stated_length_m", "number", "the length the source states, in metres", minimum=0),
            F("stated_length_text", "string", "the length as the source words it"),
            F("from_place_id", "string", "where it starts", ref="places"),
            F("to_place_id", "string", "where it ends", ref="places"),
            REFS, NOTE,
        ),
    },
    "sources": {
        "file": "sources.csv", "kind": "csv", "id": "ref",
        "doc": "The numbered references every fact cites.",
        "fields": (
            R("ref", "integer", "the reference number", minimum=1),
            R("publisher", "string", "the outlet that published it (empty if unknown)", nullable=True),
            F("agency", "string", "the wire agency whose dispatch it carries (AFP, Reuters), where the reference names one"),
            R("title", "string", "its title", nullable=True),
            R("language", "string", "ISO 639-1 code", nullable=True),
            R("date", "date", "publication date, where known (empty otherwise)", nullable=True),
        ),
    },
    "claims": {
        "file": "claims.json", "kind": "array",
        "doc": "Distances and directions the source states, checked by `jisrgeo claims`.",
        "fields": (
            R("claim_id", "string", "unique id"),
            R("kind", "slug", "distance/direction between two places, one place near another (no figure stated), a "
              "route's length or radius, or a place within stated_m of a context line (near_line)", vocab="claim_kinds"),
            R("text", "string", "the statement, in our words"),
            REFS,
            F("from", "string", "place (distance, direction, near, route_radius: the centre)", ref="places"),
            F("to", "string", "place (distance, direction, near)", ref="places"),
            F("route_id", "string", "route (route_length, route_radius)", ref="routes"),
            F("line", "string", "near_line: the name of the context.geojson feature (a river, a road) the place "
              "`from` lies within stated_m metres of (a bridge on its river)"),
            F("stated_m", "number", "the distance stated, in metres", minimum=0, exclusive_minimum=True),
            F("tolerance", "number", "allowed relative error (default 0.2)", minimum=0),
            F("direction", "string", "16-point compass direction from `from` to `to`", vocab="compass"),
        ),
    },
    "context": {
        "file": "context.geojson", "kind": "context", "geometry": CONTEXT_GEOMETRIES,
        "doc": "The dataset's own ground (optional): rivers, roads, ridgelines, borders and named features, drawn "
               "above the built-in ground and labelled, and exported with the dataset; `claims` can check a place "
               "against one of its lines (near_line).",
        "fields": (
            R("name", "string", "the name shown on maps (unique: a claim names its line by it)"),
            R("kind", "slug", "what it is: river, road, ridge, border, plain, landmark... (any slug)"),
            F("precision_m", "number", "how far the drawn geometry may lie from the real one, in metres", minimum=0),
            F("source", "string", "where the geometry comes from (a gazetteer, a map, 'traced from ...')"),
            F("refs", "refs", "reference numbers in sources.csv that name it"),
            NOTE,
        ),
    },
    "forces": {
        "file": "forces.json", "kind": "object",
        "doc": "Strengths, commanders, units and the infobox's casualty totals. Other keys may hold lists "
               "of cited records (objects with refs).",
        "fields": (
            F("strengths", "objects", "fighters engaged, by side", fields=(
                R("side", "slug", "the side", vocab="sides"), *_figure("sides", "")[3:6],
                F("qualifier", "string", "'more than', 'about'..."), F("claimant", "string", "who says so"), REFS, NOTE)),
            F("commanders", "objects", "named commanders", fields=(
                R("name", "string", "name"), F("aliases", "strings", "other spellings"),
                F("side", "slug", "their side", vocab="sides"), F("role", "string", "their role"),
                F("fate", "string", "what happened to them, if a source says"), REFS, NOTE)),
            F("units", "objects", "units and groups", fields=(
                R("name", "string", "name"), F("side", "slug", "their side", vocab="sides"), REFS)),
            F("infobox_casualties", "objects", "totals to compare with the events' sums", fields=(
                R("side", "slug", "whose losses", vocab="casualty_sides"),
                R("outcome", "slug", "killed, captured...", vocab="outcomes"),
                R("figure", "number", "the total", minimum=0),
                F("qualifier", "string", "'at least', 'exact'..."),
                R("start", "date", "first day the total covers"), R("end", "date", "last day"),
                F("scope", "strings", "only events at these places", ref="places"),
                F("types", "strings", "only events of these types", vocab="event_types"),
                REFS, NOTE)),
        ),
        "extra": "objects with refs",
    },
}

# The layers as the data-entry code names them, to the schema's files.
LAYERS = tuple(FILES)
# The GeoJSON layers and the geometry type of their features.
# Event types that report an allegation, not an observed toll: their figures stay apart from the deaths
# (claims.casualty_totals, the viewer's totals, the ACLED/UCDP exports) unless asked for.
UNVERIFIED_TYPES = ["massacre_claim"]

GEOMETRY = {layer: info["geometry"] for layer, info in FILES.items() if info["kind"] == "features"}


def fields(file: str, *path: str) -> tuple[Field, ...]:
    """The Field declarations of a file, or of a nested object (fields('places', 'control'))."""
    spec = FILES[file]["fields"]
    for name in path:
        spec = next(f for f in spec if f.name == name).fields
    return spec


def columns(file: str, *path: str, exclude: Iterable[str] = ()) -> list[str]:
    """Field names in declaration order: the frame columns the readers build and the CLI prints."""
    return [f.name for f in fields(file, *path) if f.type not in ("objects",) and f.name not in exclude]


# -- JSON Schema (2020-12) ----------------------------------------------------------------------------

_SIMPLE = {"string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
           "boolean": {"type": "boolean"},
           "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"},
           "slug": {"type": "string", "pattern": "^[a-z0-9_]+$"},
           "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}}


def _json_type(field, vocabularies):
    if field.type in _SIMPLE:
        out = dict(_SIMPLE[field.type])
    elif field.type == "refs":
        out = {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1}
    elif field.type in ARRAY_ITEMS:
        out = {"type": "array", "items": dict(_SIMPLE[ARRAY_ITEMS[field.type]])}
        if field.length:
            out.update(minItems=field.length, maxItems=field.length)
    elif field.type == "object":
        out = _object(field.fields, vocabularies)
    elif field.type == "objects":
        out = {"type": "array", "items": _object(field.fields, vocabularies)}
    elif field.type == "mapping":
        values = {"side": {"oneOf": [{"type": "string"}, _object(SIDE, vocabularies)]},
                  "vocab": _object(VOCAB_ENTRY, vocabularies),
                  "filename": {"type": "string"}}[field.values]
        out = {"type": "object", "additionalProperties": values}
        if field.values in ("side", "vocab"):
            out["propertyNames"] = {"pattern": "^[a-z0-9_]+$"}
    else:
        raise ValueError(field.type)
    if field.vocab and vocabularies and field.vocab in vocabularies:
        allowed = list(vocabularies[field.vocab])
        if out.get("type") == "array":
            out["items"]["enum"] = allowed
        else:
            out["enum"] = allowed
    if field.minimum is not None:
        out["exclusiveMinimum" if field.exclusive_minimum else "minimum"] = field.minimum
    if field.nullable:
        out = {"anyOf": [out, {"type": "null"}]}
    out["description"] = field.doc
    return out


def _object(spec, vocabularies):
    return {"type": "object", "properties": {f.name: _json_type(f, vocabularies) for f in spec},
            "required": [f.name for f in spec if f.required]}


def _feature_collection(geometry_type, properties):
    """The JSON Schema of a GeoJSON FeatureCollection whose features have this geometry type and properties."""
    geometry = {"type": "object", "properties": {"type": geometry_type, "coordinates": {"type": "array"}},
                "required": ["type", "coordinates"]}
    feature = {"type": "object", "required": ["type", "geometry", "properties"],
               "properties": {"type": {"const": "Feature"}, "geometry": geometry, "properties": properties}}
    return {"type": "object", "required": ["type", "features"], "properties": {
        "type": {"const": "FeatureCollection"}, "features": {"type": "array", "items": feature}}}


def json_schema(file: str, vocabularies: Mapping[str, Iterable[str]] | None = None) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one file; with `vocabularies` (sides.vocabularies(meta)) the
    vocabulary fields are closed lists, without them any slug passes."""
    info = FILES[file]
    body = _object(info["fields"], vocabularies)
    if info["kind"] in ("features", "context"):
        # A features file has one geometry type; context.geojson any of several.
        kinds = {"const": info["geometry"]} if info["kind"] == "features" else {"enum": list(info["geometry"])}
        body = _feature_collection(kinds, body)
    elif info["kind"] == "array":
        body = {"type": "array", "items": body}
    elif info["kind"] == "csv":
        body = {"type": "array", "description": "rows of the CSV file, as objects keyed by its header",
                "items": body}
    if info.get("extra"):
        body["additionalProperties"] = {"type": "array", "items": {"type": "object", "required": ["refs"]}}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"jisrgeo:{info['file']}",
            "title": info["file"], "description": info["doc"], **body}


# -- the format reference ------------------------------------------------------------------------------

def _type_text(field):
    text = field.type + (f" ({field.vocab})" if field.vocab else "") + (f" → {field.ref}" if field.ref else "")
    return text + (", ≥ 0" if field.minimum == 0 and not field.exclusive_minimum else "")


def _rows(spec, prefix=""):
    for f in spec:
        need = "required" if f.required and not f.nullable else "required, may be null" if f.required else "optional"
        yield f"| `{prefix}{f.name}` | {_type_text(f)} | {need} | {f.doc} |"
        if f.fields:
            yield from _rows(f.fields, f"{prefix}{f.name}[]." if f.type == "objects" else f"{prefix}{f.name}.")


def markdown() -> str:
    """docs/format.md: every file and field, generated from the declarations above."""
    lines = ["# The dataset format", "",
             "Generated from `src/jisrgeo/schema.py` by `python scripts/format_doc.py`; do not edit by hand.",
             "`jisrgeo schema FILE` prints the JSON Schema (2020-12) of each file.", "",
             f"A dataset is a folder. Required: {', '.join(LAYER_FILES[k] for k in REQUIRED_LAYERS)}. "
             "Optional: dataset.json, " + ", ".join(v for k, v in LAYER_FILES.items() if k not in REQUIRED_LAYERS)
             + ". Without dataset.json the period runs from the first to the last date in the data; "
             "a dataset whose places never change hands must declare its period.", "",
             "Vocabularies: `sides` are the dataset's own (dataset.json `sides`, else the codes the places use); "
             f"`casualty_sides` are the sides plus {', '.join(NON_COMBATANT_SIDES)}; `place_kinds`, `event_types` and "
             "`route_kinds` are the built-in lists below plus any the dataset declares; "
             f"`statuses`: {', '.join(STATUSES)}; `date_precisions`: {', '.join(DATE_PRECISIONS)}; "
             f"`bases`: {', '.join(BASES)}; `outcomes`: {', '.join(OUTCOMES)}; `claim_kinds`: {', '.join(CLAIM_KINDS)}; "
             f"`figure_qualifiers`: {', '.join(FIGURE_QUALIFIERS)}.", "",
             "Figures: an exact figure (or one the source gives as about N) fills `best` only; \"at least N\" and "
             "\"more than N\" fill `low = best = N`; \"N to M\" fills `low` and `high`; a vague quantity (\"several "
             "tens\") fills no number, only `text`. With a `qualifier`, `validate` enforces this; sums leave vague "
             "figures out and maps show them as unquantified.",
             "", f"Dates lie between {DATE_MIN} and {DATE_MAX}. A file may hold at most {MAX_FILE_BYTES // 2**20} MiB; "
             f"dataset.json, claims.json and forces.json may nest at most {MAX_DEPTH} levels, and any JSON file nested "
             f"deeper than {MAX_JSON_DEPTH} levels is refused before it is read. Numbers are finite (no NaN or Infinity). Fields not declared here are "
             "allowed and ignored.", ""]
    for name, values in BUILTIN_VOCABULARIES.items():
        lines.append(f"Built-in `{name}`: {', '.join(values)}.")
    roles = {role: [k for k, r in PLACE_KIND_ROLES.items() if r == role] for role in ("mark", "region")}
    lines += ["", "What a place kind stands for on the zone maps: every kind is ground (its place gets a zone of the "
              "ground around it) except the infrastructure kinds " + ", ".join(roles["mark"]) + " (their state is a "
              "mark on the place, never a zone) and the region kinds " + ", ".join(roles["region"]) + " (no zone, no "
              "mark); dataset.json `place_kinds` may say `\"ground\": false` or `\"region\": true` for any kind. A place "
              "with no control state, or with parts (`part_of`) that are ground, gets no zone of its own."]
    for info in FILES.values():
        lines += ["", f"## {info['file']}", "", info["doc"], ""]
        if info["kind"] == "features":
            lines += [f"A GeoJSON FeatureCollection of {info['geometry']} features (RFC 7946, WGS84 lon/lat); "
                      "the fields below are each feature's `properties`.", ""]
        elif info["kind"] == "context":
            lines += [f"A GeoJSON FeatureCollection (RFC 7946, WGS84 lon/lat) of {', '.join(info['geometry'])} "
                      "features; the fields below are each feature's `properties`.", ""]
        lines += ["| field | type | | meaning |", "|---|---|---|---|", *_rows(info["fields"])]
    return "\n".join(lines) + "\n"

# Text a spreadsheet runs as a formula when a CSV cell starts with it: our CSV exports put an apostrophe
# before such cells (export/cells.py) and our importers take it off again (io/imports.py).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
T = TypeVar("T")


def formula_safe(value: T) -> T | str:
    """A CSV cell a spreadsheet shows rather than runs: text starting with a FORMULA_START gets an apostrophe."""
    return "'" + value if isinstance(value, str) and value[:1] in FORMULA_START else value


def formula_text(value: T) -> T | str:
    """The text a formula_safe cell stands for: our apostrophe taken off again."""
    return value[1:] if isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_START else value
