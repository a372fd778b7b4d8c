"""The child side of the sandbox: the zygote, the sandbox set-up, and the loop that runs student calls.

Nothing here runs in the judge's process except :data:`FUNCTIONS` / :func:`make_function` (the
judge resolves the same named functions for the reference side). The judge starts this module's
:func:`zygote_main` in a fresh interpreter (see :mod:`grader.sandbox.zygote`, which documents the whole
design); every child is a ``fork`` of that zygote.

Process tree of one child::

    embedlab-zygote ── embedlab-super  A: setsid; builds the view of the files (as root, in a
                       │                  private mount namespace); drops to the sandbox uid;
                       │                  unshares user/mount/net/pid/ipc/uts namespaces
                       └── embedlab-child B: PID 1 of the new pid namespace; /proc, a nested
                            │               user namespace, no capabilities, rlimits; then loads
                            │               the submission and serves calls
                            └── whatever the student starts (dies with B)

Messages are frames (:data:`grader.sandbox.wire.FRAME_HEADER` + JSON). On the call socket the judge sends
``{"modules": ...}`` once, then requests; B answers ``{"loading": name}`` before importing each
module, ``{"hello": ...}`` when loading is done, then one reply per request. On the status socket
A sends its own and B's host PIDs, then B's exit status once B has died, then waits for the judge
to shut the socket down before it reaps B (so B's PID cannot be reused while the judge may still
signal it).
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import os
import signal
import socket
import struct
import sys
import types
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

from grader.sandbox import wire
from grader.paths import EXERCISE_MODULES, missing_function_message

#: the package a submission's modules are loaded as (``submission.bpe``, ...)
PACKAGE = "submission"
#: where a sandboxed child writes the submission's files (inside its own fresh tmpfs)
SANDBOX_WORK_DIR = "/tmp/submission"
#: longest exception message or load error sent to the judge
MESSAGE_CHARS = 2000
#: exit codes of A or B when the sandbox could not be set up (never run student code then)
EXIT_SETUP_FAILED = 71

# Snapshots taken at import (in the zygote): a student who rebinds ``builtins.ValueError`` or
# ``json.dumps`` in their own child does not change what these names mean here.
_BUILTIN_EXCEPTIONS: dict[str, type] = {
    name: obj for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, BaseException)
}
_NotImplementedError = NotImplementedError
from time import process_time as _process_time  # noqa: E402  (a student who patches time changes nothing here)
_MemoryError = MemoryError
_json_loads = json.loads
_json_dumps = json.dumps
_encode_json = json.JSONEncoder(separators=(",", ":"), allow_nan=True).encode


# ------------------------------------------------------------------------------------------------
# Named functions: arguments such as numerical_gradient's f cross the wire by name.
# ------------------------------------------------------------------------------------------------

#: name -> factory(**params) -> f(x) -> float. Cases pass ``wire.NamedFunction(name, params)``.
FUNCTIONS: dict[str, Callable[..., Callable[[Any], float]]] = {}


def _named(name: str):
    def register(factory):
        FUNCTIONS[name] = factory
        return factory
    return register


def _floats(a: Any) -> np.ndarray:
    return np.array(a, dtype=np.float64)  # a private copy: the student cannot reach the params


def _log_softmax_at(scores: np.ndarray, index: int) -> float:
    top = np.max(scores)
    return float(scores[index] - top - np.log(np.sum(np.exp(scores - top))))


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


@_named("sum_squares")
def _sum_squares() -> Callable[[Any], float]:
    """f(x) = sum(x**2); its gradient is 2x."""
    return lambda x: float(np.sum(np.asarray(x, dtype=np.float64) ** 2))


@_named("weighted_sin")
def _weighted_sin(weights: Any) -> Callable[[Any], float]:
    """f(x) = sum(weights * sin(x)); its gradient is weights * cos(x)."""
    w = _floats(weights)
    return lambda x: float(np.sum(w * np.sin(np.asarray(x, dtype=np.float64))))


@_named("linear")
def _linear(weights: Any) -> Callable[[Any], float]:
    """f(x) = weights . x (elementwise product summed); its gradient is weights."""
    w = _floats(weights)
    return lambda x: float(np.sum(w * np.asarray(x, dtype=np.float64)))


@_named("quadratic_form")
def _quadratic_form(A: Any) -> Callable[[Any], float]:
    """f(x) = x^T A x for a 1-D x; its gradient is (A + A^T) x."""
    mat = _floats(A)
    return lambda x: float(np.asarray(x, dtype=np.float64) @ mat @ np.asarray(x, dtype=np.float64))


@_named("cross_entropy")
def _cross_entropy(target: int) -> Callable[[Any], float]:
    """f(x) = -log softmax(x)[target]; its gradient is softmax(x) - one_hot(target)."""
    t = int(target)
    return lambda x: -_log_softmax_at(np.asarray(x, dtype=np.float64), t)


@_named("skipgram_loss_wrt_W_in")
def _skipgram_wrt_w_in(W_out: Any, center: int, context: int) -> Callable[[Any], float]:
    """f(W_in) = -log softmax(W_out @ W_in[center])[context] (SPEC section 4)."""
    w_out, c, o = _floats(W_out), int(center), int(context)
    return lambda W_in: -_log_softmax_at(w_out @ np.asarray(W_in, dtype=np.float64)[c], o)


@_named("skipgram_loss_wrt_W_out")
def _skipgram_wrt_w_out(W_in: Any, center: int, context: int) -> Callable[[Any], float]:
    """f(W_out) = -log softmax(W_out @ W_in[center])[context] (SPEC section 4)."""
    v, o = _floats(W_in)[int(center)], int(context)
    return lambda W_out: -_log_softmax_at(np.asarray(W_out, dtype=np.float64) @ v, o)


def _negative_sampling_loss(v: np.ndarray, u_pos: np.ndarray, U_neg: np.ndarray) -> float:
    return float(-_log_sigmoid(u_pos @ v) - np.sum(_log_sigmoid(-(U_neg @ v))))


@_named("negative_sampling_loss_wrt_v")
def _ns_wrt_v(u_pos: Any, U_neg: Any) -> Callable[[Any], float]:
    """f(v) = -log s(u_pos.v) - sum_k log s(-U_neg[k].v) (SPEC section 4)."""
    u, U = _floats(u_pos), _floats(U_neg)
    return lambda v: _negative_sampling_loss(np.asarray(v, dtype=np.float64), u, U)


@_named("negative_sampling_loss_wrt_u_pos")
def _ns_wrt_u_pos(v: Any, U_neg: Any) -> Callable[[Any], float]:
    """The negative-sampling loss as a function of u_pos."""
    vv, U = _floats(v), _floats(U_neg)
    return lambda u: _negative_sampling_loss(vv, np.asarray(u, dtype=np.float64), U)


@_named("negative_sampling_loss_wrt_U_neg")
def _ns_wrt_u_neg(v: Any, u_pos: Any) -> Callable[[Any], float]:
    """The negative-sampling loss as a function of U_neg."""
    vv, u = _floats(v), _floats(u_pos)
    return lambda U: _negative_sampling_loss(vv, u, np.asarray(U, dtype=np.float64))


def make_function(spec: wire.NamedFunction) -> Callable[[Any], float]:
    """The callable a :class:`~grader.sandbox.wire.NamedFunction` stands for (judge and child alike).

    >>> make_function(wire.NamedFunction("sum_squares", {}))(np.array([1.0, 2.0]))
    5.0
    """
    try:
        factory = FUNCTIONS[spec.name]
    except KeyError:
        raise ValueError(f"no function named {spec.name!r} in grader.sandbox.child.FUNCTIONS") from None
    return factory(**spec.params)


def _resolve_functions(value: Any) -> Any:
    if isinstance(value, wire.NamedFunction):
        return make_function(value)
    return value


# ------------------------------------------------------------------------------------------------
# Captured output
# ------------------------------------------------------------------------------------------------

class _OutputBudget:
    """Bytes of output the child may still capture (shared by all calls of one child)."""

    def __init__(self, remaining: int) -> None:
        self.remaining = max(0, int(remaining))


class _Capture(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` during one call: keeps text until the budget is used up."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, budget: _OutputBudget) -> None:
        super().__init__()
        self._budget = budget
        self._parts: list[str] = []
        self.truncated = False

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def reset(self) -> None:
        self._parts.clear()
        self.truncated = False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        size = len(text)
        left = self._budget.remaining
        if size == 0:
            return 0
        if left <= 0:
            self.truncated = True
            return size
        piece = text if size <= left else text[:left]  # a character is at least one byte
        data = piece.encode("utf-8", "replace")
        if len(data) > left:
            data = data[:left]
            piece = data.decode("utf-8", "ignore")
        if len(piece) < size:
            self.truncated = True
        self._parts.append(piece)
        self._budget.remaining -= len(data)
        return size

    @property
    def buffer(self) -> _ByteCapture:
        return _ByteCapture(self)

    def take(self) -> str:
        text = "".join(self._parts)
        self._parts.clear()
        return text


class _ByteCapture(io.RawIOBase):
    """``sys.stdout.buffer``: bytes are decoded and captured like text."""

    def __init__(self, text: _Capture) -> None:
        super().__init__()
        self._text = text

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raw = bytes(data)
        self._text.write(raw.decode("utf-8", "replace"))
        return len(raw)


@contextlib.contextmanager
def _captured(budget: _OutputBudget):
    capture = _Capture(budget)
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = capture
    try:
        yield capture
    finally:
        sys.stdout, sys.stderr = saved


# ------------------------------------------------------------------------------------------------
# Loading a submission as one package
# ------------------------------------------------------------------------------------------------

def _short(text: str, limit: int = MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # a hostile __str__
        return "<message could not be read>"
    return _short(text) if isinstance(text, str) else "<message is not a string>"


class _AliasLoader(importlib.abc.Loader):
    """``import bpe`` gives the very module object ``submission.bpe``."""

    def __init__(self, target: str) -> None:
        self._target = target
        self._spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self._target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__ = self._spec  # the import system set the alias's spec; put the real one back


class _SubmissionFinder(importlib.abc.MetaPathFinder):
    """Finds ``submission.<name>`` in the work dir and aliases the five top-level names.

    Only files the judge sent exist in the work dir, so a student's ``numpy/`` or
    ``sitecustomize.py`` is never there to be found. A module that failed to load is not executed
    a second time when another module imports it: that import fails with the first error.
    """

    def __init__(self, directory: str, present: set[str], absent: dict[str, str]) -> None:
        self.directory = directory
        self.present = present
        self.absent = dict(absent)  # name -> why it cannot be imported

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.startswith(PACKAGE + "."):
            name = fullname[len(PACKAGE) + 1:]
            if name in self.absent:
                # ImportError, not ModuleNotFoundError: ``from . import bpe`` would swallow the
                # latter and say only "cannot import name 'bpe'".
                raise ImportError(f"{name}.py {self.absent[name]}", name=fullname)
            if name in self.present:
                return importlib.util.spec_from_file_location(
                    fullname, os.path.join(self.directory, name + ".py"))
            return None
        if fullname in EXERCISE_MODULES:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(f"{PACKAGE}.{fullname}"))
        return None


def _load_error(exc: BaseException, directory: str) -> str:
    """One line for the student: what went wrong while importing, and where."""
    name = type(exc).__name__
    if isinstance(exc, SyntaxError):
        where = os.path.basename(exc.filename or "?")
        return _short(f"{name}: {exc.msg} ({where}, line {exc.lineno})")
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(directory + os.sep):
            where = f" ({os.path.basename(filename)}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return _short(f"{name} while importing: {_safe_str(exc)}{where}")


def _install_package(directory: str, present: set[str], absent: dict[str, str]) -> _SubmissionFinder:
    package = types.ModuleType(PACKAGE, "A student's submission, loaded by the sandbox.")
    spec = importlib.machinery.ModuleSpec(PACKAGE, None, is_package=True)
    spec.submodule_search_locations = [directory]
    package.__spec__ = spec
    package.__path__ = [directory]
    package.__package__ = PACKAGE
    sys.modules[PACKAGE] = package
    finder = _SubmissionFinder(directory, present, absent)
    sys.meta_path.insert(0, finder)
    return finder


# ------------------------------------------------------------------------------------------------
# Serving calls (in B)
# ------------------------------------------------------------------------------------------------

class _Channel:
    """Blocking framed messages on B's end of the call socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb", buffering=1 << 16)

    def receive(self) -> Any:
        header = self._reader.read(wire.FRAME_HEADER.size)
        if len(header) < wire.FRAME_HEADER.size:
            return None
        (size,) = wire.FRAME_HEADER.unpack(header)
        body = self._reader.read(size)
        if len(body) < size:
            return None
        return _json_loads(body)

    def send(self, message: dict) -> None:
        try:
            body = _encode_json(message).encode("utf-8")
        except ValueError as exc:  # an int past Python's 4300-digit limit for str()
            for key in ("value", "args", "kwargs"):
                if key in message:
                    message[key] = _unsendable(None, exc)
            body = _encode_json(message).encode("utf-8")
        if len(body) > wire.MAX_MESSAGE_BYTES - 4096:
            too_large = wire.to_plain(wire.Opaque("?", f"too large to send ({len(body)} bytes)"))
            for key in ("value", "args", "kwargs"):
                if key in message:
                    message[key] = too_large
            body = _encode_json(message).encode("utf-8")
        self._sock.sendall(wire.FRAME_HEADER.pack(len(body)) + body)


