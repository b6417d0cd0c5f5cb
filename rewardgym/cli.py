"""The ``rewardgym`` command: serve, tasks, sample, score, health."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any, TextIO

import rewardgym
from rewardgym.cli_errors import EXIT_NOTHING, EXIT_SERVER, CliError, check_port_free, reach, run_command
from rewardgym.config import Config

STATUS_NAMES = {1: "ok", 2: "no_answer", 3: "invalid_reference", 4: "unknown_task", 5: "timeout",
                6: "sandbox_error", 7: "internal_error", 8: "rejected"}


def _add_server_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--address", help="host:port to bind (REWARDGYM_ADDRESS; default 127.0.0.1:50051)")
    p.add_argument("--workers", type=int, help="scoring worker processes (REWARDGYM_WORKERS; default: cores)")
    p.add_argument("--max-deadline", type=float, dest="max_deadline_s", help="upper bound of any item's deadline, s")
    p.add_argument("--token", help="require this bearer token (REWARDGYM_TOKEN)")
    p.add_argument("--tls-cert", help="PEM certificate chain (REWARDGYM_TLS_CERT)")
    p.add_argument("--tls-key", help="PEM private key (REWARDGYM_TLS_KEY)")
    p.add_argument("--metrics-address", help="serve Prometheus text at http://ADDR/metrics")
    p.add_argument("--max-batch", type=int, help="items per request; more are refused per item")
    p.add_argument("--max-completion-chars", type=int, help="longer completions are refused per item")
    p.add_argument("--log-level", help="DEBUG, INFO, WARNING…")
    p.add_argument("--http-address", help="also serve HTTP (/get_reward, /v1/score) on host:port (REWARDGYM_HTTP_ADDRESS)")
    p.add_argument("--http-task", help="task of /get_reward rows that name none (REWARDGYM_HTTP_TASK)")


def _config(args: argparse.Namespace) -> Config:
    try:
        cfg = Config.from_env()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    for key in ("address", "workers", "max_deadline_s", "token", "tls_cert", "tls_key", "metrics_address",
                "max_batch", "max_completion_chars", "log_level", "http_address", "http_task"):
        val = getattr(args, key, None)
        if val is not None:
            setattr(cfg, key, val)
    try:
        cfg.validate()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return cfg


def _client(args: argparse.Namespace) -> Any:
    from trainer_client import RewardClient

    reach(args.server, args.token or Config.from_env().token or None)  # one clear line if not there
    return RewardClient(args.server, token=args.token or Config.from_env().token or None,
                        timeout_s=args.timeout, none_on_error=False)


# ---- commands -------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from rewardgym.server import ServeError, run

    cfg = _config(args)
    check_port_free(cfg.address)
    for f in (cfg.tls_cert, cfg.tls_key):
        if f and not os.path.isfile(f):
            raise CliError(f"no such file: {f} (TLS certificate/key)")
    logging.basicConfig(level=cfg.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        run(cfg)
    except ServeError as exc:
        raise CliError(str(exc), EXIT_SERVER) from None
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    if args.server:
        with _client(args) as rc:
            for t in rc.list_tasks():
                rows.append({"name": t.name, "version": t.version, "description": t.description,
                             "default_deadline_s": t.default_deadline_s, "can_sample": t.can_sample})
    else:
        from envs.registry import discover

        for name, t in sorted(discover().items()):
            rows.append({"name": name, "version": t.version, "description": t.description,
                         "default_deadline_s": t.default_deadline_s, "can_sample": t.can_sample})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(f"{r['name']:<12} {r['version']:<8} {r['description']}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    options = dict(_kv(o, "--option") for o in args.option)
    out = open(args.output, "w") if args.output else sys.stdout  # noqa: SIM115
    try:
        if args.server:
            with _client(args) as rc:
                for p in rc.sample(args.task, args.n, args.seed, **options):
                    out.write(json.dumps({"task": args.task, "prompt": p.prompt, "reference": p.reference}) + "\n")
        else:
            from envs.registry import discover

            task = discover().get(args.task)
            if task is None:
                print(f"unknown task {args.task!r}", file=sys.stderr)
                return 2
            rng = random.Random(args.seed)
            for _ in range(args.n):
                try:
                    p = task.sample(rng, **options)
                except (TypeError, ValueError, KeyError) as exc:
                    raise CliError(f"task {args.task!r} cannot sample with --option {options}: {exc}") from None
                out.write(json.dumps({"task": args.task, "prompt": p.prompt, "reference": p.reference}) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _kv(s: str, flag: str = "--weight") -> tuple[str, Any]:
    k, eq, v = s.partition("=")
    if not k or not eq:
        raise CliError(f"{flag} expects NAME=VALUE, got {s!r}")
    try:
        return k, json.loads(v)
    except ValueError:
        return k, v


def _read_items(path: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, item dict) or (line number, error message) for each non-blank line."""
    from rewardgym.jsonl import parse_line  # one line format for the CLI and HTTP /v1/score

    try:
        fh: TextIO = sys.stdin if path == "-" else open(path)  # noqa: SIM115
    except FileNotFoundError:
        raise CliError(f"no such file: {path} (give a JSONL file of items, or - for standard input)") from None
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        for n, line in enumerate(fh, 1):
            parsed = parse_line(n, line)
            if parsed is not None:
                yield n, parsed


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.t0 = self.last = time.monotonic()

    def add(self, k: int) -> None:
        self.done += k
        now = time.monotonic()
        if self.enabled and (now - self.last > 0.1 or self.done == self.total):
            self.last = now
            frac = self.done / max(1, self.total)
            bar = "#" * int(30 * frac)
            rate = self.done / max(1e-9, now - self.t0)
            sys.stderr.write(f"\r[{bar:<30}] {self.done}/{self.total} {rate:,.0f} items/s")
            if self.done == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def cmd_score(args: argparse.Namespace) -> int:
    entries = list(_read_items(args.items))
    good = [(i, e) for i, (_, e) in enumerate(entries) if isinstance(e, dict)]
    results: list[dict[str, Any]] = [{}] * len(entries)
    for i, (_, e) in enumerate(entries):
        if isinstance(e, str):
            results[i] = {"id": "", "index": i, "reward": 0.0, "status": "invalid_reference", "components": {},
                          "extracted": "", "detail": e, "task_version": ""}
    progress = _Progress(len(entries), sys.stderr.isatty() and not args.quiet)
    progress.add(len(entries) - len(good))
    weights = _weights(args.weight)
    if good and args.server:
        _score_remote(args, good, results, progress, weights)
    elif good:
        _score_embedded(args, good, results, progress, weights)
    out = open(args.output, "w") if args.output else sys.stdout  # noqa: SIM115
    with out if out is not sys.stdout else _nullcontext():
        for r in results:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = Counter(r["status"] for r in results)
    rewards = [r["reward"] for r in results if r["reward"] is not None]
    mean = sum(rewards) / len(rewards) if rewards else 0.0
    summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    print(f"scored {len(results)} items: mean reward {mean:.4f}; {summary}", file=sys.stderr)
    if not any(r["status"] in ("ok", "no_answer") for r in results):
        print("rewardgym score: nothing could be scored (see each result's detail)", file=sys.stderr)
        return EXIT_NOTHING
    return 0


