"""The Rush-Larsen integrator: exponential steps for gates, forward Euler for the rest.

Cardiac cell models mix gates with time constants down to microseconds (the
fast Na channel's m gate: about 2 us at -100 mV) with concentrations and a
membrane potential that are not linear in themselves. Forward Euler would
need dt <= 0.002 ms for the gates; Brian2's ``exponential_euler`` integrates
every equation exponentially and so refuses the concentrations, which are
not linear in their own variable (the buffering factors). Rush & Larsen
(1978) split the two kinds: every equation of the form

.. math:: \\frac{dx}{dt} = A + B\\,x

with :math:`A` and :math:`B` independent of :math:`x` (a gate,
:math:`A = x_\\infty/\\tau`, :math:`B = -1/\\tau`) takes the exact step
of the linear equation with :math:`A, B` frozen over the step,

.. math:: x_{n+1} = (x_n + A/B)\\, e^{B\\,\\Delta t} - A/B,

and every other equation a forward-Euler step
:math:`x_{n+1} = x_n + \\Delta t\\, f(x_n)`. Both use the state at the
start of the step. The method is first-order accurate and, for the gates,
unconditionally stable; its global error in the action-potential duration is
first order in dt (Marsh, Ziaratgahi & Spiteri 2012).

An equation counts as a gate when its right-hand side, as written (its
subexpressions not substituted), is linear in its own variable and none of
the subexpressions it names depends on that variable (transitively). The
subexpressions keep their names in the generated code, where Brian2 computes
each one once per step, so the code of a model with hundreds of
subexpressions stays the size of its equations.

Register with ``import models.rush_larsen`` and use
``NeuronGroup(..., method="rush_larsen")``.

References
----------
Rush S, Larsen H (1978) A practical algorithm for solving dynamic membrane
equations. IEEE Trans Biomed Eng 25:389-392.
Marsh ME, Ziaratgahi ST, Spiteri RJ (2012) The secrets to the success of the
Rush-Larsen method and its generalizations. IEEE Trans Biomed Eng 59:2506-2515.
"""
from __future__ import annotations

import sympy as sp
from brian2 import Equations
from brian2.equations.equations import SUBEXPRESSION
from brian2.parsing.sympytools import str_to_sympy, sympy_to_str
from brian2.stateupdaters.base import (StateUpdateMethod, UnsupportedEquationsException,
                                       extract_method_options)


def dependents(equations: Equations, variable: str) -> set[str]:
    """The subexpressions of ``equations`` whose value depends on ``variable``, directly or
    through other subexpressions."""
    uses = {eq.varname: eq.identifiers for eq in equations.values() if eq.type == SUBEXPRESSION}
    found: set[str] = set()
    grew = True
    while grew:
        grew = False
        for name, identifiers in uses.items():
            if name not in found and (variable in identifiers or identifiers & found):
                found.add(name)
                grew = True
    return found


def linear_coefficients(expression: str, variable: str, variables=None):
    """``(B, A)`` with ``expression == A + B * variable`` (sympy), or None if it is not linear
    in ``variable`` (or does not contain it)."""
    x = sp.Symbol(variable, real=True)
    expr = str_to_sympy(expression, variables)
    if not expr.has(x):
        return None
    slope = sp.diff(expr, x)
    if slope.has(x):
        return None
    return slope, expr.subs(x, 0)


class RushLarsenStateUpdater(StateUpdateMethod):
    """Exponential (Rush-Larsen) steps for the gates, forward Euler for the rest (see the
    module docstring)."""

    def __call__(self, equations, variables=None, method_options=None):
        extract_method_options(method_options, {})
        if equations.is_stochastic:
            raise UnsupportedEquationsException("rush_larsen: stochastic equations are not "
                                                "supported")
        code, names = [], []
        dt = sp.Symbol("dt")
        for name, expression in equations.diff_eq_expressions:
            names.append(name)
            coefficients = None
            if not (expression.identifiers & dependents(equations, name)):
                coefficients = linear_coefficients(expression.code, name, variables)
            x = sp.Symbol(name, real=True)
            if coefficients is None or coefficients[0] == 0:
                update = x + dt * str_to_sympy(expression.code, variables)
            else:
                slope, offset = coefficients
                ratio = f"_AB_{name}"
                code.append(f"{ratio} = {sympy_to_str(offset / slope)}")
                s_ratio = sp.Symbol(ratio, real=True)
                update = (x + s_ratio) * sp.exp(slope * dt) - s_ratio
            code.append(f"_{name} = {sympy_to_str(update)}")
        code += [f"{name} = _{name}" for name in names]
        return "\n".join(code)

    __call__.__doc__ = StateUpdateMethod.__call__.__doc__


#: The registered instance (``method="rush_larsen"``).
rush_larsen = RushLarsenStateUpdater()
if "rush_larsen" not in StateUpdateMethod.stateupdaters:
    StateUpdateMethod.register("rush_larsen", rush_larsen)
