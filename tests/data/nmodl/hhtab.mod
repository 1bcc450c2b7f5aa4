: HH-type channel written for the dendrites test-suite
NEURON {
    SUFFIX hhtab
    USEION na READ ena WRITE ina
    USEION k READ ek WRITE ik
    NONSPECIFIC_CURRENT il
    RANGE gnabar, gkbar, gl, el
    GLOBAL minf, hinf, ninf, mtau, htau, ntau
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gnabar = 0.12 (S/cm2) <0,1e9>
    gkbar = 0.036 (S/cm2)
    gl = 0.0003 (S/cm2)
    el = -54.3 (mV)
}

STATE { m h n }

ASSIGNED {
    v (mV)
    celsius (degC)
    ena (mV)
    ek (mV)
    ina (mA/cm2)
    ik (mA/cm2)
    il (mA/cm2)
    minf hinf ninf
    mtau (ms) htau (ms) ntau (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ina = gnabar*m*m*m*h*(v - ena)
    ik = gkbar*n^4*(v - ek)
    il = gl*(v - el)
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
    n = ninf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m)/mtau
    h' = (hinf - h)/htau
    n' = (ninf - n)/ntau
}

PROCEDURE rates(v (mV)) {
    LOCAL a, b, q10
    TABLE minf, mtau, hinf, htau, ninf, ntau DEPEND celsius FROM -100 TO 100 WITH 200
    q10 = 3^((celsius - 6.3)/10)
    a = 0.1*trap(-(v + 40), 10)
    b = 4*exp(-(v + 65)/18)
    mtau = 1/(q10*(a + b))
    minf = a/(a + b)
    a = 0.07*exp(-(v + 65)/20)
    b = 1/(exp(-(v + 35)/10) + 1)
    htau = 1/(q10*(a + b))
    hinf = a/(a + b)
    a = 0.01*trap(-(v + 55), 10)
    b = 0.125*exp(-(v + 65)/80)
    ntau = 1/(q10*(a + b))
    ninf = a/(a + b)
}

FUNCTION trap(x, y) {
    : x/(exp(x/y) - 1), with its limit y*(1 - x/y/2) near x = 0
    if (fabs(x/y) < 1e-6) {
        trap = y*(1 - x/y/2)
    } else {
        trap = x/(exp(x/y) - 1)
    }
}
