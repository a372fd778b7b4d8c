"""``embedlab validate``: the instructor's self-test of the assignment itself (rustlings' dev check).

The checks, in order; each adds problems, none stops the others (except where one needs the
previous: nothing is graded when the cases do not load):

1. layout      — ``solutions/`` and ``exercises/`` hold ``__init__.py`` and the five modules, nothing else;
2. generation  — the stubs are what ``grader.authoring.generate`` gives (``drift``), markers balanced;
3. hints       — every function students write exists in both, with a non-empty ``Hint:`` section;
4. cases       — the cases load (public and hidden), every student function has a public case;
5. solutions   — graded like a student's submission (sandbox, public and hidden cases): full marks;
6. stubs       — the untouched stubs score 0, every case "not attempted" (a stub that passes a case
                 means a case checks nothing);
7. no case bugs — no case ends in outcome "error" in 5 or 6;
8. handout     — the public cases give the same results with the frozen reference the handout
                 ships (:mod:`grader.authoring.frozen_ref`) as with the solutions;
9. reference record — the solutions' answers to every case, public and hidden, equal the reviewed
                 record (:mod:`grader.authoring.reference_record`), and the docstrings' worked examples hold;
                 a changed answer names its case and the difference until ``validate --accept``;
10. quizzes    — every quiz loads (the loader runs the quiz module's own key self-test) and its
                 locked, handout form scores the plain key's answers exactly as the plain quiz does.

``root`` (default: this checkout) names the folder whose ``solutions/``, ``exercises/`` and
``quizzes/`` are validated, so a test can break a copy; the cases and the reference the judge
compares against are always this checkout's.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..paths import EXERCISE_MODULES, GIVEN_FUNCTIONS, PROJECT_ROOT, STUDENT_FUNCTIONS

#: student IDs whose variants of numeric quiz questions are checked (plus the lesson's own numbers)
QUIZ_PROBE_IDS = (None, *(f"probe{i}" for i in range(24)))


class Validation:
    """Problems found so far, by check; :meth:`step` records which checks ran."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, int, str]] = []   # (check, problems it found, what it covered)
        self.problems: list[str] = []

    def step(self, name: str, found: list[str], covered: str = "") -> None:
        self.steps.append((name, len(found), covered))
        self.problems += [f"{name}: {p}" for p in found]


def _expected_files() -> set[str]:
    return {"__init__.py", *(f"{m}.py" for m in EXERCISE_MODULES)}


def check_layout(root: Path) -> list[str]:
    found = []
    for folder in ("solutions", "exercises"):
        path = root / folder
        if not path.is_dir():
            found.append(f"{folder}/ is missing")
            continue
        names = {p.name for p in path.iterdir() if p.name != "__pycache__"}
        found += [f"{folder}/{n} is missing" for n in sorted(_expected_files() - names)]
        found += [f"{folder}/{n} is a stray file (only __init__.py and the five modules belong there)"
                  for n in sorted(names - _expected_files())]
    return found


def check_generation(root: Path) -> list[str]:
    from .generate import MarkerError, drift

    try:
        differ = drift(root / "exercises", root / "solutions")
    except (MarkerError, OSError) as exc:
        return [str(exc)]
    return [f"exercises/{n} differs from what generation gives (run `python -m grader.authoring.generate`)" for n in differ]


def check_hints(root: Path) -> list[str]:
    from ..student.check import function_docs

    found = []
    for module in EXERCISE_MODULES:
        docs = {}
        for folder in ("solutions", "exercises"):
            path = root / folder / f"{module}.py"
            try:
                docs[folder] = function_docs(path.read_text(encoding="utf-8"), module, path)
            except (OSError, SyntaxError, ValueError) as exc:
                found.append(f"{folder}/{module}.py cannot be read: {exc}")
        for folder, functions in docs.items():
            for function in (*STUDENT_FUNCTIONS[module], *GIVEN_FUNCTIONS.get(module, ())):
                if function not in functions:
                    found.append(f"{folder}/{module}.py has no function {function}()")
        for function in STUDENT_FUNCTIONS[module]:
            doc = docs.get("solutions", {}).get(function)
            if doc is not None and not doc.hint:
                found.append(f"{module}.{function} has no 'Hint:' section in its docstring (solutions/{module}.py "
                             f"line {doc.line})")
    return found


