"""Apical Mg2+ channel of the distal convoluted tubule (TRPM6).

TRPM6 is the gatekeeper of transcellular Mg2+ reabsorption in the DCT
(Schlingmann et al. 2002; Walder et al. 2002: its loss causes hypomagnesemia
with secondary hypocalcemia). The channel is highly selective for divalent
cations, carries Mg2+ into the cell down the steep electrical gradient of
the apical membrane, is strongly outward-rectifying and is inhibited by
cytoplasmic free Mg2+ (Voets et al. 2004). The Mg2+ current (outward
positive, so Mg2+ *entry* from the lumen is a negative current) is taken as
Goldman-Hodgkin-Katz electrodiffusion of a divalent cation:

.. math::

    I_{TRPM6} = f_{Mg}\\, f_{pH}\\, P_{TRPM6}\\, z F
        \\left(\\frac{[Mg]_i}{\\mathrm{exprel}(-u)} - \\frac{[Mg]_o}{\\mathrm{exprel}(u)}\\right),
    \\qquad u = \\frac{z F V}{R T},\\ z = 2

    f_{Mg} = \\frac{1}{1 + ([Mg]_i / K_i)^{n_H}}, \\qquad
    f_{pH} = 2 - \\frac{1}{1 + \\max(pH_{ref} - pH_o, 0) / \\Delta pH}

``v`` is the apical potential (cell minus lumen), ``Mg_o`` luminal and
``Mg_i`` cytoplasmic free Mg2+ when the channel sits in a DCT cell
(:mod:`models.dct` renames them). The current reverses at the Nernst
potential of Mg2+ (z = 2), :math:`E_{Mg} = (RT/2F)\\ln([Mg]_o/[Mg]_i)`.

* **Mg_i inhibition.** :math:`K_i` = 0.51 mM with Hill coefficient 2 is the
  form and value of the Dutta & Layton (2024) nephron model (``TRPM6.py``:
  ``1/(1 + (Mg_i/0.51)**2)``), after Voets et al. (2004). The primary IC50
  was not read (/tmp/hypomag16/human_params.md row 3.25: TRPM7 gives about
  0.6 mM), so both are uncertain. :meth:`TRPM6.unblocked` returns
  :math:`f_{Mg}`.
* **Extracellular pH.** Extracellular acidification potentiates TRPM6
  inward currents (Li et al. 2007). :math:`f_{pH}` is the form of
  Dutta & Layton (2024): 1 at pH 7.4, 1.5 at pH 5.5 (their 56.6 pS at pH
  7.4 rising towards 85 pS), the factor 2 as pH falls without bound.
  Their form diverges for an alkaline lumen; alkalinization was not
  measured, so here it has no effect (the ``max``): an assumption.
* **GHK instead of Dutta & Layton's ohmic form.** Dutta & Layton write the
  flux as a conductance times :math:`(V - E_{Mg})` times an empirical
  luminal factor :math:`1 + [Mg]_o/(0.8 + [Mg]_o)`; the GHK form gives the
  dependence on luminal Mg2+ (linear at fixed voltage) and on voltage with one
  permeability. The strong outward rectification of TRPM6 is carried by
  monovalent cations leaving the cell, which are left out (only the Mg2+
  current is modelled).

The permeability is given per mm of DCT and is chosen so that the DCT model
(:mod:`models.dct`) reabsorbs 5-10 % of the filtered Mg2+; it is uncertain.
``trpm6_scale`` of the DCT stands for imposed down-regulation (thiazide,
Gitelman syndrome, cisplatin, EGF-receptor blockade).

References
----------
Voets T, Nilius B, Hoefs S, et al. (2004) TRPM6 forms the Mg2+ influx channel
involved in intestinal and renal Mg2+ absorption. J Biol Chem 279:19-25.
Li M, Du J, Jiang J, et al. (2007) Molecular determinants of Mg2+ and Ca2+
permeability and pH sensitivity in TRPM6 and TRPM7. J Biol Chem
282:25817-25830 (protons potentiate the inward currents of both channels).
The project brief cites the pH potentiation as Li et al. 2006 PNAS 103:18763;
that citation was not verified here.
Schlingmann KP, Weber S, Peters M, et al. (2002) Hypomagnesemia with secondary
hypocalcemia is caused by mutations in TRPM6. Nat Genet 31:166-170.
Walder RY, Landau D, Meyer P, et al. (2002) Mutation of TRPM6 causes familial
hypomagnesemia with secondary hypocalcemia. Nat Genet 31:171-174.
Dutta P, Layton AT (2024) Paradoxes in magnesium transport in type 1 Bartter's
syndrome and Gitelman's syndrome: a modeling analysis. Am J Physiol Renal
Physiol, doi:10.1152/ajprenal.00117.2024 (model code ``TRPM6.py``,
``NaMgX.py``, ``TRPV5.py``).
"""
from __future__ import annotations

