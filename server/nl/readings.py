"""ACTION lists said back in words, in en / fr / zh-TW (the labels of a clarify question's buttons).

``describe(actions, lang)`` -> "Move tanks to the middle of the map", « Déplacer les chars au
centre de la carte », 「坦克移動到地圖中央」. Pure functions of the schema; no game state.
"""
from __future__ import annotations

from typing import Any

_UNITS = {
    "en": {"infantry": "infantry", "tank": "tanks", "artillery": "artillery", "harvester": "harvesters",
           "helicopter": "helicopters", "all": "all combat units", "selection": "the selected units"},
    "fr": {"infantry": "l'infanterie", "tank": "les chars", "artillery": "l'artillerie",
           "harvester": "les collecteurs", "helicopter": "les hélicoptères", "all": "toutes les unités de combat",
           "selection": "les unités sélectionnées"},
    "zh-TW": {"infantry": "步兵", "tank": "坦克", "artillery": "火炮", "harvester": "採礦車", "helicopter": "直升機",
              "all": "全部戰鬥單位", "selection": "選取的單位"},
}
_UNIT_ONE = {
    "en": {"infantry": "infantry", "tank": "tank", "artillery": "artillery", "harvester": "harvester",
           "helicopter": "helicopter"},
    "fr": {"infantry": "fantassin", "tank": "char", "artillery": "artillerie", "harvester": "collecteur",
           "helicopter": "hélicoptère"},
    "zh-TW": {"infantry": "步兵", "tank": "坦克", "artillery": "火炮", "harvester": "採礦車", "helicopter": "直升機"},
}
_UNIT_MANY = {
    "en": {"infantry": "infantry", "tank": "tanks", "artillery": "artillery", "harvester": "harvesters",
           "helicopter": "helicopters"},
    "fr": {"infantry": "fantassins", "tank": "chars", "artillery": "artilleries", "harvester": "collecteurs",
           "helicopter": "hélicoptères"},
    "zh-TW": _UNIT_ONE["zh-TW"],
}
_BUILDINGS = {
    "en": {"power_plant": "a power plant", "barracks": "a barracks", "refinery": "a refinery",
           "war_factory": "a war factory", "defense_turret": "a defense turret", "hq": "a headquarters"},
    "fr": {"power_plant": "une centrale", "barracks": "une caserne", "refinery": "une raffinerie",
           "war_factory": "une usine", "defense_turret": "une tourelle", "hq": "un quartier général"},
    "zh-TW": {"power_plant": "發電廠", "barracks": "兵營", "refinery": "精煉廠", "war_factory": "戰車工廠",
              "defense_turret": "防禦砲塔", "hq": "總部"},
}
_DIRS = {
    "en": {"north": "north", "south": "south", "east": "east", "west": "west", "northeast": "northeast",
           "northwest": "northwest", "southeast": "southeast", "southwest": "southwest"},
    "fr": {"north": "au nord", "south": "au sud", "east": "à l'est", "west": "à l'ouest", "northeast": "au nord-est",
           "northwest": "au nord-ouest", "southeast": "au sud-est", "southwest": "au sud-ouest"},
    "zh-TW": {"north": "北方", "south": "南方", "east": "東方", "west": "西方", "northeast": "東北方",
              "northwest": "西北方", "southeast": "東南方", "southwest": "西南方"},
}
_PLACES = {
    "en": {"enemy_base": "the enemy base", "home": "our base", "ore": "the ore", "nearest_enemy": "the nearest enemy",
           "center": "the middle of the map", "top_left": "the top left corner", "top_right": "the top right corner",
           "bottom_left": "the bottom left corner", "bottom_right": "the bottom right corner"},
    "fr": {"enemy_base": "la base ennemie", "home": "notre base", "ore": "le minerai",
           "nearest_enemy": "l'ennemi le plus proche", "center": "le centre de la carte",
           "top_left": "le coin en haut à gauche", "top_right": "le coin en haut à droite",
           "bottom_left": "le coin en bas à gauche", "bottom_right": "le coin en bas à droite"},
    "zh-TW": {"enemy_base": "敵方基地", "home": "我方基地", "ore": "礦區", "nearest_enemy": "最近的敵人",
              "center": "地圖中央", "top_left": "左上角", "top_right": "右上角", "bottom_left": "左下角",
              "bottom_right": "右下角"},
}
# French place phrases after "à": à + le -> au
_FR_TO = {"le ": "au ", "la ": "à la ", "l'": "à l'", "notre ": "à notre "}


