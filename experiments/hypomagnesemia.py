"""``hypomagnesemia``: one serum Mg, three consequences: brain, kidney and plasma K.

For each serum total Mg (``serum_mg``, 0.2-1.2 mM) the documented mapping
:func:`models.body.mg_compartments` gives the Mg2+ each tissue sees:
interstitial/CSF ionized Mg (0.82 mM at a normal serum 0.85 mM; Brewer et
al. 2001), plasma ionized Mg (0.58 mM) and cytoplasmic free Mg (0.5 mM),
each scaling with serum Mg to the power ``csf_exponent`` (1 by default) and
``cell_exponent`` (0.5; both uncertain). Then, in one runner:

* the neuron: the ``excitability`` experiment's model and protocols run with
  Mg_o = CSF Mg (its runner is reused, not copied): firing rate under a
  fixed Poisson drive, EPSP and synaptic threshold;
* the kidney: the collecting duct's steady-state K+ secretion at cytoplasmic
  Mg and plasma K ``k_plasma`` (:class:`models.collecting_duct.CollectingDuct`,
  a person without a diuretic: the ``k_secretion`` baseline);
* the body: the steady-state plasma K at which renal excretion balances the
  diet (:class:`models.body.Body`, excretion from exact collecting-duct
  solves, aldosterone following plasma K).

Columns: ``serum_mg_mM``, ``seed``, ``csf_mg_mM``, ``plasma_ionized_mg_mM``,
``mg_i_mM``, ``rate_hz``, ``epsp_mV``, ``threshold_inputs`` (and the other
excitability columns), ``j_k_pmol_min_mm``, ``plasma_k_mM``. The figure
marks the clinical thresholds: hypomagnesemia < 0.7 mM, symptoms < 0.5 mM,
hypokalemia < 3.5 mM.

References: Brewer et al. 2001 Clin Neuropharmacol 24:341; Huang & Kuo 2007
JASN 18:2649; Jahr & Stevens 1990 J Neurosci 10:3178.
"""
from __future__ import annotations

import numpy as np
from brian2 import mM

from channels.enac import ENaC
from channels.kir_basolateral import Kir45
from models.body import Body, mg_compartments
from models.principal_cell import ApicalROMK, PrincipalCell

from .excitability import Excitability
from .engine.framework import Experiment
from .hypokalemia import (HYPOKALEMIA_MM, REFERENCE, body_parameters, body_settings,
                          PatientKidney, patient_settings, single_valued)
from .k_secretion import check_positive, check_tubule
from .engine.settings import Setting, concentration
from .engine.style import SYMPTOMATIC_MM, figure, marked, mean_sem, shade_mg_ranges

#: Settings taken over from ``excitability`` (all but its Mg sweep).
NEURON_SETTINGS = tuple(s for s in Excitability.settings if s.name != "mg_o")


