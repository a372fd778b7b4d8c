"""embedlab exercises: text -> tokens (BPE) -> token IDs -> embeddings -> similarity and retrieval.

One module per step of the lesson, in the order it teaches them: ``bpe``, ``lookup``, ``skipgram``,
``similarity``, ``pipeline``. Each function's docstring says what to write, with a worked example
and a hint; ``embedlab check`` tells you how far you are.
"""
