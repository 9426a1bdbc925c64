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

from server.sim import rules as _R

from .clauses import conditions, resolve_verb
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


ALL_ACTIONS = ("move", "attack", "stop", "harvest", "defend_base", "build_unit", "build_building",
               "launch_superweapon")
_RULE_OF = {"move": "move", "attack": "attack", "stop": "stop", "harvest": "harvest", "defend_base": "defend",
            "build_unit": "buildunit", "build_building": "buildbuilding", "launch_superweapon": "launch"}


def rules(min_actions: int = 1, restrict: dict | None = None) -> dict[str, str]:
    """GBNF rules, name -> body, in order (root first): an array of min_actions..4 actions.

    The translator uses min_actions=1: texts that are not orders never reach the model (the
    deterministic refusals answer them), and a small model given the choice writes [] for everything.
    ``restrict`` narrows enums to what the text names: keys "actions", "units", "buildings",
    "directions", "places", "counts" (each a collection; empty or missing = no restriction).
    """
    r = restrict or {}

    def pick(key: str, full: tuple) -> tuple:
        chosen = tuple(v for v in full if v in set(r.get(key) or ()))
        return chosen or full

    actions = pick("actions", ALL_ACTIONS)
    units = pick("units", UNITS)
    if not r:
        seltypes = UNITS + ("all",)
    elif r.get("units"):
        seltypes = units  # "all the tanks", 「坦克全部」: all of the named units
    else:
        seltypes = ("all",)  # no unit named: every unit, as the fast path does
    dirs = tuple(d for d in DIRECTIONS if d in set(r.get("directions") or ()))
    places = tuple(p for p in PLACES if p in set(r.get("places") or ()))
    if not dirs and not places:
        dirs, places = DIRECTIONS, PLACES
    coords = [(int(x), int(y)) for x, y in (r.get("coords") or ())]
    if coords and not r.get("directions") and not r.get("places"):
        dirs, places = (), ()  # map coordinates named: the target is them
    target_alts = []
    if dirs:
        target_alts.append(f"{_key('direction')} direction")
    if places:
        target_alts.append(f"{_key('place')} place")
    if coords:
        target_alts.append("xy")
    counts = sorted({max(1, min(20, int(c))) for c in (r.get("counts") or ())})
    if counts:
        count_rule = " | ".join(_lit(str(c)) for c in counts)
    elif r:
        count_rule = '"1"'  # no number in the text
    else:
        count_rule = '[1-9] | "1" [0-9] | "20"'
    sel_count = f' (ws "," ws {_key("count")} count)?' if counts or not r else ""

    need = max(1, min(MAX_ACTIONS, min_actions))  # a two-part order must get both parts
    more = " ".join(['"," ws action ws'] * (need - 1) + ['("," ws action ws)?'] * (MAX_ACTIONS - need))
    body = f"action ws {more}"
    out = {
        "root": f'"[" ws {body} "]"' if min_actions >= 1 else f'"[" ws ({body})? "]"',
        "action": " | ".join(_RULE_OF[a] for a in actions),
        "move": _obj("move", f"{_key('units')} sel", f"{_key('target')} target"),
        "attack": _obj("attack", f"{_key('units')} sel", f"{_key('target')} target"),
        "stop": _obj("stop", f"{_key('units')} sel"),
        "harvest": _obj("harvest", f"{_key('units')} sel"),
        "defend": _obj("defend_base", f"{_key('units')} sel"),
        "buildunit": _obj("build_unit", f"{_key('unit_type')} unit", f"{_key('count')} count"),
        "buildbuilding": _obj("build_building", f"{_key('building_type')} building"),
        "launch": _obj("launch_superweapon", f"{_key('target')} target"),
        "sel": (f'"{{" ws {_key("selection")} "true" ws "}}"' if r.get("selection") and not r.get("units")
                else f'"{{" ws {_key("type")} seltype{sel_count} ws "}}"'
                + (f' | "{{" ws {_key("selection")} "true" ws "}}"' if r.get("selection") else "")),
        "seltype": _enum(seltypes),
        "target": f'"{{" ws ({" | ".join(target_alts)}) ws "}}"',
        "unit": _enum(units),
        "building": _enum(pick("buildings", BUILDINGS)),
        "direction": _enum(dirs or DIRECTIONS),
        "place": _enum(places or PLACES),
        "count": count_rule,
        "ws": '" "?',
    }
    if coords:  # "send the tanks to 14, 33": exactly the numbers the text gives
        out["xy"] = " | ".join(f'{_key("x")} {_lit(str(x))} ws "," ws {_key("y")} {_lit(str(y))}' for x, y in coords)
    used = {_RULE_OF[a] for a in actions}
    for name in set(_RULE_OF.values()) - used:  # unreachable action rules are left out
        del out[name]
    return out


