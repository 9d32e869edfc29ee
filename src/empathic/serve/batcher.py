"""Reads concurrent /v1/analyze requests in shared encoder batches, fairly, on one thread.

One thread owns the encoder, so requests never fight over the two cores. Each batch takes at
most ``max_messages`` messages, shared out round-robin over the requests waiting: a request of
2,000 messages is read in slices, and a one-message request that arrives meanwhile goes into the
very next batch instead of waiting for the whole large one (issue 17, fair analyze).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from empathic.engine import Engine
from empathic.types import Reading

_STOP = object()


@dataclass
class _Job:
    texts: list[str]
    histories: list[list[str]]
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop
    done: int = 0
    readings: list[Reading] = field(default_factory=list)

    @property
    def left(self) -> int:
        return len(self.texts) - self.done


class AnalyzeBatcher:
    # 16: the encoder reads no faster per message in larger batches (benchmarks/serve.py, engine
    # alone: best at 8-16), and a request arriving mid-batch waits for the whole batch.
    def __init__(self, engine: Engine, max_messages: int = 16, threads: int = 1):
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
        self._queue.put(_Job(list(texts), [list(h) for h in histories], future, loop))
        return await future

    def close(self) -> None:
        self._queue.put(_STOP)  # each thread passes it on before it stops
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self) -> None:
        pending: list[_Job] = []
        while True:
            try:
                item: Any = self._queue.get(block=not pending)
            except queue.Empty:
                item = None
            while item is not None:
                if item is _STOP:
                    self._queue.put(_STOP)
                    for job in pending:
                        _settle(job, exception=RuntimeError("the server is stopping"))
                    return
                if item.texts:
                    pending.append(item)
                else:
                    _settle(item, result=[])
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            if pending:
                self._batch(pending)
                pending = [job for job in pending if job.left > 0]

    def _shares(self, pending: list[_Job]) -> list[tuple[_Job, int]]:
        """How many messages of each waiting request go into the next batch: round-robin, a
        fair share each, the rest to whoever still has messages."""
        room = self.max_messages
        taken = {id(job): 0 for job in pending}
        while room > 0:
            wanting = [job for job in pending if job.left - taken[id(job)] > 0]
            if not wanting:
                break
            share = max(1, room // len(wanting))
            for job in wanting:
                n = min(share, job.left - taken[id(job)], room)
                taken[id(job)] += n
                room -= n
                if room == 0:
                    break
        return [(job, taken[id(job)]) for job in pending if taken[id(job)] > 0]

    def _batch(self, pending: list[_Job]) -> None:
        shares = self._shares(pending)
        texts = [t for job, n in shares for t in job.texts[job.done : job.done + n]]
        histories = [h for job, n in shares for h in job.histories[job.done : job.done + n]]
        try:
            readings = self.engine.analyze(texts, histories)
        except Exception:  # noqa: BLE001 - find the request that failed; the others go on
            for job, n in shares:
                self._alone(job, n)
            return
        start = 0
        for job, n in shares:
            self._advance(job, readings[start : start + n])
            start += n

    def _alone(self, job: _Job, n: int) -> None:
        try:
            readings = self.engine.analyze(
                job.texts[job.done : job.done + n], job.histories[job.done : job.done + n]
            )
        except Exception as exc:  # noqa: BLE001 - handed to the request that caused it
            job.done = len(job.texts)
            _settle(job, exception=exc)
            return
        self._advance(job, readings)

    def _advance(self, job: _Job, readings: list[Reading]) -> None:
        job.readings.extend(readings)
        job.done += len(readings)
        if job.left == 0:
            _settle(job, result=job.readings)


def _settle(job: _Job, result=None, exception: BaseException | None = None) -> None:
    future = job.future

    def settle() -> None:
        if future.done():
            return
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)

    job.loop.call_soon_threadsafe(settle)
