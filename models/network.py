"""Recurrent excitatory–inhibitory network with Mg2+-blocked NMDA synapses.

A sparse network of ``n_e`` pyramidal cells and ``n_i`` interneurons
(conductance-based leaky integrate-and-fire cells, Brunel & Wang 2001) built
from the project's channels: :class:`~channels.leak.Leak`,
:class:`~channels.ampa.AMPA`, :class:`~channels.nmda.NMDA` (Jahr–Stevens
block, linear ``dual_exp`` gating so that all synapses onto a cell sum in one
pair of postsynaptic variables) and :class:`~channels.gaba_a.GABA_A`, plus
two slow negative feedbacks that end population bursts: a spike-triggered
adaptation current in pyramidal cells (:class:`Adaptation`) and short-term
depression of the excitatory synapses (Tsodyks & Markram 1997).

Batched layout: one :class:`~brian2.NeuronGroup` holds ``n_blocks`` disconnected
copies of the network; block ``k`` owns neurons ``k*N .. (k+1)*N - 1``
(``N = n_e + n_i``, pyramidal cells first) and has its own ``Mg_o`` and
parameters. Wiring, external input and initial potentials of a block are drawn
with ``numpy.random.default_rng(seed)`` from that block's seed only, so a block
is identical whatever the batch it runs in (common random numbers across Mg).

Notes
-----
Membrane of cell i (outward currents positive)::

    C dv/dt = -(I_L + I_AMPA + I_NMDA + I_GABA_A + I_AHP)        (v < V_th)
    v -> V_reset for tau_ref after v crosses V_th

    I_NMDA = g_NMDA s_NMDA B(v, Mg_o) (v - E_NMDA),
    B = 1 / (1 + Mg_o / 3.57 mM exp(-0.062 v/mV))                (Jahr & Stevens 1990)
    I_AHP = w_AHP,  dw_AHP/dt = -w_AHP / tau_AHP,  w_AHP += b_AHP per spike

A spike of pyramidal cell j adds its available resource fraction ``R_j`` to
``s_AMPA`` and ``x_NMDA`` of each target (Tsodyks & Markram 1997 depression)::

    dR/dt = (1 - R) / tau_rec,   R -> R - U R per spike

A spike of interneuron j adds 1 to ``s_GABA_A`` of each target. External
input: independent Poisson trains at total rate ``nu_ext`` per cell onto AMPA
(conductance ``g_ext``), pre-drawn with numpy as counts per ``ext_bin`` and
added to ``s_AMPA`` at the start of each bin.

The per-synapse recurrent conductances are Brunel & Wang's (2001; values of
Wang 2002 as in Brian2's example) for 800 excitatory / 200 inhibitory inputs,
scaled to the in-degree ``p n_e`` and ``p n_i`` of this network so that the
total recurrent conductance per cell is the same; the NMDA conductances and
the adaptation time constant were then adjusted (flagged uncertain) so that
the network is asynchronous at 1-1.2 mM Mg and bursts at low Mg (see
:data:`PARAMETERS`). Bursts are relaxation oscillations: a burst starts when
the adaptation current and the depressed synapses have recovered enough for
recurrent NMDA excitation to run away, and ends when adaptation builds up and
the synaptic resources are spent.

The NMDA channel's kinetic constants, the reversal potentials and the synaptic
time constants are the channels' defaults, shared by all cells (Brian2
namespace constants; see :meth:`EINetwork.equations`).

Numerical method (``method="exponential_euler"``, the default). Over a step
``h`` the Mg block ``B`` is frozen at the step's initial ``v`` (a ``(constant
over dt)`` subexpression), which makes ``dv/dt`` linear in ``v``; Brian2's
exponential Euler then integrates ``v`` exactly for the conductances of the
step, and every gate decays exactly (``s -> s exp(-h / tau)``). Gates that
jump at spikes (``s_AMPA``, ``s_GABA_A``, ``x_NMDA``) and ``w_AHP`` enter the
step as their exact mean over the step, ``k s`` with
``k = (tau / h) (1 - exp(-h / tau))`` (:meth:`EINetwork.step_means`)::

    C dv/dt = -(I_L + k_AMPA I_AMPA + I_NMDA + k_GABA_A I_GABA_A + k_AHP I_AHP)
    ds_NMDA/dt = (norm_NMDA k_rise_NMDA x_NMDA - s_NMDA) / tau_decay_NMDA

(``k -> 1`` as ``h -> 0``: the same model). Without the factors a jump of a
2-ms gate would act for ``tau + h/2`` instead of ``tau`` (5 % too much charge
per AMPA event at 0.2 ms); forward Euler (``method="euler"``, the scheme
before) happens to conserve that charge but integrates ``v`` with a first-order
error of ``h`` over the membrane's effective time constant.

Spike times fall on the grid: ``v`` crosses ``V_th`` during a step and the
spike is detected at its end. The refractory period then ends at the grid
point nearest to crossing + ``tau_ref`` (``ref_eff`` is ``tau_ref``, or
``tau_ref + h`` when the crossing, estimated as ``(v - V_th) / (dv/dt)``
before the end of the step, lies in the step's second half); counting it from
the start of the step, as Brian2 does, shortens every interspike interval by
``h/2`` on average (+1.2 % on the interneuron rate at 0.2 ms, cells without
recurrent synapses; +0.2 % with the rounding). The synaptic effect of a spike
starts at the end of its step (up to ``h`` late); an added latency of 0.1 ms
changed the rates by < 1 %, so this is left first order.

The network is chaotic: runs at ``h`` and ``h/2`` with the same seed keep the
first burst, but single spike trains part within tens of milliseconds and the
bursts within 1-3 s, so single runs at low Mg differ by as much as two seeds
(a burst more or less in 10 s moves the rates by 5-8 %). Time-step
convergence is therefore measured on spike trains of cells without recurrent
synapses and on means over replicate seeds
(tests/test_seizure_convergence.py).

References
----------
Brunel N, Wang XJ (2001) J Comput Neurosci 11:63-85.
Wang XJ (2002) Neuron 36:955-968.
Jahr CE, Stevens CF (1990) J Neurosci 10:3178-3182.
Tsodyks MV, Markram H (1997) Proc Natl Acad Sci USA 94:719-723.
Tsodyks M, Uziel A, Markram H (2000) Synchrony generation in recurrent networks
with frequency-dependent synapses. J Neurosci 20:RC50.
Brette R, Gerstner W (2005) J Neurophysiol 94:3637-3642.
Golomb D (2007) Neuronal synchrony measures. Scholarpedia 2(1):1347.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from brian2 import (Hz, Network, NeuronGroup, Quantity, SpikeMonitor, Synapses, TimedArray,
                    amp, mM, ms, mV, nF, nS, pA, second)

from channels.ampa import AMPA
from channels.base import Channel, Parameter, unit_string
from channels.gaba_a import GABA_A
from channels.leak import Leak
from channels.nmda import NMDA, dual_exp_norm

from . import register
from .environment import environment_equations, total_current

BW = "Brunel & Wang 2001 J Comput Neurosci 11:63"
W02 = "Wang 2002 Neuron 36:955 (values of Brian2's Wang_2002 example)"
TM = "Tsodyks & Markram 1997 PNAS 94:719; Tsodyks, Uziel & Markram 2000 J Neurosci 20:RC50"
BG = "Brette & Gerstner 2005 J Neurophysiol 94:3637 (regular-spiking fit)"
TUNED = "chosen here: asynchronous at 1-1.2 mM, bursts at <= 0.2 mM Mg_o"


class Adaptation(Channel):
    """Spike-triggered adaptation current (slow AHP), outward.

    Notes
    -----
    :math:`I_{AHP} = w_{AHP}`, :math:`dw_{AHP}/dt = -w_{AHP}/\\tau_{AHP}`,
    :math:`w_{AHP} \\mathrel{+}= b_{AHP}` at each spike: the adaptation of the
    AdEx model (Brette & Gerstner 2005) with subthreshold coupling a = 0.
    The class defaults are Brette & Gerstner's; :class:`EINetwork` sets
    ``tau_AHP`` per neuron from :data:`PARAMETERS` (300 ms, slower, flagged
    uncertain) and ``b_AHP = 0`` in interneurons (fast-spiking, non-adapting).

    References
    ----------
    Brette R, Gerstner W (2005) J Neurophysiol 94:3637-3642.
    """

    name = "AHP"
    reference = BG
    uses = ()
    parameters = (
        Parameter("b_AHP", 80.5 * pA, pA, "adaptation current added per spike", BG),
        Parameter("tau_AHP", 144 * ms, ms, "decay time constant of the adaptation current", BG),
    )
    recordables = ("w_AHP",)

    def equation_text(self) -> str:
        return "I_AHP = w_AHP : amp\ndw_AHP/dt = -w_AHP / tau_AHP : amp"

    def initial_states(self, env):
        return {"w_AHP": 0 * amp}

    def current(self, w=0 * amp, **_env):
        return w


#: Network parameters besides the channels' kinetics; names are settings of ``seizure``.
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("C_m_E", 0.5 * nF, nF, "membrane capacitance, pyramidal cell", BW),
    Parameter("C_m_I", 0.2 * nF, nF, "membrane capacitance, interneuron", BW),
    Parameter("g_L_E", 25 * nS, nS, "leak conductance, pyramidal cell", BW),
    Parameter("g_L_I", 20 * nS, nS, "leak conductance, interneuron", BW),
    Parameter("E_L", -70 * mV, mV, "leak reversal (resting) potential", BW),
    Parameter("V_th", -50 * mV, mV, "spike threshold", BW),
    Parameter("V_reset", -55 * mV, mV, "reset potential", BW),
    Parameter("tau_ref_E", 2 * ms, ms, "refractory period, pyramidal cell", BW),
    Parameter("tau_ref_I", 1 * ms, ms, "refractory period, interneuron", BW),
    Parameter("p_connect", 0.2, 1, "connection probability between any two cells",
              "chosen here; in-degree 0.2 N as in many sparse cortical models", uncertain=True),
    Parameter("g_AMPA_E", 0.104 * 4 * nS, nS, "recurrent AMPA conductance per synapse onto a pyramidal cell",
              W02 + ": 0.104 nS x 800/in-degree", uncertain=True),
    Parameter("g_AMPA_I", 0.081 * 4 * nS, nS, "recurrent AMPA conductance per synapse onto an interneuron",
              W02 + ": 0.081 nS x 800/in-degree", uncertain=True),
    Parameter("g_NMDA_E", 0.61 * nS, nS, "NMDA conductance per synapse onto a pyramidal cell "
              "(peak of one event, dual-exponential gating)",
              TUNED + "; 0.37 x (" + W02 + ": 0.327 nS x 800/in-degree); Brunel-Wang gating "
              "peaks at s = 0.59 per event, dual_exp at 1", uncertain=True),
    Parameter("g_NMDA_I", 0.3 * nS, nS, "NMDA conductance per synapse onto an interneuron",
              TUNED + "; 0.29 x (" + W02 + ": 0.258 nS x 800/in-degree): fast-spiking "
              "interneurons have a low NMDA/AMPA ratio (Wang & Gao 2009 Neuropsychopharmacology "
              "34:2028)", uncertain=True),
    Parameter("g_GABA_E", 1.25 * 4 * nS, nS, "GABA-A conductance per synapse onto a pyramidal cell",
              W02 + ": 1.25 nS x 200/in-degree", uncertain=True),
    Parameter("g_GABA_I", 0.973 * 4 * nS, nS, "GABA-A conductance per synapse onto an interneuron",
              W02 + ": 0.973 nS x 200/in-degree", uncertain=True),
    Parameter("g_ext_E", 2.08 * nS, nS, "external AMPA conductance per input spike, pyramidal cell", BW),
    Parameter("g_ext_I", 1.62 * nS, nS, "external AMPA conductance per input spike, interneuron", BW),
    Parameter("nu_ext", 2.4 * 1000 * Hz, Hz, "total external Poisson input rate per cell",
              BW + ": 800 inputs x 3 Hz"),
    Parameter("U_STD", 0.5, 1, "fraction of synaptic resources used per spike (E synapses)", TM),
    Parameter("tau_rec_STD", 800 * ms, ms, "recovery time constant of synaptic resources", TM),
    Parameter("b_AHP", 80.5 * pA, pA, "adaptation current added per spike, pyramidal cell", BG),
    Parameter("tau_AHP", 300 * ms, ms, "decay time constant of the adaptation current",
              TUNED + "; slower than " + BG + " (144 ms), within the range of Ca-activated "
              "AHP currents (Liu & Wang 2001 J Comput Neurosci 10:25)", uncertain=True),
)
_BY_NAME = {p.name: p for p in PARAMETERS}

#: Channel parameters that are per-neuron constants (they differ between cell types or
#: blocks); the other channel parameters are shared constants (EINetwork.namespace).
PER_NEURON = ("g_L", "g_AMPA", "g_NMDA", "g_GABA_A", "b_AHP")

#: Network parameters shared by all cells of one simulation (namespace constants, which
#: Brian2 hoists out of the per-neuron loop); blocks of one simulation must agree on them.
SHARED = {"E_L": mV, "V_th": mV, "V_reset": mV, "U_STD": 1, "tau_rec_STD": ms, "tau_AHP": ms}

#: In-degrees (excitatory, inhibitory) for which the per-synapse conductances are given:
#: 0.2 x 800 and 0.2 x 200. Other sizes scale them by docs/reference.md / (p_connect n), keeping
#: each cell's total recurrent conductance (the 1/N scaling of Brunel & Wang 2001).
REFERENCE_IN_DEGREE = (160.0, 40.0)


def parameter(name: str) -> Parameter:
    """One network parameter by name."""
    return _BY_NAME[name]


def default_values() -> dict[str, float]:
    """Default network parameter values as floats in their display units."""
    return {p.name: p.magnitude() for p in PARAMETERS}


# -- numpy: wiring, inputs, analysis ------------------------------------------------

def wiring(n_e: int, n_i: int, p: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random directed connections without autapses: (pre, post) local indices.

    Each ordered pair (pre, post), pre != post, is connected independently with
    probability ``p`` (Erdős–Rényi). Cells ``0 .. n_e-1`` are pyramidal.
    """
    n = n_e + n_i
    mask = rng.random((n, n)) < p           # mask[pre, post]
    np.fill_diagonal(mask, False)
    pre, post = np.nonzero(mask)
    return pre.astype(np.int32), post.astype(np.int32)


