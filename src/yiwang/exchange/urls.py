"""The exchange pages."""

from django.urls import path

from yiwang.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("resources/new/", views.register, name="register"),
    path("resources/<str:code>/", views.resource_detail, name="resource"),
    path("grants/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("requests/", views.requests, name="requests"),
    path(
        "requests/<int:pk>/<str:decision>/",
        views.decide,
        name="decide",
    ),
    path("metrics/", views.metrics, name="metrics"),
]
