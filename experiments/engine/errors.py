"""The error every bad user input raises (importable without Brian2).

A :class:`UsageError` is reported by the command line as one line on stderr,
``hypomag: error: ...``, naming the parameter, the value and what is
allowed, with exit status 2 and nothing written; from Python
(:func:`experiments.simulate`) it is raised with the same message.
"""
from __future__ import annotations


class UsageError(ValueError):
    """Bad user input: reported as one line on stderr with exit status 2."""
