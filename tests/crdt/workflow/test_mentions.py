"""@mentions in notes, matched against the workspace's agents."""

from __future__ import annotations

from crdt.workflow import mentions

AGENTS = ["dana@example.com", "Ben.Ng@example.com", "cy+ops@example.com"]


def test_handle_mentions_resolve_to_agent_emails() -> None:
    assert mentions.resolve("@dana can you look?", AGENTS) == ["dana@example.com"]


def test_handles_are_case_insensitive() -> None:
    assert mentions.resolve("thanks @DANA and @ben.ng", AGENTS) == [
        "dana@example.com",
        "Ben.Ng@example.com",
    ]


def test_full_address_mentions_resolve() -> None:
    assert mentions.resolve("cc @dana@example.com", AGENTS) == ["dana@example.com"]
    assert mentions.resolve("cc @cy+ops@example.com", AGENTS) == ["cy+ops@example.com"]


def test_full_address_of_someone_else_is_not_a_mention_of_the_same_handle() -> None:
    assert mentions.resolve("@dana@other.org knows", AGENTS) == []


def test_email_addresses_in_text_are_not_mentions() -> None:
    text = "Customer wrote from dana@example.com and cc'd ben.ng@example.com"
    assert mentions.handles(text) == []
    assert mentions.resolve(text, AGENTS) == []


def test_unknown_handles_are_ignored() -> None:
    assert mentions.resolve("@nobody @dana", AGENTS) == ["dana@example.com"]


def test_each_agent_is_listed_once_in_order_of_first_mention() -> None:
    text = "@ben.ng @dana @ben.ng @dana@example.com"
    assert mentions.resolve(text, AGENTS) == ["Ben.Ng@example.com", "dana@example.com"]


def test_trailing_punctuation_is_not_part_of_the_handle() -> None:
    assert mentions.handles("ask @dana. Or @ben.ng, or (@cy+ops)!") == ["dana", "ben.ng", "cy+ops"]
    assert mentions.resolve("ask @dana.", AGENTS) == ["dana@example.com"]


def test_mention_at_start_of_line_and_after_newline() -> None:
    assert mentions.resolve("@dana\n@cy+ops", AGENTS) == ["dana@example.com", "cy+ops@example.com"]


def test_no_agents_means_no_mentions() -> None:
    assert mentions.resolve("@dana", []) == []


def test_a_handle_matches_an_agent_whatever_its_case() -> None:
    assert mentions.resolve("ask @ben.ng", ["Ben.Ng@Example.com"]) == ["Ben.Ng@Example.com"]


NAMED = {"dana@example.com": "Dana Whitfield", "bokoro@example.com": "Ben Okoro"}


def test_an_unknown_mention_names_the_agents_it_could_mean() -> None:
    assert mentions.unknown("@dnaa and @ben, see this", NAMED) == {
        "dnaa": ["dana@example.com"],
        "ben": ["bokoro@example.com"],
    }
    assert mentions.unknown("@dana knows", NAMED) == {}
    assert mentions.unknown("@zzz hello", NAMED) == {"zzz": []}
