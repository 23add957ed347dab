"""Independent Myokit implementation of the ORd human ventricular myocyte, for cross-checks.

The O'Hara-Virag-Varro-Rudy (2011) model, written again in Myokit's model
language (``ord.mmt``) and integrated by Myokit with CVODES (SUNDIALS,
adaptive BDF with the tolerances of :data:`~.runner.TOLERANCE`), so that an
error in hypomag's Brian2 ORd model (its equations, units, Rush-Larsen
stepping or pacing) shows up as a disagreement between two simulators, and
so that the Brian2 model's speed can be compared with a compiled adaptive
solver.

Where the equations come from. ``ord.mmt`` is transcribed from the paper's
Supplementary Text S1 (O'Hara et al. 2011; sections named in each
component's ``desc``) and checked line by line against the authors' C++
release of the model (Rudy lab), the original 2011 formulation: GNa 75,
Hodgkin-Huxley INa, three cell types (``cell.celltype`` 0 endo, 1 epi,
2 M cell). Its derivatives were compared with those of an independent
public Myokit transcription (Clerx's ``ohara-2011.mmt``, from the authors'
Matlab code): equal to a relative 1e-12 at 240 states of all three cell
types. Nothing is taken from hypomag's Brian2 ORd model. hypomag adds
three settable constants: ``extra.ko`` (K_o, mM), ``ikr.ikr_block`` (GKr is
scaled by ``1 - ikr_block``) and the cell type; the stimulus (-80 uA/uF,
0.5 ms, as in the authors' code) is driven by a Myokit pacing protocol
(``engine.pace``).

Modules:

:mod:`~experiments.validation.myokit_peer.runner`
    :class:`Condition` (cell type, K_o, I_Kr block, BCL, beats, recorded
    beats, log interval, stimulus duration), :func:`run_conditions` (one
    compiled ``myokit.Simulation`` for a list of conditions; returns
    :class:`Trace` objects with ``time_ms``, ``v_mV``, ``cai_mM`` numpy
    arrays), the stored pre-paced states (``models/ord_prepaced.json``,
    :func:`write_prepaced_states`).
:mod:`~experiments.validation.myokit_peer.sundials`
    :func:`configure`: points Myokit at the SUNDIALS that the ``amici``
    package builds when pip installs it, on machines without a system
    SUNDIALS.

The action-potential measures (APD, EADs, ...) are :mod:`models.action_potential`,
shared with the Brian2 side.

How to run::

    from experiments.validation.myokit_peer import Condition, run_conditions
    from models.action_potential import apd
    trace, = run_conditions([Condition("endo", k_o_mM=5.4, bcl_ms=1000,
                                       beats=10, recorded_beats=1)])
    apd(trace.time_ms, trace.v_mV, 0.9)        # APD90 (ms), about 268

Needs ``pip install -e '.[peer]'`` (myokit, amici) and a C compiler;
``tests/test_myokit_peer.py`` checks it and skips with the reason when
Myokit cannot compile a simulation.

References
----------
O'Hara T, Virag L, Varro A, Rudy Y (2011) Simulation of the undiseased human
cardiac ventricular action potential: model formulation and experimental
validation. PLoS Comput Biol 7:e1002061.
Clerx M, Collins P, de Lange E, Volders PGA (2016) Myokit: a simple interface
to cardiac cellular electrophysiology. Prog Biophys Mol Biol 120:100-114.
Hindmarsh AC et al. (2005) SUNDIALS: Suite of nonlinear and
differential/algebraic equation solvers. ACM Trans Math Softw 31:363-396.
"""
from __future__ import annotations

from .runner import (CELL_TYPES, LOGGED, MODEL_FILE, STATES_FILE, STIMULUS_DURATION_MS,
                     TOLERANCE, Condition, Trace, load_model, prepaced_states, protocol,
                     run_condition, run_conditions, simulation, timed, write_prepaced_states)
from .sundials import amici_sundials, configure

__all__ = ["CELL_TYPES", "LOGGED", "MODEL_FILE", "STATES_FILE", "STIMULUS_DURATION_MS",
           "TOLERANCE", "Condition", "Trace", "amici_sundials", "configure", "load_model",
           "prepaced_states", "protocol", "run_condition", "run_conditions", "simulation",
           "timed", "write_prepaced_states"]
