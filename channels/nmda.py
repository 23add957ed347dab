"""NMDA receptor current with extracellular Mg2+ block.

The current (outward positive) is

.. math:: I_{NMDA} = g_{NMDA}\\, s_{NMDA}\\, B_{NMDA}(V, [Mg]_o)\\, (V - E_{NMDA})

with a gating variable ``s_NMDA`` (fraction of receptors with glutamate
bound and open) and an unblocked fraction ``B_NMDA`` (fraction of open
channels not plugged by Mg2+). Three block forms are offered (the table
:data:`BLOCK_FORMS`; ``NMDA(block=...)``):

``jahr_stevens`` (default)
    :math:`B = 1/(1 + [Mg]_o/3.57\\,mM \\; e^{-0.062 V/mV})`, the fit of Jahr &
    Stevens (1990) used by Brunel & Wang (2001), NEST and BrainPy.
``woodhull``
    :math:`B = 1/(1 + [Mg]_o/K_d(0) \\; e^{-z\\delta F V/RT})`, Woodhull's
    (1973) single-site model. With :math:`K_d(0) = 3.57` mM and
    :math:`z\\delta = 0.062/mV \\cdot RT/F` it equals Jahr–Stevens.
``kinetic``
    a blocked state with voltage-dependent rates,
    :math:`dB/dt = k_{off}(1 - B) - k_{on}[Mg]_o B`,
    :math:`k_{on} = 0.61\\,e^{-V/17 mV}` /ms/mM, :math:`k_{off} = 5.4\\,e^{V/47 mV}`
    /ms (rates of ModelDB kinetic NMDA models after Ascher & Nowak 1988); its
    steady state is :math:`B_\\infty = k_{off}/(k_{off} + k_{on}[Mg]_o)`, which
    differs from Jahr–Stevens (0.031 vs 0.045 at -70 mV, 1 mM).

Gating forms (the table :data:`GATING_FORMS`; ``NMDA(gating=...)``):

``brunel_wang`` (default)
    :math:`dx/dt = -x/\\tau_{rise}`, :math:`ds/dt = -s/\\tau_{decay} + \\alpha x (1 - s)`,
    ``x_NMDA += 1`` per presynaptic spike (Brunel & Wang 2001). Saturating,
    so one gating pair per synapse or presynaptic source.
``dual_exp``
    :math:`dx/dt = -x/\\tau_{rise}`, :math:`ds/dt = (n x - s)/\\tau_{decay}`,
    with ``n`` chosen so that one event (``x_NMDA += 1``) peaks at s = 1.
    Linear, so the inputs of many synapses sum in one postsynaptic pair.
``open``
    ``s_NMDA`` is a per-neuron constant (1 = all receptors bound), for
    voltage-clamp I–V curves.

References
----------
Jahr CE, Stevens CF (1990) Voltage dependence of NMDA-activated macroscopic
conductances predicted by single-channel kinetics. J Neurosci 10:3178-3182.
Woodhull AM (1973) Ionic blockage of sodium channels in nerve. J Gen Physiol
61:687-708.
Ascher P, Nowak L (1988) The role of divalent cations in the N-methyl-D-aspartate
responses of mouse central neurones in culture. J Physiol 399:247-266.
Brunel N, Wang XJ (2001) Effects of neuromodulation in a cortical network model
of object working memory dominated by recurrent inhibition. J Comput Neurosci
11:63-85.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
from brian2 import Quantity, kelvin, mM, ms, mV, nS

from .base import (AFFINITY_MM, POTENTIAL_MV, SYNAPSE_CONDUCTANCE_NS, TIME_CONSTANT_MS, ZDELTA,
                   Channel, Parameter, as_array)
from .citations import BRUNEL_WANG_2001 as BW
from .constants import BODY_TEMPERATURE, BODY_TEMPERATURE_K, F_OVER_R, F_OVER_R_TEXT

JS = "Jahr & Stevens 1990 J Neurosci 10:3178"
#: Allowed range (mV) of the e-fold voltages of the kinetic block's rates.
EFOLD_MV = dict(
    minimum=5.0, maximum=1000.0,
    bounds_reason="an e-fold change per 5 mV would need an apparent valence above 5 "
                  "(RT/F = 26.7 mV at 37 C); 1000 mV is a rate with no voltage dependence")
KIN = "ModelDB kinetic NMDA rates after Ascher & Nowak 1988 J Physiol 399:247"


# -- plain numpy physics (voltages in mV, concentrations in mM) --------------

def jahr_stevens_unblocked(v_mV, mg_o_mM, k_mg_mM=3.57, gamma_per_mV=0.062):
    """Jahr–Stevens unblocked fraction B(V, Mg_o), floats in mV and mM.

    :math:`B = 1/(1 + [Mg]_o/K_{Mg} \\; e^{-\\gamma V})`.
    """
    v_mV, mg_o_mM = np.asarray(v_mV, float), np.asarray(mg_o_mM, float)
    return 1.0 / (1.0 + mg_o_mM / k_mg_mM * np.exp(-gamma_per_mV * v_mV))


def woodhull_unblocked(v_mV, mg_o_mM, kd0_mM=3.57, zdelta=None,
                       temperature_K=BODY_TEMPERATURE_K):
    """Woodhull unblocked fraction, floats in mV, mM and kelvin.

    :math:`B = 1/(1 + [Mg]_o/K_d(0) \\; e^{-z\\delta F V/RT})`. ``zdelta`` defaults
    to the value that reproduces Jahr–Stevens at ``temperature_K``:
    :math:`z\\delta = 0.062/mV \\cdot RT/F`.
    """
    if zdelta is None:
        zdelta = jahr_stevens_zdelta(temperature_K)
    v_mV, mg_o_mM = np.asarray(v_mV, float), np.asarray(mg_o_mM, float)
    exponent = -zdelta * F_OVER_R * v_mV * 1e-3 / temperature_K
    return 1.0 / (1.0 + mg_o_mM / kd0_mM * np.exp(exponent))


def jahr_stevens_zdelta(temperature_K=BODY_TEMPERATURE_K, gamma_per_mV=0.062):
    """The Woodhull :math:`z\\delta` equivalent to Jahr–Stevens' slope: γ RT/F."""
    return gamma_per_mV * 1e3 * temperature_K / F_OVER_R


