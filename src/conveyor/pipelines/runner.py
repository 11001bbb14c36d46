"""The runner: the handler of queue ``pipeline_process_steps``, run by ``conveyor pipeline runner`` (or any
``conveyor queue consume``) on any number of machines.

For each ``{"step_id"}`` message it claims the step (only if it is enqueued, in error with attempts left, or left
running by this very message's dead runner), runs the executor, stores status, output and log, then — the mini
heartbeat — enqueues that pipeline's next ready steps at once. A failed attempt is an outcome, not a queue error:
the message is acknowledged and the step, in error with attempts left, is enqueued again.
"""

from __future__ import annotations

import io
import logging
import time
import traceback
from collections.abc import Callable
from typing import Any, Protocol

import orjson

from conveyor.db.engine import now as wall_clock
from conveyor.metrics import STEP_SECONDS
from conveyor.mq.consumer import PermanentError
from conveyor.mq.envelope import Envelope
from conveyor.mq.handlers import handler_factory
from conveyor.mq.queue import MessageQueue
from conveyor.pipelines import registry as plugins
from conveyor.pipelines import store
from conveyor.pipelines.heartbeat import mini_heartbeat
from conveyor.pipelines.ports import StepOutcome, StepRun
from conveyor.pipelines.schema import StepStatus
from conveyor.settings import Settings, settings_or_default

log = logging.getLogger("conveyor.pipelines.runner")
STEP_LOGGERS = logging.getLogger("conveyor.pipelines.step")
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


class _Capture(logging.Handler):
    """Keeps a step's log lines, and passes them on where the process logs this level anyway."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.buffer = io.StringIO()
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.buffer.write(self.format(record) + "\n")
        if STEP_LOGGERS.isEnabledFor(record.levelno):
            STEP_LOGGERS.handle(record)


def step_logger(pipeline: str, step: str) -> tuple[logging.Logger, _Capture]:
    """A logger of its own per attempt (not registered globally, so it is freed with the attempt)."""
    logger = logging.Logger(f"{STEP_LOGGERS.name}.{pipeline}.{step}", logging.DEBUG)
    logger.propagate = False
    capture = _Capture()
    logger.addHandler(capture)
    return logger, capture


def parse_step_id(envelope: Envelope) -> int:
    try:
        payload = envelope.json()
    except orjson.JSONDecodeError as exc:
        raise PermanentError(f"not a pipeline step message: {exc}") from exc
    step_id = payload.get("step_id") if isinstance(payload, dict) else None
    if isinstance(step_id, bool) or not isinstance(step_id, int):
        raise PermanentError(f"not a pipeline step message (no integer step_id): {payload!r}")
    return step_id


class StepRunner:
    """Runs the step of each message with its registered executor."""

    def __init__(
        self,
        mq: MessageQueue,
        settings: Settings | None = None,
        *,
        executors: plugins.Registry[Any] | None = None,
        clock: Callable[[], float] = wall_clock,
    ) -> None:
        self.mq = mq
        self.settings = settings_or_default(settings or mq.settings)
        self.executors = executors or plugins.executors
        self.clock = clock

    def __call__(self, envelope: Envelope) -> None:
        step_id = parse_step_id(envelope)
        engine = self.mq.engine
        with engine.begin() as conn:
            claimed = store.claim_step(conn, step_id, envelope.message_id, self.clock())
            gave_up = claimed is None and store.give_up_dead_attempt(conn, step_id, envelope.message_id, self.clock())
        if claimed is None:
            if gave_up:
                log.warning("step %d: its runner died during the last attempt; the step failed", step_id)
                row = self._pipeline_of(step_id)
                if row is not None:
                    self._after(row)
            else:
                log.debug("step %d: not to run (a duplicate, finished, or its pipeline stopped)", step_id)
            return
        logger, capture = step_logger(claimed.pipeline_name, claimed.name)
        run = StepRun(
            step_id=claimed.id,
            pipeline_id=claimed.pipeline_id,
            pipeline_name=claimed.pipeline_name,
            step_name=claimed.name,
            attempt=claimed.attempt,
            arguments=claimed.arguments,
            working_dir=claimed.working_dir,
            engine=engine,
            log=logger,
            mq=self.mq,
        )
        began = time.perf_counter()
        status, output, error = self._execute(claimed.executor, run)
        STEP_SECONDS.labels(claimed.pipeline_name, str(status)).observe(time.perf_counter() - began)
        with engine.begin() as conn:
            stored = store.finish_step(
                conn,
                claimed.id,
                envelope.message_id,
                status=status,
                now=self.clock(),
                output=output or None,
                log=capture.buffer.getvalue() or None,
                error=error,
            )
        if not stored:
            log.warning("step %d: the attempt outlived its expiry; its outcome (%s) is not recorded", step_id, status)
        else:
            log.info(
                "pipeline %d %s, step %s attempt %d/%d: %s",
                claimed.pipeline_id,
                claimed.pipeline_name,
                claimed.name,
                claimed.attempt,
                claimed.max_attempts,
                status,
            )
        self._after(claimed.pipeline_id)

    def _execute(self, executor_name: str, run: StepRun) -> tuple[StepStatus, str, str | None]:
        """(status, output, error) of one attempt; an exception fails the attempt with its traceback logged."""
        try:
            executor = self.executors.create(executor_name)
            outcome = executor.process(run)
        except Exception as exc:
            run.log.error("attempt %d failed:\n%s", run.attempt, traceback.format_exc().rstrip())
            return StepStatus.ERROR, "", f"{type(exc).__name__}: {exc}"
        if outcome is None:
            outcome = StepOutcome()
        status = StepStatus.SKIPPED if outcome.status == "skipped" else StepStatus.SUCCESS
        return status, outcome.output, None

    def _after(self, pipeline_id: int) -> None:
        if self.settings.pipeline_mini_heartbeat:
            mini_heartbeat(self.mq, pipeline_id, self.clock)

    def _pipeline_of(self, step_id: int) -> int | None:
        with self.mq.engine.connect() as conn:
            row = store.step(conn, step_id)
        return int(row.pipeline_id) if row is not None else None


class PipelineHost(Protocol):
    """What the built-in consumer needs of the running application (``conveyor.app.App``)."""

    @property
    def mq(self) -> MessageQueue: ...

    @property
    def settings(self) -> Settings: ...


@handler_factory
def handle(app: PipelineHost) -> StepRunner:
    """The built-in consumer's handler (``conveyor queue consume pipeline_process_steps``): the App's queue."""
    return StepRunner(app.mq, app.settings)
