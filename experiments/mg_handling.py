"""``mg_handling``: where the Mg goes: each cause of deficiency at its steady state.

For every cause (:mod:`models.causes`: healthy, low intake, diarrhea, PPI,
Gitelman, EAST, FHHNC, Bartter, thiazide, loop diuretic, cisplatin) the
whole-body Mg and Ca balance (:class:`models.mineral.MineralBody`) is solved
at its steady state around the nephron (:class:`models.nephron.Kidney`: PT
solvent drag, TAL paracellular electrodiffusion driven by NKCC2/ROMK and the
claudin-16/19 pore under CaSR control, the DCT's TRPM6 driven by the apical
potential that Kv1.1, Kir4.1/5.1, NCC and the pump set), with the gut,
bone, serum speciation and the PTH axis of :mod:`models.calciotropic`. All
conditions (causes x pH x GFR x intake x uncertain exponents) are one
batched solve. The plasma K each cause leaves is the steady state of the
collecting-duct K model (:class:`models.collecting_duct.CollectingDuct`,
aldosterone following plasma K) at the cause's cytoplasmic Mg and distal
delivery (its ``aldosterone``, ``enac_scale``, ``flow``).

Columns: ``cause``, ``ph``, ``gfr_l_day``, ``mg_intake_mmol_day``,
``cell_exponent``, ``serum_mg_mM``, ``ionized_mg_mM``, ``csf_mg_mM``,
``mg_i_mM``, ``fe_mg_pct`` (as clinicians compute it), ``urine_mg_mmol_day``,
``urine_ca_mmol_day``, ``ionized_ca_mM``, ``pth_pM``, ``plasma_k_mM``,
``frac_pt``, ``frac_tal``, ``frac_dct`` (of the filtered Mg), ``frac_cd``,
``tal_v_te_mV``, ``imposed`` (the knobs of the cause that are measured
adaptations, not mechanisms). A condition without a steady state (the batched
Newton's relative imbalance above 1e-9) stops the run with one line naming it
(exit 1), no row written. The figure is the clinician's:
serum Mg against FE_Mg with the 2 % and 4 % lines, each cause a point.

References: Dutta & Layton 2024 R Soc Open Sci 11:231484 and iScience
27:111077; Quamme 1997 Kidney Int 52:1180; Agus 1999 JASN 10:1616; Assadi
2010 (FE_Mg cut-offs); Nijenhuis et al. 2005 JCI 115:1651.
"""
from __future__ import annotations


import numpy as np

from channels.enac import ENaC
from channels.kir_basolateral import Kir45
from models.causes import CAUSES, DUCT_KNOBS, mineral_body
from models.mineral import MineralParameters
from models.nephron import clinical_fe_mg
from models.principal_cell import ApicalROMK, PrincipalCell

from .engine import progress
from .engine.framework import Experiment
from .engine.settings import Setting
from .engine.style import figure
from .hypokalemia import (REFERENCE, _number, body_settings, cause_ducts, cause_plasma_k,
                          patient_settings)
from .k_secretion import check_tubule
from .validation.report import check, holds, value_at, within

#: FE_Mg cut-offs of hypomagnesemia (%): below 2 extrarenal, above 4 renal (docs/reference.md).
FE_EXTRARENAL, FE_RENAL = 2.0, 4.0
#: The collecting-duct knobs a cause sets (not settings of this experiment).
OUTPUTS = ("serum_mg_mM", "ionized_mg_mM", "csf_mg_mM", "mg_i_mM", "fe_mg_pct",
           "urine_mg_mmol_day", "urine_ca_mmol_day", "ionized_ca_mM", "pth_pM", "plasma_k_mM",
           "frac_pt", "frac_tal", "frac_dct", "frac_cd", "tal_v_te_mV")


