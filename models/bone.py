"""Bone Ca and Mg exchange with the ECF, and the mineral of remodeled bone (numpy).

The fast exchangeable Ca pool and the Mg surface pool, and PTH-driven remodeling;
parameters are those of :class:`models.calciotropic.CalciotropicParameters`.

References
----------
Peterson MC, Riggs MM (2010) A physiologically based mathematical model of integrated
calcium homeostasis and bone remodeling. Bone 46:49-63.
"""
from __future__ import annotations

from .calciotropic import DEFAULT, _arr, _dict, normal_mg_ionized, normalised_saturation


def _resorption(action, p):
    """Remodeling resorption of Ca (mmol/day) at PTH action A."""
    return p.bone_remodeling_ca_mmol_day * normalised_saturation(
        action, p.bone_resorption_min, p.bone_resorption_max)


def _accretion(ca_ionized_mM, p):
    """Remodeling Ca accretion (mmol/day), R0 Ca/Ca0: mineralisation needs Ca [uncertain]."""
    return p.bone_remodeling_ca_mmol_day * _arr(ca_ionized_mM) / p.ca_ionized_normal_mM


def bone_ca(ca_ionized_mM, fast_pool_mmol, action, p=DEFAULT) -> dict:
    """Bone Ca fluxes (mmol/day): fast-pool exchange and PTH-driven remodeling.

    Notes
    -----
    .. math::

        \\frac{dN_f}{dt} = k_{in} Ca^{2+} - k_{out} F(A) N_f, \\qquad
        J_{bone \\to ECF} = k_{out} F(A) N_f - k_{in} Ca^{2+} + R_0 (G(A) - 1)

    :math:`k_{in} = X/Ca^{2+}_0`, :math:`k_{out} = X/N_{f0}` (exchange X 88
    mmol/day, pool :math:`N_{f0}` 100 mmol, Peterson & Riggs 2010; time
    constant :math:`1/k_{out}` 1.1 days). F and G are
    :func:`normalised_saturation` of PTH action: PTH mobilises the fast pool
    (F) and raises remodeling resorption (G, normal :math:`R_0` 12.5
    mmol/day) above accretion :math:`R_0\,Ca^{2+}/Ca^{2+}_0` (formation follows
    resorption over months; mineralisation needs Ca, :func:`_accretion`). Zero net flux at the normal state. Keys
    ``*_mmol_day``: deposit, release, resorption, accretion, net_to_ecf,
    dpool (:math:`dN_f/dt`).
    """
    k_in = p.bone_ca_exchange_mmol_day / p.ca_ionized_normal_mM
    k_out = p.bone_ca_exchange_mmol_day / p.bone_ca_fast_pool_mmol
    deposit = k_in * _arr(ca_ionized_mM)
    release = k_out * normalised_saturation(
        action, p.bone_fast_release_min, p.bone_fast_release_max) * _arr(fast_pool_mmol)
    resorption = _resorption(action, p)
    accretion = _accretion(ca_ionized_mM, p)
    return _dict(deposit_mmol_day=deposit, release_mmol_day=release,
                 resorption_mmol_day=resorption, accretion_mmol_day=accretion,
                 net_to_ecf_mmol_day=release - deposit + resorption - accretion,
                 dpool_mmol_day=deposit - release)


def bone_mg(mg_ionized_mM, surface_pool_mmol, action, p=DEFAULT) -> dict:
    """Bone Mg fluxes (mmol/day): surface-pool exchange and the Mg of remodeled mineral.

    Notes
    -----
    .. math::

        \\frac{dN_s}{dt} = \\frac{N_{s0}}{\\tau_b}\\frac{Mg^{2+}}{Mg^{2+}_0}
        - \\frac{N_s}{\\tau_b}, \\qquad
        J_{bone \\to ECF} = -\\frac{dN_s}{dt} + \\rho\\,R_0\\,(G(A) - 1)

    The surface pool (180 mmol, a third of bone Mg) exchanges with ionized
    Mg over :math:`\\tau_b` (14 days), so its equilibrium follows ionized Mg:
    a 30 % fall releases 54 mmol (notes 1.5: bone gives 18 %, up to 35 %, of
    its Mg in deficiency). Remodeling carries :math:`\\rho` = 0.022 mol Mg
    per mol Ca (G as in :func:`bone_ca`). Keys ``*_mmol_day``: deposit,
    release, remodeling, net_to_ecf, dpool (:math:`dN_s/dt`).
    """
    deposit = (p.bone_mg_surface_pool_mmol / p.tau_bone_mg_day * _arr(mg_ionized_mM)
               / normal_mg_ionized(p))
    release = _arr(surface_pool_mmol) / p.tau_bone_mg_day
    remodel = p.bone_mg_ca_ratio * (_resorption(action, p) - p.bone_remodeling_ca_mmol_day)
    return _dict(deposit_mmol_day=deposit, release_mmol_day=release, remodeling_mmol_day=remodel,
                 net_to_ecf_mmol_day=release - deposit + remodel, dpool_mmol_day=deposit - release)
