"""Time limits (SPEC 7): where a stopped call was, lazy stop, limits from the reference's time.

* where it hung: a call that runs out of time reports the student's own stack, checked against
  the judge's copy of the source (a forged report cannot put text of its choosing in feedback);
  public feedback shows file, line, function and the line itself, hidden feedback file, line and
  function only;
* lazy stop: once a function ran out of time, later calls of it fail at once, with the message
  SPEC's reading gives, and are never sent to the child;
* calibration: ``limit_for`` stays within [floor, cap] and grows with the reference's time.

Nothing here asserts a duration (the machine is shared); ``bench/time_limits.py`` and
``bench/grading_throughput.py`` measure them.
"""

from __future__ import annotations

import signal
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from grader.casekit import LimitExceeded, Student
from grader.grading.limits import (CaseClock, CaseLimits, describe_where, lazy_stop_message, limit_for,
                                   measure_reference_times)
from grader.paths import PROJECT_ROOT
from grader.sandbox.zygote import Frame, Limits, Outcome, Zygote, where_it_hung

sys.path.insert(0, str(PROJECT_ROOT))
from tests.mutants import package_sources  # noqa: E402

LOOPING_BPE = '''\
def pretokenize(text):
    import re
    return re.findall(r"\\s*\\S+|\\s+", text)


def count_pairs(words):
    return {}


def helper(word):
    i = 0
    while i < len(word):
        i = (i + 1) % max(1, len(word))
    return word


def merge_pair(words, pair):
    out = {}
    for word, count in words.items():
        out[helper(word)] = count
    return out


def ignores_the_signal(words, pair):
    import signal
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    while True:
        pass
'''


def line_of(source: str, text: str) -> int:
    """1-based number of the first line of ``source`` that contains ``text`` (the oracle)."""
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


@pytest.fixture(scope="module", params=["sandboxed", "unsandboxed"])
def zygote(request):
    z = Zygote(Limits(case_seconds=10.0, submission_seconds=120.0), sandbox=request.param == "sandboxed")
    z.start()
    if request.param == "sandboxed" and not z.sandboxed:
        z.close()
        pytest.skip(f"no sandbox here: {z.why_unsandboxed}")
    yield z
    z.close()


# ---------------------------------------------------------------------------------------------
# where it hung
# ---------------------------------------------------------------------------------------------
def test_a_stopped_call_reports_the_students_stack(zygote):
    with zygote.spawn({"bpe": LOOPING_BPE}) as child:
        out = child.call("bpe", "merge_pair", ({("a", "b"): 1}, ("a", "b")), timeout=0.3)
        assert out.kind == "timeout"
        assert [(f.module, f.line, f.function) for f in out.where] == [
            ("bpe", line_of(LOOPING_BPE, "while i < len(word)") + 1, "helper"),  # the loop's body line
            ("bpe", line_of(LOOPING_BPE, "out[helper(word)]"), "merge_pair"),
        ] or [(f.module, f.line, f.function) for f in out.where] == [
            ("bpe", line_of(LOOPING_BPE, "while i < len(word)"), "helper"),       # or its test
            ("bpe", line_of(LOOPING_BPE, "out[helper(word)]"), "merge_pair"),
        ]
        assert out.where[0].in_while and not out.where[1].in_while
        assert out.where[1].source == "out[helper(word)] = count"
        # the child still works afterwards (a fresh one, same modules)
        assert child.call("bpe", "count_pairs", ({},)).value == {}


def test_a_child_that_ignores_the_signal_is_killed_without_a_report(zygote):
    with zygote.spawn({"bpe": LOOPING_BPE}) as child:
        out = child.call("bpe", "ignores_the_signal", ({}, ("a", "b")), timeout=0.3)
        assert out.kind == "timeout" and out.where == ()
        assert child.call("bpe", "count_pairs", ({},)).kind == "ok"


def test_a_forged_report_shows_only_real_lines_of_the_judges_copy():
    sources = {"bpe": "def f(x):\n    while x:\n        x -= 1\n    return x\n"}
    forged = [["bpe", 3], ["bpe", 99], ["../../etc/passwd", 1], ["lookup", 1], ["bpe", "2"],
              "SECRET INPUT", ["bpe", 2, "extra"], ["bpe", 4]]
    frames = where_it_hung(forged, sources)
    assert frames == (Frame("bpe", 3, "f", "x -= 1", True), Frame("bpe", 4, "f", "return x", False))
    assert where_it_hung({"not": "a list"}, sources) == ()


def test_public_feedback_shows_the_line_hidden_feedback_only_where():
    where = (Frame("bpe", 42, "merge_pair", "while i < len(word):", True),
             Frame("bpe", 80, "train_bpe", "words = merge_pair(words, pair)", False))
    public = describe_where(where, public=True)
    assert public.startswith("in bpe.py line 42, in merge_pair: `while i < len(word):` (an infinite loop?)")
    assert "called from bpe.py line 80, in train_bpe: `words = merge_pair(words, pair)`" in public
    hidden = describe_where(where, public=False)
    assert hidden == "in bpe.py line 42, in merge_pair"
    limit = LimitExceeded("timeout", "public text", hidden)
    assert limit.hidden_kind() == "ran out of time (stopped in bpe.py line 42, in merge_pair)"


