"""The built maps in a real browser: Debian's headless Chromium driven by Playwright, offline.

The JavaScript and CSS the pages load from CDNs are served from local npm copies
(tests/browser/node_modules, installed by scripts/setup-test-tools.sh); map tiles are
answered with a blank tile. Any other outside request fails the test.
"""

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import jisrgeo
from jisrgeo.build import build

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
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "maps"
    ds = jisrgeo.load()
    build(ds, out)
    return ds, out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
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


def shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def rgb(hex_color):
    h = hex_color.lstrip("#")
    return f"rgb({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)})"


def test_day_map_renders_every_place_in_its_colour(site, page):
    ds, out = site
    page.goto((out / "days" / "2015-05-10.html").as_uri())
    page.wait_for_selector("path.jg-place")
    expected = ds.control("2015-05-10")
    assert page.locator("path.jg-place").count() == len(expected)
    for side, color in SIDE_COLORS.items():
        fills = page.eval_on_selector_all(f"path.jg-place.controller-{side}", "els => els.map(e => e.getAttribute('fill'))")
        assert len(fills) == int((expected["controller"] == side).sum())
        assert set(fills) <= {color}
    # The besieged hospital: government fill with a thick ring of the besieger's colour.
    ring = page.eval_on_selector("path.place-national_hospital", "e => [e.getAttribute('stroke'), e.getAttribute('stroke-width')]")
    assert ring == [SIDE_COLORS["opposition"], "5"]
    from jisrgeo.maps.day import shown_on

    assert page.locator(".jg-event").count() == int((shown_on(ds.events) == "2015-05-10").sum()) > 0
    shot(page, "day-2015-05-10.png")
    assert page.js_errors == [] and page.outside_requests == []


def test_day_map_popup_shows_sources_and_navigation_works(site, page):
    ds, out = site
    page.goto((out / "days" / "2015-05-22.html").as_uri())
    page.wait_for_selector("path.place-national_hospital")
    page.locator("path.place-national_hospital").dispatch_event("click")
    popup = page.wait_for_selector(".leaflet-popup-content")
    page.wait_for_timeout(500)  # let the popup finish fading in and panning
    text = popup.inner_text()
    assert "Jisr al-Shughur National Hospital" in text and "Sources" in text
    assert "[57] L'Orient-Le Jour" in text and "Opposition, held" in text
    shot(page, "day-2015-05-22-popup.png")
    page.click("a.jg-next")
    page.wait_for_selector("path.jg-place")
    assert page.url.endswith("days/2015-05-23.html")
    assert page.js_errors == [] and page.outside_requests == []


