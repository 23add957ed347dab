"""ROMK (Kir1.1) K+ channel: a weak inward rectifier blocked from the cytoplasm by Mg2+.

The current (outward positive, i.e. K+ leaving the cell; for the apical
membrane of a principal cell, K+ secreted into the lumen) is

.. math::

    I_{ROMK} = g_{ROMK}\\, s([K]_o)\\, f_{Mg}\\, (V - E_K), \\qquad
    E_K = \\frac{RT}{F}\\ln\\frac{[K]_o}{[K]_i}

    s = \\alpha + (1 - \\alpha) \\frac{[K]_o}{[K]_o + K_m}

    f_{Mg} = \\rho + \\frac{1 - \\rho}{1 + [Mg]_i / K_d}, \\qquad
    K_d = K_{d0}\\, \\frac{K_r + [K]_o}{K_r + 110\\ \\mathrm{mM}}\\,
          e^{-z\\delta F V / RT}

* **Conductance and external K.** The conductance grows with external K
  (Michaelis-Menten, K_m = 11.5 mM; Löffler & Hunter 1997) but keeps a
  K-independent part :math:`\\alpha`: outward conductance of native apical K
  channels stays finite with no K on the luminal side (Frindt & Palmer 2005).
* **Mg2+ block.** Cytoplasmic Mg2+ enters the pore from inside (Woodhull
  form), so depolarization, which drives it outward into the pore, deepens
  the block; the affinity is referenced to V = 0 and to the symmetric 110 mM
  K of the single-channel recordings. External K+ entering the pore knocks the
  blocker back (Lu & MacKinnon 1994; Yang, Frindt & Palmer 2010): the
  affinity falls with external K, half-way at :math:`K_r`. A blocked channel
  keeps the fraction :math:`\\rho` of its current (the block of Kir1.1 by Mg2+
  is partial, a weak rectification: Chepilko et al. 1995 measured 17 pS outward
  vs 36 pS inward in 110 mM K with cytoplasmic Mg).
* With no Mg2+ the current is ohmic at fixed K: no rectification (Chepilko et al. 1995:
  no rectification in Mg-free excised patches).

The five block and saturation parameters are not pinned individually by the
literature. They are fitted (docs/reference.md section 3) to four measured
properties: in symmetric 110 mM K with 0.5 mM Mg_i the chord conductance at
+40 mV is about half that at -60 mV (Chepilko 1995: 17/36 = 0.47); outward current
rises monotonically with voltage over the apical range (-100 to +60 mV at luminal
K 2-40 mM; below about 2 mM a small negative slope remains); the
outward conductance near reversal stays finite as luminal K goes to 0
(Frindt & Palmer 2005); inward current changes by a few per cent at most
between 0 and 1 mM Mg_i (Lu & MacKinnon 1994). :data:`ROMK_FITS` holds the
central fit and two others that meet the same constraints with a weaker and
a stronger Mg sensitivity; the experiments show the band they span.

References
----------
Chepilko S, Zhou H, Sackin H, Palmer LG (1995) Permeation and gating properties of a
cloned renal K+ channel. Am J Physiol 268:C389-C401.
Frindt G, Palmer LG (2005) Quantification of K+ secretion through apical
low-conductance K channels in the CCD. Am J Physiol Renal Physiol (January
2005): outward conductance near reversal 15 pS with no K+ in the pipette,
50 pS with 134 mM.
Löffler K, Hunter M (1997) Cation permeation and blockade of ROMK1, a cloned
renal potassium channel. Pflügers Arch 434:151-158.
Lu Z, MacKinnon R (1994) Electrostatic tuning of Mg2+ affinity in an
inward-rectifier K+ channel. Nature 371:243-246.
Yang L, Frindt G, Palmer LG (2010) Magnesium modulates ROMK channel-mediated
potassium secretion. J Am Soc Nephrol 21:2109-2116.
"""
from __future__ import annotations

import numpy as np
from brian2 import Quantity, kelvin, mM, mV, nS

from .base import AFFINITY_MM, CELL_CONDUCTANCE_NS, ZDELTA, Channel, Parameter, as_array
# nernst_mV is imported here for the callers that take it from this module
from .constants import (BODY_TEMPERATURE, BODY_TEMPERATURE_K, F_OVER_R, F_OVER_R_TEXT, nernst_mV,
                        nernst_text)

