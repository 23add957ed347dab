"""``hypokalemia``: why K+ supplements fail until Mg2+ is restored.

A patient with Mg deficiency (serum Mg ``serum_mg``, cytoplasmic Mg low) and
raised distal Na+ delivery / aldosterone (``enac_scale``, e.g. on a thiazide)
is followed over days (:class:`models.body.Body`) in four scenarios
(``scenario``): ``untreated``; ``k_only`` (K+ supplement while Mg deficient);
``mg_only``; ``k_and_mg``. Treatment starts at ``start_day``. Renal K+
excretion comes from the collecting-duct principal-cell model
(:class:`models.principal_cell.PrincipalCell`), tabulated once over plasma K
and cytoplasmic Mg in one batched Brian2 run: low cytoplasmic Mg releases
ROMK's block, so the kidney secretes more K+ at any plasma K; a K+
supplement is largely secreted again, and plasma K stays below what K+ and
Mg together achieve until Mg (with its lag of days into cells) is restored
(Huang & Kuo 2007 JASN 18:2649).

What the model says, with its defaults (serum Mg 0.3 mM, ENaC x3, K+ 40
mmol/day, 21 days): untreated plasma K about 3.3 mM; K+ alone about 3.75;
Mg alone about 3.75 and still rising (cell Mg lags); K+ and Mg about 4.35.
Because distal K+ adaptation multiplies secretion by (K_p/K_p0)^n_adapt, a
K+ supplement raises the steady plasma K by the same factor (1 +
supplement/diet)^(1/n_adapt) with or without Mg; Mg deficiency lowers the
whole curve. Whether K+ alone ends below 3.5 mM therefore depends on the
dose, n_adapt and the depth of the Mg deficit (e.g. 20 mmol/day gives about
3.6; see the report of the run's settings).

Columns: ``scenario``, ``t_day``, ``plasma_k_mM``, ``serum_mg_mM``,
``mg_i_mM``, ``urine_k_mmol_day``, ``k_intake_mmol_day``, ``k_icf_mM``,
``urine_mg_mmol_day``. Side tables: ``hypokalemia_renal.csv`` (the
principal-cell table: ``k_plasma_mM``, ``mg_i_mM``, ``j_k_pmol_min_mm``) and
``hypokalemia_balance.csv`` (per scenario: final values, calibrated
``length_mm``, relative K and Mg balance errors).

References: Huang & Kuo 2007 JASN 18:2649; Sterns et al. 1981 Medicine
60:339; Palmer, Antonian & Frindt 1994 J Gen Physiol 104:693; Agus 1999 JASN
10:1616; Martin, González & Slatopolsky 2009 JASN 20:2291.
"""
from __future__ import annotations

import numpy as np
from brian2 import mM

from channels.enac import ENaC
from channels.kir_basolateral import Kir45
from models.body import (SCENARIOS, Body, BodyParameters, RenalTable, balance_error,
                         scenario_doses)
from models.principal_cell import ApicalROMK, PrincipalCell

from .engine.framework import Experiment
from .k_secretion import build_cell, cell_settings, check_steady
from .engine.settings import Setting, UsageError, concentration, temperature
from .engine.style import figure

HYPOKALEMIA_MM = 3.5
NORMAL_K_MM = (3.5, 5.0)


def _number(name, default, meaning, source, minimum=0.0, maximum=1000.0, quick=None,
            exclusive=False, integer=False):
    return Setting(name, (default,), None, meaning, source, quick=quick, minimum=minimum,
                   maximum=maximum, exclusive_minimum=exclusive, integer=integer)


