"""The quiz format: loading with one-line errors, scoring every question type, variants, locking.

Hand-worked examples first, then properties, then the edge cases.
"""

from __future__ import annotations

import copy
import re
from fractions import Fraction

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import quiz as qz
from grader.quiz import (
    AnswersFormatError,
    QuizFormatError,
    key_answers,
    load_answers,
    load_quiz,
    load_quizzes,
    lock_quiz,
    parse_answers,
    parse_number,
    parse_quiz,
    render_prompt,
    save_answers,
    score_answers,
    variant_params,
    write_template,
)

SOURCE = "quizzes/demo.yaml"

# A small quiz with one question of every kind; tests change one field at a time.
BASE = {
    "id": "demo",
    "title": "Demo",
    "order": 1,
    "mode": "practice",
    "questions": [
        {"id": "q1", "type": "single", "prompt": "Which row does one_hot(3) @ E give?",
         "choices": [{"id": "a", "text": "row 3"},
                     {"id": "b", "text": "column 3", "feedback": "Rows are tokens; columns are dimensions."},
                     {"id": "c", "text": "all rows", "feedback": "Zeros drop every other row."}],
         "answer": "a", "explanation": "A one-hot vector picks one row."},
        {"id": "q2", "type": "multiple", "prompt": "Which change in one skip-gram step?",
         "choices": [{"id": "a", "text": "W_in[center]"},
                     {"id": "b", "text": "other rows of W_in", "feedback": "Their gradient is zero."},
                     {"id": "c", "text": "every row of W_out"}],
         "answer": ["a", "c"], "explanation": "Sparse in W_in, dense in W_out."},
        {"id": "q3", "type": "numeric", "prompt": "Parameters of {V:,} x {d:,}?",
         "params": {"V": [100000, 32000, 50257], "d": [512, 1024]},
         "answer": "V * d", "units": ["parameters", "params"],
         "mistakes": [{"answer": "V + d", "feedback": "You added instead of multiplying."}],
         "explanation": "{V:,} rows times {d:,} columns."},
        {"id": "q4", "type": "numeric", "prompt": "cos([1, 0], [1, 1])?", "answer": "1 / sqrt(2)",
         "tolerance": 0.01, "explanation": "1 / sqrt(2)."},
        {"id": "q5", "type": "text", "prompt": "Name the algorithm.",
         "accept": ["BPE", "byte pair encoding"],
         "mistakes": [{"answer": "WordPiece", "feedback": "That is BERT's cousin."}],
         "explanation": "Byte Pair Encoding."},
    ],
}


def make(changes=None, **quiz_fields):
    """BASE with quiz fields replaced and `changes` applied: {(question index, field): value}."""
    data = copy.deepcopy(BASE)
    data.update(quiz_fields)
    for (index, name), value in (changes or {}).items():
        if value is DELETE:
            del data["questions"][index][name]
        else:
            data["questions"][index][name] = value
    return data


DELETE = object()


def parse(data, source=SOURCE):
    return parse_quiz(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), source=source)


def error_of(data, source=SOURCE) -> str:
    with pytest.raises(QuizFormatError) as info:
        parse(data, source)
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------------------------
# Loading: every bad field gives one line naming file, line, question and field


def test_brief_example_message_exactly():
    text = """\
id: tokens
title: Tokens
order: 1
mode: practice
questions:
  - id: q2
    type: single
    prompt: Which?
    choices:
      - {id: a, text: A}
      - {id: b, text: B, feedback: wrong}
      - {id: c, text: C, feedback: wrong}
    answer: d
    explanation: because
"""
    with pytest.raises(QuizFormatError) as info:
        parse_quiz(text, source="quizzes/tokens.yaml")
    assert str(info.value) == ("quizzes/tokens.yaml:13: question 'q2': field 'answer': "
                               "expected one of the choice ids a, b, c, got 'd'")


