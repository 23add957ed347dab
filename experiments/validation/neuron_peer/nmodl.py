"""NMODL sources of the NEURON peer, written from the papers, not from hypomag's code.

Six mechanisms (NEURON units: mV, ms, mA/cm2 for densities, nA and uS for
point processes; outward current positive). Their default values are
overwritten from the Brian2 model's parameter values
(:func:`~experiments.validation.neuron_peer.pyramidal.cell_values`); only
the equations are NEURON's own.

``NmdaOpenJS`` (:data:`NMDA_CLAMP_MOD`), point process
    NMDA receptors fully bound (open fraction ``s`` = 1) with the Jahr &
    Stevens (1990) Mg2+ block,

    .. math:: i = g_{max}\\, s\\, B(V)\\, (V - E), \\qquad
              B(V) = \\frac{1}{1 + [Mg]_o / K_{Mg}\\, e^{-\\gamma V}},

    ``gmax`` (uS; default 0.327 nS), ``erev`` E (mV, 0), ``mg`` [Mg]_o (mM),
    ``kmg`` K_Mg = 3.57 mM and ``gamma`` = 0.062 /mV (Jahr & Stevens 1990).
``naTM`` (:data:`NA_MOD`), density
    Traub-Miles fast Na+ current of Pospischil et al. (2008, Eqs. 2-4),
    :math:`i = \\bar g\\, m^3 h\\, (V - E_{Na})` with, at :math:`u = V - V_T`
    (mV, rates /ms),
    :math:`\\alpha_m = 0.32 (13 - u)/(e^{(13-u)/4} - 1)`,
    :math:`\\beta_m = 0.28 (u - 40)/(e^{(u-40)/5} - 1)`,
    :math:`\\alpha_h = 0.128\\, e^{(17-u)/18}`,
    :math:`\\beta_h = 4/(1 + e^{(40-u)/5})`.
``kTM`` (:data:`K_MOD`), density
    Traub-Miles delayed-rectifier K+ current (Pospischil et al. 2008, Eq. 5),
    :math:`i = \\bar g\\, n^4 (V - E_K)`,
    :math:`\\alpha_n = 0.032 (15 - u)/(e^{(15-u)/5} - 1)`,
    :math:`\\beta_n = 0.5\\, e^{(10-u)/40}`.
``mYKA`` (:data:`M_MOD`), density
    Slow M-type K+ current (Yamada, Koch & Adams 1989, as in Pospischil et
    al. 2008, Eqs. 6-7), :math:`i = \\bar g\\, p\\, (V - E_K)`,
    :math:`p_\\infty = 1/(1 + e^{-(u+35)/10})`,
    :math:`\\tau_p = \\tau_{max}/(3.3\\, e^{(u+35)/20} + e^{-(u+35)/20})`,
    :math:`u = V - V_{shift}`, :math:`\\tau_{max}` = 608 ms (RS cell).
``ExpCond`` (:data:`EXPSYN_MOD`), point process
    Single-exponential conductance synapse (AMPA, GABA_A):
    :math:`ds/dt = -s/\\tau`, :math:`s \\mathrel{+}= w` per event,
    :math:`i = g_{max}\\, s\\, (V - E)`.
``NmdaDualJS`` (:data:`NMDA_SYN_MOD`), point process
    NMDA synapse with linear dual-exponential gating normalised to a peak
    of 1 per unit event (:math:`dx/dt = -x/\\tau_r`,
    :math:`ds/dt = (N x - s)/\\tau_d`, :math:`x \\mathrel{+}= w` per event,
    N chosen so that one event peaks at s = 1 at
    :math:`t_{peak} = \\tau_r \\tau_d/(\\tau_d - \\tau_r) \\ln(\\tau_d/\\tau_r)`)
    and the Jahr-Stevens block above: :math:`i = g_{max}\\, s\\, B(V)\\, (V - E)`.

:data:`MOD_FILES` maps file names to these texts; the compiled library is
keyed by them (:func:`~experiments.validation.neuron_peer.mechanisms.mechanism_dir`),
so any edit here recompiles on next use.

References
----------
Jahr CE, Stevens CF (1990) Voltage dependence of NMDA-activated macroscopic
conductances predicted by single-channel kinetics. J Neurosci 10:3178-3182.
Pospischil M et al. (2008) Minimal Hodgkin-Huxley type models for different
classes of cortical and thalamic neurons. Biol Cybern 99:427-441.
Yamada WM, Koch C, Adams PR (1989) Multiple channels and calcium dynamics.
In: Koch C, Segev I (eds) Methods in Neuronal Modeling. MIT Press, 97-133.
"""
from __future__ import annotations

#: NMDA point process, receptors fully bound (s = 1 by default), Jahr-Stevens block.
NMDA_CLAMP_MOD = r"""
NEURON {
    POINT_PROCESS NmdaOpenJS
    NONSPECIFIC_CURRENT i
    RANGE gmax, erev, mg, kmg, gamma, s, B
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) (mM) = (milli/liter) }
PARAMETER {
    gmax = 0.000327 (uS)
    erev = 0 (mV)
    mg = 1 (mM)
    kmg = 3.57 (mM)
    gamma = 0.062 (/mV)
    s = 1
}
ASSIGNED { v (mV) i (nA) B }
BREAKPOINT {
    B = 1 / (1 + mg / kmg * exp(-gamma * v))
    i = gmax * s * B * (v - erev)
}
"""

