"""Request ids: a retry within the window returns the first answer and runs no sandbox again.

The sandbox is a real local pool with one zygote, started here and handed to the server, so its
``jobs`` counter (health of the zygote) counts every code run the server asks for. The client
reaches the server through a TCP proxy that the test cuts mid-call: a real dropped connection.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from sandbox.local import LocalConfig, LocalExecutor, start_local
from tests.serverproc import ServerProc, free_port
from trainer_client import Item, RewardClient

SLEEP_S = 0.4


class Proxy:
    """Forwards 127.0.0.1:port to a target; ``cut()`` drops every open connection (keeps listening)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self.live: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.accepted += 1
                self.live += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self.lock:
            live, self.live = self.live, []
        for s in live:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self.listener.close()
        self.cut()


@pytest.fixture(scope="module")
def setup() -> Iterator[tuple[ServerProc, LocalExecutor, str]]:
    handle = start_local(LocalConfig(workers=1), export_env=False)
    http_port = free_port()
    srv = ServerProc(workers=2, env={"REWARDGYM_SANDBOX": "local", "REWARDGYM_SANDBOX_ADDR": handle.addr},
                     extra=["--http-address", f"127.0.0.1:{http_port}"]).start()
    yield srv, LocalExecutor(handle.addr), f"http://127.0.0.1:{http_port}"
    srv.stop()
    handle.close()


def runs(ex: LocalExecutor) -> int:
    return int(ex.health()["jobs"])  # one zygote: its job counter is the pool's


def code_items(salt: str, n: int = 4) -> list[Item]:
    """n distinct programs that each sleep, then print their answer (all right)."""
    out = []
    for k in range(n):
        prog = f"import time\ntime.sleep({SLEEP_S})\nprint({k} + 1)  # {salt}\n"
        ref = {"language": "python", "tests": [{"input": "", "output": f"{k + 1}\n"}]}
        out.append(Item("code", f"```python\n{prog}```", ref, id=f"{salt}{k}"))
    return out


def call_with_cut(proxy: Proxy, fn, cut_after: float = SLEEP_S * 1.5):  # noqa: ANN001, ANN201
    box: dict = {}
    t = threading.Thread(target=lambda: box.setdefault("out", fn()))
    t.start()
    time.sleep(cut_after)
    proxy.cut()  # the first attempt's connection drops while its sandboxes run
    t.join(60)
    assert not t.is_alive()
    return box["out"]


def test_score_retried_after_dropped_connection_runs_no_sandbox_twice(setup):
    srv, ex, _ = setup
    proxy = Proxy(("127.0.0.1", srv.port))
    items = code_items("a")
    try:
        with RewardClient(f"127.0.0.1:{proxy.port}", retries=8, backoff_s=0.2, max_backoff_s=0.5) as rc:
            before = runs(ex)
            results = call_with_cut(proxy, lambda: rc.score(items, request_id="job-a", no_cache=True))
            assert proxy.accepted >= 2  # the client did reconnect and retry
            assert [(r.reward, r.status) for r in results] == [(1.0, "ok")] * 4, results
            assert runs(ex) - before == 4  # each program ran once: the retry attached to the first job
            # The same id again, after the fact: the first answer, no run.
            again = rc.score(items, request_id="job-a", no_cache=True)
            assert runs(ex) - before == 4
            assert [(r.reward, r.detail) for r in again] == [(r.reward, r.detail) for r in results]
            # Honest twin: another id (same items, cache off) does score again.
            rc.score(items, request_id="job-b", no_cache=True)
            assert runs(ex) - before == 8
            # The same id with other content is refused, never answered with the first job's rewards.
            other = rc.score(code_items("x", 1), request_id="job-a", no_cache=True)
            assert other[0].status == "rejected" and "request_id" in other[0].detail and other[0].reward is None
            assert runs(ex) - before == 8
    finally:
        proxy.close()


def test_stream_retried_after_dropped_connection(setup):
    srv, ex, _ = setup
    proxy = Proxy(("127.0.0.1", srv.port))
    items = code_items("s")
    try:
        with RewardClient(f"127.0.0.1:{proxy.port}", retries=8, backoff_s=0.2, max_backoff_s=0.5) as rc:
            before = runs(ex)
            results = call_with_cut(proxy, lambda: list(rc.stream(items, request_id="job-s", no_cache=True)))
            assert proxy.accepted >= 2
            assert sorted(r.index for r in results) == [0, 1, 2, 3]
            assert all(r.reward == 1.0 for r in results)
            assert runs(ex) - before == 4
    finally:
        proxy.close()


def test_idempotent_client_option(setup):
    srv, ex, _ = setup
    proxy = Proxy(("127.0.0.1", srv.port))
    try:
        with RewardClient(f"127.0.0.1:{proxy.port}", idempotent=True, backoff_s=0.2, max_backoff_s=0.5) as rc:
            before = runs(ex)
            results = call_with_cut(proxy, lambda: rc.score(code_items("i"), no_cache=True))
            assert [r.reward for r in results] == [1.0] * 4 and runs(ex) - before == 4
    finally:
        proxy.close()


def test_http_idempotency_key(setup):
    _, ex, base = setup
    body = "\n".join(json.dumps({"task": it.task, "completion": it.completion, "reference": it.reference})
                     for it in code_items("h", 2)).encode()
    before = runs(ex)
    first = httpx.post(f"{base}/v1/score?no_cache=1", content=body, headers={"Idempotency-Key": "h-1"}, timeout=60)
    assert runs(ex) - before == 2
    second = httpx.post(f"{base}/v1/score?no_cache=1", content=body, headers={"Idempotency-Key": "h-1"}, timeout=60)
    assert second.text == first.text and runs(ex) - before == 2
    conflict = httpx.post(f"{base}/v1/score?no_cache=1", content=body + b"\n", headers={"Idempotency-Key": "h-1"})
    assert conflict.status_code == 409 and conflict.json()["error"].startswith("request_id")
    httpx.post(f"{base}/v1/score?no_cache=1", content=body, timeout=60)  # honest twin: no key, runs again
    assert runs(ex) - before == 4


def test_store_window_limits_and_conflicts():
    """The store itself: one run per id, a conflict for other content, expiry after the window, a cap."""
    import asyncio

    from rewardgym.engine import Result
    from rewardgym.idempotency import IdConflict, Idempotency

    async def main() -> None:
        idem = Idempotency(window_s=0.05, max_entries=3)
        calls: list[int] = []

        async def run(cb):  # noqa: ANN001, ANN202
            calls.append(1)
            await asyncio.sleep(0.01)
            rs = [Result(i, "", 1.0, 1) for i in range(2)]
            for r in rs:
                cb(r)
            return rs

        first = idem.job("a", b"digest", run)
        assert idem.job("a", b"digest", run) is first
        assert [r.index for r in await first.result()] == [0, 1] and len(calls) == 1
        with pytest.raises(IdConflict):
            idem.job("a", b"other", run)
        for k in "bcde":
            await idem.job(k, b"digest", run).result()
        assert len(idem.jobs) <= 3
        await asyncio.sleep(0.06)
        idem.job("f", b"digest", run)
        assert list(idem.jobs) == ["f"]  # the others' window has passed
        await idem.jobs["f"].result()

    asyncio.run(main())
