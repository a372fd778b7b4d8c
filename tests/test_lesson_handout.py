"""Issue 17 (self-learners): the handout ships the lesson, LESSON.md, with every exercise function
and every quiz placed after (and linked from) its section, and the README's first screen says the
route: read, write, check, quiz."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.authoring.lesson import lesson_markdown, lesson_sections
from grader.cli import main
from grader.paths import EXERCISE_MODULES, QUIZZES_DIR, STUDENT_FUNCTIONS
from grader.quiz import load_quizzes


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lesson") / "handout"
    assert main(["release", str(out)]) == 0
    return out


def test_the_handout_ships_the_lesson_with_exercises_and_quizzes_in_place(handout: Path) -> None:
    lesson = (handout / "LESSON.md").read_text(encoding="utf-8")
    sections = lesson_sections()
    # every module's lesson section is in it, whole, in lesson order, each followed by its exercise
    starts = [lesson.index(sections[m].strip()) for m in EXERCISE_MODULES]
    assert starts == sorted(starts)
    for number, module in enumerate(EXERCISE_MODULES):
        end = starts[number + 1] if number + 1 < len(starts) else len(lesson)
        part = lesson[starts[number]:end]
        assert f"### Exercise: `exercises/{module}.py`" in part
        assert f"embedlab check {module}" in part
        for function in STUDENT_FUNCTIONS[module]:
            assert f'<a id="{module}-{function}"></a>`{module}.{function}`' in part
    # every quiz is in it once, with the command that takes it, after the section it asks about
    quizzes = load_quizzes(QUIZZES_DIR)
    for quiz in quizzes:
        assert lesson.count(f'<a id="quiz-{quiz.id}"></a>') == 1
        assert f"embedlab quiz {quiz.id} --id YOUR_ID" in lesson
    tokens = lesson.index('<a id="quiz-tokens"></a>')
    assert starts[0] < tokens < starts[1]  # the tokens quiz follows the BPE section
    final = lesson.index('<a id="quiz-final"></a>')
    assert final > starts[-1]
    # the contents links resolve to anchors in the same file
    for target in re.findall(r"\]\(#([\w-]+)\)", lesson):
        assert f'<a id="{target}"></a>' in lesson, target
    assert lesson == lesson_markdown(quizzes)


def test_the_lesson_is_right_where_the_original_is_off(handout: Path) -> None:
    lesson = (handout / "LESSON.md").read_text(encoding="utf-8")
    assert len("The quick brown fox") == 19
    flat = " ".join(lesson.split())
    assert '"The quick brown fox" becomes 19 separate inputs' in flat
    assert "becomes 18" not in flat
    assert "original text says 18" in flat   # and it says so


def test_the_readme_opens_with_a_self_learners_route(handout: Path) -> None:
    readme = (handout / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(readme.splitlines()[:24])
    assert "[LESSON.md](LESSON.md)" in first_screen
    for step in ("read", "embedlab check", "embedlab quiz"):
        assert step in first_screen, step
