"""Tests of the regular-spiking pyramidal neuron (models/neuron.py) and its channels.

Sources: Pospischil et al. 2008 Biol Cybern 99:427 (RS cell: L = d = 61.4 um,
gleak 2.05e-5 S/cm2, Eleak -70.3 mV, gNa 0.056 S/cm2, gKd 0.006 S/cm2,
gM 7.5e-5 S/cm2, tau_max 608 ms, VT -56.2 mV, ENa 50 mV, EK -90 mV, rest
-71.9 mV as transcribed in PySONIC ``CorticalRS.Vm0`` and the Brain Dynamics
Toolbox ``Pospischil2008('RS')``); Traub & Miles 1991 rate functions; Hille,
Woodhull & Shapiro 1975 (surface charge, docs/reference.md section 2).
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Network, SpikeMonitor, StateMonitor, mM, ms, mV, nS, pA, pF, siemens, umetre

from channels.gating import RS_AREA, surface_shift_mV, vtrap
from channels.k_hh import KHH, k_rates
from channels.m_current import MCurrent, m_steady, m_tau_ms
from channels.na_hh import NaHH, na_rates
from channels.nmda import jahr_stevens_unblocked
from experiments.engine.batch import configure_brian
from models import MODELS
from models.neuron import (CELL_NAME, ON_PRE_EXC, ON_PRE_INH, REFRACTORY, THRESHOLD,
                           PyramidalNeuron, channel_list, neuron_equations, resting_potential)

AREA_CM2 = np.pi * (61.4e-4) ** 2  # cm2, L = d = 61.4 um


@pytest.fixture(scope="module", autouse=True)
def _cython():
    configure_brian()


def test_area_and_densities_match_pospischil_2008():
    """Absolute conductances are the published RS densities times pi d L (d = L = 61.4 um)."""
    assert float(RS_AREA / umetre ** 2) == pytest.approx(11843.6, abs=0.1)
    cell = PyramidalNeuron()
    published = {  # S/cm2
        "g_NaHH": 0.056, "g_KHH": 0.006, "g_M": 7.5e-5, "g_L": 2.05e-5,
    }
    values = {name: value for c in cell.channels for name, value in c.values.items()}
    for name, density in published.items():
        assert float(values[name] / siemens) == pytest.approx(density * AREA_CM2, rel=1e-9), name
    assert float(cell.model_values["C_m"] / pF) == pytest.approx(1e6 * AREA_CM2, rel=1e-9)
    assert float(cell.model_values["C_m"] / pF) == pytest.approx(118.44, abs=0.01)
    for name, value in {"E_NaHH": 50, "E_KHH": -90, "E_M": -90, "E_L": -70.3,
                        "VT_NaHH": -56.2, "VT_KHH": -56.2}.items():
        assert float(values[name] / mV) == pytest.approx(value), name
    assert float(values["tau_max_M"] / ms) == pytest.approx(608)


def test_rate_functions_are_traub_miles():
    """Numpy rates equal the closed forms of Traub & Miles (1991) / Pospischil (2008) Eqs. 2-7."""
    u = np.array([-80.0, -30.0, 0.0, 12.0, 20.0, 45.0])
    am, bm, ah, bh = na_rates(u)
    np.testing.assert_allclose(am, 0.32 * (13 - u) / (np.exp((13 - u) / 4) - 1), rtol=1e-12)
    np.testing.assert_allclose(bm, 0.28 * (u - 40) / (np.exp((u - 40) / 5) - 1), rtol=1e-12)
    np.testing.assert_allclose(ah, 0.128 * np.exp((17 - u) / 18), rtol=1e-12)
    np.testing.assert_allclose(bh, 4 / (1 + np.exp((40 - u) / 5)), rtol=1e-12)
    an, bn = k_rates(u)
    np.testing.assert_allclose(an, 0.032 * (15 - u) / (np.exp((15 - u) / 5) - 1), rtol=1e-12)
    np.testing.assert_allclose(bn, 0.5 * np.exp((10 - u) / 40), rtol=1e-12)
    # removable singularities: x/(e^(x/y)-1) -> y at x = 0
    assert na_rates(13.0)[0] == pytest.approx(0.32 * 4)
    assert float(vtrap(1e-9, 5.0)) == pytest.approx(5.0)
    assert m_steady(-35.0) == pytest.approx(0.5)
    assert m_tau_ms(-35.0) == pytest.approx(608 / 4.3)


def test_brian_equations_agree_with_numpy_rates():
    """The Brian2 rate expressions evaluate to the numpy closed forms.

    The rates are ``(constant over dt)``: computed at the start of a step from
    the v of that step, so after one step they hold the rates of the v set.
    """
    cell = PyramidalNeuron()
    v = np.array([-90.0, -70.0, -56.2 + 13.0, -40.0, 0.0])
    group = cell.build_group(len(v), dt=0.025 * ms, surface_charge=[0, 0, 0, 1, 1],
                             Mg_o=[1, 1, 1, 0, 2] * mM)
    group.v = v * mV
    Network(group).run(0.025 * ms)
    shift = np.array([0, 0, 0, surface_shift_mV(0, 2), surface_shift_mV(2, 2)])
    np.testing.assert_allclose(group.V_surf[:] / mV, shift, atol=1e-9)
    u = v + 56.2 - shift
    am, bm, ah, bh = na_rates(u)
    np.testing.assert_allclose(group.alpha_m_NaHH[:] * ms, am, rtol=1e-9)
    np.testing.assert_allclose(group.beta_h_NaHH[:] * ms, bh, rtol=1e-9)
    np.testing.assert_allclose(group.alpha_n_KHH[:] * ms, k_rates(u)[0], rtol=1e-9)
    np.testing.assert_allclose(group.p_inf_M[:], m_steady(v - shift), rtol=1e-9)
    np.testing.assert_allclose(group.tau_p_M[:] / ms, m_tau_ms(v - shift), rtol=1e-9)


def test_resting_potential_matches_published_rs_cell():
    """Rest of the RS cell: -71.9 mV (PySONIC CorticalRS.Vm0, BDToolbox V0), within 0.1 mV."""
    assert resting_potential() == pytest.approx(-71.9, abs=0.1)
    # between E_K and E_leak: the M current pulls it below E_L = -70.3 mV
    assert -90 < resting_potential() < -70.3


def test_rest_is_steady_and_mg_reaches_the_block():
    """No input: v stays within 0.1 mV over 200 ms, at several Mg and with surface charge on.

    Also checks that Mg_o reaches the NMDA block: B at rest equals Jahr & Stevens (1990).
    """
    mg = np.array([0.0, 1.0, 2.0, 0.5])
    cell = PyramidalNeuron()
    group = cell.build_group(4, dt=0.025 * ms, Mg_o=mg * mM, surface_charge=[0, 0, 1, 1])
    v0 = np.asarray(group.v[:] / mV)
    np.testing.assert_allclose(group.B_NMDA[:], jahr_stevens_unblocked(v0, mg), rtol=1e-9)
    trace = StateMonitor(group, "v", record=True)
    net = Network(group, trace)
    net.run(200 * ms)
    drift = np.abs(np.asarray(trace.v / mV) - v0[:, None]).max()
    assert drift < 0.1
    # with surface charge on, 2 mM Mg shifts gating (+2.2 mV) and so the resting potential
    assert v0[2] != pytest.approx(v0[1], abs=1e-6)


def test_rheobase_and_adaptation_in_band():
    """Rheobase 30-100 pA and spike-frequency adaptation (regular spiking).

    Band [derived]: input resistance 1/g_L = 412 MOhm and a gap of 15-20 mV
    between rest (-71.9 mV) and spike threshold give 35-50 pA, plus the M
    current; an RS cell adapts (Pospischil et al. 2008: first ISI shorter
    than the last).
    """
    currents = np.array([20.0, 30.0, 100.0, 150.0])
    cell = PyramidalNeuron()
    group = cell.build_group(len(currents), dt=0.025 * ms)
    group.I_ext = currents * pA
    spikes = SpikeMonitor(group)
    Network(group, spikes).run(500 * ms)
    counts = np.asarray(spikes.count)
    assert counts[0] == 0 and counts[1] == 0          # 20, 30 pA: below rheobase
    assert counts[2] >= 2 and counts[3] > counts[2]   # 100, 150 pA: firing, f rises with I
    times = spikes.spike_trains()[3] / ms
    isi = np.diff(times)
    assert isi[0] < isi[-1]                            # adaptation


def test_surface_charge_shift_matches_reference():
    """Hille, Woodhull & Shapiro (1975); docs/reference.md section 2.

    Tenfold rise of divalents: +20 to +25 mV; removing 1 mM Mg at 2 mM Ca:
    about -3 mV (within 0.5 mV); Mg less potent than Ca; zero at 2 Ca / 1 Mg.
    """
    assert surface_shift_mV(1.0, 2.0) == pytest.approx(0.0, abs=1e-12)
    assert surface_shift_mV(0.0, 2.0) == pytest.approx(-3.0, abs=0.5)
    tenfold = surface_shift_mV(10.0, 20.0) - surface_shift_mV(1.0, 2.0)
    assert 20.0 <= tenfold <= 25.0
    assert surface_shift_mV(2.0, 2.0) < surface_shift_mV(1.0, 3.0)   # +1 mM Mg < +1 mM Ca


def test_public_api():
    """The API the network helper uses: equations, channels, threshold, synapse code, errors."""
    names = [c.name for c in channel_list()]
    assert names == ["L", "NaHH", "KHH", "M", "AMPA", "NMDA", "GABA_A"]
    eqs = neuron_equations()
    for var in ("v", "I_ext", "Mg_o", "Ca_o", "T", "s_AMPA", "x_NMDA", "s_NMDA", "s_GABA_A"):
        assert var in eqs.names
    assert THRESHOLD == "v > -20*mV" and REFRACTORY == "v > -20*mV"
    assert "x_NMDA_post += w" in ON_PRE_EXC and "s_AMPA_post += w" in ON_PRE_EXC
    assert ON_PRE_INH == "s_GABA_A_post += w"
    assert "PyramidalNeuron" in MODELS
    assert float(PyramidalNeuron(g_AMPA=2 * nS).channel("AMPA").values["g_AMPA"] / nS) == 2
    with pytest.raises(ValueError, match="unknown parameter"):
        PyramidalNeuron(g_bogus=1 * nS)
    with pytest.raises(ValueError, match="voltage clamp"):
        PyramidalNeuron(gating="open")
    assert NaHH().current(v=-71.9 * mV) < 0 < KHH().current(v=-71.9 * mV)


def test_every_model_describes_its_equations_without_a_group():
    """Every registered model (models.MODELS) builds with no arguments and gives its
    equations() without building a Brian2 group (what ``hypomag equations NAME`` prints)."""
    import importlib
    import pkgutil

    from brian2 import NeuronGroup

    import models
    for info in pkgutil.iter_modules(models.__path__):
        importlib.import_module(f"models.{info.name}")  # models register on import
    assert {"PyramidalNeuron", "PrincipalCell", "EINetwork", "Body"} <= set(MODELS)
    for name, cls in MODELS.items():
        model = cls()
        text = str(model.equations())
        assert text.strip(), f"{name}.equations() is empty"
        assert not any(isinstance(v, NeuronGroup) for v in vars(model).values()), name
    assert MCurrent().current(v=-50 * mV) > 0


def test_shared_constants_layout_gives_the_same_cell():
    """Shared (namespace) constants and per-neuron parameters simulate the same cell.

    Two groups driven alike (three injected currents, Mg 0 / 1 / 2 mM, g_L raised
    by 20 % through :meth:`initialize`): every parameter per neuron
    (``per_neuron="all"``) and the default layout (only Mg_o and I_ext per
    neuron). The layouts differ only in the order of floating-point operations
    (Brian2 computes expressions of shared constants once per step), so the
    traces agree to 1e-6 mV over 100 ms with spikes (closed-form expectation:
    identical arithmetic up to rounding).
    """
    cell = PyramidalNeuron()
    mg = np.array([0.0, 1.0, 2.0]) * mM
    g_l = 1.2 * cell.default_values()["g_L"]
    full = cell.build_group(3, dt=0.025 * ms, name="pyramidal_all", per_neuron="all", Mg_o=mg)
    # the experiments' name and layout: the compiled code is shared with them
    lean = cell.build_group(3, dt=0.025 * ms, name=CELL_NAME, Mg_o=mg)
    assert "g_L" in full.variables and "g_L" not in lean.variables
    assert "Mg_o" in lean.variables and "g_NaHH" in lean.namespace
    for group in (full, lean):
        cell.initialize(group, Mg_o=mg, g_L=g_l)
        group.I_ext = [0.0, 80.0, 160.0] * pA
    assert float(lean.namespace["g_L"] / nS) == pytest.approx(float(g_l / nS))
    traces = [StateMonitor(g, "v", record=True) for g in (full, lean)]
    counts = [SpikeMonitor(g) for g in (full, lean)]
    Network(full, lean, *traces, *counts).run(100 * ms)
    assert np.asarray(counts[0].count).sum() > 0
    np.testing.assert_array_equal(counts[0].count, counts[1].count)
    np.testing.assert_allclose(traces[0].v / mV, traces[1].v / mV, rtol=0, atol=1e-6)


def test_shared_constant_refuses_per_neuron_values():
    """A shared constant takes one value; per-neuron values need ``per_neuron``."""
    cell = PyramidalNeuron()
    group = cell.build_group(2, dt=0.025 * ms)
    with pytest.raises(ValueError, match=r"g_NMDA is shared .* per_neuron=\('g_NMDA',\)"):
        cell.initialize(group, g_NMDA=[0.1, 0.2] * nS)
    with pytest.raises(ValueError, match="unknown parameter 'g_nmda'"):
        cell.build_group(2, dt=0.025 * ms, per_neuron=("g_nmda",))
    cell.initialize(group, g_NMDA=[0.3, 0.3] * nS)  # equal values: one shared value
    assert float(group.namespace["g_NMDA"] / nS) == pytest.approx(0.3)
    swept = cell.build_group(2, dt=0.025 * ms, per_neuron=("g_NMDA",))
    cell.initialize(swept, g_NMDA=[0.1, 0.2] * nS)
    np.testing.assert_allclose(swept.g_NMDA[:] / nS, [0.1, 0.2])
    with pytest.raises(Exception, match="g_L"):
        cell.initialize(group, g_L=3 * mV)  # wrong dimensions
    # surface charge off and shared: V_surf is the constant 0, and cannot be switched on
    assert "V_surf" not in group.variables and float(group.namespace["V_surf"]) == 0
    with pytest.raises(ValueError, match="surface_charge is off"):
        cell.initialize(group, surface_charge=1)
    on = PyramidalNeuron(surface_charge=1).build_group(2, dt=0.025 * ms, Mg_o=[0, 2] * mM)
    assert "V_surf" in on.variables and "V_surf" not in on.namespace
    np.testing.assert_allclose(cell.surface_shift_of(on),
                               [surface_shift_mV(0, 2), surface_shift_mV(2, 2)], atol=1e-9)
