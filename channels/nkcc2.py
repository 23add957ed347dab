"""NKCC2 (SLC12A1): the loop-diuretic-sensitive Na-K-2Cl cotransporter of the TAL.

Apical NKCC2 carries the NaCl reabsorption of the thick ascending limb
(TAL): one Na+, one K+ and two Cl- per cycle, electroneutral. The K+ it brings
in returns to the lumen through ROMK (apical K+ recycling), which makes the
lumen positive and drives Na+, Mg2+ and Ca2+ through the cation-selective
claudin-16/19 junction (Greger 1985; Hou et al. 2007;
:mod:`models.thick_ascending_limb`). Furosemide and bumetanide block it; its
loss is Bartter syndrome type 1 (Simon et al. 1996).

Notes
-----
The flux (pmol/min per mm of tubule, positive from the lumen into the cell,
counted as Na+ moved) saturates in each luminal ion (Michaelis-Menten in
Na+ and K+, second order in Cl-, the two Cl- sites) and is multiplied by a
thermodynamic factor of the cycle's free energy :math:`A`
(:meth:`Cotransporter.affinity`):

.. math::

    J_{NKCC2} = s\\,J_{max}\\,\\frac{[Na]_L}{[Na]_L + K_{Na}}
        \\frac{[K]_L}{[K]_L + K_K}\\left(\\frac{[Cl]_L}{[Cl]_L + K_{Cl}}\\right)^2
        \\tanh\\frac{A}{2}, \\qquad
    A = \\ln\\frac{[Na]_L [K]_L [Cl]_L^2}{[Na]_c [K]_c [Cl]_c^2}

* :math:`s` is ``s_NKCC2``, the activity relative to normal (the scenario knob
  ``nkcc2_scale``; a loop-diuretic block is :math:`1 - s`, Bartter type 1 is
  :math:`s = 0`), times any regulation the caller applies (CaSR, ROMK).
* :math:`\\tanh(A/2) = (e^A - 1)/(e^A + 1)` is zero at equilibrium, has the
  sign of :math:`A`, and tends to 1 far from equilibrium, where the flux is
  the luminal saturation alone; so the flux never exceeds :math:`J_{max}` in
  either direction (Hill 1977: any consistent form vanishes at :math:`A = 0`).
  When the cell composition is not given the factor is taken as 1 (the
  TAL cell keeps NKCC2 far from equilibrium: cell Na+ about 10-20 mM against
  50-150 mM in the lumen, Greger 1985); :mod:`models.thick_ascending_limb`
  uses that form.
* The apparent affinities are those of NKCC2 isoforms expressed in Xenopus
  oocytes (Plata et al. 2002: Cl- affinity differs between the B, A and F
  isoforms by several-fold; human NKCC2A, the dominant human isoform, has
  the lowest Cl- affinity of the human isoforms, Carota et al. 2010). The
  values are uncertain (ranges in the parameter table); the kinetic models
  fitted to the same uptake data by Marcano et al. (2009), used by the
  Layton-lab nephron code, are not unique either.
* :math:`J_{max}` per mm of human TAL is chosen so that luminal NaCl falls
  from ~140 to ~50 mM along the segment (:mod:`models.thick_ascending_limb`).

References
----------
Carota I, Theilig F, Oppermann M, et al. (2010) Localization and functional
characterization of the human NKCC2 isoforms. Acta Physiol 199:327-338.
Greger R (1985) Ion transport mechanisms in thick ascending limb of Henle's
loop of mammalian nephron. Physiol Rev 65:760-797.
Hill TL (1977) Free Energy Transduction in Biology. Academic Press, New York.
Hou J, Renigunta A, Gomes AS, et al. (2007) Claudin-16 and claudin-19
interaction is required for their assembly into tight junctions and for
renal reabsorption of magnesium. J Clin Invest 117:2847-2859.
Marcano M, Yang HM, Nieves-Gonzalez A, Clausen C, Moore LC (2009) Parameter
estimation for mathematical models of NKCC2 cotransporter isoforms. Am J
Physiol Renal Physiol 296:F369-F381.
Plata C, Meade P, Vazquez N, Hebert SC, Gamba G (2002) Functional properties
of the apical Na+-K+-2Cl- cotransporter isoforms. J Biol Chem
277:11004-11012.
Simon DB, Karet FE, Hamdan JM, et al. (1996) Bartter's syndrome,
hypokalaemic alkalosis with hypercalciuria, is caused by mutations in the
Na-K-2Cl cotransporter NKCC2. Nat Genet 13:183-188.
"""
from __future__ import annotations

import numpy as np
from brian2 import mM, pmole, second

from .base import AFFINITY_MM, SCALE, Parameter
from .cotransporter import Cotransporter

PLATA = "Plata et al. 2002 JBC 277:11004"
#: Fluxes are computed per second (the unit of Jmax_NKCC2) and reported per minute.
PER_MINUTE = 60.0
CAROTA = "Carota et al. 2010 Acta Physiol 199:327"


