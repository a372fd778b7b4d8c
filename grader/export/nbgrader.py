"""``embedlab export nbgrader COURSE_DIR``: the assignment as an nbgrader course.

What it writes::

    COURSE_DIR/
      nbgrader_config.py            course id "embedlab", gradebook.db in COURSE_DIR
      README.md                     the nbgrader commands, in order
      source/embeddings/
        bpe.ipynb ... pipeline.ipynb   one notebook per exercise module (--layout per-module), or
        embeddings.ipynb               all of them in one (--layout single)
        embedlab_checks.py             the checks the test cells call (grader/export/nbchecks.py)

A module's notebook, cell by cell (steps of :func:`module_cells`, in order):

1. markdown: the lesson's section for the module (``lesson.md``) and the module's docstring;
2. the checks' import (read-only; once per notebook);
3. the module's first lines — imports and constants — read-only; ``from . import bpe`` there gets a
   Jupyter fallback (:mod:`grader.export.nbchecks`);
4. one cell per top-level function of ``solutions/<module>.py``: a given helper is read-only; a
   function a student writes is an nbgrader *solution cell* (its ``### BEGIN SOLUTION`` block is
   what nbgrader replaces by ``raise NotImplementedError()``), followed by
5. one autograder test cell per graded case of that function (:mod:`grader.export.casetrace`):
   public cases in plain sight, hidden ones between ``### BEGIN HIDDEN TESTS`` and
   ``### END HIDDEN TESTS``, each worth the case's points — so nbgrader's total is embedlab's
   (quizzes aside).

Every code cell of the module (steps 3 and 4) carries ``metadata.embedlab.module``, so that
``embedlab grade`` takes a filled notebook as that module's source; the checks' cell belongs to no
module and test cells are never taken (``grader/grading/notebook.py``).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import UsageError
from ..authoring.lesson import LESSON_FILE, lesson_sections  # noqa: F401  (LESSON_FILE: for callers)
from ..fsutil import atomic_write_text
from ..paths import EXERCISE_MODULES, PROJECT_ROOT, STUDENT_FUNCTIONS

ASSIGNMENT = "embeddings"
COURSE_ID = "embedlab"
COMBINED_NOTEBOOK = "embeddings.ipynb"
CHECKS_FILE = "embedlab_checks.py"
LAYOUTS = ("per-module", "single")
SCHEMA_VERSION = 3
#: first line of the files embedlab writes: marks them as safe to overwrite on the next export
GENERATED = "# Written by 'embedlab export nbgrader'"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
TITLES = {"bpe": "Byte Pair Encoding", "lookup": "Token IDs and the embedding lookup",
          "skipgram": "Skip-gram: learning embeddings by gradient descent",
          "similarity": "Cosine similarity and nearest neighbours", "pipeline": "The pipeline: text to retrieval"}


# ---------------------------------------------------------------------------------------------
# reading solutions/<module>.py
# ---------------------------------------------------------------------------------------------
@dataclass
class Part:
    """A piece of a solution module that becomes one code cell."""

    kind: str            # "header", "given" or "solution"
    name: str            # function name ("" for the header)
    source: str


@dataclass
class ModuleSource:
    module: str
    docstring: str
    parts: list[Part]


def split_module(module: str, source: str) -> ModuleSource:
    """Cut a solution module into its docstring, its header (imports, constants) and one part a
    top-level function; the comment lines right above a function go with it, any other lines
    between two functions with the first one."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = list(tree.body)
    docstring, top = "", 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        docstring, top = body[0].value.value, body[0].end_lineno
        body = body[1:]
    functions = [n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    starts, floor = [], top
    for node in functions:
        first = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
        starts.append(_leading_comment_start(lines, first, floor))
        floor = node.end_lineno
    bounds = starts + [len(lines)]
    parts = [Part("header", "", _clean("\n".join(lines[top:bounds[0]])))]
    for node, begin, end in zip(functions, bounds, bounds[1:]):
        text = "\n".join(lines[begin:end])
        parts.append(Part("solution" if BEGIN_SOLUTION in text else "given", node.name, _clean(text)))
    return ModuleSource(module, docstring, parts)


def _leading_comment_start(lines: list[str], index: int, floor: int) -> int:
    """Move ``index`` up over the comment (and blank) lines above it: they introduce the function."""
    top = index
    # only comments at the left margin: an indented one (``### END SOLUTION``) ends the function above
    while index - 1 >= floor and (not lines[index - 1].strip() or lines[index - 1].startswith("#")):
        index -= 1
        if lines[index].strip():
            top = index
    return top


def _clean(text: str) -> str:
    return text.strip("\n").rstrip() + "\n" if text.strip() else ""


def jupyter_imports(header: str, layout: str) -> str:
    """Give each ``from . import a, b`` of a module's header a fallback that works in Jupyter."""
    out = []
    for line in header.splitlines():
        match = re.fullmatch(r"from \. import ([\w, ]+)", line.strip())
        if not match:
            out.append(line)
            continue
        names = [n.strip() for n in match.group(1).split(",") if n.strip()]
        out.append("try:")
        out.append(f"    {line.strip()}  # when embedlab grades this notebook")
        if layout == "single":
            out.append("except ImportError:  # in Jupyter: their functions are the ones defined above")
            out += [f"    {n} = module_from_namespace(globals(), {n!r})" for n in names]
        else:
            out.append("except ImportError:  # in Jupyter: their functions come from their notebooks")
            out += [f"    {n} = module_from_notebook({n + '.ipynb'!r}, {n!r})" for n in names]
    return "\n".join(out) + "\n"


def docstring_markdown(docstring: str) -> str:
    """A module docstring (reStructuredText-ish) as Markdown: ``x`` -> `x`, ``::`` blocks kept as code."""
    text = docstring.strip("\n")
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    text = re.sub(r":(?:func|class|mod|data):`([^`]+)`", r"`\1`", text)
    text = re.sub(r"::\n", ":\n", text)
    return text


# ---------------------------------------------------------------------------------------------
# cells
# ---------------------------------------------------------------------------------------------
def _nbgrader(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
              points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _cell_id(grade_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)[:64]


def markdown_cell(cell_id: str, text: str):
    import nbformat
    cell = nbformat.v4.new_markdown_cell(text.rstrip("\n"))
    cell.id = _cell_id(cell_id)
    return cell


def code_cell(grade_id: str, source: str, *, module: str | None, hide_source: bool = False, **nbgrader):
    import nbformat
    cell = nbformat.v4.new_code_cell(source.rstrip("\n"))
    cell.id = _cell_id(grade_id)
    cell.metadata["nbgrader"] = _nbgrader(grade_id, **nbgrader)
    cell.metadata["embedlab"] = {"module": module}
    if hide_source:
        cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


@dataclass
class CaseCells:
    """The test cells made from the graded cases, by function, and what could not be made."""

    by_function: dict[tuple[str, str], list[tuple[object, list[str]]]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)       # "name: why"
    approximated: list[str] = field(default_factory=list)  # case names
    points: float = 0.0
    count: int = 0
    helpers: set[tuple[str, str]] = field(default_factory=set)   # case-module checks the cells call


def case_cells() -> CaseCells:
    """Trace every graded case (public and hidden) against the solutions into test code."""
    from .. import casekit
    from .casetrace import CaseNotExportable, case_code, trace_case

    ref = casekit.reference()
    made = CaseCells()
    for spec in casekit.collect_cases(include_hidden=True):
        try:
            code = case_code(trace_case(spec, ref), ref)
        except CaseNotExportable as exc:
            made.skipped.append(str(exc))
            continue
        if code.approximated:
            made.approximated.append(spec.name)
        made.by_function.setdefault((spec.module, spec.function), []).append((spec, code.lines))
        made.helpers |= code.helpers
        made.points += float(spec.points)
        made.count += 1
    return made


def _points_text(points: float) -> str:
    value = f"{points:g}"
    return f"{value} point" + ("" if value == "1" else "s")


def test_cell(spec, lines: list[str], number: int):
    """One autograder cell: a public case as it is, a hidden one between the hidden-test markers."""
    grade_id = f"test-{spec.module}-{spec.function}-{number}"
    head = f"# {spec.name} ({_points_text(spec.points)})"
    if spec.hidden:
        source = "\n".join([f"# {spec.module}.{spec.function}: a hidden test ({_points_text(spec.points)}) "
                            f"on {spec.concept}", f"# Hint: {spec.hint}", BEGIN_HIDDEN,
                            f"# {spec.title}", *lines, END_HIDDEN])
    else:
        source = "\n".join([head, *lines])
    return code_cell(grade_id, source, module=None, grade=True, locked=True, points=float(spec.points))


def module_cells(module: str, source: ModuleSource, cases: CaseCells, *, layout: str, lesson: str,
                 with_checks_import: bool) -> list:
    """The cells of one module, in the order the module docstring of this file lists."""
    cells = [markdown_cell(f"{module}-lesson", f"# {TITLES.get(module, module)}\n\n{lesson}")]
    if source.docstring:
        cells.append(markdown_cell(f"{module}-about", f"## `{module}`: what you write\n\n"
                                   f"{docstring_markdown(source.docstring)}\n\n"
                                   "Fill in each function where it says `YOUR CODE HERE`, then run the test "
                                   "cell below it. Hidden tests are added when your notebook is graded."))
    if with_checks_import:
        cells.append(checks_import_cell(cases.helpers))
    written: set[str] = set()
    for part in source.parts:
        if part.kind == "header":
            cells.append(code_cell(f"{module}-header", jupyter_imports(part.source, layout), module=module,
                                   locked=True))
            continue
        if part.kind == "given":
            cells.append(code_cell(f"{module}-given-{part.name}", part.source, module=module, locked=True))
            continue
        cells.append(code_cell(f"{module}-{part.name}", part.source, module=module, solution=True))
        written.add(part.name)
        for number, (spec, lines) in enumerate(cases.by_function.get((module, part.name), []), start=1):
            cells.append(test_cell(spec, lines, number))
    for function in STUDENT_FUNCTIONS[module]:   # cases of a function without a solution cell of its own
        if function not in written:
            for number, (spec, lines) in enumerate(cases.by_function.get((module, function), []), start=1):
                cells.append(test_cell(spec, lines, number))
    return cells


def checks_import_cell(helpers: set[tuple[str, str]] = frozenset()):
    from . import nbchecks
    from .literals import render
    names = [*nbchecks.__all__, *sorted(name for _, name in helpers)]
    listed = render(tuple(names)).replace("'", "")   # wrapped like any long tuple
    source = (f"# Run this cell first. The tests below use these checks ({CHECKS_FILE}, next to this notebook).\n"
              f"from embedlab_checks import {listed}")
    return code_cell("embedlab-checks", source, module=None, locked=True)


def new_notebook(cells: list, title: str):
    import nbformat
    notebook = nbformat.v4.new_notebook()
    notebook.cells = cells
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                       "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["embedlab"] = {"generated": True, "version": __version__, "title": title}
    return notebook


# ---------------------------------------------------------------------------------------------
# the course
# ---------------------------------------------------------------------------------------------
@dataclass
class CourseReport:
    course_dir: Path
    layout: str
    notebooks: list[str]
    tests: int
    points: float
    skipped: list[str]
    approximated: list[str]

    def summary(self) -> str:
        lines = [f"wrote nbgrader course {self.course_dir} ({self.layout} layout): "
                 f"{', '.join(self.notebooks)} with {self.tests} test cells worth {self.points:g} points",
                 f"next: cd {self.course_dir} && nbgrader generate_assignment {ASSIGNMENT}"]
        if self.approximated:
            lines.append(f"{len(self.approximated)} case(s) check 'same result as the reference' where the "
                         f"case checked a property: {', '.join(self.approximated)}")
        lines += [f"not exported (its points are not in the notebooks): {s}" for s in self.skipped]
        return "\n".join(lines)


def export_course(course_dir: Path, *, layout: str = "per-module", force: bool = False) -> CourseReport:
    """Write the nbgrader course to ``course_dir`` (see the module docstring); returns a report.

    Like ``nbgrader quickstart``, an existing course is refused unless ``force``: its
    ``nbgrader_config.py`` may hold the instructor's edits. With ``force`` the files a previous
    export wrote, and ``nbgrader_config.py`` whoever wrote it, are replaced; any other file in
    ``source/`` is still a :class:`UsageError` (it is never deleted).
    """
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r} (per-module or single)")
    course_dir = Path(course_dir)
    if course_dir.exists() and not course_dir.is_dir():
        raise UsageError(f"{course_dir}: exists and is not a folder")
    source_dir = course_dir / "source" / ASSIGNMENT
    config = course_dir / "nbgrader_config.py"
    if not force:
        existing = [p for p in (config, source_dir) if p.exists()]
        if existing:
            raise UsageError(f"{course_dir}: already holds an nbgrader course ({', '.join(p.relative_to(course_dir).as_posix() for p in existing)}); "
                             "add --force to replace embedlab's files there (nbgrader_config.py too: edits to it "
                             "are lost), or export into a new folder")
    _check_overwritable(config, source_dir, force=force)

    modules = {m: split_module(m, (PROJECT_ROOT / "solutions" / f"{m}.py").read_text(encoding="utf-8"))
               for m in EXERCISE_MODULES}
    if layout == "single":
        _check_single_namespace(modules)
    lessons = lesson_sections()
    cases = case_cells()

    notebooks: dict[str, object] = {}
    if layout == "per-module":
        for m in EXERCISE_MODULES:
            cells = module_cells(m, modules[m], cases, layout=layout, lesson=lessons.get(m, ""),
                                 with_checks_import=True)
            notebooks[f"{m}.ipynb"] = new_notebook(cells, TITLES[m])
    else:
        cells = [markdown_cell("embeddings-intro", "# Embeddings: from text to retrieval\n\n"
                               "One notebook, five parts in lesson order: " +
                               ", ".join(f"`{m}`" for m in EXERCISE_MODULES) +
                               ". Run the cells from the top: later parts use the functions of earlier ones."),
                 checks_import_cell(cases.helpers)]
        for m in EXERCISE_MODULES:
            cells += module_cells(m, modules[m], cases, layout=layout, lesson=lessons.get(m, ""),
                                  with_checks_import=False)
        notebooks[COMBINED_NOTEBOOK] = new_notebook(cells, "Embeddings")

    from .inline import standalone
    source_dir.mkdir(parents=True, exist_ok=True)
    for stale in source_dir.glob("*.ipynb"):
        if stale.name not in notebooks and _generated_notebook(stale):
            stale.unlink()
    import nbformat
    written = []
    for name, notebook in notebooks.items():
        nbformat.validate(notebook)
        written.append(_write(source_dir / name, nbformat.writes(notebook) + "\n"))
    written.append(_write(source_dir / CHECKS_FILE, f"{GENERATED} from grader/export/nbchecks.py.\n"
                          + standalone("grader.export.nbchecks", sorted(cases.helpers))))
    written.append(_write(config, nbgrader_config()))
    written.append(_write(course_dir / "README.md", course_readme(layout, list(notebooks))))
    return CourseReport(course_dir, layout, list(notebooks), cases.count, cases.points, cases.skipped,
                        cases.approximated)


def _write(path: Path, text: str) -> Path:
    """Write atomically, readable by the course's other users as any file they create would be."""
    atomic_write_text(path, text)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
    return path


def nbgrader_config() -> str:
    return f'''{GENERATED} (embedlab {__version__}).
"""nbgrader settings of the embedlab course: run nbgrader from this folder."""
import os

c = get_config()  # noqa: F821 (nbgrader provides it)
here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "{COURSE_ID}"
c.CourseDirectory.root = here
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")
# a test cell may train a small model: give it time
c.ExecutePreprocessor.timeout = 120
'''


def course_readme(layout: str, notebooks: list[str]) -> str:
    return f"""<!-- {GENERATED[2:]} (embedlab {__version__}) -->
# embedlab as an nbgrader course

`source/{ASSIGNMENT}/` holds the assignment ({layout} layout: {', '.join(notebooks)}) and
`{CHECKS_FILE}`, the checks its test cells call. Run nbgrader from this folder (nbgrader and a
`python3` Jupyter kernel with NumPy must be installed; `nbgrader autograde` also needs the
environment's `bin` folder on `PATH`, as it runs `alembic`):

```bash
nbgrader generate_assignment {ASSIGNMENT}   # release/{ASSIGNMENT}/: solutions cleared, hidden tests removed
# students fill the notebooks; collect them into submitted/<student>/{ASSIGNMENT}/
nbgrader autograde {ASSIGNMENT}             # autograded/ and the scores in gradebook.db
nbgrader export                             # grades.csv
```

Each test cell is one of embedlab's graded cases with the reference's answers written in, worth the
case's points: nbgrader's total equals `embedlab grade`'s for the exercises (quizzes are not part of
the notebooks). A filled notebook can also be graded by `embedlab grade` directly, like `.py` files.
`source/` contains the solutions and the hidden tests: never give it to students.
"""


def _generated_notebook(path: Path) -> bool:
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("embedlab", {})
                    .get("generated"))
    except (OSError, ValueError, AttributeError):
        return False


