from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class CoreConfig(AppConfig):
    name = "yiwang.core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.apps import apps

        from yiwang.core import checks  # noqa: F401  (registers the system checks)
        from yiwang.core.scoping import on_scope_source_change

        # Scopes are cached per process; anything they are computed from drops them.
        for label in ("org.RoleAssignment", "geo.Region"):
            model = apps.get_model(label)
            post_save.connect(on_scope_source_change, sender=model, dispatch_uid=f"scope-{label}")
            post_delete.connect(
                on_scope_source_change, sender=model, dispatch_uid=f"scope-del-{label}"
            )
        grids = apps.get_model("org.RoleAssignment").grids.through
        m2m_changed.connect(on_scope_source_change, sender=grids, dispatch_uid="scope-grids")
