"""Stale results are impossible: random code edits change the cache keys, prose edits do not.

Property tests of :mod:`dendrites.provenance` (issue #20, part 5). Edits are made to the text of
the package's computing modules (every ``*.py`` that :func:`~dendrites.provenance.code_digest`
reads) and of the toy study (``tests/data/toy_study.py``), at places drawn by hypothesis:

- semantic edits (a number, a comparison or an arithmetic operator, ``True``/``False``/``None``,
  a name, a string that is not a statement, a default argument, a statement added or replaced by
  ``pass``) must change the digest, and so the key of every result computed by that code;
- prose edits (comments added or rewritten, docstrings edited or added, string statements, blank
  lines, spaces and line breaks inside brackets, the whole module reformatted by
  :func:`ast.unparse`), alone or several in a row, must leave it unchanged.

Edits that make the file invalid Python are discarded (a file that does not parse cannot compute
a stale result). The end-to-end runs (computed, cached, recomputed after an edit) are in
``tests/test_provenance.py``; here one run checks that the key computed without running is the
key :func:`~dendrites.studies.run_study` uses.
"""

from __future__ import annotations

import ast
import io
import keyword
import shutil
import tokenize
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dendrites import provenance, session
from dendrites.provenance import STUDY_PROSE, code_digest, normalised_python, package_root
from dendrites.results import parameter_hash

TOY = Path(__file__).parent / "data" / "toy_study.py"

#: The package's computing modules, as code_digest reads them (relative path -> text).
MODULES = {
    p.relative_to(package_root()).as_posix(): p.read_text(encoding="utf-8")
    for p in provenance._computing_files(package_root())
    if p.suffix == ".py"
}
NAMES = sorted(MODULES)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same edits on every run and machine (for a given hypothesis)
    suppress_health_check=list(HealthCheck),
)

FLIP = {
    "<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "==",
    "+": "-", "-": "+", "*": "/", "/": "*", "+=": "-=", "-=": "+=", "and": "or", "or": "and",
    "True": "False", "False": "True", "None": "0", "is": "is not", "in": "not in",
}  # fmt: skip


def digest(text: str) -> str:
    """What code_digest hashes for a package module (no top-level name left out)."""
    return normalised_python(text, exclude=())


# ------------------------------------------------------------------------------ text helpers
def tokens(text: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(text).readline))


class Text:
    """Source text addressed by (line, column): tokenize columns in characters, ast in bytes."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def at_bytes(self, line: int, col: int) -> int:
        raw = self.lines[line - 1].encode("utf-8")[:col]
        return self.starts[line - 1] + len(raw.decode("utf-8"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.at_bytes(node.lineno, node.col_offset),
            self.at_bytes(node.end_lineno, node.end_col_offset),
        )

    def replace(self, start: int, end: int, new: str) -> str:
        return self.text[:start] + new + self.text[end:]


def is_prose(stmt: ast.AST) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def statements(tree: ast.AST) -> list[ast.stmt]:
    """Every statement that starts a line (so that a line can be put before it)."""
    found = []
    for node in ast.walk(tree):
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                found += [s for s in value if isinstance(s, ast.stmt)]
    return found


def first_line(stmt: ast.stmt) -> int:
    return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])


def starts_its_line(t: Text, stmt: ast.stmt) -> str | None:
    """The indentation of `stmt` if it starts its (first) line, else None."""
    line = t.lines[first_line(stmt) - 1]
    indent = line[: len(line) - len(line.lstrip())]
    col = stmt.col_offset if first_line(stmt) == stmt.lineno else len(indent)
    return indent if col == len(indent) and not line.lstrip().startswith(";") else None


def in_fstring(toks: list[tokenize.TokenInfo]) -> list[bool]:
    depth, inside = 0, []
    for tok in toks:
        if tok.type == tokenize.FSTRING_START:
            depth += 1
        inside.append(depth > 0)
        if tok.type == tokenize.FSTRING_END:
            depth -= 1
    return inside


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- semantic edits
def token_edit(text: str, data, lines=None) -> tuple[str, str]:
    """Change one token of code: a number, an operator, a constant name, a name, a string."""
    t, toks = Text(text), tokens(text)
    prose = [
        (s.lineno, s.end_lineno) for s in statements(ast.parse(text)) if is_prose(s)
    ]  # string statements: not code

    def candidate(tok) -> bool:
        if lines is not None and tok.start[0] not in lines:
            return False
        if tok.type == tokenize.NUMBER:
            return True
        if tok.type == tokenize.OP:
            return tok.string in FLIP
        if tok.type == tokenize.NAME:
            return tok.string in FLIP or not keyword.iskeyword(tok.string)
        if tok.type == tokenize.STRING:
            return not any(a <= tok.start[0] <= b for a, b in prose)
        return False

    options = [tok for tok in toks if candidate(tok)]
    assume(options)
    tok = data.draw(st.sampled_from(options), label="token")
    if tok.type == tokenize.NUMBER:
        value = ast.literal_eval(tok.string)
        new = value + 1 if value + 1 != value else value * 2
        new = repr(new)
    elif tok.string in FLIP:
        new = FLIP[tok.string]
    elif tok.type == tokenize.NAME:
        new = tok.string + "_edited"
    else:  # a string literal: one more character after its opening quote
        head = len(tok.string) - len(tok.string.lstrip("rRbBuU"))
        quote = 3 if tok.string[head : head + 3] in ('"""', "'''") else 1
        new = tok.string[: head + quote] + "Q" + tok.string[head + quote :]
    start, end = t.at(*tok.start), t.at(*tok.end)
    return t.replace(start, end, new), f"token {tok.string!r} -> {new!r} at {tok.start}"


