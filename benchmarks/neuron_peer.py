"""The benchmark cell of :mod:`benchmarks.cell` in NEURON, for a peer comparison.

Same compartment and the same equations as ``models.neuron.PyramidalNeuron``,
with every value read from that model at run time (:func:`model_values`), so
the peer follows any change of the model: leak as the built-in ``pas``;
Traub–Miles Na and K and the M current as the NMODL mechanism ``rsbench``,
transcribed from :mod:`channels.na_hh`, :mod:`channels.k_hh` and
:mod:`channels.m_current` (no temperature factor); AMPA as the built-in
``ExpSyn``; NMDA as the NMODL point process ``NMDAJS`` (``Exp2Syn``
kinetics, peak-normalised like the Brian2 ``dual_exp`` gating, times the
Jahr–Stevens block with a per-synapse ``mg``); input events queued with
``NetCon.event`` at the identical pregenerated spike times; fixed step
``dt`` (implicit Euler for v, ``cnexp`` for the gates, where Brian2 uses
exponential Euler for both); start at the model's resting potential with
gates at steady state; spike count at the upward -20 mV crossing (the
model's threshold). The surface-charge option must be off (its default).

The NMODL files are compiled once with ``nrnivmodl`` into a temporary folder
keyed by their content. Two ways to run a sweep are offered, both natural
NEURON practice: :func:`run_loop` reuses one cell and calls ``finitialize``/
``continuerun`` once per condition; :func:`run_network` instantiates one cell
per condition and integrates them together.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from .cell import DEFAULTS, poisson_times

def model_values() -> dict[str, float]:
    """Every parameter of the benchmark cell, read from ``models.neuron.PyramidalNeuron``.

    Absolute conductances and capacitance become densities over NEURON's
    area pi d L of the same compartment; synaptic conductances become NetCon
    weights in uS. Values in NEURON units (mV, ms, S/cm2, uF/cm2, mM, /mV).
    """
    import math

    from brian2 import cm, mM, ms, mV, nS, uF, um
    from channels.gating import RS_DIAMETER
    from models.neuron import PyramidalNeuron
    model = PyramidalNeuron()
    ch = {c.name: c.values for c in model.channels}
    d_um = float(RS_DIAMETER / um)
    area = math.pi * d_um * d_um * um ** 2

    def density(g):
        return float(g / area / (1 / cm ** 2)) / 1.0  # S/cm2

    if float(model.model_values["surface_charge"]) != 0:
        raise ValueError("benchmark peer: surface charge must be off")
    return {
        "diam_um": d_um, "cm": float(model.model_values["C_m"] / area / (uF / cm ** 2)),
        "g_pas": density(ch["L"]["g_L"]), "e_pas": float(ch["L"]["E_L"] / mV),
        "gnabar": density(ch["NaHH"]["g_NaHH"]), "enarev": float(ch["NaHH"]["E_NaHH"] / mV),
        "vtna": float((ch["NaHH"]["VT_NaHH"] + ch["NaHH"]["dV_NaHH"]) / mV),
        "gkbar": density(ch["KHH"]["g_KHH"]), "ekrev": float(ch["KHH"]["E_KHH"] / mV),
        "vtk": float((ch["KHH"]["VT_KHH"] + ch["KHH"]["dV_KHH"]) / mV),
        "gmbar": density(ch["M"]["g_M"]), "emrev": float(ch["M"]["E_M"] / mV),
        "vm": float(ch["M"]["dV_M"] / mV), "taumax": float(ch["M"]["tau_max_M"] / ms),
        "w_ampa_uS": float(ch["AMPA"]["g_AMPA"] / nS) * 1e-3,
        "e_ampa": float(ch["AMPA"]["E_AMPA"] / mV), "tau_ampa": float(ch["AMPA"]["tau_AMPA"] / ms),
        "w_nmda_uS": float(ch["NMDA"]["g_NMDA"] / nS) * 1e-3,
        "e_nmda": float(ch["NMDA"]["E_NMDA"] / mV),
        "K_mg": float(ch["NMDA"]["K_Mg_NMDA"] / mM), "gamma": float(ch["NMDA"]["gamma_NMDA"] * mV),
        "tau1": float(ch["NMDA"]["tau_rise_NMDA"] / ms),
        "tau2": float(ch["NMDA"]["tau_decay_NMDA"] / ms),
        "v_init": model.resting_potential(),
    }


RS_MOD = r"""
COMMENT
Intrinsic currents of the regular-spiking cell of Pospischil et al. (2008):
Traub-Miles Na and delayed-rectifier K (VT offset) and the Yamada M current,
transcribed from hypomag's channels/na_hh.py, k_hh.py, m_current.py for the
benchmark against Brian2 (benchmarks/neuron_peer.py). No temperature factor.
ENDCOMMENT
NEURON {
    SUFFIX rsbench
    NONSPECIFIC_CURRENT ina_rs, ikd_rs, im_rs
    RANGE gnabar, gkbar, gmbar, enarev, ekrev, emrev, vtna, vtk, vm, taumax
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER {
    gnabar = 0.056 (S/cm2)
    gkbar = 0.006 (S/cm2)
    gmbar = 7.5e-5 (S/cm2)
    enarev = 50 (mV)
    ekrev = -90 (mV)
    emrev = -90 (mV)
    vtna = -56.2 (mV)
    vtk = -56.2 (mV)
    vm = 0 (mV)
    taumax = 608 (ms)
}
ASSIGNED {
    v (mV)
    ina_rs (mA/cm2)
    ikd_rs (mA/cm2)
    im_rs (mA/cm2)
    am (/ms) bm (/ms) ah (/ms) bh (/ms) an (/ms) bn (/ms)
    pinf
    taup (ms)
}
STATE { m h n p }
BREAKPOINT {
    SOLVE states METHOD cnexp
    ina_rs = gnabar*m*m*m*h*(v - enarev)
    ikd_rs = gkbar*n*n*n*n*(v - ekrev)
    im_rs = gmbar*p*(v - emrev)
}
INITIAL {
    rates(v)
    m = am/(am + bm)
    h = ah/(ah + bh)
    n = an/(an + bn)
    p = pinf
}
DERIVATIVE states {
    rates(v)
    m' = am*(1 - m) - bm*m
    h' = ah*(1 - h) - bh*h
    n' = an*(1 - n) - bn*n
    p' = (pinf - p)/taup
}
UNITSOFF
PROCEDURE rates(v (mV)) {
    LOCAL u, w
    u = v - vtna
    am = 0.32*vtrap(13 - u, 4)
    bm = 0.28*vtrap(u - 40, 5)
    ah = 0.128*exp((17 - u)/18)
    bh = 4/(1 + exp((40 - u)/5))
    u = v - vtk
    an = 0.032*vtrap(15 - u, 5)
    bn = 0.5*exp((10 - u)/40)
    w = v - vm
    pinf = 1/(1 + exp(-(w + 35)/10))
    taup = taumax/(3.3*exp((w + 35)/20) + exp(-(w + 35)/20))
}
FUNCTION vtrap(x, y) {
    if (fabs(x/y) < 1e-6) {
        vtrap = y*(1 - x/y/2)
    } else {
        vtrap = x/(exp(x/y) - 1)
    }
}
UNITSON
"""

NMDA_MOD = r"""
COMMENT
NMDA synapse: Exp2Syn kinetics (peak-normalised) times the Jahr & Stevens
(1990) Mg2+ block B = 1/(1 + mg/K_mg exp(-gamma v)). Written for hypomag's
benchmark against Brian2 (benchmarks/neuron_peer.py).
ENDCOMMENT
NEURON {
    POINT_PROCESS NMDAJS
    RANGE tau1, tau2, e, i, g, mg, K_mg, gamma
    NONSPECIFIC_CURRENT i
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) (mM) = (milli/liter) }
PARAMETER {
    tau1 = 2 (ms)
    tau2 = 100 (ms)
    e = 0 (mV)
    mg = 1 (mM)
    K_mg = 3.57 (mM)
    gamma = 0.062 (/mV)
}
ASSIGNED { v (mV) i (nA) g (uS) factor }
STATE { A (uS) B (uS) }
INITIAL {
    LOCAL tp
    A = 0
    B = 0
    tp = (tau1*tau2)/(tau2 - tau1) * log(tau2/tau1)
    factor = -exp(-tp/tau1) + exp(-tp/tau2)
    factor = 1/factor
}
BREAKPOINT {
    SOLVE state METHOD cnexp
    g = B - A
    i = g*(v - e)/(1 + mg/K_mg*exp(-gamma*v))
}
DERIVATIVE state {
    A' = -A/tau1
    B' = -B/tau2
}
NET_RECEIVE(weight (uS)) {
    A = A + weight*factor
    B = B + weight*factor
}
"""

_LOADED = False


def mechanism_dir() -> Path:
    """Compile the NMODL file once (cached by content) and return its folder."""
    key = hashlib.sha256((NMDA_MOD + RS_MOD).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"hypomag-nrnmech-{os.getuid()}-{key}"
    library = folder / "x86_64" / ".libs" / "libnrnmech.so"
    if not any(folder.glob("*/libnrnmech.so")) and not library.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "nmdajs.mod").write_text(NMDA_MOD)
        (folder / "rsbench.mod").write_text(RS_MOD)
        nrnivmodl = Path(sys.executable).parent / "nrnivmodl"
        result = subprocess.run([str(nrnivmodl)], cwd=folder, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"nrnivmodl failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return folder


def load():
    """NEURON's ``h`` with the standard run system and the NMDAJS mechanism loaded."""
    global _LOADED
    from neuron import h, load_mechanisms
    if not _LOADED:
        if not hasattr(h, "NMDAJS"):
            load_mechanisms(str(mechanism_dir()), warn_if_already_loaded=False)
        h.load_file("stdrun.hoc")
        _LOADED = True
    return h


