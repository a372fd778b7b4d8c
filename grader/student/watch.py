"""``--watch``: notice when a student saves a file, by polling modification times.

Polling twice a second is instant enough for a person and needs no dependency (inotify, FSEvents
and Windows' API differ; ``watchfiles`` would be a compiled dependency for one feature). Only the
files a submission is made of are watched (``*.py``, ``*.ipynb``, ``*.yaml``) at the two levels
:func:`grader.grading.submission.read_submission` reads; editor swap files, dot files and ``__pycache__``
are ignored, so saving in an editor triggers one run, not three.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

POLL_SECONDS = 0.5
#: after a change, wait until the folder has been quiet this long (editors write in steps)
SETTLE_SECONDS = 0.15
WATCHED_SUFFIXES = (".py", ".ipynb", ".yaml", ".yml")

Snapshot = dict[str, tuple[int, int]] | None


def snapshot(folder: Path) -> Snapshot:
    """``{relative path: (mtime_ns, size)}`` of the watched files; None if the folder is gone."""
    folder = Path(folder)
    found: dict[str, tuple[int, int]] = {}
    try:
        levels = [folder, *(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))]
        for level in levels:
            for path in level.iterdir():
                if path.name.startswith(".") or not path.name.endswith(WATCHED_SUFFIXES):
                    continue
                try:
                    info = path.stat()
                except OSError:
                    continue  # deleted between listing and stat: the next poll sees it gone
                found[path.relative_to(folder).as_posix()] = (info.st_mtime_ns, info.st_size)
    except OSError:
        return None
    return found


def watch(folder: Path, run: Callable[[Callable[[], bool]], None], *, poll: float = POLL_SECONDS,
          sleep: Callable[[float], None] = time.sleep) -> None:
    """Call ``run(stale)`` now and after every change under ``folder``; returns only by an exception
    (Ctrl-C raises KeyboardInterrupt, which the caller turns into a clean exit).

    ``stale()`` is True once a watched file has changed since that run began: a long run asks it
    between its steps and gives up at once, and the next run starts as soon as the folder has
    settled, instead of after the stale run has finished.
    """
    last = snapshot(folder)
    while True:
        began = last

        def stale(began: Snapshot = began) -> bool:
            return snapshot(folder) != began

        run(stale)
        now = snapshot(folder)
        while now == last:
            sleep(poll)
            now = snapshot(folder)
        while True:  # let the editor finish writing
            sleep(SETTLE_SECONDS)
            settled = snapshot(folder)
            if settled == now:
                break
            now = settled
        last = now
