"""Writing knowledge entries: checked input naming the field, one version per save with the
previous text kept, refused concurrent edits, audit records, stewards only."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.core.errors import Conflict, PermissionDenied, ValidationFailed
from yiwang.core.models import AuditRecord
from yiwang.hotline.models import KnowledgeEntry, KnowledgeVersion
from yiwang.hotline.services import create_entry, delete_entry, set_status, update_entry

pytestmark = pytest.mark.django_db

GOOD = {"question": "住房公积金怎么提取？", "answer": "带身份证到公积金中心办理。"}


def test_an_edit_keeps_the_previous_text_as_a_version(steward: Any) -> None:
    entry = create_entry({**GOOD, "category": "H0109", "department": "ND041"}, actor=steward)
    assert entry.version == 1 and entry.status == "draft"
    assert entry.category.code == "H0109" and entry.department.code == "ND041"
    update_entry(entry, {"answer": "可以网上办理。"}, actor=steward, note="政策更新")
    entry.refresh_from_db()
    assert entry.version == 2 and entry.answer == "可以网上办理。"
    versions = list(KnowledgeVersion.objects.filter(entry=entry).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].snapshot["answer"] == "带身份证到公积金中心办理。"
    assert versions[1].changed_fields == ["answer"]
    assert versions[1].changed_by == steward and versions[1].note == "政策更新"
    actions = list(
        AuditRecord.objects.filter(object_type="hotline.knowledgeentry", object_id=str(entry.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["hotline.kb_entry_created", "hotline.kb_entry_updated"]


def test_saving_nothing_new_makes_no_version(steward: Any) -> None:
    entry = create_entry(GOOD, actor=steward)
    update_entry(entry, {"question": GOOD["question"]}, actor=steward)
    assert KnowledgeVersion.objects.filter(entry=entry).count() == 1


def test_a_stale_edit_is_refused(steward: Any) -> None:
    entry = create_entry(GOOD, actor=steward)
    update_entry(entry, {"answer": "第二版"}, actor=steward, expected_version=1)
    with pytest.raises(Conflict) as exc:
        update_entry(entry, {"answer": "基于第一版的修改"}, actor=steward, expected_version=1)
    assert exc.value.field == "version"
    entry.refresh_from_db()
    assert entry.answer == "第二版"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"question": "", "answer": "a"}, "question"),
        ({"question": "  ", "answer": "a"}, "question"),
        ({"question": "问" * 501, "answer": "a"}, "question"),
        ({"question": "q", "answer": ""}, "answer"),
        ({"question": "q", "answer": "答" * 20_001}, "answer"),
        ({**GOOD, "category": "NOPE"}, "category"),
        ({**GOOD, "department": "NOPE"}, "department"),
        ({**GOOD, "area": "NOPE"}, "area"),
        ({**GOOD, "effective_from": "2026-13-01"}, "effective_from"),
        ({**GOOD, "effective_from": "2026-05-01", "expires_on": "2026-04-01"}, "expires_on"),
        ({**GOOD, "review_cycle_days": "0"}, "review_cycle_days"),
        ({**GOOD, "owner": "nobody-here"}, "owner"),
        ({**GOOD, "status": "archived"}, "status"),
        ({**GOOD, "reference": "has space"}, "reference"),
        ({**GOOD, "colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    steward: Any, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        create_entry(data, actor=steward)
    assert exc.value.field == field
    assert field in exc.value.details["fields"]
    assert not KnowledgeEntry.objects.exists()


def test_only_stewards_write(agent: Any, steward: Any) -> None:
    with pytest.raises(PermissionDenied):
        create_entry(GOOD, actor=agent)
    entry = create_entry(GOOD, actor=steward)
    with pytest.raises(PermissionDenied):
        update_entry(entry, {"answer": "x"}, actor=agent)
    with pytest.raises(PermissionDenied):
        delete_entry(entry, actor=agent)


def test_a_duplicate_reference_is_a_conflict(steward: Any) -> None:
    create_entry({**GOOD, "reference": "faq-x"}, actor=steward)
    with pytest.raises(Conflict) as exc:
        create_entry({**GOOD, "reference": "faq-x"}, actor=steward)
    assert exc.value.field == "reference"


def test_publish_expire_and_delete(steward: Any) -> None:
    entry = create_entry(GOOD, actor=steward)
    assert not entry.is_suggestible()
    entry = set_status(entry, "published", actor=steward)
    assert entry.is_suggestible() and entry.version == 2
    entry = set_status(entry, "expired", actor=steward)
    assert not entry.is_suggestible()
    delete_entry(entry, actor=steward)
    assert not KnowledgeEntry.objects.exists()
    assert AuditRecord.objects.filter(action="hotline.kb_entry_deleted").count() == 1