import numpy as np
from brian2 import Quantity, amp, kelvin, mM, mV, pliter, second

from .base import AFFINITY_MM, Channel, Parameter, as_array
from .constants import (BODY_TEMPERATURE, BODY_TEMPERATURE_K, F_OVER_R_TEXT, FARADAY_TEXT,
                        nernst_mV)
from .enac import ghk_current_per_permeability

VOETS = "Voets et al. 2004 J Biol Chem 279:19"
DUTTA_LAYTON = "Dutta & Layton 2024 AJP Renal doi:10.1152/ajprenal.00117.2024 (code TRPM6.py)"
#: Allowed range of a pH (also used by the DCT model's luminal pH).
PH_RANGE = dict(minimum=4.0, maximum=8.5,
                bounds_reason="pH 4.0 (the most acid urine, about 4.5, with margin) to 8.5 "
                              "(the most alkaline urine, about 8)")


def trpm6_pH_factor(ph, ph_ref=7.4, dph=1.9):
    """Potentiation of TRPM6 by extracellular acidification (1 at and above ``ph_ref``)."""
    acid = np.maximum(np.asarray(ph_ref, float) - np.asarray(ph, float), 0.0)
    return 2.0 - 1.0 / (1.0 + acid / np.asarray(dph, float))


def trpm6_mg_factor(mg_i_mM, ki_mM=0.51, n_hill=2.0):
    """Fraction of TRPM6 activity not inhibited by cytoplasmic free Mg2+."""
    return 1.0 / (1.0 + (np.asarray(mg_i_mM, float) / np.asarray(ki_mM, float)) ** n_hill)


def trpm6_current(v_mV, mg_o_mM, mg_i_mM, permeability_m3_s, ki_mM=0.51, n_hill=2.0,
                  ph=7.4, ph_ref=7.4, dph=1.9, temperature_K=BODY_TEMPERATURE_K):
    """TRPM6 current in A (outward positive; Mg2+ entry negative), plain numpy.

    Every argument is a float or an array (broadcast): potential in mV,
    concentrations in mM, permeability in m^3/s (1 pl/s = 1e-15 m^3/s).
    """
    per_p = ghk_current_per_permeability(v_mV, mg_i_mM, mg_o_mM, temperature_K, valence=2)
    return (trpm6_mg_factor(mg_i_mM, ki_mM, n_hill) * trpm6_pH_factor(ph, ph_ref, dph)
            * np.asarray(permeability_m3_s, float) * per_p)


