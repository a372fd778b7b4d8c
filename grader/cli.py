"""The ``embedlab`` command line: a thin layer over one keyword-only function per verb.

Exit status (SPEC 8): ``grade`` 0 once every submission has a result, however low; ``check`` and
``quiz --answers`` 0 when all passed and 1 when some failed; every command 2 for bad usage or
unreadable input, with one line on stderr saying what and where — never a traceback for a user's
mistake.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import UsageError

STUDENT_EPILOG = """\
Students:    embedlab check            test your exercises/ against the public cases
             embedlab check --watch    re-check every time you save
             embedlab hint train_bpe   a hint for one function
             embedlab quiz --id ID     take the lesson's quizzes in the terminal
             embedlab submit --id ID   pack your files into ID.zip for upload
"""
EPILOG = STUDENT_EPILOG + """\
Instructors: embedlab grade SUBMISSIONS --out DIR    grade a whole class
             embedlab validate                       check the assignment itself
             embedlab release DIR                    write the student handout
             embedlab similarity SUBMISSIONS --out DIR    who shares code with whom
             embedlab report DIR                          what the class understood (DIR/report.html)
             embedlab export {nbgrader,gradescope,lms} ...
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _warn_many_jobs(jobs: int | None, err) -> None:
    """One line when ``--jobs`` asks for more processes than there are cores."""
    cores = _cores()
    if jobs is not None and jobs > cores:
        err.print(f"[yellow]warning: --jobs {jobs} is more than the {cores} core{'s' if cores > 1 else ''} of this "
                  f"machine: it will not be faster, and busy cores make time limits harder to meet "
                  f"(the default is {cores})[/]", soft_wrap=True)


#: the verbs that work in the student handout (no solutions/, no hidden cases); --help there lists only these
STUDENT_VERBS = ("check", "hint", "quiz", "submit")


def in_handout() -> bool:
    """True when this embedlab is the student handout, not the instructor's checkout."""
    from .paths import PROJECT_ROOT
    return not (PROJECT_ROOT / "solutions" / "__init__.py").is_file()


