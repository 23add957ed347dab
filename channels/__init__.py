"""Channel models of hypomag, one module each, and their registry.

Every module in this package that defines a :class:`~channels.base.Channel`
subclass with a ``name`` is registered automatically: dropping a new file here
is enough for ``hypomag channels`` and the conformance tests to see it.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

from .base import ENVIRONMENT, Channel, Parameter


def _discover() -> dict[str, type[Channel]]:
    found: dict[str, type[Channel]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Channel) and obj.name and obj.__module__ == module.__name__:
                found[obj.name] = obj
    return found


#: All channels by name (the suffix of their variables).
CHANNELS: dict[str, type[Channel]] = _discover()


def get_channel(name: str) -> type[Channel]:
    """The channel class registered under ``name``."""
    try:
        return CHANNELS[name]
    except KeyError:
        raise KeyError(f"unknown channel {name!r}; known: {', '.join(CHANNELS)}") from None


__all__ = ["CHANNELS", "ENVIRONMENT", "Channel", "Parameter", "get_channel"]
