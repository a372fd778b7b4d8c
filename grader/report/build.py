"""``embedlab report DIR``: the class report of a graded folder, written in these steps:

1. ``read_gradebook``   -- gradebook.csv (who, status, scores) and skipped.csv; a malformed file
                           stops here, before anything is written.
2. ``student_results``  -- each student's tests, one student at a time, into ``ClassAnalysis``;
                           ``DIR/<student>/feedback.html`` is written as each student is read
                           (rewritten only when it changes, so a re-run touches few files).
3. ``finish``           -- difficulty and discrimination of every item, concepts hardest first.
4. ``items.csv``, ``attention.csv``, then ``report.html``, each atomic: a crash leaves the old
                           report whole, and a report.html on disk always has its CSVs beside it.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from ..fsutil import atomic_write_text, spreadsheet_csv
from ..overlap.section import read_section
from . import require_report_libraries, stats
from .analysis import ClassAnalysis, Item
from .collect import GradebookLine, GradedFolder, StudentResult, module_parts, read_gradebook, student_results

REPORT_NAME = "report.html"
ITEMS_NAME = "items.csv"
ATTENTION_NAME = "attention.csv"
FEEDBACK_NAME = "feedback.html"
#: rows of "needs attention" on the page; attention.csv always has all of them
MAX_ATTENTION_ROWS = 500
ITEM_COLUMNS = ("kind", "name", "part", "function", "concept", "hidden", "points", "students", "difficulty_p",
                "discrimination", "passed", "failed", "hint_shown", "failure_kinds", "choices", "wrong_answers",
                "unanswered")


@dataclass
class ReportSummary:
    students: int = 0
    gradable: int = 0
    attention: int = 0
    items: int = 0
    feedback_written: int = 0
    seconds: float = 0.0
    hardest: str = ""
    files: list[Path] = field(default_factory=list)


def build_report(out: Path, *, feedback_pages: bool = True, progress=None) -> ReportSummary:
    """Write ``out/report.html``, ``out/items.csv`` (and ``attention.csv``, ``<student>/feedback.html``).

    ``progress(done, total)`` is called as students are read (the CLI draws a bar with it).
    """
    require_report_libraries()
    started = time.monotonic()
    out = Path(out)
    folder = read_gradebook(out)                                    # step 1
    analysis = ClassAnalysis(folder, _case_specs(), _quizzes())
    env = _environment()
    feedback_template = env.get_template("feedback.html")
    summary = ReportSummary(students=len(folder.lines))
    lines = {line.student: line for line in folder.lines}
    for done, got in enumerate(student_results(folder), start=1):   # step 2
        if isinstance(got, tuple):
            analysis.add(lines[got[0]], None, got[1])
        else:
            line = lines[got.student]
            analysis.add(line, got)
            if feedback_pages:
                got = _student_view(out, got)
                page = feedback_template.render(**feedback_context(line, got, folder))
                summary.feedback_written += _write_if_changed(out / got.student / FEEDBACK_NAME, page)
        if progress:
            progress(done, len(folder.lines))
    analysis.finish()                                               # step 3
    summary.gradable = len(analysis.students)
    summary.attention = len(analysis.attention)
    summary.items = len(analysis.items)
    summary.hardest = analysis.concepts[0].name if analysis.concepts else ""
    atomic_write_text(out / ITEMS_NAME, items_csv(analysis))        # step 4
    atomic_write_text(out / ATTENTION_NAME, spreadsheet_csv(
        [("student", "reasons", "feedback")] + [(a.student, "; ".join(a.reasons), a.link or "")
                                                for a in analysis.attention]))
    page = env.get_template("report.html").render(**report_context(analysis, folder))
    atomic_write_text(out / REPORT_NAME, page)
    summary.files = [out / REPORT_NAME, out / ITEMS_NAME, out / ATTENTION_NAME]
    summary.seconds = time.monotonic() - started
    return summary


def _case_specs() -> dict:
    """The grader's cases by test name: their concept and hint (the results keep only the name)."""
    from ..casekit import collect_cases

    return {spec.name: spec for spec in collect_cases(include_hidden=True)}


def _quizzes() -> list:
    from ..paths import QUIZZES_DIR
    from ..quiz import load_quizzes

    return load_quizzes(QUIZZES_DIR) if QUIZZES_DIR.is_dir() else []


def _environment():
    import jinja2

    # autoescape on for every template: IDs, outputs and answers come from submissions
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["stat"] = stats.shown
    env.filters["pct"] = lambda v: "n/a" if v is None or not math.isfinite(v) else f"{100 * v:.0f} %"
    env.filters["num"] = lambda v: "n/a" if v is None or not math.isfinite(v) else f"{v:g}" if v == round(v, 1) else f"{v:.1f}"
    return env


