"""Time-step convergence of the ``seizure`` experiment (models/network.py).

Requirement: halving ``dt`` changes the reported measures by less than 2 %.

What can converge. The recurrent network is chaotic: runs at ``dt`` and
``dt/2`` with the same seed (same wiring, input and initial state) keep the
same first burst, but single spike trains part within tens of milliseconds
and the population bursts within 1-3 s. A single run at low Mg therefore
changes by as much as one seed differs from another (a burst more or less in
the window moves the rates by 5-8 %), whatever the integrator. What must
converge are (a) spike trains where there is no chaos, and (b) the network's
statistics, here means over replicate seeds. Two tests:

* Cells without recurrent synapses (``p_connect`` -> 0: each cell is driven
  by its own pre-drawn Poisson input and adapts): nothing chaotic, so the
  rates converge pointwise. Tolerance 0.5 %, a quarter of the requirement,
  because the recurrent network amplifies the cells' error (the earlier
  forward-Euler scheme: interneuron rate +1.9 % here at 0.2 vs 0.1 ms, +3.4 %
  in the bursting network; the present scheme: +0.15 %).
* The network at 0.1 mM (bursting) and 1.2 mM (asynchronous), 4 seeds, 3 s:
  seed means of the firing rates at 1.2 mM, and of the recruited fraction
  and the burst rate at 0.1 mM, within 2 %. Their paired seed-to-seed noise
  is <= 1 % here (measured with 6-8 seeds); the other measures (rates,
  synchrony and burst duration at low Mg) need many more seed-seconds to
  resolve 2 % and are reported, not asserted (module docstring of
  models/network.py; for the default sweep, 4 seeds x 10 s, every rate changes
  by < 2 %). Measured once with 64 seeds x 10 s at 0.1 mM (``hypomag run
  seizure --set mg_o=0.1 --set replicates=48 --seed 101 --set dt=0.2`` and
  ``dt=0.1``, plus 16 seeds from seed 1), change of the seed mean +- its
  standard error: rates +0.3 +- 0.3, +0.5 +- 0.5 (E), -0.1 +- 0.2 (I) %;
  burst rate -1.0 +- 1.8 %, burst duration +0.7 +- 1.6 %, recruited fraction
  +0.4 +- 0.5 %, synchrony +1.1 +- 1.0 %.

Budget: about 40-50 s on a warm Brian2 cache (two dt values, 9 conditions).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments import experiments
from experiments.validation import Context

#: Network size and duration, given explicitly so that the test does not follow --quick.
NETWORK = dict(n_e=800, n_i=200, duration=3.0, transient=0.5)


def runs(tmp_path: Path, **settings):
    """Main tables at the default dt and at dt/2."""
    dt = experiments()["seizure"].all_settings()["dt"].values(True)[0]
    ctx = Context(quick=True, out=Path(tmp_path))
    coarse = ctx.experiment("seizure", **NETWORK, **settings, dt=dt)["main"]
    fine = ctx.experiment("seizure", **NETWORK, **settings, dt=dt / 2)["main"]
    return coarse, fine


def change(coarse, fine, column: str, **where) -> float:
    """Relative change of the seed mean of ``column`` (rows selected by ``where``)."""
    a = np.nanmean(np.asarray(coarse.where(**where)[column], float))
    b = np.nanmean(np.asarray(fine.where(**where)[column], float))
    return abs(a - b) / max(abs(a), abs(b))


def test_uncoupled_cells_converge_pointwise(tmp_path):
    """Without recurrent synapses halving dt changes the rates by < 0.5 % (no chaos)."""
    coarse, fine = runs(tmp_path, mg_o=[1.2], p_connect=1e-9)
    assert coarse["rate_i_hz"][0] > 20 and coarse["rate_e_hz"][0] > 1   # cells do fire
    for column in ("rate_hz", "rate_e_hz", "rate_i_hz"):
        c = change(coarse, fine, column)
        assert c < 0.005, f"{column}: halving dt changes it by {100 * c:.3g} %"


def test_network_statistics_converge(tmp_path):
    """Seed means at 0.1 and 1.2 mM Mg_o change by < 2 % when dt is halved."""
    coarse, fine = runs(tmp_path, mg_o=[0.1, 1.2], replicates=4)
    assert len(coarse) == len(fine) == 8
    assert np.all(coarse.where(mg_o_mM=0.1)["n_bursts"] >= 1)           # bursting
    assert np.all(coarse.where(mg_o_mM=1.2)["n_bursts"] == 0)           # asynchronous
    checks = [("rate_hz", 1.2), ("rate_e_hz", 1.2), ("rate_i_hz", 1.2),
              ("recruited_fraction", 0.1), ("burst_rate_hz", 0.1)]
    for column, mg in checks:
        c = change(coarse, fine, column, mg_o_mM=mg)
        assert c < 0.02, f"{column} at {mg} mM: halving dt changes its seed mean by {100 * c:.3g} %"
