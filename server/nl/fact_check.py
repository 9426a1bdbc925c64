"""Check the advisor's sentences against the facts of the view and the rules table.

``check_sentence(sentence, facts, lang)`` returns the reasons the sentence is false (an
empty list when nothing in it contradicts the facts); ``check_text`` splits a text into
sentences and keeps those that pass. What is checked, in English, French and Chinese:

- **what needs what / what earns credits / what gives power**: "build X to / so that /
  for <purpose>" and "<purpose> needs X": X must be on the rules table's path to the
  purpose (a barracks does not earn credits, a power plant does not train tanks);
- **counts**: a number next to a unit, building, "units" or credits must be the count
  the player can see (own or enemy, or near the base); any other number must be one
  of the figures of the situation;
- **what exists**: "you have no X" when X exists, "your X" when there is none, enemy
  units of a type not in sight, things that are not in this game (ships, airfields...);
- **state**: low power, superweapon ready, a threat near the base, who is stronger,
  low or plentiful credits, idle production: each must agree with the facts.

The checker is deliberately strict: a true sentence it cannot read is dropped only if
it also says something that looks like a false claim; the heuristic text, built from the
same facts, must always pass (tested).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from . import lexicon as L
from .facts import COMBAT, Facts, chain_to, earns_credits, gives_power

_SENT = re.compile(r"[^.!?。！？]+[.!?。！？]*")


def _norm(text: str) -> str:
    """Lower case, no accents, Traditional Chinese, apostrophes as spaces (as the lexer reads text)."""
    t = unicodedata.normalize("NFKC", text).lower().translate(L.S2T)
    t = t.replace("œ", "oe").replace("’", "'")
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", t.replace("'", " ")).strip()


def _lex(text: str) -> list[tuple]:
    from .parser import lex

    return lex(text)


def _units(text: str) -> list[str]:
    return [it[1] for it in _lex(text) if it[0] == "U"]


def _buildings(text: str) -> list[str]:
    return [it[1] for it in _lex(text) if it[0] == "B"]


# ------------------------------------------------------------------ word lists (normalised text)
_PURPOSE = re.compile(r"\b(to|so that|so you can|so|in order to|for|pour|afin de|afin d|pour pouvoir|"
                      r"qui permet de|qui permettra de)\b|才能|以便|來|用來|以")
_NEEDS = re.compile(r"\b(needs?|requires?|required|necessite|necessitent|exige|exigent)\b|需要")
_CREDITS = re.compile(r"\b(credits?|income|money|cash|earn|earning|economy|revenus?|argent|gagner|economie|"
                      r"rentrees?)\b|資金|收入|賺|錢|經濟")
_POWER = re.compile(r"\b(power|electricity|energy|energie|electricite|courant)\b|電力|電")
_TRAIN = re.compile(r"\b(train|training|produce|build|unlock|unlocks|get|make|entrainer|produire|former|"
                    r"debloquer|debloque|fabriquer|construire|recruter)\b|訓練|生產|解鎖|建造|製造")

_NEGATION = re.compile(r"\b(no|not any|without|lack|lacking|don t have|do not have|haven t got|"
                       r"pas de|pas d|aucun|aucune|sans|n avez pas|n avez plus|n a pas|n y a pas)\b|沒有|缺少|無")
_POSSESSIVE = re.compile(r"\b(your|you have a|you have an|you have one|you have some|you own|votre|vos|"
                         r"vous avez un|vous avez une|vous avez des)\b|你的|你有")
_ENEMY = re.compile(r"\b(enemy|enemies|ennemi|ennemie|ennemis|ennemies|adverse|adverses|hostile|hostiles|their|"
                    r"leurs?)\b|敵")

_CLAIMS: dict[str, re.Pattern[str]] = {
    "low_power": re.compile(r"\b(power is low|low power|power shortage|not enough power|short on power|"
                            r"low on power|energie est (insuffisante|faible|basse)|energie (insuffisante|faible)|"
                            r"manque d energie|pas assez d energie|manque de courant)\b|電力不足|電力不夠|缺電|電力偏低"),
    "power_ok": re.compile(r"\b(power is (fine|good|enough|sufficient|stable)|enough power|plenty of power|"
                           r"energie (est )?(suffisante|stable)|assez d energie)\b|電力充足|電力足夠"),
    "sw_ready": re.compile(r"\b(superweapon is ready|superweapon ready|launch (it|the superweapon|your superweapon)|"
                           r"fire the superweapon|superarme est prete|superarme prete|lancez (la|votre) superarme|"
                           r"lancez la)\b|超級武器已就緒|超級武器準備好|發射超級武器"),
    "threat": re.compile(r"\b(under attack|near your base|attacking your base|threat|threats|approaching your base|"
                         r"close to your base|at your base|menace|menaces|pres de votre base|attaquent votre base|"
                         r"attaque votre base|sous attaque|approchent de votre base)\b|威脅|接近你的基地|攻擊你的基地|"
                         r"基地附近|遭到攻擊|被攻擊"),
    "stronger": re.compile(r"\b(outnumber|outnumbers|outweigh|outweighs|stronger than|you are stronger|superior|"
                           r"the upper hand|you have the advantage|domine|dominez|superieure?|plus forte? que|"
                           r"l avantage|avez l avantage)\b|強於|優勢|佔上風|佔優"),
    "weaker": re.compile(r"\b(outgunned|outnumbered|weaker|inferior|you are behind|at a disadvantage|inferiorite|"
                         r"plus faibles?|desavantage|surclasse|surclasses)\b|劣勢|較弱|不敵|處於下風"),
    "low_credits": re.compile(r"\b(credits are low|low on credits|short of credits|not enough credits|out of money|"
                              r"low credits|credits sont bas|peu de credits|manque de credits|credits (sont )?faibles)"
                              r"\b|資金偏低|資金不足|缺錢|錢不夠"),
    "rich": re.compile(r"\b(plenty of credits|lots of credits|rich|many credits|beaucoup de credits|"
                       r"credits en abondance)\b|資金充足|很多資金|資金充裕"),
    "idle": re.compile(r"\b(idle|sitting idle|not producing|a l arret|inactive|inactives?|ne produit rien)\b|閒置"),
    "no_enemy": re.compile(r"\b(no enemy|no enemies|aucun ennemi|aucune unite ennemie|pas d ennemi)\b(?! army)|"
                           r"沒有敵人|沒有敵方單位"),
    "no_enemy_army": re.compile(r"\b(no enemy army|aucune armee ennemie)\b|沒有敵軍"),
}
# things a player of this game could be told about that do not exist in it
_NOT_IN_GAME = re.compile(r"\b(airfields?|airports?|air ?strips?|navy|naval|ships?|boats?|submarines?|docks?|"
                          r"shipyards?|tesla|radars?|silos?|walls?|medics?|engineers?|spies|spy|dogs?|mammoth|"
                          r"reactors?|oil|gold|aerodromes?|aeroports?|navires?|bateaux|sous marins?|chantier naval|"
                          r"murs?|medecins?|ingenieurs?|espions?|chiens?|petrole)\b|機場|船|艦|潛艇|船塢|雷達|城牆|"
                          r"醫護兵|工程師|間諜|石油|黃金")


@dataclass
class CheckResult:
    kept: list[str] = field(default_factory=list)
    dropped: list[tuple[str, list[str]]] = field(default_factory=list)


def _known_numbers(f: Facts) -> set[int]:
    nums = {f.credits, f.power_produced, f.power_used, f.my_army, f.enemy_army, f.threat_count,
            sum(f.my_units.values()), sum(f.enemy_units.values()), sum(f.my_buildings.values()),
            sum(f.enemy_buildings.values()), round(100 * f.superweapon_charge), f.harvesters}
    nums.update(f.my_units.values())
    nums.update(f.enemy_units.values())
    nums.update(f.threats.values())
    nums.update(f.my_buildings.values())
    nums.update(f.enemy_buildings.values())
    return nums


def _count_claims(sentence: str, f: Facts) -> list[str]:
    """A number next to a unit/building/"units" must be a count the player can see."""
    reasons: list[str] = []
    items = _lex(sentence)
    advice = False
    enemy_near = bool(_ENEMY.search(_norm(sentence)))
    for i, it in enumerate(items):
        if it[0] == "V" and it[1] == "build":
            advice = True  # "build 2 tanks": a suggestion, not a claim
        if it[0] != "N" or advice or not isinstance(it[1], int):
            continue
        n = it[1]
        # the thing counted follows at once ("5 tanks", "3 enemy tanks", "5 combat units")
        nxt = items[i + 1:i + 3]
        if nxt and nxt[0][0] == "?":
            nxt = nxt[1:]
        if not nxt:
            continue
        head = nxt[0]
        if head[0] == "PA" and i + 2 < len(items):
            head = items[i + 2] if items[i + 1] == head else items[i + 3] if i + 3 < len(items) else head
        if head[0] == "U":
            t = head[1]
            counts = {f.my_units.get(t, 0), f.enemy_units.get(t, 0), f.threats.get(t, 0)}
            if n not in counts and not (n == 1 and 1 in counts):
                reasons.append(f"count: {n} {t} (seen: own {f.my_units.get(t, 0)}, enemy "
                               f"{f.enemy_units.get(t, 0)})")
        elif head[0] == "B":
            t = head[1]
            if n not in (f.my_buildings.get(t, 0), f.enemy_buildings.get(t, 0)) and n != 1:
                reasons.append(f"count: {n} {t} (own {f.my_buildings.get(t, 0)})")
        elif head[0] in ("ALL", "P") and n > 1:
            counts = {f.my_army, f.enemy_army, f.threat_count, sum(f.my_units.values()),
                      sum(f.enemy_units.values())}
            if n not in counts:
                reasons.append(f"count: {n} units ({'enemy' if enemy_near else 'own'} army "
                               f"{f.enemy_army if enemy_near else f.my_army})")
    known = _known_numbers(f)
    for m in re.finditer(r"\d+", sentence):
        if int(m.group(0)) not in known:
            reasons.append(f"number {m.group(0)} is none of the situation's figures")
            break
    return reasons


def _purpose_claims(sentence: str, f: Facts) -> list[str]:
    """'build X to earn credits / to train Y / for power', '<Y> needs X': X on the rules' path to Y."""
    n = _norm(sentence)
    reasons: list[str] = []
    need = _NEEDS.search(n)
    pairs: list[tuple[str, str]] = []   # (means part, purpose part)
    last = 0
    for m in _PURPOSE.finditer(n):
        if m.start() > 2:  # "build X to <purpose>": X is what comes since the previous purpose
            pairs.append((n[last:m.start()], n[m.end():]))
        else:  # "to earn credits, build a barracks"
            rest = n[m.end():]
            cut = re.search(r"[,，:：;；]", rest)
            if cut:
                pairs.append((rest[cut.end():], rest[:cut.start()]))
        last = m.end()
    if need:
        pairs.append((n[need.end():], n[:need.start()]))
    for means, purpose in pairs:
        bs = _buildings(means)
        us = _units(means)
        if not bs and not us:
            continue
        if _CREDITS.search(purpose):
            good = set(earns_credits()) | set(chain_to("refinery"))
            wrong = [b for b in bs if b not in good] + [u for u in us if u not in good]
            if wrong:
                reasons.append(f"rules: {', '.join(wrong)} do not earn credits (refinery and harvesters do)")
            continue
        p_units = [u for u in _units(purpose) if u in COMBAT or u == "harvester"]
        p_buildings = [b for b in _buildings(purpose) if b not in bs]
        if p_units and (_TRAIN.search(purpose) or _TRAIN.search(means) or need):
            for b in bs:
                if not all(b in chain_to(u) for u in p_units):
                    reasons.append(f"rules: {b} is not needed for {', '.join(p_units)}")
            continue
        if p_buildings and not p_units:
            for b in bs:
                if not all(b in chain_to(pb) for pb in p_buildings):
                    reasons.append(f"rules: {b} is not needed for {', '.join(p_buildings)}")
            continue
        if _POWER.search(purpose) and bs and not any(b in gives_power() for b in bs):
            reasons.append(f"rules: {', '.join(bs)} do not give power")
    return reasons


