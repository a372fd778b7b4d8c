"""Write ``examples/class/``: a small, realistic class to grade (the README's main job).

Every submission is made from the reference solutions or the generated stubs with one kind of
change, so the folder stays right when the solutions change: run this script again
(``python examples/make_class.py``); a test checks that the committed folder is what it writes.

    alice     everything right, all quizzes answered            -> full marks
    bob       the untouched stubs                               -> 0, "not attempted"
    carol     BPE tie-break by alphabet; negative IDs wrap      -> loses bpe and lookup points
    dave      only bpe and lookup done                          -> partial
    erin      skipgram.softmax kills the interpreter (os._exit) -> its cases crash, the rest graded
    frank     train_bpe never stops when the pairs run out        -> time limit on those cases
    grace     a syntax error in similarity.py                   -> similarity 0 with the line named
    heidi.zip everything right, zipped inside a subfolder       -> full marks
    ivan      bpe as a Jupyter notebook with magics             -> full marks on bpe, magics dropped
    judy      train_skipgram eats memory                        -> memory limit on its cases
    mallory   hostile: snoops, writes, floods output, networks  -> graded like a correct one
    oscar     unstable softmax; embed_text sums (no mean)       -> loses those points
    peggy     `import bpe` instead of `from . import bpe`       -> full marks
    README.txt, .DS_Store                                       -> skipped and reported
"""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("bpe", "lookup", "skipgram", "similarity", "pipeline")


def source(kind: str, module: str) -> str:
    return (ROOT / kind / f"{module}.py").read_text(encoding="utf-8")


def patch(text: str, old: str, new: str) -> str:
    if old not in text:
        raise SystemExit(f"make_class: the text to patch is no longer in the solutions: {old!r}")
    return text.replace(old, new, 1)


def solutions(**changes: str) -> dict[str, str]:
    files = {f"{m}.py": source("solutions", m) for m in MODULES}
    files.update(changes)
    return files


def answers(which: str, student: str) -> str | None:
    """answers.yaml from the quizzes' keys (numbers drawn for ``student``): all, or every other quiz."""
    sys.path.insert(0, str(ROOT))
    try:
        from grader.quiz import key_answers, load_quizzes
    except ImportError:
        return None
    quizzes = load_quizzes(ROOT / "quizzes")
    data = {}
    for n, quiz in enumerate(quizzes):
        if which == "some" and n % 2:
            continue
        data[quiz.id] = key_answers(quiz, student_id=student)
    import yaml
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


HOSTILE_PRELUDE = '''\
# A hostile submission: everything below runs inside the sandbox and must change nothing.
import os as _os, socket as _socket, subprocess as _subprocess
for _path in ("../../solutions/bpe.py", "/root", _os.path.expanduser("~")):
    try:
        print("snooped", _path, _os.listdir(_path) if _os.path.isdir(_path) else open(_path).read()[:80])
    except OSError as _exc:
        print("blocked", _path, type(_exc).__name__)
try:
    open("/tmp/embedlab-was-here", "w").write("pwned")
except OSError:
    pass
try:
    _socket.create_connection(("127.0.0.1", 22), timeout=1)
except OSError:
    pass
try:
    _subprocess.Popen(["sleep", "1000"], start_new_session=True)
except OSError:
    pass
print("x" * 5_000_000)
print(dict(_os.environ))
'''


def notebook(cells: list[tuple[str, str]]) -> str:
    return json.dumps({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [{"cell_type": kind, "id": f"cell{i}", "metadata": {}, "source": text,
                   **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                  for i, (kind, text) in enumerate(cells)],
    }, indent=1) + "\n"


def build() -> dict[str, dict[str, str]]:
    stubs = {f"{m}.py": source("exercises", m) for m in MODULES}
    bpe, lookup, skipgram = source("solutions", "bpe"), source("solutions", "lookup"), source("solutions", "skipgram")
    pipeline = source("solutions", "pipeline")
    students: dict[str, dict[str, str]] = {
        "alice": solutions(),
        "bob": dict(stubs),
        "carol": solutions(**{
            "bpe.py": patch(bpe, "best = max(counts, key=counts.get)",
                            "best = max(sorted(counts), key=counts.get)"),
            "lookup.py": patch(lookup, "bad = ids[(ids < 0) | (ids >= E.shape[0])]",
                               "bad = ids[ids >= E.shape[0]]"),
        }),
        "dave": {**stubs, "bpe.py": bpe, "lookup.py": lookup},
        "erin": solutions(**{"skipgram.py": patch(skipgram, "    x = _float_array(x, \"x\")\n",
                                                  "    import os\n    os._exit(3)\n")}),
        "frank": solutions(**{"bpe.py": patch(patch(bpe, "    for _ in range(num_merges):\n",
                                                    "    while len(merges) < num_merges:\n"),
                                              "        if not counts:\n            break\n",
                                              "        if not counts:\n            continue\n")}),
        "grace": solutions(**{"similarity.py": source("solutions", "similarity").replace(
            "def top_k(", "def top_k(:", 1)}),
        "judy": solutions(**{"skipgram.py": patch(skipgram, "    pairs = skipgram_pairs(token_ids, window)\n",
                                                  "    hog = np.ones((1 << 16, 1 << 15))  # every pair at once: 16 GiB\n")}),
        "mallory": solutions(**{"bpe.py": patch(bpe, "from __future__ import annotations\n",
                                                "from __future__ import annotations\n" + HOSTILE_PRELUDE)}),
        "oscar": solutions(**{
            "skipgram.py": patch(skipgram, "z = np.exp(x - np.max(x, axis=-1, keepdims=True))", "z = np.exp(x)"),
            "pipeline.py": patch(pipeline, "return np.mean(rows, axis=0, dtype=np.float64)",
                                 "return np.sum(rows, axis=0, dtype=np.float64)"),
        }),
        "peggy": solutions(**{f"{m}.py": source("solutions", m).replace("from . import", "import")
                              for m in MODULES}),
    }
    bpe_cells = [("markdown", "# Byte Pair Encoding\nMy notebook for the bpe exercise."),
                 ("code", "%load_ext autoreload\n%autoreload 2"), ("code", bpe), ("code", "!ls")]
    students["ivan"] = {**{k: v for k, v in solutions().items() if k != "bpe.py"},
                        "bpe.ipynb": notebook(bpe_cells)}
    for name in students:
        which = "all" if name in ("alice", "mallory", "peggy", "ivan") else (
            "some" if name in ("carol", "dave", "oscar") else None)
        text = answers(which, name) if which else None
        if text is not None:
            students[name]["answers.yaml"] = text
    return students


def write(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for student, files in build().items():
        for name, text in files.items():
            path = target / student / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    heidi = solutions()
    if answers("all", "heidi") is not None:
        heidi["answers.yaml"] = answers("all", "heidi")
    with zipfile.ZipFile(target / "heidi.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(heidi.items()):
            info = zipfile.ZipInfo(f"homework/{name}", date_time=(2026, 11, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    (target / "README.txt").write_text("Submissions exported from the course page on 2026-11-20.\n")
    (target / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "class")
