"""``k_secretion``: K+ secretion by the collecting duct against cytoplasmic Mg2+.

Each condition (Mg_i, inflowing luminal K+ and Na+, luminal flow, ENaC
activity, aldosterone, plasma K) is a 2-mm length of rat cortical collecting
duct (:class:`models.collecting_duct.CollectingDuct`): ten slabs of principal
cells along the flow, each at its steady state, solved by batched Newton.
Cytoplasmic Mg2+ blocks outward current through apical ROMK; less Mg releases
the block, so more K+ leaves the cell into the lumen: K+ secretion rises as
Mg_i falls. Aldosterone (``aldosterone``) scales ENaC, ROMK and the pump
together, ENaC activity alone (``enac_scale``) stands for distal Na+ delivery
and amiloride (0), and luminal flow washes secreted K+ out: at low flow
luminal K+ rises and secretion falls.

ROMK's block is fitted, not measured parameter by parameter, so every
condition is also solved with the two other fits of :data:`channels.romk.ROMK_FITS`
(``weak`` and ``strong`` Mg sensitivity) in the same batch; those rows go to
the side table ``k_secretion_band.csv`` and the figure shows the band they span.

Columns: ``mg_i_mM``, ``k_lumen_mM`` (inflow), ``enac_scale``,
``aldosterone``, ``flow_nl_min``, ``na_lumen_mM`` (inflow), ``k_plasma_mM``,
``j_k_pmol_min_mm`` (secretion per mm, lumen-ward positive),
``j_na_pmol_min_mm`` (absorption), ``k_lumen_out_mM`` and ``na_lumen_out_mM``
(outflow), ``k_lumen_mean_mM`` (mean along the segment), ``v_apical_mV``
(cell minus lumen), ``v_basolateral_mV`` (cell minus blood), ``v_te_mV``
(lumen minus blood), ``na_c_mM``, ``k_c_mM``, ``unblocked`` (ROMK fraction
not blocked by Mg2+), ``residual`` (largest relative imbalance of any
balance; below 1e-9). Band table: the same leading columns, ``romk_fit``,
``j_k_pmol_min_mm``, ``v_apical_mV``.

References: Weinstein 2001 AJP Renal 280:F1072; Yang, Frindt & Palmer 2010
JASN 21:2109; Huang & Kuo 2007 JASN 18:2649; Tomita, Pisano & Knepper 1985
JCI 76:132; Palmer, Antonian & Frindt 1994 JGP 104:693.
"""
from __future__ import annotations

import numpy as np
from brian2 import mM

from channels.enac import ENaC
from channels.kir_basolateral import Kir45
from channels.romk import ROMK_FITS
from models.collecting_duct import SEGMENT_LENGTH_MM, SEGMENT_SLABS, CollectingDuct
from models.principal_cell import STEADY_TOLERANCE, ApicalROMK, PrincipalCell

from .engine import progress
from .engine.framework import Experiment
from .engine.settings import Setting, UsageError, concentration, temperature
from .engine.style import (MAX_CURVES, columns, drawn, figure, legend, marked, row_groups,
                           spread, subset_note)

#: Published bands the baseline is checked against (docs/reference.md section 4).
K_SECRETION_BAND = (5.0, 30.0)        # pmol/min/mm, rat CCD
BASOLATERAL_BAND = (-85.0, -70.0)     # mV
TRANSEPITHELIAL_BAND = (-50.0, 0.0)   # mV, lumen negative
APICAL_BAND = (-60.0, -30.0)          # mV
#: The ROMK fits solved beside the chosen parameters (the band).
BAND_FITS = ("weak", "strong")
#: Outputs of the segment written to the main table.
OUTPUTS = ("j_k_pmol_min_mm", "j_na_pmol_min_mm", "k_lumen_out_mM", "na_lumen_out_mM",
           "k_lumen_mean_mM", "v_apical_mV", "v_basolateral_mV", "v_te_mV", "na_c_mM",
           "k_c_mM", "unblocked", "residual")


