"""The command-center console: dispatcher and department workbenches."""

from django.urls import URLPattern

app_name = "console"

urlpatterns: list[URLPattern] = []
