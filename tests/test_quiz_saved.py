"""Issue 17: quiz answers are never lost — saved as given, atomically, into answers.yaml; resumed.

The session test drives ``embedlab quiz final --id s123`` through a pseudo-terminal (pexpect), as a
student types: answer, quit, look at the file, come back, go on from the first question left.
"""

from __future__ import annotations

from pathlib import Path

import pexpect
import pytest

from grader.quiz import load_answers
from grader.quiz.saved import save_answer, saved_answers
from workflow_helpers import EMBEDLAB, student_env

MINE = "# my answers: do not lose this comment\ntokens:\n  q-old: b  # I was sure\n"


def test_save_keeps_comments_other_quizzes_and_the_answer_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(MINE, encoding="utf-8")
    save_answer(path, "final", "params-32k-1024", "51,200,000")
    save_answer(path, "final", "rare-word", "b")
    save_answer(path, "final", "rare-word", "c")  # changed mind: replaced, not repeated
    text = path.read_text(encoding="utf-8")
    assert text.startswith(MINE)
    assert text.count("rare-word") == 1
    assert load_answers(path) == {"tokens": {"q-old": "b"},
                                  "final": {"params-32k-1024": "51,200,000", "rare-word": "c"}}
    assert saved_answers(path, "final") == {"params-32k-1024": "51,200,000", "rare-word": "c"}
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_a_template_answer_left_empty_is_not_answered(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("final:\n  rare-word:\n  cosine-value: '0.5'\n", encoding="utf-8")
    assert saved_answers(path, "final") == {"cosine-value": "0.5"}


def test_a_broken_file_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(Exception, match="answers.yaml"):
        save_answer(path, "final", "rare-word", "b")
    assert path.read_text(encoding="utf-8") == "- just\n- a list\n"


def _quiz(cwd: Path) -> pexpect.spawn:
    child = pexpect.spawn(str(EMBEDLAB), ["quiz", "final", "--id", "s123"], cwd=str(cwd),
                          env=student_env(), encoding="utf-8", timeout=60, dimensions=(50, 160))
    return child


def test_a_student_quits_and_resumes_in_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(MINE, encoding="utf-8")

    first = _quiz(tmp_path)
    first.expect("saved in")
    first.expect(str(path))
    first.expect("answer>")
    first.sendline("51,200,000")          # question 1 (numeric)
    first.expect("answer>")
    first.sendline("b")                   # question 2 (single)
    first.expect("answer>")
    # the file already holds both answers, before the quiz ends
    assert load_answers(path)["final"] == {"params-32k-1024": "51,200,000", "rare-word": "b"}
    first.sendline("quit")
    first.expect(pexpect.EOF)
    first.close()
    text = path.read_text(encoding="utf-8")
    assert text.startswith(MINE)            # the comment and the other quiz are kept

    second = _quiz(tmp_path)
    second.expect("2 of ")
    second.expect("already answered there")
    second.expect("Q3/")                   # starts at question 3 ...
    assert "Q1/" not in second.before and "Q2/" not in second.before  # ... not asking 1 and 2 again
    second.expect("answer>")
    second.sendline("a")
    second.expect("answer>")
    second.sendcontrol("d")                # end of input: stops like quit, nothing lost
    second.expect(pexpect.EOF)
    second.close()
    final = load_answers(path)["final"]
    assert final["params-32k-1024"] == "51,200,000" and final["rare-word"] == "b"
    assert final["one-hot-vs-lookup"] == "a"
    assert path.read_text(encoding="utf-8").startswith(MINE)
