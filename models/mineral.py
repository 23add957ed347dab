"""Whole-body Mg and Ca over days: ECF, cells, bone, gut, kidney and the PTH axis.

State per condition (t in days): serum total Mg :math:`Mg_s` and Ca
:math:`Ca_s` (mM, in the extracellular volume :math:`V_e`), cytoplasmic free
Mg :math:`Mg_c` (mM; the cells' total Mg is :math:`\\beta_{Mg}` times it per
litre of cell water :math:`V_c`), the exchangeable bone Mg surface pool
:math:`N_{Mg}` and fast bone Ca pool :math:`N_{Ca}` (mmol), and the
calcitriol-like factor :math:`D`; cumulative intake, urine and deep-bone
amounts ride along so that the balances can be checked.

Notes
-----
.. math::

    V_e \\frac{dMg_s}{dt} = G_{Mg} + S_{Mg}(t) - U_{Mg} - V_c \\beta_{Mg}
        \\frac{dMg_c}{dt} + B_{Mg}, \\qquad
    \\frac{dMg_c}{dt} = \\frac{Mg_c^{eq}(Mg_s) - Mg_c}{\\tau_{Mg}}

    V_e \\frac{dCa_s}{dt} = G_{Ca}(D) + S_{Ca}(t) - U_{Ca} + B_{Ca}, \\qquad
    \\frac{dD}{dt} = \\frac{D^*(A) - D}{\\tau_D}

:math:`Mg_c^{eq} = 0.5\\,\\mathrm{mM}\\,(Mg_s/0.85\\,\\mathrm{mM})^{\\gamma}`
(``cell_exponent``, uncertain: red-cell free Mg fell 21 % as serum Mg fell
24 % in Fatemi et al. 1991, giving 0.87; 0.3-1 across studies). The gut
(:func:`models.calciotropic.gut_mg`, :func:`~models.calciotropic.gut_ca`),
bone (:func:`models.bone.bone_mg`, :func:`models.bone.bone_ca`,
with their pools' own rates), PTH :math:`= PTH(Ca^{2+}, Mg^{2+})` (quasi-steady:
its half-life is minutes) and its action :math:`A = (PTH/PTH_0)\\,r(Mg_c)` are
those of :mod:`models.calciotropic`; ionized and ultrafiltrable
concentrations come from its serum speciation at the condition's pH. The
kidney (:class:`models.nephron.Kidney`) gives the urine Mg and Ca at the
ultrafiltrable and ionized plasma concentrations and the PTH action.
:math:`S(t)` are intravenous doses; an oral Mg dose adds to the diet and
goes through the saturable gut.

At a steady state every pool is at equilibrium and the balances reduce to
two equations, solved by batched Newton (:meth:`MineralBody.steady_state`):

.. math::

    G_{Mg} + R_{Mg}(A) = U_{Mg}, \\qquad G_{Ca}(D^*(A)) + R_{Ca}(A) = U_{Ca}

where :math:`R` is the net release of remodeled deep bone (0 at normal PTH
action). Time courses are integrated by classical RK4 (linear invariants are
kept, so the balances close to rounding error).

References
----------
Fatemi S, Ryzen E, Flores J, Endres DB, Rude RK (1991) Effect of experimental
human magnesium depletion on parathyroid hormone secretion and
1,25-dihydroxyvitamin D metabolism. J Clin Endocrinol Metab 73:1067-1072.
Elin RJ (1987) Assessment of magnesium status. Clin Chem 33:1965-1970.
Agus ZS (1999) Hypomagnesemia. J Am Soc Nephrol 10:1616-1622.
Peterson MC, Riggs MM (2010) A physiologically based mathematical model of
integrated calcium homeostasis and bone remodeling. Bone 46:49-63.
Dutta P, Layton AT (2024) Modeling calcium and magnesium balance: regulation
by calciotropic hormones. iScience 27:111077.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Mapping

import numpy as np

from . import bone as bones
from . import calciotropic as ct
from . import register, steady_state

#: Names of the state rows of :meth:`MineralBody.simulate`.
STATE = ("mg_s", "mg_c", "bone_mg", "ca_s", "bone_ca", "calcitriol",
         "mg_in", "mg_out", "ca_in", "ca_out", "deep_mg", "deep_ca")


@dataclasses.dataclass(frozen=True)
class MineralParameters:
    """Body-level parameters of the Mg and Ca balance (floats or per-condition arrays).

    Attributes (units in the names): ``v_ecf_l`` extracellular volume (14 L,
    20 % of 70 kg); ``v_icf_l`` cell water (28 L); ``beta_mg`` cell total /
    free Mg (cell total ~10 mM, free 0.5 mM: 20 [uncertain]); ``tau_mg_day``
    lag of cell behind serum Mg (3 days; cell stores refill days after serum,
    Agus 1999 [uncertain]); ``cell_exponent`` (0.5, range 0.3-1 [uncertain]);
    ``mg_intake_mmol_day`` diet (12 mmol/day, 300 mg; notes 2.1);
    ``ca_intake_mmol_day`` (25 mmol/day); ``ph`` plasma pH; ``albumin_g_l``.
    """

    v_ecf_l: float = 14.0
    v_icf_l: float = 28.0
    beta_mg: float = 20.0
    tau_mg_day: float = 3.0
    cell_exponent: float = 0.5
    mg_intake_mmol_day: float = 12.0
    ca_intake_mmol_day: float = 25.0
    ph: float = 7.40
    albumin_g_l: float = 40.0


@register
class MineralBody:
    """Mg and Ca balance of many conditions at once (numpy), around a :class:`~models.nephron.Kidney`.

    Parameters
    ----------
    kidney : callable
        ``kidney(mg_uf_mM, mg_ion_mM, ca_uf_mM, ca_ion_mM, pth_action)`` ->
        mapping with ``urine_mg_mmol_day`` and ``urine_ca_mmol_day`` (arrays
        of the conditions); None to describe the model only.
    params : MineralParameters
    physiology : models.calciotropic.CalciotropicParameters
    diarrhea_l_day, mg_intake_scale : float or array
        The conditions' diarrhea and relative dietary Mg (the causes).
    """

    def __init__(self, kidney: Callable[..., Mapping] | None = None,
                 params: MineralParameters = MineralParameters(),
                 physiology: ct.CalciotropicParameters = ct.DEFAULT,
                 diarrhea_l_day=0.0, mg_intake_scale=1.0):
        self.kidney, self.p, self.ct = kidney, params, physiology
        self.diarrhea, self.intake_scale = diarrhea_l_day, mg_intake_scale

    @staticmethod
    def equations() -> str:
        """The balance equations, as text (module docstring)."""
        return __doc__.split("Notes")[1].split("References")[0]

    # -- algebra of one state ---------------------------------------------------------------
    def mg_cell_equilibrium(self, mg_s):
        """Cytoplasmic free Mg (mM) in equilibrium with serum total Mg ``mg_s`` (mM)."""
        return self.ct.mg_cell_normal_mM * (np.asarray(mg_s, float)
                                            / self.ct.mg_serum_normal_mM) ** self.p.cell_exponent

    def plasma(self, mg_s, ca_s, mg_c) -> dict:
        """Speciated plasma, PTH and its action at serum totals and cell Mg (mM)."""
        mg = ct.speciation(mg_s, "mg", self.p.ph, self.p.albumin_g_l, self.ct)
        ca = ct.speciation(ca_s, "ca", self.p.ph, self.p.albumin_g_l, self.ct)
        hormone = ct.pth(ca["ionized_mM"], mg["ionized_mM"], self.ct)
        action = ct.pth_action(hormone["pth_pM"], mg_c, self.ct)
        return {"mg": mg, "ca": ca, "pth_pM": hormone["pth_pM"], "action": action}

    def fluxes(self, mg_s, ca_s, mg_c, bone_mg, bone_ca, calcitriol,
               oral_mg=0.0) -> dict:
        """Every flux (mmol/day) at a state; ``oral_mg`` adds to the diet."""
        state = self.plasma(mg_s, ca_s, mg_c)
        mg, ca, action = state["mg"], state["ca"], state["action"]
        gut_mg = ct.gut_mg(self.p.mg_intake_mmol_day * self.intake_scale + oral_mg,
                           self.diarrhea, self.ct)
        gut_ca = ct.gut_ca(self.p.ca_intake_mmol_day, calcitriol, self.ct)
        bone_m = bones.bone_mg(mg["ionized_mM"], bone_mg, action, self.ct)
        bone_c = bones.bone_ca(ca["ionized_mM"], bone_ca, action, self.ct)
        urine = self.kidney(mg["ultrafiltrable_mM"], mg["ionized_mM"], ca["ultrafiltrable_mM"],
                            ca["ionized_mM"], action)
        return {**state, "gut_mg": gut_mg, "gut_ca": gut_ca, "bone_mg": bone_m,
                "bone_ca": bone_c, "urine": urine}

    # -- steady state -----------------------------------------------------------------------
    def steady_state(self, start=None) -> dict:
        """Serum Mg and Ca (mM) at which intake balances losses, every pool at equilibrium.

        Batched Newton on :math:`\\ln Mg_s, \\ln Ca_s`; residuals relative to the
        fluxes they balance. Returns the state's :meth:`report` plus
        ``residual`` and ``converged`` (relative imbalance <= 1e-9).
        """
        n = self._size()
        x0 = np.log(np.array([np.full(n, self.ct.mg_serum_normal_mM),
                              np.full(n, float(np.mean(ct.normal_state(self.ct)["ca_serum_mM"])))])
                    ) if start is None else np.log(start)

        def residual(x):
            return self._steady_residual(np.exp(x[0]), np.exp(x[1]))
        solution = steady_state.solve(residual, x0, np.array([1e-7, 1e-7]), tolerance=1e-12)
        mg_s, ca_s = np.exp(solution.x)
        out = self.report(*self._equilibrium(mg_s, ca_s))
        out["residual"] = solution.residual
        out["converged"] = np.isfinite(solution.residual) & (solution.residual <= 1e-9)
        return out

    def calcium_steady_state(self, mg_s) -> dict:
        """The steady state with serum Mg held at ``mg_s`` (mM; an infusion or a clamp):
        the Ca balance alone, by bisection on ln Ca_s in 0.05-10 mM (its residual
        falls with Ca), the Mg pools in equilibrium; ``converged`` where a root was
        bracketed and the relative imbalance is <= 1e-9."""
        mg_s = np.broadcast_to(np.asarray(mg_s, float), (self._size(),))
        low, high = np.full(mg_s.size, np.log(0.05)), np.full(mg_s.size, np.log(10.0))
        bracketed = ((self._steady_residual(mg_s, np.exp(low))[1] > 0)
                     & (self._steady_residual(mg_s, np.exp(high))[1] < 0))
        for _ in range(60):
            mid = 0.5 * (low + high)
            above = self._steady_residual(mg_s, np.exp(mid))[1] > 0
            low, high = np.where(above, mid, low), np.where(above, high, mid)
        ca_s = np.exp(0.5 * (low + high))
        out = self.report(*self._equilibrium(mg_s, ca_s))
        imbalance = np.abs(self._steady_residual(mg_s, ca_s)[1])
        out["converged"] = bracketed & (imbalance <= 1e-9)
        return out

    def _equilibrium(self, mg_s, ca_s):
        """The pools in equilibrium with serum Mg and Ca (the steady state's other states)."""
        mg_c = self.mg_cell_equilibrium(mg_s)
        state = self.plasma(mg_s, ca_s, mg_c)
        calcitriol = ct.calcitriol_target(state["action"], self.ct)
        bone_mg = (self.ct.bone_mg_surface_pool_mmol * state["mg"]["ionized_mM"]
                   / ct.normal_mg_ionized(self.ct))
        release = bones.bone_ca(state["ca"]["ionized_mM"], 1.0, state["action"], self.ct)
        bone_ca = release["deposit_mmol_day"] / release["release_mmol_day"]
        return mg_s, ca_s, mg_c, bone_mg, bone_ca, calcitriol

    def _steady_residual(self, mg_s, ca_s):
        f = self.fluxes(*self._equilibrium(mg_s, ca_s))
        mg_in = f["gut_mg"]["net_mmol_day"] + f["bone_mg"]["net_to_ecf_mmol_day"]
        ca_in = f["gut_ca"]["net_mmol_day"] + f["bone_ca"]["net_to_ecf_mmol_day"]
        u_mg, u_ca = f["urine"]["urine_mg_mmol_day"], f["urine"]["urine_ca_mmol_day"]
        return np.array([(mg_in - u_mg) / (np.abs(mg_in) + np.abs(u_mg) + 1e-3),
                         (ca_in - u_ca) / (np.abs(ca_in) + np.abs(u_ca) + 1e-3)])

    def report(self, mg_s, ca_s, mg_c, bone_mg, bone_ca, calcitriol, oral_mg=0.0) -> dict:
        """The named outputs of a state (serum, ionized, CSF, cell Mg; Ca; PTH; fluxes)."""
        f = self.fluxes(mg_s, ca_s, mg_c, bone_mg, bone_ca, calcitriol, oral_mg)
        mg, ca = f["mg"], f["ca"]
        return {"serum_mg_mM": np.asarray(mg_s, float), "ionized_mg_mM": mg["ionized_mM"],
                "ultrafiltrable_mg_mM": mg["ultrafiltrable_mM"],
                "csf_mg_mM": ct.csf_mg_target(mg["ionized_mM"], self.ct),
                "mg_i_mM": np.asarray(mg_c, float), "serum_ca_mM": np.asarray(ca_s, float),
                "ionized_ca_mM": ca["ionized_mM"], "ultrafiltrable_ca_mM": ca["ultrafiltrable_mM"],
                "pth_pM": f["pth_pM"],
                "pth_action": f["action"], "calcitriol": np.asarray(calcitriol, float),
                "bone_mg_mmol": np.asarray(bone_mg, float),
                "bone_ca_mmol": np.asarray(bone_ca, float),
                "gut_mg_net_mmol_day": f["gut_mg"]["net_mmol_day"],
                "gut_ca_net_mmol_day": f["gut_ca"]["net_mmol_day"],
                **{k: v for k, v in f["urine"].items()}}

    def select(self, index) -> "MineralBody":
        """The body whose unit ``k`` is this body's condition ``index[k]`` (kidney tables
        taken, not recomputed; per-condition parameters taken likewise)."""
        index = np.asarray(index, int).ravel()
        size = self._size()

        def take(x):
            return np.take(x, index) if size > 1 and np.size(x) == size else x

        def taken(record):
            return dataclasses.replace(record, **{f.name: take(getattr(record, f.name))
                                                  for f in dataclasses.fields(record)})
        return MineralBody(self.kidney.select(index), taken(self.p), taken(self.ct),
                           diarrhea_l_day=take(self.diarrhea),
                           mg_intake_scale=take(self.intake_scale))

    def _size(self) -> int:
        sizes = [np.size(v) for v in dataclasses.astuple(self.p)]
        sizes += [np.size(self.diarrhea), np.size(self.intake_scale)]
        sizes += [np.size(getattr(self.ct, f.name)) for f in dataclasses.fields(self.ct)]
        return int(max(sizes + [getattr(self.kidney, "size", 1)]))

    # -- time course ------------------------------------------------------------------------
    def simulate(self, start: Mapping[str, np.ndarray], days: float, dt_day: float = 0.02,
                 record_every_day: float = 0.25,
                 iv_mg: Callable[[float], np.ndarray] | None = None,
                 oral_mg: Callable[[float], np.ndarray] | None = None,
                 iv_ca: Callable[[float], np.ndarray] | None = None) -> dict:
        """Integrate from ``start`` (a :meth:`steady_state` result) for ``days``.

        ``iv_mg``, ``oral_mg``, ``iv_ca``: functions of time (days) giving the
        doses (mmol/day) of every condition. Returns ``t_day`` and, per
        :data:`STATE` row and per :meth:`report` output, arrays (records x
        conditions), plus ``mg_stores_mmol``/``ca_stores_mmol`` for the
        balance checks (:func:`balance_error`).
        """
        zero = np.zeros(self._size())
        doses = [f or (lambda t: zero) for f in (iv_mg, oral_mg, iv_ca)]
        y = np.array([start["serum_mg_mM"], start["mg_i_mM"], start["bone_mg_mmol"],
                      start["serum_ca_mM"], start["bone_ca_mmol"], start["calcitriol"]]
                     + [zero] * 6, float) + zero
        steps, every = int(round(days / dt_day)), max(1, int(round(record_every_day / dt_day)))
        records = [(0.0, y.copy())]
        for step in range(steps):
            t = step * dt_day
            y = self._rk4(y, t, dt_day, doses)
            if (step + 1) % every == 0:
                records.append(((step + 1) * dt_day, y.copy()))
        return self._series(records, doses)

    def _rates(self, y, t, doses) -> np.ndarray:
        p, c = self.p, self.ct
        iv_mg, oral, iv_ca = (np.asarray(d(t), float) + 0 * y[0] for d in doses)
        f = self.fluxes(y[0], y[3], y[1], y[2], y[4], y[5], oral)
        dmg_c = (self.mg_cell_equilibrium(y[0]) - y[1]) / p.tau_mg_day
        mg_in = f["gut_mg"]["net_mmol_day"] + iv_mg
        ca_in = f["gut_ca"]["net_mmol_day"] + iv_ca
        u_mg, u_ca = f["urine"]["urine_mg_mmol_day"], f["urine"]["urine_ca_mmol_day"]
        remodel_mg = f["bone_mg"]["remodeling_mmol_day"]
        remodel_ca = f["bone_ca"]["resorption_mmol_day"] - f["bone_ca"]["accretion_mmol_day"]
        dmg_s = (mg_in - u_mg - p.v_icf_l * p.beta_mg * dmg_c
                 + f["bone_mg"]["net_to_ecf_mmol_day"]) / p.v_ecf_l
        dca_s = (ca_in - u_ca + f["bone_ca"]["net_to_ecf_mmol_day"]) / p.v_ecf_l
        dd = (ct.calcitriol_target(f["action"], c) - y[5]) / c.tau_calcitriol_day
        return np.array([dmg_s, dmg_c, f["bone_mg"]["dpool_mmol_day"], dca_s,
                         f["bone_ca"]["dpool_mmol_day"], dd, mg_in, u_mg, ca_in, u_ca,
                         remodel_mg, remodel_ca])

    def _rk4(self, y, t, h, doses):
        k1 = self._rates(y, t, doses)
        k2 = self._rates(y + 0.5 * h * k1, t + 0.5 * h, doses)
        k3 = self._rates(y + 0.5 * h * k2, t + 0.5 * h, doses)
        k4 = self._rates(y + h * k3, t + h, doses)
        return y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)

    def _series(self, records, doses) -> dict:
        t = np.array([r[0] for r in records])
        s = np.array([r[1] for r in records])
        out = {"t_day": t, **{name: s[:, k] for k, name in enumerate(STATE)}}
        reports = [self.report(r[1][0], r[1][3], r[1][1], r[1][2], r[1][4], r[1][5],
                               np.asarray(doses[1](r[0]), float)) for r in records]
        for key in reports[0]:
            out[key] = np.array([np.broadcast_to(r[key], s.shape[2:]) for r in reports])
        p = self.p
        out["mg_stores_mmol"] = (p.v_ecf_l * s[:, 0] + p.v_icf_l * p.beta_mg * s[:, 1] + s[:, 2]
                                 - s[:, 10])
        out["ca_stores_mmol"] = p.v_ecf_l * s[:, 3] + s[:, 4] - s[:, 11]
        return out


def balance_error(series: Mapping[str, np.ndarray], ion: str) -> float:
    """Largest relative error of intake - urine = change in stores over a time course."""
    intake, urine = series[f"{ion}_in"], series[f"{ion}_out"]
    change = series[f"{ion}_stores_mmol"] - series[f"{ion}_stores_mmol"][0]
    error = np.abs(intake - urine - change)
    return float(np.max(error / np.maximum(np.abs(intake) + np.abs(urine), 1e-300)))
