"""Independent NEURON implementations of hypomag's models, for cross-simulator checks.

The same equations as the Brian2 models, written again in NMODL and run by
NEURON (https://neuron.yale.edu) with its own integrators, so that an error
in the Brian2 equations, units or scheduling shows up as a disagreement
between two simulators:

* :func:`nmda_iv`: the NMDA current (Jahr & Stevens 1990 block, receptors
  fully bound) at clamped potentials and several extracellular Mg2+, one
  single-electrode clamp (``SEClamp``) per condition; compare with the
  ``nmda_iv`` experiment.
* :func:`pyramidal_trace`: the regular-spiking pyramidal cell of
  :mod:`models.neuron` (Pospischil et al. 2008: leak, Traub-Miles Na and K,
  M current; AMPA, NMDA with dual-exponential gating and Jahr-Stevens block,
  GABA_A), one section per Mg_o value, driven by the same synaptic events;
  compare with :func:`brian2_pyramidal_trace`.
* :func:`spike_counts`: the same cell over a sweep (one Mg_o and one
  pregenerated excitatory train per condition), spike counts at the model's
  -20 mV threshold, either all cells in one NEURON run (``"network"``) or
  one cell re-initialised per condition (``"loop"``); the peer of the
  benchmark suite (:mod:`benchmarks.tasks`).

Nothing here uses hypomag's equations: the NMODL below is written from the
equations in the channel docstrings (Pospischil et al. 2008, RS cell, on a
cylinder of L = d = 61.4 um). Only parameter *values* are read from the
Brian2 model (:func:`cell_values`), so that a retuned synaptic weight changes
both sides alike.

NMODL mechanisms are compiled with ``nrnivmodl`` into a folder of the
caller's choice or, by default, a per-user temporary folder keyed by the
NMODL text (:func:`compile_mechanisms`, :func:`mechanism_dir`, a few
seconds) and loaded once per process (:func:`load_mechanisms`).

Scheduling. Brian2 applies a synaptic event arriving at time t after the
state update of the step starting at t, so it acts from t + dt; NEURON's
fixed-step method delivers an event at t before that step. Every function
here (:func:`pyramidal_trace`, :func:`spike_counts`) therefore delivers each
event at t + dt (:meth:`RSCell.queue_events`), which makes the two schedules equal.
Accuracy. The production schemes are both first order (Brian2 exponential
Euler, whose ``(constant over dt)`` rates freeze within a step; NEURON
implicit Euler with ``cnexp`` gates): at dt = 0.025 ms their spike times
drift apart by milliseconds over a second of input, in opposite directions,
and converge on each other as dt shrinks. The cross-check therefore compares
converged solutions: Brian2 RK4 with the rates re-evaluated within the step
(``exact_rates=True``) against NEURON's CVODE (``cvode_atol``); they agree
within 0.01 ms over 1 s.

References
----------
Hines ML, Carnevale NT (1997) The NEURON simulation environment. Neural
Comput 9:1179-1209.
Pospischil M et al. (2008) Minimal Hodgkin-Huxley type models for different
classes of cortical and thalamic neurons. Biol Cybern 99:427-441.
Jahr CE, Stevens CF (1990) J Neurosci 10:3178-3182.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

#: NMDA point process, receptors fully bound (s = 1 by default), Jahr-Stevens block.
NMDA_CLAMP_MOD = r"""
NEURON {
    POINT_PROCESS NmdaOpenJS
    NONSPECIFIC_CURRENT i
    RANGE gmax, erev, mg, kmg, gamma, s, B
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) (mM) = (milli/liter) }
PARAMETER {
    gmax = 0.000327 (uS)
    erev = 0 (mV)
    mg = 1 (mM)
    kmg = 3.57 (mM)
    gamma = 0.062 (/mV)
    s = 1
}
ASSIGNED { v (mV) i (nA) B }
BREAKPOINT {
    B = 1 / (1 + mg / kmg * exp(-gamma * v))
    i = gmax * s * B * (v - erev)
}
"""

#: Traub-Miles fast Na+ current (density), rates at u = v - vt.
NA_MOD = r"""
NEURON {
    SUFFIX naTM
    NONSPECIFIC_CURRENT i
    RANGE gbar, erev, vt
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gbar = 0.056 (S/cm2) erev = 50 (mV) vt = -56.2 (mV) }
ASSIGNED { v (mV) i (mA/cm2) am (/ms) bm (/ms) ah (/ms) bh (/ms) }
STATE { m h }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * m * m * m * h * (v - erev)
}
INITIAL { rates(v) m = am / (am + bm) h = ah / (ah + bh) }
DERIVATIVE states {
    rates(v)
    m' = am * (1 - m) - bm * m
    h' = ah * (1 - h) - bh * h
}
PROCEDURE rates(v (mV)) { LOCAL u
    UNITSOFF
    u = v - vt
    am = 0.32 * vtrap(13 - u, 4)
    bm = 0.28 * vtrap(u - 40, 5)
    ah = 0.128 * exp((17 - u) / 18)
    bh = 4 / (1 + exp((40 - u) / 5))
    UNITSON
}
FUNCTION vtrap(x, y) {
    if (fabs(x / y) < 1e-6) { vtrap = y * (1 - x / y / 2) } else { vtrap = x / (exp(x / y) - 1) }
}
"""

#: Traub-Miles delayed-rectifier K+ current (density).
K_MOD = r"""
NEURON {
    SUFFIX kTM
    NONSPECIFIC_CURRENT i
    RANGE gbar, erev, vt
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gbar = 0.006 (S/cm2) erev = -90 (mV) vt = -56.2 (mV) }
ASSIGNED { v (mV) i (mA/cm2) an (/ms) bn (/ms) }
STATE { n }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * n * n * n * n * (v - erev)
}
INITIAL { rates(v) n = an / (an + bn) }
DERIVATIVE states { rates(v) n' = an * (1 - n) - bn * n }
PROCEDURE rates(v (mV)) { LOCAL u
    UNITSOFF
    u = v - vt
    an = 0.032 * vtrap(15 - u, 5)
    bn = 0.5 * exp((10 - u) / 40)
    UNITSON
}
FUNCTION vtrap(x, y) {
    if (fabs(x / y) < 1e-6) { vtrap = y * (1 - x / y / 2) } else { vtrap = x / (exp(x / y) - 1) }
}
"""

#: Slow M-type K+ current (Yamada, Koch & Adams 1989 as in Pospischil 2008).
M_MOD = r"""
NEURON {
    SUFFIX mYKA
    NONSPECIFIC_CURRENT i
    RANGE gbar, erev, taumax, vshift
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gbar = 7.5e-5 (S/cm2) erev = -90 (mV) taumax = 608 (ms) vshift = 0 (mV) }
ASSIGNED { v (mV) i (mA/cm2) pinf taup (ms) }
STATE { p }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * p * (v - erev)
}
INITIAL { rates(v) p = pinf }
DERIVATIVE states { rates(v) p' = (pinf - p) / taup }
PROCEDURE rates(v (mV)) { LOCAL u
    UNITSOFF
    u = v - vshift
    pinf = 1 / (1 + exp(-(u + 35) / 10))
    taup = taumax / (3.3 * exp((u + 35) / 20) + exp(-(u + 35) / 20))
    UNITSON
}
"""

#: Single-exponential conductance synapse (AMPA, GABA_A): s += w per event.
EXPSYN_MOD = r"""
NEURON {
    POINT_PROCESS ExpCond
    NONSPECIFIC_CURRENT i
    RANGE gmax, erev, tau
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) }
PARAMETER { gmax = 0.0005 (uS) erev = 0 (mV) tau = 2 (ms) }
ASSIGNED { v (mV) i (nA) }
STATE { s }
INITIAL { s = 0 }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gmax * s * (v - erev)
}
DERIVATIVE states { s' = -s / tau }
NET_RECEIVE (w) { s = s + w }
"""

#: NMDA synapse: dual-exponential gating normalised to a peak of 1, Jahr-Stevens block.
NMDA_SYN_MOD = r"""
NEURON {
    POINT_PROCESS NmdaDualJS
    NONSPECIFIC_CURRENT i
    RANGE gmax, erev, mg, kmg, gamma, taur, taud, B
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) (mM) = (milli/liter) }
PARAMETER {
    gmax = 0.0005 (uS)
    erev = 0 (mV)
    mg = 1 (mM)
    kmg = 3.57 (mM)
    gamma = 0.062 (/mV)
    taur = 2 (ms)
    taud = 100 (ms)
}
ASSIGNED { v (mV) i (nA) B norm tpeak (ms) }
STATE { x s }
INITIAL {
    x = 0
    s = 0
    tpeak = taur * taud / (taud - taur) * log(taud / taur)
    norm = (taud - taur) / (taur * (exp(-tpeak / taud) - exp(-tpeak / taur)))
}
BREAKPOINT {
    SOLVE states METHOD cnexp
    B = 1 / (1 + mg / kmg * exp(-gamma * v))
    i = gmax * s * B * (v - erev)
}
DERIVATIVE states {
    x' = -x / taur
    s' = (norm * x - s) / taud
}
NET_RECEIVE (w) { x = x + w }
"""

MOD_FILES = {"nmda_open_js.mod": NMDA_CLAMP_MOD, "na_tm.mod": NA_MOD, "k_tm.mod": K_MOD,
             "m_yka.mod": M_MOD, "exp_cond.mod": EXPSYN_MOD, "nmda_dual_js.mod": NMDA_SYN_MOD}

#: Geometry of the Pospischil et al. (2008) RS cell (one cylinder, L = d).
RS_GEOMETRY = {"L_um": 61.4, "diam_um": 61.4}


def cell_values() -> dict[str, float]:
    """Parameter values of :class:`models.neuron.PyramidalNeuron`, in NEURON units.

    Only the *values* are shared with the Brian2 model (so a retuned synaptic
    weight does not break the comparison); the equations here are NEURON's
    own. Conductances become densities over NEURON's area pi d L of the
    same cylinder (S/cm2) or point-process conductances (uS).
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
    return {
        "cm_uF_cm2": float(values["C_m"] / area / (ufarad / cm ** 2)),
        "g_pas": dens("g_L"), "e_pas": mv("E_L"),
        "g_na": dens("g_NaHH"), "e_na": mv("E_NaHH"), "vt_na": mv("VT_NaHH") + mv("dV_NaHH"),
        "g_k": dens("g_KHH"), "e_k": mv("E_KHH"), "vt_k": mv("VT_KHH") + mv("dV_KHH"),
        "g_m": dens("g_M"), "e_m": mv("E_M"), "taumax_m": float(values["tau_max_M"] / ms),
        "vshift_m": mv("dV_M"),
        "g_ampa": float(values["g_AMPA"] / uS), "e_ampa": mv("E_AMPA"),
        "tau_ampa": float(values["tau_AMPA"] / ms),
        "g_gaba": float(values["g_GABA_A"] / uS), "e_gaba": mv("E_GABA_A"),
        "tau_gaba": float(values["tau_GABA_A"] / ms),
        "g_nmda": float(values["g_NMDA"] / uS), "e_nmda": mv("E_NMDA"),
        "kmg_nmda": float(values["K_Mg_NMDA"] / mM), "gamma_nmda": float(values["gamma_NMDA"] * mV),
        "taur_nmda": float(values["tau_rise_NMDA"] / ms),
        "taud_nmda": float(values["tau_decay_NMDA"] / ms),
    }

