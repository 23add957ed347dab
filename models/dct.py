"""Distal convoluted tubule (DCT): NaCl, Mg2+ and Ca2+ reabsorption of one human nephron.

One DCT cell unit (:class:`DCTCell`) is one millimetre of DCT under one
condition; :class:`DistalConvolutedTubule` is the water-impermeable segment
of length :math:`L`, cut into slabs along the flow like
:class:`models.collecting_duct.CollectingDuct`. Every condition is one
column of numpy arrays: a sweep is one batched computation.

Circuit (potentials relative to blood, ground; :math:`V_a = V_b - V_{te}`, cell minus
lumen, is the ``v`` of the apical channels, :math:`V_b` that of the basolateral ones)::

    lumen (V_te) --[NCC, Kv1.1, TRPM6, TRPV5]-- cell (V_b) --[Na/K pump, Kir4.1/5.1,
      |                                      ClC-Kb, Na leak, Na/Mg exchange]-- blood (0)
      \\______________ paracellular Na+ and Cl- conductances ______________/

Notes
-----
**Electrical state.** Currents outward from the cell, fluxes in mol/s per mm
(:data:`EQUATIONS`; NCC of :mod:`channels.ncc`, Kv1.1 of :mod:`channels.kv11`)
(the pump form of :mod:`models.principal_cell`, Garay & Garrahan 1973 as
used by Weinstein 2001). The paracellular path carries Na+ and Cl- by
electrodiffusion, :math:`I_{p,Na} = g_{p,Na}(V_{te} - E_{Na,te})`,
:math:`I_{p,Cl} = g_{p,Cl}(V_{te} - E_{Cl,te})` with the transepithelial
Nernst potentials (lumen minus blood). Cell K+ follows from
electroneutrality with impermeant anions, :math:`[K]_c = A + [Cl]_c - [Na]_c`.
The unknowns :math:`\\ln[Na]_c, \\ln[Cl]_c, V_b, V_{te}` solve (batched damped
Newton, :mod:`models.steady_state`) the Na+, Cl- and K+ balances of the cell
(:math:`J_{NCC} - I_{Na,b}/F - 3J_{pump} = 0`, :math:`J_{NCC} + I_{Cl}/F = 0`,
:math:`2J_{pump} - (I_{Kv} + I_{Kir})/F = 0`; with them the cell carries no net
current) and the charge balance of the lumen, :math:`I_{Kv} = I_{p,Na} + I_{p,Cl}`.

**Mg2+ step.** Mg2+ transport (about 1 % of the Na+ flux) is left out of the
electrical balances. Per unit, cytoplasmic free Mg2+ is the root of
:math:`J_{TRPM6}([Mg]_i) = J_{NaMg}([Mg]_i)` (:data:`EQUATIONS`)
(TRPM6 entry, :mod:`channels.trpm6`, falls with Mg_i; the basolateral
Na+/Mg2+ exchange of Dutta & Layton 2024, ``NaMgX.py``, standing for
SLC41A1/CNNM2, rises), found by vectorised bisection in :math:`\\ln[Mg]_i`.
**Ca2+**: a TRPV5-like GHK Ca2+ entry, :math:`P_{TRPV5}` times ``pth_effect``,
in the late DCT (DCT2, the last third of the segment as in Dutta & Layton),
with cytoplasmic Ca2+ held at 100 nM by basolateral NCX1/PMCA (not modelled).

**Segment.** Slab :math:`j` of length :math:`\\Delta x = L/N` sees the mean of
its inflow and outflow Na+, Cl- and K+ (midpoint rule); its cell state and the
three outflow concentrations (7 unknowns) are solved together, slab after
slab, started from the slab before (a slab that fails is halved, as in
:class:`~models.collecting_duct.CollectingDuct`). Within a slab the luminal
Mg2+ and Ca2+ obey :math:`Q\\,dc/dx = -(a c - b)` (entry linear in the luminal
concentration at a fixed cell state), solved exactly:
:math:`c_{out} = c^* + (c_{in} - c^*)e^{-a\\Delta x/Q}`, :math:`c^* = b/a`.

**Calibration and sensitivities** (baseline of tests/test_dct.py: inflow 14
nl/min, Na 55, Cl 45, K 3.5, Mg 0.4, Ca 0.65 mM; plasma Na 140, Cl 105, K 4,
ionized Mg 0.55 mM; L = 5 mm). The uncertain values were chosen for: Na+
reabsorbed 469 pmol/min (5.4 % of 62.5 nl/min x 140 mM), Mg2+ 2.6 pmol/min
(7 % of 37.5), Ca2+ 6.1 pmol/min (7 % of 62.5 x 1.4 mM), V_b -79 mV, V_te
+4 mV, V_a -83 mV, cell Na+ 9, Cl- 7, K+ 133, free Mg2+ 0.43 mM. Each
uncertain parameter halved and doubled (within its range), one at a time
(test_directions_hold_over_uncertain_ranges):

=====================  ===============================================================
Mg2+ reabsorbed        1.75-3.56 pmol/min; most sensitive to P_TRPM6 (x0.5: 1.75,
                       x2: 3.56), KMgi_NaMgX (3.22/1.80), Ki_TRPM6 (1.81/3.22),
                       Vmax_NaMgX (2.03/3.04); under 10 % for every other parameter
Na+ reabsorbed         309-571 pmol/min: Jmax_NCC (309/571), KWNK (394/506),
                       A_imp (404/502), Jmax_pump (413/488), g_Kir45 (418/493)
V_b, V_te              V_b -65 (A_imp x0.5) to -95 mV (A_imp x2), -69 to -85 mV with
                       g_Kir45; V_te -7 to +14 mV with the paracellular Na:Cl ratio
EAST (Kir4.1 x0.1)     depolarizes V_b by 30-52 mV, NCC flux x0.40-0.63, Mg2+ x0.73-0.87
Kv1.1 loss             Mg2+ x0.92-0.99 (direction robust, effect small: Mg_i feedback)
Mg2+ inflow x2         Mg2+ reabsorbed x1.40-1.71 (fractional reabsorption falls)
trpm6_scale 0.5        Mg2+ x0.8 (sub-proportional: Mg_i falls, TRPM6 disinhibited)
dct_length_scale 0.5   Mg2+ x0.6 (the DCT near its capacity, models.nephron)
Jmax_pump_DCT x0.5     not robust: Kir4.1 loss then no longer lowers Mg2+ reabsorption
=====================  ===============================================================

References
----------
Bockenhauer D, Feather S, Stanescu HC, et al. (2009) N Engl J Med 360:1960-1970 (EAST).
Zhang C, Wang L, Zhang J, et al. (2014) PNAS 111:11864-11869; Cuevas CA, Su XT, Wang MX,
et al. (2017) J Am Soc Nephrol 28:1814-1825 (Kir4.1 sets NCC in DCT1).
Glaudemans B, et al. (2009) J Clin Invest 119:936-942 (Kv1.1).
Hoenderop JG, Nilius B, Bindels RJ (2005) Physiol Rev 85:373-422 (TRPV5, PTH).
Nijenhuis T, et al. (2005) J Clin Invest 115:1651-1658; Loffing J, et al. (2004) J Am Soc
Nephrol 15:2276-2288 (Gitelman: TRPM6 down-regulation, DCT atrophy).
Dutta P, Layton AT (2024) AJP Renal, doi:10.1152/ajprenal.00117.2024 (NaMgX.py, TRPV5.py).
Garay & Garrahan (1973) J Physiol 231:297; Weinstein (2001) AJP Renal 280:F1072 (pump).
"""
from __future__ import annotations

