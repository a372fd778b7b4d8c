"""``embedlab check`` and ``embedlab hint``: the student's self-check, the way the grader grades.

``check`` reads the student's folder exactly as the grader reads a submission
(:func:`grader.grading.submission.read_submission`), runs the PUBLIC cases in the same sandbox
(:class:`grader.grading.engine.Judge` without hidden cases and quizzes) and shows, per exercise and
function, what passes, what fails and what is not attempted yet; the first failure with its
message and the function's hint; the progress; and what to do next, in lesson order
(:data:`grader.paths.STUDENT_FUNCTIONS`), like rustlings' "next unsolved exercise".

The hint of a function is the ``Hint:`` section of its docstring, read (parsed, never run) from
``solutions/`` in the instructor's checkout or from the exercise files (stubs and solutions carry
the same docstrings).

In the student handout there is no ``solutions/``: the judge's reference is the one recorded at
release (:mod:`grader.authoring.frozen_ref`). A student's mistakes (no ``exercises/`` here, a deleted file,
a syntax error) end in one clear line, never a traceback.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import inspect
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..paths import EXERCISE_MODULES, GIVEN_FUNCTIONS, PROJECT_ROOT, STUDENT_FUNCTIONS, missing_function_message

DEFAULT_FOLDER = Path("exercises")
YOU = "you"  # the student ID of a self-check (never shown)


# ---------------------------------------------------------------------------------------------
# hints: the "Hint:" section of a function's docstring
# ---------------------------------------------------------------------------------------------
_SECTION = re.compile(r"^[A-Z][A-Za-z ]*:(\s|$)")


def hint_from_docstring(doc: str | None) -> str | None:
    """The text of the ``Hint:`` section of a (cleaned) Google-style docstring, or None.

    The section runs from a line ``Hint:`` (text may follow on the same line) to the next
    unindented ``Section:`` line or the end; lines of a paragraph are joined.
    """
    if not doc:
        return None
    lines = inspect.cleandoc(doc).splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("Hint:"):
            continue
        body = [line[len("Hint:"):].strip()]
        for following in lines[i + 1:]:
            if following[:1].strip() and _SECTION.match(following):
                break
            body.append(following.strip())
        paragraphs = re.split(r"\n\s*\n", "\n".join(body).strip())
        text = "\n\n".join(" ".join(p.split("\n")) for p in paragraphs if p.strip())
        return _plain_markup(text) or None
    return None


def _plain_markup(text: str) -> str:
    """Docstring markup as a terminal shows it: ``x`` -> `x`, :func:`f` -> `f()`."""
    text = re.sub(r":(?:func|meth):`~?([^`]+)`", r"`\1()`", text)
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


@dataclass(frozen=True)
class FunctionDoc:
    module: str
    function: str
    signature: str
    hint: str | None
    file: Path
    line: int


def function_docs(source: str, module: str, file: Path) -> dict[str, FunctionDoc]:
    """Top-level functions of a module's source with their hints (the source is parsed, not run)."""
    tree = ast.parse(source, filename=str(file))
    docs = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            signature = f"def {node.name}({ast.unparse(node.args)})"
            if node.returns is not None:
                signature += f" -> {ast.unparse(node.returns)}"
            docs[node.name] = FunctionDoc(module, node.name, signature, hint_from_docstring(ast.get_docstring(node)),
                                          file, node.lineno)
    return docs


def _doc_sources(module: str, student_folder: Path | None) -> list[Path]:
    """Where a function's docstring can be read, the instructor's copies first."""
    places = [PROJECT_ROOT / "solutions", PROJECT_ROOT / "exercises"]
    if student_folder is not None:
        places.append(Path(student_folder))
    return [p / f"{module}.py" for p in places]


def find_doc(module: str, function: str, student_folder: Path | None = None) -> FunctionDoc | None:
    """The docstring facts of ``module.function`` from the first readable, parseable copy."""
    fallback = None
    for path in _doc_sources(module, student_folder):
        try:
            docs = function_docs(path.read_text(encoding="utf-8"), module, path)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue
        doc = docs.get(function)
        if doc is not None and doc.hint:
            return doc
        fallback = fallback or doc
    return fallback


def all_function_names() -> list[str]:
    names = []
    for module in EXERCISE_MODULES:
        for function in (*STUDENT_FUNCTIONS[module], *GIVEN_FUNCTIONS.get(module, ())):
            names += [function, f"{module}.{function}"]
    return names


