"""Automated mutation analysis: every first-order mutant of the student regions of ``solutions/``.

The hand catalogue (``catalogue.py``) holds mistakes someone thought of. This module lets a tool
think of the rest: Cosmic Ray's generic operators (``core/ReplaceBinaryOperator_Add_Sub``,
``core/NumberReplacer``, ``core/ReplaceComparisonOperator_Lt_LtE``, ...) plus operators of our own
that simulate the mistakes students actually make in this lesson, in the spirit of Clegg, Villa-Uriol,
McMinn and Fraser, "Simulating student mistakes to evaluate the fairness of automated grading"
(SIGCSE 2021): generic mutants are mostly syntactic noise, while real students forget a step, pick
the wrong axis or break a tie the other way. Ours (class names start with ``Student``):

============================  =====================================================================
``StudentWrongAxis``          ``axis=-1`` / ``axis=1`` becomes ``axis=0`` and ``axis=0`` ``axis=1``
``StudentDropKeepdims``       ``keepdims=True`` forgotten: the broadcast goes the wrong way
``StudentMeanSum``            ``mean`` where ``sum`` is due and back (the mean of token vectors)
``StudentForgetShift``        ``x - max(x)`` becomes ``x``: softmax without the overflow guard
``StudentDropCopy``           ``x.copy()`` becomes ``x``: in place where a copy was due
``StudentRebind``             ``W -= g`` becomes ``W = W - g``: a new array instead of in place
``StudentSwapArgs``           the first two arguments of a call swapped (``np.outer(e, v)``)
``StudentRangeOffByOne``      the end of a ``range(...)`` one more or one less (window edges)
``StudentTieBreakLast``       ties go to the last candidate instead of the first (argmax, argsort)
``StudentSkipNormalise``      a normalising call (``unit_rows(A)``, ``norm(...)``) left out on one side
``StudentDropCondition``      one half of ``a | b`` / ``a or b`` / ``a and b`` checks dropped
============================  =====================================================================

Each mutant changes ONE place between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (given code
and docstrings are the handout, not the student's). Places inside an f-string (error messages) are
not mutated: the cases grade which exception is raised, never its wording.

A mutant's id names where it is relative to its solution region, so that docstring edits elsewhere in
the file do not rename it: ``skipgram.softmax:core/NumberReplacer@7:42#1`` is the second mutation
Cosmic Ray's NumberReplacer makes at line 7, column 42 of the body of ``softmax``'s solution region.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import re
from dataclasses import dataclass
from functools import cache

import parso
from cosmic_ray.ast import ast_nodes, get_ast
from cosmic_ray.mutating import mutate_code  # re-exported: tests apply operators to snippets
from cosmic_ray.operators.operator import Example, Operator
from cosmic_ray.plugins import get_operator, operator_names

from grader.paths import EXERCISE_MODULES, PROJECT_ROOT

from . import package_sources, run_cases

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


# ------------------------------------------------------------------------------------------------
# our student-mistake operators (parso trees, like Cosmic Ray's own)


def _replace_text(node, text: str):
    """Make ``node`` print as ``text``: its first leaf carries the text, every other leaf goes empty.

    parso prints a tree as the concatenation of its leaves (prefix + value), so this rewrites any
    node without building a new subtree; the leading whitespace of the node is kept.
    """
    leaves = []
    leaf = node.get_first_leaf()
    last = node.get_last_leaf()
    while leaf is not None:
        leaves.append(leaf)
        if leaf is last:
            break
        leaf = leaf.get_next_leaf()
    leaves[0].value = text
    for other in leaves[1:]:
        other.prefix, other.value = "", ""
    return node


def _code(node) -> str:
    return node.get_code(include_prefix=False)


def _call_parts(node):
    """For ``f(a, b)`` as a parso ``atom_expr``/``power``: (function text, [argument nodes], trailer)."""
    if node.type not in ("atom_expr", "power") or len(node.children) < 2:
        return None
    trailer = node.children[-1]
    if trailer.type != "trailer" or trailer.children[0].type != "operator" or trailer.children[0].value != "(":
        return None
    func = "".join(_code(c) for c in node.children[:-1])
    inner = trailer.children[1] if len(trailer.children) == 3 else None
    if inner is None:
        args = []
    elif inner.type == "arglist":
        args = [c for c in inner.children if not (c.type == "operator" and c.value == ",")]
    else:
        args = [inner]
    return func, args, trailer


def _is_keyword(arg, name: str | None = None) -> bool:
    return (arg.type == "argument" and len(arg.children) == 3 and arg.children[1].type == "operator"
            and arg.children[1].value == "=" and (name is None or arg.children[0].value == name))


class _StudentOperator(Operator):
    """One kind of student mistake: ``choices(node)`` lists the rewrites of ``node`` as code texts."""

    def choices(self, node) -> list[str]:
        raise NotImplementedError

    def mutation_positions(self, node):
        for _ in self.choices(node):
            yield (node.start_pos, node.end_pos)

    def mutate(self, node, index):
        return _replace_text(node, self.choices(node)[index])

    @classmethod
    def examples(cls):
        return ()


class StudentWrongAxis(_StudentOperator):
    def choices(self, node):
        if _is_keyword(node, "axis"):
            value = _code(node.children[2])
            return [f"axis={'1' if value == '0' else '0'}"]
        return []


class StudentDropKeepdims(_StudentOperator):
    def choices(self, node):
        return ["keepdims=False"] if _is_keyword(node, "keepdims") and _code(node.children[2]) == "True" else []


class StudentMeanSum(_StudentOperator):
    def choices(self, node):
        if node.type == "name" and node.value in ("mean", "sum") and node.parent.type == "trailer":
            return ["sum" if node.value == "mean" else "mean"]
        return []


class StudentForgetShift(_StudentOperator):
    def choices(self, node):
        if node.type == "arith_expr" and len(node.children) == 3 and node.children[1].value == "-" \
                and "max" in _code(node.children[2]):
            return [_code(node.children[0])]
        return []


class StudentDropCopy(_StudentOperator):
    def choices(self, node):
        parts = _call_parts(node)
        if parts and parts[0].endswith(".copy") and not parts[1]:
            return [parts[0][: -len(".copy")]]
        if parts and parts[0] == "np.array" and len(parts[1]) == 1:
            return [f"np.asarray({_code(parts[1][0])})"]
        return []


class StudentRebind(_StudentOperator):
    def choices(self, node):
        if node.type == "expr_stmt" and len(node.children) == 3 and node.children[1].type == "operator" \
                and node.children[1].value in ("-=", "+=", "*=", "/="):
            target, op, value = (_code(c) for c in node.children)
            if target.isidentifier():
                return [f"{target} = {target} {op[0]} ({value})"]
        return []


class StudentSwapArgs(_StudentOperator):
    #: swapping these only turns a correct call into a TypeError on every input: not a mistake anyone makes
    SKIP = {"isinstance", "getattr", "range", "enumerate", "zip", "max", "min", "_check_size", "_float_array",
            "_finite_array", "_checked_ids", "_check_real", "TypeError", "ValueError", "IndexError", "KeyError"}

    def choices(self, node):
        parts = _call_parts(node)
        if not parts or parts[0].split(".")[-1] in self.SKIP:
            return []
        func, args, _ = parts
        positional = [a for a in args if a.type != "argument" or not _is_keyword(a)]
        if len(positional) < 2 or any(a.type == "argument" for a in positional[:2]):
            return []
        texts = [_code(a) for a in args]
        i, j = args.index(positional[0]), args.index(positional[1])
        if texts[i] == texts[j]:
            return []
        texts[i], texts[j] = texts[j], texts[i]
        return [f"{func}({', '.join(texts)})"]


class StudentRangeOffByOne(_StudentOperator):
    def choices(self, node):
        parts = _call_parts(node)
        if not parts or parts[0] != "range" or not parts[1]:
            return []
        texts = [_code(a) for a in parts[1]]
        head, end = texts[:-1], texts[-1]
        return [f"range({', '.join(head + [f'({end}) + 1'])})", f"range({', '.join(head + [f'({end}) - 1'])})"]


class StudentTieBreakLast(_StudentOperator):
    def choices(self, node):
        parts = _call_parts(node)
        if not parts:
            return []
        func, args, _ = parts
        texts = [_code(a) for a in args]
        if func == "max" and len(args) == 2 and _is_keyword(args[1], "key"):
            return [f"max(reversed(list({texts[0]})), {texts[1]})"]
        if func == "np.argsort" and texts and texts[0].startswith("-"):
            # sort ascending and reverse: among equal scores the higher index now comes first
            return [f"np.argsort({texts[0][1:]}, kind=\"stable\")[::-1]"]
        return []


class StudentSkipNormalise(_StudentOperator):
    def choices(self, node):
        parts = _call_parts(node)
        if parts and re.search(r"(^|\.|_)(unit\w*|norm\w*|normali[sz]e\w*)$", parts[0]) and parts[1] \
                and not _is_keyword(parts[1][0]):
            return [_code(parts[1][0])]
        return []


class StudentDropCondition(_StudentOperator):
    def choices(self, node):
        if node.type in ("or_test", "and_test", "expr") and len(node.children) == 3 \
                and node.children[1].value in ("or", "and", "|"):
            return [_code(node.children[0]), _code(node.children[2])]
        return []


STUDENT_OPERATORS: dict[str, type[_StudentOperator]] = {
    f"student/{cls.__name__}": cls
    for cls in (StudentWrongAxis, StudentDropKeepdims, StudentMeanSum, StudentForgetShift, StudentDropCopy,
                StudentRebind, StudentSwapArgs, StudentRangeOffByOne, StudentTieBreakLast, StudentSkipNormalise,
                StudentDropCondition)
}


@cache
def operators() -> dict[str, Operator]:
    """Every operator used: Cosmic Ray's argument-free ones, then ours (name -> instance)."""
    found: dict[str, Operator] = {}
    for name in operator_names():
        cls = get_operator(name)
        if not cls.arguments():          # VariableReplacer/Inserter need a named cause and effect
            found[name] = cls()
    for name, cls in STUDENT_OPERATORS.items():
        found[name] = cls()
    return found


