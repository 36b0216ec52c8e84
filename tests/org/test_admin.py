"""The organisation's admin pages: edits are audited, role assignments cannot be edited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.core.errors import ValidationFailed
from yiwang.core.models import AuditRecord
from yiwang.org.choices import Role
from yiwang.org.demo import OrgStats
from yiwang.org.models import CommandCenter, Department, RoleAssignment, Stationing
from yiwang.org.services import (
    assign_role,
    remove_stationing,
    save_department,
    save_stationing,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(organisation: OrgStats, make_user: Any, client: Client) -> Client:
    user = make_user("root")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    return client


def test_the_lists_render(admin_client: Client) -> None:
    for path in (
        "/admin/org/department/?tier__exact=county&q=公安",
        "/admin/org/commandcenter/?tier__exact=town",
        "/admin/org/roleassignment/",
    ):
        assert admin_client.get(path).status_code == 200, path
    center = CommandCenter.objects.get(region__code="320600")
    page = admin_client.get(f"/admin/org/commandcenter/{center.pk}/change/")
    assert "南通市城市管理局" in page.content.decode()


def test_role_assignments_are_read_only(admin_client: Client, make_user: Any) -> None:
    user = make_user("handler")
    assignment = assign_role(
        user, Role.DEPT_HANDLER, actor=None, department=Department.objects.get(code="ND027")
    )
    assert admin_client.get("/admin/org/roleassignment/add/").status_code == 403
    change = f"/admin/org/roleassignment/{assignment.pk}/change/"
    assert admin_client.get(change).status_code == 200  # view only
    assert admin_client.post(change, {"role": Role.SYSTEM_ADMIN}).status_code == 403
    delete = f"/admin/org/roleassignment/{assignment.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert RoleAssignment.objects.get(pk=assignment.pk).role == Role.DEPT_HANDLER


def test_an_admin_edit_is_saved_and_audited(admin_client: Client) -> None:
    department = Department.objects.get(code="ND027")
    response = admin_client.post(
        f"/admin/org/department/{department.pk}/change/",
        {
            "name": department.name,
            "short_name": "市城市管理局",
            "kind": department.kind,
            "tier": department.tier,
            "region": department.region_id,
            "parent": "",
            "duties": department.duties,
            "legacy_hotline": department.legacy_hotline,
            "offers_online_services": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    department.refresh_from_db()
    assert department.short_name == "市城市管理局"
    record = AuditRecord.objects.filter(action="org.department_updated").get()
    assert record.before == {"short_name": "市城管局"}
    assert record.after == {"short_name": "市城市管理局"}
    assert record.actor_username == "root"


def test_departments_and_centers_cannot_be_deleted_in_the_admin(admin_client: Client) -> None:
    department = Department.objects.get(code="ND001")
    center = CommandCenter.objects.get(region__code="320600")
    assert (
        admin_client.post(
            f"/admin/org/department/{department.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            f"/admin/org/commandcenter/{center.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_stationing_changes_are_audited(organisation: OrgStats) -> None:
    center = CommandCenter.objects.get(region__code="320600")
    department = Department.objects.get(code="ND036")  # tax: not stationed by default
    stationing = save_stationing(
        Stationing(center=center, department=department, staff_count=2), actor=None
    )
    created = AuditRecord.objects.get(action="org.stationing_created")
    assert created.after is not None and created.after["staff_count"] == 2
    stationing.staff_count = 3
    save_stationing(stationing, actor=None, changed=["staff_count"])
    updated = AuditRecord.objects.get(action="org.stationing_updated")
    assert (updated.before, updated.after) == ({"staff_count": 2}, {"staff_count": 3})
    remove_stationing(stationing, actor=None)
    assert not Stationing.objects.filter(center=center, department=department).exists()
    assert AuditRecord.objects.filter(action="org.stationing_removed").exists()


def test_an_invalid_edit_is_refused_and_not_audited(organisation: OrgStats) -> None:
    department = Department.objects.get(code="320613-ND027")
    department.name = "南通市公安局崇川分局"  # another department of 崇川区 has that name
    with pytest.raises(ValidationFailed):
        save_department(department, actor=None, changed=["name"])
    assert not AuditRecord.objects.filter(action="org.department_updated").exists()
    assert Department.objects.get(code="320613-ND027").name == "南通市崇川区城市管理局"


def test_saving_without_changes_writes_nothing(organisation: OrgStats) -> None:
    department = Department.objects.get(code="ND001")
    save_department(department, actor=None, changed=[])
    assert not AuditRecord.objects.filter(action="org.department_updated").exists()
