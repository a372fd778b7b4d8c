"""How fast ``embedlab similarity`` checks a class: pairs per second and peak memory.

    .venv/bin/python bench/similarity_speed.py [--quick] [--sizes 100,1000] [--jobs 1,2]

For each size N a synthetic class is written by ``bench/_class.py`` (55 % the reference
solutions, 30 % with one or two wrong functions, the rest partial, stubs, crashing or looping;
every file carries the student's name in a comment). That is the *worst case* for this command:
nine students in ten hand in nearly the same code, so nearly every pair is flagged in every module
(millions of CSV rows at N = 1,000) and the comparison never stops early. A real class, where
most pairs share little, is faster.

Each run is ``embedlab similarity CLASS --out FRESH --jobs J`` as a subprocess; reported: wall
seconds, pairs of students per second, (pair, module) comparisons per second, flagged rows, and
the peak memory of the whole process tree (PSS: pages the forked workers share count once).
Writes ``bench/results/similarity_speed.csv``. Target (reported): N = 1,000 in minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _class import make_class  # noqa: E402
from _common import (BenchError, embedlab_command, int_list, main_guard, mib, print_table, run_measured,  # noqa: E402
                     temp_folder, write_csv)

SUMMARY = re.compile(r"compared (\d+) submissions \((\d+) pairs, (\d+) module comparisons\): (\d+) \(pair, module\) "
                     r"rows at similarity >= ([\d.]+), (\d+) pairs, (\d+) students")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 only")
    parser.add_argument("--sizes", type=int_list, help="class sizes (default 100,1000; quick 100)")
    parser.add_argument("--jobs", type=int_list, default=[1, 2], help="--jobs values to run (default 1,2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic class (0)")
    args = parser.parse_args()
    sizes = args.sizes or ([100] if args.quick else [100, 1000])
    try:
        import copydetect  # noqa: F401
    except ImportError:
        raise BenchError("needs the detector: pip install -e '.[similarity]'") from None

    rows = []
    with temp_folder("similarity") as scratch:
        for n in sizes:
            class_dir = scratch / f"class-{n}"
            info = make_class(class_dir, n, seed=args.seed)
            print(f"class of {n}: {info.describe()}", flush=True)
            for jobs in args.jobs:
                out = scratch / f"out-{n}-{jobs}"
                run = run_measured([*embedlab_command(), "similarity", str(class_dir), "--out", str(out),
                                    "--jobs", str(jobs)], timeout=3600).check(f"similarity N={n} --jobs {jobs}")
                found = SUMMARY.search(run.stdout)
                if not found:
                    raise BenchError(f"no summary line in the output of N={n}: {run.stdout[:200]!r}")
                students, pairs, comparisons, flagged, _, flagged_pairs, _ = (float(v) for v in found.groups())
                if int(students) != n:
                    raise BenchError(f"N={n}: only {int(students)} submissions compared")
                rows.append({"n": n, "jobs": jobs, "wall_s": round(run.seconds, 1),
                             "pairs": int(pairs), "pairs_per_s": round(pairs / run.seconds),
                             "comparisons_per_s": round(comparisons / run.seconds),
                             "flagged_rows": int(flagged), "flagged_pairs": int(flagged_pairs),
                             "peak_pss_mib": round(mib(run.peak_pss_tree)),
                             "peak_rss_mib": round(mib(run.peak_rss_tree)),
                             "csv_mib": round(mib((out / "similarity.csv").stat().st_size), 1),
                             "class": "bench/_class.py (worst case: mostly the same reference code)"})
                print_table(rows[-1:], [k for k in rows[-1] if k != "class"])
    print()
    print_table(rows, [k for k in rows[0] if k != "class"], title="embedlab similarity")
    target = write_csv("similarity_speed", rows, append=True)
    print(f"wrote {target}")


if __name__ == "__main__":
    main_guard(main)
