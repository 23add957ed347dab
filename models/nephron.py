"""Mg2+ and Ca2+ along the human nephron: proximal tubule, TAL, DCT, collecting duct.

One unit is one nephron under one condition (a cause of Mg deficiency, a
plasma composition, a PTH action); the whole kidney is ``nephrons`` of them.
Flows are nl/min, concentrations mM, fluxes pmol/min per nephron
(1 pmol/min x 2e6 nephrons = 2.88 mmol/day).

Notes
-----
**Filtration.** Single-nephron GFR :math:`Q_0` = GFR / nephrons (62.5 nl/min
at 180 L/day); the filtrate carries the ultrafiltrable Mg and Ca.

**Proximal tubule** (:meth:`Nephron.proximal`). It reabsorbs the fraction
:math:`w` (``pt_volume_fraction``) of the filtered water isosmotically; Mg and
Ca follow by solvent drag with reflection coefficients :math:`\\sigma`, so a
solute's flow falls as :math:`dF/F = (1 - \\sigma)\\, dV/V` and the delivered
fraction is

.. math:: F_{out}/F_0 = (1 - w)^{1 - \\sigma}, \\qquad TF/UF = (1 - w)^{-\\sigma}

(:math:`\\sigma_{Mg}` 0.80: 20 % of filtered Mg reabsorbed, TF/UF 2.4 at w
0.67, rat micropuncture 1.5-1.9 at the last accessible loop, Le Grimellec et
al. 1973; :math:`\\sigma_{Ca}` 0.05: 65 %, TF/UF 1.06). A contracted ECF
(higher w) raises proximal Ca reabsorption: the hypocalciuria of thiazides and
Gitelman syndrome (Nijenhuis et al. 2005). The thin descending limb then
removes the fraction ``dtl_water_fraction`` of the water without solute.

**Thick ascending limb** (:meth:`Nephron.tal`), water-tight, in ``tal_slabs``
slabs: NKCC2 (:class:`channels.nkcc2.NKCC2`) absorbs NaCl (luminal Cl = Na);
K+ recycled through ROMK makes the lumen positive, and the cation-selective
claudin-16/19 pore adds a dilution potential as luminal NaCl falls:

.. math::

    V_{te} = V_{act}\\,\\frac{J_{NKCC2}}{J_{NKCC2}^{ref}} h_R
        + \\frac{RT}{F}\\,\\frac{r - 1}{r + 1} \\ln\\frac{[Na]_b}{[Na]_L}, \\qquad
    h_R = \\frac{s_R (1 + K_R)}{s_R + K_R}, \\qquad r = 1 + (r_0 - 1)\\, s_{cldn}

(:math:`V_{act}` +7 mV: rabbit cTAL with symmetric solutions, Greger 1985;
:math:`r_0` = P_Na/P_Cl 3, falling to ~1.6 without claudin-16, Hou et al.
2007; :math:`h_R` also multiplies NKCC2, which needs recycled K+). Mg and Ca
cross the junction by GHK electrodiffusion of a divalent ion,
:math:`J = P\\,a\\,(C_L - C_b e^{-a})/(1 - e^{-a})` with :math:`a = 2FV_{te}/RT`,
so with constant flow :math:`Q` in a slab of length :math:`dx`

.. math:: C_L(x + dx) = C^* + (C_L(x) - C^*)\\,e^{-k\\,dx}, \\qquad
          C^* = C_b e^{-a}, \\quad k = \\frac{P\\,a}{Q\\,(1 - e^{-a})}

The permeabilities scale with ``cldn16_scale`` (FHHNC), with the PTH action as
:math:`A^{\\epsilon}` (small: human TmMg did not depend on PTH, Rude et al.
1980) and with the basolateral CaSR (claudin-14 induction, Gong et al. 2012;
Loupy et al. 2012):

.. math:: g_{CaSR} = \\frac{1 + \\theta}{1 + \\theta\\,(E/E_0)^{h}}, \\qquad
          E = c\\,([Ca^{2+}] + [Mg^{2+}]/\\kappa)

(:math:`\\kappa` 2.5: Mg2+ is the weaker CaSR agonist, Brown et al. 1993;
:math:`c` is ``casr_shift``). Raised plasma Mg therefore lowers the TAL's
fractional Mg reabsorption: the threshold (TmMg-like) behaviour of renal Mg
excretion.

**DCT**: :class:`models.dct.DistalConvolutedTubule` (TRPM6 driven by the
apical potential that Kv1.1, Kir4.1/5.1, NCC and the pump set). Its
electrical state does not depend on Mg or Ca (their currents are ~1 % of
Na+'s), so :class:`Kidney` tabulates each condition's DCT outflow against the
inflowing Mg and Ca once.

**Collecting duct**: reabsorbs no Mg or Ca (little, in every review).

Clinical fractional excretion (the way it is computed at the bedside, with
creatinine filtered and not reabsorbed; 0.7 is the ultrafiltrable share
clinicians assume):

.. math:: FE_{Mg} = \\frac{U_{Mg}\\,P_{Cr}}{0.7\\,P_{Mg}\\,U_{Cr}} \\times 100

References
----------
Le Grimellec C, Roinel N, Morel F (1973) Simultaneous Mg, Ca, P, K, Na and Cl
analysis in rat tubular fluid. Pflugers Arch 340:181-196.
Quamme GA (1997) Renal magnesium handling: new insights in understanding old
problems. Kidney Int 52:1180-1195.
Greger R (1985) Ion transport mechanisms in thick ascending limb of Henle's
loop of mammalian nephron. Physiol Rev 65:760-797.
Hou J, Renigunta A, Gomes AS, et al. (2007) Claudin-16 and claudin-19
interaction is required for their assembly into tight junctions and for renal
reabsorption of magnesium. J Clin Invest 117:2847-2859 (and Hou et al. 2005
J Clin Invest 115:1166).
Gong Y, Renigunta V, Himmerkus N, et al. (2012) Claudin-14 regulates renal
Ca++ transport in response to CaSR signalling via a novel microRNA pathway.
EMBO J 31:1999-2012.
Loupy A, Ramakrishnan SK, Wootla B, et al. (2012) PTH-independent regulation
of blood calcium concentration by the calcium-sensing receptor. J Clin Invest
122:3355-3367.
Brown EM, Gamba G, Riccardi D, et al. (1993) Cloning and characterization of
an extracellular Ca2+-sensing receptor from bovine parathyroid. Nature
366:575-580.
Rude RK, Bethune JE, Singer FR (1980) Renal tubular maximum for magnesium in
normal, hyperparathyroid, and hypoparathyroid man. J Clin Endocrinol Metab
51:1425-1431.
Nijenhuis T, Vallon V, van der Kemp AWCM, et al. (2005) J Clin Invest
115:1651-1658.
"""
from __future__ import annotations

