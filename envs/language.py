"""Language consistency, DeepSeek-R1's third reward: the share of the chain of thought written in the
target language.

R1 adds it because RL-trained reasoning drifts into mixed languages; it is "the proportion of target
language words in the CoT", added to the accuracy reward (DeepSeek-R1 paper, reasoning-oriented RL). Here:

- the chain of thought is the last closed ``<think>…</think>`` block, else the text before the answer
  (``<answer>`` tag or ``\\boxed``), else the whole completion;
- words are told apart by *script*, with no model and no download: a run of letters of one script is
  one word (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Hangul), and each character of
  scripts written without spaces (Han, Hiragana/Katakana, Thai) is one word. Digits, punctuation and
  symbols are nobody's words. Single Latin letters (math variables) and LaTeX command names are not
  counted either;
- a language is known by its script, so ``en`` and ``fr`` (both Latin) are not told apart: the
  component catches script mixing (English in a Chinese CoT), the drift R1 describes;
- a CoT with no word at all scores 0: nothing in it is in the target language.

Linear in the text (one regex pass with no backtracking).
"""

from __future__ import annotations

import re

from envs.answer import ANSWER_OPEN, THINK_CLOSE, THINK_OPEN

_SCRIPTS = {
    "latin": r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF",
    "cyrillic": r"\u0400-\u04FF\u0500-\u052F",
    "greek": r"\u0370-\u03FF\u1F00-\u1FFF",
    "arabic": r"\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF",
    "hebrew": r"\u0590-\u05FF",
    "devanagari": r"\u0900-\u097F",
    "hangul": r"\uAC00-\uD7AF\u1100-\u11FF\u3130-\u318F",
}
_CHAR_SCRIPTS = {  # no spaces between words: each character counts as one
    "han": r"\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF",
    "kana": r"\u3040-\u309F\u30A0-\u30FF",
    "thai": r"\u0E00-\u0E7F",
}
_WORD = re.compile("|".join([f"(?P<{k}>[{v}]+)" for k, v in _SCRIPTS.items()]
                            + [f"(?P<{k}>[{v}])" for k, v in _CHAR_SCRIPTS.items()]))
_LATEX = re.compile(r"\\[A-Za-z]+")

# ISO 639-1 code -> the scripts its words are written in.
LANGUAGES: dict[str, frozenset[str]] = {
    **{c: frozenset({"latin"}) for c in ("en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "pl",
                                         "cs", "sk", "ro", "hu", "tr", "id", "ms", "vi", "ca", "hr", "sl", "et",
                                         "lv", "lt", "sw", "tl")},
    **{c: frozenset({"cyrillic"}) for c in ("ru", "uk", "bg", "sr", "mk", "be", "kk")},
    "el": frozenset({"greek"}),
    **{c: frozenset({"arabic"}) for c in ("ar", "fa", "ur")},
    "he": frozenset({"hebrew"}),
    **{c: frozenset({"devanagari"}) for c in ("hi", "mr", "ne")},
    "ko": frozenset({"hangul"}),
    "zh": frozenset({"han"}),
    "ja": frozenset({"han", "kana"}),
    "th": frozenset({"thai"}),
}


def chain_of_thought(text: str) -> str:
    close = text.rfind(THINK_CLOSE)
    if close >= 0:
        start = text.rfind(THINK_OPEN, 0, close)
        return text[start + len(THINK_OPEN) if start >= 0 else 0 : close]
    cut = min((i for i in (text.find(ANSWER_OPEN), text.rfind("\\boxed")) if i >= 0), default=len(text))
    return text[:cut].replace(THINK_OPEN, " ")  # an unclosed <think>: its tag is not a word


def word_counts(text: str) -> dict[str, int]:
    """Words per script (see the module docstring for what a word is)."""
    counts: dict[str, int] = {}
    for m in _WORD.finditer(_LATEX.sub(" ", text)):
        script = m.lastgroup or ""
        if script == "latin" and m.end() - m.start() == 1:
            continue  # a lone letter: a variable, not a word
        counts[script] = counts.get(script, 0) + 1
    return counts


def language_share(completion: str, language: str) -> float:
    """Share of the CoT's words written in ``language``'s script(s); 0 when the CoT has no word."""
    scripts = LANGUAGES[language]
    counts = word_counts(chain_of_thought(completion))
    total = sum(counts.values())
    return sum(n for s, n in counts.items() if s in scripts) / total if total else 0.0


def parse_language(value: object, field: str = "language") -> str:
    """The language code of a reference option; ValueError naming the field when unknown."""
    if not isinstance(value, str) or value.strip().lower() not in LANGUAGES:
        raise ValueError(f"{field}: expected one of {', '.join(sorted(LANGUAGES))}, got {value!r}")
    return value.strip().lower()
