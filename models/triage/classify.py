"""Triage: a message's category, priority and sentiment, each with its confidence.

Embeddings (models/embed.py) place the message among labelled examples: the shipped
seed set, and the conversations whose labels this team's agents set or corrected
(weighted double: the team's own word). Neighbours and centroids vote (scoring.py), and
on category and sentiment a linear model trained on the same examples too (linear.py).
Priority leans towards what the examples of the message's category usually have (praise
and ideas low, outages urgent: the guideline ties the two), then rules move it towards
urgent for an outage, a security incident or data being
lost (unless the customer says it is over: a password already changed moves a security
incident to high; a link not clicked or a service working again, nowhere), towards high
for a failed payment, a deadline within a day or two or a displeased customer writing
again, and towards low for what no one waits on (a feature idea, praise, spam;
rules.py). A doubtful category leans towards the request the words name outright
(topics.py), and the tone of the customer's own words (tone.py: a lexicon with negation,
intensifiers and sarcasm) reweighs sentiment. When no
embedding model loads, the same runs on hashed words (lexical.py), and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crdt.model.triage import CHOICES, FIELDS
from models.embed import Embedder
from models.triage import linear, rules, scoring, seed, topics
from models.triage.own_words import own_words
from models.triage.scoring import Example
from models.triage.tone import tone

LOW = 0.5  # a confidence under this is "low confidence"
TEAM_WEIGHT = 2.0
LINEAR_SHARE = 0.5  # the linear vote's part beside the neighbours' (linear.py)
URGENT_SHARE = 0.5
SECURED_SHARE = 0.3  # an intrusion the customer has shut out: high, not urgent
# towards high: a failed payment, a deadline, a displeased customer writing again (the
# guideline's "an angry customer asking again": "again" counts only with displeasure)
HIGH_SHARES = {"payment": 0.3, "deadline": 0.3, "again": 0.3}
USUAL_SHARE = 0.3  # priority towards what the examples of its category usually have
UNHURRIED_SHARE = 0.3  # a feature idea, praise or spam towards low
DOUBTFUL, NAMED_SHARE = 0.4, 0.3  # a category this unsure leans to the request named
SIGNALLED = {"security": "security", "payment": "billing"}  # ... or to what a signal says
TONE_WEIGHT = 3.0  # each point of a tone cue
QUIET = 2.0  # neutral's factor when the words carry no tone at all


@dataclass(frozen=True)
class Label:
    value: str
    confidence: float

    @property
    def low(self) -> bool:
        return self.confidence < LOW


@dataclass(frozen=True)
class Result:
    labels: dict[str, Label]
    method: str
    signals: tuple[str, ...]

    def suggestion(self) -> dict[str, Any]:
        """As stored on the conversation (crdt/model/triage.py)."""
        out: dict[str, Any] = {f: self.labels[f].value for f in FIELDS}
        out["confidence"] = {f: round(self.labels[f].confidence, 3) for f in FIELDS}
        out["method"] = self.method
        return out


class Triager:
    def __init__(
        self,
        embedder: Embedder,
        team: Sequence[tuple[str, dict[str, str]]] = (),
        seeds: Sequence[Mapping[str, Any]] | None = None,
        learnt: bool = True,
    ) -> None:
        """``seeds`` in place of the shipped set and ``learnt=False`` (the neighbours
        without the linear vote) are for measuring (benchmarks/triage_left_out.py)."""
        self.embedder = embedder
        seeds = seed.rows() if seeds is None else seeds
        texts = [seed.text_of(r) for r in seeds]
        examples = [
            Example(v, {f: r[f] for f in FIELDS})
            for v, r in zip(seed.vectors(embedder, texts), seeds, strict=True)
        ]
        if team:
            vectors = embedder.embed([t for t, _ in team])
            examples += [
                Example(v, labels, TEAM_WEIGHT)
                for v, (_, labels) in zip(vectors, team, strict=True)
            ]
        self.fields = {f: scoring.Field(f, CHOICES[f], examples) for f in FIELDS}
        fitted = {f: linear.fit(f, CHOICES[f], examples) for f in linear.FIELDS if learnt}
        self.linear = {f: model for f, model in fitted.items() if model is not None}
        self.usual = scoring.conditional(examples, "category", "priority", CHOICES["priority"])
        self.method = f"knn:{embedder.id}{'+linear' if self.linear else ''}+rules"

    def triage(self, text: str) -> Result:
        [vector] = self.embedder.embed([text])
        return self.decide(text, vector)

    def decide(self, text: str, vector: scoring.Vector) -> Result:
        p = {f: self.fields[f].distribution(vector) for f in FIELDS}
        for f, model in self.linear.items():
            p[f] = scoring.blend(p[f], model.distribution(vector), LINEAR_SHARE)
        signals = rules.urgency(text)
        p["category"] = _named(p["category"], text, signals)
        category = scoring.best(p["category"])[0]
        spam = category == "spam"
        p["sentiment"] = _toned(p["sentiment"], own_words(text), spam)
        negative = scoring.best(p["sentiment"])[0] == "negative"
        if category in self.usual:
            p["priority"] = scoring.blend(p["priority"], self.usual[category], USUAL_SHARE)
        p["priority"] = _pressed(p["priority"], signals, negative, category)
        labels = {f: Label(*scoring.best(p[f])) for f in FIELDS}
        return Result(labels, self.method, tuple(sorted(signals)))


def _pressed(
    p: dict[str, float], signals: set[str], negative: bool, category: str
) -> dict[str, float]:
    """Priority moved by what the words signal: the guideline's urgent and high, and its
    low for what no one waits on when nothing signals otherwise."""
    if signals & rules.URGENT_SIGNALS and not signals & rules.OVER:
        return scoring.mix(p, "urgent", URGENT_SHARE)
    if {"security", "secured"} <= signals:
        return scoring.mix(p, "high", SECURED_SHARE)
    for signal, share in HIGH_SHARES.items():
        if signal in signals and (signal != "again" or negative):
            p = scoring.mix(p, "high", share)
    if not signals - {"contained"} and category in rules.UNHURRIED:
        p = scoring.mix(p, "low", UNHURRIED_SHARE)
    return p


def _named(p: dict[str, float], text: str, signals: set[str]) -> dict[str, float]:
    """A doubtful category moved towards the request the words name outright, or what
    a security or payment signal says it is."""
    if scoring.best(p)[1] >= DOUBTFUL:
        return p
    incidents = {SIGNALLED[s] for s in signals if s in SIGNALLED}
    for name in sorted(topics.named(text) | incidents):
        p = scoring.mix(p, name, NAMED_SHARE)
    return p


def _toned(p: dict[str, float], words: str, spam: bool) -> dict[str, float]:
    """The neighbours' sentiment reweighed by the words' tone. No cue at all is evidence
    too: most mail that names a problem and no feeling is neutral (the guideline in
    models/seed/README.md); the weights were chosen on the tone contrasts of the seed
    set (models/seed/tone/), not on any evaluation set. Spam's capitals and "!!!" are
    its sales pitch, not a customer's displeasure."""
    found = tone(words)
    negative = found.negative - found.shouting if spam else found.negative
    if not negative and not found.positive:
        return scoring.reweigh(p, {"neutral": QUIET})
    return scoring.reweigh(
        p,
        {
            "negative": 1 + TONE_WEIGHT * negative,
            "positive": 1 + TONE_WEIGHT * found.positive,
        },
    )
