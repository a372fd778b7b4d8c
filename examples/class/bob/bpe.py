"""Byte Pair Encoding (Sennrich et al. 2016): how text becomes tokens.

A model cannot read text; it reads a sequence of *tokens*, pieces of text from a fixed vocabulary.
Characters make sequences long (every letter of "The quick brown fox" is an input); whole words
make the vocabulary huge and leave every new word unknown. BPE sits in between: start from single
characters and repeatedly glue together the most frequent adjacent pair, so frequent words end up
as one token and rare words split into familiar pieces ("unbelievable" -> "un" + "believ" + "able").

The lesson's corpus, ``low low low lower lowest``, after two merges::

    l o w . l o w . l o w . l o w e r . l o w e s t     start: every character is a token
    lo w . lo w . lo w . lo w e r . lo w e s t          merge ("l", "o"), the most frequent pair
    low . low . low . low e r . low e s t               merge ("lo", "w"): "low" is now one token

Text is first cut into chunks by :func:`pretokenize` (a word with the whitespace before it) and
merges never cross a chunk boundary: a token never spans two words, so "the" at the start of one
word and the end of the previous one are never glued into nonsense like "e t".

In this file a *word* is one distinct chunk written as a tuple of its current symbols, and a corpus
is a dict ``{word: count}``: ``{("l", "o", "w"): 3, ...}``. Students write :func:`count_pairs`,
:func:`merge_pair`, :func:`train_bpe` and :func:`encode`; :func:`pretokenize`, :func:`decode` and
the ``_check_*`` helpers are given. Call the helpers first thing in your functions: they raise the
errors the exercise asks for (``TypeError`` for a wrong type, ``ValueError`` for a wrong value).
"""

from __future__ import annotations

import re

#: a chunk is a run of non-spaces with the whitespace before it, or trailing whitespace on its own
CHUNK_PATTERN = re.compile(r"\s*\S+|\s+")


# ----------------------------------------------------------------------------------------------
# given helpers


