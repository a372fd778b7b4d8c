"""`embedlab export nbgrader`: a course that real nbgrader releases and grades.

The slow test runs nbgrader itself, as an instructor would: ``generate_assignment``, then
``autograde`` on two submissions — the released notebooks filled with the reference solutions
(full marks) and the release untouched (zero) — and reads the scores from nbgrader's gradebook.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader import casekit
from grader.cli import main
from grader.export import nbchecks
from grader.export import nbgrader as nbexport
from grader.export.casetrace import case_code, trace_case
from grader.export.inline import standalone
from grader.export.literals import render
from grader.paths import PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent
MODULES = ("bpe", "lookup", "skipgram", "similarity", "pipeline")


def nbgrader_env(tmp: Path) -> dict[str, str]:
    """nbgrader with this environment's bin on PATH (autograde runs alembic) and a python3 kernel
    that is surely this interpreter (it has NumPy): a kernelspec of our own comes first."""
    kernel = tmp / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (embedlab test)", "language": "python"}))
    env = dict(os.environ)
    env.update(PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}", JUPYTER_PATH=str(tmp / "jupyter"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), IPYTHONDIR=str(tmp / "ipython"),
               JUPYTER_PLATFORM_DIRS="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def nbgrader(course: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([str(VENV_BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout + proc.stderr


def scores(course: Path, student: str) -> tuple[float, float, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=nbexport.COURSE_ID) as gb:
        submission = gb.find_submission(nbexport.ASSIGNMENT, student)
        return (submission.score, submission.max_score, {nb.name: nb.score for nb in submission.notebooks})


def total_points() -> float:
    return sum(float(spec.points) for spec in casekit.collect_cases(include_hidden=True))


def test_nbgrader_releases_and_grades_the_course(tmp_path):
    course = tmp_path / "course"
    assert main(["export", "nbgrader", str(course)]) == 0
    env = nbgrader_env(tmp_path)

    nbgrader(course, env, "generate_assignment", nbexport.ASSIGNMENT)
    release = course / "release" / nbexport.ASSIGNMENT
    assert sorted(p.name for p in release.glob("*.ipynb")) == sorted(f"{m}.ipynb" for m in MODULES)
    for path in release.glob("*.ipynb"):
        text = path.read_text()
        assert "### BEGIN SOLUTION" not in text and "### BEGIN HIDDEN TESTS" not in text
    # the hidden cases' code is gone from the release: not one of their titles is left there
    hidden = [spec for spec in casekit.collect_cases() if spec.hidden]
    released = "".join(p.read_text() for p in release.glob("*.ipynb"))
    assert hidden and not any(f"# {spec.title}" in released for spec in hidden)

    full = course / "submitted" / "full" / nbexport.ASSIGNMENT
    full.mkdir(parents=True)
    for path in release.glob("*.ipynb"):
        source = course / "source" / nbexport.ASSIGNMENT / path.name
        (full / path.name).write_text(nbexport.fill_solutions(path.read_text(), source.read_text()))
    shutil.copytree(release, course / "submitted" / "empty" / nbexport.ASSIGNMENT)

    nbgrader(course, env, "autograde", nbexport.ASSIGNMENT)
    expected = total_points()
    score, max_score, by_notebook = scores(course, "full")
    assert max_score == pytest.approx(expected)
    assert score == pytest.approx(expected), f"the solutions lost points in nbgrader: {by_notebook}"
    score, max_score, by_notebook = scores(course, "empty")
    assert (score, max_score) == (0.0, pytest.approx(expected)), by_notebook


# --- fast checks of what the export writes ------------------------------------------------------------
@pytest.fixture(scope="module")
def single_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("single") / "course"
    report = nbexport.export_course(course, layout="single")
    return course, report


def test_single_layout_is_one_notebook_with_every_module(single_course):
    course, report = single_course
    folder = course / "source" / nbexport.ASSIGNMENT
    assert {p.name for p in folder.iterdir()} == {"embedlab_checks.py", "embeddings.ipynb"}
    notebook = nbformat.read(folder / "embeddings.ipynb", as_version=4)
    nbformat.validate(notebook)
    modules = [c.metadata["embedlab"]["module"] for c in notebook.cells
               if c.cell_type == "code" and c.metadata["embedlab"]["module"]]
    assert list(dict.fromkeys(modules)) == list(MODULES)
    assert report.points == pytest.approx(total_points()) and not report.skipped


def test_cells_carry_nbgrader_and_embedlab_metadata(single_course):
    course, _ = single_course
    notebook = nbformat.read(course / "source" / nbexport.ASSIGNMENT / "embeddings.ipynb", as_version=4)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells if c.cell_type == "code"]
    assert len(ids) == len(set(ids))
    solutions = [c for c in notebook.cells if c.cell_type == "code" and c.metadata["nbgrader"]["solution"]]
    assert {c.metadata["nbgrader"]["grade_id"].split("-", 1)[1] for c in solutions} >= {"train_bpe", "retrieve"}
    for cell in solutions:
        assert cell.metadata["nbgrader"] == {"grade": False, "grade_id": cell.metadata["nbgrader"]["grade_id"],
                                             "locked": False, "schema_version": 3, "solution": True, "task": False}
        assert "### BEGIN SOLUTION" in cell.source and cell.metadata["embedlab"]["module"] in MODULES
    tests = [c for c in notebook.cells if c.cell_type == "code" and c.metadata["nbgrader"]["grade"]]
    assert all(c.metadata["nbgrader"]["locked"] and c.metadata["nbgrader"]["points"] > 0 for c in tests)
    assert all(c.metadata["embedlab"]["module"] is None for c in tests)
    hidden = [c for c in tests if "### BEGIN HIDDEN TESTS" in c.source]
    assert hidden and all(c.source.rstrip().endswith("### END HIDDEN TESTS") for c in hidden)
    assert sum(c.metadata["nbgrader"]["points"] for c in tests) == pytest.approx(total_points())


def test_lesson_text_is_in_the_markdown(single_course):
    course, _ = single_course
    notebook = nbformat.read(course / "source" / nbexport.ASSIGNMENT / "embeddings.ipynb", as_version=4)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    for phrase in ("BPE in three steps", "one-hot vector", "skip-gram", "measures the angle between two vectors",
                   "Retrieval-Augmented Generation"):
        assert phrase in text


def test_config_names_the_course_and_a_gradebook_inside_it(single_course):
    course, _ = single_course
    config = (course / "nbgrader_config.py").read_text()
    assert 'course_id = "embedlab"' in config and "gradebook.db" in config
    namespace = {"__file__": str(course / "nbgrader_config.py")}

    class Config:  # what traitlets gives nbgrader_config.py, enough to run it
        def __getattr__(self, name):
            value = type("Section", (), {})()
            object.__setattr__(self, name, value)
            return value

    config_object = Config()
    exec(compile(config, "nbgrader_config.py", "exec"), {**namespace, "get_config": lambda: config_object})
    assert config_object.CourseDirectory.db_url == f"sqlite:///{course / 'gradebook.db'}"


def test_checks_file_runs_without_embedlab(single_course, tmp_path):
    course, _ = single_course
    checks = course / "source" / nbexport.ASSIGNMENT / "embedlab_checks.py"
    code = ("import embedlab_checks as c, numpy as np\n"
            "c.expect_equal([('l', 'o')], [('l', 'o')])\n"
            "c.expect_close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]))\n"
            "c.expect_raises(ValueError, int, 'x')\n"
            "for bad in (lambda: c.expect_equal([['l', 'o']], [('l', 'o')]), lambda: c.expect_raises(TypeError, int, 'x')):\n"
            "    try:\n        bad()\n    except AssertionError as e:\n        print('failed as it should:', e)\n"
            "    else:\n        raise SystemExit('a wrong answer passed')\n"
            "import sys; assert 'grader' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(checks.parent)!r})\n" + code],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("failed as it should") == 2


def test_a_folder_in_the_way_is_refused(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert main(["export", "nbgrader", str(tmp_path)]) == 2


def test_re_export_with_force_replaces_its_own_files_and_the_other_layout(single_course):
    course, _ = single_course
    nbexport.export_course(course, layout="per-module", force=True)
    names = sorted(p.name for p in (course / "source" / nbexport.ASSIGNMENT).glob("*.ipynb"))
    assert names == sorted(f"{m}.ipynb" for m in MODULES)
    nbexport.export_course(course, layout="single", force=True)


# --- the test code judges like the cases ----------------------------------------------------------------
def test_every_variant_of_the_mutation_catalogue_is_judged_alike():
    """Each mutant (a wrong function) and each alternative (a right one written differently) gets, case
    by case, the same verdict from the notebook's test code as from embedlab's case; only the cases the
    export reports as approximated may differ, and only by being stricter."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from tests.mutants import run_cases, variant_modules
    from tests.mutants.alternatives import ALTERNATIVES
    from tests.mutants.catalogue import MUTANTS

    ref = casekit.reference()
    specs = casekit.collect_cases()
    compiled, approximated, helpers = {}, set(), set()
    for spec in specs:
        code = case_code(trace_case(spec, ref), ref)
        compiled[spec.name] = compile("\n".join(code.lines), spec.name, "exec")
        helpers |= code.helpers
        if code.approximated:
            approximated.add(spec.name)
    checks: dict = {}
    exec(standalone("grader.export.nbchecks", sorted(helpers)), checks)

    def notebook_passes(modules, spec) -> bool:
        namespace = {**vars(modules[spec.module]), **{k: v for k, v in checks.items() if not k.startswith("__")}}
        try:
            exec(compiled[spec.name], namespace)
        except Exception:  # noqa: BLE001 - any error fails a test cell in nbgrader
            return False
        return True

    differ = []
    with np.errstate(all="ignore"):
        for variant in [*MUTANTS, *ALTERNATIVES]:
            modules = variant_modules(variant)
            mine = [s for s in specs if s.module == variant.module]
            for spec, result in zip(mine, run_cases(modules, mine, ref)):
                notebook = notebook_passes(modules, spec)
                if notebook != (result.status == "passed"):
                    differ.append((variant.id, spec.name, result.status, notebook))
    assert len(MUTANTS) > 50 and len(ALTERNATIVES) > 10
    unexpected = [d for d in differ if d[1] not in approximated or d[3]]
    assert not unexpected, unexpected


