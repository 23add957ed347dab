"""ROMK (Kir1.1) with cytoplasmic Mg2+ block: direction, bands and closed-form numbers.

The block parameters (Kd0, z delta) are uncertain (docs/reference.md section 3), so the
physiological claims are tested as directions and bands that hold for the defaults;
E_K, conductance saturation and the Brian2/numpy identity are exact.
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import kelvin, mM, ms, mV, nS

from channels.constants import BODY_TEMPERATURE, BODY_TEMPERATURE_K, nernst_mV
from channels.romk import ROMK, romk_unblocked
from models.clamp import VoltageClamp


def current_pA(v_mV, mg_i_mM, k_o_mM, k_i_mM=145.0, channel=None):
    """Numpy ROMK current in pA (outward positive)."""
    channel = channel or ROMK()
    return np.asarray(channel.current(v=np.asarray(v_mV) * mV, Mg_i=np.asarray(mg_i_mM) * mM,
                                      K_o=np.asarray(k_o_mM) * mM, K_i=k_i_mM * mM,
                                      T=BODY_TEMPERATURE) / 1e-12)


def test_e_k_values():
    """Apical E_K with cell K 145 mM at 37 C: -90.0, -71.5, -52.9, -34.4 mV at luminal K
    5, 10, 20, 40 mM (docs/reference.md section 3, derived from Nernst). Tolerance 0.1 mV, for
    nernst_mV, ROMK.reversal and the Brian2 variable E_K_ROMK.
    """
    k_o = np.array([5.0, 10.0, 20.0, 40.0])
    expected = np.array([-90.0, -71.5, -52.9, -34.4])
    assert np.all(np.abs(nernst_mV(k_o, 145.0) - expected) < 0.1)
    e_k = ROMK().reversal(K_o=k_o * mM, K_i=145 * mM, T=BODY_TEMPERATURE) / mV
    assert np.all(np.abs(e_k - expected) < 0.1)
    clamp = VoltageClamp(ROMK(), len(k_o), settle=0.1 * ms)
    out = clamp.run({"v": np.full(4, -50.0) * mV, "Mg_i": np.full(4, 0.5) * mM, "K_o": k_o * mM,
                     "K_i": np.full(4, 145.0) * mM, "T": np.full(4, 1.0) * BODY_TEMPERATURE})
    assert np.all(np.abs(out["E_K_ROMK"] / 1e-3 - expected) < 0.1)
    with pytest.raises(ValueError, match="no value for K_i, T"):  # not silently 0 mM, 0 K
        clamp.run({"v": np.full(4, -50.0) * mV, "Mg_i": np.full(4, 0.5) * mM, "K_o": k_o * mM})


def test_outward_current_rises_as_mg_falls():
    """Lowering cytoplasmic Mg2+ raises outward ROMK current, monotonically over 0-2 mM.

    Choe et al. 1995 AJP Cell 268:C389; Yang, Frindt & Palmer 2010 JASN 21:2109
    (docs/reference.md section 3) [confirmed, direction]. Tested at V - E_K = +10, +30, +60 mV
    and luminal K 5, 10, 40 mM: strictly decreasing current as Mg_i rises, 21 steps.
    Band: the defaults give about 2x (1.9-2.1x) from 1 to 0.1 mM at V - E_K = +30 mV,
    as the channel's docstring states, inside the 1.1-2.5x that the plausible range of
    Kd0 and z*delta spans.
    """
    mg = np.linspace(0, 2, 21)
    for k_o in (5.0, 10.0, 40.0):
        e_k = nernst_mV(k_o, 145.0)
        for above in (10.0, 30.0, 60.0):
            i = current_pA(np.full_like(mg, e_k + above), mg, k_o)
            assert np.all(i > 0)
            assert np.all(np.diff(i) < 0), (k_o, above, i)
    e_k = nernst_mV(10.0, 145.0)
    ratio = current_pA(e_k + 30, 0.1, 10.0) / current_pA(e_k + 30, 1.0, 10.0)
    assert 1.9 < ratio < 2.1


def test_inward_current_spared():
    """Inward current (V at least 40 mV below E_K) changes < 5 % when Mg_i falls 0.5 -> 0.05 mM.

    Mg2+ blocks ROMK from the cytoplasm; inward K+ flux clears it: "inward current is little
    affected" (Lu & MacKinnon 1994 Nature 371:243; docs/reference.md section 3). Luminal K 5-40 mM,
    V - E_K = -40, -60, -80 mV. The block must still be there (the test could fail): at
    V - E_K = +40 mV the same Mg change raises current by more than 50 %.
    """
    for k_o in (5.0, 10.0, 20.0, 40.0):
        e_k = nernst_mV(k_o, 145.0)
        for below in (40.0, 60.0, 80.0):
            high, low = (current_pA(e_k - below, mg, k_o) for mg in (0.5, 0.05))
            assert high < 0 and low < 0
            assert abs(low / high - 1) < 0.05, (k_o, below, low / high)
        high, low = (current_pA(e_k + 40, mg, k_o) for mg in (0.5, 0.05))
        assert low / high > 1.5


def test_no_rectification_without_mg():
    """At Mg_i = 0 the ROMK I-V is a straight line through E_K (no rectification).

    Choe et al. 1995 (docs/reference.md section 3): without Mg the channel barely rectifies; in the
    model it is ohmic. Slope conductance 10-30 mV above and below E_K equal (relative 1e-9),
    equal to g K_o/(K_o + Km), and the line fits -120..+40 mV to 1e-9 of the range; with
    Mg_i = 1 mM the slopes differ by more than 2x (the model does rectify with Mg).
    """
    channel = ROMK()
    g_nS = float(channel.values["g_ROMK"] / nS)
    for k_o in (5.0, 10.0, 40.0):
        e_k = nernst_mV(k_o, 145.0)
        v = np.linspace(-120, 40, 161)
        i = current_pA(v, 0.0, k_o)
        slope, intercept = np.polyfit(v, i, 1)
        assert np.max(np.abs(i - (slope * v + intercept))) < 1e-9 * np.ptp(i)
        above = (current_pA(e_k + 30, 0.0, k_o) - current_pA(e_k + 10, 0.0, k_o)) / 20
        below = (current_pA(e_k - 10, 0.0, k_o) - current_pA(e_k - 30, 0.0, k_o)) / 20
        assert above == pytest.approx(below, rel=1e-9)
        assert above == pytest.approx(g_nS * k_o / (k_o + 11.5), rel=1e-9)  # pA/mV = nS
        assert abs(current_pA(e_k, 0.0, k_o)) < 1e-9
        blocked_above = (current_pA(e_k + 30, 1.0, k_o) - current_pA(e_k + 10, 1.0, k_o)) / 20
        blocked_below = (current_pA(e_k - 10, 1.0, k_o) - current_pA(e_k - 30, 1.0, k_o)) / 20
        assert blocked_below > 2 * blocked_above


def test_external_k_weakens_block():
    """Higher external K weakens the internal Mg2+ block at a fixed membrane potential.

    Lu & MacKinnon 1994 Nature 371:243; Yang, Frindt & Palmer 2010 JASN 21:2109: lowering
    external K raises the affinity of the internal Mg block (docs/reference.md section 3) [confirmed
    qualitatively]. Tested at fixed V (-60 ... 0 mV) with Mg_i 0.5 and 1 mM: the unblocked
    fraction rises strictly with K_o 2..40 mM. The model references the block to V - E_K
    (Hagiwara & Takahashi 1974), so the whole K_o effect acts through E_K: at fixed V - E_K the
    unblocked fraction is the same at every K_o (relative 1e-12).
    """
    k_o = np.array([2.0, 5.0, 10.0, 20.0, 40.0])
    for v in (-60.0, -40.0, -20.0, 0.0):
        for mg in (0.5, 1.0):
            f = romk_unblocked(v, mg, k_o)
            assert np.all(np.diff(f) > 0), (v, mg, f)
    for drive in (-30.0, 0.0, 30.0):
        f = romk_unblocked(nernst_mV(k_o, 145.0) + drive, 1.0, k_o)
        np.testing.assert_allclose(f, f[0], rtol=1e-12)


def test_conductance_saturates_with_external_k():
    """Unblocked conductance follows K_o/(K_o + 11.5 mM) (Loeffler & Hunter 1997 Pflugers Arch
    434:151, Km = 11.5 mM; docs/reference.md section 3). Chord conductance at Mg_i = 0, relative 1e-9;
    half of the maximum at K_o = Km.
    """
    channel = ROMK()
    g_nS = float(channel.values["g_ROMK"] / nS)
    k_o = np.array([1.0, 5.0, 11.5, 20.0, 40.0, 140.0])
    e_k = nernst_mV(k_o, 145.0)
    chord = current_pA(e_k + 20, 0.0, k_o) / 20
    np.testing.assert_allclose(chord / g_nS, k_o / (k_o + 11.5), rtol=1e-9)
    assert chord[2] / g_nS == pytest.approx(0.5, rel=1e-9)


def test_brian2_equals_numpy():
    """The Brian2 ROMK equations equal the numpy function (one batched VoltageClamp).

    Grid: V -120..+40 mV x Mg_i 0, 0.5, 2 mM x K_o 5, 40 mM, K_i 145 and 120 mM, T 37 and 22 C,
    with Kd0 and z delta varied per neuron (swept parameters reach the equations).
    Tolerance: relative 1e-9 on current (absolute 1e-9 of the largest) and unblocked fraction.
    """
    grids = np.meshgrid(np.linspace(-120, 40, 9), [0.0, 0.5, 2.0], [5.0, 40.0], [145.0, 120.0],
                        [BODY_TEMPERATURE_K, 295.15], indexing="ij")
    v, mg, k_o, k_i, temp = (g.ravel() for g in grids)
    n = len(v)
    kd0 = np.where(np.arange(n) % 2, 2.0, 0.7)
    zdelta = np.where(np.arange(n) % 3, 1.2, 0.8)
    clamp = VoltageClamp(ROMK(), n, settle=0.1 * ms)
    out = clamp.run({"v": v * mV, "Mg_i": mg * mM, "K_o": k_o * mM, "K_i": k_i * mM,
                     "T": temp * kelvin, "Kd0_ROMK": kd0 * mM, "zdelta_ROMK": zdelta})
    f = romk_unblocked(v, mg, k_o, k_i, kd0, zdelta, temp)
    np.testing.assert_allclose(out["f_ROMK"], f, rtol=1e-9)
    expected = np.empty(n)
    for kd, zd in {(a, b) for a, b in zip(kd0, zdelta)}:
        pick = (kd0 == kd) & (zdelta == zd)
        channel = ROMK(Kd0_ROMK=kd * mM, zdelta_ROMK=zd)
        expected[pick] = channel.current(v=v[pick] * mV, Mg_i=mg[pick] * mM, K_o=k_o[pick] * mM,
                                         K_i=k_i[pick] * mM, T=temp[pick] * kelvin) / 1e-12
    got = out["I"] / 1e-12
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
    np.testing.assert_allclose(out["E_K_ROMK"] / 1e-3, nernst_mV(k_o, k_i, temp), rtol=1e-9)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(v=st.floats(-150, 60), mg=st.floats(0.01, 10), k_o=st.floats(0.5, 150),
       dv=st.floats(0.5, 40), dk=st.floats(0.5, 50))
def test_block_properties(v, mg, k_o, dv, dk):
    """The unblocked fraction lies in (0, 1), falls with depolarisation (Mg2+ driven into the
    pore from inside) and rises with external K at fixed V (Lu & MacKinnon 1994): directions."""
    f = float(romk_unblocked(v, mg, k_o))
    assert 0 < f < 1
    assert float(romk_unblocked(v + dv, mg, k_o)) < f
    assert float(romk_unblocked(v, mg, k_o + dk)) > f
