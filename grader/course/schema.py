"""The course file, ``course.yaml``: what it may say, and how it is read and checked.

A course file sits beside the class folder (``SUBMISSIONS/../course.yaml``) or is given with
``--course FILE``. Every field is optional; a mistake is one line naming the file, the line and the
field, e.g. ``course.yaml:9: late: field 'per': expected 'day' or 'hour', got 'week'``. Unknown fields
and duplicate keys are mistakes too (a typo such as ``grase:`` must not silently mean "no grace")::

    timezone: Europe/Berlin          # IANA name; times without an offset are read in it
    due: 2026-11-20 23:59            # or 2026-11-20T23:59:00+01:00
    late:
      accept: true                   # false: "no late work", a late submission scores 0
      grace: 15m                     # late by at most this much counts as on time (s, m, h, d)
      penalty: 10%                   # taken off per started `per` after the due date
      per: day                       # or hour
      of: score                      # the percentage is of the earned score (or of `max`)
      cap: 50%                       # never more than this in total
      until: 2026-11-27 23:59        # after this, no credit (Gradescope's late due date)
    extensions:                      # per student: the due date (and `until`) moves for them only
      s1234567: 2d                   # a duration...
      s7654321: 2026-11-25 12:00     # ...or a new due date
    weights:                         # points each part is worth in `final`; default: its raw
      bpe: 40                        # points, practice quizzes 0
      check: 10
    visibility:                      # Gradescope's values: visible, hidden, after_due_date, after_published
      public: visible
      hidden: after_due_date
      graded_quiz: after_due_date
      practice_quiz: visible
    published: false                 # after_published parts appear once this is true
    submitted_at: times.csv          # (student, submitted_at) from the LMS; beside this file
    overrides: overrides.csv         # manual points, applied last

Dates come back as aware :class:`datetime.datetime` objects; a local time that a DST change skips
(02:30 on the night clocks jump forward) or repeats (02:30 when they fall back) is refused with a
message asking for an explicit offset, since either reading would be a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import UsageError
from ..yamlutil import LineMapping, SafeLinesLoader, describe, load_yaml, read_text

COURSE_FILE = "course.yaml"
VISIBILITY_VALUES = ("visible", "hidden", "after_due_date", "after_published")
#: what each kind of test shows by default when a course file is used
DEFAULT_VISIBILITY = {"public": "visible", "hidden": "after_due_date", "graded_quiz": "after_due_date",
                      "practice_quiz": "visible"}
TOP_FIELDS = ("assignment", "timezone", "due", "late", "extensions", "weights", "visibility", "published",
              "submitted_at", "overrides")
LATE_FIELDS = ("accept", "grace", "penalty", "per", "of", "cap", "until")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"\s*(?:(\d+)\s*([smhdw])\s*)+")
_DURATION_PART = re.compile(r"(\d+)\s*([smhdw])")
_PERCENT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*%\s*")
MAX_COURSE_BYTES = 1 << 20


class CourseFormatError(UsageError):
    """A course, submission-times or overrides file is wrong: one line naming file, line and field."""


@dataclass(frozen=True)
class LatePolicy:
    """How lateness costs points (see :mod:`grader.course.late` for the arithmetic)."""

    accept: bool = True
    grace: timedelta = timedelta(0)
    penalty: Fraction = Fraction(0)       # per started unit, as a fraction (10% -> 1/10)
    per: str = "day"                      # "day" | "hour"
    of: str = "score"                     # "score" | "max"
    cap: Fraction | None = None           # total penalty at most this fraction
    until: datetime | None = None         # after it, no credit


@dataclass(frozen=True)
class Extension:
    """A per-student change of the due date: by a duration, or to a date."""

    by: timedelta | None = None
    due: datetime | None = None


@dataclass(frozen=True)
class Course:
    """A validated course file. ``source`` is its path (or ``<course>``), ``folder`` where it lives."""

    source: str = "<no course file>"
    folder: Path | None = None
    assignment: str | None = None
    timezone: tzinfo = timezone.utc
    timezone_name: str = "UTC"
    due: datetime | None = None
    late: LatePolicy = field(default_factory=LatePolicy)
    extensions: Mapping[str, Extension] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)       # only what the file says
    visibility: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_VISIBILITY))
    published: bool = False
    submitted_at: Path | None = None
    overrides: Path | None = None
    quiz_modes: Mapping[str, str] = field(default_factory=dict)      # quiz id -> practice | graded
    text: str = ""                                                    # the file as read (its hash keys views)

    def weight(self, part: str, raw_max: float) -> float:
        """Points ``part`` is worth in ``final``: the file's weight, else its raw points (practice quizzes 0)."""
        if part in self.weights:
            return self.weights[part]
        return 0.0 if self.quiz_modes.get(part) == "practice" else raw_max


