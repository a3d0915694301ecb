"""`inbox import`: mail into conversations, streamed, idempotent, in batched transactions.

Each batch of messages commits in one transaction with its documents and the
look-up rows that thread the next mail; the conversations it touched are marked
stale. A conversation's full index row (view, search text, tags ...) is then
refreshed once when the import ends, instead of once per batch that touched it:
in mail sorted by time a thread spans many batches. A crash loses at most the
batch in flight; a rerun recognises what is stored (Message-ID and content),
skips it, and refreshes what is still stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crdt import clock, mailsource
from crdt.replica import Replica, conversation_doc

if TYPE_CHECKING:
    from pycrdt import Doc

    from crdt.threads import Decision

from crdt.mail import MailRecord

BATCH = 1000  # messages per transaction
REFRESH_BATCH = 500  # conversations per transaction when refreshing


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    conversations: int = 0
    duplicates: int = 0
    notices: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "imported": self.imported,
            "conversations": self.conversations,
            "duplicates": self.duplicates,
            "notices": self.notices,
            "skipped": dict(self.skipped),
        }


def import_path(
    replica: Replica, path: Path, progress: Callable[[int, int | None], None] | None = None
) -> ImportReport:
    report = ImportReport()
    total = mailsource.count(path)
    ours = our_addresses(replica)
    for chunk in parsed_chunks(mailsource.read(path)):
        _Batch(replica, ours, report).run(chunk)
        if progress:
            progress(report.read, total)
    refresh_stale(replica, progress)
    return report


def parsed_chunks(raws: Iterable[bytes]) -> Iterator[list[MailRecord | str]]:
    """Parsed mail in chunks of BATCH; a worker process parses while this one stores.

    Parsing is a third of the work and needs no replica, so the second core takes
    it. An entry that cannot be parsed comes back as the reason it was skipped.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")  # no re-import: starts in ~5 ms
    with context.Pool(1) as pool:
        pending = None
        for chunk in _chunks(raws, BATCH):
            ahead = pool.apply_async(parse_all, (chunk,))
            if pending is not None:
                yield pending.get()
            pending = ahead
        if pending is not None:
            yield pending.get()


def parse_all(raws: list[bytes]) -> list[MailRecord | str]:
    from crdt.mail import parse_mail

    out: list[MailRecord | str] = []
    for raw in raws:
        try:
            out.append(parse_mail(raw))
        except Exception as exc:  # a malformed entry is skipped, the rest imported
            out.append(f"unreadable: {type(exc).__name__}")
    return out


