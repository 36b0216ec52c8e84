import pytest
from django.test import Client

from yiwang.core.audit import record_audit
from yiwang.org.services import assign_role

pytestmark = pytest.mark.django_db


def _admin_client(make_user, role: str) -> Client:
    user = make_user(role)
    assign_role(user, role, actor=None)
    client = Client()
    client.force_login(user)
    return client


def test_each_administrator_sees_only_their_part(make_user) -> None:
    record_audit("test.x", actor=None)
    audit_admin = _admin_client(make_user, "audit_admin")
    assert audit_admin.get("/admin/core/auditrecord/").status_code == 200
    assert audit_admin.get("/admin/accounts/user/").status_code == 403

    security_admin = _admin_client(make_user, "security_admin")
    assert security_admin.get("/admin/accounts/user/").status_code == 200
    assert security_admin.get("/admin/core/auditrecord/").status_code == 403

    system_admin = _admin_client(make_user, "system_admin")
    assert system_admin.get("/admin/org/department/").status_code == 200
    assert system_admin.get("/admin/core/auditrecord/").status_code == 403
    assert system_admin.get("/admin/accounts/user/").status_code == 403


def test_audit_records_cannot_be_edited_in_the_admin(make_user) -> None:
    record = record_audit("test.x", actor=None)
    client = _admin_client(make_user, "audit_admin")
    response = client.post(f"/admin/core/auditrecord/{record.pk}/change/", {"action": "forged"})
    assert response.status_code == 403
    assert client.post(f"/admin/core/auditrecord/{record.pk}/delete/").status_code == 403


def test_business_roles_do_not_enter_the_admin(make_user) -> None:
    user = make_user("agent")
    assign_role(user, "hotline_agent", actor=None)
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
