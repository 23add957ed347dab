"""A length of collecting duct with luminal flow: luminal K+ and Na+ as outputs.

The tubule of length :math:`L` is cut into :math:`N` slabs, each a
principal-cell unit (:class:`PrincipalCell`) of length :math:`\\Delta x = L/N`
whose cells see the mean of the fluid entering and leaving the slab (the
midpoint rule: second order in :math:`\\Delta x`). Fluid
enters at flow :math:`Q` with composition :math:`[K]_{in}`, :math:`[Na]_{in}`
(what the distal convoluted tubule delivers); water transport is neglected
(the cortical collecting duct of a water-diuretic rat reabsorbs little). For
slab :math:`j`:

.. math::

    Q([K]_j - [K]_{j-1}) = \\Delta x\\, J_K(j), \\qquad
    Q([Na]_j - [Na]_{j-1}) = -\\Delta x\\, J_{Na}(j)

with :math:`J_K`, :math:`J_{Na}` the cell's secretion and absorption per mm
at the slab's mean luminal composition :math:`([K]_{j-1} + [K]_j)/2`, and the
cell at steady state. High flow
washes secreted K+ out and keeps luminal K+ near its inflow value; low flow
lets it rise until ROMK's driving force, and with it secretion, falls: the
flow dependence of distal K+ secretion (Khuri, Strieder & Giebisch 1975;
Malnic, Berliner & Giebisch 1989). The slabs are solved in order from the
inflow, each by batched Newton in five unknowns (the cell's three and the
logarithms of the slab's luminal K+ and Na+), started from the slab before; a slab across which
Newton fails (the lumen nearly runs out of Na+ within it) is solved as two
halves, up to eight times. The transepithelial
potential of each slab is set by its own shunt: no axial current flows along
the lumen (a cable of length constant well below the slab length would be
needed otherwise).

Outputs: the cell outputs of :meth:`PrincipalCell.outputs` averaged over the
slabs (fluxes per mm of the whole segment), the outflow composition
``k_lumen_out_mM`` and ``na_lumen_out_mM``, the length-averaged luminal K
``k_lumen_mean_mM``, and ``residual``, the largest relative imbalance of any
slab's cell or luminal balances.

References
----------
Khuri RN, Strieder WN, Giebisch G (1975) Effects of flow rate and potassium
intake on distal tubular potassium transfer. Am J Physiol 228:1249-1261.
Malnic G, Berliner RW, Giebisch G (1989) Flow dependence of K+ secretion in
cortical distal tubules of the rat. Am J Physiol 256:F932-F941.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from brian2 import Quantity

from channels.constants import FARADAY_C_PER_MOL

from . import register, steady_state
from .principal_cell import NEWTON_STEPS, NEWTON_TOLERANCE, STEADY_TOLERANCE, PrincipalCell

#: Default length (mm) of secreting cortical collecting duct in one rat nephron
#: (connecting tubule to the medullary border, about 2 mm).
SEGMENT_LENGTH_MM = 2.0
#: Default number of slabs (see the ``slab_length`` setting of the experiments for the error).
SEGMENT_SLABS = 10
#: Newton steps of the slab's ln luminal K+ and ln luminal Na+.
LUMEN_STEPS = np.array([1e-7, 1e-7])
#: How many times a slab whose Newton solve fails is halved (a lumen that runs out of Na+
#: within one slab needs a finer one there).
MAX_SPLITS = 8
#: Floor (mol/s per mm) of the scale of the luminal balances, 0.1 pmol/s per mm.
LUMEN_FLUX_FLOOR = 1e-13
#: Mean of these outputs over the slabs is the segment's value.
AVERAGED = ("j_k_pmol_min_mm", "j_na_pmol_min_mm", "j_pump_pmol_min_mm",
            "j_na_basolateral_pmol_min_mm", "v_apical_mV", "v_basolateral_mV", "v_te_mV",
            "na_c_mM", "k_c_mM", "cl_c_mM", "unblocked")


#: The segment's luminal balances (slab j = 1..N, j = 0 the inflow); each slab's
#: cells are a :class:`PrincipalCell` at steady state at the slab's mean composition.
EQUATIONS = """\
Q * (K_L[j] - K_L[j-1]) = dx * J_K(j) : mol/second
Q * (Na_L[j] - Na_L[j-1]) = -dx * J_Na(j) : mol/second
K_lumen(j) = (K_L[j-1] + K_L[j]) / 2 : mM
Na_lumen(j) = (Na_L[j-1] + Na_L[j]) / 2 : mM
dx = L / N : mm"""


@register
class CollectingDuct:
    """A segment of collecting duct: :class:`PrincipalCell` slabs in series along the flow.

    Parameters
    ----------
    cell : PrincipalCell, optional
        The cell of every slab.
    length_mm : float
        Length of the segment (mm).
    slabs : int
        Number of slabs.
    """

    def __init__(self, cell: PrincipalCell | None = None, length_mm: float = SEGMENT_LENGTH_MM,
                 slabs: int = SEGMENT_SLABS):
        if not length_mm > 0 or int(slabs) < 1:
            raise ValueError(f"CollectingDuct: length_mm={length_mm!r} must be > 0 and "
                             f"slabs={slabs!r} at least 1")
        self.cell = cell or PrincipalCell()
        self.length_mm, self.slabs = float(length_mm), int(slabs)

    def equations(self) -> str:
        """The luminal balances (:data:`EQUATIONS`) and the equations of the slabs' cells."""
        return (EQUATIONS + "\n\nEach slab's cells (steady state of):\n"
                + str(self.cell.equations()))

    def steady_state(self, flow_nl_min, per_unit: Mapping[str, Quantity] | None = None,
                     n: int | None = None) -> dict[str, np.ndarray]:
        """Steady state of ``n`` segments at inflow ``flow_nl_min`` (nl/min, > 0).

        ``per_unit`` as for :meth:`PrincipalCell.steady_state`; its
        ``Na_lumen`` and ``K_lumen`` are the inflow composition.
        """
        per_unit = dict(per_unit or {})
        n = n or max([np.size(v) for v in per_unit.values()] + [np.size(flow_nl_min), 1])
        p = self.cell.values_si(per_unit, n)
        flow = np.broadcast_to(np.asarray(flow_nl_min, float), (n,)) * 1e-12 / 60.0  # m3/s
        dx = self.length_mm / self.slabs
        k_in, na_in = p["K_lumen"].copy(), p["Na_lumen"].copy()
        cell_start = self.cell.steady_state(per_unit, n)["state"]
        slabs = []
        for _ in range(self.slabs):
            slab = self._solve_span(p, flow, dx, k_in, na_in, cell_start)
            slabs.append(slab)
            cell_start = slab["state"][:3]
            k_in, na_in = slab["k_lumen_mM"], slab["na_lumen_mM"]
        out = {key: np.mean([s[key] for s in slabs], axis=0) for key in AVERAGED}
        out["residual"] = np.max([s["residual"] for s in slabs], axis=0)
        out["converged"] = np.isfinite(out["residual"]) & (out["residual"] <= STEADY_TOLERANCE)
        out["k_lumen_out_mM"], out["na_lumen_out_mM"] = k_in, na_in
        out["k_lumen_mean_mM"] = np.mean([s["k_lumen_mid_mM"] for s in slabs], axis=0)
        out["k_lumen_profile_mM"] = np.array([s["k_lumen_mM"] for s in slabs])
        return out

    def _solve_span(self, p, flow, dx, k_in, na_in, cell_start, depth: int = 0) -> dict:
        """One slab; where Newton fails (the lumen changes too much across it), two halves.

        The halves are solved in turn (at most :data:`MAX_SPLITS` times halved)
        and the slab's outputs are their means, its outflow the second's.
        """
        slab = self._solve_slab(p, flow, dx, k_in, na_in, cell_start)
        if depth >= MAX_SPLITS or np.all(slab["residual"] <= STEADY_TOLERANCE):
            return slab
        first = self._solve_span(p, flow, dx / 2, k_in, na_in, cell_start, depth + 1)
        second = self._solve_span(p, flow, dx / 2, first["k_lumen_mM"], first["na_lumen_mM"],
                                  first["state"][:3], depth + 1)
        out = {key: 0.5 * (first[key] + second[key]) for key in AVERAGED + ("k_lumen_mid_mM",)}
        out["residual"] = np.maximum(first["residual"], second["residual"])
        for key in ("state", "k_lumen_mM", "na_lumen_mM"):
            out[key] = second[key]
        return out

    def _solve_slab(self, p, flow, dx, k_in, na_in, cell_start) -> dict[str, np.ndarray]:
        """One slab: cell balances and the slab's luminal K+ and Na+ balances.

        The unknowns are the cell's three and ln [K]_L, ln [Na]_L (so luminal
        concentrations stay positive however much the slab absorbs); each
        luminal balance is scaled by the slab's inflow of that ion (plus a
        floor), so the tolerance is relative at any flow.
        """
        cell = self.cell
        scale = np.array([flow * (k_in + 1.0) + dx * LUMEN_FLUX_FLOOR,
                          flow * (na_in + 1.0) + dx * LUMEN_FLUX_FLOOR])

        def lumen(x):
            return np.exp(x[3]), np.exp(x[4])

        def slab_fluxes(x):
            """The cells see the mean of the slab's inflow and outflow (second order in dx)."""
            k_out, na_out = lumen(x)
            return cell.fluxes(np.exp(x[0]), x[1], x[2], p, na_lumen=0.5 * (na_out + na_in),
                               k_lumen=0.5 * (k_out + k_in))

        def luminal(x, f):
            k_out, na_out = lumen(x)
            j_k = f["i_romk"] / FARADAY_C_PER_MOL
            j_na = -f["i_enac"] / FARADAY_C_PER_MOL
            return np.array([flow * (k_out - k_in) - dx * j_k, flow * (na_out - na_in) + dx * j_na])

        def residual(x):
            f = slab_fluxes(x)
            return np.concatenate([cell.balances(f), luminal(x, f) / scale])

        x0 = np.concatenate([cell_start, [np.log(k_in), np.log(na_in)]])
        solution = steady_state.solve(residual, x0, np.concatenate([NEWTON_STEPS, LUMEN_STEPS]),
                                      tolerance=NEWTON_TOLERANCE)
        x = solution.x
        f = slab_fluxes(x)
        out = cell.outputs(f)
        k_out, na_out = lumen(x)
        imbalance = np.abs(luminal(x, f)) / np.maximum(
            np.abs(flow * np.array([k_out, na_out]))
            + np.abs(np.array([f["i_romk"], f["i_enac"]])) / FARADAY_C_PER_MOL * dx, 1e-300)
        out["residual"] = np.maximum(out["residual"], np.max(imbalance, axis=0))
        out["state"], out["k_lumen_mM"], out["na_lumen_mM"] = x, k_out, na_out
        out["k_lumen_mid_mM"] = 0.5 * (k_out + k_in)
        return out
