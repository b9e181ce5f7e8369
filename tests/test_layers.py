"""The package's modules depend on each other in one direction: no import cycle, function-local imports included.

Layers, lowest first (LAYERS): the format (schema and the rules on it, geodesy on bare coordinates)
-> io (the readers and the writer) -> dataset -> queries/areas -> maps/export -> the top-level API -> cli. Every module of
the package sits in one layer and imports only from its own layer or lower ones; a private module
(`_name.py`) or a private name (`_name`) is used only inside its own package or module. Found by reading
the source (ast), so an import hidden inside a function counts as much as one at the top of a file. The
one sanctioned way up (DELEGATIONS): a Dataset method hands its work to the module that does it, with an
import inside the method, never at the top of dataset.py.
"""

import ast
import sys
from pathlib import Path

import jisrgeo

SRC = Path(jisrgeo.__file__).parent
ROOT = "jisrgeo"


def module_name(path):
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports_of(name, path, known):
    """Every jisrgeo module `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import jisrgeo.io.folder as f` names a module
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] == ROOT and target != name:
                found.add(target)
    return found


def graph():
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def path_between(edges, start, goal):
    """One import chain start -> ... -> goal (for a readable failure)."""
    seen, queue = {start: None}, [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in seen:
                seen[nxt] = node
                queue.append(nxt)
    chain, node = [], goal
    while node is not None:
        chain.append(node)
        node = seen.get(node)
    return " -> ".join(reversed(chain))


def test_no_import_cycle_in_the_package():
    """Cycles through a Dataset method's delegation (DELEGATIONS) do not count: that import runs when the
    method is called, by which time both modules are loaded."""
    known = modules()
    edges = {name: {target for target, _, at_top in imports_in_detail(name, path, known)
                    if at_top or not any(target == d or target.startswith(d + ".") for d in DELEGATIONS.get(name, ()))}
             for name, path in known.items()}
    found = cycles(edges)
    described = [f"{c}: {path_between(edges, c[0], c[1])} -> ... -> {c[0]}" for c in found]
    assert not found, "import cycles:\n" + "\n".join(described)


def test_the_finder_sees_a_cycle_hidden_in_a_function(tmp_path):
    edges = {"jisrgeo.a": {"jisrgeo.b"}, "jisrgeo.b": {"jisrgeo.c"}, "jisrgeo.c": {"jisrgeo.a"}, "jisrgeo.d": set()}
    assert cycles(edges) == [["jisrgeo.a", "jisrgeo.b", "jisrgeo.c"]]
    known = {"jisrgeo", "jisrgeo.x", "jisrgeo.y"}
    source = tmp_path / "x.py"
    source.write_text("def f():\n    from . import y\n    from .. import nothing\n", encoding="utf-8")
    assert "jisrgeo.y" in imports_of("jisrgeo.x", source, known)


# Lowest first. A module belongs to the first entry that names it or a package holding it.
LAYERS = (
    ("format", ("jisrgeo._version", "jisrgeo.errors", "jisrgeo.style", "jisrgeo.schema", "jisrgeo.names",
                "jisrgeo.sides", "jisrgeo.shape", "jisrgeo.rules", "jisrgeo.timeline", "jisrgeo.states", "jisrgeo.geodesy",
                "jisrgeo.signatures", "jisrgeo.cvd")),
    # The writer reads its own manifest through io's guarded reader, so it sits with the readers.
    ("io", ("jisrgeo.io", "jisrgeo.output", "jisrgeo._fsops", "jisrgeo.repair", "jisrgeo.skeleton")),
    ("dataset", ("jisrgeo.dataset", "jisrgeo.loader")),
    ("queries", ("jisrgeo.query", "jisrgeo.areas", "jisrgeo.claims", "jisrgeo.compare", "jisrgeo.scale")),
    ("maps/export", ("jisrgeo.maps", "jisrgeo.export", "jisrgeo.extent", "jisrgeo.build")),
    ("top-level API", ("jisrgeo", "jisrgeo.quick")),
    ("cli", ("jisrgeo.cli",)),
)
# The Dataset's methods that wrap a query, a picture or an export import it when called.
DELEGATIONS = {"jisrgeo.dataset": ("jisrgeo.query", "jisrgeo.areas", "jisrgeo.maps", "jisrgeo.export")}
# The version file packaging tools write: private by convention, read anywhere.
SHARED_PRIVATE = {"jisrgeo._version"}


def layer_of(name):
    for rank, (_, members) in enumerate(LAYERS):
        if any(name == m or (m != ROOT and name.startswith(m + ".")) for m in members):
            return rank
    return None


def imports_in_detail(name, path, known):
    """(target module, imported name or None, at the top of the file?) for every jisrgeo import of `name`."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            pairs = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            pairs = [(f"{base}.{a.name}", None) if f"{base}.{a.name}" in known else (base, a.name) for a in node.names]
        else:
            continue
        for target, imported in pairs:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] == ROOT and target != name:
                found.append((target, imported, id(node) in top))
    return found


