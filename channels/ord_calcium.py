"""The Ca2+ currents of the O'Hara-Rudy (ORd) ventricular myocyte: ICaL, ICab and IpCa.

L-type current (Supp, "ICaL"), one channel ``CaL`` whose gates carry three
GHK currents, of Ca2+, Na+ and K+ (:math:`u = V/\\mathrm{mV}`, times in ms):

.. math::

    d_\\infty &= \\frac{1}{1 + e^{-(u + 3.94)/4.23}}, \\qquad
    \\tau_d = 0.6 + \\frac{1}{e^{-0.05 (u + 6)} + e^{0.09 (u + 14)}} \\\\
    f_\\infty &= \\frac{1}{1 + e^{(u + 19.58)/3.696}}, \\qquad
    \\tau_{ff} = 7 + \\frac{1}{0.0045 e^{-(u + 20)/10} + 0.0045 e^{(u + 20)/10}}, \\qquad
    \\tau_{fs} = 1000 + \\frac{1}{3.5 \\cdot 10^{-5} (e^{-(u + 5)/4} + e^{(u + 5)/6})} \\\\
    \\tau_{fcaf} &= 7 + \\frac{1}{0.04 e^{-(u - 4)/7} + 0.04 e^{(u - 4)/7}}, \\qquad
    \\tau_{fcas} = 100 + \\frac{1}{0.00012 e^{-u/3} + 0.00012 e^{u/7}}, \\qquad
    A_{fcaf} = 0.3 + \\frac{0.6}{1 + e^{(u - 10)/10}} \\\\
    \\frac{dx}{dt} &= \\frac{x_\\infty - x}{\\tau_x} \\quad
    (x = d, ff, fs, fcaf, fcas; \\; jca: f_\\infty, 75\\,ms; \\;
    ffp: 2.5 \\tau_{ff}; \\; fcafp: 2.5 \\tau_{fcaf}) \\\\
    f &= 0.6 ff + 0.4 fs, \\quad f_p = 0.6 ffp + 0.4 fs, \\quad
    f_{Ca} = A_{fcaf} fcaf + (1 - A_{fcaf}) fcas, \\quad
    f_{Ca,p} = A_{fcaf} fcafp + (1 - A_{fcaf}) fcas \\\\
    \\frac{dn_{Ca}}{dt} &= \\alpha_{n} k_{2n} - n_{Ca} k_{-2n}, \\qquad
    k_{-2n} = jca \\cdot 1\\,ms^{-1}, \\quad k_{2n} = 1000\\,ms^{-1}, \\quad
    \\alpha_n = \\frac{1}{k_{2n}/k_{-2n} + (1 + K_{mn}/[Ca]_{ss})^4} \\\\
    P &= P_{Ca} \\left[(1 - \\phi)\\, d (f (1 - n_{Ca}) + jca\\, f_{Ca} n_{Ca})
        + 1.1 \\phi\\, d (f_p (1 - n_{Ca}) + jca\\, f_{Ca,p} n_{Ca})\\right] \\\\
    I_{Ca,CaL} &= P\\, \\Phi(2, [Ca]_{ss}, [Ca]_o; 1, 0.341), \\quad
    I_{Na,CaL} = 0.00125 P\\, \\Phi(1, [Na]_{ss}, [Na]_o; 0.75, 0.75), \\quad
    I_{K,CaL} = 3.574 \\cdot 10^{-4} P\\, \\Phi(1, [K]_{ss}, [K]_o; 0.75, 0.75) \\\\
    I_{CaL} &= I_{Ca,CaL} + I_{Na,CaL} + I_{K,CaL}

with the GHK flux of :func:`channels.ord_common.ghk_text`,
:math:`\\Phi = A_{cap} z F (\\gamma_i c_i e^x - \\gamma_o c_o)/\\mathrm{exprel}(x)`,
:math:`x = zFV/RT`, and :math:`\\phi` = ``phi_CaMK``. The fraction :math:`n_{Ca}`
of channels in Ca-dependent inactivation mode is linear in itself, so the
cell's Rush-Larsen step is exact for it. The cell needs each component for
its balances (Ca of the subspace, Na and K of the subspace, and the release,
graded by :math:`I_{Ca,CaL}`).

Background Ca current (Supp, "ICab") and sarcolemmal Ca pump (Supp, "IpCa"):

.. math::

    I_{Cab} = P_{Cab}\\, \\Phi(2, [Ca]_i, [Ca]_o; 1, 0.341), \\qquad
    I_{pCa} = G_{pCa} \\frac{[Ca]_i}{K_{m,pCa} + [Ca]_i}

IpCa does not depend on the membrane potential and is always outward: it has
no reversal potential (:meth:`PCa.reversal` raises).

References
----------
O'Hara T, Virag L, Varro A, Rudy Y (2011) Simulation of the undiseased human
cardiac ventricular action potential: model formulation and experimental
validation. PLoS Comput Biol 7:e1002061 (Supplementary Text S1, "Supp").
"""
from __future__ import annotations

