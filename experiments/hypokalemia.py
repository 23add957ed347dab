"""``hypokalemia``: K+ in Mg deficiency over days: renal wasting and cells that stay K-depleted.

A whole-body K, Mg and Ca balance (:class:`models.body.Body`) whose kidney is
the collecting-duct model for K (:class:`models.collecting_duct.CollectingDuct`,
tabulated once over plasma K x cytoplasmic Mg, with aldosterone following
plasma K) and the nephron for Mg and Ca (:class:`models.nephron.Kidney`
inside :class:`models.mineral.MineralBody`). The patient is a ``cause`` of Mg
deficiency (:data:`models.causes.CAUSES`; default ``gitelman``): its kidney,
gut and collecting duct (aldosterone, ENaC activity, flow) are the cause's,
so the patient's serum Mg, FE_Mg and cell Mg emerge from the cause instead of
being imposed. Four treatment scenarios (``scenario``) start on
``start_day``: ``untreated``, ``k_only`` (``k_supplement``), ``mg_only``
(loading dose ``mg_load`` for ``mg_load_days``, then ``mg_supplement``) and
``k_and_mg``; ``k_supplement`` and ``mg_supplement`` are sweepable.

Two mechanisms make K+ repletion fall short while Mg is low:

* the kidney: low cytoplasmic Mg releases ROMK's brake, so secretion is higher
  at every plasma K and rises more steeply with the K load (aldosterone);
  the steady plasma-K gain of a supplement is therefore smaller than in the
  same patient with normal Mg (``gain_ratio`` in the side table ``gain``);
* the cells: the Na/K pump runs on Mg-ATP, so Mg-deficient cells hold less K
  at a given plasma K and a K supplement does not refill them until Mg is
  given (``k_icf_mM``; Wester & Dyckner 1981; Dørup et al. 1993).

Mg alone first lowers plasma K: the cells it restores take K up from the
extracellular fluid faster than the kidney cuts its excretion (a dip whose
depth depends on ``tau_mg`` and ``k_pump_mg``, both uncertain).

How large the renal effect is depends on how far cytoplasmic free Mg falls
with serum Mg (``cell_exponent``), which is uncertain: the ``sensitivity``
experiment shows every headline number against each uncertain parameter.

Columns: ``scenario``, ``k_supplement_mmol_day``, ``mg_supplement_mmol_day``,
``t_day``, ``plasma_k_mM``, ``serum_mg_mM``, ``mg_i_mM``, ``urine_k_mmol_day``,
``k_intake_mmol_day``, ``k_icf_mM``, ``urine_mg_mmol_day``. Side tables:
``hypokalemia_renal.csv`` (the collecting-duct table: ``k_plasma_mM``,
``mg_i_mM``, ``aldosterone``, ``j_k_pmol_min_mm``), ``hypokalemia_balance.csv``
(per condition: the untreated serum Mg and clinical FE_Mg, final values,
calibrated ``length_mm``, relative K and Mg balance errors) and ``hypokalemia_gain.csv`` (per K dose: steady plasma-K
gain at the patient's and at normal cytoplasmic Mg, their ratio, and the
relative gains).

References: Huang & Kuo 2007 JASN 18:2649; Sterns et al. 1981 Medicine
60:339; Palmer, Antonian & Frindt 1994 J Gen Physiol 104:693; Dluhy et al.
1972 JCI 51:1950; Wester & Dyckner 1981 Acta Med Scand Suppl 647:145; Dørup,
Skajaa & Thybo 1993 J Intern Med 233:117; Agus 1999 JASN 10:1616.
"""
from __future__ import annotations

import numpy as np
from brian2 import mM

from channels.enac import ENaC
from channels.kir_basolateral import Kir45
from models.body import (INTRACELLULAR_MG, SCENARIOS, Body, BodyParameters,
                         RenalTable, aldosterone_at, balance_error, scenario_doses)
from models.causes import CAUSES, DUCT_KNOBS, duct_knobs, mineral_body
from models.mineral import MineralParameters
from models.nephron import clinical_fe_mg
from models.principal_cell import ApicalROMK, PrincipalCell

from .engine import progress
from .engine.framework import Experiment
from .engine.settings import Setting, UsageError, concentration, temperature
from .engine.style import figure
from .k_secretion import (build_duct, check_converged, check_tubule, segment_inputs,
                          tubule_settings)

