"""The Python API: ``experiments.simulate`` returns the tables the CSV files hold.

The sweep is a small ``nmda_iv`` (2 Mg values x 5 voltages, 2 ms clamps), whose
compiled code the other tests share. Expected values are the command line's
own output of the same run: the same rows, byte for byte.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from brian2 import mM, ms, mV

from experiments import simulate
from experiments.cli import main
from experiments.engine.settings import UsageError
from experiments.engine.table import Table

SETTINGS = {"mg_o": "0.1,1", "v": "-80:0:5", "settle": "2"}


@pytest.fixture
def quiet_tmp(tmp_path, monkeypatch):
    """A working folder and a temporary-file folder, both empty at the start."""
    work, scratch = tmp_path / "work", tmp_path / "scratch"
    work.mkdir()
    scratch.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return work, scratch


def test_simulate_equals_the_csv_and_writes_nothing(tmp_path, quiet_tmp):
    """Same rows as ``hypomag run`` of the same settings; nothing left on disk."""
    work, scratch = quiet_tmp
    tables = simulate("nmda_iv", quick=True, seed=1, **SETTINGS)
    assert list(work.iterdir()) == [] and list(scratch.iterdir()) == []
    out = tmp_path / "cli"
    argv = ["run", "nmda_iv", "--quick", "--out", str(out), "--no-show"]
    for name, value in SETTINGS.items():
        argv += ["--set", f"{name}={value}"]
    assert main(argv) == 0
    assert tables["main"].to_csv_text() == (out / "nmda_iv.csv").read_text()
    table = tables["main"]
    assert isinstance(table, Table) and len(table) == 10
    assert {"mg_o_mM", "v_mV", "i_pA", "unblocked"} <= set(table.columns)
    assert np.all(np.isfinite(table["i_pA"]))


def test_simulate_takes_quantities_and_writes_with_out(tmp_path, quiet_tmp):
    """Brian2 quantities are accepted like text; ``out=`` writes what the CLI writes."""
    from_text = simulate("nmda_iv", quick=True, **SETTINGS)
    from_quantities = simulate("nmda_iv", quick=True, mg_o=[0.1, 1.0] * mM,
                               v=np.linspace(-80, 0, 5) * mV, settle=2 * ms)
    assert from_quantities["main"].to_csv_text() == from_text["main"].to_csv_text()
    out = tmp_path / "written"
    written = simulate("nmda_iv", quick=True, out=out, **SETTINGS)
    assert sorted(p.name for p in out.iterdir()) == ["nmda_iv.csv", "nmda_iv.json",
                                                      "nmda_iv.png", "nmda_iv.svg"]
    assert written["main"].to_csv_text() == (out / "nmda_iv.csv").read_text()


@pytest.mark.parametrize("settings, words", [
    ({"mg_o": -1}, ("mg_o", "out of range")),
    ({"mg_o": 5 * mV}, ("mg_o", "does not measure the same")),
    ({"nope": 1}, ("nope", "unknown parameter")),
    ({"block": "plug"}, ("block", "not allowed")),
])
def test_simulate_raises_the_command_line_errors(settings, words, quiet_tmp):
    """Bad values raise UsageError with the one-line message ``--set`` gives."""
    with pytest.raises(UsageError) as info:
        simulate("nmda_iv", quick=True, **settings)
    message = str(info.value)
    assert "\n" not in message and all(w in message for w in words)
    work, scratch = quiet_tmp
    assert list(work.iterdir()) == [] and list(scratch.iterdir()) == []


def test_unknown_experiment_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown experiment 'nosuch'"):
        simulate("nosuch")


def test_simulate_result_is_the_readme_example(quiet_tmp):
    """The README's notebook example runs as printed (small sweep, numbers in bands)."""
    tables = simulate("nmda_iv", mg_o=[0.1, 1.0], v=[-70.0], settle=2.0)
    table = tables["main"]
    low, high = (table.where(mg_o_mM=m)["unblocked"][0] for m in (0.1, 1.0))
    # Jahr & Stevens 1990 at -70 mV: B = 0.318 at 0.1 mM, 0.0445 at 1 mM (docs/reference.md §1)
    assert low == pytest.approx(0.3176, abs=2e-3) and high == pytest.approx(0.0445, abs=1e-3)
    work, scratch = quiet_tmp
    assert list(work.iterdir()) == [] and list(scratch.iterdir()) == []


def test_readme_example_runs_as_printed(tmp_path, monkeypatch):
    """The Python block of the README's "From Python" section, executed as a user would."""
    import contextlib
    import io
    import re
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## From Python"):readme.index("## How it is built")]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    # Jahr & Stevens 1990 at -70 mV (docs/reference.md §1): B = 0.3176 at 0.1 mM, 0.0445 at 1 mM
    found = {float(k): float(v) for k, v in
             re.findall(r"Mg_o ([\d.]+) mM: unblocked fraction ([\d.]+)", printed.getvalue())}
    assert found[0.1] == pytest.approx(0.3176, abs=2e-3) and found[1.0] == pytest.approx(0.0445, abs=1e-3)
    assert (tmp_path / "results" / "k_secretion.csv").is_file()


@pytest.mark.parametrize("options, words", [
    ({"seed": -1}, "seed=-1"), ({"seed": 1.5}, "seed=1.5"), ({"quick": "yes"}, "quick='yes'"),
    ({"workers": 0}, "workers=0"), ({"batch_size": 0}, "batch_size=0"),
])
def test_simulate_checks_its_options_like_the_command_line(options, words, quiet_tmp):
    """The run's own options are refused before anything runs, as ``--seed`` etc. are."""
    with pytest.raises(UsageError, match=re.escape(words)):
        simulate("nmda_iv", **{"quick": True, **options})
