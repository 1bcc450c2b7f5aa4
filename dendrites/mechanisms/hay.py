"""The channels, calcium pool and EPSP-shaped current of the Hay et al. (2011) L5b pyramidal cell.

Hay, Hill, Schürmann, Markram & Segev (2011) PLoS Comput Biol 7:e1002107, ModelDB 139653. The
kinetics are transcribed from the published mod files (read in the OpenSourceBrain mirror
``L5bPyrCellHayEtAl2011``, folder ``NEURON/mod``; no code copied), V in mV, rates in 1/ms:

* Temperature: the originals fix their rates to 34 degC with ``qt = 2.3**((34 - 21)/10)`` (2.953),
  which divides the time constants of NaTa_t, Nap_Et2, K_Pst, K_Tst, Ca_LVAst and Im (not those
  of Ca_HVA, SKv3_1, SK_E2 and Ih). ``qt`` is a parameter here (default that value).
* Removable singularities ``x/(1 - exp(-x/k))`` (NaTa_t at -38 and -66 mV, Nap_Et2 at -17 and
  -64.4, Ca_HVA at -27, Ih at -154.9 mV), which the originals step over by shifting v by
  1e-4 mV, are written with Brian2's ``exprel(x) = (exp(x) - 1)/x``: exact everywhere.
* Default densities are those of the mod files (1e-5 S/cm2); the values of the published model
  (``L5PCbiophys3.hoc``) are inserted per region by the cell (see ``../shared/hay2011.md``).
* Reversals: NaTa_t and Nap_Et2 ``ENa`` 50 mV, the K channels ``EK`` -85 mV, Ih ``Eh`` -45 mV
  (the values the model sets, as parameters of each channel); the calcium channels use ``eca``,
  which the pool :data:`cadynamics_e2` computes by Nernst from ``cai`` (at NEURON's default
  6.3 degC, which the original simulations never change, with cao 2 mM: 119.2 mV at rest).
* Ions (:mod:`dendrites.mechanisms.ions`): NaTa_t and Nap_Et2 carry na, the K channels k,
  Ca_HVA and Ca_LVAst ca (they *write* ``ica``); SK_E2 reads ``cai``; Ih is nonspecific.

The pool, CaDynamics_E2 (after Destexhe et al. 1994), is
``dcai/dt = -ica * gamma / (2 F depth) - (cai - minCai) / decay`` with ``ica`` outward positive
(NEURON's convention; the mod file's factor 10000 converts its units, SI needs none), and
starts at NEURON's ``cai0_ca_ion`` = 5e-5 mM (it relaxes to minCai 1e-4 mM with ``decay``).

The BAC protocol's dendritic EPSP-shaped current (``epsp.mod``, a point current) is an electrode
waveform here, :func:`epsp`.
"""

from __future__ import annotations

from brian2.units import cm, kelvin, mM, ms, mV, nA, siemens, um

from ..stimuli import EPSCWave
from .base import Channel, Current
from .ions import FARADAY, GAS_CONSTANT

__all__ = [
    "CELSIUS",
    "HAY_CHANNELS",
    "QT",
    "SK_E2",
    "CaDynamics_E2",
    "Ca_HVA",
    "Ca_LVAst",
    "Ih",
    "Im",
    "K_Pst",
    "K_Tst",
    "NaTa_t",
    "Nap_Et2",
    "SKv3_1",
    "epsp",
]

#: Temperature factor of the rates: q10 2.3 from 21 to 34 degC, as in the mod files.
QT = 2.3 ** ((34 - 21) / 10)
#: NEURON's default temperature (degC), which the Hay simulations keep: it enters only the
#: Nernst potential of calcium.
CELSIUS = 6.3

_REFERENCE = (
    "Hay et al. (2011) PLoS Comput Biol 7:e1002107, ModelDB 139653 ({mod}.mod); kinetics after "
    "{source}"
)
_GBAR = 1e-5 * siemens / cm**2  # the mod files' default density


