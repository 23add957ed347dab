"""Thiazide-sensitive Na+-Cl- cotransporter of the distal convoluted tubule (NCC, SLC12A3).

NCC carries one Na+ and one Cl- from the lumen into the DCT cell; it carries
no current (:class:`~channels.cotransporter.Cotransporter`). The flux is that
of the rapid-equilibrium, symmetric carrier with independent Na+ and Cl-
sites whose loaded and empty forms cross the membrane at one rate (Stein
1986, ch. 5), so it is thermodynamically consistent and saturable:

.. math::

    J_{NCC} = s\\, w([Cl]_c)\\, J_{max}\\,
        \\frac{\\gamma_o - \\gamma_i}{\\rho_o + \\rho_i}, \\qquad
    \\gamma = \\frac{[Na][Cl]}{K_{Na} K_{Cl}}, \\quad
    \\rho = \\left(1 + \\frac{[Na]}{K_{Na}}\\right)\\left(1 + \\frac{[Cl]}{K_{Cl}}\\right)

(o: lumen, i: cell). The flux vanishes where
:math:`[Na]_o[Cl]_o = [Na]_i[Cl]_i` (the affinity
:math:`A = \\ln(\\gamma_o/\\gamma_i) = 0`, :meth:`Cotransporter.affinity`),
has the sign of :math:`A`, and tends to :math:`J_{max}` as luminal Na+ and
Cl- rise (cell empty); cell Na+ and Cl- trans-inhibit it. :math:`K_{Na}`
and :math:`K_{Cl}` are the apparent affinities of rat NCC in oocytes (Monroy
et al. 2000; about 8 and 6 mM; uncertain: winter-flounder NCC has 25 and
14 mM, Gamba et al. 1993). ``s`` is ``ncc_scale`` (thiazide block = 1 - block;
0 in Gitelman syndrome).

WNK regulation. Cl- binds WNK kinases and inhibits them; WNK4, the most
Cl-sensitive, activates SPAK and so NCC when cell Cl- falls, which is how
plasma K+ and the basolateral Kir4.1 potential set NCC activity (Terker et
al. 2015; Terker et al. 2016; Chen et al. 2019). The factor

.. math::

    w = 1 - f_{WNK} + \\frac{f_{WNK}}{1 + ([Cl]_c / K_{WNK})^{n_{WNK}}}

leaves the fraction :math:`1 - f_{WNK}` of NCC activity independent of cell
Cl-. :math:`K_{WNK}` = 10 mM lies "within the range of distal cell chloride"
at which Cl- inhibits WNK4 (Terker et al. 2016); :math:`f_{WNK}` = 0.7 stands
for the marked loss of NCC activity in WNK4-knockout mice (Yang et al.
2018); both are uncertain, and ``fWNK_NCC = 0`` turns the regulation off.

References
----------
Stein WD (1986) Transport and Diffusion across Cell Membranes. Academic
Press, Orlando (ch. 5, the simple carrier with two substrates).
Monroy A, Plata C, Hebert SC, Gamba G (2000) Characterization of the
thiazide-sensitive Na+-Cl- cotransporter: a new model for ions and diuretics
interaction. Am J Physiol Renal Physiol 279:F161-F169.
Gamba G, Saltzberg SN, Lombardi M, et al. (1993) Primary structure and
functional expression of a cDNA encoding the thiazide-sensitive,
electroneutral sodium-chloride cotransporter. PNAS 90:2749-2753.
Terker AS, Zhang C, McCormick JA, et al. (2015) Potassium modulates
electrolyte balance and blood pressure through effects on distal cell
voltage and chloride. Cell Metab 21:39-50.
Terker AS, Zhang C, Erspamer KJ, et al. (2016) Unique chloride-sensing
properties of WNK4 permit the distal nephron to modulate potassium
homeostasis. Kidney Int 89:127-134.
Chen JC, Lo YF, Lin YW, et al. (2019) WNK4 kinase is a physiological
intracellular chloride sensor. PNAS 116:4502-4507.
Yang YS, Xie J, Yang SS, et al. (2018) Differential roles of WNK4 in
regulation of NCC in vivo. Am J Physiol Renal Physiol 314:F999-F1007.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from brian2 import mM, pmole, second

from .base import AFFINITY_MM, SCALE, Parameter
from .cotransporter import Cotransporter

MONROY = "Monroy et al. 2000 AJP Renal 279:F161"
TERKER = "Terker et al. 2015 Cell Metab 21:39; Terker et al. 2016 Kidney Int 89:127"
#: Conversion of pmol/s to pmol/min.
PER_MINUTE = 60.0


def ncc_flux(na_o_mM, cl_o_mM, na_i_mM, cl_i_mM, jmax, k_na_mM=7.6, k_cl_mM=6.3,
             f_wnk=0.7, k_wnk_mM=10.0, n_wnk=2.0, scale=1.0):
    """NCC flux (absorptive positive) in the unit of ``jmax``, plain numpy (module docstring)."""
    na_o, cl_o = np.asarray(na_o_mM, float), np.asarray(cl_o_mM, float)
    na_i, cl_i = np.asarray(na_i_mM, float), np.asarray(cl_i_mM, float)
    gamma_o = na_o * cl_o / (k_na_mM * k_cl_mM)
    gamma_i = na_i * cl_i / (k_na_mM * k_cl_mM)
    rho_o = (1 + na_o / k_na_mM) * (1 + cl_o / k_cl_mM)
    rho_i = (1 + na_i / k_na_mM) * (1 + cl_i / k_cl_mM)
    return (scale * wnk_factor(cl_i, f_wnk, k_wnk_mM, n_wnk) * jmax
            * (gamma_o - gamma_i) / (rho_o + rho_i))


def wnk_factor(cl_i_mM, f_wnk=0.7, k_wnk_mM=10.0, n_wnk=2.0):
    """Relative NCC activity set by cell Cl- through WNK4-SPAK (1 - f_wnk at high Cl-)."""
    return 1 - f_wnk + f_wnk / (1 + (np.asarray(cl_i_mM, float) / k_wnk_mM) ** n_wnk)


class NCC(Cotransporter):
    """Thiazide-sensitive Na+-Cl- cotransporter: symmetric carrier, WNK4 regulation by cell Cl-.

    Notes
    -----
    :meth:`flux` reads ``na_o_mM``, ``cl_o_mM`` (lumen) and ``na_i_mM``,
    ``cl_i_mM`` (cell); it returns pmol/min per mm of DCT.
    """

    name = "NCC"
    reference = f"{MONROY}; {TERKER}; Stein 1986 (symmetric carrier)"
    stoichiometry = {"Na": 1, "Cl": 1}
    parameters = (
        Parameter("Jmax_NCC", 4.5 * pmole / second, pmole / second,
                  "maximal NCC flux per mm of DCT (saturating lumen, empty cell, WNK fully on)",
                  "chosen so that the DCT model reabsorbs about 5-7 % of the filtered Na+ "
                  "(human_params.md; DCT textbook share 5-10 %)", uncertain=True,
                  minimum=0.0, maximum=100.0,
                  bounds_reason="0 (thiazide, Gitelman) to 100 pmol/s = 6000 pmol/min per mm, "
                                "more than all the Na+ any tubule segment receives"),
        Parameter("KNa_NCC", 7.6 * mM, mM, "Na+ dissociation constant of the carrier",
                  f"{MONROY} (rat NCC in Xenopus oocytes, apparent Km)", uncertain=True,
                  **AFFINITY_MM),
        Parameter("KCl_NCC", 6.3 * mM, mM, "Cl- dissociation constant of the carrier",
                  f"{MONROY} (rat NCC in Xenopus oocytes, apparent Km)", uncertain=True,
                  **AFFINITY_MM),
        Parameter("fWNK_NCC", 0.7, 1, "fraction of NCC activity regulated by cell Cl- (WNK4)",
                  "Yang et al. 2018 AJP Renal 314:F999 (NCC activity markedly lower in WNK4-KO "
                  f"mice); {TERKER}; 0 turns the regulation off", uncertain=True,
                  minimum=0.0, maximum=1.0,
                  bounds_reason="a fraction: 0 (no Cl- regulation) to 1 (all activity WNK4-"
                                "dependent)"),
        Parameter("KWNK_NCC", 10.0 * mM, mM, "cell Cl- of half-maximal WNK4 inhibition",
                  "Terker et al. 2016 Kidney Int 89:127: Cl- inhibits WNK4 within the range of "
                  "distal cell Cl- (value not read)", uncertain=True, **AFFINITY_MM),
        Parameter("nWNK_NCC", 2.0, 1, "Hill coefficient of the WNK4 inhibition by Cl-",
                  "assumed (no measured value found)", uncertain=True,
                  minimum=0.5, maximum=4.0,
                  bounds_reason="0.5 to 4, the span of Hill coefficients of enzyme inhibition "
                                "by one to four bound ions"),
        Parameter("scale_NCC", 1.0, 1, "NCC activity relative to normal (ncc_scale of the DCT)",
                  "scenario knob: thiazide block = 1 - block, Gitelman 0", **SCALE),
    )

    def flux(self, params: Mapping[str, object] | None = None, *, na_o_mM, cl_o_mM,
             na_i_mM, cl_i_mM) -> np.ndarray:
        """NCC flux, pmol/min per mm of DCT, positive from lumen into the cell (numpy)."""
        m = self.magnitudes(params)
        return PER_MINUTE * ncc_flux(na_o_mM, cl_o_mM, na_i_mM, cl_i_mM, m["Jmax_NCC"],
                                     m["KNa_NCC"], m["KCl_NCC"], m["fWNK_NCC"], m["KWNK_NCC"],
                                     m["nWNK_NCC"], m["scale_NCC"])
