"""embedlab's graded cases as self-contained test code, with the reference's answers frozen in.

A case (``grader/cases/*/test_<module>.py``) is a pytest function that calls ``student.<module>.
<function>(...)`` and compares with the reference ``ref``. A notebook kernel has neither: the
student's functions are plain names there and no reference exists. So each case is run once, at
export time, against the reference solutions with a *recording* student (the reference again,
through :class:`grader.casekit.InProcessBackend`), while the case's ``expect_*`` helpers are
watched. Every check the case made is then written back as a line of code, its expected value
frozen as a literal (:mod:`grader.export.literals`)::

    @case("train_bpe", "the lesson's example", points=2)          # bpe.train_bpe: the lesson's example
    def test_train_bpe_lesson(student, ref):                        expect_equal(
        expect_equal(student.bpe.train_bpe(LESSON, 2),       ->        train_bpe('low low low lower lowest', 2),
                     ref.bpe.train_bpe(LESSON, 2))                     [('l', 'o'), ('lo', 'w')])

Which call a check is about is found by identity: the value a check receives is the very object
the recording student returned (or an element of it, or an argument as a ``keep_args`` call left
it). A check the code cannot be derived from (``expect_that`` on a value the case computed) is
replaced, for every call of the case's module it did not already cover, by the plain rule behind
every case: the same result as the reference (or the same kind of error). Only calls of the
case's own module are written out: calls into other modules only produced inputs, and those are
frozen as literals.
"""

from __future__ import annotations

import builtins
import contextlib
import inspect
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import casekit
from ..sandbox import wire
from ..paths import EXERCISE_MODULES
from . import nbchecks
from .literals import Unrenderable, render

#: the helpers of grader.casekit a case may use, watched while a case is traced
WATCHED = ("expect_equal", "expect_close", "expect_unchanged", "expect_raises", "expect_that", "unpack",
           "random_matrix")


# ---------------------------------------------------------------------------------------------
# recording
# ---------------------------------------------------------------------------------------------
@dataclass
class CallRecord:
    """One call the case made to the (recording) student."""

    index: int
    module: str
    function: str
    args: tuple               # as the case passed them (for identity)
    kwargs: dict
    sent_args: tuple          # what the function received (wire copies, taken at the call)
    sent_kwargs: dict
    keep_args: bool
    outcome: Any              # casekit/sandbox Outcome: kind, value, args, builtin_mro, ...


@dataclass
class Check:
    """One ``expect_*`` the case called, in order."""

    kind: str                 # equal, close, unchanged, raises, that, or "fallback" (added later)
    got: Any = None
    expected: Any = None
    options: dict = field(default_factory=dict)
    error: type | None = None  # raises
    call: int | None = None    # raises / fallback: the call it is about
    after_calls: int = 0       # how many calls had been made when it ran


@dataclass
class CaseTrace:
    spec: casekit.CaseSpec
    calls: list[CallRecord]
    checks: list[Check]
    result: casekit.CaseResult
    origins: dict[int, tuple[int, tuple]]        # id(value) -> (call index, path)
    randoms: dict[int, tuple[tuple, dict, np.ndarray]]
    keep: list = field(default_factory=list, repr=False)   # keeps traced objects (and their ids) alive


