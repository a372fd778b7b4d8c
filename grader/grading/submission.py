"""Reading a class: one entry per student, folders and zips, notebooks, and every way they break.

A class folder holds one entry per student: a folder, or a ``.zip`` whose stem is the student ID
(SPEC 7). Nothing in a submission is ever imported or executed here: this module only reads bytes.
It picks the files embedlab grades (the five modules, ``answers.yaml``, notebooks) and refuses, with
a message that names the file and the reason, everything it will not read: links, devices, pipes,
files over 1 MiB, text that is not UTF-8, and zips with unsafe or too many members.
"""

from __future__ import annotations

import hashlib
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .notebook import NotebookError, modules_from_notebook
from ..paths import EXERCISE_MODULES

STUDENT_ID = re.compile(r"[A-Za-z0-9._@-]{1,64}")
MAX_FILE_BYTES = 1 << 20
MAX_ZIP_MEMBERS = 100
MAX_ZIP_EXPANDED = 20 << 20
ANSWERS_FILE = "answers.yaml"
#: the notebook ``embedlab export nbgrader`` produces when all modules live in one notebook
COMBINED_NOTEBOOKS = ("embeddings.ipynb",)


@dataclass
class Submission:
    """What embedlab read from one student's entry; nothing here has been run."""

    student: str
    origin: str                      # the entry's name in the class folder
    modules: dict[str, str] = field(default_factory=dict)   # module -> source text
    answers: str | None = None       # answers.yaml text
    notes: list[str] = field(default_factory=list)          # messages the student should read
    error: str | None = None         # the whole submission was refused (reason)
    files_hash: str = ""             # sha256 of every file read, for regrading

    def missing_modules(self) -> list[str]:
        return [m for m in EXERCISE_MODULES if m not in self.modules]


@dataclass
class ClassListing:
    entries: dict[str, list[Path]]            # student ID -> its entries (more than one: refused)
    skipped: list[tuple[str, str]]            # (entry name, reason)


def list_class(folder: Path) -> ClassListing:
    """The class folder's entries, by student ID; anything that is not a submission is skipped."""
    entries: dict[str, list[Path]] = {}
    skipped: list[tuple[str, str]] = []
    for path in sorted(Path(folder).iterdir(), key=lambda p: p.name):
        name = path.name
        if path.is_symlink():
            skipped.append((name, "a symbolic link, not a submission"))
            continue
        if path.is_dir():
            student = name
        elif path.is_file() and name.lower().endswith(".zip"):
            student = name[:-4]
        else:
            skipped.append((name, "neither a folder nor a .zip"))
            continue
        if student.startswith(".") or not STUDENT_ID.fullmatch(student):
            skipped.append((name, "not a valid student ID (letters, digits and . _ @ -, at most 64, "
                                  "not starting with '.')"))
            continue
        entries.setdefault(student, []).append(path)
    return ClassListing(entries, skipped)


class _Files:
    """A uniform view of a folder or a zip: relative POSIX path -> a way to read its bytes."""

    def __init__(self) -> None:
        self.readable: dict[str, callable] = {}
        self.unreadable: dict[str, str] = {}   # relative path -> reason


def _folder_files(root: Path) -> _Files:
    files = _Files()
    # only two levels matter (top and its one subfolder); never follow links
    for level in (root, *sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())):
        for path in sorted(level.iterdir()):
            rel = path.relative_to(root).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                files.unreadable[rel] = "it is a symbolic link"
            elif stat.S_ISDIR(mode):
                continue
            elif not stat.S_ISREG(mode):
                files.unreadable[rel] = "it is not a regular file (a device, pipe or socket)"
            elif path.stat().st_size > MAX_FILE_BYTES:
                files.unreadable[rel] = f"it is larger than {MAX_FILE_BYTES // 1024} KiB"
            else:
                files.readable[rel] = path.read_bytes
    return files


def _zip_files(path: Path) -> tuple[_Files | None, str | None]:
    """The zip's members, read in memory only; or the reason the whole zip is refused."""
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return None, f"{path.name} is not a readable zip ({exc})"
    if len(infos) > MAX_ZIP_MEMBERS:
        return None, f"{path.name} has {len(infos)} members (at most {MAX_ZIP_MEMBERS})"
    if sum(i.file_size for i in infos) > MAX_ZIP_EXPANDED:
        return None, f"{path.name} expands to more than {MAX_ZIP_EXPANDED >> 20} MiB"
    files = _Files()
    budget = [MAX_ZIP_EXPANDED]
    for info in infos:
        name = info.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in pure.parts:
            return None, f"{path.name} has an unsafe member path {name!r} (absolute or with '..')"
        if stat.S_ISLNK(info.external_attr >> 16):
            return None, f"{path.name} contains a link ({name!r})"
        if info.is_dir():
            continue
        rel = pure.as_posix()
        if len(pure.parts) > 2 or "__MACOSX" in pure.parts:
            continue
        if info.file_size > MAX_FILE_BYTES:
            files.unreadable[rel] = f"it is larger than {MAX_FILE_BYTES // 1024} KiB"
            continue

        def read(info: zipfile.ZipInfo = info) -> bytes:
            # the declared size may lie (a zip bomb): never read more than the budget allows
            with archive.open(info) as handle:
                data = handle.read(min(MAX_FILE_BYTES, budget[0]) + 1)
            if len(data) > MAX_FILE_BYTES:
                raise _TooLarge(f"it is larger than {MAX_FILE_BYTES // 1024} KiB")
            budget[0] -= len(data)
            if budget[0] < 0:
                raise _TooLarge(f"the zip expands to more than {MAX_ZIP_EXPANDED >> 20} MiB")
            return data

        files.readable[rel] = read
    return files, None