def _unsendable(value: Any, exc: BaseException) -> Any:
    try:
        name = str.__str__(type.__getattribute__(type(value), "__name__"))
    except BaseException:
        name = "?"
    return wire.to_plain(wire.Opaque(name, f"cannot be sent: {_safe_str(exc)}"[:200]))


def _plain(value: Any) -> Any:
    """What the judge will see of ``value``: plain data, or an Opaque saying why not."""
    try:
        return wire.to_plain(value)
    except _MemoryError:
        raise
    except BaseException as exc:  # deep nesting, a hostile __repr__, ...
        return _unsendable(value, exc)


def _builtin_mro(cls: type) -> list[str]:
    """Names of the real builtin exception classes ``cls`` derives from (a student's own class
    named ValueError is not one of them)."""
    names = []
    for c in type.__getattribute__(cls, "__mro__"):
        name = type.__getattribute__(c, "__name__")
        if _BUILTIN_EXCEPTIONS.get(name) is c:
            names.append(name)
    return names


def _describe(exc: BaseException) -> dict:
    """The reply fields for an exception the student's function raised."""
    try:
        cls = type(exc)
        name = type.__getattribute__(cls, "__name__")
        with contextlib.suppress(BaseException):
            exc.__traceback__ = None  # let the frames (and what they hold) go
        return {"kind": "raised", "type": _short(str.__str__(name), 200), "mro": _builtin_mro(cls),
                "msg": _safe_str(exc)}
    except BaseException:  # a hostile metaclass; the judge still learns something was raised
        return {"kind": "raised", "type": "?", "mro": [], "msg": "<the exception could not be read>"}


