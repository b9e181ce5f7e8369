"""The built maps in a real browser: Debian's headless Chromium driven by Playwright, offline.

The JavaScript and CSS the pages load from CDNs are served from local npm copies
(tests/browser/node_modules, installed by scripts/setup-test-tools.sh); map tiles are
answered with a blank tile. Any other outside request fails the test.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import jisrgeo

# The bundled battle's own declaration (dataset.json sides).
SIDE_COLORS = {code: side.color for code, side in jisrgeo.load().sides.items()}

ASSETS = Path(__file__).parent / "browser" / "node_modules"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
BLANK_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                          "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a5e00000000049454e44ae426082")
EMPTY_CSS = ("cdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css", "leaflet.awesome.rotate.min.css")
LOCAL = [
    (re.compile(r"https://cdn\.jsdelivr\.net/npm/((?:@[^/]+/)?[^@/]+)@[^/]+/(.+)"), r"\1/\2"),
    (re.compile(r"https://code\.jquery\.com/jquery-([\d.]+)\.min\.js"), r"jquery/dist/jquery.min.js"),
    (re.compile(r"https://cdnjs\.cloudflare\.com/ajax/libs/Leaflet\.awesome-markers/[^/]+/(leaflet\.awesome-markers)\.(js|css)"),
     r"drmonty-leaflet-awesome-markers/\2/\1.\2"),
    (re.compile(r"https://cdnjs\.cloudflare\.com/ajax/libs/moment\.js/[^/]+/moment\.min\.js"), r"moment/min/moment.min.js"),
]


def _missing_requirements():
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install '.[test]')"
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (scripts/setup-test-tools.sh)"
    if not ASSETS.is_dir():
        return "browser assets missing (scripts/setup-test-tools.sh runs npm ci in tests/browser)"
    return None


missing = _missing_requirements()
if missing and os.environ.get("CI"):
    raise RuntimeError(f"browser tests cannot run in CI: {missing}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(bool(missing), reason=missing or "")]


def local_file(url):
    for pattern, target in LOCAL:
        match = pattern.fullmatch(url.split("?")[0])
        if match:
            path = ASSETS / match.expand(target)
            if not path.exists() and path.name.endswith(".min.js"):  # the CDN minifies on the fly
                path = path.with_name(path.name.replace(".min.js", ".js"))
            return path
    return None


@pytest.fixture(scope="module")
def site(bundled, bundled_build):
    return bundled, bundled_build[0]  # the run's one build of the bundled battle (conftest): read, never changed


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


LAPTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


@pytest.fixture
def page(browser):
    yield from _page(browser, LAPTOP)


@pytest.fixture
def phone(browser):
    yield from _page(browser, PHONE)


def _page(browser, device):
    context = browser.new_context(**device)
    page = context.new_page()
    page.js_errors = []
    page.outside_requests = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and page.js_errors.append(msg.text))

    def handle(route):
        url = route.request.url
        if url.startswith("file://"):
            return route.continue_()
        if "tile.openstreetmap.org" in url:
            return route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
        if url.endswith(EMPTY_CSS):
            return route.fulfill(status=200, content_type="text/css", body="")
        path = local_file(url)
        if path is None or not path.exists():
            page.outside_requests.append(url)
            return route.abort()
        return route.fulfill(path=str(path))

    page.route("**/*", handle)
    yield page
    context.close()


@pytest.fixture(scope="module")
def aleppo(tmp_path_factory):
    """The second battle's viewer as one self-contained file (`jisrgeo map -o`): no build of its 1,618 days needed."""
    from jisrgeo.maps import day_map
    from jisrgeo.maps._base import INLINE, to_html

    ds = jisrgeo.load(Path(__file__).parent / "fixtures" / "aleppo")
    out = tmp_path_factory.mktemp("aleppo") / "aleppo.html"
    out.write_text(to_html(day_map(ds, "2016-08-06"), vendor=INLINE), encoding="utf-8")
    return ds, out


def shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def rgb(hex_color):
    h = hex_color.lstrip("#")
    return f"rgb({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)})"




# -- the day viewer ------------------------------------------------------------------------------

def open_day(page, url, day=None):
    page.goto(url)
    try:
        page.wait_for_selector("path.jg-place", state="attached")
    except Exception as error:  # say why the page drew nothing
        shot(page, "no-place-drawn.png")
        raise AssertionError(f"no place drawn: {getattr(page, 'js_errors', [])}") from error
    if day:
        page.wait_for_function("d => document.querySelector('.jg-day summary').textContent.startsWith(d)", arg=day)
    settle(page)


def settle(page):
    """Let a zoom or pan finish and the labels be placed again (a loaded machine may still be animating)."""
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim')")
    page.wait_for_timeout(300)


def shown_day(page):
    return page.eval_on_selector(".jg-day summary", "e => e.textContent.slice(0, 10)")


def fill(page, place):
    return page.eval_on_selector(f"path.place-{place}", "e => e.getAttribute('fill')")


def centre(page, selector):
    return page.eval_on_selector(selector, "e => { const b = e.getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; }")


