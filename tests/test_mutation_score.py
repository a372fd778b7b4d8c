"""The graded cases catch real mistakes and accept every correct way of writing the exercises.

* the reference solutions get full marks, and so does each base of the mutation catalogue put in
  place of its solution function (a mutant differs from its base by one mistake only);
* every mutant (tests/mutants/catalogue.py) loses points on the public and hidden cases, and the
  ones that only hidden cases catch are exactly ``catalogue.HIDDEN_ONLY``;
* every alternative (tests/mutants/alternatives.py), a correct implementation written differently,
  gets full marks;
* the untouched stubs of exercises/ get 0, every case "not attempted";
* no case ever breaks on the judge's side (outcome "error"), whatever a mutant returns.

Everything runs in process (InProcessBackend over trusted code). ``bench/mutation_score.py``
prints the same numbers as a table.
"""

from __future__ import annotations

import sys

import pytest

from grader import casekit
from grader.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))
from tests.mutants import Variant, package_sources, run_cases, score_variant  # noqa: E402
from tests.mutants.alternatives import ALTERNATIVES  # noqa: E402
from tests.mutants.base import BASE, base_source  # noqa: E402
from tests.mutants.catalogue import HIDDEN_ONLY, MUTANTS  # noqa: E402


@pytest.fixture(scope="module")
def specs(pytestconfig):
    casekit.register_markers(pytestconfig)
    return casekit.collect_cases()


@pytest.fixture(scope="module")
def ref():
    return casekit.reference("solutions")


@pytest.fixture(scope="module")
def mutant_scores(specs, ref):
    """Every mutant's score, computed once: public cases, and hidden ones when no public case failed."""
    return {m.id: score_variant(m, specs, ref, hidden="if-needed") for m in MUTANTS}


def _failed(results):
    return [f"{r.name} [{r.outcome}]: {r.message_public.splitlines()[-1] if r.message_public else ''}"
            for r in results if r.status != "passed"]


def test_catalogue_size():
    assert len(MUTANTS) >= 40
    assert len(ALTERNATIVES) >= 12
    assert len({m.id for m in MUTANTS}) == len(MUTANTS), "mutant ids must be unique"
    assert len({a.id for a in ALTERNATIVES}) == len(ALTERNATIVES), "alternative ids must be unique"
    covered = {(m.module, m.function) for m in MUTANTS}
    assert covered == set(BASE), f"functions without a mutant: {sorted(set(BASE) - covered)}"


def test_solutions_get_full_marks(specs, ref):
    results = run_cases({m: getattr(ref, m) for m in casekit.EXERCISE_MODULES}, specs, ref)
    assert not _failed(results)


@pytest.mark.parametrize("key", sorted(BASE), ids=lambda k: f"{k[0]}.{k[1]}")
def test_every_base_gets_full_marks(key, specs, ref):
    module, function = key
    score = score_variant(Variant(f"base.{function}", module, function, "the base", base_source(module, function)),
                          specs, ref)
    assert not _failed(score.public + score.hidden)


@pytest.mark.parametrize("alternative", ALTERNATIVES, ids=lambda v: v.id)
def test_every_alternative_gets_full_marks(alternative, specs, ref):
    score = score_variant(alternative, specs, ref)
    assert not _failed(score.public + score.hidden), alternative.description


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda v: v.id)
def test_every_mutant_loses_points(mutant, mutant_scores):
    score = mutant_scores[mutant.id]
    assert score.caught, f"{mutant.id} ({mutant.description}) gets full marks"
    assert not score.errors(), [f"{r.name}: {r.message_public}" for r in score.errors()]


def test_public_cases_catch_the_common_mistakes(mutant_scores):
    hidden_only = sorted(i for i, s in mutant_scores.items() if s.caught and not s.caught_by_public)
    print("\ncaught only by hidden cases:", ", ".join(hidden_only))
    newly_hidden = sorted(set(hidden_only) - HIDDEN_ONLY)
    now_public = sorted(HIDDEN_ONLY - set(hidden_only))
    assert not newly_hidden, f"no public case catches these any more (add one, or list in HIDDEN_ONLY): {newly_hidden}"
    assert not now_public, f"public cases now catch these: remove them from catalogue.HIDDEN_ONLY: {now_public}"
    public = sum(s.caught_by_public for s in mutant_scores.values())
    assert public >= 0.8 * len(mutant_scores)


def test_untouched_stubs_score_zero(specs, ref):
    if not all((PROJECT_ROOT / "exercises" / f"{m}.py").is_file() for m in casekit.EXERCISE_MODULES):
        pytest.skip("exercises/ has no stubs yet: run python -m grader.authoring.generate")
    modules = casekit.load_package_from_sources(dict(package_sources("exercises")))
    results = run_cases(modules, specs, ref)
    assert sum(r.score for r in results) == 0
    assert {r.outcome for r in results} == {"not_attempted"}
    assert {r.message_public for r in results} == {"not attempted"}
    assert {r.message_hidden for r in results} == {"not attempted"}
