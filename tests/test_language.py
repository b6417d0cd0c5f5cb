"""Language consistency (R1's third reward): script-based share of the CoT in the target language."""

from __future__ import annotations

import pytest

from envs.language import chain_of_thought, language_share, word_counts
from trainer_client import Item, RewardClient

G24 = {"numbers": [4, 7, 8, 1]}
RIGHT = "<answer>(8-4)*(7-1)</answer>"


@pytest.mark.parametrize("text,lang,share", [
    ("<think>First subtract four from eight, then multiply.</think>" + RIGHT, "en", 1.0),
    ("<think>先用八减四，再乘以六。</think>" + RIGHT, "zh", 1.0),
    ("<think>我们先计算 then multiply 结果</think>" + RIGHT, "zh", 7 / 9),  # 7 Han characters, 2 English words
    ("<think>我们先计算 then multiply 结果</think>" + RIGHT, "en", 2 / 9),
    ("<think>Сначала вычтем, then multiply</think>" + RIGHT, "ru", 2 / 4),
    ("<think>まず8から4を引きます</think>" + RIGHT, "ja", 1.0),  # kana and Han both Japanese
    ("<think>令 x = 3，则 \\frac{x}{2} 成立</think>" + RIGHT, "zh", 1.0),  # variables, LaTeX names: nobody's words
    ("<think>8 4 7 1 (8-4)*(7-1) = 24</think>" + RIGHT, "en", 0.0),  # no word at all
    ("Subtract then multiply. " + RIGHT, "en", 1.0),  # no think block: the text before the answer
    ("Subtract 然后 multiply. \\boxed{24}", "en", 2 / 4),
    ("<think>unclosed 思考 " + RIGHT, "en", 1 / 3),  # no closed think: before the answer tag, tag left out
])
def test_language_share(text, lang, share):
    assert language_share(text, lang) == pytest.approx(share)


def test_answer_text_is_not_the_chain_of_thought():
    text = "<think>deux plus deux</think><answer>quatre vier four четыре</answer>"
    assert chain_of_thought(text) == "deux plus deux"
    assert language_share(text, "fr") == 1.0


def test_linear_on_hostile_text():
    text = "<think>" + "a字б" * 300_000 + "</think>"  # 1.2 M characters alternating scripts
    counts = word_counts(chain_of_thought(text))
    assert counts == {"han": 300_000, "cyrillic": 300_000}  # lone Latin letters are not words


@pytest.fixture(scope="module")
def rc(shared_server):
    with RewardClient(shared_server.address, none_on_error=False) as c:
        yield c


def test_component_through_the_server(rc):
    mixed = "<think>先减 then multiply</think>" + RIGHT  # 2 Han words of 4
    ref = {**G24, "language": "zh"}
    (r,) = rc.score([Item("game24", mixed, ref)])
    assert r.status == "ok" and r.components["language"] == pytest.approx(0.5)
    assert r.reward == 1.0  # weight 0 by default: the reward is unchanged
    (w,) = rc.score([Item("game24", mixed, ref)], weights={"language": 0.2})
    assert w.reward == pytest.approx(1.1)
    (plain,) = rc.score([Item("game24", mixed + " ", G24)])  # honest twin: no option, no component
    assert "language" not in plain.components and plain.reward == 1.0
    # a wrong answer in the right language: accuracy stays 0, the component alone moves the reward
    (wrong,) = rc.score([Item("game24", "<think>先减再乘</think><answer>8*4</answer>", ref)], weights={"language": 0.2})
    assert wrong.components["accuracy"] == 0.0 and wrong.reward == pytest.approx(0.2)


@pytest.mark.parametrize("ref,field", [
    ({**G24, "language": "klingon"}, "language"),
    ({**G24, "language": 3}, "language"),
    ({**G24, "language": "en", "cot_language": "en"}, "language"),
    ({**G24, "cot_language": ""}, "cot_language"),
])
def test_bad_language_option_is_invalid_reference(rc, ref, field):
    (r,) = rc.score([Item("game24", RIGHT, ref)])
    assert r.status == "invalid_reference" and r.detail.startswith(field), r.detail


def test_code_task_keeps_language_for_the_program(rc):
    ref = {"language": "python", "tests": [{"input": "", "output": "3\n"}], "cot_language": "en"}
    text = "<think>Print three.</think>\n```python\nprint(3)\n```"
    (r,) = rc.score([Item("code", text, ref)])
    assert r.status == "ok" and r.reward == 1.0 and r.components["language"] == 1.0