import dataclasses
from typing import Mapping

import numpy as np
from brian2 import Quantity, mM, pliter, pmole, second, uS

from channels.base import AFFINITY_MM, TUBULE_CONDUCTANCE_US, Parameter
from channels.constants import BODY_TEMPERATURE_K, F_OVER_R, FARADAY_C_PER_MOL
from channels.enac import exprel
from channels.kir_basolateral import Kir45
from channels.kv11 import Kv11
from channels.ncc import NCC, ncc_flux, wnk_factor
from channels.trpm6 import TRPM6, trpm6_mg_factor, trpm6_pH_factor

from . import register, steady_state

#: Conversion of a flux in mol/s to pmol/min.
PMOL_MIN = 1e12 * 60.0
#: Largest relative balance imbalance of a solved steady state.
STEADY_TOLERANCE = 1e-9
#: Newton's stopping tolerance on the balances (pmol/s, nA; scaled luminal balances).
NEWTON_TOLERANCE = 1e-13
#: Finite-difference steps of ln Na_c, ln Cl_c, V_b (V), V_te (V), and the slab's ln lumen Na,
#: Cl, K.
NEWTON_STEPS = np.array([1e-7, 1e-7, 1e-8, 1e-8, 1e-7, 1e-7, 1e-7])
#: Start of the cell's Newton iteration: ln 10 mM, ln 8 mM, -75 mV, 0 mV.
CELL_START = np.array([np.log(10.0), np.log(8.0), -0.075, 0.0])
#: Bracket (mM) and iterations of the bisection for cytoplasmic Mg2+.
MG_I_BRACKET_MM, MG_I_ITERATIONS = (1e-3, 20.0), 48
#: Human DCT length (mm; textbook ~5 mm, primary source not read: uncertain, scaled by
#: ``dct_length_scale``) and the default number of slabs.
DCT_LENGTH_MM, DCT_SLABS = 5.0, 10
#: How many times a slab whose Newton solve fails is halved.
MAX_SPLITS = 4
SHARED = "Dutta & Layton 2024 AJP Renal doi:10.1152/ajprenal.00117.2024"
NAMGX = f"{SHARED}, code NaMgX.py (Na/Mg exchanger standing for SLC41A1/CNNM2)"


class DCTKir45(Kir45):
    """Kir4.1/5.1 with the basolateral K+ conductance of one mm of DCT."""

    parameters = (dataclasses.replace(
        Kir45.parameter("g_Kir45"), value=8.0 * uS,
        meaning="basolateral Kir4.1/5.1 K+ conductance per mm of DCT at K_o = Kref_Kir45",
        source="chosen for a DCT basolateral potential of -65 to -85 mV (no human value; "
               "Kir4.1/5.1 is the main basolateral K channel of the DCT, Zhang et al. 2014 "
               "PNAS 111:11864)"),) + tuple(p for p in Kir45.parameters if p.name != "g_Kir45")


def _affinity(name, value, meaning, source):
    return Parameter(name, value * mM, mM, meaning, source, uncertain=True, **AFFINITY_MM)


