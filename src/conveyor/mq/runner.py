"""The consumers runner: keeps each declared consumer's processes alive, one runner at a time.

Magento runs consumers from cron (``consumers_runner``); here the same job works from cron (``--once``:
spawn what is missing, detached) or as a supervisor that restarts consumers when they exit (for example
after ``max_messages``). A lease lock in the database keeps a second runner, on any machine, out.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

from conveyor.db.locks import LeaseLock
from conveyor.mq.consumer import worker_id
from conveyor.mq.middleware.registry import live_workers
from conveyor.mq.queue import MessageQueue
from conveyor.mq.stats import count_messages
from conveyor.mq.topology import Consumer

log = logging.getLogger("conveyor.runner")
LOCK_NAME = "queue.consumers-runner"


class ConsumersRunner:
    def __init__(self, mq: MessageQueue, topology_files: Sequence[str], *, max_messages: int | None = None) -> None:
        self.mq = mq
        self.topology_files = list(topology_files)
        self.max_messages = max_messages
        self.lock = LeaseLock(mq.engine, LOCK_NAME, owner=worker_id(), ttl=60)
        self.children: dict[str, list[subprocess.Popen[bytes]]] = {}
        self._stopping = False

    def consumers(self) -> list[Consumer]:
        """Declared consumers with a Python handler (Magento PHP handlers cannot run here)."""
        runnable = []
        for consumer in self.mq.topology.consumers.values():
            if consumer.handler is None or not consumer.handler.is_python:
                log.warning("consumer %s has no Python handler; not started", consumer.name)
                continue
            runnable.append(consumer)
        return runnable

    def wanted(self, consumer: Consumer) -> int:
        """How many processes the consumer should have now."""
        if consumer.only_spawn_when_message_available:
            [counts] = count_messages(self.mq, [consumer.queue], cap=1)  # is there one? (not: how many)
            if counts.waiting + counts.retrying == 0:
                return 0
        return consumer.processes

    def command(self, consumer: Consumer) -> list[str]:
        args = [sys.executable, "-m", "conveyor", "queue", "consume", consumer.name]
        for path in self.topology_files:
            args += ["--topology", path]
        if self.max_messages and not consumer.max_messages:
            args += ["--max-messages", str(self.max_messages)]
        return args

    def _alive(self, consumer: Consumer, detach: bool) -> int:
        if detach:
            return sum(
                1
                for w in live_workers(self.mq.engine, self.mq.settings.queue_worker_dead_after_seconds)
                if w.consumer == consumer.name
            )
        running = [p for p in self.children.get(consumer.name, []) if p.poll() is None]
        self.children[consumer.name] = running
        return len(running)

    def spawn_missing(self, *, detach: bool = False) -> int:
        spawned = 0
        for consumer in self.consumers():
            for _ in range(self.wanted(consumer) - self._alive(consumer, detach)):
                process = subprocess.Popen(
                    self.command(consumer),
                    start_new_session=detach,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL if detach else None,
                    stderr=subprocess.DEVNULL if detach else None,
                )
                self.children.setdefault(consumer.name, []).append(process)
                log.info("started consumer %s (pid %d)", consumer.name, process.pid)
                spawned += 1
        return spawned

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def supervise(self, interval: float = 5.0, *, rounds: int | None = None) -> None:
        """Keep consumers alive until SIGTERM/SIGINT (or ``rounds`` checks, for tests)."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            done = 0
            while not self._stopping and (rounds is None or done < rounds):
                if not self.lock.acquire():
                    log.error("lost the consumers-runner lock to %s; stopping", self.lock.holder())
                    break
                self.spawn_missing()
                self.mq.relay_outbox()
                done += 1
                deadline = time.monotonic() + interval
                while not self._stopping and time.monotonic() < deadline:
                    time.sleep(0.1)
        finally:
            self.stop_children()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop_children(self, timeout: float = 30.0) -> None:
        """SIGTERM every child (each finishes its message), then SIGKILL stragglers after ``timeout``."""
        processes = [p for group in self.children.values() for p in group if p.poll() is None]
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in processes:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.children.clear()
