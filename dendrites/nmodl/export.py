"""NMODL generated from a package mechanism's own Brian2 equations (issue #14, export).

:func:`to_nmodl` translates a :class:`~dendrites.mechanisms.base.Channel` into a density
mechanism (``SUFFIX``) and a :class:`~dendrites.mechanisms.base.Receptor` into a
``POINT_PROCESS`` whose ``NET_RECEIVE(weight (uS))`` runs the receptor's ``on_pre``. Nothing is
written by hand per mechanism: every expression is the mechanism's own, parsed with
:class:`brian2.Equations` and rendered to NMODL syntax.

Translation rules
-----------------
* Everything is computed in SI, as the package does: parameters are unitless ``PARAMETER``
  entries holding SI values (``gnabar`` in S/m2, ``ENa`` in volt, ``tau`` in second), so the
  package's per-compartment values are set unchanged. ``v_si = v*1e-3``, ``t_si = t*1e-3``,
  units inside expressions (``mV``, ``ms``, ``mM``...) become their SI values.
* Ion variables keep NEURON's names and units at the interface and are converted on the way in
  and out: a reversal ``eca`` (mV) is ``eca_si`` (volt), a current ``ica`` (mA/cm2) is
  ``ica_si`` (A/m2, factor 10), concentrations are the same number in mM and mol/m3.
* Currents: the package's inward-positive SI current densities become NEURON's outward-positive
  ``i`` (mA/cm2) = ``-I*0.1``; an ion's currents are ``WRITE i<ion>``, others
  ``NONSPECIFIC_CURRENT``. A receptor's current is ``i (nA) = g*block*(v - E_rev)*1e9``.
* Brian2 functions without an NMODL twin (``exprel`` with its limit at 0, ``int``, ``clip``,
  ``sign``) are generated ``FUNCTION`` blocks.

Time stepping (matching the package's backend, :mod:`dendrites.backend`)
------------------------------------------------------------------------
NEURON's fixed step evaluates the ``BREAKPOINT`` currents at ``t + dt/2`` and advances the states
after the voltage update at ``t + dt``; the package advances a channel's states from ``v(t)`` and
then solves the cable with them. The two are the same staggered scheme, shifted by one step of
the state sequence, so: a channel's states are advanced with NEURON's ``v`` and ``t`` (package
time of that update); currents use ``t_si = (t - dt/2)*1e-3`` (package time of the cable update)
and a threshold is checked after the voltage update with ``t_si = (t - dt)*1e-3``, before the
states advance (the package checks after the cable update). A receptor's states advance in the
package from the voltage *before* the cable update, after its current has been summed: they use
the ``v`` stored by the last ``BREAKPOINT`` (``v_last``) and ``t_si = (t - dt)*1e-3``; an event
acts at its step's start (``t_si = dt*floor(t/dt + 0.5)``, as the package rounds spike times).

Integration methods: ``exponential_euler`` becomes ``METHOD cnexp`` (the exact step of an
equation linear in its state with the other values frozen: Brian2's exponential Euler; measured
8e-11 mV from NEURON's own ``hh``). ``exact`` (linear equations) is the update Brian2's own
``linear`` state updater writes for the equations, rendered as a ``PROCEDURE`` (the same
formulas as the package, e.g. the alpha synapse's coupled states). ``rk4`` and ``euler`` are
written out as explicit steps in a ``PROCEDURE`` with the package's stage times (``t + dt/2``,
``t + dt``). A mechanism writing an ion variable computes it after its states advance (``eca``
of a calcium pool from its new ``cai``, as the package's subexpression), so NEURON's own Nernst
update never runs for it. A mechanism that reads an ion current while its states advance (the
pool's ``ica``) gets the package's value there, the current at the voltage of that update:
NEURON's value from the last ``BREAKPOINT`` plus the ion's ``dica_dv_`` (a ``POINTER``, see
:attr:`Exported.pointers`) times the voltage change since then (exact for ohmic currents).
A concentration or reversal a mechanism reads while its states advance (``cai`` of
``SK_E2``) is the value of the last ``BREAKPOINT``: the package advances every state from the
values at the start of its step, while NEURON may advance a pool before its readers (it did:
reading ``cai`` live put 0.5 mV RMS between the two on the Hay channels).

Names: ``SUFFIX``/``POINT_PROCESS`` ``dd_<name>_<8 hex>``, the hex being the start of the SHA-256
of the generated text, so two versions of a mechanism never clash in one NEURON process.
Parameters, states and subexpressions keep the package's names (a name NMODL reserves gets a
trailing ``_``; :func:`export` returns the mapping).
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from brian2.core.functions import DEFAULT_CONSTANTS
from brian2.core.namespace import DEFAULT_UNITS
from brian2.equations.equations import (
    DIFFERENTIAL_EQUATION,
    PARAMETER,
    SUBEXPRESSION,
    Equations,
)
from brian2.utils.stringtools import get_identifiers

from ..errors import ParameterError
from ..mechanisms.base import Channel, Receptor
from ..mechanisms.ions import ion_variable

__all__ = ["ExportError", "Exported", "export", "nmodl_name", "to_nmodl"]

#: Names NMODL or NEURON use themselves: a mechanism name among them gets a trailing ``_``.
RESERVED = frozenset(
    "v t dt celsius area diam i PI FARADAY R e secondorder pi nrn weight flag net_send exp log "
    "fabs sqrt pow floor ceil sin cos tan erf fmin fmax states rates advance events writes v_si "
    "t_si dt_si v_last E_rev block_si".split()
)

#: Brian2 functions -> NMODL (C math) functions; ``dd_*`` are generated FUNCTIONs.
_FUNCTIONS = {
    **{f: f for f in "exp log log10 sqrt sin cos tan sinh cosh tanh floor ceil".split()},
    **{"abs": "fabs", "arcsin": "asin", "arccos": "acos", "arctan": "atan"},
    **{f: f"dd_{f}" for f in ("exprel", "expm1", "int", "clip", "sign")},
}
_FUNCTION_BLOCKS = {
    # exp(x) - 1 loses relative precision for small x: a 4-term series below 1e-4 (error < 1e-18)
    "dd_exprel": """FUNCTION dd_exprel(x) {
    if (fabs(x) < 1e-4) {
        dd_exprel = 1 + x/2 + x*x/6 + x*x*x/24
    } else {
        dd_exprel = (exp(x) - 1)/x
    }
}""",
    "dd_expm1": """FUNCTION dd_expm1(x) {
    dd_expm1 = x*dd_exprel(x)
}""",
    "dd_int": """FUNCTION dd_int(x) {
    if (x < 0) {
        dd_int = -floor(-x)
    } else {
        dd_int = floor(x)
    }
}""",
    "dd_clip": """FUNCTION dd_clip(x, lo, hi) {
    if (x < lo) {
        dd_clip = lo
    } else if (x > hi) {
        dd_clip = hi
    } else {
        dd_clip = x
    }
}""",
    "dd_sign": """FUNCTION dd_sign(x) {
    if (x > 0) {
        dd_sign = 1
    } else if (x < 0) {
        dd_sign = -1
    } else {
        dd_sign = 0
    }
}""",
}
_METHODS = {
    "exponential_euler": "cnexp",
    "exact": "cnexp",
    "linear": "cnexp",
    "rk4": "rk4",
    "euler": "euler",
}
#: Factor from NEURON's unit of an ion variable to SI, by kind.
_ION_FACTORS = {"reversal": 1e-3, "current": 10.0, "inside": 1.0, "outside": 1.0}
_ION_UNITS = {"reversal": "mV", "current": "mA/cm2", "inside": "mM", "outside": "mM"}


class ExportError(ParameterError):
    """A mechanism cannot be written as NMODL: the message names the mechanism and the part
    (an equation, a function, a method) that has no translation."""

    def __init__(self, mechanism: str, part: str, message: str):
        self.mechanism = mechanism
        super().__init__(part, f"mechanism {mechanism!r}: {message}")


@dataclass(frozen=True)
class Exported:
    """An exported mechanism.

    Attributes
    ----------
    name : str
        NEURON's name (``SUFFIX`` or ``POINT_PROCESS``), ``dd_<name>_<8 hex>``.
    text : str
        The NMODL file's content.
    point : bool
        True for a POINT_PROCESS (a receptor).
    parameters : dict of str -> float
        NEURON's name of each package parameter -> its default, SI.
    names : dict of str -> str
        Package name -> NEURON name of every parameter and state (equal unless NMODL reserves it).
    writes : tuple of str
        Ion variables the mechanism writes besides currents (``cai``, ``eca``).
    pointers : dict of str -> str
        ``POINTER`` of the mechanism -> the segment variable it must point to (``dicadv`` ->
        ``dica_dv_`` for a pool reading ``ica``): set it in every segment (``h.setpointer``)
        before running.
    """

    name: str
    text: str
    point: bool
    parameters: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    writes: tuple = ()
    pointers: dict = field(default_factory=dict)
    #: ``setter(h, seg, mechanism, parameter, value)`` for a mechanism built from its original
    #: file (:func:`dendrites.nmodl.neuron.from_original`): units and globals of the file
    setter: object = None


# ------------------------------------------------------------------------------ expressions
class _Renderer:
    """Brian2 expressions and statements -> NMODL text, names mapped through `names`."""

    _BINOPS: ClassVar[dict] = {
        ast.Add: "+",
        ast.Sub: "-",
        ast.Mult: "*",
        ast.Div: "/",
        ast.Pow: "^",
    }
    _CMPOPS: ClassVar[dict] = {
        ast.Lt: "<",
        ast.LtE: "<=",
        ast.Gt: ">",
        ast.GtE: ">=",
        ast.Eq: "==",
        ast.NotEq: "!=",
    }

    def __init__(self, mechanism: str, names: dict):
        self.mechanism = mechanism
        self.names = names
        self.functions: set[str] = set()

    def fail(self, code: str, why: str):
        raise ExportError(self.mechanism, "equations", f"cannot translate {code!r}: {why}")

    def expr(self, code: str, names: dict | None = None) -> str:
        try:
            tree = ast.parse(code.strip(), mode="eval")
        except SyntaxError as exc:
            self.fail(code, f"not an expression ({exc.msg})")
        return self._node(tree.body, code, {**self.names, **(names or {})})

    def _node(self, node, code: str, names: dict) -> str:
        r = lambda n: self._node(n, code, names)  # noqa: E731
        if isinstance(node, ast.BinOp) and type(node.op) in self._BINOPS:
            if isinstance(node.op, ast.Pow):
                return f"pow({r(node.left)}, {r(node.right)})"
            return f"({r(node.left)} {self._BINOPS[type(node.op)]} {r(node.right)})"
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return f"(-{r(node.operand)})"
            if isinstance(node.op, ast.UAdd):
                return r(node.operand)
            if isinstance(node.op, ast.Not):
                return f"(!{r(node.operand)})"
        if isinstance(node, ast.BoolOp):
            op = " && " if isinstance(node.op, ast.And) else " || "
            return "(" + op.join(r(v) for v in node.values) + ")"
        if isinstance(node, ast.Compare):
            parts, left = [], node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                if type(op) not in self._CMPOPS:
                    self.fail(code, f"comparison {type(op).__name__}")
                parts.append(f"({r(left)} {self._CMPOPS[type(op)]} {r(right)})")
                left = right
            return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            fname = node.func.id
            if fname not in _FUNCTIONS or node.keywords:
                self.fail(code, f"function {fname!r} has no NMODL translation")
            target = _FUNCTIONS[fname]
            if target.startswith("dd_"):
                self.functions.add(target)
                if target == "dd_expm1":
                    self.functions.add("dd_exprel")
            return f"{target}({', '.join(r(a) for a in node.args)})"
        if isinstance(node, ast.Name):
            return self._name(node.id, code, names)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return _number(float(node.value))
        self.fail(code, f"unsupported syntax {type(node).__name__}")

    def _name(self, name: str, code: str, names: dict) -> str:
        if name in names:
            return names[name]
        if name in ("True", "False"):
            return "1" if name == "True" else "0"
        if name in DEFAULT_CONSTANTS:
            return _number(float(DEFAULT_CONSTANTS[name].value))
        if name in DEFAULT_UNITS:
            return _number(float(DEFAULT_UNITS[name]))
        self.fail(code, f"unknown name {name!r}")

    def statements(self, code: str, names: dict | None = None, indent: str = "    ") -> list[str]:
        """``x = expr``, ``x += expr`` (and -=, *=, /=) statements, one per line."""
        names = {**self.names, **(names or {})}
        out = []
        for line in code.splitlines():
            line = line.split("#")[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"([A-Za-z_]\w*)\s*([-+*/]?)=\s*(.+)", line)
            if m is None:
                self.fail(line, "not a statement 'name = expression'")
            target, op, rhs = m.groups()
            if target not in names:
                self.fail(line, f"assigns the unknown name {target!r}")
            lhs = names[target]
            value = self.expr(rhs, names)
            out.append(f"{indent}{lhs} = {lhs} {op} {value}" if op else f"{indent}{lhs} = {value}")
        return out


def _number(x: float) -> str:
    if not np.isfinite(x):
        return "1e300" if x > 0 else "-1e300"
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _toposort(mechanism: str, eqs: Equations, names) -> list[str]:
    """Subexpressions in dependency order."""
    subs = [n for n in eqs.keys() if eqs[n].type == SUBEXPRESSION]
    deps = {n: get_identifiers(eqs[n].expr.code) & set(subs) for n in subs}
    order: list[str] = []
    pending = list(subs)
    while pending:
        ready = [n for n in pending if deps[n] <= set(order)]
        if not ready:
            raise ExportError(mechanism, "equations", f"circular subexpressions: {pending}")
        order += ready
        pending = [n for n in pending if n not in ready]
    return order


# ------------------------------------------------------------------------------ generation
def _safe(name: str) -> str:
    return name + "_" if name in RESERVED else name


def nmodl_name(mechanism: Channel | Receptor) -> str:
    """NEURON's name of the mechanism's generated NMODL (``dd_<name>_<8 hex of its text>``)."""
    return export(mechanism).name


def to_nmodl(mechanism: Channel | Receptor) -> str:
    """The NMODL text of a package mechanism, generated from its own Brian2 equations.

    Parameters
    ----------
    mechanism : Channel or Receptor
        A channel becomes a density mechanism (``SUFFIX``), a receptor a ``POINT_PROCESS`` with
        ``NET_RECEIVE(weight (uS))``. See the module docstring for the rules.

    Returns
    -------
    str

    Raises
    ------
    ExportError
        A function, a statement or an integration method without NMODL translation (the message
        names the mechanism and the expression).

    Examples
    --------
    >>> from dendrites.mechanisms import hh
    >>> to_nmodl(hh).splitlines()[1].split()[0]
    'NEURON'
    """
    return export(mechanism).text


def export(mechanism: Channel | Receptor) -> Exported:
    """:func:`to_nmodl` with NEURON's name, parameter defaults and name mapping
    (:class:`Exported`)."""
    if isinstance(mechanism, Channel):
        body, info = _channel(mechanism)
    elif isinstance(mechanism, Receptor):
        body, info = _receptor(mechanism)
    else:
        raise ParameterError(
            "mechanism", f"expected a Channel or a Receptor, got {type(mechanism).__name__}"
        )
    base = re.sub(r"\W", "_", mechanism.name)
    digest = hashlib.sha256(body.encode()).hexdigest()[:8]
    name = f"dd_{base}_{digest}"
    return Exported(name=name, text=body.replace("@NAME@", name), **info)


def _parse(mechanism) -> Equations:
    try:
        return Equations(mechanism.equations)
    except Exception as exc:  # brian2 raises several types for bad equations
        raise ExportError(mechanism.name, "equations", f"Brian2 cannot parse them: {exc}") from None


def _method(mechanism, eqs) -> str:
    if not any(eqs[n].type == DIFFERENTIAL_EQUATION for n in eqs.names):
        return ""
    if mechanism.method not in _METHODS:
        raise ExportError(
            mechanism.name,
            "method",
            f"integration method {mechanism.method!r} has no NMODL translation (known: "
            f"{', '.join(sorted(_METHODS))})",
        )
    return _METHODS[mechanism.method]


class _Builder:
    """Shared parts of a channel's and a receptor's NMODL text."""

    def __init__(self, mechanism, eqs: Equations, parameters: dict, ion_names: dict):
        self.mech = mechanism
        self.eqs = eqs
        order = list(eqs.keys())  # the order of the text (eqs.names is a set)
        self.states = [n for n in order if eqs[n].type == DIFFERENTIAL_EQUATION]
        self.plain = [n for n in order if eqs[n].type == PARAMETER]  # set by resets/on_pre
        self.subs = _toposort(mechanism.name, eqs, None)
        for pname in parameters:
            if pname in eqs.names:
                raise ExportError(
                    mechanism.name, pname, "is both a parameter and defined by the equations"
                )
        self.parameters = parameters
        self.names = {n: _safe(n) for n in (*parameters, *order)}
        self.names.update(ion_names)
        self.names.update({"v": "v_si", "v_post": "v_si", "t": "t_si", "dt": "dt_si"})
        self.r = _Renderer(mechanism.name, self.names)

    def subexpressions(self, indent="    ", names=None) -> list[str]:
        names = names or {}
        out = []
        for n in self.subs:
            target = names.get(n, self.names[n])
            out.append(f"{indent}{target} = {self.r.expr(self.eqs[n].expr.code, names)}")
        return out

    def initial(self, initial: dict, indent="    ") -> list[str]:
        """States and plain variables set from `initial`, subexpressions computed as soon as
        what they use is known (writers of ion variables first set their state)."""
        known = set(self.parameters) | set(self.r.names) - set(self.eqs.names)
        known |= {"v", "v_post", "t", "dt"}
        lines: list[str] = []
        todo_subs = list(self.subs)
        todo_states = [*self.states, *self.plain]
        while todo_subs or todo_states:
            progress = False
            for n in list(todo_subs):
                if get_identifiers(self.eqs[n].expr.code) & set(self.eqs.names) <= known:
                    lines.append(f"{indent}{self.names[n]} = {self.r.expr(self.eqs[n].expr.code)}")
                    known.add(n)
                    todo_subs.remove(n)
                    progress = True
            for n in list(todo_states):
                code = initial.get(n, "0")
                if get_identifiers(code) & set(self.eqs.names) <= known:
                    lines.append(f"{indent}{self.names[n]} = {self.r.expr(code)}")
                    known.add(n)
                    todo_states.remove(n)
                    progress = True
            if not progress:
                raise ExportError(
                    self.mech.name,
                    "initial",
                    f"initial values depend on each other: {todo_states + todo_subs}",
                )
        return lines

    def derivative(self, prologue: list[str], epilogue: list[str] = ()) -> list[str]:
        """A DERIVATIVE block (``x' = rhs*1e-3``, per ms) for cnexp; `epilogue` runs after the
        states have advanced (cnexp replaces each equation by its update in place)."""
        lines = ["DERIVATIVE states {", *prologue, *self.subexpressions()]
        for n in self.states:
            lines.append(f"    {self.names[n]}' = {self.r.expr(self.eqs[n].expr.code)}*1e-3")
        return [*lines, *epilogue, "}"]

    def explicit(self, method: str, prologue: list[str], t0: str) -> list[str]:
        """A PROCEDURE advancing the states one step with explicit Euler or RK4 (Brian2's
        stages: times t, t + dt/2, t + dt/2, t + dt)."""
        stages = (
            [("0", "")]
            if method == "euler"
            else [("0", ""), ("0.5", "1"), ("0.5", "2"), ("1", "3")]
        )
        lines = ["PROCEDURE advance() {", *prologue]
        tmp = {n: f"{self.names[n]}_rk" for n in self.states}
        for k, (frac, prev) in enumerate(stages, start=1):
            lines.append(f"    t_si = {t0} + {frac}*dt_si")
            for n in self.states:
                src = self.names[n] + (f" + {frac}*{self.names[n]}_k{prev}" if prev else "")
                lines.append(f"    {tmp[n]} = {src}")
            lines += self.subexpressions(names={**tmp, **{s: f"{s}_rk" for s in self.subs}})
            for n in self.states:
                rhs = self.r.expr(
                    self.eqs[n].expr.code, {**tmp, **{s: f"{s}_rk" for s in self.subs}}
                )
                lines.append(f"    {self.names[n]}_k{k} = dt_si*{rhs}")
        for n in self.states:
            x = self.names[n]
            if method == "euler":
                lines.append(f"    {x} = {x} + {x}_k1")
            else:
                lines.append(f"    {x} = {x} + ({x}_k1 + 2*{x}_k2 + 2*{x}_k3 + {x}_k4)/6")
        self.scratch = [
            f"{self.names[n]}_{s}"
            for n in self.states
            for s in ("rk", *(f"k{k}" for k in range(1, len(stages) + 1)))
        ]
        self.scratch += [f"{s}_rk" for s in self.subs]
        return [*lines, "}"]

    def exact(self, prologue: list[str]) -> list[str] | None:
        """A PROCEDURE with the update Brian2's ``linear`` (``exact``) state updater writes for
        these equations (the same formulas the package runs), or None if it refuses them."""
        from brian2.core.variables import Variable
        from brian2.stateupdaters.base import UnsupportedEquationsException
        from brian2.stateupdaters.exact import linear
        from brian2.units.allunits import second, volt
        from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions

        variables = {}
        for p, q in self.parameters.items():
            dim = get_dimensions(q) if hasattr(q, "dim") else DIMENSIONLESS
            variables[p] = Variable(name=p, dimensions=dim, constant=True, read_only=True)
        for n in (*self.states, *self.plain):
            variables[n] = Variable(name=n, dimensions=self.eqs[n].dim)
        for n in ("v", "v_post", "t"):
            variables[n] = Variable(name=n, dimensions=(second if n == "t" else volt).dim)
        try:
            code = linear(self.eqs, variables)
        except (UnsupportedEquationsException, KeyError, ValueError, TypeError):
            return None
        names = {f"_{n}": f"{self.names[n]}_next" for n in self.states}
        self.scratch = list(names.values())
        lines = ["PROCEDURE advance() {", *prologue]
        lines += self.r.statements(code, names)
        return [*lines, "}"]

    def header(self, kind: str, extra: list[str]) -> list[str]:
        ranges = [self.names[n] for n in (*self.parameters, *self.subs, *self.plain)]
        out = [
            f": Generated by dendrites.nmodl.export from the Brian2 equations of "
            f"{self.mech.name!r}",
            "NEURON {",
            f"    {kind} @NAME@",
            *extra,
            f"    RANGE {', '.join(ranges)}" if ranges else "",
            "}",
        ]
        return [line for line in out if line]

    def functions(self) -> list[str]:
        return [_FUNCTION_BLOCKS[f] for f in sorted(self.r.functions)]


def _parameter_block(parameters: dict, names: dict) -> list[str]:
    lines = ["PARAMETER {"]
    for p, q in parameters.items():
        value = float(np.asarray(q, dtype=float))
        lines.append(f"    {names[p]} = {_number(value)}")
    return [*lines, "}"]


def _channel(ch: Channel) -> tuple[str, dict]:
    eqs = _parse(ch)
    # ion variables: read (converted in) and written (converted out)
    ion_vars = sorted(set(ch.reads) | set(ch.writes))
    ion_names = {}
    for n in ion_vars:
        kind = ion_variable(n)[1]
        same = kind in ("inside", "outside") and n in ch.writes  # a pool's own state
        ion_names[n] = n if same else f"{n}_si"
    b = _Builder(ch, eqs, dict(ch.parameters), ion_names)
    for n in ch.writes:
        if n not in eqs.names:
            raise ExportError(ch.name, n, "is written but not defined by the equations")
        b.names[n] = ion_names[n]
    method = _method(ch, eqs)
    # USEION per ion
    ions: dict[str, dict[str, list]] = {}
    for n in ch.reads:
        ions.setdefault(ion_variable(n)[0], {"READ": [], "WRITE": []})["READ"].append(n)
    for n in ch.writes:
        ions.setdefault(ion_variable(n)[0], {"READ": [], "WRITE": []})["WRITE"].append(n)
    currents_by_ion: dict[str, list] = {}
    nonspecific = []
    for cur in ch.currents:
        if cur.ion:
            currents_by_ion.setdefault(cur.ion, []).append(cur)
            ions.setdefault(cur.ion, {"READ": [], "WRITE": []})
            if f"i{cur.ion}" not in ions[cur.ion]["WRITE"]:
                ions[cur.ion]["WRITE"].append(f"i{cur.ion}")
        else:
            nonspecific.append(cur)
    extra = []
    for ion, rw in sorted(ions.items()):
        text = f"    USEION {ion}"
        if rw["READ"]:
            text += f" READ {', '.join(rw['READ'])}"
        if rw["WRITE"]:
            text += f" WRITE {', '.join(rw['WRITE'])}"
        extra.append(text)
    cur_vars = {cur.name: f"i_{re.sub(r'\W', '_', cur.name)}" for cur in nonspecific}
    if nonspecific:
        extra.append(f"    NONSPECIFIC_CURRENT {', '.join(cur_vars.values())}")
    # an ion current read while the states advance is the package's value at the voltage of
    # that update: NEURON's value (from the last BREAKPOINT) plus its derivative (the ion's
    # d<i>_dv_, through a POINTER) times the voltage change since then
    pointers = {f"d{n}dv": f"d{n}_dv_" for n in ch.reads if ion_variable(n)[1] == "current"}
    if pointers:
        extra.append(f"    POINTER {', '.join(pointers)}")
    header = b.header("SUFFIX", extra)
    # conversions of ion variables in and out
    read_in = []
    for n in ion_vars:
        kind = ion_variable(n)[1]
        if n in ch.reads and ion_names[n] != n:
            read_in.append(f"    {ion_names[n]} = {n}*{_number(_ION_FACTORS[kind])}")
    # a concentration or reversal read while the states advance is the value of the last
    # BREAKPOINT (<name>_bp), whatever NEURON's order of the mechanisms' state updates: the
    # package advances every state from the values at the start of its step
    held = [n for n in ch.reads if ion_variable(n)[1] != "current" and n not in ch.writes]
    advance_in = []
    for n, line in zip(
        [n for n in ion_vars if n in ch.reads and ion_names[n] != n], read_in, strict=True
    ):
        factor = _number(_ION_FACTORS[ion_variable(n)[1]])
        if f"d{n}dv" in pointers:
            line = f"    {ion_names[n]} = ({n} + d{n}dv*(v - v_last))*{factor}"
        elif n in held:
            line = f"    {ion_names[n]} = {n}_bp*{factor}"
        advance_in.append(line)
    store = [f"    {n}_bp = {n}" for n in held] + (["    v_last = v"] if pointers else [])
    write_out = []
    for n in ch.writes:
        kind = ion_variable(n)[1]
        if ion_names[n] != n:
            write_out.append(f"    {n} = {ion_names[n]}/{_number(_ION_FACTORS[kind])}")
    blocks: list[str] = [*header, *_parameter_block(ch.parameters, b.names)]
    # declarations
    assigned = ["ASSIGNED {", "    v (mV)", "    dt (ms)", "    v_si", "    t_si", "    dt_si"]
    assigned += [f"    {p}" for p in pointers] + (["    v_last"] if pointers else [])
    assigned += [f"    {n}_bp" for n in held]
    for n in ion_vars:
        kind = ion_variable(n)[1]
        if n in b.states:
            continue
        assigned.append(f"    {n} ({_ION_UNITS[kind]})")
        if ion_names[n] != n:
            assigned.append(f"    {ion_names[n]}")
    for cur in ch.currents:
        if cur.ion and f"i{cur.ion}" not in ion_vars:
            assigned.append(f"    i{cur.ion} (mA/cm2)")
            ion_vars.append(f"i{cur.ion}")
    assigned += [f"    {v} (mA/cm2)" for v in cur_vars.values()]
    assigned += [f"    {b.names[n]}" for n in (*b.subs, *b.plain)]
    # the body
    prologue = ["    v_si = v*1e-3", "    t_si = t*1e-3", "    dt_si = dt*1e-3", *advance_in]
    init_prologue = [*prologue[:3], *read_in, *store]
    states_block: list[str] = []
    solves = []
    if ch.threshold:
        tprol = [
            "    v_si = v*1e-3",
            "    dt_si = dt*1e-3",
            "    t_si = (t - dt)*1e-3",
            *advance_in,
        ]
        cond = b.r.expr(ch.threshold)
        states_block += [
            "PROCEDURE events() {",
            *tprol,
            *b.subexpressions(),
            f"    if ({cond}) {{",
            *b.r.statements(ch.reset, indent="        "),
            "    }",
            "}",
        ]
        solves.append("    SOLVE events")
    scratch: list[str] = []
    writes = [*b.subexpressions(), *write_out] if write_out else []
    if method == "cnexp":
        states_block += b.derivative(prologue, writes)
        solves.append("    SOLVE states METHOD cnexp")
    elif method:
        states_block += b.explicit(method, prologue, "t*1e-3")
        states_block.insert(-1, "\n".join(writes)) if writes else None
        scratch = b.scratch
        solves.append("    SOLVE advance")
    elif write_out:
        states_block += ["PROCEDURE writes() {", *prologue, *b.subexpressions(), *write_out, "}"]
        solves.append("    SOLVE writes")
    assigned += [f"    {s}" for s in scratch]
    blocks += [*dict.fromkeys(assigned), "}"]
    if b.states:
        blocks += ["STATE {", *(f"    {b.names[n]}" for n in b.states), "}"]
    init = ["INITIAL {", *init_prologue, *b.initial(ch.initial), *write_out, "}"]
    # currents, outward positive, mA/cm2
    breakpoint = ["BREAKPOINT {", *solves, *store]
    breakpoint += ["    v_si = v*1e-3", "    t_si = (t - dt/2)*1e-3", "    dt_si = dt*1e-3"]
    breakpoint += [*read_in, *b.subexpressions()]

    def inward(cur) -> str:
        if cur.ohmic:
            rev = b.names.get(cur.reversal, cur.reversal)
            return f"{b.r.expr(cur.conductance)}*({rev} - v_si)"
        return b.r.expr(cur.density)

    for ion, curs in sorted(currents_by_ion.items()):
        total = " + ".join(inward(c) for c in curs)
        breakpoint.append(f"    i{ion} = -({total})*0.1")
    for cur in nonspecific:
        breakpoint.append(f"    {cur_vars[cur.name]} = -({inward(cur)})*0.1")
    breakpoint.append("}")
    blocks += [*init, *breakpoint, *states_block, *b.functions()]
    info = {
        "point": False,
        "parameters": {b.names[p]: float(np.asarray(q)) for p, q in ch.parameters.items()},
        "names": {n: b.names[n] for n in (*ch.parameters, *b.states, *b.plain)},
        "writes": tuple(ch.writes),
        "pointers": pointers,
    }
    return "\n".join(blocks) + "\n", info


def _receptor(rec: Receptor) -> tuple[str, dict]:
    eqs = _parse(rec)
    parameters = {**rec.parameters, **rec.block_parameters, "w": 0.0}
    if "g" not in eqs.names:
        raise ExportError(rec.name, "equations", "a receptor's equations must define g")
    b = _Builder(rec, eqs, parameters, {})
    method = _method(rec, eqs)
    header = b.header("POINT_PROCESS", ["    NONSPECIFIC_CURRENT i", "    RANGE E_rev"])
    params = _parameter_block(parameters, b.names)
    params.insert(-1, f"    E_rev = {_number(float(np.asarray(rec.reversal)))}")
    # the states advance from the voltage before the cable update (stored by BREAKPOINT) at the
    # package's time of that update
    prologue = ["    v_si = v_last*1e-3", "    t_si = (t - dt)*1e-3", "    dt_si = dt*1e-3"]
    states_block: list[str] = []
    solves = []
    scratch: list[str] = []
    exact = b.exact(prologue) if rec.method in ("exact", "linear") and b.states else None
    if exact is not None:
        states_block += exact
        scratch = b.scratch
        solves.append("    SOLVE advance")
    elif method == "cnexp":
        states_block += b.derivative(prologue)
        solves.append("    SOLVE states METHOD cnexp")
    elif method:
        states_block += b.explicit(method, prologue, "(t - dt)*1e-3")
        scratch = b.scratch
        solves.append("    SOLVE advance")
    assigned = [
        "ASSIGNED {",
        "    v (mV)",
        "    dt (ms)",
        "    i (nA)",
        "    v_si",
        "    t_si",
        "    dt_si",
        "    v_last",
        "    block_si",
    ]
    assigned += [f"    {b.names[n]}" for n in (*b.subs, *b.plain)]
    assigned += [f"    {s}" for s in scratch]
    blocks = [*header, *params, *dict.fromkeys(assigned), "}"]
    if b.states:
        blocks += ["STATE {", *(f"    {b.names[n]}" for n in b.states), "}"]
    init_prologue = [
        "    v_last = v",
        "    v_si = v*1e-3",
        "    t_si = t*1e-3",
        "    dt_si = dt*1e-3",
    ]
    blocks += ["INITIAL {", *init_prologue, *b.initial(rec.initial), "}"]
    blocks += [
        "BREAKPOINT {",
        *solves,
        "    v_last = v",
        "    v_si = v*1e-3",
        "    t_si = (t - dt/2)*1e-3",
        "    dt_si = dt*1e-3",
        *b.subexpressions(),
        f"    block_si = {b.r.expr(rec.block or '1')}",
        f"    i = {b.names['g']}*block_si*(v_si - E_rev)*1e9",
        "}",
    ]
    blocks += [
        "NET_RECEIVE(weight (uS)) {",
        "    w = weight*1e-6",
        "    v_si = v*1e-3",
        "    dt_si = dt*1e-3",
        "    t_si = dt*floor(t/dt + 0.5)*1e-3",
        *b.r.statements(rec.on_pre),
        "}",
    ]
    blocks += [*states_block, *b.functions()]
    info = {
        "point": True,
        "parameters": {
            **{b.names[p]: float(np.asarray(q)) for p, q in parameters.items()},
            "E_rev": float(np.asarray(rec.reversal)),
        },
        "names": {n: b.names[n] for n in (*parameters, *b.states, *b.plain)},
    }
    return "\n".join(blocks) + "\n", info
