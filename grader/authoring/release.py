"""``embedlab release DIR``: the student handout, and the proof that nothing leaks into it.

The handout is a small installable project (``pip install -e .``, then ``embedlab check``)::

    DIR/
      README.md                  for students: install, check, hints, quizzes, submit
      LESSON.md                  the lesson, each section followed by its exercise and quiz (authoring.lesson)
      pyproject.toml             the ``embedlab`` command, the same dependencies
      exercises/                 the stubs, generated afresh from solutions/ (grader.authoring.generate)
      grader/                    the engine, sandbox, casekit, quiz and student verbs
      grader/cases/public/       the public cases, and expected.json.gz: the reference's answers to
                                 exactly the calls they make (grader.authoring.frozen_ref)
      quizzes/                   every quiz locked (grader.quiz.lock_quiz): keys hashed or absent

and nothing else: no ``solutions/``, no ``grader/cases/hidden/``, no tests, benchmarks, example
class or ``.git``. The steps, in order:

1. refuse early: not in an instructor checkout, or DIR not empty;
2. write everything into a temporary folder beside DIR;
3. refuse a reference whose answers differ from the reviewed record (``embedlab validate`` names
   the changed cases; ``validate --accept`` records deliberate changes);
4. freeze the public cases' reference calls and prove the frozen reference gives every public case
   the same result as the solutions (against the solutions and against the stubs);
5. scan the written files for leaks (:func:`leaks`): a solution body, a hidden case, a quiz key;
   any finding stops the release;
6. rename the temporary folder to DIR (a failed release leaves nothing behind).
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import string
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import __version__
from ..errors import UsageError
from ..paths import EXERCISE_MODULES, PROJECT_ROOT, QUIZZES_DIR, STUDENT_FUNCTIONS

TEMPLATES = Path(__file__).resolve().parent / "handout"
#: top-level entries of a handout; anything else is a leak of the checkout
HANDOUT_TOP = ("README.md", "LESSON.md", "pyproject.toml", "exercises", "grader", "quizzes")
#: parts of grader/ that stay with the instructor (relative POSIX paths; a folder ends with "/")
GRADER_EXCLUDED = (
    "cases/hidden/",        # hidden cases: their inputs are the point
    "cases/conftest.py",    # runs the cases under pytest against solutions/, which the handout lacks
    "authoring/handout/",   # these templates
    "authoring/generate.py",  # stub generation needs solutions/; its docstring shows a solution line
    "export/",              # nbgrader / Gradescope / LMS exports: instructor tooling
)


class ReleaseError(Exception):
    """The handout could not be made safely; ``problems`` says why (exit 1)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Handout:
    files: list[str] = field(default_factory=list)      # relative POSIX paths
    public_cases: int = 0
    reference_calls: int = 0
    quizzes: list[str] = field(default_factory=list)


def require_instructor_checkout(verb: str) -> None:
    if not (PROJECT_ROOT / "solutions" / "__init__.py").is_file():
        raise UsageError(f"{verb} is an instructor command: {PROJECT_ROOT} has no solutions/ "
                         "(this looks like the student handout)")


# ---------------------------------------------------------------------------------------------
# what goes in
# ---------------------------------------------------------------------------------------------
def _write(root: Path, rel: str, data: bytes | str, handout: Handout) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    handout.files.append(rel)


def grader_files() -> list[Path]:
    """The files of grader/ that ship, relative to grader/ (sources and data, no caches)."""
    root = PROJECT_ROOT / "grader"
    chosen = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or path.is_symlink() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        if any(rel.startswith(x) if x.endswith("/") else rel == x for x in GRADER_EXCLUDED):
            continue
        chosen.append(Path(rel))
    return chosen


def _module_list(stubs: dict[str, str]) -> str:
    import ast

    lines = []
    for number, module in enumerate(EXERCISE_MODULES, 1):
        doc = ast.get_docstring(ast.parse(stubs[f"{module}.py"])) or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        funcs = ", ".join(f"`{f}`" for f in STUDENT_FUNCTIONS[module])
        lines.append(f"{number}. `exercises/{module}.py` — {first} You write: {funcs}.")
    return "\n".join(lines)