def kinetic_rates(v_mV, kon0=0.61, v_on_mV=17.0, koff0=5.4, v_off_mV=47.0):
    """Blocking and unblocking rates: (k_on in /ms/mM, k_off in /ms)."""
    v_mV = np.asarray(v_mV, float)
    return kon0 * np.exp(-v_mV / v_on_mV), koff0 * np.exp(v_mV / v_off_mV)


def kinetic_unblocked(v_mV, mg_o_mM, **rates):
    """Steady state of the kinetic block: :math:`k_{off}/(k_{off} + k_{on}[Mg]_o)`."""
    k_on, k_off = kinetic_rates(v_mV, **rates)
    return k_off / (k_off + k_on * np.asarray(mg_o_mM, float))


def brunel_wang_single_spike(t_ms, tau_rise_ms=2.0, tau_decay_ms=100.0, alpha_per_ms=0.5,
                             dt_ms=0.001):
    """Gating s(t) after one spike at t = 0 from rest (fine RK4, for checks)."""
    t_ms = np.asarray(t_ms, float)
    n = int(np.ceil(t_ms.max() / dt_ms)) + 1
    x, s, out_t, out_s = 1.0, 0.0, [0.0], [0.0]

    def f(x, s):
        return -x / tau_rise_ms, -s / tau_decay_ms + alpha_per_ms * x * (1 - s)
    for k in range(1, n + 1):
        k1 = f(x, s)
        k2 = f(x + dt_ms / 2 * k1[0], s + dt_ms / 2 * k1[1])
        k3 = f(x + dt_ms / 2 * k2[0], s + dt_ms / 2 * k2[1])
        k4 = f(x + dt_ms * k3[0], s + dt_ms * k3[1])
        x += dt_ms / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        s += dt_ms / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        out_t.append(k * dt_ms)
        out_s.append(s)
    return np.interp(t_ms, out_t, out_s)


