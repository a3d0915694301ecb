"""Who owns a conversation: the fold over ownership entries, on plain dicts and on Docs."""

from __future__ import annotations

from typing import Any

from crdt.model import claims, conversation, view, ydoc
from crdt.model.claims import ASSIGN, CLAIM, UNASSIGN
from crdt.model.ydoc import Doc
from tests.crdt.replicas import exchange, shared_pair

ANA, BEN, CY = "ana@example.com", "ben@example.com", "cy@example.com"


def entry(
    action: str, by: str, at: str, to: str | None = None, seq: int | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"action": action, "by": by, "to": to, "at": at}
    if seq is not None:
        out["seq"] = seq
    return out


def t(minute: int) -> str:
    return f"2026-03-04T09:{minute:02d}:00.000Z"


def pair() -> tuple[Doc, Doc]:
    return shared_pair(
        ANA, t(0), subject="Refund", mailbox="support@example.com", customer="x@example.org"
    )


# -- the fold on plain entries ----------------------------------------------------------------


def test_no_entries_means_nobody_owns_it() -> None:
    own = claims.resolve({})
    assert own.owner is None
    assert own.since is None
    assert own.tentative is False
    assert own.losers == ()


def test_earlier_claim_wins_over_concurrent_later_claim() -> None:
    own = claims.resolve({"k1": entry(CLAIM, BEN, t(5)), "k2": entry(CLAIM, ANA, t(1))})
    assert own.owner == ANA
    assert own.since == t(1)
    assert own.by == ANA
    assert own.losers == ((BEN, t(5)),)


def test_claims_at_the_same_time_are_won_by_the_smaller_agent_id() -> None:
    own = claims.resolve({"k1": entry(CLAIM, BEN, t(3)), "k2": entry(CLAIM, ANA, t(3))})
    assert own.owner == ANA
    assert own.losers == ((BEN, t(3)),)


def test_result_does_not_depend_on_entry_keys_or_their_order() -> None:
    entries = {
        "zz": entry(CLAIM, BEN, t(2)),
        "aa": entry(CLAIM, CY, t(4)),
        "mm": entry(CLAIM, ANA, t(3)),
    }
    reordered = dict(reversed(list(entries.items())))
    renamed = {f"x{i}": e for i, e in enumerate(reordered.values())}
    assert claims.resolve(entries) == claims.resolve(reordered) == claims.resolve(renamed)
    assert claims.resolve(entries).owner == BEN


def test_assign_overrides_a_held_claim() -> None:
    own = claims.resolve({"k1": entry(CLAIM, ANA, t(1)), "k2": entry(ASSIGN, CY, t(2), to=BEN)})
    assert own.owner == BEN
    assert own.by == CY
    assert own.since == t(2)
    assert own.losers == ()


def test_unassign_clears_the_owner() -> None:
    own = claims.resolve({"k1": entry(CLAIM, ANA, t(1)), "k2": entry(UNASSIGN, BEN, t(2))})
    assert own.owner is None
    assert own.by == BEN


def test_claim_after_unassign_takes_the_conversation() -> None:
    own = claims.resolve(
        {
            "k1": entry(CLAIM, ANA, t(1)),
            "k2": entry(UNASSIGN, ANA, t(2)),
            "k3": entry(CLAIM, BEN, t(3)),
        }
    )
    assert own.owner == BEN
    assert own.losers == ()


def test_claiming_what_you_hold_keeps_the_original_time() -> None:
    own = claims.resolve({"k1": entry(CLAIM, ANA, t(1)), "k2": entry(CLAIM, ANA, t(4))})
    assert own.owner == ANA
    assert own.since == t(1)
    assert own.losers == ()


def test_unstamped_entries_are_tentative() -> None:
    assert claims.resolve({"k1": entry(CLAIM, ANA, t(1))}).tentative is True


def test_relay_stamp_makes_the_claim_final() -> None:
    own = claims.resolve({"k1": entry(CLAIM, ANA, t(1), seq=1)})
    assert own.owner == ANA
    assert own.tentative is False


def test_stamped_claim_wins_over_an_earlier_unstamped_claim() -> None:
    """The relay's order decides: a claim made offline at 9:01 loses to one it accepted."""
    own = claims.resolve({"k1": entry(CLAIM, ANA, t(1)), "k2": entry(CLAIM, BEN, t(5), seq=1)})
    assert own.owner == BEN
    assert own.tentative is False
    assert own.losers == ((ANA, t(1)),)


