"""Issue 17, the instructor's side: no zero graded as "ok", no traceback, help for every argument.

Each test does what an instructor did when the problem was found: it runs the ``embedlab``
command in a subprocess and reads what a terminal would show. A user's mistake must end with
exit status 2 and exactly one line on stderr that names what was given (SPEC 8), never a
traceback or the name of a temporary file; a submission that is not what SPEC 7 describes must
say so in the gradebook's ``status`` column.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import io
import os
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.cli import STUDENT_VERBS, build_parser, subcommands
from grader.fsutil import atomic_write_text
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT
from grader.grading.submission import NO_EXERCISE_FILES, is_clutter, list_class, read_submission
from workflow_helpers import EMBEDLAB, copy_modules, embedlab, student_env

SOLUTIONS = {m: (PROJECT_ROOT / "solutions" / f"{m}.py").read_text(encoding="utf-8") for m in EXERCISE_MODULES}
ANSWERS = "tokens:\n  chatgpt-vs-hello: b\n"


def files_of(prefix: str) -> dict[str, str]:
    return {f"{prefix}{m}.py": text for m, text in SOLUTIONS.items()}


def make_entry(class_dir: Path, student: str, files: dict[str, str | bytes], kind: str) -> Path:
    """One student's entry, as a folder or as a zip with the same members (SPEC 7: the same rule)."""
    class_dir.mkdir(parents=True, exist_ok=True)
    if kind == "zip":
        path = class_dir / f"{student}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        return path
    root = class_dir / student
    root.mkdir()
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def one_line_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    """The command failed as SPEC 8 says a user's mistake must: exit 2, one line, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and ".tmp" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("embedlab: "), result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _without_root_override() -> None:
    """In the child: drop root's permission to ignore file modes (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH) from the capability bounding set, so a read-only folder is read-only to
    the command as it is to any instructor's account. CI runs the tests as root."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:   # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def as_ordinary_user(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``embedlab ARGS`` under which a mode-0555 folder cannot be written (see above)."""
    preexec = _without_root_override if os.geteuid() == 0 else None
    try:
        return subprocess.run([str(EMBEDLAB), *args], cwd=cwd, env=student_env(), capture_output=True, text=True,
                              timeout=300, preexec_fn=preexec)
    except subprocess.SubprocessError as exc:  # prctl refused: this machine cannot make the case
        if "preexec_fn" in str(exc):
            pytest.skip(f"cannot drop root's permission override here ({exc})")
        raise


@pytest.fixture
def read_only(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


# ---------------------------------------------------------------------------------------------
# where the exercise files are (SPEC 7), folders and zips alike
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_files_deeper_than_one_folder_are_not_graded_as_ok(tmp_path, kind):
    make_entry(tmp_path, "deep", files_of("deep/a/b/"), kind)
    sub = read_submission("deep", list_class(tmp_path).entries["deep"])
    assert sub.error.startswith(NO_EXERCISE_FILES) and sub.modules == {}
    assert "deep/a/b/" in sub.error and "deep/" in sub.error  # where it looked, and where they are


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_an_empty_submission_has_no_exercise_files(tmp_path, kind):
    make_entry(tmp_path, "empty", {}, kind)
    sub = read_submission("empty", list_class(tmp_path).entries["empty"])
    assert sub.error.startswith(NO_EXERCISE_FILES) and "empty" in sub.error


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_a_handout_copy_is_read_from_its_exercises_folder(tmp_path, kind):
    """answers.yaml at the top, the five files in exercises/: before, only answers.yaml was read."""
    files = {"answers.yaml": ANSWERS, "README.md": "# embedlab\n", "exercises/__init__.py": "",
             "grader/cases/public/test_bpe.py": "x = 1\n", **files_of("exercises/")}
    make_entry(tmp_path, "copy", files, kind)
    sub = read_submission("copy", list_class(tmp_path).entries["copy"])
    assert sub.error is None
    assert sub.modules == SOLUTIONS
    assert sub.answers == ANSWERS


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_two_subfolders_with_exercise_files_are_refused_not_guessed(tmp_path, kind):
    files = {**files_of("old/"), **files_of("new/")}
    make_entry(tmp_path, "twice", files, kind)
    sub = read_submission("twice", list_class(tmp_path).entries["twice"])
    assert sub.modules == {}
    assert "new/" in sub.error and "old/" in sub.error and "will not guess" in sub.error


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_macos_litter_is_not_a_second_folder(tmp_path, kind):
    files = {**files_of("work/"), "__MACOSX/work/._bpe.py": b"\0\x05", "__MACOSX/bpe.py": "junk\n"}
    make_entry(tmp_path, "mac", files, kind)
    sub = read_submission("mac", list_class(tmp_path).entries["mac"])
    assert sub.error is None and sub.modules == SOLUTIONS


def test_a_notebook_alone_is_an_exercise_file(tmp_path):
    import nbformat
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOLUTIONS["bpe"])])
    make_entry(tmp_path, "nb", {"work/bpe.ipynb": nbformat.writes(notebook)}, "folder")
    sub = read_submission("nb", list_class(tmp_path).entries["nb"])
    assert sub.error is None and "bpe" in sub.modules


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_an_unreadable_answers_file_is_flagged(tmp_path, kind):
    make_entry(tmp_path, "s1", {**files_of(""), "answers.yaml": b"tokens:\n  q: caf\xe9\n"}, kind)
    sub = read_submission("s1", list_class(tmp_path).entries["s1"])
    assert sub.error is None and sub.modules == SOLUTIONS
    assert sub.answers_problem.startswith("answers.yaml unreadable: ") and "UTF-8" in sub.answers_problem


