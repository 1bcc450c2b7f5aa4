"""A kinetic NMDA receptor with kinetic Mg block, and an alpha-function AMPA receptor.

Kinetic NMDA receptor
---------------------
Ten states: the Mg-free states U (unbound), Cl (glutamate bound, closed), D1, D2 (desensitised),
O (open), and their Mg-bound twins UMg, ClMg, D1Mg, D2Mg, OMg. Gating follows Kampa, Clements,
Jonas & Stuart (2004, J Physiol 556:337-345); Mg binds and unbinds every state with first-order,
voltage-dependent rates (Vargas-Caballero & Robinson 2003, J Neurophysiol 89:2778; 2004,
J Neurosci 24:6171), so the block is not instantaneous: the receptor "remembers" the voltage of
the last tens of milliseconds. The scheme and every number are those of the public NEURON file
``NMDA_Mg_T.mod`` used by Branco, Clark & Häusser (2010, Science 329:1671)::

    U   <-> Cl   (Rb [Glu], Ru)        UMg  <-> ClMg (RbMg [Glu], RuMg)
    Cl  <-> O    (Ro, Rc)              ClMg <-> OMg  (RoMg, RcMg)
    Cl  <-> D1   (Rd1, Rr1)            ClMg <-> D1Mg (Rd1Mg, Rr1Mg)
    D1  <-> D2   (Rd2, Rr2)            D1Mg <-> D2Mg (Rd2Mg, Rr2Mg)
    O   <-> OMg  (rmb, rmu)            X <-> XMg for X in U, Cl, D1, D2 (rcb, rcu)

with the voltage dependence of a divalent blocker sensing 80 % of the field (valence -2,
``memb_fraction`` 0.8, 25 mV in the file)::

    rmb = Rmb [Mg] exp(-0.064 (v - 40 mV)/mV)     Rmb = 0.05 /mM/ms
    rmu = Rmu exp(0.016 (v - 40 mV)/mV)           Rmu = 12.8 /ms
    rcb = Rcb [Mg] exp(-0.064 (v - 40 mV)/mV)     Rcb = 5e-5 /mM/ms
    rcu = Rcu exp(0.016 (v - 40 mV)/mV)           Rcu = 0.06 /ms

(the file has four equal pairs ``Rmc1b/u``, ``Rmc2b/u``, ``Rmd1b/u``, ``Rmd2b/u`` for U, Cl, D1
and D2; here they are one pair). The conductance is ``g = w * O`` with ``w`` the synapse's weight
(NEURON's ``gmax``) and the reversal potential is +5 mV, as in the file (``Erev = 5 (mV)``).
Probability is conserved by construction: ``U`` is one minus the nine other states.

Transmitter: a presynaptic spike starts a square pulse of glutamate, ``C_max`` = 1 mM for
``T_dur`` = 1 ms (``t_release = t`` in ``on_pre``). The backend delivers spikes before the state
update of the same step, so the pulse acts from the spike's own step. The Synapses are integrated
with ``rk4``, whose inner stages sample times ``t + dt/2`` and ``t + dt``: the end condition
``t - t_release < T_dur - 0.25*dt`` puts the pulse's end between two stages instead of on one
(the brian2-notes' ``- 0.5*dt`` would fall exactly on the middle stages of the last step). The
last step then sees glutamate at three of its four stages, so the effective pulse is
``T_dur - dt/6`` (4 us short at dt 25 us); binding at 10 /ms saturates within the pulse, so this
changes the peak open probability by < 1e-4 (checked in ``tests/test_kinetic_nmda.py``).

Initial state: the steady state without glutamate at the synapse's potential, i.e. only U and
UMg occupied, ``UMg = rcb/(rcb + rcu)`` (89 % at -75 mV, time constant 11 ms; 40 ms at -40 mV).

Numerics: the open-state block rate rmb is 79 /ms at -75 mV and grows e-fold per 16 mV of
hyperpolarisation; ``rk4`` is stable while ``(rmb + rmu) dt < 2.78``: at dt = 25 us that holds
above about -80 mV. Use a smaller dt for cells that sit below -80 mV. Forward Euler is unstable.
The receptor declares this bound (:func:`nmda_kinetic_max_dt`, from the eigenvalues of the
scheme's rate matrix with and without glutamate): a model whose cell can reach potentials where
dt exceeds it is refused when it is built (:mod:`dendrites.plan`).

Alpha AMPA receptor
-------------------
``g(t) = w (t/tau) exp(1 - t/tau)`` after each spike (summed linearly), peak ``w`` at ``t = tau``,
tau 2 ms, reversal 0 mV: the AMPA synapse of Branco et al. (2010) ("alpha synapse, tau 2 ms,
0.5 nS"). Two linear states, integrated exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
from brian2.units import mM, ms, mV, second
from brian2.units.fundamentalunits import Quantity

from ..quantities import as_float
from .base import Receptor
from .stability import generator, max_stable_step

__all__ = [
    "KINETIC_NMDA_RATES",
    "ampa_alpha",
    "ampa_alpha_receptor",
    "nmda_kinetic",
    "nmda_kinetic_max_dt",
    "nmda_kinetic_rate_matrix",
    "nmda_kinetic_receptor",
]

_PER_MM_MS = 1 / (mM * ms)
_PER_MS = 1 / ms

#: Rate constants of ``NMDA_Mg_T.mod`` (Kampa et al. 2004 gating; Mg block after
#: Vargas-Caballero & Robinson 2003/2004), in the units of the file.
KINETIC_NMDA_RATES: dict[str, Quantity] = {
    # glutamate binding / unbinding, gating, desensitisation: Mg-free receptor
    "Rb": 10 * _PER_MM_MS,
    "Ru": 0.02016 * _PER_MS,
    "Ro": 0.0465 * _PER_MS,
    "Rc": 0.0916 * _PER_MS,
    "Rd1": 0.02266 * _PER_MS,
    "Rr1": 0.00736 * _PER_MS,
    "Rd2": 0.004429 * _PER_MS,
    "Rr2": 0.0023 * _PER_MS,
    # the same for the Mg-bound receptor
    "RbMg": 10 * _PER_MM_MS,
    "RuMg": 0.06156 * _PER_MS,
    "RoMg": 0.0465 * _PER_MS,
    "RcMg": 0.0916 * _PER_MS,
    "Rd1Mg": 0.02163 * _PER_MS,
    "Rr1Mg": 0.004002 * _PER_MS,
    "Rd2Mg": 0.002678 * _PER_MS,
    "Rr2Mg": 0.001932 * _PER_MS,
    # Mg block of the open state, and of the closed and desensitised states (at v = 40 mV)
    "Rmb": 0.05 * _PER_MM_MS,
    "Rmu": 12.8 * _PER_MS,
    "Rcb": 5e-5 * _PER_MM_MS,
    "Rcu": 0.06 * _PER_MS,
}

_KINETIC_EQUATIONS = """
glu = C_max*int(t >= t_release)*int(t - t_release < T_dur - 0.25*dt) : mM
vfac_b = exp(-0.064*(v_post - 40*mV)/mV) : 1
vfac_u = exp(0.016*(v_post - 40*mV)/mV) : 1
rmb = Rmb*Mg*vfac_b : 1/second
rmu = Rmu*vfac_u : 1/second
rcb = Rcb*Mg*vfac_b : 1/second
rcu = Rcu*vfac_u : 1/second
U = 1 - (Cl + O + D1 + D2 + UMg + ClMg + OMg + D1Mg + D2Mg) : 1
f_b = Rb*glu*U - Ru*Cl : 1/second
f_o = Ro*Cl - Rc*O : 1/second
f_d1 = Rd1*Cl - Rr1*D1 : 1/second
f_d2 = Rd2*D1 - Rr2*D2 : 1/second
f_bMg = RbMg*glu*UMg - RuMg*ClMg : 1/second
f_oMg = RoMg*ClMg - RcMg*OMg : 1/second
f_d1Mg = Rd1Mg*ClMg - Rr1Mg*D1Mg : 1/second
f_d2Mg = Rd2Mg*D1Mg - Rr2Mg*D2Mg : 1/second
f_mU = rcb*U - rcu*UMg : 1/second
f_mCl = rcb*Cl - rcu*ClMg : 1/second
f_mO = rmb*O - rmu*OMg : 1/second
f_mD1 = rcb*D1 - rcu*D1Mg : 1/second
f_mD2 = rcb*D2 - rcu*D2Mg : 1/second
dCl/dt = f_b - f_o - f_d1 - f_mCl : 1 (clock-driven)
dO/dt = f_o - f_mO : 1 (clock-driven)
dD1/dt = f_d1 - f_d2 - f_mD1 : 1 (clock-driven)
dD2/dt = f_d2 - f_mD2 : 1 (clock-driven)
dUMg/dt = f_mU - f_bMg : 1 (clock-driven)
dClMg/dt = f_bMg - f_oMg - f_d1Mg + f_mCl : 1 (clock-driven)
dOMg/dt = f_oMg + f_mO : 1 (clock-driven)
dD1Mg/dt = f_d1Mg - f_d2Mg + f_mD1 : 1 (clock-driven)
dD2Mg/dt = f_d2Mg + f_mD2 : 1 (clock-driven)
t_release : second
g = w*O : siemens
"""

#: The nine integrated states (U is one minus their sum).
KINETIC_STATES = ("Cl", "O", "D1", "D2", "UMg", "ClMg", "OMg", "D1Mg", "D2Mg")

_REFERENCE = (
    "Kinetic NMDA receptor of NMDA_Mg_T.mod (Branco, Clark & Häusser 2010, Science 329:1671): "
    "gating scheme of Kampa, Clements, Jonas & Stuart (2004) J Physiol 556:337-345, kinetic Mg "
    "block after Vargas-Caballero & Robinson (2003) J Neurophysiol 89:2778 and (2004) J Neurosci "
    "24:6171; 1 mM, 1 ms glutamate pulse per spike; Erev +5 mV as in the file"
)


def nmda_kinetic_receptor(
    name: str = "nmda_kinetic",
    mg: Quantity = 1 * mM,
    c_max: Quantity = 1 * mM,
    t_dur: Quantity = 1 * ms,
    reversal: Quantity = 5 * mV,
) -> Receptor:
    """The 10-state kinetic NMDA receptor of ``NMDA_Mg_T.mod`` (see the module docstring).

    Parameters
    ----------
    name : str
        Receptor name (``g_<name>``, ``I_<name>`` in the cell); variants used in one cell need
        distinct names.
    mg : brian2.Quantity
        Extracellular Mg concentration (per-synapse parameter ``Mg``).
    c_max, t_dur : brian2.Quantity
        Concentration and duration of the glutamate pulse started by each presynaptic spike.
    reversal : brian2.Quantity
        Reversal potential (+5 mV in the file).

    Returns
    -------
    Receptor
        ``g = w * O`` (``w``: the synapse's weight, the maximal conductance); ``block`` is "1"
        because the Mg block is in the states; integrated with ``rk4``.

    Examples
    --------
    >>> from brian2 import mM
    >>> nmda_kinetic_receptor(mg=0 * mM).parameters["Mg"]
    0. * mmolar
    """
    mg_mM = as_float(mg, mM, "mg", sign="nonnegative")
    c_mM = as_float(c_max, mM, "c_max", sign="nonnegative")
    dur_ms = as_float(t_dur, ms, "t_dur", sign="positive")
    as_float(reversal, mV, "reversal")
    parameters = {
        **KINETIC_NMDA_RATES,
        "Mg": mg_mM * mM,
        "C_max": c_mM * mM,
        "T_dur": dur_ms * ms,
    }
    initial = {state: "0" for state in KINETIC_STATES}
    # steady state without glutamate at the synapse's potential: only U and UMg are occupied
    initial["UMg"] = (
        "Rcb*Mg*exp(-0.064*(v_post - 40*mV)/mV)/(Rcb*Mg*exp(-0.064*(v_post - 40*mV)/mV) "
        "+ Rcu*exp(0.016*(v_post - 40*mV)/mV))"
    )
    initial["t_release"] = "-1*second"
    return Receptor(
        name=name,
        equations=_KINETIC_EQUATIONS,
        on_pre="t_release = t",
        parameters=parameters,
        reversal=reversal,
        block="1",
        initial=initial,
        method="rk4",
        reference=_REFERENCE,
        max_dt=nmda_kinetic_max_dt,
    )


#: All ten states, the conserved U first.
_ALL_STATES = ("U", *KINETIC_STATES)


def nmda_kinetic_rate_matrix(parameters: Mapping, v, glu) -> np.ndarray:
    """The scheme's rate matrix at membrane potential(s) `v` and glutamate concentration `glu`.

    Parameters
    ----------
    parameters : mapping of str -> Quantity
        The parameters of a receptor made by :func:`nmda_kinetic_receptor` (its
        ``parameters``), as quantities or floats in SI units.
    v, glu : brian2.Quantity
        Membrane potential(s) and glutamate concentration(s); arrays broadcast.

    Returns
    -------
    ndarray, shape (..., 10, 10)
        ``Q`` in 1/second over the states ``U, Cl, O, D1, D2, UMg, ClMg, OMg, D1Mg, D2Mg``
        (``dx/dt = Q x``; the equations integrate nine of them, ``U`` being one minus their sum,
        and their Jacobian has the nine non-zero eigenvalues of ``Q``).
    """
    p = {name: np.asarray(value, dtype=float) for name, value in parameters.items()}
    v_mV = np.asarray(v / mV, dtype=float)
    c = np.asarray(glu, dtype=float)  # mol/m3 = mM, as the binding rates (SI)
    bind = np.exp(-0.064 * (v_mV - 40.0))
    unbind = np.exp(0.016 * (v_mV - 40.0))
    rmb, rmu = p["Rmb"] * p["Mg"] * bind, p["Rmu"] * unbind
    rcb, rcu = p["Rcb"] * p["Mg"] * bind, p["Rcu"] * unbind
    return generator(
        _ALL_STATES,
        [
            ("U", "Cl", p["Rb"] * c, p["Ru"]),
            ("Cl", "O", p["Ro"], p["Rc"]),
            ("Cl", "D1", p["Rd1"], p["Rr1"]),
            ("D1", "D2", p["Rd2"], p["Rr2"]),
            ("UMg", "ClMg", p["RbMg"] * c, p["RuMg"]),
            ("ClMg", "OMg", p["RoMg"], p["RcMg"]),
            ("ClMg", "D1Mg", p["Rd1Mg"], p["Rr1Mg"]),
            ("D1Mg", "D2Mg", p["Rd2Mg"], p["Rr2Mg"]),
            ("O", "OMg", rmb, rmu),
            ("U", "UMg", rcb, rcu),
            ("Cl", "ClMg", rcb, rcu),
            ("D1", "D1Mg", rcb, rcu),
            ("D2", "D2Mg", rcb, rcu),
        ],
    )


def nmda_kinetic_max_dt(receptor: Receptor, v_min, v_max) -> Quantity:
    """Largest stable step of the receptor's method while v stays in ``[v_min, v_max]``.

    The rate matrix is evaluated every 0.5 mV (and at both ends) without glutamate and at the
    pulse's concentration ``C_max``; the bound is the smallest over them of the method's
    stability limit (:func:`~dendrites.mechanisms.stability.max_stable_step`). For the default
    parameters and ``rk4``: 34 us at -75 mV, 25 us at -80 mV, 7.1 us at -100 mV.
    """
    key = tuple(sorted((k, float(np.asarray(q))) for k, q in receptor.parameters.items()))
    return (
        _max_dt_seconds(key, receptor.method, float(np.asarray(v_min)), float(np.asarray(v_max)))
        * second
    )


@functools.lru_cache(maxsize=256)
def _max_dt_seconds(params: tuple, method: str, v_min: float, v_max: float) -> float:
    parameters = dict(params)  # SI floats
    n = max(2, int(np.ceil((v_max - v_min) / 0.5e-3)) + 1)
    v = np.linspace(v_min, v_max, n)[:, None] * 1e3 * mV
    glu = np.array([0.0, parameters["C_max"]])[None, :]
    eig = np.linalg.eigvals(nmda_kinetic_rate_matrix(parameters, v, glu))
    return max_stable_step(eig, method)


#: The kinetic NMDA receptor at 1 mM Mg.
nmda_kinetic = nmda_kinetic_receptor()


def ampa_alpha_receptor(
    name: str = "ampa_alpha", tau: Quantity = 2 * ms, reversal=0 * mV
) -> Receptor:
    """Alpha-function AMPA receptor, peak-normalised: each spike adds ``w (t/tau) exp(1 - t/tau)``.

    Parameters
    ----------
    name : str
        Receptor name.
    tau : brian2.Quantity
        Time to peak (and decay time constant), 2 ms in Branco et al. (2010).
    reversal : brian2.Quantity
        Reversal potential (0 mV).

    Returns
    -------
    Receptor
    """
    tau_ms = as_float(tau, ms, "tau", sign="positive")
    as_float(reversal, mV, "reversal")
    return Receptor(
        name=name,
        equations="""
dx_a/dt = -x_a/tau : siemens (clock-driven)
dy_a/dt = (x_a - y_a)/tau : siemens (clock-driven)
g = exp(1)*y_a : siemens
""",
        on_pre="x_a += w",
        parameters={"tau": tau_ms * ms},
        reversal=reversal,
        initial={"x_a": "0*siemens", "y_a": "0*siemens"},
        method="exact",
        reference="Alpha-function synapse, tau 2 ms, peak w at t = tau, reversal 0 mV, as the "
        "AMPA synapse of Branco, Clark & Häusser (2010) Science 329:1671",
    )


#: Alpha-function AMPA receptor, tau 2 ms.
ampa_alpha = ampa_alpha_receptor()
