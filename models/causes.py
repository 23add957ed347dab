"""Causes of Mg deficiency as scenarios: documented sets of parameter changes.

Each :class:`Cause` names the parameters it changes from the healthy person
(:data:`CAUSES`), why (the source), and whether each change is a mechanism
the models then carry (a lost transporter or channel: ``ncc_scale``,
``kir41_dct_scale``, ``cldn16_scale``, ``nkcc2_scale``, ...) or an imposed
adaptation that the models cannot derive and that the literature measured
(``trpm6_scale``: TRPM6 down-regulation; ``dct_length_scale``: DCT atrophy;
``pt_volume_fraction``: the proximal reabsorption of a contracted ECF;
``aldosterone``: secondary aldosteronism). Imposed changes are listed in
:attr:`Cause.imposed`, so that a figure or a table can say which signature
emerges and which was put in.

The knobs, all relative to the healthy person (1 = normal unless stated):

========================  ===========================================================
``mg_intake_scale``       dietary Mg relative to the person's diet (healthy 1)
``diarrhea_l_day``        stool water lost as lower-GI fluid, L/day (healthy 0)
``ppi_scale``             transcellular (TRPM6/7) gut absorption (PPI: reduced)
``ncc_scale``             NCC activity (Gitelman 0; thiazide 1 - block)
``nkcc2_scale``           NKCC2 activity (Bartter 1 0; loop diuretic 1 - block)
``romk_tal_scale``        apical ROMK of the TAL (Bartter 2)
``cldn16_scale``          claudin-16/19 pore of the TAL (FHHNC)
``kir41_dct_scale``       basolateral Kir4.1/5.1 of the DCT (EAST/SeSAME)
``trpm6_scale``           TRPM6 channels of the DCT (imposed down-regulation)
``dct_length_scale``      DCT length (imposed atrophy)
``pt_volume_fraction``    fraction of filtered water the PT reabsorbs (healthy 0.67)
``aldosterone``           aldosterone at normal plasma K, relative (healthy 1)
``enac_scale``, ``flow``  collecting-duct Na+ delivery and flow (nl/min; healthy 1, 5)
========================  ===========================================================

References
----------
Nijenhuis T, Vallon V, van der Kemp AWCM, et al. (2005) Enhanced passive Ca2+
reabsorption and reduced Mg2+ channel abundance explains thiazide-induced
hypocalciuria and hypomagnesemia. J Clin Invest 115:1651-1658.
Loffing J, Vallon V, Loffing-Cueni D, et al. (2004) Altered renal distal
tubule structure and renal Na+ and Ca2+ handling in a mouse model for
Gitelman's syndrome. J Am Soc Nephrol 15:2276-2288.
Bockenhauer D, Feather S, Stanescu HC, et al. (2009) Epilepsy, ataxia,
sensorineural deafness, tubulopathy, and KCNJ10 mutations. N Engl J Med
360:1960-1970.
Simon DB, Lu Y, Choate KA, et al. (1999) Paracellin-1, a renal tight junction
protein required for paracellular Mg2+ resorption. Science 285:103-106.
Simon DB, Karet FE, Hamdan JM, et al. (1996) Bartter's syndrome,
hypokalaemic alkalosis with hypercalciuria, is caused by mutations in the
Na-K-2Cl cotransporter NKCC2. Nat Genet 13:183-188.
Lajer H, Daugaard G (1999) Cisplatin and hypomagnesemia. Cancer Treat Rev
25:47-58; Ledeganck KJ, Boulet GA, Bogers JJ, et al. (2013) The TRPM6/EGF
pathway is downregulated in a rat model of cisplatin nephrotoxicity. PLoS One
8:e57016.
Cundy T, Mackay J (2011) Proton pump inhibitors and severe hypomagnesaemia.
Curr Opin Gastroenterol 27:180-185.
Fine KD, Santa Ana CA, Fordtran JS (1991) Diagnosis of magnesium-induced
diarrhea. N Engl J Med 324:1012-1017.
Fatemi S, Ryzen E, Flores J, Endres DB, Rude RK (1991) Effect of
experimental human magnesium depletion on parathyroid hormone secretion and
1,25-dihydroxyvitamin D metabolism. J Clin Endocrinol Metab 73:1067-1072.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from . import calciotropic as ct
from .mineral import MineralBody, MineralParameters
from .nephron import KNOBS, Kidney

#: The healthy person's value of every knob a cause may change.
HEALTHY: dict[str, float] = {
    "mg_intake_scale": 1.0, "diarrhea_l_day": 0.0, "ppi_scale": 1.0,
    "ncc_scale": 1.0, "nkcc2_scale": 1.0, "romk_tal_scale": 1.0, "cldn16_scale": 1.0,
    "kir41_dct_scale": 1.0, "trpm6_scale": 1.0, "dct_length_scale": 1.0,
    "pt_volume_fraction": 0.67, "aldosterone": 1.0, "enac_scale": 1.0, "flow": 5.0,
}


@dataclass(frozen=True)
class Cause:
    """One cause of Mg deficiency: what it changes, why, and what is imposed.

    Parameters
    ----------
    name : str
        Scenario name (``gitelman``).
    title : str
        One line for figures and tables.
    changes : mapping
        Knob -> value (see the module docstring); the others stay healthy.
    imposed : tuple of str
        The knobs among ``changes`` that are measured adaptations put into
        the model, not mechanisms it carries.
    source : str
        Citations for the changes.
    signature : str
        The clinical signature the scenario must show (validated).
    """

    name: str
    title: str
    changes: Mapping[str, float]
    source: str
    signature: str
    imposed: tuple[str, ...] = field(default=())

    def __post_init__(self):
        unknown = [k for k in self.changes if k not in HEALTHY]
        if unknown:
            raise ValueError(f"cause {self.name}: unknown knob {unknown[0]!r}; "
                             f"allowed: {', '.join(HEALTHY)}")
        stray = [k for k in self.imposed if k not in self.changes]
        if stray:
            raise ValueError(f"cause {self.name}: imposed knob {stray[0]!r} is not changed")

    def values(self) -> dict[str, float]:
        """Every knob's value in this cause."""
        return {**HEALTHY, **self.changes}


