"""Graded output folders made without grading, for the class report's tests and bench.

A folder is written with the grader's own writers (``SubmissionResult``, ``write_student_files``,
``Store``, ``gradebook_csv``), so it is exactly what ``embedlab grade`` leaves, but its results are
chosen: hand-made for the tests, or drawn from a simple model for the bench (student ability
against item difficulty, a logistic curve, as item response theory has it).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from grader.casekit import collect_cases
from grader.grading.engine import STORE_NAME
from grader.fsutil import atomic_write_text
from grader.paths import QUIZZES_DIR
from grader.quiz import load_quizzes
from grader.grading.results import SubmissionResult, TestResult, gradebook_csv, write_student_files
from grader.grading.store import Store


def case(name: str, part: str, passed: bool, *, points: float = 1.0, outcome: str | None = None,
         output: str | None = None, hidden: bool = False) -> TestResult:
    return TestResult(name=name, score=points if passed else 0.0, max_score=points,
                      status="passed" if passed else "failed",
                      output=output if output is not None else ("passed" if passed else "wrong"),
                      part=part, outcome=outcome or ("passed" if passed else "wrong"), hidden=hidden)


def question(quiz: str, qid: str, passed: bool, answer: str | None, *, points: float = 1.0,
             output: str = "") -> TestResult:
    return TestResult(name=f"quiz.{quiz}: {qid}", score=points if passed else 0.0, max_score=points,
                      status="passed" if passed else "failed", output=output or ("correct" if passed else "wrong"),
                      part=quiz, outcome="passed" if passed else ("not_attempted" if answer is None else "wrong"),
                      answer=answer)


def write_folder(out: Path, results: list[SubmissionResult], quiz_ids: list[str], *,
                 skipped: list[tuple[str, str]] = (), fast: bool = False) -> Path:
    """Write ``out`` as ``grade`` would: per-student files, the store, gradebook.csv, skipped.csv.

    ``fast`` writes results.json/feedback.md plainly (the bench's 10,000 students; no fsync each).
    """
    out.mkdir(parents=True, exist_ok=True)
    with Store(out / STORE_NAME) as store:
        store.db.execute("PRAGMA synchronous=OFF")
        for r in results:
            if fast:
                folder = out / r.student
                folder.mkdir(exist_ok=True)
                (folder / "results.json").write_text(json.dumps(r.gradescope()) + "\n")
                (folder / "feedback.md").write_text(r.feedback_markdown(r.part_max()))
            else:
                write_student_files(out, r, r.part_max())
            store.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", (r.student, "k", r.to_json(), 0.0))
        store.db.commit()
    atomic_write_text(out / "gradebook.csv", gradebook_csv(results, quiz_ids))
    rows = "entry,reason\n" + "".join(f"{e},{why}\n" for e, why in skipped)
    atomic_write_text(out / "skipped.csv", rows)
    return out


def synthetic_class(n: int, seed: int = 0) -> tuple[list[SubmissionResult], list[str]]:
    """``n`` students over the real cases and quizzes: abilities ~ N(0, 1), item difficulties spread
    over the real cases; 2 % not gradable, 1 % with a time-out, some quiz questions unanswered."""
    rng = random.Random(seed)
    specs = collect_cases(include_hidden=True)
    quizzes = load_quizzes(QUIZZES_DIR)
    hardness = {s.name: rng.gauss(-1.5, 1.0) for s in specs}
    results = []
    for k in range(n):
        student = f"s{k:05d}"
        ability = rng.gauss(0.0, 1.0)
        r = SubmissionResult(student=student)
        if rng.random() < 0.02:
            r.error = "no exercise files found"
        for s in specs:
            passed = r.error is None and rng.random() < 1 / (1 + math.exp(hardness[s.name] - ability))
            outcome = "timeout" if (not passed and rng.random() < 0.01) else None
            output = "passed" if passed else (f"{s.concept}: wrong. Hint: {s.hint}" if s.hint else "expected 1, got 2")
            r.tests.append(case(s.name, s.module, passed, points=float(s.points), outcome=outcome,
                                output=output, hidden=s.hidden))
        for quiz in quizzes:
            for q in quiz.questions:
                if rng.random() < 0.05:
                    r.tests.append(question(quiz.id, q.id, False, None, points=float(q.points)))
                    continue
                right = rng.random() < 1 / (1 + math.exp(-ability - 1))
                if q.type in ("single", "multiple"):
                    ids = [c.id for c in q.choices]
                    answer = (q.answer if isinstance(q.answer, str) else ",".join(sorted(q.answer))) if right \
                        else rng.choice(ids)
                else:
                    answer = "42" if right else rng.choice(["100512", "7", "51200000"])
                r.tests.append(question(quiz.id, q.id, right, answer, points=float(q.points)))
        results.append(r)
    return results, [q.id for q in quizzes]
