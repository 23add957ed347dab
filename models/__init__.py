"""Models composed from channels: clamped cells, neurons, networks, epithelia.

:data:`MODELS` lists every model class by name; models are registered with
:func:`register` where they are defined.

One way to build, for every model: constructing a model describes it (its
channels, parameter values and structural options) and builds no Brian2
object, so ``MODELS[name]().equations()`` prints any registered model's
equations without a simulation. The Brian2 models build their
``NeuronGroup`` on request, ``model.build_group(...)``
(:meth:`~models.neuron.PyramidalNeuron.build_group`,
:meth:`~models.principal_cell.PrincipalCell.build_group`,
:meth:`~models.network.EINetwork.build_group`); the whole-body balance
(:class:`~models.body.Body`) is integrated in numpy and has no group.
"""
from __future__ import annotations

MODELS: dict[str, type] = {}


def register(cls):
    """Class decorator adding a model to :data:`MODELS`."""
    MODELS[cls.__name__] = cls
    return cls
