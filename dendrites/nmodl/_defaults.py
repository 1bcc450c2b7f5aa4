"""NEURON's defaults that an imported file relies on (NEURON 9: ``nrn/share/nrn/lib/hoc``,
the ions' ``*0_*_ion`` globals)."""

#: NEURON's ion defaults (nrn/share/lib/hoc and ``ion_style``): used for the ion variables a
#: file READs that no package mechanism writes.
NEURON_ION_DEFAULTS = {
    "ena": (50.0, "mV"),
    "ek": (-77.0, "mV"),
    "nai": (10.0, "mM"),
    "nao": (140.0, "mM"),
    "ki": (54.4, "mM"),
    "ko": (2.5, "mM"),
    "cao": (2.0, "mM"),
}
#: NEURON's default temperature (degC).
NEURON_CELSIUS = 6.3
#: NEURON's default intracellular calcium (``cai0_ca_ion``, mM).
NEURON_CAI0 = 5e-5
