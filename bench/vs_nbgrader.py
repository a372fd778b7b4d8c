"""The same class graded by nbgrader and by embedlab, side by side: seconds per submission and scores.

    .venv/bin/python bench/vs_nbgrader.py [--quick] [--students 12] [--rounds 2] [--with-looping]

Steps:
 1. a small synthetic class (bench/_class.py) with one of most kinds: correct, wrong (mutants or
    patches), partial, stubs, and the crashing ones (os._exit, a segfault, a syntax error, an
    exception at import); looping ones only with ``--with-looping`` (nbgrader would wait out its
    own cell timeout on each);
 2. ``embedlab export nbgrader COURSE`` writes the nbgrader course, ``nbgrader generate_assignment``
    releases it;
 3. each student's code goes into a copy of the released notebooks, as a student filling them in
    would: every function the student writes (paths.STUDENT_FUNCTIONS) replaces the released one
    in its cell, and top-level lines the student added (an exception at import) go first into the
    module's first answer cell; the notebooks land in ``COURSE/submitted/<student>/<assignment>/``;
 4. ``--rounds`` rounds, the tool that goes first alternating: ``nbgrader autograde A --force`` and
    ``embedlab grade COURSE/submitted --out FRESH --force --jobs 1`` on those same notebooks (one job
    each: nbgrader grades one notebook at a time);
 5. scores compared as a fraction of the maximum: nbgrader's from its gradebook, embedlab's over the
    exercise tests only (its quizzes have no counterpart in the notebooks and are left out).
Reported: per-submission wall seconds of each tool (median over rounds), the ratio, and every
disagreement with its reason. Writes ``bench/results/vs_nbgrader.csv``.
Target (reported): embedlab at least 20x faster per submission.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _class import make_class  # noqa: E402
from _common import (MODULES, ROOT, VENV_BIN, BenchError, embedlab_command, exercise_fractions,  # noqa: E402
                     main_guard, median, print_table, require, run_measured, temp_folder, write_csv)

sys.path.insert(0, str(ROOT))
from grader.paths import STUDENT_FUNCTIONS  # noqa: E402


def tool_env() -> dict[str, str]:
    """nbgrader runs ``alembic`` and ``jupyter`` by name: the venv's bin must come first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    return env


# ---------------------------------------------------------------------------------------------
# a student's functions, cut out of a module's text (also when the module does not parse)
# ---------------------------------------------------------------------------------------------
_TOP = re.compile(r"^(def|class|async def)\s+(\w+)")


def function_blocks(text: str) -> tuple[dict[str, str], list[str]]:
    """({top-level function name: its text}, other top-level lines) by indentation alone.

    Text-based on purpose: a student's file with a syntax error still gives its functions, and the
    notebook then fails where the file would.
    """
    blocks: dict[str, list[str]] = {}
    others: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        match = _TOP.match(line)
        if match:
            current = blocks.setdefault(match.group(2), [])
            current.append(line)
        elif current is not None and (not line.strip() or line[0] in " \t" or line.startswith(("#", ")", "]"))):
            current.append(line)
        else:
            current = None
            others.append(line)
    return {name: "\n".join(lines).rstrip() + "\n" for name, lines in blocks.items()}, others


def fill_cell(cell_text: str, student_functions: dict[str, str], wanted: set[str]) -> str:
    """The cell with each of its top-level student functions replaced by the student's own."""
    mine, _ = function_blocks(cell_text)
    out = cell_text
    for name, block in mine.items():
        if name in wanted and name in student_functions:
            out = out.replace(block.rstrip("\n"), student_functions[name].rstrip("\n"), 1)
    return out


def added_top_level(student_text: str, solution_text: str) -> list[str]:
    """What the student's module has at top level that the reference does not: lines (comments
    aside), then whole functions (helpers of their own); relative imports become plain names, as a
    student would write them in a notebook, whose header cell already binds the sibling modules."""
    theirs_f, theirs = function_blocks(student_text)
    ours_f, ours = function_blocks(solution_text)
    known = {line.strip() for line in ours}
    out = []
    for line in theirs:
        text = line.strip()
        if not text or text.startswith("#") or text in known:
            continue
        match = re.fullmatch(r"from \. import (.+)", text)
        if match:
            for item in match.group(1).split(","):
                name, _, alias = item.strip().partition(" as ")
                if alias.strip():
                    out.append(f"{alias.strip()} = {name.strip()}")
            continue
        out.append(line)
    out += [block for name, block in theirs_f.items() if name not in ours_f]
    return out


def module_of(cell: dict) -> str | None:
    return (cell.get("metadata", {}).get("embedlab") or {}).get("module")


