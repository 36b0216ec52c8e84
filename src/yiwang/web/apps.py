from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "yiwang.web"
    verbose_name = "Web"
