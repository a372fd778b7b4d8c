"""Issue 12's figures in one run: the judge against its in-process floor, and what loops cost.

    .venv/bin/python bench/judge_speed.py [--rounds 15] [--no-class]

Reported (every figure measured in this run, side by side, so the ratios hold on a noisy machine):
  floor_ms          all cases of one submission of the solutions run IN PROCESS (no sandbox:
                    InProcessBackend, the judge's warm memo reference): what grading costs at least
  sandboxed_ms      ``Judge.grade`` of the same submission through the real sandbox (spawn, load,
                    every call a round trip, close); median of ``--rounds``, interleaved with the floor
  ratio             sandboxed_ms / floor_ms (target <= 1.5)
  all_loop_s        ``Judge.grade`` of a submission whose EVERY student function loops forever
                    (target <= 5 s): each function costs one case limit, then lazy stop
  check_loop_s      ``embedlab check`` (a subprocess, wall) on a copy of the solutions whose
                    merge_pair loops (target <= 3 s)
  class_*           ``embedlab grade`` of 1,000 synthetic submissions, --jobs 2, without loopers and
                    with 1 % (bench/grading_throughput.py's class; targets 40 s and 60 s)
Also prints ``uptime`` before and after (the machine is shared). Writes bench/results/judge_speed.csv.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import ROOT, embedlab_command, main_guard, print_table, run_measured, temp_folder, write_csv  # noqa: E402


def uptime() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
    except OSError:
        return "?"


def looping_everywhere(sources: dict[str, str]) -> dict[str, str]:
    """Every student function of the solutions starts with an endless loop."""
    from grader.paths import STUDENT_FUNCTIONS
    from tests.mutants import replace_function  # noqa: F401  (only to fail early without tests/)
    import ast

    out = {}
    for module, text in sources.items():
        lines = text.splitlines(keepends=True)
        tree = ast.parse(text)
        inserts = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in STUDENT_FUNCTIONS[module]:
                first = node.body[0]
                at = (node.body[1] if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None),
                                                                                   ast.Constant) and len(node.body) > 1
                      else first).lineno - 1
                inserts.append(at)
        for at in sorted(inserts, reverse=True):
            lines.insert(at, "    spin = 0\n    while spin >= 0:\n        spin += 1\n")
        out[module] = "".join(lines)
    return out


def judge_figures(rounds: int) -> dict:
    from grader import casekit
    from grader.grading.engine import Judge, paths_to_hide
    from grader.paths import EXERCISE_MODULES
    from grader.sandbox import Limits
    from grader.grading.submission import Submission
    from tests.mutants import package_sources

    judge = Judge(Limits(), paths_to_hide([]), quizzes=False)
    try:
        sources = dict(package_sources())
        modules = {m: importlib.import_module(f"solutions.{m}") for m in EXERCISE_MODULES}
        student = casekit.Student(casekit.InProcessBackend(modules))

        def floor() -> float:
            started = time.perf_counter()
            for spec in judge.cases:
                casekit.run_case(spec, student, judge.ref)
            return time.perf_counter() - started

        def sandboxed() -> float:
            started = time.perf_counter()
            result = judge.grade(Submission(student="s", origin="s", modules=sources))
            assert all(t.status == "passed" for t in result.tests), [t.name for t in result.tests if t.status != "passed"]
            return time.perf_counter() - started

        for _ in range(2):
            floor(), sandboxed()
        floors, boxes = [], []
        for _ in range(rounds):
            floors.append(floor())
            boxes.append(sandboxed())
        started = time.perf_counter()
        looped = judge.grade(Submission(student="loops", origin="loops", modules=looping_everywhere(sources)))
        all_loop = time.perf_counter() - started
        timeouts = sum(t.outcome == "timeout" for t in looped.tests)
        return {"floor_ms": statistics.median(floors) * 1000, "sandboxed_ms": statistics.median(boxes) * 1000,
                "ratio": statistics.median(boxes) / statistics.median(floors), "all_loop_s": all_loop,
                "all_loop_timeouts": timeouts, "all_loop_cases": len(looped.tests),
                "sandboxed": judge.sandboxed, "limits": judge.case_limits.headline()}
    finally:
        judge.close()


def check_loop_seconds(scratch: Path) -> float:
    work = scratch / "check" / "exercises"
    work.mkdir(parents=True)
    for module in ("bpe", "lookup", "skipgram", "similarity", "pipeline"):
        shutil.copy(ROOT / "solutions" / f"{module}.py", work / f"{module}.py")
    text = (work / "bpe.py").read_text()
    at = text.index("def merge_pair(")
    doc_end = text.index('"""', text.index('"""', at) + 3) + 3
    (work / "bpe.py").write_text(text[:doc_end] + "\n    i = 0\n    while i < len(pair):\n        i = i * 1" + text[doc_end:])
    started = time.perf_counter()
    proc = subprocess.run([*embedlab_command(), "check", "--path", str(work)], cwd=scratch / "check",
                          capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if "in merge_pair" not in proc.stdout:
        raise SystemExit(f"check did not report where merge_pair was:\n{proc.stdout}\n{proc.stderr}")
    return seconds


def class_seconds(scratch: Path, loop_share: float, n: int = 1000) -> float:
    from _class import make_class

    folder = scratch / f"class-{loop_share}"
    make_class(folder, n, loop_share=loop_share)
    out = scratch / f"out-{loop_share}"
    run = run_measured([*embedlab_command(), "grade", str(folder), "--out", str(out), "--jobs", "2", "--force",
                        "--no-report"] if _has_no_report() else
                       [*embedlab_command(), "grade", str(folder), "--out", str(out), "--jobs", "2", "--force"],
                       cwd=scratch, timeout=3600, measure_memory=False).check(f"grade {n}, loop share {loop_share}")
    return run.seconds


def _has_no_report() -> bool:
    proc = subprocess.run([*embedlab_command(), "grade", "--help"], capture_output=True, text=True)
    return "--no-report" in proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved floor/sandboxed rounds (15)")
    parser.add_argument("--no-class", action="store_true", help="skip the two 1,000-submission classes")
    args = parser.parse_args()
    load_before = uptime()
    row = judge_figures(args.rounds)
    with temp_folder("judge-speed") as scratch:
        row["check_loop_s"] = check_loop_seconds(scratch)
        if not args.no_class:
            row["class_1000_no_loops_s"] = class_seconds(scratch, 0.0)
            row["class_1000_1pct_loops_s"] = class_seconds(scratch, 0.01)
    row["load_before"], row["load_after"] = load_before, uptime()
    print_table([row], list(row), title="issue 12: judge speed and what loops cost")
    print(f"ratio {row['ratio']:.2f} (target <= 1.5); every function looping: {row['all_loop_s']:.1f} s (<= 5); "
          f"check on a looping merge_pair: {row['check_loop_s']:.1f} s (<= 3)")
    path = write_csv("judge_speed", [row], append=True)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main_guard(main)