HYPOKALEMIA_MM = 3.5
#: Most treatments (scenario x K dose x Mg dose) one run integrates: each is a time course
#: of days/record rows (10^4 x 85 rows at the defaults).
MAX_TREATMENTS = 10_000
NORMAL_K_MM = (3.5, 5.0)
#: Collecting-duct conditions of the Mg-replete reference person the duct length is
#: calibrated on: the ``k_secretion`` defaults (no thiazide).
REFERENCE = {"aldosterone": 1.0, "enac_scale": 1.0, "flow": 5.0}
THIAZIDE_SOURCE = ("a thiazide blocks NaCl reabsorption in the distal convoluted tubule, so "
                   "more Na+ and fluid reach the collecting duct (Huang & Kuo 2007)")


def _number(name, default, meaning, source, minimum=0.0, maximum=1000.0, quick=None,
            exclusive=False, integer=False, column=False, column_unit=""):
    return Setting(name, (default,), None, meaning, source, quick=quick,
                   minimum=minimum, maximum=maximum, exclusive_minimum=exclusive,
                   integer=integer, column=column, column_unit=column_unit)


def body_settings() -> tuple[Setting, ...]:
    """Whole-body settings (shared with ``hypomagnesemia`` and ``sensitivity``)."""
    d, m = BodyParameters(), MineralParameters()
    return (
        _number("k_diet", d.k_diet_mmol_day, "absorbed dietary K+ (mmol/day); the duct length is "
                "calibrated so that the reference person excretes it at k_p0, so it sets the "
                "kidney's K throughput, not the set point (a change of intake is k_supplement)",
                "typical intake 70-100 mmol/day, ~10 % lost in stool", exclusive=True),
        _number("aldo_slope", d.aldo_slope_per_mM, "d ln(aldosterone) / d plasma K (per mM)",
                "aldosterone rises with plasma K (Dluhy et al. 1972 JCI 51:1950); slope of the "
                "Maddah & Hallow 2022 model (0.951 per mM; 0.5 in a later re-implementation) "
                "[uncertain]", maximum=5.0),
        _number("k_p0", d.k_p0_mM, "plasma K+ (mM) at which the Mg-replete reference is in "
                "balance", "normal serum K 3.5-5.0 mM (docs/reference.md section 5)",
                exclusive=True, maximum=20.0),
        _number("beta_k", d.beta_k, "d ln(cell K)/d ln(plasma K)",
                "derived: ~300 mmol body K per mM plasma K (Sterns et al. 1981 Medicine 60:339)",
                maximum=5.0),
        _number("tau_k", d.tau_k_day, "K+ redistribution time between ECF and cells (days)",
                "K loads are taken up by cells within hours [uncertain]", exclusive=True,
                maximum=100.0),
        _number("k_pump_mg", d.k_pump_mg_mM, "cytoplasmic Mg2+ (mM) of half-maximal cell K "
                "holding by the Mg-ATP-driven Na/K pump",
                "chosen so that the default patient's muscle K is ~5 % low; Mg depletion lowered "
                "muscle K by up to 11 % in rats and K did not restore it (Wester & Dyckner 1981; "
                "Dorup et al. 1993 J Intern Med 233:117) [uncertain]", maximum=100.0),
        _number("tau_mg", m.tau_mg_day, "lag of cytoplasmic behind serum Mg (days)",
                "cell stores refill days after serum normalises (Agus 1999 JASN 10:1616; "
                "Martin et al. 2009 JASN 20:2291) [uncertain]", exclusive=True, maximum=100.0),
        _number("beta_mg", m.beta_mg, "cell total / free Mg2+",
                "cell total Mg ~10 mM, free ~0.5 mM [uncertain]", exclusive=True, maximum=1000.0),
        _number("mg_intake", m.mg_intake_mmol_day, "dietary Mg (mmol/day) before the cause's "
                "change", "US intake 12.5-15 mmol/day (IOM 1997)", maximum=200.0),
        _number("cell_exponent", m.cell_exponent, "cytoplasmic free Mg ~ serum Mg^gamma",
                "derived: red-cell free Mg 146 vs 178 uM (-18 %) in hypomagnesemic patients "
                "(J Am Coll Nutr 1989 8:580) at serum Mg about 0.55 mM gives 0.46; muscle free Mg "
                "barely follows serum Mg (J Lab Clin Med 1996 127:207) [uncertain, 0.3-1]",
                maximum=5.0),
        _number("table_points", 24, "grid points per axis of the renal table",
                "numerical choice (bilinear interpolation)", quick=(12,), minimum=3,
                maximum=100, integer=True),
    )