# ---------------------------------------------------------------------------------------------
# lazy stop
# ---------------------------------------------------------------------------------------------
class FakeChild:
    """Times out on ``merge_pair``, answers everything else; counts what reaches it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def call(self, module, function, args, kwargs, *, timeout, keep_args):
        self.calls.append(function)
        if function == "merge_pair":
            return Outcome("timeout", seconds=timeout, message="time limit exceeded",
                           where=(Frame("bpe", 7, "merge_pair", "while True:", True),))
        return Outcome("ok", value=1, seconds=0.001)


def test_after_a_timeout_the_function_is_not_run_again():
    child = FakeChild()
    clock = CaseClock(child, 5.0)
    student = Student(clock)
    clock.start_case(0.2)
    with pytest.raises(LimitExceeded) as first:
        student.bpe.merge_pair({}, ("a", "b"))
    assert first.value.message == ("stopped after 0.2 s (the time limit of this case) in bpe.py line 7, in "
                                   "merge_pair: `while True:` (an infinite loop?)")
    assert first.value.where == "in bpe.py line 7, in merge_pair"
    for _ in range(3):  # later cases: it fails at once, never sent to the child
        clock.start_case(0.2)
        with pytest.raises(LimitExceeded) as later:
            student.bpe.merge_pair({}, ("a", "b"))
        assert later.value.message == lazy_stop_message("merge_pair") == \
            "not run: `merge_pair` ran past its time limit in an earlier case"
        assert student.bpe.count_pairs({}) == 1  # other functions still run
    assert child.calls == ["merge_pair", "count_pairs", "count_pairs", "count_pairs"]


def test_the_limit_bounds_the_cases_calls_together():
    class Slow(FakeChild):
        def call(self, module, function, args, kwargs, *, timeout, keep_args):
            self.calls.append(round(timeout, 3))
            return Outcome("ok", value=1, seconds=0.15)

    child = Slow()
    clock = CaseClock(child, 5.0)
    student = Student(clock)
    clock.start_case(0.4)
    assert [student.bpe.count_pairs({}) for _ in range(3)] == [1, 1, 1]
    with pytest.raises(LimitExceeded):  # 0.45 s spent: nothing left for a fourth call
        student.bpe.count_pairs({})
    assert child.calls == [0.4, 0.25, 0.1]  # each call had what the earlier ones left


def test_lazy_stop_through_the_real_judge(tmp_path):
    from grader.grading.engine import Judge, paths_to_hide
    from grader.grading.submission import Submission

    sources = dict(package_sources())
    bpe = sources["bpe"]
    body = bpe.index('"""', bpe.index('"""', bpe.index("def merge_pair(")) + 3) + 3
    sources["bpe"] = bpe[:body] + "\n    spin = 0\n    while spin >= 0:\n        spin += 1\n" + bpe[body:]
    loop_line = line_of(sources["bpe"], "while spin >= 0:")
    judge = Judge(Limits(), paths_to_hide([tmp_path]), quizzes=False, modules=("bpe",))
    try:
        result = judge.grade(Submission(student="looper", origin="looper", modules=sources))
    finally:
        judge.close()
    merge = [t for t in result.tests if t.name.startswith("bpe.merge_pair:")]
    assert merge and all(t.status == "failed" and t.score == 0 and t.outcome == "timeout" for t in merge)
    first, rest = merge[0], merge[1:]
    assert not first.hidden
    assert f"in bpe.py line {loop_line}, in merge_pair: `while spin >= 0:` (an infinite loop?)" in first.output \
        or f"in bpe.py line {loop_line + 1}, in merge_pair: `spin += 1` (an infinite loop?)" in first.output
    for test in rest:
        if test.hidden:
            assert test.output.startswith("one BPE merge: ran out of time") or "ran out of time" in test.output
            assert "{" not in test.output  # never the case's inputs
        else:
            assert lazy_stop_message("merge_pair") in test.output
    # count_pairs never calls merge_pair: untouched by the loop
    assert all(t.status == "passed" for t in result.tests if t.name.startswith("bpe.count_pairs:"))


# ---------------------------------------------------------------------------------------------
# calibration
# ---------------------------------------------------------------------------------------------
seconds = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
positive = st.floats(min_value=0.001, max_value=50.0, allow_nan=False)


@given(seconds, positive, positive, positive)
@example(0.0, 100.0, 0.15, 5.0)
@example(1.0, 100.0, 0.15, 5.0)
@example(0.001, 100.0, 10.0, 5.0)  # a floor above the cap: the cap wins
@example(1.0, 2.0, 1.0, 1.1015625)  # found by hypothesis: the cap itself, not a rounded cap
@example(0.0, 1.0, 2.0, 1.1015625)
def test_a_limit_stays_between_floor_and_cap(ref, factor, floor, cap):
    limit = limit_for(ref, factor=factor, floor=floor, cap=cap)
    assert min(floor, cap) - 1e-9 <= limit <= cap + 1e-9
    assert limit >= min(cap, factor * ref) - 1e-9  # never less than factor x the reference (up to the cap)


@given(seconds, seconds, positive, positive, positive)
def test_a_limit_grows_with_the_reference_time(a, b, factor, floor, cap):
    low, high = sorted((a, b))
    assert limit_for(low, factor=factor, floor=floor, cap=cap) <= limit_for(high, factor=factor, floor=floor, cap=cap)


def test_the_docstring_examples_of_limit_for():
    assert limit_for(0.0005) == 0.15
    assert limit_for(0.0123) == 1.23
    assert limit_for(2.0) == 5.0


def test_reference_times_are_measured_for_every_case():
    from grader import casekit
    from grader.authoring.frozen_ref import MemoReference
    import solutions

    specs = casekit.collect_cases(modules=("bpe",))
    times = measure_reference_times(specs, MemoReference(solutions), runs=1)
    assert set(times) == {s.name for s in specs}
    assert all(t >= 0 for t in times.values())
    limits = CaseLimits.from_times(times, factor=100.0, floor=0.15, cap=5.0, source="test")
    rows = limits.rows()
    assert [r["case"] for r in rows] == [s.name for s in specs]
    assert all(r["rule"] in ("floor", "factor", "cap") and 0.15 <= r["limit_s"] <= 5.0 for r in rows)


# ---------------------------------------------------------------------------------------------
# the factor: a slow but correct submission passes with at least 3x margin, through the sandbox
# ---------------------------------------------------------------------------------------------
def test_the_slow_but_correct_submission_gets_full_marks_with_a_3x_margin(tmp_path, capsys):
    """Every limit divided by 3, the pure-Python submission still passes every case (SPEC 7's
    "factor generous enough for plain-Python loops"); the margin of each case is printed."""
    from grader.grading.engine import Judge, class_time_limits, paths_to_hide
    from grader.grading.submission import Submission
    from tests.mutants.slow import slow_submission

    limits = Limits()
    measured, ref = class_time_limits(limits)
    tight = CaseLimits(factor=measured.factor / 3, floor=measured.floor / 3, cap=measured.cap / 3,
                       source="the measured limits divided by 3", reference=measured.reference,
                       limits={name: seconds / 3 for name, seconds in measured.limits.items()})
    judge = Judge(limits, paths_to_hide([tmp_path]), quizzes=False, case_limits=tight, ref=ref)
    try:
        assert judge.sandboxed or judge.zygote.why_unsandboxed
        result = judge.grade(Submission(student="slow", origin="slow", modules=slow_submission()))
    finally:
        judge.close()
    failed = [(t.name, t.outcome, t.output[-200:]) for t in result.tests if t.status != "passed"]
    assert not failed
    assert len(result.tests) == len(measured.limits)
    with capsys.disabled():
        print(f"\nslow submission: full marks with every limit divided by 3 ({len(result.tests)} cases, "
              f"graded in {result.execution_time:.2f} s); limits: {measured.headline()}")


def test_a_call_starved_by_a_loaded_machine_gets_the_cpu_time_it_missed(zygote):
    """A call whose process is held off the CPU (here: stopped by SIGSTOP for 0.6 s) is not a slow
    student: at its deadline it gets the CPU time it missed, up to the cap (SPEC's wall limit holds
    for a call that had the machine)."""
    import os
    import threading
    import time

    source = "def work():\n    total = 0\n    for i in range(20000):\n        total += i\n    return total\n"
    with zygote.spawn({"bpe": source}) as child:
        assert child.call("bpe", "work", (), timeout=5).value == sum(range(20000))  # loaded, warm
        child._proc._read_status()
        pid = child._proc.b_pid
        assert pid is not None

        def hold() -> None:
            os.kill(pid, signal.SIGSTOP)
            time.sleep(0.6)
            os.kill(pid, signal.SIGCONT)

        holder = threading.Timer(0.0, hold)
        holder.start()
        time.sleep(0.05)  # B is stopped now
        out = child.call("bpe", "work", (), timeout=0.3)
        holder.join()
        assert out.kind == "ok" and out.value == sum(range(20000)), out.message
        assert out.seconds > 0.3  # it ran past its wall limit, as it was due


def test_a_quick_call_on_a_loaded_machine_counts_its_cpu_time():
    from grader.grading.limits import charged_seconds

    assert charged_seconds(Outcome("ok", seconds=0.2, cpu_seconds=0.002)) == 0.002  # waited for the CPU
    assert charged_seconds(Outcome("ok", seconds=0.2, cpu_seconds=0.15)) == 0.2     # had it: wall time
    assert charged_seconds(Outcome("ok", seconds=0.2)) == 0.2                       # child did not say
    assert charged_seconds(Outcome("timeout", seconds=0.3, cpu_seconds=0.0)) == 0.3
