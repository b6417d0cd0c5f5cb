"""Helpers shared by the trainer adapters: clients from the environment, references, completion text."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from trainer_client.client import RewardClient

# Trailing chat-template tokens left in text decoded with skip_special_tokens=False (OpenRLHF queries).
_TRAILING_SPECIAL = re.compile(r"(?:\s*(?:<\|[^|<>]{1,40}\|>|</s>|<eos>|<end_of_turn>))+\s*$")


def env_client(**overrides: Any) -> RewardClient:
    """A client configured from ``REWARDGYM_ADDRESS`` (required), ``REWARDGYM_TOKEN`` and
    ``REWARDGYM_TIMEOUT_S``. Trainer workers (Ray actors, forked dataloaders) only share env vars."""
    address = overrides.pop("addresses", None) or os.environ.get("REWARDGYM_ADDRESS")
    if not address:
        raise RuntimeError("set REWARDGYM_ADDRESS (host:port, or several separated by commas)")
    opts: dict[str, Any] = {}
    if token := os.environ.get("REWARDGYM_TOKEN"):
        opts["token"] = token
    if timeout := os.environ.get("REWARDGYM_TIMEOUT_S"):
        opts["timeout_s"] = float(timeout)
    if ca := os.environ.get("REWARDGYM_TLS_CA"):
        opts["root_certificates"] = ca
    opts.update(overrides)
    return RewardClient(address, **opts)


class ProcessClient:
    """The adapter's client, one per process: gRPC channels do not survive fork, so a forked
    worker (Ray, dataloader) gets a copy of the parent's configured client on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: RewardClient | None = None
        self._pid = 0

    def set(self, client: RewardClient) -> RewardClient | None:
        """Use ``client`` from now on; returns the one it replaces."""
        with self._lock:
            old, self._client, self._pid = self._client, client, os.getpid()
            return old

    def get(self) -> RewardClient:
        with self._lock:
            if self._client is None:
                self._client, self._pid = env_client(), os.getpid()
            elif self._pid != os.getpid():
                self._client, self._pid = self._client.copy(), os.getpid()
            return self._client


def as_reference(ground_truth: Any, wrap_key: str = "answer") -> Any:
    """A reference object from what a dataset holds.

    Objects (dicts, or JSON text of one) pass as they are. Anything else — the bare answer string
    math datasets such as GSM8K store — is sent as ``{wrap_key: value}``.
    """
    if isinstance(ground_truth, Mapping):
        return ground_truth
    if isinstance(ground_truth, bytes):
        ground_truth = ground_truth.decode()
    if isinstance(ground_truth, str):
        s = ground_truth.strip()
        if s.startswith("{"):
            try:
                obj = json.loads(s)
            except ValueError:
                obj = None
            if isinstance(obj, dict):
                return obj
        return {wrap_key: ground_truth}
    tolist = getattr(ground_truth, "tolist", None)
    if callable(tolist):  # numpy arrays/scalars out of parquet, without importing numpy
        ground_truth = tolist()
    return {wrap_key: ground_truth}


def completion_text(completion: Any) -> str:
    """Text of a TRL completion: a string (standard format) or a list of messages (conversational),
    where the answer is the last assistant message (tool loops append tool and assistant turns)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _content_text(completion.get("content"))
    if isinstance(completion, Sequence):
        msgs = [m for m in completion if isinstance(m, Mapping)]
        for m in reversed(msgs):
            if m.get("role", "assistant") == "assistant":
                return _content_text(m.get("content"))
        return _content_text(msgs[-1].get("content")) if msgs else ""
    return str(completion)


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):  # multimodal parts: [{"type": "text", "text": ...}, ...]
        return "".join(
            p.get("text", "") for p in content if isinstance(p, Mapping) and p.get("type") == "text"
        )
    return str(content)


def strip_trailing_special_tokens(text: str) -> str:
    return _TRAILING_SPECIAL.sub("", text)
