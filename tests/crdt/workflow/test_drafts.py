"""Drafts as files: what is saved is read back, writes are whole, removal is complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crdt.errors import InboxError
from crdt.workflow import drafts

CONV = "3f2a" + "0" * 28


def test_a_saved_draft_reads_back_as_written(tmp_path: Path) -> None:
    saved = drafts.save(
        tmp_path, CONV, "Hi Maria,\n", seen=["b", "a", "b"], agent="dana@x.org", started_at="T"
    )
    assert saved.path == tmp_path / "drafts" / f"{CONV}.txt"
    assert saved.path.read_text(encoding="utf-8") == "Hi Maria,\n"
    meta = json.loads((tmp_path / "drafts" / f"{CONV}.json").read_text(encoding="utf-8"))
    assert meta == {
        "conversation": CONV,
        "started_at": "T",
        "seen": ["a", "b"],
        "agent": "dana@x.org",
    }
    assert drafts.load(tmp_path, CONV) == saved


def test_no_draft_is_none_and_a_text_file_alone_is_not_a_draft(tmp_path: Path) -> None:
    assert drafts.load(tmp_path, CONV) is None
    text, _ = drafts.paths(tmp_path, CONV)
    text.parent.mkdir()
    text.write_text("left over by a crash")
    assert drafts.load(tmp_path, CONV) is None


def test_an_edited_text_file_is_what_the_draft_holds(tmp_path: Path) -> None:
    saved = drafts.save(tmp_path, CONV, "", seen=[], agent="a@x.org", started_at="T")
    saved.path.write_text("typed in an editor\n", encoding="utf-8")
    loaded = drafts.load(tmp_path, CONV)
    assert loaded is not None and loaded.text == "typed in an editor\n"


def test_remove_leaves_nothing(tmp_path: Path) -> None:
    drafts.save(tmp_path, CONV, "x", seen=[], agent="a@x.org", started_at="T")
    drafts.remove(tmp_path, CONV)
    drafts.remove(tmp_path, CONV)  # twice is fine
    assert list((tmp_path / "drafts").iterdir()) == []


def test_atomic_write_replaces_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "d" / "f.txt"
    drafts.write_atomic(target, b"old")
    drafts.write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["f.txt"]


def test_unreadable_metadata_says_which_file(tmp_path: Path) -> None:
    _, meta = drafts.paths(tmp_path, CONV)
    meta.parent.mkdir()
    meta.write_text("{not json")
    with pytest.raises(InboxError, match=str(meta)):
        drafts.load(tmp_path, CONV)
