"""The whole grading run on the bundled example class: scores, messages, files, resuming.

Every student of examples/class was made with one known change (examples/make_class.py), so what
each must score follows from that change, not from what the engine happens to print.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader.grading.engine import grade_class
from grader.paths import EXAMPLE_CLASS_DIR, PROJECT_ROOT
from workflow_helpers import small_class
from grader.sandbox.zygote import Limits

EMBEDLAB = [sys.executable, "-m", "grader.cli"]
FULL = ("alice", "heidi", "ivan", "mallory", "peggy")


def load_make_class():
    spec = importlib.util.spec_from_file_location("make_class", PROJECT_ROOT / "examples" / "make_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tree(folder: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    files[f"{path.relative_to(folder)}!{info.filename}"] = archive.read(info)
        elif path.is_file():
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


def test_example_class_is_what_make_class_writes(tmp_path):
    load_make_class().write(tmp_path / "class")
    assert tree(tmp_path / "class") == tree(EXAMPLE_CLASS_DIR), "run: python examples/make_class.py"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("graded")
    summary = grade_class(EXAMPLE_CLASS_DIR, out, jobs=2, limits=Limits())
    with open(out / "gradebook.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return out, summary, rows


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text())


def failed(out: Path, student: str, part: str) -> list[dict]:
    return [t for t in results(out, student)["tests"] if t["status"] == "failed" and part in t["tags"]]


def test_every_student_has_a_row_and_the_strays_are_skipped(graded):
    out, summary, rows = graded
    assert sorted(rows) == sorted(["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
                                   "judy", "mallory", "oscar", "peggy"])
    assert summary.graded == 13 and summary.errors == 0
    assert sorted(name for name, _ in summary.skipped) == [".DS_Store", "README.txt"]
    skipped = (out / "skipped.csv").read_text()
    assert "README.txt" in skipped and ".DS_Store" in skipped
    assert all(row["status"] == "ok" for row in rows.values())


def test_right_answers_get_full_marks_however_they_are_handed_in(graded):
    _, _, rows = graded
    for student in FULL:
        assert rows[student]["score"] == rows[student]["max_score"], student


def test_untouched_stubs_score_zero_as_not_attempted(graded):
    out, _, rows = graded
    assert float(rows["bob"]["score"]) == 0.0
    tests = [t for t in results(out, "bob")["tests"] if not t["name"].startswith("quiz.")]
    assert tests and all(t["status"] == "failed" for t in tests)
    assert all("not attempted" in t["output"] for t in tests if "hidden" not in t["tags"])
    assert "Traceback" not in (out / "bob" / "feedback.md").read_text()


def test_each_mistake_costs_points_only_where_it_is(graded):
    _, _, rows = graded
    full = rows["alice"]
    for student, broken in {"carol": {"bpe", "lookup"}, "dave": {"skipgram", "similarity", "pipeline"},
                            "erin": {"skipgram"}, "frank": {"bpe"}, "grace": {"similarity", "pipeline"},
                            "judy": {"skipgram"}, "oscar": {"skipgram", "pipeline"}}.items():
        for module in ("bpe", "lookup", "skipgram", "similarity", "pipeline"):
            got, best = float(rows[student][module]), float(full[module])
            if module in broken:
                assert got < best, (student, module)
            else:
                assert got == best, (student, module)


def test_limits_and_crashes_are_named_in_the_feedback(graded):
    out, _, _ = graded
    assert any("time limit" in t["output"] or "ran out of time" in t["output"] for t in failed(out, "frank", "bpe"))
    assert any("memory" in t["output"] for t in failed(out, "judy", "skipgram"))
    assert any("status 3" in t["output"] or "crash" in t["output"] for t in failed(out, "erin", "skipgram"))
    grace = results(out, "grace")["output"]
    assert "similarity.py" in grace and "SyntaxError" in grace and "line" in grace


def test_notebook_and_zip_notes(graded):
    out, _, _ = graded
    assert "bpe was taken from bpe.ipynb" in results(out, "ivan")["output"]
    assert "magic" in results(out, "ivan")["output"]
    assert results(out, "heidi")["score"] == results(out, "alice")["score"]


def test_hidden_cases_never_show_inputs_or_expected_values(graded):
    out, _, _ = graded
    for student in ("bob", "carol", "frank", "judy", "oscar"):
        for test in results(out, student)["tests"]:
            if "hidden" in test["tags"] and test["status"] == "failed":
                assert "call:" not in test["output"] and "expected" not in test["output"].lower(), test


def test_the_hostile_student_changed_nothing_outside(graded):
    assert not Path("/tmp/embedlab-was-here").exists()
    time.sleep(0.5)
    sleepers = subprocess.run(["pgrep", "-f", "^sleep 1000$"], capture_output=True, text=True).stdout.split()
    assert sleepers == []


def test_a_rerun_reuses_everything_and_writes_the_same_gradebook(graded):
    out, _, _ = graded
    before = (out / "gradebook.csv").read_text()
    again = grade_class(EXAMPLE_CLASS_DIR, out, jobs=2, limits=Limits())
    assert again.graded == 0 and again.reused == 13
    assert (out / "gradebook.csv").read_text() == before


def test_only_changed_submissions_are_regraded_and_force_regrades_all(tmp_path):
    bpe = (PROJECT_ROOT / "solutions" / "bpe.py").read_text()
    klass = small_class(tmp_path / "class", {"a1": bpe, "a2": bpe, "a3": bpe})
    out = tmp_path / "out"
    assert grade_class(klass, out, jobs=1, limits=Limits()).graded == 3
    (klass / "a2" / "bpe.py").write_text(bpe.replace("best = max(counts, key=counts.get)",
                                                     "best = max(sorted(counts), key=counts.get)"))
    second = grade_class(klass, out, jobs=1, limits=Limits())
    assert (second.graded, second.reused) == (1, 2)
    third = grade_class(klass, out, jobs=1, limits=Limits(), force=True)
    assert (third.graded, third.reused) == (3, 0)


def stored_students(out: Path) -> set[str]:
    import sqlite3
    try:
        with sqlite3.connect(f"file:{out / 'gradebook.db'}?mode=ro", uri=True) as db:
            return {row[0] for row in db.execute("SELECT student FROM results")}
    except sqlite3.Error:  # not created yet
        return set()


def test_an_interrupted_run_keeps_what_was_graded(tmp_path):
    bpe = (PROJECT_ROOT / "solutions" / "bpe.py").read_text()
    slow = bpe.replace("    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n    import time; time.sleep(30)\n", 1)
    klass = small_class(tmp_path / "class", {"b1": bpe, "b2": bpe, "z-slow": slow})
    out = tmp_path / "out"
    proc = subprocess.Popen([*EMBEDLAB, "grade", str(klass), "--out", str(out), "--jobs", "1",
                             "--case-seconds", "2", "--case-floor", "2", "--submission-seconds", "10"],
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    # wait for the store, not the files: a worker writes b2's files a moment before the main
    # process stores b2, and a Ctrl-C in between (a loaded machine) leaves b2 to be graded again
    while time.monotonic() < deadline and stored_students(out) < {"b1", "b2"}:
        time.sleep(0.1)
    assert stored_students(out) >= {"b1", "b2"}
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert not list(out.rglob("*.tmp"))
    resumed = grade_class(klass, out, jobs=1, limits=Limits(case_seconds=2, case_floor=2, submission_seconds=10))
    assert resumed.reused == 2 and resumed.graded == 1


@pytest.mark.parametrize("argv, message", [
    (["grade", "nowhere", "--out", "x"], "no such folder"),
    (["grade", "examples/class", "--out", "o", "--jobs", "0"], "--jobs"),
    (["grade", "examples/class"], "--out"),
    (["grade", "examples/class", "--out", "examples/class/alice"], "inside the submissions"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_usage_is_one_line_and_exit_2(argv, message):
    proc = subprocess.run([*EMBEDLAB, *argv], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_a_broken_or_missing_file_costs_only_its_own_cases(tmp_path):
    bpe = (PROJECT_ROOT / "solutions" / "bpe.py").read_text()
    klass = small_class(tmp_path / "class", {"ok": bpe, "broken": bpe.replace("def encode(", "def encode(:", 1),
                                             "empty": ""})
    out = tmp_path / "out"
    grade_class(klass, out, jobs=1, limits=Limits())
    with open(out / "gradebook.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    for student in ("broken", "empty"):
        assert float(rows[student]["bpe"]) == 0.0
        for module in ("lookup", "skipgram", "similarity"):  # they import bpe's given helpers
            assert rows[student][module] == rows["ok"][module], (student, module)
    assert "SyntaxError" in results(out, "broken")["output"] and "line" in results(out, "broken")["output"]
    assert "bpe.py is empty" in results(out, "empty")["output"]
