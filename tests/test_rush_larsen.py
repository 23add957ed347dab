"""The Rush-Larsen integrator (models/rush_larsen.py) against closed forms.

* A gate :math:`dx/dt = (x_\\infty - x)/\\tau` with constant :math:`x_\\infty, \\tau`
  is integrated exactly at any step: :math:`x(t) = x_\\infty + (x_0 - x_\\infty)e^{-t/\\tau}`
  to 1e-12, even with dt 100 times tau (where forward Euler diverges).
* An equation that is not linear in its own variable (a buffered concentration,
  :math:`dc/dt = -k c^2`) takes forward-Euler steps: after one step exactly
  :math:`c_0 - dt\\,k c_0^2`.
* Classification: an equation that names a subexpression depending on its own variable
  is not a gate, one whose subexpressions depend only on other variables is.
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Equations, Network, NeuronGroup, ms

from models.rush_larsen import dependents, rush_larsen

EQUATIONS = """
dx/dt = (x_inf - x) / tau : 1
x_inf = 1 / (1 + exp(-(u + 40) / 10)) : 1
u : 1 (constant)
tau : second (constant)
dc/dt = -k * c**2 : 1
k : 1/second (constant)
"""


def test_gate_is_exact_at_any_step():
    group = NeuronGroup(3, EQUATIONS, method="rush_larsen", dt=0.1 * ms, namespace={})
    group.u = [-80.0, -40.0, 0.0]
    group.tau = [0.001, 0.05, 2.0] * ms  # dt/tau up to 100
    group.x = 0.3
    Network(group).run(2 * ms, namespace={})
    x_inf = 1 / (1 + np.exp(-(np.array([-80.0, -40.0, 0.0]) + 40) / 10))
    expected = x_inf + (0.3 - x_inf) * np.exp(-2.0 / np.array([0.001, 0.05, 2.0]))
    np.testing.assert_allclose(group.x[:], expected, rtol=1e-12, atol=1e-14)


def test_nonlinear_equation_takes_an_euler_step():
    group = NeuronGroup(1, EQUATIONS, method="rush_larsen", dt=0.1 * ms, namespace={})
    group.k, group.c, group.tau = 50.0 / ms, 0.2, 1 * ms
    Network(group).run(0.1 * ms, namespace={})
    assert group.c[0] == pytest.approx(0.2 - 0.1 * 50.0 * 0.2 ** 2, rel=1e-12)


def test_gates_and_non_gates_are_told_apart():
    eqs = Equations("""
    dx/dt = (x_inf - x) / tau : 1
    x_inf = 1 / (1 + y) : 1
    dy/dt = -y * b / tau : 1
    b = 1 + y**2 : 1
    tau : second (constant)
    """)
    assert dependents(eqs, "y") == {"x_inf", "b"}
    lines = {line.split(" = ")[0]: line.split(" = ")[1] for line in rush_larsen(eqs).splitlines()}
    assert "exp(" in lines["_x"]  # x_inf depends on y only: an exponential step
    y_line = lines["_y"]
    assert "exp(" not in y_line and "dt" in y_line  # b depends on y: forward Euler
