"""The opinion pages."""

from django.urls import path  # noqa: F401

app_name = "opinion"

urlpatterns: list = []
