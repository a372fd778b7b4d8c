"""``embedlab check --watch`` starts again as soon as a file changes, abandoning the stale run.

The watch loop hands each run a ``stale()`` test; check asks it between cases and gives up (its
child is killed) the moment a file changed. Tested three ways: the loop with a fake run, the judge
giving up mid-run, and a scripted ``check --watch`` session over a slow submission.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from grader.student.watch import watch
from workflow_helpers import EMBEDLAB, copy_modules, student_env


def test_a_run_that_sees_a_change_is_followed_by_a_new_one_at_once(tmp_path: Path) -> None:
    (tmp_path / "bpe.py").write_text("x = 1\n")
    runs: list[bool] = []
    sleeps: list[float] = []

    def run(stale) -> None:
        runs.append(stale())
        if len(runs) == 1:
            (tmp_path / "bpe.py").write_text("x = 22\n")  # saved while the first run goes on
            assert stale()
            return  # the run gives up
        raise KeyboardInterrupt  # the second run: stop the loop here

    with pytest.raises(KeyboardInterrupt):
        watch(tmp_path, run, poll=0.5, sleep=sleeps.append)
    assert runs == [False, False]  # the second run starts from the new files: not stale
    assert 0.5 not in sleeps  # no polling wait between the two runs, only the editor's settle time


def test_the_judge_abandons_a_run_and_kills_its_child(tmp_path: Path) -> None:
    from grader.student import check as checkmod

    work = copy_modules(tmp_path / "exercises", source="solutions")
    checker = checkmod.Checker(work, ("bpe",))
    try:
        seen: list[int] = []

        def progress(spec, index: int, total: int) -> None:
            seen.append(index)
            if index == 3:
                raise checkmod._Stale

        with pytest.raises(checkmod._Stale):
            checker.run(progress)
        assert seen == [0, 1, 2, 3]
        assert all(child._closed for child in list(checker.judge.zygote._children))
        report = checker.run()  # the next run works as ever
        assert report.all_passed
    finally:
        checker.close()


def test_check_watch_restarts_when_a_file_changes_mid_run(tmp_path: Path) -> None:
    work = copy_modules(tmp_path / "exercises", source="solutions")
    slow = (work / "bpe.py").read_text().replace(
        "def count_pairs(words", "import time as _t\n\n\ndef _nap():\n    _t.sleep(0.05)\n\n\ndef count_pairs(words", 1)
    # every call of every bpe function naps: one run of the bpe cases takes a second or two
    for function in ("count_pairs", "merge_pair", "train_bpe", "encode"):
        head = f"def {function}("
        at = slow.index(head)
        doc_end = slow.index('"""', slow.index('"""', at) + 3) + 3
        slow = slow[:doc_end] + "\n    _nap()" + slow[doc_end:]
    (work / "bpe.py").write_text(slow)
    process = subprocess.Popen([str(EMBEDLAB), "check", "--watch", "--path", str(work)], cwd=tmp_path,
                               env=student_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    seen: list[str] = []

    def wait_for(predicate, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=0.2))
            except queue.Empty:
                assert process.poll() is None, "".join(seen) + process.stderr.read()
                continue
            if predicate("".join(seen)):
                return
        raise AssertionError("timed out; output so far:\n" + "".join(seen))

    try:
        wait_for(lambda out: "check at" in out)
        (work / "lookup.py").write_text((work / "lookup.py").read_text() + "\n# saved again\n")
        wait_for(lambda out: "a file changed while checking: checking again" in out)
        first = "".join(seen)
        assert "Progress:" not in first  # the stale run never got to its report
        wait_for(lambda out: out.rstrip().endswith("Ctrl-C to stop"))
        assert "".join(seen).count("check at") >= 2 and "Progress:" in "".join(seen)
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
