"""The quiz in a terminal (rich): take a quiz one question at a time, or check an answers file.

    run_quiz(quiz, *, input=input, console=None, student_id=None) -> QuizScore
    check_answers_file(path, *, quiz_id=None, student_id=None, console=None, quizzes_dir=None) -> int

``run_quiz`` asks each question, reads a line with ``input`` (inject a fake one in tests), says
at once whether the answer is right, with the feedback for a wrong choice and the explanation,
and ends with the score and the lines to put in answers.yaml. An unreadable answer ("e" when the
choices are a-d, "lots" for a number) is explained and asked again; ``skip`` skips a question;
``quit``, end of input or Ctrl-C stops the quiz (what was answered still counts).
A graded quiz's handout has no key: its answers are recorded, not checked.

``check_answers_file`` is ``embedlab quiz --answers FILE``: it scores the file against the quizzes
(the handout's locked ones work offline) and returns the exit status of SPEC 8: 0 when every
answer passed, 1 when some did not, 2 with one line on stderr when the file or the quizzes cannot
be read or the quiz id is unknown.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from . import (
    AnswersFormatError,
    Question,
    QuestionResult,
    Quiz,
    QuizFormatError,
    QuizScore,
    answer_hint,
    default_quizzes_dir,
    load_answers,
    load_quizzes,
    render_prompt,
    score_answers,
    score_question,
)

_STATUS = {
    "correct": "[green]✓ correct[/]",
    "partial": "[yellow]◐ partly right[/]",
    "incorrect": "[red]✗ not right[/]",
    "invalid": "[red]✗ unreadable[/]",
    "unanswered": "[dim]– no answer[/]",
    "recorded": "[cyan]● recorded[/]",
}
_QUIT = object()


def _points(value: float) -> str:
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"


def _header(console: Console, quiz: Quiz, student_id: str | None) -> None:
    lines = [f"[bold]{escape(quiz.title)}[/]  ({quiz.id}, {quiz.mode}, {len(quiz.questions)} questions, "
             f"{_points(quiz.max_points)} points)"]
    if quiz.section:
        lines.append(f"[dim]Lesson section: {escape(quiz.section)}[/]")
    if not quiz.has_key:
        lines.append("[cyan]Graded quiz: your answers are recorded here but not checked; "
                     "the feedback comes with your grade.[/]")
    if student_id is None and any(q.params for q in quiz.questions):
        lines.append("[yellow]Some numbers depend on your student ID; without it you see the "
                     "lesson's own numbers, and grading will use yours.[/]")
    lines.append("[dim]Type your answer and press Enter; 'skip' skips a question, 'quit' stops.[/]")
    console.print(Panel("\n".join(lines), expand=False))


def _show_question(console: Console, quiz: Quiz, q: Question, number: int, student_id: str | None) -> None:
    choices = Table.grid(padding=(0, 1))
    choices.add_column(justify="right", style="bold")
    choices.add_column()
    for c in q.choices:
        choices.add_row(f"  {c.id})", escape(c.text))
    body = Group(escape(render_prompt(quiz, q, student_id=student_id)), choices,
                 f"[dim]Answer with {escape(answer_hint(q))}.[/]")
    console.print(Panel(body, title=f"Q{number}/{len(quiz.questions)} · {_points(float(q.points))} pt",
                        title_align="left"))


def _ask(console: Console, read: Callable[[str], str], quiz: Quiz, q: Question,
         student_id: str | None) -> Any:
    """(answer, result), None for skip, or _QUIT."""
    while True:
        console.print("[bold]answer>[/] ", end="")
        try:
            text = read("").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return _QUIT
        if text.casefold() == "quit":
            return _QUIT
        if text.casefold() == "skip":
            return None
        if not text:
            console.print("[dim]Type an answer, 'skip' to skip this question, or 'quit' to stop.[/]")
            continue
        result = score_question(quiz, q, text, student_id=student_id)
        if result.status != "invalid":
            return text, result
        console.print(f"[red]{escape(result.feedback[0])}[/] [dim](try again)[/]")


def _show_result(console: Console, result: QuestionResult) -> None:
    line = _STATUS[result.status]
    if result.status != "recorded":
        line += f"  {_points(result.points)}/{_points(result.max_points)}"
    console.print(line)
    for text in result.feedback:
        console.print(f"  {escape(text)}")
    if result.explanation:
        console.print(f"  [dim]Why:[/] {escape(result.explanation)}")
    console.print()


def run_quiz(quiz: Quiz, *, input: Callable[[str], str] = builtins.input, console: Console | None = None,
             student_id: str | None = None, save_to: Path | None = None) -> QuizScore:
    """Take ``quiz`` in the terminal; returns the score of what was answered.

    With ``save_to`` (an answers.yaml), every answer is written there as it is given and a
    question already answered there is not asked again: quitting and coming back resumes.
    """
    from .saved import save_answer, saved_answers

    console = console or Console()
    _header(console, quiz, student_id)
    answers: dict[str, str] = {}
    if save_to is not None:
        answers.update({q.id: a for q, a in ((q, saved_answers(save_to, quiz.id).get(q.id)) for q in quiz.questions)
                        if a is not None})
        console.print(f"Your answers are saved in {escape(str(Path(save_to).absolute()))} as you give them.",
                      highlight=False)
        if answers:
            console.print(f"[dim]{len(answers)} of {len(quiz.questions)} already answered there; "
                          "going on from the first one left.[/]")
        console.print()
    for number, q in enumerate(quiz.questions, 1):
        if q.id in answers:
            continue
        _show_question(console, quiz, q, number, student_id)
        asked = _ask(console, input, quiz, q, student_id)
        if asked is _QUIT:
            console.print("[dim]Stopped; the questions left are unanswered.[/]")
            break
        if asked is None:
            console.print("[dim]Skipped.[/]\n")
            continue
        answers[q.id], result = asked
        if save_to is not None:
            try:
                save_answer(save_to, quiz.id, q.id, answers[q.id])
            except (OSError, AnswersFormatError) as exc:
                console.print(f"[bold red]could not save this answer in {escape(str(save_to))}: "
                              f"{escape(str(exc))}[/]")
        _show_result(console, result)
    score = score_answers(quiz, {quiz.id: answers}, student_id=student_id)
    _show_summary(console, quiz, score)
    if save_to is not None:
        console.print(f"Your answers are in {escape(str(Path(save_to).absolute()))}; "
                      "`embedlab submit` hands that file in.", highlight=False)
    elif answers:
        snippet = yaml.safe_dump({quiz.id: answers}, sort_keys=False, allow_unicode=True, width=1000)
        console.print("To hand these answers in, put them in your answers.yaml:")
        console.print(escape(snippet.rstrip()), highlight=False)
    return score


def _show_summary(console: Console, quiz: Quiz, score: QuizScore) -> None:
    table = Table(title=f"{escape(quiz.title)} ({quiz.id})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("question")
    table.add_column("result")
    table.add_column("points", justify="right")
    for number, r in enumerate(score.results, 1):
        points = "" if r.status == "recorded" else f"{_points(r.points)}/{_points(r.max_points)}"
        table.add_row(str(number), r.question_id, _STATUS[r.status], points)
    console.print(table)
    if score.keyed:
        console.print(f"[bold]Score: {_points(score.points)}/{_points(score.max_points)}[/]")
    else:
        recorded = sum(r.status == "recorded" for r in score.results)
        console.print(f"[bold]{recorded} of {len(score.results)} answers recorded[/] (graded later)")


def _show_checked(console: Console, quiz: Quiz, score: QuizScore) -> None:
    table = Table(title=f"{escape(quiz.title)} ({quiz.id}, {quiz.mode})", title_justify="left",
                  show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("question")
    table.add_column("result", no_wrap=True)
    table.add_column("points", justify="right")
    table.add_column("feedback", ratio=1)
    for number, r in enumerate(score.results, 1):
        notes = [escape(text) for text in r.feedback]
        if r.explanation and r.status in ("incorrect", "partial"):
            notes.append(f"[dim]Why:[/] {escape(r.explanation)}")
        points = "" if r.status == "recorded" else f"{_points(r.points)}/{_points(r.max_points)}"
        table.add_row(str(number), r.question_id, _STATUS[r.status], points, "\n".join(notes))
    console.print(table)
    for note in score.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    total = (f"{_points(score.points)}/{_points(score.max_points)} points" if score.keyed
             else "graded later: its key is not in the handout")
    console.print(f"[bold]{quiz.id}:[/] {total}\n")


def check_answers_file(path: str | Path, *, quiz_id: str | None = None, student_id: str | None = None,
                       console: Console | None = None, quizzes_dir: str | Path | None = None) -> int:
    """Check an answers.yaml against the quizzes (all, or ``quiz_id``); the exit status of SPEC 8."""
    console = console or Console()
    try:
        quizzes = load_quizzes(quizzes_dir if quizzes_dir is not None else default_quizzes_dir())
        answers = load_answers(path)
    except (QuizFormatError, AnswersFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ids = [q.id for q in quizzes]
    if quiz_id is not None:
        if quiz_id not in ids:
            print(f"error: no quiz {quiz_id!r} (quizzes: {', '.join(ids)})", file=sys.stderr)
            return 2
        quizzes = [q for q in quizzes if q.id == quiz_id]
    else:
        for name in answers:
            if name not in ids:
                console.print(f"[yellow]note:[/] {escape(str(path))} has answers under {escape(repr(name))}, "
                              f"which is not a quiz (quizzes: {', '.join(ids)})")
    passed = total = 0
    for quiz in quizzes:
        score = score_answers(quiz, answers, student_id=student_id)
        _show_checked(console, quiz, score)
        passed += sum(r.passed for r in score.results)
        total += len(score.results)
    if passed == total:
        console.print(f"[green]All {total} answers passed.[/]")
        return 0
    console.print(f"[yellow]{total - passed} of {total} answers need another look.[/]")
    return 1