def resolve_function(name: str) -> tuple[str, str]:
    """``train_bpe`` or ``bpe.train_bpe`` -> ``("bpe", "train_bpe")``; else a UsageError with close matches."""
    text = name.strip().removesuffix("()")
    module, _, function = text.rpartition(".")
    module = module.removesuffix(".py")
    for m in EXERCISE_MODULES:
        known = (*STUDENT_FUNCTIONS[m], *GIVEN_FUNCTIONS.get(m, ()))
        if function in known and module in ("", m):
            return m, function
    names = all_function_names()
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.6)
    close += [n for n in names if text and text in n and "." not in n]  # "cosine" -> cosine_similarity, ...
    close = list(dict.fromkeys(c.rpartition(".")[2] if "." not in text else c for c in close))[:4]
    suggestion = f" — did you mean {' or '.join(close)}?" if close else " ('embedlab check' lists them)"
    raise UsageError(f"no exercise function named {name!r}{suggestion}")


def hint(function: str, *, console) -> int:
    """``embedlab hint FUNCTION``: the hint of one function from its docstring."""
    from rich.panel import Panel
    from rich.text import Text

    module, name = resolve_function(function)
    if name in GIVEN_FUNCTIONS.get(module, ()):
        console.print(Text(f"{module}.{name} is given: it is already written for you. Read its docstring in "
                           f"exercises/{module}.py and use it."))
        return 0
    doc = find_doc(module, name, DEFAULT_FOLDER if DEFAULT_FOLDER.is_dir() else None)
    if doc is None or not doc.hint:
        console.print(Text(f"{module}.{name}: no hint found (its docstring has no 'Hint:' section)."))
        return 0
    body = Text(doc.signature + "\n\n", style="dim")
    body.append(doc.hint)
    console.print(Panel(body, title=f"hint: {module}.{name}", title_align="left", expand=False))
    console.print(Text(f"The whole docstring is in exercises/{module}.py; `embedlab check {module}` shows how far you are."))
    return 0


# ---------------------------------------------------------------------------------------------
# what check looks at
# ---------------------------------------------------------------------------------------------
def resolve_folder(path: Path | None) -> Path:
    """The student's folder; a missing one is a UsageError that says what to do."""
    if path is None:
        if not DEFAULT_FOLDER.is_dir():
            raise UsageError(f"./{DEFAULT_FOLDER}: no such folder — run this inside the handout, or pass --path")
        return DEFAULT_FOLDER
    folder = Path(path)
    if not folder.exists():
        raise UsageError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder (pass the folder that holds bpe.py, lookup.py, ...)")
    return folder


def resolve_exercise(name: str | None) -> tuple[str, ...]:
    """The modules to check: all, one exercise (``bpe``, ``bpe.py``), or a function's exercise."""
    if name is None:
        return EXERCISE_MODULES
    key = name.strip().removesuffix(".py")
    if key in EXERCISE_MODULES:
        return (key,)
    for module in EXERCISE_MODULES:
        if key in STUDENT_FUNCTIONS[module] or key.startswith(f"{module}."):
            return (module,)
    close = difflib.get_close_matches(key, EXERCISE_MODULES, n=1, cutoff=0.5)
    guess = f" — did you mean {close[0]}?" if close else ""
    raise UsageError(f"unknown exercise {name!r}{guess} (the exercises: {', '.join(EXERCISE_MODULES)})")