def statement_edit(text: str, data, within: list[ast.AST] | None = None) -> tuple[str, str]:
    """Add a statement before a statement, or replace a statement of code by ``pass``."""
    t, tree = Text(text), ast.parse(text)
    options = [
        s
        for s in statements(tree)
        if starts_its_line(t, s) is not None
        and (within is None or any(s in ast.walk(w) and s is not w for w in within))
    ]
    assume(options)
    stmt = data.draw(st.sampled_from(options), label="statement")
    indent = starts_its_line(t, stmt)
    start = t.starts[first_line(stmt) - 1]
    if data.draw(st.booleans(), label="add"):
        return t.replace(start, start, f"{indent}_edit_x = 1\n"), f"add before line {stmt.lineno}"
    assume(not is_prose(stmt) and not isinstance(stmt, ast.Pass))
    end = t.at_bytes(stmt.end_lineno, stmt.end_col_offset)
    rest = t.lines[stmt.end_lineno - 1].encode()[stmt.end_col_offset :].decode()
    assume(rest.strip() == "" or rest.strip().startswith("#"))
    return t.replace(start, end, f"{indent}pass"), f"line {stmt.lineno} -> pass"


def default_edit(text: str, data) -> tuple[str, str]:
    """Change the default value of a function argument."""
    t, tree = Text(text), ast.parse(text)
    defaults = [
        d
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for d in node.args.defaults + node.args.kw_defaults
        if d is not None
    ]
    assume(defaults)
    node = data.draw(st.sampled_from(defaults), label="default")
    new = "0" if isinstance(node, ast.Constant) and node.value is None else "None"
    return t.replace(*t.span(node), new), f"default at line {node.lineno} -> {new}"


def semantic_edit(text: str, data) -> tuple[str, str]:
    kind = data.draw(st.sampled_from(["token", "statement", "default"]), label="kind")
    edit = {"token": token_edit, "statement": statement_edit, "default": default_edit}[kind]
    return edit(text, data)


# ------------------------------------------------------------------------------ prose edits
WORDS = st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=20).map(str.strip)


def comment_edit(text: str, data) -> str:
    """A comment at the end of a line, a comment rewritten, or a comment line."""
    t, toks = Text(text), tokens(text)
    kinds = (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT)
    options = [tok for tok in toks if tok.type in kinds and tok.string != ""]
    tok = data.draw(st.sampled_from(options), label="comment at")
    words = data.draw(WORDS, label="words")
    start = t.at(*tok.start)
    if tok.type == tokenize.COMMENT:
        return t.replace(start, t.at(*tok.end), f"# {words}")
    return t.replace(start, start, f"  # {words}")


def blank_edit(text: str, data) -> str:
    """Blank lines after the end of a line (logical, or inside brackets)."""
    t, toks = Text(text), tokens(text)
    options = [tok for tok in toks if tok.type in (tokenize.NEWLINE, tokenize.NL)]
    options = [tok for tok in options if tok.string != ""]
    tok = data.draw(st.sampled_from(options), label="blank after")
    n = data.draw(st.integers(1, 3), label="n")
    end = t.at(*tok.end)
    return t.replace(end, end, "\n" * n)


def space_edit(text: str, data) -> str:
    """Spaces around an operator, or a line break after a comma inside brackets."""
    t, toks = Text(text), tokens(text)
    inside, depth, options = in_fstring(toks), 0, []
    for tok, fstring in zip(toks, inside, strict=True):
        if tok.type == tokenize.OP and not fstring:
            depth += tok.string in "([{"
            depth -= tok.string in ")]}"
            options.append((tok, depth))
    tok, depth = data.draw(st.sampled_from(options), label="operator")
    start, end = t.at(*tok.start), t.at(*tok.end)
    if tok.string == "," and depth > 0 and data.draw(st.booleans(), label="break"):
        return t.replace(end, end, "\n" + " " * data.draw(st.integers(0, 12)))
    return t.replace(start, end, "  " + tok.string + "   ")


