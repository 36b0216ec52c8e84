"""Work-order models: the taxonomy and dispatch catalogue, and the orders themselves."""

from yiwang.workorders.models.kpi import KpiMonth, KpiMonthRefresh
from yiwang.workorders.models.order import (
    Attachment,
    IdempotencyKey,
    Whistle,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderSequence,
)
from yiwang.workorders.models.taxonomy import Category, DispatchRule

__all__ = [
    "Attachment",
    "Category",
    "DispatchRule",
    "IdempotencyKey",
    "KpiMonth",
    "KpiMonthRefresh",
    "Whistle",
    "WorkOrder",
    "WorkOrderEvent",
    "WorkOrderSequence",
]
