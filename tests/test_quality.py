"""Quality gates, run with the suite (and so in CI): ruff (style, imports, complexity at most
12), mypy --strict over the engine and the CLI as the installed package sees them, no import
cycle between the engine's modules, and a CLI that imports only the engine's public API."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import brm_advisor.engine as engine

from conftest import ROOT

ENGINE = ROOT / "engine"


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:  # pragma: no cover - the test extras install both
        pytest.fail(f"{name} is not installed: pip install '.[test]'")
    return found


def test_ruff_finds_nothing_including_functions_over_complexity_12():
    result = subprocess.run([_tool("ruff"), "check", "engine", "cli", "tests", "bench"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_over_the_engine_the_cli_and_the_web_layer(tmp_path):
    # the package as installed: brm_advisor.engine, .cli and .web (package_dir mapping)
    package = tmp_path / "brm_advisor"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "engine").symlink_to(ENGINE, target_is_directory=True)
    (package / "cli").symlink_to(ROOT / "cli", target_is_directory=True)
    (package / "web").symlink_to(ROOT / "web", target_is_directory=True)
    result = subprocess.run(
        [_tool("mypy"), "--strict", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(tmp_path / ".mypy_cache"), "-p", "brm_advisor.engine",
         "-p", "brm_advisor.cli", "-p", "brm_advisor.web"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def _module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("engine", *parts))


def _runtime_imports(path: Path, module: str) -> set[str]:
    """Engine modules `path` imports when it runs (not those imported for type checking)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []  # skip what is only for type checkers
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = base[:len(base) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "brm_advisor.engine"):
            found.add("engine" + node.module.removeprefix("brm_advisor.engine"))
    return found


def test_no_import_cycle_between_engine_modules():
    modules = {_module_name(p): p for p in ENGINE.rglob("*.py")}
    graph = {name: sorted(_runtime_imports(path, name) & set(modules) - {name})
             for name, path in modules.items()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_every_package_of_the_engine_is_installed():
    """setup.cfg lists each package explicitly: a new folder of the engine left out of it works
    in an editable install and is missing from a real one (as CI installs it)."""
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    folders = {"brm_advisor.engine" + "".join(f".{part}" for part in init.parent.relative_to(
        ENGINE).parts) for init in ENGINE.rglob("__init__.py")}
    assert folders <= listed, f"not in setup.cfg's packages: {sorted(folders - listed)}"


def _engine_imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, module, names) of every import of the engine in `path`, wherever it stands (at
    the top, in a function, for type checkers only)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = ("." * node.level) + (node.module or "")
            if "engine" in module.split(".") or module.startswith("brm_advisor.engine"):
                found.append((node.lineno, module, tuple(a.name for a in node.names)))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names
                      if alias.name.startswith("brm_advisor.engine")]
    return found


@pytest.mark.parametrize("face", ["cli", "web"])
def test_the_cli_and_the_web_layer_import_only_the_public_api(face):
    """`from brm_advisor.engine import NAME`, NAME one of its `__all__`: never a module behind
    it, which may move (engine/__init__.py says they are private)."""
    wrong = [f"{face}/{path.relative_to(ROOT / face)}:{line}: {module} {', '.join(names)}"
             for path in sorted((ROOT / face).rglob("*.py"))
             for line, module, names in _engine_imports(path)
             if module != "brm_advisor.engine" or not set(names) <= set(engine.__all__)]
    assert not wrong, f"{face}/ reaches behind the public API:\n" + "\n".join(wrong)


def test_the_public_api_lists_what_it_exports_and_every_name_resolves():
    """`__all__`, the lazily imported names and the errors agree, and each name imports."""
    from brm_advisor.engine import errors

    error_names = {name for name in dir(errors) if name[0].isupper()}
    exported = set(engine._EXPORTS)
    assert exported <= set(engine.__all__), sorted(exported - set(engine.__all__))
    assert set(engine.__all__) - exported <= error_names, sorted(
        set(engine.__all__) - exported - error_names)
    assert len(engine.__all__) == len(set(engine.__all__))
    for name in engine.__all__:
        assert getattr(engine, name) is not None, name


def test_the_public_api_names_every_private_subpackage():
    """engine/__init__.py's docstring says what lives in each subpackage behind it (they are
    private: a reader learns the layout there), so a new one is documented as it lands."""
    documented = engine.__doc__ or ""
    folders = sorted(init.parent.name for init in ENGINE.glob("*/__init__.py"))
    missing = [name for name in folders if f"``{name}``" not in documented]
    assert not missing, f"not described in engine/__init__.py: {missing}"


def test_the_readme_says_what_lives_in_each_subpackage():
    """README's "How it works" has a line for every subpackage of the engine."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.partition("## How it works")[2].partition("\n## ")[0]
    folders = sorted(init.parent.name for init in ENGINE.glob("*/__init__.py"))
    missing = [name for name in folders if f"- `engine/{name}/`" not in section]
    assert not missing, f"README's How it works does not describe: {missing}"