def build_parser(*, handout: bool | None = None) -> argparse.ArgumentParser:
    """The whole command line; in the handout (``handout``, default: detected) only STUDENT_VERBS."""
    handout = in_handout() if handout is None else handout
    parser = _Parser(prog="embedlab", description="Auto-graded exercises: text -> tokens -> embeddings -> retrieval.",
                     epilog=STUDENT_EPILOG if handout else EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"embedlab {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", parser_class=_Parser)

    p = verbs.add_parser("check", help="check your exercises against the public cases",
                         description="Run the public cases against your copy of exercises/, in the same sandbox "
                                     "the grader uses, and show what passes, what fails and what to do next.")
    p.add_argument("exercise", nargs="?", help="only this exercise (bpe, lookup, skipgram, similarity, pipeline)")
    p.add_argument("--path", type=Path, help="the folder with your exercise files (default: ./exercises)")
    p.add_argument("--watch", action="store_true", help="re-run every time a file in the folder changes")

    p = verbs.add_parser("hint", help="show the hint for one function",
                         description="Show the hint for a function, e.g. 'embedlab hint train_bpe'.")
    p.add_argument("function", help="a function name, e.g. train_bpe or bpe.train_bpe")

    p = verbs.add_parser("quiz", help="take a quiz, or check an answers file",
                         description="Take the lesson's quizzes in the terminal, one question at a time, or "
                                     "check a filled answers file with --answers.")
    p.add_argument("quiz", nargs="?", help="the quiz id (default: all, in lesson order)")
    p.add_argument("--answers", type=Path, metavar="FILE", help="check this answers.yaml instead of asking")
    p.add_argument("--id", dest="student_id", help="your student ID (numeric questions depend on it)")
    p.add_argument("--template", type=Path, metavar="FILE", help="write an empty answers file to fill in")
    p.add_argument("--save", type=Path, metavar="FILE", default=Path("answers.yaml"),
                   help="where each answer is saved as you give it, keeping the rest of the file; a quiz "
                        "started there resumes at the first unanswered question (default: answers.yaml "
                        "in the current folder)")

    p = verbs.add_parser("grade", help="grade a class of submissions (instructors)",
                         description="Grade every submission in SUBMISSIONS (one folder or .zip per student, "
                                     "named by student ID): public and hidden cases plus quizzes, each "
                                     "submission in its own sandbox. Writes DIR/gradebook.csv, "
                                     "DIR/<student>/results.json (Gradescope format) and feedback.md. "
                                     "Re-running regrades only what changed.")
    p.add_argument("submissions", type=Path, nargs="?", help="the class folder (not needed with --explain-limits)")
    p.add_argument("--out", type=Path, metavar="DIR", help="where results go (required to grade)")
    p.add_argument("--jobs", type=_positive_int, default=None,
                   help=f"submissions graded in parallel on this machine (default: the number of cores, "
                        f"{_cores()})")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a running Dask cluster, e.g. tcp://HOST:8786 (its workers need this "
                            "checkout; see docs/cluster.md; needs pip install 'embedlab[cluster]')")
    where.add_argument("--cluster", metavar="local:N",
                       help="start a Dask cluster of N worker processes on this machine and grade on it "
                            "(to try cluster grading; needs pip install 'embedlab[cluster]')")
    p.add_argument("--wait-workers", type=_positive_float, default=300.0, metavar="SECONDS",
                   help="with --scheduler: how long to wait for the first Dask worker to join (300)")
    p.add_argument("--force", action="store_true", help="regrade every submission, even unchanged ones")
    p.add_argument("--case-seconds", type=_positive_float, default=5.0,
                   help="the CAP of a case's time limit (5); each case's limit is clamp(--time-factor x the "
                        "reference's time on this machine, --case-floor, --case-seconds)")
    p.add_argument("--time-factor", type=_positive_float, default=100.0,
                   help="how many times the reference's own time a case may take (100: enough for plain-Python "
                        "loops; measured by bench/time_limits.py)")
    p.add_argument("--case-floor", type=_positive_float, default=0.15,
                   help="no case gets less than this many seconds (0.15)")
    p.add_argument("--explain-limits", action="store_true",
                   help="print every case's time limit and how it was derived, then stop (grades nothing)")
    p.add_argument("--submission-seconds", type=_positive_float, default=60.0,
                   help="wall-clock limit per submission (60)")
    p.add_argument("--memory-mb", type=_positive_int, default=1024, help="memory limit per submission (1024)")
    p.add_argument("--format", choices=["csv", "canvas", "moodle"], default="csv",
                   help="also write the gradebook in an LMS's import layout (default: csv only)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run without namespaces (only for trusted code; results say so)")
    p.add_argument("--course", type=Path, metavar="FILE",
                   help="the course file: due date, late policy, extensions, weights, visibility (default: "
                        "course.yaml beside SUBMISSIONS, if there is one; see docs/course.md)")
    p.add_argument("--submitted-at", type=Path, metavar="FILE",
                   help="CSV of student,submitted_at (an LMS download) for the late policy; never file times")
    p.add_argument("--overrides", type=Path, metavar="FILE",
                   help="CSV or YAML of student,target,points,reason[,by]: manual points, applied last and shown")
    p.add_argument("--only", nargs="+", metavar="ID",
                   help="grade (again) only these students; every other stored row is kept as it is")
    p.add_argument("--prune", action="store_true",
                   help="drop the stored rows and files of students no longer in SUBMISSIONS (default: keep, marked)")
    p.add_argument("--no-report", action="store_true",
                   help="do not write the class report (DIR/report.html, items.csv) at the end")
    _add_report(verbs)

    _add_similarity(verbs)

    p = verbs.add_parser("release", help="write the student handout (instructors)",
                         description="Write the handout to DIR: stubs, public cases, quizzes with unreadable "
                                     "keys and a student README; no solutions, hidden cases or plain keys.")
    p.add_argument("dir", type=Path, help="where the handout goes: a new or empty folder")

    p = verbs.add_parser("validate", help="check the assignment itself (instructors)",
                         description="Solutions score full marks, untouched stubs score 0, every quiz loads with "
                                     "consistent keys, the stubs equal what generation gives, and the solutions' "
                                     "answers to every case equal the reviewed record of them.")
    p.add_argument("--accept", action="store_true",
                   help="first record the solutions' current answers as the reviewed reference (after you "
                        "changed a solution on purpose), then validate")

    p = verbs.add_parser("submit", help="pack your files into a submission zip",
                         description="Run a last check, then pack your exercise files and answers.yaml into "
                                     "ID.zip, ready to upload.")
    p.add_argument("--id", dest="student_id", required=True, help="your student ID")
    p.add_argument("--path", type=Path, help="the folder with your exercise files (default: ./exercises)")
    p.add_argument("--out", type=Path, help="where to write ID.zip (default: the current folder)")
    p.add_argument("--anyway", action="store_true",
                   help="pack even when a module does not load (it will score 0 for its functions)")

    p = verbs.add_parser("export", help="export to nbgrader, Gradescope or an LMS (instructors)",
                         description="Write the assignment for nbgrader or Gradescope, or a gradebook for an LMS.")
    exports = p.add_subparsers(dest="target", metavar="TARGET", parser_class=_Parser)
    e = exports.add_parser("nbgrader", help="write an nbgrader course folder",
                           description="Write an nbgrader course: source/embeddings/ with the notebooks (solutions "
                                       "and hidden tests inside), nbgrader_config.py and a README. An existing "
                                       "course is left alone unless --force is given.")
    e.add_argument("course_dir", type=Path, metavar="COURSE_DIR",
                   help="the course folder to write (new or empty; an earlier export needs --force)")
    e.add_argument("--layout", choices=["per-module", "single"], default="per-module",
                   help="one notebook per module (per-module, the default) or all five in one (single)")
    e.add_argument("--force", action="store_true",
                   help="replace what an earlier export wrote there, nbgrader_config.py included (edits to it "
                        "are lost)")
    e = exports.add_parser("gradescope", help="write a Gradescope autograder zip",
                           description="Write the zip to upload as a Gradescope programming assignment's "
                                       "autograder (setup.sh, run_autograder, embedlab with its hidden cases).")
    e.add_argument("zip", type=Path, metavar="ZIP", help="the autograder zip to write, e.g. autograder.zip")
    e.add_argument("--course", type=Path, metavar="FILE",
                   help="bundle this course file: Gradescope then shows its visibility and late policy")
    e = exports.add_parser("lms", help="convert a gradebook.csv to an LMS import layout",
                           description="Convert the gradebook.csv that 'embedlab grade' wrote into the CSV an "
                                       "LMS gradebook import reads (see docs/lms-export.md).")
    e.add_argument("gradebook", type=Path, metavar="GRADEBOOK", help="the gradebook.csv written by 'embedlab grade'")
    e.add_argument("--format", choices=["canvas", "moodle", "csv"], required=True,
                   help="the layout: canvas, moodle, or csv (the gradebook as it is)")
    e.add_argument("--out", type=Path, required=True, metavar="FILE",
                   help="the CSV file to write (not a folder), e.g. canvas.csv")

    p = verbs.add_parser("generate", help="regenerate exercises/ from solutions/ (maintainers)")
    p.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    if handout:
        _keep_verbs(verbs, STUDENT_VERBS)
    return parser


