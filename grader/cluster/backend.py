"""The client's side of cluster grading: :class:`DaskBackend`, step 4 of the pipeline on Dask.

One run, in order (each step one method below):

1. ``_client``            — start a ``LocalCluster`` of N single-threaded worker processes
                            (``--cluster local:N``; TLS with a throw-away certificate, on
                            127.0.0.1 only) or connect to a running scheduler (``--scheduler``).
2. ``_wait_for_workers``  — at least one worker (a SLURM job may still be queued).
3. ``_check_workers``     — every worker's :func:`~grader.grading.engine.fingerprint_parts` (embedlab
                            version, cases, solutions, quizzes, limits) must equal the client's,
                            else one line naming the worker and what differs, and nothing graded.
4. ``_start_judges``      — register this run's :class:`~grader.cluster.worker.JudgePlugin`: one
                            warm judge (sandbox zygote) per worker process, now and for every
                            worker that joins or is restarted later.
5. ``_stream``            — submissions go out as data, a bounded window at a time (the class is
                            read as it is graded: client and scheduler memory stay flat however
                            large it is), and come back with ``as_completed`` as they finish.

Faults, and what the user sees:

- a worker process dies mid-submission (SIGKILL, OOM killer, a lost node): Dask gives the
  submission to another worker; the student still gets exactly one row. The summary line says
  how many workers were lost.
- a submission on which every worker dies: after Dask's ``allowed-failures`` (3 by default)
  ``KilledWorker`` ends its task, and the student's row says ``error: grading crashed N
  workers``; the rest of the class is graded. Such a row is not stored: a re-run tries again.
- the scheduler goes away: the run ends with one line; what was graded is in the store, and the
  same command goes on from there.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator

from ..grading.engine import Graded, GradingSetup, fingerprint_parts
from ..grading.results import SubmissionResult
from ..grading.submission import Submission
from . import ClusterError, require_dask
from .worker import JudgePlugin, Task, fingerprint_report, grade_task, judge_state

#: Dask settings for a cluster this run starts itself (a running cluster keeps its own)
LOCAL_CONFIG = {
    # a worker holds only the submission it is grading, none queued behind it: when a worker
    # dies, Dask counts that death against no other student's submission
    "distributed.scheduler.worker-saturation": 1.0,
    # no statistical profiler sampling the worker's stacks every 10 ms
    "distributed.worker.profile.enabled": False,
    # no web pages (dashboard, worker logs, metrics): nobody is meant to look at this cluster
    "distributed.scheduler.http.routes": [],
    "distributed.worker.http.routes": [],
}
#: submissions in flight per worker thread (the rest of the class waits, unread, on the client);
#: above 2 so that Dask queues them on the scheduler (it does so for groups > 2 x threads)
WINDOW_PER_THREAD = 4
GRADE_KEY = "embedlab-grade"   # the task's name on the Dask dashboard
SILENT = logging.CRITICAL + 10  # above every level Dask logs at


class DaskBackend:
    """Grades on a Dask cluster: ``DaskBackend(scheduler="tcp://host:8786")`` or
    ``DaskBackend(local_workers=4)``; give it to :func:`grader.grading.engine.grade_class` as ``backend``.

    >>> grade_class(CLASS, OUT, jobs=1, limits=Limits(), backend=DaskBackend(local_workers=2))  # doctest: +SKIP

    ``status(text)`` hears what the run is doing before the first result (starting workers,
    waiting for them, checking them); ``warn(text)`` gets advice worth a line on the terminal.
    ``wait_workers`` is how long to wait for the first worker of a running cluster (seconds).
    ``task`` replaces :func:`~grader.cluster.worker.grade_task` (tests use it to kill workers).
    ``in_flight`` fixes how many submissions are on the cluster at once (default: 4 per worker
    thread + 2, following the cluster as it grows; bench/cluster_overhead.py sends a whole class).
    """

    def __init__(self, *, scheduler: str | None = None, local_workers: int | None = None,
                 status: Callable[[str], None] | None = None, warn: Callable[[str], None] | None = None,
                 wait_workers: float = 300.0, task: Callable[[Task], dict] | None = None,
                 in_flight: int | None = None) -> None:
        if (scheduler is None) == (local_workers is None):
            raise ValueError("give either scheduler or local_workers")
        self.scheduler = scheduler
        self.local_workers = local_workers
        self.status = status or (lambda text: None)
        self.warn = warn or (lambda text: None)
        self.wait_workers = wait_workers
        self.task = task or grade_task
        self.in_flight = in_flight
        self.address = scheduler or ""
        self.workers = 0                 #: workers when grading started
        self.lost: list[str] = []        #: workers that died holding one of this run's submissions
        self.workers_note = ""           #: for the summary line: "on 2 Dask workers"
        self.why_unsandboxed = ""        #: a worker's reason, when its judge has no sandbox
        self._in_flight: dict[str, str] = {}   # task key -> student
        self._done = 0
        self._count = 0
        self._scheduler_gone = False

    # -----------------------------------------------------------------------------------------
    def grade(self, tasks: Iterable[tuple[Submission, object]], count: int, setup: GradingSetup) -> Iterator[Graded]:
        """The backend protocol (see ``grader.grading.engine.LocalPool``): ``(submission, policy)`` pairs
        in, results out as they finish."""
        require_dask(local=self.local_workers is not None)
        self._count = count
        with _quiet_dask_logs(), self._client(count) as client:
            self._wait_for_workers(client)
            self._check_workers(client, setup)
            plugin = self._start_judges(client, setup)
            client.subscribe_topic("all", self._on_event)
            try:
                yield from self._stream(client, tasks, setup, plugin)
            finally:
                if not self._scheduler_gone:  # else each call would wait its connect timeout
                    with contextlib.suppress(Exception):
                        client.unsubscribe_topic("all")
                    if self.scheduler is not None:  # a cluster of our own closes with its judges
                        with contextlib.suppress(Exception):
                            client.unregister_worker_plugin(plugin)

    # 1 ---------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _client(self, count: int):
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            self.status(f"connecting to the Dask scheduler at {self.scheduler}")
            try:
                client = Client(self.scheduler)
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                raise ClusterError(f"cannot reach the Dask scheduler at {self.scheduler} ({_reason(exc)}); "
                                   "is it running, and is this its address?") from None
            try:
                yield client
            finally:
                with contextlib.suppress(Exception):
                    client.close(timeout=10)
            return
        from distributed.security import Security

        n = max(1, min(self.local_workers, count))
        self.status(f"starting {n} local Dask worker{'s' * (n != 1)}")
        security = Security.temporary()  # only this process holds the key: nothing else can connect
        with dask.config.set(LOCAL_CONFIG):
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, protocol="tls",
                                   host="127.0.0.1", security=security, dashboard_address=None,
                                   # its (empty) web server on any free port, not Dask's 8787
                                   scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                   silence_logs=SILENT)
        try:
            self.address = cluster.scheduler_address
            client = Client(cluster, security=security)
            try:
                yield client
            finally:
                with contextlib.suppress(Exception):
                    client.close(timeout=10)
        finally:
            with contextlib.suppress(Exception):
                cluster.close(timeout=30)

    # 2 ---------------------------------------------------------------------------------------
    def _wait_for_workers(self, client) -> None:
        if not client.nthreads():
            self.status(f"waiting for a Dask worker to join {self.address}")
            try:
                client.wait_for_workers(1, timeout=self.wait_workers)
            except TimeoutError:
                raise ClusterError(f"no Dask worker joined {self.address} within {self.wait_workers:g} s: start "
                                   f"some ('dask worker {self.address} --nthreads 1'; see docs/cluster.md)") from None
        threads = client.nthreads()
        busy = sorted(address for address, n in threads.items() if n > 1)
        if busy:
            self.warn(f"{len(busy)} Dask worker(s) have more than one thread ({busy[0]}, ...): each worker process "
                      "grades one submission at a time with its one judge; start workers with '--nthreads 1' "
                      "and as many '--nworkers' as cores")

    # 3 ---------------------------------------------------------------------------------------
    def _check_workers(self, client, setup: GradingSetup) -> None:
        self.status("checking that every worker grades this assignment")
        mine = fingerprint_parts(setup.limits)
        reports = client.run(fingerprint_report, setup.limits, on_error="return")
        for address, theirs in sorted(reports.items()):
            if isinstance(theirs, BaseException):
                raise ClusterError(f"worker {address} cannot run embedlab ({_reason(theirs)}); install this "
                                   "embedlab checkout on every worker (docs/cluster.md); nothing was graded")
            difference = describe_difference(mine, theirs)
            if difference:
                raise ClusterError(f"worker {address} grades a different assignment: {difference}; nothing was "
                                   "graded (every worker needs this checkout, see docs/cluster.md)")

    # 4 ---------------------------------------------------------------------------------------
    def _start_judges(self, client, setup: GradingSetup) -> str:
        name = f"embedlab-judge-{uuid.uuid4().hex[:12]}"  # this run's: another run's judges are left alone
        workers = len(client.nthreads())
        self.status(f"starting a judge on each of {workers} Dask worker{'s' * (workers != 1)}")
        plugin = JudgePlugin(name, setup.limits, [str(p) for p in setup.hide], setup.sandbox,
                             ignore_sigint=self.local_workers is not None)
        client.register_plugin(plugin, name=name)
        states = client.run(judge_state, name, on_error="return")
        for address, state in sorted(states.items()):
            why = _reason(state) if isinstance(state, BaseException) else state["error"]
            if why:
                raise ClusterError(f"worker {address} cannot grade: {why}; nothing was graded")
        unsandboxed = [s["why_unsandboxed"] for s in states.values() if not s["sandboxed"]]
        if unsandboxed:
            self.why_unsandboxed = f"on {len(unsandboxed)} Dask worker(s): {unsandboxed[0]}"
        self.workers = len(states)
        self._note()
        return name

    # 5 ---------------------------------------------------------------------------------------
    def _stream(self, client, tasks: Iterable[tuple[Submission, object]], setup: GradingSetup,
                plugin: str) -> Iterator[Graded]:
        from distributed import as_completed

        source = iter(tasks)
        flight = as_completed()
        pending: dict[str, tuple[Submission, object]] = {}  # key -> what it grades (for a row if it fails)

        def submit_next() -> bool:
            task = next(source, None)  # read now, not before: the class waits on disk
            if task is None:
                return False
            sub, policy = task
            key = f"{GRADE_KEY}-{uuid.uuid4().hex}"
            self._in_flight[key] = sub.student
            pending[key] = (sub.student, sub.files_hash, policy)
            flight.add(client.submit(self.task, Task(sub, policy, setup.fingerprint, plugin), key=key, pure=False))
            return True

        window, checked = self._window(client), time.monotonic()
        while len(self._in_flight) < window and submit_next():
            pass
        for future in flight:
            graded = self._collect(future, pending.pop(future.key), setup)
            del self._in_flight[future.key]
            future.release()
            self._done += 1
            if time.monotonic() - checked > 5:  # workers come and go (adaptive clusters): follow them
                window, checked = self._window(client), time.monotonic()
            while len(self._in_flight) < window and submit_next():  # workers stay busy while we write
                pass
            yield graded
        self._note()

    def _window(self, client) -> int:
        if self.in_flight is not None:
            return self.in_flight
        return WINDOW_PER_THREAD * max(1, sum(client.nthreads().values())) + 2

    def _collect(self, future, what: tuple, setup: GradingSetup) -> Graded:
        from distributed import KilledWorker
        from distributed.utils import CancelledError

        try:
            answer = future.result()
        except KilledWorker as exc:
            return _not_graded(*what, f"grading crashed {exc.allowed_failures + 1} workers")
        except CancelledError as exc:  # Dask cancels every future when it loses the scheduler
            self._scheduler_gone = True
            reason = getattr(exc, "reason", "")
            why = f" ({reason})" if reason and reason != "scheduler-connection-lost" else ""
            raise ClusterError(f"the Dask scheduler at {self.address} went away after {self._done} of {self._count} "
                               f"submissions{why}; everything graded is kept: run the same command again to go "
                               "on") from None
        except Exception as exc:  # the task itself failed on the worker: a bug of embedlab
            return _not_graded(*what, f"internal grader error on a Dask worker ({_reason(exc)})")
        kind = answer.get("kind")
        if kind == "graded":
            return Graded(answer["text"], dict(answer["files"]))
        if kind == "refused":
            difference = describe_difference(fingerprint_parts(setup.limits), answer["parts"])
            raise ClusterError(f"worker {answer['worker']} joined with a different assignment: {difference}; "
                               "stopped (everything graded is kept: fix or remove that worker and run the same "
                               "command again)")
        raise ClusterError(f"worker {answer.get('worker', '?')} cannot grade: {answer.get('why', answer)}; stopped "
                           "(everything graded is kept: fix or remove that worker and run the same command again)")

    # -----------------------------------------------------------------------------------------
    def _on_event(self, event) -> None:
        """The scheduler's events (on the client's event-loop thread): count workers that died
        while they held one of this run's submissions."""
        _, message = event
        if not isinstance(message, dict) or message.get("action") != "remove-worker" or message.get("expected"):
            return
        if any(key in self._in_flight for key in message.get("processing-tasks", ())):
            self.lost.append(str(message.get("worker", "?")))
            self._note()

    def _note(self) -> None:
        note = f"on {self.workers} Dask worker{'s' * (self.workers != 1)}"
        if self.lost:
            note += (f" ({len(self.lost)} died while grading; their submissions were graded again"
                     " elsewhere)" if len(self.lost) > 1 else
                     " (1 died while grading; its submission was graded again elsewhere)")
        self.workers_note = note


