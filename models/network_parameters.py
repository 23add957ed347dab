"""Parameters of the E–I network and its spike-triggered adaptation current.

:data:`PARAMETERS` are the network's own parameters (cell membranes, wiring,
recurrent and external synapses, short-term depression, adaptation), each
with unit, meaning and source; the names are the settings of the ``seizure``
experiment. :data:`PER_NEURON` and :data:`SHARED` say which of them
:class:`models.network.EINetwork` lays out per neuron and which it shares
between all cells of one simulation. :class:`Adaptation` is the adaptation
current of its pyramidal cells.

References
----------
Brunel N, Wang XJ (2001) J Comput Neurosci 11:63-85.
Wang XJ (2002) Neuron 36:955-968.
Tsodyks MV, Markram H (1997) Proc Natl Acad Sci USA 94:719-723.
Tsodyks M, Uziel A, Markram H (2000) J Neurosci 20:RC50.
Brette R, Gerstner W (2005) J Neurophysiol 94:3637-3642.
"""
from __future__ import annotations

from brian2 import Hz, amp, ms, mV, nF, nS, pA

from channels.base import (POTENTIAL_MV, SYNAPSE_CONDUCTANCE_NS, TIME_CONSTANT_MS, Channel,
                           Parameter)
from channels.citations import BRUNEL_WANG_2001 as BW

W02 = "Wang 2002 Neuron 36:955 (values of Brian2's Wang_2002 example)"
TM = "Tsodyks & Markram 1997 PNAS 94:719; Tsodyks, Uziel & Markram 2000 J Neurosci 20:RC50"
BG = "Brette & Gerstner 2005 J Neurophysiol 94:3637 (regular-spiking fit)"
TUNED = "chosen here: asynchronous at 1-1.2 mM, bursts at <= 0.2 mM Mg_o"

#: Allowed ranges of the network's parameters (keyword arguments of Parameter).
CAPACITANCE_NF = dict(
    minimum=0.001, maximum=100.0,
    bounds_reason="1 pF (1 uF/cm2 on 100 um2, smaller than any neuron) to 100 nF, far above "
                  "the largest neurons (a few nF); > 0, since the membrane equation divides by it")
LEAK_NS = dict(
    minimum=0.0, maximum=1e5,
    bounds_reason="0 (no leak) to 100 uS, an input resistance of 10 kOhm, a thousand times "
                  "below any neuron's")
REFRACTORY_MS = dict(
    minimum=0.0, maximum=100.0,
    bounds_reason="0 (none) to 100 ms; absolute refractory periods are 1-5 ms")
ADAPTATION_PA = dict(
    minimum=0.0, maximum=10000.0,
    bounds_reason="0 (no adaptation) to 10 nA per spike, over 100 times the regular-spiking fit")
#: Recurrent and external AMPA conductances: > 0, the external input is counted in them.
AMPA_NS = {**SYNAPSE_CONDUCTANCE_NS, "exclusive_minimum": True,
           "bounds_reason": "> 0 (the external input is counted in units of the AMPA "
                            "conductance) to 1 uS, a hundred times the largest unitary "
                            "synaptic conductances (0.1-10 nS)"}


class Adaptation(Channel):
    """Spike-triggered adaptation current (slow AHP), outward.

    Notes
    -----
    :math:`I_{AHP} = w_{AHP}`, :math:`dw_{AHP}/dt = -w_{AHP}/\\tau_{AHP}`,
    :math:`w_{AHP} \\mathrel{+}= b_{AHP}` at each spike: the adaptation of the
    AdEx model (Brette & Gerstner 2005) with subthreshold coupling a = 0.
    The class defaults are Brette & Gerstner's; :class:`models.network.EINetwork`
    sets ``tau_AHP`` (shared by all cells) from :data:`PARAMETERS` (300 ms,
    slower, flagged uncertain) and ``b_AHP = 0`` in interneurons (fast-spiking,
    non-adapting).

    References
    ----------
    Brette R, Gerstner W (2005) J Neurophysiol 94:3637-3642.
    """

    name = "AHP"
    reference = BG
    uses = ()
    parameters = (
        Parameter("b_AHP", 80.5 * pA, pA, "adaptation current added per spike", BG,
                  **ADAPTATION_PA),
        Parameter("tau_AHP", 144 * ms, ms, "decay time constant of the adaptation current", BG,
                  **TIME_CONSTANT_MS),
    )
    recordables = ("w_AHP",)

    def equation_text(self) -> str:
        return "I_AHP = w_AHP : amp\ndw_AHP/dt = -w_AHP / tau_AHP : amp"

    def initial_states(self, env):
        return {"w_AHP": 0 * amp}

    def current(self, w=0 * amp, **_env):
        """The adaptation current itself, ``w`` (outward positive)."""
        return w

    def reversal(self, **_env):
        """None exists: the adaptation current is a current source, so this raises."""
        raise NotImplementedError("AHP is a current source (I_AHP = w_AHP), not a conductance: "
                                  "it has no reversal potential")


