"""game24 items/s through gRPC Score, ScoreStream and ScoreStreamBatched vs the same items scored in-process.

Both paths use the same Engine and the same number of worker processes; the in-process baseline
calls the Engine directly in this process, the gRPC path goes through a server process on a
loopback port. Runs are interleaved and repeated; medians are reported.

    python -m bench.bench_service [--workers 2] [--repeats 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time

from bench._results import write_section
from rewardgym.config import Config
from rewardgym.engine import Engine, Item, Options
from rewardgym.v1 import reward_pb2 as pb
from tests.rpc import stub
from tests.serverproc import ServerProc

SIZES = (64, 512, 4096)


def make_items(n: int, salt: int) -> list[tuple[str, dict]]:
    """Distinct completions (so the cache never answers), half right, realistic length."""
    rng = random.Random(salt)
    out = []
    for i in range(n):
        a, b = rng.randint(1, 13), rng.randint(1, 13)
        nums = [a, b, 8, 3]
        expr = f"({a}+{b})*8/3" if i % 2 else "8*3*" + f"{a}/{a}" if a == b else f"({a}*{b}-{a}*{b}+8)*3"
        think = f"<think>run {salt} item {i}: try products first, then {a} and {b}.</think>\n"
        out.append((think + f"<answer>{expr}</answer>", {"numbers": nums}))
    return out


async def inproc(engine: Engine, items: list[tuple[str, dict]]) -> float:
    batch = [Item("game24", c, json.dumps(r)) for c, r in items]
    t0 = time.perf_counter()
    res = await engine.score(batch, Options(no_cache=True))
    dt = time.perf_counter() - t0
    assert len(res) == len(items) and all(r.status == 1 for r in res)
    return dt


def grpc_request(items: list[tuple[str, dict]]) -> pb.ScoreRequest:
    return pb.ScoreRequest(
        items=[pb.ScoreItem(task="game24", completion=c, reference=pb.Reference(json=json.dumps(r))) for c, r in items],
        options=pb.ScoreOptions(no_cache=True))


def measure_timeouts(s, trials: int = 10, deadline: float = 0.5) -> str:
    """A never-returning item in a batch of 200 game24 items: when does its TIMEOUT arrive?

    Uses the test suite's ``sleepy`` task (tests/plugins, installed by scripts/test.sh).
    """
    lags, others_ok = [], True
    for k in range(trials):
        items = [pb.ScoreItem(task="sleepy", completion="spin", reference=pb.Reference(json="{}"))]
        items += grpc_request(make_items(200, 90_000 + k)).items
        req = pb.ScoreRequest(items=items, options=pb.ScoreOptions(item_deadline_s=deadline, no_cache=True))
        t0 = time.perf_counter()
        for r in s.ScoreStream(req, timeout=30):
            if r.index == 0:
                if r.status != pb.TIMEOUT:
                    return f"TIMEOUT check: sleepy task not installed ({pb.Status.Name(r.status)})"
                lags.append(time.perf_counter() - t0 - deadline)
            else:
                others_ok &= r.status == pb.OK
    return (f"A never-returning item (deadline {deadline}s) among 200 game24 items, {trials} trials: TIMEOUT "
            f"arrived deadline + {1000 * statistics.median(lags):.0f} ms (median), + {1000 * max(lags):.0f} ms (max); "
            f"bar ≤ + 100 ms. Other items all OK: {others_ok}.")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    engine = Engine(Config(workers=args.workers))
    engine.start()
    loop = asyncio.new_event_loop()
    loop.run_until_complete(engine.attach())
    times: dict[tuple[str, int], list[float]] = {}
    with ServerProc(workers=args.workers) as srv:
        s = stub(srv.address)
        for warm in range(2):  # warm both paths (imports, worker caches, channel)
            loop.run_until_complete(inproc(engine, make_items(512, 10 + warm)))
            s.Score(grpc_request(make_items(512, 20 + warm)), timeout=60)
        salt = 1000
        for _ in range(args.repeats):
            for n in SIZES:
                salt += 1
                times.setdefault(("inproc", n), []).append(loop.run_until_complete(inproc(engine, make_items(n, salt))))
                salt += 1
                req = grpc_request(make_items(n, salt))
                t0 = time.perf_counter()
                resp = s.Score(req, timeout=120)
                times.setdefault(("Score", n), []).append(time.perf_counter() - t0)
                assert len(resp.results) == n and all(r.status == pb.OK for r in resp.results)
                salt += 1
                req = grpc_request(make_items(n, salt))
                t0 = time.perf_counter()
                got = sum(1 for _ in s.ScoreStream(req, timeout=120))
                times.setdefault(("ScoreStream", n), []).append(time.perf_counter() - t0)
                assert got == n
                salt += 1
                req = grpc_request(make_items(n, salt))
                t0 = time.perf_counter()
                got = sum(len(m.results) for m in s.ScoreStreamBatched(req, timeout=120))
                times.setdefault(("ScoreStreamBatched", n), []).append(time.perf_counter() - t0)
                assert got == n
        timeout_lag = measure_timeouts(s)
    loop.run_until_complete(engine.close())

    med = {k: statistics.median(v) for k, v in times.items()}
    lines = [f"game24, {args.workers} workers, distinct items (cache off), median of {args.repeats} interleaved runs.",
             "", "| batch | in-process items/s | Score items/s | ScoreStream items/s | ScoreStreamBatched items/s "
             "| Score / in-process time | ScoreStream / in-process time | ScoreStreamBatched / in-process time |",
             "|---|---|---|---|---|---|---|---|"]
    for n in SIZES:
        ip, sc, st = med[("inproc", n)], med[("Score", n)], med[("ScoreStream", n)]
        sb = med[("ScoreStreamBatched", n)]
        lines.append(f"| {n} | {n / ip:,.0f} | {n / sc:,.0f} | {n / st:,.0f} | {n / sb:,.0f} | {sc / ip:.2f}× "
                     f"| {st / ip:.2f}× | {sb / ip:.2f}× |")
    n = SIZES[-1]
    lines += ["", f"Bar: gRPC batch of {n} ≤ 1.3× in-process → **{med[('Score', n)] / med[('inproc', n)]:.2f}×**; "
              f"≥ 10,000 verdicts/s end to end → **{n / med[('Score', n)]:,.0f}/s** (Score), "
              f"**{n / med[('ScoreStream', n)]:,.0f}/s** (ScoreStream, a message per result), "
              f"**{n / med[('ScoreStreamBatched', n)]:,.0f}/s** (ScoreStreamBatched, what the clients' stream() uses).",
              "", timeout_lag,
              "", "Reproduce: `python -m bench.bench_service --workers 2`"]
    text = "\n".join(lines)
    print(text)
    write_section("service", "## Service: gRPC vs in-process (game24)\n\n" + text)


if __name__ == "__main__":
    main()
