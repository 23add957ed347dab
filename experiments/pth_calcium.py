"""``pth_calcium``: the Mg-Ca-PTH axis: PTH biphasic in Mg, and hypocalcemia that Ca alone does not fix.

Two parts, from one body model (:class:`models.mineral.MineralBody` around
:class:`models.nephron.Kidney`, the PTH axis of :mod:`models.calciotropic`):

* **The biphasic curve** (main table, one row per ``serum_mg``): serum Mg held
  at the value (a clamp or an infusion), every Mg pool in equilibrium with it,
  and the Ca balance solved: PTH secretion rises as Mg falls in mild deficiency
  (low Ca drives it), is suppressed below about 0.4 mM (Suh 1973; Rude 1978)
  and falls again in hypermagnesemia (Cholst 1984). PTH action is PTH times the
  end-organ response, which needs cell Mg (PTH resistance).
* **Refractory hypocalcemia** (side table ``pth_calcium_repletion.csv``): a
  healthy person with chronic diarrhea (``diarrhea`` L/day for
  ``deficiency_days``) reaches severe deficiency; then, with the diarrhea
  stopped, four arms (``none``, ``ca_only``, ``mg_only``, ``ca_and_mg``): Ca
  infusion ``ca_infusion`` mmol/day for ``ca_days``, IV Mg ``mg_infusion``
  mmol/day for ``mg_days``. Ca alone raises ionized Ca only while it runs;
  Mg restores PTH within hours and Ca over days as cell Mg refills.

Columns: ``serum_mg_mM``, ``ionized_mg_mM``, ``mg_i_mM``, ``ionized_ca_mM``,
``serum_ca_mM``, ``pth_pM``, ``pth_action``, ``urine_ca_mmol_day``; repletion
table: ``arm``, ``t_day``, ``serum_mg_mM``, ``mg_i_mM``, ``ionized_ca_mM``,
``pth_pM``, ``pth_action``.

References: Rude RK, Oldham SB, Sharp CF, Singer FR (1978) JCEM 47:800; Suh SM
et al. (1973) JCI 52:153; Cholst IN et al. (1984) NEJM 310:1221; Fatemi S et
al. (1991) JCEM 73:1067; Dutta & Layton 2024 iScience 27:111077.
"""
from __future__ import annotations

import numpy as np
from brian2 import mM

from models.mineral import MineralBody, MineralParameters
from models.nephron import Kidney

from .engine import progress
from .engine.framework import Experiment
from .engine.settings import concentration
from .engine.style import figure
from .hypokalemia import _number
from .mg_handling import check_steady

ARMS = ("none", "ca_only", "mg_only", "ca_and_mg")
CURVE = ("ionized_mg_mM", "mg_i_mM", "ionized_ca_mM", "serum_ca_mM", "pth_pM", "pth_action",
         "urine_ca_mmol_day")
SERIES = ("serum_mg_mM", "mg_i_mM", "ionized_ca_mM", "pth_pM", "pth_action")
#: Integration step (days) and record interval of the repletion time course.
DT_DAY, RECORD_DAY = 0.05, 0.5