class MgHandling(Experiment):
    """Serum, ionized, CSF and cell Mg, FE_Mg, urine Mg and Ca, PTH and plasma K per cause."""

    name = "mg_handling"
    order = 55
    title = "Where the Mg goes: causes of deficiency, FE_Mg, segments, Ca, PTH and plasma K"
    channel_classes = (ENaC, ApicalROMK, Kir45, PrincipalCell)
    columns = ("cause", "ph", "gfr_l_day", "mg_intake_mmol_day", "cell_exponent") + OUTPUTS
    settings = (
        Setting("cause", tuple(CAUSES), None, "cause of Mg deficiency (models.causes)",
                "models.causes.CAUSES", choices=tuple(CAUSES), column=True),
        _number("ph", 7.40, "plasma pH", "normal 7.35-7.45", minimum=6.8, maximum=7.8,
                column=True),
        _number("gfr", 180.0, "glomerular filtration rate (L/day)", "textbook 125 ml/min",
                exclusive=True, maximum=400.0, column=True, column_unit="l_day"),
        _number("mg_intake", 12.0, "dietary Mg (mmol/day) before the cause's change",
                "US intake 12.5-15 mmol/day (IOM 1997)", maximum=200.0, column=True,
                column_unit="mmol_day"),
    ) + tuple(s for s in body_settings() if s.name not in ("table_points", "mg_intake")) + \
        tuple(s for s in patient_settings(REFERENCE, "replaced by the cause's")
              if s.name not in DUCT_KNOBS)

    def validate(self, values):
        check_tubule(values)

    def build(self, n, fixed):
        def runner(conditions):
            batch = self.batch_values(conditions, fixed, ["cause", "ph", "gfr", "mg_intake",
                                                          "cell_exponent"])
            result = self.solve(batch, fixed, conditions)
            return [[{k: _scalar(result[k][i]) for k in OUTPUTS}
                     | {"imposed": " ".join(CAUSES[c].imposed) or "-"}]
                    for i, c in enumerate(batch["cause"])]
        return runner

    def solve(self, batch, fixed, conditions) -> dict:
        """The steady state of every condition of a batch (arrays)."""
        gfr = np.asarray(batch["gfr"], float)
        progress.phase("tabulating the distal convoluted tubules")
        params = MineralParameters(ph=np.asarray(batch["ph"], float),
                                   cell_exponent=np.asarray(batch["cell_exponent"], float),
                                   mg_intake_mmol_day=np.asarray(batch["mg_intake"], float))
        body = mineral_body(batch["cause"], params, gfr_l_day=gfr)
        progress.phase("solving the Mg and Ca balance")
        named = [{"cause": c, **dict(cond)} for c, cond in zip(batch["cause"], conditions)]
        return self.steady(body, list(batch["cause"]), gfr, fixed, named,
                           "mg_handling: the Mg and Ca balance")

    def steady(self, body, causes, gfr, fixed, labels, what: str) -> dict:
        """The steady state of ``body`` (one unit per name in ``causes``): its report, the
        clinical FE_Mg, the segment shares, the TAL voltage and the steady plasma K. A unit
        without a steady state stops the run, named by its ``labels`` (:func:`check_steady`)."""
        state = body.steady_state()
        check_steady(state["converged"], labels, what)
        segments = body.kidney.segments(state["ultrafiltrable_mg_mM"], state["ionized_mg_mM"],
                                        state["ultrafiltrable_ca_mM"], state["ionized_ca_mM"],
                                        state["pth_action"])
        progress.phase("solving steady plasma K")
        duct, layer = cause_ducts(self, fixed, causes)
        plasma_k = cause_plasma_k(duct, layer, state["mg_i_mM"])
        return {**state, "fe_mg_pct": clinical_fe_mg(state["urine_mg_mmol_day"],
                                                     state["serum_mg_mM"], gfr),
                "plasma_k_mM": plasma_k, "tal_v_te_mV": segments["tal_v_te_mV"],
                **{f"frac_{s}": segments[f"frac_{s}_mg"] for s in ("pt", "tal", "dct", "cd")}}

    def plot(self, tables):
        from matplotlib.ticker import ScalarFormatter
        table = tables["main"]
        fig, axes = figure(1, 2, width=4.2)
        ax, bars = axes[0]
        ax.axvspan(0.70, 1.10, color="tab:green", alpha=0.08, label="normal serum Mg")
        for cut, style in ((FE_EXTRARENAL, "--"), (FE_RENAL, ":")):
            ax.axhline(cut, color="0.4", lw=0.8, ls=style, label=f"FE$_{{Mg}}$ {cut:g} %")
        first = _first_rows(table)
        for i in first:
            ax.plot(table["serum_mg_mM"][i], table["fe_mg_pct"][i], "o", ms=4)
            ax.annotate(table["cause"][i], (table["serum_mg_mM"][i], table["fe_mg_pct"][i]),
                        fontsize=6, xytext=(3, 2), textcoords="offset points")
        ax.set(xlabel="serum total Mg (mM)", ylabel="FE$_{Mg}$ (%)", yscale="log",
               title="renal or extrarenal? (one point per cause)")
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(ScalarFormatter())
        ax.legend(fontsize=6, loc="upper right")
        names = [table["cause"][i] for i in first]
        bottom = np.zeros(len(first))
        for segment, color in (("pt", "tab:blue"), ("tal", "tab:orange"), ("dct", "tab:green")):
            values = np.array([table[f"frac_{segment}"][i] for i in first]) * 100
            bars.barh(names, values, left=bottom, color=color, label=segment.upper())
            bottom += values
        bars.barh(names, 100 - bottom, left=bottom, color="0.8", label="urine")
        bars.set(xlabel="filtered Mg (%)", xlim=(0, 100), title="where the filtered Mg goes")
        bars.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
        return fig


