"""``mg_sensitivity``: which Mg-handling signatures hold over the uncertain parameters' ranges.

The steady state of every cause of Mg deficiency (``mg_handling``: healthy, low
intake, diarrhea, PPI, Gitelman, EAST, FHHNC, Bartter, thiazide, loop
diuretic, cisplatin) is recomputed with one uncertain parameter at a time set
to the low and to the high end of its plausible range (:data:`PLAUSIBLE`,
each range with its reason), everything else at the run's settings. The
parameters come from the nephron (:mod:`models.nephron`: CaSR brake, TAL
junction, proximal solvent drag), the DCT cell (:mod:`models.dct`,
:mod:`channels.trpm6`: TRPM6, the Na+/Mg2+ exchanger, the pump, Kir4.1/5.1),
the calciotropic axis and gut (:mod:`models.calciotropic`) and the cells
(:mod:`models.mineral`: ``cell_exponent``). Each variant is judged by the
clinical signatures of ``mg_handling`` (the validation rows of
:func:`experiments.mg_handling.mg_handling_signatures`, evaluated on the
variant's steady states) plus FE_Mg > 2 % in EAST and with a thiazide
(:data:`EXTRA_RENAL`).

All variants and causes are one batched :class:`~models.mineral.MineralBody`
steady state. The DCT tables of the kidney are solved once for the central
causes and once for each variant of a parameter that changes them (the
:data:`REBUILT` targets); a parameter that only the TAL's junction reads at
every call (:data:`SEGMENT_ONLY`) shares the central tables. The plasma K of
each cause is the steady state of its collecting duct at its cell Mg
(``cause_ducts``, ``cause_plasma_k`` of ``hypokalemia``). A variant without
a steady state stops the run with one line naming it (``check_steady``).

Columns: ``parameter``, ``end`` (low, high), ``setting_value`` (in
``setting_unit``; a nephron parameter carries its unit in its name), and per
cause ``fe_mg_pct_CAUSE`` (clinical formula), ``serum_mg_mM_CAUSE``,
``urine_ca_rel_CAUSE`` (urine Ca over the healthy person's of the same
variant), ``plasma_k_mM_CAUSE``; then the healthy ``urine_ca_mmol_day_healthy``,
``frac_pt_healthy``, ``frac_tal_healthy``, ``frac_dct_healthy``;
``signatures_held`` (count) and ``signatures_failed`` (short names,
space-separated, or ``-``). The side table ``mg_sensitivity_central.csv``
holds the same results at the central values. The figure: a heat map of the
signatures that fail somewhere (which end of which parameter breaks them) and
the span of FE_Mg of each cause over all variants against the 2 % and 4 %
cut-offs.

References: see ``mg_handling``; the ranges' sources are in :data:`PLAUSIBLE`.
"""
from __future__ import annotations

import dataclasses
import re

import numpy as np

from models import calciotropic as ct
from models import nephron
from models.causes import CAUSES, mineral_body
from models.dct import DCTCell, DistalConvolutedTubule
from models.mineral import MineralParameters
from models.nephron import Kidney

from .engine import progress
from .engine.framework import Experiment
from .engine.settings import Setting
from .engine.style import figure, note
from .engine.table import Table
from .hypokalemia import single_valued
from .k_secretion import check_tubule
from .mg_handling import (FE_EXTRARENAL, FE_RENAL, REF7, MgHandling, mg_handling_signatures)
from .validation.report import within

