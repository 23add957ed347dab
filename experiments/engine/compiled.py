"""Simulations declared once and run on either path: Brian2's runtime or a compiled binary.

An experiment that declares its simulation instead of writing a batch
runner (:meth:`~experiments.engine.Experiment.build`) runs on two paths:

* **runtime**: Brian2's Cython runtime in this process (the engine's
  vectorizing build, :mod:`experiments.engine.codegen`). Each batch restores
  the network's initial state, sets the inputs and runs it. Python runs once
  per time step and object (50-90 us per step for the pyramidal cell,
  ``benchmarks/``), whatever the number of neurons.
* **standalone**: the same network as a C++ program (Brian2's
  ``cpp_standalone`` device), compiled once per structure into a persistent,
  content-keyed build folder and rerun for every batch with the inputs given
  on its command line (:mod:`experiments.engine.standalone`): no Python in
  the time loop.

The declaration (four methods of the experiment):

``schedule(fixed) -> (duration, dt)``
    The run's simulated time and time step, known without building anything.
``simulation(n, fixed) -> Simulation``
    The Brian2 objects of one network for ``n`` conditions, which values
    each batch sets (``inputs``) and which it reads back (``outputs``). It
    must not read values back from Brian2 (standalone objects have none
    until they run) nor draw Brian2 random numbers (the two paths draw them
    differently): every random draw of a condition comes from numpy, seeded
    by the condition's ``seed``, through ``inputs``.
``inputs(conditions, fixed) -> {name: values}``
    For a batch of ``n`` conditions, the value of every input, one per
    element of its variable (quantities or floats in SI units).
``rows(conditions, fixed, outputs) -> rows per condition``
    The result rows, from the outputs read after the run (``{name: array}``,
    SI units, as stored by Brian2).

and, optionally, the class attribute ``program_settings``: the settings
whose fixed values the compiled program depends on (a run length, a time
step, a network size; every fixed setting if not given). Settings that reach
the network only through ``inputs`` (``mg_o``) are left out, so that runs at
other fixed values reuse the program; a setting compiled into the network
(a shared constant of a group's namespace) must be in it.

Conditions must not interact: a batch may be split into pieces run
separately (the standalone path runs one piece per core).

Which path
----------
The setting ``path`` (``--set path=auto|runtime|standalone``, added to every
experiment that declares a simulation) forces either; ``auto`` follows
:func:`choose_path`: the compiled binary from :data:`STANDALONE_MIN_STEPS`
time steps per run on. Below it a run is short (0.1 s of runtime overhead or
less) and the program's start and file exchange, about 10-30 ms, would be a
large share. The first run of a new structure compiles the program (a
``compiling`` phase, 10-30 s on two cores); later runs, in any process, find
it in the build cache (:mod:`experiments.engine.standalone`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

#: Time steps per run from which ``path=auto`` runs the compiled binary.
STANDALONE_MIN_STEPS = 2000
#: Values of the ``path`` setting.
PATHS = ("auto", "runtime", "standalone")


@dataclass
class Simulation:
    """One network for ``n`` conditions, with what a batch sets and reads.

    Parameters
    ----------
    objects : sequence
        The Brian2 objects of the network (groups, synapses, monitors).
    duration : Quantity
        Simulated time of one run (one batch).
    inputs : mapping
        Name -> ``(owner, variable)``: a variable set before every run
        (``(group, "Mg_o")``, ``(synapses.pre, "delay")``). Initial states
        that depend on the condition are inputs too.
    outputs : mapping
        Name -> ``(owner, variable)``: a variable read after the run
        (``(spike_monitor, "count")``, ``(group, "v")``).
    """

    objects: Sequence[Any]
    duration: Any
    inputs: Mapping[str, tuple[Any, str]] = field(default_factory=dict)
    outputs: Mapping[str, tuple[Any, str]] = field(default_factory=dict)


def declares_simulation(experiment) -> bool:
    """Whether an experiment (class or instance) declares its simulation."""
    from .framework import Experiment
    cls = experiment if isinstance(experiment, type) else type(experiment)
    return cls.simulation is not Experiment.simulation


def steps_of(experiment, fixed: Mapping[str, Any]) -> int:
    """Time steps of one run: ``duration / dt`` of the experiment's schedule."""
    duration, dt = experiment.schedule(fixed)
    return int(round(float(duration / dt)))