BAD_FIELDS = [
    (make({(0, "answer"): "d"}), r"question 'q1': field 'answer': expected one of the choice ids a, b, c, got 'd'"),
    (make({(0, "explanation"): DELETE}), r"question 'q1': field 'explanation': missing \(every question explains"),
    (make({(0, "explaination"): "typo"}), r"question 'q1': field 'explaination': unknown field \(allowed here:"),
    (make({(0, "type"): "essay"}), r"question 'q1': field 'type': expected one of single, multiple, numeric, text: got 'essay'"),
    (make({(0, "points"): -1}), r"question 'q1': field 'points': expected a number above 0, got -1"),
    (make({(0, "points"): True}), r"question 'q1': field 'points': expected a number, got true"),
    (make({(0, "prompt"): ""}), r"question 'q1': field 'prompt': expected some text, got ''"),
    (make({(0, "choices"): [{"id": "a", "text": "only one"}]}), r"field 'choices': a choice question needs at least two"),
    (make({(0, "choices"): [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]}),
     r"question 'q1': choice 'b': field 'feedback': missing \(every wrong choice names the misconception"),
    (make({(0, "choices"): [{"id": "A", "text": "A"}, {"id": "b", "text": "B"}]}),
     r"question 'q1': choice 'A': field 'id': expected a short lower-case id"),
    (make({(1, "answer"): "a"}), r"question 'q2': field 'answer': expected a list of the right choice ids"),
    (make({(1, "answer"): ["a", "a"]}), r"question 'q2': field 'answer': a choice id is listed twice"),
    (make({(1, "scoring"): "some"}), r"question 'q2': field 'scoring': expected 'partial' or 'all', got 'some'"),
    (make({(2, "answer"): "V * W"}), r"question 'q3': field 'answer': unknown name 'W' \(parameters: V, d\)"),
    (make({(2, "answer"): "__import__('os').system('echo hi')"}), r"question 'q3': field 'answer': the only function allowed is sqrt"),
    (make({(2, "answer"): "V.real"}), r"question 'q3': field 'answer': Attribute is not allowed"),
    (make({(2, "answer"): "V ** d"}), r"question 'q3': field 'answer': a power must be a whole number"),
    (make({(2, "answer"): "V / (d - 512)"}), r"question 'q3': field 'answer': cannot be computed \(with V=100000,d=512\)"),
    (make({(2, "prompt"): "Parameters of {V}?"}), r"question 'q3': field 'prompt': parameter 'd' is never shown"),
    (make({(2, "prompt"): "{V} {d} {x}"}), r"question 'q3': field 'prompt': placeholder \{x\} is not a parameter"),
    (make({(2, "params"): {"V": []}}), r"question 'q3': field 'params': parameter 'V': expected a list of numbers"),
    (make({(2, "params"): {"V": list(range(1, 40)), "d": list(range(1, 40))}}), r"field 'params': 1521 combinations"),
    (make({(2, "mistakes"): [{"answer": "V * d", "feedback": "x"}]}), r"question 'q3': field 'mistakes': mistake 1 is within the tolerance"),
    (make({(2, "units"): ["million"]}), r"question 'q3': field 'units': expected unit words"),
    (make({(3, "tolerance"): 0}), r"question 'q4': field 'answer': uses sqrt of a non-square; give a tolerance"),
    (make({(3, "tolerance"): -0.1}), r"question 'q4': field 'tolerance': expected 0 \(exact\) or more"),
    (make({(3, "answer"): "1/3", (3, "tolerance"): DELETE}), r"question 'q4': field 'answer': 1/3 has no finite decimal form"),
    (make({(3, "answer"): [1]}), r"question 'q4': field 'answer': expected a number or an arithmetic expression"),
    (make({(4, "accept"): DELETE}), r"question 'q5': field 'accept': missing"),
    (make({(4, "pattern"): "b.e"}), r"question 'q5': field 'pattern': a practice quiz ships hashed keys"),
    (make({(4, "pattern"): "(", }, mode="graded"), r"question 'q5': field 'pattern': not a valid regular expression"),
    (make({(4, "mistakes"): [{"answer": "bpe.", "feedback": "x"}]}), r"question 'q5': field 'mistakes': mistake 1 is also an accepted"),
    (make({(1, "id"): "q1"}), r"question 'q1': field 'id': used by an earlier question too"),
    (make(mode="exam"), r"^quizzes/demo.yaml:\d+: field 'mode': expected 'practice' or 'graded', got 'exam'$"),
    (make(order="1"), r"field 'order': expected a whole number, got '1'"),
    (make(id="lookup"), r"field 'id': 'lookup' is already a gradebook column"),
    (make(id="Tokens!"), r"field 'id': expected lower-case letters"),
    (make(questions=[]), r"field 'questions': expected a non-empty list"),
    (make(salt="abc"), r"field 'salt': only a locked practice quiz has a salt"),
    (make(extra=1), r"field 'extra': unknown field"),
]


