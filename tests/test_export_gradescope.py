"""`embedlab export gradescope`: the autograder zip, unpacked into a fake /autograder and run.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once, then
``run_autograder`` per submission and reads ``/autograder/results/results.json``. Here the root is
a temporary folder (``EMBEDLAB_AUTOGRADER_ROOT``) and ``EMBEDLAB_PYTHON`` points at this
environment, so ``setup.sh`` installs nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from grader.cli import main
from grader.grading.engine import grade_class
from grader.export.gradescope_run import student_id, submission_entry
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT, QUIZZES_DIR
from grader.quiz import key_answers, load_quizzes
from grader.sandbox.zygote import Limits

GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format",
                  "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output",
                   "output_format", "tags", "visibility", "extra_data"}
SID = "s1234567"
#: generous limits, the same for the autograder and the engine: a loaded machine must not time a case out
SLOW = Limits(case_seconds=60.0, submission_seconds=900.0)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "autograder.zip"
    assert main(["export", "gradescope", str(path)]) == 0
    return path


def make_submission(folder: Path) -> None:
    """The solutions with lookup still a stub, and the quizzes answered right for SID."""
    folder.mkdir(parents=True)
    for module in EXERCISE_MODULES:
        origin = PROJECT_ROOT / ("exercises" if module == "lookup" else "solutions") / f"{module}.py"
        shutil.copy(origin, folder / f"{module}.py")
    answers = {quiz.id: key_answers(quiz, student_id=SID) for quiz in load_quizzes(QUIZZES_DIR)}
    (folder / "answers.yaml").write_text(yaml.safe_dump(answers, sort_keys=False))


def unpack(bundle: Path, root: Path) -> None:
    """What Gradescope does with the upload: its contents in ROOT/source, modes kept."""
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            target = root / "source" / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            os.chmod(target, (info.external_attr >> 16) & 0o777)


def test_the_zip_has_gradescope_s_layout(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        scripts = {name: archive.read(name) for name in ("setup.sh", "run_autograder")}
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    for text in scripts.values():
        assert text.startswith(b"#!/usr/bin/env bash\n") and b"\r" not in text
    assert "requirements.txt" in names
    # the grader needs these; they are why the zip must stay private
    assert "embedlab/solutions/bpe.py" in names
    assert any(n.startswith("embedlab/grader/cases/hidden/test_") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_requirements_are_pinned_and_only_the_runtime_ones(bundle):
    with zipfile.ZipFile(bundle) as archive:
        lines = archive.read("requirements.txt").decode().split()
    assert sorted(line.split("==")[0] for line in lines) == ["nbformat", "numpy", "pyyaml", "rich", "tzdata"]
    assert all("==" in line for line in lines)


def test_the_same_export_gives_the_same_bytes(bundle, tmp_path):
    again = tmp_path / "again.zip"
    assert main(["export", "gradescope", str(again)]) == 0
    assert again.read_bytes() == bundle.read_bytes()


def test_run_autograder_grades_like_the_engine(bundle, tmp_path):
    root = tmp_path / "autograder"
    unpack(bundle, root)
    make_submission(root / "submission")
    (root / "results").mkdir()
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 123, "created_at": "2026-11-20T10:00:00Z", "assignment": {"total_points": 100.0},
        "users": [{"email": "ada@example.edu", "id": 7, "name": "Ada", "sid": SID}], "previous_submissions": []}))
    env = dict(os.environ, EMBEDLAB_AUTOGRADER_ROOT=str(root), EMBEDLAB_PYTHON=sys.executable,
               EMBEDLAB_CASE_SECONDS=str(SLOW.case_seconds), EMBEDLAB_SUBMISSION_SECONDS=str(SLOW.submission_seconds))
    setup = subprocess.run([str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True)
    assert setup.returncode == 0, setup.stderr
    run = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"from {root / 'source' / 'embedlab'}" in run.stdout   # the bundled grader ran, not this checkout's

    results = json.loads((root / "results" / "results.json").read_text())
    assert set(results) <= GRADESCOPE_TOP
    assert all(set(test) <= GRADESCOPE_TEST for test in results["tests"])

    # the engine itself, on the same files under the same student ID
    class_dir, out = tmp_path / "class", tmp_path / "out"
    shutil.copytree(root / "submission", class_dir / SID)
    grade_class(class_dir, out, jobs=1, limits=SLOW)
    direct = json.loads((out / SID / "results.json").read_text())
    assert results["score"] == direct["score"]
    assert [(t["name"], t["score"]) for t in results["tests"]] == [(t["name"], t["score"]) for t in direct["tests"]]
    by_part: dict[str, float] = {}
    for test in results["tests"]:
        by_part[test["tags"][0]] = by_part.get(test["tags"][0], 0.0) + test["score"]
    assert by_part["lookup"] == 0 and by_part["bpe"] > 0
    quizzes = [t for t in results["tests"] if t["name"].startswith("quiz.")]
    assert quizzes and all(t["status"] == "passed" for t in quizzes)   # the variants of SID


def test_limits_come_from_the_environment(monkeypatch):
    from grader.export.gradescope_run import limits_from_environment

    assert limits_from_environment() == Limits()
    monkeypatch.setenv("EMBEDLAB_CASE_SECONDS", "2.5")
    monkeypatch.setenv("EMBEDLAB_MEMORY_MB", "512")
    assert limits_from_environment() == Limits(case_seconds=2.5, memory_bytes=512 << 20)
    monkeypatch.setenv("EMBEDLAB_SUBMISSION_SECONDS", "soon")
    with pytest.raises(ValueError, match="EMBEDLAB_SUBMISSION_SECONDS"):
        limits_from_environment()


def test_student_id_comes_from_the_metadata():
    assert student_id({"users": [{"sid": "s42", "email": "a@b.c"}]}) == "s42"
    assert student_id({"users": [{"sid": "", "email": "ada@example.edu"}]}) == "ada@example.edu"
    assert student_id({"users": [{"sid": "not valid!", "email": None}]}) == "student"
    assert student_id({}) == "student"


def test_a_single_uploaded_zip_is_read_as_the_submission(tmp_path):
    (tmp_path / "work.zip").write_bytes(b"PK")
    assert submission_entry(tmp_path) == tmp_path / "work.zip"
    (tmp_path / "bpe.py").write_text("")
    assert submission_entry(tmp_path) == tmp_path


def test_a_zip_inside_the_tree_is_refused(tmp_path):
    assert main(["export", "gradescope", str(PROJECT_ROOT / "grader" / "x.zip")]) == 2
    assert main(["export", "gradescope", str(tmp_path / "x.tar")]) == 2
