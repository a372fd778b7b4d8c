"""What the graded cases are made of: the ``@case`` decorator, the ``student`` proxy, ``expect_*``.

A case is an ordinary pytest test function in ``grader/cases/{public,hidden}/test_<module>.py``::

    @case("train_bpe", "the lesson's example", points=2)
    def test_train_bpe_lesson(student, ref):
        text = "low low low lower lowest"
        expect_equal(student.bpe.train_bpe(text, 2), ref.bpe.train_bpe(text, 2))

``student.bpe.train_bpe(...)`` asks a *backend* to run the student's function and returns the
decoded plain-data result; ``ref`` is the reference ``solutions`` package, run in the judge. The
same case runs three ways:

* ``pytest grader/cases`` (``conftest.py`` gives a :class:`Student` over :class:`InProcessBackend`
  of the solutions, or of ``--student-dir DIR``);
* the grading engine: :func:`collect_cases` reads the marks without running pytest, and
  :func:`run_case` runs one case against a sandboxed child (``grader.sandbox.zygote``) as the backend;
* the project's mutation tests: :class:`InProcessBackend` over solutions with one function
  replaced by a wrong (or a differently written, correct) implementation.

The student's side can only fail in the ways of :class:`StudentOutcome`; the judge's side fails
with :class:`CaseFailure` (a wrong answer, with a message that teaches: the call, what was
expected, what came back, where they differ). Anything else escaping a case is a bug of the case
itself and is reported as outcome ``"error"``, never blamed on the student.

Hidden cases never show inputs or expected values: their message is built from the case's
``concept`` and ``hint`` and the kind of failure only (``"raised TypeError"``, using builtin
exception names, never text the student's code chose).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import importlib.util
import inspect
import io
import math
import reprlib
import shutil
import sys
import tempfile
import time
import types
import uuid
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..sandbox import wire
from ..paths import EXERCISE_MODULES, STUDENT_FUNCTIONS, missing_function_message

__all__ = [
    "CaseFailure", "CaseResult", "CaseSpec", "Crashed", "InProcessBackend", "LimitExceeded", "Missing",
    "NotAttempted", "Student", "StudentOutcome", "StudentRaised", "case", "collect_cases", "expect_close",
    "expect_equal", "expect_raises", "expect_that", "expect_unchanged", "load_package_from_sources", "named",
    "random_matrix", "reference", "resolve_function", "run_case", "show", "unpack"
]

# ---------------------------------------------------------------------------------------------
# marks
# ---------------------------------------------------------------------------------------------
#: the pytest markers a case carries; ``register_markers`` adds them to a pytest config
MARKERS: dict[str, str] = {
    "embedlab_case": "embedlab_case(function, title): a graded case of <module>.<function>",
    "points": "points(n): what an embedlab case is worth",
    "hidden": "hidden: an embedlab case that never ships to students; feedback shows concept and hint only",
    "hint": "hint(text): what a student should think about when the case fails",
    "concept": "concept(text): the idea of the lesson an embedlab case checks",
}


def register_markers(config: Any) -> None:
    """Register :data:`MARKERS` with a pytest ``config`` (call it from ``pytest_configure``)."""
    for line in MARKERS.values():
        config.addinivalue_line("markers", line)


@dataclass(frozen=True)
class _Mark:
    """What ``pytest.mark.<name>(...)`` stores, for when pytest is not installed (a student's venv)."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def _apply_mark(func: Callable, name: str, *args: Any, **kwargs: Any) -> Callable:
    try:
        import pytest
    except ImportError:  # grading and `embedlab check` do not need pytest
        func.pytestmark = [*getattr(func, "pytestmark", []), _Mark(name, args, kwargs)]  # type: ignore[attr-defined]
        return func
    with warnings.catch_warnings():
        # Importing a case module under a pytest run that did not load grader/cases/conftest.py
        # (the project's own tests) would otherwise warn about "unknown" marks.
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        decorator = getattr(pytest.mark, name)
    if args or kwargs:
        decorator = decorator.with_args(*args, **kwargs)
    return decorator(func)


def case(function: str, title: str, points: float = 1, hidden: bool = False,
         concept: str | None = None, hint: str | None = None) -> Callable[[Callable], Callable]:
    """Mark a test function as a graded case of ``<module>.<function>`` (module = file name).

    ``points`` weights the case by difficulty. A hidden case must carry a ``concept`` and a
    ``hint``: they are all its feedback says, so they teach without revealing inputs.
    """
    if not isinstance(function, str) or not function.isidentifier():
        raise ValueError(f"case(): function must be a function name, got {function!r}")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("case(): title must be a non-empty string")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
        raise ValueError(f"case(): points must be a positive number, got {points!r}")

    def apply(func: Callable) -> Callable:
        func = _apply_mark(func, "embedlab_case", function=function, title=title)
        func = _apply_mark(func, "points", points)
        if hidden:
            func = _apply_mark(func, "hidden")
        if hint is not None:
            func = _apply_mark(func, "hint", hint)
        if concept is not None:
            func = _apply_mark(func, "concept", concept)
        return func

    return apply


# ---------------------------------------------------------------------------------------------
# collection
# ---------------------------------------------------------------------------------------------
class CaseCollectionError(RuntimeError):
    """The case files are inconsistent (a bug of embedlab's cases, found before grading)."""


@dataclass(frozen=True)
class CaseSpec:
    """One graded case, as the engine sees it (read from the marks, pytest never runs)."""

    module: str
    function: str
    title: str
    name: str            # "<module>.<function>: <title>", unique
    points: float
    hidden: bool
    concept: str | None
    hint: str | None
    func: Callable = field(repr=False, compare=False)


CASES_PACKAGE = "grader.cases"


def _marks_of(func: Callable) -> dict[str, Any]:
    marks: dict[str, Any] = {}
    for mark in getattr(func, "pytestmark", []):
        name = getattr(mark, "name", None)
        if name in MARKERS:
            if name in marks:
                raise CaseCollectionError(f"{func.__module__}.{func.__name__}: mark {name!r} given twice")
            marks[name] = mark
    return marks


def _spec_from(func: Callable, module: str, location: str) -> CaseSpec:
    where = f"{func.__module__}.{func.__name__}"
    marks = _marks_of(func)
    kwargs = marks["embedlab_case"].kwargs
    function, title = kwargs.get("function"), kwargs.get("title")
    if function not in STUDENT_FUNCTIONS[module]:
        raise CaseCollectionError(f"{where}: {module}.{function} is not a function students write")
    if not isinstance(title, str) or not title.strip() or "\n" in title:
        raise CaseCollectionError(f"{where}: bad title {title!r}")
    points = marks["points"].args[0] if "points" in marks else 1
    hidden = "hidden" in marks
    concept = marks["concept"].args[0] if "concept" in marks else None
    hint = marks["hint"].args[0] if "hint" in marks else None
    if hidden != (location == "hidden"):
        raise CaseCollectionError(
            f"{where}: a case under grader/cases/{location}/ must {'' if location == 'hidden' else 'not '}be hidden")
    if hidden and not (concept and hint):
        raise CaseCollectionError(f"{where}: a hidden case needs a concept and a hint (its only feedback)")
    return CaseSpec(module=module, function=function, title=title.strip(),
                    name=f"{module}.{function}: {title.strip()}", points=points, hidden=hidden,
                    concept=concept, hint=hint, func=func)


def _case_functions(mod: types.ModuleType) -> list[Callable]:
    found = []
    for name, obj in vars(mod).items():
        if not (name.startswith("test") and inspect.isfunction(obj) and obj.__module__ == mod.__name__):
            continue
        if "embedlab_case" not in _marks_of(obj):
            raise CaseCollectionError(f"{mod.__name__}.{name} is a test without @case: every test there is graded")
        found.append(obj)
    return sorted(found, key=lambda f: f.__code__.co_firstlineno)


def collect_cases(include_hidden: bool = True, modules: Iterable[str] | None = None) -> list[CaseSpec]:
    """Every case, in lesson order of modules, public before hidden, then file order.

    Imports ``grader.cases.public.test_<module>`` (and ``grader.cases.hidden.test_<module>``) and
    reads each case's marks; nothing runs. Raises :class:`CaseCollectionError` when names clash,
    a mark does not match the file's location, or the hidden cases are asked for but absent (the
    student handout ships without them).
    """
    wanted = EXERCISE_MODULES if modules is None else tuple(modules)
    unknown = [m for m in wanted if m not in EXERCISE_MODULES]
    if unknown:
        raise ValueError(f"unknown exercise module(s): {', '.join(map(str, unknown))}")
    locations = ("public", "hidden") if include_hidden else ("public",)
    specs: list[CaseSpec] = []
    for module in (m for m in EXERCISE_MODULES if m in wanted):
        for location in locations:
            name = f"{CASES_PACKAGE}.{location}.test_{module}"
            try:
                found = importlib.util.find_spec(name)
            except ModuleNotFoundError:
                found = None
            if found is None:
                raise CaseCollectionError(f"no {location} cases for {module}: {name} is not installed")
            mod = importlib.import_module(name)
            specs += [_spec_from(func, module, location) for func in _case_functions(mod)]
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise CaseCollectionError(f"two cases are named {spec.name!r}")
        seen.add(spec.name)
    return specs


# ---------------------------------------------------------------------------------------------
# showing values: short, teaching reprs
# ---------------------------------------------------------------------------------------------
class _Short(reprlib.Repr):
    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 4
        self.maxtuple = 6
        self.maxlist = 8
        self.maxdict = 6
        self.maxset = 6
        self.maxstring = 70
        self.maxother = 80
        self.maxlong = 40

    def repr_ndarray(self, x: np.ndarray, level: int) -> str:
        with np.printoptions(threshold=12, edgeitems=2, precision=6, linewidth=90):
            body = np.array2string(x, separator=", ")
        if "\n" in body:
            body = " ".join(line.strip() for line in body.splitlines())
        return f"array({body}, shape={x.shape}, dtype={x.dtype})"

    def repr_dict(self, x: dict, level: int) -> str:  # keep insertion order (reprlib sorts keys)
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        items = [f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
                 for k, v in list(x.items())[: self.maxdict]]
        more = ", ..." if len(x) > self.maxdict else ""
        return "{" + ", ".join(items) + more + "}"

    def repr_NamedFunction(self, x: wire.NamedFunction, level: int) -> str:
        return f"<function {x.name}>"


_SHORT = _Short()


def show(value: Any) -> str:
    """A short repr for messages: long lists, strings and arrays are cut with ``...``."""
    try:
        return _SHORT.repr(value)
    except Exception:  # never let a message fail
        return f"<{type(value).__name__}>"


def _kind_of(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"a numpy array (dtype {value.dtype})"
    if isinstance(value, np.generic):
        return f"a numpy.{type(value).__name__}"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


# ---------------------------------------------------------------------------------------------
# student-side outcomes and the judge's failures
# ---------------------------------------------------------------------------------------------
class StudentOutcome(Exception):
    """The student's function did not return (it raised, was a stub, hit a limit, ...)."""

    outcome = "raised"

    def hidden_kind(self) -> str:
        """The kind of failure in words a hidden case may show (nothing the student's code chose)."""
        return "failed"


class StudentRaised(StudentOutcome):
    """The student's function raised an exception (its type name, builtin base names, message)."""

    outcome = "raised"

    def __init__(self, type_name: str, builtin_mro: tuple[str, ...] = (), message: str = "") -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name = str(type_name)
        self.builtin_mro = tuple(str(n) for n in builtin_mro or ())
        self.message = str(message)

    @property
    def builtin_name(self) -> str:
        """The most derived builtin exception class of what was raised."""
        for name in self.builtin_mro:
            if name != "object":
                return name
        return "Exception"

    def hidden_kind(self) -> str:
        return f"raised {self.builtin_name}"


class NotAttempted(StudentOutcome):
    """The function is still the stub (``raise NotImplementedError``)."""

    outcome = "not_attempted"

    def hidden_kind(self) -> str:
        return "not attempted"


class LimitExceeded(StudentOutcome):
    """Time or memory ran out (``which`` is ``"timeout"`` or ``"memory"``)."""

    def __init__(self, which: str, message: str = "", where: str = "") -> None:
        super().__init__(message or which)
        self.which = which
        self.message = message
        self.outcome = which
        self.where = where  # "in bpe.py line 42, in merge_pair": the student's own code, no inputs

    def hidden_kind(self) -> str:
        if self.which != "timeout":
            return "ran out of memory"
        return f"ran out of time (stopped {self.where})" if self.where else "ran out of time"


class Missing(StudentOutcome):
    """The student's module (or the function) could not be loaded."""

    outcome = "missing"

    def __init__(self, module: str, message: str = "") -> None:
        super().__init__(message or f"{module}.py is missing")
        self.module = module
        self.message = message or f"{module}.py is missing"

    def hidden_kind(self) -> str:
        return self.message  # about the student's files, written by the judge: no case data


class Crashed(StudentOutcome):
    """The process running the student's code died (exit(), a segfault, a broken reply)."""

    outcome = "crashed"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "crashed")
        self.message = message

    def hidden_kind(self) -> str:
        return "crashed the process running it"


class CaseFailure(AssertionError):
    """A wrong answer. ``message`` teaches (public cases only); ``kind`` is safe for hidden ones."""

    def __init__(self, message: str, kind: str = "wrong result") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


# ---------------------------------------------------------------------------------------------
# the student proxy
# ---------------------------------------------------------------------------------------------
@dataclass
class Call:
    """One call a case made to the student's code (kept for messages and for the project's tests)."""

    module: str
    function: str
    args: tuple
    kwargs: dict

    def show(self) -> str:
        parts = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items()]
        return f"{self.module}.{self.function}({', '.join(parts)})"


