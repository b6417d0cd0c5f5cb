"""End-to-end checks of the compose stack, run by docker/ci_compose.sh (not collected by pytest).

Runs with the host's python against the published port (or, for ``dns``, inside a container on the
compose network). Each mode prints one ``RESULT {json}`` line and exits non-zero on failure.

    python tests/compose/smoke.py smoke    --address 127.0.0.1:50051
    python tests/compose/smoke.py fault    --address 127.0.0.1:50051 --stop 'docker stop -t 2 <sandbox>'
    python tests/compose/smoke.py failover --address 127.0.0.1:50051,127.0.0.1:50052 --stop 'docker stop <server>'
    python tests/compose/smoke.py dns      --address dns:///server:50051 --metrics-host server
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc  # noqa: E402

from trainer_client import RewardClient  # noqa: E402

FAILURES: list[str] = []


def check(cond: bool, what: str) -> bool:
    print(("  ok   " if cond else "  FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)
    return cond


def first_address(address: str) -> str:
    a = address.split(",")[0]
    return a.removeprefix("dns:///").removeprefix("ipv4:")


# ---------------------------------------------------------------- probes


def health(address: str, service: str = "", timeout: float = 5.0) -> str:
    with grpc.insecure_channel(first_address(address)) as ch:
        try:
            r = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
            return health_pb2.HealthCheckResponse.ServingStatus.Name(r.status)
        except grpc.RpcError as e:
            return f"rpc_error:{e.code().name}"


def reflection_services(address: str) -> list[str]:
    with grpc.insecure_channel(first_address(address)) as ch:
        stub = reflection_pb2_grpc.ServerReflectionStub(ch)
        reqs = [reflection_pb2.ServerReflectionRequest(list_services="")]
        resp = next(iter(stub.ServerReflectionInfo(iter(reqs), timeout=10)))
        return sorted(s.name for s in resp.list_services_response.service)


def reflection_describes(address: str, symbol: str) -> bool:
    """grpcurl's `describe`: the server hands out the file descriptor that defines ``symbol``."""
    with grpc.insecure_channel(first_address(address)) as ch:
        stub = reflection_pb2_grpc.ServerReflectionStub(ch)
        reqs = [reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol)]
        resp = next(iter(stub.ServerReflectionInfo(iter(reqs), timeout=10)))
        return len(resp.file_descriptor_response.file_descriptor_proto) > 0


# ---------------------------------------------------------------- items

GAME24_OK = ("<think>8/3 first</think><answer>8/(3-8/3)</answer>", {"numbers": [3, 3, 8, 8]})
GAME24_WRONG = ("<think>guess</think><answer>3+3+8+8</answer>", {"numbers": [3, 3, 8, 8]})
MATH_OK = ("<think>6 * 7</think> The product is \\boxed{42}.", {"answer": "42"})
MATH_WRONG = ("<think>6 * 7</think> The product is \\boxed{41}.", {"answer": "42"})

SUM_TESTS = [{"input": "2 3\n", "output": "5\n"}, {"input": "10 -4\n", "output": "6\n"}]
CODE_OK = {
    "python": "```python\na, b = map(int, input().split())\nprint(a + b)\n```",
    "c": '```c\n#include <stdio.h>\nint main(void){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);return 0;}\n```',
    "cpp": "```cpp\n#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<\"\\n\";}\n```",
    "javascript": "```javascript\nconst [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
    "console.log(a + b);\n```",
    "java": "```java\nimport java.util.*;\npublic class Main { public static void main(String[] x) {\n"
    "Scanner s = new Scanner(System.in); long a = s.nextLong(), b = s.nextLong(); System.out.println(a + b); } }\n```",
}
CODE_WRONG = "```python\na, b = map(int, input().split())\nprint(a - b)\n```"


def code_ref(language: str, tests: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"language": language, "tests": tests or SUM_TESTS, "time_limit_s": 5}


def show(r: Any) -> str:
    return f"status={r.status} reward={r.reward} detail={r.detail!r:.160}"


# ---------------------------------------------------------------- modes


