"""exercises/ is exactly what generation gives from solutions/ (SPEC 1: one source of truth)."""

from __future__ import annotations

import ast
import importlib

import pytest

from grader.authoring.generate import MarkerError, drift, make_stub
from grader.paths import EXERCISE_MODULES, PROJECT_ROOT, STUDENT_FUNCTIONS


def test_committed_stubs_equal_what_generation_gives():
    assert drift() == [], "run: python -m grader.authoring.generate"


def test_marker_block_becomes_raise_at_its_indentation():
    src = "def f(x):\n    \"\"\"Doc.\"\"\"\n    ### BEGIN SOLUTION\n    y = x\n    return y\n    ### END SOLUTION\n"
    assert make_stub(src) == "def f(x):\n    \"\"\"Doc.\"\"\"\n    raise NotImplementedError\n"


def test_text_outside_markers_is_kept_byte_for_byte():
    src = "import re\n\nA = 1  # given\n\ndef g():\n        ### BEGIN SOLUTION\n        pass\n        ### END SOLUTION\n\nB = 2\n"
    assert make_stub(src) == "import re\n\nA = 1  # given\n\ndef g():\n        raise NotImplementedError\n\nB = 2\n"


@pytest.mark.parametrize("src, where", [
    ("### BEGIN SOLUTION\nx\n", "f.py:1"),
    ("x\n### END SOLUTION\n", "f.py:2"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "f.py:2"),
    ("    ### BEGIN SOLUTION\nx\n### END SOLUTION\n", "f.py:3"),
])
def test_unbalanced_markers_name_file_and_line(src, where):
    with pytest.raises(MarkerError, match=where):
        make_stub(src, "f.py")


def _functions(path):
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("module", EXERCISE_MODULES)
def test_stub_and_solution_share_signatures_and_docstrings(module):
    stubs = _functions(PROJECT_ROOT / "exercises" / f"{module}.py")
    sols = _functions(PROJECT_ROOT / "solutions" / f"{module}.py")
    assert stubs.keys() == sols.keys()
    for name in stubs:
        assert ast.dump(stubs[name].args) == ast.dump(sols[name].args), name
        assert ast.get_docstring(stubs[name]) == ast.get_docstring(sols[name]), name


@pytest.mark.parametrize("module", EXERCISE_MODULES)
def test_every_student_function_is_a_stub_that_raises(module):
    stubs = importlib.import_module(f"exercises.{module}")
    for name in STUDENT_FUNCTIONS[module]:
        func = getattr(stubs, name)
        body = _functions(PROJECT_ROOT / "exercises" / f"{module}.py")[name].body
        assert isinstance(body[-1], ast.Raise), f"{module}.{name} is not a stub"
        assert "Hint:" in (func.__doc__ or ""), f"{module}.{name} has no Hint: section"
