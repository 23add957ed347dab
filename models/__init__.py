"""Models composed from channels: clamped cells, neurons, networks, epithelia.

:data:`MODELS` lists every model class by name; models are registered with
:func:`register` where they are defined.
"""
from __future__ import annotations

MODELS: dict[str, type] = {}


def register(cls):
    """Class decorator adding a model to :data:`MODELS`."""
    MODELS[cls.__name__] = cls
    return cls