_LOADED: dict[str, str] = {}


def nrnivmodl() -> str:
    """Path of ``nrnivmodl``: next to this Python first, then on PATH."""
    here = Path(sys.executable).parent / "nrnivmodl"
    if here.exists():
        return str(here)
    found = shutil.which("nrnivmodl")
    if not found:
        raise RuntimeError("nrnivmodl not found: install NEURON (pip install 'hypomag[peer]')")
    return found


def compile_mechanisms(folder: Path) -> Path:
    """Write the NMODL files into ``folder`` and compile them with ``nrnivmodl``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in MOD_FILES.items():
        (folder / name).write_text(text.lstrip())
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    # NEURON's own (optimising) flags: -O0 compiles ~20 % faster but simulates ~4x slower,
    # which would distort the benchmark; the files compile in parallel
    env.setdefault("MAKEFLAGS", f"-j{os.cpu_count() or 1}")
    result = subprocess.run([nrnivmodl()], cwd=folder, capture_output=True, text=True, env=env,
                            timeout=300)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
        raise RuntimeError("nrnivmodl failed: " + " | ".join(tail))
    return folder


def mechanism_dir() -> Path:
    """Default folder of the compiled mechanisms: per user, keyed by the NMODL text.

    Compiled on first use (into a private folder, then renamed into place, so
    that concurrent processes never load a half-built library) and reused by
    every later process while the NMODL text is unchanged.
    """
    key = hashlib.sha256("".join(MOD_FILES[k] for k in sorted(MOD_FILES)).encode())
    folder = Path(tempfile.gettempdir()) / f"hypomag-nrnmech-{os.getuid()}-{key.hexdigest()[:12]}"
    if not _compiled(folder):
        scratch = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
        try:
            compile_mechanisms(scratch)
            scratch.rename(folder)
        except OSError:  # another process got there first
            pass
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _compiled(folder: Path) -> bool:
    return any(folder.glob("*/libnrnmech*")) or any(folder.glob("*/.libs/libnrnmech*"))


def load_mechanisms(folder: Path | None = None):
    """Compile (if needed) and load the mechanisms once per process; NEURON's ``h``.

    ``folder`` defaults to :func:`mechanism_dir`. Also loads NEURON's standard
    run system (``continuerun``).
    """
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")  # no "no DISPLAY" banner
    import neuron
    from neuron import h
    if not _LOADED:
        folder = mechanism_dir() if folder is None else Path(folder)
        if not _compiled(folder):
            compile_mechanisms(folder)
        with open(os.devnull, "w") as quiet, _redirect_stdout(quiet):
            neuron.load_mechanisms(str(folder), warn_if_already_loaded=False)
        _LOADED["folder"] = str(folder)
    h.load_file("stdrun.hoc")
    return h


class _redirect_stdout:
    """Silence NEURON's C-level 'loading membrane mechanisms' message."""

    def __init__(self, target):
        self.target = target

    def __enter__(self):
        sys.stdout.flush()
        self.saved = os.dup(1)
        os.dup2(self.target.fileno(), 1)

    def __exit__(self, *exc):
        sys.stdout.flush()
        os.dup2(self.saved, 1)
        os.close(self.saved)


