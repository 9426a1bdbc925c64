"""Vocabulary of the fast path, in English, French and Chinese.

Each entry maps a phrase to an item:
  ("V", verb)       verb class: build move attack stop harvest defend retreat launch
  ("U", unit)       a unit type (PROTOCOL names)
  ("B", building)   a building type
  ("SW", "")        the superweapon (nuke, missile, 核彈 ...)
  ("D", direction)  a compass direction
  ("P", place)      enemy_base | home | ore | nearest_enemy ; ("PA", "nearest_enemy") is the
                    adjective form ("enemy tanks", "chars ennemis") that turns a neighbouring unit
                    word into a target
  ("ALL", "")       every unit ("all", "army", 全軍)
  ("N", n)          a number
  ("NEG", "")       a negation (the clause is not an order)
  ("GIVE", "")      give/want/need: an order to produce when it names units
  ("SEP", "and")    a clause separator: "and" joins (and, et, 和 ...), "then" sequences
                    (then, puis, 然後, 再 ...: the next clause waits for this one)
  ("REF", "")       "them", « eux », 「他們」: the units an earlier clause produced or commanded
                    (French « les » is told from the article by the parser)
  ("SEL", "")       "these units", « ces unités », 「這些部隊」: the player's current selection
  ("WHEN", "")      a condition starts (when, once, quand, dès que, 當, 一旦, 等)
  ("WHEN_END", "")  a Chinese condition ends (時, 時候): 「有五輛坦克時進攻」
  ("HAVE", "")      have / aura / 有, inside a condition
  ("READY", "")     ready / built / prête / 建好, inside a condition ("when the barracks is ready")
  ("CR", "")        credits / argent / 資金, inside a condition ("when we have 2000 credits")
  ("NOP", "")       a known filler word that must never be typo-corrected
  ("STAY", "")      stay / restez / 留下: a stop, unless "and defend" follows (lexing.py)

Latin keys are lower case without accents (the text is normalised the same way).
"""
from __future__ import annotations


def _add(table: dict, words: str, item: tuple) -> None:
    for w in words.split("|"):
        w = w.strip()
        if w:
            table[w] = item


LATIN: dict[str, tuple] = {}
ZH: dict[str, tuple] = {}

# ---------------------------------------------------------------- verbs (en, fr)
_add(LATIN, "build|builds|building|make|makes|train|trains|training|produce|produces|construct|queue|queue up|"
     "create|recruit|manufacture|assemble|erect|put up|set up|spawn|crank out|churn out|order|"
     "construis|construisez|construisons|construire|construit|batis|batissez|batir|bati|fabrique|fabriquez|"
     "fabriquer|produis|produisez|produire|entraine|entrainez|entrainer|forme|formez|former|recrute|recrutez|"
     "recruter|cree|creez|creer|fais|faites|mets en production|lance la production de|"
     "lance la production d", ("V", "build"))
_add(LATIN, "move|moves|send|go|goes|head|march|advance|proceed|relocate|redeploy|deploy|push|scout|patrol|"
     "rally|regroup at|travel|walk|drive|fly|position|get to|go to|head to|"
     "deplace|deplacez|deplacer|deplacons|bouge|bougez|bouger|envoie|envoyez|envoyer|envoyons|va|vas|allez|aller|"
     "allons|avance|avancez|avancer|avancons|dirige|dirigez|diriger|rends toi|rendez vous|marche|marchez|file|"
     "filez|pars|partez|vole|volez", ("V", "move"))
_add(LATIN, "attack|attacks|attacking|assault|charge|strike|hit|raid|destroy|kill|engage|fight|rush|storm|smash|"
     "shoot|open fire|invade|hunt|eliminate|crush|wipe out|take out|go after|bombard|besiege|chase|pursue|"
     "attaque|attaquez|attaquer|attaquent|attaquons|chargez|chargeons|frappe|frappez|frapper|assaut|a l assaut|"
     "detruis|detruisez|detruire|detruisons|tue|tuez|elimine|eliminez|ecrase|ecrasez|ouvrez le feu|"
     "ouvre le feu|engagez|rase|rasez|envahis|envahissez|bombardez|bombarde", ("V", "attack"))
_add(LATIN, "stop|stops|halt|hold|hold position|freeze|cease|cease fire|ceasefire|wait|stay|stand down|"
     "stand still|stay put|hold fire|"
     "arrete|arretez|arreter|arretons|stoppe|stoppez|halte|cesse|cessez|immobilise|immobilisez|attends|"
     "attendez|reste|restez|restez en place|tenez la position|tiens la position|cessez le feu", ("V", "stop"))
_add(LATIN, "harvest|harvesting|mine|mining|gather|gathering|collect|collecting|farm|dig|"
     "recolte|recoltez|recolter|recoltent|minez|miner|extrais|extrayez|extraire|collecte|collectez|collecter|"
     "ramasse|ramassez|ramasser|exploite|exploitez|exploiter", ("V", "harvest"))
