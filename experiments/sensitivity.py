"""``sensitivity``: which K-wasting conclusions hold over the plausible range of each uncertain parameter.

The headline results of the kidney half are recomputed with one uncertain
parameter at a time set to the low and to the high end of its plausible
range (:data:`PLAUSIBLE`, each range with its reason), everything else at the
run's settings (the ``hypokalemia`` patient):

* ``j_k_ratio``: collecting-duct K+ secretion at cytoplasmic Mg 0.1 over 1
  mM (the patient's duct at the reference plasma K), and ``j_k_gain_pmol_min_mm``,
  the same difference in pmol/min/mm;
* ``gain_ratio``: the steady plasma-K gain of the K supplement (``dose``) at
  the patient's cytoplasmic Mg over the gain in the same patient with normal
  Mg (below 1: the supplement does less in Mg deficiency);
* ``plasma_k_untreated_mM`` and, at day ``days``, ``plasma_k_k_only_mM``,
  ``plasma_k_k_and_mg_mM`` and ``k_icf_k_only_mM``, ``k_icf_k_and_mg_mM``
  (cell K: refilled only with Mg).

All variants share one batched collecting-duct solve and one body
integration. The chosen parameter's own setting (``--set rho_ROMK=...``) is
replaced by the end of its range in its variant, and kept in all others. The figure is a tornado plot per result: the bar of each
parameter spans its values at the two ends, the line marks the central value,
parameters sorted by the span. The side table ``sensitivity_central.csv``
holds the central values.

Columns: ``parameter``, ``end`` (low, high), ``setting_value`` (in
``setting_unit``), and the results above.

References: see ``hypokalemia`` and ``k_secretion``; the ranges' sources are
in :data:`PLAUSIBLE`.
"""
from __future__ import annotations

import numpy as np

from channels.enac import ENaC
from channels.kir_basolateral import Kir45
from models.body import INTRACELLULAR_MG, Body
from models.causes import DUCT_KNOBS, mineral_body
from models.principal_cell import ApicalROMK, PrincipalCell

from .engine import progress
from .engine.framework import Experiment
from .engine.settings import Setting
from .k_secretion import check_tubule
from .engine.style import figure
from .hypokalemia import (Hypokalemia, PatientKidney, check_body, check_patient,
                          exact_plasma_k, mineral_parameters, single_valued, stack_minerals,
                          stack_parameters, table_mg_span, take_units, with_cause)

#: Plausible range (low, high, in the setting's unit) of each uncertain parameter, with why.
PLAUSIBLE = {
    "Kd0_ROMK": (0.3, 1.0, "ROMK fits meeting the 17/36 pS conductance ratio (0.3-0.75) (channels/romk.py)"),
    "zdelta_ROMK": (1.2, 2.0, "ROMK fits weak-strong and beyond"),
    "rho_ROMK": (0.3, 0.6, "Mg-resistant fraction of the fits 0.375-0.5, widened"),
    "Kr_ROMK": (0.2, 2.0, "trans knock-off: K_o dependence of the block (Lu & MacKinnon 1994)"),
    "alpha_ROMK": (0.3, 0.55, "outward conductance at 0 K 15/50 pS (Palmer lab) and fits"),
    "g_ROMK": (0.8, 1.6, "baseline secretion kept within 5-30 pmol/min/mm"),
    "P_ENaC": (2.0, 8.0, "Na+ absorption tens of pmol/min/mm (Tomita et al. 1985)"),
    "g_Kir45": (3.0, 12.0, "basolateral potential -70 to -85 mV"),
    "nK_Kir45": (0.3, 0.6, "measured Kir K_o exponents 0.3-0.6"),
    "Jmax_pump": (0.8, 3.2, "cell Na 10-20 mM at baseline; half to twice"),
    "g_para": (2.0, 8.0, "transepithelial potential -10 to -40 mV"),
    "g_Cl_b": (1.0, 4.0, "half to twice the basolateral Cl- conductance"),
    "g_Na_b": (0.025, 0.1, "basolateral Na+ entry half to twice"),
    "nENaC_aldo": (0.5, 1.5, "ENaC 2-fold at 1 day of DOCA (Sansom & O'Neil)"),
    "nROMK_aldo": (0.25, 1.0, "apical K conductance unchanged at 1 day, 2-fold after 4 days"),
    "npump_aldo": (0.25, 1.0, "pump activity -52 % after adrenalectomy"),
    "Km_Mg_pump": (0.0, 0.2, "Mg-ATP dependence of the principal-cell pump: none to strong"),
    "aldosterone": (1.2, 3.0, "secondary aldosteronism of the salt-wasting causes (thiazides "
                              "+66 %; Gitelman and Bartter higher) [the cause's value replaced]"),
    "enac_scale": (1.0, 2.0, "extra distal Na+ delivery of a salt-wasting cause: none to twice "
                             "[the cause's value replaced]"),
    "flow": (3.0, 10.0, "distal flow of a rat nephron (nl/min) [the cause's value replaced]"),
    "k_lumen": (2.0, 10.0, "K+ delivered to the collecting duct (early distal 1-2 mM, more "
                           "after the connecting tubule)"),
    "mg_intake": (6.0, 18.0, "dietary Mg half to 1.5 times the US intake (IOM 1997): how deep "
                             "the cause's deficiency goes"),
    "aldo_slope": (0.5, 1.5, "Maddah & Hallow 2022: 0.951 per mM; 0.5 re-implemented"),
    "cell_exponent": (0.3, 1.0, "red-cell free Mg -18 % in hypomagnesemia to proportional"),
    "k_pump_mg": (0.03, 0.3, "muscle K -3 % to -20 % in Mg deficiency (Dorup)"),
    "beta_k": (0.2, 0.4, "200-400 mmol body K per mM plasma K (Sterns et al. 1981)"),
    "tau_k": (0.1, 1.0, "K redistribution within hours to a day"),
    "tau_mg": (1.0, 10.0, "cell Mg refills over days to weeks (Dorup: 26 weeks in muscle)"),
    "beta_mg": (10.0, 40.0, "cell total Mg 5-20 mM at free 0.5 mM"),
}
ENDS = ("low", "high")
#: Results of each variant, in the order of the table's columns.
RESULTS = ("j_k_ratio", "j_k_gain_pmol_min_mm", "gain_ratio", "plasma_k_untreated_mM",
           "plasma_k_k_only_mM", "plasma_k_k_and_mg_mM", "k_icf_k_only_mM", "k_icf_k_and_mg_mM")