#: Parameters of the DCT cell besides its channels' and NCC's.
CELL_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("Jmax_pump_DCT", 2.5 * pmole / second, pmole / second,
              "maximal Na/K-ATPase cycle rate per mm of DCT",
              "pump form of models.principal_cell (Weinstein 2001); value chosen for cell Na+ "
              "about 10 mM at the baseline NaCl absorption (the DCT has the highest Na/K-ATPase "
              "activity of the nephron)", uncertain=True, minimum=0.0, maximum=100.0,
              bounds_reason="0 (ouabain) to 100 pmol/s = 6000 pmol/min per mm"),
    Parameter("g_Cl_b_DCT", 25.0 * uS, uS, "basolateral ClC-Kb/barttin Cl- conductance per mm",
              "chosen: Cl- leaves the cell as fast as NCC brings it in with cell Cl- 5-10 mM "
              "(about 7 mM at baseline)", uncertain=True, **TUBULE_CONDUCTANCE_US),
    Parameter("g_Na_b_DCT", 0.1 * uS, uS,
              "basolateral Na+ entry (NHE1, Na-coupled transport) lumped as a leak, per mm",
              "as in models.principal_cell: small; keeps cell Na+ defined when NCC is blocked",
              uncertain=True, **TUBULE_CONDUCTANCE_US),
    Parameter("g_para_Na_DCT", 0.6 * uS, uS, "paracellular Na+ conductance per mm",
              f"order of {SHARED} (perm_Na_Lumen_LIS 8e-3 cm/s x area 0.001, d 15 um: about 2 "
              "uS/mm in the rat); chosen for |V_te| < 10 mV", uncertain=True,
              **TUBULE_CONDUCTANCE_US),
    Parameter("g_para_Cl_DCT", 0.6 * uS, uS, "paracellular Cl- conductance per mm",
              f"order of {SHARED} (perm_Cl_Lumen_LIS 5e-3 cm/s); chosen for |V_te| < 10 mV",
              uncertain=True, **TUBULE_CONDUCTANCE_US),
    Parameter("A_imp_DCT", 135.0 * mM, mM, "impermeant intracellular anion (one charge each)",
              "chosen for cell K+ near 130-140 mM (as in models.principal_cell)",
              uncertain=True, minimum=0.0, maximum=300.0,
              bounds_reason="0 to 300 mM, the whole osmolarity of the cell"),
    Parameter("Vmax_NaMgX_DCT", 0.035 * pmole / second, pmole / second,
              "maximal basolateral Na+/Mg2+ exchange (Mg2+ extrusion) per mm of DCT",
              "chosen: the DCT's Mg2+ transport saturates near its normal load (the renal "
              "threshold TmMg, Rude et al. 1980 JCEM 51:1425; with P_TRPM6, models.nephron); "
              "form from " + NAMGX, uncertain=True, minimum=0.0, maximum=10.0,
              bounds_reason="0 to 10 pmol/s = 600 pmol/min per mm, above all the Mg2+ the "
                            "DCT receives"),
    _affinity("KNao_NaMgX_DCT", 62.0, "plasma Na+ of half-activation of the exchanger (Hill 2)",
              NAMGX),
    _affinity("KNai_NaMgX_DCT", 40.0, "cell Na+ of half-inhibition of the exchanger", NAMGX),
    _affinity("KMgo_NaMgX_DCT", 10.0, "plasma Mg2+ of half-inhibition of the exchanger", NAMGX),
    _affinity("KMgi_NaMgX_DCT", 0.7, "cell Mg2+ of half-activation of the exchanger (Hill 2)",
              NAMGX),
    Parameter("P_TRPV5_DCT", 25.0 * pliter / second, pliter / second,
              "apical TRPV5 Ca2+ permeability per mm of late DCT (DCT2) at pth_effect 1",
              "chosen so that the DCT reabsorbs 5-10 % of the filtered Ca2+; TRPV5 in DCT2/CNT "
              "(Hoenderop et al. 2005 Physiol Rev 85:373)", uncertain=True,
              minimum=0.0, maximum=1000.0,
              bounds_reason="0 (TRPV5 absent) to several hundred times the baseline"),
    Parameter("Ca_i_DCT", 1e-4 * mM, mM, "cytoplasmic free Ca2+ of the DCT2 cell (held)",
              f"100 nM, the cell Ca of {SHARED} (DCTparams); basolateral NCX1/PMCA not modelled",
              uncertain=True, minimum=1e-6, maximum=0.01,
              bounds_reason="1 nM to 10 uM, beyond the resting and stimulated cytoplasmic Ca"),
    Parameter("dct2_fraction_DCT", 1 / 3, 1, "fraction of the DCT length, at its end, with TRPV5",
              f"{SHARED}: TRPV5/NCX1/PMCA in the last third (DCT2)", uncertain=True,
              minimum=0.0, maximum=1.0, bounds_reason="a fraction of the segment length"),
)