#: The default patient's collecting duct: a thiazide (aldosterone, Na+ delivery, flow).
THIAZIDE = {"aldosterone": 1.5, "enac_scale": 1.3, "flow": 5.5}


def patient_settings(patient=THIAZIDE, why: str = THIAZIDE_SOURCE) -> tuple[Setting, ...]:
    """The patient's collecting duct and its perfusion (shared with hypomagnesemia, sensitivity).

    ``patient`` gives the defaults of ``aldosterone``, ``enac_scale`` and
    ``flow`` (:data:`THIAZIDE`, or :data:`REFERENCE` for a patient without a
    diuretic), ``why`` their source.
    """
    tubule = {s.name: s for s in tubule_settings()}
    return (
        Setting("aldosterone", (patient["aldosterone"],), None, "the patient's aldosterone at "
                "the reference plasma K, relative to baseline", why + "; thiazides raise plasma "
                "aldosterone (chlorothiazide 500 mg/day: +66 %; meta-analysis SMD 0.3) [uncertain]", minimum=0.0,
                exclusive_minimum=True, maximum=100.0),
        Setting("enac_scale", (patient["enac_scale"],), None, "ENaC activity beyond "
                "aldosterone's: the extra distal Na+ delivery of the patient",
                why + " [uncertain]", minimum=0.0, maximum=100.0),
        Setting("flow", (patient["flow"],), None, "the patient's flow into the collecting duct "
                "(nl/min)", why + "; reference 5 nl/min [uncertain]", minimum=0.0,
                exclusive_minimum=True, maximum=1e4),
        tubule["segment_length"], tubule["slab_length"],
        concentration("na_lumen", (140.0,), "luminal Na+ entering the collecting duct",
                      "perfused-tubule Ringer 140 mM", column=False, variable="Na_lumen"),
        concentration("k_lumen", (5.0,), "luminal K+ entering the collecting duct",
                      "perfusate K 5 mM (Tomita et al. 1985)", column=False, variable="K_lumen"),
        temperature("absolute temperature"),
    )


def single_valued(values, names, experiment: str, swept: str) -> None:
    """UsageError unless every named setting has exactly one value (no sweep)."""
    for name in names:
        if len(values[name]) != 1:
            raise UsageError(f"--set {name}: {len(values[name])} values given; takes one "
                             f"value in {experiment} (sweep {swept} instead); allowed: one value")


def check_patient(values) -> None:
    """UsageError for a patient whose luminal K is 0, or who is treated too late."""
    for name in ("k_lumen",):
        bad = [v for v in values[name] if v <= 0]
        if bad:
            raise UsageError(f"--set {name}={float(bad[0] / mM):g}: must be > 0 mM; "
                             "allowed: numbers in mM > 0")
    start, days = values["start_day"][0], values["days"][0]
    if start >= days:
        raise UsageError(f"--set start_day={start:g} with days={days:g}: treatment must start "
                         "before the simulation ends; allowed: start_day < days")
    count = len(values["scenario"]) * len(values["k_supplement"]) * len(values["mg_supplement"]) \
        if "scenario" in values else 1
    if count > MAX_TREATMENTS:
        raise UsageError(f"--set k_supplement/mg_supplement/scenario: {count} treatments, each a "
                         f"time course; allowed: at most {MAX_TREATMENTS}")


def body_parameters(fixed) -> BodyParameters:
    """BodyParameters (the K side) from the run's settings."""
    return BodyParameters(k_diet_mmol_day=fixed["k_diet"], aldo_slope_per_mM=fixed["aldo_slope"],
                          k_p0_mM=fixed["k_p0"], beta_k=fixed["beta_k"], tau_k_day=fixed["tau_k"],
                          k_pump_mg_mM=fixed["k_pump_mg"])


