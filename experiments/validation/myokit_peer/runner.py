"""Paced ORd beats in Myokit: one compiled simulation, many conditions.

A condition (:class:`Condition`) is a cell type, an extracellular K+, an
I_Kr block fraction, a basic cycle length and how many beats to pace and to
record. :func:`run_conditions` compiles ``ord.mmt`` once
(``myokit.Simulation``, CVODES with the tolerances of :data:`TOLERANCE`),
and for each condition resets the state, sets the model's constants
(``cell.celltype``, ``extra.ko``, ``ikr.ikr_block``) and pacing protocol
(:func:`protocol`), paces the unrecorded beats without logging
(``Simulation.pre``) and records the last ones at a fixed interval.

Initial states: by default the stored pre-paced state of the cell type
(:data:`STATES_FILE`, written by :func:`write_prepaced_states`: 1 Hz, K_o
5.4 mM, no block), so that a short protocol starts near the control limit
cycle.
"""
from __future__ import annotations

import importlib.util
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .sundials import configure

#: The model file.
MODEL_FILE = Path(__file__).with_name("ord.mmt")

#: Pre-paced states, one per cell type (see :func:`write_prepaced_states`).
#: The ORd limit cycle belongs to the model (``models/ord_prepaced.json``): hypomag's Brian2
#: cell starts from it too.
STATES_FILE = Path(importlib.util.find_spec("models").origin).parent / "ord_prepaced.json"

#: ``cell.celltype`` code of each cell type (ORd: 0 endo, 1 epi, 2 M cell).
CELL_TYPES = {"endo": 0, "epi": 1, "mid": 2}

#: CVODES tolerances (absolute, relative); Myokit's defaults are 1e-6, 1e-4.
TOLERANCE = {"abs_tol": 1e-7, "rel_tol": 1e-6}

#: Stimulus of the authors' code: 0.5 ms at the start of each beat
#: (amplitude -80 uA/uF in ``ord.mmt``, so a 40 mV kick).
STIMULUS_DURATION_MS = 0.5

#: Variables logged, and the names they take in a :class:`Trace`.
LOGGED = {"engine.time": "time_ms", "membrane.V": "v_mV", "intra.cai": "cai_mM"}


@dataclass(frozen=True)
class Condition:
    """One paced run.

    Attributes
    ----------
    cell_type : str
        ``"endo"``, ``"epi"`` or ``"mid"``.
    k_o_mM : float
        Extracellular K+ (mM); ORd's control value is 5.4.
    ikr_block : float
        Fraction of GKr blocked, in [0, 1].
    bcl_ms : float
        Basic cycle length (ms).
    beats : int
        Beats paced in all, the recorded ones included.
    recorded_beats : int
        The last beats, logged.
    log_interval_ms : float
        Sampling interval of the log (ms).
    stimulus_ms : float
        Stimulus duration (ms) at -80 uA/uF. The authors' 0.5 ms (a 40 mV
        kick) fails to excite from the rest of about -104 mV at K_o 3 mM;
        1 ms does.
    """

    cell_type: str = "endo"
    k_o_mM: float = 5.4
    ikr_block: float = 0.0
    bcl_ms: float = 1000.0
    beats: int = 10
    recorded_beats: int = 1
    log_interval_ms: float = 0.1
    stimulus_ms: float = STIMULUS_DURATION_MS

    def __post_init__(self):
        if self.cell_type not in CELL_TYPES:
            raise ValueError(f"cell_type must be one of {sorted(CELL_TYPES)}, got {self.cell_type!r}")
        if not 0.0 <= self.ikr_block <= 1.0:
            raise ValueError(f"ikr_block must be in [0, 1], got {self.ikr_block}")
        if not 0 < self.recorded_beats <= self.beats:
            raise ValueError(f"need 0 < recorded_beats <= beats, got {self.recorded_beats}, "
                             f"{self.beats}")
        if (self.k_o_mM <= 0 or self.log_interval_ms <= 0 or self.stimulus_ms <= 0
                or self.bcl_ms <= self.stimulus_ms):
            raise ValueError(f"k_o_mM, bcl_ms and log_interval_ms must be positive: {self}")


@dataclass
class Trace:
    """The recorded beats of one condition (time from the first recorded beat's start)."""

    condition: Condition
    time_ms: np.ndarray
    v_mV: np.ndarray
    cai_mM: np.ndarray
    final_state: list[float] = field(repr=False, default_factory=list)


def load_model():
    """The ORd model of ``ord.mmt`` (a ``myokit.Model``)."""
    import myokit
    return myokit.load_model(str(MODEL_FILE))


def protocol(bcl_ms: float, stimulus_ms: float = STIMULUS_DURATION_MS):
    """Myokit pacing: a pulse of level 1 and ``stimulus_ms`` at the start of every ``bcl_ms``."""
    import myokit
    return myokit.pacing.blocktrain(period=bcl_ms, duration=stimulus_ms, offset=0)