# ------------------------------------------------------------------------------------------------
# Where it hung: the student's stack, sent when the judge's time limit runs out
# ------------------------------------------------------------------------------------------------

#: the signal the judge sends before it kills a child whose call ran out of time
WHERE_SIGNAL = signal.SIGUSR1
#: innermost frames of the student's own files that are reported (deep recursion is cut)
WHERE_FRAMES = 20


class _StackReporter:
    """On :data:`WHERE_SIGNAL`, send the judge the frames of the student's files, then exit.

    Like faulthandler's ``dump_traceback_later`` or pytest-timeout's signal method: the handler
    runs in the main thread between two bytecodes of the student's code, so ``frame`` is where
    it was. Only file names and line numbers cross: the judge reads the source lines and function
    names from its own copy of the submission, so a forged report can only name other lines.
    Student code stuck in C (a long NumPy call, a regex) runs no handler: the judge then kills
    it after a short overshoot, without a report.
    """

    def __init__(self, sock: socket.socket, directory: str) -> None:
        self._sock = sock
        self._prefix = directory.rstrip(os.sep) + os.sep
        self.request_id: Any = None  # the request whose student call is running, else None

    def install(self) -> None:
        # again before every call: the student's module may have replaced it at import
        with contextlib.suppress(ValueError, OSError):
            signal.signal(WHERE_SIGNAL, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        request_id = self.request_id
        if request_id is None:
            return  # not in student code (between calls, or sending a reply): the judge kills
        where: list[list[Any]] = []
        while frame is not None and len(where) < WHERE_FRAMES:
            filename = frame.f_code.co_filename
            if isinstance(filename, str) and filename.startswith(self._prefix):
                where.append([os.path.basename(filename)[:-3], int(frame.f_lineno or 0)])
            frame = frame.f_back
        with contextlib.suppress(BaseException):
            _send_frame(self._sock, {"id": request_id, "where": where})
        os._exit(0)


class _Server:
    def __init__(self, channel: _Channel, directory: str) -> None:
        self.channel = channel
        self.directory = directory
        self.modules: dict[str, types.ModuleType] = {}
        self.budget = _OutputBudget(0)
        self.capture = _Capture(self.budget)
        self.reporter = _StackReporter(channel._sock, directory)

    # -- loading --------------------------------------------------------------------------------
    def load(self, start: dict) -> None:
        sources: dict[str, str] = start["modules"]
        skipped: dict[str, str] = start.get("skip", {})
        self.budget = _OutputBudget(start.get("output_budget", 0))
        self.capture = _Capture(self.budget)
        absent = {name: "was not submitted" for name in EXERCISE_MODULES if name not in sources}
        absent.update(skipped)
        for name, source in sources.items():
            if name in absent:
                continue
            try:
                with open(os.path.join(self.directory, name + ".py"), "w", encoding="utf-8") as fh:
                    fh.write(source)
            except (OSError, UnicodeError) as exc:  # e.g. a lone surrogate; 1 MiB files fit
                absent[name] = f"could not be written for loading ({type(exc).__name__})"
        present = {name for name in sources if name not in absent}
        finder = _install_package(self.directory, present, absent)
        errors = dict(absent)
        order = [n for n in EXERCISE_MODULES if n in present] + sorted(present - set(EXERCISE_MODULES))
        output: list[str] = []
        truncated = False
        for name in order:
            self.channel.send({"loading": name})
            with _captured(self.budget) as capture:
                try:
                    module = importlib.import_module(f"{PACKAGE}.{name}")
                except BaseException as exc:  # SyntaxError, SystemExit at import, ...
                    errors[name] = _load_error(exc, self.directory)
                    finder.absent[name] = f"failed to load: {errors[name]}"
                    del exc
                else:
                    self.modules[name] = module
            output.append(capture.take())
            truncated = truncated or capture.truncated
        self.channel.send({"hello": {"loaded": sorted(self.modules), "errors": errors,
                                     "out": "".join(output), "trunc": truncated, "cpu": _process_time()}})

    # -- calls ----------------------------------------------------------------------------------
    def serve(self) -> None:
        while True:
            request = self.channel.receive()
            if request is None:
                return
            try:
                reply = self.call(request)
            except _MemoryError:
                reply = {"id": request.get("id"), "kind": "memory", "msg": "MemoryError"}
            try:
                self.channel.send(reply)
            except _MemoryError:
                self.channel.send({"id": request.get("id"), "kind": "memory", "msg": "MemoryError"})

    def call(self, request: dict) -> dict:
        """Run one request; the hot path of grading, so kept plain."""
        reply: dict[str, Any] = {"id": request["id"]}
        module = self.modules.get(request["module"])
        function = getattr(module, request["function"], None) if module is not None else None
        if not callable(function):
            reply.update(kind="missing", msg=missing_function_message(request["module"], request["function"]))
            return reply
        args = wire.from_plain(request["args"])
        kwargs = wire.from_plain(request["kwargs"])
        if request.get("named"):
            args = tuple(_resolve_functions(a) for a in args)
            kwargs = {k: _resolve_functions(v) for k, v in kwargs.items()}
        value = None
        capture = self.capture
        capture.reset()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = capture
        reporter = self.reporter
        reporter.install()
        try:
            reporter.request_id = reply["id"]
            value = function(*args, **kwargs)
            reporter.request_id = None
            reply["kind"] = "ok"
        except _NotImplementedError as exc:
            reply.update(kind="not_attempted", msg=_safe_str(exc))
        except _MemoryError:
            reply.update(kind="memory", msg="MemoryError")
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are results too
            reply.update(_describe(exc))
            del exc
        finally:
            reporter.request_id = None
            sys.stdout, sys.stderr = saved
        reply["cpu"] = _process_time()  # the judge tells a busy machine from a busy student by it
        reply["out"] = capture.take()
        reply["trunc"] = capture.truncated
        if reply["kind"] == "ok":
            reply["value"] = _plain(value)
        del value
        if request.get("keep_args"):
            reply["args"] = _plain(args)
            reply["kwargs"] = _plain(kwargs)
        return reply


# ------------------------------------------------------------------------------------------------
# Linux plumbing (ctypes on libc: Python 3.11 has no os.unshare or mount)
# ------------------------------------------------------------------------------------------------

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NAME, PR_CAPBSET_DROP = 1, 4, 15, 24
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 36, 38, 47, 4
AT_FDCWD, AT_RECURSIVE, OPEN_TREE_CLONE, OPEN_TREE_CLOEXEC = -100, 0x8000, 0x1, 0o2000000
MOVE_MOUNT_F_EMPTY_PATH, MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID = 0x4, 0x1, 0x2
# The mount API syscalls have the same numbers on every architecture that has them.
SYS_OPEN_TREE, SYS_MOVE_MOUNT, SYS_CLOSE_RANGE, SYS_MOUNT_SETATTR = 428, 429, 436, 442

_LIBC: Any = None


def _libc() -> Any:
    global _LIBC
    if _LIBC is None:
        import ctypes
        lib = ctypes.CDLL(None, use_errno=True)
        lib.syscall.restype = ctypes.c_long
        lib.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                              ctypes.c_char_p]
        lib.unshare.argtypes = [ctypes.c_int]
        lib.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
        lib.capset.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        _LIBC = lib
    return _LIBC