class Hypomagnesemia(Experiment):
    """Serum Mg mapped to brain, kidney and plasma K: firing, K+ secretion, plasma K."""

    name = "hypomagnesemia"
    order = 70
    title = "Hypomagnesemia: neuronal firing, renal K+ secretion and plasma K against serum Mg"
    stochastic = True
    default_replicates = Excitability.default_replicates
    batch_size = Excitability.batch_size
    channel_classes = (ENaC, ApicalROMK, Kir45, PrincipalCell)
    columns = ("serum_mg_mM", "seed", "csf_mg_mM", "plasma_ionized_mg_mM", "mg_i_mM", "rate_hz",
               "threshold_inputs", "j_k_pmol_min_mm", "plasma_k_mM")
    settings = (
        concentration("serum_mg", tuple(np.round(np.linspace(0.2, 1.2, 11), 6)),
                      "serum total Mg", "0.2-1.2 mM: severe hypomagnesemia to mild "
                      "hypermagnesemia (normal 0.70-1.10, docs/reference.md section 2)",
                      quick=(0.2, 0.45, 0.7, 0.95, 1.2), maximum=10.0),
        Setting("csf_exponent", (1.0,), None, "CSF/interstitial Mg ~ serum Mg^gamma",
                "proportional by default; CSF Mg is regulated (Brewer et al. 2001), so < 1 is "
                "plausible [uncertain]", minimum=0.0, maximum=5.0),
        concentration("k_plasma", (4.0,), "plasma K at which K+ secretion is reported",
                      "normal serum K 3.5-5.0 mM (docs/reference.md section 5)", column=False),
    ) + NEURON_SETTINGS + tuple(s for s in body_settings() if s.name != "table_points") + \
        patient_settings(
        REFERENCE, "a person without a diuretic: the k_secretion baseline")

    def validate(self, values):
        check_positive(values, ("serum_mg", "k_plasma", "k_lumen"))
        check_tubule(values)
        Excitability.validate(self, values)
        neuron = {s.name for s in NEURON_SETTINGS}
        single_valued(values, [n for n in type(self).all_settings()
                               if n not in neuron and n not in ("serum_mg", "replicates")],
                      self.name, "serum_mg or a neuron setting")

    def build(self, n, fixed):
        neuron = Excitability().build(n, fixed)
        body_params = body_parameters(fixed)
        state = {}

        def runner(conditions):
            serum = np.asarray(self.batch_values(conditions, fixed, ["serum_mg"])["serum_mg"] / mM)
            mg = mg_compartments(serum, csf_exponent=fixed["csf_exponent"],
                                 cell_exponent=fixed["cell_exponent"])
            neuron_rows = neuron([{**c, "mg_o": float(x) * mM}
                                  for c, x in zip(conditions, mg["csf_mM"])])
            if "kidney" not in state:
                state["kidney"] = PatientKidney(self, fixed)
                state["reference"] = float(state["kidney"].reference_j()[0])
            kidney = state["kidney"].solve(float(fixed["k_plasma"] / mM), mg["intracellular_mM"])
            body = Body(state["kidney"], body_params, state["reference"])
            plasma_k = body.steady_plasma_k(mg["intracellular_mM"])
            out = []
            for k in range(len(conditions)):
                row = {"csf_mg_mM": float(mg["csf_mM"][k]),
                       "plasma_ionized_mg_mM": float(mg["plasma_ionized_mM"][k]),
                       "mg_i_mM": float(mg["intracellular_mM"][k]),
                       **neuron_rows[k][0],
                       "j_k_pmol_min_mm": float(kidney["j_k_pmol_min_mm"][k]),
                       "v_apical_mV": float(kidney["v_apical_mV"][k]),
                       "plasma_k_mM": float(plasma_k[k])}
                out.append([row])
            return out
        return runner

    def plot(self, tables):
        table = tables["main"]
        fig, axes = figure(1, 3, width=3.6)
        serum_of = table["serum_mg_mM"]
        serum = mean_sem(serum_of, serum_of)[0]  # sorted distinct values, in one pass

        def stats(column):
            _, mean, err = mean_sem(serum_of, table[column])
            return mean, err

        panels = (("rate_hz", "firing rate (Hz)", "neuron (Mg$_o$ = CSF Mg)"),
                  ("j_k_pmol_min_mm", "K$^+$ secretion (pmol/min/mm)",
                   "principal cell (Mg$_i$), plasma K 4 mM"),
                  ("plasma_k_mM", "steady-state plasma K$^+$ (mM)", "body K balance"))
        for index, (ax, (column, label, title)) in enumerate(zip(axes[0], panels)):
            shade_mg_ranges(ax, label=index == 0)
            ax.axvline(SYMPTOMATIC_MM, color="tab:red", lw=0.8, ls=":",
                       label="symptoms (< 0.5 mM)" if index == 0 else None)
            mean, err = stats(column)
            ax.errorbar(serum, mean, yerr=err, marker=marked(len(serum)), ms=3,
                        capsize=2 if marked(len(serum)) else 0, color="k")
            ax.set(xlabel="serum total Mg (mM)", ylabel=label, title=title,
                   xlim=(min(serum.min(), 0.15), max(serum.max(), 1.25)))
        axes[0][2].axhline(HYPOKALEMIA_MM, color="tab:red", lw=0.8, ls="--",
                           label="hypokalemia (< 3.5 mM)")
        axes[0][2].legend(loc="lower right")
        axes[0][0].legend(loc="center right")
        for ax, column, name in ((axes[0][0], "csf_mg_mM", "CSF Mg (mM)"),
                                 (axes[0][1], "mg_i_mM", "cytoplasmic Mg (mM)")):
            scale = mg_scale(table, column)
            if scale is not None:
                top = ax.secondary_xaxis("top", functions=(lambda s, f=scale: s * f,
                                                           lambda c, f=scale: c / f))
                top.set_xlabel(name, fontsize=7)
        return fig


def mg_scale(table, column) -> float | None:
    """Constant ratio of a compartment's Mg to serum Mg, or None if the mapping is not linear."""
    ratio = table[column] / table["serum_mg_mM"]
    if not len(ratio) or np.ptp(ratio) > 1e-6 * np.median(ratio):
        return None
    return float(np.median(ratio))


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("hypomagnesemia")
