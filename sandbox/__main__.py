"""``python -m sandbox serve --addr 127.0.0.1:50052 [--workers N]``: the remote sandbox service.
``python -m sandbox health``: start a local pool, print its probe (layers, languages) and stop."""

from __future__ import annotations

import argparse
import json
import logging
import os


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m sandbox")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="serve the local executor over gRPC")
    s.add_argument("--addr", default=os.environ.get("REWARDGYM_SANDBOX_LISTEN", "127.0.0.1:50052"))
    s.add_argument("--workers", type=int, default=int(os.environ.get("REWARDGYM_SANDBOX_WORKERS", "0")),
                   help="concurrent runs (zygotes); 0: one per core")
    sub.add_parser("health", help="probe the isolation layers of this host")
    a = ap.parse_args()
    logging.basicConfig(level=os.environ.get("REWARDGYM_LOG_LEVEL", "INFO"))
    if a.cmd == "serve":
        from sandbox.remote import serve

        serve(a.addr, a.workers)
    else:
        from sandbox.local import LocalConfig, start_local

        with start_local(LocalConfig(workers=1), export_env=False) as h:
            print(json.dumps(h.executor().health(), indent=1))


if __name__ == "__main__":
    main()