def describe_difference(mine: dict[str, str], theirs: dict[str, str], *, most: int = 4) -> str:
    """What differs between two :func:`~grader.grading.engine.fingerprint_parts`, for one line::

        describe_difference({"embedlab": "0.1.0", "solutions/bpe.py": "a1"},
                            {"embedlab": "0.2.0", "solutions/bpe.py": "b2"})
        == "embedlab 0.2.0 there, 0.1.0 here; solutions/bpe.py differs"

    Empty when they are equal.
    """
    out = [f"{name} {theirs.get(name, '?')} there, {mine.get(name, '?')} here"
           for name in ("embedlab", "limits") if mine.get(name) != theirs.get(name)]
    files = sorted((set(mine) | set(theirs)) - {"embedlab", "limits"})
    for name in files:
        if name not in theirs:
            out.append(f"{name} missing there")
        elif name not in mine:
            out.append(f"{name} only there")
        elif mine[name] != theirs[name]:
            out.append(f"{name} differs")
    if len(out) > most:
        out = out[:most] + [f"and {len(out) - most} more"]
    return "; ".join(out)


def _not_graded(student: str, files_hash: str, policy, why: str) -> Graded:
    """The row of a submission the cluster could not grade (not stored: a re-run tries again)."""
    result = SubmissionResult(student=student, error=why, files_hash=files_hash)
    return Graded(result.to_json(), policy.files(result, {}), keep=False)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextlib.contextmanager
def _quiet_dask_logs():
    """Dask's own log lines (worker restarts, lost connections) are not for the terminal of a
    grading run: what they mean reaches the user as rows, the summary line or one error line."""
    # Dask's logging config gives some children their own level ("distributed.client": warning)
    names = ["distributed", *(name for name in logging.root.manager.loggerDict if name.startswith("distributed."))]
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(SILENT)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