def choose_path(requested: str, steps: int) -> str:
    """The path of a run: ``requested`` if forced, else by its length.

    ``auto`` gives ``standalone`` from :data:`STANDALONE_MIN_STEPS` steps on,
    ``runtime`` below.
    """
    if requested not in PATHS:
        raise ValueError(f"path={requested!r}; allowed: {', '.join(PATHS)}")
    if requested != "auto":
        return requested
    return "standalone" if steps >= STANDALONE_MIN_STEPS else "runtime"


def planned_path(experiment, fixed: Mapping[str, Any]) -> str:
    """The path an experiment's batches take with these fixed settings."""
    if not declares_simulation(experiment):
        return "runtime"
    return choose_path(fixed.get("path", "auto"), steps_of(experiment, fixed))


def runner(experiment, n: int, fixed: Mapping[str, Any]):
    """The batch runner of a declared simulation for ``n`` conditions, on its path."""
    if planned_path(experiment, fixed) == "standalone":
        from .standalone import StandaloneRunner
        return StandaloneRunner(experiment, n, fixed)
    return RuntimeRunner(experiment, n, fixed)


def check_inputs(declared: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` unless ``values`` gives exactly the declared inputs."""
    missing, extra = set(declared) - set(values), set(values) - set(declared)
    if missing or extra:
        raise ValueError(f"inputs: missing {sorted(missing)}, undeclared {sorted(extra)}")


def si_array(values, dim, dtype, name: str) -> np.ndarray:
    """Input ``values`` as a flat array of ``dtype`` in SI units.

    A quantity must have the variable's dimensions ``dim``; plain numbers are
    taken as SI values.
    """
    from brian2 import Quantity
    from brian2.units.fundamentalunits import fail_for_dimension_mismatch
    if isinstance(values, Quantity):
        fail_for_dimension_mismatch(values, dim, f"input {name}")
    return np.ascontiguousarray(np.ravel(np.asarray(values)), dtype=dtype)


def set_inputs(simulation: Simulation, values: Mapping[str, Any]) -> None:
    """Write a batch's input values into the network's variables (runtime path)."""
    check_inputs(simulation.inputs, values)
    for name, (owner, variable) in simulation.inputs.items():
        var = owner.variables[variable]
        var.set_value(si_array(values[name], var.dim, var.dtype, name))


def read_outputs(simulation: Simulation) -> dict[str, np.ndarray]:
    """The declared outputs after a run, as plain arrays in SI units (runtime path)."""
    return {name: np.array(owner.variables[variable].get_value())
            for name, (owner, variable) in simulation.outputs.items()}


class RuntimeRunner:
    """Runs a declared simulation on Brian2's runtime: restore, set inputs, run, read."""

    path = "runtime"

    def __init__(self, experiment, n: int, fixed: Mapping[str, Any]):
        from brian2 import Network
        self.experiment, self.fixed, self.n = experiment, fixed, n
        self.simulation = experiment.simulation(n, fixed)
        self.network = Network(*self.simulation.objects)
        self.network.store("initial")

    def __call__(self, conditions: Sequence[Mapping[str, Any]]) -> list[list[dict]]:
        from brian2 import second
        self.network.restore("initial")
        set_inputs(self.simulation, self.experiment.inputs(conditions, self.fixed))
        self.network.run(self.simulation.duration, report=self.experiment.report(),
                         report_period=1 * second)
        return self.experiment.rows(conditions, self.fixed, read_outputs(self.simulation))
