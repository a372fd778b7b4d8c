"""How fast ``embedlab grade`` grades a class, how much memory it takes, and whether cost grows linearly.

    .venv/bin/python bench/grading_throughput.py [--quick] [--sizes 100,1000,5000] [--jobs 1,2]
                                                 [--loop-share 0.01] [--case-seconds 5]

For each class size N a synthetic class (bench/_class.py: correct, wrong, partial, stubs, crashing
and a few looping submissions) is written to a temporary folder, then graded by
``embedlab grade CLASS --out OUT --jobs J --force`` as a subprocess, a fresh ``OUT`` each run.

Reported per run:
  wall_s            wall-clock seconds of the whole command (start-up, reading, grading, gradebook)
  subs_per_s        N / wall_s
  s_per_sub         wall_s / N; the linearity line compares it across N (largest N / smallest N:
                    1.0 is perfectly linear, above 1 means each submission costs more in a big class)
  peak_pss_mib      the largest sum, at one sample, of the PSS of every process in the command's
                    tree (the CLI, pool workers, zygotes, sandboxed children), sampled from /proc at
                    20 Hz: memory the run takes from the machine, pages shared after fork counted once.
                    This is the figure compared with the 1 GiB target.
  peak_rss_mib      the same with RSS: an upper bound that counts shared pages once per process
  max_proc_rss_mib  getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest single process that was
                    reaped (0 when it does not exceed an earlier run's, as the kernel keeps a maximum)
  largest_proc_rss_mib, largest_proc  the largest single process the sampler saw, and which it was
                    (the CLI itself, or a descendant: a pool worker, a zygote, a sandboxed child)
  loop_cost_s       the grader's own execution time summed over the looping submissions, from their
                    results.json (what the rare infinite loops cost, out of the total)
  s_per_sub_without_loops  (wall_s - loop_cost_s / jobs) / (N - looping): an estimate of what the
                    others cost (the loops overlap other work, so it is only an estimate)
Sanity: every run must give N gradebook rows and every correct submission full marks on the
exercises (quizzes aside: half the class carries no answers.yaml); the mean exercise fraction per
kind is printed once per N. ``--append`` adds rows to the CSV (e.g. a second run with
``--loop-share 0``). Writes ``bench/results/grading_throughput.csv``.
Targets (reported, not asserted): 1,000 submissions in under 60 s with --jobs 2; under 1 GiB.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _class import make_class  # noqa: E402
from _common import (ROOT, BenchError, embedlab_command, exercise_fractions, main_guard, mib,  # noqa: E402
                     print_table, require, run_measured, temp_folder, write_csv)
from _common import int_list as _int_list  # noqa: E402


def gradebook_rows(out: Path) -> int:
    path = out / "gradebook.csv"
    if not path.is_file():
        raise BenchError(f"embedlab grade wrote no {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def summary_line(stdout: str, out: Path) -> str:
    """embedlab's one-line summary (the console wraps it), without the temporary output path."""
    text = " ".join(stdout.split()).replace(str(out / "gradebook.csv"), "gradebook.csv")
    return text[:200]


def execution_time(out: Path, student: str) -> float:
    try:
        return float(json.loads((out / student / "results.json").read_text()).get("execution_time") or 0.0)
    except (OSError, ValueError):
        return 0.0


def by_kind(kinds: dict[str, str], fractions: dict[str, float]) -> list[dict]:
    rows: dict[str, list[float]] = {}
    for student, kind in kinds.items():
        rows.setdefault(kind, []).append(fractions.get(student, float("nan")))
    return [{"kind": k, "count": len(v), "mean_fraction": sum(v) / len(v), "min": min(v), "max": max(v)}
            for k, v in sorted(rows.items())]


def grade_once(class_dir: Path, scratch: Path, n: int, jobs: int, case_seconds: float | None,
               timeout: float) -> tuple:
    out = scratch / f"out-{n}-j{jobs}"
    argv = [*embedlab_command(), "grade", str(class_dir), "--out", str(out), "--jobs", str(jobs), "--force"]
    if case_seconds is not None:
        argv += ["--case-seconds", str(case_seconds)]
    run = run_measured(argv, cwd=scratch, timeout=timeout).check(f"embedlab grade ({n} submissions, --jobs {jobs})")
    return run, out


