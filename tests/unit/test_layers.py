"""Layers point one way: no import cycle in `flowscale/`, and the transport knows no replies.

Run `python tests/unit/test_layers.py` for the import graph and any cycle. Imports are read
with `ast` at module level (those under `if TYPE_CHECKING:` count too; imports inside
functions are the deliberate lazy ones, e.g. of `flowscale_api`).
"""

from __future__ import annotations

import ast
import pathlib
import sys
from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "flowscale"


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _module_level(tree: ast.Module, typing: bool) -> Iterator[ast.stmt]:
    for node in tree.body:
        yield node
        if isinstance(node, ast.If | ast.Try) and (typing or not _is_type_checking(node)):
            for child in ast.walk(node):
                if isinstance(child, ast.Import | ast.ImportFrom):
                    yield child


def imports_of(path: pathlib.Path, modules: set[str], typing: bool = True) -> set[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in _module_level(ast.parse(path.read_text()), typing):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from .. import x` imports the module x when there is one, else the package.
            submodules = [f"{prefix}.{alias.name}" for alias in node.names]
            targets = [t for t in submodules if t in modules] or [prefix]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(typing: bool = True) -> dict[str, set[str]]:
    """Module -> the flowscale modules it imports (`typing`: those only imported for type
    checking too)."""
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules, typing) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    edges = {name: set(graph.get(name, ())) & set(graph) for name in graph}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_in_flowscale() -> None:
    assert cycles(import_graph(typing=False)) == []


def test_no_import_cycle_in_the_sdk_even_for_type_checking() -> None:
    # The SDK itself (not its local test server) has no cycle even through the imports made
    # for type checking only: layers point one way.
    sdk = {n: t for n, t in import_graph().items() if not n.startswith("flowscale.server")}
    assert cycles(sdk) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_transport_does_not_import_reply_parsing() -> None:
    graph = import_graph()
    for flavour in ("_async", "_sync"):
        transport = graph[f"flowscale.{flavour}._http"]
        assert "flowscale._convert" not in transport
        assert "flowscale._types" not in transport
        for layer in ("_wait", "_stream"):
            assert f"flowscale.{flavour}._client" not in graph[f"flowscale.{flavour}.{layer}"]


def test_the_generated_client_is_imported_lazily() -> None:
    graph = import_graph()
    for name, targets in graph.items():
        assert not any(t.startswith("flowscale_api") for t in targets), name


if __name__ == "__main__":
    graph = import_graph()
    edges = sum(len(t) for t in graph.values())
    print(f"{len(graph)} modules, {edges} import edges in flowscale/")
    for name in sorted(graph):
        print(f"  {name} -> {', '.join(sorted(graph[name])) or '-'}")
    found = cycles(import_graph(typing=False))
    print(f"cycles at run time: {found or 'none'}")
    print(f"cycles counting `if TYPE_CHECKING:` imports: {cycles(graph) or 'none'}")
    raise SystemExit(1 if found else 0)
