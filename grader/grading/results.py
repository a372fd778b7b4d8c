"""A student's result and the files made from it: results.json, feedback.md, gradebook.csv.

``results.json`` follows Gradescope's autograder specification (top level ``score``,
``execution_time``, ``output``, ``tests[]`` with ``name``, ``score``, ``max_score``, ``status``,
``output``, ``visibility``); a hidden case's ``output`` holds only its concept and hint, never its
inputs or expected values. The result of one student is a plain dataclass that round-trips through
JSON, so the SQLite store can keep it and a re-run can rewrite every file from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..fsutil import atomic_write_text, spreadsheet_csv
from ..paths import EXERCISE_MODULES


@dataclass
class TestResult:
    """One line of results.json: a graded case or a quiz question."""

    __test__ = False  # not a pytest test class

    name: str                 # "<module>.<function>: <case>" or "quiz.<quiz>: <question>"
    score: float
    max_score: float
    status: str               # "passed" | "failed"
    output: str               # what the student may read
    visibility: str = "visible"
    part: str = ""            # module or quiz id: the gradebook column it counts in
    outcome: str = ""         # passed, wrong, raised, not_attempted, timeout, memory, crashed, missing
    hidden: bool = False
    answer: str | None = None  # quiz questions: the student's answer, normalised (quiz.answer_text)


@dataclass
class SubmissionResult:
    student: str
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)      # submission-level messages (SPEC: output)
    error: str | None = None                             # refused / could not be graded
    problems: list[str] = field(default_factory=list)   # graded, but flagged in the status column
    execution_time: float = 0.0
    sandboxed: bool = True
    files_hash: str = ""

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    @property
    def status(self) -> str:
        reasons = ([self.error] if self.error else []) + self.problems
        return f"error: {'; '.join(reasons)}" if reasons else "ok"

    def part_scores(self) -> dict[str, float]:
        parts: dict[str, float] = {}
        for t in self.tests:
            parts[t.part] = round(parts.get(t.part, 0.0) + t.score, 6)
        return parts

    def part_max(self) -> dict[str, float]:
        """Points possible per part (module or quiz), in the order the tests come."""
        parts: dict[str, float] = {}
        for t in self.tests:
            parts[t.part] = parts.get(t.part, 0.0) + t.max_score
        return parts

    # --- persistence -------------------------------------------------------------------------
    def to_json(self) -> str:
        # every field is plain data: a shallow dict per test (dataclasses.asdict deep-copies, slowly)
        data = dict(vars(self), tests=[vars(t) for t in self.tests], notes=list(self.notes),
                    problems=list(self.problems))
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "SubmissionResult":
        data = json.loads(text)
        data["tests"] = [TestResult(**t) for t in data["tests"]]
        return cls(**data)

    # --- Gradescope's results.json -----------------------------------------------------------
    def gradescope(self) -> dict:
        output = "\n".join(([f"Not graded: {self.error}"] if self.error else [])
                           + [f"Problem: {p}" for p in self.problems] + self.notes)
        if not self.sandboxed:
            output = ("WARNING: graded WITHOUT the sandbox (no namespaces on this machine).\n" + output).strip()
        return {
            "score": self.score,
            "execution_time": round(self.execution_time, 3),
            "output": output,
            "output_format": "text",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "extra_data": {"max_score": self.max_score, "status": self.status},
            "tests": [
                {"name": t.name, "number": f"{i}", "score": t.score, "max_score": t.max_score,
                 "status": t.status, "output": t.output, "visibility": t.visibility,
                 "tags": [t.part] + (["hidden"] if t.hidden else []),
                 **({"extra_data": {"answer": t.answer}} if t.answer is not None else {})}
                for i, t in enumerate(self.tests, start=1)
            ],
        }

    # --- the feedback a student reads --------------------------------------------------------
    def feedback_markdown(self, part_max: dict[str, float], *, score_lines: list[str] | None = None) -> str:
        """The student's feedback.md; ``score_lines`` replace the score line (the course policy's view)."""
        lines = [f"# embedlab feedback for {self.student}", ""]
        if self.error:
            lines += [f"**Not graded:** {self.error}", ""]
        for problem in self.problems:
            lines += [f"**Problem:** {problem}", ""]
        lines += score_lines if score_lines is not None else [f"**Score: {_num(self.score)} / {_num(self.max_score)}**", ""]
        parts = self.part_scores()
        lines += ["| part | score | out of |", "|---|---:|---:|"]
        lines += [f"| {p} | {_num(parts.get(p, 0))} | {_num(m)} |" for p, m in part_max.items()]
        if self.notes:
            lines += ["", "## About your files", *[f"- {n}" for n in self.notes]]
        failed = [t for t in self.tests if t.status == "failed"]
        not_attempted = [t for t in failed if t.outcome == "not_attempted"]
        wrong = [t for t in failed if t.outcome != "not_attempted"]
        if wrong:
            lines += ["", "## What to fix"]
            groups: dict[str, list[TestResult]] = {}
            for t in wrong:  # one cause (a file that did not load) fails many cases: say it once
                groups.setdefault(t.output.strip(), []).append(t)
            for output, tests in groups.items():
                lost = sum(t.max_score - t.score for t in tests)
                if len(tests) == 1:
                    lines += ["", f"### {tests[0].name} (lost {_num(lost)})", "", output]
                else:
                    lines += ["", f"### {len(tests)} cases with the same problem (lost {_num(lost)})", "",
                              *[f"- {t.name}" for t in tests], "", output]
        if not_attempted:
            funcs = sorted({t.name.split(":")[0] for t in not_attempted})
            lines += ["", "## Not attempted yet", *[f"- {f}" for f in funcs]]
        passed = sum(t.status == "passed" for t in self.tests)
        lines += ["", f"{passed} of {len(self.tests)} checks passed."]
        return "\n".join(lines) + "\n"


@dataclass
class GradebookRow:
    """What the gradebook needs of a result: kept for every student while a class is graded,
    instead of the whole result with its hundreds of tests (5,000 of those took a gigabyte)."""

    student: str
    score: float
    max_score: float
    parts: dict[str, float]
    status: str
    error: str | None = None
    # the course policy's columns (grader/course); without a course: no penalty, final = score
    late_penalty: float = 0.0
    final: float | None = None
    submitted_at: str = ""
    overrides: str = ""

    @classmethod
    def of(cls, result: SubmissionResult) -> "GradebookRow":
        return cls(result.student, result.score, result.max_score, result.part_scores(), result.status,
                   result.error)

    def part_scores(self) -> dict[str, float]:
        return self.parts


def _num(x: float) -> str:
    return f"{x:g}"


#: columns after SPEC 7's, in this order (docs/course.md): what the course policy made of the score
COURSE_COLUMNS = ("late_penalty", "final_score", "submitted_at", "overrides")


def gradebook_csv(results: list[SubmissionResult] | list[GradebookRow], quiz_ids: list[str]) -> str:
    """SPEC 7's gradebook: student, score, max_score, one column per exercise and quiz, status;
    then the course policy's late_penalty, final, submitted_at and overrides."""
    parts = (*EXERCISE_MODULES, *quiz_ids)
    rows = [["student", "score", "max_score", *parts, "status", *COURSE_COLUMNS]]
    for r in sorted(results, key=lambda r: r.student):
        scores = r.part_scores()
        final = getattr(r, "final", None)
        rows.append([r.student, r.score, r.max_score, *(scores.get(c, 0.0) for c in parts), r.status,
                     getattr(r, "late_penalty", 0.0), r.score if final is None else final,
                     getattr(r, "submitted_at", ""), getattr(r, "overrides", "")])
    return spreadsheet_csv(rows)


def student_files(result: SubmissionResult, part_max: dict[str, float]) -> dict[str, str]:
    """The files of ``<out>/<student>/``, by name: ``results.json`` and ``feedback.md``.

    Made where the student was graded (a pool worker, a cluster worker), written by whoever may
    write the output folder.
    """
    # compact: json's indenting encoder is pure Python and was a fifth of a class's grading time
    return {"results.json": json.dumps(result.gradescope()) + "\n",
            "feedback.md": result.feedback_markdown(part_max)}


def write_student_files(out_dir, result: SubmissionResult, part_max: dict[str, float]) -> None:
    folder = out_dir / result.student
    for name, text in student_files(result, part_max).items():
        atomic_write_text(folder / name, text)
