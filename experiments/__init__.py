"""Experiments of hypomag and their registry.

Every top-level module of this package that defines an
:class:`~experiments.engine.Experiment` subclass with a ``name`` is an
experiment; its class declares everything about it (``order`` in
``hypomag list`` and ``run all``, settings, checks). The machinery lives in
two sub-packages that know no experiment: :mod:`experiments.engine` (the
framework, the sweep engine, storage, code generation, figure style,
protocols) and :mod:`experiments.validation` (``hypomag validate``).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

_REGISTRY: dict[str, type] = {}
#: Experiment modules that failed to import: module name -> one-line error.
BROKEN: dict[str, str] = {}


def experiment_modules() -> list[str]:
    """Names of the top-level experiment modules (not the engine or validation wings)."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__)
                  if not info.ispkg and not info.name.startswith("_") and info.name != "cli")


def _classes_of(module) -> list[type]:
    from .engine.framework import Experiment
    return [obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, Experiment) and obj.name and obj.__module__ == module.__name__]


def experiments() -> dict[str, type]:
    """All experiment classes by name, in their declared ``order`` (then by name).

    A module that fails to import is recorded in :data:`BROKEN` with its
    one-line error; every other experiment stays available.
    """
    if not _REGISTRY:
        found: dict[str, type] = {}
        for module_name in experiment_modules():
            try:
                module = importlib.import_module(f"{__name__}.{module_name}")
            except Exception as exc:  # a student's broken file must not take the others down
                BROKEN[module_name] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                continue
            for cls in _classes_of(module):
                found[cls.name] = cls
        for name in sorted(found, key=lambda n: (found[n].order, n)):
            _REGISTRY[name] = found[name]
    return _REGISTRY


def get_experiment(name: str) -> type:
    """The experiment class registered under ``name``."""
    from .engine.settings import UsageError
    found = experiments()
    if name not in found:
        broken = f" ({name}.py is broken: {BROKEN[name]})" if name in BROKEN else ""
        raise UsageError(f"unknown experiment {name!r}{broken}; allowed: {', '.join(found)}")
    return found[name]


def simulate(name: str, *, quick: bool = False, seed: int = 1, out=None, **settings):
    """Run experiment ``name`` from Python and return its tables; see
    :func:`experiments.engine.run.simulate` for the arguments."""
    from .engine.run import simulate as run_simulation
    return run_simulation(get_experiment(name), quick=quick, seed=seed, out=out, **settings)