def mineral_parameters(fixed) -> MineralParameters:
    """MineralParameters (the Mg side) from the run's settings."""
    return MineralParameters(tau_mg_day=fixed["tau_mg"], beta_mg=fixed["beta_mg"],
                             cell_exponent=fixed["cell_exponent"],
                             mg_intake_mmol_day=fixed["mg_intake"])


def with_cause(fixed) -> dict:
    """The run's settings with the collecting duct of its ``cause`` (aldosterone, ENaC,
    flow), where the settings do not give them (a sensitivity variant may)."""
    return {**duct_knobs(fixed["cause"]), **fixed}


def cause_setting(default: str) -> Setting:
    """The ``cause`` of the patient's Mg deficiency (one of :data:`models.causes.CAUSES`)."""
    return Setting("cause", (default,), None, "cause of the patient's Mg deficiency: its "
                   "kidney, gut and collecting duct (models.causes)", "models.causes.CAUSES",
                   choices=tuple(CAUSES))


class PatientKidney:
    """The patient's collecting-duct K+ secretion J(K_p, Mg_i), pmol/min/mm, solved directly.

    Every call solves the duct (:class:`models.collecting_duct.CollectingDuct`)
    at the given plasma K and cytoplasmic Mg, with the aldosterone that plasma
    K calls for (:func:`models.body.aldosterone_at` of the patient's
    ``aldosterone``) and every other condition from the run's settings; with
    ``reference=True`` at the Mg-replete reference person's conditions
    (:data:`REFERENCE`, normal aldosterone at every plasma K). A
    :class:`models.body.Body` accepts it in place of a :class:`RenalTable`.

    Several variants of the settings (``fixed`` a list of them, as in the
    ``sensitivity`` experiment) share one solve: ``variant`` gives each unit's
    variant (default: all the first).
    """

    def __init__(self, experiment, fixed):
        variants = fixed if isinstance(fixed, (list, tuple)) else [fixed]
        self.name = experiment.name
        self.params = [body_parameters(f) for f in variants]
        self.duct = build_duct(type(experiment), variants[0])
        names = self.duct.cell.values_si({}, 1)
        bases = [segment_inputs(type(experiment), [{}], f, names) for f in variants]
        self.base = {key: np.concatenate([np.asarray(b[key], float).ravel() for b in bases])
                     for key in bases[0]}
        # the unscaled ENaC permeability of each variant: solve() applies enac_scale itself
        self.base["P_ENaC"] = np.array([float(np.asarray(f["P_ENaC"])) for f in variants])
        self.aldosterone = np.array([float(f["aldosterone"]) for f in variants])
        self.flow = np.array([float(f["flow"]) for f in variants])
        self.enac_scale = np.array([float(f["enac_scale"]) for f in variants])

    def solve(self, k_plasma, mg_i, reference=False, variant=None) -> dict:
        """The duct's steady state at plasma K and cytoplasmic Mg (arrays, mM)."""
        k_plasma, mg_i = (np.ravel(a) for a in np.broadcast_arrays(
            np.asarray(k_plasma, float), np.asarray(mg_i, float)))
        n = k_plasma.size
        v = np.zeros(n, int) if variant is None else np.broadcast_to(np.ravel(variant), (n,))
        env = {key: value[v] for key, value in self.base.items()}
        if reference:
            aldo = np.full(n, REFERENCE["aldosterone"])
            scale, flow = np.full(n, REFERENCE["enac_scale"]), np.full(n, REFERENCE["flow"])
        else:
            slope = np.array([p.aldo_slope_per_mM for p in self.params])[v]
            k_p0 = np.array([p.k_p0_mM for p in self.params])[v]
            aldo = aldosterone_at(k_plasma, self.aldosterone[v], slope, k_p0)
            scale, flow = self.enac_scale[v], self.flow[v]
        env.update(K_blood=k_plasma, Mg_i=mg_i, aldosterone=aldo, P_ENaC=env["P_ENaC"] * scale)
        result = self.duct.steady_state(flow, env, n)
        check_converged(result, f"{self.name} collecting duct")
        result["aldosterone"] = aldo
        return result

    def secretion(self, variant=None):
        """J(k_plasma, mg_i) of the given units' variants, shaped like the broadcast of its inputs."""
        def j_k(k_plasma, mg_i):
            shape = np.broadcast(np.asarray(k_plasma), np.asarray(mg_i)).shape
            index = None if variant is None else np.broadcast_to(variant, shape)
            return self.solve(k_plasma, mg_i, variant=index)["j_k_pmol_min_mm"].reshape(shape)
        return j_k

    def __call__(self, k_plasma, mg_i) -> np.ndarray:
        """Secretion (pmol/min/mm) of the first variant at plasma K and cytoplasmic Mg."""
        return self.secretion()(k_plasma, mg_i)

    def reference_j(self) -> np.ndarray:
        """Secretion of the Mg-replete reference person at K_p0, per variant (calibrates L0)."""
        k_p0 = np.array([p.k_p0_mM for p in self.params])
        return self.solve(k_p0, np.full(k_p0.size, INTRACELLULAR_MG), reference=True,
                          variant=np.arange(k_p0.size))["j_k_pmol_min_mm"]

    def table(self, points: int, mg_low: float = 0.02,
              mg_high: float = 1.2) -> tuple[RenalTable, list[dict]]:
        """The secretion on a grid: plasma K 1.5-7 mM (linear), Mg_i ``mg_low``-``mg_high`` mM
        (geometric), ``points`` each.

        With several variants the table has one layer per variant (its rows
        are those of the first).
        """
        k_grid = np.linspace(*TABLE_K_PLASMA_MM, int(points))
        mg_grid = np.geomspace(mg_low, mg_high, int(points))
        count = self.aldosterone.size
        kk, gg = np.meshgrid(k_grid, mg_grid, indexing="ij")
        result = self.solve(np.tile(kk.ravel(), count), np.tile(gg.ravel(), count),
                            variant=np.repeat(np.arange(count), kk.size))
        j = result["j_k_pmol_min_mm"].reshape((count,) + kk.shape)
        rows = [{"_table": "renal", "_once": True, "k_plasma_mM": float(k), "mg_i_mM": float(g),
                 "aldosterone": float(a), "j_k_pmol_min_mm": float(x)}
                for k, g, a, x in zip(kk.ravel(), gg.ravel(), result["aldosterone"], j[0].ravel())]
        return RenalTable(k_grid, mg_grid, j if count > 1 else j[0]), rows


