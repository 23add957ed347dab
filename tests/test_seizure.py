"""Tests of the ``seizure`` experiment and of the E–I network in models/network.py.

Simulation tests use the ``--quick`` settings: the default network (800
pyramidal cells + 200 interneurons) for 3 s, first 0.5 s left out. (Networks
of a few hundred cells burst irregularly, 0-4 bursts in 3 s from seed to seed,
so the quick network is the default one run for less time.) It fires about
three population bursts of 0.15-0.2 s at <= 0.3 mM and none at >= 0.7 mM.
Sources: docs/reference.md section 2 (Mg-free slices fire recurrent
synchronous discharges of 100-800 ms that NMDA antagonists abolish; Tancredi
et al. 1990). Time-step convergence: tests/test_seizure_convergence.py.
Budget: about 40 s once Brian2's Cython code is compiled (the first run in a
fresh cache compiles it once).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from experiments import get_experiment
from experiments.engine.run import resolve
from experiments.engine.batch import configure_brian
from experiments.engine.sweep import execute
from experiments.engine.plan import make_plan
from experiments.engine.table import Table
from models import network as nw

QUICK_NET = {"duration": "3"}
#: Mg values of the shared sweep: both ends and the transition of the default sweep.
DEFAULT_MG = (0, 0.1, 0.3, 0.5, 0.9, 1.2, 2.0)


def sweep(tmp_path, sets: dict, seed: int = 1, batch_size: int | None = None) -> dict[str, Table]:
    """Run ``seizure`` with the quick network and the given ``--set`` values."""
    configure_brian()
    cls = get_experiment("seizure")
    values = resolve(cls, False, {}, {**QUICK_NET, **sets})
    plan = make_plan(cls(), values, seed, batch_size=batch_size)
    return execute(plan, tmp_path, progress=False)


@pytest.fixture(scope="module")
def mg_sweep(tmp_path_factory):
    """Seven Mg values from 0 to 2 mM, one batch (quick network)."""
    return sweep(tmp_path_factory.mktemp("mg"), {"mg_o": ",".join(map(str, DEFAULT_MG))})


def row(table: Table, mg: float) -> dict:
    rows = table.where(mg_o_mM=mg).rows
    assert len(rows) == 1
    return rows[0]


# -- pure numpy: burst detection and synchrony on synthetic spike trains ----------------

def synthetic(n=100, duration=10.0, background_hz=2.0, bursts=((2.0, 0.2), (5.0, 0.3), (8.0, 0.15)),
              spikes_per_burst=5, seed=0):
    """Poisson background plus bursts in which every cell fires ``spikes_per_burst`` times."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(background_hz * duration, n)
    i = [np.repeat(np.arange(n), counts)]
    t = [rng.uniform(0, duration, counts.sum())]
    for start, length in bursts:
        i.append(np.repeat(np.arange(n), spikes_per_burst))
        t.append(rng.uniform(start, start + length, n * spikes_per_burst))
    return np.concatenate(i), np.concatenate(t)


def test_burst_detector_finds_synthetic_bursts():
    """Three bursts of known onset/length are found to within 30 ms, all cells recruited.

    In a burst 100 cells fire 5 spikes in 0.15-0.3 s (17-33 Hz per cell over a
    2 Hz background, well above the threshold max(10 Hz, 3 x median)); the
    Gaussian smoothing (s.d. 10 ms) blurs the edges by about 10-20 ms.
    """
    truth = ((2.0, 0.2), (5.0, 0.3), (8.0, 0.15))
    i, t = synthetic(bursts=truth)
    tc, rate = nw.population_rate(t, 100, 10.0)
    found = nw.detect_bursts(tc, rate)
    assert found.shape == (3, 2)
    for (start, length), (b, e) in zip(truth, found):
        assert abs(b - start) < 0.03 and abs(e - (start + length)) < 0.03
    assert np.allclose(nw.recruited_fraction(i, t, 100, found), 1.0)


def test_burst_detector_ignores_background_and_short_events():
    """No burst in Poisson background; an event shorter than 50 ms is dropped; gaps < 50 ms merge."""
    i, t = synthetic(bursts=())
    tc, rate = nw.population_rate(t, 100, 10.0)
    assert len(nw.detect_bursts(tc, rate)) == 0
    step = 0.001
    tc = np.arange(0, 2, step) + step / 2
    rate = np.full_like(tc, 2.0)
    rate[(tc > 0.5) & (tc < 0.53)] = 50          # 30 ms: too short
    rate[(tc > 1.0) & (tc < 1.1)] = 50           # two epochs 20 ms apart: one burst
    rate[(tc > 1.12) & (tc < 1.2)] = 50
    found = nw.detect_bursts(tc, rate)
    assert found.shape == (1, 2)
    assert found[0] == pytest.approx([1.0, 1.2], abs=2 * step)
    assert nw.burst_threshold(np.full(10, 20.0)) == 60.0     # 3 x median above the 10 Hz floor


