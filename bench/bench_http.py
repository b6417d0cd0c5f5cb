"""HTTP vs gRPC on the same server: a 512-item game24 batch through ``Score`` (gRPC, the Python client),
``/get_reward`` (OpenRLHF's request, sent with ``requests``) and ``/v1/score`` (JSON lines, ``httpx``),
against the same items scored in-process (the Engine in this process, same worker count).

Overhead = the call's time minus the in-process time of the same batch size, i.e. what the transport
and its encoding add. Runs are interleaved and repeated; medians are reported.

    python -m bench.bench_http [--workers 2] [--repeats 9]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx
import requests

from bench._results import write_section
from bench.bench_service import inproc, make_items
from rewardgym.config import Config
from rewardgym.engine import Engine
from tests.serverproc import ServerProc, free_port
from trainer_client import Item, RewardClient

N = 512


def grpc_call(rc: RewardClient, items: list[tuple[str, dict]]) -> float:
    batch = [Item("game24", c, r) for c, r in items]
    t0 = time.perf_counter()
    res = rc.score(batch, no_cache=True)
    dt = time.perf_counter() - t0
    assert all(r.status == "ok" for r in res)
    return dt


def get_reward_call(session: requests.Session, url: str, items: list[tuple[str, dict]]) -> float:
    prompt = "<|im_start|>user\nMake 24.<|im_end|>\n<|im_start|>assistant\n"
    data = {"query": [prompt + c + "<|im_end|>" for c, _ in items], "prompts": [prompt] * len(items),
            "labels": [json.dumps(r) for _, r in items]}
    t0 = time.perf_counter()
    resp = session.post(url, json=data, headers={"Content-Type": "application/json"}, timeout=120)
    resp.raise_for_status()
    body = resp.json()
    dt = time.perf_counter() - t0
    assert len(body["rewards"]) == len(items) and set(body["statuses"]) == {"ok"}
    return dt


def v1_score_call(client: httpx.Client, url: str, items: list[tuple[str, dict]]) -> float:
    t0 = time.perf_counter()
    body = "\n".join(json.dumps({"task": "game24", "completion": c, "reference": r}) for c, r in items)
    resp = client.post(url, content=body.encode(), timeout=120)
    rows = [json.loads(x) for x in resp.text.splitlines()]
    dt = time.perf_counter() - t0
    assert len(rows) == len(items) and all(x["status"] == "ok" for x in rows)
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()

    engine = Engine(Config(workers=args.workers))
    engine.start()
    loop = asyncio.new_event_loop()
    loop.run_until_complete(engine.attach())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    times: dict[str, list[float]] = {}
    with ServerProc(workers=args.workers, extra=["--http-address", f"127.0.0.1:{port}", "--http-task", "game24"]) as srv, \
            RewardClient(srv.address) as rc, requests.Session() as session, httpx.Client() as client:
        calls = {
            "in-process": lambda items: loop.run_until_complete(inproc(engine, items)),
            "gRPC Score": lambda items: grpc_call(rc, items),
            "HTTP /get_reward": lambda items: get_reward_call(session, f"{base}/get_reward?no_cache=1", items),
            "HTTP /v1/score": lambda items: v1_score_call(client, f"{base}/v1/score?no_cache=1", items),
        }
        salt = 50_000
        for warm in range(2):  # imports, worker caches, connections
            for fn in calls.values():
                salt += 1
                fn(make_items(N, salt + warm))
        for _ in range(args.repeats):
            for name, fn in calls.items():
                salt += 1
                times.setdefault(name, []).append(fn(make_items(N, salt)))
    loop.run_until_complete(engine.close())

    med = {k: statistics.median(v) for k, v in times.items()}
    base_t = med["in-process"]
    over = {k: v - base_t for k, v in med.items()}
    lines = [f"game24, {N}-item batch, {args.workers} workers, distinct items (cache off), median of {args.repeats} "
             "interleaved runs. Overhead = call time − in-process time.", "",
             "| path | batch time (ms) | items/s | overhead (ms) | time / gRPC time | overhead / gRPC overhead |",
             "|---|---|---|---|---|---|"]
    for k, v in med.items():
        ratio = over[k] / over["gRPC Score"] if k != "in-process" and over["gRPC Score"] > 0 else float("nan")
        lines.append(f"| {k} | {1e3 * v:.1f} | {N / v:,.0f} | {1e3 * over[k]:.1f} | {v / med['gRPC Score']:.2f}× "
                     f"| {'—' if k == 'in-process' else f'{ratio:.2f}×'} |")
    worst = max(over["HTTP /get_reward"], over["HTTP /v1/score"])
    lines += ["", f"Bar: HTTP overhead on a {N}-item batch ≤ 1.5× gRPC's → **{worst / over['gRPC Score']:.2f}×** "
              f"(the slower HTTP path; end to end {max(med['HTTP /get_reward'], med['HTTP /v1/score']) / med['gRPC Score']:.2f}× "
              "gRPC's time).", "", "Reproduce: `python -m bench.bench_http --workers 2`"]
    text = "\n".join(lines)
    print(text)
    write_section("http", "## HTTP vs gRPC (game24, 512-item batch)\n\n" + text)


if __name__ == "__main__":
    main()