def _add_report(verbs) -> None:
    p = verbs.add_parser(
        "report", help="the class report of a graded folder (instructors)",
        description="Write DIR/report.html (what the class understood: score distribution, every case and quiz "
                    "question with its difficulty and discrimination, concepts hardest first, students needing "
                    "attention; one self-contained page that opens offline and prints), DIR/items.csv (the same "
                    "numbers per case and question), DIR/attention.csv and DIR/<student>/feedback.html. "
                    "'grade' writes it too unless --no-report. Needs the optional extra: pip install 'embedlab[report]'.")
    p.add_argument("dir", type=Path, metavar="DIR", help="a folder 'embedlab grade --out DIR' wrote")
    p.add_argument("--no-feedback-pages", action="store_true",
                   help="do not write DIR/<student>/feedback.html (only the class page and the CSVs)")


def cmd_report(args) -> int:
    from .report import require_report_libraries
    require_report_libraries()  # one line saying how to install, before anything is read
    from .report.build import build_report

    err = _console_err()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    bar = Progress(TextColumn("report"), BarColumn(), MofNCompleteColumn(), console=err, transient=True,
                   disable=not err.is_terminal)
    with bar:
        task = bar.add_task("", total=None)
        summary = build_report(args.dir, feedback_pages=not args.no_feedback_pages,
                               progress=lambda done, total: bar.update(task, completed=done, total=total))
    _print_report_summary(summary, args.dir)
    return 0


