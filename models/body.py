"""Whole-body K+ and Mg2+ balance over days, with renal K+ excretion from the collecting duct.

Pools (per scenario): extracellular K (``N_e``, mmol, in ``V_ecf`` litres, so
plasma K = N_e/V_ecf), intracellular K (``N_i``, mmol, in ``V_icf``), serum
total Mg (``Mg_s``, mM, in ``V_ecf``) and cytoplasmic free Mg (``Mg_i``, mM;
cell Mg content ``beta_mg`` times that per litre of cell water).

Notes
-----
K+ (t in days, fluxes in mmol/day):

.. math::

    \\frac{dN_e}{dt} = D_K + S_K(t) - U_K - J_{shift}, \\qquad
    \\frac{dN_i}{dt} = J_{shift}

    U_K = L_0\\, J_K^{duct}(K_p, Mg_i;\\ A(K_p)), \\qquad
    A(K_p) = A_0\\, e^{s_A (K_p - K_{p0})}

    J_{shift} = \\frac{V_{icf}}{\\tau_K}\\left(K_i^{eq}(K_p, Mg_i) - N_i/V_{icf}\\right),
    \\qquad
    K_i^{eq} = K_{i0} \\left(\\frac{K_p}{K_{p0}}\\right)^{\\beta_K} h(Mg_i), \\quad
    h = \\frac{Mg_i}{Mg_i + K_{pump}} \\frac{Mg_{i0} + K_{pump}}{Mg_{i0}}

:math:`J_K^{duct}` is the steady-state K+ secretion of the collecting-duct
segment (:class:`models.collecting_duct.CollectingDuct`, pmol/min per mm)
tabulated once over plasma K and cytoplasmic Mg (:class:`RenalTable`,
bilinear), each grid point at the aldosterone :math:`A(K_p)` that
plasma K calls for: aldosterone rises with plasma K (Dluhy et al. 1972),
exponentially with slope :math:`s_A` = 0.95 per mM as in the kidney K model
of Maddah & Hallow 2022 (0.5 per mM in a later re-implementation), and scales ENaC, ROMK and the
pump inside the cell (:mod:`models.principal_cell`). :math:`A_0` is the
patient's aldosterone at :math:`K_{p0}` (a thiazide raises it). This is the
distal K+ adaptation; Mg2+ enters through ROMK's block, so the released brake
of Mg deficiency acts at every aldosterone level and makes secretion rise
more steeply with the K load. :math:`L_0` (mm of secreting collecting duct) is
calibrated so that a Mg-replete person with baseline collecting-duct
conditions excretes the diet at :math:`K_{p0}` (:attr:`Body.length_mm`).
:math:`\\beta_K` makes a 1 mM fall in plasma K cost about 300 mmol of body K
(Sterns et al. 1981). :math:`h` is the Mg-ATP dependence of the cells' Na/K
pump: in Mg deficiency muscle holds less K at a given plasma K, and a K
supplement does not restore it until Mg is given (Wester & Dyckner 1981;
Dørup et al. 1993).

Mg2+ (and Ca2+): the patient's :class:`models.mineral.MineralBody`, integrated
with the K pools: serum, cell and bone Mg, serum Ca, bone Ca and calcitriol,
the kidney of the patient's cause (:class:`models.nephron.Kidney`), the gut
and the PTH axis. Its cytoplasmic free Mg :math:`Mg_c` is the :math:`Mg_i`
of the collecting duct and of the cells' K holding :math:`h`; a retained Mg
supplement is its intravenous dose :math:`S_{Mg}(t)`. The untreated patient
starts at the mineral steady state of the cause (serum Mg emerges from the
cause: no serum Mg is imposed), K at the steady plasma K of that cell Mg.

The integration is fixed-step RK4 in numpy, vectorised over scenarios: the
renal K flux is an interpolated table, the state has four K rows and the
mineral model's twelve per scenario, and the step is hours. RK4 preserves linear invariants, so the
balances (intake = excretion + change in stores) close to rounding error;
cumulative intake and excretion are integrated alongside to show it.

References
----------
Huang CL, Kuo E (2007) Mechanism of hypokalemia in magnesium deficiency. J Am
Soc Nephrol 18:2649-2652.
Sterns RH, Cox M, Feig PU, Singer I (1981) Internal potassium balance and the
control of the plasma potassium concentration. Medicine 60:339-354.
Dluhy RG, Axelrod L, Underwood RH, Williams GH (1972) Studies of the control
of plasma aldosterone concentration in normal man. II. Effect of dietary
potassium and acute potassium infusion. J Clin Invest 51:1950-1957.
Maddah E, Hallow KM (2022) A quantitative systems pharmacology model of plasma
potassium regulation by the kidney and aldosterone. J Pharmacokinet
Pharmacodyn 49:471-486.
Wester PO, Dyckner T (1981) Intracellular electrolytes in cardiac failure and
hypokalemia: effects of magnesium infusion. Acta Med Scand Suppl 647:145-152.
Dørup I, Skajaa K, Thybo NK (1993) Oral magnesium supplementation restores the
concentrations of magnesium, potassium and sodium-potassium pumps in skeletal
muscle of patients receiving diuretic treatment. J Intern Med 233:117-123.
Agus ZS (1999) Hypomagnesemia. J Am Soc Nephrol 10:1616-1622.
Martin KJ, González EA, Slatopolsky E (2009) Clinical consequences and
management of hypomagnesemia. J Am Soc Nephrol 20:2291-2295.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from . import register

#: Normal cytoplasmic free Mg (mM), docs/reference.md section 2 [uncertain].
INTRACELLULAR_MG = 0.5
#: pmol/min per mm -> mmol/day per mm.
PMOL_MIN_TO_MMOL_DAY = 1e-9 * 1440.0
SCENARIOS = ("untreated", "k_only", "mg_only", "k_and_mg")


@dataclass
class RenalTable:
    """Steady-state collecting-duct K+ secretion J(K_p, Mg_i), pmol/min/mm, on a grid.

    Parameters
    ----------
    k_plasma : array
        Increasing plasma K values (mM).
    mg_i : array
        Increasing cytoplasmic Mg values (mM).
    j_k : array, shape (len(k_plasma), len(mg_i)) or (layers, len(k_plasma), len(mg_i))
        Secretion at each grid point (negative where the duct reabsorbs K+);
        a stack of layers holds one table per variant of the parameters.
    layer : array of int, optional
        For a stack: the layer each unit (the last axis of the arguments) reads.

    Notes
    -----
    :meth:`__call__` interpolates bilinearly; values outside the grid are
    clamped to its edges (and counted in :attr:`clamped`).
    """

    k_plasma: np.ndarray
    mg_i: np.ndarray
    j_k: np.ndarray
    clamped: int = field(default=0)
    layer: np.ndarray | None = None

    def __post_init__(self):
        self.k_plasma = np.asarray(self.k_plasma, float)
        self.mg_i = np.asarray(self.mg_i, float)
        self.j_k = np.asarray(self.j_k, float).reshape(-1, len(self.k_plasma), len(self.mg_i))
        if not np.all(np.isfinite(self.j_k)):
            raise ValueError("RenalTable: K secretion must be finite on the whole grid")

    @staticmethod
    def _locate(grid, x):
        x = np.asarray(x, float)
        xc = np.clip(x, grid[0], grid[-1])
        i = np.clip(np.searchsorted(grid, xc) - 1, 0, len(grid) - 2)
        w = (xc - grid[i]) / (grid[i + 1] - grid[i])
        return i, w, int(np.count_nonzero(xc != x))

    def __call__(self, k_plasma, mg_i) -> np.ndarray:
        """Interpolated secretion (pmol/min/mm)."""
        i, wi, ci = self._locate(self.k_plasma, k_plasma)
        j, wj, cj = self._locate(self.mg_i, mg_i)
        self.clamped += ci + cj
        f = self.j_k
        if self.layer is None and len(f) > 1:
            raise ValueError("RenalTable: a stack of tables needs the layer of each unit")
        n = 0 if self.layer is None else np.broadcast_to(self.layer, np.shape(i))
        return ((1 - wi) * (1 - wj) * f[n, i, j] + wi * (1 - wj) * f[n, i + 1, j]
                + (1 - wi) * wj * f[n, i, j + 1] + wi * wj * f[n, i + 1, j + 1])


@dataclass(frozen=True)
class BodyParameters:
    """Whole-body parameters (units in the names' comments); see the module docstring.

    Each is a float, or an array with one value per scenario (the
    ``sensitivity`` experiment integrates variants of the parameters at once).
    """

    v_ecf_l: float = 14.0          # extracellular fluid volume, L (70 kg adult, 20 % of weight)
    v_icf_l: float = 28.0          # intracellular fluid volume, L (40 % of weight)
    k_p0_mM: float = 4.0           # plasma K at which the Mg-replete reference is in balance
    k_i0_mM: float = 140.0         # intracellular K at k_p0 (docs/reference.md section 5)
    beta_k: float = 0.3            # d ln K_icf / d ln K_p: ~300 mmol per mM (Sterns et al. 1981)
    tau_k_day: float = 0.25        # redistribution time of K between ECF and cells [uncertain]
    k_diet_mmol_day: float = 80.0  # absorbed dietary K (intake ~90, ~10 % in stool)
    aldo_slope_per_mM: float = 0.95  # d ln(aldosterone)/d K_p (Maddah & Hallow 2022) [uncertain]
    k_pump_mg_mM: float = 0.1      # Mg_i of half-maximal cell K holding (Mg-ATP) [uncertain]


#: The K balance equations :meth:`Body.simulate` integrates (numpy RK4; t in days), with
#: those of :class:`models.mineral.MineralBody` for Mg and Ca. Units after the colon;
#: ``J_K_duct`` is the collecting duct's K+ secretion (:class:`RenalTable`).
EQUATIONS = """\
dN_e/dt = D_K + S_K(t) - U_K - J_shift : mmol/day
dN_i/dt = J_shift : mmol/day
K_p = N_e / V_ecf : mM
U_K = L_0 * J_K_duct(K_p, Mg_i) : mmol/day
A = A_0 * exp(s_A * (K_p - K_p0)) : 1
J_shift = V_icf / tau_K * (K_i_eq - N_i / V_icf) : mmol/day
K_i_eq = K_i0 * (K_p / K_p0)**beta_K * h : mM
h = Mg_i / (Mg_i + K_pump) * (Mg_i0 + K_pump) / Mg_i0 : 1
Mg_i = Mg_c : mM  (cytoplasmic free Mg of models.mineral.MineralBody)"""


#: Range of aldosterone relative to normal: adrenal insufficiency to primary aldosteronism.
ALDOSTERONE_RANGE = (0.05, 20.0)


def aldosterone_at(k_plasma, baseline, slope_per_mM, k_p0_mM):
    """Aldosterone (relative) at plasma K ``k_plasma`` (mM): ``baseline`` at K_p0, e-fold per 1/s_A.

    :math:`A = A_0 e^{s_A (K_p - K_{p0})}`, kept within :data:`ALDOSTERONE_RANGE`
    (plasma aldosterone spans about 0.05-20 times normal from adrenal
    insufficiency to primary aldosteronism). Arguments are floats or arrays.
    """
    signal = baseline * np.exp(slope_per_mM * (np.asarray(k_plasma, float) - k_p0_mM))
    return np.clip(signal, *ALDOSTERONE_RANGE)


def cell_k_holding(p: BodyParameters, mg_i):
    """Fraction h of the normal cell K that cells hold at cytoplasmic Mg ``mg_i`` (Mg-ATP pump)."""
    mg_i = np.asarray(mg_i, float)
    return mg_i / (mg_i + p.k_pump_mg_mM) * (INTRACELLULAR_MG + p.k_pump_mg_mM) / INTRACELLULAR_MG


@register
class Body:
    """Whole-body K, Mg and Ca balance for several scenarios at once (numpy RK4).

    Parameters
    ----------
    table : RenalTable, optional
        Collecting-duct K secretion J(K_p, Mg_i) of the patient. Needed to
        compute fluxes and to simulate; without it the model only describes
        itself (:meth:`equations`).
    params : BodyParameters
        Whole-body K parameters.
    reference_j : float, optional
        Secretion (pmol/min/mm) of the Mg-replete reference person at K_p0
        (baseline collecting-duct conditions); default: the table at K_p0
        and normal cytoplasmic Mg.
    mineral : models.mineral.MineralBody, optional
        The patient's Mg and Ca balance, one unit per scenario (needed by
        :meth:`simulate`).

    Notes
    -----
    :attr:`length_mm` is the calibrated length of secreting collecting duct
    :math:`L_0 = D_K / J_{ref}` (None without a table). The model is
    integrated in numpy, so it has no Brian2 group.
    """

    def __init__(self, table: RenalTable | None = None,
                 params: BodyParameters = BodyParameters(), reference_j: float | None = None,
                 mineral=None):
        self.table, self.p, self.mineral = table, params, mineral
        self.length_mm = None
        if table is not None:
            j0 = np.asarray(table(params.k_p0_mM, INTRACELLULAR_MG)
                            if reference_j is None else reference_j, float)
            if not np.all(j0 > 0):
                raise ValueError(f"Body: reference K secretion {j0!r} pmol/min/mm must be > 0")
            self.length_mm = params.k_diet_mmol_day / (j0 * PMOL_MIN_TO_MMOL_DAY)

    @staticmethod
    def equations() -> str:
        """The balance equations, as text (:data:`EQUATIONS`; module docstring)."""
        return EQUATIONS

    # -- fluxes ---------------------------------------------------------------
    def urine_k(self, k_p, mg_i):
        """Renal K excretion (mmol/day)."""
        if self.table is None:
            raise ValueError("Body has no renal table: build it as Body(RenalTable(...)) "
                             "to compute K excretion")
        return self.length_mm * self.table(k_p, mg_i) * PMOL_MIN_TO_MMOL_DAY

    def k_icf_equilibrium(self, k_p, mg_i):
        """Intracellular K (mM) in balance with plasma K ``k_p`` at cytoplasmic Mg ``mg_i``."""
        return (self.p.k_i0_mM * (np.asarray(k_p, float) / self.p.k_p0_mM) ** self.p.beta_k
                * cell_k_holding(self.p, mg_i))

    def steady_plasma_k(self, mg_i, intake_mmol_day=None, low=None, high=None,
                        iterations: int = 60, rtol: float = 1e-10):
        """Plasma K (mM) at which renal excretion equals intake, at cytoplasmic Mg ``mg_i``.

        The root of :math:`f(x) = U_K(e^x) - \\text{intake}` in :math:`x = \\log K_p`
        between ``low`` and ``high`` (scalars or arrays; default: the renal
        table's plasma-K range, or 0.5-12 mM for a kidney without a grid;
        excretion rises monotonically with K_p through aldosterone and the
        basolateral K supply), by the Illinois variant of regula falsi (Dowell
        & Jarratt 1971, BIT 11:168): the secant point of the bracket, with the
        value kept at a bracket end halved when that end is kept twice, so the
        bracket closes from both sides superlinearly. Stops when every bracket
        is narrower than ``rtol`` (relative) or after ``iterations`` steps.
        ValueError if excretion does not cross the intake there.
        """
        grid = getattr(self.table, "k_plasma", None)
        low = (0.5 if grid is None else float(grid[0])) if low is None else low
        high = (12.0 if grid is None else float(grid[-1])) if high is None else high
        intake = self.p.k_diet_mmol_day if intake_mmol_day is None else intake_mmol_day
        mg_i, intake, lo, hi = np.broadcast_arrays(np.asarray(mg_i, float),
                                                   np.asarray(intake, float),
                                                   np.asarray(low, float), np.asarray(high, float))
        f_lo, f_hi = self.urine_k(lo, mg_i) - intake, self.urine_k(hi, mg_i) - intake
        outside = ~((f_lo <= 0) & (f_hi >= 0))
        if np.any(outside):
            raise ValueError(f"Body: renal K excretion does not reach the intake "
                             f"{np.ravel(intake)[np.argmax(np.ravel(outside))]:g} mmol/day "
                             f"between plasma K {np.ravel(lo)[0]:g} and {np.ravel(hi)[0]:g} mM: "
                             "no steady plasma K (a kidney that cannot excrete the diet)")
        return np.exp(_illinois(lambda x: self.urine_k(np.exp(x), mg_i) - intake,
                                np.log(lo), np.log(hi), f_lo, f_hi, iterations, rtol))


    # -- integration ----------------------------------------------------------
    def simulate(self, k_supplement, mg_supplement, start_day: float, days: float,
                 dt_day: float = 0.01, record_every_day: float = 0.25, mg_load=0.0,
                 mg_load_days: float = 0.0, start: Mapping[str, np.ndarray] | None = None) -> dict:
        """Integrate every scenario from the untreated steady state.

        Parameters
        ----------
        k_supplement, mg_supplement : array
            K and (retained) Mg maintenance supplement (mmol/day) given from
            ``start_day`` on (the Mg maintenance after the loading days); one
            value per unit of :attr:`mineral`, or one for all.
        mg_load, mg_load_days : array, float
            Retained Mg loading dose (mmol/day) given instead of the maintenance
            dose during the first ``mg_load_days`` days of treatment.
        start_day, days : float
            Start of treatment and end of the simulation (days).
        start : mapping, optional
            The mineral steady state to start from (default: :meth:`untreated`).

        Returns
        -------
        dict
            ``t_day`` (records) and per-scenario arrays (records x scenarios):
            ``plasma_k_mM``, ``k_icf_mM``, ``serum_mg_mM``, ``mg_i_mM``,
            ``serum_ca_mM``, ``urine_k_mmol_day``, ``urine_mg_mmol_day``,
            ``k_intake_cum_mmol``, ``k_urine_cum_mmol``, ``k_stores_mmol``,
            ``mg_intake_cum_mmol``, ``mg_urine_cum_mmol``, ``mg_stores_mmol``.
        """
        if self.mineral is None:
            raise ValueError("Body.simulate needs the patient's mineral balance (mineral=...)")
        y = self._untreated_state(self.untreated() if start is None else start)
        n = y.shape[1]
        k_supp, mg_supp, mg_loading = (np.broadcast_to(np.asarray(x, float), (n,))
                                       for x in (k_supplement, mg_supplement, mg_load))
        steps = int(round(days / dt_day))
        every = max(1, int(round(record_every_day / dt_day)))
        start_step = int(round(start_day / dt_day))
        load_end = int(round((start_day + mg_load_days) / dt_day))
        records = [(0.0, y.copy())]
        # a body that cannot balance K runs plasma K below 0 (NaN from there on); the
        # caller judges the result (no numpy warnings on the way)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            for step in range(steps):
                treated = step >= start_step
                k_in = self.p.k_diet_mmol_day + (k_supp if treated else 0.0)
                mg_iv = mg_loading if start_step <= step < load_end else \
                    mg_supp if treated else np.zeros(n)
                y = self._rk4_step(y, step * dt_day, dt_day, k_in, mg_iv)
                if (step + 1) % every == 0:
                    records.append(((step + 1) * dt_day, y.copy()))
            t = np.array([r[0] for r in records])
            return self._outputs(t, np.array([r[1] for r in records]), k_supp, start_day)

    def untreated(self) -> dict:
        """The patient's untreated mineral steady state; RuntimeError (one line) if a unit
        has none."""
        state = self.mineral.steady_state()
        if not np.all(state["converged"]):
            raise RuntimeError("Body: the patient's Mg and Ca balance has no steady state "
                               f"(relative imbalance {np.nanmax(state['residual']):.2g})")
        return state

    def _untreated_state(self, start: Mapping[str, np.ndarray]) -> np.ndarray:
        """State rows at the untreated steady state: N_e, N_i, cumulative K intake and
        urine (zero), then the mineral rows of :data:`models.mineral.STATE`."""
        p = self.p
        mg_c = np.asarray(start["mg_i_mM"], float)
        zero = 0 * mg_c
        k_p0 = self.steady_plasma_k(mg_c)
        mineral = [start["serum_mg_mM"], mg_c, start["bone_mg_mmol"], start["serum_ca_mM"],
                   start["bone_ca_mmol"], start["calcitriol"]] + [zero] * 6
        return np.array([p.v_ecf_l * k_p0, p.v_icf_l * self.k_icf_equilibrium(k_p0, mg_c),
                         zero, zero] + [np.asarray(x, float) + zero for x in mineral])

    def _rates(self, y: np.ndarray, t: float, k_in, mg_iv) -> np.ndarray:
        """Time derivatives of the state (per day) at K intake ``k_in`` and retained Mg
        ``mg_iv`` (mmol/day)."""
        p = self.p
        k_p, mg_i = y[0] / p.v_ecf_l, y[5]
        u_k = self.urine_k(k_p, mg_i)
        shift = p.v_icf_l / p.tau_k_day * (self.k_icf_equilibrium(k_p, mg_i) - y[1] / p.v_icf_l)
        zero = np.zeros_like(k_p)
        mineral = self.mineral._rates(y[4:], t, (lambda _: mg_iv, lambda _: zero,
                                                 lambda _: zero))
        return np.concatenate([np.array([k_in - u_k - shift, shift, k_in + zero, u_k]),
                               mineral])

    def _rk4_step(self, y: np.ndarray, t: float, dt_day: float, k_in, mg_iv) -> np.ndarray:
        """One classical Runge-Kutta step of :meth:`_rates` (doses constant over the step)."""
        k1 = self._rates(y, t, k_in, mg_iv)
        k2 = self._rates(y + 0.5 * dt_day * k1, t + 0.5 * dt_day, k_in, mg_iv)
        k3 = self._rates(y + 0.5 * dt_day * k2, t + 0.5 * dt_day, k_in, mg_iv)
        k4 = self._rates(y + dt_day * k3, t + dt_day, k_in, mg_iv)
        return y + dt_day / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)

    def _outputs(self, t: np.ndarray, s: np.ndarray, k_supp, start_day: float) -> dict:
        """The recorded states (records x state x scenarios) as named arrays."""
        p, m = self.p, self.mineral.p
        k_p, mg = s[:, 0] / p.v_ecf_l, s[:, 4:]
        treated = (t >= start_day - 1e-12)[:, None]
        urine_mg = np.array([self.mineral.fluxes(*row[:6])["urine"]["urine_mg_mmol_day"]
                             for row in mg])
        return {
            "t_day": t,
            "plasma_k_mM": k_p,
            "k_icf_mM": s[:, 1] / p.v_icf_l,
            "serum_mg_mM": mg[:, 0],
            "mg_i_mM": mg[:, 1],
            "serum_ca_mM": mg[:, 3],
            "urine_k_mmol_day": self.urine_k(k_p, mg[:, 1]),
            "urine_mg_mmol_day": urine_mg,
            "k_intake_mmol_day": p.k_diet_mmol_day + np.where(treated, k_supp, 0.0),
            "k_intake_cum_mmol": s[:, 2],
            "k_urine_cum_mmol": s[:, 3],
            "k_stores_mmol": s[:, 0] + s[:, 1],
            "mg_intake_cum_mmol": mg[:, 6],
            "mg_urine_cum_mmol": mg[:, 7],
            "mg_stores_mmol": (m.v_ecf_l * mg[:, 0] + m.v_icf_l * m.beta_mg * mg[:, 1]
                               + mg[:, 2] - mg[:, 10]),
            "length_mm": self.length_mm,
        }


def scenario_doses(scenarios: Sequence[str], k_supplement, mg_supplement, mg_load=0.0):
    """Per-scenario K supplement, Mg maintenance and Mg loading dose (mmol/day).

    The doses are scalars or one value per scenario; a scenario without K
    (``untreated``, ``mg_only``) gets no K, one without Mg no Mg.
    """
    n = len(scenarios)
    with_k = np.array([s in ("k_only", "k_and_mg") for s in scenarios])
    with_mg = np.array([s in ("mg_only", "k_and_mg") for s in scenarios])

    def dose(value, given):
        return np.where(given, np.broadcast_to(np.asarray(value, float), (n,)), 0.0)
    return dose(k_supplement, with_k), dose(mg_supplement, with_mg), dose(mg_load, with_mg)


def balance_error(result: Mapping[str, np.ndarray], which: str = "k") -> float:
    """Largest relative error of intake = excretion + change in stores over the run."""
    intake = result[f"{which}_intake_cum_mmol"]
    urine = result[f"{which}_urine_cum_mmol"]
    stores = result[f"{which}_stores_mmol"]
    change = stores - stores[0]
    error = np.abs(intake - urine - change)
    return float(np.max(error / np.maximum(np.abs(intake), 1e-300)))


def _illinois(f, lo, hi, f_lo, f_hi, iterations: int, rtol: float) -> np.ndarray:
    """Roots of an increasing vectorized ``f`` bracketed by ``lo`` (f <= 0) and ``hi``
    (f >= 0), by the Illinois method (see :meth:`Body.steady_plasma_k`)."""
    lo, hi, f_lo, f_hi = (np.array(a, float) for a in (lo, hi, f_lo, f_hi))
    last = np.zeros(lo.shape, int)  # which end moved last: -1 low, +1 high
    for _ in range(iterations):
        width = hi - lo
        if np.all(width <= rtol):
            break
        span = f_hi - f_lo
        x = np.where(span > 0, lo - f_lo * width / np.where(span > 0, span, 1.0), 0.5 * (lo + hi))
        x = np.clip(x, lo, hi)
        fx = f(x)
        up = fx > 0  # the root is below x: x becomes the high end
        f_lo = np.where(up & (last == 1), 0.5 * f_lo, f_lo)  # high end moved twice
        f_hi = np.where(~up & (last == -1), 0.5 * f_hi, f_hi)  # low end moved twice
        lo, f_lo = np.where(up, lo, x), np.where(up, f_lo, fx)
        hi, f_hi = np.where(up, x, hi), np.where(up, fx, f_hi)
        last = np.where(up, 1, -1)
        hit = fx == 0
        lo, hi = np.where(hit, x, lo), np.where(hit, x, hi)
    return 0.5 * (lo + hi)