def _slide_to(page, day):
    ms = int(pd.Timestamp(day).value // 1_000_000)
    page.eval_on_selector("input.time-slider", f"""el => {{ el.value = '{ms}'; el.dispatchEvent(new Event('input')); }}""")


def _hospital_fill(page):
    return page.eval_on_selector("path.place-national_hospital", "e => e.getAttribute('fill')")


def test_animated_map_slider_changes_colour_on_the_change_date(site, page):
    ds, out = site
    page.goto((out / "animated.html").as_uri())
    page.wait_for_selector("input.time-slider")
    _slide_to(page, "2015-05-21")
    assert _hospital_fill(page) == SIDE_COLORS["government"]
    assert page.locator("path.jg-place").count() == len(ds.places[ds.places["place_id"].isin(ds.intervals["place_id"])])
    _slide_to(page, "2015-05-22")
    assert _hospital_fill(page) == SIDE_COLORS["opposition"]
    assert page.locator("path.place-national_hospital").count() == 1  # never both states at once
    assert page.inner_text("output.time-text") == "2015-05-22"
    shot(page, "animated-2015-05-22.png")
    assert page.js_errors == [] and page.outside_requests == []


def test_index_links_the_animated_map_first_and_every_day(site, page):
    ds, out = site
    page.goto((out / "index.html").as_uri())
    links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert links[0] == "animated.html"
    days = [link for link in links if link.startswith("days/")]
    assert len(days) == (ds.period[1] - ds.period[0]).days + 1
    shot(page, "index.png")
    assert page.js_errors == [] and page.outside_requests == []
    assert rgb("#d7191c") == "rgb(215, 25, 28)"


def test_day_map_draws_estimated_areas_and_front_lines_with_a_toggle(site, page):
    ds, out = site
    page.goto((out / "days" / "2015-04-25.html").as_uri())
    page.wait_for_selector("path.jg-area")
    fills = set(page.eval_on_selector_all("path.jg-area", "els => els.map(e => e.getAttribute('fill'))"))
    assert {SIDE_COLORS["government"], SIDE_COLORS["opposition"]} <= fills
    expected_cells = int((ds.control("2015-04-25").set_index("place_id")["controller"].notna()
                          & ds.cells.set_index("place_id")["geometry"].map(lambda g: not g.is_empty)).sum())
    assert page.locator("path.jg-area").count() == expected_cells
    pocket = page.eval_on_selector("path.area-national_hospital", "e => [e.getAttribute('fill'), e.getAttribute('stroke')]")
    assert pocket == [SIDE_COLORS["government"], SIDE_COLORS["opposition"]]  # besieged: outlined in the besieger's colour
    from jisrgeo.maps._places import day_fronts

    assert page.locator("path.jg-front").count() == len(day_fronts(ds, pd.Timestamp("2015-04-25"))) > 0
    assert "estimated area" in page.inner_text(".jg-legend")
    shot(page, "day-2015-04-25-areas.png")
    page.click("text=Estimated areas of control (derived)")
    assert page.locator("path.jg-area").count() == 0
    page.click("text=Estimated front lines (derived)")
    assert page.locator("path.jg-front").count() == 0
    assert page.js_errors == [] and page.outside_requests == []


def test_animated_map_moves_the_areas(site, page):
    ds, out = site
    page.goto((out / "animated.html").as_uri())
    page.wait_for_selector("input.time-slider")
    _slide_to(page, "2015-04-24")
    town = "path.area-jisr_al_shughur"
    assert page.eval_on_selector(town, "e => e.getAttribute('fill')") == SIDE_COLORS["government"]
    _slide_to(page, "2015-04-25")
    assert page.eval_on_selector(town, "e => e.getAttribute('fill')") == SIDE_COLORS["opposition"]
    assert page.locator(town).count() == 1 and page.locator("path.jg-front").count() > 0
    shot(page, "animated-2015-04-25-areas.png")
    assert page.js_errors == [] and page.outside_requests == []


@pytest.mark.parametrize("name", ["days/2015-04-25.html", "animated.html"])
def test_pages_work_with_every_outside_request_blocked(site, browser, name):
    """Scripts, styles and fonts come from the build's vendor/ folder: no network is needed to draw the map."""
    ds, out = site
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    exceptions, blocked = [], []
    page.on("pageerror", lambda exc: exceptions.append(str(exc)))

    def block(route):
        if route.request.url.startswith("file://"):
            return route.continue_()
        blocked.append(route.request.url)
        return route.abort()

    page.route("**/*", block)
    page.goto((out / name).as_uri())
    page.wait_for_selector("path.jg-place")
    page.wait_for_selector("path.jg-area")
    assert exceptions == []
    assert all("tile.openstreetmap.org" in url for url in blocked), blocked  # only the online tiles are missed
    if name.startswith("days/"):
        assert page.eval_on_selector(".jg-event i", "e => getComputedStyle(e, '::before').fontFamily").startswith('"Font Awesome')
        centres = page.eval_on_selector_all(".jg-event", """els => els.map(e => { const b = e.getBoundingClientRect();
            return [b.left + b.width / 2, b.top + b.height / 2]; })""")
        assert len(centres) >= 8  # 25 April's events, none hidden under another at the default zoom
        for i, (ax, ay) in enumerate(centres):
            assert all(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 >= 21 for bx, by in centres[i + 1:])
    # The Natural Earth context (land, borders, coast) is drawn from the page's own data.
    assert page.locator("path.jg-context").count() == 1
    assert page.get_attribute("path.jg-context", "d").count("L") > 20  # clipped to the view: still a border and a coast
    # Labels are decluttered again when a zoom ends: on a loaded machine the opening zoom may still be running.
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    page.wait_for_timeout(300)
    visible = page.eval_on_selector_all(".jg-label", """els => els.filter(e => e.style.visibility !== 'hidden')
        .map(e => e.textContent.replace('≈ ', ''))""")
    assert {"Jisr al-Shughur", "Jisr al-Shughur National Hospital", "Ariha", "Idlib"} <= set(visible)
    # ...and not under a panel or a control (legend, summary, layers, slider).
    on_top = page.eval_on_selector_all(".jg-label", """els => {
        const panels = [...document.querySelectorAll('.jg-panel, .leaflet-control')].map(p => p.getBoundingClientRect());
        const overlaps = (a, b) => a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
        return els.filter(e => e.style.visibility !== 'hidden')
          .filter(e => !panels.some(p => overlaps(e.getBoundingClientRect(), p)))
          .map(e => e.textContent.replace('≈ ', '')); }""")
    assert {"Jisr al-Shughur", "Jisr al-Shughur National Hospital", "Ariha", "Idlib"} <= set(on_top), on_top
    shot(page, f"offline-{name.replace('/', '-')}.png")
    context.close()


def test_day_map_labels_the_main_places_without_overlap(site, page):
    ds, out = site
    page.goto((out / "days" / "2015-04-25.html").as_uri())
    page.wait_for_selector(".jg-label")
    visible = page.eval_on_selector_all(".jg-label", """els => els.filter(e => e.style.visibility !== 'hidden')
        .map(e => [e.textContent, e.getBoundingClientRect().toJSON()])""")
    names = {name.removeprefix("≈ ") for name, _ in visible}  # ≈ marks a position we inferred
    assert {"Jisr al-Shughur", "Jisr al-Shughur National Hospital", "Ariha", "Idlib"} <= names
    boxes = [box for _, box in visible]
    for i, a in enumerate(boxes):  # no two shown labels overlap
        for b in boxes[i + 1:]:
            assert not (a["left"] < b["right"] and a["right"] > b["left"] and a["top"] < b["bottom"] and a["bottom"] > b["top"])
    assert "Idlib governorate" not in names  # a region, not a point
    shot(page, "day-2015-04-25-labels.png")
    assert page.js_errors == [] and page.outside_requests == []


def test_what_we_deduced_looks_different_from_what_sources_state(site, page):
    ds, out = site
    page.goto((out / "days" / "2015-05-07.html").as_uri())
    page.wait_for_selector("path.jg-place")
    nahlaya = page.eval_on_selector("path.place-nahlaya", "e => [e.getAttribute('class'), e.getAttribute('fill-opacity')]")
    ariha = page.eval_on_selector("path.place-ariha", "e => [e.getAttribute('class'), e.getAttribute('fill-opacity')]")
    assert "jg-uncertain" in nahlaya[0] and "jg-uncertain" not in ariha[0]  # Nahlaya's initial state is our inference
    assert float(nahlaya[1]) < float(ariha[1])
    assert "jg-inferred-position" in page.eval_on_selector("path.place-tal_waset", "e => e.getAttribute('class')")
    page.locator("path.place-tal_waset").dispatch_event("mouseover")
    assert page.locator("path.jg-doubt").count() == 1  # its 8 km radius of doubt
    label = page.eval_on_selector(".label-tal_waset", "e => e.textContent")
    assert label.startswith("≈")
    assert "inferred by us" in page.inner_text(".jg-legend") or "paler" in page.inner_text(".jg-legend")
    shot(page, "day-2015-05-07-certainty.png")
    assert page.js_errors == [] and page.outside_requests == []


def test_busy_days_spread_the_event_icons(site, page):
    ds, out = site
    page.goto((out / "days" / "2015-04-25.html").as_uri())
    page.wait_for_selector(".jg-event")
    boxes = page.eval_on_selector_all(".jg-event", "els => els.map(e => e.getBoundingClientRect().toJSON())")
    from jisrgeo.maps.day import shown_on

    assert len(boxes) == int((shown_on(ds.events) == pd.Timestamp("2015-04-25")).sum()) >= 8
    centres = [(b["left"] + b["width"] / 2, b["top"] + b["height"] / 2) for b in boxes]
    for i, (ax, ay) in enumerate(centres):  # at the default zoom no round icon (22 px) covers another
        for bx, by in centres[i + 1:]:
            assert ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 >= 21, ((ax, ay), (bx, by))
    page.locator(".jg-event").nth(3).click()  # each one still opens its popup
    assert page.wait_for_selector(".leaflet-popup-content")
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
    page.wait_for_selector("path.jg-place")
    assert errors == [] and all("tile.openstreetmap.org" in url for url in blocked), blocked
    assert page.locator("path.jg-context").count() == 1
    loaded = page.evaluate("""async () => (await document.fonts.load('900 12px "Font Awesome 6 Free"', '\\uf024')).length""")
    assert loaded >= 1  # the embedded icon font, not a missing one
    page.close()
