"""Reading a ``.mod`` file with NEURON's NMODL framework: parse, refuse what is not supported,
collect the declarations.

The parser is NEURON's own (``neuron.nmodl``, shipped in NEURON's wheels). After parsing, the
framework's visitors rewrite the syntax tree: :class:`InlineVisitor` inlines every PROCEDURE and
FUNCTION call, :class:`KineticBlockVisitor` turns a KINETIC scheme into the equivalent DERIVATIVE
block (one ODE per state, CONSERVE as an algebraic state). What remains is a small language:
assignments, ``x' = ...``, if/else and expressions, which :mod:`dendrites.nmodl.symbolic`
executes symbolically.

Anything the package cannot represent is refused with a :class:`~dendrites.errors.ModFileError`
naming the construct and its line: VERBATIM C code, POINTER, NONLINEAR/LINEAR/DISCRETE/PARTIAL
blocks, FUNCTION_TABLE, WATCH, net_send, FOR_NETCONS, arrays, loops, CONSTRUCTOR/DESTRUCTOR,
BEFORE/AFTER blocks, LAG, ELECTRODE_CURRENT. (The framework's Python bindings expose no token
positions, so the line is found in the source text: the first line, outside comments, where the
construct's keyword appears.)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ModFileError
from .units import ModUnit, UnitTable, UnknownUnitError

__all__ = ["ModFile", "read_mod"]

#: Node types refused, with the keyword that finds their line and what to say.
_REFUSED = {
    "VERBATIM": ("VERBATIM", "VERBATIM blocks (C code) cannot be translated"),
    "POINTER": ("POINTER", "POINTER variables are not supported"),
    "BBCORE_POINTER": ("BBCOREPOINTER", "BBCOREPOINTER variables are not supported"),
    "NON_LINEAR_BLOCK": ("NONLINEAR", "NONLINEAR blocks are not supported"),
    "LINEAR_BLOCK": ("LINEAR", "LINEAR blocks are not supported"),
    "DISCRETE_BLOCK": ("DISCRETE", "DISCRETE blocks are not supported"),
    "FUNCTION_TABLE_BLOCK": ("FUNCTION_TABLE", "FUNCTION_TABLE is not supported"),
    "CONSTRUCTOR_BLOCK": ("CONSTRUCTOR", "CONSTRUCTOR blocks are not supported"),
    "DESTRUCTOR_BLOCK": ("DESTRUCTOR", "DESTRUCTOR blocks are not supported"),
    "BEFORE_BLOCK": ("BEFORE", "BEFORE blocks are not supported"),
    "AFTER_BLOCK": ("AFTER", "AFTER blocks are not supported"),
    "FOR_NETCON": ("FOR_NETCONS", "FOR_NETCONS is not supported"),
    "WATCH_STATEMENT": ("WATCH", "WATCH statements are not supported"),
    "LAG_STATEMENT": ("LAG", "LAG statements are not supported"),
    "ELECTRODE_CURRENT": ("ELECTRODE_CURRENT", "ELECTRODE_CURRENT is not supported"),
    "FROM_STATEMENT": ("FROM", "FROM loops are not supported"),
    "WHILE_STATEMENT": ("WHILE", "WHILE loops are not supported"),
    "INDEXED_NAME": ("[", "array variables are not supported"),
    "EXTERNAL": ("EXTERNAL", "EXTERNAL variables are not supported"),
    "INCLUDE": ("INCLUDE", "INCLUDE is not supported"),
    "COMPARTMENT": ("COMPARTMENT", "COMPARTMENT statements are not supported"),
    "LONGITUDINAL_DIFFUSION_BLOCK": ("LONGITUDINAL_DIFFUSION", "diffusion is not supported"),
    "PROTECT_STATEMENT": ("PROTECT", "PROTECT is not supported"),
    "MUTEX_LOCK": ("MUTEXLOCK", "MUTEXLOCK is not supported"),
}
_PARTIAL = ("PARTIAL", "PARTIAL blocks are not supported")
#: A TABLE statement (its names, DEPEND, FROM, TO, WITH), possibly over several lines.
_TABLE = re.compile(r"\bTABLE\b[^{}]*?\bWITH\s+[0-9.eE+-]+")


@dataclass
class ModFile:
    """The declarations and blocks of one parsed ``.mod`` file (after inlining).

    Attributes
    ----------
    path : str
        The file read (or ``"<string>"``).
    text : str
        Its text.
    kind : str
        ``"SUFFIX"`` (a density mechanism) or ``"POINT_PROCESS"``.
    name : str
        The SUFFIX or POINT_PROCESS name.
    useions : dict of str -> (tuple, tuple)
        For each USEION: the variables it READs and WRITEs.
    nonspecific : tuple of str
        NONSPECIFIC_CURRENT variables.
    ranges, globals_ : tuple of str
        RANGE and GLOBAL names.
    parameters : dict of str -> (float, ModUnit)
        PARAMETER defaults, in the file's units.
    assigned, states : dict of str -> ModUnit
        ASSIGNED and STATE declarations.
    constants : dict of str -> float
        Named factors of the UNITS block (``FARADAY``).
    units : UnitTable
        The file's unit definitions.
    blocks : dict
        ``"INITIAL"``, ``"BREAKPOINT"``: statement lists; ``"DERIVATIVE"``: name -> statements;
        ``"NET_RECEIVE"``: (arguments [(name, ModUnit)], statements) or absent.
    solves : list of (str, str)
        (block, METHOD) of each SOLVE in BREAKPOINT; ``steady`` those in INITIAL.
    tables : list of str
        The TABLE statements found (text).
    """

    path: str
    text: str
    kind: str = ""
    name: str = ""
    useions: dict = field(default_factory=dict)
    nonspecific: tuple = ()
    ranges: tuple = ()
    globals_: tuple = ()
    parameters: dict = field(default_factory=dict)
    assigned: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)
    constants: dict = field(default_factory=dict)
    units: UnitTable = field(default_factory=UnitTable)
    blocks: dict = field(default_factory=dict)
    solves: list = field(default_factory=list)
    steady: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    inlined: list = field(default_factory=list)
    kinetic: list = field(default_factory=list)

    def line_of(self, keyword: str) -> int | None:
        """First line (1-based) outside comments where `keyword` appears as a word."""
        return _line_of(self.text, keyword)

    def error(self, keyword: str | None, message: str) -> ModFileError:
        """A :class:`ModFileError` at the line of `keyword` (or the whole file)."""
        return ModFileError(self.path, self.line_of(keyword) if keyword else None, message)


def _strip_comments(text: str) -> list[str]:
    lines, block = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if block:
            block = not stripped.startswith("ENDCOMMENT")
            lines.append("")
            continue
        if stripped.startswith("COMMENT"):
            block = True
            lines.append("")
            continue
        lines.append(line.split(":", 1)[0])
    return lines


def _line_of(text: str, keyword: str) -> int | None:
    pattern = re.escape(keyword) if not keyword[-1].isalnum() else rf"\b{re.escape(keyword)}\b"
    for k, line in enumerate(_strip_comments(text), start=1):
        if re.search(pattern, line):
            return k
    return None


def _parse(text: str, path: str):
    from neuron.nmodl import dsl

    try:
        return dsl.NmodlDriver().parse_string(text)
    except RuntimeError as exc:  # "NMODL Parser Error : <message> [Location : L.C]"
        message = str(exc)
        where = re.search(r"Location\s*:\s*(\d+)\.(\d+)", message)
        first = message.splitlines()[0] if message else "parse error"
        first = re.sub(r"\s*\[Location[^\]]*\]", "", first).replace("NMODL Parser Error : ", "")
        line = int(where.group(1)) if where else None
        column = f", column {where.group(2)}" if where else ""
        raise ModFileError(path, line, f"the NMODL parser says: {first}{column}") from None


def _name(node) -> str:
    return node.get_node_name()


def read_mod(source, *, name_hint: str | None = None) -> ModFile:
    """Parse a ``.mod`` file (a path, or its text) into a :class:`ModFile`.

    Raises
    ------
    ModFileError
        The file does not parse (the parser's message and the line), or uses a construct the
        package does not support (named, with its line), or a unit is unknown.
    """
    from neuron.nmodl.dsl import ast, symtab, visitor

    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source):
        path = str(source)
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ModFileError(path, None, f"cannot read the file: {exc.strerror}") from None
    else:
        path, text = name_hint or "<string>", str(source)
    program = _parse(text, path)
    mod = ModFile(path=path, text=text)
    lookup = visitor.AstLookupVisitor()
    for type_name, (keyword, why) in _REFUSED.items():
        node_type = getattr(ast.AstNodeType, type_name, None)
        if node_type is not None and lookup.lookup(program, node_type):
            raise mod.error(keyword, why)
    if re.search(r"\bPARTIAL\b", "\n".join(_strip_comments(text))):
        raise mod.error(*_PARTIAL)
    for call in lookup.lookup(program, ast.AstNodeType.FUNCTION_CALL):
        called = _name(call)
        if called in ("net_send", "net_event", "net_move", "state_discontinuity", "nrn_pointing"):
            raise mod.error(called, f"{called}() is not supported")
    _declarations(mod, program, ast)
    code = "\n".join(_strip_comments(text))
    mod.tables = [" ".join(t.group(0).split()) for t in _TABLE.finditer(code)]
    if mod.tables:  # the inliner keeps procedures with a TABLE: parse again without them
        program = _parse(_TABLE.sub(lambda m: "\n" * m.group(0).count("\n"), code), path)
    # rewrite: inline PROCEDUREs and FUNCTIONs, KINETIC schemes to ODEs
    try:
        symtab.SymtabVisitor().visit_program(program)
        visitor.InlineVisitor().visit_program(program)
        visitor.KineticBlockVisitor().visit_program(program)
    except RuntimeError as exc:  # the framework's semantic checks (re-declarations...)
        words = re.findall(r"of (\w+)", str(exc))
        raise mod.error(words[0] if words else None, f"the NMODL framework says: {exc}") from None
    _blocks(mod, program, ast, lookup)
    return mod


def _unit(mod: ModFile, text: str | None, what: str) -> ModUnit:
    try:
        return mod.units.parse(text)
    except UnknownUnitError as exc:
        raise mod.error(what, f"{exc} (declared for {what!r})") from None


def _declarations(mod: ModFile, program, ast) -> None:
    from neuron.nmodl import dsl

    for block in program.blocks:
        kind = block.get_node_type_name()
        if kind == "UnitBlock":
            for d in block.definitions:
                if d.get_node_type_name() == "UnitDef":
                    unit, definition = dsl.to_nmodl(d.unit1), dsl.to_nmodl(d.unit2)
                    try:
                        mod.units.define(unit.strip("() "), definition)
                    except UnknownUnitError as exc:
                        raise mod.error(unit.strip("() "), str(exc)) from None
                elif d.get_node_type_name() == "FactorDef":
                    name = _name(d)
                    if d.value is not None:
                        mod.constants[name] = float(d.value.eval())
                    else:
                        try:
                            mod.constants[name] = mod.units.factor(
                                dsl.to_nmodl(d.unit1), dsl.to_nmodl(d.unit2)
                            )
                        except UnknownUnitError as exc:
                            raise mod.error(name, f"{exc} (the UNITS factor {name})") from None
    for block in program.blocks:
        kind = block.get_node_type_name()
        if kind in ("ProcedureBlock", "FunctionBlock"):
            mod.inlined.append(f"{kind[:-5].upper()} {_name(block)}")
        elif kind == "KineticBlock":
            mod.kinetic.append(_name(block))
        if kind == "NeuronBlock":
            for st in block.statement_block.statements:
                t = st.get_node_type_name()
                if t == "Suffix":
                    mod.kind, mod.name = dsl.to_nmodl(st.type).strip(), _name(st)
                elif t == "Useion":
                    ion = _name(st)
                    reads = tuple(_name(r) for r in st.readlist)
                    writes = tuple(_name(w) for w in st.writelist)
                    old = mod.useions.get(ion, ((), ()))
                    mod.useions[ion] = (old[0] + reads, old[1] + writes)
                elif t == "Nonspecific":
                    mod.nonspecific += tuple(_name(c) for c in st.currents)
                elif t == "Range":
                    mod.ranges += tuple(_name(c) for c in st.variables)
                elif t == "Global":
                    mod.globals_ += tuple(_name(c) for c in st.variables)
        elif kind == "ParamBlock":
            for st in block.statements:
                name = _name(st)
                value = float(st.value.eval()) if st.value is not None else 0.0
                unit_text = dsl.to_nmodl(st.unit) if st.unit is not None else ""
                mod.parameters[name] = (value, _unit(mod, unit_text, name))
        elif kind in ("AssignedBlock", "StateBlock"):
            target = mod.assigned if kind == "AssignedBlock" else mod.states
            for st in block.definitions:
                name = _name(st)
                unit_text = dsl.to_nmodl(st.unit) if st.unit is not None else ""
                target[name] = _unit(mod, unit_text, name)
    for a, b in (("PARAMETER", "STATE"), ("PARAMETER", "ASSIGNED"), ("ASSIGNED", "STATE")):
        first = mod.parameters if a == "PARAMETER" else mod.assigned
        second = mod.states if b == "STATE" else mod.assigned
        for name in first:
            if name in second and name not in ("v", "celsius"):
                raise mod.error(name, f"name clash: {name} is declared in both {a} and {b}")
    if not mod.kind:
        raise mod.error("NEURON", "no SUFFIX or POINT_PROCESS in the NEURON block")
    if mod.kind not in ("SUFFIX", "POINT_PROCESS"):
        raise mod.error(mod.kind, f"{mod.kind} mechanisms are not supported")


def _blocks(mod: ModFile, program, ast, lookup) -> None:
    from neuron.nmodl import dsl

    mod.blocks["DERIVATIVE"] = {}
    for block in program.blocks:
        kind = block.get_node_type_name()
        if kind == "InitialBlock":
            mod.blocks["INITIAL"] = list(block.statement_block.statements)
        elif kind == "BreakpointBlock":
            mod.blocks["BREAKPOINT"] = list(block.statement_block.statements)
        elif kind == "DerivativeBlock":
            mod.blocks["DERIVATIVE"][_name(block)] = list(block.statement_block.statements)
        elif kind == "NetReceiveBlock":
            args = []
            for p in block.parameters:
                unit_text = dsl.to_nmodl(p.unit) if p.unit is not None else ""
                args.append((_name(p), _unit(mod, unit_text, "NET_RECEIVE")))
            mod.blocks["NET_RECEIVE"] = (args, list(block.statement_block.statements))
    for solve in lookup.lookup(program, ast.AstNodeType.SOLVE_BLOCK):
        method = _name(solve.method) if solve.method is not None else ""
        steady = _name(solve.steadystate) if solve.steadystate is not None else ""
        entry = (_name(solve.block_name), method or steady)
        (mod.steady if steady else mod.solves).append(entry)
