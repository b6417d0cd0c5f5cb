"""The reward service through the wire: a real server process on a loopback port, real workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import grpc
import pytest
from google.protobuf import struct_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rpc import G24, RIGHT, WRONG, item, request, status, stub

from rewardgym.v1 import reward_pb2 as pb
from tests.serverproc import ServerProc


def distinct_game24(n: int, offset: int = 0) -> list[pb.ScoreItem]:
    # distinct completions (whitespace varies) so neither dedup nor the cache hides work
    return [item("game24", RIGHT if i % 2 == 0 else WRONG, G24, id=f"g{i}") for i in range(n)] if offset < 0 else [
        item("game24", f"<think>{i + offset}</think>" + (RIGHT if i % 2 == 0 else WRONG), G24, id=f"g{i}")
        for i in range(n)]


def test_batch_results_in_request_order(shared_server):
    s = stub(shared_server.address)
    resp = s.Score(request(distinct_game24(300, 10_000)), timeout=30)
    assert [r.index for r in resp.results] == list(range(300))
    assert [r.id for r in resp.results] == [f"g{i}" for i in range(300)]
    for i, r in enumerate(resp.results):
        assert status(r) == "OK" and r.reward == (1.0 if i % 2 == 0 else 0.0)
        assert r.task_version == "1.0.0" and r.extracted and r.detail
    assert resp.results[0].components["accuracy"] == 1.0


def test_shared_reference_and_struct_reference(shared_server):
    s = stub(shared_server.address)
    items = [item("game24", f"{RIGHT} {i}" if i else RIGHT, ref_index=0) for i in range(16)]
    val = struct_pb2.Value()
    val.struct_value.update({"numbers": [4, 7, 8, 1]})  # numbers arrive as doubles: 4.0 must work
    items.append(pb.ScoreItem(task="game24", completion=RIGHT, reference=pb.Reference(value=val)))
    resp = s.Score(request(items, refs=[G24]), timeout=30)
    assert all(status(r) == "OK" and r.reward == 1.0 for r in resp.results), resp.results[-1]


def test_stream_results_arrive_as_they_finish(shared_server):
    s = stub(shared_server.address)
    items = [item("sleepy", "sleep:3", id="slow")] + distinct_game24(20, 20_000)
    t0 = time.monotonic()
    arrivals = [(r.index, time.monotonic() - t0) for r in s.ScoreStream(request(items, item_deadline_s=6), timeout=30)]
    order = [i for i, _ in arrivals]
    assert sorted(order) == list(range(21))
    assert order[-1] == 0, "the slow first item must arrive last"
    fast_done = max(t for i, t in arrivals if i != 0)
    assert fast_done < 2.5, arrivals  # sent as they finished, not held back until the slow one


def test_batched_stream_groups_ready_results_and_holds_none_back(shared_server):
    s = stub(shared_server.address)
    bad = item("game24", RIGHT, "not json")
    # The slow item sleeps far longer than the rest take even on a loaded machine, so "the fast
    # results were sent before it finished" is a test of holding back, not of speed.
    items = [item("sleepy", "sleep:3 batched", id="slow"), bad] + distinct_game24(2000, 21_000)
    t0 = time.monotonic()
    msgs = [(m, time.monotonic() - t0) for m in s.ScoreStreamBatched(request(items, item_deadline_s=6), timeout=30)]
    seen = [r.index for m, _ in msgs for r in m.results]
    assert sorted(seen) == list(range(len(items))), "every item exactly once"
    assert len(msgs) < len(items) / 10, f"{len(msgs)} messages for {len(items)} items: not grouped"
    assert seen[-1] == 0 and len(msgs[-1][0].results) == 1, "the slow item comes alone, last"
    fast_done = max(t for m, t in msgs[:-1])
    assert fast_done < 2.5, fast_done
    by_index = {r.index: r for m, _ in msgs for r in m.results}
    assert status(by_index[1]) == "INVALID_REFERENCE"
    # distinct_game24 alternates right and wrong answers
    assert [(status(by_index[i]), by_index[i].reward) for i in range(2, len(items))] == [
        ("OK", 1.0 if k % 2 == 0 else 0.0) for k in range(len(items) - 2)]
    assert status(by_index[0]) == "OK"


def test_duplicates_in_a_batch_are_scored_once(shared_server):
    s = stub(shared_server.address)
    # 8 identical items: scored once, the other 7 answered from that one run
    items = [item("sleepy", "sleep:0.3", id=str(k)) for k in range(8)]
    resp = s.Score(request(items, item_deadline_s=2, no_cache=True), timeout=30)
    assert all(status(r) == "OK" for r in resp.results)
    assert [r.cached for r in resp.results].count(False) == 1


def test_cache_serves_repeats_across_batches(shared_server):
    s = stub(shared_server.address)
    items = distinct_game24(50, 30_000)
    first = s.Score(request(items), timeout=30)
    second = s.Score(request(items), timeout=30)
    assert not any(r.cached for r in first.results)
    assert all(r.cached for r in second.results)
    assert [(r.reward, r.status, r.detail) for r in first.results] == [(r.reward, r.status, r.detail) for r in second.results]
    third = s.Score(request(items, no_cache=True), timeout=30)
    assert not any(r.cached for r in third.results)
    # different weights are a different cache key
    fourth = s.Score(request(items[:2], weights={"accuracy": 0.5}), timeout=30)
    assert not fourth.results[0].cached and fourth.results[0].reward == 0.5


def test_bad_items_get_their_own_status_and_the_rest_their_rewards(shared_server):
    s = stub(shared_server.address)
    good = distinct_game24(4095, 40_000)
    bad = [
        item("game24", RIGHT, "{not json"),
        item("game24", RIGHT, {"numbers": [1, 2]}),
        item("no_such_task", RIGHT, G24),
        item("game24", RIGHT, ref_index=99),
        pb.ScoreItem(task="game24", completion=RIGHT),  # no reference at all
        item("crashy", "raise"),
    ]
    items = good[:1000] + [bad[0]] + good[1000:]
    resp = s.Score(request(items), timeout=60)
    assert len(resp.results) == 4096
    assert status(resp.results[1000]) == "INVALID_REFERENCE" and "JSON" in resp.results[1000].detail
    others = [r for i, r in enumerate(resp.results) if i != 1000]
    assert all(status(r) == "OK" for r in others)
    assert sum(r.reward for r in others) == 2048
    resp = s.Score(request(bad[1:] + good[:3]), timeout=30)
    got = [status(r) for r in resp.results]
    assert got == ["INVALID_REFERENCE", "UNKNOWN_TASK", "INVALID_REFERENCE", "INVALID_REFERENCE",
                   "INTERNAL_ERROR", "OK", "OK", "OK"]
    assert resp.results[0].detail.startswith("numbers")
    assert "reference_index" in resp.results[2].detail
    assert "boom" in resp.results[4].detail


def test_timeout_within_deadline_plus_100ms_and_the_rest_served(shared_server):
    s = stub(shared_server.address)
    items = [item("sleepy", "spin", id="hang")] + distinct_game24(200, 50_000)
    t0 = time.monotonic()
    seen = {}
    for r in s.ScoreStream(request(items, item_deadline_s=0.5), timeout=30):
        seen[r.index] = (r, time.monotonic() - t0)
    hang, when = seen[0]
    assert status(hang) == "TIMEOUT" and "deadline" in hang.detail
    assert when <= 0.5 + 0.1, when
    assert all(status(seen[i][0]) == "OK" for i in range(1, 201))
    # the next request is served normally (the killed worker was replaced)
    resp = s.Score(request(distinct_game24(50, 51_000)), timeout=10)
    assert all(status(r) == "OK" for r in resp.results)


def test_sleeping_task_times_out_by_its_default_deadline(shared_server):
    s = stub(shared_server.address)
    t0 = time.monotonic()
    resp = s.Score(request([item("sleepy", "sleep:30")]), timeout=30)  # sleepy's default deadline is 0.5 s
    assert status(resp.results[0]) == "TIMEOUT"
    assert time.monotonic() - t0 < 0.5 + 0.1 + 0.2  # + RPC round trip


def test_call_deadline_bounds_every_item(shared_server):
    s = stub(shared_server.address)
    items = [item("sleepy", f"sleep:{5 + k}") for k in range(4)]
    t0 = time.monotonic()
    resp = s.Score(request(items, item_deadline_s=30), timeout=1.0)
    assert time.monotonic() - t0 < 1.0
    assert all(status(r) == "TIMEOUT" for r in resp.results)


def test_worker_killed_mid_batch_every_item_still_answered():
    with ServerProc(workers=2) as srv:
        s = stub(srv.address)
        workers = _workers(srv)
        assert len(workers) == 2
        items = [item("sleepy", f"sleep:0.0{5 + k % 5}", id=str(k)) for k in range(60)]
        killer = threading.Timer(0.4, lambda: os.kill(workers[0], signal.SIGKILL))
        killer.start()
        resp = s.Score(request(items, item_deadline_s=5), timeout=30)
        killer.join()
        assert [status(r) for r in resp.results] == ["OK"] * 60
        # the pool healed: two live workers again, one of them new
        time.sleep(0.3)
        now = _workers(srv)
        assert len(now) == 2 and workers[0] not in now
        # a task that kills its own worker every time: INTERNAL_ERROR after one retry, others fine
        resp = s.Score(request([item("crashy", "exit"), item("crashy", "segv"), item("crashy", "fine")]), timeout=30)
        assert [status(r) for r in resp.results] == ["INTERNAL_ERROR", "INTERNAL_ERROR", "OK"]
        assert "died" in resp.results[0].detail


def _workers(srv: ServerProc) -> list[int]:
    """Scoring workers: grandchildren of the server (children of its fork server)."""
    out = []
    for pid in srv.children():
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if ppid != srv.proc.pid and b"rewardgym.forkserver" in cmd:
            out.append(pid)
    return sorted(out)


# Distinct sleepy items and game24 seeds per RPC, so neither run is answered from the other's cache.
@pytest.mark.parametrize("rpc,tag,seed", [("ScoreStream", "", 60_000), ("ScoreStreamBatched", "b", 61_000)])
def test_client_cancellation_stops_pending_work(shared_server, rpc, tag, seed):
    s = stub(shared_server.address)
    items = [item("sleepy", f"sleep:0.1 {tag}{k}", id=str(k)) for k in range(200)]  # ~10 s of work on 2 workers
    call = getattr(s, rpc)(request(items, item_deadline_s=2), timeout=60)
    next(call)
    call.cancel()
    time.sleep(0.3)
    t0 = time.monotonic()
    resp = s.Score(request(distinct_game24(10, seed)), timeout=10)
    assert all(status(r) == "OK" for r in resp.results)
    assert time.monotonic() - t0 < 1.0, "pending work of the cancelled call was not dropped"


def test_limits_are_refused_per_item(rg_server_factory):
    srv = rg_server_factory(extra=["--max-completion-chars", "1000", "--max-batch", "100"])
    s = stub(srv.address)
    items = [item("game24", "x" * 1001 + RIGHT, G24)] + distinct_game24(120, 70_000)
    resp = s.Score(request(items), timeout=30)
    got = [status(r) for r in resp.results]
    assert got[0] == "REJECTED" and "1000 characters" in resp.results[0].detail
    assert got[1:100] == ["OK"] * 99
    assert got[100:] == ["REJECTED"] * 21 and "100 items" in resp.results[100].detail


def test_overload_is_refused_at_once(rg_server_factory):
    srv = rg_server_factory(workers=1, env={"REWARDGYM_MAX_QUEUE": "5"})
    s = stub(srv.address)
    # Items of 1 s on one worker: the queue is still full when the second call comes 0.2 s later
    # (with items as short as that wait, the first could finish and free a slot).
    items = [item("sleepy", f"sleep:1 {k}") for k in range(8)]
    done: dict[str, pb.ScoreResponse] = {}
    t = threading.Thread(target=lambda: done.setdefault("a", s.Score(request(items, item_deadline_s=10), timeout=30)))
    t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    resp = s.Score(request([item("sleepy", f"sleep:1 x{k}") for k in range(3)], item_deadline_s=10), timeout=30)
    assert [status(r) for r in resp.results] == ["REJECTED"] * 3 and "overloaded" in resp.results[0].detail
    assert time.monotonic() - t0 < 0.8  # at once: well before the running 1 s item could free a slot
    t.join()
    first = [status(r) for r in done["a"].results]
    assert first.count("OK") == 5 and first.count("REJECTED") == 3


def test_token_is_required_except_for_health(rg_server_factory):
    srv = rg_server_factory(token="s3cret")
    ch = grpc.insecure_channel(srv.address)
    from rewardgym.v1 import reward_pb2_grpc as pb_grpc

    s = pb_grpc.RewardServiceStub(ch)
    for md in (None, [("authorization", "Bearer nope")], [("authorization", "s3cret")]):
        with pytest.raises(grpc.RpcError) as err:
            s.Score(request(distinct_game24(1)), metadata=md, timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as err:
            list(s.ScoreStream(request(distinct_game24(1)), metadata=md, timeout=10))
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as err:
            list(s.ScoreStreamBatched(request(distinct_game24(1)), metadata=md, timeout=10))
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    ok = s.Score(request(distinct_game24(1)), metadata=[("authorization", "Bearer s3cret")], timeout=10)
    assert ok.results[0].reward == 1.0
    h = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert h.status == health_pb2.HealthCheckResponse.SERVING


def test_tls(rg_server_factory, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    port = __import__("tests.serverproc", fromlist=["free_port"]).free_port()
    srv = ServerProc(port=port, extra=["--tls-cert", str(cert), "--tls-key", str(key)])
    srv.wait_healthy = lambda timeout: _wait_tls(srv.address, cert.read_bytes(), timeout)  # type: ignore[method-assign]
    srv.start()
    try:
        creds = grpc.ssl_channel_credentials(cert.read_bytes())
        from rewardgym.v1 import reward_pb2_grpc as pb_grpc

        s = pb_grpc.RewardServiceStub(grpc.secure_channel(srv.address, creds))
        assert s.Score(request(distinct_game24(1)), timeout=10).results[0].reward == 1.0
        with pytest.raises(grpc.RpcError):  # plaintext to a TLS port fails
            stub(srv.address).Score(request(distinct_game24(1)), timeout=3)
        # the health command (compose's health check) speaks TLS when given the CA
        health = [sys.executable, "-m", "rewardgym", "health", "--address", srv.address]
        assert subprocess.run([*health, "--ca-cert", str(cert)], capture_output=True).returncode == 0
        assert subprocess.run(health, capture_output=True, env={**os.environ, "REWARDGYM_TLS_CERT": ""}).returncode == 1
    finally:
        srv.stop()


def _wait_tls(address: str, ca: bytes, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with grpc.secure_channel(address, grpc.ssl_channel_credentials(ca)) as ch:
                r = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
                if r.status == health_pb2.HealthCheckResponse.SERVING:
                    return
        except grpc.RpcError:
            time.sleep(0.1)
    raise TimeoutError(address)


def test_health_and_reflection_list_everything(shared_server):
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    ch = grpc.insecure_channel(shared_server.address)
    h = health_pb2_grpc.HealthStub(ch)
    for svc in ("", "rewardgym.v1.RewardService"):
        assert h.Check(health_pb2.HealthCheckRequest(service=svc), timeout=5).status == 1
    r = reflection_pb2_grpc.ServerReflectionStub(ch)
    reqs = iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    (resp,) = list(r.ServerReflectionInfo(reqs, timeout=5))
    names = {s.name for s in resp.list_services_response.service}
    assert {"rewardgym.v1.RewardService", "grpc.health.v1.Health"} <= names
    reqs = iter([reflection_pb2.ServerReflectionRequest(file_containing_symbol="rewardgym.v1.RewardService")])
    (resp,) = list(r.ServerReflectionInfo(reqs, timeout=5))
    assert resp.file_descriptor_response.file_descriptor_proto


def test_list_tasks_sample_reset_step(shared_server):
    s = stub(shared_server.address)
    tasks = {t.name: t for t in s.ListTasks(pb.ListTasksRequest(), timeout=10).tasks}
    assert {"game24", "countdown", "sleepy", "crashy"} <= set(tasks)
    g = tasks["game24"]
    assert g.can_sample and g.gym_id == "rewardgym/Game24-v0" and g.default_deadline_s > 0
    assert json.loads(g.reference_schema_json)["required"] == ["numbers"]
    opts = struct_pb2.Struct()
    opts.update({"difficulty": "hard"})
    a = s.Sample(pb.SampleRequest(task="game24", n=5, seed=3, options=opts), timeout=30)
    b = s.Sample(pb.SampleRequest(task="game24", n=5, seed=3, options=opts), timeout=30)
    assert [p.reference_json for p in a.problems] == [p.reference_json for p in b.problems]
    assert len(a.problems) == 5 and "24" in a.problems[0].prompt
    with pytest.raises(grpc.RpcError) as err:
        s.Sample(pb.SampleRequest(task="nope", n=1), timeout=10)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as err:
        s.Sample(pb.SampleRequest(task="sleepy", n=1), timeout=10)
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    ep = s.Reset(pb.ResetRequest(task="game24", seed=1), timeout=30)
    nums = json.loads(ep.reference_json)["numbers"]
    from envs.game24 import solver

    sol = solver.solutions(nums)[0][0]
    st = s.Step(pb.StepRequest(episode_id=ep.episode_id, action=f"<answer>{sol}</answer>"), timeout=10)
    assert st.reward == 1.0 and st.terminated and status(st.result) == "OK"
    with pytest.raises(grpc.RpcError) as err:
        s.Step(pb.StepRequest(episode_id=ep.episode_id, action="again"), timeout=10)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as err:
        s.Step(pb.StepRequest(episode_id="nope", action="x"), timeout=10)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_metrics_endpoint(rg_server_factory):
    from tests.serverproc import free_port

    mport = free_port()
    srv = rg_server_factory(extra=["--metrics-address", f"127.0.0.1:{mport}"])
    stub(srv.address).Score(request(distinct_game24(3)), timeout=10)
    import urllib.request

    text = urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=5).read().decode()
    assert 'rewardgym_items_total{task="game24",status="ok"} 3' in text
    assert "rewardgym_workers 2" in text and 'rewardgym_rpc_seconds_count{method="Score"} 1' in text