# ---------------------------------------------------------------------------------------------
# one-line errors
# ---------------------------------------------------------------------------------------------
_show = describe


class _Section:
    """One mapping of the file: unknown fields refused, each mistake a CourseFormatError with its line."""

    def __init__(self, data: Any, source: str, path: tuple[str, ...], allowed: tuple[str, ...] | None,
                 line: int | None = None) -> None:
        self.source, self.path = source, path
        self.line = getattr(data, "line", None) or line
        if not isinstance(data, dict):
            raise self.error(None, f"expected a mapping of fields, got {_show(data)}")
        self.data = data
        if allowed is not None:
            for name in data:
                if name not in allowed:
                    raise self.error(name, f"unknown field (allowed here: {', '.join(allowed)})")

    def line_of(self, name: Any) -> int | None:
        lines = getattr(self.data, "lines", {}) if hasattr(self, "data") else {}
        return lines.get(name, self.line)

    def error(self, name: Any, message: str) -> CourseFormatError:
        line = self.line_of(name) if name is not None else self.line
        head = f"{self.source}:{line}" if line else self.source
        parts = [*self.path, *([f"field '{name}'"] if name is not None else [])]
        return CourseFormatError(": ".join([head, *parts, message]))


# ---------------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------------
def parse_duration(value: Any) -> timedelta:
    """``"15m"``, ``"2h"``, ``"1d 12h"``, ``"90s"`` -> timedelta; ValueError otherwise.

    >>> parse_duration("1d 12h")
    datetime.timedelta(days=1, seconds=43200)

    A bare number is refused: ``grace: 15`` could be seconds, minutes or days.
    """
    if not isinstance(value, str) or not _DURATION.fullmatch(value):
        raise ValueError(f"expected a duration such as 90s, 15m, 2h, 3d or 1d 12h, got {_show(value)}")
    return timedelta(seconds=sum(int(n) * UNITS[u] for n, u in _DURATION_PART.findall(value)))


def parse_percent(value: Any) -> Fraction:
    """``"10%"`` -> Fraction(1, 10). Only percentages with ``%`` (is ``0.1`` 10 % or 0.1 %?)."""
    match = _PERCENT.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a percentage such as 10%, got {_show(value)}")
    share = Fraction(match.group(1)) / 100
    if share > 1:
        raise ValueError(f"expected at most 100%, got {value.strip()}")
    return share


