"""Are a dataset's side colours told apart by colour-blind readers? (one implementation: `validate`,
`init`, the tests and the maps' palette)

Each pair of sides is compared as markers (solid colours) and as zone fills as drawn (style.FILL_ALPHA
over style.LAND), with normal vision and with deuteranopia, protanopia and tritanopia simulated by
Machado, Oliveira & Fernandes (2009) at full severity (colorspacious). The distance is CIEDE2000
(Sharma, Wu & Dalal 2005; tests/test_colours.py checks it on their 34 published pairs). The "no
control recorded" grey counts as a marker colour, and every fill must stand out from the bare land.
"""

import functools
import itertools
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .style import FILL_ALPHA, LAND, PALETTE

if TYPE_CHECKING:
    from .errors import Problem

# A colour's label in `problems`: a side code, or whatever key the caller uses.
K = TypeVar("K", bound=Hashable)
# (label a, label b, vision, 'marker'|'fill', CIEDE2000)
Confusion = tuple[K | str, K | str, str, str, float]


# What the colour check needs of a sides.Vocabulary (cvd is imported by sides, so it names no type of it).
class _Coloured(Protocol):
    @property
    def color(self) -> str: ...


class Sides(Protocol):
    @property
    def sides(self) -> Mapping[str, _Coloured]: ...

# What a reader needs (issue 34): CIEDE2000 units between two sides' markers, between their fills as drawn.
MARKER_MIN = 20.0
FILL_MIN = 10.0
VISIONS = ("normal", "deuteranopia", "protanopia", "tritanopia")
_CVD_TYPE = {"deuteranopia": "deuteranomaly", "protanopia": "protanomaly", "tritanopia": "tritanomaly"}
# Where `suggest` looks for a passing colour: every sRGB colour on a grid of this many levels a channel.
SUGGEST_LEVELS = 18


def ciede2000(lab1: ArrayLike, lab2: ArrayLike) -> NDArray[np.float64]:
    """CIEDE2000 colour difference (kL = kC = kH = 1) between CIELAB colours (arrays, last axis L*, a*, b*)."""
    (L1, a1, b1), (L2, a2, b2) = np.moveaxis(np.asarray(lab1, float), -1, 0), np.moveaxis(np.asarray(lab2, float), -1, 0)
    c7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(c7 / (c7 + 25.0 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    achromatic = (c1 * c2) == 0
    dh = h2 - h1
    dh = np.where(achromatic, 0, np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh)))
    d_hue = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    l_mean, c_mean, h_sum = (L1 + L2) / 2, (c1 + c2) / 2, h1 + h2
    h_mean = np.where(achromatic, h_sum, np.where(np.abs(h1 - h2) <= 180, h_sum / 2,
                                                  np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)))
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    rotation = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    rc = 2 * np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7))
    sl = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    sc, sh = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    rt = -np.sin(np.radians(2 * rotation)) * rc
    dl, dc, dhh = (L2 - L1) / sl, (c2 - c1) / sc, d_hue / sh
    return np.sqrt(dl ** 2 + dc ** 2 + dhh ** 2 + rt * dc * dhh)


def rgb(color: str) -> NDArray[np.float64]:
    """'#rrggbb' as sRGB in 0-1."""
    # By hand rather than matplotlib.colors.to_rgb: `validate` runs this on every load's side colours, and
    # importing matplotlib.colors would add about 0.2 s to a 0.3 s validate (and read matplotlib's config);
    # the input is a '#rrggbb' already checked by sides.COLOR.
    return np.array([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)])


def hex_color(values: ArrayLike) -> str:
    return "#" + "".join(f"{int(round(float(c) * 255)):02x}" for c in np.clip(values, 0, 1))


def as_drawn(values: ArrayLike, alpha: float = FILL_ALPHA, ground: str = LAND) -> NDArray[np.float64]:
    """sRGB of a fill of `values` laid at `alpha` over the `ground` colour (what the maps show)."""
    return alpha * np.asarray(values, float) + (1 - alpha) * rgb(ground)


