"""What a changed course file costs: rewriting every student's files from the store, not regrading.

    .venv/bin/python bench/course_policy.py [--sizes 200,1000] [--jobs 2]

For each class size N a synthetic class (bench/_class.py) is written with a course file beside it
(due date, late policy, extensions for a tenth of the class, submission times for everyone) and
graded four times by ``embedlab grade`` as a subprocess, into the same output folder:

  first        the first grading (every submission graded, the policy applied by the workers)
  unchanged    the same command again: nothing graded, nothing rewritten
  policy       the course file's weights and penalty changed: nothing graded, every student's
               results.json and feedback.md rewritten from the stored result
  force        ``--force`` with that policy: every submission graded again (what a policy change
               would cost if the policy were part of the grading key)

Reported per run: wall_s, the summary line's graded / reused counts, and ratio = wall_s / force's
wall_s (same N, same run of this script). Sanity: after "policy" the gradebook's final_score column
changed and its score column did not; "force" gives the same gradebook as "policy".
Writes ``bench/results/course_policy.csv``.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _class import make_class  # noqa: E402
from _common import (ROOT, BenchError, embedlab_command, main_guard, print_table, run_measured,  # noqa: E402
                     temp_folder, write_csv)
from _common import int_list as _int_list  # noqa: E402

COURSE = """\
timezone: Europe/Berlin
due: 2026-11-20 23:59
late: {{grace: 15m, penalty: {penalty}, per: day, cap: 50%}}
extensions:
{extensions}
weights: {{bpe: {bpe}, final: 20}}
submitted_at: times.csv
"""


def write_course(folder: Path, students: list[str], *, penalty: str, bpe: int) -> None:
    rng = random.Random(0)
    extended = students[::10]
    (folder / "course.yaml").write_text(COURSE.format(
        penalty=penalty, bpe=bpe, extensions="\n".join(f"  {s}: 2d" for s in extended) or "  {}"))
    lines = ["student,submitted_at"]
    for s in students:
        minutes = rng.randint(-3 * 24 * 60, 4 * 24 * 60)  # three days early to four days late
        day, rest = divmod(20 * 24 * 60 + 23 * 60 + 59 + minutes, 24 * 60)
        lines.append(f"{s},2026-11-{day:02d} {rest // 60:02d}:{rest % 60:02d}")
    (folder / "times.csv").write_text("\n".join(lines) + "\n")


def book(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        return {r["student"]: r for r in csv.DictReader(handle)}


def counts(stdout: str) -> tuple[int, int]:
    match = re.search(r"graded (\d+), reused (\d+)", " ".join(stdout.split()))
    if not match:
        raise BenchError(f"no summary line in: {stdout[:200]!r}")
    return int(match.group(1)), int(match.group(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_int_list, default=[200, 1000], help="class sizes (200,1000)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs for embedlab grade (2)")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    rows: list[dict] = []
    with temp_folder("course") as scratch:
        for n in args.sizes:
            root = scratch / f"n{n}"
            info = make_class(root / "class", n, loop_share=0.0)
            students = sorted(info.kinds)
            write_course(root, students, penalty="10%", bpe=48)
            out = root / "out"
            base = [*embedlab_command(), "grade", str(root / "class"), "--out", str(out), "--jobs", str(args.jobs)]
            runs = {}
            for name in ("first", "unchanged", "policy", "force"):
                if name == "policy":
                    before = book(out)
                    write_course(root, students, penalty="20%", bpe=60)
                argv = base + (["--force"] if name == "force" else [])
                run = run_measured(argv, cwd=root, timeout=args.timeout, measure_memory=False).check(
                    f"embedlab grade ({name}, N={n})")
                graded, reused = counts(run.stdout)
                runs[name] = run.seconds
                rows.append({"n": n, "run": name, "jobs": args.jobs, "wall_s": run.seconds, "graded": graded,
                             "reused": reused})
                print(f"N={n} {name}: {run.seconds:.1f} s (graded {graded}, reused {reused})", flush=True)
                if name == "policy":
                    after = book(out)
                    if any(after[s]["score"] != before[s]["score"] for s in students):
                        raise BenchError("a policy change changed a raw score")
                    changed = sum(after[s]["final_score"] != before[s]["final_score"] for s in students)
                    print(f"  final_score changed for {changed} of {n}; score for none", flush=True)
                    policy_book = after
                if name == "force" and book(out) != policy_book:
                    raise BenchError("regrading with --force gave another gradebook than the policy rewrite")
            for row in rows:
                if row["n"] == n:
                    row["ratio_to_force"] = row["wall_s"] / runs["force"]
    print_table(rows, ["n", "run", "jobs", "wall_s", "graded", "reused", "ratio_to_force"],
                title="\ncourse policy: rewrite vs regrade")
    path = write_csv("course_policy", rows)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main_guard(main)