def test_clutter_is_known_by_name_and_a_mis_named_submission_is_not():
    for name in (".DS_Store", "README.txt", "readme.md", "Thumbs.db", "._alice", "desktop.ini", "roster.csv"):
        assert is_clutter(name), name
    assert is_clutter("__MACOSX", folder=True) and is_clutter(".git", folder=True)
    for name in ("s123.py", "s123.tar.gz", "s123.rar", "bob.ipynb"):
        assert not is_clutter(name), name
    assert not is_clutter("readme", folder=True)  # a folder is clutter by its name only


# ---------------------------------------------------------------------------------------------
# a whole class, graded by the command an instructor runs
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class17")
    class_dir = root / "class"
    make_entry(class_dir, "plain", {**files_of(""), "answers.yaml": ANSWERS}, "folder")
    make_entry(class_dir, "copy", {"answers.yaml": ANSWERS, **files_of("exercises/")}, "zip")
    make_entry(class_dir, "deep", files_of("deep/a/b/"), "zip")
    make_entry(class_dir, "empty", {}, "folder")
    make_entry(class_dir, "twice", {**files_of("a/"), **files_of("b/")}, "folder")
    make_entry(class_dir, "badyaml", {**files_of(""), "answers.yaml": "tokens: [unclosed\n"}, "folder")
    (class_dir / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (class_dir / "README.txt").write_text("submissions downloaded from the LMS\n")
    (class_dir / "Thumbs.db").write_bytes(b"\xd0\xcf")
    (class_dir / "__MACOSX").mkdir()
    (class_dir / "s9.tar.gz").write_bytes(b"\x1f\x8b")
    result = embedlab("grade", "class", "--out", "out", "--jobs", "2", cwd=root, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO((root / "out" / "gradebook.csv").read_text()))}
    return root, result, rows


def test_no_submission_without_exercise_files_is_ok(graded):
    _, _, rows = graded
    for student in ("deep", "empty"):
        assert rows[student]["status"].startswith(f"error: {NO_EXERCISE_FILES}"), rows[student]["status"]
        assert float(rows[student]["score"]) == 0
    assert "deep/a/b/" in rows["deep"]["status"]
    assert rows["twice"]["status"].startswith("error: ") and "will not guess" in rows["twice"]["status"]


def test_the_handout_copy_scores_like_the_plain_folder(graded):
    _, _, rows = graded
    assert rows["copy"]["status"] == "ok" == rows["plain"]["status"]
    assert rows["copy"]["score"] == rows["plain"]["score"]
    assert all(float(rows["copy"][m]) > 0 for m in EXERCISE_MODULES)


def test_an_answers_file_that_is_not_yaml_is_in_the_status_and_the_code_still_counts(graded):
    root, _, rows = graded
    status = rows["badyaml"]["status"]
    assert status.startswith("error: answers.yaml unreadable: "), status
    assert all(rows["badyaml"][m] == rows["plain"][m] for m in EXERCISE_MODULES)
    assert "answers.yaml unreadable" in (root / "out" / "badyaml" / "feedback.md").read_text()


def test_the_summary_counts_and_names_the_flagged_submissions(graded):
    _, result, _ = graded
    summary = result.stdout.splitlines()[0]
    assert "4 with status error" in summary and "1 entry skipped" in summary, summary
    for student in ("deep", "empty", "twice", "badyaml"):
        assert f"  {student}: error: " in result.stdout