#: Plasma K range (mM) of the renal table; a run that leaves it is refused (check_body).
TABLE_K_PLASMA_MM = (1.5, 7.0)


def table_mg_span(mg_i_values) -> tuple[float, float]:
    """Cytoplasmic Mg range (mM) of the renal table for patients at these cytoplasmic Mg.

    From half the lowest (at most 0.02 mM) to twice the highest of theirs and
    normal (at least 1.2 mM), which covers any repletion.
    """
    mg_i = np.asarray(mg_i_values, float)
    return min(0.02, 0.5 * float(mg_i.min())), max(1.2, 2 * max(float(mg_i.max()),
                                                               INTRACELLULAR_MG))


def check_body(body: Body, result, what: str) -> None:
    """RuntimeError (one line) if the body left the renal table or gave a non-finite value."""
    plasma = result["plasma_k_mM"]
    if not np.all(np.isfinite(plasma)) or np.any(plasma < TABLE_K_PLASMA_MM[0]) \
            or np.any(plasma > TABLE_K_PLASMA_MM[1]):
        finite = plasma[np.isfinite(plasma)]
        low = f"{np.min(finite):.3g}" if finite.size else "nan"
        high = f"{np.max(finite):.3g}" if finite.size else "nan"
        raise RuntimeError(f"{what}: plasma K reached {low}-{high} mM, outside the renal "
                           f"table's {TABLE_K_PLASMA_MM[0]:g}-{TABLE_K_PLASMA_MM[1]:g} mM (or "
                           "was not finite): the body cannot balance K with these settings")


#: Half-width (mM) of the bracket around the table's estimate in which the exact steady
#: plasma K is sought (the table's interpolation error: 0.011 mM at 12 points, less at 24;
#: a root outside the bracket falls back to the whole range).
EXACT_BRACKET_MM = 0.1


def exact_plasma_k(estimate: Body, exact: Body, mg_i, intake) -> np.ndarray:
    """Steady plasma K from the exact kidney, bisected near the table's estimate."""
    guess = estimate.steady_plasma_k(mg_i, intake)
    low, high = guess - EXACT_BRACKET_MM, guess + EXACT_BRACKET_MM
    u_low, u_high = exact.urine_k(low, mg_i), exact.urine_k(high, mg_i)
    if not (np.all(u_low <= intake) and np.all(u_high >= intake)):
        return exact.steady_plasma_k(mg_i, intake)
    return exact.steady_plasma_k(mg_i, intake, low, high)