def test_viewer_shows_any_day_by_url_buttons_keys_picker_and_old_links(site, page):
    ds, out = site
    viewer = (out / "day.html").as_uri()
    open_day(page, viewer + "#2015-05-21", "2015-05-21")
    assert fill(page, "national_hospital") == SIDE_COLORS["government"]
    open_day(page, viewer + "#2015-05-22", "2015-05-22")  # the same page, another day
    assert fill(page, "national_hospital") == SIDE_COLORS["opposition"]
    assert page.locator("path.place-national_hospital").count() == 1
    open_day(page, viewer + "#2015-04-25", "2015-04-25")
    assert fill(page, "jisr_al_shughur") == SIDE_COLORS["opposition"]
    # The day in words, not the browser's locale order (04/25/2015 in en-US); the native picker lies over it.
    assert page.inner_text(".jg-when").startswith("25 April 2015") and "/" not in page.inner_text(".jg-when")
    page.click("button.jg-next")
    assert shown_day(page) == "2015-04-26" and page.url.endswith("#2015-04-26")
    assert page.inner_text(".jg-date-words") == "26 April 2015"
    page.click("button.jg-prev")
    page.click("button.jg-prev")
    assert shown_day(page) == "2015-04-24" and fill(page, "jisr_al_shughur") == SIDE_COLORS["government"]
    # Each step is in the browser's history: Back returns to the day before, and Forward again.
    for expected in ("2015-04-25", "2015-04-26", "2015-04-25"):
        page.go_back()
        page.wait_for_function("d => document.querySelector('.jg-day summary').textContent.startsWith(d)", arg=expected)
        assert page.url.endswith("#" + expected)
    for expected in ("2015-04-26", "2015-04-25", "2015-04-24"):
        page.go_forward()
        page.wait_for_function("d => document.querySelector('.jg-day summary').textContent.startsWith(d)", arg=expected)
    page.locator(".leaflet-container").click(position={"x": 700, "y": 850})  # focus on the map, not a field
    page.keyboard.press("ArrowRight")
    assert shown_day(page) == "2015-04-25"
    page.keyboard.press("ArrowLeft")
    assert shown_day(page) == "2015-04-24"
    page.fill("input.jg-date", "2015-05-10")
    page.dispatch_event("input.jg-date", "change")
    assert shown_day(page) == "2015-05-10"
    page.go_back()  # the picked day is in the history too
    page.wait_for_function("() => !document.querySelector('.jg-day summary').textContent.startsWith('2015-05-10')")
    assert page.locator("button.jg-prev").is_enabled()
    open_day(page, viewer + "#2015-04-09", "2015-04-09")
    assert page.locator("button.jg-prev").is_disabled()  # the period's first day
    # A published link to an old per-day page lands on the viewer at that day.
    open_day(page, (out / "days" / "2015-05-22.html").as_uri(), "2015-05-22")
    assert page.url.endswith("day.html#2015-05-22") and fill(page, "national_hospital") == SIDE_COLORS["opposition"]
    assert page.js_errors == [] and page.outside_requests == []


NO_TEXT = re.compile(r"\b(nan|NaN|None|undefined|null)\b")


def bad_text(page):
    """Any 'nan', 'None', 'undefined' in the panels, the open popup, or any popup the tables can make."""
    shown = page.evaluate("""() => [...document.querySelectorAll('.jg-head, .jg-panel, .leaflet-popup-content, .leaflet-control')]
        .map(e => e.textContent).join('\\n')""")
    tables = page.evaluate("""() => [JG.popups, JG.routes.map(r => r[5]), JG.stateText, Object.values(JG.sources),
        ...JG.parts.filter(Boolean).map(p => [p.eventPopups, p.shifts.map(s => s[3]), p.events.map(e => e[5]),
                                              p.totals.map(t => t[1])])].flat(2).join('\\n')""")
    return NO_TEXT.findall(re.sub(r"<[^>]+>", " ", shown + "\n" + tables))


def furniture_share(page):
    """Share of the screen under the title strip, panels, slider and map controls (sampled every 5 px)."""
    return page.evaluate("""() => {
        const rs = [...document.querySelectorAll('.jg-head, .jg-panel, .jg-slider, .leaflet-control')]
            .map(e => e.getBoundingClientRect()).filter(r => r.width && r.height);
        let hit = 0, n = 0;
        for (let x = 2; x < innerWidth; x += 5) for (let y = 2; y < innerHeight; y += 5) {
            n++; if (rs.some(r => x >= r.left && x < r.right && y >= r.top && y < r.bottom)) hit++; }
        return hit / n; }""")


READER_CASES = [("bundled", "2015-04-25", "jisr_al_shughur"), ("bundled", "2015-05-22", "jisr_al_shughur"),
                ("aleppo", "2016-08-06", "ramouseh")]


