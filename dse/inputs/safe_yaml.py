"""YAML for input files: PyYAML's safe loader with duplicate keys refused and the document's
size and depth bounded before anything is built from it.

An alias is a reference, so a few lines of anchors can describe a value of billions of
nodes (the "billion laughs"); every later step (validation, error messages) would expand it.
The document's expanded node count and its nesting depth are therefore measured on the
composed node graph, sharing counted once per use, before a Python value is constructed.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Nesting depth allowed: the deepest dse input (a space's hybrid parameters: space →
#: backends → [i] → params → ann → rows → range) is 7 levels; 64 is far beyond any real file.
MAX_DEPTH = 64
#: Nodes allowed after alias expansion: the largest zoo workload written as YAML
#: (resnet18, 21 layers of about 15 fields) is about 700 nodes; a million is a 100 MB file.
MAX_NODES = 1_000_000


class InputTooLarge(yaml.YAMLError):
    """The document is nested too deeply or expands to too many nodes."""


class DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping names the same key twice (YAML says keys are unique; PyYAML keeps the last)."""


#: libyaml's parser when PyYAML was built with it (several times faster), else PyYAML's own.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    def construct_document(self, node: yaml.Node) -> Any:
        _measure(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the constructor says so itself
                break
            if duplicate:
                raise DuplicateKey(None, None, f"duplicate key {key!r}"[:80], key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _measure(root: yaml.Node) -> None:
    """Raise InputTooLarge when ``root`` expands to more than MAX_NODES nodes or nests deeper
    than MAX_DEPTH; each distinct node is sized once (memoised), so this is linear in the file."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if not done:
            if key in visiting:  # reached again below itself: a recursive alias
                raise InputTooLarge("holds a recursive alias (a value that contains itself)")
            visiting.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        visiting.discard(key)
        sizes[key] = 1 + sum(sizes[id(c)] for c in children)
        depths[key] = 1 + max((depths[id(c)] for c in children), default=0)
        if sizes[key] > MAX_NODES:
            raise InputTooLarge(f"expands to more than {MAX_NODES:,} values (aliases included)")
        if depths[key] > MAX_DEPTH:
            raise InputTooLarge(f"nests deeper than {MAX_DEPTH} levels")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_yaml(text: str) -> Any:
    """The value of a YAML document (safe types only), checked as the module docstring says."""
    return yaml.load(text, Loader=_Loader)
