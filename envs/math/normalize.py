"""String-level normalisation of an extracted answer, before any parsing.

Everything here is a bounded number of linear passes (``str.replace``, anchored regexes without
nested quantifiers, one brace-matching scan per wrapper command). It turns the many spellings of
one answer into one string: ``\\dfrac``→``\\frac``, ``\\left(``→``(``, ``\\text{ cm}`` units gone,
``\\$``/``\\%``/degrees marked, thousands separators removed. The result feeds both the exact
string stage and the LaTeX parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Commands whose argument is plain text: unwrapped to their content.
_TEXT_CMDS = (
    "text", "textbf", "textit", "textrm", "textsf", "texttt", "textnormal", "mathrm", "mathbf",
    "mathit", "mathsf", "mathtt", "mbox", "hbox", "boldsymbol", "bm", "operatorname", "emph",
    "boxed", "fbox", "framebox", "displaystyle",
)
# Python-escape artefacts: "\\frac" written in a non-raw string shows up as two backslashes.
_KNOWN = (
    "frac|dfrac|tfrac|cfrac|sqrt|boxed|text|textbf|mathrm|left|right|le|leq|ge|geq|neq|ne|cdot|times|"
    "pi|infty|begin|end|pm|mp|in|cup|cap|sin|cos|tan|log|ln|circ|approx|mbox|binom|dbinom|lt|gt"
)
_DOUBLE_BS = re.compile(r"(?<!\\)\\\\(?=(?:" + _KNOWN + r")(?![a-zA-Z]))")
_SPACING = re.compile(r"(?<!\\)\\[,;:! ]|\\q?quad|\\(?:enspace|thinspace|medspace|thickspace|displaystyle|"
                      r"textstyle|limits|nolimits|hfill)(?![a-zA-Z])|~")
_SIZING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|biggl|biggr|middle)(?![a-zA-Z])")
_THIN_COMMA = re.compile(r",\s*\\!\s*")
_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9"}
_PLAIN_FUNC = re.compile(r"(?<![\\A-Za-z])(sqrt|sin|cos|tan|cot|sec|csc|arcsin|arccos|arctan|ln|log|exp|pi|infinity|infty|inf)"
                         r"(?![A-Za-z])")
_DELIM_MAP = {"lvert": "|", "rvert": "|", "vert": "|", "lVert": "|", "rVert": "|", "lbrace": "\\{",
              "rbrace": "\\}", "langle": "(", "rangle": ")", "varnothing": "\\emptyset"}
_DELIMS = re.compile(r"\\(lvert|rvert|vert|lVert|rVert|lbrace|rbrace|langle|rangle|varnothing)(?![a-zA-Z])")
_FRAC_VARIANTS = re.compile(r"\\(?:dfrac|tfrac|cfrac)(?![a-zA-Z])")
_BINOM_VARIANTS = re.compile(r"\\(?:dbinom|tbinom)(?![a-zA-Z])")
_DEGREE = re.compile(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|°|\\degree(?![a-zA-Z])|\^\s*\{\s*\\degree\s*\}")
_PERCENT_WORD = re.compile(r"\s*(?:\\%|%|\bpercentage\b|\bpercent\b|\bpct\b)")
_CURRENCY = re.compile(r"\\\$|\$|€|£|¥|\\euro(?![a-zA-Z])|\bdollars?\b|\byuan\b|\beuros?\b|\bcents?\b")
_THOUSANDS = re.compile(r"-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?%?")
_SPACE_THOUSANDS = re.compile(r"-?[1-9]\d{0,2}(?: \d{3})+(?:\.\d+)?%?")
_MIXED = re.compile(r"(-?)(\d+)\s*(?:\\frac\{(\d+)\}\{(\d+)\}|\\frac(\d)(\d)|\s(\d+)/(\d+))")
_CONNECTOR = re.compile(r"\s*,?\s*\b(?:and|or)\b\s*,?\s*")
_GLUED_OR = re.compile(r"(?<=[\d)\]}])or(?=[A-Z(\[\d\\-])")
# Trailing units: words after a number ("10 weeks", "15 cm^2", "125 miles").
_UNIT_TAIL = re.compile(r"(?<=[\d}).%])\s+((?:square|sq\.?|cubic)\s+)?[a-zA-Z]{2,}(?:\s+[a-zA-Z]+){0,2}\s*(?:\^\s*\{?\d\}?)?\s*$")
_UNIT_GLUED = re.compile(r"(?<=\d)[a-zA-Z]{3,}(?:\s+[a-zA-Z]+){0,2}\s*(?:\^\s*\{?\d\}?)?\s*$")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([apAP])\.?\s*[mM]\.?)?")
_OPTION = re.compile(r"^\(([A-E])\)\s*(?=[-\d\\.(])")
# Area/volume units glued to a number ("12m^2"); bare "10m" stays a product (it may be algebra).
_UNIT_POWER = re.compile(r"(?<=[\d.])\s*(?:mm|cm|dm|m|km|in|ft|yd|mi)\s*\^\s*\{?[23]\}?\s*$")
_HOPE = re.compile(r"\s*I hope it is correct\.?\s*$", re.I)


@dataclass(slots=True)
class Norm:
    """A normalised answer and the marks stripped from it."""

    text: str
    percent: bool = False
    degree: bool = False
    has_or: bool = False  # "3 or 4": a hedge when the gold is a single value
    is_text: bool = False  # a word answer ("odd", "Evelyn"), compared as text


def unwrap(s: str, names: tuple[str, ...] = _TEXT_CMDS, keep_braces: bool = False, pad: str = " ") -> str:
    """Replace ``\\name{content}`` with `` content `` for the given commands (linear brace scan)."""
    if "\\" not in s:
        return s
    pat = re.compile(r"\\(?:" + "|".join(names) + r")\s*\{")
    out: list[str] = []
    pos = 0
    while True:
        m = pat.search(s, pos)
        if m is None:
            out.append(s[pos:])
            break
        out.append(s[pos:m.start()])
        depth, i = 1, m.end()
        n = len(s)
        while i < n and depth:
            c = s[i]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            i += 1
        inner = s[m.end():i - 1] if depth == 0 else s[m.end():]
        # The content may itself hold wrappers (\text{\textbf{A}}): it is scanned again below.
        out.append(("{" + inner + "}") if keep_braces else (pad + inner + pad))
        pos = i
    res = "".join(out)
    return unwrap(res, names, keep_braces, pad) if pat.search(res) and res != s else res


def clean_latex(s: str) -> str:
    """Spelling-level cleanup shared by gold and prediction."""
    s = _DOUBLE_BS.sub(r"\\", s)
    s = s.replace("\\{,\\}", "").replace("{,}", ",")
    s = _THIN_COMMA.sub(",", s).replace("\\!", "")
    s = _SPACING.sub(" ", s)
    s = _SIZING.sub("", s)
    s = _FRAC_VARIANTS.sub(r"\\frac", s)
    s = _BINOM_VARIANTS.sub(r"\\binom", s)
    s = _DELIMS.sub(lambda m: _DELIM_MAP[m.group(1)], s)
    s = s.replace("\\lt", "<").replace("\\gt", ">").replace("\\leqslant", "\\le").replace("\\geqslant", "\\ge")
    s = s.replace("−", "-").replace("×", "\\times").replace("÷", "\\div").replace("·", "\\cdot")
    s = s.replace("≤", "\\le ").replace("≥", "\\ge ").replace("≠", "\\ne ").replace("π", "\\pi ")
    s = s.replace("∞", "\\infty ").replace("±", "\\pm ").replace("√", "\\sqrt")
    if any(c in s for c in _SUPERSCRIPTS):
        s = "".join("^" + _SUPERSCRIPTS[c] if c in _SUPERSCRIPTS else c for c in s)
    # Plain-text functions ("sqrt(3)/2", "pi/4") are the LaTeX commands, not products of letters.
    s = _PLAIN_FUNC.sub(lambda m: "\\" + ("infty" if m.group(1).startswith("inf") else m.group(1)) + " ", s)
    return s


def normalize(raw: str) -> Norm:
    """Normalise one extracted answer string."""
    s = clean_latex(raw.strip())
    s = _HOPE.sub("", s)
    s = unwrap(s)
    s = s.replace("\\(", " ").replace("\\)", " ").replace("\\[", " ").replace("\\]", " ")
    s = s.strip().strip("$").strip()
    if s.startswith("**") and s.endswith("**") and len(s) > 4:
        s = s[2:-2].strip()  # markdown bold around the answer (Math-Verify #76)
    s = s.rstrip(".。 \\").rstrip()
    s = s.replace("\\$", " ").replace("$", " ")
    s = _OPTION.sub("", s.lstrip())  # "\textbf{(B)}\ 12": the option label is not the value
    degree = False
    if _DEGREE.search(s):
        degree = True
        s = _DEGREE.sub("°", s)
    percent = False
    if _PERCENT_WORD.search(s):
        percent = True
        s = _PERCENT_WORD.sub("%", s)
    s = _CURRENCY.sub(" ", s)
    clock = _CLOCK.fullmatch(s.strip())
    if clock:  # 08:34 P.M. = 20:34 = 20:34:00
        h, mi, sec, half = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0), clock.group(4)
        if half and half.lower() == "p" and h < 12:
            h += 12
        elif half and half.lower() == "a" and h == 12:
            h = 0
        s = f"{h}:{mi:02d}" + (f":{sec:02d}" if sec else "")
    has_or = bool(re.search(r"\bor\b", s)) or bool(_GLUED_OR.search(s))
    s = _GLUED_OR.sub(",", s)
    is_text = _looks_like_text(s)
    if not is_text:
        s = _CONNECTOR.sub(", ", s)
        s = _UNIT_TAIL.sub("", s)
        s = _UNIT_GLUED.sub("", s)
        s = _UNIT_POWER.sub("", s)
        s = s.strip(" ,;")
        # Thousands separators only when the whole answer is one number: inside "(12,102)" the
        # comma separates items.
        if _THOUSANDS.fullmatch(s) or _SPACE_THOUSANDS.fullmatch(s):
            s = s.replace(",", "").replace(" ", "")
        m = _MIXED.fullmatch(s)
        if m:  # a mixed number: 2\frac58 = 2 + 5/8
            sign, whole = m.group(1), m.group(2)
            numer, denom = m.group(3) or m.group(5) or m.group(7), m.group(4) or m.group(6) or m.group(8)
            s = f"{sign}({whole}+{numer}/{denom})"
    s = " ".join(s.split())
    return Norm(s, percent, degree, has_or, is_text)


_WORDY = re.compile(r"[A-Za-z][A-Za-z'’\- ]*")


def _looks_like_text(s: str) -> bool:
    """A prose answer ("odd", "the midpoints form a regular hexagon"): letters only, one word ≥3."""
    t = s.strip().strip(".")
    if not t or len(t) > 200 or not _WORDY.fullmatch(t):
        return False
    return any(len(w) >= 3 for w in t.split())


def text_key(s: str) -> str:
    """Comparison key of a text answer: case-, space- and article-insensitive."""
    words = [w for w in re.split(r"[\s\-]+", s.casefold().strip(" .")) if w and w not in ("the", "a", "an")]
    return " ".join(words)
