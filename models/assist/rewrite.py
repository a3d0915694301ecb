"""A model's rewording of a draft made from the team's own sources, for a model that
can write (one a user chose with `inbox model use`): the draft's facts only, said to
this customer's last message. Its output passes the same guardrails or is thrown away.

The shipped SmolLM2-135M is not asked by default: measured on every conversation of
the threading corpus, its rewordings invent names and numbers or loop (BENCHMARKS.md).
"""

from __future__ import annotations

from typing import Any

CONTEXT = 2048
MAX_TOKENS = 256
MAX_CHARS = 1500  # each of the message and the draft: the prompt fits the context
SYSTEM = (
    "You are a customer support agent. Rewrite the draft reply so that it answers the "
    "customer's message. Keep the greeting, the closing and every fact of the draft. Add no "
    "names, numbers, dates, links or promises that are not in the draft or the message. "
    "Reply with the rewritten reply only."
)


def prompt(message: str, draft: str) -> list[dict[str, str]]:
    """The chat asked of the model: also, as JSON, the key of its answer in the cache."""
    return [
        {"role": "system", "content": SYSTEM},
        {
            "role": "user",
            "content": f"Customer's message:\n{message[:MAX_CHARS]}\n\n"
            f"Draft reply:\n{draft[:MAX_CHARS]}",
        },
    ]


def rewrite(model: Any, asked: list[dict[str, str]]) -> str:
    """The model's answer to ``asked`` (greedy, so the same twice)."""
    out = model.create_chat_completion(
        messages=asked, max_tokens=MAX_TOKENS, temperature=0.0, repeat_penalty=1.1
    )
    return str(out["choices"][0]["message"]["content"] or "").strip()