def check_cases() -> tuple[list, list[str]]:
    from ..casekit import CaseCollectionError, collect_cases

    try:
        specs = collect_cases(include_hidden=True)
    except (CaseCollectionError, ImportError, SyntaxError) as exc:
        return [], [f"the cases do not load: {type(exc).__name__}: {exc}"]
    found = []
    public = {(s.module, s.function) for s in specs if not s.hidden}
    for module in EXERCISE_MODULES:
        for function in STUDENT_FUNCTIONS[module]:
            if (module, function) not in public:
                found.append(f"{module}.{function} has no public case: `embedlab check` cannot tell a student "
                             "whether it works")
    return specs, found


def _detail(spec, modules: dict) -> str:
    """Why a case fails against ``modules``, in full (hidden cases too: this is for the instructor)."""
    from ..casekit import InProcessBackend, Student, reference, run_case

    result = run_case(spec, Student(InProcessBackend(modules)), reference("solutions"))
    if result.status == "passed":
        return "passes in process, fails in the sandbox (a limit, or a value the wire changes)"
    return f"{result.outcome}: " + " | ".join(line.strip() for line in result.message_public.splitlines())


def grade_folder(root: Path, folder: str, judge):
    """Grade ``root/folder`` as a student's submission would be graded."""
    from ..grading.submission import read_submission

    sub = read_submission(folder, [root / folder])
    return sub, judge.grade(sub)


def check_scores(root: Path, specs: list) -> tuple[list[str], list[str], list[str], str]:
    """(problems of the solutions, problems of the stubs, case bugs, what was covered)."""
    from ..casekit import load_package_from_sources
    from ..grading.engine import Judge, paths_to_hide
    from ..sandbox.zygote import Limits

    by_name = {s.name: s for s in specs}
    judge = Judge(Limits(), paths_to_hide([root]), include_hidden=True, quizzes=False)
    try:
        solutions_sub, solutions = grade_folder(root, "solutions", judge)
        stubs_sub, stubs = grade_folder(root, "exercises", judge)
    finally:
        judge.close()
    bad_solutions, bad_stubs, bugs = [], [], []
    solution_modules = None
    for note in solutions_sub.notes + [n for n in solutions.notes if n not in solutions_sub.notes]:
        bad_solutions.append(f"solutions/: {note}")
    for test in solutions.tests:
        if test.status == "passed":
            continue
        if solution_modules is None:
            solution_modules = load_package_from_sources(solutions_sub.modules)
        spec = by_name.get(test.name)
        detail = _detail(spec, solution_modules) if spec else test.output
        (bugs if test.outcome == "error" else bad_solutions).append(
            f"{test.name} ({'hidden' if test.hidden else 'public'}) fails against the solutions: {detail}")
    for test in stubs.tests:
        if test.outcome == "error":
            bugs.append(f"{test.name} ({'hidden' if test.hidden else 'public'}) errs against the stubs: {test.output}")
        elif test.status == "passed" or test.outcome != "not_attempted":
            bad_stubs.append(f"{test.name}: the untouched stub gives {test.outcome} ({test.score:g} points), "
                             "not 'not attempted'")
    if stubs.score:
        bad_stubs.append(f"the untouched stubs score {stubs.score:g}, not 0")
    covered = (f"solutions {solutions.score:g}/{solutions.max_score:g} over {len(solutions.tests)} cases; "
               f"stubs {stubs.score:g}; {'sandboxed' if solutions.sandboxed else 'NOT sandboxed'}")
    return bad_solutions, bad_stubs, bugs, covered


def check_handout_reference(root: Path) -> tuple[list[str], str]:
    from ..casekit import load_package_from_sources
    from .frozen_ref import freeze_public_cases
    from ..grading.submission import read_submission

    modules = {f: load_package_from_sources(read_submission(f, [root / f]).modules) for f in ("solutions", "exercises")}
    frozen = freeze_public_cases(modules["solutions"], modules["exercises"])
    return frozen.problems, f"{frozen.cases} public cases, {len(frozen.book.calls)} reference calls"


def check_reference_record(root: Path) -> tuple[list[str], str]:
    """The live solutions of ``root`` against ``root``'s reviewed record of their answers."""
    from .reference_record import RECORD_PATH, RECORD_RELPATH, check, live_modules

    # a copy without its own record is held to this checkout's (the cases are this checkout's too)
    path = root / RECORD_RELPATH if (root / RECORD_RELPATH).is_file() else RECORD_PATH
    return check(live_modules(root), path)


