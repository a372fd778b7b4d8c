"""The worker side of cluster grading: one warm judge per Dask worker process, and the task that
grades one submission with it.

A Dask worker is a long-lived Python process on some machine of the cluster. When a grading run
starts, the client registers a :class:`JudgePlugin` (a Dask ``WorkerPlugin``): Dask calls its
``setup`` in every worker process that is there or joins later (a worker restarted after a crash
too), and ``teardown`` when the run unregisters it or the worker closes. ``setup`` starts the same
:class:`~grader.grading.engine.Judge` a ``--jobs`` pool worker has: the sandbox zygote (a separate, clean
interpreter that forks one sandboxed child per submission) and the reference solutions. So the
worker process itself never runs student code, exactly as a pool worker does not.

:func:`grade_task` is what each Dask task runs: ``Task(submission, policy, fingerprint, plugin)`` in,
a plain dict out::

    {"kind": "graded", "worker": "tls://10.0.0.7:40123", "text": "<result JSON>",
     "files": {"results.json": "...", "feedback.md": "..."}}

The submission arrives as data (the sources the client read); the worker needs no access to the
class folder or the output folder, and writes nothing of the run: the client writes the files,
the store and the gradebook. A worker that grades a different assignment (another embedlab
version, other cases, solutions, quizzes or limits) answers ``{"kind": "refused", ...}`` with
its :func:`~grader.grading.engine.fingerprint_parts` instead of grading, and the client stops the run.

This module is imported by Dask worker processes (by reference, when a task or the plugin is
unpickled there): it must stay importable without anything of the client's side.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from distributed import WorkerPlugin, get_worker

from ..grading.engine import Judge, assignment_fingerprint, fingerprint_parts, grade_one, part_max_of, paths_to_hide
from ..grading.submission import Submission


@dataclass(frozen=True)
class Task:
    """One submission to grade: what the client read, and what it must be graded against."""

    submission: Submission
    policy: object        # the course's view of this student (grader.course.apply.StudentPolicy)
    fingerprint: str      # the client's assignment_fingerprint(limits)
    plugin: str           # the name of this run's JudgePlugin


def fingerprint_report(limits) -> dict[str, str]:
    """Run on every worker before grading starts (``client.run``): what it would grade against."""
    return fingerprint_parts(limits)


class JudgePlugin(WorkerPlugin):
    """Holds one warm :class:`~grader.grading.engine.Judge` in a Dask worker process.

    ``hide`` are the client's class and output folders: where they exist on the worker's machine
    (a ``LocalCluster``, a shared file system) student code must not see them; each worker adds
    its own project folder, home and Python paths (:func:`~grader.grading.engine.paths_to_hide`).
    ``ignore_sigint`` is for workers of a cluster the client started itself: Ctrl-C at the
    terminal reaches them too, and only the client handles it (as in a ``--jobs`` pool). The
    zygote ignores SIGINT in every case: a Ctrl-C meant for a ``dask worker`` must stop the worker,
    never kill a student's child mid-case and turn it into a wrong grade.
    """

    def __init__(self, name: str, limits, hide: list[str], sandbox: bool, *, ignore_sigint: bool = False) -> None:
        self.name = name
        self.limits = limits
        self.hide = [str(p) for p in hide]
        self.sandbox = sandbox
        self.ignore_sigint = ignore_sigint
        self._reset()

    def _reset(self) -> None:
        self.judge: Judge | None = None
        self.error = ""                    # why this worker cannot grade (its judge did not start)
        self.fingerprint = ""
        self.parts: dict[str, str] = {}
        self.lock = threading.Lock()       # one judge, one submission at a time (workers with threads > 1)

    def __getstate__(self) -> dict:        # the judge (processes, sockets) stays where it was made
        return {k: getattr(self, k) for k in ("name", "limits", "hide", "sandbox", "ignore_sigint")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._reset()

    def setup(self, worker) -> None:
        main = threading.current_thread() is threading.main_thread()
        if main and self.ignore_sigint:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        # SIG_IGN survives exec: the zygote (started below) and its children inherit it
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            self.judge = Judge(self.limits, paths_to_hide([Path(p) for p in self.hide]), sandbox=self.sandbox)
        except Exception as exc:  # an environment problem of this worker: the client names it
            self.error = f"its judge did not start ({type(exc).__name__}: {exc})"
            return
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        self.parts = fingerprint_parts(self.judge.limits)
        self.fingerprint = assignment_fingerprint(self.judge.limits)

    def teardown(self, worker) -> None:
        if self.judge is not None:
            self.judge.close()
            self.judge = None

    def state(self) -> dict:
        judge = self.judge
        return {"error": self.error, "sandboxed": bool(judge and judge.sandboxed),
                "why_unsandboxed": judge.zygote.why_unsandboxed if judge else ""}


def judge_state(plugin: str, dask_worker=None) -> dict:
    """Run on every worker after the plugin's setup (``client.run``): did its judge start?"""
    found = (dask_worker or get_worker()).plugins.get(plugin)
    if found is None:
        return {"error": "the run's judge plugin did not reach it", "sandboxed": False, "why_unsandboxed": ""}
    return found.state()


def grade_task(task: Task) -> dict:
    """Grade one submission with this worker's warm judge (see the module's docstring)."""
    worker = get_worker()
    plugin = worker.plugins.get(task.plugin)
    if plugin is None or plugin.judge is None:
        why = plugin.error if plugin is not None else "the run's judge plugin did not reach it"
        return {"kind": "broken", "worker": worker.address, "why": why}
    if plugin.fingerprint != task.fingerprint:
        return {"kind": "refused", "worker": worker.address, "parts": plugin.parts}
    with plugin.lock:
        result = grade_one(plugin.judge, task.submission)
    return {"kind": "graded", "worker": worker.address, "text": result.to_json(),
            "files": task.policy.files(result, part_max_of(result))}
