"""Automated mutation score: every first-order mutant of solutions/ (Cosmic Ray + student mistakes).

``tests/mutants/cosmic.py`` generates the mutants: Cosmic Ray's generic operators and our
student-mistake operators, only inside ``### BEGIN SOLUTION`` / ``### END SOLUTION``. Each mutant
is graded in process with the same cases the judge runs (``tests.mutants.run_cases``) on its own
module: killed = loses points there. Every mutant runs in its own forked process under a wall limit
(a mutant can loop forever: ``i += 1`` -> ``i += 0``) and a memory limit; running out of either
counts as killed, as it would for a student.

Writes, in ``bench/results/``:

* ``mutation_cosmic.csv``: one row per module and run label (``--label``, e.g. ``before``/``after``):
  generated, killed (of which timeouts), equivalent, survived, score, seconds;
* ``mutation_cosmic_mutants.csv``: one row per mutant of the last run: id, status, points lost,
  the first failing case, the change (``tests/test_mutation_cosmic.py`` re-runs a sample);
* ``mutation_cosmic_survivors.csv``: every mutant that kept full marks, with the reason when
  ``tests/mutants/equivalent.yaml`` records it as equivalent.

    .venv/bin/python bench/mutation_cosmic.py [--jobs N] [--timeout S] [--label after] [--module bpe ...]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import resource
import sys
import time
from multiprocessing.connection import wait

from _common import MODULES, RESULTS_DIR, ROOT, BenchError, main_guard, print_table, write_csv

sys.path.insert(0, str(ROOT))

MEMORY_LIMIT = 2 << 30          # a mutant that asks for more (vocab_size ** dim) is killed, not the machine


def _child(mutant, specs, ref, conn) -> None:
    """In a forked process: grade one mutant and send the verdict back."""
    from tests.mutants.cosmic import grade

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)                       # a mutant may print; keep the progress line readable
    try:
        conn.send(grade(mutant, specs, ref))
    except MemoryError:
        conn.send("memory")
    except BaseException as exc:  # noqa: BLE001 - whatever breaks, the parent must hear of it
        conn.send(f"crashed: {type(exc).__name__}: {exc}")
    finally:
        conn.close()


def run_all(mutants, specs, ref, jobs: int, timeout: float, progress) -> list:
    """Grade every mutant, ``jobs`` at a time, each in a fresh fork under ``timeout`` seconds of wall."""
    from tests.mutants.cosmic import Verdict, describe

    ctx = multiprocessing.get_context("fork")
    pending = list(enumerate(mutants))[::-1]
    running: dict = {}                        # conn -> (index, process, started)
    verdicts: list = [None] * len(mutants)

    def finish(conn, verdict) -> None:
        index, process, _ = running.pop(conn)
        process.join(timeout=1)
        if process.is_alive():
            process.kill()
            process.join()
        conn.close()
        verdicts[index] = verdict
        progress(sum(v is not None for v in verdicts), len(mutants))

    try:
        while pending or running:
            while pending and len(running) < jobs:
                index, mutant = pending.pop()
                receive, send = ctx.Pipe(duplex=False)
                process = ctx.Process(target=_child, args=(mutant, specs, ref, send), daemon=True)
                process.start()
                send.close()
                running[receive] = (index, process, time.monotonic())
            for conn in wait(list(running), timeout=0.2):
                index = running[conn][0]
                try:
                    got = conn.recv()
                except EOFError:
                    got = "crashed: the process died"
                if isinstance(got, str):      # out of memory or a crash: killed, as for a student
                    got = Verdict(mutants[index], "timeout" if got == "memory" else "incompetent", 0.0, 0, 0, got,
                                  describe(mutants[index]))
                finish(conn, got)
            now = time.monotonic()
            for conn, (index, process, started) in list(running.items()):
                if now - started > timeout:
                    process.kill()
                    finish(conn, Verdict(mutants[index], "timeout", 0.0, 0, 0, f"still running after {timeout:g} s",
                                         describe(mutants[index])))
    finally:
        for conn, (_, process, _) in running.items():
            process.kill()
    return verdicts


def baseline_seconds(specs, ref) -> dict[str, float]:
    """How long each module's cases take against the solutions themselves (for the wall limit)."""
    from grader.casekit import load_package_from_sources
    from tests.mutants import package_sources, run_cases

    modules = load_package_from_sources(dict(package_sources()))
    seconds = {}
    for module in MODULES:
        started = time.monotonic()
        results = run_cases(modules, [s for s in specs if s.module == module], ref)
        seconds[module] = time.monotonic() - started
        if any(r.status != "passed" for r in results):
            raise BenchError(f"the solutions themselves fail a case of {module}: fix that first")
    return seconds


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)),
                        help="mutants graded at once, each in its own process (default: 2)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="wall limit per mutant in seconds (default: 20 x the solutions' own time, at least 10)")
    parser.add_argument("--label", default="after", help="run label in mutation_cosmic.csv (default: after)")
    parser.add_argument("--module", action="append", choices=MODULES,
                        help="only this module (repeatable; default: all five)")
    args = parser.parse_args()
    if args.jobs < 1:
        raise BenchError(f"--jobs must be at least 1, not {args.jobs}")

    from grader import casekit
    from tests.mutants.cosmic import describe, fingerprint, generate, load_equivalents

    started = time.monotonic()
    specs = casekit.collect_cases()
    ref = casekit.reference("solutions")
    modules = tuple(args.module or MODULES)
    mutants = generate(modules)
    generated_in = time.monotonic() - started
    base = baseline_seconds(specs, ref)
    timeout = args.timeout or max(10.0, 20 * max(base.values()))
    print(f"{len(mutants)} mutants generated in {generated_in:.1f} s; wall limit {timeout:.0f} s each; "
          f"{args.jobs} at a time", flush=True)

    def progress(done: int, total: int) -> None:
        if done % 25 == 0 or done == total:
            print(f"  {done}/{total} graded ({time.monotonic() - started:.0f} s)", flush=True)

    verdicts = run_all(mutants, specs, ref, args.jobs, timeout, progress)
    seconds = time.monotonic() - started
    equivalents = load_equivalents()

    per_mutant, survivors = [], []
    for v in verdicts:
        m = v.mutant
        row = {"id": m.id, "module": m.module, "function": m.function, "operator": m.operator, "line": m.line,
               "status": v.status, "points_lost": v.points_lost, "failed_public": v.failed_public,
               "failed_hidden": v.failed_hidden, "first_failure": v.first_failure,
               "change": v.change or describe(m)}
        per_mutant.append(row)
        if not v.killed:
            entry = equivalents.get(m.id)
            same = entry is not None and entry.get("fingerprint") == fingerprint(m, row["change"])
            survivors.append({"id": m.id, "module": m.module, "function": m.function, "operator": m.operator,
                              "line": m.line, "fingerprint": fingerprint(m, row["change"]),
                              "equivalent": "yes" if same else "no",
                              "reason": entry["reason"] if same else "", "change": row["change"]})

    table = []
    for module in modules + ("all",):
        mine = [v for v in verdicts if module in ("all", v.mutant.module)]
        killed = sum(v.killed for v in mine)
        equivalent = sum(s["equivalent"] == "yes" for s in survivors if module in ("all", s["module"]))
        student = [v for v in mine if v.mutant.student_operator]
        table.append({"run": args.label, "module": module, "generated": len(mine), "killed": killed,
                      "timeouts": sum(v.status == "timeout" for v in mine),
                      "equivalent": equivalent, "survived": len(mine) - killed - equivalent,
                      "score_%": round(100.0 * killed / max(1, len(mine) - equivalent), 1),
                      "student_mistakes": len(student), "student_killed": sum(v.killed for v in student),
                      "seconds": round(seconds if module == "all" else 0.0, 1)})
    print_table(table, title=f"automated mutation score ({len(specs)} cases), {seconds:.0f} s")
    unexplained = [s for s in survivors if s["equivalent"] == "no"]
    print(f"\nsurvivors not recorded as equivalent ({len(unexplained)}):")
    for s in unexplained:
        print(f"  {s['id']}: {s['change']}")

    _keep_other_labels(table, args.label)
    write_csv("mutation_cosmic_mutants", per_mutant)
    write_csv("mutation_cosmic_survivors", survivors)
    print(f"\nwrote {write_csv('mutation_cosmic', table, append=True).relative_to(ROOT)} (+ _mutants, _survivors)")


def _keep_other_labels(table: list[dict], label: str) -> None:
    """Drop the rows of an earlier run with the same label, so ``append`` keeps only other labels."""
    target = RESULTS_DIR / "mutation_cosmic.csv"
    if not target.is_file():
        return
    with target.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("run") != label]
    tmp = target.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        if rows:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    os.replace(tmp, target)


if __name__ == "__main__":
    main_guard(run)