_add(LATIN, "defend|defends|defending|protect|protects|guard|guards|cover|secure|fortify|"
     "defends|defendez|defendre|defendent|defendons|protege|protegez|proteger|protegeons|garde|gardez|garder|"
     "securise|securisez|en defense|a la defense|on defense|on the defensive|go defensive|"
     "en position defensive|sur la defensive", ("V", "defend"))
_add(LATIN, "retreat|retreats|fall back|falls back|withdraw|pull back|back off|back|return|come back|go back|"
     "head back|go home|flee|run away|evacuate|regroup|"
     "retraite|en retraite|battez en retraite|bats en retraite|replie|repliez|repliez vous|replie toi|repli|"
     "recule|reculez|reculer|retire|retirez|retirez vous|rentrez|rentre|reviens|revenez|retourne|retournez|"
     "fuyez|fuis|retour", ("V", "retreat"))
_add(LATIN, "launch|fire|use|drop|detonate|unleash|activate|trigger|"
     "lance|lancez|lancer|lancons|declenche|declenchez|tire|tirez|utilise|utilisez|active|activez|largue|"
     "larguez", ("V", "launch"))
_add(LATIN, "give|give me|gimme|get|get me|want|need|more|"
     "donne|donnez|donne moi|donnez moi|je veux|il me faut|il faut|faut|on veut|nous voulons|"
     "j ai besoin de|besoin de|on a besoin de", ("GIVE", ""))

# more ways players say the same things (colloquial, conditional, gathering at a point)
_add(LATIN, "pump out|pump|roll out|whip up|turn out|put together|get going on|put|place|plop|plop down|"
     "throw down|throw up|slap down|knock up|"
     "commande|commandez|ajoute|ajoutez|rajoute|rajoutez|monte|montez|monter|pose|posez|installe|installez",
     ("V", "build"))
_add(LATIN, "bring back|bring home|ramene|ramenez|ramener|rapatrie|rapatriez", ("V", "retreat"))
_add(LATIN, "minage|au minage|extraction", ("V", "harvest"))
_add(LATIN, "rax|raxes", ("B", "barracks"))
_add(LATIN, "wander|stroll|roam|hurry|run|dash|race|rush over|head over|get over|move out|move over|"
     "converge|meet|meet up|join up|rendezvous|mass|concentrate|spread out|spread|fan out|disperse|scatter|"
     "deployez vous|dispersez vous|dispersez|deployez|"
     "rejoins|rejoignez|rejoindre|convergez|converger|foncez|fonce|cours|courez|postez vous|placez vous|"
     "positionnez|positionne|positionnez vous|mettez vous|descendez|descends|passez|glissez|pull|bring|"
     "patrouillez|patrouille|reconnaissance|en reconnaissance|eclairez|eclaire",
     ("V", "move"))
# gathering goes to a point: the base unless a place is named ("regroup in the middle")
_add(LATIN, "rassemble|rassemblez|rassembler|se rassemble|se rassemblent|rassemblez vous|rassemblement|"
     "regroupe|regroupez|regrouper|se regroupe|se regroupent|regroupez vous|regroupement|reunissez vous|"
     "se reunit|se reunissent|retrouvez vous|se retrouvent", ("V", "retreat"))
_add(LATIN, "wreck|demolish|obliterate|annihilate|flatten|raze|overrun|trash|bash|"
     "defonce|defoncez|defoncer|demolis|demolissez|demolir|pulverise|pulverisez|aneantis|aneantissez|"
     "cassez|casse", ("V", "attack"))
_add(LATIN, "like|wanna|require|requires|"
     "voudrais|voudrait|voudrions|voudriez|voulons|voulez|veux|veut|aimerais|aimerait|aimerions|faudrait|"
     "faudra|souhaite|souhaiterais|souhaitons", ("GIVE", ""))

# English -ing forms ("would you mind stopping the harvesters", "keep moving north")
_add(LATIN, "producing|making|constructing|recruiting|spawning|queueing|queuing", ("V", "build"))
_add(LATIN, "moving|sending|heading|marching|advancing|pushing|scouting|patrolling|rallying|flying|"
     "driving|deploying|relocating", ("V", "move"))
_add(LATIN, "assaulting|charging|striking|hitting|raiding|destroying|killing|engaging|fighting|rushing|"
     "storming|shooting|bombarding|hunting", ("V", "attack"))
_add(LATIN, "stopping|halting|holding|freezing|waiting|staying", ("V", "stop"))
_add(LATIN, "protecting|guarding|covering|securing|fortifying", ("V", "defend"))
_add(LATIN, "retreating|withdrawing|returning|falling back|pulling back|fleeing|evacuating|coming back|going back",
     ("V", "retreat"))
