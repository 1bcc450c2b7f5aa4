"""Fuzzing the learning rules' inputs (issue #20, "fuzzing and fault tests for everything wave 2
adds"): rule parameters, bounds and initial weights.

Every input is either accepted, and then gives a rule whose bounds and parameters are finite and
ordered, or refused with a :class:`~dendrites.errors.ParameterError` that names the parameter —
never another exception (a ``TypeError`` from ``float()``, a numpy broadcasting error) and never a
rule that would only fail later, at build time or as a NaN weight.
"""

from __future__ import annotations

import math

import numpy as np
from brian2 import Hz, Quantity, ms, mV, nS, ohm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dendrites.errors import ParameterError
from dendrites.plasticity import PlasticityRule, check_weights, clopath, stdp

RULES = {"stdp": stdp, "clopath": clopath}
BOUNDS = {"w_min", "w_max", "w_init"}

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.sampled_from([0.0, -1.0, 1e-300, 1e300, -0.0]),
)
units = st.sampled_from([1, ms, mV, nS, Hz, ohm, 1 / mV, 1 / mV**2, mV * ms])
quantities = st.builds(lambda x, u: x * u, numbers, units)
odd = st.one_of(
    st.text(max_size=5),
    st.none(),
    st.lists(st.floats(-2, 2), max_size=3),
    st.just(np.array([1.0, 2.0]) * ms),
    st.just(np.array([]) * ms),
    st.booleans(),
    st.just(complex(1, 1)),
)
values = st.one_of(numbers, quantities, odd)


def _names(rule: PlasticityRule) -> list[str]:
    return [*rule.parameters, "w_min", "w_max", "w_init", "post_threshold"]


def _check_valid(rule: PlasticityRule) -> None:
    assert math.isfinite(rule.w_min) and math.isfinite(rule.w_max)
    assert rule.w_min < rule.w_max and rule.w_min <= rule.w_init <= rule.w_max
    assert isinstance(rule.post_threshold, Quantity)
    assert math.isfinite(float(rule.post_threshold / mV))
    for name, value in rule.parameters.items():
        number = np.asarray(value, dtype=float)
        assert number.shape == () and np.isfinite(number), name
        if name.startswith("tau"):
            assert float(number) > 0, name


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(RULES)),
    picks=st.lists(st.tuples(st.integers(0, 20), values), min_size=1, max_size=4),
    extra=st.one_of(st.none(), st.text(min_size=1, max_size=8)),
)
def test_fuzzed_rule_parameters_give_a_valid_rule_or_a_parameter_error(kind, picks, extra):
    default = RULES[kind]()
    names = _names(default)
    given_values = {names[i % len(names)]: v for i, v in picks}
    if extra is not None and extra.isidentifier():
        given_values[extra] = picks[0][1]
    try:
        rule = RULES[kind](**given_values)
    except ParameterError as err:
        # a bound may be refused by the name of the bound it is compared with
        partners = {"w_min", "w_max", "w_init"} if given_values.keys() & BOUNDS else set()
        assert err.parameter in given_values.keys() | partners, (err.parameter, given_values)
        return
    _check_valid(rule)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weights=st.one_of(
        values,
        st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=6),
        st.lists(st.floats(-0.5, 1.5), min_size=5, max_size=5).map(np.asarray),
    ),
    n=st.integers(1, 5),
)
def test_fuzzed_initial_weights_are_within_bounds_or_a_parameter_error(weights, n):
    rule = stdp()
    try:
        w = check_weights(weights, rule, n)
    except ParameterError as err:
        assert err.parameter == "weights"
        return
    assert w.shape == (n,) and np.all(np.isfinite(w))
    assert np.all((w >= rule.w_min) & (w <= rule.w_max))
