"""Where the default threshold of ``embedlab similarity`` comes from: copies vs independent work.

    .venv/bin/python bench/similarity_threshold.py [--seed 0]

Function by function (each compared on its own, in a module that holds nothing else):
  copies        every student function of solutions/ against a disguised copy of itself:
                every local name renamed, independent neighbouring statements swapped,
                messages reworded, the file reformatted (``ast.unparse``: comments and layout
                gone); "+ padding" also puts a do-nothing statement after every other line
  independent   every correct implementation written differently (tests/mutants/alternatives.py,
                25 of them) against the solution's version of the same function, and the
                alternatives of one function against each other
For each pair the function's similarity (the higher direction, as ``embedlab similarity`` flags)
is printed, then, per threshold, the share of copies found and of independent pairs flagged, with
the default ``MIN_TOKENS``. Functions under ``MIN_TOKENS`` fingerprinted characters are "trivial"
and never counted (listed separately). Writes ``bench/results/similarity_threshold.csv``.
"""

from __future__ import annotations

import argparse
import ast
import random
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, BenchError, main_guard, print_table, write_csv  # noqa: E402

sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------------------------
# a disguised copy: what a student who copies and wants to hide it does
# ---------------------------------------------------------------------------------------------
class _Renamer(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.names.get(node.arg, node.arg)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str) and len(node.value) > 3:
            node.value = "oops: " + node.value[::-1]
        return node


def _stored(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _swap_independent(body: list[ast.stmt]) -> None:
    """Swap neighbouring simple statements that neither read nor write each other's names."""
    simple = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)
    i = 0
    while i + 1 < len(body):
        a, b = body[i], body[i + 1]
        if isinstance(a, simple) and isinstance(b, simple) and not (_stored(a) & _used(b)) \
                and not (_stored(b) & _used(a)):
            body[i], body[i + 1] = b, a
            i += 2
        else:
            i += 1
    for stmt in body:
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                _swap_independent(inner)


def _pad(body: list[ast.stmt], counter: list[int]) -> None:
    """Put a do-nothing assignment after every other statement, in every block."""
    out = []
    for n, stmt in enumerate(body):
        out.append(stmt)
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                _pad(inner, counter)
        if n % 2 == 0:
            counter[0] += 1
            out.append(ast.parse(f"_unused_{counter[0]} = None").body[0])
    body[:] = out


def disguise(function_source: str, rng: random.Random, padding: bool = False) -> str:
    tree = ast.parse(textwrap.dedent(function_source))
    func = tree.body[0]
    local = {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)} | _stored(func)
    names = {name: f"{rng.choice(['tmp', 'x', 'val', 'my', 'q'])}_{i}" for i, name in enumerate(sorted(local))}
    _Renamer(names).visit(func)
    _swap_independent(func.body)
    if padding:
        _pad(func.body, [0])
    text = ast.unparse(ast.fix_missing_locations(tree))
    return text + "\n"