def _weights(pairs: list[str]) -> dict[str, float] | None:
    out: dict[str, float] = {}
    for w in pairs:
        k, v = _kv(w)
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            raise CliError(f"--weight {w!r}: the weight must be a number") from None
        if not math.isfinite(out[k]):
            raise CliError(f"--weight {w!r}: the weight must be finite")
    return out or None


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: object) -> None:
        return None


def _ref_text(ref: Any) -> str:
    return ref if isinstance(ref, str) else json.dumps(ref)


def _score_embedded(args: argparse.Namespace, good: list[tuple[int, dict[str, Any]]], results: list[dict[str, Any]],
                    progress: _Progress, weights: dict[str, float] | None) -> None:
    from rewardgym.engine import Engine, Item, Options
    from rewardgym.server import _start_sandbox

    cfg = Config.from_env()
    if args.workers:
        cfg.workers = args.workers
    from rewardgym.validate import InvalidArgument

    engine = Engine(cfg)  # discovers the tasks; nothing is started yet
    items = [Item(str(e["task"]), e["completion"], _ref_text(e.get("reference", {})), str(e.get("id", "")))
             for _, e in good]
    opts = Options(weights=weights, item_deadline_s=args.deadline or 0.0)
    try:
        engine.check_options(items, opts)
    except InvalidArgument as exc:
        raise CliError(str(exc)) from None
    sandbox = _start_sandbox()
    engine.start()

    def on_result(r: Any) -> None:
        progress.add(1)

    async def run() -> list[Any]:
        await engine.attach()
        try:
            return await engine.score(items, opts, on_result=on_result)
        finally:
            await engine.close()

    try:
        for (i, _), r in zip(good, asyncio.run(run()), strict=True):
            results[i] = {"id": r.id, "index": i, "reward": r.reward, "status": STATUS_NAMES[r.status],
                          "components": r.components, "extracted": r.extracted, "detail": r.detail,
                          "task_version": r.task_version}
    finally:
        if sandbox is not None:
            sandbox.close()


