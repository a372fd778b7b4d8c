"""Issue 17 (students): a renamed function is named as such, and ``Next:`` follows the lesson order.

Each test runs ``embedlab check`` as a student would, on a folder built from the reference solutions
with one thing changed by hand, and reads what the terminal shows.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.paths import STUDENT_FUNCTIONS, missing_function_message
from workflow_helpers import break_function, copy_modules, embedlab


def flat(text: str) -> str:
    """The output as one line of words (rich wraps long lines at the terminal's width)."""
    return " ".join(text.replace("│", " ").split())


def test_the_message_names_the_file_and_the_function() -> None:
    assert missing_function_message("bpe", "merge_pair") == "bpe.py has no function merge_pair (did you rename it?)"


def test_a_renamed_function_is_not_a_file_that_did_not_load(tmp_path: Path) -> None:
    work = copy_modules(tmp_path / "exercises", source="solutions")
    bpe = work / "bpe.py"
    source = bpe.read_text(encoding="utf-8")
    assert source.count("def merge_pair(") == 1
    bpe.write_text(re.sub(r"\bmerge_pair\(", "merge_pairs(", source), encoding="utf-8")

    result = embedlab("check", "bpe", cwd=tmp_path)
    out = flat(result.stdout)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "exercises/bpe.py has no function merge_pair (did you rename it?) — it defines merge_pairs" in out
    assert "file not loaded" not in out                      # the file did load
    assert re.search(r"merge_pair\s+no such function", result.stdout), result.stdout
    assert re.search(r"count_pairs\s+passed", result.stdout)  # the rest of bpe.py is still checked
    assert "Next: give merge_pair its name back in exercises/bpe.py" in out
    assert "make exercises/bpe.py load again" not in out


def test_next_is_the_first_function_not_passing_in_lesson_order(tmp_path: Path) -> None:
    work = copy_modules(tmp_path / "exercises", source="solutions")
    # two failures: init_embeddings is broken first, but embedding_lookup comes first in the lesson
    break_function(work, "lookup", "init_embeddings", "return None")
    break_function(work, "lookup", "embedding_lookup", "raise KeyError('boom')")
    result = embedlab("check", "lookup", cwd=tmp_path)
    out = flat(result.stdout)
    assert result.returncode == 1
    order = STUDENT_FUNCTIONS["lookup"]
    assert order.index("embedding_lookup") < order.index("init_embeddings")
    assert "Next: fix lookup.embedding_lookup in exercises/lookup.py" in out
    # never a function that passes: build_vocab (first in lesson order) passes and is not named
    assert re.search(r"build_vocab\s+passed", result.stdout)
    assert "lookup.build_vocab" not in out

    # once embedding_lookup is fixed, Next moves on to the next one not passing, not back to the start
    copy_modules(tmp_path / "fixed", source="solutions")
    (work / "lookup.py").write_text((tmp_path / "fixed" / "lookup.py").read_text(encoding="utf-8"), encoding="utf-8")
    break_function(work, "lookup", "init_embeddings", "return None")
    again = flat(embedlab("check", "lookup", cwd=tmp_path).stdout)
    assert "Next: fix lookup.init_embeddings in exercises/lookup.py" in again
