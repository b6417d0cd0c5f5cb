"""Generate the Python stubs from proto/: ``python -m rewardgym.protogen`` (needs grpcio-tools).

``--check`` regenerates into a temporary folder and fails if the committed stubs differ.
"""

from __future__ import annotations

import filecmp
import pathlib
import shutil
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
OUT_DIR = ROOT / "rewardgym" / "v1"


def generate(out_root: pathlib.Path) -> list[pathlib.Path]:
    from grpc_tools import protoc  # dev dependency: only needed to regenerate

    inc = pathlib.Path(protoc.__file__).parent / "_proto"
    protos = sorted(PROTO_DIR.glob("rewardgym/v1/*.proto"))
    args = ["protoc", f"-I{PROTO_DIR}", f"-I{inc}", f"--python_out={out_root}", f"--pyi_out={out_root}",
            f"--grpc_python_out={out_root}", *[str(p.relative_to(PROTO_DIR)) for p in protos]]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    return sorted((out_root / "rewardgym" / "v1").glob("*_pb2*.py*"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(pathlib.Path(tmp))
        if "--check" in argv:
            drift = [f.name for f in files if not (OUT_DIR / f.name).exists() or not filecmp.cmp(f, OUT_DIR / f.name, shallow=False)]
            if drift:
                print("stubs drift from proto/: " + ", ".join(drift) + " (run python -m rewardgym.protogen)")
                return 1
            print("stubs match proto/")
            return 0
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copy(f, OUT_DIR / f.name)
            print(f"wrote {OUT_DIR / f.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
