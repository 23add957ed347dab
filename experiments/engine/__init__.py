"""The engine wing of ``experiments/``: everything an experiment runs on, and no experiment.

Import what you need in one line::

    from experiments.engine import Experiment, Setting, concentration, figure

=========================  ===================================================
module                     job
=========================  ===================================================
``framework``              :class:`Experiment`, the contract of an experiment
``settings``               :class:`Setting`, parsing of ``--set`` values
``table``                  :class:`Table`, tidy CSV written atomically
``plan``                   the grid of conditions and its batches
``batch``                  one batch in this process (compile once, rerun)
``backends``               serial, local processes, Dask
``storage``                finished batches on disk, resume
``sweep``                  :func:`execute`: a plan on a backend, merged tables
``run``                    one experiment end to end: CSV, JSON record, figure
``clamp``                  the voltage-clamp I–V protocol
``protocols``              Poisson drive, EPSP, volley threshold
``locking``                several runs sharing one output folder
``codegen``                the vectorizing Cython build
``compiled``               declared simulations, on the runtime or compiled
``standalone``             the compiled path: build cache, program runs
``style``                  the figure style
``parameters``             parameter tables as text and Markdown
``catalog``                the experiments' declarations, cached for the command line
``errors``                 :class:`UsageError` (importable without Brian2)
=========================  ===================================================

Names are loaded on first use, so importing this package costs nothing
until a name is used (the command line answers ``hypomag list`` without
importing Brian2).
"""
from __future__ import annotations

import importlib

#: Public name -> module of this package that defines it.
_EXPORTS = {
    "Experiment": "framework", "BatchRunner": "framework", "channel_settings": "framework",
    "Setting": "settings", "UsageError": "errors", "concentration": "settings",
    "temperature": "settings",
    "Table": "table", "MAIN": "table", "atomic_write_text": "table",
    "Plan": "plan", "make_plan": "plan",
    "configure_brian": "batch", "run_batch": "batch",
    "SerialBackend": "backends", "ProcessBackend": "backends", "DaskBackend": "dask_backend",
    "make_backend": "backends",
    "SweepError": "sweep", "execute": "sweep", "finish": "sweep",
    "resolve": "run", "prepare": "run", "simulate": "run", "replot": "run",
    "load_tables": "run",
    "PoissonDrive": "protocols", "EPSPMeasurement": "protocols", "VolleyThreshold": "protocols",
    "firing_rates": "protocols",
    "ClampIV": "clamp", "clamp_settings": "clamp",
    "figure": "style", "save_figure": "style", "shade_mg_ranges": "style",
    "Simulation": "compiled",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
