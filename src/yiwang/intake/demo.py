"""Demo data of the 12345 side: the 78 legacy hotlines folded into 12345, three months of calls
(through the old numbers and through 12345), and the 一企来 pool of policy specialists."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import record_audit
from yiwang.core.progress import ProgressCallback
from yiwang.intake.models import (
    Call,
    CallOutcome,
    CallSource,
    HotlineRule,
    LegacyHotline,
    PolicySpecialist,
)
from yiwang.intake.services import ENTERPRISE_SECTORS

LEGACY_LINES = 78
CALL_DAYS = 90
SPECIALISTS = (
    ("policy_specialist", "顾晓峰", ("manufacturing", "technology")),
    ("policy_specialist_2", "曹雅琴", ("trade", "services", "finance")),
    ("policy_specialist_3", "陆建平", ("construction", "logistics", "agriculture")),
)


def _default_category(department_id: int, categories: list[Any]) -> Any | None:
    return next((c for c in categories if c.default_department_id == department_id), None)


def _lines(rng: random.Random) -> list[LegacyHotline]:
    """The national short numbers the demo's departments ran (from departments.json), then their
    local service lines (0513-…) until there are 78, as Nantong had."""
    from yiwang.org.demo import load_department_catalogue
    from yiwang.org.models import Department
    from yiwang.workorders.models import Category

    categories = list(Category.objects.filter(is_active=True, children__isnull=True))
    departments = list(Department.objects.filter(tier="city", parent__isnull=True).order_by("code"))
    by_code = {d.code: d for d in departments}
    lines: list[LegacyHotline] = []
    seen: set[str] = set()
    for entry in load_department_catalogue():
        department = by_code.get(entry.code)
        for number in entry.legacy_hotlines:
            if department is not None and number not in seen:
                seen.add(number)
                name = f"{department.short_name}热线"
                lines.append(_line(number, name, department, categories, rng))
    local = 85000000
    index = 0
    while len(lines) < LEGACY_LINES and departments:
        department = departments[index % len(departments)]
        index += 1
        local += rng.randint(1000, 90000)
        number = f"0513-{local}"
        kind = "服务热线" if index <= len(departments) else "投诉电话"
        lines.append(_line(number, f"{department.short_name}{kind}", department, categories, rng))
    return lines[:LEGACY_LINES]


def _line(
    number: str, name: str, department: Any, categories: list[Any], rng: random.Random
) -> LegacyHotline:
    return LegacyHotline(
        number=number,
        name=name[:80],
        department=department,
        default_category=_default_category(department.pk, categories),
        rule=HotlineRule.DEPARTMENT_SEAT if rng.random() < 0.15 else HotlineRule.PREFILL,
        merged_on=date(2019, 1, 1) + timedelta(days=rng.randint(0, 900)),
    )


def _served_categories(lines: list[LegacyHotline]) -> None:
    """Each line served the categories its department handles by default (the catalogue)."""
    from yiwang.workorders.models import Category

    by_department: dict[int, list[int]] = {}
    for pk, department_id in Category.objects.filter(
        is_active=True, default_department__isnull=False
    ).values_list("pk", "default_department_id"):
        by_department.setdefault(department_id, []).append(pk)
    through = LegacyHotline.categories.through
    through.objects.bulk_create(
        [
            through(legacyhotline_id=line.pk, category_id=category_id)
            for line in lines
            for category_id in by_department.get(line.department_id, [])
        ]
    )


def _calls(rng: random.Random, lines: list[LegacyHotline], agent: Any) -> list[Call]:
    """Three months of calls: about a third through old numbers (fewer as people learn 12345)."""
    now = timezone.now()
    calls = []
    weights = [1 / (i + 1) for i in range(len(lines))]  # a few lines carry most old habits
    for day in range(CALL_DAYS, 0, -1):
        start = now - timedelta(days=day)
        legacy_share = 0.45 - 0.2 * (CALL_DAYS - day) / CALL_DAYS
        for _ in range(rng.randint(25, 45)):
            rang = start.replace(hour=rng.randint(7, 21), minute=rng.randint(0, 59))
            line = rng.choices(lines, weights)[0] if rng.random() < legacy_share else None
            answered = rng.random() < 0.965
            wait = timedelta(seconds=rng.choice((3, 5, 8, 10, 12, 14, 18, 25)))
            calls.append(
                Call(
                    source=CallSource.PHONE,
                    caller=f"139{rng.randint(10000000, 99999999)}",
                    dialled=line.number if line else "12345",
                    legacy_line=line,
                    agent=agent if answered else None,
                    rang_at=rang,
                    answered_at=rang + wait if answered else None,
                    ended_at=rang + wait + timedelta(minutes=rng.randint(1, 9)),
                    outcome=CallOutcome.DIRECT_ANSWER if answered else CallOutcome.ABANDONED,
                    text="（话务系统历史记录）",
                )
            )
    return calls


def _specialists(actor: Any, password: str) -> list[PolicySpecialist]:
    from yiwang.accounts.services import create_user
    from yiwang.org.models import Department
    from yiwang.org.services import assign_role

    department = (
        Department.objects.filter(tier="city", name__contains="工业和信息化").first()
        or Department.objects.filter(tier="city").order_by("code").first()
    )
    pool = []
    for index, (username, name, sectors) in enumerate(SPECIALISTS):
        user = create_user(
            actor=actor,
            username=username,
            password=password,
            full_name=name,
            phone=f"138628102{index:02d}",
            email=f"{username}@nantong.example",
        )
        assign_role(user, "dept_handler", actor=actor, department=department)
        pool.append(PolicySpecialist.objects.create(user=user, sectors=list(sectors)))
    assert set().union(*(s.sectors for s in pool)) == set(ENTERPRISE_SECTORS)
    return pool


def load_demo_data(*, scale: str, seed: int, progress: ProgressCallback) -> str:
    from yiwang.accounts.models import User
    from yiwang.demo.accounts import DEMO_PASSWORD

    rng = random.Random(seed + 12345)
    progress("12345: legacy hotlines and calls", 0, 3)
    with transaction.atomic():
        lines = LegacyHotline.objects.bulk_create(_lines(rng))
        _served_categories(lines)
        progress("12345: legacy hotlines and calls", 1, 3)
        agent = User.objects.filter(username="hotline_agent").first()
        calls = Call.objects.bulk_create(_calls(rng, lines, agent), batch_size=2000)
        progress("12345: legacy hotlines and calls", 2, 3)
        pool = _specialists(None, DEMO_PASSWORD)
        record_audit(
            "demo.hotline_loaded",
            actor=None,
            object_type="demo",
            after={"legacy_lines": len(lines), "calls": len(calls), "specialists": len(pool)},
        )
    progress("12345: legacy hotlines and calls", 3, 3)
    return (
        f"12345: {len(lines)} legacy hotlines, {len(calls)} calls over {CALL_DAYS} days, "
        f"{len(pool)} 一企来 policy specialists."
    )
