"""Replicas that apply the same updates in any order, with duplicates, agree exactly.

Each replica is a pycrdt Doc holding one conversation created on one replica and
shared. Replicas run random operations with random agents and times; the updates
they produce are delivered to random replicas in random interleavings (some twice,
some late, in partial rounds). Once every replica has every update, the
materialised view is the same everywhere, down to its JSON text and the index row.

Delivery respects what each update was built on, as the relay's ordered log does:
pycrdt 0.14.13 can leave part of an update unapplied when it arrives before an
earlier update from the same client, until a state-vector exchange repairs it.
Fully arbitrary orders are covered with that repair step.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crdt.model import clock, conversation, view, vocab, ydoc
from crdt.model.ydoc import Doc
from crdt.store import index

AGENTS = ("ana@example.com", "ben@example.com", "cy@example.com")
TAGS = ("refund", "vip", "bug")
BASE = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)


def at(minutes: int) -> str:
    return clock.to_iso(BASE + timedelta(minutes=minutes))


def message(number: int) -> dict[str, Any]:
    """Message ``number``, the same on every replica (ids are derived from the mail)."""
    kinds = (None, "message", "auto-reply", "bounce")
    out: dict[str, Any] = {
        "id": f"m{number}",
        "direction": "in" if number % 3 else "out",
        "body": f"body {number}",
        "created_at": at(number),
        "from": "customer@example.org",
        "to": ["support@example.com"],
        "delivery": None if number % 3 else "queued",
    }
    kind = kinds[number % len(kinds)]
    if kind is not None:
        out["kind"] = kind
    return out


class Network:
    """Replicas of documents, every update any of them produced, and who has applied what.

    Delivery is causal, as through the relay's ordered log: an update reaches a
    replica only after the updates its author had applied when making it. Within
    that, the order, duplicates and partial rounds are random.
    """

    def __init__(self, replicas: int, created: list[Doc]) -> None:
        self.replicas: list[dict[str, Doc]] = [{} for _ in range(replicas)]
        self.updates: list[tuple[str, bytes]] = []
        self.needs: list[frozenset[int]] = []
        self.applied: list[set[int]] = [set() for _ in range(replicas)]
        for number, doc in enumerate(created):
            name = f"c{number}"
            owner = number % replicas
            self.replicas[owner][name] = doc
            for r, docs in enumerate(self.replicas):
                if r != owner:
                    docs[name] = ydoc.load([doc.get_update()])

    def record(self, replica: int, name: str, update: bytes) -> None:
        self.needs.append(frozenset(self.applied[replica]))
        self.applied[replica].add(len(self.updates))
        self.updates.append((name, update))

    def change(self, replica: int, name: str, operation: Any) -> Any:
        doc = self.replicas[replica][name]
        before = doc.get_state()
        result = operation(doc)
        self.record(replica, name, doc.get_update(before))
        return result

    def ready(self, replica: int) -> list[int]:
        """Updates this replica may receive now (already applied ones too: duplicates)."""
        return [i for i, needs in enumerate(self.needs) if needs <= self.applied[replica]]

    def deliver(self, replica: int, index: int) -> None:
        name, update = self.updates[index]
        self.replicas[replica][name].apply_update(update)
        self.applied[replica].add(index)

    def deliver_some(self, data: st.DataObject, replica: int) -> None:
        for _ in range(data.draw(st.integers(0, 6), label="how many")):
            ready = self.ready(replica)
            self.deliver(replica, ready[data.draw(st.integers(0, len(ready) - 1), label="pick")])

    def deliver_everything(self, data: st.DataObject) -> None:
        """Every update to every replica, each in its own causal order, some twice."""
        for r in range(len(self.replicas)):
            while len(self.applied[r]) < len(self.updates):
                ready = [i for i in self.ready(r) if i not in self.applied[r]]
                pick = data.draw(st.integers(0, len(ready) - 1), label="pick") if ready[1:] else 0
                self.deliver(r, ready[pick])


def created_conversation(number: int, replica: int) -> Doc:
    doc = Doc()
    conversation.create(
        doc,
        conversation_id=f"conv{number}",
        subject=f"Subject {number}",
        channel="email",
        mailbox="support@example.com",
        customer="customer@example.org",
        customer_name="Cus Tomer",
        who=AGENTS[replica % len(AGENTS)],
        at=at(0),
    )
    return doc


def operation(data: st.DataObject) -> tuple[str, Any]:
    """A random operation as (description, function of a doc)."""
    who = data.draw(st.sampled_from(AGENTS), label="who")
    when = at(data.draw(st.integers(0, 40), label="minute"))
    kind = data.draw(
        st.sampled_from(
            (
                "message",
                "note",
                "tag",
                "untag",
                "claim",
                "assign",
                "unassign",
                "status",
                "snooze",
                "priority",
                "delivery",
            )
        ),
        label="operation",
    )
    if kind == "message":
        m = message(data.draw(st.integers(0, 7), label="message"))
        return kind, lambda d: conversation.add_message(d, dict(m), who, when)
    if kind == "note":
        body = data.draw(st.sampled_from(("checking", "@ben see this", "done")), label="body")
        mentioned = [AGENTS[1]] if "@ben" in body else []
        return kind, lambda d: conversation.add_note(
            d, body=body, mentions=mentioned, who=who, at=when
        )
    if kind in ("tag", "untag"):
        tag = data.draw(st.sampled_from(TAGS), label="tag")
        if kind == "tag":
            return kind, lambda d: conversation.add_tag(d, tag, who, when)
        return kind, lambda d: conversation.remove_tag(d, tag, who, when)
    if kind == "claim":
        return kind, lambda d: conversation.claim(d, who, when)
    if kind == "assign":
        to = data.draw(st.sampled_from(AGENTS), label="to")
        return kind, lambda d: conversation.assign(d, to, who, when)
    if kind == "unassign":
        return kind, lambda d: conversation.unassign(d, who, when)
    if kind == "status":
        status = data.draw(st.sampled_from(vocab.STATUSES), label="status")
        return kind, lambda d: conversation.set_status(d, status, who, when)
    if kind == "snooze":
        until = data.draw(st.sampled_from((None, at(120), at(600))), label="until")
        return kind, lambda d: conversation.snooze(d, until, who, when)
    if kind == "priority":
        priority = data.draw(st.sampled_from(vocab.PRIORITIES), label="priority")
        return kind, lambda d: conversation.set_priority(d, priority, who, when)
    number = data.draw(st.integers(0, 7), label="delivered message")
    state = data.draw(st.sampled_from(("sent", "bounced")), label="state")
    return kind, lambda d: conversation.set_delivery(d, f"m{number}", state, who, when)


def run_steps(net: Network, data: st.DataObject, names: list[str], steps: int) -> None:
    """Random operations interleaved with partial, out-of-order, duplicated deliveries."""
    replicas = len(net.replicas)
    for _ in range(steps):
        replica = data.draw(st.integers(0, replicas - 1), label="replica")
        if net.updates and data.draw(st.booleans(), label="deliver now"):
            net.deliver_some(data, replica)
            continue
        name = data.draw(st.sampled_from(names), label="conversation")
        _, op = operation(data)
        net.change(replica, name, op)


def assert_converged(net: Network, name: str) -> dict[str, Any]:
    views = [view.build(docs[name]) for docs in net.replicas]
    first = views[0]
    for other in views[1:]:
        assert other == first
        # The index stores the view as JSON text with sorted keys: the same text everywhere.
        assert json.dumps(other, sort_keys=True) == json.dumps(first, sort_keys=True)
    return first


def row(v: dict[str, Any]) -> dict[str, Any]:
    """The values of the conversation's index row, the stored view included."""
    return index._row_values(v)