def _print_report_summary(summary, folder: Path) -> None:
    from rich.markup import escape
    hardest = f"; hardest concept: {escape(summary.hardest)}" if summary.hardest else ""
    _console().print(f"report: {summary.gradable} of {summary.students} students graded, {summary.items} items, "
                     f"{summary.attention} needing attention{hardest}; {summary.seconds:.1f} s -> "
                     f"{escape(str(folder / 'report.html'))}, {escape(str(folder / 'items.csv'))}", soft_wrap=True)


def _report_after_grading(out: Path) -> None:
    """grade's last step: the class report. It never costs the grading: a failure is one warning line."""
    from .report import INSTALL_HINT, missing_dependency
    if missing_dependency() is not None:
        _console_err().print(f"report skipped: {INSTALL_HINT}", soft_wrap=True, markup=False)
        return
    try:
        from .report.build import build_report
        _print_report_summary(build_report(out), out)
    except (UsageError, OSError, ValueError) as exc:
        _console_err().print(f"warning: report not written ({exc}); the grading is kept; retry with "
                             f"'embedlab report {out}'", soft_wrap=True, markup=False)


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The verbs of ``parser`` (or the targets of ``embedlab export``), by name."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:  # argparse keeps no public list of its sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def _keep_verbs(verbs, keep: tuple[str, ...]) -> None:
    """Drop every verb but ``keep`` from the parser and its --help (whoever added them)."""
    for name in [n for n in verbs.choices if n not in keep]:
        del verbs.choices[name]
    # argparse lists the verbs in --help from this private list; it has had this name since 3.2
    verbs._choices_actions = [a for a in verbs._choices_actions if a.dest in keep]


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 1, got {text}")
    return value


def _add_similarity(verbs) -> None:
    from .overlap import MAX_PAGES, MIN_TOKENS, THRESHOLD
    p = verbs.add_parser(
        "similarity", help="which submissions share code (instructors)",
        description="Compare every pair of submissions in SUBMISSIONS, module by module, with copydetect's "
                    "winnowing fingerprints (offline; nothing is run). The handout's stubs, docstrings and "
                    "given helpers never count, nor do functions too short to mean anything. Writes "
                    "DIR/similarity.csv (every flagged pair, most similar first) and DIR/similarity.html "
                    "(the pairs side by side, shared code marked). Similarity is a reason to look, never "
                    "a verdict. Needs the optional extra: pip install 'embedlab[similarity]'.")
    p.add_argument("submissions", type=Path, help="the class folder (read exactly as 'grade' reads it)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the report goes")
    p.add_argument("--threshold", type=_fraction, default=THRESHOLD, metavar="X",
                   help="flag a pair when this share of one side's code in a module (or of one non-trivial "
                        f"function) is also in the other (default {THRESHOLD}: in bench/similarity_threshold.py "
                        "it finds every function copied with new names and swapped lines, and flags none of "
                        "24 independent implementations)")
    p.add_argument("--min-tokens", type=_positive_int, default=MIN_TOKENS, metavar="N",
                   help="functions and overlaps smaller than N filtered characters (about N/15 lines) never "
                        f"count on their own (default {MIN_TOKENS})")
    p.add_argument("--jobs", type=_positive_int, default=_cores(),
                   help="processes for reading and comparing (default: the number of cores, %(default)s)")
    p.add_argument("--max-pages", type=int, default=MAX_PAGES, metavar="N",
                   help=f"pairs shown side by side in similarity.html (default {MAX_PAGES}; the CSV has all)")
    p.add_argument("--handout", type=Path, metavar="DIR",
                   help="the stubs handed out, whose code never counts (default: embedlab's exercises/)")


