"""Per-case time limits and lazy stop change no grade of a submission that does not loop.

``tests/data/grade_snapshot.json`` holds the scores and failed cases of every student of
examples/class and of every mutant and correct variant, graded through the real sandbox (its
``_about`` says when; issue 12's before/after comparison, fixed 5 s limits against calibrated ones
and lazy stop, changed only the looping student). Graded again now, every one must be the same; the
one student who loops (``looping``: frank, whose train_bpe loops once the pairs run out) may only
lose later cases of a function that failed before, as SPEC 7's lazy stop says. Variants added since
must be correct ones (``.pure_python``) with full marks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grade_snapshot import snapshot  # noqa: E402

BEFORE = json.loads((Path(__file__).parent / "data" / "grade_snapshot.json").read_text())


@pytest.fixture(scope="module")
def now():
    return snapshot()


def test_no_grade_changes_for_a_submission_that_does_not_loop(now):
    changed = []
    for section in ("example_class", "variants"):
        for key, was in BEFORE[section].items():
            if key in BEFORE["looping"]:
                continue
            if now[section].get(key) != was:
                changed.append((section, key, was, now[section].get(key)))
    assert not changed


def test_a_looping_student_loses_only_later_cases_of_the_looping_function(now):
    for student in BEFORE["looping"]:
        was, got = BEFORE["example_class"][student], now["example_class"][student]
        assert set(was["failed"]) <= set(got["failed"])
        extra = set(got["failed"]) - set(was["failed"])
        functions = {name.split(":", 1)[0] for name in was["failed"] if name.startswith("bpe.")}
        assert all(name.split(":", 1)[0] in functions for name in extra), extra


def test_new_correct_variants_get_full_marks(now):
    new = set(now["variants"]) - set(BEFORE["variants"])
    assert all(v.endswith(".pure_python") for v in new)
    assert all(now["variants"][v]["failed"] == [] for v in now["variants"] if v.endswith(".pure_python"))
    assert all(now["variants"][v]["failed"] == [] for v in new)