def _gated(name, equations, *, ion, reversal, params, initial, source, reads=()) -> Channel:
    """A channel with one current of `ion` (``""``: nonspecific), the mod file's default
    density ``g<name>bar`` and the gate powers of :data:`_OPEN`."""
    g = f"g{name}bar"
    return Channel(
        name=name,
        equations=equations,
        currents=(Current(ion or "h", f"{g}*{_OPEN[name]}", reversal, ion=ion),),
        parameters={g: _GBAR, **params},
        densities=(g,),
        initial=initial,
        method="exponential_euler",
        reference=_REFERENCE.format(mod=name, source=source),
        reads=reads,
    )


#: Open fraction of each channel (gate powers of the mod files).
_OPEN = {
    "NaTa_t": "m**3*h",
    "Nap_Et2": "m**3*h",
    "K_Pst": "m**2*h",
    "K_Tst": "m**4*h",
    "SKv3_1": "m",
    "SK_E2": "z",
    "Ca_HVA": "m**2*h",
    "Ca_LVAst": "m**2*h",
    "Ih": "m",
    "Im": "m",
}

_GATES = """
dm/dt = (m_inf - m)/tau_m : 1
dh/dt = (h_inf - h)/tau_h : 1
"""
_GATE_M = """
dm/dt = (m_inf - m)/tau_m : 1
"""
_STEADY = {"m": "m_inf", "h": "h_inf"}

# Fast Na: Colbert & Pan (2002), as in NaTa_t.mod.
_NA_M_RATES = """
alpha_m = 0.182*6/exprel(-(v/mV + 38)/6)/ms : Hz
beta_m = 0.124*6/exprel((v/mV + 38)/6)/ms : Hz
"""

NaTa_t = _gated(
    "NaTa_t",
    _NA_M_RATES
    + """
alpha_h = 0.015*6/exprel((v/mV + 66)/6)/ms : Hz
beta_h = 0.015*6/exprel(-(v/mV + 66)/6)/ms : Hz
m_inf = alpha_m/(alpha_m + beta_m) : 1
tau_m = 1/(alpha_m + beta_m)/qt : second
h_inf = alpha_h/(alpha_h + beta_h) : 1
tau_h = 1/(alpha_h + beta_h)/qt : second
"""
    + _GATES,
    ion="na",
    reversal="ENa",
    params={"ENa": 50 * mV, "qt": QT},
    initial=_STEADY,
    source="Colbert & Pan (2002) Nat Neurosci 5:533",
)

Nap_Et2 = _gated(
    "Nap_Et2",
    _NA_M_RATES
    + """
m_inf = 1/(1 + exp(-(v/mV + 52.6)/4.6)) : 1
tau_m = 6/(alpha_m + beta_m)/qt : second
alpha_h = 2.88e-6*4.63/exprel((v/mV + 17)/4.63)/ms : Hz
beta_h = 6.94e-6*2.63/exprel(-(v/mV + 64.4)/2.63)/ms : Hz
h_inf = 1/(1 + exp((v/mV + 48.8)/10)) : 1
tau_h = 1/(alpha_h + beta_h)/qt : second
"""
    + _GATES,
    ion="na",
    reversal="ENa",
    params={"ENa": 50 * mV, "qt": QT},
    initial=_STEADY,
    source="Magistretti & Alonso (1999) J Gen Physiol 114:491 (tau_m 6x that of NaTa_t)",
)

# The K_Pst, K_Tst and Ca_LVAst kinetics are shifted by -10 mV (liquid junction potential):
# u = v + 10 mV.
K_Pst = _gated(
    "K_Pst",
    """
u = v/mV + 10 : 1
m_inf = 1/(1 + exp(-(u + 1)/12)) : 1
tau_m = (int(u < -50)*(1.25 + 175.03*exp(0.026*u)) + int(u >= -50)*(1.25 + 13*exp(-0.026*u)))*ms/qt : second
h_inf = 1/(1 + exp((u + 54)/11)) : 1
tau_h = (360 + (1010 + 24*(u + 55))*exp(-((u + 75)/48)**2))*ms/qt : second
"""  # noqa: E501
    + _GATES,
    ion="k",
    reversal="EK",
    params={"EK": -85 * mV, "qt": QT},
    initial=_STEADY,
    source="Korngreen & Sakmann (2000) J Physiol 525:621",
)

