"""The similarity section of the class report (``embedlab report``): a summary of ``similarity.csv``.

The class report reads the graded folder; when ``embedlab similarity CLASS --out`` wrote into the
same folder, the report shows how many pairs were flagged, the most similar few and a link to
``similarity.html``. Standard library only: the report may be built where the detector is not
installed.
"""

from __future__ import annotations

import csv
import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from ..fsutil import spreadsheet_unquote

#: rows the class report shows (the CSV is sorted, most similar first)
SECTION_ROWS = 10


@dataclass
class SimilaritySection:
    """What the class report shows: counts, the first rows, when the CSV was written."""

    rows: int = 0
    pairs: int = 0
    top: list[dict[str, str]] = field(default_factory=list)
    written: str = ""
    has_page: bool = False


def read_section(out_dir: Path, top: int = SECTION_ROWS) -> SimilaritySection | None:
    """The summary of ``out_dir/similarity.csv``, or None when there is none (or it cannot be read)."""
    path = Path(out_dir) / "similarity.csv"
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            section = SimilaritySection()
            pairs = set()
            for row in csv.DictReader(handle):
                row = {k: spreadsheet_unquote(v or "") for k, v in row.items() if k}
                section.rows += 1
                pairs.add((row.get("student_a"), row.get("student_b")))
                if len(section.top) < top:
                    section.top.append(row)
            section.pairs = len(pairs)
            section.written = _dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone().strftime("%Y-%m-%d %H:%M")
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    section.has_page = (Path(out_dir) / "similarity.html").is_file()
    return section
