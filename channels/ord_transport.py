r"""ORd's electrogenic transporters: the Na+/Ca2+ exchanger and the Na+/K+ pump.

Na+/Ca2+ exchanger (Supp, "INaCa"): Kang & Hilgemann's cycle, 80 % of the
exchangers facing the myoplasm (channel ``NCXi``, with ``Na_i`` and ``Ca_i``)
and 20 % the junctional subspace (``NCXss``, with ``Na_ss`` and ``Ca_ss``). With
:math:`h_{Ca} = e^{q_{Ca} FV/RT}`, :math:`h_{Na} = e^{q_{Na} FV/RT}` and the rate
constants :math:`k_1 \ldots k_8` of the supplement (built from the h's, the
concentrations and the binding constants :math:`k_{Na1,2,3}`, :math:`k_{asymm}`,
:math:`\omega_{Na}, \omega_{Ca}, \omega_{NaCa}`, :math:`k_{Ca,on}, k_{Ca,off}`),
the four-state cycle's King-Altman weights :math:`x_1 \ldots x_4` give

.. math::

    J_{Na} &= \frac{3 (x_4 k_7 - x_1 k_8) + x_3 k_4'' - x_2 k_3''}{\sum x}, \qquad
    J_{Ca} = \frac{x_2 k_2 - x_1 k_1}{\sum x} \\
    I_{NaCa} &= G_{NaCa}\, \frac{1}{1 + (K_{m,CaAct}/[Ca])^2}\, (J_{Na} + 2 J_{Ca})

(outward positive: 3 Na+ in for 1 Ca2+ out is inward). It reverses at
:math:`3E_{Na} - 2E_{Ca}`, about -70 mV at rest, and runs in reverse (Ca2+ in)
at the plateau.

Na+/K+ pump (Supp, "INaK"): Smith & Crampin's (2004) cycle with ORd's
parameters, :math:`I_{NaK} = P_{NaK} (J_{Na} + J_K)`, from the cycle's forward and
backward rates :math:`\alpha_{1..4}, \beta_{1..4}`; the voltage enters through
the Na+ dissociation constants :math:`K_{Nai} = K_{Nai}^0 e^{\delta FV/3RT}`,
:math:`K_{Nao} = K_{Nao}^0 e^{(1-\delta) FV/3RT}`. The pump's ATP binding uses
``MgATP_NaK`` and ``MgADP_NaK``, ORd's constants (9.8 and 0.05 mM, not measured in
the model's cells), settable so that a cell's Mg-ATP can change with its Mg.

References
----------
O'Hara T, Virag L, Varro A, Rudy Y (2011) PLoS Comput Biol 7:e1002061, Supp.
Kang TM, Hilgemann DW (2004) Multiple transport modes of the cardiac Na+/Ca2+
exchanger. Nature 427:544-548.
Smith NP, Crampin EJ (2004) Development of models of active ion transport for
whole-cell modelling: cardiac sodium-potassium pump as a case study. Prog
Biophys Mol Biol 85:387-405.
"""
from __future__ import annotations

from typing import ClassVar

from brian2 import mM, nA

from .base import AFFINITY_MM, Parameter
from .constants import F_OVER_R
from .ord_common import ORD, ORD_CURRENT_NA, ORdTransporterCurrent, ord_current

#: ORd's scalings of the transporters by cell type, relative to endo (Supp).
CELL_TYPE_SCALES = {"Gncx_NCXi": {"epi": 1.1, "mid": 1.4}, "Gncx_NCXss": {"epi": 1.1, "mid": 1.4},
                    "Pnak_NaK": {"epi": 0.9, "mid": 0.7}}

#: Allowed range of the pump's Mg-nucleotide concentrations (mM).
_NUCLEOTIDE_MM = dict(minimum=0.0, maximum=20.0,
                      bounds_reason="0 (none: the pump stops or loses its product inhibition) "
                                    "to 20 mM, twice the cell's total ATP")

