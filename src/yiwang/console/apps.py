from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "yiwang.console"
    verbose_name = "Console"
