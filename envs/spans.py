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
# Characters that are no part of a written answer: C0/C1 controls (\n and \t aside; a lone \r
# too, since a terminal would draw the text after it over the text before), Unicode format
# characters (zero-width, bidi overrides and isolates, BOM, soft hyphen, tags), line/paragraph
# separators and lone surrogates. An answer span holding one can display as another answer.
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891"
                    "\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff"
                    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
                    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
# LaTeX spacing commands, read as spaces before hedge and number detection ("\boxed{3}\,4" names
# two numbers); "1\,000" (a digit group of three after a thin space) is a thousands separator.
_SPACING = re.compile(r"\\[,;:! >]|~|\\(?:q?quad|enspace|thinspace|medspace|thickspace|negthinspace|"
                      r"negmedspace|negthickspace)(?![A-Za-z])|\\hspace\*?\{[^{}]{0,20}\}")
_GROUPED = re.compile(r"(?<![\d.])\d{1,3}(?:(?:\\,|\\ |~|\{,\})\d{3})+(?![\d.])")
_SPACE_HINT = re.compile(r"\\[,;:! >]|~|\\(?:q?quad|enspace|thinspace|medspace|thickspace|neg|hspace)|\{,\}")
_GROUP_SEP = re.compile(r"\\,|\\ |~|\{,\}")
_BRACE = re.compile(r"[{}]")
_BRACKETS = re.compile(r"[()\[\]{}]")
_CONNECT = re.compile(r"^[\s,;.:]*(?:(?:and|or|,|&|\\text\{\s*(?:and|or)\s*\}|\\quad)[\s,;.]*)*$", re.I)


def hidden(text: str) -> bool:
    """True when ``text`` holds a control or format character (see ``HIDDEN``)."""
    return HIDDEN.search(text) is not None


def despace(text: str, keep_length: bool = False) -> str:
    """``text`` with LaTeX spacing commands as spaces and thousands separators ("1\\,000") as commas;
    with ``keep_length`` every offset stays where it was (a separator becomes commas)."""
    if ("\\" not in text and "~" not in text) or not _SPACE_HINT.search(text):
        return text
    text = _GROUPED.sub(lambda m: _GROUP_SEP.sub(lambda g: "," * len(g.group()) if keep_length else ",",
                                                  m.group()), text)
    return _SPACING.sub(lambda m: " " * len(m.group()) if keep_length else " ", text)


def too_deep(text: str, limit: int) -> bool:
    """True when brackets nest more than ``limit`` deep in ``text`` (one regex pass, stops early)."""
    if text.count("(") + text.count("[") + text.count("{") <= limit:
        return False  # too few openers to nest that deep: no scan
    depth = 0
    for m in _BRACKETS.finditer(text):
        if m.group() in "([{":
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


def strip_think(text: str, strict: bool = False) -> str:
    text = text.replace("\r\n", "\n")  # CRLF line ends are line ends; a lone \r is a hidden character
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
    for m in _BRACE.finditer(text, i):  # the regex skips the text between braces at C speed
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return best, i + 1, m.start()
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
    return [m.group() for m in _NUMBER.finditer(despace(text))]


def last_number(text: str) -> tuple[str, int, int] | None:
    """The last number of the last sentence that has one, its end, and the sentence's start."""
    base = max(0, len(text) - TAIL)
    raw = text[base:].rstrip()
    window = despace(raw, keep_length=True)  # "3\\,4": two numbers; matches are read back from ``raw``
    ends = [m.end() for m in _SENT_END.finditer(window[:-1])] if window else []
    bounds = [0, *ends, len(window)]
    for a, b in zip(reversed(bounds[:-1]), reversed(bounds[1:]), strict=True):
        nums = list(_NUMBER.finditer(window, a, b))
        if nums:
            if len({n.group() for n in nums}) > 1 and _OR.search(window, a, b):
                # "it is 5, 6 or 7": a hedge; keep every number so the comparator sees it.
                return " or ".join(raw[n.start():n.end()] for n in nums), base + nums[-1].end(), base + a
            return raw[nums[-1].start():nums[-1].end()], base + nums[-1].end(), base + nums[-1].start()
    return None