def body_settings() -> tuple[Setting, ...]:
    """Whole-body settings (shared with ``hypomagnesemia``); defaults from BodyParameters."""
    d = BodyParameters()
    return (
        _number("k_diet", d.k_diet_mmol_day, "absorbed dietary K+ (mmol/day)",
                "typical intake 70-100 mmol/day, ~10 % lost in stool"),
        _number("n_adapt", d.n_adapt, "gain of distal K+ adaptation a = (K_p/K_p0)^n",
                "Palmer, Antonian & Frindt 1994 JGP 104:693; Dluhy et al. 1972 JCI 51:1950 "
                "[uncertain]", maximum=20.0),
        _number("k_p0", d.k_p0_mM, "plasma K+ (mM) at which the Mg-replete body is in balance",
                "normal serum K 3.5-5.0 mM (docs/reference.md section 5)", exclusive=True, maximum=20.0),
        _number("beta_k", d.beta_k, "d ln(cell K)/d ln(plasma K)",
                "derived: ~300 mmol body K per mM plasma K (Sterns et al. 1981 Medicine 60:339)",
                maximum=5.0),
        _number("tau_k", d.tau_k_day, "K+ redistribution time between ECF and cells (days)",
                "K loads are taken up by cells within hours [uncertain]", exclusive=True,
                maximum=100.0),
        _number("tau_mg", d.tau_mg_day, "lag of cytoplasmic behind serum Mg (days)",
                "cell stores refill days after serum normalises (Agus 1999 JASN 10:1616; "
                "Martin et al. 2009 JASN 20:2291) [uncertain]", exclusive=True, maximum=100.0),
        _number("beta_mg", d.beta_mg, "cell total / free Mg2+",
                "cell total Mg ~10 mM, free ~0.5 mM [uncertain]", exclusive=True, maximum=1000.0),
        _number("n_mg_renal", d.n_mg_renal, "exponent of urinary Mg vs serum Mg",
                "derived: FE_Mg 3-4 % normally, 1-2 % in extrarenal deficiency (docs/reference.md "
                "section 5)", maximum=20.0),
        _number("cell_exponent", d.cell_exponent, "cytoplasmic Mg ~ serum Mg^gamma",
                "proportional by default [uncertain]", maximum=5.0),
        Setting("enac_scale", (3.0,), None, "ENaC activity of the patient relative to the "
                "perfused-CCD baseline (distal Na+ delivery, aldosterone)",
                "a patient on a thiazide: more distal Na+ delivery and secondary "
                "aldosteronism, the setting in which Mg deficiency wastes K (Huang & Kuo "
                "2007) [uncertain]", minimum=0.0, maximum=100.0),
        Setting("table_points", (12,), None, "grid points per axis of the renal table",
                "numerical choice (bilinear interpolation in log J)", quick=(8,), minimum=3,
                maximum=100, integer=True),
    )


def single_valued(values, names, experiment: str, swept: str) -> None:
    """UsageError unless every named setting has exactly one value (no sweep)."""
    for name in names:
        if len(values[name]) != 1:
            raise UsageError(f"--set {name}: {len(values[name])} values given; takes one "
                             f"value in {experiment} (sweep {swept} instead); allowed: one value")


def renal_table(experiment, fixed, points: int | None = None, extra_k_plasma=None,
                extra_mg_i=None) -> tuple[RenalTable, list[dict], dict | None]:
    """Principal-cell steady-state K+ secretion over plasma K x cytoplasmic Mg (one Brian2 run).

    Grid: plasma K 2-7 mM (linear), cytoplasmic Mg 0.02-1.2 mM (geometric),
    ``points`` each; every other condition as in ``fixed`` (ENaC scaled by
    ``enac_scale``). ``extra_k_plasma``/``extra_mg_i`` (arrays, mM) add units
    to the same run, whose outputs come back as the third value (else None).
    Returns the table, its rows for the side table and the extra outputs.
    """
    points = int(points or fixed["table_points"])
    k_grid = np.linspace(2.0, 7.0, points)
    mg_grid = np.geomspace(0.02, 1.2, points)
    kk, gg = np.meshgrid(k_grid, mg_grid, indexing="ij")
    k_all, mg_all = kk.ravel(), gg.ravel()
    extra = 0 if extra_mg_i is None else len(np.atleast_1d(extra_mg_i))
    if extra:
        k_all = np.concatenate([k_all, np.broadcast_to(extra_k_plasma, (extra,))])
        mg_all = np.concatenate([mg_all, np.atleast_1d(extra_mg_i)])
    cell, group = build_cell(type(experiment), k_all.size, fixed)
    env = experiment.model_values([{} for _ in range(k_all.size)], fixed, group.variables)
    env["P_ENaC"] = env["P_ENaC"] * float(fixed["enac_scale"])
    env["K_blood"] = k_all * mM
    env["Mg_i"] = mg_all * mM
    result = cell.run(group, env, duration=fixed["relax"], report=experiment.report())
    check_steady(result, f"{experiment.name} renal table")
    j = result["j_k_pmol_min_mm"][:kk.size].reshape(kk.shape)
    rows = [{"_table": "renal", "_once": True, "k_plasma_mM": float(k), "mg_i_mM": float(g),
             "j_k_pmol_min_mm": float(v)} for k, g, v in zip(kk.ravel(), gg.ravel(), j.ravel())]
    extra_out = {key: value[kk.size:] for key, value in result.items()} if extra else None
    return RenalTable(k_grid, mg_grid, j), rows, extra_out


