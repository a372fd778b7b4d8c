"""``embedlab similarity``: every pair of a class compared, module by module, nothing executed.

The steps, in order:

1. ``list_class``         — one entry per student, as ``grade`` sees the class; anything else is
                            skipped and reported.
2. ``read_submission``    — the same reader as ``grade`` (folders, zips, notebooks, SPEC 7's ID
                            rules and limits); a refused entry, or one without exercise files, is
                            skipped with a line. Then each module is fingerprinted ONCE
                            (``fingerprint.py``), in a pool of ``jobs`` processes.
3. ``compare_prints``     — every pair, every module, from the fingerprints alone (``compare.py``),
                            split over the same number of processes.
4. the report             — ``similarity.csv`` (every flagged pair, best first), a side-by-side
                            page for the first ``max_pages`` of them and ``similarity.html`` listing
                            them (``report.py``), each written atomically, the CSV last.

Nothing is written before step 4, so an interrupted run leaves the previous report as it was.
Student code is only ever read as text: no file of a submission is imported or run.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import EXERCISE_MODULES, PROJECT_ROOT, STUDENT_FUNCTIONS
from ..submission import list_class, read_submission
from . import MAX_PAGES, MIN_TOKENS, NOISE, THRESHOLD, WINDOW
from .compare import ModuleMatch, compare_prints
from .fingerprint import ModulePrint, boilerplate_hashes, fingerprint_module, given_names, stub_sources


@dataclass(frozen=True)
class Handout:
    """What every submission shares and is never evidence: the stubs' fingerprints and given names."""

    boilerplate: frozenset[int]
    given: dict[str, frozenset[str]]
    folder: Path
    k: int = NOISE
    window: int = WINDOW

    @classmethod
    def load(cls, folder: Path | None = None) -> "Handout":
        folder = Path(folder) if folder is not None else PROJECT_ROOT / "exercises"
        stubs = stub_sources(folder, EXERCISE_MODULES)
        given = {m: given_names(stubs.get(m, ""), STUDENT_FUNCTIONS[m]) for m in EXERCISE_MODULES}
        return cls(boilerplate_hashes(list(stubs.values())), given, folder)

    def fingerprint(self, module: str, source: str, details: bool = False) -> ModulePrint:
        return fingerprint_module(source, STUDENT_FUNCTIONS[module], self.given[module], self.boilerplate,
                                  k=self.k, window=self.window, details=details)


@dataclass(frozen=True)
class Flagged:
    """One flagged (pair, module); ``student_a`` sorts before ``student_b``."""

    student_a: str
    student_b: str
    module: str
    match: ModuleMatch

    def sort_key(self) -> tuple:
        return (-self.match.score, self.student_a, self.student_b, EXERCISE_MODULES.index(self.module))


@dataclass
class Summary:
    """What one run found and did (the CLI prints it as one line)."""

    students: int = 0                       # submissions compared
    pairs: int = 0                          # pairs of them
    comparisons: int = 0                    # (pair, module) comparisons made
    flagged: list[Flagged] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (entry, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)     # (student, note)
    pages: int = 0
    seconds: float = 0.0
    threshold: float = THRESHOLD
    min_tokens: int = MIN_TOKENS

    @property
    def students_flagged(self) -> int:
        return len({s for f in self.flagged for s in (f.student_a, f.student_b)})

    @property
    def pairs_flagged(self) -> int:
        return len({(f.student_a, f.student_b) for f in self.flagged})


Progress = Callable[[str, int, int], None]   # (phase, done, total)


# ---------------------------------------------------------------------------------------------
# step 2: read and fingerprint each submission once
# ---------------------------------------------------------------------------------------------
_HANDOUT: Handout | None = None
_PRINTS: list[dict[str, ModulePrint]] = []
_SETTINGS: tuple[float, int] = (THRESHOLD, MIN_TOKENS)


def _read_and_fingerprint(task: tuple[str, list[Path]]):
    student, entries = task
    sub = read_submission(student, entries)
    if sub.error:
        return student, None, sub.error, []
    if not sub.modules:
        return student, None, "no exercise files found", []
    prints: dict[str, ModulePrint] = {}
    notes = []
    for module, source in sub.modules.items():
        found = _HANDOUT.fingerprint(module, source)
        if found.note:
            notes.append(f"{module}: {found.note}")
        prints[module] = found
    return student, prints, None, notes


