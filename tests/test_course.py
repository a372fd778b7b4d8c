"""Course policy, the pure parts: the course file, the late arithmetic, times, overrides, views.

Hand-worked examples first (the numbers are worked out in the comments, not taken from the code),
then hypothesis properties, then malformed files (each one line naming file:line).
"""

from __future__ import annotations

import doctest
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import grader.course.apply
import grader.course.late
import grader.course.schema
import grader.yamlutil
from grader.course.apply import StudentPolicy
from grader.course.late import late_penalty, late_units, lateness, student_due, student_until
from grader.course.overrides import parse_overrides_csv, parse_overrides_yaml
from grader.course.schema import Course, CourseFormatError, Extension, LatePolicy, parse_course
from grader.course.times import gradescope_created_at, parse_submitted_at
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT
from grader.grading.results import SubmissionResult, TestResult

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
QUIZ_MODES = {"tokens": "practice", "final": "graded"}
PARTS = (*EXERCISE_MODULES, "tokens", "final")


def course(text: str, source: str = "course.yaml") -> Course:
    return parse_course(text, source=source, quiz_modes=QUIZ_MODES, parts=PARTS)


@pytest.mark.parametrize("module", [grader.course.late, grader.course.schema, grader.course.apply, grader.yamlutil])
def test_docstring_examples_hold(module):
    failures, tried = doctest.testmod(module)
    assert tried > 0 or module is grader.course.apply
    assert failures == 0


# ---------------------------------------------------------------------------------------------
# hand-worked examples
# ---------------------------------------------------------------------------------------------
def test_the_docs_example_by_hand():
    # due 23:59 Berlin (CET, +01:00) = 22:59 UTC; submitted 2026-11-22 08:00 Berlin = 07:00 UTC:
    # 1 d 8 h 1 min late -> 2 started days -> 2 x 10 % = 20 % of the 80 earned = 16
    c = course("timezone: Europe/Berlin\ndue: 2026-11-20 23:59\n"
               "late: {grace: 15m, penalty: 10%, per: day, cap: 30%}\n")
    assert c.due == datetime(2026, 11, 20, 22, 59, tzinfo=UTC)
    submitted = datetime(2026, 11, 22, 8, 0, tzinfo=BERLIN)
    assert late_penalty(80.0, 100.0, submitted, c.due, c.late) == 16.0
    # four started days would be 40 %, capped at 30 % of 80 = 24
    assert late_penalty(80.0, 100.0, c.due + timedelta(days=3, seconds=1), c.due, c.late) == 24.0
    # of the maximum instead: 20 % of 100 = 20
    of_max = LatePolicy(grace=timedelta(minutes=15), penalty=Fraction(1, 10), of="max")
    assert late_penalty(80.0, 100.0, submitted, c.due, of_max) == 20.0
    # ... but never more than was earned: 20 % of 100 from 5 earned leaves 0, not -15
    assert late_penalty(5.0, 100.0, submitted, c.due, of_max) == 5.0


def test_grace_is_exact_to_the_second():
    due = datetime(2026, 11, 20, 22, 59, tzinfo=UTC)
    policy = LatePolicy(grace=timedelta(minutes=15), penalty=Fraction(1, 10))
    assert late_penalty(50.0, 100.0, due + timedelta(minutes=15), due, policy) == 0.0
    assert late_penalty(50.0, 100.0, due + timedelta(minutes=15, seconds=1), due, policy) == 5.0
    assert late_penalty(50.0, 100.0, due + timedelta(minutes=15, microseconds=1), due, policy) == 5.0


def test_per_hour_counts_started_hours():
    due = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    policy = LatePolicy(penalty=Fraction(2, 100), per="hour")
    # 2 h 30 min late = 3 started hours = 6 % of 50 = 3
    assert late_penalty(50.0, 100.0, due + timedelta(hours=2, minutes=30), due, policy) == 3.0
    assert late_units(timedelta(hours=1), policy) == 1 and late_units(timedelta(hours=1, seconds=1), policy) == 2