def _lang(lang: str | None) -> str:
    return lang if lang in ("en", "fr", "zh-TW") else "en"


def units_phrase(units: Any, lang: str) -> str:
    lang = _lang(lang)
    if not isinstance(units, dict):
        return _UNITS[lang]["all"]
    if units.get("selection") or "ids" in units:
        return _UNITS[lang]["selection"]
    kind = str(units.get("type", "all"))
    count = units.get("count")
    if isinstance(count, int) and kind in _UNIT_ONE[lang]:
        names = _UNIT_ONE if count == 1 else _UNIT_MANY
        name = names[lang][kind]
        if lang == "zh-TW":
            return f"{count} 個{name}"
        return f"{count} {name}"
    return _UNITS[lang].get(kind, kind)


def target_phrase(target: Any, lang: str) -> str:
    lang = _lang(lang)
    if not isinstance(target, dict):
        return ""
    if "x" in target and "y" in target:
        return {"en": f"({target['x']}, {target['y']})", "fr": f"en ({target['x']}, {target['y']})",
                "zh-TW": f"座標 ({target['x']}, {target['y']})"}[lang]
    if "direction" in target:
        return _DIRS[lang].get(str(target["direction"]), str(target["direction"]))
    if "place" in target:
        return _PLACES[lang].get(str(target["place"]), str(target["place"]))
    if "entity" in target:
        return {"en": f"unit #{target['entity']}", "fr": f"l'unité n° {target['entity']}",
                "zh-TW": f"單位 #{target['entity']}"}[lang]
    return ""


def _fr_to(place: str) -> str:
    for a, b in _FR_TO.items():
        if place.startswith(a):
            return b + place[len(a):]
    return place


def describe_action(action: dict, lang: str) -> str:
    """One ACTION in words, in ``lang``."""
    lang = _lang(lang)
    kind = action.get("action")
    units = units_phrase(action.get("units"), lang)
    target = target_phrase(action.get("target"), lang)
    place = isinstance(action.get("target"), dict) and "place" in action["target"]
    if kind == "build_unit":
        n = int(action.get("count") or 1)
        t = str(action.get("unit_type"))
        name = (_UNIT_ONE if n == 1 else _UNIT_MANY)[lang].get(t, t)
        return {"en": f"Build {n} {name}", "fr": f"Produire {n} {name}", "zh-TW": f"生產 {n} 個{name}"}[lang]
    if kind == "build_building":
        b = _BUILDINGS[lang].get(str(action.get("building_type")), str(action.get("building_type")))
        return {"en": f"Build {b}", "fr": f"Construire {b}", "zh-TW": f"建造{b}"}[lang]
    if kind == "move":
        if lang == "en":
            return f"Move {units} to {target}" if place or target.startswith("(") else f"Move {units} {target}"
        if lang == "fr":
            dest = _fr_to(target) if place else target
            return f"Déplacer {units} {dest}"
        return f"{units}移動到{target}"
    if kind == "attack":
        return {"en": f"Attack {target} with {units}", "fr": f"Attaquer {target} avec {units}",
                "zh-TW": f"{units}攻擊{target}"}[lang]
    if kind == "stop":
        return {"en": f"Stop {units}", "fr": f"Arrêter {units}", "zh-TW": f"{units}停止"}[lang]
    if kind == "harvest":
        return {"en": f"Send {units} to harvest", "fr": f"Envoyer {units} récolter", "zh-TW": f"{units}去採礦"}[lang]
    if kind == "defend_base":
        return {"en": f"Defend the base with {units}", "fr": f"Défendre la base avec {units}",
                "zh-TW": f"{units}防守基地"}[lang]
    if kind == "launch_superweapon":
        return {"en": f"Launch the superweapon at {target}", "fr": f"Lancer la superarme sur {target}",
                "zh-TW": f"對{target}發射超級武器"}[lang]
    return str(kind)


def describe(actions: list[dict], lang: str) -> str:
    """An ACTION list in words: "Build a barracks, then build 3 infantry"."""
    lang = _lang(lang)
    parts = [describe_action(a, lang) for a in actions if isinstance(a, dict)]
    if not parts:
        return {"en": "Nothing", "fr": "Rien", "zh-TW": "不執行"}[lang]
    joiner = {"en": ", then ", "fr": ", puis ", "zh-TW": "，然後"}[lang]
    out = parts[0]
    for p in parts[1:]:
        out += joiner + (p[0].lower() + p[1:] if lang != "zh-TW" else p)
    return out
