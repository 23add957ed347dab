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

Three modules: this one (the model, :class:`EINetwork`, and the per-block
random draws), :mod:`models.network_parameters` (:data:`PARAMETERS`,
:data:`SHARED`, :data:`PER_NEURON`, the adaptation current) and
:mod:`models.network_analysis` (population rate, bursts, synchrony); every
public name of the three is importable from here. The model builds its group
on request (:meth:`EINetwork.build_group`, called by :meth:`EINetwork.simulate`);
:meth:`EINetwork.equations` needs no group.

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

from typing import Mapping, Sequence

import numpy as np
from brian2 import (Equations, Network, NeuronGroup, Quantity, SpikeMonitor, Synapses,
                    TimedArray, mM, ms, mV, nF, nS, pA, second)

from channels.ampa import AMPA
from channels.base import Channel, unit_string
from channels.gaba_a import GABA_A
from channels.leak import Leak
from channels.nmda import NMDA, dual_exp_norm

from . import register
from .environment import environment_equations, total_current
# The network's parameters and the analysis of its spike trains live in their own modules;
# their public names are imported here so that ``models.network`` offers all of them.
from .network_analysis import (BurstCriteria, burst_threshold, detect_bursts, golomb_chi,
                               population_rate, recruited_fraction)
from .network_parameters import (PARAMETERS, PER_NEURON, REFERENCE_IN_DEGREE, SHARED,
                                 Adaptation, default_values, parameter)

__all__ = ["PARAMETERS", "PER_NEURON", "REFERENCE_IN_DEGREE", "SHARED", "Adaptation",
           "BurstCriteria", "EINetwork", "burst_threshold", "default_values", "detect_bursts",
           "external_counts", "golomb_chi", "parameter", "population_rate",
           "recruited_fraction", "shared_values", "wiring"]