#: F V / (R T) in the dimensionless symbols of a transporter (u = V/mV, tk = T/K).
_VFRT = f"(u * 1e-3 * {F_OVER_R!r} / tk)"

#: ORd's exchanger constants (Supp, INaCa; mM, 1/ms).
NCX_CONSTANTS = dict(kna1=15.0, kna2=5.0, kna3=88.12, kasymm=12.5, wna=6e4, wca=6e4, wnaca=5e3,
                     kcaon=1.5e6, kcaoff=5e3, qna=0.5224, qca=0.167)
#: Fraction of the exchangers facing the myoplasm (the rest face the subspace).
NCX_MYOPLASM_FRACTION = 0.8
#: ORd's Gncx (A/F, endo), shared by both compartments in proportion.
GNCX_A_PER_F = 0.0008


def _ncx_cycle() -> tuple[tuple[str, str], ...]:
    """The exchanger's cycle (Supp, INaCa) as ``derived`` pairs: na, ca the inside
    concentrations, nao, cao the outside ones (dimensionless, mM)."""
    c = {k: repr(v) for k, v in NCX_CONSTANTS.items()}
    return (
        ("hca", f"exp({c['qca']} * {_VFRT})"),
        ("hna", f"exp({c['qna']} * {_VFRT})"),
        ("h1", f"1 + na / {c['kna3']} * (1 + hna)"),
        ("h2", f"na * hna / ({c['kna3']} * h1)"),
        ("h3", "1 / h1"),
        ("h4", f"1 + na / {c['kna1']} * (1 + na / {c['kna2']})"),
        ("h5", f"na * na / (h4 * {c['kna1']} * {c['kna2']})"),
        ("h6", "1 / h4"),
        ("h7", f"1 + nao / {c['kna3']} * (1 + 1 / hna)"),
        ("h8", f"nao / ({c['kna3']} * hna * h7)"),
        ("h9", "1 / h7"),
        ("h10", f"{c['kasymm']} + 1 + nao / {c['kna1']} * (1 + nao / {c['kna2']})"),
        ("h11", f"nao * nao / (h10 * {c['kna1']} * {c['kna2']})"),
        ("h12", "1 / h10"),
        ("k1", f"h12 * cao * {c['kcaon']}"),
        ("k2", c["kcaoff"]),
        ("k3pp", f"h8 * {c['wnaca']}"),
        ("k3", f"h9 * {c['wca']} + k3pp"),
        ("k4pp", f"h2 * {c['wnaca']}"),
        ("k4", f"h3 * {c['wca']} / hca + k4pp"),
        ("k5", c["kcaoff"]),
        ("k6", f"h6 * ca * {c['kcaon']}"),
        ("k7", f"h5 * h2 * {c['wna']}"),
        ("k8", f"h8 * h11 * {c['wna']}"),
        ("x1", "k2 * k4 * (k7 + k6) + k5 * k7 * (k2 + k3)"),
        ("x2", "k1 * k7 * (k4 + k5) + k4 * k6 * (k1 + k8)"),
        ("x3", "k1 * k3 * (k7 + k6) + k8 * k6 * (k2 + k3)"),
        ("x4", "k2 * k8 * (k4 + k5) + k3 * k5 * (k1 + k8)"),
        ("sx", "x1 + x2 + x3 + x4"),
        ("JNa", "(3 * (x4 * k7 - x1 * k8) + x3 * k4pp - x2 * k3pp) / sx"),
        ("JCa", "(x2 * k2 - x1 * k1) / sx"),
        ("allo", "1 / (1 + (km / ca)**2)"),
    )


