"""Seed the audit chain head and make the database itself refuse to rewrite audit history:
no UPDATE ever, no DELETE of a record younger than the legal floor of 180 days."""

from django.db import migrations

GENESIS = "0" * 64

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION yiwang_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit records are append-only';
    END IF;
    IF OLD.created_at > now() - interval '180 days' THEN
        RAISE EXCEPTION 'audit records younger than 180 days cannot be deleted';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditrecord_append_only
    BEFORE UPDATE OR DELETE ON core_auditrecord
    FOR EACH ROW EXECUTE FUNCTION yiwang_audit_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS core_auditrecord_append_only ON core_auditrecord;
DROP FUNCTION IF EXISTS yiwang_audit_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER core_auditrecord_no_update BEFORE UPDATE ON core_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
    """CREATE TRIGGER core_auditrecord_no_early_delete BEFORE DELETE ON core_auditrecord
       WHEN julianday(old.created_at) > julianday('now', '-180 days')
       BEGIN SELECT RAISE(ABORT, 'audit records younger than 180 days cannot be deleted'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditrecord_no_update",
    "DROP TRIGGER IF EXISTS core_auditrecord_no_early_delete",
]


def install(apps, schema_editor):
    head = apps.get_model("core", "AuditChainHead")
    head.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS, "last_record_id": 0})
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