_LAST_CALL: contextvars.ContextVar[Call | None] = contextvars.ContextVar("embedlab_last_call", default=None)


class _FunctionProxy:
    def __init__(self, student: "Student", module: str, function: str) -> None:
        self._student, self._module, self._function = student, module, function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._student._call(self._module, self._function, args, kwargs, keep_args=False)

    def keep_args(self, *args: Any, **kwargs: Any) -> tuple[Any, tuple]:
        """Call, and also return the positional arguments as the function left them."""
        return self._student._call(self._module, self._function, args, kwargs, keep_args=True)

    call_keep_args = keep_args  # the name docs/ARCHITECTURE.md uses

    def __repr__(self) -> str:
        return f"<student {self._module}.{self._function}>"


class _ModuleProxy:
    def __init__(self, student: "Student", module: str) -> None:
        self._student, self._module = student, module

    def __getattr__(self, function: str) -> _FunctionProxy:
        if function.startswith("_") or function not in STUDENT_FUNCTIONS[self._module]:
            raise AttributeError(f"{self._module}.{function} is not a function students write")
        return _FunctionProxy(self._student, self._module, function)


class Student:
    """``student.<module>.<function>(...)``: the student's function, run by ``backend``.

    ``backend.call(module, function, args, kwargs, keep_args=..., timeout=...)`` returns an
    outcome (``grader.sandbox.zygote.Outcome`` or :class:`InProcessBackend`'s); the proxy turns it into
    the decoded value or one of the :class:`StudentOutcome` exceptions. ``calls`` lists the calls
    of the current case.
    """

    def __init__(self, backend: Any, *, timeout: float | None = None) -> None:
        self._backend = backend
        self._timeout = timeout
        self.calls: list[Call] = []

    def __getattr__(self, module: str) -> _ModuleProxy:
        if module.startswith("_") or module not in STUDENT_FUNCTIONS:
            raise AttributeError(f"{module!r} is not an exercise module")
        return _ModuleProxy(self, module)

    def _begin_case(self) -> None:
        self.calls = []

    def _call(self, module: str, function: str, args: tuple, kwargs: dict, *, keep_args: bool) -> Any:
        call = Call(module, function, tuple(args), dict(kwargs))
        self.calls.append(call)
        _LAST_CALL.set(call)
        out = self._backend.call(module, function, tuple(args), dict(kwargs), keep_args=keep_args,
                                 timeout=self._timeout)
        kind = out.kind
        if kind == "ok":
            return (out.value, tuple(out.args or ())) if keep_args else out.value
        message = getattr(out, "message", "") or ""
        if kind == "raised":
            mro = getattr(out, "builtin_mro", None)
            if mro is None:
                mro = getattr(out, "mro", ())
            raise StudentRaised(getattr(out, "type_name", "Exception") or "Exception", tuple(mro or ()), message)
        if kind == "not_attempted":
            raise NotAttempted("not attempted")
        if kind in ("timeout", "memory"):
            where = getattr(out, "where", ())
            raise LimitExceeded(kind, message, f"in {where[0].describe()}" if where else "")
        if kind == "missing":
            raise Missing(module, message)
        if kind == "crashed":
            raise Crashed(message)
        raise RuntimeError(f"backend returned an unknown outcome kind {kind!r}")