def _function_source(module_source: str, name: str) -> str:
    tree = ast.parse(module_source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(module_source, node)
    raise BenchError(f"solutions has no function {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="seed for the disguise's choices (0)")
    parser.add_argument("--noise", type=int, help="k-gram length to try (default: fingerprint.NOISE)")
    parser.add_argument("--window", type=int, help="winnowing window to try (default: fingerprint.WINDOW)")
    parser.add_argument("--min-tokens", type=int, help="trivial-size bound to try (default: compare.MIN_TOKENS)")
    parser.add_argument("--no-write", action="store_true", help="print only (for trying other settings)")
    args = parser.parse_args()
    try:
        import copydetect  # noqa: F401
    except ImportError:
        raise BenchError("needs the detector: pip install -e '.[similarity]'") from None
    from grader.overlap.compare import MIN_TOKENS, THRESHOLD, compare_prints
    from grader.overlap import fingerprint as fp
    from grader.overlap.fingerprint import boilerplate_hashes, fingerprint_module, given_names, stub_sources
    from grader.paths import EXERCISE_MODULES, PROJECT_ROOT, STUDENT_FUNCTIONS
    from tests.mutants.alternatives import ALTERNATIVES

    k = args.noise or fp.NOISE
    window = args.window or fp.WINDOW
    MIN_TOKENS = args.min_tokens or MIN_TOKENS  # noqa: N806
    rng = random.Random(args.seed)
    stubs = stub_sources(PROJECT_ROOT / "exercises", EXERCISE_MODULES)
    boiler = boilerplate_hashes(list(stubs.values()), k)
    given = {m: given_names(s, STUDENT_FUNCTIONS[m]) for m, s in stubs.items()}

    def score(module: str, function: str, a: str, b: str) -> tuple[float, int, int]:
        pa = fingerprint_module(a, STUDENT_FUNCTIONS[module], given[module], boiler, k=k, window=window)
        pb = fingerprint_module(b, STUDENT_FUNCTIONS[module], given[module], boiler, k=k, window=window)
        size = min(pa.functions.get(function, (0, 0))[1], pb.functions.get(function, (0, 0))[1])
        match = compare_prints(pa, pb, threshold=0.0, min_tokens=1)
        best = dict(match.functions).get(function, 0.0) if match else 0.0
        return best, size, match.tokens_shared if match else 0

    rows = []
    for module in EXERCISE_MODULES:
        solution = (PROJECT_ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
        for function in STUDENT_FUNCTIONS[module]:
            original = _function_source(solution, function)
            for kind, padding in (("copy", False), ("copy + padding", True)):
                sim, size, shared = score(module, function, original, disguise(original, rng, padding))
                rows.append({"kind": kind, "function": f"{module}.{function}", "similarity": round(sim, 3),
                             "size": size, "shared": shared})
    by_function: dict[str, list] = {}
    for alt in ALTERNATIVES:
        original = _function_source((PROJECT_ROOT / "solutions" / f"{alt.module}.py").read_text(), alt.function)
        sim, size, shared = score(alt.module, alt.function, original, alt.source)
        rows.append({"kind": "independent", "function": f"{alt.module}.{alt.function} ({alt.id})",
                     "similarity": round(sim, 3), "size": size, "shared": shared})
        by_function.setdefault(alt.function, []).append(alt)
    for function, alts in by_function.items():
        for i in range(len(alts)):
            for j in range(i + 1, len(alts)):
                sim, size, shared = score(alts[i].module, function, alts[i].source, alts[j].source)
                rows.append({"kind": "independent", "function": f"{alts[i].id} vs {alts[j].id}",
                             "similarity": round(sim, 3), "size": size, "shared": shared})
    print_table(rows, ["kind", "function", "similarity", "size", "shared"],
                title=f"function similarity (size = fingerprinted characters of the smaller side; "
                      f"trivial under {MIN_TOKENS})")
    summary = []
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        line = {"threshold": threshold}
        for kind in ("copy", "copy + padding", "independent"):
            counted = [r for r in rows if r["kind"] == kind and r["size"] >= MIN_TOKENS]
            hits = [r for r in counted if r["similarity"] >= threshold and r["shared"] >= MIN_TOKENS]
            line[f"{kind} flagged"] = f"{len(hits)}/{len(counted)}"
        line["default"] = "<-" if threshold == THRESHOLD else ""
        summary.append(line)
    print()
    print_table(summary, title=f"flagged per threshold (functions of at least {MIN_TOKENS} characters)")
    trivial = [f"{r['kind']} {r['function']}" for r in rows if r["size"] < MIN_TOKENS]
    print(f"\nleft out as trivial (a side under {MIN_TOKENS} characters): {'; '.join(trivial) or 'none'}")
    if args.no_write:
        return
    target = write_csv("similarity_threshold", [{"section": "pairs", **r} for r in rows]
                       + [{"section": "thresholds", **s} for s in summary])
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main_guard(main)