import numpy as np
from brian2 import Quantity, cmetre, kelvin, mM, mV, nA, second

from .base import AFFINITY_MM, Channel, Parameter, as_array
from .constants import F_OVER_R
from .ord_common import (ORD, ORD_CURRENT_NA, GatedORdCurrent, Gate, _substitute,
                         bisect_reversal, ghk_current, ghk_text, ord_current)

#: Extracellular activity coefficient of Ca2+ in ORd's GHK currents (intracellular: 1).
GAMMA_CA_OUT = 0.341
#: Activity coefficient of Na+ and K+ on both sides (ICaL's monovalent parts).
GAMMA_MONOVALENT = 0.75
#: Permeability of the CaMK-phosphorylated L-type channels relative to the others (PCap/PCa).
PHOSPHO_PERMEABILITY = 1.1
#: Rate k2n (1/ms) of entry into Ca-dependent inactivation mode (Supp, ICaL).
K2N_PER_MS = 1000.0

#: ORd's scalings of this file's parameters by cell type, relative to endo (Supp, ICaL).
CELL_TYPE_SCALES = {"PCa_CaL": {"epi": 1.2, "mid": 2.5}}

CM_S = cmetre / second
_RATIO = dict(minimum=0.0, maximum=1.0,
              bounds_reason="a fraction of PCa: the L-type channel is Ca2+-selective, no "
                            "monovalent ion permeates it better than Ca2+")


def _permeability(value_cm_s: float, maximum_cm_s: float, why: str, **text) -> Parameter:
    """A permeability Parameter (cm/s) from 0 to ``maximum_cm_s``."""
    return Parameter(value=value_cm_s * CM_S, unit=CM_S, minimum=0.0, maximum=maximum_cm_s,
                     bounds_reason=why, **text)


# -- ICaL: the formulas of the supplement, written once (u = V/mV, times in ms) -------------

#: Steady state of every inactivation gate (f, fCa, jCa and the CaMK forms): fss.
F_INF = "1 / (1 + exp((u + 19.58) / 3.696))"
TAU_FF = "7 + 1 / (0.0045 * exp(-(u + 20) / 10) + 0.0045 * exp((u + 20) / 10))"
TAU_FCAF = "7 + 1 / (0.04 * exp(-(u - 4) / 7) + 0.04 * exp((u - 4) / 7))"
#: Fraction of fast inactivation Aff (Afs = 1 - Aff); slowing of ffp and fcafp (x2.5).
A_FF, SLOW_P = 0.6, 2.5


def cal_nca_inf(jca, ca_ss_mM, kmn_mM):
    """Steady state of nca from its linear ODE, alpha_n k2n / k-2n (k-2n = jca /ms), computed
    as the equations have it."""
    km2n = np.asarray(jca, float)
    anca = 1.0 / (K2N_PER_MS / km2n + (1.0 + kmn_mM / np.asarray(ca_ss_mM, float)) ** 4)
    return anca * K2N_PER_MS / km2n