def _check(result: int, what: str) -> int:
    if result < 0:
        import ctypes
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _b(path: str | None) -> bytes | None:
    return None if path is None else os.fsencode(path)


def _prctl(option: int, arg: int = 0) -> None:
    _check(_libc().prctl(option, arg, 0, 0, 0), f"prctl({option})")


def _name_process(name: bytes) -> None:
    """What ``ps`` shows (/proc/PID/comm): embedlab-zygote, embedlab-super, embedlab-child."""
    import ctypes
    _libc().prctl(PR_SET_NAME, ctypes.cast(ctypes.c_char_p(name), ctypes.c_void_p).value, 0, 0, 0)


def _die_with_parent(parent: int | None, sig: int = signal.SIGKILL) -> bool:
    """Arm PR_SET_PDEATHSIG and say whether ``parent`` is still our parent (None: do not check).

    The kernel clears this setting on every change of credentials (a new uid, a new user
    namespace), so it is armed again after each one.
    """
    _prctl(PR_SET_PDEATHSIG, sig)
    return parent is None or os.getppid() == parent


def _unshare(flags: int) -> None:
    _check(_libc().unshare(flags), "unshare")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc().mount(_b(source), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def _syscall(number: int, *args: Any, what: str) -> int:
    import ctypes
    return _check(_libc().syscall(ctypes.c_long(number), *args), what)


def _open_tree(path: str) -> int:
    import ctypes
    return _syscall(SYS_OPEN_TREE, ctypes.c_long(AT_FDCWD), ctypes.c_char_p(_b(path)),
                    ctypes.c_ulong(OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE),
                    what=f"open_tree {path}")


def _move_mount(fd: int, target: str) -> None:
    import ctypes
    _syscall(SYS_MOVE_MOUNT, ctypes.c_long(fd), ctypes.c_char_p(b""), ctypes.c_long(AT_FDCWD),
             ctypes.c_char_p(_b(target)), ctypes.c_ulong(MOVE_MOUNT_F_EMPTY_PATH),
             what=f"move_mount {target}")


def _mount_setattr(path: str, attrs: int, recursive: bool, clear: int = 0) -> None:
    import ctypes
    attr = (ctypes.c_uint64 * 4)(attrs, clear, 0, 0)  # struct mount_attr: set, clr, propagation, userns
    _syscall(SYS_MOUNT_SETATTR, ctypes.c_long(AT_FDCWD), ctypes.c_char_p(_b(path)),
             ctypes.c_ulong(AT_RECURSIVE if recursive else 0), ctypes.byref(attr),
             ctypes.c_size_t(ctypes.sizeof(attr)), what=f"mount_setattr {path}")


def _close_fds_from(first: int) -> None:
    """Close every descriptor >= first (close_range where the kernel has it)."""
    import ctypes
    try:
        _syscall(SYS_CLOSE_RANGE, ctypes.c_uint(first), ctypes.c_uint(0xFFFFFFFF), ctypes.c_uint(0),
                 what="close_range")
    except (OSError, AttributeError):
        os.closerange(first, resource_limit_nofile())


def resource_limit_nofile() -> int:
    import resource
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if 0 < soft < (1 << 20) else 1 << 16


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)


