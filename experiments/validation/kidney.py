"""Checks of the kidney and whole-body experiments (docs/reference.md sections 4 and 5)."""
from __future__ import annotations

import numpy as np

from .report import Context, Result, check, holds, mean_at, within

REF4 = "docs/reference.md §4"


@check(requires=("k_secretion",))
def k_secretion_band(ctx: Context) -> list[Result]:
    """Principal cell: K secretion in the rat CCD band and rising as cytoplasmic Mg falls."""
    table = ctx.experiment("k_secretion", mg_i=[0.1, 0.5, 1.0], enac_scale=[0.0, 1.0, 2.0])["main"]

    def at(column, mg, enac=1.0):
        return mean_at(table, column, mg_i_mM=mg, enac_scale=enac)
    j = {mg: at("j_k_pmol_min_mm", mg) for mg in (0.1, 0.5, 1.0)}
    gain1 = at("j_k_pmol_min_mm", 0.1) - at("j_k_pmol_min_mm", 1.0)
    gain2 = at("j_k_pmol_min_mm", 0.1, 2.0) - at("j_k_pmol_min_mm", 1.0, 2.0)
    amiloride = at("j_k_pmol_min_mm", 0.5, 0.0)
    return [
        within("K secretion at Mg_i 0.5 mM (baseline)",
               REF4 + ": rat CCD about 5-30 pmol/min/mm [uncertain band]", 5.0, 30.0, j[0.5],
               unit="pmol/min/mm"),
        holds("K secretion rises as Mg_i falls 1 -> 0.5 -> 0.1 mM",
              "docs/reference.md §3, Yang, Frindt & Palmer 2010 [confirmed]", "strictly increasing",
              f"{j[1.0]:.2f} < {j[0.5]:.2f} < {j[0.1]:.2f}", j[1.0] < j[0.5] < j[0.1]),
        within("Na absorption / K secretion at baseline",
               REF4 + ": Na absorption several-fold higher [uncertain band, chosen >= 2]",
               2.0, None, at("j_na_pmol_min_mm", 0.5) / j[0.5]),
        within("basolateral potential", REF4 + " [uncertain band]", -85.0, -70.0,
               at("v_basolateral_mV", 0.5), unit="mV"),
        within("transepithelial potential (lumen negative)", REF4 + " [uncertain band]",
               -50.0, 0.0, at("v_te_mV", 0.5), unit="mV"),
        within("apical potential", REF4 + " [uncertain band]", -60.0, -30.0,
               at("v_apical_mV", 0.5), unit="mV"),
        holds("amiloride (ENaC off) cuts K secretion",
              REF4 + ": secretion needs ENaC's lumen-negative potential (Weinstein 2001) "
              "[confirmed]", "j_K(ENaC 0) < 0.5 j_K(ENaC 1)",
              f"{amiloride:.2f} < 0.5 x {j[0.5]:.2f}", amiloride < 0.5 * j[0.5]),
        holds("the Mg effect on K secretion grows with ENaC activity (distal Na delivery)",
              "docs/reference.md §3, Huang & Kuo 2007 [confirmed]",
              "gain(Mg 1 -> 0.1) at ENaC x2 > at x1", f"{gain2:.2f} > {gain1:.2f}",
              gain2 > gain1),
    ]


@check(requires=("hypokalemia",))
def hypokalemia_scenarios(ctx: Context) -> list[Result]:
    """Whole body: K supplements fail until Mg is restored (scenario order of plasma K)."""
    table = ctx.experiment("hypokalemia")["main"]
    end = {}
    for scenario in ("untreated", "k_only", "mg_only", "k_and_mg"):
        part = table.where(scenario=scenario)
        end[scenario] = float(part["plasma_k_mM"][int(np.argmax(part["t_day"]))])
    src = "docs/reference.md §5, Huang & Kuo 2007 [confirmed]"
    return [
        within("plasma K, untreated Mg deficiency (end)", src + "; hypokalemia < 3.5 mM",
               None, 3.5, end["untreated"], unit="mM"),
        within("plasma K with the K supplement alone (end)", src + ": K supplements fail "
               "while Mg is deficient; hypokalemia < 3.5 mM", None, 3.5, end["k_only"], unit="mM"),
        holds("K supplement alone helps less than K + Mg", src + ": K repletion fails until Mg "
              "is repleted", "untreated < k_only < k_and_mg",
              f"{end['untreated']:.2f} < {end['k_only']:.2f} < {end['k_and_mg']:.2f}",
              end["untreated"] < end["k_only"] < end["k_and_mg"]),
        holds("Mg alone raises plasma K", src + ": Mg alone raises serum K",
              "untreated < mg_only", f"{end['untreated']:.2f} < {end['mg_only']:.2f}",
              end["untreated"] < end["mg_only"]),
        within("plasma K with K + Mg (end)", src + "; normal serum K 3.5-5.0 mM", 3.5, 5.0,
               end["k_and_mg"], unit="mM"),
    ]


@check(quick=False, requires=("hypomagnesemia",))
def hypomagnesemia_directions(ctx: Context) -> list[Result]:
    """One serum Mg, three organs: low Mg raises firing and K secretion, lowers plasma K."""
    table = ctx.experiment("hypomagnesemia", serum_mg=[0.3, 0.85])["main"]
    low, normal = ({c: mean_at(table, c, serum_mg_mM=m) for c in
                    ("rate_hz", "j_k_pmol_min_mm", "plasma_k_mM")} for m in (0.3, 0.85))
    src = "docs/reference.md §2-5 (NMDA block; ROMK block; Huang & Kuo 2007) [confirmed directions]"
    return [
        holds("neuronal firing: serum Mg 0.3 > 0.85 mM", src, "rate(0.3) > rate(0.85)",
              f"{low['rate_hz']:.2f} > {normal['rate_hz']:.2f} Hz",
              low["rate_hz"] > normal["rate_hz"]),
        holds("renal K secretion: serum Mg 0.3 > 0.85 mM", src, "J_K(0.3) > J_K(0.85)",
              f"{low['j_k_pmol_min_mm']:.2f} > {normal['j_k_pmol_min_mm']:.2f} pmol/min/mm",
              low["j_k_pmol_min_mm"] > normal["j_k_pmol_min_mm"]),
        holds("steady plasma K: serum Mg 0.3 < 0.85 mM", src, "K_p(0.3) < K_p(0.85)",
              f"{low['plasma_k_mM']:.2f} < {normal['plasma_k_mM']:.2f} mM",
              low["plasma_k_mM"] < normal["plasma_k_mM"]),
    ]
