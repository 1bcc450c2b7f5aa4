"""What :func:`dendrites.nmodl.load` and :func:`~dendrites.nmodl.verify` return, and the
registry of imports by mechanism (for building an imported mechanism in NEURON from its file)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..mechanisms.base import Channel, Receptor

__all__ = [
    "ABS_TOL",
    "REL_TOL",
    "Comparison",
    "ImportReport",
    "ModMechanism",
    "Verification",
    "original",
    "register",
]

#: Relative tolerance of a current against NEURON's largest absolute value of it (issue #14).
REL_TOL = 1e-6
#: Absolute tolerance of a current (mA/cm2 for density mechanisms, nA for point processes).
ABS_TOL = 1e-9


@dataclass
class ImportReport:
    """What the import did to a file.

    Attributes
    ----------
    path, name, kind : str
        The file, the mechanism's name and ``"SUFFIX"`` or ``"POINT_PROCESS"``.
    produced : str
        ``"Channel"``, ``"concentration pool (Channel writing cai)"`` or ``"Receptor"``.
    rewritten : list of str
        Constructs rewritten (inlined procedures, KINETIC schemes, if/else, SOLVE methods).
    ignored : list of str
        Constructs ignored (TABLE statements: rates are computed exactly).
    assumed : list of str
        Values and conventions the file leaves to NEURON (ion defaults, celsius, units).
    renamed : dict of str -> str
        NMODL names that clash with Brian2 names, and their names here.
    """

    path: str
    name: str
    kind: str
    produced: str = ""
    rewritten: list = field(default_factory=list)
    ignored: list = field(default_factory=list)
    assumed: list = field(default_factory=list)
    renamed: dict = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{self.path}: {self.kind} {self.name} -> {self.produced}"]
        for title, items in (
            ("rewritten", self.rewritten),
            ("ignored", self.ignored),
            ("assumed", self.assumed),
        ):
            lines += [f"  {title}: {item}" for item in items]
        lines += [f"  renamed: {a} -> {b}" for a, b in self.renamed.items()]
        return "\n".join(lines)


@dataclass
class ModMechanism:
    """An imported ``.mod`` file.

    Attributes
    ----------
    mechanism : Channel or Receptor
        The package mechanism (insert it like a built-in one).
    report : ImportReport
        What the import rewrote, ignored and assumed.
    path : str
        The file.
    text : str
        Its text (verification compiles it).
    digest : str
        SHA-256 of the text.
    verification : object or None
        The :class:`~dendrites.nmodl.verification.Verification`, when verified.
    """

    mechanism: Channel | Receptor
    report: ImportReport
    path: str
    text: str
    digest: str
    verification: object = None
    info: dict = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """The mechanism's name (the SUFFIX or POINT_PROCESS name)."""
        return self.mechanism.name

    def neuron_value(self, parameter: str, value) -> tuple[str, float]:
        """The file's name of a package parameter and `value` in the file's unit.

        Parameters
        ----------
        parameter : str
            The package's name of the parameter (``"gbar"``, ``"e_mod"``).
        value : brian2.Quantity or float
            Its value in the package (SI).

        Returns
        -------
        (str, float)
            The NMODL name and the number NEURON holds (``0.12`` for 0.12 S/cm2).
        """
        back = {new: old for old, new in self.info["names"].items()}
        name = back.get(parameter, parameter)
        unit = self.info["units"].get(name)
        if unit is None or unit.dimensionless:
            return name, float(value)
        return name, float(value / unit.quantity)


#: Every mechanism imported in this process -> its import (for export to NEURON from the file).
_ORIGINALS: dict = {}


def register(imported: ModMechanism) -> None:
    """Remember where `imported.mechanism` came from (see :func:`original`)."""
    _ORIGINALS[imported.mechanism] = imported


def original(mechanism) -> ModMechanism | None:
    """The import a mechanism came from (None for one written as package data).

    :mod:`dendrites.crosscheck` uses it to build an imported mechanism in NEURON from its original
    file rather than from generated NMODL.
    """
    try:
        return _ORIGINALS.get(mechanism)
    except TypeError:  # unhashable
        return None


@dataclass(frozen=True)
class Comparison:
    """One compared trace: largest |package - NEURON| and NEURON's largest |value|."""

    protocol: str
    variable: str
    unit: str
    max_difference: float
    scale: float
    is_current: bool

    @property
    def relative(self) -> float:
        """Largest difference over NEURON's largest |value| (0 if that is 0)."""
        return self.max_difference / self.scale if self.scale > 0 else 0.0

    @property
    def within_target(self) -> bool:
        """Whether the difference meets the target (1e-6 relative or 1e-9 absolute)."""
        return self.relative <= REL_TOL or self.max_difference <= ABS_TOL


@dataclass
class Verification:
    """The result of :func:`verify`: every comparison, and what the import rewrote."""

    name: str
    comparisons: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    report: object = None

    @property
    def passed(self) -> bool:
        """Whether every current meets the target (states are reported)."""
        return all(c.within_target for c in self.comparisons if c.is_current)

    def worst(self, variable: str | None = None) -> Comparison:
        """The comparison with the largest relative difference (of one variable if given)."""
        pool = [c for c in self.comparisons if variable is None or c.variable == variable]
        return max(pool, key=lambda c: c.relative)

    def __str__(self) -> str:
        lines = [
            f"verification of {self.name} against NEURON: "
            + ("every current within target" if self.passed else "TARGET MISSED")
        ]
        lines.append(f"  {'protocol':<22} {'variable':<14} {'max |diff|':>12} {'relative':>10}")
        for c in self.comparisons:
            flag = "" if c.within_target or not c.is_current else "  <- above target"
            lines.append(
                f"  {c.protocol:<22} {c.variable:<14} {c.max_difference:>9.3g} {c.unit:<3}"
                f"{c.relative:>10.2g}{flag}"
            )
        lines += [f"  note: {n}" for n in self.notes]
        if self.report is not None:
            lines.append(str(self.report))
        return "\n".join(lines)
