"""The rooms of the house keep to their jobs, read from the code's own imports.

* ``channels/`` knows no cell: it imports nothing from ``models`` or ``experiments``;
* ``models/`` knows no protocol or sweep: nothing from ``experiments``;
* ``experiments/engine/`` knows no experiment: it imports nothing of ``experiments``
  outside the engine wing (no experiment module, not the registry in
  ``experiments/__init__.py``, not the validation wing, not the command line);
* no module anywhere is over 600 lines.

Every ``import`` and ``from ... import`` statement is read with :mod:`ast`, those
inside functions included, so a lazy import breaks the rule as much as a top-level one.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def imported_modules(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path`` (or in ``source``, read as
    if it were that file)."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    found = []
    text = path.read_text() if source is None else source
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            if not node.module:  # ``from . import x``: x may be a module
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def violations(room: str, allowed) -> list[str]:
    out = []
    for path in sorted((REPO / room).rglob("*.py")):
        for line, module in imported_modules(path):
            if not allowed(module):
                out.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    return out


def test_channels_know_no_cell():
    assert violations("channels", lambda m: m.split(".")[0] not in ("models", "experiments")) == []


def test_models_know_no_protocol_or_sweep():
    assert violations("models", lambda m: m.split(".")[0] != "experiments") == []


def test_engine_imports_no_experiment():
    def inside_engine(module: str) -> bool:
        return module.split(".")[0] != "experiments" or module.startswith("experiments.engine")
    assert violations("experiments/engine", inside_engine) == []


def test_the_import_reader_sees_what_it_must():
    """The reader itself: relative, lazy and ``from . import`` forms all resolve."""
    source = ("def f():\n    from .. import nmda_iv\n    from ..cli import main\n"
              "import experiments.validation\nfrom .plan import Plan\n")
    modules = {m for _, m in imported_modules(REPO / "experiments" / "engine" / "x.py", source)}
    assert {"experiments.nmda_iv", "experiments.cli", "experiments.validation",
            "experiments.engine.plan"} <= modules


@pytest.mark.parametrize("room", ["channels", "models", "experiments"])
def test_no_module_over_600_lines(room):
    big = [f"{p.relative_to(REPO)} ({n} lines)" for p in sorted((REPO / room).rglob("*.py"))
           if (n := len(p.read_text().splitlines())) > 600]
    assert big == []
