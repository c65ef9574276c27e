"""The house rules of docs/architecture.md, checked against the code.

Imports form layers (a module imports only from its own layer or below), no cycles, no private
names taken from another module, and no imports inside functions except the listed ones.
"""

from __future__ import annotations

import ast
import re
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("subnet", "actors")

# (module, imported module): imports inside functions that docs/architecture.md explains
ALLOWED_LOCAL_IMPORTS = {
    ("subnet.explore.hypothesis", "hypothesis"),
    ("actors.canister", "subnet.candid"),
    ("subnet.wasm.module", "subnet.wasm.code"),
    ("subnet.wasm.module", "subnet.wasm.ic0"),
}
LOCAL_IMPORTS_OF_THE_CLI = ("subnet.cli.lazy",)  # the CLI's lazy imports, in one place


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = modules()


def resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if path.name != "__init__.py":
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


class Imports:
    """A module's imports: at module level (what runs on import) and inside functions."""

    def __init__(self, module: str, path: Path) -> None:
        self.top: list[tuple[str, list[str]]] = []  # (imported module, names taken)
        self.local: list[str] = []
        tree = ast.parse(path.read_text())
        self._walk(module, path, tree.body, top=True)

    def _walk(self, module: str, path: Path, body: list[ast.stmt], top: bool) -> None:
        for node in body:
            if isinstance(node, ast.If) and is_type_checking(node):
                continue  # only the type checker runs these
            if isinstance(node, ast.Import | ast.ImportFrom):
                targets = self._targets(module, path, node)
                if top:
                    self.top.extend(targets)
                else:
                    self.local.extend(t for t, _ in targets)
                continue
            for child in ast.iter_child_nodes(node):
                inner = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                if isinstance(child, ast.stmt):
                    self._walk(module, path, [child], top=top and not inner)
                else:
                    for sub in ast.walk(child):
                        if isinstance(sub, ast.Import | ast.ImportFrom):
                            self.local.extend(t for t, _ in self._targets(module, path, sub))

    @staticmethod
    def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list:
        if isinstance(node, ast.Import):
            return [(alias.name, []) for alias in node.names]
        source = resolve(module, path, node)
        if source == "__future__":
            return []
        submodules = [a.name for a in node.names if f"{source}.{a.name}" in MODULES]
        names = [a.name for a in node.names if a.name not in submodules]
        out = [(f"{source}.{name}", []) for name in submodules]  # `from . import engine`
        if names or not submodules:
            out.append((source, names))
        return out


IMPORTS = {m: Imports(m, p) for m, p in MODULES.items()}


def project(name: str) -> str | None:
    """The project module that an imported name refers to (None for other libraries)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def layers() -> dict[str, int]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = {}
    for row in re.findall(r"^\| (\d+) \| (.+) \|$", text, re.M):
        for pattern in row[1].split(","):
            table[pattern.strip()] = int(row[0])
    return table


LAYERS = layers()


def matches(module: str, pattern: str) -> bool:
    """``pkg.*`` stands for the package ``pkg`` and every module in it."""
    return module == pattern or fnmatch(module, pattern) or f"{module}.*" == pattern


def layer_of(module: str) -> int:
    matches_ = [(p, n) for p, n in LAYERS.items() if matches(module, p)]
    assert matches_, f"{module} is in no layer of docs/architecture.md"
    exact = [n for p, n in matches_ if p == module]
    return exact[0] if exact else matches_[0][1]


def test_every_module_has_a_layer():
    missing = [m for m in MODULES if not any(matches(m, p) for p in LAYERS)]
    assert not missing, f"add these to the table in docs/architecture.md: {missing}"


def upward_imports(imports: dict[str, Imports]) -> list[str]:
    upward = []
    for module, imp in imports.items():
        for target, _ in imp.top:
            other = project(target)
            if other is not None and other != module and layer_of(other) > layer_of(module):
                upward.append(
                    f"{module} (layer {layer_of(module)}) imports {other} (layer {layer_of(other)})"
                )
    return upward


def import_cycles(imports: dict[str, Imports]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph = {m: sorted({project(t) for t, _ in imp.top} - {None, m}) for m, imp in imports.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def private_imports(imports: dict[str, Imports]) -> list[str]:
    private = []
    for module, imp in imports.items():
        for target, names in imp.top:
            if project(target) is not None:
                private += [
                    f"{module}: from {target} import {n}"
                    for n in names
                    if n.startswith("_") and not n.startswith("__")
                ]
    return private


def test_imports_only_go_down():
    assert not upward_imports(IMPORTS)


def test_no_import_cycles():
    assert not import_cycles(IMPORTS)


def test_no_private_names_from_other_modules():
    assert not private_imports(IMPORTS)


def test_the_checks_catch_a_planted_violation(tmp_path):
    """heap importing a private name of the engine breaks all three rules at once (a check
    that cannot fail checks nothing)."""
    planted = tmp_path / "heap.py"
    planted.write_text("from .engine import _clock\n")
    imports = dict(IMPORTS)
    bad = Imports("subnet.heap", planted)
    bad.top = [*IMPORTS["subnet.heap"].top, *bad.top]
    imports["subnet.heap"] = bad
    assert upward_imports(imports) == ["subnet.heap (layer 1) imports subnet.engine (layer 7)"]
    assert any({"subnet.heap", "subnet.engine"} <= set(c) for c in import_cycles(imports))
    assert private_imports(imports) == ["subnet.heap: from subnet.engine import _clock"]


def test_imports_inside_functions_are_the_listed_ones():
    found = set()
    for module, imports in IMPORTS.items():
        for target in imports.local:
            if module.startswith(LOCAL_IMPORTS_OF_THE_CLI):
                continue
            found.add((module, target))
    assert found <= ALLOWED_LOCAL_IMPORTS, sorted(found - ALLOWED_LOCAL_IMPORTS)


def test_the_reference_lists_every_event_kind():
    from subnet.events import EVENTS

    text = (ROOT / "docs" / "reference.md").read_text()
    missing = [kind for kind in EVENTS if f"`{kind}`" not in text]
    assert not missing, missing