class CaL(GatedORdCurrent):
    """ORd L-type Ca2+ channel with its Na+ and K+ components (Supp, ICaL).

    Notes
    -----
    Uses ``v``, ``T``, ``Ca_ss``, ``Na_ss``, ``K_ss``, ``Ca_o``, ``Na_o``, ``K_o`` and
    ``phi_CaMK``. States ``d_CaL``, ``ff_CaL``, ``fs_CaL``, ``fcaf_CaL``, ``fcas_CaL``,
    ``jca_CaL``, ``ffp_CaL``, ``fcafp_CaL`` (gates, :class:`~channels.ord_common.Gate`) and
    ``nca_CaL`` (written as ORd's linear ODE); components ``I_Ca_CaL``, ``I_Na_CaL``,
    ``I_K_CaL`` (amp), summed in ``I_CaL``; ``P_CaL`` the effective Ca2+ permeability.
    """

    name = "CaL"
    reference = ORD
    uses = ("v", "T", "Ca_ss", "Na_ss", "K_ss", "Ca_o", "Na_o", "K_o", "phi_CaMK")
    symbols = {"u": ("v", "mV"), "phi": ("phi_CaMK", "1")}
    gates = (
        Gate("d", "1 / (1 + exp(-(u + 3.94) / 4.23))",
             "0.6 + 1 / (exp(-0.05 * (u + 6)) + exp(0.09 * (u + 14)))"),
        Gate("ff", F_INF, TAU_FF),
        Gate("fs", F_INF, "1000 + 1 / (3.5e-5 * exp(-(u + 5) / 4) + 3.5e-5 * exp((u + 5) / 6))"),
        Gate("fcaf", F_INF, TAU_FCAF),
        Gate("fcas", F_INF, "100 + 1 / (0.00012 * exp(-u / 3) + 0.00012 * exp(u / 7))"),
        Gate("jca", F_INF, "75"),
        Gate("ffp", F_INF, f"{SLOW_P!r} * ({TAU_FF})"),
        Gate("fcafp", F_INF, f"{SLOW_P!r} * ({TAU_FCAF})"),
    )
    derived = (
        ("f", f"{A_FF!r} * ff + (1 - {A_FF!r}) * fs"),
        ("fp", f"{A_FF!r} * ffp + (1 - {A_FF!r}) * fs"),
        ("A_fcaf", "0.3 + 0.6 / (1 + exp((u - 10) / 10))"),
        ("fca", "A_fcaf * fcaf + (1 - A_fcaf) * fcas"),
        ("fcap", "A_fcaf * fcafp + (1 - A_fcaf) * fcas"),
    )
    #: P/PCa: ORd's gate_np and gate_p, weighted by 1 - phi and phi (PCap = 1.1 PCa).
    opening = (f"d * ((1 - phi) * (f * (1 - nca) + jca * fca * nca) + "
               f"phi * {PHOSPHO_PERMEABILITY!r} * (fp * (1 - nca) + jca * fcap * nca))")
    conductance = "PCa_CaL"
    parameters = (
        _permeability(1e-4, 1e-2, "0 (blocked) to 100 times ORd's endocardial value, 40 times "
                      "its M-cell value", name="PCa_CaL",
                      meaning="Ca2+ permeability of the L-type channels (non-phosphorylated; "
                              "CaMK-phosphorylated ones x1.1)",
                      source=f"{ORD}, ICaL: PCa = 1e-4 cm/s (endo); x1.2 epi, x2.5 mid; "
                             "PCap = 1.1 PCa"),
        Parameter("PCaNa_CaL", 0.00125, 1, "Na+ permeability of the channel relative to PCa",
                  f"{ORD}, ICaL: PCaNa = 0.00125 PCa", **_RATIO),
        Parameter("PCaK_CaL", 3.574e-4, 1, "K+ permeability of the channel relative to PCa",
                  f"{ORD}, ICaL: PCaK = 3.574e-4 PCa", **_RATIO),
        Parameter("Kmn_CaL", 0.002 * mM, mM,
                  "subspace Ca2+ of half-maximal entry into Ca-dependent inactivation mode",
                  f"{ORD}, ICaL: Kmn = 0.002 mM", **AFFINITY_MM),
    )
    recordables = ("d_CaL", "f_CaL", "fca_CaL", "nca_CaL", "P_CaL", "I_Ca_CaL", "I_Na_CaL",
                   "I_K_CaL")
    #: Each component current: (ion, valence, inside, outside, (gamma_o, gamma_i), ratio).
    COMPONENTS = (("Ca", 2, "Ca_ss", "Ca_o", (GAMMA_CA_OUT, 1.0), None),
                  ("Na", 1, "Na_ss", "Na_o", (GAMMA_MONOVALENT,) * 2, "PCaNa_CaL"),
                  ("K", 1, "K_ss", "K_o", (GAMMA_MONOVALENT,) * 2, "PCaK_CaL"))

    # -- Brian2 -----------------------------------------------------------------------------
    def _brian_names(self) -> dict[str, str]:
        return {**super()._brian_names(), "nca": "nca_CaL"}

    def equation_text(self) -> str:
        nca = [  # Supp, ICaL: dnca/dt = anca k2n - nca km2n, km2n = jca * 1/ms
            "km2n_CaL = jca_CaL / ms : Hz (constant over dt)",
            f"anca_CaL = 1 / (({K2N_PER_MS!r} / ms) / km2n_CaL + (1 + Kmn_CaL / Ca_ss)**4) "
            ": 1 (constant over dt)",
            f"dnca_CaL/dt = anca_CaL * ({K2N_PER_MS!r} / ms) - nca_CaL * km2n_CaL : 1"]
        return super().equation_text() + "\n" + "\n".join(nca)

    def current_lines(self) -> list[str]:
        opening = f"P_CaL = PCa_CaL * ({self._brian_opening()}) : metre / second"
        currents = []
        for ion, z, c_in, c_out, (g_out, g_in), ratio in self.COMPONENTS:
            p = "P_CaL" if ratio is None else f"{ratio} * P_CaL"
            currents.append(f"I_{ion}_CaL = {ghk_text(p, z, c_in, c_out, g_out, g_in)} : amp")
        return [opening, *currents, "I_CaL = I_Ca_CaL + I_Na_CaL + I_K_CaL : amp"]

    def _brian_opening(self) -> str:
        return _substitute(self.opening, self._brian_names())

    # -- numpy ------------------------------------------------------------------------------
    def steady_gates(self, env) -> dict[str, np.ndarray]:
        gates = super().steady_gates(env)
        gates["nca"] = cal_nca_inf(gates["jca"], as_array(env["Ca_ss"], mM),
                                   float(self.values["Kmn_CaL"] / mM))
        return gates

    def permeability(self, **env) -> np.ndarray:
        """Effective Ca2+ permeability P (cm/s) at the steady state of every gate."""
        return float(self.values["PCa_CaL"] / CM_S) * self.steady_opening(env)

    def components(self, permeability=None, **env) -> dict[str, Quantity]:
        """``I_Ca_CaL``, ``I_Na_CaL``, ``I_K_CaL`` (amp) at steady state, or at the effective
        Ca2+ permeability ``permeability`` (cm/s) if given."""
        p = self.permeability(**env) if permeability is None else permeability
        v, t = as_array(env["v"], mV), as_array(env["T"], kelvin)
        out = {}
        for ion, z, c_in, c_out, (g_out, g_in), ratio in self.COMPONENTS:
            scale = 1.0 if ratio is None else float(self.values[ratio])
            out[f"I_{ion}_CaL"] = ghk_current(scale * p, z, v, t, as_array(env[c_in], mM),
                                              as_array(env[c_out], mM), g_out, g_in)
        return out

    def current(self, v, T, Ca_ss, Na_ss, K_ss, Ca_o, Na_o, K_o, phi_CaMK, **_env) -> Quantity:
        """I_CaL (amp, outward positive): the sum of the three components at steady state."""
        return sum(self.components(v=v, T=T, Ca_ss=Ca_ss, Na_ss=Na_ss, K_ss=K_ss, Ca_o=Ca_o,
                                   Na_o=Na_o, K_o=K_o, phi_CaMK=phi_CaMK).values())

    def reversal(self, T, Ca_ss, Na_ss, K_ss, Ca_o, Na_o, K_o, **_env) -> Quantity:
        """Zero of the mixed current by bisection (-400 to 400 mV). The gates are a common
        positive factor of the three components, so it is the zero of their sum at unit
        permeability (the same zero, without the gates' vanishing at extreme V)."""
        def unit_current(**e):
            return sum(self.components(permeability=1.0, **e).values())
        env = dict(v=0 * mV, T=T, Ca_ss=Ca_ss, Na_ss=Na_ss, K_ss=K_ss, Ca_o=Ca_o, Na_o=Na_o,
                   K_o=K_o)
        return bisect_reversal(unit_current, env)