def _quiz_section(quizzes: list) -> str:
    if not quizzes:
        return ""
    lines = ["## Quizzes", "",
             "The lesson's check questions, in the terminal:", "",
             "```bash",
             "embedlab quiz --id YOUR_ID                           # every quiz, one question at a time",
             "embedlab quiz tokens --id YOUR_ID                    # one quiz",
             "embedlab quiz --template answers.yaml --id YOUR_ID   # an answers file to fill in",
             "embedlab quiz --answers answers.yaml --id YOUR_ID    # check the filled answers file",
             "```", "",
             "Hand your answers in as `answers.yaml` in this folder: `embedlab submit` packs it with your "
             "code. Practice quizzes tell you at once whether an answer is right; graded quizzes only record "
             "it, and your instructor's grader scores it. Some numeric questions use numbers that depend on "
             "your student ID, hence `--id`.", "",
             "| quiz | title | mode |", "|---|---|---|"]
    lines += [f"| `{q.id}` | {q.title} | {q.mode} |" for q in quizzes]
    return "\n".join(lines)


def _dependencies() -> str:
    data = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return "\n".join(f'    "{d}",' for d in data["project"]["dependencies"])


def build_handout(root: Path) -> Handout:
    """Write the handout into the empty folder ``root``; ReleaseError if it cannot be made safely."""
    from ..casekit import load_package_from_sources, reference
    from .frozen_ref import DATA_PATH, freeze_public_cases
    from .generate import expected_stubs
    from ..quiz import QuizFormatError, load_quizzes, lock_quiz, parse_quiz

    handout = Handout()
    stubs = expected_stubs()
    for name, text in stubs.items():
        _write(root, f"exercises/{name}", text, handout)
    for rel in grader_files():
        _write(root, f"grader/{rel.as_posix()}", (PROJECT_ROOT / "grader" / rel).read_bytes(), handout)

    ref = reference("solutions")
    solution_modules = {m: getattr(ref, m) for m in EXERCISE_MODULES}
    # a reference that validate rejects (its answers differ from the reviewed record) is not frozen
    from .reference_record import check as check_record

    changed, _ = check_record(solution_modules)
    if changed:
        raise ReleaseError([f"reference record: {p}" for p in changed])
    stub_modules = load_package_from_sources({m: stubs[f"{m}.py"] for m in EXERCISE_MODULES})
    frozen = freeze_public_cases(solution_modules, stub_modules, ref)
    if frozen.problems:
        raise ReleaseError([f"public case {p}" for p in frozen.problems])
    _write(root, DATA_PATH.relative_to(PROJECT_ROOT).as_posix(), frozen.data(), handout)
    handout.public_cases, handout.reference_calls = frozen.cases, len(frozen.book.calls)
    # the public cases' reference times, so that check in the handout sets the same time limits
    from ..casekit import collect_cases
    from ..grading.limits import RECORD_NAME, measure_reference_times, record_text
    times = measure_reference_times(collect_cases(include_hidden=False), ref)
    _write(root, (DATA_PATH.parent / RECORD_NAME).relative_to(PROJECT_ROOT).as_posix(), record_text(times), handout)

    quizzes = []
    if QUIZZES_DIR.is_dir() and any(QUIZZES_DIR.glob("*.y*ml")):
        try:
            quizzes = load_quizzes(QUIZZES_DIR)
        except QuizFormatError as exc:
            raise ReleaseError([f"quiz: {exc}"]) from None
        for quiz in quizzes:
            text = yaml.safe_dump(lock_quiz(quiz), sort_keys=False, allow_unicode=True, width=100)
            name = Path(quiz.path).name if quiz.path else f"{quiz.id}.yaml"
            parse_quiz(text, source=f"quizzes/{name}")  # the locked form must load
            _write(root, f"quizzes/{name}", text, handout)
    handout.quizzes = [q.id for q in quizzes]
    from .lesson import lesson_markdown
    _write(root, "LESSON.md", lesson_markdown(quizzes), handout)

    fill = dict(version=__version__, modules=_module_list(stubs), quizzes=_quiz_section(quizzes),
                dependencies=_dependencies())
    for name in ("README.md", "pyproject.toml"):
        template = string.Template((TEMPLATES / name).read_text(encoding="utf-8"))
        _write(root, name, template.substitute(fill), handout)
    return handout