def test_no_late_work_and_the_late_due_date():
    due = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    refuse = LatePolicy(accept=False, grace=timedelta(minutes=5))
    assert late_penalty(40.0, 100.0, due + timedelta(minutes=5), due, refuse) == 0.0    # within grace
    assert late_penalty(40.0, 100.0, due + timedelta(minutes=6), due, refuse) == 40.0   # everything
    until = due + timedelta(days=2)
    policy = LatePolicy(penalty=Fraction(1, 10))
    assert late_penalty(40.0, 100.0, until, due, policy, until) == 8.0                 # 2 days: 20 %
    assert late_penalty(40.0, 100.0, until + timedelta(seconds=1), due, policy, until) == 40.0


def test_an_extension_moves_that_students_dates_only():
    c = course("due: 2026-11-20 23:59\nlate: {penalty: 10%, until: 2026-11-22 23:59}\n"
               "extensions:\n  s1: 2d\n  s2: 2026-11-30 12:00\n")
    assert student_due(c, "s1") == c.due + timedelta(days=2)
    assert student_until(c, "s1") == c.late.until + timedelta(days=2)     # the late window moves too
    assert student_due(c, "s2") == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert student_due(c, "s3") == c.due and student_until(c, "s3") == c.late.until


def test_time_zones_and_dst():
    # Berlin leaves summer time on 2026-10-25: 12:00 on the 24th is +02:00, on the 26th +01:00
    c = course("timezone: Europe/Berlin\ndue: 2026-10-24 12:00\n")
    assert c.due == datetime(2026, 10, 24, 10, 0, tzinfo=UTC)
    c = course("timezone: Europe/Berlin\ndue: 2026-10-26 12:00\n")
    assert c.due == datetime(2026, 10, 26, 11, 0, tzinfo=UTC)
    # across the change, lateness is real time, not wall clock: 12:00 (+02:00) on the 24th to 11:30
    # (+01:00) on the 25th reads as 23 h 30 min on the wall but is 24 h 30 min late: 2 started days
    due = course("timezone: Europe/Berlin\ndue: 2026-10-24 12:00\n").due
    submitted = datetime(2026, 10, 25, 11, 30, tzinfo=BERLIN)
    assert submitted.replace(tzinfo=None) - datetime(2026, 10, 24, 12, 0) == timedelta(hours=23, minutes=30)
    assert lateness(submitted, due) == timedelta(hours=24, minutes=30)
    assert late_units(lateness(submitted, due), LatePolicy()) == 2
    # the trap this avoids: both ends in the same zone object subtract by wall clock in Python
    assert lateness(submitted, due.astimezone(BERLIN)) == timedelta(hours=24, minutes=30)
    # an explicit offset wins over the time zone; Z is UTC
    assert course("timezone: America/New_York\ndue: 2026-11-20T23:59:00Z\n").due == datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
    assert course("timezone: America/New_York\ndue: 2026-11-20 23:59\n").due == datetime(2026, 11, 21, 4, 59, tzinfo=UTC)


@pytest.mark.parametrize("text, message", [
    ("timezone: Europe/Berlin\ndue: 2026-03-29 02:30\n", "does not exist in Europe/Berlin"),
    ("timezone: Europe/Berlin\ndue: 2026-10-25 02:30\n", "happens twice in Europe/Berlin"),
])
def test_dst_gaps_and_repeats_are_refused(text, message):
    with pytest.raises(CourseFormatError, match=f"^course.yaml:2: field 'due': .*{message}"):
        course(text)


def test_submission_times_csv():
    c = course("timezone: Europe/Berlin\ndue: 2026-11-20 23:59\n")
    times = parse_submitted_at("\ufeffStudent,Name,submitted_at\nalice,A,2026-11-20 23:41\n"
                               "bob,B,2026-11-22T08:00:00+01:00\n\n", c, source="times.csv")
    assert times == {"alice": datetime(2026, 11, 20, 22, 41, tzinfo=UTC), "bob": datetime(2026, 11, 22, 7, 0, tzinfo=UTC)}
    for text, message in [("student,when\n", "times.csv:1: no column submitted_at"),
                          ("student,submitted_at\nalice,yesterday\n", "times.csv:2: submitted_at: expected a date"),
                          ("student,submitted_at\na,2026-11-20 10:00\na,2026-11-20 11:00\n", "times.csv:3: a already"),
                          ("student,submitted_at\n../x,2026-11-20 10:00\n", "times.csv:2: '../x' is not a student ID")]:
        with pytest.raises(CourseFormatError, match="^" + message):
            parse_submitted_at(text, c, source="times.csv")


