from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SandboxLimits(_message.Message):
    __slots__ = ("time_s", "memory_mb", "output_bytes", "processes", "file_mb", "wall_s")
    TIME_S_FIELD_NUMBER: _ClassVar[int]
    MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    PROCESSES_FIELD_NUMBER: _ClassVar[int]
    FILE_MB_FIELD_NUMBER: _ClassVar[int]
    WALL_S_FIELD_NUMBER: _ClassVar[int]
    time_s: float
    memory_mb: int
    output_bytes: int
    processes: int
    file_mb: int
    wall_s: float
    def __init__(self, time_s: _Optional[float] = ..., memory_mb: _Optional[int] = ..., output_bytes: _Optional[int] = ..., processes: _Optional[int] = ..., file_mb: _Optional[int] = ..., wall_s: _Optional[float] = ...) -> None: ...

class ExecuteRequest(_message.Message):
    __slots__ = ("language", "code", "stdins", "limits", "stop_on_error", "harness_json")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    STDINS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    STOP_ON_ERROR_FIELD_NUMBER: _ClassVar[int]
    HARNESS_JSON_FIELD_NUMBER: _ClassVar[int]
    language: str
    code: str
    stdins: _containers.RepeatedScalarFieldContainer[str]
    limits: SandboxLimits
    stop_on_error: bool
    harness_json: str
    def __init__(self, language: _Optional[str] = ..., code: _Optional[str] = ..., stdins: _Optional[_Iterable[str]] = ..., limits: _Optional[_Union[SandboxLimits, _Mapping]] = ..., stop_on_error: _Optional[bool] = ..., harness_json: _Optional[str] = ...) -> None: ...

class RunResult(_message.Message):
    __slots__ = ("status", "exit_code", "signal", "stdout", "stderr", "records", "wall_ms", "cpu_ms", "detail")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    STDOUT_FIELD_NUMBER: _ClassVar[int]
    STDERR_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    WALL_MS_FIELD_NUMBER: _ClassVar[int]
    CPU_MS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    status: str
    exit_code: int
    signal: int
    stdout: str
    stderr: str
    records: str
    wall_ms: float
    cpu_ms: float
    detail: str
    def __init__(self, status: _Optional[str] = ..., exit_code: _Optional[int] = ..., signal: _Optional[int] = ..., stdout: _Optional[str] = ..., stderr: _Optional[str] = ..., records: _Optional[str] = ..., wall_ms: _Optional[float] = ..., cpu_ms: _Optional[float] = ..., detail: _Optional[str] = ...) -> None: ...

class ExecuteResponse(_message.Message):
    __slots__ = ("runs", "compile", "has_compile", "error", "backend")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    COMPILE_FIELD_NUMBER: _ClassVar[int]
    HAS_COMPILE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[RunResult]
    compile: RunResult
    has_compile: bool
    error: str
    backend: str
    def __init__(self, runs: _Optional[_Iterable[_Union[RunResult, _Mapping]]] = ..., compile: _Optional[_Union[RunResult, _Mapping]] = ..., has_compile: _Optional[bool] = ..., error: _Optional[str] = ..., backend: _Optional[str] = ...) -> None: ...

class SandboxInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SandboxInfo(_message.Message):
    __slots__ = ("backend", "languages", "layers", "off", "workers")
    class OffEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    OFF_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    backend: str
    languages: str
    layers: str
    off: _containers.ScalarMap[str, str]
    workers: int
    def __init__(self, backend: _Optional[str] = ..., languages: _Optional[str] = ..., layers: _Optional[str] = ..., off: _Optional[_Mapping[str, str]] = ..., workers: _Optional[int] = ...) -> None: ...