def dual_exp_norm(tau_rise, tau_decay):
    """Factor n making one event of ``ds/dt = (n x - s)/tau_decay`` peak at 1."""
    tr, td = float(tau_rise / ms), float(tau_decay / ms)
    t_peak = tr * td / (td - tr) * np.log(td / tr)
    return (td - tr) / (tr * (np.exp(-t_peak / td) - np.exp(-t_peak / tr)))


# -- the block and gating forms, as data ----------------------------------------

@dataclass(frozen=True)
class BlockForm:
    """One form of the Mg2+ block (module docstring).

    Attributes
    ----------
    parameters : tuple of str
        Names of the NMDA parameters the form uses.
    lines : tuple of str
        Brian2 lines defining ``B_NMDA``: a subexpression, or a state and its rates.
    steady : callable
        ``steady(v_mV, mg_o_mM, temperature_K, values)``: the steady-state
        unblocked fraction (numpy, floats in mV, mM and K; ``values`` are the
        channel's parameter values by name, quantities).
    uses : tuple of str
        Environment variables the form reads.
    kinetic : bool
        True if ``B_NMDA`` is a state, started at its steady state.
    """

    parameters: tuple[str, ...]
    lines: tuple[str, ...]
    steady: Callable[..., np.ndarray]
    uses: tuple[str, ...] = ("v", "Mg_o")
    kinetic: bool = False


@dataclass(frozen=True)
class GatingForm:
    """One form of the transmitter gating (module docstring).

    Attributes
    ----------
    parameters : tuple of str
        Names of the NMDA parameters the form uses.
    lines : tuple of str
        Brian2 lines of ``s_NMDA`` (and ``x_NMDA``, ``norm_NMDA``).
    initial : callable
        ``initial(values)``: the states at rest, without transmitter (``s`` = 1
        for the ``open`` form), from the channel's parameter values.
    """

    parameters: tuple[str, ...]
    lines: tuple[str, ...]
    initial: Callable[[Mapping[str, Quantity]], dict[str, float]]


def _jahr_stevens_steady(v_mV, mg_o_mM, _temperature_K, p):
    return jahr_stevens_unblocked(v_mV, mg_o_mM, float(p["K_Mg_NMDA"] / mM),
                                  float(p["gamma_NMDA"] * mV))


def _woodhull_steady(v_mV, mg_o_mM, temperature_K, p):
    return woodhull_unblocked(v_mV, mg_o_mM, float(p["Kd0_NMDA"] / mM),
                              float(p["zdelta_NMDA"]), temperature_K)


def _kinetic_steady(v_mV, mg_o_mM, _temperature_K, p):
    return kinetic_unblocked(v_mV, mg_o_mM, kon0=float(p["kon0_NMDA"] * ms * mM),
                             v_on_mV=float(p["V_on_NMDA"] / mV),
                             koff0=float(p["koff0_NMDA"] * ms),
                             v_off_mV=float(p["V_off_NMDA"] / mV))


#: The Mg2+ block forms by name; the first is the default.
BLOCK_FORMS: dict[str, BlockForm] = {
    "jahr_stevens": BlockForm(
        ("K_Mg_NMDA", "gamma_NMDA"),
        ("B_NMDA = 1 / (1 + Mg_o / K_Mg_NMDA * exp(-gamma_NMDA * v)) : 1",),
        _jahr_stevens_steady),
    "woodhull": BlockForm(
        ("Kd0_NMDA", "zdelta_NMDA"),
        (("B_NMDA = 1 / (1 + Mg_o / Kd0_NMDA * "
          f"exp(-zdelta_NMDA * v * {F_OVER_R_TEXT} / T)) : 1"),),
        _woodhull_steady, uses=("v", "Mg_o", "T")),
    "kinetic": BlockForm(
        ("kon0_NMDA", "V_on_NMDA", "koff0_NMDA", "V_off_NMDA"),
        ("dB_NMDA/dt = koff_NMDA * (1 - B_NMDA) - kon_NMDA * Mg_o * B_NMDA : 1",
         "kon_NMDA = kon0_NMDA * exp(-v / V_on_NMDA) : metre**3/mole/second",
         "koff_NMDA = koff0_NMDA * exp(v / V_off_NMDA) : 1/second"),
        _kinetic_steady, kinetic=True),
}

