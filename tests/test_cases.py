"""The graded cases and the kit they are written with (grader/casekit/__init__.py, grader/cases/).

First how cases are collected and named, then where they live (public ones ship, hidden ones
never do), then what a student reads when one fails (public: input, expected, got; hidden: the
concept, a hint and the kind of failure, nothing else), then the pieces: run_case's outcomes, the
in-process backend, the expect_* helpers.
"""

from __future__ import annotations

import builtins
import importlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader import casekit
from grader.sandbox import wire
from grader.casekit import (CaseFailure, CaseSpec, InProcessBackend, Student, StudentRaised, expect_close,
                            expect_equal, expect_raises, expect_unchanged, run_case)
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT, STUDENT_FUNCTIONS

sys.path.insert(0, str(PROJECT_ROOT))
from tests.mutants import variant_modules  # noqa: E402
from tests.mutants.catalogue import HIDDEN_ONLY, MUTANTS  # noqa: E402

CASES_DIR = PROJECT_ROOT / "grader" / "cases"


@pytest.fixture(scope="module")
def specs(pytestconfig):
    casekit.register_markers(pytestconfig)
    return casekit.collect_cases()


@pytest.fixture(scope="module")
def ref():
    return casekit.reference("solutions")


# ---------------------------------------------------------------------------------------------
# collection and names
# ---------------------------------------------------------------------------------------------
def test_collection_in_lesson_order_public_first(specs):
    assert len(specs) >= 100
    order = [(EXERCISE_MODULES.index(s.module), s.hidden) for s in specs]
    assert order == sorted(order), "lesson order of modules, public cases before hidden ones"
    for module in EXERCISE_MODULES:
        for hidden in (False, True):
            mine = [s for s in specs if s.module == module and s.hidden == hidden]
            lines = [s.func.__code__.co_firstlineno for s in mine]
            assert lines == sorted(lines), "file order within a file"


def test_names_are_unique_and_well_formed(specs):
    names = [s.name for s in specs]
    assert len(set(names)) == len(names)
    pattern = re.compile(r"^(?P<module>[a-z]+)\.(?P<function>[a-z_]+): (?P<title>\S.*\S)$")
    for spec in specs:
        match = pattern.match(spec.name)
        assert match, spec.name
        assert (match["module"], match["function"], match["title"]) == (spec.module, spec.function, spec.title)
        assert spec.function in STUDENT_FUNCTIONS[spec.module]
        assert isinstance(spec.points, (int, float)) and spec.points > 0


def test_every_function_has_public_and_hidden_cases(specs):
    for module, functions in STUDENT_FUNCTIONS.items():
        for function in functions:
            mine = [s for s in specs if (s.module, s.function) == (module, function)]
            assert any(not s.hidden for s in mine), f"{module}.{function} has no public case"
            assert any(s.hidden for s in mine), f"{module}.{function} has no hidden case"


def test_collect_public_only_and_by_module(specs):
    public = casekit.collect_cases(include_hidden=False)
    assert public == [s for s in specs if not s.hidden]
    lookup = casekit.collect_cases(modules=["lookup"])
    assert lookup and {s.module for s in lookup} == {"lookup"}
    with pytest.raises(ValueError):
        casekit.collect_cases(modules=["tokenizer"])


def test_a_mark_against_its_location_is_refused():
    @casekit.case("encode", "a hidden case in the wrong place", hidden=True, concept="c", hint="h")
    def test_misplaced(student, ref):
        pass

    with pytest.raises(casekit.CaseCollectionError, match="must not be hidden"):
        casekit._spec_from(test_misplaced, "bpe", "public")

    @casekit.case("encode", "hidden without a hint", hidden=True, concept="c")
    def test_no_hint(student, ref):
        pass

    with pytest.raises(casekit.CaseCollectionError, match="concept and a hint"):
        casekit._spec_from(test_no_hint, "bpe", "hidden")

    @casekit.case("pretokenize", "a given function is not graded")
    def test_given(student, ref):
        pass

    with pytest.raises(casekit.CaseCollectionError, match="not a function students write"):
        casekit._spec_from(test_given, "bpe", "public")