# ---------------------------------------------------------------------------------------------
# functions passed as arguments (numerical_gradient's f)
# ---------------------------------------------------------------------------------------------
def named(name: str, **params: Any) -> wire.NamedFunction:
    """A function argument that can cross the sandbox wall: the child builds it by name."""
    return wire.NamedFunction(name, params)


def resolve_function(function: wire.NamedFunction) -> Callable[[np.ndarray], float]:
    """The callable a :class:`wire.NamedFunction` stands for: the same registry the sandbox child
    uses (``grader.sandbox.child.FUNCTIONS``), so the reference and the student see the same ``f``."""
    from ..sandbox.child import make_function

    return make_function(function)


# ---------------------------------------------------------------------------------------------
# the in-process backend (trusted code only)
# ---------------------------------------------------------------------------------------------
def _outcome_class() -> type:
    try:
        from ..sandbox.zygote import Outcome
    except ImportError:
        return _Outcome
    return Outcome


@dataclass
class _Outcome:
    """Shape of ``grader.sandbox.zygote.Outcome``, used while that module is absent."""

    kind: str
    value: Any = None
    args: tuple | None = None
    type_name: str = ""
    builtin_mro: tuple = ()
    message: str = ""
    output: str = ""
    seconds: float = 0.0


def builtin_mro(exc_type: type) -> tuple[str, ...]:
    """Names of the builtin exception classes ``exc_type`` derives from, most derived first."""
    return tuple(c.__name__ for c in exc_type.__mro__ if c.__module__ == "builtins" and c is not object)