def _drop_capabilities() -> None:
    """No capabilities, now or after any execve (bounding and ambient sets emptied too)."""
    import ctypes
    try:
        with open("/proc/sys/kernel/cap_last_cap") as fh:
            last = int(fh.read())
    except OSError:
        last = 63
    lib = _libc()
    for cap in range(last + 1):
        lib.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL for caps this kernel lacks: fine
    lib.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: all empty
    _check(lib.capset(ctypes.byref(header), ctypes.byref(data)), "capset")


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _depth(path: str) -> int:
    return path.rstrip("/").count("/")


def keep_paths(hide: list[str], candidates: list[str]) -> list[str]:
    """Which directories of the Python installation to show again inside hidden paths.

    A candidate is kept when it lies strictly inside some hidden path (elsewhere it is visible
    anyway) and is not itself hidden; a kept directory inside another kept one is covered by it.
    Hidden paths inside a kept directory are hidden again after it is shown (see ``_hide_paths``),
    so keeping ``site-packages`` never shows an installed ``solutions`` package.
    """
    kept: list[str] = []
    for path in sorted({os.path.realpath(p) for p in candidates if os.path.isdir(p)}, key=_depth):
        if any(path == h for h in hide) or not any(_within(path, h) for h in hide):
            continue
        if any(_within(path, k) for k in kept):
            continue
        kept.append(path)
    return kept


