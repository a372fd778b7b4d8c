"""embedlab's gradebook in the layouts that LMS gradebook imports read: Canvas, Moodle, or as it is.

Input is the ``gradebook.csv`` that ``embedlab grade`` writes (SPEC 7: ``student``, ``score``,
``max_score``, one column per exercise and quiz, ``status``). Each layout and the documentation it
follows is described in ``docs/lms-export.md``; in short:

``canvas``  Canvas's gradebook import CSV::

                Student,ID,SIS User ID,SIS Login ID,Section,embedlab bpe,embedlab lookup,...
                Points Possible,,,,,6,9,...
                alice,,alice,alice,,6,7.5,...

            One assignment column per exercise and quiz (Canvas creates the assignments on the first
            import and matches them by name afterwards), the "Points Possible" row that gives new
            assignments their points, and the student ID in both SIS columns.

``moodle``  Moodle's "Import grades from a CSV file": one identifier column, then one column per
            grade item; the import page maps the identifier to a user field and each column to a
            grade item::

                ID number,embedlab bpe,embedlab lookup,...
                alice,6,7.5,...

``csv``     the gradebook itself, byte for byte.

Every cell a spreadsheet would run as a formula is quoted (:func:`grader.fsutil.spreadsheet_safe`).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..errors import UsageError
from ..fsutil import atomic_write_bytes, atomic_write_text, spreadsheet_csv, spreadsheet_unquote

FORMATS = ("canvas", "moodle", "csv")
#: the columns of SPEC 7's gradebook that are not grade items
IDENTITY_COLUMNS = ("student", "score", "max_score")
STATUS_COLUMN = "status"
#: the course policy's final score (docs/course.md), a grade item when a course file was used
FINAL_COLUMN = "final_score"
#: the prefix of every grade item's name in the LMS, so embedlab's columns stand out there
ITEM_PREFIX = "embedlab "
#: Canvas's student columns, in the order of its own gradebook export
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_ID_COLUMN = "ID number"


def export_gradebook(src_csv: Path, target: Path, fmt: str) -> Path:
    """Write the gradebook ``src_csv`` to ``target`` in the layout ``fmt`` and return ``target``.

    Example: ``export_gradebook(Path("graded/gradebook.csv"), Path("canvas.csv"), "canvas")``.

    Raises:
        UsageError: an unknown format, or a source that is missing or not an embedlab gradebook
            (the message names the file and what is wrong).
    """
    src_csv, target = Path(src_csv), Path(target)
    if fmt not in FORMATS:
        raise UsageError(f"unknown gradebook format {fmt!r} (choose one of {', '.join(FORMATS)})")
    if not src_csv.is_file():
        raise UsageError(f"{src_csv}: no such gradebook (embedlab grade writes DIR/gradebook.csv)")
    if target.is_dir():
        raise UsageError(f"--out {target}: is a folder; give the file to write, e.g. "
                         f"{target / f'gradebook-{fmt}.csv'}")
    if target.resolve() == src_csv.resolve():
        raise UsageError(f"{target}: would overwrite the gradebook it is made from; choose another --out")
    try:
        raw = src_csv.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise UsageError(f"{src_csv}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{src_csv}: not UTF-8 text, so not a gradebook embedlab wrote") from None
    book = read_gradebook(text, src_csv)
    final_max = course_final_max(src_csv.parent) if fmt != "csv" else None
    if final_max is not None and book.rows and all(_number(r.get(FINAL_COLUMN)) is not None for r in book.rows):
        book.items.append(FINAL_COLUMN)   # graded with a course file: what it made of the score counts too
    if fmt == "csv":
        atomic_write_bytes(target, raw)
    elif fmt == "canvas":
        possible = points_possible(src_csv.parent, book.items)
        if FINAL_COLUMN in book.items:
            possible[FINAL_COLUMN] = final_max
        atomic_write_text(target, canvas_csv(book, possible))
    else:
        atomic_write_text(target, moodle_csv(book))
    return target


class Gradebook:
    """SPEC 7's gradebook, read back: the grade items and one row a student."""

    def __init__(self, items: list[str], rows: list[dict[str, str]]) -> None:
        self.items = items          # exercise and quiz columns, in the gradebook's order
        self.rows = rows            # each row: column name -> cell text (formula quoting undone)


