"""Numerical soundness: time-step convergence, determinism, and clean failure on divergence.

* Halving ``dt`` changes every reported measure by less than 2 % (quick
  settings). The clamp I-V experiments integrate only the block kinetics
  (``kinetic`` block) and otherwise evaluate closed forms, so they agree to
  rounding; the principal cell integrates to a steady state.
* The same seed gives the same bytes (CSV and SVG), run after run.
* A simulation that produces non-finite values stops with one line on stderr
  that names the condition, and no result table is written.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

from experiments import experiments
from experiments.cli import main
from experiments.validate import Context

RTOL = 0.02

#: experiment -> (settings for both runs, dt setting name, key columns, measure columns)
CASES = {
    "nmda_iv": (dict(mg_o=[0.0, 0.1, 1.0, 2.0], block="jahr_stevens,kinetic"), "dt",
                ("mg_o_mM", "v_mV", "block"), ("i_pA", "unblocked", "g_nS")),
    "romk_iv": (dict(mg_i=[0.0, 0.1, 1.0], k_o=[5.0, 40.0]), "dt",
                ("mg_i_mM", "k_o_mM", "v_mV"), ("i_pA", "unblocked", "e_k_mV")),
    "k_secretion": (dict(mg_i=[0.1, 1.0]), "cell_dt", ("mg_i_mM",),
                    ("j_k_pmol_min_mm", "j_na_pmol_min_mm", "v_apical_mV", "v_basolateral_mV",
                     "v_te_mV", "na_c_mM", "k_c_mM", "unblocked")),
}


def relative_change(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| / max(|a|, |b|), with a floor of 1e-6 of the column's scale."""
    floor = 1e-6 * max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)))


@pytest.mark.parametrize("name", [n for n in CASES if n in experiments()])
def test_halving_dt_changes_measures_by_less_than_2_percent(name, tmp_path):
    settings, dt_name, keys, measures = CASES[name]
    cls = experiments()[name]
    dt = cls.all_settings()[dt_name].values(True)[0]
    ctx = Context(quick=True, out=Path(tmp_path))
    coarse = ctx.experiment(name, **settings, **{dt_name: dt})["main"]
    fine = ctx.experiment(name, **settings, **{dt_name: dt / 2})["main"]
    assert len(coarse) == len(fine) > 0
    for key in keys:
        assert list(coarse[key]) == list(fine[key])
    for column in measures:
        change = relative_change(coarse[column], fine[column])
        assert change < RTOL, f"{name}.{column}: halving {dt_name} changes it by {100 * change:.3g} %"


def call(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def test_same_seed_same_bytes(tmp_path):
    """Two runs with the same seed write byte-identical tables and SVG figures."""
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        status, _, err = call(["run", "nmda_iv", "--quick", "--seed", "3", "--set",
                               "block=jahr_stevens,kinetic", "--set", "mg_o=0,1",
                               "--out", str(out)])
        assert status == 0, err
        outputs.append(out)
    for file in ("nmda_iv.csv", "nmda_iv.svg"):
        assert (outputs[0] / file).read_bytes() == (outputs[1] / file).read_bytes(), file


@pytest.mark.parametrize("name, setting, condition", [
    ("nmda_iv", "K_Mg_NMDA=0", "mg_o=0"),   # Mg/K_Mg = 0/0 at zero Mg
    ("romk_iv", "Kd0_ROMK=0", "mg_i=0"),    # Mg_i/Kd0 = 0/0 at zero Mg_i
])
def test_divergence_is_one_clear_line(name, setting, condition, tmp_path):
    """A non-finite result: exit 1, one stderr line naming the condition, no table written."""
    out = tmp_path / "out"
    status, _, err = call(["run", name, "--quick", "--set", setting, "--out", str(out)])
    assert status == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hypomag: error:")
    assert "non-finite" in lines[0] and condition in lines[0]
    assert "Traceback" not in err
    assert not (out / f"{name}.csv").exists()