# ------------------------------------------------------------------------------------------------
# the mutants


@dataclass(frozen=True)
class Mutant:
    """One first-order mutant of one solution module."""

    id: str
    module: str
    function: str
    operator: str
    occurrence: int          # Cosmic Ray's occurrence index of ``operator`` in the module
    line: int                # line in solutions/<module>.py (for people; the id does not use it)
    change: str              # the changed line(s), before -> after

    @property
    def student_operator(self) -> bool:
        return self.operator.startswith("student/")


def solution_regions(source: str) -> list[tuple[int, int]]:
    """(first, last) line numbers strictly between each BEGIN/END SOLUTION pair."""
    regions, start = [], None
    for number, line in enumerate(source.splitlines(), 1):
        if BEGIN in line:
            start = number
        elif END in line and start is not None:
            regions.append((start + 1, number - 1))
            start = None
    return regions


def _function_at(tree: ast.Module, line: int) -> str:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.lineno <= line <= node.end_lineno:
            return node.name
    raise ValueError(f"line {line} is in no top-level function")


def _not_code(node) -> bool:
    """True inside an f-string (an error message) or a signature's annotations (never evaluated)."""
    child = None
    while node is not None:
        if node.type in ("fstring", "string", "param"):
            return True
        if node.type == "funcdef" and child is not None and child is not node.children[-1]:
            return True                  # in the header: the name, the parameters or the return annotation
        child, node = node, node.parent
    return False