@pytest.mark.parametrize("device", ["laptop", "phone"])
@pytest.mark.parametrize("battle,day,town", READER_CASES)
def test_a_reader_sees_the_battle_and_its_source_and_can_open_the_town(site, aleppo, browser, battle, day, town, device):
    ds, url = (site[0], (site[1] / "day.html").as_uri()) if battle == "bundled" else (aleppo[0], aleppo[1].as_uri())
    for page in _page(browser, PHONE if device == "phone" else LAPTOP):
        open_day(page, f"{url}#{day}", day)
        width, height = page.viewport_size["width"], page.viewport_size["height"]
        title = page.locator(".jg-name")
        assert title.is_visible() and ds.name in title.inner_text()
        box = title.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.locator(".jg-source").is_visible() and "Source:" in page.inner_text(".jg-source")
        credit = page.locator(".leaflet-control-attribution")
        assert credit.is_visible() and "Data:" in credit.inner_text()
        viewport = page.get_attribute("meta[name=viewport]", "content")
        assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport
        share = furniture_share(page)
        assert share <= 0.30, share
        if battle == "bundled":  # the day opens on its action: every place that changed, on screen, spread out
            xs = []
            top = page.eval_on_selector(".jg-head", "e => e.getBoundingClientRect().bottom")
            bottom = page.eval_on_selector(".jg-panel", "e => e.getBoundingClientRect().top") if device == "phone" else height
            for place in set(ds.changes(day, day)["place_id"]) | {"jisr_al_shughur"}:
                x, y = centre(page, f"path.place-{place}")
                assert 0 <= x <= width and top < y < bottom, place
                xs.append(x)
            # ...framed on the day's own frame (maps/frame.py), not the whole theatre, and all of it in view.
            assert page.evaluate("""() => String(jgView.frameOf(jgView.drawn)) !== String(JG.meta.frame)
                && jgView.map.getBounds().pad(0.02).contains(jgView.frameOf(jgView.drawn))""")
        marker = page.locator(f"path.place-{town}")
        marker.tap() if device == "phone" else marker.click()  # a real pointer: whatever lies on top takes it
        popup = page.wait_for_selector(".leaflet-popup")
        page.wait_for_timeout(600)  # the popup's pan
        settle(page)
        name = ds.places.set_index("place_id").loc[town, "name"]
        assert name in page.inner_text(".leaflet-popup-content")
        b = popup.bounding_box()
        top = page.eval_on_selector(".jg-head", "e => e.getBoundingClientRect().bottom")
        assert b["x"] >= 0 and b["x"] + b["width"] <= width and b["y"] >= top - 1 and b["y"] + b["height"] <= height, b
        assert bad_text(page) == []
        shot(page, f"reader-{battle}-{day}-{device}.png")
        assert page.js_errors == [] and page.outside_requests == []


def test_day_viewer_draws_every_place_in_its_colour_and_the_days_events(site, page):
    ds, out = site
    open_day(page, (out / "day.html").as_uri() + "#2015-05-10", "2015-05-10")
    expected = ds.control("2015-05-10")
    for side, color in SIDE_COLORS.items():
        fills = page.eval_on_selector_all(f"path.jg-place.controller-{side}", "els => els.map(e => e.getAttribute('fill'))")
        assert len(fills) == int((expected["controller"] == side).sum())
        assert set(fills) <= {color}
    # The besieged hospital: government fill with a thick ring of the besieger's colour.
    ring = page.eval_on_selector("path.place-national_hospital", "e => [e.getAttribute('stroke'), e.getAttribute('stroke-width')]")
    assert ring == [SIDE_COLORS["opposition"], "5"]
    from jisrgeo.maps._days import shown_on

    assert page.locator(".jg-event").count() == int((shown_on(ds.events) == "2015-05-10").sum()) > 0
    assert page.js_errors == [] and page.outside_requests == []


def test_what_changed_is_marked_and_worded_apart_from_changes_of_status(site, page):
    ds, out = site
    open_day(page, (out / "day.html").as_uri() + "#2015-04-25", "2015-04-25")
    changed = set(ds.changes("2015-04-25", "2015-04-25")["place_id"])
    halos = set(page.eval_on_selector_all("path.jg-changed", "els => els.map(e => e.getAttribute('class').match(/changed-(\\S+)/)[1])"))
    assert halos == changed and len(changed) == 7
    # The mark is the one declared in style.py (checked at 3:1 on every fill), on its white casing.
    from jisrgeo.style import CHANGED_CASING, CHANGED_MARK
    strokes = set(page.eval_on_selector_all("path.jg-changed", "els => els.map(e => e.getAttribute('stroke'))"))
    casings = set(page.eval_on_selector_all("path.jg-changed-casing", "els => els.map(e => e.getAttribute('stroke'))"))
    assert strokes == {CHANGED_MARK} and casings == {CHANGED_CASING}
    panel = page.inner_text(".jg-day-body")
    hands, status = panel.split("Other changes of status")
    assert "Jisr al-Shughur: taken by Opposition from Government" in hands
    assert "Jisr al-Shughur National Hospital: Government-held, now besieged by Opposition" in status
    assert "National Hospital" not in hands  # besieged is not a hand-over
    assert "state changed this day" in page.text_content(".jg-legend-body")
    page.goto((out / "index.html").as_uri())
    row = page.locator("tr", has_text="2015-04-25").inner_text()
    assert "Changed hands:" in row and "Jisr al-Shughur: taken by Opposition from Government" in row
    assert "Status: Jisr al-Shughur National Hospital: Government-held, now besieged by Opposition" in row
    assert page.js_errors == [] and page.outside_requests == []