def _hide_one(path: str) -> None:
    if os.path.isdir(path):
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,nr_inodes=256,mode=755")
    else:
        _mount("/dev/null", path, None, MS_BIND)


def _hide_paths(hide: list[str], keep: list[str]) -> None:
    """Empty tmpfs over each hidden path, with the kept Python directories shown again inside."""
    clones = [(path, _open_tree(path)) for path in keep]  # snapshots taken before hiding
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64m,nr_inodes=4096,mode=1777")
    hidden: list[str] = []
    for path in sorted(hide, key=_depth):
        if _within(path, "/tmp") or any(_within(path, h) for h in hidden) or not os.path.lexists(path):
            continue  # already under a fresh tmpfs, or nothing there to hide
        _hide_one(path)
        hidden.append(path)
    for path, fd in clones:
        os.makedirs(path, mode=0o755, exist_ok=True)  # inside the (still writable) hiding tmpfs
        _move_mount(fd, path)
        os.close(fd)
    for path in sorted(hide, key=_depth):  # hidden paths inside a kept directory: hide them again
        if any(_within(path, k) for k in keep) and os.path.lexists(path):
            _hide_one(path)
            hidden.append(path)
    for path in hidden:  # the hiding tmpfs were writable only to make the mount points above
        if os.path.isdir(path):
            _mount_setattr(path, MOUNT_ATTR_RDONLY, recursive=False)


def _map_to(outer_uid: int, outer_gid: int) -> None:
    """Map root of the user namespace just unshared to the given ids of the one outside."""
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {outer_uid} 1")
    _write("/proc/self/gid_map", f"0 {outer_gid} 1")


def _build_view(hide: list[str], keep: list[str]) -> None:
    """The student's view of the files: the host read-only, hidden paths empty."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount_setattr("/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, recursive=True)
    # B mounts a fresh /proc over this one and writes its uid_map there; a new proc mount may not be
    # writable where the proc it covers is locked read-only.
    _mount_setattr("/proc", 0, recursive=False, clear=MOUNT_ATTR_RDONLY)
    _hide_paths(hide, keep)


_NAMESPACES = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS


def _enter_namespaces(uid: int | None, hide: list[str], keep: list[str]) -> None:
    """In A: build the view of the files, become the sandbox uid, own fresh namespaces.

    As root the view is built first, as real root in a private mount namespace (the Python
    installation may sit in a directory, like /root, that the sandbox uid cannot even traverse);
    unsharing the user namespace afterwards copies those mounts into a less privileged namespace,
    which locks them. Without root, the user namespace comes first and B locks the mounts later.
    """
    if os.geteuid() == 0:
        _unshare(CLONE_NEWNS)
        _build_view(hide, keep)
        if uid is not None:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            _prctl(PR_SET_DUMPABLE, 1)  # else /proc/self/uid_map stays root's and cannot be written
        outer_uid, outer_gid = os.geteuid(), os.getegid()
        _unshare(_NAMESPACES)
        _map_to(outer_uid, outer_gid)
    else:
        outer_uid, outer_gid = os.geteuid(), os.getegid()
        _unshare(_NAMESPACES)
        _map_to(outer_uid, outer_gid)
        _build_view(hide, keep)


def _enter_sandbox() -> str:
    """In B (PID 1 of the new pid namespace): finish the sandbox A began."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)  # only this namespace's processes
    os.mkdir(SANDBOX_WORK_DIR, 0o755)
    with contextlib.suppress(OSError):  # defence in depth: no user namespaces below the next one
        _write("/proc/sys/user/max_user_namespaces", "1")
    # A nested user + mount namespace locks every mount above: from here on nothing can be
    # unmounted to show what lies under it, even by a process with all capabilities in it.
    _unshare(CLONE_NEWUSER | CLONE_NEWNS)
    _map_to(0, 0)
    _drop_capabilities()
    return SANDBOX_WORK_DIR


def _forget_hidden_imports(hide: list[str], keep: list[str]) -> None:
    """Import paths into hidden directories (and editable-install finders, which map package names
    to them) go: ``import solutions`` then fails outright instead of giving an empty package."""
    def visible(path: str) -> bool:
        path = os.path.realpath(path) if os.path.isabs(path) else path
        return not any(_within(path, h) for h in hide) or any(_within(path, k) for k in keep)
    sys.path[:] = [p for p in sys.path if p and os.path.isabs(p) and visible(p)]
    sys.meta_path[:] = [f for f in sys.meta_path
                        if not getattr(f, "__module__", "").startswith("__editable__")]
    sys.path_hooks[:] = [h for h in sys.path_hooks
                         if not getattr(h, "__module__", "").startswith("__editable__")]
    sys.path_importer_cache.clear()


def _vm_size() -> int:
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _own_process_count() -> int:
    uid = os.getuid()
    count = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if entry.stat().st_uid == uid:
                        count += 1
    return count