@SETTINGS
@given(replicas=st.integers(2, 4), data=st.data())
def test_replicas_converge_after_exchanging_all_updates_in_any_order(
    replicas: int, data: st.DataObject
) -> None:
    net = Network(replicas, [created_conversation(0, 0)])
    run_steps(net, data, ["c0"], data.draw(st.integers(1, 25), label="steps"))
    net.deliver_everything(data)

    final = assert_converged(net, "c0")
    rows = [row(view.build(docs["c0"])) for docs in net.replicas]
    assert all(r == rows[0] for r in rows)
    assert index.unpack_view(rows[0]["view"]) == final
    # What the view says follows from what was done, not from the delivery order.
    ids = {m["id"] for m in final["messages"]}
    assert len(ids) == len(final["messages"])
    assert final["message_count"] == sum(
        1 for m in final["messages"] if m.get("kind") in (None, "message")
    )
    assert set(final["tags"]) <= set(TAGS)
    assert final["status"] in vocab.STATUSES
    assert final["assignee"] in (None, *AGENTS)


@SETTINGS
@given(data=st.data())
def test_a_replica_applying_its_own_updates_again_changes_nothing(data: st.DataObject) -> None:
    net = Network(2, [created_conversation(0, 0)])
    run_steps(net, data, ["c0"], data.draw(st.integers(1, 15), label="steps"))
    net.deliver_everything(data)
    before = [json.dumps(view.build(docs["c0"]), sort_keys=True) for docs in net.replicas]
    for r in range(len(net.replicas)):
        for i in data.draw(st.permutations(range(len(net.updates))), label="again"):
            net.deliver(r, i)
    after = [json.dumps(view.build(docs["c0"]), sort_keys=True) for docs in net.replicas]
    assert before == after


