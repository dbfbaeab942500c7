"""The layout holds: durable_rules stays in its engine, no import cycles, no private names across modules."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import maturity

SRC = Path(maturity.__file__).parent


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def _imports(name: str, tree: ast.Module, *, top_level_only: bool = False):
    """(module imported, names imported) for every import in ``tree``; relative imports resolved."""
    package = name if name.endswith("__init__") else name.rsplit(".", 1)[0]
    if (SRC.parent / Path(*name.split("."))).is_dir():
        package = name
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module, [a.name for a in node.names]


def test_only_the_durable_engine_imports_durable_rules():
    importers = sorted(name for name, tree in _modules().items()
                       for module, _ in _imports(name, tree)
                       if module.split(".")[0] in ("durable", "durable_rules_engine"))
    assert set(importers) == {"maturity.engines.durable_host"}


def test_no_module_imports_another_modules_private_names():
    found = []
    modules = _modules()
    for name, tree in modules.items():
        for module, names in _imports(name, tree):
            if module.startswith("maturity"):
                found += [f"{name} imports {module}.{n}" for n in names if n.startswith("_") and not n.startswith("__") and n != "_"]  # "_" is gettext
    assert found == []


def test_imports_form_no_cycle_not_even_inside_functions():
    """An import inside a function is still a dependency: none may close a cycle (type-only imports aside)."""
    modules = _modules()
    graph = nx.DiGraph()
    for name, tree in modules.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
                node.body = []
        for module, names in _imports(name, tree):
            for target in [module, *(f"{module}.{n}" for n in names)]:
                if target in modules and target != name and target != "maturity":  # the package's own re-exports
                    graph.add_edge(name, target)
    assert list(nx.simple_cycles(graph)) == []


def test_a_regular_install_ships_every_package():
    """pyproject lists packages by hand: each folder of the source with an __init__.py must be among them."""
    import tomllib

    listed = set(tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(SRC.parent).parts) for p in SRC.rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