def pretokenize(text: str) -> list[str]:
    """Cut ``text`` into chunks: each word together with the whitespace in front of it.

    GIVEN. Merges are learned and applied inside chunks only, never across them.
    Nothing is lost, so ``"".join(pretokenize(text)) == text`` for every text.

    Example: ``pretokenize("low lower  lowest\\n")`` -> ``["low", " lower", "  lowest", "\\n"]``

    Args:
        text: any string.

    Returns:
        The chunks, in order.

    Raises:
        TypeError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return CHUNK_PATTERN.findall(text)


def decode(tokens: list[str]) -> str:
    """Turn tokens back into text: glue them together.

    GIVEN. Tokens are pieces of the original text, so nothing else is needed;
    ``decode(encode(text, merges)) == text`` always.

    Example: ``decode(["low", " low", "er"])`` -> ``"low lower"``

    Raises:
        TypeError: a token is not a string.
    """
    return "".join(tokens)


def _check_words(words: dict[tuple[str, ...], int]) -> None:
    """GIVEN. Raise if ``words`` is not a corpus ``{tuple of non-empty str: count >= 1}``.

    ``TypeError``: not a dict, a word that is not a tuple, a symbol that is not a str, a count that
    is not an int (a bool is not a count). ``ValueError``: an empty symbol or a count below 1.
    """
    if not isinstance(words, dict):
        raise TypeError(f"words must be a dict {{tuple of symbols: count}}, not {type(words).__name__}")
    for word, count in words.items():
        if not isinstance(word, tuple):
            raise TypeError(f"each word must be a tuple of symbols, not {type(word).__name__}: {word!r}")
        for symbol in word:
            if not isinstance(symbol, str):
                raise TypeError(f"symbols must be str, not {type(symbol).__name__}: {symbol!r} in {word!r}")
            if not symbol:
                raise ValueError(f"empty symbol in word {word!r}")
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"counts must be int, not {type(count).__name__}: {word!r}: {count!r}")
        if count < 1:
            raise ValueError(f"counts must be at least 1: {word!r}: {count}")


def _check_pair(pair: tuple[str, str]) -> None:
    """GIVEN. Raise unless ``pair`` is a tuple of two non-empty strings (a merge)."""
    if not isinstance(pair, tuple):
        raise TypeError(f"a pair must be a tuple of two str, not {type(pair).__name__}: {pair!r}")
    if len(pair) != 2:
        raise ValueError(f"a pair has exactly two symbols, not {len(pair)}: {pair!r}")
    for symbol in pair:
        if not isinstance(symbol, str):
            raise TypeError(f"symbols must be str, not {type(symbol).__name__}: {pair!r}")
        if not symbol:
            raise ValueError(f"empty symbol in pair {pair!r}")


def _check_merges(merges: list[tuple[str, str]]) -> None:
    """GIVEN. Raise unless ``merges`` is a list (or tuple) of pairs, as :func:`train_bpe` returns."""
    if not isinstance(merges, (list, tuple)):
        raise TypeError(f"merges must be a list of pairs, not {type(merges).__name__}")
    for pair in merges:
        _check_pair(pair)


# ----------------------------------------------------------------------------------------------
# your part


def count_pairs(words: dict[tuple[str, ...], int]) -> dict[tuple[str, str], int]:
    """Count every pair of adjacent symbols in the corpus, each word weighted by its count.

    This is the statistic BPE looks at before every merge: which two neighbours occur together
    most often? A word's pairs are its overlapping windows of two, so a word of n symbols holds
    n - 1 pairs and ``("a", "a", "a")`` holds ``("a", "a")`` twice. Pairs that never occur are not
    in the result. Keys come in order of first occurrence: words in dict order, each left to right
    (train_bpe breaks ties with this order).

    Examples:
        ``count_pairs({("a", "a", "a"): 2})`` -> ``{("a", "a"): 4}``

        ``count_pairs({("l", "o", "w"): 3, (" ", "l", "o", "w", "e", "r"): 1})``
        -> ``{("l", "o"): 4, ("o", "w"): 4, (" ", "l"): 1, ("w", "e"): 1, ("e", "r"): 1}``

    Args:
        words: the corpus, ``{word as a tuple of symbols: how often it occurs}``.

    Returns:
        ``{(left, right): total count}`` in order of first occurrence.

    Raises:
        TypeError: ``words`` is not a dict, or holds a non-tuple word, a non-str symbol or a
            non-int count.
        ValueError: an empty symbol or a count below 1.

    Hint:
        Call ``_check_words(words)`` first. Then visit each word once and each position in it:
        the pair starting there gains the word's count. A plain dict remembers the order in which
        its keys were first added, which is the order asked for. Never touch ``words`` itself.
    """
    raise NotImplementedError


def merge_pair(words: dict[tuple[str, ...], int], pair: tuple[str, str]) -> dict[tuple[str, ...], int]:
    """Replace every occurrence of ``pair`` in every word by one new symbol, ``pair[0] + pair[1]``.

    This is one BPE merge: the two symbols become a single token from now on. Occurrences are
    found scanning each word left to right and never overlap: in ``("a", "a", "a")`` the pair
    ``("a", "a")`` is merged once, giving ``("aa", "a")``. The result is a new dict in the same
    order; two words that become equal are one word whose count is the sum of both (this cannot
    happen with words from :func:`train_bpe`, but it can with hand-made input).

    Examples:
        ``merge_pair({("l", "o", "w"): 3, ("l", "o", "w", "e", "r"): 1}, ("l", "o"))``
        -> ``{("lo", "w"): 3, ("lo", "w", "e", "r"): 1}``

        ``merge_pair({("a", "a", "a"): 2}, ("a", "a"))`` -> ``{("aa", "a"): 2}``

        ``merge_pair({("a", "bc"): 1, ("ab", "c"): 2}, ("a", "bc"))`` -> ``{("abc",): 1, ("ab", "c"): 2}``

    Args:
        words: the corpus, ``{word as a tuple of symbols: count}``; left unchanged.
        pair: the two symbols to merge, ``(left, right)``.

    Returns:
        A new corpus dict in which the pair has been merged everywhere.

    Raises:
        TypeError: ``words`` is not a valid corpus (see :func:`count_pairs`), ``pair`` is not a
            tuple, or a pair of two entries holds something other than str.
        ValueError: an empty symbol, a count below 1, or a pair that does not have exactly two
            entries (``("a", "b", "c")`` is a ValueError, whatever its entries are).

    Hint:
        Validate with ``_check_words`` and ``_check_pair``. Build each new word in a fresh list,
        walking the old one with an index you move yourself: when the symbol at the index and the
        one after it are the pair, emit the merged symbol and jump over both; otherwise copy one
        symbol. Dict keys must be tuples, and a key seen before adds to its count.
    """
    raise NotImplementedError


def train_bpe(text: str, num_merges: int) -> list[tuple[str, str]]:
    """Learn up to ``num_merges`` merges from ``text``, most frequent pair first.

    The corpus is the chunks of ``pretokenize(text)``, each a tuple of its characters, counted, in
    order of first appearance. Then, ``num_merges`` times: count the pairs, take the one with the
    highest count, record it and merge it everywhere. A tie goes to the pair that occurs first (the
    order of :func:`count_pairs`), so training is deterministic. When no pair is left (every chunk
    is a single token) training stops early, so the result may be shorter than ``num_merges``.

    Each merge adds one token to the vocabulary: GPT-style models run this to about 50,000 tokens.

    Example (the lesson's)::

        train_bpe("low low low lower lowest", 2) -> [("l", "o"), ("lo", "w")]

    The chunks are "low", " low" (twice), " lower", " lowest": ("l", "o") and ("o", "w") both
    occur 5 times, and ("l", "o") occurs first. After merging it, ("lo", "w") occurs 5 times.

    Args:
        text: the training corpus.
        num_merges: how many merges to learn at most (0 gives ``[]``).

    Returns:
        The merges in the order they were learned: a list of ``(left, right)`` tuples.

    Raises:
        TypeError: ``text`` is not a str, or ``num_merges`` is not an int (a bool is not).
        ValueError: ``num_merges`` is negative.

    Hint:
        Validate ``num_merges`` yourself (``bool`` is a subclass of ``int``). Build the corpus dict
        from the chunks, then let :func:`count_pairs` and :func:`merge_pair` do the work in a loop.
        Python's ``max`` returns the first of several equal maxima, which is the tie-break you need.
    """
    raise NotImplementedError


def encode(text: str, merges: list[tuple[str, str]]) -> list[str]:
    """Cut ``text`` into tokens using learned ``merges``.

    Each chunk of ``pretokenize(text)`` starts as its characters; then the merges are applied one
    after another in the order they were learned, each to every occurrence left to right without
    overlap (exactly what :func:`merge_pair` does), and the chunks' tokens are concatenated.
    Nothing is dropped: ``"".join(encode(text, merges)) == text``, and a character never seen in
    training simply stays a token of its own.

    On merges that :func:`train_bpe` produced this gives the same tokens as GPT-2's rule (merge the
    lowest-ranked pair present, again and again). On hand-written lists the two can differ, and
    the learned order is the rule here.

    Examples:
        ``encode("lowest low", [("l", "o"), ("lo", "w")])`` -> ``["low", "e", "s", "t", " ", "low"]``

        ``encode("abc", [("a", "bc"), ("b", "c")])`` -> ``["a", "bc"]``: when ("a", "bc") is
        applied there is no "bc" yet, and after ("b", "c") no merge is left.

    Args:
        text: the text to tokenize.
        merges: ``(left, right)`` pairs in the order they were learned.

    Returns:
        The tokens, in order.

    Raises:
        TypeError: ``text`` is not a str, ``merges`` is not a list, a merge is not a tuple, or a
            merge of two entries holds something other than str.
        ValueError: a merge that does not have exactly two entries, or has an empty symbol.

    Hint:
        Check ``merges`` with ``_check_merges``. A text repeats the same chunks many times: a corpus
        dict with each distinct chunk once lets you reuse :func:`merge_pair` and apply every merge
        once per distinct chunk. Afterwards, rebuild the token list chunk by chunk, in text order.
    """
    raise NotImplementedError
