"""The rooms of ``grader/`` and the one-way arrows between them (docs/ARCHITECTURE.md), enforced.

Every module's imports are read with :mod:`ast` (top-level imports and the lazy ones inside
functions alike, since a lazy import is still a dependency) and checked against ``ALLOWED``: the
rooms each room may import. A room is a subpackage of ``grader`` (``grader.sandbox``,
``grader.grading``, ...); ``base`` is ``grader/__init__.py``, ``errors``, ``paths``, ``fsutil`` and
``yamlutil``, which every room may use.

Where a room needs one module of a room above it, that module alone is allowed (``EXCEPTIONS``),
with the reason beside it; the test below also proves no chain of imports between modules of
different rooms ever comes back to where it started, so such an exception cannot hide a cycle.

A new room (a new backend, export target, ...) is one line in ``ALLOWED``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

GRADER = Path(__file__).resolve().parents[1] / "grader"
BASE = {"errors", "paths", "fsutil", "yamlutil", "__version__"}

# room -> the rooms it may import (besides base and itself)
ALLOWED: dict[str, set[str]] = {
    "sandbox": set(),                                   # runs untrusted code; knows nothing above it
    "quiz": set(),                                      # quizzes never touch the sandbox
    "casekit": {"sandbox"},                             # the case vocabulary talks to the child
    "cases": {"casekit"},
    "grading": {"sandbox", "casekit", "quiz", "course"},
    "course": {"casekit"},                              # policy over graded results (see EXCEPTIONS)
    "student": {"sandbox", "casekit", "quiz", "grading"},
    "authoring": {"sandbox", "casekit", "quiz", "grading", "student"},
    "export": {"sandbox", "casekit", "quiz", "grading", "course", "authoring"},
    "cluster": {"grading", "sandbox"},
    "overlap": {"grading"},
    "report": {"grading", "quiz", "casekit", "overlap", "course"},
    "cli": {"sandbox", "casekit", "quiz", "grading", "course", "student", "authoring", "export",
            "cluster", "overlap", "report"},
}

# single modules of a higher room that a lower room may import, and why
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("grading", "grader.authoring.frozen_ref"):
        "the judge replays reference answers (MemoReference); the record lives with release",
    ("grading", "grader.authoring.generate"):
        "a broken module is replaced by its generated stub so the modules that import it still grade",
    ("student", "grader.authoring.frozen_ref"):
        "check in the handout answers from the reference frozen at release",
    ("course", "grader.grading.results"):
        "the policy rewrites graded results (data classes only; results imports no course)",
    ("course", "grader.grading.submission"):
        "student IDs in course files follow the submission reader's STUDENT_ID rule",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(GRADER.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _room(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in BASE:
        return "base"
    return parts[1]


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in GRADER.rglob("*.py")}


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The grader modules ``module`` imports (``from x import name`` counts ``x.name`` if a module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [source] + [f"{source}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "grader":
                continue
            # the deepest known module the name falls in
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target:
                found.add(target)
    return found


GRAPH = {m: _imports(m, p, set(_modules())) for m, p in _modules().items()}


def test_every_room_is_known():
    rooms = {_room(m) for m in GRAPH} - {"base"}
    assert rooms <= set(ALLOWED), f"rooms without a rule in ALLOWED: {sorted(rooms - set(ALLOWED))}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_one_way(module):
    room = _room(module)
    wrong = []
    for target in sorted(GRAPH[module]):
        to = _room(target)
        if to in ("base", room) or to in ALLOWED.get(room, set()):
            continue
        if (room, target) in EXCEPTIONS:
            continue
        wrong.append(f"{module} ({room}) imports {target} ({to})")
    assert not wrong, "; ".join(wrong)


def test_nothing_imports_the_cli():
    users = [m for m, targets in GRAPH.items() if "grader.cli" in targets]
    assert users == []


def test_sandbox_and_quiz_stand_alone():
    """The two rooms at the bottom: the sandbox imports no room at all, quizzes no sandbox."""
    for module, targets in GRAPH.items():
        if _room(module) == "sandbox":
            assert {_room(t) for t in targets} <= {"base", "sandbox"}, module
        if _room(module) == "quiz":
            assert "sandbox" not in {_room(t) for t in targets}, module


def test_no_import_cycle_between_rooms():
    """No chain of imports that leaves a room comes back to a module it started from.

    (Cycles inside one room are the room's own business; the exceptions above must not make one.)
    """
    cross = defaultdict(set)
    for module, targets in GRAPH.items():
        for target in targets:
            cross[module].add(target)
    # strongly connected components (Tarjan), then look for one spanning two rooms
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in cross[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            components.append(component)

    for node in list(GRAPH):
        if node not in index:
            visit(node)
    spanning = [sorted(c) for c in components if len({_room(m) for m in c} - {"base"}) > 1]
    assert spanning == [], f"import cycles across rooms: {spanning}"


def test_the_checker_sees_imports():
    """The checker itself: it finds a known lazy import and a known relative one."""
    assert "grader.authoring.frozen_ref" in GRAPH["grader.grading.engine"]
    assert "grader.sandbox.wire" in GRAPH["grader.casekit"]