class Cell:
    """One benchmark cell with its synapses and input in NEURON (values: :func:`model_values`)."""

    def __init__(self, h, values: dict, weight: float = 1.0):
        v = values
        self.soma = h.Section(name="soma")
        self.soma.L = self.soma.diam = v["diam_um"]
        self.soma.nseg = 1
        self.soma.cm = v["cm"]
        self.soma.insert("pas")
        self.soma.insert("rsbench")
        seg = self.soma(0.5)
        seg.pas.g, seg.pas.e = v["g_pas"], v["e_pas"]
        mech = seg.rsbench
        for name in ("gnabar", "gkbar", "gmbar", "enarev", "ekrev", "emrev", "vtna", "vtk", "vm",
                     "taumax"):
            setattr(mech, name, v[name])
        self.ampa = h.ExpSyn(seg)
        self.ampa.tau, self.ampa.e = v["tau_ampa"], v["e_ampa"]
        self.nmda = h.NMDAJS(seg)
        for name in ("K_mg", "gamma", "tau1", "tau2"):
            setattr(self.nmda, name, v[name])
        self.nmda.e = v["e_nmda"]
        self.nc_ampa = h.NetCon(None, self.ampa, 0, 0, weight * v["w_ampa_uS"])
        self.nc_nmda = h.NetCon(None, self.nmda, 0, 0, weight * v["w_nmda_uS"])
        self.times: np.ndarray = np.zeros(0)
        self.spike_times = h.Vector()
        self.detector = h.NetCon(seg._ref_v, None, sec=self.soma)
        self.detector.threshold = -20.0
        self.detector.record(self.spike_times)

    def set_input(self, times_ms: np.ndarray):
        self.times = np.asarray(times_ms, float)

    def queue_input(self):
        """Put the input events in NEURON's queue (after ``finitialize``, which clears it)."""
        for t in self.times:
            self.nc_ampa.event(float(t))
            self.nc_nmda.event(float(t))


