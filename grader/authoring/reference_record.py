"""The reference is checked too: a reviewed record of every answer the reference gives the cases.

Every case compares the student with ``ref``, the solutions. If an instructor's edit breaks a
solution (say ``cosine_similarity_matrix`` returns half the true value), the solutions still score
full marks against cases that ask the same broken solutions, and ``embedlab release`` would freeze
the wrong values into the handout. So the reference's answers are themselves kept, reviewed, in
``grader/cases/hidden/reference_record.json.gz`` (beside the hidden cases, which it describes too:
it never ships in the handout):

* for every case, public and hidden, each reference call it makes while the solutions are the
  student (the same recording as the handout's frozen reference, :mod:`grader.authoring.frozen_ref`): which
  function, and the exact result or exception;
* the docstrings' worked examples (``encode("abc", [("a", "bc"), ("b", "c")])`` -> ``["a", "bc"]``),
  run as checks against the solutions, doctest-style.

``embedlab validate`` compares the live solutions with the record and names every case whose
reference answer changed, with the difference; ``embedlab validate --accept`` rewrites the record
after an instructor changed a solution on purpose (one explicit command, nothing silent);
``embedlab release`` refuses to build from a reference that does not match the record.

Float results are compared to 1e-9 relative (plus 1e-12 absolute), not to the bit: another
machine's BLAS may round a matrix product differently, and that is not a changed reference.
"""

from __future__ import annotations

import ast
import gzip
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..sandbox import wire
from ..paths import EXERCISE_MODULES, GIVEN_FUNCTIONS, PROJECT_ROOT, STUDENT_FUNCTIONS

RECORD_RELPATH = Path("grader") / "cases" / "hidden" / "reference_record.json.gz"
RECORD_PATH = PROJECT_ROOT / RECORD_RELPATH
FORMAT = "embedlab-reference-record/1"
RTOL, ATOL = 1e-9, 1e-12
#: the accept command, named in every message that asks for it
ACCEPT = "embedlab validate --accept"


# ---------------------------------------------------------------------------------------------
# recording
# ---------------------------------------------------------------------------------------------
def record(modules: dict[str, Any]) -> dict:
    """What the reference ``modules`` answer to every case, and whether the docstring examples hold.

    The solutions play the student too (trusted code, in this process), so each case takes the
    path of a correct answer and asks the reference everything it asks then.
    """
    from types import SimpleNamespace

    from ..casekit import InProcessBackend, Student, collect_cases, run_case
    from .frozen_ref import CallBook, RecordingReference

    ref = SimpleNamespace(**modules)
    student = Student(InProcessBackend(modules))
    cases: dict[str, dict] = {}
    for spec in collect_cases(include_hidden=True):
        book = CallBook(case=spec.name)
        result = run_case(spec, student, RecordingReference(ref, book))
        cases[spec.name] = {"calls": book.calls, "verdict": result.status}
    return {"format": FORMAT, "cases": cases, "examples": docstring_examples(modules)}


def to_bytes(data: dict) -> bytes:
    """The record as gzip'd, key-sorted JSON (the same record gives the same bytes)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return gzip.compress(text.encode("utf-8"), mtime=0)


def load(path: Path = RECORD_PATH) -> dict:
    """The committed record; ``FileNotFoundError`` when there is none, ``ValueError`` when unreadable."""
    try:
        data = json.loads(gzip.decompress(Path(path).read_bytes()).decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{path}: not a readable reference record ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a reference record of format {FORMAT}")
    return data


def accept(modules: dict[str, Any], path: Path = RECORD_PATH) -> tuple[dict, list[str]]:
    """Record ``modules``' answers and write them to ``path`` atomically; returns (record, what changed)."""
    from ..fsutil import atomic_write_bytes

    new = record(modules)
    try:
        changed = compare(load(path), new)
    except FileNotFoundError:
        changed = ["there was no record: every case's reference answers are recorded for the first time"]
    except ValueError as exc:
        changed = [f"the old record was unreadable ({exc}): replaced"]
    atomic_write_bytes(path, to_bytes(new))
    return new, changed


