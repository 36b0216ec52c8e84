from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "yiwang.demo"
    verbose_name = "Demo data"