CHEPILKO = "Chepilko, Zhou, Sackin & Palmer 1995 AJP Cell 268:C389"
LH = "Loeffler & Hunter 1997 Pflugers Arch 434:151"
LU_MACKINNON = "Lu & MacKinnon 1994 Nature 371:243"
FRINDT_PALMER = ("Frindt & Palmer 2005 AJP Renal (K+ secretion through apical low-conductance "
                 "K channels in the CCD)")
YANG = "Yang, Frindt & Palmer 2010 JASN 21:2109"
FIT_SOURCE = (f"fitted (docs/reference.md section 3) to the 17/36 pS outward/inward conductance "
              f"of {CHEPILKO}, finite outward conductance at low K_o ({FRINDT_PALMER}), inward "
              f"current nearly Mg-independent ({LU_MACKINNON}) and a monotonic outward I-V")
#: External K (mM) of the single-channel recordings the affinity is referenced to.
K_REFERENCE_MM = 110.0

#: Three fits of the block that meet the same four constraints (module docstring):
#: Kd0 (mM), z*delta, rho, K_r (mM), alpha; "central" is the default.
ROMK_FITS = {
    "central": {"Kd0_ROMK": 0.50, "zdelta_ROMK": 1.55, "rho_ROMK": 0.45, "Kr_ROMK": 0.5,
                "alpha_ROMK": 0.41},
    "weak": {"Kd0_ROMK": 0.60, "zdelta_ROMK": 1.70, "rho_ROMK": 0.50, "Kr_ROMK": 0.5,
             "alpha_ROMK": 0.38},
    "strong": {"Kd0_ROMK": 0.70, "zdelta_ROMK": 1.25, "rho_ROMK": 0.375, "Kr_ROMK": 0.2,
               "alpha_ROMK": 0.55},
}
_CENTRAL = ROMK_FITS["central"]

__all__ = ["ROMK", "ROMK_FITS", "nernst_mV", "romk_current", "romk_unblocked", "romk_saturation"]


def romk_unblocked(v_mV, mg_i_mM, k_o_mM, kd0_mM=_CENTRAL["Kd0_ROMK"],
                   zdelta=_CENTRAL["zdelta_ROMK"], rho=_CENTRAL["rho_ROMK"],
                   k_r_mM=_CENTRAL["Kr_ROMK"], temperature_K=BODY_TEMPERATURE_K):
    """Fraction of ROMK conductance not blocked by cytoplasmic Mg2+, :math:`f_{Mg}`.

    Floats (or arrays) in mV, mM and K; see the module docstring.
    """
    kd = (kd0_mM * (k_r_mM + np.asarray(k_o_mM, float)) / (k_r_mM + K_REFERENCE_MM)
          * np.exp(-zdelta * F_OVER_R * np.asarray(v_mV, float) * 1e-3 / temperature_K))
    return rho + (1.0 - rho) / (1.0 + np.asarray(mg_i_mM, float) / kd)


def romk_saturation(k_o_mM, km_mM=11.5, alpha=_CENTRAL["alpha_ROMK"]):
    """External-K dependence of the conductance, :math:`s = \\alpha + (1-\\alpha) K_o/(K_o+K_m)`."""
    k_o = np.asarray(k_o_mM, float)
    return alpha + (1.0 - alpha) * k_o / (k_o + km_mM)


def romk_current(v_mV, mg_i_mM, k_o_mM, k_i_mM, g, km_mM=11.5, kd0_mM=_CENTRAL["Kd0_ROMK"],
                 zdelta=_CENTRAL["zdelta_ROMK"], rho=_CENTRAL["rho_ROMK"],
                 k_r_mM=_CENTRAL["Kr_ROMK"], alpha=_CENTRAL["alpha_ROMK"],
                 temperature_K=BODY_TEMPERATURE_K):
    """ROMK current (outward positive) in the unit of ``g`` times mV; plain floats or arrays."""
    e_k = nernst_mV(k_o_mM, k_i_mM, temperature_K)
    f = romk_unblocked(v_mV, mg_i_mM, k_o_mM, kd0_mM, zdelta, rho, k_r_mM, temperature_K)
    return g * romk_saturation(k_o_mM, km_mM, alpha) * f * (np.asarray(v_mV, float) - e_k)


def _fit_parameter(name, unit, meaning, **bounds) -> Parameter:
    return Parameter(name, _CENTRAL[name] * unit, unit, meaning, FIT_SOURCE, uncertain=True,
                     **bounds)


