"""``embedlab check``, ``--watch`` and ``hint``, driven the way a student drives them.

First a scripted session on a copy of the stubs (nothing done; one function pasted in; the same
function broken; a syntax error; a deleted file), then the edges: usage errors, the finished
exercises, watch mode reacting to a save, hints.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from grader.student import check as checkmod
from grader.cli import main
from grader.paths import EXERCISE_MODULES, STUDENT_FUNCTIONS
from workflow_helpers import EMBEDLAB, break_function, copy_modules, embedlab, paste_solution, student_env

TOTAL = sum(len(f) for f in STUDENT_FUNCTIONS.values())


def rows(output: str) -> dict[str, str]:
    """``{function: result word}`` from check's tables."""
    found = {}
    for line in output.splitlines():
        m = re.match(r"^\s*\S?\s+([a-z_]+)\s+(passed|failed|not attempted|file not loaded|no such function|no public check)\b", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------
# a student's session
# ---------------------------------------------------------------------------------------------
def test_a_students_session(tmp_path: Path) -> None:
    work = copy_modules(tmp_path / "exercises")

    # 1. nothing written yet: every function "not attempted", the first one is next
    first = embedlab("check", cwd=tmp_path)
    no_traceback(first)
    assert first.returncode == 1, first.stderr
    seen = rows(first.stdout)
    assert set(seen) == {f for fs in STUDENT_FUNCTIONS.values() for f in fs}
    assert set(seen.values()) == {"not attempted"}
    assert f"0/{TOTAL} functions done" in first.stdout
    assert "Next: write bpe.count_pairs in exercises/bpe.py" in first.stdout
    assert "first failure" not in first.stdout

    # 2. paste in one function: it passes, the next one is suggested
    paste_solution(work, "bpe", "count_pairs")
    second = embedlab("check", "bpe", cwd=tmp_path)
    no_traceback(second)
    assert second.returncode == 1
    assert rows(second.stdout) == {"count_pairs": "passed", "merge_pair": "not attempted",
                                   "train_bpe": "not attempted", "encode": "not attempted"}
    assert "1/4 functions done" in second.stdout
    assert "Next: write bpe.merge_pair" in second.stdout

    # 3. break it: the first failure with its message (call, expected, got) and the docstring's hint
    break_function(work, "bpe", "count_pairs", "return {}")
    third = embedlab("check", "bpe", cwd=tmp_path)
    no_traceback(third)
    assert third.returncode == 1
    assert rows(third.stdout)["count_pairs"] == "failed"
    assert "first failure: bpe.count_pairs:" in third.stdout
    flat = " ".join(third.stdout.replace("│", " ").split())  # without the panel's borders
    assert "call: bpe.count_pairs(" in flat and "expected:" in flat and "got: {}" in flat
    assert "Hint: Call `_check_words(words)` first." in flat
    assert "Next: fix bpe.count_pairs in exercises/bpe.py" in flat

    # 4. a syntax error: one line naming file and line, no traceback; the other exercises still run
    text = (work / "bpe.py").read_text()
    lines = text.splitlines()
    (work / "bpe.py").write_text(text + "\ndef broken(:\n    pass\n")
    fourth = embedlab("check", cwd=tmp_path)
    no_traceback(fourth)
    assert fourth.returncode == 1
    assert re.search(rf"exercises/bpe\.py, line {len(lines) + 2}: SyntaxError: ", fourth.stdout), fourth.stdout
    assert rows(fourth.stdout)["count_pairs"] == "file not loaded"
    assert rows(fourth.stdout)["cosine_similarity"] == "not attempted"  # similarity.py does not import bpe

    # 5. a deleted file: one clear line, its functions not done
    (work / "bpe.py").write_text(text)
    (work / "lookup.py").unlink()
    fifth = embedlab("check", cwd=tmp_path)
    no_traceback(fifth)
    assert fifth.returncode == 1
    assert "exercises/lookup.py is missing — its functions count as not done" in fifth.stdout
    assert rows(fifth.stdout)["build_vocab"] == "file not loaded"


def test_the_finished_exercises_pass_quickly(tmp_path: Path) -> None:
    copy_modules(tmp_path / "done", source="solutions")
    embedlab("check", "--path", "done", cwd=tmp_path)  # warm the disk cache and the bytecode
    started = time.perf_counter()
    result = embedlab("check", "--path", "done", cwd=tmp_path)
    seconds = time.perf_counter() - started
    no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(rows(result.stdout).values()) == {"passed"}
    assert f"{TOTAL}/{TOTAL} functions done" in result.stdout
    assert "All public checks pass" in result.stdout
    assert seconds < 10, f"embedlab check took {seconds:.2f} s"  # about 1 s; generous for a loaded machine


def test_one_exercise_only(tmp_path: Path) -> None:
    copy_modules(tmp_path / "exercises", source="solutions")
    result = embedlab("check", "similarity.py", cwd=tmp_path)
    assert result.returncode == 0
    assert set(rows(result.stdout)) == set(STUDENT_FUNCTIONS["similarity"])
    assert "All public checks of similarity pass" in result.stdout


# ---------------------------------------------------------------------------------------------
# usage errors: one line on stderr, exit 2
# ---------------------------------------------------------------------------------------------
def test_outside_the_handout(tmp_path: Path) -> None:
    result = embedlab("check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == ("embedlab: ./exercises: no such folder — run this inside the handout, "
                             "or pass --path\n")


@pytest.mark.parametrize("args, message", [
    (["check", "bep"], "embedlab: unknown exercise 'bep' — did you mean bpe? (the exercises: bpe, lookup, "
                       "skipgram, similarity, pipeline)"),
    (["check", "--path", "nowhere"], "embedlab: nowhere: no such folder"),
    (["check", "--path", "notes.txt"], "embedlab: notes.txt: not a folder (pass the folder that holds bpe.py, "
                                       "lookup.py, ...)"),
    (["check", "--path", "empty"], "embedlab: empty: none of bpe.py, lookup.py, skipgram.py, similarity.py, "
                                   "pipeline.py is here — pass --path with the folder that holds your exercise "
                                   "files"),
])
def test_usage_errors(tmp_path: Path, monkeypatch, capsys, args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    copy_modules(tmp_path / "exercises")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err == message + "\n"


def test_a_function_name_checks_its_exercise() -> None:
    assert checkmod.resolve_exercise("train_bpe") == ("bpe",)
    assert checkmod.resolve_exercise(None) == EXERCISE_MODULES


# ---------------------------------------------------------------------------------------------
# --watch
# ---------------------------------------------------------------------------------------------
def test_watch_reacts_to_a_save_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    work = copy_modules(tmp_path / "exercises")
    process = subprocess.Popen([str(EMBEDLAB), "check", "bpe", "--watch", "--path", str(work)], cwd=tmp_path,
                               env=student_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()
    seen: list[str] = []

    def wait_for(predicate, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=0.5))
            except queue.Empty:
                assert process.poll() is None, "".join(seen) + process.stderr.read()
                continue
            if predicate("".join(seen)):
                return
        raise AssertionError("timed out; output so far:\n" + "".join(seen))

    try:
        wait_for(lambda out: "watching" in out)
        assert rows("".join(seen))["count_pairs"] == "not attempted"
        runs = "".join(seen).count("check at")
        paste_solution(work, "bpe", "count_pairs")
        wait_for(lambda out: out.count("check at") > runs and out.rstrip().endswith("Ctrl-C to stop"))
        latest = "".join(seen).rsplit("check at", 1)[1]
        assert rows(latest)["count_pairs"] == "passed"
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C at a terminal: the whole process group
        process.wait(timeout=30)
        reader.join(timeout=30)
        err = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    while not lines.empty():
        seen.append(lines.get())
    assert process.returncode == 0, err
    assert "".join(seen).rstrip().endswith("stopped watching")
    assert err == ""  # not a word from the zygote either


def test_watch_snapshot_sees_saves_and_ignores_editor_files(tmp_path: Path) -> None:
    from grader.student.watch import snapshot

    work = copy_modules(tmp_path / "w")
    before = snapshot(work)
    (work / ".bpe.py.swp").write_text("x")
    (work / "__pycache__").mkdir()
    (work / "__pycache__" / "bpe.cpython-311.pyc").write_bytes(b"x")
    assert snapshot(work) == before
    (work / "bpe.py").write_text((work / "bpe.py").read_text() + "\n# saved\n")
    assert snapshot(work) != before
    assert snapshot(tmp_path / "gone") is None


# ---------------------------------------------------------------------------------------------
# hints
# ---------------------------------------------------------------------------------------------
def test_hint_from_a_docstring() -> None:
    doc = """Do a thing.

    Args:
        x: the thing.

    Hint:
        First ``this``, then
        :func:`that`.

        A second paragraph.

    Note:
        not part of the hint.
    """
    assert checkmod.hint_from_docstring(doc) == "First `this`, then `that()`.\n\nA second paragraph."
    assert checkmod.hint_from_docstring("Hint: on one line.") == "on one line."
    assert checkmod.hint_from_docstring("No hint here.") is None


@pytest.mark.parametrize("name", ["train_bpe", "bpe.train_bpe", "train_bpe()"])
def test_hint(capsys, name: str) -> None:
    assert main(["hint", name]) == 0
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())  # without the panel's borders
    assert "hint: bpe.train_bpe" in out
    assert "def train_bpe(text: str, num_merges: int) -> list[tuple[str, str]]" in out
    assert "Python's `max` returns the first of several equal maxima" in out


def test_every_student_function_has_a_hint() -> None:
    for module, functions in STUDENT_FUNCTIONS.items():
        for function in functions:
            doc = checkmod.find_doc(module, function)
            assert doc is not None and doc.hint, f"{module}.{function}"


def test_hint_for_a_given_function(capsys) -> None:
    assert main(["hint", "pretokenize"]) == 0
    assert "is given: it is already written for you" in capsys.readouterr().out


@pytest.mark.parametrize("name, message", [
    ("train_bep", "embedlab: no exercise function named 'train_bep' — did you mean train_bpe or train_skipgram?"),
    ("cosine", "embedlab: no exercise function named 'cosine' — did you mean cosine_similarity or "
               "cosine_similarity_matrix?"),
    ("zzz", "embedlab: no exercise function named 'zzz' ('embedlab check' lists them)"),
])
def test_hint_unknown_names(capsys, name: str, message: str) -> None:
    assert main(["hint", name]) == 2
    assert capsys.readouterr().err == message + "\n"