def cmd_similarity(args) -> int:
    _check_class_and_out(args.submissions, args.out, "the report")
    if args.handout is not None and not args.handout.is_dir():
        raise UsageError(f"--handout {args.handout}: no such folder (it should hold the stubs, bpe.py ...)")
    if args.max_pages < 0:
        raise UsageError(f"--max-pages {args.max_pages}: must be 0 or more")
    from .overlap import require_detector
    require_detector()
    from .overlap.run import check_class
    from .overlap.report import NOT_A_VERDICT

    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = _console()
    err = _console_err()
    _warn_many_jobs(args.jobs, err)
    # no refresh thread: the comparing workers are forked, and a fork should not race a thread
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=err, transient=True, auto_refresh=False, disable=not err.is_terminal)
    with bar:
        task = bar.add_task("reading", total=None)

        def progress(phase: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=phase)
            bar.refresh()

        try:
            summary = check_class(args.submissions, args.out, threshold=args.threshold,
                                  min_tokens=args.min_tokens, jobs=args.jobs, max_pages=args.max_pages,
                                  handout=args.handout, progress=progress)
        except KeyboardInterrupt:
            print(f"embedlab: interrupted; nothing was written (a previous report in {args.out} is unchanged)",
                  file=sys.stderr)
            return 130
    if summary.students == 0:
        err.print(f"[yellow]warning: no submissions found in {escape(str(args.submissions))} (one folder or "
                  ".zip per student, named by student ID)[/]", soft_wrap=True)
    console.print(
        f"compared {summary.students} submissions ({summary.pairs} pairs, {summary.comparisons} module "
        f"comparisons): {len(summary.flagged)} (pair, module) rows at similarity >= {summary.threshold}, "
        f"{summary.pairs_flagged} pairs, {summary.students_flagged} students; {len(summary.skipped)} entries "
        f"skipped; {summary.seconds:.1f} s -> {args.out / 'similarity.csv'}, {args.out / 'similarity.html'}",
        soft_wrap=True, markup=False)
    for name, reason in summary.skipped:
        console.print(f"  skipped {name}: {reason}", soft_wrap=True, markup=False)
    console.print(NOT_A_VERDICT, soft_wrap=True, markup=False)
    return 0


def _console():
    from rich.console import Console
    return Console(highlight=False)


def _check_class_and_out(submissions: Path, out: Path, what: str) -> None:
    """The class folder must be a folder; ``out`` (where ``what`` goes) a folder outside it."""
    if submissions.exists() and not submissions.is_dir():
        raise UsageError(f"{submissions}: is a file, not a folder (give the folder that holds one "
                         "folder or .zip per student)")
    if not submissions.is_dir():
        raise UsageError(f"{submissions}: no such folder (the class's submissions go there)")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    if out.resolve() == submissions.resolve() or submissions.resolve() in out.resolve().parents:
        raise UsageError(f"{out}: {what} may not go inside the submissions folder")
    from .grading.submission import class_folder_problem, list_class

    problem = class_folder_problem(submissions, list_class(submissions))
    if problem:
        raise UsageError(f"{submissions}: {problem}")
    # checked before anything is graded: a read-only --out would otherwise fail at the first write
    existing = out.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: cannot write in {existing} (permission denied or a read-only disk); "
                         "choose another folder")


def _grading_limits(args):
    from .sandbox import Limits

    return Limits(case_seconds=args.case_seconds, submission_seconds=args.submission_seconds,
                  memory_bytes=args.memory_mb << 20, case_factor=args.time_factor, case_floor=args.case_floor)


