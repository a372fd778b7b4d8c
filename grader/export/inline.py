"""Make a module standalone: replace its imports from embedlab by the source of what they import.

A Jupyter kernel or a Gradescope image has no embedlab, yet code shipped there must behave exactly
like the grader's. So instead of copying the grader's functions by hand (and letting the copies
drift), the shipped file is generated: each line marked ``# embedlab: inline``, such as ::

    from grader.casekit import _difference, show  # embedlab: inline

becomes the top-level definitions of ``_difference`` and ``show`` taken from ``grader/casekit/__init__.py``,
with every definition they use (found by walking their code, recursively, across embedlab's own
modules) and the plain imports those need, each once, in source order; a definition that registers
itself through a chosen decorator (``@_named("sum_squares")``) comes along. Annotations are not
followed: the shipped file starts with ``from __future__ import annotations``.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass, field
from pathlib import Path

MARK = "# embedlab: inline"


@dataclass
class _Module:
    name: str
    source: str
    tree: ast.Module
    defs: dict[str, ast.stmt] = field(default_factory=dict)      # top-level name -> defining node
    imports: dict[str, ast.stmt] = field(default_factory=dict)   # bound name -> import node
    is_package: bool = False                                      # an __init__.py


def _load(name: str, cache: dict[str, _Module]) -> _Module:
    if name not in cache:
        path = Path(importlib.import_module(name).__file__)
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, str(path))
        module = _Module(name, source, tree, is_package=path.name == "__init__.py")
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                module.defs[node.name] = node
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        module.defs[target.id] = node
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                module.defs[node.target.id] = node
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    module.imports[(alias.asname or alias.name).split(".")[0]] = node
        cache[name] = module
    return cache[name]


def _names_used(node: ast.AST) -> set[str]:
    """Names a definition reads, not counting annotations (never evaluated in the shipped file)."""
    used: set[str] = set()

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Name):
            used.add(n.id)
        for name, value in ast.iter_fields(n):
            if name in ("annotation", "returns"):
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    visit(child)

    visit(node)
    return used


def _absolute(module: _Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    # in a package's __init__.py, "." is the package itself
    level = node.level - 1 if module.is_package else node.level
    package = module.name.rsplit(".", level)[0] if level else module.name
    return f"{package}.{node.module}" if node.module else package


def _is_embedlab(name: str) -> bool:
    return name.split(".")[0] in ("grader", "solutions")


def inline_definitions(wanted: list[tuple[str, str]]) -> str:
    """Source defining each ``(module, name)`` of ``wanted`` and all it depends on, standalone."""
    cache: dict[str, _Module] = {}
    chosen: dict[tuple[str, int], ast.stmt] = {}   # (module, first line) -> definition
    plain_imports: dict[str, None] = {}             # import lines, in first-seen order
    seen: set[tuple[str, str]] = set()
    todo = list(wanted)
    while todo or _registrations(cache, seen, todo):
        module_name, name = todo.pop()
        if (module_name, name) in seen:
            continue
        seen.add((module_name, name))
        module = _load(module_name, cache)
        if name in module.defs:
            node = module.defs[name]
            chosen[(module_name, node.lineno)] = node
            todo += [(module_name, used) for used in _names_used(node)
                     if used in module.defs or used in module.imports]
        elif name in module.imports:
            node = module.imports[name]
            if isinstance(node, ast.ImportFrom) and _is_embedlab(_absolute(module, node)):
                source_module = _absolute(module, node)
                original = next(a.name for a in node.names if (a.asname or a.name) == name)
                if original != name:
                    raise ValueError(f"{module_name}: cannot inline {original} imported as {name}")
                todo.append((source_module, original))
            elif isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            else:
                plain_imports[_import_line(node, name)] = None
        else:
            raise ValueError(f"{module_name} defines no top-level {name!r} to inline")
    order = sorted(chosen, key=lambda key: ([m for m, _ in wanted].index(key[0]) if key[0] in dict(wanted) else -1,
                                            key[0], key[1]))
    blocks = [_segment(cache[m].source, chosen[(m, line)]) for m, line in order]
    header = "\n".join(sorted(plain_imports))
    return (header + "\n\n\n" if header else "") + "\n\n\n".join(blocks) + "\n"


def _segment(source: str, node: ast.stmt) -> str:
    """A top-level definition's lines, decorators included."""
    first = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
    return "\n".join(source.splitlines()[first - 1:node.end_lineno])


def _registrations(cache: dict[str, _Module], seen: set[tuple[str, str]], todo: list) -> bool:
    """Queue the definitions that register themselves with a chosen one (``@_named("...")`` adds a
    function to a chosen ``FUNCTIONS`` table): a registry comes with what it holds."""
    for module in cache.values():
        for name, node in module.defs.items():
            if (module.name, name) in seen or not getattr(node, "decorator_list", None):
                continue
            used = set().union(*(_names_used(d) for d in node.decorator_list))
            # the decorator is chosen, or is a function that writes into a chosen table
            used |= {n for u in used if u in module.defs for n in _names_used(module.defs[u])}
            if any((module.name, u) in seen for u in used):
                todo.append((module.name, name))
    return bool(todo)


def _import_line(node: ast.stmt, name: str) -> str:
    if isinstance(node, ast.Import):
        alias = next(a for a in node.names if (a.asname or a.name).split(".")[0] == name)
        return f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
    alias = next(a for a in node.names if (a.asname or a.name) == name)
    return f"from {node.module} import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")


def standalone(module_name: str, extra: list[tuple[str, str]] = ()) -> str:
    """The source of ``module_name`` with each ``# embedlab: inline`` import replaced (see above);
    ``extra`` names more ``(module, name)`` definitions to inline there."""
    path = Path(importlib.import_module(module_name).__file__)
    lines = path.read_text(encoding="utf-8").splitlines()
    wanted: list[tuple[str, str]] = []
    kept: list[str] = []
    first = None
    for line in lines:
        if line.rstrip().endswith(MARK):
            node = ast.parse(line.strip()).body[0]
            if not isinstance(node, ast.ImportFrom) or not _is_embedlab(node.module or ""):
                raise ValueError(f"{path}: {MARK} marks a line that is not 'from <embedlab module> import ...'")
            wanted += [(node.module, alias.name) for alias in node.names]
            if first is None:
                first = len(kept)
                kept.append("")   # where the inlined code goes
        else:
            kept.append(line)
    wanted += [item for item in extra if item not in wanted]
    if first is None:
        return "\n".join(lines) + "\n"
    banner = ("# --- inlined from embedlab (" + ", ".join(sorted({m for m, _ in wanted})) +
              "): the grader's own code, so that this file judges exactly as it does ---")
    present = {line.strip() for line in kept}
    code = "\n".join(line for line in inline_definitions(wanted).splitlines()
                     if not (line.startswith(("import ", "from ")) and line.strip() in present))
    kept[first] = banner + "\n" + code.strip("\n") + "\n# --- end of inlined code ---"
    return "\n".join(kept) + "\n"
