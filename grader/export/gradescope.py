"""``embedlab export gradescope OUT.zip``: a Gradescope autograder for the assignment.

The zip, as Gradescope wants it (its autograder specification: ``setup.sh`` and ``run_autograder``
at the top, ``\\n`` line endings, both executable)::

    setup.sh            once, when Gradescope builds the image: a Python >= 3.11 (apt if missing),
                        a venv in /autograder/embedlab-venv with requirements.txt, and the bundled
                        source tree put on that venv's path (what ``pip install -e`` does, without
                        needing setuptools)
    run_autograder      for each submission: ``python -m grader.export.gradescope_run``
    requirements.txt    numpy, pyyaml, rich, nbformat, tzdata, pinned to the versions this export ran with
                        (the only downloads, from PyPI)
    embedlab/           the source tree: grader/ (with the public AND hidden cases), solutions/,
                        exercises/, quizzes/ (with their answer keys), pyproject.toml

The zip holds the solutions and the hidden cases, because the grader needs them: it must stay on
Gradescope's side (upload it as the autograder, never share it with students). On Gradescope
every submission runs in embedlab's sandbox like in ``embedlab grade``: Gradescope runs the
autograder as root, and the sandbox runs student code under an unprivileged uid of its own.

For tests and trials, two environment variables change where things are:
``EMBEDLAB_AUTOGRADER_ROOT`` (default ``/autograder``) and ``EMBEDLAB_PYTHON`` (a Python that
already has the requirements: ``setup.sh`` then installs nothing and ``run_autograder`` uses it).
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..errors import UsageError
from ..fsutil import atomic_write_bytes
from ..paths import PROJECT_ROOT

#: what of the checkout the autograder needs, relative to it
TREE = ("pyproject.toml", "README.md", "grader", "solutions", "exercises", "quizzes")
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints"}
SKIP_SUFFIXES = (".pyc", ".pyo")
REQUIREMENTS = ("numpy", "pyyaml", "rich", "nbformat", "tzdata")
TREE_DIR = "embedlab"
VENV = "embedlab-venv"
#: 1980-01-01, zip's first date: the same export gives the same bytes
EPOCH = (1980, 1, 1, 0, 0, 0)

SETUP_SH = """\
#!/usr/bin/env bash
# embedlab autograder: Gradescope runs this once, as root, when it builds the image.
# It needs a Python >= 3.11 with venv, and PyPI for requirements.txt; nothing else is downloaded.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${EMBEDLAB_AUTOGRADER_ROOT:-/autograder}"

if [ -n "${EMBEDLAB_PYTHON:-}" ]; then
    # a Python that already has everything (tests, trials): check it, install nothing
    "$EMBEDLAB_PYTHON" -c 'import sys, numpy, yaml, rich, nbformat; assert sys.version_info >= (3, 11)'
    echo "embedlab: using $EMBEDLAB_PYTHON as it is"
    exit 0
fi

pick_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \\
           && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