#: The unit's equations (text; "s_X" are the scale knobs, b blood, L lumen, c cell).
EQUATIONS = """\
J_NCC = s_NCC * w(Cl_c) * Jmax_NCC * (gamma_L - gamma_c) / (rho_L + rho_c)   (channels.ncc)
I_Kv = s_Kv * g_Kv11 * (V_a - E_K(K_L, K_c)),   V_a = V_b - V_te
I_Kir = s_Kir * g_Kir45 * (K_b / Kref)**nK * (V_b - E_K(K_b, K_c))
I_Cl = g_Cl_b * (V_b - E_Cl(Cl_b, Cl_c)),   I_Na_b = g_Na_b * (V_b - E_Na(Na_b, Na_c))
J_pump = Jmax_pump * (Na_c/(Na_c + K_Na))**3 * (K_b/(K_b + K_K))**2,
    K_Na = 0.2 mM * (1 + K_c/8.33 mM),  K_K = 0.1 mM * (1 + Na_b/18.5 mM)
I_para = g_para_Na * (V_te - E_Na(Na_b, Na_L)) + g_para_Cl * (V_te - E_Cl(Cl_b, Cl_L))
K_c = A_imp + Cl_c - Na_c
0 = J_NCC - I_Na_b/F - 3 J_pump = J_NCC + I_Cl/F = 2 J_pump - (I_Kv + I_Kir)/F = I_Kv - I_para
J_TRPM6(Mg_i) = -s_TRPM6 * I_TRPM6(V_a, Mg_L, Mg_i) / 2F   (channels.trpm6)
  = J_NaMg = Vmax * Na_b^2/(Na_b^2 + KNao^2) * KNai/(KNai + Na_c) * KMgo/(KMgo + Mg_b)
             * Mg_i^2/(Mg_i^2 + KMgi^2)
J_Ca = -pth_effect * GHK_Ca(P_TRPV5, V_a, Ca_L, Ca_i) / 2F   (DCT2 only)
Segment slab j: Q (c_j - c_{j-1}) = -dx J_c(midpoint)  (Na, Cl, K);  Mg, Ca exact in the slab"""

#: Per-condition inputs of the cell (name -> default, in the unit of the suffix).
CONDITIONS = {
    "na_lumen_mM": 55.0, "cl_lumen_mM": 45.0, "k_lumen_mM": 3.5, "mg_lumen_mM": 0.4,
    "ca_lumen_mM": 0.65, "plasma_na_mM": 140.0, "plasma_cl_mM": 105.0, "plasma_k_mM": 4.0,
    "plasma_mg_mM": 0.55, "temperature_K": BODY_TEMPERATURE_K, "ph": 7.4,
    "ncc_scale": 1.0, "kir41_dct_scale": 1.0, "kv11_scale": 1.0, "trpm6_scale": 1.0,
    "pth_effect": 1.0,
}
#: Cell outputs averaged along a segment.
AVERAGED = ("v_apical_mV", "v_basolateral_mV", "v_te_mV", "na_c_mM", "cl_c_mM", "k_c_mM",
            "mg_i_mM", "wnk_factor", "trpm6_unblocked", "j_ncc_pmol_min_mm",
            "j_mg_pmol_min_mm", "j_ca_pmol_min_mm", "j_k_pmol_min_mm", "j_pump_pmol_min_mm")


def pump_rate(na_c, k_c, k_b, na_b, jmax):
    """Na/K-ATPase cycle rate (unit of ``jmax``): the form of :mod:`models.principal_cell`."""
    k_na = 0.2 * (1 + k_c / 8.33)
    k_k = 0.1 * (1 + na_b / 18.5)
    return jmax * (na_c / (na_c + k_na)) ** 3 * (k_b / (k_b + k_k)) ** 2


def luminal_entry(a, b, c_in, dx, flow):
    """Entry per mm (mol/s) and outflow (mM) of a solute entering at a c - b (``a`` m^3/s,
    ``b`` mol/s per mm) along a slab, exact; ``dx`` 0 gives the entry at ``c_in``."""
    k = a * dx / flow
    phi = np.where(k > 1e-12, -np.expm1(-k) / np.maximum(k, 1e-300), 1.0 - k / 2)
    entry = (a * c_in - b) * phi
    return entry, c_in - entry * dx / flow


