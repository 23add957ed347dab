"""``hypomagnesemia``: one cause, three consequences: brain, kidney and plasma K.

For each cause of Mg deficiency (``cause``, :data:`models.causes.CAUSES`) the
whole-body Mg and Ca balance (:func:`models.causes.mineral_body`: the cause's
nephron, gut and the PTH axis, at steady state) gives the patient's serum
total, ionized, CSF and cytoplasmic free Mg and FE_Mg; no serum Mg is
imposed. CSF Mg is regulated (Brewer et al. 2001): CSF = 0.82 mM (plasma
ionized / 0.58 mM)^k, ``csf_exponent`` k 0.15 (uncertain, 0-0.3; 1, a CSF
proportional to plasma, is outside what Brewer measured). Then, in one runner:

* the neuron: the ``excitability`` experiment's model and protocols run with
  Mg_o = CSF Mg (its runner is reused, not copied): firing rate under a
  fixed Poisson drive, EPSP and synaptic threshold;
* the kidney: the cause's collecting duct (its aldosterone, ENaC activity and
  flow, :func:`models.causes.duct_knobs`) secreting K+ at cytoplasmic Mg and
  plasma K ``k_plasma`` (:class:`models.collecting_duct.CollectingDuct`);
* the body: the steady-state plasma K at which renal excretion balances the
  diet (:class:`models.body.Body`, excretion from exact collecting-duct
  solves, aldosterone following plasma K).

So one command follows a Gitelman patient from NCC loss to FE_Mg,
hypokalemia and the neuron's firing; ``mg_intake`` moves every cause along
its own serum Mg axis.

Columns: ``cause``, ``mg_intake_mmol_day``, ``seed``, ``serum_mg_mM``,
``ionized_mg_mM``, ``csf_mg_mM``, ``mg_i_mM``, ``fe_mg_pct``, ``rate_hz``,
``epsp_mV``, ``threshold_inputs`` (and the other excitability columns),
``j_k_pmol_min_mm``, ``plasma_k_mM``. The figure plots them against serum
Mg, one point per cause, and marks the clinical thresholds: hypomagnesemia
< 0.7 mM, symptoms < 0.5 mM, hypokalemia < 3.5 mM.

References: Brewer et al. 2001 Clin Neuropharmacol 24:341; Huang & Kuo 2007
JASN 18:2649; Jahr & Stevens 1990 J Neurosci 10:3178.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import mM

from channels.enac import ENaC
from channels.kir_basolateral import Kir45
from models import calciotropic as ct
from models.causes import CAUSES, mineral_body
from models.mineral import MineralParameters
from models.nephron import clinical_fe_mg
from models.principal_cell import ApicalROMK, PrincipalCell

from .excitability import Excitability
from .engine import progress
from .engine.framework import Experiment
from .hypokalemia import (HYPOKALEMIA_MM, REFERENCE, _number, body_settings, cause_ducts,
                          cause_plasma_k, patient_settings, single_valued)
from .k_secretion import check_positive, check_tubule
from .mg_handling import check_steady
from .engine.settings import Setting, concentration
from .engine.style import SYMPTOMATIC_MM, figure, shade_mg_ranges

#: Settings taken over from ``excitability`` (all but its Mg sweep).
NEURON_SETTINGS = tuple(s for s in Excitability.settings if s.name != "mg_o")
#: The patient's own collecting duct comes from the cause.
CAUSE_DUCT = ("aldosterone", "enac_scale", "flow")
#: What the Mg balance gives each condition (columns).
MG_COLUMNS = ("serum_mg_mM", "ionized_mg_mM", "csf_mg_mM", "mg_i_mM", "fe_mg_pct")


class Hypomagnesemia(Experiment):
    """Causes of Mg deficiency mapped to brain, kidney and plasma K."""

    name = "hypomagnesemia"
    order = 70
    title = "Hypomagnesemia: from its cause to neuronal firing, renal K+ secretion and plasma K"
    stochastic = True
    default_replicates = Excitability.default_replicates
    batch_size = Excitability.batch_size
    channel_classes = (ENaC, ApicalROMK, Kir45, PrincipalCell)
    columns = ("cause", "mg_intake_mmol_day", "seed") + MG_COLUMNS + (
        "rate_hz", "threshold_inputs", "j_k_pmol_min_mm", "plasma_k_mM")
    settings = (
        Setting("cause", tuple(CAUSES), None, "cause of Mg deficiency (models.causes)",
                "models.causes.CAUSES", choices=tuple(CAUSES), column=True,
                quick=("healthy", "low_intake", "gitelman", "fhhnc")),
        _number("mg_intake", MineralParameters().mg_intake_mmol_day, "dietary Mg (mmol/day) "
                "before the cause's change", "US intake 12.5-15 mmol/day (IOM 1997)",
                maximum=200.0, column=True, column_unit="mmol_day"),
        _number("csf_exponent", ct.DEFAULT.csf_exponent, "k of CSF Mg = 0.82 mM (plasma "
                "ionized / 0.58 mM)^k", "CSF Mg is regulated: IV Mg raised it 6.6 % at +53 % "
                "plasma (Brewer et al. 2001) [uncertain, 0-0.3]", maximum=0.3),
        concentration("k_plasma", (4.0,), "plasma K at which K+ secretion is reported",
                      "normal serum K 3.5-5.0 mM (docs/reference.md section 5)", column=False),
    ) + NEURON_SETTINGS + tuple(s for s in body_settings()
                                if s.name not in ("table_points", "mg_intake")) + tuple(
        s for s in patient_settings(REFERENCE, "replaced by the cause's")
        if s.name not in CAUSE_DUCT)

    def validate(self, values):
        check_positive(values, ("k_plasma", "k_lumen"))
        check_tubule(values)
        Excitability.validate(self, values)
        neuron = {s.name for s in NEURON_SETTINGS}
        single_valued(values, [n for n in type(self).all_settings()
                               if n not in neuron and n not in ("cause", "mg_intake",
                                                                "replicates")],
                      self.name, "cause, mg_intake or a neuron setting")

    def build(self, n, fixed):
        neuron = Excitability().build(n, fixed)

        def runner(conditions):
            batch = self.batch_values(conditions, fixed, ["cause", "mg_intake"])
            progress.phase("solving each cause's Mg and Ca balance")
            mg = self.mg_state(batch, conditions, fixed)
            neuron_rows = neuron([{**c, "mg_o": x * mM} for c, x in
                                  zip(conditions, mg["csf_mg_mM"])])
            progress.phase("solving the collecting ducts")
            duct, layer = cause_ducts(self, fixed, batch["cause"])
            j_k = duct.solve(float(fixed["k_plasma"] / mM), mg["mg_i_mM"],
                             variant=layer)["j_k_pmol_min_mm"]
            plasma_k = cause_plasma_k(duct, layer, mg["mg_i_mM"])
            return [[{**{c: float(mg[c][k]) for c in MG_COLUMNS}, **neuron_rows[k][0],
                      "j_k_pmol_min_mm": float(j_k[k]), "plasma_k_mM": float(plasma_k[k])}]
                    for k in range(len(conditions))]
        return runner

    @staticmethod
    def mg_state(batch, conditions, fixed) -> dict:
        """The Mg balance of each condition (solved once per distinct cause and intake)."""
        keys = list(zip(batch["cause"], np.asarray(batch["mg_intake"], float)))
        unique = list(dict.fromkeys(keys))
        params = MineralParameters(cell_exponent=fixed["cell_exponent"],
                                   mg_intake_mmol_day=np.array([u[1] for u in unique]))
        body = mineral_body([u[0] for u in unique], params)
        body.ct = dataclasses.replace(body.ct, csf_exponent=fixed["csf_exponent"])
        state = body.steady_state()
        check_steady(state["converged"], [{"cause": c, "mg_intake": i} for c, i in unique],
                     "hypomagnesemia: the Mg and Ca balance")
        state["fe_mg_pct"] = clinical_fe_mg(state["urine_mg_mmol_day"], state["serum_mg_mM"])
        index = np.array([unique.index(k) for k in keys])
        return {c: np.asarray(state[c], float)[index] for c in MG_COLUMNS}

    def plot(self, tables):
        table = tables["main"]
        fig, axes = figure(1, 3, width=3.6)
        panels = (("rate_hz", "firing rate (Hz)", "neuron (Mg$_o$ = CSF Mg)"),
                  ("j_k_pmol_min_mm", "K$^+$ secretion (pmol/min/mm)",
                   "principal cell (Mg$_i$), plasma K 4 mM"),
                  ("plasma_k_mM", "steady-state plasma K$^+$ (mM)", "body K balance"))
        groups = sorted(set(zip(table["cause"], table["mg_intake_mmol_day"])))
        for index, (ax, (column, label, title)) in enumerate(zip(axes[0], panels)):
            shade_mg_ranges(ax, label=index == 0)
            ax.axvline(SYMPTOMATIC_MM, color="tab:red", lw=0.8, ls=":",
                       label="symptoms (< 0.5 mM)" if index == 0 else None)
            for cause, intake in groups:
                part = table.where(cause=cause, mg_intake_mmol_day=intake)
                values = np.asarray(part[column], float)
                error = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else 0.0
                serum = float(part["serum_mg_mM"][0])
                ax.errorbar(serum, values.mean(), yerr=error, marker="o", ms=3, capsize=2,
                            color="k")
                name = cause if len({g[1] for g in groups}) == 1 else f"{cause} {intake:g}"
                ax.annotate(name, (serum, values.mean()), fontsize=6, xytext=(3, 2),
                            textcoords="offset points")
            ax.set(xlabel="serum total Mg (mM)", ylabel=label, title=title)
        axes[0][2].axhline(HYPOKALEMIA_MM, color="tab:red", lw=0.8, ls="--",
                           label="hypokalemia (< 3.5 mM)")
        axes[0][2].legend(loc="center right", fontsize=6)
        axes[0][0].legend(loc="best", fontsize=6)
        return fig


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("hypomagnesemia")