def mode_smoke(a: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    st = health(a.address)
    check(st == "SERVING", f"health (overall) = {st}")
    svcs = reflection_services(a.address)
    out["services"] = svcs
    check("rewardgym.v1.RewardService" in svcs, f"reflection lists {svcs}")
    check("grpc.health.v1.Health" in svcs, "reflection lists the health service")
    check(reflection_describes(a.address, "rewardgym.v1.RewardService"), "reflection describes RewardService")
    with RewardClient(a.address, timeout_s=120, none_on_error=False) as rc:
        tasks = {t.name: t for t in rc.list_tasks()}
        out["tasks"] = sorted(tasks)
        for name in ("game24", "math", "code"):
            check(name in tasks, f"ListTasks has {name}")
        if "code" in tasks:
            out["code_info"] = dict(tasks["code"].info)
            print(f"  code task info: {out['code_info']}")
        items = [
            {"task": "game24", "completion": GAME24_OK[0], "reference": GAME24_OK[1], "id": "game24-ok"},
            {"task": "game24", "completion": GAME24_WRONG[0], "reference": GAME24_WRONG[1], "id": "game24-wrong"},
            {"task": "math", "completion": MATH_OK[0], "reference": MATH_OK[1], "id": "math-ok"},
            {"task": "math", "completion": MATH_WRONG[0], "reference": MATH_WRONG[1], "id": "math-wrong"},
            {"task": "code", "completion": CODE_WRONG, "reference": code_ref("python"), "id": "code-python-wrong"},
        ]
        langs = a.languages.split(",") if a.languages else list(CODE_OK)
        items += [{"task": "code", "completion": CODE_OK[lang], "reference": code_ref(lang), "id": f"code-{lang}-ok"}
                  for lang in langs]
        t0 = time.monotonic()
        results = rc.score(items, no_cache=True)
        out["score_s"] = round(time.monotonic() - t0, 3)
        by_id = {r.id: r for r in results}
        check(len(results) == len(items), f"{len(results)}/{len(items)} results")
        for it in items:
            r = by_id.get(it["id"])
            if r is None:
                check(False, f"{it['id']}: no result")
                continue
            # Judge correctness on the accuracy component where the task reports one (the total may
            # include a format bonus), else on the reward.
            got = r.components.get("accuracy", r.reward)
            want_right = it["id"].endswith("-ok")
            good = r.status == "ok" and got is not None and (got >= 0.999 if want_right else got <= 1e-9)
            check(good, f"{it['id']}: {show(r)}")
        out["results"] = {r.id: {"status": r.status, "reward": r.reward} for r in results}
    check(health(a.address) == "SERVING", "health after scoring")
    return out


def code_batch(n: int, sleep_s: float) -> list[dict[str, Any]]:
    """``n`` distinct correct Python submissions, each sleeping a little so the batch takes a while."""
    return [{"task": "code", "id": f"fault-{i}",
             "completion": f"```python\nimport time\ntime.sleep({sleep_s})  # item {i}\n"
                           "a, b = map(int, input().split())\nprint(a + b)\n```",
             "reference": code_ref("python", SUM_TESTS[:1])}
            for i in range(n)]


def run_stop(cmd: str, log: dict[str, Any]) -> None:
    t0 = time.monotonic()
    p = subprocess.run(shlex.split(cmd), capture_output=True, text=True, timeout=120)
    log["stop_rc"] = p.returncode
    log["stop_s"] = round(time.monotonic() - t0, 2)
    print(f"  stopped: {cmd!r} rc={p.returncode} in {log['stop_s']}s {p.stderr.strip()[:200]}", flush=True)


def busy_sandbox(project: str, timeout: float = 15.0) -> str:
    """A running sandbox container of ``project`` that is executing a run right now (a process of a
    slot uid >= 20000), so that stopping it hits in-flight work; the first running one otherwise."""
    ids = subprocess.run(["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}",
                          "--filter", "label=com.docker.compose.service=sandbox"],
                         capture_output=True, text=True, check=True).stdout.split()
    deadline = time.monotonic() + timeout
    while ids and time.monotonic() < deadline:
        for cid in ids:
            top = subprocess.run(["docker", "top", cid, "-eo", "uid"], capture_output=True, text=True).stdout
            if any(t.isdigit() and int(t) >= 20000 for t in top.split()):
                return cid
        time.sleep(0.05)
    return ids[0] if ids else ""


def classify(items: list[dict[str, Any]], results: list[Any]) -> dict[str, Any]:
    by_id: dict[str, Any] = {}
    dup = 0
    for r in results:
        if r.id in by_id:
            dup += 1
        by_id[r.id] = r
    missing = [it["id"] for it in items if it["id"] not in by_id]
    statuses = collections.Counter(r.status for r in by_id.values())
    rpc_failed = [r.id for r in by_id.values() if str(r.detail).startswith("rpc_failed")]
    # A verdict on a correct program must be reward 1: a killed sandbox must never look like a wrong answer.
    wrong_ok = [r.id for r in by_id.values() if r.status == "ok" and (r.reward or 0.0) < 0.999]
    details = sorted({str(r.detail)[:160] for r in by_id.values() if r.status != "ok"})[:3]
    return {"items": len(items), "answered": len(by_id), "non_ok_details": details, "duplicates": dup, "lost": len(missing) + len(rpc_failed),
            "missing": missing[:10], "rpc_failed": rpc_failed[:10], "statuses": dict(statuses),
            "ok_but_not_full_reward": wrong_ok[:10], "n_ok_but_not_full_reward": len(wrong_ok)}


def mode_fault(a: argparse.Namespace) -> dict[str, Any]:
    """Stop a sandbox container while a large batch of code items is being scored."""
    check(health(a.address) == "SERVING", "health before")
    items = code_batch(a.items, a.sleep)
    log: dict[str, Any] = {}
    results: list[Any] = []
    stopper: threading.Thread | None = None
    t0 = time.monotonic()
    with RewardClient(a.address, timeout_s=300, none_on_error=False, chunk_size=a.items, max_concurrency=1,
                      item_deadline_s=a.deadline) as rc:
        for r in rc.stream(items, no_cache=True):
            results.append(r)
            if stopper is None and len(results) >= a.stop_after:
                log["stopped_after_results"] = len(results)
                log["stopped_at_s"] = round(time.monotonic() - t0, 2)
                cmd = a.stop
                if a.stop_busy:
                    victim = busy_sandbox(a.project)
                    log["victim"] = victim[:12]
                    cmd = f"{a.stop_busy} {victim}"
                stopper = threading.Thread(target=run_stop, args=(cmd, log))
                stopper.start()
    if stopper:
        stopper.join()
    log["batch_s"] = round(time.monotonic() - t0, 2)
    c = classify(items, results)
    log.update(c)
    print(f"  {json.dumps(c)}")
    check(stopper is not None, f"the stop was triggered after {a.stop_after} results")
    check(log.get("stop_rc") == 0, "the stop command succeeded")
    check(c["lost"] == 0, f"lost items: {c['lost']}")
    check(c["answered"] == c["items"], f"every item answered: {c['answered']}/{c['items']}")
    allowed = {"ok", "sandbox_error", "timeout"}
    check(set(c["statuses"]) <= allowed, f"statuses {c['statuses']} within {sorted(allowed)}")
    check(c["n_ok_but_not_full_reward"] == 0, "no infrastructure failure disguised as a wrong answer")
    check(health(a.address) == "SERVING", "server healthy after the fault")
    # The surviving sandbox replica(s) keep serving.
    with RewardClient(a.address, timeout_s=120, none_on_error=False) as rc:
        after = rc.score(code_batch(8, 0.0), no_cache=True)
    log["after"] = dict(collections.Counter(r.status for r in after))
    check(all(r.status == "ok" and r.reward >= 0.999 for r in after), f"code items after the fault: {log['after']}")
    return log


def mode_failover(a: argparse.Namespace) -> dict[str, Any]:
    """Round-robin over several server replicas; one is stopped mid-run; every call still answered."""
    log: dict[str, Any] = {}
    total, bad = 0, collections.Counter()
    stopper: threading.Thread | None = None
    t0 = time.monotonic()
    # Small chunks: every call is several concurrent RPCs, so some are in flight when the replica stops.
    with RewardClient(a.address, timeout_s=30, none_on_error=False, retries=8, chunk_size=max(1, a.batch // 8),
                      max_concurrency=4) as rc:
        for call in range(a.calls):
            items = [{"task": "game24", "completion": GAME24_OK[0], "reference": GAME24_OK[1], "id": f"{call}.{i}"}
                     for i in range(a.batch)]
            res = rc.score(items, no_cache=True)
            total += len(items)
            for r in res:
                if not (r.status == "ok" and r.reward >= 0.999):
                    bad[f"{r.status}:{str(r.detail)[:60]}"] += 1
            if stopper is None and call == a.calls // 3:
                stopper = threading.Thread(target=run_stop, args=(a.stop, log))
                stopper.start()
            time.sleep(a.pause)
    if stopper:
        stopper.join()
    log.update(items=total, not_ok=dict(bad), seconds=round(time.monotonic() - t0, 2))
    check(stopper is not None and log.get("stop_rc") == 0, "one server replica stopped mid-run")
    check(sum(bad.values()) == 0, f"every item scored across the stop: {total - sum(bad.values())}/{total}")
    return log


def metrics_total(host: str, port: int) -> dict[str, float]:
    """Sum of the server's request counters per replica IP behind ``host`` (DNS A records)."""
    ips = sorted({ai[4][0] for ai in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)})
    out = {}
    for ip in ips:
        text = urllib.request.urlopen(f"http://{ip}:{port}/metrics", timeout=5).read().decode()
        total = 0.0
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            name = line.split("{")[0].split(" ")[0]
            if name in a_metric_names:
                total += float(line.rsplit(" ", 1)[1])
        out[ip] = total
    return out


a_metric_names: set[str] = set()


def mode_dns(a: argparse.Namespace) -> dict[str, Any]:
    """Inside the compose network: dns:///server:50051 + round-robin reaches every replica. Run with
    many --calls while a replica is killed from outside, it shows the client keeps going on DNS alone."""
    a_metric_names.update(a.metric.split(","))
    host = a.metrics_host
    ips = sorted({ai[4][0] for ai in socket.getaddrinfo(host, 50051, proto=socket.IPPROTO_TCP)})
    check(len(ips) >= 2, f"DNS {host} has {len(ips)} A records: {ips}")
    before = metrics_total(host, a.metrics_port)
    bad: collections.Counter[str] = collections.Counter()
    total = 0
    t0 = time.monotonic()
    with RewardClient(a.address, timeout_s=30, none_on_error=False, retries=8) as rc:
        for call in range(a.calls):
            items = [{"task": "game24", "completion": GAME24_OK[0], "reference": GAME24_OK[1], "id": f"{call}.{i}"}
                     for i in range(a.batch)]
            for r in rc.score(items, no_cache=True):
                total += 1
                if not (r.status == "ok" and r.reward >= 0.999):
                    bad[f"{r.status}:{str(r.detail)[:60]}"] += 1
            time.sleep(a.pause)
    after = metrics_total(host, a.metrics_port)  # the replicas alive now
    delta = {ip: after[ip] - before.get(ip, 0.0) for ip in after}
    print(f"  per-replica counter delta ({a.metric}): {delta}")
    check(sum(bad.values()) == 0, f"every item scored: {total - sum(bad.values())}/{total} {dict(bad)}")
    check(len(delta) >= 1 and all(d > 0 for d in delta.values()), "every live replica served some of the calls")
    return {"replicas_before": ips, "replicas_after": sorted(after), "delta": delta, "items": total,
            "not_ok": dict(bad), "seconds": round(time.monotonic() - t0, 2)}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["smoke", "fault", "failover", "dns", "health"])
    p.add_argument("--address", default="127.0.0.1:50051")
    p.add_argument("--stop", default="", help="command that stops one container (fault, failover)")
    p.add_argument("--stop-busy", default="", help="fault: command + the id of a sandbox that is running code now")
    p.add_argument("--project", default="rewardgym-ci", help="compose project of --stop-busy")
    p.add_argument("--items", type=int, default=600)
    p.add_argument("--sleep", type=float, default=0.1)
    p.add_argument("--stop-after", type=int, default=100)
    p.add_argument("--deadline", type=float, default=60.0)
    p.add_argument("--calls", type=int, default=60)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--pause", type=float, default=0.05)
    p.add_argument("--languages", default="", help="code languages to smoke (default: all five)")
    p.add_argument("--metrics-host", default="server")
    p.add_argument("--metrics-port", type=int, default=9090)
    p.add_argument("--metric", default="rewardgym_items_total")
    p.add_argument("--service", default="")
    a = p.parse_args()
    print(f"== {a.mode} against {a.address}", flush=True)
    if a.mode == "health":
        st = health(a.address, a.service)
        print(st)
        return 0 if st == "SERVING" else 1
    fn = {"smoke": mode_smoke, "fault": mode_fault, "failover": mode_failover, "dns": mode_dns}[a.mode]
    try:
        out = fn(a)
    except Exception as e:  # noqa: BLE001 - report, then fail
        check(False, f"{type(e).__name__}: {e}")
        out = {}
    out["failures"] = FAILURES
    print("RESULT " + json.dumps({"mode": a.mode, **out}, default=str), flush=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