K_Tst = _gated(
    "K_Tst",
    """
u = v/mV + 10 : 1
m_inf = 1/(1 + exp(-u/19)) : 1
tau_m = (0.34 + 0.92*exp(-((u + 71)/59)**2))*ms/qt : second
h_inf = 1/(1 + exp((u + 66)/10)) : 1
tau_h = (8 + 49*exp(-((u + 73)/23)**2))*ms/qt : second
"""
    + _GATES,
    ion="k",
    reversal="EK",
    params={"EK": -85 * mV, "qt": QT},
    initial=_STEADY,
    source="Korngreen & Sakmann (2000) J Physiol 525:621",
)

SKv3_1 = _gated(
    "SKv3_1",
    """
m_inf = 1/(1 + exp(-(v/mV - 18.7)/9.7)) : 1
tau_m = 4*ms/(1 + exp(-(v/mV + 46.56)/44.14)) : second
"""
    + _GATE_M,
    ion="k",
    reversal="EK",
    params={"EK": -85 * mV},
    initial={"m": "m_inf"},
    source="Rettig et al. (1992) EMBO J 11:2473",
)

# SK: the mod file adds 1e-7 mM to a concentration below 1e-7 mM before the Hill function.
SK_E2 = _gated(
    "SK_E2",
    """
ca_sk = cai + 1e-7*mM*int(cai < 1e-7*mM) : mmolar
z_inf = 1/(1 + (0.00043*mM/ca_sk)**4.8) : 1
dz/dt = (z_inf - z)/zTau : 1
""",
    ion="k",
    reversal="EK",
    params={"EK": -85 * mV, "zTau": 1 * ms},
    initial={"z": "z_inf"},
    source="Kohler et al. (1996) Science 273:1709",
    reads=("cai",),
)

Ca_HVA = _gated(
    "Ca_HVA",
    """
alpha_m = 0.055*3.8/exprel((-27 - v/mV)/3.8)/ms : Hz
beta_m = 0.94*exp((-75 - v/mV)/17)/ms : Hz
alpha_h = 0.000457*exp((-13 - v/mV)/50)/ms : Hz
beta_h = 0.0065/(exp((-v/mV - 15)/28) + 1)/ms : Hz
m_inf = alpha_m/(alpha_m + beta_m) : 1
tau_m = 1/(alpha_m + beta_m) : second
h_inf = alpha_h/(alpha_h + beta_h) : 1
tau_h = 1/(alpha_h + beta_h) : second
"""
    + _GATES,
    ion="ca",
    reversal="eca",
    params={},
    initial=_STEADY,
    source="Reuveni et al. (1993) J Neurosci 13:4609",
    reads=("eca",),
)

Ca_LVAst = _gated(
    "Ca_LVAst",
    """
u = v/mV + 10 : 1
m_inf = 1/(1 + exp(-(u + 30)/6)) : 1
tau_m = (5 + 20/(1 + exp((u + 25)/5)))*ms/qt : second
h_inf = 1/(1 + exp((u + 80)/6.4)) : 1
tau_h = (20 + 50/(1 + exp((u + 40)/7)))*ms/qt : second
"""
    + _GATES,
    ion="ca",
    reversal="eca",
    params={"qt": QT},
    initial=_STEADY,
    source="Avery & Johnston (1996) J Neurosci 16:5567; tau from Randall & Tsien (1997)",
    reads=("eca",),
)

Ih = _gated(
    "Ih",
    """
alpha_m = 0.00643*11.9/exprel((v/mV + 154.9)/11.9)/ms : Hz
beta_m = 0.193*exp(v/mV/33.1)/ms : Hz
m_inf = alpha_m/(alpha_m + beta_m) : 1
tau_m = 1/(alpha_m + beta_m) : second
"""
    + _GATE_M,
    ion="",
    reversal="Eh",
    params={"Eh": -45 * mV},
    initial={"m": "m_inf"},
    source="Kole, Hallermann & Stuart (2006) J Neurosci 26:1677",
)

