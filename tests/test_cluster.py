"""Grading on a Dask cluster (issue 13): the same grades as ``--jobs``, and faults that cost only time.

The oracle is the local pool: every student of examples/class graded with ``--jobs 2`` (whose
grades tests/test_engine.py checks against what each student was made to score). A cluster
must give the same score, test statuses, outputs and feedback, byte for byte apart from timings,
however its workers die on the way.

Workers are killed from the inside (the task SIGKILLs its own worker process after grading, before
it can hand the result back), so "a worker died mid-submission" happens at a known point, without
sleeps.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import dask
import pytest
from distributed import Client, LocalCluster

from grader.cluster.backend import LOCAL_CONFIG, DaskBackend, describe_difference
from grader.cluster.worker import grade_task
from grader.grading.engine import grade_class
from grader.paths import EXAMPLE_CLASS_DIR, PROJECT_ROOT
from workflow_helpers import small_class
from grader.sandbox import Limits

#: the default limits but 256 MiB: judy's memory hog must reach the memory limit well within a
#: case's 5 s on a loaded machine, in both runs compared (with 1 GiB, under a load of 10, some of
#: her cases run out of time first, in either run: a verdict of the machine's load, not of the backend)
LIMITS = Limits(memory_bytes=256 << 20)
EMBEDLAB = [sys.executable, "-m", "grader.cli"]
STUDENTS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
            "oscar", "peggy")

# the kill hooks below are defined here, in a test module the workers cannot import: send them by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


# ---------------------------------------------------------------------------------------------
# what "the same results" means
# ---------------------------------------------------------------------------------------------
def gradebook(out: Path) -> list[dict]:
    with open(out / "gradebook.csv", newline="") as handle:
        return list(csv.DictReader(handle))


#: where a looping call was when it was stopped (issue 12) depends on the moment it was stopped
_WHERE_STOPPED = re.compile(r"(\(the time limit of this case\)) in [^\n\\]*((\n|\\n) {12}called from [^\n\\]*)*")


def untimed(text: str) -> str:
    return _WHERE_STOPPED.sub(r"\1", text)


def student_files(out: Path, student: str) -> tuple[dict, str]:
    """results.json without its timings (execution time, where a stopped loop was), and feedback.md."""
    results = json.loads(untimed((out / student / "results.json").read_text()))
    assert results.pop("execution_time") >= 0
    return results, untimed((out / student / "feedback.md").read_text())


def stored(out: Path) -> dict[str, tuple[str, dict]]:
    """student -> (grading key, stored result without its timing)."""
    with sqlite3.connect(out / "gradebook.db") as db:
        rows = db.execute("SELECT student, key, result FROM results").fetchall()
    found = {}
    for student, key, text in rows:
        result = json.loads(untimed(text))
        result.pop("execution_time")
        found[student] = (key, result)
    return found


@pytest.fixture(scope="module")
def by_jobs(tmp_path_factory) -> Path:
    """The oracle: the example class graded by the local pool."""
    out = tmp_path_factory.mktemp("jobs2")
    summary = grade_class(EXAMPLE_CLASS_DIR, out, jobs=2, limits=LIMITS)
    assert summary.graded == len(STUDENTS) and summary.workers_note == ""
    return out


@pytest.fixture(scope="module")
def cluster():
    """A running cluster of 2 single-threaded worker processes (what --scheduler reaches), on which a
    task may crash only 2 workers (allowed-failures 1) before Dask gives up on it."""
    with dask.config.set({**LOCAL_CONFIG, "distributed.scheduler.allowed-failures": 1}):
        local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                             scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, silence_logs=100)
    try:
        yield local
    finally:
        local.close()


def test_a_local_cluster_grades_exactly_as_jobs_2(by_jobs, tmp_path):
    out = tmp_path / "out"
    summary = grade_class(EXAMPLE_CLASS_DIR, out, jobs=1, limits=LIMITS, backend=DaskBackend(local_workers=2))
    assert summary.graded == len(STUDENTS) and summary.workers_note == "on 2 Dask workers"
    assert summary.sandboxed and summary.errors == 0
    assert (out / "gradebook.csv").read_text() == (by_jobs / "gradebook.csv").read_text()
    assert (out / "skipped.csv").read_text() == (by_jobs / "skipped.csv").read_text()
    for student in STUDENTS:
        assert student_files(out, student) == student_files(by_jobs, student), student
    assert stored(out) == stored(by_jobs)
    assert not list(out.rglob("*.tmp"))


# ---------------------------------------------------------------------------------------------
# worker deaths
# ---------------------------------------------------------------------------------------------
def first_time(marker: str) -> bool:
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


def killing_task(task, *, once: dict[str, str], always: frozenset[str]) -> dict:
    """Grade, then SIGKILL this worker before the result leaves it: once for the students in
    ``once`` (a marker file says it happened), every time for those in ``always``."""
    answer = grade_task(task)
    student = task.submission.student
    if student in always or (student in once and first_time(once[student])):
        os.kill(os.getpid(), signal.SIGKILL)
    return answer


def subset_class(root: Path, students: tuple[str, ...], doomed: str) -> Path:
    for student in students:
        source = EXAMPLE_CLASS_DIR / student
        if source.is_dir():
            shutil.copytree(source, root / student)
        else:
            shutil.copy(EXAMPLE_CLASS_DIR / f"{student}.zip", root / f"{student}.zip")
    shutil.copytree(EXAMPLE_CLASS_DIR / "alice", root / doomed)
    return root


def test_a_killed_worker_costs_only_time_and_a_submission_that_kills_every_worker_gets_an_error_row(
        by_jobs, cluster, tmp_path):
    students = ("alice", "bob", "carol", "grace", "heidi", "mallory")
    klass = subset_class(tmp_path / "class", students, doomed="zz-doomed")
    out = tmp_path / "out"
    marker = tmp_path / "carol-killed-a-worker"
    task = functools.partial(killing_task, once={"carol": str(marker)}, always=frozenset({"zz-doomed"}))
    summary = grade_class(klass, out, jobs=1, limits=LIMITS,
                          backend=DaskBackend(scheduler=cluster.scheduler_address, task=task))
    assert marker.exists(), "carol's first worker was killed"
    rows = gradebook(out)
    assert sorted(r["student"] for r in rows) == sorted([*students, "zz-doomed"])  # exactly one row each
    oracle = {r["student"]: r for r in gradebook(by_jobs)}
    for row in rows:
        if row["student"] != "zz-doomed":
            assert row == oracle[row["student"]]
            assert student_files(out, row["student"]) == student_files(by_jobs, row["student"])
    doomed = next(r for r in rows if r["student"] == "zz-doomed")
    assert doomed["status"] == "error: grading crashed 2 workers" and float(doomed["score"]) == 0
    assert "grading crashed 2 workers" in (out / "zz-doomed" / "feedback.md").read_text()
    assert summary.errors == 1 and summary.graded == len(students) + 1
    # carol's worker once, zz-doomed's twice; each was holding one of this run's submissions
    assert summary.workers_note.startswith("on 2 Dask workers (3 died while grading")
    # the crash is not a grade: not stored, so the next run grades zz-doomed (and nothing else) again
    assert "zz-doomed" not in stored(out)
    again = grade_class(klass, out, jobs=1, limits=LIMITS, backend=DaskBackend(scheduler=cluster.scheduler_address))
    assert (again.graded, again.reused, again.errors) == (1, len(students), 0)
    def code_tests(out: Path, student: str) -> list[dict]:  # quiz numbers are drawn per student ID
        return [t for t in student_files(out, student)[0]["tests"] if not t["name"].startswith("quiz.")]
    assert code_tests(out, "zz-doomed") == code_tests(by_jobs, "alice")


# ---------------------------------------------------------------------------------------------
# a worker with another assignment
# ---------------------------------------------------------------------------------------------
def test_describe_difference_names_what_differs():
    here = {"embedlab": "0.1.0", "limits": "case_seconds=5", "solutions/bpe.py": "a", "quizzes/q.yaml": "q"}
    assert describe_difference(here, dict(here)) == ""
    there = {"embedlab": "0.2.0", "limits": "case_seconds=5", "solutions/bpe.py": "b", "grader/cases/x.py": "x"}
    assert describe_difference(here, there) == ("embedlab 0.2.0 there, 0.1.0 here; grader/cases/x.py only there; "
                                                "quizzes/q.yaml missing there; solutions/bpe.py differs")


def test_a_worker_with_other_solutions_is_refused_before_anything_is_graded(tmp_path):
    checkout = tmp_path / "other-checkout"
    for folder in ("grader", "solutions", "exercises", "quizzes"):
        shutil.copytree(PROJECT_ROOT / folder, checkout / folder, ignore=shutil.ignore_patterns("__pycache__"))
    with open(checkout / "solutions" / "bpe.py", "a") as handle:
        handle.write("\n# a fix made on one machine only\n")
    scheduler = LocalCluster(n_workers=0, processes=True, dashboard_address=None, silence_logs=100,
                             scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", scheduler.scheduler_address,
                               "--nthreads", "1", "--no-dashboard", "--no-nanny"],
                              cwd=checkout, env={**os.environ, "PYTHONPATH": str(checkout)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with Client(scheduler) as client:
            client.wait_for_workers(1, timeout=60)
            (address,) = client.nthreads()
        out = tmp_path / "out"
        proc = subprocess.run([*EMBEDLAB, "grade", str(EXAMPLE_CLASS_DIR), "--out", str(out),
                               "--scheduler", scheduler.scheduler_address], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=120)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        scheduler.close()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert f"worker {address} grades a different assignment: solutions/bpe.py differs" in line
    assert "nothing was graded" in line
    assert not list(out.glob("*/results.json")) and not (out / "gradebook.csv").exists()


# ---------------------------------------------------------------------------------------------
# Ctrl-C, and the scheduler going away
# ---------------------------------------------------------------------------------------------
def stored_count(out: Path) -> int:
    try:
        with sqlite3.connect(f"file:{out / 'gradebook.db'}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds:g} s for {what}"
        time.sleep(0.05)


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return False
    except ProcessLookupError:
        return True


BPE = (PROJECT_ROOT / "solutions" / "bpe.py").read_text()
SLOW_BPE = BPE.replace("    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n    import time; time.sleep(30)\n", 1)
SLOW_LIMITS = ["--case-seconds", "2", "--submission-seconds", "20"]


def test_ctrl_c_keeps_what_was_graded_and_the_same_command_goes_on(tmp_path):
    klass = small_class(tmp_path / "class", {"b1": BPE, "b2": BPE, "z-slow": SLOW_BPE})
    out = tmp_path / "out"
    command = [*EMBEDLAB, "grade", str(klass), "--out", str(out), "--cluster", "local:2", *SLOW_LIMITS]
    proc = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        wait_until(lambda: stored_count(out) == 2, 90, "b1 and b2 to be stored")
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C at a terminal does: the whole group
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    wait_until(lambda: group_gone(proc.pid), 30, "workers and zygotes to exit")
    assert not list(out.rglob("*.tmp")) and not (out / "gradebook.csv").exists()
    (klass / "z-slow" / "bpe.py").write_text(BPE)  # the slow student is fixed meanwhile
    again = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "graded 1, reused 2 unchanged" in again.stdout and "on 1 Dask worker ->" in " ".join(again.stdout.split())
    assert [r["status"] for r in gradebook(out)] == ["ok", "ok", "ok"]


def test_the_scheduler_going_away_ends_the_run_with_one_line_and_a_rerun_goes_on(tmp_path):
    klass = small_class(tmp_path / "class", {"b1": BPE, "b2": BPE, "z-slow": SLOW_BPE})
    out = tmp_path / "out"
    address_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(address_file)], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(address_file),
                               "--nthreads", "1", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(address_file.exists, 60, "the scheduler to start")
        wait_until(lambda: json.loads(address_file.read_text()).get("address"), 10, "its address")
        address = json.loads(address_file.read_text())["address"]
        proc = subprocess.Popen([*EMBEDLAB, "grade", str(klass), "--out", str(out), "--scheduler", address,
                                 *SLOW_LIMITS], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        wait_until(lambda: stored_count(out) == 2, 90, "b1 and b2 to be stored")
        os.killpg(scheduler.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    finally:
        for process in (scheduler, worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert proc.returncode == 2 and "Traceback" not in err, err
    (line,) = err.strip().splitlines()
    assert f"the Dask scheduler at {address} went away after 2 of 3 submissions" in line
    assert "everything graded is kept" in line
    (klass / "z-slow" / "bpe.py").write_text(BPE)
    resumed = grade_class(klass, out, jobs=1, limits=Limits(case_seconds=2, submission_seconds=20))
    assert (resumed.reused, resumed.graded) == (2, 1)


def test_without_dask_the_flags_say_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None\n"
            "from grader.cli import main\n"
            f"sys.exit(main(['grade', {str(EXAMPLE_CLASS_DIR)!r}, '--out', {str(tmp_path / 'out')!r}, "
            "'--cluster', 'local:2']))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "pip install 'embedlab[cluster]'" in line and not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, message", [
    (["--cluster", "local:0"], "expected local:N"),
    (["--cluster", "slurm"], "expected local:N"),
    (["--cluster", "local:2", "--scheduler", "tcp://h:8786"], "not allowed with"),
    (["--cluster", "local:2", "--jobs", "2"], "--jobs is for grading on this machine"),
])
def test_bad_cluster_flags_are_one_line_and_exit_2(argv, message, tmp_path):
    proc = subprocess.run([*EMBEDLAB, "grade", str(EXAMPLE_CLASS_DIR), "--out", str(tmp_path / "out"), *argv],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert message in line


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    proc = subprocess.run([*EMBEDLAB, "grade", str(EXAMPLE_CLASS_DIR), "--out", str(tmp_path / "out"),
                           "--scheduler", "tcp://127.0.0.1:9"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in line
