: Three-state kinetic synapse written for the dendrites test-suite: an event adds conductance to
: the closed-bound state C, which opens (C -> O) and desensitises (O -> D) before unbinding.
NEURON {
    POINT_PROCESS KinSyn
    NONSPECIFIC_CURRENT i
    RANGE e, kco, koc, kod, kdo, kc
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    e = 0 (mV)
    kco = 2 (/ms)
    koc = 0.2 (/ms)
    kod = 0.1 (/ms)
    kdo = 0.01 (/ms)
    kc = 0.5 (/ms)
}

ASSIGNED { v (mV) i (nA) }

STATE { C (uS) O (uS) D (uS) }

INITIAL { C = 0 O = 0 D = 0 }

BREAKPOINT {
    SOLVE scheme METHOD sparse
    i = O*(v - e)
}

KINETIC scheme {
    ~ C <-> O (kco, koc)
    ~ O <-> D (kod, kdo)
    ~ C << (-kc*C)
}

NET_RECEIVE(weight (uS)) {
    C = C + weight
}
