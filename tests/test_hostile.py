"""Hostile and unlucky datasets against every command: an answer or a one-line message, never a traceback,
and no string from the data ever evaluated as template code."""

import json
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