def _fixed_step(dt_ms: float, secondorder: int = 0, cvode_atol: float | None = None):
    """Fixed-step integration at ``dt_ms`` (or CVODE with ``cvode_atol`` if given); ``h``."""
    h = load_mechanisms()
    cvode = h.CVode()
    cvode.active(0)
    h.secondorder = secondorder
    h.dt = dt_ms
    h.steps_per_ms = 1.0 / dt_ms
    h.celsius = 37.0
    if cvode_atol is not None:
        cvode.active(1)
        cvode.atol(cvode_atol)
        cvode.rtol(0.0)
    return h


def nmda_iv(mg_o_mM: Sequence[float], v_mV: Sequence[float], g_nS: float = 0.327,
            settle_ms: float = 20.0, dt_ms: float = 0.025) -> np.ndarray:
    """NMDA current (pA, outward positive) under voltage clamp, NEURON.

    One section with one ``NmdaOpenJS`` point process and one ``SEClamp``
    (series resistance 1 kOhm) per (Mg_o, V) pair; the current is read
    after ``settle_ms``. Returns an array of shape (len(mg_o_mM), len(v_mV)).
    """
    h = _fixed_step(dt_ms)
    cells = []
    for mg in mg_o_mM:
        for v in v_mV:
            sec = h.Section(name=f"iv_{len(cells)}")
            sec.L = sec.diam = 10.0
            sec.nseg = 1
            syn = h.NmdaOpenJS(sec(0.5))
            syn.gmax = g_nS * 1e-3
            syn.mg = mg
            clamp = h.SEClamp(sec(0.5))
            clamp.rs = 1e-3
            clamp.dur1 = 1e9
            clamp.amp1 = v
            cells.append((sec, syn, clamp))
    h.finitialize(float(v_mV[0]))
    h.continuerun(settle_ms)
    current = np.array([syn.i * 1e3 for _, syn, _ in cells])
    return current.reshape(len(mg_o_mM), len(v_mV))


