"""Reading a class: one entry per student, folders and zips, notebooks, and every way they break.

A class folder holds one entry per student: a folder, or a ``.zip`` whose stem is the student ID
(SPEC 7). Nothing in a submission is ever imported or executed here: this module only reads bytes.
It picks the files embedlab grades (the five modules, ``answers.yaml``, notebooks) and refuses, with
a message that names the file and the reason, everything it will not read: links, devices, pipes,
files over 1 MiB, text that is not UTF-8, and zips with unsafe or too many members.
"""

from __future__ import annotations

import hashlib
import os
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
    answers_problem: str | None = None   # "answers.yaml unreadable: ..." (flagged in the status)
    files_hash: str = ""             # sha256 of every file read, for regrading

    def missing_modules(self) -> list[str]:
        return [m for m in EXERCISE_MODULES if m not in self.modules]


#: entries of a class folder that are ordinary litter, never a submission: skipped quietly (listed in
#: skipped.csv, not shown as a problem). Compared lower-case; ``._name`` is macOS's AppleDouble twin.
CLUTTER_NAMES = frozenset({
    ".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", "__macosx", ".spotlight-v100", ".trashes",
    ".fseventsd", ".temporaryitems", ".localized", ".directory", "icon\r", "$recycle.bin",
    "system volume information", ".git", ".gitignore", ".gitattributes", ".gitkeep", ".svn", ".hg",
    ".ipynb_checkpoints", "__pycache__", ".idea", ".vscode",
})
#: documents an instructor or an LMS download leaves beside the submissions (README.txt, a roster)
CLUTTER_SUFFIXES = (".txt", ".md", ".rst", ".pdf", ".html", ".htm", ".csv", ".tsv", ".xlsx", ".xls",
                    ".ods", ".yaml", ".yml", ".json", ".log", ".bak", ".swp", "~")


def is_clutter(name: str, *, folder: bool = False) -> bool:
    """True for ordinary litter in a class folder (``.DS_Store``, ``README.txt``, ``__MACOSX``).

    A folder is litter only by its name (``__MACOSX``, ``.git``); a file also by what it is (a
    README, a text, spreadsheet or YAML file). An entry that could be a mis-named submission
    (``s123.py``, ``s123.tar.gz``, a ``.hidden`` folder) is not clutter: it is skipped *and*
    reported, so the student can be told.
    """
    lower = name.lower()
    if lower in CLUTTER_NAMES or lower.startswith("._"):
        return True
    return not folder and (lower.startswith(("readme", ".~lock.", "~$")) or lower.endswith(CLUTTER_SUFFIXES))


@dataclass
class ClassListing:
    entries: dict[str, list[Path]]            # student ID -> its entries (more than one: refused)
    skipped: list[tuple[str, str]]            # (entry name, reason), clutter included (skipped.csv)
    clutter: set[str] = field(default_factory=set)   # the skipped names that are ordinary clutter

    @property
    def problems(self) -> list[tuple[str, str]]:
        """The skipped entries worth a line in the summary: everything but ordinary clutter."""
        return [(name, reason) for name, reason in self.skipped if name not in self.clutter]


def list_class(folder: Path) -> ClassListing:
    """The class folder's entries, by student ID; anything that is not a submission is skipped."""
    entries: dict[str, list[Path]] = {}
    skipped: list[tuple[str, str]] = []
    clutter: set[str] = set()
    for path in sorted(Path(folder).iterdir(), key=lambda p: p.name):
        name = path.name
        folder_entry = path.is_dir() and not path.is_symlink()
        if is_clutter(name, folder=folder_entry):
            clutter.add(name)
            skipped.append((name, "ordinary clutter, not a submission, ignored" if folder_entry
                            else "neither a folder nor a .zip (ordinary clutter, ignored)"))
            continue
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
    return ClassListing(entries, skipped, clutter)


class _Files:
    """A uniform view of a folder or a zip: relative POSIX path -> a way to read its bytes.

    Only the top and the folders one level down are listed (SPEC 7 reads nothing deeper); of the
    deeper files, only the paths of exercise files are kept, to say where they are.
    """

    def __init__(self) -> None:
        self.readable: dict[str, callable] = {}
        self.unreadable: dict[str, str] = {}   # relative path -> reason
        self.folders: set[str] = set()         # folders one level down, clutter excluded
        self.deeper: list[str] = []            # exercise files found below that (never read)


