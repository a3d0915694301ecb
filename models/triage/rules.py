"""Signals a few words decide, in English, German, French and Spanish: what makes a message
urgent (an outage, a security incident, data being lost) or pressing (a payment that
failed, a deadline within a day or two, a customer writing again). Its tone: tone.py.

Nearest neighbours learn what a message is about; they are weak at urgency, which a
single word can decide. Pure: text in, signals out.
"""

from __future__ import annotations

from models.triage.cues import Cues

URGENT = {
    "outage": (
        r"\b(?:outage|is down|are down|went down|service unavailable|site down|app down|"
        r"nothing loads|not loading for anyone|for all (?:of our )?users|"
        r"(?:nobody|no one)(?: here| on (?:our|the|my) team| in (?:our|the) (?:team|office))? "
        r"can (?:log|sign|access|work|use|get in|open|load|reach)|down again|"
        r"none of our (?:\w+ ){1,2}can|whole team (?:is )?(?:stuck|blocked)|"
        r"all (?:of )?(?:our )?(?:\d+ )?users (?:are )?(?:unable|can't|cannot)|"
        r"production (?:is )?(?:down|stopped)|"
        r"5(?:00|02|03|04) (?:errors?|bad gateway|service)|incident|"
        r"ausgefallen|ausfall|nicht erreichbar|störung|geht gar nichts|"
        r"en panne|panne générale|ne répond plus|hors service|inaccessible|"
        r"caída|caído|está caíd[ao]|no carga nada|fuera de servicio|no funciona nada)"
    ),
    "security": (
        r"(?:hacked|hacker|\bbreach(?:ed)?\b|compromised|unauthori[sz]ed|"
        r"suspicious (?:login|sign-in|activity)|phishing|vulnerabilit|exploit|xss|"
        r"sql injection|data leak|stolen (?:account|card)|"
        r"(?:data|passwords?|credentials|details|emails?) (?:\w+ )?(?:was |were |have been |"
        r"has been )?leaked|leaked (?:data|passwords?|credentials|emails?|customer)|"
        r"wasn't me(?! who)|was not me(?! who)|didn't do (?:it|this)|"
        r"(?:api[- ]?keys?|clés? api|api-schlüssel|claves? de api|tokens?) (?:\w+ ){0,4}?"
        r"(?:was |were |has been |a été |ont été |wurde |fue )?"
        r"(?:leaked|exposed|published|publiée?s?|exposée?s?|veröffentlicht|publicada|expuesta)|"
        r"someone (?:has )?(?:got|gotten|logged|broke) into|"
        r"someone (?:is|has been) (?:using|ordering|buying|logged in) (?:\w+ ){0,2}"
        r"(?:with |on |from )?my account|"
        r"alguien (?:está|ha estado|ha) \w+ (?:\w+ )?(?:con|en|desde) mi cuenta|"
        r"gehackt|unbefugt|verdächtig|sicherheitslücke|datenleck|das war nicht ich|"
        r"(?:die|das) ich nicht (?:war|gemacht habe)|"
        r"piraté|piratage|connexion suspecte|faille|fuite de données|ce n'était pas moi|"
        r"hackead|pirate[ao]|robado la cuenta|acceso no autorizado|sospechos|no fui yo)"
    ),
    "payment": (
        r"(?:payment (?:failed|declined|was declined)|card (?:was |got |keeps getting )?declined|"
        r"charged twice|double charge|duplicate charge|billed twice|account (?:is )?suspended|"
        r"zahlung fehlgeschlagen|doppelt abgebucht|doppelte abbuchung|karte abgelehnt|"
        r"paiement refusé|prélèvement refusé|carte refusée|débité deux fois|"
        r"pago rechazado|pago fallido|(?:el )?cobro (?:\w+ )?(?:falló|ha fallado)|"
        r"tarjeta rechazada|cobrado dos veces|cobrasteis dos veces|cargo duplicado)"
    ),
    # a date within a day or two that something depends on ("needed by Thursday")
    "deadline": (
        r"\b(?:by|before|until|for) (?:(?:this|next) )?(?:monday|tuesday|wednesday|thursday|"
        r"friday|saturday|sunday|tomorrow|tonight|end of (?:the )?day|eod|noon)\b|"
        r"\b(?:is|are|'s|expires?|renews?|due|starts?) (?:tomorrow|today|tonight)\b|"
        r"\bdeadline\b|\bneeded by\b|\bwithin (?:24|48) hours\b|"
        r"\bbis (?:morgen|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|heute)\b|"
        r"\bfrist\b|\bheute noch\b|\bübermorgen\b|"
        r"\bavant (?:demain|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|ce soir)\b|"
        r"\bapr[eè]s-demain\b|"
        r"\bd'ici (?:demain|lundi|mardi|mercredi|jeudi|vendredi)\b|"
        r"\bantes del? (?:mañana|lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b|"
        r"\bpara mañana\b|\bpasado mañana\b|"
        r"\bplazo\b|"
        r"\b(?:ends?|closes?|leaves?|expires?|renews?|is|'s|starts?) (?:on )?(?:this )?(?:monday|"
        r"tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
        r"\b(?:dispatch(?:ed)?|ships?|shipped|goes out|leaves|ends|closes) "
        r"(?:today|tomorrow|tonight)\b|"
        r"\btomorrow (?:morning|at \d)|\bmorgen (?:früh|um \d)|\bdemain (?:matin|à \d)|"
        r"\bmañana (?:por la mañana|a las \d)|"
        r"\bin (?:two|2) days\b|\bin zwei tagen\b|\bdans (?:deux|2) jours\b|"
        r"\ben (?:dos|2) días\b|"
        r"\b(?:endet|läuft|ist|beginnt|startet) (?:schon )?morgen\b|"
        r"\b(?:expire|se termine|finit|commence|est|part|c'est) demain\b|"
        r"\b(?:se renueva|vence|termina|caduca|expira|empieza|es) mañana\b|"
        r"(?:^|[.!?] )mañana (?:se renueva|vence|termina|caduca|expira|empieza)\b"
    ),
    # data being lost now: the guideline's urgent
    "data_loss": (
        r"\b(?:lost|losing|deleted|deleting|wiped) (?:all )?(?:of )?(?:the |our |my |their )?"
        r"(?:\w+ )?(?:data|notes|files|records|entries|documents|work)\b|"
        r"\b(?:data|notes|files|records|entries|documents) (?:\w+ ){0,4}?(?:are |is |keep |have )?"
        r"(?:disappear|vanish|being deleted|been deleted|gone missing)|"
        r"datenverlust|daten (?:sind )?(?:weg|verloren|gelöscht)|(?:einträge|notizen|dateien) "
        r"(?:\w+ )?(?:verschwinden|gelöscht)|"
        r"verschwinden (?:\w+ )?(?:einträge|notizen|dateien|daten)|"
        r"perte de données|données (?:\w+ )?(?:perdues|effacées|supprimées|disparaissent)|"
        r"pérdida de datos|datos (?:\w+ )?(?:perdidos|borrados|desaparecen)"
    ),
    # contact again and again: with displeasure, the guideline's high
    "again": (
        r"(?:second|2nd|third|3rd|fourth|4th|fifth|5th) (?:time|email|message|request)(?! address)|"
        r"\b(?:asking|writing|chasing|following up) (?:again|once more|yet again)|"
        r"\balready (?:wrote|written|emailed|contacted|asked|called|reported)|"
        r"\b(?:zweite|dritte|vierte)n? mal\b|\bschon (?:zweimal|dreimal|mehrmals|mehrfach)\b|"
        r"\bbereits (?:geschrieben|gemeldet|angerufen)|"
        r"\b(?:deuxième|troisième|quatrième) (?:fois|demande|relance)|"
        r"\b[23]e (?:demande|relance)\b|"
        r"\bdéjà (?:écrit|appelé|contacté|signalé|relancé)|"
        r"\b(?:segunda|tercera|cuarta) vez\b|\bya (?:os |les )?(?:escribí|he escrito|llamé|"
        r"he llamado)|\bhe (?:llamado|escrito) (?:dos|tres|varias) veces"
    ),
    # the customer has made it safe already: a password changed after a sign-in alert
    "secured": (
        r"\b(?:changed|reset) (?:my |the |our )?password|\bpasswort (?:\w+ )?geändert|"
        r"\bchangé (?:mon|le|notre) mot de passe|\bcambiado (?:mi |la |nuestra )?contraseña"
    ),
    # ... or it is over: a suspicious link not clicked, a service that works again
    "contained": (
        r"\b(?:haven't|have not|didn't|did not|never) clicked|\bnot clicked|"
        r"\bnicht (?:darauf )?geklickt|\bpas cliqué|\bno he (?:hecho clic|pinchado)|"
        r"\b(?:works|working) again\b|\bback up\b|\bfonctionne (?:à nouveau|de nouveau)|"
        r"\bfunktioniert (?:jetzt )?wieder|\b(?:vuelve a funcionar|funciona de nuevo)|"
        r"(?:e-?mail|sms|message|mail|correo|courriel|nachricht) (?:\w+ ){0,4}?(?:in your name|"
        r"en votre nom|in ihrem namen|in eurem namen|en (?:vuestro|su) nombre|"
        r"(?:supposedly|apparently|claiming to be) from you|pretending to be you)|"
        r"\bis this (?:e-?mail |message )?(?:really|genuine|legit)"
    ),
}
URGENT_SIGNALS = frozenset({"outage", "security", "data_loss"})
OVER = frozenset({"secured", "contained"})  # the customer says the incident is over
# what no one waits on (the guideline's low priority), when no signal says otherwise
UNHURRIED = frozenset({"feature_request", "praise", "spam"})

_URGENT = Cues(URGENT)


def urgency(text: str) -> set[str]:
    """The urgency signals in ``text``: outage, security, data_loss, payment, deadline,
    again; and secured, contained, which take an incident's urgency back."""
    return _URGENT.found(text)
