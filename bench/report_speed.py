"""How long ``embedlab report`` takes for a class of 10,000 students, and how large the page is.

A synthetic graded folder (tests/report_folder.py: the real cases and quizzes, results drawn from a
logistic ability model, written with the grader's own writers) is built once, then the report is
built three times: the class page only, then cold (every feedback.html written) and warm
(unchanged pages skipped). Wall time on a shared machine is noisy: CPU time, the load average and
the ratio to a baseline measured in the same run (decoding every stored result) are recorded too. Targets: the
class report (report.html + items.csv) under 10 s, the page under 2 MB.
Results: bench/results/report_speed.csv.

    python bench/report_speed.py [--students 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _common import write_csv  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--folder", type=Path, help="build the synthetic folder here and keep it (reused if it exists)")
    args = parser.parse_args()
    from report_folder import synthetic_class, write_folder

    from grader.report.build import build_report

    rows = []
    with tempfile.TemporaryDirectory(prefix="embedlab-report-bench-") as tmp:
        out = args.folder or Path(tmp) / "out"
        if not (out / "gradebook.csv").is_file():
            started = time.monotonic()
            results, quizzes = synthetic_class(args.students)
            write_folder(out, results, quizzes, fast=True)
            del results
            print(f"synthetic folder of {args.students} students: {time.monotonic() - started:.1f} s", flush=True)
        # baseline, same run: only decoding every stored result (the floor any report of the store has)
        import json
        import sqlite3
        started, cpu = time.monotonic(), time.process_time()
        with sqlite3.connect(out / "gradebook.db") as db:
            for _, text in db.execute("SELECT student, result FROM results"):
                json.loads(text)
        baseline, baseline_cpu = time.monotonic() - started, time.process_time() - cpu
        print(f"baseline (decode the store): {baseline:.1f} s, {baseline_cpu:.1f} s CPU", flush=True)
        for run, pages in (("class page only", False), ("with feedback pages, cold", True),
                           ("with feedback pages, warm", True)):
            started, cpu = time.monotonic(), time.process_time()
            summary = build_report(out, feedback_pages=pages)
            seconds, cpu = time.monotonic() - started, time.process_time() - cpu
            size = (out / "report.html").stat().st_size
            rows.append({"run": run, "students": args.students, "seconds": round(seconds, 2),
                         "cpu_seconds": round(cpu, 2), "ratio_to_baseline": round(seconds / baseline, 2),
                         "baseline_seconds": round(baseline, 2), "load_average_1min": round(os.getloadavg()[0], 1),
                         "report_bytes": size, "items_csv_bytes": (out / "items.csv").stat().st_size,
                         "feedback_pages_written": summary.feedback_written,
                         "target_seconds": 10, "target_bytes": 2_000_000})
            print(f"{run}: {seconds:.1f} s ({cpu:.1f} s CPU, {seconds / baseline:.1f} x baseline), report.html {size / 1e6:.2f} MB, "
                  f"{summary.feedback_written} feedback pages written", flush=True)
    print(f"-> {write_csv('report_speed', rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