class _TooLarge(Exception):
    pass


_WANTED = {f"{m}.py" for m in EXERCISE_MODULES} | {f"{m}.ipynb" for m in EXERCISE_MODULES} \
    | {ANSWERS_FILE, *COMBINED_NOTEBOOKS}


def _choose_folder(names: list[str]) -> str:
    """The top of the submission, or else its one subfolder that holds the files (SPEC 7)."""
    if any("/" not in n and n in _WANTED for n in names):
        return ""
    holders = sorted({n.split("/")[0] for n in names if "/" in n and n.split("/", 1)[1] in _WANTED})
    return holders[0] + "/" if len(holders) == 1 else ""


def read_submission(student: str, entries: list[Path]) -> Submission:
    """Read one student's entry into a :class:`Submission` (never raises for bad student input)."""
    origin = ", ".join(p.name for p in entries)
    sub = Submission(student=student, origin=origin)
    if len(entries) > 1:
        sub.error = (f"both {origin} were handed in for {student}; "
                     "embedlab will not guess which one counts — remove one and grade again")
        return sub
    entry = entries[0]
    if entry.is_dir():
        try:
            files = _folder_files(entry)
        except OSError as exc:
            sub.error = f"{entry.name}: cannot read the folder ({exc.strerror or exc})"
            return sub
    else:
        files, refusal = _zip_files(entry)
        if refusal:
            sub.error = refusal
            return sub
    prefix = _choose_folder(list(files.readable) + list(files.unreadable))
    digest = hashlib.sha256()

    def read_text(rel: str) -> str | None:
        shown = f"{entry.name}/{rel}"
        if rel in files.unreadable:
            sub.notes.append(f"{shown} was not read: {files.unreadable[rel]}")
            return None
        reader = files.readable.get(rel)
        if reader is None:
            return None
        try:
            data = reader()
        except _TooLarge as exc:
            sub.notes.append(f"{shown} was not read: {exc}")
            return None
        except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
            sub.notes.append(f"{shown} was not read: it is unreadable ({exc})")
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            sub.notes.append(f"{shown} was not read: it is not UTF-8 text (byte {exc.start})")
            return None
        digest.update(f"{rel}\0{len(data)}\0".encode() + data)
        return text

    notebook_modules: dict[str, tuple[str, str]] = {}   # module -> (source, notebook name)
    for name in (*COMBINED_NOTEBOOKS, *(f"{m}.ipynb" for m in EXERCISE_MODULES)):
        text = read_text(prefix + name)
        if text is None:
            continue
        try:
            found, dropped = modules_from_notebook(text, default_module=name[:-6])
        except NotebookError as exc:
            sub.notes.append(f"{entry.name}/{prefix}{name} was not read: {exc}")
            continue
        for module, source in found.items():
            notebook_modules.setdefault(module, (source, name))
        if dropped:
            sub.notes.append(f"{name}: {dropped} IPython magic or shell line(s) (% or !) were dropped")
    for module in EXERCISE_MODULES:
        text = read_text(f"{prefix}{module}.py")
        if text is not None and not text.strip():
            sub.notes.append(f"{module}.py is empty: its cases score 0")
        elif text is not None:
            sub.modules[module] = text
            if module in notebook_modules:
                sub.notes.append(f"{module}.py and {notebook_modules[module][1]} both give {module}: "
                                 f"{module}.py counts")
        if module in sub.modules or (text is not None and not text.strip()):
            continue
        if module in notebook_modules:
            sub.modules[module] = notebook_modules[module][0]
            sub.notes.append(f"{module} was taken from {notebook_modules[module][1]}")
        elif not any(n.startswith(f"{prefix}{module}.py") for n in files.unreadable):
            sub.notes.append(f"{module}.py is missing: its cases score 0")
        else:
            sub.notes.append(f"{module}: its cases score 0 because its file was not read")
    sub.answers = read_text(prefix + ANSWERS_FILE)
    if sub.answers is not None and not sub.answers.strip():
        sub.notes.append("answers.yaml is empty: quiz questions score 0")
    sub.files_hash = digest.hexdigest()
    return sub
