"""Serum speciation, CSF Mg, gut Mg and Ca, the Mg-Ca-PTH axis and bone exchange (human).

Numpy pieces of the whole-body Mg and Ca balance (:mod:`models.body` integrates them),
vectorised: arguments and :class:`CalciotropicParameters` values are scalars or
per-condition arrays. Units are in the names (mM, pM, mmol/day, mmol, day, g/L).

======================  ===============================================================
Piece                   Function (the body model integrates the lags)
======================  ===============================================================
serum speciation        :func:`speciation`, inverse :func:`total_from_ionized`
CSF ionized Mg          :func:`csf_mg_target` (lag ``tau_csf_day``)
gut Mg                  :func:`gut_mg` (intake, diarrhea, ``ppi_transcellular_scale``)
PTH secretion           :func:`pth` = PTH0 x :func:`pth_ca_factor` x :func:`pth_mg_factor`
end-organ response      :func:`pth_response` (cytoplasmic free Mg), :func:`pth_action`
calcitriol-like factor  :func:`calcitriol_target` (lag ``tau_calcitriol_day``)
gut Ca                  :func:`gut_ca` (calcitriol factor)
bone Ca and Mg          :func:`models.bone.bone_ca`, :func:`models.bone.bone_mg`
======================  ===============================================================

PTH (half-life 2-3 min) is quasi-steady over hours; :func:`normal_state` is the healthy
state (every lag balanced, PTH action 1). "notes 4.3" is row 4.3 of the issue-16 file
of human parameters (/tmp/hypomag16/human_params.md).

References
----------
Peterson MC, Riggs MM (2010) Bone 46:49-63 (integrated Ca homeostasis model).
Dutta P, Layton AT (2024) iScience 27:111077 (Ca and Mg balance, calciotropic hormones).
Fatemi S, Ryzen E, Flores J, Endres DB, Rude RK (1991) J Clin Endocrinol Metab 73:1067-1072.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Quantity, mmolar, mmole, pmolar, second
from brian2.units.fundamentalunits import fail_for_dimension_mismatch

from channels.base import SCALE, Parameter

#: One day (not a Brian2 unit: those are powers of ten of SI units) and mmol per day.
DAY = 86400.0 * second
MMOL_PER_DAY = mmole / DAY
#: pH and albumin (g/L) at which the speciation fractions are given.
PH_REFERENCE = 7.40
ALBUMIN_REFERENCE_G_L = 40.0
#: Transcellular gut Mg absorption left on a PPI [uncertain, 0.1-0.2; notes 2.15-2.16].
PPI_TRANSCELLULAR_SCALE = 0.15


@dataclasses.dataclass(frozen=True)
class DayParameter(Parameter):
    """A :class:`~channels.base.Parameter` in a unit of days; ``label`` names the unit."""

    label: str = ""

    @property
    def unit_name(self) -> str:
        return self.label


FRACTION = dict(minimum=0.0, maximum=1.0, bounds_reason="a fraction of the total: 0 to 1")
IONIZED = dict(minimum=0.3, maximum=0.9, bounds_reason="0.3-0.9, around all methods' "
               "ionized shares (Mg 0.50-0.69, Ca 0.44-0.57; notes 4.2-4.3)")
COMPLEXED = dict(minimum=0.0, maximum=0.2, bounds_reason="0-0.2, around the 0.06-0.14 "
                 "reported (notes 4.3)")
HILL = dict(minimum=0.5, maximum=20.0, bounds_reason="0.5 to 20: a shallow binding curve to "
            "the steepest receptor response known (the parathyroid CaSR, ~14)")
ION_MM = dict(minimum=0.0, exclusive_minimum=True, maximum=10.0,
              bounds_reason="> 0 (a reference or half-effect concentration); at most 10 mM, "
                            "four times the highest serum Mg or Ca a patient survives")
DLOG_DPH = dict(minimum=-0.5, maximum=0.0, bounds_reason="0 (no pH effect) to -0.5, twice "
                "the steepest slope reported (Ca, -0.24)")
FLUX = dict(minimum=0.0, maximum=200.0, bounds_reason="0 to 200 mmol/day, above the filtered "
            "Mg and the bone Ca exchange")
POOL = dict(minimum=0.0, exclusive_minimum=True, maximum=1000.0,
            bounds_reason="> 0 (rate constants divide by it); at most 1000 mmol, all body Mg")
TAU_DAY = dict(minimum=0.001, maximum=365.0, bounds_reason="1.4 min to a year")
LOW_SCALE = dict(minimum=0.0, maximum=0.99,
                 bounds_reason="0 to 0.99: the value without stimulus, below the normal 1")
HIGH_SCALE = dict(minimum=1.01, maximum=20.0,
                  bounds_reason="1.01 to 20 times normal: the value at maximal stimulus")

_D = DayParameter
PARAMETERS: tuple[Parameter, ...] = (
    # -- serum speciation (notes 4.1-4.6) --------------------------------------------------------
    Parameter("mg_serum_normal_mM", 0.85 * mmolar, mmolar, "normal serum total Mg", "notes 4.1: "
              "0.70-1.10 mM (RCPA/AACB), 0.75-0.95 (IOM 1997)", **ION_MM),
    Parameter("mg_ionized_fraction", 0.62, 1, "ionized share of serum Mg (pH 7.40, albumin 40 "
              "g/L)", "notes 4.3: Boron & Boulpaep 62 %; 55-67 % (Altura 1994, Barbagallo "
              "2009)", True, **IONIZED),
    Parameter("mg_complexed_fraction", 0.08, 1, "complexed share of serum Mg (protein-bound: the "
              "rest, 0.30)", "notes 4.3: 7 % (Boron & Boulpaep), 12-14 % (Altura, Barbagallo)",
              True, **COMPLEXED),
    Parameter("mg_dlog_ionized_dph", -0.12, 1, "d log10[Mg2+]/dpH at fixed total Mg", "notes 4.6 "
              "(ISE analyser study, -0.10 to -0.12); Wang et al. 2002: 0.12 mM per pH unit",
              True, **DLOG_DPH),
    Parameter("ca_ionized_normal_mM", 1.25 * mmolar, mmolar, "normal serum ionized Ca", "baseline "
              "of the PTH-Ca data (Schwarz 1994, notes 5.6-5.9); Dutta & Layton 1.25 mM",
              **ION_MM),
    Parameter("ca_ionized_fraction", 0.50, 1, "ionized share of serum Ca (normal total 2.50 mM)",
              "Dimeski & Treacy 2018: 51 % (44-57 %); textbook ~half", True, **IONIZED),
    Parameter("ca_complexed_fraction", 0.06, 1, "complexed share of serum Ca (protein: the rest, "
              "0.44)", "textbook ~6 % complexed, ~45 % protein-bound", True, **COMPLEXED),
    Parameter("ca_dlog_ionized_dph", -0.23, 1, "d log10[Ca2+]/dpH at fixed total Ca", "analyser "
              "pH correction -0.22 to -0.24, notes 4.6; in-vitro titration shallower (Wang "
              "2002)", True, **DLOG_DPH),
    # -- CSF (notes 4.9-4.15) --------------------------------------------------------------------
    Parameter("csf_mg_normal_mM", 0.82 * mmolar, mmolar, "CSF ionized Mg at plasma ionized "
              "csf_plasma_ref_mM", "Brewer et al. 2001: 0.82 +- 0.06 mM (notes 4.9)", **ION_MM),
    Parameter("csf_plasma_ref_mM", 0.58 * mmolar, mmolar, "plasma ionized Mg of Brewer's baseline",
              "Brewer et al. 2001: 0.58 +- 0.05 mM", **ION_MM),
    Parameter("csf_exponent", 0.15, 1, "k of CSF = CSF0 (plasma ionized / ref)^k", "derived, "
              "notes 4.15: Brewer 2001, Fuchs-Buder 1997, McKee 2005, Ajayi 2013", True,
              minimum=0.0, maximum=0.3, bounds_reason="0 (CSF fully defended) to 0.3, the "
              "steepest estimate of notes 4.15"),
    _D("tau_csf_day", 4.0 / 24.0 * DAY, DAY, "lag of CSF Mg behind its target", "notes 4.15: "
       "2-6 h (Fuchs-Buder 1997)", True, label="day", **TAU_DAY),
    # -- gut Mg (notes 2.5-2.16) -----------------------------------------------------------------
    Parameter("gut_mg_linear_fraction", 0.07, 1, "paracellular (linear) absorbed fraction",
              "Fine et al. 1991: linear part 7 % (notes 2.5)", minimum=0.0, maximum=0.5,
              bounds_reason="0 to half of the intake"),
    _D("gut_mg_vmax_mmol_day", 5.0 * MMOL_PER_DAY, MMOL_PER_DAY, "maximal transcellular "
       "(TRPM6/7) absorption", "derived from Fine 1991, notes 2.6-2.7", True, minimum=0.0,
       maximum=50.0, bounds_reason="0 to 50 mmol/day, ten times the value", label="mmol/day"),
    _D("gut_mg_km_mmol_day", 6.0 * MMOL_PER_DAY, MMOL_PER_DAY, "intake of half-maximal "
       "transcellular absorption", "derived from Fine 1991, notes 2.6-2.7 (5-7)", True,
       minimum=0.1, maximum=100.0, bounds_reason="0.1-100 mmol/day, around intakes of 4-20",
       label="mmol/day"),
    Parameter("ppi_transcellular_scale", 1.0, 1, "transcellular gut Mg absorption, relative "
              "(PPI: PPI_TRANSCELLULAR_SCALE)", "1 normal; PPI 0.1-0.2 [uncertain] (notes "
              "2.15: Toh 2015, Cundy & Mackay 2011)", **SCALE),
    _D("gut_mg_endogenous_mmol_day", 0.3 * MMOL_PER_DAY, MMOL_PER_DAY, "endogenous fecal Mg",
       "notes 2.11: 'insignificant' (Aikawa), ~2 % of absorbed; 0-0.5", True, minimum=0.0,
       maximum=5.0, bounds_reason="0 to 5 mmol/day, ten times the upper estimate",
       label="mmol/day"),
    Parameter("lower_gi_mg_mM", 7.5 * mmolar, mmolar, "Mg of the lower-GI fluid of diarrhea",
              "Atlas of Diseases of the Kidney vol 1 fig 4-5: 15 mEq/L (notes 2.12)", minimum=0.0,
              maximum=50.0, bounds_reason="0 to 50 mM, above the 45 mM upper limit of fecal "
              "water (Fine, Santa Ana & Fordtran 1991)"),
    # -- PTH secretion (notes 5.3-5.23) ----------------------------------------------------------
    Parameter("pth0_pM", 3.85 * pmolar, pmolar, "plasma PTH at normal ionized Ca and Mg",
              "Peterson & Riggs 2010 (notes 5.3); human normal 1.1-6.9 pM", minimum=0.1,
              maximum=50.0, bounds_reason="0.1-50 pM, beyond hypo- and hyperparathyroidism"),
    Parameter("pth_ca_set_point_mM", 1.13 * mmolar, mmolar, "ionized Ca of half-maximal PTH "
              "secretion", "Schwarz et al. 1994: Brown set point 1.13 +- 0.04 mM (notes 5.6)",
              minimum=0.9, maximum=1.5, bounds_reason="0.9-1.5 mM: healthy 1.13, primary "
              "hyperparathyroidism 1.32-1.42 (Schwarz 1994)"),
    Parameter("pth_ca_hill", 14.0, 1, "steepness of the PTH-Ca sigmoid", "derived: fit of notes "
              "5.9 to Schwarz 1993/1994, Brent 1988 (8-20)", True, **HILL),
    Parameter("pth_ca_min", 0.26, 1, "PTH at high ionized Ca / baseline", "Brent et al. 1988: "
              "0.26 x (notes 5.8)", **LOW_SCALE),
    Parameter("pth_ca_max", 4.1, 1, "PTH at low ionized Ca / baseline", "Brent et al. 1988: "
              "4.1 x (notes 5.8)", **HIGH_SCALE),
    Parameter("pth_mg_half_mM", 0.25 * mmolar, mmolar, "ionized Mg of half the permissive Mg "
              "effect", "notes 5.19, table 7: serum total ~0.4 mM (x 0.62); Dutta & Layton "
              "switch at 0.4 mM", True, minimum=0.15, maximum=0.4,
              bounds_reason="0.15-0.4 mM ionized: serum total 0.24-0.65 mM, around notes 5.19"),
    Parameter("pth_mg_hill", 6.0, 1, "steepness of the permissive Mg effect", "notes 5.23: 4-8",
              True, minimum=2.0, maximum=12.0, bounds_reason="2 to 12, around the 4-8 of notes"),
    Parameter("pth_mg_suppress_mM", 1.4 * mmolar, mmolar, "ionized Mg of half Mg suppression",
              "derived: -48 % at serum 2.5 mM (Cholst 1984 -40 %, Fatemi 1991 -54 %)", True,
              minimum=0.8, maximum=3.0, bounds_reason="0.8-3 mM, around the hypermagnesemia data"),
    Parameter("pth_mg_suppress_hill", 2.0, 1, "steepness of Mg suppression", "Dutta & Layton "
              "2024: square law", True, minimum=1.0, maximum=4.0, bounds_reason="1 to 4"),
    # -- end-organ response and calcitriol -------------------------------------------------------
    Parameter("mg_cell_normal_mM", 0.5 * mmolar, mmolar, "normal cytoplasmic free Mg",
              "docs/reference.md section 2; notes 1.11 (muscle 0.56 mM)", **ION_MM),
    Parameter("pth_response_half_mM", 0.3 * mmolar, mmolar, "cell free Mg of half the PTH "
              "response", "chosen: r 0.85 at Fatemi's -21 % cell Mg, ~0.2 at 0.2 mM (Rude 1976)",
              True, minimum=0.05, maximum=0.45, bounds_reason="0.05-0.45 mM, below the normal"),
    Parameter("pth_response_hill", 4.0, 1, "steepness of the end-organ Mg dependence", "chosen",
              True, minimum=1.0, maximum=8.0, bounds_reason="1 to 8"),
    Parameter("calcitriol_min", 0.6, 1, "calcitriol factor without PTH action", "chosen: low "
              "1,25(OH)2D of hypoparathyroidism; with bone_resorption_min, total Ca ~1.6 mM "
              "at serum Mg 0.3 mM (Suh 1973: 1.7 mM at 0.25)", True, **LOW_SCALE),
    Parameter("calcitriol_max", 2.5, 1, "calcitriol factor at maximal PTH action", "chosen: "
              "1,25(OH)2D up to 2-3 x in hyperparathyroidism", True, **HIGH_SCALE),
    _D("tau_calcitriol_day", 1.5 * DAY, DAY, "lag of the calcitriol factor", "1a-hydroxylase "
       "induction ~1 day, 1,25(OH)2D half-life 5-15 h; Ca normal 3-7 d after Mg (notes 5.22)",
       True, label="day", **TAU_DAY),
    # -- gut Ca (notes 5.25-5.26) ----------------------------------------------------------------
    Parameter("gut_ca_passive_fraction", 0.18, 1, "calcitriol-independent absorbed Ca fraction",
              "derived: gross 40 % (notes 5.26) split as Dutta & Layton (44 % passive)", True,
              **FRACTION),
    Parameter("gut_ca_active_fraction", 0.22, 1, "calcitriol-dependent absorbed Ca fraction at "
              "D = 1", "same derivation (56 % of 40 %)", True, **FRACTION),
    _D("gut_ca_secretion_mmol_day", 5.0 * MMOL_PER_DAY, MMOL_PER_DAY, "endogenous fecal Ca",
       "notes 5.26: ~200 mg/day (Atlas of Diseases of the Kidney fig 5-11)", label="mmol/day",
       **FLUX),
    # -- bone (notes 1.2-1.5, 1.18, 5.24, 5.27) --------------------------------------------------
    Parameter("bone_ca_fast_pool_mmol", 100.0 * mmole, mmole, "rapidly exchangeable bone Ca",
              "Peterson & Riggs 2010 (notes 5.27)", **POOL),
    _D("bone_ca_exchange_mmol_day", 88.0 * MMOL_PER_DAY, MMOL_PER_DAY, "ECF <-> fast bone Ca "
       "exchange, each way", "Peterson & Riggs 2010 (notes 5.27)", label="mmol/day", **FLUX),
    _D("bone_remodeling_ca_mmol_day", 12.5 * MMOL_PER_DAY, MMOL_PER_DAY, "Ca resorbed (and "
       "deposited) by remodeling", "Endotext: ~500 mg/day (notes 5.27)", label="mmol/day",
       **FLUX),
    Parameter("bone_resorption_min", 0.9, 1, "remodeling resorption without PTH action",
              "chosen: low turnover of hypoparathyroidism; see calcitriol_min", True,
              **LOW_SCALE),
    Parameter("bone_resorption_max", 3.0, 1, "remodeling resorption at maximal PTH action",
              "chosen: 2-3 x turnover of hyperparathyroidism", True, **HIGH_SCALE),
    Parameter("bone_fast_release_min", 0.5, 1, "fast-pool Ca release rate without PTH",
              "chosen: PTH mobilises the rapid pool (Peterson & Riggs 2010)", True, **LOW_SCALE),
    Parameter("bone_fast_release_max", 2.0, 1, "fast-pool Ca release rate at maximal PTH",
              "chosen", True, **HIGH_SCALE),
    Parameter("bone_mg_surface_pool_mmol", 180.0 * mmole, mmole, "exchangeable (surface) bone "
              "Mg", "notes 1.3-1.4: a third of 530-600 mmol (IOM 1997)", True, **POOL),
    _D("tau_bone_mg_day", 14.0 * DAY, DAY, "exchange time of the surface bone Mg", "notes 1.18, "
       "table 7: days-weeks (5-40 d)", True, label="day", **TAU_DAY),
    Parameter("bone_mg_ca_ratio", 0.022, 1, "Mg per Ca of remodeled bone mineral", "derived: "
              "~550 mmol Mg / ~25 mol Ca of bone (notes 1.2, 5.24); Dutta & Layton 0.025", True,
              minimum=0.0, maximum=0.1, bounds_reason="0 to 0.1, four times the mineral's ratio"),
)
_BY_NAME = {p.name: p for p in PARAMETERS}


def _post_init(self) -> None:
    """Store each value as a float or array in the display unit; refuse values out of range."""
    for name, par in _BY_NAME.items():
        value = getattr(self, name)
        if isinstance(value, Quantity):
            fail_for_dimension_mismatch(value, par.value, f"calciotropic parameter {name}")
            value = np.asarray(value / par.unit, float)
        value = np.asarray(value, float) if np.ndim(value) else float(value)
        low = (value <= par.minimum) if par.exclusive_minimum else (value < par.minimum)
        bad = np.ravel(~np.isfinite(value) | low | (value > par.maximum))
        if bad.any():
            raise ValueError(f"calciotropic parameter {name}={np.ravel(value)[bad.argmax()]:g} "
                             f"out of range (allowed: {par.allowed()}; {par.bounds_reason})")
        object.__setattr__(self, name, value)
    for ion in ("mg", "ca"):
        if np.any(getattr(self, f"{ion}_ionized_fraction")
                  + getattr(self, f"{ion}_complexed_fraction") >= 1.0):
            raise ValueError(f"calciotropic: {ion}_ionized_fraction + {ion}_complexed_fraction "
                             "must be < 1 (the protein-bound part is the rest)")


def _rows(self) -> list[dict[str, str]]:
    """Rows of the parameter table (an array value is shown by its first element)."""
    return [p.row(float(np.ravel(getattr(self, p.name))[0]) * (1 if p.dimensionless else p.unit))
            for p in PARAMETERS]


#: Frozen set, a field per :data:`PARAMETERS` entry (float, array or quantity); out-of-range
#: values are refused: ``dataclasses.replace(DEFAULT, ppi_transcellular_scale=[1, 0.15])``.
CalciotropicParameters = dataclasses.make_dataclass(
    "CalciotropicParameters",
    [(p.name, object, dataclasses.field(default=p.magnitude())) for p in PARAMETERS],
    frozen=True, namespace={"__post_init__": _post_init, "rows": _rows, "__module__": __name__,
                            "__doc__": "Parameters of :mod:`models.calciotropic` (see "
                                       ":data:`PARAMETERS`); build with keywords."})
DEFAULT = CalciotropicParameters()


def _arr(x) -> np.ndarray:
    return np.asarray(x, float)


def _dict(**values) -> dict:
    """The values broadcast to one shape (independent copies)."""
    arrays = np.broadcast_arrays(*map(_arr, values.values()))
    return {key: np.array(a) for key, a in zip(values, arrays)}


def _hill(x, half, n):
    """:math:`x^n/(x^n + K^n)`."""
    r = (_arr(x) / half) ** n
    return r / (1.0 + r)


def normalised_saturation(x, low, high):
    """Saturating response to a relative stimulus ``x`` >= 0, equal to 1 at x = 1.

    Notes
    -----
    :math:`f = f_{lo} + (f_{hi} - f_{lo})\\,x/(x + K)`, :math:`K = (f_{hi} - 1)/(1 - f_{lo})`:
    :math:`f(0) = f_{lo}`, :math:`f(1) = 1`, :math:`f(\\infty) = f_{hi}` (low < 1 < high).
    """
    x = np.maximum(_arr(x), 0.0)
    return low + (high - low) * x / (x + (_arr(high) - 1.0) / (1.0 - _arr(low)))


# -- serum speciation ---------------------------------------------------------------------------
def _ratios(ion, ph, albumin_g_l, p):
    """Protein-bound (B) and complexed (C) amounts per ionized amount."""
    f_i, f_c = getattr(p, f"{ion}_ionized_fraction"), getattr(p, f"{ion}_complexed_fraction")
    f_p = 1.0 - f_i - f_c
    s = -getattr(p, f"{ion}_dlog_ionized_dph") / f_p
    bound = (f_p / f_i * _arr(albumin_g_l) / ALBUMIN_REFERENCE_G_L
             * 10.0 ** (s * (_arr(ph) - PH_REFERENCE)))
    return bound, f_c / f_i


def speciation(total_mM, ion="mg", ph=PH_REFERENCE, albumin_g_l=ALBUMIN_REFERENCE_G_L,
               p=DEFAULT) -> dict:
    """Serum species (mM) of total Mg or Ca: ionized, complexed, protein-bound, ultrafiltrable.

    Notes
    -----
    Mass action, albumin sites far from saturation, complexes proportional
    to the free ion:

    .. math::

        X_{tot} = X^{2+}(1 + B + C), \\quad C = f_c/f_i, \\quad
        B = \\frac{f_p}{f_i}\\,\\frac{Alb}{40\\ g/L}\\,10^{s(pH - 7.40)}, \\quad
        s = -\\frac{1}{f_p}\\frac{d\\log_{10}X^{2+}}{dpH}

    with the fractions :math:`f_i, f_c, f_p = 1 - f_i - f_c` at pH 7.40 and
    albumin 40 g/L (Mg 0.62/0.08/0.30, notes 4.3; Ca 0.50/0.06/0.44). So
    :math:`d\\log_{10}X^{2+}/dpH = -s\\,B/(1+B+C)`, the measured slope at
    pH 7.40 (Mg -0.12, notes 4.6; Ca -0.23); ultrafiltrable = ionized +
    complexed (Mg 0.70 of total, notes 3.2: 70-81 %).

    References
    ----------
    Wang S, McDonnell EH, Sedor FA, Toffaletti JG (2002) Arch Pathol Lab Med 126:947-950.
    Dimeski G, Treacy O (2018) Point of Care 17:123-126 (albumin and pH effects).
    """
    bound, complexed = _ratios(ion, ph, albumin_g_l, p)
    ionized = _arr(total_mM) / (1.0 + bound + complexed)
    return _dict(total_mM=total_mM, ionized_mM=ionized, complexed_mM=ionized * complexed,
                 protein_bound_mM=ionized * bound, ultrafiltrable_mM=ionized * (1.0 + complexed))


def total_from_ionized(ionized_mM, ion="mg", ph=PH_REFERENCE, albumin_g_l=ALBUMIN_REFERENCE_G_L,
                       p=DEFAULT) -> np.ndarray:
    """Serum total Mg or Ca (mM) of an ionized concentration: :math:`X^{2+}(1 + B + C)`."""
    bound, complexed = _ratios(ion, ph, albumin_g_l, p)
    return _arr(ionized_mM) * (1.0 + bound + complexed)


def normal_mg_ionized(p=DEFAULT) -> np.ndarray:
    """Ionized Mg (mM) at normal serum total Mg, pH 7.40, albumin 40 g/L (0.53 mM)."""
    return _arr(p.mg_serum_normal_mM) * p.mg_ionized_fraction


# -- CSF ----------------------------------------------------------------------------------------
def csf_mg_target(plasma_ionized_mM, p=DEFAULT) -> np.ndarray:
    """Steady CSF ionized Mg (mM) at plasma ionized Mg; CSF relaxes to it with ``tau_csf_day``.

    Notes
    -----
    :math:`Mg_{CSF} = 0.82\\ mM\\,(Mg^{2+}_{pl}/0.58\\ mM)^k`, k 0.15 (0-0.3,
    notes 4.15). Sensitivity :math:`d\\ln Mg_{CSF}/d\\ln Mg^{2+}_{pl} = k`:
    doubling plasma ionized Mg raises CSF Mg 11 % (0 % at k = 0, 23 % at
    0.3), halving it lowers CSF Mg 10 % (19 % at 0.3); Brewer's +53 % plasma
    step gives +6.6 %, inside his 0.82 +- 0.06 mM. No human CSF data exist
    below normal plasma Mg. The normal plasma ionized Mg here (0.53 mM, an
    ISE value, notes 4.2) is below Brewer's 0.58: normal CSF 0.81 mM.

    References
    ----------
    Brewer RP, Parra A, Borel CO, Hopkins MB, Reynolds JD (2001) Clin Neuropharmacol
    24:341-345. Fuchs-Buder T, Tramèr MR, Tassonyi E (1997) J Neurosurg Anesthesiol
    9:324-328. McKee JA, Brewer RP, Macy GE, et al. (2005) Crit Care Med 33:661-666.
    """
    return p.csf_mg_normal_mM * (_arr(plasma_ionized_mM) / p.csf_plasma_ref_mM) ** p.csf_exponent


# -- gut ----------------------------------------------------------------------------------------
def gut_mg(intake_mmol_day, diarrhea_l_day=0.0, p=DEFAULT) -> dict:
    """Gut Mg fluxes (mmol/day): absorption, endogenous and diarrheal losses, net uptake.

    Notes
    -----
    .. math::

        J_{abs} = \\min\\left(I,\\ f_{lin} I + s_{PPI} \\frac{V_{max} I}{K_m + I}\\right),
        \\qquad J_{net} = J_{abs} - E - V_{diar}\\,[Mg]_{lower\\,GI}

    Linear paracellular part (7 %) plus saturable transcellular TRPM6/7 part
    (Fine et al. 1991; per-day constants of notes 2.6-2.7, three meals acting
    separately); :math:`s_{PPI}` = ``ppi_transcellular_scale``. Absorbed
    fraction 35 % at 12 mmol/day (Sabatier 2003: 48 %; 24-75 % by intake,
    notes 2.2), falling with intake (Fine: 65 % to 11 %). The minimum keeps
    absorption below intake (Dutta & Layton's fraction exceeded 1). E is the
    endogenous fecal Mg; :math:`V_{diar}` (L/day) the stool water lost as
    lower-GI fluid (2 L/day: 15 mmol/day, notes 2.14). Keys ``*_mmol_day``:
    absorbed, paracellular, transcellular, endogenous, diarrhea_loss, net;
    and ``fraction_absorbed``.

    References
    ----------
    Fine KD, Santa Ana CA, Porter JL, Fordtran JS (1991) J Clin Invest 88:396-402.
    Sabatier M, Pont F, Arnaud MJ, Turnlund JR (2003) Am J Physiol 285:R656-R663.
    Toh JWT, Ong E, Wilson R (2015) Gastroenterol Rep 3:243-253.
    Cundy T, Mackay J (2011) Curr Opin Gastroenterol 27:180-185.
    """
    intake = np.maximum(_arr(intake_mmol_day), 0.0)
    para = p.gut_mg_linear_fraction * intake
    trans = (p.ppi_transcellular_scale * p.gut_mg_vmax_mmol_day * intake
             / (p.gut_mg_km_mmol_day + intake))
    absorbed = np.minimum(intake, para + trans)
    diarrhea = np.maximum(_arr(diarrhea_l_day), 0.0) * p.lower_gi_mg_mM
    fraction = np.divide(absorbed, intake, out=np.zeros(np.shape(absorbed)), where=intake > 0)
    return _dict(absorbed_mmol_day=absorbed, paracellular_mmol_day=np.minimum(para, absorbed),
                 transcellular_mmol_day=absorbed - np.minimum(para, absorbed),
                 endogenous_mmol_day=p.gut_mg_endogenous_mmol_day,
                 diarrhea_loss_mmol_day=diarrhea, fraction_absorbed=fraction,
                 net_mmol_day=absorbed - p.gut_mg_endogenous_mmol_day - diarrhea)


def gut_ca(intake_mmol_day, calcitriol, p=DEFAULT) -> dict:
    """Gut Ca fluxes (mmol/day) at intake and calcitriol factor D (1 = normal).

    Notes
    -----
    :math:`J_{abs} = I\\,\\min(1, \\phi_p + \\phi_a D)`, :math:`J_{net} =
    J_{abs} - E_{Ca}` (Dutta & Layton's form, linear in intake). At 25
    mmol/day and D = 1: 10 absorbed (40 %), 5 net (20 %; notes 5.26).
    Keys ``absorbed_mmol_day``, ``secretion_mmol_day``, ``net_mmol_day``.
    """
    intake = np.maximum(_arr(intake_mmol_day), 0.0)
    absorbed = intake * np.minimum(1.0, p.gut_ca_passive_fraction + p.gut_ca_active_fraction
                                   * np.maximum(_arr(calcitriol), 0.0))
    return _dict(absorbed_mmol_day=absorbed, secretion_mmol_day=p.gut_ca_secretion_mmol_day,
                 net_mmol_day=absorbed - p.gut_ca_secretion_mmol_day)


# -- PTH ----------------------------------------------------------------------------------------
def _ca_sigmoid(ca, p):
    return p.pth_ca_min + (p.pth_ca_max - p.pth_ca_min) / (
        1.0 + (_arr(ca) / p.pth_ca_set_point_mM) ** p.pth_ca_hill)


def pth_ca_factor(ca_ionized_mM, p=DEFAULT) -> np.ndarray:
    """PTH secretion relative to normal at ionized Ca (mM), 1 at ``ca_ionized_normal_mM``.

    Notes
    -----
    Four-parameter sigmoid (Brown 1983; fit of notes 5.9) normalised at the
    normal ionized Ca: :math:`S_{Ca} = g(Ca)/g(Ca_0)`,
    :math:`g = g_{min} + (g_{max} - g_{min})/(1 + (Ca/SP)^m)`; SP 1.13 mM,
    m 14, limits 0.26 and 4.1: 3.1 x at 1.05 mM, 0.37 x at 1.45 mM
    (Schwarz 1993: -0.21 mM gives 2-3 x settled, +0.20 mM ~1/4).

    References
    ----------
    Brown EM (1983) J Clin Endocrinol Metab 56:572-581 (four-parameter model).
    Schwarz P, Sørensen HA, McNair P, Transbøl I (1993) Eur J Clin Invest 23:546-553;
    Schwarz P, et al. (1994) Eur J Clin Invest 24:553-558.
    Brent GA, LeBoff MS, Seely EW, et al. (1988) J Clin Endocrinol Metab 67:944-950.
    """
    return _ca_sigmoid(ca_ionized_mM, p) / _ca_sigmoid(p.ca_ionized_normal_mM, p)


def _mg_secretion(mg, p):
    return _hill(mg, p.pth_mg_half_mM, p.pth_mg_hill) / (
        1.0 + (_arr(mg) / p.pth_mg_suppress_mM) ** p.pth_mg_suppress_hill)


def pth_mg_factor(mg_ionized_mM, p=DEFAULT) -> np.ndarray:
    """Biphasic Mg effect on PTH secretion, 1 at normal ionized Mg (0.53 mM).

    Notes
    -----
    A permissive Hill rise times a suppressive fall (Dutta & Layton's two
    mechanisms, as a smooth product):

    .. math::

        S_{Mg} = h(Mg)/h(Mg_0), \\qquad
        h = \\frac{Mg^n}{Mg^n + K_1^n}\\;\\frac{1}{1 + (Mg/K_2)^q}

    K1 0.25 mM, n 6, K2 1.4 mM, q 2 (ionized Mg). At serum total 0.2 / 0.3 /
    0.4 / 0.6 / 2.5 mM (x 0.62): 0.02 / 0.17 / 0.55 / 0.99 / 0.52: PTH
    unmeasurable in severe deficiency (Suh 1973), impaired below ~0.4 mM
    (notes 5.19), near normal in mild deficiency where low Ca raises it
    (Rude 1978), 40-55 % lower at 2.5 mM (Cholst 1984; Fatemi 1991). Dutta
    & Layton's rat constants, rescaled to human ionized Mg (x 0.65/0.53),
    give 0.26 at serum 0.2 mM and only -18 % at 2.5 mM; they are not used.
    Fatemi's depleted subjects (serum 0.61 mM) had basal PTH 15 vs 28 ng/L
    before depletion; ``pth_mg_half_mM`` 0.35 mM (0.71 at 0.61) leans that way.

    References
    ----------
    Cholst IN, Steinberg SF, Tropper PJ, et al. (1984) N Engl J Med 310:1221-1225.
    Suh SM, Tashjian AH, Matsuo N, et al. (1973) J Clin Invest 52:153-160.
    Rude RK, Oldham SB, Sharp CF, Singer FR (1978) J Clin Endocrinol Metab 47:800-806.
    """
    return _mg_secretion(mg_ionized_mM, p) / _mg_secretion(normal_mg_ionized(p), p)


def pth(ca_ionized_mM, mg_ionized_mM, p=DEFAULT) -> dict:
    """Steady plasma PTH :math:`PTH_0 S_{Ca} S_{Mg}`: keys ``pth_pM``, ``s_ca``, ``s_mg``."""
    s_ca, s_mg = pth_ca_factor(ca_ionized_mM, p), pth_mg_factor(mg_ionized_mM, p)
    return _dict(pth_pM=p.pth0_pM * s_ca * s_mg, s_ca=s_ca, s_mg=s_mg)


def pth_response(mg_cell_mM, p=DEFAULT) -> np.ndarray:
    """End-organ PTH response r at cytoplasmic free Mg (mM), 1 at normal cell Mg (0.5 mM).

    Notes
    -----
    :math:`r = H(Mg_c)/H(Mg_{c0})`, :math:`H = Mg_c^n/(Mg_c^n + K_r^n)`,
    K_r 0.3 mM, n 4: PTH resistance of Mg deficiency (the Mg-dependent
    adenylate cyclase; blunted 1,25(OH)2D response, Fatemi 1991). 0.85 at
    Fatemi's mild deficiency (cell free Mg -21 %), 0.19 at 0.2 mM, at most
    :math:`1/H(Mg_{c0})` = 1.13 in Mg excess. It lags serum Mg as cell Mg
    does (the body model's cell Mg state); the healthy PTH action is 1.

    References
    ----------
    Rude RK, Oldham SB, Singer FR (1976) Clin Endocrinol 5:209-224 (end-organ resistance).
    Rude RK, Adams JS, Ryzen E, et al. (1985) J Clin Endocrinol Metab 61:933-940.
    """
    return (_hill(mg_cell_mM, p.pth_response_half_mM, p.pth_response_hill)
            / _hill(p.mg_cell_normal_mM, p.pth_response_half_mM, p.pth_response_hill))


def pth_action(pth_pM, mg_cell_mM, p=DEFAULT) -> np.ndarray:
    """Effective PTH action (1 = normal): :math:`A = (PTH/PTH_0)\\,r(Mg_c)`."""
    return _arr(pth_pM) / p.pth0_pM * pth_response(mg_cell_mM, p)


def calcitriol_target(action, p=DEFAULT) -> np.ndarray:
    """Calcitriol-like factor D* (1 = normal) at PTH action A; :math:`dD/dt = (D^* - D)/\\tau_D`.

    :math:`D^*` = :func:`normalised_saturation` (A; ``calcitriol_min``,
    ``calcitriol_max``): PTH drives renal 1a-hydroxylase; the low r of Mg
    deficiency blunts it (Fatemi 1991; Rude et al. 1985).
    """
    return normalised_saturation(action, p.calcitriol_min, p.calcitriol_max)


def normal_state(p=DEFAULT) -> dict:
    """The healthy state: every lag in balance, PTH action 1 (pH 7.40, albumin 40 g/L);
    serum, ionized, CSF and cell Mg and Ca (mM), PTH (pM), calcitriol (1), bone pools (mmol)."""
    mg_i, ca_i = normal_mg_ionized(p), _arr(p.ca_ionized_normal_mM)
    return _dict(mg_serum_mM=p.mg_serum_normal_mM, mg_ionized_mM=mg_i,
                 ca_serum_mM=total_from_ionized(ca_i, "ca", p=p), ca_ionized_mM=ca_i,
                 pth_pM=pth(ca_i, mg_i, p)["pth_pM"], csf_mg_mM=csf_mg_target(mg_i, p),
                 mg_cell_mM=p.mg_cell_normal_mM, calcitriol=1.0,
                 bone_ca_fast_mmol=p.bone_ca_fast_pool_mmol,
                 bone_mg_surface_mmol=p.bone_mg_surface_pool_mmol)
