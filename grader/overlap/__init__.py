"""Code similarity across a class (``embedlab similarity``): who shares code with whom, offline.

Every pair of submissions is compared module by module with copydetect's method (winnowing
fingerprints of the tokenized code, Schleimer, Wilkerson & Aiken 2003, the idea behind MOSS), but
on the student's own code only: the handout's stubs, docstrings and given helpers never count, and
neither do functions too short to mean anything. The pipeline is ``run.py`` (steps at its top):
``fingerprint.py`` turns a module into fingerprints once per submission, ``compare.py`` scores a
pair from fingerprints alone, ``report.py`` writes ``similarity.csv`` and ``similarity.html``.

Importing this package is cheap (the CLI reads the defaults below for ``--help``); the detector
(``pip install 'embedlab[similarity]'``) is imported only when a comparison runs.

Similarity is a reason to look, never a verdict.
"""

from __future__ import annotations

from ..errors import UsageError

#: the default threshold: a pair is flagged when this share of one side's code in a module, or of
#: one non-trivial student function, is also in the other. bench/similarity_threshold.py measures
#: it: at 0.6 every disguised copy of a function (names changed, statements swapped, messages
#: reworded, reformatted) is found and none of the 24 independent correct implementations is.
THRESHOLD = 0.6
#: functions (and overlaps) smaller than this many filtered characters (about 4 lines) never count
#: alone: ``return vocab_size * dim`` is the same in everyone's code and proves nothing
MIN_TOKENS = 60
#: pairs shown side by side in similarity.html (the CSV always lists every flagged pair)
MAX_PAGES = 200
#: k-gram length in filtered characters (copydetect's "noise threshold"; its default is 25, but
#: filtering leaves a typical line at 10-20 characters, and with 25 a copy whose lines were
#: reordered keeps too few k-grams: measured in bench/similarity_threshold.py --noise)
NOISE = 15
#: winnowing window in k-grams: any shared run of NOISE + WINDOW - 1 = 18 characters is found
WINDOW = 4

INSTALL_HINT = "pip install 'embedlab[similarity]'"


def require_detector() -> None:
    """Raise a one-line :class:`UsageError` saying how to install the detector if it is missing."""
    try:
        import copydetect.utils  # noqa: F401
        import jinja2  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"embedlab similarity needs the optional detector ({exc.name} is not installed): "
                         f"{INSTALL_HINT}") from None


__all__ = ["INSTALL_HINT", "MAX_PAGES", "MIN_TOKENS", "NOISE", "THRESHOLD", "WINDOW", "require_detector"]