def docstring_edit(text: str, data) -> str:
    """A docstring rewritten, or added; or a string statement added before a statement."""
    t, tree = Text(text), ast.parse(text)
    words = data.draw(WORDS, label="words")
    scopes = [tree] + [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    scope = data.draw(st.sampled_from(scopes), label="scope")
    assume(scope.body)
    first = scope.body[0]
    if is_prose(first):
        return t.replace(*t.span(first), f'"""{words}."""')
    indent = starts_its_line(t, first)
    assume(indent is not None and (scope is tree or first.lineno > scope.lineno))
    start = t.starts[first_line(first) - 1]
    return t.replace(start, start, f'{indent}"""{words}."""\n')


def unparse_edit(text: str, data) -> str:
    """The whole module reformatted (no comment left, all quotes and spacing redone)."""
    return ast.unparse(ast.parse(text)) + "\n"


PROSE = {
    "comment": comment_edit,
    "blank": blank_edit,
    "space": space_edit,
    "docstring": docstring_edit,
    "unparse": unparse_edit,
}


def prose_edits(text: str, data) -> tuple[str, list[str]]:
    kinds = data.draw(st.lists(st.sampled_from(sorted(PROSE)), min_size=1, max_size=4), "kinds")
    for kind in kinds:
        text = PROSE[kind](text, data)
        assume(parses(text))
    return text, kinds


# ------------------------------------------------------------------------- package modules
@SETTINGS
@given(name=st.sampled_from(NAMES), data=st.data())
def test_a_code_edit_of_a_computing_module_changes_its_digest(name, data):
    text = MODULES[name]
    edited, what = semantic_edit(text, data)
    assume(parses(edited))
    assert digest(edited) != digest(text), f"{name}: {what} left the code digest unchanged"


@SETTINGS
@given(name=st.sampled_from(NAMES), data=st.data())
def test_prose_edits_of_a_computing_module_leave_its_digest(name, data):
    text = MODULES[name]
    edited, kinds = prose_edits(text, data)
    assert digest(edited) == digest(text), f"{name}: prose edits {kinds} changed the digest"
    # and prose never hides code: a code edit after them still counts
    changed, what = semantic_edit(edited, data)
    assume(parses(changed))
    assert digest(changed) != digest(text), f"{name}: {what} after {kinds} was not seen"


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory):
    """A copy of the package and its code digest (every example restores what it edits)."""
    root = tmp_path_factory.mktemp("stale") / "dendrites"
    shutil.copytree(package_root(), root, ignore=shutil.ignore_patterns("__pycache__"))
    session.current().provenance.clear()
    yield root, code_digest(root)
    session.current().provenance.clear()


@settings(SETTINGS, max_examples=15)
@given(name=st.sampled_from(NAMES), code=st.booleans(), data=st.data())
def test_the_package_code_digest_follows_code_and_not_prose(package_copy, name, code, data):
    """The same through code_digest of a package copy (as a new process would compute it)."""
    root, pristine = package_copy
    path, text = root / name, MODULES[name]
    edited = semantic_edit(text, data)[0] if code else prose_edits(text, data)[0]
    assume(parses(edited))
    path.write_text(edited, encoding="utf-8")
    try:
        session.current().provenance.clear()
        assert (code_digest(root) != pristine) == code
    finally:
        path.write_text(text, encoding="utf-8")
        session.current().provenance.clear()


def test_a_data_file_the_package_reads_changes_the_code_digest(package_copy):
    root, pristine = package_copy
    asc = root / "data" / "morphologies" / "hay_cell1.asc"
    text = asc.read_text(encoding="utf-8")
    asc.chmod(0o644)
    asc.write_text(text.replace("1", "2", 1), encoding="utf-8")  # one coordinate moved
    try:
        session.current().provenance.clear()
        assert code_digest(root) != pristine
    finally:
        asc.write_text(text, encoding="utf-8")
        session.current().provenance.clear()


# --------------------------------------------------------------------------------- studies
TOY_TEXT = TOY.read_text(encoding="utf-8")


def study_key(path: Path, quick: bool = True) -> str:
    """The key :func:`~dendrites.studies.run_study` files the study's result under."""
    from dendrites.studies import _name, _parameters, load_study

    module = load_study(path)
    name = _name(module)
    params = _parameters(module, name, quick)
    return parameter_hash(name, params, provenance.source_digest(path), code_digest())


