"""An imported mechanism built in NEURON from its original ``.mod`` file (for
:mod:`dendrites.crosscheck`).

The file is compiled as it is, under the name ``<SUFFIX>_<8 hex of its content hash>`` (so it
never clashes with a mechanism NEURON has). The package's parameter values (SI, per compartment)
are written back in the file's units; the parameters the import made of NEURON's globals go back
to them: ``celsius`` to ``h.celsius``, the ion defaults a file READs (``ena``, ``ek``, ``cao``...)
to the segment's ion variables, ``cai0`` to ``cai0_ca_ion``; a GLOBAL parameter to
``<name>_<suffix>`` (one value for the whole model: different values per compartment are
refused). ``present`` and ``cai_absent`` have no counterpart in NEURON (there a mechanism is
inserted or not).
"""

from __future__ import annotations

import re

from ..errors import ParameterError
from ._defaults import NEURON_ION_DEFAULTS
from .export import Exported
from .result import ModMechanism

__all__ = ["from_original", "renamed_text"]


def renamed_text(imported: ModMechanism) -> tuple[str, str]:
    """The file's text with its mechanism renamed ``<name>_<hash8>``, and that name."""
    mod_name = imported.report.name
    new = f"{mod_name}_{imported.digest[:8]}"
    text = re.sub(
        rf"\b(SUFFIX|POINT_PROCESS)(\s+){re.escape(mod_name)}\b",
        lambda m: f"{m.group(1)}{m.group(2)}{new}",
        imported.text,
        count=1,
    )
    return text, new


def from_original(imported: ModMechanism) -> Exported:
    """The :class:`~dendrites.nmodl.export.Exported` description of the original file."""
    from ..mechanisms.base import Receptor

    text, name = renamed_text(imported)
    globals_ = set(imported.info.get("globals", ()))
    seen: dict = {}

    def setter(h, seg, mech, parameter, value):
        if parameter in ("present", "cai_absent"):
            return
        if parameter == "celsius":
            _global(h, "celsius", "celsius", value, seen)
            return
        nmodl_name, number = imported.neuron_value(parameter, value)
        if nmodl_name in NEURON_ION_DEFAULTS:
            setattr(seg, nmodl_name, number)
        elif nmodl_name == "cai0":
            _global(h, "cai0_ca_ion", parameter, number, seen)
        elif nmodl_name in globals_:
            _global(h, f"{nmodl_name}_{name}", parameter, number, seen)
        else:
            setattr(mech, nmodl_name, number)

    return Exported(
        name=name,
        text=text,
        point=isinstance(imported.mechanism, Receptor),
        writes=tuple(w for w in getattr(imported.mechanism, "writes", ()) if w != "eca"),
        setter=setter,
    )


def _global(h, target: str, parameter: str, value: float, seen: dict) -> None:
    if target in seen and abs(seen[target] - value) > 1e-12 * max(1.0, abs(value)):
        raise ParameterError(
            parameter,
            f"{parameter} differs between compartments ({seen[target]} and {value}); in NEURON "
            f"it is one global ({target})",
        )
    seen[target] = value
    setattr(h, target, value)
