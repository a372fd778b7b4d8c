"""What the sandbox costs: starting a child, one call, and a class graded by two workers.

    .venv/bin/python bench/sandbox_latency.py [--quick] [--spawns 100] [--calls 2000]

For the sandboxed and the unsandboxed child (``sandbox=False``), in wall time:
  zygote start      starting the zygote until it is warm (once per worker)
  spawn             ``spawn()`` of five small modules until the first call's reply (median, p90)
  close             ``Child.close()``: the whole tree killed and reaped (median)
  call              one round trip of ``f(x) = x + 1`` (median, p90)
  call 100x16       one round trip with a 100 x 16 float64 array in and out (median)
  throughput        two worker processes, each grading ``--subs`` submissions of ``--per-sub``
                    calls (spawn, calls, close), wall time of the whole; and the projection for
                    1,000 submissions of 200 calls, sandbox cost only (no case logic). Run
                    unpinned, then with each worker (and so its zygote and children) pinned to
                    one CPU, which keeps every judge-child wakeup on one CPU
Writes ``bench/results/sandbox_latency.csv``. Nothing is asserted: the machine is shared.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import main_guard, median, print_table, write_csv  # noqa: E402

import numpy as np  # noqa: E402

from grader.sandbox.zygote import Limits, Zygote  # noqa: E402

MODULES = {
    "bpe": "def f(x):\n    return x + 1\n\ndef scale(E, k):\n    return E * k\n",
    "lookup": "from . import bpe\n\ndef g(x):\n    return bpe.f(x)\n",
    "skipgram": "import numpy as np\n",
    "similarity": "import bpe\n",
    "pipeline": "from . import bpe, lookup\n",
}


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(sandbox: bool, spawns: int, calls: int) -> dict:
    started = time.perf_counter()
    with Zygote(Limits(), sandbox=sandbox) as zygote:
        start_s = time.perf_counter() - started
        if sandbox and not zygote.sandboxed:
            return {"mode": "sandboxed", "note": f"unavailable: {zygote.why_unsandboxed}"}
        spawn_ms, close_ms = [], []
        for _ in range(spawns):
            t0 = time.perf_counter()
            child = zygote.spawn(MODULES)
            child.call("bpe", "f", (1,))
            t1 = time.perf_counter()
            child.close()
            spawn_ms.append((t1 - t0) * 1e3)
            close_ms.append((time.perf_counter() - t1) * 1e3)
        child = zygote.spawn(MODULES)
        child.call("bpe", "f", (0,))
        call_us = []
        for i in range(calls):
            t0 = time.perf_counter()
            child.call("bpe", "f", (i,))
            call_us.append((time.perf_counter() - t0) * 1e6)
        E = np.random.default_rng(0).normal(size=(100, 16))
        array_us = []
        for _ in range(max(10, calls // 10)):
            t0 = time.perf_counter()
            child.call("bpe", "scale", (E, 2.0))
            array_us.append((time.perf_counter() - t0) * 1e6)
        child.close()
    return {"mode": "sandboxed" if sandbox else "unsandboxed", "zygote_start_s": start_s,
            "spawn_ms_median": median(spawn_ms), "spawn_ms_p90": quantile(spawn_ms, 0.9),
            "close_ms_median": median(close_ms), "call_us_median": median(call_us),
            "call_us_p90": quantile(call_us, 0.9), "call_100x16_us_median": median(array_us)}


def run_throughput(sandbox: bool, subs: int, per_sub: int, workers: int = 2, pin: bool = False) -> dict:
    context = multiprocessing.get_context("spawn")
    ready, go = context.Queue(), [context.Queue() for _ in range(workers)]
    cpus = sorted(os.sched_getaffinity(0)) if pin else []
    procs = [context.Process(target=_worker_go, args=(sandbox, subs, per_sub, ready, go[i],
                                                      cpus[i % len(cpus)] if cpus else None))
             for i in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get()
    t0 = time.perf_counter()
    for q in go:
        q.put("go")
    for _ in procs:
        ready.get()
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    per_sub_s = wall / subs  # each worker did `subs` submissions in `wall`
    projected = 1000 / workers * (per_sub_s / per_sub * 200 if per_sub else per_sub_s)
    return {"mode": "sandboxed" if sandbox else "unsandboxed", "workers": workers, "pinned": pin,
            "submissions": subs * workers, "calls_per_submission": per_sub, "wall_s": wall,
            "per_submission_ms": per_sub_s * 1e3, "projected_1000x200_s": projected}


def _worker_go(sandbox: bool, subs: int, per_sub: int, ready, go, cpu: int | None) -> None:
    if cpu is not None:  # the zygote and its children inherit the worker's CPU
        os.sched_setaffinity(0, {cpu})
    with Zygote(Limits(), sandbox=sandbox) as zygote:
        ready.put("ready")
        go.get()
        for _ in range(subs):
            child = zygote.spawn(MODULES)
            for i in range(per_sub):
                child.call("bpe", "f", (i,))
            child.close()
        ready.put("done")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--spawns", type=int, default=100)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--subs", type=int, default=100, help="submissions per worker (throughput)")
    parser.add_argument("--per-sub", type=int, default=200, help="calls per submission (throughput)")
    parser.add_argument("--no-pin", action="store_true",
                        help="skip the throughput runs with each worker pinned to one CPU")
    args = parser.parse_args()
    if args.quick:
        args.spawns, args.calls, args.subs = 20, 300, 20
    rows = [measure(sandbox, args.spawns, args.calls) for sandbox in (True, False)]
    print_table(rows, title="latency (wall; ms = milliseconds, us = microseconds)")
    through = [run_throughput(sandbox, args.subs, args.per_sub, pin=pin) for sandbox in (True, False)
               for pin in ((False,) if args.no_pin else (False, True))]
    print_table(through, title="\nthroughput: 2 workers, trivial calls (sandbox cost only)")
    path = write_csv("sandbox_latency", [{"table": "latency", **r} for r in rows]
                     + [{"table": "throughput", **r} for r in through])
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main_guard(main)
