"""Late-policy arithmetic: pure functions of times and points, nothing read or written.

The rules, with the course file's words (``late:`` in ``course.yaml``):

* **Due date.** A student's own due date is the course's ``due``, moved by their extension
  (``s1: 2d`` adds 48 hours of real time, whatever DST does; ``s1: 2026-11-25 12:00`` replaces it). The late due date ``until``
  moves by the same amount, so an extension never shortens the late window.
* **Grace.** A submission at most ``grace`` after the due date is on time, to the second: with
  ``grace: 15m`` and due 23:59:00, 00:14:00 is on time and 00:14:01 is late.
* **Lateness** is counted from the due date itself (grace forgives, it does not shift the clock),
  in started units: 1 second late is 1 day late with ``per: day``, 25 hours late is 2 days.
* **Penalty.** ``penalty`` per started unit, as a share of the earned score (``of: score``) or of the
  maximum (``of: max``), at most ``cap`` in total, and never more than what was earned: the final
  score never goes below 0, and a penalty never raises a score.
* **No late work** (``accept: false``), or a submission after ``until``: the whole score is the penalty.

A worked example (the one docs/course.md shows): due 2026-11-20 23:59 Europe/Berlin, grace 15 min,
10 % a day of the earned score, cap 30 %. A student who earned 80 points and submitted on
2026-11-22 08:00 is 1 day 8 h 1 min late, which is 2 started days: the penalty is 20 % of 80 = 16,
the final 64.

>>> from datetime import datetime, timedelta, timezone
>>> from fractions import Fraction
>>> from grader.course.schema import LatePolicy
>>> policy = LatePolicy(grace=timedelta(minutes=15), penalty=Fraction(1, 10), cap=Fraction(3, 10))
>>> due = datetime(2026, 11, 20, 22, 59, tzinfo=timezone.utc)            # 23:59 in Berlin
>>> late_penalty(80.0, 100.0, datetime(2026, 11, 22, 7, 0, tzinfo=timezone.utc), due, policy)
16.0
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from fractions import Fraction

from .schema import Course, LatePolicy

UNIT = {"day": timedelta(days=1), "hour": timedelta(hours=1)}


def student_due(course: Course, student: str) -> datetime | None:
    """The due date of ``student``: the course's, moved by their extension (if any)."""
    if course.due is None:
        return None
    ext = course.extensions.get(student)
    if ext is None:
        return course.due
    return ext.due if ext.due is not None else course.due + ext.by


def student_until(course: Course, student: str) -> datetime | None:
    """The late due date of ``student``: ``until`` moved as far as their due date moved."""
    until, due = course.late.until, course.due
    if until is None or due is None:
        return until
    return until + (student_due(course, student) - due)


def lateness(submitted: datetime, due: datetime) -> timedelta:
    """How late ``submitted`` is, in real time: 0 when on or before ``due`` (both aware datetimes).

    Both are taken to UTC first: Python subtracts two datetimes sharing one tzinfo by wall clock,
    which across a DST change is an hour off.
    """
    return max(timedelta(0), submitted.astimezone(timezone.utc) - due.astimezone(timezone.utc))


def late_units(late: timedelta, policy: LatePolicy) -> int:
    """Started days (or hours) of lateness; 0 within the grace period (exact to the microsecond).

    >>> from grader.course.schema import LatePolicy
    >>> late_units(timedelta(minutes=15), LatePolicy(grace=timedelta(minutes=15)))
    0
    >>> late_units(timedelta(minutes=15, seconds=1), LatePolicy(grace=timedelta(minutes=15)))
    1
    >>> late_units(timedelta(hours=25), LatePolicy())
    2
    """
    if late <= policy.grace or late <= timedelta(0):
        return 0
    unit = UNIT[policy.per]
    # integer division of timedeltas is exact (microseconds): no float rounding at the edge
    return -(-late // unit)


def late_share(late: timedelta, policy: LatePolicy, *, past_until: bool = False) -> Fraction:
    """The share of the base (earned score or maximum) a submission ``late`` after its due date loses."""
    units = late_units(late, policy)
    if units == 0:
        return Fraction(0)
    if not policy.accept or past_until:
        return Fraction(1)
    share = policy.penalty * units
    if policy.cap is not None:
        share = min(share, policy.cap)
    return min(share, Fraction(1))


def late_penalty(earned: float, possible: float, submitted: datetime | None, due: datetime | None,
                 policy: LatePolicy, until: datetime | None = None) -> float:
    """Points taken off ``earned`` for lateness, between 0 and ``earned`` (rounded to 1e-6).

    ``submitted`` or ``due`` None means no lateness can be known: no penalty. A submission later
    than ``until`` (and beyond the grace period) loses everything; so does any late one when
    ``policy.accept`` is false.
    """
    if submitted is None or due is None or not earned > 0:
        return 0.0
    late = lateness(submitted, due)
    past_until = until is not None and lateness(submitted, until) > timedelta(0) and late > policy.grace
    share = late_share(late, policy, past_until=past_until)
    if share == 0:
        return 0.0
    if share == 1:
        return float(earned)
    base = earned if policy.of == "score" or past_until else possible
    penalty = float(share) * max(0.0, float(base))
    return round(min(max(penalty, 0.0), float(earned)), 6)


def describe_lateness(late: timedelta) -> str:
    """``timedelta(days=1, hours=8, minutes=1)`` -> ``"1 d 8 h 1 min"``; seconds only under an hour.

    >>> describe_lateness(timedelta(minutes=15, seconds=1))
    '15 min 1 s'
    """
    seconds = int(math.ceil(late.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes)
    if secs and not days and not hours:  # at the grace period's edge a second matters
        parts.append(f"{secs} s")
    return " ".join(parts) or "0 s"
