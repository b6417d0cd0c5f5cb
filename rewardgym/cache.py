"""A bounded LRU of verdicts keyed by a digest of (task, task version, reference, completion, weights)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any


def key(task: str, version: str, ref_json: str, completion: str, weights_key: str) -> bytes:
    # Length-prefixed fields (lengths in characters), so no two different tuples share a text.
    text = (f"{len(task)}:{task}{len(version)}:{version}{len(ref_json)}:{ref_json}"
            f"{len(weights_key)}:{weights_key}{len(completion)}:{completion}")
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class LRUCache:
    def __init__(self, max_entries: int) -> None:
        self.max = max_entries
        self.data: OrderedDict[bytes, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, k: bytes) -> Any:
        v = self.data.get(k)
        if v is None:
            self.misses += 1
            return None
        self.data.move_to_end(k)
        self.hits += 1
        return v

    def put(self, k: bytes, v: Any) -> None:
        if self.max <= 0:
            return
        self.data[k] = v
        self.data.move_to_end(k)
        while len(self.data) > self.max:
            self.data.popitem(last=False)

    def __len__(self) -> int:
        return len(self.data)