# ---------------------------------------------------------------------------------------------
# what must never go in
# ---------------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """Code reduced to its lines, stripped, without blank lines and ``#`` comment lines."""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("#"))


def solution_bodies(solutions_dir: Path | None = None) -> list[tuple[str, str]]:
    """``(where, normalised body)`` of every ``### BEGIN SOLUTION`` block of solutions/*.py."""
    from .generate import BEGIN, END

    solutions_dir = solutions_dir or PROJECT_ROOT / "solutions"
    blocks = []
    for module in EXERCISE_MODULES:
        lines = (solutions_dir / f"{module}.py").read_text(encoding="utf-8").splitlines()
        start = None
        for number, line in enumerate(lines, 1):
            if line.strip() == BEGIN:
                start = number
            elif line.strip() == END and start is not None:
                body = normalise("\n".join(lines[start:number - 1]))
                if body:
                    blocks.append((f"solutions/{module}.py:{start}", body))
                start = None
    return blocks


def _case_body(func) -> str:
    """A case function's body (docstring and statements, not the decorator or the def line), normalised."""
    import ast
    import textwrap

    source = textwrap.dedent(inspect.getsource(func))
    node = ast.parse(source).body[0]
    lines = source.splitlines()
    return normalise("\n".join(lines[node.body[0].lineno - 1:node.end_lineno]))


def hidden_markers() -> list[tuple[str, str, str]]:
    """``(where, kind, marker)`` identifying each hidden case: its test function's name (kind
    "word"), its display name ("text") and its body ("lines"); what a public case shares is left out."""
    from ..casekit import collect_cases

    public = collect_cases(include_hidden=False)
    public_names = {s.name for s in public} | {s.func.__name__ for s in public}
    public_source = "\n".join(normalise(inspect.getsource(inspect.getmodule(s.func))) for s in public)
    found = []
    for spec in collect_cases(include_hidden=True):
        if not spec.hidden:
            continue
        where = f"hidden case {spec.name!r}"
        if spec.func.__name__ not in public_names:
            found.append((where, "word", spec.func.__name__))
        if spec.name not in public_names:
            found.append((where, "text", spec.name))
        body = _case_body(spec.func)
        if not _contains_lines(public_source, body):
            found.append((where, "lines", body))
    return found


def quiz_markers() -> list[tuple[str, str]]:
    """Plain answer material of every quiz: explanations, accepted texts, mistake feedback."""
    from ..quiz import load_quizzes

    if not (QUIZZES_DIR.is_dir() and any(QUIZZES_DIR.glob("*.y*ml"))):
        return []
    found = []
    for quiz in load_quizzes(QUIZZES_DIR):
        for q in quiz.questions:
            where = f"quiz {quiz.id}.{q.id}"
            if q.explanation and len(q.explanation.strip()) >= 20:
                found.append((f"{where} explanation", " ".join(q.explanation.split())))
            for choice in q.choices:
                if choice.feedback and len(choice.feedback.strip()) >= 20:
                    found.append((f"{where} feedback", " ".join(choice.feedback.split())))
            for mistake in q.mistakes:
                if len(mistake.feedback.strip()) >= 20:
                    found.append((f"{where} mistake feedback", " ".join(mistake.feedback.split())))
    return found


_KEY_FIELDS = re.compile(r"^\s*-?\s*(answer|accept|pattern|explanation|mistakes|feedback)\s*:", re.M)