def _set_limits(limits: dict, sandboxed: bool) -> None:
    """rlimits for B and everything it starts."""
    import resource
    baseline = _vm_size()
    memory = baseline + int(limits["memory_bytes"])  # the interpreter with numpy, plus the limit
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    processes = int(limits["processes"])
    if not sandboxed and os.getuid() != 0 and sys.platform.startswith("linux"):
        processes += _own_process_count()  # unsandboxed as the instructor: RLIMIT_NPROC counts theirs
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    cpu = int(limits["submission_seconds"]) + 5
    # PID 1 ignores SIGXCPU, so a sandboxed B only ever gets the hard limit's SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def _child_b(call_fd: int, config: dict, work_dir: str | None, probe: bool) -> NoReturn:
    """B: set everything up, then load the submission and serve calls until the judge hangs up."""
    linux = sys.platform.startswith("linux")
    sandboxed = config["sandbox"]
    supervisor = None if sandboxed else os.getppid()  # A is outside B's pid namespace: ppid 0
    if linux:
        if not _die_with_parent(supervisor):
            os._exit(0)
        _name_process(b"embedlab-child")
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.dup2(call_fd, 3)
    _close_fds_from(4)
    sock = socket.socket(fileno=3)
    channel = _Channel(sock)
    try:
        if sandboxed:
            work_dir = _enter_sandbox()
            _forget_hidden_imports(config["hide"], config["keep"])
        elif os.geteuid() == 0 and config["uid"] is not None:
            os.setgroups([])
            os.setresgid(config["uid"], config["uid"], config["uid"])
            os.setresuid(config["uid"], config["uid"], config["uid"])
        assert work_dir is not None
        os.chdir(work_dir)
        _set_limits(config["limits"], sandboxed)
        if linux:
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
            if not _die_with_parent(supervisor):  # again: the credentials have changed
                os._exit(0)
    except Exception as exc:  # never run student code in a half-built sandbox
        with contextlib.suppress(Exception):
            channel.send({"fatal": f"{type(exc).__name__}: {exc}"[:MESSAGE_CHARS]})
        os._exit(EXIT_SETUP_FAILED)
    os.environ.clear()
    sys.dont_write_bytecode = True
    sys.argv = ["submission"]
    if probe:
        channel.send({"probe": "ok", "vm": _vm_size()})
        os._exit(0)
    start = channel.receive()
    if start is None:
        os._exit(0)
    server = _Server(channel, work_dir)
    server.load(start)
    del start
    server.serve()
    os._exit(0)


def _children_of(pid: int) -> set[int]:
    kids: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids.update(int(k) for k in fh.read().split())
        return kids
    except OSError:
        pass
    for entry in os.listdir("/proc"):  # kernels without /proc/PID/task/TID/children
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
                if int(stat[stat.rindex(b")") + 2:].split()[1]) == pid:
                    kids.add(int(entry))
    return kids


def _kill_children(spare: int | None = None) -> None:
    """Kill every child of this process (a subreaper: orphaned descendants become children)."""
    me = os.getpid()
    for _ in range(10_000):
        kids = _children_of(me) - {spare}
        if not kids:
            return
        for kid in kids:
            with contextlib.suppress(OSError):
                os.kill(kid, signal.SIGKILL)
        for kid in kids:
            with contextlib.suppress(OSError):
                os.waitpid(kid, 0)


def _send_frame(sock: socket.socket, message: dict) -> None:
    body = _json_dumps(message).encode("utf-8")
    sock.sendall(wire.FRAME_HEADER.pack(len(body)) + body)


def _close_all_but(keep: set[int]) -> None:
    try:
        open_fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        open_fds = list(range(resource_limit_nofile()))
    for fd in open_fds:
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _child_a(call_fd: int, status_fd: int, config: dict, probe: bool) -> int:
    """A: the supervisor of one child; reports B's PID and exit status on the status socket."""
    zygote = os.getppid()
    _close_all_but({0, 1, 2, call_fd, status_fd})  # the zygote's control socket above all
    os.setsid()
    linux = sys.platform.startswith("linux")
    sandboxed = config["sandbox"]
    work_dir: str | None = None
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if linux:
        if not sandboxed:
            # Unsandboxed, the student's processes are only A's descendants: if the zygote dies,
            # A kills them all (it is their subreaper) before it goes.
            def on_parent_death(signum: int, frame: Any) -> None:
                _kill_children()
                if work_dir:
                    import shutil
                    shutil.rmtree(work_dir, ignore_errors=True)
                os._exit(0)
            signal.signal(signal.SIGTERM, on_parent_death)
        if not _die_with_parent(zygote, signal.SIGKILL if sandboxed else signal.SIGTERM):
            return 0
        _name_process(b"embedlab-super")
    status = socket.socket(fileno=status_fd)
    try:
        if sandboxed:
            _enter_namespaces(config["uid"], config["hide"], config["keep"])
            if linux and not _die_with_parent(zygote):  # again: the credentials have changed
                return 0
        else:
            if linux:
                _prctl(PR_SET_CHILD_SUBREAPER, 1)
            import tempfile
            work_dir = tempfile.mkdtemp(prefix="embedlab-")
            if os.geteuid() == 0 and config["uid"] is not None:
                os.chown(work_dir, config["uid"], config["uid"])
    except Exception as exc:
        with contextlib.suppress(Exception):
            _send_frame(socket.socket(fileno=call_fd), {"fatal": f"{type(exc).__name__}: {exc}"})
        return EXIT_SETUP_FAILED
    pid_b = os.fork()
    if pid_b == 0:
        try:
            status.close()
            _child_b(call_fd, config, work_dir, probe)
        finally:
            os._exit(EXIT_SETUP_FAILED)
    os.close(call_fd)
    with contextlib.suppress(OSError):
        status.sendall(struct.pack("<ii", os.getpid(), pid_b))
    if hasattr(os, "waitid"):
        info = os.waitid(os.P_PID, pid_b, os.WEXITED | os.WNOWAIT)  # B stays a zombie for now
        report = {"code": info.si_code, "status": info.si_status}
    else:
        _, raw = os.waitpid(pid_b, 0)
        report = {"wait_status": raw}
    if not sandboxed and linux:
        _kill_children(spare=pid_b)
    with contextlib.suppress(OSError):
        _send_frame(status, report)
        while status.recv(4096):  # the judge shuts its end down once it no longer needs B's PID
            pass
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid_b, 0)
    if not sandboxed:
        if linux:
            _kill_children()
        if work_dir:
            import shutil
            shutil.rmtree(work_dir, ignore_errors=True)
    return 0