def _score_remote(args: argparse.Namespace, good: list[tuple[int, dict[str, Any]]], results: list[dict[str, Any]],
                  progress: _Progress, weights: dict[str, float] | None) -> None:
    from trainer_client import Item

    items = [Item(str(e["task"]), e["completion"], e.get("reference", {}), str(e.get("id", ""))) for _, e in good]
    with _client(args) as rc:
        opts: dict[str, Any] = {"weights": weights} if weights else {}
        if args.deadline:
            opts["item_deadline_s"] = args.deadline
        for r in rc.stream(items, **opts):
            i = good[r.index][0]
            d = r.as_dict()
            d.pop("elapsed_s", None)
            d.pop("cached", None)
            d["index"] = i
            results[i] = d
            progress.add(1)


def cmd_health(args: argparse.Namespace) -> int:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    ca = args.ca_cert or Config.from_env().tls_cert  # a self-signed server cert is its own CA
    try:
        if ca:
            with open(ca, "rb") as f:
                creds = grpc.ssl_channel_credentials(f.read())
            opts = [("grpc.ssl_target_name_override", args.server_name)] if args.server_name else []
            ch = grpc.secure_channel(args.address, creds, options=opts)
        else:
            ch = grpc.insecure_channel(args.address)
        with ch:
            resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=args.service),
                                                        timeout=args.timeout)
    except grpc.RpcError as exc:
        print(f"unhealthy: {exc.code().name}: {exc.details()}", file=sys.stderr)
        return 1
    name = health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)
    print(name)
    return 0 if resp.status == health_pb2.HealthCheckResponse.SERVING else 1


