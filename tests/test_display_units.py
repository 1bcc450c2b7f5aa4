"""Units in messages are the ones users write (issue #20, part 3): S/cm², mV, ms, nS, ohm cm,
uF/cm², mM, never SI base-unit products such as "m^-4 kg^-1 s^3 A^2"."""

from __future__ import annotations

import re

import pytest
from brian2 import cm, mM, ms, mV, nS, ohm, siemens, uF, volt
from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity, get_dimensions, get_unit

from dendrites import Cell, morphology
from dendrites.errors import ParameterError
from dendrites.mechanisms import CHANNELS, RECEPTORS, nmda_receptor
from dendrites.quantities import DISPLAY_UNITS, as_float, display_unit

#: SI base-unit products as Brian2 writes them ("m^-4 kg^-1 s^3 A^2", "metre ** -4 * ...").
SI_PRODUCT = re.compile(r"(\b(m|kg|s|A|K|mol|cd)\^-?\d)|metre|kilogram|\bamp \*\*|mole \*\*")


def _parameters():
    """(mechanism, parameter, default) for every parameter of every registered mechanism."""
    for name, ch in CHANNELS.items():
        for p, d in ch.parameters.items():
            yield pytest.param(ch, p, d, id=f"{name}.{p}")
    for name, rec in RECEPTORS.items():
        for p, d in {**rec.parameters, **rec.block_parameters}.items():
            yield pytest.param(rec, p, d, id=f"{name}.{p}")


def _messages(mech, pname, default) -> list[str]:
    """What a user sees for a plain number, a wrong unit and a negative value of a parameter."""
    dim = get_dimensions(default)
    unit = Quantity(1.0) if dim is DIMENSIONLESS else get_unit(dim)
    shown = mech.display_units.get(pname)
    wrong = 1.5 * (siemens if dim == volt.dim else volt)
    out = []
    for value, sign in ((1.5, "any"), (wrong, "any"), (-1.5 * unit, "nonnegative")):
        try:
            as_float(value, unit, pname, sign, display=shown)
        except ParameterError as exc:
            out.append(str(exc))
    return out


@pytest.mark.parametrize(("mech", "pname", "default"), list(_parameters()))
def test_no_message_about_a_mechanism_parameter_shows_si_base_units(mech, pname, default):
    messages = _messages(mech, pname, default)
    dim = get_dimensions(default)
    assert len(messages) == (2 if dim is DIMENSIONLESS else 3), messages  # 1.5 is fine there
    for text in messages:
        assert not SI_PRODUCT.search(text), text
        assert text.startswith(f"{pname}: ")
    if dim is not DIMENSIONLESS:
        assert dim in DISPLAY_UNITS or pname in mech.display_units  # every dimension is named
        name = display_unit(get_unit(dim), mech.display_units.get(pname))[1]
        assert all(name in text for text in messages), messages


def test_every_channel_parameter_through_insert_names_its_display_unit():
    """The user's path: ``cell.insert(channel, p=...)`` with a plain number."""
    for ch in CHANNELS.values():
        for pname, default in ch.parameters.items():
            if get_dimensions(default) is DIMENSIONLESS:
                continue
            cell = Cell(morphology.ball_and_stick())
            with pytest.raises(ParameterError) as info:
                cell.insert(ch, **{pname: 1.5})
            assert not SI_PRODUCT.search(str(info.value)), str(info.value)
            assert "expected a quantity in" in str(info.value)


def test_the_issues_example_speaks_siemens_per_square_centimetre():
    """Issue #20's second example: ``insert("pas", g=1e-4)`` named m^-4 kg^-1 s^3 A^2."""
    cell = Cell(morphology.ball_and_stick())
    with pytest.raises(ParameterError) as info:
        cell.insert("pas", g=1e-4)
    assert str(info.value) == (
        "g: expected a quantity in S/cm² (e.g. 1e-4*siemens/cm**2), got the plain number 0.0001"
    )
    with pytest.raises(ParameterError, match=r"^g: must be >= 0 S/cm², got -1 S/cm²$"):
        cell.insert("pas", g=-1 * siemens / cm**2)
    # a value given in other units is shown in the display unit
    with pytest.raises(ParameterError, match=r"must be >= 0 S/cm², got -0\.01 S/cm²"):
        cell.insert("hh", gkbar=-1 * siemens / (10 * cm) ** 2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: Cell(morphology.ball_and_stick(), Ri=150), r"Ri: .* in ohm cm \(e\.g\."),
        (lambda: Cell(morphology.ball_and_stick(), Cm=-1 * uF / cm**2), "Cm: must be > 0 uF/cm²"),
        (lambda: nmda_receptor(mg=-1 * mM), "mg: must be >= 0 mM, got -1 mM"),
        (lambda: nmda_receptor(tau_rise=2), r"tau_rise: expected a quantity in ms"),
        (lambda: as_float(-2 * nS, siemens, "w", "nonnegative"), "w: must be >= 0 nS, got -2 nS"),
        (
            lambda: as_float(5 * ms, ohm * cm, "Ri"),
            r"Ri: expected units of ohm cm .*\(units of ms\)",
        ),
        (lambda: as_float(1 * mV, Quantity(1.0), "phi"), "phi: expected a plain number"),
    ],
)
def test_other_checks_speak_display_units(call, match):
    with pytest.raises(ParameterError, match=match) as info:
        call()
    assert not SI_PRODUCT.search(str(info.value))


def test_a_mechanism_may_choose_its_display_unit():
    import dataclasses

    from brian2 import msiemens

    pas = dataclasses.replace(CHANNELS["pas"], display_units={"g": msiemens / cm**2})
    with pytest.raises(ParameterError, match=r"g: must be >= 0 mS/cm², got -1000 mS/cm²"):
        Cell(morphology.ball_and_stick()).insert(pas, g=-1 * siemens / cm**2)
