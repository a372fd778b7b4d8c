"""The automated mutation analysis stays true: every survivor is recorded as equivalent, with a reason.

``bench/mutation_cosmic.py`` grades all ~900 mutants (a few minutes); CI cannot afford that on
every run, so this test checks the committed results instead, and re-runs what matters:

* the mutants generated now are exactly the ones in ``bench/results/mutation_cosmic_mutants.csv``
  (a changed solution, operator or generator makes the committed results stale: re-run the bench);
* the survivors there are exactly the mutants ``tests/mutants/equivalent.yaml`` records, each with
  a reason and the fingerprint of the very change that was reviewed;
* every recorded equivalent still keeps full marks (re-graded here: if a new case kills one, it was
  not equivalent, or the case demands more than the docstring), and a fixed sample of the killed
  mutants is still killed;
* our student-mistake operators rewrite code as they claim to.
"""

from __future__ import annotations

import csv
import sys

import pytest

from grader import casekit
from grader.paths import PROJECT_ROOT, STUDENT_FUNCTIONS

sys.path.insert(0, str(PROJECT_ROOT))
from tests.mutants import cosmic  # noqa: E402

RESULTS = PROJECT_ROOT / "bench" / "results"
SAMPLE = 24                      # killed mutants re-graded on every run (about 0.1 s each)


def _rows(name: str) -> list[dict]:
    path = RESULTS / f"{name}.csv"
    if not path.is_file():
        pytest.fail(f"{path.relative_to(PROJECT_ROOT)} is missing: run python bench/mutation_cosmic.py")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def mutants() -> dict[str, cosmic.Mutant]:
    return {m.id: m for m in cosmic.generate()}


@pytest.fixture(scope="module")
def graded(pytestconfig):
    casekit.register_markers(pytestconfig)
    specs, ref = casekit.collect_cases(), casekit.reference("solutions")
    return lambda mutant: cosmic.grade(mutant, specs, ref)


def test_ids_are_unique_and_every_operator_kind_is_used(mutants) -> None:
    assert len(mutants) > 500
    used = {m.operator for m in mutants.values()}
    assert set(cosmic.STUDENT_OPERATORS) <= used, sorted(set(cosmic.STUDENT_OPERATORS) - used)
    assert all(m.function in STUDENT_FUNCTIONS[m.module] for m in mutants.values())


def test_committed_results_are_for_these_mutants(mutants) -> None:
    committed = {r["id"] for r in _rows("mutation_cosmic_mutants")}
    assert committed == set(mutants), (
        "bench/results/mutation_cosmic_mutants.csv is stale (re-run python bench/mutation_cosmic.py): "
        f"new {sorted(set(mutants) - committed)[:5]}, gone {sorted(committed - set(mutants))[:5]}")


def test_every_survivor_is_a_recorded_equivalent(mutants) -> None:
    equivalents = cosmic.load_equivalents()
    survivors = {r["id"]: r for r in _rows("mutation_cosmic_survivors")}
    unexplained = sorted(set(survivors) - set(equivalents))
    assert not unexplained, f"survivors neither killed nor recorded as equivalent: {unexplained}"
    stale = sorted(set(equivalents) - set(survivors))
    assert not stale, f"recorded as equivalent but killed now (remove them): {stale}"
    for mutant_id, entry in equivalents.items():
        assert mutant_id in mutants, f"{mutant_id}: recorded as equivalent but no longer generated"
        assert entry.get("reason", "").strip(), f"{mutant_id}: no reason given"
        assert entry.get("fingerprint") == cosmic.fingerprint(mutants[mutant_id]), (
            f"{mutant_id}: the change is not the one reviewed ({cosmic.describe(mutants[mutant_id])}); review it again")


def test_recorded_equivalents_still_keep_full_marks(mutants, graded) -> None:
    killed = []
    for mutant_id in sorted(cosmic.load_equivalents()):
        verdict = graded(mutants[mutant_id])
        if verdict.killed:
            killed.append(f"{mutant_id}: {verdict.first_failure}")
    assert not killed, f"recorded as equivalent, but a case kills them: {killed}"


def test_a_sample_of_killed_mutants_is_still_killed(mutants, graded) -> None:
    killed = sorted(r["id"] for r in _rows("mutation_cosmic_mutants") if r["status"] == "killed")
    step = max(1, len(killed) // SAMPLE)
    survived = [i for i in killed[::step][:SAMPLE] if not graded(mutants[i]).killed]
    assert not survived, f"killed in the committed run, not any more: {survived}"


@pytest.mark.parametrize("operator,code,expected", [
    ("StudentWrongAxis", "y = np.sum(x, axis=-1)\n", ["y = np.sum(x, axis=0)\n"]),
    ("StudentDropKeepdims", "y = np.max(x, axis=1, keepdims=True)\n", ["y = np.max(x, axis=1, keepdims=False)\n"]),
    ("StudentMeanSum", "y = np.mean(rows, axis=0)\n", ["y = np.sum(rows, axis=0)\n"]),
    ("StudentForgetShift", "z = np.exp(x - np.max(x))\n", ["z = np.exp(x)\n"]),
    ("StudentDropCopy", "e = p.copy()\n", ["e = p\n"]),
    ("StudentRebind", "W -= lr * g\n", ["W = W - (lr * g)\n"]),
    ("StudentSwapArgs", "g = np.outer(e, v)\n", ["g = np.outer(v, e)\n"]),
    ("StudentRangeOffByOne", "for j in range(a, b):\n    pass\n",
     ["for j in range(a, (b) + 1):\n    pass\n", "for j in range(a, (b) - 1):\n    pass\n"]),
    ("StudentTieBreakLast", "best = max(counts, key=counts.get)\n",
     ["best = max(reversed(list(counts)), key=counts.get)\n"]),
    ("StudentSkipNormalise", "s = unit_rows(A) @ B\n", ["s = A @ B\n"]),
    ("StudentDropCondition", "if a or b:\n    pass\n", ["if a:\n    pass\n", "if b:\n    pass\n"]),
])
def test_student_operators(operator: str, code: str, expected: list[str]) -> None:
    op = cosmic.STUDENT_OPERATORS[f"student/{operator}"]()
    got = []
    for occurrence in range(len(expected) + 1):
        mutated = cosmic.mutate_code(code, op, occurrence)
        if mutated is None:
            break
        got.append(mutated)
    assert got == expected
