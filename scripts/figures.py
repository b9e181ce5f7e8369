"""Rewrite every figure the README and docs/ quote from a command, from a fresh run of that command.

    python3 scripts/figures.py            # rewrite every generated block in README.md and docs/
    python3 scripts/figures.py --check    # change nothing; list the stale blocks and exit 1 if any
    python3 scripts/figures.py areas cli  # only these blocks

It also rewrites docs/format.md whole, from src/jisrgeo/schema.py (as scripts/format_doc.py does).

A generated block sits between two markers, and everything between them is replaced as a whole:

    <!-- figures:areas start -->
    ...
    <!-- figures:areas end -->

Each block name is one function below (BLOCKS). The commands run in-process on the checkout's own
code (src/) and dataset (geodata/), so a block says what this checkout computes, not an installed copy.
tests/test_docs_figures.py runs the same functions and fails when a committed block differs.
Benchmark figures are not generated here: they are quoted with the date and machine they were measured on.
"""

import argparse
import difflib
import re
import sys
import tempfile
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "docs")
MARKER = re.compile(r"(<!-- figures:(?P<name>[\w-]+) start -->\n)(?P<body>.*?)(<!-- figures:(?P=name) end -->)", re.S)
SEEDS = (7, 11, 23)  # the generated battles tests/test_zones_generated.py measures


class Run:
    """What several blocks share, computed once: the dataset and a build of it."""

    def __init__(self, build=None):
        self._build = build  # (folder, summary) of a build of the bundled battle, or a function giving one
        self._tmp = None
        self.data = ROOT / "geodata"

    @cached_property
    def ds(self):
        import jisrgeo

        return jisrgeo.load(self.data)

    def command(self, *args):
        """The output of `jisrgeo ARGS --data geodata/` as a user piping it sees it (plain text, no colours)."""
        from click.testing import CliRunner

        from jisrgeo.cli import main

        result = CliRunner().invoke(main, [*args, "--data", str(self.data)], env={"COLUMNS": "80"})
        if result.exit_code != 0:
            raise SystemExit(f"`jisrgeo {' '.join(args)}` failed ({result.exit_code}):\n{result.output}")
        return result.stdout  # what a pipe receives: no warning or progress line from stderr

    @cached_property
    def build(self):
        """(folder, summary) of a build of the bundled battle: the one given, else a new one in a temporary folder."""
        if callable(self._build):
            return self._build()
        if self._build is None:
            from jisrgeo.build import build

            self._tmp = tempfile.TemporaryDirectory(prefix="jisrgeo-figures-")  # removed with this Run
            out = Path(self._tmp.name) / "maps"
            return out, build(self.ds, out)
        return self._build


# ---- Markdown ---------------------------------------------------------------------------------------------

def cell(value):
    return str(value).replace("|", "\\|").replace("\n", " ").strip()


def table(header, rows, align=None):
    """A Markdown table; align: one of 'l'/'r' per column (numbers right)."""
    align = align or ["l"] * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [header, rule, *rows]
    return "".join("| " + " | ".join(cell(v) for v in line) + " |\n" for line in lines)


def tsv_sections(text):
    """The plain (piped) table output of a command: [(heading or None, header, rows)], a `# ` line
    starting each section, as `jisrgeo casualties` prints them."""
    sections, heading, lines = [], None, []

    def close():
        if lines:
            sections.append((heading, lines[0], lines[1:]))

    for line in text.splitlines():
        if line.startswith("# ") and line.endswith(": (no rows)"):
            close()
            sections.append((line[2:-len(": (no rows)")].strip(), None, []))
            heading, lines = None, []
        elif line.startswith("# "):
            close()
            heading, lines = line[2:].strip(), []
        elif line.strip():
            lines.append(line.split("\t"))
    close()
    return sections


def numeric(column_values):
    return all(re.fullmatch(r"-?[\d.,]*", v or "") for v in column_values)


def tsv_table(header, rows):
    if header is None:
        return "(none)\n"
    align = ["r" if numeric([r[i] if i < len(r) else "" for r in rows]) else "l" for i in range(len(header))]
    header = [name.replace("_", " ") for name in header]  # column names, read as words
    return table(header, [r + [""] * (len(header) - len(r)) for r in rows], align)