class _Recorder:
    """The backend of the recording student: the reference, with every call and value noted."""

    def __init__(self, ref: Any) -> None:
        self.ref = ref
        self.inner = casekit.InProcessBackend({m: getattr(ref, m) for m in EXERCISE_MODULES})
        self.calls: list[CallRecord] = []
        self.checks: list[Check] = []
        self.origins: dict[int, tuple[int, tuple]] = {}
        self.randoms: dict[int, tuple[tuple, dict, np.ndarray]] = {}
        self.keep: list = []

    def trace(self, value: Any, origin: tuple[int, tuple]) -> None:
        self.keep.append(value)
        self.origins[id(value)] = origin

    def call(self, module: str, function: str, args: tuple = (), kwargs: dict | None = None, *,
             keep_args: bool = False, timeout: float | None = None) -> Any:
        kwargs = dict(kwargs or {})
        sent_args, sent_kwargs = wire.roundtrip(tuple(args)), wire.roundtrip(kwargs)
        outcome = self.inner.call(module, function, args, kwargs, keep_args=keep_args)
        index = len(self.calls)
        self.calls.append(CallRecord(index, module, function, tuple(args), kwargs, sent_args, sent_kwargs,
                                     keep_args, outcome))
        self.keep += [args, kwargs]
        if outcome.kind == "ok":
            self.trace(outcome.value, (index, ()))
            if isinstance(outcome.value, (tuple, list)):
                for i, item in enumerate(outcome.value):
                    self.trace(item, (index, (i,)))
            if keep_args:
                for k, item in enumerate(outcome.args or ()):
                    self.trace(item, (index, ("arg", k)))
        return outcome

    # --- checks made inside a case module's own helper (``expect_cosine_range(got)``) ----------
    def helper_call(self, frame: Any) -> Check | None:
        """The case-module helper the check runs in, as one check of its own; None if there is none.

        A helper is a top-level function of a case module, other than a case, whose arguments are
        plain values (a helper given ``student`` or ``ref`` runs the case itself, and its checks
        are taken one by one). The outermost one counts; checks inside it are not noted again.
        """
        found = None
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            code = frame.f_code
            if not module.startswith(casekit.CASES_PACKAGE + "."):
                break
            if code.co_name.startswith("test"):
                break
            function = frame.f_globals.get(code.co_name)
            if getattr(function, "__code__", None) is code:
                names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
                values = [frame.f_locals.get(n) for n in names]
                if not any(isinstance(v, casekit.Student) or v is self.ref or isinstance(v, casekit._ModuleProxy)
                           for v in values):
                    found = (id(frame), module, code.co_name, values)
            frame = frame.f_back
        if found is None:
            return None
        key, module, name, values = found
        for check in self.checks:
            if check.kind == "helper" and check.options.get("frame") == key:
                return check
        check = Check("helper", options={"frame": key, "module": module, "name": name, "args": values},
                      after_calls=len(self.calls))
        self.keep.append(values)
        self.checks.append(check)
        return check

    # --- the watched helpers ------------------------------------------------------------------
    def watched(self, name: str, original: Any) -> Any:
        recorder = self

        def inside_helper() -> bool:
            return recorder.helper_call(sys._getframe(2)) is not None

        def expect_equal(got, expected, **options):
            if not inside_helper():
                recorder.checks.append(Check("equal", got, expected, options, after_calls=len(recorder.calls)))
            return original(got, expected, **options)

        def expect_close(got, expected, **options):
            if not inside_helper():
                recorder.checks.append(Check("close", got, expected, options, after_calls=len(recorder.calls)))
            return original(got, expected, **options)

        def expect_unchanged(before, after, **options):
            if not inside_helper():
                recorder.checks.append(Check("unchanged", after, before, options, after_calls=len(recorder.calls)))
            return original(before, after, **options)

        def expect_raises(error, fn, *args, **kwargs):
            check = Check("raises", error=error)
            if not inside_helper():
                recorder.checks.append(check)
            first = len(recorder.calls)
            try:
                return original(error, fn, *args, **kwargs)
            finally:
                check.call = first if len(recorder.calls) > first else None
                check.after_calls = len(recorder.calls)

        def expect_that(ok, **options):
            if not inside_helper():
                recorder.checks.append(Check("that", options=options, after_calls=len(recorder.calls)))
            return original(ok, **options)

        def unpack(got, n, **options):
            out = original(got, n, **options)
            if id(got) in recorder.origins:
                recorder.trace(out, recorder.origins[id(got)])
            return out

        def random_matrix(*args, **kwargs):
            out = original(*args, **kwargs)
            recorder.keep.append(out)
            recorder.randoms[id(out)] = (args, kwargs, out.copy())
            return out

        return locals()[name]


@contextlib.contextmanager
def _watching(recorder: _Recorder) -> Iterator[None]:
    """Swap the watched helpers in every loaded case module (helpers may live in another one)."""
    saved: list[tuple[dict, str, Any]] = []
    try:
        for module_name, module in list(sys.modules.items()):
            if not module_name.startswith(casekit.CASES_PACKAGE + ".") or module is None:
                continue
            namespace = vars(module)
            for name in WATCHED:
                original = getattr(casekit, name)
                if namespace.get(name) is original:
                    saved.append((namespace, name, original))
                    namespace[name] = recorder.watched(name, original)
        yield
    finally:
        for namespace, name, original in saved:
            namespace[name] = original


def trace_case(spec: casekit.CaseSpec, ref: Any) -> CaseTrace:
    """Run ``spec`` against the reference with a recording student; see the module docstring."""
    recorder = _Recorder(ref)
    with _watching(recorder):
        result = casekit.run_case(spec, casekit.Student(recorder), ref)
    return CaseTrace(spec, recorder.calls, recorder.checks, result, recorder.origins, recorder.randoms,
                     recorder.keep)


# ---------------------------------------------------------------------------------------------
# writing the code
# ---------------------------------------------------------------------------------------------
class CaseNotExportable(ValueError):
    """A case whose checks cannot be written as standalone code (the message says why)."""


