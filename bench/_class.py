"""A synthetic class for the benchmarks: N submissions of every realistic kind, written to a folder.

Every submission is made from the reference solutions or the generated stubs, like
``examples/make_class.py`` (whose helpers it reuses), so it stays right when the solutions change.
Each student's files start with a comment naming the student, so no two submissions are byte-equal
(nothing can be shared or reused between students).

The kinds and their default shares (``KINDS``):

    correct      the reference solutions                                   55 %
    wrong        one or two wrong functions: a mutant from tests/mutants     30 %
                 when the catalogue is there, else a textual patch
    partial      bpe and lookup done, the rest untouched stubs               5 %
    stubs        the untouched stubs ("not attempted")                       5 %
    crashing     kills its interpreter in a function (os._exit, a segfault)  ~4 %
                 or does not load (syntax error, exception at import)
    looping      encode loops forever: every case calling it waits out its   1 %
                 time limit (the costly kind, kept rare)

One submission in ten is a zip (as LMS exports are); half carry an ``answers.yaml`` when the
quizzes exist.
"""

from __future__ import annotations

import importlib.util
import random
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from _common import MODULES, ROOT, BenchError

sys.path.insert(0, str(ROOT / "examples"))
import make_class as mk  # noqa: E402  (examples/make_class.py: source(), patch(), answers())

MUTANTS_DIR = ROOT / "tests" / "mutants"
SHARES = {"wrong": 0.30, "partial": 0.05, "stubs": 0.05, "crashing": 0.04}  # correct: the rest


@dataclass
class ClassInfo:
    """What was written: the folder, each student's kind and the counts."""

    folder: Path
    kinds: dict[str, str] = field(default_factory=dict)          # student -> kind
    variants: dict[str, str] = field(default_factory=dict)       # student -> which patch/mutant
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # student -> {file name: text}
    wrong_source: str = "patches"

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for kind in self.kinds.values():
            out[kind] = out.get(kind, 0) + 1
        return out

    def describe(self) -> str:
        n = len(self.kinds)
        return ", ".join(f"{k} {c} ({100 * c / n:.1f}%)" for k, c in sorted(self.counts().items())) + \
            f"; wrong ones from {self.wrong_source}"


# ---------------------------------------------------------------------------------------------
# the variants
# ---------------------------------------------------------------------------------------------
def _solution(module: str) -> str:
    return mk.source("solutions", module)


def _patched(module: str, old: str, new: str) -> dict[str, str]:
    return {f"{module}.py": mk.patch(_solution(module), old, new)}


def fallback_wrong() -> dict[str, dict[str, str]]:
    """Wrong functions as textual patches of the solutions (examples/make_class.py's and a few more)."""
    return {
        "bpe tie-break by alphabet": _patched("bpe", "best = max(counts, key=counts.get)",
                                              "best = max(sorted(counts), key=counts.get)"),
        "negative IDs wrap": _patched("lookup", "bad = ids[(ids < 0) | (ids >= E.shape[0])]",
                                      "bad = ids[ids >= E.shape[0]]"),
        "unstable softmax": _patched("skipgram", "z = np.exp(x - np.max(x, axis=-1, keepdims=True))",
                                     "z = np.exp(x)"),
        "embed_text sums": _patched("pipeline", "return np.mean(rows, axis=0, dtype=np.float64)",
                                    "return np.sum(rows, axis=0, dtype=np.float64)"),
        "one_hot accepts negative IDs": _patched("lookup", "bad = ids[(ids < 0) | (ids >= vocab_size)]",
                                                 "bad = ids[ids >= vocab_size]"),
    }


