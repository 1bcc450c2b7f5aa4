"""Hodgkin-Huxley sodium and potassium channels."""

from __future__ import annotations

from brian2.units import cm, msiemens, mV

from .base import Channel, Current, RateTable

__all__ = ["hh"]

# Rate functions of Hodgkin & Huxley (1952) J Physiol 117:500, eqs. 12-13 and 20-23, written with
# the modern sign convention (depolarisation positive) and relative to the resting potential `V0` of
# the original squid axon. x/(exp(x)-1) is written as 1/exprel(x) so that the removable
# singularities at v - V0 = 10 mV and 25 mV evaluate exactly. `phi` is the temperature factor
# 3**((T - 6.3 degC)/10).
_HH_EQUATIONS = """
u = (v - V0)/mV : 1
am = 1.0/exprel((25 - u)/10) : 1
bm = 4*exp(-u/18) : 1
ah = 0.07*exp(-u/20) : 1
bh = 1/(exp((30 - u)/10) + 1) : 1
an = 0.1/exprel((10 - u)/10) : 1
bn = 0.125*exp(-u/80) : 1
alpha_m = phi*am/ms : Hz
beta_m = phi*bm/ms : Hz
alpha_h = phi*ah/ms : Hz
beta_h = phi*bh/ms : Hz
alpha_n = phi*an/ms : Hz
beta_n = phi*bn/ms : Hz
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
"""

#: The six rate functions of ``u`` (in 1/ms at phi = 1), tabulated on request
#: (``Model(rate_tables=True)``) from -100 to 150 mV in 0.01 mV steps, looked up at the nearest
#: point: 100x finer than NEURON's default ``hh`` table (1 mV, linear interpolation).
HH_TABLE = RateTable("u", -100.0, 150.0, 0.01, ("am", "bm", "ah", "bh", "an", "bn"))

#: Hodgkin-Huxley Na and K channels, squid axon values at 6.3 degC: gNa 120 mS/cm2, gK 36 mS/cm2,
#: ENa = V0 + 115 mV, EK = V0 - 12 mV with V0 = -65 mV (Hodgkin & Huxley 1952; the values used by
#: Rallpack 3, Bhalla et al. 1992, use EK = -77 mV, ENa = +50 mV as here).
hh = Channel(
    name="hh",
    equations=_HH_EQUATIONS,
    currents=(
        Current("na", "gnabar*m**3*h", "ENa", ion="na"),
        Current("k", "gkbar*n**4", "EK", ion="k"),
    ),
    parameters={
        "gnabar": 120 * msiemens / cm**2,
        "gkbar": 36 * msiemens / cm**2,
        "ENa": 50 * mV,
        "EK": -77 * mV,
        "V0": -65 * mV,
        "phi": 1.0,
    },
    densities=("gnabar", "gkbar"),
    initial={
        "m": "alpha_m/(alpha_m + beta_m)",
        "h": "alpha_h/(alpha_h + beta_h)",
        "n": "alpha_n/(alpha_n + beta_n)",
    },
    method="exponential_euler",
    tables=HH_TABLE,
    reference=(
        "Hodgkin & Huxley (1952) J Physiol 117:500-544; Rallpack 3 values (Bhalla et al. 1992)"
    ),
)