def test_case_decorator_checks_its_arguments():
    with pytest.raises(ValueError):
        casekit.case("encode", "", points=1)
    with pytest.raises(ValueError):
        casekit.case("encode", "title", points=0)
    with pytest.raises(ValueError):
        casekit.case("encode", "title", points=True)


# ---------------------------------------------------------------------------------------------
# where cases live
# ---------------------------------------------------------------------------------------------
def _case_files(location: str) -> list[Path]:
    return sorted((CASES_DIR / location).glob("test_*.py"))


@pytest.mark.parametrize("location", ["public", "hidden"])
def test_marks_match_the_folder(location):
    files = _case_files(location)
    assert {f.stem for f in files} == {f"test_{m}" for m in EXERCISE_MODULES}
    for path in files:
        module = importlib.import_module(f"grader.cases.{location}.{path.stem}")
        tests = [obj for name, obj in vars(module).items()
                 if name.startswith("test") and callable(obj) and obj.__module__ == module.__name__]
        assert tests
        for func in tests:
            names = [m.name for m in getattr(func, "pytestmark", [])]
            assert "embedlab_case" in names, f"{path.name}::{func.__name__} is not a @case"
            assert ("hidden" in names) == (location == "hidden"), f"{path.name}::{func.__name__}"


def test_public_cases_never_import_hidden_ones():
    imports = re.compile(r"^\s*(from|import)\s+[\w.]*hidden", re.MULTILINE)
    for path in _case_files("public") + [CASES_DIR / "conftest.py", *(PROJECT_ROOT / "grader" / "casekit").glob("*.py")]:
        assert not imports.search(path.read_text(encoding="utf-8")), path


def test_hidden_cases_teach_with_concept_and_hint(specs):
    for spec in (s for s in specs if s.hidden):
        assert spec.concept and spec.hint, spec.name
        assert spec.hint.rstrip().endswith((".", "?", ")")), f"{spec.name}: a hint is a sentence"
        # the name is shown to students: it may say what kind of input, never which one
        title = re.sub(r"(float|int)(16|32|64)", "", spec.title)
        assert not re.search(r"\d\d|\d[.,]\d|= *[1-9]", title), spec.name


def test_the_suite_stays_fast(specs, ref):
    """Roughly 150-300 calls of student code for a whole submission."""
    student = Student(InProcessBackend({m: getattr(ref, m) for m in EXERCISE_MODULES}))
    calls = 0
    for spec in specs:
        assert run_case(spec, student, ref).status == "passed", spec.name
        calls += len(student.calls)
    assert 150 <= calls <= 300, calls


# ---------------------------------------------------------------------------------------------
# what a failing case says
# ---------------------------------------------------------------------------------------------
_BUILTIN_EXCEPTIONS = {n for n, o in vars(builtins).items() if isinstance(o, type) and issubclass(o, BaseException)}
_HIDDEN_KINDS = re.compile(
    r"^(wrong result|changed its input|raised no error where one was due|ran out of time|ran out of memory"
    r"|crashed the process running it|raised (?P<name>\w+)(, not the error the rules ask for)?)$")


def _args_of(calls):
    for call in calls:
        yield from call.args
        yield from call.kwargs.values()


def _run_with_calls(modules, specs, ref):
    student = Student(InProcessBackend(modules))
    for spec in specs:
        result = run_case(spec, student, ref)
        yield spec, result, list(student.calls)


@pytest.fixture(scope="module")
def failures_of_mutants(specs, ref):
    """(spec, result, calls) of every failed case for a sample of mutants (hidden-only ones included)."""
    sample = [m for i, m in enumerate(MUTANTS) if i % 3 == 0 or m.id in HIDDEN_ONLY]
    out = []
    for mutant in sample:
        out += [(s, r, c) for s, r, c in _run_with_calls(variant_modules(mutant), specs, ref) if r.status != "passed"]
    return out


