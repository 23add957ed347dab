"""The command line answers at once and finds its way around broken or new experiments.

* ``hypomag list``, ``hypomag run NAME --help``, bare ``hypomag``, ``--help`` and
  usage errors in commands, options, experiment and setting names read the
  experiments' catalogue (experiments/engine/catalog.py) and do not import
  Brian2: checked in a fresh subprocess, after one call has built the catalogue.
* ``run NAME --help`` lists each setting with unit, default, quick value,
  allowed values and meaning; ``channels`` and ``equations`` take class or suffix
  names in any case; ``equations`` prints Brian2 equations with their units.
* In scratch copies of the package (channels/, models/, experiments/; never the
  repository): a module with a syntax error is listed as broken with its error
  while every other experiment keeps working; an edited title is listed after
  the edit (the catalogue is rebuilt); the recipe's new experiment
  (docs/recipes.md) is listed at its declared ``order``, ``run all`` reaches it
  in that order, and the check declared in its module runs under
  ``hypomag validate --check``.

Every subprocess gets its own ``XDG_CACHE_HOME`` below the test's temporary
folder, so the user's cache is never touched.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from experiments import experiments, get_experiment
from experiments.cli import main
from experiments.engine.parameters import values_text

REPO = Path(__file__).resolve().parents[1]
RECIPES = REPO / "docs" / "recipes.md"


def call(*argv: str) -> tuple[int, str, str]:
    """Run ``hypomag ARGV`` in process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def python(code: str, root: Path, cache: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python with the package at ``root`` and its own cache folder."""
    env = {**os.environ, "PYTHONPATH": str(root), "XDG_CACHE_HOME": str(cache),
           "MPLBACKEND": "Agg"}
    env.pop("HYPOMAG_DEBUG", None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=timeout)


#: Runs each command line of ARGVS in process and prints, per command line, the exit
#: status, stdout, stderr, whether Brian2 is imported by then, and where the package is.
PROBE = """
import contextlib, io, json, sys
import experiments
from experiments.cli import main
results = []
for argv in ARGVS:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    results.append({"argv": argv, "status": status, "out": out.getvalue(),
                    "err": err.getvalue(), "brian2": "brian2" in sys.modules})
print(json.dumps({"package": experiments.__file__, "results": results}))
"""


def probe(root: Path, cache: Path, *argvs: list[str]) -> list[dict]:
    """Run the command lines ``argvs`` one after the other in one fresh subprocess."""
    result = python(PROBE.replace("ARGVS", json.dumps(list(argvs))), root, cache)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout.splitlines()[-1])
    assert Path(data["package"]).resolve().parent == (root / "experiments").resolve()
    return data["results"]


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory) -> Path:
    """A cache folder holding the catalogue of the repository (built by one ``list``)."""
    cache = tmp_path_factory.mktemp("cache")
    first = probe(REPO, cache, ["list"])[0]
    assert first["status"] == 0 and first["brian2"]  # the build imports the experiments
    assert list((cache / "hypomag").glob("catalog-*.json"))
    return cache


# -- no Brian2 ------------------------------------------------------------------------------

FAST = [["list"], ["run", "excitability", "--help"], ["run", "nmda_iv", "--help"],
        ["run", "--help"], ["run", "all", "--help"], [], ["--help"], ["run", "--help"],
        ["bogus"], ["list", "extra"], ["run"], ["run", "bogus"], ["run", "bogus", "--help"],
        ["run", "nmda_iv", "--set", "bogus=1"], ["run", "all", "--set", "bogus=1"],
        ["run", "nmda_iv", "--fast"], ["run", "nmda_iv", "--seed", "-1"],
        ["validate", "--bogus"], ["channels", "--bogus"]]


def test_fast_answers_do_not_import_brian2(warm_cache):
    """With the catalogue built, none of the FAST command lines imports Brian2, and each
    either succeeds or is a one-line usage error (exit 2)."""
    for result in probe(REPO, warm_cache, *FAST):
        assert not result["brian2"], f"{result['argv']} imported Brian2"
        if result["status"] == 0:
            assert result["err"] == "" and result["out"], result
        else:
            assert result["status"] == 2, result
            lines = result["err"].splitlines()
            assert len(lines) == 1 and lines[0].startswith("hypomag: error: "), result


def test_value_errors_still_parse_with_units(warm_cache):
    """A bad value (``--set mg_o=abc``) goes through the setting's parser (Brian2 units)
    and is reported as one line naming the setting, the value and what is allowed."""
    result = probe(REPO, warm_cache, ["run", "nmda_iv", "--set", "mg_o=abc"])[0]
    assert result["status"] == 2 and result["out"] == ""
    assert result["err"].startswith("hypomag: error: --set mg_o='abc'")
    assert "allowed: numbers in mM" in result["err"] and len(result["err"].splitlines()) == 1


# -- help and usage ----------------------------------------------------------------------------

def test_bare_hypomag_prints_usage():
    """Bare ``hypomag``: the usage with every command on stdout, one error line on stderr
    naming the commands, exit status 2."""
    status, stdout, stderr = call()
    assert status == 2
    assert stdout.startswith("usage: hypomag")
    for command in ("list", "channels", "equations", "run", "validate"):
        assert re.search(rf"^\s+{command}\s", stdout, re.M), command
    assert stderr.startswith("hypomag: error: no command given; allowed: list, channels")
    assert len(stderr.splitlines()) == 1


def setting_line(text: str, name: str) -> str:
    lines = [line for line in text.splitlines() if line.split()[:1] == [name]]
    assert len(lines) == 1, f"{name!r} not listed once in:\n{text}"
    return lines[0]


def test_run_help_lists_settings():
    """``run excitability --help``: a header (name, unit, default, quick, allowed,
    meaning) and a row per setting; mg_o with mM, its default and quick values, bounds
    and meaning; the shared options; exit 0."""
    status, stdout, stderr = call("run", "excitability", "--help")
    assert status == 0 and stderr == ""
    assert stdout.startswith("usage: hypomag run excitability")
    assert re.search(r"^\s+name\s+unit\s+default\s+quick\s+allowed\s+meaning$", stdout, re.M)
    mg_o = get_experiment("excitability").setting("mg_o")
    line = setting_line(stdout, "mg_o")
    assert re.search(r"\bmM\b", line) and "0 … 2 (11 values)" in line
    for text in (values_text(mg_o.default), values_text(mg_o.quick), ">= 0", "<= 1000",
                 mg_o.meaning):
        assert text in line, (text, line)
    for name in get_experiment("excitability").all_settings():
        setting_line(stdout, name)
    for option in ("--set NAME=VALUE", "--quick", "--out DIR", "--seed", "--workers"):
        assert option in stdout


def test_run_help_lists_channel_parameters():
    """``run nmda_iv --help`` also lists the NMDA channel's parameters, in their own table."""
    status, stdout, _ = call("run", "nmda_iv", "--help")
    assert status == 0
    assert "parameters of NMDA" in stdout
    assert re.search(r"^\s+g_NMDA\s+nS\s+0\.327\s+same\s", stdout, re.M)


def test_python_m_help_is_run_help(warm_cache, monkeypatch):
    """``python -m experiments.nmda_iv --help`` prints what ``hypomag run nmda_iv --help`` does."""
    monkeypatch.setenv("COLUMNS", "80")
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(warm_cache)}
    result = subprocess.run([sys.executable, "-m", "experiments.nmda_iv", "--help"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout == call("run", "nmda_iv", "--help")[1]


def test_unknown_names_are_usage_errors():
    """Unknown experiment or setting: one line naming it and what is allowed, exit 2."""
    status, stdout, stderr = call("run", "bogus", "--quick")
    assert status == 2 and stdout == ""
    assert "'bogus'" in stderr and "allowed: nmda_iv, romk_iv" in stderr
    status, _, stderr = call("run", "nmda_iv", "--set", "bogus=1")
    assert status == 2 and "bogus" in stderr and "allowed: mg_o, v" in stderr
    status, _, stderr = call("run", "nmda_iv", "--fast")
    assert status == 2 and "--fast" in stderr and "allowed options" in stderr and "--set" in stderr
    assert len(stderr.splitlines()) == 1


# -- channels and equations ----------------------------------------------------------------------

@pytest.mark.parametrize("name, shown", [("nmda", "NMDA (I_NMDA)"), ("Leak", "Leak (I_L)"),
                                         ("romk", "ROMK (I_ROMK)"), ("L", "Leak (I_L)"),
                                         ("mcurrent", "MCurrent (I_M)")])
def test_channels_any_case(name, shown):
    """``channels`` takes the class name or the suffix, in any case."""
    status, stdout, stderr = call("channels", name)
    assert status == 0 and stderr == ""
    assert stdout.startswith(shown) and stdout.count(" (I_") == 1


def test_channels_unknown_name():
    status, stdout, stderr = call("channels", "nosuch")
    assert status == 2 and stdout == ""
    assert stderr.startswith("hypomag: error: channels 'nosuch'") and len(stderr.splitlines()) == 1
    assert "Leak (L)" in stderr and "ROMK" in stderr


def test_equations_of_a_channel():
    """``equations ROMK`` (and ``romk``): the current with its unit, amp, the parameters and
    the environment the channel uses declared with theirs."""
    status, stdout, stderr = call("equations", "ROMK")
    assert status == 0 and stderr == ""
    assert re.search(r"^I_ROMK = .* : amp$", stdout, re.M)
    assert re.search(r"^Mg_i : mmolar \(constant\)$", stdout, re.M)
    assert re.search(r"^g_ROMK : siemens \(constant\)$", stdout, re.M)
    assert call("equations", "romk")[1] == stdout


def test_equations_of_a_model():
    """``equations PyramidalNeuron``: every equation of the model, the membrane equation
    with volt; the same for the lower-case name."""
    from models.neuron import PyramidalNeuron
    status, stdout, _ = call("equations", "PyramidalNeuron")
    assert status == 0
    assert re.search(r"^dv/dt = .* : volt$", stdout, re.M)
    shown = {re.sub(r"^d(\w+)/dt$", r"\1", line.split()[0]) for line in stdout.splitlines()}
    assert shown == set(PyramidalNeuron().equations().names)
    assert call("equations", "pyramidalneuron")[1] == stdout


def test_equations_unknown_name():
    status, stdout, stderr = call("equations", "nosuch")
    assert status == 2 and stdout == "" and len(stderr.splitlines()) == 1
    assert "'nosuch'" in stderr and "ROMK" in stderr and "PyramidalNeuron" in stderr


# -- scratch copies of the package ----------------------------------------------------------

def copy_package(root: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("channels", "models", "experiments"):
        shutil.copytree(REPO / package, root / package, ignore=ignore)
    return root


@pytest.fixture
def scratch(tmp_path) -> tuple[Path, Path]:
    """A copy of the package and an empty cache folder."""
    return copy_package(tmp_path / "student"), tmp_path / "cache"


BROKEN = """\
'''An experiment a student is still writing.'''
from .engine import Experiment


class Half(Experiment):
    name = "half"
    title = "Not finished"
    settings = (
"""


def test_broken_module_is_listed_and_the_others_work(scratch):
    """A syntax error in one experiment file: ``list`` exits 0, lists every other
    experiment and names the broken file with its error and line; ``run nmda_iv
    --help`` still works (without Brian2, the catalogue being built); ``run half``
    is a usage error naming the broken file."""
    root, cache = scratch
    (root / "experiments" / "half.py").write_text(BROKEN)
    with pytest.raises(SyntaxError) as error:
        compile(BROKEN, "half.py", "exec")
    listing, help_, run_half = probe(root, cache, ["list"], ["run", "nmda_iv", "--help"],
                                     ["run", "half"])
    assert listing["status"] == 0, listing["err"]
    lines = listing["out"].splitlines()
    assert [line.split()[0] for line in lines[:-1]] == list(experiments())
    assert lines[-1] == (f"broken: half.py: SyntaxError: {error.value.msg} "
                         f"(line {error.value.lineno})")
    assert help_["status"] == 0 and "mg_o" in help_["out"]
    assert run_half["status"] == 2
    assert "half.py is broken: SyntaxError" in run_half["err"]
    warm = probe(root, cache, ["run", "nmda_iv", "--help"])[0]
    assert warm["status"] == 0 and not warm["brian2"] and warm["out"] == help_["out"]


def test_catalogue_is_rebuilt_after_an_edit(scratch):
    """Editing an experiment's title (one source file) shows in the next ``list``."""
    root, cache = scratch
    before = probe(root, cache, ["list"])[0]
    assert re.search(r"^romk_iv\s+ROMK \(Kir1\.1\)", before["out"], re.M)
    assert not probe(root, cache, ["list"])[0]["brian2"]  # warm: read from the cache
    module = root / "experiments" / "romk_iv.py"
    text, count = re.subn(r'^(\s+title = )".*"$', r'\1"ROMK renamed by a student"',
                          module.read_text(), count=1, flags=re.M)
    assert count == 1
    module.write_text(text)
    after = probe(root, cache, ["list"])[0]
    assert after["brian2"]  # rebuilt
    assert re.search(r"^romk_iv\s+ROMK renamed by a student$", after["out"], re.M)


#: In the scratch copy with the recipe's files: ``list``, ``run all --quick`` with the
#: runner replaced by a recorder (nothing is simulated), then ``validate --check``.
RECIPE_PROBE = """
import contextlib, io, json, sys
import experiments.engine.run as run_module
from experiments.cli import main

ran = []


def recorder(target, out, **kwargs):  # a plan (or an experiment class) and the folder
    ran.append(getattr(target, "name", "") or target.experiment.name)
    return {}


run_module.run = recorder
result = {}
for key, argv in [("list", ["list"]), ("all", ["run", "all", "--quick", "--out", "OUT"]),
                  ("validate", ["validate", "--check", "kir21_iv_rectification",
                                "--out", "REPORT"])]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    result[key] = {"status": status, "out": out.getvalue(), "err": err.getvalue()}
result["ran"] = ran
print(json.dumps(result))
"""


def recipe_files() -> dict[str, str]:
    block = re.compile(r"```python (\S+)\n(.*?)```", re.S)
    return {m.group(1): m.group(2) for m in block.finditer(RECIPES.read_text())}


def test_recipe_experiment_joins_list_run_all_and_validate(tmp_path):
    """The recipe's kir21_iv (one new file, order 25): listed right after romk_iv,
    ``run all --quick`` runs it right after romk_iv and every experiment once, and
    the check declared in its module runs under ``validate --check`` and is reported."""
    root = copy_package(tmp_path / "student")
    files = recipe_files()
    for path in ("channels/kir21.py", "experiments/kir21_iv.py"):
        (root / path).write_text(files[path])
    assert "@check(" in files["experiments/kir21_iv.py"]
    report = tmp_path / "report"
    code = RECIPE_PROBE.replace('"OUT"', json.dumps(str(tmp_path / "out"))).replace(
        '"REPORT"', json.dumps(str(report)))
    result = python(code, root, tmp_path / "cache", timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout.splitlines()[-1])
    listed = [line.split()[0] for line in data["list"]["out"].splitlines()]
    assert listed[:3] == ["nmda_iv", "romk_iv", "kir21_iv"], listed
    assert data["all"]["status"] == 0, data["all"]["err"]
    assert data["ran"] == listed
    assert not (tmp_path / "out").exists()
    assert data["validate"]["status"] == 0, data["validate"]
    assert "1 passed, 0 failed, 0 skipped" in data["validate"]["out"]
    rows = [line for line in (report / "report.md").read_text().splitlines()
            if line.startswith("| kir21_iv_rectification |")]
    assert len(rows) == 1 and rows[0].endswith("| pass |")


def test_two_modules_declaring_one_name(scratch):
    """A copy of an experiment under a new file name but the same ``name``: the first
    module keeps the name, the second is listed as broken, and nothing is replaced."""
    root, cache = scratch
    source = (root / "experiments" / "romk_iv.py").read_text()
    (root / "experiments" / "zz_romk_copy.py").write_text(source.replace(
        'title = "ROMK', 'title = "COPY of ROMK'))
    listing = probe(root, cache, ["list"])[0]
    assert listing["status"] == 0, listing["err"]
    lines = listing["out"].splitlines()
    assert [line.split()[0] for line in lines[:-1]] == list(experiments())
    assert "COPY" not in listing["out"].split("broken:")[0]
    assert lines[-1] == ("broken: zz_romk_copy.py: declares experiment 'romk_iv', which "
                         "romk_iv.py already declares; rename one of them")
