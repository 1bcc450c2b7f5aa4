"""The study kit: the scaffolding that the study scripts in ``studies/`` share.

==========================  ====================================================================
:func:`cached_base`         decorator: a study's base cells (without synapses) built once per
                            process and parameter set; every call hands out fresh copies
:func:`passive_cell`        a passive cell from a morphology, with the spine correction of the
                            dendrites (more capacitance, more leak) that several studies use
:class:`SharedProgress`     one progress bar over the several sweeps (or other stages) of a study
:func:`run_sweeps`          run several sweeps, reporting them as one total
:func:`spike_times`         the package's one spike detector (from :mod:`dendrites.analysis`)
==========================  ====================================================================

Sweep workers load a study script by its path and call its ``make_cell`` functions; a study
builds its base cell in a function decorated with :func:`cached_base`, so that each worker builds
it once, not at every point::

    @cached_base
    def _base(params: dict) -> tuple[Cell, Cell]:
        cell = passive_cell(morph, Rm_ohm_cm2=1e4, Ri_ohm_cm=150, Cm_uF_cm2=1, E_mV=-70)
        return cell, point_neuron(cell)

    def make_cell(params: dict, weight: float) -> Cell:
        cell, _point = _base(params)          # copies: add synapses freely
        cell.add_synapses(...)
        return cell
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence

from .analysis import spike_times
from .errors import ParameterError

__all__ = [
    "DENDRITE_REGIONS",
    "SharedProgress",
    "cached_base",
    "passive_cell",
    "run_sweeps",
    "spike_times",
]

#: The dendritic regions of the package's morphologies (:func:`dendrites.morphology.pyramidal`,
#: SWC files): where :func:`passive_cell` applies the spine correction by default.
DENDRITE_REGIONS = ("basal", "apical", "oblique", "tuft")


# ------------------------------------------------------------------------------- base cells
def _copied(value):
    from .cell import Cell

    if isinstance(value, Cell):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(v.copy() if isinstance(v, Cell) else v for v in value)
    return value


def cached_base(build: Callable | None = None, *, maxsize: int = 2) -> Callable:
    """Decorator: build a study's base cells once per process and parameter set.

    The decorated function takes one JSON-serialisable dict (the study's parameters, or the part
    of them the cell depends on) and returns a :class:`~dendrites.Cell`, or a tuple whose items
    may be cells (e.g. the cell, its synapse sites and its point neuron). The result is cached by
    the parameters' JSON text (sorted keys), so equal dicts share one build; `build` receives the
    parameters after a JSON round trip (tuples become lists), as :func:`dendrites.sweep.run_sweep`
    hands them to a worker.

    Every call returns fresh copies of the cells (:meth:`Cell.copy`), so callers may add
    synapses and electrodes to them; the other items of a tuple (site lists, arrays, numbers) are
    shared between calls and must not be modified.

    Parameters
    ----------
    build : callable
        ``build(params: dict) -> Cell | tuple``.
    maxsize : int
        Parameter sets kept per process (least recently used dropped first).

    Returns
    -------
    callable
        ``cached(params: dict)``, with ``cached.cache_clear()`` and ``cached.build`` (the
        undecorated function).

    Examples
    --------
    >>> @cached_base
    ... def _base(params):
    ...     return (passive_cell(morph, **params), "site list")     # doctest: +SKIP
    >>> cell, sites = _base({"Rm_ohm_cm2": 1e4, ...})                # doctest: +SKIP
    """
    if build is None:
        return functools.partial(cached_base, maxsize=maxsize)
    if maxsize < 1:
        raise ParameterError("maxsize", f"must be >= 1, got {maxsize}")

    @functools.lru_cache(maxsize=maxsize)
    def _built(params_json: str):
        return build(json.loads(params_json))

    @functools.wraps(build)
    def cached(params: dict):
        if not isinstance(params, dict):
            raise ParameterError("params", f"must be a dict, got {type(params).__name__}")
        try:
            text = json.dumps(params, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ParameterError("params", f"must be plain JSON ({exc})") from None
        return _copied(_built(text))

    cached.cache_clear = _built.cache_clear
    cached.build = build
    return cached


# ------------------------------------------------------------------------------ passive cell
def passive_cell(
    morphology,
    *,
    Rm_ohm_cm2: float,
    Ri_ohm_cm: float,
    Cm_uF_cm2: float,
    E_mV: float,
    dendrite_cm_factor: float = 1.0,
    dendrite_leak_factor: float = 1.0,
    dendrites: Sequence[str] = DENDRITE_REGIONS,
):
    """A passive cell: uniform membrane, optionally corrected for spines in the dendrites.

    Numbers are plain floats in the units their names state, as in a study's JSON parameters;
    they are turned into quantities here exactly as the studies did before this kit existed, so
    results do not change by a bit.

    Parameters
    ----------
    morphology : dendrites.morphology.Morphology
        A compartmentalised morphology.
    Rm_ohm_cm2 : float
        Specific membrane resistance (ohm cm2): leak conductance ``1/Rm`` everywhere.
    Ri_ohm_cm : float
        Axial resistivity (ohm cm).
    Cm_uF_cm2 : float
        Specific membrane capacitance (uF/cm2).
    E_mV : float
        Leak reversal potential and initial membrane potential (mV).
    dendrite_cm_factor, dendrite_leak_factor : float
        Capacitance and leak conductance in `dendrites` multiplied by these (spines add membrane
        area: Branco et al. 2010 double both; a factor of 1 leaves the membrane as it is).
    dendrites : sequence of str
        Regions the factors apply to; regions the morphology lacks (an SWC cell without basal
        dendrites) are skipped.

    Returns
    -------
    dendrites.Cell
        With the channel ``pas`` everywhere; no synapses or electrodes.

    Raises
    ------
    ParameterError
        A non-positive resistance, capacitance or factor.

    Examples
    --------
    >>> import numpy as np
    >>> from brian2 import cm, ohm, uF, um
    >>> from dendrites import morphology
    >>> morph = morphology.pyramidal().compartmentalize(
    ...     Ri=150 * ohm * cm, Cm=1 * uF / cm**2, max_length=20 * um)
    >>> cell = passive_cell(morph, Rm_ohm_cm2=1e4, Ri_ohm_cm=150.0, Cm_uF_cm2=1.0, E_mV=-70.0,
    ...                     dendrite_cm_factor=2.0, dendrite_leak_factor=2.0)
    >>> np.unique(cell.cm * 100).round(9).tolist()      # uF/cm2: soma and axon, dendrites
    [1.0, 2.0]
    """
    from brian2 import cm, mV, ohm, siemens, uF

    from .cell import Cell

    for name, value in (
        ("Rm_ohm_cm2", Rm_ohm_cm2),
        ("Ri_ohm_cm", Ri_ohm_cm),
        ("Cm_uF_cm2", Cm_uF_cm2),
        ("dendrite_cm_factor", dendrite_cm_factor),
        ("dendrite_leak_factor", dendrite_leak_factor),
    ):
        if not value > 0:
            raise ParameterError(name, f"must be > 0 (a plain number in its unit), got {value!r}")
    E = E_mV * mV
    cell = Cell(morphology, Ri=Ri_ohm_cm * ohm * cm, Cm=Cm_uF_cm2 * uF / cm**2, v_init=E)
    g = 1.0 / Rm_ohm_cm2
    cell.insert("pas", g=g * siemens / cm**2, E=E)
    where = [r for r in dendrites if r in morphology.regions]
    if where and dendrite_cm_factor != 1.0:
        cell.set_cm(dendrite_cm_factor * Cm_uF_cm2 * uF / cm**2, where=where)
    if where and dendrite_leak_factor != 1.0:
        cell.insert("pas", where=where, g=dendrite_leak_factor * g * siemens / cm**2, E=E)
    return cell


# ---------------------------------------------------------------------------------- progress
class SharedProgress:
    """Several stages of a study (sweeps, loops) reported to one progress callable as one total.

    A study's ``compute`` receives one ``progress(n_done, n_total, label)`` (the study runner's
    progress bar, see :mod:`dendrites.studies`) but often runs several sweeps; each stage gets
    its own callable from :meth:`stage`, which reports ``offset + n_done`` of the grand total.

    Parameters
    ----------
    progress : callable
        ``progress(n_done, n_total, label)``.
    sizes : sequence of int or Sweep
        Units of work of each stage; a :class:`~dendrites.sweep.Sweep` counts its points.
    labels : sequence of str, optional
        A prefix for each stage's labels (``"EPSPs: cached"``).

    Examples
    --------
    >>> calls = []
    >>> shared = SharedProgress(lambda *a: calls.append(a), [3, 2], labels=["a", "b"])
    >>> shared.stage(1)(1, 2, "running")
    >>> calls
    [(4, 5, 'b: running')]
    """

    def __init__(self, progress: Callable, sizes: Sequence, labels: Sequence[str] | None = None):
        from .sweep import Sweep, sweep_points

        self.progress = progress
        self.sizes = [len(sweep_points(s)) if isinstance(s, Sweep) else int(s) for s in sizes]
        if any(n < 0 for n in self.sizes):
            raise ParameterError("sizes", f"must be >= 0, got {self.sizes}")
        if labels is not None and len(labels) != len(self.sizes):
            raise ParameterError("labels", f"{len(labels)} labels for {len(self.sizes)} stages")
        self.labels = list(labels) if labels is not None else None
        self.total = sum(self.sizes)

    def stage(self, i: int) -> Callable:
        """The progress callable of stage `i` (its ``n_done`` counts within the stage)."""
        if not 0 <= i < len(self.sizes):
            raise ParameterError("i", f"no stage {i}; there are {len(self.sizes)}")
        offset = sum(self.sizes[:i])
        name = self.labels[i] if self.labels is not None else ""

        def report(n_done: int, _n_total: int = 0, label: str = "") -> None:
            text = f"{name}: {label}" if name and label else name or label
            self.progress(offset + n_done, self.total, text)

        return report


def run_sweeps(sweeps: Sequence, progress: Callable, **kwargs) -> list:
    """Run several sweeps one after the other with one progress total.

    Parameters
    ----------
    sweeps : sequence of Sweep
    progress : callable
        ``progress(n_done, n_total, label)``, e.g. the one a study's ``compute`` receives.
    **kwargs
        Passed to every :func:`dendrites.sweep.run_sweep` (``workers``, ``cache``...).

    Returns
    -------
    list of xarray.Dataset
        One per sweep, in order.
    """
    from .sweep import run_sweep

    shared = SharedProgress(progress, sweeps)
    return [run_sweep(sweep, progress=shared.stage(i), **kwargs) for i, sweep in enumerate(sweeps)]
