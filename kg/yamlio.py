"""YAML loading that remembers line numbers, so every data error can say file:line.

Data files are plain trees: anchors and aliases (`&a`, `*a`, `<<: *a`) are refused where the
parser meets them, before anything is expanded, so an alias bomb ("billion laughs") or a
recursive alias fails at once with file:line. Nesting is bounded for the same reason."""

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
    """A YAML sequence with its line and the line of each item."""

    line: int
    item_lines: list[int]


MAX_DEPTH = 32  # our data nests 4 deep; far below where the recursive composer would overflow


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that data files must not use; the message is ours, not "malformed"."""


def _refuse(event, depth: int) -> None:  # noqa: ANN001 (a PyYAML event: a node is about to be composed)
    if isinstance(event, yaml.AliasEvent):
        raise _Refused(problem=f"YAML aliases (*{event.anchor}) are not allowed in data files: write the value out",
                       problem_mark=event.start_mark)  # fmt: skip
    if getattr(event, "anchor", None) is not None:
        raise _Refused(problem=f"YAML anchors (&{event.anchor}) are not allowed in data files: write the value out",
                       problem_mark=event.start_mark)  # fmt: skip
    if depth >= MAX_DEPTH:
        raise _Refused(problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=event.start_mark)


class _DataLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases and deep nesting on the event stream."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201 (PyYAML's signature)
        _refuse(self.peek_event(), self._depth)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_FAST = getattr(yaml, "CSafeLoader", None)  # libyaml: the same YAML, parsed and composed in C


def _check_events(text: str) -> None:
    """The refusals of `_DataLoader`, on libyaml's event stream, before anything is composed."""
    try:
        for _ in _events(text):
            pass
    except yaml.MarkedYAMLError as exc:  # libyaml's own bound on nesting (1000), met while scanning ahead
        if "nesting depth" not in str(exc.problem):
            raise
        raise _Refused(problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=exc.problem_mark) from None


def _events(text: str):
    depth = 0
    for event in yaml.parse(text, Loader=_FAST):
        if isinstance(event, (yaml.AliasEvent, yaml.ScalarEvent, yaml.CollectionStartEvent)):
            _refuse(event, depth)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        yield event


def _compose(text: str, path: Path):
    if _FAST is None:
        loader = _DataLoader(text)
        loader.name = str(path)
    else:
        _check_events(text)
        loader = _FAST(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class _Converter:
    """Nodes to Node/Seq/values; one constructor for every scalar of a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.constructor = yaml.constructor.SafeConstructor()

    def __call__(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            out = Node()
            out.line = node.start_mark.line + 1
            out.key_lines = {}
            for k, v in node.value:
                key = self(k)
                if not isinstance(key, str):
                    raise InputError("mapping keys must be text", Location(self.path, k.start_mark.line + 1))
                if key in out:
                    raise InputError(f"duplicate key {key!r}", Location(self.path, k.start_mark.line + 1))
                out[key] = self(v)
                out.key_lines[key] = k.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            seq = Seq(self(v) for v in node.value)
            seq.line = node.start_mark.line + 1
            seq.item_lines = [v.start_mark.line + 1 for v in node.value]
            return seq
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, TypeError):  # e.g. 2025-02-30, which YAML reads as a date
            kind = _KINDS.get(node.tag, "valid value")
            raise InputError(f"{node.value!r} is not a {kind}", Location(self.path, node.start_mark.line + 1)) from None


_KINDS = {"tag:yaml.org,2002:timestamp": "real date", "tag:yaml.org,2002:int": "whole number",
          "tag:yaml.org,2002:float": "number", "tag:yaml.org,2002:binary": "base64 value"}  # fmt: skip


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; a syntax error becomes an InputError naming file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", Location(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(path)) from None
    try:
        root = _compose(text, path)
    except _Refused as exc:
        raise InputError(str(exc.problem), Location(path, exc.problem_mark.line + 1)) from None
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
        return _Converter(path)(root)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise InputError(f"malformed YAML: {exc.problem}", Location(path, mark.line + 1 if mark else None)) from None
