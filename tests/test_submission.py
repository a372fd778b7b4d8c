"""Reading a class folder: every way a submission can be malformed gets a clear message (SPEC 7)."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from grader.grading.submission import (MAX_FILE_BYTES, MAX_ZIP_MEMBERS, list_class, read_submission)

MODULES = ("bpe", "lookup", "skipgram", "similarity", "pipeline")


def write_folder(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def write_zip(path: Path, files: dict[str, str | bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def full(prefix: str = "") -> dict[str, str]:
    return {f"{prefix}{m}.py": f"# {m}\nX = '{m}'\n" for m in MODULES} | {f"{prefix}answers.yaml": "tokens: {}\n"}


def read_one(class_dir: Path, student: str):
    listing = list_class(class_dir)
    return read_submission(student, listing.entries[student])


def test_a_complete_folder_is_read_as_it_is(tmp_path):
    write_folder(tmp_path / "alice", full())
    sub = read_one(tmp_path, "alice")
    assert sub.error is None
    assert sub.modules == {m: f"# {m}\nX = '{m}'\n" for m in MODULES}
    assert sub.answers == "tokens: {}\n"
    assert sub.notes == []
    assert len(sub.files_hash) == 64


def test_files_in_one_subfolder_are_found(tmp_path):
    write_folder(tmp_path / "bob", full("homework/"))
    sub = read_one(tmp_path, "bob")
    assert set(sub.modules) == set(MODULES) and sub.answers is not None


def test_hash_follows_content_not_mtime(tmp_path):
    write_folder(tmp_path / "a", full())
    first = read_one(tmp_path, "a").files_hash
    os.utime(tmp_path / "a" / "bpe.py", (1, 1))
    assert read_one(tmp_path, "a").files_hash == first
    (tmp_path / "a" / "bpe.py").write_text("changed\n")
    assert read_one(tmp_path, "a").files_hash != first


def test_invalid_ids_and_stray_files_are_skipped_and_reported(tmp_path):
    write_folder(tmp_path / "ok.student@uni", full())
    write_folder(tmp_path / ".hidden", full())
    write_folder(tmp_path / "bad id!", full())
    write_folder(tmp_path / ("x" * 65), full())
    (tmp_path / "notes.txt").write_text("hi")
    listing = list_class(tmp_path)
    assert list(listing.entries) == ["ok.student@uni"]
    assert sorted(name for name, _ in listing.skipped) == sorted([".hidden", "bad id!", "x" * 65, "notes.txt"])
    assert all(reason for _, reason in listing.skipped)


def test_folder_and_zip_with_the_same_id_are_both_refused(tmp_path):
    write_folder(tmp_path / "carol", full())
    write_zip(tmp_path / "carol.zip", full())
    sub = read_one(tmp_path, "carol")
    assert sub.error and "carol" in sub.error and "carol.zip" in sub.error
    assert sub.modules == {}


def test_missing_module_is_named(tmp_path):
    files = full()
    del files["skipgram.py"]
    write_folder(tmp_path / "dave", files)
    sub = read_one(tmp_path, "dave")
    assert "skipgram" not in sub.modules
    assert any("skipgram.py is missing" in n for n in sub.notes)


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.write_bytes(b"x" * (MAX_FILE_BYTES + 1)), "larger than"),
    (lambda p: p.write_bytes(b"caf\xe9 = 1\n"), "not UTF-8"),
    (lambda p: p.symlink_to("/etc/passwd"), "symbolic link"),
    (lambda p: os.mkfifo(p), "not a regular file"),
])
def test_unreadable_files_count_as_missing_with_the_reason(tmp_path, make, reason):
    files = full()
    del files["bpe.py"]
    folder = write_folder(tmp_path / "erin", files)
    make(folder / "bpe.py")
    sub = read_one(tmp_path, "erin")
    assert "bpe" not in sub.modules
    assert any("bpe.py" in n and reason in n for n in sub.notes), sub.notes


def test_a_zip_is_read_in_memory(tmp_path):
    write_zip(tmp_path / "frank.zip", full("frank/"))
    sub = read_one(tmp_path, "frank")
    assert sub.error is None and set(sub.modules) == set(MODULES)


@pytest.mark.parametrize("members, links, reason", [
    ({"../evil.py": "x"}, None, "unsafe member"),
    ({"/abs/bpe.py": "x"}, None, "unsafe member"),
    ({"a/../../bpe.py": "x"}, None, "unsafe member"),
    ({}, {"bpe.py": "/etc/passwd"}, "link"),
    ({f"f{i}.txt": "" for i in range(MAX_ZIP_MEMBERS + 1)}, None, "members"),
])
def test_unsafe_zips_are_refused_whole(tmp_path, members, links, reason):
    write_zip(tmp_path / "grace.zip", members, links)
    sub = read_one(tmp_path, "grace")
    assert sub.error and reason in sub.error
    assert not (tmp_path / "evil.py").exists() and not (tmp_path.parent / "evil.py").exists()


def test_a_zip_bomb_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(3):
            archive.writestr(f"pad{i}.bin", b"\0" * (8 << 20))
    (tmp_path / "heidi.zip").write_bytes(buffer.getvalue())
    sub = read_one(tmp_path, "heidi")
    assert sub.error and "MiB" in sub.error


def test_a_corrupt_zip_is_refused(tmp_path):
    (tmp_path / "ivan.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    sub = read_one(tmp_path, "ivan")
    assert sub.error and "not a readable zip" in sub.error


def notebook(cells: list[tuple[str, str, dict]]) -> str:
    return json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": kind, "id": f"c{i}", "metadata": meta, "source": src,
                   **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                  for i, (kind, src, meta) in enumerate(cells)],
    })


def test_a_module_notebook_gives_its_code_cells_without_magics(tmp_path):
    nb = notebook([("markdown", "# BPE", {}), ("code", "%matplotlib inline\nimport re\n!ls\nX = 1", {}),
                   ("code", "Y = 2", {})])
    files = full()
    del files["bpe.py"]
    write_folder(tmp_path / "judy", files | {"bpe.ipynb": nb})
    sub = read_one(tmp_path, "judy")
    assert sub.modules["bpe"] == "import re\nX = 1\n\nY = 2\n"
    assert any("2 IPython magic" in n for n in sub.notes)
    assert any("bpe was taken from bpe.ipynb" in n for n in sub.notes)


def test_py_file_wins_over_notebook_and_says_so(tmp_path):
    write_folder(tmp_path / "ken", full() | {"bpe.ipynb": notebook([("code", "X = 'nb'", {})])})
    sub = read_one(tmp_path, "ken")
    assert sub.modules["bpe"] == "# bpe\nX = 'bpe'\n"
    assert any("bpe.py counts" in n for n in sub.notes)


def test_combined_notebook_cells_follow_their_metadata_and_skip_test_cells(tmp_path):
    nb = notebook([
        ("code", "A = 'bpe'", {"embedlab": {"module": "bpe"}}),
        ("code", "B = 'lookup'", {"embedlab": {"module": "lookup"}}),
        ("code", "assert False", {"embedlab": {"module": "bpe"}, "nbgrader": {"grade": True, "solution": False}}),
        ("code", "stray = 1", {}),
    ])
    write_folder(tmp_path / "lena", {"embeddings.ipynb": nb})
    sub = read_one(tmp_path, "lena")
    assert sub.modules == {"bpe": "A = 'bpe'\n", "lookup": "B = 'lookup'\n"}


def test_a_broken_notebook_is_named(tmp_path):
    write_folder(tmp_path / "max", {"bpe.ipynb": "{not json"})
    sub = read_one(tmp_path, "max")
    assert "bpe" not in sub.modules
    assert any("bpe.ipynb" in n and "not a valid Jupyter notebook" in n for n in sub.notes)


def test_other_files_are_never_taken(tmp_path):
    write_folder(tmp_path / "nina", full() | {"numpy/__init__.py": "raise SystemExit", "conftest.py": "x",
                                              "sitecustomize.py": "x", "evil.pth": "import os"})
    sub = read_one(tmp_path, "nina")
    assert set(sub.modules) == set(MODULES)