@pytest.mark.parametrize("data, expected", BAD_FIELDS, ids=[m[:40] for _, m in BAD_FIELDS])
def test_each_bad_field_gives_its_one_line_message(data, expected):
    message = error_of(data)
    assert message.startswith(SOURCE + ":"), message
    assert re.search(expected, message), message


def test_the_line_is_the_bad_value_line():
    text = yaml.safe_dump(make({(0, "answer"): "d"}), sort_keys=False)
    line = next(n for n, s in enumerate(text.splitlines(), 1) if s.strip() == "answer: d")
    assert error_of(make({(0, "answer"): "d"})).startswith(f"{SOURCE}:{line}: ")


@pytest.mark.parametrize("text, expected", [
    ("id: demo\ntitle: [unclosed\n", r"^q.yaml:\d+: malformed YAML: "),
    ("id: demo\n  title: x\n", r"^q.yaml:2: malformed YAML: mapping values are not allowed here"),
    ("id: demo\nid: again\n", r"^q.yaml:2: malformed YAML: duplicate key 'id'"),
    ("- just\n- a list\n", r"^q.yaml: expected a mapping of fields, got a list"),
    ("id: demo\ntitle: x\ttab: 1\n", r"^q.yaml:\d+: malformed YAML"),
])
def test_malformed_yaml_names_file_and_line(text, expected):
    with pytest.raises(QuizFormatError) as info:
        parse_quiz(text, source="q.yaml")
    assert re.search(expected, str(info.value)), str(info.value)
    assert "\n" not in str(info.value)


def test_load_quiz_missing_file(tmp_path):
    with pytest.raises(QuizFormatError, match=r"nope.yaml: no such file"):
        load_quiz(tmp_path / "nope.yaml")


def test_load_quizzes_sorts_by_order_and_refuses_duplicate_ids(tmp_path):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(make(id="zeta", order=1)))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(make(id="alpha", order=2)))
    assert [q.id for q in load_quizzes(tmp_path)] == ["zeta", "alpha"]
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(make(id="zeta", order=3)))
    with pytest.raises(QuizFormatError, match=r"c.yaml: field 'id': quiz id 'zeta' is also used by .*a.yaml"):
        load_quizzes(tmp_path)


def test_load_quizzes_empty_folder(tmp_path):
    with pytest.raises(QuizFormatError, match="no quizzes"):
        load_quizzes(tmp_path)


# --------------------------------------------------------------------------------------------
# Numbers as students write them


@pytest.mark.parametrize("text", [
    "51200000", "51,200,000", "51 200 000", "51_200_000", "51'200'000", "51200000.0", "51.2 million",
    "51.2M", "51.2 m", "51200 thousand", "51,200k", "5.12e7", "5.12E+7", "5.12 x 10^7", "5.12×10**7",
    "51,200,000 parameters", "51.2 million params", " 51200000. ", "+51200000",
])
def test_numbers_in_many_spellings(text):
    assert parse_number(text, units=["parameters", "params"]) == 51_200_000


@pytest.mark.parametrize("text, why", [
    ("51,2", "unexpected"), ("5,12,00", "unexpected"), ("lots", "not a number"), ("", "not a number"),
    ("51200000 apples", "unexpected 'apples'"), ("1e999", "unexpected"), ("-", "not a number"),
])
def test_not_numbers(text, why):
    with pytest.raises(ValueError, match=why):
        parse_number(text, units=["parameters"])