def test_places_and_events_lie_above_areas_and_routes_and_take_the_click(site, page):
    """Clicking the middle of the town opens the town, not the M4 road or an area under it."""
    ds, out = site
    for day in ("2015-04-25", "2015-05-22"):
        open_day(page, (out / "day.html").as_uri() + f"#{day}", day)
        panes = page.evaluate("""() => ['jgZones', 'jgFronts', 'jgRoutes', 'jgPlaces', 'jgEvents', 'jgLabels']
            .map(n => +getComputedStyle(document.querySelector('.leaflet-' + n + '-pane')).zIndex)""")
        assert panes == sorted(panes) and len(set(panes)) == 6
        # The river (and every ground line) over the zone fills, as on the PNGs, and under the places.
        river = page.evaluate("""() => +getComputedStyle(document.querySelector('path.jg-context-river')
            .closest('.leaflet-pane')).zIndex""")
        assert panes[0] < river < panes[3], (river, panes)
        assert page.locator("path.jg-context-river").count() > 0
        x, y = centre(page, "path.place-jisr_al_shughur")
        page.mouse.click(x, y)
        assert "Jisr al-Shughur" in page.wait_for_selector(".leaflet-popup-content h4").inner_text()
        page.keyboard.press("Escape")
        settle(page)  # the popup's pan: SVG paths are re-projected only when it ends
        # No event icon sits on a place marker.
        places = page.eval_on_selector_all("path.jg-place", "els => els.map(e => { const b = e.getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; })")
        for ex, ey in page.eval_on_selector_all(".jg-event", "els => els.map(e => { const b = e.getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; })"):
            near = [(px, py) for px, py in places if ((ex - px) ** 2 + (ey - py) ** 2) ** 0.5 < 18]
            assert near == [], (day, (ex, ey), near, page.evaluate("() => [jgView.map.getZoom(), jgView.fitZoom]"))
    assert page.js_errors == [] and page.outside_requests == []


def test_the_legend_draws_every_kind_of_mark_shown(site, page):
    ds, out = site
    open_day(page, (out / "day.html").as_uri() + "#2015-05-22", "2015-05-22")
    legend = page.text_content(".jg-legend-body")  # its later sections are folded: their text is there, not shown
    for side in ds.sides.values():
        assert side.label in legend
    for words in ("held", "contested", "besieged", "inferred", "zone held", "front line", "state changed this day"):
        assert words in legend, words
    shown_types = set(page.eval_on_selector_all(".jg-event", "els => els.map(e => e.className.match(/jg-event-(\\S+)/)[1])"))
    for t in shown_types:
        assert ds.vocabulary.label(t) in legend
    for route in ds.routes.itertuples():
        if pd.isna(route.date) or route.date == pd.Timestamp("2015-05-22"):
            assert ds.vocabulary.label(route.kind) in legend
    assert page.locator(".jg-legend-body svg.jg-sym").count() >= 12  # drawn symbols, not words only
    assert "hover" not in legend.lower()
    page.click(".jg-legend summary")  # collapsible
    assert not page.locator(".jg-legend-body").is_visible()
    assert page.js_errors == [] and page.outside_requests == []


def test_day_viewer_draws_zones_by_certainty_and_front_lines_with_a_toggle(site, page):
    ds, out = site
    open_day(page, (out / "day.html").as_uri() + "#2015-04-25", "2015-04-25")
    zones = ds.areas("2015-04-25")
    assert page.locator("path.jg-zone").count() == len(zones) > 0
    fills = page.eval_on_selector_all("path.jg-zone", "els => els.map(e => [e.getAttribute('class'), e.getAttribute('fill')])")
    # Solid zones are drawn at the opacity the side colours are checked at for colour-blind readers (style.py).
    from jisrgeo.style import FILL_ALPHA
    opacities = set(page.eval_on_selector_all("path.zone-status-held.zone-basis-reported",
                                              "els => els.map(e => e.getAttribute('fill-opacity'))"))
    assert opacities == {f"{FILL_ALPHA:g}"}, opacities
    for cls, fill in fills:
        side = re.search(r"zone-side-(\S+)", cls).group(1)
        if "zone-status-held" in cls and "zone-basis-reported" in cls:
            assert fill == SIDE_COLORS[side], cls  # reported: solid in the side's colour
        elif "zone-status-held" in cls:
            assert fill == f"url(#jg-hatch-{side})", cls  # inferred: hatched, never a paler shade
    # The besieged hospital's zone keeps its holder's colour, hatched and ringed in the besieger's.
    assert page.get_attribute("path.jg-zone.zone-place-national_hospital", "fill") == "url(#jg-siege-government-opposition)"
    assert page.get_attribute("path.jg-zone.zone-place-national_hospital", "stroke") == SIDE_COLORS["opposition"]
    # Estimated fronts are lighter than the places' rings (#222): dashed mid-grey.
    assert page.get_attribute("path.jg-front", "stroke") == "#5a5a5a" and page.get_attribute("path.jg-front", "stroke-dasharray")
    assert page.locator("path.jg-front").count() == len(ds.front_lines("2015-04-25")) > 0
    legend = page.text_content(".jg-legend-body")
    assert "hatched" in legend and "solid" in legend
    page.hover(".leaflet-control-layers")  # the layer list, collapsed behind its button
    page.click("text=Estimated areas of control (derived)")
    assert page.locator("path.jg-zone").count() == 0
    page.click("text=Estimated front lines (derived)")
    assert page.locator("path.jg-front").count() == 0
    assert page.js_errors == [] and page.outside_requests == []


def _slide_to(page, ds, day):
    n = (pd.Timestamp(day) - ds.period[0]).days
    page.eval_on_selector("input.time-slider", f"el => {{ el.value = '{n}'; el.dispatchEvent(new Event('input')); }}")


