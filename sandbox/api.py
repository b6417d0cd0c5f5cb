"""The Executor interface and the plain-data job/result types every backend shares.

A ``Job`` is one submission: its source, its language, and the stdin of each run. Backends
turn it into a ``JobResult``: the compile step (for compiled languages) and one ``RunResult`` per
run. Results carry raw process facts (status, exit code, captured output, harness records); grading
happens in the caller, never in the sandbox, so expected outputs never enter it.

Everything here round-trips through JSON of plain values (``to_json``/``from_json``): that is what
crosses the Unix socket, the gRPC service and the Docker boundary.
"""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass, field
from typing import Any

# Run statuses set by the supervisor (outside the sandbox). Never derived from the program's claims.
OK = "OK"  # exited with code 0 (not a verdict: output still has to be graded)
RE = "RE"  # non-zero exit or killed by a signal
TLE = "TLE"  # wall or CPU limit
MLE = "MLE"  # memory limit
OLE = "OLE"  # output limit
CE = "CE"  # compile error
SE = "SE"  # sandbox error: infrastructure, never the program's fault
SKIPPED = "SKIPPED"  # not run (stop_on_error after an earlier failure)


@dataclass(slots=True)
class Limits:
    time_s: float = 5.0  # CPU and (x2 + 1 s) wall per run
    memory_mb: int = 512
    output_bytes: int = 1 << 20  # stdout cap (stderr keeps its last 8 KiB)
    processes: int = 64
    file_mb: int = 32  # work-dir (tmpfs) size and max file size
    wall_s: float = 0.0  # 0: derived from time_s

    def wall(self) -> float:
        return self.wall_s or self.time_s * 2 + 1.0


@dataclass(slots=True)
class Job:
    language: str
    code: str
    stdins: list[str] = field(default_factory=lambda: [""])
    limits: Limits = field(default_factory=Limits)
    stop_on_error: bool = False
    # Python only: an in-sandbox harness, {"kind": "calls"|"replay"|"call", ...}; records come back per run.
    harness: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Job:
        lim = Limits(**{k: v for k, v in (d.get("limits") or {}).items() if k in Limits.__slots__})
        return cls(language=str(d["language"]), code=str(d["code"]), stdins=[str(s) for s in d.get("stdins", [""])],
                   limits=lim, stop_on_error=bool(d.get("stop_on_error", False)), harness=d.get("harness"))


@dataclass(slots=True)
class RunResult:
    status: str
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    records: str = ""  # harness records (JSON lines), Python harness jobs only
    wall_ms: float = 0.0
    cpu_ms: float = 0.0
    detail: str = ""

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RunResult:
        return cls(**{k: d[k] for k in cls.__slots__ if k in d})


@dataclass(slots=True)
class JobResult:
    runs: list[RunResult] = field(default_factory=list)
    compile: RunResult | None = None
    error: str = ""  # non-empty: sandbox error for the whole job
    backend: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> JobResult:
        c = d.get("compile")
        return cls(runs=[RunResult.from_json(r) for r in d.get("runs", [])],
                   compile=RunResult.from_json(c) if c else None, error=str(d.get("error", "")),
                   backend=str(d.get("backend", "")))


class SandboxError(RuntimeError):
    """The sandbox could not run the job (infrastructure), as opposed to the program failing."""

    status = 6  # rewardgym.v1.Status.SANDBOX_ERROR: how a scoring worker reports it (e.g. from setup)


class Executor(abc.ABC):
    """Runs jobs in isolation. Implementations: local (fork server), remote (gRPC), docker."""

    name: str = ""

    @abc.abstractmethod
    def execute(self, job: Job) -> JobResult:
        """Run a job. Raises ``SandboxError`` (or returns ``JobResult.error``) on infrastructure failure."""

    @abc.abstractmethod
    def health(self) -> dict[str, Any]:
        """Facts for health/ListTasks: backend, languages, layers, ..."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
