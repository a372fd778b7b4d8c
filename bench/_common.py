"""What every benchmark script shares: the machine's description, a measured subprocess run,
a small table printer and the CSV writer.

Every ``bench/<name>.py`` writes ``bench/results/<name>.csv``: one row per measurement, each row
carrying the machine (``cores``), the versions (``python``, ``numpy``, ``embedlab``) and the date,
so a CSV read months later still says where its numbers came from.

Timing is reported, never asserted: the machines this runs on are shared and noisy.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
MODULES = ("bpe", "lookup", "skipgram", "similarity", "pipeline")


class BenchError(SystemExit):
    """A benchmark cannot run: one clear line, exit status 2, no traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message


def main_guard(run) -> None:
    """Run ``run()``; a :class:`BenchError` prints one line, Ctrl-C and SIGTERM end cleanly.

    SIGTERM is turned into ``KeyboardInterrupt`` so that every ``with`` block (temporary folders,
    measured subprocesses, which kill their whole process group) unwinds the same way as on Ctrl-C.
    """
    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    try:
        run()
    except BenchError as exc:
        print(f"{Path(sys.argv[0]).name}: {exc.message}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"{Path(sys.argv[0]).name}: interrupted; child processes killed, temporary folders removed",
              file=sys.stderr)
        sys.exit(130)


# ---------------------------------------------------------------------------------------------
# where the numbers come from
# ---------------------------------------------------------------------------------------------
def environment() -> dict[str, str]:
    """The columns every CSV row carries."""
    import numpy

    try:
        sys.path.insert(0, str(ROOT))
        from grader import __version__ as embedlab_version
    except ImportError:
        embedlab_version = "?"
    return {
        "commit": _commit(),
        "cores": str(os.cpu_count() or 1),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "embedlab": embedlab_version,
        "date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z"),
    }


def _commit() -> str:
    """The checkout's commit, with ``+dirty`` when tracked files differ from it ("?" without git)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return (head or "?") + ("+dirty" if dirty else "")


def write_csv(name: str, rows: list[dict], *, append: bool = False) -> Path:
    """Write ``bench/results/<name>.csv``: the rows' own columns, then the environment's.

    ``append`` keeps the rows already in the file (a second run with other settings adds to the
    first); columns are the union of both.
    """
    env = environment()
    target = RESULTS_DIR / f"{name}.csv"
    if append and target.is_file():
        with target.open(encoding="utf-8", newline="") as handle:
            old = list(csv.DictReader(handle))
        rows = [*({k: v for k, v in r.items() if k not in env} | {"_env": {k: r.get(k, "") for k in env}}
                  for r in old), *rows]
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    columns += [k for k in env if k not in columns]
    columns = [c for c in columns if c != "_env"]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row.get("_env", env), **{k: _cell(v) for k, v in row.items() if k != "_env"}})
    tmp.replace(target)
    return target


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.0f}"
    return str(value)


def print_table(rows: list[dict], columns: list[str] | None = None, title: str | None = None) -> None:
    """A plain, aligned table on stdout (no colours: it goes into logs and issue notes)."""
    if not rows:
        return
    columns = columns or list(rows[0])
    cells = [[_cell(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    if title:
        print(title)
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths)))
    sys.stdout.flush()


def int_list(text: str) -> list[int]:
    """argparse type: ``"100,1000"`` -> ``[100, 1000]`` (positive whole numbers)."""
    import argparse
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive numbers, got {text!r}")
    return values


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextlib.contextmanager
def temp_folder(prefix: str):
    """A temporary folder removed on exit, Ctrl-C included."""
    path = Path(tempfile.mkdtemp(prefix=f"embedlab-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def require(path: Path, what: str) -> None:
    """Stop with one line if a piece of embedlab this benchmark needs has not landed."""
    if not path.exists():
        raise BenchError(f"{path.relative_to(ROOT)} is missing: {what}")


def embedlab_command() -> list[str]:
    """How to run the ``embedlab`` CLI from this checkout (the venv's console script if any)."""
    script = VENV_BIN / "embedlab"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "grader.cli"]


# ---------------------------------------------------------------------------------------------
# a measured subprocess: wall time and memory of its whole process tree
# ---------------------------------------------------------------------------------------------
@dataclass
class Run:
    """What :func:`run_measured` saw."""

    argv: list[str]
    returncode: int
    seconds: float
    stdout: str
    stderr: str
    peak_rss_tree: int = 0      # bytes: largest sum of RSS over the tree at one sample (counts shared pages per process)
    peak_pss_tree: int = 0      # bytes: largest sum of PSS at one sample (shared pages split between sharers)
    peak_processes: int = 0     # most processes alive in the tree at one sample
    samples: int = 0
    maxrss_children: int = 0    # bytes: getrusage(RUSAGE_CHILDREN) delta, the largest single process reaped
    largest_rss: int = 0        # bytes: the largest single process seen by the sampler
    largest_is: str = ""        # that process: "pid N: command line" (the root is the command itself)
    notes: list[str] = field(default_factory=list)

    def check(self, what: str) -> "Run":
        if self.returncode != 0:
            tail = (self.stderr.strip().splitlines() or self.stdout.strip().splitlines() or ["(no output)"])[-1]
            raise BenchError(f"{what} failed (exit {self.returncode}): {tail}")
        return self


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: the ppid is the 2nd field after the last ')'
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree(root: int) -> list[int]:
    children = _children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return " ".join(handle.read().replace(b"\0", b" ").decode(errors="replace").split())[:120]
    except OSError:
        return "?"