@SETTINGS
@given(data=st.data(), both_merge=st.booleans())
def test_merge_into_converges_and_keeps_what_the_merging_replica_saw(
    data: st.DataObject, both_merge: bool
) -> None:
    net = Network(2, [created_conversation(0, 0), created_conversation(1, 1)])
    run_steps(net, data, ["c0", "c1"], data.draw(st.integers(0, 15), label="steps before"))

    merger = data.draw(st.integers(0, 1), label="merging replica")
    seen = view.build(net.replicas[merger]["c0"])
    merge_at = at(500)

    def merge(replica: int) -> None:
        docs = net.replicas[replica]
        before = {n: docs[n].get_state() for n in ("c0", "c1")}
        conversation.merge_into(docs["c0"], docs["c1"], f"merger{replica}@example.com", merge_at)
        for n in ("c0", "c1"):
            net.record(replica, n, docs[n].get_update(before[n]))

    merge(merger)
    if both_merge:
        merge(1 - merger)
    run_steps(net, data, ["c0", "c1"], data.draw(st.integers(0, 10), label="steps after"))
    net.deliver_everything(data)

    merged_source = assert_converged(net, "c0")
    merged_target = assert_converged(net, "c1")
    assert merged_source["merged_into"] == "conv1"
    assert merged_source["status"] == "closed"
    target_ids = [m["id"] for m in merged_target["messages"]]
    assert len(target_ids) == len(set(target_ids))
    assert {m["id"] for m in seen["messages"]} <= set(target_ids)
    target_notes = [n["id"] for n in merged_target["notes"]]
    assert len(target_notes) == len(set(target_notes))
    assert {n["id"] for n in seen["notes"]} <= set(target_notes)


@SETTINGS
@given(replicas=st.integers(2, 3), data=st.data())
def test_any_delivery_order_converges_after_one_state_vector_exchange(
    replicas: int, data: st.DataObject
) -> None:
    """Updates applied in any order (dependencies late, some twice), then the sync repair:
    each replica sends each other what it lacks by state vector (sync step 1/2)."""
    net = Network(replicas, [created_conversation(0, 0)])
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        replica = data.draw(st.integers(0, replicas - 1), label="replica")
        _, op = operation(data)
        net.change(replica, "c0", op)
    for r in range(replicas):
        order = data.draw(st.permutations(range(len(net.updates))), label="order")
        again = data.draw(st.lists(st.sampled_from(order), max_size=4), label="again")
        for i in [*order, *again]:
            net.replicas[r]["c0"].apply_update(net.updates[i][1])
    docs = [d["c0"] for d in net.replicas]
    for receiver in docs:
        for sender in docs:
            if sender is not receiver:
                receiver.apply_update(sender.get_update(receiver.get_state()))
    assert_converged(net, "c0")