_add(LATIN, "launching|firing|dropping|detonating|unleashing|triggering", ("V", "launch"))

# third-person / plural forms ("les chars vont au nord")
_add(LATIN, "construisent|fabriquent|produisent|entrainent|recrutent", ("V", "build"))
_add(LATIN, "vont|partent|avancent|bougent|deplacent|se deplacent|foncent|marchent|volent|filent", ("V", "move"))
_add(LATIN, "chargent|frappent|detruisent|assaillent|tirent", ("V", "attack"))
_add(LATIN, "arretent|s arretent|stoppent|attendent|restent", ("V", "stop"))
_add(LATIN, "protegent|gardent", ("V", "defend"))
_add(LATIN, "reculent|se replient|replient|rentrent|reviennent|retournent|fuient", ("V", "retreat"))
# "our base is under attack" is a call to defend, not to attack
_add(LATIN, "under attack|being attacked|is attacked|are attacked|attacked|under fire|"
     "attaquee|attaquees|attaques|est attaquee|sous le feu|on nous attaque|nous sommes attaques", ("V", "defend"))

# ---------------------------------------------------------------- nouns (en, fr)
_UNIT_WORDS = {
    "tank": "tank|tanks|armor|armour|armored|armoured|heavy tank|heavy tanks|light tank|light tanks|"
            "medium tank|medium tanks|mbt|battle tank|battle tanks|"
            "char|chars|char d assaut|chars d assaut|blinde|blindes|tank lourd|tanks lourds",
    "infantry": "infantry|infantries|infantryman|infantrymen|soldier|soldiers|troop|troops|trooper|troopers|"
                "rifleman|riflemen|grunt|grunts|marine|marines|foot soldiers|men|squad|squads|"
                "infantry unit|infantry units|"
                "fantassin|fantassins|soldat|soldats|infanterie|troupe|troupes|hommes|escouade|"
                "unite d infanterie|unites d infanterie",
    "harvester": "harvester|harvesters|miner|miners|ore truck|ore trucks|collector|collectors|harv|harvs|"
                 "harvy|mining truck|mining trucks|"
                 "collecteur|collecteurs|recolteur|recolteurs|recolteuse|recolteuses|moissonneuse|"
                 "moissonneuses|camion minier|camions miniers|mineur|mineurs|collecteur de minerai",
    "artillery": "artillery|artilleries|arty|artillery unit|artillery units|artillery piece|"
                 "artillery pieces|cannon|cannons|howitzer|howitzers|"
                 "artillerie|artilleries|canon|canons|obusier|obusiers|piece d artillerie|"
                 "pieces d artillerie|unite d artillerie|unites d artillerie",
    "helicopter": "helicopter|helicopters|chopper|choppers|heli|helis|helo|helos|copter|copters|"
                  "gunship|gunships|attack helicopter|attack helicopters|aircraft|air units|air unit|"
                  "helicoptere|helicopteres|helico|helicos|helicoptere de combat|helicopteres de combat",
}
for _u, _w in _UNIT_WORDS.items():
    _add(LATIN, _w, ("U", _u))

_BUILDING_WORDS = {
    "power_plant": "power plant|power plants|powerplant|powerplants|power station|power stations|"
                   "generator|generators|power|reactor|reactors|power generator|"
                   "centrale|centrales|centrale electrique|centrales electriques|generateur|generateurs|"
                   "centrale energetique|usine electrique",
    "barracks": "barracks|barrack|baracks|infantry barracks|training camp|"
                "caserne|casernes|baraquement|baraquements",
    "refinery": "refinery|refineries|ore refinery|ore refineries|raffinerie|raffineries|"
                "raffinerie de minerai",
    "war_factory": "war factory|war factories|factory|factories|tank factory|vehicle factory|"
                   "weapons factory|weapon factory|warfactory|"
                   "usine|usines|usine de guerre|usine d armement|usine de chars|usine de vehicules|"
                   "usine militaire",
    "defense_turret": "turret|turrets|defense turret|defense turrets|defence turret|defence turrets|"
                      "defensive turret|defensive turrets|gun turret|gun turrets|tower|towers|gun tower|"
                      "defense tower|defense towers|defence tower|defense|defence|defenses|defences|"
                      "pillbox|pillboxes|bunker|bunkers|"
                      "tourelle|tourelles|tourelle defensive|tourelles defensives|tourelle de defense|"
                      "tour de defense|tours de defense|defenses",
}
for _b, _w in _BUILDING_WORDS.items():
    _add(LATIN, _w, ("B", _b))

_add(LATIN, "nuke|nukes|nuclear|superweapon|super weapon|superweapons|missile|missiles|nuclear missile|"
     "nuclear strike|nuclear bomb|atomic bomb|a bomb|icbm|doomsday weapon|ultimate weapon|the big one|"
     "bombe|bombe nucleaire|bombe atomique|nucleaire|missile nucleaire|superarme|super arme|arme secrete|"
     "arme ultime|frappe nucleaire|ogive|arme nucleaire", ("SW", ""))