#: ``dx/dt = -x/tau_rise``, shared by the two event-driven gatings.
_RISE = "dx_NMDA/dt = -x_NMDA / tau_rise_NMDA : 1"

#: The gating forms by name; the first is the default.
GATING_FORMS: dict[str, GatingForm] = {
    "brunel_wang": GatingForm(
        ("tau_rise_NMDA", "tau_decay_NMDA", "alpha_NMDA"),
        ("ds_NMDA/dt = -s_NMDA / tau_decay_NMDA + alpha_NMDA * x_NMDA * (1 - s_NMDA) : 1",
         _RISE),
        lambda p: {"s_NMDA": 0.0, "x_NMDA": 0.0}),
    "dual_exp": GatingForm(
        ("tau_rise_NMDA", "tau_decay_NMDA"),
        ("ds_NMDA/dt = (norm_NMDA * x_NMDA - s_NMDA) / tau_decay_NMDA : 1", _RISE,
         "norm_NMDA : 1 (constant)"),
        lambda p: {"s_NMDA": 0.0, "x_NMDA": 0.0,
                   "norm_NMDA": dual_exp_norm(p["tau_rise_NMDA"], p["tau_decay_NMDA"])}),
    "open": GatingForm((), ("s_NMDA : 1 (constant)",), lambda p: {"s_NMDA": 1.0}),
}

#: Names of the block and gating forms (``NMDA(block=..., gating=...)``).
BLOCKS = tuple(BLOCK_FORMS)
GATINGS = tuple(GATING_FORMS)


