"""Satisfaction and complaint themes by department: the callbacks' satisfaction and
resolution rates of each lead unit's orders, and the words that set its unhappy requests
(dissatisfied ratings, "not solved" answers, complaints) apart from the other units'."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from yiwang.opinion.corpus import FETCH_CHUNK
from yiwang.opinion.keywords import document_frequencies, log_likelihood
from yiwang.opinion.text import order_text, terms
from yiwang.workorders.choices import UNSATISFIED_RATINGS, Rating, RequestType
from yiwang.workorders.kpis import DEFAULT_SATISFIED
from yiwang.workorders.models import WorkOrder


@dataclass
class DepartmentTheme:
    code: str
    name: str
    orders: int
    rated: int
    satisfied: int
    dissatisfied: int
    called_back: int
    resolved: int
    complaints: int
    keywords: list[str] = field(default_factory=list)

    @property
    def satisfaction_rate(self) -> float | None:
        return round(self.satisfied / self.rated, 4) if self.rated else None

    @property
    def resolution_rate(self) -> float | None:
        return round(self.resolved / self.called_back, 4) if self.called_back else None

    @property
    def unhappy(self) -> int:
        return self.dissatisfied + self.complaints


def _satisfied_ratings() -> tuple[str, ...]:
    if getattr(settings, "KPI_BASICALLY_SATISFIED_COUNTS", True):
        return tuple(DEFAULT_SATISFIED)
    return (Rating.VERY_SATISFIED, Rating.SATISFIED)


def unhappy_q() -> Q:
    return (
        Q(rating__in=UNSATISFIED_RATINGS)
        | Q(resolved=False)
        | Q(request_type=RequestType.COMPLAINT)
    )


def department_themes(
    orders: QuerySet[WorkOrder], *, top: int = 15, per_department: int = 300
) -> list[DepartmentTheme]:
    """Departments by unhappy requests (most first), each with its rates and up to six
    complaint words from up to ``per_department`` of its unhappy requests."""
    rows = (
        orders.filter(lead_department__isnull=False)
        .values("lead_department_id", "lead_department__code", "lead_department__name")
        .annotate(
            orders=Count("id"),
            rated=Count("id", filter=~Q(rating="")),
            satisfied=Count("id", filter=Q(rating__in=_satisfied_ratings())),
            dissatisfied=Count("id", filter=Q(rating__in=UNSATISFIED_RATINGS)),
            called_back=Count("id", filter=Q(resolved__isnull=False)),
            resolved=Count("id", filter=Q(resolved=True)),
            complaints=Count("id", filter=Q(request_type=RequestType.COMPLAINT)),
        )
        .order_by()
    )
    themes = {
        r["lead_department_id"]: DepartmentTheme(
            code=r["lead_department__code"],
            name=r["lead_department__name"],
            **{k: r[k] for k in ("orders", "rated", "satisfied", "dissatisfied")},
            **{k: r[k] for k in ("called_back", "resolved", "complaints")},
        )
        for r in rows
    }
    ranked = sorted(themes.items(), key=lambda kv: (-kv[1].unhappy, -kv[1].orders, kv[1].code))
    ranked = ranked[:top]
    docs: dict[int, list[list[str]]] = defaultdict(list)
    for department_id, _theme in ranked:
        ids = list(
            orders.filter(unhappy_q(), lead_department_id=department_id)
            .order_by("-received_at")
            .values_list("id", flat=True)[:per_department]
        )
        for i in range(0, len(ids), FETCH_CHUNK):
            for title, description in WorkOrder.objects.filter(
                id__in=ids[i : i + FETCH_CHUNK]
            ).values_list("title", "description"):
                docs[department_id].append(terms(order_text(title, description)))
    frequencies = {d: document_frequencies(texts) for d, texts in docs.items()}
    everyone = sum(frequencies.values(), start=document_frequencies([]))
    total = sum(len(texts) for texts in docs.values())
    for department_id, theme in ranked:
        mine = frequencies.get(department_id)
        if not mine:
            continue
        n1 = len(docs[department_id])
        n2 = total - n1

        def score(term: str, mine: dict[str, int] = mine, n1: int = n1, n2: int = n2) -> float:
            a = mine[term]
            # Alone in the analysis, a department's words are ranked by how often they occur.
            return log_likelihood(a, n1, everyone[term] - a, n2) if n2 else float(a)

        candidates = [t for t, c in mine.most_common(60) if c >= min(2, n1)]
        theme.keywords = sorted(candidates, key=lambda t: (-score(t), -mine[t], t))[:6]
    return [theme for _id, theme in ranked]