#: Plausible range (low, high, in the parameter's display unit) of each uncertain parameter,
#: with why. The central value (the model's) lies inside each range.
PLAUSIBLE = {
    # -- TAL junction, read at every call (models.nephron) --------------------------------------
    "casr_theta": (0.25, 4.0, "strength of the CaSR brake, chosen 1 (Gong et al. 2012 axis): a "
                              "quarter to 4 times, d ln g/d ln E -0.8 to -3.2 at normal plasma"),
    "casr_hill": (2.0, 5.0, "CaSR Hill 3-4 (Brown et al. 1993), widened: the claudin-14 "
                            "response downstream of the receptor may be shallower or steeper"),
    "casr_mg_potency": (2.0, 3.0, "EC50 of Mg2+ at the CaSR 2-3 times that of Ca2+ "
                                  "(Brown et al. 1993)"),
    "tal_pth_exponent": (0.0, 0.5, "none (human TmMg independent of PTH, Rude et al. 1980) to "
                                   "the PTH stimulation of rat TAL Mg and Ca transport "
                                   "(de Rouffignac & Quamme 1994 Physiol Rev 74:305)"),
    "p_mg_tal_nl_min_mm": (2.5, 4.5, "healthy TAL share of filtered Mg 63-70 % (chosen 3.3 for "
                                     "~65 %; reviews 50-70 %, Quamme 1997)"),
    "p_ca_tal_nl_min_mm": (4.0, 9.0, "two thirds to 1.5 times the chosen 6: TAL share of "
                                     "filtered Ca 26-28 % (near equilibrium; textbook 20-25 %)"),
    # -- nephron, solved into the DCT tables (models.nephron) ----------------------------------
    "sigma_mg_pt": (0.75, 0.90, "PT share of filtered Mg 11-24 %, inside the reviews' 10-25 % "
                                "(Quamme 1997)"),
    "sigma_ca_pt": (0.0, 0.15, "PT share of filtered Ca 61-67 % (textbook ~65 %, 60-70 %)"),
    "dtl_water_fraction": (0.15, 0.35, "21-28 % of the filtrate entering the TAL, around the "
                                       "~25 % the value was derived for"),
    "tal_v_active_mV": (4.0, 10.0, "+7 mV of rabbit cTAL with symmetric solutions "
                                   "(Greger 1985), +-3 mV"),
    "tal_selectivity": (2.0, 4.0, "P_Na/P_Cl of the TAL junction ~3 in mouse (Hou et al. "
                                  "2007), 1.6 without claudin-16: 2-4 around it"),
    "jmax_nkcc2_pmol_min_mm": (470.0, 660.0, "early distal Na+ 59-30 mM, the 30-60 mM the "
                                             "value was chosen in (~38 mM at 600)"),
    # -- DCT cell (models.dct, channels.trpm6) -------------------------------------------------
    "P_TRPM6": (20.0, 80.0, "half to twice the permeability chosen for a DCT share of 5-10 % "
                            "(DCT Mg2+ reabsorption 1.75-3.56 pmol/min, models.dct)"),
    "Ki_TRPM6": (0.3, 0.8, "Mg_i IC50 0.51 mM (Dutta & Layton 2024 after Voets et al. 2004); "
                           "TRPM7 ~0.6 mM (Kozak & Cahalan 2003): 0.3-0.8"),
    "Vmax_NaMgX_DCT": (0.0175, 0.07, "half to twice the exchanger capacity chosen for the "
                                     "renal threshold TmMg (Rude et al. 1980)"),
    "KMgi_NaMgX_DCT": (0.35, 1.4, "half to twice the 0.7 mM of Dutta & Layton 2024 (NaMgX.py)"),
    "Jmax_pump_DCT": (1.25, 5.0, "half to twice: cell Na+ ~10 mM at baseline (models.dct; at "
                                 "half, Kir4.1 loss no longer lowers Mg2+ reabsorption there)"),
    "g_Kir45_DCT": (4.0, 16.0, "half to twice the DCT Kir4.1/5.1: V_b -69 to -85 mV, inside the "
                               "-65 to -85 mV the value was chosen for (models.dct)"),
    "g_Kv11": (0.25, 1.0, "half to twice the apical Kv1.1 conductance (chosen for luminal K+ "
                          "+1 mM along the DCT, channels.kv11)"),
    "Jmax_NCC": (2.25, 9.0, "half to twice: DCT Na+ reabsorption 3.6-6.6 % of filtered "
                            "(models.dct), around the textbook 5-10 %"),
    "P_TRPV5_DCT": (12.5, 50.0, "half to twice the permeability chosen for a DCT share of "
                                "5-10 % of filtered Ca (Hoenderop et al. 2005)"),
    # -- serum speciation, PTH axis and gut (models.calciotropic) ------------------------------
    "mg_ionized_fraction": (0.55, 0.67, "ionized share of serum Mg 55-67 % (notes 4.3: Altura "
                                        "1994, Barbagallo 2009)"),
    "ca_ionized_fraction": (0.44, 0.57, "ionized share of serum Ca 44-57 % (Dimeski & Treacy "
                                        "2018)"),
    "pth_ca_hill": (8.0, 20.0, "PTH-Ca sigmoid steepness 8-20 (notes 5.9: Schwarz 1993/1994, "
                               "Brent 1988)"),
    "pth_mg_half_mM": (0.2, 0.35, "ionized Mg of half the permissive effect: 0.25 (notes 5.19) "
                                  "to 0.35 (Fatemi et al. 1991's basal PTH)"),
    "pth_response_half_mM": (0.2, 0.4, "end-organ PTH response r 0.96 to 0.69 at Fatemi's "
                                       "mild deficiency (chosen 0.3: r 0.85)"),
    "gut_mg_vmax_mmol_day": (4.0, 7.4, "gut absorbs 29-48 % of a 12 mmol/day diet (Sabatier "
                                       "et al. 2003: 48 %; notes 2.2); below ~27 % the "
                                       "diarrhea cause has no steady state"),
    "gut_mg_km_mmol_day": (5.0, 7.0, "derived from Fine et al. 1991: 5-7 mmol/day (notes 2.6)"),
    "csf_exponent": (0.0, 0.3, "0 (CSF fully defended) to 0.3 (notes 4.15); no signature reads "
                               "CSF Mg: a control"),
    # -- cells (models.mineral) ----------------------------------------------------------------
    "cell_exponent": (0.3, 1.0, "cell free Mg ~ serum^0.3 to proportional (red cells: 0.87, "
                                "Fatemi et al. 1991; models.mineral) [the run's setting replaced]"),
}
ENDS = ("low", "high")
#: Parameters of the TAL junction that :meth:`models.nephron.Kidney.segments` reads at every
#: call: their variants share the central DCT tables (tests/test_mg_sensitivity.py checks
#: that this equals a kidney built with the value).
SEGMENT_ONLY = ("casr_theta", "casr_hill", "casr_mg_potency", "tal_pth_exponent",
                "p_mg_tal_nl_min_mm", "p_ca_tal_nl_min_mm")
