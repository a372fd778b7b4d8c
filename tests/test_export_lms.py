"""`embedlab export lms` and `grade --format`: the gradebook in Canvas's and Moodle's import layouts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from grader.cli import main
from grader.errors import UsageError
from grader.export.lms import export_gradebook
from grader.grading.results import SubmissionResult, TestResult, gradebook_csv, write_student_files

QUIZZES = ["tokens"]


def result(student: str, scores: dict[str, tuple[float, float]], error: str | None = None) -> SubmissionResult:
    tests = [TestResult(f"{part}.f: case", score, top, "passed" if score == top else "failed", "", part=part)
             for part, (score, top) in scores.items()]
    return SubmissionResult(student=student, tests=tests, error=error)


@pytest.fixture
def graded(tmp_path) -> Path:
    """An output folder as `embedlab grade` leaves it: gradebook.csv and <student>/results.json."""
    full = {"bpe": (6.0, 6.0), "lookup": (9.0, 9.0), "skipgram": (4.0, 4.0), "similarity": (3.0, 3.0),
            "pipeline": (2.0, 2.0), "tokens": (5.0, 5.0)}
    results = [
        result("alice", full),
        result("bob", {**full, "lookup": (7.5, 9.0), "tokens": (0.0, 5.0)}),
        result("-carol", {**full, "bpe": (0.0, 6.0)}),                       # an ID that looks like a formula
        result("dave", {part: (0.0, top) for part, (_, top) in full.items()}, error="both dave and dave.zip"),
    ]
    for r in results:
        write_student_files(tmp_path, r, {p: top for p, (_, top) in full.items()})
    (tmp_path / "gradebook.csv").write_text(gradebook_csv(results, QUIZZES))
    return tmp_path


def read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text())))


def test_canvas_layout(graded, tmp_path):
    target = export_gradebook(graded / "gradebook.csv", tmp_path / "canvas.csv", "canvas")
    rows = read(target)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "embedlab bpe", "embedlab lookup",
                       "embedlab skipgram", "embedlab similarity", "embedlab pipeline", "embedlab tokens"]
    assert rows[1] == ["Points Possible", "", "", "", "", "6", "9", "4", "3", "2", "5"]
    by_student = {row[2]: row for row in rows[2:]}
    assert set(by_student) == {"alice", "bob", "'-carol", "dave"}
    assert by_student["bob"] == ["bob", "", "bob", "bob", "", "6", "7.5", "4", "3", "2", "0"]
    assert by_student["'-carol"][:5] == ["'-carol", "", "'-carol", "'-carol", ""]   # quoted once, never run
    assert by_student["dave"][5:] == ["0"] * 6


def test_moodle_layout(graded, tmp_path):
    rows = read(export_gradebook(graded / "gradebook.csv", tmp_path / "moodle.csv", "moodle"))
    assert rows[0] == ["ID number", "embedlab bpe", "embedlab lookup", "embedlab skipgram", "embedlab similarity",
                       "embedlab pipeline", "embedlab tokens"]
    assert ["alice", "6", "9", "4", "3", "2", "5"] in rows
    assert ["bob", "6", "7.5", "4", "3", "2", "0"] in rows
    assert len(rows) == 5


def test_csv_is_the_gradebook_itself(graded, tmp_path):
    target = export_gradebook(graded / "gradebook.csv", tmp_path / "copy.csv", "csv")
    assert target.read_bytes() == (graded / "gradebook.csv").read_bytes()


def test_points_possible_stay_empty_without_results(graded, tmp_path):
    book = tmp_path / "alone" / "gradebook.csv"
    book.parent.mkdir()
    book.write_bytes((graded / "gradebook.csv").read_bytes())
    rows = read(export_gradebook(book, tmp_path / "canvas.csv", "canvas"))
    assert rows[1] == ["Points Possible", "", "", "", ""] + [""] * 6


def test_the_command_line(graded, tmp_path):
    out = tmp_path / "canvas-cli.csv"
    assert main(["export", "lms", str(graded / "gradebook.csv"), "--format", "canvas", "--out", str(out)]) == 0
    assert read(out)[0][0] == "Student"


@pytest.mark.parametrize("content, message", [
    (None, "no such gradebook"),
    ("name,points\nalice,3\n", "not an embedlab gradebook"),
    ("student,score,max_score,bpe,status\nalice,3,4\n", "3 cells"),
    ("student,score,max_score,bpe,status\nalice,3,4,lots,ok\n", "not a number"),
    (b"student,score\xff", "not UTF-8"),
])
def test_bad_gradebooks_are_one_clear_error(tmp_path, content, message, capsys):
    source = tmp_path / "gradebook.csv"
    if isinstance(content, str):
        source.write_text(content)
    elif content is not None:
        source.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        export_gradebook(source, tmp_path / "out.csv", "canvas")
    assert main(["export", "lms", str(source), "--format", "moodle", "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(source) in err


def test_the_source_is_never_overwritten(graded):
    with pytest.raises(UsageError, match="overwrite"):
        export_gradebook(graded / "gradebook.csv", graded / "gradebook.csv", "canvas")


def test_results_json_of_other_tools_are_ignored(graded, tmp_path):
    (graded / "stray").mkdir()
    (graded / "stray" / "results.json").write_text(json.dumps({"tests": "not a list"}))
    (graded / "broken").mkdir()
    (graded / "broken" / "results.json").write_text("{")
    rows = read(export_gradebook(graded / "gradebook.csv", tmp_path / "canvas.csv", "canvas"))
    assert rows[1][5:] == ["6", "9", "4", "3", "2", "5"]


def test_grade_can_write_the_lms_layout_too(tmp_path):
    class_dir = tmp_path / "class"
    (class_dir / "ann").mkdir(parents=True)   # an empty hand-in: a row, status "error: no exercise files found"
    out = tmp_path / "out"
    assert main(["grade", str(class_dir), "--out", str(out), "--jobs", "1", "--format", "moodle"]) == 0
    rows = read(out / "gradebook-moodle.csv")
    assert rows[0][0] == "ID number" and rows[1][0] == "ann"
    book = read(out / "gradebook.csv")
    assert book[1][book[0].index("status")].startswith("error: no exercise files found")