def test_notebook_checks_default_to_the_grader_s_tolerances():
    for ours, theirs in ((nbchecks.expect_close, casekit.expect_close), (nbchecks.expect_equal, casekit.expect_equal),
                         (nbchecks.expect_unchanged, casekit.expect_unchanged)):
        defaults = {k: p.default for k, p in inspect.signature(theirs).parameters.items()
                    if p.default is not inspect.Parameter.empty}
        assert {k: p.default for k, p in inspect.signature(ours).parameters.items() if k in defaults} == defaults


@pytest.mark.parametrize("value", [
    {("l", "o"): 4, ("o", "w"): 4}, [("l", "o"), ("lo", "w")], (1,), (), set(), {"b", "a"}, frozenset({1}),
    np.array([0.5, -0.0, np.nan, np.inf]), np.arange(6, dtype=np.int32).reshape(2, 3), np.zeros((0, 3)),
    np.array([True, False]), np.float32(0.1), np.int64(-3), np.bool_(True), float("-inf"), 1e-320,
    np.linspace(0, 1, 300).reshape(100, 3), np.array([[1.5, 2.0]], dtype=np.float16), ["x" * 90, list(range(40))],
    None, "it's \u00e9\n",
])
def test_literals_round_trip_exactly(value):
    namespace = {"np": np, "packed_array": nbchecks.packed_array}
    again = eval(render(value), namespace)
    assert type(again) is type(value)
    if isinstance(value, np.ndarray):
        assert (again.dtype, again.shape, again.tobytes()) == (value.dtype, value.shape, value.tobytes())
    elif isinstance(value, float):
        assert repr(again) == repr(value)
    else:
        assert again == value


def test_the_single_notebook_passes_its_own_tests_in_a_kernel(single_course, tmp_path, monkeypatch):
    """One notebook, run as nbgrader's autograde would run a perfect submission (solutions and hidden
    tests in place): modules reach each other through the kernel's namespace (module_from_namespace)."""
    from nbclient import NotebookClient

    course, _ = single_course
    nbexport.export_course(course, layout="single", force=True)  # an earlier test re-exported it per module
    source = course / "source" / nbexport.ASSIGNMENT / "embeddings.ipynb"
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(source.with_name("embedlab_checks.py"), work)
    notebook = nbformat.read(source, as_version=4)
    for name, value in nbgrader_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    errors = [(c.metadata["nbgrader"]["grade_id"], o["ename"], o["evalue"][:200]) for c in notebook.cells
              if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    tests = [c for c in notebook.cells if c.cell_type == "code" and c.metadata["nbgrader"]["grade"]]
    assert any("### BEGIN HIDDEN TESTS" in c.source for c in tests)
    assert tests and all(c.get("execution_count") for c in tests)
