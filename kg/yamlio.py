"""YAML loading that remembers line numbers, so every data error can say file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.errors import InputError, Location


class Node(dict):
    """A YAML mapping that knows where it stands (line of the mapping, and of each key)."""

    line: int
    key_lines: dict[str, int]


class Seq(list):
    line: int


def _convert(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = Node()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for k, v in node.value:
            key = _convert(k)
            if not isinstance(key, str):
                raise InputError("mapping keys must be text", Location(Path(k.start_mark.name), k.start_mark.line + 1))
            if key in out:
                raise InputError(f"duplicate key {key!r}", Location(Path(k.start_mark.name), k.start_mark.line + 1))
            out[key] = _convert(v)
            out.key_lines[key] = k.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = Seq(_convert(v) for v in node.value)
        seq.line = node.start_mark.line + 1
        return seq
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; a syntax error becomes an InputError naming file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", Location(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(path)) from None
    try:
        loader = yaml.SafeLoader(text)
        loader.name = str(path)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(f"malformed YAML: {problem}", Location(path, line)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", Location(path)) from None
    if root is None:
        return None
    try:
        return _convert(root)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise InputError(f"malformed YAML: {exc.problem}", Location(path, mark.line + 1 if mark else None)) from None
