"""Demo knowledge base: the 84 real government FAQ entries (``data/gov_faq.jsonl``) among
11,268 generated ones (600 at ``scale="small"``).

The generated entries are made up for the demo from the 12345 part of the category catalogue
(subclass names and keywords, time limits, default departments) and the demo city's counties:
what a caller asks about a kind of request — who handles it, how long it takes, what to bring,
where to go — with answers assembled from fragments. They are deterministic from the seed. None
is taken from real FAQ pages; only the 84 ``faq-…`` entries are real.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import record_audit
from yiwang.core.progress import ProgressCallback
from yiwang.hotline import knowledge
from yiwang.hotline.models import (
    DictionaryWord,
    EntryStatus,
    KnowledgeEntry,
    KnowledgeVersion,
)
from yiwang.hotline.services import CONTENT_FIELDS

DATA = Path(__file__).resolve().parent / "data"
GENERATED = {"full": 11_268, "small": 600}
# The collector's topics of the real entries → a 12345 subclass of the demo catalogue.
TOPIC_CATEGORIES = {
    "社保/失业保险": "H0504",
    "就业创业": "H0505",
    "就业": "H0505",
    "户籍": "H1002",
    "居住证": "H1002",
    "出入境": "H1002",
    "住房/房屋租赁登记备案": "H0106",
    "住房": "H0108",
    "养老服务": "H1102",
    "社保/养老保险": "H0503",
    "社保/城乡居民养老保险补缴": "H0503",
    "社保/退休待遇计算": "H0503",
    "社保/社会保障卡补办": "H0502",
    "社保": "H0502",
    "教育": "H0401",
    "住房公积金": "H0109",
    "交通": "H0304",
    "交通车管": "H0306",
    "驾驶证": "H0306",
    "生育保险": "H0508",
    "医保": "H0508",
    "农业农村": "H1205",
    "科技": "H1303",
    "安全生产": "H1005",
    "卫生计生": "H0701",
    "水库移民后期扶持": "H1205",
}
LOCAL_WORDS = ("南通", "濠河", "市民卡", "一网通办", "政务服务网")


def _topic_category(topic: str) -> str | None:
    parts = topic.split("/")
    for n in range(len(parts), 0, -1):
        code = TOPIC_CATEGORIES.get("/".join(parts[:n]))
        if code:
            return code
    for prefix, code in TOPIC_CATEGORIES.items():
        if topic.startswith(prefix):
            return code
    return None


def load_real_faq() -> list[dict[str, Any]]:
    with (DATA / "gov_faq.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass(frozen=True)
class _Subject:
    category: Any
    name: str
    keyword: str
    department: Any
    limit: str


_UNITS = {
    "hours": "小时",
    "working_hours": "个工作时",
    "working_days": "个工作日",
    "calendar_days": "天",
}

# (question, answer) templates. {kw} a keyword, {name} the subclass, {place} a county or "",
# {dept} the department, {limit} the time limit, {policy} a regulation title.
TEMPLATES: list[tuple[str, str]] = [
    (
        "{place}{kw}问题应该找哪个部门反映？",
        "{name}类诉求由{dept}负责办理。市民可拨打12345政务服务便民热线反映，"
        "热线受理后转交{dept}处理，并跟踪办理结果。",
    ),
    (
        "向12345反映{kw}后多久能处理？",
        "按照12345热线办理时限规定，{name}类事项的处理时限为{limit}。承办单位{dept}"
        "应在时限内联系诉求人并反馈办理情况；逾期未办结的，由热线督办。",
    ),
    (
        "{place}发现{kw}怎么投诉？",
        "可通过12345热线电话、政务服务网、微信公众号等渠道反映，请说明具体地址、发生时间和"
        "现场情况，有照片的可一并上传。工单将派发至{dept}核实处理。",
    ),
    (
        "对{kw}的处理结果不满意怎么办？",
        "对办理结果不满意的，可在回访时说明理由，热线将视情况退回{dept}重新办理；"
        "仍有异议的，可依法申请行政复议或提起行政诉讼。",
    ),
    (
        "{place}办理{name}相关业务需要带什么材料？",
        "一般需携带本人有效身份证件原件及复印件和相关证明材料；委托他人办理的，还需提供授权"
        "委托书和受托人身份证件。具体材料清单以{dept}窗口公示为准。",
    ),
    (
        "{place}{name}相关业务在哪里办理？",
        "可到{where}政务服务中心{dept}窗口办理，工作日上午9:00-12:00、下午13:30-17:00；"
        "部分事项已开通网上办理，可登录政务服务网“一网通办”专区申请。",
    ),
    (
        "{kw}有哪些政策规定？",
        "相关规定见《{policy}》。{dept}依据上述规定开展监管和服务工作，具体执行标准可向"
        "{dept}咨询。",
    ),
    (
        "夜间或节假日遇到{kw}怎么办？",
        "12345热线全天候受理。属于{name}范围的紧急情况，热线按紧急事项转办，{dept}应在2小时内"
        "响应；涉及人身安全的，请立即拨打110、119或120。",
    ),
    (
        "{place}{kw}可以在网上反映吗？",
        "可以。登录政务服务网或12345微信公众号，选择“{name}”类别填写诉求，上传现场照片并"
        "留下联系电话，系统将自动生成工单并派发至{dept}。",
    ),
    (
        "{kw}由哪个单位负责监管？",
        "{name}的日常监管由{dept}负责，{where}范围内的具体事项由属地镇（街道）配合处置。"
        "发现问题可拨打12345热线反映。",
    ),
    (
        "怎样查询{name}诉求的办理进度？",
        "反映诉求后会收到工单编号短信，可凭编号拨打12345热线或在政务服务网查询办理进度；"
        "{dept}办结后会电话回复，热线随后回访满意度。",
    ),
    (
        "举报{kw}会对举报人信息保密吗？",
        "会。12345热线和{dept}对举报人的姓名、电话等个人信息严格保密，可选择保密受理；"
        "经查证属实的，按《{policy}》有关规定处理。",
    ),
    (
        "{place}{kw}造成了损失，可以要求赔偿吗？",
        "因{kw}造成人身或财产损失的，可先与责任方协商；协商不成的，可向{dept}申请调解，"
        "或依法向人民法院提起诉讼。请注意保留照片、票据等证据。",
    ),
    (
        "{kw}办理需要预约吗？",
        "{dept}窗口实行预约与现场取号相结合，可通过政务服务网或电话预约，预约后按时到场"
        "办理；未预约的可现场取号，高峰时段请错峰前往。",
    ),
    (
        "反映{kw}问题需要提供哪些信息？",
        "请提供事发的详细地址或参照物、发生时间、具体情况和联系电话，能提供照片或视频的更便于"
        "核实。热线受理后转{dept}办理，处理时限为{limit}。",
    ),
]

EXTRAS = [
    "办理过程中如需补充材料，承办人员会电话联系您。",
    "为保护您的权益，请保持电话畅通以便回访。",
    "如情况紧急或存在安全隐患，请在来电时说明，热线将优先转办。",
    "相关政策如有调整，以最新公布的文件为准。",
    "如属多个部门职责交叉的事项，由12345热线协调有关部门共同办理。",
    "同一问题多次反映的，热线将合并工单并提级督办。",
    "",
    "",
]


def _limit(category: Any) -> str:
    value = category.time_limit
    if value is None:
        return "7个工作日"
    number = int(value) if Decimal(value) == int(value) else value
    return f"{number}{_UNITS.get(category.time_limit_unit, '个工作日')}"


def _subjects() -> list[_Subject]:
    from yiwang.workorders.models import Category

    subjects = []
    categories = (
        Category.objects.filter(code__startswith="H", parent__isnull=False, is_active=True)
        .select_related("default_department", "parent__default_department")
        .order_by("code")
    )
    for category in categories:
        parent = category.parent
        department = category.default_department or (parent.default_department if parent else None)
        if department is None:
            continue
        keywords = [k.strip() for k in category.keywords.replace("，", ",").split(",")]
        words = [category.name] + [k for k in keywords if k and k != category.name]
        for word in words[:4]:
            subjects.append(_Subject(category, category.name, word, department, _limit(category)))
    return subjects


def _generate(
    count: int, seed: int, counties: list[Any]
) -> list[tuple[dict[str, Any], Any, Any, Any]]:
    rng = random.Random(seed)
    subjects = _subjects()
    if not subjects:
        return []
    combos = [(s, t) for s in subjects for t in range(len(TEMPLATES))]
    rng.shuffle(combos)
    places: list[Any] = [None, None, None, *counties]
    out: list[tuple[dict[str, Any], Any, Any, Any]] = []
    seen: set[str] = set()
    round_ = 0
    while len(out) < count and round_ < 200:
        for subject, t in combos:
            if len(out) >= count:
                break
            q_template, a_template = TEMPLATES[t]
            county = rng.choice(places) if "{place}" in q_template or round_ else None
            if round_ and county is None:
                county = counties[(len(out) + round_) % len(counties)] if counties else None
            place = county.name if county is not None else ""
            if round_ and "{place}" not in q_template and place:
                q_template = "{place}" + q_template
            values = {
                "kw": subject.keyword,
                "name": subject.name,
                "place": place,
                "where": place or "市",
                "dept": subject.department.name,
                "limit": subject.limit,
                "policy": f"南通市{subject.name}管理办法",
            }
            question = q_template.format(**values)
            if question in seen:
                continue
            seen.add(question)
            answer = a_template.format(**values) + rng.choice(EXTRAS)
            out.append(
                (
                    {"question": question, "answer": answer},
                    subject.category,
                    subject.department,
                    county,
                )
            )
        round_ += 1
    return out


def _snapshot(entry: KnowledgeEntry, category: Any, department: Any, area: Any) -> dict[str, Any]:
    return {
        "question": entry.question,
        "answer": entry.answer,
        "category": category.code if category else "",
        "department": department.code if department else "",
        "area": area.code if area else "",
        "policy_documents": entry.policy_documents,
        "effective_from": entry.effective_from.isoformat() if entry.effective_from else "",
        "expires_on": entry.expires_on.isoformat() if entry.expires_on else "",
        "review_cycle_days": entry.review_cycle_days or "",
        "owner": "",
        "status": entry.status,
        "source": entry.source,
    }


def load_demo_data(*, scale: str, seed: int, progress: ProgressCallback) -> str:
    from yiwang.geo.models import Region
    from yiwang.workorders.models import Category

    count = GENERATED.get(scale, GENERATED["small"])
    rng = random.Random(seed + 12345)
    today = timezone.localdate()
    now = timezone.now()
    counties = list(Region.objects.filter(level="county").defer("geometry").order_by("code"))
    categories = {
        c.code: c
        for c in Category.objects.filter(code__startswith="H").select_related(
            "default_department", "parent__default_department"
        )
    }
    steward = _steward()
    progress("knowledge base", 0, count + 84)
    entries: list[tuple[KnowledgeEntry, Any, Any, Any]] = []
    for row in load_real_faq():
        category = categories.get(_topic_category(row.get("topic", "")) or "")
        department = None
        if category is not None:
            parent = category.parent
            department = category.default_department or (
                parent.default_department if parent else None
            )
        entry = KnowledgeEntry(
            external_id=row["id"],
            question=row["question"].strip()[:500],
            answer=row["answer"].strip(),
            category=category,
            department=department,
            status=EntryStatus.PUBLISHED,
            source=row.get("source", "")[:500],
            policy_documents=[],
            review_cycle_days=365,
            owner=steward,
            created_at=now,
            updated_at=now,
        )
        entries.append((entry, category, department, None))
    for n, (text, category, department, county) in enumerate(
        _generate(count, seed, counties), start=1
    ):
        draw = rng.random()
        status = EntryStatus.PUBLISHED
        expires_on = None
        if draw < 0.04:
            status = EntryStatus.DRAFT
        elif draw < 0.06:
            status = EntryStatus.EXPIRED
        elif draw < 0.08:
            expires_on = today - timedelta(days=rng.randint(1, 300))
        entry = KnowledgeEntry(
            external_id=f"kb-demo-{n:05d}",
            question=text["question"],
            answer=text["answer"],
            category=category,
            department=department,
            area=county,
            status=status,
            policy_documents=[f"南通市{category.name}管理办法"] if rng.random() < 0.5 else [],
            effective_from=today - timedelta(days=rng.randint(30, 1500)),
            expires_on=expires_on,
            review_cycle_days=rng.choice((90, 180, 365)),
            owner=steward,
            source="演示数据（生成）",
            created_at=now,
            updated_at=now,
        )
        entries.append((entry, category, department, county))
    with transaction.atomic():
        DictionaryWord.objects.bulk_create(
            [DictionaryWord(word=w, note="演示") for w in LOCAL_WORDS], ignore_conflicts=True
        )
        KnowledgeEntry.objects.bulk_create([e for e, *_ in entries], batch_size=2000)
        if entries and entries[0][0].pk is None:
            ids = dict(KnowledgeEntry.objects.values_list("external_id", "pk"))
            for e, *_ in entries:
                e.pk = ids[e.external_id]
        progress("knowledge base", len(entries), len(entries))
        KnowledgeVersion.objects.bulk_create(
            [
                KnowledgeVersion(
                    entry=e,
                    version=1,
                    snapshot={
                        **_snapshot(e, c, d, a),
                        "owner": steward.username if steward else "",
                    },
                    changed_fields=list(CONTENT_FIELDS),
                    note="演示数据",
                    changed_by=steward,
                    changed_at=now,
                )
                for e, c, d, a in entries
            ],
            batch_size=2000,
        )
        record_audit(
            "hotline.kb_imported",
            actor=steward,
            object_type="hotline.knowledgeentry",
            object_repr="demo",
            after={"real": 84, "generated": len(entries) - 84, "seed": seed},
        )
        knowledge.entries_changed()
        knowledge.dictionary_changed()
    real = sum(1 for e, *_ in entries if e.external_id.startswith("faq-"))
    return (
        f"Knowledge base: {len(entries)} entries ({real} real government FAQ, "
        f"{len(entries) - real} generated)."
    )


def _steward() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username="data_steward").first()
