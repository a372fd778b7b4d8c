"""Plain data across the sandbox wall: a tagged-JSON encoding the judge can decode safely.

The judge never unpickles anything that a student's process produced: ``pickle`` runs code while
loading, so a hostile child could take over the judge. Everything that crosses between the judge
and a child is JSON, with a few tags for the types the exercises need:

======================  =============================================================
Python value            JSON
======================  =============================================================
None, bool, int, str    themselves
float                   itself (NaN and infinities as JSON's NaN / Infinity)
list                    a JSON list
tuple                   ``{"$t": [...]}``
dict                    ``{"$d": [[key, value], ...]}`` (keys may be tuples)
set / frozenset         ``{"$set": [...]}``
numpy.ndarray           ``{"$a": [dtype, shape, base64 bytes]}`` (bool, int, uint, float)
numpy scalar            ``{"$s": [dtype, base64 bytes]}``
NamedFunction           ``{"$f": [name, params]}`` (a function known to the child's runtime)
anything else           ``{"$o": [type name, short repr]}`` decoded as :class:`Opaque`
======================  =============================================================

:func:`decode` checks every tag, dtype, shape and byte count and rejects anything else with
:class:`WireError`; it never builds an object of a type the sender chose. On a socket each
message is a frame: :data:`FRAME_HEADER` (the body's length, little-endian uint32) and the body;
the sandbox's envelopes are JSON objects whose value fields are trees for :func:`from_plain`.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: dtypes that may cross the wire (numpy ``dtype.str`` spellings, little- or big-endian).
_ARRAY_KINDS = frozenset("biuf")
#: nesting deeper than this is refused (a student could return a list nested 10**6 deep).
MAX_DEPTH = 64
#: one message larger than this is refused (arrays of the exercises are tiny).
MAX_MESSAGE_BYTES = 64 << 20
#: a dtype spelling that may cross: byte order, kind, item size ("<f8", "|b1", "<i4", ...)
_DTYPE_SPELLING = re.compile(r"[<>|=]?[biuf][0-9]{1,2}")
#: messages on a socket are framed: this header (the body's length) and then the body
FRAME_HEADER = struct.Struct("<I")


class WireError(ValueError):
    """A message that is not well-formed plain data."""


@dataclass(frozen=True)
class Opaque:
    """A value of a type that cannot cross the wire; kept as its type name and a short repr."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


@dataclass(frozen=True)
class NamedFunction:
    """A function the child builds from its own registry (``grader.sandbox.child.FUNCTIONS``)."""

    name: str
    params: dict = field(default_factory=dict)

    def __hash__(self) -> int:  # params is a dict; hash by name only
        return hash(self.name)


def _short_repr(value: Any, limit: int = 200) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a hostile __repr__ must not break encoding
        text = f"<repr failed: {type(exc).__name__}>"
    if not isinstance(text, str):
        text = "<repr is not a string>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_name(value: Any) -> str:
    cls = type(value)
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', '?')}"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def to_plain(value: Any, depth: int = 0) -> Any:
    """Turn ``value`` into a JSON-ready tree (used on both sides)."""
    if depth > MAX_DEPTH:
        raise WireError(f"data nested deeper than {MAX_DEPTH} levels")
    # Exact type checks first: a subclass of a builtin is reduced to its builtin content,
    # so an overridden __eq__, __iter__ or __repr__ never reaches the judge.
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return value
    if type(value) is float:
        return value
    if isinstance(value, np.ndarray):
        arr = np.asarray(value)  # drops ndarray subclasses
        if arr.dtype.kind not in _ARRAY_KINDS:
            return {"$o": [f"numpy.ndarray[{arr.dtype}]", _short_repr(arr)]}
        arr = np.ascontiguousarray(arr).view(np.ndarray)
        return {"$a": [arr.dtype.str, list(arr.shape), _b64(arr.tobytes())]}
    if isinstance(value, np.generic):
        if value.dtype.kind not in _ARRAY_KINDS:
            return {"$o": [_type_name(value), _short_repr(value)]}
        return {"$s": [value.dtype.str, _b64(np.asarray(value).tobytes())]}
    if isinstance(value, NamedFunction):
        return {"$f": [value.name, to_plain(dict(value.params), depth + 1)]}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int.__index__(value)  # int subclass: its true integer value
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, list):
        return [to_plain(v, depth + 1) for v in list.__iter__(value)]
    if isinstance(value, tuple):
        return {"$t": [to_plain(v, depth + 1) for v in tuple.__iter__(value)]}
    if isinstance(value, dict):
        return {"$d": [[to_plain(k, depth + 1), to_plain(v, depth + 1)] for k, v in dict.items(value)]}
    if isinstance(value, (set, frozenset)):
        return {"$set": [to_plain(v, depth + 1) for v in value]}
    return {"$o": [_type_name(value), _short_repr(value)]}