@pytest.mark.parametrize("device", ["laptop", "phone"])
def test_the_animated_page_leaves_the_map_to_the_reader(site, browser, device):
    ds, out = site
    for page in _page(browser, PHONE if device == "phone" else LAPTOP):
        page.goto((out / "animated.html").as_uri() + "#2015-05-22")
        page.wait_for_selector("input.time-slider")
        settle(page)
        assert page.text_content("output.time-text") == "2015-05-22" and ds.name in page.inner_text(".jg-name")
        share = furniture_share(page)
        assert share <= 0.30, share
        shot(page, f"animated-2015-05-22-{device}.png")
        assert page.js_errors == [] and page.outside_requests == []


def test_animated_map_slider_changes_colour_on_the_change_date(site, page):
    ds, out = site
    page.goto((out / "animated.html").as_uri())
    page.wait_for_selector("input.time-slider")
    _slide_to(page, ds, "2015-05-21")
    assert fill(page, "national_hospital") == SIDE_COLORS["government"]
    _slide_to(page, ds, "2015-05-22")
    assert fill(page, "national_hospital") == SIDE_COLORS["opposition"]
    assert page.locator("path.place-national_hospital").count() == 1  # never both states at once
    assert page.inner_text("output.time-text") == "2015-05-22"
    for day in ("2015-04-24", "2015-04-25"):  # the zones move with the slider
        _slide_to(page, ds, day)
        zones = ds.areas(day)
        assert page.locator("path.jg-zone").count() == len(zones)
        assert page.locator("path.jg-zone.zone-side-opposition").count() == int((zones["side"] == "opposition").sum())
        assert page.locator("path.jg-front").count() == len(ds.front_lines(day))
    # Events are their own glyphs in their own layer, not circles in a side's colour on the markers.
    assert page.locator(".jg-event .jg-event-icon i.fa").count() == page.locator(".jg-event").count() > 0
    assert page.locator("path.jg-event").count() == 0
    assert page.js_errors == [] and page.outside_requests == []


def test_the_slider_scales_to_any_length_and_marks_the_days_of_change(site, aleppo, browser):
    """59 days: a tick a day, a label a week. 1,618 days: labels by year, and every day of change still marked."""
    from jisrgeo.maps import animated_map
    from jisrgeo.maps._base import INLINE, to_html
    from jisrgeo.maps._days import shifts

    long_ds, folder = aleppo[0], aleppo[1].parent
    long_page = folder / "animated.html"
    long_page.write_text(to_html(animated_map(long_ds), vendor=INLINE), encoding="utf-8")
    for ds, url in ((site[0], (site[1] / "animated.html").as_uri()), (long_ds, long_page.as_uri())):
        for page in _page(browser, LAPTOP):
            page.goto(url)
            page.wait_for_selector(".jg-tick-labels span")
            labels = page.eval_on_selector_all(".jg-tick-labels span", "els => els.map(e => [e.textContent, e.getBoundingClientRect().toJSON()])")
            boxes = [b for _, b in labels]
            assert all(a["right"] <= b["left"] for a, b in zip(boxes, boxes[1:]))  # in order, none over another
            marks = page.get_attribute(".jg-mark", "d").count("M")
            assert marks == len({day for day, *_ in shifts(ds)}) > 0
            texts = [t for t, _ in labels]
            if ds is long_ds:
                assert {"2013", "2014", "2015", "2016"} <= set(texts), texts
            else:
                assert "9 Apr" in texts and len(texts) >= 6
            assert page.js_errors == [] and page.outside_requests == []


@pytest.mark.parametrize("name", ["day.html#2015-04-25", "animated.html#2015-04-25"])
def test_pages_work_with_every_outside_request_blocked(site, browser, name):
    """Scripts, styles and fonts come from the build's vendor/ folder: no network is needed to draw the map."""
    ds, out = site
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    exceptions, blocked = [], []
    page.on("pageerror", lambda exc: exceptions.append(str(exc)))

    def block(route):
        if route.request.url.startswith("file://"):
            return route.continue_()
        blocked.append(route.request.url)
        return route.abort()

    page.route("**/*", block)
    page.goto((out / name.split("#")[0]).as_uri() + "#" + name.split("#")[1])
    page.wait_for_selector("path.jg-place", state="attached")
    page.wait_for_selector("path.jg-zone")
    assert exceptions == []
    assert blocked == []  # tiles are off by default: not one request leaves the disk
    credits = page.inner_text(".leaflet-control-attribution")
    assert "Data: French Wikipedia" in credits and "Natural Earth" in credits
    assert "OpenStreetMap" not in credits  # no tile was drawn: no tile credit
    assert page.eval_on_selector(".jg-event i", "e => getComputedStyle(e, '::before').fontFamily").startswith('"Font Awesome')
    # The Natural Earth context (land, borders, coast) is drawn from the page's own data.
    assert page.locator("path.jg-context").count() == 1
    assert page.get_attribute("path.jg-context", "d").count("L") > 20
    settle(page)
    visible = page.eval_on_selector_all(".jg-label", """els => els.filter(e => e.style.visibility !== 'hidden')
        .map(e => e.textContent.replace('≈ ', ''))""")
    assert {"Jisr al-Shughur", "Jisr al-Shughur National Hospital", "Ishtabraq", "al-Sermania"} <= set(visible)
    # ...and not under a panel or a control (title strip, summary, legend, layers, slider).
    on_top = page.eval_on_selector_all(".jg-label", """els => {
        const panels = [...document.querySelectorAll('.jg-head, .jg-panel, .jg-slider, .leaflet-control')].map(p => p.getBoundingClientRect());
        const overlaps = (a, b) => a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
        return els.filter(e => e.style.visibility !== 'hidden')
          .filter(e => !panels.some(p => overlaps(e.getBoundingClientRect(), p)))
          .map(e => e.textContent.replace('≈ ', '')); }""")
    assert {"Jisr al-Shughur", "Jisr al-Shughur National Hospital", "Ishtabraq", "al-Sermania"} <= set(on_top), on_top
    shot(page, f"offline-{name.split('.')[0]}.png")
    context.close()


