"""The words of the model: statuses, priorities, channels, sorts, document names.

It imports nothing, so the command line can offer these as choices (and check them)
without loading pycrdt, and every room spells them the same way.
"""

from __future__ import annotations

STATUSES = ("open", "pending", "closed", "spam")  # stored; import sets spam
SETTABLE_STATUSES = ("open", "pending", "closed")  # what an agent sets
STATUS_FILTERS = ("open", "pending", "snoozed", "closed", "spam", "all")  # `list --status`
PRIORITIES = ("urgent", "high", "normal", "low")
PRIORITY_RANK = {p: rank for rank, p in enumerate(PRIORITIES)}
DEFAULT_PRIORITY = "normal"
CHANNELS = ("email", "chat")
SORTS = ("updated", "created", "priority", "due")
# triage's labels (model/triage.py): what a conversation is about, and the customer's tone
CATEGORIES = (
    "account_access",
    "billing",
    "bug",
    "cancellation",
    "feature_request",
    "how_to",
    "order_change",
    "other",
    "outage",
    "praise",
    "refund",
    "security",
    "shipping",
    "spam",
)
SENTIMENTS = ("negative", "neutral", "positive")
SENTIMENT_RANK = {s: rank for rank, s in enumerate(SENTIMENTS)}  # the angry first
NOTICES = ("auto-reply", "bounce")  # message kinds that are events, not messages
# tickets (model/tickets.py): Zendesk's four types, and the status workflow's steps in order
TICKET_TYPES = ("question", "incident", "problem", "task")
DEFAULT_TICKET_TYPE = "question"
TICKET_STATUSES = ("new", "open", "in-progress", "waiting", "solved", "closed")
WORKSPACE_KINDS = (
    *("agents", "teams", "mailboxes", "templates", "macros", "rules", "slas"),
    "ticket_types",  # types an admin adds to TICKET_TYPES
)

# a conversation document's roots (model/conversation.py says what each holds)
CONVERSATION_MAPS = (
    "meta",
    "delivery",
    "tags",
    "claims",
    "status",
    "priority",
    "snooze",
    "sentiment",
    "category",
    "triage",
    "merged",
    "drafts",
    "sla",
    "rules",
    "ticket",
)
CONVERSATION_ARRAYS = ("messages", "notes", "activity")

# what a relay token may do (model/admission.py): settings too, conversations, nothing
ADMIN, AGENT, VIEWER = "admin", "agent", "viewer"
ROLES = (ADMIN, AGENT, VIEWER)

CONVERSATION_PREFIX = "c:"
WORKSPACE_PREFIX = "ws:"


def conversation_doc(conversation_id: str) -> str:
    """The name of a conversation's document: the unit of sync and of storage."""
    return f"{CONVERSATION_PREFIX}{conversation_id}"


def workspace_doc(kind: str) -> str:
    """The name of one workspace document (agents, mailboxes, templates ...)."""
    return f"{WORKSPACE_PREFIX}{kind}"


PRESENCE_EXPIRE = 30.0  # seconds: a presence not heard of for this long is gone, both ends