def poisson_events(rate_hz: float, duration_ms: float, dt_ms: float, seed: int,
                   start_ms: float = 0.0) -> np.ndarray:
    """Event times (ms) on the dt grid, at most one per step (for both simulators)."""
    rng = np.random.default_rng(seed)
    steps = int(round((duration_ms - start_ms) / dt_ms))
    count = min(rng.poisson(rate_hz * (duration_ms - start_ms) / 1000.0), steps)
    chosen = np.sort(rng.choice(steps, size=count, replace=False))
    return start_ms + chosen * dt_ms


class RSCell:
    """One RS pyramidal cell in NEURON with its AMPA, NMDA and GABA_A synapses.

    A single section (:data:`RS_GEOMETRY`) with ``pas`` and the NMODL
    ``naTM``, ``kTM``, ``mYKA`` currents, one ``ExpCond`` each for AMPA and
    GABA_A and one ``NmdaDualJS`` (extracellular Mg2+ ``mg_mM``); values from
    :func:`cell_values` (``p``). Excitatory events go to AMPA and NMDA with
    weight ``w_exc`` (1 = one unitary conductance, as in the Brian2 model),
    inhibitory ones to GABA_A with ``w_inh``; a ``NetCon`` records the upward
    crossings of -20 mV (the Brian2 model's threshold) in ``spike_times``.
    """

    def __init__(self, h, p: dict, mg_mM: float, name: str = "rs", w_exc: float = 1.0,
                 w_inh: float = 1.0):
        sec = self.sec = h.Section(name=name)
        sec.L, sec.diam, sec.nseg = RS_GEOMETRY["L_um"], RS_GEOMETRY["diam_um"], 1
        sec.cm, sec.Ra = p["cm_uF_cm2"], 100.0
        sec.insert("pas")
        sec.g_pas, sec.e_pas = p["g_pas"], p["e_pas"]
        for mech in ("naTM", "kTM", "mYKA"):
            sec.insert(mech)
        seg = self.seg = sec(0.5)
        seg.naTM.gbar, seg.naTM.erev, seg.naTM.vt = p["g_na"], p["e_na"], p["vt_na"]
        seg.kTM.gbar, seg.kTM.erev, seg.kTM.vt = p["g_k"], p["e_k"], p["vt_k"]
        seg.mYKA.gbar, seg.mYKA.erev = p["g_m"], p["e_m"]
        seg.mYKA.taumax, seg.mYKA.vshift = p["taumax_m"], p["vshift_m"]
        self.ampa, self.gaba = h.ExpCond(seg), h.ExpCond(seg)
        self.ampa.gmax, self.ampa.erev, self.ampa.tau = p["g_ampa"], p["e_ampa"], p["tau_ampa"]
        self.gaba.gmax, self.gaba.erev, self.gaba.tau = p["g_gaba"], p["e_gaba"], p["tau_gaba"]
        nmda = self.nmda = h.NmdaDualJS(seg)
        nmda.gmax, nmda.erev, nmda.kmg, nmda.gamma = (p["g_nmda"], p["e_nmda"], p["kmg_nmda"],
                                                      p["gamma_nmda"])
        nmda.taur, nmda.taud = p["taur_nmda"], p["taud_nmda"]
        nmda.mg = float(mg_mM)
        self.exc = [h.NetCon(None, self.ampa), h.NetCon(None, nmda)]
        self.inh = [h.NetCon(None, self.gaba)]
        for nc in self.exc:
            nc.weight[0] = w_exc
        for nc in self.inh:
            nc.weight[0] = w_inh
        self.exc_ms, self.inh_ms = np.zeros(0), np.zeros(0)
        self.spike_times = h.Vector()
        self.detector = h.NetCon(seg._ref_v, None, sec=sec)
        self.detector.threshold = -20.0
        self.detector.record(self.spike_times)

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