def test_gradescope_created_at():
    c = course("timezone: Europe/Berlin\n")
    meta = {"created_at": "2018-07-01T14:22:32.365935-07:00"}
    assert gradescope_created_at(meta, c) == datetime(2018, 7, 1, 21, 22, 32, 365935, tzinfo=UTC)
    assert gradescope_created_at({}, c) is None and gradescope_created_at({"created_at": "soon"}, c) is None


def test_overrides_csv_and_yaml():
    csv_text = ("student,target,points,reason,by\ns1,bpe,+2,\"regrade, request 14\",Dr. Lee\n"
                "s2,total,-5,copied code,\n")
    first, second = parse_overrides_csv(csv_text, source="o.csv")
    assert (first.student, first.target, first.points, first.by) == ("s1", "bpe", 2.0, "Dr. Lee")
    assert first.label() == "override: +2 by Dr. Lee: regrade, request 14"
    assert second.label() == "override: -5 by instructor: copied code"
    (only,) = parse_overrides_yaml("- {student: s1, target: final, points: 1.5, reason: typo in q3}\n")
    assert only.points == 1.5 and only.target == "final"
    for text, message in [("student,target,points\ns1,bpe,2\n", "o.csv:1: no column reason"),
                          ("student,target,points,reason\ns1,bpe,lots,x\n", "o.csv:2: points: 'lots' is not a number"),
                          ("student,target,points,reason\ns1,bpe,2,\n", "o.csv:2: reason: missing"),
                          ("student,target,points,reason\ns1,bpe,0,x\n", "o.csv:2: points: expected a signed number")]:
        with pytest.raises(CourseFormatError, match="^" + message):
            parse_overrides_csv(text, source="o.csv")


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC))
policies = st.builds(
    LatePolicy, accept=st.booleans(), grace=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2)),
    penalty=st.fractions(min_value=0, max_value=1, max_denominator=100), per=st.sampled_from(["day", "hour"]),
    of=st.sampled_from(["score", "max"]),
    cap=st.none() | st.fractions(min_value=0, max_value=1, max_denominator=100))
points = st.floats(min_value=0, max_value=1000, allow_nan=False)


@given(earned=points, extra=points, submitted=moments, due=moments, policy=policies,
       until_after=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)))
@example(earned=10.0, extra=0.0, submitted=datetime(2026, 1, 2, tzinfo=UTC), due=datetime(2026, 1, 1, tzinfo=UTC),
         policy=LatePolicy(penalty=Fraction(1), of="max"), until_after=None)
def test_a_penalty_never_raises_a_score_nor_goes_below_zero(earned, extra, submitted, due, policy, until_after):
    possible = earned + extra
    until = None if until_after is None else due + until_after
    penalty = late_penalty(earned, possible, submitted, due, policy, until)
    assert 0.0 <= penalty <= earned
    assert earned - penalty >= 0.0
    if submitted <= due + policy.grace:
        assert penalty == 0.0


@given(earned=points, due=moments, policy=policies, a=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
       b=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
def test_later_never_costs_less(earned, due, policy, a, b):
    early, late = sorted([a, b])
    assert late_penalty(earned, earned, due + early, due, policy) <= late_penalty(earned, earned, due + late, due, policy)


@given(grace=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)), due=moments)
def test_the_grace_boundary_is_exact(grace, due):
    policy = LatePolicy(grace=grace, penalty=Fraction(1, 10))
    assert late_penalty(10.0, 10.0, due + grace, due, policy) == 0.0
    assert late_penalty(10.0, 10.0, due + grace + timedelta(microseconds=1), due, policy) > 0.0


@given(by=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=14)),
       others=st.lists(st.from_regex(r"s[0-9]{1,6}", fullmatch=True), min_size=1, max_size=5),
       submitted_after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)))