import copy

from typing import Mapping

import numpy as np
from brian2 import pmole, second

from channels.base import Parameter
from channels.constants import BODY_TEMPERATURE, F_OVER_R
from channels.nkcc2 import NKCC2

from . import register
from .dct import DistalConvolutedTubule

#: Body temperature (K) as a float.
BODY_TEMPERATURE_K = float(np.asarray(BODY_TEMPERATURE))
#: pmol/min per nephron -> mmol/day for the kidney: x nephrons x 1440 min x 1e-9.
PMOL_MIN_TO_MMOL_DAY = 1440.0 * 1e-9


def _p(name, value, meaning, source, low, high, uncertain=True):
    return Parameter(name, value, 1, meaning, source, uncertain=uncertain, minimum=low,
                     maximum=high, bounds_reason=f"{low:g} to {high:g}: the physically "
                     "meaningful range of the quantity")


#: The nephron's own parameters (plain numbers in the unit the name ends with).
PARAMETERS = (
    _p("gfr_l_day", 180.0, "glomerular filtration rate (L/day)", "textbook 125 ml/min",
       1.0, 400.0, uncertain=False),
    _p("nephrons", 2e6, "nephrons of both kidneys", "textbook ~1e6 per kidney", 1e4, 5e6),
    _p("pt_volume_fraction", 0.67, "filtered water reabsorbed by the proximal tubule",
       "textbook two thirds", 0.3, 0.9, uncertain=False),
    _p("sigma_mg_pt", 0.80, "reflection coefficient of Mg in the PT (solvent drag)",
       "derived: 20 % of filtered Mg reabsorbed (reviews 10-25 %; Quamme 1997)", 0.0, 1.0),
    _p("sigma_ca_pt", 0.05, "reflection coefficient of Ca in the PT",
       "derived: 65 % of filtered Ca reabsorbed (textbook ~65 %)", 0.0, 1.0),
    _p("dtl_water_fraction", 0.24, "share of its inflow water the descending limb removes",
       "derived: ~25 % of the filtrate enters the TAL", 0.0, 0.9),
    _p("tal_length_mm", 8.0, "TAL length (mm)", "textbook human loop dimensions", 1.0, 30.0),
    _p("jmax_nkcc2_pmol_min_mm", 600.0, "maximal NKCC2 Na+ flux per mm of human TAL "
       "(pmol/min)", "chosen: luminal Na+ falls to ~35 mM along the TAL (early distal Na "
       "30-60 mM)", 0.0, 1e5),
    _p("tal_v_active_mV", 7.0, "active lumen-positive voltage of the TAL (mV)",
       "rabbit cTAL with symmetric solutions +7 mV (Greger 1985)", 0.0, 30.0),
    _p("tal_selectivity", 3.0, "P_Na/P_Cl of the TAL junction", "mouse TAL ~3 (Hou et al. "
       "2007), ~1.6 without claudin-16", 1.0, 20.0),
    _p("romk_half_scale", 0.1, "ROMK scale of half-maximal K recycling", "chosen: partial "
       "ROMK loss matters little", 0.001, 10.0),
    _p("p_mg_tal_nl_min_mm", 3.3, "Mg permeability x perimeter of the TAL junction "
       "(nl/min per mm)", "chosen: the TAL reabsorbs ~65 % of filtered Mg (reviews 50-70 %)",
       0.0, 1000.0),
    _p("p_ca_tal_nl_min_mm", 6.0, "Ca permeability x perimeter of the TAL junction "
       "(nl/min per mm)", "chosen: the TAL reabsorbs ~28 % of filtered Ca (textbook 20-25 %)",
       0.0, 1000.0),
    _p("casr_theta", 1.0, "strength of CaSR inhibition of the TAL junction", "chosen "
       "(Gong et al. 2012: CaSR-claudin-14 axis)", 0.0, 100.0),
    _p("casr_hill", 4.0, "steepness of CaSR activation", "CaSR Hill 3-4 (Brown et al. 1993)",
       0.5, 10.0),
    _p("casr_mg_potency", 2.5, "Ca2+ / Mg2+ potency ratio at the CaSR", "Brown et al. 1993: "
       "EC50 Mg ~2-3 x Ca", 1.0, 20.0),
    _p("tal_pth_exponent", 0.1, "exponent of PTH action on TAL permeabilities", "small: TmMg "
       "independent of PTH in man (Rude et al. 1980)", 0.0, 2.0),
    _p("tal_slabs", 20, "slabs along the TAL", "numerical choice", 2, 200, uncertain=False),
    _p("creatinine_mmol_day", 12.0, "creatinine excretion (mmol/day)", "textbook 8-16",
       1.0, 50.0, uncertain=False),
    _p("urine_l_day", 1.5, "urine volume (L/day)", "textbook 1-2", 0.2, 20.0, uncertain=False),
)
DEFAULTS: dict[str, float] = {p.name: float(p.value) for p in PARAMETERS}
#: Healthy plasma composition the TAL and DCT see (mM).
PLASMA = {"na": 140.0, "cl": 105.0, "k": 4.0}
#: Knobs of the causes (:mod:`models.causes`) the nephron reads, with healthy values.
KNOBS = {"ncc_scale": 1.0, "nkcc2_scale": 1.0, "romk_tal_scale": 1.0, "cldn16_scale": 1.0,
         "kir41_dct_scale": 1.0, "kv11_scale": 1.0, "trpm6_scale": 1.0,
         "dct_length_scale": 1.0, "casr_shift": 1.0}


