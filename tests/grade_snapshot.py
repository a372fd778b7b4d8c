"""Scores of the example class and of every mutant and correct variant, graded through the real
sandbox: ``tests/data/grade_snapshot.json`` holds them as they were before per-case time limits
(issue 12), and ``tests/test_grade_snapshot.py`` checks that they have not changed.

    python tests/grade_snapshot.py            # print the snapshot of this checkout as JSON

The snapshot keeps, per submission, its score and the names of its failed cases.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def example_class() -> dict[str, dict]:
    """student -> {"score", "failed"} for examples/class, graded by grade_class (quizzes included)."""
    from grader.grading.engine import grade_class
    from grader.sandbox import Limits

    with tempfile.TemporaryDirectory(prefix="embedlab-snapshot-") as scratch:
        out = Path(scratch) / "out"
        grade_class(ROOT / "examples" / "class", out, jobs=2, limits=Limits())
        with open(out / "gradebook.csv", newline="") as handle:
            rows = {row["student"]: row for row in csv.DictReader(handle)}
        found = {}
        for student in rows:
            data = json.loads((out / student / "results.json").read_text())
            found[student] = {"score": round(float(data["score"]), 6),
                              "failed": sorted(t["name"] for t in data["tests"] if t["status"] != "passed")}
        return found


def variants() -> dict[str, dict]:
    """variant id -> {"score", "failed"}: each mutant and alternative in place of its solution
    function, graded by one sandboxed Judge (no quizzes)."""
    from grader.grading.engine import Judge, paths_to_hide
    from grader.sandbox import Limits
    from grader.grading.submission import Submission
    from tests.mutants import package_sources, replace_function
    from tests.mutants.alternatives import ALTERNATIVES
    from tests.mutants.catalogue import MUTANTS

    found = {}
    judge = Judge(Limits(), paths_to_hide([]), quizzes=False)
    try:
        for variant in [*MUTANTS, *ALTERNATIVES]:
            sources = dict(package_sources())
            sources[variant.module] = replace_function(sources[variant.module], variant.function, variant.source)
            result = judge.grade(Submission(student="variant", origin="variant", modules=sources))
            found[variant.id] = {"score": round(sum(t.score for t in result.tests), 6),
                                 "failed": sorted(t.name for t in result.tests if t.status != "passed")}
    finally:
        judge.close()
    return found


def snapshot() -> dict:
    return {"example_class": example_class(), "variants": variants()}


if __name__ == "__main__":
    json.dump(snapshot(), sys.stdout, indent=1, sort_keys=True)
    print()