#: Network parameters besides the channels' kinetics; names are settings of ``seizure``.
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("C_m_E", 0.5 * nF, nF, "membrane capacitance, pyramidal cell", BW,
              **CAPACITANCE_NF),
    Parameter("C_m_I", 0.2 * nF, nF, "membrane capacitance, interneuron", BW, **CAPACITANCE_NF),
    Parameter("g_L_E", 25 * nS, nS, "leak conductance, pyramidal cell", BW, **LEAK_NS),
    Parameter("g_L_I", 20 * nS, nS, "leak conductance, interneuron", BW, **LEAK_NS),
    Parameter("E_L", -70 * mV, mV, "leak reversal (resting) potential", BW, **POTENTIAL_MV),
    Parameter("V_th", -50 * mV, mV, "spike threshold", BW, **POTENTIAL_MV),
    Parameter("V_reset", -55 * mV, mV, "reset potential", BW, **POTENTIAL_MV),
    Parameter("tau_ref_E", 2 * ms, ms, "refractory period, pyramidal cell", BW, **REFRACTORY_MS),
    Parameter("tau_ref_I", 1 * ms, ms, "refractory period, interneuron", BW, **REFRACTORY_MS),
    Parameter("p_connect", 0.2, 1, "connection probability between any two cells",
              "chosen here; in-degree 0.2 N as in many sparse cortical models", uncertain=True,
              minimum=0.0, exclusive_minimum=True, maximum=1.0,
              bounds_reason="a probability, at most 1; > 0, since the per-synapse conductances "
                            "are scaled by 1/(p_connect N)"),
    Parameter("g_AMPA_E", 0.104 * 4 * nS, nS, "recurrent AMPA conductance per synapse onto a pyramidal cell",
              W02 + ": 0.104 nS x 800/in-degree", uncertain=True, **AMPA_NS),
    Parameter("g_AMPA_I", 0.081 * 4 * nS, nS, "recurrent AMPA conductance per synapse onto an interneuron",
              W02 + ": 0.081 nS x 800/in-degree", uncertain=True, **AMPA_NS),
    Parameter("g_NMDA_E", 0.61 * nS, nS, "NMDA conductance per synapse onto a pyramidal cell "
              "(peak of one event, dual-exponential gating)",
              TUNED + "; 0.37 x (" + W02 + ": 0.327 nS x 800/in-degree); Brunel-Wang gating "
              "peaks at s = 0.59 per event, dual_exp at 1", uncertain=True,
              **SYNAPSE_CONDUCTANCE_NS),
    Parameter("g_NMDA_I", 0.3 * nS, nS, "NMDA conductance per synapse onto an interneuron",
              TUNED + "; 0.29 x (" + W02 + ": 0.258 nS x 800/in-degree): fast-spiking "
              "interneurons have a low NMDA/AMPA ratio (Wang & Gao 2009 Neuropsychopharmacology "
              "34:2028)", uncertain=True, **SYNAPSE_CONDUCTANCE_NS),
    Parameter("g_GABA_E", 1.25 * 4 * nS, nS, "GABA-A conductance per synapse onto a pyramidal cell",
              W02 + ": 1.25 nS x 200/in-degree", uncertain=True, **SYNAPSE_CONDUCTANCE_NS),
    Parameter("g_GABA_I", 0.973 * 4 * nS, nS, "GABA-A conductance per synapse onto an interneuron",
              W02 + ": 0.973 nS x 200/in-degree", uncertain=True, **SYNAPSE_CONDUCTANCE_NS),
    Parameter("g_ext_E", 2.08 * nS, nS, "external AMPA conductance per input spike, pyramidal cell", BW,
              **SYNAPSE_CONDUCTANCE_NS),
    Parameter("g_ext_I", 1.62 * nS, nS, "external AMPA conductance per input spike, interneuron", BW,
              **SYNAPSE_CONDUCTANCE_NS),
    Parameter("nu_ext", 2.4 * 1000 * Hz, Hz, "total external Poisson input rate per cell",
              BW + ": 800 inputs x 3 Hz", minimum=0.0, maximum=1e5,
              bounds_reason="0 (no input) to 100 kHz: 10 000 synapses, a cortical cell's whole "
                            "input, at 10 Hz each"),
    Parameter("U_STD", 0.5, 1, "fraction of synaptic resources used per spike (E synapses)", TM,
              minimum=0.0, maximum=1.0, bounds_reason="a fraction: 0 to 1"),
    Parameter("tau_rec_STD", 800 * ms, ms, "recovery time constant of synaptic resources", TM,
              **TIME_CONSTANT_MS),
    Parameter("b_AHP", 80.5 * pA, pA, "adaptation current added per spike, pyramidal cell", BG,
              **ADAPTATION_PA),
    Parameter("tau_AHP", 300 * ms, ms, "decay time constant of the adaptation current",
              TUNED + "; slower than " + BG + " (144 ms), within the range of Ca-activated "
              "AHP currents (Liu & Wang 2001 J Comput Neurosci 10:25)", uncertain=True,
              **TIME_CONSTANT_MS),
)
_BY_NAME = {p.name: p for p in PARAMETERS}

#: Channel parameters that are per-neuron constants (they differ between cell types or
#: blocks); the other channel parameters are shared constants (EINetwork.namespace).
PER_NEURON = ("g_L", "g_AMPA", "g_NMDA", "g_GABA_A", "b_AHP")

#: Network parameters shared by all cells of one simulation (namespace constants: one value
#: for all cells); blocks of one simulation must agree on them.
SHARED = {"E_L": mV, "V_th": mV, "V_reset": mV, "U_STD": 1, "tau_rec_STD": ms, "tau_AHP": ms}

#: In-degrees (excitatory, inhibitory) for which the per-synapse conductances are given:
#: 0.2 x 800 and 0.2 x 200. Other sizes scale them by 160 / (p_connect n_e) and
#: 40 / (p_connect n_i), keeping each cell's total recurrent conductance (the 1/N scaling
#: of Brunel & Wang 2001).
REFERENCE_IN_DEGREE = (160.0, 40.0)


def parameter(name: str) -> Parameter:
    """One network parameter by name."""
    return _BY_NAME[name]


def default_values() -> dict[str, float]:
    """Default network parameter values as floats in their display units."""
    return {p.name: p.magnitude() for p in PARAMETERS}
