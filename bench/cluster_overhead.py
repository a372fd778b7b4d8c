"""What grading on a Dask cluster costs over the local pool, and how much memory a huge queue takes.

    .venv/bin/python bench/cluster_overhead.py [--n 400] [--rounds 1] [--queued 10000] [--loop-share 0.01]
                                               [--no-memory] [--append]

1. Overhead. One synthetic class of N submissions (bench/_class.py, the same kinds as
   grading_throughput.py) graded, in one run of this script, by
       embedlab grade CLASS --out FRESH --jobs 2 --force --no-report
       embedlab grade CLASS --out FRESH --cluster local:2 --force --no-report
   alternating which goes first, ``--rounds`` times. Both give the same grades (the script checks:
   every gradebook equal, every correct submission full marks). Reported per run:
     wall_s          the whole command: start-up (the cluster's: scheduler, 2 worker processes, TLS,
                     one judge each), reading, grading, gradebook
     s_per_sub       wall_s / N
     overhead_pct    cluster s_per_sub / the same round's --jobs 2 s_per_sub - 1 (goal: within 15 %)
     grader_s_per_sub  the judges' own time per submission (results.json execution_time, summed / N):
                     what one worker process spends on a submission, wherever it runs
     client_cpu_ms_per_sub  CPU time of the embedlab process itself (user + system; with --cluster
                     it hosts the scheduler too) / N: what a client spends per submission, the limit
                     on how many workers one client can keep busy
2. Memory at Q queued submissions (``--queued``, default 10,000). A class of Q submissions is graded
   with ``--cluster local:2`` by a small driver (``grade_class`` with a ``DaskBackend``) until 10
   results are stored, then stopped (an exception from its progress callback, unwinding as Ctrl-C does). Two ways to queue them:
     window          the default: the client reads each submission when a worker is about to need it,
                     so the scheduler holds 4 per worker thread + 2 and the rest waits on disk
     all_at_once     DaskBackend(in_flight=Q): every submission sent to the scheduler at once (what a
                     naive client.map over the class does), to show what the window saves
   ``client_peak_rss_mib`` is the client process alone (it hosts the LocalCluster's scheduler), sampled
   from /proc at 10 Hz, against the 1 GiB goal; ``tree_peak_pss_mib`` adds workers, zygotes and children.
   The 1 GiB goal is about the client, so this is measured on a LocalCluster, where the scheduler runs
   in the client's process (on a real cluster the scheduler's share moves to its own machine).

Writes bench/results/cluster_overhead.csv (with the machine's load average at the start of each run:
the machine is shared, read figures next to it). Timing is reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _class import make_class  # noqa: E402
from _common import (ROOT, BenchError, _memory_of, _tree, embedlab_command, exercise_fractions,  # noqa: E402
                     main_guard, mib, print_table, temp_folder, write_csv)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def gradebook(out: Path) -> list[dict]:
    path = out / "gradebook.csv"
    if not path.is_file():
        raise BenchError(f"embedlab grade wrote no {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def grader_seconds(out: Path, students) -> float:
    total = 0.0
    for student in students:
        try:
            total += float(json.loads((out / student / "results.json").read_text())["execution_time"])
        except (OSError, ValueError, KeyError):
            raise BenchError(f"no results.json for {student} in {out}") from None
    return total


def overhead(args, scratch: Path) -> list[dict]:
    info = make_class(scratch / "class", args.n, loop_share=args.loop_share)
    print(f"class of {args.n}: {info.describe()}", flush=True)
    variants = {"jobs 2": ["--jobs", "2"], "cluster local:2": ["--cluster", "local:2"]}
    rows, books = [], {}
    for round_ in range(1, args.rounds + 1):
        order = list(variants) if round_ % 2 else list(reversed(variants))
        per_round = {}
        for name in order:
            out = scratch / f"out-{round_}-{name.replace(' ', '-').replace(':', '')}"
            before = load()
            wall, cpu, stdout = run_with_client_cpu([*embedlab_command(), "grade", str(info.folder), "--out",
                                                     str(out), "--force", "--no-report", *variants[name]])
            book = gradebook(out)
            if len(book) != args.n:
                raise BenchError(f"{name}: {len(book)} gradebook rows for {args.n} submissions")
            fractions = exercise_fractions(out, info.kinds)
            wrong = [s for s, k in info.kinds.items() if k == "correct" and fractions.get(s) != 1.0]
            if wrong:
                raise BenchError(f"{name}: correct submissions without full marks: {wrong[:5]}")
            books[(round_, name)] = [{k: v for k, v in r.items()} for r in book]
            per_round[name] = wall
            rows.append({"measure": "overhead", "variant": name, "round": round_, "n": args.n,
                         "wall_s": wall, "s_per_sub": wall / args.n,
                         "grader_s_per_sub": grader_seconds(out, info.kinds) / args.n,
                         "client_cpu_ms_per_sub": 1000 * cpu / args.n,
                         "summary": " ".join(stdout.split())[:160].replace(str(out), "OUT"),
                         "load_before": before})
        for row in rows[-2:]:
            row["overhead_pct"] = 100.0 * (row["wall_s"] / per_round["jobs 2"] - 1.0)
    reference = books[(1, "jobs 2")]
    for key, book in books.items():
        if [(r["student"], r["score"], r["status"]) for r in book] != \
                [(r["student"], r["score"], r["status"]) for r in reference]:
            raise BenchError(f"{key}: the gradebook differs from round 1's --jobs 2")
    return rows


DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from grader.cluster.backend import DaskBackend
    from grader.grading.engine import grade_class
    from grader.sandbox import Limits

    class Enough(Exception):
        pass

    graded = 0

    def progress(done, total, student):
        global graded
        if student is not None:
            graded += 1
            print(done, flush=True)
            if graded >= 10:   # stop as Ctrl-C would: the engine's with-blocks close the cluster
                raise Enough

    if __name__ == "__main__":   # the Dask workers are spawned processes: they import this file again
        klass, out, in_flight = sys.argv[1], sys.argv[2], sys.argv[3]
        backend = DaskBackend(local_workers=2, in_flight=None if in_flight == "window" else int(in_flight))
        try:
            grade_class(Path(klass), Path(out), jobs=1, limits=Limits(), force=True, progress=progress,
                        backend=backend)
        except Enough:
            print("stopped", flush=True)
""")


