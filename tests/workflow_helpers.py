"""What the student-workflow tests share: running ``embedlab`` as a student does, editing exercise files."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from grader.paths import EXERCISE_MODULES, PROJECT_ROOT

EMBEDLAB = Path(sys.executable).parent / "embedlab"


def student_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(COLUMNS="160", NO_COLOR="1", PYTHONUNBUFFERED="1", **extra)
    env.pop("FORCE_COLOR", None)
    return env


def embedlab(*args: str, cwd: Path, timeout: float = 180, command: Path = EMBEDLAB) -> subprocess.CompletedProcess:
    """Run ``embedlab ARGS`` in ``cwd`` like a student at a terminal would (text output, no colour)."""
    return subprocess.run([str(command), *args], cwd=cwd, env=student_env(), capture_output=True, text=True,
                          timeout=timeout)


def copy_modules(target: Path, source: str = "exercises") -> Path:
    """A student's folder: ``__init__.py`` and the five modules of exercises/ (or solutions/)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("__init__", *EXERCISE_MODULES):
        shutil.copy(PROJECT_ROOT / source / f"{name}.py", target / f"{name}.py")
    return target


def _function_lines(source: str, function: str) -> tuple[int, int]:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return start - 1, node.end_lineno
    raise LookupError(function)


def paste_solution(folder: Path, module: str, function: str) -> None:
    """Replace ``function`` in the student's ``module.py`` by the reference one (markers dropped)."""
    solution = (PROJECT_ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    a, b = _function_lines(solution, function)
    body = [line for line in solution.splitlines()[a:b] if "### BEGIN SOLUTION" not in line
            and "### END SOLUTION" not in line]
    replace_function(folder, module, function, body)


def replace_function(folder: Path, module: str, function: str, lines: list[str]) -> None:
    path = folder / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    a, b = _function_lines(source, function)
    old = source.splitlines()
    path.write_text("\n".join(old[:a] + lines + old[b:]) + "\n", encoding="utf-8")


def break_function(folder: Path, module: str, function: str, body: str) -> None:
    """Keep ``function``'s signature and docstring, give it the one-line ``body``."""
    path = folder / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            doc_end = node.body[0].end_lineno if ast.get_docstring(node) is not None else node.body[0].lineno - 1
            lines = source.splitlines()
            new = lines[:doc_end] + [f"    {body}"] + lines[node.end_lineno:]
            path.write_text("\n".join(new) + "\n", encoding="utf-8")
            return
    raise LookupError(function)


def small_class(root: Path, students: dict[str, str]) -> Path:
    """A class whose students differ only in bpe.py (the rest is the reference)."""
    for student, bpe in students.items():
        folder = root / student
        folder.mkdir(parents=True)
        for module in ("lookup", "skipgram", "similarity", "pipeline"):
            shutil.copy(PROJECT_ROOT / "solutions" / f"{module}.py", folder)
        (folder / "bpe.py").write_text(bpe)
    return root
