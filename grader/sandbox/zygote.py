"""Running untrusted student code: the judge's side of the sandbox (SPEC section 7).

Student code never runs in the process that decides a score. Each grading worker owns one
:class:`Zygote`; each submission gets a :class:`Child`, and the cases talk to it with
:meth:`Child.call`, which always returns an :class:`Outcome` (a crash is a result, not an
exception). Only :class:`SandboxError` is raised, and only when the sandbox itself fails.

Design
======
**Zygote.** A separate, clean interpreter (``python -I``) started with a scrubbed environment:
PATH, ``LANG=C.UTF-8``, ``HOME=/nonexistent``, one BLAS/OpenMP thread (and OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE when set). Nothing else of the instructor's environment reaches it, so a child's
``/proc/self/environ`` (which shows the zygote's initial environment) holds no secret. It imports
numpy, the stdlib modules students use and :mod:`grader.sandbox.child`, warms up BLAS, and forks one
child per spawn. It never imports ``solutions``, the cases or a submission, and never holds a
student's source: the judge sends sources straight to each child over the child's own socket.

**A child** (see :mod:`grader.sandbox.child` for the code) is two processes. *A*, forked from the
zygote, calls ``setsid`` and builds the student's view of the files in a private mount namespace:

1. every host mount becomes read-only and nosuid (``mount_setattr``, recursively);
2. a fresh 64 MiB tmpfs goes on ``/tmp``, and an empty read-only tmpfs over every hidden path: the
   embedlab tree (solutions, cases), the submissions and output folders (the caller's ``hide``),
   ``$HOME``, ``/root``, ``/home``, ``/var/tmp``, ``/dev/shm``, the temp dir, and wherever
   ``solutions`` or ``grader`` are installed. Hidden paths must exist when a child is spawned;
3. the Python installation is shown again where it lies under a hidden path (here the interpreter
   is under ``/root`` and numpy under the project's ``.venv``): each such ``sys.path`` directory is
   cloned with ``open_tree`` *before* hiding and put back with ``move_mount``, read-only; hidden
   paths inside a kept directory (an installed ``solutions`` in site-packages) are hidden again.

As root, A does this as real root (the interpreter may sit in ``/root``, which the sandbox uid
cannot even traverse), then drops to a uid of its own (2,000,000,000 + the zygote's PID, no
groups: host files are as good as read-only to it, and RLIMIT_NPROC counts only this child).
A then unshares user, mount, network, pid, IPC and UTS namespaces, mapping root inside to that
uid; the mounts, copied into a less privileged namespace, are now *locked*: they cannot be
unmounted to reveal what lies beneath. (Without root the user namespace comes first and the same
view is built inside it.) A forks *B*, PID 1 of the new pid namespace, so that when B dies the
kernel kills everything the student started. B

4. mounts a fresh ``/proc`` (only the namespace's processes are visible) and the work dir
   ``/tmp/submission``;
5. unshares a nested user + mount namespace (locking the last mounts too), caps further user
   namespaces at that one, and empties its capability sets, bounding set included;
6. sets rlimits, ``PR_SET_NO_NEW_PRIVS`` and ``PR_SET_PDEATHSIG``, clears ``os.environ``, points
   fds 0-2 at ``/dev/null`` and closes everything but its socket.

The network namespace holds only a loopback that is down: no sockets anywhere, not even to
127.0.0.1. The IPC namespace keeps SysV/POSIX IPC from reaching other children. If any step fails,
the child reports it and exits (the judge raises :class:`SandboxError`); student code never runs
in a half-built sandbox. Whether the machine allows all this is tried once, by a probe child,
when the zygote starts.

B then receives the sources, writes them into the work dir, loads them as the package
``submission`` (with ``import bpe`` aliased to ``submission.bpe``), and serves calls.

**Limits.** Wall time per call and per submission (load + calls) is kept by the judge, which on
expiry first asks B where the student's code is (SIGUSR1: B sends the file and line numbers of the
student's frames and exits; see ``Outcome.where``), then SIGKILLs it; a call starved by the
machine's load gets the CPU time it missed, up to ``case_seconds``; calls after a timeout, a crash or a memory error run in a fresh child
(forked again, same modules) until the submission's budget is used up. RLIMIT_AS is the address
space B has *before loading the submission* plus ``memory_bytes``: the interpreter with numpy and
one-thread OpenBLAS already maps about 150 MiB that it never touches, and the limit is meant for
what the student allocates. RLIMIT_NPROC = ``processes``, RLIMIT_CPU = ``submission_seconds`` + 5 s
(PID 1 ignores SIGXCPU, so the hard limit's SIGKILL ends it), RLIMIT_FSIZE 16 MiB, RLIMIT_CORE 0,
RLIMIT_NOFILE 256. Output printed during calls is captured up to ``output_bytes`` for the whole
child lifetime; past it text is dropped and the outcome says ``[output truncated]``.

**The wire.** Length-prefixed JSON frames (:mod:`grader.sandbox.wire`); the judge caps a frame at
``wire.MAX_MESSAGE_BYTES``, checks the request id of every reply and validates every field, and
never unpickles. A child that writes garbage into its socket gets kind ``crashed``. Whatever a
child sends, it could have returned honestly: forging a reply gains nothing.

**Cleanup.** A reports B's host PID first and B's exit status when B dies, and reaps B only after
the judge has shut the status socket down, so the judge may always signal B's PID safely. On close
or timeout the judge SIGKILLs B (the whole pid namespace dies with it), waits for A's report, lets
A reap, and as a last resort kills A's process group. The zygote is a child subreaper with
SIGCHLD ignored (no zombies); when the judge's socket closes (the judge exited or died) it kills
its children, and what they leave behind, until none is left. A and B die with their parents
(PDEATHSIG, armed again after each change of credentials, which clears it); unsandboxed, A's
parent-death signal is SIGTERM, on which it first kills all its descendants.

Without the sandbox
===================
Where namespaces are unavailable (not Linux, or the zygote's probe child cannot build the
sandbox) or were turned off (``Zygote(sandbox=False)`` or ``EMBEDLAB_NO_SANDBOX=1``),
:attr:`Zygote.sandboxed` is False and :attr:`Zygote.why_unsandboxed` says why. Children are then
only: a separate process in its own session, the scrubbed environment, rlimits, a uid of their own
when the grader runs as root, a private temp work dir, and A as a child subreaper that kills every
descendant at close (so ``setsid`` or double forks do not escape). Not enforced without the
sandbox: hidden files (solutions, cases, other submissions are readable), a read-only host, no
network, process isolation; and when not running as root the student code runs as the
instructor's user and can signal the grader. As root, the child's own uid cannot read a Python
installation in a private directory (like ``/root/.pyenv``): only modules the zygote preloaded
(:data:`grader.sandbox.child.PRELOAD`) can then be imported.

Use one zygote per worker process, from one thread, and do not fork while it is running.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from grader.sandbox import wire
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT

#: every kind an :class:`Outcome` can have
KINDS = ("ok", "raised", "not_attempted", "timeout", "memory", "crashed", "missing")
#: environment variables passed to the zygote besides the fixed ones
_PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: a new child must be up within this (setup, not student code; not counted in a case's time)
_SETUP_SECONDS = 30.0
#: how long the judge waits for a killed child to be reported dead and reaped
_REAP_SECONDS = 10.0
_MESSAGE_CHARS = 2000
_TRUNCATED = "\n[output truncated]"


class SandboxError(RuntimeError):
    """The sandbox itself failed (an environment problem or a bug of embedlab), not the student."""


@dataclass(frozen=True)
class Limits:
    """What one submission may use (SPEC section 7).

    ``case_seconds`` is the CAP of a case's time limit; the limit itself is
    ``clamp(case_factor x the reference's time, case_floor, case_seconds)`` (grader.grading.limits).
    """

    case_seconds: float = 5.0
    submission_seconds: float = 60.0
    memory_bytes: int = 1 << 30
    processes: int = 64
    output_bytes: int = 1 << 20
    case_factor: float = 100.0
    case_floor: float = 0.15


@dataclass(frozen=True, slots=True)
class Frame:
    """One line of the student's code a stopped call was running (see :func:`where_it_hung`).

    ``source`` is the line as the judge holds it (stripped); ``function`` the ``def`` around it
    (``"<module>"`` outside any), both read from the judge's copy of the submission.
    """

    module: str
    line: int
    function: str
    source: str
    in_while: bool = False  # the line is inside a ``while`` loop (an infinite loop is likely)

    def describe(self) -> str:
        """``bpe.py line 42, in merge_pair``"""
        return f"{self.module}.py line {self.line}, in {self.function}"


@dataclass(slots=True)
class Outcome:
    """What happened in one call of a student's function (treat it as read-only).

    ``kind`` is one of :data:`KINDS`; ``value`` is the decoded result (kind ``ok``); ``args`` and
    ``kwargs`` the arguments after the call (``keep_args=True``); for ``raised``, ``type_name`` is
    the exception's class name and ``builtin_mro`` the names of the *builtin* exception classes it
    derives from; ``message`` explains any kind but ``ok``; ``output`` is what the call printed.
    """

    kind: str
    value: Any = None
    args: tuple | None = None
    kwargs: dict | None = None
    type_name: str = ""
    builtin_mro: tuple[str, ...] = ()
    message: str = ""
    output: str = ""
    seconds: float = 0.0
    #: kind ``timeout``: where the student's code was when it was stopped, innermost first
    where: tuple[Frame, ...] = ()
    #: CPU seconds the child used for this call, when it said (a loaded machine shows here)
    cpu_seconds: float | None = dataclasses.field(default=None, compare=False)

    @property
    def mro(self) -> tuple[str, ...]:
        return self.builtin_mro

    def raised_builtin(self, exc_type: type[BaseException]) -> bool:
        """Did the call raise a real builtin ``exc_type`` (or a subclass of it)?"""
        return self.kind == "raised" and exc_type.__name__ in self.builtin_mro


def sandbox_environment() -> dict[str, str]:
    """The whole environment of the zygote and so of every child."""
    env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "LANG": "C.UTF-8",
           "HOME": "/nonexistent", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1",
           # the same set and dict-of-str orders in every run and worker: a student's code that
           # depends on set order is then graded the same way every time
           "PYTHONHASHSEED": "0"}
    env.update({name: os.environ[name] for name in _PASSED_ENV if name in os.environ})
    return env


def default_hide() -> list[Path]:
    """Paths every sandboxed child sees as empty, whatever the caller adds."""
    paths = [PROJECT_ROOT, Path.home(), Path("/root"), Path("/home"), Path("/tmp"), Path("/var/tmp"),
             Path("/dev/shm"), Path(tempfile.gettempdir())]
    for package in ("solutions", "grader"):  # wherever they are installed, e.g. in site-packages
        with contextlib.suppress(ImportError, ValueError):
            spec = importlib.util.find_spec(package)
            if spec is not None and spec.submodule_search_locations:
                paths.extend(Path(p) for p in spec.submodule_search_locations)
    return paths


# ------------------------------------------------------------------------------------------------
# One live child process tree, judge side
# ------------------------------------------------------------------------------------------------

class _Timeout:
    pass


class _Died:
    pass


TIMEOUT, DIED = _Timeout(), _Died()


class _Garbled(Exception):
    """The child sent something that is not a well-formed frame."""


#: a blocking recv or send on the call socket returns after this at the latest, so that deadlines
#: and the status socket are looked at; a prompt reply costs one syscall, not a poll and a recv
_SLICE = struct.pack("ll", 0, 50_000)  # struct timeval: 50 ms
_SLICE_SECONDS = 0.05


class _Proc:
    """The judge's ends of one child's call socket and status socket."""

    def __init__(self, call: socket.socket, status: socket.socket) -> None:
        self.call, self.status = call, status
        call.setblocking(True)
        call.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _SLICE)
        call.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _SLICE)
        status.setblocking(False)
        self.rbuf = bytearray()
        self.sbuf = bytearray()
        self.call_eof = self.status_eof = False
        self.a_pid: int | None = None
        self.b_pid: int | None = None
        self.report: dict | None = None  # B's exit, once A has seen it
        self.poller = select.poll()
        self.poller.register(call, select.POLLIN)
        self.poller.register(status, select.POLLIN)
        self.closed = False

    # -- reading -------------------------------------------------------------------------------
    def _read_call(self) -> None:
        """One recv: what is there, or whatever arrives within one slice."""
        if self.call_eof:
            return
        try:
            data = self.call.recv(1 << 20)
        except (BlockingIOError, InterruptedError):  # the slice ran out
            self._read_status()
            return
        except OSError:
            data = b""
        if data:
            self.rbuf += data
        else:
            self.call_eof = True
            self.poller.unregister(self.call)

    def _read_status(self) -> None:
        while not self.status_eof:
            try:
                data = self.status.recv(4096)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                data = b""
            if not data:
                self.status_eof = True
                self.poller.unregister(self.status)
                break
            self.sbuf += data
            if len(self.sbuf) > 65536:
                break
        if self.a_pid is None and len(self.sbuf) >= 8:
            self.a_pid, self.b_pid = struct.unpack("<ii", self.sbuf[:8])
            del self.sbuf[:8]
        if self.a_pid is not None and self.report is None:
            with contextlib.suppress(_Garbled):  # A is not student code; a bad report means none
                report = _take_frame(self.sbuf)
                if report is not None:
                    self.report = report

    def _pump(self, timeout: float) -> None:
        try:
            events = self.poller.poll(max(0, int(timeout * 1000) + 1))
        except InterruptedError:
            return
        for fd, _ in events:
            if fd == self.call.fileno():
                self._read_call()
            elif fd == self.status.fileno():
                self._read_status()

    @property
    def dead(self) -> bool:
        return self.call_eof or self.report is not None or (self.status_eof and self.a_pid is None)

    def next_frame(self, deadline: float) -> dict | _Timeout | _Died:
        """The next frame from B, or DIED, or TIMEOUT at the deadline (give or take one slice);
        may raise _Garbled."""
        while True:
            frame = _take_frame(self.rbuf)
            if frame is not None:
                return frame
            if self.dead:
                self.call.setblocking(False)
                while not self.call_eof:  # whatever B wrote before it died
                    size = len(self.rbuf)
                    self._read_call()
                    if len(self.rbuf) == size:
                        break
                frame = _take_frame(self.rbuf)
                return DIED if frame is None else frame
            left = deadline - time.monotonic()
            if left <= 0:
                # one last look: a judge that was itself kept off the CPU past the deadline may find
                # the reply already waiting
                self._pump(0)
                frame = _take_frame(self.rbuf)
                return TIMEOUT if frame is None else frame
            if left < _SLICE_SECONDS:
                # near the deadline: wait exactly what is left, so a limit is kept to the ms
                # (a blocking recv would overrun it by up to one slice)
                self._pump(left)
                continue
            self._read_call()

    def send(self, data: bytes, deadline: float) -> _Timeout | _Died | None:
        view = memoryview(data)
        while view:
            try:
                sent = self.call.send(view)
            except (BlockingIOError, InterruptedError):  # the slice ran out: B is not reading
                sent = 0
                self._read_status()
                if self.dead:
                    return DIED
                if time.monotonic() >= deadline:
                    return TIMEOUT
            except OSError:
                return DIED
            view = view[sent:]
        return None

    # -- ending --------------------------------------------------------------------------------
    def wait_report(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while self.report is None and not self.status_eof:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._pump(left)
        return self.report

    def cpu_seconds_of_b(self) -> float | None:
        """B's CPU time, read while B is a zombie that A has not reaped yet (Linux)."""
        if self.b_pid is None:
            return None
        try:
            with open(f"/proc/{self.b_pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def kill_and_reap(self) -> None:
        """Kill the child's whole tree and wait until it is gone (idempotent)."""
        if self.closed:
            return
        self.closed = True
        deadline = time.monotonic() + _REAP_SECONDS
        while self.a_pid is None and not self.status_eof and time.monotonic() < deadline:
            self._pump(deadline - time.monotonic())
        if self.report is None and self.b_pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.b_pid, signal.SIGKILL)  # safe: A does not reap B before our ack
        self.wait_report(max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(OSError):
            self.status.shutdown(socket.SHUT_WR)  # the ack: A may now reap B and exit
        while not self.status_eof and time.monotonic() < deadline:
            self._pump(deadline - time.monotonic())
        if not self.status_eof and self.a_pid is not None:
            with contextlib.suppress(OSError):
                os.killpg(self.a_pid, signal.SIGKILL)
        self.call.close()
        self.status.close()


def _take_frame(buf: bytearray) -> dict | None:
    size_bytes = wire.FRAME_HEADER.size
    if len(buf) < size_bytes:
        return None
    (size,) = wire.FRAME_HEADER.unpack_from(buf)
    if size > wire.MAX_MESSAGE_BYTES:
        raise _Garbled(f"a message of {size} bytes (more than {wire.MAX_MESSAGE_BYTES})")
    if len(buf) < size_bytes + size:
        return None
    body = bytes(buf[size_bytes:size_bytes + size])
    del buf[:size_bytes + size]
    try:
        tree = wire.parse(body)
    except wire.WireError as exc:
        raise _Garbled(str(exc)) from None
    if type(tree) is not dict:
        raise _Garbled("a message that is not a JSON object")
    return tree


def _frame(message: dict) -> bytes:
    body = wire.dumps(message)
    return wire.FRAME_HEADER.pack(len(body)) + body


def _describe_exit(report: dict | None, cpu: float | None, limits: Limits) -> str:
    """Why B ended, in words for the student."""
    if report is None:
        return "the process died (no exit status)"
    if "wait_status" in report:
        raw = int(report["wait_status"])
        code, sig = (os.WEXITSTATUS(raw), 0) if os.WIFEXITED(raw) else (0, os.WTERMSIG(raw))
    elif report.get("code") == os.CLD_EXITED:
        code, sig = int(report.get("status", 0)), 0
    else:
        code, sig = 0, int(report.get("status", 0))
    if not sig:
        return f"the process exited with status {code} (os._exit or a crash at exit)"
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    cpu_limit = int(limits.submission_seconds) + 5
    if sig in (signal.SIGKILL, signal.SIGXCPU) and cpu is not None and cpu >= cpu_limit - 1:
        return f"killed by {name}: the CPU time limit ({cpu_limit} s) was reached"
    if sig == signal.SIGKILL:
        return f"killed by {name} (the CPU time limit of {cpu_limit} s or the memory limit)"
    if sig == signal.SIGXFSZ:
        return f"killed by {name}: a file grew past the file size limit"
    if sig == signal.SIGSEGV:
        return f"crashed with a segmentation fault ({name})"
    return f"killed by {name}"


# ------------------------------------------------------------------------------------------------
# The public interface
# ------------------------------------------------------------------------------------------------

_LAST_WHY: str | None = None  # why the last zygote started in this process is unsandboxed


def why_unsandboxed(sandbox: bool | None = None) -> str:
    """Why children run without the sandbox in this process ("" when they are sandboxed).

    The answer of the last :class:`Zygote` started here, else of a short-lived one started now.
    Meant for a summary after grading ran unsandboxed: if the sandbox works here after all, the
    answer is that it was turned off.
    """
    if sandbox is False:
        return "the sandbox was turned off (sandbox=False)"
    why = _LAST_WHY
    if why is None:
        with Zygote(sandbox=sandbox) as zygote:
            why = zygote.why_unsandboxed
    return why or "the sandbox was turned off"


class Zygote:
    """The warm process every child is forked from; one per grading worker.

    >>> with Zygote(Limits(), hide=[submissions_dir, out_dir]) as zygote:   # doctest: +SKIP
    ...     child = zygote.spawn({"bpe": source})
    ...     child.call("bpe", "train_bpe", ("low low", 1), timeout=5.0).value
    """

    def __init__(self, limits: Limits | None = None, hide: Iterable[str | os.PathLike] = (), *,
                 sandbox: bool | None = None, start_timeout: float = 120.0) -> None:
        self.limits = limits or Limits()
        paths = {os.path.realpath(p) for p in [*default_hide(), *hide]}
        if "/" in paths:
            raise ValueError("cannot hide '/'")
        self.hide = sorted(paths)
        self._start_timeout = start_timeout
        if sandbox is False:
            self._why_off = "the sandbox was turned off (sandbox=False)"
        elif os.environ.get("EMBEDLAB_NO_SANDBOX") == "1":
            self._why_off = "the sandbox was turned off (EMBEDLAB_NO_SANDBOX=1)"
        elif not sys.platform.startswith("linux"):
            self._why_off = f"namespaces need Linux (this is {sys.platform})"
        else:
            self._why_off = ""
        self.sandboxed = False
        self.why_unsandboxed = self._why_off
        self.baseline_bytes = 0  #: the zygote's address space after warming up
        self.keep: list[str] = []  #: Python directories shown again inside hidden paths
        self.uid: int | None = None
        self._process: subprocess.Popen | None = None
        self._ready = False
        self._control: socket.socket | None = None
        self._children: weakref.WeakSet[Child] = weakref.WeakSet()

    def __enter__(self) -> Zygote:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the zygote and wait until it is warm."""
        self.launch()
        if self._ready:
            return
        judge_end = self._control
        try:
            hello = _receive_blocking(judge_end)
        except (OSError, _Garbled) as exc:
            self.close()
            raise SandboxError(f"the sandbox zygote did not start: {exc}") from exc
        if hello is None:
            self.close()
            raise SandboxError("the sandbox zygote did not start (it exited; see stderr)")
        self._ready = True
        self.sandboxed = bool(hello["sandboxed"])
        self.why_unsandboxed = "" if self.sandboxed else str(hello.get("why") or "unknown")
        global _LAST_WHY
        _LAST_WHY = self.why_unsandboxed
        self.uid = hello.get("uid")  #: the host uid children run as (None: the grader's own)
        self.baseline_bytes = int(hello.get("vm", 0))
        self.keep = list(hello.get("keep", []))
        judge_end.settimeout(_REAP_SECONDS)

    def launch(self) -> None:
        """Start the zygote without waiting: it warms up (imports numpy) while the caller works on.

        :meth:`start` (or the first :meth:`spawn`) then waits for it to be ready.
        """
        if self._process is not None:
            return
        judge_end, zygote_end = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])
        code = (f"import sys; sys.path.insert(0, {root!r}); "
                f"from grader.sandbox.child import zygote_main; zygote_main({zygote_end.fileno()})")
        try:
            self._process = subprocess.Popen(
                # -I would ignore PYTHONHASHSEED: -s -P are its other two parts, and the environment
                # is the scrubbed one above, so nothing else of the caller's reaches the zygote
                [sys.executable, "-s", "-P", "-c", code], env=sandbox_environment(), cwd="/",
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, pass_fds=[zygote_end.fileno()])
        finally:
            zygote_end.close()
        self._control = judge_end
        judge_end.settimeout(self._start_timeout)
        config = {"limits": dataclasses.asdict(self.limits), "hide": self.hide,
                  "sandbox": not self._why_off, "why": self._why_off, "uid": "auto"}
        try:
            judge_end.sendall(_frame(config))
        except OSError as exc:
            self.close()
            raise SandboxError(f"the sandbox zygote did not start: {exc}") from exc

    def spawn(self, modules: dict[str, str]) -> Child:
        """A child for one submission's modules (name -> source); returns at once.

        Only the five exercise modules can be given: nothing else of a submission is ever written
        where the child could import it (SPEC section 7).
        """
        for name, source in modules.items():
            if name not in EXERCISE_MODULES or not isinstance(source, str):
                raise ValueError(f"bad module {name!r}: one of {', '.join(EXERCISE_MODULES)}, "
                                 f"with its source as str")
        child = Child(self, dict(modules))
        self._children.add(child)
        return child

    def _fork(self) -> _Proc:
        if self._control is None:
            raise SandboxError("the zygote is not running (use it as a context manager)")
        self.start()  # waits for a zygote that was only launched
        call_judge, call_child = socket.socketpair()
        status_judge, status_child = socket.socketpair()
        try:
            socket.send_fds(self._control, [b"S"], [call_child.fileno(), status_child.fileno()])
        except OSError as exc:
            call_judge.close()
            status_judge.close()
            raise SandboxError(f"the sandbox zygote has gone: {exc}") from exc
        finally:
            call_child.close()
            status_child.close()
        return _Proc(call_judge, status_judge)

    def close(self) -> None:
        """Kill every child, then the zygote."""
        for child in list(self._children):
            child.close()
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=_REAP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        self._ready = False


def _receive_blocking(sock: socket.socket) -> dict | None:
    buf = bytearray()
    while True:
        frame = _take_frame(buf)
        if frame is not None:
            return frame
        data = sock.recv(1 << 16)
        if not data:
            return None
        buf += data


class Child:
    """One submission's modules, loaded in a sandboxed process; see :meth:`call`."""

    def __init__(self, zygote: Zygote, modules: dict[str, str]) -> None:
        self._zygote = zygote
        self._limits = zygote.limits
        self.modules = modules
        self._skip: dict[str, str] = {}  # modules not loaded again: they hung or crashed at import
        self._loaded: set[str] = set()
        self._load_errors: dict[str, str] = {}
        self._load_output = ""
        self._spent = 0.0
        self._billing_since: float | None = None
        self._output_left = self._limits.output_bytes
        self._next_id = 0
        self._last_cpu: float | None = None  # B's CPU seconds at its last reply
        self._closed = False
        self._ready = False
        self._proc: _Proc | None = zygote._fork()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the budget ----------------------------------------------------------------------------
    def _start_billing(self) -> bool:
        """Time from here to :meth:`_stop_billing` counts against ``submission_seconds``."""
        if self._billing_since is not None:
            return False  # already counting (a nested entry point)
        self._billing_since = time.monotonic()
        return True

    def _stop_billing(self, started: bool) -> None:
        if started:
            self._spent += time.monotonic() - self._billing_since
            self._billing_since = None

    def _budget_left(self) -> float:
        running = 0.0 if self._billing_since is None else time.monotonic() - self._billing_since
        return self._limits.submission_seconds - self._spent - running

    def _over_budget(self, seconds: float = 0.0) -> Outcome:
        return Outcome("timeout", seconds=seconds, message=(
            f"submission time limit exceeded: loading and all calls together may take "
            f"{self._limits.submission_seconds:g} s"))

    @property
    def seconds_used(self) -> float:
        """Wall time this submission has used so far (loading and calls)."""
        return self._spent

    # -- loading -------------------------------------------------------------------------------
    def _loaded_now(self) -> None:
        started = self._start_billing()
        try:
            self._ensure_loaded()
        finally:
            self._stop_billing(started)

    @property
    def load_errors(self) -> dict[str, str]:
        """module -> why it could not be loaded (syntax error, exception at import, missing...)."""
        self._loaded_now()
        return dict(self._load_errors)

    @property
    def load_output(self) -> str:
        """What the modules printed while being imported."""
        self._loaded_now()
        return self._load_output

    def _discard(self) -> None:
        self._last_cpu = None
        if self._proc is not None:
            self._proc.kill_and_reap()
            self._proc = None
        self._ready = False

    def _give_up_loading(self) -> None:
        for name in self.modules:
            if name not in self._loaded:
                self._load_errors.setdefault(
                    name, "not loaded: the submission time limit ran out while importing")
        self._discard()
        self._ready = True  # nothing more to load; every call is now over budget

    def _ensure_loaded(self) -> None:
        if self._closed:
            raise SandboxError("this child is closed")
        for _attempt in range(len(self.modules) + 2):
            if self._ready:
                return
            if self._budget_left() <= 0:
                self._give_up_loading()
                return
            if self._proc is None:
                self._proc = self._zygote._fork()
            proc = self._proc
            start = {"modules": {n: s for n, s in self.modules.items() if n not in self._skip},
                     "skip": self._skip, "output_budget": self._output_left}
            if proc.send(_frame(start), time.monotonic() + _SETUP_SECONDS) is not None:
                raise SandboxError(f"a new child did not take its modules: "
                                   f"{_describe_exit(proc.wait_report(_REAP_SECONDS), None, self._limits)}")
            if self._load(proc):
                return
        raise SandboxError("could not load the submission (too many restarts)")

    def _load(self, proc: _Proc) -> bool:
        """Read the loading frames; True when done, False when a module must be skipped."""
        current: str | None = None
        phase_start = time.monotonic()
        while True:
            left = self._budget_left()
            if left <= 0:
                self._give_up_loading()
                return True
            phase = self._limits.case_seconds if current else _SETUP_SECONDS
            deadline = min(phase_start + phase, time.monotonic() + left)
            try:
                frame = proc.next_frame(deadline)
            except _Garbled as exc:
                if current is None:
                    raise SandboxError(f"a new child sent a malformed message: {exc}") from None
                self._skip[current] = f"importing it broke the grader's channel ({exc})"
                self._discard()
                return False
            if frame is TIMEOUT:
                if self._budget_left() <= 0:
                    continue  # the budget ran out, not the phase
                if current is None:
                    raise SandboxError(f"a new child did not answer within {_SETUP_SECONDS:g} s")
                self._skip[current] = (f"importing it took longer than {self._limits.case_seconds:g} s "
                                       f"(the time limit)")
                self._discard()
                return False
            if frame is DIED:
                why = self._death(proc)
                if current is None:
                    raise SandboxError(f"a new child died before loading anything: {why}")
                self._skip[current] = f"importing it ended the process: {why}"
                return False
            assert isinstance(frame, dict)
            if "fatal" in frame:
                self._discard()
                raise SandboxError(f"the sandbox could not be set up: {str(frame['fatal'])[:500]}")
            if type(frame.get("loading")) is str and frame["loading"] in self.modules:
                current = frame["loading"]
                phase_start = time.monotonic()
                continue
            hello = frame.get("hello")
            if type(hello) is dict and self._accept_hello(hello):
                self._ready = True
                return True
            if current is None:
                raise SandboxError("a new child sent an unexpected message")
            self._skip[current] = "importing it broke the grader's channel (an unexpected message)"
            self._discard()
            return False

    def _accept_hello(self, hello: dict) -> bool:
        loaded, errors, out = hello.get("loaded"), hello.get("errors"), hello.get("out")
        if not (type(loaded) is list and all(type(n) is str and n in self.modules for n in loaded)
                and type(errors) is dict and all(type(k) is str and type(v) is str
                                                 for k, v in errors.items())
                and type(out) is str):
            return False
        self._loaded = set(loaded)
        self._load_errors = {k[:100]: v[:_MESSAGE_CHARS] for k, v in errors.items()
                             if k not in self._loaded}
        for name, why in self._skip.items():
            self._load_errors[name] = why
        self._load_output = self._take_output(out, hello.get("trunc") is True)
        cpu = hello.get("cpu")
        self._last_cpu = float(cpu) if type(cpu) is float else None
        return True

    def _death(self, proc: _Proc) -> str:
        report = proc.wait_report(_REAP_SECONDS)
        why = _describe_exit(report, proc.cpu_seconds_of_b(), self._limits)
        self._discard()
        return why

    def _take_output(self, text: str, truncated: bool) -> str:
        data = text.encode("utf-8", "replace")
        if len(data) > self._output_left:
            text = data[: self._output_left].decode("utf-8", "ignore")
            truncated = True
            data = data[: self._output_left]
        self._output_left -= len(data)
        return text + _TRUNCATED if truncated else text

    # -- calls ---------------------------------------------------------------------------------
    def call(self, module: str, function: str, args: tuple | list = (), kwargs: dict | None = None, *,
             timeout: float | None = None, keep_args: bool = False) -> Outcome:
        """Run ``module.function(*args, **kwargs)`` in the child; never raises for student errors.

        ``timeout`` (default ``case_seconds``) bounds this call's wall time; the submission's
        budget bounds all of them together. After a timeout, a crash or a memory error the next
        call runs in a fresh child with the same modules.
        """
        if self._closed:
            raise SandboxError("this child is closed")
        args = tuple(args)
        kwargs = dict(kwargs) if kwargs else {}
        request = {"module": module, "function": function, "args": wire.to_plain(args),
                   "kwargs": wire.to_plain(kwargs) if kwargs else _NO_KWARGS, "keep_args": bool(keep_args)}
        if _names_functions(args, kwargs):
            request["named"] = True
        case_limit = self._limits.case_seconds if timeout is None else float(timeout)
        started = self._start_billing()
        try:
            if self._budget_left() <= 0:
                return self._over_budget()
            if not self._ready:
                self._ensure_loaded()
            if module not in self._loaded:
                return Outcome("missing", message=self._load_errors.get(
                    module, f"{module}.py was not submitted"))
            left = self._budget_left()
            if left <= 0 or self._proc is None:  # no child: loading used up the budget
                return self._over_budget()
            return self._round_trip(request, min(case_limit, left), left < case_limit, case_limit)
        finally:
            self._stop_billing(started)

    def _round_trip(self, request: dict, limit: float, by_budget: bool, case_limit: float) -> Outcome:
        assert self._proc is not None
        proc = self._proc
        self._next_id += 1
        request["id"] = self._next_id
        started = time.monotonic()
        deadline = started + limit
        try:
            sent = proc.send(_frame(request), deadline)
            reply = sent if sent is not None else proc.next_frame(deadline)
            if reply is TIMEOUT and not by_budget:
                reply = self._unless_starved(proc, reply, started, limit)
        except _Garbled as exc:
            self._discard()
            return Outcome("crashed", message=f"the child sent a malformed reply ({exc})",
                           seconds=time.monotonic() - started)
        seconds = time.monotonic() - started
        if reply is TIMEOUT:
            where = self._where_it_hung(proc, request["id"])
            self._discard()
            if by_budget:
                outcome = self._over_budget(seconds)
                outcome.where = where
                return outcome
            return Outcome("timeout", seconds=seconds, where=where,
                           message=f"time limit exceeded: the call ran for more than {case_limit:g} s")
        if reply is DIED:
            return Outcome("crashed", message=self._death(proc), seconds=seconds)
        assert isinstance(reply, dict)
        try:
            outcome = self._outcome(reply, request, seconds)
        except (_Garbled, wire.WireError) as exc:
            self._discard()
            return Outcome("crashed", message=f"the child sent a malformed reply ({exc})", seconds=seconds)
        if outcome.kind == "memory":
            self._discard()  # what filled the memory may still be held: start afresh
        return outcome

    def _unless_starved(self, proc: _Proc, reply: Any, started: float, limit: float) -> Any:
        """At a call's deadline: if B did not get the CPU for most of that time (a loaded machine,
        not a slow student), give it the CPU time it missed, up to the cap and the budget.

        The limit stays a wall limit (SPEC 7) for a call that had the machine; B's CPU time comes
        from ``/proc`` now and from B's last reply (``cpu``) before the call.
        """
        hard = started + max(limit, self._limits.case_seconds)
        if proc.b_pid is None:
            proc._read_status()  # B's PID arrives on the status socket, read lazily
        while reply is TIMEOUT and self._last_cpu is not None:
            cpu = proc.cpu_seconds_of_b()
            now = time.monotonic()
            if cpu is None:
                break
            used = cpu - self._last_cpu + _TICK  # /proc counts in ticks, rounded down
            if used >= STARVED_SHARE * (now - started):
                break  # it had the CPU and used it: a real timeout
            deadline = min(hard, now + (limit - used), now + self._budget_left())
            if deadline <= now + 0.001:
                break
            reply = proc.next_frame(deadline)
        return reply

    def _outcome(self, reply: dict, request: dict, seconds: float) -> Outcome:
        if reply.get("id") != request["id"]:
            raise _Garbled("a reply to another request")
        cpu = reply.get("cpu")
        before = self._last_cpu
        self._last_cpu = float(cpu) if type(cpu) is float else None
        used = None if before is None or self._last_cpu is None else max(0.0, self._last_cpu - before)
        kind = reply.get("kind")
        if kind not in ("ok", "raised", "not_attempted", "memory", "missing"):
            raise _Garbled(f"unknown kind {str(kind)[:20]!r}")
        out, message, type_name = reply.get("out", ""), reply.get("msg", ""), reply.get("type", "")
        mro = reply.get("mro", [])
        if not (type(out) is str and type(message) is str and type(type_name) is str
                and type(mro) is list and len(mro) <= 64 and all(type(n) is str for n in mro)):
            raise _Garbled("bad fields")
        value = wire.from_plain(reply.get("value")) if kind == "ok" else None
        args = kwargs = None
        if request["keep_args"] and kind != "memory" and kind != "missing":
            args, kwargs = wire.from_plain(reply.get("args")), wire.from_plain(reply.get("kwargs"))
            if type(args) is not tuple:
                args = (args,)  # an Opaque: the arguments could not be sent back
            if type(kwargs) is not dict:
                kwargs = {"": kwargs}
        if kind == "memory":
            message = f"memory limit exceeded ({_size(self._limits.memory_bytes)})"
        return Outcome(kind, value=value, args=args, kwargs=kwargs, type_name=type_name[:200],
                       builtin_mro=tuple(n[:100] for n in mro), message=message[:_MESSAGE_CHARS],
                       output=self._take_output(out, reply.get("trunc") is True), seconds=seconds,
                       cpu_seconds=used)

    def close(self) -> None:
        """Kill the child's whole process tree; the child cannot be used afterwards."""
        self._discard()
        self._closed = True

    # -- where it hung -------------------------------------------------------------------------
    def _where_it_hung(self, proc: _Proc, request_id: int) -> tuple[Frame, ...]:
        """Ask B for the student's stack (a signal), wait :data:`WHERE_OVERSHOOT` at most."""
        if proc.b_pid is None:
            proc._read_status()  # B's PID arrives on the status socket, read lazily
        if proc.b_pid is None or proc.dead:
            return ()
        from grader.sandbox.child import WHERE_SIGNAL
        try:
            os.kill(proc.b_pid, WHERE_SIGNAL)  # safe: A does not reap B before our ack
        except OSError:
            return ()
        deadline = time.monotonic() + WHERE_OVERSHOOT
        while True:
            try:
                frame = proc.next_frame(deadline)
            except _Garbled:
                return ()
            if not isinstance(frame, dict):  # TIMEOUT (it did not answer) or DIED
                return ()
            if frame.get("id") == request_id and "where" in frame:
                return where_it_hung(frame["where"], self.modules)
            # the late reply to the request itself, or output: not what we asked for


#: how long a child that ran out of time may take to report where it was before it is killed
WHERE_OVERSHOOT = 0.25
#: at a deadline, a call whose process had less than this share of a CPU was starved by the
#: machine's load: it gets the CPU time it missed (up to the cap) before it counts as too slow
STARVED_SHARE = 0.5
_TICK = 1.0 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


def where_it_hung(reported: Any, sources: dict[str, str]) -> tuple[Frame, ...]:
    """The frames a child reported, checked against and described from the judge's own sources.

    The child sends only ``[module, line]`` pairs; anything that does not name a line of a module
    the judge sent is dropped, and the source text and ``def`` name come from ``sources``, so a
    forged report cannot put text of its choosing (a hidden case's input) into the feedback.
    """
    if type(reported) is not list:
        return ()
    frames = []
    for item in reported[:20]:
        if not (type(item) is list and len(item) == 2 and type(item[0]) is str and type(item[1]) is int):
            continue
        module, line = item
        source = sources.get(module)
        if source is None:
            continue
        facts = _line_facts(source)
        lines = source.splitlines()
        if not 1 <= line <= len(lines):
            continue
        function, in_while = facts(line)
        frames.append(Frame(module, line, function, lines[line - 1].strip()[:200], in_while))
    return tuple(frames)


_FACTS: dict[int, tuple[str, Any]] = {}


def _line_facts(source: str):
    """``line -> (enclosing def name, inside a while loop?)`` for one source (parsed once)."""
    key = hash(source)
    cached = _FACTS.get(key)
    if cached is not None and cached[0] == source:
        return cached[1]
    import ast
    spans: list[tuple[int, int, str]] = []
    loops: list[tuple[int, int]] = []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                spans.append((node.lineno, node.end_lineno or node.lineno, node.name))
            elif isinstance(node, ast.While):
                loops.append((node.lineno, node.end_lineno or node.lineno))

    def facts(line: int) -> tuple[str, bool]:
        inside = [s for s in spans if s[0] <= line <= s[1]]
        name = max(inside, key=lambda s: s[0])[2] if inside else "<module>"
        return name, any(a <= line <= b for a, b in loops)

    if len(_FACTS) > 64:
        _FACTS.clear()
    _FACTS[key] = (source, facts)
    return facts


def _size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


_NO_KWARGS = wire.to_plain({})


def _names_functions(args: tuple, kwargs: dict) -> bool:
    """Do the arguments hold named functions? (Unknown names are the caller's bug: ValueError.)"""
    named = False
    for value in args + tuple(kwargs.values()) if kwargs else args:
        if type(value) is wire.NamedFunction:
            from grader.sandbox.child import FUNCTIONS
            if value.name not in FUNCTIONS:
                raise ValueError(f"no function named {value.name!r} in grader.sandbox.child.FUNCTIONS")
            named = True
    return named