class _NaCaExchanger(ORdTransporterCurrent):
    """The exchanger of one compartment: ``compartment`` names its inside concentrations
    (``Na_<c>``, ``Ca_<c>``) and the suffix of its parameters."""

    compartment: ClassVar[str] = ""
    fraction: ClassVar[float] = 1.0
    derived = _ncx_cycle()
    opening = "allo * (JNa + 2 * JCa)"

    def __init_subclass__(cls, **kwargs):
        c, where = cls.compartment, {"i": "myoplasm", "ss": "subspace"}[cls.compartment]
        cls.uses = ("v", "T", f"Na_{c}", f"Ca_{c}", "Na_o", "Ca_o")
        cls.symbols = {"u": ("v", "mV"), "tk": ("T", "kelvin"), "na": (f"Na_{c}", "mM"),
                       "ca": (f"Ca_{c}", "mM"), "nao": ("Na_o", "mM"), "cao": ("Ca_o", "mM")}
        cls.parameter_symbols = {"km": (f"KmCaAct_{cls.name}", "mM")}
        cls.conductance = f"Gncx_{cls.name}"
        cls.parameters = (
            Parameter(f"Gncx_{cls.name}", ord_current(cls.fraction * GNCX_A_PER_F), nA,
                      f"current scale of the exchangers facing the {where} (endo)",
                      f"{ORD}, INaCa: Gncx = {GNCX_A_PER_F:g} A/F (endo; x1.1 epi, x1.4 mid), "
                      f"{cls.fraction:g} of it facing the {where}", **ORD_CURRENT_NA),
            Parameter(f"KmCaAct_{cls.name}", 150e-6 * mM, mM,
                      f"{where} Ca2+ of half-maximal allosteric activation of the exchanger",
                      f"{ORD}, INaCa: KmCaAct = 1.5e-4 mM", **AFFINITY_MM),
        )
        super().__init_subclass__(**kwargs)


class NCXi(_NaCaExchanger):
    """ORd's Na+/Ca2+ exchanger facing the myoplasm (80 %; Supp, INaCa_i): ``I_NCXi`` from
    ``v``, ``T``, ``Na_i``, ``Ca_i``, ``Na_o``, ``Ca_o``."""

    name = "NCXi"
    reference = ORD
    compartment = "i"
    fraction = NCX_MYOPLASM_FRACTION


class NCXss(_NaCaExchanger):
    """ORd's Na+/Ca2+ exchanger facing the junctional subspace (20 %; Supp, INaCa_ss):
    ``I_NCXss`` from ``v``, ``T``, ``Na_ss``, ``Ca_ss``, ``Na_o``, ``Ca_o``."""

    name = "NCXss"
    reference = ORD
    compartment = "ss"
    fraction = 1 - NCX_MYOPLASM_FRACTION


# -- INaK ------------------------------------------------------------------------------------

#: ORd's pump constants (Supp, INaK; rates 1/ms, dissociation constants mM).
NAK_CONSTANTS = dict(k1p=949.5, k1m=182.4, k2p=687.2, k2m=39.4, k3p=1899.0, k3m=79300.0,
                     k4p=639.0, k4m=40.0, Knai0=9.073, Knao0=27.78, delta=-0.155, Kki=0.5,
                     Kko=0.3582, Kmgatp=1.698e-7, H=1e-7, eP=4.2, Khp=1.698e-7, Knap=224.0,
                     Kxkur=292.0)


