"""Batches across worker processes: many rows evaluated in parallel, each worker with its own engine.

durable's C core holds the GIL, so a register of 10,000 rows scales with processes, not threads,
and a portfolio job should not run on a web worker's own engine. `EnginePool` keeps a few worker
processes (started once, each loading the catalogue and registering its rulesets once) and
hands them chunks of rows:

    pool = EnginePool(catalogue, processes=2)
    results = pool.map(task, items, chunk_size=500, progress=lambda done: ...)
    pool.close()

`task(evaluator, item)` is any module-level function (it is pickled by name), run in a worker
with an `Evaluator` over this catalogue; results come back in the order of `items`, and
`progress(done)` is called in the caller's thread after every chunk. Each worker holds up to
`IN_FLIGHT` chunks, so it never waits while this process takes in an answer. `triage_many` is the
ready-made task for answer sets: fired ids and the score, as `Evaluator.triage` gives them.

Nothing is lost when the engine fails:
- an engine error on one row (a refused fact) is answered for that row by the plain-Python
  reference evaluator inside the worker (exact; counted in `stats["row_fallbacks"]`);
- a worker that crashes (abort, segfault, killed) or hangs past `chunk_timeout` is stopped and
  replaced, and the chunk it was on goes round once more (the chunk queued behind it goes round
  too, not counted as failed); a chunk that breaks a worker twice is
  evaluated here, in this process, with the reference evaluator (`stats["chunk_fallbacks"]`),
  so the batch always completes. Each worker is a process with a pipe that this pool watches
  (not `ProcessPoolExecutor`, which on Python 3.11 can hang when one of its workers dies).

`last_stats` holds the counts of the latest `map` (what a job records), `stats` the totals.
If `progress` raises (a job that was cancelled), the chunks in flight are abandoned: their
workers are stopped (and replaced on the next call), so no stale answer reaches a later batch.
A worker ends with its parent: it reads EOF on its pipe, and on Linux it is also sent SIGKILL
when its parent process dies (even in the middle of a chunk).

The portfolio job keeps one pool per catalogue for the life of the job worker
(`app.portfolio.batch.evaluate_in_processes`).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.reduction import ForkingPickler as _ForkingPickler
from typing import Any

from app import collector
from app.engine.adapter import DurableEngine, EngineError
from app.engine.evaluator import Evaluator
from app.engine.reference import ReferenceEngine
from app.rules.catalogue import Catalogue

log = logging.getLogger(__name__)

_EVALUATOR: Evaluator | None = None
_ROW_FALLBACKS = 0


class _FallbackEngine:
    """A worker's engine: durable, and for a row durable refuses, the reference evaluator."""

    def __init__(self) -> None:
        self.durable = DurableEngine()
        self.reference = ReferenceEngine()

    def ensure_registered(self, name, compiled) -> None:
        self.durable.ensure_registered(name, compiled)
        self.reference.ensure_registered(name, compiled)

    def fire(self, name, answers):
        global _ROW_FALLBACKS
        try:
            return self.durable.fire(name, answers)
        except EngineError as exc:
            _ROW_FALLBACKS += 1
            log.warning("rule-engine faalde op ruleset %s: %s; de referentie-evaluator nam de rij over", name, exc)
            return self.reference.fire(name, answers, f"durable-rules faalde ({exc})")

    def live_sessions(self) -> int:
        return self.durable.live_sessions()


def _init_worker(catalogue: Catalogue) -> None:
    global _EVALUATOR
    _EVALUATOR = Evaluator(catalogue, _FallbackEngine())


def _run_chunk(task: Callable[[Evaluator, Any], Any], items: Sequence[Any]) -> tuple[list[Any], int]:
    """Run `task` over one chunk in a worker; return the results and the rows that fell back."""
    global _ROW_FALLBACKS
    _ROW_FALLBACKS = 0
    results = [task(_EVALUATOR, item) for item in items]
    return results, _ROW_FALLBACKS


def triage_task(evaluator: Evaluator, item: tuple[str, dict[str, Any]]):
    """The fired ids and score of one validated answer set: `(scan, answers)` → `Evaluator.triage`."""
    scan, answers = item
    return evaluator.triage(scan, answers)


