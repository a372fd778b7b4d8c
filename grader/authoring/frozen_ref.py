"""The reference of the student handout: the public cases' reference calls, recorded at release.

In the instructor's checkout a case's ``ref`` is the ``solutions`` package, run in the judge. The
handout ships without ``solutions/`` (SPEC 8), yet ``embedlab check`` must run the same public
cases. So ``embedlab release`` runs every public case once against the solutions, and once against
the untouched stubs, with a *recording* reference that notes each call a case makes to ``ref``:
its arguments, its result (or the exception it raised) and what it left of arguments it changed in
place (``sgd_step``). The handout carries these notes as plain data (``wire``'s tagged JSON, no
code) in ``grader/cases/public/expected.json``; there a :class:`FrozenReference` answers the same
calls from the notes. Nothing of a solution's body ships, only the values the public cases
compare against, which their own failure messages show anyway.

A call is found by its arguments (module, function, positional and keyword arguments, encoded
exactly, floats to the bit), not by its position in the case, so a case that asks the reference
something it did not ask at release gets :class:`ReferenceNotRecorded` (the engine reports it as a
bug of the case) instead of a silently wrong expected value. The rule this puts on public cases:
**call ``ref`` only on inputs the case built itself, never on what the student returned**.
``embedlab release`` and ``embedlab validate`` check that every public case gives the same result
with the frozen reference as with the live one, against the solutions and against the stubs.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..sandbox import wire
from ..paths import EXERCISE_MODULES, PROJECT_ROOT

#: where the handout keeps the recorded reference (next to the public cases it serves)
DATA_PATH = PROJECT_ROOT / "grader" / "cases" / "public" / "expected.json.gz"
FORMAT = "embedlab-frozen-reference/1"


class ReferenceNotRecorded(LookupError):
    """A case asked the frozen reference for a call that was not recorded at release."""


class Unfreezable(ValueError):
    """A reference call whose arguments or result cannot be written down as plain data."""


# ---------------------------------------------------------------------------------------------
# keys: a call, encoded exactly and canonically
# ---------------------------------------------------------------------------------------------
def _canonical(tree: Any) -> Any:
    """``wire.to_plain`` output made independent of set iteration order; refuses opaque values."""
    if isinstance(tree, list):
        return [_canonical(v) for v in tree]
    if isinstance(tree, dict):
        (tag, body), = tree.items()
        if tag == "$o":
            raise Unfreezable(f"a value of type {body[0]} cannot be recorded ({body[1]})")
        if tag == "$set":
            items = [_canonical(v) for v in body]
            return {"$set": sorted(items, key=lambda v: json.dumps(v, sort_keys=True))}
        if tag in ("$t", "$d", "$f"):
            return {tag: _canonical(body)}
        return tree  # arrays and numpy scalars: exact bytes already
    return tree


def plain(value: Any) -> Any:
    """``value`` as canonical plain data (raises :class:`Unfreezable` for what wire cannot carry)."""
    return _canonical(wire.to_plain(value))


def plain_argument(value: Any) -> Any:
    """An argument as canonical plain data; a Python function (``numerical_gradient``'s ``f``, as
    ``casekit.resolve_function`` builds it) by what defines it: module, qualified name, closure
    values and defaults, never its address."""
    if isinstance(value, types.FunctionType):
        cells = [plain_argument(c.cell_contents) for c in (value.__closure__ or ())]
        defaults = [plain_argument(d) for d in (value.__defaults__ or ())]
        return {"$fn": [value.__module__, value.__qualname__, cells, defaults]}
    return plain(value)


def call_key(module: str, function: str, args: tuple, kwargs: dict) -> str:
    """The identity of one reference call: a hash of its exact, canonical encoding."""
    body = [module, function, [plain_argument(a) for a in args],
            {k: plain_argument(v) for k, v in sorted(kwargs.items())}]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def _builtin_mro(exc_type: type) -> list[str]:
    return [c.__name__ for c in exc_type.__mro__ if c.__module__ == "builtins" and c is not object]


# ---------------------------------------------------------------------------------------------
# recording (at release, in the instructor's checkout)
# ---------------------------------------------------------------------------------------------
@dataclass
class CallBook:
    """What the recording reference saw: calls by key, plain attributes, and what it could not keep."""

    calls: dict[str, dict] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)       # "module.name" -> plain value
    problems: list[str] = field(default_factory=list)
    case: str = ""                                             # the case being recorded (for messages)

    def problem(self, text: str) -> None:
        line = f"{self.case}: {text}" if self.case else text
        if line not in self.problems:
            self.problems.append(line)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "calls": self.calls, "attrs": self.attrs},
                          sort_keys=True, separators=(",", ":"), allow_nan=True)


class RecordingReference:
    """``ref.<module>.<name>`` that runs the real reference and writes every call into a book."""

    def __init__(self, real: Any, book: CallBook) -> None:
        self._real, self._book = real, book

    def __getattr__(self, module: str) -> Any:
        if module.startswith("__"):
            raise AttributeError(module)
        return _RecordingModule(module, getattr(self._real, module), self._book)


class _RecordingModule:
    def __init__(self, name: str, real: Any, book: CallBook) -> None:
        self._name, self._real, self._book = name, real, book

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._real, name)
        if callable(value):
            return _RecordingFunction(self._name, name, value, self._book)
        try:
            self._book.attrs[f"{self._name}.{name}"] = plain(value)
        except Unfreezable as exc:
            self._book.problem(f"ref.{self._name}.{name}: {exc}")
        return value


class _RecordingFunction:
    def __init__(self, module: str, name: str, fn: Callable, book: CallBook) -> None:
        self._module, self._name, self._fn, self._book = module, name, fn, book

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        where = f"ref.{self._module}.{self._name}"
        try:
            key = call_key(self._module, self._name, args, kwargs)
            before = [plain_argument(a) for a in args], {k: plain_argument(v) for k, v in kwargs.items()}
        except Unfreezable as exc:
            self._book.problem(f"{where}: an argument cannot be recorded: {exc}")
            return self._fn(*args, **kwargs)
        try:
            value = self._fn(*args, **kwargs)
        except Exception as exc:
            self._book.calls[key] = {"call": where, "raised": [type(exc).__name__, _builtin_mro(type(exc)), str(exc)]}
            raise
        entry: dict[str, Any] = {"call": where}
        try:
            entry["value"] = plain(value)
            after_args = {str(i): plain_argument(a) for i, a in enumerate(args)}
            after_kwargs = {k: plain_argument(v) for k, v in kwargs.items()}
        except Unfreezable as exc:
            self._book.problem(f"{where}: its result cannot be recorded: {exc}")
            return value
        changed = {i: v for i, v in after_args.items() if v != before[0][int(i)]}
        changed_kw = {k: v for k, v in after_kwargs.items() if v != before[1][k]}
        if changed:
            entry["args_after"] = changed
        if changed_kw:
            entry["kwargs_after"] = changed_kw
        self._book.calls[key] = entry
        return value


# ---------------------------------------------------------------------------------------------
# replaying (in the handout)
# ---------------------------------------------------------------------------------------------
class FrozenReference:
    """``ref.<module>.<function>(...)`` answered from the calls recorded at release."""

    def __init__(self, data: dict) -> None:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a frozen reference of format {FORMAT}")
        self._calls: dict[str, dict] = data["calls"]
        self._attrs: dict[str, Any] = data.get("attrs", {})

    @classmethod
    def load(cls, path: Path = DATA_PATH) -> "FrozenReference":
        return cls(json.loads(gzip.decompress(Path(path).read_bytes()).decode("utf-8")))

    def __getattr__(self, module: str) -> Any:
        if module not in EXERCISE_MODULES:
            raise AttributeError(f"the reference has no module {module!r}")
        return _FrozenModule(module, self)

    def __len__(self) -> int:
        return len(self._calls)


class _FrozenModule:
    def __init__(self, name: str, ref: FrozenReference) -> None:
        self._name, self._ref = name, ref

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        attr = self._ref._attrs.get(f"{self._name}.{name}")
        if attr is not None:
            return wire.from_plain(attr)
        return _FrozenFunction(self._name, name, self._ref)


def _write_back(target: Any, value: Any) -> None:
    """Change ``target`` in place to ``value``, as the reference function did at release."""
    if isinstance(target, np.ndarray) and isinstance(value, np.ndarray) and target.shape == value.shape:
        np.copyto(target, value, casting="unsafe")
    elif isinstance(target, list) and isinstance(value, list):
        target[:] = value
    elif isinstance(target, dict) and isinstance(value, dict):
        target.clear()
        target.update(value)


def _raise_recorded(type_name: str, mro: Iterable[str], message: str) -> None:
    import builtins

    for name in [type_name, *mro]:
        exc_type = getattr(builtins, name, None)
        if isinstance(exc_type, type) and issubclass(exc_type, Exception):
            raise exc_type(message)
    raise RuntimeError(f"{type_name}: {message}")


class _FrozenFunction:
    def __init__(self, module: str, name: str, ref: FrozenReference) -> None:
        self._module, self._name, self._ref = module, name, ref

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        where = f"ref.{self._module}.{self._name}"
        try:
            entry = self._ref._calls.get(call_key(self._module, self._name, args, kwargs))
        except Unfreezable as exc:
            raise ReferenceNotRecorded(f"{where}: {exc}") from None
        if entry is None:
            raise ReferenceNotRecorded(
                f"{where} was called with arguments not recorded when the handout was made "
                "(a public case must call ref only on inputs it built itself)")
        if "raised" in entry:
            _raise_recorded(*entry["raised"])
        for i, value in entry.get("args_after", {}).items():
            _write_back(args[int(i)], wire.from_plain(value))
        for k, value in entry.get("kwargs_after", {}).items():
            _write_back(kwargs[k], wire.from_plain(value))
        return wire.from_plain(entry["value"])


# ---------------------------------------------------------------------------------------------
# memoizing (in the grader): every student's cases ask the reference the same questions
# ---------------------------------------------------------------------------------------------
class MemoReference:
    """The live reference, each distinct call computed once per judge and replayed afterwards.

    The cases build their inputs from fixed seeds, so every submission makes the same reference
    calls; recomputing them (training BPE, running skip-gram) for each of a thousand students was
    the largest cost of grading. The first call is recorded exactly as for the handout (result,
    exception, in-place changes) and later calls with the same arguments are answered from the
    record, so a replayed answer is the one the solutions gave. Calls whose arguments cannot be
    recorded run live every time, and the record stops growing at ``limit`` calls.
    """

    def __init__(self, real: Any, limit: int = 20_000) -> None:
        self._real, self._limit = real, limit
        self._book = CallBook()
        self._recording = RecordingReference(real, self._book)
        self._frozen = FrozenReference({"format": FORMAT, "calls": self._book.calls, "attrs": {}})

    def __getattr__(self, module: str) -> Any:
        if module.startswith("__"):
            raise AttributeError(module)
        return _MemoModule(module, self)


class _MemoModule:
    def __init__(self, name: str, memo: MemoReference) -> None:
        self._name, self._memo = name, memo

    def __getattr__(self, name: str) -> Any:
        value = getattr(getattr(self._memo._real, self._name), name)
        if not callable(value) or isinstance(value, type):
            return value
        return _MemoFunction(self._name, name, value, self._memo)


class _MemoFunction:
    def __init__(self, module: str, name: str, fn: Callable, memo: MemoReference) -> None:
        self._module, self._name, self._fn, self._memo = module, name, fn, memo

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        memo = self._memo
        try:
            key = call_key(self._module, self._name, args, kwargs)
        except Unfreezable:
            return self._fn(*args, **kwargs)
        if key in memo._book.calls:
            return getattr(getattr(memo._frozen, self._module), self._name)(*args, **kwargs)
        if len(memo._book.calls) >= memo._limit:
            return self._fn(*args, **kwargs)
        return getattr(getattr(memo._recording, self._module), self._name)(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# freezing the public cases, and proving the frozen reference does what the live one does
# ---------------------------------------------------------------------------------------------
@dataclass
class Frozen:
    book: CallBook
    problems: list[str]           # cases the frozen reference cannot serve (empty: all good)
    cases: int

    def data(self) -> bytes:
        return gzip.compress(self.book.to_json().encode("utf-8"), mtime=0)


def _outcome_view(result: Any) -> tuple:
    return (result.status, result.outcome, result.message_public)


def freeze_public_cases(solutions_modules: dict[str, Any], stub_modules: dict[str, Any],
                        ref: Any = None) -> Frozen:
    """Record the reference calls of every public case, then replay them and compare.

    Both runs use trusted code in this process (:class:`casekit.InProcessBackend`): the solutions
    as the student (every call of a correct answer's path) and the generated stubs (the "not
    attempted" path). A case whose result differs under the frozen reference is a problem: it
    calls ``ref`` on something it did not build itself, or with unrecordable values.
    """
    from ..casekit import InProcessBackend, Student, collect_cases, run_case

    if ref is None:
        from types import SimpleNamespace
        ref = SimpleNamespace(**solutions_modules)
    specs = collect_cases(include_hidden=False)
    book = CallBook()
    recorder = RecordingReference(ref, book)
    students = {"the solutions": solutions_modules, "the stubs": stub_modules}
    live: dict[tuple[str, str], tuple] = {}
    for who, modules in students.items():
        student = Student(InProcessBackend(modules))
        for spec in specs:
            book.case = spec.name
            live[who, spec.name] = _outcome_view(run_case(spec, student, recorder))
    book.case = ""
    frozen = FrozenReference(json.loads(book.to_json()))
    problems = list(book.problems)
    for who, modules in students.items():
        student = Student(InProcessBackend(modules))
        for spec in specs:
            replayed = _outcome_view(run_case(spec, student, frozen))
            if replayed != live[who, spec.name]:
                detail = replayed[2].splitlines()[0] if replayed[2] else replayed[1]
                problems.append(f"{spec.name}: against {who} it gives {replayed[1]} with the frozen reference, "
                                f"{live[who, spec.name][1]} with the solutions ({detail})")
    return Frozen(book=book, problems=problems, cases=len(specs))


def reference_for_handout() -> FrozenReference | None:
    """The frozen reference when running inside a handout (no ``solutions/``), else None."""
    if (PROJECT_ROOT / "solutions" / "__init__.py").is_file():
        return None
    if DATA_PATH.is_file():
        return FrozenReference.load(DATA_PATH)
    from ..errors import UsageError
    raise UsageError(f"{DATA_PATH.relative_to(PROJECT_ROOT)} is missing and there is no solutions/ folder: "
                     "reinstall the handout")
