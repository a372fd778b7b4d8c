"""Hypothesis profiles for the project's own tests.

Property tests explore fresh random inputs on every local run (that is how they find bugs), but CI
must never fail by chance: a red CI run has to mean the code changed, not the dice. So there are
two profiles, chosen by the environment variable ``HYPOTHESIS_PROFILE``:

- ``ci``: derandomized (the same examples every run, derived from each test's name), no deadline
  (a shared CI machine's timings say nothing), no example database (a fresh clone has none, and a
  stale one would make runs differ), and ``print_blob`` so a failure prints the line that replays it.
  ``.ci/run`` sets ``HYPOTHESIS_PROFILE=ci``; ``CI=true`` (what most CI services set) selects it too.
- ``dev`` (the default locally): random and with the example database, so runs keep exploring and a
  failure found once is replayed first next time. An input hypothesis finds becomes an ``@example``
  on its test, so CI checks it from then on.

The profile is loaded here, before any test module is imported: the modules build their
``settings(max_examples=...)`` objects at import time, and those inherit from the loaded profile.
"""

from __future__ import annotations

import os

from hypothesis import settings

# Both built on hypothesis's own "default" profile, not on whatever is loaded now: recent hypothesis
# loads a built-in "ci" profile by itself when it sees CI variables, and "dev" must not inherit that.
_BASE = settings.get_profile("default")
settings.register_profile("ci", _BASE, derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("dev", _BASE, deadline=None)


def hypothesis_profile(environ: dict[str, str] = os.environ) -> str:
    """The profile to use: ``HYPOTHESIS_PROFILE`` if set, else ``ci`` when ``CI`` is true, else ``dev``.

    >>> hypothesis_profile({"CI": "true"}), hypothesis_profile({})
    ('ci', 'dev')
    """
    chosen = environ.get("HYPOTHESIS_PROFILE", "").strip()
    if chosen:
        return chosen
    return "ci" if environ.get("CI", "").strip().lower() in {"1", "true", "yes"} else "dev"


settings.load_profile(hypothesis_profile())