@lru_cache(maxsize=2)
def action_grammar(min_actions: int = 1) -> str:
    """The full GBNF text (cached: the worker caches compiled grammars by string)."""
    return _text(rules(min_actions))


def _text(rs: dict[str, str]) -> str:
    return "\n".join(f"{name} ::= {body}" for name, body in rs.items()) + "\n"


_VERB_ACTIONS = {"move": ("move", "harvest"), "attack": ("attack",), "stop": ("stop",), "harvest": ("harvest",),
                 "defend": ("defend_base",), "retreat": ("move",), "launch": ("attack", "launch_superweapon")}


def restriction_from_items(items: list[tuple]) -> dict:
    """What a text names (lexer items of rules.lex) as a grammar restriction."""
    kinds: dict[str, set] = {}
    for kind, val in items:
        kinds.setdefault(kind, set()).add(val)
    if "WHEN" in kinds:  # "when we have 6 tanks, attack": the 6 is the condition's, not a count to write
        kinds["N"] = {v for k, v in conditions([tuple(i) for i in items]) if k == "N"}
    verbs = set(pieces_verbs(items))  # "go harvest", "send tanks to attack": the specific verb decides
    units, buildings = kinds.get("U", set()), kinds.get("B", set())
    if "GIVE" in kinds and not verbs and (units or buildings):
        verbs = {"build"}  # "I need a harvester"
    if "stop" in verbs and kinds.get("P") == {"home"} and not kinds.get("D"):
        verbs = (verbs - {"stop"}) | {"defend"}  # "artillery, hold the base" (as the parser reads it)
    if "launch" in verbs and "SW" not in kinds and buildings and not units:
        verbs = (verbs - {"launch"}) | {"build"}  # "drop a refinery near the base"
    if "build" in verbs and units and buildings:  # "ten tanks from the factory": the maker is where
        makers = {_R.UNITS[u].produced_by for u in units if u in _R.UNITS}
        if buildings <= makers:
            buildings = set()
    actions: set[str] = set()
    for v in verbs:
        if v == "build":
            if units or not buildings:
                actions.add("build_unit")
            if buildings or not units:
                actions.add("build_building")
        else:
            actions.update(_VERB_ACTIONS[v])
    if "SW" in kinds:
        actions.add("launch_superweapon")
        if not units:  # "fire the superweapon at their base": the superweapon, not an attack
            actions.discard("attack")
    has_target = bool(kinds.get("D") or kinds.get("P") or kinds.get("XY"))
    if "harvest" in actions and "harvest" not in verbs and has_target and "ore" not in kinds.get("P", set()):
        actions.discard("harvest")  # "send the tanks to 14, 33" is a move, not a harvest
    if "harvest" in actions and "harvest" not in verbs and units and "harvester" not in units:
        actions.discard("harvest")  # "infantry, go": only harvesters mine
    if "harvest" in verbs and has_target and "ore" not in kinds.get("P", set()) and units != {"harvester"}:
        actions.discard("harvest")  # "the army gathers in the middle": a gathering point, not ore
        actions.add("move")
    if verbs == {"build"} and units and not buildings and not kinds.get("N") and has_target and not kinds.get("XY"):
        actions = {"move"}  # "tanks roll out north": where they go, not what to build
    if verbs == {"move"} and kinds.get("P") == {"nearest_enemy"} and not kinds.get("D") and not kinds.get("XY"):
        actions = {"attack"}  # "send the choppers after the closest enemy": engage it (as the parser does)
    if not verbs and not has_target and units and kinds.get("N") and "ALL" not in kinds and not buildings:
        actions = {"build_unit"}  # "five soldiers": a count of units with nowhere to go is a production order
    if not actions:  # no verb: what the nouns allow
        if (units or "ALL" in kinds or "SEL" in kinds) and has_target:
            actions.add("move")  # units and a place: "les chars au nord" goes there
            if kinds.get("PA") or kinds.get("P", set()) & {"enemy_base", "nearest_enemy"}:
                actions.add("attack")
            if "ore" in kinds.get("P", set()):
                actions.add("harvest")
        elif units or "ALL" in kinds or "SEL" in kinds:
            actions.update(("move", "attack", "stop", "harvest", "defend_base"))
            if kinds.get("N") and units:
                actions.add("build_unit")
        if buildings:
            actions.add("build_building")
        if not actions and (kinds.get("D") or kinds.get("P") or kinds.get("PA")):
            actions.update(("move", "attack"))
    if actions and not (actions & {"move", "attack", "stop", "harvest", "defend_base", "build_unit"}) \
            and not buildings and "SW" not in kinds:
        actions = set()
    places = set(kinds.get("P", set())) | set(kinds.get("PA", set()))
    if "retreat" in verbs and not places - {"enemy_base", "nearest_enemy"} and not kinds.get("D") \
            and not kinds.get("XY"):
        places.add("home")  # "fall back": home, unless the text names where ("regroup in the middle")
    # the fast path's defaults when the text leaves them open
    if not places and not kinds.get("D") and not kinds.get("XY"):
        if actions == {"attack"}:
            places = {"nearest_enemy"}
        elif actions == {"launch_superweapon"}:
            places = {"enemy_base"}
    if actions == {"harvest"} and not units:
        units = {"harvester"}
    # How many actions the text can hold: one per clause ("and", "then", ","), per verb, per
    # building named, per unit named with a build verb. Used by the compact grammar only: a
    # small model given room repeats its one action until the limit.
    seps = sum(1 for i, (k, _) in enumerate(items) if k == "SEP" and (i == 0 or items[i - 1][0] != "SEP"))
    n_verbs = len(pieces_verbs(items))  # "回去工作" is one order: one verb per clause
    numbers = [n for n in kinds.get("N", set()) if isinstance(n, int)]
    most = max(1 + seps, n_verbs, len(buildings), len(units) if "build" in verbs else 1,
               max(numbers, default=1) if buildings else 1)  # "three power plants": one action each
    # "send 4 tanks east": a number right before a unit word, in an order that moves units (not one that
    # builds them, not a condition's count), is how many of them go
    # "build three power plants": one action per building, as the parser reads it
    building_count = max((n for (k, n), (k2, _) in zip(items, items[1:]) if k == "N" and k2 == "B"
                          and isinstance(n, int) and len(buildings) == 1 and "WHEN" not in kinds), default=1)
    unit_counts: set[int] = set()
    if actions and not actions & {"build_unit", "build_building"} and "GIVE" not in kinds and "WHEN" not in kinds:
        unit_counts = {n for (k, n), (k2, _) in zip(items, items[1:]) if k == "N" and k2 == "U" and isinstance(n, int)}
    return {"actions": actions, "units": units, "buildings": buildings, "directions": kinds.get("D", set()),
            "unit_counts": unit_counts,
            "places": places, "counts": {n for n in kinds.get("N", set()) if isinstance(n, int)},
            "all": "ALL" in kinds, "max_actions": min(MAX_ACTIONS, most),
            "coords": [v for k, v in items if k == "XY"], "selection": "SEL" in kinds,
            "min_actions": max(min_actions_of(items), min(MAX_ACTIONS, building_count))}


