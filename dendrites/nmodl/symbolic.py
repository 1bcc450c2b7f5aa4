"""Symbolic execution of NMODL statements with SymPy.

After inlining (:mod:`dendrites.nmodl.reader`), a block is a list of assignments, ODEs
(``x' = ...``), CONSERVE statements and if/else. :class:`Executor` runs such a list on an
environment that maps every name assigned so far to its SymPy expression in the names the block
did not assign (states, parameters, ``v``, ion variables, ``t``): an assignment substitutes the
environment into its right-hand side; an if/else runs both branches and merges every name either
assigns into a ``Piecewise`` (the condition evaluated before the branches, as NEURON does). The
result of a block is, for every name it assigned and every state derivative it set, one
expression. Numbers stay numbers *in the file's units* (see :mod:`dendrites.nmodl.units`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

__all__ = ["BlockResult", "Executor", "UnsupportedStatement"]


class UnsupportedStatement(ValueError):
    """A statement or function the translation does not support; ``keyword`` finds its line."""

    def __init__(self, keyword: str, message: str):
        self.keyword = keyword
        super().__init__(message)


def _log10(x):
    return sp.log(x) / sp.log(10)


#: NMODL's built-in functions (those left after inlining) as SymPy functions.
FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "log10": _log10,
    "fabs": sp.Abs,
    "sqrt": sp.sqrt,
    "pow": sp.Pow,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "atan": sp.atan,
    "floor": sp.floor,
    "ceil": sp.ceiling,
}

_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a**b,
    "<": sp.Lt,
    ">": sp.Gt,
    "<=": sp.Le,
    ">=": sp.Ge,
    "==": sp.Eq,
    "!=": sp.Ne,
    "&&": lambda a, b: sp.And(_boolean(a), _boolean(b)),
    "||": lambda a, b: sp.Or(_boolean(a), _boolean(b)),
}


def _boolean(x):
    """A condition: relations as they are, a number ``x`` as ``x != 0`` (C's truth)."""
    if isinstance(x, sp.logic.boolalg.Boolean | sp.core.relational.Relational):
        return x
    return sp.Ne(x, 0)


@dataclass
class BlockResult:
    """What a block computed.

    Attributes
    ----------
    values : dict of str -> sympy.Expr
        Final value of every name the block assigned (locals included), in order of first
        assignment.
    derivatives : dict of str -> sympy.Expr
        ``x'`` of every state whose ODE the block sets.
    conserve : dict of str -> sympy.Expr
        States replaced by an algebraic expression (KINETIC's CONSERVE).
    """

    values: dict = field(default_factory=dict)
    derivatives: dict = field(default_factory=dict)
    conserve: dict = field(default_factory=dict)
    locals: set = field(default_factory=set)
    opaque: dict = field(default_factory=dict)
    aliases: dict = field(default_factory=dict)


class Executor:
    """Runs statement lists symbolically (see the module docstring).

    Parameters
    ----------
    constants : dict of str -> float
        Named constants (the UNITS block's factors), substituted as numbers.
    symbol : callable, optional
        ``symbol(name) -> sympy.Symbol`` for names the block did not assign.
    """

    def __init__(self, constants: dict, symbol=None, opaque=None, alias=None):
        self.constants = {k: sp.Float(v) for k, v in constants.items()}
        self.constants.setdefault("PI", sp.pi)
        self.symbol = symbol or sp.Symbol
        #: names whose value is kept apart (in ``BlockResult.opaque``) and used as a symbol
        self.opaque = opaque or (lambda name: False)
        #: inputs a block may change locally (``v = v + 0.0001``): each new value becomes a new
        #: name ``<name>_changed<k>`` (in ``BlockResult.aliases``), so that a conditional change
        #: is not copied into every formula that uses it
        self.alias = alias or (lambda name: False)
        self._aliases = 0

    def _assign(self, res: BlockResult, name: str, value) -> None:
        if self.alias(name) and not value.is_Atom:
            self._aliases += 1
            new = f"{name}_changed{self._aliases}"
            res.aliases[new] = (name, value)
            value = sp.Symbol(new)
        res.values[name] = value

    # ------------------------------------------------------------------ statements
    def run(self, statements, env: dict | None = None) -> BlockResult:
        """Execute `statements` starting from `env` (name -> expression)."""
        result = BlockResult(values=dict(env or {}))
        self._run(statements, result)
        return result

    def _run(self, statements, res: BlockResult) -> None:
        for st in statements:
            kind = st.get_node_type_name()
            if kind in ("SolveBlock", "TableStatement", "UnitState", "Verbatim", "LineComment"):
                continue  # SOLVE is read by the reader; TABLE is reported by the importer
            if kind == "LocalListStatement":
                res.locals.update(v.get_node_name() for v in st.variables)
            elif kind == "StatementBlock":
                self._run(st.statements, res)
            elif kind == "ExpressionStatement":
                self._expression_statement(st.expression, res)
            elif kind == "IfStatement":
                self._if(st, res)
            elif kind == "Conserve":
                name = st.react.get_node_name()
                res.conserve[name] = self.expr(st.expr, res.values)
            else:
                raise UnsupportedStatement(kind, f"statement {kind} is not supported")

    def _expression_statement(self, e, res: BlockResult) -> None:
        kind = e.get_node_type_name()
        if kind == "WrappedExpression":
            return self._expression_statement(e.expression, res)
        if kind == "StatementBlock":  # an inlined PROCEDURE or FUNCTION body
            return self._run(e.statements, res)
        if kind in ("SolveBlock", "TableStatement"):
            return None
        if kind == "DiffEqExpression":
            assign = e.expression
            lhs = assign.lhs
            name = lhs.get_node_name()
            if _order(lhs) != 1:
                raise UnsupportedStatement(name, f"higher-order derivative of {name!r}")
            res.derivatives[name] = self.expr(assign.rhs, res.values)
        elif kind == "BinaryExpression" and e.op.eval() == "=":
            name = e.lhs.get_node_name()
            if self.opaque(name):
                res.opaque[name] = self.expr(e.rhs, res.values)
                res.values[name] = sp.Symbol(name)
            else:
                self._assign(res, name, self.expr(e.rhs, res.values))
        elif kind == "FunctionCall":
            name = e.get_node_name()
            raise UnsupportedStatement(name, f"call of {name}() as a statement is not supported")
        else:
            raise UnsupportedStatement(kind, f"expression statement {kind} is not supported")

    def _if(self, st, res: BlockResult) -> None:
        branches = [(st.condition, st.statement_block.statements)]
        branches += [(b.condition, b.statement_block.statements) for b in st.elseifs]
        otherwise = st.elses.statement_block.statements if st.elses is not None else []
        before_values, before_derivs = dict(res.values), dict(res.derivatives)
        outcomes = []
        for cond, body in branches:
            c = _boolean(self.expr(cond, before_values))
            sub = BlockResult(values=dict(before_values), derivatives=dict(before_derivs))
            sub.conserve, sub.locals, sub.aliases = res.conserve, res.locals, res.aliases
            self._run(body, sub)
            outcomes.append((c, sub))
        last = BlockResult(values=dict(before_values), derivatives=dict(before_derivs))
        last.conserve, last.locals, last.aliases = res.conserve, res.locals, res.aliases
        self._run(otherwise, last)
        for attr in ("values", "derivatives"):
            before = before_values if attr == "values" else before_derivs
            target = getattr(res, attr)
            names = set(getattr(last, attr))
            for _, sub in outcomes:
                names |= set(getattr(sub, attr))
            for name in sorted(names, key=lambda n: _first_index(n, outcomes, last, attr)):
                default = before.get(name, self.symbol(name) if attr == "values" else sp.S.Zero)
                pieces = [(getattr(sub, attr).get(name, default), c) for c, sub in outcomes]
                pieces.append((getattr(last, attr).get(name, default), sp.true))
                if all(p[0] == pieces[0][0] for p in pieces):
                    target[name] = pieces[0][0]
                elif attr == "values":
                    self._assign(res, name, sp.Piecewise(*pieces))
                else:
                    target[name] = sp.Piecewise(*pieces)

    # ------------------------------------------------------------------ expressions
    def expr(self, node, env: dict):
        """SymPy expression of an NMODL expression node under `env`."""
        kind = node.get_node_type_name()
        if kind in ("WrappedExpression", "ParenExpression"):
            return self.expr(node.expression, env)
        if kind in ("Integer", "Double", "Float"):
            value = node.eval()
            return sp.Integer(value) if kind == "Integer" else sp.Float(float(value))
        if kind == "Boolean":
            return sp.true if node.eval() else sp.false
        if kind in ("VarName", "Name"):
            name = node.get_node_name()
            if _order(node) > 0:
                raise UnsupportedStatement(name, f"{name}' used inside an expression")
            if name in env:
                return env[name]
            if name in self.constants:
                return self.constants[name]
            return self.symbol(name)
        if kind == "BinaryExpression":
            op = node.op.eval()
            if op not in _BINARY:
                raise UnsupportedStatement(op, f"operator {op!r} is not supported")
            return _BINARY[op](self.expr(node.lhs, env), self.expr(node.rhs, env))
        if kind == "UnaryExpression":
            op = node.op.eval().strip()
            inner = self.expr(node.expression, env)
            if op == "-":
                return -inner
            if op == "!":
                return sp.Not(_boolean(inner))
            raise UnsupportedStatement(op, f"unary operator {op!r} is not supported")
        if kind == "FunctionCall":
            name = node.get_node_name()
            if name not in FUNCTIONS:
                raise UnsupportedStatement(
                    name, f"function {name}() is neither defined in the file nor built in"
                )
            return FUNCTIONS[name](*(self.expr(a, env) for a in node.arguments))
        raise UnsupportedStatement(kind, f"expression {kind} is not supported")


def _order(node) -> int:
    """Prime order of a name node (``m'`` is 1), 0 for plain names."""
    inner = getattr(node, "name", None)
    if inner is not None and inner.get_node_type_name() == "PrimeName":
        return int(inner.order.eval())
    if node.get_node_type_name() == "PrimeName":
        return int(node.order.eval())
    return 0


def _first_index(name, outcomes, last, attr) -> int:
    for _, sub in [*outcomes, (None, last)]:
        keys = list(getattr(sub, attr))
        if name in keys:
            return keys.index(name)
    return 0