def _change(before: str, after: str) -> str:
    old = [line.strip() for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line.startswith("- ")]
    new = [line.strip() for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line.startswith("+ ")]
    return " / ".join(x[2:] for x in old) + "  ->  " + " / ".join(x[2:] for x in new)


def generate(modules: tuple[str, ...] = EXERCISE_MODULES) -> list[Mutant]:
    """Every mutant of the student regions of ``solutions/<module>.py``, in a stable order.

    Cheap (a few seconds): the source is parsed once per module and each operator walks it once; the
    mutated code itself is made only by :func:`mutated_source`.
    """
    mutants: list[Mutant] = []
    for module in modules:
        source = package_sources()[module]
        regions = solution_regions(source)
        tree = ast.parse(source)
        lines = source.splitlines()
        parsed = get_ast(source)
        nodes = list(ast_nodes(parsed))
        for name, operator in operators().items():
            occurrence = 0
            seen: dict[str, int] = {}
            for node in nodes:
                for start, _end in operator.mutation_positions(node):
                    here, occurrence = occurrence, occurrence + 1
                    region = next(((a, b) for a, b in regions if a <= start[0] <= b), None)
                    if region is None or _not_code(node):
                        continue
                    function = _function_at(tree, start[0])
                    place = f"{module}.{function}:{name}@{start[0] - region[0] + 1}:{start[1]}"
                    k = seen[place] = seen.get(place, -1) + 1
                    mutants.append(Mutant(id=f"{place}#{k}", module=module, function=function, operator=name,
                                          occurrence=here, line=start[0], change=lines[start[0] - 1].strip()))
    return mutants