@dataclass
class CaseCode:
    spec: casekit.CaseSpec
    lines: list[str]
    approximated: bool        # some check was replaced by "same result as the reference"
    helpers: set[tuple[str, str]] = field(default_factory=set)   # case-module helpers the lines call


def case_code(trace: CaseTrace, ref: Any) -> CaseCode:
    """The lines of test code for one traced case (see the module docstring)."""
    if trace.result.status != "passed":
        raise CaseNotExportable(f"{trace.spec.name}: fails against the reference solutions "
                                f"({trace.result.outcome}: {trace.result.message_public.splitlines()[-1]})")
    return _Writer(trace, ref).write()


class _Writer:
    def __init__(self, trace: CaseTrace, ref: Any) -> None:
        self.trace = trace
        self.module = trace.spec.module
        self.ref = ref
        self.lines: list[str] = []
        self.names: dict[str, int] = {}
        self.done: dict[int, dict[Any, str]] = {}    # call index -> {path or ("arg", k): expression}
        self.needs_args: dict[int, set[int]] = {}    # call index -> argument positions used by checks
        self.helpers: set[tuple[str, str]] = set()    # (case module, function) the code calls

    # --- which call a value came from -----------------------------------------------------------
    def origin(self, value: Any) -> tuple[int, tuple] | None:
        found = self.trace.origins.get(id(value))
        if found is None and isinstance(value, (tuple, list)) and value:
            # a tuple rebuilt from a result's items, in order
            parts = [self.trace.origins.get(id(item)) for item in value]
            if all(p is not None and p[0] == parts[0][0] and p[1] == (i,) for i, p in enumerate(parts)):
                result = self.trace.calls[parts[0][0]].outcome.value
                if isinstance(result, (tuple, list)) and len(result) == len(value):
                    found = (parts[0][0], ())
        if found is None or self.trace.calls[found[0]].module != self.module:
            return None
        return found

    def plan(self) -> list[Check]:
        """The checks to write, with 'same as the reference' for calls no check could cover."""
        checks: list[Check] = []
        covered: set[int] = set()
        approximated = False
        for check in self.trace.checks:
            if check.kind in ("equal", "close"):
                where = self.origin(check.got)
                if where is None:
                    approximated = True
                    continue
                check.call = where[0]
            elif check.kind == "unchanged":
                where = self.origin(check.got)
                if where is None or not where[1] or where[1][0] != "arg":
                    approximated = True
                    continue
                check.call = where[0]
            elif check.kind == "raises":
                if check.call is None or self.trace.calls[check.call].module != self.module:
                    continue
            elif check.kind == "helper":
                traced = [self.origin(v) for v in check.options["args"]]
                if not any(traced) or check.options["name"] in nbchecks.__all__:
                    approximated = True
                    continue
                check.call = next(t for t in traced if t)[0]
                check.options["traced"] = traced
                self.helpers.add((check.options["module"], check.options["name"]))
                covered.update(t[0] for t in traced if t)
            else:  # expect_that: a property of values the case computed
                approximated = True
                continue
            covered.add(check.call)
            checks.append(check)
        if approximated or not checks:
            for call in self.trace.calls:
                if call.module == self.module and call.index not in covered:
                    checks.append(Check("fallback", call=call.index, after_calls=call.index + 1))
            checks.sort(key=lambda c: c.after_calls)
            self.approximated = approximated
        else:
            self.approximated = False
        if not checks:
            raise CaseNotExportable(f"{self.trace.spec.name}: makes no call of {self.module} to check")
        return checks

    def write(self) -> CaseCode:
        checks = self.plan()
        uses: dict[int, int] = {}
        for check in checks:
            if check.kind == "helper":
                wheres = [t for t in check.options["traced"] if t]
            elif check.kind in ("equal", "close", "unchanged"):
                wheres = [self.origin(check.got)]
            else:
                wheres = [(check.call, ())]
            for where in wheres:
                uses[where[0]] = uses.get(where[0], 0) + 1
                if where[1] and where[1][0] == "arg":
                    self.needs_args.setdefault(where[0], set()).add(where[1][1])
            if check.kind == "fallback" and self.trace.calls[check.call].keep_args:
                self.needs_args.setdefault(check.call, set()).update(range(len(self.trace.calls[check.call].args)))
        for check in checks:
            self.write_check(check, inline_ok=uses[check.call] == 1 and check.call not in self.needs_args)
        return CaseCode(self.trace.spec, self.lines, self.approximated, self.helpers)

    # --- code -----------------------------------------------------------------------------------
    def literal(self, value: Any, indent: int = 0) -> str:
        try:
            return render(value, alias=self.alias, indent=indent)
        except Unrenderable as exc:
            raise CaseNotExportable(f"{self.trace.spec.name}: {exc}") from None

    def alias(self, value: Any) -> str | None:
        """The cases' own spelling of their pseudo-random inputs, when a value is one unchanged."""
        if not isinstance(value, np.ndarray):
            return None
        found = self.trace.randoms.get(id(value))
        if found is None:
            return None
        args, kwargs, made = found
        if value.dtype != made.dtype or value.shape != made.shape or value.tobytes() != made.tobytes():
            return None
        parts = [render(a) for a in args] + [f"{k}={_dtype_name(v) if k == 'dtype' else render(v)}"
                                             for k, v in kwargs.items()]
        return f"random_matrix({', '.join(parts)})"

    def name(self, wanted: str) -> str:
        count = self.names.get(wanted, 0) + 1
        self.names[wanted] = count
        return wanted if count == 1 else f"{wanted}_{count}"

    def parameter_names(self, call: CallRecord) -> list[str]:
        function = getattr(getattr(self.ref, call.module), call.function)
        try:
            return [p.name for p in inspect.signature(function).parameters.values()]
        except (TypeError, ValueError):
            return []

    def arguments(self, call: CallRecord, variables_for: set[int] = frozenset()) -> tuple[list[str], dict[int, str]]:
        """The call's argument list as source. Arguments in ``variables_for`` (checks name them),
        long or multi-line ones, and then the longest until the call fits on a line are first
        assigned to variables named after the function's parameters."""
        names = self.parameter_names(call)
        values = [_sent(v, call.sent_args[k]) for k, v in enumerate(call.args)]
        values += [_sent(v, call.sent_kwargs[key]) for key, v in call.kwargs.items()]
        labels = [names[k] if k < len(names) else f"arg{k + 1}" for k in range(len(call.args))] + list(call.kwargs)
        texts = [self.literal(v) for v in values]
        chosen = {k for k, text in enumerate(texts) if k in variables_for or len(text) > 60 or "\n" in text}

        def width() -> int:
            return len(call.function) + 2 + sum(len(labels[k]) + 2 if k in chosen else len(t) + 2
                                                for k, t in enumerate(texts))

        while width() > 76 and len(chosen) < len(texts):
            chosen.add(max((k for k in range(len(texts)) if k not in chosen), key=lambda k: len(texts[k])))
        parts: list[str] = []
        variables: dict[int, str] = {}
        for k, (label, value, text) in enumerate(zip(labels, values, texts)):
            if k in chosen and not (len(text) <= 12 and k not in variables_for):
                variable = self.name(label)
                self.lines.append(f"{variable} = {self.literal(value)}")
                text = variable
                if k < len(call.args):
                    variables[k] = variable
            parts.append(text if k < len(call.args) else f"{label}={text}")
        return parts, variables

    def assign(self, variable: str, value: Any) -> None:
        self.lines.append(f"{variable} = {self.literal(value)}")

    def ensure_call(self, index: int) -> dict[Any, str]:
        """Write ``result = f(...)`` once; returns how to name its result and arguments."""
        if index in self.done:
            return self.done[index]
        call = self.trace.calls[index]
        parts, variables = self.arguments(call, self.needs_args.get(index, set()))
        result = self.name("result")
        self.lines.append(f"{result} = {call.function}({', '.join(parts)})")
        named: dict[Any, str] = {(): result}
        named.update({("arg", k): v for k, v in variables.items()})
        self.done[index] = named
        return named

    def expression(self, index: int, path: tuple, named: dict[Any, str]) -> str:
        if path and path[0] == "arg":
            return named[path]
        return named[()] + "".join(f"[{i}]" for i in path)

    def options(self, options: dict, defaults_of: Any) -> list[str]:
        """A check's options as ``name=value`` source, leaving out the notebook checks' defaults."""
        defaults = {k: p.default for k, p in inspect.signature(defaults_of).parameters.items()
                    if p.default is not inspect.Parameter.empty}
        unknown = [k for k in options if k not in defaults]
        if unknown:
            raise CaseNotExportable(f"{self.trace.spec.name}: option(s) {', '.join(unknown)} the notebook "
                                    "checks do not know")
        return [f"{k}={_dtype_name(v) if k == 'dtype' else self.literal(v)}" for k, v in options.items()
                if not _same(v, defaults[k])]

    def emit(self, function: str, arguments: list[str]) -> None:
        """``function(arguments)`` on one line, or one argument a line when long."""
        line = f"{function}({', '.join(arguments)})"
        if len(line) <= 100 and "\n" not in line:
            self.lines.append(line)
            return
        body = ",\n".join("    " + a for a in arguments)
        self.lines.append(f"{function}(\n{body},\n)")

    def call_source(self, call: CallRecord) -> str:
        parts, _ = self.arguments(call)
        return f"{call.function}({', '.join(parts)})"

    def write_check(self, check: Check, inline_ok: bool) -> None:
        call = self.trace.calls[check.call]
        if check.kind == "raises":
            parts, _ = self.arguments(call)
            self.emit("expect_raises", [check.error.__name__, call.function, *parts])
            return
        if check.kind == "fallback":
            self.write_fallback(call)
            return
        if check.kind == "helper":
            parts = []
            for value, where in zip(check.options["args"], check.options["traced"]):
                if where is None:
                    parts.append(self.literal(value, indent=1))
                elif inline_ok and not where[1] and sum(1 for t in check.options["traced"] if t) == 1:
                    parts.append(self.call_source(self.trace.calls[where[0]]))
                else:
                    parts.append(self.expression(where[0], where[1], self.ensure_call(where[0])))
            self.emit(check.options["name"], parts)
            return
        path = self.origin(check.got)[1]
        if check.kind == "unchanged":
            named = self.ensure_call(check.call)
            before = self.literal(_sent(check.expected, None), indent=1)
            self.emit("expect_unchanged", [before, named[path],
                                           *self.options(check.options, nbchecks.expect_unchanged)])
            return
        function = nbchecks.expect_equal if check.kind == "equal" else nbchecks.expect_close
        options = self.options(check.options, function)
        if inline_ok and not path:
            got = self.call_source(call)
        else:
            got = self.expression(check.call, path, self.ensure_call(check.call))
        self.emit(function.__name__, [got, self.literal(check.expected, indent=1), *options])

    def write_fallback(self, call: CallRecord) -> None:
        """The rule behind every case: the same result as the reference (and, for a call that
        changes its arguments in place, the same arguments after it), or the same error."""
        outcome = call.outcome
        if outcome.kind == "raised":
            error = _builtin_error(getattr(outcome, "builtin_mro", ()) or getattr(outcome, "mro", ()))
            parts, _ = self.arguments(call)
            self.emit("expect_raises", [error, call.function, *parts])
            return
        if outcome.kind != "ok":
            raise CaseNotExportable(f"{self.trace.spec.name}: the reference's call ended with {outcome.kind}")
        if not call.keep_args:
            self.emit(_check_for(outcome.value), [self.call_source(call), self.literal(outcome.value, indent=1)])
            return
        named = self.ensure_call(call.index)
        self.emit(_check_for(outcome.value), [named[()], self.literal(outcome.value, indent=1)])
        names = self.parameter_names(call)
        for k, after in enumerate(outcome.args or ()):
            before = call.sent_args[k]
            if not isinstance(before, (np.ndarray, list, dict, set)):
                continue
            what = f"what={(names[k] if k < len(names) else f'argument {k + 1}') + ' after the call'!r}"
            if casekit._difference(after, before, "", exact=True) is None:
                self.emit("expect_unchanged", [self.literal(_sent(call.args[k], before), indent=1),
                                               named[("arg", k)], what])
            else:
                self.emit(_check_for(after), [named[("arg", k)], self.literal(after, indent=1), what])


def _check_for(value: Any) -> str:
    return "expect_close" if _has_floats(value) else "expect_equal"


def _sent(original: Any, sent: Any) -> Any:
    """The value to write for an argument: what the function received, or the case's own array when
    it still holds exactly that (so that a pseudo-random input keeps its ``random_matrix`` alias)."""
    if sent is None:
        return original
    if (isinstance(original, np.ndarray) and isinstance(sent, np.ndarray) and original.dtype == sent.dtype
            and original.shape == sent.shape and original.tobytes() == sent.tobytes()):
        return original
    return sent


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # arrays and the like: never a default
        return False


def _dtype_name(value: Any) -> str:
    if value is None or value is False:
        return repr(value)
    return f"np.{np.dtype(value).name}"


def _builtin_error(mro: tuple) -> str:
    for name in mro:
        if isinstance(getattr(builtins, name, None), type) and issubclass(getattr(builtins, name), BaseException):
            return name
    return "Exception"


def _has_floats(value: Any) -> bool:
    if isinstance(value, (float, np.floating)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f"
    if isinstance(value, (list, tuple)):
        return any(_has_floats(v) for v in value)
    if isinstance(value, dict):
        return any(_has_floats(v) for v in value.values())
    return False
