"""The whole build of the issue-35 war: output bytes per folder, peak memory, wall and CPU seconds.

    python3 benchmarks/build_war.py WORK            # generate the war into WORK/war (once), build it into WORK/site
    python3 benchmarks/build_war.py WORK --steps    # also the steps' seconds and memory (RSS after each, peak so far)
    python3 benchmarks/build_war.py WORK --places 300 --changes 2000 --events 5000   # a smaller war
    python3 benchmarks/build_war.py WORK --exports  # only data/'s exports: each one's peak memory, seconds, MB

The war is benchmarks/generate.py's (3,000 places, 20,000 changes, 50,000 events over 2014-2024 by default),
built whole with --png none in a fresh process, so the peak memory is the build's own. Prints:
    baseline       peak memory (MB) of a process that only imports the libraries a build uses (geopandas,
                   shapely, pyogrio, folium, matplotlib, jisrgeo) and loads the dataset: what no build goes below
    build          wall and CPU seconds (user + system), peak memory (MB) and peak above the baseline
    output         MB per top-level folder and file, and data/'s largest files
Targets (issue 35: "at most 240 s and 200 MB", echoing its first figures "818 s and 429 MB of output"): the
build within 240 s, the output within 200 MB. Peak memory is printed beside them (no target). Figures vary with the load.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_S, TARGET_OUT_MB = 240, 200

# Runs in the child: VmHWM (peak RSS) after the imports and the load, then the build with a sample per step.
CHILD = """
import json, sys, time
def status():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
import geopandas, shapely, pyogrio, folium, matplotlib, jisrgeo
from jisrgeo.build import build
imported = status()[1]
ds = jisrgeo.load(sys.argv[1])
loaded = status()[1]
steps, last = [], [time.perf_counter(), time.process_time(), ""]
def on_step(done, total, path):
    now, cpu = time.perf_counter(), time.process_time()
    if last[2]:
        steps.append([last[2], round(now - last[0], 2), round(cpu - last[1], 2), *[round(v) for v in status()]])
    last[:] = [now, cpu, path]
t = time.perf_counter()
build(ds, sys.argv[2], png="none", on_step=on_step)
print(json.dumps({"imported": imported, "loaded": loaded, "steps": steps, "build_s": time.perf_counter() - t}))
"""

# --exports: only the data/ exports (what the export code itself costs), after the load and the zones' derivation.
EXPORTS = """
import json, sys, time
def peak():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(fields["VmHWM"].split()[0]) / 1024
import geopandas, shapely, pyogrio, folium, matplotlib, jisrgeo
from pathlib import Path
from functools import partial
from jisrgeo.export import write_csv, write_geojson, write_gpkg
ds = jisrgeo.load(sys.argv[1])
ds.area_intervals, ds.front_intervals
figures = {"derived": peak()}
out = Path(sys.argv[2])
# As a build writes them (build._steps): the tables in csv/ only, the derived zones and fronts in the GeoPackage only.
for name, write in (("jisrgeo.gpkg", write_gpkg), ("geojson", partial(write_geojson, tables=False, derived=False)),
                    ("csv", partial(write_csv, derived=False))):
    t = time.perf_counter()
    write(ds, out / name)
    figures[name] = [peak(), time.perf_counter() - t]
print(json.dumps(figures))
"""


def exports_only(data, out):
    """Peak memory and seconds of each export written alone, after the load and the zones' derivation."""
    out.mkdir(parents=True)
    run = subprocess.run([sys.executable, "-c", EXPORTS, str(data), str(out)], check=True, capture_output=True, text=True)
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"exports only: peak {figures.pop('derived'):.0f} MB after loading and deriving the zones; then")
    for name, (peak, seconds) in figures.items():
        size = sum(p.stat().st_size for p in (out / name).rglob("*") if p.is_file()) if (out / name).is_dir() \
            else (out / name).stat().st_size
        print(f"  {name:14} peak so far {peak:6.0f} MB, {seconds:5.0f} s, {mb(size):7.1f} MB written")


def mb(n):
    return n / 1e6


def sizes(site):
    """{top-level name: bytes} and [(bytes, relative path)] of every file."""
    files = [(p.stat().st_size, p.relative_to(site).as_posix()) for p in site.rglob("*") if p.is_file()]
    top = {}
    for size, rel in files:
        key = rel.split("/")[0] + ("/" if "/" in rel else "")
        if rel.startswith("data/") and rel.count("/") >= 2:
            key = "/".join(rel.split("/")[:2]) + "/"
        top[key] = top.get(key, 0) + size
    return top, sorted(files, reverse=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("work", type=Path, help="a scratch folder (the war and its build go there)")
    parser.add_argument("--places", type=int, default=3000)
    parser.add_argument("--changes", type=int, default=20000)
    parser.add_argument("--events", type=int, default=50000)
    parser.add_argument("--steps", action="store_true", help="print every step's seconds and memory")
    parser.add_argument("--exports", action="store_true", help="measure only the data/ exports (written into WORK/exports)")
    args = parser.parse_args()
    data = args.work / f"war-{args.places}-{args.changes}-{args.events}"
    site = args.work / "site"
    if not (data / "dataset.json").exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(data), "--places", str(args.places),
                        "--changes", str(args.changes), "--events", str(args.events)], check=True)
    if args.exports:
        if (args.work / "exports").exists():
            subprocess.run(["rm", "-rf", "--", str(args.work / "exports")], check=True)
        return exports_only(data, args.work / "exports")
    if site.exists():
        subprocess.run(["rm", "-rf", "--", str(site)], check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(data), str(site)], check=True, capture_output=True,
                         text=True, env=os.environ)
    wall = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime - before.ru_utime) + (usage.ru_stime - before.ru_stime)
    peak = usage.ru_maxrss / 1024
    child = json.loads(out.stdout.strip().splitlines()[-1])
    top, files = sizes(site)
    total = sum(top.values())
    print(f"war: {args.places:,} places, {args.changes:,} changes, {args.events:,} events ({data})")
    print(f"baseline: {child['imported']:.0f} MB after the imports, {child['loaded']:.0f} MB after loading the dataset")
    print(f"build: {wall:.0f} s wall ({child['build_s']:.0f} s in build()), {cpu:.0f} s CPU, peak memory {peak:.0f} MB "
          f"({peak - child['loaded']:.0f} MB above the loaded baseline) [target {TARGET_S} s]")
    print(f"output: {mb(total):.1f} MB in {len(files):,} files [target {TARGET_OUT_MB} MB]")
    for key, size in sorted(top.items(), key=lambda kv: -kv[1]):
        print(f"  {mb(size):8.1f} MB  {key}")
    print("largest files:")
    for size, rel in files[:12]:
        print(f"  {mb(size):8.1f} MB  {rel}")
    if args.steps:
        print("steps in build order that took a second or more or raised the peak (seconds, CPU seconds; RSS after "
              "the step, peak so far: MB):")
        peak = child["loaded"]
        for path, s, c, rss, hwm in child["steps"]:
            if s >= 1 or hwm > peak:
                print(f"  {s:7.1f} s {c:7.1f} cpu {rss:6.0f} rss {hwm:6.0f} peak{' (up)' if hwm > peak else ''}  {path}")
            peak = max(peak, hwm)


if __name__ == "__main__":
    main()