def test_number_details():
    assert parse_number("0.7071") == Fraction(7071, 10000)
    assert parse_number("−0.5") == Fraction(-1, 2)  # a Unicode minus
    assert parse_number(".5") == Fraction(1, 2)
    assert parse_number(0.1) == Fraction(1, 10)  # the decimal written, not the binary float
    with pytest.raises(ValueError):
        parse_number(True)


# --------------------------------------------------------------------------------------------
# Scoring every question type


@pytest.fixture(scope="module")
def demo():
    return parse(make())


def result(quiz, qid, answer, student_id=None):
    score = score_answers(quiz, {quiz.id: {qid: answer}}, student_id=student_id)
    return next(r for r in score.results if r.question_id == qid)


def test_single_choice(demo):
    right = result(demo, "q1", "a")
    assert (right.status, right.points, right.feedback) == ("correct", 1.0, ())
    assert right.explanation == "A one-hot vector picks one row."
    wrong = result(demo, "q1", "b")
    assert (wrong.status, wrong.points) == ("incorrect", 0.0)
    assert wrong.feedback == ("Rows are tokens; columns are dimensions.",)
    assert wrong.explanation == "A one-hot vector picks one row."
    assert result(demo, "q1", " A ").correct  # case and spaces do not matter
    bad = result(demo, "q1", "d")
    assert bad.status == "invalid" and bad.feedback == ("expected one of the choice ids a, b, c, got 'd'",)
    assert result(demo, "q1", "a, b").status == "invalid"


@pytest.mark.parametrize("answer, status, points", [
    (["a", "c"], "correct", 1.0),
    ("a, c", "correct", 1.0),
    ("c a", "correct", 1.0),
    (["a"], "partial", 0.5),              # one of two right ones
    (["a", "b"], "incorrect", 0.0),       # one right minus one wrong
    (["a", "b", "c"], "partial", 0.5),    # two right minus one wrong, of two
    (["b"], "incorrect", 0.0),            # none right: never below 0
    ([], "unanswered", 0.0),
])
def test_multiple_select_partial_credit(demo, answer, status, points):
    r = result(demo, "q2", answer)
    assert (r.status, r.points) == (status, points)


def test_multiple_select_feedback_names_wrong_and_missed(demo):
    r = result(demo, "q2", ["a", "b"])
    assert r.feedback == ("(b) Their gradient is zero.", "(c) was right too.")


def test_multiple_select_all_or_nothing():
    quiz = parse(make({(1, "scoring"): "all"}))
    assert result(quiz, "q2", ["a"]).points == 0.0
    assert result(quiz, "q2", ["a", "c"]).points == 1.0


@pytest.mark.parametrize("answer", ["51200000", "51,200,000", "51.2 million parameters", "5.12e7", 51200000])
def test_numeric_exact_any_spelling(demo, answer):
    assert result(demo, "q3", answer).correct


def test_numeric_exact_means_exact(demo):
    assert result(demo, "q3", "51200001").status == "incorrect"
    assert result(demo, "q3", "51200000.5").status == "incorrect"


def test_numeric_known_mistake_gets_its_feedback(demo):
    r = result(demo, "q3", "100,512")
    assert r.status == "incorrect" and r.feedback == ("You added instead of multiplying.",)
    assert result(demo, "q3", "7").feedback == ()


def test_numeric_unreadable(demo):
    r = result(demo, "q3", "51,2 millions")
    assert r.status == "invalid" and "51,200,000" in r.feedback[0]


@pytest.mark.parametrize("answer, ok", [
    ("0.7071", True), ("0.71", True), ("0.70", True), (".707", True), ("0.7", True),
    ("0.69", False), ("0.72", False), ("1", False), ("0.5", False),
])
def test_numeric_tolerance(demo, answer, ok):
    assert result(demo, "q4", answer).correct is ok