def fill_notebook(released: dict, student_files: dict[str, str]) -> dict:
    """A released notebook with one student's code in its answer cells (a new dict)."""
    notebook = json.loads(json.dumps(released))
    first_answer: dict[str, dict] = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        module = module_of(cell)
        if cell.get("cell_type") != "code" or not meta.get("solution") or module not in MODULES:
            continue
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        student_text = student_files.get(f"{module}.py", "")
        functions, _ = function_blocks(student_text)
        cell["source"] = fill_cell(text, functions, set(STUDENT_FUNCTIONS.get(module, ())))
        first_answer.setdefault(module, cell)
    for module, cell in first_answer.items():
        solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
        extra = added_top_level(student_files.get(f"{module}.py", ""), solution)
        if extra:
            cell["source"] = "\n".join(extra) + "\n" + cell["source"]
    return notebook


# ---------------------------------------------------------------------------------------------
# the two graders
# ---------------------------------------------------------------------------------------------
def nbgrader_scores(course: Path, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook, MissingEntry

    scores: dict[str, float] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in gradebook.students:
            try:
                sub = gradebook.find_submission(assignment, student.id)
            except MissingEntry:
                continue
            scores[student.id] = sub.score / sub.max_score if sub.max_score else float("nan")
    return scores


def failing_tests(out: Path, student: str) -> list[str]:
    try:
        data = json.loads((out / student / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [t["name"] for t in data.get("tests", []) if t.get("status") != "passed"
            and t.get("name", "").split(".", 1)[0] in MODULES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="6 students, 1 round")
    parser.add_argument("--students", type=int, help="class size (default 12, quick 6)")
    parser.add_argument("--rounds", type=int, help="rounds per tool (default 2, quick 1)")
    parser.add_argument("--with-looping", action="store_true", help="include one looping submission")
    parser.add_argument("--keep", type=Path, help="copy the course folder here at the end (for inspection)")
    args = parser.parse_args()
    n = args.students or (6 if args.quick else 12)
    rounds = args.rounds or (1 if args.quick else 2)
    if n < 6 or rounds < 1:
        raise BenchError("--students must be at least 6 (one of each kind) and --rounds at least 1")
    require(ROOT / "grader" / "export" / "nbgrader.py", "'embedlab export nbgrader' has not landed yet")
    require(ROOT / "grader" / "sandbox", "embedlab grade cannot run before the sandbox lands")
    if not (VENV_BIN / "nbgrader").exists():
        raise BenchError(f"nbgrader is not installed in {VENV_BIN.parent}: pip install -e '.[nbgrader]'")
    env = tool_env()

    with temp_folder("nbgrader") as scratch:
        counts = {"wrong": max(1, n // 4), "partial": 1, "stubs": 1, "crashing": 4 if n >= 12 else 1,
                  "looping": 1 if args.with_looping else 0}
        info = make_class(scratch / "class", n, counts=counts, zip_share=0.0)
        print(f"class of {n}: {info.describe()}", flush=True)
        course = scratch / "course"
        run_measured([*embedlab_command(), "export", "nbgrader", str(course)], cwd=scratch, env=env,
                     measure_memory=False, timeout=300).check("embedlab export nbgrader")
        sources = [p for p in (course / "source").iterdir() if p.is_dir()] if (course / "source").is_dir() else []
        if len(sources) != 1:
            raise BenchError(f"expected one assignment in {course / 'source'}, found {[p.name for p in sources]}")
        assignment = sources[0].name
        run_measured([str(VENV_BIN / "nbgrader"), "generate_assignment", assignment, "--force"], cwd=course,
                     env=env, measure_memory=False, timeout=600).check("nbgrader generate_assignment")
        released = sorted((course / "release" / assignment).glob("*.ipynb"))
        if not released:
            raise BenchError(f"nbgrader released no notebook in {course / 'release' / assignment}")
        for student, files in info.files.items():
            target = course / "submitted" / student / assignment
            target.mkdir(parents=True)
            for path in released:
                notebook = fill_notebook(json.loads(path.read_text(encoding="utf-8")), files)
                (target / path.name).write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
            for other in (course / "release" / assignment).iterdir():
                if other.suffix != ".ipynb" and other.is_file():
                    shutil.copy(other, target / other.name)
        _register_students(course, list(info.files), env)

        seconds: dict[str, list[float]] = {"nbgrader": [], "embedlab": []}
        last_out = None
        for r in range(rounds):
            order = ["nbgrader", "embedlab"] if r % 2 == 0 else ["embedlab", "nbgrader"]
            for tool in order:
                if tool == "nbgrader":
                    run = run_measured([str(VENV_BIN / "nbgrader"), "autograde", assignment, "--force"],
                                       cwd=course, env=env, measure_memory=False, timeout=3600)
                    # exit 1 when some submission could not be autograded (a dead kernel): those are
                    # listed below; no autograded folder at all is a real failure
                    nb_failed = [s for s in info.files if not (course / "autograded" / s / assignment).is_dir()]
                    if run.returncode not in (0, 1) or len(nb_failed) == n:
                        run.check("nbgrader autograde")
                else:
                    last_out = scratch / f"embedlab-out-{r}"
                    run = run_measured([*embedlab_command(), "grade", str(course / "submitted"), "--out",
                                        str(last_out), "--force", "--jobs", "1"], cwd=scratch, env=env,
                                       measure_memory=False, timeout=3600)
                    run.check("embedlab grade")
                seconds[tool].append(run.seconds)
                print(f"  round {r + 1}: {tool:8s} {run.seconds:6.1f} s ({run.seconds / n:.2f} s/submission)",
                      flush=True)
        theirs = nbgrader_scores(course, assignment)
        ours = exercise_fractions(last_out, info.files)
        rows, disagreements, not_graded = [], [], []
        for student in info.files:
            a, b = theirs.get(student), ours.get(student)
            gradable = student not in nb_failed
            same = gradable and a is not None and b is not None and abs(a - b) < 1e-9
            row = {"student": student, "kind": info.kinds[student], "variant": info.variants[student],
                   "nbgrader": a if a is not None else "n/a", "embedlab": b if b is not None else "n/a",
                   "agree": "yes" if same else ("NO" if gradable else "n/a: nbgrader failed")}
            if not same:  # what each tool failed, whole, for reading the disagreement later
                row["embedlab_failed"] = " | ".join(failing_tests(last_out, student))
                row["nbgrader_lost"] = " | ".join(nbgrader_lost(course, assignment, student))
            rows.append(row)
            if not gradable:
                not_graded.append((student, info.variants[student], a, b))
            elif not same:
                disagreements.append((student, info.variants[student], a, b, failing_tests(last_out, student),
                                      nbgrader_lost(course, assignment, student)))
        if args.keep:
            shutil.copytree(course, args.keep, dirs_exist_ok=True)

    per = {tool: median(v) / n for tool, v in seconds.items()}
    ratio = per["nbgrader"] / per["embedlab"]
    print_table(rows, ["student", "kind", "variant", "nbgrader", "embedlab", "agree"],
                title="\nscore as a fraction of the maximum (exercise tests only)")
    summary = [{"tool": tool, "students": n, "rounds": rounds, "median_wall_s": median(v),
                "s_per_submission": per[tool], "all_rounds_s": " ".join(f"{s:.1f}" for s in v)}
               for tool, v in seconds.items()]
    print_table(summary, title="\nwall seconds (median over rounds)")
    both = n - len(not_graded)
    print(f"embedlab is {ratio:.1f}x faster per submission (target >= 20x: {'met' if ratio >= 20 else 'NOT met'}); "
          f"scores agree on {sum(r['agree'] == 'yes' for r in rows)} of the {both} submissions both graded")
    for student, variant, a, b in not_graded:
        print(f"  nbgrader could not grade {student} ({variant}): its autograde of the student failed "
              f"(the kernel died) and it removed the autograded folder; its gradebook still holds {_f(a)} "
              f"from the cells run before; embedlab {_f(b)}")
    for student, variant, a, b, failing, lost in disagreements:
        print(f"  disagreement {student} ({variant}): nbgrader {_f(a)}, embedlab {_f(b)}\n"
              f"    embedlab failed: {', '.join(failing[:6])}{' ...' if len(failing) > 6 else ''}\n"
              f"    nbgrader lost:   {', '.join(lost[:6])}{' ...' if len(lost) > 6 else ''}")
    for row in summary:
        row.update(kind="timing", ratio=ratio)
    path = write_csv("vs_nbgrader", summary + rows)
    print(f"wrote {path.relative_to(ROOT)}")


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def nbgrader_lost(course: Path, assignment: str, student: str) -> list[str]:
    """The test cells (grade ids) where nbgrader gave the student less than full points."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        try:
            sub = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return ["(no submission in nbgrader's gradebook)"]
        return [f"{nb.name}:{g.name}" for nb in sub.notebooks for g in nb.grades
                if (g.score or 0) < (g.max_score or 0)]


def _register_students(course: Path, students: list[str], env: dict) -> None:
    """nbgrader autogrades only students it knows of (or creates them); add them up front."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)


if __name__ == "__main__":
    main_guard(main)
