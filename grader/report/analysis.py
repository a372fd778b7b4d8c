"""What the report says, computed from the graded folder: the class at a glance, item analysis of
the cases and quiz questions, and the students who need attention.

The class is read one student at a time (:class:`ClassAnalysis.add`): a class of 10,000 keeps only a
students x items matrix of scores (15 MB of float64 for 190 items), never 10,000 parsed results.

Who counts where:
- the class at a glance counts every gradebook row; the score plots and statistics use the
  *gradable* students (status ``ok``): a submission that could not be graded has no score to show;
- item analysis uses the gradable students too, scores as a share of each item's points;
- a student not gradable, or missing a result, is listed under "needs attention" instead.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..paths import EXERCISE_MODULES
from . import stats
from .collect import GradebookLine, GradedFolder, StudentResult, Test

#: failures an instructor should hear about one by one (the student's code misbehaved, not just erred)
INCIDENTS = {"timeout": "time-out", "memory": "memory limit", "crashed": "crash"}
#: the wrong answers (numeric and text questions) listed per question
TOP_WRONG = 5
_QUIZ_NAME = re.compile(r"quiz\.(?P<quiz>[^:]+): (?P<question>.+)\Z")


@dataclass
class Item:
    """One case or quiz question, with its statistics once :meth:`ClassAnalysis.finish` ran."""

    name: str
    kind: str                      # "case" | "quiz"
    part: str                      # module or quiz id
    function: str                  # "bpe.train_bpe" (cases) or the quiz id
    title: str                     # the case title or the question id
    concept: str                   # the lesson's idea it checks ("" for quiz questions without topic)
    hint: str | None = None
    hidden: bool = False
    points: float = 0.0
    p: float = math.nan            # difficulty: share of the class that passed
    discrimination: float = math.nan
    n: int = 0
    hints_shown: int = 0           # students who were shown this case's hint
    outcomes: Counter = field(default_factory=Counter)   # failure kinds: wrong, raised, timeout, ...
    # quiz questions
    qtype: str = ""
    prompt: str = ""
    choices: list = field(default_factory=list)          # [(id, text, feedback, correct)]
    choice_counts: Counter = field(default_factory=Counter)
    wrong_answers: Counter = field(default_factory=Counter)
    wrong_feedback: dict = field(default_factory=dict)   # answer -> the misconception feedback it got
    unanswered: int = 0
    invalid: int = 0
    answers_recorded: int = 0

    @property
    def attempted(self) -> int:
        """Graded students who tried it: not a stub's ``NotImplementedError``, not a missing file."""
        return self.n - self.outcomes["not_attempted"] - self.outcomes["missing"]

    @property
    def p_attempted(self) -> float:
        """The share passed among the students who :attr:`attempted` it (``nan`` if nobody did)."""
        return self.n * self.p / self.attempted if self.attempted > 0 else math.nan


@dataclass
class Concept:
    name: str
    items: list[Item]
    p: float                       # share of the concept's points the class earned
    p_attempted: float             # the same among the attempts: what those who tried got right
    top_hint: str | None
    top_hint_count: int

    @property
    def functions(self) -> list[str]:
        return sorted({i.function for i in self.items})


@dataclass
class Attention:
    student: str
    reasons: list[str]
    link: str | None               # feedback.html, relative to report.html


