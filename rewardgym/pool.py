"""Parent side of the scoring workers: dispatch, the deadline watchdog, kill and respawn.

All of this runs on the server's event loop but computes no reward: it moves JSON between the
loop and pre-started worker processes. Workers are forked by our fork server, which is started
(with the task modules preloaded) before any gRPC thread exists, so respawning a killed worker
later never forks a process that has gRPC threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from envs.base import Status
from rewardgym.forkserver import NO_CUTOFF, WORDS_PER_SLOT, ForkServer

log = logging.getLogger("rewardgym.pool")
WATCHDOG_S = 0.005
CHUNK_TARGET_S = 0.004  # a chunk should take about this long: big enough to amortise IPC, small enough to balance
UNKNOWN_COST_S = 0.001  # cost guess for a task not seen yet
STEAL_AFTER_S = 0.01  # an item running this long while a worker idles: give its chunk's rest away
# (reward, status, components, extracted, detail, elapsed_s)
Outcome = tuple[float, int, dict[str, float], str, str, float]
Sink = Callable[["WorkItem", Outcome], None]


class WorkItem:
    """One distinct piece of scoring work (duplicates of a batch share one)."""

    __slots__ = ("task", "ref_json", "completion", "weights", "budget_s", "sink", "attempts", "cancelled", "done",
                 "tag")

    def __init__(self, task: str, ref_json: str, completion: str, weights: dict[str, float] | None,
                 budget_s: float, sink: Sink, tag: Any = None) -> None:
        self.task = task
        self.ref_json = ref_json
        self.completion = completion
        self.weights = weights
        self.budget_s = budget_s
        self.sink = sink
        self.attempts = 0
        self.cancelled = False
        self.done = False
        self.tag = tag  # the owner's bookkeeping (the engine keeps the batch indices here)

    def finish(self, outcome: Outcome) -> None:
        if not self.done:
            self.done = True
            self.sink(self, outcome)


class _Call:
    """A non-scoring job (sample) with its own deadline."""

    __slots__ = ("job", "budget_s", "future")

    def __init__(self, job: dict[str, Any], budget_s: float, future: asyncio.Future[dict[str, Any]]) -> None:
        self.job = job
        self.budget_s = budget_s
        self.future = future


class _Slot:
    __slots__ = ("index", "pid", "conn", "inflight", "call", "busy", "ready", "killed_for", "stolen")

    def __init__(self, index: int) -> None:
        self.index = index
        self.pid = 0
        self.conn: Connection | None = None
        self.inflight: dict[int, WorkItem] = {}
        self.call: tuple[int, _Call] | None = None
        self.busy = False
        self.ready = False
        self.killed_for: int | None = None  # seq whose deadline passed, when we killed it
        self.stolen: set[int] = set()  # seqs given to another worker; this one skips them


class Pool:
    def __init__(self, workers: int, max_queue: int = 200_000, chunk_max: int = 128,
                 preload: list[str] | None = None) -> None:
        self.n = max(1, workers)
        self.max_queue = max_queue
        self.chunk_max = chunk_max
        self.preload = preload or []
        self.queue: deque[WorkItem] = deque()
        self.calls: deque[_Call] = deque()
        self.slots = [_Slot(i) for i in range(self.n)]
        self.seq = itertools.count(1)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.cost: dict[str, float] = {}  # task -> moving average of seconds per item
        self.stats = {"stolen": 0, "scored": 0, "timeouts": 0, "crashes": 0, "respawns": 0, "rejected": 0}
        self._watchdog: asyncio.Task[None] | None = None
        self._closing = False
        self._fs_restart: asyncio.Future[bool] | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the fork server and the workers. Call before creating any gRPC server."""
        self.forkserver = ForkServer(self.n, ["envs.registry", *self.preload])
        self.status = self.forkserver.status
        for slot in self.slots:
            self._spawn(slot)

    def _spawn(self, slot: _Slot, attach: bool = True) -> None:
        self.status[WORDS_PER_SLOT * slot.index] = -1
        pid, sock = self.forkserver.spawn(slot.index)
        parent = Connection(sock.detach())
        slot.pid, slot.conn = pid, parent
        slot.inflight, slot.call, slot.busy, slot.killed_for, slot.stolen = {}, None, False, None, set()
        if attach:
            slot.ready = True
            if self.loop is not None:
                self.loop.add_reader(parent.fileno(), self._on_readable, slot)

    async def attach(self) -> None:
        """Bind to the running event loop: readers and the watchdog."""
        self.loop = asyncio.get_running_loop()
        for slot in self.slots:
            if slot.conn is not None:
                self.loop.add_reader(slot.conn.fileno(), self._on_readable, slot)
        self._watchdog = asyncio.create_task(self._watch())
        self._dispatch()

    async def close(self) -> None:
        self._closing = True
        if self._watchdog:
            self._watchdog.cancel()
        for slot in self.slots:
            self._detach(slot)
            _kill(slot.pid)
        await asyncio.to_thread(self.forkserver.close)

    def serving(self) -> bool:
        """A worker can take items now, or the fork server is alive to replace them."""
        return any(s.ready for s in self.slots) or self.forkserver.alive()

    def check_forkserver(self) -> None:
        """Restart a fork server that died (reaping it: no zombie), off the loop."""
        if self._closing or self._fs_restart is not None or self.forkserver.alive():
            return
        self._fs_restart = asyncio.ensure_future(asyncio.to_thread(self.forkserver.restart))
        self._fs_restart.add_done_callback(lambda _: setattr(self, "_fs_restart", None))

    def pids(self) -> list[int]:
        return [s.pid for s in self.slots if s.ready]

    # ---- submission ------------------------------------------------------------------------
    def outstanding(self) -> int:
        """Items accepted and not yet answered: queued plus in a worker's hands."""
        return len(self.queue) + sum(len(s.inflight) - len(s.stolen) for s in self.slots)

    def capacity(self) -> int:
        return max(0, self.max_queue - self.outstanding())

    def submit(self, items: list[WorkItem]) -> None:
        self.queue.extend(items)
        self._dispatch()

    async def call(self, job: dict[str, Any], budget_s: float) -> dict[str, Any]:
        assert self.loop is not None
        fut: asyncio.Future[dict[str, Any]] = self.loop.create_future()
        self.calls.append(_Call(job, budget_s, fut))
        self._dispatch()
        return await fut

    def _dispatch(self) -> None:
        if self.loop is None:
            return
        for slot in self.slots:
            if slot.busy or not slot.ready:
                continue
            if self.calls:
                self._send_call(slot, self.calls.popleft())
                continue
            if not self.queue:
                return
            self._send_chunk(slot)

    def _send_call(self, slot: _Slot, call: _Call) -> None:
        seq = next(self.seq)
        slot.call = (seq, call)
        slot.busy = True
        self._send(slot, {**call.job, "seq": seq})

    def _send_chunk(self, slot: _Slot) -> None:
        # Size by estimated cost, not count: ~4 ms of work per chunk, and never more than a fair share.
        share = max(1, -(-len(self.queue) // self.n))
        refs: dict[tuple[str, str], int] = {}
        weights: dict[str, int] = {}
        items = []
        est = 0.0
        cost = self.cost
        while self.queue and len(items) < self.chunk_max and len(items) < share and est < CHUNK_TARGET_S:
            it = self.queue.popleft()
            if it.cancelled or it.done:
                continue
            est += cost.get(it.task, UNKNOWN_COST_S)
            rid = refs.setdefault((it.task, it.ref_json), len(refs))
            wid = -1
            if it.weights:
                wkey = json.dumps(it.weights, sort_keys=True)
                wid = weights.setdefault(wkey, len(weights))
            seq = next(self.seq)
            slot.inflight[seq] = it
            items.append([seq, rid, it.completion, wid])
        self.status[WORDS_PER_SLOT * slot.index + 2] = NO_CUTOFF
        if not items:
            return
        slot.busy = True
        self._send(slot, {
            "op": "score",
            "refs": {str(i): list(k) for k, i in refs.items()},
            "weights": {str(i): json.loads(k) for k, i in weights.items()},
            "items": items,
        })

    def _send(self, slot: _Slot, job: dict[str, Any]) -> None:
        assert slot.conn is not None
        try:
            slot.conn.send_bytes(json.dumps(job).encode())
        except OSError:
            self._on_death(slot)

    # ---- results ---------------------------------------------------------------------------
    def _on_readable(self, slot: _Slot) -> None:
        conn = slot.conn
        if conn is None:
            return
        try:
            msg = json.loads(conn.recv_bytes())
        except (EOFError, OSError, ValueError):
            self._on_death(slot)
            return
        if "r" in msg:
            inflight, cost = slot.inflight, self.cost
            for seq, *outcome in msg["r"]:
                it = inflight.pop(seq, None)
                if it is not None:
                    self.stats["scored"] += 1
                    prev = cost.get(it.task)
                    cost[it.task] = outcome[5] if prev is None else 0.9 * prev + 0.1 * outcome[5]
                    it.finish(tuple(outcome))  # type: ignore[arg-type]
        elif slot.call is not None:
            _, call = slot.call
            slot.call = None
            if not call.future.done():
                call.future.set_result(msg)
        if msg.get("end"):
            slot.busy = False
            slot.inflight.clear()
            slot.stolen.clear()
            self._dispatch()

    # ---- deadlines and failures ------------------------------------------------------------
    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCHDOG_S)
            try:
                self._check_deadlines()
                self._steal()
            except Exception:  # the watchdog must never die
                log.exception("watchdog")

    def _running(self, slot: _Slot) -> tuple[int, float] | None:
        """(seq, budget in s) of the item the worker is on, if any."""
        seq = self.status[WORDS_PER_SLOT * slot.index]
        if seq < 0:
            return None
        if slot.call is not None and slot.call[0] == seq:
            return seq, slot.call[1].budget_s
        it = slot.inflight.get(seq)
        return None if it is None else (seq, it.budget_s)

    def _check_deadlines(self) -> None:
        now = time.monotonic_ns()
        for slot in self.slots:
            if not slot.busy or slot.killed_for is not None:
                continue
            running = self._running(slot)
            if running is None:
                continue
            seq, budget = running
            if now - self.status[WORDS_PER_SLOT * slot.index + 1] > budget * 1e9:
                slot.killed_for = seq
                log.warning("worker %d: item overran its %.3fs deadline; SIGKILL", slot.index, budget)
                _kill(slot.pid)
                self._on_death(slot)

    def _steal(self) -> None:
        """Give the unstarted rest of a chunk stuck behind a slow item to an idle worker."""
        if self.queue or not any(s.ready and not s.busy for s in self.slots):
            return
        now = time.monotonic_ns()
        for slot in self.slots:
            if not slot.busy or slot.call is not None or slot.killed_for is not None:
                continue
            base = WORDS_PER_SLOT * slot.index
            cur = self.status[base]
            if cur < 0 or now - self.status[base + 1] < STEAL_AFTER_S * 1e9:
                continue
            self.status[base + 2] = cur  # the worker skips every later seq of this chunk...
            cur = max(cur, self.status[base])  # ...unless it already moved on: keep what it started
            self.status[base + 2] = cur
            rest = [(q, it) for q, it in slot.inflight.items() if q > cur and q not in slot.stolen and not it.done]
            for q, _ in rest:
                slot.stolen.add(q)
            self.queue.extend(it for _, it in rest)
            self.stats["stolen"] += len(rest)
        self._dispatch()

    def _detach(self, slot: _Slot) -> None:
        if slot.conn is not None:
            if self.loop is not None:
                self.loop.remove_reader(slot.conn.fileno())
            slot.conn.close()
            slot.conn = None
        slot.ready = False

    def _on_death(self, slot: _Slot) -> None:
        if slot.conn is None:
            return
        culprit = slot.killed_for if slot.killed_for is not None else self.status[WORDS_PER_SLOT * slot.index]
        timed_out = slot.killed_for is not None
        self._detach(slot)
        if not timed_out:
            self.stats["crashes"] += 1
        if slot.call is not None:
            seq, call = slot.call
            if not call.future.done():
                err = "deadline exceeded" if timed_out else "worker died"
                call.future.set_result({"error": err, "timeout": timed_out})
        requeue = []
        for seq, it in slot.inflight.items():
            if it.done or seq in slot.stolen:
                continue  # answered, or already requeued by a steal
            if seq != culprit:
                requeue.append(it)
            elif timed_out:
                self.stats["timeouts"] += 1
                it.finish((0.0, int(Status.TIMEOUT), {}, "", f"deadline of {it.budget_s:g}s exceeded; worker killed", it.budget_s))
            else:
                it.attempts += 1
                if it.attempts >= 2:
                    it.finish((0.0, int(Status.INTERNAL_ERROR), {}, "", "worker died twice while scoring this item", 0.0))
                else:
                    requeue.append(it)  # the worker may have been killed from outside: try once more
        slot.inflight, slot.call, slot.busy, slot.stolen = {}, None, False, set()
        self.queue.extendleft(reversed(requeue))
        _kill(slot.pid)  # a worker that closed its socket but lingers must not keep a core
        if not self._closing:
            asyncio.ensure_future(self._respawn(slot))

    async def _respawn(self, slot: _Slot) -> None:
        # Talking to the fork server takes a few ms: off the loop. If it fails, keep trying: a slot
        # must never be lost silently.
        delay = 0.05
        while not self._closing:
            try:
                await asyncio.to_thread(self._spawn, slot, False)
                break
            except Exception:
                log.exception("worker %d: respawn failed; retrying in %.2fs", slot.index, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        if self._closing:
            _kill(slot.pid)
            return
        assert self.loop is not None and slot.conn is not None
        self.loop.add_reader(slot.conn.fileno(), self._on_readable, slot)
        slot.ready = True
        self.stats["respawns"] += 1
        self._dispatch()


def _kill(pid: int) -> None:
    if pid > 0:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
