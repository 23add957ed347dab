"""Apical K+ conductance of the distal convoluted tubule (Kv1.1, KCNA1).

Kv1.1 sits in the apical membrane of the DCT next to TRPM6. A dominant
missense mutation (N255D) that abolishes its current causes isolated
autosomal dominant hypomagnesemia: the K+ conductance "establishes a
favourable luminal membrane potential" that drives Mg2+ entry through
TRPM6 (Glaudemans et al. 2009). It also secretes into the lumen part of the
K+ that the basolateral Na/K pump brings into the cell. The current is ohmic with the
Nernst potential of K+ across the apical membrane:

.. math::

    I_{Kv11} = g_{Kv11} (V - E_K), \\qquad E_K = \\frac{RT}{F}\\ln\\frac{[K]_o}{[K]_i}

``v`` is the apical potential (cell minus lumen), ``K_o`` luminal and
``K_i`` cell K+ in the DCT cell (:mod:`models.dct` renames them).

Voltage gating is left out: Kv1.1 activates positive of about -40 mV in
expression systems, so at the apical potential of the DCT (about -80 mV) only
a small fraction of channels is open; ``g_Kv11`` is the effective (open)
conductance at the working potential, not the maximal conductance of the
channel population. No measured value exists: it is chosen (per mm of DCT)
so that the DCT model's luminal K+ rises by about 1 mM along the segment
and the apical potential is a few mV more negative than the basolateral one
(the transepithelial potential of the DCT is near zero, Velazquez et al.
2001); it is uncertain. ``kv11_scale`` of the DCT stands for loss of
function (0 for the N255D dominant-negative mutant).

References
----------
Glaudemans B, van der Wijst J, Scola RH, et al. (2009) A missense mutation in
the Kv1.1 voltage-gated potassium channel-encoding gene KCNA1 is linked to
human autosomal dominant hypomagnesemia. J Clin Invest 119:936-942.
Velazquez H, ..., Ellison DH, Greger R (2001) Am J Physiol Renal Physiol
280:F530 (transepithelial potential of the upstream rabbit DCT near 0;
/tmp/hypomag16/human_params.md row 3.22; author list not read).
"""
from __future__ import annotations

import numpy as np
from brian2 import Quantity, amp, kelvin, mM, mV, uS

from .base import TUBULE_CONDUCTANCE_US, Channel, Parameter, as_array
from .constants import BODY_TEMPERATURE, BODY_TEMPERATURE_K, nernst_mV, nernst_text

GLAUDEMANS = "Glaudemans et al. 2009 J Clin Invest 119:936"


def kv11_current(v_mV, k_o_mM, k_i_mM, conductance_S, temperature_K=BODY_TEMPERATURE_K):
    """Kv1.1 current in A (outward positive), plain numpy; potential in mV, conductance in S."""
    drive = np.asarray(v_mV, float) - nernst_mV(k_o_mM, k_i_mM, temperature_K)
    return np.asarray(conductance_S, float) * drive * 1e-3


class Kv11(Channel):
    """Apical Kv1.1 K+ conductance of the DCT, ohmic (effective open conductance).

    Notes
    -----
    Uses ``v``, ``K_o``, ``K_i`` and ``T``. Records ``E_K_Kv11``.
    """

    name = "Kv11"
    reference = GLAUDEMANS
    uses = ("v", "K_o", "K_i", "T")
    parameters = (
        Parameter("g_Kv11", 0.5 * uS, uS,
                  "effective apical Kv1.1 K+ conductance per mm of DCT at the working potential",
                  "chosen: luminal K+ rises about 1 mM along the DCT model and the apical "
                  "potential lies a few mV below the basolateral one; channel role from "
                  + GLAUDEMANS, uncertain=True, **TUBULE_CONDUCTANCE_US),
    )
    recordables = ("E_K_Kv11",)

    def equation_text(self) -> str:
        return "\n".join([
            "I_Kv11 = g_Kv11 * (v - E_K_Kv11) : amp",
            f"E_K_Kv11 = {nernst_text('K_o', 'K_i')} : volt",
        ])

    def reversal(self, K_o=4 * mM, K_i=145 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """E_K, the reversal potential."""
        return nernst_mV(as_array(K_o, mM), as_array(K_i, mM), as_array(T, kelvin)) * mV

    def current(self, v, K_o=4 * mM, K_i=145 * mM, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """Steady-state current (outward positive), numpy."""
        g = float(self.values["g_Kv11"] / uS) * 1e-6
        return kv11_current(as_array(v, mV), as_array(K_o, mM), as_array(K_i, mM), g,
                            as_array(T, kelvin)) * amp
