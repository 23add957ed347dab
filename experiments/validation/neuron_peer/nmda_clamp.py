"""NMDA I-V peer: the Jahr-Stevens-blocked NMDA current under voltage clamp in NEURON.

Compare with hypomag's ``nmda_iv`` experiment (:func:`nmda_iv_error`). The
current of fully bound receptors (``NmdaOpenJS``,
:mod:`~experiments.validation.neuron_peer.nmodl`) is

.. math:: I = g\\, B(V)\\, (V - E_{NMDA}), \\qquad
          B(V) = \\frac{1}{1 + [Mg]_o / 3.57\\,\\mathrm{mM}\\; e^{-0.062\\, V/\\mathrm{mV}}}

(outward positive, E_NMDA = 0 mV).

References
----------
Jahr CE, Stevens CF (1990) J Neurosci 10:3178-3182.
Hines ML, Carnevale NT (1997) Neural Comput 9:1179-1209.
"""
from __future__ import annotations

from itertools import product
from typing import Sequence

import numpy as np

from .mechanisms import integrator

#: Series resistance of each single-electrode clamp (MOhm): 1 kOhm, an ideal clamp.
CLAMP_RS_MOHM = 1e-3


def _clamped_synapse(h, name: str, g_nS: float, mg_mM: float, v_mV: float):
    """One small section with an ``NmdaOpenJS`` and an ``SEClamp`` holding it at ``v_mV``."""
    sec = h.Section(name=name)
    sec.L = sec.diam = 10.0
    sec.nseg = 1
    syn = h.NmdaOpenJS(sec(0.5))
    syn.gmax = g_nS * 1e-3
    syn.mg = mg_mM
    clamp = h.SEClamp(sec(0.5))
    clamp.rs = CLAMP_RS_MOHM
    clamp.dur1 = 1e9
    clamp.amp1 = v_mV
    return sec, syn, clamp


def nmda_iv(mg_o_mM: Sequence[float], v_mV: Sequence[float], g_nS: float = 0.327,
            settle_ms: float = 20.0, dt_ms: float = 0.025) -> np.ndarray:
    """NMDA current (pA, outward positive) under voltage clamp, NEURON.

    Parameters
    ----------
    mg_o_mM : sequence of float
        Extracellular Mg2+ (mM) of each row.
    v_mV : sequence of float
        Clamped potentials (mV) of each column.
    g_nS : float
        Conductance of the fully bound, unblocked receptors (nS); the
        default 0.327 nS is that of the ``nmda_iv`` experiment.
    settle_ms, dt_ms : float
        Time after which the current is read and the fixed step (ms,
        implicit Euler).

    Returns
    -------
    numpy.ndarray
        Shape (len(mg_o_mM), len(v_mV)): one section with one ``NmdaOpenJS``
        point process and one ``SEClamp`` (series resistance
        :data:`CLAMP_RS_MOHM`) per (Mg_o, V) pair.
    """
    h = integrator(dt_ms)
    cells = [_clamped_synapse(h, f"iv_{k}", g_nS, mg, v)
             for k, (mg, v) in enumerate(product(mg_o_mM, v_mV))]
    h.finitialize(float(v_mV[0]))
    h.continuerun(settle_ms)
    current = np.array([syn.i * 1e3 for _, syn, _ in cells])
    return current.reshape(len(mg_o_mM), len(v_mV))


def nmda_iv_error(table, mg_o_mM: Sequence[float], v_mV: Sequence[float],
                  g_nS: float = 0.327) -> float:
    """Largest relative difference between an ``nmda_iv`` table and :func:`nmda_iv`.

    Parameters
    ----------
    table : Table
        Main table of hypomag's ``nmda_iv`` experiment run at ``mg_o_mM`` x
        ``v_mV`` (columns ``mg_o_mM``, ``v_mV``, ``i_pA``), in any row order.
    mg_o_mM, v_mV : sequence of float
        The grid (mM, mV), ``v_mV`` ascending.
    g_nS : float
        Unblocked conductance of the NEURON side (nS), as in the experiment.

    Returns
    -------
    float
        :math:`\\max |I_{NEURON} - I_{Brian2}| / \\max(|I_{Brian2}|, 10^{-3} \\max|I_{Brian2}|)`
        over the grid: a relative error with a floor at 1e-3 of each
        curve's peak near the reversal potential (0 mV), where the current
        vanishes. Raises ``ValueError`` if the table's potentials are not
        ``v_mV``.
    """
    neuron_pA = nmda_iv(mg_o_mM, v_mV, g_nS=g_nS)
    worst = 0.0
    for k, mg in enumerate(mg_o_mM):
        part = table.where(mg_o_mM=mg)
        order = np.argsort(part["v_mV"])
        if not np.allclose(part["v_mV"][order], v_mV):
            raise ValueError(f"the nmda_iv table at Mg_o {mg:g} mM is not on the requested grid")
        brian_pA = part["i_pA"][order]
        floor = 1e-3 * np.max(np.abs(brian_pA))
        err = np.abs(neuron_pA[k] - brian_pA) / np.maximum(np.abs(brian_pA), floor)
        worst = max(worst, float(err.max()))
    return worst
