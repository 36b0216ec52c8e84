"""The agent's workbench and the legacy-line register, under /hotline/."""

from django.urls import path

from yiwang.hotline import workbench

app_name = "workbench"

urlpatterns = [
    path("", workbench.incoming, name="incoming"),
    path("calls/<int:call_id>/", workbench.call_screen, name="call"),
    path("lines/", workbench.legacy_lines, name="lines"),
]
