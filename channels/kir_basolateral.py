"""Basolateral K+ conductance of the principal cell (Kir4.1/Kir5.1, KCNJ10/KCNJ16).

The basolateral membrane of collecting-duct principal cells recycles the K+
the Na/K pump brings in through a 40–50 pS inwardly rectifying channel made
of Kir4.1/Kir5.1 heteromers (Lachheb et al. 2008; Wang 2016). Near rest its
current is close to ohmic; like every Kir channel its conductance grows with
external K+ roughly as the square root (Hagiwara & Takahashi 1974; Sakmann
& Trube 1984):

.. math::

    I_{Kir45} = g_{Kir45} \\left(\\frac{[K]_o}{K_{ref}}\\right)^{n_K} (V - E_K), \\qquad
    E_K = \\frac{RT}{F}\\ln\\frac{[K]_o}{[K]_i}

``v`` is the basolateral potential (cell minus blood), ``K_o`` plasma
(interstitial) K+. The polyamine/Mg2+ rectification of Kir4.1/5.1 is left out:
the channel works near its reversal potential, where the block matters little,
so intracellular Mg2+ acts on the apical ROMK only (a simplification).

The conductance is given per mm of cortical collecting duct and chosen so
that the principal-cell model has a basolateral potential of -70 to -85 mV
(docs/reference.md section 4); it is uncertain.

References
----------
Lachheb S, Cluzeaud F, Bens M, et al. (2008) Kir4.1/Kir5.1 channel forms the
major K+ channel in the basolateral membrane of mouse renal collecting duct
principal cells. Am J Physiol Renal Physiol 294:F1398-F1407.
Wang WH (2016) Basolateral Kir4.1 activity in the distal convoluted tubule
regulates K secretion by determining NaCl cotransporter activity. Curr Opin
Nephrol Hypertens 25:429-435.
Hagiwara S, Takahashi K (1974) J Membr Biol 18:61-80.
Sakmann B, Trube G (1984) Conductance properties of single inwardly
rectifying potassium channels in ventricular cells from guinea-pig heart.
J Physiol 347:641-657.
"""
from __future__ import annotations

from brian2 import Quantity, kelvin, mM, mV, uS

from .base import AFFINITY_MM, TUBULE_CONDUCTANCE_US, Channel, Parameter, as_array
from .constants import BODY_TEMPERATURE, nernst_mV, nernst_text

LACHHEB = "Lachheb et al. 2008 AJP Renal 294:F1398"


class Kir45(Channel):
    """Basolateral Kir4.1/5.1 K+ conductance, sqrt(K_o) dependent, unblocked.

    Notes
    -----
    Uses ``v``, ``K_o``, ``K_i`` and ``T``. Records ``E_K_Kir45``.
    """

    name = "Kir45"
    reference = f"{LACHHEB}; Hagiwara & Takahashi 1974 J Membr Biol 18:61"
    uses = ("v", "K_o", "K_i", "T")
    parameters = (
        Parameter("g_Kir45", 6.0 * uS, uS,
                  "basolateral K+ conductance per mm of collecting duct at K_o = Kref_Kir45",
                  "chosen to give a basolateral potential of -70 to -85 mV "
                  "(docs/reference.md section 4); channel identity from " + LACHHEB, uncertain=True,
                  **TUBULE_CONDUCTANCE_US),
        Parameter("Kref_Kir45", 4.0 * mM, mM, "external K+ at which the conductance is g_Kir45",
                  "normal plasma K (docs/reference.md section 5)",
                  **{**AFFINITY_MM, "bounds_reason": "a reference concentration is positive "
                     "(the conductance scales as (K_o/Kref)^n); at most 1 M"}),
        Parameter("nK_Kir45", 0.5, 1, "exponent of the external-K+ dependence of conductance",
                  "square-root law of Kir channels (Hagiwara & Takahashi 1974; "
                  "Sakmann & Trube 1984 J Physiol 347:641)", uncertain=True,
                  minimum=0.0, maximum=2.0,
                  bounds_reason="0 (no K+ dependence) to 2; measured exponents of Kir "
                                "conductances are 0.3-0.6"),
    )
    recordables = ("E_K_Kir45",)

    def equation_text(self) -> str:
        return "\n".join([
            "I_Kir45 = g_Kir45 * (K_o / Kref_Kir45)**nK_Kir45 * (v - E_K_Kir45) : amp",
            f"E_K_Kir45 = {nernst_text('K_o', 'K_i')} : volt",
        ])

    def reversal(self, K_o=4 * mM, K_i=145 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """E_K, the reversal potential."""
        return nernst_mV(as_array(K_o, mM), as_array(K_i, mM), as_array(T, kelvin)) * mV

    def current(self, v, K_o=4 * mM, K_i=145 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """Steady-state current (outward positive), numpy."""
        p = self.values
        scale = (as_array(K_o, mM) / float(p["Kref_Kir45"] / mM)) ** float(p["nK_Kir45"])
        drive = as_array(v, mV) - as_array(self.reversal(K_o, K_i, T), mV)
        return p["g_Kir45"] * scale * drive * mV
