"""Files written so that a crash never leaves one half-written, and cells no spreadsheet runs."""

from __future__ import annotations

import csv
import errno
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and an atomic rename.

    ``durable=False`` skips the fsync: still never half-written if embedlab crashes, but a power cut
    may lose the new file. Only for files rebuilt from others on the next run (10,000 fsyncs are a
    minute on a busy disk).
    """
    atomic_write_chunks(path, [data], durable=durable)


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], *, durable: bool = True) -> None:
    """:func:`atomic_write_bytes` for data made piece by piece (a file too large to hold twice)."""
    path = Path(path)
    if path.is_dir():  # else the rename fails naming the temporary file, which the user never asked for
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _about(exc, path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise _about(exc, path) from None
        raise


def _about(exc: OSError, path: Path) -> OSError:
    """The same error, naming the file that was to be written rather than its temporary twin."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8, ``\\n`` line endings)."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


#: a spreadsheet runs a cell starting with one of these as a formula (CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A CSV cell that Excel, LibreOffice and Google Sheets show as text, never run.

    Numbers stay numbers (a negative score is still a number); any other text that starts like a
    formula gets a leading apostrophe, as OWASP recommends.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_unquote(cell: str) -> str:
    """The text :func:`spreadsheet_safe` protected: ``"'=1+1"`` -> ``"=1+1"``; other cells unchanged."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def spreadsheet_csv(rows) -> str:
    """CSV text (``\n`` line ends) of ``rows``, every cell made :func:`spreadsheet_safe`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue()