#: folders inside a submission that never hold the student's own files
_LITTER_FOLDERS = frozenset({"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", ".svn", ".hg",
                             ".idea", ".vscode"})
#: how many entries below the first level are looked at to say where misplaced files are
_DEEP_LOOK = 2000


def _folder_files(root: Path) -> _Files:
    files = _Files()
    # only two levels are read (the top and one folder down); never follow links
    subfolders = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
    files.folders = {p.name for p in subfolders if p.name not in _LITTER_FOLDERS}
    _look_deeper(root, [p for p in subfolders if p.name not in _LITTER_FOLDERS], files)
    for level in (root, *subfolders):
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


def _look_deeper(root: Path, subfolders: list[Path], files: _Files) -> None:
    """Note exercise files two or more levels down (names only, a bounded walk, no links)."""
    seen = 0
    for sub in subfolders:
        for here, dirs, names in os.walk(sub):
            if Path(here) == sub:
                continue  # one level down is read, not "deeper"
            dirs[:] = sorted(d for d in dirs if d not in _LITTER_FOLDERS)
            seen += len(dirs) + len(names)
            files.deeper += sorted(Path(here, n).relative_to(root).as_posix() for n in names
                                   if n in EXERCISE_FILES)
            if seen > _DEEP_LOOK:
                return


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
        if any(part in _LITTER_FOLDERS for part in pure.parts[:-1]):
            continue
        if len(pure.parts) > 1:
            files.folders.add(pure.parts[0])
        if len(pure.parts) > 2:
            if pure.name in EXERCISE_FILES:
                files.deeper.append(rel)
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


#: the files that make a folder "the one that holds the exercise files" (SPEC 7)
EXERCISE_FILES = frozenset({f"{m}.py" for m in EXERCISE_MODULES} | {f"{m}.ipynb" for m in EXERCISE_MODULES}
                           | set(COMBINED_NOTEBOOKS))
#: SPEC 7's status reason when none is found (a gradebook reader may match on it)
NO_EXERCISE_FILES = "no exercise files found"


