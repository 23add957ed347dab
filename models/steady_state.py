"""Batched Newton solver for the steady states of many independent small systems.

A sweep of a tubule or cell model over conditions is ``n`` independent
systems of ``m`` equations each (``m`` a handful). :func:`solve` runs damped
Newton on all of them at once: the Jacobian of each system by forward
differences (``m`` extra evaluations of the whole batch), ``n`` small dense
solves in one ``numpy.linalg.solve`` call, and a backtracking line search on
the largest scaled residual so that each step makes progress.

Notes
-----
For :math:`r(x) = 0` with :math:`J_{ij} = \\partial r_i / \\partial x_j`, each
iteration solves :math:`J\\,\\Delta x = -r` and takes
:math:`x \\leftarrow x + \\lambda \\Delta x` with the largest
:math:`\\lambda \\in \\{1, 1/2, 1/4, \\dots\\}` that lowers
:math:`\\max_i |r_i|` (Armijo condition with constant :math:`10^{-4}`;
Dennis & Schnabel 1996, section 6.3). Systems that have converged stop moving,
and so do systems for which no step lowers the residual (round-off reached,
or no root nearby: the caller judges them by their residual).
A general root finder such as ``scipy.optimize.root`` solves one system; the
sweep's systems are independent, so one batched Newton over them is both
simpler and faster than a sparse solve of their union.

References
----------
Dennis JE, Schnabel RB (1996) Numerical Methods for Unconstrained
Optimization and Nonlinear Equations. SIAM, Philadelphia.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

#: Residual function: state (m, n) -> scaled residuals (m, n).
Residual = Callable[[np.ndarray], np.ndarray]


@dataclass
class Solution:
    """Result of :func:`solve`: the states, their largest scaled residuals, iterations used."""

    x: np.ndarray
    residual: np.ndarray
    iterations: int

    def converged(self, tolerance: float) -> np.ndarray:
        """True for each system whose largest scaled residual is at most ``tolerance``."""
        return np.isfinite(self.residual) & (self.residual <= tolerance)


def _jacobian(residual: Residual, x: np.ndarray, r: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Forward-difference Jacobians, shape (n, m, m)."""
    m, n = x.shape
    jac = np.empty((n, m, m))
    for j in range(m):
        shifted = x.copy()
        shifted[j] += steps[j]
        jac[:, :, j] = ((residual(shifted) - r) / steps[j][None, :]).T
    return jac


def _newton_step(jac: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Newton directions (m, n); a singular system gets no step (it keeps its state)."""
    n, m, _ = jac.shape
    step = np.zeros((m, n))
    ok = np.all(np.isfinite(jac), axis=(1, 2)) & np.all(np.isfinite(r), axis=0)
    ok &= np.abs(np.linalg.det(np.where(ok[:, None, None], jac, np.eye(m)))) > 0
    if ok.any():
        step[:, ok] = np.linalg.solve(jac[ok], -r[:, ok].T[..., None])[..., 0].T
    return step


def solve(residual: Residual, x0: np.ndarray, steps: np.ndarray, tolerance: float = 1e-12,
          max_iterations: int = 60, max_halvings: int = 30) -> Solution:
    """Damped Newton for ``n`` independent systems ``residual(x) = 0``.

    Parameters
    ----------
    residual : callable
        ``residual(x)`` with ``x`` of shape (m, n) returns residuals of shape
        (m, n), each scaled to order 1 so that one tolerance fits all.
    x0 : array, shape (m, n)
        Starting states.
    steps : array, shape (m,) or (m, n)
        Finite-difference step of each unknown.
    tolerance : float
        A system counts as solved when its largest |residual| is at most this.
    max_iterations, max_halvings : int
        Limits of the Newton iteration and of the line search per iteration.

    Returns
    -------
    Solution
        States, largest |residual| of each system, iterations used.
    """
    x = np.array(x0, dtype=float, copy=True)
    steps = np.broadcast_to(np.asarray(steps, float).reshape(len(x), -1), x.shape)
    r = residual(x)
    size = np.max(np.abs(r), axis=0)
    stalled = np.zeros(x.shape[1], bool)
    iteration = 0
    for iteration in range(1, max_iterations + 1):
        active = ~(size <= tolerance) & ~stalled
        if not active.any():
            break
        direction = _newton_step(_jacobian(residual, x, r, steps), r)
        direction[:, ~active] = 0.0
        scale = np.ones(x.shape[1])
        waiting = active.copy()
        for _ in range(max_halvings):
            trial = x + scale * direction
            r_trial = residual(trial)
            size_trial = np.max(np.abs(r_trial), axis=0)
            accept = waiting & (size_trial <= (1 - 1e-4 * scale) * size)
            x[:, accept], r[:, accept], size[accept] = trial[:, accept], r_trial[:, accept], \
                size_trial[accept]
            waiting &= ~accept
            if not waiting.any():
                break
            scale = np.where(waiting, scale / 2, scale)
        stalled |= waiting  # no step lowers its residual: at round-off, or no root nearby
    return Solution(x, size, iteration)
