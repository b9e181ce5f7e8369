"""jisrgeo at war scale, measured against the baselines a user would otherwise write.

    python benchmarks/run.py              # default size: 8,000 places, 60,000 changes, 200,000 events
    python benchmarks/run.py --quick      # a tenth of that, for a fast check
    python benchmarks/run.py --only load,control   # some groups only
    python benchmarks/run.py --only warm           # issue 32: warm `control`, cold validate vs parse
    python benchmarks/run.py --only battle,labels  # builds over 60, 730 and 3,650 days; the labeller

Prints one line per figure, with its target, the baseline measured in the same run and the
ratio. A baseline too slow to run in full is timed on a sample and scaled up; the line says so.
Heavy steps run in subprocesses so their peak memory is their own.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate, generate_battle  # noqa: E402

OUT = HERE / "out"


def line(name, value, unit, target="", baseline=None, note=""):
    text = f"{name:<44} {value:>12,.3f} {unit:<4}"
    if baseline is not None:
        text += f"  baseline {baseline:>12,.3f} {unit:<4} ratio {baseline / value:>8,.1f}x"
    if target:
        text += f"  [target {target}]"
    if note:
        text += f"  ({note})"
    print(text, flush=True)


def timed(fn, repeat=1):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def in_child(code):
    """Run Python code in a fresh process; it prints JSON; returns it with the child's wall time."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, json.loads(out.stdout.strip().splitlines()[-1])


