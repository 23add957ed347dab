"""``k_secretion``: K+ secretion by the collecting-duct principal cell against cytoplasmic Mg2+.

Each condition (Mg_i, luminal K, ENaC activity, luminal Na, plasma K) is one
millimetre of rat cortical collecting duct (:class:`models.principal_cell.PrincipalCell`)
integrated to its steady state. Cytoplasmic Mg2+ blocks outward current
through apical ROMK; less Mg releases the block, so more K+ leaves the cell
into the lumen: K+ secretion rises as Mg_i falls, while Na+ absorption and
the potentials barely move. Amiloride (``enac_scale=0``) removes the
lumen-negative potential and with it most of the secretion.

ROMK's Mg2+ affinity is not pinned by the literature, so every condition is
also run (in the same batched simulation) at the four corners of the
plausible range, Kd0 = ``band_kd0_min``..``band_kd0_max`` and z·delta =
``band_zdelta_min``..``band_zdelta_max``; those rows go to the side table
``k_secretion_band.csv`` and the figure shows the band they span.

Columns: ``mg_i_mM``, ``k_lumen_mM``, ``enac_scale``, ``na_lumen_mM``,
``k_plasma_mM``, ``j_k_pmol_min_mm`` (secretion, lumen-ward positive),
``j_na_pmol_min_mm`` (absorption), ``v_apical_mV`` (cell minus lumen),
``v_basolateral_mV`` (cell minus blood), ``v_te_mV`` (lumen minus blood),
``na_c_mM``, ``k_c_mM``, ``unblocked`` (ROMK fraction not blocked by Mg2+),
``residual`` (largest relative flux imbalance at the end; steady state check).
Band table: the same leading columns, ``kd0_mM``, ``zdelta``,
``j_k_pmol_min_mm``, ``v_apical_mV``.

References: Weinstein 2001 AJP Renal 280:F1072; Yang, Frindt & Palmer 2010
JASN 21:2109; Huang & Kuo 2007 JASN 18:2649; Tomita, Pisano & Knepper 1985
JCI 76:132.
"""
from __future__ import annotations

import itertools

import numpy as np
from brian2 import NeuronGroup, ms, mM, second

from channels.enac import ENaC
from channels.kir_basolateral import Kir45
from models.principal_cell import ApicalROMK, PrincipalCell

from .engine.framework import Experiment
from .engine.settings import Setting, UsageError, concentration, temperature
from .engine.style import (MAX_CURVES, columns, drawn, figure, legend, marked, row_groups,
                           spread, subset_note)

#: Relative flux imbalance below which a unit counts as at steady state.
STEADY_TOLERANCE = 1e-6

#: Published bands the baseline is checked against (docs/reference.md section 4).
K_SECRETION_BAND = (5.0, 30.0)        # pmol/min/mm, rat CCD
BASOLATERAL_BAND = (-85.0, -70.0)     # mV
TRANSEPITHELIAL_BAND = (-50.0, 0.0)   # mV, lumen negative
APICAL_BAND = (-60.0, -30.0)          # mV

def cell_settings(relax: float = 300.0) -> tuple[Setting, ...]:
    """Relaxation time (default ``relax`` s) and step of the principal-cell integration (shared)."""
    return (
        Setting("relax", (relax,), second, "time integrated from the initial state to steady state",
                "numerical choice: the slowest mode (cell K+) relaxes in about 20 s near "
                "baseline (minutes when the pump is K-limited); checked against 1e-6", minimum=0.0, exclusive_minimum=True,
                maximum=1e5),
        Setting("cell_dt", (50.0,), ms, "integration step (forward Euler) of the principal cell",
                "numerical choice: stable for the ~0.1 s relaxation time constants; the "
                "steady state does not depend on it",
                minimum=0.0, exclusive_minimum=True, maximum=200.0),
    )


def check_positive(values, names) -> None:
    """UsageError unless every value of the named concentration settings is > 0."""
    for name in names:
        bad = [v for v in values[name] if v <= 0]
        if bad:
            shown = ",".join(f"{float(v / mM):g}" for v in values[name])
            raise UsageError(f"--set {name}={shown}: "
                             f"must be > 0 mM (the Nernst potential is undefined at 0); "
                             f"allowed: numbers in mM > 0")


