"""The mutation score of the graded cases: how many realistic wrong implementations they catch.

Every mutant of tests/mutants/catalogue.py (one function of the solutions with one mistake) runs
against the public and the hidden cases, in process; so does every alternative (a correct
implementation written differently), which must keep full marks. Prints one row per module
(mutants, caught by the public cases, caught overall) and writes
``bench/results/mutation_score.csv`` (one row per mutant and alternative).

    .venv/bin/python bench/mutation_score.py            # [--list] also prints every mutant
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import MODULES, ROOT, main_guard, print_table, write_csv

sys.path.insert(0, str(ROOT))


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every mutant with what caught it")
    args = parser.parse_args()

    from grader import casekit
    from tests.mutants import score_variant
    from tests.mutants.alternatives import ALTERNATIVES
    from tests.mutants.catalogue import MUTANTS

    started = time.monotonic()
    specs = casekit.collect_cases()
    ref = casekit.reference("solutions")
    max_score = sum(s.points for s in specs)
    mutants = [score_variant(m, specs, ref) for m in MUTANTS]
    alternatives = [score_variant(a, specs, ref) for a in ALTERNATIVES]
    seconds = time.monotonic() - started

    table, csv_rows = [], []
    for module in MODULES + ("all",):
        mine = [s for s in mutants if module in ("all", s.variant.module)]
        alts = [s for s in alternatives if module in ("all", s.variant.module)]
        caught = sum(s.caught for s in mine)
        table.append({"module": module, "mutants": len(mine), "public": sum(s.caught_by_public for s in mine),
                      "caught": caught, "score_%": 100.0 * caught / len(mine) if mine else 0.0,
                      "alternatives": len(alts), "full_marks": sum(s.full_marks for s in alts)})
    print_table(table, title=f"mutation score: {len(specs)} cases ({sum(not s.hidden for s in specs)} public), "
                              f"{max_score:g} points; {seconds:.1f} s")

    for score in mutants + alternatives:
        lost = sum(r.max_score - r.score for r in score.public + score.hidden)
        csv_rows.append({"kind": "alternative" if score.variant in ALTERNATIVES else "mutant",
                         "id": score.variant.id, "module": score.variant.module,
                         "function": score.variant.function,
                         "public_failed": sum(r.status != "passed" for r in score.public),
                         "hidden_failed": sum(r.status != "passed" for r in score.hidden),
                         "points_lost": lost, "description": score.variant.description})
    hidden_only = [s.variant.id for s in mutants if s.caught and not s.caught_by_public]
    missed = [s.variant.id for s in mutants if not s.caught]
    wrongly_failed = [s.variant.id for s in alternatives if not s.full_marks]
    print(f"\ncaught only by hidden cases ({len(hidden_only)}): {', '.join(hidden_only) or '-'}")
    print(f"not caught ({len(missed)}): {', '.join(missed) or '-'}")
    print(f"alternatives that lose points ({len(wrongly_failed)}): {', '.join(wrongly_failed) or '-'}")
    if args.list:
        print()
        print_table([{k: r[k] for k in ("kind", "id", "public_failed", "hidden_failed", "points_lost")}
                     for r in csv_rows])
    print(f"\nwrote {write_csv('mutation_score', csv_rows).relative_to(ROOT)}")


if __name__ == "__main__":
    main_guard(run)
