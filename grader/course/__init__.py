"""The course policy room: due dates, late penalties, extensions, weights, visibility, overrides.

What it is for: turning graded test results into the scores and the views a course wants, after
grading and from stored results only (so a changed course file never regrades student code).

* ``schema.py``       the course file (``course.yaml``): fields, loading, one-line errors
* ``late.py``         late-policy arithmetic, pure functions (grace, penalty per day/hour, cap, until)
* ``times.py``        submission times: an LMS's CSV, Gradescope's submission_metadata.json
* ``overrides.py``    manual points with a reason, applied last and always shown
* ``apply.py``        one student's policy: final score, results.json and feedback.md views
* ``engine_steps.py`` the steps ``grade_class`` delegates: ``--only``, refreshed files, removed students

What it may import: the base layer (errors, fsutil, paths, yamlutil), ``results`` (the result
dataclasses it reads) and ``submission.STUDENT_ID``; never the sandbox, the cases or the CLI.
The user's guide is docs/course.md; a commented example is examples/course.yaml.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .apply import CourseRun, StudentPolicy
from .schema import DEFAULT_VISIBILITY, Course, CourseFormatError, find_course, load_course

__all__ = ["Course", "CourseFormatError", "CourseRun", "StudentPolicy", "find_course", "load_course",
           "course_run"]


def course_run(*, submissions: Path, course_file: Path | None = None, submitted_at: Path | None = None,
               overrides: Path | None = None, quizzes=(), now: datetime | None = None) -> CourseRun:
    """Everything a grading run needs of the course, read and checked before anything is graded.

    ``course_file`` None looks for ``course.yaml`` beside the class folder; no course file at all
    gives the run without a policy (SPEC's scores, everything visible). ``submitted_at`` and
    ``overrides`` (command-line files) take the place of the course file's fields of those names.
    """
    from ..paths import EXERCISE_MODULES
    from .overrides import load_overrides
    from .times import load_submitted_at

    path = find_course(submissions, course_file)
    if path is None:
        if submitted_at is not None or overrides is not None:
            # overrides (or times) without a course file: a neutral course, SPEC's scores and views
            # (UTC, no due date, raw weights with practice quizzes counted, everything visible)
            course = Course(source="<no course file>", visibility={k: "visible" for k in DEFAULT_VISIBILITY},
                            text="neutral")
        else:
            return CourseRun(now=now) if now else CourseRun()
    else:
        course = load_course(path, quiz_modes={q.id: q.mode for q in quizzes},
                             parts=(*EXERCISE_MODULES, *(q.id for q in quizzes)))
    times_file = submitted_at or course.submitted_at
    times = load_submitted_at(times_file, course) if times_file else {}
    overrides_file = overrides or course.overrides
    entries = load_overrides(overrides_file) if overrides_file else []
    run = CourseRun(course=course, times=times, overrides=entries, times_source=str(times_file or ""))
    if now is not None:
        run.now = now
    return run
