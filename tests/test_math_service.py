"""The ``math`` task through a real server: hostile inputs are answered within the deadline
(+100 ms) and the server keeps serving; a GRPO-style group with repeated answers is scored right."""

from __future__ import annotations

import time

from tests.rpc import item, request, status, stub

GOLD = {"answer": r"\frac{1}{2}"}
HOSTILE = [
    r"\boxed{5^{5^{5^{5^5}}}}",
    r"\boxed{\dfrac{5^{5^{5^{5^5}}-4}-5}{16}}",
    r"\boxed{(10^{100})!}",
    r"\boxed{\binom{10^{100}}{10^{50}}}",
    r"\boxed{" + "(" * 3000 + "1" + ")" * 3000 + "}",
    r"\boxed{" + "{" * 3000 + "1" + "}" * 3000 + "}",
    "x " * 100_000 + r"\boxed{0.5}",
    "$" * 200_000,
]


def test_hostile_math_within_deadline_and_server_keeps_serving(rg_server) -> None:  # type: ignore[no-untyped-def]
    s = stub(rg_server.address)
    items = [item("math", c, GOLD, id=f"h{i}") for i, c in enumerate(HOSTILE)]
    t0 = time.monotonic()
    arrivals = {r.id: (time.monotonic() - t0, r) for r in
                s.ScoreStream(request(items, item_deadline_s=2.0), timeout=60)}
    assert set(arrivals) == {f"h{i}" for i in range(len(HOSTILE))}
    # Two workers share eight items: even queued behind each other, every one is answered well
    # inside the 2 s deadline (+100 ms), with a real verdict rather than a timeout.
    for key, (elapsed, r) in arrivals.items():
        assert elapsed < 2.1, (key, elapsed)
        assert status(r) in ("OK", "NO_ANSWER"), (key, status(r), r.detail)
    assert arrivals["h6"][1].reward == 1.0  # the 200k-character completion still gets its answer

    # ... and the server keeps serving.
    resp = s.Score(request([item("math", r"\boxed{0.5}", GOLD, id="after")]), timeout=30)
    assert status(resp.results[0]) == "OK" and resp.results[0].reward == 1.0


def test_grpo_group_with_shared_reference(rg_server) -> None:  # type: ignore[no-untyped-def]
    s = stub(rg_server.address)
    group = [r"\boxed{1/2}", r"\boxed{0.5}", r"\boxed{\frac{2}{4}}", r"\boxed{0.5}", r"\boxed{2}",
             r"<think>\boxed{0.5}</think> no idea", r"\boxed{1/2} or \boxed{1/3}", "The answer is 50%"]
    want = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    items = [item("math", c, ref_index=0, id=f"g{i}") for i, c in enumerate(group)]
    resp = s.Score(request(items, refs=[GOLD]), timeout=30)
    assert [r.reward for r in resp.results] == want, [(r.reward, r.detail) for r in resp.results]
    for r in resp.results:
        assert r.detail.startswith("stage=") and r.task_version == "1.0.0"