def cmd_grade(args) -> int:
    from rich.markup import escape

    if args.explain_limits:
        from .grading.explain import explain_limits
        return explain_limits(_grading_limits(args), console=_console())
    if args.submissions is None or args.out is None:
        raise UsageError("grade needs the class folder and --out DIR (e.g. embedlab grade submissions --out graded)")
    _check_class_and_out(args.submissions, args.out, "results")
    backend = None
    if args.scheduler is not None or args.cluster is not None:
        if args.jobs is not None:
            raise UsageError("--jobs is for grading on this machine: on a Dask cluster every worker process "
                             "grades one submission at a time (start as many workers as you want in parallel)")
        from .cluster import parse_local, require_dask

        local = parse_local(args.cluster) if args.cluster is not None else None
        if args.scheduler is not None and not args.scheduler.strip():
            raise UsageError("--scheduler: give the scheduler's address, e.g. tcp://HOST:8786")
        require_dask(local=local is not None)
        from .cluster import DaskBackend

        backend = DaskBackend(scheduler=args.scheduler, local_workers=local, wait_workers=args.wait_workers)
    from .course import course_run
    from .grading.engine import grade_class, load_quizzes_or_none

    # the course policy is read and checked before anything is graded or written (exit 2 if wrong)
    run = course_run(submissions=args.submissions, course_file=args.course, submitted_at=args.submitted_at,
                     overrides=args.overrides, quizzes=load_quizzes_or_none())

    limits = _grading_limits(args)
    console = _console()
    err = _console_err()
    _warn_many_jobs(args.jobs, err)
    if args.no_sandbox:
        err.print("[bold red]WARNING: --no-sandbox: student code runs without namespaces[/]")

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   TextColumn("{task.description}"), console=err, transient=True,
                   disable=not err.is_terminal)
    with bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, student: str | None) -> None:
            bar.update(task, completed=done, total=total, description=escape(student or ""))

        if backend is not None:
            backend.status = lambda text: bar.update(task, description=escape(text))
            backend.warn = lambda text: err.print(f"[yellow]warning: {escape(text)}[/]", soft_wrap=True)
        summary = grade_class(args.submissions, args.out, jobs=args.jobs or _cores(), limits=limits,
                              force=args.force, sandbox=not args.no_sandbox, progress=progress, course=run,
                              only=args.only, prune=args.prune, backend=backend)
    if args.format != "csv":
        from .export.lms import export_gradebook
        target = args.out / f"gradebook-{args.format}.csv"
        export_gradebook(args.out / "gradebook.csv", target, args.format)
    if not summary.sandboxed:
        err.print(f"[bold red]WARNING: graded WITHOUT the sandbox: {summary.why_unsandboxed}. Student code could "
                  "see and change files this user can.[/]")
    skipped = len(summary.problems)
    console.print(
        f"graded {summary.graded}, reused {summary.reused} unchanged, {len(summary.flagged)} with status error, "
        f"{skipped} {'entry' if skipped == 1 else 'entries'} skipped; mean score {summary.mean_percent:.1f}%; "
        f"{summary.seconds:.1f} s{' ' + summary.workers_note if summary.workers_note else ''} -> "
        f"{args.out / 'gradebook.csv'}", soft_wrap=True, markup=False)
    for name, reason in summary.problems:  # ordinary clutter (.DS_Store, README.txt) only in skipped.csv
        console.print(f"  skipped {name}: {reason}", soft_wrap=True, markup=False)
    shown = 10
    for student, status in summary.flagged[:shown]:  # IDs and reasons come from submissions: no markup
        console.print(f"  {student}: {status}", soft_wrap=True, markup=False)
    if len(summary.flagged) > shown:
        console.print(f"  ... and {len(summary.flagged) - shown} more with status error (see gradebook.csv)",
                      soft_wrap=True, markup=False)
    for line in summary.warnings:
        err.print(f"[yellow]warning: {escape(line)}[/]", soft_wrap=True)
    if run.course is not None and run.course.source != "<no course file>":
        console.print(f"course policy from {escape(run.course.source)}"
                      + (f"; {summary.rewritten} students' files rewritten for it" if summary.rewritten else ""),
                      soft_wrap=True)
    if not args.no_report:
        _report_after_grading(args.out)
    return 0


