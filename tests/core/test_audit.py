from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from yiwang.core import audit
from yiwang.core.audit import GENESIS_HASH, purge_expired, record_audit, verify_chain
from yiwang.core.models import AppendOnlyError, AuditRecord

pytestmark = pytest.mark.django_db


def _disable_append_only_triggers() -> None:
    """What an attacker with database rights would do before rewriting history."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER core_auditrecord_no_update")


def test_records_are_chained_from_genesis() -> None:
    first = record_audit("test.first", actor=None, after={"n": 1})
    second = record_audit("test.second", actor=None, after={"n": 2})
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert verify_chain().ok


def test_verify_names_the_first_tampered_record() -> None:
    records = [record_audit(f"test.{i}", actor=None, after={"i": i}) for i in range(4)]
    _disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditrecord SET action = %s WHERE id = %s", ["test.forged", records[2].pk]
        )
    result = verify_chain()
    assert not result.ok
    assert result.first_broken_id == records[2].pk
    assert result.checked == 2
    with pytest.raises(CommandError, match=f"#{records[2].pk}"):
        call_command("audit", "verify")


def test_verify_notices_a_removed_record() -> None:
    records = [record_audit(f"test.{i}", actor=None) for i in range(3)]
    _disable_append_only_triggers()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditrecord_no_early_delete")
        cursor.execute("DELETE FROM core_auditrecord WHERE id = %s", [records[1].pk])
    result = verify_chain()
    assert result.first_broken_id == records[2].pk


def test_application_code_cannot_change_or_delete_records() -> None:
    record = record_audit("test.x", actor=None)
    record.action = "changed"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=record.pk).update(action="changed")
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.all().delete()


def test_the_database_refuses_updates_and_early_deletes() -> None:
    record = record_audit("test.x", actor=None)
    for statement in (
        "UPDATE core_auditrecord SET action = 'changed' WHERE id = %s",
        "DELETE FROM core_auditrecord WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [record.pk])
    assert AuditRecord.objects.get(pk=record.pk).action == "test.x"


def test_purge_keeps_the_chain_verifiable(monkeypatch: pytest.MonkeyPatch) -> None:
    long_ago = timezone.now() - timedelta(days=400)
    monkeypatch.setattr(audit.timezone, "now", lambda: long_ago)
    old = [record_audit("test.old", actor=None) for _ in range(3)]
    monkeypatch.undo()
    recent = record_audit("test.recent", actor=None)

    assert purge_expired(actor=None) == 3
    assert not AuditRecord.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert AuditRecord.objects.filter(pk=recent.pk).exists()
    result = verify_chain()
    assert result.ok, result.reason
    purge = AuditRecord.objects.get(action="audit.purged")
    assert purge.after["count"] == 3


def test_verify_command_reports_an_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    record_audit("test.x", actor=None)
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
