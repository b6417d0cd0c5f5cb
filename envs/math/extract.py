"""Answer extraction, linear in the completion length.

Order (first hit wins; see ``docs/math.md``):

1. text after the last ``</think>`` only (an answer only inside the reasoning does not count);
2. the last ``<answer>…</answer>`` block (a ``\\boxed{}`` inside it is unwrapped; prose inside it
   is read with the fallbacks of step 5, inside the block only);
3. the last brace-matched ``\\boxed{}``/``\\fbox{}``, merged with the boxes just before it when
   only connectors separate them (``\\boxed{1}, \\boxed{2}``) — unless a "final answer is …"
   sentence comes *after* it, which is then the model's last word and wins;
4. "the final answer is …";
5. with ``fallback="last_sentence"`` (default): a short completion that is itself an answer
   ("The angle is pi/4" gives what follows the last "is"), "answer is/Answer:" anchors (and the
   first number after one), then whichever ends later of the last math span (``$…$``,
   ``\\(…\\)``, ``\\[…\\]``) and the last number of the last sentence (a sentence offering
   several numbers joined by "or" is kept whole, so the comparator sees the hedge).

Only ``str.find``/``rfind`` scans, one brace-matching pass per box, and regexes run over bounded
windows (``TAIL`` characters), so 200,000-character completions cost a few milliseconds.
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


def boxed_group(text: str) -> tuple[list[str], int] | None:
    """Contents of the last box and of the boxes joined to it by connectors; and its end offset."""
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
    return contents, end_at


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


def math_spans(text: str) -> tuple[list[str], int] | None:
    """The last math span of the text's tail, with the spans joined to it by connectors; its end."""
    base = max(0, len(text) - TAIL)
    window = text[base:]
    found = list(_MATH_SPAN.finditer(window))
    if not found:
        return None
    out = [next(g for g in found[-1].groups() if g is not None)]
    for a, b in zip(reversed(found[:-1]), reversed(found[1:]), strict=True):
        if not _CONNECT.match(window[a.end():b.start()]):
            break
        out.append(next(g for g in a.groups() if g is not None))
    out.reverse()
    return out, base + found[-1].end()


def last_number(text: str, first: bool = False) -> tuple[str, int] | None:
    """The last number of the last sentence that has one (or the first number of ``text``)."""
    if first:
        m = _NUMBER.search(text)
        return (m.group(), m.end()) if m else None
    base = max(0, len(text) - TAIL)
    window = text[base:].rstrip()
    ends = [m.end() for m in _SENT_END.finditer(window[:-1])] if window else []
    bounds = [0, *ends, len(window)]
    for a, b in zip(reversed(bounds[:-1]), reversed(bounds[1:]), strict=True):
        nums = list(_NUMBER.finditer(window, a, b))
        if nums:
            if len({n.group() for n in nums}) > 1 and _OR.search(window, a, b):
                # "it is 5, 6 or 7": a hedge; keep every number so the comparator sees it.
                return " or ".join(n.group() for n in nums), base + nums[-1].end()
            return nums[-1].group(), base + nums[-1].end()
    return None


def candidates(text: str, require_boxed: bool, fallback: str, strict_think: bool) -> list[tuple[str, str]]:
    """Answer spans in priority order, each with the place it came from."""
    body = strip_think(text, strict_think)
    tag = answer_tag(body)
    if tag is not None:
        box = boxed_group(tag)
        if box is not None:
            return [(", ".join(box[0]), "answer_tag")]
        # "<answer>The answer is 3</answer>": read inside the block, never outside it.
        inner = candidates(tag, False, fallback, False) if "<answer>" not in tag else []
        return [(tag, "answer_tag"), *((span, "answer_tag") for span, _ in inner)]
    out: list[tuple[str, str]] = []
    box = boxed_group(body)
    fin = None if require_boxed else final_answer(body)
    if box is not None and (fin is None or fin[1] < box[1]):
        out.append((", ".join(box[0]), "boxed"))
    if fin is not None and fin[0]:
        out.append((fin[0], "final_answer"))
    if box is not None and (not out or out[0][1] != "boxed"):
        out.append((", ".join(box[0]), "boxed"))
    if require_boxed or fallback == "none":
        return out
    chat = body.find("<|im_")  # a chat template leaking past the answer: nothing after it counts
    if chat >= 0:
        body = body[:chat]
    hope = body.rfind("I hope it is correct")
    if hope >= 0 and len(body) - hope < 40:
        body = body[:hope]
    stripped = body.strip()
    if 0 < len(stripped) <= 80 and "\n" not in stripped:
        out.append((stripped, "short"))
        k = stripped.rfind(" is ")
        if k >= 0:  # "The angle is pi/4"
            out.append((stripped[k + 4:], "short"))
    tail = body[-TAIL:]
    anchors = list(ANCHOR.finditer(tail))
    if anchors:
        span = tail[anchors[-1].end():]
        cut = _FINAL_CUT.search(span)
        span = span[:cut.start()] if cut else span
        sent = _SENT_END.search(span[1:])
        span = span[: sent.start() + 1] if sent else span
        out.append((span, "answer_anchor"))
        first = last_number(span, first=True)
        if first is not None:
            out.append((first[0], "answer_anchor"))
    spans = math_spans(body)
    num = last_number(body)
    late = [(pos, text, src) for pos, text, src in (
        (spans[1], ", ".join(spans[0]), "last_math") if spans else (-1, "", ""),
        (num[1], num[0], "last_number") if num else (-1, "", ""),
    ) if pos >= 0]
    for _, text_, src in sorted(late, reverse=True):  # whichever the text ends with first
        out.append((text_, src))
    return out
