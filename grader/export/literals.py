"""Values written back as Python source, exactly: what frozen test code is made of.

``render(value)`` gives source that evaluates to an equal value of the same types, floats to the
bit, in a namespace with ``np`` (NumPy) and the notebook checks' ``named`` and ``packed_array``::

    render({("l", "o"): 4})                    -> "{('l', 'o'): 4}"
    render(np.array([0.5, -1.0]))              -> "np.array([0.5, -1.0])"
    render(np.float32(0.1))                    -> "np.float32(0.10000000149011612)"
    render(np.zeros((200, 3)))                 -> "packed_array('<f8', (200, 3), 'eJz...')"

Long values are laid out over several lines, one item a line. ``alias(value)`` may name a value
by an expression instead (the cases' ``random_matrix(11, (7, 3))``); it is asked first, at every
level. Values that have no source form (objects of other types) raise :class:`Unrenderable`.
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ..sandbox.wire import NamedFunction

#: arrays with more elements than this are packed (exact, but unreadable anyway)
MAX_LITERAL_ELEMENTS = 64
WIDTH = 100
INDENT = "    "
#: items of a long container up to this long share lines, longer ones get a line each
SHORT_ITEM = 40


class Unrenderable(ValueError):
    """A value that cannot be written as Python source."""


def render(value: Any, *, alias: Callable[[Any], str | None] | None = None, indent: int = 0,
           width: int = WIDTH) -> str:
    """Python source for ``value`` (see the module docstring)."""
    return _Renderer(alias, width).render(value, indent)


class _Renderer:
    def __init__(self, alias: Callable[[Any], str | None] | None, width: int) -> None:
        self.alias = alias
        self.width = width

    def render(self, value: Any, indent: int) -> str:
        if self.alias is not None:
            named = self.alias(value)
            if named is not None:
                return named
        flat = self.flat(value)
        if len(flat) + len(INDENT) * indent <= self.width or not isinstance(value, (list, tuple, dict, set,
                                                                                   frozenset, np.ndarray)):
            return flat
        return self.broken(value, indent)

    # --- one line -----------------------------------------------------------------------------
    def flat(self, value: Any) -> str:
        if self.alias is not None:
            named = self.alias(value)
            if named is not None:
                return named
        if value is None or type(value) in (bool, str):
            return repr(value)
        if type(value) is int:
            return repr(value)
        if type(value) is float:
            return _float(value)
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, np.generic):
            return _scalar(value)
        if isinstance(value, NamedFunction):
            params = ", ".join(f"{k}={self.flat(v)}" for k, v in value.params.items())
            return f"named({value.name!r}{', ' if params else ''}{params})"
        if type(value) is list:
            return "[" + ", ".join(self.flat(v) for v in value) + "]"
        if type(value) is tuple:
            inner = ", ".join(self.flat(v) for v in value)
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if type(value) is dict:
            return "{" + ", ".join(f"{self.flat(k)}: {self.flat(v)}" for k, v in value.items()) + "}"
        if type(value) in (set, frozenset):
            items = sorted((self.flat(v) for v in value))
            body = "{" + ", ".join(items) + "}" if items else "()"
            if type(value) is frozenset:
                return f"frozenset({body})" if items else "frozenset()"
            return body if items else "set()"
        raise Unrenderable(f"a {type(value).__name__} has no source form: {value!r:.80}")

    def array(self, value: np.ndarray) -> str:
        kind = value.dtype.kind
        if kind not in "biuf":
            raise Unrenderable(f"an array of dtype {value.dtype} has no source form")
        dtype = _dtype_source(value.dtype)
        if value.size > MAX_LITERAL_ELEMENTS:
            packed = base64.b64encode(zlib.compress(np.ascontiguousarray(value).tobytes(), 9)).decode("ascii")
            return f"packed_array({value.dtype.str!r}, {tuple(value.shape)!r}, {packed!r})"
        if value.size == 0:
            return f"np.zeros({tuple(value.shape)!r}{', dtype=' + dtype if dtype else ''})"
        if value.ndim == 0:
            return f"np.array({_element(value[()])}{', dtype=' + dtype if dtype else ''})"
        body = _nested(value)
        return f"np.array({body}{', dtype=' + dtype if dtype else ''})"

    # --- several lines ------------------------------------------------------------------------
    def broken(self, value: Any, indent: int) -> str:
        pad, inner = INDENT * indent, INDENT * (indent + 1)
        if isinstance(value, np.ndarray):
            if value.ndim < 2 or value.size > MAX_LITERAL_ELEMENTS:
                return self.flat(value)
            dtype = _dtype_source(value.dtype)
            rows = [inner + _nested(row) + "," for row in value]
            return "np.array([\n" + "\n".join(rows) + f"\n{pad}]{', dtype=' + dtype if dtype else ''})"
        if type(value) in (set, frozenset):
            return self.flat(value)
        if type(value) is dict:
            open_, close = "{", "}"
            flat = [f"{self.flat(k)}: {self.flat(v)}" for k, v in value.items()]
        else:
            open_, close = ("[", "]") if type(value) is list else ("(", ")")
            flat = [self.flat(v) for v in value]
        if all(len(item) <= SHORT_ITEM for item in flat):
            items = self.filled(flat, inner)     # short items: filled into lines like text
        elif type(value) is dict:
            items = [f"{inner}{self.render(k, indent + 1)}: {self.render(v, indent + 1)},"
                     for k, v in value.items()]
        else:
            items = [f"{inner}{self.render(v, indent + 1)}," for v in value]
        return open_ + "\n" + "\n".join(items) + f"\n{pad}{close}"

    def filled(self, items: list[str], inner: str) -> list[str]:
        lines, line = [], inner
        for text in (item + "," for item in items):
            if line.strip() and len(line) + 1 + len(text) > self.width:
                lines.append(line)
                line = inner
            line += (" " if line.strip() else "") + text
        return lines + [line]


def _float(x: float) -> str:
    if math.isnan(x):
        return "float('nan')"
    if math.isinf(x):
        return "float('inf')" if x > 0 else "-float('inf')"
    return repr(x)


def _element(x: Any) -> str:
    """One array element (float64 text is exact for float16/32 too)."""
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    if isinstance(x, (np.integer, int)):
        return repr(int(x))
    value = float(x)
    if math.isnan(value):
        return "np.nan"
    if math.isinf(value):
        return "np.inf" if value > 0 else "-np.inf"
    return repr(value)


def _nested(value: np.ndarray) -> str:
    if value.ndim == 1:
        return "[" + ", ".join(_element(x) for x in value) + "]"
    return "[" + ", ".join(_nested(row) for row in value) + "]"


def _dtype_source(dtype: np.dtype) -> str:
    """``dtype=`` text when NumPy would not infer it from the literal (float64 and bool it does)."""
    if dtype == np.float64 or dtype == np.bool_:
        return ""
    if not dtype.isnative:
        return repr(dtype.str)
    return f"np.{dtype.name}"


def _scalar(x: np.generic) -> str:
    name = "bool_" if isinstance(x, np.bool_) else type(x).__name__
    return f"np.{name}({_element(x)})"
