"""Wall times of the Myokit ORd peer: the speed targets for hypomag's Brian2 ORd model.

``python -m experiments.validation.myokit_peer.speed`` prints one JSON object:

* ``compile_s``: building the ``myokit.Simulation`` (C code generation and compile);
* ``endo_1000_beats_s``: one endocardial cell, BCL 1000 ms, K_o 5.4 mM, 1000 beats
  from the authors' initial values, the last beat logged at 0.1 ms;
* ``ten_conditions_100_beats_s``: a loop over :data:`TEN_CONDITIONS` (100 beats each
  at BCL 1000 ms from the stored pre-paced states, last beat logged at 0.1 ms),
  on the same compiled simulation;

each at the runner's CVODES tolerances (:data:`~.runner.TOLERANCE`) and, for
comparison, at Myokit's defaults (abs 1e-6, rel 1e-4). Times are
``time.perf_counter`` seconds of one run in this process.
"""
from __future__ import annotations

import json
import time

from .runner import TOLERANCE, Condition, simulation, timed

#: Myokit's default CVODES tolerances.
MYOKIT_DEFAULT_TOLERANCE = {"abs_tol": 1e-6, "rel_tol": 1e-4}

#: Ten conditions of 100 beats: the three cell types in control, then the
#: endocardial cell at low K_o and under I_Kr block.
TEN_CONDITIONS = tuple(
    [Condition(c, beats=100) for c in ("endo", "epi", "mid")]
    + [Condition("endo", k_o_mM=k, beats=100, stimulus_ms=1.0) for k in (3.0, 4.0, 5.4)]
    + [Condition("endo", ikr_block=b, beats=100) for b in (0.25, 0.5, 0.75, 0.9)])


def measure(tolerance: dict) -> dict:
    """Wall times (s) of the two targets at ``tolerance``, and the compile."""
    start = time.perf_counter()
    sim = simulation()
    compile_s = time.perf_counter() - start
    sim.set_tolerance(**tolerance)
    _, endo_s = timed([Condition("endo", beats=1000)], initial="model", sim=sim)
    _, ten_s = timed(list(TEN_CONDITIONS), sim=sim)
    return {"tolerance": tolerance, "compile_s": round(compile_s, 3),
            "endo_1000_beats_s": round(endo_s, 3), "ten_conditions_100_beats_s": round(ten_s, 3)}


def main() -> None:
    print(json.dumps([measure(TOLERANCE), measure(MYOKIT_DEFAULT_TOLERANCE)], indent=1))


if __name__ == "__main__":
    main()
