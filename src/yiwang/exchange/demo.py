"""Demo exchange: a catalogue of 5,000+ resources over the 65 city departments (78 each at
``scale="full"``, 6 at ``"small"``), a few share requests and grants, department-system
tokens, records pushed through the real ingest, and 30 days of exchange volume.

The catalogue entries are made up from templates (subjects × qualifiers per department, with
item sets by theme); the daily volume before today is synthetic, sized to the city's
"4亿条/日" (400 million records a day), and marked as such in the summary. Deterministic
from the seed.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import record_audit
from yiwang.core.progress import ProgressCallback
from yiwang.exchange import services
from yiwang.exchange.choices import (
    Classification,
    DataFormat,
    Direction,
    OpenAttribute,
    SharingMethod,
    SharingType,
    Theme,
    UpdateCycle,
)
from yiwang.exchange.models import DailyVolume, Resource, SchemaVersion
from yiwang.exchange.schema import clean_items
from yiwang.org.models import Department

PER_DEPARTMENT = {"full": 78, "small": 6}
SUBJECTS = [
    ("行政许可信息", Theme.LEGAL_ENTITY),
    ("行政处罚信息", Theme.CREDIT),
    ("监管对象名录", Theme.LEGAL_ENTITY),
    ("执法检查记录", Theme.SAFETY),
    ("投诉举报受理信息", Theme.SOCIAL),
    ("服务对象登记信息", Theme.POPULATION),
    ("资金补贴发放信息", Theme.ECONOMY),
    ("设施点位信息", Theme.GEOSPATIAL),
    ("统计报表数据", Theme.ECONOMY),
    ("办件结果信息", Theme.SOCIAL),
    ("从业人员信息", Theme.POPULATION),
    ("安全隐患排查信息", Theme.SAFETY),
    ("信用评价信息", Theme.CREDIT),
]
QUALIFIERS = ["", "（年度）", "台账", "变更记录", "汇总", "明细"]
ITEM_SETS: dict[str, list[dict[str, Any]]] = {
    "person": [
        {"name": "record_no", "type": "string", "required": True, "description": "记录编号"},
        {"name": "person_name", "type": "string", "personal": "name", "description": "姓名"},
        {"name": "id_number", "type": "string", "personal": "id_number", "description": "身份证号"},
        {"name": "phone", "type": "string", "personal": "phone", "description": "联系电话"},
        {"name": "address", "type": "string", "personal": "other", "description": "住址"},
        {"name": "registered_on", "type": "date", "description": "登记日期"},
        {"name": "county", "type": "string", "description": "所属区县"},
    ],
    "entity": [
        {"name": "record_no", "type": "string", "required": True, "description": "记录编号"},
        {"name": "credit_code", "type": "string", "description": "统一社会信用代码"},
        {"name": "entity_name", "type": "string", "description": "单位名称"},
        {"name": "legal_person", "type": "string", "personal": "name", "description": "法定代表人"},
        {"name": "decided_on", "type": "date", "description": "决定日期"},
        {"name": "amount", "type": "number", "description": "金额（元）"},
        {"name": "status", "type": "string", "description": "状态"},
    ],
    "place": [
        {"name": "record_no", "type": "string", "required": True, "description": "记录编号"},
        {"name": "place_name", "type": "string", "description": "名称"},
        {"name": "longitude", "type": "number", "description": "经度"},
        {"name": "latitude", "type": "number", "description": "纬度"},
        {"name": "capacity", "type": "integer", "description": "规模"},
        {"name": "updated_at", "type": "datetime", "description": "更新时间"},
    ],
}
THEME_ITEMS = {
    Theme.POPULATION: "person",
    Theme.SOCIAL: "person",
    Theme.GEOSPATIAL: "place",
    Theme.URBAN: "place",
    Theme.ENVIRONMENT: "place",
}
DAILY_TARGET = 400_000_000  # the seed's 4亿条/日


def _sharing(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.70:
        return SharingType.UNCONDITIONAL, ""
    if roll < 0.95:
        return (
            SharingType.CONDITIONAL,
            "《政务信息资源共享管理暂行办法》第九条；涉及个人信息，依申请共享",
        )
    return SharingType.NOT_SHARED, "《中华人民共和国保守国家秘密法》第十三条"


def load_demo_data(*, scale: str, seed: int, progress: ProgressCallback) -> str:
    """Store the demo catalogue, grants, tokens, records and volume in one transaction."""
    rng = random.Random(seed)
    per = PER_DEPARTMENT.get(scale, PER_DEPARTMENT["small"])
    departments = list(Department.objects.filter(tier="city").order_by("code"))
    if not departments or Resource.objects.exists():
        return "exchange: skipped (no city departments, or a catalogue already exists)"
    today = timezone.localdate()
    with transaction.atomic():
        cleaned = {kind: clean_items(items) for kind, items in ITEM_SETS.items()}
        resources: list[Resource] = []
        combos = [(s, q) for q in QUALIFIERS for s in SUBJECTS]
        for d_index, department in enumerate(departments):
            for n in range(per):
                (subject, theme), qualifier = combos[(n + d_index) % len(combos)]
                items = cleaned[THEME_ITEMS.get(theme, "entity")]
                sharing_type, basis = _sharing(rng)
                resources.append(
                    Resource(
                        code=f"{department.code}-{n + 1:04d}",
                        name=f"{department.short_name}{subject}{qualifier}",
                        classification=rng.choice(Classification.values),
                        theme=theme,
                        provider=department,
                        abstract=f"{department.name}在履职中产生的{subject}，供各部门按需共享。",
                        format=rng.choice([DataFormat.DATABASE] * 3 + [DataFormat.SPREADSHEET]),
                        sharing_type=sharing_type,
                        legal_basis=basis,
                        sharing_conditions="仅限履职使用，不得向第三方提供" if basis else "",
                        sharing_method=rng.choice(SharingMethod.values),
                        open_attribute=rng.choice(OpenAttribute.values),
                        update_cycle=rng.choice(UpdateCycle.values),
                        published_on=today - timedelta(days=rng.randrange(30, 1500)),
                        key_item="record_no",
                        items=items,
                    )
                )
        Resource.objects.bulk_create(resources, batch_size=1000)
        progress("exchange catalogue", len(resources), len(resources))
        stored = list(Resource.objects.order_by("id").only("id", "items", "provider_id"))
        SchemaVersion.objects.bulk_create(
            [SchemaVersion(resource=r, version=1, items=r.items) for r in stored], batch_size=1000
        )
        activity = _activity(rng, departments, stored[: per * 4])
        _volume(rng, stored, today)
        record_audit(
            "exchange.demo_loaded",
            actor=None,
            object_type="exchange.resource",
            after={"resources": len(resources), "departments": len(departments), **activity},
        )
    return (
        f"exchange: {len(resources):,} resources over {len(departments)} departments, "
        f"{activity['grants']} grants, {activity['records']} records pushed, "
        f"30 days of synthetic volume (~4亿/day)"
    )


def _activity(
    rng: random.Random, departments: list[Department], pool: list[Resource]
) -> dict[str, int]:
    """A few requests, grants, tokens and pushed records, through the real services."""
    from yiwang.exchange.choices import SharingType as S

    steward = _steward()
    grants = records = 0
    shared = [
        r
        for r in Resource.objects.filter(pk__in=[p.pk for p in pool]).select_related("provider")
        if r.sharing_type != S.NOT_SHARED
    ]
    for n, resource in enumerate(shared[:12]):
        consumer = departments[(departments.index(resource.provider) + 7 + n) % len(departments)]
        wanted = resource.item_names[: 4 + n % 3]
        share = services.request_share(
            resource, actor=steward, consumer=consumer, purpose="跨部门业务协同核查", items=wanted
        )
        if n % 3 == 2:
            continue  # left waiting: the requests page has work on it
        if resource.sharing_type == S.CONDITIONAL:
            continue
        services.approve_request(share, actor=steward)
        grants += 1
    for resource in shared[:3]:
        client, _secret = services.issue_client(resource.provider, actor=steward, name="业务系统")
        lines = [json.dumps(_record(resource, rng, i), ensure_ascii=False) for i in range(200)]
        result = services.ingest_batch(
            resource, client=client, batch_id="demo-1", body="\n".join(lines).encode()
        )
        records += result.records
    return {"grants": grants, "records": records}


def _steward() -> Any:
    from yiwang.org.models import RoleAssignment

    assignment = RoleAssignment.objects.filter(role="data_steward").select_related("user").first()
    if assignment is not None:
        return assignment.user
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_superuser=True).first() or _AnyActor()


class _AnyActor:
    """The loader acting as the data authority when no account holds the role."""

    pk = None
    username = "demo"
    is_superuser = True
    is_authenticated = True
    is_active = True


def _record(resource: Resource, rng: random.Random, i: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in resource.items:
        name, kind = item["name"], item["type"]
        if name == "record_no":
            values[name] = f"{resource.code}-{i:06d}"
        elif item.get("personal") == "name":
            values[name] = rng.choice(
                ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆"]
            ) + rng.choice(["", "明", "华"])
        elif item.get("personal") == "phone":
            values[name] = f"138{rng.randrange(10**8):08d}"
        elif item.get("personal") == "id_number":
            values[name] = f"320602{rng.randrange(1950, 2005)}0101{rng.randrange(1000, 9999)}"
        elif kind == "date":
            values[name] = f"2026-{rng.randrange(1, 12):02d}-{rng.randrange(1, 28):02d}"
        elif kind == "datetime":
            values[name] = f"2026-11-{rng.randrange(1, 27):02d}T09:30:00+08:00"
        elif kind == "number":
            values[name] = round(rng.uniform(1, 10000), 2)
        elif kind == "integer":
            values[name] = rng.randrange(1, 500)
        else:
            values[name] = rng.choice(
                ["崇川区", "通州区", "海门区", "如皋市", "启东市", "正常", "已办结"]
            )
    return values


def _volume(rng: random.Random, resources: list[Resource], today: Any) -> None:
    """30 days of exchange volume on the busiest 200 resources, summing to ~4亿 a day."""
    busiest = resources[:: max(1, len(resources) // 200)][:200]
    weights = [rng.paretovariate(1.2) for _ in busiest]
    total = sum(weights)
    rows = []
    for back in range(1, 31):
        day = today - timedelta(days=back)
        swing = 0.8 + 0.4 * rng.random() if day.weekday() < 5 else 0.45
        for resource, weight in zip(busiest, weights, strict=True):
            records_in = int(DAILY_TARGET * swing * weight / total / 2)
            for direction, records in ((Direction.IN, records_in), (Direction.OUT, records_in)):
                rows.append(
                    DailyVolume(
                        day=day,
                        resource=resource,
                        department_id=resource.provider_id,
                        direction=direction,
                        records=records,
                        operations=max(1, records // 50_000),
                        failures=int(rng.random() < 0.03),
                    )
                )
    DailyVolume.objects.bulk_create(rows, batch_size=2000)
