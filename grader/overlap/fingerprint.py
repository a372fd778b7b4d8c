"""Fingerprints of what a student wrote: the handout taken out, names forgotten, order kept local.

Two submissions are compared the way copydetect (and MOSS before it) compares files: the code is
tokenized and *filtered* — every variable, attribute and function name becomes ``V`` or ``F``,
every string ``S``, comments and whitespace vanish — so renaming ``counts`` to ``tally`` changes
nothing. The filtered text is cut into overlapping k-grams (``NOISE`` characters), each k-gram is
hashed, and *winnowing* keeps the smallest hash of every window of ``WINDOW`` hashes: any shared
run of ``NOISE + WINDOW - 1`` filtered characters is certain to be found, and a file of a few
thousand characters keeps a few hundred fingerprints.

Worked example (``NOISE`` = 15). The student line::

    counts[pair] = counts.get(pair, 0) + count

filters to ``V[V]=V.V(V,0)+V`` (16 characters), which holds two 15-grams. A copy that calls the
variables ``tally``, ``bigram`` and ``n`` filters to the same 16 characters: same two fingerprints.

What is *not* the student's is removed before any comparison (the handout is shared by everyone,
so it is no evidence of anything):

- the module docstring, every function's docstring, and the handout's given functions (those the
  stub defines with a body, such as ``pretokenize`` and ``_check_words``) are never fingerprinted;
- of a student function only the body counts (the signature is the stub's);
- any fingerprint that also occurs in the stubs (``exercises/*.py``) is dropped, as copydetect does
  with its boilerplate files, so an untouched ``raise NotImplementedError`` leaves nothing at all.

Every top-level statement is its own *region* and k-grams never cross two regions, so moving a
function (or a top-level statement) elsewhere in the file changes nothing. Student functions keep
their name, so a pair can also be judged function by function: one copied ``train_bpe`` in two
otherwise different files is found.

Hashes are computed here (a 64-bit polynomial hash of each k-gram, then a mixer) rather than with
Python's ``hash()``, which copydetect uses and which changes with every run: the same class gives
the same numbers every time, in every process.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import NOISE, WINDOW


@dataclass(frozen=True)
class Region:
    """One piece of a module that the student wrote: a function body or another top-level statement.

    ``name`` is the student function it belongs to (``"train_bpe"``), or ``""`` for any other
    code (the student's own helpers, top-level statements); ``start``/``end`` are character
    offsets into the module's source.
    """

    name: str
    start: int
    end: int


def _line_starts(source: str) -> list[int]:
    """Character offset of each line's start, splitting lines exactly where Python does."""
    starts = [0]
    for match in re.finditer(r"\r\n|\r|\n", source):
        starts.append(match.end())
    return starts


def _docstring(node: ast.AST) -> ast.stmt | None:
    body = getattr(node, "body", None)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0]
    return None


def given_names(stub_source: str, student_functions: tuple[str, ...]) -> frozenset[str]:
    """The functions a stub gives: every top-level ``def`` that is not a student's task.

    Example: for ``exercises/bpe.py`` this is ``{"pretokenize", "decode", "_check_words",
    "_check_pair", "_check_merges"}``.
    """
    try:
        tree = ast.parse(stub_source)
    except SyntaxError:
        return frozenset()
    return frozenset(node.name for node in tree.body
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and node.name not in student_functions)


def regions_of(source: str, student_functions: tuple[str, ...],
               given: frozenset[str]) -> tuple[list[Region], str | None]:
    """Cut a module's source into the regions a student wrote (see :class:`Region`).

    Returns ``(regions, note)``. Source that does not parse (a student's syntax error) is one
    region of name ``""``, with a note saying so: the tokenizer still reads it, and a copied
    file with the same mistake is still a copy.

    Example::

        def count_pairs(words):
            \"\"\"(the stub's docstring)\"\"\"
            _check_words(words)           # <- region "count_pairs" starts here
            ...
            return counts                 # <- and ends here

        import collections                # <- region "" (other code), one per statement
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        return ([Region("", 0, len(source))] if source.strip() else [],
                f"does not parse as Python{where}: compared as plain tokens")
    starts = _line_starts(source)
    encoded_lines: dict[int, bytes] = {}

    def offset(lineno: int, col: int) -> int:
        # ast columns count UTF-8 bytes; the regions count characters
        if lineno not in encoded_lines:
            end = starts[lineno] if lineno < len(starts) else len(source)
            encoded_lines[lineno] = source[starts[lineno - 1]:end].encode("utf-8")
        return starts[lineno - 1] + len(encoded_lines[lineno][:col].decode("utf-8", errors="ignore"))

    def span(first: ast.stmt, last: ast.stmt) -> tuple[int, int]:
        return offset(first.lineno, first.col_offset), offset(last.end_lineno, last.end_col_offset)

    regions: list[Region] = []
    docstring = _docstring(tree)
    for node in tree.body:
        if node is docstring:
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name in given:
                continue
            if node.name in student_functions:
                body = [stmt for stmt in node.body if stmt is not _docstring(node)]
                if body:
                    regions.append(Region(node.name, *span(body[0], body[-1])))
                continue
        first = node.decorator_list[0] if getattr(node, "decorator_list", None) else node
        regions.append(Region("", *span(first, node)))
    return regions, None


def _filter(text: str) -> tuple[str, np.ndarray]:
    """copydetect's tokenizer and filter (names -> V/F/O, strings -> S, no comments or spaces)."""
    from copydetect.utils import filter_code
    return filter_code(text, "region.py", language="python")