def test_an_extension_moves_the_due_date_for_that_student_only(by, others, submitted_after):
    base = course("due: 2026-11-20 23:59\nlate: {penalty: 10%}\n")
    extended = Course(**{**base.__dict__, "extensions": {"ext": Extension(by=by)}})
    assert student_due(extended, "ext") == base.due + by
    for other in others:
        assert student_due(extended, other) == base.due
    submitted = base.due + submitted_after
    with_ext = late_penalty(10.0, 10.0, submitted, student_due(extended, "ext"), extended.late)
    without = late_penalty(10.0, 10.0, submitted, base.due, base.late)
    assert with_ext <= without


@given(instant=moments, zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC",
                                              "Australia/Lord_Howe"]))
def test_the_same_instant_in_any_zone_costs_the_same(instant, zone):
    due = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # the night Berlin springs forward
    policy = LatePolicy(penalty=Fraction(1, 10), per="hour")
    assert (late_penalty(10.0, 10.0, instant.astimezone(ZoneInfo(zone)), due, policy)
            == late_penalty(10.0, 10.0, instant, due, policy))


# ---------------------------------------------------------------------------------------------
# views: what a student may see, when
# ---------------------------------------------------------------------------------------------
def sample_result() -> SubmissionResult:
    return SubmissionResult(student="s1", tests=[
        TestResult("bpe.train_bpe: the lesson's example", 2.0, 2.0, "passed", "passed", part="bpe"),
        TestResult("bpe.train_bpe: ties", 0.0, 1.0, "failed", "BPE tie-break: which pair occurs first?",
                   part="bpe", outcome="wrong", hidden=True),
        TestResult("quiz.final: q1", 0.0, 2.0, "failed", "Why: One row per token, one column per dimension",
                   part="final", outcome="wrong"),
        TestResult("quiz.tokens: q1", 1.0, 1.0, "passed", "correct", part="tokens", outcome="passed"),
    ])


