"""Fast Na+ current of the regular-spiking cortical cell (Traub-Miles kinetics).

.. math::

    I_{NaHH} &= g_{NaHH}\\, m^3 h\\, (V - E_{Na}) \\\\
    dm/dt &= \\alpha_m(u)(1 - m) - \\beta_m(u)\\, m, \\qquad
    dh/dt = \\alpha_h(u)(1 - h) - \\beta_h(u)\\, h \\\\
    \\alpha_m &= 0.32\\,\\frac{13 - u}{e^{(13 - u)/4} - 1}, \\qquad
    \\beta_m = 0.28\\,\\frac{u - 40}{e^{(u - 40)/5} - 1} \\\\
    \\alpha_h &= 0.128\\, e^{(17 - u)/18}, \\qquad
    \\beta_h = \\frac{4}{1 + e^{(40 - u)/5}}

(rates in 1/ms, :math:`u = V - V_T - \\Delta V [- V_{surf}]` in mV, see
:mod:`channels.gating`). Kinetics of Traub & Miles (1991) as used by
Pospischil et al. (2008, Eqs. 2-4) and ModelDB 123623 ``HH_traub.mod``
(``hh2``), at 36 C without temperature correction.

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
G_NA_DENSITY = 56.0


def na_rates(u_mV):
    """(alpha_m, beta_m, alpha_h, beta_h) in 1/ms at gating voltage ``u_mV``."""
    u = np.asarray(u_mV, float)
    return (0.32 * vtrap(13 - u, 4), 0.28 * vtrap(u - 40, 5),
            0.128 * np.exp((17 - u) / 18), 4 / (1 + np.exp((40 - u) / 5)))


class NaHH(GatedChannel):
    """Traub-Miles fast Na+ current; uses ``v`` (and the model's shift variable, if given)."""

    name = "NaHH"
    reference = f"{POSPISCHIL}; {TRAUB}; {MODELDB}"
    offset = "VT_NaHH"
    parameters = (
        Parameter("g_NaHH", density(G_NA_DENSITY), nS,
                  "maximal Na+ conductance (56 mS/cm2 over the RS cell area)",
                  POSPISCHIL + ": gNa = 0.056 S/cm2 " + AREA_NOTE, uncertain=True,
                  **CELL_CONDUCTANCE_NS),
        Parameter("E_NaHH", 50 * mV, mV, "Na+ reversal potential", POSPISCHIL + ": ENa = 50 mV",
                  **POTENTIAL_MV),
        Parameter("VT_NaHH", -56.2 * mV, mV, "threshold offset of the Traub-Miles kinetics",
                  POSPISCHIL + ": VT = -56.2 mV (RS cell)", **OFFSET_MV),
        shift_parameter("NaHH"),
    )
    recordables = ("m_NaHH", "h_NaHH")

    def equation_text(self) -> str:
        return "\n".join([
            "I_NaHH = g_NaHH * m_NaHH**3 * h_NaHH * (v - E_NaHH) : amp",
            "dm_NaHH/dt = alpha_m_NaHH * (1 - m_NaHH) - beta_m_NaHH * m_NaHH : 1",
            "dh_NaHH/dt = alpha_h_NaHH * (1 - h_NaHH) - beta_h_NaHH * h_NaHH : 1",
            # 0.32*4 = 1.28 and 0.28*5 = 1.4: x/(exp(x/y)-1) = y/exprel(x/y)
            "alpha_m_NaHH = 1.28/ms / exprel((13*mV - u_NaHH) / (4*mV)) : Hz (constant over dt)",
            "beta_m_NaHH = 1.4/ms / exprel((u_NaHH - 40*mV) / (5*mV)) : Hz (constant over dt)",
            "alpha_h_NaHH = 0.128/ms * exp((17*mV - u_NaHH) / (18*mV)) : Hz (constant over dt)",
            "beta_h_NaHH = 4/ms / (1 + exp((40*mV - u_NaHH) / (5*mV))) : Hz (constant over dt)",
            self.gating_voltage_text(),
        ])

    def steady_gates(self, u_mV):
        am, bm, ah, bh = na_rates(u_mV)
        return {"m_NaHH": am / (am + bm), "h_NaHH": ah / (ah + bh)}

    def open_fraction(self, u_mV):
        g = self.steady_gates(u_mV)
        return g["m_NaHH"] ** 3 * g["h_NaHH"]
