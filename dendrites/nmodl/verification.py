"""Every import checked against NEURON: :func:`verify`.

The original ``.mod`` file is compiled with NEURON's ``nrnivmodl`` (once, into a cache keyed by its
content: :mod:`dendrites.nmodl.compile`; its SUFFIX/POINT_PROCESS gets the suffix
``_<8 hex of the content hash>`` so it never clashes with a mechanism NEURON already has) and run
on one compartment (a 10 um x 10 um cylinder, ``nseg`` 1, no other mechanism); the imported
mechanism runs in the package on the same protocols:

* **voltage clamp** -- steps from a holding potential to each test potential and back, through
  NEURON's ``SEClamp`` with a series resistance of 1e-9 MOhm (the membrane follows the command to
  ~1e-9 mV). The package integrates the imported mechanism under *the potential NEURON recorded*
  (:func:`dendrites.vclamp.clamp_run`), so the comparison sees the mechanism only, not the
  clamp. NEURON advances the states of step ``n -> n+1`` with ``v(n+1)`` (its implicit scheme's
  staggering), so the package's step ``n`` gets NEURON's ``v[n+1]``. Every state, and every
  current computed from NEURON's states and potential, is compared.
* **events** (point processes) -- a train of events delivered through a ``NetCon`` with the
  given weight, under a clamp at the holding potential; states and the current are compared.
* **current clamp** (density mechanisms, ``current_clamp=True``) -- the whole package path: a
  one-compartment :class:`~dendrites.Cell` with the mechanism and a current step, simulated with
  :func:`dendrites.simulate` (a compiled build), against NEURON's ``IClamp``; the membrane
  potentials are compared (the two cable schemes are both first order; differences there are the
  time stepping's, reported, not held to the mechanism's tolerance).

Ion variables the mechanism reads take NEURON's values there (e.g. ``eca`` from NEURON's default
concentrations); a pool (``READ ica``) is driven by `partners`, other imported mechanisms inserted
beside it in NEURON, whose recorded ``ica`` drives the package's pool. Rate TABLEs are switched off
in NEURON (``usetable_<suffix> = 0``), as the import computes rates exactly.

The comparison's targets (issue #14): currents within 1e-6 relative of NEURON's largest value, or
1e-9 mA/cm2 (1e-9 nA for point processes) absolute.
"""

from __future__ import annotations

from brian2.units import ms, mV, nA, um, usiemens

from ..errors import ParameterError
from ..mechanisms.base import Receptor
from .neuron import renamed_text
from .result import Comparison, Verification

__all__ = ["Comparison", "Verification", "verify"]


def verify(
    imported,
    *,
    partners=(),
    holding=-65 * mV,
    steps=(-90 * mV, -40 * mV, -20 * mV, 0 * mV, 20 * mV),
    dt=0.025 * ms,
    celsius: float = 6.3,
    events=None,
    weight=0.005 * usiemens,
    current_clamp: bool = False,
    amplitude=0.1 * nA,
) -> Verification:
    """Run the original ``.mod`` in NEURON and the import in the package; compare.

    Parameters
    ----------
    imported : ModMechanism
        What :func:`dendrites.nmodl.load` returned.
    partners : sequence of ModMechanism
        Imported mechanisms inserted beside it in NEURON (e.g. the calcium channel that drives a
        pool); their currents drive it in the package as NEURON recorded them.
    holding, steps : brian2.Quantity
        Holding potential, and the test potentials of the voltage-clamp steps (10 ms at holding,
        20 ms at the test potential, 20 ms back at holding).
    dt : brian2.Quantity
        Time step of both.
    celsius : float
        Temperature (degC), NEURON's ``celsius`` and the imported mechanism's ``celsius``.
    events : sequence of Quantity, optional
        Event times for a point process (default 5 events every 7 ms from 5 ms).
    weight : brian2.Quantity
        Their weight.
    current_clamp : bool
        Also run the current-clamp protocol (a compiled package build).
    amplitude : brian2.Quantity
        Current-clamp amplitude (a 40 ms step from 5 ms).

    Returns
    -------
    Verification
    """
    from . import _verify_neuron as run

    point = isinstance(imported.mechanism, Receptor)
    result = Verification(name=imported.name, report=imported.report)
    texts = [renamed_text(imported)] + [renamed_text(p) for p in partners]
    if point:
        times = list(events) if events is not None else [(5 + 7 * k) * ms for k in range(5)]
        rec = run.neuron_events(imported, texts, holding, times, weight, dt, celsius)
        ours = run.package_clamp(imported, [rec], dt, celsius, events=times, weight=weight)
        run.compare(
            result, "events", imported, rec, {k: x if k == "t" else x[0] for k, x in ours.items()}
        )
    else:
        recs = [
            run.neuron_vclamp(imported, texts, partners, holding, vstep, dt, celsius)
            for vstep in steps
        ]
        if recs:  # all steps side by side in one package run
            ours = run.package_clamp(imported, recs, dt, celsius)
            for k, (vstep, rec) in enumerate(zip(steps, recs, strict=True)):
                row = {name: x if name == "t" else x[k] for name, x in ours.items()}
                run.compare(result, f"vclamp {float(vstep / mV):g} mV", imported, rec, row)
        if current_clamp:
            run.current_clamp(result, imported, texts, amplitude, dt, celsius)
    if imported.report.ignored:
        result.notes.append("TABLEs ignored: NEURON ran with usetable = 0 (exact rates)")
    if not result.comparisons:
        raise ParameterError("imported", "nothing to compare (no state and no current)")
    return result


_ = um  # geometry unit of the protocols (see _verify_neuron)