def build_cell(experiment: type[Experiment], n: int, fixed) -> tuple[PrincipalCell, NeuronGroup]:
    """The principal cell with the run's fixed parameter values, and its group of ``n`` units."""
    values = {p.name: fixed[p.name] for p in PrincipalCell.parameters if p.name in fixed}
    cell = PrincipalCell(enac=experiment.channel(ENaC, fixed),
                         romk=experiment.channel(ApicalROMK, fixed),
                         kir=experiment.channel(Kir45, fixed), values=values)
    return cell, cell.build_group(n, dt=fixed["cell_dt"])


def check_steady(result, what: str) -> None:
    """RuntimeError naming the worst unit if the relaxation did not reach steady state."""
    worst = int(np.argmax(result["residual"]))
    if not np.all(np.isfinite(result["residual"])) or result["residual"][worst] > STEADY_TOLERANCE:
        raise RuntimeError(f"{what}: no steady state (relative imbalance "
                           f"{result['residual'][worst]:.2g} > {STEADY_TOLERANCE:g}); "
                           f"increase relax or lower cell_dt")


class KSecretion(Experiment):
    """Steady-state K+ secretion of the CCD principal cell over cytoplasmic Mg2+."""

    name = "k_secretion"
    order = 50
    title = "K+ secretion by the collecting-duct principal cell vs intracellular Mg2+"
    channel_classes = (ENaC, ApicalROMK, Kir45, PrincipalCell)
    columns = ("mg_i_mM", "k_lumen_mM", "enac_scale", "na_lumen_mM", "k_plasma_mM",
               "j_k_pmol_min_mm", "j_na_pmol_min_mm", "v_apical_mV", "v_basolateral_mV",
               "v_te_mV", "na_c_mM", "k_c_mM", "unblocked", "residual")
    settings = (
        concentration("mg_i", (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5),
                      "cytoplasmic free Mg2+ of the principal cell",
                      "intracellular free Mg about 0.5 mM (0.5-1.0) normally; lower in Mg "
                      "deficiency (docs/reference.md sections 2-3)", quick=(0.1, 0.5, 1.0),
                      variable="Mg_i"),
        concentration("k_lumen", (5.0,), "luminal K+ (perfusate)",
                      "perfused-tubule perfusate K 5 mM (Tomita et al. 1985)", variable="K_lumen"),
        Setting("enac_scale", (1.0,), None, "ENaC activity relative to baseline "
                "(aldosterone > 1, amiloride 0)", "baseline = mineralocorticoid-treated rat CCD",
                minimum=0.0, maximum=100.0, column=True),
        concentration("na_lumen", (140.0,), "luminal Na+ (perfusate)",
                      "perfused-tubule Ringer 140 mM (Tomita et al. 1985)", variable="Na_lumen"),
        concentration("k_plasma", (4.0,), "plasma (peritubular) K+",
                      "normal serum K 3.5-5.0 mM (docs/reference.md section 5)",
                      variable="K_blood"),
        temperature("absolute temperature"),
        Setting("band_kd0_min", (0.5,), mM, "lower end of ROMK's plausible Mg2+ Kd0",
                "docs/reference.md section 3 (Kd0 0.5-5 mM) [uncertain]", minimum=0.0,
                exclusive_minimum=True, maximum=1000.0),
        Setting("band_kd0_max", (5.0,), mM, "upper end of ROMK's plausible Mg2+ Kd0",
                "docs/reference.md section 3 (Kd0 0.5-5 mM) [uncertain]", minimum=0.0,
                exclusive_minimum=True, maximum=1000.0),
        Setting("band_zdelta_min", (0.6,), None, "lower end of ROMK's plausible z*delta",
                "docs/reference.md section 3; channels/romk.py (0.6-1.4) [uncertain]",
                minimum=0.0, maximum=4.0),
        Setting("band_zdelta_max", (1.4,), None, "upper end of ROMK's plausible z*delta",
                "docs/reference.md section 3; channels/romk.py (0.6-1.4) [uncertain]",
                minimum=0.0, maximum=4.0),
    ) + cell_settings()

    def validate(self, values):
        check_positive(values, ("k_lumen", "k_plasma"))
        for low, high in (("band_kd0_min", "band_kd0_max"), ("band_zdelta_min", "band_zdelta_max")):
            if values[low][0] > values[high][0]:
                shown = [self.setting(n).magnitude(values[n][0]) for n in (low, high)]
                raise UsageError(f"--set {low}={shown[0]:g}: must not exceed "
                                 f"{high}={shown[1]:g}")

    def band_corners(self, fixed) -> list[tuple[float, float]]:
        """(Kd0 in mM, z*delta) at the corners of the uncertainty box."""
        kd0 = (float(fixed["band_kd0_min"] / mM), float(fixed["band_kd0_max"] / mM))
        return list(itertools.product(kd0,
                                      (fixed["band_zdelta_min"], fixed["band_zdelta_max"])))

    def build(self, n, fixed):
        corners = self.band_corners(fixed)
        blocks = 1 + len(corners)
        cell, group = build_cell(type(self), n * blocks, fixed)

        def runner(conditions):
            m = len(conditions)
            env = self.model_values(conditions, fixed)
            env["P_ENaC"] = env["P_ENaC"] * self.batch_values(conditions, fixed)["enac_scale"]
            per_unit = {k: _tile(v, blocks) for k, v in env.items()}
            kd0 = np.asarray(per_unit["Kd0_ROMK"] / mM).copy()
            zdelta = np.asarray(per_unit["zdelta_ROMK"], float).copy()
            for b, (k, z) in enumerate(corners, start=1):
                kd0[b * m:(b + 1) * m], zdelta[b * m:(b + 1) * m] = k, z
            per_unit["Kd0_ROMK"], per_unit["zdelta_ROMK"] = kd0 * mM, zdelta
            result = cell.run(group, per_unit, duration=fixed["relax"], report=self.report())
            check_steady(result, self.name)
            out = []
            for k in range(m):
                rows = [{key: float(result[key][k]) for key in
                         ("j_k_pmol_min_mm", "j_na_pmol_min_mm", "v_apical_mV", "v_basolateral_mV",
                          "v_te_mV", "na_c_mM", "k_c_mM", "unblocked", "residual")}]
                for b, (kd, z) in enumerate(corners, start=1):
                    i = b * m + k
                    rows.append({"_table": "band", "kd0_mM": kd, "zdelta": z,
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
        keys = ("k_lumen_mM", "enac_scale", "na_lumen_mM", "k_plasma_mM")
        # one pass over the rows per grouping (style.row_groups); at most MAX_CURVES groups
        by_group = row_groups(*columns(table, *keys))
        all_groups = sorted(by_group)
        baseline = tuple(self.setting(n).magnitude(self.setting(n).values(False)[0])
                         for n in ("k_lumen", "enac_scale", "na_lumen", "k_plasma"))
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
            label = (f"K$_L$ {group[0]:.3g}, ENaC x{group[1]:.3g}" if len(groups) > 1 else "model")
            line, = ax_k.plot(mg, j_k[part], marked(len(mg)) + "-", label=label, zorder=3)
            if band is not None and len(band):
                lo = [np.min(band_j[band_rows.get((*group, x), [])]) for x in mg]
                hi = [np.max(band_j[band_rows.get((*group, x), [])]) for x in mg]
                ax_k.fill_between(mg, lo, hi, color=line.get_color(), alpha=0.18, lw=0,
                                  label="ROMK Mg affinity range" if index == 0 else None)
            style = dict(color=line.get_color()) if len(groups) > 1 else {}
            for column, marker, name in (("v_apical_mV", "-", "apical"),
                                         ("v_basolateral_mV", "--", "basolateral"),
                                         ("v_te_mV", ":", "transepithelial")):
                ax_v.plot(mg, potentials[column][part], marker, **style,
                          label=name if index == 0 else None)
        if len(groups) < len(all_groups):
            subset_note(fig, [drawn(len(groups), len(all_groups),
                                    "combinations of K$_L$, ENaC, Na$_L$, plasma K")],
                        len(table), f"{self.name}.csv")
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