def body_parameters(fixed) -> BodyParameters:
    """BodyParameters from the run's settings."""
    return BodyParameters(k_diet_mmol_day=fixed["k_diet"], n_adapt=fixed["n_adapt"],
                          k_p0_mM=fixed["k_p0"], beta_k=fixed["beta_k"], tau_k_day=fixed["tau_k"],
                          tau_mg_day=fixed["tau_mg"], beta_mg=fixed["beta_mg"],
                          n_mg_renal=fixed["n_mg_renal"], cell_exponent=fixed["cell_exponent"])


class Hypokalemia(Experiment):
    """Plasma K and serum Mg over days under four treatment scenarios."""

    name = "hypokalemia"
    order = 60
    title = "Hypokalemia of Mg deficiency: K+ supplements fail until Mg is restored"
    channel_classes = (ENaC, ApicalROMK, Kir45, PrincipalCell)
    columns = ("scenario", "t_day", "plasma_k_mM", "serum_mg_mM", "mg_i_mM",
               "urine_k_mmol_day", "k_intake_mmol_day", "k_icf_mM", "urine_mg_mmol_day")
    settings = (
        Setting("scenario", SCENARIOS, None, "treatment scenario", "Huang & Kuo 2007 JASN 18:2649",
                choices=SCENARIOS, column=True),
        concentration("serum_mg", (0.25,), "serum total Mg of the untreated Mg-deficient patient",
                      "severe, symptomatic hypomagnesemia: < 0.7 mM, symptoms usually < 0.5 mM "
                      "(docs/reference.md section 2)",
                      column=False, maximum=5.0),
        _number("k_supplement", 20.0, "oral K+ supplement (mmol/day, absorbed)",
                "a common oral KCl dose (20 mmol/day; 40-100 mmol/day for repletion): "
                "with the default Mg deficit it leaves plasma K below 3.5 mM"),
        _number("mg_load", 20.0, "retained Mg during the loading days (mmol/day)",
                "IV MgSO4 ~8-12 g (32-48 mmol) per day at first, about half retained "
                "(Agus 1999 JASN 10:1616; Martin et al. 2009 JASN 20:2291) [uncertain]"),
        _number("mg_load_days", 5.0, "days of Mg loading before maintenance",
                "repletion over several days (Agus 1999) [uncertain]", maximum=1000.0),
        _number("mg_supplement", 5.0, "retained Mg maintenance supplement (mmol/day)",
                "oral Mg maintenance, with the cause of the deficiency persisting "
                "[uncertain]"),
        _number("start_day", 2.0, "day treatment starts", "shows the untreated state first",
                maximum=1000.0),
        _number("days", 21.0, "length of the simulation (days)", "repletion takes days to weeks",
                exclusive=True, maximum=1000.0, quick=(14.0,)),
        _number("body_dt", 0.01, "integration step (RK4) of the body model (days)",
                "numerical choice: fastest time constant ~0.03 day (K shift between ECF and "
                "cells)", exclusive=True, maximum=0.05),
        concentration("na_lumen", (140.0,), "luminal Na+ of the principal-cell table",
                      "perfused-tubule Ringer 140 mM", column=False, variable="Na_lumen"),
        concentration("k_lumen", (5.0,), "luminal K+ of the principal-cell table",
                      "perfusate K 5 mM (Tomita et al. 1985)", column=False, variable="K_lumen"),
        temperature("absolute temperature"),
    ) + body_settings() + cell_settings(relax=900.0)

    def validate(self, values):
        for name in ("k_lumen", "serum_mg"):
            if values[name][0] <= 0:
                raise UsageError(f"--set {name}={float(values[name][0] / mM):g}: must be > 0 mM; "
                                 "allowed: numbers in mM > 0")
        if values["start_day"][0] >= values["days"][0]:
            raise UsageError(f"--set start_day={values['start_day'][0]:g}: must be before "
                             f"days={values['days'][0]:g}")
        single_valued(values, [n for n in type(self).all_settings() if n != "scenario"],
                      self.name, "scenario")

    def build(self, n, fixed):
        state = {}

        def runner(conditions):
            if "table" not in state:
                state["table"], state["rows"], _ = renal_table(self, fixed)
            table = state["table"]
            scenarios = [c.get("scenario", fixed.get("scenario")) for c in conditions]
            body = Body(table, body_parameters(fixed))
            k_supp, mg_supp, mg_load = scenario_doses(scenarios, fixed["k_supplement"],
                                                      fixed["mg_supplement"], fixed["mg_load"])
            serum_mg_mM = float(fixed["serum_mg"] / mM)
            result = body.simulate(np.full(len(conditions), serum_mg_mM), k_supp, mg_supp,
                                   fixed["start_day"], fixed["days"], dt_day=fixed["body_dt"],
                                   mg_load=mg_load, mg_load_days=fixed["mg_load_days"])
            out = []
            for k in range(len(conditions)):
                rows = [{"t_day": float(t), **{c: float(result[c][i, k]) for c in self.columns[2:]}}
                        for i, t in enumerate(result["t_day"])]
                rows.append({"_table": "balance", "length_mm": float(body.length_mm),
                             "final_plasma_k_mM": float(result["plasma_k_mM"][-1, k]),
                             "initial_plasma_k_mM": float(result["plasma_k_mM"][0, k]),
                             "final_serum_mg_mM": float(result["serum_mg_mM"][-1, k]),
                             "final_mg_i_mM": float(result["mg_i_mM"][-1, k]),
                             "k_balance_error": balance_error(_column(result, k), "k"),
                             "mg_balance_error": balance_error(_column(result, k), "mg"),
                             "table_clamped": int(table.clamped)})
                if k == 0:
                    rows += state["rows"]
                out.append(rows)
            return out
        return runner

    def plot(self, tables):
        table = tables["main"]
        fig, axes = figure(1, 3, width=3.6)
        ax_k, ax_mg, ax_u = axes[0]
        colors = {"untreated": "0.3", "k_only": "tab:orange", "mg_only": "tab:blue",
                  "k_and_mg": "tab:green"}
        for scenario in table.unique("scenario"):
            part = table.where(scenario=scenario)
            order = np.argsort(part["t_day"])
            t = part["t_day"][order]
            color = colors.get(scenario)
            ax_k.plot(t, part["plasma_k_mM"][order], color=color, label=scenario)
            ax_mg.plot(t, part["serum_mg_mM"][order], color=color, label=f"{scenario} serum")
            ax_mg.plot(t, part["mg_i_mM"][order], "--", color=color)
            ax_u.plot(t, part["urine_k_mmol_day"][order], color=color, label=scenario)
            ax_u.plot(t, part["k_intake_mmol_day"][order], ":", color=color, lw=1)
        ax_k.axhspan(*NORMAL_K_MM, color="tab:green", alpha=0.08, label="normal 3.5-5.0")
        ax_k.axhline(HYPOKALEMIA_MM, color="tab:red", lw=0.8, ls="--")
        ax_k.set(xlabel="time (days)", ylabel="plasma K$^+$ (mM)", title="plasma K$^+$")
        ax_k.legend()
        ax_mg.axhspan(0.7, 1.1, color="tab:green", alpha=0.08)
        ax_mg.text(0.98, 0.98, "k_only on untreated,\nk_and_mg on mg_only", ha="right",
                   va="top", transform=ax_mg.transAxes, fontsize=7, color="0.4")
        ax_mg.set(xlabel="time (days)", ylabel="Mg (mM)",
                  title="serum Mg (solid), cell free Mg (dashed)")
        ax_u.set(xlabel="time (days)", ylabel="K$^+$ (mmol/day)",
                 title="urine K$^+$ (solid), intake (dotted)")
        return fig


def _column(result, k):
    """One scenario's series from a body result (records x scenarios arrays)."""
    return {key: (value[:, k] if isinstance(value, np.ndarray) and value.ndim == 2 else value)
            for key, value in result.items()}


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("hypokalemia")
