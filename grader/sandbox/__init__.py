"""The sandbox room: running untrusted student code, and nothing else.

Three parts (the design is documented at the top of :mod:`grader.sandbox.zygote`):

- the judge side, :mod:`grader.sandbox.zygote`: :class:`Zygote` starts one warm interpreter and
  forks a :class:`Child` per submission; :class:`Limits` caps each call, :class:`Outcome` is what a
  call ended as;
- the child side, :mod:`grader.sandbox.child` (started as ``python -c "from grader.sandbox.child
  import zygote_main; ..."``): confines itself, loads a submission's modules, serves calls;
- the wire between them, :mod:`grader.sandbox.wire`: tagged JSON frames, never pickle.

May import: the standard library, numpy, and the base layer (:mod:`grader.paths`,
:mod:`grader.errors`). Never grading, casekit, quiz, student, authoring or export: the child
imports this package, and nothing of the grader's decisions may be importable in it.

The names below are loaded on first use, so that the child, which imports only the child side,
never loads the judge side (``from grader.sandbox import Limits, Zygote`` works as usual).
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the module of this room that defines it
_PUBLIC = {name: "zygote" for name in (
    "Child", "KINDS", "Limits", "Outcome", "SandboxError", "Zygote", "default_hide",
    "sandbox_environment", "why_unsandboxed")}
_PUBLIC.update({"FUNCTIONS": "child", "make_function": "child"})

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'grader.sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
