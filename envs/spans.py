"""Locating answer spans in a completion, linear in its length (the primitives of ``envs.answer``).

Only ``str.find``/``rfind`` scans, one brace-matching pass per box, and regexes over bounded
windows (``TAIL`` characters), so 200,000-character completions cost a few milliseconds. Every
locator also returns where its span sits, so ``envs.answer`` can read the words around it.
"""

from __future__ import annotations

import re

TAIL = 2000
_BOX_CMDS = ("\\boxed", "\\fbox")
_GAP_WORD = re.compile(r"[A-Za-z]{2,}")
_GAP_IGNORED = {"and", "or", "text", "quad", "qquad", "textbf", "mathrm"}
_FINAL_CUT = re.compile(r"I hope|\n\s*\n|<\|im_|\[Note|Note:", re.I)
ANCHOR = re.compile(
    r"(?:answer(?:\s+(?:is|should be|would be|will be))?\s*(?:for sure|then)?\s*[:：]?"
    r"|réponse(?:\s+est)?\s*:?|respuesta(?:\s+es)?\s*:?|答案\s*[:：是为]?|结果\s*[:：是为]|ответ\s*:?"
    r"|الإجابة\s*:?)",
    re.I,
)
_NUMBER = re.compile(r"\\frac\{[^{}]{1,40}\}\{[^{}]{1,40}\}|(?<![A-Za-z\d.,])(?:-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?%?|-?\.\d+)")
_OR = re.compile(r"\d\s*,?\s+or\s+-?\$?\d")
_SENT_END = re.compile(r"[.!?。！？]\s|[。！？]|\n")
_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\(([^\n]+?)\\\)|\$([^$\n]+?)\$", re.S)
_CONNECT = re.compile(r"^[\s,;.:]*(?:(?:and|or|,|&|\\text\{\s*(?:and|or)\s*\}|\\quad)[\s,;.]*)*$", re.I)


def strip_think(text: str, strict: bool = False) -> str:
    close = text.rfind("</think>")
    if close >= 0:
        return text[close + len("</think>"):]
    open_ = text.find("<think>")
    if open_ < 0:
        return text
    # An unclosed <think>: strict mode trusts nothing after it; the default reads it as plain text.
    return text[:open_] if strict else text[:open_] + text[open_ + len("<think>"):]


def answer_tag(text: str) -> str | None:
    end = text.rfind("</answer>")
    if end < 0:
        return None
    start = text.rfind("<answer>", 0, end)
    return None if start < 0 else text[start + len("<answer>"):end]


def _box_before(text: str, end: int) -> tuple[int, int, int] | None:
    """(command start, content start, content end) of the last box starting before ``end``."""
    best = -1
    for cmd in _BOX_CMDS:
        best = max(best, text.rfind(cmd, 0, end))
    if best < 0:
        return None
    i = best + 6 if text.startswith("\\boxed", best) else best + 5
    n = len(text)
    while i < n and text[i] == " ":
        i += 1
    if i >= n:
        return None
    if text[i] != "{":  # "\boxed 5": one token
        j = i
        while j < n and (text[j].isalnum() or text[j] in ".-"):
            j += 1
        return (best, i, j) if j > i else None
    depth = 0
    for j in range(i, n):
        c = text[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return best, i + 1, j
    return None


def boxed_group(text: str) -> tuple[list[str], int, int] | None:
    """Contents of the last box and of the boxes joined to it by connectors; the group's end
    offset (the last box's closing brace) and start offset (the first box's command)."""
    last = _box_before(text, len(text))
    if last is None:
        return None
    contents = [text[last[1]:last[2]]]
    end_at = last[2]
    start = last[0]
    for _ in range(50):  # at most 50 merged boxes
        prev = _box_before(text, start)
        if prev is None or prev[2] >= start:
            break
        gap = text[prev[2] + 1:start]
        words = [w for w in _GAP_WORD.findall(gap) if w.lower() not in _GAP_IGNORED]
        if len(gap) > 60 or len(words) > 1:
            break
        contents.append(text[prev[1]:prev[2]])
        start = prev[0]
    contents.reverse()
    return contents, end_at, start


def final_answer(text: str) -> tuple[str, int] | None:
    low_start = max(0, len(text) - 200_000)
    pos = text.lower().rfind("final answer", low_start)
    if pos < 0:
        return None
    rest = text[pos + len("final answer"):pos + 600]
    m = re.match(r"\s*(?:\([^)]{0,20}\))?\s*(?:[:：]|\*\*)?\s*(?:\*\*)?\s*(?:is\b|was\b)?\s*[:：]?\s*", rest)
    rest = rest[m.end():] if m else rest
    cut = _FINAL_CUT.search(rest)
    span = rest[:cut.start()] if cut else rest
    # "The largest $n$ is 34": the answer follows the last " is ".
    k = span.rfind(" is ")
    if k >= 0 and k < 200:
        span = span[k + 4:]
    return span.strip(), pos


def math_spans(text: str) -> tuple[list[str], int, int] | None:
    """The last math span of the text's tail, with the spans joined to it by connectors; the
    group's end and start offsets."""
    base = max(0, len(text) - TAIL)
    window = text[base:]
    found = list(_MATH_SPAN.finditer(window))
    if not found:
        return None
    out = [next(g for g in found[-1].groups() if g is not None)]
    first = found[-1]
    for a, b in zip(reversed(found[:-1]), reversed(found[1:]), strict=True):
        if not _CONNECT.match(window[a.end():b.start()]):
            break
        out.append(next(g for g in a.groups() if g is not None))
        first = a
    out.reverse()
    return out, base + found[-1].end(), base + first.start()


def numbers(text: str) -> list[str]:
    """Every number written in ``text`` (digits, decimals, simple fractions, ``\\frac{a}{b}``)."""
    return [m.group() for m in _NUMBER.finditer(text)]


def last_number(text: str) -> tuple[str, int, int] | None:
    """The last number of the last sentence that has one, its end, and the sentence's start."""
    base = max(0, len(text) - TAIL)
    window = text[base:].rstrip()
    ends = [m.end() for m in _SENT_END.finditer(window[:-1])] if window else []
    bounds = [0, *ends, len(window)]
    for a, b in zip(reversed(bounds[:-1]), reversed(bounds[1:]), strict=True):
        nums = list(_NUMBER.finditer(window, a, b))
        if nums:
            if len({n.group() for n in nums}) > 1 and _OR.search(window, a, b):
                # "it is 5, 6 or 7": a hedge; keep every number so the comparator sees it.
                return " or ".join(n.group() for n in nums), base + nums[-1].end(), base + a
            return nums[-1].group(), base + nums[-1].end(), base + nums[-1].start()
    return None


