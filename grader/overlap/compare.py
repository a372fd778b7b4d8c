"""How much of one student's module the other also has: copydetect's measure, module and function.

For a pair (A, B) and one module, the fingerprints both have are the *shared* ones. The share of
A's module that B also has is

    similarity_a = (filtered characters of A inside a shared fingerprint) / (A's coverage)

exactly as ``copydetect.compare_files`` computes it, and ``similarity_b`` the same from B's side.
The two differ when one file is longer: a student who copied all of a short file and wrote more
around it has ``similarity`` near 1 on the short side only. The same share is taken per student
function (``train_bpe`` of A against the whole of B's module, so a copy renamed into a helper is
still found).

Worked example: A's ``bpe`` has coverage 400, B's 500; they share fingerprints covering 300 of
A's characters and 310 of B's. Then similarity_a = 0.75, similarity_b = 0.62, and the tokens
shared are min(300, 310) = 300.

A pair is *flagged* for a module when, with at least ``min_tokens`` characters shared on both
sides, either similarity reaches the threshold, or one non-trivial student function (at least
``min_tokens`` of its own) does. Similarity is a reason to look, never a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import MIN_TOKENS, THRESHOLD
from .fingerprint import ModulePrint, shared_mask


@dataclass(frozen=True)
class ModuleMatch:
    """One flagged (pair, module): both similarities, the tokens shared, and the functions that match."""

    similarity_a: float
    similarity_b: float
    tokens_shared: int
    functions: tuple[tuple[str, float], ...]   # (student function, its similarity), best first

    @property
    def score(self) -> float:
        """The figure pairs are sorted by: the highest of both similarities and every function's."""
        return max(self.similarity_a, self.similarity_b, *(s for _, s in self.functions))


def _function_shares(mine: ModulePrint, covered: int, min_tokens: int) -> dict[str, tuple[float, int]]:
    out = {}
    for name, (mask, size) in mine.functions.items():
        if size >= min_tokens:
            shared = (covered & mask).bit_count()
            out[name] = (shared / size, shared)
    return out


def compare_prints(a: ModulePrint, b: ModulePrint, threshold: float = THRESHOLD,
                   min_tokens: int = MIN_TOKENS) -> ModuleMatch | None:
    """The match between two fingerprinted modules, or None when it is not flagged."""
    if a.coverage < min_tokens or b.coverage < min_tokens:
        return None
    if a.signature == b.signature and a.starts.keys() == b.starts.keys():
        # the same fingerprints (a copy, or the same reference handed in twice): everything is shared
        functions = {name: 1.0 for side in (a, b) for name, (_, size) in side.functions.items()
                     if size >= min_tokens}
        return ModuleMatch(1.0, 1.0, min(a.coverage, b.coverage),
                           tuple(sorted(functions.items(), key=lambda item: (-item[1], item[0]))))
    small, large = (a.starts, b.starts) if len(a.starts) <= len(b.starts) else (b.starts, a.starts)
    shared = [h for h in small if h in large]
    # each shared fingerprint covers at most k characters: too few of them cannot reach min_tokens
    if len(shared) * a.k < min_tokens:
        return None
    covered_a = shared_mask(a, shared)
    covered_b = shared_mask(b, shared)
    tokens_a, tokens_b = covered_a.bit_count(), covered_b.bit_count()
    tokens = min(tokens_a, tokens_b)
    if tokens < min_tokens:
        return None
    sim_a, sim_b = tokens_a / a.coverage, tokens_b / b.coverage
    best: dict[str, float] = {}
    for side, covered in ((a, covered_a), (b, covered_b)):
        for name, (share, count) in _function_shares(side, covered, min_tokens).items():
            if count >= min_tokens and share >= threshold:
                best[name] = max(best.get(name, 0.0), share)
    if max(sim_a, sim_b) < threshold and not best:
        return None
    functions = tuple(sorted(best.items(), key=lambda item: (-item[1], item[0])))
    return ModuleMatch(sim_a, sim_b, tokens, functions)