# -- ICab -------------------------------------------------------------------------------

class Cab(Channel):
    """ORd background Ca2+ current, GHK with myoplasmic Ca2+ (Supp, ICab)."""

    name = "Cab"
    reference = ORD
    uses = ("v", "T", "Ca_i", "Ca_o")
    parameters = (
        _permeability(2.5e-8, 2.5e-6, "0 (absent) to 100 times ORd's value", name="PCab_Cab",
                      meaning="Ca2+ permeability of the background pathway",
                      source=f"{ORD}, ICab: PCab = 2.5e-8 cm/s (all cell types)"),
    )

    def equation_text(self) -> str:
        return f"I_Cab = {ghk_text('PCab_Cab', 2, 'Ca_i', 'Ca_o', GAMMA_CA_OUT)} : amp"

    def current(self, v, T, Ca_i, Ca_o, **_env) -> Quantity:
        return ghk_current(float(self.values["PCab_Cab"] / CM_S), 2, as_array(v, mV),
                           as_array(T, kelvin), as_array(Ca_i, mM), as_array(Ca_o, mM),
                           GAMMA_CA_OUT)

    def reversal(self, T, Ca_i, Ca_o, **_env) -> Quantity:
        """Where the GHK flux is zero, exactly: (RT/2F) ln(0.341 [Ca]_o / [Ca]_i)."""
        ratio = GAMMA_CA_OUT * as_array(Ca_o, mM) / as_array(Ca_i, mM)
        return 1e3 * as_array(T, kelvin) / (2 * F_OVER_R) * np.log(ratio) * mV