def gain_rows(estimate: Body, exact: Body, doses, mg_i_patient: float) -> list[dict]:
    """Steady plasma-K gain of each K dose at the patient's and at normal cytoplasmic Mg.

    ``exact`` computes its excretion from a :class:`PatientKidney` (exact
    steady states), ``estimate`` from the interpolated table (the bracket).
    """
    doses = np.unique(np.asarray(doses, float))
    doses = doses[doses > 0]
    if not doses.size:
        return []
    mg_normal = INTRACELLULAR_MG
    diet = exact.p.k_diet_mmol_day
    intake = np.concatenate([[diet], diet + doses] * 2)
    mg = np.repeat([mg_i_patient, mg_normal], doses.size + 1)
    plasma = exact_plasma_k(estimate, exact, mg, intake).reshape(2, -1)
    gain = plasma[:, 1:] - plasma[:, :1]
    return [{"_table": "gain", "_once": True, "k_supplement_mmol_day": float(dose),
             "plasma_k_deficient_mM": float(plasma[0, 0]),
             "plasma_k_replete_mM": float(plasma[1, 0]),
             "gain_deficient_mM": float(gain[0, i]), "gain_replete_mM": float(gain[1, i]),
             "gain_ratio": float(gain[0, i] / gain[1, i]),
             "relative_gain_deficient": float(gain[0, i] / plasma[0, 0]),
             "relative_gain_replete": float(gain[1, i] / plasma[1, 0])}
            for i, dose in enumerate(doses)]


def stack_parameters(params: list[BodyParameters], layer: np.ndarray) -> BodyParameters:
    """BodyParameters whose every field holds the value of each unit's variant."""
    return _stacked(BodyParameters, params, layer)


def stack_minerals(params: list[MineralParameters]) -> MineralParameters:
    """MineralParameters whose every field holds the value of each variant."""
    return _stacked(MineralParameters, params, np.arange(len(params)))


def _stacked(record, params, layer):
    """A ``record`` dataclass of arrays: field values of ``params``, taken by ``layer``."""
    return record(**{name: np.array([getattr(p, name) for p in params], float)[layer]
                     for name in record.__dataclass_fields__})


def cause_ducts(experiment, fixed, causes) -> tuple[PatientKidney, np.ndarray]:
    """The collecting ducts of the causes named in ``causes`` (one variant of the run's
    settings per distinct aldosterone, ENaC and flow) and each cause's variant."""
    keys = sorted({tuple(duct_knobs(c).values()) for c in causes})
    layer = np.array([keys.index(tuple(duct_knobs(c).values())) for c in causes])
    variants = [{**fixed, **dict(zip(DUCT_KNOBS, key))} for key in keys]
    return PatientKidney(experiment, variants), layer


def cause_plasma_k(duct: PatientKidney, layer, mg_i) -> np.ndarray:
    """Steady plasma K (mM) at cytoplasmic Mg ``mg_i`` of each unit's duct variant
    (exact duct solves, aldosterone following plasma K; units with the same variant and
    cell Mg solved once)."""
    keys = np.stack([np.asarray(layer, float), np.broadcast_to(np.asarray(mg_i, float),
                                                               np.shape(layer))])
    unique, inverse = np.unique(keys, axis=1, return_inverse=True)  # each solved once
    units = unique[0].astype(int)
    body = Body(duct.secretion(units), stack_parameters(duct.params, units),
                duct.reference_j()[units])
    return body.steady_plasma_k(unique[1])[np.ravel(inverse)]


