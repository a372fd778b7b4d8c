"""Hidden cases of pipeline (never shipped to students)."""

import numpy as np

from grader.casekit import case, expect_close, expect_equal, expect_raises, random_matrix

EMBED = "embedding a whole text"
RAG = "retrieval by cosine similarity (RAG)"

CORPUS = ("the cat sat on the mat. the dog sat on the log. a cat and a dog met. "
          "stocks fell as markets slid. the market rallied; stocks rose.")


def _tokenizer(ref, dtype=np.float64):
    merges = ref.bpe.train_bpe(CORPUS, 30)
    vocab = ref.lookup.build_vocab(merges, CORPUS)
    E = random_matrix(60, (len(vocab), 5), dtype=dtype)
    return merges, vocab, E


# --- embed_text --------------------------------------------------------------------------------
@case("embed_text", "a learned tokenizer and random embeddings", points=2, hidden=True, concept=EMBED,
      hint="encode, then tokens_to_ids, then embedding_lookup, then the mean over the tokens.")
def test_embed_text_learned(student, ref):
    merges, vocab, E = _tokenizer(ref)
    text = "the dog and the cat sat"
    expect_close(student.pipeline.embed_text(text, merges, vocab, E), ref.pipeline.embed_text(text, merges, vocab, E))


@case("embed_text", "unseen characters of a learned tokenizer use <unk>", hidden=True, concept=EMBED,
      hint="Characters never seen in training map to '<unk>', whose row counts in the mean like any other.")
def test_embed_text_unknown(student, ref):
    merges, vocab, E = _tokenizer(ref)
    text = "ZEBRA! the cat"
    expect_close(student.pipeline.embed_text(text, merges, vocab, E), ref.pipeline.embed_text(text, merges, vocab, E))


@case("embed_text", "float32 rows are averaged in float64", hidden=True, concept="dtypes",
      hint="embed_text returns float64 whatever the dtype of E.")
def test_embed_text_float32_hidden(student, ref):
    merges, vocab, E = _tokenizer(ref, dtype=np.float32)
    text = "markets rallied"
    expect_close(student.pipeline.embed_text(text, merges, vocab, E), ref.pipeline.embed_text(text, merges, vocab, E))
    expect_close(student.pipeline.embed_text("", merges, vocab, E), ref.pipeline.embed_text("", merges, vocab, E))


@case("embed_text", "a text that is not a str is a TypeError", hidden=True, concept="input validation",
      hint="Check that text is a string before encoding it.")
def test_embed_text_bad(student, ref):
    merges, vocab, E = _tokenizer(ref)
    expect_raises(TypeError, student.pipeline.embed_text, ["the"], merges, vocab, E)


# --- retrieve ----------------------------------------------------------------------------------
@case("retrieve", "a small document store", points=3, hidden=True, concept=RAG,
      hint="Embed every document and the query with embed_text, then rank with top_k.")
def test_retrieve_store(student, ref):
    merges, vocab, E = _tokenizer(ref)
    documents = ["the cat sat on the mat", "stocks fell", "a dog met a cat", "markets slid", "the log"]
    expect_equal(student.pipeline.retrieve("cat and dog", documents, merges, vocab, E, 3),
                 ref.pipeline.retrieve("cat and dog", documents, merges, vocab, E, 3))


@case("retrieve", "by cosine, not by dot product", points=2, hidden=True, concept=RAG,
      hint="Cosine similarity compares directions: a document with long vectors is not closer.")
def test_retrieve_cosine(student, ref):
    vocab = {"<unk>": 0, "a": 1, "b": 2, "c": 3}
    E = np.array([[0.0, 0.0], [1.0, 0.1], [30.0, 20.0], [0.1, 1.0]])
    documents = ["bb", "a", "c", "ab"]
    expect_equal(student.pipeline.retrieve("aa", documents, [], vocab, E, 4),
                 ref.pipeline.retrieve("aa", documents, [], vocab, E, 4))


@case("retrieve", "equal documents: the lower index first", hidden=True, concept=RAG,
      hint="Ties go to the lower index, as in top_k.")
def test_retrieve_ties(student, ref):
    merges, vocab, E = _tokenizer(ref)
    documents = ["stocks rose", "the cat", "the cat", "stocks rose", "the cat the cat"]
    expect_equal(student.pipeline.retrieve("the cat", documents, merges, vocab, E, 5),
                 ref.pipeline.retrieve("the cat", documents, merges, vocab, E, 5))


# --- every Raises line of the docstrings is graded (issue 10) ----------------------------------
@case("embed_text", "a token ID that is not a row of E, an unknown token without <unk>, a 1-D E", hidden=True,
      concept="input validation", hint="encode, tokens_to_ids and embedding_lookup already raise these: let "
      "their errors through, also for a text whose tokens are all known.")
def test_embed_text_errors(student, ref):
    E = random_matrix(52, (3, 2))
    expect_raises(IndexError, student.pipeline.embed_text, "a", [], {"<unk>": 0, "a": 5}, E)
    expect_raises(KeyError, student.pipeline.embed_text, "ab", [], {"a": 0}, E)
    expect_raises(ValueError, student.pipeline.embed_text, "a", [], {"<unk>": 0, "a": 1}, np.ones(3))


@case("retrieve", "documents that are not a list of str, or a k that is not an int, are a TypeError; "
      "k < 0 a ValueError", hidden=True, concept="input validation",
      hint="Check documents (each one a str) and k before ranking; top_k checks k too.")
def test_retrieve_errors(student, ref):
    E = random_matrix(53, (3, 2))
    vocab = {"<unk>": 0, "a": 1, "b": 2}
    expect_raises(TypeError, student.pipeline.retrieve, "a", 5, [], vocab, E, 1)
    expect_raises(TypeError, student.pipeline.retrieve, "a", ["a", 3], [], vocab, E, 1)
    expect_raises(TypeError, student.pipeline.retrieve, "a", ["a", "b"], [], vocab, E, 1.5)
    expect_raises(ValueError, student.pipeline.retrieve, "a", ["a", "b"], [], vocab, E, -1)


@case("retrieve", "documents given as a dict or as one str are a TypeError", hidden=True,
      concept="input validation", hint="documents must be a list or tuple of str; a dict is not one, nor is a "
      "single string.")
def test_retrieve_dict_documents(student, ref):
    vocab = {"<unk>": 0, "a": 1, "b": 2}
    expect_raises(TypeError, student.pipeline.retrieve, "a", {"a": 0, "b": 1}, [], vocab, random_matrix(61, (3, 2)), 1)
    expect_raises(TypeError, student.pipeline.retrieve, "a", "ab", [], vocab, random_matrix(61, (3, 2)), 1)
