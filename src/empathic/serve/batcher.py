"""Reads concurrent /v1/analyze requests in one encoder batch, on one thread.

One thread owns the encoder, so requests never fight over the two cores, and whatever arrived
while a batch ran goes into the next one.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Sequence

from empathic.engine import Engine
from empathic.types import Reading

_STOP = object()


class AnalyzeBatcher:
    def __init__(self, engine: Engine, max_messages: int = 64, threads: int = 1):
        self.engine = engine
        self.max_messages = max_messages
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name=f"empathic-analyze-{i}", daemon=True)
            for i in range(max(1, threads))
        ]
        for thread in self._threads:
            thread.start()

    async def analyze(
        self, texts: Sequence[str], histories: Sequence[Sequence[str]]
    ) -> list[Reading]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._queue.put((list(texts), [list(h) for h in histories], future, loop))
        return await future

    def close(self) -> None:
        self._queue.put(_STOP)  # each thread passes it on before it stops
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                self._queue.put(_STOP)
                return
            jobs = [first]
            size = len(first[0])
            while size < self.max_messages:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    self._queue.put(_STOP)
                    break
                jobs.append(job)
                size += len(job[0])
            self._read(jobs)

    def _read(self, jobs: list) -> None:
        texts = [t for job in jobs for t in job[0]]
        histories = [h for job in jobs for h in job[1]]
        try:
            readings = self.engine.analyze(texts, histories)
        except Exception as exc:
            if len(jobs) > 1:  # find the request that failed; the others still get answers
                for job in jobs:
                    self._read([job])
                return
            _settle(jobs[0], exception=exc)
            return
        start = 0
        for job in jobs:
            _settle(job, result=readings[start : start + len(job[0])])
            start += len(job[0])


def _settle(job, result=None, exception: BaseException | None = None) -> None:
    _, _, future, loop = job

    def settle() -> None:
        if future.done():
            return
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)

    loop.call_soon_threadsafe(settle)
