"""The course's steps inside ``grade_class`` (grader/grading/engine.py calls them; they live here to keep
the pipeline short): rows kept by ``--only``, files refreshed for a changed policy, removed students.

Each works from the store alone: the student's code never runs here.
"""

from __future__ import annotations

from pathlib import Path

from .apply import CourseRun

#: the files embedlab writes in ``DIR/<student>/``; ``--prune`` removes these and nothing else
STUDENT_FILES = ("results.json", "feedback.md", "feedback.html")  # feedback.html: the class report (grader/report)


def refresh_files(store, run: CourseRun, out: Path, student: str, key: str, result, summary) -> bool:
    """Rewrite a stored result's files when their view key changed (course file, times, overrides,
    the due date passing); the result itself, and so every test outcome, stays as graded.
    Returns whether it rewrote them."""
    policy = run.for_student(student)
    view = policy.view_key(key)
    if store.view(student) == view:
        return False
    policy.write_files(out, result, result.part_max())
    store.set_view(student, view)
    summary.rewritten += 1
    return True


def keep_others(store, run: CourseRun, out: Path, student: str, rows: dict, summary) -> None:
    """``--only``: a student not named keeps their stored row (and files, refreshed if the policy changed)."""
    stored = store.latest(student)
    if stored is None:
        summary.warnings.append(f"{student}: never graded, and not in --only: no row (grade without --only "
                                "to add it)")
        return
    key, result = stored
    rows[student] = run.for_student(student).row(result)
    summary.reused += 1
    if (Path(out) / student / "results.json").is_file():
        refresh_files(store, run, out, student, key, result, summary)


def removed_students(store, run: CourseRun, out: Path, present: set[str], rows: dict, summary, *,
                     prune: bool) -> None:
    """Students stored by an earlier run but gone from the class folder: kept and marked, or pruned."""
    for student in store.students():
        if student in present:
            continue
        if prune:
            store.delete(student)
            folder = Path(out) / student
            for name in STUDENT_FILES:
                (folder / name).unlink(missing_ok=True)
            try:
                folder.rmdir()  # only when nothing else is in it (an instructor's own notes stay)
            except OSError:
                pass
            summary.warnings.append(f"{student}: not in the class folder any more; --prune removed their row "
                                    "and files")
            continue
        stored = store.latest(student)
        if stored is None:
            continue
        rows[student] = run.for_student(student).row(stored[1], removed=True)
        summary.removed.append(student)
        summary.warnings.append(f"{student}: not in the class folder any more; their stored row is kept, marked "
                                "'error: not in the class folder any more' (--prune drops it)")


def stored_students(db: Path) -> set[str]:
    """Students in an existing store, read without creating or changing anything."""
    if not Path(db).is_file():
        return set()
    import sqlite3

    try:
        with sqlite3.connect(f"file:{Path(db).resolve()}?mode=ro", uri=True) as conn:
            return {r[0] for r in conn.execute("SELECT student FROM results")}
    except sqlite3.Error:
        return set()


def check_before_writing(run: CourseRun, db: Path, entries: dict, quizzes, only: list[str] | None) -> None:
    """``--only`` names and override targets, checked before anything is graded or written."""
    from ..errors import UsageError
    from .overrides import TOTAL, check_targets

    if only is not None:
        unknown = [s for s in only if s not in entries]
        if unknown:
            raise UsageError(f"--only {' '.join(unknown)}: not in the class folder (students there: "
                             f"{', '.join(sorted(entries)[:8])}{' ...' if len(entries) > 8 else ''})")
    if not run.overrides:
        return
    from ..paths import EXERCISE_MODULES

    parts = {*EXERCISE_MODULES, *(q.id for q in quizzes)}
    tests: set[str] = set()
    if any(o.target not in parts and o.target != TOTAL for o in run.overrides):
        from ..casekit import collect_cases

        tests = {spec.name for spec in collect_cases()}
        tests |= {f"quiz.{q.id}: {question.id}" for q in quizzes for question in q.questions}
    check_targets(run.overrides, students=set(entries) | stored_students(db), parts=parts, tests=tests)