class PthCalcium(Experiment):
    """PTH and ionized Ca against serum Mg; Ca vs Mg repletion in severe deficiency."""

    name = "pth_calcium"
    order = 57
    title = "Mg and PTH: a biphasic curve, and hypocalcemia that Ca alone does not correct"
    columns = ("serum_mg_mM",) + CURVE
    settings = (
        concentration("serum_mg", tuple(np.round(np.geomspace(0.15, 2.5, 15), 4)),
                      "serum total Mg, held", "0.15-2.5 mM: severe deficiency to the "
                      "hypermagnesemia of Mg sulfate therapy (Cholst 1984)",
                      quick=(0.2, 0.3, 0.45, 0.6, 0.85, 1.5, 2.5), maximum=10.0),
        _number("diarrhea", 0.8, "diarrhea that makes the deficiency (L/day of lower-GI fluid)",
                "chosen: serum Mg ~0.2 mM after 120 days [uncertain]", maximum=10.0),
        _number("deficiency_days", 120.0, "days of diarrhea before treatment",
                "chosen [uncertain]", exclusive=True, maximum=2000.0),
        _number("ca_infusion", 15.0, "IV Ca (mmol/day) of the Ca arms",
                "calcium gluconate 10 % ~10 ml (2.2 mmol) several times a day", maximum=500.0),
        _number("ca_days", 7.0, "days of Ca infusion", "a week of treatment", maximum=365.0),
        _number("mg_infusion", 50.0, "IV Mg (mmol/day) of the Mg arms",
                "Harrison's: ~50 mmol/day IV when serum Mg < 0.5 mM", maximum=500.0),
        _number("mg_days", 5.0, "days of IV Mg", "several days (Harrison's)", maximum=365.0),
        _number("days", 30.0, "days after the start of treatment", "weeks of follow-up",
                exclusive=True, maximum=365.0, quick=(14.0,)),
    )

    def build(self, n, fixed):
        state = {}

        def runner(conditions):
            serum = np.asarray(self.batch_values(conditions, fixed, ["serum_mg"])["serum_mg"]
                               / mM, float)
            progress.phase("solving the Ca balance at each serum Mg")
            body = MineralBody(Kidney({}, n=len(conditions)), MineralParameters())
            curve = body.calcium_steady_state(serum)
            check_steady(curve["converged"], conditions, "pth_calcium: the Ca balance at held Mg")
            if "repletion" not in state:
                progress.phase("integrating deficiency and repletion")
                state["repletion"] = self.repletion(fixed)
            rows = [[{k: float(curve[k][i]) for k in CURVE}] for i in range(len(conditions))]
            rows[0] += state["repletion"]
            return rows
        return runner

    @staticmethod
    def repletion(fixed) -> list[dict]:
        """The four arms' time courses after the deficiency (rows of the side table)."""
        arms = len(ARMS)
        body = MineralBody(Kidney({}, n=arms), MineralParameters())
        start = body.steady_state()
        body.diarrhea = np.full(arms, float(fixed["diarrhea"]))
        sick = body.simulate(start, fixed["deficiency_days"], dt_day=DT_DAY,
                             record_every_day=fixed["deficiency_days"])
        last = {"serum_mg_mM": sick["mg_s"][-1], "mg_i_mM": sick["mg_c"][-1],
                "bone_mg_mmol": sick["bone_mg"][-1], "serum_ca_mM": sick["ca_s"][-1],
                "bone_ca_mmol": sick["bone_ca"][-1], "calcitriol": sick["calcitriol"][-1]}
        body.diarrhea = np.zeros(arms)
        ca = np.array([0.0, 1.0, 0.0, 1.0]) * fixed["ca_infusion"]
        mg = np.array([0.0, 0.0, 1.0, 1.0]) * fixed["mg_infusion"]
        series = body.simulate(last, fixed["days"], dt_day=DT_DAY, record_every_day=RECORD_DAY,
                               iv_ca=lambda t: ca * (t < fixed["ca_days"]),
                               iv_mg=lambda t: mg * (t < fixed["mg_days"]))
        broken = [k for k in SERIES if not np.all(np.isfinite(series[k]))]
        if broken:
            raise RuntimeError(f"pth_calcium: the repletion time course of {broken[0]} is not "
                               "finite; allowed: doses and days where the body stays physical")
        return [{"_table": "repletion", "_once": True, "arm": arm, "t_day": float(t),
                 **{k: float(series[k][i, a]) for k in SERIES}}
                for a, arm in enumerate(ARMS) for i, t in enumerate(series["t_day"])]

    def plot(self, tables):
        table = tables["main"]
        fig, axes = figure(1, 3, width=3.5)
        curve, calcium, course = axes[0]
        order = np.argsort(table["serum_mg_mM"])
        mg = table["serum_mg_mM"][order]
        curve.plot(mg, table["pth_pM"][order], "o-", color="k", ms=3, label="PTH")
        curve.plot(mg, 3.85 * table["pth_action"][order], "--", color="tab:purple",
                   label="PTH action (x PTH$_0$)")
        curve.axhspan(1.5, 6.5, color="tab:green", alpha=0.08, label="normal PTH")
        curve.set(xscale="log", xlabel="serum total Mg (mM, held)", ylabel="PTH (pM)",
                  title="PTH is biphasic in Mg")
        curve.legend(fontsize=6)
        calcium.plot(mg, table["ionized_ca_mM"][order], "o-", color="tab:blue", ms=3)
        calcium.axhspan(1.15, 1.30, color="tab:green", alpha=0.08)
        calcium.set(xscale="log", xlabel="serum total Mg (mM, held)",
                    ylabel="ionized Ca (mM)", title="steady ionized Ca")
        repletion = tables.get("repletion")
        if repletion is not None and len(repletion):
            colors = dict(zip(ARMS, ("0.4", "tab:orange", "tab:blue", "tab:green")))
            for arm in ARMS:
                part = repletion.where(arm=arm)
                course.plot(part["t_day"], part["ionized_ca_mM"], color=colors[arm], label=arm)
            course.axhspan(1.15, 1.30, color="tab:green", alpha=0.08)
            course.set(xlabel="days of treatment", ylabel="ionized Ca (mM)",
                       title="severe deficiency: Ca alone vs Mg")
            course.legend(fontsize=6)
        return fig


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("pth_calcium")
