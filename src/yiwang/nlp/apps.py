from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NlpConfig(AppConfig):
    name = "yiwang.nlp"
    verbose_name = _("Chinese text: search and routing models")