def _setup(h, dt_ms: float):
    h.dt = dt_ms
    h.steps_per_ms = 1.0 / dt_ms
    h.secondorder = 0
    cvode = h.CVode()
    cvode.active(0)


def run_loop(mg_mM: Sequence[float], seeds: Sequence[int], p: dict | None = None) -> np.ndarray:
    """One cell, one ``finitialize``/``continuerun`` per condition; spike counts."""
    p = {**DEFAULTS, **(p or {})}
    h = load()
    _setup(h, p["dt_ms"])
    values = model_values()
    cell = Cell(h, values, p["weight"])
    v0 = values["v_init"]
    counts = np.zeros(len(mg_mM), int)
    for k, (mg, seed) in enumerate(zip(mg_mM, seeds)):
        cell.nmda.mg = float(mg)
        cell.set_input(poisson_times(int(seed), p["rate_hz"], p["duration_ms"], p["dt_ms"]))
        h.finitialize(v0)
        cell.queue_input()
        h.continuerun(p["duration_ms"])
        counts[k] = int(cell.spike_times.size())
    return counts


def run_network(mg_mM: Sequence[float], seeds: Sequence[int], p: dict | None = None) -> np.ndarray:
    """One cell per condition, all integrated in one run; spike counts."""
    p = {**DEFAULTS, **(p or {})}
    h = load()
    _setup(h, p["dt_ms"])
    values = model_values()
    cells = [Cell(h, values, p["weight"]) for _ in mg_mM]
    v0 = values["v_init"]
    for cell, mg, seed in zip(cells, mg_mM, seeds):
        cell.nmda.mg = float(mg)
        cell.set_input(poisson_times(int(seed), p["rate_hz"], p["duration_ms"], p["dt_ms"]))
    h.finitialize(v0)
    for cell in cells:
        cell.queue_input()
    h.continuerun(p["duration_ms"])
    return np.array([int(c.spike_times.size()) for c in cells])
