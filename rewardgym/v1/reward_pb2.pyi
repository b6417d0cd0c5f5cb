from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATUS_UNSPECIFIED: _ClassVar[Status]
    OK: _ClassVar[Status]
    NO_ANSWER: _ClassVar[Status]
    INVALID_REFERENCE: _ClassVar[Status]
    UNKNOWN_TASK: _ClassVar[Status]
    TIMEOUT: _ClassVar[Status]
    SANDBOX_ERROR: _ClassVar[Status]
    INTERNAL_ERROR: _ClassVar[Status]
    REJECTED: _ClassVar[Status]
STATUS_UNSPECIFIED: Status
OK: Status
NO_ANSWER: Status
INVALID_REFERENCE: Status
UNKNOWN_TASK: Status
TIMEOUT: Status
SANDBOX_ERROR: Status
INTERNAL_ERROR: Status
REJECTED: Status

class Reference(_message.Message):
    __slots__ = ("json", "value")
    JSON_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    json: str
    value: _struct_pb2.Value
    def __init__(self, json: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class ScoreItem(_message.Message):
    __slots__ = ("id", "task", "completion", "reference", "reference_index", "group")
    ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_INDEX_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    id: str
    task: str
    completion: str
    reference: Reference
    reference_index: int
    group: str
    def __init__(self, id: _Optional[str] = ..., task: _Optional[str] = ..., completion: _Optional[str] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ..., reference_index: _Optional[int] = ..., group: _Optional[str] = ...) -> None: ...

class ScoreOptions(_message.Message):
    __slots__ = ("weights", "item_deadline_s", "no_cache")
    class WeightsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    ITEM_DEADLINE_S_FIELD_NUMBER: _ClassVar[int]
    NO_CACHE_FIELD_NUMBER: _ClassVar[int]
    weights: _containers.ScalarMap[str, float]
    item_deadline_s: float
    no_cache: bool
    def __init__(self, weights: _Optional[_Mapping[str, float]] = ..., item_deadline_s: _Optional[float] = ..., no_cache: _Optional[bool] = ...) -> None: ...

class ScoreRequest(_message.Message):
    __slots__ = ("items", "references", "options", "default_task", "request_id")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_TASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ScoreItem]
    references: _containers.RepeatedCompositeFieldContainer[Reference]
    options: ScoreOptions
    default_task: str
    request_id: str
    def __init__(self, items: _Optional[_Iterable[_Union[ScoreItem, _Mapping]]] = ..., references: _Optional[_Iterable[_Union[Reference, _Mapping]]] = ..., options: _Optional[_Union[ScoreOptions, _Mapping]] = ..., default_task: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ScoreResult(_message.Message):
    __slots__ = ("index", "id", "reward", "status", "components", "extracted", "detail", "task_version", "elapsed_s", "cached")
    class ComponentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    EXTRACTED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    TASK_VERSION_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    CACHED_FIELD_NUMBER: _ClassVar[int]
    index: int
    id: str
    reward: float
    status: Status
    components: _containers.ScalarMap[str, float]
    extracted: str
    detail: str
    task_version: str
    elapsed_s: float
    cached: bool
    def __init__(self, index: _Optional[int] = ..., id: _Optional[str] = ..., reward: _Optional[float] = ..., status: _Optional[_Union[Status, str]] = ..., components: _Optional[_Mapping[str, float]] = ..., extracted: _Optional[str] = ..., detail: _Optional[str] = ..., task_version: _Optional[str] = ..., elapsed_s: _Optional[float] = ..., cached: _Optional[bool] = ...) -> None: ...

class ScoreResponse(_message.Message):
    __slots__ = ("results", "groups")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ScoreResult]
    groups: _containers.RepeatedCompositeFieldContainer[GroupSummary]
    def __init__(self, results: _Optional[_Iterable[_Union[ScoreResult, _Mapping]]] = ..., groups: _Optional[_Iterable[_Union[GroupSummary, _Mapping]]] = ...) -> None: ...

