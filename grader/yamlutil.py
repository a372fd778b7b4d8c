"""YAML with line numbers and no silent duplicate keys: what every embedlab file format reads with.

Quizzes, answers files and course files are written by people, so a mistake in one must end in one
line naming the file and the line (``course.yaml:7: field 'due': ...``). PyYAML forgets where a value
was and keeps the last of two equal keys without a word; the loaders here remember both::

    >>> data = load_yaml("due: 2026-11-20\\nlate:\\n  per: day\\n", "course.yaml", SafeLinesLoader, ValueError)
    >>> data.lines["late"], data["late"].line
    (3, 3)

``SafeLinesLoader`` gives YAML's safe types (numbers, booleans, dates); ``StringLinesLoader`` gives
every scalar as a string (an answers file's ``no`` stays ``"no"``, ``1:30`` stays ``"1:30"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class LineMapping(dict):
    """A YAML mapping that remembers its own line and the line of each value (1-based)."""

    def __init__(self, line: int | None = None):
        super().__init__()
        self.line = line
        self.lines: dict[Any, int] = {}


def _construct_mapping(loader: yaml.BaseLoader, node: yaml.MappingNode, deep: bool = False) -> LineMapping:
    # PyYAML keeps the last of two equal keys without a word; an author's duplicate `due:` is a
    # mistake to report, not to guess about.
    if isinstance(loader, yaml.constructor.SafeConstructor):
        loader.flatten_mapping(node)
    mapping = LineMapping(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain name", key_node.start_mark)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = value_node.start_mark.line + 1
    return mapping


class SafeLinesLoader(yaml.SafeLoader):
    """YAML's safe types; mappings as :class:`LineMapping`."""


class StringLinesLoader(yaml.BaseLoader):
    """Every scalar a string (no `no` -> False, no `1:30` -> 90); mappings as :class:`LineMapping`."""


for _loader in (SafeLinesLoader, StringLinesLoader):
    _loader.construct_mapping = _construct_mapping  # type: ignore[method-assign]
    _loader.add_constructor("tag:yaml.org,2002:map", lambda loader, node: loader.construct_mapping(node))


def load_yaml(text: str, source: str, loader: type, error: type[Exception]) -> Any:
    """Parse ``text`` with ``loader``; any YAML mistake becomes ``error("source:line: malformed YAML: ...")``."""
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - both loaders are safe subclasses
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = exc.problem or exc.context or "cannot parse"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise error(f"{where}: malformed YAML: {problem}{context}") from None
    except yaml.YAMLError as exc:
        raise error(f"{source}: malformed YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise error(f"{source}: malformed YAML: nested too deeply") from None


def read_text(path: str | Path, error: type[Exception], limit: int | None = None) -> str:
    """The UTF-8 text of ``path``; a missing, too big, binary or unreadable file is one ``error`` line."""
    p = Path(path)
    try:
        if limit is not None and p.stat().st_size > limit:
            raise error(f"{path}: too big (over {limit // 1024} KiB)")
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a file") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None


def describe(value: Any) -> str:
    """A YAML value as an error message names it: ``'week'``, ``a list``, ``true (a yes/no value)``."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
