"""Are a dataset's side colours told apart by colour-blind readers? (one implementation: tests and `validate`)

Each pair of sides is compared as solid colours (markers, lines) and as area fills at FILL_ALPHA over
the map's ground, with normal vision and with deuteranopia, protanopia and tritanopia simulated by
Machado, Oliveira & Fernandes (2009) at full severity (colorspacious). The distance is CIE76: the
Euclidean distance in CIELAB. The "no control recorded" grey counts as a side: a paler side must not
turn into it, and every fill must stand out from the bare ground.
"""

import itertools

import numpy as np

# What a reader needs (issue 22): 20 CIE76 units between solid colours, 10 between area fills.
SOLID_MIN = 20.0
FILL_MIN = 10.0
FILL_ALPHA = 0.35
# The land colour the maps fill areas over (maps/static.py LAND, the web pages' context fill).
GROUND = "#f2efe8"
VISIONS = ("normal", "deuteranopia", "protanopia", "tritanopia")
_CVD_TYPE = {"deuteranopia": "deuteranomaly", "protanopia": "protanomaly", "tritanopia": "tritanomaly"}


def _rgb(color):
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))


def _over_ground(color, alpha=FILL_ALPHA):
    return tuple(alpha * c + (1 - alpha) * g for c, g in zip(_rgb(color), _rgb(GROUND)))


def _lab(rgb, vision):
    from colorspacious import cspace_convert

    if vision != "normal":
        rgb = np.clip(cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": _CVD_TYPE[vision], "severity": 100}, "sRGB1"), 0, 1)
    return cspace_convert(rgb, "sRGB1", "CIELab")


def distance(a, b, vision="normal", fill=False):
    """CIE76 distance between two '#rrggbb' colours seen with `vision`, as solid colours or as fills on the ground."""
    paint = _over_ground if fill else _rgb
    return float(np.linalg.norm(_lab(paint(a), vision) - _lab(paint(b), vision)))


def problems(colors, unknown=None):
    """[(label a, label b, vision, 'solid'|'fill', distance)] of every pair under the thresholds.

    `colors` maps a label (side code) to '#rrggbb'; `unknown` (the "no control recorded" grey) is
    compared too when given, and every fill is compared with the bare ground.
    """
    entries = dict(colors)
    if unknown:
        entries.setdefault("no control recorded", unknown)
    out = []
    for vision in VISIONS:
        for (la, a), (lb, b) in itertools.combinations(entries.items(), 2):
            for fill, least in ((False, SOLID_MIN), (True, FILL_MIN)):
                d = distance(a, b, vision, fill)
                if d < least:
                    out.append((la, lb, vision, "fill" if fill else "solid", round(d, 1)))
        for label, color in colors.items():
            d = float(np.linalg.norm(_lab(_over_ground(color), vision) - _lab(_rgb(GROUND), vision)))
            if d < FILL_MIN:
                out.append((label, "the map's ground", vision, "fill", round(d, 1)))
    return out


def side_warnings(vocabulary):
    """One line per pair of a dataset's side colours (or a side and the "no control" grey) readers may confuse."""
    from .style import UNKNOWN_COLOR

    colors = {code: side.color for code, side in vocabulary.sides.items()}
    lines = []
    for a, b, vision, mode, d in problems(colors, UNKNOWN_COLOR):
        seen = "" if vision == "normal" else f" with {vision} simulated"
        what = f"as {round(FILL_ALPHA * 100)} % area fills" if mode == "fill" else "as solid colours"
        least = FILL_MIN if mode == "fill" else SOLID_MIN
        names = [f"{x} ({colors[x]})" if x in colors else x for x in (a, b)]
        lines.append(f"dataset.json: sides: colours of {names[0]} and {names[1]} are {d:g} CIE76 units apart "
                     f"{what}{seen} (readers need {least:g}); pick colours further apart")
    return lines


def check_colors(path=None):
    """`side_warnings` of a dataset folder (default: the bundled one), read from its dataset.json and places."""
    from .errors import DataError
    from .io.folder import dataset_folder, read_meta
    from .sides import Vocabulary

    folder = dataset_folder(path)
    try:
        meta = read_meta(folder)  # the guarded reader: no pipe, device or deep nesting read here
    except DataError:
        return []  # validate reports a missing or broken dataset.json itself
    return side_warnings(Vocabulary(meta if isinstance(meta, dict) else {}))
