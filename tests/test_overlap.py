"""`embedlab similarity`: who shares code with whom, with the handout left out (issue 16).

First the lesson-sized facts the detector rests on (a renamed line gives the same fingerprints;
the stub's docstrings, signatures and given helpers are never fingerprinted; the measure equals
copydetect's own ``compare_files`` where both apply), then a class of three where two students
share one disguised function, then the edges: stub-only students, a notebook against a .py,
malformed entries, hostile code in the HTML, formula-looking IDs in the CSV, a missing detector.
"""

from __future__ import annotations

import ast
import builtins
import csv
import io
import keyword
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.cli import main
from grader.overlap import MIN_TOKENS, THRESHOLD
from grader.overlap.compare import compare_prints
from grader.overlap.fingerprint import fingerprint_module, given_names, regions_of
from grader.overlap.run import Handout, check_class
from grader.paths import PROJECT_ROOT, STUDENT_FUNCTIONS

STUB_BPE = (PROJECT_ROOT / "exercises" / "bpe.py").read_text(encoding="utf-8")
SOLUTION_BPE = (PROJECT_ROOT / "solutions" / "bpe.py").read_text(encoding="utf-8")
BPE_FUNCTIONS = STUDENT_FUNCTIONS["bpe"]


@pytest.fixture(scope="module")
def handout() -> Handout:
    return Handout.load()


def with_bodies(stub: str, bodies: dict[str, str]) -> str:
    """The stub with the ``raise NotImplementedError`` of each named function replaced by a body."""
    tree = ast.parse(stub)
    lines = stub.splitlines(keepends=True)
    for node in sorted((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in bodies),
                       key=lambda n: -n.lineno):
        last = node.body[-1]
        assert isinstance(last, ast.Raise), node.name
        body = "".join(f"    {line}\n" if line else "\n" for line in bodies[node.name].strip("\n").split("\n"))
        lines[last.lineno - 1:last.end_lineno] = [body]
    return "".join(lines)


# ---------------------------------------------------------------------------------------------
# the students of the class of three
# ---------------------------------------------------------------------------------------------
def solution_body(function: str) -> str:
    """The body of a function of solutions/bpe.py, docstring and solution markers left out, dedented."""
    node = next(n for n in ast.parse(SOLUTION_BPE).body if isinstance(n, ast.FunctionDef) and n.name == function)
    lines = SOLUTION_BPE.splitlines()[node.body[1].lineno - 1:node.end_lineno]
    return textwrap.dedent("\n".join(line for line in lines if "### " not in line))


# ana: the reference's count_pairs, merge_pair and train_bpe (as a student who saw it would hand in)
ANA_TRAIN, ANA_COUNT, ANA_MERGE = (solution_body(f) for f in ("train_bpe", "count_pairs", "merge_pair"))
# ben: ana's train_bpe with every name changed, lines reordered, comments and messages his own;
# his count_pairs and merge_pair are written another way entirely
BEN_TRAIN = '''
history = []   # moved up: the merges learned so far
if n_rounds < 0:
    raise ValueError(f"no negative rounds please: {n_rounds}")
if isinstance(n_rounds, bool) or not isinstance(n_rounds, int):
    raise TypeError(f"want an int here, got {type(n_rounds).__name__}")
corpus = {}
for piece in pretokenize(txt):
    corpus[tuple(piece)] = corpus.get(tuple(piece), 0) + 1
for step in range(n_rounds):
    stats = count_pairs(corpus)
    if not stats:
        break
    top = max(stats, key=stats.get)
    corpus = merge_pair(corpus, top)
    history.append(top)
return history
'''
BEN_COUNT = '''
import collections
_check_words(words)
tally = collections.Counter()
for symbols, freq in words.items():
    index = 0
    while index + 1 < len(symbols):
        tally[(symbols[index], symbols[index + 1])] += freq
        index = index + 1
return dict(tally)
'''
BEN_MERGE = '''
_check_pair(pair)
_check_words(words)
result = {}
joined = pair[0] + pair[1]
for symbols, freq in words.items():
    out, skip = [], False
    for here, after in zip(symbols, symbols[1:] + ("",)):
        if skip:
            skip = False
        elif (here, after) == pair:
            out.append(joined)
            skip = True
        else:
            out.append(here)
    key = tuple(out)
    result[key] = result.get(key, 0) + freq
return result
'''
# cleo: her own train_bpe (no shared idea beyond the lesson), the rest untouched
CLEO_TRAIN = '''
if type(num_merges) is not int:
    raise TypeError("num_merges: int expected")
if num_merges < 0:
    raise ValueError("num_merges: must not be negative")
sequence = [tuple(c) for c in pretokenize(text)]
vocabulary = dict.fromkeys(sequence, 0)
for item in sequence:
    vocabulary[item] += 1
learned = []
while len(learned) < num_merges:
    frequencies = count_pairs(vocabulary)
    if len(frequencies) == 0:
        return learned
    winner, highest = None, 0
    for candidate, seen in frequencies.items():
        if seen > highest:
            winner, highest = candidate, seen
    learned.append(winner)
    vocabulary = merge_pair(vocabulary, winner)
return learned
'''


