"""Notebook submissions to `embedlab grade`: the nbgrader notebooks, filled, grade like .py files (SPEC 7).

The notebooks are the ones `embedlab export nbgrader` writes, released the way nbgrader releases
them (its own ClearSolutions and ClearHiddenTests preprocessors, in process) and filled with the
reference solutions, as a student who solved everything would hand them in.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

from grader.grading.engine import grade_class
from grader.export import nbgrader as nbexport
from grader.grading.notebook import modules_from_notebook
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT
from grader.sandbox.zygote import Limits

SOLUTIONS = PROJECT_ROOT / "solutions"


def release(source: Path) -> str:
    """What `nbgrader generate_assignment` makes of a source notebook: solutions and hidden tests out."""
    notebook = nbformat.read(source, as_version=4)
    resources: dict = {}
    for step in (ClearSolutions(), ClearHiddenTests()):
        notebook, resources = step.preprocess(notebook, resources)
    return nbformat.writes(notebook) + "\n"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("courses")
    nbexport.export_course(root / "per-module", layout="per-module")
    nbexport.export_course(root / "single", layout="single")
    return {layout: root / layout / "source" / nbexport.ASSIGNMENT for layout in ("per-module", "single")}


def filled(source: Path) -> str:
    return nbexport.fill_solutions(release(source), source.read_text(encoding="utf-8"))


def with_magics(notebook_text: str, module: str) -> str:
    """A student's notebook with a scratch cell of IPython magics and shell escapes in it."""
    notebook = nbformat.reads(notebook_text, as_version=4)
    scratch = nbformat.v4.new_code_cell("%matplotlib inline\n!pip list\nimport numpy as np  # kept\n%time 1 + 1")
    scratch.metadata["embedlab"] = {"module": module}
    notebook.cells.insert(3, scratch)
    return nbformat.writes(notebook) + "\n"


@pytest.fixture(scope="module")
def graded(exported, tmp_path_factory) -> Path:
    class_dir = tmp_path_factory.mktemp("class")
    (class_dir / "py").mkdir()
    for module in EXERCISE_MODULES:
        shutil.copy(SOLUTIONS / f"{module}.py", class_dir / "py" / f"{module}.py")
    per_module, single = exported["per-module"], exported["single"]
    for student, make in {
        "notebooks": lambda m: filled(per_module / f"{m}.ipynb"),
        "magics": lambda m: with_magics(filled(per_module / f"{m}.ipynb"), m),
        "untouched": lambda m: release(per_module / f"{m}.ipynb"),
    }.items():
        (class_dir / student).mkdir()
        for module in EXERCISE_MODULES:
            (class_dir / student / f"{module}.ipynb").write_text(make(module), encoding="utf-8")
    (class_dir / "one-notebook" / "handin").mkdir(parents=True)   # in a subfolder, as SPEC 7 allows
    (class_dir / "one-notebook" / "handin" / "embeddings.ipynb").write_text(filled(single / "embeddings.ipynb"))
    out = tmp_path_factory.mktemp("graded")
    # generous limits: a loaded machine must not time a case out for one student and not another
    grade_class(class_dir, out, jobs=4, limits=Limits(case_seconds=60.0, submission_seconds=900.0))
    return out


def rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text())


def exercise_score(row: dict[str, str]) -> float:
    return sum(float(row[m]) for m in EXERCISE_MODULES)


def test_the_filled_notebooks_score_what_the_py_files_score(graded):
    book = rows(graded)
    full = sum(t["max_score"] for t in results(graded, "py")["tests"] if t["tags"][0] in EXERCISE_MODULES)
    assert full > 0 and exercise_score(book["py"]) == pytest.approx(full)
    for student in ("notebooks", "magics", "one-notebook"):
        assert book[student]["status"] == "ok"
        assert {m: book[student][m] for m in EXERCISE_MODULES} == {m: book["py"][m] for m in EXERCISE_MODULES}, student
        assert book[student]["score"] == book["py"]["score"]


def test_the_notes_say_where_each_module_came_from(graded):
    output = results(graded, "notebooks")["output"]
    assert all(f"{m} was taken from {m}.ipynb" in output for m in EXERCISE_MODULES)
    assert "was taken from embeddings.ipynb" in results(graded, "one-notebook")["output"]


def test_magics_are_dropped_with_a_note(graded):
    output = results(graded, "magics")["output"]
    for module in EXERCISE_MODULES:
        assert f"{module}.ipynb: 3 IPython magic or shell line(s) (% or !) were dropped" in output


def test_the_untouched_release_scores_nothing(graded):
    assert exercise_score(rows(graded)["untouched"]) == 0
    assert all(t["status"] == "failed" for t in results(graded, "untouched")["tests"])


def test_a_notebook_module_is_the_module_cells_only(exported):
    """The checks' import and the test cells are the instructor's, not part of the module."""
    text = filled(exported["per-module"] / "bpe.ipynb")
    found, dropped = modules_from_notebook(text, default_module="bpe")
    assert list(found) == ["bpe"] and dropped == 0
    source = found["bpe"]
    assert source.startswith("from __future__ import annotations")
    assert "embedlab_checks" not in source and "expect_equal(" not in source
    assert "def train_bpe(" in source and "### BEGIN SOLUTION" in source
    compile(source, "bpe", "exec")


def test_a_module_that_imports_another_has_a_jupyter_fallback(exported):
    text = release(exported["per-module"] / "pipeline.ipynb")
    source = modules_from_notebook(text, default_module="pipeline")[0]["pipeline"]
    assert "from . import bpe, lookup, similarity" in source
    assert "module_from_notebook('similarity.ipynb', 'similarity')" in source
