"""Independent NEURON implementations of hypomag's models, for cross-simulator checks.

The same equations as the Brian2 models, written again in NMODL and run by
NEURON (https://neuron.yale.edu) with its own integrators, so that an error
in the Brian2 equations, units or scheduling shows up as a disagreement
between two simulators. Used by the ``neuron_crosscheck`` check of
``hypomag validate``, by ``tests/test_neuron_crosscheck.py`` and, as the
NEURON peer of the benchmark suite, by :mod:`benchmarks.tasks`.

Nothing here uses hypomag's equations: the NMODL is written from the
equations in the channel docstrings (Pospischil et al. 2008, RS cell, on a
cylinder of L = d = 61.4 um). Only parameter *values* are read from the
Brian2 model (:func:`cell_values`), so that a retuned synaptic weight changes
both sides alike.

Modules, one job each (every public name is importable from here):

:mod:`~experiments.validation.neuron_peer.nmodl`
    The NMODL sources with their equations (:data:`MOD_FILES`).
:mod:`~experiments.validation.neuron_peer.mechanisms`
    Compiling (:func:`compile_mechanisms`, :func:`mechanism_dir`) and
    loading (:func:`load_mechanisms`, once per process) the mechanisms;
    NEURON's integrator settings (:func:`integrator`).
:mod:`~experiments.validation.neuron_peer.nmda_clamp`
    The NMDA I-V peer (:func:`nmda_iv`: Jahr & Stevens 1990 block, receptors
    fully bound, one ``SEClamp`` per condition) and its comparison with the
    ``nmda_iv`` experiment (:func:`nmda_iv_error`).
:mod:`~experiments.validation.neuron_peer.pyramidal`
    The RS pyramidal cell of :mod:`models.neuron` in NEURON (:class:`RSCell`,
    :func:`cell_values`): its trace under given events
    (:func:`pyramidal_trace`) and the batch spike counts of the benchmark
    (:func:`spike_counts`, all cells in one run or one cell per condition).
:mod:`~experiments.validation.neuron_peer.compare`
    The Brian2 side of the same protocol (:func:`brian2_pyramidal_trace`)
    and the cross-check itself (:func:`compare_pyramidal`).

References
----------
Hines ML, Carnevale NT (1997) The NEURON simulation environment. Neural
Comput 9:1179-1209.
Pospischil M et al. (2008) Minimal Hodgkin-Huxley type models for different
classes of cortical and thalamic neurons. Biol Cybern 99:427-441.
Jahr CE, Stevens CF (1990) J Neurosci 10:3178-3182.
"""
from __future__ import annotations

from .compare import (brian2_pyramidal_trace, compare_pyramidal, crossing_times,
                      poisson_events, without_constant_over_dt)
from .mechanisms import compile_mechanisms, integrator, load_mechanisms, mechanism_dir, nrnivmodl
from .nmda_clamp import nmda_iv, nmda_iv_error
from .nmodl import (EXPSYN_MOD, K_MOD, M_MOD, MOD_FILES, NA_MOD, NMDA_CLAMP_MOD,
                    NMDA_SYN_MOD)
from .pyramidal import (RS_GEOMETRY, SPIKE_THRESHOLD_MV, RSCell, cell_values, pyramidal_trace,
                        spike_counts)

__all__ = ["EXPSYN_MOD", "K_MOD", "MOD_FILES", "M_MOD", "NA_MOD", "NMDA_CLAMP_MOD",
           "NMDA_SYN_MOD", "RSCell", "RS_GEOMETRY", "SPIKE_THRESHOLD_MV",
           "brian2_pyramidal_trace", "cell_values", "compare_pyramidal",
           "compile_mechanisms", "crossing_times", "integrator", "load_mechanisms",
           "mechanism_dir", "nmda_iv", "nmda_iv_error", "nrnivmodl", "poisson_events",
           "pyramidal_trace", "spike_counts", "without_constant_over_dt"]
