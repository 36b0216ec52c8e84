"""Work-order models: the taxonomy and dispatch catalogue, and the orders themselves."""

from yiwang.workorders.models.order import (
    IdempotencyKey,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderSequence,
)
from yiwang.workorders.models.taxonomy import Category, DispatchRule

__all__ = [
    "Category",
    "DispatchRule",
    "IdempotencyKey",
    "WorkOrder",
    "WorkOrderEvent",
    "WorkOrderSequence",
]
