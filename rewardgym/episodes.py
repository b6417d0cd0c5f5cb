"""Gymnasium-style episodes held by the server for Reset/Step, expired after an idle TTL."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass
class Episode:
    task: str
    prompt: str
    ref_json: str
    steps: int = 0
    done: bool = False
    touched: float = field(default_factory=time.monotonic)


class Episodes:
    def __init__(self, ttl_s: float, max_episodes: int) -> None:
        self.ttl_s = ttl_s
        self.max = max_episodes
        self.items: OrderedDict[str, Episode] = OrderedDict()

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.ttl_s
        while self.items:
            eid, ep = next(iter(self.items.items()))
            if ep.touched >= cutoff and len(self.items) <= self.max:
                break
            del self.items[eid]

    def add(self, ep: Episode) -> str:
        self._expire()
        eid = secrets.token_hex(12)
        self.items[eid] = ep
        return eid

    def get(self, eid: str) -> Episode | None:
        self._expire()
        ep = self.items.get(eid)
        if ep is not None:
            ep.touched = time.monotonic()
            self.items.move_to_end(eid)
        return ep
