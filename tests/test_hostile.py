"""Hostile and unlucky datasets against every command: an answer or a one-line message, never a traceback,
and no string from the data ever evaluated as template code."""

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import jisrgeo
from jisrgeo.io import bundled_path
from jisrgeo.cli import main

from helpers import MINI, edit_layer

DAY = "2015-04-15"


def commands(out):
    """Every command, with arguments that fit the mini fixture; outputs go under `out`."""
    return [
        ["validate"], ["schema", "places"], ["place", "alpha"], ["events"], ["events", "--format", "geojson"],
        ["control", "--date", DAY], ["control", "--date", DAY, "--format", "geojson"], ["changes"],
        ["history", "alpha"], ["distance", "alpha", "bravo"], ["matrix"], ["route"], ["within", "alpha", "50km"],
        ["nearest", "alpha", "--date", DAY], ["front", "--date", DAY], ["claims"], ["casualties"],
        ["casualties", "--format", "json"],
        ["map", "--date", DAY, "-o", out / "day.html", "--png", out / "day.png"],
        ["build", "--out", out / "site", "--from", "2015-04-14", "--to", DAY],
        ["export", "--format", "gpkg", "--out", out / "x.gpkg"], ["export", "--format", "geojson", "--out", out / "gj"],
        ["export", "--format", "csv", "--out", out / "csv"], ["normalize", "--out", out / "norm"],
        ["export", "--format", "parquet", "--out", out / "pq"], ["export", "--format", "acled", "--out", out / "acled"],
        ["export", "--format", "ucdp", "--out", out / "ucdp"], ["compare", bundled_path()],
    ]


def set_place(key, value, index=0):
    return "places.geojson", lambda c: c["features"][index]["properties"].__setitem__(key, value)


def set_meta(**values):
    return "dataset.json", lambda meta: meta.update(values)


def set_claim(index, **values):
    return "claims.json", lambda claims: claims[index].update(values)


def _strip_dates(content):
    for feature in content["features"]:
        feature["properties"]["control"] = feature["properties"]["control"][:1]


def _fourth_side(folder):
    edit_layer(folder, "dataset.json", lambda m: m.update(sides={
        "government": "the army", "opposition": {"label": "Rebels", "color": "#00aa00"}, "islamic_state": {},
        "hezbollah": {"label": "Hezbollah", "description": "a fourth side, with no colour: it takes one from the palette"}}))
    edit_layer(folder, "places.geojson", lambda c: c["features"][2]["properties"]["control"].append(
        {"date": "2015-04-20", "date_precision": "day", "controller": "hezbollah", "status": "held", "basis": "reported",
         "refs": [1], "note": ""}))


def _remove(*names):
    def change(folder):
        for name in names:
            (folder / name).unlink()
    return change


def _write(name, text):
    return lambda folder: (folder / name).write_text(text, encoding="utf-8")


def _deep_nesting(folder):
    text = (folder / "places.geojson").read_text(encoding="utf-8")
    (folder / "places.geojson").write_text(text.replace('"note": ""', '"note": ' + "[" * 100_000 + "]" * 100_000, 1),
                                           encoding="utf-8")


def _replace_text(name, old, new):
    def change(folder):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return change


def _moved(where):
    """The mini battle moved next to the North Pole, or astride the antimeridian (alpha at 179.9 E, charlie
    at 179.95 W): valid data, where a projection centred on the mean longitude or latitude breaks."""
    def shift(p):
        lon, lat = p[0] - 36.3, p[1] - 35.8
        if where == "pole":
            return [lon * 20, 89.95 + lat]
        return [((179.9 + lon * 0.5 + 180) % 360) - 180, lat]

    def change(folder):
        for layer in ("places.geojson", "events.geojson", "routes.geojson"):
            def move(content):
                for feature in content["features"]:
                    g = feature["geometry"]
                    g["coordinates"] = shift(g["coordinates"]) if g["type"] == "Point" else [shift(p) for p in g["coordinates"]]
            edit_layer(folder, layer, move)
    return change


def _write_meta(**values):
    """dataset.json written with JSON escapes, so it can carry what a UTF-8 file cannot (a lone surrogate)."""
    def change(folder):
        meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        meta.update(values)
        (folder / "dataset.json").write_text(json.dumps(meta), encoding="ascii")
    return change


