"""``embedlab submit --id ID``: a last check, then ``ID.zip`` with exactly what the grader reads.

The zip holds the five module files at its top and ``answers.yaml`` if there is one (SPEC 7), so
the grader reads it as the student's folder. The files are read the way the grader reads them
(:func:`grader.grading.submission.read_submission`): a file the grader would refuse (missing, a link, over
1 MiB, not UTF-8) stops the packing with one line that names it, rather than a zip that scores 0.
The zip is written to a temporary file and renamed, so an interrupted submit never leaves half a
zip behind. The last check informs about work in progress (failing functions may be handed in),
but a module that does not load at all stops the packing (exit 1, the file named first): the grader
would score every function in it 0, and a syntax error on line 2 of 40 is cheap to fix now.
``--anyway`` packs regardless.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..errors import UsageError
from ..paths import EXERCISE_MODULES
from ..grading.submission import ANSWERS_FILE, STUDENT_ID

#: a fixed timestamp: the same files give the same zip, byte for byte
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def check_student_id(student_id: str) -> str:
    """The ID as SPEC 7 fixes it, or a UsageError saying what is wrong."""
    if not STUDENT_ID.fullmatch(student_id or "") or student_id.startswith("."):
        raise UsageError(f"{student_id!r} is not a valid student ID: use 1 to 64 letters, digits and . _ @ - "
                         "(not starting with '.'), as your instructor gave it")
    return student_id


def check_out_folder(out_dir: Path, flag: str) -> bool:
    """The folder the zip goes to: it must be writable, and a path is never made up on a typo.

    A missing folder whose parent exists will be created (like ``mkdir``, not ``mkdir -p``): the
    return value says so, for the caller to tell the student. A deeper missing path is refused.
    """
    import os

    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{flag} {out_dir}: exists and is not a folder")
    target = out_dir if out_dir.is_dir() else out_dir.absolute().parent
    if not target.is_dir():
        raise UsageError(f"{flag} {out_dir}: no such folder, and neither is {target} (create it first, or "
                         f"leave out {flag} to write the zip in the current folder)")
    if not os.access(target, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {out_dir}: cannot write in {target} (permission denied or a read-only disk); "
                         "choose another folder")
    return not out_dir.is_dir()


def find_answers(folder: Path) -> Path | None:
    """``answers.yaml`` in the exercise folder, else in the current folder, else beside the folder."""
    for place in (folder, Path("."), folder.absolute().parent):
        candidate = place / ANSWERS_FILE
        if candidate.is_file():
            return candidate
    return None


def pack(folder: Path, answers: Path | None) -> tuple[bytes, list[str]]:
    """The zip's bytes and its member names; UsageError naming any file the grader would not read."""
    from ..grading.submission import read_submission

    shown = folder.as_posix().rstrip("/")
    sub = read_submission("submit", [folder])
    if sub.error:
        raise UsageError(f"{shown}: {sub.error}")
    problems = []
    for module in EXERCISE_MODULES:
        path = folder / f"{module}.py"
        if path.is_symlink():
            problems.append(f"{shown}/{module}.py is a symbolic link (put the file itself there)")
        elif not path.is_file():
            problems.append(f"{shown}/{module}.py is missing")
        elif module not in sub.modules or sub.modules[module].encode("utf-8") != path.read_bytes():
            notes = [n for n in sub.notes if f"{module}.py was not read: " in n]
            reason = notes[0].split(" was not read: ", 1)[1] if notes else "the grader would not read it"
            problems.append(f"{shown}/{module}.py: {reason}")
    if problems:
        raise UsageError("; ".join(problems) + " — a submission needs all five files (an untouched stub is fine)")
    members = {f"{m}.py": sub.modules[m].encode("utf-8") for m in EXERCISE_MODULES}
    if answers is not None:
        data = answers.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{answers}: not UTF-8 text; save it as UTF-8 or remove it") from None
        members[ANSWERS_FILE] = data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue(), list(members)


def submit(*, student_id: str, path: Path | None = None, out: Path | None = None, console,
           anyway: bool = False) -> int:
    """Validate the ID, show a last check, write ``ID.zip`` atomically; 0 once the zip is written.

    1, with nothing written, when a module does not load (unless ``anyway``).
    """
    from rich.text import Text

    from .check import Checker, render, resolve_folder
    from ..fsutil import atomic_write_bytes

    student_id = check_student_id(student_id)
    folder = resolve_folder(path)
    out_dir = Path(out) if out is not None else Path.cwd()
    create = check_out_folder(out_dir, "--out")
    answers = find_answers(folder)
    data, names = pack(folder, answers)   # refuse before the check if a file is missing

    with Checker(folder, tuple(EXERCISE_MODULES)) as checker:
        report = checker.run()
    if report.not_loaded and not anyway:  # the reason first, before the table
        for problem in report.file_problems:
            if any(f"{m}.py" in problem or f"({m})" in problem for m in report.not_loaded):
                console.print(Text(problem, style="bold red"))
    render(report, console, brief=True)
    if report.not_loaded and not anyway:
        files = ", ".join(f"{m}.py" for m in report.not_loaded)
        console.print(Text(f"not packed: {files} does not load, so every function in it would score 0 "
                           "(see the problem above). Fix it and run submit again, or add --anyway to "
                           "pack it as it is.", style="bold red"))
        return 1

    target = out_dir / f"{student_id}.zip"
    if create:
        out_dir.mkdir()
        console.print(Text(f"created the folder {out_dir}", style="dim"))
    atomic_write_bytes(target, data)
    console.print(Text(f"wrote {target} ({', '.join(names)})", style="bold green"))
    if answers is None:
        console.print(Text("no answers.yaml found: quiz questions will score 0 (`embedlab quiz --template answers.yaml --id YOUR_ID` writes one to fill in)",
                           style="yellow"))
    else:
        console.print(Text(f"answers taken from {answers}", style="dim"))
    if not report.all_passed:
        console.print(Text(f"{report.done}/{len(report.checkable)} functions pass the public checks; you can "
                           "submit again later, the last upload counts.", style="dim"))
    console.print(Text(f"Upload {target.name} where your instructor said.", style="bold"))
    return 0
