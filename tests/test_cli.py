"""The ``hypomag`` command: runs write what they claim, bad input fails cleanly.

Runs go through :func:`experiments.cli.main` in process (the same code path as the console
script) and, once each, through the installed ``hypomag`` script and
``python -m experiments.nmda_iv`` in a subprocess. Results are read back from the output
folder and compared with the channels' numpy functions (Jahr & Stevens 1990 block; ROMK
block of channels/romk.py), relative tolerance 1e-6 (the CSV keeps 10 digits).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from brian2 import mM, mV, pA

from channels import CHANNELS
from channels.constants import BODY_TEMPERATURE
from channels.nmda import NMDA, jahr_stevens_unblocked
from channels.romk import ROMK
from experiments import experiments
from experiments.cli import main
from experiments.engine.table import Table

REPO = Path(__file__).resolve().parents[1]


def call(*argv: str) -> tuple[int, str, str]:
    """Run ``hypomag ARGV`` in process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict:
    """Every file below ``folder`` with its bytes and modification time (None if absent)."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None,
                                          p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def nmda_run(tmp_path_factory):
    """``hypomag run nmda_iv --quick --seed 7 --out DIR`` once for the module."""
    out = tmp_path_factory.mktemp("nmda") / "results"
    status, stdout, stderr = call("run", "nmda_iv", "--quick", "--seed", "7", "--out", str(out))
    assert status == 0, stderr
    assert "nmda_iv: wrote" in stdout
    return out


@pytest.fixture(scope="module")
def romk_run(tmp_path_factory):
    """``hypomag run romk_iv --quick --out DIR`` once for the module."""
    out = tmp_path_factory.mktemp("romk") / "results"
    status, _, stderr = call("run", "romk_iv", "--quick", "--out", str(out))
    assert status == 0, stderr
    return out


# -- listing --------------------------------------------------------------------------------

def test_list():
    """``hypomag list`` names every registered experiment with its title, in declared order."""
    status, stdout, stderr = call("list")
    assert status == 0 and stderr == ""
    lines = stdout.splitlines()
    registered = experiments()
    assert len(lines) == len(registered)
    for line, (name, cls) in zip(lines, registered.items()):
        assert line.split()[0] == name and cls.title in line
    assert [line.split()[0] for line in lines[:2]] == ["nmda_iv", "romk_iv"]


def test_channels():
    """``hypomag channels`` prints every registered channel with its current, reference and
    every parameter; ``hypomag channels NAME`` one; an unknown name is a usage error."""
    status, stdout, _ = call("channels")
    assert status == 0
    for name, cls in CHANNELS.items():
        assert f"{cls.__name__} (I_{name}): {cls.reference}" in stdout
        for p in cls.parameters:
            assert f"  {p.name} " in stdout and p.meaning in stdout
    status, stdout, _ = call("channels", "ROMK")
    assert status == 0 and "I_ROMK" in stdout and "I_NMDA" not in stdout
    assert "Kd0_ROMK" in stdout and "[uncertain]" in stdout
    status, stdout, stderr = call("channels", "NOPE")
    assert status == 2 and stdout == ""
    assert stderr.startswith("hypomag: error:") and "'NOPE'" in stderr
    assert len(stderr.splitlines()) == 1


# -- running -------------------------------------------------------------------------------

def test_nmda_iv_csv(nmda_run):
    """nmda_iv CSV: columns mg_o_mM, v_mV, i_pA, unblocked; the quick grid (5 Mg x 29 V);
    unblocked equals Jahr & Stevens 1990 and i = g B (V - 0 mV) (relative 1e-6)."""
    table = Table.read_csv(nmda_run / "nmda_iv.csv")
    for column in ("mg_o_mM", "v_mV", "i_pA", "unblocked"):
        assert column in table.columns
    assert table.columns[:2] == ["mg_o_mM", "v_mV"]
    assert sorted(table.unique("mg_o_mM")) == [0.0, 0.1, 0.5, 1.0, 2.0]
    assert len(table) == 5 * 29
    mg, v = table["mg_o_mM"], table["v_mV"]
    b = jahr_stevens_unblocked(v, mg)
    np.testing.assert_allclose(table["unblocked"], b, rtol=1e-6)
    g_pS = float(NMDA.parameter("g_NMDA").value / 1e-12)
    np.testing.assert_allclose(table["i_pA"], g_pS * b * v * 1e-3, rtol=1e-6, atol=1e-9)


def test_nmda_iv_record_and_figures(nmda_run):
    """The JSON record has settings with units, the command, seed, versions, git commit and
    wall time; PNG and SVG exist and are images."""
    record = json.loads((nmda_run / "nmda_iv.json").read_text())
    assert record["experiment"] == "nmda_iv"
    assert record["command"].startswith("hypomag run nmda_iv --quick --seed 7 --out")
    assert record["seed"] == 7 and record["quick"] is True
    settings = record["settings"]
    assert settings["mg_o"]["unit"] == "mM" and settings["mg_o"]["values"] == [0, 0.1, 0.5, 1, 2]
    assert settings["v"]["unit"] == "mV" and len(settings["v"]["values"]) == 29
    assert settings["g_NMDA"]["unit"] == "nS" and settings["g_NMDA"]["values"] == [0.327]
    for s in settings.values():
        assert s["meaning"] and s["source"] and "unit" in s
    for package in ("python", "brian2", "numpy", "hypomag"):
        assert record["versions"][package]
    assert isinstance(record["git_commit"], str) and record["git_commit"]
    assert isinstance(record["wall_time_s"], float) and record["wall_time_s"] > 0
    assert record["conditions"] == 145
    assert (nmda_run / "nmda_iv.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (nmda_run / "nmda_iv.svg").read_bytes()[:1000]
    assert not any(p.name.startswith(".partial") for p in nmda_run.iterdir())
    assert set(record["files"]) == {p.name for p in nmda_run.iterdir()}


def test_romk_iv_csv(romk_run):
    """romk_iv CSV: columns mg_i_mM, k_o_mM, v_mV, i_pA, unblocked; values equal the ROMK
    numpy current (relative 1e-6); JSON, PNG and SVG written."""
    table = Table.read_csv(romk_run / "romk_iv.csv")
    for column in ("mg_i_mM", "k_o_mM", "v_mV", "i_pA", "unblocked"):
        assert column in table.columns
    assert len(table) == 5 * 33
    expected = ROMK().current(v=table["v_mV"] * mV, Mg_i=table["mg_i_mM"] * mM,
                              K_o=table["k_o_mM"] * mM, K_i=table["k_i_mM"] * mM,
                              T=BODY_TEMPERATURE) / pA
    np.testing.assert_allclose(table["i_pA"], expected, rtol=1e-6, atol=1e-9)
    record = json.loads((romk_run / "romk_iv.json").read_text())
    assert record["settings"]["k_o"]["unit"] == "mM" and record["seed"] == 1
    assert (romk_run / "romk_iv.png").stat().st_size > 0
    assert (romk_run / "romk_iv.svg").stat().st_size > 0


def _corrupt_truncated(path):
    path.write_text("\n".join(path.read_text().splitlines()[:-3]) + "\n")


def _corrupt_extra_field(path):
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:2] + [lines[2] + ",7"] + lines[3:]) + "\n")


@pytest.mark.parametrize("corrupt", [
    _corrupt_truncated, _corrupt_extra_field,
    lambda path: path.write_text(""),
    lambda path: path.write_bytes(bytes(range(256))),
    lambda path: path.write_text(path.read_text().replace("i_pA", "current")),
    lambda path: path.write_text(path.read_text().replace(",", ",x", 1)),
    lambda path: path.unlink(),
], ids=["truncated", "extra field", "empty", "binary", "missing column", "text in numbers",
        "deleted"])
def test_replot_of_a_damaged_table_is_refused(nmda_run, tmp_path, corrupt):
    """A damaged saved table: one line naming the file, exit 2, the figure untouched."""
    folder = tmp_path / "damaged"
    shutil.copytree(nmda_run, folder)
    figure = (folder / "nmda_iv.png").read_bytes()
    corrupt(folder / "nmda_iv.csv")
    status, _, stderr = call("run", "nmda_iv", "--replot", "--out", str(folder))
    assert status == 2 and len(stderr.splitlines()) == 1, stderr
    assert "nmda_iv.csv" in stderr and "--replot" in stderr
    assert (folder / "nmda_iv.png").read_bytes() == figure


def test_replot_of_another_experiments_table_is_refused(nmda_run, tmp_path):
    folder = tmp_path / "swapped"
    shutil.copytree(nmda_run, folder)
    (folder / "nmda_iv.csv").write_text("mg_i_mM,k_o_mM,v_mV,i_pA\n0.5,10,-80,-1.2\n")
    status, _, stderr = call("run", "nmda_iv", "--replot", "--out", str(folder))
    assert status == 2 and "differs from what the run wrote" in stderr


def test_replot_does_not_simulate(nmda_run, tmp_path, monkeypatch):
    """``--replot`` redraws PNG and SVG from the saved CSV and its record alone: with the
    simulation disabled it still succeeds and writes no new record; without a saved table
    it is a usage error."""
    folder = tmp_path / "replot"
    folder.mkdir()
    shutil.copy(nmda_run / "nmda_iv.csv", folder)
    shutil.copy(nmda_run / "nmda_iv.json", folder)

    def no_simulation(*args, **kwargs):
        raise AssertionError("--replot simulated")
    import experiments.engine.backends
    import experiments.engine.run
    monkeypatch.setattr(experiments.engine.backends, "run_batch", no_simulation)
    monkeypatch.setattr(experiments.engine.run, "execute", no_simulation)
    status, stdout, stderr = call("run", "nmda_iv", "--replot", "--out", str(folder))
    assert status == 0, stderr
    assert sorted(p.name for p in folder.iterdir()) == ["nmda_iv.csv", "nmda_iv.json",
                                                        "nmda_iv.png", "nmda_iv.svg"]
    assert (folder / "nmda_iv.json").read_bytes() == (nmda_run / "nmda_iv.json").read_bytes()
    assert "redrew" in stdout
    empty = tmp_path / "empty"
    status, _, stderr = call("run", "nmda_iv", "--replot", "--out", str(empty))
    assert status == 2 and "--replot" in stderr and not empty.exists()


@pytest.fixture
def no_figures(monkeypatch):
    """Skip rendering PNG/SVG (about 1 s each) in tests about settings, not figures."""
    import experiments.engine.run
    monkeypatch.setattr(experiments.engine.run, "save_figure", lambda fig, stem: [])


def test_config_file_and_flags_win(tmp_path, no_figures):
    """A TOML config sets quick, seed and parameters; --set and --seed flags win over it."""
    config = tmp_path / "run.toml"
    config.write_text('quick = true\nseed = 3\n\n[set]\nmg_o = [0.5, 1]\nv = "-80:-40:3"\n')
    out = tmp_path / "out"
    status, _, stderr = call("run", "nmda_iv", "--config", str(config), "--set", "mg_o=2",
                             "--seed", "9", "--out", str(out))
    assert status == 0, stderr
    table = Table.read_csv(out / "nmda_iv.csv")
    assert table.unique("mg_o_mM") == [2.0]
    assert table["v_mV"].tolist() == [-80.0, -60.0, -40.0]
    record = json.loads((out / "nmda_iv.json").read_text())
    assert record["seed"] == 9 and record["quick"] is True
    assert record["settings"]["mg_o"]["values"] == [2.0]


def test_set_list_range_and_units(tmp_path, no_figures):
    """``--set`` takes a list with units (100uM, 1mM) and a range (-80:-40:5): 2 x 5 rows.
    The recorded command is shell-quoted: splitting it gives back the arguments."""
    out = tmp_path / "out"
    argv = ["run", "nmda_iv", "--set", "mg_o=100uM, 1mM", "--set", "v=-80:-40:5", "--set",
            "block=woodhull", "--out", str(out)]
    status, _, stderr = call(*argv)
    assert status == 0, stderr
    record = json.loads((out / "nmda_iv.json").read_text())
    assert shlex.split(record["command"]) == ["hypomag", *argv]
    table = Table.read_csv(out / "nmda_iv.csv")
    assert table.unique("mg_o_mM") == [0.1, 1.0]
    assert table.unique("v_mV") == [-80.0, -70.0, -60.0, -50.0, -40.0]
    assert table.unique("block") == ["woodhull"]
    np.testing.assert_allclose(table["unblocked"], jahr_stevens_unblocked(
        table["v_mV"], table["mg_o_mM"]), rtol=1e-6)  # Woodhull mapped onto Jahr-Stevens


# -- bad input -------------------------------------------------------------------------------

BAD_INPUTS = {
    "negative concentration": (["run", "nmda_iv", "--set", "mg_o=-1"], ["mg_o", "-1"]),
    "NaN concentration": (["run", "nmda_iv", "--set", "mg_o=nan"], ["mg_o", "nan"]),
    "non-numeric concentration": (["run", "nmda_iv", "--set", "mg_o=lots"], ["mg_o", "lots"]),
    "one bad item in a list": (["run", "romk_iv", "--set", "mg_i=0.1,x"], ["mg_i", "x"]),
    "zero external K": (["run", "romk_iv", "--set", "k_o=0"], ["k_o", "0"]),
    "unknown parameter": (["run", "nmda_iv", "--set", "mg_x=1"], ["mg_x", "1"]),
    "unknown parameter, all": (["run", "all", "--set", "mg_x=1"], ["mg_x", "1"]),
    "missing =": (["run", "nmda_iv", "--set", "mg_o"], ["mg_o", "NAME=VALUE"]),
    "unknown experiment": (["run", "nmda_ivv"], ["nmda_ivv"]),
    "wrong unit": (["run", "nmda_iv", "--set", "mg_o=5mV"], ["mg_o", "5mV"]),
    "bad choice": (["run", "nmda_iv", "--set", "block=ohmic"], ["block", "ohmic"]),
    "bad range": (["run", "nmda_iv", "--set", "v=-80:-40"], ["v", "-80:-40"]),
    "negative seed": (["run", "nmda_iv", "--seed", "-1"], ["--seed", "-1"]),
    "non-numeric seed": (["run", "nmda_iv", "--seed", "one"], ["--seed", "one"]),
    "unknown option": (["run", "nmda_iv", "--fast"], ["--fast"]),
    "malformed TOML": (["run", "nmda_iv", "--config", "{dir}/bad.toml"], ["--config", "bad.toml"]),
    "missing config": (["run", "nmda_iv", "--config", "{dir}/none.toml"],
                       ["--config", "none.toml"]),
    "unknown config key": (["run", "nmda_iv", "--config", "{dir}/key.toml"], ["sed"]),
    "bad value in config": (["run", "nmda_iv", "--config", "{dir}/value.toml"], ["mg_o", "-2"]),
    "non-boolean quick in config": (["run", "nmda_iv", "--config", "{dir}/quick.toml"],
                                    ["quick", "yes"]),
}
CONFIGS = {"bad.toml": "quick = \n[set\n", "key.toml": "sed = 3\n",
           "value.toml": "[set]\nmg_o = [0.5, -2]\n", "quick.toml": 'quick = "yes"\n'}


@pytest.fixture
def config_dir(tmp_path):
    folder = tmp_path / "configs"
    folder.mkdir()
    for name, text in CONFIGS.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
@pytest.mark.parametrize("existing", [False, True], ids=["new-out", "existing-out"])
def test_bad_input(case, existing, config_dir, tmp_path):
    """Exit status 2, exactly one line 'hypomag: error: ...' on stderr naming the parameter and
    the value, nothing on stdout, no traceback; the out folder is not created, or an
    existing one is left exactly as it was."""
    argv, names = BAD_INPUTS[case]
    argv = [a.format(dir=config_dir) for a in argv]
    out = tmp_path / "out"
    if existing:
        (out / "sub").mkdir(parents=True)
        (out / "nmda_iv.csv").write_text("keep me\n")
        (out / "sub" / "x.txt").write_text("and me\n")
    before = snapshot(out)
    status, stdout, stderr = call(*argv, "--out", str(out))
    assert status == 2
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("hypomag: error: ")
    assert "Traceback" not in stderr
    for name in names:
        assert name in lines[0], f"{name!r} not named in {lines[0]!r}"
    assert snapshot(out) == before


# -- real processes ----------------------------------------------------------------------------

def _env(tmp_path: Path) -> dict:
    """The environment of a subprocess: this checkout first, its own cache folder (so the
    user's cache is never touched)."""
    env = dict(os.environ)
    env.pop("HYPOMAG_DEBUG", None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return env


def test_python_m_experiment(tmp_path):
    """``python -m experiments.nmda_iv`` runs the experiment like ``hypomag run nmda_iv``."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "experiments.nmda_iv", "--set", "mg_o=0,1", "--set",
         "v=-60:0:4", "--out", str(out)], cwd=tmp_path, env=_env(tmp_path), capture_output=True,
        text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    table = Table.read_csv(out / "nmda_iv.csv")
    assert len(table) == 8 and table.unique("mg_o_mM") == [0.0, 1.0]
    np.testing.assert_allclose(table["unblocked"],
                               jahr_stevens_unblocked(table["v_mV"], table["mg_o_mM"]), rtol=1e-6)
    record = json.loads((out / "nmda_iv.json").read_text())
    assert record["command"].startswith("python -m experiments.nmda_iv --set mg_o=0,1")
    assert (out / "nmda_iv.png").exists() and (out / "nmda_iv.svg").exists()


def test_hypomag_script_bad_input(tmp_path):
    """The installed ``hypomag`` script: a negative concentration exits 2 with exactly one
    stderr line (no traceback, no library noise) and creates nothing."""
    script = Path(sys.executable).with_name("hypomag")
    command = [str(script)] if script.exists() else [shutil.which("hypomag") or "hypomag"]
    out = tmp_path / "out"
    result = subprocess.run(command + ["run", "nmda_iv", "--set", "mg_o=-0.5", "--out", str(out)],
                            cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hypomag: error: --set mg_o='-0.5'")
    assert not out.exists()