def _link(name, target):
    """`name` in the dataset replaced by a symbolic link to `target` (a callable giving a path from the folder)."""
    def change(folder):
        destination = target(folder)
        (folder / name).unlink()
        (folder / name).symlink_to(destination)
    return change


def _outside_copy(name):
    def target(folder):
        copy = folder.parent / f"outside-{name}"
        copy.write_bytes((folder / name).read_bytes())
        return copy
    return target


def _fifo(name):
    def change(folder):
        (folder / name).unlink()
        os.mkfifo(folder / name)
    return change


# Datasets that are odd but valid: every command must succeed (exit 0).
VALID = {
    "empty_events_layer": ("events.geojson", lambda c: c.update(features=[])),
    "places_only": _remove("events.geojson", "routes.geojson", "sources.csv", "forces.json", "claims.json"),
    "route_with_heights": ("routes.geojson", lambda c: c["features"][0]["geometry"].update(
        coordinates=[[*p, 120.5] for p in c["features"][0]["geometry"]["coordinates"]])),
    "place_with_height": ("places.geojson", lambda c: c["features"][0]["geometry"]["coordinates"].append(250)),
    "no_change_of_hands": lambda f: (edit_layer(f, "places.geojson", _strip_dates),
                                     edit_layer(f, "dataset.json", lambda m: m.update(sides={"government": "", "opposition": ""}))),
    "mathtext_name": set_place("name", r"Alpha $\frac{a}{ $"),
    "wiki_template_in_note": set_place("note", "{{cite web|url=x}} and {% raw %} and {#"),
    "four_sides": _fourth_side,
    "near_the_north_pole": _moved("pole"),
    "across_the_antimeridian": _moved("antimeridian"),
}
# Broken datasets: validate names file and field; every other command exits 1 with the same message.
BROKEN = {
    "nested_100000_levels": (_deep_nesting, "places.geojson", ""),
    "layers_as_a_list": (set_meta(layers=["x"]), "dataset.json", "layers"),
    "layers_not_strings": (set_meta(layers={"places": 5}), "dataset.json", "layers.places"),
    "layer_outside_folder_absolute": (set_meta(layers={"events": "/etc/passwd"}), "dataset.json", "layers.events"),
    "layer_outside_folder_relative": (set_meta(layers={"events": "../../x.geojson"}), "dataset.json", "layers.events"),
    "meta_wrong_types": (set_meta(name=5, key_days="x", map_extent=[1, 2], sides=["a"]), "dataset.json", "name"),
    "period_not_an_object": (set_meta(period="2015"), "dataset.json", "period"),
    "period_beyond_dates": (set_meta(period={"start": "0001-01-01", "end": "9999-12-31"}), "dataset.json", "period.start"),
    "nan_precision": (_replace_text("places.geojson", '"precision_m": 500', '"precision_m": NaN'), "places.geojson", ""),
    "infinite_figure": (_replace_text("events.geojson", '"best": 10', '"best": Infinity'), "events.geojson", ""),
    "claim_zero_distance": (set_claim(0, stated_m=0), "claims.json", "stated_m"),
    "claim_without_text": (("claims.json", lambda c: c[0].pop("text")), "claims.json", "text"),
    "claim_vague_direction": (set_claim(0, direction="NNE-ish"), "claims.json", "direction"),
    "claim_figure_as_text": (set_claim(0, stated_m="27 km"), "claims.json", "stated_m"),
    "claim_unknown_route": (set_claim(0, kind="route_length", route_id="nowhere"), "claims.json", "route_id"),
    "claim_misspelt_place": (set_claim(0, to="charly"), "claims.json", "to"),
    "claims_not_a_list": (_write("claims.json", '{"a": 1}'), "claims.json", ""),
    "forces_without_start": (("forces.json", lambda f: f["infobox_casualties"][0].pop("start")), "forces.json",
                             "infobox_casualties[0].start"),
    "forces_not_an_object": (_write("forces.json", "[1, 2]"), "forces.json", ""),
    "key_day_not_a_date": (set_meta(key_days=["2015-04-31"]), "dataset.json", "key_days[0]"),
    "alias_collision": (set_place("aliases", ["Bravo"]), "places.geojson", "aliases"),
    "undeclared_side": (set_meta(sides={"government": "the army"}), "places.geojson", "control[1].controller"),
    "places_file_is_a_folder": (lambda f: ((f / "places.geojson").unlink(), (f / "places.geojson").mkdir()),
                                "places.geojson", ""),
    "empty_places_file": (_write("places.geojson", ""), "places.geojson", ""),
    "nul_in_a_name": (set_place("name", "Al\x00pha"), "places.geojson", "name"),
    "dataset_json_links_outside": (_link("dataset.json", _outside_copy("dataset.json")), "dataset.json", ""),
    "layer_links_outside": (_link("events.geojson", _outside_copy("events.geojson")), "events.geojson", ""),
    "layer_links_to_dev_zero": (_link("places.geojson", lambda f: Path("/dev/zero")), "places.geojson", ""),
    "layer_is_a_fifo": (_fifo("places.geojson"), "places.geojson", ""),
    "sources_is_a_fifo": (_fifo("sources.csv"), "sources.csv", ""),
    "layer_name_with_nul": (_write_meta(layers={"events": "ev\x00.geojson"}), "dataset.json", "layers.events"),
    "layer_name_with_surrogate": (_write_meta(layers={"events": "ev\ud800.geojson"}), "dataset.json", ""),
    "layer_keys_with_nul_and_surrogate": (_write_meta(layers={"pl\x00ces": "x", "\ud800": "y"}), "dataset.json", ""),
    "lone_surrogate_in_a_name": (lambda f: _replace_text("places.geojson", '"Alpha"', '"Al\\udc80pha"')(f),
                                 "places.geojson", ""),
}


