r"""The Na+ currents of the O'Hara-Rudy (ORd) ventricular myocyte: INa, INaL and INab.

Fast Na current (Supp, "INa"), channel ``NaF`` (:math:`u = V/\mathrm{mV}`, times in ms):

.. math::

    m_\infty &= \frac{1}{1 + e^{-(u + 39.57)/9.871}}, \qquad
    \tau_m = \frac{1}{6.765 e^{(u + 11.64)/34.77} + 8.552 e^{-(u + 77.42)/5.955}} \\
    h_\infty &= \frac{1}{1 + e^{(u + 82.9)/6.086}}, \qquad
    h_{\infty,p} = \frac{1}{1 + e^{(u + 89.1)/6.086}} \\
    \tau_{hf} &= \frac{1}{1.432 \cdot 10^{-5} e^{-(u + 1.196)/6.285}
                 + 6.149 e^{(u + 0.5096)/20.27}}, \qquad
    \tau_{hs} = \frac{1}{0.009794 e^{-(u + 17.95)/28.05} + 0.3343 e^{(u + 5.73)/56.66}} \\
    \tau_j &= 2.038 + \frac{1}{0.02136 e^{-(u + 100.6)/8.281}
              + 0.3052 e^{(u + 0.9941)/38.45}} \\
    \frac{dx}{dt} &= \frac{x_\infty - x}{\tau_x} \quad
    (m; \; hf, hs, j: h_\infty; \; hsp: h_{\infty,p}, 3\tau_{hs}; \;
    jp: h_\infty, 1.46\tau_j) \\
    h &= A_{hf}\, hf + A_{hs}\, hs, \quad h_p = A_{hf}\, hf + A_{hs}\, hsp, \quad
    A_{hf} = 0.99, \; A_{hs} = 1 - A_{hf} \\
    I_{Na} &= G_{Na}\, m^3 \left[(1 - \phi)\, h\, j + \phi\, h_p\, jp\right] (V - E_{Na})

Late Na current (Supp, "INaL"), channel ``NaL``; its activation has INa's time
constant :math:`\tau_m`, recomputed in the channel (``tau_mL_NaL``):

.. math::

    m_{L,\infty} &= \frac{1}{1 + e^{-(u + 42.85)/5.264}}, \qquad
    h_{L,\infty} = \frac{1}{1 + e^{(u + 87.61)/7.488}}, \qquad
    h_{L,\infty,p} = \frac{1}{1 + e^{(u + 93.81)/7.488}} \\
    \tau_{mL} &= \tau_m, \qquad \tau_{hL} = 200\,ms, \qquad \tau_{hLp} = 3 \tau_{hL} \\
    I_{NaL} &= G_{NaL}\, m_L \left[(1 - \phi)\, h_L + \phi\, h_{Lp}\right] (V - E_{Na})

Background Na current (Supp, "INab"), channel ``Nab``, a GHK current
(:func:`channels.ord_common.ghk_text`, :math:`x = FV/RT`):

.. math::

    I_{Nab} = A_{cap} P_{Nab} F \frac{[Na]_i e^{x} - [Na]_o}{\mathrm{exprel}(x)}

:math:`E_{Na} = (RT/F) \ln([Na]_o/[Na]_i)` with the environment's ``T``;
:math:`\phi` is ``phi_CaMK``. The published densities (uA/uF) are multiplied by
the ORd cell's capacitance (:data:`channels.ord_common.ORD_CAPACITANCE`), so the
conductances are in nS. The CaMK-phosphorylated gates (hsp, jp; hLp) are states
of their own, weighted by :math:`\phi` and :math:`1 - \phi`.

References
----------
O'Hara T, Virag L, Varro A, Rudy Y (2011) Simulation of the undiseased human
cardiac ventricular action potential: model formulation and experimental
validation. PLoS Comput Biol 7:e1002061 (Supplementary Text S1, "Supp").
"""
from __future__ import annotations

import numpy as np
from brian2 import Quantity, cmetre, kelvin, mM, mV, nS, second

from .base import Channel, Parameter, as_array
from .constants import nernst_mV
from .ord_common import (ORD, ORD_CONDUCTANCE_NS, GatedORdCurrent, Gate, ghk_current,
                         ghk_text, ord_conductance)

#: ORd's scalings of this file's parameters by cell type, relative to endo (Supp, INaL;
#: INa and INab are the same in every cell type).
CELL_TYPE_SCALES = {"GNaL_NaL": {"epi": 0.6, "mid": 1.0}}

#: The environment of the gated Na currents; ``phi`` is the CaMK-phosphorylated fraction.
_SYMBOLS = {"u": ("v", "mV"), "phi": ("phi_CaMK", "1")}
_USES = ("v", "T", "Na_i", "Na_o", "phi_CaMK")

# -- the formulas of the supplement, written once (u = V/mV, times in ms) --------------------

#: INa's activation time constant (ms), also INaL's (Supp, INa: tm; INaL: tmL = tm).
TAU_M = "1 / (6.765 * exp((u + 11.64) / 34.77) + 8.552 * exp(-(u + 77.42) / 5.955))"
#: INa's inactivation steady state hss (also j's and jp's) and its phosphorylated form hssp.
H_INF = "1 / (1 + exp((u + 82.9) / 6.086))"
H_INF_P = "1 / (1 + exp((u + 89.1) / 6.086))"
TAU_HF = "1 / (1.432e-5 * exp(-(u + 1.196) / 6.285) + 6.149 * exp((u + 0.5096) / 20.27))"
TAU_HS = "1 / (0.009794 * exp(-(u + 17.95) / 28.05) + 0.3343 * exp((u + 5.73) / 56.66))"
TAU_J = "2.038 + 1 / (0.02136 * exp(-(u + 100.6) / 8.281) + 0.3052 * exp((u + 0.9941) / 38.45))"
#: Fraction of fast inactivation, A_hf (A_hs = 1 - A_hf).
A_HF = 0.99
#: Slowing of the CaMK-phosphorylated gates: hsp (x3 ths), jp (x1.46 tj), hLp (x3 thL).
SLOW_HSP, SLOW_JP, SLOW_HLP = 3.0, 1.46, 3.0
#: INaL's inactivation time constant (ms).
TAU_HL = 200.0