def simulation(model=None, bcl_ms: float = 1000.0):
    """A compiled ``myokit.Simulation`` of ORd with :data:`TOLERANCE`, SUNDIALS configured first."""
    import myokit
    configure()
    sim = myokit.Simulation(model if model is not None else load_model(), protocol(bcl_ms))
    sim.set_tolerance(**TOLERANCE)
    return sim


def prepaced_states(path: Path = STATES_FILE) -> dict[str, list[float]]:
    """Stored states by cell type (state vector in the model's order), or {} if none."""
    if not Path(path).is_file():
        return {}
    return json.loads(Path(path).read_text())["states"]


def _set_condition(sim, condition: Condition, state: Sequence[float]) -> None:
    sim.reset()
    sim.set_state(list(state))
    sim.set_constant("cell.celltype", CELL_TYPES[condition.cell_type])
    sim.set_constant("extra.ko", condition.k_o_mM)
    sim.set_constant("ikr.ikr_block", condition.ikr_block)
    sim.set_protocol(protocol(condition.bcl_ms, condition.stimulus_ms))


def run_condition(sim, condition: Condition, state: Sequence[float]) -> Trace:
    """Pace one condition on a compiled simulation from ``state``; see :func:`run_conditions`."""
    import myokit
    _set_condition(sim, condition, state)
    unrecorded = condition.beats - condition.recorded_beats
    if unrecorded:
        sim.run(unrecorded * condition.bcl_ms, log=myokit.LOG_NONE)
    start_ms = sim.time()
    log = sim.run(condition.recorded_beats * condition.bcl_ms, log=list(LOGGED),
                  log_interval=condition.log_interval_ms)
    arrays = {name: np.asarray(log[var], dtype=float) for var, name in LOGGED.items()}
    arrays["time_ms"] = arrays["time_ms"] - start_ms
    return Trace(condition, final_state=list(sim.state()), **arrays)


def run_conditions(conditions: Iterable[Condition], initial: str | Sequence[float] = "prepaced",
                   sim=None) -> list[Trace]:
    """Run paced beats for each condition, one compiled simulation for all.

    Parameters
    ----------
    conditions : iterable of Condition
    initial : "prepaced", "model" or a state vector
        Start of every condition: the stored pre-paced state of its cell type
        (:data:`STATES_FILE`; the model's own initial values if none is
        stored), the authors' initial values in ``ord.mmt``, or the given state.
    sim : myokit.Simulation, optional
        A simulation from :func:`simulation`, reused (saves the ~2 s compile).

    Returns
    -------
    list of Trace
        ``time_ms`` (ms, from the start of the first recorded beat),
        ``v_mV`` (mV) and ``cai_mM`` (mM) as numpy arrays, per condition.
    """
    sim = sim if sim is not None else simulation()
    stored = prepaced_states() if isinstance(initial, str) and initial == "prepaced" else {}
    default = list(sim.default_state())
    traces = []
    for condition in conditions:
        if isinstance(initial, str):
            state = stored.get(condition.cell_type, default) if initial == "prepaced" else default
        else:
            state = list(initial)
        traces.append(run_condition(sim, condition, state))
    return traces


def write_prepaced_states(beats: int = 1000, bcl_ms: float = 1000.0,
                          path: Path = STATES_FILE) -> dict:
    """Pace each cell type from the authors' initial values; store the final states.

    Control conditions (K_o 5.4 mM, no block), ``beats`` beats at ``bcl_ms``.
    Writes ``path`` (JSON: protocol, tolerances, state names, states) and returns its content.
    """
    sim = simulation()
    model_state = list(sim.default_state())
    states = {}
    for cell_type in CELL_TYPES:
        trace = run_condition(sim, Condition(cell_type, bcl_ms=bcl_ms, beats=beats,
                                             recorded_beats=1, log_interval_ms=1.0), model_state)
        states[cell_type] = trace.final_state
    content = {"protocol": {"beats": beats, "bcl_ms": bcl_ms, "k_o_mM": 5.4, "ikr_block": 0.0,
                            "start": "ord.mmt initial values"},
               "tolerance": TOLERANCE,
               "state_names": [v.qname() for v in load_model().states()],
               "states": states}
    Path(path).write_text(json.dumps(content, indent=1) + "\n")
    return content


def timed(conditions: Sequence[Condition], initial="prepaced", sim=None) -> tuple[list[Trace], float]:
    """:func:`run_conditions` and its wall-clock time (s), the compile excluded if ``sim`` is given."""
    start = time.perf_counter()
    traces = run_conditions(conditions, initial=initial, sim=sim)
    return traces, time.perf_counter() - start

