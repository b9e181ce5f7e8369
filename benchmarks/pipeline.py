"""Issue 32's reading figures on one folder: cold validate against Python's own parse, warm `control`.

    python benchmarks/generate.py /tmp/war --places 8000 --changes 60000 --events 200000
    python benchmarks/pipeline.py /tmp/war [--repeat 5]

Each figure is the median of --repeat fresh processes (imports not timed), as CPU seconds and wall
seconds, so a busy machine shows in the wall column and not in the CPU one:
  parse      json.loads of the folder's GeoJSON files (the baseline: nothing checked or built)
  validate   jisrgeo.validate(folder) with the cache off
  quick      jisrgeo.quick.control(folder, day) answered from a filled cache (no pandas)
  control    Dataset.control(day) on a loaded dataset, in-process (milliseconds)
  command    `jisrgeo control --date D` from a filled cache, the whole process (imports included)
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

TIMED = ("import json, os, time; {setup}; c, w = time.process_time(), time.perf_counter(); {body}; "
         "print(json.dumps([time.process_time() - c, time.perf_counter() - w]))")


def child(setup, body, env=None):
    code = TIMED.format(setup=setup, body=body)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median(runs):
    return [statistics.median(r[i] for r in runs) for i in (0, 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--date", default="2019-06-01")
    args = parser.parse_args()
    folder = os.path.abspath(args.folder)
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".geojson"))
    with tempfile.TemporaryDirectory() as cache:
        off = {**os.environ, "JISRGEO_CACHE": "off"}
        warm = {**os.environ, "JISRGEO_CACHE": cache}
        runs = {}
        runs["parse"] = [child("texts = [open(f, 'rb').read() for f in %r]" % files, "[json.loads(t) for t in texts]")
                         for _ in range(args.repeat)]
        runs["validate"] = [child("import jisrgeo", f"assert jisrgeo.validate({folder!r}) == []", off)
                            for _ in range(args.repeat)]
        command = [sys.executable, "-m", "jisrgeo.cli", "control", "--data", folder, "--date", args.date]
        subprocess.run(command, capture_output=True, check=True, env=warm)  # fills the cache and its lists
        time.sleep(2.5)  # past the window in which a file's time cannot tell an edit (io/cache.py)
        subprocess.run(command, capture_output=True, check=True, env=warm)
        runs["quick"] = [child("from jisrgeo import quick", f"assert quick.control({folder!r}, {args.date!r})", warm)
                         for _ in range(args.repeat)]
        walls, cpus = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), children_cpu()
            subprocess.run(command, capture_output=True, check=True, env=warm)
            walls.append(time.perf_counter() - t0)
            cpus.append(children_cpu() - c0)
        runs["control"] = [child(f"import jisrgeo; ds = jisrgeo.load({folder!r}); ds.control({args.date!r})",
                                 f"[ds.control({args.date!r}) for _ in range(100)]", warm)]
    parse = median(runs["parse"])
    for name in ("parse", "validate", "quick"):
        cpu, wall = median(runs[name])
        ratio = f"  {cpu / parse[0]:.2f}x the parse (CPU)" if name != "parse" else ""
        print(f"{name:<10} cpu {cpu:7.3f} s  wall {wall:7.3f} s{ratio}")
    cpu, wall = runs["control"][0]
    print(f"{'control':<10} cpu {cpu * 10:7.3f} ms wall {wall * 10:7.3f} ms  (Dataset.control, per call)")
    print(f"{'command':<10} cpu {statistics.median(cpus):7.3f} s  wall {statistics.median(walls):7.3f} s  (jisrgeo control, warm, "
          f"median of {args.repeat}) [target <= 0.5 s]")


if __name__ == "__main__":
    main()
