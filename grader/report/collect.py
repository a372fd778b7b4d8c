"""Reading a graded output folder: the gradebook, each student's stored result, the skipped entries.

What is read, and why from there:

- ``gradebook.csv`` decides who is in the class and each student's status (a student removed from
  the class folder is marked there); columns are read by name, so the course policy's extra
  columns (late_penalty, final_score, ...) and any later ones are tolerated.
- each student's tests come from ``gradebook.db`` (the store keeps the whole result: the outcome
  of every case -- timeout, memory, crashed -- and the quiz answers) or, for a student the store
  lacks (a folder copied without it), from ``<student>/results.json``, where the outcome is read
  back from the message.
- ``skipped.csv``: entries of the class folder that were not a submission.

Every string in there came from a submission or is about one: it is untrusted and only ever
rendered escaped. A malformed file is a :class:`UsageError` naming the file and the line.
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..fsutil import spreadsheet_unquote
from ..paths import EXERCISE_MODULES

GRADEBOOK = "gradebook.csv"
STORE = "gradebook.db"
SKIPPED = "skipped.csv"
REQUIRED_COLUMNS = ("student", "score", "max_score", "status")


@dataclass
class GradebookLine:
    """One row of gradebook.csv, by column name."""

    student: str
    score: float
    max_score: float
    status: str
    parts: dict[str, float]        # exercise modules and quizzes, as in the gradebook
    final: float | None = None     # the course policy's final score, when the gradebook has one

    @property
    def gradable(self) -> bool:
        return self.status == "ok"

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


#: what an older store's test may lack
_TEST_DEFAULTS = {"part": "", "outcome": "", "output": "", "hidden": False, "answer": None}


class Test(dict):
    """One line of a student's results (a case or a quiz question), read by attribute: ``name``,
    ``part``, ``score``, ``max_score``, ``status``, ``outcome``, ``output``, ``hidden``, ``answer``.

    The report's own code reads every test as a plain dict (``t["name"]``, ``t.get("outcome")``):
    the store's JSON objects are used as decoded, since a class of 10,000 has 1.9 million of them and
    a copy each into an object doubled the time. This class is what results.json's tests are turned
    into (and the attribute access serves the templates).
    """

    __slots__ = ()

    def __getattr__(self, key: str):
        try:
            return self[key]
        except KeyError:
            if key in _TEST_DEFAULTS:
                return _TEST_DEFAULTS[key]
            raise AttributeError(key) from None


@dataclass
class StudentResult:
    student: str
    tests: list[Test]
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    sandboxed: bool = True
    source: str = STORE            # where it was read: the store or results.json


@dataclass
class GradedFolder:
    out: Path
    lines: list[GradebookLine]
    parts: list[str]               # module and quiz columns, in gradebook order
    skipped: list[tuple[str, str]]
    has_final: bool


def read_gradebook(out: Path) -> GradedFolder:
    """``gradebook.csv`` and ``skipped.csv`` of ``out`` (one clear error if they are not what grade writes)."""
    out = Path(out)
    if not out.is_dir():
        raise UsageError(f"{out}: no such folder (give the --out folder of 'embedlab grade')")
    path = out / GRADEBOOK
    if not path.is_file():
        raise UsageError(f"{path}: not found (is {out} the --out folder of 'embedlab grade'?)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise UsageError(f"{path}: empty (no header line)")
    header = [spreadsheet_unquote(h) for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UsageError(f"{path}: line 1: no column {', '.join(missing)} (header: {','.join(header)[:120]})")
    if len(set(header)) != len(header):
        raise UsageError(f"{path}: line 1: a column name appears twice")
    index = {name: i for i, name in enumerate(header)}
    # the parts are the columns between max_score and status (SPEC 7), whatever follows status
    parts = header[index["max_score"] + 1:index["status"]]
    has_final = "final_score" in index
    lines: list[GradebookLine] = []
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise UsageError(f"{path}: line {number}: {len(row)} cells, the header has {len(header)}")
        cell = {name: spreadsheet_unquote(row[i]) for name, i in index.items()}
        student = cell["student"]
        if not student or student in seen:
            raise UsageError(f"{path}: line {number}: {'empty' if not student else 'repeated'} student ID")
        seen.add(student)

        def number_of(name: str) -> float:
            try:
                value = float(cell[name])
            except ValueError:
                raise UsageError(f"{path}: line {number}: {name} is {cell[name][:40]!r}, not a number") from None
            if not math.isfinite(value):
                raise UsageError(f"{path}: line {number}: {name} is {cell[name][:40]!r}, not a finite number")
            return value

        final = None
        if has_final and cell["final_score"] != "":
            final = number_of("final_score")
        lines.append(GradebookLine(student, number_of("score"), number_of("max_score"), cell["status"],
                                   {p: number_of(p) for p in parts}, final))
    return GradedFolder(out, lines, parts, read_skipped(out), has_final)


def read_skipped(out: Path) -> list[tuple[str, str]]:
    path = out / SKIPPED
    if not path.is_file():
        return []
    rows = list(csv.reader(path.read_text(encoding="utf-8", errors="replace").splitlines()))
    return [(spreadsheet_unquote(r[0]), spreadsheet_unquote(r[1]) if len(r) > 1 else "")
            for r in rows[1:] if r]


def student_results(folder: GradedFolder) -> Iterator[StudentResult | tuple[str, str]]:
    """Each gradebook student's result: from the store (one pass over it), then results.json for
    the students the store lacks.

    Yields ``(student, why)`` instead for a student whose result cannot be found at all (the report
    lists them as needing attention rather than failing).
    """
    wanted = {line.student for line in folder.lines}
    seen: set[str] = set()
    stored = _open_store(folder.out / STORE)
    if stored is not None:
        try:
            for student, text in stored.execute("SELECT student, result FROM results"):
                if student not in wanted:
                    continue
                try:
                    result = _from_store(student, json.loads(text))
                except (ValueError, KeyError, TypeError) as exc:
                    raise UsageError(f"{folder.out / STORE}: the stored result of {student!r} is not "
                                     f"one embedlab wrote ({type(exc).__name__}); grade again with --force") from None
                seen.add(student)
                yield result
        except sqlite3.Error as exc:
            raise UsageError(f"{folder.out / STORE}: cannot be read ({exc})") from None
        finally:
            stored.close()
    for line in folder.lines:
        if line.student in seen:
            continue
        path = folder.out / line.student / "results.json"
        if not path.is_file():
            yield line.student, "no stored result and no results.json"
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            result = _from_results_json(line.student, data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsageError(f"{path}: not a results.json embedlab wrote ({type(exc).__name__}: "
                             f"{str(exc)[:80]})") from None
        yield result


def _open_store(path: Path) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.execute("SELECT student, result FROM results LIMIT 1").fetchall()
        return db
    except sqlite3.Error as exc:
        raise UsageError(f"{path}: not a gradebook store embedlab can read ({exc})") from None


def _from_store(student: str, data: dict) -> StudentResult:
    tests = data["tests"]
    for t in tests:   # fail here, with the student named, not deep inside the analysis
        t["name"], t["score"], t["max_score"], t["status"]  # noqa: B018
    return StudentResult(student, tests, list(data.get("notes", [])), data.get("error"),
                         bool(data.get("sandboxed", True)))


def outcome_from_message(status: str, output: str) -> str:
    """The kind of failure, read back from a results.json message (which has no outcome field).

    ``"stopped:    time limit exceeded: ..."`` -> ``"timeout"``; ``"... ran out of memory ..."`` ->
    ``"memory"``; ``"crashed: ..."`` -> ``"crashed"``; ``"not attempted"`` -> ``"not_attempted"``.
    """
    if status == "passed":
        return "passed"
    text = output.lower()
    if "time limit exceeded" in text or "ran out of time" in text:
        return "timeout"
    if "memory limit exceeded" in text or "ran out of memory" in text:
        return "memory"
    if "crashed:" in text or "crashed." in text:
        return "crashed"
    if text.startswith("not attempted") or text.startswith("no response"):
        return "not_attempted"
    if text.startswith("not graded"):
        return "missing"
    return "wrong"


def _from_results_json(student: str, data: dict) -> StudentResult:
    tests = []
    for t in data["tests"]:
        tags = list(t.get("tags") or [])
        part = tags[0] if tags else t["name"].split(".")[0]
        output = str(t.get("output", ""))
        tests.append(Test(name=str(t["name"]), part=str(part), score=float(t["score"]),
                          max_score=float(t["max_score"]), status=str(t["status"]),
                          outcome=outcome_from_message(str(t["status"]), output), output=output,
                          hidden="hidden" in tags, answer=(t.get("extra_data") or {}).get("answer")))
    output = str(data.get("output", ""))
    status = str((data.get("extra_data") or {}).get("status", "ok"))
    error = status[len("error: "):] if status.startswith("error: ") else None
    notes = [line for line in output.splitlines() if line and not line.startswith(("WARNING: graded WITHOUT",
                                                                                   "Not graded: "))]
    return StudentResult(student, tests, notes, error, sandboxed="graded WITHOUT the sandbox" not in output,
                         source="results.json")


def module_parts(folder: GradedFolder) -> list[str]:
    return [p for p in folder.parts if p in EXERCISE_MODULES]
