"""Generated battles whose right answer is known, for testing the estimated zones and fronts.

    battle = front_battle(folder, seed=7)   # writes a dataset folder, returns what is true about it

A valley of irregularly spaced villages (a jittered grid with gaps) split by a sinuous front:
government west of it, opposition east. On day 2 the front bulges east by up to SHIFT_KM in the
middle (the villages it passes change hands that day). One village is located only within
DOUBT_M. Everything true is kept in metres in the battle's own Lambert equal-area projection.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

CENTRE = (36.35, 35.70)  # lon, lat
SPACING_KM = 3.2
WIDTH_KM, HEIGHT_KM = 34.0, 26.0
JITTER_KM = 1.0
GAP_SHARE = 0.12          # share of grid nodes left empty: the villages are irregular
SHIFT_KM = 6.0
DOUBT_M = 8000
DAYS = ("2020-03-01", "2020-03-02")


@dataclass
class Battle:
    folder: Path
    points: np.ndarray          # village positions, metres
    fronts: list                # true front line per day (metric LineString)
    doubtful: str               # place_id of the village located within DOUBT_M
    to_metric: Transformer
    to_lonlat: Transformer

    def side(self, x, y, day):
        """'government' west of the true front on day index `day`, 'opposition' east of it."""
        return np.where(np.asarray(x) < _front_x(np.asarray(y), day), "government", "opposition")

    def hull(self):
        return shapely.convex_hull(shapely.multipoints(self.points))


def _front_x(y_m, day):
    """The true front's x (metres) at y: a sinuous line, bulged east on day 2."""
    y = y_m / 1000.0
    x = 2.0 * np.sin(y / 4.0) + 1.2 * np.sin(y / 1.7 + 1.0)
    if day == 1:
        x = x + SHIFT_KM * np.exp(-(y / 6.0) ** 2)
    return x * 1000.0


def _front_line(day):
    y = np.linspace(-HEIGHT_KM * 600, HEIGHT_KM * 600, 600)
    return shapely.LineString(np.column_stack([_front_x(y, day), y]))


def villages(seed):
    rng = np.random.default_rng(seed)
    xs = np.arange(-WIDTH_KM / 2, WIDTH_KM / 2 + 1e-9, SPACING_KM)
    ys = np.arange(-HEIGHT_KM / 2, HEIGHT_KM / 2 + 1e-9, SPACING_KM)
    grid = np.array([(x, y) for y in ys for x in xs])
    grid = grid[rng.random(len(grid)) > GAP_SHARE]
    return (grid + rng.uniform(-JITTER_KM, JITTER_KM, grid.shape)) * 1000.0


def front_battle(folder, seed=7, doubt_m=DOUBT_M, sides=None):
    """Write the battle into `folder` (a new dataset) and return its Battle (the truth)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    crs = f"+proj=laea +lat_0={CENTRE[1]} +lon_0={CENTRE[0]} +datum=WGS84 +units=m"
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    points = villages(seed)
    lon, lat = to_lonlat.transform(points[:, 0], points[:, 1])
    truth = Battle(folder, points, [_front_line(0), _front_line(1)], "", to_metric, to_lonlat)
    before, after = truth.side(points[:, 0], points[:, 1], 0), truth.side(points[:, 0], points[:, 1], 1)
    # The doubtful village: the one nearest the middle of the government side, where doubt matters most.
    west = np.flatnonzero(after == "government")
    doubtful = int(west[np.argmin(np.hypot(points[west, 0] + 8000, points[west, 1]))])
    truth.doubtful = f"v{doubtful:03d}"
    features = []
    for i, (x, y) in enumerate(zip(lon, lat)):
        control = [{"date": None, "controller": str(before[i]), "status": "held", "basis": "reported", "refs": [1]}]
        if after[i] != before[i]:
            control.append({"date": DAYS[1], "date_precision": "day", "controller": str(after[i]), "status": "held",
                            "basis": "reported", "refs": [1]})
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
                         "properties": {"place_id": f"v{i:03d}", "name": f"Village {i}", "aliases": [], "kind": "village",
                                        "precision_m": doubt_m if i == doubtful else 300, "location_source": "generated",
                                        "refs": [1], "control": control}})
    _write(folder / "places.geojson", {"type": "FeatureCollection", "features": features})
    _write(folder / "dataset.json", {"name": f"Generated front battle (seed {seed})",
                                     "period": {"start": DAYS[0], "end": DAYS[1]},
                                     "sides": sides or {"government": {"label": "Government"},
                                                        "opposition": {"label": "Opposition"}}})
    (folder / "sources.csv").write_text("ref,publisher,title,language,date\n1,Generator,Generated battle,en,\n",
                                        encoding="utf-8")
    return truth


def alliance_battle(folder):
    """Five sides on a grid of villages 3 km apart: a neutral border state along the south, and north of it,
    west to east, three allies (ypg, fsa, peshmerga) and one enemy of them all (islamic_state), three
    columns each. Every side meets the border state and its neighbours in the row: fronts may only run
    between the allies' ground and the enemy's.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    order = ["ypg", "fsa", "peshmerga", "islamic_state"]
    features = []
    for column in range(12):
        for row in range(4):
            side = "border_state" if row == 0 else order[column // 3]
            lon = 38.30 + column * 0.033 + (0.006 if row % 2 else 0.0)
            lat = 36.85 + row * 0.027
            pid = f"{side}_{column}_{row}"
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 5), lat]},
                             "properties": {"place_id": pid, "name": pid, "aliases": [], "kind": "village",
                                            "precision_m": 200, "location_source": "generated", "refs": [1],
                                            "control": [{"date": None, "controller": side, "status": "held",
                                                         "basis": "reported", "refs": [1]}]}})
    _write(folder / "places.geojson", {"type": "FeatureCollection", "features": features})
    _write(folder / "dataset.json", {"name": "Generated siege with allies and a neutral border",
                                     "period": {"start": "2014-10-01", "end": "2014-10-02"},
                                     "sides": {"border_state": {"label": "Border state", "neutral": True},
                                               "ypg": {"label": "YPG", "allies": ["fsa"]},
                                               "fsa": {"label": "FSA units", "allies": ["peshmerga"]},
                                               "peshmerga": {"label": "Peshmerga", "allies": ["ypg"]},
                                               "islamic_state": {"label": "Islamic State"}}})
    (folder / "sources.csv").write_text("ref,publisher,title,language,date\n1,Generator,Generated battle,en,\n",
                                        encoding="utf-8")
    return folder


def _write(path, content):
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
