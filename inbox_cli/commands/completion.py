"""inbox completion bash|zsh|fish: the script that makes a shell complete `inbox`.

Each script asks `inbox __complete SHELL WORDS...` (inbox_cli/complete.py) for the
words that may come next: commands, verbs, flags, their values, and conversation ids,
tags and agents from the local replica.
"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import example

BASH = r"""# inbox completion for bash: eval "$(inbox completion bash)" in ~/.bashrc
_inbox() {
    local cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\n' out
    out=$(inbox __complete bash "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
    if [[ $out == ":files" ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$out" -- "$cur"))
    fi
}
complete -o default -o bashdefault -F _inbox inbox
"""

ZSH = r"""#compdef inbox
# inbox completion for zsh: eval "$(inbox completion zsh)" in ~/.zshrc,
# or save it as _inbox in a directory of $fpath
_inbox() {
    local -a lines
    lines=("${(@f)$(inbox __complete zsh "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    if [[ ${lines[1]} == ":files" ]]; then
        _files
    else
        _describe 'inbox' lines
    fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _inbox "$@"
else
    compdef _inbox inbox
fi
"""

FISH = r"""# inbox completion for fish:
#   inbox completion fish > ~/.config/fish/completions/inbox.fish
function __inbox_complete
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l out (inbox __complete fish $words 2>/dev/null)
    if test "$out[1]" = ":files"
        __fish_complete_path (commandline -ct)
    else
        printf '%s\n' $out
    end
end
complete -c inbox -f -a '(__inbox_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("shell", choices=sorted(SCRIPTS), help="the shell to print the script for")
    example(
        p,
        'eval "$(inbox completion bash)"          # in ~/.bashrc',
        'eval "$(inbox completion zsh)"           # in ~/.zshrc',
        "inbox completion fish > ~/.config/fish/completions/inbox.fish",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    ctx.out.line(SCRIPTS[args.shell].rstrip("\n"))
