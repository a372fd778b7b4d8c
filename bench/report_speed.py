"""How long ``embedlab report`` takes for a class of 10,000 students, and how large the page is.

A synthetic graded folder (tests/report_folder.py: the real cases and quizzes, results drawn from a
logistic ability model, written with the grader's own writers) is built once, then the report is
built twice: cold (every feedback.html written) and warm (unchanged pages skipped). Targets: the
class report (report.html + items.csv) under 10 s, the page under 2 MB.
Results: bench/results/report_speed.csv.

    python bench/report_speed.py [--students 10000]
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    from report_folder import synthetic_class, write_folder

    from grader.report.build import build_report

    rows = []
    with tempfile.TemporaryDirectory(prefix="embedlab-report-bench-") as tmp:
        out = Path(tmp) / "out"
        started = time.monotonic()
        results, quizzes = synthetic_class(args.students)
        write_folder(out, results, quizzes, fast=True)
        del results
        print(f"synthetic folder of {args.students} students: {time.monotonic() - started:.1f} s", flush=True)
        for run, pages in (("class page only", False), ("with feedback pages, cold", True),
                           ("with feedback pages, warm", True)):
            started = time.monotonic()
            summary = build_report(out, feedback_pages=pages)
            seconds = time.monotonic() - started
            size = (out / "report.html").stat().st_size
            rows.append({"run": run, "students": args.students, "seconds": round(seconds, 2),
                         "report_bytes": size, "items_csv_bytes": (out / "items.csv").stat().st_size,
                         "feedback_pages_written": summary.feedback_written,
                         "target_seconds": 10, "target_bytes": 2_000_000})
            print(f"{run}: {seconds:.1f} s, report.html {size / 1e6:.2f} MB, "
                  f"{summary.feedback_written} feedback pages written", flush=True)
    print(f"-> {write_csv('report_speed', rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
