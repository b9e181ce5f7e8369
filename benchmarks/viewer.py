"""The day viewer of a build in headless Chromium, offline: how fast a day paints, what it loads, the heap.

    python3 benchmarks/viewer.py SITE [--day YYYY-MM-DD] [--jump-years 5]
    python3 benchmarks/viewer.py --war WORK    # generate the issue-35 war, build it whole (timed), then measure

Prints, for SITE/day.html opened from disk (file://):
    first day painted   seconds from navigation to the day's places drawn, and the MB of files it loaded
    jump                seconds from setting #date (--jump-years later) to that day drawn, MB more loaded
    JS heap             used heap after both (MB)
With --war, also the build's seconds, peak memory (MB, the build process) and output size (MB).
Targets (issue 35): first day <= 3 s and <= 20 MB; a five-year jump <= 1.5 s; heap <= 300 MB;
the build <= 240 s and <= 200 MB.

Uses Playwright with Debian's chromium, as tests/test_browser.py does. Figures vary with the machine's load.
The build's own figures in detail (output per folder, peak memory above the libraries' baseline, each step):
benchmarks/build_war.py.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HERE = Path(__file__).parent


def drawn(page, day, timeout_ms):
    """Wait until the viewer shows `day` with its places painted."""
    page.wait_for_function("""d => { const s = document.querySelector('.jg-day summary');
        return s && s.textContent.startsWith(d) && document.querySelector('path.jg-place'); }""",
                           arg=day, timeout=timeout_ms, polling=20)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # painted


def measure(site, day=None, jump_years=5, timeout_s=120):
    from playwright.sync_api import sync_playwright

    site = Path(site).resolve()
    loaded = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
        page.on("request", lambda r: r.url.startswith("file://") and loaded.append(Path(unquote(urlparse(r.url).path))))
        url = (site / "day.html").as_uri()
        t = time.perf_counter()
        page.goto(url + (f"#{day}" if day else ""), wait_until="commit", timeout=timeout_s * 1000)
        if day is None:
            page.wait_for_function("() => window.JG && JG.meta", timeout=timeout_s * 1000, polling=20)
        first = page.evaluate("() => JG.meta.t0") if day is None else day
        drawn(page, first, timeout_s * 1000)
        t_first = time.perf_counter() - t
        mb_first = sum(f.stat().st_size for f in set(loaded) if f.is_file()) / 1e6
        start = date.fromisoformat(first)
        target = start.replace(year=start.year + jump_years)
        days = page.evaluate("() => JG.meta.days")
        last = date.fromisoformat(page.evaluate("() => new Date(Date.parse(JG.meta.t0) + (JG.meta.days - 1) * 864e5)"
                                                ".toISOString().slice(0, 10)"))
        target = min(target, last).isoformat()
        before = set(loaded)
        t = time.perf_counter()
        page.evaluate("d => { location.hash = d; }", target)
        drawn(page, target, timeout_s * 1000)
        t_jump = time.perf_counter() - t
        mb_jump = sum(f.stat().st_size for f in set(loaded) - before if f.is_file()) / 1e6
        cdp = page.context.new_cdp_session(page)
        cdp.send("HeapProfiler.collectGarbage")
        heap = cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6
        places = page.evaluate("() => JG.ids.length")
        browser.close()
    print(f"site: {site} ({places} places, {days} days)")
    print(f"first day painted: {first} in {t_first:.2f} s, loading {mb_first:.1f} MB")
    print(f"jump of {jump_years} years: {target} in {t_jump:.2f} s, loading {mb_jump:.1f} MB more")
    print(f"JS heap after both: {heap:.0f} MB")
    return {"first_s": t_first, "first_mb": mb_first, "jump_s": t_jump, "jump_mb": mb_jump, "heap_mb": heap}


def build_war(work):
    """Generate the issue-35 war and build it whole with --png none; prints seconds, peak MB and output MB."""
    work = Path(work)
    data, site = work / "war", work / "site"
    if not (data / "dataset.json").exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(data), "--places", "3000", "--changes", "20000",
                        "--events", "50000"], check=True)
    if site.exists():
        shutil.rmtree(site)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jisrgeo.cli", "build", "--data", str(data), "--out", str(site), "--png", "none"],
                   check=True, env=os.environ)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6
    print(f"build: {seconds:.0f} s, peak memory {peak:.0f} MB, output {size:.0f} MB "
          f"({len(list((site / 'tables').glob('*.js'))) if (site / 'tables').is_dir() else 0} period files)")
    return site


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", nargs="?", help="a build's output folder (holding day.html)")
    parser.add_argument("--war", metavar="WORK", help="generate and build the issue-35 war in WORK, then measure it")
    parser.add_argument("--day", help="the first day to open (default: the period's first)")
    parser.add_argument("--jump-years", type=int, default=5)
    args = parser.parse_args()
    if not (args.site or args.war):
        parser.error("give SITE or --war WORK")
    site = build_war(args.war) if args.war else args.site
    measure(site, args.day, args.jump_years)


if __name__ == "__main__":
    main()
