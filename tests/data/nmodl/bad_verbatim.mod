: A file the importer must refuse: C code inside VERBATIM
NEURON {
    SUFFIX badverb
    NONSPECIFIC_CURRENT i
    RANGE g
}

PARAMETER { g = 0.001 (S/cm2) }

ASSIGNED { v (mV) i (mA/cm2) }

BREAKPOINT {
VERBATIM
    i = g*v;
ENDVERBATIM
}