def test_labels_overlap_neither_each_other_nor_markers_and_icons(site, page):
    ds, out = site
    open_day(page, (out / "day.html").as_uri() + "#2015-04-25", "2015-04-25")
    visible = page.eval_on_selector_all(".jg-label", """els => els.filter(e => e.style.visibility !== 'hidden')
        .map(e => [e.textContent, e.getBoundingClientRect().toJSON()])""")
    names = {name.removeprefix("≈ ") for name, _ in visible}  # ≈ marks a position we inferred
    assert {"Jisr al-Shughur", "Jisr al-Shughur National Hospital", "Ishtabraq", "al-Sermania"} <= names
    boxes = [box for _, box in visible]
    marks = page.eval_on_selector_all("path.jg-place, .jg-event", "els => els.map(e => e.getBoundingClientRect().toJSON())")

    def overlap(a, b, inset=0):
        return (a["left"] + inset < b["right"] - inset and a["right"] - inset > b["left"] + inset
                and a["top"] + inset < b["bottom"] - inset and a["bottom"] - inset > b["top"] + inset)
    for i, a in enumerate(boxes):
        assert not any(overlap(a, b) for b in boxes[i + 1:]), (visible[i], [v for v in visible[i + 1:] if overlap(a, v[1])])
        assert not any(overlap(a, m, inset=1.5) for m in marks), (a, [m for m in marks if overlap(a, m, inset=1.5)])
    assert "Idlib governorate" not in names  # a region, not a point
    assert page.js_errors == [] and page.outside_requests == []


def test_what_we_deduced_looks_different_from_what_sources_state(site, page):
    ds, out = site
    open_day(page, (out / "day.html").as_uri() + "#2015-05-07", "2015-05-07")
    nahlaya = page.eval_on_selector("path.place-nahlaya", "e => [e.getAttribute('class'), e.getAttribute('fill-opacity')]")
    ariha = page.eval_on_selector("path.place-ariha", "e => [e.getAttribute('class'), e.getAttribute('fill-opacity')]")
    assert "jg-uncertain" in nahlaya[0] and "jg-uncertain" not in ariha[0]  # Nahlaya's initial state is our inference
    # A white centre marks it, never a paler fill (which colour-blind readers could take for another side).
    assert float(nahlaya[1]) == float(ariha[1])
    assert page.locator("path.jg-uncertain-centre").count() == page.locator("path.jg-uncertain").count() > 0
    assert "jg-inferred-position" in page.eval_on_selector("path.place-tal_waset", "e => e.getAttribute('class')")
    page.locator("path.place-tal_waset").dispatch_event("mouseover")
    assert page.locator("path.jg-doubt").count() == 1  # its 8 km radius of doubt
    label = page.evaluate("() => jgView.labelTips.find(l => l.i === JG.ids.indexOf('tal_waset')).tip.getContent()")
    assert label.startswith("≈")  # its label, shown when in the frame
    assert "inferred by us" in page.text_content(".jg-legend-body")
    assert page.js_errors == [] and page.outside_requests == []


def test_single_file_map_works_offline(browser, tmp_path, cli):
    """`jisrgeo map -o` embeds the scripts, styles and icon font: the one file opens with no network."""
    out = tmp_path / "day.html"
    assert cli("map", "--date", "2015-04-25", "-o", out).exit_code == 0
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors, blocked = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file://", "data:"))
               else (blocked.append(r.request.url), r.abort())[1])
    page.goto(out.as_uri())
    page.wait_for_selector("path.jg-place", state="attached")
    assert page.eval_on_selector(".jg-day summary", "e => e.textContent").startswith("2015-04-25")
    assert errors == [] and all("tile.openstreetmap.org" in url for url in blocked), blocked
    assert page.locator("path.jg-context").count() == 1
    loaded = page.evaluate("""async () => (await document.fonts.load('900 12px "Font Awesome 6 Free"', '\\uf024')).length""")
    assert loaded >= 1  # the embedded icon font, not a missing one
    page.close()


def test_index_links_the_animated_map_first_and_every_day(site, page):
    ds, out = site
    page.goto((out / "index.html").as_uri())
    links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert links[0] == "animated.html"
    days = [link for link in links if link.startswith("day.html#")]
    assert len(days) == (ds.period[1] - ds.period[0]).days + 1
    page.click("a[href='day.html#2015-05-22']")
    page.wait_for_function("() => document.querySelector('.jg-day summary') && document.querySelector('.jg-day summary').textContent.startsWith('2015-05-22')")
    assert page.js_errors == [] and page.outside_requests == []


