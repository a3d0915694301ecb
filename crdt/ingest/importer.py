"""`inbox import`: mail into conversations, streamed, idempotent, crash-safe.

Two halves. Threading: a worker process parses while this one decides, for
each mail, the conversation it belongs to, and commits per batch of 1,000 the
look-up rows that thread the next mail (Message-IDs, the conversation's
customer, subject and times) together with the mail itself, queued under its
conversation. Building: the queue is drained into documents, each conversation
built once with all its mail (store/import_queue.py). A crash loses at most the batch
in flight; a rerun skips what is stored or queued (Message-ID and content) and
drains what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from crdt.errors import InboxError, NotMailError
from crdt.ingest import sources
from crdt.model import clock, items
from crdt.model.vocab import ADMIN, conversation_doc
from crdt.replica import Replica

if TYPE_CHECKING:
    from crdt.ingest.thread_index import StoredIds
    from crdt.mail.threads import Decision
    from crdt.store.blobs import Keeper, Sink

from crdt.mail.parse import Attachment, MailRecord

BATCH = 1000  # messages per transaction, but for an mbox: a piece (sources.PIECE)
PARSE_WORKERS = 2
PARSE_AHEAD = 3  # chunks parsed or being parsed ahead of the one being stored
CACHE_MB = 192  # SQLite page cache while importing: index pages are touched at random


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    conversations: int = 0
    created: list[str] = field(default_factory=list)  # the conversations it opened
    duplicates: int = 0
    notices: int = 0
    waiting: int = 0  # notices read whose conversation is not imported yet: kept for it
    skipped: dict[str, int] = field(default_factory=dict)
    not_mail: list[dict[str, str]] = field(default_factory=list)  # each: path, reason
    warnings: list[dict[str, str]] = field(default_factory=list)  # each: path, reason
    # (conversation, message id) of each inbound message that arrived: what rules judge
    arrived: list[tuple[str, str]] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def reject(self, where: str, reason: str) -> None:
        """An entry that is not mail: counted, and named, so that it can be looked at."""
        self.skip(reason)
        self.not_mail.append({"path": where, "reason": reason})

    def warn(self, where: str, reason: str) -> None:
        """Mail imported with something not taken as written (a Date replaced, parts
        nested too deep to read): named, so that it can be looked at."""
        self.warnings.append({"path": where, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "imported": self.imported,
            "conversations": self.conversations,
            "duplicates": self.duplicates,
            "notices": self.notices,
            "waiting": self.waiting,
            "skipped": dict(self.skipped),
            "not_mail": list(self.not_mail),
            "warnings": list(self.warnings),
        }


def import_path(
    replica: Replica, path: Path, progress: Callable[[int, int | None], None] | None = None
) -> ImportReport:
    sources.expect_mail(path)
    replica.check_writable()  # before a big mbox is counted
    names = sources.entry_names(path)
    chunks = sources.chunks(path, BATCH)
    keeper = replica.keeper()
    parsed = parsed_chunks(chunks, keeper)
    report = _import(replica, parsed, sources.count(path), names, progress)
    if report.read and len(report.not_mail) == report.read:
        raise NotMailError(str(path), report.not_mail)
    return report


def import_messages(
    replica: Replica,
    messages: Sequence[bytes],
    names: Callable[[int], str],
    progress: Callable[[int, int | None], None] | None = None,
    blobs: Sink | None = None,
) -> ImportReport:
    """Mail that came another way than a file (the mail gateway fetches it over IMAP),
    under the same rules as `inbox import`: threading, duplicates, notices. ``names``: what
    to call the n-th message when it is not mail; ``blobs``: where its attachments are
    kept (the relay's store, for the gateway), else the replica's own blob store. A
    few are parsed here: starting the parse workers costs more than they save, and a
    long-running caller need not fork (a ``blobs`` that is not the replica's is then
    used in this process only)."""
    sink = blobs if blobs is not None else replica.keeper()
    chunks = [list(messages[i : i + BATCH]) for i in range(0, len(messages), BATCH)]
    parsed: Iterable[list[Parsed | str]]
    if len(chunks) <= 1 or blobs is not None:
        parsed = (parse_all(chunk, sink) for chunk in chunks)
    else:
        parsed = parsed_chunks(chunks, replica.keeper())
    return _import(replica, parsed, len(messages), names, progress)


def _import(
    replica: Replica,
    parsed: Iterable[list[Parsed | str]],
    total: int | None,
    names: Callable[[int], str],
    progress: Callable[[int, int | None], None] | None,
) -> ImportReport:
    from crdt.ingest import merges
    from crdt.ingest.thread_index import StoredIds

    replica.check_writable()
    report = ImportReport()
    replica.store.for_bulk(CACHE_MB)
    ours = our_addresses(replica)
    known = set(ours)
    created: set[str] = set()
    stored = StoredIds()
    waiting = _Waiting(replica.store.conn, report)
    for chunk in parsed:
        _Batch(replica, ours, report, created, stored, waiting, names).run(chunk)
        if progress:
            progress(report.read, total)
    report.conversations = len(created)
    report.created = sorted(created)
    merges.finish(replica, progress)
    replica.store.vacuum()
    learned: dict[str, dict[str, Any] | None] = {a: items.mailbox(a) for a in sorted(ours - known)}
    if learned and replica.role == ADMIN:  # mail was delivered to them: they are ours
        replica.put_items("mailboxes", learned)
    return report


def parsed_chunks(
    chunks: Iterable[sources.Chunk], keeper: Keeper | None = None
) -> Iterator[list[Parsed | str]]:
    """The mail of each chunk parsed, in order; worker processes read and parse while
    this one stores.

    Parsing needs no replica and costs more per mail than storing it, so two workers
    share it (the machine's cores are shared by all three). At most PARSE_AHEAD chunks
    are in flight, so memory stays flat however big the source. An entry that cannot
    be parsed comes back as the reason it was skipped. Each worker writes the
    attachments it decodes into the blob store (``keeper``) itself: the bytes never
    cross to this process.
    """
    import collections
    import multiprocessing

    context = multiprocessing.get_context("fork")  # no re-import: starts in ~5 ms
    with context.Pool(PARSE_WORKERS) as pool:
        flight: collections.deque[Any] = collections.deque()
        for chunk in chunks:
            flight.append(pool.apply_async(parse_all, (chunk, keeper)))
            if len(flight) >= PARSE_AHEAD:
                yield flight.popleft().get()
        while flight:
            yield flight.popleft().get()


class Parsed(NamedTuple):
    """A mail as the worker hands it over: parsed, dated, its message entry encoded, and
    what its look-up row needs, so that the one process that threads does least."""

    rec: MailRecord  # without body and attachments: they are in ``message``
    at: str
    message: str  # JSON of message_of(rec, at): all but direction, which needs the replica
    participants: str  # JSON of the sorted addresses it was between


def parse_all(chunk: sources.Chunk, blobs: Sink | None = None) -> list[Parsed | str]:
    """``blobs``: where attachments are kept, with the limit over which they are only
    listed; None keeps none (and marks none as over a limit)."""
    import orjson  # bulk work: see index.pack_view

    from crdt.mail.dates import envelope_at
    from crdt.mail.parse import parse_mail
    from crdt.store.index import participants_json

    out: list[Parsed | str] = []
    now = clock.now()  # what a Date of mail with no time of receipt is judged against
    envelopes: list[bytes] = []  # an mbox's "From " lines: when each mail was delivered
    keep, limit = (blobs.keep, blobs.limit) if blobs is not None else (None, None)
    for n, raw in enumerate(sources.messages(chunk, envelopes)):
        try:
            delivered = envelope_at(envelopes[n]) if envelopes else None
            rec = parse_mail(raw, now, delivered, keep)
        except (OSError, InboxError):  # the blob store's, not the mail's: the import stops
            raise
        except Exception as exc:  # a malformed entry is skipped, the rest imported
            out.append(f"unreadable: {type(exc).__name__}")
            continue
        at = clock.to_iso(rec.date) if rec.date else clock.now_iso()
        encoded = orjson.dumps(message_of(rec, at, limit)).decode()
        participants = participants_json(rec.participants)
        out.append(Parsed(rec._replace(body="", attachments=()), at, encoded, participants))
    if blobs is not None:
        blobs.settle()  # on disk before the mail that names them is stored
    return out


def our_addresses(replica: Replica) -> set[str]:
    return set(replica.items("mailboxes"))


class _Batch:
    """One transaction's worth of mail: threaded, recorded for the next, and queued."""

    def __init__(
        self,
        replica: Replica,
        ours: set[str],
        report: ImportReport,
        created: set[str],
        stored: StoredIds,
        waiting: _Waiting | None = None,
        where: Callable[[int], str] = str,
    ) -> None:
        """``created``: the conversations this import opened and did not fold into
        others, kept across its batches (what it reports as new); ``waiting``: its
        notices kept for mail not imported yet; ``where``: names the source's n-th entry."""
        self.replica, self.ours, self.report, self.created = replica, ours, report, created
        self.stored, self.where = stored, where
        self.waiting = waiting if waiting is not None else _Waiting(replica.store.conn, report)

    def run(self, records: list[Parsed | str]) -> None:
        from crdt.ingest.thread_index import SqliteThreadIndex
        from crdt.mail.threads import decide
        from crdt.store.import_queue import Queue

        with self.replica.store.write() as conn:
            self.conn = conn
            self.stored.refresh(conn)
            self.index = SqliteThreadIndex(conn, self.stored)
            self.queue = Queue(conn)
            ours = frozenset(self.ours)
            self.waiting.begin(conn)
            for parsed in records:
                self.report.read += 1
                reason = parsed if isinstance(parsed, str) else _unusable(parsed.rec)
                if reason or isinstance(parsed, str):
                    self.report.reject(self.where(self.report.read - 1), str(reason))
                    continue
                if not ours.issuperset(parsed.rec.delivered_to):
                    self.ours.update(parsed.rec.delivered_to)
                    ours = frozenset(self.ours)
                self.apply(parsed, decide(parsed.rec, self.index, ours), ours)
            self.waiting.release(self.queue, self.stored)
            self.queue.flush()

    def apply(self, parsed: Parsed, decision: Decision, ours: frozenset[str]) -> None:
        from crdt.model.ids import derived_id
        from crdt.store.import_queue import QueuedMail

        report, rec, at = self.report, parsed.rec, parsed.at
        if decision.action == "duplicate" or (
            decision.action == "notice" and self.waiting.holds(rec)
        ):
            report.duplicates += 1
            return
        ident = decision.conversation_id
        if decision.action == "spam":  # kept out of the inbox, in a conversation of its own
            ident = derived_id("spam", rec.message_id, rec.content_key)
        if ident is None:
            if decision.to_broadcast:  # thousands of these follow a newsletter
                report.skip(f"{rec.kind} to a broadcast: not kept")
                return
            self.waiting.keep(parsed, decision)
            return
        if decision.absorb:
            self._absorb(decision.absorb, ident)
        who = rec.from_email or "unknown"
        extra: dict[str, Any] = {}
        if decision.action in ("new", "spam"):
            self.created.add(ident)
            extra["create"] = {
                "conversation_id": ident,
                "subject": rec.subject,
                "channel": "email",
                "mailbox": _mailbox(rec, ours, decision.direction),
                "customer": decision.customer_email,
                "customer_name": _customer_name(rec, decision.customer_email),
                "who": who,
                "at": at,
            }
        if decision.action == "notice":
            report.notices += 1
        self.queue.add(
            ident, QueuedMail(decision.action, decision.direction, who, at, parsed.message, extra)
        )
        report.imported += 1
        if (
            decision.direction == "in"
            and decision.action in ("new", "append")
            and rec.kind == "message"
        ):
            report.arrived.append((ident, derived_id("msg", rec.message_id, rec.content_key)))
        for warning in rec.warnings:
            report.warn(self.where(report.read - 1), warning)
        self.index.record(
            ident,
            rec,
            decision.direction,
            decision.customer_email,
            new=decision.action in ("new", "spam"),
            at=at if rec.date else None,
            participants=parsed.participants,
        )

    def _absorb(self, source: str, target: str) -> None:
        """Fold a conversation opened by a reply that came before the mail it answers.

        Built already (by an earlier import, or by a command that needed it): merged as
        by `inbox merge` once everything is built, recorded in ``import_merges`` in this
        batch's transaction so that an interrupted import leaves it for the next one.
        Only queued: its rows are handed to the target, which is built with that mail;
        its queued ``create`` no longer counts (see ``store/import_queue.py: apply_entries``)."""
        conn = self.conn
        if self.replica.store.doc_exists(conversation_doc(source)):
            conn.execute("INSERT OR IGNORE INTO import_merges VALUES (?, ?)", (source, target))
            return
        self.queue.flush()  # the source's queued mail moves with it
        rids = [
            conn.execute("SELECT rid FROM conversations WHERE id = ?", (i,)).fetchone()
            for i in (source, target)
        ]
        if rids[0] is None or rids[1] is None:
            return
        from crdt.store.index import number_changes

        src, dst = int(rids[0][0]), int(rids[1][0])
        _fold_row(conn, src, dst)
        conn.execute(
            "UPDATE import_queue SET conversation = ? WHERE conversation = ?", (target, source)
        )
        conn.execute("UPDATE import_merges SET target = ? WHERE target = ?", (target, source))
        conn.execute("UPDATE mail_ids SET rid = ? WHERE rid = ?", (dst, src))
        conn.execute("UPDATE OR IGNORE thread_roots SET rid = ? WHERE rid = ?", (dst, src))
        conn.execute("DELETE FROM thread_roots WHERE rid = ?", (src,))
        number_changes(conn, [source])  # its removal, for what is derived from the index
        conn.execute("DELETE FROM conversations WHERE rid = ?", (src,))
        self.created.discard(source)


class _Waiting:
    """Notices kept until what they answer is imported (``waiting_notices``, each with the
    Message-IDs it waits for in ``waiting_for``): an auto-reply or a bounce can come
    before the mail it answers (a Sent folder imported after the inbox).

    At the end of each batch, those that a stored mail answers join its conversation,
    as if they had come after it: queued as notices, with their look-up rows. Only
    mail stored since the last look is checked, starting from the same place as the
    import's ``StoredIds`` (what sync or another import stored counts too), so the cost
    is one indexed look per new mail, and none at all while nothing waits."""

    def __init__(self, conn: Any, report: ImportReport) -> None:
        self.conn, self.report = conn, report
        self.mine: set[int] = set()  # the rows this import kept
        self.seen: int | None = None  # the newest look-up row checked; None: none yet
        self.any = False

    def begin(self, conn: Any) -> None:
        self.conn = conn
        self.any = conn.execute("SELECT 1 FROM waiting_notices LIMIT 1").fetchone() is not None

    def holds(self, rec: MailRecord) -> bool:
        """This very notice waits already (it is imported a second time)."""
        return self.any and (
            self.conn.execute(
                "SELECT 1 FROM waiting_notices WHERE message_id = ? AND content_key = ?",
                (rec.message_id, rec.content_key),
            ).fetchone()
            is not None
        )

    def keep(self, parsed: Parsed, decision: Decision) -> None:
        rec = parsed.rec
        who = rec.from_email or "unknown"
        cur = self.conn.execute(
            "INSERT INTO waiting_notices(message_id, content_key, direction, from_email, "
            "participants, kind, in_reply_to, who, at, message) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rec.message_id,
                rec.content_key,
                decision.direction,
                rec.from_email,
                parsed.participants,
                rec.kind,
                rec.in_reply_to[0] if rec.in_reply_to else None,
                who,
                parsed.at,
                parsed.message,
            ),
        )
        seq = int(cur.lastrowid or 0)
        self.conn.executemany(
            "INSERT OR IGNORE INTO waiting_for VALUES (?, ?, ?)",
            [(mid, seq, rank) for rank, mid in enumerate(decision.waits_for)],
        )
        self.mine.add(seq)
        self.any = True
        self.report.waiting += 1

    def release(self, queue: Any, stored: StoredIds) -> None:
        """Waiting notices that stored mail answers now, into that mail's conversation."""
        from crdt.store.import_queue import QueuedMail

        if not self.any:
            self.seen = None
            return
        for seq, conversation, rid, kind, rank in self._answered():
            if kind == "bulk" and rank > 0:  # a more telling mail it names may still come
                self.conn.execute(
                    "DELETE FROM waiting_for WHERE notice = ? AND rank >= ?", (seq, rank)
                )
                continue
            row = self.conn.execute(
                "SELECT message_id, content_key, direction, from_email, participants, kind, "
                "in_reply_to, who, at, message FROM waiting_notices WHERE seq = ?",
                (seq,),
            ).fetchone()
            self.conn.execute("DELETE FROM waiting_notices WHERE seq = ?", (seq,))
            self.conn.execute("DELETE FROM waiting_for WHERE notice = ?", (seq,))
            mine = seq in self.mine
            self.mine.discard(seq)
            self.report.waiting -= mine
            if kind == "bulk":  # as it would have been, had it come after the broadcast
                if mine:
                    self.report.skip(f"{row[5]} to a broadcast: not kept")
                continue
            queue.add(conversation, QueuedMail("notice", row[2], row[7], row[8], row[9], {}))
            self.conn.execute(
                "INSERT INTO mail_ids VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (row[0], rid, *row[1:7])
            )
            stored.add(row[0], row[6])
            self.report.notices += 1
            self.report.imported += mine

    def _answered(self) -> list[tuple[int, str, int, str, int]]:
        """Per waiting notice that a stored mail answers: the conversation (and its row)
        of its most telling such mail, and that mail's kind. The first look of an import
        goes through all that waits; later ones only through the mail stored since."""
        top = int(self.conn.execute("SELECT coalesce(max(rowid), 0) FROM mail_ids").fetchone()[0])
        since = self.seen
        self.seen = top
        drive = "waiting_for w JOIN mail_ids m ON m.message_id = w.message_id"
        if since is not None and since <= top:
            drive = "mail_ids m JOIN waiting_for w ON w.message_id = m.message_id"
        rows = self.conn.execute(
            "SELECT w.notice, h.id, h.rid, m.kind, w.rank "
            f"FROM {drive} JOIN conversations c ON c.rid = m.rid "
            "JOIN conversations h ON h.id = coalesce(c.merged_into, c.id) "
            "WHERE m.rowid > ? ORDER BY w.notice, w.rank, m.rowid DESC",
            (since if since is not None and since <= top else 0,),
        ).fetchall()
        best: dict[int, tuple[int, str, int, str, int]] = {}
        for notice, conversation, rid, kind, rank in rows:
            found = (int(notice), str(conversation), int(rid), kind or "", int(rank))
            best.setdefault(found[0], found)
        return list(best.values())


def _fold_row(conn: Any, src: int, dst: int) -> None:
    """The target's look-up row takes in the folded one's times: the subject rule looks
    at a conversation's last activity, and the oldest copy of an id is found first."""
    first, inbound, outbound = conn.execute(
        "SELECT created_at, last_inbound_at, last_outbound_at FROM conversations WHERE rid = ?",
        (src,),
    ).fetchone()
    conn.execute(
        "UPDATE conversations SET created_at = min(coalesce(created_at, ?1), coalesce(?1, "
        "created_at)), last_inbound_at = max(coalesce(last_inbound_at, ?2), coalesce(?2, "
        "last_inbound_at)), last_outbound_at = max(coalesce(last_outbound_at, ?3), "
        "coalesce(?3, last_outbound_at)) WHERE rid = ?4",
        (first, inbound, outbound, dst),
    )


def _unusable(rec: MailRecord) -> str | None:
    if not (rec.from_email or rec.from_name) and not rec.has_message_id and rec.date is None:
        return "no mail headers (no From, Message-ID or Date)"
    return None


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


def message_of(rec: MailRecord, at: str, limit: int | None = None) -> dict[str, Any]:
    """The immutable message entry of a mail, keyed so two replicas importing it agree
    (its direction and delivery are added when it is built, see store/import_queue.py).
    An attachment over ``limit`` bytes was not kept: its entry says so (``over_limit``)."""
    from crdt.model.ids import derived_id

    out: dict[str, Any] = {
        "id": derived_id("msg", rec.message_id, rec.content_key),
        "message_id": rec.message_id,
        "channel": "email",
        "from": rec.from_email,
        "from_name": rec.from_name,
        "to": [a.email for a in rec.to],
        "cc": [a.email for a in rec.cc],
        "subject": rec.subject,
        "body": rec.body,
        "created_at": at,
        "content_key": rec.content_key,
    }
    if rec.kind != "message":
        out["kind"] = rec.kind
    if rec.thread_index:
        out["thread_index"] = rec.thread_index
    if rec.in_reply_to:
        out["in_reply_to"] = list(rec.in_reply_to)
    if rec.kind == "bounce" and rec.bounced_message_id:  # what it returns: view.py marks it
        returned = {
            "message_id": rec.bounced_message_id,
            "status": rec.bounce_status,
            "reason": rec.bounce_reason,
        }
        out["bounce"] = {k: v for k, v in returned.items() if v}
    if rec.warnings:
        out["warnings"] = list(rec.warnings)
    if rec.attachments:
        out["attachments"] = [_attachment(a, limit) for a in rec.attachments]
    return {k: v for k, v in out.items() if v is not None}


def _attachment(a: Attachment, limit: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "inline": a.inline,
    }
    if limit is not None and a.size > limit:
        entry["over_limit"] = limit
    return entry
