"""The class report (``embedlab report DIR``): numbers checked against results.json by independent
computation, hostile strings escaped, the per-student pages, errors as one line, and the example
class's report (graded for real) whose hardest concept is one the students really got wrong."""

from __future__ import annotations

import csv
import html.parser
import json
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.casekit import collect_cases
from grader.cli import main
from grader.paths import EXAMPLE_CLASS_DIR, PROJECT_ROOT
from grader.grading.results import SubmissionResult

sys.path.insert(0, str(Path(__file__).parent))
from report_folder import case, question, write_folder  # noqa: E402

HOSTILE_ID = "x<img src=1 onerror=alert(1)>"          # not a valid submission ID, but a gradebook can say anything
SCRIPT = "<script>alert('owned')</script><b onclick=x>bold</b>"


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def tags_of(text: str) -> list[tuple[str, list]]:
    parser = Tags()
    parser.feed(text)
    return parser.tags


@pytest.fixture(scope="module")
def specs():
    by_module = {}
    for s in collect_cases(include_hidden=True):
        by_module.setdefault(s.module, []).append(s)
    return by_module["bpe"][:3] + [s for s in by_module["lookup"] if s.hint][:1]


@pytest.fixture
def folder(tmp_path, specs):
    a, b, c, d = specs
    hint_output = f"wrong.\nhint:       {d.hint}" if d.hint else "wrong"

    def result(student, passes, *, outcome=None, output=None, answer="a", notes=(), error=None):
        r = SubmissionResult(student=student, notes=list(notes), error=error)
        for spec, ok in zip(specs, passes):
            r.tests.append(case(spec.name, spec.module, ok, points=float(spec.points), hidden=spec.hidden,
                                outcome=None if ok else (outcome or "wrong"),
                                output=None if ok else (output or hint_output)))
        r.tests.append(question("tokens", "name-the-algorithm", answer == "bpe", answer))
        return r

    results = [
        result("amy", [1, 1, 1, 1], answer="bpe"),
        result("ben", [1, 1, 0, 0], answer="wordpiece"),
        result("cat", [1, 0, 0, 0], outcome="timeout",
               output="stopped:    time limit exceeded: the case ran longer than its 5 s"),
        result(HOSTILE_ID, [0, 0, 0, 1], output=SCRIPT, answer=SCRIPT, notes=[f"<iframe src=//evil>{SCRIPT}"]),
        result("dan", [0, 0, 0, 0], error="no exercise files found"),
    ]
    return write_folder(tmp_path / "out", results, ["tokens"], skipped=[(".DS_Store", "neither a folder nor a .zip")])


def read_items(out: Path) -> dict[str, dict]:
    with open(out / "items.csv", newline="") as f:
        return {row["name"]: row for row in csv.DictReader(f)}


def test_numbers_equal_an_independent_count_from_results_json(folder, capsys):
    assert main(["report", str(folder)]) == 0
    assert "report: 4 of 5 students graded" in capsys.readouterr().out
    # independent: read every results.json plainly, keep the gradable students (extra_data status)
    scores = {}
    for path in sorted(folder.glob("*/results.json")):
        data = json.loads(path.read_text())
        if data["extra_data"]["status"] == "ok":
            scores[path.parent.name] = {t["name"]: (t["score"], t["max_score"]) for t in data["tests"]}
    assert len(scores) == 4
    names = list(next(iter(scores.values())))
    x = np.array([[scores[s][n][0] / scores[s][n][1] for n in names] for s in scores])
    points = np.array([scores[next(iter(scores))][n][1] for n in names])
    totals = x @ points
    items = read_items(folder)
    assert set(items) == set(names)
    for j, name in enumerate(names):
        row = items[name]
        assert float(row["difficulty_p"]) == pytest.approx(x[:, j].mean(), abs=1e-4)
        assert int(row["students"]) == 4
        rest = totals - x[:, j] * points[j]
        if np.ptp(x[:, j]) == 0 or np.ptp(rest) == 0:
            assert row["discrimination"] == "n/a"
        else:
            assert float(row["discrimination"]) == pytest.approx(np.corrcoef(x[:, j], rest)[0, 1], abs=1e-4)
    # the first case everyone gradable but the hostile one passed: p = 3/4
    assert float(items[names[0]]["difficulty_p"]) == 0.75
    quiz = items["quiz.tokens: name-the-algorithm"]
    assert quiz["kind"] == "quiz" and quiz["choices"] == "" and "wordpiece: 1" in quiz["wrong_answers"]


def test_hostile_strings_are_escaped_everywhere(folder):
    assert main(["report", str(folder)]) == 0
    pages = [folder / "report.html", *folder.glob("*/feedback.html")]
    assert len(pages) == 6
    for page in pages:
        text = page.read_text()
        tags = tags_of(text)
        assert {t for t, _ in tags} <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2",
                                         "h3", "p", "nav", "ul", "li", "a", "main", "section", "div", "b", "i",
                                         "table", "thead", "tbody", "tr", "th", "td", "span", "code", "pre",
                                         "footer", "svg", "br"} | _SVG_TAGS, page
        assert not [a for _, attrs in tags for a, _ in attrs if a.startswith("on")], page
        assert "<script" not in text and "<iframe" not in text and "<img" not in text
    report = (folder / "report.html").read_text()
    assert "x&lt;img src=1 onerror=alert(1)&gt;" in report
    hostile = (folder / HOSTILE_ID / "feedback.html").read_text()
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in hostile
    assert "&lt;iframe src=//evil&gt;" in hostile


