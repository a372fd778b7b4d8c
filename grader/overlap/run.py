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
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.submission import list_class, read_submission
from ..paths import EXERCISE_MODULES, PROJECT_ROOT, STUDENT_FUNCTIONS
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



class FlaggedRows:
    """Every flagged (pair, module), best first: a sequence of :class:`Flagged`, stored as columns.

    Columns rather than objects because the count can be large: in a class of 1,000 where most
    hand in the same reference code, nearly every pair is flagged (millions of rows), and a row
    costs 40 bytes here instead of a kilobyte as objects. Rows are sorted by score (the highest of
    both similarities and every function's), then student A, student B and module order.
    """

    def __init__(self, students: list[str], columns: dict[str, "np.ndarray"] | None = None,
                 functions: list[tuple[tuple[str, float], ...]] | None = None) -> None:
        import numpy as np

        self.students = students
        self.functions = functions or [()]
        empty = {"i": np.empty(0, np.int32), "j": np.empty(0, np.int32), "module": np.empty(0, np.int8),
                 "sim_a": np.empty(0), "sim_b": np.empty(0), "score": np.empty(0),
                 "tokens": np.empty(0, np.int32), "functions": np.empty(0, np.int32)}
        columns = columns or empty
        order = np.lexsort((columns["module"], columns["j"], columns["i"], -columns["score"]))
        self.columns = {name: column[order] for name, column in columns.items()}

    def __len__(self) -> int:
        return len(self.columns["i"])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        c = self.columns
        if index < 0:
            index += len(self)
        match = ModuleMatch(float(c["sim_a"][index]), float(c["sim_b"][index]), int(c["tokens"][index]),
                            self.functions[int(c["functions"][index])])
        return Flagged(self.students[int(c["i"][index])], self.students[int(c["j"][index])],
                       EXERCISE_MODULES[int(c["module"][index])], match)

    def __iter__(self):
        return (self[k] for k in range(len(self)))

    def __eq__(self, other) -> bool:
        return isinstance(other, FlaggedRows) and list(self) == list(other)

    def pair_count(self) -> int:
        import numpy as np
        return len(np.unique(self.columns["i"].astype(np.int64) * len(self.students) + self.columns["j"]))

    def student_count(self) -> int:
        import numpy as np
        return len(np.unique(np.concatenate([self.columns["i"], self.columns["j"]])))


class _Batch:
    """The flagged rows of one task, built in a worker: columns plus the distinct function lists."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.functions: dict[tuple, int] = {}

    def add(self, i: int, j: int, module: int, match: ModuleMatch) -> None:
        index = self.functions.setdefault(match.functions, len(self.functions))
        self.rows.append((i, j, module, match.similarity_a, match.similarity_b, match.score, match.tokens_shared,
                          index))

    def packed(self) -> tuple[dict, list]:
        import numpy as np
        names = ("i", "j", "module", "sim_a", "sim_b", "score", "tokens", "functions")
        types = (np.int32, np.int32, np.int8, np.float64, np.float64, np.float64, np.int32, np.int32)
        columns = {name: np.array([row[k] for row in self.rows], dtype=kind)
                   for k, (name, kind) in enumerate(zip(names, types))}
        return columns, list(self.functions)


def merge_batches(students: list[str], batches: list[tuple[dict, list]]) -> FlaggedRows:
    """One :class:`FlaggedRows` from the workers' batches (their function lists made one)."""
    import numpy as np

    table: dict[tuple, int] = {(): 0}
    parts = []
    for columns, functions in batches:
        if len(columns["i"]) == 0:
            continue
        remap = np.array([table.setdefault(f, len(table)) for f in functions], dtype=np.int32)
        parts.append({**columns, "functions": remap[columns["functions"]]})
    if not parts:
        return FlaggedRows(students)
    merged = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    return FlaggedRows(students, merged, list(table))


@dataclass
class Summary:
    """What one run found and did (the CLI prints it as one line)."""

    students: int = 0                       # submissions compared
    pairs: int = 0                          # pairs of them
    comparisons: int = 0                    # (pair, module) comparisons made
    flagged: FlaggedRows = field(default_factory=lambda: FlaggedRows([]))
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (entry, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)     # (student, note)
    pages: int = 0
    seconds: float = 0.0
    threshold: float = THRESHOLD
    min_tokens: int = MIN_TOKENS

    @property
    def students_flagged(self) -> int:
        return self.flagged.student_count()

    @property
    def pairs_flagged(self) -> int:
        return self.flagged.pair_count()


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
    # what the reader refused inside the submission (too large, a link, not UTF-8): it was not compared
    notes = [note for note in sub.notes if " was not read: " in note]
    for module, source in sub.modules.items():
        found = _HANDOUT.fingerprint(module, source)
        if found.note:
            notes.append(f"{module}: {found.note}")
        prints[module] = found
    return student, prints, None, notes


def _compare_rows(rows: list[int]) -> tuple[tuple[dict, list], int, int]:
    """Rows ``i`` against every later row: (flagged rows, module comparisons made, pairs)."""
    threshold, min_tokens = _SETTINGS
    batch = _Batch()
    done = 0
    prints = _PRINTS
    n = len(prints)
    pairs = sum(n - 1 - i for i in rows)
    module_index = {m: k for k, m in enumerate(EXERCISE_MODULES)}
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
                    batch.add(i, j, module_index[module], match)
    return batch.packed(), done, pairs


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
    return multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_start)


def _worker_start() -> None:
    # Ctrl-C reaches the whole process group: only the main process handles it (and stops the pool)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
    batches: list[tuple[dict, list]] = []
    pool = _pool(min(jobs, max(1, len(students) // 8)))   # forked now: the workers see the fingerprints
    try:
        tasks_rows = _balanced_tasks(len(students), max(1, len(students) // (64 * max(1, jobs)) or 1))
        results = (pool.imap_unordered(_compare_rows, tasks_rows) if pool else map(_compare_rows, tasks_rows))
        pairs_done = 0
        progress("comparing", 0, summary.pairs)
        for batch, comparisons, pairs in results:
            batches.append(batch)
            summary.comparisons += comparisons
            pairs_done += pairs
            progress("comparing", min(pairs_done, summary.pairs), summary.pairs)
    finally:
        if pool:
            pool.terminate()
        _PRINTS = []
    summary.flagged = merge_batches(students, batches)
    summary.pages = write_report(summary, Path(class_dir), Path(out_dir), _HANDOUT, listing.entries,
                                 max_pages=max_pages, progress=progress)
    summary.seconds = time.perf_counter() - started
    return summary


def default_jobs() -> int:
    return os.cpu_count() or 1