def loads(path: Path) -> bool:
    """Whether the edited study still imports and keeps its contract (else it cannot run)."""
    from dendrites.errors import DendritesError
    from dendrites.studies import load_study

    try:
        load_study(path)
    except (DendritesError, ImportError, NameError, SyntaxError, TypeError, ValueError):
        return False
    return True


def top_level(text: str, names) -> list[ast.stmt]:
    return [s for s in ast.parse(text).body if provenance._defined_names(s) & set(names)]


def lines_of(nodes) -> list[int]:
    lines = set()
    for n in nodes:
        lines |= set(range(first_line(n), n.end_lineno + 1))
    return sorted(lines)


@pytest.fixture
def toy(tmp_path, monkeypatch):
    monkeypatch.delenv("TOY_AMPLITUDE", raising=False)
    monkeypatch.delenv("TOY_FAIL", raising=False)
    path = tmp_path / "toy_study.py"
    path.write_text(TOY_TEXT, encoding="utf-8")
    return path, study_key(path)


@settings(SETTINGS, max_examples=20)
@given(data=st.data())
def test_an_edit_of_a_study_parameters_or_compute_changes_its_key(toy, data):
    path, pristine = toy
    computing = top_level(TOY_TEXT, ["parameters", "compute"])
    kind = data.draw(st.sampled_from(["token", "statement", "entry"]), label="kind")
    if kind == "token":
        edited, _ = token_edit(TOY_TEXT, data, lines_of(computing))
    elif kind == "statement":
        edited, _ = statement_edit(TOY_TEXT, data, within=computing)
    else:  # one more parameter
        value = data.draw(st.integers(-5, 500), label="value")
        edited = TOY_TEXT.replace("    return {\n", f'    return {{\n        "extra": {value},\n')
    path.write_text(edited, encoding="utf-8")
    assume(parses(edited) and loads(path))
    try:
        key = study_key(path)
    except (NameError, TypeError, KeyError, ValueError, AttributeError):
        assume(False)  # parameters() fails: the study cannot run at all, nothing stale
    assert key != pristine, edited


@settings(SETTINGS, max_examples=15)
@given(amplitude=st.floats(-1e3, 1e3, allow_nan=False).filter(lambda a: a != 1.0))
def test_a_parameter_set_from_the_environment_changes_the_key(toy, monkeypatch, amplitude):
    path, pristine = toy
    monkeypatch.setenv("TOY_AMPLITUDE", repr(amplitude))
    assert study_key(path) != pristine


@settings(SETTINGS, max_examples=20)
@given(data=st.data())
def test_prose_claims_and_plot_edits_of_a_study_leave_its_key(toy, data):
    path, pristine = toy
    text = TOY_TEXT
    for _ in range(data.draw(st.integers(1, 3), label="n")):
        if data.draw(st.booleans(), label="code in prose parts"):
            # any code edit in TITLE, CAPTION, CALIBRATION, SUMMARY, claims or plot, but not
            # the names they define (a study without its `plot` does not load)
            prose = lines_of(top_level(text, STUDY_PROSE))
            kind = data.draw(st.sampled_from(["token", "statement"]), label="kind")
            if kind == "token":
                new, _ = token_edit(text, data, prose)
                assume(not any(f"{n}_edited" in new for n in STUDY_PROSE))
            else:
                new, _ = statement_edit(text, data, within=top_level(text, STUDY_PROSE))
        else:
            new, _ = prose_edits(text, data)
        assume(parses(new))
        text = new
    path.write_text(text, encoding="utf-8")
    assume(loads(path))
    assert study_key(path) == pristine, text


def test_the_key_computed_here_is_the_key_run_study_uses(toy, tmp_path, monkeypatch):
    from dendrites.studies import run_study

    path, pristine = toy
    monkeypatch.setenv("TOY_COUNTER", str(tmp_path / "calls"))
    result = run_study(path, quick=True, out_dir=tmp_path / "out", results_dir=tmp_path / "res")
    assert result.key == pristine and not result.cached


@pytest.mark.parametrize(
    "script",
    [*sorted((Path(__file__).parents[1] / "studies").glob("*.py")), TOY],
    ids=lambda p: p.stem,
)
def test_no_study_computes_with_what_its_key_leaves_out(script):
    """The key leaves out TITLE, CAPTION, CALIBRATION, SUMMARY, claims and plot: sound only while
    no other code of the script (parameters, compute, helpers) reads them."""
    body = ast.parse(script.read_text(encoding="utf-8")).body
    kept = [s for s in body if not (provenance._defined_names(s) & set(STUDY_PROSE))]
    used = {n.id for s in kept for n in ast.walk(s) if isinstance(n, ast.Name)}
    assert not used & set(STUDY_PROSE)