def _positive(x) -> np.ndarray:
    """A concentration as a float array, floored at 1e-12 mM (logarithms and ratios stay finite)."""
    return np.maximum(np.asarray(x, float), 1e-12)


class NKCC2(Cotransporter):
    """Apical Na-K-2Cl cotransport of the TAL: luminal saturation times tanh(A/2).

    See the module docstring for the equations. :meth:`flux` takes the
    luminal concentrations (``na_o_mM``, ``k_o_mM``, ``cl_o_mM``) and,
    optionally, the cell's (``na_i_mM``, ``k_i_mM``, ``cl_i_mM``: all three or
    none).
    """

    name = "NKCC2"
    reference = f"{PLATA}; {CAROTA}; Simon et al. 1996 Nat Genet 13:183; Greger 1985 " \
                "Physiol Rev 65:760"
    stoichiometry = {"Na": 1, "K": 1, "Cl": 2}
    parameters = (
        Parameter("Jmax_NKCC2", 10.0 * pmole / second, pmole / second,
                  "maximal Na+ flux per mm of human TAL (saturating luminal Na+, K+, Cl-; "
                  "1 pmol/s = 60 pmol/min)",
                  "chosen: luminal NaCl falls from ~140 to ~50 mM along the 8-mm human TAL "
                  "(models.thick_ascending_limb); perfused rabbit/mouse cTAL absorb ~100-250 "
                  "pmol/min/mm of Cl- (Greger 1985)", uncertain=True, minimum=0.0, maximum=1e5,
                  bounds_reason="0 (blocked) to 1e5 pmol/s per mm, far more NaCl than any "
                                "perfused tubule absorbs (100-250 pmol/min/mm)"),
        Parameter("Km_Na_NKCC2", 20.0 * mM, mM, "luminal Na+ of half-saturation",
                  f"{PLATA} (isoforms ~7-30 mM)", uncertain=True, **AFFINITY_MM),
        Parameter("Km_K_NKCC2", 1.0 * mM, mM, "luminal K+ of half-saturation",
                  f"{PLATA} (86Rb+ uptake, ~0.7-2 mM)", uncertain=True,
                  **AFFINITY_MM),
        Parameter("Km_Cl_NKCC2", 15.0 * mM, mM, "luminal Cl- of half-saturation (per site)",
                  f"{PLATA} (isoforms ~10-110 mM); human NKCC2A the least Cl-affine human "
                  f"isoform ({CAROTA})", uncertain=True, **AFFINITY_MM),
        Parameter("s_NKCC2", 1.0, 1, "NKCC2 activity relative to normal (loop-diuretic block "
                  "= 1 - s; Bartter type 1: 0)", "1 = normal (scenario knob nkcc2_scale)",
                  **SCALE),
    )

    def saturation(self, p, na_o_mM, k_o_mM, cl_o_mM) -> np.ndarray:
        """Luminal saturation factor (0 to 1) at parameter magnitudes ``p``."""
        na, k, cl = (np.maximum(np.asarray(x, float), 0.0) for x in (na_o_mM, k_o_mM, cl_o_mM))
        return (na / (na + p["Km_Na_NKCC2"]) * k / (k + p["Km_K_NKCC2"])
                * (cl / (cl + p["Km_Cl_NKCC2"])) ** 2)

    def flux(self, params=None, *, na_o_mM, k_o_mM, cl_o_mM, na_i_mM=None, k_i_mM=None,
             cl_i_mM=None) -> np.ndarray:
        """Na+ absorbed (pmol/min per mm; K+ the same, Cl- twice) at luminal (and cell) ions.

        Parameters
        ----------
        params : mapping, optional
            Per-condition parameter values (:meth:`Cotransporter.magnitudes`),
            ``{"s_NKCC2": array}`` for a sweep of the block.
        na_o_mM, k_o_mM, cl_o_mM : float or array
            Luminal concentrations (mM).
        na_i_mM, k_i_mM, cl_i_mM : float or array, optional
            Cell concentrations (mM), all three or none; none: far from
            equilibrium (thermodynamic factor 1).
        """
        p = self.magnitudes(params)
        j = PER_MINUTE * p["s_NKCC2"] * p["Jmax_NKCC2"] * self.saturation(p, na_o_mM, k_o_mM, cl_o_mM)
        inside = (na_i_mM, k_i_mM, cl_i_mM)
        if all(c is None for c in inside):
            return j
        if any(c is None for c in inside):
            raise ValueError("NKCC2.flux: give all of na_i_mM, k_i_mM, cl_i_mM or none")
        outside = {"Na": _positive(na_o_mM), "K": _positive(k_o_mM), "Cl": _positive(cl_o_mM)}
        cell = {"Na": _positive(na_i_mM), "K": _positive(k_i_mM), "Cl": _positive(cl_i_mM)}
        return j * np.tanh(0.5 * self.affinity(outside, cell))