class _Worker:
    """One worker process, the pipe to it, and a thread that writes to that pipe.

    Chunks are sent ahead (`EnginePool.IN_FLIGHT`), and a chunk is larger than a pipe's buffer: a
    send from the pool's own thread would block while the worker, busy with the chunk before,
    blocks sending its answer to a pool that is not reading — a deadlock. So sending is this
    worker's thread's work; the pool's thread only ever waits for answers (and for the timeout).
    """

    def __init__(self, context, catalogue: Catalogue):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, catalogue), daemon=True)
        self.process.start()
        child.close()
        #: The chunks sent to this worker and not answered yet, oldest first (it works on the first).
        self.chunks: collections.deque[int] = collections.deque()
        #: When the worker started on its first chunk (monotonic), for the hang timeout.
        self.since = 0.0
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write, name="engine-pool-send", daemon=True)
        self._writer.start()

    def send(self, message: bytes) -> None:
        """Queue a pickled message for the worker (never blocks; the worker's `recv` unpickles it)."""
        self._outbox.put(message)

    def _write(self) -> None:
        while (message := self._outbox.get()) is not None:
            try:
                self.conn.send_bytes(message)
            except (OSError, ValueError):  # the worker is gone or stopped: the pool sees that on its pipe
                return

    def stop(self) -> None:
        """Kill the process first (a write in progress then fails), let the writer end, then close the pipe."""
        self._outbox.put(None)
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self._writer.join(timeout=5)
        if self._writer.is_alive():  # closing now could let it write into a descriptor reused by a new pipe
            log.warning("de schrijfdraad van een werkproces stopte niet; de pijp blijft open")
            return
        self.conn.close()


def _die_with_parent() -> None:
    """Linux: have the kernel kill this worker when its parent dies (a hang in the C core cannot stop that)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _serve(conn, catalogue: Catalogue) -> None:
    """A worker's loop: evaluate the chunks it is sent until the pipe closes."""
    _die_with_parent()
    _init_worker(catalogue)
    while True:
        with collector.paused():  # a chunk is thousands of new objects and no cyclic garbage
            try:
                task, items = conn.recv()
            except (EOFError, OSError):
                return
            try:
                conn.send(("ok", _run_chunk(task, items)))
            except Exception as exc:  # a fault in the task itself: reported, not retried
                conn.send(("error", f"{type(exc).__name__}: {exc}"))