class NMDA(Channel):
    """NMDA receptor current with a selectable Mg2+ block and gating.

    Parameters
    ----------
    block : {"jahr_stevens", "woodhull", "kinetic"}
        Form of the Mg2+ block (module docstring).
    gating : {"brunel_wang", "dual_exp", "open"}
        Form of the transmitter gating (module docstring).
    **overrides
        New parameter values (``g_NMDA=1*nS``).

    Notes
    -----
    Uses ``v`` and ``Mg_o`` (and ``T`` for the Woodhull block). Records
    ``B_NMDA`` (unblocked fraction) and ``s_NMDA`` (gating).
    """

    name = "NMDA"
    reference = (f"{JS}; Woodhull 1973 J Gen Physiol 61:687; {KIN}; {BW}")
    parameters = (
        Parameter("g_NMDA", 0.327 * nS, nS,
                  "maximal NMDA conductance (one recurrent synapse onto a pyramidal cell)",
                  BW + ", Table 1", **SYNAPSE_CONDUCTANCE_NS),
        Parameter("E_NMDA", 0 * mV, mV, "NMDA reversal potential", BW, **POTENTIAL_MV),
        Parameter("K_Mg_NMDA", 3.57 * mM, mM,
                  "Mg2+ concentration of half block at 0 mV (Jahr-Stevens)", JS, **AFFINITY_MM),
        Parameter("gamma_NMDA", 0.062 / mV, 1 / mV,
                  "voltage sensitivity of the block (Jahr-Stevens)", JS,
                  minimum=0.0, maximum=0.2,
                  bounds_reason="z delta F/RT with 0 <= z delta <= 4 (zdelta_NMDA) is at most "
                                "0.17/mV at 0 C"),
        Parameter("Kd0_NMDA", 3.57 * mM, mM,
                  "dissociation constant of Mg2+ at 0 mV (Woodhull)", JS + " mapped onto Woodhull 1973",
                  **AFFINITY_MM),
        Parameter("zdelta_NMDA", jahr_stevens_zdelta(), 1,
                  "valence times electrical distance of the Mg2+ site (Woodhull)",
                  "derived: 0.062/mV * RT/F at 37 C from " + JS, **ZDELTA),
        Parameter("kon0_NMDA", 0.61 / ms / mM, 1 / ms / mM, "Mg2+ binding rate at 0 mV", KIN,
                  minimum=0.0, maximum=1000.0,
                  bounds_reason="0 (no block) to the diffusion limit of association, about "
                                "1e9 /M/s = 1000 /ms/mM"),
        Parameter("V_on_NMDA", 17 * mV, mV, "e-fold voltage of the binding rate", KIN,
                  **EFOLD_MV),
        Parameter("koff0_NMDA", 5.4 / ms, 1 / ms, "Mg2+ unbinding rate at 0 mV", KIN,
                  minimum=0.0, exclusive_minimum=True, maximum=1000.0,
                  bounds_reason="> 0 (a bound ion leaves eventually; 0 with no binding leaves the "
                                "block undefined) to 1000 /ms, a dwell of 1 us"),
        Parameter("V_off_NMDA", 47 * mV, mV, "e-fold voltage of the unbinding rate", KIN,
                  **EFOLD_MV),
        Parameter("tau_rise_NMDA", 2 * ms, ms, "rise time constant of the gating", BW,
                  **TIME_CONSTANT_MS),
        Parameter("tau_decay_NMDA", 100 * ms, ms, "decay time constant of the gating", BW,
                  **TIME_CONSTANT_MS),
        Parameter("alpha_NMDA", 0.5 / ms, 1 / ms, "saturation rate of the gating", BW,
                  minimum=0.0, maximum=1000.0,
                  bounds_reason="0 (no gating) to 1000 /ms, a rate no faster than the 1 us "
                                "dwell of a binding step"),
    )
    recordables = ("B_NMDA", "s_NMDA")

    def __init__(self, block: str = "jahr_stevens", gating: str = "brunel_wang", **overrides):
        if block not in BLOCK_FORMS:
            raise ValueError(f"NMDA block {block!r} is not one of {', '.join(BLOCKS)}")
        if gating not in GATING_FORMS:
            raise ValueError(f"NMDA gating {gating!r} is not one of {', '.join(GATINGS)}")
        self.block, self.gating = block, gating
        super().__init__(**overrides)
        self.uses = self.block_form.uses

    @property
    def block_form(self) -> BlockForm:
        """The :class:`BlockForm` of this channel's block."""
        return BLOCK_FORMS[self.block]

    @property
    def gating_form(self) -> GatingForm:
        """The :class:`GatingForm` of this channel's gating."""
        return GATING_FORMS[self.gating]

    def active_parameters(self) -> tuple[Parameter, ...]:
        names = {"g_NMDA", "E_NMDA", *self.block_form.parameters, *self.gating_form.parameters}
        return tuple(p for p in self.parameters if p.name in names)

    def equation_text(self) -> str:
        return "\n".join(["I_NMDA = g_NMDA * s_NMDA * B_NMDA * (v - E_NMDA) : amp",
                          *self.block_form.lines, *self.gating_form.lines])

    # -- numpy physics -----------------------------------------------------
    def unblocked(self, v, Mg_o, T=BODY_TEMPERATURE, **_ignored):
        """Steady-state unblocked fraction B for voltages ``v`` and Mg ``Mg_o``."""
        return self.block_form.steady(as_array(v, mV), as_array(Mg_o, mM), as_array(T, kelvin),
                                      self.values)

    def current(self, v, Mg_o, s=1.0, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """Steady-state current g s B (v - E) at gating ``s`` (default fully open)."""
        b = self.unblocked(v, Mg_o, T)
        v_mV = as_array(v, mV)
        return self.values["g_NMDA"] * s * b * (v_mV - float(self.values["E_NMDA"] / mV)) * mV

    def initial_states(self, env):
        states = {}
        if self.block_form.kinetic:
            states["B_NMDA"] = self.unblocked(env["v"], env["Mg_o"])
        states.update(self.gating_form.initial(self.values))
        return states

    def current_states(self, env):
        """Steady-state block with the receptors fully bound (``s = 1``), as :meth:`current`."""
        return {**self.initial_states(env), "s_NMDA": 1.0}

    def reversal(self, **_env):
        """E_NMDA, the reversal potential (a parameter: a non-selective cation channel)."""
        return self.values["E_NMDA"]

    @classmethod
    def variants(cls):
        """Every block and gating combination, ``"<block>-<gating>"`` -> constructor kwargs."""
        return {f"{b}-{g}": {"block": b, "gating": g} for b in BLOCKS for g in GATINGS}