def mutated_source(mutant: Mutant) -> str:
    """The whole module source with ``mutant`` applied (Cosmic Ray's ``mutate_code``)."""
    source = package_sources()[mutant.module]
    code = mutate_code(source, operators()[mutant.operator], mutant.occurrence)
    if code is None:
        raise ValueError(f"{mutant.id}: Cosmic Ray made no mutation at occurrence {mutant.occurrence}")
    return code


def describe(mutant: Mutant, code: str | None = None) -> str:
    """What the mutant changed, as ``old line  ->  new line``."""
    return _change(package_sources()[mutant.module], code if code is not None else mutated_source(mutant))


def fingerprint(mutant: Mutant, change: str | None = None) -> str:
    """A short hash of the change: an equivalent recorded for one mutant is not silently carried
    over to a different change that happens to get the same id."""
    return hashlib.sha256((change if change is not None else describe(mutant)).encode()).hexdigest()[:12]


@dataclass
class Verdict:
    """How the graded cases of its own module fared against one mutant."""

    mutant: Mutant
    status: str              # "killed", "survived", "timeout" (counts as killed), "incompetent"
    points_lost: float
    failed_public: int
    failed_hidden: int
    first_failure: str
    change: str = ""

    @property
    def killed(self) -> bool:
        return self.status in ("killed", "timeout", "incompetent")


def grade(mutant: Mutant, specs, ref) -> Verdict:
    """Run the cases of the mutant's own module against solutions/ with the mutant in place.

    Runs in THIS process (trusted code, the same cases and the same ``run_case`` as the judge, through
    :func:`tests.mutants.run_cases`); a mutant that loops must be run under a wall limit by the caller.
    A mutant that does not even load (``incompetent``) counts as killed: every case of it fails.
    """
    from grader.casekit import load_package_from_sources

    sources = dict(package_sources())
    sources[mutant.module] = code = mutated_source(mutant)
    change = describe(mutant, code)
    try:
        modules = load_package_from_sources(sources)
    except Exception as exc:  # noqa: BLE001 - a mutant that cannot load is killed, whatever the error
        return Verdict(mutant, "incompetent", 0.0, 0, 0, f"does not load: {type(exc).__name__}", change)
    own = [s for s in specs if s.module == mutant.module]
    results = run_cases(modules, own, ref)
    failed = [(s, r) for s, r in zip(own, results) if r.status != "passed"]
    lost = sum(r.max_score - r.score for r in results)
    first = ""
    if failed:
        spec, result = failed[0]
        first = f"{result.name} [{result.outcome}]"
    return Verdict(mutant, "killed" if lost > 0 else "survived", lost,
                   sum(not s.hidden for s, _ in failed), sum(s.hidden for s, _ in failed), first, change)


EQUIVALENT_FILE = PROJECT_ROOT / "tests" / "mutants" / "equivalent.yaml"


def load_equivalents() -> dict[str, dict]:
    """``tests/mutants/equivalent.yaml``: mutant id -> {reason, change}, reviewed by hand."""
    import yaml

    if not EQUIVALENT_FILE.is_file():
        return {}
    data = yaml.safe_load(EQUIVALENT_FILE.read_text(encoding="utf-8")) or {}
    return {entry["id"]: entry for entry in data.get("equivalent", [])}


__all__ = ["Mutant", "STUDENT_OPERATORS", "Verdict", "describe", "fingerprint", "generate", "grade",
           "load_equivalents", "mutated_source", "operators", "solution_regions"]