def _ghk_slabs(c_bath, a, p_dx, flow):
    """Per slab, the GHK equilibrium concentration ``c_star`` and the decay factor
    towards it: at constant V_te the exact solution across a slab is
    ``c_out = c_star + (c_in - c_star) * decay`` (rows of ``a``: slabs)."""
    small = np.abs(a) < 1e-6
    a_safe = np.where(small, 1.0, a)
    drive = np.where(small, 1.0 - 0.5 * a, a_safe / (1.0 - np.exp(-a_safe)))
    c_star = c_bath * np.exp(-a)
    return c_star, np.exp(-p_dx * drive / flow)


@register
class Nephron:
    """PT, TAL, DCT and collecting duct of ``n`` nephrons (numpy; see the module docstring).

    Parameters
    ----------
    values : mapping, optional
        Overrides of :data:`PARAMETERS` (floats or per-condition arrays).
    dct : DistalConvolutedTubule, optional
    """

    parameters = PARAMETERS

    def __init__(self, values: Mapping[str, object] | None = None,
                 dct: DistalConvolutedTubule | None = None):
        unknown = [k for k in (values or {}) if k not in DEFAULTS]
        if unknown:
            raise KeyError(f"Nephron has no parameter {unknown[0]!r}; "
                           f"allowed: {', '.join(DEFAULTS)}")
        self.v = {**DEFAULTS, **(values or {})}
        self.dct = dct or DistalConvolutedTubule()
        self.nkcc2 = NKCC2()

    def parameter_rows(self) -> list[dict[str, str]]:
        return [p.row() for p in PARAMETERS] + NKCC2.parameter_rows()

    @staticmethod
    def equations() -> str:
        """The segment equations, as text (module docstring)."""
        return __doc__.split("Notes")[1].split("References")[0]

    @property
    def sngfr_nl_min(self):
        return np.asarray(self.v["gfr_l_day"], float) * 1e9 / 1440.0 / self.v["nephrons"]

    # -- segments ---------------------------------------------------------------------------
    def proximal(self, filtered: Mapping[str, np.ndarray], w) -> dict:
        """Flow (nl/min) and amounts (pmol/min) leaving the PT and entering the TAL."""
        v = self.v
        keep = 1.0 - np.asarray(w, float)
        out = {"flow": filtered["flow"] * keep, "na": filtered["na"] * keep,
               "mg": filtered["mg"] * keep ** (1.0 - v["sigma_mg_pt"]),
               "ca": filtered["ca"] * keep ** (1.0 - v["sigma_ca_pt"])}
        out["tal_flow"] = out["flow"] * (1.0 - v["dtl_water_fraction"])
        return out

    def casr_factor(self, mg_ion, ca_ion, shift):
        """CaSR inhibition g_CaSR of the TAL junction (1 at the normal plasma)."""
        v = self.v
        e = shift * (np.asarray(ca_ion, float) + np.asarray(mg_ion, float) / v["casr_mg_potency"])
        e0 = 1.25 + 0.53 / v["casr_mg_potency"]
        return (1.0 + v["casr_theta"]) / (1.0 + v["casr_theta"] * (e / e0) ** v["casr_hill"])

    def tal_sodium(self, flow, na_in, knobs) -> dict:
        """Luminal Na (= Cl) and V_te along the TAL (slab midpoints), independent of Mg/Ca."""
        v = self.v
        slabs = int(v["tal_slabs"])
        dx = v["tal_length_mm"] / slabs
        h_r = knobs["romk_tal_scale"] * (1 + v["romk_half_scale"]) / (
            knobs["romk_tal_scale"] + v["romk_half_scale"])
        jmax = np.asarray(v["jmax_nkcc2_pmol_min_mm"], float) * pmole / (60 * second)
        scale = {"s_NKCC2": knobs["nkcc2_scale"] * h_r, "Jmax_NKCC2": jmax}

        def j(na):
            return self.nkcc2.flux(scale, na_o_mM=na, k_o_mM=PLASMA["k"], cl_o_mM=na)
        j_ref = self.nkcc2.flux({"Jmax_NKCC2": jmax}, na_o_mM=PLASMA["na"], k_o_mM=PLASMA["k"],
                                cl_o_mM=PLASMA["na"])
        r = 1.0 + (v["tal_selectivity"] - 1.0) * knobs["cldn16_scale"]
        rt_f = BODY_TEMPERATURE_K / F_OVER_R * 1e3  # mV
        na, mids, v_te = np.asarray(na_in, float), [], []
        for _ in range(slabs):  # RK2 (midpoint) in x; NaCl cannot go below 1 mM
            mid = np.maximum(na - 0.5 * dx * j(na) / flow, 1.0)
            v_te.append(v["tal_v_active_mV"] * j(mid) / j_ref * h_r
                        + rt_f * (r - 1) / (r + 1) * np.log(PLASMA["na"] / mid))
            mids.append(mid)
            na = np.maximum(na - dx * j(mid) / flow, 1.0)
        return {"na_out": na, "na_mid": np.array(mids), "v_te_mV": np.array(v_te), "dx": dx}

    def tal_divalent(self, flow, c_in, c_bath, v_te_mV, permeability, dx) -> np.ndarray:
        """Luminal Mg or Ca (mM) leaving the TAL, slab by slab."""
        a = 2.0 * np.asarray(v_te_mV) / (BODY_TEMPERATURE_K / F_OVER_R * 1e3)
        c_star, decay = _ghk_slabs(c_bath, a, permeability * dx, flow)
        c = np.asarray(c_in, float)
        for k in range(len(a)):
            c = c_star[k] + (c - c_star[k]) * decay[k]
        return c



