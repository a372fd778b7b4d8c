"""Where things are, and the names SPEC fixes (the five modules and their functions)."""

from __future__ import annotations

from pathlib import Path

#: the checkout (or unpacked handout) that holds exercises/, solutions/, grader/, quizzes/
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: the exercise modules, in the order the lesson teaches them
EXERCISE_MODULES: tuple[str, ...] = ("bpe", "lookup", "skipgram", "similarity", "pipeline")

#: the functions a student writes, per module, in lesson order (SPEC sections 2-6)
STUDENT_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "bpe": ("count_pairs", "merge_pair", "train_bpe", "encode"),
    "lookup": ("build_vocab", "tokens_to_ids", "one_hot", "embedding_lookup", "count_parameters",
               "init_embeddings"),
    "skipgram": ("softmax", "skipgram_loss_and_grads", "sgd_step", "negative_sampling_loss_and_grads",
                 "numerical_gradient", "skipgram_pairs", "train_skipgram"),
    "similarity": ("cosine_similarity", "cosine_similarity_matrix", "top_k", "analogy"),
    "pipeline": ("embed_text", "retrieve"),
}

#: functions SPEC marks GIVEN: they come with the handout and are not graded
GIVEN_FUNCTIONS: dict[str, tuple[str, ...]] = {"bpe": ("pretokenize", "decode")}

QUIZZES_DIR = PROJECT_ROOT / "quizzes"
EXAMPLE_CLASS_DIR = PROJECT_ROOT / "examples" / "class"


def missing_function_message(module: str, function: str) -> str:
    """What a student reads when ``module.py`` loads but defines no ``function``.

    The usual cause is a rename (``merge_pairs`` for ``merge_pair``): the cases call functions by the
    names the handout fixes, so say which name is looked for rather than "file not loaded".

    >>> missing_function_message("bpe", "merge_pair")
    'bpe.py has no function merge_pair (did you rename it?)'
    """
    return f"{module}.py has no function {function} (did you rename it?)"