# -- IpCa -------------------------------------------------------------------------------

class PCa(Channel):
    """ORd sarcolemmal Ca2+ pump, Michaelis-Menten in myoplasmic Ca2+ (Supp, IpCa).

    Notes
    -----
    Independent of ``v`` and always outward: it has no reversal potential
    (``reverses = False``, ``direction = +1``).
    """

    name = "pCa"
    reference = ORD
    uses = ("Ca_i",)
    reverses = False
    direction = 1
    parameters = (
        Parameter("GpCa_pCa", ord_current(0.0005), nA, "maximal current of the pump",
                  f"{ORD}, IpCa: GpCa = 0.0005 uA/uF (all cell types)", **ORD_CURRENT_NA),
        Parameter("KmCa_pCa", 0.0005 * mM, mM, "myoplasmic Ca2+ of half-maximal pumping",
                  f"{ORD}, IpCa: 0.0005 mM", **AFFINITY_MM),
    )

    def equation_text(self) -> str:
        return "I_pCa = GpCa_pCa * Ca_i / (KmCa_pCa + Ca_i) : amp"

    def current(self, Ca_i, v=0 * mV, **_env) -> Quantity:
        """The pump current (amp, outward), shaped like ``Ca_i`` and ``v`` broadcast."""
        ca = as_array(Ca_i, mM)
        km = float(self.values["KmCa_pCa"] / mM)
        shape = np.broadcast(ca, as_array(v, mV)).shape
        return self.values["GpCa_pCa"] * np.broadcast_to(ca / (km + ca), shape)
