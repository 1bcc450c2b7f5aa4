"""A ``.mod`` file as package mechanism data: :func:`load`.

The file is parsed and rewritten by NEURON's NMODL framework (:mod:`dendrites.nmodl.reader`),
its blocks executed symbolically (:mod:`dendrites.nmodl.symbolic`), and the result written as
Brian2 equations with units:

* a SUFFIX mechanism becomes a :class:`~dendrites.mechanisms.base.Channel`; its currents must be
  ``g*(v - E)`` with ``g`` free of ``v`` (found by differentiating the BREAKPOINT's current with
  respect to ``v``; ``E`` a parameter or an ion's reversal), or free of ``v`` altogether (a current
  source). One that WRITEs ``cai`` is a concentration pool: it also defines ``eca`` by Nernst,
  as NEURON's ion mechanism computes it from ``cai`` and ``cao``.
* a POINT_PROCESS with a NET_RECEIVE block that adds to its states becomes a
  :class:`~dendrites.mechanisms.base.Receptor` (the weight is the synapse's ``w``).

Every formula computes on numbers in the file's units, exactly as the generated C of NEURON does;
a package variable ``X`` enters as ``X/(unit)`` and results leave multiplied by their unit, so the
mechanism's variables are SI quantities like those of the built-in mechanisms and Brian2 checks
every dimension. Parameters (PARAMETER, and GLOBAL or RANGE alike) become per-compartment
run-time parameters with SI defaults. What was rewritten, ignored or assumed is listed in the
:class:`ImportReport`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import sympy as sp
from brian2.core.functions import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS
from brian2.core.namespace import DEFAULT_UNITS
from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity, get_dimensions

from ..errors import ModFileError
from ..mechanisms.base import Channel, Current, Receptor
from ..mechanisms.ions import FARADAY, GAS_CONSTANT, ION_CHARGES
from ._defaults import NEURON_CAI0, NEURON_CELSIUS, NEURON_ION_DEFAULTS
from .reader import ModFile, read_mod
from .render import render
from .result import ImportReport, ModMechanism, original, register
from .symbolic import Executor, UnsupportedStatement
from .units import ModUnit

__all__ = ["ImportReport", "ModMechanism", "load", "original"]

_SOURCE = re.compile(r"source\d+_")


_RESERVED = (
    {"t", "dt", "i", "j", "N", "xi", "v", "v_post", "w", "g", "present", "lastspike"}
    | set(DEFAULT_UNITS)
    | set(DEFAULT_FUNCTIONS)
    | set(DEFAULT_CONSTANTS)
    | {"ifelse", "int", "bool", "float"}
)


def load(path, *, name: str | None = None, verify: bool = False, **verify_options) -> ModMechanism:
    """Import a NEURON ``.mod`` file as a package mechanism.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.mod`` file.
    name : str, optional
        Name of the package mechanism (default: the SUFFIX or POINT_PROCESS name).
    verify : bool
        Also run the original file in NEURON and the import in the package on one compartment
        and compare (:func:`dendrites.nmodl.verification.verify`); the result is stored in
        ``.verification`` (needs NEURON's ``nrnivmodl`` and a C compiler).
    **verify_options
        Passed to :func:`~dendrites.nmodl.verification.verify`.

    Returns
    -------
    ModMechanism

    Raises
    ------
    ModFileError
        The file does not parse (with the line and the parser's message), uses a construct that
        is not supported (named, with its line), an unknown ion or unit, an ion variable without
        its USEION, or a current that is not ``g*(v - E)``.
    """
    mod = read_mod(path)
    imported = _translate(mod, name)
    register(imported)
    if verify:
        from .verification import verify as run_verify

        imported.verification = run_verify(imported, **verify_options)
    return imported


# --------------------------------------------------------------------------------------------------
def _translate(mod: ModFile, name: str | None) -> ModMechanism:
    report = ImportReport(path=mod.path, name=mod.name, kind=mod.kind)
    try:
        tr = _Translation(mod, report)
        mechanism = tr.build(name or mod.name)
    except UnsupportedStatement as exc:
        raise mod.error(exc.keyword, str(exc)) from None
    except (TypeError, ValueError, AttributeError, KeyError, ZeroDivisionError) as exc:
        if isinstance(exc, ModFileError):
            raise
        raise ModFileError(
            mod.path,
            None,
            f"cannot be translated ({type(exc).__name__}: {exc}); if NEURON runs this file, "
            "please report it",
        ) from exc
    return ModMechanism(
        mechanism=mechanism,
        report=report,
        path=mod.path,
        text=mod.text,
        digest=hashlib.sha256(mod.text.encode()).hexdigest(),
        info=tr.info,
    )


def _name_subexpressions(derivs, subexpr, init_values):
    """Write each subexpression's name where its formula appears whole (``(minf - m)/mtau``
    instead of the inlined rates), in the ODEs, the later subexpressions and the initial values."""
    derivs, subexpr, init_values = dict(derivs), dict(subexpr), dict(init_values)
    order = list(subexpr)
    for k, name in enumerate(order):
        value = subexpr[name]
        if value.is_Atom:
            continue
        rule = {value: sp.Symbol(name)}
        derivs = {s: e.xreplace(rule) for s, e in derivs.items()}
        init_values = {s: e.xreplace(rule) for s, e in init_values.items()}
        for later in order[k + 1 :]:
            subexpr[later] = subexpr[later].xreplace(rule)
    return derivs, subexpr, init_values


_U = DEFAULT_UNITS
#: Readable unit strings for equation declarations, with their quantities.
_NAMED_UNITS = (
    ("volt", _U["volt"]),
    ("second", _U["second"]),
    ("hertz", _U["hertz"]),
    ("siemens", _U["siemens"]),
    ("amp", _U["amp"]),
    ("mmolar", _U["mmolar"]),
    ("metre", _U["metre"]),
    ("siemens/metre**2", _U["siemens"] / _U["metre"] ** 2),
    ("amp/metre**2", _U["amp"] / _U["metre"] ** 2),
    ("mmolar/second", _U["mmolar"] / _U["second"]),
    ("coulomb/mole", _U["coulomb"] / _U["mole"]),
    ("joule/mole/kelvin", _U["joule"] / _U["mole"] / _U["kelvin"]),
    ("kelvin", _U["kelvin"]),
    ("volt/second", _U["volt"] / _U["second"]),
    ("siemens/second", _U["siemens"] / _U["second"]),
)


def _unit_string(dim) -> str:
    """A Brian2 unit string for an equation's declared dimension (a readable one where known,
    else the product of SI base units)."""
    if dim is DIMENSIONLESS:
        return "1"
    for text, quantity in _NAMED_UNITS:
        if get_dimensions(quantity) is dim:
            return text
    names = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candle")
    return "*".join(f"{n}**{p:g}" for n, p in zip(names, dim._dims, strict=True) if p)


class _Translation:
    """One file's translation (state shared by the steps of :meth:`build`)."""

    def __init__(self, mod: ModFile, report: ImportReport):
        self.mod, self.report = mod, report
        self.point = mod.kind == "POINT_PROCESS"
        # the fluxes of KINETIC's ``~ x << (flux)`` (locals ``source<k>_`` after the NMODL
        # framework's rewrite) stay explicit in NEURON's implicit schemes
        inputs = {"v", "t", "celsius"} | set(mod.parameters)
        inputs |= {name for reads, _ in mod.useions.values() for name in reads}
        self.ex = Executor(
            mod.constants,
            opaque=lambda n: bool(_SOURCE.fullmatch(n)),
            alias=lambda n: n in inputs,
        )
        self.aliases: dict = {}
        self.fluxes: dict = {}
        self.units: dict[str, ModUnit] = {}  # declared unit of every non-local name
        self.names: dict[str, str] = {}  # NMODL name -> package name
        self.parameters: dict[str, Quantity] = {}
        self.reads: list[str] = []
        self.writes: list[str] = []
        self.info: dict = {}

    # ------------------------------------------------------------------ names and units
    def _rename(self, name: str) -> str:
        if name in self.names:
            return self.names[name]
        new = f"{name}_mod" if name in _RESERVED else name
        if new != name:
            self.report.renamed[name] = new
        self.names[name] = new
        return new

    def _ions(self) -> None:
        mod = self.mod
        for ion, (reads, writes) in mod.useions.items():
            if ion not in ION_CHARGES:
                raise mod.error(
                    ion,
                    f"USEION {ion}: unknown ion (the package knows {', '.join(ION_CHARGES)}); "
                    "a nonspecific current (NONSPECIFIC_CURRENT) may do",
                )
            for var in writes:
                if var == f"i{ion}":
                    continue
                if var == f"{ion}i" and ion == "ca":
                    self.writes += ["cai", "eca"]
                    continue
                raise mod.error(var, f"WRITE {var}: only i{ion} (and cai) may be written here")
            for var in reads:
                if var in ("eca", "cai", "ica"):
                    self.reads.append(var)
                elif var in NEURON_ION_DEFAULTS:
                    value, unit = NEURON_ION_DEFAULTS[var]
                    self.parameters[var] = value * mod.units.parse(unit).quantity
                    self.units[var] = mod.units.parse(unit)
                    self.report.assumed.append(
                        f"{var}: a parameter of the mechanism, default {value} {unit} "
                        "(NEURON's default; no package mechanism writes it)"
                    )
                elif var == f"i{ion}":
                    raise mod.error(var, f"READ {var}: only ica may be read (by a pool)")
                else:
                    raise mod.error(var, f"READ {var}: not a variable of ion {ion}")
        if "ica" in self.reads and "cai" not in self.writes:
            raise mod.error("ica", "READ ica without WRITE cai: only a calcium pool reads ica")
        for var in self.reads + [c for c in self.writes if c != "eca"]:
            decl = mod.assigned.get(var) or mod.states.get(var)
            self.units[var] = (
                decl
                if decl and decl.text
                else mod.units.parse(
                    "mV" if var.startswith("e") else "mM" if var.endswith(("i", "o")) else "mA/cm2"
                )
            )

    def _declare(self) -> None:
        mod = self.mod
        for var, unit in {**mod.assigned, **mod.states}.items():
            self.units.setdefault(var, unit)
        # an ion variable listed in PARAMETER is the ion's (NEURON ignores the default there)
        ion_vars = {n for r, w in mod.useions.values() for n in (*r, *w)}
        for var, (value, unit) in mod.parameters.items():
            if var in ("v", "celsius", "dt", "t") or var in ion_vars:
                continue
            self.units[var] = unit
            self.parameters[var] = value * unit.quantity if not unit.celsius else value
        self.units["v"] = mod.assigned.get("v") or mod.units.parse("mV")
        if self.units["v"].dim is not DEFAULT_UNITS["volt"].dim:
            raise mod.error("v", f"v is declared in ({self.units['v'].text}), not a voltage")
        self.units["t"] = self.units["dt"] = mod.units.parse("ms")

    # ------------------------------------------------------------------ blocks
    def _run_blocks(self):
        mod = self.mod
        initial = self.ex.run(mod.blocks.get("INITIAL", []))
        # parameters re-assigned in INITIAL keep that value afterwards (Exp2Syn's tau1)
        changed = {
            p: initial.values[p]
            for p in mod.parameters
            if p in initial.values and initial.values[p] != sp.Symbol(p)
        }
        self.param_init = {}
        for p, value in changed.items():
            alias = self._rename(f"{p}_initial")
            self.param_init[alias] = value
            self.units[f"{p}_initial"] = self.units[p]
            self.report.rewritten.append(
                f"{p}, re-assigned in INITIAL: that value ({alias}) is used afterwards"
            )
        sub = {sp.Symbol(p): sp.Symbol(f"{p}_initial") for p in changed}
        derivs, conserve, values = {}, {}, {}
        for block_name, statements in mod.blocks.get("DERIVATIVE", {}).items():
            if not any(b == block_name for b, _ in mod.solves):
                continue
            res = self.ex.run(statements)
            self.fluxes.update(res.opaque)
            self.aliases.update(res.aliases)
            derivs.update(res.derivatives)
            conserve.update(res.conserve)
            values.update({k: v for k, v in res.values.items() if k not in res.locals})
        self.aliases.update(initial.aliases)
        bp = self.ex.run(mod.blocks.get("BREAKPOINT", []))
        self.aliases.update(bp.aliases)
        bp_values = {k: v for k, v in bp.values.items() if k not in bp.locals}
        init_values = {k: v for k, v in initial.values.items() if k not in initial.locals}

        def fix(e):
            return e.xreplace(sub) if sub else e

        return (
            {k: fix(v) for k, v in derivs.items()},
            {k: fix(v) for k, v in conserve.items()},
            {k: fix(v) for k, v in values.items()},
            {k: fix(v) for k, v in bp_values.items()},
            init_values,
        )

    # ------------------------------------------------------------------ build
    def build(self, name: str):
        mod, report = self.mod, self.report
        self._declare()
        self._ions()
        derivs, conserve, der_values, bp_values, init_values = self._run_blocks()
        if mod.inlined:
            report.rewritten.append("inlined: " + ", ".join(mod.inlined))
        if mod.kinetic:
            report.rewritten.append(
                "KINETIC " + ", ".join(mod.kinetic) + ": rewritten as ODEs (NMODL framework)"
            )
        for t in mod.tables:
            report.ignored.append(
                f"{t}: rates are computed exactly (as NEURON with usetable_{mod.name} = 0)"
            )
        currents = self._current_names()
        # subexpressions: globals the DERIVATIVE/BREAKPOINT blocks compute (not currents)
        # (v, t and parameters assigned inside a block are that block's local copies in
        # NEURON's generated code: their new values are already in the formulas)
        inputs = {"v", "t", "dt", "celsius"} | set(mod.parameters)
        subexpr = {k: v for k, v in der_values.items() if k not in mod.states and k not in inputs}
        for k, v in bp_values.items():
            if k not in currents and k not in mod.states and k not in inputs:
                subexpr.setdefault(k, v)
        for k, v in self.param_init.items():
            subexpr.setdefault(k, v)
        for k, v in init_values.items():
            if k in mod.states or k in subexpr or k in inputs:
                continue
            free = {str(s) for s in v.free_symbols}
            if free & ({"v", "t"} | set(mod.states)):
                raise mod.error(k, f"{k} is set in INITIAL from v or states; not supported")
            subexpr[k] = v
        for state, expr in conserve.items():
            subexpr[state] = expr
        for alias, (base, value) in self.aliases.items():  # inputs a block changed locally
            subexpr[alias] = value
            self.units[alias] = self.units.get(base) or mod.units.parse("")
        derivs, subexpr, init_values = _name_subexpressions(derivs, subexpr, init_values)
        self.info.update(
            derivatives=derivs,
            subexpressions=subexpr,
            currents={},
            units=self.units,
            names=self.names,
            states=list(mod.states),
            reads=self.reads,
            writes=self.writes,
            globals=mod.globals_,
            ions=list(mod.useions),
        )
        states = [s for s in mod.states if s not in conserve]
        missing = [s for s in states if s not in derivs]
        if missing:
            raise mod.error(missing[0], f"state {missing[0]} has no ODE in a SOLVEd block")
        self._check_names(derivs, subexpr, bp_values, currents)
        method, derivs = self._method(derivs, states)
        initial = self._initial(init_values, derivs, conserve, subexpr, states)
        if self.point:
            return self._receptor(name, derivs, subexpr, bp_values, currents, initial, method)
        return self._channel(name, derivs, subexpr, bp_values, currents, initial, method)

    def _current_names(self) -> list[str]:
        mod = self.mod
        names = list(mod.nonspecific)
        for ion, (_, writes) in mod.useions.items():
            names += [w for w in writes if w == f"i{ion}"]
        return names

    def _known(self) -> set[str]:
        mod = self.mod
        return (
            set(mod.parameters)
            | set(mod.assigned)
            | set(mod.states)
            | set(mod.constants)
            | {"v", "t", "dt", "celsius", "PI"}
            | {f"{p}_initial" for p in mod.parameters}
            | set(self.aliases)
        )

    def _check_names(self, derivs, subexpr, bp_values, currents) -> None:
        mod, known = self.mod, self._known() | set(self.fluxes)
        exprs = [*derivs.values(), *subexpr.values(), *bp_values.values(), *self.fluxes.values()]
        for e in exprs:
            for s in e.free_symbols:
                n = str(s)
                if n in known:
                    if n in ("ena", "ek", "eca", "cai", "cao", "ica", "nai", "ki") and not any(
                        n in r + w for r, w in mod.useions.values()
                    ):
                        raise mod.error(n, f"{n} is used without a USEION statement for it")
                    continue
                if (n[:1] in "ei" and n[1:] in ION_CHARGES) or (
                    n[-1:] in "io" and n[:-1] in (ION_CHARGES)
                ):
                    raise mod.error(n, f"{n} is used without a USEION statement for it")
                raise mod.error(n, f"{n!r} is used but never declared")

    def _method(self, derivs, states):
        """Brian2 method of the states, and their ODEs (rewritten for an implicit scheme).

        ``cnexp`` is exponential Euler (the same update for states linear in themselves).
        ``derivimplicit`` and ``sparse`` are NEURON's backward Euler: for a system linear in its
        states, ``x' = A x + b``, the step ``x_new = (1 - dt A)^-1 (x + dt b)`` is solved
        symbolically once and written as the right-hand side ``(x_new - x)/dt`` of an explicit
        Euler step, which then makes exactly NEURON's update.
        """
        methods = {m for _, m in self.mod.solves}
        implicit = methods & {"derivimplicit", "sparse", "euler"}
        symbols = [sp.Symbol(s) for s in states]
        f = sp.Matrix([derivs[s] for s in states])
        jac = f.jacobian(symbols) if symbols else sp.Matrix([])
        linear = all(not (e.free_symbols & set(symbols)) for e in jac)
        self_linear = all(sp.diff(derivs[s], sp.Symbol(s), 2) == 0 for s in states)
        if implicit - {"euler"} and linear and symbols:
            dt = sp.Symbol("dt")
            b = f.subs({x: 0 for x in symbols})
            x = sp.Matrix(symbols)
            new = (sp.eye(len(symbols)) - dt * jac).LUsolve(x + dt * b)
            derivs = {s: (new[k] - symbols[k]) / dt for k, s in enumerate(states)}
            derivs = {s: e.xreplace(self._flux_values()) for s, e in derivs.items()}
            self.report.rewritten.append(
                "METHOD " + ", ".join(sorted(implicit)) + ": NEURON's backward Euler, the linear "
                "system solved symbolically and applied as one explicit step"
            )
            return "euler", derivs
        if implicit:
            self.report.rewritten.append(
                "METHOD " + ", ".join(sorted(implicit)) + ": the states are not linear in each "
                "other; integrated with "
                + ("exponential Euler" if self_linear else "forward Euler")
                + ", which differs from NEURON's backward Euler by O(dt)"
            )
        derivs = {s: e.xreplace(self._flux_values()) for s, e in derivs.items()}
        return ("exponential_euler" if self_linear else "euler"), derivs

    def _flux_values(self) -> dict:
        return {sp.Symbol(k): v for k, v in self.fluxes.items()}

    def _initial(self, init_values, derivs, conserve, subexpr, states) -> dict:
        mod = self.mod
        values = {s: init_values[s] for s in states if s in init_values}
        if mod.steady:
            unknown = [sp.Symbol(s) for s in states]
            eqs = [derivs[s] for s in states]
            solution = sp.solve(eqs[:-1] if conserve else eqs, unknown, dict=True)
            if not solution:
                raise mod.error("STEADYSTATE", "no steady state found for the INITIAL SOLVE")
            for s in states:
                values[s] = solution[0].get(sp.Symbol(s), values.get(s, sp.S.Zero))
            self.report.rewritten.append("STEADYSTATE: solved symbolically")
        for s in states:
            if s not in values:
                p = f"{s}0"
                if s == "cai" and "cai" in self.writes and p not in mod.parameters:
                    # NEURON starts an ion's concentration at <ion>0_<ion>_ion (cai0_ca_ion)
                    self.parameters[p] = NEURON_CAI0 * DEFAULT_UNITS["mmolar"]
                    self.units[p] = self.units["cai"]
                    self.report.assumed.append(
                        f"cai starts at cai0 = {NEURON_CAI0} mM (NEURON's cai0_ca_ion)"
                    )
                values[s] = sp.Symbol(p) if p in self.parameters else sp.S.Zero
        return values

    # ------------------------------------------------------------------ printing
    def expression(self, e, *, receptor: bool = False) -> str:
        """Brian2 text of a formula in NMODL numbers: every name becomes ``(X/(unit))``."""
        mapping = {}
        for s in e.free_symbols:
            n = str(s)
            unit = self.units.get(n.removesuffix("_initial") if n.endswith("_initial") else n)
            if n == "celsius":
                text = "celsius"
            elif n == "v":
                text = f"({'v_post' if receptor else 'v'}/{unit.expression})"
            elif n in ("t", "dt"):
                text = f"({n}/{unit.expression})"
            else:
                bname = self._rename(n) if n not in self.reads else n
                if unit is None or unit.dimensionless:
                    text = bname
                else:
                    text = f"({bname}/{unit.expression})"
            mapping[s] = sp.Symbol(text)
        return render(e.xreplace(mapping))

    def _equations(self, derivs, subexpr, states, *, receptor=False) -> list[str]:
        lines = []
        for s in states:
            unit = self.units[s]
            rhs = self.expression(derivs[s], receptor=receptor)
            scale = "" if unit.dimensionless else f"*{unit.expression}"
            lines.append(
                f"d{self._rename(s)}/dt = ({rhs}){scale}/({self.units['t'].expression[1:-1]})"
                f" : {_unit_string(unit.dim)}" + (" (clock-driven)" if receptor else "")
            )
        for k, e in subexpr.items():
            base = k.removesuffix("_initial") if k.endswith("_initial") else k
            unit = self.units.get(base) or ModUnit("", Quantity(1.0), "1")
            rhs = self.expression(e, receptor=receptor)
            scale = "" if unit.dimensionless else f"*{unit.expression}"
            lines.append(f"{self._rename(k)} = ({rhs}){scale} : {_unit_string(unit.dim)}")
        return lines

    def _linear_current(self, var: str, expr):
        """(conductance, reversal) of ``i = g*(v - E)``, or (None, density) for ``i(t)``."""
        mod = self.mod
        v = sp.Symbol("v")
        g = sp.diff(expr, v)
        if g == 0:
            return None, expr
        if sp.simplify(sp.diff(g, v)) != 0:
            raise mod.error(
                var,
                f"current {var} is not of the form g*(v - E) with g independent of v "
                "(a GHK or voltage-dependent conductance): not supported",
            )
        e_rev = sp.cancel(-expr.subs(v, 0) / g)
        if isinstance(e_rev, sp.Symbol) and str(e_rev) in set(self.parameters) | set(self.reads):
            return g, str(e_rev)
        if e_rev.is_number:
            pname = f"e_{var}"
            self.parameters[pname] = float(e_rev) * self.units["v"].quantity
            self.units[pname] = self.units["v"]
            self.report.rewritten.append(
                f"{var}: reversal {float(e_rev)} (mV) as parameter {pname}"
            )
            return g, pname
        raise mod.error(
            var, f"current {var}: its reversal {e_rev} is not a parameter or an ion's reversal"
        )

    # ------------------------------------------------------------------ mechanisms
    def _channel(self, name, derivs, subexpr, bp_values, currents, initial, method) -> Channel:
        mod, report = self.mod, self.report
        states = [s for s in mod.states if s in derivs]
        pool = "cai" in self.writes
        if pool and "cai" not in mod.states:
            raise mod.error("cai", "WRITE cai: cai must be a STATE of the file")
        conductance_dim = (DEFAULT_UNITS["siemens"] / DEFAULT_UNITS["metre"] ** 2).dim
        densities = tuple(
            p for p, q in self.parameters.items() if get_dimensions(q) is conductance_dim
        )
        current_list, extra = [], []
        area_current = self.mod.units.parse("mA/cm2")
        for var in currents:
            if var not in bp_values:
                raise mod.error(var, f"current {var} is never assigned in BREAKPOINT")
            expr = bp_values[var].xreplace(
                {sp.Symbol(k): v for k, v in subexpr.items() if k in mod.assigned}
            )
            unit = self.units.get(var)
            if unit is None or unit.dim is not area_current.dim:
                raise mod.error(var, f"current {var} must be declared in (mA/cm2)")
            g, rev = self._linear_current(var, expr)
            ion = next((i for i in mod.useions if var == f"i{i}"), "")
            cname = var[1:] if var.startswith("i") and len(var) > 1 else var
            # the current's open conductance (or density) is a subexpression of its own: the
            # backend sums it by name, and unit names stay out of the summed expression
            if g is None:
                density = f"-({self.expression(rev)})*{unit.expression}"
                extra.append(f"{var}_density = {density} : amp/metre**2")
                current_list.append(Current(cname, density=f"{var}_density", ion=ion))
            else:
                cond = f"({self.expression(g)})*{unit.expression}/{self.units['v'].expression}"
                if not densities:
                    cond = f"present*{cond}"
                extra.append(f"{var}_conductance = {cond} : siemens/metre**2")
                bname = rev if rev in self.reads else self._rename(rev)
                current_list.append(
                    Current(cname, conductance=f"{var}_conductance", reversal=bname, ion=ion)
                )
            self.info["currents"][var] = (g, rev)
        lines = self._equations(derivs, subexpr, states) + extra
        params = {self._rename(p): q for p, q in self.parameters.items()}
        if any("celsius" in ln for ln in lines + [c.conductance for c in current_list]):
            params["celsius"] = NEURON_CELSIUS
            report.assumed.append(
                f"celsius: a parameter (default {NEURON_CELSIUS} degC, NEURON's; set it as "
                "h.celsius would be)"
            )
        if pool or not densities:
            params["present"] = 1.0
            densities = ("present",)
        if pool:
            k = lines.index(next(ln for ln in lines if ln.startswith("dcai/dt")))
            head, unit = lines[k].rsplit(" : ", 1)
            rhs = head.split(" = ", 1)[1]
            lines[k] = f"dcai/dt = present*{rhs} + (1 - present)*(cai_absent - cai)/ms : {unit}"
            params["cai_absent"] = NEURON_CAI0 * DEFAULT_UNITS["mmolar"]
            params.setdefault("cao", 2.0 * DEFAULT_UNITS["mmolar"])
            params.setdefault("celsius", NEURON_CELSIUS)
            lines.append(
                f"eca = {GAS_CONSTANT!r}*joule/mole/kelvin*(celsius + 273.15)*kelvin/"
                f"(2*{FARADAY!r}*coulomb/mole)*log(cao/cai) : volt"
            )
            report.rewritten.append(
                "eca: computed by Nernst from cai and cao at celsius, as NEURON's ion mechanism "
                f"does (cao default 2 mM); where the pool is absent cai relaxes to "
                f"{NEURON_CAI0} mM"
            )
        report.produced = "concentration pool (Channel writing cai)" if pool else "Channel"
        if any(len(b) > 1 for b in self.mod.globals_):
            report.assumed.append(
                "GLOBAL " + ", ".join(self.mod.globals_) + ": per-compartment values here"
            )
        init = {self._rename(s): self._initial_text(e, s) for s, e in initial.items()}
        return Channel(
            name=name,
            equations="\n".join(lines),
            currents=tuple(current_list),
            parameters=params,
            densities=densities,
            initial=init,
            method=method,
            reference=f"imported from {Path(mod.path).name} (NMODL, {mod.kind} {mod.name})",
            reads=tuple(r for r in self.reads),
            writes=tuple(self.writes),
        )

    def _initial_text(self, e, state, *, receptor=False) -> str:
        unit = self.units[state]
        text = self.expression(e, receptor=receptor)
        return text if unit.dimensionless else f"({text})*{unit.expression}"

    def _receptor(self, name, derivs, subexpr, bp_values, currents, initial, method) -> Receptor:
        mod, report = self.mod, self.report
        if "NET_RECEIVE" not in mod.blocks:
            raise mod.error(
                "POINT_PROCESS",
                "a POINT_PROCESS without NET_RECEIVE is not supported (the package's electrodes "
                "inject currents)",
            )
        if len(currents) != 1 or mod.useions:
            raise mod.error("NONSPECIFIC_CURRENT", "a POINT_PROCESS needs one nonspecific current")
        var = currents[0]
        unit = self.units.get(var)
        if unit is None or unit.dim is not DEFAULT_UNITS["amp"].dim:
            raise mod.error(var, f"the current {var} of a POINT_PROCESS must be declared in (nA)")
        expr = bp_values[var].xreplace(
            {sp.Symbol(k): v for k, v in subexpr.items() if k in mod.assigned}
        )
        g, rev = self._linear_current(var, expr)
        if g is None or not isinstance(rev, str) or rev not in self.parameters:
            raise mod.error(var, f"the current {var} must be g*(v - e) with e a PARAMETER")
        self.info["currents"][var] = (g, rev)
        states = [s for s in mod.states if s in derivs]
        for k in list(subexpr):
            if k == "g":
                subexpr.pop(k)  # the receptor's own g is defined below
        lines = self._equations(derivs, subexpr, states, receptor=True)
        lines.append(
            f"g = ({self.expression(g, receptor=True)})*{unit.expression}/"
            f"{self.units['v'].expression} : siemens"
        )
        args, statements = mod.blocks["NET_RECEIVE"]
        if len(args) != 1:
            raise mod.error("NET_RECEIVE", "NET_RECEIVE must take exactly one argument, the weight")
        weight, wunit = args[0]
        if wunit.dimensionless:
            wunit = mod.units.parse("uS")
            report.assumed.append("NET_RECEIVE weight without unit: taken in uS (NEURON's usage)")
        net = self.ex.run(statements)
        on_pre = []
        for k, e in net.values.items():
            if k in net.locals:
                continue
            if k not in states:
                raise mod.error(
                    "NET_RECEIVE", f"NET_RECEIVE assigns {k}, not a state: not supported"
                )
            text = self.expression(
                e.xreplace({sp.Symbol(weight): sp.Symbol(f"(w/{wunit.expression})")}),
                receptor=True,
            )
            scale = "" if self.units[k].dimensionless else f"*{self.units[k].expression}"
            on_pre.append(f"{self._rename(k)} = ({text}){scale}")
        reversal = self.parameters[rev]
        params = {self._rename(p): q for p, q in self.parameters.items() if p != rev}
        report.assumed.append(f"reversal {rev} = {reversal}: fixed when the receptor is made")
        report.produced = "Receptor"
        init = {
            self._rename(s): self._initial_text(e, s, receptor=True) for s, e in initial.items()
        }
        return Receptor(
            name=name,
            equations="\n".join(lines),
            on_pre="\n".join(on_pre),
            parameters=params,
            reversal=reversal,
            initial=init,
            method=method,
            reference=f"imported from {Path(mod.path).name} (NMODL, {mod.kind} {mod.name})",
        )
