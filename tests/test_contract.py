"""The cases grade the student's contract, all of it and nothing more.

The student's contract is the handout: each stub's docstring (Args, Returns, Raises, Examples).
Here, for every student function, the exceptions the graded cases demand (every exception the
reference raises while all cases pass, i.e. every ``expect_raises`` that fired) are set next to the
``Raises:`` lines of its docstring. They must be the same set:

* a case demanding an exception the docstring does not list would grade something the student was
  never told;
* a ``Raises:`` line no case exercises is a promise nobody checks (a student who skips it keeps
  full marks).

The table is printed with ``-s``; the lists of the docstring are read from ``solutions/`` (the stubs
of ``exercises/`` have the same docstrings, ``tests/test_generate.py`` makes sure).
"""

from __future__ import annotations

import importlib
import re
import sys

import pytest

from grader import casekit
from grader.casekit import InProcessBackend, Student, load_package_from_sources, run_case
from grader.paths import PROJECT_ROOT, STUDENT_FUNCTIONS

sys.path.insert(0, str(PROJECT_ROOT))
from tests.mutants import package_sources  # noqa: E402

FUNCTIONS = [(m, f) for m, fs in STUDENT_FUNCTIONS.items() for f in fs]


def documented_raises(module: str, function: str) -> set[str]:
    """The exception names of the ``Raises:`` section of the function's docstring.

    >>> sorted(documented_raises("lookup", "one_hot"))
    ['IndexError', 'TypeError', 'ValueError']
    """
    doc = getattr(importlib.import_module(f"solutions.{module}"), function).__doc__ or ""
    if "Raises:" not in doc:
        return set()
    section = doc.split("Raises:", 1)[1].split("\n\n", 1)[0]
    names = set(re.findall(r"^\s+(\w+Error):", section, re.M))
    # "Any error of `embed_text`": the exceptions of the function it delegates to
    for delegate in re.findall(r"Any error of `(\w+)`", section):
        names |= documented_raises(module, delegate)
    return names


class _Recording(InProcessBackend):
    """The in-process backend, noting which exception each student function raised."""

    def __init__(self, modules) -> None:
        super().__init__(modules)
        self.raised: dict[tuple[str, str], set[str]] = {}

    def call(self, module, function, *args, **kwargs):
        outcome = super().call(module, function, *args, **kwargs)
        if outcome.kind == "raised":
            self.raised.setdefault((module, function), set()).add(outcome.type_name)
        return outcome


@pytest.fixture(scope="module")
def demanded(pytestconfig) -> dict[tuple[str, str], set[str]]:
    casekit.register_markers(pytestconfig)
    backend = _Recording(load_package_from_sources(dict(package_sources())))
    student, ref = Student(backend), casekit.reference("solutions")
    failed = [r.name for r in (run_case(spec, student, ref) for spec in casekit.collect_cases())
              if r.status != "passed"]
    assert not failed, f"the solutions fail cases: {failed}"
    return backend.raised


def test_documented_raises_reads_the_docstrings() -> None:
    assert documented_raises("bpe", "train_bpe") == {"TypeError", "ValueError"}
    assert documented_raises("similarity", "analogy") == {"KeyError", "TypeError", "ValueError", "IndexError"}
    assert documented_raises("pipeline", "retrieve") >= documented_raises("pipeline", "embed_text")


def test_the_table(demanded, capsys) -> None:
    with capsys.disabled():
        print(f"\n{'function':<42} {'cases demand':<44} docstring Raises")
        for module, function in FUNCTIONS:
            cases = ", ".join(sorted(demanded.get((module, function), ())))
            print(f"{module + '.' + function:<42} {cases:<44} {', '.join(sorted(documented_raises(module, function)))}")
    assert len(demanded) <= len(FUNCTIONS)


@pytest.mark.parametrize("module,function", FUNCTIONS, ids=[f"{m}.{f}" for m, f in FUNCTIONS])
def test_cases_demand_exactly_the_documented_exceptions(demanded, module, function) -> None:
    cases = demanded.get((module, function), set())
    docstring = documented_raises(module, function)
    assert cases <= docstring, f"cases demand what the docstring never says: {sorted(cases - docstring)}"
    if function == "retrieve":           # "Any error of embed_text": graded in embed_text's cases
        docstring = {n for n in docstring if n in {"TypeError", "ValueError"}}
    assert docstring <= cases, f"Raises lines no case grades: {sorted(docstring - cases)}"