_SVG_TAGS = {"defs", "style", "g", "path", "use", "clippath", "rect", "text", "tspan", "polyline", "line",
             "circle", "title", "desc", "metadata", "symbol"}


def test_attention_lists_every_kind_and_links_feedback(folder):
    assert main(["report", str(folder)]) == 0
    rows = {r["student"]: r for r in csv.DictReader(open(folder / "attention.csv", newline=""))}
    assert "time-out in bpe." in rows["cat"]["reasons"] and "time limit exceeded" in rows["cat"]["reasons"]
    assert rows["dan"]["reasons"].startswith("not gradable: no exercise files found")
    assert rows["cat"]["feedback"] == "cat/feedback.html"
    assert "amy" not in rows
    report = (folder / "report.html").read_text()
    assert '<a href="cat/feedback.html">cat</a>' in report


def test_feedback_page_puts_lost_points_first(folder, specs):
    assert main(["report", str(folder)]) == 0
    page = (folder / "ben" / "feedback.html").read_text()
    lost = page.index("Where points were lost")
    assert lost < page.index("Points per part") and specs[2].name in page[lost:page.index("Points per part")]
    assert "Score: " in page and f"{2 + 0:g}" in page
    # unchanged pages are not rewritten on a second run
    before = (folder / "ben" / "feedback.html").stat().st_mtime_ns
    assert main(["report", str(folder)]) == 0
    assert (folder / "ben" / "feedback.html").stat().st_mtime_ns == before


def test_page_is_self_contained(folder):
    assert main(["report", str(folder)]) == 0
    text = (folder / "report.html").read_text()
    for tag, attrs in tags_of(text):
        for name, value in attrs:
            if name in ("src", "href") and value:
                assert not value.startswith(("http:", "https:", "//")), (tag, name, value)
    assert "<link" not in text and "@import" not in text and "<svg" in text


def test_reads_columns_by_name_and_tolerates_extra_ones(folder):
    lines = (folder / "gradebook.csv").read_text().splitlines()
    lines = [lines[0] + ",later_column"] + [line + ",zz" for line in lines[1:]]
    (folder / "gradebook.csv").write_text("\n".join(lines) + "\n")
    assert main(["report", str(folder)]) == 0


def test_bad_input_is_one_line_and_exit_2(tmp_path, folder, capsys):
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    text = (folder / "gradebook.csv").read_text().splitlines()
    text[2] = text[2].replace(text[2].split(",")[1], "lots", 1)
    (folder / "gradebook.csv").write_text("\n".join(text) + "\n")
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gradebook.csv: line 3: score is 'lots', not a number" in err
    assert not (folder / "report.html").exists()


def test_missing_libraries_one_line_how_to_install(folder, monkeypatch, capsys):
    import grader.report as report
    monkeypatch.setattr(report, "missing_dependency", lambda: "matplotlib")
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'embedlab[report]'" in err
    from grader.cli import _report_after_grading
    _report_after_grading(folder)
    assert capsys.readouterr().err.strip() == "report skipped: pip install 'embedlab[report]'"
    assert not (folder / "report.html").exists()


# --- the example class, graded for real (shared with the browser test) ------------------------
@pytest.fixture(scope="module")
def example_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("example") / "out"
    assert main(["grade", str(EXAMPLE_CLASS_DIR), "--out", str(out), "--jobs", "2"]) == 0
    assert (out / "report.html").is_file()   # grade wrote it at the end
    return out


def test_example_class_hardest_concept_is_really_got_wrong(example_report):
    items = read_items(example_report)
    page = (example_report / "report.html").read_text()
    first = page.index('<tr class="concept">')
    hardest = page[first:].split("<td colspan=\"2\">", 1)[1].split("<", 1)[0]
    rows = [r for r in items.values() if r["kind"] == "case" and r["concept"] == hardest]
    kinds = " ".join(r["failure_kinds"] for r in rows)
    # failures by students who tried (wrong, raised, crashed, memory, timeout), not only stubs left alone
    assert any(k in kinds for k in ("wrong:", "raised:", "memory:", "timeout:", "crashed:")), (hardest, kinds)
    # the quiz answers were kept: choices counted for a choice question
    choice_rows = [r for r in items.values() if r["kind"] == "quiz" and r["choices"]]
    assert choice_rows


def test_report_does_not_need_the_checkout_to_have_a_display(example_report):
    # matplotlib's SVG backend: no DISPLAY, no GUI toolkit was needed to draw the plots
    assert (example_report / "report.html").read_text().count("<svg") >= 3


def test_answers_are_kept_normalised_for_counting():
    from grader.quiz import answer_text, load_quizzes
    from grader.paths import QUIZZES_DIR

    questions = {q.type: q for quiz in load_quizzes(QUIZZES_DIR) for q in quiz.questions}
    single, numeric = questions["single"], questions["numeric"]
    assert answer_text(single, "B") == answer_text(single, ["b"]) == answer_text(single, "(b)") == "b"
    assert answer_text(numeric, "51,200,000") == answer_text(numeric, "51.2 million") == "51200000"
    assert answer_text(numeric, None) is None and answer_text(numeric, "  ") is None
    assert answer_text(single, {"a": 1}) == "{'a': 1}"          # unreadable: shown, never crashes the JSON


def test_wrong_text_answers_are_listed_with_counts(folder):
    assert main(["report", str(folder)]) == 0
    page = (folder / "report.html").read_text()
    table = page[page.index("most frequent wrong answers"):]
    assert "<code>wordpiece</code></td><td class=\"n\">1</td>" in table
