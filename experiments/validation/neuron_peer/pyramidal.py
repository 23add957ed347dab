"""Pyramidal-cell peer: the RS cell of Pospischil et al. (2008) with its synapses, in NEURON.

One cylinder (:data:`RS_GEOMETRY`, L = d = 61.4 um, one segment) with

.. math::

    c_m \\frac{dV}{dt} = -\\big(g_{pas}(V - E_{pas}) + i_{Na} + i_K + i_M\\big)
                        - \\frac{i_{AMPA} + i_{NMDA} + i_{GABA_A}}{\\text{area}}

(the currents of :mod:`~experiments.validation.neuron_peer.nmodl`: ``pas``,
``naTM``, ``kTM``, ``mYKA``; ``ExpCond`` for AMPA and GABA_A, ``NmdaDualJS``
for NMDA). Parameter values are those of :class:`models.neuron.PyramidalNeuron`
(:func:`cell_values`).

* :func:`pyramidal_trace`: the membrane potential, one section per Mg_o,
  all driven by the same events (the NEURON half of the cross-check).
* :func:`spike_counts`: spike counts over a sweep of conditions, one Mg_o
  and one excitatory train each (the NEURON peer of the benchmark suite).

Scheduling. Brian2 applies a synaptic event arriving at time t after the
state update of the step starting at t, so it acts from t + dt; NEURON's
fixed-step method delivers an event at t before that step. Both functions
therefore deliver each event at t + dt (:meth:`RSCell.queue_events`), which
makes the two schedules equal.

References
----------
Pospischil M et al. (2008) Minimal Hodgkin-Huxley type models for different
classes of cortical and thalamic neurons. Biol Cybern 99:427-441.
Hines ML, Carnevale NT (1997) Neural Comput 9:1179-1209.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .mechanisms import integrator

#: Geometry of the Pospischil et al. (2008) RS cell (one cylinder, L = d, um).
RS_GEOMETRY = {"L_um": 61.4, "diam_um": 61.4}

#: Axial resistivity (Ohm cm); irrelevant for one segment, NEURON's usual value.
RA_OHM_CM = 100.0

#: Spike detection: upward crossings of -20 mV, the Brian2 model's threshold.
SPIKE_THRESHOLD_MV = -20.0


def cell_values() -> dict[str, float]:
    """Parameter values of :class:`models.neuron.PyramidalNeuron`, in NEURON units.

    Only the *values* are shared with the Brian2 model (so a retuned synaptic
    weight does not break the comparison); the equations here are NEURON's
    own. Conductances become densities over NEURON's area pi d L of the
    same cylinder (S/cm2) or point-process conductances (uS); potentials are
    in mV, time constants in ms, concentrations in mM. The Traub-Miles
    thresholds include the model's shifts (``vt = VT + dV``).

    Raises ``ValueError`` if the model's divalent surface-charge shift is
    on: the peer has none.
    """
    from brian2 import cm, mM, ms, mV, siemens, ufarad, uS, umetre
    from models.neuron import PyramidalNeuron
    model = PyramidalNeuron()
    values = {}
    for channel in model.channels:
        values.update(channel.values)
    values.update(model.model_values)
    if float(values.get("surface_charge", 0.0)) != 0.0:
        raise ValueError("the NEURON peer has no divalent surface-charge shift")
    area = np.pi * RS_GEOMETRY["L_um"] * RS_GEOMETRY["diam_um"] * umetre ** 2

    def dens(name):
        return float(values[name] / area / (siemens / cm ** 2))

    def mv(name):
        return float(values[name] / mV)

    def in_(name, unit):
        return float(values[name] / unit)
    return {
        "cm_uF_cm2": float(values["C_m"] / area / (ufarad / cm ** 2)),
        "g_pas": dens("g_L"), "e_pas": mv("E_L"),
        "g_na": dens("g_NaHH"), "e_na": mv("E_NaHH"), "vt_na": mv("VT_NaHH") + mv("dV_NaHH"),
        "g_k": dens("g_KHH"), "e_k": mv("E_KHH"), "vt_k": mv("VT_KHH") + mv("dV_KHH"),
        "g_m": dens("g_M"), "e_m": mv("E_M"), "taumax_m": in_("tau_max_M", ms),
        "vshift_m": mv("dV_M"),
        "g_ampa": in_("g_AMPA", uS), "e_ampa": mv("E_AMPA"), "tau_ampa": in_("tau_AMPA", ms),
        "g_gaba": in_("g_GABA_A", uS), "e_gaba": mv("E_GABA_A"),
        "tau_gaba": in_("tau_GABA_A", ms),
        "g_nmda": in_("g_NMDA", uS), "e_nmda": mv("E_NMDA"), "kmg_nmda": in_("K_Mg_NMDA", mM),
        "gamma_nmda": float(values["gamma_NMDA"] * mV),
        "taur_nmda": in_("tau_rise_NMDA", ms), "taud_nmda": in_("tau_decay_NMDA", ms),
    }


def _assign(target, **values) -> None:
    """Set the NEURON ``RANGE`` variables ``values`` of a mechanism or point process."""
    for key, value in values.items():
        setattr(target, key, value)


class RSCell:
    """One RS pyramidal cell in NEURON with its AMPA, NMDA and GABA_A synapses.

    Parameters
    ----------
    h : neuron.hoc.HocObject
        NEURON's ``h`` with the mechanisms loaded
        (:func:`~experiments.validation.neuron_peer.mechanisms.load_mechanisms`).
    p : dict
        Parameter values in NEURON units (:func:`cell_values`).
    mg_mM : float
        Extracellular Mg2+ (mM) at the NMDA synapse.
    name : str
        Name of the section.
    w_exc, w_inh : float
        Weight of an excitatory (AMPA + NMDA) and an inhibitory (GABA_A)
        event: 1 is one unitary conductance, as in the Brian2 model.

    Notes
    -----
    A single section (:data:`RS_GEOMETRY`) with ``pas`` and the NMODL
    ``naTM``, ``kTM``, ``mYKA`` currents, one ``ExpCond`` each for AMPA and
    GABA_A and one ``NmdaDualJS``; a ``NetCon`` records the upward
    crossings of :data:`SPIKE_THRESHOLD_MV` in ``spike_times``.
    """

    def __init__(self, h, p: dict, mg_mM: float, name: str = "rs", w_exc: float = 1.0,
                 w_inh: float = 1.0):
        self.sec, self.seg = self._membrane(h, p, name)
        self.ampa, self.gaba, self.nmda = self._synapses(h, p, mg_mM)
        self.exc = [h.NetCon(None, self.ampa), h.NetCon(None, self.nmda)]
        self.inh = [h.NetCon(None, self.gaba)]
        for cons, weight in ((self.exc, w_exc), (self.inh, w_inh)):
            for nc in cons:
                nc.weight[0] = weight
        self.exc_ms, self.inh_ms = np.zeros(0), np.zeros(0)
        self.spike_times = h.Vector()
        self.detector = h.NetCon(self.seg._ref_v, None, sec=self.sec)
        self.detector.threshold = SPIKE_THRESHOLD_MV
        self.detector.record(self.spike_times)

    @staticmethod
    def _membrane(h, p: dict, name: str):
        """The section with its passive and intrinsic currents; (section, its one segment)."""
        sec = h.Section(name=name)
        sec.L, sec.diam, sec.nseg = RS_GEOMETRY["L_um"], RS_GEOMETRY["diam_um"], 1
        sec.cm, sec.Ra = p["cm_uF_cm2"], RA_OHM_CM
        sec.insert("pas")
        sec.g_pas, sec.e_pas = p["g_pas"], p["e_pas"]
        for mech in ("naTM", "kTM", "mYKA"):
            sec.insert(mech)
        seg = sec(0.5)
        _assign(seg.naTM, gbar=p["g_na"], erev=p["e_na"], vt=p["vt_na"])
        _assign(seg.kTM, gbar=p["g_k"], erev=p["e_k"], vt=p["vt_k"])
        _assign(seg.mYKA, gbar=p["g_m"], erev=p["e_m"], taumax=p["taumax_m"],
                vshift=p["vshift_m"])
        return sec, seg

    def _synapses(self, h, p: dict, mg_mM: float):
        """AMPA, GABA_A (``ExpCond``) and NMDA (``NmdaDualJS``) point processes on the soma."""
        ampa, gaba = h.ExpCond(self.seg), h.ExpCond(self.seg)
        _assign(ampa, gmax=p["g_ampa"], erev=p["e_ampa"], tau=p["tau_ampa"])
        _assign(gaba, gmax=p["g_gaba"], erev=p["e_gaba"], tau=p["tau_gaba"])
        nmda = h.NmdaDualJS(self.seg)
        _assign(nmda, gmax=p["g_nmda"], erev=p["e_nmda"], kmg=p["kmg_nmda"],
                gamma=p["gamma_nmda"], taur=p["taur_nmda"], taud=p["taud_nmda"],
                mg=float(mg_mM))
        return ampa, gaba, nmda

    def set_input(self, exc_ms, inh_ms=()) -> None:
        """Event times (ms) of this cell's excitatory and inhibitory input."""
        self.exc_ms = np.asarray(exc_ms, float)
        self.inh_ms = np.asarray(inh_ms, float)

    def queue_events(self, dt_ms: float) -> None:
        """Queue the input at t + dt (Brian2 applies an event at t after that step).

        Call after the INITIAL blocks (``finitialize`` clears the queue).
        """
        for cons, times in ((self.exc, self.exc_ms), (self.inh, self.inh_ms)):
            for t in times:
                for nc in cons:
                    nc.event(float(t) + dt_ms)