class Hypokalemia(Experiment):
    """Plasma K, cell K and serum Mg over days under four treatment scenarios."""

    name = "hypokalemia"
    order = 60
    title = "Hypokalemia of Mg deficiency: K+ wasting, and cells K-depleted until Mg is restored"
    channel_classes = (ENaC, ApicalROMK, Kir45, PrincipalCell)
    columns = ("scenario", "k_supplement_mmol_day", "mg_supplement_mmol_day", "t_day",
               "plasma_k_mM", "serum_mg_mM", "mg_i_mM", "urine_k_mmol_day", "k_intake_mmol_day",
               "k_icf_mM", "urine_mg_mmol_day")
    settings = (
        Setting("scenario", SCENARIOS, None, "treatment scenario", "Huang & Kuo 2007 JASN 18:2649",
                choices=SCENARIOS, column=True),
        _number("k_supplement", 40.0, "oral K+ supplement (mmol/day, absorbed)",
                "a common repletion dose (20-100 mmol/day of KCl)", column=True,
                column_unit="mmol_day"),
        _number("mg_supplement", 5.0, "retained Mg maintenance supplement (mmol/day)",
                "oral Mg maintenance, with the cause of the deficiency persisting [uncertain]",
                column=True, column_unit="mmol_day"),
        cause_setting("gitelman"),
        _number("mg_load", 20.0, "retained Mg during the loading days (mmol/day)",
                "IV MgSO4 ~8-12 g (32-48 mmol) per day at first, about half retained "
                "(Agus 1999 JASN 10:1616; Martin et al. 2009 JASN 20:2291) [uncertain]"),
        _number("mg_load_days", 5.0, "days of Mg loading before maintenance",
                "repletion over several days (Agus 1999) [uncertain]", maximum=1000.0),
        _number("start_day", 2.0, "day treatment starts", "shows the untreated state first",
                maximum=1000.0),
        _number("days", 21.0, "length of the simulation (days)", "repletion takes days to weeks",
                exclusive=True, maximum=1000.0, quick=(14.0,)),
        _number("body_dt", 0.01, "integration step (RK4) of the body model (days)",
                "numerical choice: fastest time constant ~0.03 day (K shift between ECF and "
                "cells)", exclusive=True, maximum=0.05),
    ) + tuple(s for s in patient_settings() if s.name not in DUCT_KNOBS) + body_settings()

    def validate(self, values):
        check_patient(values)
        check_tubule(values)
        single_valued(values, [n for n in type(self).all_settings()
                               if n not in ("scenario", "k_supplement", "mg_supplement")],
                      self.name, "scenario, k_supplement or mg_supplement")

    def build(self, n, fixed):
        state = {}
        patient = with_cause(fixed)

        def runner(conditions):
            if "table" not in state:
                progress.phase("tabulating the patient's distal tubules")
                state["mineral"] = mineral_body([fixed["cause"]], mineral_parameters(fixed))
                state["start"] = Body(mineral=state["mineral"]).untreated()
                kidney = PatientKidney(self, patient)
                progress.phase("solving the renal table")
                state["table"], state["rows"] = kidney.table(
                    fixed["table_points"], *table_mg_span(state["start"]["mg_i_mM"]))
                state["kidney"], state["reference"] = kidney, float(kidney.reference_j()[0])
            params, units = body_parameters(fixed), np.zeros(len(conditions), int)
            mineral, start = state["mineral"].select(units), take_units(state["start"], units)
            body = Body(state["table"], params, state["reference"], mineral)
            exact = Body(state["kidney"], params, state["reference"])
            batch = self.batch_values(conditions, fixed,
                                      ["scenario", "k_supplement", "mg_supplement"])
            k_supp, mg_supp, mg_load = scenario_doses(batch["scenario"], batch["k_supplement"],
                                                      batch["mg_supplement"], fixed["mg_load"])
            progress.phase("integrating the body balance")
            result = body.simulate(k_supp, mg_supp, fixed["start_day"], fixed["days"],
                                   dt_day=fixed["body_dt"], mg_load=mg_load,
                                   mg_load_days=fixed["mg_load_days"], start=start)
            check_body(body, result, self.name)
            mg_i_patient = float(state["start"]["mg_i_mM"][0])
            progress.phase("solving steady plasma K")
            once = state["rows"] + gain_rows(body, exact, batch["k_supplement"], mg_i_patient)
            return [self.condition_rows(result, k, body, state["start"]) + (once if k == 0 else [])
                    for k in range(len(conditions))]
        return runner

    def condition_rows(self, result, k, body, start) -> list[dict]:
        """The time course of treatment ``k`` and its row of the ``balance`` side table."""
        rows = [{"t_day": float(t), **{c: float(result[c][i, k]) for c in self.columns[4:]}}
                for i, t in enumerate(result["t_day"])]
        untreated_fe = clinical_fe_mg(start["urine_mg_mmol_day"], start["serum_mg_mM"])
        rows.append({"_table": "balance", "length_mm": float(body.length_mm),
                     "untreated_serum_mg_mM": float(start["serum_mg_mM"][0]),
                     "untreated_fe_mg_pct": float(untreated_fe[0]),
                     "final_plasma_k_mM": float(result["plasma_k_mM"][-1, k]),
                     "initial_plasma_k_mM": float(result["plasma_k_mM"][0, k]),
                     "final_k_icf_mM": float(result["k_icf_mM"][-1, k]),
                     "final_serum_mg_mM": float(result["serum_mg_mM"][-1, k]),
                     "final_mg_i_mM": float(result["mg_i_mM"][-1, k]),
                     "k_balance_error": balance_error(_column(result, k), "k"),
                     "mg_balance_error": balance_error(_column(result, k), "mg"),
                     "table_clamped": int(body.table.clamped)})
        return rows

    def plot(self, tables):
        table = tables["main"]
        fig, axes = figure(1, 3, width=3.6)
        ax_k, ax_mg, ax_u = axes[0]
        colors = {"untreated": "0.3", "k_only": "tab:orange", "mg_only": "tab:blue",
                  "k_and_mg": "tab:green"}
        doses = sorted(set(zip(table["k_supplement_mmol_day"], table["mg_supplement_mmol_day"])))
        shown = [doses[0], doses[-1]] if len(doses) > 1 else doses
        for scenario in table.unique("scenario"):
            for index, (k_dose, mg_dose) in enumerate(shown):
                part = table.where(scenario=scenario, k_supplement_mmol_day=k_dose,
                                   mg_supplement_mmol_day=mg_dose)
                if not len(part):
                    continue
                order = np.argsort(part["t_day"])
                t = part["t_day"][order]
                color, style = colors.get(scenario), "-" if index == 0 else "-."
                label = scenario if len(shown) == 1 else f"{scenario}, K {k_dose:g}, Mg {mg_dose:g}"
                ax_k.plot(t, part["plasma_k_mM"][order], style, color=color, label=label)
                ax_mg.plot(t, part["serum_mg_mM"][order], style, color=color)
                ax_mg.plot(t, part["mg_i_mM"][order], ":", color=color)
                ax_u.plot(t, part["k_icf_mM"][order], style, color=color, label=label)
        ax_k.axhspan(*NORMAL_K_MM, color="tab:green", alpha=0.08, label="normal 3.5-5.0")
        ax_k.axhline(HYPOKALEMIA_MM, color="tab:red", lw=0.8, ls="--")
        ax_k.set(xlabel="time (days)", ylabel="plasma K$^+$ (mM)", title="plasma K$^+$")
        ax_k.legend(fontsize=6)
        gain = tables.get("gain")
        if gain is not None and len(gain):
            text = "\n".join(f"K {d:g} mmol/day: gain {g1:.2f} vs {g2:.2f} mM (x{r:.2f})"
                             for d, g1, g2, r in zip(gain["k_supplement_mmol_day"],
                                                     gain["gain_deficient_mM"],
                                                     gain["gain_replete_mM"], gain["gain_ratio"]))
            ax_k.text(0.98, 0.02, "steady gain, low vs normal Mg:\n" + text, ha="right",
                      va="bottom", transform=ax_k.transAxes, fontsize=6, color="0.3")
        ax_mg.axhspan(0.7, 1.1, color="tab:green", alpha=0.08)
        ax_mg.set(xlabel="time (days)", ylabel="Mg (mM)",
                  title="serum Mg (solid), cell free Mg (dotted)")
        ax_u.set(xlabel="time (days)", ylabel="cell K$^+$ (mM)",
                 title="cell K$^+$: refilled only with Mg")
        return fig


def take_units(state, index) -> dict:
    """A steady state (arrays per unit) with unit ``k`` taken from ``index[k]``."""
    return {key: np.take(value, index) if np.ndim(value) else value
            for key, value in state.items()}


def _column(result, k):
    """One scenario's series from a body result (records x scenarios arrays)."""
    return {key: (value[:, k] if isinstance(value, np.ndarray) and value.ndim == 2 else value)
            for key, value in result.items()}


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("hypokalemia")