#: Names of DCT parameters that another setting of the run already uses (the collecting
#: duct's Kir4.1/5.1): the PLAUSIBLE name -> the DCT cell's name.
DCT_ALIASES = {"g_Kir45_DCT": "g_Kir45"}
#: Targets whose variants need their own DCT tables.
REBUILT = ("nephron", "dct")
#: Results per cause, in the order of the table's columns.
PER_CAUSE = ("fe_mg_pct", "serum_mg_mM", "urine_ca_rel", "plasma_k_mM")
HEALTHY = ("urine_ca_mmol_day_healthy", "frac_pt_healthy", "frac_tal_healthy",
           "frac_dct_healthy")
RESULTS = tuple(f"{q}_{c}" for c in CAUSES for q in PER_CAUSE) + HEALTHY
#: Renal causes that mg_handling_signatures does not give FE_Mg > 2 % a row of.
EXTRA_RENAL = ("east", "thiazide")
_DCT_DECLARED = DCTCell().declared()
_CT_DECLARED = {p.name: p for p in ct.PARAMETERS}
_NEPHRON_DECLARED = {p.name: p for p in nephron.PARAMETERS}


def target(name: str) -> str:
    """Where parameter ``name`` acts: ``segments``, ``nephron``, ``dct``, ``calciotropic``
    or ``mineral`` (a field of :class:`~models.mineral.MineralParameters`)."""
    if name in _NEPHRON_DECLARED:
        return "segments" if name in SEGMENT_ONLY else "nephron"
    if DCT_ALIASES.get(name, name) in _DCT_DECLARED:
        return "dct"
    if name in _CT_DECLARED:
        return "calciotropic"
    if name in MgHandling.all_settings():
        return "mineral"
    raise KeyError(f"mg_sensitivity: no model declares {name!r}")