def _resolve_named(values: Any) -> Any:
    if isinstance(values, wire.NamedFunction):
        return resolve_function(values)
    return values


class InProcessBackend:
    """Run TRUSTED functions (solutions, the project's mutants) in this process, like the child.

    Arguments and results pass through :func:`wire.roundtrip`, so the function sees private copies
    of exactly what the sandboxed child would see (tuples stay tuples, ndarray subclasses become
    ndarrays, functions arrive as named functions) and the case gets back what the judge would.
    No limits are enforced: never give it untrusted code.
    """

    def __init__(self, modules: dict[str, types.ModuleType]) -> None:
        self.modules = dict(modules)

    def call(self, module: str, function: str, args: tuple = (), kwargs: dict | None = None, *,
             keep_args: bool = False, timeout: float | None = None) -> Any:
        Outcome = _outcome_class()
        started = time.perf_counter()
        mod = self.modules.get(module)
        if mod is None:
            return Outcome(kind="missing", message=f"{module}.py is missing")
        fn = getattr(mod, function, None)
        if not callable(fn):
            return Outcome(kind="missing", message=missing_function_message(module, function))
        sent_args = wire.roundtrip(tuple(args))
        sent_kwargs = wire.roundtrip(dict(kwargs or {}))
        call_args = [_resolve_named(a) for a in sent_args]
        call_kwargs = {k: _resolve_named(v) for k, v in sent_kwargs.items()}
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), \
                    warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the function's own warnings (overflow...) are its output
                value = fn(*call_args, **call_kwargs)
        except NotImplementedError:
            return Outcome(kind="not_attempted", output=buffer.getvalue(), message="not attempted",
                           seconds=time.perf_counter() - started)
        except MemoryError:
            return Outcome(kind="memory", output=buffer.getvalue(), message="ran out of memory",
                           seconds=time.perf_counter() - started)
        except Exception as exc:
            try:
                message = str(exc)
            except Exception:
                message = "<message could not be shown>"
            return Outcome(kind="raised", type_name=type(exc).__name__, builtin_mro=builtin_mro(type(exc)),
                           message=message, output=buffer.getvalue(), seconds=time.perf_counter() - started)
        try:
            value = wire.roundtrip(value)
            after = None
            if keep_args:
                # what each positional argument became; named functions go back as they came
                after = wire.roundtrip(tuple(s if isinstance(s, wire.NamedFunction) else a
                                             for s, a in zip(sent_args, call_args)))
        except (wire.WireError, RecursionError) as exc:
            return Outcome(kind="crashed", message=f"the result could not be sent back: {exc}",
                           seconds=time.perf_counter() - started)
        return Outcome(kind="ok", value=value, args=after, output=buffer.getvalue(),
                       seconds=time.perf_counter() - started)


