"""Generated math problems: reproducible, and their gold is accepted by the verifier (and a wrong one not)."""

from __future__ import annotations

import random

import pytest

from envs.math import MathTask
from envs.math.generate import FAMILIES

T = MathTask()


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_generated_gold_scores_and_a_wrong_answer_does_not(family):
    rng = random.Random(3)
    for _ in range(20):
        p = T.sample(rng, family=family)
        ref = T.parse_reference(p.reference)
        assert "\\boxed" in p.prompt
        assert T.score(f"So the answer is \\boxed{{{p.reference['answer']}}}.", ref).reward == 1.0, p
        assert T.score("So the answer is \\boxed{123457}.", ref).reward == 0.0, p


def test_sampling_is_seeded():
    a = [T.sample(random.Random(9)).reference for _ in range(3)]
    b = [T.sample(random.Random(9)).reference for _ in range(3)]
    assert a == b
    with pytest.raises(ValueError, match="family"):
        T.sample(random.Random(1), family="nope")
