"""Payment transactions: Magento's ``GET /V1/transactions`` and ``GET /V1/transactions/{id}`` (read only).

Rows are recorded by online captures, voids and refunds (``conveyor.catalog.sales`` transactions).
"""

from __future__ import annotations

from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.search import SearchCriteria, SearchResults, search_page
from conveyor.catalog.sales import TransactionRecord, get_transaction, search_transactions, transaction_search_fields

RESOURCE = "Magento_Sales::transactions_fetch"


@operations.read("/V1/transactions/{id}", resource=RESOURCE)
def read_transaction(ctx: OperationContext, params: dict[str, str]) -> TransactionRecord:
    """One transaction with its child transactions (a capture's refunds and void)."""
    return get_transaction(ctx.conn, int_param(params, "id"))


@operations.search("/V1/transactions", resource=RESOURCE)
def list_transactions(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[TransactionRecord]:
    """Transactions matching searchCriteria (order_id, txn_type, txn_id, parent_txn_id, …)."""
    return search_page(
        ctx.conn, criteria, transaction_search_fields(), search_transactions, SearchResults[TransactionRecord]
    )