def lab(values: ArrayLike, vision: str = "normal") -> NDArray[np.float64]:
    """CIELAB of sRGB `values` (..., 3) as a reader with `vision` sees them (Machado 2009, severity 100)."""
    from colorspacious import cspace_convert

    values = np.asarray(values, float)
    if vision != "normal":
        cvd = {"name": "sRGB1+CVD", "cvd_type": _CVD_TYPE[vision], "severity": 100}
        values = np.clip(cspace_convert(values, cvd, "sRGB1"), 0, 1)
    return cspace_convert(values, "sRGB1", "CIELab")


def luminance(color: str | ArrayLike) -> float:
    """WCAG 2 relative luminance of '#rrggbb' or sRGB 0-1 values."""
    values = rgb(color) if isinstance(color, str) else np.asarray(color, float)
    linear = np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a: str | ArrayLike, b: str | ArrayLike) -> float:
    """WCAG 2 contrast ratio (1-21) between two colours ('#rrggbb' or sRGB 0-1 values)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mark_contrasts(mark: str, colors: Mapping[str, str]) -> dict[str, float]:
    """{what: WCAG contrast} of a mark's colour against the bare land and each colour's fill as drawn."""
    out = {"the bare land": contrast(mark, LAND)}
    out.update({code: contrast(mark, as_drawn(rgb(c))) for code, c in colors.items()})
    return out


def distance(a: str, b: str, vision: str = "normal", fill: bool = False) -> float:
    """CIEDE2000 between two '#rrggbb' colours seen with `vision`, as markers or as fills as drawn."""
    paint = as_drawn if fill else (lambda v: v)
    return float(ciede2000(lab(paint(rgb(a)), vision), lab(paint(rgb(b)), vision)))


def _labs(colors):
    """{(vision, 'marker'|'fill'): CIELAB array} of the '#rrggbb' `colors`."""
    values = np.array([rgb(c) for c in colors]).reshape(-1, 3)
    return {(v, m): lab(as_drawn(values) if m == "fill" else values, v) for v in VISIONS for m in ("marker", "fill")}


def problems(colors: Mapping[K, str], unknown: str | None = None) -> list[Confusion[K]]:
    """[(label a, label b, vision, 'marker'|'fill', CIEDE2000)] of every pair under the thresholds.

    `colors` maps a label (side code) to '#rrggbb'; `unknown` (the "no control recorded" grey) is
    compared with every marker when given, and every fill with the bare land.
    """
    labels = list(colors)
    pairs = list(itertools.combinations(range(len(labels)), 2))
    labs = _labs([colors[k] for k in labels])
    extra = _labs([unknown or "#000000", LAND])
    land = {v: lab(rgb(LAND), v) for v in VISIONS}
    out: list[Confusion[K]] = []
    for vision in VISIONS:
        for mode, least in (("marker", MARKER_MIN), ("fill", FILL_MIN)):
            seen = labs[vision, mode]
            for i, j in pairs:
                d = float(ciede2000(seen[i], seen[j]))
                if d < least:
                    out.append((labels[i], labels[j], vision, mode, round(d, 1)))
            if mode == "marker" and unknown:
                for i, d in enumerate(ciede2000(seen, extra[vision, "marker"][0])):
                    if d < least:
                        out.append((labels[i], "no control recorded", vision, mode, round(float(d), 1)))
            if mode == "fill":
                for i, d in enumerate(ciede2000(seen, land[vision])):
                    if d < least:
                        out.append((labels[i], "the bare land", vision, mode, round(float(d), 1)))
    return out


def worst(colors: Sequence[str], unknown: str | None = None) -> dict[tuple[str, str], float]:
    """{(vision, mode): least CIEDE2000 between two of `colors`} (mode 'marker' or 'fill'): the figures
    a report quotes."""
    labs = _labs(list(colors))
    pairs = list(itertools.combinations(range(len(colors)), 2))
    return {(v, m): round(min(float(ciede2000(labs[v, m][i], labs[v, m][j])) for i, j in pairs), 1)
            for v in VISIONS for m in ("marker", "fill")} if pairs else {}


@functools.lru_cache(maxsize=1)
def _candidates():
    """Every colour of the SUGGEST_LEVELS grid: (hex codes, {(vision, mode): CIELAB})."""
    levels = np.linspace(0, 1, SUGGEST_LEVELS)
    values = np.array(list(itertools.product(levels, levels, levels)))
    return [hex_color(v) for v in values], _labs([hex_color(v) for v in values])


def passing(others: Sequence[str], unknown: str | None = None) -> NDArray[np.bool_]:
    """Boolean mask over the candidate grid: the colours that pass against every colour of `others`."""
    hexes, labs = _candidates()
    ok = np.ones(len(hexes), dtype=bool)
    refs = _labs(list(others) + ([unknown] if unknown else []))
    land = {v: lab(rgb(LAND), v) for v in VISIONS}
    for vision in VISIONS:
        for mode, least in (("marker", MARKER_MIN), ("fill", FILL_MIN)):
            seen = labs[vision, mode]
            count = len(others) if mode == "fill" else len(refs[vision, mode])
            for k in range(count):
                ok &= ciede2000(seen, refs[vision, mode][k]) >= least
            if mode == "fill":
                ok &= ciede2000(seen, land[vision]) >= least
    return ok


def suggest(color: str, others: Sequence[str], unknown: str | None = None) -> str | None:
    """The colour nearest `color` (CIEDE2000, normal vision) that passes against every one of `others`
    (and the `unknown` grey), or None when none does."""
    hexes, labs = _candidates()
    ok = passing(others, unknown)
    if not ok.any():
        return None
    d = ciede2000(labs["normal", "marker"], lab(rgb(color)))
    d[~ok] = np.inf
    return hexes[int(np.argmin(d))]


def pick(n: int, taken: Sequence[str] = (), unknown: str | None = None) -> list[str | None]:
    """`n` colours that pass against each other and every colour of `taken` (a dataset's declared ones):
    the default palette's first that do, then the candidate grid's, greedily; None for any left over
    when nothing passes any more (past about eight sides)."""
    chosen: list[str] = []
    for color in PALETTE:
        if len(chosen) == n:
            break
        others = dict(enumerate([*taken, *chosen]))
        if not any("new" in p[:2] for p in problems({**others, "new": color}, unknown)):
            chosen.append(color)
    hexes, _ = _candidates()
    while len(chosen) < n:
        ok = passing([*taken, *chosen], unknown)
        if not ok.any():
            break
        chosen.append(hexes[int(np.argmax(ok))])
    return chosen + [None] * (n - len(chosen))


def side_warnings(vocabulary: Sides) -> list[str]:
    """One line per pair of a dataset's side colours (or a side and the "no control" grey, or a fill and
    the bare land) readers may confuse, with the nearest passing colour to use instead."""
    return [str(p.reason) for p in colour_problems(vocabulary)]


def colour_problems(vocabulary: Sides, file: str = "dataset.json") -> "list[Problem]":
    """The side colours' problems as Problems of severity 'warning' (field sides.<code>.color)."""
    from .errors import Problem
    from .style import UNKNOWN_COLOR

    colors = {code: side.color for code, side in vocabulary.sides.items()}
    out, said = [], set()
    for a, b, vision, mode, d in problems(colors, UNKNOWN_COLOR):
        if (a, b) in said:
            continue  # the first failure of a pair is enough to act on
        said.add((a, b))
        seen = "" if vision == "normal" else f" with {vision} simulated"
        what = f"as zone fills ({round(FILL_ALPHA * 100)} % over the land)" if mode == "fill" else "as markers"
        least = FILL_MIN if mode == "fill" else MARKER_MIN
        names = [f"{x} ({colors[x]})" if x in colors else x for x in (a, b)]
        others = [c for k, c in colors.items() if k != (b if b in colors else a)]
        fix = suggest(colors[b] if b in colors else colors[a], others, UNKNOWN_COLOR)
        change = b if b in colors else a
        hint = f"; nearest colour for {change} that passes: {fix}" if fix else "; pick colours further apart"
        reason = (f"colours of {names[0]} and {names[1]} are {d:g} CIEDE2000 units apart {what}{seen} "
                  f"(readers need {least:g}){hint}")
        out.append(Problem(file, "", f"sides.{change}.color", reason, "warning"))
    return out