def mutant_wrong() -> dict[str, dict[str, str]] | None:
    """Wrong implementations from the mutant catalogue (tests/mutants/*.py), or None if absent.

    Each catalogue module is asked, in this order, for ``MUTANTS`` (a list of objects or dicts with
    a name, a module and either the whole source or an old/new patch) or ``mutants()`` returning
    the same; any other layout is reported, not guessed.
    """
    files = sorted(p for p in MUTANTS_DIR.glob("*.py") if not p.name.startswith("_")) if MUTANTS_DIR.is_dir() else []
    if not files:
        return None
    out: dict[str, dict[str, str]] = {}
    for path in files:
        spec = importlib.util.spec_from_file_location(f"_bench_mutants_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the catalogue is another engineer's, maybe half-landed
            print(f"note: {path.relative_to(ROOT)} does not load ({type(exc).__name__}: {exc}); skipped",
                  file=sys.stderr)
            continue
        items = getattr(module, "MUTANTS", None)
        if items is None and callable(getattr(module, "mutants", None)):
            items = module.mutants()
        for item in items or ():
            got = _mutant_files(item)
            if got:
                out[got[0]] = got[1]
    return out or None


def _mutant_files(item) -> tuple[str, dict[str, str]] | None:
    get = (lambda k: item.get(k)) if isinstance(item, dict) else (lambda k: getattr(item, k, None))
    module = get("module")
    name = get("name") or get("id")
    if module not in MODULES or not name:
        return None
    text = get("source")
    if text is None and get("old") is not None:
        text = mk.patch(_solution(module), get("old"), get("new") or "")
    if text is None and callable(get("apply")):
        text = get("apply")(_solution(module))
    return (f"{module}:{name}", {f"{module}.py": text}) if isinstance(text, str) else None


def crashing() -> dict[str, dict[str, str]]:
    skipgram = _solution("skipgram")
    return {
        "os._exit in softmax": {"skipgram.py": mk.patch(skipgram, "    x = _float_array(x, \"x\")\n",
                                                        "    import os\n    os._exit(3)\n")},
        "segfault in cosine": {"similarity.py": mk.patch(
            _solution("similarity"), "    a = _finite_array(a, \"a\", ndim=1)\n",
            "    import ctypes\n    ctypes.string_at(0)\n")},
        "syntax error": {"similarity.py": _solution("similarity").replace("def top_k(", "def top_k(:", 1)},
        "raises at import": {"lookup.py": "raise RuntimeError('my laptop only')\n" + _solution("lookup")},
    }


def looping() -> dict[str, str]:
    return {"bpe.py": mk.patch(_solution("bpe"), "    chunks = pretokenize(text)\n",
                               "    chunks = pretokenize(text)\n    while chunks:\n        chunks = chunks[1:] + chunks[:1]\n")}


# ---------------------------------------------------------------------------------------------
def make_class(folder: Path, n: int, *, loop_share: float = 0.01, seed: int = 0, zip_share: float = 0.1,
               counts: dict[str, int] | None = None) -> ClassInfo:
    """Write ``n`` submissions into ``folder`` (created); returns what each student got.

    ``counts`` fixes how many of each kind (the rest are correct) instead of the shares: a small
    class (vs_nbgrader) still gets one of each kind it asks for.
    """
    if n < 1:
        raise BenchError(f"a class needs at least one submission, not {n}")
    rng = random.Random(seed)
    correct = {f"{m}.py": _solution(m) for m in MODULES}
    stubs = {f"{m}.py": mk.source("exercises", m) for m in MODULES}
    wrong = mutant_wrong()
    info = ClassInfo(folder=folder, wrong_source="tests/mutants" if wrong else "textual patches")
    wrong = wrong or fallback_wrong()
    crashes = crashing()
    answers = [mk.answers("all"), mk.answers("some")]

    if counts is None:
        counts = {"looping": round(n * loop_share) if loop_share > 0 else 0}
        counts.update({k: round(n * share) for k, share in SHARES.items()})
    counts = {k: c for k, c in counts.items() if k != "correct"}
    unknown = set(counts) - {"looping", *SHARES}
    if unknown:
        raise BenchError(f"unknown submission kinds {sorted(unknown)}")
    counts["correct"] = n - sum(counts.values())
    if counts["correct"] < 0:
        raise BenchError(f"the shares add up to more than {n} submissions")
    kinds = [k for k, c in counts.items() for _ in range(c)]
    rng.shuffle(kinds)

    folder.mkdir(parents=True, exist_ok=True)
    wrong_names, crash_names = sorted(wrong), sorted(crashes)
    crashed = 0
    for i, kind in enumerate(kinds):
        student = f"s{i:05d}"
        files, variant = dict(correct), kind
        if kind == "wrong":
            picks = rng.sample(wrong_names, k=min(len(wrong_names), rng.choice((1, 1, 2))))
            for name in picks:
                files.update(wrong[name])
            variant = " + ".join(picks)
        elif kind == "partial":
            files = {**stubs, "bpe.py": correct["bpe.py"], "lookup.py": correct["lookup.py"]}
        elif kind == "stubs":
            files = dict(stubs)
        elif kind == "crashing":
            variant = crash_names[crashed % len(crash_names)]
            crashed += 1
            files.update(crashes[variant])
        elif kind == "looping":
            files.update(looping())
            variant = "encode loops forever"
        files = {name: f"# {student}\n{text}" for name, text in files.items()}
        text = answers[i % 2] if i % 4 < 2 else None
        if text is not None:
            files["answers.yaml"] = text
        info.kinds[student], info.variants[student], info.files[student] = kind, variant, files
        if rng.random() < zip_share:
            with zipfile.ZipFile(folder / f"{student}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                for name, body in sorted(files.items()):
                    archive.writestr(name, body)
        else:
            (folder / student).mkdir()
            for name, body in files.items():
                (folder / student / name).write_text(body, encoding="utf-8")
    return info
