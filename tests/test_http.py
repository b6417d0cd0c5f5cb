"""The HTTP endpoint (rewardgym.http) of a real server, called the way OpenRLHF and plain clients do.

OpenRLHF's remote reward model client POSTs ``{"query", "prompts", "labels"}`` as JSON with
``requests`` and reads ``rewards`` (newer versions also ``scores`` and ``extra_logs``): the tests
make exactly that call, with plain ``requests``, and compare with gRPC on the same items.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import httpx
import pytest
import requests

from tests.serverproc import ServerProc, free_port
from trainer_client import Item, RewardClient

TOKEN = "s3cret-token"
G24 = {"numbers": [4, 7, 8, 1]}
CD = {"numbers": [1, 2, 3, 100], "target": 200, "use_all": False}
PROMPT = "<|im_start|>user\nMake 24 from 4 7 8 1.<|im_end|>\n<|im_start|>assistant\n"
COMPLETIONS = [
    "<think>try products</think><answer>(8-4)*(7-1)</answer>",  # right
    "<answer>(8-4)*(7+1)</answer>",  # wrong value
    "<answer>8*3</answer>",  # numbers the puzzle never gave
    "I give up.",  # no answer
    "<answer>24.5-0.5</answer>",  # decimals: rejected by the grammar
]


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[ServerProc, str]]:
    port = free_port()
    srv = ServerProc(workers=2, token=TOKEN,
                     extra=["--http-address", f"127.0.0.1:{port}", "--http-task", "game24"]).start()
    yield srv, f"http://127.0.0.1:{port}"
    srv.stop()


def openrlhf_call(url: str, queries: list[str], prompts: list[str], labels: list, **headers: str) -> requests.Response:
    """The request OpenRLHF's remote_rm_fn makes (requests.post with json=, Content-Type JSON)."""
    return requests.post(url, json={"query": queries, "prompts": prompts, "labels": labels},
                         headers={"Content-Type": "application/json", **headers}, timeout=60)


def grpc_rewards(address: str, items: list[Item]) -> list:
    with RewardClient(address, token=TOKEN, none_on_error=False) as rc:
        return rc.score(items, item_deadline_s=20)