def _slower(factor: float, tau: str) -> str:
    """A time constant ``factor`` times ``tau`` (both ms expressions)."""
    return f"{factor!r} * ({tau})"


def _conductance(name: str, density_mS_per_uF: float, meaning: str, source: str) -> Parameter:
    """A maximal conductance (nS) of the ORd cell from its published density (mS/uF)."""
    return Parameter(name, ord_conductance(density_mS_per_uF), nS, meaning, source,
                     **ORD_CONDUCTANCE_NS)


# -- INa ------------------------------------------------------------------------------------

class NaF(GatedORdCurrent):
    """ORd fast Na+ current with its CaMK-phosphorylated branch (Supp, INa).

    Notes
    -----
    Uses ``v``, ``T``, ``Na_i``, ``Na_o``, ``phi_CaMK``. States ``m_NaF``, ``hf_NaF``,
    ``hs_NaF``, ``j_NaF``, ``hsp_NaF``, ``jp_NaF``; ``E_NaF`` is ENa.
    """

    name = "NaF"
    reference = ORD
    uses = _USES
    symbols = _SYMBOLS
    gates = (
        Gate("m", "1 / (1 + exp(-(u + 39.57) / 9.871))", TAU_M),
        Gate("hf", H_INF, TAU_HF),
        Gate("hs", H_INF, TAU_HS),
        Gate("j", H_INF, TAU_J),
        Gate("hsp", H_INF_P, _slower(SLOW_HSP, TAU_HS)),
        Gate("jp", H_INF, _slower(SLOW_JP, TAU_J)),
    )
    derived = (("h", f"{A_HF!r} * hf + (1 - {A_HF!r}) * hs"),
               ("hp", f"{A_HF!r} * hf + (1 - {A_HF!r}) * hsp"))
    opening = "m**3 * ((1 - phi) * h * j + phi * hp * jp)"
    conductance = "GNa_NaF"
    reversal_ion = "Na"
    parameters = (
        _conductance("GNa_NaF", 75.0, "maximal conductance of the fast Na+ channels",
                     f"{ORD}, INa: GNa = 75 mS/uF (endo); x1 epi, x1 mid"),
    )
    recordables = ("m_NaF", "h_NaF", "j_NaF", "hp_NaF", "jp_NaF")


# -- INaL -----------------------------------------------------------------------------------

class NaL(GatedORdCurrent):
    """ORd late Na+ current with its CaMK-phosphorylated branch (Supp, INaL).

    Notes
    -----
    Uses ``v``, ``T``, ``Na_i``, ``Na_o``, ``phi_CaMK``. States ``mL_NaL``, ``hL_NaL``,
    ``hLp_NaL``; ``E_NaL`` is ENa.
    """

    name = "NaL"
    reference = ORD
    uses = _USES
    symbols = _SYMBOLS
    gates = (
        Gate("mL", "1 / (1 + exp(-(u + 42.85) / 5.264))", TAU_M),
        Gate("hL", "1 / (1 + exp((u + 87.61) / 7.488))", repr(TAU_HL)),
        Gate("hLp", "1 / (1 + exp((u + 93.81) / 7.488))", _slower(SLOW_HLP, repr(TAU_HL))),
    )
    opening = "mL * ((1 - phi) * hL + phi * hLp)"
    conductance = "GNaL_NaL"
    reversal_ion = "Na"
    parameters = (
        _conductance("GNaL_NaL", 0.0075, "maximal conductance of the late Na+ current",
                     f"{ORD}, INaL: GNaL = 0.0075 mS/uF (endo); x0.6 epi, x1 mid"),
    )
    recordables = ("mL_NaL", "hL_NaL", "hLp_NaL")


# -- INab -----------------------------------------------------------------------------------

CM_S = cmetre / second


class Nab(Channel):
    """ORd background Na+ current, GHK with myoplasmic Na+ (Supp, INab)."""

    name = "Nab"
    reference = ORD
    uses = ("v", "T", "Na_i", "Na_o")
    parameters = (
        Parameter("PNab_Nab", 3.75e-10 * CM_S, CM_S,
                  "Na+ permeability of the background pathway",
                  f"{ORD}, INab: PNab = 3.75e-10 cm/s (endo); x1 epi, x1 mid",
                  minimum=0.0, maximum=3.75e-8,
                  bounds_reason="0 (absent) to 100 times ORd's value"),
    )

    def equation_text(self) -> str:
        return f"I_Nab = {ghk_text('PNab_Nab', 1, 'Na_i', 'Na_o')} : amp"

    def current(self, v, T, Na_i, Na_o, **_env) -> Quantity:
        return ghk_current(float(self.values["PNab_Nab"] / CM_S), 1, as_array(v, mV),
                           as_array(T, kelvin), as_array(Na_i, mM), as_array(Na_o, mM))

    def reversal(self, T, Na_i, Na_o, **_env) -> Quantity:
        """Where the GHK flux is zero, exactly: with unit activity coefficients and z = 1,
        [Na]_i e^x = [Na]_o, the Nernst potential (RT/F) ln([Na]_o/[Na]_i)."""
        return np.asarray(nernst_mV(as_array(Na_o, mM), as_array(Na_i, mM),
                                    as_array(T, kelvin))) * mV