def _simulate(h, cells: Sequence[RSCell], v_init_mV: Sequence[float], dt_ms: float,
              duration_ms: float) -> None:
    """Initialise ``cells`` at their potentials, queue their input, run to ``duration_ms``."""
    def set_potentials():  # type 0: after v = v_init, before the INITIAL blocks
        for cell, v0 in zip(cells, v_init_mV):
            cell.seg.v = v0

    def queue_events():  # type 1: after the INITIAL blocks, events may be queued
        for cell in cells:
            cell.queue_events(dt_ms)
    handlers = (h.FInitializeHandler(0, set_potentials), h.FInitializeHandler(1, queue_events))
    h.finitialize(v_init_mV[0])
    del handlers  # kept alive until finitialize has called them
    h.continuerun(duration_ms)


def pyramidal_trace(mg_o_mM: Sequence[float], exc_ms: np.ndarray, inh_ms: np.ndarray,
                    v_init_mV: Sequence[float], duration_ms: float = 1000.0,
                    dt_ms: float = 0.01, w_exc: float = 1.0, w_inh: float = 1.0,
                    secondorder: int = 0, cvode_atol: float | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Membrane potential of the RS pyramidal cell in NEURON, one section per Mg_o.

    Parameters
    ----------
    mg_o_mM : sequence of float
        Extracellular Mg2+ (mM) of each cell.
    exc_ms, inh_ms : arrays
        Times (ms) of excitatory (AMPA + NMDA, weight ``w_exc``) and
        inhibitory (GABA_A, weight ``w_inh``) events, the same for every cell.
    v_init_mV : sequence of float
        Initial (resting) potential (mV) of each cell; gates start at steady state.
    duration_ms : float
        Simulated time (ms).
    dt_ms : float
        Time step (ms) of the fixed-step methods and sampling interval of the trace.
    w_exc, w_inh : float
        Event weights (1 = one unitary conductance).
    secondorder : int
        NEURON's fixed-step method: 0 implicit Euler, 2 Crank-Nicolson.
    cvode_atol : float or None
        If given, integrate with CVODE (variable step, absolute tolerance
        ``cvode_atol``) instead: a near-exact reference; events still at t + dt.

    Returns
    -------
    t_ms, v_mV : arrays
        Sample times and potentials (shape (cells, samples)), one sample per step.
    """
    h = integrator(dt_ms, secondorder, cvode_atol)
    p = cell_values()
    cells = [RSCell(h, p, mg, f"rs_{k}", w_exc, w_inh) for k, mg in enumerate(mg_o_mM)]
    probes = []
    for cell in cells:
        cell.set_input(exc_ms, inh_ms)
        probes.append(h.Vector())
        probes[-1].record(cell.seg._ref_v, dt_ms)
    t_vec = h.Vector()
    t_vec.record(h._ref_t, dt_ms)
    _simulate(h, cells, [float(v) for v in v_init_mV], dt_ms, duration_ms)
    return np.array(t_vec), np.array([np.array(vec) for vec in probes])


def spike_counts(mg_o_mM: Sequence[float], exc_ms: Sequence[np.ndarray], duration_ms: float,
                 dt_ms: float = 0.025, w_exc: float = 1.0, mode: str = "network",
                 v_init_mV: float | None = None) -> np.ndarray:
    """Spike counts of the RS pyramidal cell in NEURON over a sweep of conditions.

    Parameters
    ----------
    mg_o_mM : sequence of float
        Extracellular Mg2+ (mM) of each condition.
    exc_ms : sequence of arrays
        Each condition's excitatory event times (ms; AMPA + NMDA, weight
        ``w_exc``), pregenerated so that Brian2 gets the identical events.
    duration_ms, dt_ms : float
        Simulated time and fixed step (ms; implicit Euler, ``cnexp`` gates).
    w_exc : float
        Event weight (1 = one unitary conductance).
    mode : {"network", "loop"}
        ``"network"``: one cell per condition, all integrated in one run;
        ``"loop"``: one cell, ``finitialize``/``continuerun`` per condition.
        Both are natural NEURON practice and give the same counts.
    v_init_mV : float or None
        Initial potential (mV) of every cell, gates at steady state; default
        the resting potential of :class:`models.neuron.PyramidalNeuron`.

    Returns
    -------
    numpy.ndarray of int
        Upward crossings of -20 mV per condition; events at t + dt as in
        :func:`pyramidal_trace`.
    """
    if mode not in ("network", "loop"):
        raise ValueError(f"mode {mode!r}: use 'network' or 'loop'")
    if len(exc_ms) != len(mg_o_mM):
        raise ValueError(f"{len(exc_ms)} input trains for {len(mg_o_mM)} conditions")
    h = integrator(dt_ms)
    p = cell_values()
    if v_init_mV is None:
        from models.neuron import PyramidalNeuron
        v_init_mV = PyramidalNeuron().resting_potential()
    run = _counts_network if mode == "network" else _counts_loop
    return run(h, p, mg_o_mM, exc_ms, float(v_init_mV), w_exc, dt_ms, duration_ms)


def _counts_network(h, p, mg_o_mM, exc_ms, v0, w_exc, dt_ms, duration_ms) -> np.ndarray:
    """:func:`spike_counts`, ``"network"``: one cell per condition, one run."""
    cells = [RSCell(h, p, mg, f"rs_{k}", w_exc) for k, mg in enumerate(mg_o_mM)]
    for cell, times in zip(cells, exc_ms):
        cell.set_input(times)
    _simulate(h, cells, [v0] * len(cells), dt_ms, duration_ms)
    return np.array([int(cell.spike_times.size()) for cell in cells])


def _counts_loop(h, p, mg_o_mM, exc_ms, v0, w_exc, dt_ms, duration_ms) -> np.ndarray:
    """:func:`spike_counts`, ``"loop"``: one cell, re-initialised per condition."""
    cell = RSCell(h, p, 0.0, "rs_loop", w_exc)
    counts = np.zeros(len(mg_o_mM), int)
    for k, (mg, times) in enumerate(zip(mg_o_mM, exc_ms)):
        cell.nmda.mg = float(mg)
        cell.set_input(times)
        _simulate(h, [cell], [v0], dt_ms, duration_ms)
        counts[k] = int(cell.spike_times.size())
    return counts