def tubule_settings(flow: float = 5.0, enac_scale: float = 1.0,
                    aldosterone: float = 1.0) -> tuple[Setting, ...]:
    """Settings of the collecting-duct segment shared by the kidney experiments."""
    return (
        Setting("enac_scale", (enac_scale,), None, "ENaC activity relative to baseline, beyond "
                "aldosterone's (distal Na+ delivery; amiloride 0)",
                "baseline = mineralocorticoid-treated rat CCD (Tomita et al. 1985)",
                minimum=0.0, maximum=100.0, column=True),
        Setting("aldosterone", (aldosterone,), None, "mineralocorticoid activity relative to "
                "baseline: scales ENaC, ROMK and the Na/K pump (exponents nENaC_aldo, "
                "nROMK_aldo, npump_aldo)", "Palmer, Antonian & Frindt 1994 JGP 104:693; "
                "Sansom & O'Neil 1985 AJP 248:F858", minimum=0.0, exclusive_minimum=True,
                maximum=100.0, column=True, variable="aldosterone"),
        Setting("flow", (flow,), None, "luminal flow entering the segment (nl/min)",
                "distal delivery of a rat nephron: ~15 % of a 30 nl/min single-nephron GFR "
                "[uncertain]", minimum=0.0, exclusive_minimum=True, maximum=1e4, column=True,
                column_unit="nl_min"),
        Setting("segment_length", (SEGMENT_LENGTH_MM,), None, "length of the secreting "
                "segment (mm)", "rat cortical collecting duct about 2 mm", minimum=0.0,
                exclusive_minimum=True, maximum=100.0),
        Setting("slab_length", (SEGMENT_LENGTH_MM / SEGMENT_SLABS,), None, "length of one "
                "slab along the segment (mm); the segment has "
                "round(segment_length / slab_length) slabs, at least one",
                "numerical choice (midpoint rule, second order): halving it changes secretion by "
                "0.1 % at 2-5 nl/min",
                minimum=0.0, exclusive_minimum=True, maximum=100.0),
    )


#: Most slabs a segment may have (segment_length / slab_length).
MAX_SLABS = 1000


def check_tubule(values) -> None:
    """UsageError unless the segment has at most :data:`MAX_SLABS` slabs."""
    length, slab = values["segment_length"][0], values["slab_length"][0]
    if length / slab > MAX_SLABS:
        raise UsageError(f"--set slab_length={slab:g}: gives {length / slab:.3g} slabs in "
                         f"segment_length={length:g} mm; allowed: slab_length >= "
                         f"segment_length/{MAX_SLABS} = {length / MAX_SLABS:g} mm")


def check_positive(values, names) -> None:
    """UsageError unless every value of the named concentration settings is > 0."""
    for name in names:
        bad = [v for v in values[name] if v <= 0]
        if bad:
            shown = ",".join(f"{float(v / mM):g}" for v in values[name])
            raise UsageError(f"--set {name}={shown}: "
                             f"must be > 0 mM (the Nernst potential is undefined at 0); "
                             f"allowed: numbers in mM > 0")


def build_duct(experiment: type[Experiment], fixed) -> CollectingDuct:
    """The collecting-duct segment with the run's fixed parameter values."""
    values = {p.name: fixed[p.name] for p in PrincipalCell.parameters if p.name in fixed}
    cell = PrincipalCell(enac=experiment.channel(ENaC, fixed),
                         romk=experiment.channel(ApicalROMK, fixed),
                         kir=experiment.channel(Kir45, fixed), values=values)
    length = float(fixed["segment_length"])
    slabs = max(1, int(round(length / float(fixed["slab_length"]))))
    return CollectingDuct(cell, length, slabs)


def check_converged(result, what: str, conditions=None) -> None:
    """RuntimeError naming the worst unit if no steady state was found there."""
    residual = result["residual"]
    bad = ~(np.isfinite(residual) & (residual <= STEADY_TOLERANCE))
    if bad.any():
        worst = int(np.argmax(np.where(np.isfinite(residual), residual, np.inf)))
        where = f" at {dict(conditions[worst])}" if conditions is not None and \
            worst < len(conditions) else ""
        raise RuntimeError(f"{what}: no steady state{where} (relative imbalance "
                           f"{residual[worst]:.2g} > {STEADY_TOLERANCE:g} after Newton); a "
                           "shorter slab_length may help where the lumen empties of Na+")