@given(offset=st.fractions(min_value=-2, max_value=2))
def test_tolerance_grid_accepts_within_and_refuses_beyond(offset):
    """Answers within 0.95 t always pass; beyond 1.05 t never (the grid is t/10, see the docs)."""
    quiz = parse(make())
    question = quiz.question("q4")
    key = question.answer.evaluate({})[0]
    t = Fraction(1, 100)
    answer = key + offset * t
    ok = result(quiz, "q4", answer).correct
    if abs(offset) <= Fraction(95, 100):
        assert ok
    if abs(offset) > Fraction(105, 100):
        assert not ok


@pytest.mark.parametrize("answer, status", [
    ("BPE", "correct"), ("bpe", "correct"), ("  Byte   Pair Encoding. ", "correct"), ("'bpe'", "correct"),
    ("byte-pair encoding", "incorrect"), ("wordpiece", "incorrect"), ("", "unanswered"), ("~", "unanswered"),
])
def test_short_text(demo, answer, status):
    assert result(demo, "q5", answer).status == status


def test_short_text_mistake_feedback(demo):
    assert result(demo, "q5", "WordPiece").feedback == ("That is BERT's cousin.",)


def test_short_text_pattern_in_a_graded_quiz():
    quiz = parse(make({(4, "pattern"): r"(byte[ -]?pair[ -]?encod(ing|er)|bpe)"}, mode="graded"))
    for answer in ("Byte-Pair Encoding", "byte pair encoder", "BytePairEncoding", "bpe"):
        assert result(quiz, "q5", answer).correct, answer
    assert not result(quiz, "q5", "pair encoding").correct


def test_quiz_score_totals_and_notes(demo):
    answers = {"demo": {"q1": "a", "q2": ["a"], "q3": "51,200,000", "q4": "0.5", "q9": "x"}}
    score = score_answers(demo, answers)
    assert (score.points, score.max_points) == (2.5, 5.0)
    assert [r.status for r in score.results] == ["correct", "partial", "correct", "incorrect", "unanswered"]
    assert any("has no question 'q9'" in n for n in score.notes)
    assert not score.passed
    assert score.to_dict()["results"][0]["status"] == "correct"
    assert "## Quiz demo" in score.report()


def test_missing_or_empty_section_is_all_unanswered(demo):
    for answers in ({}, {"demo": {}}, {"other": {"q1": "a"}}):
        score = score_answers(demo, answers)
        assert score.points == 0 and all(r.status == "unanswered" for r in score.results)


def test_points_weigh_questions():
    quiz = parse(make({(0, "points"): 3, (1, "points"): 2}))
    score = score_answers(quiz, {"demo": {"q1": "a", "q2": ["a"]}})
    assert (score.points, score.max_points) == (4.0, 8.0)


# --------------------------------------------------------------------------------------------
# Variants: numbers from the student ID, the key follows


def test_variants_are_stable_across_runs_and_machines(demo):
    q = demo.question("q3")
    # Pinned: sha256 of "embedlab variant\ndemo\nq3\nalice" decides; a change here breaks grades.
    assert variant_params("demo", q, "alice") == variant_params("demo", q, "alice")
    assert variant_params("demo", q, "alice") == {"V": 50257, "d": 512}
    assert variant_params("demo", q, None) == {"V": 100000, "d": 512}  # the lesson's own numbers


def test_variants_differ_between_students_and_the_key_follows(demo):
    q = demo.question("q3")
    seen = {tuple(variant_params("demo", q, f"s{n:03d}").values()) for n in range(60)}
    assert len(seen) == 6  # every combination is used by someone
    alice, bob = key_answers(demo, student_id="alice")["q3"], key_answers(demo, student_id="bob")["q3"]
    assert alice != bob
    assert result(demo, "q3", alice, student_id="alice").correct
    assert not result(demo, "q3", alice, student_id="bob").correct
    assert render_prompt(demo, q, student_id="alice") == "Parameters of 50,257 x 512?"
    assert result(demo, "q3", alice, student_id="alice").explanation == "50,257 rows times 512 columns."