FRACTION = dict(minimum=0.0, maximum=1.0,
                bounds_reason="a fraction of the conductance: 0 to 1")


class ROMK(Channel):
    """ROMK (Kir1.1) channel, weakly rectified by cytoplasmic Mg2+.

    Notes
    -----
    Uses ``v`` (cell minus outside/lumen), ``Mg_i``, ``K_o``, ``K_i`` and
    ``T``. Records ``f_ROMK`` (fraction not blocked by Mg2+) and ``E_K_ROMK``.
    """

    name = "ROMK"
    reference = f"{CHEPILKO}; {FRINDT_PALMER}; {LH}; {LU_MACKINNON}; {YANG}"
    uses = ("v", "Mg_i", "K_o", "K_i", "T")
    parameters = (
        Parameter("g_ROMK", 3.8 * nS, nS,
                  "maximal conductance at saturating K_o (a patch of 100 channels)",
                  f"derived: 100 x 36 pS at 110 mM K ({CHEPILKO}) / s(110 mM) = 0.944",
                  **CELL_CONDUCTANCE_NS),
        Parameter("Km_K_ROMK", 11.5 * mM, mM,
                  "external K of half-maximal K-dependent conductance", LH, **AFFINITY_MM),
        _fit_parameter("alpha_ROMK", 1, "fraction of the conductance independent of external K",
                       **FRACTION),
        _fit_parameter("Kd0_ROMK", mM, "Mg2+ dissociation constant at V = 0 in 110 mM external K",
                       **AFFINITY_MM),
        _fit_parameter("zdelta_ROMK", 1, "valence times electrical distance of the Mg2+ site",
                       **ZDELTA),
        _fit_parameter("rho_ROMK", 1, "fraction of the current a Mg2+-occupied channel keeps",
                       **FRACTION),
        _fit_parameter("Kr_ROMK", mM, "external K at which K+ halves the Mg2+ affinity gain "
                       "(trans knock-off)", **AFFINITY_MM),
    )
    recordables = ("f_ROMK", "E_K_ROMK")

    def equation_text(self) -> str:
        ft = f"{F_OVER_R_TEXT} / T"
        return "\n".join([
            "I_ROMK = g_ROMK * (alpha_ROMK + (1 - alpha_ROMK) * K_o / (K_o + Km_K_ROMK))"
            " * f_ROMK * (v - E_K_ROMK) : amp",
            f"E_K_ROMK = {nernst_text('K_o', 'K_i')} : volt",
            "f_ROMK = rho_ROMK + (1 - rho_ROMK) / (1 + Mg_i / Kd_ROMK) : 1",
            f"Kd_ROMK = Kd0_ROMK * (Kr_ROMK + K_o) / (Kr_ROMK + {K_REFERENCE_MM!r}*mmolar)"
            f" * exp(-zdelta_ROMK * v * {ft}) : mmolar",
        ])

    def block_values(self) -> dict[str, float]:
        """The block and saturation parameters as floats (mM where concentrations)."""
        p = self.values
        return {"km_mM": float(p["Km_K_ROMK"] / mM), "kd0_mM": float(p["Kd0_ROMK"] / mM),
                "zdelta": float(p["zdelta_ROMK"]), "rho": float(p["rho_ROMK"]),
                "k_r_mM": float(p["Kr_ROMK"] / mM), "alpha": float(p["alpha_ROMK"])}

    def unblocked(self, v, Mg_i, K_o, T=BODY_TEMPERATURE, **_ignored):
        """Fraction of conductance not blocked by Mg2+ (numpy)."""
        b = self.block_values()
        return romk_unblocked(as_array(v, mV), as_array(Mg_i, mM), as_array(K_o, mM),
                              b["kd0_mM"], b["zdelta"], b["rho"], b["k_r_mM"], as_array(T, kelvin))

    def reversal(self, K_o, K_i=145 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """E_K, the reversal potential."""
        return nernst_mV(as_array(K_o, mM), as_array(K_i, mM), as_array(T, kelvin)) * mV

    def current(self, v, Mg_i, K_o, K_i=145 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """Steady-state ROMK current (outward positive), numpy."""
        return romk_current(as_array(v, mV), as_array(Mg_i, mM), as_array(K_o, mM),
                            as_array(K_i, mM), 1.0, temperature_K=as_array(T, kelvin),
                            **self.block_values()) * self.values["g_ROMK"] * mV
