"""The reference is checked too: ``validate`` names every case whose reference answer changed.

The instructor's experiment: in a copy of the project, ``cosine_similarity_matrix`` returns half
the true value. The solutions still pass their own cases (the cases ask the same halved reference),
but ``validate`` must exit 1 naming the changed cases with the difference, ``release`` must refuse,
and after ``validate --accept`` the halved answers are the record (the instructor's explicit choice).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from grader.authoring import reference_record as rr
from grader.paths import PROJECT_ROOT
from grader.authoring.release import ReleaseError, build_handout
from grader.authoring.validate import check_reference_record, validate

HALF = ("    return np.clip(unit_rows(A) @ unit_rows(B).T, -1.0, 1.0)",
        "    return np.clip(unit_rows(A) @ unit_rows(B).T, -1.0, 1.0) / 2")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for folder in ("solutions", "exercises", "quizzes"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / rr.RECORD_RELPATH).parent.mkdir(parents=True)
    shutil.copy(rr.RECORD_PATH, tmp_path / rr.RECORD_RELPATH)
    return tmp_path


def halve(project: Path) -> None:
    path = project / "solutions" / "similarity.py"
    text = path.read_text()
    assert text.count(HALF[0]) == 1
    path.write_text(text.replace(*HALF))


class Out:
    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(record=True, width=250, color_system=None, file=open("/dev/null", "w"))


def test_the_committed_record_is_what_the_solutions_answer() -> None:
    problems, covered = rr.check(rr.live_modules(PROJECT_ROOT))
    assert problems == []
    assert re.match(r"\d+ cases, \d+ reference calls; \d+ docstring examples hold", covered)


def test_every_case_is_recorded_and_passes_against_the_solutions() -> None:
    from grader.casekit import collect_cases

    record = rr.load()
    assert set(record["cases"]) == {s.name for s in collect_cases(include_hidden=True)}
    assert {c["verdict"] for c in record["cases"].values()} == {"passed"}
    examples = {e["example"] for e in record["examples"]}
    assert 'encode("abc", [("a", "bc"), ("b", "c")]) -> ["a", "bc"]' in examples
    assert 'train_bpe("low low low lower lowest", 2) -> [("l", "o"), ("lo", "w")]' in examples


def test_the_half_cosine_experiment(project: Path) -> None:
    halve(project)
    problems, _ = check_reference_record(project)
    changed = [p for p in problems if "the reference's answer changed" in p]
    names = {p.split(": the reference's answer changed")[0] for p in changed}
    assert "similarity.cosine_similarity_matrix: the docstring example, with a zero row" in names
    assert "similarity.cosine_similarity: the docstring example: 45 degrees" in names
    # halving keeps every ranking: top_k, analogy and retrieve ask the reference the same and get the same
    assert {n.split(":")[0] for n in names} == {"similarity.cosine_similarity", "similarity.cosine_similarity_matrix"}
    # the difference is shown: the recorded value and the halved one
    assert any("the answer was recorded as 1.0, now 0.5" in p for p in changed), changed
    assert problems[-1].endswith("`embedlab validate --accept` to record their new answers")
    assert len(problems) == len(changed) + 1


def test_validate_exits_1_naming_the_changed_cases_and_accept_records_them(project: Path) -> None:
    halve(project)
    out = Out()
    assert validate(console=out.console, root=project) == 1
    text = out.console.export_text()
    assert re.search(r"✗ reference record .*problems", text)
    assert re.search(r"- reference record: similarity\.cosine_similarity_matrix: .* the reference's answer changed: "
                     r"ref\.similarity\.cosine_similarity_matrix: the answer", text), text
    # the instructor meant it: accept, and the record now holds the halved answers
    before = (project / rr.RECORD_RELPATH).read_bytes()
    out = Out()
    validate(console=out.console, root=project, accept=True)
    text = out.console.export_text()
    assert "accepted: reference_record.json.gz now records" in text
    assert (project / rr.RECORD_RELPATH).read_bytes() != before
    assert "✓ reference record" in text
    assert rr.RECORD_PATH.read_bytes() != (project / rr.RECORD_RELPATH).read_bytes()  # the checkout's is untouched


def test_release_refuses_a_reference_validate_rejects(monkeypatch, tmp_path: Path) -> None:
    import numpy as np

    from solutions import similarity

    real = similarity.cosine_similarity_matrix
    monkeypatch.setattr(similarity, "cosine_similarity_matrix", lambda A, B: np.asarray(real(A, B)) / 2)
    with pytest.raises(ReleaseError) as refused:
        build_handout(tmp_path / "handout")
    assert any(p.startswith("reference record: similarity.") for p in refused.value.problems), refused.value.problems


def test_a_missing_or_broken_record_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problems, _ = rr.check(rr.live_modules(PROJECT_ROOT), tmp_path / "none.json.gz")
    assert problems and "is missing" in problems[0] and "validate --accept" in problems[0]
    (tmp_path / "bad.json.gz").write_bytes(b"not gzip")
    problems, _ = rr.check(rr.live_modules(PROJECT_ROOT), tmp_path / "bad.json.gz")
    assert problems and "not a readable reference record" in problems[0]


def test_docstring_examples_catch_a_wrong_example() -> None:
    from types import SimpleNamespace

    modules = {m: getattr(__import__(f"solutions.{m}"), m) for m in ("bpe", "lookup", "skipgram", "similarity",
                                                                     "pipeline")}
    wrong_bpe = SimpleNamespace(**{n: getattr(modules["bpe"], n) for n in dir(modules["bpe"]) if not n.startswith("__")})
    wrong_bpe.encode = lambda text, merges: list(text)        # ignores the merges
    wrong_bpe.encode.__doc__ = modules["bpe"].encode.__doc__
    results = rr.docstring_examples({**modules, "bpe": wrong_bpe})
    failed = {e["example"] for e in results if e["status"] == "failed"}
    assert 'encode("abc", [("a", "bc"), ("b", "c")]) -> ["a", "bc"]' in failed
    assert all(e["status"] == "passed" for e in results if e["function"] != "bpe.encode")
