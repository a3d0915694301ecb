"""`inbox __complete SHELL WORDS...`: the words a shell may offer next, for the scripts
`inbox completion SHELL` prints. WORDS are the words after `inbox`, the last one being
the one under the cursor (maybe empty).

It answers from the same parser the command runs with (only the command's own subparser
is built) and from the local replica's index, and must answer in well under 100 ms
(benchmarks/complete_bench.py): nothing here imports pycrdt or loads a document. It
prints one candidate a line (zsh: ``value:description``, fish: ``value<TAB>description``),
or ``:files`` for the shell to complete a path. It never fails loudly: a shell shows
whatever a completion function prints, so errors are silent and offer nothing.
"""

from __future__ import annotations

import argparse

from inbox_cli.catalogue import COMMANDS, build_parser, command_name, subcommands, top_parser

FILES = ":files"
Candidate = tuple[str, str]  # (word, description)

# Options whose value is a path, and options whose value is a tag, an agent, a mailbox.
_PATH_DESTS = {"home", "dir", "store", "body_file", "token_file", "ca_file", "tls_cert", "tls_key"}
_PATH_METAVARS = ("FILE", "DIR", "PATH")
_TAG_DESTS = {"add", "remove", "tag"}
_AGENT_DESTS = {"to", "assignee"}
_ID_DESTS = {"ids", "id", "into", "sources", "target", "conversation"}
_MAILBOX_DESTS = {"mailbox"}  # list --mailbox, compose --from


def answer(args: list[str]) -> int:
    """Print the candidates for ``inbox __complete SHELL WORDS...``; always exit 0."""
    if not args:
        return 0
    shell, words = args[0], args[1:] or [""]
    try:
        found = candidates(words[:-1], words[-1])
    except Exception:  # a completion that fails offers nothing, never a traceback
        return 0
    from inbox_cli.output import Output

    out = Output()  # the printer: a subject shown beside an id is mail, and is cleaned
    if found == [(FILES, "")]:
        out.line(FILES)
        return 0
    for word, about in found:
        if word.startswith(words[-1]):
            out.line(_line(shell, word, about))
    return 0


def _line(shell: str, word: str, about: str) -> str:
    about = " ".join(about.split())[:60]
    if shell == "zsh" and about:
        return word.replace(":", "\\:") + ":" + about
    if shell == "fish" and about:
        return f"{word}\t{about}"
    return word


def candidates(before: list[str], current: str) -> list[Candidate]:
    """What may follow ``inbox BEFORE...`` as the word ``current`` begins."""
    name = command_name(before)
    home = before[before.index("--home") + 1] if "--home" in before[:-1] else None
    if name is None:  # the command word: no command's parser needed
        if before and before[-1] == "--home":
            return [(FILES, "")]
        if current.startswith("-"):
            return _flags(top_parser())
        return [(n, summary) for n, (_, summary) in COMMANDS.items()]
    if name not in COMMANDS:
        return []
    if name == "help":  # `inbox help COMMAND [VERB]`: the words after help, completed
        return _help_words(before[before.index(name) + 1 :], current)
    parser = subcommands(build_parser(before))[name]
    rest = before[before.index(name) + 1 :]
    verbs = subcommands(parser)
    if verbs:
        verb = next((w for w in rest if not w.startswith("-")), None)
        if verb is None:
            if current.startswith("-"):
                return _flags(parser)
            return [(v, sub.description or "") for v, sub in verbs.items()]
        if verb not in verbs:
            return []
        parser, rest = verbs[verb], rest[rest.index(verb) + 1 :]
        deeper = subcommands(parser)  # relay token create|revoke
        if deeper:
            if not any(not w.startswith("-") for w in rest):
                return [(v, sub.description or "") for v, sub in deeper.items()]
            word = next(w for w in rest if not w.startswith("-"))
            parser = deeper.get(word, parser)
    option = parser._option_string_actions.get(rest[-1]) if rest else None
    if option is not None and option.nargs != 0 and not _is_flag(option):
        return _values(option, home, current)
    if current.startswith("-"):
        return _flags(parser)
    found = [c for a in parser._actions if not a.option_strings for c in _values(a, home, current)]
    from crdt.model.vocab import PRIORITIES, SETTABLE_STATUSES

    # `inbox status ID... closed`, `inbox priority ID... high`: the value is a word too
    found += [(w, "") for w in {"status": SETTABLE_STATUSES, "priority": PRIORITIES}.get(name, ())]
    return found


def _help_words(after: list[str], current: str) -> list[Candidate]:
    if current.startswith("-"):
        return [("--man", "the man page")]
    words = [w for w in after if not w.startswith("-")]
    if not words:
        return [(n, summary) for n, (_, summary) in COMMANDS.items()]
    parser = subcommands(build_parser(words[:1])).get(words[0])
    for word in words[1:]:
        parser = subcommands(parser).get(word) if parser else None
    found = subcommands(parser) if parser else {}
    return [(v, sub.description or "") for v, sub in found.items()]


def _is_flag(action: argparse.Action) -> bool:
    return isinstance(action, argparse._StoreTrueAction | argparse._StoreConstAction)


def _flags(parser: argparse.ArgumentParser) -> list[Candidate]:
    out = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS:
            continue
        long = [o for o in action.option_strings if o.startswith("--")]
        for flag in long or action.option_strings:
            out.append((flag, action.help or ""))
    return out


def _values(action: argparse.Action, home: str | None, current: str) -> list[Candidate]:
    """The values an option or a positional argument takes: its choices, else what the
    replica holds (ids, tags, agents), else a path."""
    found: list[Candidate] = [(str(c), "") for c in action.choices or ()]
    if isinstance(action, argparse._SubParsersAction):
        return []
    dest = action.dest
    if dest in _PATH_DESTS or any(m in str(action.metavar or dest.upper()) for m in _PATH_METAVARS):
        return [(FILES, "")]
    if dest in _ID_DESTS:
        found += [(ident[:8], subject) for ident, subject in _replica("ids", home, current)]
    elif dest in _TAG_DESTS:
        found += _replica("tags", home, current)
    elif dest in _AGENT_DESTS:
        found += [(w, "") for w in ("me", "none") if dest == "assignee"]
        found += [(handle, name) for handle, name in _replica("agents", home, current)]
    elif dest in _MAILBOX_DESTS:
        found += _replica("mailboxes", home, current)
    return found


def _replica(what: str, home: str | None, prefix: str) -> list[tuple[str, str]]:
    """Ids, tags or agents from the local replica (--home, else $INBOX_HOME ...), [] when
    there is none."""
    import os

    from crdt.replica import Replica, data_home

    if home is None and not os.environ.get("INBOX_HOME"):
        from inbox_cli import config

        home = config.load().get("home")
    where = data_home(home)
    if not (where / "replica.db").exists():
        return []
    with Replica.open(where) as replica:
        if what == "ids":
            return replica.id_candidates(prefix)
        if what == "tags":
            return [(t, "") for t in replica.tag_candidates(prefix)]
        if what == "mailboxes":
            return [(a, str(m.get("name") or "")) for a, m in replica.items("mailboxes").items()]
        from crdt.model.items import handle

        agents = replica.items("agents")
        return [(handle(e), str(a.get("name") or e)) for e, a in agents.items()]
