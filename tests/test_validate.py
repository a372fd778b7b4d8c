"""``embedlab validate``: green on this checkout, red on a copy where the assignment is broken."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from grader.cli import main
from grader.paths import PROJECT_ROOT
from grader.authoring.validate import validate


class Out:
    """A console that keeps plain text."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(record=True, width=200, color_system=None, file=open("/dev/null", "w"))

    @property
    def text(self) -> str:
        return self.console.export_text()


def test_this_checkout_is_sound(capsys) -> None:
    assert main(["validate"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    for step in ("layout", "generation", "hints", "cases", "solutions score full marks",
                 "stubs score 0, all not attempted", "no case bugs", "handout reference", "quizzes"):
        assert re.search(rf"^✓ {re.escape(step)}\b", out, re.M), step
    assert "validate: the assignment is sound" in out


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for folder in ("solutions", "exercises", "quizzes"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new))


def test_a_broken_assignment_is_red_with_each_problem_named(copy: Path) -> None:
    # a wrong solution (inside the markers: the stubs stay what generation gives)
    edit(copy / "solutions" / "bpe.py", "counts[pair] = counts.get(pair, 0) + count", "counts[pair] = count")
    # an inconsistent quiz key: the answer is no choice of the question
    quiz = copy / "quizzes" / "tokens.yaml"
    text = quiz.read_text()
    block = text[text.index("id: chatgpt-vs-hello"):]
    answer = re.search(r"\n\s+answer: (\w+)", block)
    quiz.write_text(text[:text.index("id: chatgpt-vs-hello")] + block.replace(answer.group(0),
                                                                             answer.group(0)[:-len(answer.group(1))] + "zz", 1))
    # a function without a hint, in both copies (no drift)
    for folder in ("solutions", "exercises"):
        path = copy / folder / "lookup.py"
        source = path.read_text()
        start = source.index("def one_hot(")
        hint_at = source.index("    Hint:", start)
        end = source.index('"""', hint_at)
        path.write_text(source[:hint_at] + source[end:])
    # a stub that is no stub any more, and a stray file
    edit(copy / "exercises" / "lookup.py",
         "def count_parameters(vocab_size: int, dim: int) -> int:",
         "def count_parameters(vocab_size: int, dim: int) -> int:\n    return vocab_size * dim")
    (copy / "exercises" / "notes.py").write_text("# mine\n")

    out = Out()
    assert validate(console=out.console, root=copy) == 1
    text = out.text
    problems = [line.strip() for line in text.splitlines() if line.strip().startswith("- ")]
    joined = "\n".join(problems)
    assert "- layout: exercises/notes.py is a stray file" in joined
    assert "- generation: exercises/lookup.py differs from what generation gives" in joined
    assert "- hints: lookup.one_hot has no 'Hint:' section in its docstring" in joined
    assert re.search(r"- solutions score full marks: bpe\.count_pairs: .* fails against the solutions: wrong: "
                     r".*expected:", joined)
    assert re.search(r"- stubs score 0, all not attempted: lookup\.count_parameters: .* the untouched stub gives passed",
                     joined)
    assert re.search(r"- quizzes: .*tokens\.yaml.*chatgpt-vs-hello|- quizzes: .*zz", joined), joined
    assert "validate: " in text and "problems" in text
    assert "✓ no case bugs" in text


def test_validate_is_for_instructors_only(monkeypatch, capsys, tmp_path: Path) -> None:
    import grader.authoring.release

    monkeypatch.setattr(grader.authoring.release, "PROJECT_ROOT", tmp_path)
    assert main(["validate"]) == 2
    assert capsys.readouterr().err.startswith("embedlab: validate is an instructor command")
