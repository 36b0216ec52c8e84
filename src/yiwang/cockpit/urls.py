"""The leadership cockpit, its thematic maps and the KPI rankings."""

from django.urls import URLPattern

app_name = "cockpit"

urlpatterns: list[URLPattern] = []
