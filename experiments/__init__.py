"""Experiments of hypomag and their registry.

Every module in this package that defines an
:class:`~experiments.framework.Experiment` subclass with a ``name`` is
registered automatically; ``hypomag list`` shows them and ``hypomag run NAME``
runs one. Framework modules (settings, table, sweep, ...) define none.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

_FRAMEWORK = {"cli", "framework", "settings", "style", "sweep", "table", "run", "record"}
_REGISTRY: dict[str, type] = {}


def experiments() -> dict[str, type]:
    """All experiment classes by name, in a stable order."""
    if not _REGISTRY:
        from .framework import Experiment
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if info.name in _FRAMEWORK or info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{__name__}.{info.name}")
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, Experiment) and obj.name and obj.__module__ == module.__name__:
                    _REGISTRY[obj.name] = obj
        order = getattr(importlib.import_module(f"{__name__}.run"), "ORDER", ())
        ranked = sorted(_REGISTRY, key=lambda n: (order.index(n) if n in order else len(order), n))
        items = {n: _REGISTRY[n] for n in ranked}
        _REGISTRY.clear()
        _REGISTRY.update(items)
    return _REGISTRY


def get_experiment(name: str) -> type:
    """The experiment class registered under ``name``."""
    from .settings import UsageError
    found = experiments()
    if name not in found:
        raise UsageError(f"unknown experiment {name!r}; allowed: {', '.join(found)}")
    return found[name]