def localize(naive: datetime, zone: tzinfo, zone_name: str) -> datetime:
    """A wall-clock time in ``zone`` as an aware datetime, refusing times DST skips or repeats.

    >>> berlin = ZoneInfo("Europe/Berlin")
    >>> localize(datetime(2026, 11, 20, 23, 59), berlin, "Europe/Berlin").isoformat()
    '2026-11-20T23:59:00+01:00'
    >>> localize(datetime(2026, 3, 29, 2, 30), berlin, "Europe/Berlin")
    Traceback (most recent call last):
    ValueError: 2026-03-29 02:30 does not exist in Europe/Berlin (the clocks jump over it): give an offset, e.g. 2026-03-29T02:30+02:00
    """
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    shown = naive.strftime("%Y-%m-%d %H:%M") + (f":{naive.second:02d}" if naive.second else "")
    if first.utcoffset() != second.utcoffset():
        offsets = sorted({_offset_text(first), _offset_text(second)})
        roundtrip = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
        if roundtrip != naive:
            raise ValueError(f"{shown} does not exist in {zone_name} (the clocks jump over it): give an offset, "
                             f"e.g. {naive.strftime('%Y-%m-%dT%H:%M')}{offsets[-1]}")
        raise ValueError(f"{shown} happens twice in {zone_name} (the clocks go back): give an offset, "
                         f"{naive.strftime('%Y-%m-%dT%H:%M')}{offsets[0]} or ...{offsets[1]}")
    return first


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_moment(value: Any, zone: tzinfo, zone_name: str) -> datetime:
    """A date and time (text or YAML timestamp) as an aware UTC datetime; no offset -> ``zone``'s wall clock.

    ISO 8601 as Python reads it: ``2026-11-20 23:59``, ``2026-11-20T23:59:30+01:00``, ``...Z``.
    A bare date is refused (midnight at its start, or 23:59 at its end? say which).
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise ValueError(f"{value.isoformat()} has no time of day: write e.g. {value.isoformat()} 23:59")
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise ValueError(f"expected a date and time such as 2026-11-20 23:59, got {_show(value)}") from None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(f"{text} has no time of day: write e.g. {text} 23:59")
    else:
        raise ValueError(f"expected a date and time such as 2026-11-20 23:59, got {_show(value)}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = localize(moment, zone, zone_name)
    # in UTC from here on: Python compares and subtracts two datetimes of the *same* tzinfo by their
    # wall clocks, so across a DST change 12:00 CEST to 11:30 CET would be 23 h 30 min, not 24 h 30 min
    return moment.astimezone(timezone.utc)


# ---------------------------------------------------------------------------------------------
# the file
# ---------------------------------------------------------------------------------------------
def find_course(submissions: Path, given: Path | None) -> Path | None:
    """``given`` if set (it must exist), else ``course.yaml`` beside the class folder, else None."""
    if given is not None:
        return Path(given)
    beside = Path(submissions).resolve().parent / COURSE_FILE
    return beside if beside.is_file() else None


def load_course(path: Path, *, quiz_modes: Mapping[str, str], parts: tuple[str, ...]) -> Course:
    """Read and validate a course file (see the module docstring); CourseFormatError if it is wrong.

    ``quiz_modes`` maps each quiz id to ``practice`` or ``graded``; ``parts`` are the gradebook's
    part columns (modules, then quizzes): the only names ``weights`` may use.
    """
    text = read_text(path, CourseFormatError, MAX_COURSE_BYTES)
    return parse_course(text, source=str(path), folder=Path(path).resolve().parent, quiz_modes=quiz_modes,
                        parts=parts)


def parse_course(text: str, *, source: str = "<course>", folder: Path | None = None,
                 quiz_modes: Mapping[str, str] | None = None, parts: tuple[str, ...] = (),
                 check_files: bool = True) -> Course:
    """Validate course-file text; ``source`` names it in messages, ``folder`` anchors relative paths.

    ``check_files`` False (inside Gradescope's autograder) ignores ``submitted_at`` and ``overrides``.
    """
    quiz_modes = dict(quiz_modes or {})
    data = load_yaml(text, source, SafeLinesLoader, CourseFormatError)
    if data is None:
        data = LineMapping(1)  # an empty file: every default
    top = _Section(data, source, (), TOP_FIELDS, 1)
    zone_name = "UTC"
    zone: tzinfo = timezone.utc
    if "timezone" in data:
        zone_name = data["timezone"]
        if not isinstance(zone_name, str) or not zone_name.strip():
            raise top.error("timezone", f"expected a time zone name such as Europe/Berlin, got {_show(zone_name)}")
        try:
            zone = ZoneInfo(zone_name.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise top.error("timezone", f"unknown time zone {zone_name!r} (an IANA name such as Europe/Berlin, "
                                        "America/New_York or UTC)") from None
        zone_name = zone_name.strip()

    def moment(section: _Section, name: str) -> datetime | None:
        if name not in section.data or section.data[name] is None:
            return None
        try:
            return parse_moment(section.data[name], zone, zone_name)
        except ValueError as exc:
            raise section.error(name, str(exc)) from None

    due = moment(top, "due")
    late = _late(data.get("late"), top, source, moment, due)
    extensions = _extensions(data.get("extensions"), top, source, zone, zone_name, due)
    weights = _weights(data.get("weights"), top, source, parts)
    visibility = _visibility(data.get("visibility"), top, source)
    published = data.get("published", False)
    if not isinstance(published, bool):
        raise top.error("published", f"expected true or false, got {_show(published)}")
    assignment = data.get("assignment")
    if assignment is not None and (not isinstance(assignment, str) or not assignment.strip()):
        raise top.error("assignment", f"expected a title, got {_show(assignment)}")
    return Course(source=source, folder=folder, assignment=assignment, timezone=zone, timezone_name=zone_name,
                  due=due, late=late, extensions=extensions, weights=weights, visibility=visibility,
                  published=published,
                  submitted_at=_path(top, "submitted_at", folder) if check_files else None,
                  overrides=_path(top, "overrides", folder) if check_files else None,
                  quiz_modes=quiz_modes, text=text)


def _path(top: _Section, name: str, folder: Path | None) -> Path | None:
    value = top.data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise top.error(name, f"expected a file name, got {_show(value)}")
    path = Path(value.strip())
    if not path.is_absolute() and folder is not None:
        path = folder / path
    if not path.is_file():
        raise top.error(name, f"{path}: no such file")
    return path


def _late(data: Any, top: _Section, source: str, moment, due: datetime | None) -> LatePolicy:
    if data is None:
        return LatePolicy()
    s = _Section(data, source, ("late",), LATE_FIELDS, top.line_of("late"))
    accept = s.data.get("accept", True)
    if not isinstance(accept, bool):
        raise s.error("accept", f"expected true or false, got {_show(accept)}")
    values: dict[str, Any] = {"accept": accept}
    for name, parse in (("grace", parse_duration), ("penalty", parse_percent), ("cap", parse_percent)):
        if name in s.data:
            try:
                values[name] = parse(s.data[name])
            except ValueError as exc:
                raise s.error(name, str(exc)) from None
    for name, choices in (("per", ("day", "hour")), ("of", ("score", "max"))):
        if name in s.data:
            if s.data[name] not in choices:
                raise s.error(name, f"expected {' or '.join(repr(c) for c in choices)}, got {_show(s.data[name])}")
            values[name] = s.data[name]
    until = moment(s, "until")
    if until is not None:
        if due is None:
            raise s.error("until", "a late due date needs a due date (field 'due')")
        if until < due:
            raise s.error("until", f"is before the due date ({due.isoformat()})")
        values["until"] = until
    if not accept and ("penalty" in values or "cap" in values or until is not None):
        raise s.error("accept", "no late work is accepted, so 'penalty', 'cap' and 'until' mean nothing: "
                                "remove them or set accept: true")
    return LatePolicy(**values)


def _extensions(data: Any, top: _Section, source: str, zone, zone_name: str,
                due: datetime | None) -> dict[str, Extension]:
    if data is None:
        return {}
    from ..grading.submission import STUDENT_ID

    s = _Section(data, source, ("extensions",), None, top.line_of("extensions"))
    if s.data and due is None:
        raise top.error("extensions", "extensions move the due date, but there is none (field 'due')")
    out: dict[str, Extension] = {}
    for student, value in s.data.items():
        if not isinstance(student, str) or not STUDENT_ID.fullmatch(student) or student.startswith("."):
            raise s.error(student, "not a student ID (1 to 64 letters, digits, '.', '_', '@' or '-')")
        try:
            if isinstance(value, str) and _DURATION.fullmatch(value):
                out[student] = Extension(by=parse_duration(value))
            else:
                new_due = parse_moment(value, zone, zone_name)
                out[student] = Extension(due=new_due)
        except ValueError as exc:
            raise s.error(student, f"expected a duration (2d, 36h) or a new due date: {exc}") from None
    return out


def _weights(data: Any, top: _Section, source: str, parts: tuple[str, ...]) -> dict[str, float]:
    if data is None:
        return {}
    s = _Section(data, source, ("weights",), None, top.line_of("weights"))
    out: dict[str, float] = {}
    for name, value in s.data.items():
        if parts and name not in parts:
            raise s.error(name, f"no such part (modules and quizzes: {', '.join(parts)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or value == float("inf"):
            raise s.error(name, f"expected points (a number, 0 or more), got {_show(value)}")
        out[name] = float(value)
    return out


def _visibility(data: Any, top: _Section, source: str) -> dict[str, str]:
    out = dict(DEFAULT_VISIBILITY)
    if data is None:
        return out
    s = _Section(data, source, ("visibility",), tuple(DEFAULT_VISIBILITY), top.line_of("visibility"))
    for name, value in s.data.items():
        if value not in VISIBILITY_VALUES:
            raise s.error(name, f"expected one of {', '.join(VISIBILITY_VALUES)} (Gradescope's), got {_show(value)}")
        out[name] = value
    return out
