"""Hidden cases of bpe (never shipped to students)."""

from grader.casekit import case, expect_equal, expect_raises, expect_unchanged

PARAGRAPH = (
    "A token is the atomic unit a language model operates on. It is typically a frequent character "
    "sequence: often a word, a word fragment, a punctuation mark, or a whitespace-prefixed word.\n"
    "Common words stay whole; rare words split into familiar pieces.  Un-believ-able!\n"
)

COUNT = "BPE pair counting"
MERGE = "one BPE merge"
TRAIN = "the BPE training loop"
ENCODE = "BPE encoding with learned merges"


# --- count_pairs -------------------------------------------------------------------------------
@case("count_pairs", "a corpus of many words", points=2, hidden=True, concept=COUNT,
      hint="Each pair gains the count of the word it sits in, once per position, in first-seen order.")
def test_count_pairs_corpus(student, ref):
    words = {}
    for chunk in ref.bpe.pretokenize(PARAGRAPH):
        words[tuple(chunk)] = words.get(tuple(chunk), 0) + 1
    expect_equal(student.bpe.count_pairs(words), ref.bpe.count_pairs(words))


@case("count_pairs", "words of one symbol hold no pair", hidden=True, concept=COUNT,
      hint="A word of n symbols holds n - 1 pairs; pairs that never occur are absent.")
def test_count_pairs_single_symbols(student, ref):
    words = {("a",): 3, ("ab",): 1, ("lo", "w"): 2}
    expect_equal(student.bpe.count_pairs(words), ref.bpe.count_pairs(words))
    expect_equal(student.bpe.count_pairs({}), {})


@case("count_pairs", "bad corpora raise TypeError or ValueError", hidden=True, concept="input validation",
      hint="A word must be a tuple of non-empty strings, a count an int (not a bool) of at least 1.")
def test_count_pairs_bad_input(student, ref):
    expect_raises(TypeError, student.bpe.count_pairs, [("a", "b")])
    expect_raises(TypeError, student.bpe.count_pairs, {("a", 1): 1})
    expect_raises(ValueError, student.bpe.count_pairs, {("a", ""): 1})
    expect_raises(ValueError, student.bpe.count_pairs, {("a", "b"): -2})


# --- merge_pair --------------------------------------------------------------------------------
@case("merge_pair", "only whole symbols are merged", points=2, hidden=True, concept=MERGE,
      hint="Compare symbols, not the text of the word: ('ab', 'c') does not contain the pair ('b', 'c').")
def test_merge_pair_symbols(student, ref):
    words = {("a", "b", "c"): 1, ("ab", "c"): 1, ("b", "c", "bc"): 2}
    expect_equal(student.bpe.merge_pair(words, ("b", "c")), ref.bpe.merge_pair(words, ("b", "c")))


@case("merge_pair", "a corpus of many words, in order", hidden=True, concept=MERGE,
      hint="Build a new dict in the same word order; merge every occurrence of the pair in every word.")
def test_merge_pair_corpus(student, ref):
    words = {}
    for chunk in ref.bpe.pretokenize(PARAGRAPH):
        words[tuple(chunk)] = words.get(tuple(chunk), 0) + 1
    expect_equal(student.bpe.merge_pair(words, (" ", "w")), ref.bpe.merge_pair(words, (" ", "w")))


@case("merge_pair", "bad pairs raise TypeError or ValueError", hidden=True, concept="input validation",
      hint="A pair is a tuple of exactly two non-empty strings.")
def test_merge_pair_bad_pair(student, ref):
    words = {("a", "b"): 1}
    expect_raises(TypeError, student.bpe.merge_pair, words, "ab")
    expect_raises(ValueError, student.bpe.merge_pair, words, ("a", "b", "c"))
    expect_raises(TypeError, student.bpe.merge_pair, {("a", "b"): 1.0}, ("a", "b"))


@case("merge_pair", "runs of one symbol: the corpus is left unchanged", hidden=True, concept="no side effects",
      hint="Build a new dict; never assign into the one you were given.")
def test_merge_pair_no_mutation_hidden(student, ref):
    words = {("a", "a", "a"): 2, ("b", "a", "a"): 1}
    _, (after, _pair) = student.bpe.merge_pair.keep_args(words, ("a", "a"))
    expect_unchanged(words, after, what="words")


# --- train_bpe ---------------------------------------------------------------------------------
@case("train_bpe", "a paragraph, many merges", points=3, hidden=True, concept=TRAIN,
      hint="Count pairs, take the most frequent (first on ties), merge it everywhere, repeat.")
def test_train_bpe_paragraph(student, ref):
    expect_equal(student.bpe.train_bpe(PARAGRAPH, 25), ref.bpe.train_bpe(PARAGRAPH, 25))


@case("train_bpe", "repeated words count as often as they occur", points=2, hidden=True, concept=TRAIN,
      hint="The corpus counts each distinct chunk: a word seen three times weighs three times as much.")
def test_train_bpe_counts(student, ref):
    text = "cd ab ab ab xy xy"
    expect_equal(student.bpe.train_bpe(text, 3), ref.bpe.train_bpe(text, 3))


