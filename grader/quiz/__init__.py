"""Quizzes: the lesson's check questions as YAML files, loaded, validated, scored and locked.

The format is described for authors in ``docs/quiz-format.md``. Entry points (everything after the
first arguments is keyword-only)::

    load_quiz(path) -> Quiz                      one quiz file, plain or locked; QuizFormatError if wrong
    load_quizzes(folder) -> list[Quiz]           every *.yaml there, sorted by `order` (then id)
    parse_quiz(text, *, source="<quiz>") -> Quiz the same from a string
    load_answers(path) -> dict                   a student's answers.yaml; AnswersFormatError if unreadable
    parse_answers(text, *, source="answers.yaml") -> dict
    score_answers(quiz, answers, *, student_id=None) -> QuizScore
    score_question(quiz, question, answer, *, student_id=None) -> QuestionResult
    lock_quiz(quiz, *, salt=None) -> dict        the handout form: yaml.safe_dump(d, sort_keys=False)
    key_answers(quiz, *, student_id=None) -> dict  answers that score full marks (plain quizzes only)
    write_template(path, quizzes, *, student_id=None) -> None   answers.yaml for students to fill in
    save_answers(path, quiz_id, answers) -> None   put one quiz's answers into an answers.yaml
    render_prompt(quiz, question, *, student_id=None) -> str    the prompt with the student's numbers
    parse_number(text, units=()) -> Fraction     "51,200,000", "51.2 million", "5.12e7 parameters"
    default_quizzes_dir() -> Path                ./quizzes if there is one, else the repository's
    check_answers_file(path, *, quiz_id=None, student_id=None, console, quizzes_dir=None) -> int
    run_quiz(quiz, *, input=input, console=None, student_id=None) -> QuizScore
(the last two live in ``grader.quiz.terminal``, which uses rich; they are importable from here too).

answers.yaml, the file a student hands in, maps quiz id -> question id -> answer::

    tokens:
      chatgpt-vs-hello: b          # single choice: one choice id
      why-subwords: [a, b, c]      # multiple select: a list of choice ids
    vectors:
      params-100k-512: 51,200,000  # numeric: 51200000, 51.2 million, 5.12e7 parameters, ...
      name-the-algorithm: BPE      # short text
It is read with YAML's base loader (every value a string), so ``no`` stays "no" and ``1:30``
stays "1:30". ``score_answers`` takes that whole mapping and picks the quiz's own section.

Scoring (one gradebook column per quiz, named by the quiz id): ``QuizScore.points`` out of
``QuizScore.max_points``. A graded quiz's handout carries no key; ``score_answers`` on it only
checks that each answer is well formed (status ``recorded``, 0 points).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import itertools
import json
import math
import operator
import re
import textwrap
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from ..yamlutil import LineMapping, SafeLinesLoader, StringLinesLoader, describe, load_yaml, read_text

QUESTION_TYPES = ("single", "multiple", "numeric", "text")
MODES = ("practice", "graded")
# A quiz id is a gradebook column (SPEC 7): it must not take the name of a fixed column.
RESERVED_IDS = frozenset(
    {"student", "score", "max_score", "status", "bpe", "lookup", "skipgram", "similarity", "pipeline",
     "late_penalty", "final_score", "submitted_at", "overrides"}  # the course policy's columns (docs/course.md)
)
MAX_ANSWERS_BYTES = 1 << 20  # SPEC 7: a file over 1 MiB counts as missing
MAX_VARIANTS = 1000  # a locked practice question stores a key table per variant
MAX_ANSWER_CHARS = 500
OK = "ok"  # outcome of a key token; a mistake token's outcome is the mistake's index

_QUIZ_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_QUESTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_CHOICE_ID = re.compile(r"[a-z0-9]{1,8}")
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")


class QuizFormatError(ValueError):
    """A quiz file is wrong. Its str is one line naming the file, the line when known, the
    question and the field: ``quizzes/tokens.yaml:14: question 'q2': field 'answer': ...``."""


class AnswersFormatError(ValueError):
    """An answers file cannot be read at all (missing, too big, not UTF-8, not YAML, wrong shape).
    Its str is one line naming the file and, when known, the line."""


# --------------------------------------------------------------------------------------------
# YAML with line numbers and no silent duplicate keys: the shared loader (course files use it too)

_Mapping = LineMapping
_QuizLoader = SafeLinesLoader          # quiz files: YAML's safe types
_AnswersLoader = StringLinesLoader     # answers.yaml: every scalar a string
_load_yaml = load_yaml
_read_text = read_text


# --------------------------------------------------------------------------------------------
# Precise one-line errors


_show = describe


@dataclass(frozen=True)
class _Where:
    """Where we are in a quiz file: its name, a line, and the path of names down to a field."""

    source: str
    line: int | None = None
    parts: tuple[str, ...] = ()

    def inside(self, part: str, data: Any = None) -> _Where:
        return _Where(self.source, getattr(data, "line", None) or self.line, self.parts + (part,))

    def error(self, name: Any, message: str, data: Any = None) -> QuizFormatError:
        line = self.line
        if isinstance(data, _Mapping) and name in data.lines:
            line = data.lines[name]
        head = f"{self.source}:{line}" if line else self.source
        parts = [*self.parts, *([f"field '{name}'"] if name is not None else [])]
        return QuizFormatError(": ".join([head, *parts, message]))


_MISSING = object()


class _Fields:
    """Typed access to one mapping of a quiz file; every mistake is a QuizFormatError."""

    def __init__(self, data: Any, where: _Where, allowed: Sequence[str]):
        if not isinstance(data, dict):
            raise where.error(None, f"expected a mapping of fields, got {_show(data)}")
        self.data, self.where = data, where
        for name in data:
            if name not in allowed:
                raise self.error(name, f"unknown field (allowed here: {', '.join(allowed)})")

    def error(self, name: Any, message: str) -> QuizFormatError:
        return self.where.error(name, message, self.data)

    def has(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str, default: Any = _MISSING, why: str = "") -> Any:
        if name not in self.data:
            if default is _MISSING:
                raise self.error(name, "missing" + (f" ({why})" if why else ""))
            return default
        return self.data[name]

    def text(self, name: str, default: Any = _MISSING, why: str = "") -> Any:
        value = self.get(name, default, why)
        if value is default and name not in self.data:
            return value
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, f"expected some text, got {_show(value)}")
        return value.strip()

    def number(self, name: str, default: Any = _MISSING) -> Any:
        value = self.get(name, default)
        if name in self.data and not _is_number(value):
            raise self.error(name, f"expected a number, got {_show(value)}")
        return value

    def items(self, name: str, default: Any = _MISSING, why: str = "") -> Any:
        value = self.get(name, default, why)
        if name in self.data and (not isinstance(value, list) or not value):
            raise self.error(name, f"expected a non-empty list, got {_show(value)}")
        return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _fraction(value: int | float | Fraction | Decimal) -> Fraction:
    # A float from YAML means the decimal the author wrote (0.01, not 0.01000000000000000020816...).
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


# --------------------------------------------------------------------------------------------
# Numbers as students write them


_NUMBER = re.compile(
    r"""(?P<sign>[+-])?
        (?P<int>\d{1,3}(?P<sep>[,_' ])\d{3}(?:(?P=sep)\d{3})*|\d+)?
        (?:\.(?P<frac>\d+))?
        (?:e(?P<exp>[+-]?\d{1,2})|\s*[x*\u00d7]\s*10\s*(?:\^|\*\*)\s*(?P<pow>[+-]?\d{1,2}))?""",
    re.VERBOSE | re.ASCII,
)
_SCALES = {"thousand": 10**3, "k": 10**3, "million": 10**6, "m": 10**6, "mn": 10**6,
           "mio": 10**6, "billion": 10**9, "bn": 10**9}


def parse_number(text: Any, units: Iterable[str] = ()) -> Fraction:
    """Read a number the way a person writes it; ValueError (saying why) if it is not one.

    >>> [parse_number(s) for s in ("51200000", "51,200,000", "51 200 000", "5.12e7")]
    [Fraction(51200000, 1), Fraction(51200000, 1), Fraction(51200000, 1), Fraction(51200000, 1)]
    >>> parse_number("51.2 million parameters", units=["parameters"])
    Fraction(51200000, 1)

    Thousands separators (``,`` ``_`` ``'`` or a space) only count between groups of three
    digits; the decimal mark is a point. A scale word (thousand/k, million/m/mn, billion/bn)
    and then one of the question's unit words may follow. Ints and floats pass through.
    """
    if isinstance(text, bool):
        raise ValueError("a yes/no value is not a number")
    if isinstance(text, (int, float, Fraction, Decimal)):
        if isinstance(text, float) and not math.isfinite(text):
            raise ValueError("not a finite number")
        return _fraction(text)
    if not isinstance(text, str):
        raise ValueError(f"expected a number, got {_show(text)}")
    s = unicodedata.normalize("NFKC", text).casefold().replace("\u2212", "-").strip()
    if s.endswith(".") and not s.endswith(".."):
        s = s[:-1].rstrip()
    if len(s) > 100:
        raise ValueError("too long to be a number")
    m = _NUMBER.match(s)
    if not m or not (m["int"] or m["frac"]):
        raise ValueError(f"not a number: {_show(text)}")
    digits = (m["int"] or "0").replace(m["sep"], "") if m["sep"] else (m["int"] or "0")
    value = Fraction(f"{digits}.{m['frac'] or '0'}")
    exponent = m["exp"] or m["pow"]
    if exponent:
        value *= Fraction(10) ** int(exponent)
    rest = s[m.end():].split()
    if rest and rest[0] in _SCALES:
        value *= _SCALES[rest.pop(0)]
    unit = " ".join(rest)
    if unit and unit not in {u.casefold() for u in units}:
        allowed = f" (words allowed after the number: {', '.join(units)})" if units else ""
        raise ValueError(f"unexpected {unit!r} after the number{allowed}")
    return -value if m["sign"] == "-" else value


def _exact_token(value: Fraction) -> str:
    # Fractions are always reduced, so n/d is a canonical form: 51.2 million and 51200000 agree.
    return f"{value.numerator}/{value.denominator}"


def _terminates(value: Fraction) -> bool:
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _decimal_text(value: Fraction) -> str:
    """A decimal a student could type for ``value`` (exact when it terminates)."""
    if value.denominator == 1:
        return str(value.numerator)
    if _terminates(value):
        digits = 0
        while (value * 10**digits).denominator != 1:
            digits += 1
        return f"{Decimal(value.numerator) / Decimal(value.denominator):.{digits}f}"
    return repr(float(value))


def _number_text(value: int | float) -> str:
    return repr(value) if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------------------------
# Safe arithmetic over a question's parameters (never eval)


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}


class Formula:
    """An answer as arithmetic over parameters: numbers, names, + - * / // % ** (integer powers
    up to 64), parentheses and sqrt(). Evaluated exactly with fractions; sqrt of a non-square is
    the only inexact step, so such answers need a tolerance.

    >>> Formula("V * d", ["V", "d"]).evaluate({"V": 100000, "d": 512})
    (Fraction(51200000, 1), True)
    """

    def __init__(self, text: str, names: Iterable[str] = ()):
        self.text = text
        names = set(names)
        if len(text) > 300:
            raise ValueError("expression too long")
        try:
            self.tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError:
            raise ValueError(f"not an arithmetic expression: {_show(text)}") from None
        functions = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and node.id not in names and id(node) not in functions:
                known = f" (parameters: {', '.join(sorted(names))})" if names else " (no parameters declared)"
                raise ValueError(f"unknown name {node.id!r}{known}")
            if isinstance(node, ast.Call) and not (
                    isinstance(node.func, ast.Name) and node.func.id == "sqrt"
                    and len(node.args) == 1 and not node.keywords):
                raise ValueError("the only function allowed is sqrt(x)")
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not (
                    isinstance(node.right, ast.Constant) and type(node.right.value) is int
                    and abs(node.right.value) <= 64):
                raise ValueError("a power must be a whole number from -64 to 64, like x ** 2")
            if isinstance(node, ast.Constant) and not _is_number(node.value):
                raise ValueError(f"{node.value!r} is not a number")
            allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Call,
                       ast.Load, ast.USub, ast.UAdd, ast.Pow, *_BINARY)
            if not isinstance(node, allowed):
                raise ValueError(f"{type(node).__name__} is not allowed; use numbers, parameter "
                                 "names, + - * / // % **, parentheses and sqrt()")
        self.names = names

    def evaluate(self, params: Mapping[str, int | float]) -> tuple[Fraction, bool]:
        """(value, exact) for these parameter values; ZeroDivisionError/ValueError if undefined."""
        return self._eval(self.tree.body, params)

    def _eval(self, node: ast.AST, params: Mapping[str, int | float]) -> tuple[Fraction, bool]:
        if isinstance(node, ast.Constant):
            return _fraction(node.value), True
        if isinstance(node, ast.Name):
            return _fraction(params[node.id]), True
        if isinstance(node, ast.UnaryOp):
            value, exact = self._eval(node.operand, params)
            return (-value if isinstance(node.op, ast.USub) else value), exact
        if isinstance(node, ast.Call):
            value, exact = self._eval(node.args[0], params)
            return _sqrt(value, exact)
        assert isinstance(node, ast.BinOp)
        left, left_exact = self._eval(node.left, params)
        if isinstance(node.op, ast.Pow):
            return left ** node.right.value, left_exact  # type: ignore[attr-defined]
        right, right_exact = self._eval(node.right, params)
        return Fraction(_BINARY[type(node.op)](left, right)), left_exact and right_exact


def _sqrt(value: Fraction, exact: bool) -> tuple[Fraction, bool]:
    if value < 0:
        raise ValueError("sqrt of a negative number")
    n, d = math.isqrt(value.numerator), math.isqrt(value.denominator)
    if n * n == value.numerator and d * d == value.denominator:
        return Fraction(n, d), exact
    return Fraction(math.sqrt(float(value))), False  # IEEE sqrt: the same on every machine


def _answer_formula(raw: Any, names: Iterable[str]) -> Formula:
    """A numeric key as the author wrote it: a number, a number in words, or a formula."""
    if isinstance(raw, str):
        try:
            return Formula(_decimal_text(parse_number(raw)))
        except ValueError:
            return Formula(raw, names)
    if _is_number(raw):
        return Formula(_number_text(raw))
    raise ValueError(f"expected a number or an arithmetic expression, got {_show(raw)}")


# --------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    feedback: str | None = None  # shown when a student picks this wrong choice (or misses a right one)


@dataclass(frozen=True)
class Mistake:
    """A wrong answer worth a word (numeric or text): 100512 -> "you added instead of multiplying"."""

    answer: Formula | str | None  # None in a locked quiz, where only its hash is kept
    feedback: str


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # single | multiple | numeric | text
    prompt: str
    points: Fraction
    explanation: str | None  # None only in a graded handout
    topic: str | None = None
    source: str | None = None
    choices: tuple[Choice, ...] = ()
    answer: Any = None  # single: str; multiple: frozenset[str]; numeric: Formula; None if locked
    scoring: str = "partial"  # multiple: partial | all
    tolerance: Fraction = Fraction(0)  # numeric: 0 = exact
    units: tuple[str, ...] = ()
    params: dict[str, tuple[int | float, ...]] = field(default_factory=dict)
    accept: tuple[str, ...] = ()  # text
    pattern: str | None = None  # text, graded quizzes only
    mistakes: tuple[Mistake, ...] = ()
    table: dict[str, Any] | None = None  # locked practice: hash -> outcome (per variant label)

    @property
    def step(self) -> Fraction:
        """Grid step of a tolerance: answers are compared on a grid of tolerance/10."""
        return self.tolerance / 10


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    order: int
    mode: str  # practice | graded
    questions: tuple[Question, ...]
    section: str | None = None
    locked: bool = False
    salt: str | None = None
    path: str | None = None

    @property
    def has_key(self) -> bool:
        """False for a graded handout: answers can be recorded but not checked."""
        return not self.locked or self.mode == "practice"

    @property
    def max_points(self) -> float:
        return _points(sum((q.points for q in self.questions), Fraction(0)))

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


def _points(value: Fraction) -> float:
    return round(float(value), 4)


# --------------------------------------------------------------------------------------------
# Loading and validation


_QUIZ_FIELDS = ("id", "title", "order", "mode", "section", "questions", "locked", "salt")
_COMMON_FIELDS = ("id", "type", "prompt", "points", "topic", "source")
_PLAIN_FIELDS = {
    "single": ("choices", "answer", "explanation"),
    "multiple": ("choices", "answer", "scoring", "explanation"),
    "numeric": ("answer", "tolerance", "units", "params", "mistakes", "explanation"),
    "text": ("accept", "pattern", "mistakes", "explanation"),
}
_LOCKED_FIELDS = {"single": ("choices",), "multiple": ("choices", "scoring"),
                  "numeric": ("tolerance", "units", "params"), "text": ()}


def default_quizzes_dir() -> Path:
    """``quizzes/`` in the current folder (a student's handout) if there is one, else the quizzes
    beside this package (the instructor's repository)."""
    here = Path("quizzes")
    return here if here.is_dir() else Path(__file__).resolve().parents[2] / "quizzes"


def load_quiz(path: str | Path) -> Quiz:
    """Load and validate one quiz file (plain, or locked by ``lock_quiz``)."""
    return parse_quiz(_read_text(path, QuizFormatError), source=str(path))


def load_quizzes(folder: str | Path) -> list[Quiz]:
    """Every ``*.yaml`` quiz in ``folder``, sorted by ``order`` then id; ids must be distinct."""
    root = Path(folder)
    if not root.is_dir():
        raise QuizFormatError(f"{folder}: not a folder of quizzes")
    paths = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not paths:
        raise QuizFormatError(f"{folder}: no quizzes (*.yaml) in it")
    quizzes, seen = [], {}
    for path in paths:
        quiz = load_quiz(path)
        if quiz.id in seen:
            raise QuizFormatError(f"{path}: field 'id': quiz id {quiz.id!r} is also used by {seen[quiz.id]}")
        seen[quiz.id] = path
        quizzes.append(quiz)
    return sorted(quizzes, key=lambda q: (q.order, q.id))


def parse_quiz(text: str, *, source: str = "<quiz>") -> Quiz:
    """Validate quiz YAML text; ``source`` names it in error messages."""
    data = _load_yaml(text, source, _QuizLoader, QuizFormatError)
    where = _Where(source, getattr(data, "line", None))
    f = _Fields(data, where, _QUIZ_FIELDS)
    quiz_id = f.text("id")
    if not _QUIZ_ID.fullmatch(quiz_id):
        raise f.error("id", f"expected lower-case letters, digits, '-' or '_', starting with a "
                            f"letter (it names a gradebook column), got {_show(quiz_id)}")
    if quiz_id in RESERVED_IDS:
        raise f.error("id", f"{quiz_id!r} is already a gradebook column; choose another id")
    order = f.get("order")
    if type(order) is not int:
        raise f.error("order", f"expected a whole number, got {_show(order)}")
    mode = f.get("mode")
    if mode not in MODES:
        raise f.error("mode", f"expected 'practice' or 'graded', got {_show(mode)}")
    locked = f.get("locked", False)
    if not isinstance(locked, bool):
        raise f.error("locked", f"expected true or false, got {_show(locked)}")
    salt = f.text("salt", None)
    if locked and mode == "practice" and salt is None:
        raise f.error("salt", "missing (a locked practice quiz hashes its key with it)")
    if salt is not None and not (locked and mode == "practice"):
        raise f.error("salt", "only a locked practice quiz has a salt")
    entries = f.items("questions")
    questions: list[Question] = []
    for number, entry in enumerate(entries, 1):
        q = _question(entry, number, where, mode=mode, locked=locked)
        if any(q.id == other.id for other in questions):
            raise where.inside(f"question {q.id!r}", entry).error("id", "used by an earlier question too", entry)
        questions.append(q)
    quiz = Quiz(id=quiz_id, title=f.text("title"), order=order, mode=mode, questions=tuple(questions),
                section=f.text("section", None), locked=locked, salt=salt, path=source)
    if not locked:
        for q, entry in zip(questions, entries):
            _check_key(quiz, q, where.inside(f"question {q.id!r}", entry), entry)
    return quiz


def _question(data: Any, number: int, quiz_where: _Where, *, mode: str, locked: bool) -> Question:
    qid = data.get("id") if isinstance(data, dict) else None
    where = quiz_where.inside(f"question {qid!r}" if isinstance(qid, str) else f"question {number}", data)
    if not isinstance(data, dict):
        raise where.error(None, f"expected a mapping of fields, got {_show(data)}")
    qtype = data.get("type", _MISSING)
    if qtype not in QUESTION_TYPES:
        message = "missing" if qtype is _MISSING else f"got {_show(qtype)}"
        raise where.error("type", f"expected one of {', '.join(QUESTION_TYPES)}: {message}", data)
    extra = (_LOCKED_FIELDS[qtype] + (("key", "sealed") if mode == "practice" else ())
             if locked else _PLAIN_FIELDS[qtype])
    f = _Fields(data, where, _COMMON_FIELDS + extra)
    if not isinstance(qid, str) or not _QUESTION_ID.fullmatch(qid):
        raise f.error("id", "missing" if qid is None else
                      f"expected letters, digits, '-' or '_', got {_show(qid)}")
    points = f.number("points", 1)
    if points <= 0:
        raise f.error("points", f"expected a number above 0, got {_show(points)}")
    common = dict(id=qid, type=qtype, prompt=f.text("prompt"), points=_fraction(points),
                  topic=f.text("topic", None), source=f.text("source", None))
    if locked:
        explanation = None if mode == "graded" else ""  # filled from `sealed` below
    else:
        explanation = f.text("explanation", why="every question explains its answer")
    q = {"single": _choice_question, "multiple": _choice_question, "numeric": _numeric_question,
         "text": _text_question}[qtype](f, Question(explanation=explanation, **common), locked=locked, mode=mode)
    if locked and mode == "practice":
        q = _unlock_parts(f, q)
    return q


def _replace(q: Question, **changes: Any) -> Question:
    return Question(**{**q.__dict__, **changes})


def _choice_question(f: _Fields, q: Question, *, locked: bool, mode: str) -> Question:
    entries = f.items("choices")
    if len(entries) < 2:
        raise f.error("choices", "a choice question needs at least two choices")
    choices: list[Choice] = []
    for number, entry in enumerate(entries, 1):
        cid = entry.get("id") if isinstance(entry, dict) else None
        where = f.where.inside(f"choice {cid!r}" if isinstance(cid, str) else f"choice {number}", entry)
        c = _Fields(entry, where, ("id", "text") if locked else ("id", "text", "feedback"))
        if not isinstance(cid, str) or not _CHOICE_ID.fullmatch(cid):
            raise c.error("id", "missing" if cid is None else
                          f"expected a short lower-case id like a, b, c, got {_show(cid)}")
        if any(cid == other.id for other in choices):
            raise c.error("id", "used by an earlier choice too")
        choices.append(Choice(cid, c.text("text"), c.text("feedback", None)))
    ids = [c.id for c in choices]
    q = _replace(q, choices=tuple(choices))
    if q.type == "multiple":
        scoring = f.get("scoring", "partial")
        if scoring not in ("partial", "all"):
            raise f.error("scoring", f"expected 'partial' or 'all', got {_show(scoring)}")
        q = _replace(q, scoring=scoring)
    if locked:
        return q
    answer = f.get("answer")
    if q.type == "single":
        if not isinstance(answer, str) or answer not in ids:
            raise f.error("answer", f"expected one of the choice ids {', '.join(ids)}, got {_show(answer)}")
        key = {answer}
        q = _replace(q, answer=answer)
    else:
        if not isinstance(answer, list) or not answer:
            raise f.error("answer", f"expected a list of the right choice ids, like [{ids[0]}, {ids[1]}], "
                                    f"got {_show(answer)}")
        for a in answer:
            if not isinstance(a, str) or a not in ids:
                raise f.error("answer", f"expected choice ids among {', '.join(ids)}, got {_show(a)}")
        if len(set(answer)) != len(answer):
            raise f.error("answer", "a choice id is listed twice")
        key = set(answer)
        q = _replace(q, answer=frozenset(answer))
    for c, entry in zip(choices, entries):
        if c.id not in key and c.feedback is None:
            raise f.where.inside(f"choice {c.id!r}", entry).error(
                "feedback", "missing (every wrong choice names the misconception it catches)", entry)
    return q


def _numeric_question(f: _Fields, q: Question, *, locked: bool, mode: str) -> Question:
    tolerance = f.number("tolerance", 0)
    if tolerance < 0:
        raise f.error("tolerance", f"expected 0 (exact) or more, got {_show(tolerance)}")
    units = f.items("units", [])
    for u in units:
        if not isinstance(u, str) or not u.strip() or u.strip().casefold() in _SCALES:
            raise f.error("units", f"expected unit words like parameters, got {_show(u)}")
    params = _params(f)
    q = _replace(q, tolerance=_fraction(tolerance), units=tuple(u.strip() for u in units), params=params)
    for name in ("prompt",) + (("explanation",) if q.explanation else ()):
        _check_placeholders(f, name, getattr(q, name), params, must_show=(name == "prompt"))
    if locked:
        return q
    try:
        answer = _answer_formula(f.get("answer"), params)
    except ValueError as exc:
        raise f.error("answer", str(exc)) from None
    return _replace(q, answer=answer, mistakes=_mistakes(f, lambda raw: _answer_formula(raw, params)))


def _text_question(f: _Fields, q: Question, *, locked: bool, mode: str) -> Question:
    if locked:
        return q
    accept = f.items("accept", why="the first accepted answer is the model answer")
    for a in accept:
        if not isinstance(a, (str, int, float)) or isinstance(a, bool) or not normalise_text(str(a)):
            raise f.error("accept", f"expected answers as text, got {_show(a)}")
    pattern = f.text("pattern", None)
    if pattern is not None:
        if mode == "practice":
            raise f.error("pattern", "a practice quiz ships hashed keys and a pattern cannot be "
                                     "hashed; list the answers under 'accept' or make the quiz graded")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise f.error("pattern", f"not a valid regular expression: {exc}") from None

    def read(raw: Any) -> str:
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool) or not normalise_text(str(raw)):
            raise ValueError(f"expected an answer as text, got {_show(raw)}")
        return str(raw)

    return _replace(q, accept=tuple(str(a) for a in accept), pattern=pattern, mistakes=_mistakes(f, read))


def _mistakes(f: _Fields, read: Any) -> tuple[Mistake, ...]:
    mistakes = []
    for number, entry in enumerate(f.items("mistakes", []), 1):
        m = _Fields(entry, f.where.inside(f"mistake {number}", entry), ("answer", "feedback"))
        try:
            answer = read(m.get("answer"))
        except ValueError as exc:
            raise m.error("answer", str(exc)) from None
        mistakes.append(Mistake(answer, m.text("feedback")))
    return tuple(mistakes)


def _params(f: _Fields) -> dict[str, tuple[int | float, ...]]:
    raw = f.get("params", {})
    if not isinstance(raw, dict):
        raise f.error("params", f"expected a mapping of name: [values], got {_show(raw)}")
    params, count = {}, 1
    for name, values in raw.items():
        if not isinstance(name, str) or not _PARAM_NAME.fullmatch(name):
            raise f.error("params", f"parameter names are identifiers like V or dim, got {_show(name)}")
        if not isinstance(values, list) or not values or not all(_is_number(v) for v in values):
            raise f.error("params", f"parameter {name!r}: expected a list of numbers, got {_show(values)}")
        params[name] = tuple(values)
        count *= len(values)
    if count > MAX_VARIANTS:
        raise f.error("params", f"{count} combinations of values; at most {MAX_VARIANTS}")
    return params


def _check_placeholders(f: _Fields, name: str, text: str, params: Mapping[str, Any], *, must_show: bool) -> None:
    if not params:
        return
    used = set()
    for m in _PLACEHOLDER.finditer(text):
        if m[1] not in params:
            raise f.error(name, f"placeholder {{{m[1]}}} is not a parameter (parameters: {', '.join(params)})")
        try:
            format(params[m[1]][0], m[2] or "")
        except ValueError:
            raise f.error(name, f"placeholder {m[0]}: bad format {m[2]!r} (try {{{m[1]}:,}})") from None
        used.add(m[1])
    missing = [p for p in params if p not in used]
    if must_show and missing:
        raise f.error(name, f"parameter {missing[0]!r} is never shown; write {{{missing[0]}}} in the prompt")


# --------------------------------------------------------------------------------------------
# Variants: numbers that follow the student ID


def variants(question: Question) -> list[dict[str, int | float]]:
    """Every combination of the question's parameter values ([{}] without parameters)."""
    names = list(question.params)
    return [dict(zip(names, values)) for values in itertools.product(*question.params.values())]


def variant_params(quiz_id: str, question: Question, student_id: str | None) -> dict[str, int | float]:
    """The parameter values for this student: chosen from sha256(quiz, question, student ID), so the
    same on every run and machine, and different between neighbours. No ID: each list's first value
    (the lesson's own numbers)."""
    if not question.params:
        return {}
    if student_id is None:
        return {name: values[0] for name, values in question.params.items()}
    digest = hashlib.sha256(f"embedlab variant\n{quiz_id}\n{question.id}\n{student_id}".encode()).digest()
    index = int.from_bytes(digest[:8], "big")
    chosen = {}
    for name, values in question.params.items():
        index, i = divmod(index, len(values))
        chosen[name] = values[i]
    return chosen


def _variant_label(params: Mapping[str, int | float]) -> str:
    return ",".join(f"{name}={_number_text(params[name])}" for name in sorted(params))


def _render(text: str, params: Mapping[str, Any]) -> str:
    if not params:
        return text
    return _PLACEHOLDER.sub(lambda m: format(params[m[1]], m[2] or "") if m[1] in params else m[0], text)


def render_prompt(quiz: Quiz, question: Question, *, student_id: str | None = None) -> str:
    """The question's prompt with this student's numbers filled in."""
    return _render(question.prompt, variant_params(quiz.id, question, student_id))


# --------------------------------------------------------------------------------------------
# Keys as tables of tokens: one code path for plain and locked quizzes
#
# Reading an answer gives one token (a canonical string); the key is a table token -> outcome
# (OK, or the index of a known mistake). A plain quiz builds the table from its key; a locked
# practice quiz ships the same table with each token replaced by sha256(salt, quiz, question,
# token). Scoring only asks the table, so a locked quiz scores exactly as the plain one.


def normalise_text(text: str) -> str:
    """Short-text normalisation: Unicode NFKC, case folded, runs of whitespace as one space,
    surrounding spaces, quotes and end punctuation dropped. "  Byte Pair  Encoding. " ->
    "byte pair encoding"."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split()).strip(" .,;:!?\"'`")


def _number_token(q: Question, value: Fraction) -> str:
    if q.tolerance == 0:
        return _exact_token(value)
    return str(round(value / q.step))  # the grid cell, half to even; exact with fractions


def _number_tokens(q: Question, value: Fraction) -> list[str]:
    """Every token that counts as ``value``: itself, or each grid cell within the tolerance."""
    if q.tolerance == 0:
        return [_exact_token(value)]
    low = math.ceil((value - q.tolerance) / q.step)
    high = math.floor((value + q.tolerance) / q.step)
    return [str(k) for k in range(low, high + 1)]


def _key_table(q: Question, params: Mapping[str, Any]) -> dict[str, Any]:
    """token -> OK or mistake index, for a plain question and one variant."""
    table: dict[str, Any] = {}
    if q.type == "single":
        table[q.answer] = OK
    elif q.type == "multiple":
        # Both kinds of token, so that a locked table does not show how many choices are right.
        for c in q.choices:
            table[f"{c.id}={'yes' if c.id in q.answer else 'no'}"] = OK
    elif q.type == "numeric":
        for i, m in enumerate(q.mistakes):
            for token in _number_tokens(q, m.answer.evaluate(params)[0]):
                table[token] = i
        for token in _number_tokens(q, q.answer.evaluate(params)[0]):
            table[token] = OK
    else:
        for i, m in enumerate(q.mistakes):
            table[normalise_text(m.answer)] = i
        for a in q.accept:
            table[normalise_text(a)] = OK
    return table


def _check_key(quiz: Quiz, q: Question, where: _Where, data: Any) -> None:
    """Instructor self-test at load time: every variant has a well-defined, reachable key that no
    known mistake shadows."""
    for params in variants(q):
        label = f" (with {_variant_label(params)})" if params else ""
        if q.type == "numeric":
            try:
                value, exact = q.answer.evaluate(params)
                mistake_values = [m.answer.evaluate(params)[0] for m in q.mistakes]
            except (ZeroDivisionError, ValueError, OverflowError) as exc:
                raise where.error("answer", f"cannot be computed{label}: {exc}", data) from None
            if q.tolerance == 0 and not exact:
                raise where.error("answer", f"uses sqrt of a non-square{label}; give a tolerance", data)
            if q.tolerance == 0 and not _terminates(value):
                raise where.error("answer", f"{value} has no finite decimal form{label}; give a tolerance", data)
            key = set(_number_tokens(q, value))
            for i, v in enumerate(mistake_values, 1):
                if key & set(_number_tokens(q, v)):
                    raise where.error("mistakes", f"mistake {i} is within the tolerance of the answer{label}", data)
        elif q.type == "text":
            key = {normalise_text(a) for a in q.accept}
            for i, m in enumerate(q.mistakes, 1):
                if normalise_text(m.answer) in key or (q.pattern and re.fullmatch(q.pattern, normalise_text(m.answer))):
                    raise where.error("mistakes", f"mistake {i} is also an accepted answer", data)
            for a in q.accept:
                if not normalise_text(a):
                    raise where.error("accept", f"{a!r} is empty once normalised", data)
    # and the key really scores full marks (this catches any slip between key and reader)
    for params in variants(q):
        result = score_question(quiz, q, _key_answer(q, params), params=params)
        if result.status != "correct":
            raise where.error("answer", f"the key itself scores {result.status}", data)


def _key_answer(q: Question, params: Mapping[str, Any]) -> Any:
    if q.type == "single":
        return q.answer
    if q.type == "multiple":
        return [c.id for c in q.choices if c.id in q.answer]
    if q.type == "numeric":
        return _decimal_text(q.answer.evaluate(params)[0])
    return q.accept[0]


def key_answers(quiz: Quiz, *, student_id: str | None = None) -> dict[str, Any]:
    """{question_id: an answer that scores full marks} for this student (a plain quiz only)."""
    if quiz.locked:
        raise ValueError(f"quiz {quiz.id!r} is locked: its key is not readable")
    return {q.id: _key_answer(q, variant_params(quiz.id, q, student_id)) for q in quiz.questions}


def _hash(salt: str, quiz_id: str, question_id: str, token: str) -> str:
    # okpy's scheme, with a separator so that ("ab", "c") and ("a", "bc") cannot collide.
    return hashlib.sha256("\n".join((salt, quiz_id, question_id, token)).encode()).hexdigest()


def _outcome(quiz: Quiz, q: Question, params: Mapping[str, Any], token: str) -> Any:
    """OK, a mistake index, or None for this token: the one question scoring asks the key."""
    if q.table is None:
        outcome = _key_table(q, params).get(token)
        if outcome is None and q.pattern and re.fullmatch(q.pattern, token):
            outcome = OK
        return outcome
    table = q.table.get(_variant_label(params), {}) if q.params else q.table
    return table.get(_hash(quiz.salt or "", quiz.id, q.id, token))


# --------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    prompt: str  # with the student's numbers
    status: str  # correct | partial | incorrect | invalid | unanswered | recorded
    points: float
    max_points: float
    answer: Any = None  # as the student gave it
    feedback: tuple[str, ...] = ()  # the misconceptions behind wrong choices; why an answer is unreadable
    explanation: str | None = None  # shown after answering (None in a graded handout)

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    @property
    def passed(self) -> bool:
        """Correct, or (graded handout) a well-formed answer waiting for the grader."""
        return self.status in ("correct", "recorded")

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question_id, "status": self.status, "points": self.points,
                "max_points": self.max_points, "answer": self.answer, "feedback": list(self.feedback),
                "explanation": self.explanation}


@dataclass(frozen=True)
class QuizScore:
    quiz_id: str
    title: str
    mode: str
    points: float
    max_points: float
    results: tuple[QuestionResult, ...]
    notes: tuple[str, ...] = ()  # e.g. an answer under a question id the quiz does not have
    keyed: bool = True  # False: a graded handout, where answers are only recorded

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {"quiz": self.quiz_id, "title": self.title, "mode": self.mode, "points": self.points,
                "max_points": self.max_points, "results": [r.to_dict() for r in self.results],
                "notes": list(self.notes)}

    def report(self) -> str:
        """Plain-text feedback (Markdown) for a student's feedback file."""
        lines = [f"## Quiz {self.quiz_id}: {self.title} — {_fmt(self.points)}/{_fmt(self.max_points)}", ""]
        lines += [f"- note: {n}" for n in self.notes]
        for r in self.results:
            lines.append(f"- {r.question_id}: {r.status} ({_fmt(r.points)}/{_fmt(r.max_points)})")
            lines += [f"  - {text}" for text in r.feedback]
            if r.explanation and not r.correct and r.status != "recorded":
                lines.append(f"  - why: {r.explanation}")
        return "\n".join(lines) + "\n"


def _fmt(points: float) -> str:
    return f"{points:g}" if points == round(points, 2) else f"{points:.2f}"


def _unanswered(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() in ("", "~", "null")
    return isinstance(raw, (list, tuple)) and not raw


class _Unreadable(ValueError):
    pass


def _read_choices(q: Question, raw: Any) -> list[str]:
    ids = [c.id for c in q.choices]
    if isinstance(raw, str):
        items: list[Any] = [s for s in re.split(r"[\s,;]+", raw.strip().strip("[]")) if s]
    elif isinstance(raw, (list, tuple)):
        items = list(raw)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        items = [str(raw)]
    else:
        raise _Unreadable(f"expected a choice id ({', '.join(ids)}), got {_show(raw)}")
    chosen = []
    for item in items:
        cid = str(item).strip().casefold().strip("().") if isinstance(item, (str, int)) else None
        if cid not in ids:
            raise _Unreadable(f"expected one of the choice ids {', '.join(ids)}, got {_show(item)}")
        if cid not in chosen:
            chosen.append(cid)
    if q.type == "single" and len(chosen) != 1:
        raise _Unreadable(f"choose exactly one of {', '.join(ids)}, got {_show(raw)}")
    return chosen


def _read_short_text(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise _Unreadable(f"expected a few words, got {_show(raw)}")
    if len(str(raw)) > MAX_ANSWER_CHARS:
        raise _Unreadable(f"longer than {MAX_ANSWER_CHARS} characters")
    return normalise_text(str(raw))


def score_question(quiz: Quiz, question: Question, answer: Any, *, student_id: str | None = None,
                   params: Mapping[str, Any] | None = None) -> QuestionResult:
    """Score one answer. ``params`` overrides the student's variant (used by the key self-test)."""
    q = question
    if params is None:
        params = variant_params(quiz.id, q, student_id)
    explanation = _render(q.explanation, params) if q.explanation else None
    base = dict(question_id=q.id, prompt=_render(q.prompt, params), max_points=_points(q.points),
                answer=answer, explanation=explanation if quiz.has_key else None)
    if _unanswered(answer):
        return QuestionResult(status="unanswered", points=0.0, feedback=("No response.",), **base)
    try:
        if q.type in ("single", "multiple"):
            chosen = _read_choices(q, answer)
        elif q.type == "numeric":
            try:
                value = parse_number(answer, q.units)
            except ValueError as exc:
                raise _Unreadable(f"{exc}; write a number like 51200000, 51,200,000 or 51.2 million") from None
        else:
            text = _read_short_text(answer)
    except _Unreadable as exc:
        return QuestionResult(status="invalid", points=0.0, feedback=(str(exc),), **base)
    if not quiz.has_key:
        return QuestionResult(status="recorded", points=0.0, **base)

    feedback: list[str] = []
    fraction = Fraction(0)
    if q.type == "single":
        if _outcome(quiz, q, params, chosen[0]) == OK:
            fraction = Fraction(1)
        else:
            feedback.append(_choice(q, chosen[0]).feedback or "")
    elif q.type == "multiple":
        right = {c.id for c in q.choices if _outcome(quiz, q, params, f"{c.id}=yes") == OK}
        hits, false = len(right & set(chosen)), len(set(chosen) - right)
        if q.scoring == "all":
            fraction = Fraction(int(set(chosen) == right))
        else:
            fraction = Fraction(max(0, hits - false), len(right))
        for cid in chosen:
            if cid not in right:
                feedback.append(f"({cid}) {_choice(q, cid).feedback or 'is not right.'}")
        for c in q.choices:
            if c.id in right and c.id not in chosen:
                feedback.append(f"({c.id}) was right too" + (f": {c.feedback}" if c.feedback else "."))
    else:
        token = _number_token(q, value) if q.type == "numeric" else text
        outcome = _outcome(quiz, q, params, token)
        if outcome == OK:
            fraction = Fraction(1)
        elif isinstance(outcome, int) and outcome < len(q.mistakes):
            feedback.append(q.mistakes[outcome].feedback)
    status = "correct" if fraction == 1 else "partial" if fraction > 0 else "incorrect"
    return QuestionResult(status=status, points=_points(q.points * fraction),
                          feedback=tuple(f for f in feedback if f), **base)


def answer_text(question: Question, raw: Any) -> str | None:
    """A student's answer as one short line, equal for answers that mean the same (what the class
    report counts): ``"B"``, ``["b"]`` and ``"(b)"`` give ``"b"``; ``[c, a]`` gives ``"a,c"``;
    ``"51,200,000"`` and ``"51.2 million"`` give ``"51200000"``; ``" Byte Pair  Encoding. "`` gives
    ``"byte pair encoding"``; no answer gives ``None``; an unreadable one its first 60 characters.
    """
    if _unanswered(raw):
        return None
    try:
        if question.type in ("single", "multiple"):
            return ",".join(sorted(_read_choices(question, raw)))
        if question.type == "numeric":
            return _decimal_text(parse_number(raw, question.units))
        return _read_short_text(raw)
    except (_Unreadable, ValueError):
        text = raw if isinstance(raw, str) else repr(raw)  # a YAML date or mapping: never JSON-encoded raw
        return " ".join(text.split())[:60]


def _choice(q: Question, cid: str) -> Choice:
    return next(c for c in q.choices if c.id == cid)


def score_answers(quiz: Quiz, answers: Mapping[str, Any], *, student_id: str | None = None) -> QuizScore:
    """Score one quiz from a whole answers mapping ``{quiz_id: {question_id: answer}}``.

    A missing section or question is unanswered (0 points). Answers under question ids the quiz
    does not have are reported in ``notes``, never silently dropped. ``student_id`` picks the
    numbers of variant questions (the grader passes the submission's student ID).
    """
    section = answers.get(quiz.id) if isinstance(answers, Mapping) else None
    notes: list[str] = []
    if section in (None, ""):
        section = {}
    if not isinstance(section, Mapping):
        notes.append(f"quiz {quiz.id!r}: expected question ids under it, got {_show(section)}")
        section = {}
    known = {q.id for q in quiz.questions}
    for name in section:
        if name not in known:
            notes.append(f"quiz {quiz.id!r} has no question {str(name)!r} (questions: {', '.join(sorted(known))})")
    results = tuple(score_question(quiz, q, section.get(q.id), student_id=student_id) for q in quiz.questions)
    if student_id is None and quiz.has_key and any(q.params for q in quiz.questions):
        notes.append(f"quiz {quiz.id!r}: some numbers depend on your student ID; without one, "
                     "the lesson's own numbers were used")
    return QuizScore(quiz_id=quiz.id, title=quiz.title, mode=quiz.mode,
                     points=round(sum(r.points for r in results), 4), max_points=quiz.max_points,
                     results=results, notes=tuple(notes), keyed=quiz.has_key)


# --------------------------------------------------------------------------------------------
# Answers files


def parse_answers(text: str, *, source: str = "answers.yaml") -> dict[str, dict[str, Any]]:
    """Read answers.yaml text: ``{quiz_id: {question_id: answer}}`` with every answer a string or
    a list of strings. AnswersFormatError (one line, with the line number) if it has another shape."""
    data = _load_yaml(text, source, _AnswersLoader, AnswersFormatError)
    if data in (None, ""):
        return {}
    if not isinstance(data, dict):
        raise AnswersFormatError(f"{source}: expected quiz ids at the top (tokens:, final:, ...), got {_show(data)}")
    answers: dict[str, dict[str, Any]] = {}
    for quiz_id, section in data.items():
        line = data.lines.get(quiz_id)
        where = f"{source}:{line}" if line else source
        if section in ("", None):
            section = {}
        if not isinstance(section, dict):
            raise AnswersFormatError(f"{where}: quiz {quiz_id!r}: expected question ids under it, "
                                     f"each with an answer, got {_show(section)}")
        for question_id, answer in section.items():
            if isinstance(answer, dict) or (isinstance(answer, list) and not all(isinstance(a, str) for a in answer)):
                qline = section.lines.get(question_id, line)
                raise AnswersFormatError(f"{source}:{qline}: quiz {quiz_id!r}: question {question_id!r}: "
                                         f"expected an answer or a list of choice ids, got {_show(answer)}")
        answers[quiz_id] = dict(section)
    return answers


def load_answers(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a student's answers.yaml (at most 1 MiB, UTF-8); see ``parse_answers``."""
    return parse_answers(_read_text(path, AnswersFormatError, MAX_ANSWERS_BYTES), source=str(path))


def answer_hint(question: Question) -> str:
    """How to write an answer to this question, in a few words."""
    if question.type == "single":
        return f"one choice id, e.g. {question.choices[0].id}"
    if question.type == "multiple":
        return f"every right choice id, e.g. [{question.choices[0].id}, {question.choices[1].id}]"
    if question.type == "numeric":
        within = f", within ±{_decimal_text(question.tolerance)}" if question.tolerance else ""
        return f"a number{within}"
    return "a word or a few words"


_TYPE_NAMES = {"single": "single choice", "multiple": "select all that apply",
               "numeric": "number", "text": "short text"}


def write_template(path: str | Path, quizzes: Sequence[Quiz], *, student_id: str | None = None) -> None:
    """Write an answers.yaml to fill in: every quiz and question, each prompt and its choices in
    comments, every answer empty. With ``student_id``, prompts show that student's numbers."""
    lines = [
        "# embedlab quiz answers. Layout: quiz id -> question id -> your answer.",
        "# Write each answer after the colon; an empty answer is a skipped question.",
        "#   single choice: b    select all: [a, c]    number: 51200000 or 51,200,000 or 51.2 million",
        "#   short text: a few words (case and spacing do not matter)",
        "# Check your answers with:  embedlab quiz --answers answers.yaml",
    ]
    if any(q.params for quiz in quizzes for q in quiz.questions):
        lines.append(f"# Numbers shown are those of student {student_id!r}." if student_id else
                     "# Some numbers depend on your student ID; the ones shown are the lesson's.")
    for quiz in quizzes:
        mode = "practice, checkable offline" if quiz.has_key else "graded by your instructor"
        lines += ["", f"{quiz.id}:  # {quiz.title} ({mode}, {_fmt(quiz.max_points)} points)"]
        for number, q in enumerate(quiz.questions, 1):
            lines.append(f"  # Q{number} ({_fmt(float(q.points))} pt, {_TYPE_NAMES[q.type]}): {answer_hint(q)}")
            for paragraph in render_prompt(quiz, q, student_id=student_id).splitlines():
                lines += textwrap.wrap(paragraph, 96, initial_indent="  #   ", subsequent_indent="  #   ") or ["  #"]
            for c in q.choices:
                lines += textwrap.wrap(f"{c.id}) {c.text}", 96, initial_indent="  #     ",
                                       subsequent_indent="  #        ")
            lines.append(f"  {q.id}:" + (" []" if q.type == "multiple" else ""))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def save_answers(path: str | Path, quiz_id: str, answers: Mapping[str, Any]) -> None:
    """Put one quiz's answers into an answers.yaml, keeping the other quizzes' answers. The file
    is rewritten as plain YAML: comments in it are not kept."""
    p = Path(path)
    data = load_answers(p) if p.exists() else {}
    data[quiz_id] = {qid: answer for qid, answer in answers.items() if not _unanswered(answer)}
    header = "# embedlab quiz answers: quiz id -> question id -> answer (written by `embedlab quiz`)\n"
    p.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000),
                 encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Locking for the handout


def _salt_for(quiz: Quiz) -> str:
    # Deterministic so that a release is reproducible; it need not be secret, only per-quiz.
    text = "\n".join([quiz.id, *(q.id + "\n" + q.prompt for q in quiz.questions)])
    return hashlib.sha256(("embedlab salt\n" + text).encode()).hexdigest()[:16]


def _seal(data: Any) -> str:
    """Explanations and feedback, zlib-compressed and base64'd: unreadable at a glance (they would
    give the key away), readable by embedlab. An encoding, not encryption."""
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def _unseal(text: str) -> Any:
    return json.loads(zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True)))


def lock_quiz(quiz: Quiz, *, salt: str | None = None) -> dict[str, Any]:
    """The handout form of a quiz, as plain data for ``yaml.safe_dump(..., sort_keys=False)``.

    practice: each key token replaced by sha256(salt, quiz id, question id, token) (one table per
    variant), explanations and feedback sealed, so the handout checks answers offline exactly as
    the plain quiz does. graded: no key, no explanation, no feedback at all (see
    docs/quiz-format.md for why hashing would not protect it).
    """
    if quiz.locked:
        raise ValueError(f"quiz {quiz.id!r} is already locked")
    practice = quiz.mode == "practice"
    salt = salt or _salt_for(quiz)
    out: dict[str, Any] = {"id": quiz.id, "title": quiz.title, "order": quiz.order, "mode": quiz.mode}
    if quiz.section:
        out["section"] = quiz.section
    out["locked"] = True
    if practice:
        out["salt"] = salt
    out["questions"] = []
    for q in quiz.questions:
        d: dict[str, Any] = {"id": q.id, "type": q.type, "points": _plain_number(q.points), "prompt": q.prompt}
        d.update({name: getattr(q, name) for name in ("topic", "source") if getattr(q, name)})
        if q.choices:
            d["choices"] = [{"id": c.id, "text": c.text} for c in q.choices]
        if q.type == "multiple":
            d["scoring"] = q.scoring
        if q.type == "numeric":
            if q.tolerance:
                d["tolerance"] = _plain_number(q.tolerance)
            if q.units:
                d["units"] = list(q.units)
            if q.params:
                d["params"] = {name: list(values) for name, values in q.params.items()}
        if practice:
            def hashed(params: Mapping[str, Any]) -> dict[str, Any]:
                table = _key_table(q, params)
                # sorted by hash: the order tells nothing about the tokens
                return dict(sorted((_hash(salt, quiz.id, q.id, t), o) for t, o in table.items()))
            d["key"] = ({_variant_label(p): hashed(p) for p in variants(q)} if q.params else hashed({}))
            d["sealed"] = _seal({"explanation": q.explanation,
                                 "feedback": {c.id: c.feedback for c in q.choices if c.feedback},
                                 "mistakes": [m.feedback for m in q.mistakes]})
        out["questions"].append(d)
    return out


def _plain_number(value: Fraction) -> int | float:
    return value.numerator if value.denominator == 1 else float(value)


def _unlock_parts(f: _Fields, q: Question) -> Question:
    """A locked practice question: check its key table and unseal explanation and feedback."""
    key = f.get("key")
    tables = key if q.params else {"": key}
    if not isinstance(key, dict) or (q.params and set(key) != {_variant_label(p) for p in variants(q)}):
        raise f.error("key", "not a key table embedlab wrote (one per variant); lock the quiz again")
    for table in tables.values():
        if not isinstance(table, dict) or not all(
                isinstance(h, str) and (o == OK or type(o) is int) for h, o in table.items()):
            raise f.error("key", "not a key table embedlab wrote; lock the quiz again")
    try:
        sealed = _unseal(f.text("sealed"))
        feedback = sealed["feedback"]
        explanation = sealed["explanation"]
        mistakes = sealed["mistakes"]
        assert isinstance(explanation, str) and isinstance(feedback, dict) and isinstance(mistakes, list)
    except (ValueError, KeyError, TypeError, AssertionError, zlib.error):
        raise f.error("sealed", "not a sealed block embedlab wrote (was it edited?); lock the quiz again") from None
    choices = tuple(Choice(c.id, c.text, feedback.get(c.id)) for c in q.choices)
    return _replace(q, explanation=explanation, choices=choices, table=dict(key),
                    mistakes=tuple(Mistake(None, str(m)) for m in mistakes))


# --------------------------------------------------------------------------------------------
# The terminal front end lives in quiz_tui (it needs rich); importable from here too.


def __getattr__(name: str) -> Any:
    if name in ("run_quiz", "check_answers_file"):
        from . import terminal as quiz_tui

        return getattr(quiz_tui, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
