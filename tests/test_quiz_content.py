"""The lesson's quizzes: every question the lesson asks is there, with one clear key, feedback on
every wrong choice, an explanation that teaches, and keys that score full marks (locked or not)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from grader.quiz import (
    RESERVED_IDS,
    key_answers,
    load_quizzes,
    lock_quiz,
    parse_quiz,
    render_prompt,
    score_answers,
)

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT.parent / "shared" / "lesson.txt"  # beside the repository when it is there

# Every "Check your understanding" question and the end-of-lesson check, verbatim from the lesson,
# with the quiz and question that ask it.
LESSON_QUESTIONS = {
    "Why does BPE tokenization handle the word 'ChatGPT' worse than the word 'hello'?":
        ("tokens", "chatgpt-vs-hello"),
    "A vocabulary has 100,000 tokens and each embedding has 512 dimensions. How many parameters "
    "are in the embedding matrix?": ("vectors", "params-100k-512"),
    "What training objective causes word2vec to place 'cat' and 'dog' near each other in "
    "embedding space?": ("learning", "cat-dog-objective"),
    "In a RAG system, what is the query encoded into before searching the vector database?":
        ("applications", "rag-query"),
    "A language model uses a vocabulary of 32,000 tokens and 1,024-dimensional embeddings. How "
    "many parameters are in its embedding matrix?": ("final", "params-32k-1024"),
}


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def quizzes():
    return {q.id: q for q in load_quizzes(ROOT / "quizzes")}


def key_choice_text(quiz, question_id):
    q = quiz.question(question_id)
    return next(c.text for c in q.choices if c.id == q.answer)


def test_one_quiz_per_section_and_the_final_check(quizzes):
    assert list(quizzes) == ["tokens", "vectors", "learning", "applications", "final"]
    assert [q.order for q in quizzes.values()] == [1, 2, 3, 4, 5]
    assert {q.id: q.mode for q in quizzes.values()} == {
        "tokens": "practice", "vectors": "practice", "learning": "practice",
        "applications": "practice", "final": "graded"}
    assert not set(quizzes) & RESERVED_IDS  # each is a gradebook column of its own


@pytest.mark.parametrize("asked", list(LESSON_QUESTIONS))
def test_every_lesson_question_is_asked(quizzes, asked):
    quiz_id, question_id = LESSON_QUESTIONS[asked]
    quiz = quizzes[quiz_id]
    # rendered without a student ID: the lesson's own numbers
    assert squash(asked) in squash(render_prompt(quiz, quiz.question(question_id)))


@pytest.mark.skipif(not LESSON.exists(), reason="shared/lesson.txt is not beside the repository")
def test_the_list_above_is_the_lessons_list(quizzes):
    lines = LESSON.read_text(encoding="utf-8").splitlines()
    asked = [lines[i + 1] for i, line in enumerate(lines)
             if line.strip() == "Check your understanding" or line.startswith("End-of-lesson check")]
    assert len(asked) == 5
    prompts = [squash(render_prompt(quiz, q)) for quiz in quizzes.values() for q in quiz.questions]
    for question in asked:
        assert any(squash(question) in p for p in prompts), question


def test_the_keys_of_the_lesson_questions(quizzes):
    assert key_answers(quizzes["vectors"])["params-100k-512"] == "51200000"
    assert key_answers(quizzes["final"])["params-32k-1024"] == "32768000"
    chatgpt = key_choice_text(quizzes["tokens"], "chatgpt-vs-hello")
    assert "frequent" in chatgpt and "several smaller pieces" in chatgpt
    objective = key_choice_text(quizzes["learning"], "cat-dog-objective")
    assert "skip-gram" in objective and "CBOW" in objective and "gradient descent" in objective
    query = key_choice_text(quizzes["applications"], "rag-query")
    assert "embedding vector" in query and "same embedding model" in query


def test_the_misconception_and_analogy_boxes(quizzes):
    q = quizzes["vectors"].question("misconception-hand-designed")
    assert "misconception" in q.source
    truth = key_choice_text(quizzes["vectors"], "misconception-hand-designed")
    assert "random" in truth and "gradient descent" in truth
    q = quizzes["applications"].question("vector-database-analogy")
    assert "Analogy" in q.source
    assert "closest to your query embedding" in key_choice_text(quizzes["applications"], "vector-database-analogy")


def test_the_hello_world_sketch_updates_only_the_row_of_hello(quizzes):
    q = quizzes["final"].question("hello-world-row")
    assert "Ownable artifact" in q.source and "backpropagation" in q.prompt
    key = key_choice_text(quizzes["final"], "hello-world-row")
    assert key.startswith('Only the row of "Hello"') and '"world"' not in key


def test_the_final_check_covers_the_four_topics(quizzes):
    final = quizzes["final"]
    assert len(final.questions) >= 4
    assert {"tokens", "one-hot vs lookup", "sparse updates", "cosine similarity"} <= {q.topic for q in final.questions}


def all_questions(quizzes):
    return [(quiz, q) for quiz in quizzes.values() for q in quiz.questions]


def test_every_question_explains_and_every_wrong_choice_has_feedback(quizzes):
    for quiz, q in all_questions(quizzes):
        assert q.explanation and len(q.explanation) >= 60, (quiz.id, q.id)
        key = {q.answer} if q.type == "single" else q.answer if q.type == "multiple" else set()
        for c in q.choices:
            if c.id not in key:
                assert c.feedback and len(c.feedback) >= 40, (quiz.id, q.id, c.id)
        feedback = [c.feedback for c in q.choices if c.feedback]
        assert len(feedback) == len(set(feedback)), (quiz.id, q.id)  # each names its own misconception
        if q.type == "single":
            assert len(q.choices) >= 3, (quiz.id, q.id)  # plausible distractors, not a coin toss


def test_no_choice_gives_itself_away(quizzes):
    # "all of the above" / "none of the above" make a second key; answers are one clear choice
    for quiz, q in all_questions(quizzes):
        for c in q.choices:
            assert not re.search(r"(all|none) of the (above|others)", c.text, re.I), (quiz.id, q.id)


@pytest.mark.parametrize("student", [None, "alice", "bob", "s0001", "x.y@z"])
def test_keys_score_full_marks_for_every_student(quizzes, student):
    for quiz in quizzes.values():
        score = score_answers(quiz, {quiz.id: key_answers(quiz, student_id=student)}, student_id=student)
        assert score.points == score.max_points, (quiz.id, student)


def test_keys_accept_the_ways_students_write_numbers(quizzes):
    vectors = quizzes["vectors"]
    for answer in ("51,200,000", "51.2 million", "51200000 parameters", "5.12e7"):
        score = score_answers(vectors, {"vectors": {"params-100k-512": answer}})
        assert score.results[0].correct, answer
    final = quizzes["final"]
    assert score_answers(final, {"final": {"params-32k-1024": "32,768,000 parameters"}}).results[0].correct
    wrong = score_answers(vectors, {"vectors": {"params-100k-512": "100,512"}}).results[0]
    assert "added" in wrong.feedback[0]


def test_each_wrong_choice_scores_zero_with_its_feedback_locked_or_not(quizzes):
    for quiz in quizzes.values():
        handout = parse_quiz(yaml.safe_dump(lock_quiz(quiz), sort_keys=False, allow_unicode=True), source=quiz.id)
        for q in quiz.questions:
            if q.type != "single":
                continue
            for c in q.choices:
                plain = score_answers(quiz, {quiz.id: {q.id: c.id}}).to_dict()
                if quiz.mode == "practice":
                    assert score_answers(handout, {quiz.id: {q.id: c.id}}).to_dict() == plain
                if c.id != q.answer:
                    result = plain["results"][[x.id for x in quiz.questions].index(q.id)]
                    assert result["points"] == 0 and result["feedback"] == [c.feedback]


def test_the_graded_handout_gives_nothing_away(quizzes):
    text = yaml.safe_dump(lock_quiz(quizzes["final"]), sort_keys=False, allow_unicode=True)
    assert "key:" not in text and "sealed" not in text and "V * d" not in text
    for q in quizzes["final"].questions:
        if q.explanation:
            assert squash(q.explanation)[:30] not in squash(text)
        for c in q.choices:
            assert not c.feedback or squash(c.feedback)[:30] not in squash(text)
