"""The hotline pages."""

from django.urls import path  # noqa: F401

app_name = "hotline"

urlpatterns: list = []