class ClassAnalysis:
    """Everything the report shows, added up student by student."""

    def __init__(self, folder: GradedFolder, cases: dict, quizzes: list) -> None:
        self.folder = folder
        self.cases = cases                           # test name -> CaseSpec
        self.quizzes = {q.id: q for q in quizzes}
        self.items: list[Item] = []
        self.index: dict[str, int] = {}
        self.rows: list[tuple[np.ndarray, np.ndarray]] = []   # per gradable student: (item columns, fractions)
        self.students: list[str] = []                          # gradable students, in row order
        self.part_max: dict[str, float] = {}
        self.attention: list[Attention] = []
        self.answers_missing = 0                               # quiz tests stored before answers were kept
        self.from_results_json = 0
        self.concepts: list[Concept] = []
        self._layout: list[str] | None = None     # the test names of the last student (see _add_scores)
        self._columns = np.zeros(0, dtype=np.int64)
        self._watch: list[int] = []

    # --- reading --------------------------------------------------------------------------------
    def item(self, test: Test) -> Item:
        column = self.index.get(test["name"])
        if column is not None:
            return self.items[column]
        item = self._new_item(test)
        self.index[test["name"]] = len(self.items)
        self.items.append(item)
        return item

    def _new_item(self, test: Test) -> Item:
        quiz = _QUIZ_NAME.match(test["name"])
        if quiz and (quiz["quiz"] in self.quizzes or test.get("part", "") not in EXERCISE_MODULES):
            item = Item(test["name"], "quiz", quiz["quiz"], quiz["quiz"], quiz["question"], "", points=test["max_score"])
            q = self._question(quiz["quiz"], quiz["question"])
            if q is not None:
                item.qtype, item.prompt, item.concept = q.type, q.prompt, q.topic or ""
                right = _right_choices(q)
                item.choices = [(c.id, c.text, c.feedback, c.id in right) for c in q.choices]
            return item
        module, _, rest = test["name"].partition(".")
        function, _, title = rest.partition(": ")
        spec = self.cases.get(test["name"])
        concept = spec.concept if spec is not None and spec.concept else f"{module}.{function}"
        return Item(test["name"], "case", test.get("part", "") or module, f"{module}.{function}", title or test["name"], concept,
                    hint=spec.hint if spec is not None else None, hidden=bool(test.get("hidden", False)), points=test["max_score"])

    def _question(self, quiz_id: str, question_id: str):
        quiz = self.quizzes.get(quiz_id)
        if quiz is None:
            return None
        try:
            return quiz.question(question_id)
        except KeyError:
            return None

    def add(self, line: GradebookLine, result: StudentResult | None, why_missing: str = "") -> None:
        """Count one student: into the item analysis if gradable, into "needs attention" if anything is off."""
        reasons: list[str] = []
        if not line.gradable:
            reasons.append(f"not gradable: {line.status[len('error: '):] if line.status.startswith('error: ') else line.status}")
        if result is None:
            reasons.append(f"no result: {why_missing}")
            self.attention.append(Attention(line.student, reasons, None))
            return
        if result.source != "gradebook.db":
            self.from_results_json += 1
        if line.gradable:
            self._add_scores(result.tests)
            self.students.append(line.student)
            zero = [m for m in EXERCISE_MODULES if self.part_max.get(m, 0) > 0 and line.parts.get(m, 0.0) == 0.0]
            if zero:
                reasons.append(f"0 points on {', '.join(zero)}")
        reasons += _incidents(result.tests)
        if not result.sandboxed:
            reasons.append("graded WITHOUT the sandbox")
        if reasons:
            self.attention.append(Attention(line.student, reasons, f"{line.student}/feedback.html"))

    def _add_scores(self, tests: list[Test]) -> None:
        """One row of the score matrix, and the counts of what went wrong.

        Nearly every student has the same tests in the same order (the same cases and quizzes):
        the columns are worked out once per such layout, and only failed tests and quiz answers are
        looked at one by one. A class of 10,000 has 1.9 million tests; most passed.
        """
        names = [t["name"] for t in tests]
        if names != self._layout:
            for t in tests:
                item = self.item(t)
                item.points = max(item.points, t["max_score"])
            self._layout = names
            self._columns = np.array([self.index[n] for n in names], dtype=np.int64)
            self._watch = [k for k, n in enumerate(names) if self.items[self.index[n]].kind == "quiz"]
            self._part_max(tests)
        scores = np.array([t["score"] for t in tests], dtype=float)
        maxes = np.array([t["max_score"] for t in tests], dtype=float)
        fractions = np.zeros(len(tests))
        np.divide(scores, maxes, out=fractions, where=maxes > 0)
        for k in np.flatnonzero(maxes <= 0):   # an item worth nothing: passed or not
            fractions[k] = 1.0 if tests[k]["status"] == "passed" else 0.0
        self.rows.append((self._columns, np.clip(fractions, 0.0, 1.0)))
        watch = set(self._watch)
        watch.update(k for k, t in enumerate(tests) if t["status"] != "passed")
        items, columns = self.items, self._columns
        for k in sorted(watch):
            self._count(items[columns[k]], tests[k])

    def _part_max(self, tests: list[Test]) -> None:
        totals: dict[str, float] = {}
        for t in tests:
            totals[t.get("part", "")] = totals.get(t.get("part", ""), 0.0) + t["max_score"]
        for part, total in totals.items():
            self.part_max[part] = max(self.part_max.get(part, 0.0), total)

    def _count(self, item: Item, test: Test) -> None:
        if test["status"] != "passed":
            item.outcomes[test.get("outcome") or "wrong"] += 1
            if item.hint and item.hint in test.get("output", ""):
                item.hints_shown += 1
        if item.kind != "quiz":
            return
        if test.get("outcome") == "not_attempted":
            item.unanswered += 1
            return
        if test.get("answer") is None:
            self.answers_missing += 1
            return
        item.answers_recorded += 1
        if item.qtype in ("single", "multiple"):
            if _is_choice_list(test.get("answer"), item):
                item.choice_counts.update(test.get("answer").split(","))
            else:
                item.invalid += 1
        elif test["status"] != "passed":
            item.wrong_answers[test.get("answer")] += 1
            feedback = test.get("output", "").split("\nWhy: ")[0].strip()
            if feedback and test.get("answer") not in item.wrong_feedback:
                item.wrong_feedback[test.get("answer")] = feedback

    # --- statistics -----------------------------------------------------------------------------
    def finish(self) -> None:
        """Difficulty and discrimination of every item; concepts, hardest first."""
        n, m = len(self.rows), len(self.items)
        matrix = np.zeros((n, m))
        for r, (columns, fractions) in enumerate(self.rows):
            matrix[r, columns] = fractions
        self.matrix = matrix
        points = np.array([i.points for i in self.items])
        totals = matrix @ points if m else np.zeros(n)
        self.totals = totals
        if n and m:
            p = matrix.mean(axis=0)
            r = stats.discriminations(matrix, points, totals)
            for item, p_j, r_j in zip(self.items, p, r):
                item.p, item.discrimination, item.n = float(p_j), float(r_j), n
        self.concepts = self._concepts()
        self.attention.sort(key=lambda a: a.student)

    def _concepts(self) -> list[Concept]:
        groups: dict[str, list[Item]] = {}
        for item in self.cases_items():
            groups.setdefault(item.concept, []).append(item)
        concepts = []
        for name, items in groups.items():
            weight = sum(i.points for i in items)
            p = sum(i.p * i.points for i in items) / weight if weight and self.rows else math.nan
            tried = sum(i.points * i.attempted for i in items)
            p_attempted = sum(i.points * i.n * i.p for i in items) / tried if tried else math.nan
            hints = Counter()
            for i in items:
                if i.hint and i.hints_shown:
                    hints[i.hint] += i.hints_shown
            top = hints.most_common(1)
            concepts.append(Concept(name, sorted(items, key=lambda i: (i.function, i.p, i.title)), p, p_attempted,
                                    top[0][0] if top else None, top[0][1] if top else 0))
        # hardest first: by what the students who tried got wrong (a stub left untouched says
        # nothing about which idea is hard), then by the share of the whole class; undefined last
        return sorted(concepts, key=lambda c: (math.isnan(c.p_attempted), c.p_attempted, c.p, c.name))

    def cases_items(self) -> list[Item]:
        return [i for i in self.items if i.kind == "case"]

    def quiz_items(self) -> list[Item]:
        return [i for i in self.items if i.kind == "quiz"]

    def functions(self) -> list[tuple[str, int, float]]:
        """(function, cases, share of its points earned), hardest first."""
        groups: dict[str, list[Item]] = {}
        for item in self.cases_items():
            groups.setdefault(item.function, []).append(item)
        out = []
        for name, items in groups.items():
            weight = sum(i.points for i in items)
            out.append((name, len(items), sum(i.p * i.points for i in items) / weight if weight else math.nan))
        return sorted(out, key=lambda t: (math.isnan(t[2]), t[2], t[0]))


