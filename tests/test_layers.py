"""Imports flow one way: only views/ imports panel, holoviews, hvplot or bokeh, nothing imports
the CLI, and no module imports one above its layer, counting imports inside functions. Only the
runner (distviz/runner.py) starts a thread or a timer: views and the loop ask it. And no module
is so long that it holds several concepts."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "distviz"
# Lowest first; a module may import only from its own layer or those before it.
LAYERS = ["errors", "runner", "tasks", "data", "imputer", "models", "metrics", "stats", "sentences",
          "importance", "shift", "results", "loop", "synth", "output", "sweep", "advise",
          "preview", "views", "cli"]
GUI = {"panel", "holoviews", "hvplot", "bokeh"}


def _layer(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _imports(path: Path, module: str):
    """(imported distviz module or top-level package, line) for every import in ``path``."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import a, b
                    for alias in node.names:
                        yield f"{target}.{alias.name}", node.lineno
                    continue
                yield target, node.lineno
            else:
                yield node.module, node.lineno


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"
                 or p.parent != PACKAGE)


def _problems(path: Path, module: str) -> list[str]:
    own = _layer(module)
    assert own in LAYERS, f"{path.name}: add its layer to LAYERS"
    problems = []
    for target, line in _imports(path, module):
        top = target.split(".")[0]
        if (top in GUI and not target.startswith("bokeh.sampledata")  # data, not drawing
                and own != "views"):
            problems.append(f"line {line}: a GUI import outside views/: {target}")
        if top == "distviz" and target != "distviz":
            layer = _layer(target)
            if layer in LAYERS and LAYERS.index(layer) > LAYERS.index(own):
                problems.append(f"line {line}: {own} imports {target}, a higher layer")
    return problems


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_the_layers(path):
    problems = _problems(path, _module(path))
    assert not problems, problems


def test_the_layer_rule_catches_an_upward_and_a_gui_import(tmp_path):
    # The check itself can fail: a data module importing the CLI and panel is reported twice.
    probe = tmp_path / "probe.py"
    probe.write_text("from ..cli import main\nimport panel\n")
    problems = _problems(probe, "distviz.data.probe")
    assert any("higher layer" in p for p in problems)
    assert any("GUI import outside views/: panel" in p for p in problems)


THREAD_MAKERS = {"Thread", "Timer"}
RUNNER = PACKAGE / "runner.py"


def _threads_started(path: Path) -> list[str]:
    """Where ``path`` names threading.Thread or threading.Timer (or imports them)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Attribute) and node.attr in THREAD_MAKERS
                and isinstance(node.value, ast.Name) and node.value.id == "threading"):
            found.append(f"line {node.lineno}: threading.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "threading":
            found += [f"line {node.lineno}: from threading import {alias.name}"
                      for alias in node.names if alias.name in THREAD_MAKERS]
    return found


@pytest.mark.parametrize("path", [p for p in MODULES if p != RUNNER],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_runner_starts_threads(path):
    started = _threads_started(path)
    assert not started, f"{started}: ask distviz.runner.Runner instead"


def test_the_thread_rule_catches_a_view_starting_a_thread(tmp_path):
    probe = tmp_path / "probe_view.py"
    probe.write_text("import threading\nfrom threading import Timer\n"
                     "threading.Thread(target=print).start()\n")
    assert _threads_started(probe) == ["line 2: from threading import Timer",
                                       "line 3: threading.Thread"]
    assert _threads_started(RUNNER)  # the runner itself does start them


MAX_LINES, MAX_CLASS_LINES = 450, 350


def _too_long(paths, limit: int = MAX_LINES, class_limit: int = MAX_CLASS_LINES) -> list[str]:
    """Modules over ``limit`` lines and classes over ``class_limit``."""
    out = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(PACKAGE)
        if (n := len(text.splitlines())) > limit:
            out.append(f"{name}: {n} lines (at most {limit})")
        out += [f"{name}: class {node.name} has {size} lines (at most {class_limit})"
                for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ClassDef)
                and (size := node.end_lineno - node.lineno + 1) > class_limit]
    return out


def test_no_module_is_over_450_lines_nor_a_class_over_350():
    assert not _too_long(PACKAGE.rglob("*.py"))


def test_the_size_rule_catches_a_long_module():
    # The check itself can fail: a module over a (lowered) limit is reported with its length.
    module = PACKAGE / "stats" / "effects.py"
    assert _too_long([module], limit=10)[0].startswith("stats/effects.py: ")
    assert "class ScoreBoard has" in _too_long([module], class_limit=10)[-1]
    assert _too_long([module]) == []
