"""Manual overrides: points an instructor adds or takes off, by hand, with a reason.

An overrides file (``--overrides FILE`` or ``overrides:`` in the course file) is a CSV or a YAML
list; each entry names a student, what it is about (a test's full name, a part — a module or a quiz
id — or ``total``), the points (a signed number, in the points of ``final``) and a reason::

    student,target,points,reason,by
    s1234567,bpe.train_bpe: ties go to the first pair,+2,tie rule explained in office hours,Dr. Lee
    s7654321,total,-5,copied the skipgram module (see report),

    - {student: s1234567, target: bpe, points: 2, reason: regrade request 14}

Overrides are applied last, after weights and the late penalty (a late penalty never eats points
an instructor granted by hand), and the final score stays at 0 or above. Each one is shown where the
student and the instructor look: a line ``override: +2 by Dr. Lee: tie rule explained ...`` in
feedback.md and in results.json (a test of 0 points, so Gradescope lists it), and the gradebook's
``overrides`` column. Nothing is applied silently: an override for a student or a target that does
not exist stops the run before anything is written.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..yamlutil import SafeLinesLoader, load_yaml, read_text
from .schema import CourseFormatError

MAX_OVERRIDES_BYTES = 4 << 20
FIELDS = ("student", "target", "points", "reason", "by")
TOTAL = "total"


@dataclass(frozen=True)
class Override:
    student: str
    target: str        # a test's name, a part, or "total"
    points: float
    reason: str
    by: str = "instructor"
    where: str = ""    # file:line, for messages

    def label(self) -> str:
        """``override: +2 by instructor: reason`` — how it is shown everywhere."""
        return f"override: {self.points:+g} by {self.by}: {self.reason}"


def load_overrides(path: Path) -> list[Override]:
    """Overrides from a ``.csv`` or a ``.yaml``/``.yml`` file (see the module docstring)."""
    text = read_text(path, CourseFormatError, MAX_OVERRIDES_BYTES)
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        return parse_overrides_yaml(text, source=str(path))
    return parse_overrides_csv(text, source=str(path))


def parse_overrides_csv(text: str, *, source: str = "<overrides>") -> list[Override]:
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(rows, None)
    if header is None:
        return []
    names = [h.strip().lower() for h in header]
    for name in names:
        if name not in FIELDS:
            raise CourseFormatError(f"{source}:1: unknown column {name!r} (columns: {', '.join(FIELDS)})")
    missing = [f for f in FIELDS[:4] if f not in names]
    if missing:
        raise CourseFormatError(f"{source}:1: no column {', '.join(missing)} (needed: student, target, points, "
                                "reason; optional: by)")
    out = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CourseFormatError(f"{source}:{number}: {len(row)} cells where the header has {len(header)} "
                                    "(quote a reason that holds a comma)")
        out.append(_entry(dict(zip(names, (cell.strip() for cell in row))), f"{source}:{number}"))
    return out


def parse_overrides_yaml(text: str, *, source: str = "<overrides>") -> list[Override]:
    data = load_yaml(text, source, SafeLinesLoader, CourseFormatError)
    if data is None:
        return []
    if not isinstance(data, list):
        raise CourseFormatError(f"{source}:1: expected a list of overrides (- student: ..., target: ..., "
                                "points: ..., reason: ...)")
    out = []
    for number, entry in enumerate(data, start=1):
        line = getattr(entry, "line", None)
        where = f"{source}:{line}" if line else f"{source}: entry {number}"
        if not isinstance(entry, dict):
            raise CourseFormatError(f"{where}: expected a mapping with student, target, points, reason")
        for name in entry:
            if name not in FIELDS:
                raise CourseFormatError(f"{where}: unknown field {name!r} (fields: {', '.join(FIELDS)})")
        out.append(_entry(entry, where))
    return out


def _entry(data: dict[str, Any], where: str) -> Override:
    from ..grading.submission import STUDENT_ID

    student = data.get("student")
    if not isinstance(student, str) or not STUDENT_ID.fullmatch(student) or student.startswith("."):
        raise CourseFormatError(f"{where}: student: {student!r} is not a student ID")
    target = data.get("target")
    if not isinstance(target, str) or not target.strip():
        raise CourseFormatError(f"{where}: target: missing (a test's name, a module or quiz id, or 'total')")
    points = data.get("points")
    if isinstance(points, str):
        try:
            points = float(points.strip())
        except ValueError:
            raise CourseFormatError(f"{where}: points: {data.get('points')!r} is not a number") from None
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or points == 0:
        raise CourseFormatError(f"{where}: points: expected a signed number other than 0, got {data.get('points')!r}")
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise CourseFormatError(f"{where}: reason: missing (an override is always explained to the student)")
    by = data.get("by") or "instructor"
    if not isinstance(by, str):
        raise CourseFormatError(f"{where}: by: expected a name, got {by!r}")
    return Override(student=student, target=target.strip(), points=float(points), reason=" ".join(reason.split()),
                    by=" ".join(by.split()), where=where)


def check_targets(overrides: Iterable[Override], *, students: set[str], parts: set[str],
                  tests: set[str]) -> None:
    """Refuse (one line, file:line) an override for an unknown student or target, before grading."""
    for o in overrides:
        if o.student not in students:
            raise CourseFormatError(f"{o.where}: student {o.student!r} is not in the class folder nor in the "
                                    "stored results")
        if o.target != TOTAL and o.target not in parts and o.target not in tests:
            raise CourseFormatError(f"{o.where}: target {o.target!r} is not a test, a part ({', '.join(sorted(parts))}) "
                                    "or 'total'")
