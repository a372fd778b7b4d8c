"""The similarity report: ``similarity.csv`` for a spreadsheet, ``similarity.html`` to read side by side.

Everything a submission contributes (student IDs, file names, code) is untrusted: the page is
rendered by Jinja2 with autoescaping on, the code is escaped by copydetect's ``highlight_overlap``
(``escape_html=True``) before the ``<mark>`` tags go in, and every CSV cell goes through
``fsutil.spreadsheet_csv`` (a cell a spreadsheet would run as a formula gets a leading ``'``).

The page is one self-contained file (no script, no web font, nothing fetched): a table of the
flagged pairs, best first, then each pair as a ``<details>`` block with both modules side by side
and the shared code marked. It says plainly that similarity is a reason to look, never a verdict.
"""

from __future__ import annotations

import datetime as _dt
import functools
from pathlib import Path

import numpy as np

from .. import __version__
from ..fsutil import atomic_write_chunks, atomic_write_text, spreadsheet_csv
from ..grading.submission import read_submission
from ..paths import EXERCISE_MODULES
from .fingerprint import ModulePrint

CSV_NAME = "similarity.csv"
#: lines of unshared code shown around each shared run in the side-by-side view
CONTEXT_LINES = 6
HTML_NAME = "similarity.html"
CSV_COLUMNS = ("student_a", "student_b", "module", "similarity_a", "similarity_b", "tokens_shared",
               "functions", "shown")

#: the sentence every output carries
NOT_A_VERDICT = ("Similarity is a reason to look, never a verdict: shared code can come from the handout, "
                 "a textbook, an allowed study group or the one obvious way to write a short function. "
                 "Read both submissions and talk to the students before concluding anything.")


def functions_cell(functions: tuple[tuple[str, float], ...]) -> str:
    """``(("train_bpe", 0.93), ("encode", 0.7))`` -> ``"train_bpe 0.93; encode 0.70"``."""
    return "; ".join(f"{name} {share:.2f}" for name, share in functions)


def csv_chunks(summary, rows_per_chunk: int = 20_000):
    """``similarity.csv`` piece by piece (UTF-8 bytes): every flagged (pair, module), best first.

    ``shown`` is the pair's anchor in ``similarity.html`` when the page shows it.
    """
    yield spreadsheet_csv([CSV_COLUMNS]).encode("utf-8")
    flagged = summary.flagged
    c = flagged.columns   # read the columns directly: a row object per row costs more than the CSV
    cells = [functions_cell(f) for f in flagged.functions]
    students = flagged.students
    for start in range(0, len(flagged), rows_per_chunk):
        stop = min(start + rows_per_chunk, len(flagged))
        rows = zip(c["i"][start:stop].tolist(), c["j"][start:stop].tolist(), c["module"][start:stop].tolist(),
                   c["sim_a"][start:stop].round(3).tolist(), c["sim_b"][start:stop].round(3).tolist(),
                   c["tokens"][start:stop].tolist(), c["functions"][start:stop].tolist())
        yield spreadsheet_csv(
            (students[i], students[j], EXERCISE_MODULES[m], sim_a, sim_b, tokens, cells[f],
             f"{HTML_NAME}#pair-{rank}" if rank <= summary.pages else "")
            for rank, (i, j, m, sim_a, sim_b, tokens, f) in enumerate(rows, start + 1)).encode("utf-8")


def highlighted_code(mine: ModulePrint, source: str, shared) -> str:
    """``source`` as HTML: escaped, each run covered by a fingerprint from ``shared`` in ``<mark>``,
    and only ``CONTEXT_LINES`` lines of the rest around each run.

    The filtered positions are mapped back to the source with copydetect's own offset tables, as
    ``copydetect.compare_files`` does, region by region.
    """
    from copydetect.utils import get_copied_slices, highlight_overlap
    from markupsafe import escape

    parts = []
    for detail in mine.details:
        local = [p - detail.base for h in shared for p in mine.starts.get(h, ())
                 if detail.base <= p < detail.base + detail.length]
        if not local:
            continue
        slices = get_copied_slices(np.array(sorted(local), dtype=np.int64), mine.k)
        offsets = detail.offsets
        if len(offsets) > 0:
            slices = slices + offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], slices), 0, offsets.shape[0] - 1)]
        parts.append(np.clip(slices + detail.region.start, detail.region.start, detail.region.end))
    if not parts:  # highlight_overlap would hand the text back unescaped
        return str(escape(source))
    # only the shared runs and CONTEXT_LINES around them: the rest is mostly the handout, shown as "..."
    html, _ = highlight_overlap(source, np.concatenate(parts, axis=1).astype(np.int64), "<mark>", "</mark>",
                                truncate=CONTEXT_LINES, escape_html=True)
    return html


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape
    return Environment(loader=PackageLoader("grader.overlap", "templates"),
                       autoescape=select_autoescape(["html"], default=True), trim_blocks=True,
                       lstrip_blocks=True)


def write_report(summary, class_dir: Path, out_dir: Path, handout, entries: dict[str, list[Path]], *,
                 max_pages: int, progress=None) -> int:
    """Write ``similarity.html`` (the first ``max_pages`` pairs side by side), then ``similarity.csv``.

    Returns how many pairs the page shows. The two submissions of a shown pair are read again
    (the comparison kept only fingerprints), a few students at a time.
    """
    from markupsafe import Markup

    progress = progress or (lambda phase, done, total: None)

    @functools.lru_cache(maxsize=64)
    def modules_of(student: str) -> dict[str, str]:
        return read_submission(student, entries[student]).modules

    @functools.lru_cache(maxsize=128)
    def detailed(student: str, module: str) -> tuple[str, ModulePrint]:
        source = modules_of(student)[module]
        return source, handout.fingerprint(module, source, details=True)

    shown = []
    chosen = summary.flagged[:max_pages]
    for rank, row in enumerate(chosen, 1):
        progress("writing", rank - 1, len(chosen))
        source_a, print_a = detailed(row.student_a, row.module)
        source_b, print_b = detailed(row.student_b, row.module)
        shared = set(print_a.starts) & set(print_b.starts)
        shown.append({"rank": rank, "row": row, "match": row.match,
                      "functions": functions_cell(row.match.functions),
                      "code_a": Markup(highlighted_code(print_a, source_a, shared)),
                      "code_b": Markup(highlighted_code(print_b, source_b, shared))})
    summary.pages = len(shown)
    html = _environment().get_template("similarity.html").render(
        summary=summary, shown=shown, more=len(summary.flagged) - len(shown), class_name=Path(class_dir).name,
        verdict=NOT_A_VERDICT, version=__version__, modules=EXERCISE_MODULES, handout=handout,
        csv_name=CSV_NAME, date=_dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z"))
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / HTML_NAME, html)
    atomic_write_chunks(out_dir / CSV_NAME, csv_chunks(summary))
    progress("writing", len(chosen), len(chosen))
    return len(shown)
