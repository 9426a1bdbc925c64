"""A GBNF grammar generated from the ACTION schema (PROTOCOL.md).

The model may only write a JSON array of 0..4 actions, each exactly one of the
action shapes with its enum values, in a fixed key order. Selections are by type
(the model never sees entity ids) and targets are directions or places (it never
sees coordinates), so everything it can write is a valid ACTION.

``gbnf_to_regex`` turns this (non-recursive) grammar into a Python regex: the
tests use it to check that the grammar accepts exactly what it should.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from .schema import BUILDINGS, DIRECTIONS, MAX_ACTIONS, PLACES, UNITS


def _lit(s: str) -> str:
    return json.dumps(s)  # a GBNF string literal is a JSON string literal


def _qstr(value: str) -> str:
    """GBNF for the JSON string "value"."""
    return _lit(json.dumps(value))


def _enum(values) -> str:
    return "(" + " | ".join(_qstr(v) for v in values) + ")"


def _key(name: str) -> str:
    return f'{_qstr(name)} ws ":" ws'


def _obj(action: str, *fields: str) -> str:
    parts = [f'"{{" ws {_key("action")} {_qstr(action)}']
    for f in fields:
        parts.append(f'ws "," ws {f}')
    return " ".join(parts) + ' ws "}"'


def rules() -> dict[str, str]:
    """GBNF rules, name -> body, in order (root first)."""
    more = " ".join(['("," ws action ws)?'] * (MAX_ACTIONS - 1))
    return {
        "root": f'"[" ws (action ws {more})? "]"',
        "action": "move | attack | stop | harvest | defend | buildunit | buildbuilding | launch",
        "move": _obj("move", f"{_key('units')} sel", f"{_key('target')} target"),
        "attack": _obj("attack", f"{_key('units')} sel", f"{_key('target')} target"),
        "stop": _obj("stop", f"{_key('units')} sel"),
        "harvest": _obj("harvest", f"{_key('units')} sel"),
        "defend": _obj("defend_base", f"{_key('units')} sel"),
        "buildunit": _obj("build_unit", f"{_key('unit_type')} unit", f"{_key('count')} count"),
        "buildbuilding": _obj("build_building", f"{_key('building_type')} building"),
        "launch": _obj("launch_superweapon", f"{_key('target')} target"),
        "sel": f'"{{" ws {_key("type")} seltype (ws "," ws {_key("count")} count)? ws "}}"',
        "seltype": _enum(UNITS + ("all",)),
        "target": f'"{{" ws ({_key("direction")} direction | {_key("place")} place) ws "}}"',
        "unit": _enum(UNITS),
        "building": _enum(BUILDINGS),
        "direction": _enum(DIRECTIONS),
        "place": _enum(PLACES),
        "count": '[1-9] | "1" [0-9] | "20"',
        "ws": '" "?',
    }


@lru_cache(maxsize=1)
def action_grammar() -> str:
    """The GBNF text (cached: the worker caches compiled grammars by string)."""
    return "\n".join(f"{name} ::= {body}" for name, body in rules().items()) + "\n"


# ------------------------------------------------------------------ GBNF -> regex (tests, tooling)
_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|[A-Za-z_][A-Za-z0-9_-]*|[()|?*+])')


def gbnf_to_regex(grammar: str) -> str:
    """Translate a non-recursive GBNF grammar (literals, [classes], rule refs, | ( ) ? * +) to a regex."""
    defs: dict[str, str] = {}
    for line in grammar.splitlines():
        if "::=" in line:
            name, body = line.split("::=", 1)
            defs[name.strip()] = body.strip()
    cache: dict[str, str] = {}

    def rule(name: str, stack: tuple[str, ...]) -> str:
        if name in stack:
            raise ValueError(f"recursive rule {name}")
        if name not in cache:
            cache[name] = expr(defs[name], stack + (name,))
        return cache[name]

    def expr(body: str, stack: tuple[str, ...]) -> str:
        toks = _TOKEN.findall(body)
        pos = 0

        def alt() -> str:
            nonlocal pos
            branches = [seq()]
            while pos < len(toks) and toks[pos] == "|":
                pos += 1
                branches.append(seq())
            return "(?:" + "|".join(branches) + ")"

        def seq() -> str:
            nonlocal pos
            out = []
            while pos < len(toks) and toks[pos] not in ("|", ")"):
                t = toks[pos]
                pos += 1
                if t == "(":
                    atom = alt()
                    pos += 1  # ")"
                elif t.startswith('"'):
                    atom = "(?:" + re.escape(json.loads(t)) + ")"
                elif t.startswith("["):
                    atom = t
                else:
                    atom = "(?:" + rule(t, stack) + ")"
                while pos < len(toks) and toks[pos] in ("?", "*", "+"):
                    atom += toks[pos]
                    pos += 1
                out.append(atom)
            return "".join(out)

        return alt()

    return rule("root", ())


@lru_cache(maxsize=1)
def action_regex() -> re.Pattern[str]:
    return re.compile(gbnf_to_regex(action_grammar()))
