"""Claims: the numbers a study states about its result, each with the target it is meant to meet.

A :class:`Claim` is either a *finding*, a number the simulation could have contradicted, or a
*check*, a number that cannot fail by construction (a parameter repeated, a theorem, an identity of
a control). Headline counts (the gallery, the README, ``dendrites figures``) count only findings.
:func:`fill_summary` writes a study's one-line ``SUMMARY`` with the values of its claims.

This module is pure Python; :mod:`dendrites.studies` re-exports its names.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Iterable

from .errors import ParameterError

__all__ = ["KINDS", "Claim", "count_claims", "duration", "fill_summary", "plural"]

#: The kinds of claim: a finding the simulation could have contradicted, or a check that cannot
#: fail by construction (a parameter repeated, a theorem, an identity of a control).
KINDS = ("finding", "check")


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def duration(seconds: float) -> str:
    """A wall time for people: ``"0.01 s"``, ``"41.3 s"``, ``"12 min 5 s"``."""
    if seconds < 60:
        return f"{seconds:.{2 if seconds < 10 else 1}f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 study"``, ``"2 studies"``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if unit else text


@dataclasses.dataclass(frozen=True)
class Claim:
    """A number a study states about its result, with the target it is meant to meet.

    Build claims with the constructors, which compute `holds` from the value, never by hand:
    :meth:`at_least`, :meth:`at_most`, :meth:`between`, :meth:`within` and :meth:`report`
    (a number shown without a target; ``holds`` is None). A NaN value never holds.

    Each constructor takes the keyword ``kind``: ``"finding"`` (the default) for a number the
    simulation could have contradicted, ``"check"`` for one that cannot fail by construction (a
    parameter repeated, a theorem, an identity of a control). The gallery and the README count
    only findings in their headline; checks are shown apart.

    Attributes
    ----------
    name : str
        What is measured, e.g. ``"soma/dendrite attenuation"``.
    value : float
        The measured number, in `unit`.
    unit : str
        Unit of `value` (``""`` for dimensionless numbers).
    target : str
        The target in words, e.g. ``"≥ 1.5"``; ``"reported"`` for reported-only numbers.
    holds : bool or None
        Whether `value` meets the target; None for reported-only numbers.
    kind : {"finding", "check"}
        See above; a record without a kind (older JSON) reads as ``"finding"``.

    Examples
    --------
    >>> c = Claim.at_least("peak depolarisation", 7.2, "mV", 5)
    >>> c.value_text, c.target, c.holds, c.kind
    ('7.2 mV', '≥ 5 mV', True, 'finding')
    >>> Claim.at_least("input patterns", 160, "", 100, kind="check").kind
    'check'
    """

    name: str
    value: float
    unit: str
    target: str
    holds: bool | None
    kind: str = "finding"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ParameterError(
                "kind", f"claim {self.name!r}: kind {self.kind!r} is not one of {KINDS}"
            )

    @staticmethod
    def _number(name: str, value) -> float:
        if not getattr(value, "is_dimensionless", True):  # a Brian2 quantity with a unit
            raise ParameterError(
                "value", f"claim {name!r}: {value!r} has units; pass value / unit as a number"
            )
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ParameterError(
                "value", f"claim {name!r}: {value!r} is not a plain number (convert units first)"
            ) from None

    @classmethod
    def at_least(cls, name: str, value, unit: str, bound: float, *, kind: str = "finding") -> Claim:
        """Holds when ``value >= bound``."""
        v = cls._number(name, value)
        return cls(name, v, unit, _with_unit(f"≥ {_fmt(bound)}", unit), bool(v >= bound), kind)

    @classmethod
    def at_most(cls, name: str, value, unit: str, bound: float, *, kind: str = "finding") -> Claim:
        """Holds when ``value <= bound``."""
        v = cls._number(name, value)
        return cls(name, v, unit, _with_unit(f"≤ {_fmt(bound)}", unit), bool(v <= bound), kind)

    @classmethod
    def between(
        cls, name: str, value, unit: str, lo: float, hi: float, *, kind: str = "finding"
    ) -> Claim:
        """Holds when ``lo <= value <= hi``."""
        if not lo <= hi:
            raise ParameterError("lo", f"claim {name!r}: lower bound {lo} above upper bound {hi}")
        v = cls._number(name, value)
        target = _with_unit(f"{_fmt(lo)} – {_fmt(hi)}", unit)
        return cls(name, v, unit, target, bool(lo <= v <= hi), kind)

    @classmethod
    def within(
        cls, name: str, value, unit: str, target: float, tol: float, *, kind: str = "finding"
    ) -> Claim:
        """Holds when ``|value - target| <= tol`` (`tol` is absolute, in `unit`)."""
        if not tol >= 0:
            raise ParameterError("tol", f"claim {name!r}: tolerance {tol} must be >= 0")
        v = cls._number(name, value)
        text = _with_unit(f"{_fmt(target)} ± {_fmt(tol)}", unit)
        return cls(name, v, unit, text, bool(abs(v - target) <= tol), kind)

    @classmethod
    def report(cls, name: str, value, unit: str, *, kind: str = "finding") -> Claim:
        """A number shown without a target (``holds`` is None)."""
        return cls(name, cls._number(name, value), unit, "reported", None, kind)

    @classmethod
    def from_dict(cls, record: dict) -> Claim:
        """The claim of a JSON record (:meth:`to_dict`); null value is NaN, no kind a finding."""
        value = record.get("value")
        return cls(
            record["name"],
            math.nan if value is None else float(value),
            record.get("unit", ""),
            record.get("target", ""),
            record.get("holds"),
            record.get("kind", "finding"),
        )

    @property
    def value_text(self) -> str:
        """The value with its unit, to 4 significant digits: ``"7.2 mV"``."""
        return _with_unit(_fmt(self.value), self.unit)

    def to_dict(self) -> dict:
        """JSON-ready: a non-finite value becomes null."""
        value = self.value if math.isfinite(self.value) else None
        return {
            "name": self.name,
            "value": value,
            "unit": self.unit,
            "target": self.target,
            "holds": self.holds,
            "kind": self.kind,
        }


def _placeholder(inner: str, by_name: dict) -> str:
    if inner in by_name:
        return by_name[inner].value_text
    name, sep, spec = inner.rpartition(":")
    if sep and name in by_name:
        claim = by_name[name]
        try:
            return _with_unit(format(claim.value, spec), claim.unit)
        except ValueError:
            raise ParameterError(
                "SUMMARY", f"bad format {spec!r} for claim {name!r} in {{{inner}}}"
            ) from None
    close = difflib.get_close_matches(inner, list(by_name), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ParameterError("SUMMARY", f"no claim named {inner!r}{hint}")


def fill_summary(template: str, claims: Iterable[Claim | dict]) -> str:
    """Fill a study's ``SUMMARY`` with the values of its claims.

    ``{NAME}`` becomes the value of the claim named NAME with its unit, to 4 significant digits
    (:attr:`Claim.value_text`); ``{NAME:SPEC}`` formats the value with the format spec SPEC
    (``{peak:.2f}``) and appends the unit; ``{{`` and ``}}`` are literal braces.

    Parameters
    ----------
    template : str
        The sentence with placeholders.
    claims : iterable of Claim or dict
        The claims, or their JSON records (:meth:`Claim.to_dict`).

    Raises
    ------
    ParameterError
        A placeholder names no claim, or its format spec is invalid.

    Examples
    --------
    >>> fill_summary("up to {ratio:.2f}", [Claim.report("ratio", 1.8412, "")])
    'up to 1.84'
    """
    by_name = {}
    for c in claims:
        c = c if isinstance(c, Claim) else Claim.from_dict(c)
        by_name[c.name] = c

    def sub(match) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        return _placeholder(match.group(1), by_name)

    return _PLACEHOLDER.sub(sub, template)


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


def count_claims(claims: Iterable[Claim | dict]) -> dict[str, int]:
    """How many findings hold, do not hold and are reported only, and how many checks there are.

    Parameters
    ----------
    claims : iterable of Claim or dict
        Claims, or their JSON records (a record without ``"kind"`` is a finding).

    Returns
    -------
    dict
        ``{"findings": n, "hold": a, "fail": b, "reported": c, "checks": m}``, where
        ``a + b + c == n``; checks are not split by outcome.

    Examples
    --------
    >>> count_claims([Claim.at_least("a", 2, "", 1), Claim.report("n", 3, "", kind="check")])
    {'findings': 1, 'hold': 1, 'fail': 0, 'reported': 0, 'checks': 1}
    """
    records = [c.to_dict() if isinstance(c, Claim) else c for c in claims]
    findings = [c for c in records if c.get("kind", "finding") == "finding"]
    return {
        "findings": len(findings),
        "hold": sum(c["holds"] is True for c in findings),
        "fail": sum(c["holds"] is False for c in findings),
        "reported": sum(c["holds"] is None for c in findings),
        "checks": len(records) - len(findings),
    }