def _fork_child(call_fd: int, status_fd: int, config: dict, probe: bool = False) -> int:
    pid = os.fork()
    if pid == 0:
        code = EXIT_SETUP_FAILED
        try:
            code = _child_a(call_fd, status_fd, config, probe)
        finally:
            os._exit(code)
    return pid


# ------------------------------------------------------------------------------------------------
# The zygote
# ------------------------------------------------------------------------------------------------

#: imported once in the zygote, so that no child spends time importing them. Kept short: every
#: page the zygote holds makes each fork slower, and the sandbox shows the Python installation, so
#: other modules can still be imported (but see the unsandboxed-as-root note in grader.sandbox.zygote).
PRELOAD = (
    "numpy", "numpy.random", "numpy.linalg", "numpy.fft", "numpy.typing", "numpy.exceptions",
    "numpy.lib.stride_tricks",
    "array", "bisect", "collections", "copy", "ctypes", "dataclasses", "functools", "heapq",
    "itertools", "json", "math", "operator", "random", "re", "resource", "shutil", "signal",
    "string", "subprocess", "tempfile", "traceback", "typing", "unicodedata", "warnings",
)


def _preload() -> None:
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    # Warm up what allocates on first use (BLAS buffers, the random generator, einsum).
    a = np.arange(12.0).reshape(3, 4)
    _ = a @ a.T, np.linalg.norm(a), np.einsum("ij,ij->i", a, a), np.linalg.solve(np.eye(3), a[:, 0])
    _ = np.random.default_rng(0).normal(0.0, 0.01, (3, 4)), np.exp(a), np.sort(a), np.argsort(a)
    _ = repr(a), str(np.float64(1.0)), np.array2string(a)


def _probe(config: dict) -> tuple[bool, str]:
    """Build one sandbox without student code: does this machine allow it?"""
    call_z, call_c = socket.socketpair()
    status_z, status_c = socket.socketpair()
    _fork_child(call_c.fileno(), status_c.fileno(), dict(config, sandbox=True), probe=True)
    call_c.close()
    status_c.close()
    call_z.settimeout(30)
    try:
        reader = _Channel(call_z)
        answer = reader.receive()
    except OSError as exc:
        answer = {"fatal": f"no answer from the probe: {exc}"}
    finally:
        status_z.shutdown(socket.SHUT_WR)
        call_z.close()
        status_z.close()
    if answer and answer.get("probe") == "ok":
        return True, ""
    reason = (answer or {}).get("fatal", "the probe child died")
    return False, f"cannot build the sandbox here ({reason})"


def _candidate_keep_dirs() -> list[str]:
    paths = [p for p in sys.path if p]
    paths.append(os.path.dirname(os.__file__))
    paths.append(os.path.dirname(os.path.dirname(np.__file__)))
    return paths


def zygote_main(control_fd: int) -> None:
    """Run the zygote: read the configuration, warm up, then fork a child per spawn request."""
    control = socket.socket(fileno=control_fd)
    channel = _Channel(control)
    config = channel.receive()
    os.chdir("/")
    _preload()
    linux = sys.platform.startswith("linux")
    hide = [os.path.realpath(p) for p in config["hide"]]
    config["hide"] = hide
    config["keep"] = keep_paths(hide, _candidate_keep_dirs())
    if config.get("uid") == "auto":
        config["uid"] = 2_000_000_000 + os.getpid() if os.geteuid() == 0 else None
    sandboxed, why = bool(config["sandbox"]), config.get("why", "")
    if linux:
        _libc()
        _name_process(b"embedlab-zygote")
        _prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of unsandboxed children come here, not to init
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    if sandboxed:
        sandboxed, why = _probe(config)
    config["sandbox"] = sandboxed
    gc.collect()
    gc.freeze()  # children share these pages: keep the collector from writing to them
    channel.send({"sandboxed": sandboxed, "why": why, "pid": os.getpid(), "vm": _vm_size(),
                  "keep": config["keep"], "uid": config["uid"]})
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 2)
        except InterruptedError:
            continue
        except OSError:
            break
        if not message:
            break
        if message == b"S" and len(fds) == 2:
            _fork_child(fds[0], fds[1], config)
        for fd in fds:
            os.close(fd)
    # The judge has gone: nothing it started may outlive it. Each A dies, its B with it
    # (PDEATHSIG), and whatever they leave behind is reparented here (a subreaper) and killed in
    # turn, until the zygote has no child left.
    if linux:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # reap what is killed, to see its orphans
        _kill_children()
    os._exit(0)