def load_package_from_sources(sources: dict[str, str]) -> dict[str, types.ModuleType]:
    """Import module sources (``{"bpe": "...", ...}``) as one fresh package; returns name -> module.

    The package gets a unique name, so relative imports (``from . import bpe``) join the modules
    of this package and no other. Trusted code only: it runs in this process.
    """
    package = f"_embedlab_pkg_{uuid.uuid4().hex[:12]}"
    folder = Path(tempfile.mkdtemp(prefix="embedlab-pkg-"))
    try:
        root = folder / package
        root.mkdir()
        (root / "__init__.py").write_text(sources.get("__init__", ""), encoding="utf-8")
        names = [n for n in sources if n != "__init__"]
        for name in names:
            (root / f"{name}.py").write_text(sources[name], encoding="utf-8")
        spec = importlib.util.spec_from_file_location(package, root / "__init__.py",
                                                      submodule_search_locations=[str(root)])
        assert spec is not None and spec.loader is not None
        pkg = importlib.util.module_from_spec(spec)
        sys.modules[package] = pkg
        dont_write = sys.dont_write_bytecode
        sys.dont_write_bytecode = True
        try:
            spec.loader.exec_module(pkg)
            return {name: importlib.import_module(f"{package}.{name}") for name in names}
        except BaseException:
            for key in [k for k in sys.modules if k == package or k.startswith(package + ".")]:
                del sys.modules[key]
            raise
        finally:
            sys.dont_write_bytecode = dont_write
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_package_from_dir(folder: str | Path, modules: Iterable[str] = EXERCISE_MODULES) -> dict[str, types.ModuleType]:
    """:func:`load_package_from_sources` over the ``<module>.py`` files of ``folder`` that exist."""
    folder = Path(folder)
    sources = {m: (folder / f"{m}.py").read_text(encoding="utf-8") for m in modules
               if (folder / f"{m}.py").is_file()}
    return load_package_from_sources(sources)


def reference(package: str = "solutions") -> types.SimpleNamespace:
    """The reference modules as ``ref.<module>`` (imports each exercise module of ``package``)."""
    return types.SimpleNamespace(**{m: importlib.import_module(f"{package}.{m}") for m in EXERCISE_MODULES})


def _as_ref(ref: Any) -> Any:
    """Accept the ``solutions`` package itself: make sure ``ref.<module>`` is there."""
    if isinstance(ref, types.ModuleType) and hasattr(ref, "__path__"):
        for module in EXERCISE_MODULES:
            if not hasattr(ref, module):
                importlib.import_module(f"{ref.__name__}.{module}")
    return ref


# ---------------------------------------------------------------------------------------------
# expectations
# ---------------------------------------------------------------------------------------------
def _message(lines: list[str], call: Call | None = None) -> str:
    call = call if call is not None else _LAST_CALL.get()
    head = [f"call:       {call.show()}"] if call is not None else []
    return "\n".join(head + lines)


def _is_int(value: Any, numpy_ints: bool) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, int) or (numpy_ints and isinstance(value, np.integer))