@case("train_bpe", "ties after merges: first occurrence in the current text", hidden=True, concept="BPE tie-break",
      hint="After a merge, the order of first occurrence is the order of the words, each read left to right.")
def test_train_bpe_ties_later(student, ref):
    text = "zyx xyz yzx zxy"
    expect_equal(student.bpe.train_bpe(text, 6), ref.bpe.train_bpe(text, 6))


@case("train_bpe", "whitespace runs and newlines", hidden=True, concept="pretokenization",
      hint="Chunks come from pretokenize(text): whitespace belongs to the word after it; trailing "
           "whitespace is a chunk of its own.")
def test_train_bpe_whitespace(student, ref):
    text = "ab  ab\n\nab \tab   "
    expect_equal(student.bpe.train_bpe(text, 6), ref.bpe.train_bpe(text, 6))


@case("train_bpe", "bad arguments raise TypeError or ValueError", hidden=True, concept="input validation",
      hint="bool is a subclass of int, but True is not a number of merges.")
def test_train_bpe_bad_args(student, ref):
    expect_raises(TypeError, student.bpe.train_bpe, "ab ab", True)
    expect_raises(TypeError, student.bpe.train_bpe, "ab ab", 2.0)
    expect_raises(ValueError, student.bpe.train_bpe, "ab ab", -3)


# --- encode ------------------------------------------------------------------------------------
@case("encode", "merges learned from one text, applied to another", points=3, hidden=True, concept=ENCODE,
      hint="Apply the merges one after another, in the order learned, inside each chunk.")
def test_encode_other_text(student, ref):
    merges = ref.bpe.train_bpe(PARAGRAPH, 40)
    text = "Tokens are pieces: a frequent word stays whole, unbelievable ones split.\n"
    expect_equal(student.bpe.encode(text, merges), ref.bpe.encode(text, merges))


@case("encode", "repeated symbols merge left to right", hidden=True, concept=ENCODE,
      hint="Within a chunk, each merge is applied left to right without overlap, like merge_pair.")
def test_encode_runs(student, ref):
    merges = ref.bpe.train_bpe("aaaa aaa aaaaaaa", 4)
    text = "aaaaa aa aaaaaaaaa"
    expect_equal(student.bpe.encode(text, merges), ref.bpe.encode(text, merges))


@case("encode", "merges never cross chunk boundaries, whitespace included", hidden=True, concept="pretokenization",
      hint="Encode each chunk of pretokenize(text) on its own, then concatenate the tokens.")
def test_encode_chunks_hidden(student, ref):
    merges = [("o", " "), (" ", "b"), ("e", "\n")]
    text = "to be\nor not to be "
    expect_equal(student.bpe.encode(text, merges), ref.bpe.encode(text, merges))


@case("encode", "no merges and empty text", hidden=True, concept=ENCODE,
      hint="Without merges every character is a token; an empty text has no tokens.")
def test_encode_trivial(student, ref):
    expect_equal(student.bpe.encode("hi there", []), ref.bpe.encode("hi there", []))
    expect_equal(student.bpe.encode("", [("a", "b")]), [])


@case("encode", "bad arguments raise TypeError", hidden=True, concept="input validation",
      hint="text must be a str and merges a list of (left, right) tuples.")
def test_encode_bad_args(student, ref):
    expect_raises(TypeError, student.bpe.encode, 42, [])
    expect_raises(TypeError, student.bpe.encode, "ab", "ab")


# --- every Raises line of the docstrings is graded (issue 10) ----------------------------------
@case("encode", "a merge with an empty symbol is a ValueError", hidden=True, concept="input validation",
      hint="Check merges with _check_merges before encoding: every merge is two non-empty symbols.")
def test_encode_bad_merge_value(student, ref):
    expect_raises(ValueError, student.bpe.encode, "ab", [("a", "")])
    expect_raises(ValueError, student.bpe.encode, "ab", [("", "b")])


# --- cases that kill the survivors of the automated mutation analysis (issue 10) ---------------
@case("merge_pair", "counts of words that become equal are added, whatever the counts", hidden=True,
      concept=MERGE, hint="Two words that become the same tuple are one word: add their counts with +.")
def test_merge_pair_adds_counts(student, ref):
    # 3 + 1 and 6 + 6: a bitwise | or ^ in place of + gives 3 and 6 (or 2 and 0)
    words = {("a", "b"): 3, ("ab",): 1, ("x", "a", "b"): 6, ("x", "ab"): 6}
    expect_equal(student.bpe.merge_pair(words, ("a", "b")), ref.bpe.merge_pair(words, ("a", "b")))


@case("merge_pair", "a very long word", hidden=True, concept=MERGE,
      hint="Compare positions with < and ==, never with `is`: large ints are distinct objects.")
def test_merge_pair_long_word(student, ref):
    words = {("a", "b") * 150: 1, ("b",) * 299: 2}
    expect_equal(student.bpe.merge_pair(words, ("a", "b")), ref.bpe.merge_pair(words, ("a", "b")))
    expect_equal(student.bpe.merge_pair(words, ("b", "b")), ref.bpe.merge_pair(words, ("b", "b")))
