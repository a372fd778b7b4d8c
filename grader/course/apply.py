"""The course policy applied to a graded result: final score, what the student sees, the files.

Grading decides test results; the course decides scores and visibility. So the policy is applied
*after* grading, from the stored result, and never makes the engine run student code again: a
changed course file (a new weight, an extension, a corrected due date) rewrites the files of the
students it concerns in a moment. The same stored result and the same policy always give the same
bytes: nothing here reads a clock except through ``CourseRun.now``, and ``now`` only decides which
of two phases a student is in (before or after their due date), which is part of the view key.

The steps, for one student (``StudentPolicy.apply``):

1. raw points per part (module or quiz), from the tests;
2. ``weighted`` = sum over parts of weight * points / max (weights: the course file's, else the raw
   points; practice quizzes 0); ``final_max`` = sum of the weights;
3. the late penalty on ``weighted`` (:mod:`grader.course.late`);
4. overrides, last; ``final`` = max(0, weighted - penalty + overrides).

Worked example: raw bpe 30/40, lookup 20/20, practice quiz 3/4; weights bpe 50, lookup 50, so
weighted = 50 * 30/40 + 50 * 20/20 = 87.5 of 100; one day late at 10 % of the score: 8.75 off;
an override of +2: final = 80.75.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from ..grading.results import GradebookRow, SubmissionResult, TestResult, student_files
from . import late as late_rules
from .overrides import TOTAL, Override
from .schema import Course

REMOVED_STATUS = "not in the class folder any more"


@dataclass(frozen=True)
class Applied:
    """The numbers the course makes of one result (all in points, rounded to 1e-6)."""

    raw: float
    raw_max: float
    weighted: float
    final_max: float
    late_penalty: float
    overrides: float
    final: float
    submitted_at: datetime | None
    due: datetime | None
    late: str            # "" when on time or unknown, else e.g. "1 d 8 h late (2 days)"


@dataclass(frozen=True)
class StudentPolicy:
    """What the course says about one student, as plain data a worker process can receive."""

    student: str
    course: Course | None
    submitted_at: datetime | None = None
    overrides: tuple[Override, ...] = ()
    now: datetime = datetime(1970, 1, 1, tzinfo=timezone.utc)

    # --- phases ------------------------------------------------------------------------------
    @property
    def due(self) -> datetime | None:
        return late_rules.student_due(self.course, self.student) if self.course else None

    def may_see(self, visibility: str) -> bool:
        """Whether the student may see a test of this visibility *now* (Gradescope's meaning).

        ``after_due_date`` without a due date waits for ``published``, like ``after_published``.
        """
        if visibility == "visible":
            return True
        if visibility == "hidden" or self.course is None:
            return visibility != "hidden"
        if visibility == "after_due_date" and self.due is not None:
            return self.now >= self.due
        return self.course.published

    def visibility_of(self, test: TestResult) -> str:
        if self.course is None:
            return test.visibility
        if test.name.startswith("quiz."):
            kind = "practice_quiz" if self.course.quiz_modes.get(test.part) == "practice" else "graded_quiz"
        else:
            kind = "hidden" if test.hidden else "public"
        return self.course.visibility[kind]

    def phase(self) -> str:
        """What of the visibility policy is in force now: enters the view key (not ``now`` itself)."""
        if self.course is None:
            return "no course"
        due = self.due
        return f"due passed={due is not None and self.now >= due}; published={self.course.published}"

    def view_key(self, result_key: str) -> str:
        """Hash of everything the student's files depend on besides the stored result's own key."""
        parts = [result_key, self.phase()]
        if self.course is not None:
            parts += [self.course.source, self.course.text,
                      self.submitted_at.isoformat() if self.submitted_at else "",
                      json.dumps([(o.target, o.points, o.reason, o.by) for o in self.overrides])]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    # --- the numbers -------------------------------------------------------------------------
    def apply(self, result: SubmissionResult) -> Applied:
        raw, raw_max = result.score, result.max_score
        if self.course is None:
            return Applied(raw, raw_max, raw, raw_max, 0.0, 0.0, raw, None, None, "")
        part_max = result.part_max()
        scores = result.part_scores()
        weighted = final_max = 0.0
        for part, most in part_max.items():
            weight = self.course.weight(part, most)
            final_max += weight
            if most > 0:
                weighted += weight * scores.get(part, 0.0) / most
        weighted, final_max = round(weighted, 6), round(final_max, 6)
        due = self.due
        until = late_rules.student_until(self.course, self.student)
        penalty = late_rules.late_penalty(weighted, final_max, self.submitted_at, due, self.course.late, until)
        late_text = ""
        if self.submitted_at is not None and due is not None and self.submitted_at > due:
            lateness = late_rules.lateness(self.submitted_at, due)
            units = late_rules.late_units(lateness, self.course.late)
            unit = self.course.late.per
            late_text = (f"{late_rules.describe_lateness(lateness)} late, within the grace period" if units == 0
                         else f"{late_rules.describe_lateness(lateness)} late ({units} {unit}{'s' * (units != 1)})")
            if until is not None and self.submitted_at > until and units:
                late_text += ", after the late due date"
            elif not self.course.late.accept and units:
                late_text += ", no late work accepted"
        extra = round(sum(o.points for o in self.overrides), 6)
        final = round(max(0.0, weighted - penalty + extra), 6)
        return Applied(raw, raw_max, weighted, final_max, penalty, extra, final, self.submitted_at, due, late_text)

    def row(self, result: SubmissionResult, *, removed: bool = False) -> GradebookRow:
        """The gradebook row: SPEC's columns from the raw result, then late_penalty, final, submitted_at."""
        row = GradebookRow.of(result)
        numbers = self.apply(result)
        row.late_penalty = numbers.late_penalty
        row.final = numbers.final
        row.submitted_at = self.local(numbers.submitted_at)
        row.overrides = "; ".join(f"{o.target}: {o.label()}" for o in self.overrides)
        if removed:
            row.error = REMOVED_STATUS
            row.status = f"error: {REMOVED_STATUS}"
        return row

    def local(self, moment: datetime | None) -> str:
        """ISO 8601 in the course's time zone (the gradebook's and extra_data's form)."""
        if moment is None:
            return ""
        zone = self.course.timezone if self.course else timezone.utc
        return moment.astimezone(zone).isoformat(timespec="seconds")

    def human(self, moment: datetime) -> str:
        """``2026-11-20 23:59 CET`` (seconds when there are some): what a student reads."""
        zone = self.course.timezone if self.course else timezone.utc
        at = moment.astimezone(zone)
        return at.strftime("%Y-%m-%d %H:%M" + (":%S" if at.second else "") + " %Z")

    # --- what is shown -----------------------------------------------------------------------
    def summary_lines(self, numbers: Applied) -> list[str]:
        """The lines about due date, lateness, penalty and overrides (results.json output, feedback)."""
        if self.course is None:
            return []
        lines = []
        if numbers.due is not None:
            ext = " (your extension)" if self.student in self.course.extensions else ""
            lines.append(f"Due {self.human(numbers.due)}{ext}.")
        if numbers.submitted_at is not None:
            lines.append(f"Submitted {self.human(numbers.submitted_at)}"
                         + (f": {numbers.late}." if numbers.late else ": on time."))
        if numbers.late_penalty:
            lines.append(f"Late penalty: -{numbers.late_penalty:g} points.")
        lines += [f"{o.target}: {o.label()}" for o in self.overrides]
        return lines

    def gradescope(self, result: SubmissionResult) -> dict:
        """results.json with the course applied: ``score`` is final, ``extra_data`` the raw numbers."""
        data = result.gradescope()
        if self.course is None:
            return data
        numbers = self.apply(result)
        for test, entry in zip(result.tests, data["tests"]):
            entry["visibility"] = self.visibility_of(test)
        start = len(data["tests"])
        for i, o in enumerate(self.overrides, start=start + 1):
            data["tests"].append({"name": f"override: {o.target}", "number": f"{i}", "score": o.points,
                                  "max_score": 0.0, "status": "passed", "output": o.label(),
                                  "visibility": "visible", "tags": ["override"]})
        data["score"] = numbers.final
        data["output"] = "\n".join(self.summary_lines(numbers) + ([data["output"]] if data["output"] else []))
        data["extra_data"].update({
            "raw_score": numbers.raw, "raw_max_score": numbers.raw_max, "weighted": numbers.weighted,
            "final_max": numbers.final_max, "late_penalty": numbers.late_penalty,
            "overrides": [{"target": o.target, "points": o.points, "reason": o.reason, "by": o.by}
                          for o in self.overrides],
            "final": numbers.final, "submitted_at": self.local(numbers.submitted_at),
            "due": self.local(numbers.due)})
        return data

    def feedback(self, result: SubmissionResult, part_max: dict[str, float]) -> str:
        """feedback.md holding only what the student may see now (Gradescope's rules, applied today)."""
        if self.course is None:
            return result.feedback_markdown(part_max)
        numbers = self.apply(result)
        shown, withheld = [], []
        for t in result.tests:
            (shown if self.may_see(self.visibility_of(t)) else withheld).append(t)
        view = replace(result, tests=shown)
        visible_max: dict[str, float] = {}
        for t in shown:
            visible_max[t.part] = visible_max.get(t.part, 0.0) + t.max_score
        if any(t.max_score for t in withheld):
            # Gradescope: "If test cases are hidden, students will not be able to see their total score."
            when = self.withheld_until(withheld)
            head = [f"**Score on the checks you can see now: {view.score:g} / {view.max_score:g}**", "",
                    f"{len(withheld)} more checks ({sum(t.max_score for t in withheld):g} points), and your total, "
                    f"are shown {when}.", ""]
        else:
            head = [f"**Score: {numbers.final:g} / {numbers.final_max:g}**", ""]
            if (numbers.final, numbers.final_max) != (numbers.raw, numbers.raw_max):
                head += [f"Points of the checks: {numbers.raw:g} / {numbers.raw_max:g}; weighted: "
                         f"{numbers.weighted:g} / {numbers.final_max:g}.", ""]
        about = self.summary_lines(numbers)
        head += [*about, ""] if about else []
        return view.feedback_markdown(visible_max, score_lines=head)

    def withheld_until(self, withheld: list[TestResult]) -> str:
        kinds = {self.visibility_of(t) for t in withheld}
        if "after_due_date" in kinds and self.due is not None:
            return f"after the due date ({self.human(self.due)})"
        if kinds <= {"hidden"}:
            return "only to your instructor"
        return "when your instructor publishes the grades"

    def files(self, result: SubmissionResult, part_max: dict[str, float]) -> dict[str, str]:
        """The texts of ``<student>/results.json`` and ``feedback.md``, by name (a cluster worker
        makes them; the client writes them); without a course, as before."""
        if self.course is None:
            return student_files(result, part_max)
        return {"results.json": json.dumps(self.gradescope(result)) + "\n",
                "feedback.md": self.feedback(result, part_max)}

    def write_files(self, out: Path, result: SubmissionResult, part_max: dict[str, float]) -> None:
        """``<student>/results.json`` and ``feedback.md``, atomically; without a course, as before."""
        from ..fsutil import atomic_write_text

        folder = Path(out) / result.student
        for name, text in self.files(result, part_max).items():
            atomic_write_text(folder / name, text)


@dataclass
class CourseRun:
    """The course policy of one ``embedlab grade`` run: the course, submission times, overrides, now."""

    course: Course | None = None
    times: dict[str, datetime] = field(default_factory=dict)
    overrides: list[Override] = field(default_factory=list)
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    times_source: str = ""

    def for_student(self, student: str) -> StudentPolicy:
        if self.course is None:
            return StudentPolicy(student, None, now=self.now)
        mine = tuple(o for o in self.overrides if o.student == student)
        return StudentPolicy(student, self.course, self.times.get(student), mine, self.now)

    def warnings(self, students: list[str]) -> list[str]:
        """One line each: what of the policy cannot be applied (never a silent guess)."""
        if self.course is None:
            return []
        if self.course.due is None:
            if self.times or self.course.late.penalty or not self.course.late.accept:
                return [f"{self.course.source} has no due date ('due:'): submission times and the late policy "
                        "are not used (on Gradescope, its own due date is)"]
            return []
        if not self.times_source:
            return ["no submission times given (--submitted-at FILE or submitted_at: in the course file): the late "
                    "policy is off; file modification times are never used"]
        missing = sorted(s for s in students if s not in self.times)
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            return [f"{len(missing)} student(s) have no time in {self.times_source} ({shown}): no late penalty "
                    "for them"]
        return []