def _is_float(value: Any) -> bool:
    return isinstance(value, (float, np.floating))


def _array_difference(got: Any, expected: np.ndarray, path: str, *, exact: bool, rtol: float, atol: float,
                      dtype: Any) -> str | None:
    if not isinstance(got, np.ndarray):
        return f"{path} should be a numpy array of shape {expected.shape}, got {_kind_of(got)}"
    if got.shape != expected.shape:
        return f"{path} should have shape {expected.shape}, got shape {got.shape}"
    want = expected.dtype if dtype is None else np.dtype(dtype)
    if dtype is not False and got.dtype != want:
        return f"{path} should have dtype {want}, got dtype {got.dtype}"
    if exact:
        if got.tobytes() == expected.astype(got.dtype).tobytes():
            return None
        bad = np.argwhere(~((got == expected) | (np.isnan(got) & np.isnan(expected))
                            if got.dtype.kind == "f" else (got == expected)))
        where = tuple(int(i) for i in bad[0]) if len(bad) else None
        if where is None:
            return f"{path} differs in its bits (e.g. -0.0 against 0.0)"
        return f"{path}{list(where)} should be {expected[where]!r}, got {got[where]!r}"
    if got.dtype.kind not in "iuf":
        return f"{path} should hold numbers, got dtype {got.dtype}"
    got_f, exp_f = got.astype(np.float64), expected.astype(np.float64)
    finite_got, finite_exp = np.isfinite(got_f), np.isfinite(exp_f)
    if not np.array_equal(finite_got, finite_exp):
        where = tuple(int(i) for i in np.argwhere(finite_got != finite_exp)[0])
        return f"{path}{list(where)} should be {exp_f[where]!r}, got {got_f[where]!r} (not finite: overflow or 0/0?)"
    close = np.isclose(got_f, exp_f, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    bad = np.argwhere(~close)
    where = tuple(int(i) for i in bad[0])
    worst = float(np.max(np.abs(got_f[~close] - exp_f[~close])))
    return (f"{path}{list(where)} should be {exp_f[where]!r}, got {got_f[where]!r} "
            f"({len(bad)} of {exp_f.size} entries differ, by up to {worst:.3g})")


def _is_small(value: Any) -> bool:
    """A pair, a short tuple of plain values: shown whole rather than picked apart."""
    return (isinstance(value, (tuple, list)) and len(value) <= 4
            and all(isinstance(v, (str, int, float)) for v in value))


def _difference(got: Any, expected: Any, path: str, *, numpy_ints: bool = False, exact: bool = True,
                rtol: float = 0.0, atol: float = 0.0, dtype: Any = None, loose_sequences: bool = False) -> str | None:
    """The first difference between ``got`` and ``expected`` in words, or None if they match."""
    def again(g: Any, e: Any, p: str) -> str | None:
        return _difference(g, e, p, numpy_ints=numpy_ints, exact=exact, rtol=rtol, atol=atol, dtype=dtype,
                           loose_sequences=loose_sequences)

    if isinstance(expected, np.ndarray):
        return _array_difference(got, expected, path, exact=exact, rtol=rtol, atol=atol, dtype=dtype)
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            return f"{path} should be a bool, got {_kind_of(got)}"
        return None if bool(got) == bool(expected) else f"{path} should be {expected!r}, got {got!r}"
    if isinstance(expected, (int, np.integer)):
        if not _is_int(got, numpy_ints or isinstance(expected, np.integer)):
            extra = " (convert NumPy integers with int(...) or .tolist())" if isinstance(got, np.integer) else ""
            return f"{path} should be an int, got {_kind_of(got)} {show(got)}{extra}"
        return None if int(got) == int(expected) else f"{path} should be {int(expected)!r}, got {int(got)!r}"
    if isinstance(expected, (float, np.floating)):
        if not _is_float(got):
            return f"{path} should be a float, got {_kind_of(got)} {show(got)}"
        g, e = float(got), float(expected)
        if math.isnan(e) or math.isnan(g):
            return None if math.isnan(e) and math.isnan(g) else f"{path} should be {e!r}, got {g!r}"
        if exact:
            same = g == e and math.copysign(1, g) == math.copysign(1, e)
            return None if same else f"{path} should be {e!r}, got {g!r}"
        if math.isinf(e) or math.isinf(g):
            return None if g == e else f"{path} should be {e!r}, got {g!r} (not finite: overflow?)"
        return None if math.isclose(g, e, rel_tol=rtol, abs_tol=atol) else f"{path} should be {e!r}, got {g!r}"
    if isinstance(expected, str):
        if not isinstance(got, str):
            return f"{path} should be a str, got {_kind_of(got)} {show(got)}"
        return None if got == expected else f"{path} should be {show(expected)}, got {show(got)}"
    if expected is None:
        return None if got is None else f"{path} should be None, got {_kind_of(got)}"
    if isinstance(expected, (list, tuple)):
        kinds = (list, tuple) if loose_sequences else (type(expected),)
        if not isinstance(got, kinds):
            return f"{path} should be {_kind_of(expected)} of {len(expected)}, got {_kind_of(got)} {show(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            found = again(g, e, f"{path}[{i}]")
            if found:
                if _is_small(e) and type(g) is type(e):  # name the whole item: "[0] should be ('l', 'o')"
                    return f"{path}[{i}] should be {show(e)}, got {show(g)}"
                return found
        if len(got) != len(expected):
            if len(got) > len(expected):
                return (f"{path} should have {len(expected)} items, got {len(got)} "
                        f"(the first extra one, {path}[{len(expected)}], is {show(got[len(expected)])})")
            return (f"{path} should have {len(expected)} items, got {len(got)} "
                    f"(the first missing one, {path}[{len(got)}], is {show(expected[len(got)])})")
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{path} should be a dict, got {_kind_of(got)} {show(got)}"
        missing = [k for k in expected if k not in got]
        if missing:
            return f"{path} lacks the key {show(missing[0])} ({len(missing)} key(s) missing)"
        extra = [k for k in got if k not in expected]
        if extra:
            return f"{path} has a key it should not have: {show(extra[0])} ({len(extra)} extra key(s))"
        for i, (g, e) in enumerate(zip(got, expected)):
            if g != e:
                return (f"{path} has the right keys in the wrong order: key number {i} should be {show(e)}, "
                        f"got {show(g)}")
        for key, value in expected.items():
            found = again(got[key], value, f"{path}[{show(key)}]")
            if found:
                return found
        return None
    if isinstance(expected, (set, frozenset)):
        if not isinstance(got, (set, frozenset)):
            return f"{path} should be a set, got {_kind_of(got)}"
        return None if got == expected else f"{path} should be {show(expected)}, got {show(got)}"
    if got != expected:
        return f"{path} should be {show(expected)}, got {show(got)}"
    return None


def expect_equal(got: Any, expected: Any, *, what: str = "the result", numpy_ints: bool = False,
                 loose_sequences: bool = False) -> None:
    """``got`` must equal ``expected`` exactly, types included (list is not tuple, int is not float).

    ``numpy_ints=True`` accepts NumPy integers where ``expected`` has ints (SPEC 9 lets token IDs
    be either); ``loose_sequences=True`` accepts a list for a tuple and back (several results).
    Dicts must have the same keys in the same order.
    """
    found = _difference(got, expected, what, numpy_ints=numpy_ints, exact=True, loose_sequences=loose_sequences)
    if found:
        raise CaseFailure(_message([f"expected:   {show(expected)}", f"got:        {show(got)}",
                                    f"difference: {found}"]))


def expect_close(got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-10, what: str = "the result",
                 dtype: Any = None) -> None:
    """``got`` must be close to ``expected``: same kind (ndarray or float), shape, dtype, finite places.

    ``dtype`` (default: the expected array's dtype) is what an array result must have; ``False``
    skips that check. Tuples and lists of arrays and floats are compared item by item.
    """
    found = _difference(got, expected, what, exact=False, rtol=rtol, atol=atol, dtype=dtype, loose_sequences=True)
    if found:
        raise CaseFailure(_message([f"expected:   {show(expected)}", f"got:        {show(got)}",
                                    f"difference: {found}"]))


def unpack(got: Any, n: int, *, what: str = "the result") -> tuple:
    """A result of ``n`` values (a tuple, or a list) as a tuple, or a :class:`CaseFailure`."""
    if not isinstance(got, (tuple, list)) or len(got) != n:
        raise CaseFailure(_message([f"expected:   a tuple of {n} values", f"got:        {show(got)}",
                                    f"difference: {what} should be {n} values, got {_kind_of(got)}"
                                    + (f" of {len(got)}" if isinstance(got, (tuple, list)) else "")]))
    return tuple(got)


def expect_raises(exc_type: type[BaseException], fn: Callable, *args: Any, **kwargs: Any) -> StudentRaised:
    """``fn(*args, **kwargs)`` (a student function) must raise ``exc_type`` or a subclass of it.

    Judged by the builtin classes of what the student raised, so a student's own
    ``class BadID(IndexError)`` counts as an IndexError.
    """
    if not (isinstance(exc_type, type) and issubclass(exc_type, BaseException) and exc_type.__module__ == "builtins"):
        raise TypeError(f"expect_raises needs a builtin exception class, got {exc_type!r}")
    try:
        value = fn(*args, **kwargs)
    except StudentRaised as raised:
        if exc_type.__name__ in raised.builtin_mro:
            return raised
        raise CaseFailure(
            _message([f"expected:   {exc_type.__name__}",
                      f"got:        {raised.type_name}: {_clip(raised.message)}",
                      f"difference: the wrong kind of error (the rule of every function: a wrong type is a TypeError, a wrong value "
                      f"or shape a ValueError, an out-of-range token ID an IndexError)"]),
            kind=f"raised {raised.builtin_name}, not the error the rules ask for") from None
    raise CaseFailure(_message([f"expected:   {exc_type.__name__}", f"got:        it returned {show(value)}",
                                "difference: no error was raised"]), kind="raised no error where one was due")


def expect_unchanged(before: Any, after: Any, *, what: str = "an argument") -> None:
    """``after`` must be bit-for-bit ``before``: the function must not modify its input."""
    found = _difference(after, before, what, exact=True)
    if found:
        raise CaseFailure(_message([f"expected:   {what} unchanged, {show(before)}", f"got:        {show(after)}",
                                    f"difference: the function changed {what}: {found}"]),
                          kind="changed its input")


def expect_that(ok: bool, *, expected: str, got: str, difference: str, kind: str = "wrong result") -> None:
    """A property the result must have (``ok``), described in words for the message."""
    if not ok:
        raise CaseFailure(_message([f"expected:   {expected}", f"got:        {got}", f"difference: {difference}"]),
                          kind=kind)


def random_matrix(seed: int, shape: tuple[int, ...], scale: float = 1.0, dtype: Any = np.float64) -> np.ndarray:
    """Fixed pseudo-random inputs: every student faces the same numbers for the same seed."""
    return (np.random.default_rng(seed).normal(0.0, scale, shape)).astype(dtype)


def _clip(text: str, limit: int = 500) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# running one case
# ---------------------------------------------------------------------------------------------
@dataclass
class CaseResult:
    name: str
    module: str
    function: str
    title: str
    max_score: float
    score: float
    status: str             # "passed" | "failed"
    outcome: str            # passed, wrong, raised, not_attempted, missing, timeout, memory, crashed, error
    message_public: str     # teaching message: input, expected, got (public cases)
    message_hidden: str     # concept, hint and the kind of failure only (hidden cases)
    hidden: bool
    seconds: float


NOT_ATTEMPTED = "not attempted"
CASE_BUG = "internal error in this case (a bug of embedlab, not of your code)"


def _hidden_message(spec: CaseSpec, kind: str) -> str:
    parts = [f"{spec.concept}: {kind}." if spec.concept else f"{kind[:1].upper()}{kind[1:]}."]
    if spec.hint:
        parts.append(f"Hint: {spec.hint}")
    return " ".join(parts)


def _with_hint(spec: CaseSpec, text: str) -> str:
    return f"{text}\nhint:       {spec.hint}" if spec.hint else text


def run_case(spec: CaseSpec, student: Student, ref: Any) -> CaseResult:
    """Run one case; every way it can end becomes a :class:`CaseResult` (nothing escapes)."""
    ref = _as_ref(ref)
    begin = getattr(student, "_begin_case", None)
    if begin is not None:
        begin()
    params = inspect.signature(spec.func).parameters
    fixtures = {"student": student, "ref": ref}
    token = _LAST_CALL.set(None)
    started = time.perf_counter()
    public = hidden = ""
    try:
        spec.func(**{name: fixtures[name] for name in params if name in fixtures})
        outcome = "passed"
    except CaseFailure as failure:
        outcome = "wrong"
        public, hidden = _with_hint(spec, failure.message), _hidden_message(spec, failure.kind)
    except NotAttempted:
        outcome, public, hidden = "not_attempted", NOT_ATTEMPTED, NOT_ATTEMPTED
    except StudentRaised as raised:
        outcome = "raised"
        public = _with_hint(spec, _message([f"raised:     {raised.type_name}: {_clip(raised.message)}"]))
        hidden = _hidden_message(spec, raised.hidden_kind())
    except LimitExceeded as limit:
        outcome = limit.which
        text = limit.message or ("ran out of time" if limit.which == "timeout" else "ran out of memory")
        public = _message([f"stopped:    {text}"])
        hidden = _hidden_message(spec, limit.hidden_kind())
    except Missing as missing:
        outcome, public, hidden = "missing", missing.message, missing.message
    except Crashed as crashed:
        outcome = "crashed"
        public = _message([f"crashed:    {crashed.message or 'the process running your code died'}"])
        hidden = _hidden_message(spec, crashed.hidden_kind())
    except Exception as exc:  # a bug of the case (judge side): say so, blame nobody
        outcome = "error"
        public = f"{CASE_BUG}: {type(exc).__name__}: {_clip(str(exc))}"
        hidden = CASE_BUG
    finally:
        _LAST_CALL.reset(token)
    seconds = time.perf_counter() - started
    passed = outcome == "passed"
    return CaseResult(name=spec.name, module=spec.module, function=spec.function, title=spec.title,
                      max_score=float(spec.points), score=float(spec.points) if passed else 0.0,
                      status="passed" if passed else "failed", outcome=outcome,
                      message_public="passed" if passed else public,
                      message_hidden="passed" if passed else hidden, hidden=spec.hidden, seconds=seconds)
