"""What the ``rewardgym`` command says when something goes wrong: one line with what to do, an exit
code a script can act on, and the traceback only with ``--debug``.

Exit codes: 0 done (at least one item scored); 1 nothing could be scored, or an unexpected error;
2 a usage mistake (bad flag or option, missing or unreadable file, bad weight); 3 the server cannot be
reached, refused the token, or ``serve`` cannot listen on its address; 130 interrupted.
"""

from __future__ import annotations

import os
import socket
import sys
import traceback
from collections.abc import Callable
from typing import Any

EXIT_OK, EXIT_NOTHING, EXIT_USAGE, EXIT_SERVER, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
CONNECT_S = 5.0  # how long the CLI waits for a server to accept a connection


class CliError(Exception):
    """A mistake the user can fix: printed as one line, exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def rpc_error(exc: Any, server: str) -> CliError:
    """One actionable line for a failed call to a server."""
    import grpc

    code = exc.code() if hasattr(exc, "code") else None
    details = (exc.details() if hasattr(exc, "details") else str(exc)) or ""
    if code == grpc.StatusCode.UNAVAILABLE:
        return CliError(f"cannot reach a server at {server}: start one with `rewardgym serve` or pass the right "
                        "--server HOST:PORT", EXIT_SERVER)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return CliError(f"the server at {server} refused the token: pass its token with --token or set "
                        "REWARDGYM_TOKEN", EXIT_SERVER)
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return CliError(f"the server at {server} did not answer in time: raise --timeout", EXIT_SERVER)
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNIMPLEMENTED):
        return CliError(f"the server refused the request: {details}", EXIT_USAGE)
    name = code.name if code is not None else type(exc).__name__
    return CliError(f"the server at {server} failed the call ({name}: {details[:200]})", EXIT_SERVER)


def reach(server: str, token: str | None) -> None:
    """Fail fast, with one line, when the server is not there or refuses the token (before any work)."""
    import grpc

    from rewardgym.v1 import reward_pb2 as pb
    from rewardgym.v1 import reward_pb2_grpc as pb_grpc

    ch = grpc.insecure_channel(server)
    try:
        try:
            grpc.channel_ready_future(ch).result(timeout=CONNECT_S)
        except grpc.FutureTimeoutError:
            raise CliError(f"cannot reach a server at {server} within {CONNECT_S:g}s: start one with "
                           "`rewardgym serve` or pass the right --server HOST:PORT", EXIT_SERVER) from None
        md = [("authorization", f"Bearer {token}")] if token else None
        try:
            pb_grpc.RewardServiceStub(ch).ListTasks(pb.ListTasksRequest(), metadata=md, timeout=CONNECT_S)
        except grpc.RpcError as exc:
            raise rpc_error(exc, server) from None
    finally:
        ch.close()


def check_port_free(address: str) -> None:
    """``serve``: say the port is taken before starting anything (the server re-checks when it binds)."""
    host, _, port = address.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    if not port.isdigit() or int(port) == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, int(port)))
        except OSError as exc:
            raise CliError(f"cannot listen on {address} ({exc.strerror}): another server is using the port; stop it "
                           "or pass --address HOST:PORT", EXIT_SERVER) from None


def run_command(cmd: str, fn: Callable[[], int], debug: bool, server: str = "the server") -> int:
    """Run one command: known mistakes as one line, a closed output pipe quietly, the rest as one
    line too unless ``debug``."""
    try:
        return fn()
    except CliError as exc:
        if debug:
            traceback.print_exc()
        print(f"rewardgym {cmd}: {exc}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:  # `| head` closed our output: stop quietly, as other tools do
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"rewardgym {cmd}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug:
            raise
        import grpc

        if isinstance(exc, grpc.RpcError):
            err = rpc_error(exc, server)
            print(f"rewardgym {cmd}: {err}", file=sys.stderr)
            return err.code
        print(f"rewardgym {cmd}: unexpected error: {type(exc).__name__}: {str(exc)[:300]} "
              "(run again with --debug for the traceback)", file=sys.stderr)
        return EXIT_NOTHING


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not raise again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError):
        pass
