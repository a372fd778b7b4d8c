"""Quiz answers kept as they are given: each one written into the student's answers.yaml at once.

    saved_answers(path, quiz_id) -> {question_id: answer}     what a previous session saved (resume)
    save_answer(path, quiz_id, question_id, answer)           one answer, written atomically

Closing the terminal in the middle of ``embedlab quiz final --id s123`` must not lose a single
answer, and the file is the one ``embedlab submit`` packs. So every answer is written the moment it
is accepted, the way it was typed (``b``, ``a, c``, ``51,200,000``), into ``answers.yaml``:

* atomically (a temporary file beside it, then a rename: a crash leaves the old file or the new one);
* keeping everything else in it: other quizzes, other answers, and the comments
  ``embedlab quiz --template`` wrote (ruamel.yaml's round trip keeps comments and order; PyYAML
  would drop them);
* so that the next session starts at the first question without an answer.

Example::

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "answers.yaml"
    >>> _ = path.write_text("# my answers\\ntokens:\\n  q1: b   # sure\\n")
    >>> save_answer(path, "final", "q2", "a, c")
    >>> print(path.read_text(), end="")
    # my answers
    tokens:
      q1: b   # sure
    final:
      q2: a, c
    >>> saved_answers(path, "final")
    {'q2': 'a, c'}
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..fsutil import atomic_write_text
from . import AnswersFormatError, load_answers


def saved_answers(path: Path, quiz_id: str) -> dict[str, Any]:
    """The answers of ``quiz_id`` already in ``path`` (none if the file does not exist); empty ones
    (a template's ``q1:``) count as not answered. AnswersFormatError if the file cannot be read."""
    if not Path(path).exists():
        return {}
    section = load_answers(path).get(quiz_id) or {}
    return {qid: answer for qid, answer in section.items() if answer not in (None, "", [])}


def _round_trip():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # an answer stays on its line
    return yaml


def save_answer(path: Path, quiz_id: str, question_id: str, answer: str) -> None:
    """Put ``answer`` (a string, as typed) under ``quiz_id: question_id:`` in ``path``, atomically.

    The file is read again each time (the student may have edited it in between); raises
    AnswersFormatError naming the file if it is not a mapping of quiz ids, OSError if it cannot be
    written.
    """
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    path = Path(path)
    yaml = _round_trip()
    data: Any = None
    if path.exists():
        load_answers(path)  # the project's own checks (size, encoding, shape) with file:line messages
        try:
            data = yaml.load(path.read_text(encoding="utf-8"))
        except YAMLError as exc:  # pragma: no cover - load_answers above rejects what YAML cannot read
            raise AnswersFormatError(f"{path}: {exc}") from None
    if data is None:
        data = CommentedMap()
    section = data.get(quiz_id)
    if section is None:
        section = data[quiz_id] = CommentedMap()
    section[question_id] = answer
    out = io.StringIO()
    yaml.dump(data, out)
    atomic_write_text(path, out.getvalue())