class GroupSummary(_message.Message):
    __slots__ = ("group", "count", "valid", "mean", "std", "all_equal")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    ALL_EQUAL_FIELD_NUMBER: _ClassVar[int]
    group: str
    count: int
    valid: int
    mean: float
    std: float
    all_equal: bool
    def __init__(self, group: _Optional[str] = ..., count: _Optional[int] = ..., valid: _Optional[int] = ..., mean: _Optional[float] = ..., std: _Optional[float] = ..., all_equal: _Optional[bool] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TaskInfo(_message.Message):
    __slots__ = ("name", "version", "description", "reference_schema_json", "default_deadline_s", "default_weights", "can_sample", "gym_id", "info")
    class DefaultWeightsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class InfoEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_DEADLINE_S_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    CAN_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    GYM_ID_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    description: str
    reference_schema_json: str
    default_deadline_s: float
    default_weights: _containers.ScalarMap[str, float]
    can_sample: bool
    gym_id: str
    info: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., description: _Optional[str] = ..., reference_schema_json: _Optional[str] = ..., default_deadline_s: _Optional[float] = ..., default_weights: _Optional[_Mapping[str, float]] = ..., can_sample: _Optional[bool] = ..., gym_id: _Optional[str] = ..., info: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "server_version")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    SERVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskInfo]
    server_version: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[TaskInfo, _Mapping]]] = ..., server_version: _Optional[str] = ...) -> None: ...

class SampleRequest(_message.Message):
    __slots__ = ("task", "n", "seed", "options")
    TASK_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    task: str
    n: int
    seed: int
    options: _struct_pb2.Struct
    def __init__(self, task: _Optional[str] = ..., n: _Optional[int] = ..., seed: _Optional[int] = ..., options: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Problem(_message.Message):
    __slots__ = ("prompt", "reference_json")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_JSON_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    reference_json: str
    def __init__(self, prompt: _Optional[str] = ..., reference_json: _Optional[str] = ...) -> None: ...

class SampleResponse(_message.Message):
    __slots__ = ("problems",)
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    problems: _containers.RepeatedCompositeFieldContainer[Problem]
    def __init__(self, problems: _Optional[_Iterable[_Union[Problem, _Mapping]]] = ...) -> None: ...

class ResetRequest(_message.Message):
    __slots__ = ("task", "seed", "options")
    TASK_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    task: str
    seed: int
    options: _struct_pb2.Struct
    def __init__(self, task: _Optional[str] = ..., seed: _Optional[int] = ..., options: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ResetResponse(_message.Message):
    __slots__ = ("episode_id", "observation", "reference_json")
    EPISODE_ID_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_JSON_FIELD_NUMBER: _ClassVar[int]
    episode_id: str
    observation: str
    reference_json: str
    def __init__(self, episode_id: _Optional[str] = ..., observation: _Optional[str] = ..., reference_json: _Optional[str] = ...) -> None: ...

class StepRequest(_message.Message):
    __slots__ = ("episode_id", "action", "options")
    EPISODE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    episode_id: str
    action: str
    options: ScoreOptions
    def __init__(self, episode_id: _Optional[str] = ..., action: _Optional[str] = ..., options: _Optional[_Union[ScoreOptions, _Mapping]] = ...) -> None: ...

class StepResponse(_message.Message):
    __slots__ = ("observation", "reward", "terminated", "truncated", "result")
    OBSERVATION_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    TERMINATED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    observation: str
    reward: float
    terminated: bool
    truncated: bool
    result: ScoreResult
    def __init__(self, observation: _Optional[str] = ..., reward: _Optional[float] = ..., terminated: _Optional[bool] = ..., truncated: _Optional[bool] = ..., result: _Optional[_Union[ScoreResult, _Mapping]] = ...) -> None: ...
