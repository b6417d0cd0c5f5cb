"""The ``math`` task: a verifiable reward for math answers, without ``eval``.

Reference: ``{"answer": "<gold, LaTeX or plain>"}`` plus optional policy switches (below). The gold
is parsed once in ``parse_reference``; ``score`` only reads the completion. ``docs/math.md`` has the
long form of everything here.

Default policy
--------------
* Extraction: text after the last ``</think>`` only; the last ``<answer>…</answer>`` (read inside
  itself only); else the last
  brace-matched ``\\boxed{}``/``\\fbox{}`` (boxes joined only by connectors form one list), unless
  a "final answer is …" sentence follows it; else "the final answer is …"; else (``fallback``)
  "answer is/Answer:" anchors, a short completion that is itself an answer, the last math span of
  the tail, the last number of the last sentence.
* Extraction is the shared layer ``envs.answer``; it yields one answer or none. Hedging scores 0:
  several different answers (``\\boxed{3} or \\boxed{4}``, ``3 or 4``, "5, 6 or 7", ``A B C``)
  against a single-valued gold, and qualifiers in or around the answer ("not 3", "at least 3",
  "either 3 or 4", "3, possibly 4", "Either A or C") unless the gold carries them itself.
* Numbers: the gold's exactness decides (a decimal answers an exact gold only within 1e-6 and
  half a unit of its last place; an exact answer matches a decimal gold when it rounds to it;
  two decimals are equal up to trailing zeros; ``rel_tol`` switches to a relative tolerance).
* Types: the gold's notation decides (a set is not a tuple, an interval or a list); an equation
  chain is an answer only when it holds (``2+2=5`` is not 5).
* Comparison, cheapest first, the deciding stage named in ``Verdict.detail`` (``stage=…``):
  ``string`` (normalised text), ``structural`` (same tree up to commutativity), ``numeric``
  (exact rationals, the number rules above), ``numeric_identity`` (random points at 40 digits,
  confirmed at 80), ``symbolic`` (budgeted sympy, small
  symbolic trees only); typed stages ``tuple``, ``set``, ``interval``, ``matrix``, ``equation``
  (equal up to a non-zero factor), ``relation``, ``assignment``, ``ratio``, ``text``,
  ``letter``; and the zero-reward reasons ``hedging``, ``shape``, ``type``, ``unparsed``, ``refused``
  (a size guard fired), ``undecided``.
* Assignments: ``x = 5`` answers ``5`` and back (the left side must be a name: ``x``, ``f(x)``,
  ``AB``, ``(p, q)``; ``y = 2`` does not answer ``x = 2``); a gold *equation* such as
  ``a + 3z = 0`` is not answered by ``0``.
* Bare comma lists and ``\\{…\\}`` are unordered; ``(…)``, ``[…]`` and matrices are ordered;
  intervals keep their openness; ``±`` expands to both values.
* Variable names matter (``f(x)`` is not ``f(y)``); text answers compare case-insensitively.
* Units (``\\text{ cm}``, "10 weeks"), ``\\$``, degrees and thousands separators are dropped.

Switches (reference keys)
-------------------------
``percent``: ``"lenient"`` (default: ``X%`` matches ``X`` and ``X/100``), ``"strict"`` (only
``X/100``), ``"ignore"`` (only ``X``). ``ordered_lists`` (False): compare bare comma lists in order. ``rel_tol`` (unset): numbers
match within this relative tolerance.
``relation_vs_interval`` (True): a predicted inequality may answer a gold interval (a gold
inequality always accepts the interval). ``require_boxed`` (False): only ``<answer>`` and boxes
count. ``fallback`` (``"last_sentence"``; ``"none"`` trusts only marked answers and "final answer
is"). ``strict_think`` (False): an unclosed ``<think>`` hides everything after it.

Components: ``accuracy`` (weight 1.0) and ``format`` (DeepSeek-R1 ``<think>…</think><answer>…
</answer>``, weight 0.0 by default: reported, not rewarded unless a request weights it).
"""

from envs.math.task import MathTask

__all__ = ["MathTask"]
