from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "yiwang.grid"
    verbose_name = _("Grid governance")

    def ready(self) -> None:
        # The grid's lifecycle actions (自办, 上报, the center's check) register their effects.
        from yiwang.grid import effects  # noqa: F401
