"""ORd's K+ currents: Ito, IKr, IKs, IK1 and IKb of the human ventricular myocyte.

With :math:`u = V/\\mathrm{mV}`, time constants in ms, :math:`\\phi` the CaMK-phosphorylated
fraction and :math:`E_K = (RT/F)\\ln([K]_o/[K]_i)` (Supp sections named in each class):

.. math::

    I_{to} &= g_{to} (V - E_K)\\,[(1-\\phi)\\, a\\, i + \\phi\\, a_p\\, i_p], \\quad
        i = A_{iF} i_F + A_{iS} i_S \\\\
    I_{Kr} &= g_{Kr} (1 - b_{Kr}) \\sqrt{[K]_o/5.4\\,mM}\\; x_r\\, r_{Kr}(V)\\,(V - E_K), \\quad
        x_r = A_{xrf} x_{rf} + A_{xrs} x_{rs} \\\\
    I_{Ks} &= g_{Ks} \\left(1 + \\frac{0.6}{1 + (3.8\\cdot 10^{-5}\\,mM/[Ca]_i)^{1.4}}\\right)
        x_{s1} x_{s2} (V - E_{Ks}), \\quad
        E_{Ks} = \\frac{RT}{F}\\ln\\frac{[K]_o + P_{KNa}[Na]_o}{[K]_i + P_{KNa}[Na]_i} \\\\
    I_{K1} &= g_{K1} \\sqrt{[K]_o/mM}\\; r_{K1}(V, [K]_o)\\, x_{K1}\\, (V - E_K) \\\\
    I_{Kb} &= g_{Kb}\\, x_{Kb}(V)\\, (V - E_K)

The K_o dependence of IK1 (the square root and the K_o-dependent rectification
and gating) and of IKr (the square root) is what makes repolarisation slow in
hypokalemia. :math:`b_{Kr}` is hypomag's I_Kr block (a drug's blocked
fraction, 0 in ORd). The maximal conductances are ORd's endocardial values
in the 153.4 pF ORd cell (:mod:`channels.ord_common`); :data:`CELL_TYPE_SCALES`
and :data:`CELL_TYPE_VALUES` give the epicardial and M-cell values.

References
----------
O'Hara T, Virag L, Varro A, Rudy Y (2011) PLoS Comput Biol 7:e1002061, Supp.
"""
from __future__ import annotations

from brian2 import nS

from .ord_common import ORD, ORD_CONDUCTANCE_NS, Gate, GatedORdCurrent, ord_conductance
from .base import Parameter

#: Factors (relative to endo) of the maximal conductances in the other cell types (Supp).
CELL_TYPE_SCALES = {"g_to": {"epi": 4.0, "mid": 4.0}, "g_Kr": {"epi": 1.3, "mid": 0.8},
                    "g_Ks": {"epi": 1.4}, "g_K1": {"epi": 1.2, "mid": 1.3},
                    "g_Kb": {"epi": 0.6}}
#: Values of non-scale parameters in the other cell types: Ito's faster epicardial
#: inactivation (Supp, "Ito": delta_epi).
CELL_TYPE_VALUES = {"epi_to": {"epi": 1.0}}


def _g(name: str, density: float, what: str, section: str, cell_types: str) -> Parameter:
    """A maximal conductance of ORd's endocardial cell (nS in the ORd cell)."""
    return Parameter(name, ord_conductance(density), nS, f"maximal {what} conductance (endo)",
                     f"{ORD}, {section}: {density:g} mS/uF (endo){cell_types}",
                     **ORD_CONDUCTANCE_NS)


#: ORd's Ito time constant of activation (ms), shared by its phosphorylated gate.
_TAU_A = ("1.0515 / (1 / (1.2089 * (1 + exp(-(u - 18.4099) / 29.3814)))"
          " + 3.5 / (1 + exp((u + 100) / 29.3814)))")
_I_INF = "1 / (1 + exp((u + 43.94) / 5.711))"
_DELTA_EPI = "(1 - epi_to * 0.95 / (1 + exp((u + 70) / 5)))"
_TAU_IF = f"{_DELTA_EPI} * (4.562 + 1 / (0.3933 * exp(-(u + 100) / 100) + 0.08004 * exp((u + 50) / 16.59)))"
_TAU_IS = (f"{_DELTA_EPI} * (23.62 + 1 / (0.001416 * exp(-(u + 96.52) / 59.05)"
           " + 1.78e-8 * exp((u + 114.1) / 8.079)))")
#: CaMK's slowing of Ito inactivation (Supp: dti_develop * dti_recover).
_DTI = ("(1.354 + 1e-4 / (exp((u - 167.4) / 15.89) + exp(-(u - 12.23) / 0.2154)))"
        " * (1 - 0.5 / (1 + exp((u + 70) / 20)))")