def pieces_verbs(items: list[tuple]) -> list[str]:
    """The verb of each piece between separators that has one, as the parser resolves it."""
    out: list[str] = []
    piece: list[str] = []
    nouns: set[str] = set()
    for kind, val in list(items) + [("SEP", "")]:
        if kind == "SEP":
            verb = resolve_verb(piece, "B" in nouns and "U" not in nouns)
            if verb is not None:
                out.append(verb)
            piece, nouns = [], set()
        elif kind == "V":
            piece.append(val)
        elif kind in ("U", "B"):
            nouns.add(kind)
    return out


def min_actions_of(items: list[tuple]) -> int:
    """The actions a text surely holds: its clauses (between separators) that have a verb, a
    building or the superweapon of their own ("tanks go east and helicopters go west": 2;
    "tanks, go north": 1). The grammar makes the model write at least that many."""
    n, cur = 0, False
    for kind, _ in list(items) + [("SEP", "")]:
        if kind == "SEP":
            n += cur
            cur = False
        elif kind in ("V", "B", "SW"):
            cur = True
    return max(1, min(MAX_ACTIONS, n))


@lru_cache(maxsize=256)
def grammar_for(text: str) -> str:
    """A grammar narrowed to what ``text`` names (the full grammar when it names nothing)."""
    from .parser import lex

    return _text(rules(1, restriction_from_items(lex(text))))


# ------------------------------------------------------------------ compact answers
# The model writes one short line per action ("build tank 3", "move tank,2 north"),
# actions separated by "; ", which server.nl.compact expands into ACTION dicts: about
# 4-6 tokens per action instead of ~25 for the JSON. Unit, building, direction and
# place names are disjoint, so "build X" and a bare target name are unambiguous.
COMPACT_VERB = {"move": "move", "attack": "attack", "stop": "stop", "harvest": "harvest",
                "defend_base": "defend", "build_unit": "build", "build_building": "build",
                "launch_superweapon": "launch"}
