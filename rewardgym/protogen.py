"""Generate the Python stubs from proto/: ``python -m rewardgym.protogen`` (needs grpcio-tools).

``--check`` regenerates into a temporary folder and fails if the committed stubs differ.

The stubs are post-processed so one set of files works with every grpcio >= 1.60 and protobuf >= 4.25
(the client installs into trainer environments that pin these): protoc's code is version-independent
except for two import-time guards that refuse any runtime older than the generator — the
``_runtime_version.ValidateProtobufRuntimeVersion`` call in ``*_pb2.py`` (the module does not exist
before protobuf 5.26) and the ``GRPC_GENERATED_VERSION`` check in ``*_pb2_grpc.py`` — and the
``_registered_method=True`` argument of the stubs, which grpcio < 1.62 rejects. The guards are removed;
the argument is passed only where the installed grpcio accepts it (it saves a method lookup per call).
The oldest pins are tested in CI (tests/test_client_oldpins.py).
"""

from __future__ import annotations

import filecmp
import pathlib
import re
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
    files = sorted((out_root / "rewardgym" / "v1").glob("*_pb2*.py*"))
    for f in files:
        if f.suffix == ".py":
            f.write_text(drop_version_guards(f.read_text()))
    return files


_PB2_IMPORT = re.compile(r"^from google\.protobuf import runtime_version as _runtime_version\n", re.M)
_PB2_CHECK = re.compile(r"^_runtime_version\.ValidateProtobufRuntimeVersion\(\n(?:  .*\n)*?\)\n", re.M)
_GRPC_CHECK = re.compile(r"^GRPC_GENERATED_VERSION = .*?\n\n\n", re.M | re.S)
_GRPC_UNUSED = re.compile(r"^import warnings\n", re.M)
_GRPC_IMPORT = "import grpc\n"
_REGISTERED = (
    "import inspect\n\n"
    "# rewardgym.protogen: registered methods where this grpcio has them (>= 1.62), plain ones before.\n"
    "_REGISTERED = ({'_registered_method': True}\n"
    "               if '_registered_method' in inspect.signature(grpc.Channel.unary_unary).parameters else {})\n"
)


def drop_version_guards(text: str) -> str:
    """Remove the generator-version guards (see the module docstring); fail loudly if protoc's output
    changed shape, rather than shipping stubs that refuse older runtimes."""
    if "_runtime_version" in text:
        text, n1 = _PB2_IMPORT.subn("", text)
        text, n2 = _PB2_CHECK.subn("", text)
        if (n1, n2) != (1, 1) or "_runtime_version" in text:
            raise SystemExit("protogen: unexpected protobuf runtime-version guard in generated code")
    if "GRPC_GENERATED_VERSION" in text:
        text, n = _GRPC_CHECK.subn("\n", text)
        text = _GRPC_UNUSED.sub("", text)
        if n != 1 or "GRPC_GENERATED_VERSION" in text:
            raise SystemExit("protogen: unexpected grpc version guard in generated code")
    if "_registered_method=True" in text:
        if text.count(_GRPC_IMPORT) != 1:
            raise SystemExit("protogen: unexpected imports in generated grpc code")
        text = text.replace(_GRPC_IMPORT, _GRPC_IMPORT + _REGISTERED).replace("_registered_method=True", "**_REGISTERED")
    return text


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
