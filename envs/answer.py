"""Answer extraction and the DeepSeek-R1 format check, shared by tasks.

Everything here is linear in the completion length: plain ``str.rfind``/``count`` scans and one
brace-matching pass, never a backtracking regex over the whole text.
"""

from __future__ import annotations

ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"


def last_answer_tag(text: str) -> str | None:
    """Content of the last complete ``<answer>…</answer>`` block."""
    end = text.rfind(ANSWER_CLOSE)
    if end < 0:
        return None
    start = text.rfind(ANSWER_OPEN, 0, end)
    if start < 0:
        return None
    return text[start + len(ANSWER_OPEN) : end]


def last_boxed(text: str, commands: tuple[str, ...] = ("\\boxed", "\\fbox")) -> str | None:
    """Content of the last brace-matched ``\\boxed{…}`` (or ``\\fbox{…}``)."""
    best = -1
    for cmd in commands:
        best = max(best, text.rfind(cmd + "{"), text.rfind(cmd + " {"))
    if best < 0:
        return None
    open_at = text.index("{", best)
    depth = 0
    for i in range(open_at, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i]
    return None  # unbalanced: the box never closed


def last_nonempty_line(text: str) -> str | None:
    end = len(text)
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if line:
            return line
        end = start - 1
    return None


def strip_think(text: str) -> str:
    """Drop everything up to the last ``</think>``: an answer only inside the reasoning does not count.

    An unclosed ``<think>`` means the model never finished reasoning, so nothing after it counts.
    """
    close = text.rfind(THINK_CLOSE)
    if close >= 0:
        return text[close + len(THINK_CLOSE) :]
    open_ = text.find(THINK_OPEN)
    return text[:open_] if open_ >= 0 else text


def extract(text: str) -> tuple[str | None, str]:
    """The answer and where it came from: ``answer_tag``, ``boxed``, ``last_line`` or ``none``."""
    body = strip_think(text)
    found = last_answer_tag(body)
    if found is not None:
        return found, "answer_tag"
    found = last_boxed(body)
    if found is not None:
        return found, "boxed"
    found = last_nonempty_line(body)
    if found is not None:
        return found, "last_line"
    return None, "none"


def format_ok(text: str) -> bool:
    """DeepSeek-R1 format: ``<think>…</think>`` then ``<answer>…</answer>`` and nothing else."""
    s = text.strip()
    if not (s.startswith(THINK_OPEN) and s.endswith(ANSWER_CLOSE)):
        return False
    if any(s.count(tag) != 1 for tag in (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)):
        return False
    think_end = s.index(THINK_CLOSE)
    rest = s[think_end + len(THINK_CLOSE) :].lstrip()
    return rest.startswith(ANSWER_OPEN) and s.index(ANSWER_OPEN) > think_end