def segment_inputs(experiment: type[Experiment], conditions, fixed, variables):
    """Per-unit model values of a batch: the mapped settings, with ENaC scaled by enac_scale."""
    env = experiment.model_values(conditions, fixed, variables)
    scale = experiment.batch_values(conditions, fixed, ["enac_scale"])["enac_scale"]
    env["P_ENaC"] = env["P_ENaC"] * np.asarray(scale, float)
    return env


class KSecretion(Experiment):
    """Steady-state K+ secretion of a collecting-duct segment over cytoplasmic Mg2+."""

    name = "k_secretion"
    order = 50
    title = "K+ secretion by the collecting duct vs intracellular Mg2+"
    channel_classes = (ENaC, ApicalROMK, Kir45, PrincipalCell)
    columns = ("mg_i_mM", "k_lumen_mM", "enac_scale", "aldosterone", "flow_nl_min",
               "na_lumen_mM", "k_plasma_mM") + OUTPUTS
    settings = (
        concentration("mg_i", (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5),
                      "cytoplasmic free Mg2+ of the principal cell",
                      "intracellular free Mg about 0.5 mM (0.5-1.0) normally; lower in Mg "
                      "deficiency (docs/reference.md sections 2-3)", quick=(0.1, 0.5, 1.0),
                      variable="Mg_i"),
        concentration("k_lumen", (5.0,), "luminal K+ entering the segment",
                      "perfused-tubule perfusate K 5 mM (Tomita et al. 1985)", variable="K_lumen"),
        concentration("na_lumen", (140.0,), "luminal Na+ entering the segment",
                      "perfused-tubule Ringer 140 mM (Tomita et al. 1985)", variable="Na_lumen"),
        concentration("k_plasma", (4.0,), "plasma (peritubular) K+",
                      "normal serum K 3.5-5.0 mM (docs/reference.md section 5)",
                      variable="K_blood"),
        temperature("absolute temperature"),
    ) + tubule_settings()

    def validate(self, values):
        check_positive(values, ("k_lumen", "k_plasma", "na_lumen"))
        check_tubule(values)

    def build(self, n, fixed):
        duct = build_duct(type(self), fixed)
        variables = duct.cell.values_si({}, 1)
        fits = [{**ROMK_FITS[name]} for name in BAND_FITS]

        def runner(conditions):
            m = len(conditions)
            env = segment_inputs(type(self), conditions, fixed, variables)
            flow = np.asarray(self.batch_values(conditions, fixed, ["flow"])["flow"], float)
            blocks = 1 + len(fits)
            per_unit = {k: _tile(v, blocks) for k, v in env.items()}
            for b, fit in enumerate(fits, start=1):
                for name, value in fit.items():
                    column = np.asarray(per_unit.get(name, np.full(m * blocks, np.nan)),
                                        float).copy()
                    if name not in per_unit:
                        column[:] = float(np.asarray(duct.cell.romk.values[name]))
                    column[b * m:(b + 1) * m] = value
                    per_unit[name] = column
            progress.phase("solving steady states")
            result = duct.steady_state(np.tile(flow, blocks), per_unit, m * blocks)
            check_converged(result, self.name, conditions + conditions * len(fits))
            out = []
            for k in range(m):
                rows = [{key: float(result[key][k]) for key in OUTPUTS}]
                for b, name in enumerate(BAND_FITS, start=1):
                    i = b * m + k
                    rows.append({"_table": "band", "romk_fit": name,
                                 "j_k_pmol_min_mm": float(result["j_k_pmol_min_mm"][i]),
                                 "v_apical_mV": float(result["v_apical_mV"][i])})
                out.append(rows)
            return out
        return runner

    def plot(self, tables):
        table = tables["main"]
        band = tables.get("band")
        fig, axes = figure(1, 2, width=4.4)
        ax_k, ax_v = axes[0]
        names = ("k_lumen", "enac_scale", "aldosterone", "flow", "na_lumen", "k_plasma")
        keys = tuple(self.setting(n).column_name for n in names)
        by_group = row_groups(*columns(table, *keys))
        all_groups = sorted(by_group)
        baseline = tuple(self.setting(n).magnitude(self.setting(n).values(False)[0])
                         for n in names)
        groups = spread(all_groups, MAX_CURVES, keep=(baseline,))
        mg_of, j_k = columns(table, "mg_i_mM", "j_k_pmol_min_mm")
        potentials = dict(zip(("v_apical_mV", "v_basolateral_mV", "v_te_mV"),
                              columns(table, "v_apical_mV", "v_basolateral_mV", "v_te_mV")))
        if band is not None and len(band):
            band_j = band["j_k_pmol_min_mm"]
            band_rows = row_groups(*columns(band, *keys, "mg_i_mM"))
        for index, group in enumerate(groups):
            part = by_group[group]
            part = part[np.argsort(mg_of[part])]
            mg = mg_of[part]
            label = (f"K$_L$ {group[0]:.3g}, ENaC x{group[1]:.3g}, aldo x{group[2]:.3g}, "
                     f"{group[3]:.3g} nl/min" if len(groups) > 1 else "model")
            line, = ax_k.plot(mg, j_k[part], marked(len(mg)) + "-", label=label, zorder=3)
            if band is not None and len(band):
                lo = [min(np.min(band_j[band_rows.get((*group, x), [])], initial=np.inf), y)
                      for x, y in zip(mg, j_k[part])]
                hi = [max(np.max(band_j[band_rows.get((*group, x), [])], initial=-np.inf), y)
                      for x, y in zip(mg, j_k[part])]
                ax_k.fill_between(mg, lo, hi, color=line.get_color(), alpha=0.18, lw=0,
                                  label="ROMK fits weak-strong" if index == 0 else None)
            style = dict(color=line.get_color()) if len(groups) > 1 else {}
            for column, marker, name in (("v_apical_mV", "-", "apical"),
                                         ("v_basolateral_mV", "--", "basolateral"),
                                         ("v_te_mV", ":", "transepithelial")):
                ax_v.plot(mg, potentials[column][part], marker, **style,
                          label=name if index == 0 else None)
        if len(groups) < len(all_groups):
            subset_note(fig, [drawn(len(groups), len(all_groups),
                                    "combinations of K$_L$, ENaC, aldosterone, flow, Na$_L$, "
                                    "plasma K")], len(table), f"{self.name}.csv")
        ax_k.axhspan(*K_SECRETION_BAND, color="0.5", alpha=0.08, label="rat CCD 5-30")
        ax_k.axvspan(0.5, 1.0, color="tab:green", alpha=0.06, label="normal Mg$_i$")
        ax_k.set(xlabel="cytoplasmic free Mg$^{2+}$ (mM)", ylabel="K$^+$ secretion (pmol/min/mm)",
                 title="ROMK releases K$^+$ as Mg$_i$ falls", ylim=(0, None))
        legend(ax_k, loc="upper right")
        j_na = table["j_na_pmol_min_mm"]
        ax_v.set(xlabel="cytoplasmic free Mg$^{2+}$ (mM)", ylabel="potential (mV)",
                 title="apical, basolateral, transepithelial potentials")
        ax_v.text(0.02, 0.68, f"Na$^+$ absorption {np.min(j_na):.0f}-{np.max(j_na):.0f} pmol/min/mm",
                  transform=ax_v.transAxes, fontsize=7)
        ax_v.legend(loc="center right")
        return fig


def _tile(value, blocks: int):
    """A per-condition array (quantity or float) repeated for ``blocks`` blocks of units."""
    from brian2 import Quantity
    if isinstance(value, Quantity):
        return Quantity(np.tile(np.asarray(value), blocks), dim=value.dim)
    return np.tile(np.asarray(value, float), blocks)


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("k_secretion")
