"""Generate the student stubs in ``exercises/`` from the reference ``solutions/``.

``solutions/*.py`` is the one source of truth. Each part a student writes is fenced by nbgrader's
markers; generation replaces the fenced lines, markers included, by ``raise NotImplementedError``
at the markers' indentation. Everything else (imports, signatures, docstrings with their hints,
given helpers) is copied as it is, so stubs and solutions can never drift apart::

    def count_parameters(vocab_size: int, dim: int) -> int:      def count_parameters(vocab_size: int, dim: int) -> int:
        \"\"\"...\"\"\"                                     ->          \"\"\"...\"\"\"
        ### BEGIN SOLUTION                                          raise NotImplementedError
        return vocab_size * dim
        ### END SOLUTION

``python -m grader.authoring.generate`` rewrites ``exercises/``; ``--check`` only reports drift (exit 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..fsutil import atomic_write_text
from ..paths import EXERCISE_MODULES, PROJECT_ROOT

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB_LINE = "raise NotImplementedError"


class MarkerError(ValueError):
    """Unbalanced or misplaced solution markers; the message names file and line."""


def make_stub(source: str, filename: str = "<source>") -> str:
    """Return ``source`` with every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block replaced.

    >>> make_stub("def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n    ### END SOLUTION\\n")
    'def f():\\n    raise NotImplementedError\\n'
    """
    out: list[str] = []
    begin_line = 0
    indent = ""
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if begin_line:
                raise MarkerError(f"{filename}:{number}: {BEGIN} inside the block opened at line {begin_line}")
            begin_line = number
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}{STUB_LINE}\n")
        elif marker == END:
            if not begin_line:
                raise MarkerError(f"{filename}:{number}: {END} without a {BEGIN}")
            if line[: len(line) - len(line.lstrip())] != indent:
                raise MarkerError(f"{filename}:{number}: {END} is not indented like its {BEGIN} (line {begin_line})")
            begin_line = 0
        elif not begin_line:
            out.append(line)
    if begin_line:
        raise MarkerError(f"{filename}:{begin_line}: {BEGIN} is never closed")
    return "".join(out)


def expected_stubs(solutions_dir: Path | None = None) -> dict[str, str]:
    """The text every ``exercises/`` file must have: file name -> generated source."""
    solutions_dir = solutions_dir or PROJECT_ROOT / "solutions"
    stubs = {"__init__.py": (solutions_dir / "__init__.py").read_text(encoding="utf-8")}
    for name in EXERCISE_MODULES:
        path = solutions_dir / f"{name}.py"
        stubs[f"{name}.py"] = make_stub(path.read_text(encoding="utf-8"), str(path))
    return stubs


def drift(exercises_dir: Path | None = None, solutions_dir: Path | None = None) -> list[str]:
    """Names of the ``exercises/`` files that differ from what generation gives."""
    exercises_dir = exercises_dir or PROJECT_ROOT / "exercises"
    differ = []
    for name, text in expected_stubs(solutions_dir).items():
        path = exercises_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            differ.append(name)
    return differ


def generate(exercises_dir: Path | None = None, solutions_dir: Path | None = None) -> list[str]:
    """Write the stubs; returns the names of the files that changed."""
    exercises_dir = exercises_dir or PROJECT_ROOT / "exercises"
    exercises_dir.mkdir(parents=True, exist_ok=True)
    changed = drift(exercises_dir, solutions_dir)
    stubs = expected_stubs(solutions_dir)
    for name in changed:
        atomic_write_text(exercises_dir / name, stubs[name])
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.authoring.generate",
        description="Generate exercises/ (student stubs) from solutions/ (reference answers).",
    )
    parser.add_argument("--check", action="store_true", help="only report stubs that differ; exit 1 if any")
    args = parser.parse_args(argv)
    try:
        if args.check:
            changed = drift()
            for name in changed:
                print(f"exercises/{name} differs from what generation gives", file=sys.stderr)
            return 1 if changed else 0
        changed = generate()
    except (MarkerError, OSError) as exc:
        print(f"embedlab generate: {exc}", file=sys.stderr)
        return 2
    print("\n".join(f"wrote exercises/{n}" for n in changed) or "exercises/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
