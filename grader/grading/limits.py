"""Per-case time limits from the reference's own time, lazy stop, and "where it hung" messages.

SPEC section 7: a case's wall limit is calibrated from the reference solution's time on the
grading machine — a documented factor generous enough for plain-Python loops, a floor, a cap — and
once a function has run out of time its later cases fail without running it again.

How a limit is set (the way Kattis sets a problem's time limit from its accepted solutions, with
a factor far larger than a contest's, because students write loops where the reference is
vectorised)::

    limit = clamp(FACTOR x reference time of the case, floor, cap)      rounded up to 10 ms

* **reference time** — the time the case's calls of the *student's* functions take when the
  student is the reference solution itself, run in this process through
  :class:`grader.casekit.InProcessBackend` (which sends arguments and results through the wire
  encoding, as the sandbox does). Measured once per grading run, in the main process, as the
  fastest of :data:`RUNS` runs of every case, so every worker uses the same limits. The student
  handout has no solutions: ``embedlab release`` records the times (``reference_times.json``
  beside the public cases) with a short speed probe of the release machine; ``embedlab check``
  scales them by how much slower the student's machine runs the same probe (never faster).
* **factor** — :data:`FACTOR` (``grade --time-factor``). Chosen by measurement:
  ``tests/mutants/alternatives.py`` holds a slow but correct implementation of every function
  (pure-Python loops, no NumPy vectorisation); ``bench/time_limits.py`` runs it through the real
  sandbox and reports, per case, limit / its time; the factor gives it at least a 3x margin on
  every case (``tests/test_time_limits.py`` grades it with every limit divided by 3).
* **floor** — :data:`FLOOR_SECONDS` (``grade --case-floor``): a case whose reference takes
  microseconds still gets time for a round trip on a loaded machine. It is also what a looping
  function costs: a submission whose every function loops is done in a few seconds.
* **cap** — ``Limits.case_seconds`` (``grade --case-seconds``, SPEC's 5 s).

The limit bounds the time the student's code takes in one case: the sum of the round trips of
its calls, measured by the judge (the reference's work and the comparisons in between are the
judge's and do not count; nor does forking a fresh child after a crash). ``submission_seconds``
(60 s) stays the backstop for the whole submission.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: limit = clamp(FACTOR x the reference's time, floor, cap); measured (see the module docstring)
FACTOR = 100.0
#: no case gets less than this (seconds)
FLOOR_SECONDS = 0.15
#: limits are rounded up to this (seconds)
RESOLUTION = 0.01
#: the reference's time of a case is the fastest of this many runs
RUNS = 3
#: where the release records the public cases' reference times for the handout
RECORD_NAME = "reference_times.json"
RECORD_FORMAT = "embedlab-reference-times/1"


def limit_for(reference_seconds: float, *, factor: float = FACTOR, floor: float = FLOOR_SECONDS,
              cap: float = 5.0) -> float:
    """The wall limit of one case: ``clamp(factor * reference_seconds, floor, cap)``, rounded up.

    >>> limit_for(0.0005)                 # 50 ms of loops allowed, but never under the floor
    0.15
    >>> limit_for(0.0123)                 # 100 x 12.3 ms
    1.23
    >>> limit_for(2.0)                    # never over the cap
    5.0

    Monotone in ``reference_seconds``; always within ``[min(floor, cap), cap]``.
    """
    floor = min(floor, cap)
    raw = factor * max(0.0, float(reference_seconds))
    rounded = round(math.ceil(round(raw / RESOLUTION, 6)) * RESOLUTION, 6)
    return min(cap, max(floor, rounded))


def rule_of(reference_seconds: float, limit: float, *, factor: float, floor: float, cap: float) -> str:
    """Which of the three gave the limit, in words for ``--explain-limits``."""
    if limit >= cap and factor * reference_seconds >= cap:
        return "cap"
    if limit <= min(floor, cap) and factor * reference_seconds <= floor:
        return "floor"
    return "factor"


@dataclass
class CaseLimits:
    """Every case's limit and how it was derived (what ``--explain-limits`` prints)."""

    factor: float
    floor: float
    cap: float
    source: str                                         # how the reference times were obtained
    reference: dict[str, float] = field(default_factory=dict)   # case name -> seconds
    limits: dict[str, float] = field(default_factory=dict)      # case name -> seconds

    def seconds(self, name: str) -> float:
        """The limit of the case named ``name`` (the cap for a case that was not measured)."""
        return self.limits.get(name, self.cap)

    @classmethod
    def from_times(cls, times: dict[str, float], *, factor: float, floor: float, cap: float,
                   source: str) -> "CaseLimits":
        return cls(factor=factor, floor=floor, cap=cap, source=source, reference=dict(times),
                   limits={name: limit_for(t, factor=factor, floor=floor, cap=cap) for name, t in times.items()})

    @classmethod
    def uncalibrated(cls, cap: float, why: str) -> "CaseLimits":
        return cls(factor=FACTOR, floor=cap, cap=cap, source=f"not calibrated ({why}): every case gets the cap")

    def rows(self, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """One row per case: name, reference ms, factor x reference, limit, the rule that gave it."""
        out = []
        for name in (names if names is not None else self.limits):
            ref = self.reference.get(name)
            limit = self.seconds(name)
            rule = "cap (not measured)" if ref is None else rule_of(ref, limit, factor=self.factor,
                                                                     floor=self.floor, cap=self.cap)
            out.append({"case": name, "reference_ms": None if ref is None else ref * 1000,
                        "scaled_s": None if ref is None else ref * self.factor, "limit_s": limit, "rule": rule})
        return out

    def headline(self) -> str:
        return (f"per-case time limits: clamp({self.factor:g} x the reference's time, floor {self.floor:g} s, "
                f"cap {self.cap:g} s); reference times {self.source}")

    def to_plain(self) -> dict[str, Any]:
        return {"factor": self.factor, "floor": self.floor, "cap": self.cap, "source": self.source,
                "reference": self.reference, "limits": self.limits}


# ---------------------------------------------------------------------------------------------
# measuring the reference
# ---------------------------------------------------------------------------------------------
class _Stopwatch:
    """A casekit backend that times the calls it passes on (trusted code only)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.spent = 0.0

    def call(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.inner.call(*args, **kwargs)
        finally:
            self.spent += time.perf_counter() - started


def measure_reference_times(specs: list, ref: Any, modules: dict[str, Any] | None = None,
                            runs: int = RUNS) -> dict[str, float]:
    """Seconds the student-side calls of each case take when the student is the reference.

    ``modules`` are the reference's modules (default: ``solutions``); each case runs ``runs`` times
    in this process and keeps its fastest run (the first also warms caches and ``ref``'s memo).
    A case that does not pass against the reference is an error of the assignment: ValueError.
    """
    from grader.casekit import InProcessBackend, Student, run_case

    if modules is None:
        import importlib

        from grader.paths import EXERCISE_MODULES
        modules = {m: importlib.import_module(f"solutions.{m}") for m in EXERCISE_MODULES}
    watch = _Stopwatch(InProcessBackend(modules))
    student = Student(watch)
    best: dict[str, float] = {}
    for _ in range(max(1, runs)):
        for spec in specs:
            watch.spent = 0.0
            result = run_case(spec, student, ref)
            if result.status != "passed":
                raise ValueError(f"{spec.name} fails against the reference ({result.outcome}): "
                                 f"{result.message_public.splitlines()[-1:]}")
            best[spec.name] = min(best.get(spec.name, math.inf), watch.spent)
    return best


def speed_probe(repeat: int = 3) -> float:
    """Seconds of a fixed little workload (Python loops and small NumPy calls), fastest of ``repeat``.

    Recorded at release next to the reference times; ``check`` runs it again to see how much slower
    the student's machine is.
    """
    import numpy as np

    best = math.inf
    a = np.arange(64.0).reshape(8, 8)
    for _ in range(repeat):
        started = time.perf_counter()
        total = 0
        words: dict[tuple[str, ...], int] = {}
        for i in range(20_000):
            total += i * i % 7
            key = (chr(97 + i % 26), chr(97 + i % 5))
            words[key] = words.get(key, 0) + 1
        for _ in range(300):
            a = (a @ a.T) / np.linalg.norm(a)
        best = min(best, time.perf_counter() - started)
    return best


def record_text(times: dict[str, float]) -> str:
    """The public cases' reference times for the handout (plain JSON, with this machine's probe)."""
    data = {"format": RECORD_FORMAT, "probe_seconds": speed_probe(),
            "times": {name: round(t, 7) for name, t in sorted(times.items())}}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def read_record(path: Path) -> tuple[dict[str, float], float] | None:
    """``(times, slow-down of this machine against the release's)`` from a record, or None."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and data.get("format") == RECORD_FORMAT and isinstance(data.get("times"), dict)):
        return None
    times = {str(k): float(v) for k, v in data["times"].items() if isinstance(v, (int, float)) and v >= 0}
    recorded = data.get("probe_seconds")
    slower = 1.0
    if isinstance(recorded, (int, float)) and recorded > 0:
        slower = min(20.0, max(1.0, speed_probe() / recorded))
    return times, slower


def calibrate(specs: list, ref: Any, limits: Any, *, record: Path | None = None, runs: int = RUNS) -> CaseLimits:
    """The case limits for a judge: measured against the solutions here, else from the release's
    record (the handout), else every case gets the cap."""
    factor = float(getattr(limits, "case_factor", FACTOR))
    floor = float(getattr(limits, "case_floor", FLOOR_SECONDS))
    cap = float(limits.case_seconds)
    try:
        import solutions  # noqa: F401  (the instructor's checkout)
        have_solutions = getattr(solutions, "__file__", None) is not None or hasattr(solutions, "__path__")
    except ImportError:
        have_solutions = False
    from grader.authoring.frozen_ref import FrozenReference
    if have_solutions and not isinstance(ref, FrozenReference):
        started = time.perf_counter()
        times = measure_reference_times(specs, ref, runs=runs)
        return CaseLimits.from_times(times, factor=factor, floor=floor, cap=cap, source=(
            f"measured now on this machine (fastest of {runs} runs of every case against the solutions, "
            f"{time.perf_counter() - started:.2f} s)"))
    if record is None:
        from grader.paths import PROJECT_ROOT
        record = PROJECT_ROOT / "grader" / "cases" / "public" / RECORD_NAME
    found = read_record(record)
    if found is None:
        return CaseLimits.uncalibrated(cap, f"no solutions and no {RECORD_NAME}")
    times, slower = found
    return CaseLimits.from_times({k: v * slower for k, v in times.items()}, factor=factor, floor=floor, cap=cap,
                                 source=f"recorded at release, x{slower:.2f} for this machine's speed")


# ---------------------------------------------------------------------------------------------
# the clock of one submission: per-case limits, lazy stop, where it hung
# ---------------------------------------------------------------------------------------------
def lazy_stop_message(function: str) -> str:
    return f"not run: `{function}` ran past its time limit in an earlier case"


def describe_where(where: tuple, *, public: bool) -> str:
    """Where a stopped call was, for feedback.

    Public: ``in bpe.py line 42, in merge_pair: `while i < len(word):` (an infinite loop?)`` and the
    calls that led there. Hidden: ``in bpe.py line 42, in merge_pair`` (the student's own code only,
    never the case's inputs).
    """
    if not where:
        return ""
    first = where[0]
    if not public:
        return f"in {first.describe()}"
    guess = "an infinite loop?" if first.in_while else "too slow, or a loop that never ends?"
    lines = [f"in {first.describe()}: `{first.source}` ({guess})"]
    for frame in where[1:4]:
        lines.append(f"called from {frame.describe()}: `{frame.source}`")
    return "\n            ".join(lines)


def charged_seconds(outcome: Any) -> float:
    """What a finished call counts against its case's limit: its wall time, unless the child had
    less than half a CPU for it (a loaded machine: every wakeup waits its turn), then its CPU time.
    A call that ran out of time counts its wall time (the sandbox already gave a starved one the
    CPU time it missed)."""
    from grader.sandbox.zygote import STARVED_SHARE

    cpu = getattr(outcome, "cpu_seconds", None)
    if outcome.kind == "timeout" or cpu is None or cpu >= STARVED_SHARE * outcome.seconds:
        return outcome.seconds
    return cpu


class CaseClock:
    """A backend for :class:`casekit.Student`: each case's own limit on the student's time, and
    lazy stop (a function that ran out of time once is not run again in this submission)."""

    def __init__(self, child: Any, case_seconds: float) -> None:
        self.child = child
        self.case_seconds = case_seconds
        self.limit = case_seconds
        self.spent = 0.0
        self.timed_out: set[tuple[str, str]] = set()

    def start_case(self, limit: float | None = None) -> None:
        self.limit = self.case_seconds if limit is None else float(limit)
        self.spent = 0.0

    def call(self, module, function, args=(), kwargs=None, *, keep_args=False, timeout=None):
        from grader.sandbox.zygote import Outcome

        if (module, function) in self.timed_out:
            return Outcome("timeout", message=lazy_stop_message(function))
        remaining = self.limit - self.spent
        if remaining <= 0:
            return Outcome("timeout", message=f"time limit exceeded: this case's calls used up its "
                                              f"{self.limit:g} s before calling `{function}`")
        outcome = self.child.call(module, function, args, kwargs or {}, timeout=remaining, keep_args=keep_args)
        self.spent += charged_seconds(outcome)
        if outcome.kind == "timeout":
            if "submission" not in outcome.message:
                self.timed_out.add((module, function))
                # the limit, not the measured time: feedback stays the same from run to run
                outcome.message = f"stopped after {self.limit:g} s (the time limit of this case)"
            where = getattr(outcome, "where", ())
            if where:
                outcome.message += " " + describe_where(where, public=True)
        return outcome