# -- per-block randomness (numpy) ---------------------------------------------------

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
        namespace constants (one value for all cells).
        """
        shared = self.namespace()
        exact = self.method != "euler"
        frozen_block = not self.nmda.block_form.kinetic  # B_NMDA a subexpression: freeze it
        lines, declared = [], []
        for channel in self.channels:
            for line in channel.equation_text().splitlines():
                target = line.split(":")[0].strip()
                if target in shared:
                    continue
                if exact and frozen_block and target.startswith("B_NMDA ="):
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

    def simulate(self, mg_o, seeds: Sequence[int], duration: Quantity,
                 values: Mapping[str, Sequence[float] | float] | None = None,
                 p_connect: float | None = None,
                 report=None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Run all blocks; return per block (local neuron index, spike time in s).

        Parameters
        ----------
        mg_o : Quantity array or sequence of float
            Extracellular Mg per block (a concentration, or floats in mM).
        seeds : sequence of int
            Seed per block (wiring, external input, initial potentials).
        duration : Quantity
            Simulated time.
        values : mapping, optional
            Network parameters (names of :data:`PARAMETERS`, plus ``nmda_scale``)
            as quantities (or floats in their display units), scalars or one per
            block.
        p_connect : float, optional
            Connection probability (same for all blocks).
        report : callable, optional
            A Brian2 report callable, ``report(elapsed, completed, start,
            duration)``, passed to ``Network.run`` (called at the start and end
            of the run and at most once per second of wall time in between).
        """
        nb, n = self.n_blocks, self.n
        mg = in_display_unit(mg_o, mM)
        seeds = [int(s) for s in seeds]
        if len(mg) != nb or len(seeds) != nb:
            raise ValueError(f"need {nb} Mg values and seeds, got {len(mg)} and {len(seeds)}")
        per_block = self.block_values(values)
        shared = shared_values(per_block)
        p = float(per_block["p_connect"][0] if p_connect is None else p_connect)
        # one draw per distinct seed; blocks with the same seed share it
        slots = {s: k for k, s in enumerate(dict.fromkeys(seeds))}
        draws = {s: self.draws(s, p, float(duration / second), float(per_block["nu_ext"][0]))
                 for s in slots}
        group = self.build_group()
        self.set_cells(group, per_block, mg, p, np.concatenate([draws[s][3] for s in seeds]))
        slot_of_block = np.array([slots[s] for s in seeds])
        group.ext_col = (np.repeat(slot_of_block, n) * n + np.tile(np.arange(n), nb)).astype(np.int32)
        ext = TimedArray(np.concatenate([draws[s][2] for s in slots], axis=1), dt=self.ext_bin,
                         name=f"{self.name}_ext")
        group.run_regularly("s_AMPA += w_ext * ext_input(t, ext_col)", dt=self.ext_bin,
                            name=f"{self.name}_external", when="start")
        synapses = self.connect(group, [draws[s][:2] for s in seeds])
        monitor = SpikeMonitor(group, name=f"{self.name}_spikes")
        net = Network(group, *synapses, monitor)
        net.run(duration, namespace={"ext_input": ext, **self.namespace(), **shared,
                                     **self.step_means(shared["tau_AHP"])},
                report=report, report_period=1 * second)
        i_all = np.asarray(monitor.i[:], dtype=np.int64)
        t_all = np.asarray(monitor.t[:] / second)
        out = []
        for k in range(nb):
            sel = (i_all >= k * n) & (i_all < (k + 1) * n)
            out.append((i_all[sel] - k * n, t_all[sel]))
        return out

    def block_values(self, values: Mapping[str, Sequence[float] | float] | None
                     ) -> dict[str, np.ndarray]:
        """Every network parameter (and ``nmda_scale``) per block, floats in display units.

        Defaults from :data:`PARAMETERS` (``nmda_scale`` 1), replaced by
        ``values`` (scalars or one per block). ``nu_ext`` must be the same for
        all blocks (one shared input table).
        """
        vals = default_values()
        vals["nmda_scale"] = 1.0
        vals.update({k: in_display_unit(v, parameter(k).unit if k != "nmda_scale" else None)
                     for k, v in (values or {}).items()})
        per_block = {k: np.broadcast_to(np.asarray(v, float), (self.n_blocks,))
                     for k, v in vals.items()}
        nu = per_block["nu_ext"]
        if not np.all(nu == nu[0]):
            raise ValueError("nu_ext must be the same for all blocks of one simulation")
        return per_block

    def build_group(self) -> NeuronGroup:
        """The ``NeuronGroup`` of all blocks' cells, its gates at their initial states.

        Threshold ``v > V_th``; the reset sets ``v = V_reset``, adds ``b_AHP``
        and depresses ``R_STD``. With exponential Euler the refractory period
        ends at the grid point nearest to the threshold crossing plus
        ``tau_ref`` (module Notes). Per-neuron values are set by :meth:`set_cells`.
        """
        reset = "v = V_reset\nw_AHP += b_AHP\nR_STD -= U_STD * R_STD"
        refractory = "tau_ref"
        if self.method != "euler":
            # release at the grid point nearest to (threshold crossing + tau_ref); the
            # crossing lies (v - V_th) / (dv/dt) before the end of the step
            reset = ("ref_eff = tau_ref + dt * int((v - V_th) * C_m < -0.5 * dt * "
                     f"({total_current(self.channels)}))\n" + reset)
            refractory = "ref_eff"
        group = NeuronGroup(self.n_blocks * self.n, self.equations(), threshold="v > V_th",
                            reset=reset,
                            refractory=refractory, method=self.method, dt=self.dt,
                            name=f"{self.name}_cells")
        for channel in self.channels:
            for key, value in channel.initial_states({"v": -70 * mV, "Mg_o": 1 * mM}).items():
                if key in group.variables and key not in PER_NEURON:
                    setattr(group, key, value)
        return group

    def set_cells(self, group: NeuronGroup, per_block: Mapping[str, np.ndarray],
                  mg: np.ndarray, p: float, v0_frac: np.ndarray) -> None:
        """Per-neuron Mg, membrane, synaptic values and initial potentials of every block.

        Per-synapse conductances are given for :data:`REFERENCE_IN_DEGREE` and
        scaled to this network's in-degrees ``p n_e`` and ``p n_i``; ``v0_frac``
        places each cell's initial ``v`` between ``E_L`` (0) and ``V_th`` (1).
        """
        n = self.n
        is_e = np.tile(np.arange(n) < self.n_e, self.n_blocks)
        block = np.repeat(np.arange(self.n_blocks), n)

        def cell(e_name, i_name, unit):
            return np.where(is_e, per_block[e_name][block], per_block[i_name][block]) * unit

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
        e_l, v_th = per_block["E_L"][block], per_block["V_th"][block]
        group.v = (e_l + v0_frac * (v_th - e_l)) * mV
        group.R_STD = 1.0

    def connect(self, group: NeuronGroup,
                wirings: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[Synapses]:
        """Recurrent synapses of all blocks from each block's (pre, post) local indices.

        A pyramidal spike adds its resource fraction ``R_STD`` to AMPA and NMDA
        of its targets, an interneuron spike 1 to GABA_A. A pathway without
        any synapse is left out (Brian2 refuses an empty ``Synapses``).
        """
        n = self.n
        pre_all = np.concatenate([pre + k * n for k, (pre, _) in enumerate(wirings)])
        post_all = np.concatenate([post + k * n for k, (_, post) in enumerate(wirings)])
        synapses = []
        excitatory = (pre_all % n) < self.n_e
        pathways = (("exc", excitatory, "s_AMPA_post += R_STD_pre\nx_NMDA_post += R_STD_pre"),
                    ("inh", ~excitatory, "s_GABA_A_post += 1"))
        for kind, sel, on_pre in pathways:
            if np.any(sel):
                syn = Synapses(group, group, on_pre=on_pre, dt=self.dt, name=f"{self.name}_{kind}")
                syn.connect(i=pre_all[sel], j=post_all[sel])
                synapses.append(syn)
        return synapses


def in_display_unit(value, unit) -> np.ndarray:
    """``value`` as floats in ``unit``: a quantity is converted (dimensions checked),
    plain numbers are taken to be in ``unit`` already."""
    if isinstance(value, Quantity):
        return np.asarray(value / (1 if unit is None else unit), float)
    return np.asarray(value, float)


def shared_values(per_block: Mapping[str, np.ndarray]) -> dict[str, Quantity]:
    """The :data:`SHARED` parameters as quantities; ``ValueError`` if blocks disagree."""
    shared = {}
    for name, unit in SHARED.items():
        if not np.all(per_block[name] == per_block[name][0]):
            raise ValueError(f"{name} must be the same for all blocks of one simulation")
        shared[name] = float(per_block[name][0]) * unit
    return shared
