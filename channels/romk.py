"""ROMK (Kir1.1) K+ channel with intracellular Mg2+ block.

The current (outward positive, i.e. K+ leaving the cell; for the apical
membrane of a principal cell, K+ secreted into the lumen) is

.. math::

    I_{ROMK} = g_{ROMK}\\, \\frac{[K]_o}{[K]_o + K_m}\\, f_{Mg}\\, (V - E_K), \\qquad
    E_K = \\frac{RT}{F}\\ln\\frac{[K]_o}{[K]_i}

    f_{Mg} = \\frac{1}{1 + [Mg]_i / K_d(V)}, \\qquad
    K_d(V) = K_{d0}\\, e^{-z\\delta F (V - E_K)/RT}

* Conductance saturates with external K (Michaelis–Menten, Km = 11.5 mM;
  Löffler & Hunter 1997).
* Cytoplasmic Mg2+ enters the pore from inside (Woodhull 1973 form), so
  depolarization, which drives it outward into the pore, deepens the block.
  The block is referenced to the driving force :math:`V - E_K`, the classic
  signature of inward rectifiers (Hagiwara & Takahashi 1974): well below
  :math:`E_K` inward K+ flux clears the pore and inward current is essentially
  unblocked; lowering external K moves :math:`E_K` down, so at a given V the
  affinity rises (Lu & MacKinnon 1994; Yang, Frindt & Palmer 2010).
* With no Mg2+ the current is ohmic: no rectification (Choe et al. 1995).

The affinity :math:`K_{d0}` and steepness :math:`z\\delta` of ROMK's weak Mg2+
block are not pinned by the literature. The defaults (2.5 mM; 1.0, i.e. a
divalent ion half-way through the field) lie inside the plausible range
(Kd0 0.5-5 mM, z·delta 0.6-1.4) and make outward current rise about 2x when
Mg_i falls from 1 to 0.1 mM at V - E_K = +30 mV, while inward current 40 mV
below E_K changes by 4 % when Mg_i falls from 0.5 to 0.05 mM; they
are marked uncertain and overridable, and the experiments show the band
their range spans.

References
----------
Choe H, Zhou H, Palmer LG, Sackin H (1995) A conserved cytoplasmic region of
ROMK modulates pH sensitivity, conductance, and gating. / Permeation and gating
properties of a cloned renal K+ channel. Am J Physiol 268:C389-C401.
Löffler K, Hunter M (1997) Cation permeation and blockade of ROMK1, a cloned
renal potassium channel. Pflügers Arch 434:151-158.
Lu Z, MacKinnon R (1994) Electrostatic tuning of Mg2+ affinity in an
inward-rectifier K+ channel. Nature 371:243-246.
Yang L, Frindt G, Palmer LG (2010) Magnesium modulates ROMK channel-mediated
potassium secretion. J Am Soc Nephrol 21:2109-2116.
Hagiwara S, Takahashi K (1974) The anomalous rectification and cation
selectivity of the membrane of a starfish egg cell. J Membr Biol 18:61-80.
"""
from __future__ import annotations

import numpy as np
from brian2 import Quantity, kelvin, mM, mV, nS

from .base import AFFINITY_MM, CELL_CONDUCTANCE_NS, ZDELTA, Channel, Parameter, as_array
# nernst_mV is imported here for the callers that take it from this module
from .constants import (BODY_TEMPERATURE, BODY_TEMPERATURE_K, F_OVER_R, F_OVER_R_TEXT, nernst_mV,
                        nernst_text)

CHOE = "Choe et al. 1995 AJP Cell 268:C389"
LH = "Loeffler & Hunter 1997 Pflugers Arch 434:151"
LU_MACKINNON = "Lu & MacKinnon 1994 Nature 371:243"
BLOCK_SOURCE = (f"chosen within the range of {LU_MACKINNON} and "
                "Yang, Frindt & Palmer 2010 JASN 21:2109")

__all__ = ["ROMK", "nernst_mV", "romk_unblocked"]