def package_of(name, known):
    return name if known[name].name == "__init__.py" else name.rpartition(".")[0]


def layer_faults():
    """Every import that goes up a layer or takes something private from another package or module."""
    known = modules()
    faults = []
    for name, path in known.items():
        rank = layer_of(name)
        if rank is None:
            faults.append(f"{name} is in no layer: add it to LAYERS")
            continue
        for target, imported, at_top in imports_in_detail(name, path, known):
            delegated = not at_top and any(target == d or target.startswith(d + ".") for d in DELEGATIONS.get(name, ()))
            if layer_of(target) is not None and layer_of(target) > rank and not delegated:
                faults.append(f"up a layer: {name} ({LAYERS[rank][0]}) imports {target} ({LAYERS[layer_of(target)][0]})")
            last = target.rpartition(".")[2]
            if (last.startswith("_") and not last.startswith("__") and target not in SHARED_PRIVATE
                    and package_of(name, known) != target.rpartition(".")[0]):
                faults.append(f"private module: {name} imports {target}")
            if imported and imported.startswith("_") and not imported.startswith("__"):
                faults.append(f"private name: {name} imports {target}.{imported}")
    return faults


def test_every_import_points_down_and_nothing_private_crosses_a_package():
    faults = layer_faults()
    assert not faults, "\n".join(faults)


def test_the_layer_check_can_fail(tmp_path, monkeypatch):
    """A module that reaches up, or takes a private module or name of another package, is caught; a Dataset
    method's delegation is allowed, the same import at the top of dataset.py is not."""
    src = tmp_path / "jisrgeo"
    (src / "maps").mkdir(parents=True)
    files = {"__init__.py": "", "schema.py": "def f():\n    from .dataset import Dataset\n",
             "dataset.py": "from .export import to_gpkg\n\ndef plot():\n    from .maps import day\n",
             "export.py": "from .maps import _extent\n", "maps/__init__.py": "", "maps/_extent.py": "",
             "maps/day.py": "from ..schema import _hidden\nfrom . import _extent\n"}
    for file, text in files.items():
        (src / file).write_text(text, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "SRC", src)
    faults = layer_faults()
    assert "up a layer: jisrgeo.schema (format) imports jisrgeo.dataset (dataset)" in faults
    assert "up a layer: jisrgeo.dataset (dataset) imports jisrgeo.export (maps/export)" in faults
    assert "private module: jisrgeo.export imports jisrgeo.maps._extent" in faults
    assert "private name: jisrgeo.maps.day imports jisrgeo.schema._hidden" in faults
    assert not [f for f in faults if "jisrgeo.maps.day" in f and "dataset" in f]  # plot() delegates
    assert not [f for f in faults if f.endswith("jisrgeo.maps.day imports jisrgeo.maps.extent")]  # its own package


def test_geodesy_works_on_coordinates_only_and_nothing_imports_the_cli():
    edges = graph()
    for name, targets in edges.items():
        if name.startswith("jisrgeo.geodesy"):
            assert not targets, f"geodesy works on coordinates only, but imports {targets}"
    assert not any(t.startswith("jisrgeo.cli") for n, ts in edges.items() if not n.startswith("jisrgeo.cli") for t in ts)