def test_hidden_messages_reveal_neither_inputs_nor_expected_values(failures_of_mutants):
    hidden = [(s, r, c) for s, r, c in failures_of_mutants if s.hidden]
    assert len(hidden) >= 30
    for spec, result, calls in hidden:
        message = result.message_hidden
        # the structure: "<concept>: <kind of failure>. Hint: <hint>", nothing else
        prefix, suffix = f"{spec.concept}: ", f". Hint: {spec.hint}"
        assert message.startswith(prefix) and message.endswith(suffix), message
        kind = _HIDDEN_KINDS.match(message[len(prefix):-len(suffix)])
        assert kind, message
        assert kind["name"] is None or kind["name"] in _BUILTIN_EXCEPTIONS
        for arg in _args_of(calls):
            if isinstance(arg, (str, list, tuple, dict, np.ndarray)):
                for text in {repr(arg), casekit.show(arg)}:
                    assert len(text) < 4 or text not in message, (spec.name, text)
        assert result.message_public != message


def test_public_messages_show_input_expected_and_got(failures_of_mutants):
    public = [(s, r) for s, r, _ in failures_of_mutants if not s.hidden]
    assert len(public) >= 50
    for spec, result in public:
        text = result.message_public
        assert text.startswith("call:       "), (spec.name, text)
        if result.outcome == "wrong":
            assert "\nexpected:   " in text and "\ngot:        " in text and "\ndifference: " in text, text
        else:
            assert result.outcome == "raised" and "\nraised:     " in text, (result.outcome, text)


def test_a_wrong_answer_names_the_first_difference(ref):
    modules = variant_modules(next(m for m in MUTANTS if m.id == "train_bpe.last_tie"))
    spec = next(s for s in casekit.collect_cases(modules=["bpe"]) if s.name == "bpe.train_bpe: the lesson's example")
    result = run_case(spec, Student(InProcessBackend(modules)), ref)
    assert result.outcome == "wrong"
    assert "call:       bpe.train_bpe('low low low lower lowest', 2)" in result.message_public
    assert "expected:   [('l', 'o'), ('lo', 'w')]" in result.message_public
    assert "the result[0] should be ('l', 'o'), got ('o', 'w')" in result.message_public


# ---------------------------------------------------------------------------------------------
# run_case: every way a case ends
# ---------------------------------------------------------------------------------------------
class _FakeBackend:
    """Answers every call with one fixed outcome."""

    def __init__(self, **outcome):
        self.outcome = casekit._Outcome(**outcome)

    def call(self, module, function, args=(), kwargs=None, *, keep_args=False, timeout=None):
        return self.outcome


def _spec(func, hidden=True):
    return CaseSpec(module="lookup", function="one_hot", title="t", name="lookup.one_hot: t", points=2,
                    hidden=hidden, concept="one-hot vectors", hint="Think about it.", func=func)


def _calls_one_hot(student, ref):
    expect_equal(student.lookup.one_hot([1], 2), np.array([[0.0, 1.0]]))


@pytest.mark.parametrize("outcome, kind, hidden_kind", [
    (dict(kind="not_attempted", message="stub"), "not_attempted", None),
    (dict(kind="timeout", message="time limit exceeded: more than 5 s"), "timeout", "ran out of time"),
    (dict(kind="memory", message="memory limit exceeded (1 GiB)"), "memory", "ran out of memory"),
    (dict(kind="crashed", message="killed by signal 11"), "crashed", "crashed the process running it"),
    (dict(kind="missing", message="lookup.py was not submitted"), "missing", None),
    (dict(kind="ok", value=np.array([[0.0, 2.0]])), "wrong", "wrong result"),
    (dict(kind="ok", value=np.array([[0.0, 1.0]])), "passed", None),
])
def test_run_case_outcomes(outcome, kind, hidden_kind):
    result = run_case(_spec(_calls_one_hot), Student(_FakeBackend(**outcome)), ref=None)
    assert result.outcome == kind
    assert result.max_score == 2.0 and result.score == (2.0 if kind == "passed" else 0.0)
    assert result.status == ("passed" if kind == "passed" else "failed")
    if kind == "not_attempted":
        assert result.message_public == result.message_hidden == "not attempted"
    if kind == "missing":
        assert result.message_hidden == "lookup.py was not submitted"
    if hidden_kind:
        assert result.message_hidden == f"one-hot vectors: {hidden_kind}. Hint: Think about it."


