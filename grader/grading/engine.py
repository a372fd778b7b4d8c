"""The grading pipeline: a whole class, from a folder of submissions to a gradebook.

The steps, in order (each is one function below):

1. ``list_class``      — one entry per student; anything else is skipped and reported.
2. ``read_submission`` — the bytes of the files embedlab grades; nothing is run.
3. ``grading_key``     — hash of the files read + cases, quizzes, solutions, limits and version;
                         a stored result with the same key is reused (unless ``force``).
4. ``Judge.grade``     — in a pool of worker processes, each with its own sandbox zygote: the
                         student's modules are loaded in a fresh sandboxed child, every case runs
                         in the judge (which holds the reference solutions) and asks the child only
                         for plain-data results; quizzes are scored from ``answers.yaml``.
5. ``finish``          — ``<student>/results.json`` and ``feedback.md`` written atomically, the
                         result committed to the SQLite store at once (Ctrl-C loses nothing graded).
6. ``gradebook.csv`` and ``skipped.csv`` written atomically, then one summary.

Ordering constraints: the store is written only by the main process (step 5), after the student's
files, so a stored key always has its files; the gradebook is written last, from the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..fsutil import atomic_write_text
from .limits import CaseClock, CaseLimits, calibrate
from ..paths import EXERCISE_MODULES, PROJECT_ROOT, QUIZZES_DIR
from .results import GradebookRow, SubmissionResult, TestResult, gradebook_csv, write_student_files
from .submission import Submission, list_class, read_submission

STORE_NAME = "gradebook.db"


# ---------------------------------------------------------------------------------------------
# what the sandbox must hide
# ---------------------------------------------------------------------------------------------
def paths_to_hide(extra: list[Path]) -> list[Path]:
    """The folders student code must not see, minus what Python itself needs to keep working.

    A hidden folder that contains the Python installation or its site-packages (a virtual
    environment inside the checkout, a pyenv under the home folder) is replaced by its children,
    except the ones on the way to the installation, recursively.
    """
    needed = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                          *[p for p in sys.path if "site-packages" in p]) if p}
    targets = {PROJECT_ROOT.resolve(), *(Path(p).resolve() for p in extra)}
    home = os.environ.get("HOME")
    if home and Path(home).resolve() != Path("/"):
        targets.add(Path(home).resolve())
    out: list[Path] = []

    def add(path: Path) -> None:
        if not path.exists() or path.is_symlink():
            return
        if any(n == path for n in needed):
            return
        if any(path in n.parents for n in needed):
            if path.is_dir():
                for child in sorted(path.iterdir()):
                    if child.is_dir() and not child.is_symlink():
                        add(child)
            return
        if path.is_dir():
            out.append(path)

    for target in sorted(targets):
        add(target)
    return sorted(set(out))


# ---------------------------------------------------------------------------------------------
# step 3: what a result depends on
# ---------------------------------------------------------------------------------------------
def _limit_numbers(limits) -> dict[str, float]:
    from dataclasses import asdict

    return {name: float(value) for name, value in sorted(asdict(limits).items())}  # 2 == 2.0


def _assignment_files():
    """(path relative to the checkout, bytes) of every file besides the submission that decides a
    score: the cases, the solutions and the quizzes, in a fixed order."""
    for root in (PROJECT_ROOT / "grader" / "cases", PROJECT_ROOT / "solutions", QUIZZES_DIR):
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".yaml", ".yml"):
                yield str(path.relative_to(PROJECT_ROOT)), path.read_bytes()


def assignment_fingerprint(limits) -> str:
    """Hash of everything besides the submission that decides a score."""
    digest = hashlib.sha256(f"embedlab {__version__}\n{_limit_numbers(limits)}\n".encode())
    for name, data in _assignment_files():
        digest.update(name.encode() + b"\0" + data)
    return digest.hexdigest()


def fingerprint_parts(limits) -> dict[str, str]:
    """What :func:`assignment_fingerprint` hashes, one entry per part, so that two machines whose
    fingerprints differ can say *what* differs (a grading cluster checks every worker with it):
    ``{"embedlab": "0.1.0", "limits": "case_seconds=5 ...", "solutions/bpe.py": "<sha256>", ...}``.
    """
    parts = {"embedlab": __version__,
             "limits": " ".join(f"{name}={int(value) if value.is_integer() else value}"
                                for name, value in _limit_numbers(limits).items())}
    for name, data in _assignment_files():
        parts[name] = hashlib.sha256(data).hexdigest()
    return parts


def grading_key(sub: Submission, fingerprint: str) -> str:
    return hashlib.sha256(f"{fingerprint}\0{sub.files_hash}\0{sub.error}\0{sub.notes}".encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# step 4: the judge (one per worker process)
# ---------------------------------------------------------------------------------------------
def load_quizzes_or_none():
    from ..quiz import load_quizzes
    return load_quizzes(QUIZZES_DIR) if QUIZZES_DIR.is_dir() else []


class Judge:
    """Grades submissions one after another in a warm sandbox; holds the reference solutions."""

    def __init__(self, limits, hide: list[Path], *, include_hidden: bool = True,
                 modules: tuple[str, ...] = EXERCISE_MODULES, quizzes: bool = True,
                 sandbox: bool = True, ref=None, case_limits: CaseLimits | None = None) -> None:
        from ..casekit import Student, collect_cases
        from ..sandbox.zygote import Zygote

        # the zygote starts first: its interpreter warms up while the cases are collected here
        self.zygote = Zygote(limits, hide=hide, sandbox=sandbox)
        self.zygote.launch()
        try:
            if ref is None:
                import importlib

                import solutions

                from ..authoring.frozen_ref import MemoReference
                for name in EXERCISE_MODULES:
                    importlib.import_module(f"solutions.{name}")
                ref = MemoReference(solutions)  # same calls for every student: compute once
            self.ref = ref
            self.limits = limits
            self.cases = collect_cases(include_hidden=include_hidden, modules=modules)
            self.quizzes = load_quizzes_or_none() if quizzes else []
            self._student_cls = Student
            self.stubs = _pristine_stubs()
            # per-case time limits (grading.limits): the caller's (measured once per grading run,
            # in the main process), else measured here against the solutions, else the handout's record
            # (one run when checking a student's public cases: a first run is slower, so more generous)
            self.case_limits = case_limits if case_limits is not None else calibrate(
                self.cases, self.ref, limits, runs=3 if include_hidden else 1)
            self.zygote.start()
        except BaseException:
            self.close()
            raise

    @property
    def sandboxed(self) -> bool:
        return self.zygote.sandboxed

    def close(self) -> None:
        self.zygote.__exit__(None, None, None)

    def grade(self, sub: Submission, progress=None) -> SubmissionResult:
        """Grade one submission. ``progress(spec, index, total)``, if given, is called before each
        case (``check`` shows which function it is on; an exception from it abandons the run, and
        the child is killed)."""
        from ..casekit import run_case

        started = time.monotonic()
        quiz_tests = self.quiz_tests(sub)  # may add notes about answers.yaml
        result = SubmissionResult(student=sub.student, notes=list(sub.notes), files_hash=sub.files_hash,
                                  sandboxed=self.zygote.sandboxed)
        if self.quizzes and sub.answers_problem:  # graded, but flagged in the gradebook's status
            result.problems.append(sub.answers_problem)
        if sub.error:
            result.error = sub.error
            result.tests = [self._zero(spec, "not graded: " + sub.error) for spec in self.cases]
        else:
            child = self._spawn_with_stubs(sub, result.notes)
            try:
                clock = CaseClock(child, self.limits.case_seconds)
                student = self._student_cls(clock)
                for index, spec in enumerate(self.cases):
                    if progress is not None:
                        progress(spec, index, len(self.cases))
                    clock.start_case(self.case_limits.seconds(spec.name))
                    result.tests.append(self._test_result(spec, run_case(spec, student, self.ref)))
            finally:
                child.close()
        result.tests += quiz_tests
        result.execution_time = time.monotonic() - started
        return result

    def _spawn_with_stubs(self, sub: Submission, notes: list[str]):
        """A child for the student's modules, where a missing or broken module is the stub.

        The stub keeps the given helpers that other modules import (``lookup`` uses ``bpe``'s), so
        one missing or broken file costs only its own cases (SPEC 7), not those of every module
        that imports it. Modules are replaced in lesson order, which is their import order, so a
        module that failed only because it imports a broken one loads once that one is replaced.
        """
        modules = dict(sub.modules)
        for name in EXERCISE_MODULES:
            if name not in modules and name in self.stubs:
                modules[name] = self.stubs[name]
        while True:
            child = self.zygote.spawn(modules)
            errors = child.load_errors
            broken = [m for m in EXERCISE_MODULES if m in errors and m in sub.modules
                      and modules[m] is sub.modules[m] and m in self.stubs]
            if not broken:
                break
            child.close()
            first = broken[0]
            notes.append(f"{first}.py could not be loaded: {errors[first]} — its cases score 0; the other "
                         f"modules were graded with the handout's {first}.py in its place")
            modules[first] = self.stubs[first]
        for module, message in sorted(errors.items()):
            if module in sub.modules and modules[module] is sub.modules[module]:
                notes.append(f"{module}.py could not be loaded: {message}")
        return child

    @staticmethod
    def _test_result(spec, case) -> TestResult:
        output = case.message_hidden if spec.hidden else case.message_public
        if case.status == "passed":
            output = "passed"
        return TestResult(name=spec.name, score=case.score, max_score=case.max_score, status=case.status,
                          output=output, part=spec.module, outcome=case.outcome, hidden=spec.hidden)

    @staticmethod
    def _zero(spec, why: str) -> TestResult:
        return TestResult(name=spec.name, score=0.0, max_score=float(spec.points), status="failed",
                          output=why, part=spec.module, outcome="missing", hidden=spec.hidden)

    def quiz_tests(self, sub: Submission) -> list[TestResult]:
        """Quiz questions as tests, scored in the judge from answers.yaml (data, never code)."""
        if not self.quizzes:
            return []
        from ..quiz import AnswersFormatError, answer_text, parse_answers, score_answers

        answers: dict = {}
        if sub.answers is None:
            sub.notes.append("answers.yaml is missing: quiz questions score 0")
        else:
            try:
                answers = parse_answers(sub.answers, source="answers.yaml")
            except AnswersFormatError as exc:
                sub.notes.append(f"{exc}: quiz questions score 0")
                sub.answers_problem = f"answers.yaml unreadable: {exc}"
        tests = []
        for quiz in self.quizzes:
            scored = score_answers(quiz, answers, student_id=sub.student)
            sub.notes.extend(f"{quiz.id}: {note}" for note in scored.notes)
            for q in scored.results:
                lines = list(q.feedback)
                if q.explanation and not q.correct:
                    lines.append(f"Why: {q.explanation}")
                tests.append(TestResult(
                    name=f"quiz.{quiz.id}: {q.question_id}", score=float(q.points),
                    max_score=float(q.max_points), status="passed" if q.correct else "failed",
                    output="\n".join(lines) or ("correct" if q.correct else q.status), part=quiz.id,
                    outcome="passed" if q.correct else ("not_attempted" if q.status == "unanswered" else "wrong"),
                    answer=answer_text(quiz.question(q.question_id), q.answer)))  # for the class report
        return tests


def _pristine_stubs() -> dict[str, str]:
    """The untouched stubs, generated from the solutions (none in the handout, which has none)."""
    if not (PROJECT_ROOT / "solutions").is_dir():
        return {}
    from ..authoring.generate import expected_stubs

    return {name[:-3]: text for name, text in expected_stubs().items() if name != "__init__.py"}


_JUDGE: Judge | None = None


def _pin_to_one_core(workers: int) -> None:
    """Keep a pool worker, its zygote and its children on one CPU (worker i on the i-th allowed CPU).

    Judge and child take turns (every call is a round trip), so one CPU is enough for both, and
    each wakeup then finds the other's data in that CPU's cache instead of crossing to another
    (bench/sandbox_latency.py: about 15 % faster). Only when there are no more workers than CPUs.
    """
    if not hasattr(os, "sched_setaffinity") or os.environ.get("EMBEDLAB_NO_PIN") == "1":
        return
    try:
        cpus = sorted(os.sched_getaffinity(0))
        identity = multiprocessing.current_process()._identity
        if not identity or workers > len(cpus):
            return
        os.sched_setaffinity(0, {cpus[(identity[0] - 1) % len(cpus)]})
    except OSError:
        pass


def _worker_init(limits, hide, sandbox, case_limits=None, ref=None, workers=0) -> None:
    global _JUDGE
    # Ctrl-C at a terminal reaches the whole process group: only the main process handles it (it
    # stops the pool); workers and their zygotes (which inherit SIG_IGN across exec) ignore it
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if workers:
        _pin_to_one_core(workers)  # before the zygote starts: it and its children inherit the CPU
    _JUDGE = Judge(limits, hide, sandbox=sandbox, case_limits=case_limits, ref=ref)
    import atexit
    atexit.register(_JUDGE.close)


def grade_one(judge: Judge, sub: Submission) -> SubmissionResult:
    """``judge.grade(sub)``; a bug of embedlab still gives the student a row, which says so."""
    try:
        return judge.grade(sub)
    except Exception as exc:
        return SubmissionResult(student=sub.student, error=f"internal grader error ({type(exc).__name__}: {exc})")


def _worker_grade(task: tuple[Submission, Path]) -> str:
    """Grade one submission and write its files (step 5, in the worker: it spreads the cost of
    encoding); the main process stores the returned JSON only after the files are in place."""
    assert _JUDGE is not None
    sub, out, *policy = task  # policy: the course's view of this student (grader/course), if any
    result = grade_one(_JUDGE, sub)
    if policy and policy[0] is not None:
        policy[0].write_files(out, result, part_max_of(result))
    else:
        write_student_files(out, result, part_max_of(result))
    return result.to_json()


# ---------------------------------------------------------------------------------------------
# where step 4 runs: a backend takes submissions and hands back results as they finish
# ---------------------------------------------------------------------------------------------
@dataclass
class GradingSetup:
    """What every backend's judges need to know, besides the submissions."""

    limits: object                  # sandbox.Limits
    hide: list[Path]                # the class and output folders (each machine adds its own paths)
    sandbox: bool
    fingerprint: str                # assignment_fingerprint(limits) of this machine
    out: Path                       # the output folder (only workers on this machine may write it)


@dataclass
class Graded:
    """One finished submission, as a backend hands it back to :func:`grade_class`.

    ``text`` is the result's JSON (what the store keeps). ``files`` are the student's files
    (``results.json``, ``feedback.md``) still to be written, by name; empty when the worker wrote
    them itself. ``keep`` is False for a result that is not a grade (a crash of the grading
    machinery, not of the student's code): it gets its gradebook row and files but is not stored,
    so a re-run tries it again.
    """

    text: str
    files: dict[str, str] = field(default_factory=dict)
    keep: bool = True


class LocalPool:
    """The backend of ``--jobs N``: a pool of N forked worker processes on this machine, each with
    one warm judge; the workers write their students' files (it spreads the cost of encoding).

    The other backend is :class:`grader.cluster.DaskBackend`: the same judge on a Dask cluster.
    Both take ``(submission, policy)`` pairs (``policy``: the course's view of the student, see
    ``grader/course``) and hand back :class:`Graded` as submissions finish, in any order;
    resuming, ``--force``, ``--only`` and Ctrl-C are :func:`grade_class`'s, the same for both.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.workers_note = ""          #: what the summary line adds (nothing: --jobs is the default)
        self.why_unsandboxed = ""       #: set by backends whose judges run elsewhere

    def grade(self, tasks, count: int, setup: GradingSetup):
        hide = paths_to_hide(setup.hide)
        work = ((sub, setup.out, policy) for sub, policy in tasks)
        case_limits, ref = class_time_limits(setup.limits)  # once here: every worker the same limits
        for text in _run_pool(work, count, self.jobs, setup.limits, hide, setup.sandbox, case_limits, ref):
            yield Graded(text)


# ---------------------------------------------------------------------------------------------
# the whole class
# ---------------------------------------------------------------------------------------------
@dataclass
class Summary:
    graded: int = 0
    reused: int = 0
    errors: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    mean_percent: float = 0.0
    seconds: float = 0.0
    sandboxed: bool = True
    why_unsandboxed: str = ""
    students: int = 0
    warnings: list[str] = field(default_factory=list)   # one line each, for the terminal
    removed: list[str] = field(default_factory=list)    # stored, but gone from the class folder
    rewritten: int = 0                                   # files rewritten for a changed course policy
    workers_note: str = ""      # what the backend adds to the summary line ("on 2 Dask workers")
    flagged: list[tuple[str, str]] = field(default_factory=list)   # (student, status) not "ok"
    clutter: set[str] = field(default_factory=set)       # skipped names that are ordinary clutter

    @property
    def problems(self) -> list[tuple[str, str]]:
        """Skipped entries worth showing: the class folder's clutter is only in skipped.csv."""
        return [(name, reason) for name, reason in self.skipped if name not in self.clutter]


def grade_class(submissions: Path, out: Path, *, jobs: int, limits, force: bool = False,
                sandbox: bool = True, progress=None, course=None, only: list[str] | None = None,
                prune: bool = False, backend=None) -> Summary:
    """Grade every submission in ``submissions`` into ``out``; returns the summary.

    ``progress(done, total, student)`` is called after each student (the CLI draws a bar with it).
    ``course`` (a :class:`grader.course.CourseRun`) applies a course policy after grading; ``only``
    grades just those students again and keeps every other stored row as it is; a student stored
    but no longer in the class folder keeps their row, marked, unless ``prune`` drops it.
    ``backend`` runs step 4 (default: ``LocalPool(jobs)``; ``grader.cluster.DaskBackend`` grades
    on a Dask cluster): whichever it is, only this process writes the store and the gradebook.
    """
    from ..course.apply import CourseRun
    from ..course.engine_steps import check_before_writing, keep_others, refresh_files, removed_students

    run = course if course is not None else CourseRun()
    started = time.monotonic()
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    listing = list_class(submissions)
    quizzes = load_quizzes_or_none()
    check_before_writing(run, out / STORE_NAME, listing.entries, quizzes, only)  # nothing written if wrong
    out.mkdir(parents=True, exist_ok=True)
    summary = Summary(skipped=listing.skipped, clutter=set(listing.clutter))
    fingerprint = assignment_fingerprint(limits)
    quiz_ids = [q.id for q in quizzes]

    from .store import Store

    with Store(out / STORE_NAME) as store:
        todo: list[tuple[str, list[Path], str]] = []
        rows: dict[str, GradebookRow] = {}
        summary.students = len(listing.entries)
        for student, entries in listing.entries.items():
            if only is not None and student not in only:
                keep_others(store, run, out, student, rows, summary)
                continue
            sub = read_submission(student, entries)
            key = grading_key(sub, fingerprint)
            stored = None if force or only is not None else store.get(student, key)
            if stored is not None and (out / student / "results.json").is_file():
                rows[student] = run.for_student(student).row(stored)
                summary.reused += 1
                if refresh_files(store, run, out, student, key, stored, summary) and progress:
                    progress(len(rows), summary.students, student)  # a changed course rewrites many files
            else:
                todo.append((student, entries, key))  # read again when its turn comes: memory stays flat
        removed_students(store, run, out, set(listing.entries), rows, summary, prune=prune)
        summary.warnings += run.warnings(list(listing.entries))
        done = len(rows) - len(summary.removed)
        if progress:
            progress(done, summary.students, None)
        if todo:
            backend = backend or LocalPool(jobs)
            setup = GradingSetup(limits=limits, hide=[submissions, out], sandbox=sandbox,
                                 fingerprint=fingerprint, out=out)
            keys = {student: key for student, _, key in todo}
            tasks = ((read_submission(student, entries), run.for_student(student)) for student, entries, _ in todo)
            # closing: Ctrl-C here (not inside the backend) must still stop the workers at once
            with contextlib.closing(backend.grade(tasks, len(todo), setup)) as finished:
                for graded in finished:
                    result = SubmissionResult.from_json(graded.text)
                    policy = run.for_student(result.student)
                    for name, text in graded.files.items():  # before the store: a stored key has its files
                        atomic_write_text(out / result.student / name, text)
                    if graded.keep:
                        store.put(result.student, keys[result.student], graded.text,
                                  view=policy.view_key(keys[result.student]))
                    rows[result.student] = policy.row(result)
                    summary.graded += 1
                    summary.sandboxed = summary.sandboxed and result.sandboxed
                    done += 1
                    if progress:
                        progress(done, summary.students, result.student)
            summary.workers_note = backend.workers_note
            summary.why_unsandboxed = backend.why_unsandboxed
        finals = list(rows.values())
        atomic_write_text(out / "gradebook.csv", gradebook_csv(finals, quiz_ids))
        atomic_write_text(out / "skipped.csv", _skipped_csv(listing.skipped))
    gone = set(summary.removed)  # kept rows of students no longer in the class folder: not this run's
    present = [r for r in finals if r.student not in gone]
    summary.errors = sum(1 for r in present if r.error)
    scored = [r.score / r.max_score for r in present if r.max_score]
    summary.flagged = sorted((r.student, r.status) for r in present if r.status != "ok")
    summary.mean_percent = 100.0 * sum(scored) / len(scored) if scored else 0.0
    summary.seconds = time.monotonic() - started
    if not summary.sandboxed and not summary.why_unsandboxed:
        from ..sandbox.zygote import why_unsandboxed
        summary.why_unsandboxed = why_unsandboxed()
    return summary


def part_max_of(result: SubmissionResult) -> dict[str, float]:
    return result.part_max()


def class_time_limits(limits):
    """The per-case time limits of a grading run, measured once here (grading.limits), and the warm
    memo reference that measured them: forked workers inherit both, so all use the same limits."""
    import importlib

    import solutions

    from ..casekit import collect_cases
    from ..authoring.frozen_ref import MemoReference
    for name in EXERCISE_MODULES:
        importlib.import_module(f"solutions.{name}")
    ref = MemoReference(solutions)
    return calibrate(collect_cases(), ref, limits), ref


def _run_pool(tasks, count: int, jobs: int, limits, hide: list[Path], sandbox: bool, case_limits=None, ref=None):
    """Yield results (JSON) as workers finish them; one warm judge (and zygote) per worker."""
    jobs = max(1, min(jobs, count))
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_worker_init,
                      initargs=(limits, hide, sandbox, case_limits, ref, jobs)) as pool:
        try:
            yield from pool.imap_unordered(_worker_grade, tasks, chunksize=1)
        except BaseException:
            pool.terminate()
            raise


def _skipped_csv(skipped: list[tuple[str, str]]) -> str:
    from ..fsutil import spreadsheet_csv

    return spreadsheet_csv([["entry", "reason"], *skipped])