#: Secondary aldosteronism and ECF contraction of the salt-wasting tubulopathies and
#: diuretics (renin and aldosterone raised; enhanced proximal reabsorption, Nijenhuis 2005).
_SALT_WASTING = {"pt_volume_fraction": 0.69, "aldosterone": 2.0, "enac_scale": 1.3, "flow": 5.5}
_SALT_WASTING_IMPOSED = ("pt_volume_fraction", "aldosterone", "enac_scale", "flow")

CAUSES: dict[str, Cause] = {c.name: c for c in (
    Cause("healthy", "healthy adult", {}, "reference person", "serum Mg 0.7-1.1 mM, FE_Mg 1-5 %"),
    Cause("low_intake", "low dietary Mg (a quarter of the diet)", {"mg_intake_scale": 0.25},
          "dietary depletion (Fatemi et al. 1991: < 0.5 mmol/day for 3 weeks) [uncertain dose]",
          "extrarenal: FE_Mg < 2 %, urine Mg < 1 mmol/day"),
    Cause("diarrhea", "chronic diarrhea (0.4 L/day of lower-GI fluid)", {"diarrhea_l_day": 0.4},
          "lower-GI fluid Mg ~7.5 mM (Fine, Santa Ana & Fordtran 1991) [uncertain volume]",
          "extrarenal: FE_Mg < 2 %"),
    Cause("ppi", "proton-pump inhibitor (transcellular absorption 15 %)", {"ppi_scale": 0.15},
          "reduced TRPM6/7 absorption (Cundy & Mackay 2011) [uncertain size]",
          "extrarenal: FE_Mg < 2 %", imposed=("ppi_scale",)),
    Cause("gitelman", "Gitelman syndrome (SLC12A3, NCC loss)",
          {"ncc_scale": 0.0, "trpm6_scale": 0.15, "dct_length_scale": 0.75, **_SALT_WASTING,
           "pt_volume_fraction": 0.70},
          "NCC loss; TRPM6 down-regulation and DCT atrophy in NCC-deficient mice (Nijenhuis "
          "et al. 2005; Loffing et al. 2004) [uncertain sizes]",
          "renal wasting FE_Mg > 4 %, hypocalciuria, hypokalemia",
          imposed=("trpm6_scale", "dct_length_scale") + _SALT_WASTING_IMPOSED),
    Cause("east", "EAST/SeSAME syndrome (KCNJ10, Kir4.1 loss in the DCT)",
          {"kir41_dct_scale": 0.05, **_SALT_WASTING},
          "KCNJ10 loss of function (Bockenhauer et al. 2009) [uncertain residual]",
          "renal Mg wasting, hypokalemia", imposed=_SALT_WASTING_IMPOSED),
    Cause("fhhnc", "FHHNC (CLDN16, claudin-16 loss)", {"cldn16_scale": 0.4},
          "paracellin-1/claudin-16 mutations (Simon et al. 1999) [uncertain residual]",
          "renal wasting FE_Mg > 4 %, hypercalciuria"),
    Cause("bartter", "Bartter syndrome type 1 (SLC12A1, NKCC2 loss)",
          {"nkcc2_scale": 0.1, "dct_length_scale": 1.6, **_SALT_WASTING},
          "NKCC2 mutations (Simon et al. 1996) [uncertain residual]; DCT hypertrophy under "
          "raised distal NaCl delivery (Kaissling et al. 1985 AJP 248:F374, furosemide in "
          "rats) [uncertain size]",
          "hypercalciuria, hypokalemia; serum Mg normal or mildly low",
          imposed=("dct_length_scale",) + _SALT_WASTING_IMPOSED),
    Cause("thiazide", "thiazide diuretic (70 % NCC block)",
          {"ncc_scale": 0.3, "trpm6_scale": 0.6, **_SALT_WASTING, "aldosterone": 1.5},
          "NCC block; TRPM6 down-regulation with chronic thiazide (Nijenhuis et al. 2005); "
          "aldosterone +50 % (chlorothiazide 500 mg/day: +66 %) [uncertain sizes]", "renal Mg wasting, hypocalciuria, hypokalemia",
          imposed=("trpm6_scale",) + _SALT_WASTING_IMPOSED),
    Cause("loop_diuretic", "loop diuretic (60 % NKCC2 block)",
          {"nkcc2_scale": 0.4, "dct_length_scale": 1.3, **_SALT_WASTING},
          "NKCC2 block by furosemide [uncertain average block over a day]; DCT hypertrophy "
          "(Kaissling et al. 1985) [uncertain size]",
          "hypercalciuria and magnesiuria, hypokalemia",
          imposed=("dct_length_scale",) + _SALT_WASTING_IMPOSED),
    Cause("cisplatin", "cisplatin (TRPM6/EGF down-regulation, DCT injury)",
          {"trpm6_scale": 0.3, "dct_length_scale": 0.8},
          "TRPM6/EGF down-regulation in cisplatin nephrotoxicity (Ledeganck et al. 2013; Lajer "
          "& Daugaard 1999) [uncertain sizes]", "renal wasting FE_Mg > 2 %",
          imposed=("trpm6_scale", "dct_length_scale")),
)}


