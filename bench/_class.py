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

import random
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _common import MODULES, ROOT, BenchError

sys.path.insert(0, str(ROOT / "examples"))
import make_class as mk  # noqa: E402  (examples/make_class.py: source(), patch())

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


@dataclass(frozen=True)
class Wrong:
    """One wrong function: ``apply`` turns the module's text into the text with the mistake in it."""

    module: str
    function: str
    apply: Callable[[str], str]


def _patch(module: str, function: str, old: str, new: str) -> Wrong:
    mk.patch(_solution(module), old, new)  # fail now, with make_class's message, if the text moved
    return Wrong(module, function, lambda text: mk.patch(text, old, new))


def fallback_wrong() -> dict[str, Wrong]:
    """Wrong functions as textual patches of the solutions (examples/make_class.py's and a few more)."""
    return {
        "train_bpe: tie-break by alphabet": _patch("bpe", "train_bpe", "best = max(counts, key=counts.get)",
                                                   "best = max(sorted(counts), key=counts.get)"),
        "embedding_lookup: negative IDs wrap": _patch("lookup", "embedding_lookup",
                                                      "bad = ids[(ids < 0) | (ids >= E.shape[0])]",
                                                      "bad = ids[ids >= E.shape[0]]"),
        "softmax: unstable": _patch("skipgram", "softmax", "z = np.exp(x - np.max(x, axis=-1, keepdims=True))",
                                    "z = np.exp(x)"),
        "embed_text: sums": _patch("pipeline", "embed_text", "return np.mean(rows, axis=0, dtype=np.float64)",
                                   "return np.sum(rows, axis=0, dtype=np.float64)"),
        "one_hot: accepts negative IDs": _patch("lookup", "one_hot", "bad = ids[(ids < 0) | (ids >= vocab_size)]",
                                                "bad = ids[ids >= vocab_size]"),
    }


def mutant_wrong() -> dict[str, Wrong] | None:
    """The mutant catalogue (tests/mutants: ``catalogue.MUTANTS``, ``replace_function``), or None if absent."""
    if not (MUTANTS_DIR / "catalogue.py").is_file():
        return None
    try:
        sys.path.insert(0, str(ROOT))
        from tests.mutants import replace_function
        from tests.mutants.catalogue import MUTANTS
    except Exception as exc:  # another engineer's work, maybe half-landed: say so, use the patches
        print(f"note: tests/mutants does not load ({type(exc).__name__}: {exc}); using textual patches",
              file=sys.stderr)
        return None

    def replacer(function: str, source: str) -> Callable[[str], str]:
        return lambda text: replace_function(text, function, source)

    return {f"{v.module}.{v.id}": Wrong(v.module, v.function, replacer(v.function, v.source))
            for v in MUTANTS} or None


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


def quiz_answers() -> Callable[[str, str], str | None]:
    """``answers(student, "all" | "some")``: an answers.yaml right on every quiz or on every other
    one (numeric answers are drawn per student), like examples/make_class.py; None without quizzes."""
    try:
        import yaml

        from grader.quiz import key_answers, load_quizzes
        quizzes = load_quizzes(ROOT / "quizzes")
    except Exception as exc:  # the quizzes are another engineer's: without them, no answers.yaml
        print(f"note: quizzes not loadable ({type(exc).__name__}: {exc}); no answers.yaml", file=sys.stderr)
        return lambda student, which: None

    def answers(student: str, which: str) -> str:
        data = {q.id: key_answers(q, student_id=student) for n, q in enumerate(quizzes)
                if which == "all" or n % 2 == 0}
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return answers


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
    answers = quiz_answers()

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
            want = rng.choice((1, 1, 2))
            picks: list[str] = []
            for name in rng.sample(wrong_names, k=min(len(wrong_names), 4)):
                # one or two mistakes, never two in the same function (the second would erase the first)
                if len(picks) < want and all((wrong[p].module, wrong[p].function) !=
                                             (wrong[name].module, wrong[name].function) for p in picks):
                    picks.append(name)
            for name in picks:
                key = f"{wrong[name].module}.py"
                files[key] = wrong[name].apply(files[key])
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
        text = answers(student, "all" if i % 4 == 0 else "some") if i % 4 < 2 else None
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
