"""Shared helpers for the client tests (no tests here): gRPC client interceptors that count RPCs,
track how many are in flight and keep the requests sent — what a trainer would see on the wire."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import grpc
import grpc.aio

RIGHT = "<think>4*6</think><answer>(1+2+3)*4</answer>"
WRONG = "<answer>1+2+3+4</answer>"
REF = {"numbers": [1, 2, 3, 4], "target": 24}


class Recorder:
    """Counts calls per method, in-flight peak, and keeps the request messages."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, Any]] = []
        self.in_flight = 0
        self.peak = 0

    def enter(self, method: str, request: Any) -> None:
        with self.lock:
            self.calls[method.rsplit("/", 1)[-1]] += 1
            self.requests.append((method.rsplit("/", 1)[-1], request))
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def sent(self, method: str) -> list[Any]:
        return [r for m, r in self.requests if m == method]


class SyncRecorder(Recorder, grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    def intercept_unary_unary(self, continuation, details, request):
        self.enter(details.method, request)
        try:
            return continuation(details, request)  # blocking calls complete inside the continuation
        finally:
            self.leave()

    def intercept_unary_stream(self, continuation, details, request):
        self.enter(details.method, request)
        self.leave()
        return continuation(details, request)


class AsyncRecorder(Recorder, grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_unary(self, continuation, details, request):
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        self.enter(method, request)
        try:
            call = await continuation(details, request)
            await call  # wait for the response so in-flight counts the whole RPC
            return call
        finally:
            self.leave()

    async def intercept_unary_stream(self, continuation, details, request):
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        self.enter(method, request)
        self.leave()
        return await continuation(details, request)