def test_a_raised_exception_shows_only_its_builtin_class_in_hidden_feedback():
    backend = _FakeBackend(kind="raised", type_name="LeakyError", message="the hidden input was [3, 1, 4]",
                           builtin_mro=("ValueError", "Exception", "BaseException"))
    result = run_case(_spec(_calls_one_hot), Student(backend), ref=None)
    assert result.outcome == "raised"
    assert result.message_hidden == "one-hot vectors: raised ValueError. Hint: Think about it."
    assert "LeakyError: the hidden input was [3, 1, 4]" in result.message_public


def test_a_bug_of_the_case_is_an_error_not_the_students_fault():
    def broken(student, ref):
        student.lookup.one_hot([1], 2)
        return 1 / 0

    result = run_case(_spec(broken), Student(_FakeBackend(kind="ok", value=None)), ref=None)
    assert result.outcome == "error" and result.score == 0
    assert result.message_hidden == casekit.CASE_BUG
    assert "ZeroDivisionError" in result.message_public

    def typo(student, ref):
        student.lookup.one_hott([1], 2)

    assert run_case(_spec(typo), Student(_FakeBackend(kind="ok")), ref=None).outcome == "error"


# ---------------------------------------------------------------------------------------------
# the student proxy and the in-process backend
# ---------------------------------------------------------------------------------------------
def test_student_knows_only_spec_functions():
    student = Student(_FakeBackend(kind="ok"))
    with pytest.raises(AttributeError):
        student.tokenizer
    with pytest.raises(AttributeError):
        student.bpe.pretokenize  # GIVEN, not graded
    with pytest.raises(AttributeError):
        student.bpe._check_words


SOURCES = {
    "bpe": "def encode(text, merges):\n    merges.append('seen')\n    return (text, len(merges))\n",
    "lookup": ("from . import bpe\n"
               "class Sneaky(IndexError):\n    pass\n"
               "def one_hot(ids, vocab_size):\n    raise Sneaky('bad id')\n"
               "def build_vocab(merges, alphabet):\n    raise NotImplementedError\n"
               "def embedding_lookup(E, ids):\n    return np.asmatrix(E)\n"
               "import numpy as np\n"
               "def tokens_to_ids(tokens, vocab):\n    return bpe.encode('x', [])\n"),
    "skipgram": "def numerical_gradient(f, x, eps=1e-5):\n    return f(x)\n",
}


def test_in_process_backend_behaves_like_the_child():
    modules = casekit.load_package_from_sources(SOURCES)
    student = Student(InProcessBackend(modules))
    merges = [("a", "b")]
    assert student.bpe.encode("ab", merges) == ("ab", 2)          # a tuple stays a tuple
    assert merges == [("a", "b")]                                 # the caller's list is untouched
    value, (text, after) = student.bpe.encode.keep_args("ab", merges)
    assert after == [("a", "b"), "seen"]                          # ... but keep_args shows the change
    raised = expect_raises(IndexError, student.lookup.one_hot, [1], 2)
    assert raised.type_name == "Sneaky" and raised.builtin_mro[0] == "IndexError"
    with pytest.raises(casekit.NotAttempted):
        student.lookup.build_vocab([], "ab")
    got = student.lookup.embedding_lookup(np.eye(2), [0])
    assert type(got) is np.ndarray                                # a subclass arrives as a plain array
    assert student.lookup.tokens_to_ids([], {}) == ("x", 1)       # relative imports work
    with pytest.raises(casekit.Missing, match="no function"):
        student.bpe.train_bpe("ab", 1)
    with pytest.raises(casekit.Missing, match="similarity.py is missing"):
        student.similarity.top_k([1.0], [[1.0]], 1)
    assert student.skipgram.numerical_gradient(casekit.named("sum_squares"), np.array([1.0, 2.0])) == 5.0


def test_packages_from_sources_are_independent():
    one = casekit.load_package_from_sources({"bpe": "VALUE = 1\n", "lookup": "from . import bpe\nVALUE = bpe.VALUE\n"})
    two = casekit.load_package_from_sources({"bpe": "VALUE = 2\n", "lookup": "from . import bpe\nVALUE = bpe.VALUE\n"})
    assert (one["lookup"].VALUE, two["lookup"].VALUE) == (1, 2)