#: Grids of the DCT tables: inflowing Mg and Ca (mM, geometric) and PTH action.
MG_GRID_MM = np.geomspace(0.002, 6.0, 40)
CA_GRID_MM = np.geomspace(0.02, 12.0, 24)
PTH_GRID = np.geomspace(0.01, 6.0, 16)


def _interp_rows(grid, table, x):
    """Row-wise linear interpolation of ``table`` (n, len(grid)) at ``x`` (n,), log axes."""
    lg, lx = np.log(grid), np.log(np.clip(np.asarray(x, float), grid[0], grid[-1]))
    i = np.clip(np.searchsorted(lg, lx) - 1, 0, len(grid) - 2)
    w = (lx - lg[i]) / (lg[i + 1] - lg[i])
    rows = np.arange(table.shape[0])
    return np.exp((1 - w) * np.log(table[rows, i]) + w * np.log(table[rows, i + 1]))


@register
class Kidney:
    """The whole kidney of ``n`` conditions: :class:`Nephron` x ``nephrons``.

    Parameters
    ----------
    knobs : mapping
        Per-condition cause knobs (:data:`KNOBS`; missing ones healthy),
        scalars or arrays of length ``n``.
    values : mapping, optional
        :class:`Nephron` parameter overrides (``pt_volume_fraction`` is also a knob).
    n : int, optional
        Number of conditions (default: the longest knob).
    plasma_k_mM : float
        Plasma K of the DCT's inflow and bath (mM).
    dct : DistalConvolutedTubule, optional
        The DCT (default: :class:`~models.dct.DistalConvolutedTubule` with its defaults).

    Notes
    -----
    The TAL's Na profile and the DCT's electrical state depend on the knobs
    only, so they are solved once; the DCT's Mg and Ca outflow are tabulated
    per condition against the inflowing concentration (and, for Ca, the PTH
    action), and :meth:`__call__` interpolates them (log-log). The plasma K,
    Na and Cl of the DCT and the plasma Mg of its basolateral exchanger stay
    at the healthy values in the tables.
    """

    def __init__(self, knobs: Mapping[str, object] | None = None,
                 values: Mapping[str, object] | None = None, n: int | None = None,
                 plasma_k_mM: float = PLASMA["k"], dct: DistalConvolutedTubule | None = None):
        knobs = dict(knobs or {})
        self.size = n or max([np.size(x) for x in [*knobs.values(), *(values or {}).values()]]
                             + [1])
        w = knobs.pop("pt_volume_fraction", (values or {}).get("pt_volume_fraction",
                                                                 DEFAULTS["pt_volume_fraction"]))
        unknown = [k for k in knobs if k not in KNOBS]
        if unknown:
            raise KeyError(f"Kidney: unknown knob {unknown[0]!r}; allowed: "
                           f"{', '.join(KNOBS)}, pt_volume_fraction")
        full = lambda x: np.broadcast_to(np.asarray(x, float), (self.size,)).copy()  # noqa: E731
        self.knobs = {k: full(knobs.get(k, d)) for k, d in KNOBS.items()}
        self.w = full(w)
        self.nephron = Nephron({k: v for k, v in (values or {}).items()
                                if k != "pt_volume_fraction"}, dct=dct)
        self.plasma_k = plasma_k_mM
        self._prepare()

    equations = staticmethod(Nephron.equations)

    # -- once per kidney --------------------------------------------------------------------
    def _prepare(self):
        nephron, n = self.nephron, self.size
        q0 = np.broadcast_to(nephron.sngfr_nl_min, (n,))
        pt = nephron.proximal({"flow": q0, "na": q0 * PLASMA["na"], "mg": q0, "ca": q0}, self.w)
        self.q0, self.tal_flow = q0, pt["tal_flow"]
        self.pt_mg_delivered, self.pt_ca_delivered = pt["mg"] / q0, pt["ca"] / q0
        self.tal = nephron.tal_sodium(self.tal_flow, pt["na"] / self.tal_flow, self.knobs)
        self.dct_inflow = {"flow_nl_min": self.tal_flow, "na_mM": self.tal["na_out"],
                           "cl_mM": 0.82 * self.tal["na_out"], "k_mM": 0.875 * self.plasma_k}
        self.mg_table = self._dct_table("mg", MG_GRID_MM, None)
        self.ca_table = self._dct_table("ca", CA_GRID_MM, PTH_GRID)

    def _dct_conditions(self, repeat: int) -> dict:
        k = self.knobs
        return {"ncc_scale": k["ncc_scale"], "kir41_dct_scale": k["kir41_dct_scale"],
                "kv11_scale": k["kv11_scale"], "trpm6_scale": k["trpm6_scale"],
                "dct_length_scale": k["dct_length_scale"], "plasma_k_mM": self.plasma_k,
                **{name: np.repeat(np.broadcast_to(value, (self.size,)), repeat)
                   for name, value in self.dct_inflow.items()}}

    def _dct_table(self, ion: str, grid, pth_grid) -> np.ndarray:
        """Outflow concentration of the DCT (n, grid[, pth grid]) for each inflow."""
        n, points = self.size, len(grid) * (1 if pth_grid is None else len(pth_grid))
        cond = self._dct_conditions(points)
        cond = {k: (np.repeat(v, points) if np.size(v) == n else v) for k, v in cond.items()}
        inflow = np.tile(np.repeat(grid, 1 if pth_grid is None else len(pth_grid)), n)
        other = "ca" if ion == "mg" else "mg"
        extra = {} if pth_grid is None else {"pth_effect": np.tile(pth_grid, n * len(grid))}
        result = self.nephron.dct.steady_state(
            cond.pop("flow_nl_min"), cond.pop("na_mM"), cond.pop("cl_mM"), cond.pop("k_mM"),
            **{f"{ion}_mM": inflow, f"{other}_mM": 0.5},
            dct_length_scale=cond.pop("dct_length_scale"), **cond, **extra)
        if not np.all(result["converged"]):
            raise RuntimeError(f"Kidney: the DCT did not reach a steady state in "
                               f"{int(np.sum(~result['converged']))} of {points * n} solves")
        out = np.maximum(result[f"{ion}_lumen_out_mM"], 1e-12)
        return out.reshape((n, len(grid)) if pth_grid is None else (n, len(grid), len(pth_grid)))

    def select(self, index) -> "Kidney":
        """The kidney whose unit ``k`` is this kidney's condition ``index[k]``: the same
        solved TAL and DCT tables, taken, not recomputed (the kidney of one cause
        serving every treatment of a patient)."""
        index = np.asarray(index, int).ravel()

        def take(x, axis=0):
            shape = np.shape(x)
            return np.take(x, index, axis=axis) if len(shape) > axis and \
                shape[axis] == self.size else x
        new = copy.copy(self)
        new.size = index.size
        new.knobs = {k: take(v) for k, v in self.knobs.items()}
        for name in ("w", "q0", "tal_flow", "pt_mg_delivered", "pt_ca_delivered",
                     "mg_table", "ca_table"):
            setattr(new, name, take(getattr(self, name)))
        new.tal = {"na_out": take(self.tal["na_out"]), "na_mid": take(self.tal["na_mid"], 1),
                   "v_te_mV": take(self.tal["v_te_mV"], 1), "dx": self.tal["dx"]}
        new.dct_inflow = {k: take(v) for k, v in self.dct_inflow.items()}
        new.nephron = copy.copy(self.nephron)
        new.nephron.v = {k: take(v) for k, v in self.nephron.v.items()}
        return new

    # -- every call -------------------------------------------------------------------------
    def segments(self, mg_uf, mg_ion, ca_uf, ca_ion, pth_action) -> dict:
        """Per-segment handling at a plasma (mM) and PTH action: amounts in pmol/min per
        nephron, fractions of the filtered load, urine in mmol/day, clinical FE_Mg (%)."""
        v, k = self.nephron.v, self.knobs
        mg_uf, ca_uf, mg_ion, ca_ion, action = (
            np.broadcast_to(np.asarray(x, float), (self.size,)) for x in
            (mg_uf, ca_uf, mg_ion, ca_ion, pth_action))
        casr = self.nephron.casr_factor(mg_ion, ca_ion, k["casr_shift"])
        gate = k["cldn16_scale"] * casr * np.maximum(action, 1e-6) ** v["tal_pth_exponent"]
        out = {"filtered_mg_pmol_min": self.q0 * mg_uf, "filtered_ca_pmol_min": self.q0 * ca_uf,
               "tal_v_te_mV": np.mean(self.tal["v_te_mV"], axis=0), "casr_factor": casr}
        for ion, uf, perm, delivered in (
                ("mg", mg_uf, v["p_mg_tal_nl_min_mm"], self.pt_mg_delivered),
                ("ca", ca_uf, v["p_ca_tal_nl_min_mm"], self.pt_ca_delivered)):
            filtered = self.q0 * uf
            tal_in = filtered * delivered / self.tal_flow
            tal_out = self.nephron.tal_divalent(self.tal_flow, tal_in, uf, self.tal["v_te_mV"],
                                                perm * gate, self.tal["dx"])
            if ion == "mg":
                dct_out = _interp_rows(MG_GRID_MM, self.mg_table, tal_out)
            else:
                dct_out = self._ca_outflow(tal_out, action)
            amounts = [filtered, filtered * delivered, tal_out * self.tal_flow,
                       dct_out * self.tal_flow]
            for name, a, b in (("pt", 0, 1), ("tal", 1, 2), ("dct", 2, 3)):
                out[f"frac_{name}_{ion}"] = (amounts[a] - amounts[b]) / filtered
            out[f"frac_cd_{ion}"] = np.zeros(self.size)
            out[f"urine_{ion}_mmol_day"] = amounts[3] * v["nephrons"] * PMOL_MIN_TO_MMOL_DAY
            out[f"fe_{ion}_true_pct"] = 100.0 * amounts[3] / filtered
            out[f"dct_in_{ion}_mM"] = tal_out
        return out

    def _ca_outflow(self, ca_in, action):
        """Bilinear (log) interpolation of the DCT Ca table at inflow Ca and PTH action."""
        lp = np.log(np.clip(action, PTH_GRID[0], PTH_GRID[-1]))
        lg = np.log(PTH_GRID)
        j = np.clip(np.searchsorted(lg, lp) - 1, 0, len(PTH_GRID) - 2)
        w = (lp - lg[j]) / (lg[j + 1] - lg[j])
        rows = np.arange(self.size)
        low = _interp_rows(CA_GRID_MM, self.ca_table[rows, :, j], ca_in)
        high = _interp_rows(CA_GRID_MM, self.ca_table[rows, :, j + 1], ca_in)
        return np.exp((1 - w) * np.log(low) + w * np.log(high))

    def __call__(self, mg_uf, mg_ion, ca_uf, ca_ion, pth_action) -> dict:
        s = self.segments(mg_uf, mg_ion, ca_uf, ca_ion, pth_action)
        return {"urine_mg_mmol_day": s["urine_mg_mmol_day"],
                "urine_ca_mmol_day": s["urine_ca_mmol_day"]}


def clinical_fe_mg(urine_mg_mmol_day, serum_mg_mM, gfr_l_day=DEFAULTS["gfr_l_day"],
                   creatinine_mmol_day=DEFAULTS["creatinine_mmol_day"],
                   urine_l_day=DEFAULTS["urine_l_day"]):
    """FE_Mg (%) as clinicians compute it, :math:`U_{Mg} P_{Cr}/(0.7 P_{Mg} U_{Cr}) \\times 100`,
    from 24-h amounts: creatinine filtered and not reabsorbed, so
    :math:`P_{Cr}` = excretion / GFR and :math:`U_{Cr}` = excretion / urine volume."""
    u_mg = np.asarray(urine_mg_mmol_day, float) / urine_l_day
    p_cr = creatinine_mmol_day / np.asarray(gfr_l_day, float)
    u_cr = creatinine_mmol_day / urine_l_day
    return u_mg * p_cr / (0.7 * np.asarray(serum_mg_mM, float) * u_cr) * 100.0
