"""How long a student waits for ``embedlab check``, next to a plain pytest run of the same public cases.

    .venv/bin/python bench/check_latency.py [--quick] [--runs 7]

Three commands, each run once to warm the disk cache and bytecode (reported as ``first_s``), then
``--runs`` times (default 7, quick 3) in rotation, so a noisy moment of the machine hits all three
alike; the median and the spread (min, max) are reported in wall seconds of the whole process:
  check correct   ``embedlab check --path COPY``: a temporary copy of solutions/ as a student's
                  finished exercises/ (every public case passes, exit 0)
  check stubs     ``embedlab check --path COPY``: a temporary copy of the untouched stubs
                  (every case "not attempted", exit 1)
  pytest public   ``python -m pytest -q -p no:cacheprovider grader/cases/public`` against the
                  solutions (the cases' conftest default), the same public cases without the sandbox
Writes ``bench/results/check_latency.csv``. Target (reported): ``embedlab check`` under 1 s.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (MODULES, ROOT, BenchError, embedlab_command, main_guard, median, print_table,  # noqa: E402
                     require, run_measured, temp_folder, write_csv)


def copy_modules(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for module in MODULES:
        shutil.copy(source / f"{module}.py", target / f"{module}.py")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 runs each")
    parser.add_argument("--runs", type=int, help="timed runs per command (default 7, quick 3)")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 7)
    if runs < 1:
        raise BenchError("--runs must be at least 1")
    require(ROOT / "grader" / "student" / "check.py", "embedlab check has not landed yet")
    require(ROOT / "grader" / "cases" / "public", "the public cases have not landed yet")

    with temp_folder("check") as scratch:
        correct = copy_modules(ROOT / "solutions", scratch / "correct" / "exercises")
        stubs = copy_modules(ROOT / "exercises", scratch / "stubs" / "exercises")
        commands = {
            "check correct": ([*embedlab_command(), "check", "--path", str(correct)], scratch / "correct", {0}),
            "check stubs": ([*embedlab_command(), "check", "--path", str(stubs)], scratch / "stubs", {0, 1}),
            "pytest public": ([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "grader/cases/public"], ROOT, {0}),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        first: dict[str, float] = {}
        last_out: dict[str, str] = {}
        for round_ in range(runs + 1):
            for name, (argv, cwd, ok) in commands.items():
                run = run_measured(argv, cwd=cwd, timeout=300, measure_memory=False)
                if run.returncode not in ok:
                    tail = (run.stderr.strip() or run.stdout.strip() or "(no output)").splitlines()[-1]
                    raise BenchError(f"{name}: exit {run.returncode}, expected {sorted(ok)}: {tail}")
                if round_ == 0:
                    first[name] = run.seconds
                else:
                    times[name].append(run.seconds)
                last_out[name] = (run.stdout.strip().splitlines() or [""])[-1]
    rows = [{"command": name, "runs": runs, "median_s": median(times[name]), "min_s": min(times[name]),
             "max_s": max(times[name]), "first_s": first[name], "last_line": last_out[name][:80]}
            for name in commands]
    print_table(rows, ["command", "runs", "median_s", "min_s", "max_s", "first_s", "last_line"],
                title="wall seconds per command (median of runs after one warm-up)")
    worst = max(r["median_s"] for r in rows if r["command"].startswith("check"))
    pytest_s = next(r["median_s"] for r in rows if r["command"] == "pytest public")
    print(f"target embedlab check < 1 s: slowest median {worst:.2f} s -> {'met' if worst < 1 else 'NOT met'}; "
          f"pytest of the same public cases {pytest_s:.2f} s")
    path = write_csv("check_latency", rows)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main_guard(main)
