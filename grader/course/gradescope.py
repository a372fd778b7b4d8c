"""The course policy inside Gradescope's autograder (``embedlab export gradescope --course FILE``).

The export puts the course file into the zip as ``embedlab/course-policy.yaml``. For each submission,
``run_autograder`` (grader/export/gradescope_run.py) asks :func:`autograder_policy` for the student's
policy and writes results.json through it, so Gradescope shows what ``embedlab grade`` would:

* each test's ``visibility`` per the course file (Gradescope itself then hides ``after_due_date``
  tests until the due date, ``after_published`` ones until grades are published);
* the late penalty from ``created_at`` of ``/autograder/submission_metadata.json`` against the
  course's due date (moved by the student's extension); a course file without ``due`` takes
  Gradescope's own ``due_date`` and ``late_due_date`` (the user's, when Gradescope gives one);
* ``score`` = final, ``extra_data`` the raw score and the penalty.

The course file's ``submitted_at`` and ``overrides`` files stay with the instructor: on Gradescope
the time is Gradescope's, and manual changes are made in Gradescope's own grading.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .apply import StudentPolicy
from .schema import parse_course
from .times import gradescope_created_at, gradescope_due

#: where the export puts the course file, relative to the bundled tree
BUNDLED_NAME = "course-policy.yaml"


def autograder_policy(tree: Path, metadata: Any, student: str, *, quizzes=(),
                      now: datetime | None = None) -> tuple[StudentPolicy | None, list[str]]:
    """The student's policy from the bundled course file (None without one) and notes for the output."""
    from ..paths import EXERCISE_MODULES

    path = Path(tree) / BUNDLED_NAME
    if not path.is_file():
        return None, []
    course = parse_course(path.read_text(encoding="utf-8"), source=BUNDLED_NAME, folder=None,
                          quiz_modes={q.id: q.mode for q in quizzes},
                          parts=(*EXERCISE_MODULES, *(q.id for q in quizzes)), check_files=False)
    notes = []
    if course.due is None:
        due, until = gradescope_due(metadata, course)
        if due is not None:
            late = dataclasses.replace(course.late, until=until if until and until >= due else course.late.until)
            course = dataclasses.replace(course, due=due, late=late)
    submitted = gradescope_created_at(metadata, course)
    if submitted is None and course.due is not None:
        notes.append("No submission time in submission_metadata.json: the late policy was not applied.")
    policy = StudentPolicy(student, course, submitted, (), now or datetime.now(timezone.utc))
    return policy, notes
