"""The walls between the packages stay where they are: every import of every module is read with ast
(function-level ones included) and checked against the layers, for cycles, and for shadowed names.

    sync.base, sync.wire, sync.packs   below everything; import none of the others above them
    sync.client                        the kiosk's side of sync; never imports the kiosk or the hub
    sync.hub                           the hub; imports only the wire, the pack format and sync.base
    kiosk                              stands on sync (never on the hub, except to compose the command line)
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kiosk", "sync")

# What each layer may import, besides itself (the first matching prefix decides).
ALLOWED = [
    ("sync.base", ()),
    ("sync.wire", ()),
    ("sync.packs", ("sync.base",)),
    ("sync.client", ("sync.base", "sync.wire", "sync.packs")),
    ("sync.hub", ("sync.base", "sync.wire", "sync.packs")),
    ("sync", ()),
    ("kiosk", ("sync.base", "sync.wire", "sync.packs", "sync.client")),
]
# The one place the kiosk reaches the hub: the `relais` command offers `relais hub …` too.
EXCEPTIONS = {("kiosk.cli", "sync.hub.cli")}
# Modules whose commands import what they need when they run (see each module's docstring).
LAZY_BY_DESIGN = {"kiosk.cli", "kiosk.ops_cli", "kiosk.sync_cli", "sync.hub.cli"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for package in PACKAGES for p in sorted((root / package).rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]):
    """(target module, line, inside a function) for each import of a project module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f) if n is not f}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            # `from package import module` imports that module; `from module import name` the module.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in dict.fromkeys(targets):
            if target.split(".")[0] in PACKAGES:
                yield target, node.lineno, id(node) in in_function


def graph(root: Path = ROOT) -> dict[str, list[tuple[str, int, bool]]]:
    found = modules(root)
    return {name: list(imports(name, path, set(found))) for name, path in found.items()}


def layer(name: str) -> tuple[str, tuple[str, ...]]:
    return next((prefix, allowed) for prefix, allowed in ALLOWED if name == prefix or name.startswith(prefix + "."))


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def wrong_imports(root: Path = ROOT) -> list[str]:
    found, wrong = modules(root), []
    for name, edges in graph(root).items():
        own, allowed = layer(name)
        for target, line, _ in edges:
            if within(target, own) or any(within(target, a) for a in allowed) or (name, target) in EXCEPTIONS:
                continue
            wrong.append(f"{found[name].relative_to(root)}:{line}: {name} imports {target}")
    return wrong


def cycles(root: Path = ROOT) -> list[str]:
    edges = {name: {t for t, _, _ in targets if t != name} for name, targets in graph(root).items()}
    found, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                found.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    return found


def test_every_import_goes_down_the_layers():
    wrong = wrong_imports()
    assert not wrong, "imports that go the wrong way:\n" + "\n".join(wrong)


def test_no_import_cycles_even_through_function_level_imports():
    found = cycles()
    assert not found, "import cycles:\n" + "\n".join(found)


def test_function_level_imports_say_why():
    """Outside the command-line modules, an import inside a function carries a comment saying why."""
    silent = []
    for name, path in modules().items():
        if name in LAZY_BY_DESIGN:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    here, before = lines[node.lineno - 1], lines[node.lineno - 2].strip()
                    if "#" not in here and not before.startswith("#"):
                        silent.append(f"{path.relative_to(ROOT)}:{node.lineno}: {here.strip()}")
    assert not silent, "function-level imports without a reason:\n" + "\n".join(silent)


def test_tests_shadow_no_package():
    """`python -m pytest` puts tests/ on sys.path: nothing there may be named like a package."""
    names = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() or p.suffix == ".py"}
    shadowing = [p.name for p in (ROOT / "tests").iterdir()
                 if p.stem in {n.removesuffix(".py") for n in names} and (p.is_dir() or p.suffix == ".py")]
    assert not shadowing, f"tests/ has {shadowing}, named like packages or modules at the top level"


def test_the_checks_see_a_wrong_import_and_a_cycle_hidden_in_a_function(tmp_path):
    """The checks can fail: on a small tree, sync importing the kiosk and a two-module cycle are found."""
    for name, text in {"kiosk/__init__.py": "", "kiosk/a.py": "from . import b\n",
                       "kiosk/b.py": "def later():\n    from .a import x  # a cycle kept apart\n",
                       "sync/__init__.py": "", "sync/client/__init__.py": "",
                       "sync/client/outbox.py": "def f():\n    from kiosk import a  # wrong way\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert wrong_imports(tmp_path) == ["sync/client/outbox.py:2: sync.client.outbox imports kiosk.a"]
    assert cycles(tmp_path) == ["kiosk.a -> kiosk.b -> kiosk.a"]
