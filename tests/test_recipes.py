"""The student recipes of docs/recipes.md work as written; docs/parameters.md is current.

The code blocks of docs/recipes.md marked with a file path (```python
channels/kir21.py) are written, as a new user would, into a scratch copy of
the package (channels/, models/, experiments/ and the conformance suite), never
into the repository itself, so concurrent test runs see nothing. Then, in
subprocesses using the copy:

* the new channel passes the whole conformance suite
  (tests/test_channel_conformance.py) and the recipe's own physics test;
* ``hypomag channels Kir21`` prints its parameter table;
* the new experiment is listed by ``hypomag list``, ``hypomag run kir21_iv
  --help`` lists its settings, it runs with ``--quick``, writing its CSV with
  the documented columns, and the check declared in its module is registered
  for ``hypomag validate`` (tests/test_cli_fast.py runs it with ``--check``).

All of that runs as one pytest subprocess in the scratch copy (one import of
Brian2), so the recipes cost about ten seconds.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RECIPES = REPO / "docs" / "recipes.md"
BLOCK = re.compile(r"```python (\S+)\n(.*?)```", re.S)


def recipe_files() -> dict[str, str]:
    return {m.group(1): m.group(2) for m in BLOCK.finditer(RECIPES.read_text())}


def test_recipes_name_their_files():
    files = recipe_files()
    assert set(files) == {"channels/kir21.py", "tests/test_kir21.py", "experiments/kir21_iv.py"}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A copy of the package with the recipe files added."""
    root = tmp_path_factory.mktemp("student")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("channels", "models", "experiments"):
        shutil.copytree(REPO / package, root / package, ignore=ignore)
    (root / "tests").mkdir()
    for name in ("conftest.py", "test_channel_conformance.py"):
        shutil.copy(REPO / "tests" / name, root / "tests" / name)
    for path, text in recipe_files().items():
        target = root / path
        assert not target.exists(), f"the recipe would overwrite {path}"
        target.write_text(text)
    return root


def run_in(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root), "CI": "1", "MPLBACKEND": "Agg",
           "XDG_CACHE_HOME": str(root / ".cache")}  # never the user's cache
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=timeout)


STUDENT_CLI_TEST = '''
"""What a new user types after following the recipes (written by tests/test_recipes.py)."""
import contextlib
import io
import re

from experiments.cli import main


def call(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(list(argv))
    return status, out.getvalue()


def test_channels_lists_kir21():
    status, text = call("channels", "Kir21")
    assert status == 0 and "Kir21 (I_Kir21)" in text and "Kd0_Kir21" in text


def test_list_shows_kir21_iv():
    status, text = call("list")
    assert status == 0 and re.search(r"^kir21_iv\\s+Kir2\\.1", text, re.M)


def test_run_help_lists_kir21_iv_settings():
    status, text = call("run", "kir21_iv", "--help")
    assert status == 0 and text.startswith("usage: hypomag run kir21_iv")
    assert re.search(r"^\\s+mg_i\\s+mM\\s+0, 0\\.1, 0\\.5, 1\\s+0, 1\\s", text, re.M)
    assert "parameters of Kir21" in text and "Kd0_Kir21" in text


def test_kir21_iv_declares_its_check():
    from experiments import experiments
    from experiments.validation import CHECKS
    assert "kir21_iv" in experiments()  # importing the experiments registers their checks
    assert CHECKS["kir21_iv_rectification"].requires == ("kir21_iv",)


def test_kir21_iv_runs_quick(tmp_path):
    status, text = call("run", "kir21_iv", "--quick", "--out", str(tmp_path))
    assert status == 0
    lines = (tmp_path / "kir21_iv.csv").read_text().splitlines()
    assert lines[0].split(",")[:4] == ["mg_i_mM", "k_o_mM", "k_i_mM", "v_mV"]
    assert "i_pA" in lines[0] and "unblocked" in lines[0]
    assert len(lines) == 1 + 2 * 13  # quick: two Mg_i values x 13 voltages
    assert (tmp_path / "kir21_iv.png").is_file()
'''


def test_recipes_pass_conformance_and_reach_the_cli(scratch):
    """In the scratch copy: the Kir2.1 channel passes the whole conformance suite and its own
    physics test; ``channels Kir21`` shows it; ``list`` lists kir21_iv; ``run kir21_iv
    --help`` lists its settings; its declared check is registered; ``run kir21_iv
    --quick`` writes its table and figure (one pytest subprocess for all of it)."""
    (scratch / "tests" / "test_student_cli.py").write_text(STUDENT_CLI_TEST)
    result = run_in(scratch, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "tests/test_channel_conformance.py", "tests/test_kir21.py",
                    "tests/test_student_cli.py", "-k", "Kir21 or kir21 or registry or student")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) >= 11, result.stdout[-500:]


def test_parameters_doc_is_current():
    """docs/parameters.md equals the generator's output (regenerate with
    ``hypomag channels --markdown > docs/parameters.md``)."""
    from experiments.cli import parameters_document as parameters_markdown
    assert (REPO / "docs" / "parameters.md").read_text() == parameters_markdown(), (
        "docs/parameters.md is out of date: hypomag channels --markdown > docs/parameters.md")


def test_documented_commands_are_valid(monkeypatch, tmp_path):
    """Every ``$ hypomag run ...`` line of docs/tutorial.md and docs/recipes.md is accepted
    by the command line (settings, units, lists; nothing is simulated)."""
    import contextlib
    import io
    import shlex

    import experiments.engine.run as run_module
    from experiments.cli import main
    calls = []
    monkeypatch.setattr(run_module, "run", lambda name, out, **kwargs: calls.append(name) or {})
    monkeypatch.setattr(run_module, "replot", lambda name, out: calls.append(name) or [])
    text = (REPO / "docs" / "tutorial.md").read_text() + RECIPES.read_text()
    lines = re.findall(r"^\$ (hypomag run [^#\n]*)", text, re.M)
    assert len(lines) >= 10
    for line in lines:
        argv = shlex.split(line)[1:]
        if argv[1] == "kir21_iv":  # exists only after the recipe; run in the scratch copy
            continue
        argv = [a if a != "results" and not a.startswith("results/") else str(tmp_path / a)
                for a in argv]
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main(argv)
        assert status == 0, f"{line}: {err.getvalue()}"