COMPACT_SEP = "; "


def compact_rules(min_actions: int = 1, restrict: dict | None = None) -> dict[str, str]:
    """GBNF rules (root first) of the compact answer: min_actions..4 action lines.

    ``restrict`` narrows the names as in :func:`rules` (same keys, same defaults), so the
    compact grammar can express exactly what the JSON grammar can, and no more.
    """
    full = rules(0, restrict)  # the enums, already narrowed; reused so both grammars agree
    actions = [a for a in ALL_ACTIONS if _RULE_OF[a] in full]
    target_alts = []
    if "direction" in full["target"]:
        target_alts.append("direction")
    if "place" in full["target"]:
        target_alts.append("place")
    coords = [(int(x), int(y)) for x, y in ((restrict or {}).get("coords") or ())]
    if "xy" in full:
        target_alts.append("xy")
    has_count = "count" in full["sel"]

    def names(rule: str) -> str:  # '("\"tank\"" | ...)' -> '("tank" | ...)'
        return "(" + " | ".join(_lit(json.loads(json.loads(v.strip()))) for v in full[rule].strip("()").split(" | ")) + ")"

    body = {
        "move": '"move " sel " " target',
        "attack": '"attack " sel " " target',
        "stop": '"stop " sel',
        "harvest": '"harvest " sel',
        "defend_base": '"defend " sel',
        "build_unit": '"build " unit " " count',
        # a building and map coordinates: placed there ("put a turret at 20 14", 「在 20, 14 蓋防禦塔」)
        "build_building": '"build " building' + ((' " " xy' if set(actions) == {"build_building"} else ' (" " xy)?')
                                                  if coords else ""),
        "launch_superweapon": '"launch " target',
    }
    most = int((restrict or {}).get("max_actions") or MAX_ACTIONS)
    most = max(1, min(MAX_ACTIONS, most))
    need = min(most, int((restrict or {}).get("min_actions") or 1)) if min_actions >= 1 else 1
    more = " ".join([f'{_lit(COMPACT_SEP)} action'] * (need - 1) + [f'({_lit(COMPACT_SEP)} action)?'] * (most - need))
    out = {
        "root": f"action {more}".strip() if min_actions >= 1 else f"(action {more})?",
        "action": " | ".join(_RULE_OF[a] for a in actions),
    }
    for a in actions:
        out[_RULE_OF[a]] = body[a]
    unit_counts = sorted({max(1, min(20, int(c))) for c in (restrict or {}).get("unit_counts") or ()})
    if unit_counts:  # "send 4 tanks east": the count the text gives goes with the units
        out["sel"] = 'seltype "," unitcount'
        out["unitcount"] = " | ".join(_lit(str(c)) for c in unit_counts)
    else:
        out["sel"] = 'seltype ("," count)?' if has_count else "seltype"
    if (restrict or {}).get("selection"):  # "these units": the player's selection
        out["sel"] = '"selection"' if not (restrict or {}).get("units") else out["sel"] + ' | "selection"'
    if coords:  # map coordinates: "x,y", exactly the numbers the text gives
        out["xy"] = " | ".join(_lit(f"{x},{y}") for x, y in coords)
        if "xy" not in target_alts and "buildbuilding" not in out:
            del out["xy"]
    out["seltype"] = names("seltype")
    out["target"] = " | ".join(target_alts)
    out["unit"] = names("unit")
    out["building"] = names("building")
    out["direction"] = names("direction")
    out["place"] = names("place")
    out["count"] = full["count"]
    used = {"unit": "buildunit" in out, "building": "buildbuilding" in out,
            "direction": "direction" in target_alts, "place": "place" in target_alts,
            "count": "buildunit" in out or has_count and not unit_counts}
    for name, keep in used.items():  # rules nothing refers to are left out
        if not keep:
            del out[name]
    if not any(r in out for r in ("move", "attack", "stop", "harvest", "defend")):
        del out["sel"], out["seltype"]
    elif "seltype" not in out["sel"]:
        del out["seltype"]
    if not any(r in out for r in ("move", "attack", "launch")):
        del out["target"]
    return out


@lru_cache(maxsize=2)
def compact_grammar(min_actions: int = 1) -> str:
    """The full compact GBNF (every action, selection and target the JSON grammar allows)."""
    return _text(compact_rules(min_actions))


