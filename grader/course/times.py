"""When each student submitted: from an LMS download's CSV, or from Gradescope's metadata.

Never from file modification times: a zip unpacked, copied or downloaded again gets new ones,
and a student can set them to anything. With no times given, the late policy is off, and
``embedlab grade`` says so in one warning line.

The CSV (``--submitted-at FILE`` or ``submitted_at:`` in the course file) has a header and one row
a student; extra columns are ignored, so an LMS export can be used as it is once its columns are
named ``student`` and ``submitted_at``::

    student,submitted_at
    s1234567,2026-11-20 23:41
    s7654321,2026-11-22T08:00:00+01:00

A time without an offset is the course's time zone. Gradescope's ``submission_metadata.json``
gives ``created_at`` with an offset (``"2018-07-01T14:22:32.365935-07:00"``).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from ..yamlutil import read_text
from .schema import Course, CourseFormatError, parse_moment

MAX_TIMES_BYTES = 16 << 20
COLUMNS = ("student", "submitted_at")


def load_submitted_at(path: Path, course: Course) -> dict[str, datetime]:
    """``student -> submitted_at`` from a CSV (see the module docstring); one-line errors with the row."""
    text = read_text(path, CourseFormatError, MAX_TIMES_BYTES)
    return parse_submitted_at(text, course, source=str(path))


def parse_submitted_at(text: str, course: Course, *, source: str = "<times>") -> dict[str, datetime]:
    from ..grading.submission import STUDENT_ID

    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))  # Excel writes a byte-order mark
    header = next(rows, None)
    if header is None:
        raise CourseFormatError(f"{source}: empty (expected a header: student,submitted_at)")
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise CourseFormatError(f"{source}:1: no column {', '.join(missing)} (the header must name "
                                f"student and submitted_at; it has {', '.join(header) or 'nothing'})")
    at = {c: names.index(c) for c in COLUMNS}
    times: dict[str, datetime] = {}
    lines: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(at.values()):
            raise CourseFormatError(f"{source}:{number}: {len(row)} cells where the header has {len(header)}")
        student, when = row[at["student"]].strip(), row[at["submitted_at"]].strip()
        if not STUDENT_ID.fullmatch(student) or student.startswith("."):
            raise CourseFormatError(f"{source}:{number}: {student!r} is not a student ID")
        if student in times:
            raise CourseFormatError(f"{source}:{number}: {student} already has a time on line {lines[student]} "
                                    "(one row a student: the submission that is graded)")
        try:
            times[student] = parse_moment(when, course.timezone, course.timezone_name)
        except ValueError as exc:
            raise CourseFormatError(f"{source}:{number}: submitted_at: {exc}") from None
        lines[student] = number
    return times


def gradescope_created_at(metadata: Any, course: Course) -> datetime | None:
    """``created_at`` of Gradescope's submission_metadata.json, or None when absent or unreadable."""
    value = metadata.get("created_at") if isinstance(metadata, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return parse_moment(value, course.timezone, course.timezone_name)
    except ValueError:
        return None


def gradescope_due(metadata: Any, course: Course) -> tuple[datetime | None, datetime | None]:
    """``(due_date, late_due_date)`` Gradescope gives for this submission (a user's own, if listed)."""
    if not isinstance(metadata, dict):
        return None, None
    sources = []
    users = metadata.get("users")
    if isinstance(users, list) and users and isinstance(users[0], dict):
        sources.append(users[0].get("assignment"))
    sources.append(metadata.get("assignment"))
    for source in sources:
        if isinstance(source, dict) and isinstance(source.get("due_date"), str):
            try:
                due = parse_moment(source["due_date"], course.timezone, course.timezone_name)
                late = source.get("late_due_date")
                until = parse_moment(late, course.timezone, course.timezone_name) if isinstance(late, str) else None
                return due, until
            except ValueError:
                continue
    return None, None