def metres_as_km(header, rows):
    """Columns named *_m (metres, as programs want them) shown in km, as a reader wants them."""
    metres = [i for i, name in enumerate(header) if name.endswith("_m") and numeric([r[i] for r in rows])]
    header = [f"{name[:-2]} (km)" if i in metres else name for i, name in enumerate(header)]
    rows = [[f"{float(v) / 1000:.1f}" if i in metres and v else v for i, v in enumerate(r)] for r in rows]
    return header, rows


def command_line(*args):
    return "`jisrgeo " + " ".join(args) + "`"


# ---- The blocks -------------------------------------------------------------------------------------------

def block_dataset(run):
    """What the bundled dataset holds: counts from the loaded dataset."""
    ds = run.ds
    start, end = (d.date().isoformat() for d in ds.period)
    sides = ", ".join(f"{s.label} (`{code}`)" for code, s in ds.sides.items())
    rows = [["period", f"{start} to {end}"], ["sides", sides], ["places", len(ds.places)],
            ["control changes", len(ds.control_changes)], ["events", len(ds.events)],
            ["casualty figures", len(ds.casualties)], ["routes", len(ds.routes)], ["references", len(ds.sources)]]
    return table(["", "bundled battle"], rows)


def block_areas(run):
    """Each side's estimated area, one row per day on which it changes (`jisrgeo areas ... --format csv`)."""
    start, end = (d.date().isoformat() for d in run.ds.period)
    args = ("areas", "--from", start, "--to", end, "--format", "csv")
    lines = [line.split(",") for line in run.command(*args).splitlines() if line.strip()]
    header, rows = lines[0], lines[1:]
    labels = [run.ds.sides[c].label if c in run.ds.sides else c for c in header[1:]]
    shown, previous = [], None
    for row in rows:
        rounded = [f"{float(v):,.0f}" if v else "" for v in row[1:]]
        if rounded != previous:
            shown.append([row[0], *rounded])
        previous = rounded
    return (f"{command_line(*args)}, in km², one row per day on which a rounded figure changes:\n\n"
            + table(["day", *labels], shown, ["l"] + ["r"] * len(labels)))


def block_claims(run):
    """`jisrgeo claims`: each stated distance and direction against the gazetteer."""
    sections = tsv_sections(run.command("claims"))
    out = [f"{command_line('claims')}:\n"]
    for heading, header, rows in sections:
        if header is not None:  # the ids are for programs; the sentence says which claim it is
            keep = [i for i, name in enumerate(header) if name != "claim_id"]
            header, rows = [header[i] for i in keep], [[r[i] if i < len(r) else "" for i in keep] for r in rows]
            header, rows = metres_as_km(header, rows)
        out.append((f"**{heading}**\n\n" if heading else "") + tsv_table(header, rows))
    return "\n".join(out)


def block_casualties(run):
    """`jisrgeo casualties`: every section it prints, as it prints it."""
    out = [f"{command_line('casualties')}:\n"]
    for heading, header, rows in tsv_sections(run.command("casualties")):
        out.append((f"**{heading}**\n\n" if heading else "") + tsv_table(header, rows))
    return "\n".join(out)


def block_build(run):
    """The file count and size of a build of the bundled battle (what `jisrgeo build` reports)."""
    _, s = run.build
    return (f"A build of the bundled battle (`jisrgeo build`, default options) writes **{s['files']} files, "
            f"{s['bytes'] / 1e6:.1f} MB** for {s['days']} days.\n")


def block_doubt(run):
    """The bundled places with the widest radius of doubt that still hold ground: what their tiles hold."""
    import jisrgeo

    cells = run.ds.cells.set_index("place_id")
    places = run.ds.places.set_index("place_id").loc[cells.index]
    widest = places.sort_values(["precision_m", "name"], ascending=[False, True]).head(4)
    reach = "radius_m" in cells.columns  # the tiles' reach, where the zone method records one
    rows = [[row["name"], f"±{row['precision_m'] / 1000:g} km",
             *([f"{cells.at[pid, 'radius_m'] / 1000:.1f} km"] if reach else []),
             f"{abs(jisrgeo.areas.GEOD.geometry_area_perimeter(cells.geometry[pid])[0]) / 1e6:.1f} km²"]
            for pid, row in widest.iterrows()]
    header = ["place", "radius of doubt", *(["reach"] if reach else []), "tile"]
    return table(header, rows, ["l"] + ["r"] * (len(header) - 1))


