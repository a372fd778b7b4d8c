"""The quiz in a terminal: a scripted session of run_quiz, and check_answers_file's exit codes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from grader.quiz import key_answers, load_quizzes, lock_quiz, parse_answers, parse_quiz
from grader.quiz.terminal import check_answers_file, run_quiz

ROOT = Path(__file__).resolve().parents[1]

QUIZ = """\
id: demo
title: Demo quiz
order: 1
mode: practice
questions:
  - id: pick
    type: single
    prompt: Which row does one_hot(3) @ E give?
    choices:
      - {id: a, text: row 3}
      - {id: b, text: column 3, feedback: Rows are tokens; columns are dimensions.}
    answer: a
    explanation: A one-hot vector picks one row.
  - id: rows
    type: multiple
    prompt: Which change in one skip-gram step?
    choices:
      - {id: a, text: "W_in[center]"}
      - {id: b, text: other rows of W_in, feedback: Their gradient is zero.}
      - {id: c, text: every row of W_out}
    answer: [a, c]
    explanation: Sparse in W_in, dense in W_out.
  - id: count
    type: numeric
    prompt: How many parameters in a {V:,} x {d} matrix?
    params: {V: [100000, 32000], d: [512, 1024]}
    answer: V * d
    units: [parameters]
    explanation: Rows times columns.
  - id: name
    type: text
    prompt: Name the algorithm.
    accept: [BPE, byte pair encoding]
    explanation: Byte Pair Encoding merges frequent pairs.
