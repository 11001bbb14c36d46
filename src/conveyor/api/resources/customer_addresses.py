"""Customer addresses by id: Magento's ``GET /V1/customers/addresses/{id}`` and ``DELETE /V1/addresses/{id}``."""

from __future__ import annotations

from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.customers import MANAGE, magento_errors
from conveyor.catalog.customers import AddressRecord, addresses


@operations.read("/V1/customers/addresses/{addressId}", resource=MANAGE)
def get_address(ctx: OperationContext, params: dict[str, str]) -> AddressRecord:
    """One address with its default billing/shipping flags."""
    with magento_errors():
        return addresses.get(ctx.conn, int_param(params, "addressId"))


@operations.write("DELETE", "/V1/addresses/{addressId}", resource=MANAGE)
def delete_address(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete an address; a customer's default billing/shipping pointing at it is cleared."""
    with magento_errors():
        return addresses.delete(ctx.conn, int_param(params, "addressId"))