def _memory_of(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes from /proc/<pid>/smaps_rollup; (0, 0) for a process that is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b"Pss:"):
                    pss = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, pss


class _Sampler(threading.Thread):
    """Samples the memory of a process tree at ``hz`` until stopped."""

    def __init__(self, root: int, hz: float) -> None:
        super().__init__(daemon=True)
        self.root, self.period = root, 1.0 / hz
        self.stop_event = threading.Event()
        self.peak_rss = self.peak_pss = self.peak_processes = self.samples = 0
        self.largest = (0, 0, "")  # (RSS, PID, command line) of the largest single process seen

    def run(self) -> None:
        while not self.stop_event.is_set():
            pids = _tree(self.root)
            rss = pss = 0
            for pid in pids:
                r, p = _memory_of(pid)
                rss += r
                pss += p
                if r > self.largest[0]:
                    self.largest = (r, pid, _cmdline(pid))
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self.samples += 1
            self.stop_event.wait(self.period)


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the command's process group and every descendant that left it (``setsid``).

    The descendants are listed by parent links before anything is killed: once a parent dies its
    children are re-parented and could no longer be found.
    """
    strays: list[int] = []
    if proc.poll() is None:  # once reaped, its PID may belong to someone else: only the group then
        with contextlib.suppress(OSError):
            strays = [pid for pid in _tree(proc.pid) if pid != proc.pid]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        for pid in strays:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        try:
            proc.wait(timeout=3)
            if sig == signal.SIGTERM and not strays:
                return
        except subprocess.TimeoutExpired:
            continue


def run_measured(argv: list[str], *, cwd: Path | None = None, env: dict | None = None,
                 sample_hz: float = 20.0, timeout: float | None = None, measure_memory: bool = True) -> Run:
    """Run ``argv`` in its own process group; wall seconds, and memory of the whole tree.

    Memory is sampled from ``/proc`` at ``sample_hz``: the tree is every descendant of the
    process (found by parent links, so children that start their own session are still counted).
    Ctrl-C, SIGTERM or the timeout kill the whole process group before the exception goes on.
    """
    if measure_memory and not Path("/proc/self/smaps_rollup").exists():
        raise BenchError("memory sampling needs Linux /proc/<pid>/smaps_rollup; run with --no-memory")
    before = _children_maxrss()
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    sampler = _Sampler(proc.pid, sample_hz) if measure_memory else None
    if sampler:
        sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise BenchError(f"{' '.join(argv[:3])} ... took more than {timeout:.0f} s; killed")
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        if sampler:
            sampler.stop_event.set()
            sampler.join()
    seconds = time.perf_counter() - started
    _kill_group(proc)  # anything the command left behind in its group
    run = Run(argv=argv, returncode=proc.returncode, seconds=seconds, stdout=stdout, stderr=stderr)
    if sampler:
        run.peak_rss_tree, run.peak_pss_tree = sampler.peak_rss, sampler.peak_pss
        run.peak_processes, run.samples = sampler.peak_processes, sampler.samples
        size, pid, cmd = sampler.largest
        run.largest_rss = size
        run.largest_is = ("the command itself" if pid == proc.pid else f"a descendant: {cmd}") if size else ""
    after = _children_maxrss()
    # ru_maxrss of RUSAGE_CHILDREN is a maximum over all children ever reaped, not a sum: it only
    # says something about this run when this run's largest process beats every earlier one
    run.maxrss_children = after if after > before else 0
    return run


def _children_maxrss() -> int:
    import resource
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def exercise_fractions(out: Path, students) -> dict[str, float]:
    """student -> score / max over the exercise tests of ``out/<student>/results.json``.

    Quiz questions (tests named ``quiz.<id>: ...``) are left out: a class without answers.yaml, or a
    notebook (which carries none), is then judged on its code alone.
    """
    import json

    fractions: dict[str, float] = {}
    for student in students:
        try:
            data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        tests = [t for t in data.get("tests", []) if t.get("name", "").split(".", 1)[0] in MODULES]
        top = sum(float(t.get("max_score") or 0) for t in tests)
        fractions[student] = sum(float(t.get("score") or 0) for t in tests) / top if top else float("nan")
    return fractions


def mib(n: int | float) -> float:
    return n / (1 << 20)