def leaks(root: Path) -> list[str]:
    """Everything in the handout at ``root`` that must not be there (empty: safe to hand out)."""
    root = Path(root)
    problems = []
    for entry in sorted(root.iterdir()):
        if entry.name not in HANDOUT_TOP:
            problems.append(f"{entry.name}: not part of a handout")
    texts: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            if rel.startswith(("solutions/", "grader/cases/hidden/")) or "/solutions/" in rel:
                problems.append(f"{rel}: must not be in a handout")
            try:
                texts[rel] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                import gzip
                try:
                    texts[rel] = gzip.decompress(path.read_bytes()).decode("utf-8")
                except (OSError, UnicodeDecodeError):
                    problems.append(f"{rel}: a binary file embedlab cannot inspect")
    normalised = {rel: normalise(text) for rel, text in texts.items()}
    flat = {rel: " ".join(text.split()) for rel, text in texts.items()}
    for where, body in solution_bodies():
        for rel, text in normalised.items():
            if _contains_lines(text, body):
                problems.append(f"{rel}: holds the solution body at {where}")
    for where, kind, marker in hidden_markers():
        pattern = re.compile(rf"\b{re.escape(marker)}\b") if kind == "word" else None
        for rel, text in texts.items():
            if (kind == "lines" and _contains_lines(normalised[rel], marker)) or \
                    (kind == "text" and marker in text) or (pattern is not None and pattern.search(text)):
                problems.append(f"{rel}: holds {where} ({marker.splitlines()[0][:60]!r})")
    for where, marker in quiz_markers():
        for rel, text in flat.items():
            if marker in text:
                problems.append(f"{rel}: holds the plain text of {where}")
    for rel, text in texts.items():
        if rel.startswith("quizzes/") and _KEY_FIELDS.search(text):
            problems.append(f"{rel}: has a plain answer-key field ({_KEY_FIELDS.search(text).group(1)})")
    return problems


def _contains_lines(text: str, block: str) -> bool:
    """``block``'s lines appear, whole and in a row, among ``text``'s lines."""
    return f"\n{block}\n" in f"\n{text}\n"


# ---------------------------------------------------------------------------------------------
# the verb
# ---------------------------------------------------------------------------------------------
def release(out_dir: Path, *, console) -> int:
    """``embedlab release DIR``: 0 once the handout is written, 1 if it could not be made safely."""
    from rich.text import Text

    require_instructor_checkout("release")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        raise UsageError(f"{out}: not empty; give a new folder for the handout")
    resolved = out.resolve()
    for inner in ("grader", "solutions", "exercises", "quizzes"):
        if resolved == PROJECT_ROOT or (PROJECT_ROOT / inner) in (resolved, *resolved.parents):
            raise UsageError(f"{out}: the handout may not go inside the checkout's {inner}/")
    resolved.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{resolved.name}.", dir=resolved.parent))
    from ..casekit import CaseCollectionError

    try:
        try:
            handout = build_handout(build)
            found = leaks(build)
        except CaseCollectionError as exc:
            raise ReleaseError([f"the cases do not load: {exc}"]) from None
        if found:
            raise ReleaseError(found)
        if out.is_dir():
            out.rmdir()
        os.replace(build, resolved)
    except ReleaseError as exc:
        shutil.rmtree(build, ignore_errors=True)
        console.print(Text("embedlab release: the handout was NOT written:", style="bold red"))
        for line in exc.problems:
            console.print(Text(f"  - {line}"))
        return 1
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    console.print(Text(f"wrote the handout to {out}/ ({len(handout.files)} files)", style="bold green"))
    console.print(Text(f"  exercises/: {len(EXERCISE_MODULES)} stubs; grader/cases/public/: {handout.public_cases} "
                       f"public cases, {handout.reference_calls} reference answers frozen"))
    console.print(Text(f"  quizzes/: {', '.join(handout.quizzes) or 'none'} (keys locked)"))
    console.print(Text("  no solutions, no hidden cases, no readable quiz keys (checked)"))
    console.print(Text(f"Students: cd {out} && pip install -e . && embedlab check", style="dim"))
    return 0