#: Traub-Miles fast Na+ current (density), rates at u = v - vt.
NA_MOD = r"""
NEURON {
    SUFFIX naTM
    NONSPECIFIC_CURRENT i
    RANGE gbar, erev, vt
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gbar = 0.056 (S/cm2) erev = 50 (mV) vt = -56.2 (mV) }
ASSIGNED { v (mV) i (mA/cm2) am (/ms) bm (/ms) ah (/ms) bh (/ms) }
STATE { m h }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * m * m * m * h * (v - erev)
}
INITIAL { rates(v) m = am / (am + bm) h = ah / (ah + bh) }
DERIVATIVE states {
    rates(v)
    m' = am * (1 - m) - bm * m
    h' = ah * (1 - h) - bh * h
}
PROCEDURE rates(v (mV)) { LOCAL u
    UNITSOFF
    u = v - vt
    am = 0.32 * vtrap(13 - u, 4)
    bm = 0.28 * vtrap(u - 40, 5)
    ah = 0.128 * exp((17 - u) / 18)
    bh = 4 / (1 + exp((40 - u) / 5))
    UNITSON
}
FUNCTION vtrap(x, y) {
    if (fabs(x / y) < 1e-6) { vtrap = y * (1 - x / y / 2) } else { vtrap = x / (exp(x / y) - 1) }
}
"""

#: Traub-Miles delayed-rectifier K+ current (density).
K_MOD = r"""
NEURON {
    SUFFIX kTM
    NONSPECIFIC_CURRENT i
    RANGE gbar, erev, vt
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gbar = 0.006 (S/cm2) erev = -90 (mV) vt = -56.2 (mV) }
ASSIGNED { v (mV) i (mA/cm2) an (/ms) bn (/ms) }
STATE { n }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * n * n * n * n * (v - erev)
}
INITIAL { rates(v) n = an / (an + bn) }
DERIVATIVE states { rates(v) n' = an * (1 - n) - bn * n }
PROCEDURE rates(v (mV)) { LOCAL u
    UNITSOFF
    u = v - vt
    an = 0.032 * vtrap(15 - u, 5)
    bn = 0.5 * exp((10 - u) / 40)
    UNITSON
}
FUNCTION vtrap(x, y) {
    if (fabs(x / y) < 1e-6) { vtrap = y * (1 - x / y / 2) } else { vtrap = x / (exp(x / y) - 1) }
}
"""

#: Slow M-type K+ current (Yamada, Koch & Adams 1989 as in Pospischil 2008).
M_MOD = r"""
NEURON {
    SUFFIX mYKA
    NONSPECIFIC_CURRENT i
    RANGE gbar, erev, taumax, vshift
}
UNITS { (mA) = (milliamp) (mV) = (millivolt) (S) = (siemens) }
PARAMETER { gbar = 7.5e-5 (S/cm2) erev = -90 (mV) taumax = 608 (ms) vshift = 0 (mV) }
ASSIGNED { v (mV) i (mA/cm2) pinf taup (ms) }
STATE { p }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * p * (v - erev)
}
INITIAL { rates(v) p = pinf }
DERIVATIVE states { rates(v) p' = (pinf - p) / taup }
PROCEDURE rates(v (mV)) { LOCAL u
    UNITSOFF
    u = v - vshift
    pinf = 1 / (1 + exp(-(u + 35) / 10))
    taup = taumax / (3.3 * exp((u + 35) / 20) + exp(-(u + 35) / 20))
    UNITSON
}
"""

#: Single-exponential conductance synapse (AMPA, GABA_A): s += w per event.
EXPSYN_MOD = r"""
NEURON {
    POINT_PROCESS ExpCond
    NONSPECIFIC_CURRENT i
    RANGE gmax, erev, tau
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) }
PARAMETER { gmax = 0.0005 (uS) erev = 0 (mV) tau = 2 (ms) }
ASSIGNED { v (mV) i (nA) }
STATE { s }
INITIAL { s = 0 }
BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gmax * s * (v - erev)
}
DERIVATIVE states { s' = -s / tau }
NET_RECEIVE (w) { s = s + w }
"""

#: NMDA synapse: dual-exponential gating normalised to a peak of 1, Jahr-Stevens block.
NMDA_SYN_MOD = r"""
NEURON {
    POINT_PROCESS NmdaDualJS
    NONSPECIFIC_CURRENT i
    RANGE gmax, erev, mg, kmg, gamma, taur, taud, B
}
UNITS { (nA) = (nanoamp) (mV) = (millivolt) (uS) = (microsiemens) (mM) = (milli/liter) }
PARAMETER {
    gmax = 0.0005 (uS)
    erev = 0 (mV)
    mg = 1 (mM)
    kmg = 3.57 (mM)
    gamma = 0.062 (/mV)
    taur = 2 (ms)
    taud = 100 (ms)
}
ASSIGNED { v (mV) i (nA) B norm tpeak (ms) }
STATE { x s }
INITIAL {
    x = 0
    s = 0
    tpeak = taur * taud / (taud - taur) * log(taud / taur)
    norm = (taud - taur) / (taur * (exp(-tpeak / taud) - exp(-tpeak / taur)))
}
BREAKPOINT {
    SOLVE states METHOD cnexp
    B = 1 / (1 + mg / kmg * exp(-gamma * v))
    i = gmax * s * B * (v - erev)
}
DERIVATIVE states {
    x' = -x / taur
    s' = (norm * x - s) / taud
}
NET_RECEIVE (w) { x = x + w }
"""

MOD_FILES = {"nmda_open_js.mod": NMDA_CLAMP_MOD, "na_tm.mod": NA_MOD, "k_tm.mod": K_MOD,
             "m_yka.mod": M_MOD, "exp_cond.mod": EXPSYN_MOD, "nmda_dual_js.mod": NMDA_SYN_MOD}
