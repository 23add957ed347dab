"""The interface every experiment follows.

An experiment is a subclass of :class:`Experiment` that declares

* ``name``, ``title`` and a docstring saying what it shows;
* ``settings``: its parameters and sweep dimensions (:class:`Setting`);
  the parameters of the channels it lists in ``channel_classes`` are
  settable too, under their own names (``--set Kd0_ROMK=1mM``);
* ``stochastic``: whether it draws random numbers; then a ``replicates``
  setting and a ``seed`` column are added, and condition ``seed`` seeds every
  random draw of that condition (common random numbers: the same seed gives
  the same inputs at every Mg value, whatever the batch layout);
* either :meth:`Experiment.build`: builds a simulation for ``n`` conditions
  that is run once per batch of conditions (compiled once, rerun with new
  values), on Brian2's runtime; or its simulation as a declaration
  (:meth:`Experiment.schedule`, :meth:`Experiment.simulation`,
  :meth:`Experiment.inputs`, :meth:`Experiment.rows`), which the engine runs
  on the runtime or as a compiled program (:mod:`experiments.engine.compiled`),
  and then a ``path`` setting chooses between them;
* :meth:`Experiment.plot`: draws the figure from the result tables alone.

The sweep engine (:mod:`experiments.engine.sweep`) does everything else: the grid,
batching, storage, resume, parallel execution, progress and provenance.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Collection, Mapping, Sequence

from channels.base import Channel

from .settings import Setting, UsageError
from .table import Table

#: A batch runner: takes the conditions of one batch (dicts of setting values)
#: and returns, per condition, a list of result rows (dicts). A row may carry
#: ``"_table": "NAME"`` to go to the side table ``NAME`` instead of the main one,
#: and ``"_once": True`` if it describes the run rather than the condition (a
#: lookup table built from the fixed settings): such rows carry no condition
#: columns, each batch emits them with its first condition, and the engine keeps
#: one copy (``experiments.engine.storage.batch_tables``).
BatchRunner = Callable[[Sequence[Mapping[str, Any]]], list[list[dict]]]


def same_unit_array(values: Sequence[Any], name: str):
    """Scalar quantities of one unit as one quantity array, built in one numpy pass
    (``Quantity(list)`` checks every element's unit one by one)."""
    import numpy as np
    from brian2 import Quantity
    dims = {v.dim for v in values}
    if len(dims) != 1:
        raise ValueError(f"{name}: values of different units in one batch")
    return Quantity(np.array(values, dtype=float), dim=dims.pop())


def channel_settings(channel_classes: Sequence[type[Channel]]) -> tuple[Setting, ...]:
    """Settings for every parameter of the given channels, in their display units."""
    return tuple(Setting.from_parameter(p) for cls in channel_classes for p in cls.parameters)


REPLICATES_MEANING = "number of replicate seeds per condition (common random numbers across Mg)"
PATH_MEANING = ("how the simulation runs: runtime (Brian2's Cython runtime), standalone (a "
                "compiled C++ program, no Python in the time loop) or auto (by the run's length)")


class Experiment:
    """Base class of all experiments; see the module docstring."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: Place in ``hypomag list`` and ``hypomag run all`` (lower first; ties by name).
    order: ClassVar[int] = 1000
    settings: ClassVar[tuple[Setting, ...]] = ()
    channel_classes: ClassVar[tuple[type[Channel], ...]] = ()
    stochastic: ClassVar[bool] = False
    default_replicates: ClassVar[tuple[int, int]] = (3, 1)  # (default, quick)
    #: Most conditions simulated together in one batch.
    batch_size: ClassVar[int] = 100_000
    #: Documented output columns of the main table (checked by the tests).
    columns: ClassVar[tuple[str, ...]] = ()
    #: For a declared simulation: the settings its compiled program depends on when
    #: fixed (the others reach it as inputs); None: every fixed setting.
    program_settings: ClassVar[tuple[str, ...] | None] = None

    # -- declared settings --------------------------------------------------
    @classmethod
    def all_settings(cls) -> dict[str, Setting]:
        """Experiment settings, channel parameters and ``replicates``, by name."""
        found: dict[str, Setting] = {}
        extra = channel_settings(cls.channel_classes)
        if cls.stochastic:
            default, quick = cls.default_replicates
            extra += (Setting("replicates", (default,), None, REPLICATES_MEANING,
                              "chosen for error bars", quick=(quick,), minimum=1,
                              maximum=1000, integer=True),)
        if cls.simulation is not Experiment.simulation:
            from .compiled import PATHS
            extra += (Setting("path", ("auto",), None, PATH_MEANING,
                              "engine rule (experiments/engine/compiled.py)", choices=PATHS,
                              structural=True),)
        for setting in cls.settings + extra:
            if setting.name in found:
                raise TypeError(f"{cls.__name__}: setting {setting.name!r} declared twice")
            found[setting.name] = setting
        return found

    @classmethod
    def setting(cls, name: str) -> Setting:
        try:
            return cls.all_settings()[name]
        except KeyError:
            raise UsageError(f"{cls.name} has no parameter {name!r}") from None

    # -- helpers for subclasses -----------------------------------------------
    @classmethod
    def channel(cls, channel_class: type[Channel], fixed: Mapping[str, Any], **options) -> Channel:
        """An instance of ``channel_class`` with the run's (unswept) parameter values."""
        overrides = {p.name: fixed[p.name] for p in channel_class.parameters if p.name in fixed}
        return channel_class(**options, **overrides)

    @classmethod
    def batch_values(cls, conditions: Sequence[Mapping[str, Any]], fixed: Mapping[str, Any],
                     names: Sequence[str] | None = None) -> dict[str, Any]:
        """One value per condition of a batch for each setting: name -> array.

        A swept setting gives its value in each condition, a fixed one the
        same value for all. Quantities stay quantities (an array with the
        setting's unit); plain numbers become float arrays, choices lists.
        ``names`` limits the result (default: every setting).
        """
        import numpy as np
        from brian2 import Quantity
        out = {}
        for name in names if names is not None else cls.all_settings():
            if conditions and name in conditions[0]:
                values = [c[name] for c in conditions]
            elif name in fixed:
                values = [fixed[name]] * len(conditions)
            else:
                continue
            if isinstance(values[0], Quantity):
                out[name] = same_unit_array(values, name)
            elif isinstance(values[0], str):
                out[name] = values
            else:
                out[name] = np.asarray(values, dtype=float)
        return out

    @classmethod
    def model_values(cls, conditions: Sequence[Mapping[str, Any]], fixed: Mapping[str, Any],
                     variables: Collection[str] | None = None) -> dict[str, Any]:
        """The model variables a batch sets: variable -> one value per condition.

        Every setting that declares a ``variable`` (``mg_o`` -> ``Mg_o``, a
        channel parameter -> itself) contributes; this is the one way a
        setting reaches a model. ``variables`` keeps only those a given model
        has (an experiment that drives two models, a neuron and a kidney
        cell, passes each model's variables).
        """
        settings = cls.all_settings()
        mapped = [name for name, s in settings.items()
                  if s.variable and (variables is None or s.variable in variables)]
        return {settings[name].variable: values
                for name, values in cls.batch_values(conditions, fixed, mapped).items()}

    @staticmethod
    def report():
        """The Brian2 ``report`` callable of the batch running now, or None.

        Call it in the runner, at run time (it changes from batch to batch),
        and pass it to the model's run (``clamp.run(env, report=self.report())``)
        or to ``Network.run(..., report=self.report(), report_period=1 * second)``:
        a terminal's progress bar then shows the batch's simulated time
        (:mod:`experiments.engine.progress`). None, Brian2's default, when
        nobody listens (CI, pipes).
        """
        from . import progress
        return progress.report()

    # -- to implement ---------------------------------------------------------
    def validate(self, values: Mapping[str, tuple]) -> None:
        """Check combinations of settings; raise :class:`UsageError` if invalid."""

    def build(self, n: int, fixed: Mapping[str, Any]) -> BatchRunner:
        """Build a simulation for ``n`` conditions; return its batch runner.

        ``fixed`` holds the single value of every setting that is not swept.
        Swept settings arrive with each condition. An experiment that declares
        its simulation (:meth:`simulation`) does not implement this: the
        engine builds it on the path of the ``path`` setting.
        """
        if type(self).simulation is not Experiment.simulation:
            from .compiled import runner
            return runner(self, n, fixed)
        raise NotImplementedError

    # -- or declare the simulation (experiments.engine.compiled) -------------
    def schedule(self, fixed: Mapping[str, Any]):
        """``(duration, dt)`` of one run, from the fixed settings."""
        raise NotImplementedError

    def simulation(self, n: int, fixed: Mapping[str, Any]):
        """The network for ``n`` conditions (:class:`~experiments.engine.compiled.Simulation`)."""
        raise NotImplementedError

    def inputs(self, conditions: Sequence[Mapping[str, Any]],
               fixed: Mapping[str, Any]) -> dict[str, Any]:
        """Every declared input's values for this batch (one per element of its variable)."""
        raise NotImplementedError

    def rows(self, conditions: Sequence[Mapping[str, Any]], fixed: Mapping[str, Any],
             outputs: Mapping[str, Any]) -> list[list[dict]]:
        """Result rows per condition from the outputs read after the run (SI arrays)."""
        raise NotImplementedError

    def plot(self, tables: Mapping[str, Table]):
        """Draw the figure from the result tables (``tables["main"]`` and side tables)."""
        raise NotImplementedError