def external_counts(n: int, duration_s: float, bin_s: float, rate_hz: float,
                    rng: np.random.Generator) -> np.ndarray:
    """Poisson counts of external input spikes per cell and bin, shape (bins, n)."""
    bins = int(np.ceil(duration_s / bin_s - 1e-9)) + 1
    return rng.poisson(rate_hz * bin_s, size=(bins, n)).astype(np.float64)


def population_rate(spike_times_s: np.ndarray, n_cells: int, duration_s: float,
                    bin_s: float = 1e-3, sigma_s: float = 0.01,
                    start_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Population rate (Hz per cell) in bins of ``bin_s``, smoothed by a Gaussian.

    Returns bin centres (s) and the rate. ``sigma_s = 0`` gives the raw rate.
    """
    edges = np.arange(start_s, duration_s + bin_s / 2, bin_s)
    counts, _ = np.histogram(spike_times_s, edges)
    rate = counts / (n_cells * bin_s)
    if sigma_s > 0:
        half = int(np.ceil(4 * sigma_s / bin_s))
        x = np.arange(-half, half + 1) * bin_s
        kernel = np.exp(-0.5 * (x / sigma_s) ** 2)
        kernel /= kernel.sum()
        # normalise at the edges so the mean rate is not biased down there
        rate = np.convolve(rate, kernel, "same") / np.convolve(np.ones_like(rate), kernel, "same")
    return 0.5 * (edges[:-1] + edges[1:]), rate


@dataclass(frozen=True)
class BurstCriteria:
    """Definition of a population burst (see :func:`detect_bursts`).

    Attributes
    ----------
    threshold_factor : float
        Threshold as a multiple of the baseline (median) population rate.
    threshold_min_hz : float
        Lowest threshold (Hz per cell), whatever the baseline.
    min_duration_s : float
        Shorter supra-threshold epochs are not bursts.
    merge_gap_s : float
        Epochs separated by less than this are one burst.
    """

    threshold_factor: float = 3.0
    threshold_min_hz: float = 10.0
    min_duration_s: float = 0.05
    merge_gap_s: float = 0.05


def burst_threshold(rate_hz: np.ndarray, criteria: BurstCriteria = BurstCriteria()) -> float:
    """Threshold = max(threshold_min_hz, threshold_factor x median rate)."""
    baseline = float(np.median(rate_hz)) if len(rate_hz) else 0.0
    return max(criteria.threshold_min_hz, criteria.threshold_factor * baseline)


def detect_bursts(t_s: np.ndarray, rate_hz: np.ndarray,
                  criteria: BurstCriteria = BurstCriteria()) -> np.ndarray:
    """Population bursts in a smoothed population rate: array of (start, end) in s.

    A burst is an epoch in which the smoothed population rate stays above the
    threshold of :func:`burst_threshold` (the larger of ``threshold_min_hz``
    and ``threshold_factor`` times the median rate, the median standing for
    the baseline because bursts occupy a minority of the time); epochs closer
    than ``merge_gap_s`` are merged, then epochs shorter than
    ``min_duration_s`` are dropped. Epochs cut by the ends of the record count.

    Parameters
    ----------
    t_s : array
        Equally spaced bin centres (s).
    rate_hz : array
        Smoothed population rate (Hz per cell), e.g. from :func:`population_rate`.
    """
    t_s, rate_hz = np.asarray(t_s, float), np.asarray(rate_hz, float)
    if len(t_s) == 0:
        return np.zeros((0, 2))
    step = t_s[1] - t_s[0] if len(t_s) > 1 else 0.0
    above = rate_hz > burst_threshold(rate_hz, criteria)
    padded = np.concatenate([[False], above, [False]]).astype(np.int8)
    change = np.diff(padded)
    starts, ends = np.nonzero(change == 1)[0], np.nonzero(change == -1)[0] - 1
    if len(starts) == 0:
        return np.zeros((0, 2))
    begin = t_s[starts] - step / 2
    end = t_s[ends] + step / 2
    merged = [[begin[0], end[0]]]
    for b, e in zip(begin[1:], end[1:]):
        if b - merged[-1][1] < criteria.merge_gap_s:
            merged[-1][1] = e
        else:
            merged.append([b, e])
    out = np.array([m for m in merged if m[1] - m[0] >= criteria.min_duration_s - 1e-12])
    return out.reshape(-1, 2)


def recruited_fraction(spike_i: np.ndarray, spike_t: np.ndarray, n_cells: int,
                       bursts: np.ndarray) -> np.ndarray:
    """Fraction of the cells that fire at least once in each burst."""
    out = np.zeros(len(bursts))
    for k, (start, end) in enumerate(bursts):
        inside = (spike_t >= start) & (spike_t < end)
        out[k] = len(np.unique(spike_i[inside])) / n_cells
    return out


def golomb_chi(spike_i: np.ndarray, spike_t: np.ndarray, n_cells: int, start_s: float,
               stop_s: float, bin_s: float = 0.01) -> float:
    """Golomb's synchrony measure chi on spike counts in bins of ``bin_s``.

    :math:`\\chi^2 = \\mathrm{Var}_t[\\bar n(t)] / (N^{-1}\\sum_i \\mathrm{Var}_t[n_i(t)])`,
    with :math:`n_i(t)` the spike count of cell i in bin t and :math:`\\bar n` the
    mean over cells (Golomb 2007 applies it to voltages or filtered spike
    trains). chi is about :math:`1/\\sqrt{N}` for independent cells and 1 for
    identical ones; 0 if no cell fires.
    """
    edges = np.arange(start_s, stop_s + bin_s / 2, bin_s)
    if len(edges) < 3:
        return float("nan")
    keep = (spike_t >= start_s) & (spike_t < edges[-1])
    counts = np.zeros((n_cells, len(edges) - 1))
    np.add.at(counts, (spike_i[keep], np.searchsorted(edges, spike_t[keep], "right") - 1), 1)
    individual = counts.var(axis=1).mean()
    if individual == 0:
        return 0.0
    return float(np.sqrt(counts.mean(axis=0).var() / individual))


# -- the Brian2 model ----------------------------------------------------------------

@register
class EINetwork:
    """Batched recurrent E–I network; see the module docstring.

    Parameters
    ----------
    n_e, n_i : int
        Pyramidal cells and interneurons per block.
    n_blocks : int
        Disconnected copies (conditions) simulated together.
    dt : Quantity
        Integration time step.
    ext_bin : Quantity
        Time resolution of the pre-drawn external input.
    name : str
        Prefix of the Brian2 object names (fixed names keep generated code,
        and so Cython's compiled cache, identical from run to run).
    method : {"exponential_euler", "euler"}
        ``"exponential_euler"``: exact integration over a step for frozen Mg
        block with step-mean conductances (module Notes). ``"euler"``: forward
        Euler of the same equations (the earlier scheme, kept for comparison).
    """

    parameters = PARAMETERS

    def __init__(self, n_e: int = 800, n_i: int = 200, n_blocks: int = 1, dt: Quantity = 0.2 * ms,
                 ext_bin: Quantity = 1 * ms, name: str = "einet",
                 method: str = "exponential_euler"):
        if n_e < 1 or n_i < 1 or n_blocks < 1:
            raise ValueError("n_e, n_i and n_blocks must be >= 1")
        self.n_e, self.n_i, self.n_blocks = int(n_e), int(n_i), int(n_blocks)
        self.n = self.n_e + self.n_i
        self.dt, self.ext_bin, self.name = dt, ext_bin, name
        if method not in ("exponential_euler", "euler"):
            raise ValueError(f"method must be 'exponential_euler' or 'euler', not {method!r}")
        self.method = method
        self.leak, self.ampa, self.gaba, self.ahp = Leak(), AMPA(), GABA_A(), Adaptation()
        self.nmda = NMDA(block="jahr_stevens", gating="dual_exp")
        self.channels: list[Channel] = [self.leak, self.ampa, self.nmda, self.gaba, self.ahp]

    def equations(self):
        """Brian2 equations of one cell.

        Parameters that differ between cells or blocks are per-neuron
        constants (:data:`PER_NEURON`, ``C_m``, ``tau_ref``, ``Mg_o``); the
        channels' kinetic constants (reversal potentials, time constants, block
        constants, from :meth:`namespace`) and the network parameters in
        :data:`SHARED` are the same for every cell of a simulation and are
        namespace constants, which Brian2 hoists out of the per-neuron loop
        (about twice as fast as per-neuron arrays).
        """
        from brian2 import Equations
        shared = self.namespace()
        exact = self.method != "euler"
        lines, declared = [], []
        for channel in self.channels:
            for line in channel.equation_text().splitlines():
                target = line.split(":")[0].strip()
                if target in shared:
                    continue
                if exact and target == "B_NMDA = 1 / (1 + Mg_o / K_Mg_NMDA * exp(-gamma_NMDA * v))":
                    line += " (constant over dt)"
                elif exact and target.startswith("ds_NMDA/dt"):
                    line = ("ds_NMDA/dt = (norm_NMDA * k_rise_NMDA * x_NMDA - s_NMDA) "
                            "/ tau_decay_NMDA : 1")
                lines.append(line)
            declared += [f"{p.name} : {unit_string(p.value)} (constant)"
                         for p in channel.active_parameters() if p.name in PER_NEURON]
        if exact:
            current = ("I_L + k_AMPA * I_AMPA + I_NMDA + k_GABA_A * I_GABA_A + k_AHP * I_AHP")
            declared.append("ref_eff : second")
        else:
            current = total_current(self.channels)
        membrane = Equations(f"""
            dv/dt = -({current}) / C_m : volt (unless refractory)
            dR_STD/dt = (1 - R_STD) / tau_rec_STD : 1
            C_m : farad (constant)
            tau_ref : second (constant)
            w_ext : 1 (constant)
            ext_col : integer (constant)
            """)
        return (environment_equations(self.channels, owned=("v",))
                + Equations("\n".join(lines + declared)) + membrane)

    def step_means(self, tau_AHP: Quantity) -> dict[str, float]:
        """Mean over one time step of each decaying conductance, relative to its start value.

        ``k = (tau / dt) (1 - exp(-dt / tau))`` for the AMPA and GABA-A gates,
        the NMDA rise variable ``x_NMDA`` and the adaptation current (see the
        module Notes); all 1 with ``method="euler"``.
        """
        names = {"k_AMPA": self.ampa.values["tau_AMPA"], "k_GABA_A": self.gaba.values["tau_GABA_A"],
                 "k_rise_NMDA": self.nmda.values["tau_rise_NMDA"], "k_AHP": tau_AHP}
        if self.method == "euler":
            return {k: 1.0 for k in names}
        h = float(self.dt / second)
        return {k: float(tau / second) / h * -np.expm1(-h / float(tau / second))
                for k, tau in names.items()}

    def namespace(self) -> dict[str, object]:
        """Channel constants shared by all cells (not in :data:`PER_NEURON`)."""
        out = {}
        for channel in self.channels:
            for p in channel.active_parameters():
                if p.name not in PER_NEURON and p.name not in SHARED:
                    out[p.name] = channel.values[p.name]
        out["norm_NMDA"] = dual_exp_norm(self.nmda.values["tau_rise_NMDA"],
                                         self.nmda.values["tau_decay_NMDA"])
        return out

    # -- per-block randomness ------------------------------------------------------
    def draws(self, seed: int, p_connect: float, duration_s: float, nu_ext_hz: float):
        """Wiring, external counts and initial potentials of one block from ``seed``."""
        rng = np.random.default_rng(int(seed))
        pre, post = wiring(self.n_e, self.n_i, p_connect, rng)
        counts = external_counts(self.n, duration_s, float(self.ext_bin / second), nu_ext_hz, rng)
        v0_frac = rng.random(self.n)
        return pre, post, counts, v0_frac

    def simulate(self, mg_o_mM: Sequence[float], seeds: Sequence[int], duration: Quantity,
                 values: Mapping[str, Sequence[float] | float] | None = None,
                 p_connect: float | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Run all blocks; return per block (local neuron index, spike time in s).

        Parameters
        ----------
        mg_o_mM : sequence of float
            Extracellular Mg per block (mM).
        seeds : sequence of int
            Seed per block (wiring, external input, initial potentials).
        duration : Quantity
            Simulated time.
        values : mapping, optional
            Network parameters (names of :data:`PARAMETERS`, plus ``nmda_scale``)
            as floats in their display units, scalars or one per block.
        p_connect : float, optional
            Connection probability (same for all blocks).
        """
        nb, n = self.n_blocks, self.n
        mg = np.asarray(mg_o_mM, float)
        seeds = [int(s) for s in seeds]
        if len(mg) != nb or len(seeds) != nb:
            raise ValueError(f"need {nb} Mg values and seeds, got {len(mg)} and {len(seeds)}")
        vals = default_values()
        vals["nmda_scale"] = 1.0
        vals.update(values or {})
        per_block = {k: np.broadcast_to(np.asarray(v, float), (nb,)) for k, v in vals.items()}
        p = float(per_block["p_connect"][0] if p_connect is None else p_connect)
        nu = per_block["nu_ext"]
        if not np.all(nu == nu[0]):
            raise ValueError("nu_ext must be the same for all blocks of one simulation")
        duration_s = float(duration / second)
        shared = {}
        for name, unit in SHARED.items():
            if not np.all(per_block[name] == per_block[name][0]):
                raise ValueError(f"{name} must be the same for all blocks of one simulation")
            shared[name] = float(per_block[name][0]) * unit

        # one draw per distinct seed; blocks with the same seed share it
        slots = {s: k for k, s in enumerate(dict.fromkeys(seeds))}
        draws = {s: self.draws(s, p, duration_s, float(nu[0])) for s in slots}
        ext_table = np.concatenate([draws[s][2] for s in slots], axis=1)

        is_e = np.tile(np.arange(n) < self.n_e, nb)
        block = np.repeat(np.arange(nb), n)

        def cell(e_name, i_name, unit):
            return np.where(is_e, per_block[e_name][block], per_block[i_name][block]) * unit

        reset = "v = V_reset\nw_AHP += b_AHP\nR_STD -= U_STD * R_STD"
        refractory = "tau_ref"
        if self.method != "euler":
            # release at the grid point nearest to (threshold crossing + tau_ref); the
            # crossing lies (v - V_th) / (dv/dt) before the end of the step
            reset = ("ref_eff = tau_ref + dt * int((v - V_th) * C_m < -0.5 * dt * "
                     f"({total_current(self.channels)}))\n" + reset)
            refractory = "ref_eff"
        group = NeuronGroup(nb * n, self.equations(), threshold="v > V_th",
                            reset=reset,
                            refractory=refractory, method=self.method, dt=self.dt,
                            name=f"{self.name}_cells")
        for channel in self.channels:
            for key, value in channel.initial_states({"v": -70 * mV, "Mg_o": 1 * mM}).items():
                if key in group.variables and key not in PER_NEURON:
                    setattr(group, key, value)
        group.Mg_o = np.repeat(mg, n) * mM
        group.C_m = cell("C_m_E", "C_m_I", nF)
        group.g_L = cell("g_L_E", "g_L_I", nS)
        group.tau_ref = cell("tau_ref_E", "tau_ref_I", ms)
        # per-synapse values are for the reference in-degrees; keep the total conductance
        scale_e = REFERENCE_IN_DEGREE[0] / (p * self.n_e)
        scale_i = REFERENCE_IN_DEGREE[1] / (p * self.n_i)
        group.g_AMPA = cell("g_AMPA_E", "g_AMPA_I", nS) * scale_e
        group.g_NMDA = cell("g_NMDA_E", "g_NMDA_I", nS) * per_block["nmda_scale"][block] * scale_e
        group.g_GABA_A = cell("g_GABA_E", "g_GABA_I", nS) * scale_i
        group.b_AHP = np.where(is_e, per_block["b_AHP"][block], 0.0) * pA
        g_ext = cell("g_ext_E", "g_ext_I", nS)  # w_ext: external input in units of g_AMPA
        group.w_ext = np.asarray(g_ext / group.g_AMPA[:])
        slot_of_block = np.array([slots[s] for s in seeds])
        group.ext_col = (slot_of_block[block] * n + np.tile(np.arange(n), nb)).astype(np.int32)
        v0 = np.concatenate([draws[s][3] for s in seeds])
        group.v = (per_block["E_L"][block] + v0 * (per_block["V_th"][block] - per_block["E_L"][block])) * mV
        group.R_STD = 1.0

        ext = TimedArray(ext_table, dt=self.ext_bin, name=f"{self.name}_ext")
        group.run_regularly("s_AMPA += w_ext * ext_input(t, ext_col)", dt=self.ext_bin,
                            name=f"{self.name}_external", when="start")
        offsets = np.arange(nb) * n
        pre_all, post_all = [], []
        for k, s in enumerate(seeds):
            pre, post = draws[s][0], draws[s][1]
            pre_all.append(pre + offsets[k])
            post_all.append(post + offsets[k])
        pre_all, post_all = np.concatenate(pre_all), np.concatenate(post_all)
        synapses = []  # Brian2 refuses a Synapses object without synapses (tiny p_connect)
        excitatory = (pre_all % n) < self.n_e
        pathways = (("exc", excitatory, "s_AMPA_post += R_STD_pre\nx_NMDA_post += R_STD_pre"),
                    ("inh", ~excitatory, "s_GABA_A_post += 1"))
        for kind, sel, on_pre in pathways:
            if np.any(sel):
                syn = Synapses(group, group, on_pre=on_pre, dt=self.dt, name=f"{self.name}_{kind}")
                syn.connect(i=pre_all[sel], j=post_all[sel])
                synapses.append(syn)
        monitor = SpikeMonitor(group, name=f"{self.name}_spikes")
        net = Network(group, *synapses, monitor)
        net.run(duration, namespace={"ext_input": ext, **self.namespace(), **shared,
                                     **self.step_means(shared["tau_AHP"])})
        i_all = np.asarray(monitor.i[:], dtype=np.int64)
        t_all = np.asarray(monitor.t[:] / second)
        out = []
        for k in range(nb):
            sel = (i_all >= k * n) & (i_all < (k + 1) * n)
            out.append((i_all[sel] - k * n, t_all[sel]))
        return out
