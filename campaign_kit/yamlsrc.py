"""YAML that remembers where each value came from, so problems can name the line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (ten times faster: regions.yml lists 700 districts)."""
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
"""Turns one scalar node into its value (safe tags only); shared, its memo emptied after each."""


@dataclass
class Located:
    """Plain Python data parsed from YAML plus the 1-based line of every key and item."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


class YamlSyntaxError(ValueError):
    def __init__(self, line: int | None, message: str):
        self.line = line
        super().__init__(message)


def parse_yaml(text: str, first_line: int = 1) -> Located:
    """Parse one YAML document safely; ``first_line`` offsets lines (front matter in Markdown)."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlSyntaxError(line, f"YAML syntax error: {problem}") from None
    located = Located(data=None)
    if node is None:
        located.data = {}
        return located
    located.data = _convert(node, (), located.lines, first_line)
    return located


def _convert(node: yaml.Node, path: Path_, lines: dict[Path_, int], offset: int) -> Any:
    lines[path] = node.start_mark.line + offset
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            result[key] = _convert(value_node, path + (key,), lines, offset)
            lines[path + (key,)] = key_node.start_mark.line + offset
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), lines, offset) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except ValueError:
        return node.value  # e.g. "2020-02-30": keep the text; the schema says what is wrong
    finally:
        _CONSTRUCTOR.constructed_objects.clear()
        _CONSTRUCTOR.recursive_objects.clear()