PYTHON="$(pick_python || true)"
if [ -z "$PYTHON" ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3.11 python3.11-venv \\
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3 python3-venv
    PYTHON="$(pick_python)"
fi
if ! "$PYTHON" -m venv "$ROOT/__VENV__"; then
    # Debian and Ubuntu ship venv separately
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$(basename "$PYTHON")-venv" python3-venv || true
    "$PYTHON" -m venv "$ROOT/__VENV__"
fi
"$ROOT/__VENV__/bin/python" -m pip install -q --upgrade pip
"$ROOT/__VENV__/bin/python" -m pip install -q -r "$HERE/requirements.txt"
# the source tree on the venv's path: the cases, solutions and quizzes stay beside the grader
SITE="$("$ROOT/__VENV__/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$HERE/__TREE__" > "$SITE/embedlab.pth"
"$ROOT/__VENV__/bin/python" -c 'import grader, numpy; print("embedlab", grader.__version__, "ready")'
""".replace("__VENV__", VENV).replace("__TREE__", TREE_DIR)

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# embedlab autograder: Gradescope runs this for every submission. It grades
# $ROOT/submission as one student and writes $ROOT/results/results.json.
set -uo pipefail
ROOT="${EMBEDLAB_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${EMBEDLAB_PYTHON:-$ROOT/__VENV__/bin/python}"
TREE="$ROOT/source/__TREE__"
cd "$TREE"
export EMBEDLAB_AUTOGRADER_ROOT="$ROOT"
export PYTHONPATH="$TREE"
exec "$PYTHON" -m grader.export.gradescope_run
""".replace("__VENV__", VENV).replace("__TREE__", TREE_DIR)


@dataclass
class BundleReport:
    zip_path: Path
    files: int
    requirements: list[str]

    def summary(self) -> str:
        return (f"wrote Gradescope autograder {self.zip_path} ({self.files} files; requirements "
                f"{', '.join(self.requirements)})\n"
                "upload it as the assignment's autograder (it contains the solutions and the hidden cases: "
                "never give it to students)")


def requirements() -> list[str]:
    """The runtime requirements, pinned to the versions installed here (what this export tested)."""
    pinned = []
    for name in REQUIREMENTS:
        try:
            pinned.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pinned.append(name)
    return pinned


def tree_files(root: Path = PROJECT_ROOT) -> list[tuple[str, Path]]:
    """``(name in the zip, file)`` for the source tree, sorted; caches and bytecode left out."""
    found: list[tuple[str, Path]] = []
    for top in TREE:
        path = root / top
        if path.is_file():
            found.append((f"{TREE_DIR}/{top}", path))
            continue
        if not path.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for filename in sorted(filenames):
                file = Path(dirpath) / filename
                if filename.endswith(SKIP_SUFFIXES) or file.is_symlink() or not file.is_file():
                    continue
                found.append((f"{TREE_DIR}/{file.relative_to(root).as_posix()}", file))
    return sorted(found)


def _entry(name: str, data: bytes, executable: bool = False) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.create_system = 3  # Unix, so that unzip honours the mode
    return info, data


def build_autograder(zip_path: Path, course: Path | None = None) -> BundleReport:
    """Write the autograder zip (see the module docstring); returns what was written.

    ``course``: a course file, checked here and bundled so Gradescope applies its policy
    (grader/course/gradescope.py).
    """
    zip_path = Path(zip_path)
    course_entry = _course_entry(course) if course is not None else []
    if zip_path.suffix.lower() != ".zip":
        raise UsageError(f"{zip_path}: the autograder must be a .zip file")
    if zip_path.exists() and not zip_path.is_file():
        raise UsageError(f"{zip_path}: exists and is not a file")
    if PROJECT_ROOT.resolve() in zip_path.resolve().parents:
        for top in TREE:
            if (PROJECT_ROOT / top).resolve() in zip_path.resolve().parents:
                raise UsageError(f"{zip_path}: would be written into the tree it packs; choose another place")
    pins = requirements()
    entries = [_entry("setup.sh", SETUP_SH.encode(), executable=True),
               _entry("run_autograder", RUN_AUTOGRADER.encode(), executable=True),
               _entry("requirements.txt", ("\n".join(pins) + "\n").encode()),
               _entry("README.txt", readme().encode())]
    entries += [_entry(name, file.read_bytes()) for name, file in tree_files()] + course_entry
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, data in entries:
            archive.writestr(info, data)
    atomic_write_bytes(zip_path, buffer.getvalue())
    return BundleReport(zip_path, len(entries), pins)


def _course_entry(course: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    """The course file, validated as ``embedlab grade`` would (one-line error, exit 2, no zip written)."""
    from ..course import load_course
    from ..course.gradescope import BUNDLED_NAME
    from ..grading.engine import load_quizzes_or_none
    from ..paths import EXERCISE_MODULES

    quizzes = load_quizzes_or_none()
    loaded = load_course(Path(course), quiz_modes={q.id: q.mode for q in quizzes},
                         parts=(*EXERCISE_MODULES, *(q.id for q in quizzes)))
    return [_entry(f"{TREE_DIR}/{BUNDLED_NAME}", loaded.text.encode("utf-8"))]


def readme() -> str:
    return f"""embedlab {__version__} autograder for Gradescope (written by 'embedlab export gradescope').

Upload this zip as the programming assignment's autograder. setup.sh installs Python and the
requirements once; run_autograder grades each submission (the five exercise files or their
notebooks, and answers.yaml, at the top of the upload or in one folder; or one .zip) with the
public and hidden cases and the quizzes, in embedlab's sandbox, and writes results.json.

This zip contains the reference solutions, the hidden cases and the quiz keys: keep it private.
"""
