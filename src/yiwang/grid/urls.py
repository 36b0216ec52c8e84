"""The grid pages."""

from django.urls import path  # noqa: F401

app_name = "grid"

urlpatterns: list = []
