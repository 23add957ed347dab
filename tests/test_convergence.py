"""Numerical soundness: time-step convergence, determinism, and clean failure on divergence.

* Halving every time step of an experiment changes every reported measure by
  less than 2 % (quick settings; some cases use fewer conditions or shorter
  protocols to keep the suite short, the same in both runs):

  - ``nmda_iv``, ``romk_iv``: only the ``kinetic`` block is integrated, the
    rest are closed forms, so they agree to rounding;
  - ``k_secretion``: the steady states are solved by Newton to a relative
    residual below 1e-9; the step is the slab length of the collecting duct
    (``slab_length``: twice as many well-mixed slabs along the flow);
  - ``hypokalemia``: the body model (RK4, ``body_dt``) and the collecting-duct
    slabs of its renal table (``slab_length``), over 7 days (treatment from day 2,
    Mg loading through day 7: every fast and slow phase of the time course);
  - ``sensitivity``: the same two steps, every headline result of every variant;
  - ``excitability`` (exponential Euler at 0.0125 ms): EPSP amplitude,
    half-width and area, and the synaptic threshold (a continuous volley size
    found to 0.01 inputs) per condition. The firing rate is a spike count:
    halving dt moves single spikes that sit near threshold in or out of a
    condition's count (one spike is 1-30 % of a count of 3-60), so the rate is
    compared pooled over all conditions (the total count), where a systematic
    error of the integration would show;
  - ``hypomagnesemia``: the same neuron measures per cause (its rate comes
    from excitability's runner, checked there), K secretion, plasma K and
    cytoplasmic Mg, with ``dt`` and ``slab_length`` halved;
  - ``seizure``: see ``tests/test_seizure_convergence.py``.
* The same seed gives the same bytes (CSV and SVG), run after run.
* A simulation that produces non-finite values stops with one line on stderr
  that names the condition, and no result table is written.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from experiments import experiments
from experiments.cli import main
from experiments.validation import Context

RTOL = 0.02


@dataclass(frozen=True)
class Case:
    """One experiment's convergence check.

    ``settings`` apply to both runs; every setting in ``steps`` is halved in
    the second run; rows are matched on ``keys``; ``measures`` are compared
    row by row and ``pooled`` by their sum over all rows.
    """

    settings: dict
    steps: tuple[str, ...]
    keys: tuple[str, ...]
    measures: tuple[str, ...]
    pooled: tuple[str, ...] = ()


NEURON_MEASURES = ("epsp_mV", "epsp_halfwidth_ms", "epsp_area_mV_ms", "threshold_inputs")
#: 24 probe cells per condition find the threshold on the same grid in 3 runs instead of 6
#: (the search result does not depend on the probe count).
FAST_SEARCH = dict(threshold_probes=24)

CASES = {
    "nmda_iv": Case(dict(mg_o=[0.0, 0.1, 1.0, 2.0], block="jahr_stevens,kinetic"), ("dt",),
                    ("mg_o_mM", "v_mV", "block"), ("i_pA", "unblocked", "g_nS")),
    "romk_iv": Case(dict(mg_i=[0.0, 0.1, 1.0], k_o=[5.0, 40.0]), ("dt",),
                    ("mg_i_mM", "k_o_mM", "v_mV"), ("i_pA", "unblocked", "e_k_mV")),
    "k_secretion": Case(dict(mg_i=[0.1, 1.0], flow=[2.0, 5.0]), ("slab_length",),
                        ("mg_i_mM", "flow_nl_min"),
                        ("j_k_pmol_min_mm", "j_na_pmol_min_mm", "k_lumen_out_mM", "v_apical_mV",
                         "v_basolateral_mV", "v_te_mV", "na_c_mM", "k_c_mM", "unblocked")),
    "hypokalemia": Case(dict(days=7), ("body_dt", "slab_length"), ("scenario", "t_day"),
                        ("plasma_k_mM", "mg_i_mM", "urine_k_mmol_day", "k_icf_mM",
                         "urine_mg_mmol_day")),
    "sensitivity": Case(dict(parameter="rho_ROMK,cell_exponent,flow", days=7),
                        ("body_dt", "slab_length"), ("parameter", "end"),
                        ("j_k_ratio", "gain_ratio", "plasma_k_untreated_mM", "plasma_k_k_only_mM",
                         "k_icf_k_only_mM")),
    "excitability": Case(dict(mg_o=[0.0, 0.5, 1.0], **FAST_SEARCH, duration=0.5, transient=0.1),
                         ("dt",),
                         ("mg_o_mM", "seed"), NEURON_MEASURES, pooled=("rate_hz",)),
    # the neuron columns come from excitability's runner (its rate is checked above); a
    # short rate protocol keeps this case cheap
    "hypomagnesemia": Case(dict(cause=["healthy", "gitelman"], **FAST_SEARCH, duration=0.2,
                                transient=0.1), ("dt", "slab_length"), ("cause", "seed"),
                           NEURON_MEASURES + ("j_k_pmol_min_mm", "plasma_k_mM", "mg_i_mM")),
}


def relative_change(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| / max(|a|, |b|), with a floor of 1e-6 of the column's scale."""
    floor = 1e-6 * max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)))


@pytest.mark.parametrize("name", [n for n in CASES if n in experiments()])
def test_halving_dt_changes_measures_by_less_than_2_percent(name, tmp_path):
    case = CASES[name]
    settings = experiments()[name].all_settings()
    steps = {step: settings[step].values(True)[0] for step in case.steps}
    ctx = Context(quick=True, out=Path(tmp_path))
    coarse = ctx.experiment(name, **case.settings, **steps)["main"]
    fine = ctx.experiment(name, **case.settings, **{k: v / 2 for k, v in steps.items()})["main"]
    assert len(coarse) == len(fine) > 0
    for key in case.keys:
        assert list(coarse[key]) == list(fine[key])
    for column in case.measures:
        change = relative_change(coarse[column], fine[column])
        assert change < RTOL, f"{name}.{column}: halving {steps} changes it by {100 * change:.3g} %"
    for column in case.pooled:
        total = np.array([np.sum(coarse[column])]), np.array([np.sum(fine[column])])
        assert total[0][0] > 0
        change = relative_change(*total)
        assert change < RTOL, (f"{name}.{column} pooled: halving {steps} changes it by "
                               f"{100 * change:.3g} %")


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


@pytest.mark.parametrize("name, condition", [("nmda_iv", "mg_o="), ("romk_iv", "mg_i=")])
def test_divergence_is_one_clear_line(name, condition, tmp_path, monkeypatch):
    """A non-finite result: exit 1, one stderr line naming the condition, no table written.

    The declared parameter ranges keep every allowed value finite (a zero affinity, once
    the way to get 0/0, is refused up front: tests/test_ranges.py), so the clamp is made
    to return a NaN for its second compartment."""
    import numpy as np
    from models.clamp import VoltageClamp
    clean_run = VoltageClamp.run

    def diverging(self, *args, **kwargs):
        result = dict(clean_run(self, *args, **kwargs))
        current = np.array(result["I"], dtype=float)  # amp, as the clamp returns it
        current[1] = np.nan
        result["I"] = current
        return result
    monkeypatch.setattr(VoltageClamp, "run", diverging)
    out = tmp_path / "out"
    status, _, err = call(["run", name, "--quick", "--out", str(out)])
    assert status == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hypomag: error:")
    assert "non-finite current in 1 of" in lines[0] and condition in lines[0]
    assert "Traceback" not in err
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == []
