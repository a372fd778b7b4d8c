"""results.json follows Gradescope's format; the gradebook is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json

from grader.fsutil import atomic_write_text, spreadsheet_safe
from grader.grading.results import SubmissionResult, TestResult, gradebook_csv, write_student_files

GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format",
                  "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output",
                   "output_format", "tags", "visibility", "extra_data"}


def sample() -> SubmissionResult:
    return SubmissionResult(student="=cmd|' /C calc'!A0", tests=[
        TestResult("bpe.train_bpe: lesson", 2.0, 2.0, "passed", "passed", part="bpe", outcome="passed"),
        TestResult("bpe.encode: hidden", 0.0, 1.0, "failed", "Concept: merges", part="bpe", outcome="wrong",
                   hidden=True),
        TestResult("quiz.tokens: q1", 1.0, 1.0, "passed", "right", part="tokens", outcome="passed"),
    ], notes=["lookup.py is missing: its cases score 0"])


def test_results_json_uses_only_gradescope_fields():
    data = sample().gradescope()
    assert set(data) <= GRADESCOPE_TOP
    assert data["score"] == 3.0
    for test in data["tests"]:
        assert set(test) <= GRADESCOPE_TEST
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    assert "lookup.py is missing" in data["output"]


def test_result_round_trips_through_json():
    result = sample()
    again = SubmissionResult.from_json(result.to_json())
    assert again == result and again.score == 3.0 and again.max_score == 4.0


def test_gradebook_columns_and_formula_quoting():
    text = gradebook_csv([sample()], ["tokens"])
    rows = list(csv.reader(io.StringIO(text)))
    # SPEC 7's columns, in order; then the course policy's (issue 15, docs/course.md)
    assert rows[0] == ["student", "score", "max_score", "bpe", "lookup", "skipgram", "similarity", "pipeline",
                       "tokens", "status", "late_penalty", "final_score", "submitted_at", "overrides"]
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[1][1:4] == ["3.0", "4.0", "2.0"]
    assert rows[1][-6:] == ["1.0", "ok", "0.0", "3.0", "", ""]   # no course: no penalty, final = score


def test_spreadsheet_safe():
    assert spreadsheet_safe("+1") == "'+1" and spreadsheet_safe("-x") == "'-x" and spreadsheet_safe("@a") == "'@a"
    assert spreadsheet_safe(-1.5) == "-1.5" and spreadsheet_safe(3) == "3" and spreadsheet_safe("bob") == "bob"


def test_student_files_are_written(tmp_path):
    result = sample()
    result.student = "bob"
    write_student_files(tmp_path, result, {"bpe": 3.0, "tokens": 1.0})
    data = json.loads((tmp_path / "bob" / "results.json").read_text())
    assert data["tests"][1]["output"] == "Concept: merges"
    feedback = (tmp_path / "bob" / "feedback.md").read_text()
    assert "Score: 3 / 4" in feedback and "bpe.encode: hidden (lost 1)" in feedback
    assert not list(tmp_path.rglob("*.tmp"))


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")
    import os
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    try:
        atomic_write_text(target, "new")
    except OSError:
        pass
    assert target.read_text() == "old" and not list(tmp_path.glob(".*tmp"))
