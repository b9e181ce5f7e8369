"""`jisrgeo build`: every map and export for a dataset, written into one folder atomically.

Layout of the output folder:
    index.html          the period at a glance, linking everything
    places.js           names, positions, popups and sources of places, shared by all pages; for a period
                        of up to a year, every day's tables too
    tables/2019-Q2.js   a long period's tables by month (up to three years) or quarter, loaded as needed
    day.html            the day viewer: any day of the period, as day.html#YYYY-MM-DD
    animated.html       the time-slider map (the same script, with a slider)
    days/YYYY-MM-DD.html  (day_pages only) redirects to day.html#YYYY-MM-DD, where old per-day links exist
    png/YYYY-MM-DD.png  a publication map per day with something to show (see png_days)
    png/key-days.png    small multiples of the key days, at print resolution (300 dpi)
    png/key-days-screen.png  the same for screens (at most 1,600 px wide, labels of 11 px or more)
    animation.gif       the day maps as a looping animation, a frame per change, with a time bar
    animation-portrait.gif  the same in portrait 4:5, for phones
    data/               jisrgeo.gpkg (every layer), geojson/ (the dataset's spatial layers), csv/ (the dataset's
                        layers and tables); the derived zones and fronts in jisrgeo.gpkg only
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .maps.frame import key_days
from .output import StrPath, output_folder

if TYPE_CHECKING:
    from PIL import Image

    from .dataset import Dataset, DateLike
    from .maps.static import DaySeries

# What each picture of a build shows, as a digest: a rebuild keeps the pictures whose digest is unchanged.
FINGERPRINTS = ".jisrgeo-pictures.json"
PNG_CHOICES = ("all", "changes", "key", "none")


def png_days(ds: Dataset, days: Sequence[pd.Timestamp], which: str = "changes") -> list[pd.Timestamp]:
    """The days that get a PNG of their own: 'all', 'changes' (key days and days with control changes,
    events or dated routes), 'key' (key days only) or 'none'."""
    if which not in PNG_CHOICES:
        raise ValueError(f"png must be one of {', '.join(PNG_CHOICES)}, not {which!r}")
    if which in ("all", "none"):
        return list(days) if which == "all" else []
    chosen = set(key_days(ds, days[0], days[-1]))
    if which == "changes":
        chosen |= set(ds.control_changes["effective"].dropna()) | set(ds.events["date"].dropna())
        if "date" in ds.routes:
            chosen |= set(ds.routes["date"].dropna())
    return [d for d in days if d in chosen]


def _picture_steps(ds, days, png, fingerprints):
    """Steps of the day PNGs, the GIF and the key-days sheet; returns the keys of the days with a PNG.

    One drawing of the maps' fixed parts serves every day, each distinct picture is drawn once, and
    a day drawn for its PNG keeps its frame for the GIF, which draws only the frames still missing.
    fingerprints gets {relative path: digest of what the file shows}, so a rebuild can keep the
    files of an earlier build whose digest is unchanged (see build).
    """
    from .maps import key_days_png
    from .maps.describe import day_description, day_headline
    from .maps.static import (DayFacts, DaySeries, animation_gif, day_fingerprint, drawing_fingerprint, encode_png,
                              gif_frame, gif_plan, gif_schedule, time_bar)

    series = functools.cache(lambda: DaySeries(ds))
    keys = key_days(ds, days[0], days[-1])
    # The GIFs hold their frame from one key day to the next (a frame that follows every day's action jumps).
    landscape = functools.cache(lambda: DaySeries(ds, framing="steady", key_days=keys))
    portrait = functools.cache(lambda: DaySeries(ds, framing="steady", layout="portrait", key_days=keys))
    schedule = _thinned(gif_schedule(ds, days[0], days[-1], keys), keys, len(ds.places))
    chosen = png_days(ds, days, png)
    frames = {}
    facts, common = DayFacts(ds), drawing_fingerprint(ds)
    digest = functools.cache(lambda day: day_fingerprint(ds, day, facts))
    period = (days[0], days[-1])

    def frame(day: pd.Timestamp, drawer: Callable[[], DaySeries], extent: tuple | None = None) -> Image.Image:
        # The GIF frame: the day map with the time bar under it (the period, the key days, the day).
        key = (day, drawer is portrait, extent)
        if key not in frames:
            frames[key] = gif_frame(time_bar(drawer().image(day, extent), day, period[0], period[1], keys))
        return frames[key]

    def gif(drawer: Callable[[], DaySeries]) -> bytes:
        plan = gif_plan(drawer(), schedule)
        return animation_gif([frame(d, drawer, extent) for d, _, extent in plan], [ms for _, ms, _ in plan], told())

    def day_png(day: pd.Timestamp) -> bytes:
        return encode_png(gif_frame(series().image(day)), description=day_description(ds, day))

    def fingerprint(*parts: object) -> str:
        return hashlib.sha256(json.dumps([common, *parts], default=str).encode()).hexdigest()

    for day in chosen:
        fingerprints[f"png/{day:%Y-%m-%d}.png"] = fingerprint("png", digest(day))
        yield f"png/{day:%Y-%m-%d}.png", lambda day=day: day_png(day)
    fingerprints["animation.gif"] = fingerprint("gif", [(digest(d), ms) for d, ms in schedule])
    # The GIFs' description: the headline of each key day (maps/describe.py), in their comment.
    told = functools.cache(lambda: " ".join(day_headline(ds, d) + "." for d in keys))
    yield "animation.gif", lambda: gif(landscape)
    # The phone edition: portrait 4:5, framed for its own shape.
    fingerprints["animation-portrait.gif"] = fingerprint("gif-portrait", [(digest(d), ms) for d, ms in schedule])
    def last_gif() -> bytes:
        made = gif(portrait)
        frames.clear()  # no day map is drawn after this one: a war's frames and drawings go before the exports
        for drawer in (series, landscape, portrait):
            drawer.cache_clear()
        return made

    yield "animation-portrait.gif", last_gif
    fingerprints["png/key-days.png"] = fingerprint("sheet", [digest(d) for d in keys])
    yield "png/key-days.png", lambda: key_days_png(ds, keys)
    # The screen edition: at most 1,600 px wide, labels of 11 px or more.
    fingerprints["png/key-days-screen.png"] = fingerprint("sheet-screen", [digest(d) for d in keys])
    yield "png/key-days-screen.png", lambda: key_days_png(ds, keys, edition="screen")
    return {f"{d:%Y-%m-%d}" for d in chosen}


# The GIF's drawing work grows with frames x places: a war of thousands of places gets fewer frames (each
# holding the time of the frames it stands for), at least GIF_MIN_FRAMES, so its build takes minutes, not hours.
GIF_PLACE_FRAMES = 60_000
GIF_MIN_FRAMES = 24


def _thinned(schedule, keys, places):
    """The GIF's [(day, ms)] cut to what GIF_PLACE_FRAMES allows for `places`: key days and evenly spread days
    kept, each kept frame held for the frames dropped after it (the GIF lasts as long)."""
    most = max(GIF_MIN_FRAMES, GIF_PLACE_FRAMES // max(places, 1))
    if len(schedule) <= most:
        return schedule
    step, keys = -(-len(schedule) // most), set(keys)
    keep = {k for k, (day, _) in enumerate(schedule) if k % step == 0 or day in keys}
    out = []
    for k, (day, ms) in enumerate(schedule):
        if k in keep:
            out.append([day, ms])
        else:
            out[-1][1] += ms
    return [(day, ms) for day, ms in out]


def _steps(ds, days, png="changes", fingerprints=None, day_pages=False):
    """(relative path, function returning bytes or str) for every file, in build order."""
    from . import export
    from .maps import PLACES_JS, animated_map, index_page, periods, to_html, vendored_files, viewer_files
    from .maps.day import VIEWER_HTML, day_map, redirect_stub

    keys = [d.strftime("%Y-%m-%d") for d in days]
    # Every day is a lookup in the shared tables (places.js, and for a long period its files by month or
    # quarter, made once and written one by one): one viewer page for all days.
    tables = functools.cache(lambda: viewer_files(ds))
    for relative in [PLACES_JS] + [src for _, _, src in periods(*ds.period) if src]:
        yield relative, lambda relative=relative: tables().pop(relative)
    yield VIEWER_HTML, lambda: to_html(day_map(ds, keys[0], data_src=PLACES_JS, index_href="index.html"), vendor="vendor/")
    if day_pages:  # a small redirect at each old per-day URL, where such links were published
        for key in keys:
            yield f"days/{key}.html", lambda key=key: redirect_stub(ds, key, f"../{VIEWER_HTML}")
    yield "animated.html", lambda: to_html(animated_map(ds, index_href="index.html", data_src=PLACES_JS), vendor="vendor/")
    # The pages' scripts, styles and fonts, so the maps work offline (see scripts/vendor_assets.py).
    for relative, path in vendored_files():
        yield f"vendor/{relative}", lambda path=path: path.read_bytes()
    drawn = yield from _picture_steps(ds, days, png, {} if fingerprints is None else fingerprints)
    yield "index.html", lambda: index_page(ds, days=days, day_href=lambda k: f"{VIEWER_HTML}#{k}",
                                           animated_href="animated.html", png_href="png/key-days.png",
                                           gif_href="animation.gif", screen_png_href="png/key-days-screen.png",
                                           portrait_gif_href="animation-portrait.gif",
                                           png_day_href=lambda k: f"png/{k}.png" if k in drawn else None,
                                           data_href="data/")
    yield "data/jisrgeo.gpkg", lambda: export.write_gpkg
    # The tables in data/csv only; the derived zones and fronts in the GeoPackage only (their GeoJSON and CSV
    # copies were 84 of a war's 274 MB); `jisrgeo export --format geojson|csv` writes them on demand.
    yield "data/geojson", lambda: functools.partial(export.write_geojson, tables=False, derived=False)
    yield "data/csv", lambda: functools.partial(export.write_csv, derived=False)


def build(ds: Dataset, out: StrPath = "maps", start: DateLike | None = None, end: DateLike | None = None,
          on_step: Callable[[int, int, str], object] | None = None, replace: bool = False, png: str = "changes",
          day_pages: bool | None = None) -> dict[str, Any]:
    """Write all maps and exports of `ds` into `out`; returns a summary dict.

    Nothing in `out` changes unless everything succeeded. `out` must be new, empty or a previous
    output of ours (its manifest says which files we wrote); files a user added are kept, and
    a folder of someone else's is written into only with replace=True (see output.py).
    png: which days get a PNG of their own (see png_days); the GIF and the key-days sheet are always written.
    on_step(done, total, path) is called before each file is made and once at the end (for progress bars).
    day_pages: also write days/YYYY-MM-DD.html, a redirect to the viewer for each day, where links to the old
    per-day pages were published; default: the dataset's `day_pages` (dataset.json), else none.
    Rebuilding into an earlier build keeps its pictures whose content would not change (a digest of
    what each shows is kept in .jisrgeo-pictures.json): editing one place redraws only the days it
    shows differently. summary["kept"] counts them.
    """
    t0 = time.perf_counter()
    start, end = ds.span(start, end)
    if (start, end) != ds.period:
        ds = ds.window(start, end)  # maps and exports of the window only
    days = list(pd.date_range(start, end, freq="D"))
    fingerprints: dict[str, str] = {}
    if day_pages is None:
        day_pages = bool(ds.meta.get("day_pages", False))
    steps = list(_steps(ds, days, png, fingerprints, day_pages))  # an unknown `png` is refused here, before anything is written
    inputs = [ds.folder] if ds.folder else []
    earlier = _earlier_pictures(out)
    kept = 0
    with output_folder(out, inputs, replace) as tmp:
        for done, (relative, make) in enumerate(steps):
            if on_step:
                on_step(done, len(steps), relative)
            if fingerprints.get(relative) and earlier.get(relative, (None,))[0] == fingerprints[relative] and _keep(
                    out, relative, tmp / relative):
                kept += 1
            else:
                _write(ds, tmp / relative, make())
        (tmp / FINGERPRINTS).write_text(json.dumps({"generator": "jisrgeo", "files": fingerprints}, indent=1,
                                                   sort_keys=True) + "\n", encoding="utf-8")
        if on_step:
            on_step(len(steps), len(steps), "")
        files = [p for p in tmp.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
    # files: what the build wrote and the manifest that publishing adds (every file of the output it made)
    return {"out": str(out), "days": len(days), "files": len(files) + 1, "bytes": size, "kept": kept,
            "seconds": round(time.perf_counter() - t0, 2)}


def _earlier_pictures(out):
    """{relative path: (fingerprint, path)} of the pictures an earlier build wrote into `out` that are
    still as we wrote them (the manifest's hash), with the fingerprint of what they show."""
    from .errors import DataError
    from .io.folder import read_json
    from .output import files_we_wrote

    folder = Path(out)
    try:
        ours = files_we_wrote(folder)
        if FINGERPRINTS not in ours:
            return {}
        # The guarded reader: a pipe, a device or deep nesting is refused, and every picture is drawn anew.
        listed = read_json(folder / FINGERPRINTS, FINGERPRINTS, root=folder)["files"]
    except DataError as exc:
        warnings.warn(f"{folder / FINGERPRINTS}: {exc.problems[0].reason}; every picture is drawn anew", stacklevel=2)
        return {}
    except (OSError, KeyError, TypeError):
        return {}
    if not isinstance(listed, dict):
        return {}
    return {rel: (key, folder / rel) for rel, key in listed.items() if rel in ours and isinstance(key, str)}


def _keep(out, relative, path):
    """Put an unchanged file of the earlier build in the new one: a hard link, so publishing it leaves
    the file as it is (same inode, same time); a copy where links are not possible. Reached through
    folder descriptors (output.keep_earlier), never through a link; False (redraw it) when it cannot be."""
    from .output import keep_earlier

    try:
        keep_earlier(out, relative, path)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        return False
    return True


def _write(ds, path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    if callable(content):  # an exporter that writes its own file(s)
        content(ds, path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
