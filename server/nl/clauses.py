"""Items to actions: the fast path's clauses, pronouns, conditions and their composition into ACTIONs.

The lexed items are split into clauses at separators ("and", "then", "puis", "然後", "，"...);
each clause is turned into actions from its verb, units, buildings, numbers and target; clauses
without a verb borrow one from their neighbours ("build a power plant and a barracks").

Plans (sequences.py): separators say whether a clause runs with the previous one ("and") or
after it ("then", « puis », 「然後」「再」); a condition ("when we have 6 tanks",
« quand on aura 5 chars », 「有五輛坦克時」) becomes one ``("COND", CONDITION)`` item of the
clause it governs; "them" / « les » / 「他們」 refer to the units of an earlier clause and
"these units" / « ces unités » / 「這些部隊」 to the player's selection.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from server.sim import rules as R

from .lexing import Item
from .schema import MAX_COUNT
from .sequences import MAX_PLAN_ACTIONS, THEM, Group, condition_of


# ------------------------------------------------------------------ clauses
@dataclass
class Clause:
    verbs: list[str] = field(default_factory=list)
    units: list[list] = field(default_factory=list)     # [unit_type, count | None]
    all_sel: bool = False
    buildings: list[list] = field(default_factory=list)  # [building_type, count]
    sw: bool = False
    target: dict | None = None
    neg: bool = False
    give: bool = False
    vocab: int = 0
    verb: str | None = None
    sep: str = ""                  # how it joins the clause before: "", "and" or "then"
    ref: bool = False              # "them": the units of an earlier clause
    selref: bool = False           # "these units": the player's selection
    cond: dict | None = None       # CONDITION it waits for

    def selection_only(self) -> bool:
        return (not self.verbs and not self.give and not self.sw and not self.buildings
                and self.target is None and (bool(self.units) or self.all_sel or self.selref or self.ref)
                and all(c is None for _, c in self.units))


def _split(items: list[Item]) -> list[tuple[list[Item], str]]:
    """Clauses and the separator before each ("then" wins over "and": "and then", ", puis")."""
    parts: list[tuple[list[Item], str]] = [([], "")]
    for it in items:
        if it[0] == "SEP":
            if parts[-1][0]:
                parts.append(([], it[1] or "and"))
            elif it[1] == "then":
                parts[-1] = (parts[-1][0], "then")
        else:
            parts[-1][0].append(it)
    return [p for p in parts if p[0]]


# ------------------------------------------------------------------ plans: pronouns and conditions
_ORDER_KINDS = ("V", "U", "B", "D", "P", "PA", "XY", "SW", "ALL", "SEL", "REF", "GIVE")
_COND_KINDS = ("HAVE", "N", "U", "B", "READY", "CR", "ALL", "?", "WHEN")


def pronouns(items: list[Item]) -> list[Item]:
    """French « les » next to a verb and not before a noun is "them" (« envoie-les au nord »)."""
    out = list(items)
    for i, it in enumerate(out):
        if it != ("?", "les"):
            continue
        nxt = out[i + 1] if i + 1 < len(out) else None   # an article is right before its noun
        prev = out[i - 1] if i else None
        if (nxt is not None and nxt[0] == "V") or (
                prev is not None and prev[0] == "V" and (nxt is None or nxt[0] not in ("U", "B", "ALL", "SEL", "PA", "P"))):
            out[i] = ("REF", "")
    return out


def _read_condition(span: list[Item]) -> dict | None:
    units = [v for k, v in span if k == "U"]
    nums = [v for k, v in span if k == "N"]
    builds = [v for k, v in span if k == "B"]
    ready = any(k == "READY" for k, _ in span)
    if any(k == "CR" for k, _ in span):
        return condition_of(None, nums[-1] if nums else None, None, True)
    if builds and (ready or not units):
        return condition_of(None, None, builds[0], False)
    if units:
        return condition_of(units[0], nums[0] if nums else 1, None, False)
    if any(k == "ALL" for k, _ in span) and nums:
        return condition_of("all", nums[0], None, False)
    return None


def _condition_span(items: list[Item]) -> tuple[int, int] | None:
    """[start, end) of the first condition: from a WHEN over condition words (and a 時 that closes
    it), or back from a 時 / a "ready" followed by 後 ("兵營建好後") over condition words."""
    n = len(items)
    for i, (k, v) in enumerate(items):
        if k == "WHEN":
            j = i + 1
            while j < n and items[j][0] in _COND_KINDS and items[j][0] != "WHEN":
                j += 1
            if j < n and items[j][0] == "WHEN_END":
                j += 1
            return i, j
        closes = k == "WHEN_END" or (k == "SEP" and v == "then" and i and items[i - 1][0] == "READY")
        if closes:
            s = i
            while s > 0 and items[s - 1][0] in _COND_KINDS:
                s -= 1
            return s, i + 1
    return None


def conditions(items: list[Item]) -> list[Item]:
    """Each condition span becomes one ("COND", CONDITION) item in the clause it governs: the
    clause before it when the span ends an order ("attack when we have 6 tanks"), else the next."""
    out = list(items)
    for _ in range(8):  # a sentence with more conditions than that is not read as one
        span = _condition_span(out)
        if span is None:
            break
        i, j = span
        cond = _read_condition([it for it in out[i:j] if it[0] not in ("WHEN", "WHEN_END", "SEP")])
        if cond is None:  # "attack at once": no condition after all
            out = out[:i] + [it for it in out[i:j] if it[0] not in ("WHEN", "WHEN_END", "SEP")] + out[j:]
            continue
        before = i - 1
        while before >= 0 and out[before][0] not in ("SEP",) and out[before][0] not in _ORDER_KINDS:
            before -= 1
        rest = out[j:]
        if before >= 0 and out[before][0] in _ORDER_KINDS:
            out = out[:i] + [("COND", cond)] + rest
        else:
            if rest and rest[0][0] == "SEP":
                rest = rest[1:]
            out = out[:i] + [("COND", cond)] + rest
    return out


_MAP_POINTS = ("center", "top_left", "top_right", "bottom_left", "bottom_right")


def _build_clause(items: list[Item]) -> Clause:
    c = Clause()
    pending: int | None = None
    last_num: int | None = None
    n = len(items)
    for k, (kind, val) in enumerate(items):
        if kind not in ("?", "N", "GIVE"):  # "what's the weather like": wanting is no game word
            c.vocab += 1
        if kind == "N":
            if last_num is not None and last_num >= 20 and last_num % 10 == 0 and val < 10:
                pending = last_num + val
            else:
                pending = val
            last_num = pending
            # a number after the noun ("tanks x3", "坦克三輛") counts for it, unless a noun follows
            later = next((it for it in items[k + 1:] if it[0] in ("U", "B")), None)
            if later is None:
                if c.units and c.units[-1][1] is None:
                    c.units[-1][1], pending = pending, None
                elif c.buildings and c.buildings[-1][1] == 1 and not c.units:
                    c.buildings[-1][1], pending = pending, None
            continue
        last_num = None if kind != "?" else last_num
        if kind == "U":
            prev = items[k - 1] if k else None
            nxt = items[k + 1] if k + 1 < n else None
            if (prev and prev[0] in ("P", "PA") and prev[1] == "nearest_enemy") or (nxt and nxt[0] == "PA"):
                if c.target is None:
                    c.target = {"place": "nearest_enemy"}
                pending = None
                continue
            if c.units and c.units[-1][0] == val and pending is None:
                continue  # "a squad of soldiers": the same unit named twice
            c.units.append([val, pending])
            pending = None
        elif kind == "B":
            c.buildings.append([val, pending or 1])
            pending = None
        elif kind == "ALL":
            c.all_sel = True
        elif kind == "SW":
            c.sw = True
        elif kind == "XY":
            c.target = {"x": val[0], "y": val[1]}
        elif kind == "D":
            if c.target is None or "place" in c.target and c.target["place"] == "home":
                c.target = {"direction": val}
        elif kind in ("P", "PA"):
            if c.target is None or c.target.get("place") == "nearest_enemy" and kind == "P" and val != "home" \
                    or val == "ore" and c.target.get("place") in _MAP_POINTS:  # "the middle ore field" is ore
                c.target = {"place": val}
        elif kind == "V":
            c.verbs.append(val)
        elif kind == "NEG":
            c.neg = True
        elif kind == "GIVE":
            c.give = True
        elif kind == "REF":
            c.ref = True
        elif kind == "SEL":
            c.selref = True
        elif kind == "COND":
            c.cond = val
    c.verb = resolve_verb(c.verbs, bool(c.buildings) and not c.units)
    return c


def resolve_verb(verbs: list[str], builds_a_building: bool = False) -> str | None:
    """The one verb a clause's verbs make ("go harvest" is harvest, "make them defend" defend;
    "蓋個炮台防守", build a turret to defend: a building named after "build" is what is meant)."""
    if not verbs:
        return None
    first = verbs[0]
    if first == "build" and builds_a_building:
        return first
    if first in ("move", "launch", "build", "retreat"):  # "go harvest", "back to mining"
        for v in verbs[1:]:
            if v not in ("move", "launch", "build", "retreat"):
                return v
        if first == "move" and "retreat" in verbs[1:]:
            return "retreat"  # "pull everyone back", "go back"
    return first


def _sels(c: Clause, default: str = "all") -> list[dict]:
    if c.selref:
        return [{"selection": True}]
    if c.ref:
        return [{"step": THEM}]
    if not c.units:
        return [{"type": default}]
    out = []
    for u, cnt in c.units:
        sel = {"type": u}
        if cnt:
            sel["count"] = max(1, int(cnt))
        if sel not in out:
            out.append(sel)
    return out


def _compose(c: Clause, verb: str | None) -> list[dict] | None:
    """Actions for one clause with the given verb, or None if it does not make an order."""
    tgt = c.target
    if c.sw and verb in (None, "launch", "attack", "move", "build", "stop") and verb != "stop":
        if tgt is None or tgt.get("place") == "home":
            tgt = {"place": "enemy_base"}
        return [{"action": "launch_superweapon", "target": tgt}]
    if verb == "launch" and c.buildings and not c.units:
        verb = "build"  # "drop a refinery near the base": no superweapon, a building is put down
    if verb == "launch":
        verb = "attack"
    if verb == "build" and tgt is not None and "x" not in tgt and c.units and not c.buildings \
            and all(cnt is None for _, cnt in c.units):
        return _compose(c, "move")  # "tanks roll out north", "put the tanks in the center": where they go
    if c.units and c.buildings and (verb == "build" or verb is None and c.give):
        # "pump out ten tanks from the factory": the building that makes them is where, not what
        makers = {R.UNITS[u].produced_by for u, _ in c.units if u in R.UNITS}
        if all(b in makers for b, _ in c.buildings):
            c.buildings = []
    if verb == "build" or (verb is None and c.give and (c.units or c.buildings)):
        acts = [{"action": "build_unit", "unit_type": u, "count": max(1, min(MAX_COUNT, cnt or 1))}
                for u, cnt in c.units]
        for b, cnt in c.buildings:
            acts.extend({"action": "build_building", "building_type": b} for _ in range(max(1, min(cnt, 4))))
        if tgt is not None and "x" in tgt and len(c.buildings) == 1 and c.buildings[0][1] == 1 and not c.units:
            acts[-1]["position"] = {"x": tgt["x"], "y": tgt["y"]}  # "a turret at 20, 14": placed there
        return acts or None
    if verb == "move":
        if tgt is None:
            return None
        only_harvesters = all(u == "harvester" for u, _ in c.units) and (c.units or not c.all_sel)
        if tgt.get("place") == "ore" and only_harvesters:
            return [{"action": "harvest", "units": s} for s in _sels(c, "harvester")]
        if tgt.get("place") == "nearest_enemy":  # "send the choppers to the enemy": engage it
            return _compose(c, "attack")
        return [{"action": "move", "units": s, "target": tgt} for s in _sels(c)]
    if verb == "attack":
        if tgt is None:
            tgt = {"place": "nearest_enemy"}
        elif tgt.get("place") in ("home", "ore"):
            tgt = {"place": "enemy_base"} if tgt.get("place") == "home" else {"place": "nearest_enemy"}
        return [{"action": "attack", "units": s, "target": tgt} for s in _sels(c)]
    if verb == "stop":
        if tgt is not None and tgt.get("place") == "home":  # "artillery, hold the base"
            return _compose(c, "defend")
        return [{"action": "stop", "units": s} for s in _sels(c)]
    if verb == "harvest":
        only_harvesters = bool(c.units) and all(u == "harvester" for u, _ in c.units)
        # "gather in the middle": a gathering point that is not ore is a move (harvesters keep mining)
        if tgt is not None and (("direction" in tgt) or tgt.get("place") == "home"
                                or tgt.get("place") != "ore" and not only_harvesters):
            return [{"action": "move", "units": s, "target": tgt} for s in _sels(c)]
        default = "harvester"
        return [{"action": "harvest", "units": s} for s in _sels(c, default)]
    if verb == "defend":
        return [{"action": "defend_base", "units": s} for s in _sels(c)]
    if verb == "retreat":
        if tgt is not None and tgt.get("place") == "ore":  # "return to the ore": back to work
            return _compose(c, "move")
        if tgt is None or tgt.get("place") in ("enemy_base", "nearest_enemy"):
            tgt = {"place": "home"}
        return [{"action": "move", "units": s, "target": tgt} for s in _sels(c)]
    if verb is None:
        if (c.units or c.all_sel or c.selref or c.ref) and tgt is not None:
            return _compose(c, "move")
        if c.buildings and not c.units:
            return _compose(c, "build")
        if c.units and any(cnt for _, cnt in c.units) and not c.all_sel:
            return _compose(c, "build")
    return None


_UNIT_VERBS = ("move", "attack", "stop", "harvest", "defend", "retreat")


def interpret(items: list[Item]) -> tuple[list[dict], int, bool, bool, list[Group]]:
    """(actions, vocab count, any clause failed, all meaningful clauses negated, clause groups)."""
    clauses = []
    for part, sep in _split(items):
        c = _build_clause(part)
        c.sep = sep
        clauses.append(c)
    clauses = [c for c in clauses if c.vocab > 0]
    vocab = sum(c.vocab for c in clauses)
    # a clause that only names units lends them to the next clause's verb ("toutes les unités, stop")
    merged: list[Clause] = []
    for i, c in enumerate(clauses):
        nxt = clauses[i + 1] if i + 1 < len(clauses) else None
        if (c.selection_only() and nxt is not None and (nxt.verb or nxt.target is not None)
                and not nxt.units and not nxt.all_sel):
            nxt.units, nxt.all_sel, nxt.sep = c.units, c.all_sel, c.sep
            nxt.selref, nxt.ref, nxt.cond = nxt.selref or c.selref, nxt.ref or c.ref, nxt.cond or c.cond
            continue
        merged.append(c)
    clauses = merged
    # a move-like clause without a target borrows the next clause's target ("move tanks and infantry north")
    for i, c in enumerate(clauses[:-1]):
        nxt = clauses[i + 1]
        if c.target is None and c.verb in ("move",) and nxt.target is not None and nxt.verb in (None, c.verb):
            c.target = nxt.target
    # "tanks go east then attack": a unit order without a selection keeps the previous one's units
    # (after "then" they are a reference: the units the earlier order moved, not a new selection)
    for i in range(1, len(clauses)):
        c, before = clauses[i], clauses[i - 1]
        if (c.verb in _UNIT_VERBS and not c.units and not c.all_sel and not c.buildings and not c.ref
                and not c.selref and before.verb in _UNIT_VERBS
                and (before.units or before.all_sel or before.ref or before.selref)):
            if c.sep == "then" and not before.selref:
                c.ref = True
            else:
                c.units, c.all_sel = [list(u) for u in before.units], before.all_sel
                c.ref, c.selref = before.ref, before.selref
    # "造4台坦克然後派去敵方基地", "train 5 infantry then attack": after "then", a unit order that names no
    # units sends the ones just built (the object Chinese leaves out)
    for i in range(1, len(clauses)):
        c, before = clauses[i], clauses[i - 1]
        if (c.sep == "then" and c.verb in _UNIT_VERBS and not c.units and not c.all_sel and not c.buildings
                and not c.ref and not c.selref and before.verb == "build" and before.units and not before.buildings):
            c.ref = True
    # "when we have 6 tanks, attack": the units the condition counts are the ones that go
    for c in clauses:
        have = (c.cond or {}).get("have")
        if (have and have["unit_type"] != "all" and c.verb in _UNIT_VERBS and not c.units and not c.all_sel
                and not c.ref and not c.selref):
            c.units = [[have["unit_type"], None]]
    actions: list[dict] = []
    groups: list[Group] = []
    failed = False
    negs = 0
    prev: Clause | None = None
    for i, c in enumerate(clauses):
        if c.neg:
            negs += 1
            continue
        acts = _compose(c, c.verb)
        if acts is None and c.verb is None:
            donor = prev
            if donor is None:
                donor = next((d for d in clauses[i + 1:] if d.verb and not d.neg), None)
            if donor is not None:
                if c.target is None and donor.verb in ("move", "attack", "retreat", "launch"):
                    c.target = donor.target
                acts = _compose(c, donor.verb)
        if acts is None:
            failed = True
            continue
        if c.verb:
            prev = c
        mine = []
        for a in acts:  # repeated builds are wanted ("2 power plants"), repeated unit orders are not
            if a["action"].startswith("build_") or a not in actions:
                actions.append(a)
                mine.append(a)
        groups.append(Group(mine, c.sep, c.cond, c.ref))
    all_neg = bool(clauses) and negs == len(clauses)
    return actions[:MAX_PLAN_ACTIONS], vocab, failed, all_neg, groups