def read_gradebook(text: str, where: Path | str = "gradebook.csv") -> Gradebook:
    """Parse a gradebook.csv's text; ``where`` names it in error messages."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0][:3] != list(IDENTITY_COLUMNS) or STATUS_COLUMN not in rows[0]:
        raise UsageError(f"{where}: not an embedlab gradebook (the header must start with "
                         f"{','.join(IDENTITY_COLUMNS)} and have a {STATUS_COLUMN} column)")
    header = rows[0]
    # grade items lie between max_score and status; the course policy's columns follow status
    items = header[3:header.index(STATUS_COLUMN)]
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise UsageError(f"{where}:{number}: {len(row)} cells where the header has {len(header)}")
        record = {name: _unquote(cell) for name, cell in zip(header, row)}
        for name in ("score", "max_score", *items):
            if _number(record[name]) is None:
                raise UsageError(f"{where}:{number}: column {name} holds {record[name]!r}, not a number")
        records.append(record)
    return Gradebook(items, records)


def course_final_max(folder: Path) -> float | None:
    """The points possible of ``final_score`` when a course policy was applied (results.json's
    ``extra_data.final_max``, docs/course.md), else None: without a course it is just ``score``."""
    best = None
    for path in sorted(Path(folder).glob("*/results.json")):
        try:
            extra = json.loads(path.read_text(encoding="utf-8")).get("extra_data", {})
        except (OSError, ValueError, AttributeError):
            continue
        value = extra.get("final_max") if isinstance(extra, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            best = max(best or 0.0, float(value))
    return best


def points_possible(folder: Path, items: list[str]) -> dict[str, float]:
    """Each grade item's maximum, from the students' ``results.json`` beside the gradebook.

    ``results.json`` tags every test with its part (the gradebook column it counts in) and
    gives its ``max_score``; the largest total seen for a part is its points possible. Items
    no result file mentions are left out (their Points Possible cell stays empty).
    """
    best: dict[str, float] = {}
    for path in sorted(Path(folder).glob("*/results.json")):
        try:
            tests = json.loads(path.read_text(encoding="utf-8")).get("tests", [])
        except (OSError, ValueError, AttributeError):
            continue
        totals: dict[str, float] = {}
        for test in tests if isinstance(tests, list) else []:
            tags = test.get("tags") if isinstance(test, dict) else None
            if tags and isinstance(tags[0], str) and isinstance(test.get("max_score"), (int, float)):
                totals[tags[0]] = totals.get(tags[0], 0.0) + float(test["max_score"])
        for part, total in totals.items():
            best[part] = max(best.get(part, 0.0), round(total, 6))
    return {item: best[item] for item in items if item in best}


def canvas_csv(book: Gradebook, possible: dict[str, float]) -> str:
    """Canvas's gradebook import layout (see the module docstring and docs/lms-export.md)."""
    columns = [*CANVAS_STUDENT_COLUMNS, *(ITEM_PREFIX + item for item in book.items)]
    out = [columns,
           [CANVAS_POINTS_ROW, "", "", "", "",
            *(_number(possible[item]) if item in possible else "" for item in book.items)]]
    for row in book.rows:
        student = row["student"]
        out.append([student, "", student, student, "", *(_number(row[item]) for item in book.items)])
    return spreadsheet_csv(out)


def moodle_csv(book: Gradebook) -> str:
    """Moodle's grade import layout: an identifier, then one column per grade item."""
    out = [[MOODLE_ID_COLUMN, *(ITEM_PREFIX + item for item in book.items)]]
    for row in book.rows:
        out.append([row["student"], *(_number(row[item]) for item in book.items)])
    return spreadsheet_csv(out)




# undo spreadsheet_safe's apostrophe, so that writing the cell again quotes it exactly once
_unquote = spreadsheet_unquote


def _number(value: str | float) -> int | float | None:
    """A score as the number it is (``6.0`` -> ``6``), or None if it is not a finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number) if number.is_integer() else number
