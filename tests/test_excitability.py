"""Tests of the ``excitability`` experiment.

Direction tests (no published number fits this model cell): lowering
extracellular Mg relieves the NMDA Mg2+ block (Jahr & Stevens 1990; docs/reference.md
section 1: NMDA conductance at -70 mV is 22.5x larger at 0 than at 1 mM), so
across the quick Mg sweep the firing rate and the EPSP never increase with Mg
and the synaptic threshold (inputs needed to fire) never decreases; with the
NMDA conductance removed (``nmda_scale=0``, an antagonist; Tancredi et al.
1990: NMDA antagonists abolish low-Mg discharges) Mg no longer matters.
Reproducibility: common random numbers from the condition's seed only.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.cli import main
from brian2 import mM, ms, second

from experiments.excitability import INPUT_KINDS, Excitability
from experiments.engine.batch import configure_brian, experiment_spec, run_batch
from experiments.engine.protocols import PoissonDrive, narrow, search_candidates
from experiments.engine.table import Table

#: Short protocol for the layout tests (structural settings: no recompilation);
#: n_exc = 800 makes the cell fire on AMPA alone, so nmda_scale=0 is not trivially 0 Hz.
SHORT = {"duration": 0.3 * second, "transient": 0.05 * second, "window": 60.0 * ms,
         "threshold_window": 60.0 * ms, "max_inputs": 100, "n_exc": 800}


@pytest.fixture(scope="module", autouse=True)
def _cython():
    configure_brian()


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``python -m experiments.excitability --quick`` into a temporary folder, read back."""
    out = tmp_path_factory.mktemp("excitability")
    status = main(["--quick", "--out", str(out), "--no-show"], experiment="excitability")
    assert status == 0
    return out, Table.read_csv(out / "excitability.csv")


def _fixed(**changes):
    fixed = {n: s.values(False)[0] for n, s in Excitability.all_settings().items()}
    fixed.update(SHORT)
    fixed.update(changes)
    return fixed


def test_cli_quick_writes_columns_and_figure(quick):
    out, table = quick
    for column in Excitability.columns + ("block", "surface_charge", "nmda_scale", "ca_o_mM",
                                          "epsp_spike", "v_rest_mV"):
        assert column in table.columns, column
    assert len(table) == 5 * 2  # quick: 5 Mg values x 2 seeds
    assert sorted(table.unique("mg_o_mM")) == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert (out / "excitability.png").is_file() and (out / "excitability.json").is_file()
    assert np.all(np.isfinite(table["threshold_inputs"]))
    assert np.all(table["epsp_spike"] == 0)  # a unitary EPSP stays subthreshold


def _means(table, column):
    mgs = sorted(table.unique("mg_o_mM"))
    return np.array([table.where(mg_o_mM=mg)[column].mean() for mg in mgs])


def test_lower_mg_is_more_excitable(quick):
    """Rate and EPSP never increase with Mg; threshold never decreases (means over seeds).

    Tolerance for the rate: one spike in the counting time (duration 1 s in
    --quick); the EPSP and the threshold are deterministic (no tolerance).
    Every measure must change between 0 and 2 mM.
    """
    _, table = quick
    rate, epsp = _means(table, "rate_hz"), _means(table, "epsp_mV")
    area, threshold = _means(table, "epsp_area_mV_ms"), _means(table, "threshold_inputs")
    assert np.all(np.diff(rate) <= 1.0)
    assert np.all(np.diff(epsp) <= 1e-9) and np.all(np.diff(area) <= 1e-9)
    assert np.all(np.diff(threshold) >= 0)
    assert rate[0] > rate[-1] + 5 and epsp[0] > 1.5 * epsp[-1] and threshold[0] < threshold[-1]
    # the default drive gives sparse firing at 1 mM: a few Hz
    assert 0.5 <= rate[2] <= 10.0


def test_input_trains_depend_on_seed_only():
    """Common random numbers: the Poisson counts are a function of the seed (and rates) only."""
    drive = PoissonDrive(INPUT_KINDS, 0.1 * ms, 2 * second)  # 20000 bins of 0.1 ms
    counts = drive.counts(7, (750.0, 500.0))
    again = drive.counts(7, (750.0, 500.0))
    other = drive.counts(8, (750.0, 500.0))
    assert all(np.array_equal(x, y) for x, y in zip(counts, again))
    assert not np.array_equal(counts[0], other[0])
    # Poisson: mean = variance = rate * bin (750 Hz * 0.1 ms = 0.075), within 5 s.e.
    assert counts[0].mean() == pytest.approx(0.075, abs=5 * np.sqrt(0.075 / 20000))


def test_batch_layout_seed_and_nmda_antagonist():
    """The same seed run twice, once in a batch of 2 and once alone (a second
    simulation of another size), gives identical rows: results depend neither
    on the run nor on the batch layout. With nmda_scale=0 (antagonist)
    nothing depends on Mg (no other path)."""
    fixed = _fixed(nmda_scale=0.0)
    conditions = [{"mg_o": 0.0 * mM, "seed": 3}, {"mg_o": 2.0 * mM, "seed": 3}]
    together = run_batch(experiment_spec(Excitability), fixed, conditions)
    alone = run_batch(experiment_spec(Excitability), fixed, conditions[:1])
    assert together[:1] == alone
    low, high = together[0][0], together[1][0]
    assert low["rate_hz"] > 0 and np.isfinite(low["threshold_inputs"])
    for key in ("rate_hz", "epsp_mV", "epsp_area_mV_ms", "threshold_inputs"):
        assert low[key] == high[key], key


@given(st.integers(1, 6), st.integers(1, 150), st.lists(st.integers(1, 160), min_size=1,
                                                         max_size=20))
@settings(max_examples=60, deadline=None)
def test_threshold_search_finds_the_smallest_count(probes, max_inputs, thresholds):
    """The (probes+1)-ary search returns the true threshold (NaN above max_inputs)
    in at most ceil(log_{probes+1}(max_inputs + 1)) + 1 rounds."""
    true = np.array(thresholds)
    lo, hi = np.zeros(true.size, int), np.full(true.size, max_inputs + 1)
    rounds = 0
    while np.any(hi - lo > 1):
        candidates = search_candidates(lo, hi, probes)
        active = hi - lo > 1
        assert np.all((candidates[:, active] > lo[active]) & (candidates[:, active] < hi[active]))
        lo, hi = narrow(lo, hi, candidates, candidates >= true)
        rounds += 1
    found = np.where(hi <= max_inputs, hi, -1)
    assert np.array_equal(found, np.where(true <= max_inputs, true, -1))
    assert rounds <= np.ceil(np.log(max_inputs + 1) / np.log(probes + 1)) + 1


def test_bad_setting_is_one_line_usage_error(capsys):
    status = main(["--set", "input_dt=0.03", "--out", "/nonexistent/never"],
                  experiment="excitability")
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "input_dt" in err[0]