class RootSampler(threading.Thread):
    """Peak RSS of one process, peak PSS of its whole tree, and the process's own CPU seconds (user +
    system, the last reading before it exits), at 10 Hz."""

    def __init__(self, pid: int, *, memory: bool = True) -> None:
        super().__init__(daemon=True)
        self.pid, self.memory, self.stop = pid, memory, threading.Event()
        self.root_rss = self.tree_pss = 0
        self.cpu = 0.0

    def run(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        while not self.stop.is_set():
            try:
                with open(f"/proc/{self.pid}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                self.cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            except (OSError, IndexError, ValueError):
                pass
            if self.memory:
                self.root_rss = max(self.root_rss, _memory_of(self.pid)[0])
                self.tree_pss = max(self.tree_pss, sum(_memory_of(p)[1] for p in _tree(self.pid)))
            self.stop.wait(0.1)


def run_with_client_cpu(argv: list[str]) -> tuple[float, float, str]:
    """(wall seconds, the command's own CPU seconds, stdout) of ``argv``; exit status checked."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    sampler = RootSampler(proc.pid, memory=False)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=3600)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    finally:
        sampler.stop.set()
        sampler.join()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(argv[1:4])} ... failed (exit {proc.returncode}): {err.strip()[-300:]}")
    return seconds, sampler.cpu, out


def memory(args, scratch: Path) -> list[dict]:
    folder = scratch / "queued"
    started = time.monotonic()
    make_class(folder, args.queued, loop_share=0.0)
    print(f"class of {args.queued} written in {time.monotonic() - started:.0f} s", flush=True)
    driver = scratch / "driver.py"
    driver.write_text(DRIVER)
    rows = []
    for variant, in_flight in (("window", "window"), ("all_at_once", str(args.queued))):
        out = scratch / f"queued-out-{variant}"
        before = load()
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, str(driver), str(folder), str(out), in_flight], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        sampler = RootSampler(proc.pid)
        sampler.start()
        graded, first = 0, None
        try:
            for line in proc.stdout:  # one line per stored result; the driver stops itself after 10
                if line.strip().isdigit():
                    graded += 1
                    first = first or time.monotonic() - started
            _, err = proc.communicate(timeout=600)
        finally:
            sampler.stop.set()
            sampler.join()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # anything left behind
        if graded < 10:
            raise BenchError(f"{variant}: the driver stopped after {graded} results: {err.strip()[-300:]}")
        rows.append({"measure": "memory", "variant": variant, "n": args.queued,
                     "queued": args.queued - graded, "client_peak_rss_mib": mib(sampler.root_rss),
                     "tree_peak_pss_mib": mib(sampler.tree_pss), "first_result_s": first,
                     "load_before": before})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--n", type=int, default=400, help="submissions in the overhead class (400)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of (--jobs 2, --cluster local:2) (1)")
    parser.add_argument("--queued", type=int, default=10_000, help="submissions queued in the memory run (10000)")
    parser.add_argument("--loop-share", type=float, default=0.01, help="share of looping submissions (0.01)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory run")
    parser.add_argument("--append", action="store_true", help="add to bench/results/cluster_overhead.csv")
    args = parser.parse_args()
    if args.n < 1 or args.rounds < 1 or args.queued < 20:
        raise BenchError("--n and --rounds must be at least 1, --queued at least 20")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise BenchError("Dask is not installed: pip install -e '.[cluster]'") from None
    with temp_folder("cluster") as scratch:
        rows = overhead(args, scratch)
        print_table(rows, ["variant", "round", "n", "wall_s", "s_per_sub", "overhead_pct", "grader_s_per_sub",
                           "client_cpu_ms_per_sub", "load_before"], title="overhead")
        if not args.no_memory:
            mem = memory(args, scratch)
            print_table(mem, ["variant", "n", "queued", "client_peak_rss_mib", "tree_peak_pss_mib",
                              "first_result_s", "load_before"], title="memory")
            rows += mem
    print(f"wrote {write_csv('cluster_overhead', rows, append=args.append)}")


if __name__ == "__main__":
    main_guard(main)
