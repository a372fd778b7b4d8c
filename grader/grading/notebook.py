"""Notebook submissions: the code cells of a notebook become a module's source.

Only code cells are taken. A cell says which module it belongs to in its metadata
(``metadata.embedlab.module``, which ``embedlab export nbgrader`` writes); in a notebook named after a
module (``bpe.ipynb``) cells without that metadata belong to that module. Autograder test cells of an
nbgrader notebook (``metadata.nbgrader.grade`` true and not a solution cell) are never taken: they are
the instructor's, not the student's. Lines that are IPython magics or shell escapes (``%``, ``!``)
cannot run as plain Python and are dropped; the caller tells the student how many.
"""

from __future__ import annotations

import warnings

from ..paths import EXERCISE_MODULES


class NotebookError(ValueError):
    """The text is not a notebook embedlab can read."""


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def modules_from_notebook(text: str, default_module: str | None = None) -> tuple[dict[str, str], int]:
    """Return ``({module: source}, number of dropped magic lines)`` for a notebook's JSON text."""
    import nbformat  # imported here: reading .py submissions never pays for it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises many kinds (JSON, schema, version)
        raise NotebookError(f"not a valid Jupyter notebook ({type(exc).__name__})") from None
    chunks: dict[str, list[str]] = {}
    dropped = 0
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code" or _is_test_cell(cell):
            continue
        module = cell.get("metadata", {}).get("embedlab", {}).get("module", default_module)
        if module not in EXERCISE_MODULES:
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        kept = []
        for line in source.splitlines():
            if line.lstrip().startswith(("%", "!")):
                dropped += 1
            else:
                kept.append(line)
        chunks.setdefault(module, []).append("\n".join(kept))
    return {m: _future_first("\n\n".join(parts) + "\n") for m, parts in chunks.items()}, dropped


def _future_first(source: str) -> str:
    """Move ``from __future__`` imports to the top: Jupyter allows them in any cell, a module does not
    (a student's scratch cell above the module's first cell must not make the whole module fail)."""
    lines = source.splitlines()
    future = [line for line in lines if line.startswith("from __future__ import ")]
    if not future:
        return source
    return "\n".join(future + [line for line in lines if not line.startswith("from __future__ import ")]) + "\n"
