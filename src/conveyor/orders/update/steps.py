"""The executor of an ``orders.update`` pipeline's step: apply its document (``order_document``)."""

from __future__ import annotations

from conveyor.db.engine import now
from conveyor.orders.update.ledger import apply_received
from conveyor.pipelines import StepOutcome, StepRun


class DocumentStep:
    """Executor ``order_document``: applies the ledger row ``document_id``; a refusal fails the step with it."""

    def process(self, step: StepRun) -> StepOutcome:
        document_id = int(step.arguments["document_id"])
        applied = apply_received(step.engine, document_id, now=now(), mq=step.mq)
        if applied is None:
            return StepOutcome("skipped", f"document {document_id} is applied already")
        output = f"{applied.kind} {applied.entity_id} of order {applied.increment_id}"
        step.log.info("applied %s", output)
        return StepOutcome(output=output)