class EnginePool:
    """Worker processes that evaluate chunks of rows with their own engine; see the module docstring."""

    def __init__(
        self,
        catalogue: Catalogue,
        processes: int = 2,
        start_method: str = "forkserver",
        chunk_timeout: float = 120.0,
    ):
        self.catalogue = catalogue
        self.processes = processes
        self.chunk_timeout = chunk_timeout
        self._context = multiprocessing.get_context(start_method)
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()  # one batch at a time: a worker's pipe carries one batch's chunks
        self.stats = {"chunks": 0, "row_fallbacks": 0, "chunk_retries": 0, "chunk_fallbacks": 0, "worker_starts": 0}
        self.last_stats = dict(self.stats)

    def _ensure_workers(self) -> None:
        """Start workers until `processes` are alive.

        A dead worker that still holds chunks stays listed: its pipe gives the answers it sent
        before it died, then end-of-file, and `_map` handles that (`_lost`); one holding nothing
        is stopped and dropped here.
        """
        for worker in [w for w in self._workers if not w.chunks and not w.process.is_alive()]:
            worker.stop()
            self._workers.remove(worker)
        while sum(w.process.is_alive() for w in self._workers) < self.processes:
            self._workers.append(_Worker(self._context, self.catalogue))
            self.stats["worker_starts"] += 1

    def warm_up(self) -> None:
        """Start every worker now (catalogue loaded, rulesets registered), not on the first batch."""
        self.map(_noop, list(range(self.processes)), chunk_size=1)

    def close(self) -> None:
        with self._lock:
            for worker in self._workers:
                worker.stop()
            self._workers = []

    def __enter__(self) -> EnginePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def map(
        self,
        task: Callable[[Evaluator, Any], Any],
        items: Sequence[Any],
        chunk_size: int = 500,
        progress: Callable[[int], None] | None = None,
    ) -> list[Any]:
        """`task(evaluator, item)` for every item, across the workers; results in item order."""
        with self._lock:
            before = dict(self.stats)
            try:
                return self._map(task, items, chunk_size, progress)
            except BaseException:
                self._abandon()
                raise
            finally:
                self.last_stats = {k: v - before[k] for k, v in self.stats.items()}

    def _abandon(self) -> None:
        """Stop the workers still busy with a chunk of an abandoned batch (their answers would be stale)."""
        for worker in [w for w in self._workers if w.chunks]:
            worker.stop()
            self._workers.remove(worker)

    #: Chunks sent ahead to a worker: it starts on the next one while this process takes in its
    #: answer and reports progress, instead of waiting for that (issue 18).
    IN_FLIGHT = 2

    def _map(self, task, items: Sequence[Any], chunk_size: int, progress) -> list[Any]:
        chunks = [items[i : i + chunk_size] for i in range(0, len(items), chunk_size)]
        results: list[list[Any] | None] = [None] * len(chunks)
        failures = [0] * len(chunks)
        todo = collections.deque(range(len(chunks)))
        done_items = 0
        while todo or any(w.chunks for w in self._workers):
            self._ensure_workers()
            self._send(task, chunks, todo)
            busy = {w.conn: w for w in self._workers if w.chunks}
            for conn in multiprocessing.connection.wait(list(busy), timeout=1.0):
                worker = busy[conn]
                try:
                    reply = conn.recv()
                except (EOFError, OSError):  # the worker died (abort, segfault, killed)
                    done_items += self._lost(worker, task, chunks, failures, results, todo, "stopte onverwacht")
                    if progress:
                        progress(done_items)
                    continue
                index = worker.chunks.popleft()
                worker.since = time.monotonic()
                if reply[0] == "error":
                    raise RuntimeError(f"de batch-taak faalde: {reply[1]}")
                results[index], fallbacks = reply[1]
                self.stats["chunks"] += 1
                self.stats["row_fallbacks"] += fallbacks
                done_items += len(chunks[index])
                self._send(task, chunks, todo)  # keep it busy before reporting progress
                if progress:
                    progress(done_items)
            now = time.monotonic()
            for worker in [w for w in self._workers if w.chunks and now - w.since > self.chunk_timeout]:
                done_items += self._lost(worker, task, chunks, failures, results, todo, "hing")
                if progress:
                    progress(done_items)
        return [result for chunk in results for result in chunk]

    def _send(self, task, chunks, todo: collections.deque) -> None:
        """Give the live workers chunks in turn (one each, then a second each) up to `IN_FLIGHT`.

        The chunk is pickled here, so an item that cannot be pickled fails the batch at once."""
        live = [w for w in self._workers if w.process.is_alive()]
        for depth in range(1, self.IN_FLIGHT + 1):
            for worker in live:
                if todo and len(worker.chunks) < depth:
                    index = todo.popleft()
                    if not worker.chunks:
                        worker.since = time.monotonic()
                    worker.chunks.append(index)
                    worker.send(_ForkingPickler.dumps((task, chunks[index])))

    def _lost(self, worker: _Worker, task, chunks, failures, results, todo, how: str) -> int:
        """A worker that died or hung: stop it; the chunk it was on counts as failed (`_failed`), the
        chunks queued behind it go back in line unharmed, in their order.

        Returns the rows completed by this step (0 when the chunk goes round again).
        """
        worker.stop()
        self._workers.remove(worker)
        current, *queued = worker.chunks
        worker.chunks = collections.deque()
        todo.extendleft(reversed(queued))
        return self._failed(task, chunks, current, failures, results, todo, how)

    def _failed(self, task, chunks, index, failures, results, todo, how: str) -> int:
        """A chunk whose worker died or hung: retried once, then evaluated here by the reference.

        Returns the rows completed by this step (0 when the chunk goes round again).
        """
        failures[index] += 1
        log.warning("een werkproces van de engine-pool %s; het wordt vervangen", how)
        if failures[index] < 2:
            self.stats["chunk_retries"] += 1
            todo.appendleft(index)
            return 0
        self.stats["chunk_fallbacks"] += 1
        log.warning("%d rijen braken de engine twee keer; de referentie-evaluator nam ze over", len(chunks[index]))
        evaluator = Evaluator(self.catalogue, ReferenceEngine())
        results[index] = [task(evaluator, item) for item in chunks[index]]
        return len(chunks[index])

    def triage_many(
        self,
        scan: str,
        answer_sets: Sequence[dict[str, Any]],
        chunk_size: int = 500,
        progress: Callable[[int], None] | None = None,
    ) -> list:
        """Fired ids and score of many validated answer sets, as `Evaluator.triage` gives them."""
        return self.map(triage_task, [(scan, answers) for answers in answer_sets], chunk_size, progress)


def _noop(evaluator: Evaluator, item: Any) -> None:
    return None
