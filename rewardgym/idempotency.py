"""Idempotent scoring: a request id seen within the window gets the first request's answer.

A trainer retries a call whose connection dropped; without this, the retry scores everything again
(sandbox runs included). With a request id the scoring job belongs to the server, not to the call:
it keeps running when the first connection drops, and a retry (of ``Score``, a stream, or the HTTP
endpoint) attaches to it, in flight or finished, and scores nothing itself. The id is bound to a
digest of the request's content: the same id with other content is refused, never answered with
somebody else's rewards. A job that fails (an engine error, not a per-item status) is forgotten, so
a retry runs it again.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from rewardgym.engine import OnResult, Result

MAX_ID_CHARS = 256


class IdConflict(ValueError):
    """The request id was used, within the window, for a request with other content."""


class Job:
    """One scoring job: results in arrival order, and the final in-order list once done."""

    def __init__(self, digest: bytes) -> None:
        self.digest = digest
        self.arrived: list[Result] = []
        self.final: list[Result] | None = None
        self.error: BaseException | None = None
        self.done_at = 0.0
        self._wake = asyncio.get_running_loop().create_future()
        self.task: asyncio.Future[Any] | None = None

    def on_result(self, r: Result) -> None:
        self.arrived.append(r)
        self._notify()

    def _notify(self) -> None:
        # Wake everyone waiting now; later waiters wait on a fresh future.
        wake, self._wake = self._wake, asyncio.get_running_loop().create_future()
        if not wake.done():
            wake.set_result(None)

    def _finish(self, fut: asyncio.Future[list[Result]]) -> None:
        self.done_at = time.monotonic()
        if fut.cancelled():
            self.error = asyncio.CancelledError()
        elif fut.exception() is not None:
            self.error = fut.exception()
        else:
            self.final = fut.result()
        self._notify()

    @property
    def done(self) -> bool:
        return self.final is not None or self.error is not None

    async def result(self) -> list[Result]:
        """The in-order results (waits; leaving the wait does not stop the job)."""
        while not self.done:
            await asyncio.shield(self._wake)
        if self.error is not None:
            raise self.error
        assert self.final is not None
        return self.final

    async def follow(self) -> AsyncIterator[list[Result]]:
        """Groups of results as they arrive (what was ready at each wake-up), from the first one."""
        k = 0
        while True:
            if k < len(self.arrived):
                group, k = self.arrived[k:], len(self.arrived)
                yield group
                continue
            if self.done:
                break
            await asyncio.shield(self._wake)
        if self.error is not None:
            raise self.error


class Idempotency:
    """Jobs by request id, kept ``window_s`` after they finish; at most ``max_entries`` ids and
    ``max_items`` results are held (the oldest finished go first)."""

    def __init__(self, window_s: float = 600.0, max_entries: int = 10_000, max_items: int = 2_000_000) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self.max_items = max_items
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.items = 0
        self.replays = 0  # requests answered from an earlier job

    def _expire(self) -> None:
        """Drop finished jobs past the window, oldest first; over a limit, the oldest finished ones too.
        Stops at the first job it keeps, so a call costs O(jobs dropped), not O(jobs held)."""
        now = time.monotonic()
        for rid in list(self.jobs):
            job = self.jobs[rid]
            over = len(self.jobs) >= self.max_entries or self.items > self.max_items  # room for one more
            if not job.done or not (over or now - job.done_at > self.window_s):
                if over and not job.done:
                    continue  # in flight: never dropped; look further for finished ones
                break
            del self.jobs[rid]
            self.items -= len(job.final or ())

    def job(self, rid: str, digest: bytes, run: Callable[[OnResult], Awaitable[list[Result]]]) -> Job:
        """The job for ``rid``: the existing one (same digest) or a new one running ``run(on_result)``."""
        if len(rid) > MAX_ID_CHARS:
            raise IdConflict(f"request_id: longer than {MAX_ID_CHARS} characters")
        self._expire()
        job = self.jobs.get(rid)
        if job is not None:
            if job.digest != digest:
                raise IdConflict("request_id: already used for a request with other content")
            self.replays += 1
            return job
        job = Job(digest)
        self.jobs[rid] = job
        fut = asyncio.ensure_future(run(job.on_result))
        job.task = fut

        def finished(f: asyncio.Future[list[Result]]) -> None:
            job._finish(f)
            if job.error is not None:  # no answer was given: let a retry run it again
                if self.jobs.get(rid) is job:
                    del self.jobs[rid]
            else:
                self.items += len(job.final or ())

        fut.add_done_callback(finished)
        return job

    def close(self) -> None:
        for job in self.jobs.values():
            if job.task is not None and not job.task.done():
                job.task.cancel()
