"""``embedlab submit --id ID``: a last check, then a zip the grader reads exactly as the folder."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from grader.cli import main
from grader.paths import EXERCISE_MODULES
from grader.grading.submission import list_class, read_submission
from workflow_helpers import copy_modules, embedlab


def test_submit_packs_the_five_files_and_the_answers(tmp_path: Path) -> None:
    work = copy_modules(tmp_path / "exercises", source="solutions")
    (tmp_path / "answers.yaml").write_text("tokens:\n  chatgpt-vs-hello: b\n")
    result = embedlab("submit", "--id", "ada.lovelace@uni-1", "--out", "class", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Progress:" in result.stdout  # the last check's summary
    assert "wrote " in result.stdout and "ada.lovelace@uni-1.zip" in result.stdout
    assert "answers taken from answers.yaml" in result.stdout
    target = tmp_path / "class" / "ada.lovelace@uni-1.zip"
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == sorted([*(f"{m}.py" for m in EXERCISE_MODULES), "answers.yaml"])
        for module in EXERCISE_MODULES:
            assert archive.read(f"{module}.py") == (work / f"{module}.py").read_bytes()
    # the grader reads it as this student's submission, every module and the answers
    listing = list_class(tmp_path / "class")
    assert list(listing.entries) == ["ada.lovelace@uni-1"]
    sub = read_submission("ada.lovelace@uni-1", listing.entries["ada.lovelace@uni-1"])
    assert sorted(sub.modules) == sorted(EXERCISE_MODULES) and sub.answers and not sub.error
    assert [p.name for p in (tmp_path / "class").iterdir()] == [target.name]  # no temporary file left


def test_work_in_progress_is_packed_too(tmp_path: Path) -> None:
    copy_modules(tmp_path / "exercises")
    result = embedlab("submit", "--id", "s123", "--out", "upload", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0/23 functions pass the public checks" in result.stdout
    assert "no answers.yaml found: quiz questions will score 0" in result.stdout
    with zipfile.ZipFile(tmp_path / "upload" / "s123.zip") as archive:
        assert sorted(archive.namelist()) == sorted(f"{m}.py" for m in EXERCISE_MODULES)


@pytest.mark.parametrize("student_id", [".hidden", "has space", "x" * 65, "a/b", ""])
def test_a_bad_student_id_is_refused(tmp_path: Path, monkeypatch, capsys, student_id: str) -> None:
    monkeypatch.chdir(tmp_path)
    copy_modules(tmp_path / "exercises")
    assert main(["submit", "--id", student_id]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"embedlab: {student_id!r} is not a valid student ID") and err.count("\n") == 1
    assert not list(tmp_path.glob("*.zip"))


def test_a_missing_file_is_named_and_nothing_is_written(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    work = copy_modules(tmp_path / "exercises")
    (work / "skipgram.py").unlink()
    (work / "pipeline.py").unlink()
    (work / "pipeline.py").symlink_to(work / "bpe.py")
    assert main(["submit", "--id", "s1"]) == 2
    err = capsys.readouterr().err
    assert err == ("embedlab: exercises/skipgram.py is missing; exercises/pipeline.py is a symbolic link (put the file "
                   "itself there) — a submission "
                   "needs all five files (an untouched stub is fine)\n")
    assert not list(tmp_path.glob("*.zip"))


def test_outside_the_handout(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["submit", "--id", "s1"]) == 2
    assert capsys.readouterr().err == ("embedlab: ./exercises: no such folder — run this inside the handout, "
                                       "or pass --path\n")


def test_a_module_that_does_not_load_stops_submit_unless_anyway(tmp_path: Path) -> None:
    """A syntax error near the top of similarity.py: submit names it first, packs nothing, exits 1."""
    work = copy_modules(tmp_path / "exercises", source="solutions")
    lines = (work / "similarity.py").read_text().splitlines()
    where = next(i for i, line in enumerate(lines) if line.startswith("import ")) + 1
    lines.insert(where, "def broken(:")
    (work / "similarity.py").write_text("\n".join(lines) + "\n")
    result = embedlab("submit", "--id", "s123", "--out", "upload", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    first = result.stdout.strip().splitlines()[0]
    assert "similarity.py" in first and f"line {where + 1}" in first, result.stdout
    assert "not packed: similarity.py does not load" in result.stdout
    assert not (tmp_path / "upload" / "s123.zip").exists()

    result = embedlab("submit", "--id", "s123", "--out", "upload", "--anyway", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(tmp_path / "upload" / "s123.zip") as archive:
        assert archive.read("similarity.py") == (work / "similarity.py").read_bytes()
