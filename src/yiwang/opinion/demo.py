"""Demo data of the opinion analytics: one surge detection over the sample orders and one
analysis report in the history (the leader's, of the last 30 days, all domains)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.progress import ProgressCallback
from yiwang.opinion.domains import ALL
from yiwang.opinion.services import detect_surges, generate_report, request_report

DEMO_AUTHOR = "leader"


def load_demo_data(*, scale: str, seed: int, progress: ProgressCallback) -> str:
    """Surge alerts from the sample orders, and one generated report. Deterministic for the
    same orders (the text sample is seeded by the period); ``seed`` and ``scale`` change
    nothing here — the orders they made do."""
    progress("Opinion analytics", 0, 2)
    with transaction.atomic():
        alerts = detect_surges()
        progress("Opinion analytics", 1, 2)
        author = User.objects.filter(username=DEMO_AUTHOR).first()
        if author is None:
            return f"opinion: {len(alerts)} surge alerts; no {DEMO_AUTHOR} account, no report"
        end = timezone.localdate()
        report = request_report(
            actor=author, domain=ALL, start=end - timedelta(days=29), end=end, background=False
        )
        report = generate_report(report.pk)
    progress("Opinion analytics", 2, 2)
    return (
        f"opinion: {len(alerts)} surge alerts, 1 analysis report "
        f"({report.summary.get('orders', 0)} requests of the last 30 days)"
    )
