"""Load time and size of the built-in context layer (src/jisrgeo/maps/context.parquet) for three frames.

    python benchmarks/context_layer.py [--repeat 5]

Prints the shipped files' sizes, then for the bundled battle's theatre (its map frame widened by 0.1 and by
2.5 degrees, as the PNGs and the web page ask) and for the whole of Syria: rows returned, the best first
read in a fresh process (cold: the file opened for the first time in the process) and the best second
read in the same process with the read cache dropped (warm), over --repeat processes.
"""

import argparse
import subprocess
import sys
from importlib import resources
from pathlib import Path

SYRIA = (35.7, 32.3, 42.3, 37.3)  # lon_min, lat_min, lon_max, lat_max

# The readers' modules are imported before the clock starts (a build has them loaded after its first map).
ONE = """
import time, jisrgeo, geopandas, geopandas.io.arrow, pyarrow.dataset, pyarrow.parquet
from jisrgeo.maps import context
from jisrgeo.maps.extent import map_extent
bounds = {bounds!r} or tuple(map_extent(jisrgeo.load()))
t = time.perf_counter()
n = len(context.features(bounds, {margin}))
cold = time.perf_counter() - t
context._read_cached.cache_clear()
t = time.perf_counter()
context.features(bounds, {margin})
print(n, cold, time.perf_counter() - t)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for path in sorted(Path(str(resources.files("jisrgeo.maps"))).glob("context*")):
        if path.suffix != ".py":
            print(f"{path.name}: {path.stat().st_size:,} bytes")
    for label, bounds, margin in (("theatre +0.1", None, 0.1), ("theatre +2.5", None, 2.5), ("Syria", SYRIA, 0.0)):
        cold, warm, rows = [], [], None
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, "-c", ONE.format(bounds=bounds, margin=margin)], check=True,
                                 capture_output=True, text=True).stdout.split()
            rows, cold, warm = out[0], cold + [float(out[1])], warm + [float(out[2])]
        print(f"{label}: {rows} rows, cold {min(cold) * 1000:.0f} ms, warm {min(warm) * 1000:.0f} ms (best of {args.repeat})")


if __name__ == "__main__":
    main()