def pyramidal_trace(mg_o_mM: Sequence[float], exc_ms: np.ndarray, inh_ms: np.ndarray,
                    v_init_mV: Sequence[float], duration_ms: float = 1000.0,
                    dt_ms: float = 0.01, w_exc: float = 1.0, w_inh: float = 1.0,
                    secondorder: int = 0, cvode_atol: float | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Membrane potential of the RS pyramidal cell in NEURON, one section per Mg_o.

    Parameters
    ----------
    mg_o_mM : sequence of float
        Extracellular Mg2+ of each cell.
    exc_ms, inh_ms : arrays
        Times (ms) of excitatory (AMPA + NMDA, weight ``w_exc``) and
        inhibitory (GABA_A, weight ``w_inh``) events, the same for every cell.
    v_init_mV : sequence of float
        Initial (resting) potential of each cell; gates start at steady state.
    dt_ms : float
        Time step (fixed-step methods) and sampling interval of the trace.
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
    h = _fixed_step(dt_ms, secondorder, cvode_atol)
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


def _simulate(h, cells: Sequence[RSCell], v_init_mV: Sequence[float], dt_ms: float,
              duration_ms: float) -> None:
    """Initialise ``cells`` at their potentials, queue their input, run to ``duration_ms``."""
    def set_potentials():  # type 0: after v = v_init, before the INITIAL blocks
        for cell, v0 in zip(cells, v_init_mV):
            cell.seg.v = v0

    def queue_events():  # type 1: after the INITIAL blocks, events may be queued
        for cell in cells:
            cell.queue_events(dt_ms)
    handlers = (h.FInitializeHandler(0, set_potentials),  # noqa: F841 (must stay alive)
                h.FInitializeHandler(1, queue_events))
    h.finitialize(v_init_mV[0])
    h.continuerun(duration_ms)


def spike_counts(mg_o_mM: Sequence[float], exc_ms: Sequence[np.ndarray], duration_ms: float,
                 dt_ms: float = 0.025, w_exc: float = 1.0, mode: str = "network",
                 v_init_mV: float | None = None) -> np.ndarray:
    """Spike counts of the RS pyramidal cell in NEURON over a sweep of conditions.

    Parameters
    ----------
    mg_o_mM : sequence of float
        Extracellular Mg2+ of each condition.
    exc_ms : sequence of arrays
        Each condition's excitatory event times (ms; AMPA + NMDA, weight
        ``w_exc``), pregenerated so that Brian2 gets the identical events.
    duration_ms, dt_ms : float
        Simulated time and fixed step (implicit Euler, ``cnexp`` gates).
    mode : {"network", "loop"}
        ``"network"``: one cell per condition, all integrated in one run;
        ``"loop"``: one cell, ``finitialize``/``continuerun`` per condition.
        Both are natural NEURON practice and give the same counts.
    v_init_mV : float or None
        Initial potential of every cell, gates at steady state; default the
        resting potential of :class:`models.neuron.PyramidalNeuron`.

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
    h = _fixed_step(dt_ms)
    p = cell_values()
    if v_init_mV is None:
        from models.neuron import PyramidalNeuron
        v_init_mV = PyramidalNeuron().resting_potential()
    v0 = float(v_init_mV)
    if mode == "network":
        cells = [RSCell(h, p, mg, f"rs_{k}", w_exc) for k, mg in enumerate(mg_o_mM)]
        for cell, times in zip(cells, exc_ms):
            cell.set_input(times)
        _simulate(h, cells, [v0] * len(cells), dt_ms, duration_ms)
        return np.array([int(cell.spike_times.size()) for cell in cells])
    cell = RSCell(h, p, 0.0, "rs_loop", w_exc)
    counts = np.zeros(len(mg_o_mM), int)
    for k, (mg, times) in enumerate(zip(mg_o_mM, exc_ms)):
        cell.nmda.mg = float(mg)
        cell.set_input(times)
        _simulate(h, [cell], [v0], dt_ms, duration_ms)
        counts[k] = int(cell.spike_times.size())
    return counts


# -- the Brian2 side of the same protocols (hypomag's own models) ----------------

def brian2_pyramidal_trace(mg_o_mM: Sequence[float], exc_ms: np.ndarray, inh_ms: np.ndarray,
                           duration_ms: float = 1000.0, dt_ms: float = 0.01,
                           w_exc: float = 1.0, w_inh: float = 1.0,
                           method: str = "exponential_euler", exact_rates: bool = False):
    """The same protocol on :class:`models.neuron.PyramidalNeuron` in Brian2.

    The model's own equations and initialization; with ``exact_rates`` the
    ``(constant over dt)`` flags of its rate subexpressions are dropped, so
    that a higher-order method (``"rk4"``) re-evaluates the rates within a
    step and converges at its own order (the flag freezes them over a step,
    a first-order splitting whatever the method).

    One group of ``len(mg_o_mM)`` neurons; excitatory and inhibitory events
    come from one two-source ``SpikeGeneratorGroup`` through one ``Synapses``
    whose ``on_pre`` is the model's own (:func:`models.neuron.on_pre`).
    Returns ``(t_ms, v_mV, v_rest_mV)`` with one row of ``v_mV`` per Mg_o value.
    """
    from brian2 import (Network, NeuronGroup, SpikeGeneratorGroup, StateMonitor, Synapses, mM,
                        ms, mV)
    from models.neuron import REFRACTORY, THRESHOLD, PyramidalNeuron, on_pre
    n = len(mg_o_mM)
    model = PyramidalNeuron()
    eqs = model.equations()
    if exact_rates:
        eqs = without_constant_over_dt(eqs)
    group = NeuronGroup(n, eqs, threshold=THRESHOLD, refractory=REFRACTORY, method=method,
                        dt=dt_ms * ms, name="peer_pyramidal*")
    model.initialize(group, Mg_o=np.asarray(mg_o_mM, float) * mM)
    v_rest = np.asarray(group.v[:] / mV)
    exc_ms, inh_ms = np.asarray(exc_ms, float), np.asarray(inh_ms, float)
    indices = np.concatenate([np.zeros(len(exc_ms), int), np.ones(len(inh_ms), int)])
    times = np.concatenate([exc_ms, inh_ms])
    source = SpikeGeneratorGroup(2, indices, times * ms, dt=dt_ms * ms)
    syn = Synapses(source, group, "w_e : 1\nw_i : 1",
                   on_pre=on_pre("exc", "w_e") + "\n" + on_pre("inh", "w_i"), dt=dt_ms * ms)
    syn.connect()
    syn.w_e = np.where(syn.i[:] == 0, w_exc, 0.0)
    syn.w_i = np.where(syn.i[:] == 1, w_inh, 0.0)
    monitor = StateMonitor(group, "v", record=True, dt=dt_ms * ms)
    Network(group, source, syn, monitor).run(duration_ms * ms)
    return np.asarray(monitor.t / ms), np.asarray(monitor.v / mV), v_rest


def without_constant_over_dt(eqs):
    """The same Brian2 equations without ``(constant over dt)`` flags."""
    from brian2 import Equations
    from brian2.equations.equations import SingleEquation
    items = [SingleEquation(eq.type, eq.varname, eq.dim, var_type=eq.var_type, expr=eq.expr,
                            flags=[f for f in eq.flags if f != "constant over dt"] or None)
             for eq in eqs.values()]
    return Equations(items)


def crossing_times(t_ms: np.ndarray, v_mV: np.ndarray, threshold_mV: float = -20.0) -> np.ndarray:
    """Upward threshold crossings (ms), linearly interpolated between samples."""
    above = v_mV >= threshold_mV
    k = np.nonzero(~above[:-1] & above[1:])[0]
    frac = (threshold_mV - v_mV[k]) / (v_mV[k + 1] - v_mV[k])
    return t_ms[k] + frac * (t_ms[k + 1] - t_ms[k])


def compare_pyramidal(mg_o_mM: Sequence[float] = (0.1, 1.0), duration_ms: float = 1000.0,
                      dt_ms: float = 0.025, exc_rate_hz: float = 700.0,
                      inh_rate_hz: float = 200.0) -> dict:
    """The cross-check protocol: one pyramidal cell per Mg_o, same input, both simulators.

    Excitatory and inhibitory Poisson events (seeds 1 and 2) drive the Brian2
    model (RK4 with exact rates, the converged solution) and the NEURON build
    (CVODE, atol 1e-8) for ``duration_ms``. Returns the traces (``t_b``, ``v_b``,
    ``t_n``, ``v_n``) and, per Mg value, the spike times of both
    (``spikes_b``, ``spikes_n``: lists of arrays, upward crossings of -20 mV).
    """
    exc = poisson_events(exc_rate_hz, duration_ms, dt_ms, seed=1)
    inh = poisson_events(inh_rate_hz, duration_ms, dt_ms, seed=2)
    mg = list(mg_o_mM)
    t_b, v_b, v_rest = brian2_pyramidal_trace(mg, exc, inh, duration_ms, dt_ms, method="rk4",
                                              exact_rates=True)
    t_n, v_n = pyramidal_trace(mg, exc, inh, v_rest, duration_ms, dt_ms, cvode_atol=1e-8)
    return {"t_b": t_b, "v_b": v_b, "t_n": t_n, "v_n": v_n,
            "spikes_b": [crossing_times(t_b, v_b[k]) for k in range(len(mg))],
            "spikes_n": [crossing_times(t_n, v_n[k]) for k in range(len(mg))]}