def ben_source() -> str:
    source = with_bodies(STUB_BPE, {"count_pairs": BEN_COUNT, "merge_pair": BEN_MERGE, "train_bpe": BEN_TRAIN})
    return source.replace("def train_bpe(text: str, num_merges: int)", "def train_bpe(txt: str, n_rounds: int)")


def write_student(class_dir: Path, student: str, files: dict[str, str]) -> Path:
    folder = class_dir / student
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def read_csv(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "similarity.csv").read_text(encoding="utf-8"))))


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["similarity", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------------------------------------
# the pieces, by hand
# ---------------------------------------------------------------------------------------------
def test_renaming_every_variable_changes_no_fingerprint(handout):
    a = with_bodies(STUB_BPE, {"count_pairs": "counts = {}\nfor word, count in words.items():\n"
                                             "    for pair in zip(word, word[1:]):\n"
                                             "        counts[pair] = counts.get(pair, 0) + count\nreturn counts"})
    b = with_bodies(STUB_BPE, {"count_pairs": "tally = {}\nfor w, n in words.items():\n"
                                             "    for bigram in zip(w, w[1:]):\n"
                                             "        tally[bigram] = tally.get(bigram, 0) + n\nreturn tally"})
    pa, pb = handout.fingerprint("bpe", a), handout.fingerprint("bpe", b)
    assert pa.coverage > 0
    assert set(pa.starts) == set(pb.starts)
    match = compare_prints(pa, pb, threshold=0.0, min_tokens=1)
    assert (match.similarity_a, match.similarity_b) == (1.0, 1.0)


def test_equal_fingerprint_sets_shortcut_gives_what_the_full_walk_gives(handout):
    import dataclasses

    source = (PROJECT_ROOT / "solutions" / "lookup.py").read_text(encoding="utf-8")
    a = handout.fingerprint("lookup", source)
    b = handout.fingerprint("lookup", "# another student\n" + source.replace("vocab_size", "n_rows"))
    assert a.signature == b.signature
    walked = compare_prints(a, dataclasses.replace(b, signature=b.signature + 1))   # no shortcut
    assert compare_prints(a, b) == walked
    assert walked.similarity_a == walked.similarity_b == 1.0 and len(walked.functions) >= 5


def test_regions_leave_out_docstrings_signatures_and_given_helpers():
    given = given_names(STUB_BPE, BPE_FUNCTIONS)
    assert given == {"pretokenize", "decode", "_check_words", "_check_pair", "_check_merges"}
    source = with_bodies(STUB_BPE, {"encode": "_check_merges(merges)\nreturn list(text)  # naïve: «one» per char"})
    source += "\n\ndef helper(x):\n    \"\"\"Mine.\"\"\"\n    return x * 2\n"
    regions, note = regions_of(source, BPE_FUNCTIONS, given)
    assert note is None
    texts = {r.name: source[r.start:r.end] for r in regions if r.name}
    # untouched stubs are their raise only; encode is its body exactly (non-ASCII columns included)
    assert texts["encode"] == "_check_merges(merges)\n    return list(text)"
    assert texts["count_pairs"] == "raise NotImplementedError"
    other = [source[r.start:r.end] for r in regions if not r.name]
    assert "def helper(x):\n    \"\"\"Mine.\"\"\"\n    return x * 2" in other
    everything = "".join(source[r.start:r.end] for r in regions)
    assert "def pretokenize" not in everything and "Byte Pair Encoding" not in everything
    assert "def encode" not in everything  # the signature is the stub's


def test_untouched_stub_leaves_no_fingerprint(handout):
    for module in STUDENT_FUNCTIONS:
        stub = (PROJECT_ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8")
        assert handout.fingerprint(module, stub).coverage == 0, module


def test_measure_equals_copydetect_compare_files_where_both_apply():
    """One top-level function, no boilerplate, every k-gram kept: exactly copydetect's numbers."""
    from copydetect import CodeFingerprint, compare_files

    one = "def helper(words):\n" + "\n".join("    " + line for line in ANA_COUNT.strip().splitlines()) + "\n"
    two = "def other(ws):\n" + "\n".join("    " + line for line in BEN_COUNT.strip().splitlines()) + "\n" \
          + one.replace("def helper(words)", "def third(words)").replace("counts", "c")
    ours_a = fingerprint_module(one, BPE_FUNCTIONS, frozenset(), frozenset(), k=15, window=1)
    ours_b = fingerprint_module(two, BPE_FUNCTIONS, frozenset(), frozenset(), k=15, window=1)
    theirs_a = CodeFingerprint("a.py", 15, 1, fp=io.StringIO(one))
    theirs_b = CodeFingerprint("b.py", 15, 1, fp=io.StringIO(two))
    overlap, (sim_a, sim_b), _ = compare_files(theirs_a, theirs_b)
    # copydetect fingerprints the file as one text, k-grams across its two top-level statements
    # included; ours cuts at statements: compare on the first file, which is one statement
    ours = compare_prints(ours_a, ours_b, threshold=0.0, min_tokens=1)
    assert ours_a.coverage == theirs_a.token_coverage
    assert ours.similarity_a == pytest.approx(sim_a)
    assert overlap > 0 and sim_a == pytest.approx(1.0)


# a builtin's name (``ord``, ``len``) is lexed as a builtin and stays visible after filtering, as in
# copydetect: a variable renamed to a builtin is a different token (hypothesis found ``ord``)
IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s) and not keyword.issoftkeyword(s) and s not in dir(builtins)
    and s not in {"self", "cls"})