_DIRS = {
    "north": "north|northward|northwards|northern|top|nord|en haut|haut",
    "south": "south|southward|southwards|southern|bottom|sud|en bas|bas",
    "east": "east|eastward|eastwards|eastern|right|to the right|est|droite",
    "west": "west|westward|westwards|western|left|to the left|ouest|l ouest|gauche|a gauche",
    "northeast": "northeast|north east|northeastern|nord est|nordest",
    "northwest": "northwest|north west|northwestern|nord ouest|nordouest",
    "southeast": "southeast|south east|southeastern|sud est|sudest",
    "southwest": "southwest|south west|southwestern|sud ouest|sudouest",
}
for _d, _w in _DIRS.items():
    _add(LATIN, _w, ("D", _d))

_add(LATIN, "enemy base|enemy s base|enemys base|enemy bases|enemy hq|enemy headquarters|their base|their hq|"
     "enemy camp|enemy buildings|enemy structures|opponent base|opponent s base|hostile base|"
     "base of the enemy|enemy compound|enemy outpost|"
     "base ennemie|bases ennemies|base adverse|base de l ennemi|base des ennemis|qg ennemi|camp ennemi|"
     "batiments ennemis|leur base|base de l adversaire|quartier general ennemi", ("P", "enemy_base"))
_add(LATIN, "home|base|our base|my base|hq|headquarters|main base|home base|rally point|"
     "notre base|ma base|maison|qg|quartier general|a la maison|la base", ("P", "home"))
_add(LATIN, "ore|ore field|ore fields|gems|gem|minerals|resources|crystals|ore patch|mining area|tiberium|"
     "minerai|minerais|gisement|gisements|champ de minerai|champs de minerai|gemmes|ressources|la mine",
     ("P", "ore"))
_add(LATIN, "nearest enemy|closest enemy|nearest enemies|closest enemies|nearby enemies|nearby enemy|enemy|"
     "enemies|foe|foes|hostiles|opponent|opponents|enemy units|enemy forces|enemy army|"
     "enemy unit|closest|nearest|closest one|nearest one|whoever is closest|whatever is closest|"
     "ennemi le plus proche|l ennemi le plus proche|ennemis les plus proches|le plus proche|l ennemi|"
     "adversaire|adversaires|unites ennemies|forces ennemies", ("P", "nearest_enemy"))
# adjective forms: "enemy tanks", "chars ennemis"
_add(LATIN, "ennemi|ennemie|ennemis|ennemies|adverses|hostile|hostiles ennemis|their|leurs", ("PA", "nearest_enemy"))

_add(LATIN, "all|every|everyone|everybody|everything|all units|all forces|whole army|army|forces|units|unit|"
     "all of them|every unit|entire army|all my units|all our units|my army|our army|my units|our units|"
     "tous|toutes|tout|tout le monde|toutes les unites|toutes unites|unites|unite|armee|toute l armee|l armee|"
     "forces|toutes les forces|toutes nos unites|toutes mes unites|nos unites|mes unites", ("ALL", ""))

_NUMS = {
    1: "one|single|another|un|une|seul|seule", 2: "two|couple|a couple|a couple of|pair|a pair of|deux",
    3: "three|few|a few|several|trois|quelques|plusieurs", 4: "four|quatre", 5: "five|cinq",
    6: "six", 7: "seven|sept", 8: "eight|huit", 9: "nine|neuf", 10: "ten|dix|une dizaine de|dizaine",
    11: "eleven|onze", 12: "twelve|dozen|a dozen|douze|une douzaine de|douzaine", 13: "thirteen|treize",
    14: "fourteen|quatorze", 15: "fifteen|quinze", 16: "sixteen|seize", 17: "seventeen|dix sept",
    18: "eighteen|dix huit", 19: "nineteen|dix neuf", 20: "twenty|vingt", 30: "thirty|trente",
    40: "forty|quarante", 50: "fifty|cinquante", 100: "hundred|a hundred|cent",
}
for _n, _w in _NUMS.items():
    _add(LATIN, _w, ("N", _n))

_add(LATIN, "don t|dont|do not|never|not|no|ne|n|pas|jamais|ne pas|cancel that", ("NEG", ""))
_add(LATIN, "and|also|plus|et|aussi|while|meanwhile|, |;|.|!|?|&", ("SEP", "and"))
_add(LATIN, "then|and then|after that|afterwards|next|finally|puis|ensuite|apres|apres ca|et puis|enfin|"
     "et ensuite|and after that|once done|when done|une fois fait", ("SEP", "then"))
