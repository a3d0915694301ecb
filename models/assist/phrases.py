"""The few words a draft adds of its own, per language (en, de, fr, es): a greeting, a
closing, a holding reply; and the common words a guardrail never takes for a name.

Kept here, in one place, so the guardrails know every word a draft may carry that is not
from the conversation or its sources.
"""

from __future__ import annotations

import re

GREETING = {
    "en": "Hi {name},",
    "de": "Hallo {name},",
    "fr": "Bonjour {name},",
    "es": "Hola {name},",
}
GREETING_NO_NAME = {"en": "Hello,", "de": "Guten Tag,", "fr": "Bonjour,", "es": "Hola,"}
CLOSING = {"en": "Best regards,", "de": "Viele Grüße", "fr": "Cordialement,", "es": "Un saludo,"}
HOLDING = {
    "en": "Thank you for your message. We are looking into it and will get back to you.",
    "de": "Vielen Dank für Ihre Nachricht. Wir sehen uns das an und melden uns bei Ihnen.",
    "fr": "Merci pour votre message. Nous regardons cela et revenons vers vous.",
    "es": "Gracias por su mensaje. Lo estamos revisando y le responderemos.",
}

# A line that opens a message with a greeting, or closes it before the signature.
GREETING_LINE = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|guten (?:tag|morgen)|"
    r"liebe[rs]?|sehr geehrte[rs]?|moin|servus|bonjour|bonsoir|salut|cher|chère|madame|"
    r"monsieur|hola|buen[oa]s (?:días|tardes|noches)|estimad[oa]s?|querid[oa])\b[^\n]{0,60}$",
    re.IGNORECASE,
)
# The greeting at the head of a line that goes on after it ("Hi Maria, I see your email."):
# the words up to the first comma or stop, so the rest of the line is kept.
GREETING_HEAD = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|guten (?:tag|morgen)|"
    r"liebe[rs]?|sehr geehrte[rs]?|moin|servus|bonjour|bonsoir|salut|cher|chère|madame|"
    r"monsieur|hola|buen[oa]s (?:días|tardes|noches)|estimad[oa]s?|querid[oa])\b"
    r"[^,!.:\n]{0,40}[,!.:]\s*",
    re.IGNORECASE,
)
CLOSING_LINE = re.compile(
    r"^(?:(?:best|kind|warm|many)?\s*(?:regards|wishes)|best|cheers|thanks(?: again)?|"
    r"thank you|all the best|sincerely|yours(?: sincerely)?|"
    r"(?:viele|beste|liebe|freundliche) grüße|mit (?:freundlichen|besten) grüßen|lg|gruß|"
    r"(?:bien )?cordialement|bien à vous|sincères salutations|merci(?: encore)?|à bientôt|"
    r"(?:un )?saludos?(?: cordiales)?|atentamente|gracias|un abrazo)[\s,.!]*$",
    re.IGNORECASE,
)

_TEXTS = [*GREETING.values(), *GREETING_NO_NAME.values(), *CLOSING.values(), *HOLDING.values()]

# Capitalised at a sentence's start or by custom, never a name: what `invented` passes.
_COMMON_WORDS = """
    I I'm I've I'll I'd We We're We've We'll You Your Yours It It's This That These Those The A
    An And But Or So If When Where What Which Who Why How Please Thanks Thank Sorry Yes No Not
    Also In On At For From To With By As Our My Here There Then Now Just Let Could Would Should
    Can Will Do Does Did Is Are Was Were Be Have Has Had Any All Each Every Some Once After
    Before Since Until While Meanwhile However Otherwise Unfortunately Good Great Best Kind
    Regards Cheers Dear Hi Hello Hey Team Support
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December
    Ich Wir Sie Du Ihr Ihre Ihnen Es Das Der Die Den Dem Ein Eine Und Aber Oder Wenn Bitte
    Danke Vielen Dank Viele Grüße Mit Freundlichen Hallo Guten Tag Leider Gerne Ja Nein Auch
    Für Bei Nach Vor Seit Bis Um Im Am Zum Zur Montag Dienstag Mittwoch Donnerstag Freitag
    Samstag Sonntag Januar Februar März Juni Juli Oktober Dezember
    Je Nous Vous Il Elle Ils Le La Les Un Une Et Mais Ou Si Merci Bonjour Cordialement Bien
    Pour Avec Dans En Sur Oui Non Désolé Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche
    Janvier Février Mars Avril Mai Juin Juillet Août Septembre Octobre Novembre Décembre
    Yo Nosotros Usted Ustedes El Los Las Una Y Pero Si Gracias Hola Saludos Un Saludo Para
    Con Por Lunes Martes Miércoles Jueves Viernes Sábado Domingo Enero Febrero Marzo Abril
    Mayo Junio Julio Agosto Septiembre Octubre Noviembre Diciembre
"""
COMMON = {w.lower() for w in _COMMON_WORDS.split()} | {
    w.lower().strip(",.") for t in _TEXTS for w in t.split()
}
