"""The viewer's time tables by period: one places.js for a battle, files of a month or a quarter for a war.

A page loads places.js (what never changes: names, positions, popups, styles) and then only the
period files the day it shows needs, each by a <script> tag (tables/2019-Q2.js calls jgChunk), so a
page opened from disk (file://) loads them as well as one served over the web.

Each file holds the rows that touch its days: control intervals, zones and front lines that overlap
it (a row spanning three quarters is in all three), changes of state, events and casualty totals
dated inside it (with the totals in force on its first day). The files are packed (pack: repeated
strings and HTML pieces as numbers, shapes as whole-number steps) and jgChunk unpacks them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

# Zones and fronts reach the browser at this many decimals of a degree (about 10 m); packed files store
# each shape as whole steps of that size.
AREA_DECIMALS = 4
# Up to a year: everything in places.js. Up to three years: a file a month; longer: a file a quarter.
SINGLE_FILE_DAYS = 366
MONTHLY_UP_TO_DAYS = 3 * 366
TABLES_DIR = "tables"
# The time tables a period file carries, and how each row says when it applies.
SPANS = ("intervals", "zones", "fronts")  # [start day, end day, ...] over [start, end)
DATED = ("shifts", "events", "words")  # [day, ...]


def periods(start: pd.Timestamp, end: pd.Timestamp, single: bool = False) -> list[tuple[int, int, str | None]]:
    """[(first day, end day (exclusive), src or None)] of the period files, days counted from `start`.
    single: one part for the whole period (a self-contained page)."""
    days = (end - start).days + 1
    if single or days <= SINGLE_FILE_DAYS:
        return [(0, days, None)]
    monthly = days <= MONTHLY_UP_TO_DAYS
    firsts = sorted({start, *pd.date_range(start, end, freq="MS" if monthly else "QS")})
    out: list[tuple[int, int, str | None]] = []
    for k, first in enumerate(firsts):
        after = firsts[k + 1] if k + 1 < len(firsts) else end + pd.Timedelta(days=1)
        name = f"{first:%Y-%m}" if monthly else f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        out.append(((first - start).days, (after - start).days, f"{TABLES_DIR}/{name}.js"))
    return out


def _shapes(rows, shapes):
    """The rows with their shape numbers renumbered into a list of their own shapes."""
    own, index = [], {}
    out = []
    for row in rows:
        if row[2] not in index:
            index[row[2]] = len(own)
            own.append(shapes[row[2]])
        out.append([row[0], row[1], index[row[2]], *row[3:]])
    return out, own


def part(tables: dict[str, Any], first: int, end: int) -> dict[str, Any]:
    """The rows of `tables` (the whole period's time tables) that the days [first, end) draw from."""
    out = {name: [r for r in tables[name] if r[0] < end and r[1] > first] for name in SPANS}
    out.update({name: [r for r in tables[name] if first <= r[0] < end] for name in DATED})
    popups = tables["eventPopups"]
    out["eventPopups"] = [popups[e[4]] for e in out["events"]]
    out["events"] = [[*e[:4], k, *e[5:]] for k, e in enumerate(out["events"])]
    zones, zone_shapes = _shapes(out["zones"], tables["shapes"])
    fronts, front_shapes = _shapes(out["fronts"], tables["shapes"])
    out["zones"], out["fronts"] = zones, [[*f[:2], f[2] + len(zone_shapes), *f[3:]] for f in fronts]
    out["shapes"] = zone_shapes + front_shapes
    for name in ("totals", "frames"):  # [first day, value] while in force: the one in force on `first`, then its own
        before = [t for t in tables[name] if t[0] < first]
        out[name] = ([[first, before[-1][1]]] if before else []) + [t for t in tables[name] if first <= t[0] < end]
    return out


# Packing a period file (pack below; jgChunk in jisrgeo.js unpacks it). The string columns of zones and fronts.
PACKED_COLUMNS = {"zones": (3, 4, 5, 6), "fronts": (3, 4)}
# An HTML text splits into its runs of tags and the texts between them, each a piece of the file's `pieces` list.
HTML_PIECES = re.compile(r"((?:<[^>]*>)+)")


def pack(tables: dict[str, Any]) -> dict[str, Any]:
    """A period's tables (part's) in fewer bytes, nothing lost: jgChunk in jisrgeo.js gives back `tables` exactly.

    - zones' and fronts' sides, statuses and bases: numbers into `packed.strings` (-1 for none);
    - shapes: each ring (or line) as whole numbers of 1e-AREA_DECIMALS degree, the first point and then each
      point's step from the one before (`packed.scale`);
    - event popups and event panel items (HTML): numbers into `packed.pieces`, the file's distinct tags and the
      texts between them, joined back in order.
    A war's quarter file shrinks to about half (popups were a third of it, repeating the same markup)."""

    strings: dict[str | None, int] = {None: -1}
    pieces: dict[str, int] = {}

    def word(value: str | None) -> int:
        return strings.setdefault(value, len(strings) - 1)

    def html(text: str) -> list[int]:
        return [pieces.setdefault(piece, len(pieces)) for piece in HTML_PIECES.split(text) if piece]

    out = dict(tables)
    for name, columns in PACKED_COLUMNS.items():
        out[name] = [[word(v) if c in columns else v for c, v in enumerate(row)] for row in tables[name]]
    out["shapes"] = [_steps(shape) for shape in tables["shapes"]]
    out["events"] = [[*e[:5], html(e[5]), *e[6:]] for e in tables["events"]]
    out["eventPopups"] = [html(text) for text in tables["eventPopups"]]
    out["packed"] = {"strings": [s for s in strings if s is not None], "pieces": list(pieces),
                     "scale": 10 ** AREA_DECIMALS}
    return out


def _steps(shape: list[Any]) -> list[Any]:
    """[[lat, lng], ...] rings (at any depth of nesting) as [lat0, lng0, dlat1, dlng1, ...] whole numbers."""
    if not shape or not isinstance(shape[0][0], (int, float)):
        return [_steps(s) for s in shape]

    scale, flat, last = 10 ** AREA_DECIMALS, [], (0, 0)
    for lat, lng in shape:
        point = (round(lat * scale), round(lng * scale))
        flat += [point[0] - last[0], point[1] - last[1]]
        last = point
    return flat


def part_js(k: int, tables: dict[str, Any]) -> str:
    """A period file: it hands its tables, packed, to the page that inserted it. The file is loaded by
    <script src>, never inlined, so '<' needs no escaping; '</' still gets it, in case one ever is."""
    text = json.dumps(pack(tables), ensure_ascii=False, separators=(",", ":"))
    text = text.replace("</", "<\\/").replace("<!--", "<\\u0021--")  # JSON escapes, inside strings only
    return f"jgChunk({k},{text});\n"