def declared(name: str):
    """The declaration (a :class:`~channels.base.Parameter`, or the ``mg_handling``
    setting) of parameter ``name``: its range, unit and source."""
    kind = target(name)
    if kind in ("segments", "nephron"):
        return _NEPHRON_DECLARED[name]
    if kind == "dct":
        return _DCT_DECLARED[DCT_ALIASES.get(name, name)][0]
    if kind == "calciotropic":
        return _CT_DECLARED[name]
    return MgHandling.setting(name)


def central_value(name: str, fixed) -> float:
    """The model's value of parameter ``name`` (the run's, for a setting), in its display unit."""
    kind = target(name)
    if kind in ("segments", "nephron"):
        return nephron.DEFAULTS[name]
    if kind == "dct":
        parameter, value = _DCT_DECLARED[DCT_ALIASES.get(name, name)]
        return parameter.magnitude(value)
    if kind == "calciotropic":
        return float(getattr(ct.DEFAULT, name))
    return float(fixed[name])


def signature_name(quantity: str) -> str:
    """Short name of a validation row: ``gitelman: FE_Mg (renal wasting)`` -> ``gitelman_fe_mg``."""
    text = quantity.split(" (")[0].lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


class _OneVariant:
    """Stands in for the validation context: one variant's steady states as ``mg_handling``'s
    main table."""

    def __init__(self, table: Table):
        self.table = table

    def experiment(self, name: str, **_settings) -> dict:
        """The variant's table, whatever the experiment and settings asked for."""
        return {"main": self.table}


def signatures(rows: list[dict]) -> list:
    """The validation rows (:class:`~experiments.validation.report.Result`) of one variant.

    ``rows``: one dict per cause with ``cause`` and ``mg_handling``'s columns. The rows of
    :func:`~experiments.mg_handling.mg_handling_signatures`, then FE_Mg > 2 % for
    :data:`EXTRA_RENAL`.
    """
    table = Table(rows)
    results = mg_handling_signatures(_OneVariant(table))
    for cause in EXTRA_RENAL:
        value = float(table.where(cause=cause)["fe_mg_pct"][0])
        results.append(within(f"{cause}: FE_Mg (renal wasting)", REF7 + ": renal Mg wasting, "
                              f"> {FE_EXTRARENAL:g} %", FE_EXTRARENAL, None, value, unit="%"))
    return results


class VariedDCT(DistalConvolutedTubule):
    """A DCT whose cell parameters differ between the conditions of one kidney.

    ``per_condition`` maps DCT cell parameters to one value per kidney condition (floats
    in their display unit); the kidney's solves, whose units are condition-major (each
    condition's grid points in a row), get them repeated per unit.
    """

    def __init__(self, per_condition: dict, size: int):
        super().__init__()
        self.per_condition, self.size = per_condition, size

    def steady_state(self, flow_nl_min, *args, params=None, **conditions):
        """:meth:`DistalConvolutedTubule.steady_state` with each unit's condition values
        of :attr:`per_condition` added to ``params``."""
        repeat = np.size(flow_nl_min) // self.size
        mine = {k: np.repeat(v, repeat) for k, v in self.per_condition.items()}
        return super().steady_state(flow_nl_min, *args, params={**mine, **(params or {})},
                                    **conditions)


