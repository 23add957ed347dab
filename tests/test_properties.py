"""Property-based tests (hypothesis) of every channel's plain numpy functions.

Invariants that hold for any input in the physiological domain, not only
for the tabulated points of docs/reference.md:

* block fractions lie in [0, 1] (ROMK's in [rho, 1]: a blocked ROMK keeps
  the fraction rho of its current), are exactly 1 without Mg2+, never rise
  when Mg2+ rises, and move with voltage in the right direction: NMDA's
  external Mg2+ is driven out of the pore by depolarization (B rises with V;
  Jahr & Stevens 1990), ROMK's internal Mg2+ is driven in (f falls with V;
  Lu & MacKinnon 1994) and knocked off by external K (f rises with K_o);
* the Woodhull form with the Jahr-Stevens-equivalent z delta equals
  Jahr-Stevens at 37 C (docs/reference.md section 1);
* E_K (Nernst) rises with K_o and is 0 at K_o = K_i;
* every registered channel's steady-state current is outward (positive)
  above its reversal potential and inward below it (the sign convention of
  channels/base.py), for any environment.

Domain: V in [-150, 100] mV, concentrations 0-50 mM (Mg), 0.5-200 mM (K, Na).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels import CHANNELS
from channels.nmda import (BLOCKS, NMDA, jahr_stevens_unblocked, kinetic_unblocked,
                           woodhull_unblocked)
from channels.romk import ROMK, nernst_mV, romk_unblocked
from conftest import make_env

voltage = st.floats(-150.0, 100.0, allow_nan=False)
magnesium = st.floats(0.0, 50.0, allow_nan=False)
potassium = st.floats(0.5, 200.0, allow_nan=False)
temperature = st.floats(273.15, 320.0, allow_nan=False)
FAST = settings(max_examples=100, deadline=None)
EPS = 1e-12

NMDA_BLOCKS = {
    "jahr_stevens": jahr_stevens_unblocked,
    "woodhull": woodhull_unblocked,
    "kinetic": kinetic_unblocked,
}


@pytest.mark.parametrize("block", BLOCKS)
@FAST
@given(v=voltage, mg=magnesium, dv=st.floats(0.01, 50.0), dmg=st.floats(0.001, 10.0))
def test_nmda_block_bounded_monotone(block, v, mg, dv, dmg):
    """NMDA B in [0, 1]; non-increasing in Mg_o; non-decreasing in V (Jahr & Stevens 1990)."""
    f = NMDA_BLOCKS[block]
    b = float(f(v, mg))
    assert 0.0 <= b <= 1.0
    assert float(f(v, mg + dmg)) <= b + EPS
    assert float(f(v + dv, mg)) >= b - EPS


@pytest.mark.parametrize("block", BLOCKS)
@FAST
@given(v=voltage)
def test_nmda_unblocked_without_mg(block, v):
    """No Mg2+, no block: B = 1 exactly, for every block form and through the channel class."""
    assert float(NMDA_BLOCKS[block](v, 0.0)) == 1.0
    from brian2 import mM, mV
    assert float(NMDA(block=block, gating="open").unblocked(v * mV, 0 * mM)) == 1.0


@FAST
@given(v=voltage, mg=magnesium)
def test_woodhull_equals_jahr_stevens_at_body_temperature(v, mg):
    """Woodhull with Kd(0) = 3.57 mM and z delta = 0.062 RT/F is Jahr-Stevens (docs/reference.md §1)."""
    assert np.isclose(woodhull_unblocked(v, mg), jahr_stevens_unblocked(v, mg), rtol=1e-12,
                      atol=1e-15)


#: Block parameters of ROMK sampled around and beyond the fits of ROMK_FITS (docs/reference.md §3).
romk_block = dict(kd0=st.floats(0.05, 10.0), zdelta=st.floats(0.1, 2.5), rho=st.floats(0.0, 0.9),
                  k_r=st.floats(0.01, 50.0))


@FAST
@given(v=voltage, mg=magnesium, k_o=potassium, dv=st.floats(0.01, 50.0),
       dmg=st.floats(0.001, 10.0), **romk_block)
def test_romk_block_bounded_monotone(v, mg, k_o, dv, dmg, kd0, zdelta, rho, k_r):
    """ROMK f in [rho, 1] (a blocked channel keeps the fraction rho: weak rectifier);
    non-increasing in Mg_i; non-increasing in V (internal block, Lu & MacKinnon 1994);
    non-decreasing in K_o (trans knock-off), for any block parameters."""
    kw = dict(kd0_mM=kd0, zdelta=zdelta, rho=rho, k_r_mM=k_r)
    f = float(romk_unblocked(v, mg, k_o, **kw))
    assert rho - EPS <= f <= 1.0 + EPS
    assert float(romk_unblocked(v, mg + dmg, k_o, **kw)) <= f + EPS
    assert float(romk_unblocked(v + dv, mg, k_o, **kw)) <= f + EPS
    assert float(romk_unblocked(v, mg, k_o + dmg, **kw)) >= f - EPS


@FAST
@given(v=voltage, k_o=potassium, t=temperature, **romk_block)
def test_romk_unblocked_without_mg(v, k_o, t, kd0, zdelta, rho, k_r):
    """No cytoplasmic Mg2+: f = 1 exactly (Chepilko et al. 1995: no rectification), for any block
    parameters, and through the channel class."""
    assert float(romk_unblocked(v, 0.0, k_o, kd0, zdelta, rho, k_r, t)) == 1.0
    from brian2 import kelvin, mM, mV
    assert float(ROMK().unblocked(v * mV, 0 * mM, k_o * mM, t * kelvin)) == 1.0


@FAST
@given(k_o=potassium, k_i=potassium, dk=st.floats(0.01, 100.0), t=temperature)
def test_nernst_monotone_in_k_o(k_o, k_i, dk, t):
    """E_K rises with K_o, is 0 at K_o = K_i, and scales with temperature."""
    assert nernst_mV(k_o + dk, k_i, t) > nernst_mV(k_o, k_i, t)
    assert nernst_mV(k_i, k_i, t) == 0.0
    assert np.isclose(nernst_mV(k_o, k_i, 2 * t), 2 * nernst_mV(k_o, k_i, t), atol=1e-9)


def _instances():
    out = []
    for name, cls in CHANNELS.items():
        variants = [cls(**kwargs) for kwargs in cls.variants().values()]
        out += [pytest.param(c, id=f"{name}-{i}") for i, c in enumerate(variants)]
    return out


@pytest.mark.parametrize("channel", _instances())
@settings(max_examples=25, deadline=None)
@given(v=voltage, mg_o=magnesium, mg_i=magnesium, k_o=potassium, k_i=potassium,
       na_o=potassium, na_i=potassium, t=temperature)
def test_current_is_outward_above_reversal(channel, v, mg_o, mg_i, k_o, k_i, na_o, na_i, t):
    """Sign convention (channels/base.py): I (v - E) >= 0 for every channel and environment."""
    from brian2 import amp, kelvin, mM, mV
    if not channel.reverses:
        pytest.skip(f"{type(channel).__name__} does not reverse (its own sign test is in "
                    "test_channel_conformance)")
    env = {**make_env(),  # the variables not drawn here (Ca_o, the heart's compartments)
           **dict(v=v * mV, Mg_o=mg_o * mM, Mg_i=mg_i * mM, K_o=k_o * mM, K_i=k_i * mM,
                  Na_o=na_o * mM, Na_i=na_i * mM, T=t * kelvin)}
    e = float(np.asarray(channel.reversal(**env) / mV))
    i = float(np.asarray(channel.current(**env) / amp))
    assert np.isfinite(i)
    drive = v - e
    if abs(drive) > 1e-6:
        # the sign only: with no ion on one side E is infinite, and I = 0 is right
        assert i * np.sign(drive) >= 0, f"I = {i:g} A at v - E = {drive:g} mV"