def test_clutter_is_listed_in_skipped_csv_only(graded):
    root, result, _ = graded
    skipped = {row["entry"] for row in csv.DictReader(io.StringIO((root / "out" / "skipped.csv").read_text()))}
    clutter = {".DS_Store", "README.txt", "Thumbs.db", "__MACOSX"}
    assert clutter | {"s9.tar.gz"} == skipped
    assert "skipped s9.tar.gz" in result.stdout          # a mis-named submission is still reported
    for name in clutter:
        assert name not in result.stdout + result.stderr


def test_too_many_jobs_give_one_warning_line(tmp_path):
    make_entry(tmp_path / "class", "solo", files_of(""), "folder")
    cores = len(os.sched_getaffinity(0))
    result = embedlab("grade", "class", "--out", "out", "--jobs", str(cores + 3), cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "--jobs" in line]
    assert len(warnings) == 1 and f"{cores} core" in warnings[0], result.stderr
    calm = embedlab("grade", "class", "--out", "out", "--jobs", str(cores), cwd=tmp_path, timeout=600)
    assert "--jobs" not in calm.stderr


# ---------------------------------------------------------------------------------------------
# one clear line, never a traceback or a temporary file's name
# ---------------------------------------------------------------------------------------------
def test_grade_into_a_read_only_folder(tmp_path, read_only):
    make_entry(tmp_path / "class", "s1", files_of(""), "folder")
    one_line_error(as_ordinary_user("grade", "class", "--out", str(read_only), cwd=tmp_path),
                   str(read_only), "cannot write")
    assert list(read_only.iterdir()) == []


def test_a_corrupt_gradebook_store(tmp_path):
    make_entry(tmp_path / "class", "s1", files_of(""), "folder")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "gradebook.db").write_bytes(b"not sqlite at all\n" * 100)
    line = one_line_error(embedlab("grade", "class", "--out", "out", cwd=tmp_path), "gradebook.db", "move it away")
    assert "not a usable gradebook store" in line


def test_another_tools_gradebook_db_is_left_alone(tmp_path):
    """nbgrader's course folder has a gradebook.db too: grading into it must not add tables to it."""
    make_entry(tmp_path / "class", "s1", files_of(""), "folder")
    (tmp_path / "course").mkdir()
    with sqlite3.connect(tmp_path / "course" / "gradebook.db") as db:
        db.execute("CREATE TABLE assignment (id TEXT PRIMARY KEY, name TEXT)")
    before = (tmp_path / "course" / "gradebook.db").read_bytes()
    one_line_error(embedlab("grade", "class", "--out", "course", cwd=tmp_path), "not embedlab's gradebook store")
    assert (tmp_path / "course" / "gradebook.db").read_bytes() == before


def test_one_students_folder_given_as_the_class(tmp_path):
    make_entry(tmp_path, "s123", {**files_of(""), "answers.yaml": ANSWERS}, "folder")
    line = one_line_error(embedlab("grade", "s123", "--out", "out", cwd=tmp_path), "s123",
                          "one student's submission", "a class folder holds one folder or .zip per student")
    assert "bpe.py" in line
    assert not (tmp_path / "out").exists()


def test_a_handout_copy_given_as_the_class(tmp_path):
    make_entry(tmp_path, "handout", {"pyproject.toml": "[project]\n", "grader/__init__.py": "",
                                     **files_of("exercises/")}, "folder")
    one_line_error(embedlab("grade", "handout", "--out", "out", cwd=tmp_path), "one student's submission")


@pytest.mark.parametrize("contents", [{}, {"README.txt": "nothing yet\n"}])
def test_an_empty_class(tmp_path, contents):
    (tmp_path / "class").mkdir()
    for name, text in contents.items():
        (tmp_path / "class" / name).write_text(text)
    one_line_error(embedlab("grade", "class", "--out", "out", cwd=tmp_path), "class",
                   "a class folder holds one folder or .zip per student")
    assert not (tmp_path / "out").exists()


def test_export_lms_into_a_folder(tmp_path):
    (tmp_path / "graded").mkdir()
    (tmp_path / "graded" / "gradebook.csv").write_text("student,score,max_score,bpe,status\ns1,1,2,1,ok\n")
    (tmp_path / "lms").mkdir()
    one_line_error(embedlab("export", "lms", "graded/gradebook.csv", "--format", "canvas", "--out", "lms",
                            cwd=tmp_path), "--out lms", "is a folder")
    assert list((tmp_path / "lms").iterdir()) == []