class TRPM6(Channel):
    """Apical TRPM6 Mg2+ channel: GHK electrodiffusion (z = 2), Mg_i inhibition, pH potentiation.

    Notes
    -----
    Uses ``v``, ``Mg_o``, ``Mg_i`` and ``T``; the extracellular pH is the
    parameter ``pH_TRPM6`` (a model sets it per condition). Records
    ``f_Mg_TRPM6`` and ``f_pH_TRPM6``.
    """

    name = "TRPM6"
    reference = f"{VOETS}; {DUTTA_LAYTON}"
    uses = ("v", "Mg_o", "Mg_i", "T")
    parameters = (
        Parameter("P_TRPM6", 40.0 * pliter / second, pliter / second,
                  "Mg2+ permeability of the apical TRPM6 per mm of DCT (uninhibited, pH 7.4)",
                  "chosen with the DCT's Mg2+ extrusion so that the DCT reabsorbs nearly all of "
                  "a low Mg load and saturates near its normal load, 5-10 % of the filtered Mg "
                  "(the renal threshold TmMg, Rude et al. 1980 JCEM 51:1425; models.nephron); "
                  "channel identity from " + VOETS,
                  uncertain=True, minimum=0.0, maximum=1000.0,
                  bounds_reason="0 (TRPM6 absent: HSH) to over 100 times the baseline"),
        Parameter("Ki_TRPM6", 0.51 * mM, mM,
                  "cytoplasmic free Mg2+ of half-maximal TRPM6 inhibition",
                  f"{DUTTA_LAYTON}, after {VOETS} (primary IC50 not read; TRPM7 ~0.6 mM, "
                  "Kozak & Cahalan 2003 Biophys J 84:922)", uncertain=True, **AFFINITY_MM),
        Parameter("nH_TRPM6", 2.0, 1, "Hill coefficient of the Mg_i inhibition", DUTTA_LAYTON,
                  uncertain=True, minimum=0.5, maximum=4.0,
                  bounds_reason="0.5 to 4, the span of Hill coefficients of ion-channel "
                                "inhibition by one to four bound ions"),
        Parameter("pH_TRPM6", 7.4, 1, "extracellular (luminal) pH at the channel",
                  "normal plasma pH; the DCT model sets it per condition", **PH_RANGE),
        Parameter("pHref_TRPM6", 7.4, 1, "pH at and above which acidification has no effect",
                  f"{DUTTA_LAYTON} (pH 7.4 reference of Li et al.)", **PH_RANGE),
        Parameter("dpH_TRPM6", 1.9, 1,
                  "acidification below pHref_TRPM6 giving 1.5-fold potentiation (pH units)",
                  f"{DUTTA_LAYTON}: 56.6 pS at pH 7.4 to 85 pS at pH 5.5 (Li et al.)",
                  uncertain=True, minimum=0.1, maximum=100.0,
                  bounds_reason="0.1 (potentiation saturating within a tenth of a pH unit) to "
                                "100 (practically no pH dependence)"),
    )
    recordables = ("f_Mg_TRPM6", "f_pH_TRPM6")

    def equation_text(self) -> str:
        return "\n".join([
            f"u_TRPM6 = 2 * v * {F_OVER_R_TEXT} / T : 1",
            "f_Mg_TRPM6 = 1 / (1 + (Mg_i / Ki_TRPM6)**nH_TRPM6) : 1",
            "f_pH_TRPM6 = 2 - 1 / (1 + clip(pHref_TRPM6 - pH_TRPM6, 0, inf) / dpH_TRPM6) : 1",
            f"I_TRPM6 = f_Mg_TRPM6 * f_pH_TRPM6 * P_TRPM6 * 2 * {FARADAY_TEXT} * "
            "(Mg_i / exprel(-u_TRPM6) - Mg_o / exprel(u_TRPM6)) : amp",
        ])

    def _p(self, name):
        return float(self.values[name] / self.parameter(name).unit)

    def reversal(self, Mg_o=1 * mM, Mg_i=0.5 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """E_Mg, the Nernst potential of Mg2+ (z = 2)."""
        return nernst_mV(as_array(Mg_o, mM), as_array(Mg_i, mM), as_array(T, kelvin),
                         valence=2) * mV

    def current(self, v, Mg_o=1 * mM, Mg_i=0.5 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """GHK current (outward positive; Mg2+ entry is negative), numpy."""
        return trpm6_current(as_array(v, mV), as_array(Mg_o, mM), as_array(Mg_i, mM),
                             self._p("P_TRPM6") * 1e-15, self._p("Ki_TRPM6"),
                             self._p("nH_TRPM6"), self._p("pH_TRPM6"), self._p("pHref_TRPM6"),
                             self._p("dpH_TRPM6"), as_array(T, kelvin)) * amp

    def unblocked(self, v=-65 * mV, Mg_i=0.5 * mM, **_ignored) -> np.ndarray:
        """Fraction of TRPM6 not inhibited by cytoplasmic Mg2+ (shaped like ``v``)."""
        f = trpm6_mg_factor(as_array(Mg_i, mM), self._p("Ki_TRPM6"), self._p("nH_TRPM6"))
        return np.broadcast_to(f, np.broadcast(f, as_array(v, mV)).shape).copy()
