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


def rewrite(model: Any, message: str, draft: str) -> str:
    """The model's version of ``draft`` for ``message`` (greedy, so the same twice)."""
    out = model.create_chat_completion(
        messages=[
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": f"Customer's message:\n{message[:MAX_CHARS]}\n\n"
                f"Draft reply:\n{draft[:MAX_CHARS]}",
            },
        ],
        max_tokens=MAX_TOKENS,
        temperature=0.0,
        repeat_penalty=1.1,
    )
    return str(out["choices"][0]["message"]["content"] or "").strip()