REF7 = "REFERENCE.md §7 (docs/reference.md)"


@check(requires=("mg_handling",))
def mg_handling_signatures(ctx) -> list:
    """Where the Mg goes: the healthy bands and each cause's clinical signature."""
    table = ctx.experiment("mg_handling")["main"]

    def at(column, cause):
        return value_at(table, column, cause=cause)
    rows = [
        within("healthy serum total Mg", REF7 + ": normal 0.70-1.10 mM [confirmed]", 0.7, 1.1,
               at("serum_mg_mM", "healthy"), unit="mM"),
        within("healthy FE_Mg (clinical formula)", REF7 + ": 1-5 % [confirmed band]", 1.0, 5.0,
               at("fe_mg_pct", "healthy"), unit="%"),
        within("healthy PT share of filtered Mg", REF7 + ": 10-25 % [confirmed band]", 0.10,
               0.25, at("frac_pt", "healthy")),
        within("healthy TAL share of filtered Mg", REF7 + ": 50-70 % [confirmed band]", 0.50,
               0.70, at("frac_tal", "healthy")),
        within("healthy DCT share of filtered Mg", REF7 + ": 5-10 % [confirmed band; model "
               "allows 12 %: the DCT at its capacity]", 0.05, 0.12, at("frac_dct", "healthy")),
        within("healthy urine Ca", "textbook 2.5-7.5 mmol/day [confirmed band]", 2.5, 7.5,
               at("urine_ca_mmol_day", "healthy"), unit="mmol/day"),
    ]
    for cause in ("low_intake", "diarrhea", "ppi"):
        rows.append(within(f"{cause}: FE_Mg (extrarenal loss)", REF7 + ": < 2 % [confirmed]",
                           None, FE_EXTRARENAL, at("fe_mg_pct", cause), unit="%"))
    for cause, cut in (("gitelman", FE_RENAL), ("fhhnc", FE_RENAL), ("bartter", FE_EXTRARENAL),
                       ("loop_diuretic", FE_EXTRARENAL), ("cisplatin", FE_EXTRARENAL)):
        rows.append(within(f"{cause}: FE_Mg (renal wasting)", REF7 + f": > {cut:g} % "
                           "[confirmed]", cut, None, at("fe_mg_pct", cause), unit="%"))
    healthy_ca = at("urine_ca_mmol_day", "healthy")
    for cause, low in (("gitelman", True), ("thiazide", True), ("fhhnc", False),
                       ("bartter", False), ("loop_diuretic", False)):
        ratio = at("urine_ca_mmol_day", cause) / healthy_ca
        rows.append(holds(f"{cause}: urine Ca vs healthy",
                          REF7 + (": hypocalciuria" if low else ": hypercalciuria") +
                          " [confirmed, direction]", "< 0.95 x" if low else "> 1.1 x",
                          f"{ratio:.2f} x", ratio < 0.95 if low else ratio > 1.1))
    for cause in ("gitelman", "east", "bartter"):
        rows.append(within(f"{cause}: plasma K", REF7 + ": hypokalemia [confirmed]", None,
                           3.5, at("plasma_k_mM", cause), unit="mM"))
    east, healthy = at("serum_mg_mM", "east"), at("serum_mg_mM", "healthy")
    rows.append(holds("east: serum Mg (Kir4.1 loss alone, no imposed TRPM6 change)",
                      REF7 + ": hypomagnesemia [confirmed]; the model's DCT defect is too "
                      "small to show it (documented)", "serum Mg < 0.7 mM",
                      f"{east:.2f} mM (healthy {healthy:.2f})", east < 0.7))
    return rows


def _first_rows(table) -> list[int]:
    """The first row of each cause (the figure shows one point per cause)."""
    seen: dict = {}
    for i, cause in enumerate(table["cause"]):
        seen.setdefault(cause, i)
    return list(seen.values())


def check_steady(converged, conditions, what: str) -> None:
    """RuntimeError (one line, so exit 1 and no row) naming the first condition without a
    steady state and how many there are."""
    bad = np.flatnonzero(~np.asarray(converged, bool))
    if bad.size:
        shown = ", ".join(f"{k}={v}" for k, v in dict(conditions[bad[0]]).items()) \
            or "the run's settings"
        raise RuntimeError(f"{what}: no steady state at {shown} ({bad.size} of "
                           f"{len(conditions)} conditions); allowed: settings inside the "
                           "ranges of the causes, where the balance has a solution")


def _scalar(value):
    return float(np.asarray(value))


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("mg_handling")
