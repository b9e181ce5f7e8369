"""Zones of control and front lines of a generated war, the current method against the previous one.

    python benchmarks/zones_war.py                    # 3,000 and 8,000 places (issue 35's war sizes)
    python benchmarks/zones_war.py --places 3000      # one size
    python benchmarks/zones_war.py --repeat 3         # the median of three runs of each

Each size is a war from benchmarks/generate.py (places over Syria's extent, 2014-2024; 3,000 places with
20,000 changes, 8,000 with 60,000, as benchmarks/run.py builds them). Each method runs in a fresh process,
after the dataset is loaded and its control intervals are made, so its figures are its own:

- seconds: wall time, and CPU time beside it (on a machine shared by others, CPU is the steadier one);
- peak MB: the growth of the process's peak resident memory (getrusage) while the zones were derived:
  GEOS allocates outside Python, where tracemalloc does not see;
- geometry MB: the WKB size of the zones and fronts produced (what every output then carries).

"current" is jisrgeo's areas.py (ds.area_intervals, ds.front_intervals); "previous" is
benchmarks/previous_areas.py (a Voronoi cell per place cut to a disc, one row per cell and edge interval).

Measured on the team's shared 2-core machine (7 December 2026; at load average 4-13, so wall times are
inflated and CPU is the fairer figure), CPU s / peak MB / geometry MB, at the lowest load seen:
  3,000 places: current 4.7-5.2 s / 216 MB / 33 MB (before this tuning 5.9 s / 273 MB / 97 MB);
                previous 2.3 s / 44 MB / 21 MB
  8,000 places: current 13.9-15.3 s / 490-565 MB / 77 MB (before 19.5 s / 693 MB / 194 MB);
                previous 6.5 s / 118 MB / 49 MB
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

CHANGES_PER_PLACE = {3000: 20000, 8000: 60000}
EVENTS = 1000  # events play no part in the zones

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {here!r})
import jisrgeo, shapely
ds = jisrgeo.load({folder!r})
ds.intervals
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before = peak()
wall, cpu = time.perf_counter(), time.process_time()
if {method!r} == "current":
    areas, fronts = ds.area_intervals, ds.front_intervals
else:
    import previous_areas
    cells, pairs = previous_areas.tessellate(ds.places)
    areas, fronts = previous_areas.area_intervals(cells, ds.intervals), previous_areas.front_intervals(pairs, ds.intervals)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
wkb = sum(len(shapely.to_wkb(g)) for frame in (areas, fronts) for g in frame.geometry if g is not None) / 1e6
print(json.dumps(dict(wall=wall, cpu=cpu, peak=peak() - before, wkb=wkb, areas=len(areas), fronts=len(fronts))))
"""


def run(folder, method):
    code = CHILD.format(here=str(HERE), folder=str(folder), method=method)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", default="3000,8000", help="comma-separated war sizes (default 3000,8000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each method; the median is printed")
    parser.add_argument("--methods", default="current,previous", help="current, previous or both (default)")
    args = parser.parse_args()
    print(f"{'places':>7} {'method':<9} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'geometry MB':>12}  rows")
    with tempfile.TemporaryDirectory() as tmp:
        for places in (int(p) for p in args.places.split(",")):
            folder = Path(tmp) / f"war-{places}"
            generate(folder, places, CHANGES_PER_PLACE.get(places, 7 * places), EVENTS, seed=1)
            for method in args.methods.split(","):
                runs = [run(folder, method) for _ in range(args.repeat)]
                m = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "peak", "wkb")}
                rows = f"{runs[0]['areas']:,} zone and {runs[0]['fronts']:,} front intervals"
                print(f"{places:>7,} {method:<9} {m['wall']:>8.1f} {m['cpu']:>8.1f} {m['peak']:>8.0f} "
                      f"{m['wkb']:>12.1f}  {rows}", flush=True)


if __name__ == "__main__":
    main()
