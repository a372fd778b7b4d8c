"""The SQLite gradebook that makes grading resumable.

One row per student: the key of what was graded (a hash of the files read from the submission,
of the cases, quizzes and solutions, and of embedlab's version) and the result as JSON. A row is
committed the moment its student is graded, so Ctrl-C or a crash loses nothing already graded,
and a re-run grades only students whose key changed. Only the judge process writes it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ..errors import UsageError
from .results import SubmissionResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    student   TEXT PRIMARY KEY,
    key       TEXT NOT NULL,
    result    TEXT NOT NULL,
    graded_at REAL NOT NULL
);
-- what each student's files were last written from, besides the result (the course policy's view
-- key): a changed course file rewrites files without grading again (grader/course/apply.py)
CREATE TABLE IF NOT EXISTS views (
    student   TEXT PRIMARY KEY,
    key       TEXT NOT NULL
)
"""


#: the tables (and columns of ``results``) of embedlab's store; a file with others is someone else's
TABLES = {"results", "views"}
RESULT_COLUMNS = ["student", "key", "result", "graded_at"]


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path)
        except sqlite3.Error as exc:
            raise self._refuse(path, f"cannot open the gradebook store ({exc})") from None
        try:
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            columns = [r[1] for r in self.db.execute("PRAGMA table_info(results)")]
            if tables - TABLES or (columns and columns != RESULT_COLUMNS):
                # another tool's database: never change it
                raise self._refuse(path, "not embedlab's gradebook store (it has the tables "
                                         f"{', '.join(sorted(tables))}; nbgrader's has the same name)")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            self.db.commit()
        except sqlite3.Error as exc:
            self.db.close()
            raise self._refuse(path, f"not a usable gradebook store ({exc})") from None
        except UsageError:
            self.db.close()
            raise

    @staticmethod
    def _refuse(path: Path, why: str) -> UsageError:
        return UsageError(f"{path}: {why} — move it away (everything is then graded afresh) or choose "
                          "another --out")

    def get(self, student: str, key: str) -> SubmissionResult | None:
        row = self.db.execute("SELECT result FROM results WHERE student = ? AND key = ?",
                              (student, key)).fetchone()
        return SubmissionResult.from_json(row[0]) if row else None

    def put(self, student: str, key: str, result: SubmissionResult | str, view: str | None = None) -> None:
        """Store a result (or its JSON text, as a worker sent it), and the view key its files were
        written with, and commit at once."""
        text = result if isinstance(result, str) else result.to_json()
        self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
                        (student, key, text, time.time()))
        if view is not None:
            self.db.execute("INSERT OR REPLACE INTO views VALUES (?, ?)", (student, view))
        self.db.commit()

    def latest(self, student: str) -> tuple[str, SubmissionResult] | None:
        """The stored key and result of ``student``, whatever the key (``--only`` keeps other rows)."""
        row = self.db.execute("SELECT key, result FROM results WHERE student = ?", (student,)).fetchone()
        return (row[0], SubmissionResult.from_json(row[1])) if row else None

    def students(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT student FROM results ORDER BY student")]

    def delete(self, student: str) -> None:
        self.db.execute("DELETE FROM results WHERE student = ?", (student,))
        self.db.execute("DELETE FROM views WHERE student = ?", (student,))
        self.db.commit()

    def view(self, student: str) -> str | None:
        row = self.db.execute("SELECT key FROM views WHERE student = ?", (student,)).fetchone()
        return row[0] if row else None

    def set_view(self, student: str, key: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO views VALUES (?, ?)", (student, key))
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