def cmd_probe(args: argparse.Namespace) -> int:
    """Exit codes: 0 no hack pays and every honest answer scores 1; 1 a hack pays; 4 an honest answer
    fails; 5 both; 2 the probe could not run (unknown task, no cases, bad cases file)."""
    from rewardgym.probe import ProbeError, load_cases, probed_tasks, render, run_probe

    names = probed_tasks() if args.task == "all" else [args.task]
    reports = []
    try:
        cases = load_cases(args.cases) if args.cases else None
        for name in names:
            reports.append(run_probe(name, cases, seed=args.seed, server=args.server,
                                     token=args.token or Config.from_env().token or None, workers=args.workers,
                                     timeout_s=args.timeout))
    except (ProbeError, OSError) as exc:
        print(f"probe: {exc}", file=sys.stderr)
        return 2
    if args.json:
        out = [r.as_dict() for r in reports]
        print(json.dumps(out if args.task == "all" else out[0], indent=1, ensure_ascii=False))
    else:
        print("\n".join(render(r, args.verbose) for r in reports))
    code = 0
    for r in reports:
        code |= r.exit_code
    return code


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rewardgym", description="Verifiable-reward service for RL on LLMs.")
    p.add_argument("--version", action="version", version=f"rewardgym {rewardgym.__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks (also REWARDGYM_DEBUG=1)")
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("serve", help="run the gRPC server")
    _add_server_flags(s)
    s.set_defaults(fn=cmd_serve)

    def client_flags(q: argparse.ArgumentParser) -> None:
        q.add_argument("--server", help="host:port of a running server (default: run embedded)")
        q.add_argument("--token", help="bearer token for --server (or REWARDGYM_TOKEN)")
        q.add_argument("--timeout", type=float, default=600.0, help="RPC deadline, s")

    t = sub.add_parser("tasks", help="list the tasks")
    client_flags(t)
    t.add_argument("--json", action="store_true")
    t.set_defaults(fn=cmd_tasks)

    sm = sub.add_parser("sample", help="generate problems (JSONL: task, prompt, reference)")
    client_flags(sm)
    sm.add_argument("--task", required=True)
    sm.add_argument("-n", type=int, default=1)
    sm.add_argument("--seed", type=int, default=0)
    sm.add_argument("--option", action="append", default=[], metavar="K=V", help="e.g. difficulty=hard")
    sm.add_argument("-o", "--output")
    sm.set_defaults(fn=cmd_sample)

    sc = sub.add_parser("score", help="score a JSONL file of {task, completion, reference, id}")
    client_flags(sc)
    sc.add_argument("items", help="JSONL file, or - for standard input")
    sc.add_argument("-o", "--output", help="results JSONL (default: standard output)")
    sc.add_argument("--workers", type=int, help="embedded mode: worker processes (default: cores)")
    sc.add_argument("--weight", action="append", default=[], metavar="NAME=W", help="e.g. format=0.1")
    sc.add_argument("--deadline", type=float, help="per-item deadline, s")
    sc.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sc.set_defaults(fn=cmd_score)

    pr = sub.add_parser("probe", help="run the reward-hack battery against a task; exit 1 if any hack pays")
    client_flags(pr)
    pr.add_argument("--task", required=True, help="a task name, or all: every task with built-in cases")
    pr.add_argument("--cases", help="JSONL of honest {reference, completion} pairs (default: the task's own)")
    pr.add_argument("--seed", type=int, default=0, help="seed of the task's generated cases")
    pr.add_argument("--workers", type=int, help="embedded mode: worker processes (default: cores)")
    pr.add_argument("--json", action="store_true", help="machine-readable report")
    pr.add_argument("-v", "--verbose", action="store_true", help="list every answer, not only failures")
    pr.set_defaults(fn=cmd_probe)

    h = sub.add_parser("health", help="exit 0 iff the server's gRPC health service says SERVING")
    h.add_argument("--address", default="127.0.0.1:50051")
    h.add_argument("--service", default="")
    h.add_argument("--timeout", type=float, default=3.0)
    h.add_argument("--ca-cert", help="PEM CA for a TLS server (default: REWARDGYM_TLS_CERT when set)")
    h.add_argument("--server-name", help="TLS name to verify instead of the address's host")
    h.set_defaults(fn=cmd_health)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("REWARDGYM_DEBUG", "") not in ("", "0")
    argv = [a for a in argv if a != "--debug"]  # accepted anywhere on the line
    args = build_parser().parse_args(argv)
    return run_command(args.cmd, lambda: int(args.fn(args) or 0), debug,
                       getattr(args, "server", None) or getattr(args, "address", None) or "the server")


if __name__ == "__main__":
    raise SystemExit(main())
