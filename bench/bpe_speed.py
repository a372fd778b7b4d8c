"""BPE training and encoding: the reference solution (solutions/bpe.py) next to HuggingFace tokenizers.

    .venv/bin/python bench/bpe_speed.py [--quick] [--corpus-kb N] [--merges N] [--no-profile]

The corpus is about 1 MB of English made without any download: the docstrings of the standard
library's modules, classes and functions, read with ``ast`` from the source files (nothing is
imported or run), in sorted file order, cleaned to plain text (doctest lines dropped, whitespace
reduced to spaces and newlines, only printable characters), cut at ``--corpus-kb``. The same text
on the same Python version gives the same corpus.

What runs, each timed once (wall seconds):
  ours  train   ``solutions.bpe.train_bpe(corpus, merges)``
  hf    train   tokenizers' ``BpeTrainer`` with a ``Split`` pre-tokenizer on the same pattern
                (``\\s*\\S+|\\s+``, every match its own piece), vocab = alphabet + merges, so it learns
                the same number of merges; rayon may use every core
  ours  encode  ``solutions.bpe.encode(corpus, merges)`` with the merges ours learned
  hf    encode  a tokenizers ``BPE`` model loaded with *our* merges, same pre-tokenizer, one
                ``encode`` of the whole corpus; its tokens are compared with ours (SPEC 2 says the two
                rules agree on merges that train_bpe produced)
The merge lists of the two trainers are compared too (ties may be broken differently). Then, unless
``--no-profile``, a cProfile of ``train_bpe`` on a tenth of the merges says which function dominates.
Writes ``bench/results/bpe_speed.csv``.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import pstats
import re
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, BenchError, main_guard, print_table, write_csv  # noqa: E402

sys.path.insert(0, str(ROOT))

PATTERN = r"\s*\S+|\s+"  # SPEC 2: pretokenize


# ---------------------------------------------------------------------------------------------
# the corpus
# ---------------------------------------------------------------------------------------------
def _clean(doc: str) -> str:
    """A docstring as plain prose: no doctest lines, tabs as spaces, printable characters only."""
    lines = []
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith((">>>", "...")):
            continue
        line = "".join(ch for ch in line.replace("\t", "    ") if ch.isprintable())
        lines.append(re.sub(r" {2,}", " ", line).strip())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def build_corpus(size_bytes: int) -> str:
    """About ``size_bytes`` of stdlib docstrings (UTF-8), deterministic for a given Python."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    parts: list[str] = []
    total = 0
    for path in sorted(stdlib.rglob("*.py")):
        rel = path.relative_to(stdlib).parts
        if any(p in ("test", "tests", "site-packages", "idlelib", "lib2to3") for p in rel):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        nodes = [tree, *(n for n in ast.walk(tree)
                         if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)))]
        for node in nodes:
            doc = ast.get_docstring(node)
            if not doc:
                continue
            text = _clean(doc)
            if len(text) < 40:
                continue
            parts.append(text)
            total += len(text.encode()) + 2
            if total >= size_bytes:
                corpus = "\n\n".join(parts)
                return corpus.encode()[:size_bytes].decode("utf-8", errors="ignore")
    raise BenchError(f"the standard library at {stdlib} holds less than {size_bytes} bytes of docstrings")


# ---------------------------------------------------------------------------------------------
# HuggingFace tokenizers
# ---------------------------------------------------------------------------------------------
def _pre_tokenizer():
    from tokenizers import Regex, pre_tokenizers
    return pre_tokenizers.Split(Regex(PATTERN), behavior="isolated")


def hf_train(corpus: str, merges: int) -> tuple[list[tuple[str, str]], float]:
    import json

    from tokenizers import Tokenizer, models, trainers

    alphabet = sorted(set(corpus))
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = _pre_tokenizer()
    trainer = trainers.BpeTrainer(vocab_size=len(alphabet) + merges, min_frequency=0, show_progress=False,
                                  limit_alphabet=len(alphabet) + 1, special_tokens=[])
    started = time.perf_counter()
    tokenizer.train_from_iterator([corpus], trainer=trainer)
    seconds = time.perf_counter() - started
    learned = json.loads(tokenizer.to_str())["model"]["merges"]
    pairs = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in learned]
    return pairs, seconds


def hf_encoder(merges: list[tuple[str, str]], alphabet: set[str]):
    from tokenizers import Tokenizer, models

    vocab: dict[str, int] = {}
    for token in sorted(alphabet):
        vocab.setdefault(token, len(vocab))
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=list(merges)))
    tokenizer.pre_tokenizer = _pre_tokenizer()
    return tokenizer


