"""``embedlab export``: the assignment and its grades in the formats of other tools.

* ``nbgrader COURSE_DIR [--layout per-module|single] [--force]`` — an nbgrader course (``nbgrader.py``)
* ``gradescope OUT.zip``                               — a Gradescope autograder (``gradescope.py``)
* ``lms GRADEBOOK --format canvas|moodle|csv --out FILE`` — a gradebook for an LMS (``lms.py``)

Each target is one module with one keyword-only entry point; :func:`run` only dispatches and
reports. Importing this package is cheap: a target's module is imported when it is used.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError


def require_instructor_tree() -> None:
    """nbgrader and Gradescope exports need the solutions and the hidden cases: the instructor's checkout."""
    from ..paths import PROJECT_ROOT

    for needed in (PROJECT_ROOT / "solutions" / "bpe.py", PROJECT_ROOT / "grader" / "cases" / "hidden"):
        if not needed.exists():
            raise UsageError(f"{needed} is missing: this export needs the instructor's checkout of embedlab "
                             "(with solutions/ and the hidden cases), not the student handout")


def run(args, *, console) -> int:
    """Run ``embedlab export TARGET ...`` from parsed arguments; returns the exit status."""
    if args.target in ("nbgrader", "gradescope"):
        require_instructor_tree()
    if args.target == "nbgrader":
        from .nbgrader import export_course
        report = export_course(Path(args.course_dir), layout=args.layout, force=args.force)
        console.print(report.summary())
        return 0
    if args.target == "gradescope":
        from .gradescope import build_autograder
        report = build_autograder(Path(args.zip), course=getattr(args, "course", None))
        console.print(report.summary())
        return 0
    if args.target == "lms":
        from .lms import export_gradebook
        target = export_gradebook(Path(args.gradebook), Path(args.out), args.format)
        console.print(f"wrote {target} ({args.format} layout; see docs/lms-export.md to import it)")
        return 0
    raise UsageError(f"unknown export target {args.target!r} (nbgrader, gradescope or lms)")
