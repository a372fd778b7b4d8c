"""``embedlab release``: the handout holds what a student needs and nothing that gives answers away.

The leak checks here are written independently of :func:`grader.authoring.release.leaks` (which the release
itself runs): solution bodies compared line by line, hidden cases found by name and source, quiz
keys and explanations searched as text. Then the handout is installed in a fresh virtual
environment and ``embedlab check`` runs there, on the stubs and on the solutions pasted in.
"""

from __future__ import annotations

import ast
import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from grader.authoring import frozen_ref
from grader.cli import main
from grader.authoring.generate import expected_stubs
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT, STUDENT_FUNCTIONS
from grader.authoring.release import HANDOUT_TOP, leaks
from workflow_helpers import copy_modules, embedlab

TOTAL = sum(len(f) for f in STUDENT_FUNCTIONS.values())


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "handout"
    assert main(["release", str(out)]) == 0
    return out


def handout_texts(root: Path) -> dict[str, str]:
    texts = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            texts[path.relative_to(root).as_posix()] = data.decode("utf-8")
    return texts


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


# ---------------------------------------------------------------------------------------------
# what is in it
# ---------------------------------------------------------------------------------------------
def test_the_handout_holds_what_a_student_needs_and_nothing_else(handout: Path) -> None:
    assert sorted(p.name for p in handout.iterdir()) == sorted(HANDOUT_TOP)
    files = set(handout_texts(handout))
    for absent in ("solutions", "tests", "bench", "examples", ".git", "docs", "grader/cases/hidden"):
        assert not (handout / absent).exists(), absent
    assert not any("__pycache__" in f or f.endswith(".pyc") for f in files)
    for name, text in expected_stubs().items():
        assert (handout / "exercises" / name).read_text() == text
    for module in EXERCISE_MODULES:
        assert f"grader/cases/public/test_{module}.py" in files
    assert "grader/cases/public/expected.json.gz" in files
    for needed in ("cli.py", "grading/engine.py", "casekit/__init__.py", "student/check.py", "student/submit.py",
                   "quiz/__init__.py", "grading/submission.py", "sandbox/child.py", "sandbox/zygote.py"):
        assert f"grader/{needed}" in files
    readme = (handout / "README.md").read_text()
    for words in ("pip install -e .", "embedlab check", "embedlab hint", "embedlab quiz", "embedlab submit --id"):
        assert words in readme
    assert "$" not in re.sub(r"```.*?```", "", readme, flags=re.S)  # every template field was filled
    quizzes = sorted(p.name for p in (PROJECT_ROOT / "quizzes").glob("*.yaml"))
    assert sorted(p.name for p in (handout / "quizzes").iterdir()) == quizzes


def test_the_handouts_help_lists_only_what_works_there(handout: Path) -> None:
    """The handout's own ``embedlab --help`` (its grader/, run from its folder) shows the student
    verbs only, and an instructor verb is one line saying so, not an "invalid choice"."""
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=handout, capture_output=True,
                              text=True, timeout=120, env={**os.environ, "COLUMNS": "120"})

    shown = run("--help")
    assert shown.returncode == 0, shown.stderr
    listed = {line.split()[0] for line in shown.stdout.split("options:")[0].splitlines()
              if line.startswith("    ") and line.split()}
    assert listed == {"check", "hint", "quiz", "submit"}, shown.stdout
    assert "Instructors" not in shown.stdout
    for verb in ("grade", "release", "export", "validate"):
        refused = run(verb, "--help")
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert refused.stderr.splitlines() == [refused.stderr.strip()] and "instructor command" in refused.stderr


def test_no_solution_body_leaks(handout: Path) -> None:
    texts = {rel: "\n".join(lines_of(t)) for rel, t in handout_texts(handout).items()}
    blocks = 0
    for module in EXERCISE_MODULES:
        source = (PROJECT_ROOT / "solutions" / f"{module}.py").read_text()
        for body in re.findall(r"### BEGIN SOLUTION\n(.*?)\n[ \t]*### END SOLUTION", source, flags=re.S):
            block = "\n".join(lines_of(body))
            blocks += 1
            for rel, text in texts.items():
                assert f"\n{block}\n" not in f"\n{text}\n", f"{rel} holds a solution body of {module}"
    assert blocks >= TOTAL


def _hidden_cases() -> list[tuple[str, str, str]]:
    """(test function name, display name, body) of every hidden case, read from the files."""
    found = []
    for path in sorted((PROJECT_ROOT / "grader" / "cases" / "hidden").glob("test_*.py")):
        module = path.stem.removeprefix("test_")
        source = path.read_text()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                call = next(d for d in node.decorator_list if isinstance(d, ast.Call))
                function, title = (ast.literal_eval(a) for a in call.args[:2])
                body = "\n".join(lines_of("\n".join(source.splitlines()[node.body[0].lineno - 1:node.end_lineno])))
                found.append((node.name, f"{module}.{function}: {title}", body))
    return found


