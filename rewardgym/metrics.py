"""Prometheus text metrics over a tiny HTTP endpoint (no extra dependency)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from envs.base import Status

if TYPE_CHECKING:
    from rewardgym.engine import Engine

BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0)


class Metrics:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rpc: dict[str, list[float]] = {}  # method -> bucket counts + [sum, count, items]

    def observe_rpc(self, method: str, seconds: float, items: int) -> None:
        row = self.rpc.setdefault(method, [0.0] * (len(BUCKETS) + 3))
        for i, b in enumerate(BUCKETS):
            if seconds <= b:
                row[i] += 1
        row[-3] += seconds
        row[-2] += 1
        row[-1] += items

    def render(self) -> str:
        e = self.engine
        out = [
            "# TYPE rewardgym_items_total counter",
            *(f'rewardgym_items_total{{task="{t}",status="{Status(s).name.lower()}"}} {n}'
              for (t, s), n in sorted(e.counts.items())),
            "# TYPE rewardgym_queue_depth gauge", f"rewardgym_queue_depth {len(e.pool.queue)}",
            "# TYPE rewardgym_workers gauge", f"rewardgym_workers {len(e.pool.pids())}",
            "# TYPE rewardgym_worker_events_total counter",
            *(f'rewardgym_worker_events_total{{event="{k}"}} {v}' for k, v in sorted(e.pool.stats.items())),
            "# TYPE rewardgym_cache_hits_total counter", f"rewardgym_cache_hits_total {e.cache.hits}",
            "# TYPE rewardgym_cache_misses_total counter", f"rewardgym_cache_misses_total {e.cache.misses}",
            "# TYPE rewardgym_cache_entries gauge", f"rewardgym_cache_entries {len(e.cache)}",
            "# TYPE rewardgym_uptime_seconds gauge", f"rewardgym_uptime_seconds {time.monotonic() - e.started:.1f}",
            "# TYPE rewardgym_rpc_seconds histogram",
        ]
        for method, row in sorted(self.rpc.items()):
            for i, b in enumerate(BUCKETS):
                out.append(f'rewardgym_rpc_seconds_bucket{{method="{method}",le="{b}"}} {int(row[i])}')
            out.append(f'rewardgym_rpc_seconds_bucket{{method="{method}",le="+Inf"}} {int(row[-2])}')
            out.append(f'rewardgym_rpc_seconds_sum{{method="{method}"}} {row[-3]:.6f}')
            out.append(f'rewardgym_rpc_seconds_count{{method="{method}"}} {int(row[-2])}')
            out.append(f'rewardgym_rpc_items_total{{method="{method}"}} {int(row[-1])}')
        return "\n".join(out) + "\n"

    async def serve(self, address: str) -> asyncio.AbstractServer:
        host, _, port = address.rpartition(":")

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                line = await asyncio.wait_for(reader.readline(), 5)
                path = line.split()[1] if len(line.split()) > 1 else b"/"
                ok = path.startswith(b"/metrics")
                body = (self.render() if ok else "see /metrics\n").encode()
                head = "200 OK" if ok else "404 Not Found"
                writer.write(f"HTTP/1.0 {head}\r\nContent-Type: text/plain; version=0.0.4\r\n"
                             f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                await writer.drain()
            except (TimeoutError, ConnectionError):
                pass
            finally:
                writer.close()

        return await asyncio.start_server(handle, host.strip("[]") or "0.0.0.0", int(port))