def encode(value: Any) -> bytes:
    """Encode plain data as UTF-8 JSON bytes."""
    return dumps(to_plain(value))


#: one encoder for every message (``json.dumps`` with options builds a new one each call)
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=True)


def dumps(tree: Any) -> bytes:
    """UTF-8 JSON bytes of a tree from :func:`to_plain`."""
    try:
        return _ENCODER.encode(tree).encode("utf-8")
    except ValueError as exc:  # an int past Python's 4300-digit limit for str()
        raise WireError(f"cannot be written as JSON: {exc}"[:200]) from exc


def _expect(cond: bool, what: str) -> None:
    if not cond:
        raise WireError(what)


def _dtype(spec: Any) -> np.dtype:
    # Only plain spellings reach numpy's parser: "f8,i4", "(2)f8" or "O" never do.
    _expect(isinstance(spec, str) and _DTYPE_SPELLING.fullmatch(spec) is not None,
            f"bad dtype {str(spec)[:20]!r}")
    try:
        dtype = np.dtype(spec)
    except Exception as exc:  # e.g. "f3": not a size numpy knows
        raise WireError(f"bad dtype {spec!r}") from exc
    _expect(dtype.kind in _ARRAY_KINDS and dtype.fields is None and dtype.subdtype is None,
            f"dtype {spec!r} may not cross the wire")
    return dtype


def _raw(text: Any) -> bytes:
    _expect(isinstance(text, str), "array data must be base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise WireError("bad base64 data") from exc


def from_plain(tree: Any, depth: int = 0) -> Any:
    """Rebuild values from a JSON tree, validating every tag (judge side)."""
    _expect(depth <= MAX_DEPTH, f"data nested deeper than {MAX_DEPTH} levels")
    if tree is None or type(tree) in (bool, int, float, str):
        return tree
    if type(tree) is list:
        return [from_plain(v, depth + 1) for v in tree]
    _expect(type(tree) is dict and len(tree) == 1, "unknown value")
    (tag, body), = tree.items()
    if tag == "$t":
        _expect(type(body) is list, "bad tuple")
        return tuple(from_plain(v, depth + 1) for v in body)
    if tag == "$d":
        _expect(type(body) is list, "bad dict")
        out: dict = {}
        for item in body:
            _expect(type(item) is list and len(item) == 2, "bad dict item")
            key = from_plain(item[0], depth + 1)
            try:
                hash(key)
            except TypeError as exc:
                raise WireError("unhashable dict key") from exc
            out[key] = from_plain(item[1], depth + 1)
        return out
    if tag == "$set":
        _expect(type(body) is list, "bad set")
        try:
            return set(from_plain(v, depth + 1) for v in body)
        except TypeError as exc:
            raise WireError("unhashable set item") from exc
    if tag == "$a":
        _expect(type(body) is list and len(body) == 3, "bad array")
        dtype, shape, raw = _dtype(body[0]), body[1], _raw(body[2])
        # No real dimension exceeds the message size; the bound keeps a zero-size array with a
        # huge other dimension from reaching numpy (which would raise its own error).
        _expect(type(shape) is list and len(shape) <= 32
                and all(type(n) is int and 0 <= n <= MAX_MESSAGE_BYTES for n in shape),
                "bad array shape")
        count = math.prod(shape)
        _expect(count * dtype.itemsize == len(raw), "array bytes do not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if tag == "$s":
        _expect(type(body) is list and len(body) == 2, "bad scalar")
        dtype, raw = _dtype(body[0]), _raw(body[1])
        _expect(len(raw) == dtype.itemsize, "scalar bytes do not match its dtype")
        return np.frombuffer(raw, dtype=dtype)[0]
    if tag == "$f":
        _expect(type(body) is list and len(body) == 2 and type(body[0]) is str, "bad function")
        params = from_plain(body[1], depth + 1)
        _expect(type(params) is dict, "bad function parameters")
        return NamedFunction(body[0], params)
    if tag == "$o":
        _expect(type(body) is list and len(body) == 2
                and all(type(s) is str and len(s) <= 1000 for s in body), "bad opaque value")
        return Opaque(body[0], body[1])
    raise WireError(f"unknown tag {tag[:20]!r}")


def parse(message: bytes) -> Any:
    """The JSON tree of a message, before any tag is interpreted (see :func:`from_plain`)."""
    _expect(len(message) <= MAX_MESSAGE_BYTES, "message too large")
    try:
        return json.loads(message.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        # ValueError covers JSONDecodeError and integers past Python's 4300-digit limit.
        raise WireError(f"not JSON: {type(exc).__name__}") from exc


def decode(message: bytes) -> Any:
    """Decode bytes from :func:`encode`; anything malformed raises :class:`WireError`."""
    return from_plain(parse(message))


def roundtrip(value: Any) -> Any:
    """What the other side of the wire sees of ``value``."""
    return decode(encode(value))
