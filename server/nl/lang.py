"""Language detection for player text: "en", "fr" or "zh-TW".

Deterministic and cheap (a few microseconds): any CJK ideograph means Chinese
(Traditional or Simplified, answered as "zh-TW"); French is recognised by its
accents, its function words and its game vocabulary; everything else is English.
"""
from __future__ import annotations

import re
import unicodedata


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_FR_ACCENTS = re.compile(r"[éèêëàâîïôûùüçœæ]")
_WORD = re.compile(r"[a-zà-ÿœæ]+")

# Words that are French and (almost) never English.
_FR_WORDS = frozenset(["le", "la", "les", "des", "du", "une", "un", "au", "aux", "et", "puis", "ou", "vers", "sur", "avec", "pour", "dans", "chez", "ce", "cette", "ces", "mon", "ma", "mes", "notre", "nos", "votre", "vos", "leur", "leurs", "tes", "ton", "ta", "tes", "tous", "toutes", "tout", "je", "tu", "il", "nous", "vous", "ils", "elles", "est", "sont", "moi", "toi", "lui", "qui", "que", "quoi", "quel", "quelle", "quels", "quelles", "ensuite", "apres", "pas", "moins", "tres", "bien", "bonjour", "merci", "salut", "sil", "plait", "construis", "construisez", "construire", "construit", "batis", "batissez", "batir", "fabrique", "fabriquez", "fabriquer", "produis", "produisez", "produire", "entraine", "entrainez", "entrainer", "forme", "formez", "recrute", "recrutez", "cree", "creez", "creer", "lance", "lancez", "lancer", "deplace", "deplacez", "deplacer", "bouge", "bougez", "envoie", "envoyez", "envoyer", "allez", "va", "aller", "avance", "avancez", "avancer", "dirige", "dirigez", "attaque", "attaquez", "attaquer", "attaquent", "chargez", "frappe", "frappez", "detruis", "detruisez", "detruire", "arrete", "arretez", "arreter", "stoppe", "stoppez", "halte", "cesse", "cessez", "recolte", "recoltez", "recolter", "collecte", "collectez", "ramasse", "ramassez", "defends", "defendez", "defendre", "protege", "protegez", "proteger", "gardez", "replie", "repliez", "recule", "reculez", "retraite", "repli", "tirez", "declenche", "declenchez", "char", "chars", "blinde", "blindes", "fantassin", "fantassins", "soldat", "soldats", "infanterie", "collecteur", "collecteurs", "recolteur", "recolteurs", "moissonneuse", "artillerie", "canons", "helico", "helicos", "helicoptere", "helicopteres", "centrale", "centrales", "electrique", "caserne", "casernes", "raffinerie", "raffineries", "usine", "usines", "tourelle", "tourelles", "bombe", "nucleaire", "superarme", "arme", "minerai", "gisement", "ennemi", "ennemie", "ennemis", "ennemies", "adverse", "nord", "sud", "ouest", "unites", "unite", "armee", "maison", "donne", "donnez", "argent", "triche", "oublie", "regles", "gagner", "partie", "montre", "montrez"])
_EN_WORDS = frozenset(["the", "a", "an", "and", "then", "to", "of", "at", "on", "in", "with", "for", "from", "all", "every", "everyone", "my", "our", "your", "their", "its", "is", "are", "be", "build", "make", "train", "produce", "construct", "queue", "create", "recruit", "move", "send", "go", "head", "march", "advance", "attack", "assault", "strike", "stop", "halt", "hold", "harvest", "mine", "gather", "collect", "defend", "protect", "guard", "retreat", "fall", "back", "launch", "fire", "nuke", "tank", "tanks", "infantry", "soldiers", "troops", "harvester", "harvesters", "miner", "artillery", "helicopter", "chopper", "power", "plant", "barracks", "refinery", "factory", "turret", "enemy", "base", "home", "ore", "north", "south", "east", "west", "units", "army", "please", "now", "some", "give", "me", "what", "how", "why", "where", "who", "when", "weather", "hello", "thanks"])


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def detect_language(text: str) -> str:
    """Return "zh-TW" if the text holds CJK characters, "fr" if it reads as French, else "en"."""
    if not text:
        return "en"
    if _IDEOGRAPH.search(text):
        return "zh-TW"
    low = text.lower()
    score = 0.0
    if _FR_ACCENTS.search(low):
        score += 2.0
    if re.search(r"\b[ldjnmstcqu]'|\b[ldjnmstcqu]’", low):  # élision: l'ouest, d'infanterie, qu'il
        score += 1.5
    words = _WORD.findall(_strip_accents(low))
    for w in words:
        if w in _FR_WORDS:
            score += 1.0
        if w in _EN_WORDS:
            score -= 1.0
    return "fr" if score > 0 else "en"


def normalize_lang(lang: str | None) -> str | None:
    """Map a client-given language tag to one of server.protocol.LANGUAGES, or None if unknown."""
    if not lang or not isinstance(lang, str):
        return None
    tag = lang.strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh-TW"
    if tag.startswith("fr"):
        return "fr"
    if tag.startswith("en"):
        return "en"
    return None


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))