# ---------------------------------------------------------------------------------------------
def profile_train(corpus: str, merges: int) -> list[dict]:
    from solutions import bpe

    profiler = cProfile.Profile()
    profiler.enable()
    bpe.train_bpe(corpus, merges)
    profiler.disable()
    stats = pstats.Stats(profiler)
    # cumulative time of each bpe.py function as a share of train_bpe's own cumulative time:
    # builtins called inside a function (isinstance, dict.get) count for that function
    entries = {name: (tottime, cumtime) for (filename, _, name), (_, _, tottime, cumtime, _)
               in stats.stats.items() if filename.endswith("bpe.py")}
    whole = entries.get("train_bpe", (0.0, 0.0))[1] or 1.0
    rows = [{"function": name, "share": f"{cum / whole:.0%}", "cumulative_s": cum, "self_s": tot}
            for name, (tot, cum) in entries.items() if name != "train_bpe"]
    rows.sort(key=lambda r: -r["cumulative_s"])
    return rows[:5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 200 KB corpus and 200 merges")
    parser.add_argument("--corpus-kb", type=int, help="corpus size in KB (default 1000, quick 200)")
    parser.add_argument("--merges", type=int, help="merges to learn (default 1000, quick 200)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile of train_bpe")
    args = parser.parse_args()
    kb = args.corpus_kb or (200 if args.quick else 1000)
    merges_wanted = args.merges or (200 if args.quick else 1000)
    if kb < 1 or merges_wanted < 1:
        raise BenchError("--corpus-kb and --merges must be at least 1")
    try:
        import tokenizers
    except ImportError:
        raise BenchError("HuggingFace tokenizers is not installed: .venv/bin/pip install -e '.[test]'") from None
    from solutions import bpe

    corpus = build_corpus(kb * 1000)
    chunks = bpe.pretokenize(corpus)
    print(f"corpus: {len(corpus.encode()):,} bytes, {len(corpus):,} characters, {len(chunks):,} chunks, "
          f"{len(set(chunks)):,} distinct, {len(set(corpus))} distinct characters; {merges_wanted} merges; "
          f"tokenizers {tokenizers.__version__}")

    started = time.perf_counter()
    ours = bpe.train_bpe(corpus, merges_wanted)
    ours_train = time.perf_counter() - started
    theirs, hf_train_s = hf_train(corpus, merges_wanted)
    same_prefix = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
    common = len(set(ours) & set(theirs))

    started = time.perf_counter()
    tokens = bpe.encode(corpus, ours)
    ours_encode = time.perf_counter() - started
    encoder = hf_encoder(ours, set(corpus))
    started = time.perf_counter()
    hf_tokens = encoder.encode(corpus).tokens
    hf_encode_s = time.perf_counter() - started
    agree = tokens == hf_tokens

    rows = [
        {"step": "train", "merges": len(ours), "ours_s": ours_train, "hf_s": hf_train_s,
         "ratio": ours_train / hf_train_s, "check": f"{same_prefix} first merges identical, "
                                                     f"{common}/{len(ours)} in both lists"},
        {"step": "encode", "merges": len(ours), "ours_s": ours_encode, "hf_s": hf_encode_s,
         "ratio": ours_encode / hf_encode_s,
         "check": f"tokens identical ({len(tokens):,})" if agree
                  else f"tokens DIFFER ({len(tokens):,} vs {len(hf_tokens):,})"},
    ]
    for row in rows:
        row.update(corpus_bytes=len(corpus.encode()), chunks=len(chunks), distinct_chunks=len(set(chunks)),
                   tokenizers=tokenizers.__version__)
    print_table(rows, ["step", "merges", "ours_s", "hf_s", "ratio", "check"],
                title="\nseconds (wall), ratio = ours / hf")

    if not args.no_profile:
        sample = max(1, len(ours) // 10)
        profile = profile_train(corpus, sample)
        print_table(profile, ["function", "share", "cumulative_s", "self_s"],
                    title=f"\nwhere train_bpe spends its time (cProfile, {sample} merges; share of "
                          "train_bpe's time, calls inside included, so shares overlap)")
        for p in profile[:3]:
            rows.append({"step": f"profile:{p['function']}", "merges": sample, "ours_s": p["cumulative_s"],
                         "check": f"{p['share']} of train_bpe time (cProfile, calls inside included)",
                         "corpus_bytes": len(corpus.encode()), "tokenizers": tokenizers.__version__})
    target = write_csv("bpe_speed", rows)
    print(f"\nwrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main_guard(main)