def test_visibility_per_policy_and_time():
    c = course("due: 2026-11-20 23:59\nvisibility: {graded_quiz: after_published}\n")
    before = StudentPolicy("s1", c, now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    data = before.gradescope(sample_result())
    assert [t["visibility"] for t in data["tests"]] == ["visible", "after_due_date", "after_published", "visible"]
    text = before.feedback(sample_result(), sample_result().part_max())
    assert "ties" not in text and "tie-break" not in text and "Why:" not in text and "quiz.final" not in text
    assert "Score on the checks you can see now: 3 / 3" in text          # 2 + 1 of the visible, no total
    assert "2 more checks (3 points), and your total" in text
    after = StudentPolicy("s1", c, now=datetime(2026, 11, 21, 0, 0, tzinfo=UTC))
    text = after.feedback(sample_result(), sample_result().part_max())
    assert "tie-break" in text and "Why:" not in text                  # the graded quiz waits for publishing
    published = StudentPolicy("s1", Course(**{**c.__dict__, "published": True}), now=after.now)
    text = published.feedback(sample_result(), sample_result().part_max())
    assert "Why: One row per token" in text
    # weights: modules at raw points, the graded quiz 2, the practice quiz 0 -> 3 of 5; the raw score stays
    assert "**Score: 2 / 5**" in text and "Points of the checks: 3 / 6" in text


def test_the_view_key_changes_with_the_phase_not_with_the_clock():
    c = course("due: 2026-11-20 23:59\n")
    at = lambda h: StudentPolicy("s1", c, now=datetime(2026, 11, 20, h, 0, tzinfo=UTC)).view_key("k")  # noqa: E731
    assert at(1) == at(2) != StudentPolicy("s1", c, now=datetime(2026, 11, 21, tzinfo=UTC)).view_key("k")


def test_results_json_score_is_final_and_extra_data_has_the_raw():
    c = course("due: 2026-11-20 23:59\nlate: {penalty: 50%}\nweights: {tokens: 1}\n")
    submitted = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    from grader.course.overrides import Override
    policy = StudentPolicy("s1", c, submitted, (Override("s1", "bpe", 1.0, "tie rule unclear"),),
                           now=datetime(2026, 12, 1, tzinfo=UTC))
    data = policy.gradescope(sample_result())
    # weighted = bpe 2 of 3 + final 0 of 2 + tokens 1 (weight 1) = 3 of 6; 1 day late: 50 % of 3 = 1.5; +1 override
    assert data["extra_data"]["raw_score"] == 3.0 and data["extra_data"]["weighted"] == 3.0
    assert data["extra_data"]["late_penalty"] == 1.5 and data["score"] == 2.5
    assert data["tests"][-1]["output"] == "override: +1 by instructor: tie rule unclear"
    assert "Late penalty: -1.5 points." in data["output"]


# ---------------------------------------------------------------------------------------------
# malformed course files: one line each, naming file and line
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ("due: 2026-11-20 23:59\ndue: 2026-11-21 23:59\n", "course.yaml:2: malformed YAML: duplicate key 'due'"),
    ("grase: 15m\n", "course.yaml:1: field 'grase': unknown field"),
    ("due: [\n", "course.yaml:2: malformed YAML"),
    ("timezone: Mars/Olympus\n", "course.yaml:1: field 'timezone': unknown time zone 'Mars/Olympus'"),
    ("due: 2026-11-20\n", "course.yaml:1: field 'due': 2026-11-20 has no time of day"),
    ("due: tomorrow\n", "course.yaml:1: field 'due': expected a date and time"),
    ("due: 2026-11-20 23:59\nlate:\n  grace: 15\n", "course.yaml:3: late: field 'grace': expected a duration"),
    ("due: 2026-11-20 23:59\nlate:\n  per: week\n", "course.yaml:3: late: field 'per': expected 'day' or 'hour'"),
    ("due: 2026-11-20 23:59\nlate:\n  penalty: 0.1\n", "course.yaml:3: late: field 'penalty': expected a percentage"),
    ("due: 2026-11-20 23:59\nlate:\n  cap: 150%\n", "course.yaml:3: late: field 'cap': expected at most 100%"),
    ("due: 2026-11-20 23:59\nlate:\n  until: 2026-11-19 23:59\n", "course.yaml:3: late: field 'until': is before"),
    ("late:\n  accept: false\n  penalty: 10%\n", "course.yaml:2: late: field 'accept': no late work"),
    ("extensions:\n  s1: 2d\n", "course.yaml:2: field 'extensions': extensions move the due date"),
    ("due: 2026-11-20 23:59\nextensions:\n  s1: soon\n", "course.yaml:3: extensions: field 's1': expected a duration"),
    ("weights:\n  bpee: 10\n", "course.yaml:2: weights: field 'bpee': no such part"),
    ("weights:\n  bpe: -1\n", "course.yaml:2: weights: field 'bpe': expected points"),
    ("visibility:\n  hidden: later\n", "course.yaml:2: visibility: field 'hidden': expected one of visible"),
    ("visibility:\n  secret: hidden\n", "course.yaml:2: visibility: field 'secret': unknown field"),
    ("published: maybe\n", "course.yaml:1: field 'published': expected true or false"),
    ("- due\n", "course.yaml:1: expected a mapping of fields"),
    ("submitted_at: nowhere.csv\n", "course.yaml:1: field 'submitted_at': nowhere.csv: no such file"),
])
def test_malformed_course_files(text, message):
    with pytest.raises(CourseFormatError) as info:
        course(text)
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_the_example_course_file_loads():
    from grader.course import load_course
    from grader.grading.engine import load_quizzes_or_none

    quizzes = load_quizzes_or_none()
    c = load_course(PROJECT_ROOT / "examples" / "course.yaml", quiz_modes={q.id: q.mode for q in quizzes},
                    parts=(*EXERCISE_MODULES, *(q.id for q in quizzes)))
    assert c.due is not None and c.extensions and c.submitted_at is not None


def test_warnings_name_what_of_the_policy_cannot_apply():
    from grader.course.apply import CourseRun

    with_due = course("due: 2026-11-20 23:59\n")
    assert "no submission times given" in CourseRun(course=with_due).warnings(["a"])[0]
    assert CourseRun(course=with_due, times={"a": with_due.due}, times_source="t.csv").warnings(["a"]) == []
    (line,) = CourseRun(course=with_due, times={"a": with_due.due}, times_source="t.csv").warnings(["a", "b"])
    assert line.startswith("1 student(s) have no time in t.csv (b)")
    (line,) = CourseRun(course=course("late: {penalty: 10%}\n")).warnings(["a"])
    assert "has no due date" in line
    assert CourseRun(course=course("weights: {bpe: 1}\n")).warnings(["a"]) == []
    assert CourseRun().warnings(["a"]) == []