@settings(max_examples=40, deadline=None)
@given(names=st.lists(IDENT, min_size=4, max_size=4, unique=True))
@example(names=["tally", "w", "n", "bigram"])
def test_property_renamed_copy_is_a_full_match_and_symmetric(handout, names):
    def count_pairs_with(counts: str, word: str, count: str, pair: str) -> str:
        return (f"_check_words(words)\n{counts} = {{}}\nfor {word}, {count} in words.items():\n"
                f"    for {pair} in zip({word}, {word}[1:]):\n"
                f"        {counts}[{pair}] = {counts}.get({pair}, 0) + {count}\nreturn {counts}")

    original = handout.fingerprint("bpe", with_bodies(STUB_BPE, {
        "count_pairs": count_pairs_with("counts", "word", "count", "pair"), "merge_pair": ANA_MERGE}))
    renamed = handout.fingerprint("bpe", with_bodies(STUB_BPE, {
        "count_pairs": count_pairs_with(*names), "merge_pair": ANA_MERGE}))
    forward = compare_prints(original, renamed, threshold=0.0, min_tokens=1)
    backward = compare_prints(renamed, original, threshold=0.0, min_tokens=1)
    assert forward.similarity_a == pytest.approx(backward.similarity_b)
    assert forward.similarity_b == pytest.approx(backward.similarity_a)
    assert forward.tokens_shared == backward.tokens_shared
    # the two differ only by names: after filtering the modules are equal
    assert set(original.starts) == set(renamed.starts)
    assert dict(forward.functions) == {"count_pairs": 1.0, "merge_pair": 1.0}
    assert forward.similarity_a == forward.similarity_b == 1.0


