"""The largest stable time step of an explicit method on a linear kinetic scheme.

A kinetic scheme at fixed membrane potential and transmitter concentration is a linear system
``dx/dt = A x + b``. An explicit Runge-Kutta method multiplies each eigen-component by ``R(dt λ)``
per step, with ``R`` the method's stability polynomial (forward Euler ``1 + z``, ``rk2``/``heun``
``1 + z + z²/2``, ``rk4`` ``1 + z + z²/2 + z³/6 + z⁴/24``); the step is stable while
``|R(dt λ)| <= 1`` for every eigenvalue ``λ`` of ``A``. On the negative real axis that means
``dt |λ| <= 2`` for Euler, ``2`` for ``rk2`` and ``2.785`` for ``rk4``. Exact and exponential
methods have no such bound.

Nothing here creates Brian2 objects; a :class:`~dendrites.mechanisms.Receptor` uses these
functions in its ``max_dt`` hook (see :mod:`dendrites.mechanisms.kinetic_nmda`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ParameterError

__all__ = ["STABILITY_POLYNOMIALS", "generator", "max_stable_step", "stability_radius"]

#: Coefficients (in powers of z) of the stability polynomial of Brian2's explicit methods.
STABILITY_POLYNOMIALS: dict[str, tuple[float, ...]] = {
    "euler": (1.0, 1.0),
    "rk2": (1.0, 1.0, 1 / 2),
    "heun": (1.0, 1.0, 1 / 2),  # deterministic part: the same polynomial as rk2
    "rk4": (1.0, 1.0, 1 / 2, 1 / 6, 1 / 24),
}

#: Scan resolution and range of the stability radius along a ray (in units of |z|).
_SCAN = np.linspace(0.0, 6.0, 601)[1:]


def _poly(method: str) -> np.ndarray:
    if method not in STABILITY_POLYNOMIALS:
        known = ", ".join(STABILITY_POLYNOMIALS)
        raise ParameterError("method", f"no stability polynomial for {method!r} (known: {known})")
    return np.asarray(STABILITY_POLYNOMIALS[method])[::-1]  # np.polyval order


def stability_radius(directions, method: str) -> np.ndarray:
    """How far from 0 the method stays stable along each ray ``ρ * direction`` (``|R| <= 1``).

    Parameters
    ----------
    directions : array of complex
        Unit complex numbers (directions of ``dt λ``) in the closed left half-plane.
    method : {"euler", "rk2", "heun", "rk4"}

    Returns
    -------
    ndarray
        The first ``ρ > 0`` where ``|R(ρ d)|`` exceeds 1 (to 1e-10 relative); 0 where the ray
        leaves the region at once (forward Euler on the imaginary axis).
    """
    coeffs = _poly(method)
    d = np.atleast_1d(np.asarray(directions, dtype=complex))
    grid = np.abs(np.polyval(coeffs, np.outer(d, _SCAN))) > 1 + 1e-12
    first = np.where(grid.any(axis=1), grid.argmax(axis=1), len(_SCAN))
    lo = np.where(first > 0, _SCAN[np.maximum(first - 1, 0)], 0.0)
    hi = np.where(first < len(_SCAN), _SCAN[np.minimum(first, len(_SCAN) - 1)], np.inf)
    finite = np.isfinite(hi)
    for _ in range(60):  # bisection between the last stable and the first unstable point
        mid = np.where(finite, (lo + hi) / 2, lo)
        bad = np.abs(np.polyval(coeffs, mid * d)) > 1 + 1e-12
        hi = np.where(finite & bad, mid, hi)
        lo = np.where(finite & ~bad, mid, lo)
    return np.where(finite, lo, np.inf)


def max_stable_step(eigenvalues, method: str) -> float:
    """The largest step for which `method` is stable on every eigenvalue (same time unit as
    ``1/eigenvalues``); ``inf`` when no eigenvalue limits it.

    Eigenvalues with a positive real part (a growing solution) or of zero modulus (conserved
    quantities) do not limit the step.

    Examples
    --------
    >>> round(max_stable_step([-1.0], "rk4"), 4)
    2.7853
    >>> max_stable_step([-4.0, -0.5], "euler")
    0.5
    """
    lam = np.ravel(np.asarray(eigenvalues, dtype=complex))
    size = np.abs(lam)
    scale = size.max() if size.size else 0.0
    keep = (size > 1e-12 * scale) & (lam.real <= 1e-9 * size)
    if not keep.any():
        return float("inf")
    lam, size = lam[keep], size[keep]
    # stability regions are symmetric about the real axis: fold onto the upper half-plane
    direction = lam / size
    direction = np.round(direction.real + 1j * np.abs(direction.imag), 9)
    unique, inverse = np.unique(direction, return_inverse=True)
    return float(np.min(stability_radius(unique, method)[inverse] / size))


def generator(states: Sequence[str], transitions) -> np.ndarray:
    """The rate matrix ``Q`` (``dx/dt = Q x``) of a kinetic scheme, over any leading shape.

    Parameters
    ----------
    states : sequence of str
        All states, the conserved one included.
    transitions : iterable of (str, str, array, array)
        ``(a, b, k_ab, k_ba)``: rates (per unit time) from `a` to `b` and back; arrays broadcast
        against each other.

    Returns
    -------
    ndarray, shape (..., n, n)
        Column j holds the rates out of state j; every column sums to zero.
    """
    index = {s: k for k, s in enumerate(states)}
    trans = [(index[a], index[b], np.asarray(f), np.asarray(r)) for a, b, f, r in transitions]
    shape = np.broadcast_shapes(
        *(np.shape(f) for *_, f, _r in trans), *(np.shape(r) for *_, r in trans)
    )
    n = len(states)
    q = np.zeros((*shape, n, n))
    for a, b, f, r in trans:
        q[..., b, a] += f
        q[..., a, a] -= f
        q[..., a, b] += r
        q[..., b, b] -= r
    return q
