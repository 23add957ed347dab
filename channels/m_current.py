"""Slow non-inactivating M-type K+ current (spike-frequency adaptation).

.. math::

    I_M &= g_M\\, p\\, (V - E_K), \\qquad dp/dt = (p_\\infty(u) - p)/\\tau_p(u) \\\\
    p_\\infty &= \\frac{1}{1 + e^{-(u + 35)/10}}, \\qquad
    \\tau_p = \\frac{\\tau_{max}}{3.3\\, e^{(u + 35)/20} + e^{-(u + 35)/20}}

(:math:`u = V - \\Delta V [- V_{surf}]` in mV; no threshold offset). Model of
Yamada, Koch & Adams (1989) as used by Pospischil et al. (2008, Eqs. 6-7) and
ModelDB 123623 ``IM_cortex.mod`` (at 36 C, no temperature correction).

References
----------
Pospischil M et al. (2008) Biol Cybern 99:427-441.
Yamada WM, Koch C, Adams PR (1989) Multiple channels and calcium dynamics. In:
Koch C, Segev I (eds) Methods in Neuronal Modeling. MIT Press, pp 97-134.
"""
from __future__ import annotations

import numpy as np
from brian2 import ms, mV, nS

from .base import CELL_CONDUCTANCE_NS, POTENTIAL_MV, TIME_CONSTANT_MS, Parameter
from .gating import AREA_NOTE, MODELDB, POSPISCHIL, GatedChannel, density, shift_parameter

YKA = "Yamada, Koch & Adams 1989 in Methods in Neuronal Modeling"
#: Published density (mS/cm2) of the RS cell, Pospischil et al. 2008.
G_M_DENSITY = 0.075


def m_steady(u_mV):
    """p_inf at gating voltage ``u_mV``."""
    return 1 / (1 + np.exp(-(np.asarray(u_mV, float) + 35) / 10))


def m_tau_ms(u_mV, tau_max_ms=608.0):
    """tau_p in ms at gating voltage ``u_mV``."""
    x = (np.asarray(u_mV, float) + 35) / 20
    return tau_max_ms / (3.3 * np.exp(x) + np.exp(-x))


class MCurrent(GatedChannel):
    """Slow M-type K+ current; uses ``v`` (and the model's shift variable, if given)."""

    name = "M"
    reference = f"{POSPISCHIL}; {YKA}; {MODELDB}"
    offset = None
    parameters = (
        Parameter("g_M", density(G_M_DENSITY), nS,
                  "maximal M-current conductance (0.075 mS/cm2 over the RS cell area)",
                  POSPISCHIL + ": gM = 7.5e-5 S/cm2 " + AREA_NOTE, uncertain=True,
                  **CELL_CONDUCTANCE_NS),
        Parameter("E_M", -90 * mV, mV, "K+ reversal potential", POSPISCHIL + ": EK = -90 mV",
                  **POTENTIAL_MV),
        Parameter("tau_max_M", 608 * ms, ms, "maximal time constant of the M current",
                  POSPISCHIL + ": tau_max = 608 ms (RS cell)", **TIME_CONSTANT_MS),
        shift_parameter("M"),
    )
    recordables = ("p_M",)

    def equation_text(self) -> str:
        return "\n".join([
            "I_M = g_M * p_M * (v - E_M) : amp",
            "dp_M/dt = (p_inf_M - p_M) / tau_p_M : 1",
            "p_inf_M = 1 / (1 + exp(-(u_M + 35*mV) / (10*mV))) : 1 (constant over dt)",
            "tau_p_M = tau_max_M / (3.3 * exp((u_M + 35*mV) / (20*mV)) + "
            "exp(-(u_M + 35*mV) / (20*mV))) : second (constant over dt)",
            self.gating_voltage_text(),
        ])

    def steady_gates(self, u_mV):
        return {"p_M": m_steady(u_mV)}

    def open_fraction(self, u_mV):
        return m_steady(u_mV)
