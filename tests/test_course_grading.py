"""Course policy in whole grading runs: gradebook columns, visibility, --only, overrides, removed
students, malformed files on the command line, and Gradescope's autograder in a fake /autograder.

The class: three students who handed in the reference solutions and the quiz keys (so each earns
every raw point), at different times: on time, two days late, and late but within an extension.
What each must get follows from the course file by hand (see ``expected_final``).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from grader.cli import main
from grader.course import course_run
from grader.grading.engine import grade_class, load_quizzes_or_none
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT, QUIZZES_DIR
from grader.quiz import key_answers, load_quizzes
from grader.sandbox import Limits
from workflow_helpers import break_function, copy_modules

SLOW = Limits(case_seconds=60.0, submission_seconds=900.0)
COURSE = """\
timezone: Europe/Berlin
due: 2026-11-20 23:59
late: {grace: 15m, penalty: 10%, per: day, cap: 30%}
extensions:
  extended: 3d
submitted_at: times.csv
overrides: overrides.csv
"""
TIMES = """\
student,submitted_at
ontime,2026-11-21 00:14
late,2026-11-22 08:00
extended,2026-11-23 10:00
"""
OVERRIDES = """\
student,target,points,reason
ontime,bpe,+2,explained the tie rule in office hours
"""
REASON = "override: +2 by instructor: explained the tie rule in office hours"


def make_student(folder: Path) -> None:
    copy_modules(folder, "solutions")
    answers = {quiz.id: key_answers(quiz, student_id=folder.name) for quiz in load_quizzes(QUIZZES_DIR)}
    (folder / "answers.yaml").write_text(yaml.safe_dump(answers, sort_keys=False))


def read_book(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        assert len(reader.fieldnames) == len(set(reader.fieldnames)), "a gradebook column name is used twice"
        return {row["student"]: row for row in reader}


def expected_final(row: dict[str, str], quizzes) -> float:
    """By hand: default weights are the raw points of the modules and graded quizzes; practice 0."""
    counted = [*EXERCISE_MODULES, *(q.id for q in quizzes if q.mode == "graded")]
    return sum(float(row[c]) for c in counted)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    for student in ("ontime", "late", "extended"):
        make_student(root / "class" / student)
    (root / "course.yaml").write_text(COURSE)
    (root / "times.csv").write_text(TIMES)
    (root / "overrides.csv").write_text(OVERRIDES)
    assert main(["grade", str(root / "class"), "--out", str(root / "out"), "--jobs", "1",
                 "--case-seconds", "60", "--submission-seconds", "900"]) == 0
    return root


@pytest.fixture
def copy(graded, tmp_path):
    """A private copy of the graded course (class, course files, out with its store)."""
    shutil.copytree(graded, tmp_path / "c")
    return tmp_path / "c"


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text())


def test_late_extended_and_on_time_side_by_side(graded):
    book = read_book(graded / "out")
    quizzes = load_quizzes_or_none()
    header = list(next(csv.reader(open(graded / "out" / "gradebook.csv"))))
    assert header[header.index("status") + 1:] == ["late_penalty", "final_score", "submitted_at", "overrides"]
    for row in book.values():
        assert row["score"] == row["max_score"] and row["status"] == "ok"      # raw points: all of them
    base = expected_final(book["late"], quizzes)
    # ontime: 00:14, inside the 15 min grace; +2 override, applied last
    assert float(book["ontime"]["late_penalty"]) == 0 and float(book["ontime"]["final_score"]) == base + 2
    assert book["ontime"]["overrides"] == f"bpe: {REASON}"
    # late: 1 d 8 h 1 min after the due date = 2 started days = 20 % of the weighted score
    assert float(book["late"]["late_penalty"]) == pytest.approx(0.2 * base)
    assert float(book["late"]["final_score"]) == pytest.approx(0.8 * base)
    assert book["late"]["submitted_at"] == "2026-11-22T08:00:00+01:00"
    # extended: 3 days more, so 2026-11-23 10:00 is on time
    assert float(book["extended"]["late_penalty"]) == 0 and float(book["extended"]["final_score"]) == base


def test_results_json_score_is_final_and_visibility_follows_the_policy(graded):
    data = results(graded / "out", "late")
    book = read_book(graded / "out")
    assert data["score"] == float(book["late"]["final_score"])
    assert data["extra_data"]["raw_score"] == float(book["late"]["score"])
    assert data["extra_data"]["late_penalty"] == float(book["late"]["late_penalty"])
    modes = {q.id: q.mode for q in load_quizzes_or_none()}
    for test in data["tests"]:
        part = test["tags"][0]
        if test["name"].startswith("quiz."):
            want = "visible" if modes[part] == "practice" else "after_due_date"
        else:
            want = "after_due_date" if "hidden" in test["tags"] else "visible"
        assert test["visibility"] == want, test["name"]
    overrides = [t for t in results(graded / "out", "ontime")["tests"] if t["name"].startswith("override")]
    assert [(t["name"], t["score"], t["output"]) for t in overrides] == [("override: bpe", 2.0, REASON)]
    assert REASON in (graded / "out" / "ontime" / "feedback.md").read_text()


def test_feedback_before_the_due_date_holds_only_what_students_may_see(copy):
    before = course_run(submissions=copy / "class", quizzes=load_quizzes_or_none(),
                        now=datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc))
    summary = grade_class(copy / "class", copy / "out", jobs=1, limits=SLOW, course=before)
    assert summary.graded == 0 and summary.rewritten == 3      # the policy changed the view, not the results
    text = (copy / "out" / "late" / "feedback.md").read_text()
    data = results(copy / "out", "late")
    hidden = [t["name"] for t in data["tests"] if t["visibility"] != "visible"]
    assert hidden and not any(name in text for name in hidden)
    assert "Why:" not in text and "quiz.final" not in text
    assert "Score on the checks you can see now" in text and "and your total, are shown after the due date" in text


def test_the_report_page_shows_no_more_than_feedback_md_before_the_due_date(copy):
    """feedback.html (the class report's page per student) withholds what results.json does not
    mark visible: hidden cases and the graded quiz stay off the page before the due date."""
    from grader.report.build import build_report

    before = course_run(submissions=copy / "class", quizzes=load_quizzes_or_none(),
                        now=datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc))
    grade_class(copy / "class", copy / "out", jobs=1, limits=SLOW, course=before)
    build_report(copy / "out")
    page = (copy / "out" / "late" / "feedback.html").read_text()
    data = results(copy / "out", "late")
    hidden = [t["name"] for t in data["tests"] if t["visibility"] != "visible"]
    visible = [t["name"] for t in data["tests"] if t["visibility"] == "visible" and t["status"] == "failed"]
    escaped = [n.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
               .replace('"', "&#34;") for n in hidden]
    assert hidden and not any(n in page or e in page for n, e in zip(hidden, escaped))
    assert "Why:" not in page
    assert f"{len(hidden)} more checks are not shown here yet" in page
    assert "Score on the checks you can see now" in page


def test_a_changed_course_file_rewrites_without_regrading_and_is_deterministic(copy):
    out = copy / "out"
    first = {s: (out / s / "results.json").read_bytes() for s in ("ontime", "late", "extended")}
    original = (copy / "course.yaml").read_text()
    (copy / "course.yaml").write_text(original + "weights: {bpe: 10}\n")
    run = course_run(submissions=copy / "class", quizzes=load_quizzes_or_none())
    summary = grade_class(copy / "class", out, jobs=1, limits=SLOW, course=run)
    assert summary.graded == 0 and summary.reused == 3 and summary.rewritten == 3
    assert results(out, "extended")["extra_data"]["final_max"] != json.loads(first["extended"])["extra_data"]["final_max"]
    (copy / "course.yaml").write_text(original)
    run = course_run(submissions=copy / "class", quizzes=load_quizzes_or_none())
    grade_class(copy / "class", out, jobs=1, limits=SLOW, course=run)
    assert {s: (out / s / "results.json").read_bytes() for s in first} == first


def test_only_regrades_just_those_and_keeps_the_other_rows(copy, capsys):
    before = read_book(copy / "out")
    break_function(copy / "class" / "late", "bpe", "train_bpe", "return []")
    break_function(copy / "class" / "ontime", "bpe", "train_bpe", "return []")
    assert main(["grade", str(copy / "class"), "--out", str(copy / "out"), "--jobs", "1", "--only", "late",
                 "--case-seconds", "60", "--submission-seconds", "900"]) == 0
    assert "graded 1, reused 2" in capsys.readouterr().out
    after = read_book(copy / "out")
    assert float(after["late"]["bpe"]) < float(before["late"]["bpe"])
    assert after["ontime"] == before["ontime"] and after["extended"] == before["extended"]


def test_a_removed_student_is_kept_and_marked_unless_pruned(copy, capsys):
    shutil.rmtree(copy / "class" / "extended")
    args = ["grade", str(copy / "class"), "--out", str(copy / "out"), "--jobs", "1"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "extended: not in the class folder any more" in " ".join(err.split())
    book = read_book(copy / "out")
    assert book["extended"]["status"] == "error: not in the class folder any more"
    assert book["extended"]["score"] == book["ontime"]["score"]          # the stored row, kept
    assert main(args + ["--prune"]) == 0
    assert "extended" not in read_book(copy / "out") and not (copy / "out" / "extended").exists()


def test_no_submission_times_means_no_penalty_and_one_warning(copy, capsys):
    (copy / "course.yaml").write_text(COURSE.replace("submitted_at: times.csv\n", ""))
    assert main(["grade", str(copy / "class"), "--out", str(copy / "out"), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert sum("no submission times given" in line for line in err.splitlines()) == 1
    assert "modification times are never used" in " ".join(err.split())
    book = read_book(copy / "out")
    assert all(float(r["late_penalty"]) == 0 and r["submitted_at"] == "" for r in book.values())


@pytest.mark.parametrize("change, message", [
    (("course.yaml", COURSE + "late_policy: strict\n"), "course.yaml:8: field 'late_policy': unknown field"),
    (("course.yaml", COURSE.replace("10%", "ten percent")), "course.yaml:3: late: field 'penalty'"),
    (("times.csv", TIMES + "late,2026-11-23 10:00\n"), "times.csv:5: late already has a time on line 3"),
    (("overrides.csv", OVERRIDES + "nobody,bpe,1,why\n"), "overrides.csv:3: student 'nobody' is not in the class"),
    (("overrides.csv", OVERRIDES + "late,bpe.nope,1,why\n"), "overrides.csv:3: target 'bpe.nope' is not a test"),
    (("overrides.csv", "student,target,points\n"), "overrides.csv:1: no column reason"),
])
def test_malformed_course_input_is_one_line_exit_2_and_nothing_written(graded, tmp_path, capsys, change, message):
    root = tmp_path / "c"
    shutil.copytree(graded / "class", root / "class")
    for name in ("course.yaml", "times.csv", "overrides.csv"):
        shutil.copy(graded / name, root / name)
    (root / change[0]).write_text(change[1])
    assert main(["grade", str(root / "class"), "--out", str(root / "out"), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not (root / "out").exists()


def test_only_with_an_unknown_student_writes_nothing(graded, tmp_path, capsys):
    assert main(["grade", str(graded / "class"), "--out", str(tmp_path / "out"), "--only", "zed"]) == 2
    assert "--only zed: not in the class folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_gradescope_autograder_applies_the_bundled_course(graded, tmp_path):
    bundle = tmp_path / "autograder.zip"
    course = tmp_path / "course.yaml"
    course.write_text(COURSE.replace("submitted_at: times.csv\noverrides: overrides.csv\n", ""))
    assert main(["export", "gradescope", str(bundle), "--course", str(course)]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        assert "embedlab/course-policy.yaml" in archive.namelist()
        for info in archive.infolist():
            target = root / "source" / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            os.chmod(target, (info.external_attr >> 16) & 0o777)
    shutil.copytree(graded / "class" / "late", root / "submission")
    (root / "results").mkdir()
    # 2026-11-22 07:00 UTC = 08:00 in Berlin: 2 started days late, as in the gradebook above
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": "2026-11-22T07:00:00.000000+00:00",
        "assignment": {"due_date": "2026-11-30T23:59:00.000000+01:00", "total_points": "100.0"},
        "users": [{"email": "late@example.edu", "id": 7, "name": "Late", "sid": "late"}], "previous_submissions": []}))
    env = dict(os.environ, EMBEDLAB_AUTOGRADER_ROOT=str(root), EMBEDLAB_PYTHON=sys.executable,
               EMBEDLAB_CASE_SECONDS="60", EMBEDLAB_SUBMISSION_SECONDS="900")
    assert subprocess.run([str(root / "source" / "setup.sh")], env=env, capture_output=True).returncode == 0
    run = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    local = results(graded / "out", "late")
    # the course's due date wins over Gradescope's (2026-11-30): the same penalty as embedlab grade
    assert data["score"] == local["score"] and data["extra_data"]["late_penalty"] == local["extra_data"]["late_penalty"]
    assert data["extra_data"]["late_penalty"] > 0
    assert [(t["name"], t["visibility"]) for t in data["tests"]] == [(t["name"], t["visibility"]) for t in local["tests"]]
    assert "Submitted 2026-11-22 08:00 CET: 1 d 8 h 1 min late (2 days)." in data["output"]


def test_lms_export_carries_the_final_score_when_a_course_was_used(graded, tmp_path):
    from grader.export.lms import export_gradebook

    target = export_gradebook(graded / "out" / "gradebook.csv", tmp_path / "canvas.csv", "canvas")
    rows = list(csv.reader(open(target, newline="")))
    at = rows[0].index("embedlab final_score")
    book = read_book(graded / "out")
    assert float(rows[1][at]) == results(graded / "out", "late")["extra_data"]["final_max"]   # Points Possible
    late = next(r for r in rows[2:] if r[0] == "late")
    assert float(late[at]) == pytest.approx(float(book["late"]["final_score"]))


def test_an_extension_delays_what_that_student_sees_only():
    from grader.course.apply import StudentPolicy
    from grader.course.schema import parse_course
    from grader.grading.results import SubmissionResult, TestResult

    course = parse_course("due: 2026-11-20 23:59\nextensions: {extended: 3d}\n")
    result = SubmissionResult(student="x", tests=[
        TestResult("bpe.train_bpe: ties", 0.0, 1.0, "failed", "BPE tie-break hint", part="bpe", hidden=True)])
    between = datetime(2026, 11, 22, tzinfo=timezone.utc)     # after the course's due date, before the extended one
    assert "tie-break" in StudentPolicy("ontime", course, now=between).feedback(result, result.part_max())
    assert "tie-break" not in StudentPolicy("extended", course, now=between).feedback(result, result.part_max())


def test_skipped_entry_names_are_shown_as_text_not_markup(copy, capsys):
    # an entry name is the class folder's (a student's upload): rich must not read it as markup
    (copy / "class" / "[bold red]x").mkdir(parents=True)
    assert main(["grade", str(copy / "class"), "--out", str(copy / "out"), "--no-report"]) == 0
    assert "skipped [bold red]x:" in capsys.readouterr().out