def cause(name: str) -> Cause:
    """The cause called ``name``; KeyError naming the allowed ones."""
    try:
        return CAUSES[name]
    except KeyError:
        raise KeyError(f"unknown cause {name!r}; allowed: {', '.join(CAUSES)}") from None


#: The collecting-duct knobs of a cause: what reaches the K-secreting duct.
DUCT_KNOBS = ("aldosterone", "enac_scale", "flow")


def duct_knobs(name: str) -> dict[str, float]:
    """The collecting duct of the cause ``name``: aldosterone, ENaC activity, flow (nl/min)."""
    values = cause(name).values()
    return {k: values[k] for k in DUCT_KNOBS}


def mineral_body(names: Sequence[str], params: MineralParameters = MineralParameters(),
                 gfr_l_day=None) -> MineralBody:
    """The Mg and Ca balance of one patient per cause in ``names``: each cause's kidney
    (:class:`models.nephron.Kidney` with its knobs), gut (PPI, diarrhea, diet) and the
    shared ``params`` (floats or one value per name); ``gfr_l_day`` per name or None
    (the nephron's default)."""
    values = [cause(n).values() for n in names]

    def column(knob):
        return np.array([v[knob] for v in values], float)
    knobs = {k: column(k) for k in (*KNOBS, "pt_volume_fraction") if k in HEALTHY}
    gfr = np.broadcast_to(np.asarray(np.nan if gfr_l_day is None else gfr_l_day, float),
                          (len(values),))
    # one kidney per distinct cause and GFR: the units that share them share its tables
    rows, index = np.unique(np.column_stack([*knobs.values(), gfr]), axis=0,
                           return_inverse=True)
    kidney = Kidney(dict(zip(knobs, rows[:, :-1].T)),
                    values=None if gfr_l_day is None else {"gfr_l_day": rows[:, -1]},
                    n=len(rows)).select(np.ravel(index))
    physiology = dataclasses.replace(ct.DEFAULT, ppi_transcellular_scale=column("ppi_scale"))
    return MineralBody(kidney, params, physiology, diarrhea_l_day=column("diarrhea_l_day"),
                       mg_intake_scale=column("mg_intake_scale"))

