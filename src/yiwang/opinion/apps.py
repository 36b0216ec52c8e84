from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionConfig(AppConfig):
    name = "yiwang.opinion"
    verbose_name = _("Public-opinion analytics")