def _existence_claims(sentence: str, f: Facts) -> list[str]:
    n = _norm(sentence)
    reasons: list[str] = []
    for m in _NEGATION.finditer(n):
        after = n[m.end():m.end() + 28]
        head = _lex(after)[:4]
        things = [it for it in head if it[0] in ("U", "B")]
        if not things:
            continue
        kind, t = things[0][0], things[0][1]
        enemy = bool(_ENEMY.search(after[:12]))
        if kind == "B" and not enemy and f.has(t):
            reasons.append(f"exists: the player has a {t}")
        if kind == "U" and not enemy and f.my_units.get(t, 0) > 0:
            reasons.append(f"exists: the player has {f.my_units[t]} {t}")
    for m in _POSSESSIVE.finditer(n):
        after = n[m.end():m.end() + 24]
        head = _lex(after)[:3]
        things = [it for it in head if it[0] in ("U", "B")]
        if not things or _ENEMY.search(after[:10]):
            continue
        kind, t = things[0][0], things[0][1]
        if kind == "B" and not f.has(t):
            reasons.append(f"exists: the player has no {t}")
        if kind == "U" and f.my_units.get(t, 0) == 0:
            reasons.append(f"exists: the player has no {t}")
    # enemy units of a type nobody has seen ("enemy helicopters" / "hélicoptères ennemis" / "敵方直升機")
    items = _lex(sentence)
    for i, it in enumerate(items):
        if it[0] != "U":
            continue
        prev = items[i - 1] if i else ("", "")
        nxt = items[i + 1] if i + 1 < len(items) else ("", "")
        if any(x[0] in ("P", "PA") and x[1] == "nearest_enemy" for x in (prev, nxt)):
            t = it[1]
            if f.enemy_units.get(t, 0) == 0:
                reasons.append(f"exists: no enemy {t} in sight")
    if _NOT_IN_GAME.search(n):
        reasons.append(f"exists: '{_NOT_IN_GAME.search(n).group(0)}' is not in this game")  # type: ignore[union-attr]
    return reasons