# Known words that must never be "corrected" into game words (tanks/thanks, charge/change ...).
_add(LATIN, "a|an|the|to|at|of|on|in|into|with|for|from|toward|towards|please|now|immediately|quickly|"
     "asap|right now|right away|all right|alright|go go|le|la|les|l|des|du|de|d|au|aux|vers|sur|avec|pour|"
     "dans|chez|s il te plait|s il vous plait|svp|maintenant|vite|tout de suite|immediatement|thanks|thank|"
     "there|these|those|think|thing|things|still|start|hello|world|about|again|other|which|"
     "would|could|should|water|weather|change|changes|chance|games|player|players|where|when|worse|"
     "better|great|funny|happy|story|music|dance|sings|mines|minds|hours|times|today|tonight|"
     "merci|salut|bonjour|comment|pourquoi|quelle|quelles|combien|temps|blague|chanson|histoire|maison|"
     "cartes|carte|partie|parties|tanker|plant|plants|based|trainer|moved|mover|my|our|me|it|"
     "them|us|you|your|we|i|is|are|be|can|could|will|would|any|near|next to|by|around|up|down|over|"
     "across|ahead|forward|fast|slow|now|here|there|area|zone|side|position|location|spot|point|"
     "quickly|slowly|carefully|together|group|groups|team|teams|ca va|comment ca va|ca va bien|how are you|"
     "how is it going|"
     # politeness and hedges: they change no order ("could you maybe...", « pourriez-vous... »)
     "mind|kindly|maybe|perhaps|possibly|probably|just|lets|let|guys|folks|boys|hey|ok|okay|pls|plz|"
     "go ahead|shall|might|must|gotta|try|see|if|so|some|little|bit|"
     "pourrais|pourriez|pourrait|pourraient|pourrions|peux|pouvez|peut|etre|veuillez|merci de|tu|vous|"
     "y|que|qu|stp|un peu|hop|toi|moi|ensemble|encore|deja|donc|bon|alors|voila", ("NOP", ""))
# restore game meanings that the filler list above may have overwritten
LATIN["position"] = ("V", "move")
LATIN["plus"] = ("SEP", "and")
LATIN["maison"] = ("P", "home")

# ---------------------------------------------------------------- plans: references, selections, conditions
# (after the filler list: "them", "these", "when" were fillers before plans gave them a meaning)
_add(LATIN, "them|eux|those ones|these ones|the new ones|the new units|les nouveaux|les nouvelles", ("REF", ""))
_add(LATIN, "these units|those units|these|those|the selected units|selected units|my selected units|selection|"
     "the selection|my selection|selected|ces|ces unites|cette unite|ces troupes|la selection|ma selection|"
     "unites selectionnees|selectionnees|selectionnes", ("SEL", ""))
_add(LATIN, "when|once|as soon as|whenever|quand|lorsque|lorsqu|des que|des qu|une fois que|sitot que|"
     "aussitot que", ("WHEN", ""))
_add(LATIN, "have|has|got|reach|reaches|reached|aura|aurons|aurez|auront|avons|avez|ai|aurai|disposera|"
     "disposerons", ("HAVE", ""))
_add(LATIN, "ready|built|done|finished|complete|completed|prete|pret|prets|pretes|construite|"
     "terminee|termine|finie|fini|achevee|acheve|sera prete|sera construite|sera terminee|est prete|"
     "est construite|est terminee|seront prets", ("READY", ""))
_add(LATIN, "credits|credit|money|cash|dollars|argent|credit", ("CR", ""))
_add(LATIN, "center|centre|middle|center of the map|centre of the map|middle of the map|map center|"
     "milieu|milieu de la carte|centre de la carte|au centre|au milieu", ("P", "center"))
_CORNERS = {
    "top_left": "top left corner|upper left corner|northwest corner|north west corner|top left|upper left|"
                "en haut a gauche|"
                "coin en haut a gauche|coin superieur gauche|coin haut gauche|coin nord ouest",
    "top_right": "top right corner|upper right corner|northeast corner|north east corner|top right|upper right|"
                 "en haut a droite|"
                 "coin en haut a droite|coin superieur droit|coin haut droit|coin nord est",
    "bottom_left": "bottom left corner|lower left corner|southwest corner|south west corner|bottom left|"
                   "lower left|en bas a gauche|"
                   "coin en bas a gauche|coin inferieur gauche|coin bas gauche|coin sud ouest",
    "bottom_right": "bottom right corner|lower right corner|southeast corner|south east corner|bottom right|"
                    "lower right|en bas a droite|"
                    "coin en bas a droite|coin inferieur droit|coin bas droit|coin sud est",
}
for _c, _w in _CORNERS.items():
    _add(LATIN, _w, ("P", _c))

