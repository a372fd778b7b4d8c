"""The lesson as the handout ships it: ``LESSON.md``, each section followed by its exercise and quiz.

    lesson_sections(path=LESSON_FILE) -> {module: markdown}     (also the nbgrader notebooks' text)
    lesson_markdown(quizzes) -> str                             the handout's LESSON.md

A self-learner has nobody to ask where the quiz ``tokens`` or the function ``merge_pair`` fits in
the lesson. ``LESSON.md`` answers it by its layout: read a section, do its exercise
(``exercises/bpe.py``: ``count_pairs``, ``merge_pair``, ...), run ``embedlab check bpe``, take the
section's quiz (``embedlab quiz tokens``). Every function and quiz is a link target
(``#bpe-merge_pair``, ``#quiz-tokens``) so the README can point at them.

The text is ``grader/export/lesson.md`` (the course's lesson, corrected where it is off: "The
quick brown fox" is 19 characters, 16 letters and 3 spaces, where the original says 18).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..paths import EXERCISE_MODULES, PROJECT_ROOT, STUDENT_FUNCTIONS

LESSON_FILE = PROJECT_ROOT / "grader" / "export" / "lesson.md"


def lesson_sections(path: Path = LESSON_FILE) -> dict[str, str]:
    """``{module: markdown}`` from ``lesson.md`` (sections start with ``<!-- module: NAME -->``)."""
    text = path.read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    for match in re.finditer(r"<!-- module: (\w+) -->\n(.*?)(?=<!-- module: |\Z)", text, re.S):
        sections[match.group(1)] = match.group(2).strip() + "\n"
    return sections


def _quiz_module(quiz, modules: tuple[str, ...]) -> str | None:
    """The exercise module whose lesson section a quiz follows: by ``order`` (1 = the first
    module's section); the end-of-lesson quiz (order past the modules) comes after all of them."""
    index = int(quiz.order) - 1
    return modules[index] if 0 <= index < len(modules) - 1 else None


def lesson_markdown(quizzes: list, *, path: Path = LESSON_FILE) -> str:
    """The handout's ``LESSON.md``: section, exercise (functions linked), check command, quiz."""
    sections = lesson_sections(path)
    after: dict[str | None, list] = {}
    for quiz in sorted(quizzes, key=lambda q: q.order):
        after.setdefault(_quiz_module(quiz, EXERCISE_MODULES), []).append(quiz)
    out = ["# The lesson: Embeddings in Machine Learning", "",
           "Read a section, then do its exercise, check it, and take its quiz:", "",
           "1. read the section below;",
           "2. write the functions it names in `exercises/MODULE.py` (each docstring says what and shows an example);",
           "3. `embedlab check MODULE` until every function passes (`embedlab hint FUNCTION` when stuck);",
           "4. `embedlab quiz QUIZ --id YOUR_ID` (your answers are saved in `answers.yaml` as you give them).", "",
           "Contents:", ""]
    for number, module in enumerate(EXERCISE_MODULES, 1):
        title = next((l[3:] for l in sections.get(module, "").splitlines() if l.startswith("## ")), module)
        out.append(f"{number}. [{title}](#lesson-{module}) — exercise `exercises/{module}.py`")
    out.append("")

    def quiz_block(quiz) -> list[str]:
        return [f'<a id="quiz-{quiz.id}"></a>', "", f"**Quiz `{quiz.id}`** — {quiz.title} ({quiz.mode}): "
                f"`embedlab quiz {quiz.id} --id YOUR_ID`", ""]

    for module in EXERCISE_MODULES:
        out += [f'<a id="lesson-{module}"></a>', "", sections.get(module, f"## {module}\n").rstrip(), "",
                f"### Exercise: `exercises/{module}.py`", ""]
        for function in STUDENT_FUNCTIONS[module]:
            out += [f'- <a id="{module}-{function}"></a>`{module}.{function}` — its docstring in '
                    f"`exercises/{module}.py`; `embedlab hint {function}`"]
        out += ["", f"Check it: `embedlab check {module}`", ""]
        for quiz in after.get(module, []):
            out += quiz_block(quiz)
    if after.get(None):
        out += ["## End of the lesson", ""]
        for quiz in after[None]:
            out += quiz_block(quiz)
    return "\n".join(out).rstrip() + "\n"
