"""Server configuration: defaults, ``REWARDGYM_*`` environment variables, then command-line flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from rewardgym.pool import default_workers


@dataclass
class Config:
    address: str = "127.0.0.1:50051"  # loopback unless told otherwise
    workers: int = field(default_factory=default_workers)
    max_deadline_s: float = 60.0  # upper bound for any item's deadline
    max_batch: int = 65_536  # items per request; more is refused per item
    max_completion_chars: int = 1_000_000
    max_reference_chars: int = 16_000_000
    max_message_mb: int = 256
    max_queue: int = 200_000  # distinct items waiting for a worker; beyond that: REJECTED
    cache_entries: int = 200_000
    episode_ttl_s: float = 600.0
    max_episodes: int = 100_000
    token: str = ""  # bearer token; empty = no auth
    tls_cert: str = ""
    tls_key: str = ""
    metrics_address: str = ""  # e.g. 0.0.0.0:9090 serves Prometheus text at /metrics
    log_level: str = "INFO"
    http_address: str = ""  # e.g. 127.0.0.1:8080 serves /get_reward and /v1/score (rewardgym.http); off when empty
    http_task: str = ""  # the task of /get_reward rows that name none (a ?task= parameter overrides it)
    idempotency_window_s: float = 600.0  # how long a finished request id keeps its answer

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ) if env is None else env
        cfg = cls()
        for f in fields(cls):
            raw = env.get("REWARDGYM_" + f.name.upper())
            if raw is None or raw == "":
                continue
            setattr(cfg, f.name, _coerce(f.name, raw, getattr(cfg, f.name)))
        return cfg

    def validate(self) -> None:
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("TLS needs both a certificate and a key")
        if self.workers < 1:
            raise ValueError("workers must be ≥ 1")
        if self.max_deadline_s <= 0:
            raise ValueError("max_deadline_s must be > 0")


def _coerce(name: str, raw: str, current: object) -> object:
    try:
        if isinstance(current, bool):
            return raw.lower() in ("1", "true", "yes", "on")
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            return float(raw)
    except ValueError:
        raise ValueError(f"REWARDGYM_{name.upper()}={raw!r} is not a valid {type(current).__name__}") from None
    return raw