class TransientOutwardK(GatedORdCurrent):
    """ORd's transient outward K+ current Ito (Supp, "Ito"), CaMK-phosphorylated branch included."""

    name = "to"
    reference = ORD
    uses = ("v", "K_o", "K_i", "T", "phi_CaMK")
    symbols = {"u": ("v", "mV"), "phi": ("phi_CaMK", "1")}
    parameters = (
        _g("g_to", 0.02, "transient outward K+", "Ito", "; x4 epi and mid"),
        Parameter("epi_to", 0.0, 1, "1 for ORd's faster epicardial Ito inactivation "
                  "(delta_epi), 0 for endo and M cells", f"{ORD}, Ito: delta_epi",
                  minimum=0.0, maximum=1.0, bounds_reason="a switch between the two forms"),
    )
    gates = (
        Gate("a", "1 / (1 + exp(-(u - 14.34) / 14.82))", _TAU_A),
        Gate("iF", _I_INF, _TAU_IF),
        Gate("iS", _I_INF, _TAU_IS),
        Gate("ap", "1 / (1 + exp(-(u - 24.34) / 14.82))", _TAU_A),
        Gate("iFp", _I_INF, f"{_DTI} * {_TAU_IF}"),
        Gate("iSp", _I_INF, f"{_DTI} * {_TAU_IS}"),
    )
    derived = (("AiF", "1 / (1 + exp((u - 213.6) / 151.2))"),
               ("i", "AiF * iF + (1 - AiF) * iS"),
               ("ip", "AiF * iFp + (1 - AiF) * iSp"))
    opening = "(1 - phi) * a * i + phi * ap * ip"
    conductance = "g_to"
    recordables = ("a_to", "iF_to")


class RapidDelayedRectifierK(GatedORdCurrent):
    """ORd's rapid delayed rectifier IKr (hERG; Supp, "IKr"), with a blocked fraction."""

    name = "Kr"
    reference = ORD
    uses = ("v", "K_o", "K_i", "T")
    symbols = {"u": ("v", "mV"), "ko": ("K_o", "mM")}
    parameters = (
        _g("g_Kr", 0.046, "rapid delayed rectifier K+", "IKr", "; x1.3 epi, x0.8 mid"),
        Parameter("block_Kr", 0.0, 1, "fraction of IKr blocked (a drug's pore block)",
                  "hypomag's block hook (conductance scaling, as CiPA's drug models); 0 in ORd",
                  minimum=0.0, maximum=1.0, bounds_reason="a fraction of the channels"),
    )
    gates = (
        Gate("xrf", "1 / (1 + exp(-(u + 8.337) / 6.789))",
             "12.98 + 1 / (0.3652 * exp((u - 31.66) / 3.869) + 4.123e-5 * exp(-(u - 47.78) / 20.38))"),
        Gate("xrs", "1 / (1 + exp(-(u + 8.337) / 6.789))",
             "1.865 + 1 / (0.06629 * exp((u - 34.7) / 7.355) + 1.128e-5 * exp(-(u - 29.74) / 25.94))"),
    )
    derived = (("Axrf", "1 / (1 + exp((u + 54.81) / 38.21))"),
               ("rKr", "1 / (1 + exp((u + 55) / 75)) / (1 + exp((u - 10) / 30))"),
               ("xr", "Axrf * xrf + (1 - Axrf) * xrs"))
    opening = "(1 - block_Kr) * sqrt(ko / 5.4) * xr * rKr"
    conductance = "g_Kr"
    recordables = ("xrf_Kr",)


class SlowDelayedRectifierK(GatedORdCurrent):
    """ORd's slow delayed rectifier IKs (Supp, "IKs"), enhanced by myoplasmic Ca2+."""

    name = "Ks"
    reference = ORD
    uses = ("v", "K_o", "K_i", "Na_o", "Na_i", "Ca_i", "T")
    symbols = {"u": ("v", "mV"), "cai": ("Ca_i", "mM")}
    parameters = (_g("g_Ks", 0.0034, "slow delayed rectifier K+", "IKs", "; x1.4 epi"),)
    gates = (
        Gate("xs1", "1 / (1 + exp(-(u + 11.6) / 8.932))",
             "817.3 + 1 / (2.326e-4 * exp((u + 48.28) / 17.8) + 0.001292 * exp(-(u + 210) / 230))"),
        Gate("xs2", "1 / (1 + exp(-(u + 11.6) / 8.932))",
             "1 / (0.01 * exp((u - 50) / 20) + 0.0193 * exp(-(u + 66.54) / 31))"),
    )
    derived = (("KsCa", "1 + 0.6 / (1 + (3.8e-5 / cai)**1.4)"),)
    opening = "KsCa * xs1 * xs2"
    conductance = "g_Ks"
    reversal_ion = "Ks"


class InwardRectifierK(GatedORdCurrent):
    """ORd's inward rectifier IK1 (Kir2.x; Supp, "IK1"), its gating and rectification K_o
    dependent."""

    name = "K1"
    reference = ORD
    uses = ("v", "K_o", "K_i", "T")
    symbols = {"u": ("v", "mV"), "ko": ("K_o", "mM")}
    parameters = (_g("g_K1", 0.1908, "inward rectifier K+", "IK1", "; x1.2 epi, x1.3 mid"),)
    gates = (Gate("xK1", "1 / (1 + exp(-(u + 2.5538 * ko + 144.59) / (1.5692 * ko + 3.8115)))",
                  "122.2 / (exp(-(u + 127.2) / 20.36) + exp((u + 236.8) / 69.33))"),)
    derived = (("rK1", "1 / (1 + exp((u + 105.8 - 2.6 * ko) / 9.493))"),)
    opening = "sqrt(ko) * rK1 * xK1"
    conductance = "g_K1"


class BackgroundK(GatedORdCurrent):
    """ORd's background K+ current IKb (Supp, "IKb"): no state, an instantaneous gate."""

    name = "Kb"
    reference = ORD
    uses = ("v", "K_o", "K_i", "T")
    parameters = (_g("g_Kb", 0.003, "background K+", "IKb", "; x0.6 epi"),)
    derived = (("xKb", "1 / (1 + exp(-(u - 14.48) / 18.34))"),)
    opening = "xKb"
    conductance = "g_Kb"