def _apply(folder, case):
    if callable(case):
        case(folder)
    else:
        edit_layer(folder, *case[:2])


def _run(folder, out, command):
    args = [str(a) for a in command] + ["--data", str(folder)]
    return CliRunner().invoke(main, args)


def _assert_clean(result, command):
    where = " ".join(map(str, command))
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{where}: {type(result.exception).__name__}: {result.exception}"
    assert "Traceback" not in result.output, where
    assert result.exit_code in (0, 1, 2), where


@pytest.mark.parametrize("case", sorted(VALID))
def test_odd_but_valid_datasets_work_with_every_command(case, mini_copy, tmp_path):
    _apply(mini_copy, VALID[case])
    assert jisrgeo.validate(mini_copy) == []
    for command in commands(tmp_path / "out"):
        result = _run(mini_copy, tmp_path, command)
        _assert_clean(result, command)
        assert result.exit_code == 0, f"{' '.join(map(str, command))}: {result.output[-500:]}"


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_datasets_get_one_clear_message_from_every_command(case, mini_copy, tmp_path):
    change, file, field = BROKEN[case]
    _apply(mini_copy, change)
    problems = jisrgeo.validate(mini_copy)
    assert any(p.file == file and p.field.startswith(field) for p in problems), problems
    for command in commands(tmp_path / "out"):
        result = _run(mini_copy, tmp_path, command)
        _assert_clean(result, command)
        if command[0] not in ("schema", "normalize"):
            assert result.exit_code == 1 and file in result.output, f"{command}: {result.output[-300:]}"


# -- template code in the data ------------------------------------------------------------------------