def block_pictures(run):
    """The pictures of a build of the bundled battle, measured in the files."""
    from PIL import Image

    folder, _ = run.build
    days = sorted((folder / "png").glob("[0-9]*.png"))
    sizes = sorted({Image.open(p).size for p in days})
    sheet = Image.open(folder / "png" / "key-days.png")
    dpi = round(sheet.info.get("dpi", (0, 0))[0])
    gif = Image.open(folder / "animation.gif")
    px = lambda size: f"{size[0]} × {size[1]} px"  # noqa: E731
    inches = f" ({sheet.size[0] / dpi:.1f} × {sheet.size[1] / dpi:.1f} inches at {dpi} dpi)" if dpi else ""
    return (f"In a build of the bundled battle: {len(days)} day PNGs of {', '.join(px(s) for s in sizes)}; "
            f"the key-days sheet {px(sheet.size)}{inches}; `animation.gif` {px(gif.size)}, "
            f"{getattr(gif, 'n_frames', 1)} frames, {(folder / 'animation.gif').stat().st_size / 1e6:.1f} MB.\n")


def block_zones_generated(run):
    """The zones measured on generated battles at spacings from city blocks to sparse villages, as
    benchmarks/zones_generated.py measures them (tests/battlegen.py `measure`): for each battle the
    lowest and highest figure over SEEDS, each judged on its worse day."""
    cases = _zone_cases()
    header = ["battle", "spacing", "judged within", "settled interior given to a side", "of it, to the right side",
              "true front found", "derived front true", "pieces per side", "side growth from doubt"]
    body = []
    for label, measured in cases:
        def span(key, measured=measured):
            low, high = min(m[key] for m in measured), max(m[key] for m in measured)
            return f"{low:.1%}" if f"{low:.1%}" == f"{high:.1%}" else f"{low:.1%}–{high:.1%}"
        first = measured[0]
        body.append([label, f"{first['spacing_km']:g} km", f"{first['near_m'] / 1000:.2f} km",
                     span("given"), span("right"), span("covered"), span("faithful"),
                     max(m["pieces"] for m in measured), f"{max(m['doubt_growth'] for m in measured):+.1%}"])
    intro = (f"Each battle from `tests/battlegen.py` on seeds {', '.join(map(str, SEEDS))}: a jittered grid of "
             "places with 18 % of its nodes empty, fronts that bulge on day 2, one place known only within 2.5 × "
             "the spacing; the settled interior is the hull shrunk by 1.25 × the spacing, and a front is judged "
             "found within 1.1 × the spacing (the last row: the first generator, judged within a fixed 3.5 km).\n\n")
    return intro + table(header, body, ["l", "r", "r", "r", "r", "r", "r", "r", "r"])


def _zone_cases():
    """[(label, [measure per seed])] from benchmarks/zones_generated.py's cases."""
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import zones_generated

    grouped = {}
    for label, _options, measured in zones_generated.rows(SEEDS):
        grouped.setdefault(label, []).append(measured)
    return list(grouped.items())


