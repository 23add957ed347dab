"""Experiments of hypomag and their registry.

Every top-level module of this package that defines an
:class:`~experiments.engine.Experiment` subclass with a ``name`` is an
experiment; its class declares everything about it (``order`` in
``hypomag list`` and ``run all``, settings, checks). The machinery lives in
two sub-packages that know no experiment: :mod:`experiments.engine` (the
framework, the sweep engine, storage, code generation, figure style,
protocols) and :mod:`experiments.validation` (``hypomag validate``).

This module imports neither an experiment nor Brian2 until asked:
:func:`experiments` imports the experiment modules, :func:`catalog` reads
their declarations from a cache (:mod:`experiments.engine.catalog`), which is
how the command line lists them at once.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .engine.catalog import Catalog

_REGISTRY: dict[str, type] = {}
#: Experiment modules that failed to import: module name -> one-line error.
BROKEN: dict[str, str] = {}
_CATALOG = None


def experiment_modules() -> list[str]:
    """Names of the top-level experiment modules (not the engine or validation wings)."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__)
                  if not info.ispkg and not info.name.startswith("_") and info.name != "cli")


def _classes_of(module) -> list[type]:
    """The experiment classes defined in ``module`` (those with a ``name``)."""
    from .engine.framework import Experiment
    return [obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, Experiment) and obj.name and obj.__module__ == module.__name__]


def _load_classes(module_name: str) -> list[type]:
    """Import experiment module ``module_name``; return its experiment classes."""
    return _classes_of(importlib.import_module(f"{__name__}.{module_name}"))


def _source_roots() -> list[Path]:
    """The folders whose sources the experiments are made of: channels, models, experiments."""
    roots = []
    for package in ("channels", "models"):
        spec = importlib.util.find_spec(package)  # finds the package without importing it
        if spec is not None and spec.submodule_search_locations:
            roots.append(Path(list(spec.submodule_search_locations)[0]))
    return roots + [Path(__path__[0])]


def catalog(before_build: Callable[[], None] | None = None) -> Catalog:
    """The declarations of every experiment (:class:`experiments.engine.catalog.Catalog`).

    Read from the user cache without importing an experiment (nor Brian2) when
    the sources have not changed since it was built; otherwise built by
    importing the experiment modules once (``before_build`` is called first).
    In a process that has imported Brian2 already it is built in memory and
    the cache is left alone.
    """
    global _CATALOG
    if _CATALOG is None:
        from .engine.catalog import load_catalog
        _CATALOG = load_catalog(experiment_modules(), _load_classes, _source_roots(),
                                cached="brian2" not in sys.modules, before_build=before_build)
    return _CATALOG


def experiments() -> dict[str, type]:
    """All experiment classes by name, in their declared ``order`` (then by name).

    A module that fails to import is recorded in :data:`BROKEN` with its
    one-line error; every other experiment stays available.
    """
    if not _REGISTRY:
        found: dict[str, type] = {}
        for module_name in experiment_modules():
            try:
                classes = _load_classes(module_name)
            except Exception as exc:  # a student's broken file must not take the others down
                from .engine.catalog import error_line
                BROKEN[module_name] = error_line(exc, module_name)
                continue
            for cls in classes:
                if cls.name in found:
                    from .engine.catalog import duplicate_error
                    first = found[cls.name].__module__.rpartition(".")[2]
                    BROKEN[module_name] = duplicate_error(cls.name, first)
                    continue
                found[cls.name] = cls
        for name in sorted(found, key=lambda n: (found[n].order, n)):
            _REGISTRY[name] = found[name]
    return _REGISTRY


def get_experiment(name: str) -> type:
    """The experiment class registered under ``name``."""
    from .engine.errors import UsageError
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