def _right_choices(q) -> set[str]:
    if q.type not in ("single", "multiple") or q.answer is None:   # a locked quiz keeps only hashes
        return set()
    return {q.answer} if isinstance(q.answer, str) else set(q.answer)


def _is_choice_list(answer: str, item: Item) -> bool:
    ids = {c[0] for c in item.choices}
    return bool(ids) and all(a in ids for a in answer.split(","))


def incident_kind(test: Test) -> str:
    """What stopped the student's code, in the grader's words: the ``crashed:`` / ``stopped:`` line."""
    for line in test.get("output", "").splitlines():
        if line.startswith(("crashed:", "stopped:")):
            return line.split(":", 1)[1].strip()
    return {"timeout": "time limit exceeded", "memory": "memory limit exceeded", "crashed": "crashed"}[test.get("outcome")]


def _incidents(tests: list[Test]) -> list[str]:
    """One line per kind of incident and function: ``time-out in bpe.train_bpe (1 case): ...``."""
    groups: dict[tuple[str, str], list[Test]] = {}
    for t in tests:
        if t.get("outcome") in INCIDENTS:
            groups.setdefault((t.get("outcome"), t["name"].split(":")[0]), []).append(t)
    lines = []
    for (outcome, function), group in groups.items():
        count = f"{len(group)} case{'s' if len(group) != 1 else ''}"
        lines.append(f"{INCIDENTS[outcome]} in {function} ({count}): {incident_kind(group[0])}")
    return lines