class MgSensitivity(Experiment):
    """Mg-handling signatures of every cause at both ends of each uncertain parameter's range."""

    name = "mg_sensitivity"
    order = 56
    title = "Which Mg-handling signatures hold: every cause against each uncertain parameter"
    channel_classes = MgHandling.channel_classes
    columns = ("parameter", "end", "setting_value", "setting_unit") + RESULTS + (
        "signatures_held", "signatures_failed")
    settings = (
        Setting("parameter", tuple(PLAUSIBLE), None, "the uncertain parameter set to an end of "
                "its plausible range", "mg_sensitivity.PLAUSIBLE", choices=tuple(PLAUSIBLE),
                quick=("casr_theta", "casr_hill", "tal_pth_exponent", "P_TRPM6",
                       "Vmax_NaMgX_DCT", "cell_exponent"), column=True),
        Setting("end", ENDS, None, "end of the plausible range", "mg_sensitivity.PLAUSIBLE",
                choices=ENDS, column=True),
    ) + tuple(s for s in MgHandling.settings if s.name != "cause")

    def validate(self, values):
        check_tubule(values)
        single_valued(values, [n for n in type(self).all_settings() if n not in ("parameter",
                                                                                  "end")],
                      self.name, "parameter or end")

    def build(self, n, fixed):
        def runner(conditions):
            batch = self.batch_values(conditions, fixed, ["parameter", "end"])
            chosen = [(name, PLAUSIBLE[name][ENDS.index(end)])
                      for name, end in zip(batch["parameter"], batch["end"])]
            variants = [(None, None)] + chosen
            labels = [{"parameter": p, "end": e} for p, e in zip(batch["parameter"], batch["end"])]
            results = self.results(variants, fixed, labels)
            central = {"_table": "central", "_once": True, **results[0]}
            rows = []
            for k, (name, value) in enumerate(chosen):
                unit = getattr(declared(name), "unit_name", "") or "1"
                row = {"setting_value": float(value), "setting_unit": unit, **results[k + 1]}
                rows.append([row] + ([central] if k == 0 else []))
            return rows
        return runner

    def results(self, variants: list[tuple], fixed, labels=()) -> list[dict]:
        """The results of each variant ``(parameter, value)`` (``(None, None)``: central);
        ``labels`` name the variants after the central one in an error line."""
        causes = list(CAUSES)
        m, v = len(causes), len(variants)
        cause_of, variant_of = np.tile(np.arange(m), v), np.repeat(np.arange(v), m)
        progress.phase("tabulating the distal convoluted tubules")
        gfr = float(fixed["gfr"])
        params = MineralParameters(ph=float(fixed["ph"]),
                                   cell_exponent=float(fixed["cell_exponent"]),
                                   mg_intake_mmol_day=float(fixed["mg_intake"]))
        base = mineral_body(causes, params, gfr_l_day=gfr)
        body = base.select(cause_of)
        body.kidney = self.kidney(base.kidney, variants, variant_of, cause_of, gfr)
        overrides = self.overrides(variants, variant_of, fixed)
        body.p = dataclasses.replace(body.p, **overrides["mineral"])
        body.ct = dataclasses.replace(body.ct, **overrides["calciotropic"])
        progress.phase("solving the Mg and Ca balance")
        named = [{**(dict(labels[k - 1]) if k else {}), "cause": causes[c]}
                 for k, c in zip(variant_of, cause_of)]
        state = MgHandling().steady(body, [causes[c] for c in cause_of], gfr, fixed, named,
                                    "mg_sensitivity: the Mg and Ca balance")
        steady = {k: state[k] for k in ("fe_mg_pct", "serum_mg_mM", "plasma_k_mM",
                                        "urine_ca_mmol_day", "frac_pt", "frac_tal", "frac_dct")}
        return [self.variant_results({k: x[variant_of == i] for k, x in steady.items()}, causes)
                for i in range(v)]

    def kidney(self, central: Kidney, variants, variant_of, cause_of, gfr) -> Kidney:
        """The kidney of every condition: the central DCT tables, and one table per cause
        for each variant of a :data:`REBUILT` parameter, all solved in one kidney; the
        :data:`SEGMENT_ONLY` values set per condition."""
        m = central.size
        rebuilt = [k for k, (name, _) in enumerate(variants) if name and target(name) in REBUILT]
        if rebuilt:
            configs = len(rebuilt) + 1  # the central tables first
            size = configs * m
            knobs = {k: np.tile(x, configs) for k, x in central.knobs.items()}
            knobs["pt_volume_fraction"] = np.tile(central.w, configs)
            values, dct = {"gfr_l_day": np.full(size, gfr)}, {}
            for j, k in enumerate(rebuilt, start=1):
                name, value = variants[k]
                store = values if target(name) == "nephron" else dct
                key = DCT_ALIASES.get(name, name)
                if key not in store:
                    store[key] = np.full(size, central_value(name, {}))
                store[key][j * m:(j + 1) * m] = value
            tables = Kidney(knobs, values, n=size, dct=VariedDCT(dct, size))
        else:
            tables = central
        config_of = np.zeros(len(variants), int)
        config_of[rebuilt] = np.arange(1, len(rebuilt) + 1)
        kidney = tables.select(config_of[variant_of] * m + cause_of)
        for k, (name, value) in enumerate(variants):
            if name and target(name) == "segments":
                column = np.broadcast_to(np.asarray(kidney.nephron.v[name], float),
                                         (kidney.size,)).copy()
                column[variant_of == k] = value
                kidney.nephron.v[name] = column
        return kidney

    def overrides(self, variants, variant_of, fixed) -> dict[str, dict]:
        """Per-condition values of the calciotropic and mineral parameters the variants set."""
        out: dict[str, dict] = {"calciotropic": {}, "mineral": {}}
        for k, (name, value) in enumerate(variants):
            kind = target(name) if name else None
            if kind in out:
                column = out[kind].setdefault(name, np.full(variant_of.size,
                                                            central_value(name, fixed)))
                column[variant_of == k] = value
        return out

    @staticmethod
    def variant_results(steady: dict, causes: list[str]) -> dict:
        """One variant's row: per-cause results, the healthy fractions and the signatures."""
        healthy = causes.index("healthy")
        rows = [{"cause": c, **{k: float(x[i]) for k, x in steady.items()}}
                for i, c in enumerate(causes)]
        urine_ca = steady["urine_ca_mmol_day"]
        out = {}
        for i, c in enumerate(causes):
            out |= {f"fe_mg_pct_{c}": rows[i]["fe_mg_pct"],
                    f"serum_mg_mM_{c}": rows[i]["serum_mg_mM"],
                    f"urine_ca_rel_{c}": float(urine_ca[i] / urine_ca[healthy]),
                    f"plasma_k_mM_{c}": rows[i]["plasma_k_mM"]}
        out |= {"urine_ca_mmol_day_healthy": float(urine_ca[healthy]),
                **{f"frac_{s}_healthy": rows[healthy][f"frac_{s}"] for s in ("pt", "tal", "dct")}}
        checked = signatures(rows)
        failed = [signature_name(r.quantity) for r in checked if not r.passed]
        return out | {"signatures_held": len(checked) - len(failed),
                      "signatures_failed": " ".join(failed) or "-"}

    def plot(self, tables):
        """Heat map of the failing signatures and the FE_Mg span of each cause."""
        table, central = tables["main"], tables.get("central")
        fig, (axes,) = figure(1, 2, width=5.0, height=0.16 * len(PLAUSIBLE) + 2.2)
        self._heat_map(axes[0], fig, table, central)
        self._fe_spans(axes[1], table, central)
        return fig

    @staticmethod
    def _failed(text) -> set[str]:
        """The signature names of a ``signatures_failed`` cell."""
        if not isinstance(text, str) or text in ("-", ""):  # a NaN cell: nothing failed
            return set()
        return set(text.split())

    def _heat_map(self, ax, fig, table, central):
        """Parameters x signatures failing somewhere: which end breaks each signature."""
        from matplotlib.colors import ListedColormap
        from matplotlib.patches import Patch
        names = list(dict.fromkeys(table["parameter"]))
        failed = {(p, e): self._failed(f) for p, e, f in
                  zip(table["parameter"], table["end"], table["signatures_failed"])}
        at_central = self._failed(central["signatures_failed"][0]) \
            if central is not None and len(central) else set()
        shown = sorted(set().union(at_central, *failed.values()))
        grid = np.zeros((len(names) + 1, max(len(shown), 1)))
        for j, sig in enumerate(shown):
            grid[0, j] = 4 if sig in at_central else 0
            for i, name in enumerate(names, start=1):
                low = sig in failed.get((name, "low"), ())
                high = sig in failed.get((name, "high"), ())
                grid[i, j] = 4 if sig in at_central and low and high else \
                    (3 if low and high else 2 if high else 1 if low else 0)
        colors = ["#e5f5e0", "tab:blue", "tab:red", "tab:purple", "0.35"]
        ax.imshow(grid, cmap=ListedColormap(colors), vmin=-0.5, vmax=4.5, aspect="auto")
        ax.set_yticks(range(len(names) + 1), ["central values"] + names, fontsize=6)
        ax.set_xticks(range(len(shown)), shown, rotation=60, ha="right", fontsize=6)
        ax.grid(False)
        ax.set_xticks(np.arange(grid.shape[1] + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(grid.shape[0] + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="white", lw=0.6)
        ax.tick_params(which="minor", length=0)
        labels = ["holds at both ends", "fails at the low end", "fails at the high end",
                  "fails at both ends", "fails at the central values"]
        ax.legend(handles=[Patch(color=c, label=t) for c, t in zip(colors, labels)],
                  fontsize=6, loc="upper left", bbox_to_anchor=(0.0, -0.35))
        held = table["signatures_held"] if len(table) else np.array([0.0])
        total = int(np.max(held)) + len(at_central) if len(table) else 0
        ax.set_title("signatures that fail somewhere (columns)", fontsize=9)
        note(fig, f"{max(total - len(shown), 0)} other signatures hold at every end of every "
             "parameter shown")

    @staticmethod
    def _fe_spans(ax, table, central):
        """FE_Mg of each cause: its span over all variants (bar), the central value (dot)."""
        renal = {"gitelman", "east", "fhhnc", "bartter", "thiazide", "loop_diuretic",
                 "cisplatin"}
        for y, cause in enumerate(CAUSES):
            column = f"fe_mg_pct_{cause}"
            values = np.asarray(table[column], float) if len(table) else np.array([np.nan])
            color = "tab:orange" if cause in renal else "0.5" if cause == "healthy" \
                else "tab:green"
            ax.plot([np.nanmin(values), np.nanmax(values)], [y, y], lw=5, alpha=0.5,
                    color=color, solid_capstyle="butt")
            if central is not None and len(central):
                ax.plot(float(central[column][0]), y, "o", color="k", ms=3)
        for cut, style in ((FE_EXTRARENAL, "--"), (FE_RENAL, ":")):
            ax.axvline(cut, color="0.4", lw=0.8, ls=style)
        ax.set_yticks(range(len(CAUSES)), list(CAUSES), fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set(xlabel="FE$_{Mg}$ (%): bar = span over all variants, dot = central",
               title="FE$_{Mg}$ per cause (cut-offs 2 % and 4 %)")
        ax.text(0.01, 0.99, "orange: renal causes\ngreen: extrarenal causes", ha="left",
                va="top", transform=ax.transAxes, fontsize=6, color="0.3")


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("mg_sensitivity")
