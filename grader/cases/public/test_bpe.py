"""Public cases of bpe: Byte Pair Encoding. Run them with ``embedlab check bpe``."""

from grader.casekit import case, expect_equal, expect_raises, expect_unchanged

LESSON = "low low low lower lowest"
LESSON_WORDS = {("l", "o", "w"): 3, (" ", "l", "o", "w", "e", "r"): 1}


# --- count_pairs -------------------------------------------------------------------------------
@case("count_pairs", "the docstring example: pairs weighted by word counts", points=2)
def test_count_pairs_example(student, ref):
    expect_equal(student.bpe.count_pairs(LESSON_WORDS), ref.bpe.count_pairs(LESSON_WORDS))


@case("count_pairs", "overlapping pairs all count")
def test_count_pairs_overlapping(student, ref):
    words = {("a", "a", "a"): 2}
    expect_equal(student.bpe.count_pairs(words), ref.bpe.count_pairs(words))


@case("count_pairs", "keys in order of first occurrence")
def test_count_pairs_order(student, ref):
    words = {("x", "y"): 1, ("a", "b"): 5, ("b", "a", "x", "y"): 2}
    expect_equal(student.bpe.count_pairs(words), ref.bpe.count_pairs(words))


@case("count_pairs", "a bool count is a TypeError, a count of 0 a ValueError")
def test_count_pairs_errors(student, ref):
    expect_raises(TypeError, student.bpe.count_pairs, {("a", "b"): True})
    expect_raises(ValueError, student.bpe.count_pairs, {("a", "b"): 0})


@case("count_pairs", "the corpus is left unchanged")
def test_count_pairs_no_mutation(student, ref):
    words = {("a", "b", "a", "b"): 2, ("b", "a"): 1}
    _, (after,) = student.bpe.count_pairs.keep_args(words)
    expect_unchanged(words, after, what="words")


# --- merge_pair --------------------------------------------------------------------------------
@case("merge_pair", "the docstring example", points=2)
def test_merge_pair_example(student, ref):
    words = {("l", "o", "w"): 3, ("l", "o", "w", "e", "r"): 1}
    expect_equal(student.bpe.merge_pair(words, ("l", "o")), ref.bpe.merge_pair(words, ("l", "o")))


@case("merge_pair", "occurrences are merged left to right without overlap")
def test_merge_pair_no_overlap(student, ref):
    words = {("a", "a", "a"): 2, ("b", "a", "a", "a", "a"): 1}
    expect_equal(student.bpe.merge_pair(words, ("a", "a")), ref.bpe.merge_pair(words, ("a", "a")))


@case("merge_pair", "counts of words that become equal are added")
def test_merge_pair_equal_words(student, ref):
    words = {("a", "b", "c"): 1, ("x",): 4, ("ab", "c"): 2}
    expect_equal(student.bpe.merge_pair(words, ("a", "b")), ref.bpe.merge_pair(words, ("a", "b")))


@case("merge_pair", "the corpus is left unchanged")
def test_merge_pair_no_mutation(student, ref):
    words = {("l", "o", "w"): 3, (" ", "l", "o"): 1}
    _, (after, _pair) = student.bpe.merge_pair.keep_args(words, ("l", "o"))
    expect_unchanged(words, after, what="words")


# --- train_bpe ---------------------------------------------------------------------------------
@case("train_bpe", "the lesson's example", points=2)
def test_train_bpe_lesson(student, ref):
    expect_equal(student.bpe.train_bpe(LESSON, 2), ref.bpe.train_bpe(LESSON, 2))


@case("train_bpe", "ties go to the pair that occurs first", points=2)
def test_train_bpe_ties(student, ref):
    text = "cab bca abc"
    expect_equal(student.bpe.train_bpe(text, 3), ref.bpe.train_bpe(text, 3))


@case("train_bpe", "merges stay inside chunks; training stops when no pair is left")
def test_train_bpe_chunks(student, ref):
    text = "a b a b ab"
    expect_equal(student.bpe.train_bpe(text, 10), ref.bpe.train_bpe(text, 10))


@case("train_bpe", "0 merges give [], a negative number is a ValueError")
def test_train_bpe_num_merges(student, ref):
    expect_equal(student.bpe.train_bpe(LESSON, 0), [])
    expect_raises(ValueError, student.bpe.train_bpe, LESSON, -1)


# --- encode ------------------------------------------------------------------------------------
@case("encode", "the docstring example", points=2)
def test_encode_example(student, ref):
    merges = [("l", "o"), ("lo", "w")]
    expect_equal(student.bpe.encode("lowest low", merges), ref.bpe.encode("lowest low", merges))


@case("encode", "the docstring example: merges apply in the order learned, not by rank")
def test_encode_learned_order(student, ref):
    # ("a", "bc") comes first but "bc" does not exist yet, so it does nothing; then ("b", "c") makes
    # "bc". GPT-2's rule (merge the lowest-ranked pair present, repeatedly) would go on to "abc".
    merges = [("a", "bc"), ("b", "c")]
    expect_equal(student.bpe.encode("abc", merges), ["a", "bc"])


@case("encode", "merges learned from a text, applied to it", points=2)
def test_encode_learned(student, ref):
    text = "the cat sat on the mat; the hat is that cat's"
    merges = ref.bpe.train_bpe(text, 12)
    expect_equal(student.bpe.encode(text, merges), ref.bpe.encode(text, merges))


@case("encode", "characters never seen in training stay single tokens")
def test_encode_unseen(student, ref):
    merges = ref.bpe.train_bpe(LESSON, 4)
    text = "slow glow, LOW!"
    expect_equal(student.bpe.encode(text, merges), ref.bpe.encode(text, merges))


@case("encode", "a merge applies to every occurrence in a chunk")
def test_encode_every_occurrence(student, ref):
    merges = ref.bpe.train_bpe("abab ababab aaaa", 5)
    text = "ababa aaaaa abababab"
    expect_equal(student.bpe.encode(text, merges), ref.bpe.encode(text, merges))


@case("encode", "merges never cross chunk boundaries")
def test_encode_chunks(student, ref):
    merges = [("b", " ")]
    expect_equal(student.bpe.encode("ab ab", merges), ref.bpe.encode("ab ab", merges))
