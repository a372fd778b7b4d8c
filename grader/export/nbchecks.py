"""The checks that embedlab's nbgrader notebooks run: ``embedlab_checks.py`` next to the notebooks.

``embedlab export nbgrader`` writes this module into the assignment as ``embedlab_checks.py``, with
every line marked ``# embedlab: inline`` replaced by the source of what it imports (the grader's
own comparison from ``grader.casekit``, its notebook rules from ``grader.grading.notebook``): a Jupyter
kernel has no embedlab installed, and a notebook must judge exactly as ``embedlab grade`` does.
nbgrader copies the file back from the course's source folder before it autogrades, so a student's
edited copy never counts.

The notebook's first code cell imports what the test cells use::

    expect_equal(train_bpe("low low low lower lowest", 2), [("l", "o"), ("lo", "w")])
    expect_raises(ValueError, train_bpe, "low", -1)
    expect_close(softmax(random_matrix(20, (2, 3, 4), scale=50.0)), packed_array(...))

A failed check raises ``AssertionError`` with the lines embedlab's feedback uses (expected, got,
difference); nbgrader gives a test cell its points when it runs without an error.

Modules import each other (``from . import bpe``). When embedlab grades a notebook that works as
it is; in Jupyter the import fails, and the module's first cell falls back on
:func:`module_from_notebook` (per-module layout: ``bpe`` is read from ``bpe.ipynb`` next to the
notebook) or :func:`module_from_namespace` (one notebook: ``bpe``'s functions are the kernel's).
"""

from __future__ import annotations

import base64
import types
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from grader.casekit import _difference, random_matrix, show  # embedlab: inline
from grader.sandbox.child import make_function  # embedlab: inline
from grader.grading.notebook import modules_from_notebook  # embedlab: inline

__all__ = ["expect_close", "expect_equal", "expect_raises", "expect_unchanged", "module_from_namespace",
           "module_from_notebook", "named", "packed_array", "random_matrix"]


# ---------------------------------------------------------------------------------------------
# checks (the same comparison as the grader's, raising AssertionError)
# ---------------------------------------------------------------------------------------------
def _fail(expected: str, got: str, difference: str) -> None:
    raise AssertionError(f"\nexpected:   {expected}\ngot:        {got}\ndifference: {difference}")


def expect_equal(got: Any, expected: Any, *, what: str = "the result", numpy_ints: bool = False,
                 loose_sequences: bool = False) -> None:
    """``got`` must equal ``expected`` exactly, types included (a list is not a tuple)."""
    found = _difference(got, expected, what, numpy_ints=numpy_ints, exact=True, loose_sequences=loose_sequences)
    if found:
        _fail(show(expected), show(got), found)


def expect_close(got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-10, what: str = "the result",
                 dtype: Any = None) -> None:
    """``got`` must be close to ``expected``: same kind, shape and dtype; numbers within tolerance."""
    found = _difference(got, expected, what, exact=False, rtol=rtol, atol=atol, dtype=dtype, loose_sequences=True)
    if found:
        _fail(show(expected), show(got), found)


def expect_unchanged(before: Any, after: Any, *, what: str = "an argument") -> None:
    """``after`` must be bit for bit ``before``: the function must not modify its input."""
    found = _difference(after, before, what, exact=True)
    if found:
        _fail(show(before), show(after), f"the function changed {what}: {found}")


def expect_raises(error: type[BaseException], function: Callable, *args: Any, **kwargs: Any) -> None:
    """``function(*args, **kwargs)`` must raise ``error`` (or a subclass of it)."""
    try:
        value = function(*args, **kwargs)
    except error:
        return
    except Exception as exc:  # noqa: BLE001 - any other error is the wrong one
        _fail(error.__name__, f"{type(exc).__name__}: {exc}",
              "the wrong kind of error (a wrong type is a TypeError, a wrong value or shape a ValueError, "
              "an out-of-range token ID an IndexError)")
    _fail(error.__name__, f"it returned {show(value)}", "no error was raised")


# ---------------------------------------------------------------------------------------------
# inputs too long to print
# ---------------------------------------------------------------------------------------------
def named(name: str, **params: Any) -> Callable[[np.ndarray], float]:
    """A function the tests pass to yours (``numerical_gradient``'s ``f``), built by name."""
    return make_function(types.SimpleNamespace(name=name, params=params))


def packed_array(dtype: str, shape: tuple[int, ...], data: str) -> np.ndarray:
    """An array written compactly: its raw bytes, zlib-compressed and base64-encoded."""
    raw = zlib.decompress(base64.b64decode(data))
    return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()


# ---------------------------------------------------------------------------------------------
# one module's functions for another (`from . import bpe` inside Jupyter)
# ---------------------------------------------------------------------------------------------
def module_from_notebook(filename: str, name: str) -> types.ModuleType:
    """Module ``name`` built from the code cells of ``filename`` (a notebook next to this one).

    The cells are read by the grader's own rules: the notebook's code cells of module ``name``,
    test cells left out, IPython magics (``%``, ``!``) dropped.
    """
    path = _find_notebook(filename)
    if path is None:
        raise ImportError(f"{filename} is not next to this notebook, and {name}'s functions come from it")
    found, _ = modules_from_notebook(path.read_text(encoding="utf-8"), default_module=name)
    module = types.ModuleType(name)
    module.__file__ = str(path)
    # its own first cell may need a module from a notebook too
    module.module_from_notebook = module_from_notebook
    exec(compile(found.get(name, ""), str(path), "exec"), module.__dict__)
    return module


def _find_notebook(filename: str) -> Path | None:
    """``filename`` next to this notebook; under ``nbgrader autograde``, also the submitted copy.

    nbgrader runs each notebook in ``autograded/<student>/<assignment>/``, where it writes the
    notebooks one after another in name order: ``pipeline.ipynb`` runs before ``similarity.ipynb``
    is there. The student's copy waits in ``submitted/<student>/<assignment>/`` (nbgrader's
    default course layout).
    """
    here = Path.cwd()
    candidates = [here / filename]
    if len(here.parents) > 2 and here.parent.parent.name == "autograded":
        candidates.append(here.parents[2] / "submitted" / here.parent.name / here.name / filename)
    return next((path for path in candidates if path.is_file()), None)


class _NamespaceModule(types.ModuleType):
    """A module whose attributes are the names of a namespace (the kernel's, in one notebook)."""

    def __init__(self, name: str, namespace: dict) -> None:
        super().__init__(name)
        self._namespace = namespace

    def __getattr__(self, attribute: str) -> Any:
        try:
            return self._namespace[attribute]
        except KeyError:
            raise AttributeError(f"{attribute} is not defined yet: run the cells of {self.__name__} "
                                 "above this one first") from None


def module_from_namespace(namespace: dict, name: str) -> types.ModuleType:
    """Module ``name`` seen in ``namespace``: in one notebook every module's functions share it."""
    return _NamespaceModule(name, namespace)