# ---------------------------------------------------------------------------------------------
# the class of three
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def class_of_three(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("three")
    write_student(root, "ana", {"bpe.py": with_bodies(STUB_BPE, {"count_pairs": ANA_COUNT, "merge_pair": ANA_MERGE,
                                                                 "train_bpe": ANA_TRAIN})})
    write_student(root, "ben", {"bpe.py": ben_source()})
    write_student(root, "cleo", {"bpe.py": with_bodies(STUB_BPE, {"train_bpe": CLEO_TRAIN})})
    return root


def test_shared_disguised_function_is_flagged_and_the_own_work_is_not(class_of_three, tmp_path, capsys):
    code, out, err = run_cli(capsys, str(class_of_three), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, err
    rows = read_csv(tmp_path / "out")
    assert [(r["student_a"], r["student_b"], r["module"]) for r in rows] == [("ana", "ben", "bpe")]
    row = rows[0]
    functions = dict(part.rsplit(" ", 1) for part in row["functions"].split("; "))
    assert set(functions) == {"train_bpe"}          # his other functions are his own
    assert float(functions["train_bpe"]) >= THRESHOLD
    # the rest of the module differs, so the module as a whole stays under the threshold
    assert max(float(row["similarity_a"]), float(row["similarity_b"])) < THRESHOLD
    assert int(row["tokens_shared"]) >= MIN_TOKENS
    assert row["shown"] == "similarity.html#pair-1"
    assert "compared 3 submissions (3 pairs" in out and "1 pairs" in out
    assert "never a verdict" in out
    html = (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")
    assert "never a verdict" in html and 'id="pair-1"' in html
    assert "<mark>" in html


def test_same_result_with_two_processes(class_of_three, tmp_path):
    one = check_class(class_of_three, tmp_path / "one", jobs=1)
    two = check_class(class_of_three, tmp_path / "two", jobs=2)
    assert one.flagged == two.flagged and one.comparisons == two.comparisons == 3
    assert (tmp_path / "one" / "similarity.csv").read_text() == (tmp_path / "two" / "similarity.csv").read_text()


def test_stub_only_students_are_not_copies_of_each_other(tmp_path, capsys):
    root = tmp_path / "class"
    stubs = {f"{m}.py": (PROJECT_ROOT / "exercises" / f"{m}.py").read_text(encoding="utf-8")
             for m in STUDENT_FUNCTIONS}
    write_student(root, "s1", stubs)
    write_student(root, "s2", stubs)
    (root / "s3").mkdir()       # the handout's layout: the files in exercises/
    write_student(root / "s3", "exercises", stubs)
    code, out, err = run_cli(capsys, str(root), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, err
    assert read_csv(tmp_path / "out") == []
    assert "compared 3 submissions" in out and ": 0 (pair, module) rows" in out
    assert "No pair reaches the threshold" in (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")


def test_a_notebook_and_a_py_with_the_same_code_are_flagged(tmp_path, capsys):
    root = tmp_path / "class"
    write_student(root, "pyfan", {"bpe.py": SOLUTION_BPE})
    notebook = nbformat.v4.new_notebook()
    # the same code, cut into cells the way a notebook user would, with a magic that is dropped
    parts = SOLUTION_BPE.split("\ndef ")
    notebook.cells = [nbformat.v4.new_code_cell("%load_ext autoreload")] + \
        [nbformat.v4.new_code_cell(parts[0])] + [nbformat.v4.new_code_cell("def " + p) for p in parts[1:]]
    write_student(root, "nbfan", {"bpe.ipynb": nbformat.writes(notebook)})
    write_student(root, "own", {"bpe.py": with_bodies(STUB_BPE, {"train_bpe": CLEO_TRAIN})})
    code, out, err = run_cli(capsys, str(root), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, err
    rows = read_csv(tmp_path / "out")
    assert [(r["student_a"], r["student_b"], r["module"]) for r in rows] == [("nbfan", "pyfan", "bpe")]
    assert float(rows[0]["similarity_a"]) == pytest.approx(1.0) and float(rows[0]["similarity_b"]) == pytest.approx(1.0)


def test_malformed_submissions_are_skipped_with_a_line(class_of_three, tmp_path, capsys):
    root = tmp_path / "class"
    for student in ("ana", "ben"):
        write_student(root, student, {"bpe.py": (class_of_three / student / "bpe.py").read_text()})
    (root / "notes.txt").write_text("not a submission")
    (root / "bad id!").mkdir()
    (root / "broken.zip").write_bytes(b"PK\x03\x04 this is no zip")
    write_student(root, "twice", {"bpe.py": SOLUTION_BPE})
    with zipfile.ZipFile(root / "twice.zip", "w") as archive:
        archive.writestr("bpe.py", SOLUTION_BPE)
    write_student(root, "empty", {"notes.md": "I ran out of time"})
    with zipfile.ZipFile(root / "sneaky.zip", "w") as archive:
        archive.writestr("../bpe.py", SOLUTION_BPE)
    code, out, err = run_cli(capsys, str(root), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, err
    skipped = {line.split(":", 1)[0].removeprefix("  skipped "): line for line in out.splitlines()
               if line.startswith("  skipped ")}
    assert set(skipped) == {"notes.txt", "bad id!", "broken.zip", "twice, twice.zip", "empty", "sneaky.zip"}
    assert "neither a folder nor a .zip" in skipped["notes.txt"]
    assert "not a valid student ID" in skipped["bad id!"]
    assert "not a readable zip" in skipped["broken.zip"]
    assert "will not guess" in skipped["twice, twice.zip"]
    assert "no exercise files found" in skipped["empty"]
    assert "unsafe member path" in skipped["sneaky.zip"]
    assert "compared 2 submissions" in out and "6 entries skipped" in out
    assert [(r["student_a"], r["student_b"]) for r in read_csv(tmp_path / "out")] == [("ana", "ben")]
    html = (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")
    assert "Not compared" in html and "bad id!" in html


def test_submission_code_is_escaped_in_the_page(tmp_path):
    """Hostile code, shared and not shared, never becomes markup in similarity.html."""
    payload = ('banner = "</code></pre><script>alert(1)</script><img src=x onerror=alert(2)>"\n'
               'for _ in range(3):\n    print(banner, "<b>", banner.upper(), banner.lower())\n')
    body = ANA_TRAIN + "\n# </pre><script>alert('comment')</script>\n"
    root = tmp_path / "class"
    write_student(root, "x1", {"bpe.py": with_bodies(STUB_BPE, {"train_bpe": body}) + payload})
    write_student(root, "x2", {"bpe.py": with_bodies(STUB_BPE, {"train_bpe": ANA_TRAIN}) + payload
                               + "\n# <iframe src=evil>\n"})
    summary = check_class(root, tmp_path / "out", jobs=1)
    assert summary.pages == 1
    html = (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "<iframe" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;iframe src=evil&gt;" in html          # a part that is not shared, escaped too


def test_unhighlighted_code_is_escaped_too():
    from grader.overlap.report import highlighted_code

    handout = Handout.load()
    source = with_bodies(STUB_BPE, {"encode": 'return "<script>x</script>"'})
    html = highlighted_code(handout.fingerprint("bpe", source, details=True), source, shared=set())
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_formula_looking_ids_are_quoted_in_the_csv(tmp_path, capsys):
    root = tmp_path / "class"
    write_student(root, "=cmd", {"bpe.py": SOLUTION_BPE})        # not a valid ID: skipped
    write_student(root, "@sum", {"bpe.py": SOLUTION_BPE})
    write_student(root, "-rm", {"bpe.py": SOLUTION_BPE})
    code, out, err = run_cli(capsys, str(root), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, err
    rows = read_csv(tmp_path / "out")
    assert [(r["student_a"], r["student_b"]) for r in rows] == [("'-rm", "'@sum")]
    assert "skipped =cmd" in out


def test_output_is_replaced_whole_and_reruns_agree(class_of_three, tmp_path):
    out = tmp_path / "out"
    check_class(class_of_three, out, jobs=1)
    first = (out / "similarity.csv").read_bytes()
    check_class(class_of_three, out, jobs=1)
    assert (out / "similarity.csv").read_bytes() == first
    assert sorted(p.name for p in out.iterdir()) == ["similarity.csv", "similarity.html"]


# ---------------------------------------------------------------------------------------------
# the command line's errors: one line, exit 2
# ---------------------------------------------------------------------------------------------
def test_without_the_detector_one_line_says_how_to_install(class_of_three, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "copydetect", None)
    monkeypatch.setitem(sys.modules, "copydetect.utils", None)
    code, out, err = run_cli(capsys, str(class_of_three), "--out", str(tmp_path / "out"))
    assert code == 2
    assert err.count("\n") == 1 and "pip install 'embedlab[similarity]'" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, message", [
    (["{missing}", "--out", "{out}"], "no such folder"),
    (["{file}", "--out", "{out}"], "is a file, not a folder"),
    (["{cls}", "--out", "{cls}/inside"], "may not go inside the submissions folder"),
    (["{cls}", "--out", "{out}", "--threshold", "1.5"], "at most 1"),
    (["{cls}", "--out", "{out}", "--threshold", "x"], "expected a number"),
    (["{cls}", "--out", "{out}", "--handout", "{missing}"], "--handout"),
])
def test_bad_usage_is_one_line_and_exit_2(class_of_three, tmp_path, capsys, args, message):
    (tmp_path / "a-file").write_text("x")
    fill = {"missing": tmp_path / "nope", "file": tmp_path / "a-file", "out": tmp_path / "out", "cls": class_of_three}
    code, out, err = run_cli(capsys, *(a.format(**fill) for a in args))
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_max_pages_limits_the_page_never_the_csv(tmp_path, capsys):
    root = tmp_path / "class"
    for student in ("p1", "p2", "p3"):
        write_student(root, student, {"bpe.py": SOLUTION_BPE})
    code, out, err = run_cli(capsys, str(root), "--out", str(tmp_path / "out"), "--jobs", "1", "--max-pages", "1")
    assert code == 0, err
    rows = read_csv(tmp_path / "out")
    assert [(r["student_a"], r["student_b"]) for r in rows] == [("p1", "p2"), ("p1", "p3"), ("p2", "p3")]
    assert [r["shown"] for r in rows] == ["similarity.html#pair-1", "", ""]
    html = (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")
    assert 'id="pair-1"' in html and 'id="pair-2"' not in html and "2 more in the CSV only" in html


def test_the_class_report_gets_a_similarity_section(class_of_three, tmp_path):
    """`embedlab similarity` into the graded folder: `embedlab report` summarises it, escaped."""
    from grader.grading.engine import grade_class
    from grader.report.build import build_report
    from grader.sandbox import Limits

    out = tmp_path / "graded"
    grade_class(class_of_three, out, jobs=1, limits=Limits())
    page = (build_report(out, feedback_pages=False), (out / "report.html").read_text(encoding="utf-8"))[1]
    assert 'id="similarity"' not in page          # no similarity run yet: no section
    check_class(class_of_three, out, jobs=1)
    build_report(out, feedback_pages=False)
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="similarity">'):]
    section = section[:section.index("</section>")]
    assert "never a verdict" in section and "1 flagged (pair, module) rows, 1 pairs" in section
    assert "<td>ana</td><td>ben</td><td>bpe</td>" in section and 'href="similarity.html"' in section
