"""NMDA receptor current with extracellular Mg2+ block.

The current (outward positive) is

.. math:: I_{NMDA} = g_{NMDA}\\, s_{NMDA}\\, B_{NMDA}(V, [Mg]_o)\\, (V - E_{NMDA})

with a gating variable ``s_NMDA`` (fraction of receptors with glutamate
bound and open) and an unblocked fraction ``B_NMDA`` (fraction of open
channels not plugged by Mg2+). Three block forms are offered:

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

Gating forms:

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

import numpy as np
from brian2 import Quantity, kelvin, mM, ms, mV, nS

from .base import Channel, Parameter, as_array

#: Faraday constant over gas constant, F/R in kelvin per volt (CODATA 2018).
F_OVER_R = 96485.33212 / 8.314462618
#: Body temperature used where a temperature is needed and none is given.
BODY_TEMPERATURE = (37.0 + 273.15) * kelvin

BLOCKS = ("jahr_stevens", "woodhull", "kinetic")
GATINGS = ("brunel_wang", "dual_exp", "open")

JS = "Jahr & Stevens 1990 J Neurosci 10:3178"
BW = "Brunel & Wang 2001 J Comput Neurosci 11:63"
KIN = "ModelDB kinetic NMDA rates after Ascher & Nowak 1988 J Physiol 399:247"


# -- plain numpy physics (voltages in mV, concentrations in mM) --------------

def jahr_stevens_unblocked(v_mV, mg_o_mM, k_mg_mM=3.57, gamma_per_mV=0.062):
    """Jahr–Stevens unblocked fraction B(V, Mg_o), floats in mV and mM.

    :math:`B = 1/(1 + [Mg]_o/K_{Mg} \\; e^{-\\gamma V})`.
    """
    v_mV, mg_o_mM = np.asarray(v_mV, float), np.asarray(mg_o_mM, float)
    return 1.0 / (1.0 + mg_o_mM / k_mg_mM * np.exp(-gamma_per_mV * v_mV))


def woodhull_unblocked(v_mV, mg_o_mM, kd0_mM=3.57, zdelta=None, temperature_K=310.15):
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


def jahr_stevens_zdelta(temperature_K=310.15, gamma_per_mV=0.062):
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
                  BW + ", Table 1"),
        Parameter("E_NMDA", 0 * mV, mV, "NMDA reversal potential", BW),
        Parameter("K_Mg_NMDA", 3.57 * mM, mM,
                  "Mg2+ concentration of half block at 0 mV (Jahr-Stevens)", JS),
        Parameter("gamma_NMDA", 0.062 / mV, 1 / mV,
                  "voltage sensitivity of the block (Jahr-Stevens)", JS),
        Parameter("Kd0_NMDA", 3.57 * mM, mM,
                  "dissociation constant of Mg2+ at 0 mV (Woodhull)", JS + " mapped onto Woodhull 1973"),
        Parameter("zdelta_NMDA", jahr_stevens_zdelta(), 1,
                  "valence times electrical distance of the Mg2+ site (Woodhull)",
                  "derived: 0.062/mV * RT/F at 37 C from " + JS),
        Parameter("kon0_NMDA", 0.61 / ms / mM, 1 / ms / mM, "Mg2+ binding rate at 0 mV", KIN),
        Parameter("V_on_NMDA", 17 * mV, mV, "e-fold voltage of the binding rate", KIN),
        Parameter("koff0_NMDA", 5.4 / ms, 1 / ms, "Mg2+ unbinding rate at 0 mV", KIN),
        Parameter("V_off_NMDA", 47 * mV, mV, "e-fold voltage of the unbinding rate", KIN),
        Parameter("tau_rise_NMDA", 2 * ms, ms, "rise time constant of the gating", BW),
        Parameter("tau_decay_NMDA", 100 * ms, ms, "decay time constant of the gating", BW),
        Parameter("alpha_NMDA", 0.5 / ms, 1 / ms, "saturation rate of the gating", BW),
    )
    _block_parameters = {
        "jahr_stevens": ("K_Mg_NMDA", "gamma_NMDA"),
        "woodhull": ("Kd0_NMDA", "zdelta_NMDA"),
        "kinetic": ("kon0_NMDA", "V_on_NMDA", "koff0_NMDA", "V_off_NMDA"),
    }
    _gating_parameters = {
        "brunel_wang": ("tau_rise_NMDA", "tau_decay_NMDA", "alpha_NMDA"),
        "dual_exp": ("tau_rise_NMDA", "tau_decay_NMDA"),
        "open": (),
    }
    recordables = ("B_NMDA", "s_NMDA")

    def __init__(self, block: str = "jahr_stevens", gating: str = "brunel_wang", **overrides):
        if block not in BLOCKS:
            raise ValueError(f"NMDA block {block!r} is not one of {', '.join(BLOCKS)}")
        if gating not in GATINGS:
            raise ValueError(f"NMDA gating {gating!r} is not one of {', '.join(GATINGS)}")
        self.block, self.gating = block, gating
        super().__init__(**overrides)
        self.uses = ("v", "Mg_o", "T") if block == "woodhull" else ("v", "Mg_o")

    def active_parameters(self) -> tuple[Parameter, ...]:
        names = {"g_NMDA", "E_NMDA", *self._block_parameters[self.block],
                 *self._gating_parameters[self.gating]}
        return tuple(p for p in self.parameters if p.name in names)

    def equation_text(self) -> str:
        lines = ["I_NMDA = g_NMDA * s_NMDA * B_NMDA * (v - E_NMDA) : amp"]
        if self.block == "jahr_stevens":
            lines.append("B_NMDA = 1 / (1 + Mg_o / K_Mg_NMDA * exp(-gamma_NMDA * v)) : 1")
        elif self.block == "woodhull":
            lines.append(f"B_NMDA = 1 / (1 + Mg_o / Kd0_NMDA * "
                         f"exp(-zdelta_NMDA * v * ({F_OVER_R!r} * kelvin / volt) / T)) : 1")
        else:
            lines += [
                "dB_NMDA/dt = koff_NMDA * (1 - B_NMDA) - kon_NMDA * Mg_o * B_NMDA : 1",
                "kon_NMDA = kon0_NMDA * exp(-v / V_on_NMDA) : metre**3/mole/second",
                "koff_NMDA = koff0_NMDA * exp(v / V_off_NMDA) : 1/second",
            ]
        if self.gating == "brunel_wang":
            lines += [
                "ds_NMDA/dt = -s_NMDA / tau_decay_NMDA + alpha_NMDA * x_NMDA * (1 - s_NMDA) : 1",
                "dx_NMDA/dt = -x_NMDA / tau_rise_NMDA : 1",
            ]
        elif self.gating == "dual_exp":
            lines += [
                "ds_NMDA/dt = (norm_NMDA * x_NMDA - s_NMDA) / tau_decay_NMDA : 1",
                "dx_NMDA/dt = -x_NMDA / tau_rise_NMDA : 1",
                "norm_NMDA : 1 (constant)",
            ]
        else:
            lines.append("s_NMDA : 1 (constant)")
        return "\n".join(lines)

    # -- numpy physics -----------------------------------------------------
    def unblocked(self, v, Mg_o, T=BODY_TEMPERATURE):
        """Steady-state unblocked fraction B for voltages ``v`` and Mg ``Mg_o``."""
        v_mV, mg = as_array(v, mV), as_array(Mg_o, mM)
        p = self.values
        if self.block == "jahr_stevens":
            return jahr_stevens_unblocked(v_mV, mg, float(p["K_Mg_NMDA"] / mM),
                                          float(p["gamma_NMDA"] * mV))
        if self.block == "woodhull":
            return woodhull_unblocked(v_mV, mg, float(p["Kd0_NMDA"] / mM),
                                      float(p["zdelta_NMDA"]), as_array(T, kelvin))
        return kinetic_unblocked(v_mV, mg, kon0=float(p["kon0_NMDA"] * ms * mM),
                                 v_on_mV=float(p["V_on_NMDA"] / mV),
                                 koff0=float(p["koff0_NMDA"] * ms),
                                 v_off_mV=float(p["V_off_NMDA"] / mV))

    def current(self, v, Mg_o, s=1.0, T=BODY_TEMPERATURE, **_ignored) -> Quantity:
        """Steady-state current g s B (v - E) at gating ``s`` (default fully open)."""
        b = self.unblocked(v, Mg_o, T)
        v_mV = as_array(v, mV)
        return self.values["g_NMDA"] * s * b * (v_mV - float(self.values["E_NMDA"] / mV)) * mV

    def initial_states(self, env):
        states = {}
        if self.block == "kinetic":
            states["B_NMDA"] = self.unblocked(env["v"], env["Mg_o"])
        if self.gating in ("brunel_wang", "dual_exp"):
            states.update(s_NMDA=0.0, x_NMDA=0.0)
        else:
            states["s_NMDA"] = 1.0
        if self.gating == "dual_exp":
            states["norm_NMDA"] = dual_exp_norm(self.values["tau_rise_NMDA"],
                                                self.values["tau_decay_NMDA"])
        return states

    def current_states(self, env):
        """Steady-state block with the receptors fully bound (``s = 1``), as :meth:`current`."""
        return {**self.initial_states(env), "s_NMDA": 1.0}

    def reversal(self, **_env):
        return self.values["E_NMDA"]

    @classmethod
    def variants(cls):
        """Every block and gating combination, for the conformance tests."""
        return [cls(block=b, gating=g) for b in BLOCKS for g in GATINGS]