def linearity(rows: list[dict]) -> list[str]:
    """s/submission across N, per (jobs, loop share); sets each row's ``linearity_ratio``."""
    lines = []
    for key in sorted({(r["jobs"], r["loop_share"]) for r in rows}):
        mine = sorted((r for r in rows if (r["jobs"], r["loop_share"]) == key), key=lambda r: r["n"])
        if len({r["n"] for r in mine}) < 2:
            continue
        ratio = mine[-1]["s_per_sub"] / mine[0]["s_per_sub"]
        lines.append(f"linearity --jobs {key[0]}, looping share {key[1]:.1%}: s/submission " + ", ".join(
            f"N={r['n']}: {r['s_per_sub'] * 1000:.0f} ms" for r in mine) + f"; largest/smallest = {ratio:.2f}")
        for r in mine:
            r["linearity_ratio"] = ratio
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only N = 100")
    parser.add_argument("--sizes", type=_int_list, help="class sizes (default 100,1000; quick 100)")
    parser.add_argument("--jobs", type=_int_list, default=[1, 2], help="--jobs values to compare (1,2)")
    parser.add_argument("--loop-share", type=float, default=0.01,
                        help="share of looping submissions (0.01); each waits out its case time limits")
    parser.add_argument("--case-seconds", type=float, help="pass --case-seconds to embedlab grade (default: "
                                                           "embedlab's own, 5 s)")
    parser.add_argument("--timeout", type=float, default=3600, help="kill a grading run after this many s")
    parser.add_argument("--append", action="store_true", help="add the rows to the CSV instead of replacing it")
    args = parser.parse_args()
    sizes = args.sizes or ([100] if args.quick else [100, 1000])
    if not 0 <= args.loop_share <= 0.5:
        raise BenchError(f"--loop-share must be between 0 and 0.5, not {args.loop_share}")
    for piece in ("sandbox", "casekit", "cases"):
        require(ROOT / "grader" / piece, "embedlab grade cannot run before the sandbox and the cases land")

    rows: list[dict] = []
    with temp_folder("throughput") as scratch:
        for n in sizes:
            class_dir = scratch / f"class-{n}"
            info = make_class(class_dir, n, loop_share=args.loop_share)
            print(f"\nN = {n}: {info.describe()}", flush=True)
            looping = [s for s, k in info.kinds.items() if k == "looping"]
            for jobs in args.jobs:
                run, out = grade_once(class_dir, scratch, n, jobs, args.case_seconds, args.timeout)
                rows_written = gradebook_rows(out)
                if rows_written != n:
                    raise BenchError(f"gradebook has {rows_written} rows for {n} submissions")
                fractions = exercise_fractions(out, info.kinds)
                kinds = by_kind(info.kinds, fractions)
                bad = [s for s, k in info.kinds.items() if k == "correct" and fractions.get(s, 0.0) < 1.0 - 1e-9]
                total_exec = sum(execution_time(out, s) for s in info.kinds)
                loop_cost = sum(execution_time(out, s) for s in looping)
                row = {"n": n, "jobs": jobs, "wall_s": run.seconds, "subs_per_s": n / run.seconds,
                       "s_per_sub": run.seconds / n, "peak_pss_mib": mib(run.peak_pss_tree),
                       "peak_rss_mib": mib(run.peak_rss_tree), "max_proc_rss_mib": mib(run.maxrss_children),
                       "largest_proc_rss_mib": mib(run.largest_rss), "largest_proc": run.largest_is,
                       "peak_procs": run.peak_processes, "looping": len(looping),
                       "loop_share": len(looping) / n, "loop_cost_s": loop_cost, "graded_exec_s": total_exec,
                       "correct_not_full": len(bad), "mean_fraction": sum(fractions.values()) / max(1, len(fractions)),
                       "wrong_from": info.wrong_source, "summary": summary_line(run.stdout, out)}
                rows.append(row)
                row["s_per_sub_without_loops"] = (run.seconds - loop_cost / jobs) / max(1, n - len(looping))
                print(f"  --jobs {jobs}: {run.seconds:.1f} s, {n / run.seconds:.1f} submissions/s, "
                      f"peak {mib(run.peak_pss_tree):.0f} MiB PSS / {mib(run.peak_rss_tree):.0f} MiB RSS "
                      f"over {run.peak_processes} processes; looping cost {loop_cost:.0f} s of "
                      f"{total_exec:.0f} s graded", flush=True)
                if bad:
                    print(f"  WARNING: {len(bad)} correct submissions without full marks, e.g. {bad[:3]}")
            print_table(kinds, title=f"  score fraction by kind (N = {n}, last run)")
    print_table(rows, ["n", "jobs", "wall_s", "subs_per_s", "s_per_sub", "peak_pss_mib", "peak_rss_mib",
                       "max_proc_rss_mib", "looping", "loop_cost_s", "s_per_sub_without_loops"],
                title="\ngrading throughput")
    for line in linearity(rows):
        print(line)
    target = next((r for r in rows if r["n"] == 1000 and r["jobs"] == 2), None)
    if target:
        print(f"target 1,000 in < 60 s with --jobs 2: {target['wall_s']:.1f} s -> "
              f"{'met' if target['wall_s'] < 60 else 'NOT met'}")
    worst = max(rows, key=lambda r: r["peak_pss_mib"])
    print(f"target < 1 GiB: peak {worst['peak_pss_mib']:.0f} MiB PSS (RSS sum {worst['peak_rss_mib']:.0f} MiB) "
          f"at N={worst['n']} --jobs {worst['jobs']} -> {'met' if worst['peak_pss_mib'] < 1024 else 'NOT met'}")
    path = write_csv("grading_throughput", rows, append=args.append)
    print(f"wrote {path.relative_to(ROOT)}")
    if args.append:  # the linearity over every run in the file, this one's and earlier ones
        with path.open(encoding="utf-8", newline="") as handle:
            every = [{**r, "n": int(r["n"]), "jobs": int(r["jobs"]), "loop_share": float(r["loop_share"]),
                      "s_per_sub": float(r["s_per_sub"])} for r in csv.DictReader(handle)]
        print("over the whole CSV:")
        for line in linearity(every):
            print("  " + line)


if __name__ == "__main__":
    main_guard(main)
