"""Signals a few words decide, in English, German, French and Spanish: what makes a message
urgent (an outage, a security incident, a payment that failed) and what tells its tone.

Nearest neighbours learn what a message is about; they are weak at tone, which rides on
a few words across any topic ("third time I ask", "inadmissible", "¡sois geniales!"),
and at urgency, which a single word can decide. Pure: text in, counts out.
"""

from __future__ import annotations

import re

URGENT = {
    "outage": (
        r"\b(?:outage|is down|are down|went down|service unavailable|site down|app down|"
        r"nothing loads|not loading for anyone|for all (?:of our )?users|nobody can|no one can|"
        r"none of our \w+ can|whole team (?:is )?(?:stuck|blocked)|"
        r"production (?:is )?(?:down|stopped)|"
        r"5(?:00|02|03|04) (?:errors?|bad gateway|service)|incident|"
        r"ausgefallen|ausfall|nicht erreichbar|störung|geht gar nichts|"
        r"en panne|panne générale|ne répond plus|hors service|inaccessible|"
        r"caída|caído|está caíd[ao]|no carga nada|fuera de servicio|no funciona nada)"
    ),
    "security": (
        r"(?:hacked|hacker|breach|compromised|unauthori[sz]ed|"
        r"suspicious (?:login|sign-in|activity)|phishing|vulnerabilit|exploit|xss|"
        r"sql injection|leaked|data leak|stolen (?:account|card)|"
        r"wasn't me|was not me|didn't do (?:it|this)|"
        r"gehackt|unbefugt|verdächtig|sicherheitslücke|datenleck|das war nicht ich|"
        r"piraté|piratage|connexion suspecte|faille|fuite de données|ce n'était pas moi|"
        r"hackead|pirate[ao]|robado la cuenta|acceso no autorizado|sospechos|no fui yo)"
    ),
    "payment": (
        r"(?:payment (?:failed|declined|was declined)|card (?:was |got |keeps getting )?declined|"
        r"charged twice|double charge|duplicate charge|billed twice|account (?:is )?suspended|"
        r"zahlung fehlgeschlagen|doppelt abgebucht|doppelte abbuchung|karte abgelehnt|"
        r"paiement refusé|prélèvement refusé|carte refusée|débité deux fois|"
        r"pago rechazado|tarjeta rechazada|cobrado dos veces|cobrasteis dos veces|cargo duplicado)"
    ),
}

NEGATIVE = (
    r"frustrat|annoy|disappoint|unacceptable|ridiculous|terrible|awful|worst|angry|furious|"
    r"fed up|sick of|still (?:haven't|hasn't|not|no|waiting|nothing)|third time|second time|"
    r"(?:third|second|another) (?:email|message)|nobody (?:answered|replied|responded)|"
    r"no one (?:answered|replied|responded)|waste of|useless|scam|dispute|chargeback|lawyer|"
    r"seriously|a joke|horrible|stress|unhappy|not happy|shouldn't be so|how hard can|\?\?|!!|"
    r"ärger|enttäusch|inakzeptabel|unverschämt|katastroph|schon wieder|immer noch|endlich|"
    r"unzufrieden|frustrier|inadmissible|inacceptable|mécontent|déçu|scandaleu|toujours pas|"
    r"énerv|honte|marre|furieu|molest|inaceptable|hart[oa]\b|vergüenza|decepcion|todavía no|"
    r"otra vez|fatal|enfadad|frustrante|ya es la|indignad"
)
POSITIVE = (
    r"\blove\b|\bloving\b|great (?:job|work|service|product|support)|awesome|amazing|fantastic|"
    r"excellent|brilliant|wonderful|thank you so much|thanks so much|thanks a lot|"
    r"many thanks for|big thanks|appreciate|well done|happy with|impressed|keep it up|"
    r"you(?:'re| are) the best|\btoll\b|begeistert|klasse|hervorragend|weiter so|großartig|"
    r"sehr zufrieden|vielen dank für|merci beaucoup|génial|bravo|ravi|parfait|j'adore|"
    r"un grand merci|genial|muchas gracias|encanta|excelente|perfect|estupendo|increíble|"
    r"content[oa]\b|sois geniales|de lujo"
)

_URGENT = {name: re.compile(pattern) for name, pattern in URGENT.items()}
_NEGATIVE, _POSITIVE = re.compile(NEGATIVE), re.compile(POSITIVE)


def urgency(text: str) -> set[str]:
    """The urgency signals in ``text``: outage, security, payment."""
    lowered = text.lower()
    return {name for name, pattern in _URGENT.items() if pattern.search(lowered)}


def tone(text: str) -> tuple[int, int]:
    """How many negative and positive cues ``text`` has."""
    lowered = text.lower()
    return len(_NEGATIVE.findall(lowered)), len(_POSITIVE.findall(lowered))
