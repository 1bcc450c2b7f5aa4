"""The regular-spiking cortical pyramidal cell of Pospischil et al. (2008).

Pospischil et al. (2008, Biol Cybern 99:427-441, table 1 and eqs. 2-5) give minimal
Hodgkin-Huxley-type models of cortical cell classes. Their regular-spiking (RS) cell has the
Traub & Miles (1991) Na and delayed-rectifier K currents, shifted by the threshold parameter
``VT``, and the slow non-inactivating K (M) current of Yamada et al. (1989) for spike-frequency
adaptation:

* ``alpha_m = -0.32 (V - VT - 13) / (exp(-(V - VT - 13)/4) - 1)``,
  ``beta_m = 0.28 (V - VT - 40) / (exp((V - VT - 40)/5) - 1)``;
* ``alpha_h = 0.128 exp(-(V - VT - 17)/18)``, ``beta_h = 4 / (1 + exp(-(V - VT - 40)/5))``;
* ``alpha_n = -0.032 (V - VT - 15) / (exp(-(V - VT - 15)/5) - 1)``,
  ``beta_n = 0.5 exp(-(V - VT - 10)/40)`` (all in 1/ms, V in mV);
* ``p_inf = 1 / (1 + exp(-(V + 35)/10))``,
  ``tau_p = tau_max / (3.3 exp((V + 35)/20) + exp(-(V + 35)/20))``.

RS values: gNa 56, gKd 6, gM 0.075 mS/cm2, ENa 50, EK -90, VT -56.2 mV, tau_max 608 ms. The
rates are written with ``exprel`` so that the removable singularities evaluate exactly. The
leak is not part of this channel (insert ``pas``).
"""

from __future__ import annotations

from brian2.units import cm, ms, msiemens, mV

from .base import Channel, Current

__all__ = ["pospischil_rs"]

#: Na, Kd and M currents of the regular-spiking cell of Pospischil et al. (2008).
pospischil_rs = Channel(
    name="rs",
    equations="""
u = (v - VT)/mV : 1
alpha_m = 0.32*4/exprel((13 - u)/4)/ms : Hz
beta_m = 0.28*5/exprel((u - 40)/5)/ms : Hz
alpha_h = 0.128*exp((17 - u)/18)/ms : Hz
beta_h = 4/(1 + exp((40 - u)/5))/ms : Hz
alpha_n = 0.032*5/exprel((15 - u)/5)/ms : Hz
beta_n = 0.5*exp((10 - u)/40)/ms : Hz
um35 = v/mV + 35 : 1
p_inf = 1/(1 + exp(-um35/10)) : 1
tau_p = tau_max/(3.3*exp(um35/20) + exp(-um35/20)) : second
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
dp/dt = (p_inf - p)/tau_p : 1
""",
    currents=(
        Current("na", "gnabar*m**3*h", "ENa", ion="na"),
        Current("k", "gkbar*n**4", "EK", ion="k"),
        Current("m", "gmbar*p", "EK", ion="k"),
    ),
    parameters={
        "gnabar": 56 * msiemens / cm**2,
        "gkbar": 6 * msiemens / cm**2,
        "gmbar": 0.075 * msiemens / cm**2,
        "ENa": 50 * mV,
        "EK": -90 * mV,
        "VT": -56.2 * mV,
        "tau_max": 608 * ms,
    },
    densities=("gnabar", "gkbar", "gmbar"),
    initial={
        "m": "alpha_m/(alpha_m + beta_m)",
        "h": "alpha_h/(alpha_h + beta_h)",
        "n": "alpha_n/(alpha_n + beta_n)",
        "p": "p_inf",
    },
    method="exponential_euler",
    reference=(
        "Pospischil et al. (2008) Biol Cybern 99:427-441, regular-spiking cell: Traub & Miles "
        "(1991) Na/Kd kinetics with VT, M current after Yamada et al. (1989)"
    ),
)