# ---------------------------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------------------------
def _value_difference(recorded: dict, live: dict) -> str | None:
    """How the live answer to one call differs from the recorded one, in words (None: the same)."""
    from ..casekit import _difference

    if ("raised" in recorded) != ("raised" in live):
        if "raised" in recorded:
            return f"recorded: raised {recorded['raised'][0]}; now it returns a value"
        return f"recorded: returned a value; now it raises {live['raised'][0]}: {live['raised'][2]}"
    if "raised" in recorded:
        return None if recorded["raised"][0] == live["raised"][0] else \
            f"recorded: raised {recorded['raised'][0]}; now it raises {live['raised'][0]}"
    for part in ("value", "args_after", "kwargs_after"):
        old, new = recorded.get(part), live.get(part)
        if old == new:
            continue
        if old is None or new is None:
            return f"{part.replace('_', ' ')}: {'now there is' if old is None else 'now there is no'} such change"
        found = _difference(wire.from_plain(new), wire.from_plain(old), "the answer" if part == "value" else part,
                            exact=False, rtol=RTOL, atol=ATOL)
        if found:  # casekit speaks to a student ("should be X, got Y"); here X is the record, Y the live answer
            return found.replace(" should be ", " was recorded as ", 1).replace(", got ", ", now ", 1)
    return None


def compare(old: dict, new: dict) -> list[str]:
    """Every difference between two records, one line each, naming the case (or example)."""
    found: list[str] = []
    old_cases, new_cases = old.get("cases", {}), new.get("cases", {})
    for name in new_cases:
        if name not in old_cases:
            found.append(f"{name}: a new case; its reference answers are not in the record yet")
    for name in old_cases:
        if name not in new_cases:
            found.append(f"{name}: recorded, but no such case any more")
    for name, case in new_cases.items():
        if name not in old_cases:
            continue
        before, now = old_cases[name]["calls"], case["calls"]
        lines = []
        for key, entry in now.items():
            if key not in before:
                lines.append(f"{entry['call']} is asked something the record does not have (its arguments "
                             "changed, or the reference took another path)")
                continue
            difference = _value_difference(before[key], entry)
            if difference:
                lines.append(f"{entry['call']}: {difference}")
        missing = [before[k]["call"] for k in before if k not in now]
        if missing:
            lines.append(f"no longer asks {', '.join(sorted(set(missing)))} what it asked before")
        if lines:
            found.append(f"{name}: the reference's answer changed: {lines[0]}"
                         + (f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""))
    old_ex = {e["example"]: e for e in old.get("examples", [])}
    for example in new.get("examples", []):
        if example["status"] == "failed" and old_ex.get(example["example"], {}).get("status") != "failed":
            found.append(f"docstring example of {example['function']}: {example['example']} no longer holds: "
                         f"{example['detail']}")
    return found


def check(modules: dict[str, Any], path: Path = RECORD_PATH) -> tuple[list[str], str]:
    """(problems, what was covered): the live reference ``modules`` against the committed record."""
    new = record(modules)
    problems = [f"docstring example of {e['function']} does not hold: {e['example']}: {e['detail']}"
                for e in new["examples"] if e["status"] == "failed"]
    try:
        old = load(path)
    except FileNotFoundError:
        return problems + [f"{path.name} is missing: review the solutions' answers and run `{ACCEPT}`"], ""
    except ValueError as exc:
        return problems + [f"{exc}: run `{ACCEPT}` to record it again"], ""
    changed = compare(old, new)
    if changed:
        changed.append(f"if the solutions changed on purpose, run `{ACCEPT}` to record their new answers")
    calls = sum(len(c["calls"]) for c in new["cases"].values())
    checked = sum(e["status"] == "passed" for e in new["examples"])
    return problems + changed, (f"{len(new['cases'])} cases, {calls} reference calls; "
                                f"{checked} docstring examples hold")