def romk_unblocked(v_mV, mg_i_mM, k_o_mM, k_i_mM=145.0, kd0_mM=2.5, zdelta=1.0,
                   temperature_K=BODY_TEMPERATURE_K):
    """Fraction of ROMK conductance not blocked by cytoplasmic Mg2+.

    :math:`f = 1/(1 + [Mg]_i/K_{d0}\\, e^{z\\delta F (V - E_K)/RT})`; floats in mV, mM, K.
    """
    e_k = nernst_mV(k_o_mM, k_i_mM, temperature_K)
    drive = (np.asarray(v_mV, float) - e_k) * 1e-3
    return 1.0 / (1.0 + np.asarray(mg_i_mM, float) / kd0_mM
                  * np.exp(zdelta * F_OVER_R * drive / temperature_K))


class ROMK(Channel):
    """ROMK (Kir1.1) channel blocked from the cytoplasm by Mg2+.

    Notes
    -----
    Uses ``v`` (cell minus outside/lumen), ``Mg_i``, ``K_o``, ``K_i`` and
    ``T``. Records ``f_ROMK`` (fraction not blocked by Mg2+) and ``E_K_ROMK``.
    """

    name = "ROMK"
    reference = f"{CHOE}; {LH}; {LU_MACKINNON}; Yang et al. 2010 JASN 21:2109"
    uses = ("v", "Mg_i", "K_o", "K_i", "T")
    parameters = (
        Parameter("g_ROMK", 4.0 * nS, nS,
                  "maximal conductance at saturating K_o (a patch of 100 channels)",
                  f"derived: 100 x 36 pS at 110 mM K ({CHOE}) / (110/(110+11.5))",
                  **CELL_CONDUCTANCE_NS),
        Parameter("Km_K_ROMK", 11.5 * mM, mM,
                  "external K of half-maximal conductance", LH, **AFFINITY_MM),
        Parameter("Kd0_ROMK", 2.5 * mM, mM,
                  "Mg2+ dissociation constant at V = E_K", BLOCK_SOURCE, uncertain=True,
                  **AFFINITY_MM),
        Parameter("zdelta_ROMK", 1.0, 1,
                  "valence times electrical distance of the Mg2+ site", BLOCK_SOURCE,
                  uncertain=True, **ZDELTA),
    )
    recordables = ("f_ROMK", "E_K_ROMK")

    def equation_text(self) -> str:
        ft = f"{F_OVER_R_TEXT} / T"
        return "\n".join([
            "I_ROMK = g_ROMK * K_o / (K_o + Km_K_ROMK) * f_ROMK * (v - E_K_ROMK) : amp",
            f"E_K_ROMK = {nernst_text('K_o', 'K_i')} : volt",
            f"f_ROMK = 1 / (1 + Mg_i / Kd0_ROMK * exp(zdelta_ROMK * (v - E_K_ROMK) * {ft})) : 1",
        ])

    def unblocked(self, v, Mg_i, K_o, K_i=145 * mM, T=BODY_TEMPERATURE, **_ignored):
        """Fraction of conductance not blocked by Mg2+ (numpy)."""
        p = self.values
        return romk_unblocked(as_array(v, mV), as_array(Mg_i, mM), as_array(K_o, mM),
                              as_array(K_i, mM), float(p["Kd0_ROMK"] / mM),
                              float(p["zdelta_ROMK"]), as_array(T, kelvin))

    def reversal(self, K_o, K_i=145 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """E_K, the reversal potential."""
        return nernst_mV(as_array(K_o, mM), as_array(K_i, mM), as_array(T, kelvin)) * mV

    def current(self, v, Mg_i, K_o, K_i=145 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """Steady-state ROMK current (outward positive), numpy."""
        p = self.values
        k_o = as_array(K_o, mM)
        saturation = k_o / (k_o + float(p["Km_K_ROMK"] / mM))
        f = self.unblocked(v, Mg_i, K_o, K_i, T)
        drive = as_array(v, mV) - as_array(self.reversal(K_o, K_i, T), mV)
        return p["g_ROMK"] * saturation * f * drive * mV