def _chunks(items: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def refresh_stale(
    replica: Replica, progress: Callable[[int, int | None], None] | None = None
) -> int:
    """Write the full index rows of conversations a bulk import left stale."""
    from crdt import view, ydoc
    from crdt.index import stale_ids, write_conversation

    done = 0
    while True:
        with replica.store.write() as conn:
            ids = stale_ids(conn, REFRESH_BATCH)
            for ident in ids:
                name = conversation_doc(ident)
                doc = ydoc.load(replica.store.doc_updates(name))
                replica.store.put_snapshot(name, ydoc.encode(doc))
                write_conversation(conn, view.build(doc))
        done += len(ids)
        if progress:
            progress(done, None)
        if len(ids) < REFRESH_BATCH:
            return done


def our_addresses(replica: Replica) -> set[str]:
    return set(replica.items("mailboxes"))


class _Batch:
    """One transaction's worth of mail: the documents it touches, loaded once each."""

    def __init__(self, replica: Replica, ours: set[str], report: ImportReport) -> None:
        self.replica, self.ours, self.report = replica, ours, report
        self.docs: dict[str, tuple[Doc[Any], bytes, set[str]]] = {}

    def run(self, records: list[MailRecord | str]) -> None:
        from crdt.mail_index import SqliteThreadIndex
        from crdt.threads import decide

        with self.replica.store.write() as conn:
            self.index = SqliteThreadIndex(conn)
            for rec in records:
                self.report.read += 1
                reason = rec if isinstance(rec, str) else _unusable(rec)
                if reason or isinstance(rec, str):
                    self.report.skip(reason or "unreadable")
                    continue
                self.ours.update(rec.delivered_to)
                self.apply(rec, decide(rec, self.index, frozenset(self.ours)))
            for ident, (doc, before, _) in self.docs.items():
                self.replica.save_doc(conversation_doc(ident), doc, before, compact=False)

    def doc(self, ident: str) -> tuple[Doc[Any], set[str]]:
        from crdt import conversation as conv

        if ident not in self.docs:
            doc, before = self.replica.load_doc(conversation_doc(ident))
            self.docs[ident] = (doc, before, conv.message_ids(doc))
        doc, _, known = self.docs[ident]
        return doc, known

    def apply(self, rec: MailRecord, decision: Decision) -> None:
        from crdt import conversation as conv
        from crdt.ids import derived_id

        report = self.report
        if decision.action == "duplicate":
            report.duplicates += 1
            return
        ident = decision.conversation_id
        if decision.action == "spam":  # kept out of the inbox, in a conversation of its own
            ident = derived_id("spam", rec.message_id, rec.content_key)
        if ident is None:
            report.skip(f"{rec.kind} with no conversation")
            return
        doc, known = self.doc(ident)
        at = clock.to_iso(rec.date) if rec.date else clock.now_iso()
        who = rec.from_email or "unknown"
        ours = frozenset(self.ours)
        if decision.action in ("new", "spam") and not conv.root_map(doc, "meta").get("id"):
            conv.create(
                doc,
                conversation_id=ident,
                subject=rec.subject,
                channel="email",
                mailbox=_mailbox(rec, ours, decision.direction),
                customer=decision.customer_email,
                customer_name=_customer_name(rec, decision.customer_email),
                who=who,
                at=at,
            )
            report.conversations += 1
            if decision.action == "spam":
                conv.set_status(doc, "spam", who, at)
        if decision.action == "notice":
            report.notices += 1
            if rec.kind == "bounce" and rec.bounced_message_id:
                _mark_bounced(doc, rec, who, at)
        message = message_of(rec, decision.direction, at, ours)
        if conv.add_message(doc, message, who, at, reopen=decision.action == "append", known=known):
            report.imported += 1
        self.index.record(ident, rec, decision.direction, decision.customer_email)


def _unusable(rec: MailRecord) -> str | None:
    if not rec.from_email and not rec.has_message_id and rec.date is None:
        return "no mail headers"
    return None


def _mark_bounced(doc: Doc[Any], rec: MailRecord, who: str, at: str) -> None:
    from crdt import conversation as conv

    for m in conv.root_array(doc, "messages").to_py() or []:
        if m.get("message_id") == rec.bounced_message_id:
            detail = f"bounced {rec.bounce_status}" if rec.bounce_status else "bounced"
            conv.set_delivery(doc, str(m["id"]), "bounced", who, at, detail)


def _mailbox(rec: MailRecord, ours: frozenset[str], direction: str) -> str | None:
    if direction == "out":
        return rec.from_email
    for address in (*rec.delivered_to, *(a.email for a in rec.to), *(a.email for a in rec.cc)):
        if address in ours:
            return address
    return rec.delivered_to[0] if rec.delivered_to else None


def _customer_name(rec: MailRecord, customer: str | None) -> str | None:
    if customer == rec.from_email:
        return rec.from_name or None
    for a in (*rec.to, *rec.cc):
        if a.email == customer:
            return a.name or None
    return None


def message_of(rec: MailRecord, direction: str, at: str, ours: frozenset[str]) -> dict[str, Any]:
    """The immutable message entry of a mail, keyed so two replicas importing it agree."""
    from crdt.ids import derived_id

    out: dict[str, Any] = {
        "id": derived_id("msg", rec.message_id, rec.content_key),
        "message_id": rec.message_id,
        "direction": direction,
        "channel": "email",
        "from": rec.from_email,
        "from_name": rec.from_name,
        "to": [a.email for a in rec.to],
        "cc": [a.email for a in rec.cc],
        "subject": rec.subject,
        "body": rec.body,
        "created_at": at,
        "content_key": rec.content_key,
        "delivery": "sent" if direction == "out" else None,
    }
    if rec.kind != "message":
        out["kind"] = rec.kind
    if rec.thread_index:
        out["thread_index"] = rec.thread_index
    if rec.in_reply_to:
        out["in_reply_to"] = list(rec.in_reply_to)
    if rec.attachments:
        out["attachments"] = [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "inline": a.inline,
            }
            for a in rec.attachments
        ]
    return {k: v for k, v in out.items() if v is not None or k == "delivery"}