@register
class DCTCell:
    """DCT cell unit (1 mm): NCC, Kv1.1, TRPM6 apical; pump, Kir4.1/5.1, ClC-Kb basolateral.

    ``ncc``, ``kv11``, ``trpm6``, ``kir`` (defaults :class:`~channels.ncc.NCC`,
    :class:`~channels.kv11.Kv11`, :class:`~channels.trpm6.TRPM6`, :class:`DCTKir45`)
    and ``values`` (overrides of :data:`CELL_PARAMETERS`) set the defaults; any
    parameter may also be given per condition in ``params`` (floats in its display
    unit, or quantities). Numpy only (no Brian2 group). The channels' own
    ``pH_TRPM6`` is replaced by the condition ``ph``.
    """

    parameters = CELL_PARAMETERS

    def __init__(self, ncc: NCC | None = None, kv11: Kv11 | None = None,
                 trpm6: TRPM6 | None = None, kir: Kir45 | None = None,
                 values: Mapping[str, Quantity] | None = None):
        self.ncc, self.kv11 = ncc or NCC(), kv11 or Kv11()
        self.trpm6, self.kir = trpm6 or TRPM6(), kir or DCTKir45()
        known = {p.name for p in CELL_PARAMETERS}
        unknown = set(values or {}) - known
        if unknown:
            raise ValueError(f"DCTCell: unknown parameter(s) {sorted(unknown)}; "
                             f"allowed: {', '.join(sorted(known))}")
        self.values = {p.name: (values or {}).get(p.name, p.value) for p in CELL_PARAMETERS}

    @staticmethod
    def equations() -> str:
        """The unit's equations, as text (:data:`EQUATIONS`; no Brian2 group)."""
        return EQUATIONS

    @property
    def parts(self) -> tuple:
        """NCC and the Kv1.1, TRPM6 and Kir4.1/5.1 channels."""
        return (self.ncc, self.kv11, self.trpm6, self.kir)

    def declared(self) -> dict[str, tuple[Parameter, object]]:
        """Every parameter of the unit (channels, NCC, cell) -> (Parameter, default value)."""
        out = {p.name: (p, part.values[p.name]) for part in self.parts for p in part.parameters}
        out.update({p.name: (p, self.values[p.name]) for p in CELL_PARAMETERS})
        return out

    def parameter_rows(self) -> list[dict[str, str]]:
        """Rows (name, value, unit, meaning, source) of every parameter the unit uses."""
        return [p.row(value) for p, value in self.declared().values()]

    def values_si(self, params: Mapping[str, object] | None, conditions: Mapping[str, object],
                  n: int) -> dict[str, np.ndarray]:
        """Every parameter (SI) and condition (unit of its suffix) as a float array of length n;
        ``params`` are quantities or floats in the display unit; unknown names are refused."""
        declared = self.declared()
        params, conditions = dict(params or {}), dict(conditions)
        for key in params:
            if key not in declared:
                raise KeyError(f"DCTCell has no parameter {key!r}")
        for key in conditions:
            if key not in CONDITIONS:
                raise KeyError(f"DCTCell has no condition {key!r}; known: {', '.join(CONDITIONS)}")
        p = {}
        for name, (par, default) in declared.items():
            value = params.get(name, default)
            unit = 1.0 if par.dimensionless else float(par.unit)
            si = (np.asarray(value / par.unit, float) if isinstance(value, Quantity)
                  and not par.dimensionless else np.asarray(value, float)) * unit
            p[name] = np.broadcast_to(si, (n,)).astype(float)
        for name, default in CONDITIONS.items():
            p[name] = np.broadcast_to(np.asarray(conditions.get(name, default), float),
                                      (n,)).astype(float)
        return p

    # -- electrical state ---------------------------------------------------
    def fluxes(self, x, p, na_l, cl_l, k_l) -> dict[str, np.ndarray]:
        """Currents (A) and fluxes (mol/s) per mm at cell state ``x`` and lumen Na, Cl, K (mM)."""
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            rt_f = p["temperature_K"] / F_OVER_R
            na_c, cl_c, v_b, v_te = np.exp(x[0]), np.exp(x[1]), x[2], x[3]
            k_c = p["A_imp_DCT"] + cl_c - na_c
            na_b, cl_b, k_b = p["plasma_na_mM"], p["plasma_cl_mM"], p["plasma_k_mM"]
            v_a = v_b - v_te
            j_ncc = ncc_flux(na_l, cl_l, na_c, cl_c, p["Jmax_NCC"], p["KNa_NCC"], p["KCl_NCC"],
                             p["fWNK_NCC"], p["KWNK_NCC"], p["nWNK_NCC"],
                             p["scale_NCC"] * p["ncc_scale"])
            i_kv = p["kv11_scale"] * p["g_Kv11"] * (v_a - rt_f * np.log(k_l / k_c))
            i_kir = (p["kir41_dct_scale"] * p["g_Kir45"] * (k_b / p["Kref_Kir45"]) ** p["nK_Kir45"]
                     * (v_b - rt_f * np.log(k_b / k_c)))
            return {
                "j_ncc": j_ncc, "i_kv": i_kv, "i_kir": i_kir,
                "i_cl": p["g_Cl_b_DCT"] * (v_b - rt_f * np.log(cl_c / cl_b)),
                "i_na_b": p["g_Na_b_DCT"] * (v_b - rt_f * np.log(na_b / na_c)),
                "j_pump": pump_rate(na_c, k_c, k_b, na_b, p["Jmax_pump_DCT"]),
                "i_para_na": p["g_para_Na_DCT"] * (v_te - rt_f * np.log(na_b / na_l)),
                "i_para_cl": p["g_para_Cl_DCT"] * (v_te + rt_f * np.log(cl_b / cl_l)),
                "na_c": na_c, "cl_c": cl_c, "k_c": k_c, "v_a": v_a, "v_b": v_b, "v_te": v_te,
            }

    @staticmethod
    def balances(f) -> np.ndarray:
        """Cell Na+, Cl-, K+ (pmol/s) and lumen charge (nA) balances, shape (4, n)."""
        F = FARADAY_C_PER_MOL
        return np.array([
            (f["j_ncc"] - f["i_na_b"] / F - 3 * f["j_pump"]) * 1e12,
            (f["j_ncc"] + f["i_cl"] / F) * 1e12,
            (2 * f["j_pump"] - (f["i_kv"] + f["i_kir"]) / F) * 1e12,
            (f["i_kv"] - f["i_para_na"] - f["i_para_cl"]) * 1e9,
        ])

    @staticmethod
    def relative_residual(f) -> np.ndarray:
        """Largest balance imbalance relative to the fluxes it balances (0 at steady state)."""
        F = FARADAY_C_PER_MOL
        a = {k: np.abs(v) for k, v in f.items()}
        scale = np.array([
            (a["j_ncc"] + a["i_na_b"] / F + 3 * a["j_pump"]) * 1e12,
            (a["j_ncc"] + a["i_cl"] / F) * 1e12,
            (2 * a["j_pump"] + (a["i_kv"] + a["i_kir"]) / F) * 1e12,
            (a["i_kv"] + a["i_para_na"] + a["i_para_cl"]) * 1e9,
        ])
        # floor: 1e-3 pmol/s (nA), where a balance's every term vanishes (Cl- at equilibrium
        # with NCC blocked); well above NEWTON_TOLERANCE / STEADY_TOLERANCE
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.max(np.abs(DCTCell.balances(f)) / np.maximum(scale, 1e-3), axis=0)

    # -- Mg2+ and Ca2+ ------------------------------------------------------
    def mg_entry_coefficients(self, mg_i, f, p):
        """TRPM6 entry = a [Mg]_L - b (mol/s per mm): ``(a, b)`` at cell Mg2+ ``mg_i`` (mM)."""
        u = 2 * f["v_a"] * F_OVER_R / p["temperature_K"]
        gate = (p["trpm6_scale"] * p["P_TRPM6"]
                * trpm6_mg_factor(mg_i, p["Ki_TRPM6"], p["nH_TRPM6"])
                * trpm6_pH_factor(p["ph"], p["pHref_TRPM6"], p["dpH_TRPM6"]))
        return gate / exprel(u), gate * mg_i / exprel(-u)

    @staticmethod
    def mg_extrusion(mg_i, f, p):
        """Basolateral Na+/Mg2+ exchange, Mg2+ out of the cell (mol/s per mm)."""
        na_b, mg_b = p["plasma_na_mM"], p["plasma_mg_mM"]
        return (p["Vmax_NaMgX_DCT"] * na_b ** 2 / (na_b ** 2 + p["KNao_NaMgX_DCT"] ** 2)
                * p["KNai_NaMgX_DCT"] / (p["KNai_NaMgX_DCT"] + f["na_c"])
                * p["KMgo_NaMgX_DCT"] / (p["KMgo_NaMgX_DCT"] + mg_b)
                * mg_i ** 2 / (mg_i ** 2 + p["KMgi_NaMgX_DCT"] ** 2))

    def magnesium(self, f, p, mg_in, dx=0.0, flow=1.0):
        """Cell Mg2+ (mM), Mg2+ entry per mm (mol/s) and luminal outflow Mg2+ of a slab.

        Bisection in ln [Mg]_i for TRPM6 entry = Na+/Mg2+ extrusion; entry falls
        and extrusion rises with [Mg]_i, so the root is unique in the bracket
        (a unit whose root lies outside it is returned at the bracket's end).
        ``dx = 0`` gives a perfused cell at luminal Mg2+ ``mg_in``.
        """
        lo = np.full_like(mg_in, np.log(MG_I_BRACKET_MM[0]))
        hi = np.full_like(mg_in, np.log(MG_I_BRACKET_MM[1]))
        for _ in range(MG_I_ITERATIONS):
            mid = 0.5 * (lo + hi)
            mg_i = np.exp(mid)
            a, b = self.mg_entry_coefficients(mg_i, f, p)
            excess = luminal_entry(a, b, mg_in, dx, flow)[0] - self.mg_extrusion(mg_i, f, p)
            lo, hi = np.where(excess > 0, mid, lo), np.where(excess > 0, hi, mid)
        mg_i = np.exp(0.5 * (lo + hi))
        entry, mg_out = luminal_entry(*self.mg_entry_coefficients(mg_i, f, p), mg_in, dx, flow)
        return mg_i, entry, mg_out

    @staticmethod
    def calcium(f, p, ca_in, weight, dx=0.0, flow=1.0):
        """TRPV5 Ca2+ entry per mm (mol/s) and luminal outflow Ca2+; ``weight`` = DCT2 share."""
        u = 2 * f["v_a"] * F_OVER_R / p["temperature_K"]
        perm = weight * p["pth_effect"] * p["P_TRPV5_DCT"]
        return luminal_entry(perm / exprel(u), perm * p["Ca_i_DCT"] / exprel(-u), ca_in, dx, flow)

    # -- outputs ------------------------------------------------------------
    def outputs(self, f, p, mg_i, j_mg, j_ca) -> dict[str, np.ndarray]:
        """Named outputs (per mm of DCT) of a solved unit."""
        residual = self.relative_residual(f)
        return {
            "v_apical_mV": f["v_a"] * 1e3, "v_basolateral_mV": f["v_b"] * 1e3,
            "v_te_mV": f["v_te"] * 1e3, "na_c_mM": f["na_c"], "cl_c_mM": f["cl_c"],
            "k_c_mM": f["k_c"], "mg_i_mM": mg_i,
            "wnk_factor": wnk_factor(f["cl_c"], p["fWNK_NCC"], p["KWNK_NCC"], p["nWNK_NCC"]),
            "trpm6_unblocked": trpm6_mg_factor(mg_i, p["Ki_TRPM6"], p["nH_TRPM6"]),
            "j_ncc_pmol_min_mm": f["j_ncc"] * PMOL_MIN,
            "j_k_pmol_min_mm": f["i_kv"] / FARADAY_C_PER_MOL * PMOL_MIN,
            "j_pump_pmol_min_mm": f["j_pump"] * PMOL_MIN,
            "j_mg_pmol_min_mm": j_mg * PMOL_MIN, "j_ca_pmol_min_mm": j_ca * PMOL_MIN,
            "residual": residual,
            "converged": np.isfinite(residual) & (residual <= STEADY_TOLERANCE),
        }

    def steady_state(self, params: Mapping[str, object] | None = None, n: int | None = None,
                     start=None, **conditions) -> dict[str, np.ndarray]:
        """Steady state of ``n`` perfused units (fixed luminal composition, a DCT2 cell).

        ``conditions`` are keys of :data:`CONDITIONS` (floats or arrays in the
        unit of their suffix); ``params`` per-condition parameter values. Returns
        :meth:`outputs` (fluxes per mm; the Ca2+ entry of a cell with TRPV5)
        and ``state`` (4, n).
        """
        n = n or max([np.size(v) for v in [*conditions.values(), *(params or {}).values()]]
                     + [1])
        p = self.values_si(params, conditions, n)
        x, f = self.solve_cell(p, p["na_lumen_mM"], p["cl_lumen_mM"], p["k_lumen_mM"], start)
        mg_i, j_mg, _ = self.magnesium(f, p, p["mg_lumen_mM"])
        j_ca, _ = self.calcium(f, p, p["ca_lumen_mM"], 1.0)
        return {**self.outputs(f, p, mg_i, j_mg, j_ca), "state": x}

    def solve_cell(self, p, na_l, cl_l, k_l, start=None):
        """Newton solution (state, fluxes) of the cell at fixed luminal Na+, Cl-, K+ (mM)."""
        n = len(na_l)
        x0 = np.repeat(CELL_START[:, None], n, axis=1) if start is None else start
        solution = steady_state.solve(lambda x: self.balances(self.fluxes(x, p, na_l, cl_l, k_l)),
                                      x0, NEWTON_STEPS[:4], tolerance=NEWTON_TOLERANCE)
        return solution.x, self.fluxes(solution.x, p, na_l, cl_l, k_l)