def _nak_cycle() -> tuple[tuple[str, str], ...]:
    """The pump's cycle (Supp, INaK) as ``derived`` pairs (nai, ki, nao, ko in mM; mgatp,
    mgadp the pump's Mg-ATP and Mg-ADP in mM)."""
    c = {k: repr(v) for k, v in NAK_CONSTANTS.items()}
    return (
        ("Knai", f"{c['Knai0']} * exp({c['delta']} * {_VFRT} / 3)"),
        ("Knao", f"{c['Knao0']} * exp((1 - {c['delta']}) * {_VFRT} / 3)"),
        ("P", f"{c['eP']} / (1 + {c['H']} / {c['Khp']} + nai / {c['Knap']} + ki / {c['Kxkur']})"),
        ("den_i", f"(1 + nai / Knai)**3 + (1 + ki / {c['Kki']})**2 - 1"),
        ("den_o", f"(1 + nao / Knao)**3 + (1 + ko / {c['Kko']})**2 - 1"),
        ("a1", f"{c['k1p']} * (nai / Knai)**3 / den_i"),
        ("b1", f"{c['k1m']} * mgadp"),
        ("a2", c["k2p"]),
        ("b2", f"{c['k2m']} * (nao / Knao)**3 / den_o"),
        ("a3", f"{c['k3p']} * (ko / {c['Kko']})**2 / den_o"),
        ("b3", f"{c['k3m']} * P * {c['H']} / (1 + mgatp / {c['Kmgatp']})"),
        ("a4", f"{c['k4p']} * mgatp / {c['Kmgatp']} / (1 + mgatp / {c['Kmgatp']})"),
        ("b4", f"{c['k4m']} * (ki / {c['Kki']})**2 / den_i"),
        ("x1", "a4 * a1 * a2 + b2 * b4 * b3 + a2 * b4 * b3 + b3 * a1 * a2"),
        ("x2", "b2 * b1 * b4 + a1 * a2 * a3 + a3 * b1 * b4 + a2 * a3 * b4"),
        ("x3", "a2 * a3 * a4 + b3 * b2 * b1 + b2 * b1 * a4 + a3 * a4 * b1"),
        ("x4", "b4 * b3 * b2 + a3 * a4 * a1 + b2 * a4 * a1 + b3 * b2 * a1"),
        ("sx", "x1 + x2 + x3 + x4"),
        ("JNa", "3 * (x1 * a3 - x2 * b3) / sx"),
        ("JK", "2 * (x4 * b1 - x3 * a1) / sx"),
    )


class NaK(ORdTransporterCurrent):
    """ORd's Na+/K+ pump (Supp, INaK): 3 Na+ out, 2 K+ in per ATP, outward.

    Notes
    -----
    Uses ``v``, ``T``, ``Na_i``, ``K_i``, ``Na_o``, ``K_o``; current ``I_NaK``. Its cycle
    runs backwards only far below any physiological potential (about -600 mV at
    ORd's Mg-ATP, Na_i 12 mM) (:meth:`reversal` finds the
    zero between -2000 and 2000 mV: with little Na+ outside it lies above 0).
    """

    name = "NaK"
    reference = ORD
    uses = ("v", "T", "Na_i", "K_i", "Na_o", "K_o")
    symbols = {"u": ("v", "mV"), "tk": ("T", "kelvin"), "nai": ("Na_i", "mM"), "ki": ("K_i", "mM"),
               "nao": ("Na_o", "mM"), "ko": ("K_o", "mM")}
    parameter_symbols = {"mgatp": ("MgATP_NaK", "mM"), "mgadp": ("MgADP_NaK", "mM")}
    derived = _nak_cycle()
    opening = "JNa + JK"
    conductance = "Pnak_NaK"
    reversal_bracket_mV = (-2000.0, 2000.0)
    parameters = (
        Parameter("Pnak_NaK", ord_current(30.0), nA, "current scale of the Na+/K+ pumps (endo)",
                  f"{ORD}, INaK: Pnak = 30 A/F (endo; x0.9 epi, x0.7 mid)", **ORD_CURRENT_NA),
        Parameter("MgATP_NaK", 9.8 * mM, mM, "Mg-ATP available to the pump",
                  f"{ORD}, INaK: MgATP = 9.8 mM (a model constant, not measured in human "
                  "ventricle)", uncertain=True, **_NUCLEOTIDE_MM),
        Parameter("MgADP_NaK", 0.05 * mM, mM, "Mg-ADP, product inhibitor of the pump cycle",
                  f"{ORD}, INaK: MgADP = 0.05 mM (a model constant)", uncertain=True,
                  **AFFINITY_MM),
    )