def clause_items(items: list[tuple]) -> list[list[tuple]]:
    """The lexer's items cut into order clauses: at separators, keeping only pieces with a verb, a
    building or the superweapon of their own (a piece without one joins the next: "tanks, go
    north"); a clause with no verb borrows the previous one's ("build a power plant and a
    barracks"), one with a unit verb but no units the previous one's units ("tanks go east then
    attack")."""
    pieces: list[list[tuple]] = [[]]
    for it in items:
        if it[0] == "SEP":
            pieces.append([])
        else:
            pieces[-1].append(it)
    out: list[list[tuple]] = []
    carry: list[tuple] = []
    for piece in pieces:
        kinds = {k for k, _ in piece}
        own = bool(kinds & {"V", "B", "SW"}) \
            or bool(kinds & {"U", "ALL", "SEL"} and kinds & {"D", "P", "XY"}) \
            or bool(out and not carry and kinds & {"U", "B"})  # "... and two harvesters", "坦克往東，直升機往西"
        if not own:
            carry += piece
            continue
        out.append(carry + piece)
        carry = []
    if carry:
        if out:
            out[-1] += carry
        else:
            out.append(carry)
    for i in range(1, len(out)):
        prev, cur = out[i - 1], out[i]
        if not any(k == "V" for k, _ in cur):
            cur[:0] = [it for it in prev if it[0] == "V"][:1]
        if not any(k in ("U", "ALL", "SEL") for k, _ in cur) and not any(k in ("B",) for k, _ in cur) \
                and any(k == "V" and v not in ("build",) for k, v in cur):
            cur[:0] = [it for it in prev if it[0] in ("U", "ALL", "SEL")]
    return out


def _prefixed(rules_: dict[str, str], prefix: str) -> dict[str, str]:
    """The same rules under names starting with ``prefix`` (references renamed, literals untouched)."""
    names = set(rules_)

    def body(b: str) -> str:
        return "".join(prefix + t if t in names else t for t in re.split(r'("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_-]*)', b))

    return {prefix + n: body(b) for n, b in rules_.items()}


@lru_cache(maxsize=256)
def compact_grammar_for(text: str) -> str:
    """The compact grammar narrowed to what ``text`` names (the translator's grammar). A text of
    2-4 clauses gets one action per clause, each narrowed to its own clause's words, so both
    halves of "tanks go east and helicopters go west" are written, each with its own units."""
    from .parser import lex

    items = lex(text)
    clauses = clause_items(items)
    if not 2 <= len(clauses) <= MAX_ACTIONS:
        return _text(compact_rules(1, restriction_from_items(items)))
    out: dict[str, str] = {"root": ""}
    parts = []
    for i, clause in enumerate(clauses):
        r = restriction_from_items(clause)
        r["max_actions"] = r["min_actions"] = max(1, int(r["min_actions"]))  # 1, or "2 barracks": 2
        rs = compact_rules(1, r)
        if r["min_actions"] == 1:
            rs["root"] = rs["action"]
            del rs["action"]
        pre = _prefixed(rs, f"c{i}")
        parts.append(f"c{i}root")
        out.update(pre)
    out["root"] = f" {_lit(COMPACT_SEP)} ".join(parts)
    return _text(out)


@lru_cache(maxsize=2)
def compact_regex(min_actions: int = 1) -> re.Pattern[str]:
    return re.compile(gbnf_to_regex(compact_grammar(min_actions)))


_SENTENCE = {
    "en": r"""[A-Z] [a-z ,']{12,140} "." """,
    "fr": r"""[A-ZÉÀ] [a-zàâçéèêëîïôûùüÿœ ,'-]{12,160} "." """,
    "zh-TW": r"""[一-鿿] [一-鿿，、]{3,50} "。" """,
}


def analysis_grammar(lang: str) -> str:
    """2-4 plain sentences in ``lang``: no lists, labels, digits or echoed report lines."""
    sep = '""' if lang == "zh-TW" else '" "'
    sentence = _SENTENCE.get(lang, _SENTENCE["en"]).strip()
    return (f"root ::= s {sep} s ({sep} s)? ({sep} s)?\n"
            f"s ::= {sentence}\n")


# ------------------------------------------------------------------ GBNF -> regex (tests, tooling)
_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|[A-Za-z_][A-Za-z0-9_-]*|[()|?*+]|\{\d+(?:,\d*)?\})')


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
                while pos < len(toks) and (toks[pos] in ("?", "*", "+") or toks[pos].startswith("{")):
                    atom += toks[pos]
                    pos += 1
                out.append(atom)
            return "".join(out)

        return alt()

    return rule("root", ())


@lru_cache(maxsize=2)
def action_regex(min_actions: int = 1) -> re.Pattern[str]:
    return re.compile(gbnf_to_regex(action_grammar(min_actions)))
