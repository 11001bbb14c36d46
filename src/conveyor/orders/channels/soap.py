"""The SOAP channel (zeep): the document handed to the ERP's order operation, described by its WSDL.

The operation (default ``PlaceOrder``) gets the order's increment id, the idempotency key and the rendered
document (parameter names configurable); the ERP's order id is read from the answer (``id_field``, default
``erpOrderId``). A SOAP fault, an HTTP error or a timeout fails the attempt, which the step retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor.orders.channels import ChannelError, Document, Sent


class SoapOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wsdl: str
    operation: str = "PlaceOrder"
    order_field: str = "orderId"
    key_field: str = "idempotencyKey"
    document_field: str = "document"
    id_field: str = "erpOrderId"
    timeout: float = Field(default=10.0, gt=0)


class SoapChannel:
    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = SoapOptions.model_validate(options)
        self._client: Any = None

    @staticmethod
    def check_options(options: Mapping[str, Any]) -> None:
        SoapOptions.model_validate(options)

    def send(self, document: Document) -> Sent:
        import requests
        import zeep
        from zeep.exceptions import Error as ZeepError
        from zeep.transports import Transport

        o = self.options
        try:
            if self._client is None:
                transport = Transport(timeout=o.timeout, operation_timeout=o.timeout)  # type: ignore[no-untyped-call]
                self._client = zeep.Client(o.wsdl, transport=transport)  # type: ignore[no-untyped-call]
            operation = getattr(self._client.service, o.operation)
            answer = operation(
                **{o.order_field: document.increment_id, o.key_field: document.idempotency_key},
                **{o.document_field: document.content},
            )
        except (ZeepError, requests.RequestException, OSError) as exc:
            raise ChannelError(f"SOAP {o.operation} at {o.wsdl}: {type(exc).__name__}: {exc}") from exc
        erp_order_id = answer if isinstance(answer, str) else getattr(answer, o.id_field, None)
        return Sent(f"{o.wsdl} {o.operation}", None if erp_order_id is None else str(erp_order_id))