def test_golomb_chi_limits():
    """chi = 1 for identical cells and about 1/sqrt(N) for independent Poisson cells (Golomb 2007)."""
    rng = np.random.default_rng(3)
    times = np.sort(rng.uniform(0, 20, 200))
    n = 50
    i_same = np.repeat(np.arange(n), len(times))
    t_same = np.tile(times, n)
    assert nw.golomb_chi(i_same, t_same, n, 0, 20) == pytest.approx(1.0)
    i, t = synthetic(n=400, duration=20.0, background_hz=10.0, bursts=())
    chi = nw.golomb_chi(i, t, 400, 0, 20)
    assert 0.5 / math.sqrt(400) < chi < 1.5 / math.sqrt(400)


# -- parameters -----------------------------------------------------------------------

def test_parameters_match_sources():
    """Cell, input, depression and adaptation values equal the cited papers.

    Brunel & Wang 2001 (C 0.5/0.2 nF, g_L 25/20 nS, E_L -70, threshold -50,
    reset -55 mV, refractory 2/1 ms, external 2.08/1.62 nS at 800 x 3 Hz);
    Tsodyks & Markram 1997 (U 0.5, tau_rec 800 ms); Brette & Gerstner 2005
    (b 80.5 pA). Every parameter names a source; tuned ones are flagged.
    """
    v = nw.default_values()
    expected = {"C_m_E": 0.5, "C_m_I": 0.2, "g_L_E": 25, "g_L_I": 20, "E_L": -70, "V_th": -50,
                "V_reset": -55, "tau_ref_E": 2, "tau_ref_I": 1, "g_ext_E": 2.08, "g_ext_I": 1.62,
                "nu_ext": 2400, "U_STD": 0.5, "tau_rec_STD": 800, "b_AHP": 80.5}
    for name, value in expected.items():
        assert v[name] == pytest.approx(value), name
    for p in nw.PARAMETERS:
        assert p.source and p.meaning, p.name
        if "chosen here" in p.source:
            assert p.uncertain, p.name
    assert nw.parameter("g_NMDA_E").uncertain and nw.parameter("tau_AHP").uncertain


def test_wiring_depends_on_seed_only():
    """Wiring has no autapses, the requested density, and is a function of the seed alone."""
    a = nw.wiring(80, 20, 0.2, np.random.default_rng(5))
    b = nw.wiring(80, 20, 0.2, np.random.default_rng(5))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.any(a[0] == a[1])
    assert len(a[0]) / (100 * 99) == pytest.approx(0.2, abs=0.02)


# -- simulations ------------------------------------------------------------------------

def test_no_bursts_at_normal_mg(mg_sweep):
    """At 1.2 mM the network is asynchronous: no population burst, low rate, low synchrony."""
    r = row(mg_sweep["main"], 1.2)
    assert r["burst_rate_hz"] == 0
    assert r["rate_e_hz"] < 5
    assert r["synchrony"] < 0.2


def test_bursts_at_low_mg(mg_sweep):
    """At 0.1 mM the network fires population bursts of 0.05-1 s that recruit many cells."""
    r = row(mg_sweep["main"], 0.1)
    assert r["n_bursts"] >= 1 and row(mg_sweep["main"], 0.0)["n_bursts"] >= 2
    assert 0.05 <= r["burst_duration_s"] <= 1.0
    assert r["recruited_fraction"] > 0.3
    assert r["synchrony"] > row(mg_sweep["main"], 1.2)["synchrony"]


def test_burst_rate_never_increases_with_mg(mg_sweep):
    """Burst rate is non-increasing in Mg_o from 0 to 2 mM (direction test)."""
    table = mg_sweep["main"]
    rates = [row(table, mg)["burst_rate_hz"] for mg in DEFAULT_MG]
    assert all(b <= a for a, b in zip(rates, rates[1:])), rates
    assert rates[0] > 0 and rates[-1] == 0


