"""Delayed-rectifier K+ current of the regular-spiking cortical cell (Traub-Miles kinetics).

.. math::

    I_{KHH} &= g_{KHH}\\, n^4\\, (V - E_K) \\\\
    dn/dt &= \\alpha_n(u)(1 - n) - \\beta_n(u)\\, n \\\\
    \\alpha_n &= 0.032\\,\\frac{15 - u}{e^{(15 - u)/5} - 1}, \\qquad
    \\beta_n = 0.5\\, e^{(10 - u)/40}

(rates in 1/ms, :math:`u = V - V_T - \\Delta V [- V_{surf}]` in mV, see
:mod:`channels.gating`). Kinetics of Traub & Miles (1991) as used by
Pospischil et al. (2008, Eq. 5) and ModelDB 123623 ``HH_traub.mod``.

References
----------
Pospischil M et al. (2008) Biol Cybern 99:427-441.
Traub RD, Miles R (1991) Neuronal Networks of the Hippocampus. Cambridge UP.
"""
from __future__ import annotations

import numpy as np
from brian2 import mV, nS

from .base import CELL_CONDUCTANCE_NS, POTENTIAL_MV, Parameter
from .gating import (AREA_NOTE, MODELDB, OFFSET_MV, POSPISCHIL, TRAUB, GatedChannel, density,
                     shift_parameter, vtrap)

#: Published density (mS/cm2) of the RS cell, Pospischil et al. 2008.
G_KD_DENSITY = 6.0


def k_rates(u_mV):
    """(alpha_n, beta_n) in 1/ms at gating voltage ``u_mV``."""
    u = np.asarray(u_mV, float)
    return 0.032 * vtrap(15 - u, 5), 0.5 * np.exp((10 - u) / 40)


class KHH(GatedChannel):
    """Traub-Miles delayed-rectifier K+ current; uses ``v`` (and the model's shift, if given)."""

    name = "KHH"
    reference = f"{POSPISCHIL}; {TRAUB}; {MODELDB}"
    offset = "VT_KHH"
    parameters = (
        Parameter("g_KHH", density(G_KD_DENSITY), nS,
                  "maximal delayed-rectifier K+ conductance (6 mS/cm2 over the RS cell area)",
                  POSPISCHIL + ": gKd = 0.006 S/cm2 " + AREA_NOTE, uncertain=True,
                  **CELL_CONDUCTANCE_NS),
        Parameter("E_KHH", -90 * mV, mV, "K+ reversal potential", POSPISCHIL + ": EK = -90 mV",
                  **POTENTIAL_MV),
        Parameter("VT_KHH", -56.2 * mV, mV, "threshold offset of the Traub-Miles kinetics",
                  POSPISCHIL + ": VT = -56.2 mV (RS cell, shared with Na)", **OFFSET_MV),
        shift_parameter("KHH"),
    )
    recordables = ("n_KHH",)

    def equation_text(self) -> str:
        return "\n".join([
            "I_KHH = g_KHH * n_KHH**4 * (v - E_KHH) : amp",
            "dn_KHH/dt = alpha_n_KHH * (1 - n_KHH) - beta_n_KHH * n_KHH : 1",
            # 0.032*5 = 0.16: x/(exp(x/y)-1) = y/exprel(x/y)
            "alpha_n_KHH = 0.16/ms / exprel((15*mV - u_KHH) / (5*mV)) : Hz (constant over dt)",
            "beta_n_KHH = 0.5/ms * exp((10*mV - u_KHH) / (40*mV)) : Hz (constant over dt)",
            self.gating_voltage_text(),
        ])

    def steady_gates(self, u_mV):
        an, bn = k_rates(u_mV)
        return {"n_KHH": an / (an + bn)}

    def open_fraction(self, u_mV):
        return self.steady_gates(u_mV)["n_KHH"] ** 4