"""


def console():
    return Console(file=io.StringIO(), width=100, color_system=None, highlight=False)


def scripted(*lines):
    """An input() that answers with these lines, then hits end of input."""
    feed = iter(lines)

    def read(prompt: str = "") -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None
    return read


@pytest.fixture
def demo():
    return parse_quiz(QUIZ, source="demo.yaml")


def test_a_whole_session(demo):
    out = console()
    score = run_quiz(demo, input=scripted("c", "b", "", "[a, c]", "lots", "skip", " bpe "), console=out)
    text = out.file.getvalue()
    # Q1: an unreadable answer is explained and asked again; then a wrong one gets its feedback
    assert "expected one of the choice ids a, b, got 'c' (try again)" in text
    assert "✗ not right  0/1" in text and "Rows are tokens; columns are dimensions." in text
    assert "Why: A one-hot vector picks one row." in text
    # Q2: an empty line asks again; then right
    assert "Type an answer, 'skip' to skip this question" in text
    assert "✓ correct  1/1" in text
    # Q3: the lesson's numbers (no student ID), with a word about it; "lots" is not a number
    assert "How many parameters in a 100,000 x 512 matrix?" in text
    assert "Some numbers depend on your student ID" in text
    assert "not a number: 'lots'" in text and "Skipped." in text
    # the end: a table and the score, and the lines for answers.yaml
    assert "Score: 2/4" in text
    assert [r.status for r in score.results] == ["incorrect", "correct", "unanswered", "correct"]
    assert (score.points, score.max_points) == (2.0, 4.0)
    snippet = text.split("put them in your answers.yaml:\n", 1)[1]
    assert parse_answers(snippet) == {"demo": {"pick": "b", "rows": "[a, c]", "name": "bpe"}}


def test_the_student_id_picks_the_numbers(demo):
    out = console()
    score = run_quiz(demo, input=scripted("skip", "skip", "51,200,000", "quit"), console=out, student_id="bob")
    text = out.file.getvalue()
    assert "Some numbers depend" not in text
    number = key_answers(demo, student_id="bob")["count"]
    assert score.results[2].correct is (number == "51200000")


def test_end_of_input_stops_and_keeps_what_was_answered(demo):
    out = console()
    score = run_quiz(demo, input=scripted("a"), console=out)
    assert "Stopped; the questions left are unanswered." in out.file.getvalue()
    assert [r.status for r in score.results] == ["correct", "unanswered", "unanswered", "unanswered"]


def test_run_quiz_and_check_are_importable_from_grader_quiz():
    from grader import quiz

    assert quiz.run_quiz is run_quiz and quiz.check_answers_file is check_answers_file


def test_ctrl_c_stops_too(demo):
    def interrupted(prompt=""):
        raise KeyboardInterrupt
    score = run_quiz(demo, input=interrupted, console=console())
    assert score.points == 0


def test_a_graded_handout_records_without_checking(demo):
    graded = parse_quiz(QUIZ.replace("mode: practice", "mode: graded"), source="demo.yaml")
    handout = parse_quiz(yaml.safe_dump(lock_quiz(graded), sort_keys=False), source="handout.yaml")
    out = console()
    score = run_quiz(handout, input=scripted("b", "a", "12", "bpe"), console=out)
    text = out.file.getvalue()
    assert "Graded quiz: your answers are recorded here but not checked" in text
    assert "● recorded" in text and "4 of 4 answers recorded" in text
    assert "Why:" not in text and "Rows are tokens" not in text
    assert all(r.status == "recorded" for r in score.results)


# --------------------------------------------------------------------------------------------
# check_answers_file: 0 all passed, 1 some failed, 2 unreadable


@pytest.fixture
def folder(tmp_path, demo):
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    (quizzes / "demo.yaml").write_text(QUIZ)
    return tmp_path


def write_answers(folder, answers) -> Path:
    path = folder / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, sort_keys=False))
    return path


def test_exit_0_when_every_answer_passes(folder, demo):
    path = write_answers(folder, {"demo": key_answers(demo, student_id="ann")})
    out = console()
    assert check_answers_file(path, quizzes_dir=folder / "quizzes", student_id="ann", console=out) == 0
    assert "All 4 answers passed." in out.file.getvalue()


def test_exit_1_when_some_fail(folder, demo, capsys):
    answers = key_answers(demo, student_id="ann")
    answers["pick"] = "b"
    path = write_answers(folder, {"demo": answers, "demoo": {"x": "a"}})
    out = console()
    assert check_answers_file(path, quizzes_dir=folder / "quizzes", student_id="ann", console=out) == 1
    text = out.file.getvalue()
    assert "Rows are tokens" in text and "Why: A one-hot vector picks one row." in text
    assert "1 of 4 answers need another look." in text
    assert "'demoo', which is not a quiz" in text
    assert capsys.readouterr().err == ""


def test_exit_1_when_some_are_unanswered(folder):
    path = write_answers(folder, {"demo": {"pick": "a"}})
    assert check_answers_file(path, quizzes_dir=folder / "quizzes", console=console()) == 1


@pytest.mark.parametrize("content, message", [
    (None, r"answers.yaml: no such file"),
    ("demo:\n  pick: [a\n", r"answers.yaml:\d+: malformed YAML"),
    ("demo: a\n", r"answers.yaml:1: quiz 'demo': expected question ids"),
])
def test_exit_2_for_an_unreadable_file(folder, capsys, content, message):
    path = folder / "answers.yaml"
    if content is not None:
        path.write_text(content)
    assert check_answers_file(path, quizzes_dir=folder / "quizzes", console=console()) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(message, err), err


def test_exit_2_for_an_unknown_quiz_or_broken_quizzes(folder, capsys):
    path = write_answers(folder, {"demo": {"pick": "a"}})
    assert check_answers_file(path, quiz_id="nope", quizzes_dir=folder / "quizzes", console=console()) == 2
    assert capsys.readouterr().err == "error: no quiz 'nope' (quizzes: demo)\n"
    (folder / "quizzes" / "demo.yaml").write_text(QUIZ.replace("answer: a\n", "answer: z\n"))
    assert check_answers_file(path, quizzes_dir=folder / "quizzes", console=console()) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "question 'pick': field 'answer'" in err and err.count("\n") == 1


def test_one_quiz_only(folder, demo):
    path = write_answers(folder, {"demo": key_answers(demo)})
    assert check_answers_file(path, quiz_id="demo", quizzes_dir=folder / "quizzes", console=console()) == 0


def test_the_handout_checks_offline(tmp_path):
    """The released quizzes (locked): practice answers are checked, graded ones recorded."""
    plain = load_quizzes(ROOT / "quizzes")
    handout = tmp_path / "quizzes"
    handout.mkdir()
    for quiz in plain:
        (handout / f"{quiz.id}.yaml").write_text(
            yaml.safe_dump(lock_quiz(quiz), sort_keys=False, allow_unicode=True), encoding="utf-8")
    answers = {quiz.id: key_answers(quiz, student_id="ann") for quiz in plain}
    path = write_answers(tmp_path, answers)
    out = console()
    assert check_answers_file(path, student_id="ann", quizzes_dir=handout, console=out) == 0
    assert "graded later: its key is not in the handout" in out.file.getvalue()
    answers["vectors"]["params-100k-512"] = "100,512"
    path = write_answers(tmp_path, answers)
    out = console()
    assert check_answers_file(path, student_id="ann", quizzes_dir=handout, console=out) == 1
    assert "You added the two sizes" in out.file.getvalue()  # feedback unsealed offline