def syntax_problem(source: str, shown: str) -> str | None:
    """One line naming file and line if ``source`` does not compile (compiling runs nothing)."""
    try:
        compile(source, shown, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f", line {exc.lineno}" if exc.lineno else ""
        return f"{shown}{where}: {type(exc).__name__}: {exc.msg}"
    except (ValueError, MemoryError, RecursionError) as exc:
        return f"{shown}: cannot be compiled ({type(exc).__name__}: {exc})"
    return None


@dataclass
class FunctionStatus:
    module: str
    function: str
    state: str                       # passed | failed | not_attempted | not_loaded | no_cases
    passed: int
    total: int
    first_failure: object = None     # the first failed TestResult of a "failed" function


@dataclass
class CheckReport:
    folder: Path
    modules: tuple[str, ...]
    functions: list[FunctionStatus]
    file_problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sandboxed: bool = True
    cases: int = 0
    #: modules whose file did not load (syntax error, import-time crash, a module it imports broke)
    not_loaded: list[str] = field(default_factory=list)

    @property
    def checkable(self) -> list[FunctionStatus]:
        return [f for f in self.functions if f.state != "no_cases"]

    @property
    def done(self) -> int:
        return sum(f.state == "passed" for f in self.functions)

    @property
    def all_passed(self) -> bool:
        return all(f.state == "passed" for f in self.checkable) and not self.file_problems

    @property
    def first_failure(self) -> FunctionStatus | None:
        return next((f for f in self.functions if f.state == "failed"), None)

    @property
    def next_function(self) -> FunctionStatus | None:
        return next((f for f in self.checkable if f.state != "passed"), None)


def _state_of(tests: list) -> str:
    if not tests:
        return "no_cases"
    outcomes = {t.outcome for t in tests}
    if all(t.status == "passed" for t in tests):
        return "passed"
    if outcomes - {"passed", "not_attempted", "missing"}:
        return "failed"
    if "missing" in outcomes:
        return "not_loaded"
    if "passed" in outcomes:
        return "failed"     # some cases pass, others reach an unwritten helper
    return "not_attempted"


def _close_names(source: str, wanted: str) -> str:
    """`` — it defines merge_pairs`` when a top-level function of ``source`` is close to ``wanted``.

    Parsing runs nothing of the student's code; a file that does not parse adds nothing here (its
    syntax error is reported on its own line).
    """
    try:
        names = [node.name for node in ast.parse(source).body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ""
    close = difflib.get_close_matches(wanted, names, n=2, cutoff=0.6)
    return f" — it defines {' and '.join(close)}" if close else ""


def summarize(result, modules: tuple[str, ...]) -> list[FunctionStatus]:
    """Group a :class:`SubmissionResult`'s cases by function, in lesson order."""
    grouped: dict[tuple[str, str], list] = {}
    for test in result.tests:
        qualified = test.name.split(":", 1)[0]
        module, _, function = qualified.partition(".")
        grouped.setdefault((module, function), []).append(test)
    statuses = []
    for module in modules:
        for function in STUDENT_FUNCTIONS[module]:
            tests = grouped.get((module, function), [])
            state = _state_of(tests)
            first = None
            if state == "failed":
                first = next((t for t in tests if t.status == "failed" and t.outcome != "not_attempted"),
                             next(t for t in tests if t.status == "failed"))
            statuses.append(FunctionStatus(module, function, state, sum(t.status == "passed" for t in tests),
                                           len(tests), first))
    return statuses


# ---------------------------------------------------------------------------------------------
# the judge, kept warm between runs
# ---------------------------------------------------------------------------------------------
def open_judge(folder: Path, modules: tuple[str, ...]):
    """A :class:`Judge` for the public cases of ``modules``, as the grader builds it.

    In the handout (no ``solutions/``) the reference is the frozen one recorded at release.
    """
    from ..grading.engine import Judge, paths_to_hide
    from ..authoring.frozen_ref import reference_for_handout
    from ..sandbox.zygote import Limits

    frozen = reference_for_handout()
    kwargs = dict(include_hidden=False, modules=modules, quizzes=False)
    if frozen is not None:
        if "ref" in inspect.signature(Judge).parameters:
            kwargs["ref"] = frozen
        else:
            # the Judge imports `solutions` as its reference; in the handout that name is the frozen one
            sys.modules.setdefault("solutions", frozen)
    # Ctrl-C at a terminal signals the whole process group: the zygote (started now) inherits
    # "ignore SIGINT", so only check itself stops, closes the zygote, and nothing prints a traceback
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        previous = None
    try:
        judge = Judge(Limits(), paths_to_hide([Path(folder).resolve()]), **kwargs)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if frozen is not None:
        judge.ref = frozen
    return judge


class Checker:
    """Reads the folder and grades it with a warm judge; :meth:`run` once per check."""

    def __init__(self, folder: Path, modules: tuple[str, ...]) -> None:
        self.folder = Path(folder)
        self.modules = modules
        self.judge = open_judge(self.folder, modules)

    def close(self) -> None:
        self.judge.close()

    def __enter__(self) -> "Checker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self):
        """The student's files as a Submission, plus one line per file problem."""
        from ..grading.submission import NO_EXERCISE_FILES, read_submission

        shown = self.folder.as_posix().rstrip("/")
        if not self.folder.is_dir():
            raise UsageError(f"{shown}: no such folder")
        sub = read_submission(YOU, [self.folder])
        if sub.error and not sub.error.startswith(NO_EXERCISE_FILES):  # that one: the line below, for a student
            raise UsageError(f"{shown}: {sub.error}")
        if not sub.modules:
            raise UsageError(f"{shown}: none of {', '.join(m + '.py' for m in EXERCISE_MODULES)} is here — "
                             "pass --path with the folder that holds your exercise files")
        problems: list[str] = []
        missing = sub.missing_modules()
        for module in missing:
            problems.append(f"{shown}/{module}.py is missing — its functions count as not done "
                            "(restore it from the handout)")
        for note in sub.notes:
            if not any(note.startswith(f"{m}.py is missing") for m in missing):
                problems.append(note)
        self.syntax_errors = {}
        for module, source in sub.modules.items():
            notebook = next((n.rsplit(" ", 1)[1] for n in sub.notes if n.startswith(f"{module} was taken from ")), None)
            where = f"{shown}/{notebook} (the code cells of {module})" if notebook else f"{shown}/{module}.py"
            line = syntax_problem(source, where)
            if line:
                self.syntax_errors[module] = line
                problems.append(line)
        return sub, problems

    def run(self, progress=None) -> CheckReport:
        """Check once; ``progress(spec, index, total)`` is called before each case (see Judge.grade)."""
        started = time.perf_counter()
        sub, problems = self.read()
        result = self.judge.grade(sub, progress=progress) if progress is not None else self.judge.grade(sub)
        loaded = tuple(f"{m}.py could not be loaded" for m in EXERCISE_MODULES)
        failed = set(self.syntax_errors) | set(sub.missing_modules()) | {
            n.split(".py", 1)[0] for n in result.notes if n.startswith(loaded)}
        shown = self.folder.as_posix().rstrip("/")
        for note in result.notes:
            if note in sub.notes:
                continue  # the reader's notes are in problems already
            if note.startswith(loaded):
                module, _, why = note.partition(".py could not be loaded: ")
                if module in self.syntax_errors or any(f"{m}.py" in why for m in self.syntax_errors):
                    continue  # said better above, with file and line (or a consequence of it)
                cause = re.search(r"cannot import name '(\w+)'", why)
                if cause and cause.group(1) in failed:
                    note = f"{module}.py is not loaded either: it imports {cause.group(1)}, which did not load"
                note = f"{shown}/{note}"
            problems.append(note)
        functions = summarize(result, self.modules)
        for status in functions:  # the grader put the stub in place of a file that did not load
            if status.module in failed and status.state != "passed":
                status.state, status.first_failure = "not_loaded", None
            elif status.state == "not_loaded":  # the file loaded, the name is not in it: a rename
                status.state = "missing"
                problems.append(f"{shown}/{missing_function_message(status.module, status.function)}"
                                + _close_names(sub.modules.get(status.module, ""), status.function))
        return CheckReport(folder=self.folder, modules=self.modules, functions=functions,
                           file_problems=problems, seconds=time.perf_counter() - started,
                           sandboxed=result.sandboxed, cases=len(result.tests),
                           not_loaded=[m for m in EXERCISE_MODULES if m in failed and m in sub.modules])


# ---------------------------------------------------------------------------------------------
# showing a report
# ---------------------------------------------------------------------------------------------
_LOOK = {
    "passed": ("✓", "passed", "green"),
    "failed": ("✗", "failed", "red"),
    "not_attempted": ("·", "not attempted", "dim"),
    "not_loaded": ("!", "file not loaded", "yellow"),
    "missing": ("!", "no such function", "yellow"),
    "no_cases": (" ", "no public check", "dim"),
}


def render(report: CheckReport, console, *, brief: bool = False) -> None:
    """Tables per exercise, the first failure with its hint, the progress, and what to do next."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    shown = report.folder.as_posix().rstrip("/")
    console.print(Text(f"embedlab check: {shown}/ against the public cases", style="bold"))
    for line in report.file_problems:
        console.print(Text(line, style="bold red"))
    for module in report.modules:
        rows = [f for f in report.functions if f.module == module]
        done = sum(f.state == "passed" for f in rows)
        table = Table(title=Text(f"{module}.py  {done}/{len(rows)}", style="bold"), title_justify="left",
                      box=None, show_header=False, padding=(0, 1))
        console.print()
        table.add_column("mark", width=1)
        table.add_column("function", min_width=34)
        table.add_column("result", min_width=15)
        table.add_column("cases", justify="right")
        for f in rows:
            mark, word, style = _LOOK[f.state]
            cases = f"{f.passed}/{f.total} cases" if f.total else ""
            table.add_row(Text(mark, style=style), Text(f.function), Text(word, style=style), Text(cases, style="dim"))
        console.print(table)

    failure = report.first_failure
    if failure is not None and not brief:
        test = failure.first_failure
        body = Text(test.output.strip())
        doc = find_doc(failure.module, failure.function, report.folder)
        if doc is not None and doc.hint:
            body.append("\n\nHint: ", style="bold")
            body.append(doc.hint)
        console.print()
        console.print(Panel(body, title=Text(f"first failure: {test.name}", style="bold red"), title_align="left"))

    total, done = len(report.checkable), report.done
    width = 30
    filled = round(width * done / total) if total else width
    bar = Text("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    console.print()
    line = Text("Progress: ", style="bold")
    line.append(bar)
    line.append(f"  {done}/{total} functions done")
    console.print(line)

    if not brief:
        console.print(_next_step(report))
    timing = f"{report.cases} cases in {report.seconds:.2f} s"
    if not report.sandboxed:
        timing += " (no sandbox on this machine: your code ran with your own permissions)"
    console.print(Text(timing, style="dim"))


def _next_step(report: CheckReport):
    from rich.text import Text

    shown = report.folder.as_posix().rstrip("/")
    nxt = report.next_function
    if report.file_problems and (nxt is None or nxt.state == "not_loaded"):
        return Text("Next: fix the file problem above, then check again.", style="bold")
    if nxt is None:
        if tuple(report.modules) != EXERCISE_MODULES:
            return Text(f"All public checks of {', '.join(report.modules)} pass. Next: `embedlab check` for "
                        "everything.", style="bold green")
        return Text("All public checks pass. The grader also runs hidden cases, so test the edge cases in the "
                    "docstrings too; take the quizzes (`embedlab quiz --id YOUR_ID`), then `embedlab submit --id YOUR_ID`.",
                    style="bold green")
    where = f"{shown}/{nxt.module}.py"
    if nxt.state == "failed":
        text = f"Next: fix {nxt.module}.{nxt.function} in {where} (the failure above), then check again."
    elif nxt.state == "missing":
        text = (f"Next: give {nxt.function} its name back in {where} (the cases call it by that name), "
                "then check again.")
    elif nxt.state == "not_loaded":
        text = f"Next: make {where} load again (see above)."
    else:
        text = (f"Next: write {nxt.module}.{nxt.function} in {where} — read its docstring; "
                f"`embedlab hint {nxt.function}` if you are stuck.")
    return Text(text, style="bold")


# ---------------------------------------------------------------------------------------------
# the verb
# ---------------------------------------------------------------------------------------------
def check(*, exercise: str | None = None, path: Path | None = None, watch: bool = False, console) -> int:
    """``embedlab check [EXERCISE] [--path DIR] [--watch]``: 0 all passed, 1 some failed, 2 bad usage."""
    folder = resolve_folder(path)
    modules = resolve_exercise(exercise)
    if watch:
        return _watch(folder, modules, console)
    with Checker(folder, modules) as checker:
        with _progress_line(console) as progress:
            report = checker.run(progress)
    render(report, console)
    return 0 if report.all_passed else 1


class _Stale(Exception):
    """A file changed while a --watch run was going: abandon it and check again."""


#: how often a running check looks whether a file changed (seconds)
STALE_POLL_SECONDS = 0.1


@contextlib.contextmanager
def _progress_line(console, stale=None):
    """``progress(spec, index, total)`` for :meth:`Checker.run`: a transient line "checking
    bpe.merge_pair (12/40)" at a terminal; with ``stale``, it raises :class:`_Stale` as soon as a
    file has changed (polled every :data:`STALE_POLL_SECONDS`), which kills the running child."""
    from rich.markup import escape

    status = console.status("checking", spinner="dots") if console.is_terminal else contextlib.nullcontext()
    last_poll = [time.monotonic()]
    with status as shown:
        def progress(spec, index: int, total: int) -> None:
            if shown is not None:
                shown.update(escape(f"checking {spec.module}.{spec.function} ({index + 1}/{total} cases)"))
            now = time.monotonic()
            if stale is not None and now - last_poll[0] >= STALE_POLL_SECONDS:
                last_poll[0] = now
                if stale():
                    raise _Stale
        yield progress


def _watch(folder: Path, modules: tuple[str, ...], console) -> int:
    from rich.rule import Rule
    from rich.text import Text

    from .watch import watch

    checker = Checker(folder, modules)
    shown = folder.as_posix().rstrip("/")

    def run(stale) -> None:
        console.clear()
        console.print(Rule(f"check at {time.strftime('%H:%M:%S')}", style="dim"))
        try:
            with _progress_line(console, stale) as progress:
                report = checker.run(progress)
            render(report, console)
        except _Stale:
            console.print(Text("a file changed while checking: checking again", style="dim"))
            console.file.flush()
            return
        except UsageError as exc:
            console.print(Text(f"embedlab: {exc}", style="bold red"))
        console.print(Text(f"watching {shown}/ — save a file to check again, Ctrl-C to stop", style="dim"))
        console.file.flush()

    try:
        watch(folder, run)
    except KeyboardInterrupt:
        console.print(Text("stopped watching", style="dim"))
        return 0
    finally:
        checker.close()
    return 0  # pragma: no cover (watch returns only by an exception)
