"""`jisrgeo build`: every map and export for a dataset, written into one folder atomically.

Layout of the output folder:
    index.html          the period at a glance, linking everything
    places.js           names, positions, popups and sources of places, shared by all pages
    day.html            the day viewer: any day of the period, as day.html#YYYY-MM-DD
    animated.html       the time-slider map (the same script, with a slider)
    days/YYYY-MM-DD.html  small redirects to day.html#YYYY-MM-DD, so links to the old per-day pages still work
    png/YYYY-MM-DD.png  one publication map per day
    png/key-days.png    small multiples of the key days
    animation.gif       the day maps as a looping animation, for slides and posts
    data/               jisrgeo.gpkg, geojson/, csv/
"""

import functools
import time
import pandas as pd

from .output import output_folder

MAX_KEY_DAYS = 6


def key_days(ds, start, end):
    """The dataset's chosen key days in the window, else up to six days with control changes."""
    chosen = [pd.Timestamp(d) for d in ds.meta.get("key_days", [])]
    days = [d for d in chosen if start <= d <= end]
    if not days:
        changes = sorted(set(ds.changes(start, end)["effective"]))
        step = max(1, len(changes) // MAX_KEY_DAYS)
        days = changes[::step][:MAX_KEY_DAYS] or [start]
    return days


def _steps(ds, days):
    """(relative path, function returning bytes or str) for every file, in build order."""
    from . import export
    from .maps import animated_map, index_page, key_days_png
    from .maps.static import DaySeries, animation_gif, encode_png, gif_frame
    from .maps._base import to_html, vendored_files
    from .maps.day import VIEWER_HTML, day_map, redirect_stub

    from .maps._places import PLACES_JS, payload_js

    keys = [d.strftime("%Y-%m-%d") for d in days]
    # Every day is a lookup in the shared tables: one viewer page, and a small redirect at each old day URL.
    yield PLACES_JS, lambda: payload_js(ds)
    yield VIEWER_HTML, lambda: to_html(day_map(ds, keys[0], data_src=PLACES_JS, index_href="index.html"), vendor="vendor/")
    for key in keys:
        yield f"days/{key}.html", lambda key=key: redirect_stub(ds, key, f"../{VIEWER_HTML}")
    yield "animated.html", lambda: to_html(animated_map(ds, index_href="index.html", data_src=PLACES_JS), vendor="vendor/")
    # The pages' scripts, styles and fonts, so the maps work offline (see scripts/vendor_assets.py).
    for relative, path in vendored_files():
        yield f"vendor/{relative}", lambda path=path: path.read_bytes()
    # One drawing of the PNGs' fixed parts serves every day; each day's frame is kept, small, for the GIF.
    series, frames = functools.cache(lambda: DaySeries(ds)), []

    def day_png(key):
        image = series().image(key)
        frames.append(gif_frame(image))
        return encode_png(image)
    for key in keys:
        yield f"png/{key}.png", lambda key=key: day_png(key)
    yield "animation.gif", lambda: animation_gif(frames)
    yield "png/key-days.png", lambda: key_days_png(ds, key_days(ds, days[0], days[-1]))
    yield "index.html", lambda: index_page(ds, days=days, day_href=lambda k: f"{VIEWER_HTML}#{k}",
                                           animated_href="animated.html", png_href="png/key-days.png",
                                           gif_href="animation.gif", png_day_href=lambda k: f"png/{k}.png",
                                           data_href="data/")
    yield "data/jisrgeo.gpkg", lambda: export.write_gpkg
    yield "data/geojson", lambda: export.write_geojson
    yield "data/csv", lambda: export.write_csv


def build(ds, out="maps", start=None, end=None, on_step=None, replace=False):
    """Write all maps and exports of `ds` into `out`; returns a summary dict.

    Nothing in `out` changes unless everything succeeded. `out` must be new, empty or a previous
    output of ours (its manifest says which files we wrote); files a user added are kept, and
    a folder of someone else's is written into only with replace=True (see output.py).
    on_step(done, total, path) is called after each file (for progress bars).
    """
    t0 = time.perf_counter()
    start = ds.day(start) if start is not None else ds.period[0]
    end = ds.day(end) if end is not None else ds.period[1]
    if end < start:
        from .errors import BadDate

        raise BadDate(f"--to {end.date()} comes before --from {start.date()}")
    if (start, end) != ds.period:
        ds = ds.window(start, end)  # maps and exports of the window only
    days = list(pd.date_range(start, end, freq="D"))
    steps = list(_steps(ds, days))
    inputs = [ds.folder] if ds.folder else []
    with output_folder(out, inputs, replace) as tmp:
        for done, (relative, make) in enumerate(steps, start=1):
            _write(ds, tmp / relative, make())
            if on_step:
                on_step(done, len(steps), relative)
        files = [p for p in tmp.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
    return {"out": str(out), "days": len(days), "files": len(files), "bytes": size,
            "seconds": round(time.perf_counter() - t0, 2)}


def _write(ds, path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    if callable(content):  # an exporter that writes its own file(s)
        content(ds, path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
