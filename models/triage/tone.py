"""The tone of a customer's own words, from a lexicon in English, German, French and
Spanish: cues of displeasure and of satisfaction, turned by a negation before them,
strengthened by an intensifier, and the patterns no single word carries (sarcasm,
asking again, shouting).

Embeddings place a message by what it is about; tone rides on it weakly (measured,
docs/architecture.md), and a few words decide it across any topic. What the cues mean is
the seed set's labelling guideline (models/seed/README.md): a problem stated as a fact is
neutral, a formula of courtesy is neutral, a complaint that opens kindly is negative.
Pure: text in, two scores out.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Each cue matches at the start of a word; its weight is 1 (mild) or 2 (strong).
NEGATIVE: dict[str, float] = {
    # English
    r"frustrat": 2,
    r"annoy": 1.5,
    r"disappoint": 2,
    r"unacceptable": 2,
    r"ridiculous": 2,
    r"terrible": 2,
    r"awful": 2,
    r"worst": 2,
    r"angry": 2,
    r"furious": 2,
    r"fed up": 2,
    r"sick of": 2,
    r"outrag": 2,
    r"appalling": 2,
    r"disgrace": 2,
    r"shameful": 2,
    r"shabby": 2,
    r"useless": 2,
    r"waste of": 2,
    r"wasted": 1.5,
    r"scam": 2,
    r"theft": 2,
    r"rip-?off": 2,
    r"a joke": 2,
    r"horrible": 2,
    r"unhappy": 2,
    r"upset": 1.5,
    r"maddening": 2,
    r"unbelievable": 1.5,
    r"embarrassing": 1.5,
    r"rude": 2,
    r"dismissive": 2,
    r"incompetent": 2,
    r"pathetic": 2,
    r"losing patience": 2,
    r"lost patience": 2,
    r"had enough": 2,
    r"beyond (?:annoyed|frustrated|angry)": 2,
    r"chargeback": 2,
    r"dispute the charge": 2,
    r"lawyer": 2,
    r"legal action": 2,
    r"report(?:ing)? you": 2,
    r"bad review": 2,
    r"i expected (?:a lot )?better": 2,
    r"not how i expected": 2,
    r"how hard can": 2,
    r"is it (?:really )?so difficult": 2,
    r"are you kidding": 2,
    r"seriously\?": 2,
    r"thanks for nothing": 3,
    r"nobody (?:answers|answered|replies|replied|responds|responded|helps|cares)": 2,
    r"no one (?:answers|answered|replies|replied|responds|responded|helps|cares)": 2,
    # "a second email address" is no repetition
    r"(?:second|third|fourth|fifth) (?:time|email|message|request)(?! address| account)": 2,
    r"for the (?:second|third|fourth|fifth) time": 2,
    r"(?:three|four|five) times": 1.5,
    r"still (?:haven't|hasn't|have not|has not|no|nothing|waiting|broken)": 1.5,
    r"(?<!try )again\?": 1.5,
    r"again!": 1.5,
    r"(?:down|broken|late) again": 1.5,
    r"clearly nobody": 2,
    r"don't bother": 1.5,
    r"not impressed": 2,
    r"don't (?:even )?listen": 2,
    r"never (?:again|answer)": 2,
    r"every single time": 2,
    r"i(?:'m| am) done[.!]": 2,
    r"at this point": 1,
    r"the whole point": 1.5,
    r"following up (?:again|once more|yet again)": 2,
    r"chasing (?:this|you|again)": 1.5,
    r"tried (?:it )?(?:\d+|two|three|four|five|several|multiple|many) "
    r"(?:times|different|browsers)": 1,
    r"too (?:many|much) (?:problems|issues|bugs|friction|hassle|trouble)": 2,
    r"(?:can't|cant|cannot|can not) (?:\w+ ){0,3}at all": 1.5,
    r"blowing (?:through|past)": 1.5,
    r"what'?s (?:even )?the point": 2,
    r"(?:received|had|got|heard) no (?:reply|response|answer|acknowledg)": 1.5,
    r"unanswered": 1.5,
    r"so (?:hard|difficult) to (?:get|receive)": 2,
    r"losing (?:customers|clients|money|sales|business)": 1.5,
    r"and don't (?:send|call|email) me": 2,
    r"not feeling (?:great|good|confident)": 2,
    r"how is (?:this|that) even possible": 1.5,
    r"(?:something|anything) (?:so|this) basic": 1.5,
    r"rolled (?:his|her|their) eyes": 1.5,
    r"never been (?:spoken|talked) to like that": 2,
    r"here we go again": 2,
    r"(?:kind of )?a basic thing": 1.5,
    r"(?:we|i)(?: will|'ll) have to (?:move|switch|leave|look elsewhere|find another)": 2,
    r"worried": 1.5,
    # German
    r"ärger": 2,
    r"enttäusch": 2,
    r"inakzeptabel": 2,
    r"unverschämt": 2,
    r"katastroph": 2,
    r"schon wieder": 1.5,
    r"unzufrieden": 2,
    r"frustrier": 2,
    r"sauer": 2,
    r"miserab": 2,
    r"unprofessionell": 2,
    r"frechheit": 2,
    r"zumutung": 2,
    r"jetzt reicht": 2,
    r"keine lust mehr": 2,
    r"zum (?:zweiten|dritten|vierten) mal": 2,
    r"niemand (?:antwortet|meldet)": 2,
    r"interessier(?:en|t) (?:sie|euch) nicht": 2,
    r"völlig veraltet": 1.5,
    r"jedes (?:einzelne )?mal": 1.5,
    r"zum wiederholten mal": 2,
    r"nervig": 1.5,
    r"dreist": 2,
    r"(?:das )?(?:zweite|dritte|vierte)n? mal,? dass": 2,
    r"so geht das (?:\w+ )?nicht": 2,
    r"passiert ist nichts": 1.5,
    r"(?:zweite|dritte|vierte) (?:e-mail|mail|anfrage|nachricht)": 2,
    r"rückbuchung": 2,
    r"(?:lastschrift|zahlung) zurück(?:buchen|geben|holen)": 2,
    r"mir reicht": 2,
    r"zu viele probleme": 2,
    # French
    r"inadmissible": 2,
    r"inacceptable": 2,
    r"mécontent": 2,
    r"déçu": 2,
    r"déception": 2,
    r"inquiétant": 1.5,
    r"pas (?:très |vraiment )?sérieux": 2,
    r"décevant": 2,
    r"scandal": 2,
    r"énerv": 2,
    r"honte": 2,
    r"marre": 2,
    r"furieu": 2,
    r"j'en ai assez": 2,
    r"troisième (?:fois|message|relance|demande)": 2,
    r"[23]e (?:demande|relance)": 1.5,
    r"(?:faire|ferai|fais) opposition": 2,
    r"deuxième (?:fois|demande)": 1.5,
    r"toujours rien": 1.5,
    r"personne ne (?:répond|me répond)": 2,
    r"incompréhensible": 1.5,
    r"n'écoutez": 2,
    r"pénible": 2,
    r"ça fait (?:deux|trois|quatre|cinq|\d+) fois": 1.5,
    r"à chaque fois": 1.5,
    r"ras le bol": 2,
    r"trop de (?:problèmes|soucis|bugs)": 2,
    r"(?:je )?m'attendais à mieux": 2,
    r"pas normal": 1.5,
    # Spanish
    r"(?<!la )(?<!las )molest": 2,
    r"inaceptable": 2,
    r"vergüenza": 2,
    r"decepcion": 2,
    r"harto": 2,
    r"harta": 2,
    r"enfadad": 2,
    r"indignad": 2,
    r"frustrante": 2,
    r"no aguanto": 2,
    r"(?:segunda|tercera|cuarta) vez": 2,
    r"nadie (?:contesta|responde|me responde|me ha (?:contestado|respondido))": 2,
    r"tan difícil": 1.5,
    r"no sirve para nada": 2,
    r"no escucháis": 2,
    r"otra vez": 1,
    r"todavía no": 1,
    r"cada vez que": 1,
    r"ya basta": 2,
    r"demasiados (?:problemas|fallos|errores)": 2,
    r"estoy cansad[oa]": 2,
    r"no (?:me )?parece (?:normal|serio|bien|aceptable|justo)": 2,
    r"poco serio": 2,
    r"po(?:co|quísimo) intuitivo": 2,
    r"algo tan básico": 1.5,
    r"en serio tengo que": 1.5,
    r"(?:solicitado|pedido|reclamado|escrito|llamado) (?:ya )?(?:dos|tres|cuatro|varias) veces": 2,
    r"contracargo": 2,
    r"devolver(?:é)? el recibo": 2,
}
POSITIVE: dict[str, float] = {
    # English
    r"love": 2,
    r"loving": 2,
    r"great (?:job|work|service|product|support|experience)": 2,
    r"awesome": 2,
    r"amazing": 2,
    r"fantastic": 2,
    r"excellent": 2,
    r"brilliant": 2,
    r"wonderful": 2,
    r"outstanding": 2,
    r"superb": 2,
    r"lovely": 1.5,
    r"beautiful": 1.5,
    r"in a good way": 1.5,
    r"gorgeous": 1.5,
    r"thrilled": 2,
    r"delighted": 2,
    r"impressed": 2,
    r"well done": 2,
    r"kudos": 2,
    r"thank you so much": 2,
    r"thanks so much": 2,
    r"thanks a lot": 1.5,
    r"many thanks for": 1.5,
    r"big thanks": 2,
    r"huge thanks": 2,
    r"(?<!would )(?<!'d )(?<!be )(?<!be greatly )(?<!be much )appreciat": 1.5,
    r"obsessed with": 2,
    r"raved? about": 2,
    r"rescued my": 2,
    r"the best \w+(?: \w+)? (?:i've|i have|we've|we have) (?:ever )?(?:tried|used|had|bought)": 2,
    r"super (?:quick|fast)": 1.5,
    r"adore[sd]?\b": 2,
    r"happy with": 2,
    r"pleased": 1.5,
    r"keep up": 2,
    r"you(?:'re| are) the best": 2,
    r"you guys are great": 2,
    r"you(?:'re| are) great": 2,
    r"saved my": 2,
    r"made my (?:day|afternoon|week)": 2,
    r"above and beyond": 2,
    r"(?:huge|big|great|real|long-?time) fan": 2,
    r"couldn't be happier": 2,
    r"(?:will|'ll) (?:really )?miss (?:you|the|your|our)": 1.5,
    r"(?:been )?a fan of": 1.5,
    r"(?:a|the) highlight of": 2,
    r"(?:is|was|are|were|looks|'s) (?:so |really |just )?great\b(?! (?:if|when|to))": 1.5,
    r"a pleasure": 1.5,
    r"perfect": 1,
    r"quick(?:er)? than i expected": 1.5,
    r"super helpful": 2,
    r"so helpful": 2,
    r"very helpful": 2,
    r"really helpful": 2,
    r"delicious": 2,
    # German
    r"toll": 1.5,
    r"begeistert": 2,
    r"klasse": 2,
    r"hervorragend": 2,
    r"weiter so": 2,
    r"großartig": 2,
    r"(?:sehr|super|total|echt) zufrieden": 2,
    r"vielen dank für": 1.5,
    r"herzlichen dank": 2,
    r"super (?:service|support|schnell)": 2,
    r"danke für die (?:schnelle|tolle)": 2,
    r"i-tüpfelchen": 1.5,
    r"(?:großer|langjähriger) fan": 2,
    r"(?:ist|sind|war|echt) mega\b": 2,
    # French
    r"merci beaucoup": 1.5,
    r"merci mille fois": 2,
    r"(?:vont|va) (?:vraiment )?me manquer": 1.5,
    r"génial": 2,
    r"bravo": 2,
    r"ravi": 2,
    r"parfait": 1,
    r"j'adore": 2,
    r"un grand merci": 2,
    r"impeccable": 2,
    r"super réactif": 2,
    r"(?:on|nous) (?:l'|les )?ador": 2,
    r"super (?:jeu|appli|service|outil|équipe|produit)": 2,
    r"(?:vous dire|dire) merci": 2,
    r"(?:grand |grande |gran )?fan de": 1.5,  # and Spanish
    # Spanish
    r"genial": 2,
    r"muchas gracias": 1.5,
    r"mil gracias": 2,
    r"encanta": 2,
    r"excelente": 2,
    r"estupend": 2,
    r"increíble": 2,
    r"sois geniales": 2,
    r"de lujo": 2,
    r"daros las gracias": 2,
    r"superfan": 2,
    r"riquísim": 2,
    r"(?:es )?una maravilla": 2,
    r"perfect[oa]": 1,
}
NEGATIONS = (
    r"not|no|never|don't|doesn't|didn't|isn't|wasn't|aren't|won't|wouldn't|nothing|hardly|"
    r"nicht|kein|keine|nie|pas|jamais|nunca|tampoco"
)
INTENSIFIERS = (
    r"very|really|so|extremely|truly|absolutely|totally|completely|incredibly|"
    r"sehr|wirklich|total|echt|völlig|très|vraiment|tellement|muy|realmente|"
    r"totalmente|súper"
)
# "great, another update", "wonderful, down again": praise that means its opposite
SARCASM = re.compile(
    r"\b(?:great|wonderful|fantastic|brilliant|perfect|wow|oh great|super|toll|génial|"
    r"genial|bravo|lovely)\b[ ,.!]+(?:\w+[ ,]+){0,3}?(?:another|again|once more|yet another|"
    r"schon wieder|noch ein|encore|otra vez|otro|(?:second|third|fourth|fifth) time)\b|"
    r"\bthanks? (?:so much )?for (?:breaking|ruining|nothing|wasting)|"
    r"\bgreat job\b[.!]?\s+(?:do you|did you|does anyone)\b|"
    # "love losing my work", "really appreciate that none of it works"
    r"\blov(?:e|ing) (?:losing|having to|waiting|being|getting|spending|starting)\b|"
    r"\bappreciate (?:that|how) (?:none|nothing|no|not)\b|"
    r"[\U0001F643\U0001F644]|"  # upside-down face, rolling eyes
    # "oh wonderful, ...": praise that opens a sentence with "oh" or "ah" is irony
    r"(?:^|[.!?\n]\s*)(?:oh|ah)[ ,]+(?:great|wonderful|lovely|fantastic|perfect|brilliant|"
    r"super|joy)\b|"
    r"\bsuper fun\b|"
    # "wonderful way to start the week": praise of what went wrong
    r"\b(?:wonderful|great|lovely|fantastic|brilliant) way to (?:start|begin|end)\b",
    re.I,
)
# a word in capitals, not a code ("BRAM-0092", "TALLYHO*SUBS"); one alone is a name or
# an acronym more often than a raised voice, so it takes two different ones
SHOUT = re.compile(r"(?<![\w*\-])(?:[A-ZÄÖÜÉÈ]{4,}|NOT|NOW|WHY)(?![\w*\-])")
SHOUTS = 2
NOT_SHOUTING = {
    *("HTTP", "HTTPS", "JSON", "HTML", "UUID", "VPN", "SEPA", "IBAN", "PDF", "ASAP"),
    *("POST", "PATCH", "DELETE", "HEAD", "OPTIONS", "IMAP", "SMTP", "OAUTH", "SAML"),
}
# A closing formula on a line of its own ("Thank you so much," above the name) is
# courtesy, not tone; "Thank you so much!" as a sentence still counts.
CLOSING = re.compile(
    r"^(?:thanks?|thank you|many thanks|cheers|best(?: wishes)?|(?:kind |warm )?regards|"
    r"warmly|danke|vielen dank|merci|merci beaucoup|gracias|muchas gracias|saludos)"
    r"(?: (?:so much|a lot|again|in advance|very much))?\s*,?$",
    re.I,
)
CLOSING_LINES = 4  # the last lines where a closing formula stands
PUNCTUATION = re.compile(r"[!?]{2,}")
WINDOW = 3  # words before a cue that a negation or intensifier reaches


class Tone(NamedTuple):
    negative: float
    positive: float
    shouting: float = 0.0  # the part of negative from capitals and "!!!"


def _cues(table: dict[str, float]) -> re.Pattern[str]:
    alternatives = "|".join(f"(?P<c{i}>{p})" for i, p in enumerate(table))
    return re.compile(rf"(?<!\w)(?:{alternatives})", re.I)


_NEG, _POS = _cues(NEGATIVE), _cues(POSITIVE)
_NEG_WEIGHTS, _POS_WEIGHTS = list(NEGATIVE.values()), list(POSITIVE.values())
_NEGATION = re.compile(rf"^(?:{NEGATIONS})$", re.I)
_INTENSIFIER = re.compile(rf"^(?:{INTENSIFIERS})$", re.I)
_WORD = re.compile(r"[\w'’-]+")


def _before(text: str, start: int) -> list[str]:
    """The few words before a cue, in its sentence."""
    head = re.split(r"[.!?;:\n]", text[:start])[-1]
    return _WORD.findall(head)[-WINDOW:]


def _hits(pattern: re.Pattern[str], weights: list[float], text: str) -> list[tuple[float, bool]]:
    """Each cue's weight (an intensifier before it adds half) and whether a negation
    turns it."""
    out = []
    for match in pattern.finditer(text):
        weight = weights[int(str(match.lastgroup)[1:])]
        words = _before(text, match.start())
        if any(_INTENSIFIER.match(w) for w in words):
            weight *= 1.5
        out.append((weight, any(_NEGATION.match(w) for w in words)))
    return out


def _without_closing(text: str) -> str:
    lines = text.rstrip().split("\n")
    tail = len(lines) - CLOSING_LINES
    return "\n".join(
        line for n, line in enumerate(lines) if n < tail or not CLOSING.match(line.strip())
    )


def tone(text: str) -> Tone:
    """How much displeasure and how much satisfaction ``text`` expresses. A negated
    positive cue ("not happy with") counts as displeasure; a negated negative one ("no
    problem at all") counts for nothing."""
    text = _without_closing(text)
    negative = positive = 0.0
    for weight, negated in _hits(_NEG, _NEG_WEIGHTS, text):
        if not negated:
            negative += weight
    for weight, negated in _hits(_POS, _POS_WEIGHTS, text):
        if negated:
            negative += weight
        else:
            positive += weight
    sarcastic = len(SARCASM.findall(text))
    if sarcastic:
        negative += 2.5 * sarcastic
        positive = max(0.0, positive - 2.0 * sarcastic)
    shouted = {w for w in SHOUT.findall(text) if w not in NOT_SHOUTING}
    shouting = (min(len(shouted), 2) * 1.0 if len(shouted) >= SHOUTS else 0.0) + min(
        len(PUNCTUATION.findall(text)), 2
    ) * 1.0
    return Tone(negative + shouting, positive, shouting)