# ---------------------------------------------------------------------------------------------
# the docstrings' worked examples, run as checks
# ---------------------------------------------------------------------------------------------
#: ``call`` -> ``value`` (double backticks), or a bare call at the start of a line: name(...) -> value
_QUOTED = re.compile(r"``(?P<call>[^`]+)``\s*->\s*``(?P<value>[^`]+)``")
_BARE = re.compile(r"^\s*(?:Example:\s*)?(?P<call>[a-z_]+\(.*\))\s*->\s*(?P<value>.+?)\s*(?:\(.*\))?\s*$")


def _examples_in(doc: str) -> list[tuple[str, str]]:
    found = [(m["call"], m["value"]) for m in _QUOTED.finditer(doc)]
    for line in doc.splitlines():
        if "``" not in line:
            m = _BARE.match(line)
            if m:
                found.append((m["call"], m["value"]))
    return found


def _evaluable(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _same(got: Any, expected: Any) -> bool:
    """Equal, with the docstrings' rounding (0.7071 for 1/sqrt(2)) allowed for numbers."""
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(got, (int, float, np.number)):
        return math.isclose(float(got), float(expected), rel_tol=1e-4, abs_tol=1e-4)
    if isinstance(got, np.ndarray):
        try:
            return got.shape == np.shape(expected) and bool(np.allclose(got, np.asarray(expected, float),
                                                                          rtol=1e-4, atol=1e-4))
        except (TypeError, ValueError):
            return False
    return type(got) is type(expected) and got == expected


def docstring_examples(modules: dict[str, Any]) -> list[dict]:
    """Each ``call -> value`` example of a docstring that is plain Python, evaluated and compared.

    Examples written for people rather than Python (``softmax([0, ln 3]) -> [1/4, 3/4]``, several
    lines of a matrix) are skipped: only what parses on both sides counts, so nothing is guessed.
    """
    out = []
    for module in EXERCISE_MODULES:
        mod = modules[module]
        namespace: dict[str, Any] = {"np": np, "math": math, **{n: getattr(mod, n) for n in dir(mod)
                                                             if not n.startswith("__")}}
        for function in (*STUDENT_FUNCTIONS[module], *GIVEN_FUNCTIONS.get(module, ())):
            doc = getattr(getattr(mod, function, None), "__doc__", None) or ""
            for call, value in _examples_in(doc):
                call, value = call.replace("\\\\", "\\"), value.replace("\\\\", "\\")
                if not (_evaluable(call) and _evaluable(value)) or "(" not in call:
                    continue
                entry = {"function": f"{module}.{function}", "example": f"{call} -> {value}"}
                try:
                    expected = eval(value, {"np": np, "math": math})  # noqa: S307 - our own docstrings
                except Exception:  # noqa: BLE001 - prose, not Python ("1/sqrt(2) = 0.7071..."): skipped
                    continue
                try:
                    got = eval(call, dict(namespace))                   # noqa: S307
                except NameError:  # it names a value the docstring shows elsewhere (vocab, E): skipped
                    continue
                except Exception as exc:  # noqa: BLE001 - a failing example is a finding, not a crash
                    entry.update(status="failed", detail=f"raises {type(exc).__name__}: {exc}")
                else:
                    ok = _same(got, expected)
                    entry.update(status="passed" if ok else "failed",
                                 detail="" if ok else f"gives {_short(got)}")
                out.append(entry)
    return out


def _short(value: Any) -> str:
    from ..casekit import show

    return show(value)


def live_modules(root: Path) -> dict[str, Any]:
    """The five modules of ``root/solutions`` loaded as one fresh package (trusted code)."""
    from ..casekit import load_package_from_sources
    from ..grading.submission import read_submission

    return load_package_from_sources(read_submission("solutions", [root / "solutions"]).modules)


__all__: list[Callable | str] = ["ACCEPT", "RECORD_PATH", "accept", "check", "compare", "docstring_examples",
                                 "live_modules", "load", "record"]