#: The three results drawn as tornados: (column, axis label).
DRAWN = (("j_k_ratio", "K$^+$ secretion, Mg$_i$ 0.1 / 1 mM"),
         ("gain_ratio", "supplement gain, low / normal Mg"),
         ("plasma_k_k_only_mM", "plasma K$^+$ with K$^+$ alone, end (mM)"))
#: Hypokalemia settings this experiment does not take (it sets the doses itself).
NOT_TAKEN = ("scenario", "k_supplement", "mg_supplement")
#: Retained Mg maintenance (mmol/day) of the k_and_mg arm: the hypokalemia default.
MG_MAINTENANCE = 5.0


class Sensitivity(Experiment):
    """Headline K-wasting results at both ends of each uncertain parameter's plausible range."""

    name = "sensitivity"
    order = 65
    title = "Which K-wasting conclusions hold: results against each uncertain parameter"
    channel_classes = (ENaC, ApicalROMK, Kir45, PrincipalCell)
    columns = ("parameter", "end", "setting_value", "setting_unit") + RESULTS
    settings = (
        Setting("parameter", tuple(PLAUSIBLE), None, "the uncertain parameter set to an end of "
                "its plausible range", "sensitivity.PLAUSIBLE", choices=tuple(PLAUSIBLE),
                quick=("Kd0_ROMK", "rho_ROMK", "Kr_ROMK", "aldo_slope", "cell_exponent",
                       "mg_intake", "aldosterone", "flow"), column=True),
        Setting("end", ENDS, None, "end of the plausible range", "sensitivity.PLAUSIBLE",
                choices=ENDS, column=True),
        Setting("dose", (40.0,), None, "K+ supplement whose steady gain is compared (mmol/day)",
                "a common repletion dose (20-100 mmol/day of KCl)", minimum=0.0,
                exclusive_minimum=True, maximum=1000.0),
    ) + tuple(s for s in Hypokalemia.settings if s.name not in NOT_TAKEN)

    def validate(self, values):
        check_patient(values)
        check_tubule(values)
        single_valued(values, [n for n in type(self).all_settings() if n not in ("parameter", "end")],
                      self.name, "parameter or end")

    def variant(self, fixed, parameter: str, end: str):
        """The run's settings with ``parameter`` at ``end`` of its plausible range."""
        value = PLAUSIBLE[parameter][ENDS.index(end)]
        if parameter in DUCT_KNOBS:  # a knob of the cause, not a setting: plain numbers
            return {**fixed, parameter: value}, value, "nl/min" if parameter == "flow" else ""
        setting = self.setting(parameter)
        return {**fixed, parameter: setting.quantities((value,))[0]}, value, setting.unit_name

    def build(self, n, fixed):
        def runner(conditions):
            batch = self.batch_values(conditions, fixed, ["parameter", "end"])
            chosen = [self.variant(fixed, name, end)
                      for name, end in zip(batch["parameter"], batch["end"])]
            variants = [with_cause(fixed)] + [with_cause(v[0]) for v in chosen]
            results = self.results(variants)
            central = {"_table": "central", "_once": True,
                       **{key: float(results[key][0]) for key in RESULTS}}
            rows = []
            for k, (_, value, unit) in enumerate(chosen):
                row = {"setting_value": float(value), "setting_unit": unit or "1",
                       **{key: float(results[key][k + 1]) for key in RESULTS}}
                rows.append([row] + ([central] if k == 0 else []))
            return rows
        return runner

    def results(self, variants: list[dict]) -> dict[str, np.ndarray]:
        """The headline results of each variant of the settings (arrays, one value each)."""
        count = len(variants)
        first = variants[0]
        progress.phase("solving the collecting ducts")
        kidney = PatientKidney(self, variants)
        params = kidney.params
        every = np.arange(count)
        k_p0 = np.array([p.k_p0_mM for p in params])
        pair = kidney.solve(np.repeat(k_p0, 2), np.tile([0.1, 1.0], count),
                            variant=np.repeat(every, 2))["j_k_pmol_min_mm"].reshape(count, 2)
        progress.phase("solving the patients' Mg balance")
        # one cause, so one kidney; each variant its own body parameters
        mineral = mineral_body([first["cause"]]).select(np.zeros(count, int))
        mineral.p = stack_minerals([mineral_parameters(v) for v in variants])
        start = Body(mineral=mineral).untreated()
        table, _ = kidney.table(first["table_points"], *table_mg_span(start["mg_i_mM"]))
        reference = kidney.reference_j()
        mg_patient = start["mg_i_mM"]
        mg_normal = np.full(count, INTRACELLULAR_MG)
        progress.phase("solving steady plasma K")
        dose = float(first["dose"])
        layer = np.repeat(every, 4)
        stacked = stack_parameters(params, layer)
        diet = stacked.k_diet_mmol_day
        intake = diet + np.tile([0.0, dose, 0.0, dose], count)
        mg = np.stack([mg_patient, mg_patient, mg_normal, mg_normal], axis=1).ravel()
        estimate = Body(_layered(table, layer), stacked, reference[layer])
        exact = Body(kidney.secretion(layer), stacked, reference[layer])
        plasma = exact_plasma_k(estimate, exact, mg, intake).reshape(count, 4)
        progress.phase("integrating the body balance")
        layer2 = np.repeat(every, 2)
        body = Body(_layered(table, layer2), stack_parameters(params, layer2), reference[layer2],
                    mineral.select(layer2))
        k_supp = np.tile([dose, dose], count)
        with_mg = np.tile([0.0, 1.0], count)
        mg_supp = with_mg * MG_MAINTENANCE
        series = body.simulate(k_supp, mg_supp, first["start_day"], first["days"],
                               dt_day=first["body_dt"], mg_load=with_mg * first["mg_load"],
                               mg_load_days=first["mg_load_days"],
                               start=take_units(start, layer2))
        check_body(body, series, self.name)
        end_k = series["plasma_k_mM"][-1].reshape(count, 2)
        end_icf = series["k_icf_mM"][-1].reshape(count, 2)
        return {"j_k_ratio": pair[:, 0] / pair[:, 1], "j_k_gain_pmol_min_mm": pair[:, 0] - pair[:, 1],
                "gain_ratio": (plasma[:, 1] - plasma[:, 0]) / (plasma[:, 3] - plasma[:, 2]),
                "plasma_k_untreated_mM": plasma[:, 0], "plasma_k_k_only_mM": end_k[:, 0],
                "plasma_k_k_and_mg_mM": end_k[:, 1], "k_icf_k_only_mM": end_icf[:, 0],
                "k_icf_k_and_mg_mM": end_icf[:, 1]}

    def plot(self, tables):
        table, central = tables["main"], tables.get("central")
        fig, axes = figure(1, len(DRAWN), width=3.4, height=0.25 * len(PLAUSIBLE) + 1.2)
        names = list(dict.fromkeys(table["parameter"]))
        for ax, (column, label) in zip(axes[0], DRAWN):
            middle = float(central[column][0]) if central is not None and len(central) else np.nan
            spans = []
            for name in names:
                part = table.where(parameter=name)
                ends = {e: float(v) for e, v in zip(part["end"], part[column])}
                low, high = ends.get("low", middle), ends.get("high", middle)
                spans.append((abs(high - low), name, low, high))
            spans.sort()
            for y, (_, name, low, high) in enumerate(spans):
                ax.barh(y, high - middle, left=middle, color="tab:red", alpha=0.6,
                        label="high end" if y == 0 else None)
                ax.barh(y, low - middle, left=middle, color="tab:blue", alpha=0.6,
                        label="low end" if y == 0 else None)
            ax.axvline(middle, color="k", lw=0.8)
            ax.set_yticks(range(len(spans)), [s[1] for s in spans], fontsize=6)
            ax.set(xlabel=label, title=f"central {middle:.3g}")
            if column == "gain_ratio":
                ax.axvline(1.0, color="0.5", ls=":", lw=0.8)
        axes[0][0].legend(fontsize=6, loc="lower right")
        return fig


def _layered(table, layer):
    """The stacked renal table read by each unit at its variant's layer."""
    import dataclasses
    return dataclasses.replace(table, layer=layer)


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("sensitivity")
