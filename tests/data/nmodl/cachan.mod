: High-voltage-activated calcium channel written for the dendrites test-suite (m^2 h gating)
NEURON {
    SUFFIX cachan
    USEION ca READ eca WRITE ica
    RANGE gbar
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.001 (S/cm2)
    vh = -20 (mV)
    k = 6 (mV)
    tm = 1 (ms)
    th = 50 (ms)
}

ASSIGNED { v (mV) eca (mV) ica (mA/cm2) }

STATE { m h }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ica = gbar*m*m*h*(v - eca)
}

INITIAL {
    m = 1/(1 + exp(-(v - vh)/k))
    h = 1/(1 + exp((v + 40)/7))
}

DERIVATIVE states {
    m' = (1/(1 + exp(-(v - vh)/k)) - m)/tm
    h' = (1/(1 + exp((v + 40)/7)) - h)/th
}
