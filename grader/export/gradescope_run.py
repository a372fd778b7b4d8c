"""Grade one Gradescope submission: what ``run_autograder`` runs in Gradescope's container.

Gradescope puts the student's files in ``/autograder/submission`` and reads the score from
``/autograder/results/results.json``. This grades that folder as one student with the engine's own
steps (``read_submission``, then :class:`grader.grading.engine.Judge` — sandboxed child, public and hidden
cases, quizzes), and writes the engine's Gradescope ``results.json``. Only the root differs
between Gradescope and a test::

    EMBEDLAB_AUTOGRADER_ROOT   the /autograder folder (default /autograder)

and the limits, as ``embedlab grade``'s options set them (defaults: SPEC 7's)::

    EMBEDLAB_CASE_SECONDS, EMBEDLAB_SUBMISSION_SECONDS, EMBEDLAB_MEMORY_MB

The student ID (it picks quiz variants, as ``embedlab quiz --id`` does) comes from
``submission_metadata.json``: the first user's ``sid``, else the e-mail address, when it is a valid
embedlab ID (SPEC 7); else ``student``. A submission uploaded as a single ``.zip`` is read like a
zip in a class folder.

With a course file bundled (``embedlab export gradescope --course FILE``), results.json follows it:
visibility per test, the late penalty from ``created_at`` (see grader/course/gradescope.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT_ENV = "EMBEDLAB_AUTOGRADER_ROOT"
DEFAULT_ROOT = Path("/autograder")
FALLBACK_ID = "student"


def autograder_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)


def limits_from_environment():
    """:class:`grader.sandbox.zygote.Limits`, with what the environment variables above change."""
    from ..sandbox.zygote import Limits

    limits = Limits()
    changes = {}
    for variable, field, scale in (("EMBEDLAB_CASE_SECONDS", "case_seconds", 1.0),
                                   ("EMBEDLAB_SUBMISSION_SECONDS", "submission_seconds", 1.0),
                                   ("EMBEDLAB_MEMORY_MB", "memory_bytes", float(1 << 20))):
        text = os.environ.get(variable)
        if not text:
            continue
        try:
            value = float(text) * scale
        except ValueError:
            raise ValueError(f"{variable}={text!r} is not a number") from None
        if not value > 0:
            raise ValueError(f"{variable}={text!r} must be more than 0")
        changes[field] = int(value) if field == "memory_bytes" else value
    return dataclasses.replace(limits, **changes) if changes else limits


def student_id(metadata: dict) -> str:
    """The embedlab student ID of a Gradescope submission (see the module docstring)."""
    from ..grading.submission import STUDENT_ID

    users = metadata.get("users") if isinstance(metadata, dict) else None
    first = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
    for key in ("sid", "email"):
        value = first.get(key)
        if isinstance(value, str) and STUDENT_ID.fullmatch(value) and not value.startswith("."):
            return value
    return FALLBACK_ID


def read_metadata(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def submission_entry(folder: Path) -> Path:
    """The folder itself, or the one ``.zip`` in it when that is all the student uploaded."""
    try:
        items = [p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    except OSError:
        return folder
    zips = [p for p in items if p.is_file() and p.suffix.lower() == ".zip" and not p.is_symlink()]
    return zips[0] if len(items) == 1 and len(zips) == 1 else folder


def grade(root: Path) -> dict:
    """Grade ``root/submission``; returns Gradescope's results.json as a dict."""
    from ..grading.engine import Judge, paths_to_hide
    from ..grading.results import SubmissionResult
    from ..grading.submission import read_submission

    started = time.monotonic()
    metadata = read_metadata(root / "submission_metadata.json")
    student = student_id(metadata)
    sub = read_submission(student, [submission_entry(root / "submission")])
    judge = Judge(limits_from_environment(), hide=paths_to_hide([root]))
    try:
        result: SubmissionResult = judge.grade(sub)
        quizzes = judge.quizzes
    finally:
        judge.close()
    result.execution_time = time.monotonic() - started
    # the course policy the export bundled (grader/course/gradescope.py): visibility, late penalty
    from ..course.gradescope import autograder_policy
    from ..paths import PROJECT_ROOT

    policy, notes = autograder_policy(PROJECT_ROOT, metadata, student, quizzes=quizzes)
    result.notes += notes
    return policy.gradescope(result) if policy is not None else result.gradescope()


def main() -> int:
    from .. import __version__
    from ..fsutil import atomic_write_text

    root = autograder_root()
    results = root / "results" / "results.json"
    print(f"embedlab {__version__} from {Path(__file__).resolve().parents[2]}: grading {root / 'submission'}")
    try:
        payload = grade(root)
        status = 0
    except Exception as exc:  # a bug of embedlab or a broken image: the student still gets a result
        payload = {"score": 0.0, "output": "The autograder could not grade this submission "
                   f"({type(exc).__name__}: {exc}). Please tell your instructor.", "tests": []}
        status = 1
        import traceback
        traceback.print_exc()
    atomic_write_text(results, json.dumps(payload, indent=2) + "\n")
    print(f"score {payload['score']:g}; wrote {results}")
    return status


if __name__ == "__main__":
    sys.exit(main())
