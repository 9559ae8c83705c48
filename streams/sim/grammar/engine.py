"""A tiny template language, compiled once, rendered fast with an explicit RNG.

Why not f-strings: a prompt grammar needs *choices inside* a template so that one line of
source yields hundreds of surface forms ("{could|can|would} you {help me|}..."), and named
rules that reference each other like a context-free grammar.

Syntax:

* ``{a|b|c}``: pick one alternative uniformly (alternatives nest; an empty one makes the
  group optional: ``{please |}``);
* ``{name}``: a slot: the caller's value for ``name`` if given, else an expansion of the
  rule ``name``;
* ``{{`` and ``}}`` at the top level are literal braces.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Final

__all__ = ["Alt", "Grammar", "GrammarError", "Slot", "compile_template"]

_IDENT: Final = re.compile(r"[a-z_][a-z0-9_]*")


class GrammarError(ValueError):
    """A template that does not parse, or a slot that names no rule and got no value."""


class Slot:
    """``{name}``: a value from the caller, or else an expansion of rule ``name``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


class Alt:
    """``{a|b}``: one of several sequences, chosen uniformly."""

    __slots__ = ("options",)

    def __init__(self, options: tuple[tuple[Node, ...], ...]) -> None:
        self.options = options

    def __repr__(self) -> str:
        return f"Alt({self.options!r})"


Node = str | Alt | Slot
Seq = tuple[Node, ...]


def compile_template(text: str) -> Seq:
    """Parse one template into nodes (adjacent literals merged)."""
    options, end = _parse(text, 0, 0)
    if end != len(text) or len(options) != 1:  # a top-level "|" is literal text
        return (text,)
    return options[0]


def _parse(text: str, i: int, depth: int) -> tuple[list[Seq], int]:
    """Options of the group starting at ``i`` (depth 0: the whole template) and its end."""
    options: list[Seq] = []
    cur: list[Node] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            literal = "".join(buf)
            buf.clear()
            if cur and isinstance(cur[-1], str):
                cur[-1] = cur[-1] + literal
            else:
                cur.append(literal)

    n = len(text)
    while i < n:
        c = text[i]
        if c == "{":
            if depth == 0 and text.startswith("{{", i):
                buf.append("{")
                i += 2
                continue
            flush()
            group, i = _parse(text, i + 1, depth + 1)
            if len(group) == 1:
                only = group[0]
                if len(only) == 1 and isinstance(only[0], str) and _IDENT.fullmatch(only[0]):
                    cur.append(Slot(only[0]))
                    continue
                if not only:
                    continue  # "{}" is nothing
                raise GrammarError(f"group without '|' that is not a slot name in {text!r}")
            cur.append(Alt(tuple(group)))
        elif c == "}":
            if depth == 0:
                if text.startswith("}}", i):
                    buf.append("}")
                    i += 2
                    continue
                raise GrammarError(f"unbalanced '}}' in {text!r}")
            flush()
            options.append(tuple(cur))
            return options, i + 1
        elif c == "|" and depth > 0:
            flush()
            options.append(tuple(cur))
            cur = []
            i += 1
        else:
            buf.append(c)
            i += 1
    if depth > 0:
        raise GrammarError(f"unclosed '{{' in {text!r}")
    flush()
    options.append(tuple(cur))
    return options, i


class Grammar:
    """Named rules, each a list of templates; ``render`` expands one rule.

    Rules are plain mappings from name to templates; several mappings are merged, later
    ones replacing earlier names, so a language pack can be layered over the base.
    """

    def __init__(self, *rule_sets: Mapping[str, Sequence[str]]) -> None:
        rules: dict[str, tuple[Seq, ...]] = {}
        for rule_set in rule_sets:
            for name, templates in rule_set.items():
                if not templates:
                    raise GrammarError(f"rule {name!r} has no templates")
                rules[name] = tuple(compile_template(t) for t in templates)
        self._rules = rules

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._rules)

    def size(self, name: str) -> int:
        """How many templates rule ``name`` has (not counting their inner choices)."""
        return len(self._rules[name])

    def slots(self) -> set[str]:
        """Every slot name used anywhere (for checking all of them resolve)."""
        found: set[str] = set()

        def walk(seq: Seq) -> None:
            for node in seq:
                if isinstance(node, Slot):
                    found.add(node.name)
                elif isinstance(node, Alt):
                    for option in node.options:
                        walk(option)

        for templates in self._rules.values():
            for seq in templates:
                walk(seq)
        return found

    def render(self, rng: random.Random, name: str, values: Mapping[str, str] | None = None) -> str:
        """Expand rule ``name`` once: a random template, its choices, its slots."""
        out: list[str] = []
        self._rule(rng, name, values or {}, out, 0)
        return "".join(out)

    def _rule(
        self,
        rng: random.Random,
        name: str,
        values: Mapping[str, str],
        out: list[str],
        depth: int,
    ) -> None:
        templates = self._rules.get(name)
        if templates is None:
            raise GrammarError(f"no rule or value for slot {name!r}")
        if depth > 40:
            raise GrammarError(f"rule {name!r} recurses too deep")
        self._seq(rng, templates[int(rng.random() * len(templates))], values, out, depth)

    def _seq(
        self,
        rng: random.Random,
        seq: Seq,
        values: Mapping[str, str],
        out: list[str],
        depth: int,
    ) -> None:
        for node in seq:
            if node.__class__ is str:
                out.append(node)
            elif node.__class__ is Alt:
                options = node.options
                self._seq(rng, options[int(rng.random() * len(options))], values, out, depth)
            else:
                slot: str = node.name  # type: ignore[union-attr]
                value = values.get(slot)
                if value is None:
                    self._rule(rng, slot, values, out, depth + 1)
                else:
                    out.append(value)