def _kgram_hashes(filtered: str, k: int) -> np.ndarray:
    """Stable 64-bit hashes of every k-gram of ``filtered`` (empty when it is shorter than k).

    A polynomial hash (base 1000003, modulo 2**64) of the k code points, then splitmix64's
    finalizer so that winnowing's "smallest hash in the window" is an unbiased choice.
    """
    if len(filtered) < k:
        return np.empty(0, dtype=np.int64)
    codes = np.frombuffer(filtered.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    powers = np.array([pow(1000003, k - 1 - i, 1 << 64) for i in range(k)], dtype=np.uint64)
    with np.errstate(over="ignore"):
        windows = np.lib.stride_tricks.sliding_window_view(codes, k)
        h = (windows * powers).sum(axis=1, dtype=np.uint64)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h.view(np.int64)


def _winnowed(filtered: str, k: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, start positions) that winnowing keeps, as copydetect selects them."""
    from copydetect.utils import winnow
    hashes = _kgram_hashes(filtered, k)
    if len(hashes) == 0:
        return hashes, np.empty(0, dtype=np.int64)
    return winnow(hashes, window_size=window, remove_duplicates=False)


def boilerplate_hashes(stub_sources: list[str], k: int = NOISE) -> frozenset[int]:
    """Every k-gram hash of the handout's files (all of them, not only the winnowed ones)."""
    found: set[int] = set()
    for source in stub_sources:
        filtered, _ = _filter(source)
        found.update(_kgram_hashes(filtered, k).tolist())
    return frozenset(found)


@dataclass
class RegionDetail:
    """What the side-by-side report needs to map filtered positions back to the source."""

    region: Region
    base: int                 # where the region's filtered text starts in the module's coordinates
    length: int               # its filtered length
    offsets: np.ndarray       # copydetect's filtered -> raw offset table for the region's text


@dataclass
class ModulePrint:
    """The fingerprints of one module of one submission.

    Positions are in *module coordinates*: the filtered texts of the regions laid end to end.
    ``coverage`` is copydetect's denominator, the number of filtered characters inside at least
    one kept fingerprint; a similarity is the share of it that the other submission also has.
    ``functions`` holds, per student function, a bit mask of its positions and its own coverage.
    """

    starts: dict[int, tuple[int, ...]]          # hash -> start positions
    coverage: int
    functions: dict[str, tuple[int, int]]       # name -> (position mask, coverage)
    k: int
    note: str | None = None
    details: list[RegionDetail] = field(default_factory=list)   # only when asked for
    signature: int = 0        # hash of the set of fingerprints: equal sets are found without a walk

    @property
    def hashes(self):
        return self.starts.keys()


def fingerprint_module(source: str, student_functions: tuple[str, ...], given: frozenset[str],
                       boilerplate: frozenset[int], *, k: int = NOISE, window: int = WINDOW,
                       details: bool = False) -> ModulePrint:
    """Fingerprint one module's source (see the module docstring for every step)."""
    regions, note = regions_of(source, student_functions, given)
    starts: dict[int, list[int]] = {}
    kept_mask = 0
    kmask = (1 << k) - 1
    spans: list[tuple[str, int, int]] = []
    kept_details: list[RegionDetail] = []
    base = 0
    for region in regions:
        filtered, offsets = _filter(source[region.start:region.end])
        hashes, positions = _winnowed(filtered, k, window)
        for h, p in zip(hashes.tolist(), positions.tolist()):
            if h in boilerplate:
                continue
            starts.setdefault(h, []).append(base + p)
            kept_mask |= kmask << (base + p)
        spans.append((region.name, base, len(filtered)))
        if details:
            kept_details.append(RegionDetail(region, base, len(filtered), offsets))
        base += len(filtered)
    functions: dict[str, tuple[int, int]] = {}
    for name, start, length in spans:
        if name:
            mask = ((1 << length) - 1) << start
            old_mask, _ = functions.get(name, (0, 0))  # a function defined twice: both count
            mask |= old_mask
            functions[name] = (mask, (kept_mask & mask).bit_count())
    # the hash of a frozenset of ints does not depend on the run (ints hash to themselves)
    return ModulePrint({h: tuple(p) for h, p in starts.items()}, kept_mask.bit_count(), functions, k,
                       note, kept_details, hash(frozenset(starts)))


def shared_mask(mine: ModulePrint, shared) -> int:
    """Bit mask of ``mine``'s filtered characters inside a fingerprint from ``shared``."""
    kmask = (1 << mine.k) - 1
    mask = 0
    starts = mine.starts
    for h in shared:
        for p in starts[h]:
            mask |= kmask << p
    return mask


def stub_sources(folder: Path, modules: tuple[str, ...]) -> dict[str, str]:
    """The handout's stub of each module found in ``folder`` (``exercises/`` by default)."""
    out = {}
    for module in modules:
        path = Path(folder) / f"{module}.py"
        if path.is_file():
            out[module] = path.read_text(encoding="utf-8")
    return out