# ---------------------------------------------------------------- Chinese (Traditional; Simplified is mapped)
_add(ZH, "建造|建設|建立|建|造|蓋|興建|生產|製造|訓練|招募|徵召|培養|產生|修建|做|組建|出產|補充|打造|量產", ("V", "build"))
_add(ZH, "移動|前往|去|走|開往|開到|派|派遣|送|前進|進軍|移至|移到|到|出發|轉移|調往|調到|集結|行軍|飛往|飛到|"
     "開過去|過去|調動|部署", ("V", "move"))
_add(ZH, "攻擊|進攻|突擊|攻打|打|襲擊|衝鋒|衝|消滅|摧毀|殲滅|開火|射擊|轟炸|掃蕩|出擊|進擊|猛攻|殺|圍攻|"
     "攻佔|攻占|攻|打擊|幹掉|擊毀|剿滅|突襲|強攻|總攻", ("V", "attack"))
_add(ZH, "停止|停下|停|待命|原地待命|別動|不要動|暫停|住手|停火|原地不動|站住|按兵不動", ("V", "stop"))
_add(ZH, "採礦|採集|挖礦|開採|收集|採|挖|收割|採資源|採收", ("V", "harvest"))
# "let the harvesters get back to work", « au travail », 「採礦車回去工作」: a harvester's work is mining
_add(LATIN, "work|working|back to work|au travail|travailler|travaillent|bosser", ("V", "harvest"))
_add(ZH, "工作|幹活", ("V", "harvest"))
_add(ZH, "防守|防禦|保護|守衛|守住|守|保衛|駐守|護衛|回防|防衛|鎮守|堅守", ("V", "defend"))
_add(ZH, "撤退|後退|撤回|撤離|回家|回來|回|退回|退|返回|撤|全線撤退|逃跑|回城|回到", ("V", "retreat"))
_add(ZH, "被攻擊|遭到攻擊|受到攻擊|遇襲|被襲擊|被打|遭受攻擊|被偷襲", ("V", "defend"))
_add(ZH, "發射|施放|啟動|使用|動用|丟|投放|釋放|扔", ("V", "launch"))
_add(ZH, "給|給我|我要|要|需要|我需要|來|再來", ("GIVE", ""))

_add(ZH, "坦克|戰車|裝甲車|重坦|裝甲|坦克車|重型坦克|輕型坦克", ("U", "tank"))
_add(ZH, "步兵|士兵|大兵|兵士|小兵|阿兵哥|步兵單位|槍兵", ("U", "infantry"))
_add(ZH, "採礦車|礦車|採集車|收割者|礦工|採礦機|收集車|礦車單位", ("U", "harvester"))
_add(ZH, "火炮|砲兵|炮兵|大炮|大砲|火砲|砲車|炮車|榴彈砲|榴彈炮|自走砲|自走炮", ("U", "artillery"))
_add(ZH, "直升機|直昇機|武裝直升機|飛機|空軍|直升飛機", ("U", "helicopter"))

_add(ZH, "發電廠|電廠|發電站|電站|核電廠|發電機|電力站", ("B", "power_plant"))
_add(ZH, "兵營|軍營|營房|兵舍", ("B", "barracks"))
_add(ZH, "精煉廠|煉油廠|煉礦廠|提煉廠|精煉場|精煉所|礦石精煉廠", ("B", "refinery"))
_add(ZH, "戰車工廠|兵工廠|工廠|坦克工廠|車廠|重工廠|重工|戰爭工廠|軍工廠", ("B", "war_factory"))
_add(ZH, "砲塔|炮塔|防禦塔|防禦砲塔|防禦炮塔|炮台|砲台|箭塔|哨塔|塔|防禦工事|機槍塔|防空塔", ("B", "defense_turret"))

_add(ZH, "超級武器|超武|核彈|核武|核子彈|核子武器|導彈|飛彈|原子彈|核打擊|核導彈|核飛彈", ("SW", ""))

_add(ZH, "北|北方|北邊|北面|北部|上方", ("D", "north"))
_add(ZH, "南|南方|南邊|南面|南部|下方", ("D", "south"))
_add(ZH, "東|東方|東邊|東面|東部|右邊|右方", ("D", "east"))
_add(ZH, "西|西方|西邊|西面|西部|左邊|左方", ("D", "west"))
_add(ZH, "東北|東北方|東北邊|東北面|東北部", ("D", "northeast"))
_add(ZH, "西北|西北方|西北邊|西北面|西北部", ("D", "northwest"))
_add(ZH, "東南|東南方|東南邊|東南面|東南部", ("D", "southeast"))
_add(ZH, "西南|西南方|西南邊|西南面|西南部", ("D", "southwest"))

_add(ZH, "敵方基地|敵人基地|敵軍基地|敵基地|敵營|敵方總部|敵人總部|敵軍總部|敵方大本營|敵人大本營|對方基地|"
     "敵人老家|敵方建築|敵人建築|敵軍大本營|敵陣|對手基地|他們基地|他們總部|他們大本營|他們老家|對方總部|對方大本營",
     ("P", "enemy_base"))