# ---------------------------------------------------------------------------------------------
# expect_*
# ---------------------------------------------------------------------------------------------
def _failure(fn, *args, **kwargs) -> CaseFailure:
    with pytest.raises(CaseFailure) as info:
        fn(*args, **kwargs)
    return info.value


def test_expect_equal_is_type_aware():
    expect_equal([("a", "b")], [("a", "b")])
    assert "should be a tuple" in _failure(expect_equal, [["a", "b"]], [("a", "b")]).message
    assert "should be a list" in _failure(expect_equal, (1, 2), [1, 2]).message
    assert "int(...)" in _failure(expect_equal, [np.int64(1)], [1]).message
    expect_equal([np.int64(1)], [1], numpy_ints=True)
    assert "should be an int" in _failure(expect_equal, [True], [1], numpy_ints=True).message
    assert "wrong order" in _failure(expect_equal, {"b": 1, "a": 2}, {"a": 2, "b": 1}).message
    assert "lacks the key" in _failure(expect_equal, {"a": 1}, {"a": 1, "b": 2}).message
    message = _failure(expect_equal, list(range(20)), list(range(19))).message
    assert "first extra one" in message and "..." in message     # long values are shortened
    assert "should be a float" in _failure(expect_equal, 1, 1.0).message


def test_expect_close_checks_kind_shape_dtype_and_finiteness():
    expect_close(np.array([1.0, 2.0 + 1e-12]), np.array([1.0, 2.0]))
    expect_close(0.5, np.float64(0.5))
    assert "numpy array of shape (2,)" in _failure(expect_close, [1.0, 2.0], np.array([1.0, 2.0])).message
    assert "shape (2, 1)" in _failure(expect_close, np.ones((2, 1)), np.ones(2)).message
    assert "dtype float64, got dtype float32" in _failure(expect_close, np.ones(2, np.float32), np.ones(2)).message
    assert "not finite" in _failure(expect_close, np.array([1.0, np.nan]), np.array([1.0, 0.5])).message
    assert "should be a float" in _failure(expect_close, 0, 0.0).message
    assert "[1, 0]" in _failure(expect_close, np.array([[1.0, 2], [4, 4]]), np.array([[1.0, 2], [3, 4]])).message
    assert "should be 2 values" in _failure(casekit.unpack, (1, 2, 3), 2).message


def test_expect_raises_needs_a_builtin_subclass():
    def raises(type_name, mro):
        def fn():
            raise StudentRaised(type_name, mro, "message")
        return fn

    expect_raises(KeyError, raises("MissingWord", ("KeyError", "LookupError", "Exception")))
    failure = _failure(expect_raises, KeyError, raises("IndexError", ("IndexError", "LookupError")))
    assert failure.kind == "raised IndexError, not the error the rules ask for"
    assert _failure(expect_raises, ValueError, lambda: 3).kind == "raised no error where one was due"
    with pytest.raises(TypeError):
        expect_raises(CaseFailure, lambda: None)


def test_expect_unchanged_is_bit_for_bit():
    expect_unchanged(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    assert _failure(expect_unchanged, np.array([0.0]), np.array([-0.0])).kind == "changed its input"
    failure = _failure(expect_unchanged, {("a",): 1}, {("a",): 2}, what="words")
    assert "changed words" in failure.message and "expected:" in failure.message


# ---------------------------------------------------------------------------------------------
# the cases as plain pytest
# ---------------------------------------------------------------------------------------------
def test_pytest_runs_the_cases_against_a_student_dir(tmp_path):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--strict-markers",
               "-W", "error::pytest.PytestUnknownMarkWarning", "grader/cases/public/test_lookup.py"]
    good = subprocess.run(command + ["--student-dir", "solutions"], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert good.returncode == 0, good.stdout + good.stderr
    stubs = subprocess.run(command + ["--student-dir", "exercises"], cwd=PROJECT_ROOT, capture_output=True,
                           text=True, timeout=120)
    assert stubs.returncode == 1 and " passed" not in stubs.stdout.splitlines()[-1], stubs.stdout[-500:]


def test_wire_roundtrip_is_what_the_backend_uses():
    assert wire.roundtrip((1, [2.0], {"a": (3,)})) == (1, [2.0], {"a": (3,)})
