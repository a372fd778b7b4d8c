"""Public cases of pipeline: "Hello world" to retrieval. Run them with ``embedlab check pipeline``."""

import numpy as np

from grader.casekit import case, expect_close, expect_equal

# the docstring's example: "Hello" and "world" are whole tokens
HELLO_MERGES = [("H", "e"), ("He", "l"), ("Hel", "l"), ("Hell", "o"), ("w", "o"), ("wo", "r"), ("wor", "l"),
                ("worl", "d")]
HELLO_VOCAB = {"Hello": 0, " ": 1, "world": 2}
HELLO_E = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])


# --- embed_text --------------------------------------------------------------------------------
@case("embed_text", "the docstring example: the mean of the token rows", points=2)
def test_embed_text_example(student, ref):
    expect_close(student.pipeline.embed_text("Hello world", HELLO_MERGES, HELLO_VOCAB, HELLO_E),
                 ref.pipeline.embed_text("Hello world", HELLO_MERGES, HELLO_VOCAB, HELLO_E))


@case("embed_text", "an empty text gives zeros")
def test_embed_text_empty(student, ref):
    expect_close(student.pipeline.embed_text("", HELLO_MERGES, HELLO_VOCAB, HELLO_E),
                 ref.pipeline.embed_text("", HELLO_MERGES, HELLO_VOCAB, HELLO_E))


@case("embed_text", "a float32 E gives a float64 vector")
def test_embed_text_float32(student, ref):
    E = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.7]], dtype=np.float32)
    expect_close(student.pipeline.embed_text("world Hello world", HELLO_MERGES, HELLO_VOCAB, E),
                 ref.pipeline.embed_text("world Hello world", HELLO_MERGES, HELLO_VOCAB, E))


@case("embed_text", "unknown tokens use the <unk> row")
def test_embed_text_unk(student, ref):
    vocab = {"<unk>": 0, "a": 1, "b": 2}
    E = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 4.0]])
    expect_close(student.pipeline.embed_text("ab?c", [], vocab, E), ref.pipeline.embed_text("ab?c", [], vocab, E))


# --- retrieve ----------------------------------------------------------------------------------
@case("retrieve", "the docstring example", points=2)
def test_retrieve_example(student, ref):
    documents = ["world", "Hello", "Hello world"]
    expect_equal(student.pipeline.retrieve("Hello", documents, HELLO_MERGES, HELLO_VOCAB, HELLO_E, 2),
                 ref.pipeline.retrieve("Hello", documents, HELLO_MERGES, HELLO_VOCAB, HELLO_E, 2))


@case("retrieve", "no documents give []")
def test_retrieve_no_documents(student, ref):
    expect_equal(student.pipeline.retrieve("Hello", [], HELLO_MERGES, HELLO_VOCAB, HELLO_E, 3), [])


@case("retrieve", "k beyond the number of documents gives them all")
def test_retrieve_large_k(student, ref):
    documents = ["Hello", "world world", " "]
    expect_equal(student.pipeline.retrieve("world", documents, HELLO_MERGES, HELLO_VOCAB, HELLO_E, 7),
                 ref.pipeline.retrieve("world", documents, HELLO_MERGES, HELLO_VOCAB, HELLO_E, 7))


@case("retrieve", "by cosine similarity, not by dot product")
def test_retrieve_cosine_public(student, ref):
    vocab = {"<unk>": 0, "x": 1, "y": 2}
    E = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 8.0]])
    expect_equal(student.pipeline.retrieve("x", ["y", "xx", "xy"], [], vocab, E, 3),
                 ref.pipeline.retrieve("x", ["y", "xx", "xy"], [], vocab, E, 3))