_add(ZH, "基地|家|總部|大本營|我方基地|我們基地|我基地|主基地|本部|老家|己方基地|自家基地", ("P", "home"))
_add(ZH, "礦|礦區|礦石|礦場|礦脈|礦田|寶石|資源|礦物|礦點", ("P", "ore"))
_add(ZH, "最近敵人|最近敵軍|最近敵方單位|最近敵方|最近敵|敵人|敵軍|敵方|敵方單位|敵方部隊|敵|對手|附近敵人|"
     "附近敵軍|最近目標|敵兵", ("P", "nearest_enemy"))
_add(ZH, "全軍|所有單位|全部|所有部隊|全體|大家|所有人|所有|全部單位|部隊|軍隊|單位|全員|每個單位|全部隊伍|"
     "我方單位|我方部隊|我軍|全隊|各單位", ("ALL", ""))
_add(ZH, "不要|別|不准|不許|勿|禁止|不用|不必", ("NEG", ""))
_add(ZH, "，|,|。|；|;|、|並且|並|和|與|跟|及|同時|！|!|還有|另外|順便|也", ("SEP", "and"))
_add(ZH, "然後|再|接著|之後|隨後|後|以後|然後再|之後再|接著再", ("SEP", "then"))

_add(ZH, "推進|挺進|開進|進發|趕往|趕到|跑去|跑到|衝去|衝到|移師|轉進|走去|奔赴|前去|開赴|殺到|殺去|靠過去|飛去|"
     "開去|移往|偵察|偵查|巡邏|探路|探索", ("V", "move"))
_add(ZH, "推掉|推平|拆掉|拆了|剷平|夷平|打爆|打掉|炸掉|炸平|端掉|拿下", ("V", "attack"))
_add(ZH, "敵方主堡|敵人主堡|敵軍主堡|對方主堡|他們主堡", ("P", "enemy_base"))
# gathering goes to a point: the base unless a place is named (「在中間集合」)
_add(ZH, "集合|會合|匯合|聚集|會師|集中|聚到|聚在|重整|歸隊", ("V", "retreat"))
_add(ZH, "弄|搞|添|加蓋|加建|多造|多蓋|多建|多生產|多訓練|生|補", ("V", "build"))
_add(ZH, "想要|我想要|想|希望|我希望|我們需要|還要|還需要", ("GIVE", ""))

_add(ZH, "他們|它們|牠們|她們|這批新兵|新部隊", ("REF", ""))
_add(ZH, "這些部隊|這些單位|這些|那些部隊|那些單位|選中部隊|選中單位|選中|選取部隊|選取單位|所選部隊|所選單位|"
     "被選部隊|選擇部隊|選擇單位", ("SEL", ""))
_add(ZH, "當|一旦|等到|等", ("WHEN", ""))
_add(ZH, "時|時候|之時|的時候", ("WHEN_END", ""))
_add(ZH, "有|擁有|達到|湊齊|攢夠|累積到|夠", ("HAVE", ""))
_add(ZH, "建好|蓋好|造好|建成|蓋完|造完|建完|完成|好了|就緒", ("READY", ""))
_add(ZH, "錢|資金|金錢|元|塊錢|信用點", ("CR", ""))
_add(ZH, "中央|中心|地圖中央|地圖中心|中間|正中央|地圖中間", ("P", "center"))
# screen positions name the map's corners ("to the top left", 「去左上」); compass words stay headings
_add(ZH, "左上角|西北角|左上|左上方|地圖左上", ("P", "top_left"))
_add(ZH, "右上角|東北角|右上|右上方|地圖右上", ("P", "top_right"))
_add(ZH, "左下角|西南角|左下|左下方|地圖左下", ("P", "bottom_left"))
_add(ZH, "右下角|東南角|右下|右下方|地圖右下", ("P", "bottom_right"))

# Chinese words that change no order (politeness, hedges, particles, prepositions): fillers, so
# the confidence check does not count them as unknown words. Existing entries win.
for _w in ("請|麻煩|麻煩你|麻煩了|拜託|幫我|幫忙|替我|可以|能|能不能|可不可以|是否|嗎|吧|呢|啊|呀|啦|喔|哦|了|一下|先|"
           "快|快點|趕快|馬上|立刻|立即|現在|或許|也許|可能|大概|應該|在|往|向|朝|把|讓|叫|將|由|從|於|裡|我們|我|你|"
           "你們|咱們|一起|全力|都|就|謝謝|好|好的|那|那就|的話|看看|試試|方|邊|面|請你|給予|趕緊|立馬|儘快|盡快|"
           "全速|迅速|一點|稍微|暫時|目前|現在就|也就是|這裡|那裡|一趟|過來|那邊|這邊|些|上去|用|"
           # measure words without a number ("蓋個炮台": build a turret)
           "個|座|台|輛|架|隻|支|名|棟|間").split("|"):
    ZH.setdefault(_w, ("NOP", ""))