def wall(args, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def dataset_folder(places, changes, events):
    folder = OUT / f"war-{places}-{changes}-{events}"
    if not (folder / "events.geojson").exists():
        print(f"generating {folder.name} ...", flush=True)
        generate(folder, places, changes, events, seed=1)
    return folder


CHILD = "import json, os, resource, time; "
RESULT = "print(json.dumps({'s': s, 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"


def _child_load(path, cache):
    """Seconds and peak MB of jisrgeo.load(path) in a fresh process (imports not timed)."""
    code = (CHILD + f"os.environ['JISRGEO_CACHE'] = {cache!r}; import jisrgeo, geopandas; t = time.perf_counter(); "
            f"jisrgeo.load({str(path)!r}); s = time.perf_counter() - t; " + RESULT)
    return in_child(code)[1]


def bench_load(folder, tmp):
    # Baseline: Python's own parse of the same GeoJSON files, nothing built or checked.
    files = sorted(str(p) for p in folder.glob("*.geojson"))
    parse = in_child(CHILD + f"t = time.perf_counter(); [json.load(open(f)) for f in {files!r}]; "
                     "s = time.perf_counter() - t; " + RESULT)[1]
    cold = _child_load(folder, "off")
    line("load + validate, GeoJSON (no cache)", cold["s"], "s", "< 2.5 s, <= 2x the parse", parse["s"],
         "baseline: json.load of the same files")
    line("  peak memory of that process", cold["rss"], "MB", "< 800 MB", parse["rss"], "baseline: the parse alone")
    # Plain JSON (no typed decoding) is what a layer whose values do not fit their declared types takes.
    walked = in_child(CHILD + "os.environ['JISRGEO_CACHE'] = 'off'; import jisrgeo, geopandas; "
                      "from jisrgeo.io import tables; tables.typed_table = lambda text, layer: None; "
                      f"t = time.perf_counter(); jisrgeo.load({str(folder)!r}); s = time.perf_counter() - t; " + RESULT)[1]
    line("  the same load from plain JSON (no typed decoding)", walked["s"], "s", "", cold["s"],
         "baseline: the typed load above")
    checked = in_child(CHILD + "import jisrgeo; t = time.perf_counter(); "
                       f"assert jisrgeo.validate({str(folder)!r}) == []; s = time.perf_counter() - t; " + RESULT)[1]
    line("validate a clean folder (jisrgeo validate)", checked["s"], "s", "", walked["s"],
         "baseline: the plain-JSON load")
    cache = str(tmp / "cache")
    _child_load(folder, cache)  # fills the cache
    warm = _child_load(folder, cache)
    line("load from the validated cache (GeoParquet)", warm["s"], "s", "< 0.5 s", cold["s"], "baseline: the load above")
    import jisrgeo

    jisrgeo.load(folder).to_parquet(tmp / "parquet")
    exported = _child_load(tmp / "parquet", "off")
    line("load of an export --format parquet folder", exported["s"], "s", "< 0.5 s", cold["s"], "baseline: GeoJSON load")


def baseline_state(changes, day):
    """What one writes without jisrgeo: filter the changes up to the day, keep each place's last."""
    dated = changes[changes["effective"].isna() | (changes["effective"] <= day)]
    return dated.sort_values(["place_id", "seq"]).groupby("place_id").last()


def bench_control(ds):
    import pandas as pd

    day = ds.period[0] + (ds.period[1] - ds.period[0]) / 2
    day = pd.Timestamp(day.date())
    ours, _ = timed(lambda: ds.control(day), repeat=30)
    base, _ = timed(lambda: baseline_state(ds.control_changes, day), repeat=5)
    line("control state of every place on one date", ours * 1000, "ms", "< 0.5 ms", base * 1000)

    n_days = (ds.period[1] - ds.period[0]).days + 1
    ours, matrix = timed(lambda: ds.control_matrix())
    sample = pd.date_range(ds.period[0], ds.period[1], periods=40).normalize()
    per_day, _ = timed(lambda: [baseline_state(ds.control_changes, d) for d in sample])
    line("places x days matrix, whole period", ours, "s", ">= 100x baseline", per_day / len(sample) * n_days,
         f"{matrix.shape[1]:,} places x {matrix.shape[0]:,} days; baseline timed on 40 days, scaled")


def bench_distances(ds, n=2000):
    from pyproj import Geod

    sample = ds.places.head(n)
    ids = list(sample["place_id"])
    exact, _ = timed(lambda: ds.distance_matrix(ids), repeat=5)
    fast, _ = timed(lambda: ds.distance_matrix(ids, method="andoyer"), repeat=5)
    geod = Geod(ellps="WGS84")
    xs, ys = list(sample.geometry.x), list(sample.geometry.y)

    def loop():
        out = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                d = geod.inv(xs[i], ys[i], xs[j], ys[j])[2]
                out[i][j] = out[j][i] = d
        return out

    base, _ = timed(loop)
    line(f"distance matrix, {n:,} places, andoyer", fast, "s", ">= 20x baseline", base,
         "max error 1e-5; baseline: Python loop of Geod.inv over pairs")
    line(f"distance matrix, {n:,} places, exact geodesic", exact, "s", "", base, "one vectorized pyproj call")


def bench_animation(ds, tmp):
    import folium
    import pandas as pd
    from folium.plugins import TimestampedGeoJson

    from jisrgeo.maps import animated_map
    from jisrgeo.maps._base import to_html
    from jisrgeo.maps._places import payload_js

    def build():
        html = to_html(animated_map(ds, data_src="places.js"))
        return len(html.encode()) + len(payload_js(ds).encode())

    ours, size = timed(build)
    line("animated map: build", ours, "s", "< 60 s")
    n_days = (ds.period[1] - ds.period[0]).days + 1
    sample_days = 5
    feats = []
    state = ds.control_matrix(ds.period[0], ds.period[0] + pd.Timedelta(days=sample_days - 1))
    for day, row in state.iterrows():
        for (_pid, code), point in zip(row.items(), ds.places.geometry):
            feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [point.x, point.y]},
                          "properties": {"time": day.strftime("%Y-%m-%d"), "style": {"color": ["red", "green", "black", "grey"][code]}}})
    m = folium.Map()
    TimestampedGeoJson({"type": "FeatureCollection", "features": feats}, period="P1D").add_to(m)
    base = len(m.get_root().render().encode()) / sample_days * n_days
    line("animated map: HTML + shared data size", size / 1e6, "MB", "< 50 MB", base / 1e6,
         f"{len(ds.intervals):,} intervals, {len(ds.events):,} events; baseline: TimestampedGeoJson, "
         f"one feature per place per day, built for {sample_days} days and scaled to {n_days:,}")