def cmd_quiz(args) -> int:
    from .quiz import QuizFormatError, default_quizzes_dir, load_quizzes, write_template
    from .quiz.terminal import check_answers_file, run_quiz

    from .grading.submission import STUDENT_ID

    if args.student_id is not None and (not STUDENT_ID.fullmatch(args.student_id)
                                        or args.student_id.startswith(".")):
        raise UsageError(f"--id {args.student_id!r}: a student ID is 1 to 64 letters, digits, '.', '_', "
                         "'@' or '-', not starting with '.'")
    if args.answers is not None:
        return check_answers_file(args.answers, quiz_id=args.quiz, student_id=args.student_id,
                                  console=_console())
    folder = default_quizzes_dir()
    try:
        quizzes = load_quizzes(folder)
    except QuizFormatError as exc:
        raise UsageError(str(exc)) from None
    if args.quiz is not None:
        chosen = [q for q in quizzes if q.id == args.quiz]
        if not chosen:
            raise UsageError(f"no quiz {args.quiz!r} in {folder} (quizzes: {', '.join(q.id for q in quizzes)})")
        quizzes = chosen
    if args.student_id is None:
        varying = [q.id for q in quizzes if any(question.params for question in q.questions)]
        if varying:
            raise UsageError(f"quiz {', '.join(varying)} draws its numbers from your student ID: add "
                             f"--id YOUR_ID (e.g. 'embedlab quiz {varying[0]} --id s1234567')")
    if args.template is not None:
        if args.template.exists():
            raise UsageError(f"{args.template}: already exists; choose another name or remove it")
        write_template(args.template, quizzes, student_id=args.student_id)
        print(f"wrote {args.template}: fill in your answers, then 'embedlab quiz --answers {args.template}'")
        return 0
    console = _console()
    for quiz in quizzes:
        run_quiz(quiz, console=console, student_id=args.student_id, save_to=args.save)
    return 0


def _console_err():
    from rich.console import Console
    return Console(stderr=True, highlight=False)


INSTRUCTOR_VERBS = ("grade", "generate", "export", "report")


def dispatch(args) -> int:
    verb = args.verb
    if verb in INSTRUCTOR_VERBS:
        from .authoring.release import require_instructor_checkout
        require_instructor_checkout(f"embedlab {verb}")
    if verb == "grade":
        return cmd_grade(args)
    if verb == "generate":
        from .authoring.generate import main as generate_main
        return generate_main(["--check"] if args.check else [])
    if verb == "check":
        from .student.check import check
        return check(exercise=args.exercise, path=args.path, watch=args.watch, console=_console())
    if verb == "hint":
        from .student.check import hint
        return hint(args.function, console=_console())
    if verb == "quiz":
        return cmd_quiz(args)
    if verb == "similarity":
        return cmd_similarity(args)
    if verb == "report":
        return cmd_report(args)
    if verb == "release":
        from .authoring.release import release
        return release(args.dir, console=_console())
    if verb == "validate":
        from .authoring.validate import validate
        return validate(console=_console(), accept=args.accept)
    if verb == "submit":
        from .student.submit import submit
        return submit(student_id=args.student_id, path=args.path, out=args.out, console=_console(),
                      anyway=args.anyway)
    if verb == "export":
        if args.target is None:
            raise UsageError("export needs a target: nbgrader, gradescope or lms (see 'embedlab export --help')")
        from . import export
        return export.run(args, console=_console())
    build_parser().print_help(sys.stderr)
    return 2


#: what Ctrl-C leaves behind, for the verbs where it is worth saying (others: just "interrupted")
INTERRUPTED = {
    "grade": "interrupted; everything already graded is kept — run the same command to go on",
}


def main(argv: list[str] | None = None) -> int:
    verb = None
    try:
        words = sys.argv[1:] if argv is None else argv
        first = next((w for w in words if not w.startswith("-")), None)
        if first is not None and first not in STUDENT_VERBS and in_handout() \
                and first in subcommands(build_parser(handout=False)):
            raise UsageError(f"{first} is an instructor command, not part of the student handout "
                             f"(here: {', '.join(STUDENT_VERBS)}; see 'embedlab --help')")
        args = build_parser().parse_args(argv)
        verb = args.verb
        return dispatch(args)
    except UsageError as exc:
        print(f"embedlab: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a path that cannot be read or written: the user's to fix
        where = exc.filename if exc.filename is not None else ""
        print(f"embedlab: {where}{': ' if where else ''}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"embedlab: {INTERRUPTED.get(verb, 'interrupted')}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