def _compare_rows(rows: list[int]) -> tuple[list[tuple[int, int, str, ModuleMatch]], int, int]:
    """Row ``i`` against every later row: (flagged matches, module comparisons, pairs)."""
    threshold, min_tokens = _SETTINGS
    out = []
    done = 0
    prints = _PRINTS
    n = len(prints)
    pairs = sum(n - 1 - i for i in rows)
    for i in rows:
        mine = prints[i]
        for j in range(i + 1, n):
            theirs = prints[j]
            for module, a in mine.items():
                b = theirs.get(module)
                if b is None:
                    continue
                done += 1
                match = compare_prints(a, b, threshold, min_tokens)
                if match is not None:
                    out.append((i, j, module, match))
    return out, done, pairs


def _balanced_tasks(n: int, per_task: int) -> list[list[int]]:
    """Rows 0..n-1 in tasks of ``per_task`` rows, each pairing a long row with a short one."""
    order = []
    lo, hi = 0, n - 1
    while lo <= hi:
        order.append(lo)
        if hi != lo:
            order.append(hi)
        lo, hi = lo + 1, hi - 1
    return [order[i:i + per_task] for i in range(0, len(order), per_task)]


def _pool(jobs: int):
    """A pool of forked workers (they inherit the fingerprints without copying them), or None."""
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork").Pool(jobs)


def check_class(class_dir: Path, out_dir: Path, *, threshold: float = THRESHOLD, min_tokens: int = MIN_TOKENS,
                jobs: int = 1, max_pages: int = MAX_PAGES, handout: Path | None = None,
                progress: Progress | None = None) -> Summary:
    """Compare every pair of submissions in ``class_dir``; write the report to ``out_dir``.

    Example: a class of three where ``ana`` and ``ben`` hand in the same ``train_bpe`` with other
    variable names and ``cleo`` wrote her own gives one flagged row, ``ana, ben, bpe, ...``.
    """
    global _HANDOUT, _PRINTS, _SETTINGS
    from .report import write_report

    started = time.perf_counter()
    progress = progress or (lambda phase, done, total: None)
    summary = Summary(threshold=threshold, min_tokens=min_tokens)
    listing = list_class(Path(class_dir))
    summary.skipped.extend(listing.skipped)
    _HANDOUT = Handout.load(handout)
    students: list[str] = []
    prints: list[dict[str, ModulePrint]] = []
    tasks = sorted(listing.entries.items())
    pool = _pool(min(jobs, max(1, len(tasks))))
    try:
        results = (pool.imap(_read_and_fingerprint, tasks, chunksize=8) if pool
                   else map(_read_and_fingerprint, tasks))
        progress("reading", 0, len(tasks))
        for done, (student, found, error, notes) in enumerate(results, 1):
            progress("reading", done, len(tasks))
            if error:
                origin = ", ".join(p.name for p in listing.entries[student])
                summary.skipped.append((origin, error))
                continue
            students.append(student)
            prints.append(found)
            summary.notes.extend((student, note) for note in notes)
    finally:
        if pool:
            pool.terminate()
    summary.students = len(students)
    summary.pairs = len(students) * (len(students) - 1) // 2

    _PRINTS, _SETTINGS = prints, (threshold, min_tokens)
    found: list[tuple[int, int, str, ModuleMatch]] = []
    pool = _pool(min(jobs, max(1, len(students) // 8)))   # forked now: the workers see the fingerprints
    try:
        tasks_rows = _balanced_tasks(len(students), max(1, len(students) // (64 * max(1, jobs)) or 1))
        results = (pool.imap_unordered(_compare_rows, tasks_rows) if pool else map(_compare_rows, tasks_rows))
        pairs_done = 0
        progress("comparing", 0, summary.pairs)
        for matches, comparisons, pairs in results:
            found.extend(matches)
            summary.comparisons += comparisons
            pairs_done += pairs
            progress("comparing", min(pairs_done, summary.pairs), summary.pairs)
    finally:
        if pool:
            pool.terminate()
        _PRINTS = []
    summary.flagged = sorted((Flagged(students[i], students[j], module, match) for i, j, module, match in found),
                             key=Flagged.sort_key)
    summary.pages = write_report(summary, Path(class_dir), Path(out_dir), _HANDOUT, listing.entries,
                                 max_pages=max_pages, progress=progress)
    summary.seconds = time.perf_counter() - started
    return summary


def default_jobs() -> int:
    return os.cpu_count() or 1