def bench_areas(ds):
    """Zones of control and front lines over the whole period as intervals, against the previous method
    (benchmarks/previous_areas.py: one Voronoi cell per place cut to a disc, fronts edge by edge)."""
    import shapely

    import previous_areas

    def fresh():
        return type(ds)(ds.places, ds.control_changes.drop(columns="effective"), meta=ds.meta)  # nothing cached

    def ours():
        new = fresh()
        return new.area_intervals, new.front_intervals

    def previous():
        new = fresh()
        cells, pairs = previous_areas.tessellate(new.places)
        return previous_areas.area_intervals(cells, new.intervals), previous_areas.front_intervals(pairs, new.intervals)

    seconds, (areas, fronts) = timed(ours)
    base, (old_areas, old_fronts) = timed(previous)

    def wkb(*frames):
        return sum(len(shapely.to_wkb(g)) for frame in frames for g in frame.geometry) / 1e6

    line("zones + front lines, whole period", seconds, "s", "", base,
         f"{len(areas):,} zone intervals, {len(fronts):,} front intervals; baseline: the previous method "
         f"(a cell per place, {len(old_areas):,} cell intervals and {len(old_fronts):,} edge intervals)")
    line("  their geometry (WKB)", wkb(areas, fronts), "MB", "", wkb(old_areas, old_fronts),
         "zones are unions of tiles, edges cut to 500 m before reprojection")


# A child that builds and reports where the time went: day pages (days/), pictures (png/, the GIF),
# and the rest, with its peak memory.
BUILD_CHILD = (CHILD + "import collections, jisrgeo; from jisrgeo.build import build; ds = jisrgeo.load(%r); "
               "parts = collections.Counter(); last = [None, 0.0]\n"
               "def step(done, total, path):\n"
               "    now = time.perf_counter()\n"
               "    if last[0]: parts[last[0]] += now - last[1]\n"
               "    last[:] = ['pages' if path.startswith(('days/', 'animated', 'index', 'places')) else "
               "'pictures' if path.startswith(('png/', 'animation.gif')) else 'other', now]\n"
               "t = time.perf_counter(); summary = build(ds, %r, on_step=step%s); s = time.perf_counter() - t\n"
               "print(json.dumps({'s': s, 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
               "'parts': parts, **summary}))")


def _child_build(folder, out, window=""):
    return in_child(BUILD_CHILD % (str(folder), str(out), window))[1]


def bench_war_build(folder, tmp, days=7):
    window = ", start='2019-06-01', end='2019-06-%02d'" % days
    result = _child_build(folder, tmp / "war-site", window)
    viewer = (tmp / "war-site" / "day.html").stat().st_size  # one page for every day
    shared = (tmp / "war-site" / "places.js").stat().st_size
    line(f"war-scale build of a {days}-day window (after load)", result["s"], "s", "finishes",
         note=f"{result['files']} files, {result['bytes'] / 1e6:.1f} MB in all; pictures {result['parts']['pictures']:.1f} s, "
              f"pages {result['parts']['pages']:.1f} s")
    line("  peak memory of that process (load + build)", result["rss"], "MB")
    line("  the day viewer (every day)", viewer / 1e6, "MB", note=f"plus places.js, its tables: {shared / 1e6:.1f} MB")


