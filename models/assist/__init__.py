"""Help with replies: a suggested draft from the team's own saved replies and past
answers (draft.py), a summary taken from the thread (summary.py), and the past
conversations like one (similar.py), each checked by the guardrails (guardrails.py)."""