# A phrase that starts with a filler word would swallow the start of a longer phrase
# ("the enemy" + "enemy headquarters", "la base" + "base ennemie"): fillers are skipped anyway.
for _k in [k for k in LATIN if " " in k and LATIN.get(k.split()[0], ("",))[0] == "NOP"]:
    del LATIN[_k]

# condition openers that start with a filler word ("des", "une") survive the clean-up above
for _k in ("des que", "des qu", "une fois que", "au moment ou"):
    LATIN[_k] = ("WHEN", "")
# phrases that start with a filler word, restored after the clean-up above
for _k in ("on defense", "on defence", "on the defensive", "on guard"):
    LATIN[_k] = ("V", "defend")
for _k in ("au travail", "a la tache", "au boulot"):
    LATIN[_k] = ("V", "harvest")
for _k in ("right there", "right here", "over there", "right where they are", "where they are"):
    LATIN[_k] = ("NOP", "")
# staying is stopping, unless it is how units defend ("infantry stay and defend the base"): lexing.py
for _k in ("stay", "stay put", "remain", "reste", "restez", "restent", "demeurez", "stay here", "stay back"):
    LATIN[_k] = ("STAY", "")
ZH["留下"] = ZH["留守"] = ("STAY", "")
# "I could use a turret": wanting, not launching
for _k in ("could use", "can use", "could really use", "would use"):
    LATIN[_k] = ("GIVE", "")

ZH_MAXLEN = max(len(k) for k in ZH)
LATIN_MAXLEN = max(len(k.split()) for k in LATIN)

# Chinese numerals and measure words
ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
ZH_UNITS = {"十": 10, "百": 100}
ZH_FEW = {"幾": 3, "一些": 3, "些": 3, "數": 3, "一對": 2, "一打": 12}
ZH_MEASURE = set("個輛台臺架名座隊支位組批門艘只隻棟間部件")

# Simplified -> Traditional for the characters the lexicon uses (Simplified input is accepted).
_S2T_PAIRS = ("东東 击擊 军軍 单單 发發 电電 厂廠 营營 炼煉 战戰 车車 采採 矿礦 机機 级級 弹彈 敌敵 进進 动動 护護 "
              "卫衛 御禦 开開 个個 辆輛 两兩 对對 边邊 后後 并並 训訓 练練 产產 筑築 导導 给給 钱錢 无無 显顯 图圖 "
              "雾霧 赢贏 让讓 队隊 体體 们們 这這 攻攻 备備 场場 设設 装裝 区區 资資 源源 归歸 释釋 启啟 动動 "
              "炮炮 塔塔 处處 陆陸 飞飛 兴興 迁遷 调調 师師 总總 结結 击擊 灭滅 毁毀 歼殲 轰轟 扫掃 袭襲 "
              "冲衝 杀殺 卖賣 级級 务務 种種 计計 时時 间間 里裡 从從 为為 么麼 吗嗎 请請 帮幫 马馬 立立 刚剛 "
              "还還 这這 样樣 么麼 会會 问問 题題 说說 话話 关關 闭閉 讯訊 视視 忆憶 记記 习習 统統 示示 词詞 "
              "队隊 伍伍 员員 兵兵 备備 点點 数數 积積 币幣 金金 黄黃 财財 贵貴 费費 买買 赚賺 胜勝 败敗 输輸 "
              "赢贏 获獲 帐帳 账賬 号號 仓倉 库庫 侦偵 查查 视視 窥窺 透透 挂掛 骗騙 码碼 设設 罗羅 晓曉 镇鎮 "
              "坚堅 卫衛 驻駐 离離 逃逃 跑跑 撤撤 头頭 机機 枪槍 门門 只隻 栋棟 组組 纪紀 块塊 过過 远遠 近近 "
              "选選 择擇 线線 压壓 农農 经經 济濟 气氣 欢歡 乐樂 谢謝 哪哪 怎怎 样樣 应應 该該 样樣 气氣 "
              "实實 戏戲 游遊 礼禮 觉覺 尔爾 发發 围圍 补補 备備 质質 务務 剧劇 叶葉 丢丟 扬揚 态態 "
              "规規 则則 锋鋒 荡蕩 干幹 强強 别別 暂暫 争爭 宝寶 许許 着著 随隨 与與 几幾 万萬 亿億 来來 "
              "继繼 续續 阵陣 侧側 优優 势勢 赶趕 紧緊")
S2T = {}
for _pair in _S2T_PAIRS.split():
    if len(_pair) == 2 and _pair[0] != _pair[1]:
        S2T[ord(_pair[0])] = _pair[1]