def check_quizzes(root: Path) -> tuple[list[str], str]:
    import yaml

    from ..quiz import QuizFormatError, key_answers, load_quizzes, lock_quiz, parse_quiz, score_answers

    folder = root / "quizzes"
    try:
        quizzes = load_quizzes(folder)
    except QuizFormatError as exc:
        return [str(exc)], ""
    found = []
    for quiz in quizzes:
        try:
            locked = parse_quiz(yaml.safe_dump(lock_quiz(quiz), sort_keys=False, allow_unicode=True),
                                source=f"{quiz.id} (locked)")
        except (QuizFormatError, ValueError) as exc:
            found.append(f"quiz {quiz.id}: its locked form does not load: {exc}")
            continue
        for student_id in QUIZ_PROBE_IDS:
            answers = {quiz.id: key_answers(quiz, student_id=student_id)}
            plain = score_answers(quiz, answers, student_id=student_id)
            handout = score_answers(locked, answers, student_id=student_id)
            who = f"student {student_id}" if student_id else "the lesson's numbers"
            if plain.points != plain.max_points:
                found.append(f"quiz {quiz.id}: its own key scores {plain.points:g}/{plain.max_points:g} for {who}")
            if locked.has_key:
                wrong = [r.question_id for r in handout.results if r.status != "correct"]
                if wrong:
                    found.append(f"quiz {quiz.id}: the hashed key rejects the plain key's answer to "
                                 f"{', '.join(wrong)} for {who}")
            elif any(r.status != "recorded" for r in handout.results):
                found.append(f"quiz {quiz.id}: its graded handout does not just record the key's answers")
            if found:
                break
    return found, f"{len(quizzes)} quizzes, {sum(len(q.questions) for q in quizzes)} questions"


def run_validation(root: Path | None = None) -> Validation:
    root = Path(root) if root is not None else PROJECT_ROOT
    v = Validation()
    v.step("layout", check_layout(root))
    v.step("generation", check_generation(root))
    v.step("hints", check_hints(root), f"{sum(map(len, STUDENT_FUNCTIONS.values()))} functions")
    specs, found = check_cases()
    public = sum(not s.hidden for s in specs)
    v.step("cases", found, f"{public} public, {len(specs) - public} hidden")
    if specs and (root / "solutions").is_dir() and (root / "exercises").is_dir():
        solutions, stubs, bugs, covered = check_scores(root, specs)
        v.step("solutions score full marks", solutions, covered)
        v.step("stubs score 0, all not attempted", stubs)
        v.step("no case bugs", bugs)
        found, covered = check_handout_reference(root)
        v.step("handout reference", found, covered)
        found, covered = check_reference_record(root)
        v.step("reference record", found, covered)
    found, covered = check_quizzes(root)
    v.step("quizzes", found, covered)
    return v


def validate(*, console, root: Path | None = None, accept: bool = False) -> int:
    """``embedlab validate``: 0 when the assignment is sound, 1 with the list of problems.

    ``accept`` first rewrites the reviewed record of the solutions' answers (the instructor's
    explicit choice after changing a solution) and lists what changed in it.
    """
    from rich.markup import escape
    from rich.text import Text

    from .release import require_instructor_checkout

    if root is None:
        require_instructor_checkout("validate")
    started = time.perf_counter()
    if accept:
        from .reference_record import RECORD_RELPATH, accept as accept_record, live_modules

        target = Path(root or PROJECT_ROOT) / RECORD_RELPATH
        new, changed = accept_record(live_modules(Path(root or PROJECT_ROOT)), target)
        console.print(Text(f"accepted: {target.name} now records the solutions' answers to {len(new['cases'])} "
                           f"cases ({len(changed)} change{'s' * (len(changed) != 1)})", style="bold"))
        for line in changed:
            console.print(f"  - {escape(line)}")
    v = run_validation(root)
    for name, count, covered in v.steps:
        line = Text("✓ " if not count else "✗ ", style="green" if not count else "bold red")
        line.append(name)
        if covered:
            line.append(f"  ({covered})", style="dim")
        if count:
            line.append(f"  {count} problem{'s' * (count != 1)}", style="red")
        console.print(line)
    for problem in v.problems:
        console.print(Text(f"  - {problem}"))
    verdict = f"{len(v.problems)} problem{'s' * (len(v.problems) != 1)}" if v.problems else "the assignment is sound"
    console.print(Text(f"validate: {verdict} ({time.perf_counter() - started:.1f} s)",
                       style="bold red" if v.problems else "bold green"))
    return 1 if v.problems else 0