@given(student=st.from_regex(r"[A-Za-z0-9._@-]{1,64}", fullmatch=True))
@settings(max_examples=50)
def test_every_student_gets_full_marks_for_their_own_key(student):
    quiz = parse(make())
    score = score_answers(quiz, {"demo": key_answers(quiz, student_id=student)}, student_id=student)
    assert score.points == score.max_points


# --------------------------------------------------------------------------------------------
# Locking for the handout


def locked(quiz):
    return parse_quiz(yaml.safe_dump(lock_quiz(quiz), sort_keys=False, allow_unicode=True), source="handout.yaml")


def answer_strategy(question):
    ids = [c.id for c in question.choices]
    if question.type == "single":
        return st.one_of(st.sampled_from(ids), st.text(max_size=3))
    if question.type == "multiple":
        return st.lists(st.sampled_from(ids), max_size=len(ids))
    if question.type == "numeric":
        number = st.one_of(st.integers(-10**9, 10**9), st.fractions(-2, 2, max_denominator=1000))
        spelled = number.map(lambda f: f"{float(f):,.4f}" if isinstance(f, Fraction) else f"{f:,}")
        near = st.sampled_from(["51200000", "51.2 million", "16,384,000", "100512", "0.7071", "0.7",
                                "0.71", "0.6", "100000", "32768000"])
        return st.one_of(spelled, near, st.text(max_size=5))
    return st.one_of(st.sampled_from(["BPE", " bpe. ", "wordpiece", "byte pair encoding", "queen"]),
                     st.text(max_size=8))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), student=st.sampled_from([None, "alice", "bob", "s001"]))
def test_locked_practice_quiz_scores_exactly_like_the_plain_one(data, student):
    plain = parse(make())
    handout = locked(plain)
    answers = {q.id: data.draw(answer_strategy(q), label=q.id) for q in plain.questions}
    want = score_answers(plain, {"demo": answers}, student_id=student).to_dict()
    got = score_answers(handout, {"demo": answers}, student_id=student).to_dict()
    assert got == want


def test_locked_practice_form_hides_the_key():
    plain = parse(make())
    form = lock_quiz(plain)
    text = yaml.safe_dump(form, sort_keys=False, allow_unicode=True)
    for secret in ("answer:", "explanation", "feedback", "V * d", "BPE", "Rows are tokens", "WordPiece"):
        assert secret not in text, secret
    assert form["locked"] is True and len(form["salt"]) == 16
    q1 = form["questions"][0]
    assert set(q1) == {"id", "type", "points", "prompt", "choices", "key", "sealed"}
    (token_hash,) = q1["key"]
    assert token_hash == qz._hash(form["salt"], "demo", "q1", "a")
    assert set(form["questions"][2]["key"]) == {"V=100000,d=512", "V=100000,d=1024", "V=32000,d=512",
                                                "V=32000,d=1024", "V=50257,d=512", "V=50257,d=1024"}
    assert len(form["questions"][3]["key"]) in (20, 21)  # the grid cells within the tolerance


def test_graded_quiz_locks_to_no_key_at_all():
    plain = parse(make(mode="graded"))
    form = lock_quiz(plain)
    text = yaml.safe_dump(form, sort_keys=False, allow_unicode=True)
    assert "salt" not in form
    for q in form["questions"]:
        assert not {"key", "sealed", "answer", "explanation", "mistakes", "accept"} & set(q), q
        assert all(set(c) == {"id", "text"} for c in q.get("choices", []))
    for secret in ("V * d", "BPE", "Rows are tokens", "one-hot vector picks", "sqrt"):
        assert secret not in text
    handout = locked(plain)
    assert not handout.has_key
    score = score_answers(handout, {"demo": {"q1": "a", "q2": "a c", "q3": "12", "q4": "zero", "q5": "bpe"}})
    assert [r.status for r in score.results] == ["recorded", "recorded", "recorded", "invalid", "recorded"]
    assert score.points == 0 and all(r.explanation is None for r in score.results)