def test_the_page_script_is_valid_javascript():
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    import subprocess

    script = Path(jisrgeo.__file__).parent / "maps" / "jisrgeo.js"
    assert subprocess.run([node, "--check", str(script)], capture_output=True).returncode == 0


def test_tiles_when_asked_for_are_drawn_and_credited(browser, tmp_path, cli):
    """--tiles URL: the page draws the tiles over the offline ground and credits them once one is drawn."""
    out = tmp_path / "day.html"
    url = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert cli("map", "--date", "2015-04-25", "--tiles", url, "-o", out).exit_code == 0
    for page in _page(browser, LAPTOP):
        page.goto(out.as_uri())
        page.wait_for_selector(".leaflet-tile-loaded")
        page.wait_for_function("() => document.querySelector('.leaflet-control-attribution').textContent.includes('tile')")
        assert page.locator("path.jg-context").count() == 1  # the ground is still drawn under them
        assert page.js_errors == [] and page.outside_requests == []


# -- a long war: the tables by period ------------------------------------------------------------

@pytest.fixture(scope="module")
def long_war(tmp_path_factory):
    """A small generated war over 2014-2024 (benchmarks/generate.py), its viewer written as a build writes it:
    places.js, the period files, day.html and animated.html, the vendored assets (no pictures: seconds, not minutes)."""
    import importlib.util

    from jisrgeo.maps import animated_map, day_map
    from jisrgeo.maps._base import to_html, vendored_files
    from jisrgeo.maps._places import PLACES_JS, viewer_files

    spec = importlib.util.spec_from_file_location("generate", Path(__file__).parents[1] / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    folder = tmp_path_factory.mktemp("war")
    ds = jisrgeo.load(generate.generate(folder / "data", places=40, changes=160, events=120, seed=3))
    site = folder / "site"
    files = {**viewer_files(ds),
             "day.html": to_html(day_map(ds, data_src=PLACES_JS), vendor="vendor/"),
             "animated.html": to_html(animated_map(ds, data_src=PLACES_JS), vendor="vendor/")}
    for relative, path in vendored_files():
        files[f"vendor/{relative}"] = path.read_bytes()
    for relative, content in files.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return ds, site


def loaded_chunks(page):
    return page.eval_on_selector_all("script.jg-chunk", "els => els.map(e => e.getAttribute('src'))")


def test_a_long_war_loads_its_periods_on_demand_offline_and_paints_a_far_jump(long_war, page):
    ds, site = long_war
    chunks = sorted(p.relative_to(site).as_posix() for p in (site / "tables").glob("*.js"))
    assert len(chunks) == 44 and "tables/2019-Q2.js" in chunks  # eleven years by quarter
    assert not (site / "days").exists()
    open_day(page, (site / "day.html").as_uri() + "#2014-02-10", "2014-02-10")
    page.wait_for_function("() => JG.parts.filter(Boolean).length === 2")
    assert loaded_chunks(page) == ["tables/2014-Q1.js", "tables/2014-Q2.js"]  # the day's quarter, and the next ahead
    # Period files come packed (_chunks.pack: strings and HTML pieces as numbers, shapes as steps); the page
    # unpacks each into the build's own tables.
    from jisrgeo.maps._places import viewer_tables

    for k, part in enumerate(viewer_tables(ds)[1][:2]):
        part = json.loads(json.dumps(part))
        assert page.evaluate("([k, keys]) => Object.fromEntries(keys.map(c => [c, JG.parts[k][c]]))", [k, list(part)]) == part

    def colours(day):
        expected = ds.control(day).set_index("place_id")["controller"]
        shown = dict(page.eval_on_selector_all("path.jg-place", """els => els.map(e => [e.getAttribute('class')
            .match(/place-(\\S+)/)[1], e.getAttribute('fill')])"""))
        return {p: shown[p] for p in expected.index}, {p: ds.sides[c].color for p, c in expected.items() if isinstance(c, str)}
    shown, expected = colours("2014-02-10")
    assert {p: shown[p] for p in expected} == expected
    page.evaluate("() => { location.hash = '2023-08-17'; }")  # a far jump, by the URL
    page.wait_for_function("() => document.querySelector('.jg-day summary').textContent.startsWith('2023-08-17')")
    settle(page)
    assert "tables/2023-Q3.js" in loaded_chunks(page) and len(loaded_chunks(page)) <= 5  # not the 44
    shown, expected = colours("2023-08-17")
    assert {p: shown[p] for p in expected} == expected
    # The day opens on its own frame with the battle's wording, both written by the build (describe.py, frame.py).
    from jisrgeo.maps.describe import day_headline
    from jisrgeo.maps.frame import frames

    assert page.inner_text(".jg-headline") == day_headline(ds, "2023-08-17")
    west, south, east, north = frames(ds, list(pd.date_range(ds.period[0], "2023-08-17")))[pd.Timestamp("2023-08-17")]
    fitted = page.evaluate("() => jgView.fitted")
    assert fitted == ",".join(format(v, ".10g") for v in (round(south, 5), round(west, 5), round(north, 5), round(east, 5))), fitted
    changes = ds.changes("2023-08-17", "2023-08-17")
    assert page.locator("path.jg-changed").count() == len(set(changes["place_id"]))
    assert page.js_errors == [] and page.outside_requests == []


def test_the_animated_war_plays_a_month_a_step(long_war, page):
    ds, site = long_war
    page.goto((site / "animated.html").as_uri() + "#2016-03-15")
    page.wait_for_function("() => document.querySelector('output.time-text').textContent === '2016-03-15'")
    assert "a month a second" in page.get_attribute("button.jg-play", "title")
    page.click("button.jg-play")
    page.wait_for_function("() => document.querySelector('output.time-text').textContent !== '2016-03-15'", timeout=5000)
    page.click("button.jg-play")  # pause
    assert page.text_content("output.time-text") in ("2016-04-15", "2016-05-15", "2016-06-15")
    assert page.js_errors == [] and page.outside_requests == []


# -- every reader, every screen (issue 34) -------------------------------------------------------------

def test_the_laptop_day_reads_at_a_glance(site, page):
    ds, out = site
    open_day(page, (out / "day.html").as_uri() + "#2015-04-25", "2015-04-25")
    line = page.inner_text(".jg-headline")
    assert line.startswith("25 April 2015: the opposition takes Jisr al-Shughur and five more places"), line
    assert line in page.get_attribute(".folium-map", "aria-label")  # the map's text description starts with it
    # The legend's head is in sight without scrolling; the layer list waits behind its button.
    legend = page.locator(".jg-legend > summary").bounding_box()
    panel = page.locator(".jg-panel").bounding_box()
    assert legend["y"] + legend["height"] <= min(panel["y"] + panel["height"], 900), (legend, panel)
    assert page.eval_on_selector(".jg-panel", "e => e.scrollTop") == 0
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    panes = page.evaluate("""() => ['jgEarlier', 'jgPlaces'].map(n =>
        +getComputedStyle(document.querySelector('.leaflet-' + n + '-pane')).zIndex)""")
    assert panes[0] < panes[1]  # earlier events under the places
    # A listed change opens its place.
    link = page.locator(".jg-day-body a.jg-goto", has_text="Jisr al-Shughur: taken by")
    link.click()
    page.wait_for_selector(".leaflet-popup-content h4")
    assert page.inner_text(".leaflet-popup-content h4") == "Jisr al-Shughur"
    assert page.js_errors == [] and page.outside_requests == []


def _boxes(page, selector):
    return page.eval_on_selector_all(selector, """els => els.filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect(); return [e.className, r.left, r.top, r.right, r.bottom]; })""")


def test_the_phone_day_is_built_for_a_finger(site, phone):
    ds, out = site
    page = phone
    open_day(page, (out / "day.html").as_uri() + "#2015-05-22", "2015-05-22")
    for cls, left, top, right, bottom in _boxes(page, "button, input.jg-date, .jg-panel > details > summary, "
                                                      ".leaflet-control-layers-toggle, .jg-whole"):
        assert right - left >= 44 and bottom - top >= 44, (cls, right - left, bottom - top)
    controls = _boxes(page, ".leaflet-control, .jg-head, .jg-panel")
    for i, a in enumerate(controls):
        for b in controls[i + 1:]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, (a, b)  # no control over another, the scale bar included
    page.locator(".jg-source").tap()  # the whole source line, one tap away
    assert page.eval_on_selector(".jg-source", "e => e.classList.contains('jg-open') && e.scrollWidth <= e.clientWidth + 1")
    page.locator(".jg-source").tap()
    # The town, its hospital and every event icon each take a tap of their own: no icon's 44 px hit area
    # lies on a place (the icons stand a finger's width off).
    open_day(page, (out / "day.html").as_uri() + "#2015-04-25", "2015-04-25")
    hit = """([x, y]) => { const e = document.elementFromPoint(x, y); return e && (e.closest('.jg-event') ? 'event'
        : (e.getAttribute('class') || '').match(/place-\\S+/)?.[0]); }"""
    for place in ("jisr_al_shughur", "national_hospital"):
        assert page.evaluate(hit, centre(page, f"path.place-{place}")) == f"place-{place}", place
    icons = page.eval_on_selector_all(".jg-event", "els => els.map(e => { const b = e.getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; })")
    assert len(icons) >= 5 and all(page.evaluate(hit, xy) == "event" for xy in icons)
    open_day(page, (out / "day.html").as_uri() + "#2015-05-22", "2015-05-22")
    page.locator("path.place-jisr_al_shughur").tap()
    popup = page.wait_for_selector(".leaflet-popup")
    page.wait_for_timeout(600)
    assert popup.bounding_box()["height"] <= 844 / 2
    close = page.locator(".leaflet-popup-close-button").bounding_box()
    assert close["width"] >= 44 and close["height"] >= 44, close
    text = page.inner_text(".leaflet-popup-content")
    assert text.index("Control:") < text.index("other names")  # the state first, the aliases folded
    assert not page.locator(".jg-aliases bdi").first.is_visible()
    page.locator(".jg-day > summary").tap()  # the sheet opens and the map re-fits above it
    settle(page)
    for cls, _left, top, _right, bottom in _boxes(page, "a.jg-goto"):  # the day's place links, a finger's size
        assert bottom - top >= 44, (cls, bottom - top)
    assert page.eval_on_selector(".jg-headline", "e => e.scrollWidth <= e.clientWidth + 1")  # wrapped, not cut
    sheet = page.eval_on_selector(".jg-panel", "e => e.getBoundingClientRect().top")
    x, y = centre(page, "path.place-national_hospital")
    assert y < sheet, (y, sheet)
    assert page.js_errors == [] and page.outside_requests == []
