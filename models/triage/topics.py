"""What a message asks to be done, when a few words say it outright, in English, German,
French and Spanish: "cancel my subscription", "where is my refund", "how do I ...",
"it would be great if ...", "please change the delivery address".

Nearest neighbours place a message by all its words; a message about two things (thanks
and a question, an outage and a cancellation) lands between their examples with a low
confidence. Then the words that name the request decide among the close candidates.
Pure: text in, categories out.
"""

from __future__ import annotations

from models.triage.cues import Cues

CUES = {
    "cancellation": (
        r"\b(?:cancel|close|terminate) (?:my|our|the) (?:subscription|account|plan|membership|"
        r"contract)|\bwant to cancel\b|\bunsubscribe me\b|"
        r"\bkündig(?:en|ung|e)\b|\bmein (?:abo|konto|vertrag) (?:kündigen|beenden|löschen)|"
        r"\brésili(?:er|e|ez|ation)\b|\bmettre fin à (?:mon|notre) abonnement|"
        r"\bcancelar (?:mi|la|nuestra) (?:suscripción|cuenta|membresía)|\bdarme de baja\b|"
        r"\bdar de baja\b|\bhow (?:do|can) (?:i|we) cancel\b(?! (?:my |an |the |this )?order)"
    ),
    "refund": (
        r"\b(?:my|a|the|full|partial) refund\b|\brefund (?:me|it|the|my)\b|\bmoney back\b|"
        r"\brefund,? please\b|\bplease refund\b|"
        r"\b(?:rück)?erstatt(?:ung|en|et)\b|\bzurückerstattet\b|\bgeld zurück\b|"
        r"\bremboursement\b|\brembourser\b|\bremboursé|"
        r"\breembolso\b|\breembols(?:ar|ad)|\bdevolución del dinero\b|\bdevolver el dinero\b"
    ),
    "how_to": (
        r"\bhow (?:do|can|should) (?:i|we)\b(?! cancel)|\bwhat(?:'s| is) the (?:best )?way to\b|"
        r"\bis there a way to\b|\bwhere (?:do|can) i (?:find|change|set)\b|"
        r"\bwie (?:kann|können) (?:ich|man|wir)\b|\bwo finde ich\b|\bgibt es eine möglichkeit\b|"
        r"\bcomment (?:puis-je|faire pour|peut-on|on fait)\b|\best-il possible (?:de\b|d')|"
        r"\bc[oó]mo (?:puedo|se puede|hago|podemos)\b|\bdónde (?:puedo|encuentro)\b|"
        r"¿\s*c[oó]mo (?:lo |la |los |las |me |se )?\w+|¿\s*se puede\b|"
        r"(?:^|[,.!] ?)c[oó]mo (?:puedo |se )?\w+[oa]\b[^.?!\n]*\?"
    ),
    "feature_request": (
        r"\bfeature request\b|\bis there (?:any )?plans? to\b|"
        r"\bany plans? to (?:add|let|support)\b|"
        r"\bwould (?:be|love) (?:great|nice|lovely|awesome|it) if\b|"
        r"\bplease (?:add|consider adding)\b|\bsuggestion\b|\bwish (?:you|there was)\b|"
        r"\bwäre (?:es )?(?:toll|schön|super|praktisch),? wenn\b|\bvorschlag\b|\bfunktionswunsch\b|"
        r"\bce serait (?:génial|top|super|bien|pratique)\b|\bune (?:petite )?idée\b|"
        r"\bsería (?:genial|estupendo|útil|ideal)\b|\bsugerencia\b"
    ),
    "order_change": (
        r"\b(?:change|update|correct) (?:the |my )?(?:delivery|shipping) address\b|"
        r"\blieferadresse (?:ändern|korrigieren)|"
        r"\b(?:changer|modifier|corriger) l'adresse de livraison\b|"
        r"\b(?:cambiar|corregir) la dirección de (?:envío|entrega)\b"
    ),
}
_CUES = Cues(CUES)


def named(text: str) -> set[str]:
    """The categories whose request ``text`` names outright."""
    return _CUES.found(text)