PAYLOADS = ["{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "{{ lipsum.__globals__ }}", "{#", "{{"]


def _payload(i):
    return f"P{i}·{PAYLOADS[i % len(PAYLOADS)]}·"


# Fields whose values are codes, ids, dates or keys: a payload there would (rightly) be refused by validate.
KEEP = {"type", "place_id", "event_id", "route_id", "claim_id", "kind", "date", "date_end", "date_precision",
        "controller", "status", "challenger", "basis", "side", "outcome", "start", "end", "period", "layers",
        "key_days", "from", "to", "direction", "from_place_id", "to_place_id", "scope", "types", "sides", "coordinates"}


def _poison(value, used):
    """Every free-text string of a JSON value replaced by a numbered payload (recorded in `used`)."""
    if isinstance(value, dict):
        return {k: v if k in KEEP else _poison(v, used) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, used) for v in value]
    if isinstance(value, str):
        used.append(_payload(len(used)))
        return used[-1]
    return value


@pytest.fixture
def poisoned(mini_copy):
    used = []
    for name in ("dataset.json", "places.geojson", "events.geojson", "routes.geojson", "claims.json", "forces.json"):
        edit_layer(mini_copy, name, lambda c: c.update(_poison(c, used)) if isinstance(c, dict)
                   else c.__setitem__(slice(None), _poison(c, used)))
    labels = [_payload(len(used) + i) for i in range(4)]
    used += labels
    edit_layer(mini_copy, "dataset.json", lambda m: m.update(sides={
        "government": {"label": labels[0]}, "opposition": {"label": labels[1], "description": labels[2]},
        "islamic_state": labels[3]}))
    lines = (mini_copy / "sources.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        used += [_payload(len(used)), _payload(len(used) + 1)]
        rows.append(f'{line.split(",")[0]},"{used[-2]}","{used[-1]}",en,')
    (mini_copy / "sources.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert jisrgeo.validate(mini_copy) == []
    return mini_copy, used, labels


def test_template_code_in_every_text_field_stays_text(poisoned, tmp_path):
    folder, used, labels = poisoned
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--data", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = {p: p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in (".html", ".js", ".csv", ".geojson", ".qgs")}
    everything = "\n".join(text.values())
    # Whatever payload shows anywhere shows exactly as written: evaluated, {{ 7*7 }} would read 49.
    for shown in set(re.findall(r"P\d+·[^·]*·", everything)):
        assert shown == _payload(int(re.match(r"P(\d+)", shown).group(1))), shown
    # ...and every one of them (each text field of every file) reaches the outputs, unchanged.
    missing = [p for p in used if p not in everything]
    assert missing == [], f"not in any output: {missing[:5]}"
    pages = {p: t for p, t in text.items() if p.suffix == ".html" and p.parent.name in ("days", "site")}
    for page, html in pages.items():
        assert used[0] in html, page  # dataset.json's name is every page's title (redirects to the viewer too)
    places_js = text[out / "places.js"]
    assert all(label in places_js for label in labels[:2])  # the legend's sides, escaped, as written
    names = [f["properties"]["name"] for f in json.loads((folder / "places.geojson").read_text())["features"]]
    assert all(name in places_js for name in names)
    assert all(name in text[out / "data" / "csv" / "places.csv"] for name in names)
    assert not any((tmp_path / name).exists() for name in ("49", "xxx")), "something ran"


def test_no_data_string_is_template_source():
    """Grep-proof: no f-string or .format() feeding Element(, Template(, MacroElement or from_string in src/."""
    risky = re.compile(r"(Element|Template|from_string|MacroElement)\((f[\"']|[^)]*\.format\()")
    src = Path(jisrgeo.__file__).parent
    hits = [f"{p.name}:{i}" for p in src.rglob("*.py") for i, line in enumerate(p.read_text().splitlines(), 1)
            if risky.search(line)]
    assert hits == []


@pytest.mark.parametrize("args", [
    ["nearest", "alpha", "-n", "-1"], ["nearest", "alpha", "-n", "0"],
    ["changes", "--from", "2015-04-20", "--to", "2015-04-10"], ["casualties", "--from", "2015-04-20", "--to", "2015-04-10"],
    ["build", "--from", "2015-04-20", "--to", "2015-04-10"], ["within", "alpha", "-5km"], ["within", "alpha", "10kmm"],
    ["control", "--date", "2015-02-30"], ["casualties", "--side", "martians"], ["within", "alpha", "5km", "--date", DAY,
                                                                               "--controller", "martians"],
])
def test_usage_mistakes_exit_2_with_one_line(args, tmp_path):
    result = CliRunner().invoke(main, args + ["--data", str(MINI)])
    assert result.exit_code == 2 and "Error:" in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 2, result.output


# -- GeoPackage and GeoParquet datasets: the same checks as a folder -----------------------------------------

def _sql(statement):
    def change(path):
        import sqlite3

        with sqlite3.connect(path) as db:  # the R-tree triggers call SpatiaLite functions plain sqlite lacks
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                db.execute(f'DROP TRIGGER "{name}"')
            db.execute(statement)
    return change


def _frame(layer, change):
    def apply(folder):
        import geopandas as gpd
        import pandas as pd

        path = folder / f"{layer}.parquet"
        frame = gpd.read_parquet(path) if layer in ("places", "events", "routes") else pd.read_parquet(path)
        change(frame).to_parquet(path, index=False)
    return apply


# (doctoring, layer the message names, field)
BROKEN_GPKG = {
    "missing_column": (_sql("ALTER TABLE places DROP COLUMN name"), "places", "name"),
    "ref_not_a_number": (_sql("UPDATE places SET refs = '1;x' WHERE place_id = 'alpha'"), "places", "refs"),
    "unknown_ref": (_sql("UPDATE events SET refs = '99' WHERE event_id = 'e1'"), "events", "refs"),
    "unknown_place": (_sql("UPDATE events SET place_id = 'nowhere' WHERE event_id = 'e1'"), "events", "place_id"),
    "impossible_date": (_sql("UPDATE control_states SET date = '2015-13-45' WHERE seq = 1"), "places", "control[1]"),
    "no_geometry": (_sql("UPDATE places SET geom = NULL WHERE place_id = 'alpha'"), "places", "geometry"),
    "garbage_geometry": (_sql("UPDATE places SET geom = X'0001' WHERE place_id = 'alpha'"), "places", "geometry"),
    "duplicate_id": (_sql("UPDATE places SET place_id = 'alpha' WHERE place_id = 'bravo'"), "places", "place_id"),
    "meta_not_json": (_sql("UPDATE dataset SET value = '{not json' WHERE key = 'meta'"), "dataset", ""),
    "dataset_layer_without_key": (_sql("ALTER TABLE dataset DROP COLUMN key"), "dataset", "key"),
}
BROKEN_PARQUET = {
    "missing_column": (_frame("events", lambda f: f.drop(columns="claimant")), "events", "claimant"),
    "impossible_date": (_frame("events", lambda f: f.assign(date="2015-02-30")), "events", "date"),
    "ref_not_a_number": (_frame("routes", lambda f: f.assign(refs="three")), "routes", "refs"),
    "out_of_range_point": (_frame("places", lambda f: f.set_geometry(f.geometry.translate(400, 0))), "places", "geometry"),
    "line_as_place": (_frame("places", lambda f: f.set_geometry(f.geometry.buffer(0.01).boundary)), "places", "geometry"),
    "layer_links_outside": (lambda folder: (folder.parent.joinpath("x.parquet").write_bytes(
        (folder / "sources.parquet").read_bytes()), (folder / "sources.parquet").unlink(),
        (folder / "sources.parquet").symlink_to(folder.parent / "x.parquet")), "sources.parquet", ""),
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    ds = jisrgeo.load(MINI)
    ds.to_gpkg(out / "mini.gpkg")
    ds.to_parquet(out / "pq")
    return out


@pytest.mark.parametrize("kind, case", [("gpkg", c) for c in sorted(BROKEN_GPKG)] + [("parquet", c) for c in sorted(BROKEN_PARQUET)])
def test_broken_geopackages_and_geoparquet_get_the_folder_checks(kind, case, exports, tmp_path):
    import shutil

    change, layer, field = (BROKEN_GPKG if kind == "gpkg" else BROKEN_PARQUET)[case]
    if kind == "gpkg":
        data = tmp_path / "battle.gpkg"
        shutil.copy(exports / "mini.gpkg", data)
        where = f"battle.gpkg:{layer}"
    else:
        data = tmp_path / "battle"
        shutil.copytree(exports / "pq", data)
        where = layer if layer.endswith(".parquet") else f"battle:{layer}"
    change(data)
    problems = jisrgeo.validate(data)
    assert any(p.file == where and p.field.startswith(field) for p in problems), problems
    for command in commands(tmp_path / "out"):
        if command[0] in ("normalize", "schema"):
            continue  # normalize repairs dataset folders; schema reads no data
        result = CliRunner().invoke(main, [str(a) for a in command] + ["--data", str(data)])
        _assert_clean(result, command)
        assert result.exit_code == 1 and where in result.output, f"{command}: {result.output[-300:]}"


# -- ACLED / UCDP imports: hostile files and --into folders ------------------------------------------------------

INTEROP = Path(__file__).parent / "fixtures" / "interop"


def _acled_rows():
    import csv

    with open(INTEROP / "acled.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _acled_file(tmp, rows, encoding="utf-8", name="in.csv"):
    import csv
    import io

    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    (tmp / name).write_bytes(text.getvalue().encode(encoding))
    return tmp / name


def _edited(**values):
    return lambda tmp: _acled_file(tmp, [{**row, **values} if i == 0 else row for i, row in enumerate(_acled_rows())])


def _fifo_file(tmp):
    os.mkfifo(tmp / "pipe.csv")
    return tmp / "pipe.csv"


# name -> (the file to import, given a folder; exit code; words the output holds)
HOSTILE_IMPORTS = {
    "windows_1252": (lambda tmp: _acled_file(tmp, [{**r, "location": "Jisr Ash-Shugur \u2013 \u00e9"} for r in _acled_rows()],
                                             "cp1252"), 0, "read as cp1252"),
    "latin_1": (lambda tmp: _acled_file(tmp, [{**r, "notes": "\u00e9\x81"} for r in _acled_rows()], "latin-1"), 0,
                "read as latin-1"),
    "field_over_128_kib": (_edited(notes="n" * 200_000), 0, "cut to that length"),
    "dev_zero": (lambda tmp: Path("/dev/zero"), 1, "not a regular file"),
    "fifo": (_fifo_file, 1, "not a regular file"),
    "empty_file": (lambda tmp: (tmp / "e.csv").write_bytes(b"") and tmp / "e.csv" or tmp / "e.csv", 1, "column missing"),
    "binary_garbage": (lambda tmp: (tmp / "g.csv").write_bytes(bytes(range(256)) * 50) and tmp / "g.csv", 1, ""),
    "nul_bytes_in_a_field": (_edited(notes="a\x00b"), 0, "wrote"),
    "header_only": (lambda tmp: (tmp / "h.csv").write_text(",".join(_acled_rows()[0]) + "\n") and tmp / "h.csv", 1, ""),
    "repeated_event_id": (lambda tmp: _acled_file(tmp, _acled_rows() + _acled_rows()[:1]), 0, "repeats an earlier row"),
    "year_9999": (_edited(event_date="9999-12-31"), 0, "lies outside"),
    "formula_location": (_edited(location="'=HYPERLINK(\"http://x\")"), 0, "wrote"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_IMPORTS))
def test_hostile_import_files_get_an_answer_never_a_traceback(case, tmp_path):
    make, code, words = HOSTILE_IMPORTS[case]
    source = make(tmp_path)
    command = ["import", "acled", str(source), "--out", str(tmp_path / "out"), "--sides", str(INTEROP / "sides.json")]
    result = CliRunner().invoke(main, command)
    _assert_clean(result, command)
    assert result.exit_code == code and words in result.output, result.output[-500:]
    assert "\x00" not in result.output
    if code == 0:
        assert jisrgeo.validate(tmp_path / "out") == [], "an import validate rejects"
    else:
        assert not (tmp_path / "out").exists(), "a failed import left a folder"


def _into_folder(change):
    def make(tmp):
        import shutil

        folder = tmp / "into"
        shutil.copytree(MINI, folder)
        change(folder)
        return folder
    return make


def _parquet_folder(tmp):
    jisrgeo.load(MINI).to_parquet(tmp / "pq")
    return tmp / "pq"


# Malformed --into folders: each a message (exit 1, or 2 for a path click refuses), never a traceback.
MALFORMED_INTO = {
    "empty_folder": lambda tmp: (tmp / "empty").mkdir() or tmp / "empty",
    "broken_json": _into_folder(_write("places.geojson", "{")),
    "dataset_json_a_list": _into_folder(_write("dataset.json", "[1, 2]")),
    "sources_ref_not_a_number": _into_folder(_write("sources.csv", "ref,publisher,title,language,date\nx,a,b,en,\n")),
    "place_without_geometry": _into_folder(lambda f: edit_layer(f, "places.geojson",
                                                                lambda c: c["features"][0].update(geometry=None))),
    "layer_outside": _into_folder(_write_meta(layers={"places": "../../etc/passwd"})),
    "places_a_fifo": _into_folder(_fifo("places.geojson")),
    "a_geoparquet_export": _parquet_folder,
    "a_file": lambda tmp: (tmp / "f.txt").write_text("x") and tmp / "f.txt",
    "the_output_itself": lambda tmp: (tmp / "out").mkdir() or tmp / "out",
}


@pytest.mark.parametrize("case", sorted(MALFORMED_INTO))
def test_malformed_into_folders_get_a_message(case, tmp_path):
    into = MALFORMED_INTO[case](tmp_path)
    command = ["import", "acled", str(INTEROP / "acled.csv"), "--out", str(tmp_path / "out"), "--into", str(into)]
    result = CliRunner().invoke(main, command)
    _assert_clean(result, command)
    assert result.exit_code in (1, 2) and "Error" in result.output, result.output[-500:]
    assert not any((tmp_path / "out").iterdir()) if (tmp_path / "out").is_dir() else not (tmp_path / "out").exists()