Im = _gated(
    "Im",
    """
alpha_m = 3.3e-3*exp(0.1*(v/mV + 35))/ms : Hz
beta_m = 3.3e-3*exp(-0.1*(v/mV + 35))/ms : Hz
m_inf = alpha_m/(alpha_m + beta_m) : 1
tau_m = 1/(alpha_m + beta_m)/qt : second
"""
    + _GATE_M,
    ion="k",
    reversal="EK",
    params={"EK": -85 * mV, "qt": QT},
    initial={"m": "m_inf"},
    source="Adams, Brown & Constanti (1982) J Physiol 330:537",
)

#: The submembrane calcium pool of the Hay model. ``ica`` is outward positive (A/m2), the
#: Nernst potential uses the pool's ``temperature`` (NEURON's default 6.3 degC) and ``cao``.
#: ``present`` (1 where inserted, 0 elsewhere) removes the calcium current's drive where the pool
#: is absent; cai there relaxes to minCai (nothing reads it: a reader of cai or eca must sit where
#: the pool is). The decay term stays outside ``present`` so that exponential Euler's linear
#: coefficient is never zero (a zero coefficient gives 0/0 = NaN in its update).
CaDynamics_E2 = Channel(
    name="CaDynamics_E2",
    equations=f"""
dcai/dt = -present*ica*gamma/(2*F*depth) - (cai - minCai)/decay : mmolar
F = {FARADAY!r}*coulomb/mole : coulomb/mole
R = {GAS_CONSTANT!r}*joule/mole/kelvin : joule/mole/kelvin
eca = R*temperature/(2*F)*log(cao/cai) : volt
""",
    currents=(),
    parameters={
        "gamma": 0.05,
        "decay": 80 * ms,
        "depth": 0.1 * um,
        "minCai": 1e-4 * mM,
        "cai0": 5e-5 * mM,
        "cao": 2 * mM,
        "temperature": (273.15 + CELSIUS) * kelvin,
        "present": 1.0,
    },
    densities=("present",),
    initial={"cai": "cai0"},
    method="exponential_euler",
    reference=(
        "Hay et al. (2011) PLoS Comput Biol 7:e1002107, ModelDB 139653 (CaDynamics_E2.mod), "
        "after Destexhe et al. (1994) J Comput Neurosci 1:195; cai0 5e-5 mM and cao 2 mM are "
        "NEURON's defaults (cai0_ca_ion, cao0_ca_ion), temperature NEURON's default 6.3 degC"
    ),
    reads=("ica",),
    writes=("cai", "eca"),
)

#: Every mechanism of this module, by name.
HAY_CHANNELS: dict[str, Channel] = {
    ch.name: ch
    for ch in (
        NaTa_t,
        Nap_Et2,
        K_Pst,
        K_Tst,
        SKv3_1,
        SK_E2,
        Ca_HVA,
        Ca_LVAst,
        Ih,
        Im,
        CaDynamics_E2,
    )
}


def epsp(amplitude=0.5 * nA, onset=300 * ms, tau0=0.5 * ms, tau1=5 * ms) -> EPSCWave:
    """The EPSP-shaped current of the BAC protocol (``epsp.mod``, Schaefer et al. 2003).

    ``epsp.mod`` is a point process whose nonspecific current (outward positive) is
    ``-imax * adjust * (exp(-s/tau1) - exp(-s/tau0))`` for ``s = t - onset >= 0``, with
    ``adjust`` normalising the bracket's peak to 1 (at ``tpeak = tau0 tau1 ln(tau0/tau1) /
    (tau0 - tau1)``): an injected (inward) current of peak `imax`. That is
    :class:`~dendrites.stimuli.EPSCWave` with ``tau_rise = tau0``, ``tau_decay = tau1``; use it
    with :meth:`~dendrites.cell.Cell.add_current_clamp`. Defaults: ``BAC_firing.hoc`` (imax
    0.5 nA, tau0 0.5 ms, tau1 5 ms, onset 295 + 5 ms, 5 ms after the somatic pulse).
    """
    return EPSCWave(amplitude, onset, tau_rise=tau0, tau_decay=tau1)