def _state_claims(sentence: str, f: Facts) -> list[str]:
    n = _norm(sentence)
    negated = bool(re.search(r"\b(not|no longer|n est pas|ne sont pas|pas encore)\b|不是|並非|尚未|還沒", n))
    reasons = []

    def said(key: str) -> bool:
        return bool(_CLAIMS[key].search(n))

    if said("low_power") and not f.low_power and not negated:
        reasons.append(f"state: power is not low ({f.power_produced}/{f.power_used})")
    if said("power_ok") and f.low_power:
        reasons.append(f"state: power is low ({f.power_produced}/{f.power_used})")
    if said("sw_ready") and not f.superweapon_ready and not negated:
        reasons.append(f"state: the superweapon is not ready ({int(100 * f.superweapon_charge)}%)")
    if said("threat") and not f.threats and not negated:
        reasons.append("state: no enemy near the base")
    if said("no_enemy") and f.enemy_units and not said("threat"):
        reasons.append(f"state: {sum(f.enemy_units.values())} enemy units in sight")
    if said("no_enemy_army") and f.enemy_army:
        reasons.append(f"state: {f.enemy_army} enemy combat units in sight")
    if said("no_enemy") and said("threat") and f.threats:
        reasons.append(f"state: {f.threat_count} enemy units near the base")
    if said("stronger") and f.balance in ("weaker", "no_enemy_seen") and not negated:
        reasons.append(f"state: not stronger ({f.balance})")
    if said("weaker") and f.balance in ("stronger", "no_enemy_seen") and not negated:
        reasons.append(f"state: not weaker ({f.balance})")
    if said("low_credits") and f.credits >= 1000:
        reasons.append(f"state: credits are not low ({f.credits})")
    if said("rich") and f.credits < 500:
        reasons.append(f"state: credits are low ({f.credits})")
    if said("idle"):
        named = [b for b in _buildings(sentence) if b in ("barracks", "war_factory")]
        if not f.idle_producers or any(b not in f.idle_producers for b in named):
            reasons.append(f"state: idle production is {list(f.idle_producers) or 'none'}")
    return reasons


def check_sentence(sentence: str, facts: Facts, lang: str = "en") -> list[str]:
    """Why ``sentence`` contradicts the facts or the rules (empty: nothing false found)."""
    if facts.spectator:
        return []
    return (_count_claims(sentence, facts) + _purpose_claims(sentence, facts)
            + _existence_claims(sentence, facts) + _state_claims(sentence, facts))


def sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in _SENT.finditer(text or "") if m.group(0).strip()]


def check_text(text: str, facts: Facts, lang: str = "en") -> CheckResult:
    out = CheckResult()
    for s in sentences(text):
        reasons = check_sentence(s, facts, lang)
        if reasons:
            out.dropped.append((s, reasons))
        else:
            out.kept.append(s)
    return out
