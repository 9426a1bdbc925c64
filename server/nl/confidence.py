"""How sure a model translation is, from evidence one can check, and what to ask when it is not.

The model's answer is always schema-valid (its grammar sees to that), so validity says
nothing; what tells a good reading from a guess is measured here:

- **words accounted for**: every game word the lexer finds in the sentence (units,
  buildings, numbers, directions, places, coordinates, verbs) must show up in the
  actions; a word left out is half an order lost ("tanks go east and helicopters go west"
  answered with the tanks only);
- **words nobody knows**: words outside the lexicon (not fillers) carry meaning that
  neither the parser nor we can check; the model's reading of them is a guess;
- **defaults never said**: a target the sentence never named (``enemy_base``, ``home``,
  a direction, a corner) or ``all`` units when it named none;
- **agreement with the parser**: the deterministic parser's reading of the same words,
  full or partial (the items it recognised), compared with the model's;
- **token probabilities**: the probability the model gave the tokens it wrote; when the
  grammar forced a token the model did not want, this is low.

``assess(text, actions, ...)`` gathers the evidence and scores it (0..1); below
``THRESHOLD`` the translator asks instead of acting: ``clarify_question(...)`` builds the
question, in the player's language, with two or three concrete readings (the model's,
the parser's, the nearest sensible alternative) and "none of these".
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from server.sim import rules as _R

from . import lexicon as L
from .readings import describe

# Calibrated on tests/nl/calibration.jsonl (docs/NL.md, "Confidence"): the highest score that,
# on that set, keeps wrong-and-executed at most 2% while executing (nearly) as many right readings
# as any such threshold (bench/bench_nl_models.py --calibrate).
THRESHOLD = 0.55

Item = tuple

# a lexer item is accounted for by actions of these kinds
_VERB_KINDS = {
    "build": {"build_unit", "build_building", "move"},  # "tanks roll out north", "put the tanks in the center"
    "move": {"move", "attack", "harvest", "defend_base"},  # "send tanks to attack": move is generic
    "attack": {"attack", "launch_superweapon"},
    "stop": {"stop", "defend_base"},  # "hold the base"
    "harvest": {"harvest", "move"},  # "gather in the middle": a gathering point that is not ore
    "defend": {"defend_base"},
    "retreat": {"move", "defend_base", "harvest"},  # "back to mining", « retournent récolter »
    "launch": {"launch_superweapon", "attack", "move", "build_building"},  # "drop a refinery near the base"
}
_CORNER_DIRECTION = {"top_left": "northwest", "top_right": "northeast", "bottom_left": "southwest",
                     "bottom_right": "southeast"}
_UNIT_ACTIONS = {"move", "attack", "stop", "harvest", "defend_base"}


@dataclass(frozen=True)
class Evidence:
    """What was measured about one translation (all plain data, for logs and the answer)."""

    unaccounted: tuple[str, ...] = ()   # game words of the sentence no action reflects ("unit:tank")
    unknown: tuple[str, ...] = ()       # words outside the lexicon (not fillers)
    unsaid: tuple[str, ...] = ()        # defaults the actions use that the sentence never said
    parser: str = "none"                # agrees | partial | differs | none (the parser made no order)
    clauses: int = 1                    # order clauses the lexer found
    actions: int = 0
    logprob_min: float | None = None    # lowest log-probability of a token the model wrote
    logprob_mean: float | None = None
    factors: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"unaccounted": list(self.unaccounted), "unknown": list(self.unknown), "unsaid": list(self.unsaid),
                "parser": self.parser, "clauses": self.clauses, "actions": self.actions,
                "logprob_min": self.logprob_min, "logprob_mean": self.logprob_mean,
                "factors": dict(self.factors)}


@dataclass(frozen=True)
class Assessment:
    score: float
    evidence: Evidence

    @property
    def confident(self) -> bool:
        return self.score >= THRESHOLD


# ------------------------------------------------------------------ evidence
def _sel(a: dict) -> dict:
    u = a.get("units")
    return u if isinstance(u, dict) else {}


def _target(a: dict) -> dict:
    t = a.get("target")
    return t if isinstance(t, dict) else {}


def _position(a: dict) -> dict:
    p = a.get("position")
    return p if isinstance(p, dict) else {}


def _accounted(item: Item, actions: Sequence[dict]) -> bool:
    kind, val = item[0], item[1] if len(item) > 1 else ""
    if kind == "U":
        return any(_sel(a).get("type") == val or a.get("unit_type") == val for a in actions)
    if kind == "B":  # built, or the maker of units built ("ten tanks from the factory")
        return any(a.get("building_type") == val or a.get("action") == "build_unit"
                   and _R.UNITS[str(a.get("unit_type"))].produced_by == val for a in actions
                   if a.get("action") != "build_unit" or a.get("unit_type") in _R.UNITS)
    if kind == "SW":
        return any(a.get("action") == "launch_superweapon" for a in actions)
    if kind == "D":
        return any(_target(a).get("direction") == val or _CORNER_DIRECTION.get(str(_target(a).get("place"))) == val
                   for a in actions)
    if kind in ("P", "PA"):
        if val == "home":  # "defend the base", "back to base", "a turret by the base"
            return any(_target(a).get("place") == "home" or a.get("action") in ("defend_base", "build_building")
                       for a in actions)
        if val == "ore":
            return any(a.get("action") == "harvest" or _target(a).get("place") == "ore" for a in actions)
        if val == "nearest_enemy":  # "enemy" also names the enemy base's owner
            return any(_target(a).get("place") in ("nearest_enemy", "enemy_base") or a.get("action") == "attack"
                       for a in actions)
        return any(_target(a).get("place") == val for a in actions)
    if kind == "ALL":  # "all units", or "all the tanks" (any selection by type)
        return any(_sel(a).get("type") or _sel(a).get("selection") for a in actions) or \
            all(a.get("action") not in _UNIT_ACTIONS for a in actions)
    if kind == "SEL":
        return any(_sel(a).get("selection") or "ids" in _sel(a) for a in actions)
    if kind == "N":
        n = val
        if not isinstance(n, int):
            return True
        for a in actions:
            if n in (a.get("count"), _sel(a).get("count"), _target(a).get("x"), _target(a).get("y")):
                return True
        builds = [a.get("building_type") for a in actions if a.get("action") == "build_building"]
        if any(builds.count(b) == n for b in set(builds)):
            return True
        return n == 1  # "a", "one": the default count
    if kind == "XY" and isinstance(val, tuple) and len(val) == 2:
        return any(where.get("x") == val[0] and where.get("y") == val[1]
                   for a in actions for where in (_target(a), _position(a)))
    if kind == "V":
        kinds = _VERB_KINDS.get(str(val), set())
        return any(a.get("action") in kinds for a in actions)
    return True


def _is_filler(word: str) -> bool:
    item = L.LATIN.get(word) or L.ZH.get(word)
    return item is not None and item[0] in ("NOP", "SEP")


def _unknown_words(items: Iterable[Item]) -> tuple[str, ...]:
    out = []
    for it in items:
        if it[0] != "?":
            continue
        w = str(it[1])
        if _is_filler(w) or not any(ch.isalpha() for ch in w) or len(w) < 2 and w.isascii():
            continue
        if w not in out:
            out.append(w)
    return tuple(out)


def _unsaid(items: Sequence[Item], actions: Sequence[dict]) -> tuple[str, ...]:
    kinds = {it[0] for it in items}
    places = {it[1] for it in items if it[0] in ("P", "PA")}
    verbs = {it[1] for it in items if it[0] == "V"}
    out: list[str] = []
    for a in actions:
        sel, tgt = _sel(a), _target(a)
        if sel.get("type") == "all" and "ALL" not in kinds and "SEL" not in kinds and "U" in kinds:
            out.append("all")  # the sentence named units, the answer moves everything
        if sel.get("type") == "all" and not ({"ALL", "SEL", "U"} & kinds):
            out.append("all_implicit")
        if isinstance(sel.get("count"), int) and "N" not in kinds:
            out.append("count")
        if a.get("action") == "build_unit" and int(a.get("count") or 1) > 1 and "N" not in kinds:
            out.append("count")
        place = tgt.get("place")
        if place == "enemy_base" and "enemy_base" not in places:
            out.append("enemy_base")
        elif place == "home" and "home" not in places and not ({"retreat"} & verbs):
            out.append("home")
        elif place == "nearest_enemy" and not places and a.get("action") != "attack":
            out.append("nearest_enemy")
        elif place in _CORNER_DIRECTION and _CORNER_DIRECTION[place] not in {it[1] for it in items if it[0] == "D"} \
                and place not in places:
            out.append(str(place))
        elif place == "center" and "center" not in places:
            out.append("center")
        if "direction" in tgt and "D" not in kinds:
            out.append("direction")
        if "x" in tgt and "XY" not in kinds:
            out.append("coordinates")
        # no verb at all, and nothing that implies one (a place to go, a count to build, a wish):
        # « les soldats, baladez-vous » -> defend_base is the model's guess at an unknown verb
        if a.get("action") in ("stop", "harvest", "defend_base", "attack") and not verbs \
                and not ({"GIVE", "D", "XY", "SW"} & kinds) and not places:
            out.append("verb")
    return tuple(dict.fromkeys(out))


def _canon(actions: Iterable[dict]) -> list[str]:
    """Comparable form; "the units just built" is the same whether said as a plan reference
    ({"step": k}, the parser's "send them") or as their type (the model's "move tank ...")."""
    out, built = [], set()
    for a in actions:
        a = dict(a)
        sel = a.get("units")
        if isinstance(sel, dict) and ("step" in sel or sel.get("type") in built):
            a["units"] = {"built_before": True}
        if a.get("action") == "build_unit":
            built.add(a.get("unit_type"))
        out.append(json.dumps(a, sort_keys=True))
    return sorted(out)


def _agreement(actions: Sequence[dict], parser_actions: Sequence[dict] | None) -> str:
    if not parser_actions:
        return "none"
    mine, theirs = _canon(actions), _canon(parser_actions)
    if mine == theirs:
        return "agrees"
    if set(mine) & set(theirs):
        return "partial"
    return "differs"


def clause_count(items: Sequence[Item]) -> int:
    """Order clauses in the lexer's items, cut as the model's grammar cuts them (grammar.clause_items)."""
    from .grammar import clause_items

    return max(1, len(clause_items([tuple(it) for it in items])))


def gather(text: str, actions: Sequence[dict], *, items: Sequence[Item] | None = None,
           parser_actions: Sequence[dict] | None = None,
           token_logprobs: Sequence[float] | None = None) -> Evidence:
    """The evidence about ``actions`` as a reading of ``text`` (``items``: the lexer's, if known)."""
    if items is None:
        from .parser import lex

        items = lex(text)
    items = list(items)
    # verbs count as each clause resolves them ("make these units defend" is defend, "回去工作" harvest)
    from .grammar import pieces_verbs

    from .clauses import conditions

    # a condition's words ("once we have 6 tanks") are the plan's, not an action's
    ordered = [it for it in conditions([tuple(i) for i in items]) if it[0] != "COND"]
    game = [it for it in ordered if it[0] in ("U", "B", "SW", "D", "P", "PA", "ALL", "N", "XY", "SEL")]
    game += [("V", v) for v in pieces_verbs(items)]
    unaccounted = []
    for it in game:
        if not _accounted(it, actions):
            label = f"{it[0]}:{it[1]}" if len(it) > 1 and it[1] != "" else str(it[0])
            if label not in unaccounted:
                unaccounted.append(label)
    lps = [float(x) for x in (token_logprobs or ()) if isinstance(x, (int, float)) and math.isfinite(x)]
    return Evidence(
        unaccounted=tuple(unaccounted), unknown=_unknown_words(items), unsaid=_unsaid(items, actions),
        parser=_agreement(actions, parser_actions), clauses=clause_count(items), actions=len(actions),
        logprob_min=round(min(lps), 3) if lps else None,
        logprob_mean=round(sum(lps) / len(lps), 3) if lps else None)


# ------------------------------------------------------------------ score
# Each kind of doubt multiplies the score; the weights are round numbers chosen by hand
# (how much each doubt should count), the threshold is what the calibration set sets.
W_UNACCOUNTED = 0.3
W_UNKNOWN = 0.85
W_UNKNOWN_FLOOR = 0.45
W_UNSAID = {"enemy_base": 0.3, "home": 0.4, "direction": 0.2, "coordinates": 0.1, "center": 0.4, "all": 0.5,
            "all_implicit": 0.85, "count": 0.4, "nearest_enemy": 0.6, "verb": 0.5}
W_UNSAID_CORNER = 0.4
W_PARSER = {"agrees": 1.0, "partial": 0.6, "differs": 0.35, "none": 0.8}
W_FEWER_ACTIONS = 0.4
W_UNKNOWN_AND_UNSAID = 0.7
LOGPROB_FLOOR = -20.0
W_LOGPROB = 0.02


def score(ev: Evidence) -> tuple[float, dict[str, float]]:
    f: dict[str, float] = {}
    if ev.actions == 0:
        return 0.0, {"no_actions": 0.0}
    if ev.unaccounted:
        f["unaccounted"] = W_UNACCOUNTED ** len(ev.unaccounted)
    if ev.unknown:
        f["unknown"] = max(W_UNKNOWN_FLOOR, W_UNKNOWN ** len(ev.unknown))
    for u in ev.unsaid:
        f[f"unsaid:{u}"] = W_UNSAID.get(u, W_UNSAID_CORNER)
    if ev.unknown and ev.unsaid:  # a word nobody knows where the actions fill in a default: likely what it named
        f["unknown_and_unsaid"] = W_UNKNOWN_AND_UNSAID
    f["parser"] = W_PARSER.get(ev.parser, 0.8)
    if ev.actions < ev.clauses and ev.parser != "agrees":  # the parser read those clauses as one order too
        f["fewer_actions"] = W_FEWER_ACTIONS
    if ev.logprob_min is not None:
        # the probability of the least likely sampled token, much softened: under the compact
        # grammar even right answers start with a token the model found unlikely (p ~ 1e-3 on
        # the calibration set), so only a much lower one (two-part answers gone astray) counts
        f["tokens"] = math.exp(W_LOGPROB * max(LOGPROB_FLOOR, ev.logprob_min))
    s = 1.0
    for v in f.values():
        s *= v
    return round(max(0.0, min(1.0, s)), 4), f


def assess(text: str, actions: Sequence[dict], *, items: Sequence[Item] | None = None,
           parser_actions: Sequence[dict] | None = None,
           token_logprobs: Sequence[float] | None = None) -> Assessment:
    ev = gather(text, actions, items=items, parser_actions=parser_actions, token_logprobs=token_logprobs)
    s, factors = score(ev)
    ev = Evidence(**{**ev.__dict__, "factors": factors})
    return Assessment(s, ev)


# ------------------------------------------------------------------ the question
_QUESTION = {
    "en": "I am not sure what \u201c{text}\u201d means. Did you mean:",
    "fr": "Je ne suis pas sûr de comprendre « {text} ». Vouliez-vous dire :",
    "zh-TW": "我不確定「{text}」是什麼意思。你是指：",
}
MAX_READINGS = 3


def _swap_target(actions: list[dict], target: dict) -> list[dict]:
    out = []
    for a in actions:
        if "target" in a:
            a = {**a, "target": dict(target)}
        out.append(a)
    return out


def alternative(text: str, model_actions: Sequence[dict], parser_actions: Sequence[dict] | None,
                items: Sequence[Item], ev: Evidence) -> list[dict] | None:
    """The nearest sensible other reading: change what the evidence doubts most."""
    model = [dict(a) for a in model_actions]
    units = [it[1] for it in items if it[0] == "U"]
    # a unit the sentence names but the answer left out: act with those units instead
    if units and any(u.startswith("U:") for u in ev.unaccounted):
        fixed = []
        for a in model:
            if a.get("action") in _UNIT_ACTIONS and _sel(a).get("type") not in units:
                a = {**a, "units": {"type": units[0]}}
            fixed.append(a)
        if fixed != model:
            return fixed
    # an invented target: the place the lexer found, else the nearest enemy / stay home
    places = [it[1] for it in items if it[0] == "P"]
    dirs = [it[1] for it in items if it[0] == "D"]
    if any(u in ev.unsaid for u in ("enemy_base", "home", "direction", "center", "nearest_enemy")) or \
            any(u in _CORNER_DIRECTION for u in ev.unsaid):
        if places:
            return _swap_target(model, {"place": places[0]})
        if dirs:
            return _swap_target(model, {"direction": dirs[0]})
        if any(a.get("action") == "attack" for a in model):
            return _swap_target(model, {"place": "nearest_enemy"})
        # nothing named where to go: keep the units at home instead of sending them somewhere
        return [{"action": "defend_base", "units": a["units"]} if a.get("action") == "move" else a for a in model
                if a.get("action") != "launch_superweapon"] or None
    # half an order: both readings together
    if parser_actions and len(model) < ev.clauses:
        merged = list(model) + [a for a in parser_actions if a not in model]
        return merged[:4]
    # move <-> attack is the most common confusion between two sensible readings
    swapped = []
    for a in model:
        if a.get("action") == "move" and "target" in a:
            a = {**a, "action": "attack"}
        elif a.get("action") == "attack":
            a = {**a, "action": "move"}
        swapped.append(a)
    if swapped != model:
        return swapped
    # a unit order that named no place ("infantry, wander off somewhere"): the other plain
    # things those units could do: go to the middle of the map, or guard the base
    sels = [a["units"] for a in model if a.get("action") in _UNIT_ACTIONS and isinstance(a.get("units"), dict)]
    if len(model) == 1 and sels:
        for alt in ({"action": "move", "units": sels[0], "target": {"place": "center"}},
                    {"action": "defend_base", "units": sels[0]}):
            if alt["action"] != model[0].get("action"):
                return [alt]
    return None


def readings(text: str, model_actions: Sequence[dict], parser_actions: Sequence[dict] | None,
             items: Sequence[Item], ev: Evidence) -> list[list[dict]]:
    """Two or three distinct, schema-valid readings: the model's, the parser's, an alternative."""
    from .schema import clean_actions

    out: list[list[dict]] = []

    def add(acts: Sequence[dict] | None) -> None:
        if not acts:
            return
        clean = clean_actions([dict(a) for a in acts])
        if clean and _canon(clean) not in [_canon(o) for o in out]:
            out.append(clean)

    add(model_actions)
    add(parser_actions)
    add(alternative(text, model_actions, parser_actions, items, ev))
    if len(out) < 2 and parser_actions:
        add(alternative(text, parser_actions, None, items, gather(text, parser_actions, items=items)))
    return out[:MAX_READINGS]


def clarify_question(text: str, lang: str, model_actions: Sequence[dict], parser_actions: Sequence[dict] | None,
                     items: Sequence[Item], ev: Evidence) -> dict[str, Any]:
    """The ``clarify`` object (PROTOCOL.md, without its id) in ``lang``: two or three readings as
    options, then "none of these" (added by server.nl.clarify.make_clarify)."""
    from .clarify import make_clarify

    lang = lang if lang in _QUESTION else "en"
    shown = text if len(text) <= 80 else text[:77] + "..."
    opts = [{"label": describe(r, lang), "actions": r} for r in readings(text, model_actions, parser_actions,
                                                                         items, ev)]
    return make_clarify(_QUESTION[lang].format(text=shown), opts, lang)


@dataclass(frozen=True)
class Verdict:
    """What the translator does with a model answer: execute ``actions``, or ask ``clarify``."""

    assessment: Assessment
    actions: list[dict]
    clarify: dict[str, Any] | None

    def confidence(self) -> dict[str, Any]:
        """The ``confidence`` field of the translate answer."""
        return {"score": self.assessment.score, "threshold": THRESHOLD, **self.assessment.evidence.as_dict()}


def judge(text: str, lang: str, model_actions: Sequence[dict], *, parser_actions: Sequence[dict] | None = None,
          items: Sequence[Item] | None = None, token_logprobs: Sequence[float] | None = None) -> Verdict:
    """Score the model's reading of ``text``; below THRESHOLD, nothing executes and a question is asked."""
    if items is None:
        from .parser import lex

        items = lex(text)
    a = assess(text, model_actions, items=items, parser_actions=parser_actions, token_logprobs=token_logprobs)
    if not model_actions or a.confident:
        return Verdict(a, list(model_actions), None)
    q = clarify_question(text, lang, model_actions, parser_actions, items, a.evidence)
    return Verdict(a, [], q)
