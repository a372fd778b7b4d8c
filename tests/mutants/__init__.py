"""The mutation catalogue: wrong (and differently written, correct) versions of student functions.

A :class:`Variant` replaces ONE function of one ``solutions/`` module by its own source; the graded
cases then run against the solutions with that one function replaced (in process, through
:class:`grader.casekit.InProcessBackend`). Every mutant (``catalogue.MUTANTS``) must lose points;
every alternative (``alternatives.ALTERNATIVES``) must get full marks. ``bench/mutation_score.py``
prints the table; ``tests/test_mutation_score.py`` enforces it.
"""

from __future__ import annotations

import ast
import functools
import textwrap
from dataclasses import dataclass
from types import ModuleType

from grader.casekit import CaseResult, CaseSpec, InProcessBackend, Student, load_package_from_sources, run_case
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT, STUDENT_FUNCTIONS


@dataclass(frozen=True)
class Variant:
    """One replacement function: ``source`` defines ``function`` (plus any private helpers it needs)."""

    id: str
    module: str
    function: str
    description: str
    source: str

    def __post_init__(self) -> None:
        if self.function not in STUDENT_FUNCTIONS.get(self.module, ()):
            raise ValueError(f"{self.id}: {self.module}.{self.function} is not a student function")
        defined = [n.name for n in ast.parse(textwrap.dedent(self.source)).body if isinstance(n, ast.FunctionDef)]
        if self.function not in defined:
            raise ValueError(f"{self.id}: the source does not define {self.function}()")


def replace_function(source: str, function: str, replacement: str) -> str:
    """``source`` with the top-level ``def function`` (decorators included) replaced by ``replacement``."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            lines = source.splitlines(keepends=True)
            middle = textwrap.dedent(replacement).rstrip("\n") + "\n"
            return "".join(lines[:start]) + middle + "".join(lines[node.end_lineno:])
    raise ValueError(f"no top-level function {function}() to replace")


@functools.cache
def package_sources(package: str = "solutions") -> dict[str, str]:
    """The five module sources of ``solutions/`` (or ``exercises/``), read once."""
    folder = PROJECT_ROOT / package
    return {name: (folder / f"{name}.py").read_text(encoding="utf-8") for name in EXERCISE_MODULES}


def variant_modules(variant: Variant, package: str = "solutions") -> dict[str, ModuleType]:
    """A fresh package: ``package``'s modules with ``variant``'s function in place of the original."""
    sources = dict(package_sources(package))
    sources[variant.module] = replace_function(sources[variant.module], variant.function, variant.source)
    return load_package_from_sources(sources)


def run_cases(modules: dict[str, ModuleType], specs: list[CaseSpec], ref) -> list[CaseResult]:
    """Every case of ``specs`` against ``modules`` (trusted code, in this process)."""
    student = Student(InProcessBackend(modules))
    return [run_case(spec, student, ref) for spec in specs]


@dataclass
class Score:
    """How one variant fared: the results of the public cases and, if asked, of the hidden ones."""

    variant: Variant
    public: list[CaseResult]
    hidden: list[CaseResult]

    @property
    def caught_by_public(self) -> bool:
        return any(r.status != "passed" for r in self.public)

    @property
    def caught(self) -> bool:
        return self.caught_by_public or any(r.status != "passed" for r in self.hidden)

    @property
    def full_marks(self) -> bool:
        return not self.caught

    def errors(self) -> list[CaseResult]:
        """Cases that broke on the judge's side (a bug of the case, whatever the student did)."""
        return [r for r in self.public + self.hidden if r.outcome == "error"]


def score_variant(variant: Variant, specs: list[CaseSpec], ref, *, hidden: str = "always") -> Score:
    """Run the public cases, then the hidden ones (``hidden="if-needed"``: only if no public case failed)."""
    modules = variant_modules(variant)
    public = run_cases(modules, [s for s in specs if not s.hidden], ref)
    run_hidden = hidden == "always" or not any(r.status != "passed" for r in public)
    return Score(variant, public, run_cases(modules, [s for s in specs if s.hidden], ref) if run_hidden else [])


def all_variants() -> tuple[list[Variant], list[Variant]]:
    """(mutants, alternatives)."""
    from .alternatives import ALTERNATIVES
    from .catalogue import MUTANTS

    return MUTANTS, ALTERNATIVES


__all__ = ["Score", "Variant", "all_variants", "package_sources", "replace_function", "run_cases", "score_variant",
           "variant_modules"]