def test_no_hidden_case_leaks(handout: Path) -> None:
    texts = handout_texts(handout)
    public_source = "\n".join(lines_of("\n".join(
        p.read_text() for p in (PROJECT_ROOT / "grader" / "cases" / "public").glob("test_*.py"))))
    hidden = _hidden_cases()
    assert hidden
    for function_name, display, body in hidden:
        shared = re.search(rf"\b{function_name}\b", public_source) or display in public_source
        for rel, text in texts.items():
            if not shared:
                assert not re.search(rf"\b{function_name}\b", text), f"{rel} names hidden case {function_name}"
            if f"\n{body}\n" not in f"\n{public_source}\n":
                assert f"\n{body}\n" not in "\n" + "\n".join(lines_of(text)) + "\n", f"{rel} holds {display}"


def _scalars(data) -> list[str]:
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in (*_scalars(k), *_scalars(v))]
    if isinstance(data, list):
        return [s for v in data for s in _scalars(v)]
    return [str(data)]


def test_no_quiz_key_leaks(handout: Path) -> None:
    texts = {rel: " ".join(t.split()) for rel, t in handout_texts(handout).items()}
    for path in sorted((PROJECT_ROOT / "quizzes").glob("*.yaml")):
        plain = yaml.safe_load(path.read_text())
        locked_text = (handout / "quizzes" / path.name).read_text()
        locked = yaml.safe_load(locked_text)
        assert locked["locked"] is True
        for question in locked["questions"]:
            assert not {"answer", "accept", "pattern", "explanation", "mistakes"} & set(question), question["id"]
        for question in plain["questions"]:
            explanation = " ".join(str(question.get("explanation", "")).split())
            for rel, text in texts.items():
                if len(explanation) > 20:
                    assert explanation not in text, f"{rel} holds the explanation of {question['id']}"
            if question["type"] == "text":
                values = {" ".join(v.split()).lower() for v in _scalars(locked)}
                for accepted in question.get("accept", []):
                    assert " ".join(str(accepted).split()).lower() not in values, f"{path.name}: {question['id']}"
            if question["type"] == "numeric" and not isinstance(question["answer"], (int, float)):
                assert str(question["answer"]) not in _scalars(locked), f"{path.name}: {question['id']}"


def test_release_scans_for_leaks_and_finds_planted_ones(handout: Path, tmp_path: Path) -> None:
    assert leaks(handout) == []
    planted = tmp_path / "planted"
    shutil.copytree(handout, planted)
    solution = (PROJECT_ROOT / "solutions" / "bpe.py").read_text()
    (planted / "grader" / "notes.py").write_text(solution)
    hidden = (PROJECT_ROOT / "grader" / "cases" / "hidden" / "test_lookup.py").read_text()
    (planted / "grader" / "cases" / "public" / "test_more.py").write_text(hidden)
    (planted / "solutions").mkdir()
    found = "\n".join(leaks(planted))
    assert "solutions: not part of a handout" in found
    assert "grader/notes.py: holds the solution body at solutions/bpe.py" in found
    assert "grader/cases/public/test_more.py: holds hidden case 'lookup." in found


def test_release_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me")
    assert main(["release", str(tmp_path / "out")]) == 2
    assert "not empty; give a new folder" in capsys.readouterr().err
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep me"


# ---------------------------------------------------------------------------------------------
# the frozen reference
# ---------------------------------------------------------------------------------------------
def _record(fn_module: str, fn_name: str, *calls):
    import solutions

    book = frozen_ref.CallBook()
    recorder = frozen_ref.RecordingReference(solutions, book)
    for args in calls:
        getattr(getattr(recorder, fn_module), fn_name)(*args)
    return frozen_ref.FrozenReference(__import__("json").loads(book.to_json()))


def test_the_frozen_reference_replays_results_and_in_place_updates() -> None:
    import solutions.skipgram as sg

    W_in, W_out = np.arange(6.0).reshape(3, 2) / 10, np.ones((3, 2)) / 7
    frozen = _record("skipgram", "sgd_step", (W_in.copy(), W_out.copy(), 1, 2, 0.5))
    a, b = W_in.copy(), W_out.copy()
    loss = frozen.skipgram.sgd_step(a, b, 1, 2, 0.5)
    c, d = W_in.copy(), W_out.copy()
    assert loss == sg.sgd_step(c, d, 1, 2, 0.5)
    assert a.tobytes() == c.tobytes() and b.tobytes() == d.tobytes()