def bench_warm(folder, tmp, repeat=7):
    """Issue 32's fast warm path: `jisrgeo control` on a war-scale folder whose cache is filled (wall time,
    median of several runs), and a cold validate and a cold load (empty cache) against Python's own parse."""
    files = sorted(str(p) for p in folder.glob("*.geojson"))
    parse = in_child(CHILD + f"t = time.perf_counter(); [json.load(open(f)) for f in {files!r}]; "
                     "s = time.perf_counter() - t; " + RESULT)[1]
    checked = in_child(CHILD + "import jisrgeo; t = time.perf_counter(); "
                       f"jisrgeo.validate({str(folder)!r}); s = time.perf_counter() - t; " + RESULT)[1]
    line("cold validate of a war-scale folder", checked["s"], "s", "<= 1.5x the parse", parse["s"],
         "baseline: json.load of the same files")
    cache = str(tmp / "warm-cache")
    cold = _child_load(folder, cache)  # an empty cache: read, check, then store
    line("cold load, storing the cache entry", cold["s"], "s", "", parse["s"], "baseline: json.load of the same files")
    command = [sys.executable, "-m", "jisrgeo.cli", "control", "--data", str(folder), "--date", "2019-06-01"]
    env = {**os.environ, "JISRGEO_CACHE": cache}
    subprocess.run(command, capture_output=True, check=True, env=env)  # the lists are stored on first use
    time.sleep(2.5)  # past the window in which a file's time cannot tell an edit (see io/cache.py)
    subprocess.run(command, capture_output=True, check=True, env=env)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - t0)
    floor = wall([sys.executable, "-c", "import jisrgeo.cli"], repeat=repeat)
    line("warm war-scale jisrgeo control --date (wall)", statistics.median(times), "s", "<= 0.5 s", floor,
         f"median of {repeat}; baseline: python -c 'import jisrgeo.cli'")


BATTLE_DAYS = (60, 730, 3650)


def bench_battle_builds(tmp, lengths=BATTLE_DAYS):
    """The same ~60 changes over longer and longer periods: the build's cost should follow the changes."""
    first = None
    for days in lengths:
        folder = OUT / f"battle-66-60-{days}"
        if not (folder / "dataset.json").exists():
            generate_battle(folder, days)
        result = _child_build(folder, tmp / f"battle-{days}")
        parts = result["parts"]
        first = first or result
        target = "<= 2x the 60-day build" if days == 730 else "completes" if days > 730 else ""
        growth = (f"{result['s'] / first['s']:.1f}x the first build, its pictures "
                  f"{parts['pictures'] / first['parts']['pictures']:.1f}x; " if first is not result else "")
        line(f"build of a 66-village battle over {days:,} days", result["s"], "s", target,
             note=f"{growth}{result['files']} files; day PNGs, GIF and sheet {parts['pictures']:.1f} s, "
                  f"HTML pages {parts['pages']:.1f} s, exports {parts['other']:.1f} s; peak {result['rss']:.0f} MB")


def bench_labels():
    import numpy as np

    from jisrgeo.maps.labels import Label, place

    rng = np.random.default_rng(1)
    for n in (100, 500):
        points = rng.uniform(0, 1500, (n, 2))
        labels = [Label(f"Place {i}", x, y, 70, 14, radius=6, priority=i % 5) for i, (x, y) in enumerate(points)]
        seconds, placed = timed(lambda: place(labels, frame=(0, 0, 1500, 1000)), repeat=5)  # noqa: B023 (called at once)
        line(f"label placement, {n} labels (candidate positions)", seconds * 1000, "ms", "well under 1 s",
             note=f"{sum(p is not None for p in placed)} placed, none overlapping")


