"""The grader core's imports form a tree (no cycles, none held apart by local imports), as docs/architecture.md
draws it; grader types are plugins above the core."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "graders"
DOC = ROOT / "docs" / "architecture.md"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# modules directly in graders/ that belong to another layer
NOT_CORE: set[str] = set()


def core_modules() -> dict[str, Path]:
    """The core: every module directly in graders/, and the schema assembler."""
    files = [p for p in sorted(PACKAGE.glob("*.py")) if p.name not in NOT_CORE] + [PACKAGE / "schema" / "__init__.py"]
    return {module_name(p): p for p in files}


def _exists(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _targets(node: ast.AST) -> list[str]:
    """The verigrade modules an import statement (or `importlib.import_module("...")`) loads."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        for alias in node.names:  # `from graders import templates` imports the module graders.templates
            sub = f"{node.module}.{alias.name}"
            names.append(sub if _exists(sub) else node.module)
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
          and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        names = [node.args[0].value]
    return [n for n in names if n == "graders" or n.startswith("graders.")]


def imports(path: Path) -> list[tuple[str, bool]]:
    """`(target, module_level)` for every verigrade import in a file; `module_level` is False inside a function
    or class body and for `importlib.import_module` calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def walk(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
            dynamic = isinstance(child, ast.Call)
            found.extend((t, not (inner or dynamic)) for t in _targets(child))
            walk(child, inner)

    walk(tree, False)
    return found


def core_graph() -> dict[str, set[str]]:
    core = core_modules()
    return {name: {t for t, _ in imports(path) if t in core and t != name} for name, path in core.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_the_checker_sees_cycles_and_local_imports(tmp_path):
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    probe = tmp_path / "probe.py"
    probe.write_text("import graders.result\nfrom graders import errors\n"
                     "def f():\n    from graders.spec import load_grader\n"
                     "importlib.import_module('graders.registry')\n")
    assert imports(probe) == [("graders.result", True), ("graders.errors", True), ("graders.spec", False),
                              ("graders.registry", False)]


def test_core_import_graph_has_no_cycle():
    assert find_cycle(core_graph()) is None


def test_no_local_or_dynamic_imports_between_core_modules():
    core = core_modules()
    local = [f"{name} -> {target}" for name, path in core.items() for target, top in imports(path)
             if target in core and not top]
    assert local == []


def test_core_never_names_a_grader_type():
    """Types are plugins: the registry finds them by scanning graders/types/, the core imports none of them."""
    named = [f"{name} -> {t}" for name, path in core_modules().items() for t, _ in imports(path)
             if t.startswith("graders.types.")]
    assert named == []


def test_grader_types_do_not_import_each_other():
    edges = [f"{module_name(p)} -> {t}" for p in sorted((PACKAGE / "types").glob("*.py"))
             for t, _ in imports(p) if t.startswith("graders.types.")]
    assert edges == []


def documented_tree() -> dict[str, set[str]]:
    """The `module -> imports` lines of the import tree drawn in docs/architecture.md."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- import-tree -->\n```\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no <!-- import-tree --> block"
    tree: dict[str, set[str]] = {}
    for line in block.group(1).splitlines():
        m = re.match(r"\s*([\w.]+)\s+->\s*(.*?)\s*(?:#.*)?$", line)
        if m:
            deps = {d.strip() for d in m.group(2).split(",") if d.strip() and d.strip() != "-"}
            tree[f"graders.{m.group(1)}" if m.group(1) != "graders" else "graders"] = {
                f"graders.{d}" for d in deps}
    return tree


def test_architecture_doc_draws_the_import_tree_as_it_is():
    assert documented_tree() == core_graph()