def test_nmda_block_abolishes_bursts(tmp_path, mg_sweep):
    """nmda_scale = 0 (an NMDA antagonist) abolishes the low-Mg bursts (Tancredi et al. 1990)."""
    assert row(mg_sweep["main"], 0.0)["n_bursts"] > 0
    tables = sweep(tmp_path, {"mg_o": "0,0.1", "nmda_scale": "0"})
    assert list(tables["main"]["n_bursts"]) == [0, 0]


def test_same_seed_identical_and_batch_size_independent(tmp_path, mg_sweep):
    """A condition run alone gives the same rows as in the seven-condition batch; another seed differs."""
    alone = sweep(tmp_path / "a", {"mg_o": "0.1"}, batch_size=1)
    for mg in (0.1,):
        a, b = row(alone["main"], mg), row(mg_sweep["main"], mg)
        assert a.keys() == b.keys()
        for key in a:
            assert (a[key] == b[key]) or (isinstance(a[key], float) and math.isnan(a[key])
                                          and math.isnan(b[key])), key
    for name in ("raster", "rate"):
        assert alone[name].where(mg_o_mM=0.1).rows == mg_sweep[name].where(mg_o_mM=0.1).rows
    other = sweep(tmp_path / "b", {"mg_o": "0.1"}, seed=2)
    assert row(other["main"], 0.1)["rate_hz"] != row(mg_sweep["main"], 0.1)["rate_hz"]


def test_cli_quick_writes_columns_and_side_tables(tmp_path):
    """``hypomag run seizure --quick`` writes the main table, raster and rate tables and the figure."""
    from experiments.cli import main
    assert main(["run", "seizure", "--quick", "--out", str(tmp_path), "--no-show"]) == 0
    table = Table.read_csv(tmp_path / "seizure.csv")
    for column in ("mg_o_mM", "seed", "rate_hz", "burst_rate_hz", "burst_duration_s",
                   "recruited_fraction", "synchrony"):
        assert column in table.columns
    assert sorted(table["mg_o_mM"]) == [0, 0.1, 0.5, 1.2, 2.0]
    raster = Table.read_csv(tmp_path / "seizure_raster.csv")
    assert {"mg_o_mM", "seed", "t_s", "neuron"} <= set(raster.columns) and len(raster) > 0
    rate = Table.read_csv(tmp_path / "seizure_rate.csv")
    assert {"mg_o_mM", "seed", "t_s", "rate_hz"} <= set(rate.columns)
    assert len(rate) == 5 * 300
    assert (tmp_path / "seizure.png").is_file() and (tmp_path / "seizure.json").is_file()
    assert main(["run", "seizure", "--out", str(tmp_path), "--replot"]) == 0


def test_bad_transient_is_a_usage_error(tmp_path, capsys):
    """A transient as long as the run is refused with one line naming the parameter."""
    from experiments.cli import main
    assert main(["run", "seizure", "--quick", "--out", str(tmp_path),
                 "--set", "transient=5"]) == 2
    assert "transient" in capsys.readouterr().err


def test_zero_ampa_conductance_is_a_usage_error(tmp_path, capsys):
    """g_AMPA_E = 0 is refused (the external input is counted in units of g_AMPA), not NaN."""
    from experiments.cli import main
    assert main(["run", "seizure", "--quick", "--out", str(tmp_path / "x"),
                 "--set", "g_AMPA_E=0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "g_AMPA_E" in err[0] and "> 0" in err[0], err
    assert not (tmp_path / "x").exists()


def test_step_means_closed_form():
    """Step-mean factors k = (tau/dt)(1 - exp(-dt/tau)) (module Notes of models/network.py).

    At dt = 0.2 ms: AMPA (tau 2 ms) 0.95163, NMDA rise (2 ms) the same, GABA-A
    (10 ms) 0.99007, adaptation (300 ms) 0.99967; 1 for the forward-Euler scheme.
    """
    from brian2 import ms
    k = nw.EINetwork(dt=0.2 * ms).step_means(300 * ms)
    assert k["k_AMPA"] == pytest.approx(0.951626, rel=1e-5)
    assert k["k_rise_NMDA"] == pytest.approx(0.951626, rel=1e-5)
    assert k["k_GABA_A"] == pytest.approx(0.990066, rel=1e-5)
    assert k["k_AHP"] == pytest.approx(0.999667, rel=1e-5)
    assert set(nw.EINetwork(dt=0.2 * ms, method="euler").step_means(300 * ms).values()) == {1.0}
    with pytest.raises(ValueError, match="method"):
        nw.EINetwork(method="rk4")
