"""The instructor's class report (``embedlab report DIR``): what the class understood, and who needs help.

From a graded output folder (``gradebook.csv``, ``gradebook.db`` or ``<student>/results.json``,
``skipped.csv``) and the quizzes, it writes ``DIR/report.html`` (one self-contained page: inline
SVG plots and CSS, no script, nothing fetched, printable), ``DIR/items.csv`` (one row per case and
quiz question with its statistics) and ``DIR/<student>/feedback.html`` (feedback.md as a page, lost
points first). The steps are in ``build.py``; ``collect.py`` reads the folder, ``stats.py`` holds
the classical test statistics, ``plots.py`` draws, ``templates/`` holds the Jinja2 pages.

Importing this package is cheap; matplotlib and Jinja2 (``pip install 'embedlab[report]'``) are
imported only when a report is built.
"""

from __future__ import annotations

from ..errors import UsageError

INSTALL_HINT = "pip install 'embedlab[report]'"


def missing_dependency() -> str | None:
    """The name of the report's first missing optional library, or None when all are there."""
    import importlib.util

    for name in ("matplotlib", "jinja2"):
        if importlib.util.find_spec(name) is None:
            return name
    return None


def require_report_libraries() -> None:
    """Raise a one-line :class:`UsageError` saying how to install the report's libraries if one is missing."""
    name = missing_dependency()
    if name is not None:
        raise UsageError(f"embedlab report needs the optional extra ({name} is not installed): {INSTALL_HINT}")


__all__ = ["INSTALL_HINT", "missing_dependency", "require_report_libraries"]
