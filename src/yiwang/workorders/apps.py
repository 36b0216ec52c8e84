from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "yiwang.workorders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        # Connects the receivers that refresh the cached dispatch rules when they change.
        from yiwang.workorders import routing  # noqa: F401
