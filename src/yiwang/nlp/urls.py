"""The nlp pages."""

from django.urls import path  # noqa: F401

app_name = "nlp"

urlpatterns: list = []