def block_colours(run):
    """The bundled sides' colours and the closest pairs `jisrgeo.cvd` finds under each simulated vision."""
    import itertools

    from jisrgeo import cvd
    from jisrgeo.style import UNKNOWN_COLOR

    colors = {side.label: side.color for side in run.ds.sides.values()}
    entries = {**colors, "no control recorded": UNKNOWN_COLOR}
    pairs = list(itertools.combinations(entries.items(), 2))
    grounds = [((label, color), ("the bare ground", cvd.LAND)) for label, color in colors.items()]
    rows = []
    for vision in cvd.VISIONS:
        solid = min((cvd.distance(a, b, vision), la, lb) for (la, a), (lb, b) in pairs)
        fill = min((cvd.distance(a, b, vision, fill=True), la, lb) for (la, a), (lb, b) in pairs + grounds)
        rows.append([vision, f"{solid[0]:.1f} ({solid[1]} / {solid[2]})", f"{fill[0]:.1f} ({fill[1]} / {fill[2]})"])
    sides = table(["side", "colour"], [[label, f"`{color}`"] for label, color in colors.items()])
    return (sides + "\n" + table(["vision", f"closest markers, CIEDE2000 (need {cvd.MARKER_MIN:g})",
                                   f"closest area fills as drawn (need {cvd.FILL_MIN:g})"], rows))


def block_cli(run):
    """docs/reference/cli.md: `jisrgeo --help` and every command's (and subcommand's) --help."""
    from click.testing import CliRunner

    from jisrgeo.cli import main

    def help_of(args):
        result = CliRunner().invoke(main, [*args, "--help"], env={"COLUMNS": "80"}, prog_name="jisrgeo")
        if result.exit_code != 0:
            raise SystemExit(f"`jisrgeo {' '.join(args)} --help` failed ({result.exit_code}):\n{result.output}")
        title = " ".join(["jisrgeo", *args])
        return f"## `{title}`\n\n```text\n{result.stdout.rstrip()}\n```\n"

    pages = [help_of([])]
    for name, command in sorted(main.commands.items()):
        pages.append(help_of([name]))
        pages += [help_of([name, sub]) for sub in sorted(getattr(command, "commands", {}))]
    return "\n".join(pages)


BLOCKS = {"dataset": block_dataset, "areas": block_areas, "claims": block_claims, "casualties": block_casualties,
          "doubt": block_doubt, "build": block_build, "pictures": block_pictures,
          "zones-generated": block_zones_generated, "colours": block_colours, "cli": block_cli}


# ---- Files ------------------------------------------------------------------------------------------------

def documents(root=ROOT):
    for name in DOCUMENTS:
        path = root / name
        yield from sorted(path.rglob("*.md")) if path.is_dir() else [path]


def blocks_in(text):
    return [m.group("name") for m in MARKER.finditer(text)]


def refresh(text, run, only=None):
    """`text` with every generated block (or those named in `only`) replaced by a fresh run."""
    unknown = [n for n in blocks_in(text) if n not in BLOCKS]
    if unknown:
        raise SystemExit(f"unknown figures block(s) {unknown}: known are {sorted(BLOCKS)}")

    def fresh(match):
        if only is not None and match.group("name") not in only:
            return match.group(0)
        return match.group(1) + BLOCKS[match.group("name")](run).rstrip("\n") + "\n" + match.group(4)

    return MARKER.sub(fresh, text)


def format_reference(run):
    """docs/format.md, whole: the dataset format from src/jisrgeo/schema.py (as scripts/format_doc.py writes it)."""
    from jisrgeo.schema import markdown

    return markdown()


# Documents generated whole, not by blocks.
WHOLE = {"docs/format.md": format_reference}


def fresh_documents(run, only=None):
    """[(path, committed text, fresh text)] of every document with generated content."""
    out = []
    for path in documents():
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        if rel in WHOLE and only is None:
            out.append((path, text, WHOLE[rel](run)))
        elif blocks_in(text):
            out.append((path, text, refresh(text, run, only)))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any block is stale")
    parser.add_argument("blocks", nargs="*", help=f"only these blocks (default: all of {', '.join(BLOCKS)}, "
                                                  f"and {', '.join(WHOLE)})")
    args = parser.parse_args(argv)
    stale = []
    for path, text, new in fresh_documents(Run(), set(args.blocks) or None):
        if new == text:
            continue
        rel = path.relative_to(ROOT)
        stale.append(str(rel))
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True), str(rel), str(rel)))
        else:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {rel}")
    if args.check and stale:
        print(f"stale figures in {', '.join(stale)}: run python3 scripts/figures.py", file=sys.stderr)
        return 1
    if not stale:
        print("every generated figure is current")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))  # the checkout's code, whatever copy is installed
    sys.exit(main())
