"""``embedlab grade --explain-limits``: every case's time limit and how it was derived."""

from __future__ import annotations

from typing import Any


def explain_limits(limits: Any, *, console: Any) -> int:
    """Measure the reference's time of every case here (as ``grade`` does), print the table; 0."""
    from rich.markup import escape
    from rich.table import Table

    from grader.grading.engine import class_time_limits

    case_limits, _ = class_time_limits(limits)
    console.print(escape(case_limits.headline()), soft_wrap=True)
    console.print(f"a case's limit bounds its calls of the student's code together; a function that runs out "
                  f"of time is not run again in that submission; {limits.submission_seconds:g} s per submission "
                  f"(--submission-seconds) is the backstop", soft_wrap=True)
    table = Table(box=None, padding=(0, 1))
    for column, justify in (("case", "left"), ("reference ms", "right"), ("x factor s", "right"),
                            ("limit s", "right"), ("from", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    rows = case_limits.rows()
    for row in rows:
        ref = "" if row["reference_ms"] is None else f"{row['reference_ms']:.3f}"
        scaled = "" if row["scaled_s"] is None else f"{row['scaled_s']:.3f}"
        table.add_row(escape(row["case"]), ref, scaled, f"{row['limit_s']:.2f}", row["rule"])
    console.print(table)
    by_rule: dict[str, int] = {}
    for row in rows:
        by_rule[row["rule"]] = by_rule.get(row["rule"], 0) + 1
    total = sum(r["limit_s"] for r in rows)
    console.print(f"{len(rows)} cases: " + ", ".join(f"{n} from the {rule}" for rule, n in sorted(by_rule.items()))
                  + f"; all limits together {total:.1f} s", soft_wrap=True)
    return 0