def test_get_reward_matches_grpc(server):
    srv, base = server
    queries = [PROMPT + c + "<|im_end|>" for c in COMPLETIONS]
    labels = [json.dumps(G24)] * len(COMPLETIONS)
    resp = openrlhf_call(f"{base}/get_reward", queries, [PROMPT] * len(queries), labels,
                         Authorization=f"Bearer {TOKEN}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    ref = grpc_rewards(srv.address, [Item("game24", c, G24) for c in COMPLETIONS])
    assert body["rewards"] == [r.reward for r in ref] == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert body["scores"] == body["rewards"]
    assert body["statuses"] == [r.status for r in ref]
    assert body["extra_logs"]["accuracy"] == [r.components["accuracy"] for r in ref]
    assert body["extra_logs"]["rewardgym_valid"] == [1.0] * len(COMPLETIONS)


def test_get_reward_labels_name_task_and_bare_answers(server):
    srv, base = server
    queries = ["Q1<answer>100*2</answer>", "Q2 The answer is \\boxed{42}", "Q2 The answer is \\boxed{41}"]
    labels = [{"task": "countdown", "reference": CD}, json.dumps({"task": "math", "reference": "42"}),
              {"task": "math", "reference": "42"}]
    # a generous deadline: a math worker's first item may be slow on a loaded machine
    body = openrlhf_call(f"{base}/get_reward?token={TOKEN}&deadline=20", queries, ["Q1", "Q2 ", "Q2 "], labels).json()
    ref = grpc_rewards(srv.address, [Item("countdown", "<answer>100*2</answer>", CD),
                                     Item("math", "The answer is \\boxed{42}", {"answer": "42"}),
                                     Item("math", "The answer is \\boxed{41}", {"answer": "42"})])
    assert body["statuses"] == [r.status for r in ref] == ["ok"] * 3
    assert body["rewards"] == [r.reward for r in ref] == [1.0, 1.0, 0.0]


def test_get_reward_task_from_url_overrides_default(server):
    _, base = server
    q = ["<answer>100*2</answer>", "<answer>100+2</answer>"]
    body = openrlhf_call(f"{base}/get_reward?task=countdown", q, ["", ""], [CD, CD],
                         Authorization=f"Bearer {TOKEN}").json()
    assert body["rewards"] == [1.0, 0.0]


def test_infrastructure_failure_is_not_a_valid_zero(server):
    _, base = server
    body = openrlhf_call(f"{base}/get_reward", ["<answer>1+1</answer>"], [""], ['{"numbers": "x"}'],
                         Authorization=f"Bearer {TOKEN}").json()
    assert body["statuses"] == ["invalid_reference"]
    assert body["extra_logs"]["rewardgym_valid"] == [0.0]  # OpenRLHF cannot mask: flagged instead


@pytest.mark.parametrize("headers,params", [({}, ""), ({"Authorization": "Bearer wrong"}, ""),
                                            ({"Authorization": TOKEN}, ""), ({}, "?token=wrong"),
                                            ({}, f"?tok={TOKEN}")])
def test_token_enforced(server, headers, params):
    _, base = server
    r = openrlhf_call(f"{base}/get_reward{params}", ["<answer>1</answer>"], [""], [G24], **headers)
    assert r.status_code == 401 and "token" in r.json()["error"]
    r = httpx.post(f"{base}/v1/score{params}", content=b'{"task":"game24","completion":"1"}\n', headers=headers)
    assert r.status_code == 401
    # honest twin: the right token in either place is accepted
    assert openrlhf_call(f"{base}/get_reward", ["<answer>1</answer>"], [""], [G24],
                         Authorization=f"Bearer {TOKEN}").status_code == 200
    assert httpx.get(f"{base}/healthz").json() == {"status": "SERVING"}  # probes need no token


@pytest.mark.parametrize("body,field", [
    ({"query": "text", "prompts": [""], "labels": [{}]}, "query"),
    ({"query": ["a", "b"], "prompts": [""], "labels": [{}, {}]}, "prompts"),
    ({"query": ["a"], "prompts": [""], "labels": []}, "labels"),
    ({"query": [1], "prompts": [""], "labels": [{}]}, "query"),
    ([1, 2], "body"),
])
def test_get_reward_bad_shapes_are_400_naming_the_field(server, body, field):
    _, base = server
    r = requests.post(f"{base}/get_reward", json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert r.status_code == 400 and r.json()["error"].startswith(field), r.text


def test_get_reward_body_not_json_is_400(server):
    _, base = server
    r = requests.post(f"{base}/get_reward", data=b"not json", headers={"Authorization": f"Bearer {TOKEN}"},
                      timeout=30)
    assert r.status_code == 400 and r.json()["error"].startswith("body")


def test_v1_score_json_lines_match_grpc_and_cli_format(server):
    srv, base = server
    lines = [json.dumps({"task": "game24", "completion": c, "reference": G24, "id": f"c{i}"})
             for i, c in enumerate(COMPLETIONS)]
    lines.insert(2, "{not json")
    lines.insert(3, json.dumps({"task": "game24"}))  # no completion
    lines.append(json.dumps({"task": "nosuchtask", "completion": "x", "reference": {}}))
    r = httpx.post(f"{base}/v1/score", content="\n".join(lines).encode(),
                   headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(x) for x in r.text.splitlines()]
    assert [row["index"] for row in rows] == list(range(len(lines)))
    assert set(rows[0]) == {"id", "index", "reward", "status", "components", "extracted", "detail", "task_version"}
    assert rows[2]["status"] == rows[3]["status"] == "invalid_reference" and "line 3" in rows[2]["detail"]
    assert rows[-1]["status"] == "unknown_task"
    scored = [row for row in rows if row["id"].startswith("c")]
    ref = grpc_rewards(srv.address, [Item("game24", c, G24, f"c{i}") for i, c in enumerate(COMPLETIONS)])
    assert [(x["reward"], x["status"], x["extracted"], x["id"]) for x in scored] == \
        [(r.reward, r.status, r.extracted, r.id) for r in ref]


def test_v1_score_stream_sends_group_summaries(server):
    _, base = server
    lines = []
    for g in range(6):
        for k in range(4):  # group g has g % 3 right answers out of 4 (group 0: all wrong, no signal)
            c = COMPLETIONS[0] if k < g % 3 else COMPLETIONS[1] + " " * k
            lines.append(json.dumps({"task": "game24", "completion": c + f" {g}", "reference": G24, "group": f"p{g}"}))
    with httpx.stream("POST", f"{base}/v1/score?stream=1&no_cache=1", content="\n".join(lines).encode(),
                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as r:
        rows = [json.loads(x) for x in r.iter_lines() if x]
    results = [x for x in rows if "index" in x]
    summaries = {x["group_summary"]["group"]: (i, x["group_summary"]) for i, x in enumerate(rows) if "group_summary" in x}
    assert len(results) == 24 and len(summaries) == 6
    for g in range(6):
        pos, s = summaries[f"p{g}"]
        members = [i for i, x in enumerate(rows) if "index" in x and x["index"] // 4 == g]
        assert pos > max(members)  # after its last member
        rewards = [rows[i]["reward"] for i in members]
        mean = sum(rewards) / 4
        assert (s["count"], s["valid"]) == (4, 4) and s["mean"] == pytest.approx(mean) == (g % 3) / 4
        assert s["std"] == pytest.approx((sum((x - mean) ** 2 for x in rewards) / 4) ** 0.5)
        assert s["all_equal"] == (g % 3 == 0)


def test_v1_score_hostile_bodies(server):
    _, base = server
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = httpx.post(f"{base}/v1/score", content=b"\xff\xfe\x00garbage", headers=auth)
    assert r.status_code == 400 and r.json()["error"].startswith("body")
    r = httpx.post(f"{base}/v1/score?weight=format", content=b"", headers=auth)
    assert r.status_code == 400 and r.json()["error"].startswith("weight")
    r = httpx.post(f"{base}/v1/score?deadline=soon", content=b"", headers=auth)
    assert r.status_code == 400 and r.json()["error"].startswith("deadline")
    big = json.dumps({"task": "game24", "completion": "x" * 2_000_000, "reference": G24})
    r = httpx.post(f"{base}/v1/score", content=big.encode(), headers=auth, timeout=60)
    assert r.status_code == 200 and json.loads(r.text)["status"] == "rejected"
    # honest twin of the weight check
    r = httpx.post(f"{base}/v1/score?weight=format=0.5", headers=auth, timeout=60,
                   content=json.dumps({"task": "game24", "completion": COMPLETIONS[0], "reference": G24}).encode())
    assert json.loads(r.text)["reward"] == 1.5


def test_http_off_by_default(rg_server):
    # A server without --http-address listens on its gRPC port only.
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{rg_server.port}/healthz", timeout=5)


def test_tls_and_no_default_task(tmp_path):
    """The HTTP endpoint uses the gRPC TLS certificate; without --http-task a row must name its task."""
    from tests.test_server import _wait_tls

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    port = free_port()
    srv = ServerProc(workers=1, extra=["--tls-cert", str(cert), "--tls-key", str(key),
                                       "--http-address", f"127.0.0.1:{port}"])
    srv.wait_healthy = lambda timeout: _wait_tls(srv.address, cert.read_bytes(), timeout)  # type: ignore[method-assign]
    srv.start()
    try:
        url = f"https://127.0.0.1:{port}/get_reward"
        r = requests.post(url, json={"query": ["<answer>(8-4)*(7-1)</answer>"], "prompts": [""], "labels": [G24]},
                          verify=str(cert), timeout=30)
        assert r.status_code == 400 and r.json()["error"].startswith("labels[0]")
        r = requests.post(url, json={"query": ["<answer>(8-4)*(7-1)</answer>"], "prompts": [""],
                                     "labels": [{"task": "game24", "reference": G24}]}, verify=str(cert), timeout=30)
        assert r.status_code == 200 and r.json()["rewards"] == [1.0]
        with pytest.raises(requests.exceptions.ConnectionError):  # plaintext to the TLS port fails
            requests.post(url.replace("https", "http"), json={"query": []}, timeout=5)
    finally:
        srv.stop()
