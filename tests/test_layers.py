"""The package's modules depend on each other in one direction: no import cycle, function-local imports included.

Layers, lowest first: schema -> io -> dataset -> queries/geodesy -> maps/export -> cli, with the top-level
API (jisrgeo/__init__.py) above the library and below the CLI. Found by reading the source (ast), so an
import hidden inside a function counts as much as one at the top of a file.
"""

import ast
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
    edges = graph()
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


def test_the_layers_point_one_way():
    edges = graph()
    low = {"jisrgeo.schema": [], "jisrgeo.geodesy": [], "jisrgeo.io": ["jisrgeo.dataset", "jisrgeo.maps", "jisrgeo.export"]}
    for module, forbidden in low.items():
        for name, targets in edges.items():
            if name == module or name.startswith(module + "."):
                assert ROOT not in targets, f"{name} imports the top-level API"
                assert not {t for t in targets if any(t == f or t.startswith(f + ".") for f in forbidden)}, name
                if module == "jisrgeo.geodesy":
                    assert not targets, f"geodesy works on coordinates only, but imports {targets}"
    assert not any(t.startswith("jisrgeo.cli") for n, ts in edges.items() if not n.startswith("jisrgeo.cli") for t in ts)
