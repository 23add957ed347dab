"""Apical epithelial Na+ channel (ENaC) of the collecting-duct principal cell.

ENaC is highly selective for Na+ (P_Na/P_K > 100) and its single-channel
I–V is described by the Goldman–Hodgkin–Katz current equation (Palmer &
Frindt 1986; Garty & Palmer 1997). The current (outward positive; Na+
*entering* the cell from the lumen is a negative current) is

.. math::

    I_{ENaC} = P_{ENaC}\\, F \\left( \\frac{[Na]_i}{\\mathrm{exprel}(-u)}
               - \\frac{[Na]_o}{\\mathrm{exprel}(u)} \\right), \\qquad
    u = \\frac{F V}{R T}, \\quad \\mathrm{exprel}(x) = \\frac{e^x - 1}{x},

which is the GHK equation :math:`I = P F u ([Na]_i - [Na]_o e^{-u})/(1 - e^{-u})`
written so that it stays finite at V = 0. ``v`` is the apical potential
(cell minus lumen) and ``Na_o`` the luminal Na+ when the channel sits in a
principal cell (:mod:`models.principal_cell` renames them).

The permeability is given per mm of cortical collecting duct (the unit the
tubule-perfusion literature reports fluxes in) and is chosen so that the
principal-cell model absorbs Na+ at the rate measured in perfused rat CCD
(tens of pmol/min/mm with mineralocorticoid; Tomita, Pisano & Knepper 1985;
Schafer & Troutman 1990; docs/reference.md section 4). It is therefore uncertain;
``enac_scale`` in the experiments stands for aldosterone (scale > 1) or
amiloride (scale 0).

References
----------
Palmer LG, Frindt G (1986) Amiloride-sensitive Na channels from the apical
membrane of the rat cortical collecting tubule. PNAS 83:2767-2770.
Garty H, Palmer LG (1997) Epithelial sodium channels: function, structure,
and regulation. Physiol Rev 77:359-396.
Tomita K, Pisano JJ, Knepper MA (1985) Control of sodium and potassium
transport in the cortical collecting duct of the rat. J Clin Invest 76:132-136.
Schafer JA, Troutman SL (1990) Potassium transport in cortical collecting
tubules from mineralocorticoid-treated rat. Am J Physiol 259:F823-F831.
"""
from __future__ import annotations

import numpy as np
from brian2 import Quantity, amp, kelvin, mM, mV, pliter, second

from .base import Channel, Parameter, as_array
from .constants import (BODY_TEMPERATURE, BODY_TEMPERATURE_K, F_OVER_R, F_OVER_R_TEXT,
                        FARADAY_C_PER_MOL, FARADAY_TEXT, nernst_mV)

GARTY_PALMER = "Garty & Palmer 1997 Physiol Rev 77:359; Palmer & Frindt 1986 PNAS 83:2767"


def exprel(x):
    """(e^x - 1)/x, equal to 1 at x = 0 (numpy)."""
    x = np.asarray(x, float)
    small = np.abs(x) < 1e-8
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 + x / 2.0, np.expm1(safe) / safe)


def ghk_current_per_permeability(v_mV, c_in_mM, c_out_mM, temperature_K=BODY_TEMPERATURE_K,
                                 valence=1):
    """GHK current divided by permeability, in A per (m^3/s), for a monovalent cation.

    :math:`z F (c_i/\\mathrm{exprel}(-u) - c_o/\\mathrm{exprel}(u))`, u = zFV/RT,
    concentrations in mM (= mol/m^3).
    """
    u = valence * F_OVER_R * np.asarray(v_mV, float) * 1e-3 / temperature_K
    return valence * FARADAY_C_PER_MOL * (np.asarray(c_in_mM, float) / exprel(-u)
                                - np.asarray(c_out_mM, float) / exprel(u))


class ENaC(Channel):
    """Amiloride-sensitive epithelial Na+ channel, GHK permeation.

    Notes
    -----
    Uses ``v``, ``Na_o``, ``Na_i`` and ``T``. Records ``u_ENaC`` (FV/RT).
    """

    name = "ENaC"
    reference = GARTY_PALMER
    uses = ("v", "Na_o", "Na_i", "T")
    parameters = (
        Parameter("P_ENaC", 4.0 * pliter / second, pliter / second,
                  "Na+ permeability of the apical ENaC per mm of collecting duct",
                  "chosen so that the principal-cell model absorbs Na+ at tens of pmol/min/mm "
                  "as in perfused rat CCD (Tomita et al. 1985 JCI 76:132; docs/reference.md section 4)",
                  uncertain=True, minimum=0.0, maximum=1000.0,
                  bounds_reason="0 (amiloride) to 250 times the baseline, far beyond the "
                                "about tenfold activation by aldosterone"),
    )
    recordables = ("u_ENaC",)

    def equation_text(self) -> str:
        return "\n".join([
            f"u_ENaC = v * {F_OVER_R_TEXT} / T : 1",
            f"I_ENaC = P_ENaC * {FARADAY_TEXT} * "
            "(Na_i / exprel(-u_ENaC) - Na_o / exprel(u_ENaC)) : amp",
        ])

    def reversal(self, Na_o=140 * mM, Na_i=15 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """E_Na, the reversal potential (Nernst for a Na-only channel)."""
        return nernst_mV(as_array(Na_o, mM), as_array(Na_i, mM), as_array(T, kelvin)) * mV

    def current(self, v, Na_o=140 * mM, Na_i=15 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """GHK current (outward positive; Na+ entry is negative), numpy."""
        per_p = ghk_current_per_permeability(as_array(v, mV), as_array(Na_i, mM),
                                             as_array(Na_o, mM), as_array(T, kelvin))
        p_si = float(self.values["P_ENaC"] / (pliter / second)) * 1e-15
        return per_p * p_si * amp