def locate_exercises(files: _Files, shown: str) -> tuple[str, str | None]:
    """Where the exercise files are: ``("", None)`` for the top, ``("sub/", None)`` for the one
    folder one level down that holds them, or ``("", reason)`` when there is none or more than one.

    The rule of SPEC 7, the same for folders and zips: the top of the submission if any exercise
    file (a module's ``.py`` or notebook) is there, or else its one subfolder that holds some. A
    handout copy (``answers.yaml`` at the top, the five files in ``exercises/``) is read from
    ``exercises/``; ``deep/a/b/bpe.py`` is too deep and found by nobody; two subfolders with
    exercise files are refused, nothing guessed. ``shown`` names the submission in the reason.
    """
    names = [*files.readable, *files.unreadable]
    if any("/" not in n and n in EXERCISE_FILES for n in names):
        return "", None
    holders = sorted({n.split("/")[0] for n in names if n.count("/") == 1 and n.split("/")[1] in EXERCISE_FILES
                      and n.split("/")[0] not in _LITTER_FOLDERS})
    if len(holders) == 1:
        return holders[0] + "/", None
    if holders:
        return "", (f"exercise files in {len(holders)} folders of {shown} ({', '.join(h + '/' for h in holders)}): "
                    "embedlab will not guess which one counts — hand in one of them")
    folders = sorted(files.folders)
    looked = (f"looked for bpe.py, lookup.py, skipgram.py, similarity.py, pipeline.py or their notebooks at the "
              f"top of {shown}" + (f" and in {', '.join(f + '/' for f in folders[:5])}"
                                   + (f" and {len(folders) - 5} more folders" if len(folders) > 5 else "")
                                   if folders else ""))
    if not names and not folders:
        looked = f"{shown} is empty"
    if files.deeper:
        where = sorted({d.rsplit("/", 1)[0] + "/" for d in files.deeper})
        looked += (f"; {', '.join(where[:3])} holds {', '.join(sorted({d.rsplit('/', 1)[1] for d in files.deeper}))}"
                   ", deeper than embedlab reads (the top, or one folder down)")
    return "", f"{NO_EXERCISE_FILES} ({looked})"


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
    shown_entry = entry.name + ("/" if entry.is_dir() else "")
    prefix, refusal = locate_exercises(files, shown_entry)
    if refusal:
        sub.error = refusal
        # the quizzes are still scored: answers.yaml at the top counts as it would beside the files
    digest = hashlib.sha256()
    failures: dict[str, str] = {}   # relative path -> why it was not read

    def read_text(rel: str) -> str | None:
        shown = f"{entry.name}/{rel}"
        if rel in files.unreadable:
            failures[rel] = files.unreadable[rel]
            sub.notes.append(f"{shown} was not read: {files.unreadable[rel]}")
            return None
        reader = files.readable.get(rel)
        if reader is None:
            return None
        try:
            data = reader()
        except _TooLarge as exc:
            failures[rel] = str(exc)
        except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
            failures[rel] = f"it is unreadable ({exc})"
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                failures[rel] = f"it is not UTF-8 text (byte {exc.start})"
        if rel in failures:
            sub.notes.append(f"{shown} was not read: {failures[rel]}")
            return None
        digest.update(f"{rel}\0{len(data)}\0".encode() + data)
        return text

    notebook_modules: dict[str, tuple[str, str]] = {}   # module -> (source, notebook name)
    for name in () if refusal else (*COMBINED_NOTEBOOKS, *(f"{m}.ipynb" for m in EXERCISE_MODULES)):
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
    for module in () if refusal else EXERCISE_MODULES:
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
    # answers.yaml beside the exercise files, or else at the top (where a handout copy keeps it)
    places = [p for p in dict.fromkeys((prefix, "")) if p + ANSWERS_FILE in files.readable
              or p + ANSWERS_FILE in files.unreadable]
    if places:
        rel = places[0] + ANSWERS_FILE
        sub.answers = read_text(rel)
        if rel in failures:
            sub.answers_problem = f"{ANSWERS_FILE} unreadable: {entry.name}/{rel}: {failures[rel]}"
        if len(places) > 1:
            sub.notes.append(f"{entry.name}/{ANSWERS_FILE} was not read: {entry.name}/{rel} (beside the exercise "
                             "files) counts")
    if sub.answers is not None and not sub.answers.strip():
        sub.notes.append("answers.yaml is empty: quiz questions score 0")
    sub.files_hash = digest.hexdigest()
    return sub


#: what a class folder looks like, for messages that refuse something else
CLASS_FOLDER_SHAPE = ("a class folder holds one folder or .zip per student, named by student ID "
                      "(CLASS/s123/bpe.py ..., CLASS/s124.zip)")


def class_folder_problem(folder: Path, listing: ClassListing) -> str | None:
    """Why ``folder`` is not a class folder (one student's submission, or no submission at all),
    or None when it is one. The reason is one line that ends by saying what a class folder is."""
    folder = Path(folder)
    top = {p.name for p in folder.iterdir()}
    own = sorted(top & (EXERCISE_FILES | {ANSWERS_FILE}))
    in_exercises = (folder / "exercises").is_dir() and any((folder / "exercises" / name).is_file()
                                                          for name in EXERCISE_FILES)
    handout = in_exercises and bool({"pyproject.toml", "grader", ANSWERS_FILE} & top)
    if own or handout:
        held = own[:3] + (["..."] if len(own) > 3 else []) + (["exercises/bpe.py ..."] if in_exercises else [])
        return (f"holds {', '.join(held)} itself: this looks like one student's submission, not a class folder; "
                f"{CLASS_FOLDER_SHAPE} — put it in a folder of its own and grade that")
    if not listing.entries:
        if not top:
            return f"is empty: no submissions to grade; {CLASS_FOLDER_SHAPE}"
        names = [name for name, _ in listing.skipped]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f"has no submissions ({shown}: none is one); {CLASS_FOLDER_SHAPE}"
    return None