@register
class DistalConvolutedTubule:
    """The DCT of one nephron: :class:`DCTCell` slabs in series along a water-tight lumen.

    Parameters
    ----------
    cell : DCTCell, optional
        The cell of every slab.
    length_mm : float
        Length of the human DCT at ``dct_length_scale`` 1 (about 5 mm, textbook
        value; uncertain).
    slabs : int
        Number of slabs. The parameters are the cell's (:meth:`DCTCell.parameter_rows`).
    """

    def __init__(self, cell: DCTCell | None = None, length_mm: float = DCT_LENGTH_MM,
                 slabs: int = DCT_SLABS):
        if not length_mm > 0 or int(slabs) < 1:
            raise ValueError(f"DistalConvolutedTubule: length_mm={length_mm!r} must be > 0 and "
                             f"slabs={slabs!r} at least 1")
        self.cell = cell or DCTCell()
        self.length_mm, self.slabs = float(length_mm), int(slabs)

    equations = staticmethod(DCTCell.equations)  # the slabs' cells and lumen (:data:`EQUATIONS`)

    def steady_state(self, flow_nl_min, na_mM, cl_mM, k_mM, mg_mM, ca_mM,
                     params: Mapping[str, object] | None = None, dct_length_scale=1.0,
                     **conditions) -> dict[str, np.ndarray]:
        """Outflow and reabsorption of ``n`` DCTs (one per condition) at the given inflow.

        Parameters
        ----------
        flow_nl_min : float or array
            Luminal inflow (nl/min, > 0), equal to the outflow (no water transport).
        na_mM, cl_mM, k_mM, mg_mM, ca_mM : float or array
            Inflow composition (mM; Mg and Ca ionized, the luminal fluid has no protein).
        params : mapping, optional
            Per-condition parameter values (:meth:`DCTCell.values_si`).
        dct_length_scale : float or array
            Length relative to ``length_mm`` (atrophy < 1, hypertrophy > 1).
        **conditions
            The plasma composition, ``temperature_K``, luminal ``ph`` and the scale
            knobs ``ncc_scale``, ``kir41_dct_scale``, ``kv11_scale``, ``trpm6_scale``,
            ``pth_effect`` (:data:`CONDITIONS`; scalars or arrays).

        Returns
        -------
        dict
            Arrays: ``flow_out_nl_min``, ``{na,cl,k,mg,ca}_lumen_out_mM``,
            ``{na,cl,k,mg,ca}_reabsorbed_pmol_min`` (per nephron; K+ negative when
            secreted), ``j_ncc_pmol_min`` (NCC Na+ flux of the whole segment), the
            length-averaged cell state and fluxes per mm (:data:`AVERAGED`),
            ``length_mm``, ``na_lumen_profile_mM`` and ``mg_lumen_profile_mM``
            (slab outflows, shape (slabs, n)), ``residual``, ``converged``.
        """
        inflow = {"na_lumen_mM": na_mM, "cl_lumen_mM": cl_mM, "k_lumen_mM": k_mM,
                  "mg_lumen_mM": mg_mM, "ca_lumen_mM": ca_mM}
        sizes = [np.size(v) for v in [flow_nl_min, dct_length_scale, *inflow.values(),
                                      *conditions.values(), *(params or {}).values()]]
        n = max(sizes + [1])
        p = self.cell.values_si(params, {**conditions, **inflow}, n)
        flow = np.broadcast_to(np.asarray(flow_nl_min, float), (n,)) * 1e-12 / 60.0  # m3/s
        length = self.length_mm * np.broadcast_to(np.asarray(dct_length_scale, float), (n,))
        lumen = {ion: p[f"{ion}_lumen_mM"].copy() for ion in ("na", "cl", "k", "mg", "ca")}
        start, f0 = self.cell.solve_cell(p, lumen["na"], lumen["cl"], lumen["k"])
        # a unit whose cell has no steady state at the inflow (no K+ exit) is never split
        splittable = self.cell.relative_residual(f0) <= STEADY_TOLERANCE
        slabs, f2 = [], p["dct2_fraction_DCT"]
        for j in range(self.slabs):
            weight = np.clip(np.minimum(j + 1, self.slabs)
                             - np.maximum(j, self.slabs * (1 - f2)), 0.0, 1.0)
            slab = self._solve_span(p, flow, length / self.slabs, lumen, start, weight,
                                    splittable)
            slabs.append(slab)
            start, lumen = slab["state"][:4], slab["lumen"]
        return self._segment_outputs(slabs, p, flow, length, lumen)

    def _segment_outputs(self, slabs, p, flow, length, lumen) -> dict[str, np.ndarray]:
        out = {key: np.mean([s[key] for s in slabs], axis=0) for key in AVERAGED}
        out["residual"] = np.max([s["residual"] for s in slabs], axis=0)
        out["converged"] = np.isfinite(out["residual"]) & (out["residual"] <= STEADY_TOLERANCE)
        out["flow_out_nl_min"] = flow * 60e12
        for ion in ("na", "cl", "k", "mg", "ca"):
            out[f"{ion}_lumen_out_mM"] = lumen[ion]
            out[f"{ion}_reabsorbed_pmol_min"] = flow * (p[f"{ion}_lumen_mM"] - lumen[ion]) \
                * PMOL_MIN
        out["j_ncc_pmol_min"] = out["j_ncc_pmol_min_mm"] * length
        out["length_mm"] = length
        out["na_lumen_profile_mM"] = np.array([s["lumen"]["na"] for s in slabs])
        out["mg_lumen_profile_mM"] = np.array([s["lumen"]["mg"] for s in slabs])
        return out

    def _solve_span(self, p, flow, dx, lumen, start, weight, splittable, depth=0) -> dict:
        """One slab; the units whose Newton fails there (the lumen changes too much across
        it) are solved again, alone, as two halves (at most :data:`MAX_SPLITS` times)."""
        slab = self._solve_slab(p, flow, dx, lumen, start, weight)
        idx = np.flatnonzero(~(slab["residual"] <= STEADY_TOLERANCE) & splittable)
        if depth >= MAX_SPLITS or idx.size == 0:
            return slab
        sub = ({k: v[idx] for k, v in p.items()}, flow[idx], dx[idx] / 2)
        first = self._solve_span(*sub, {k: v[idx] for k, v in lumen.items()}, start[:, idx],
                                 weight[idx], splittable[idx], depth + 1)
        second = self._solve_span(*sub, first["lumen"], first["state"][:4], weight[idx],
                                  splittable[idx], depth + 1)
        for key in AVERAGED:
            slab[key][idx] = 0.5 * (first[key] + second[key])
        slab["residual"][idx] = np.maximum(first["residual"], second["residual"])
        slab["state"][:, idx] = second["state"]
        for ion, values in second["lumen"].items():
            slab["lumen"][ion][idx] = values
        return slab

    def _solve_slab(self, p, flow, dx, lumen, start, weight) -> dict:
        """One slab: the cell's four balances and the luminal Na+, Cl-, K+ balances (Newton),
        then its Mg2+ and Ca2+ (exact within the slab at the solved cell state)."""
        cell, F = self.cell, FARADAY_C_PER_MOL
        na_in, cl_in, k_in = lumen["na"], lumen["cl"], lumen["k"]
        floor = dx * 1e-13  # 0.1 pmol/s per mm
        scale = np.array([flow * (c + 1.0) + floor for c in (na_in, cl_in, k_in)])

        def evaluate(x):
            na_o, cl_o, k_o = np.exp(x[4]), np.exp(x[5]), np.exp(x[6])
            f = cell.fluxes(x[:4], p, 0.5 * (na_in + na_o), 0.5 * (cl_in + cl_o),
                            0.5 * (k_in + k_o))
            luminal = np.array([
                flow * (na_o - na_in) + dx * (f["j_ncc"] + f["i_para_na"] / F),
                flow * (cl_o - cl_in) + dx * (f["j_ncc"] - f["i_para_cl"] / F),
                flow * (k_o - k_in) - dx * f["i_kv"] / F])
            return f, luminal, (na_o, cl_o, k_o)

        def residual(x):
            f, luminal, _ = evaluate(x)
            return np.concatenate([cell.balances(f), luminal / scale])

        x0 = np.concatenate([start, np.log([na_in, cl_in, k_in])])
        x = steady_state.solve(residual, x0, NEWTON_STEPS, tolerance=NEWTON_TOLERANCE).x
        f, luminal, (na_o, cl_o, k_o) = evaluate(x)
        mg_i, j_mg, mg_o = cell.magnesium(f, p, lumen["mg"], dx, flow)
        j_ca, ca_o = cell.calcium(f, p, lumen["ca"], weight, dx, flow)
        out = cell.outputs(f, p, mg_i, j_mg, j_ca)
        sizes = np.array([flow * (c_in + c_out) for c_in, c_out in
                          ((na_in, na_o), (cl_in, cl_o), (k_in, k_o))]) + floor
        out["residual"] = np.maximum(out["residual"], np.max(np.abs(luminal) / sizes, axis=0))
        out["state"] = x
        out["lumen"] = {"na": na_o, "cl": cl_o, "k": k_o, "mg": mg_o, "ca": ca_o}
        return out