def _write_if_changed(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return 0
    except OSError:
        pass
    # rebuilt from the store by every report: atomic, but not fsynced one by one (see fsutil)
    atomic_write_text(path, text, durable=False)
    return 1


# --- the CSV ------------------------------------------------------------------------------------
def items_csv(analysis: ClassAnalysis) -> str:
    """One row per case and quiz question: what the page's tables show, for a spreadsheet."""
    rows: list[tuple] = [ITEM_COLUMNS]
    for item in analysis.items:
        failed = sum(item.outcomes.values())
        rows.append((item.kind, item.name, item.part, item.function, item.concept, "yes" if item.hidden else "no",
                     item.points, item.n, _csv_stat(item.p), _csv_stat(item.discrimination), item.n - failed
                     if item.n else 0, failed, item.hints_shown, _counts(item.outcomes),
                     _counts(item.choice_counts), _counts(item.wrong_answers), item.unanswered))
    return spreadsheet_csv(rows)


def _csv_stat(value: float) -> object:
    return round(value, 4) if math.isfinite(value) else "n/a"


def _counts(counter: Counter) -> str:
    return "; ".join(f"{k}: {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))


# --- the page -----------------------------------------------------------------------------------
def report_context(analysis: ClassAnalysis, folder: GradedFolder) -> dict:
    from markupsafe import Markup

    from . import plots

    gradable = [line for line in folder.lines if line.gradable]
    percents = [line.percent for line in gradable]
    modules = module_parts(folder)
    module_percents = [np.array([100 * line.parts.get(m, 0.0) / analysis.part_max[m] if analysis.part_max.get(m)
                                 else 0.0 for line in gradable]) for m in modules]
    figures = dict.fromkeys(("scores", "modules", "concepts"))  # the template asks for each, even in a class of errors
    if gradable:
        figures["scores"] = Markup(plots.score_histogram(percents))
        if modules:
            figures["modules"] = Markup(plots.module_boxes(modules, module_percents))
    if analysis.concepts and gradable:
        figures["concepts"] = Markup(plots.concept_bars([c.name for c in analysis.concepts],
                                                        [c.p_attempted for c in analysis.concepts]))
    quizzes = {}
    for item in analysis.quiz_items():
        quizzes.setdefault(item.part, []).append(item)
    finals = [line.final for line in gradable if line.final is not None]
    return {
        "version": __version__,
        "folder": folder.out.resolve().name,
        "rows": len(folder.lines),
        "gradable": len(gradable),
        "not_gradable": [line for line in folder.lines if not line.gradable],
        "skipped": folder.skipped,
        "score": stats.describe(percents),
        "points": stats.describe([line.score for line in gradable]),
        "max_score": max((line.max_score for line in gradable), default=0.0),
        "final": stats.describe(finals) if folder.has_final and finals else None,
        "module_stats": [(m, analysis.part_max.get(m, 0.0), stats.describe(v)) for m, v in zip(modules, module_percents)],
        "figures": figures,
        "concepts": analysis.concepts,
        "functions": analysis.functions(),
        "quizzes": quizzes,
        "top_wrong": {item.name: item.wrong_answers.most_common(5) for item in analysis.quiz_items()},
        "attention": analysis.attention[:MAX_ATTENTION_ROWS],
        "attention_total": len(analysis.attention),
        "answers_missing": analysis.answers_missing,
        "from_results_json": analysis.from_results_json,
        "similarity": read_section(folder.out),   # embedlab similarity's CSV in the same folder, if any
    }


#: visibilities under which Gradescope may hide a test from the student (results.json, course policy)
_WITHHELD = (b'"after_due_date"', b'"after_published"', b'"hidden"')


def _student_view(out: Path, result: StudentResult) -> StudentResult:
    """The student's page shows only the tests their ``results.json`` marks ``visible``.

    The store holds every test; a course policy (docs/course.md) may hold back hidden cases and the
    graded quiz's explanations until the due date. feedback.md already holds only what the student
    may see *now*; the page is stricter still and leaves out every test not marked ``visible``
    (it never guesses the clock), saying how many were left out. Without a course policy every test
    is visible and nothing changes. A byte search first keeps a class of 10,000 fast.
    """
    try:
        data = (out / result.student / "results.json").read_bytes()
    except OSError:
        return result
    if not any(marker in data for marker in _WITHHELD):
        return result
    import json

    try:
        shown = {t.get("name"): t.get("visibility", "visible") for t in json.loads(data).get("tests", [])}
    except (ValueError, AttributeError):
        return result
    kept = [t for t in result.tests if shown.get(t["name"], "visible") == "visible"]
    if len(kept) == len(result.tests):
        return result
    from dataclasses import replace

    view = replace(result, tests=kept)
    view.withheld = len(result.tests) - len(kept)
    return view


def feedback_context(line: GradebookLine, result: StudentResult, folder: GradedFolder) -> dict:
    """feedback.md's content for one student, lost points first."""
    groups: dict[str, list] = {}
    not_attempted: dict[str, float] = {}
    parts: dict[str, list[float]] = {}
    passed = 0
    for t in result.tests:   # one pass: a class of 10,000 has 1.9 million tests
        score, max_score = t["score"], t["max_score"]
        totals = parts.get(t.get("part", ""))
        if totals is None:
            totals = parts[t.get("part", "")] = [0.0, 0.0]
        totals[0] += score
        totals[1] += max_score
        if t["status"] == "passed":
            passed += 1
        elif t.get("outcome") == "not_attempted":
            key = t["name"].split(":")[0]
            not_attempted[key] = not_attempted.get(key, 0.0) + max_score - score
        else:   # one cause (a file that did not load) fails many cases: say it once
            groups.setdefault(t.get("output", "").strip(), []).append(t)
    lost = sorted(((sum(t["max_score"] - t["score"] for t in tests), output, tests)
                   for output, tests in groups.items()), key=lambda g: -g[0])
    return {
        "student": line.student, "line": line, "result": result, "lost": lost,
        "not_attempted": sorted(not_attempted.items(), key=lambda kv: -kv[1]),
        "parts": [(p, parts[p][0], parts[p][1]) for p in folder.parts if p in parts]
                 + [(p, v[0], v[1]) for p, v in parts.items() if p not in folder.parts],
        "passed": passed, "total": len(result.tests), "withheld": getattr(result, "withheld", 0),
        "visible_score": sum(v[0] for v in parts.values()), "visible_max": sum(v[1] for v in parts.values()),
        "version": __version__,
    }
