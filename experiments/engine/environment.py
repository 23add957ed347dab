"""The environment variables hypomag reads, each declared once with what it allows.

Every ``HYPOMAG_*`` variable is declared here: its meaning, its allowed
values and its default. :func:`check_environment` runs at the start of every
command (and of :func:`experiments.simulate`), before anything is simulated
or written: a value outside what is allowed is one line naming the variable,
the value and the allowed values (exit status 2), instead of being ignored,
taken for its default or failing deep inside a batch. The code reads the
variables through :func:`setting` and :func:`flag` only. Importing this
module does not import Brian2.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import UsageError, shown_value
from .folders import folder_problem

#: Spellings of a true and a false flag (case-insensitive).
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, meaning, allowed values and default.

    ``allowed`` is a tuple of the allowed values (compared case-insensitively
    for flags), or None for a free value such as a folder, which
    :meth:`check` tests instead.
    """

    name: str
    meaning: str
    default: str | None
    allowed: tuple[str, ...] | None = None
    folder: bool = False

    def check(self, value: str) -> None:
        """Raise :class:`UsageError` if ``value`` is not allowed."""
        shown = f"{self.name}={shown_value(value)}"
        if self.allowed is not None and value.strip().lower() not in self.allowed:
            raise UsageError(f"{shown}: allowed: {', '.join(self.allowed)}")
        if self.folder:
            problem = folder_problem(value)
            if problem:
                raise UsageError(f"{shown}: {problem}; allowed: a folder path in which files "
                                 "can be created")


VARIABLES = {v.name: v for v in (
    Variable("HYPOMAG_TARGET", "Brian2 code generation target of the simulations",
             "cython", ("cython", "numpy")),
    Variable("HYPOMAG_VECTORIZE", "compile Brian2's Cython loops so that they vectorize "
             "(experiments/engine/codegen.py)", "1", TRUE + FALSE),
    Variable("HYPOMAG_START_METHOD", "how --workers and the parallel compilation start their "
             "processes (default: fork on Linux, else spawn)", None, ("fork", "spawn")),
    Variable("HYPOMAG_CYTHON_CACHE", "folder of Brian2's compiled Cython modules (default: "
             "Brian2's own)", None, folder=True),
    Variable("HYPOMAG_BUILD_CACHE", "folder of the compiled standalone simulations (default: "
             "$XDG_CACHE_HOME/hypomag/standalone, experiments/engine/standalone.py)", None,
             folder=True),
    Variable("HYPOMAG_DEBUG", "print the full traceback of a failure", "0", TRUE + FALSE),
)}


def check_environment(environ=None) -> None:
    """Check every set ``HYPOMAG_*`` variable; an unknown one is an error too."""
    environ = os.environ if environ is None else environ
    for name, value in environ.items():
        if not name.startswith("HYPOMAG_"):
            continue
        if name not in VARIABLES:
            raise UsageError(f"{name}={shown_value(value)}: not a variable of hypomag; "
                             f"allowed: {', '.join(VARIABLES)}")
        VARIABLES[name].check(value)


def setting(name: str) -> str | None:
    """The value of a declared variable (checked), or its default."""
    variable = VARIABLES[name]
    value = os.environ.get(name)
    if value is None:
        return variable.default
    variable.check(value)
    return value.strip().lower() if variable.allowed is not None else value


def flag(name: str) -> bool:
    """A declared true/false variable."""
    return setting(name) in TRUE
