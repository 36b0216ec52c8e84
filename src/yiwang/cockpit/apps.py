from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "yiwang.cockpit"
    verbose_name = "Cockpit"