def test_stamps_order_claims_by_arrival_not_by_time() -> None:
    own = claims.resolve(
        {"k1": entry(CLAIM, ANA, t(1), seq=2), "k2": entry(CLAIM, BEN, t(5), seq=1)}
    )
    assert own.owner == BEN
    assert own.losers == ((ANA, t(1)),)


def test_stamp_read_back_as_float_still_counts_as_stamped() -> None:
    """Documents hand numbers back as floats."""
    own = claims.resolve(
        {"k1": {**entry(CLAIM, ANA, t(1)), "seq": 1.0}, "k2": entry(CLAIM, BEN, t(0))}
    )
    assert own.owner == ANA
    assert own.tentative is False


def test_unstamped_unassign_after_stamped_claim_is_tentative() -> None:
    own = claims.resolve({"k1": entry(CLAIM, ANA, t(1), seq=1), "k2": entry(UNASSIGN, BEN, t(2))})
    assert own.owner is None
    assert own.tentative is True


def test_losers_are_listed_in_fold_order() -> None:
    own = claims.resolve(
        {"a": entry(CLAIM, ANA, t(1)), "b": entry(CLAIM, CY, t(3)), "c": entry(CLAIM, BEN, t(2))}
    )
    assert own.owner == ANA
    assert own.losers == ((BEN, t(2)), (CY, t(3)))
    assert claims.resolve({"a": entry(CLAIM, ANA, t(1))}).losers == ()


def test_malformed_entries_are_ignored() -> None:
    own = claims.resolve(
        {
            "k1": "claim",
            "k2": {"action": "steal", "by": BEN, "at": t(0)},
            "k3": entry(CLAIM, ANA, t(1)),
        }
    )
    assert own.owner == ANA


def test_assign_to_nobody_clears_the_owner() -> None:
    own = claims.resolve({"k1": entry(CLAIM, ANA, t(1)), "k2": entry(ASSIGN, BEN, t(2), to=None)})
    assert own.owner is None


# -- through documents --------------------------------------------------------------------------


def test_two_replicas_claiming_concurrently_agree_the_earlier_claim_won() -> None:
    ana_side, ben_side = pair()
    assert conversation.claim(ana_side, ANA, t(2)).owner == ANA
    assert conversation.claim(ben_side, BEN, t(1)).owner == BEN  # each believes it won ...
    exchange(ana_side, ben_side)
    for doc in (ana_side, ben_side):  # ... until they meet: the earlier one did
        own = conversation.ownership(doc)
        assert own.owner == BEN
        assert own.tentative is True
        assert own.losers == ((ANA, t(2)),)
        assert view.build(doc)["lost_claims"] == [{"agent": ANA, "at": t(2)}]


def test_relay_order_decides_between_concurrent_claims_on_every_replica() -> None:
    ana_side, ben_side = pair()
    conversation.claim(ana_side, ANA, t(1))
    conversation.claim(ben_side, BEN, t(2))
    relay = ydoc.load([ben_side.get_update()])  # Ben's claim reached the relay first
    relay.apply_update(ana_side.get_update())
    entries = relay.map("claims")
    order = {BEN: 1, ANA: 2}
    with relay.transaction():
        for key, value in list(entries.to_py().items()):
            entries[key] = {**value, "seq": order[value["by"]]}
    exchange(relay, ana_side)
    exchange(relay, ben_side)
    for doc in (ana_side, ben_side, relay):
        own = conversation.ownership(doc)
        assert own.owner == BEN
        assert own.tentative is False
        assert own.losers == ((ANA, t(1)),)


def test_claiming_a_conversation_you_hold_writes_nothing() -> None:
    doc, _ = pair()
    conversation.claim(doc, ANA, t(1))
    before = doc.get_state()
    own = conversation.claim(doc, ANA, t(5))
    assert own.owner == ANA
    assert own.since == t(1)
    assert doc.get_state() == before


def test_claim_of_a_held_conversation_is_recorded_as_lost() -> None:
    doc, _ = pair()
    conversation.claim(doc, ANA, t(1))
    own = conversation.claim(doc, BEN, t(2))
    assert own.owner == ANA
    assert own.losers == ((BEN, t(2)),)


def test_assign_and_unassign_through_a_document() -> None:
    doc, other = pair()
    conversation.claim(doc, ANA, t(1))
    assert conversation.assign(doc, BEN, ANA, t(2)) is True
    assert conversation.assign(doc, BEN, ANA, t(3)) is False  # already theirs
    assert conversation.ownership(doc).owner == BEN
    assert conversation.unassign(doc, CY, t(4)) is True
    assert conversation.unassign(doc, CY, t(5)) is False  # nobody to unassign
    exchange(doc, other)
    assert conversation.ownership(other).owner is None
    assert conversation.ownership(other).by == CY