@pytest.fixture
def student(tmp_path: Path) -> Path:
    copy_modules(tmp_path / "exercises", source="solutions")
    return tmp_path


def test_submit_into_a_read_only_folder(student, read_only):
    one_line_error(as_ordinary_user("submit", "--id", "s1", "--out", str(read_only), cwd=student),
                   str(read_only), "cannot write")
    assert list(read_only.iterdir()) == []


def test_submit_never_makes_up_a_path(student):
    one_line_error(embedlab("submit", "--id", "s1", "--out", "/nonexistent/dir", cwd=student),
                   "/nonexistent/dir", "no such folder")
    assert not Path("/nonexistent").exists()
    result = embedlab("submit", "--id", "s1", "--out", "not/there", cwd=student)
    one_line_error(result, "not/there")
    assert not (student / "not").exists()


def test_an_atomic_write_names_the_file_not_its_temporary_twin(tmp_path, read_only):
    (tmp_path / "taken").mkdir()
    with pytest.raises(IsADirectoryError) as caught:
        atomic_write_text(tmp_path / "taken", "x")
    assert caught.value.filename == str(tmp_path / "taken")
    code = ("import sys; from pathlib import Path; from grader.fsutil import atomic_write_text\n"
            "try: atomic_write_text(Path(sys.argv[1]) / 'x.csv', 'x')\n"
            "except OSError as exc: print(exc.filename)\n")
    preexec = _without_root_override if os.geteuid() == 0 else None
    shown = subprocess.run([sys.executable, "-c", code, str(read_only)], capture_output=True, text=True,
                           preexec_fn=preexec, check=True).stdout.strip()
    assert shown == str(read_only / "x.csv")


def test_export_nbgrader_refuses_to_overwrite_a_course_without_force(tmp_path):
    assert embedlab("export", "nbgrader", "course", cwd=tmp_path, timeout=600).returncode == 0
    config = tmp_path / "course" / "nbgrader_config.py"
    edited = config.read_text() + "c.ExecutePreprocessor.timeout = 600  # the instructor's edit\n"
    config.write_text(edited)
    one_line_error(embedlab("export", "nbgrader", "course", cwd=tmp_path, timeout=600), "course", "--force")
    assert config.read_text() == edited
    assert embedlab("export", "nbgrader", "course", "--force", cwd=tmp_path, timeout=600).returncode == 0
    assert "the instructor's edit" not in config.read_text()


def test_ctrl_c_during_check_says_nothing_about_grading(tmp_path):
    """The student presses Ctrl-C while a module is still loading (its top level sleeps)."""
    work = copy_modules(tmp_path / "exercises")
    with (work / "bpe.py").open("a") as handle:
        handle.write("\nimport time as _time\n_time.sleep(60)\n")
    proc = subprocess.Popen([str(EMBEDLAB), "check"], cwd=tmp_path, env=student_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout.readline().startswith("embedlab check")   # started: the handler is in place
        os.killpg(proc.pid, signal.SIGINT)                          # what Ctrl-C at a terminal does
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert err == "embedlab: interrupted\n"


# ---------------------------------------------------------------------------------------------
# --help for every argument of every command
# ---------------------------------------------------------------------------------------------
def _every_parser(parser: argparse.ArgumentParser, path: str = "embedlab"):
    yield path, parser
    for name, sub in subcommands(parser).items():
        yield from _every_parser(sub, f"{path} {name}")


@pytest.mark.parametrize("handout", [False, True], ids=["checkout", "handout"])
def test_every_argument_of_every_command_has_help(handout):
    missing = []
    for path, parser in _every_parser(build_parser(handout=handout)):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{path} {a.dest}" for a in action._choices_actions if not (a.help or "").strip()]
            elif not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        assert parser.format_help()  # every %(default)s and the like expands
    assert missing == []


def test_the_handout_parser_has_only_what_works_without_solutions():
    assert set(subcommands(build_parser(handout=True))) == set(STUDENT_VERBS)
    assert {"grade", "export", "release", "validate"} <= set(subcommands(build_parser(handout=False)))
    text = build_parser(handout=True).format_help()
    listed = {line.split()[0] for line in text.split("COMMAND", 2)[-1].split("options:")[0].splitlines()
              if line.startswith("    ") and line.split()}
    assert listed == set(STUDENT_VERBS), text
    assert "Instructors" not in text and "embedlab grade" not in text