def _check_overwritable(config: Path, source_dir: Path, *, force: bool = False) -> None:
    if config.exists() and not force:
        first = config.read_text(encoding="utf-8", errors="replace").splitlines()[:1]
        if not first or not first[0].startswith(GENERATED):
            raise UsageError(f"{config}: exists and was not written by embedlab; export into a new folder")
    if source_dir.is_dir():
        for path in source_dir.iterdir():
            if path.name == CHECKS_FILE or (path.suffix == ".ipynb" and _generated_notebook(path)):
                continue
            if path.name in (".ipynb_checkpoints", "__pycache__"):
                shutil.rmtree(path, ignore_errors=True)
                continue
            raise UsageError(f"{path}: is in the way and was not written by embedlab; export into a new folder")


def _check_single_namespace(modules: dict[str, ModuleSource]) -> None:
    """In one notebook every module's functions share one namespace: two with one name would clash."""
    owner: dict[str, str] = {}
    for module, source in modules.items():
        for part in source.parts:
            if part.name and part.name in owner:
                raise UsageError(f"--layout single: {owner[part.name]}.{part.name} and {module}.{part.name} "
                                 "would be one name in one notebook; use --layout per-module")
            owner[part.name] = module


def fill_solutions(released: str, source: str) -> str:
    """A released notebook (JSON text) with each solution cell's code taken from ``source``.

    This is what a student who writes the reference solutions hands in; embedlab's tests grade it
    with nbgrader and with ``embedlab grade`` (full marks, both).
    """
    import nbformat
    answers = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source
               for cell in nbformat.reads(source, as_version=4).cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.reads(released, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nbformat.writes(notebook) + "\n"