def bench_bundled(tmp):
    python = wall([sys.executable, "-c", "pass"])
    line("bundled: jisrgeo --help (wall)", wall(["jisrgeo", "--help"]), "s", "< 0.1 s beyond Python's start", python,
         "baseline: python -c pass")
    floor = wall([sys.executable, "-c", "import geopandas"])
    wall(["jisrgeo", "control", "--date", "2015-05-10"], repeat=1)  # warms the cache
    line("bundled: jisrgeo control --date, warm (wall)", wall(["jisrgeo", "control", "--date", "2015-05-10"]), "s",
         "< 0.3 s", floor, "baseline: python -c 'import geopandas'")
    line("bundled: jisrgeo build, all maps + exports", wall(["jisrgeo", "build", "--out", str(tmp / "bundled")], repeat=1),
         "s", "< 6 s (issue 15), < 20 s (issue 13)")
    code = (CHILD + "import jisrgeo; t = time.perf_counter(); jisrgeo.distance('hospital', 'Ariha'); "
            "first = time.perf_counter() - t; t = time.perf_counter(); [jisrgeo.distance('hospital', 'Ariha') for _ in range(20)]; "
            "s = (time.perf_counter() - t) / 20; print(json.dumps({'s': s, 'first': first}))")
    result = in_child(code)[1]
    line("jisrgeo.distance(name, name) without a dataset, repeated", result["s"] * 1000, "ms", "< 5 ms",
         result["first"] * 1000, "baseline: the first call, which loads the dataset")


def bench_import(tmp, rows):
    """`jisrgeo import acled` of a generated CSV in a fresh process: wall and CPU time, peak memory."""
    import resource

    from generate import generate_acled

    source = OUT / f"acled-{rows}.csv"
    if not source.exists():
        print(f"generating {source.name} ...", flush=True)
        OUT.mkdir(exist_ok=True)
        generate_acled(source, rows)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(["jisrgeo", "import", "acled", str(source), "--out", str(tmp / "acled-import")], capture_output=True,
                   check=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    size = source.stat().st_size / 1e6
    line(f"import acled, {rows:,} rows ({size:,.0f} MB CSV), wall", seconds, "s", "bounded memory",
         note=f"{cpu:,.0f} s of CPU; before issue 28: 510 s at 5.7 GB for 1,000,000 rows")
    line("  peak memory (RSS, largest child)", after.ru_maxrss / 1024, "MB", "bounded: not growing with rows")


GROUPS = ("load", "warm", "control", "distances", "animation", "areas", "build", "battle", "labels", "bundled", "import")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--places", type=int, default=8000)
    parser.add_argument("--changes", type=int, default=60000)
    parser.add_argument("--events", type=int, default=200000)
    parser.add_argument("--import-rows", type=int, default=1_000_000, help="rows of the generated ACLED CSV")
    parser.add_argument("--quick", action="store_true", help="a tenth of the default size")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups to run: {', '.join(GROUPS)}")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(GROUPS):
        parser.error(f"unknown group(s): {', '.join(sorted(only - set(GROUPS)))}")
    if args.quick:
        args.places, args.changes, args.events = args.places // 10, args.changes // 10, args.events // 10
    import tempfile

    import jisrgeo

    print(f"jisrgeo {jisrgeo.__version__} on {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
          f"dataset: {args.places:,} places, {args.changes:,} control changes, {args.events:,} events", flush=True)
    war = {"load", "warm", "control", "distances", "animation", "areas", "build"}
    folder = dataset_folder(args.places, args.changes, args.events) if only & war else None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "load" in only:
            bench_load(folder, tmp)
        if "warm" in only:
            bench_warm(folder, tmp)
        ds = jisrgeo.load(folder) if only & {"control", "distances", "animation", "areas"} else None
        if "control" in only:
            bench_control(ds)
        if "distances" in only:
            bench_distances(ds, min(2000, args.places))
        if "animation" in only:
            bench_animation(ds, tmp)
        if "areas" in only:
            bench_areas(ds)
        if "build" in only:
            bench_war_build(folder, tmp)
        if "battle" in only:
            bench_battle_builds(tmp, BATTLE_DAYS if not args.quick else BATTLE_DAYS[:2])
        if "labels" in only:
            bench_labels()
        if "bundled" in only:
            bench_bundled(tmp)
        if "import" in only:
            bench_import(tmp, 100_000 if args.quick else args.import_rows)


if __name__ == "__main__":
    main()
