"""The house rules of the package layout (docs/design.md, "Layout").

* no import cycle between effekt's modules (module-level imports, as written; imports
  under ``if TYPE_CHECKING:`` are annotations only and do not count);
* no effekt import placed inside a function (the way to hide a cycle), except in the
  command line, which imports a command's dependencies when the command runs so that
  ``effekt --help`` and ``--version`` answer without loading the numerical stack;
* every module imports on its own, in any order (a cycle through a package's
  ``__init__`` shows up here even when the static graph is clean);
* no folder holds more than 12 modules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "effekt"
LAZY_IMPORTS_ALLOWED = {"effekt.cli", "effekt.cli_register"}
MAX_MODULES_PER_FOLDER = 12


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The effekt module an import names: the module itself or its nearest package."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The effekt modules one import statement loads."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif node.level == 0 and node.module:
        # ``from effekt.x import y``: y may be a submodule or a name in effekt.x
        names = [f"{node.module}.{a.name}" for a in node.names]
    else:
        names = []
    found = {_resolve(n) for n in names if n.split(".")[0] == "effekt"}
    return sorted(m for m in found if m)


def _walk(tree: ast.AST):
    """Yield (import node, inside a function?) for every import, skipping TYPE_CHECKING."""
    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            yield from visit(child, inner)
    yield from visit(tree, False)


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    lazy = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, in_function in _walk(tree):
            targets = [t for t in _imported(node) if t != module]
            if in_function and targets:
                lazy.append(f"{module} (line {node.lineno}) imports {', '.join(targets)}")
            elif not in_function:
                graph[module].update(targets)
    return graph, lazy


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(1000, 10 * len(graph)))
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_the_walker_sees_cycles_and_lazy_imports():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    tree = ast.parse("import effekt.errors\ndef f():\n    from effekt.errors import DataError\n"
                     "if TYPE_CHECKING:\n    from effekt.results import ResultsBase\n")
    seen = [(_imported(n), inside) for n, inside in _walk(tree)]
    assert seen == [(["effekt.errors"], False), (["effekt.errors"], True)]


def test_no_import_cycle():
    graph, _ = _graph()
    cycles = _cycles(graph)
    assert not cycles, "import cycles between effekt modules: " + "; ".join(
        " <-> ".join(c) for c in cycles)


def test_no_effekt_import_inside_a_function():
    _, lazy = _graph()
    hidden = [line for line in lazy if line.split(" ")[0] not in LAZY_IMPORTS_ALLOWED]
    assert not hidden, "imports inside functions: " + "; ".join(hidden)


def test_every_module_imports_on_its_own():
    code = (
        "import importlib, sys\n"
        f"mods = {sorted(MODULES)!r}\n"
        "bad = []\n"
        "for m in mods:\n"
        "    for k in [k for k in sys.modules if k == 'effekt' or k.startswith('effekt.')]:\n"
        "        del sys.modules[k]\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except Exception as exc:\n"
        "        bad.append(f'{m}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PACKAGE.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]


def test_no_folder_with_more_than_twelve_modules():
    crowded = {}
    for folder in {p.parent for p in MODULES.values()}:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        if len(modules) > MAX_MODULES_PER_FOLDER:
            crowded[str(folder.relative_to(PACKAGE.parent))] = len(modules)
    assert not crowded, f"folders with more than {MAX_MODULES_PER_FOLDER} modules: {crowded}"
