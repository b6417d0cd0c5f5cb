"""Self-healing and honest health: a killed sandbox manager, zygote or fork server costs no item and
is replaced; gRPC health says NOT_SERVING while a task cannot score, SERVING once it can again."""

from __future__ import annotations

import os
import signal
import threading
import time

from grpc_health.v1 import health_pb2, health_pb2_grpc
from rpc import G24, RIGHT, item, request, status, stub

from tests.serverproc import ServerProc

SERVICE = "rewardgym.v1.RewardService"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _proc(pid: int) -> tuple[int, str, str]:
    """(parent pid, state, command line) of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    return int(fields[1]), fields[0], cmd


def _tree(srv: ServerProc) -> dict[int, tuple[int, str, str]]:
    out = {}
    for pid in srv.children():
        try:
            out[pid] = _proc(pid)
        except OSError:
            pass
    return out


def _manager(srv: ServerProc) -> int:
    assert srv.proc is not None
    (pid,) = [p for p, (pp, st, cmd) in _tree(srv).items()
              if pp == srv.proc.pid and st != "Z" and "_manager" in cmd and "sandbox.local" in cmd]
    return pid


def _zombies(srv: ServerProc) -> list[int]:
    """Zombies the server (or a process of its own) leaves unreaped; orphans handed to init are init's."""
    assert srv.proc is not None
    tree = _tree(srv)
    ours = {srv.proc.pid} | {p for p, (_, st, _) in tree.items() if st != "Z"}
    return [p for p, (pp, st, _) in tree.items() if st == "Z" and pp in ours]


def _code(k: int, sleep: float = 0.3) -> object:
    code = f"```python\nimport time\ntime.sleep({sleep})\nprint(int(input()) * 2)  # {k}\n```"
    return item("code", code, {"language": "python", "tests": [{"input": f"{k}\n", "output": str(2 * k)}]},
                id=str(k))


def _health(ch_stub: health_pb2_grpc.HealthStub, service: str = "") -> int:
    return ch_stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2).status


def test_sandbox_manager_killed_mid_batch_every_item_answered_health_follows():
    import grpc

    with ServerProc(workers=2) as srv:
        s = stub(srv.address)
        hs = health_pb2_grpc.HealthStub(grpc.insecure_channel(srv.address))
        assert _health(hs, f"{SERVICE}/code") == SERVING and _health(hs, f"{SERVICE}/game24") == SERVING
        manager = _manager(srv)
        done: dict[str, object] = {}
        items = [_code(k) for k in range(12)]
        t = threading.Thread(target=lambda: done.setdefault("r", s.Score(request(items, no_cache=True), timeout=120)))
        t.start()
        time.sleep(0.8)  # some items scored, some in a zygote's hands
        os.kill(manager, signal.SIGKILL)
        killed = time.monotonic()
        down = None
        while time.monotonic() - killed < 2.0:
            if _health(hs) == NOT_SERVING and _health(hs, f"{SERVICE}/code") == NOT_SERVING:
                down = time.monotonic() - killed
                assert _health(hs, f"{SERVICE}/game24") == SERVING  # the other tasks still score
                break
            time.sleep(0.02)
        assert down is not None, "health did not go NOT_SERVING within 2 s"
        t.join(120)
        got = [(status(r), r.reward) for r in done["r"].results]  # type: ignore[attr-defined]
        assert len(got) == 12 and all(g in (("OK", 1.0), ("SANDBOX_ERROR", 0.0)) for g in got), got
        # back within 10 s: code scored again, health SERVING, the dead manager reaped (no zombie)
        back = None
        while time.monotonic() - killed < 10.0:
            r = s.Score(request([_code(100 + int(time.monotonic() * 1000) % 100000, 0.0)], no_cache=True),
                        timeout=30).results[0]
            if status(r) == "OK" and _health(hs) == SERVING and _health(hs, f"{SERVICE}/code") == SERVING:
                back = time.monotonic() - killed
                break
            time.sleep(0.1)
        assert back is not None, "the sandbox was not back within 10 s"
        assert r.reward == 1.0
        assert _manager(srv) != manager and not _zombies(srv)
        assert s.Score(request([item("game24", RIGHT, G24)]), timeout=10).results[0].reward == 1.0


def test_killed_zygote_in_flight_item_is_run_again():
    with ServerProc(workers=1) as srv:
        s = stub(srv.address)
        manager = _manager(srv)
        done: dict[str, object] = {}
        t = threading.Thread(target=lambda: done.setdefault("r", s.Score(request([_code(7, 1.0)], no_cache=True),
                                                                           timeout=60)))
        t.start()
        time.sleep(0.5)
        zygotes = [p for p, (pp, _, _) in _tree(srv).items() if pp == manager]
        # The zygote running the job has two children (its slot's pid-1 and the run); kill only that one
        # (killing an idle one too could take the job's second try as well: that would be two failures).
        (busy,) = [z for z in zygotes if len(_children(z)) > 1]
        os.kill(busy, signal.SIGKILL)
        t.join(60)
        r = done["r"].results[0]  # type: ignore[attr-defined]
        assert (status(r), r.reward) == ("OK", 1.0), r


def _children(pid: int) -> list[str]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return f.read().split()


def test_fork_server_killed_is_replaced_and_reaped():
    with ServerProc(workers=2) as srv:
        s = stub(srv.address)
        tree = _tree(srv)
        (fs,) = [p for p, (pp, _, cmd) in tree.items() if pp == srv.proc.pid and "rewardgym.forkserver" in cmd]
        items = [item("sleepy", f"sleep:0.05 {k}", id=str(k)) for k in range(40)]
        killer = threading.Timer(0.3, lambda: os.kill(fs, signal.SIGKILL))
        killer.start()
        resp = s.Score(request(items, item_deadline_s=5, no_cache=True), timeout=60)
        killer.join()
        assert [status(r) for r in resp.results] == ["OK"] * 40
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            tree = _tree(srv)
            new = [p for p, (pp, st, cmd) in tree.items() if pp == srv.proc.pid and "rewardgym.forkserver" in cmd
                   and st != "Z"]
            if new and fs not in tree and not _zombies(srv):
                break
            time.sleep(0.05)
        assert new and new[0] != fs and fs not in tree, (new, fs)
        assert not _zombies(srv)
        # a worker killed now is replaced by the new fork server; the batch is still answered in full
        workers = [p for p, (pp, st, cmd) in _tree(srv).items()
                   if "rewardgym.forkserver" in cmd and pp != srv.proc.pid and st != "Z"]
        os.kill(workers[0], signal.SIGKILL)
        resp = s.Score(request([item("sleepy", f"sleep:0.01 b{k}") for k in range(20)], item_deadline_s=5), timeout=60)
        assert [status(r) for r in resp.results] == ["OK"] * 20
        deadline = time.monotonic() + 5
        while not any(pp == new[0] for pp, _, _ in _tree(srv).values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(pp == new[0] for pp, _, _ in _tree(srv).values()), "no worker from the new fork server"