def test_locked_files_that_were_edited_are_refused():
    form = lock_quiz(parse(make()))
    form["questions"][0]["sealed"] = "not base64!"
    with pytest.raises(QuizFormatError, match=r"question 'q1': field 'sealed': not a sealed block"):
        parse_quiz(yaml.safe_dump(form), source="h.yaml")
    form = lock_quiz(parse(make()))
    form["questions"][2]["key"].pop("V=100000,d=512")
    with pytest.raises(QuizFormatError, match=r"question 'q3': field 'key': not a key table"):
        parse_quiz(yaml.safe_dump(form), source="h.yaml")
    form = lock_quiz(parse(make()))
    form["questions"][0]["answer"] = "a"
    with pytest.raises(QuizFormatError, match=r"question 'q1': field 'answer': unknown field"):
        parse_quiz(yaml.safe_dump(form), source="h.yaml")


def test_lock_is_reproducible_and_not_repeatable():
    plain = parse(make())
    assert lock_quiz(plain) == lock_quiz(plain)
    assert lock_quiz(plain, salt="x")["salt"] == "x"
    with pytest.raises(ValueError, match="already locked"):
        lock_quiz(locked(plain))
    with pytest.raises(ValueError, match="locked"):
        key_answers(locked(plain))


# --------------------------------------------------------------------------------------------
# answers.yaml: reading, the template, saving


def test_answers_are_read_as_strings():
    answers = parse_answers("demo:\n  q1: no\n  q2: [a, c]\n  q3: 1:30\n  q4: 0.70\n  q5:\n")
    assert answers == {"demo": {"q1": "no", "q2": ["a", "c"], "q3": "1:30", "q4": "0.70", "q5": ""}}


@pytest.mark.parametrize("text, expected", [
    ("demo:\n  q1: [a\n", r"^answers.yaml:\d+: malformed YAML"),
    ("- a\n- b\n", r"^answers.yaml: expected quiz ids at the top"),
    ("demo: b\n", r"^answers.yaml:1: quiz 'demo': expected question ids under it"),
    ("demo:\n  q1: {a: 1}\n", r"^answers.yaml:2: quiz 'demo': question 'q1': expected an answer"),
    ("demo:\n  q1: a\n  q1: b\n", r"^answers.yaml:3: malformed YAML: duplicate key 'q1'"),
])
def test_bad_answers_files(text, expected):
    with pytest.raises(AnswersFormatError) as info:
        parse_answers(text)
    assert re.search(expected, str(info.value)), str(info.value)


def test_answers_file_limits(tmp_path):
    with pytest.raises(AnswersFormatError, match="no such file"):
        load_answers(tmp_path / "answers.yaml")
    big = tmp_path / "big.yaml"
    big.write_text("#" * (qz.MAX_ANSWERS_BYTES + 1))
    with pytest.raises(AnswersFormatError, match="too big"):
        load_answers(big)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"demo:\n  q5: caf\xe9\n")
    with pytest.raises(AnswersFormatError, match="not UTF-8"):
        load_answers(latin)


def test_template_lists_every_question_and_reads_back_empty(tmp_path, demo):
    path = tmp_path / "answers.yaml"
    write_template(path, [demo], student_id="alice")
    text = path.read_text()
    assert "#   Which row does one_hot(3) @ E give?" in text
    assert "#     b) column 3" in text
    assert "Parameters of 50,257 x 512?" in text  # alice's numbers
    assert "  q2: []" in text
    answers = load_answers(path)
    assert set(answers["demo"]) == {"q1", "q2", "q3", "q4", "q5"}
    assert all(r.status == "unanswered" for r in score_answers(demo, answers).results)


def test_save_answers_keeps_other_quizzes(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("other:\n  x: 'yes'\n")
    save_answers(path, "demo", {"q1": "a", "q2": ["a", "c"], "q3": "51,200,000", "q4": ""})
    assert load_answers(path) == {"other": {"x": "yes"},
                                  "demo": {"q1": "a", "q2": ["a", "c"], "q3": "51,200,000"}}