def test_the_frozen_reference_refuses_what_it_did_not_record() -> None:
    frozen = _record("bpe", "train_bpe", ("low low low lower lowest", 2))
    assert frozen.bpe.train_bpe("low low low lower lowest", 2) == [("l", "o"), ("lo", "w")]
    with pytest.raises(frozen_ref.ReferenceNotRecorded, match="ref.bpe.train_bpe was called with arguments not"):
        frozen.bpe.train_bpe("low low low lower lowest", 3)


def test_the_frozen_reference_replays_errors_as_builtin_exceptions() -> None:
    book = frozen_ref.CallBook()
    import solutions

    recorder = frozen_ref.RecordingReference(solutions, book)
    with pytest.raises(ValueError):
        recorder.bpe.train_bpe("abc", -1)
    frozen = frozen_ref.FrozenReference(__import__("json").loads(book.to_json()))
    with pytest.raises(ValueError, match="num_merges"):
        frozen.bpe.train_bpe("abc", -1)


def test_the_frozen_reference_serves_every_public_case(handout: Path) -> None:
    data = frozen_ref.FrozenReference.load(handout / "grader" / "cases" / "public" / "expected.json.gz")
    assert len(data) > 20


# ---------------------------------------------------------------------------------------------
# installed in a fresh virtual environment, as a student would
# ---------------------------------------------------------------------------------------------
def _fresh_venv(where: Path) -> Path:
    """A new venv whose packages are this one's (numpy, rich, ...) minus embedlab itself."""
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    deps = where / "deps"
    deps.mkdir()
    site = Path(np.__file__).resolve().parent.parent
    skip = ("embedlab", "__editable__", "_distutils_hack", "distutils-precedence", "pip", "setuptools",
            "pkg_resources", "__pycache__")
    for entry in site.iterdir():
        if not entry.name.startswith(skip) and not entry.name.endswith(".pth"):
            (deps / entry.name).symlink_to(entry)
    new_site = next((venv / "lib").glob("python3*/site-packages"))
    (new_site / "embedlab-test-deps.pth").write_text(f"{deps}\n")
    return venv


def _pip_install_editable(venv: Path, project: Path) -> None:
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "-e", str(project)]
    fast = subprocess.run(pip[:-2] + ["--no-build-isolation", "--no-index"] + pip[-2:], capture_output=True,
                          text=True, timeout=600)
    if fast.returncode == 0:
        return
    # the venv's setuptools may be too old to build an editable wheel by itself (it needs `wheel`):
    # let pip fetch the build requirements from its configured index
    slow = subprocess.run(pip, capture_output=True, text=True, timeout=600)
    if slow.returncode != 0:
        pytest.skip(f"cannot build an editable install here (no index for setuptools/wheel): {slow.stderr[-500:]}")


def test_the_handout_installs_and_checks_in_a_fresh_venv(tmp_path: Path) -> None:
    out = tmp_path / "handout"
    assert main(["release", str(out)]) == 0
    venv = _fresh_venv(tmp_path)
    _pip_install_editable(venv, out)
    command = venv / "bin" / "embedlab"
    assert command.is_file()
    python = venv / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import grader, importlib.util as u; print(grader.__file__); "
                            "print(u.find_spec('solutions'))"], capture_output=True, text=True, cwd=out)
    assert where.stdout.splitlines() == [str(out / "grader" / "__init__.py"), "None"], where.stderr

    stubs = embedlab("check", cwd=out, command=command)
    assert stubs.returncode == 1, stubs.stdout + stubs.stderr
    assert "Traceback" not in stubs.stdout + stubs.stderr
    assert f"0/{TOTAL} functions done" in stubs.stdout
    assert stubs.stdout.count("not attempted") == TOTAL

    for module in EXERCISE_MODULES:
        shutil.copy(PROJECT_ROOT / "solutions" / f"{module}.py", out / "exercises" / f"{module}.py")
    done = embedlab("check", cwd=out, command=command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{TOTAL}/{TOTAL} functions done" in done.stdout

    hint = embedlab("hint", "encode", cwd=out, command=command)
    assert hint.returncode == 0 and "hint: bpe.encode" in hint.stdout
    for instructor in (["validate"], ["release", str(tmp_path / "again")]):
        refused = embedlab(*instructor, cwd=out, command=command)
        assert refused.returncode == 2
        assert refused.stderr.startswith(f"embedlab: {instructor[0]} is an instructor command")
        assert "Traceback" not in refused.stderr
